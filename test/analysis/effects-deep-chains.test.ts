// Confidence follows the evidence (issue 13): a finding whose I/O sits two or more of the code's own functions below
// the loop (`load_one()` runs `cur.execute` through `_load()` → `_run()`) is a hint at low confidence, reported at
// info with the chain named and the `apis:` way to promote it; one function away it keeps the rule's severity.
import { describe, expect, it } from '@jest/globals';
import { analyzeSources } from '../../src/analysis/engine.js';
import { configSchema } from '../../src/config/schema.js';

const SOURCES: Record<string, string> = {
  'app/__init__.py': '',
  'app/store.py': [
    'def _run(cur, sql, params):',
    '    cur.execute(sql, params)',
    '    return cur.fetchone()',
    '',
    '',
    'def _load(cur, order_id):',
    '    return _run(cur, "SELECT total FROM orders WHERE id = %s", (order_id,))',
    '',
    '',
    'def load_one(cur, order_id):',
    '    return _load(cur, order_id)',
    '',
  ].join('\n'),
  'app/report.py': [
    'from app.store import _load, load_one',
    '',
    '',
    'def totals_near(cur, ids):',
    '    out = []',
    '    for order_id in ids:',
    '        out.append(_load(cur, order_id))',
    '    return out',
    '',
    '',
    'def totals_far(cur, ids):',
    '    out = []',
    '    for order_id in ids:',
    '        out.append(load_one(cur, order_id))',
    '    return out',
    '',
  ].join('\n'),
};

// The repository sets query-in-loop's severity, so what these tests see is the confidence's grading alone, not the
// assumed iteration count's (test/analysis/severity-calibration.test.ts).
function analyse(extra: Record<string, unknown> = {}) {
  const config = configSchema().parse({ severity_threshold: 'info', rules: { 'query-in-loop': 'warning' }, ...extra });
  const files = Object.entries(SOURCES).map(([path, content]) => ({ path, content }));
  return analyzeSources(files, config, { onlyRules: ['query-in-loop'], contextReader: (p) => SOURCES[p] }).findings.filter((f) => f.path === 'app/report.py');
}

describe('summary chains and confidence', () => {
  it('keeps the rule severity one function away and reports a chain through two functions as an info hint', () => {
    const findings = analyse();
    const near = findings.find((f) => f.line === 7);
    const far = findings.find((f) => f.line === 14);
    expect(near).toMatchObject({ severity: 'warning', confidence: 'medium' });
    expect(near!.message).toContain('`_load()` runs `cur.execute` (store.py:2) through `_run()`');
    expect(far).toMatchObject({ severity: 'info', confidence: 'low' });
    expect(far!.message).toContain('`load_one()` runs `cur.execute` (store.py:2) through `_load()` → `_run()`');
    expect(far!.explanation).toContain('Declare `load_one` under `apis:`');
    expect(far!.explanation).not.toContain('from its name only');
  });

  it('reports the far call at the rule severity once the repository declares it under apis:', () => {
    const far = analyse({ apis: { 'db-read': ['load_one'] } }).find((f) => f.line === 14);
    expect(far).toMatchObject({ severity: 'warning', confidence: 'high' });
  });
});
