// What the service's handlers and processors are given, so tests control the queue, the clock and the metrics.
import type { Clock, Logger, Metrics } from '../core/observability.js';
import type { JobQueue } from '../jobs/queue.js';
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
