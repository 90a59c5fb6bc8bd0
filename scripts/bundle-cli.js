#!/usr/bin/env node
// Part of `npm run build`, after tsc: bundles the CLI entry (dist/src/cli/main.js and the ~125 modules it imports)
// into one file, dist/src/cli/main.bundle.js, that bin/coze-loop.js loads when it is at least as new as main.js.
// Why: a CLI run started by resolving, reading, compiling and linking every ES module one by one; one file costs
// ~0.1 s less CPU per run (measured in bench/README.md). npm packages stay external (node_modules is resolved as
// before); the subcommands that main.js loads on demand (`review`, `summary`) stay separate modules.
// The bundle lives beside main.js so that every path it resolves from its own URL (the native reader under
// native/, worker.js, the compiled data files) is the same as from the unbundled modules; worker-pool's
// `./analysis-worker.js` gets a one-line module here that loads the real one.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'src', 'cli');
const OUT = join(CLI, 'main.bundle.js');

rmSync(OUT, { force: true });
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
// The CommonJS packages the bundle imports are loaded with require() instead of `import`: Node's ES-module loader
// first scans a CommonJS file's text for its export names (cjs-module-lexer, run in JavaScript), which for
// tree-sitter's and picomatch's ~90 KB cost ~30 ms of CPU per CLI start, and V8 then optimised the scanner on the
// compiler thread. Only default imports of these packages exist (a named one would fail to build here).
const REQUIRED = ['tree-sitter', 'picomatch'];
const requireCommonJs = {
  name: 'require-commonjs',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(?:${REQUIRED.join('|')})$`) }, (args) => ({ path: args.path, namespace: 'require-commonjs' }));
    build.onLoad({ filter: /.*/, namespace: 'require-commonjs' }, (args) => ({
      contents: `import { createRequire } from 'node:module';\nexport default createRequire(import.meta.url)(${JSON.stringify(args.path)});\n`,
      loader: 'js',
      resolveDir: CLI,
    }));
  },
};
await esbuild.build({
  entryPoints: [join(CLI, 'main.js')],
  plugins: [requireCommonJs],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
writeFileSync(join(CLI, 'analysis-worker.js'), "// The analysis pool's worker for the bundled CLI (scripts/bundle-cli.js): the compiled module itself.\nimport '../analysis/analysis-worker.js';\n");
console.log('coze-loop: bundled the CLI into dist/src/cli/main.bundle.js');
