// Fixture tests for the ten `optimize` rules: exactly the `ruleid:` lines fire, `ok:` traps stay quiet, and every
// exact replacement parses and clears its finding.
import { describe, expect, it } from '@jest/globals';
import { analyzeSource } from '../../../src/analysis/engine.js';
import { configSchema } from '../../../src/config/schema.js';
import { describeRuleFixtures } from '../../support/rule-tester.js';

const OPTIMIZE_RULES = [
  'polling-fixed-interval',
  'query-in-loop',
  'write-per-row',
  'commit-in-loop',
  'serial-blocking-io',
  'connection-in-loop',
  'invariant-in-loop',
  'unbounded-query',
  'string-concat-in-loop',
  'membership-in-loop',
];

for (const id of OPTIMIZE_RULES) describeRuleFixtures(id);

describe('names guessed as I/O', () => {
  const source = ['import requests', '', 'def export_all(records):', '    for record in records:', '        send_to_bigdata(record)', ''].join('\n');

  it('report with low confidence and say so', () => {
    const config = configSchema().parse({ severity_threshold: 'info' });
    const [finding] = analyzeSource({ path: 'export.py', content: source }, config, { onlyRules: ['serial-blocking-io'] }).findings;
    expect(finding?.confidence).toBe('low');
    expect(finding?.message).toContain('judging by its name');
  });

  it('become certain once the repository declares them under `apis:`', () => {
    const config = configSchema().parse({ severity_threshold: 'info', apis: { http: ['send_to_bigdata'] } });
    const [finding] = analyzeSource({ path: 'export.py', content: source }, config, { onlyRules: ['serial-blocking-io'] }).findings;
    expect(finding?.confidence).toBe('high');
    expect(finding?.message).toBe('`send_to_bigdata` blocks once per `record`: 100 (assumed) calls take 20 s one after another, about 2.5 s with 8 in flight');
  });
});

describe('cost figures', () => {
  const worker = [
    'import time',
    '',
    'def poll(conn, stop):',
    '    while not stop.is_set():',
    '        rows = conn.execute("SELECT id, customer_id FROM orders WHERE status = \'new\' LIMIT 50").fetchall()',
    '        for row in rows:',
    '            conn.execute("SELECT name FROM customers WHERE id = %s", (row[1],))',
    '        time.sleep(30)',
    '',
  ].join('\n');

  it('take literals from the code and the rest from config, each with its source', () => {
    const config = configSchema().parse({ severity_threshold: 'info', cost: { replicas: 3, per_million_queries: 1, currency: 'EUR' } });
    const findings = analyzeSource({ path: 'poll.py', content: worker }, config, { onlyRules: ['polling-fixed-interval', 'query-in-loop'] }).findings;
    const polling = findings.find((f) => f.ruleId === 'polling-fixed-interval')!;
    expect(polling.cost).toMatchObject({ metric: 'idle_queries_per_day', before: 8640 });
    expect(polling.cost!.assumptions).toEqual(
      expect.arrayContaining([
        { key: 'sleep_seconds', value: 30, unit: 's', source: 'code' },
        { key: 'replicas', value: 3, source: 'config' },
      ]),
    );
    expect(polling.cost!.monthly).toMatchObject({ currency: 'EUR', before: (8640 * 30) / 1_000_000 });
    const n1 = findings.find((f) => f.ruleId === 'query-in-loop')!;
    expect(n1.cost).toMatchObject({ metric: 'round_trips_per_batch', before: 51, after: 2 });
    expect(n1.cost!.assumptions).toEqual(expect.arrayContaining([{ key: 'limit', value: 50, source: 'code' }]));
    // inside a poller the N+1 runs 2,880 times a day, so it has a monthly price too
    expect(n1.cost!.monthly!.before).toBeCloseTo((51 * 2880 * 30) / 1_000_000, 6);
  });
});
