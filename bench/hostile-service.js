#!/usr/bin/env node
// Hostile inputs to the service beside a benign twin of the same size, measured in the same run: webhook bodies,
// weekly-report archives, repository config and globs, secret masking for model prompts. Each line prints both
// wall times and their ratio (hostile / benign); a bounded implementation keeps the ratio near 1 or below (a cap
// stops the hostile input early). Prints numbers, asserts nothing.
//
//   npm run build && node bench/hostile-service.js
import { createHmac, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGzip } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const load = (path) => import(pathToFileURL(join(ROOT, 'dist', 'src', path)).href);
const { readTarGz } = await load('summary/archive.js');
const { readSignedBody, PendingBodies } = await load('platforms/github/webhook-body.js');
const { parseBotConfig } = await load('review/bot-config.js');
const { compileGlobs } = await load('config/glob.js');
const { redactSecrets } = await load('llm/secrets.js');

const MiB = 1024 * 1024;
const rows = [];

async function measure(name, hostile, benign, note = '') {
  // Benign first, then hostile, then benign again: the median-free minimum of the two benign runs is the peer.
  const time = async (fn) => {
    const started = process.hrtime.bigint();
    const result = await fn();
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
  };
  const b1 = await time(benign);
  const h = await time(hostile);
  const b2 = await time(benign);
  const benignMs = Math.min(b1.ms, b2.ms);
  rows.push({ name, hostile: h.ms, benign: benignMs, note: typeof note === 'function' ? note(h.result) : note });
}

// ---- tar helpers (own code: ustar headers) ----
function header(name, size, type = '0') {
  const block = Buffer.alloc(512, 0);
  block.write(name.slice(0, 100), 0, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(size.toString(8).padStart(11, '0') + '\0', 124);
  block.write('00000000000\0', 136);
  block.write('        ', 148);
  block.write(type, 156);
  block.write('ustar\0', 257);
  block.write('00', 263);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return block;
}
const pad = (data) => (data.length % 512 ? Buffer.concat([data, Buffer.alloc(512 - (data.length % 512))]) : data);
const gz = (blocks) => Readable.from(blocks()).pipe(createGzip({ level: 1 }));
const limits = { maxFileBytes: MiB, maxCompressedBytes: 256 * MiB, maxExpandedBytes: 1024 * MiB, maxEntries: 100_000 };
const PY = Buffer.from('import time\n\ndef poll(db):\n    while True:\n        db.fetch_jobs()\n        time.sleep(30)\n'.repeat(40));

// 1. One 1,000 MiB file of zeros (about 1 MB of gzip) vs the same expanded size in ordinary source files.
await measure(
  'archive: one 1,000 MiB file (gzip bomb) vs 1,000 MiB of .py files',
  () => readTarGz(gz(function* () {
    yield header('o-r-sha/huge.py', 1000 * MiB);
    const chunk = Buffer.alloc(MiB);
    for (let i = 0; i < 1000; i++) yield chunk;
  }), limits),
  () => readTarGz(gz(function* () {
    const file = pad(PY);
    const count = Math.floor((1000 * MiB) / (file.length + 512));
    for (let i = 0; i < count; i++) yield Buffer.concat([header(`o-r-sha/pkg${i % 100}/m${i}.txt`, PY.length), file]);
    yield Buffer.alloc(1024);
  }), limits),
  (r) => `hostile stopped: ${r.stopped ? r.stopped.limit : 'no'}; too large: ${r.tooLarge.length}`,
);

// 2. 200,000 one-byte entries vs the same tar bytes in 1,000 files.
await measure(
  'archive: 200,000 tiny entries vs the same bytes in 1,000 files',
  () => readTarGz(gz(function* () {
    for (let i = 0; i < 200_000; i++) yield Buffer.concat([header(`o-r-sha/p/m${i}.py`, 1), pad(Buffer.from('1'))]);
    yield Buffer.alloc(1024);
  }), limits),
  () => readTarGz(gz(function* () {
    const body = Buffer.alloc(200 * 512 - 512, 0x61);
    for (let i = 0; i < 1_000; i++) yield Buffer.concat([header(`o-r-sha/p/m${i}.txt`, body.length), pad(body)]);
    yield Buffer.alloc(1024);
  }), limits),
  (r) => `hostile stopped: ${r.stopped ? r.stopped.limit : 'no'} after ${r.files.length} files read`,
);

// 3. A download larger than the cap (incompressible) vs one just under it.
await measure(
  'archive: 512 MiB incompressible download vs 0.9 MiB (cap: 1 MiB)',
  () => readTarGz(gz(function* () {
    yield header('o-r-sha/blob.bin', 512 * MiB);
    for (let i = 0; i < 512; i++) yield randomBytes(MiB);
  }), { ...limits, maxCompressedBytes: 1 * MiB }),
  () => readTarGz(gz(function* () {
    yield header('o-r-sha/blob.bin', 900 * 1024);
    yield randomBytes(900 * 1024);
    yield Buffer.alloc(1024);
  }), { ...limits, maxCompressedBytes: 1 * MiB }),
  (r) => `hostile stopped: ${r.stopped ? r.stopped.limit : 'no'}`,
);

// 4. Webhook: a 25 MiB body with a wrong signature vs the same body signed.
function request(body, signature) {
  const stream = Readable.from([body]);
  stream.headers = { 'content-length': String(body.length), 'x-hub-signature-256': signature };
  return stream;
}
const payload = Buffer.alloc(25 * MiB - 1, 0x20);
const signed = `sha256=${createHmac('sha256', 's').update(payload).digest('hex')}`;
await measure(
  'webhook: 25 MiB body, wrong signature vs signed',
  () => readSignedBody(request(payload, `sha256=${'0'.repeat(64)}`), { secret: 's', signature: `sha256=${'0'.repeat(64)}`, maxBytes: 25 * MiB, pending: new PendingBodies(8) }),
  () => readSignedBody(request(payload, signed), { secret: 's', signature: signed, maxBytes: 25 * MiB, pending: new PendingBodies(8) }),
  (r) => `hostile answer: ${r.ok ? 'accepted' : r.status}`,
);

// 5. Repository config: 15 MB vs a 200 KB config of the same shape.
const line = '  - "docs/**/*.md"\n';
await measure(
  'config: 15 MB .github/coze-loop.yml vs 200 KB',
  () => { try { parseBotConfig(`exclude:\n${line.repeat(Math.floor(15e6 / line.length))}`); return 'parsed'; } catch (e) { return e.message.split('\n')[0]; } },
  () => { try { parseBotConfig(`exclude:\n${line.repeat(400)}`); return 'parsed'; } catch (e) { return e.message.split('\n')[0]; } },
  (r) => `hostile: ${r}`,
);

// 6. Globs: `**/*a*a*a*a*a*a*a*a*a*b` vs `**/*.py` over 2,000 names of 4,000 characters.
const names = Array.from({ length: 2_000 }, (_, i) => `dir${i}/${'a'.repeat(4_000)}c`);
await measure(
  'glob: **/*a*a*a*a*a*a*a*a*a*b vs **/*.py, 2,000 names of 4 KB',
  () => { const m = compileGlobs(['**/*a*a*a*a*a*a*a*a*a*b']); return names.filter(m).length; },
  () => { const m = compileGlobs(['**/*.py']); return names.filter(m).length; },
);

// 7. Secret masking: 400 KB of hostile runs vs 400 KB of ordinary code with a few secrets.
const code = `def sync(client):\n    token = "${'9f8e7d6c5b4a3928'}"\n    for user in client.users():\n        client.post("/sync", json=user)\n`;
const benignText = code.repeat(Math.ceil(400_000 / code.length)).slice(0, 400_000);
for (const [label, text] of [
  ['JWT starts', 'eyJ'.repeat(400_000 / 3)],
  ['password names', 'password='.repeat(400_000 / 9)],
  ['URL schemes', 'x://u:'.repeat(400_000 / 6)],
  ['PEM headers', '-----BEGIN '.repeat(400_000 / 11)],
]) {
  await measure(`secrets: 400 KB of ${label} vs 400 KB of code`, () => redactSecrets(text).length, () => redactSecrets(benignText).length);
}

const width = Math.max(...rows.map((r) => r.name.length));
console.log(`| ${'input'.padEnd(width)} | hostile ms | benign ms | ratio | note |`);
console.log(`|${'-'.repeat(width + 2)}|---:|---:|---:|---|`);
for (const r of rows) {
  console.log(`| ${r.name.padEnd(width)} | ${r.hostile.toFixed(1)} | ${r.benign.toFixed(1)} | ${(r.hostile / r.benign).toFixed(2)} | ${r.note} |`);
}
