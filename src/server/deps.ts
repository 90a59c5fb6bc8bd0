// What the service's handlers and processors are given, so tests control the queue, the clock and the metrics.
import type { Clock, Logger, Metrics } from '../core/observability.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JobProcessor, JobQueue, JobType } from '../jobs/queue.js';
import type { ListSummaryTargets } from '../jobs/scheduler.js';
import type { RefineHook } from '../llm/hook.js';

export interface ServiceDeps {
  queue: JobQueue;
  logger: Logger;
  metrics: Metrics;
  /** Injected clock. */
  now: Clock;
  /** Optional LLM refinement (OPENAI_API_KEY); absent in the embedded default. */
  refine?: RefineHook;
}

/** What a host's service gives the server: its webhook route, its processors and the weekly report's targets. */
export interface HostService {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  processors: Partial<Record<JobType, JobProcessor>>;
  listSummaryTargets?: ListSummaryTargets;
  /** Set while no GitHub App is configured: where Probot's registration page is (the playground links to it). */
  setupPath?: string;
  /** GitHub App set-up mode (registration pages, no credentials yet). */
  setupMode?: boolean;
}

/** Builds a host's service from the environment; null when the host is not configured (that side is off). */
export type CreateHostService = (env: NodeJS.ProcessEnv, deps: ServiceDeps) => Promise<HostService | null> | HostService | null;
