#!/usr/bin/env node
// Service throughput: sustained webhooks per second that end in a posted review, per-webhook latency (p50, p95)
// and resident memory, for (a) one process in memory mode and (b) one web + two workers on Redis, against the local
// GitHub stand-in (test/support/fake-github.ts) on 127.0.0.1 with the real service (`node dist/src/server/main.js`).
// Each pull request belongs to its own installation, as on a busy GitHub App; Probot's throttling still spaces an
// installation's writes about a second apart, which is the floor under each review's latency.
//
//   npm run build && node bench/service-throughput.js [--pulls 40] [--rate 10] [--concurrency 4] [--only memory|redis]
// Redis mode needs a server at REDIS_URL (default redis://127.0.0.1:6379).
import { spawn } from 'node:child_process';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(ROOT, 'dist', 'src', 'server', 'main.js');
const SECRET = 'bench-secret';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function arg(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
}
const PULLS = Number(arg('pulls', 40));
const RATE = Number(arg('rate', 10));
const CONCURRENCY = String(arg('concurrency', 4));
const ONLY = arg('only', '');
/** Directory for each process's JSON log (LOG_LEVEL=info), to see where the time goes. */
const LOGS = arg('logs', '');

const CODE = [
  'import time',
  'import requests',
  '',
  'def sync(db):',
  '    while True:',
  '        rows = db.execute("SELECT * FROM jobs WHERE status = \'new\'").fetchall()',
  '        for row in rows:',
  '            requests.post("https://api.example.com/hook", json={"id": row["id"]})',
  '            db.execute("UPDATE jobs SET status = \'done\' WHERE id = %s", (row["id"],))',
  '            db.commit()',
  '        time.sleep(30)',
];
const PATCH = [`@@ -0,0 +1,${CODE.length} @@`, ...CODE.map((line) => `+${line}`)].join('\n');

/** The fake is TypeScript shared with the tests; it only uses node builtins, so a plain transpile loads it. */
async function loadFakeGitHub() {
  const source = readFileSync(join(ROOT, 'test', 'support', 'fake-github.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const dir = join(tmpdir(), 'coze-loop-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'fake-github-throughput.mjs');
  writeFileSync(file, outputText);
  return (await import(pathToFileURL(file).href)).FakeGitHub;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function memory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return { rssMb: NaN, peakMb: NaN };
  }
}

async function startProcess(name, env) {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: LOGS ? 'info' : 'warn', ...env },
    stdio: ['ignore', LOGS ? 'pipe' : 'ignore', 'pipe'],
  });
  if (LOGS) {
    mkdirSync(LOGS, { recursive: true });
    const lines = [];
    child.stdout.on('data', (chunk) => lines.push(chunk));
    child.once('exit', () => writeFileSync(join(LOGS, `${name}-${port}.log`), Buffer.concat(lines)));
  }
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  // Waiting for a fresh process to bind is a startup probe, bounded by the deadline.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${stderr}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not become ready`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { name, child, url };
}

function stop(proc) {
  return new Promise((resolve) => {
    if (proc.child.exitCode !== null) return resolve();
    proc.child.once('exit', resolve);
    proc.child.kill('SIGTERM');
  });
}

function payload(n) {
  return {
    action: 'opened',
    installation: { id: 10_000 + n },
    repository: { full_name: 'acme/shop', default_branch: 'main' },
    sender: { login: 'octocat', type: 'User' },
    pull_request: { number: n, state: 'open', draft: false, head: { sha: headFor(n), ref: `feature-${n}` }, base: { sha: 'b'.repeat(40), ref: 'main' }, user: { login: 'octocat', type: 'User' } },
  };
}
const headFor = (n) => n.toString(16).padStart(40, 'd');

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function scenario(label, FakeGitHub, privateKey, roles) {
  const fake = await new FakeGitHub({ owner: 'acme', repo: 'shop' }).start();
  for (let n = 1; n <= PULLS; n += 1) {
    fake.addPull({ number: n, head: { sha: headFor(n), ref: `feature-${n}` }, files: [{ filename: 'sync.py', status: 'added', patch: PATCH }] });
    fake.setContent(headFor(n), 'sync.py', `${CODE.join('\n')}\n`);
  }
  const prefix = `coze-loop-bench-${process.pid}-${label.replace(/\W+/g, '-')}`;
  const common = { APP_ID: '123', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, GHE_HOST: fake.host, GHE_PROTOCOL: 'http', COZE_LOOP_CONCURRENCY: CONCURRENCY, COZE_LOOP_QUEUE_PREFIX: prefix };
  const procs = [];
  try {
    for (const [name, env] of roles) procs.push(await startProcess(name, { ...common, ...env }));
    const web = procs[0];
    const sentAt = new Map();
    const started = performance.now();
    for (let n = 1; n <= PULLS; n += 1) {
      // Open loop at a fixed rate: a slow service shows up as latency, not as a slower sender.
      const due = started + ((n - 1) * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const body = JSON.stringify(payload(n));
      sentAt.set(n, performance.now());
      const res = await fetch(`${web.url}/api/github/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': `bench-${label}-${n}`, 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
        body,
      });
      await res.arrayBuffer();
      if (res.status !== 202) throw new Error(`webhook ${n} answered ${res.status}`);
    }
    const reviewedAt = new Map();
    const deadline = Date.now() + 600_000;
    while (reviewedAt.size < PULLS) {
      for (const review of fake.reviews) if (!reviewedAt.has(review.pull_number)) reviewedAt.set(review.pull_number, performance.now());
      if (Date.now() > deadline) throw new Error(`only ${reviewedAt.size}/${PULLS} reviews after 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const finished = Math.max(...reviewedAt.values());
    const latencies = [...reviewedAt.entries()].map(([n, at]) => at - sentAt.get(n)).sort((a, b) => a - b);
    const mem = procs.map((proc) => ({ name: proc.name, ...memory(proc.child.pid) }));
    return {
      label,
      pulls: PULLS,
      offeredRate: RATE,
      reviewsPerSecond: PULLS / ((finished - started) / 1000),
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      duplicates: fake.reviews.length - PULLS,
      memory: mem,
    };
  } finally {
    await Promise.all(procs.map(stop));
    await fake.close();
  }
}

async function main() {
  if (!existsSync(MAIN)) {
    console.error('bench: dist/ is missing; run `npm run build` first');
    process.exit(2);
  }
  const FakeGitHub = await loadFakeGitHub();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const results = [];
  if (ONLY !== 'redis') results.push(await scenario('memory, 1 process', FakeGitHub, privateKey, [['all', {}]]));
  if (ONLY !== 'memory') {
    results.push(
      await scenario('redis, web + 2 workers', FakeGitHub, privateKey, [
        ['web', { COZE_LOOP_ROLE: 'web', REDIS_URL }],
        ['worker-1', { COZE_LOOP_ROLE: 'worker', REDIS_URL }],
        ['worker-2', { COZE_LOOP_ROLE: 'worker', REDIS_URL }],
      ]),
    );
  }
  console.log(`\n${PULLS} pull requests, webhooks offered at ${RATE}/s, COZE_LOOP_CONCURRENCY=${CONCURRENCY}\n`);
  console.log('| setup | reviews/s (sustained) | p50 latency | p95 latency | RSS per process (peak) | duplicate reviews |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) {
    const rss = r.memory.map((m) => `${m.name} ${m.rssMb.toFixed(0)} MB (${m.peakMb.toFixed(0)})`).join(', ');
    console.log(`| ${r.label} | ${r.reviewsPerSecond.toFixed(2)} | ${(r.p50Ms / 1000).toFixed(2)} s | ${(r.p95Ms / 1000).toFixed(2)} s | ${rss} | ${r.duplicates} |`);
  }
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'service-throughput.json'), `${JSON.stringify(results, null, 2)}\n`);
}

await main();
