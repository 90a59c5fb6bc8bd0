import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { BullMqQueue, bullJobId, createBullMqQueue } from '../../src/jobs/bullmq-queue.js';
import type { QueueSettings } from '../../src/jobs/options.js';
import { describeQueueContract, job, recordingObserver } from './queue-contract.js';
import { REDIS_URL, deleteKeys, requireRedis, uniquePrefix } from './redis-helper.js';

const prefixes: string[] = [];
function bullmq(settings: QueueSettings & { prefix?: string; lockDurationMs?: number; stalledIntervalMs?: number } = {}): BullMqQueue {
  const prefix = settings.prefix ?? uniquePrefix('bullmq');
  prefixes.push(prefix);
  return createBullMqQueue({ redisUrl: REDIS_URL, ...settings, prefix });
}

beforeAll(async () => {
  await requireRedis();
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeys(prefix);
});

describeQueueContract('bullmq', async (settings) => bullmq(settings));

describe('bullmq queue', () => {
  it('makes job ids BullMQ accepts without collisions', () => {
    expect(bullJobId({ type: 'gitlab-review', id: 'a:b:c' })).not.toContain(':');
    expect(bullJobId({ type: 'github-review', id: '12345' })).toBe('github-review.12345');
    expect(bullJobId({ type: 'github-review', id: 'a:b' })).not.toBe(bullJobId({ type: 'github-review', id: 'a_b' }));
  });

  it('keeps jobs across a restart: enqueued by one process, processed by the next', async () => {
    const prefix = uniquePrefix('restart');
    const web = bullmq({ prefix });
    expect(await web.enqueue(job('survivor:1'))).toBe('enqueued');
    expect(await web.depth()).toBe(1);
    await web.close(0);

    const observer = recordingObserver();
    const worker = bullmq({ prefix, observer });
    expect(await worker.enqueue(job('survivor:1'))).toBe('duplicate');
    const ran: string[] = [];
    await worker.start({ 'github-review': async (j) => void ran.push(j.id) });
    await observer.waitFor(1, 'completed');
    expect(ran).toEqual(['survivor:1']);
    await worker.close(1000);
  });

  it('puts a job that is still running at the shutdown deadline back in the queue for another worker', async () => {
    const prefix = uniquePrefix('handover');
    const first = bullmq({ prefix, attempts: 1 });
    let started!: () => void;
    const startedPromise = new Promise<void>((resolve) => (started = resolve));
    await first.start({
      'github-review': (_j, signal) =>
        new Promise<void>((_, reject) => {
          started();
          signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    });
    await first.enqueue(job('long-review'));
    await startedPromise;
    expect(await first.close(100)).toEqual({ abandoned: 1 });

    const observer = recordingObserver();
    const second = bullmq({ prefix, observer, attempts: 1 });
    await second.start({ 'github-review': async () => undefined });
    const [done] = await observer.waitFor(1, 'completed');
    // Returned, not failed: the single allowed attempt was not used up by the shutdown.
    expect(done!.job.id).toBe('long-review');
    await second.close(1000);
  });

  it('recovers the job of a worker that died without closing (stalled job)', async () => {
    const prefix = uniquePrefix('stalled');
    const dying = bullmq({ prefix, lockDurationMs: 1000, stalledIntervalMs: 500 });
    let started!: () => void;
    const startedPromise = new Promise<void>((resolve) => (started = resolve));
    await dying.start({ 'github-review': () => new Promise<void>(() => started()) });
    await dying.enqueue(job('orphaned'));
    await startedPromise;
    // Simulate SIGKILL: the worker's connections vanish, its lock is never renewed nor released.
    const internals = dying as unknown as { workerClient: Redis; client: Redis; worker: { close(force: boolean): Promise<void> } };
    internals.workerClient.disconnect();
    internals.client.disconnect();
    void internals.worker.close(true).catch(() => undefined);

    const observer = recordingObserver();
    const rescuer = bullmq({ prefix, observer, lockDurationMs: 1000, stalledIntervalMs: 500 });
    await rescuer.start({ 'github-review': async () => undefined });
    const [done] = await observer.waitFor(1, 'completed');
    expect(done!.job.id).toBe('orphaned');
    await rescuer.close(1000);
  }, 20_000);

  it('skips a job superseded by a newer one for the same key even when it could not be removed', async () => {
    const prefix = uniquePrefix('superseded');
    const queue = bullmq({ prefix });
    const older = { job: job('old', { coalesceKey: 'github:o/r#1' }), seq: 0 };
    expect(await queue.isSuperseded(older)).toBe(false);
    await queue.enqueue(job('new', { coalesceKey: 'github:o/r#1' }));
    expect(await queue.isSuperseded(older)).toBe(true);
    await queue.close(0);
  });

  it('applies the backlog bound across processes', async () => {
    const prefix = uniquePrefix('backlog');
    const a = bullmq({ prefix, maxBacklog: 2 });
    const b = bullmq({ prefix, maxBacklog: 2 });
    expect(await a.enqueue(job('f-1'))).toBe('enqueued');
    expect(await b.enqueue(job('f-2'))).toBe('enqueued');
    expect(await a.enqueue(job('f-3'))).toBe('full');
    // Refused deliveries are not remembered as seen.
    expect(await b.enqueue(job('f-3'))).toBe('full');
    await Promise.all([a.close(0), b.close(0)]);
  });

  it('answers full, not an exception, and not ready when Redis is unreachable', async () => {
    const queue = createBullMqQueue({ redisUrl: 'redis://127.0.0.1:1', prefix: uniquePrefix('down') });
    expect(await queue.ready()).toBe(false);
    expect(await queue.enqueue(job('nowhere'))).toBe('full');
    await queue.close(0);
  }, 20_000);
});
