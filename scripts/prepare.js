#!/usr/bin/env node
// npm's `prepare` script: builds the native tree reader, then dist/ (`npm run build:native`, `npm run build`), and
// records what it built from in dist/.build-stamp. When nothing it builds from has changed since, it does nothing.
//
// Why: `npx coze-loop` in this checkout does not find a `coze-loop` in node_modules/.bin (a package's own bin is not
// linked there), so npm "installs" the checkout into its npx cache as a link, and installing a directory runs its
// `prepare` again: a silent full rebuild (a minute or more) before the first output, on every fresh npx cache.
// With the stamp that run costs one hash of the sources.
//
//   node scripts/prepare.js           build when stale, else nothing
//   node scripts/prepare.js --check   exit 0 when up to date, 1 when a build is due (nothing is built)
//   COZE_LOOP_FORCE_BUILD=1           always build
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const STAMP = join(root, 'dist', '.build-stamp');
/** What `build:native` and `build` read. */
const INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'scripts', 'native/flat_tree.c', 'native/binding.gyp', 'rules', 'templates', 'web'];
/** What they write; a missing one means a build is due whatever the stamp says. */
const OUTPUTS = ['dist/src/cli/main.js', 'dist/src/cli/worker.js', 'dist/src/ci/action.js', 'dist/templates.json', 'dist/rules-catalogue.json', 'dist/web/playground.js'];
const NATIVE = 'native/build/Release/coze_loop_flat_tree.node';

/** Inputs the build never reads: each rule's fixtures and snapshot (rules/<id>/fixtures/, snapshot.md), so that
 * editing one does not rebuild. */
const NOT_INPUTS = /^rules\/[^/]+\/(?:fixtures|snapshot\.md)$/;

function files(path) {
  const absolute = join(root, path);
  if (!existsSync(absolute) || NOT_INPUTS.test(path.split(sep).join('/'))) return [];
  if (!statSync(absolute).isDirectory()) return [path];
  return readdirSync(absolute, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() || entry.isFile() ? files(join(path, entry.name)) : []))
    .sort();
}

/** Content hash of every input (paths and bytes) and of the Node ABI the native reader is built for. */
export function inputsHash() {
  const hash = createHash('sha256');
  hash.update(`node-abi ${process.versions.modules}\n`);
  for (const file of INPUTS.flatMap(files)) {
    hash.update(`${relative(root, join(root, file))}\n`);
    hash.update(readFileSync(join(root, file)));
  }
  return hash.digest('hex');
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Why a build is due, or undefined when the last build is current. */
export function staleReason(hash = inputsHash()) {
  if (process.env.COZE_LOOP_FORCE_BUILD === '1') return 'COZE_LOOP_FORCE_BUILD=1';
  const missing = OUTPUTS.find((path) => !existsSync(join(root, path)));
  if (missing) return `${missing} is missing`;
  const stamp = readStamp();
  if (!stamp) return 'no build stamp';
  if (stamp.inputs !== hash) return 'sources changed since the last build';
  // A reader that was built must still be there; one that could not be built (no compiler) is not retried.
  if (stamp.native && !existsSync(join(root, NATIVE))) return `${NATIVE} is missing`;
  if (process.env.COZE_LOOP_REQUIRE_NATIVE === '1' && !existsSync(join(root, NATIVE))) return 'COZE_LOOP_REQUIRE_NATIVE=1 and no native reader';
  return undefined;
}

function runScript(name) {
  const npm = process.env.npm_execpath;
  const [command, args] = npm ? [process.execPath, [npm, 'run', '--silent', name]] : ['npm', ['run', '--silent', name]];
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const hash = inputsHash();
  const reason = staleReason(hash);
  if (process.argv.includes('--check')) {
    console.log(reason ? `coze-loop: build due: ${reason}` : 'coze-loop: build is up to date');
    process.exit(reason ? 1 : 0);
  }
  if (!reason) {
    console.log('coze-loop: build is up to date (dist/.build-stamp); nothing to do');
  } else {
    console.log(`coze-loop: building (${reason})`);
    runScript('build:native');
    runScript('build');
    mkdirSync(dirname(STAMP), { recursive: true });
    writeFileSync(STAMP, `${JSON.stringify({ inputs: hash, native: existsSync(join(root, NATIVE)), node: process.version, at: new Date().toISOString() }, null, 2)}\n`);
  }
}
