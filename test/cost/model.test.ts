import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { configSchema, DEFAULT_CONFIG } from '../../src/config/schema.js';
import {
  commitsCost,
  comparisonsCost,
  connectionsCost,
  fromCode,
  fromConfig,
  fromDefault,
  idlePollingCost,
  quadraticCopyCost,
  repeatedWorkCost,
  roundTripsCost,
  rowsReadCost,
  runsPerDay,
  serialWallTimeCost,
} from '../../src/cost/index.js';

const cost = DEFAULT_CONFIG.cost;

describe('assumption sources', () => {
  it('marks config values equal to the default as default and others as config', () => {
    expect(fromConfig(cost, 'replicas').assumption).toEqual({ key: 'replicas', value: 1, source: 'default' });
    const custom = configSchema().parse({ cost: { replicas: 4, db_query_ms: 2 } }).cost;
    expect(fromConfig(custom, 'replicas').assumption.source).toBe('config');
    expect(fromConfig(custom, 'db_query_ms').assumption).toEqual({ key: 'db_query_ms', value: 2, unit: 'ms', source: 'config' });
  });

  it('labels code literals and built-in defaults', () => {
    expect(fromCode('sleep_seconds', 30, 's').assumption).toEqual({ key: 'sleep_seconds', value: 30, unit: 's', source: 'code' });
    expect(fromDefault('backoff_max_seconds').assumption.source).toBe('default');
  });
});

describe('idlePollingCost', () => {
  it('counts 2,880 idle queries per day for a 30 s sleep and none with a blocking pop', () => {
    const est = idlePollingCost({ interval: fromCode('sleep_seconds', 30, 's'), callsPerPoll: 1, after: 'event' }, cost, 'en');
    expect(est.metric).toBe('idle_queries_per_day');
    expect(est.before).toBe(2880);
    expect(est.after).toBe(0);
    expect(est.formula).toContain('sleep_seconds (30 s)');
    expect(est.formula).toContain('= 2,880 → 0');
    expect(est.assumptions.map((a) => [a.key, a.source])).toEqual([
      ['sleep_seconds', 'code'],
      ['calls_per_poll', 'code'],
      ['replicas', 'default'],
      ['per_million_queries', 'default'],
    ]);
    expect(est.monthly?.before).toBeCloseTo((2880 * 30 * 0.2) / 1_000_000, 10);
    expect(est.monthly?.after).toBe(0);
    expect(est.monthly?.currency).toBe('USD');
  });

  it('multiplies by replicas and calls per poll, and backs off to the cap when it cannot block', () => {
    const custom = configSchema().parse({ cost: { replicas: 3, currency: 'CNY' } }).cost;
    const est = idlePollingCost({ interval: fromCode('sleep_seconds', 5, 's'), callsPerPoll: 2, after: 'backoff' }, custom, 'en');
    expect(est.before).toBe((86_400 / 5) * 2 * 3);
    expect(est.after).toBe((86_400 / 300) * 2 * 3);
    expect(est.assumptions.find((a) => a.key === 'backoff_max_seconds')?.source).toBe('default');
    expect(est.assumptions.find((a) => a.key === 'replicas')?.source).toBe('config');
    expect(est.monthly?.currency).toBe('CNY');
  });

  it('omits money when no price is configured', () => {
    const free = configSchema().parse({ cost: { per_million_queries: 0 } }).cost;
    const est = idlePollingCost({ interval: fromCode('sleep_seconds', 30, 's'), callsPerPoll: 1, after: 'event' }, free, 'en');
    expect(est.monthly).toBeUndefined();
    expect(est.assumptions.some((a) => a.key === 'per_million_queries')).toBe(false);
  });
});

describe('roundTripsCost', () => {
  it('turns 101 round trips into 2 for an N+1 over a 100-row batch', () => {
    const est = roundTripsCost(
      { items: fromConfig(cost, 'batch_size'), callsPerItem: 1, listQuery: true, latency: fromConfig(cost, 'db_query_ms') },
      cost,
      'en',
    );
    expect([est.before, est.after]).toEqual([101, 2]);
    expect(est.formula).toContain('505 ms → 10 ms');
    expect(est.monthly).toBeUndefined();
  });

  it('prices the queries per month when the loop runs inside a poller', () => {
    const est = roundTripsCost(
      {
        items: fromCode('limit', 50),
        callsPerItem: 2,
        listQuery: false,
        latency: fromConfig(cost, 'http_call_ms'),
        runsPerDay: runsPerDay(fromCode('sleep_seconds', 60, 's'), 'en'),
      },
      cost,
      'en',
    );
    expect([est.before, est.after]).toEqual([100, 2]);
    expect(est.monthly?.before).toBeCloseTo((100 * 1440 * 30 * 0.2) / 1_000_000, 10);
    expect(est.assumptions.find((a) => a.key === 'runs_per_day')?.value).toBe(1440);
  });
});

describe('serialWallTimeCost', () => {
  it('100 × 200 ms = 20 s → 2.5 s with 8 in flight', () => {
    const est = serialWallTimeCost(
      { items: fromConfig(cost, 'batch_size'), latency: fromConfig(cost, 'http_call_ms'), concurrency: fromConfig(cost, 'concurrency') },
      cost,
      'en',
    );
    expect(est.before).toBe(20);
    expect(est.after).toBe(2.5);
    expect(est.unit).toBe('s/batch');
    expect(est.formula).toBe('batch_size (100) × http_call_ms (200 ms) = 20 s → ÷ concurrency (8) = 2.5 s');
  });

  it('never assumes more calls in flight than items', () => {
    const est = serialWallTimeCost(
      { items: fromCode('list_length', 4), latency: fromConfig(cost, 'http_call_ms'), concurrency: fromCode('max_workers', 16) },
      cost,
      'en',
    );
    expect(est.after).toBe(0.2);
    expect(est.formula).toContain('(4 in flight)');
  });
});

describe('other models', () => {
  it('commits, connections, repeated work, rows, copies, comparisons', () => {
    const items = fromCode('slice', 200);
    expect(commitsCost({ items, commitLatency: fromConfig(cost, 'db_query_ms') }, cost, 'en')).toMatchObject({ before: 200, after: 1, metric: 'commits_per_batch' });
    const perHour = connectionsCost({ per: 'hour', interval: fromCode('sleep_seconds', 10, 's'), connect: fromConfig(cost, 'connect_ms') }, cost, 'en');
    expect(perHour).toMatchObject({ metric: 'connections_per_hour', before: 360, after: 0 });
    expect(perHour.monthly?.before).toBeCloseTo(((360 * 24 * 0.03) / 3600) * 30 * 0.04, 10);
    expect(connectionsCost({ per: 'batch', items, connect: fromConfig(cost, 'connect_ms') }, cost, 'en')).toMatchObject({ before: 200, after: 1 });
    expect(repeatedWorkCost(items, 'en')).toMatchObject({ before: 200, after: 1, metric: 'evaluations_per_batch' });
    expect(rowsReadCost({ interval: fromCode('sleep_seconds', 60, 's'), limit: fromConfig(cost, 'batch_size') }, cost, 'en')).toMatchObject({
      before: 1440 * 10_000,
      after: 1440 * 100,
    });
    expect(quadraticCopyCost(fromCode('range', 1000), 'en')).toMatchObject({ before: (64 * 1000 * 1001) / 2, after: 64_000 });
    expect(comparisonsCost(items, fromCode('list_length', 500), 'en')).toMatchObject({ before: 100_000, after: 700 });
  });

  it('never produces an after larger than before or a non-finite number', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 64 }),
        (seconds, n, conc) => {
          const results = [
            idlePollingCost({ interval: fromCode('sleep_seconds', seconds, 's'), callsPerPoll: 1, after: 'backoff' }, cost, 'en'),
            roundTripsCost({ items: fromCode('limit', n), callsPerItem: 1, listQuery: true, latency: fromConfig(cost, 'db_query_ms') }, cost, 'en'),
            serialWallTimeCost({ items: fromCode('limit', n), latency: fromConfig(cost, 'http_call_ms'), concurrency: fromCode('max_workers', conc) }, cost, 'en'),
            quadraticCopyCost(fromCode('limit', n), 'en'),
          ];
          for (const r of results) {
            expect(Number.isFinite(r.before) && Number.isFinite(r.after)).toBe(true);
            expect(r.after).toBeLessThanOrEqual(r.before);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
