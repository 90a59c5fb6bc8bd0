// Go and Java suggestions: the retry rewrite of retry-without-backoff parses in its language once it sits in a
// function (Go) or a class (Java); unbounded-query adds LIMIT to the call as written.
import { describe, expect, it } from '@jest/globals';
import { parseSource } from '../../../src/analysis/parse.js';
import { braceBackoffSketch } from '../../../src/analysis/rules/quality/brace-retry.js';

describe('retry-without-backoff Go/Java rewrite', () => {
  it('Go: constants, a jittered delay, a ctx.Done() case and a cap', () => {
    const code = braceBackoffSketch('go', 'resp, err := client.Do(req)');
    expect(code).toMatch(/case <-ctx\.Done\(\):/);
    expect(code).toMatch(/backoff = min\(backoff\*2, backoffCap\)/);
    const body = code.split('\n');
    const consts = body.slice(0, body.indexOf(')') + 1).join('\n');
    const loop = body.slice(body.indexOf(')') + 1).join('\n');
    const file = `package p\n\n${consts}\n\nfunc f(ctx context.Context) error {\n\tvar err error\n${loop}\n\treturn nil\n}\n`;
    expect(parseSource('go', file).rootNode.hasError).toBe(false);
    expect(parseSource('go', file.replace('for attempt', 'for attempt {')).rootNode.hasError).toBe(true);
  });

  it('Java: fields and a loop that rethrows after the last attempt', () => {
    const code = braceBackoffSketch('java', 'return client.send(request, handler);');
    expect(code).toMatch(/if \(attempt >= MAX_ATTEMPTS\) throw e;/);
    const lines = code.split('\n');
    const fields = lines.filter((l) => l.startsWith('private static final')).join('\n');
    const loop = lines.filter((l) => !l.startsWith('private static final')).join('\n');
    const file = `class C {\n${fields}\n  void f() throws Exception {\n${loop}\n  }\n}\n`;
    expect(parseSource('java', file).rootNode.hasError).toBe(false);
  });
});

describe('unbounded-query Go/Java suggestion', () => {
  it('adds LIMIT to the call as written, in the language (no JavaScript `await`)', async () => {
    const { readFileSync } = await import('node:fs');
    const { runRule, fixturesDir } = await import('../../support/rule-tester.js');
    for (const [file, call] of [
      ['bad.go', `db.QueryContext(ctx, "SELECT id, payload FROM jobs WHERE status = 'pending' ORDER BY id LIMIT 100")`],
      ['bad.java', 'jdbc.queryForList("SELECT * FROM jobs LIMIT 100")'],
    ] as const) {
      const source = readFileSync(`${fixturesDir('unbounded-query')}/${file}`, 'utf8');
      const [finding] = runRule('unbounded-query', `rules/unbounded-query/fixtures/${file}`, source);
      expect(finding?.fix?.code).toContain(call);
      expect(finding?.fix?.code).not.toMatch(/\bawait\b/);
    }
  });
});
