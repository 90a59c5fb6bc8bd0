import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { DEFAULT_CONFIG, type CozeLoopConfig } from '../../src/config/schema.js';
import type { AnalysisResult, Finding, SourceInput } from '../../src/core/types.js';
import { noopMetrics } from '../../src/core/observability.js';
import { addedBlockPatch, makeFinding, newFilePatch, source } from '../support/findings.js';
import { MemoryPlatform } from '../support/memory-platform.js';

// The engine is replaced so each test states exactly what was "found"; the pipeline's stages are what is tested.
const found = new Map<string, Finding[]>();
const analysed: SourceInput[] = [];
const failing = new Set<string>();
jest.unstable_mockModule('../../src/analysis/engine.js', () => ({
  analyzeSource: (input: SourceInput): AnalysisResult => {
    analysed.push(input);
    if (failing.has(input.path)) throw new Error('parser exploded');
    return { findings: found.get(input.path) ?? [], skipped: [], notes: [], filesAnalyzed: 1 };
  },
}));
const { runReview } = await import('../../src/review/pipeline.js');

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const deps = { logger: silent, metrics: noopMetrics, now: () => new Date('2026-11-23T08:00:00Z') };

function config(overrides: Partial<CozeLoopConfig> = {}): CozeLoopConfig {
  return { ...DEFAULT_CONFIG, fail_on: 'none', ...overrides };
}

beforeEach(() => {
  found.clear();
  analysed.length = 0;
  failing.clear();
});

describe('runReview: filter to the diff', () => {
  it('comments on findings anchored on added lines, summarises the rest of the change, counts untouched code', async () => {
    const host = new MemoryPlatform();
    host.setFile('worker.py', source(40), addedBlockPatch(10, 15));
    found.set('worker.py', [
      makeFinding('worker.py', 12),
      makeFinding('worker.py', 9, { ruleId: 'query-in-loop', loop: { startLine: 9, endLine: 14 } }),
      makeFinding('worker.py', 30, { ruleId: 'commit-in-loop', loop: { startLine: 30, endLine: 33 } }),
    ]);
    const outcome = await runReview(host, host.cr(), config(), deps);

    expect(host.reviews).toHaveLength(1);
    expect(host.reviews[0]!.comments.map((c) => [c.path, c.line])).toEqual([['worker.py', 12]]);
    expect(outcome).toMatchObject({ posted: 1, alreadyCommented: 0, inSummary: 1, markedFixed: 0, conclusion: 'neutral' });
    expect(outcome.findings.map((f) => f.ruleId).sort()).toEqual(['polling-fixed-interval', 'query-in-loop']);
    expect(host.summary).toContain('could not be placed on a diff line');
    expect(host.summary).toContain('[worker.py:9]');
    expect(host.summary).toContain('1 finding(s) in code this pull request does not touch');
    expect(host.summary).not.toContain('worker.py:30');
    expect(analysed[0]!.path).toBe('worker.py');
  });

  it('anchors on diff context lines with comment_on: context, and reports the whole file with comment_on: file', async () => {
    const host = new MemoryPlatform();
    host.setFile('worker.py', source(40), addedBlockPatch(10, 15));
    found.set('worker.py', [makeFinding('worker.py', 9, { loop: { startLine: 9, endLine: 14 } }), makeFinding('worker.py', 30, { ruleId: 'commit-in-loop' })]);
    await runReview(host, host.cr(), config({ review: { ...DEFAULT_CONFIG.review, comment_on: 'context' } }), deps);
    expect(host.reviews[0]!.comments.map((c) => c.line)).toEqual([9]);
    expect(host.summary).toContain('1 finding(s) in code this pull request does not touch');

    const whole = new MemoryPlatform();
    whole.setFile('worker.py', source(40), addedBlockPatch(10, 15));
    const outcome = await runReview(whole, whole.cr(), config({ review: { ...DEFAULT_CONFIG.review, comment_on: 'file' } }), deps);
    expect(whole.reviews[0]!.comments.map((c) => c.line)).toEqual([9]);
    expect(whole.summary).toContain('[worker.py:30]');
    expect(outcome.findings).toHaveLength(2);
  });

  it('skips removed, binary, vendored, excluded, unsupported and too-large files with reasons; a file without a patch is summarised', async () => {
    const host = new MemoryPlatform();
    host.setFile('gone.py', '', undefined, 'removed');
    host.files.push({ path: 'logo.png', status: 'added', binary: true }, { path: 'blob.py', status: 'added', binary: true });
    host.setFile('node_modules/lib/index.js', source(5), newFilePatch(5), 'added');
    host.setFile('dist/app.min.js', source(5), newFilePatch(5), 'added');
    host.setFile('migrations/0001.py', source(5), newFilePatch(5), 'added');
    host.setFile('README.md', '# hi\n', newFilePatch(1));
    host.setFile('huge.py', 'x = 1\n'.repeat(200), newFilePatch(200), 'added');
    host.setFile('big_diff.py', source(20), undefined);
    found.set('big_diff.py', [makeFinding('big_diff.py', 5)]);
    const outcome = await runReview(host, host.cr(), config({ exclude: ['migrations/**'], max_file_bytes: 1000 }), deps);

    expect(analysed.map((a) => a.path)).toEqual(['big_diff.py']);
    expect(host.reviews).toHaveLength(0);
    expect(outcome.inSummary).toBe(1);
    const summary = host.summary!;
    expect(summary).toContain('`gone.py`: removed in this pull request');
    expect(summary).toContain('`blob.py`: binary file');
    expect(summary).toContain('`node_modules/lib/index.js`: vendored or generated file');
    expect(summary).toContain('`dist/app.min.js`: vendored or generated file');
    expect(summary).toContain('`migrations/0001.py`: excluded by the configuration');
    expect(summary).toContain('`huge.py`: larger than the configured limit (1,000 bytes)');
    expect(summary).toContain('`big_diff.py`: the host omitted the diff');
    expect(summary).toContain('[big_diff.py:5]');
    expect(summary).not.toContain('README.md');
    expect(summary).not.toContain('logo.png');
  });

  it('keeps going when the engine fails on one file', async () => {
    const host = new MemoryPlatform();
    host.setFile('bad.py', source(10), newFilePatch(10), 'added');
    host.setFile('good.py', source(10), newFilePatch(10), 'added');
    failing.add('bad.py');
    found.set('good.py', [makeFinding('good.py', 2)]);
    const outcome = await runReview(host, host.cr(), config(), deps);
    expect(outcome.posted).toBe(1);
    expect(host.summary).toContain('`bad.py`: could not be analysed (parser exploded)');
  });
});

describe('runReview: compose', () => {
  it('caps inline comments at max_comments, most severe and costliest first, the rest in the summary', async () => {
    const host = new MemoryPlatform();
    host.setFile('jobs.py', source(60), newFilePatch(60), 'added');
    const money = (before: number) => ({
      metric: 'idle_queries_per_day', before, after: 0, unit: 'queries/day', formula: 'f', assumptions: [],
      monthly: { before, after: 0, currency: 'USD', formula: 'm' },
    });
    found.set('jobs.py', [
      makeFinding('jobs.py', 5, { severity: 'info', ruleId: 'magic-interval', target: 'readability' }),
      makeFinding('jobs.py', 10, { cost: money(3) }),
      makeFinding('jobs.py', 20, { cost: money(40) }),
      makeFinding('jobs.py', 30, { severity: 'error', ruleId: 'unguarded-worker-loop', target: 'fix-bugs' }),
    ]);
    const outcome = await runReview(host, host.cr(), config({ max_comments: 2 }), deps);
    expect(host.reviews[0]!.comments.map((c) => c.line)).toEqual([30, 20]);
    expect(outcome).toMatchObject({ posted: 2, inSummary: 2 });
    expect(host.summary).toContain('over the limit of 2 inline comments');
    expect(host.summary).toMatch(/over the limit[\s\S]*jobs\.py:10[\s\S]*jobs\.py:5/);
    expect(host.summary).toContain('About **43 USD/month** at stake across 2 finding(s)');
  });

  it('posts nothing twice: a second run on the same head edits the summary and adds no comment', async () => {
    const host = new MemoryPlatform();
    host.setFile('worker.py', source(40), addedBlockPatch(10, 20));
    found.set('worker.py', [makeFinding('worker.py', 12), makeFinding('worker.py', 18, { ruleId: 'commit-in-loop' })]);
    const first = await runReview(host, host.cr(), config(), deps);
    const second = await runReview(host, host.cr(), config(), deps);
    expect(first.posted).toBe(2);
    expect(second).toMatchObject({ posted: 0, alreadyCommented: 2, markedFixed: 0 });
    expect(host.reviews).toHaveLength(1);
    expect(host.comments).toHaveLength(2);
    expect(host.summaries).toHaveLength(1);
    expect(host.summary).toContain('0 new inline comment(s) in this push, 2 already commented earlier.');
  });

  it('comments on a moved finding only once: fingerprints, not line numbers', async () => {
    const host = new MemoryPlatform();
    host.setFile('worker.py', source(40), addedBlockPatch(10, 20));
    const moved = makeFinding('worker.py', 12);
    found.set('worker.py', [moved]);
    await runReview(host, host.cr(), config(), deps);
    host.headSha = 'head1111111111111111111111111111111111bb';
    host.setFile('worker.py', source(45), addedBlockPatch(15, 25));
    found.set('worker.py', [{ ...moved, line: 17, loop: { startLine: 17, endLine: 20 } }]);
    const outcome = await runReview(host, host.cr(), config(), deps);
    expect(outcome).toMatchObject({ posted: 0, alreadyCommented: 1, markedFixed: 0 });
  });

  it('gives two findings with the same fingerprint distinct markers', async () => {
    const host = new MemoryPlatform();
    host.setFile('a.py', source(20), newFilePatch(20), 'added');
    const one = makeFinding('a.py', 4, { ruleId: 'query-in-loop', loop: { startLine: 3, endLine: 8 } });
    found.set('a.py', [one, { ...one, line: 6 }]);
    await runReview(host, host.cr(), config(), deps);
    const fps = host.comments.map((c) => c.fingerprint);
    expect(fps).toEqual([one.fingerprint, `${one.fingerprint}n1`]);
    const again = await runReview(host, host.cr(), config(), deps);
    expect(again.posted).toBe(0);
  });

  it('moves comments the host refuses to the summary with its reason', async () => {
    const host = new MemoryPlatform();
    host.setFile('worker.py', source(40), addedBlockPatch(10, 20));
    found.set('worker.py', [makeFinding('worker.py', 12), makeFinding('worker.py', 18, { ruleId: 'commit-in-loop' })]);
    host.refuse.add('worker.py:18');
    const outcome = await runReview(host, host.cr(), config(), deps);
    expect(outcome).toMatchObject({ posted: 1, inSummary: 1 });
    expect(host.summary).toContain('refused as inline comments');
    expect(host.summary).toMatch(/commit-in-loop` \[worker\.py:18\][^\n]*\n {2}\(reason: Line could not be resolved\)/);
  });

  it('renders a suggestion only when the replaced range lies in one hunk, and spans the comment over it', async () => {
    const host = new MemoryPlatform();
    host.setFile('worker.py', source(60), `${addedBlockPatch(10, 20)}\n${addedBlockPatch(40, 42).replace('@@ -38,4 +38,7 @@', '@@ -27,4 +38,7 @@')}`);
    const fix = { kind: 'replace' as const, safety: 'safe' as const, description: 'sleep with backoff', language: 'python', code: '    wait(backoff)\n    poll()' };
    found.set('worker.py', [
      makeFinding('worker.py', 12, { loop: { startLine: 11, endLine: 16 }, fix: { ...fix, startLine: 12, endLine: 13 } }),
      makeFinding('worker.py', 41, { ruleId: 'commit-in-loop', loop: { startLine: 30, endLine: 45 }, fix: { ...fix, startLine: 35, endLine: 41 } }),
    ]);
    await runReview(host, host.cr(), config(), deps);
    const [inHunk, across] = host.reviews[0]!.comments.sort((a, b) => a.line - b.line);
    expect(inHunk).toMatchObject({ line: 13, startLine: 12 });
    expect(inHunk!.body).toContain('```suggestion\n    wait(backoff)\n    poll()\n```');
    expect(across).toMatchObject({ line: 41 });
    expect(across!.startLine).toBeUndefined();
    expect(across!.body).not.toContain('```suggestion');
    expect(across!.body).toContain('```python');
  });

  it('ends every comment with the hidden fingerprint marker (snapshot of what is posted)', async () => {
    const host = new MemoryPlatform();
    host.setFile('worker.py', source(40), addedBlockPatch(10, 20));
    found.set('worker.py', [
      makeFinding('worker.py', 12, {
        cost: { metric: 'idle_queries_per_day', before: 2880, after: 0, unit: 'queries/day', formula: '86,400 s/day / 30 s = 2,880', assumptions: [{ key: 'sleep_seconds', value: 30, unit: 's', source: 'code' }] },
        fix: { kind: 'block', safety: 'unsafe', description: 'wait on a notification', startLine: 12, endLine: 15, language: 'python', code: 'for event in listen():\n    handle(event)' },
      }),
    ]);
    await runReview(host, host.cr(), config(), deps);
    const body = host.reviews[0]!.comments[0]!.body;
    expect(body).toMatch(/\n\n<!-- coze-loop:fp:[0-9a-f]{16} -->$/);
    expect(host.reviews[0]).toMatchSnapshot();
  });
});

describe('runReview: fixed findings, summary, status', () => {
  it('marks comments fixed when their finding is gone from a file it looked at, and says so in the summary', async () => {
    const host = new MemoryPlatform();
    host.setFile('worker.py', source(40), addedBlockPatch(10, 20));
    host.setFile('other.py', source(40), addedBlockPatch(10, 20));
    found.set('worker.py', [makeFinding('worker.py', 12), makeFinding('worker.py', 18, { ruleId: 'commit-in-loop' })]);
    found.set('other.py', [makeFinding('other.py', 12)]);
    await runReview(host, host.cr(), config(), deps);

    host.headSha = 'head2222222222222222222222222222222222cc';
    host.setFile('worker.py', source(40), addedBlockPatch(10, 20));
    host.files = host.files.filter((f) => f.path !== 'other.py');
    host.files.push({ path: 'other.py', status: 'modified', binary: true });
    found.set('worker.py', [makeFinding('worker.py', 12)]);
    const outcome = await runReview(host, host.cr(), config(), deps);

    expect(outcome.markedFixed).toBe(1);
    const fixed = host.comments.find((c) => c.body.includes('commit-in-loop'))!;
    expect(fixed.resolved).toBe(true);
    expect(fixed.replies).toEqual(['Fixed in head222: this finding no longer appears.']);
    // other.py was not analysed this time (binary now): its comment is not claimed fixed.
    expect(host.comments.filter((c) => c.resolved)).toHaveLength(1);
    expect(host.summary).toContain('1 earlier finding(s) no longer appear and were marked fixed.');
    const third = await runReview(host, host.cr(), config(), deps);
    expect(third.markedFixed).toBe(0);
  });

  it('keeps one summary edited in place, and posts none for a change with nothing to say', async () => {
    const quiet = new MemoryPlatform();
    quiet.setFile('ok.py', source(10), newFilePatch(10), 'added');
    const outcome = await runReview(quiet, quiet.cr(), config(), deps);
    expect(quiet.summaryWrites).toBe(0);
    expect(outcome.conclusion).toBe('success');
    expect(quiet.statuses[0]).toMatchObject({ name: 'coze-loop', conclusion: 'success', title: 'No loop findings' });

    const host = new MemoryPlatform();
    host.setFile('worker.py', source(40), addedBlockPatch(10, 20));
    found.set('worker.py', [makeFinding('worker.py', 12)]);
    await runReview(host, host.cr(), config(), deps);
    host.headSha = 'head3333333333333333333333333333333333dd';
    host.setFile('worker.py', source(40), addedBlockPatch(10, 20));
    await runReview(host, host.cr(), config(), deps);
    expect(host.summaries).toHaveLength(1);
    expect(host.summaryWrites).toBe(2);
    expect(host.summary).toContain('Updated for head333');
  });

  it('concludes neutral by default, failure when findings reach fail_on, with one annotation per finding', async () => {
    const host = new MemoryPlatform();
    host.setFile('worker.py', source(40), addedBlockPatch(10, 20));
    found.set('worker.py', [makeFinding('worker.py', 12), makeFinding('worker.py', 9, { severity: 'error', ruleId: 'unguarded-worker-loop', target: 'fix-bugs', loop: { startLine: 9, endLine: 19 } })]);
    const neutral = await runReview(host, host.cr(), config(), deps);
    expect(neutral.conclusion).toBe('neutral');
    const status = host.statuses[0]!;
    expect(status.title).toBe('2 loop finding(s): 1 optimize, 0 readability, 1 fix-bugs');
    expect(status.summary).toContain('set `fail_on` in `.github/coze-loop.yml`');
    expect(status.summary).not.toContain('<!--');
    expect(status.annotations).toEqual([
      { path: 'worker.py', startLine: 9, endLine: 9, level: 'failure', title: 'unguarded-worker-loop (fix-bugs)', message: 'Loop at line 9 polls the database every 30 s' },
      { path: 'worker.py', startLine: 12, endLine: 12, level: 'warning', title: 'polling-fixed-interval (optimize)', message: 'Loop at line 12 polls the database every 30 s' },
    ]);
    expect((await runReview(host, host.cr(), config({ fail_on: 'error' }), deps)).conclusion).toBe('failure');
    found.set('worker.py', [makeFinding('worker.py', 12)]);
    expect((await runReview(host, host.cr(), config({ fail_on: 'error' }), deps)).conclusion).toBe('neutral');
  });

  it('writes the summary in the configured locale (snapshots, en and zh-CN)', async () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      const host = new MemoryPlatform();
      host.setFile('worker.py', source(40), addedBlockPatch(10, 20));
      host.setFile('vendor/x.py', source(3), newFilePatch(3), 'added');
      found.set('worker.py', [
        makeFinding('worker.py', 12, { cost: { metric: 'idle_queries_per_day', before: 2880, after: 0, unit: 'queries/day', formula: 'f', assumptions: [], monthly: { before: 1.5, after: 0, currency: 'USD', formula: 'm' } } }),
        makeFinding('worker.py', 9, { ruleId: 'query-in-loop', loop: { startLine: 9, endLine: 14 } }),
      ]);
      await runReview(host, host.cr(), config({ locale }), deps);
      expect(host.summary).toMatchSnapshot(locale);
    }
  });
});
