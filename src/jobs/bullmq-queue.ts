// Scale-out queue: BullMQ 6 on Redis. Any number of web processes enqueue, any number of workers process; jobs
// survive restarts, a dead worker's jobs come back through BullMQ's stalled-job check, retries back off with jitter.
// Dedupe and coalescing state lives in Redis next to the queue so every process sees the same answer.
import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../core/observability.js';
import type { EnqueueOutcome, JobData, JobProcessor, JobQueue, JobType } from './queue.js';
import { noopObserver, type JobEvent, type QueueObserver } from './observer.js';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
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

export interface BullMqSettings extends QueueSettings {
  redisUrl: string;
  /** BullMQ queue name. Default `coze-loop`. */
  queueName?: string;
  /** Redis key prefix for the queue and the dedupe/coalescing keys. Default `coze-loop`. */
  prefix?: string;
  /** How long a worker's lock on a job lasts without renewal; a killed worker's jobs return after about this long. */
  lockDurationMs?: number;
  /** How often workers look for stalled jobs. */
  stalledIntervalMs?: number;
}

/** What travels in Redis: the job plus the coalescing sequence number. */
interface StoredJob {
  job: JobData;
  seq?: number;
}

/** Name of the job a BullMQ job scheduler produces; its processor fans out to real jobs (see scheduler.ts). */
export const SCHEDULE_TICK = 'coze-loop-schedule-tick';

export type ScheduleTickHandler = (firedAt: Date) => Promise<void>;

interface ActiveJob {
  job: Job<StoredJob>;
  token: string | undefined;
  controller: AbortController;
  returnedToQueue: boolean;
}

const BACKOFF_TYPE = 'coze-loop-exponential';
const PENDING_MARKER_MS = 60_000;
const WAITING_STATES = new Set(['waiting', 'wait', 'delayed', 'prioritized', 'paused']);
/** Keeps `newest` as the highest sequence number seen for a coalescing key; returns the previous value. */
const RAISE_NEWEST = `
local current = redis.call('GET', KEYS[1])
local currentSeq = 0
if current then currentSeq = tonumber(string.match(current, '^(%d+)')) or 0 end
if tonumber(ARGV[1]) > currentSeq then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return current
`;

/** BullMQ refuses ':' and integer-looking custom ids; the type prefix and URI encoding avoid both without collisions. */
export function bullJobId(job: Pick<JobData, 'type' | 'id'>): string {
  return `${job.type}.${encodeURIComponent(job.id).replace(/:/g, '%3A')}`;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class BullMqQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  readonly concurrency: number;
  readonly queue: Queue<StoredJob>;
  private readonly client: Redis;
  private workerClient: Redis | undefined;
  private worker: Worker<StoredJob> | undefined;
  private readonly settings: BullMqSettings;
  private readonly prefix: string;
  private readonly attempts: number;
  private readonly maxBacklog: number;
  private readonly dedupeTtlMs: number;
  private readonly observer: QueueObserver;
  private readonly logger: Logger | undefined;
  private readonly active = new Map<string, ActiveJob>();
  private readonly tickHandlers = new Map<string, ScheduleTickHandler>();
  private readonly failing = new Map<string, JobEvent>();
  private closing = false;

  constructor(settings: BullMqSettings) {
    this.settings = settings;
    this.prefix = settings.prefix ?? 'coze-loop';
    this.concurrency = positiveInt(settings.concurrency, defaultConcurrency());
    this.attempts = positiveInt(settings.attempts, DEFAULT_ATTEMPTS);
    this.maxBacklog = positiveInt(settings.maxBacklog, DEFAULT_MAX_BACKLOG);
    this.dedupeTtlMs = settings.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS;
    this.observer = settings.observer ?? noopObserver;
    this.logger = settings.logger;
    // Web processes must answer webhooks fast: a Redis outage fails the command quickly (-> 503, redelivery)
    // instead of parking the request in ioredis' offline queue forever.
    this.client = new Redis(settings.redisUrl, { maxRetriesPerRequest: 1, connectionName: 'coze-loop-producer' });
    this.client.on('error', (error) => this.logger?.debug({ err: error }, 'redis producer connection error'));
    this.queue = new Queue<StoredJob>(settings.queueName ?? 'coze-loop', {
      connection: this.client,
      prefix: this.prefix,
      defaultJobOptions: {
        attempts: this.attempts,
        backoff: { type: BACKOFF_TYPE },
        removeOnComplete: { age: Math.ceil(this.dedupeTtlMs / 1000), count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600, count: 5_000 },
      },
    });
    this.queue.on('error', (error) => this.logger?.debug({ err: error }, 'bullmq queue error'));
  }

  private key(kind: 'dedupe' | 'newest', name: string): string {
    return `${this.prefix}:${kind}:${name}`;
  }

  async enqueue(job: JobData): Promise<EnqueueOutcome> {
    let outcome: EnqueueOutcome;
    try {
      outcome = await withTimeout(this.admit(job), 5000, 'enqueue');
    } catch (error) {
      // Unreachable Redis: refuse like a full backlog so GitHub/GitLab redeliver, instead of losing the delivery.
      this.logger?.error({ err: error, deliveryId: job.id, jobType: job.type }, 'enqueue failed: Redis unavailable');
      outcome = 'full';
    }
    this.observer.enqueued(job, outcome);
    return outcome;
  }

  private async admit(job: JobData): Promise<EnqueueOutcome> {
    if (this.closing) return 'full';
    const marker = this.key('dedupe', dedupeKey(job));
    // A short-lived marker first: if the add below fails, a redelivery a minute later is accepted again.
    const claimed = await this.client.set(marker, 'pending', 'PX', PENDING_MARKER_MS, 'NX');
    if (claimed === null) return 'duplicate';
    try {
      const jobId = bullJobId(job);
      const existing = await this.queue.getJob(jobId);
      if (existing) {
        const state = await existing.getState();
        if (state === 'active' || WAITING_STATES.has(state)) {
          await this.client.set(marker, 'done', 'PX', this.dedupeTtlMs);
          return 'duplicate';
        }
        // Completed long ago or failed for good: this delivery is a deliberate redelivery, run it again.
        await existing.remove();
      }
      if (await this.backlogFull()) {
        await this.client.del(marker);
        return 'full';
      }
      let outcome: EnqueueOutcome = 'enqueued';
      if (job.coalesceKey) {
        const seq = await this.client.incr(`${this.prefix}:seq`);
        await this.queue.add(job.type, { job, seq }, { jobId });
        const previous = (await this.client.eval(
          RAISE_NEWEST,
          1,
          this.key('newest', job.coalesceKey),
          String(seq),
          `${seq}|${jobId}`,
          String(this.dedupeTtlMs),
        )) as string | null;
        const previousId = previous?.split('|')[1];
        if (previousId && previousId !== jobId && (await this.removeIfWaiting(previousId))) outcome = 'coalesced';
      } else {
        await this.queue.add(job.type, { job }, { jobId });
      }
      await this.client.set(marker, 'done', 'PX', this.dedupeTtlMs);
      return outcome;
    } catch (error) {
      await this.client.del(marker).catch(() => undefined);
      throw error;
    }
  }

  private async backlogFull(): Promise<boolean> {
    const counts = await this.queue.getJobCounts('wait', 'delayed', 'prioritized');
    const waiting = Object.values(counts).reduce((sum, n) => sum + n, 0);
    return waiting >= this.maxBacklog;
  }

  private async removeIfWaiting(jobId: string): Promise<boolean> {
    const older = await this.queue.getJob(jobId);
    if (!older || !WAITING_STATES.has(await older.getState())) return false;
    // 0 means a worker locked it in the meantime; it will then see it is superseded and skip.
    return (await this.queue.remove(jobId)) === 1;
  }

  /** True when a newer job with the same coalescing key was enqueued after this one. */
  async isSuperseded(stored: StoredJob): Promise<boolean> {
    if (!stored.job.coalesceKey || stored.seq === undefined) return false;
    const newest = await this.client.get(this.key('newest', stored.job.coalesceKey));
    const newestSeq = newest ? Number(newest.split('|')[0]) : 0;
    return newestSeq > stored.seq;
  }

  /** Registers the fan-out for a BullMQ job scheduler's ticks (call before `start`). */
  onScheduleTick(schedulerId: string, handler: ScheduleTickHandler): void {
    this.tickHandlers.set(schedulerId, handler);
  }

  /** Idempotent across processes: every process may call it; Redis keeps one scheduler per id. */
  async upsertSchedule(schedulerId: string, pattern: string, tz = 'UTC'): Promise<void> {
    await this.queue.upsertJobScheduler(
      schedulerId,
      { pattern, tz },
      { name: SCHEDULE_TICK, data: { job: { type: 'weekly-summary', id: schedulerId, payload: { schedulerId } } } },
    );
  }

  async removeSchedule(schedulerId: string): Promise<void> {
    await this.queue.removeJobScheduler(schedulerId);
  }

  async start(processors: Partial<Record<JobType, JobProcessor>>): Promise<void> {
    if (this.worker) return;
    const { lockDurationMs = 30_000 } = this.settings;
    const backoffMs = this.settings.backoffMs ?? DEFAULT_BACKOFF_MS;
    const maxBackoffMs = this.settings.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    const random = this.settings.random ?? Math.random;
    // BullMQ requires maxRetriesPerRequest: null on worker connections (blocking commands must not give up).
    this.workerClient = new Redis(this.settings.redisUrl, { maxRetriesPerRequest: null, connectionName: 'coze-loop-worker' });
    this.workerClient.on('error', (error) => this.logger?.debug({ err: error }, 'redis worker connection error'));
    this.worker = new Worker<StoredJob>(
      this.queue.name,
      (job, token, signal) => this.process(job, token, signal, processors),
      {
        connection: this.workerClient,
        prefix: this.prefix,
        concurrency: this.concurrency,
        lockDuration: lockDurationMs,
        stalledInterval: this.settings.stalledIntervalMs ?? Math.max(1000, Math.floor(lockDurationMs / 2)),
        maxStalledCount: 2,
        settings: {
          backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, backoffMs, maxBackoffMs, random),
        },
      },
    );
    // While Redis is down every reconnect attempt fails; log each distinct error once, not once per attempt.
    let lastWorkerError = '';
    this.worker.on('error', (error) => {
      if (error.message === lastWorkerError) return;
      lastWorkerError = error.message;
      this.logger?.error({ err: error }, 'bullmq worker error');
    });
    this.workerClient.on('ready', () => {
      lastWorkerError = '';
    });
    this.worker.on('failed', (bullJob) => {
      const key = bullJob?.id;
      const event = key ? this.failing.get(key) : undefined;
      if (!key || !event) return;
      this.failing.delete(key);
      // Forget the delivery id so that a manual redelivery of a job that failed for good runs again.
      void this.client
        .del(this.key('dedupe', dedupeKey(event.job)))
        .catch(() => undefined)
        .finally(() => this.observer.finished(event));
    });
    this.worker.on('stalled', (jobId) => this.logger?.warn({ bullJobId: jobId }, 'stalled job returned to the queue'));
    await this.worker.waitUntilReady();
  }

  private async process(
    bullJob: Job<StoredJob>,
    token: string | undefined,
    signal: AbortSignal | undefined,
    processors: Partial<Record<JobType, JobProcessor>>,
  ): Promise<void> {
    if (bullJob.name === SCHEDULE_TICK) return this.runTick(bullJob);
    const stored = bullJob.data;
    const attempt = bullJob.attemptsMade + 1;
    const started = performance.now();
    if (await this.isSuperseded(stored)) {
      this.observer.finished({ job: stored.job, attempt, durationMs: 0, outcome: 'skipped', reason: 'superseded' });
      return;
    }
    const processor = processors[stored.job.type];
    const controller = new AbortController();
    signal?.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
    const active: ActiveJob = { job: bullJob, token, controller, returnedToQueue: false };
    const activeKey = bullJob.id ?? bullJobId(stored.job);
    this.active.set(activeKey, active);
    try {
      if (!processor) throw new MissingProcessorError(stored.job.type);
      await processor(stored.job, controller.signal);
      this.observer.finished({ job: stored.job, attempt, durationMs: performance.now() - started, outcome: 'completed' });
    } catch (error) {
      // close() already put the job back in the queue; tell BullMQ not to complete or fail it.
      if (active.returnedToQueue) throw new WaitingError();
      const final = error instanceof MissingProcessorError || error instanceof UnrecoverableError || attempt >= this.attempts;
      const event = { job: stored.job, attempt, durationMs: performance.now() - started, outcome: final ? 'failed' : 'retrying', error } as const;
      // A final failure is reported once BullMQ has moved the job to `failed` (see the worker's `failed` listener),
      // so that a redelivery seen after the report is accepted.
      if (final) this.failing.set(activeKey, event);
      else this.observer.finished(event);
      if (error instanceof MissingProcessorError) throw new UnrecoverableError(error.message);
      throw error;
    } finally {
      this.active.delete(activeKey);
    }
  }

  private async runTick(bullJob: Job<StoredJob>): Promise<void> {
    const schedulerId = String(bullJob.data.job.payload.schedulerId ?? '');
    const handler = this.tickHandlers.get(schedulerId);
    if (!handler) {
      this.logger?.warn({ schedulerId }, 'schedule tick without a handler in this process');
      return;
    }
    await handler(new Date(bullJob.timestamp + (bullJob.delay ?? 0)));
  }

  async depth(): Promise<number> {
    const counts = await this.queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async ready(): Promise<boolean> {
    if (this.closing) return false;
    try {
      return (await withTimeout(this.client.ping(), 1000, 'redis ping')) === 'PONG';
    } catch {
      return false;
    }
  }

  /**
   * Stops fetching, waits up to `deadlineMs` for running jobs, then aborts the rest and moves them back to the
   * wait list so another worker takes them; returns how many went back.
   */
  async close(deadlineMs: number): Promise<{ abandoned: number }> {
    this.closing = true;
    let returned = 0;
    if (this.worker) {
      const worker = this.worker;
      const drained = worker.close().then(() => 'drained' as const);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        // With nothing running there is nothing to wait for; BullMQ's close can still hang when Redis is gone.
        const wait = this.active.size === 0 ? Math.min(deadlineMs, 2000) : deadlineMs;
        timer = setTimeout(() => resolve('deadline'), Math.max(0, wait));
      });
      const result = await Promise.race([drained, deadline]);
      clearTimeout(timer);
      if (result === 'deadline') {
        for (const active of this.active.values()) {
          active.returnedToQueue = true;
          active.controller.abort(new Error('shutdown deadline reached'));
          try {
            await active.job.moveToWait(active.token);
            returned += 1;
          } catch (error) {
            // The lock is gone already (e.g. Redis restarted); the stalled check will recover the job.
            this.logger?.warn({ err: error, bullJobId: active.job.id }, 'could not return job to the queue');
          }
          this.observer.finished({ job: active.job.data.job, attempt: active.job.attemptsMade + 1, durationMs: 0, outcome: 'abandoned', reason: 'shutdown deadline: returned to the queue' });
        }
        await withTimeout(worker.close(true), 2000, 'worker close').catch(() => undefined);
      }
    }
    await withTimeout(this.queue.close(), 2000, 'queue close').catch(() => undefined);
    for (const client of [this.client, this.workerClient]) {
      if (!client) continue;
      await withTimeout(client.quit(), 1000, 'redis quit').catch(() => client.disconnect());
    }
    return { abandoned: returned };
  }
}

export function createBullMqQueue(settings: BullMqSettings): BullMqQueue {
  return new BullMqQueue(settings);
}
