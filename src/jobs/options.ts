// Settings shared by the memory and BullMQ queues, with the defaults the service uses when nothing is set.
import { availableParallelism } from 'node:os';
import type { Logger } from '../core/observability.js';
import type { JobData, JobType } from './queue.js';
import type { QueueObserver } from './observer.js';

export interface QueueSettings {
  /** Jobs processed at once by this process. Default: number of cores. */
  concurrency?: number;
  /** Jobs waiting (not running) before enqueue answers `full`. Default 1000. */
  maxBacklog?: number;
  /** Attempts per job including the first. Default 3. */
  attempts?: number;
  /** First retry delay; doubles per attempt, with jitter. Default 2000 ms. */
  backoffMs?: number;
  /** Cap on a single retry delay. Default 60 s. */
  maxBackoffMs?: number;
  /** How long a job id is remembered for dedupe. Default 72 h. */
  dedupeTtlMs?: number;
  /** Memory mode: how many job ids are remembered at most (LRU). Default 10000. */
  dedupeSize?: number;
  observer?: QueueObserver;
  logger?: Logger;
  /** Injected for deterministic tests. */
  random?: () => number;
}

export const DEFAULT_MAX_BACKLOG = 1000;
export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 2000;
export const DEFAULT_MAX_BACKOFF_MS = 60_000;
export const DEFAULT_DEDUPE_TTL_MS = 72 * 3600 * 1000;
export const DEFAULT_DEDUPE_SIZE = 10_000;
/** Half the delay is fixed, half random: retries of a burst spread out instead of hitting the API together. */
export const BACKOFF_JITTER = 0.5;

export function defaultConcurrency(): number {
  return Math.max(1, availableParallelism());
}

/** Exponential backoff with jitter: `attempt` is the attempt that just failed (1-based). */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (1 - BACKOFF_JITTER) + random() * ceiling * BACKOFF_JITTER);
}

/** Dedupe is per type so a schedule key can never collide with a delivery id. */
export function dedupeKey(job: Pick<JobData, 'type' | 'id'>): string {
  return `${job.type}:${job.id}`;
}

export class MissingProcessorError extends Error {
  constructor(type: JobType) {
    super(`no processor registered for job type "${type}" in this process`);
    this.name = 'MissingProcessorError';
  }
}

export function positiveInt(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}
