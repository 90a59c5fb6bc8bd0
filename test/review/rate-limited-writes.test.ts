// The summary and status writes after a rate limit (GitLab 429, GitHub secondary rate limit): tried again after the
// wait the host asks for, a bounded number of times and never past the job's deadline; still refused, given up with
// one log line (no token) while the review and its posted comments stand. The whole pipeline against the GitHub and
// GitLab stand-ins on 127.0.0.1, on a virtual clock (waits are recorded, not slept).
import { afterEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { noopMetrics, type Logger } from '../../src/core/observability.js';
import { githubRateLimit, GitHubApiError, GitHubPlatform, SECONDARY_RATE_LIMIT_WAIT_MS } from '../../src/platforms/github/github-platform.js';
import { GitLabPlatform } from '../../src/platforms/gitlab/gitlab-platform.js';
import { RateLimitGate } from '../../src/platforms/gitlab/rate-limit.js';
import { rateLimitOf, SUMMARY_MARKER, type ChangeRequestRef } from '../../src/platforms/platform.js';
import { runReview, type ReviewDeps } from '../../src/review/pipeline.js';
import { RATE_LIMITED_WRITE_ATTEMPTS, writeHonouringRateLimit } from '../../src/review/rate-limited-write.js';
import { FakeGitHub } from '../support/fake-github.js';
import { FakeGitLab } from '../support/fake-gitlab.js';

const BASE = '1'.repeat(40);
const HEAD = '2'.repeat(40);
const GH_TOKEN = 'ghs_rate_limited_writes_token';
const GL_TOKEN = 'glpat-rate-limited-writes';
const POLLER = 'import time\n\ndef work(db):\n    while True:\n        db.poll()\n        time.sleep(30)\n';
const POLLER_PATCH = '@@ -0,0 +1,6 @@\n' + POLLER.trimEnd().split('\n').map((l) => `+${l}`).join('\n');
// Hints posted inline too: these tests are about the comments' shape, not which severities are posted.
const config = { ...DEFAULT_CONFIG, fail_on: 'none' as const, review: { ...DEFAULT_CONFIG.review, inline_severity: 'info' as const } };

interface Line {
  level: string;
  obj: Record<string, unknown>;
  msg: string;
}

function recorder(lines: Line[]): Logger {
  const at =
    (level: string, bound: Record<string, unknown>) =>
    (obj: unknown, msg?: string): void => {
      lines.push(typeof obj === 'string' ? { level, obj: bound, msg: obj } : { level, obj: { ...bound, ...(obj as Record<string, unknown>) }, msg: msg ?? '' });
    };
  const make = (bound: Record<string, unknown>): Logger => ({ debug: at('debug', bound), info: at('info', bound), warn: at('warn', bound), error: at('error', bound), child: (more) => make({ ...bound, ...more }) }) as Logger;
  return make({});
}

/** A virtual clock: `sleep` moves it and records the wait. */
function virtualTime(start = Date.parse('2026-12-05T12:00:00Z')) {
  const state = { now: start, waits: [] as number[] };
  return {
    state,
    waits: {
      now: () => state.now,
      sleep: async (ms: number) => {
        state.waits.push(ms);
        state.now += ms;
      },
    },
  };
}

describe('GitHub rate-limit refusals, as the adapter reads them', () => {
  const refusal = (status: number, message: string, headers: Record<string, string> = {}) => Object.assign(new Error(message), { status, response: { headers, data: { message } } });
  it('reads Retry-After, the primary reset, or GitHub\'s one-minute advice; a plain 403 is not a rate limit', () => {
    const now = Date.parse('2026-12-05T12:00:00Z');
    expect(githubRateLimit(refusal(403, 'You have exceeded a secondary rate limit', { 'retry-after': '7' }), now)).toEqual({ retryAfterMs: 7_000 });
    expect(githubRateLimit(refusal(403, 'You have exceeded a secondary rate limit'), now)).toEqual({ retryAfterMs: SECONDARY_RATE_LIMIT_WAIT_MS });
    expect(githubRateLimit(refusal(429, 'Too many requests'), now)).toEqual({ retryAfterMs: SECONDARY_RATE_LIMIT_WAIT_MS });
    expect(githubRateLimit(refusal(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 30) }), now)).toEqual({ retryAfterMs: 31_000 });
    expect(githubRateLimit(refusal(403, 'Resource not accessible by integration'), now)).toBeUndefined();
    expect(githubRateLimit(refusal(422, 'secondary rate limit', { 'retry-after': '1' }), now)).toBeUndefined();
    expect(rateLimitOf(new GitHubApiError('x', 403, true, 5_000))).toEqual({ retryAfterMs: 5_000, status: 403 });
    expect(rateLimitOf(new GitHubApiError('x', 403))).toBeUndefined();
  });
});

describe('writeHonouringRateLimit', () => {
  const limited = (retryAfterMs?: number) => Object.assign(new Error('limited'), { rateLimited: true, status: 429, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });

  it(`gives up after ${RATE_LIMITED_WRITE_ATTEMPTS} attempts, and never starts a wait past the deadline`, async () => {
    const lines: Line[] = [];
    const time = virtualTime();
    let calls = 0;
    const always = async () => {
      calls++;
      throw limited(2_000);
    };
    expect(await writeHonouringRateLimit('summary', always, { logger: recorder(lines), deadline: time.state.now + 600_000, ...time.waits })).toBe(false);
    expect(calls).toBe(RATE_LIMITED_WRITE_ATTEMPTS);
    expect(time.state.waits).toEqual([2_000, 2_000]);
    calls = 0;
    time.state.waits.length = 0;
    expect(await writeHonouringRateLimit('status', always, { logger: recorder(lines), deadline: time.state.now + 1_000, ...time.waits })).toBe(false);
    expect(calls).toBe(1);
    expect(time.state.waits).toEqual([]);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.obj.reason)).toEqual(['still rate limited after 3 attempts', "the host asks to wait 2 s, past the job's deadline"]);
  });

  it('doubles from a second without advice, stops when the job is aborted, and rethrows what is not a rate limit', async () => {
    const time = virtualTime();
    const lines: Line[] = [];
    let calls = 0;
    const twice = async () => {
      if (++calls <= 2) throw limited();
    };
    expect(await writeHonouringRateLimit('summary', twice, { logger: recorder(lines), deadline: time.state.now + 60_000, ...time.waits })).toBe(true);
    expect(time.state.waits).toEqual([1_000, 2_000]);
    const controller = new AbortController();
    controller.abort(new Error('shutdown'));
    expect(await writeHonouringRateLimit('status', async () => Promise.reject(limited(10)), { logger: recorder(lines), deadline: Infinity, signal: controller.signal })).toBe(false);
    await expect(writeHonouringRateLimit('status', async () => Promise.reject(Object.assign(new Error('boom'), { status: 500 })), { logger: recorder(lines), deadline: Infinity })).rejects.toThrow('boom');
  });
});

describe('runReview: the summary and status after a rate limit', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function github(lines: Line[]) {
    const fake = await new FakeGitHub().start();
    close = () => fake.close();
    const pull = fake.addPull({ number: 7, head: { sha: HEAD, ref: 'feature' }, base: { sha: BASE, ref: 'main' } });
    pull.files = [{ filename: 'worker.py', status: 'added', patch: POLLER_PATCH }];
    fake.setContent(HEAD, 'worker.py', POLLER);
    const octokit = new Octokit({ auth: GH_TOKEN, baseUrl: fake.url, log: { debug() {}, info() {}, warn() {}, error() {} } });
    const platform = new GitHubPlatform(octokit, { baseUrl: fake.url, logger: recorder(lines) });
    const cr: ChangeRequestRef = { platform: 'github', repo: fake.fullName, number: 7, baseSha: BASE, headSha: HEAD, baseRef: 'main' };
    return { fake, platform, cr };
  }

  async function gitlab(lines: Line[], clock: () => number) {
    const fake = new FakeGitLab({ token: GL_TOKEN });
    await fake.start();
    close = () => fake.stop();
    fake.addShopMergeRequest({ baseSha: BASE, headSha: HEAD, added: [{ path: 'worker.py', diff: POLLER_PATCH }], files: { 'worker.py': POLLER } });
    // The adapter's own pauses (reads) on the same virtual clock; the summary and status writes wait in the review.
    const platform = new GitLabPlatform({ url: fake.url, token: GL_TOKEN, logger: recorder(lines), rateLimitGate: new RateLimitGate(clock, async () => undefined) });
    const cr: ChangeRequestRef = { platform: 'gitlab', repo: '42', number: 5, baseSha: BASE, startSha: BASE, headSha: HEAD, baseRef: 'main' };
    return { fake, platform, cr };
  }

  const deps = (lines: Line[], waits: ReviewDeps['waits']): ReviewDeps => ({ logger: recorder(lines), metrics: noopMetrics, now: () => new Date('2026-12-05T12:00:00Z'), ...(waits ? { waits } : {}) });

  it('GitHub: a secondary rate limit on the summary comment and the check run is waited out (Retry-After) and both are written once', async () => {
    const lines: Line[] = [];
    const { fake, platform, cr } = await github(lines);
    fake.failNext('POST', /\/issues\/7\/comments$/, 403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, 1, { 'retry-after': '3' });
    fake.failNext('POST', /\/check-runs$/, 429, { message: 'You have exceeded a secondary rate limit.' }, 1, { 'retry-after': '5' });
    const time = virtualTime();
    const outcome = await runReview(platform, cr, config, deps(lines, time.waits));
    expect(outcome.posted).toBeGreaterThan(0);
    expect(time.state.waits).toEqual([3_000, 5_000]);
    expect(fake.issueComments.filter((c) => c.body.includes(SUMMARY_MARKER))).toHaveLength(1);
    expect(fake.checkRuns).toHaveLength(1);
    expect(fake.requests.filter((r) => r.method === 'POST' && /\/check-runs$/.test(r.path))).toHaveLength(2);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('GitHub: still refused within the deadline, the summary is given up with one error line (no token) and the review stands', async () => {
    const lines: Line[] = [];
    const { fake, platform, cr } = await github(lines);
    fake.failNext('POST', /\/issues\/7\/comments$/, 403, { message: 'You have exceeded a secondary rate limit.' }, 10);
    const time = virtualTime();
    const outcome = await runReview(platform, cr, config, { ...deps(lines, time.waits), writeDeadline: time.state.now + 90_000 });
    expect(outcome.posted).toBeGreaterThan(0);
    expect(fake.reviews).toHaveLength(1);
    // GitHub's one-minute advice fits the 90 s deadline once; the next minute would pass it.
    expect(time.state.waits).toEqual([SECONDARY_RATE_LIMIT_WAIT_MS]);
    expect(fake.issueComments.filter((c) => c.body.includes(SUMMARY_MARKER))).toHaveLength(0);
    expect(fake.checkRuns).toHaveLength(1);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.msg)).toEqual(["rate limit: the summary was not written for this push; the review's comments are posted"]);
    expect(errors[0]!.obj).toMatchObject({ what: 'summary', attempts: 2, status: 403, repo: 'acme/shop', number: 7 });
    expect(JSON.stringify(lines)).not.toContain(GH_TOKEN);
  });

  it('GitLab: a 429 on the summary note and on the commit status is waited out as Retry-After says, then each is written once', async () => {
    const lines: Line[] = [];
    const time = virtualTime();
    const { fake, platform, cr } = await gitlab(lines, time.waits.now);
    fake.failNext('POST', /\/merge_requests\/5\/notes$/, 429, { message: 'Retry later' }, 1, { 'Retry-After': '4' });
    fake.failNext('POST', /\/statuses\//, 429, { message: 'Retry later' }, 1, { 'Retry-After': '2' });
    const outcome = await runReview(platform, cr, config, deps(lines, time.waits));
    expect(outcome.posted).toBeGreaterThan(0);
    expect(time.state.waits).toEqual([4_000, 2_000]);
    expect(fake.notes(42, 5).filter((n) => n.body.includes(SUMMARY_MARKER))).toHaveLength(1);
    expect(fake.statuses).toHaveLength(1);
    expect(fake.requests.filter((r) => r.method === 'POST' && /\/statuses\//.test(r.path))).toHaveLength(2);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('GitLab: a Retry-After past the job deadline gives the status up at once, logged once, and the review stands', async () => {
    const lines: Line[] = [];
    const time = virtualTime();
    const { fake, platform, cr } = await gitlab(lines, time.waits.now);
    fake.failNext('POST', /\/statuses\//, 429, { message: 'Retry later' }, 5, { 'Retry-After': '300' });
    const outcome = await runReview(platform, cr, config, deps(lines, time.waits));
    expect(outcome.posted).toBeGreaterThan(0);
    expect(time.state.waits).toEqual([]);
    expect(fake.statuses).toHaveLength(0);
    expect(fake.requests.filter((r) => r.method === 'POST' && /\/statuses\//.test(r.path))).toHaveLength(1);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.obj).toMatchObject({ what: 'status', attempts: 1, status: 429, reason: "the host asks to wait 300 s, past the job's deadline" });
    expect(JSON.stringify(lines)).not.toContain(GL_TOKEN);
  });
});
