#!/usr/bin/env node
// CLI throughput benchmark (`npm run bench`, after `npm run build`). Nothing here is asserted: it prints a table.
//  (a) the Python standard library through the whole `coze-loop` process vs Ruff-WASM with its loop rules;
//  (b) JavaScript from node_modules through `coze-loop` vs ESLint with no-await-in-loop and no-loop-func;
//  (c) Go's standard library and (d) JDK sources through `coze-loop` vs tree-sitter's parse alone (the floor).
// Each tool runs as its own child process under /usr/bin/time -v (when present) for wall time and peak RSS.
// On Python also the stricter measure: the coze-loop process against Ruff-WASM's `check()` time alone (one
// Workspace, files already read, no process start or WebAssembly compile), with tree-sitter's parse-only time of the
// same files (bench/parse-floor.js) printed as the floor no tree-sitter-based tool goes under on one thread.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_EXCLUDED_DIRS, javascriptTree, pythonStdlibFiles, walk } from './cli-files.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'coze-loop.js');
const MAX_BYTES = 1_000_000;
const JS_LIMIT = Number(process.env.BENCH_JS_LIMIT ?? 4000);
// Rounds per corpus: each round runs both tools, alternating which goes first, and the reported numbers are the
// medians. On a shared machine a single pair can land in a busy or a quiet moment for one tool and not the other.
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const only = process.argv.slice(2);

if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Runs a command, returning stdout, wall seconds and peak RSS (from time -v, else from the child's own report). */
function measure(command, args, { cwd = root, env = {} } = {}) {
  const full = timeBin ? [timeBin, ['-v', command, ...args]] : [command, args];
  const started = process.hrtime.bigint();
  const child = spawnSync(full[0], full[1], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.error) throw child.error;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr ?? '');
  if (child.status !== 0 && child.status !== 1) {
    throw new Error(`${command} ${args.join(' ')} exited ${child.status}:\n${(child.stderr ?? '').slice(-2000)}`);
  }
  return { stdout: child.stdout, wall, maxRssMb: rss ? Number(rss[1]) / 1024 : undefined };
}

function cozeLoop(cwd, extraArgs) {
  const run = measure('node', [bin, '--format', 'json', '--fail-on', 'none', '--no-progress', ...extraArgs, '.'], { cwd });
  const report = JSON.parse(run.stdout);
  return { tool: 'coze-loop', files: report.summary.filesAnalyzed, findings: report.summary.findings, skipped: report.summary.filesSkipped, wall: run.wall, maxRssMb: run.maxRssMb };
}

function helper(script, files) {
  return helperWith(script, files, []);
}

function lineCount(file) {
  const text = readFileSync(file, 'utf8');
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function helperWith(script, files, args) {
  const list = join(mkdtempSync(join(tmpdir(), 'coze-loop-bench-')), 'files.json');
  writeFileSync(list, JSON.stringify(files));
  const run = measure('node', [join(root, 'bench', script), list, ...args]);
  const out = JSON.parse(run.stdout.trim().split('\n').pop());
  rmSync(dirname(list), { recursive: true, force: true });
  return { tool: out.tool, files: out.files, findings: out.diagnostics, skipped: out.failures, wall: run.wall, maxRssMb: run.maxRssMb ?? out.maxRssKb / 1024, checkMs: out.checkMs };
}

const rows = [];
const ratios = [];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Runs both tools ROUNDS times (alternating the order) and records the medians and the per-round ratios. */
function compare(name, runOurs, runTheirs) {
  const oursRuns = [];
  const theirRuns = [];
  const roundRatios = [];
  for (let round = 0; round < ROUNDS; round++) {
    let ours;
    let theirs;
    if (round % 2 === 0) {
      ours = runOurs();
      theirs = runTheirs();
    } else {
      theirs = runTheirs();
      ours = runOurs();
    }
    oursRuns.push(ours);
    theirRuns.push(theirs);
    roundRatios.push(ours.files / ours.wall / (theirs.files / theirs.wall));
    // Printed as each round ends, so a long run does not hide the numbers so far.
    console.error(`bench: ${name} round ${round + 1}/${ROUNDS}: ${ours.tool} ${ours.wall.toFixed(2)} s, ${theirs.tool} ${theirs.wall.toFixed(2)} s (${roundRatios[round].toFixed(2)}x)`);
  }
  const summarize = (runs) => ({ ...runs[0], wall: median(runs.map((r) => r.wall)), maxRssMb: median(runs.map((r) => r.maxRssMb ?? 0)) || undefined });
  const ours = summarize(oursRuns);
  const theirs = summarize(theirRuns);
  rows.push({ name, ...ours }, { name, ...theirs });
  const oursRate = ours.files / ours.wall;
  const theirsRate = theirs.files / theirs.wall;
  const spread = ROUNDS > 1 ? ` (median of ${ROUNDS} rounds; per round ${roundRatios.map((r) => r.toFixed(2)).join(', ')})` : '';
  ratios.push({
    name,
    median: median(roundRatios),
    rounds: roundRatios,
    text: `${name}: coze-loop ${median(roundRatios).toFixed(2)}x the files/s of ${theirs.tool}${spread}; ${oursRate.toFixed(0)} vs ${theirsRate.toFixed(0)} files/s at the median wall times; peak RSS ${ours.maxRssMb?.toFixed(0)} MB vs ${theirs.maxRssMb?.toFixed(0)} MB`,
  });
  return { oursRuns, theirRuns };
}

if (only.length === 0 || only.includes('python')) {
  const stdlib = execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).trim();
  const files = pythonStdlibFiles(stdlib, MAX_BYTES);
  console.error(`bench: python stdlib ${stdlib}: ${files.length} files`);
  const { oursRuns, theirRuns } = compare(
    'python-stdlib',
    () => cozeLoop(stdlib, ['--exclude', 'test', '--exclude', 'tests', '--exclude', 'idle_test', '--max-file-bytes', String(MAX_BYTES)]),
    () => helper('cli-ruff.js', files),
  );
  // The stricter measure, from the same rounds: the whole coze-loop process against Ruff's check() alone.
  const strict = oursRuns.map((ours, i) => ours.files / ours.wall / (theirRuns[i].files / (theirRuns[i].checkMs / 1000)));
  const checkS = median(theirRuns.map((r) => r.checkMs)) / 1000;
  const oursS = median(oursRuns.map((r) => r.wall));
  const list = join(mkdtempSync(join(tmpdir(), 'coze-loop-bench-')), 'files.json');
  writeFileSync(list, JSON.stringify(files));
  const floor = JSON.parse(measure('node', [join(root, 'bench', 'parse-floor.js'), list]).stdout.trim().split('\n').pop());
  rmSync(dirname(list), { recursive: true, force: true });
  ratios.push({
    name: 'python-stdlib-strict',
    median: median(strict),
    rounds: strict,
    text:
      `python-stdlib, stricter: coze-loop (whole process, ${oursS.toFixed(2)} s) ${median(strict).toFixed(2)}x the files/s of Ruff-WASM's check() alone ` +
      `(${checkS.toFixed(2)} s; per round ${strict.map((r) => r.toFixed(2)).join(', ')}); floor, parse only on one thread: ` +
      `tree-sitter ${(floor.bindingMs / 1000).toFixed(2)} s, with the flat table (${floor.reader}) ${(floor.flatMs / 1000).toFixed(2)} s`,
  });
}

if (only.length === 0 || only.includes('javascript')) {
  const scratch = mkdtempSync(join(tmpdir(), 'coze-loop-bench-js-'));
  try {
    const files = javascriptTree(join(root, 'node_modules'), scratch, { maxBytes: MAX_BYTES, limit: JS_LIMIT });
    console.error(`bench: javascript tree: ${files.length} files from node_modules (copied to ${scratch})`);
    compare(
      'node_modules-js',
      () => cozeLoop(scratch, ['--max-file-bytes', String(MAX_BYTES)]),
      () => helper('cli-eslint.js', files),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Go's standard library (test files and testdata left out) and part of the JDK's sources, against tree-sitter's own parse. */
function braceCorpus(name, language, dir, all) {
  // The files coze-loop analyses: generated ones (a marker in the first KiB, as the engine screens) are left out of
  // the floor's list too, so both sides read the same code.
  const files = all.filter((f) => !/@generated\b|\bDO NOT EDIT\b|\bautogenerated by\b|\bauto-generated by\b/i.test(readFileSync(f, 'utf8').slice(0, 1024)));
  const lines = files.reduce((n, f) => n + lineCount(f), 0);
  console.error(`bench: ${name}: ${files.length} files, ${lines} lines`);
  const extra = language === 'go' ? ['--exclude', '**/testdata/**', '--exclude', '**/*_test.go'] : [];
  compare(name, () => cozeLoop(dir, ['--max-file-bytes', String(MAX_BYTES), ...extra]), () => helperWith('cli-treesitter.js', files, [language]));
  const ours = rows[rows.length - 2];
  const floor = rows[rows.length - 1];
  const ratio = ratios[ratios.length - 1];
  ratio.text += `; ${(lines / ours.wall).toFixed(0)} lines/s vs ${(lines / floor.wall).toFixed(0)} lines/s for the parse alone (${lines} lines)`;
}

if (only.length === 0 || only.includes('go')) {
  const goroot = realpathSync(join(execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim(), 'src'));
  const files = walk(goroot, { skipDirs: new Set([...CLI_EXCLUDED_DIRS, 'testdata']), accept: (p) => p.endsWith('.go') && !p.endsWith('_test.go') && statSync(p).size <= MAX_BYTES });
  braceCorpus('go-stdlib', 'go', goroot, files);
}

if (only.length === 0 || only.includes('java')) {
  // JDK sources: unzipped once from the JDK's src.zip (java.base and a few service modules) into a scratch dir.
  const zip = ['/usr/lib/jvm/openjdk-17/lib/src.zip', ...(process.env.JDK_SRC_ZIP ? [process.env.JDK_SRC_ZIP] : [])].find((z) => existsSync(z));
  if (!zip) console.error('bench: no JDK src.zip found; skipping the Java corpus');
  else {
    const scratch = mkdtempSync(join(tmpdir(), 'coze-loop-bench-java-'));
    try {
      execFileSync('unzip', ['-q', '-o', zip, 'java.base/*', 'java.sql/*', 'java.net.http/*', 'java.logging/*', 'jdk.httpserver/*', 'java.management/*', '-d', scratch]);
      const files = walk(scratch, { skipDirs: CLI_EXCLUDED_DIRS, accept: (p) => p.endsWith('.java') && statSync(p).size <= MAX_BYTES });
      braceCorpus('jdk-java', 'java', scratch, files);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
}

const header = ['benchmark', 'tool', 'files', 'findings', 'skipped/failed', 'wall s', 'files/s', 'peak RSS MB'];
const table = [header, header.map(() => '---')];
for (const r of rows) {
  table.push([r.name, r.tool, String(r.files), String(r.findings), String(r.skipped), r.wall.toFixed(2), (r.files / r.wall).toFixed(0), r.maxRssMb === undefined ? '?' : r.maxRssMb.toFixed(0)]);
}
const machine = `${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, Node ${process.version}`;
console.log(`\ncoze-loop CLI benchmark on ${machine}\n`);
console.log(table.map((cells) => `| ${cells.join(' | ')} |`).join('\n'));
console.log('');
for (const ratio of ratios) console.log(ratio.text);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'cli.json'), `${JSON.stringify({ machine, rounds: ROUNDS, rows, ratios: ratios.map(({ name, median: m, rounds, text }) => ({ name, median: m, rounds, text })) }, null, 2)}\n`);
