#!/usr/bin/env node
// Part of `npm run build`: bundles the playground page (web/main.ts, CodeMirror and all) with esbuild into
// dist/web/, with gzip and brotli copies the service sends to browsers that accept them. Everything the page needs
// is served by the service itself: no CDN, works offline. The cost labels come from templates/i18n/cost.*.yml.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { parse } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'web');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // A production-only install (`npm ci --omit=dev`) has no bundler; the image copies dist/web from its build stage.
  console.warn('coze-loop: esbuild is not installed; the playground page was not built');
  process.exit(0);
}

const costLabels = {};
for (const locale of ['en', 'zh-CN']) {
  const entries = parse(readFileSync(join(ROOT, 'templates', 'i18n', `cost.${locale}.yml`), 'utf8')) ?? {};
  costLabels[locale] = Object.fromEntries(Object.entries(entries).filter(([key]) => /^cost\.(metric|assumption|unit)\./.test(key)));
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const result = await esbuild.build({
  entryPoints: { playground: join(ROOT, 'web', 'main.ts') },
  bundle: true,
  format: 'esm',
  target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
  minify: true,
  legalComments: 'eof',
  outdir: OUT,
  // Each grammar is its own chunk, loaded when the snippet's language needs it.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  define: { __COST_LABELS__: JSON.stringify(costLabels) },
  logLevel: 'warning',
  metafile: true,
});

copyFileSync(join(ROOT, 'web', 'index.html'), join(OUT, 'index.html'));
const hash = createHash('sha256');
const sizes = [];
for (const name of readdirSync(OUT).filter((f) => f.endsWith('.js') || f.endsWith('.css')).sort()) {
  const file = join(OUT, name);
  const body = readFileSync(file);
  hash.update(body);
  const gz = gzipSync(body, { level: 9 });
  const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  writeFileSync(`${file}.gz`, gz);
  writeFileSync(`${file}.br`, br);
  sizes.push(`${name} ${(body.length / 1024).toFixed(0)} KB (br ${(br.length / 1024).toFixed(0)} KB)`);
}
writeFileSync(join(OUT, 'version.txt'), `${hash.digest('hex').slice(0, 12)}\n`);
if (result.errors.length > 0) process.exit(1);
console.log(`coze-loop: built the playground page into dist/web: ${sizes.join(', ')}`);
