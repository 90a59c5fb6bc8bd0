#!/usr/bin/env node
// Packs the native tree reader built for this machine as a prebuilt binary, in the layout node-gyp-build reads (the
// one prebuildify writes and the tree-sitter grammars ship): native/prebuilds/<platform>-<arch>/node.napi[.libc].node.
// An install without a compiler then loads it (src/analysis/flat-tree.ts, nativeAddonPath) instead of falling back to
// the slower binding path. The addon uses N-API 8 only, so one binary serves every Node.js >= 20.18 on that platform.
// Run on each target (CI: .github/workflows/prebuilds.yml); cross-compiling is not supported.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-native.js')], { stdio: 'inherit', env: { ...process.env, COZE_LOOP_REQUIRE_NATIVE: '1' } });
if (build.status !== 0) process.exit(build.status ?? 1);

const built = join(root, 'native', 'build', 'Release', 'coze_loop_flat_tree.node');
// glibc and musl binaries are not interchangeable; node-gyp-build picks the tag that matches the running system.
const libc = process.platform === 'linux' ? (existsSync('/etc/alpine-release') ? '.musl' : '.glibc') : '';
const dir = join(root, 'native', 'prebuilds', `${process.platform}-${process.arch}`);
const target = join(dir, `node.napi${libc}.node`);
mkdirSync(dir, { recursive: true });
copyFileSync(built, target);
// Debug symbols are most of the file; the tools differ by platform, and a missing one only costs size.
const strip = process.platform === 'darwin' ? ['strip', ['-x', target]] : ['strip', ['--strip-unneeded', target]];
spawnSync(strip[0], strip[1], { stdio: 'ignore' });
console.log(`coze-loop: prebuilt ${target.slice(root.length + 1)} (${(statSync(target).size / 1024).toFixed(0)} KB)`);
