// The per-review budget (config `limits:`), issue 18: a pull request of 3,000 files, one with 9,000 findings and
// one whose fixed findings would need hundreds of API writes stay bounded, and the summary says what was cut off.
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { DEFAULT_CONFIG, type CozeLoopConfig } from '../../src/config/schema.js';
import type { AnalysisResult, Finding, SourceInput } from '../../src/core/types.js';
import { noopMetrics } from '../../src/core/observability.js';
import { makeFinding, newFilePatch, source } from '../support/findings.js';
import { MemoryPlatform } from '../support/memory-platform.js';

const found = new Map<string, Finding[]>();
const analysed: SourceInput[] = [];
jest.unstable_mockModule('../../src/analysis/engine.js', () => ({
  analyzeSource: (input: SourceInput): AnalysisResult => {
    analysed.push(input);
    return { findings: found.get(input.path) ?? [], skipped: [], notes: [], filesAnalyzed: 1 };
  },
}));
const { runReview } = await import('../../src/review/pipeline.js');
const { GITLAB_WRITE_COSTS } = await import('../../src/platforms/gitlab/gitlab-platform.js');
const { GITHUB_WRITE_COSTS } = await import('../../src/platforms/github/github-platform.js');

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const deps = { logger: silent, metrics: noopMetrics, now: () => new Date('2026-12-05T08:00:00Z') };

function config(limits: Partial<CozeLoopConfig['limits']> = {}): CozeLoopConfig {
  // One comment per finding: these tests count the writes of many findings of one rule in one file, which
  // review.group_repeats would fold into one comment (test/review/group-repeats.test.ts).
  return { ...DEFAULT_CONFIG, fail_on: 'none', review: { ...DEFAULT_CONFIG.review, group_repeats: 0 }, limits: { ...DEFAULT_CONFIG.limits, ...limits } };
}

/** Every call that creates or changes something on the host. */
function writes(host: MemoryPlatform): number {
  return host.reviews.length + host.summaryWrites + host.statuses.length + host.comments.reduce((n, c) => n + c.replies.length, 0);
}

beforeEach(() => {
  found.clear();
  analysed.length = 0;
});

describe('review budget', () => {
  it('caps a pull request of 3,000 files at max_files, fetching only those, and says so in the summary', async () => {
    const host = new MemoryPlatform();
    for (let i = 0; i < 3000; i++) host.setFile(`src/m${String(i).padStart(4, '0')}.py`, source(5), newFilePatch(5), 'added');
    let fetched = 0;
    const get = host.getFileContent.bind(host);
    host.getFileContent = async (...args) => {
      fetched++;
      return get(...args);
    };
    await runReview(host, host.cr(), config(), deps);
    expect(fetched).toBe(300);
    expect(analysed).toHaveLength(300);
    expect(host.summary).toContain('**Review budget reached**');
    expect(host.summary).toContain('2700 of 3000 files were not analysed (at most 300 files per review, `limits.max_files`)');
    expect(host.summary).toContain('over this review\'s budget (not analysed: max_files 300)');
    expect(writes(host)).toBeLessThanOrEqual(3);
  });

  it('keeps 9,000 findings to max_annotations annotations and a handful of writes', async () => {
    const host = new MemoryPlatform();
    host.setFile('big.py', source(9000), newFilePatch(9000), 'added');
    found.set('big.py', Array.from({ length: 9000 }, (_, i) => makeFinding('big.py', i + 1, { fingerprint: `fp${i}` })));
    await runReview(host, host.cr(), config(), deps);
    expect(host.statuses).toHaveLength(1);
    expect(host.statuses[0]!.annotations).toHaveLength(50);
    expect(host.reviews[0]!.comments).toHaveLength(DEFAULT_CONFIG.max_comments);
    expect(writes(host)).toBe(3);
    expect(host.summary).toContain('50 of 9000 findings are annotated on the check (`limits.max_annotations`)');
  });

  it('marks no more fixed comments than max_api_writes allows, and the next push goes on', async () => {
    const host = new MemoryPlatform();
    host.setFile('w.py', source(300), newFilePatch(300), 'added');
    found.set('w.py', Array.from({ length: 200 }, (_, i) => makeFinding('w.py', i + 1, { fingerprint: `old${i}` })));
    await runReview(host, host.cr(), config({ max_annotations: 0 }), deps);
    const posted = host.comments.length;
    expect(posted).toBe(DEFAULT_CONFIG.max_comments);
    found.set('w.py', []);
    const before = writes(host);
    await runReview(host, host.cr(), config({ max_api_writes: 10, max_annotations: 0 }), deps);
    expect(writes(host) - before).toBeLessThanOrEqual(10);
    expect(host.comments.filter((c) => c.resolved)).toHaveLength(7);
    expect(host.summary).toContain('18 earlier comment(s) whose finding is gone were not marked fixed in this push (`limits.max_api_writes`)');
    await runReview(host, host.cr(), config({ max_api_writes: 10, max_annotations: 0 }), deps);
    expect(host.comments.filter((c) => c.resolved)).toHaveLength(14);
  });

  it('counts a GitLab review as one write per discussion: comments past max_api_writes go to the summary, and says so', async () => {
    const host = Object.assign(new MemoryPlatform('gitlab'), { writeCosts: GITLAB_WRITE_COSTS });
    host.setFile('w.py', source(300), newFilePatch(300), 'added');
    found.set('w.py', Array.from({ length: 30 }, (_, i) => makeFinding('w.py', i + 1, { fingerprint: `gl${i}` })));
    await runReview(host, host.cr(), config({ max_api_writes: 10, max_annotations: 0 }), deps);
    // The summary note and the commit status are reserved; eight discussions fit in the other eight writes.
    expect(host.reviews[0]!.comments).toHaveLength(8);
    expect(host.reviews[0]!.comments.length + host.summaryWrites + host.statuses.length).toBe(10);
    expect(host.summary).toContain("17 finding(s) are listed below instead of commented inline: the host takes one request per comment and this review's writes are capped (`limits.max_api_writes`)");
    // All 22 findings not commented (17 over the writes, 5 over max_comments) are listed in the summary.
    expect(host.summary!.match(/^- \*\*warning\*\* /gm)?.length ?? 0).toBeGreaterThanOrEqual(22);
    // Marking fixed is a reply and a resolve on GitLab: 8 writes left mark 4 comments.
    found.set('w.py', []);
    await runReview(host, host.cr(), config({ max_api_writes: 10, max_annotations: 0 }), deps);
    expect(host.comments.filter((c) => c.resolved)).toHaveLength(4);
    expect(host.summary).toContain('4 earlier comment(s) whose finding is gone were not marked fixed');
  });

  it('counts a GitHub review as one write whatever its comments, and a fixed mark as three', async () => {
    const host = Object.assign(new MemoryPlatform('github'), { writeCosts: GITHUB_WRITE_COSTS });
    host.setFile('w.py', source(300), newFilePatch(300), 'added');
    found.set('w.py', Array.from({ length: 30 }, (_, i) => makeFinding('w.py', i + 1, { fingerprint: `gh${i}` })));
    await runReview(host, host.cr(), config({ max_api_writes: 10, max_annotations: 0 }), deps);
    expect(host.reviews[0]!.comments).toHaveLength(DEFAULT_CONFIG.max_comments);
    expect(host.summary).not.toContain('listed below instead of commented inline');
    found.set('w.py', []);
    await runReview(host, host.cr(), config({ max_api_writes: 10, max_annotations: 0 }), deps);
    expect(host.comments.filter((c) => c.resolved)).toHaveLength(2);
  });

  it('stops fetching after max_bytes of content', async () => {
    const host = new MemoryPlatform();
    const body = source(40);
    for (let i = 0; i < 6; i++) host.setFile(`f${i}.py`, body, newFilePatch(40), 'added');
    const perFile = Buffer.byteLength(body);
    await runReview(host, host.cr(), config({ max_bytes: perFile * 2 + 1 }), deps);
    expect(analysed).toHaveLength(2);
    expect(host.summary).toMatch(/- 4 file\(s\) were not analysed after \d+ bytes of content \(`limits.max_bytes`\)/);
  });
});
