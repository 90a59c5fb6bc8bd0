// Scale-out end to end: one `web` and two `worker` processes (`node dist/src/server/main.js`, what `npm start` runs)
// share one Redis and a local GitHub API stand-in. A burst of signed webhooks for many pull requests, with duplicate
// deliveries, is sent to the web process; one worker is SIGKILLed in the middle. Every pull request must end with
// exactly one review: none lost with the dead worker, none posted twice.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { SCHEDULE_TICK } from '../../src/jobs/bullmq-queue.js';
import { FakeGitHub } from '../support/fake-github.js';
import { pullRequestPayload } from '../platforms/github/payloads.js';
import { REDIS_URL, deleteKeys, freePort, requireRedis, uniquePrefix } from '../jobs/redis-helper.js';

const SECRET = 'scale-out-secret';
const MAIN = join(PROJECT_ROOT, 'dist', 'src', 'server', 'main.js');
// Probot's throttling spaces out each installation's writes (about a second apart), so a review takes seconds:
// a handful of pull requests is enough to have reviews in flight when the worker dies. Where this test's time goes
// (2026-12-05): with REDIS_URL set, Probot's write limiter is shared through Redis, so the ~34 writes of 8 reviews
// run one a second across all workers; and the killed worker's hold on that limiter stalls every write of the
// surviving worker for about a minute (no write between the kill and ~60 s later). Both are the service's
// behaviour, not the test's.
const PULLS = 8;
const WORKER_CODE = [
  'import time',
  '',
  '',
  'def drain(db):',
  '    while True:',
  '        rows = db.execute("SELECT * FROM jobs").fetchall()',
  '        for row in rows:',
  '            db.execute("UPDATE jobs SET done = 1 WHERE id = %s", (row["id"],))',
  '            db.commit()',
  '        time.sleep(30)',
];
const PATCH = [`@@ -0,0 +1,${WORKER_CODE.length} @@`, ...WORKER_CODE.map((line) => `+${line}`)].join('\n');
const headFor = (n: number) => n.toString(16).padStart(40, 'c');

interface Proc {
  name: string;
  child: ChildProcess;
  output: string;
  url: string;
}

const prefix = uniquePrefix('scale-out');
const procs: Proc[] = [];
let fake: FakeGitHub;
/** The test's own view of the shared queue (read-only). */
let inspector: Queue | undefined;

async function waitUntil(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${procs.map((p) => `--- ${p.name}\n${p.output.slice(-3000)}`).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Like waitUntil, with a probe that has to ask Redis. */
async function waitUntilAsync(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${procs.map((p) => `--- ${p.name}\n${p.output.slice(-3000)}`).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Review jobs not finished yet: waiting, running (including the ones a dead worker still holds, until the stalled
 * check hands them back), prioritized, or delayed for a retry. The weekly scheduler's own delayed tick is not one.
 */
async function unfinishedJobs(): Promise<number> {
  inspector ??= new Queue('coze-loop', { connection: { url: REDIS_URL }, prefix });
  const counts = await inspector.getJobCounts('wait', 'active', 'prioritized');
  const delayed = (await inspector.getDelayed()).filter((job) => job.name !== SCHEDULE_TICK);
  return counts.wait! + counts.active! + counts.prioritized! + delayed.length;
}

async function startProcess(name: string, role: 'web' | 'worker', privateKey: string): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
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
      REDIS_URL,
      COZE_LOOP_ROLE: role,
      COZE_LOOP_QUEUE_PREFIX: prefix,
      COZE_LOOP_CONCURRENCY: '2',
      // A killed worker's jobs come back after about this long (BullMQ lock expiry + stalled check).
      COZE_LOOP_JOB_LOCK_TIMEOUT: '5s',
      COZE_LOOP_SHUTDOWN_TIMEOUT: '5s',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: Proc = { name, child, output: '', url: `http://127.0.0.1:${port}` };
  child.stdout!.on('data', (chunk: Buffer) => (proc.output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (proc.output += chunk.toString()));
  procs.push(proc);
  await waitUntil(`${name} to listen`, () => proc.output.includes('"msg":"listening"') || child.exitCode !== null, 60_000);
  if (child.exitCode !== null) throw new Error(`${name} exited at start:\n${proc.output}`);
  return proc;
}

async function deliver(url: string, n: number, delivery: string): Promise<number> {
  const body = JSON.stringify(pullRequestPayload('opened', { owner: 'acme', repo: 'shop', number: n, headSha: headFor(n), installationId: 4242 }));
  const res = await fetch(`${url}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': delivery,
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

const reviewsPerPull = () => {
  const counts = new Map<number, number>();
  for (const review of fake.reviews) counts.set(review.pull_number, (counts.get(review.pull_number) ?? 0) + 1);
  return counts;
};

beforeAll(async () => {
  await requireRedis();
  if (!existsSync(MAIN)) {
    try {
      execFileSync(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: PROJECT_ROOT, stdio: 'pipe', timeout: 400_000 });
    } catch {
      // Type errors elsewhere still emit JavaScript; startProcess fails clearly if the service cannot run.
    }
  }
  // A little API latency so that reviews are still running when the worker is killed.
  fake = await new FakeGitHub({ owner: 'acme', repo: 'shop', latencyMs: 15 }).start();
  for (let n = 1; n <= PULLS; n += 1) {
    fake.addPull({ number: n, head: { sha: headFor(n), ref: `feature-${n}` }, files: [{ filename: 'drain.py', status: 'added', patch: PATCH }] });
    fake.setContent(headFor(n), 'drain.py', `${WORKER_CODE.join('\n')}\n`);
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  // The three processes start side by side (each one's start-up is mostly loading code); procs keeps this order.
  const started = await Promise.all([startProcess('web', 'web', privateKey), startProcess('worker-1', 'worker', privateKey), startProcess('worker-2', 'worker', privateKey)]);
  procs.splice(0, procs.length, ...started);
}, 480_000);

afterAll(async () => {
  await Promise.all(
    procs.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }),
  );
  await fake?.close();
  await inspector?.close();
  await deleteKeys(prefix);
}, 60_000);

describe('scale-out: web + 2 workers on Redis', () => {
  it('reviews every pull request exactly once despite duplicate deliveries and a killed worker', async () => {
    const [web, worker1] = procs as [Proc, Proc, Proc];
    // Every pull request delivered once, half of them twice more with the same delivery id (GitHub redelivery),
    // all at once.
    const sends: Array<Promise<number>> = [];
    for (let n = 1; n <= PULLS; n += 1) {
      sends.push(deliver(web.url, n, `burst-${n}`));
      if (n % 2 === 0) sends.push(deliver(web.url, n, `burst-${n}`), deliver(web.url, n, `burst-${n}`));
    }
    const statuses = await Promise.all(sends);
    expect(statuses.filter((s) => s === 202)).toHaveLength(PULLS);
    expect(statuses.filter((s) => s === 200)).toHaveLength(PULLS);

    // Kill a worker while the burst is being worked off.
    await waitUntil('the first reviews', () => fake.reviews.length >= 2, 120_000);
    expect(fake.reviews.length).toBeLessThan(PULLS);
    worker1.child.kill('SIGKILL');

    await waitUntil('a review on every pull request', () => reviewsPerPull().size === PULLS, 120_000);
    // Judge only once nothing is left to run: the queue counts the jobs the killed worker held as active until the
    // stalled check hands them back, and those until a worker finishes them, so a late duplicate (a recovered job
    // re-running) has had its chance to show up. Stronger than waiting a fixed time, and usually shorter.
    await waitUntilAsync('the queue to drain', async () => (await unfinishedJobs()) === 0, 120_000);
    const counts = reviewsPerPull();
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: PULLS }, (_, i) => i + 1));
    expect([...counts.entries()].filter(([, count]) => count !== 1)).toEqual([]);
    for (const review of fake.reviews) expect(review.commit_id).toBe(headFor(review.pull_number));

    // The web process never processed anything itself.
    expect(web.output).not.toContain('"msg":"job finished"');
  }, 300_000);
});
