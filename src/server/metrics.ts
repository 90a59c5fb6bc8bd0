// Prometheus metrics for the service (prom-client). Each service instance gets its own registry so tests and
// several services in one process never share counters.
import type { HostName } from '../platforms/platform.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metrics } from '../core/observability.js';
import type { JobMetrics, JobOutcome } from '../jobs/observer.js';
import type { EnqueueOutcome, JobType } from '../jobs/queue.js';

export type Platform = HostName;

export interface ServiceMetrics extends Metrics, JobMetrics {
  readonly registry: Registry;
  /** Prometheus text exposition of every metric. */
  render(): Promise<string>;
  readonly contentType: string;
  /** Reads the queue depth when Prometheus scrapes, rather than on a timer. */
  setDepthSource(read: () => Promise<number>): void;
}

export interface MetricsOptions {
  /** Process metrics (CPU, RSS, event loop lag); off in unit tests for stable output. Default true. */
  processMetrics?: boolean;
  prefix?: string;
}

export function createMetrics(options: MetricsOptions = {}): ServiceMetrics {
  const registry = new Registry();
  const prefix = options.prefix ?? 'coze_loop_';
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });
  const registers = [registry];

  const webhooks = new Counter({ name: `${prefix}webhooks_received_total`, help: 'Webhooks received, by platform and event.', labelNames: ['platform', 'event'], registers });
  const enqueued = new Counter({ name: `${prefix}jobs_enqueued_total`, help: 'Enqueue attempts, by job type and outcome (enqueued, duplicate, coalesced, full).', labelNames: ['type', 'outcome'], registers });
  const completed = new Counter({ name: `${prefix}jobs_completed_total`, help: 'Jobs that finished successfully (including skipped superseded jobs).', labelNames: ['type'], registers });
  const failed = new Counter({ name: `${prefix}jobs_failed_total`, help: 'Jobs that failed for good or were abandoned at shutdown.', labelNames: ['type', 'reason'], registers });
  const retried = new Counter({ name: `${prefix}jobs_retried_total`, help: 'Failed attempts that will be retried with backoff.', labelNames: ['type'], registers });
  const duration = new Histogram({
    name: `${prefix}job_duration_seconds`,
    help: 'Time spent processing one job attempt.',
    labelNames: ['type', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const findings = new Counter({ name: `${prefix}findings_total`, help: 'Findings reported, by rule and target.', labelNames: ['rule', 'target'], registers });
  const comments = new Counter({ name: `${prefix}comments_posted_total`, help: 'Review comments and discussions posted.', labelNames: ['platform'], registers });
  const apiErrors = new Counter({ name: `${prefix}api_errors_total`, help: 'Error responses from the GitHub/GitLab APIs, by status.', labelNames: ['platform', 'status'], registers });
  const rateLimit = new Gauge({ name: `${prefix}rate_limit_remaining`, help: 'Last seen API rate-limit remaining.', labelNames: ['platform'], registers });
  let readDepth: (() => Promise<number>) | undefined;
  new Gauge({
    name: `${prefix}queue_depth`,
    help: 'Jobs waiting or running.',
    registers,
    async collect() {
      if (!readDepth) return;
      try {
        this.set(await readDepth());
      } catch {
        // Redis down: keep the last value; /readyz reports the outage.
      }
    },
  });

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    setDepthSource(read) {
      readDepth = read;
    },
    webhookReceived(platform: Platform, event: string) {
      webhooks.inc({ platform, event });
    },
    findingsReported(ruleId: string, target: string, count: number) {
      if (count > 0) findings.inc({ rule: ruleId, target }, count);
    },
    commentsPosted(platform: Platform, count: number) {
      if (count > 0) comments.inc({ platform }, count);
    },
    apiError(platform: Platform, status: number) {
      apiErrors.inc({ platform, status: String(status) });
    },
    rateLimitRemaining(platform: Platform, remaining: number) {
      rateLimit.set({ platform }, remaining);
    },
    jobEnqueued(type: JobType, outcome: EnqueueOutcome) {
      enqueued.inc({ type, outcome });
    },
    jobFinished(type: JobType, outcome: JobOutcome, durationSeconds: number) {
      if (outcome !== 'abandoned') duration.observe({ type, outcome }, durationSeconds);
      if (outcome === 'completed' || outcome === 'skipped') completed.inc({ type });
      else if (outcome === 'retrying') retried.inc({ type });
      else failed.inc({ type, reason: outcome === 'abandoned' ? 'shutdown' : 'error' });
    },
  };
}
