// Scale-out end to end: one `web` and two `worker` processes (`node dist/src/server/main.js`, what `npm start` runs)
// share one Redis and a local GitHub API stand-in. A burst of signed webhooks for many pull requests, with duplicate
// deliveries, is sent to the web process; one worker is SIGKILLed in the middle. Every pull request must end with
// exactly one review: none lost with the dead worker, none posted twice.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { SCHEDULE_TICK } from '../../src/jobs/bullmq-queue.js';
import { FakeGitHub } from '../support/fake-github.js';
import { pullRequestPayload } from '../platforms/github/payloads.js';
import { REDIS_URL, deleteKeys, requireRedis, uniquePrefix } from '../jobs/redis-helper.js';
import { appPrivateKey, ensureBuilt, githubAppEnv, sendGitHubWebhook, startService, waitFor, type ServiceProcess } from '../support/service-process.js';

const SECRET = 'scale-out-secret';
// Probot's throttling spaces out each installation's writes (a second apart; three for the review and the summary,
// which notify people), shared through Redis by every process: a review takes seconds, so a handful of pull
// requests is enough to have reviews in flight when the worker dies. The pull requests belong to INSTALLATIONS
// installations (limiters are per installation), so their writes are not all queued behind one limiter. Before
// the write limiter had leases (src/platforms/github/throttle.ts), the killed worker's hold on it stalled every write
// of the surviving worker for about a minute; now for at most WRITE_LEASE_MS.
const PULLS = 8;
const INSTALLATIONS = 4;
const installationOf = (n: number) => 4242 + (n % INSTALLATIONS);
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

const prefix = uniquePrefix('scale-out');
const procs: ServiceProcess[] = [];
let fake: FakeGitHub;
/** The test's own view of the shared queue (read-only). */
let inspector: Queue | undefined;

const waitUntil = (what: string, probe: () => boolean, timeoutMs: number) => waitFor(what, probe, timeoutMs, procs, 100);
const waitUntilAsync = (what: string, probe: () => Promise<boolean>, timeoutMs: number) => waitFor(what, probe, timeoutMs, procs, 100);

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

function startProcess(name: string, role: 'web' | 'worker', privateKey: string): Promise<ServiceProcess> {
  return startService(
    {
      NODE_ENV: 'test',
      ...githubAppEnv(fake.host, SECRET, privateKey),
      REDIS_URL,
      COZE_LOOP_ROLE: role,
      COZE_LOOP_QUEUE_PREFIX: prefix,
      COZE_LOOP_CONCURRENCY: '2',
      // A killed worker's jobs come back after about this long (BullMQ lock expiry + stalled check).
      COZE_LOOP_JOB_LOCK_TIMEOUT: '5s',
      COZE_LOOP_SHUTDOWN_TIMEOUT: '5s',
    },
    { name },
  ).then((proc) => (procs.push(proc), proc));
}

const deliver = (url: string, n: number, delivery: string): Promise<number> =>
  sendGitHubWebhook(url, SECRET, 'pull_request', pullRequestPayload('opened', { owner: 'acme', repo: 'shop', number: n, headSha: headFor(n), installationId: installationOf(n) }), delivery);

const reviewsPerPull = () => {
  const counts = new Map<number, number>();
  for (const review of fake.reviews) counts.set(review.pull_number, (counts.get(review.pull_number) ?? 0) + 1);
  return counts;
};

beforeAll(async () => {
  await requireRedis();
  ensureBuilt();
  // A little API latency so that reviews are still running when the worker is killed.
  fake = await new FakeGitHub({ owner: 'acme', repo: 'shop', latencyMs: 15 }).start();
  for (let n = 1; n <= PULLS; n += 1) {
    fake.addPull({ number: n, head: { sha: headFor(n), ref: `feature-${n}` }, files: [{ filename: 'drain.py', status: 'added', patch: PATCH }] });
    fake.setContent(headFor(n), 'drain.py', `${WORKER_CODE.join('\n')}\n`);
  }
  const privateKey = appPrivateKey();
  // The three processes start side by side (each one's start-up is mostly loading code); procs keeps this order.
  const started = await Promise.all([startProcess('web', 'web', privateKey), startProcess('worker-1', 'worker', privateKey), startProcess('worker-2', 'worker', privateKey)]);
  procs.splice(0, procs.length, ...started);
}, 480_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await fake?.close();
  await inspector?.close();
  await deleteKeys(prefix);
}, 60_000);

describe('scale-out: web + 2 workers on Redis', () => {
  it('reviews every pull request exactly once despite duplicate deliveries and a killed worker', async () => {
    const [web, worker1] = procs as [ServiceProcess, ServiceProcess, ServiceProcess];
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
