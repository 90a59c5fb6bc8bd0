// Per-path overrides in the bots' review path (the CLI's is in test/cli/init-explain-overrides.test.ts): the same
// file under two paths, analysed with the real engine, judged by each path's settings.
import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config/load.js';
import { engineConfigFor } from '../../src/config/overrides.js';
import { analyseChangeSet } from '../../src/review/collect.js';
import { pythonPoller } from '../support/python-poller.js';

const POLLER = Buffer.from(pythonPoller());

describe('overrides in a review', () => {
  it('turns rules off, re-grades them and narrows targets only for the matching paths', () => {
    const config = parseConfig(
      ['targets: [optimize, fix-bugs]', 'overrides:', '  - files: ["tests/**"]', '    targets: [fix-bugs]', '    rules: { unguarded-worker-loop: off }', '  - files: ["legacy/**"]', '    targets: [readability]', '    rules: { commit-in-loop: error }', ''].join('\n'),
      '.github/coze-loop.yml',
      'en',
    );
    const files = ['src/jobs.py', 'tests/test_jobs.py', 'legacy/jobs.py'].map((path) => ({ path, status: 'added' as const, hunks: null, content: POLLER }));
    const analysis = analyseChangeSet(files, config);
    const byPath = Object.fromEntries(analysis.files.map((f) => [f.file.path, f.findings]));
    const src = byPath['src/jobs.py']!;
    expect(src.some((f) => f.ruleId === 'unguarded-worker-loop')).toBe(true);
    expect(src.some((f) => f.target === 'readability')).toBe(false);
    const tests = byPath['tests/test_jobs.py']!;
    expect(tests.length).toBeGreaterThan(0);
    expect(tests.every((f) => f.target === 'fix-bugs' && f.ruleId !== 'unguarded-worker-loop')).toBe(true);
    // A target the top level leaves out, switched on for one path.
    expect(byPath['legacy/jobs.py']!.length).toBeGreaterThan(0);
    expect(byPath['legacy/jobs.py']!.every((f) => f.target === 'readability')).toBe(true);
    expect(engineConfigFor(config).targets).toEqual(expect.arrayContaining(['optimize', 'fix-bugs', 'readability']));
  });
});

describe('overrides and the engine\'s own grading', () => {
  // A name-only guess and an N+1 read over a collection of unknown size: the engine grades both below the rule's
  // severity (low confidence; an assumed count) unless the config sets the rule's severity.
  const JOBS = Buffer.from(
    [
      'import psycopg2',
      '',
      'def refresh(cur, customer_ids):',
      '    for customer_id in customer_ids:',
      '        query_customer_orders(customer_id)',
      '    for customer_id in customer_ids:',
      '        cur.execute("SELECT * FROM orders WHERE customer_id = %s", (customer_id,))',
      '',
    ].join('\n'),
  );
  const grades = (yaml: string[], path: string) => {
    const config = parseConfig([...yaml, ''].join('\n'), '.github/coze-loop.yml', 'en');
    const analysis = analyseChangeSet([{ path, status: 'added' as const, hunks: null, content: JOBS }], config);
    return analysis.files[0]!.findings.filter((f) => f.ruleId === 'query-in-loop').map((f) => [f.line, f.confidence, f.severity]);
  };

  it('an override elsewhere does not make the top-level severity re-grade what the engine graded', () => {
    const topLevel = ['rules: { query-in-loop: warning }'];
    const expected = [
      [5, 'low', 'info'],
      [7, 'high', 'warning'],
    ];
    expect(grades(topLevel, 'app/jobs.py')).toEqual(expected);
    expect(grades([...topLevel, 'overrides:', '  - files: ["tests/**"]', '    rules: { index-loop: off }'], 'app/jobs.py')).toEqual(expected);
  });

  it("an override's own severity re-grades every finding of its rule on its paths", () => {
    const yaml = ['overrides:', '  - files: ["billing/**"]', '    rules: { query-in-loop: error }'];
    expect(grades(yaml, 'app/jobs.py')).toEqual([
      [5, 'low', 'info'],
      [7, 'high', 'info'],
    ]);
    expect(grades(yaml, 'billing/jobs.py')).toEqual([
      [5, 'low', 'error'],
      [7, 'high', 'error'],
    ]);
  });
});
