#!/usr/bin/env node
// Webhook-to-review latency of the GitHub App for a 30-file pull request, against the local GitHub stand-in
// (test/support/fake-github.ts) on 127.0.0.1, with the real service process (`node dist/src/server/main.js`).
// Latency = signed webhook sent -> `coze-loop` check run completed; also when the review was posted and when the
// last annotation page arrived. Also reports the
// service's resident memory (peak and after the run, from /proc). Probot's octokit keeps GitHub's advice for
// secondary rate limits (throttling plugin: writes at least 1 s apart), so a review's 4-6 writes (check run
// started, review, summary, check run completed + annotation pages) put a floor of a few seconds under it.
//
//   npm run build && node bench/github-latency.js [--runs 30] [--files 30] [--api-latency-ms 0]
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

function arg(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}
const RUNS = arg('runs', 20);
const FILES = arg('files', 30);
const API_LATENCY_MS = arg('api-latency-ms', 0);

/** The fake is TypeScript shared with the tests; it only uses node builtins, so a plain transpile loads it. */
async function loadFakeGitHub() {
  const source = readFileSync(join(ROOT, 'test', 'support', 'fake-github.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const dir = join(tmpdir(), 'coze-loop-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'fake-github.mjs');
  writeFileSync(file, outputText);
  return (await import(pathToFileURL(file).href)).FakeGitHub;
}

function pythonFile(i) {
  return [
    'import time',
    'import requests',
    '',
    `def sync_${i}(db):`,
    '    while True:',
    `        rows = db.execute("SELECT * FROM jobs_${i} WHERE status = 'new'").fetchall()`,
    '        for row in rows:',
    '            requests.post("https://api.example.com/hook", json={"id": row["id"]})',
    `            db.execute("UPDATE jobs_${i} SET status = 'done' WHERE id = %s", (row["id"],))`,
    '            db.commit()',
    `        time.sleep(${10 + i})`,
    '',
    `def helper_${i}(items):`,
    '    out = ""',
    '    for item in items:',
    '        out += str(item)',
    '    return out',
  ].join('\n') + '\n';
}

function typescriptFile(i) {
  return [
    "import { db } from './db';",
    '',
    `export async function drain${i}(ids: string[]): Promise<void> {`,
    '  for (const id of ids) {',
    `    const row = await db.query('SELECT * FROM items_${i} WHERE id = $1', [id]);`,
    '    await fetch(`https://api.example.com/items/${row.id}`);',
    '  }',
    '}',
    '',
    `export function poll${i}(): void {`,
    '  setInterval(async () => {',
    `    await db.query('SELECT * FROM queue_${i}');`,
    `  }, ${1000 * (i + 1)});`,
    '}',
  ].join('\n') + '\n';
}

function newFilePatch(content) {
  const lines = content.replace(/\n$/, '').split('\n');
  return [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join('\n');
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function rssKiB(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  if (!existsSync(MAIN)) {
    console.error('dist/src/server/main.js is missing: run `npm run build` first.');
    process.exit(2);
  }
  const FakeGitHub = await loadFakeGitHub();
  const fake = await new FakeGitHub({ latencyMs: API_LATENCY_MS }).start();
  const files = Array.from({ length: FILES }, (_, i) => (i % 2 === 0 ? { path: `workers/sync_${i}.py`, content: pythonFile(i) } : { path: `src/jobs/drain-${i}.ts`, content: typescriptFile(i) }));
  for (let run = 0; run < RUNS + 1; run++) {
    const sha = (run + 1).toString(16).padStart(40, '0');
    fake.addPull({ number: run + 1, head: { sha, ref: `bench-${run}` }, files: files.map((f) => ({ filename: f.path, status: 'added', patch: newFilePatch(f.content) })) });
    for (const f of files) fake.setContent(sha, f.path, f.content);
  }

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', APP_ID: '1', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, GHE_HOST: fake.host, GHE_PROTOCOL: 'http', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  let peak = rssKiB(child.pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(child.pid))), 20);
  const latencies = [];
  const reviewLatencies = [];
  const allWritten = [];
  let comments = 0;
  // Run 0 warms the process up (module loading, grammar init, JIT) and is not counted.
  for (let run = 0; run < RUNS + 1; run++) {
    const pull = fake.pulls.get(run + 1);
    const payload = {
      action: 'synchronize',
      number: pull.number,
      installation: { id: 77 },
      repository: { full_name: fake.fullName, default_branch: 'main' },
      sender: { login: 'dev', type: 'User' },
      pull_request: { number: pull.number, state: 'open', draft: false, head: pull.head, base: pull.base, user: { login: 'dev', type: 'User' } },
    };
    const body = JSON.stringify(payload);
    const started = process.hrtime.bigint();
    const res = await fetch(`${url}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': `bench-${run}`, 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
      body,
    });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
    while (!fake.checkRuns.some((r) => r.head_sha === pull.head.sha && r.status === 'completed')) await new Promise((resolve) => setTimeout(resolve, 2));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const sentAt = Date.now() - ms;
    // The annotation pages after the completion are part of the review: wait until writes stop, so the next run
    // does not queue behind this one's tail in the write throttle.
    const isWrite = (r) => r.method !== 'GET' && !r.path.includes('access_tokens');
    for (;;) {
      const last = fake.requests.filter(isWrite).at(-1);
      if (last && Date.now() - last.at > 1500) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const lastWrite = fake.requests.filter(isWrite).at(-1);
    const posted = fake.requests.find((r) => r.method === 'POST' && r.path === `/repos/${fake.fullName}/pulls/${pull.number}/reviews`);
    if (run > 0) {
      latencies.push(ms);
      allWritten.push(lastWrite.at - sentAt);
      if (posted) reviewLatencies.push(posted.at - sentAt);
    }
    const review = fake.reviews.find((r) => r.pull_number === pull.number);
    comments += review ? review.comments.length : 0;
  }
  clearInterval(sampler);
  if (process.env.BENCH_TRACE) {
    const last = fake.requests.slice(-50);
    for (const r of last) console.log(r.at - last[0].at, r.method, r.path.slice(0, 90));
  }
  const after = rssKiB(child.pid);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await fake.close();

  const sorted = [...latencies].sort((a, b) => a - b);
  const reviewSorted = [...reviewLatencies].sort((a, b) => a - b);
  const writtenSorted = [...allWritten].sort((a, b) => a - b);
  const result = {
    runs: RUNS,
    filesPerPullRequest: FILES,
    apiLatencyMs: API_LATENCY_MS,
    inlineCommentsPerReview: Math.round(comments / (RUNS + 1)),
    p50Ms: Math.round(percentile(sorted, 50)),
    p95Ms: Math.round(percentile(sorted, 95)),
    maxMs: Math.round(sorted.at(-1)),
    reviewPostedP50Ms: Math.round(percentile(reviewSorted, 50)),
    reviewPostedP95Ms: Math.round(percentile(reviewSorted, 95)),
    lastWriteP50Ms: Math.round(percentile(writtenSorted, 50)),
    lastWriteP95Ms: Math.round(percentile(writtenSorted, 95)),
    peakRssMiB: Math.round(peak / 1024),
    rssAfterMiB: Math.round(after / 1024),
    node: process.version,
  };
  console.log(`webhook -> review, ${FILES}-file pull request, ${RUNS} runs (API latency ${API_LATENCY_MS} ms):`);
  console.log(`  p50 ${result.p50Ms} ms   p95 ${result.p95Ms} ms   max ${result.maxMs} ms   ~${result.inlineCommentsPerReview} inline comments per review`);
  console.log(`  review posted (POST /pulls/N/reviews arrives): p50 ${result.reviewPostedP50Ms} ms   p95 ${result.reviewPostedP95Ms} ms`);
  console.log(`  everything written (last annotation page): p50 ${result.lastWriteP50Ms} ms   p95 ${result.lastWriteP95Ms} ms`);
  console.log(`  service RSS: peak ${result.peakRssMiB} MiB, after ${result.rssAfterMiB} MiB`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'github-latency.json'), JSON.stringify(result, null, 2) + '\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
