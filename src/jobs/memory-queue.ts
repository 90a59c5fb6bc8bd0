// The embedded default queue: everything in this process, bounded in both concurrency and backlog so a webhook
// burst turns into 503s (the sender redelivers) rather than an out-of-memory crash. Work starts when a job arrives,
// a job finishes or a retry timer fires; nothing polls.
import type { EnqueueOutcome, JobData, JobProcessor, JobQueue, JobType } from './queue.js';
import { noopObserver, type QueueObserver } from './observer.js';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  DEFAULT_DEDUPE_SIZE,
  DEFAULT_DEDUPE_TTL_MS,
  DEFAULT_MAX_BACKLOG,
  DEFAULT_MAX_BACKOFF_MS,
  MissingProcessorError,
  dedupeKey,
  defaultConcurrency,
  positiveInt,
  retryDelayMs,
  type QueueSettings,
} from './options.js';

interface Entry {
  job: JobData;
  /** Attempts already made. */
  attempts: number;
  /** Cleared when a newer job for the same coalescing key took this entry's place in line. */
  live: boolean;
}

/** Remembers recent job ids for a while, bounded in count; the oldest are forgotten first. */
class RecentIds {
  private readonly expiries = new Map<string, number>();
  constructor(
    private readonly size: number,
    private readonly ttlMs: number,
  ) {}

  has(key: string, now: number): boolean {
    const expiry = this.expiries.get(key);
    if (expiry === undefined) return false;
    if (expiry > now) return true;
    this.expiries.delete(key);
    return false;
  }

  add(key: string, now: number): void {
    this.expiries.delete(key);
    this.expiries.set(key, now + this.ttlMs);
    while (this.expiries.size > this.size) {
      const oldest = this.expiries.keys().next().value as string;
      this.expiries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.expiries.delete(key);
  }
}

export class MemoryQueue implements JobQueue {
  readonly kind = 'memory' as const;
  readonly concurrency: number;
  readonly maxBacklog: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly random: () => number;
  private readonly observer: QueueObserver;
  private readonly recent: RecentIds;

  /** FIFO of waiting entries; `head` avoids O(n) shifts. */
  private waiting: Entry[] = [];
  private head = 0;
  private waitingCount = 0;
  private readonly byCoalesceKey = new Map<string, Entry>();
  private readonly delayed = new Map<Entry, NodeJS.Timeout>();
  private readonly running = new Set<Entry>();
  private processors: Partial<Record<JobType, JobProcessor>> | undefined;
  private closing = false;
  private readonly abort = new AbortController();
  private idleWaiters: Array<() => void> = [];

  constructor(settings: QueueSettings = {}) {
    this.concurrency = positiveInt(settings.concurrency, defaultConcurrency());
    this.maxBacklog = positiveInt(settings.maxBacklog, DEFAULT_MAX_BACKLOG);
    this.attempts = positiveInt(settings.attempts, DEFAULT_ATTEMPTS);
    this.backoffMs = settings.backoffMs ?? DEFAULT_BACKOFF_MS;
    this.maxBackoffMs = settings.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.random = settings.random ?? Math.random;
    this.observer = settings.observer ?? noopObserver;
    this.recent = new RecentIds(
      positiveInt(settings.dedupeSize, DEFAULT_DEDUPE_SIZE),
      settings.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS,
    );
  }

  async enqueue(job: JobData): Promise<EnqueueOutcome> {
    const outcome = this.admit(job);
    this.observer.enqueued(job, outcome);
    if (outcome === 'enqueued' || outcome === 'coalesced') this.pump();
    return outcome;
  }

  private admit(job: JobData): EnqueueOutcome {
    const now = Date.now();
    const key = dedupeKey(job);
    if (this.recent.has(key, now)) return 'duplicate';
    if (this.closing) return 'full';
    const older = job.coalesceKey ? this.byCoalesceKey.get(job.coalesceKey) : undefined;
    if (older && older.live) {
      // The older job has not started: the newer one takes its place in line, so one review covers both pushes.
      older.job = job;
      older.attempts = 0;
      this.recent.add(key, now);
      return 'coalesced';
    }
    if (this.waitingCount + this.delayed.size >= this.maxBacklog) return 'full';
    const entry: Entry = { job, attempts: 0, live: true };
    this.pushWaiting(entry);
    this.recent.add(key, now);
    return 'enqueued';
  }

  private pushWaiting(entry: Entry): void {
    entry.live = true;
    this.waiting.push(entry);
    this.waitingCount += 1;
    if (entry.job.coalesceKey) this.byCoalesceKey.set(entry.job.coalesceKey, entry);
  }

  private shiftWaiting(): Entry | undefined {
    while (this.head < this.waiting.length) {
      const entry = this.waiting[this.head]!;
      this.head += 1;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
      if (!entry.live) continue;
      entry.live = false;
      this.waitingCount -= 1;
      const key = entry.job.coalesceKey;
      if (key && this.byCoalesceKey.get(key) === entry) this.byCoalesceKey.delete(key);
      return entry;
    }
    return undefined;
  }

  async start(processors: Partial<Record<JobType, JobProcessor>>): Promise<void> {
    this.processors = processors;
    this.pump();
  }

  async depth(): Promise<number> {
    return this.waitingCount + this.delayed.size + this.running.size;
  }

  async ready(): Promise<boolean> {
    return !this.closing;
  }

  private pump(): void {
    if (!this.processors || this.abort.signal.aborted) return;
    while (this.running.size < this.concurrency) {
      const entry = this.shiftWaiting();
      if (!entry) break;
      this.running.add(entry);
      void this.run(entry);
    }
    this.notifyIfIdle();
  }

  private async run(entry: Entry): Promise<void> {
    const processor = this.processors?.[entry.job.type];
    entry.attempts += 1;
    const started = performance.now();
    try {
      if (!processor) throw new MissingProcessorError(entry.job.type);
      await processor(entry.job, this.abort.signal);
      this.finish(entry, started, 'completed');
    } catch (error) {
      if (this.abort.signal.aborted) {
        // The deadline passed: close() already counted this job as abandoned.
        this.running.delete(entry);
        return;
      }
      const retry = !(error instanceof MissingProcessorError) && entry.attempts < this.attempts;
      this.finish(entry, started, retry ? 'retrying' : 'failed', error);
      if (retry) this.scheduleRetry(entry);
      // A job that failed for good may be redelivered by hand; it must not be refused as a duplicate.
      else this.recent.delete(dedupeKey(entry.job));
    }
    this.pump();
  }

  private finish(entry: Entry, started: number, outcome: 'completed' | 'failed' | 'retrying', error?: unknown): void {
    this.running.delete(entry);
    this.observer.finished({
      job: entry.job,
      attempt: entry.attempts,
      durationMs: performance.now() - started,
      outcome,
      ...(error !== undefined ? { error } : {}),
    });
  }

  private scheduleRetry(entry: Entry): void {
    const delay = retryDelayMs(entry.attempts, this.backoffMs, this.maxBackoffMs, this.random);
    const timer = setTimeout(() => {
      this.delayed.delete(entry);
      const key = entry.job.coalesceKey;
      const newer = key ? this.byCoalesceKey.get(key) : undefined;
      // A newer push for the same pull request is already waiting: retrying the older head would be wasted work.
      if (newer && newer.live) {
        this.observer.finished({ job: entry.job, attempt: entry.attempts, durationMs: 0, outcome: 'skipped', reason: 'superseded' });
        this.notifyIfIdle();
        return;
      }
      this.pushWaiting(entry);
      this.pump();
    }, delay);
    this.delayed.set(entry, timer);
  }

  private notifyIfIdle(): void {
    if (this.waitingCount + this.delayed.size + this.running.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** `deadlineMs` is how long running and waiting jobs may still take; after it, they are abandoned. */
  async close(deadlineMs: number): Promise<{ abandoned: number }> {
    this.closing = true;
    if (!this.processors) {
      // Nothing would ever drain the backlog in a process that never started processing.
      return this.abandonAll();
    }
    const idle = new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.notifyIfIdle();
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), Math.max(0, deadlineMs));
    });
    const result = await Promise.race([idle.then(() => 'idle' as const), deadline]);
    clearTimeout(timer);
    if (result === 'idle') {
      this.abort.abort(new Error('queue closed'));
      return { abandoned: 0 };
    }
    return this.abandonAll();
  }

  private abandonAll(): { abandoned: number } {
    const abandonedEntries: Entry[] = [...this.running, ...this.delayed.keys()];
    for (let entry = this.shiftWaiting(); entry; entry = this.shiftWaiting()) abandonedEntries.push(entry);
    for (const timer of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.abort.abort(new Error('shutdown deadline reached'));
    for (const entry of abandonedEntries) {
      this.observer.finished({ job: entry.job, attempt: entry.attempts, durationMs: 0, outcome: 'abandoned', reason: 'shutdown deadline' });
    }
    return { abandoned: abandonedEntries.length };
  }
}

export function createMemoryQueue(settings: QueueSettings = {}): MemoryQueue {
  return new MemoryQueue(settings);
}
