// A summarised call can carry several kinds (a helper that connects, queries and commits): each finding names the
// chain to the call its rule is about, not the first one the summary met. Before, an N+1 query through
// `fetch_total()` said "`fetch_total()` runs `psycopg2.connect` (line 5)"; connection-in-loop and commit-in-loop
// likewise name the chain to the connect or the commit (hsqldb's script interpreter had its SELECT named).
import { describe, expect, it } from '@jest/globals';
import { analyzeSource } from '../../src/analysis/engine.js';
import { configSchema } from '../../src/config/schema.js';

const SOURCE = [
  'import psycopg2',
  '',
  '',
  'def fetch_total(dsn, order_id):',
  '    conn = psycopg2.connect(dsn)',
  '    try:',
  '        cur = conn.cursor()',
  '        cur.execute("SELECT total FROM orders WHERE id = %s", (order_id,))',
  '        return cur.fetchone()',
  '    finally:',
  '        conn.close()',
  '',
  '',
  'def totals(dsn, ids):',
  '    out = []',
  '    for order_id in ids:',
  '        out.append(fetch_total(dsn, order_id))',
  '    return out',
  '',
].join('\n');

describe('the chain a summarised finding names', () => {
  const config = configSchema().parse({ severity_threshold: 'info' });
  const findings = analyzeSource({ path: 'app/totals.py', content: SOURCE }, config).findings;

  it('names the query for an N+1 query, though the helper connects first', () => {
    const query = findings.find((f) => f.ruleId === 'query-in-loop' && f.line === 17);
    expect(query?.message).toContain('`fetch_total()` runs `cur.execute` (line 8)');
  });
});
