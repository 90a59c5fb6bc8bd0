import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import nock from 'nock';
import { FIXED_MARKER, GitHubPlatform, htmlUrlFromApi } from '../../../src/platforms/github/github-platform.js';
import { FINGERPRINT_MARKER, SUMMARY_MARKER, type ChangeRequestRef, type InlineComment } from '../../../src/platforms/platform.js';
import type { Metrics } from '../../../src/core/observability.js';
import { archiveBytes } from '../../support/tar.js';

const API = 'https://api.github.com';
const HEAD = 'a'.repeat(40);
const cr: ChangeRequestRef = { platform: 'github', repo: 'acme/shop', number: 7, baseSha: 'b'.repeat(40), headSha: HEAD };
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const now = () => new Date('2026-11-23T08:00:00Z');

function platform(metrics?: Metrics): GitHubPlatform {
  const octokit = new Octokit({ auth: 'ghs_secret_token', log: quiet });
  return new GitHubPlatform(octokit, { now, ...(metrics ? { metrics } : {}) });
}

function inline(path: string, line: number, fp: string, startLine?: number): InlineComment {
  const c: InlineComment = { path, line, body: `finding ${fp}\n\n${FINGERPRINT_MARKER(fp)}`, fingerprint: fp };
  if (startLine !== undefined) c.startLine = startLine;
  return c;
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(() => nock.enableNetConnect());

describe('GitHubPlatform requests', () => {
  it('pages through pull request files and maps statuses, renames, unchanged files and omitted patches', async () => {
    const page1 = Array.from({ length: 100 }, (_, i) => ({ filename: `f${i}.py`, status: 'added', patch: '@@ -0,0 +1 @@\n+x', changes: 1 }));
    const page2 = [
      { filename: 'moved.py', previous_filename: 'old.py', status: 'renamed', changes: 0 },
      { filename: 'logo.png', status: 'added', changes: 0 },
      { filename: 'huge.py', status: 'modified', changes: 50000 },
      { filename: 'copy.py', status: 'copied', patch: '@@ -0,0 +1 @@\n+y', changes: 1 },
    ];
    nock(API).get('/repos/acme/shop/pulls/7/files').query({ per_page: 100, page: 1 }).reply(200, page1);
    nock(API).get('/repos/acme/shop/pulls/7/files').query({ per_page: 100, page: 2 }).reply(200, page2);
    const files = await platform().listChangedFiles(cr);
    expect(files).toHaveLength(104);
    expect(files.slice(100)).toEqual([
      { path: 'moved.py', oldPath: 'old.py', status: 'renamed', patch: '' },
      { path: 'logo.png', status: 'added', patch: '' },
      { path: 'huge.py', status: 'modified' },
      { path: 'copy.py', status: 'added', patch: '@@ -0,0 +1 @@\n+y' },
    ]);
  });

  it('reads raw content at a ref, encodes the path, and answers null on 404', async () => {
    nock(API, { reqheaders: { accept: 'application/vnd.github.raw' } })
      .get('/repos/acme/shop/contents/src/my%20worker.py')
      .query({ ref: HEAD })
      .reply(200, Buffer.from('while True:\n    pass\n'), { 'content-type': 'application/vnd.github.raw' });
    nock(API).get('/repos/acme/shop/contents/.github/coze-loop.yml').query({ ref: 'main' }).reply(404, { message: 'Not Found' });
    const gh = platform();
    expect((await gh.getFileContent('acme/shop', 'src/my worker.py', HEAD))?.toString()).toBe('while True:\n    pass\n');
    expect(await gh.getFileContent('acme/shop', '.github/coze-loop.yml', 'main')).toBeNull();
  });

  it('posts one review per push with line + side RIGHT and start_line for ranges (exact body)', async () => {
    const bodies: unknown[] = [];
    nock(API)
      .post('/repos/acme/shop/pulls/7/reviews', (body) => (bodies.push(body), true))
      .reply(200, { id: 1 });
    const result = await platform().publishReview(cr, { body: 'coze-loop found 2 new loop finding(s)', comments: [inline('worker.py', 12, '1111111111111111'), inline('worker.py', 20, '2222222222222222', 18)] });
    expect(result.rejected).toEqual([]);
    expect(result.posted).toHaveLength(2);
    expect(bodies).toMatchSnapshot();
  });

  it('on 422 isolates the refused comments by halving, posts the rest, and returns the refused with the reason', async () => {
    const sent: string[][] = [];
    nock(API)
      .post('/repos/acme/shop/pulls/7/reviews')
      .times(5)
      .reply((_uri, body) => {
        const fps = (body as { comments: { body: string }[] }).comments.map((c) => /fp:(\w+)/.exec(c.body)![1]!);
        sent.push(fps);
        return fps.includes('bbbbbbbbbbbbbbbb')
          ? [422, { message: 'Unprocessable Entity', errors: ['Pull request review thread line must be part of the diff'] }]
          : [200, { id: sent.length }];
      });
    const result = await platform().publishReview(cr, { body: 'b', comments: [inline('a.py', 1, 'aaaaaaaaaaaaaaaa'), inline('a.py', 2, 'bbbbbbbbbbbbbbbb'), inline('a.py', 3, 'cccccccccccccccc')] });
    expect(sent).toEqual([['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', 'cccccccccccccccc'], ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb'], ['aaaaaaaaaaaaaaaa'], ['bbbbbbbbbbbbbbbb'], ['cccccccccccccccc']]);
    expect(result.posted.map((c) => c.fingerprint)).toEqual(['aaaaaaaaaaaaaaaa', 'cccccccccccccccc']);
    expect(result.rejected).toEqual([{ comment: expect.objectContaining({ fingerprint: 'bbbbbbbbbbbbbbbb' }), reason: 'Unprocessable Entity: Pull request review thread line must be part of the diff' }]);
  });

  it('does not swallow errors other than 422', async () => {
    nock(API).post('/repos/acme/shop/pulls/7/reviews').reply(500, { message: 'boom' });
    const errors: number[] = [];
    const metrics = { webhookReceived() {}, findingsReported() {}, commentsPosted() {}, apiError: (_p: string, s: number) => errors.push(s), rateLimitRemaining() {} };
    await expect(platform(metrics).publishReview(cr, { body: 'b', comments: [inline('a.py', 1, 'aaaaaaaaaaaaaaaa')] })).rejects.toMatchObject({ status: 500 });
    expect(errors).toEqual([500]);
  });

  it('lists only its own fingerprinted comments, with thread ids and the fixed state', async () => {
    nock(API)
      .get('/repos/acme/shop/pulls/7/comments')
      .query({ per_page: 100, page: 1 })
      .reply(200, [
        { id: 1, body: `x\n${FINGERPRINT_MARKER('aaaaaaaaaaaaaaaa')}`, path: 'a.py', line: 3, user: { login: 'coze-loop[bot]', type: 'Bot' } },
        { id: 2, body: `${FIXED_MARKER}\n~~x~~\n${FINGERPRINT_MARKER('bbbbbbbbbbbbbbbb')}`, path: 'a.py', line: null, original_line: 9, user: { login: 'coze-loop[bot]', type: 'Bot' } },
        { id: 3, body: `quoting ${FINGERPRINT_MARKER('cccccccccccccccc')}`, path: 'a.py', line: 4, user: { login: 'mallory', type: 'User' } },
        { id: 4, body: 'Fixed in abc', path: 'a.py', line: 9, in_reply_to_id: 2, user: { login: 'coze-loop[bot]', type: 'Bot' } },
      ]);
    const mine = await platform().listBotComments(cr);
    expect(mine).toEqual([
      { id: '1', threadId: '1', fingerprint: 'aaaaaaaaaaaaaaaa', path: 'a.py', line: 3, body: expect.any(String), resolved: false },
      { id: '2', threadId: '2', fingerprint: 'bbbbbbbbbbbbbbbb', path: 'a.py', line: 9, body: expect.any(String), resolved: true },
    ]);
  });

  it('marks a finding fixed: reply in the thread, strike the comment through, resolve the thread', async () => {
    const sent: unknown[] = [];
    nock(API).post('/repos/acme/shop/pulls/7/comments/41/replies', (b) => (sent.push(b), true)).reply(201, { id: 99 });
    nock(API).patch('/repos/acme/shop/pulls/comments/41', (b) => (sent.push(b), true)).reply(200, { id: 41 });
    nock(API)
      .post('/graphql', (b) => (sent.push({ variables: b.variables, kind: /mutation/.test(b.query) ? 'mutation' : 'query' }), /reviewThreads/.test(b.query)))
      .reply(200, { data: { repository: { pullRequest: { reviewThreads: { nodes: [{ id: 'PRRT_x', isResolved: false, comments: { nodes: [{ databaseId: 41 }] } }], pageInfo: { hasNextPage: false, endCursor: null } } } } } });
    nock(API)
      .post('/graphql', (b) => (sent.push({ variables: b.variables, kind: 'mutation' }), /resolveReviewThread/.test(b.query)))
      .reply(200, { data: { resolveReviewThread: { thread: { id: 'PRRT_x' } } } });
    await platform().markFixed(cr, { id: '41', threadId: '41', fingerprint: 'aaaaaaaaaaaaaaaa', body: `⚠️ **Polling every 30 s**\n\n${FINGERPRINT_MARKER('aaaaaaaaaaaaaaaa')}` }, 'Fixed in abc1234: this finding no longer appears.');
    expect(sent).toMatchSnapshot();
  });

  it('edits the summary in place when the marker is found, and does nothing when the body is unchanged', async () => {
    const existing = [{ id: 5, body: 'hello', user: { login: 'octocat', type: 'User' } }, { id: 6, body: `${SUMMARY_MARKER}\nold`, user: { login: 'coze-loop[bot]', type: 'Bot' } }];
    nock(API).get('/repos/acme/shop/issues/7/comments').query({ per_page: 100, page: 1 }).twice().reply(200, existing);
    nock(API).patch('/repos/acme/shop/issues/comments/6', { body: `${SUMMARY_MARKER}\nnew` }).reply(200, { id: 6 });
    await platform().upsertSummary(cr, `${SUMMARY_MARKER}\nnew`);
    await platform().upsertSummary(cr, `${SUMMARY_MARKER}\nold`);
  });

  it('creates the summary when none exists', async () => {
    nock(API).get('/repos/acme/shop/issues/7/comments').query({ per_page: 100, page: 1 }).reply(200, [{ id: 5, body: `${SUMMARY_MARKER} forged`, user: { login: 'mallory', type: 'User' } }]);
    nock(API).post('/repos/acme/shop/issues/7/comments', { body: `${SUMMARY_MARKER}\nfirst` }).reply(201, { id: 8 });
    await platform().upsertSummary(cr, `${SUMMARY_MARKER}\nfirst`);
  });

  it('creates the check run already completed with the first 50 annotations, and adds the rest 50 per update', async () => {
    const bodies: unknown[] = [];
    nock(API).get(`/repos/acme/shop/commits/${HEAD}/check-runs`).query({ check_name: 'coze-loop', filter: 'latest' }).reply(200, { total_count: 0, check_runs: [] });
    nock(API).post('/repos/acme/shop/check-runs', (b) => (bodies.push(b), true)).reply(201, { id: 77 });
    nock(API).patch('/repos/acme/shop/check-runs/77', (b) => (bodies.push(b), true)).times(2).reply(200, { id: 77 });
    const gh = platform();
    const annotations = Array.from({ length: 120 }, (_, i) => ({ path: 'a.py', startLine: i + 1, endLine: i + 1, level: 'warning' as const, title: 'polling-fixed-interval (optimize)', message: `m${i}` }));
    await gh.reportStatus(cr, { name: 'coze-loop', conclusion: 'neutral', title: '120 loop finding(s)', summary: 'advisory', annotations });
    const counts = bodies.map((b) => ((b as { output?: { annotations?: unknown[] } }).output?.annotations ?? []).length);
    expect(counts).toEqual([50, 50, 20]);
    expect(bodies[0]).toMatchObject({ name: 'coze-loop', head_sha: HEAD, status: 'completed', conclusion: 'neutral' });
    expect(bodies.map((b) => ({ ...(b as object), output: { ...(b as { output: object }).output, annotations: undefined } }))).toMatchSnapshot();
  });

  it('completes an existing check run found by name when it did not start it', async () => {
    nock(API).get(`/repos/acme/shop/commits/${HEAD}/check-runs`).query({ check_name: 'coze-loop', filter: 'latest' }).reply(200, { total_count: 1, check_runs: [{ id: 31, name: 'coze-loop' }] });
    nock(API).patch('/repos/acme/shop/check-runs/31', (b) => b.conclusion === 'failure' && b.status === 'completed' && b.output.annotations === undefined).reply(200, { id: 31 });
    await platform().reportStatus(cr, { name: 'coze-loop', conclusion: 'failure', title: 't', summary: 's' });
  });

  it('replies in the thread root for review comments and in the conversation otherwise, and reacts on the right kind', async () => {
    nock(API).post('/repos/acme/shop/pulls/7/comments/10/replies', { body: 'report' }).reply(201, { id: 1 });
    nock(API).post('/repos/acme/shop/issues/7/comments', { body: 'pr report' }).reply(201, { id: 2 });
    nock(API).post('/repos/acme/shop/pulls/comments/12/reactions', { content: 'eyes' }).reply(201, { id: 3 });
    nock(API).post('/repos/acme/shop/issues/comments/13/reactions', { content: '+1' }).reply(201, { id: 4 });
    const gh = platform();
    await gh.reply(cr, { commentId: '12', threadId: '10', path: 'a.py', line: 4 }, 'report');
    await gh.reply(cr, { commentId: '13' }, 'pr report');
    await gh.react(cr, { commentId: '12', threadId: '10', path: 'a.py' }, 'eyes');
    await gh.react(cr, { commentId: '13' }, '+1');
  });

  it('grants commands to admin, maintain and write; not to read, triage or strangers', async () => {
    const gh = platform();
    const cases: [string, number, object, boolean][] = [
      ['ada', 200, { permission: 'admin', role_name: 'admin' }, true],
      ['mo', 200, { permission: 'write', role_name: 'maintain' }, true],
      ['wes', 200, { permission: 'write', role_name: 'write' }, true],
      ['tri', 200, { permission: 'read', role_name: 'triage' }, false],
      ['rita', 200, { permission: 'read', role_name: 'read' }, false],
      ['ghost', 404, { message: 'Not Found' }, false],
    ];
    for (const [user, status, body, expected] of cases) {
      nock(API).get(`/repos/acme/shop/collaborators/${user}/permission`).reply(status, body);
      expect(await gh.canRunCommands('acme/shop', user)).toBe(expected);
    }
  });

  it('finds report issues by label and title prefix, skipping pull requests', async () => {
    nock(API)
      .get('/repos/acme/shop/issues')
      .query({ state: 'all', labels: 'coze-loop', sort: 'created', direction: 'desc', per_page: 100, page: 1 })
      .reply(200, [
        { number: 3, title: 'coze-loop weekly loop report: 2026-W48', body: 'b', state: 'open' },
        { number: 2, title: 'coze-loop weekly loop report: 2026-W47', body: null, state: 'closed', pull_request: {} },
        { number: 1, title: 'other', body: '', state: 'open' },
      ]);
    expect(await platform().findIssues('acme/shop', 'coze-loop weekly')).toEqual([{ number: 3, title: 'coze-loop weekly loop report: 2026-W48', body: 'b', state: 'open' }]);
  });

  it('downloads the tarball following the redirect, and reads the default branch head', async () => {
    nock(API).get('/repos/acme/shop/tarball/main').reply(302, '', { location: 'https://codeload.github.com/acme/shop/legacy.tar.gz/main' });
    nock('https://codeload.github.com').get('/acme/shop/legacy.tar.gz/main').reply(200, Buffer.from([31, 139, 8, 0]), { 'content-type': 'application/x-gzip' });
    nock(API).get('/repos/acme/shop').reply(200, { default_branch: 'main' });
    nock(API).get('/repos/acme/shop/branches/main').reply(200, { commit: { sha: 'c'.repeat(40) } });
    const gh = platform();
    const archive = await gh.downloadArchive('acme/shop', 'main');
    // A stream, not a buffer: the archive reader caps it while it arrives.
    expect(Buffer.isBuffer(archive)).toBe(false);
    expect([...(await archiveBytes(archive))]).toEqual([31, 139, 8, 0]);
    expect(await gh.getDefaultBranch('acme/shop')).toEqual({ name: 'main', sha: 'c'.repeat(40) });
  });

  it('rejects a response that does not look like GitHub with a clear error', async () => {
    nock(API).get('/repos/acme/shop/pulls/7').reply(200, { number: 7, head: { sha: 1 } });
    await expect(platform().getHeadSha(cr)).rejects.toThrow(/unexpected GitHub response for GET \/repos\/\{owner\}\/\{repo\}\/pulls\/\{pull_number\}: head.sha/);
  });

  it('builds permalinks for github.com and Enterprise Server', () => {
    expect(platform().permalink('acme/shop', HEAD, 'src/a b.py', 3, 9)).toBe(`https://github.com/acme/shop/blob/${HEAD}/src/a%20b.py#L3-L9`);
    expect(htmlUrlFromApi('http://127.0.0.1:8080/api/v3')).toBe('http://127.0.0.1:8080');
    expect(htmlUrlFromApi('https://ghe.example.com/api/v3/')).toBe('https://ghe.example.com');
  });
});
