// GitLab's rate limits on the review's writes (429, or 403 with RateLimit headers): the adapter waits what GitLab asks
// (Retry-After as seconds or an HTTP date, RateLimit-Reset), within bounded attempts and a bounded wait per review,
// then gives up that one write with a logged reason and goes on with the others. Against the GitLab stand-in on
// 127.0.0.1, on a virtual clock: the pauses are recorded, not slept.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { GitLabApiError, GitLabPlatform } from '../../../src/platforms/gitlab/gitlab-platform.js';
import {
  isRateLimited,
  MAX_RATE_LIMIT_PAUSE_MS,
  RATE_LIMIT_ATTEMPTS,
  RateLimitGate,
  rateLimitPauseMs,
  REVIEW_RATE_LIMIT_WAIT_MS,
} from '../../../src/platforms/gitlab/rate-limit.js';
import type { InlineComment } from '../../../src/platforms/platform.js';
import { FakeGitLab } from '../../support/fake-gitlab.js';
import { recordingLogger, type LogLine } from './support.js';

const TOKEN = 'glpat-rate-limit';
const BASE = '1'.repeat(40);
const HEAD = '2'.repeat(40);
const DISCUSSIONS = /\/discussions$/;

describe('rate-limit advice', () => {
  const now = Date.parse('2026-12-05T12:00:00Z');
  it.each([
    [{ 'retry-after': '7' }, 7_000],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after': 'Sat, 05 Dec 2026 12:00:09 GMT' }, 9_000],
    [{ 'retry-after': 'Sat, 05 Dec 2026 11:59:00 GMT' }, 0],
    [{ 'ratelimit-reset': String(now / 1000 + 12) }, 12_000],
    [{ 'retry-after': 'soon', 'ratelimit-reset': String(now / 1000 + 3) }, 3_000],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('reads %j as %p ms', (headers, expected) => {
    expect(rateLimitPauseMs(headers, now)).toBe(expected);
    expect(rateLimitPauseMs(new Headers(headers), now)).toBe(expected);
  });

  it('treats 429, and 403 with the headers of an exhausted limit, as the rate limit; a plain 403 is not', () => {
    expect(isRateLimited(429, {})).toBe(true);
    expect(isRateLimited(403, { 'ratelimit-remaining': '0' })).toBe(true);
    expect(isRateLimited(403, new Headers({ 'Retry-After': '60' }))).toBe(true);
    expect(isRateLimited(403, { 'ratelimit-remaining': '12' })).toBe(false);
    expect(isRateLimited(403, {})).toBe(false);
    expect(isRateLimited(500, { 'retry-after': '1' })).toBe(false);
  });
});

describe('GitLabPlatform writes under the rate limit', () => {
  let fake: FakeGitLab;
  let clock: number;
  let pauses: number[];
  let lines: LogLine[];
  const platform = (): GitLabPlatform => {
    const gate = new RateLimitGate(
      () => clock,
      async (ms) => {
        // Writes waiting together for one pause end at the same moment: the clock moves to the latest end once.
        const end = clock + ms;
        if (end > clock) pauses.push(ms);
        await Promise.resolve();
        clock = Math.max(clock, end);
      },
    );
    return new GitLabPlatform({ url: fake.url, token: TOKEN, rateLimitGate: gate, logger: recordingLogger(lines) });
  };
  const lines12 = Array.from({ length: 12 }, (_, i) => `x${i} = ${i}`);
  const patch = `@@ -0,0 +1,12 @@\n${lines12.map((l) => `+${l}`).join('\n')}\n`;
  const comment = (line: number): InlineComment => {
    const fingerprint = line.toString(16).padStart(16, '0');
    return { path: 'w.py', line, body: `finding ${line}\n\n<!-- coze-loop:fp:${fingerprint} -->`, fingerprint };
  };
  const cr = { platform: 'gitlab' as const, repo: '42', number: 5, baseSha: BASE, startSha: BASE, headSha: HEAD };
  const posts = () => fake.requests.filter((r) => r.method === 'POST' && DISCUSSIONS.test(r.path));

  beforeEach(async () => {
    clock = Date.parse('2026-12-05T12:00:00Z');
    pauses = [];
    lines = [];
    fake = new FakeGitLab({ token: TOKEN });
    await fake.start();
    fake.addProject({ id: 42, path: 'acme/shop', branchSha: BASE });
    fake.addMergeRequest({ projectId: 42, iid: 5, sourceBranch: 'f', targetBranch: 'main', baseSha: BASE, headSha: HEAD, author: { id: 7, username: 'dana' }, diffs: [{ old_path: 'w.py', new_path: 'w.py', new_file: true, diff: patch }] });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('waits the Retry-After GitLab sends on a 429, then posts every comment once', async () => {
    fake.failNext('POST', DISCUSSIONS, 429, { message: 'Retry later' }, 1, { 'Retry-After': '4' });
    const comments = Array.from({ length: 6 }, (_, i) => comment(i + 1));
    const result = await platform().publishReview(cr, { body: '', comments });
    expect(result.posted).toEqual(comments);
    expect(result.rejected).toEqual([]);
    expect(posts()).toHaveLength(7);
    expect(fake.notes(42, 5)).toHaveLength(6);
    // One pause of what GitLab asked, shared: the writes in flight wait for it too instead of asking again at once.
    expect(pauses.reduce((a, b) => a + b, 0)).toBe(4_000);
    expect(lines.filter((l) => l.msg?.startsWith('GitLab rate limit: waiting'))).toHaveLength(1);
  });

  it('honours a 403 with RateLimit headers and an HTTP-date Retry-After as a rate limit, not as a refusal', async () => {
    const at = new Date(clock + 9_000).toUTCString();
    fake.failNext('POST', DISCUSSIONS, 403, { message: 'Forbidden' }, 1, { 'Retry-After': at, 'RateLimit-Remaining': '0' });
    const result = await platform().publishReview(cr, { body: '', comments: [comment(1)] });
    expect(result.posted).toHaveLength(1);
    expect(pauses).toEqual([9_000]);
  });

  it('gives up one comment GitLab asks to hold longer than we wait, logs why, and posts the others', async () => {
    fake.failNext('POST', DISCUSSIONS, 429, { message: 'Retry later' }, 1, { 'Retry-After': '120' });
    const comments = Array.from({ length: 3 }, (_, i) => comment(i + 1));
    const result = await platform().publishReview(cr, { body: '', comments });
    expect(result.posted).toHaveLength(2);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]!.reason).toContain(`asks to wait 120 s, more than the ${MAX_RATE_LIMIT_PAUSE_MS / 1000} s we wait`);
    expect(pauses).toEqual([]);
    expect(lines.some((l) => l.level === 'warn' && l.msg?.includes('giving up on this call'))).toBe(true);
    expect(fake.notes(42, 5)).toHaveLength(2);
  });

  it(`tries one comment at most ${RATE_LIMIT_ATTEMPTS} times, doubling the pause when GitLab gives no advice`, async () => {
    fake.failNext('POST', DISCUSSIONS, 429, { message: 'Retry later' }, 10);
    const result = await platform().publishReview(cr, { body: '', comments: [comment(1)] });
    expect(result.posted).toEqual([]);
    expect(result.rejected[0]!.reason).toContain(`still rate limited after ${RATE_LIMIT_ATTEMPTS} attempts`);
    expect(posts()).toHaveLength(RATE_LIMIT_ATTEMPTS);
    expect(pauses).toEqual([1_000, 2_000]);
  });

  it(`stops waiting ${REVIEW_RATE_LIMIT_WAIT_MS / 1000} s after the review's first write: later comments fail at once`, async () => {
    fake.failNext('POST', DISCUSSIONS, 429, { message: 'Retry later' }, 100, { 'Retry-After': '29' });
    const started = clock;
    const comments = Array.from({ length: 8 }, (_, i) => comment(i + 1));
    const result = await platform().publishReview(cr, { body: '', comments });
    expect(result.posted).toEqual([]);
    expect(result.rejected.map((r) => r.comment)).toEqual(comments);
    // Every write waited at most until the review's deadline, then gave up with one of the two bounded reasons;
    // without the deadline each comment would take its three attempts (24 requests, 8 x 58 s of waiting).
    for (const { reason } of result.rejected) expect(reason).toMatch(/still rate limited after 3 attempts|the review's 60 s of waiting for the rate limit are spent/);
    expect(result.rejected.filter((r) => r.reason.includes("review's 60 s"))).not.toHaveLength(0);
    expect(posts().length).toBeLessThan(8 * RATE_LIMIT_ATTEMPTS);
    expect(clock - started).toBeLessThanOrEqual(REVIEW_RATE_LIMIT_WAIT_MS);
  });

  it('tries a rate-limited summary note or commit status once and hands GitLab\'s advice to the review, which retries it', async () => {
    fake.failNext('POST', /\/merge_requests\/5\/notes$/, 429, { message: 'Retry later' }, 5, { 'Retry-After': '300' });
    fake.failNext('POST', /\/statuses\//, 429, { message: 'Retry later' }, 5, { 'Retry-After': '300' });
    const gl = platform();
    await expect(gl.upsertSummary(cr, 'summary')).rejects.toMatchObject({ status: 429, rateLimited: true, retryAfterMs: 300_000 });
    await expect(gl.reportStatus(cr, { name: 'coze-loop', conclusion: 'success', title: 'No loop findings', summary: '' })).rejects.toMatchObject({ status: 429, rateLimited: true, retryAfterMs: 300_000 });
    // One request each, no pause of the adapter's own: the waits are the review's (test/review/rate-limited-writes.test.ts).
    expect(fake.requests.filter((r) => r.method === 'POST' && (/\/notes$/.test(r.path) || /\/statuses\//.test(r.path)))).toHaveLength(2);
    expect(pauses).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it('still fails the job on a refusal that is not the rate limit', async () => {
    fake.failNext('POST', /\/statuses\//, 403, { message: '403 Forbidden' });
    await expect(platform().reportStatus(cr, { name: 'coze-loop', conclusion: 'success', title: 't', summary: '' })).rejects.toMatchObject({ status: 403, rateLimited: false });
  });

  it('waits on reads too: a 429 on GET merge request is asked again after Retry-After', async () => {
    fake.failNext('GET', /\/merge_requests\/5$/, 429, { message: 'Retry later' }, 1, { 'RateLimit-Reset': String(Math.ceil(clock / 1000) + 2) });
    const mr = await platform().getChangeRequest('42', 5);
    expect(mr.ref.headSha).toBe(HEAD);
    expect(pauses).toEqual([2_000]);
    expect(new GitLabApiError('x', 429, 'y', true).rateLimited).toBe(true);
  });
});
