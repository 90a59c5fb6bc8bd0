// What both queue implementations report about each job, so logging and metrics live in one place instead of in
// every processor. `describeJob` pulls the repository and pull/merge request out of the job for the log line.
import type { Logger } from '../core/observability.js';
import type { EnqueueOutcome, JobData, JobType } from './queue.js';

export type JobOutcome = 'completed' | 'failed' | 'retrying' | 'skipped' | 'abandoned';

export interface JobEvent {
  job: JobData;
  /** 1-based attempt number. */
  attempt: number;
  durationMs: number;
  outcome: JobOutcome;
  error?: unknown;
  /** Why a job was skipped (e.g. a newer job for the same coalescing key exists). */
  reason?: string;
}

export interface QueueObserver {
  enqueued(job: JobData, outcome: EnqueueOutcome): void;
  finished(event: JobEvent): void;
}

export const noopObserver: QueueObserver = { enqueued() {}, finished() {} };

/** The counters the queue feeds; src/server/metrics.ts implements them with prom-client. */
export interface JobMetrics {
  jobEnqueued(type: JobType, outcome: EnqueueOutcome): void;
  jobFinished(type: JobType, outcome: JobOutcome, durationSeconds: number): void;
}

export interface JobDescription {
  deliveryId: string;
  jobType: JobType;
  repository?: string;
  pullRequest?: number;
}

const COALESCE_KEY = /^[a-z]+:(.+?)[#!](\d+)$/;

function stringField(payload: Record<string, unknown>, names: string[]): string | undefined {
  for (const name of names) {
    const value = payload[name];
    if (typeof value === 'string' && value.length > 0) return value;
    if (value && typeof value === 'object') {
      const nested = (value as Record<string, unknown>).full_name ?? (value as Record<string, unknown>).path_with_namespace;
      if (typeof nested === 'string') return nested;
    }
  }
  return undefined;
}

function numberField(payload: Record<string, unknown>, names: string[]): number | undefined {
  for (const name of names) {
    const value = payload[name];
    if (typeof value === 'number' && Number.isInteger(value)) return value;
  }
  return undefined;
}

/** Best effort: the handlers' payloads differ per platform, the coalescing key (`github:owner/repo#12`) does not. */
export function describeJob(job: JobData): JobDescription {
  const description: JobDescription = { deliveryId: job.id, jobType: job.type };
  const payload = job.payload ?? {};
  const repository = stringField(payload, ['repository', 'repo', 'fullName', 'project', 'projectPath']);
  const pullRequest = numberField(payload, ['pullNumber', 'pull_number', 'number', 'mergeRequestIid', 'mrIid', 'iid']);
  const fromKey = job.coalesceKey ? COALESCE_KEY.exec(job.coalesceKey) : null;
  if (repository ?? fromKey?.[1]) description.repository = repository ?? fromKey?.[1];
  if (pullRequest ?? fromKey?.[2]) description.pullRequest = pullRequest ?? Number(fromKey?.[2]);
  return description;
}

/** One log line per finished job and the job counters; the queues call it, processors do not need to. */
export function createJobObserver(logger: Logger, metrics?: JobMetrics): QueueObserver {
  return {
    enqueued(job, outcome) {
      metrics?.jobEnqueued(job.type, outcome);
      if (outcome === 'full') logger.warn({ ...describeJob(job), outcome }, 'job refused: queue backlog is full');
    },
    finished(event) {
      metrics?.jobFinished(event.job.type, event.outcome, event.durationMs / 1000);
      const line = {
        ...describeJob(event.job),
        attempt: event.attempt,
        durationMs: Math.round(event.durationMs),
        outcome: event.outcome,
        ...(event.reason ? { reason: event.reason } : {}),
        ...(event.error !== undefined ? { err: event.error } : {}),
      };
      if (event.outcome === 'failed' || event.outcome === 'abandoned') logger.error(line, 'job finished');
      else if (event.outcome === 'retrying') logger.warn(line, 'job finished');
      else logger.info(line, 'job finished');
    },
  };
}
