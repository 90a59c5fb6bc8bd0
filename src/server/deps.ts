// What the service's handlers and processors are given, so tests control the queue, the clock and the metrics.
import type { JobQueue } from '../jobs/queue.js';
import type { RefineHook } from '../llm/hook.js';

/** The subset of pino's logger the service uses (Probot's logger satisfies it). */
export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Counters the handlers and processors feed; src/server/metrics.ts implements it with prom-client. */
export interface Metrics {
  webhookReceived(platform: 'github' | 'gitlab', event: string): void;
  findingsReported(ruleId: string, target: string, count: number): void;
  commentsPosted(platform: 'github' | 'gitlab', count: number): void;
  apiError(platform: 'github' | 'gitlab', status: number): void;
  rateLimitRemaining(platform: 'github' | 'gitlab', remaining: number): void;
}

export const noopMetrics: Metrics = {
  webhookReceived() {},
  findingsReported() {},
  commentsPosted() {},
  apiError() {},
  rateLimitRemaining() {},
};

export interface ServiceDeps {
  queue: JobQueue;
  logger: Logger;
  metrics: Metrics;
  /** Injected clock. */
  now: () => Date;
  /** Optional LLM refinement (OPENAI_API_KEY); absent in the embedded default. */
  refine?: RefineHook;
}
