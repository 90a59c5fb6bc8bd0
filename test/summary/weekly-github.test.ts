// The weekly report end to end through the GitHub adapter: one tarball download, one labelled issue per ISO week,
// edited on a second run that week, the previous week's closed with a link, new/fixed computed from the hidden data.
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import nock from 'nock';
import { configSchema } from '../../src/config/schema.js';
import { GitHubPlatform } from '../../src/platforms/github/github-platform.js';
import type { Logger } from '../../src/core/observability.js';
import { decodeWeeklyData } from '../../src/summary/report.js';
import { runWeeklySummaries, runWeeklySummary } from '../../src/summary/weekly.js';
import { makeTarGz } from '../support/tar.js';

const API = 'https://api.github.com';
const REPO = '/repos/acme/shop';
const silent: Logger = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const config = configSchema().parse({});

const POLLER = [
  'import time',
  '',
  'def poll_jobs(conn):',
  '    while True:',
  '        rows = conn.execute("SELECT id FROM jobs WHERE state = \'new\' LIMIT 50").fetchall()',
  '        for row in rows:',
  '            handle(row)',
  '        time.sleep(30)',
  '',
].join('\n');

const SYNC = [
  'def sync(users, db):',
  '    for user in users:',
  '        db.execute("SELECT * FROM orders WHERE user_id = %s", (user.id,))',
  '',
].join('\n');

function platform(): GitHubPlatform {
  const octokit = new Octokit({ auth: 'ghs_test', request: { retries: 0 }, log: { debug() {}, info() {}, warn() {}, error() {} } });
  return new GitHubPlatform(octokit, { baseUrl: API });
}

/** Default branch, its head and the tarball (GitHub answers the tarball with a redirect to codeload). */
function mockRepository(sha: string, files: Record<string, string>) {
  nock(API).get(REPO).reply(200, { default_branch: 'main' });
  nock(API).get(`${REPO}/branches/main`).reply(200, { name: 'main', commit: { sha } });
  nock(API).get(`${REPO}/tarball/${sha}`).reply(302, '', { location: `https://codeload.github.com/acme/shop/legacy.tar.gz/${sha}` });
  nock('https://codeload.github.com')
    .get(`/acme/shop/legacy.tar.gz/${sha}`)
    .reply(200, makeTarGz({ ...files, 'node_modules/x/index.js': 'while (true) { poll(); }' }, `acme-shop-${sha.slice(0, 7)}`), { 'content-type': 'application/x-gzip' });
}

function mockIssueList(issues: object[]) {
  nock(API)
    .get(`${REPO}/issues`)
    .query((q) => q.labels === 'coze-loop' && q.state === 'all')
    .reply(200, issues);
}

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

describe('weekly report on GitHub', () => {
  let week48Body = '';

  it('creates this week\'s issue from one archive download', async () => {
    mockRepository('a'.repeat(40), { 'workers/poller.py': POLLER });
    mockIssueList([]);
    let created: { title?: string; body?: string; labels?: string[] } = {};
    nock(API)
      .post(`${REPO}/issues`, (body) => {
        created = body;
        return true;
      })
      .reply(201, { number: 41, title: 'coze-loop weekly loop report: 2026-W48', body: 'x', state: 'open', html_url: 'https://github.com/acme/shop/issues/41' });

    const outcome = await runWeeklySummary(platform(), 'acme/shop', config, { logger: silent, now: () => new Date('2026-11-23T08:00:00Z') });
    expect(outcome.action).toBe('created');
    expect(created.title).toBe('coze-loop weekly loop report: 2026-W48');
    expect(created.labels).toEqual(['coze-loop']);
    expect(created.body).toContain(`https://github.com/acme/shop/blob/${'a'.repeat(40)}/workers/poller.py#L4-L8`);
    expect(created.body).toContain('polling-fixed-interval');
    expect(created.body).not.toContain('node_modules');
    expect(decodeWeeklyData(created.body ?? '')?.findings.length).toBeGreaterThan(0);
    week48Body = created.body ?? '';
  });

  it('edits the same week\'s issue on a second run instead of opening another', async () => {
    mockRepository('b'.repeat(40), { 'workers/poller.py': POLLER });
    mockIssueList([{ number: 41, title: 'coze-loop weekly loop report: 2026-W48', body: week48Body, state: 'open' }]);
    let patched: { body?: string; state?: string } = {};
    nock(API)
      .patch(`${REPO}/issues/41`, (body) => {
        patched = body;
        return true;
      })
      .reply(200, {});

    const outcome = await runWeeklySummary(platform(), 'acme/shop', config, { logger: silent, now: () => new Date('2026-11-26T08:00:00Z') });
    expect(outcome).toMatchObject({ action: 'updated', closed: [] });
    expect(patched.state).toBe('open');
    expect(patched.body).toContain('bbbbbbbbbbbb');
  });

  it('opens next week\'s issue, reports new and fixed by fingerprint, and closes last week\'s with a link', async () => {
    // The poller was fixed (it now blocks on the queue) and an N+1 sync job arrived.
    const fixedPoller = POLLER.replace('        time.sleep(30)', '        time.sleep(30)  # coze-loop: ignore');
    mockRepository('c'.repeat(40), { 'workers/poller.py': fixedPoller, 'jobs/sync.py': SYNC });
    mockIssueList([{ number: 41, title: 'coze-loop weekly loop report: 2026-W48', body: week48Body, state: 'open' }]);
    let created: { title?: string; body?: string } = {};
    const calls: string[] = [];
    nock(API)
      .post(`${REPO}/issues`, (body) => {
        created = body;
        return true;
      })
      .reply(201, { number: 57, title: 'coze-loop weekly loop report: 2026-W49', body: 'x', state: 'open', html_url: 'https://github.com/acme/shop/issues/57' })
      .post(`${REPO}/issues/41/comments`, (body: { body: string }) => {
        calls.push(`comment:${body.body}`);
        return true;
      })
      .reply(201, { id: 1 })
      .patch(`${REPO}/issues/41`, (body: { state?: string }) => {
        calls.push(`state:${body.state}`);
        return true;
      })
      .reply(200, {});

    const outcome = await runWeeklySummary(platform(), 'acme/shop', config, { logger: silent, now: () => new Date('2026-11-30T08:00:00Z') });
    expect(outcome).toMatchObject({ action: 'created', closed: [41] });
    expect(created.title).toBe('coze-loop weekly loop report: 2026-W49');
    expect(created.body).toMatch(/[1-9]\d* new, [1-9]\d* fixed since 2026-W48\./);
    expect(created.body).toContain('query-in-loop');
    expect(calls).toEqual(['comment:Superseded by https://github.com/acme/shop/issues/57.', 'state:closed']);
    const data = decodeWeeklyData(created.body ?? '');
    expect(data?.history.map((h) => h.week)).toEqual(['2026-W48', '2026-W49']);
  });

  it('says in the report when an archive cap stopped the read, and reports what it read before it', async () => {
    mockRepository('e'.repeat(40), { 'workers/poller.py': POLLER, 'a/sync.py': SYNC, 'b/sync.py': SYNC, 'c/sync.py': SYNC });
    mockIssueList([]);
    let created: { body?: string } = {};
    nock(API)
      .post(`${REPO}/issues`, (body) => ((created = body), true))
      .reply(201, { number: 50, title: 'coze-loop weekly loop report: 2026-W49', body: 'x', state: 'open' });
    await runWeeklySummary(platform(), 'acme/shop', config, { logger: silent, now: () => new Date('2026-12-01T08:00:00Z'), archiveLimits: { maxEntries: 3 } });
    expect(created.body).toContain('**Partial report:** the repository archive has more than 3 entries');
    expect(created.body).toContain('`COZE_LOOP_ARCHIVE_MAX_ENTRIES`');
    expect(created.body).toContain('workers/poller.py');
  });

  it('keeps going when one repository fails, and honours `summary.day` on scheduled runs', async () => {
    nock(API).get('/repos/acme/broken').reply(500, { message: 'boom' });
    mockRepository('d'.repeat(40), { 'workers/poller.py': POLLER });
    mockIssueList([]);
    nock(API).post(`${REPO}/issues`).reply(201, { number: 60, title: 'coze-loop weekly loop report: 2026-W49', body: 'x', state: 'open' });
    const gh = platform();
    const friday = configSchema().parse({ summary: { day: 'friday' } });
    const result = await runWeeklySummaries(
      [
        { platform: gh, repo: 'acme/broken', loadConfig: async () => config },
        { platform: gh, repo: 'acme/shop', loadConfig: async () => config },
        { platform: gh, repo: 'acme/friday', loadConfig: async () => friday },
        { platform: gh, repo: 'acme/off', loadConfig: async () => configSchema().parse({ summary: { enabled: false } }) },
      ],
      { logger: silent, now: () => new Date('2026-11-30T08:00:00Z') },
      { onlyOnConfiguredDay: true },
    );
    expect(result).toEqual({ done: ['acme/shop'], failed: ['acme/broken'], skipped: ['acme/friday', 'acme/off'] });
  });
});
