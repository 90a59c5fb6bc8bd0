#!/usr/bin/env node
// Writes schema/coze-loop.schema.json from the zod config schema (the single source of truth). Runs on the compiled
// code: `npm run build && node scripts/gen-schema.js` (add `--check` to fail when the committed file is stale).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src', 'config', 'load.js');
if (!existsSync(compiled)) {
  process.stderr.write('gen-schema: dist/ is missing; run `npm run build` first\n');
  process.exit(2);
}
const { configJsonSchema } = await import(pathToFileURL(compiled).href);
const target = join(root, 'schema', 'coze-loop.schema.json');
const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
if (process.argv.includes('--check')) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current !== text) {
    process.stderr.write('gen-schema: schema/coze-loop.schema.json is out of date; run `node scripts/gen-schema.js`\n');
    process.exit(1);
  }
  process.stdout.write('gen-schema: schema/coze-loop.schema.json is up to date\n');
} else {
  writeFileSync(target, text);
  process.stdout.write(`gen-schema: wrote ${target}\n`);
}
