// serial-blocking-io, ack-before-success and check-then-act-race on Go and Java: what the sketches and patches
// say (the fixtures, run by optimize.test.ts and fix-bugs.test.ts, check where the rules fire).
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyFix } from '../../../src/fixes/apply.js';
import { fixturesDir, runRule } from '../../support/rule-tester.js';

const fixture = (rule: string, file: string): string => readFileSync(join(fixturesDir(rule), file), 'utf8');

describe('serial-blocking-io sketches', () => {
  it('Go: errgroup with SetLimit, the error return kept, shared map writes under a mutex', () => {
    const source = fixture('serial-blocking-io', 'bad.go');
    const [finding] = runRule('serial-blocking-io', 'quotes/bad.go', source);
    const code = finding!.fix!.code;
    expect(finding!.fix!.kind).toBe('block');
    expect(code).toContain('g.SetLimit(8)');
    expect(code).toContain('for _, sym := range symbols {\n');
    expect(code).toContain('\t\t\treturn err\n');
    expect(code).toMatch(/mu\.Lock\(\)\n\t\tout\[sym\] = q\n\t\tmu\.Unlock\(\)/);
    expect(code).toContain('if err := g.Wait(); err != nil {\n\treturn nil, err\n}');
  });

  it('Go: `continue` becomes `return nil` and a body without error returns waits without one', () => {
    const source = fixture('serial-blocking-io', 'bad.go');
    const finding = runRule('serial-blocking-io', 'quotes/bad.go', source).find((f) => f.message.includes('client.Do'))!;
    expect(finding.fix!.code).toContain('return nil\n');
    expect(finding.fix!.code).not.toContain('continue');
    expect(finding.fix!.code).toContain('_ = g.Wait()');
    expect(finding.fix!.code).not.toContain('mu.Lock');
  });

  it('Java: a fixed pool, futures waited for, and a warning when the body writes a shared map', () => {
    const source = fixture('serial-blocking-io', 'bad.java');
    const findings = runRule('serial-blocking-io', 'ProfileSync.java', source);
    const first = findings[0]!.fix!.code;
    expect(first).toContain('Executors.newFixedThreadPool(8)');
    expect(first).toContain('f.get();');
    expect(first).toContain('ConcurrentHashMap');
    const orders = findings.find((f) => f.message.includes('postForObject'))!.fix!.code;
    expect(orders).toContain('return null;\n            }');
    expect(orders).not.toContain('continue;');
  });

  it('stays quiet when a later statement feeds the request of the next iteration through a local', () => {
    const source = [
      'package p',
      '',
      'import "net/http"',
      '',
      'func pages(client *http.Client, ids []string) {',
      '\tcursor := ""',
      '\tfor _, id := range ids {',
      '\t\treq, _ := http.NewRequest("GET", "https://x.example.com/"+id+"?c="+cursor, nil)',
      '\t\tresp, err := client.Do(req)',
      '\t\tif err != nil {',
      '\t\t\treturn',
      '\t\t}',
      '\t\tcursor = resp.Header.Get("Next")',
      '\t}',
      '}',
      '',
    ].join('\n');
    expect(runRule('serial-blocking-io', 'p.go', source)).toEqual([]);
    // The same loop without the carried cursor is independent per item.
    const independent = source.replace('\t\tcursor = resp.Header.Get("Next")\n', '\t\tresp.Body.Close()\n');
    expect(runRule('serial-blocking-io', 'p.go', independent).map((f) => f.line)).toEqual([9]);
  });
});

describe('ack-before-success patches', () => {
  it('Go: moves the ack after the work and makes the failure branch skip it', () => {
    const source = fixture('ack-before-success', 'bad.go');
    const finding = runRule('ack-before-success', 'consumer/bad.go', source).find((f) => f.message.startsWith('`msg.Ack`'))!;
    expect(finding.fix).toMatchObject({ kind: 'replace', safety: 'safe' });
    const patched = applyFix(source, finding.fix!);
    expect(patched).toContain('\t\t\tlog.Printf("save failed: %v", err)\n\t\t\t// not acknowledged: the broker redelivers the message\n\t\t\tcontinue\n\t\t}\n\t\tmsg.Ack()\n');
  });

  it('Java: the ack in a finally becomes an ack at the end of the try, the failure rethrown', () => {
    const source = fixture('ack-before-success', 'bad.java');
    const finding = runRule('ack-before-success', 'Consumers.java', source).find((f) => f.message.includes('finally'))!;
    expect(finding.fix!.kind).toBe('block');
    expect(finding.fix!.code).toMatch(/getText\(\)\);\n {4}message\.acknowledge\(\);\n\} catch \(Exception e\)/);
  });

  it('a negative ack is not an ack', () => {
    const source = [
      'package p',
      '',
      'func drain(deliveries <-chan Delivery, h Handler) {',
      '\tfor d := range deliveries {',
      '\t\td.Nack(false, true)',
      '\t\th.Handle(d.Body)',
      '\t}',
      '}',
      '',
    ].join('\n');
    expect(runRule('ack-before-success', 'p.go', source)).toEqual([]);
  });
});

describe('check-then-act-race sketches', () => {
  it('Go: a conditional UPDATE checked with RowsAffected for the per-row check', () => {
    const source = fixture('check-then-act-race', 'bad.go');
    const finding = runRule('check-then-act-race', 'jobs/bad.go', source).find((f) => f.line === 48)!;
    expect(finding.fix!.code).toContain("WHERE id = $1 AND status = 'pending'");
    expect(finding.fix!.code).toContain('res.RowsAffected()');
  });

  it('Java: an atomic claim with FOR UPDATE SKIP LOCKED for rows selected by state', () => {
    const source = fixture('check-then-act-race', 'bad.java');
    const finding = runRule('check-then-act-race', 'JobRunner.java', source).find((f) => f.message.startsWith('Rows selected'))!;
    expect(finding.fix!.code).toContain('FOR UPDATE SKIP LOCKED');
    expect(finding.fix!.code).toContain("SET status = 'running'");
  });
});
