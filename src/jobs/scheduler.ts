// The weekly summary schedule. In memory mode croner wakes this process at the cron time; in Redis mode a BullMQ
// job scheduler produces one tick for the whole deployment and whichever worker takes it fans out. Either way the
// fan-out enqueues one `weekly-summary` job per target whose id carries the day, so a second tick the same day
// (restart, two schedulers) is dropped as a duplicate.
import type { HostName } from '../platforms/platform.js';
import { Cron } from 'croner';
import { isoWeek } from '../core/iso-week.js';
import type { Logger } from '../core/observability.js';
import type { JobData, JobQueue } from './queue.js';
import { BullMqQueue } from './bullmq-queue.js';

/**
 * Without COZE_LOOP_SUMMARY_CRON the service wakes daily at 08:00 UTC and each repository is reported on its
 * `summary.day` (default Monday), so a repository can move its report to another day; an explicit cron is obeyed as is.
 */
export const DEFAULT_SUMMARY_CRON = '0 8 * * *';
export const SUMMARY_SCHEDULER_ID = 'weekly-summary';

export interface SummaryTarget {
  platform: HostName;
  /** Stable identity of the target, e.g. an installation id + repository, or a GitLab project path. */
  key: string;
  /** Whatever the weekly-summary processor needs for this target. */
  payload: Record<string, unknown>;
}

export type ListSummaryTargets = () => Promise<SummaryTarget[]>;

export interface SchedulerOptions {
  queue: JobQueue;
  listTargets: ListSummaryTargets;
  /** 5-field cron, or 6-field with seconds. Default Monday 08:00. */
  cron?: string;
  /** Report each repository only on its `summary.day` (true for the default daily schedule). */
  respectDay?: boolean;
  /** IANA zone the cron is read in. Default UTC. */
  timezone?: string;
  logger?: Logger;
}

export interface FanOutResult {
  enqueued: number;
  duplicate: number;
  refused: number;
}

export interface Scheduler {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Enqueue this week's jobs now (what a tick does). */
  fire(at: Date): Promise<FanOutResult>;
  nextRun(): Date | null;
}

/** Throws a readable error for a pattern croner cannot parse as 5 or 6 fields. */
export function validateCron(pattern: string, timezone = 'UTC'): void {
  const probe = new Cron(pattern, { timezone, paused: true, mode: '5-or-6-parts' });
  const next = probe.nextRun();
  probe.stop();
  if (!next) throw new Error(`cron pattern "${pattern}" never fires`);
}

export { isoWeek };

/**
 * One job per target and day: a second tick the same day (restart, several schedulers) is dropped as a duplicate,
 * and the report itself is per ISO week (a second run that week edits the same issue). `respectDay`: report only on
 * the repository's configured `summary.day`.
 */
export function summaryJob(target: SummaryTarget, at: Date, respectDay = false): JobData {
  return {
    type: 'weekly-summary',
    id: `${target.platform}:${target.key}:${at.toISOString().slice(0, 10)}`,
    coalesceKey: `weekly:${target.platform}:${target.key}`,
    payload: { ...target.payload, platform: target.platform, target: target.key, week: isoWeek(at), scheduledAt: at.toISOString(), respectDay },
  };
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const cron = options.cron ?? DEFAULT_SUMMARY_CRON;
  const respectDay = options.respectDay ?? cron === DEFAULT_SUMMARY_CRON;
  const timezone = options.timezone ?? 'UTC';
  validateCron(cron, timezone);
  const { queue, logger } = options;
  let timer: Cron | undefined;

  async function fire(at: Date): Promise<FanOutResult> {
    const targets = await options.listTargets();
    const result: FanOutResult = { enqueued: 0, duplicate: 0, refused: 0 };
    for (const target of targets) {
      const outcome = await queue.enqueue(summaryJob(target, at, respectDay));
      if (outcome === 'duplicate') result.duplicate += 1;
      else if (outcome === 'full') result.refused += 1;
      else result.enqueued += 1;
    }
    logger?.info({ ...result, targets: targets.length, week: isoWeek(at) }, 'weekly summary jobs enqueued');
    if (result.refused > 0) logger?.error({ refused: result.refused }, 'weekly summary jobs refused: queue full');
    return result;
  }

  return {
    async start() {
      if (queue instanceof BullMqQueue) {
        // A failed fan-out throws, so BullMQ retries the tick with backoff instead of skipping a week.
        queue.onScheduleTick(SUMMARY_SCHEDULER_ID, async (at) => {
          await fire(at);
        });
        await queue.upsertSchedule(SUMMARY_SCHEDULER_ID, cron, timezone);
        logger?.info({ cron, timezone, mode: 'bullmq' }, 'weekly summary schedule registered');
        return;
      }
      timer = new Cron(cron, { timezone, mode: '5-or-6-parts', unref: true, protect: true }, async () => {
        try {
          await fire(new Date());
        } catch (error) {
          logger?.error({ err: error }, 'weekly summary fan-out failed');
        }
      });
      logger?.info({ cron, timezone, mode: 'memory', nextRun: timer.nextRun()?.toISOString() }, 'weekly summary schedule started');
    },
    async stop() {
      timer?.stop();
      timer = undefined;
    },
    fire,
    nextRun() {
      return new Cron(cron, { timezone, paused: true, mode: '5-or-6-parts' }).nextRun();
    },
  };
}
