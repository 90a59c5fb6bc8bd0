#!/usr/bin/env node
// Runs the compiled CLI; `npm ci` builds it through the `prepare` script. `npm run build` also bundles it into one
// file (scripts/bundle-cli.js), which starts faster; a bundle older than dist/src/cli/main.js (tsc run alone since)
// is not used, nor for the subcommands loaded on demand.
import { statSync } from 'node:fs';

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
