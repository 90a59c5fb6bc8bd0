#!/usr/bin/env node
// Runs the compiled CLI; `npm ci` builds it through the `prepare` script. `npm run build` also bundles it into one
// file (scripts/bundle-cli.js), which starts faster; a bundle older than dist/src/cli/main.js (tsc run alone since)
// is not used, nor for the subcommands loaded on demand.
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

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

function bundleIsCurrent() {
  if (UNBUNDLED.has(process.argv[2])) return false;
  try {
    const bundle = statSync(new URL('../dist/src/cli/main.bundle.js', import.meta.url)).mtimeMs;
    return bundle >= statSync(new URL('../dist/src/cli/main.js', import.meta.url)).mtimeMs;
  } catch {
    return false;
  }
}

const { main } = await (bundleIsCurrent() ? import('../dist/src/cli/main.bundle.js') : import('../dist/src/cli/main.js'));

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => {
    process.stderr.write(`coze-loop: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
