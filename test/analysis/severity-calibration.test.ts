// Severity follows measured precision (docs/engine.md): an N+1-family finding whose iteration count the code does not
// state is reported at the rule's `assumed_count_severity` (info), says why, and is a warning again when the code
// states the count or the repository's config sets the rule's severity.
import { describe, expect, it } from '@jest/globals';
import { analyzeSource, getRule, renderRuleDocs } from '../../src/analysis/engine.js';
import { configSchema } from '../../src/config/schema.js';
import { t } from '../../src/core/i18n.js';
import type { Finding } from '../../src/core/types.js';

const N_PLUS_ONE = ['query-in-loop', 'write-per-row', 'serial-blocking-io', 'commit-in-loop', 'connection-in-loop'];

function run(path: string, content: string, rules: Record<string, unknown> = {}, threshold: 'info' | 'warning' = 'info'): Finding[] {
  return analyzeSource({ path, content }, configSchema().parse({ severity_threshold: threshold, rules })).findings;
}

function only(findings: Finding[], ruleId: string): Finding {
  const mine = findings.filter((f) => f.ruleId === ruleId);
  expect(mine).toHaveLength(1);
  return mine[0]!;
}

const saysAssumed = (f: Finding) => f.explanation.includes(t('en', 'engine.count_assumed', { id: f.ruleId, severity: 'info' }));

const PY_READS = (iterable: string) => `
def refresh(cur, customer_ids):
    for customer_id in ${iterable}:
        cur.execute("SELECT * FROM orders WHERE customer_id = %s", (customer_id,))
`;

describe('severity of an assumed iteration count', () => {
  it('every N+1-family rule grades an assumed count at info, below its own severity', () => {
    for (const id of N_PLUS_ONE) {
      const rule = getRule(id)!;
      expect([rule.severity, rule.assumed_count_severity]).toEqual(['warning', 'info']);
    }
    // The rules whose findings reviewers keep do not.
    for (const id of ['unguarded-worker-loop', 'resource-leak-in-loop', 'fire-and-forget-task', 'defer-in-loop', 'polling-fixed-interval']) {
      expect(getRule(id)!.assumed_count_severity).toBeUndefined();
    }
  });

  it('reports a loop over a collection of unknown size at info, with the reason and the way back to a warning', () => {
    const finding = only(run('app/jobs.py', PY_READS('customer_ids')), 'query-in-loop');
    expect([finding.severity, finding.confidence]).toEqual(['info', 'high']);
    expect(finding.message).toContain('100 (assumed)');
    expect(saysAssumed(finding)).toBe(true);
    expect(finding.explanation).toContain('`rules: { query-in-loop: warning }`');
    // Still reported with its cost and patch: nothing is dropped.
    expect(finding.cost?.before).toBe(100);
    expect(finding.fix).toBeDefined();
  });

  it('keeps the warning when the code states the count', () => {
    for (const iterable of ['customer_ids[:500]', 'range(500)']) {
      const finding = only(run('app/jobs.py', PY_READS(iterable)), 'query-in-loop');
      expect(finding.severity).toBe('warning');
      expect(saysAssumed(finding)).toBe(false);
    }
  });

  it("keeps the severity the repository's config sets for the rule", () => {
    expect(only(run('app/jobs.py', PY_READS('customer_ids'), { 'query-in-loop': 'warning' }), 'query-in-loop').severity).toBe('warning');
    expect(only(run('app/jobs.py', PY_READS('customer_ids'), { 'query-in-loop': { severity: 'error' } }), 'query-in-loop').severity).toBe('error');
    const switchedOn = only(run('app/jobs.py', PY_READS('customer_ids'), { 'query-in-loop': 'on' }), 'query-in-loop');
    expect(switchedOn.severity).toBe('info');
  });

  it('says it only when the count is what lowers the finding: a name-only guess is a hint already and says why', () => {
    const guess = only(run('app/jobs.py', 'import psycopg2\n\ndef refresh(customer_ids):\n    for customer_id in customer_ids:\n        query_customer_orders(customer_id)\n'), 'query-in-loop');
    expect([guess.severity, guess.confidence]).toEqual(['info', 'low']);
    expect(saysAssumed(guess)).toBe(false);
  });

  it('falls under a warning threshold, while a stated count stays', () => {
    expect(run('app/jobs.py', PY_READS('customer_ids'), {}, 'warning').filter((f) => f.ruleId === 'query-in-loop')).toEqual([]);
    expect(run('app/jobs.py', PY_READS('range(500)'), {}, 'warning').filter((f) => f.ruleId === 'query-in-loop')).toHaveLength(1);
  });

  it('applies in every language and rule of the family', () => {
    const js = only(
      run('app/sync.js', `async function sync(db, rows) {\n  for (const row of rows) {\n    await db.query('UPDATE t SET x = $1 WHERE id = $2', [row.x, row.id]);\n  }\n}\n`),
      'write-per-row',
    );
    expect([js.severity, saysAssumed(js)]).toEqual(['info', true]);
    const go = only(
      run(
        'app/fetch.go',
        'package app\n\nimport "net/http"\n\nfunc fetchAll(urls []string) {\n\tfor _, u := range urls {\n\t\tresp, err := http.Get(u)\n\t\tif err != nil {\n\t\t\tcontinue\n\t\t}\n\t\tresp.Body.Close()\n\t}\n}\n',
      ),
      'serial-blocking-io',
    );
    expect([go.severity, saysAssumed(go)]).toEqual(['info', true]);
    const commits = only(
      run('app/load.py', 'def load(conn, rows):\n    cur = conn.cursor()\n    for row in rows:\n        cur.execute("INSERT INTO t VALUES (%s)", (row,))\n        conn.commit()\n'),
      'commit-in-loop',
    );
    expect([commits.severity, saysAssumed(commits)]).toEqual(['info', true]);
  });

  it('leaves per-item calls inside a poller warnings: they repeat on every poll, over the backlog its read returns', () => {
    const poller = `
import time

def sync_forever(cur):
    while True:
        cur.execute("SELECT id, customer_id FROM orders WHERE status = 'paid'")
        for order in cur.fetchall():
            cur.execute("SELECT * FROM customers WHERE id = %s", (order[1],))
        time.sleep(30)
`;
    const finding = only(run('app/sync.py', poller), 'query-in-loop');
    expect(finding.message).toContain('(assumed)');
    expect(finding.severity).toBe('warning');
    expect(saysAssumed(finding)).toBe(false);
    // The same loop run once (no poller around it) is graded as any other.
    const once = only(run('app/sync.py', poller.replace('while True:', 'if True:').replace('time.sleep(30)', 'pass')), 'query-in-loop');
    expect([once.severity, saysAssumed(once)]).toEqual(['info', true]);
  });

  it('leaves a connection per poll a warning: its cost does not depend on the data', () => {
    const poller = `
import time
import psycopg2

def watch(dsn):
    while True:
        conn = psycopg2.connect(dsn)
        try:
            conn.cursor().execute("SELECT 1")
        finally:
            conn.close()
        time.sleep(5)
`;
    const finding = only(run('app/watch.py', poller), 'connection-in-loop');
    expect(finding.severity).toBe('warning');
    expect(saysAssumed(finding)).toBe(false);
  });

  it('says it on the rule page', () => {
    expect(renderRuleDocs(getRule('query-in-loop')!, 'en')).toContain('`warning` (`info` when the item count is assumed and the loop is not inside a poller)');
    expect(renderRuleDocs(getRule('defer-in-loop')!, 'en')).not.toContain('when the item count is assumed');
  });
});
