#!/usr/bin/env node
// Builds native/flat_tree.c (the flat syntax-tree reader, see src/analysis/flat-tree.ts) with node-gyp, as part of
// `npm ci` / `npm install` (the `prepare` script). It needs a C compiler, make and Python (node-gyp's own needs).
// Without them the build is skipped with a warning and coze-loop reads trees through the `tree-sitter` binding
// instead: same results, slower. `COZE_LOOP_REQUIRE_NATIVE=1` turns the skip into a failure (CI sets it).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const native = join(root, 'native');
const required = process.env.COZE_LOOP_REQUIRE_NATIVE === '1';

function nodeGypScript() {
  // npm tells its lifecycle scripts where its bundled node-gyp is; outside npm, look next to npm itself.
  const candidates = [process.env.npm_config_node_gyp];
  try {
    const npmRoot = dirname(createRequire(process.execPath).resolve('npm/package.json'));
    candidates.push(join(npmRoot, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  } catch {
    // npm is not resolvable from here.
  }
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => c && existsSync(c));
}

function skip(reason) {
  const text = `coze-loop: native tree reader not built (${reason}); using the tree-sitter binding instead (slower).`;
  if (required) {
    console.error(`${text}\nCOZE_LOOP_REQUIRE_NATIVE=1: failing.`);
    process.exit(1);
  }
  console.warn(text);
  process.exit(0);
}

const gyp = nodeGypScript();
if (!gyp) skip('node-gyp not found');
const args = [gyp, 'rebuild', '--directory', native];
// Build against the headers of the Node.js that runs this (node-gyp would otherwise try to download them).
const localHeaders = join(dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir || (existsSync(join(localHeaders, 'include', 'node', 'node_api.h')) ? localHeaders : undefined);
if (nodedir) args.push(`--nodedir=${nodedir}`);
const run = spawnSync(process.execPath, args, { cwd: native, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (run.status !== 0) {
  process.stderr.write((run.stderr || run.stdout || '').split('\n').slice(-20).join('\n'));
  skip(`node-gyp exited with ${run.status ?? run.signal}`);
}
const built = join(native, 'build', 'Release', 'coze_loop_flat_tree.node');
if (!existsSync(built)) skip('no module after the build');
console.log(`coze-loop: built ${built.slice(root.length + 1)}`);
