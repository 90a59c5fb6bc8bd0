// Precision on code in the wild (issue 13): per-item database calls that are not per-row work (schema walks, DDL,
// also inside a summarised helper, statement lists, one batch per group, one call per database, chunked loops, the
// serial branch of a serial/concurrent pair), sends on one open session, resource "leaks" that are not per
// iteration, and name-only guesses reported as hints. Each fixture under test/fixtures/precision/ marks the lines a rule must
// report (`ruleid: <id>[<variant>]`, the message variant asserted) next to the false positives it must not.
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeSource, getRule } from '../../../src/analysis/engine.js';
import { configSchema } from '../../../src/config/schema.js';
import { fill, PROJECT_ROOT, t } from '../../../src/core/i18n.js';
import type { Finding } from '../../../src/core/types.js';
import { parseSource } from '../../../src/analysis/parse.js';
import { readMarkers, runRule } from '../../support/rule-tester.js';

const DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'precision');
/** Variants whose English template, filled with the finding's data, starts its message (a summarised call's chain follows). */
function variantsOf(finding: Finding): string[] {
  const rule = getRule(finding.ruleId);
  return Object.entries(rule?.messages ?? {})
    .filter(([, text]) => finding.message.startsWith(fill(text.en, finding.data)))
    .map(([variant]) => variant);
}

/** The rule ids a fixture's markers name (`ruleid: a[variant], b`). */
function rulesIn(source: string): string[] {
  const ids = new Set<string>();
  for (const line of source.split('\n')) {
    const m = /(?:#|\/\/)\s*(?:ruleid|ok):\s*(.*)$/.exec(line);
    if (m) for (const part of m[1]!.split(',')) ids.add(/^\s*([a-z0-9-]*)/.exec(part)![1]!);
  }
  return [...ids].filter((id) => id !== '').sort();
}

const modules: string[] = [];
afterAll(() => {
  for (const root of modules) rmSync(root, { recursive: true, force: true });
});

/** `<tmp>/app/<file>` under a temporary `go.mod` with the given `go` directive. */
function goModulePath(file: string, directive: string): string {
  const root = mkdtempSync(join(tmpdir(), 'coze-loop-precision-'));
  modules.push(root);
  writeFileSync(join(root, 'go.mod'), `module example.com/fixture\n\n${directive}\n`);
  mkdirSync(join(root, 'app'));
  return join(root, 'app', file);
}

/**
 * A marked finding's severity: the rule's; its `assumed_count_severity` when the explanation says the count is assumed;
 * its variant's `variant_severity` for a graded variant (the marker names the variant).
 */
function expectedSeverity(ruleId: string, finding: Finding, variant: string): string {
  const rule = getRule(ruleId)!;
  const graded = rule.variant_severity?.[variant];
  if (graded) return graded.severity;
  const lower = rule.assumed_count_severity;
  if (lower === undefined) return rule.severity;
  return finding.explanation.includes(t('en', 'engine.count_assumed', { id: ruleId, severity: lower })) ? lower : rule.severity;
}

describe('precision fixtures', () => {
  for (const file of readdirSync(DIR).sort()) {
    const source = readFileSync(join(DIR, file), 'utf8');
    // A Go fixture whose rule reads the module's language version (loop-closure-capture before Go 1.22) says it in a
    // `// go.mod: go 1.21` line: it is analysed at a path under a temporary module with that directive.
    const directive = /^\/\/ go\.mod: (go \d+\.\d+)$/m.exec(source)?.[1];
    // A fixture whose rule reads the file's place in the project (a migrations folder) says it in a
    // `// analysed at: db/migrations/x.js` line (`#` in Python).
    const at = /^(?:\/\/|#) analysed at: (\S+)$/m.exec(source)?.[1];
    const path = directive ? goModulePath(file, directive) : at ?? `app/${file}`;
    // A fixture about what counts as test code says `// config: default`: it runs with the default `test_code`
    // (only fix-bugs rules report there), not with the fixtures' every-target one.
    const defaults = /^\/\/ config: default$/m.test(source);
    for (const ruleId of rulesIn(source)) {
      const markers = readMarkers(source, ruleId);
      it(`${file}: ${ruleId} reports exactly the marked lines, with the marked variants`, () => {
        const findings = defaults
          ? analyzeSource({ path, content: source }, configSchema().parse({ rules: { [ruleId]: 'on' }, severity_threshold: 'info' }), { onlyRules: [ruleId] }).findings.filter((f) => f.ruleId === ruleId)
          : runRule(ruleId, path, source);
        const lines = [...new Set(findings.map((f) => f.line))].sort((a, b) => a - b);
        expect(lines).toEqual(markers.expected);
        for (const line of markers.ok) expect(lines).not.toContain(line);
        for (const [line, variant] of markers.variants) {
          const finding = findings.find((f) => f.line === line)!;
          expect(variantsOf(finding)).toContain(variant);
          // Evidence from the API, SQL or a summary: reported at the rule's own severity, not demoted, unless the
          // rule grades an assumed iteration count lower and the finding's count is assumed (it then says so), or
          // grades the marked variant lower on measured precision.
          expect(finding.severity).toBe(expectedSeverity(ruleId, finding, variant));
        }
      });
    }
  }
});

// Test code (the default `test_code.paths`), where doubles replace the I/O: fixtures under
// test/fixtures/precision-test-code/, analysed at a test path with the default configuration.
describe('precision fixtures in test code', () => {
  const TEST_DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'precision-test-code');
  const config = configSchema().parse({ severity_threshold: 'info' });
  for (const file of readdirSync(TEST_DIR).sort()) {
    const source = readFileSync(join(TEST_DIR, file), 'utf8');
    for (const ruleId of rulesIn(source)) {
      const markers = readMarkers(source, ruleId);
      it(`${file}: ${ruleId} reports exactly the marked lines, with the marked variants`, () => {
        const findings = analyzeSource({ path: `tests/${file}`, content: source }, config, { onlyRules: [ruleId] }).findings.filter((f) => f.ruleId === ruleId);
        expect([...new Set(findings.map((f) => f.line))].sort((a, b) => a - b)).toEqual(markers.expected);
        for (const [line, variant] of markers.variants) expect(variantsOf(findings.find((f) => f.line === line)!)).toContain(variant);
      });
    }
  }
});

describe('name-only guesses', () => {
  const config = (threshold: 'info' | 'warning') => configSchema().parse({ severity_threshold: threshold });
  const GUESS = `
import psycopg2

def refresh(customer_ids):
    for customer_id in customer_ids:
        query_customer_orders(customer_id)
`;
  // The loop states its count (a slice of 500), so the API twin is a warning (an assumed count would make it a hint).
  const EVIDENCE = GUESS.replace('query_customer_orders(customer_id)', 'cur.execute("SELECT * FROM orders WHERE customer_id = %s", (customer_id,))').replace(
    'in customer_ids:',
    'in customer_ids[:500]:',
  );

  it('are info (the guessed variant says so), while the same loop with the API call stays a warning', () => {
    const guessed = analyzeSource({ path: 'app/jobs.py', content: GUESS }, config('info'), { onlyRules: ['query-in-loop'] }).findings;
    expect(guessed).toHaveLength(1);
    expect(guessed[0]!.confidence).toBe('low');
    expect(guessed[0]!.severity).toBe('info');
    expect(variantsOf(guessed[0]!)).toContain('guessed');
    const direct = analyzeSource({ path: 'app/jobs.py', content: EVIDENCE }, config('info'), { onlyRules: ['query-in-loop'] }).findings;
    expect(direct.map((f) => [f.severity, f.confidence])).toEqual([['warning', 'high']]);
  });

  it('fall under a warning threshold', () => {
    expect(analyzeSource({ path: 'app/jobs.py', content: GUESS }, config('warning'), { onlyRules: ['query-in-loop'] }).findings).toEqual([]);
    expect(analyzeSource({ path: 'app/jobs.py', content: EVIDENCE }, config('warning'), { onlyRules: ['query-in-loop'] }).findings).toHaveLength(1);
  });
});

describe('resource-leak-in-loop: the JavaScript sketch opens the resource as the code does', () => {
  const loop = (open: string[]) =>
    ['async function poll(hosts, pool) {', '  for (const h of hosts) {', ...open.map((l) => `    ${l}`), '    s.connect(80, h);', '  }', '}', ''].join('\n');

  it('keeps a constructor un-awaited (no `await new net.Socket()`) and parses', () => {
    const [leak] = runRule('resource-leak-in-loop', 'app/poll.js', loop(['const s = new net.Socket({', '  allowHalfOpen: true,', '});']));
    expect(leak?.fix?.kind).toBe('block');
    expect(leak?.fix?.code).toBe('const s = new net.Socket({\n  allowHalfOpen: true,\n});\ntry {\n  // use s\n} finally {\n  s.end();\n}\n');
    expect(leak?.fix?.code).not.toContain('await new');
    expect(parseSource('javascript', `async function f() {\n${leak!.fix!.code}}\n`).rootNode.hasError).toBe(false);
  });

  it('keeps an awaited checkout awaited', () => {
    const [leak] = runRule('resource-leak-in-loop', 'app/poll.js', loop(['const s = await pool.connect({', '  timeout: 5,', '});']).replace('s.connect(80, h)', 's.query(h)'));
    expect(leak?.fix?.code).toMatch(/^const s = await pool\.connect\(\{\n/);
    expect(leak?.fix?.code).toContain('} finally {\n  s.release();\n}');
  });
});

// Findings a detection lowers to a hint (Detection.severity): the fixture marks the line with no variant, this
// asserts the variant and the severity, and that a warning threshold drops them while the firing twin stays.
describe('lowered to info', () => {
  const LOWERED: Array<{ file: string; ruleId: string; variant: string }> = [
    { file: 'poll_one_result.py', ruleId: 'polling-fixed-interval', variant: 'one-result' },
    { file: 'shutdown_waits.py', ruleId: 'polling-fixed-interval', variant: 'one-result' },
    { file: 'OpenWhenReady.java', ruleId: 'polling-fixed-interval', variant: 'one-result' },
    { file: 'batched_requests.py', ruleId: 'serial-blocking-io', variant: 'batches' },
    { file: 'lazy_loaders.py', ruleId: 'serial-blocking-io', variant: 'yields' },
  ];
  for (const { file, ruleId, variant } of LOWERED) {
    it(`${file}: ${ruleId} reports the unmarked-variant lines as info (${variant}), the marked ones at the rule's severity`, () => {
      const source = readFileSync(join(DIR, file), 'utf8');
      const markers = readMarkers(source, ruleId);
      const findings = runRule(ruleId, `app/${file}`, source);
      const hints = findings.filter((f) => !markers.variants.has(f.line));
      expect(hints.length).toBeGreaterThan(0);
      for (const hint of hints) {
        expect(hint.severity).toBe('info');
        expect(variantsOf(hint)).toContain(variant);
      }
      // The repository sets the rule's severity, so an assumed count does not lower the marked lines too.
      const warning = configSchema().parse({ severity_threshold: 'warning', rules: { [ruleId]: 'warning' } });
      const kept = analyzeSource({ path: `app/${file}`, content: source }, warning, { onlyRules: [ruleId] }).findings.filter((f) => f.ruleId === ruleId);
      expect(kept.map((f) => f.line).sort((a, b) => a - b)).toEqual([...markers.variants.keys()].sort((a, b) => a - b));
    });
  }
});

describe('fire-and-forget-task: the `.catch` a `then` chain gets names the chain, not its callbacks', () => {
  it('labels the handler with the callee as displayed', () => {
    const source = ['export function warm(pool, entries) {', '  for (const e of entries) {', '    pool.validate(e.resource, (r) => { /* keep it */ return r; }).then((ok) => ok || pool.drop(e));', '  }', '}', ''].join('\n');
    const [dropped] = runRule('fire-and-forget-task', 'app/warm.js', source);
    expect(dropped?.fix?.description).toBe('pool.validate(...).then(...).catch(...)');
    expect(dropped?.fix?.code).toContain(".catch((err) => console.error('pool.validate(...).then failed', err));");
    expect(dropped?.fix?.code.split('keep it')).toHaveLength(2); // the callback's text once: where it was
  });
});
