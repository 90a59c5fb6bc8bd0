// review.group_repeats: repeats of one rule and variant in one file are posted as one comment that lists them, the
// comment stands for its group on later pushes, and is marked fixed only when none of the group is left.
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { DEFAULT_CONFIG, type CozeLoopConfig } from '../../src/config/schema.js';
import type { AnalysisResult, Finding, SourceInput } from '../../src/core/types.js';
import { noopMetrics } from '../../src/core/observability.js';
import { makeFinding, newFilePatch, source } from '../support/findings.js';
import { MemoryPlatform } from '../support/memory-platform.js';

const found = new Map<string, Finding[]>();
jest.unstable_mockModule('../../src/analysis/engine.js', () => ({
  analyzeSource: (input: SourceInput): AnalysisResult => ({ findings: found.get(input.path) ?? [], skipped: [], notes: [], filesAnalyzed: 1 }),
}));
const { runReview } = await import('../../src/review/pipeline.js');
const { groupKey, groupRepeats } = await import('../../src/review/group.js');

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const deps = { logger: silent, metrics: noopMetrics, now: () => new Date('2026-12-07T08:00:00Z') };

function config(review: Partial<CozeLoopConfig['review']> = {}): CozeLoopConfig {
  return { ...DEFAULT_CONFIG, fail_on: 'none', review: { ...DEFAULT_CONFIG.review, ...review } };
}

/** `count` findings of one rule and variant in `path`, ten lines apart from line 5. */
function repeats(path: string, count: number, overrides: Partial<Finding> = {}): Finding[] {
  return Array.from({ length: count }, (_, i) => {
    const line = 5 + i * 10;
    return makeFinding(path, line, { ruleId: 'fire-and-forget-task', target: 'fix-bugs', variant: 'promise', message: `Promise of \`save${i}()\` dropped at line ${line}`, ...overrides });
  });
}

beforeEach(() => found.clear());

describe('groupRepeats', () => {
  it('folds findings of one rule, variant and file from the threshold on, keeping the order of the heads', () => {
    const a = repeats('a.py', 3);
    const other = makeFinding('a.py', 90, { ruleId: 'query-in-loop' });
    const b = repeats('b.py', 2);
    const shrink = repeats('a.py', 1, { variant: 'shrink', ruleId: 'fire-and-forget-task' });
    const { heads, repeats: folded } = groupRepeats([a[2]!, other, a[0]!, ...b, a[1]!, ...shrink], 3);
    expect(heads).toEqual([a[2], other, ...b, ...shrink]);
    // The head is the first in posting order; the others are listed by line.
    expect(folded.get(a[2]!)).toEqual([a[0], a[1]]);
    expect(folded.size).toBe(1);
    expect(groupRepeats(a, 0).heads).toEqual(a);
    expect(groupRepeats(a, 4).heads).toEqual(a);
    expect(groupKey(a[0]!)).toBe(groupKey(a[1]!));
    expect(groupKey(a[0]!)).not.toBe(groupKey(shrink[0]!));
    expect(groupKey(a[0]!)).toMatch(/^g[0-9a-f]{32}$/);
  });
});

describe('runReview with review.group_repeats', () => {
  it('posts five repeats as one comment on the first that lists the other four, and counts them in the summary', async () => {
    const host = new MemoryPlatform();
    host.setFile('adapter.py', source(80), newFilePatch(80), 'added');
    const five = repeats('adapter.py', 5);
    found.set('adapter.py', [...five, makeFinding('adapter.py', 70, { ruleId: 'query-in-loop' })]);
    const outcome = await runReview(host, host.cr(), config(), deps);

    expect(host.reviews).toHaveLength(1);
    expect(host.reviews[0]!.comments.map((c) => c.line).sort((x, y) => x - y)).toEqual([5, 70]);
    const group = host.reviews[0]!.comments.find((c) => c.line === 5)!;
    expect(group.fingerprint).toBe(groupKey(five[0]!));
    expect(group.body).toContain('The same problem 4 more time(s) in this file');
    for (const f of five.slice(1)) expect(group.body).toContain(`- [line ${f.line}](`);
    expect(group.body).toContain('Promise of `save3()` dropped at line 35');
    // The marker stays the last thing in the body.
    expect(group.body.trimEnd().endsWith(`<!-- coze-loop:fp:${groupKey(five[0]!)} -->`)).toBe(true);
    expect(outcome).toMatchObject({ posted: 2, grouped: 4, alreadyCommented: 0 });
    expect(outcome.findings).toHaveLength(6);
    expect(host.summary).toContain('4 more finding(s) repeat the rule of an earlier one in the same file');
  });

  it('keeps standing for its group: a push that adds a repeat posts nothing new, one that removes all marks it fixed', async () => {
    const host = new MemoryPlatform();
    host.setFile('adapter.py', source(80), newFilePatch(80), 'added');
    const four = repeats('adapter.py', 4);
    found.set('adapter.py', four);
    await runReview(host, host.cr(), config(), deps);
    expect(host.comments).toHaveLength(1);

    host.headSha = 'head3333333333333333333333333333333333dd';
    host.setFile('adapter.py', source(80), newFilePatch(80), 'added');
    found.set('adapter.py', [...four.slice(1), ...repeats('adapter.py', 6).slice(4)]);
    const second = await runReview(host, host.cr(), config(), deps);
    expect(second).toMatchObject({ posted: 0, markedFixed: 0, alreadyCommented: 5 });
    expect(host.comments).toHaveLength(1);
    expect(host.comments[0]!.resolved).toBeFalsy();

    host.headSha = 'head4444444444444444444444444444444444ee';
    host.setFile('adapter.py', source(80), newFilePatch(80), 'added');
    found.set('adapter.py', [makeFinding('adapter.py', 70, { ruleId: 'query-in-loop' })]);
    const third = await runReview(host, host.cr(), config(), deps);
    expect(third).toMatchObject({ posted: 1, markedFixed: 1 });
    expect(host.comments.find((c) => c.fingerprint === groupKey(four[0]!))!.resolved).toBe(true);
  });

  it('posts each finding on its own below the threshold and with group_repeats: 0', async () => {
    const host = new MemoryPlatform();
    host.setFile('adapter.py', source(80), newFilePatch(80), 'added');
    found.set('adapter.py', repeats('adapter.py', 2));
    expect((await runReview(host, host.cr(), config(), deps)).posted).toBe(2);

    const off = new MemoryPlatform();
    off.setFile('adapter.py', source(80), newFilePatch(80), 'added');
    found.set('adapter.py', repeats('adapter.py', 5));
    const outcome = await runReview(off, off.cr(), config({ group_repeats: 0 }), deps);
    expect(outcome).toMatchObject({ posted: 5, grouped: 0 });
    expect(off.reviews[0]!.comments.every((c) => !c.body.includes('more time(s) in this file'))).toBe(true);
  });

  it('does not fold a finding that already has its own comment, and lists a refused group comment\'s repeats in the summary', async () => {
    const host = new MemoryPlatform();
    host.setFile('adapter.py', source(80), newFilePatch(80), 'added');
    const five = repeats('adapter.py', 5);
    found.set('adapter.py', five.slice(0, 1));
    await runReview(host, host.cr(), config(), deps);
    expect(host.comments.map((c) => c.fingerprint)).toEqual([five[0]!.fingerprint]);

    host.headSha = 'head5555555555555555555555555555555555ff';
    host.setFile('adapter.py', source(80), newFilePatch(80), 'added');
    found.set('adapter.py', five);
    const second = await runReview(host, host.cr(), config(), deps);
    // Four new repeats: one group comment on the first of them; the one commented earlier keeps its own comment.
    expect(second).toMatchObject({ posted: 1, grouped: 3, alreadyCommented: 1 });
    expect(host.reviews[1]!.comments[0]!.fingerprint).toBe(groupKey(five[1]!));

    const refusing = new MemoryPlatform();
    refusing.setFile('adapter.py', source(80), newFilePatch(80), 'added');
    refusing.publishReview = async (_cr, review) => ({ posted: [], rejected: review.comments.map((comment) => ({ comment, reason: 'line must be part of the diff' })) });
    found.set('adapter.py', five);
    const refused = await runReview(refusing, refusing.cr(), config(), deps);
    expect(refused).toMatchObject({ posted: 0, grouped: 0 });
    for (const f of five) expect(refusing.summary).toContain(`[adapter.py:${f.line}]`);
    expect(refusing.summary).toContain('refused as inline comments');
  });
});
