#!/usr/bin/env node
// Runs the compiled CLI; `npm ci` builds it through the `prepare` script. `npm run build` also bundles it into one
// file with a code cache (scripts/bundle-cli.js), which starts faster; a bundle older than dist/src/cli/main.js (tsc
// run alone since) is not used, nor for the subcommands loaded on demand.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import vm from 'node:vm';

// V8's optimising compiler inlines less (cumulative inlined bytecode per function 920 -> 300 bytes). Set here, for
// the CLI process only, before any of its code runs hot. Measured on the Python standard library (bench/README.md):
// CPU of the compiler and other helper threads 3.4-3.5 s -> 2.8-2.9 s per run, the JavaScript thread unchanged
// (2.9-3.1 s either way). The service keeps V8's defaults.
setFlagsFromString('--max-inlined-bytecode-size-cumulative=300');
// Functions are optimised later: V8 looks at a function's feedback after 400 KB of its bytecode has run, not 66 KB. A
// CLI run is short, and many of the functions TurboFan compiled at the default ran too little to repay it. Measured
// (bench/README.md, "Fifth pass"): Python standard library, V8's helper threads 1.55 -> 0.75 s CPU per run, the
// JavaScript thread 2.71 -> 2.86 s, the process 5.56 -> 4.88 s; 731 node_modules files, 3.46 -> 2.82 s, the
// JavaScript thread unchanged. The service keeps V8's defaults.
setFlagsFromString('--interrupt-budget=400000');

/** LAZY_SUBCOMMANDS of src/cli/subcommands.ts: their modules must share the unbundled modules' instances. */
const UNBUNDLED = new Set(['review', 'summary']);
const CLI_DIR = new URL('../dist/src/cli/', import.meta.url);

function mtime(name) {
  try {
    return statSync(new URL(name, CLI_DIR)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** A bundle (scripts/bundle-cli.js) is used when it is at least as new as main.js (tsc has not run alone since). */
function bundleIsCurrent(name) {
  if (UNBUNDLED.has(process.argv[2])) return false;
  const bundle = mtime(name);
  const main = mtime('main.js');
  return bundle !== undefined && main !== undefined && bundle >= main;
}

/**
 * The CommonJS bundle compiled with V8's code cache (main.bundle.cache, written by scripts/bundle-cli.js after a
 * training run: the bytecode of the functions that run compiled, so neither the 1 MB script nor those functions are
 * compiled again). Node 20 has no module.enableCompileCache, and an ES module cannot take cachedData, hence
 * vm.Script. The cache starts with a line that names the bundle's size and mtime (and whether it is ASCII): V8
 * checks only the source's length, so a cache of another bundle is never handed to it. V8 rejects a cache of another
 * V8 version or other flags (cachedDataRejected): the script is then compiled as usual. Returns undefined when there
 * is no such bundle.
 */
function loadCachedBundle() {
  if (!bundleIsCurrent('main.bundle.cjs') || !vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER) return undefined;
  const file = fileURLToPath(new URL('main.bundle.cjs', CLI_DIR));
  const cacheFile = fileURLToPath(new URL('main.bundle.cache', CLI_DIR));
  const stat = statSync(file);
  const stamp = `coze-loop code cache ${stat.size} ${stat.mtimeMs}`;
  let cachedData;
  let ascii = false;
  try {
    const cache = readFileSync(cacheFile);
    const end = cache.indexOf(10);
    const head = end < 0 ? '' : cache.subarray(0, end).toString('latin1');
    if (head === stamp || head === `${stamp} ascii`) {
      cachedData = cache.subarray(end + 1);
      ascii = head !== stamp;
    }
  } catch {
    // No cache: compiled as usual.
  }
  // A bundle the stamp says is ASCII (scripts/bundle-cli.js escapes it so) is read as Latin-1: a copy into a one-byte
  // string, where UTF-8 decoding of the 1 MB took ~30 ms.
  const source = readFileSync(file, ascii ? 'latin1' : 'utf8');
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (process.env.COZE_LOOP_WRITE_CODE_CACHE === '1') {
    // The build's training run: the cache is written at exit, with every function the run compiled.
    const head = `${stamp}${/[^\x00-\x7f]/.test(source) ? '' : ' ascii'}\n`;
    process.on('exit', () => writeFileSync(cacheFile, Buffer.concat([Buffer.from(head, 'latin1'), script.createCachedData()])));
  }
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

const { main } = loadCachedBundle() ?? (await import('../dist/src/cli/main.js'));

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => {
    process.stderr.write(`coze-loop: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
