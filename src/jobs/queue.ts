// One queue interface for webhooks, slash commands and the weekly report. `memory` is the embedded default;
// `bullmq` (REDIS_URL) scales out. Handlers only enqueue; processors do the work.
import type { HostName } from '../platforms/platform.js';

export type JobType = `${HostName}-review` | `${HostName}-command` | 'weekly-summary';

export interface JobData {
  type: JobType;
  /** Delivery id (X-GitHub-Delivery / Idempotency-Key / X-Gitlab-Event-UUID) or a schedule key; duplicates are dropped. */
  id: string;
  /**
   * Coalescing key: jobs with the same key replace older waiting ones (e.g. `github:owner/repo#12`), so several
   * pushes to one pull request review only the newest head SHA.
   */
  coalesceKey?: string;
  /** Everything the processor needs, JSON-serialisable (webhook payload subset, installation id, ...). */
  payload: Record<string, unknown>;
}

export type EnqueueOutcome = 'enqueued' | 'duplicate' | 'coalesced' | 'full';

export type JobProcessor = (job: JobData, signal: AbortSignal) => Promise<void>;

export interface JobQueue {
  readonly kind: 'memory' | 'bullmq';
  /** `full` means the backlog is at its bound: answer the webhook with 503 so the sender redelivers later. */
  enqueue(job: JobData): Promise<EnqueueOutcome>;
  /** Start processing with the given processors (worker role). */
  start(processors: Partial<Record<JobType, JobProcessor>>): Promise<void>;
  /** Jobs waiting + running. */
  depth(): Promise<number>;
  /** Ready to take work (Redis reachable in bullmq mode). */
  ready(): Promise<boolean>;
  /**
   * Stop taking jobs, let running ones finish until the deadline, then stop. Returns how many jobs were abandoned
   * (memory mode) or returned to the queue (bullmq mode).
   */
  close(deadlineMs: number): Promise<{ abandoned: number }>;
}
