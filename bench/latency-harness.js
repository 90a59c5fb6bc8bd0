// Shared by bench/github-latency.js and bench/gitlab-latency.js: the test stand-ins and the service-process helper
// (test/support/*.ts, bundled with esbuild so the benchmarks run the same code as the end-to-end tests), the
// 30-file change, the `coze-loop review --dry-run` peer on the same change in a scratch git repository, and the
// report. Nothing here asserts: the numbers are printed and written to bench/results/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'coze-loop.js');

/** COZE_LOOP_ARCHIVE_THRESHOLD for the service from `--archive-threshold N` (0: batched reads only), else unset. */
export function archiveEnv() {
  const threshold = arg('archive-threshold', undefined);
  return threshold === undefined ? {} : { COZE_LOOP_ARCHIVE_THRESHOLD: String(threshold) };
}

export function arg(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

/** A module of test/support bundled (with what it imports from src/) into a scratch .mjs and imported. */
export async function loadSupport(name) {
  const dir = join(tmpdir(), 'coze-loop-bench');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${name}.mjs`);
  await build({ entryPoints: [join(ROOT, 'test', 'support', `${name}.ts`)], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'error', define: { 'import.meta.url': JSON.stringify(pathToFileURL(join(ROOT, 'test', 'support', `${name}.ts`)).href) } });
  return import(pathToFileURL(outfile).href);
}

function pythonFile(i) {
  return [
    'import time',
    'import requests',
    '',
    `def sync_${i}(db):`,
    '    while True:',
    `        rows = db.execute("SELECT * FROM jobs_${i} WHERE status = 'new'").fetchall()`,
    '        for row in rows:',
    '            requests.post("https://api.example.com/hook", json={"id": row["id"]})',
    `            db.execute("UPDATE jobs_${i} SET status = 'done' WHERE id = %s", (row["id"],))`,
    '            db.commit()',
    `        time.sleep(${10 + i})`,
    '',
    `def helper_${i}(items):`,
    '    out = ""',
    '    for item in items:',
    '        out += str(item)',
    '    return out',
  ].join('\n') + '\n';
}

function typescriptFile(i) {
  return [
    "import { db } from './db';",
    '',
    `export async function drain${i}(ids: string[]): Promise<void> {`,
    '  for (const id of ids) {',
    `    const row = await db.query('SELECT * FROM items_${i} WHERE id = $1', [id]);`,
    '    await fetch(`https://api.example.com/items/${row.id}`);',
    '  }',
    '}',
    '',
    `export function poll${i}(): void {`,
    '  setInterval(async () => {',
    `    await db.query('SELECT * FROM queue_${i}');`,
    `  }, ${1000 * (i + 1)});`,
    '}',
  ].join('\n') + '\n';
}

/** The change: `count` new files, Python and TypeScript alternating, each with loops the engine reports. */
export function changeFiles(count) {
  return Array.from({ length: count }, (_, i) => (i % 2 === 0 ? { path: `workers/sync_${i}.py`, content: pythonFile(i) } : { path: `src/jobs/drain-${i}.ts`, content: typescriptFile(i) }));
}

export function newFilePatch(content) {
  const lines = content.replace(/\n$/, '').split('\n');
  return [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join('\n');
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * `coze-loop review --dry-run --base BASE` on the same files committed in a scratch repository: the whole CLI
 * process (start, git diff, reads, analysis, Markdown), `runs` times. Milliseconds per run.
 */
export function timeDryRun(files, platformArgs, runs) {
  const dir = mkdtempSync(join(tmpdir(), 'coze-loop-bench-repo-'));
  const git = (...args) => execFileSync('git', ['-c', 'user.email=bench@example.com', '-c', 'user.name=bench', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  try {
    git('init', '-q');
    writeFileSync(join(dir, 'README.md'), 'bench\n');
    git('add', '.');
    git('commit', '-qm', 'base');
    const base = git('rev-parse', 'HEAD');
    for (const f of files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.content);
    }
    git('add', '.');
    git('commit', '-qm', 'head');
    const times = [];
    let output = '';
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      output = execFileSync(process.execPath, [CLI, 'review', '--dry-run', '--base', base, '--fail-on', 'none', ...platformArgs], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: process.env.HOME } });
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const comments = /## Inline comments \((\d+)\)/.exec(output);
    return { times, inlineComments: comments ? Number(comments[1]) : 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits until `lastWriteAt()` is at least `quietMs` in the past (the host's write throttle has gone idle). */
export async function untilQuiet(lastWriteAt, quietMs) {
  for (;;) {
    const last = lastWriteAt();
    if (last !== undefined && Date.now() - last > quietMs) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function rssKiB(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Prints the report and writes bench/results/<name>.json. */
export function report(name, host, { runs, files, reviewPosted, allWritten, dryRun, extra = {} }) {
  const load = loadavg().map((l) => l.toFixed(2));
  const round = (v) => Math.round(v);
  const result = {
    host,
    runs,
    filesPerChange: files,
    reviewPostedP50Ms: round(percentile(reviewPosted, 50)),
    reviewPostedP95Ms: round(percentile(reviewPosted, 95)),
    allWrittenP50Ms: round(percentile(allWritten, 50)),
    allWrittenP95Ms: round(percentile(allWritten, 95)),
    dryRunP50Ms: round(percentile(dryRun.times, 50)),
    dryRunP95Ms: round(percentile(dryRun.times, 95)),
    dryRunInlineComments: dryRun.inlineComments,
    loadAverage: load.join(' '),
    node: process.version,
    ...extra,
  };
  result.overheadP50Ms = result.reviewPostedP50Ms - result.dryRunP50Ms;
  result.overheadP95Ms = result.reviewPostedP95Ms - result.dryRunP95Ms;
  console.log(`${host}: webhook -> review, ${files}-file change, ${runs} runs (load average ${result.loadAverage}):`);
  console.log(`  webhook -> review posted:      p50 ${result.reviewPostedP50Ms} ms   p95 ${result.reviewPostedP95Ms} ms`);
  console.log(`  webhook -> all writes done:    p50 ${result.allWrittenP50Ms} ms   p95 ${result.allWrittenP95Ms} ms`);
  console.log(`  coze-loop review --dry-run:    p50 ${result.dryRunP50Ms} ms   p95 ${result.dryRunP95Ms} ms (${dryRun.times.length} runs, ${dryRun.inlineComments} inline comments)`);
  console.log(`  service overhead (review posted - dry run): p50 ${result.overheadP50Ms} ms   p95 ${result.overheadP95Ms} ms`);
  for (const [key, value] of Object.entries(extra)) console.log(`  ${key}: ${value}`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', `${name}.json`), JSON.stringify(result, null, 2) + '\n');
  return result;
}
