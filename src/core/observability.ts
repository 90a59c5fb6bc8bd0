// What every layer is handed to log, count and tell the time: the types only, so analysis, review, platforms, jobs
// and the CLI depend on src/core and never on the service. src/server/logger.ts and src/server/metrics.ts implement
// them for the service (pino, prom-client); the CLI and the CI runner have their own small loggers.

import type { HostName } from './types.js';

/** The subset of pino's logger the code uses (Probot's logger satisfies it). */
export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Counters the handlers, adapters and processors feed; src/server/metrics.ts implements it with prom-client. */
export interface Metrics {
  webhookReceived(platform: HostName, event: string): void;
  findingsReported(ruleId: string, target: string, count: number): void;
  commentsPosted(platform: HostName, count: number): void;
  apiError(platform: HostName, status: number): void;
  rateLimitRemaining(platform: HostName, remaining: number): void;
}

export const noopMetrics: Metrics = {
  webhookReceived() {},
  findingsReported() {},
  commentsPosted() {},
  apiError() {},
  rateLimitRemaining() {},
};

/** The injected clock: tests pass a fixed one. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
