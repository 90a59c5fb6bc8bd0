// Precision on code in the wild: iteration counts say where they come from, test code is reported only for the
// targets `test_code` names, and a loop whose condition is constant false is no loop for any rule.
import { describe, expect, it } from '@jest/globals';
import { analyzeSource } from '../../../src/analysis/engine.js';
import { configSchema } from '../../../src/config/schema.js';

const config = (extra: Record<string, unknown> = {}) => configSchema().parse({ severity_threshold: 'info', ...extra });

const COMMITS = `
def save_all(conn, rows):
    for row in ITEMS:
        conn.execute("UPDATE orders SET done = 1 WHERE id = %s", (row,))
        conn.commit()
`;

describe('iteration counts', () => {
  const commitMessage = (source: string, locale: 'en' | 'zh-CN' = 'en') =>
    analyzeSource({ path: 'app/jobs.py', content: source }, config({ locale }), { onlyRules: ['commit-in-loop'] }).findings[0]?.message;

  it('takes the count from a literal tuple, a bare tuple, a list bound before the loop and range(N)', () => {
    expect(commitMessage(COMMITS.replace('ITEMS', '(a, b, c)'))).toMatch(/\b3 commits per batch/);
    expect(commitMessage(COMMITS.replace('ITEMS', 'a, b, c'))).toMatch(/\b3 commits per batch/);
    expect(commitMessage(COMMITS.replace('for row in ITEMS', 'regions = ["eu", "us", "ap", "sa"]\n    for row in regions'))).toMatch(/\b4 commits per batch/);
    expect(commitMessage(COMMITS.replace('ITEMS', 'range(0, 12)'))).toMatch(/\b12 commits per batch/);
    expect(commitMessage(COMMITS.replace('ITEMS', 'range(7)'))).toMatch(/\b7 commits per batch/);
  });

  it('labels the configured batch size as assumed when the code does not say (en and zh-CN)', () => {
    expect(commitMessage(COMMITS.replace('ITEMS', 'rows'))).toMatch(/100 \(assumed\) commits per batch/);
    expect(commitMessage(COMMITS.replace('ITEMS', 'rows'), 'zh-CN')).toContain('100（假设值）');
    expect(commitMessage(COMMITS.replace('ITEMS', '(a, b, c)'))).not.toContain('assumed');
  });
});

describe('test code', () => {
  const LOOP = `
import time

def wait_for(cur):
    while True:
        cur.execute("SELECT 1 FROM jobs WHERE status = 'new'")
        time.sleep(5)
    for key in cache:
        del cache[key]
`;
  const targets = (path: string, extra: Record<string, unknown> = {}) =>
    [...new Set(analyzeSource({ path, content: LOOP }, config(extra)).findings.map((f) => f.target))].sort();

  it('reports every target outside test code', () => {
    expect(targets('app/jobs.py')).toEqual(['fix-bugs', 'optimize', 'readability']);
  });

  it.each(['tests/test_jobs.py', 'pkg/test/helpers.py', 'jobs_test.py', 'conftest.py', 'pkg/test_jobs.py', 'src/__tests__/jobs.py'])(
    'reports only fix-bugs in %s by default',
    (path) => {
      expect(targets(path)).toEqual(['fix-bugs']);
    },
  );

  it('follows test_code.paths and test_code.targets from the config', () => {
    expect(targets('checks/jobs.py', { test_code: { paths: ['checks/**'] } })).toEqual(['fix-bugs']);
    expect(targets('tests/test_jobs.py', { test_code: { paths: [] } })).toEqual(['fix-bugs', 'optimize', 'readability']);
    expect(targets('tests/test_jobs.py', { test_code: { targets: ['fix-bugs', 'optimize'] } })).toEqual(['fix-bugs', 'optimize']);
  });

  it('matches JS/TS test files', () => {
    const js = `export async function f(ids, db) { for (const id of ids) { await db.query('SELECT * FROM t WHERE id = $1', [id]); } }\n`;
    const found = (path: string) => analyzeSource({ path, content: js }, config()).findings.filter((f) => f.target === 'optimize').length;
    expect(found('src/orders.ts')).toBeGreaterThan(0);
    expect(found('src/orders.test.ts')).toBe(0);
    expect(found('src/orders.spec.js')).toBe(0);
  });
});

describe('constant-false loop conditions', () => {
  it.each([
    ['app/a.py', 'def f(state):\n    while 0:\n        pass\n    while False:\n        for k in d:\n            del d[k]\n'],
    ['app/a.js', 'function f(state) {\n  while (false) { if (state.ready) continue; }\n  for (; false; ) { }\n}\n'],
  ])('are not loops for any rule: %s', (path, content) => {
    expect(analyzeSource({ path, content }, config()).findings).toEqual([]);
  });

  it('a live loop with the same body still reports', () => {
    const content = 'def f(state):\n    while not state.ready:\n        pass\n';
    expect(analyzeSource({ path: 'app/a.py', content }, config()).findings.map((f) => f.ruleId)).toContain('busy-wait');
  });
});
