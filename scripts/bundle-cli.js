#!/usr/bin/env node
// Part of `npm run build`, after tsc: bundles the CLI entry (dist/src/cli/main.js and the ~125 modules it imports)
// into one file, dist/src/cli/main.bundle.cjs, that bin/coze-loop.js loads when it is at least as new as main.js, with
// V8's code cache (main.bundle.cache, written below).
// Why: a CLI run started by resolving, reading, compiling and linking every ES module one by one; one file costs
// ~0.1 s less CPU per run (measured in bench/README.md). npm packages stay external (node_modules is resolved as
// before); the subcommands that main.js loads on demand (`review`, `summary`) stay separate modules.
// The bundle lives beside main.js so that every path it resolves from its own URL (the native reader under
// native/, worker.js, the compiled data files) is the same as from the unbundled modules; worker-pool's
// `./analysis-worker.js` gets a one-line module here that loads the real one.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'src', 'cli');
const OUT = join(CLI, 'main.bundle.cjs');
const CACHE = join(CLI, 'main.bundle.cache');

// Bundles of earlier builds (the ES-module one) and their cache.
for (const old of [OUT, CACHE, join(CLI, 'main.bundle.js')]) rmSync(old, { force: true });
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // A production-only install has no bundler: bin/coze-loop.js then loads dist/src/cli/main.js, as before.
  console.warn('coze-loop: esbuild is not installed; the CLI runs unbundled');
  process.exit(0);
}
if (!existsSync(join(CLI, 'main.js'))) {
  console.error('coze-loop: dist/src/cli/main.js is missing; run tsc first');
  process.exit(1);
}
// CommonJS, not an ES module: bin/coze-loop.js compiles it with vm.Script, which takes V8's code cache (an ES module
// cannot, and Node 20 has no module.enableCompileCache). Every use of import.meta.url resolves a file beside the
// module or asks whether it ends in `.js`: it becomes the URL main.bundle.js would have (the same directory).
await esbuild.build({
  entryPoints: [join(CLI, 'main.js')],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: 'var __bundleUrl = require("node:url").pathToFileURL(require("node:path").join(__dirname, "main.bundle.js")).href;' },
});
// Pure ASCII, so that bin/coze-loop.js reads it as Latin-1 (a copy) into a one-byte string: one non-ASCII character
// made Node decode the 1 MB as UTF-8 into a two-byte string (~30 ms of every start). esbuild's ASCII output escapes
// strings, templates and names but keeps a few comments and regular-expression literals as written; a \uXXXX
// escape means the same in both, except right after a backslash (the file is then left as it is).
const bundled = readFileSync(OUT, 'utf8');
if (/[^\x00-\x7f]/.test(bundled) && !/\\[^\x00-\x7f]/.test(bundled)) {
  writeFileSync(OUT, bundled.replace(/[^\x00-\x7f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
writeFileSync(join(CLI, 'analysis-worker.js'), "// The analysis pool's worker for the bundled CLI (scripts/bundle-cli.js): the compiled module itself.\nimport '../analysis/analysis-worker.js';\n");
console.log('coze-loop: bundled the CLI into dist/src/cli/main.bundle.cjs');

// The code cache: one training run of the CLI, in process (no worker threads), on the rules' own fixtures (every
// language, most detectors and fix proofs; rules/ ships with the package, unlike test/ and samples/), through
// bin/coze-loop.js so that V8 runs with the CLI's flags (a cache made under other flags is rejected). At exit it
// writes the bytecode of every function the run compiled. Without a cache the bundle is compiled as before.
const training = spawnSync(process.execPath, [join(ROOT, 'bin', 'coze-loop.js'), '--format', 'json', '--fail-on', 'none', '--no-progress', '--target', 'all', 'rules'], {
  cwd: ROOT,
  env: { ...process.env, COZE_LOOP_WRITE_CODE_CACHE: '1', COZE_LOOP_THREADS: '1' },
  stdio: ['ignore', 'ignore', 'pipe'],
  encoding: 'utf8',
});
if (training.status !== 0 || !existsSync(CACHE)) {
  rmSync(CACHE, { force: true });
  console.warn(`coze-loop: no code cache for the bundle (the training run exited ${training.status ?? training.signal}): ${(training.stderr ?? '').slice(-500)}`);
} else {
  console.log('coze-loop: wrote its code cache, dist/src/cli/main.bundle.cache');
}
