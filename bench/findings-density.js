#!/usr/bin/env node
// Findings density benchmark (after `npm run build`): how much coze-loop says per 1,000 lines of code nobody here
// wrote, and how much of it lands in test code. Nothing is asserted; it prints a Markdown table.
//
//   node bench/findings-density.js                      # Python stdlib + this repository's node_modules
//   node bench/findings-density.js --python DIR --js DIR
//   node bench/findings-density.js --bin /path/to/other/bin/coze-loop.js   # another build, e.g. before a change
//
// Each corpus is copied into a scratch tree (segments the CLI skips, such as dist/ and build/, renamed) and run
// twice: with the default config (test code reported for fix-bugs only) and with `test_code.targets` set to every
// target (everything reported everywhere), which shows where the findings would land without the test-code policy.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CLI_EXCLUDED_DIRS, walk } from './cli-files.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const bin = option('--bin', join(root, 'bin', 'coze-loop.js'));
const MAX_BYTES = 1_000_000;
const JS_LIMIT = Number(option('--js-limit', process.env.BENCH_JS_LIMIT ?? 4000));

if (!existsSync(join(root, 'dist', 'src', 'config', 'schema.js'))) {
  console.error('findings-density: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const { DEFAULT_CONFIG } = await import(pathToFileURL(join(root, 'dist', 'src', 'config', 'schema.js')).href);
const picomatch = (await import('picomatch')).default;
const isTest = picomatch(DEFAULT_CONFIG.test_code.paths, { dot: true });

function stdlibDir() {
  const out = spawnSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

/** Copies the corpus's source files into `scratch`, renaming directories the CLI would not walk into. */
function copyCorpus(dir, scratch, accept, limit = Infinity) {
  const files = walk(dir, { skipDirs: new Set(['.git', '__pycache__', '.bin', '.cache']), accept }).slice(0, limit);
  const copies = [];
  for (const file of files) {
    const rel = relative(dir, file)
      .split(sep)
      .map((segment, i, all) => (i < all.length - 1 && CLI_EXCLUDED_DIRS.has(segment) ? `${segment}_` : segment))
      .join('/');
    const target = join(scratch, rel);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
    copies.push(rel);
  }
  return copies;
}

function nonBlankLines(path) {
  let n = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) if (line.trim() !== '') n++;
  return n;
}

function runCli(cwd, configText) {
  const config = join(cwd, '.density.yml');
  writeFileSync(config, configText);
  const started = process.hrtime.bigint();
  const child = spawnSync('node', [bin, '--format', 'json', '--fail-on', 'none', '--no-progress', '--max-file-bytes', String(MAX_BYTES), '-c', config, '.'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  // A build from before `test_code` existed refuses the key (exit 2): it reports everything everywhere anyway.
  if (child.status === 2 && configText !== '') return undefined;
  if (child.status !== 0 && child.status !== 1) throw new Error(`coze-loop exited ${child.status}: ${(child.stderr ?? '').slice(-2000)}`);
  return { report: JSON.parse(child.stdout), wall };
}

function measureCorpus(name, dir, accept, limit) {
  const scratch = mkdtempSync(join(tmpdir(), 'coze-loop-density-'));
  try {
    const files = copyCorpus(dir, scratch, accept, limit);
    const lines = { test: 0, code: 0 };
    const lineCount = new Map();
    for (const rel of files) {
      const n = nonBlankLines(join(scratch, rel));
      lineCount.set(rel, n);
      lines[isTest(rel) ? 'test' : 'code'] += n;
    }
    const rows = [];
    for (const [mode, configText] of [
      ['default', ''],
      ['test code fully reported', 'test_code:\n  targets: [optimize, readability, fix-bugs]\n'],
    ]) {
      const run = runCli(scratch, configText);
      if (!run) continue;
      const { report, wall } = run;
      // Lines of skipped files (empty, generated, too large) are not lines the rules read.
      const analysed = { ...lines };
      for (const s of report.skipped ?? []) if (lineCount.has(s.path)) analysed[isTest(s.path) ? 'test' : 'code'] -= lineCount.get(s.path);
      const count = { test: { all: 0, warn: 0 }, code: { all: 0, warn: 0 } };
      for (const f of report.findings) {
        const bucket = count[isTest(f.path) ? 'test' : 'code'];
        bucket.all++;
        if (f.severity === 'warning' || f.severity === 'error') bucket.warn++;
      }
      const per1k = (n, l) => (l > 0 ? ((n * 1000) / l).toFixed(2) : '-');
      const warnTotal = count.test.warn + count.code.warn;
      rows.push({
        corpus: name,
        mode,
        files: report.summary.filesAnalyzed,
        kloc: `${(analysed.code / 1000).toFixed(1)} / ${(analysed.test / 1000).toFixed(1)}`,
        findings: `${count.code.all} / ${count.test.all}`,
        perKloc: `${per1k(count.code.all, analysed.code)} / ${per1k(count.test.all, analysed.test)}`,
        warnPerKloc: `${per1k(count.code.warn, analysed.code)} / ${per1k(count.test.warn, analysed.test)}`,
        warnShareTest: warnTotal > 0 ? `${((count.test.warn * 100) / warnTotal).toFixed(0)}% (${count.test.warn}/${warnTotal})` : '-',
        wall: wall.toFixed(1),
      });
    }
    return rows;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const python = option('--python', stdlibDir());
const js = option('--js', join(root, 'node_modules'));
const rows = [];
const small = (p) => {
  const size = statSync(p).size;
  return size > 0 && size <= MAX_BYTES;
};
if (python && existsSync(python)) {
  rows.push(...measureCorpus(`python (${python})`, python, (p) => /\.py$/.test(p) && !/site-packages|dist-packages/.test(p) && small(p)));
}
if (js && existsSync(js)) {
  rows.push(...measureCorpus(`javascript (${js})`, js, (p) => /\.(c|m)?js$|\.(m|c)?ts$/.test(p) && !/\.d\.(m|c)?ts$|\.min\.js$/.test(p) && small(p), JS_LIMIT));
}
console.log(`coze-loop: ${bin}\n`);
console.log('| corpus | mode | files | kLOC code / test | findings code / test | per kLOC code / test | warning+error per kLOC code / test | warning+error in test code | wall s |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.corpus} | ${r.mode} | ${r.files} | ${r.kloc} | ${r.findings} | ${r.perKloc} | ${r.warnPerKloc} | ${r.warnShareTest} | ${r.wall} |`);
