import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createBullMqQueue } from '../../src/jobs/bullmq-queue.js';
import { createMemoryQueue } from '../../src/jobs/memory-queue.js';
import type { JobData } from '../../src/jobs/queue.js';
import { createScheduler, isoWeek, summaryJob, validateCron, type SummaryTarget } from '../../src/jobs/scheduler.js';
import { REDIS_URL, deleteKeys, requireRedis, uniquePrefix } from './redis-helper.js';

const targets: SummaryTarget[] = [
  { platform: 'github', key: '7/octo/widgets', payload: { installationId: 7, repo: 'octo/widgets' } },
  { platform: 'gitlab', key: 'group/project', payload: { project: 'group/project' } },
];

describe('weekly schedule', () => {
  it('names ISO weeks, including across a year boundary', () => {
    expect(isoWeek(new Date('2026-11-23T08:00:00Z'))).toBe('2026-W48');
    expect(isoWeek(new Date('2027-01-01T08:00:00Z'))).toBe('2026-W53');
    expect(isoWeek(new Date('2024-12-30T08:00:00Z'))).toBe('2025-W01');
  });

  it('builds one job per target and day, deduplicated by that id, saying whether to honour summary.day', () => {
    expect(summaryJob(targets[1]!, new Date('2026-11-23T08:00:00Z'), true)).toEqual({
      type: 'weekly-summary',
      id: 'gitlab:group/project:2026-11-23',
      coalesceKey: 'weekly:gitlab:group/project',
      payload: { project: 'group/project', platform: 'gitlab', target: 'group/project', week: '2026-W48', scheduledAt: '2026-11-23T08:00:00.000Z', respectDay: true },
    });
    expect(summaryJob(targets[1]!, new Date('2026-11-24T08:00:00Z')).id).toBe('gitlab:group/project:2026-11-24');
    expect(summaryJob(targets[1]!, new Date('2026-11-24T08:00:00Z')).payload.respectDay).toBe(false);
  });

  it('validates 5- and 6-field cron and by default wakes daily at 08:00 UTC (reports follow summary.day)', () => {
    expect(() => validateCron('0 8 * * 1')).not.toThrow();
    expect(() => validateCron('30 0 8 * * 1')).not.toThrow();
    expect(() => validateCron('0 8 * *')).toThrow();
    const next = createScheduler({ queue: createMemoryQueue(), listTargets: async () => [] }).nextRun()!;
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([8, 0]);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600 * 1000);
  });

  it('memory mode: a tick fans out to every target once per day', async () => {
    const queue = createMemoryQueue();
    const scheduler = createScheduler({ queue, listTargets: async () => targets });
    const monday = new Date('2026-11-23T08:00:00Z');
    expect(await scheduler.fire(monday)).toEqual({ enqueued: 2, duplicate: 0, refused: 0 });
    expect(await scheduler.fire(new Date('2026-11-23T08:00:05Z'))).toEqual({ enqueued: 0, duplicate: 2, refused: 0 });
    expect(await scheduler.fire(new Date('2026-11-24T08:00:00Z'))).toEqual({ enqueued: 2, duplicate: 0, refused: 0 });
    await queue.close(0);
  });

  it('memory mode: croner fires on the cron without polling', async () => {
    const queue = createMemoryQueue();
    const seen: JobData[] = [];
    await queue.start({ 'weekly-summary': async (job) => void seen.push(job) });
    const scheduler = createScheduler({ queue, cron: '* * * * * *', listTargets: async () => targets.slice(0, 1) });
    await scheduler.start();
    const deadline = Date.now() + 3000;
    while (seen.length < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await scheduler.stop();
    expect(seen.map((job) => job.payload.target)).toEqual(['7/octo/widgets']);
    await queue.close(1000);
  });
});

describe('weekly schedule on Redis', () => {
  const prefix = uniquePrefix('schedule');
  beforeAll(async () => {
    await requireRedis();
  });
  afterAll(async () => {
    await deleteKeys(prefix);
  });

  it('one BullMQ job scheduler for all processes: each target runs once per tick day however many workers tick', async () => {
    const seen: JobData[] = [];
    const listings: number[] = [];
    const queues = [0, 1, 2].map(() => createBullMqQueue({ redisUrl: REDIS_URL, prefix }));
    for (const [index, queue] of queues.entries()) {
      const scheduler = createScheduler({
        queue,
        cron: '* * * * * *',
        listTargets: async () => {
          listings.push(index);
          return targets;
        },
      });
      await scheduler.start();
      await queue.start({ 'weekly-summary': async (job) => void seen.push(job) });
    }
    const schedulers = await queues[0]!.queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.pattern, s.tz])).toEqual([['weekly-summary', '* * * * * *', 'UTC']]);
    const deadline = Date.now() + 6000;
    while (listings.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await Promise.all(queues.map((queue) => queue.close(1000)));
    // Several ticks happened, but the jobs carry the day in their id: one run per target that day.
    expect(listings.length).toBeGreaterThanOrEqual(2);
    const today = new Date().toISOString().slice(0, 10);
    expect(seen.map((job) => job.id).sort()).toEqual([`github:7/octo/widgets:${today}`, `gitlab:group/project:${today}`]);
  }, 20_000);
});
