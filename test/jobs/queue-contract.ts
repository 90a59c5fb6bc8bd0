// One behavioural contract for every JobQueue implementation (memory and BullMQ run the same cases).
import { afterEach, describe, expect, it } from '@jest/globals';
import type { JobData, JobProcessor, JobQueue } from '../../src/jobs/queue.js';
import type { JobEvent, QueueObserver } from '../../src/jobs/observer.js';
import type { QueueSettings } from '../../src/jobs/options.js';

export type QueueFactory = (settings: QueueSettings) => Promise<JobQueue>;

export function recordingObserver(): QueueObserver & { events: JobEvent[]; waitFor(count: number, outcome?: JobEvent['outcome']): Promise<JobEvent[]> } {
  const events: JobEvent[] = [];
  let waiters: Array<() => void> = [];
  return {
    events,
    enqueued() {},
    finished(event) {
      events.push(event);
      const current = waiters;
      waiters = [];
      for (const wake of current) wake();
    },
    async waitFor(count, outcome) {
      const matching = () => events.filter((event) => !outcome || event.outcome === outcome);
      const deadline = Date.now() + 15_000;
      while (matching().length < count) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} ${outcome ?? ''} events; got ${JSON.stringify(events.map((e) => [e.job.id, e.outcome]))}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 1000).unref();
        });
      }
      return matching();
    },
  };
}

export function job(id: string, extra: Partial<JobData> = {}): JobData {
  return { type: 'github-review', id, payload: { n: id }, ...extra };
}

async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (value !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await read();
  }
  return value;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export function describeQueueContract(name: string, create: QueueFactory): void {
  describe(`JobQueue contract: ${name}`, () => {
    const open: JobQueue[] = [];
    async function make(settings: QueueSettings): Promise<JobQueue> {
      const queue = await create({ backoffMs: 40, ...settings });
      open.push(queue);
      return queue;
    }
    afterEach(async () => {
      await Promise.all(open.splice(0).map((queue) => queue.close(0)));
    });

    it('runs an enqueued job with its data and an AbortSignal', async () => {
      const observer = recordingObserver();
      const queue = await make({ concurrency: 2, observer });
      const seen: Array<{ job: JobData; signal: AbortSignal }> = [];
      await queue.start({ 'github-review': async (j, signal) => void seen.push({ job: j, signal }) });
      expect(await queue.ready()).toBe(true);
      expect(await queue.enqueue(job('a:1', { payload: { repository: 'o/r', number: 7 } }))).toBe('enqueued');
      await observer.waitFor(1, 'completed');
      expect(seen).toHaveLength(1);
      expect(seen[0]!.job).toEqual({ type: 'github-review', id: 'a:1', payload: { repository: 'o/r', number: 7 } });
      expect(seen[0]!.signal).toBeInstanceOf(AbortSignal);
    });

    it('drops a duplicate delivery id at enqueue', async () => {
      const observer = recordingObserver();
      const queue = await make({ observer });
      const runs: string[] = [];
      expect(await queue.enqueue(job('dup-1'))).toBe('enqueued');
      expect(await queue.enqueue(job('dup-1'))).toBe('duplicate');
      await queue.start({ 'github-review': async (j) => void runs.push(j.id) });
      await observer.waitFor(1, 'completed');
      // Also after it ran: a redelivery of a completed job posts nothing new.
      expect(await queue.enqueue(job('dup-1'))).toBe('duplicate');
      // The same id under another job type is a different job.
      expect(await queue.enqueue({ ...job('dup-1'), type: 'github-command' })).toBe('enqueued');
      expect(runs).toEqual(['dup-1']);
    });

    it('coalesces waiting jobs with the same key so only the newest runs', async () => {
      const observer = recordingObserver();
      const queue = await make({ observer, concurrency: 1 });
      const key = 'github:o/r#12';
      expect(await queue.enqueue(job('push-1', { coalesceKey: key, payload: { head: 'sha1' } }))).toBe('enqueued');
      expect(await queue.enqueue(job('push-2', { coalesceKey: key, payload: { head: 'sha2' } }))).toBe('coalesced');
      expect(await queue.enqueue(job('push-3', { coalesceKey: key, payload: { head: 'sha3' } }))).toBe('coalesced');
      expect(await queue.enqueue(job('other', { coalesceKey: 'github:o/r#13' }))).toBe('enqueued');
      const heads: unknown[] = [];
      await queue.start({ 'github-review': async (j) => void heads.push(j.payload.head ?? j.id) });
      await observer.waitFor(2, 'completed');
      expect(heads.sort()).toEqual(['other', 'sha3']);
      // The coalesced jobs are gone from the queue, not just skipped (BullMQ settles a finished job just after the
      // processor returns, hence the short wait).
      expect(await eventually(() => queue.depth(), 0)).toBe(0);
    });

    it('does not replace a running job: a newer push waits and runs after it', async () => {
      const observer = recordingObserver();
      const queue = await make({ observer, concurrency: 2 });
      const gate = deferred();
      const started = deferred();
      const heads: unknown[] = [];
      await queue.start({
        'github-review': async (j) => {
          heads.push(j.payload.head);
          if (j.payload.head === 'sha1') {
            started.resolve();
            await gate.promise;
          }
        },
      });
      await queue.enqueue(job('run-1', { coalesceKey: 'k', payload: { head: 'sha1' } }));
      await started.promise;
      expect(await queue.enqueue(job('run-2', { coalesceKey: 'k', payload: { head: 'sha2' } }))).toBe('enqueued');
      gate.resolve();
      await observer.waitFor(2, 'completed');
      expect(heads.sort()).toEqual(['sha1', 'sha2']);
    });

    it('retries a failing job with growing, jittered delays, then gives up and accepts a redelivery', async () => {
      const observer = recordingObserver();
      const queue = await make({ observer, attempts: 3, backoffMs: 100 });
      const attemptsAt: number[] = [];
      await queue.start({
        'github-review': async (j) => {
          attemptsAt.push(performance.now());
          if (j.id === 'flaky' && attemptsAt.length < 3) throw new Error('502 from the API');
          if (j.id === 'broken') throw new Error('always broken');
        },
      });
      await queue.enqueue(job('flaky'));
      await observer.waitFor(1, 'completed');
      expect(attemptsAt).toHaveLength(3);
      const [first, second, third] = attemptsAt as [number, number, number];
      // Attempt n waits between half and all of backoff * 2^(n-1).
      expect(second - first).toBeGreaterThanOrEqual(45);
      expect(third - second).toBeGreaterThanOrEqual(95);
      expect(observer.events.filter((e) => e.outcome === 'retrying').map((e) => e.attempt)).toEqual([1, 2]);

      attemptsAt.length = 0;
      await queue.enqueue(job('broken'));
      const failed = await observer.waitFor(1, 'failed');
      expect(failed[0]!.attempt).toBe(3);
      expect((failed[0]!.error as Error).message).toBe('always broken');
      expect(attemptsAt).toHaveLength(3);
      expect(await queue.enqueue(job('broken'))).toBe('enqueued');
    });

    it('never runs more jobs at once than its concurrency', async () => {
      const observer = recordingObserver();
      const queue = await make({ observer, concurrency: 2 });
      let inFlight = 0;
      let peak = 0;
      let started = 0;
      await queue.start({
        'github-review': async () => {
          inFlight += 1;
          started += 1;
          peak = Math.max(peak, inFlight);
          // Hold each job until a second one runs beside it (or 2 s pass, or it is the last): on a loaded machine a
          // 40 ms job could end before the next enqueue reaches the worker, and the peak would say nothing.
          const until = Date.now() + 2000;
          while (inFlight < 2 && started < 8 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
          await new Promise((resolve) => setTimeout(resolve, 40));
          inFlight -= 1;
        },
      });
      for (let i = 0; i < 8; i += 1) expect(await queue.enqueue(job(`c-${i}`))).toBe('enqueued');
      await observer.waitFor(8, 'completed');
      expect(peak).toBe(2);
    });

    it('counts waiting and running jobs in depth', async () => {
      const queue = await make({ concurrency: 1 });
      const gate = deferred();
      const started = deferred();
      await queue.enqueue(job('d-1'));
      await queue.enqueue(job('d-2'));
      expect(await queue.depth()).toBe(2);
      await queue.start({
        'github-review': async () => {
          started.resolve();
          await gate.promise;
        },
      });
      await started.promise;
      expect(await queue.depth()).toBe(2);
      gate.resolve();
    });

    it('close lets running jobs finish, then refuses new work and is not ready', async () => {
      const observer = recordingObserver();
      const queue = await make({ observer, concurrency: 2 });
      const started = deferred();
      let finished = false;
      await queue.start({
        'github-review': async () => {
          started.resolve();
          await new Promise((resolve) => setTimeout(resolve, 150));
          finished = true;
        },
      });
      await queue.enqueue(job('close-1'));
      await started.promise;
      const result = await queue.close(5000);
      expect(finished).toBe(true);
      expect(result).toEqual({ abandoned: 0 });
      expect(await queue.ready()).toBe(false);
      expect(await queue.enqueue(job('close-2'))).toBe('full');
    });

    it('close aborts jobs still running at the deadline and reports them', async () => {
      const queue = await make({ concurrency: 1 });
      const started = deferred();
      let aborted = false;
      await queue.start({
        'github-review': (_job, signal) =>
          new Promise<void>((_, reject) => {
            started.resolve();
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(signal.reason as Error);
            });
          }),
      });
      await queue.enqueue(job('stuck'));
      await started.promise;
      const begin = performance.now();
      const result = await queue.close(200);
      expect(performance.now() - begin).toBeLessThan(3000);
      expect(result.abandoned).toBe(1);
      expect(aborted).toBe(true);
    });
  });
}

export type { JobProcessor };
