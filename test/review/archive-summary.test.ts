// A large change read through the archive path (COZE_LOOP_ARCHIVE_THRESHOLD files and more): the review's summary
// says how the changed files were read and which limit, if any, stopped the archive read, as it says what the review
// budget cut off. The whole pipeline against the GitHub and GitLab stand-ins on 127.0.0.1.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { noopMetrics } from '../../src/core/observability.js';
import { GitHubPlatform } from '../../src/platforms/github/github-platform.js';
import { ARCHIVE_READS_PER_MINUTE, GitLabPlatform } from '../../src/platforms/gitlab/gitlab-platform.js';
import { RateLimitGate } from '../../src/platforms/gitlab/rate-limit.js';
import { SUMMARY_MARKER, type ChangeRequestRef } from '../../src/platforms/platform.js';
import { ReviewBudget } from '../../src/review/budget.js';
import { runReview } from '../../src/review/pipeline.js';
import { FakeGitHub } from '../support/fake-github.js';
import { FakeGitLab } from '../support/fake-gitlab.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const deps = { logger: silent, metrics: noopMetrics, now: () => new Date('2026-12-05T08:00:00Z') };
const config = { ...DEFAULT_CONFIG, fail_on: 'none' as const };
const BASE = '1'.repeat(40);
const HEAD = '2'.repeat(40);
const POLLER = 'import time\n\ndef work(db):\n    while True:\n        db.poll()\n        time.sleep(30)\n';
const POLLER_PATCH = '@@ -0,0 +1,6 @@\n' + POLLER.trimEnd().split('\n').map((l) => `+${l}`).join('\n');

/** `count` changed Python files, the first a polling loop (so the review has a finding and writes its summary). */
function change(count: number): Array<{ path: string; content: string; patch: string }> {
  const files = [{ path: 'worker.py', content: POLLER, patch: POLLER_PATCH }];
  for (let i = 1; i < count; i++) files.push({ path: `pkg/m${String(i).padStart(3, '0')}.py`, content: `X${i} = ${i}\n`, patch: `@@ -0,0 +1 @@\n+X${i} = ${i}` });
  return files;
}

describe('the summary of a large change says how its files were read', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function github(threshold: number, count: number): Promise<{ summary: () => string | undefined; run: () => Promise<unknown>; fake: FakeGitHub }> {
    const fake = await new FakeGitHub().start();
    close = () => fake.close();
    const pull = fake.addPull({ number: 7, head: { sha: HEAD, ref: 'feature' }, base: { sha: BASE, ref: 'main' } });
    const files = change(count);
    pull.files = files.map((f) => ({ filename: f.path, status: 'added', patch: f.patch }));
    for (const f of files) fake.setContent(HEAD, f.path, f.content);
    const octokit = new Octokit({ auth: 'ghs_archive_summary', baseUrl: fake.url, log: silent });
    const platform = new GitHubPlatform(octokit, { baseUrl: fake.url, archiveThreshold: threshold });
    const cr: ChangeRequestRef = { platform: 'github', repo: fake.fullName, number: 7, baseSha: BASE, headSha: HEAD, baseRef: 'main' };
    return {
      fake,
      run: () => runReview(platform, cr, config, deps),
      summary: () => fake.issueComments.find((c) => c.body.includes(SUMMARY_MARKER))?.body,
    };
  }

  async function gitlab(threshold: number, count: number, gate?: RateLimitGate) {
    const fake = new FakeGitLab({ token: 'glpat-archive-summary' });
    await fake.start();
    close = () => fake.stop();
    const files = change(count);
    fake.addShopMergeRequest({
      baseSha: BASE,
      headSha: HEAD,
      added: files.map((f) => ({ path: f.path, diff: f.patch })),
      files: Object.fromEntries(files.map((f) => [f.path, f.content])),
    });
    const platform = new GitLabPlatform({ url: fake.url, token: 'glpat-archive-summary', archiveThreshold: threshold, ...(gate ? { rateLimitGate: gate } : {}) });
    const cr: ChangeRequestRef = { platform: 'gitlab', repo: '42', number: 5, baseSha: BASE, startSha: BASE, headSha: HEAD, baseRef: 'main' };
    return {
      fake,
      run: () => runReview(platform, cr, config, deps),
      summary: () => fake.notes(42, 5).find((n) => n.body.includes(SUMMARY_MARKER))?.body,
    };
  }

  it('GitHub: the files from one tarball, counted, under a heading that names the setting', async () => {
    const host = await github(5, 8);
    await host.run();
    expect(host.fake.requests.filter((r) => r.path.includes('/tarball/'))).toHaveLength(1);
    const summary = host.summary()!;
    expect(summary).toContain('**How the changed files were read**');
    expect(summary).toContain('`COZE_LOOP_ARCHIVE_THRESHOLD`');
    expect(summary).toContain('- 8 file(s) from one archive download, 0 in batched reads.');
    expect(summary).not.toContain('Archive limit reached');
  });

  it('GitHub: below the threshold nothing is said (the usual batched reads)', async () => {
    const host = await github(50, 8);
    await host.run();
    expect(host.fake.requests.filter((r) => r.path.includes('/tarball/'))).toHaveLength(0);
    expect(host.summary()).toBeDefined();
    expect(host.summary()).not.toContain('How the changed files were read');
  });

  it('GitLab: the files from one archive, counted', async () => {
    const host = await gitlab(5, 8);
    await host.run();
    expect(host.fake.requests.filter((r) => r.path.endsWith('/repository/archive.tar.gz'))).toHaveLength(1);
    expect(host.summary()).toContain('- 8 file(s) from one archive download, 0 in batched reads.');
  });

  it('GitLab: a failed download is said (without its error text), and every file is still reviewed', async () => {
    const host = await gitlab(5, 8);
    host.fake.failNext('GET', /\/repository\/archive/, 500, { message: '500 secret-looking internal detail' });
    const outcome = (await host.run()) as { findings: unknown[] };
    expect(outcome.findings.length).toBeGreaterThan(0);
    const summary = host.summary()!;
    expect(summary).toContain('- The archive could not be downloaded; all 8 file(s) were read in batches.');
    expect(summary).not.toContain('secret-looking');
  });

  it(`GitLab: past ${ARCHIVE_READS_PER_MINUTE} archive downloads a minute the summary says the files were read in batches and why`, async () => {
    const clock = Date.parse('2026-12-05T12:00:00Z');
    const gate = new RateLimitGate(() => clock);
    const host = await gitlab(5, 8, gate);
    // The same adapter serves every review of the instance: the fifth review within a minute reads in batches.
    for (let i = 0; i <= ARCHIVE_READS_PER_MINUTE; i++) await host.run();
    expect(host.fake.requests.filter((r) => r.path.endsWith('/repository/archive.tar.gz'))).toHaveLength(ARCHIVE_READS_PER_MINUTE);
    expect(host.summary()).toContain(`- The archive was not downloaded (archive downloads at their limit of ${ARCHIVE_READS_PER_MINUTE} a minute); all 8 file(s) were read in batches.`);
  });

  it('names the archive cap that stopped the read', () => {
    const budget = new ReviewBudget(config);
    expect(budget.readingLines()).toEqual([]);
    expect(budget.readingFellShort).toBe(false);
    budget.archive = { fromArchive: 5, batched: 15, limit: 'entries cap of 100000' };
    expect(budget.readingLines()).toEqual([
      '- 5 file(s) from one archive download, 15 in batched reads.',
      '- Archive limit reached (entries cap of 100000); the files it did not give were read in batches.',
    ]);
    expect(budget.readingFellShort).toBe(true);
    const zh = new ReviewBudget({ ...config, locale: 'zh-CN' });
    zh.archive = { fromArchive: 0, batched: 3, failed: true };
    expect(zh.readingLines()).toEqual(['- 归档无法下载；全部 3 个文件改为批量读取。']);
  });
});
