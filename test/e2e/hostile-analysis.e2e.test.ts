// Issue 18, item 2, against the real built service (`node dist/src/server/main.js`) and a local GitHub stand-in:
// a file whose parse takes many seconds (tree-sitter-python is quadratic on comment lines after an indented block)
// is analysed in a worker thread, terminated at its deadline (COZE_LOOP_FILE_TIMEOUT_MS) and skipped with a note,
// the other file of the pull request is still reviewed, and /healthz answers quickly all along.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { SUMMARY_MARKER } from '../../src/platforms/platform.js';
import { FakeGitHub } from '../support/fake-github.js';
import { pullRequestPayload } from '../platforms/github/payloads.js';

const SECRET = 'hostile-webhook-secret';
const HEAD = '2'.repeat(40);
const MAIN = join(PROJECT_ROOT, 'dist', 'src', 'server', 'main.js');
const WORKER = ['import time', '', '', 'def poll(db):', '    while True:', '        db.execute("SELECT * FROM jobs").fetchall()', '        time.sleep(30)'];
/** About 96 KB: the parse alone takes several seconds (quadratic in the comment lines). */
const SLOW = ['def f():', '    while True:', '        x = 1', ...Array.from({ length: 12_000 }, () => '    # c'), 'y = 2'];
const patchOf = (lines: string[]) => [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join('\n');
const target = { owner: 'acme', repo: 'shop', number: 9, headSha: HEAD, installationId: 4242 };
const DEADLINE_MS = 1500;

function ensureBuilt(): void {
  const sources = ['src/platforms/github/service.ts', 'src/review/pipeline.ts', 'src/review/collect.ts', 'src/analysis/worker-pool.ts', 'src/analysis/analysis-worker.ts'];
  const built = statSync(join(PROJECT_ROOT, 'dist', 'src', 'analysis', 'worker-pool.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (existsSync(MAIN) && sources.every((s) => statSync(join(PROJECT_ROOT, s)).mtimeMs <= built)) return;
  try {
    execFileSync(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: PROJECT_ROOT, stdio: 'pipe', timeout: 400_000 });
  } catch {
    // Type errors elsewhere still emit JavaScript; the checks below fail if the service cannot start.
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let fake: FakeGitHub;
let child: ChildProcess | undefined;
let url = '';
let output = '';

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}\n${output.slice(-4000)}`);
}

beforeAll(async () => {
  ensureBuilt();
  fake = await new FakeGitHub({ owner: 'acme', repo: 'shop' }).start();
  fake.addPull({
    number: 9,
    head: { sha: HEAD, ref: 'feature' },
    files: [
      { filename: 'slow.py', status: 'added', patch: patchOf(SLOW.slice(0, 40)) },
      { filename: 'worker.py', status: 'added', patch: patchOf(WORKER) },
    ],
  });
  fake.setContent(HEAD, 'slow.py', SLOW.join('\n') + '\n');
  fake.setContent(HEAD, 'worker.py', WORKER.join('\n') + '\n');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const port = await freePort();
  child = spawn(process.execPath, [MAIN], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      APP_ID: '123',
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: fake.host,
      GHE_PROTOCOL: 'http',
      LOG_LEVEL: 'info',
      COZE_LOOP_FILE_TIMEOUT_MS: String(DEADLINE_MS),
      COZE_LOOP_ANALYSIS_THREADS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  url = `http://127.0.0.1:${port}`;
  await waitFor('the service to listen', () => output.includes('listening'), 60_000);
}, 480_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await fake?.close();
});

describe('analysis off the event loop, with a deadline per file', () => {
  it('skips the file that passes its deadline with a note, reviews the rest, and /healthz keeps answering', async () => {
    const body = JSON.stringify(pullRequestPayload('opened', target));
    const res = await fetch(`${url}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'hostile-1', 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
      body,
    });
    await res.arrayBuffer();
    expect(res.status).toBe(202);
    // Health checks while the review runs: each one answered within 3 s even on a loaded 2-core machine; on the
    // event loop each waited for the whole parse of slow.py (about 15 s).
    const latencies: number[] = [];
    const started = Date.now();
    while (!fake.checkRuns.find((r) => r.head_sha === HEAD && r.status === 'completed') && Date.now() - started < 60_000) {
      const t0 = Date.now();
      const health = await fetch(`${url}/healthz`);
      await health.arrayBuffer();
      expect(health.status).toBe(200);
      latencies.push(Date.now() - t0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(latencies.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...latencies)).toBeLessThan(3000);
    const summary = fake.issueComments.find((c) => c.body.includes(SUMMARY_MARKER))!.body;
    expect(summary).toContain('`slow.py`: stopped at its analysis deadline (analysis took longer than 1.5 s');
    expect(summary).toContain('took longer than 1.5 s to analyse and were skipped (`limits.file_timeout_ms`)');
    const comments = fake.reviews.flatMap((r) => r.comments as { path: string }[]);
    expect(comments.some((c) => c.path === 'worker.py')).toBe(true);
    expect(comments.some((c) => c.path === 'slow.py')).toBe(false);
  }, 90_000);
});
