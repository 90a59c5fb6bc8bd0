import { describe, expect, it } from '@jest/globals';
import { createMemoryQueue } from '../../src/jobs/memory-queue.js';
import { retryDelayMs } from '../../src/jobs/options.js';
import { describeQueueContract, job, recordingObserver } from './queue-contract.js';

describeQueueContract('memory', async (settings) => createMemoryQueue(settings));

describe('memory queue: bounds', () => {
  it('answers full once the backlog is at its bound, and accepts again after it drains', async () => {
    const observer = recordingObserver();
    const queue = createMemoryQueue({ maxBacklog: 3, concurrency: 1, observer });
    for (let i = 0; i < 3; i += 1) expect(await queue.enqueue(job(`b-${i}`))).toBe('enqueued');
    expect(await queue.enqueue(job('b-3'))).toBe('full');
    // A refused delivery is not remembered: GitHub's redelivery of it must be accepted later.
    await queue.start({ 'github-review': async () => undefined });
    await observer.waitFor(3, 'completed');
    expect(await queue.enqueue(job('b-3'))).toBe('enqueued');
    await queue.close(1000);
  });

  it('still accepts a coalescing job when full, since it replaces a waiting one', async () => {
    const queue = createMemoryQueue({ maxBacklog: 1 });
    expect(await queue.enqueue(job('p-1', { coalesceKey: 'k' }))).toBe('enqueued');
    expect(await queue.enqueue(job('p-2', { coalesceKey: 'k' }))).toBe('coalesced');
    expect(await queue.enqueue(job('p-3', { coalesceKey: 'other' }))).toBe('full');
    expect(await queue.depth()).toBe(1);
    expect(await queue.close(0)).toEqual({ abandoned: 1 });
  });

  it('remembers a bounded number of ids, forgetting the oldest first', async () => {
    const queue = createMemoryQueue({ dedupeSize: 2 });
    await queue.enqueue(job('x-1'));
    await queue.enqueue(job('x-2'));
    await queue.enqueue(job('x-3'));
    expect(await queue.enqueue(job('x-3'))).toBe('duplicate');
    expect(await queue.enqueue(job('x-1'))).toBe('enqueued');
    await queue.close(0);
  });

  it('forgets ids after their time to live', async () => {
    const queue = createMemoryQueue({ dedupeTtlMs: 30 });
    await queue.enqueue(job('t-1'));
    expect(await queue.enqueue(job('t-1'))).toBe('duplicate');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await queue.enqueue(job('t-1'))).toBe('enqueued');
    await queue.close(0);
  });

  it('defaults concurrency to the number of cores', () => {
    expect(createMemoryQueue().concurrency).toBeGreaterThanOrEqual(1);
    expect(createMemoryQueue({ concurrency: 3 }).concurrency).toBe(3);
  });

  it('fails a job without a processor at once, without retries', async () => {
    const observer = recordingObserver();
    const queue = createMemoryQueue({ observer, attempts: 5 });
    await queue.start({});
    await queue.enqueue(job('orphan'));
    const [failed] = await observer.waitFor(1, 'failed');
    expect(failed!.attempt).toBe(1);
    expect(String(failed!.error)).toContain('no processor registered for job type "github-review"');
    await queue.close(0);
  });

  it('drains the backlog within the deadline on close, abandoning only what is left', async () => {
    const observer = recordingObserver();
    const queue = createMemoryQueue({ concurrency: 1, observer });
    await queue.start({
      'github-review': (j, signal) =>
        new Promise<void>((resolve, reject) => {
          if (j.id !== 'slow') return void setTimeout(resolve, 20);
          signal.addEventListener('abort', () => reject(signal.reason as Error));
        }),
    });
    await queue.enqueue(job('q-1'));
    await queue.enqueue(job('q-2'));
    await queue.enqueue(job('slow'));
    await queue.enqueue(job('q-4'));
    const result = await queue.close(500);
    expect(result.abandoned).toBe(2);
    expect(observer.events.filter((e) => e.outcome === 'completed').map((e) => e.job.id)).toEqual(['q-1', 'q-2']);
    expect(observer.events.filter((e) => e.outcome === 'abandoned').map((e) => e.job.id).sort()).toEqual(['q-4', 'slow']);
  });
});

describe('retry delays', () => {
  it('double per attempt, stay within [half, full] of the ceiling, and are capped', () => {
    expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(retryDelayMs(3, 1000, 60_000, () => 0.5)).toBe(3000);
    expect(retryDelayMs(20, 1000, 60_000, () => 1)).toBe(60_000);
  });
});
