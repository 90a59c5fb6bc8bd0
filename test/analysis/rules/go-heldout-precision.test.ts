// Go precision on code nobody here wrote, held out from the earlier fixes (Debian's pgx, minio-go, go-systemd,
// redisc, gocql, raft sources): the warnings dropped there, each modelled here with a twin that must still fire.
// Unlike test/fixtures/precision (analysed as product code), these fixtures are analysed with the default
// `test_code` paths, so a `_test.go` or `*_tests.go` file is reviewed as test code.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSource, getRule } from '../../../src/analysis/engine.js';
import { configSchema } from '../../../src/config/schema.js';
import { fill, PROJECT_ROOT } from '../../../src/core/i18n.js';
import type { Finding } from '../../../src/core/types.js';
import { readMarkers } from '../../support/rule-tester.js';

const DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'go-heldout');

function variantsOf(finding: Finding): string[] {
  const rule = getRule(finding.ruleId);
  return Object.entries(rule?.messages ?? {})
    .filter(([, text]) => finding.message.startsWith(fill(text.en, finding.data)))
    .map(([variant]) => variant);
}

function check(file: string, ruleId: string): void {
  const source = readFileSync(join(DIR, file), 'utf8');
  const config = configSchema().parse({ severity_threshold: 'info' });
  const findings = analyzeSource({ path: `store/${file}`, content: source }, config, { onlyRules: [ruleId] }).findings.filter((f) => f.ruleId === ruleId);
  const markers = readMarkers(source, ruleId);
  expect(markers.expected.length).toBeGreaterThan(0);
  expect(markers.ok.length).toBeGreaterThan(0);
  expect([...new Set(findings.map((f) => f.line))].sort((a, b) => a - b)).toEqual(markers.expected);
  for (const [line, variant] of markers.variants) expect(variantsOf(findings.find((f) => f.line === line)!)).toContain(variant);
}

describe('Go test code by file name and by its failure returns', () => {
  it('a `*_tests.go` file is test code: the case table Close is dropped, the held Unlock kept', () => {
    check('upload_checks_tests.go', 'defer-in-loop');
  });

  it('a `return` after a failed check in test code does not leak; a `continue` past the Close still does', () => {
    check('upload_checks_tests.go', 'resource-leak-in-loop');
  });

  it('rows drained in a test that returns on a scan failure are closed; a `break` out of the drain loop is not', () => {
    check('rows_drain_test.go', 'resource-leak-in-loop');
  });

  it('the same files under another name are product code, where every one of those exits counts', () => {
    const source = readFileSync(join(DIR, 'upload_checks_tests.go'), 'utf8');
    const config = configSchema().parse({ severity_threshold: 'info' });
    const lines = (ruleId: string) => analyzeSource({ path: 'store/upload_checks.go', content: source }, config, { onlyRules: [ruleId] }).findings.map((f) => f.line);
    expect(lines('defer-in-loop')).toEqual([23, 30]);
    expect(lines('resource-leak-in-loop')).toEqual([37, 50]);
  });
});

describe('a receiver named only `cache`', () => {
  it('is a guess (info) for an in-process cache, a warning when the call reads the go-redis reply or the name says Redis', () => {
    const source = readFileSync(join(DIR, 'lookups.go'), 'utf8');
    // The rule's severity is set, so only the confidence grades (an assumed iteration count would make all three info).
    const config = configSchema().parse({ severity_threshold: 'info', rules: { 'query-in-loop': 'warning' } });
    const findings = analyzeSource({ path: 'pricing/lookups.go', content: source }, config, { onlyRules: ['query-in-loop'] }).findings;
    expect(findings.map((f) => [f.line, f.severity])).toEqual([
      [17, 'info'],
      [27, 'warning'],
      [39, 'warning'],
    ]);
    expect(variantsOf(findings[0]!)).toContain('guessed');
    expect(variantsOf(findings[1]!)).toContain('default');
  });
});

// goheld2 (certmagic, centrifuge, go-imap, go-smtp, cloud.google.com/go and more): centrifuge's in-memory broker
// expires streams off a `container/heap` queue, and `heap.Push` was read as a push to a server by a name guess.
describe('a name guess on a standard-library package', () => {
  it('does not stand: a goroutine that pops an in-memory heap is idle (info); one that pushes to a client package is not', () => {
    const source = readFileSync(join(DIR, 'expiry_heap.go'), 'utf8');
    const config = configSchema().parse({ severity_threshold: 'info' });
    const findings = analyzeSource({ path: 'memhub/expiry_heap.go', content: source }, config, { onlyRules: ['infinite-loop-no-exit'] }).findings;
    const line = (text: string) => source.split('\n').findIndex((l) => l.includes(text)) + 1;
    expect(findings.map((f) => [f.line, f.severity])).toEqual([
      [line('func (h *hub) expire()') + 1, 'info'],
      [line('func (h *hub) forward()') + 1, 'warning'],
    ]);
    expect(variantsOf(findings[0]!)).toContain('go-idle');
  });
});

// goheld3 (mongo-driver, badger, nats, alertmanager, elastic and more): a driver's benchmark harness times one
// insert or one lookup per iteration on purpose.
describe('a benchmark harness', () => {
  it('is test code under a `benchmark/` (or `benchmarks/`, `bench/`) directory; the same loop in a product package writes per row', () => {
    const source = readFileSync(join(DIR, 'insert_timings.go'), 'utf8');
    const config = configSchema().parse({ rules: { 'write-per-row': 'warning' } });
    const lines = (path: string) => analyzeSource({ path, content: source }, config, { onlyRules: ['write-per-row'] }).findings.map((f) => [f.line, f.severity]);
    const marked = readMarkers(source, 'write-per-row').expected;
    expect(marked).toHaveLength(1);
    expect(lines('store/insert_timings.go')).toEqual([[marked[0], 'warning']]);
    for (const dir of ['benchmark', 'benchmarks', 'bench']) expect(lines(`driver/${dir}/insert_timings.go`)).toEqual([]);
  });
});
