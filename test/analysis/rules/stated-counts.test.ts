// Iteration counts the code states (issue 13): a literal list counts only while it is what the loop walks (bound in
// a block around the loop, not grown before it), and a per-item database call over at most three stated items is not
// reported (`ids[:3]`, `LIMIT 3`), as serial-blocking-io already was not.
import { describe, expect, it } from '@jest/globals';
import { analyzeSource } from '../../../src/analysis/engine.js';
import { configSchema } from '../../../src/config/schema.js';

const config = configSchema().parse({ severity_threshold: 'info' });
const run = (content: string, rule: string) =>
  analyzeSource({ path: 'app/loader.py', content }, config, { onlyRules: [rule] }).findings.filter((f) => f.ruleId === rule);

const HEAD = `import psycopg2

conn = psycopg2.connect("dbname=app")
cur = conn.cursor()
`;

describe('stated iteration counts', () => {
  it('a one-item list bound under an `if` is not the count of every run', () => {
    const findings = run(
      `${HEAD}
def save_comments(record, entry_id):
    comments = record.get("comments")
    if not isinstance(comments, list):
        comments = [comments]
    for rank, text in enumerate(comments):
        cur.execute("INSERT INTO comment (entry_id, body, rank) VALUES (%s, %s, %s)", (entry_id, text, rank))
`,
      'write-per-row',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('(assumed)');
    expect(findings[0]!.message).not.toMatch(/\b1 round trips/);
  });

  it('a list grown before the loop has no stated length', () => {
    const findings = run(
      `${HEAD}
def save_names(scientific, common, taxon_id):
    names = [("scientific name", scientific)]
    if common:
        names.append(("common name", common))
    for name_class, name in names:
        cur.execute("INSERT INTO taxon_name (taxon_id, name, name_class) VALUES (%s, %s, %s)", (taxon_id, name, name_class))
`,
      'write-per-row',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('(assumed)');
  });

  it('a list bound around the loop and left alone is counted', () => {
    const findings = run(
      `${HEAD}
def save_defaults(taxon_id):
    names = [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)]
    for name_class, name in names:
        cur.execute("INSERT INTO taxon_name (taxon_id, name, name_class) VALUES (%s, %s, %s)", (taxon_id, name, name_class))
`,
      'write-per-row',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/\b5 round trips for 5 rows/);
  });

  it('at most three stated items: no N+1 and no write per row; more still count', () => {
    const source = (n: number) => `${HEAD}
def refresh(ids):
    for i in ids[:${n}]:
        cur.execute("SELECT name FROM users WHERE id = %s", (i,))
        row = cur.fetchone()
        cur.execute("UPDATE users SET seen = now() WHERE id = %s", (i,))
`;
    expect(run(source(3), 'query-in-loop')).toHaveLength(0);
    expect(run(source(3), 'write-per-row')).toHaveLength(0);
    expect(run(source(50), 'query-in-loop')).toHaveLength(1);
    expect(run(source(50), 'write-per-row')[0]!.message).toMatch(/\b50 round trips/);
  });

  it('a plain string literal is walked character by character', () => {
    const findings = run(
      `${HEAD}
def base_counts(matrix_id):
    counts = {}
    for base in "ACGT":
        cur.execute("SELECT val FROM matrix_data WHERE id = %s AND row = %s", (matrix_id, base))
        counts[base] = [r[0] for r in cur.fetchall()]
    return counts
`,
      'query-in-loop',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/\b4 round trips for 4 items/);
  });
});
