import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { archiveBytes } from '../../support/tar.js';
import { GitLabApiError, GitLabPlatform } from '../../../src/platforms/gitlab/gitlab-platform.js';
import { locateNewLine } from '../../../src/platforms/gitlab/position.js';
import { SUMMARY_MARKER, type ChangeRequestRef, type InlineComment } from '../../../src/platforms/platform.js';
import { API, BASE_SHA, GITLAB_URL, HEAD_SHA, SENDER_DIFF, TOKEN, parseRequestBody, type RecordedRequest } from './helpers.js';

const cr: ChangeRequestRef = {
  platform: 'gitlab',
  repo: '42',
  number: 12,
  baseSha: BASE_SHA,
  startSha: BASE_SHA,
  headSha: HEAD_SHA,
  baseRef: 'main',
  url: `${GITLAB_URL}/acme/billing-worker/-/merge_requests/12`,
};

const BOT = { id: 99, username: 'coze-loop-bot', name: 'coze-loop' };
const HUMAN = { id: 9, username: 'riley', name: 'Riley' };

let sent: RecordedRequest[];

/** A scope that requires the token on every request and records what was sent, multipart parsed into fields. */
function gitlab() {
  return nock(API, { reqheaders: { 'private-token': TOKEN } });
}

function record(status: number, response: unknown) {
  return async function (this: { req: { headers: Record<string, string> } }, uri: string, body: unknown) {
    const method = (this as unknown as { req: { method: string } }).req.method;
    sent.push({ method, path: uri, body: await parseRequestBody(body, this.req.headers['content-type']) });
    return [status, response, { 'content-type': 'application/json' }] as [number, unknown, Record<string, string>];
  };
}

function platform() {
  return new GitLabPlatform({ url: GITLAB_URL, token: TOKEN });
}

function diffEntry(overrides: Record<string, unknown> = {}) {
  return {
    old_path: 'worker/sender.py',
    new_path: 'worker/sender.py',
    a_mode: '100644',
    b_mode: '100644',
    new_file: false,
    renamed_file: false,
    deleted_file: false,
    generated_file: false,
    diff: SENDER_DIFF,
    ...overrides,
  };
}

beforeEach(() => {
  sent = [];
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
});

describe('locateNewLine', () => {
  it('tells added lines from unchanged ones and maps unchanged lines to the old side', () => {
    expect(locateNewLine(SENDER_DIFF, 5, false)).toEqual({ kind: 'added' });
    expect(locateNewLine(SENDER_DIFF, 2, false)).toEqual({ kind: 'unchanged', oldLine: 2 });
    expect(locateNewLine(SENDER_DIFF, 12, false)).toEqual({ kind: 'unchanged', oldLine: 4 });
    // Outside every hunk: shifted by the 8 lines the hunk added.
    expect(locateNewLine(SENDER_DIFF, 20, false)).toEqual({ kind: 'unchanged', oldLine: 12 });
    expect(locateNewLine('', 3, true)).toEqual({ kind: 'added' });
  });

  it('accounts for deleted lines inside a hunk', () => {
    const diff = '@@ -10,4 +10,3 @@\n keep\n-gone\n-gone too\n+new\n keep two\n';
    expect(locateNewLine(diff, 11, false)).toEqual({ kind: 'added' });
    expect(locateNewLine(diff, 12, false)).toEqual({ kind: 'unchanged', oldLine: 13 });
    expect(locateNewLine(diff, 30, false)).toEqual({ kind: 'unchanged', oldLine: 31 });
  });
});

describe('GitLabPlatform: reading a merge request', () => {
  it('reads diff_refs into a ChangeRequestRef', async () => {
    gitlab()
      .get('/projects/42/merge_requests/12')
      .reply(200, {
        id: 1301,
        iid: 12,
        project_id: 42,
        state: 'opened',
        sha: HEAD_SHA,
        draft: true,
        source_branch: 'feature/invoice-sender',
        target_branch: 'main',
        web_url: `${GITLAB_URL}/acme/billing-worker/-/merge_requests/12`,
        author: { id: 7, username: 'dana' },
        diff_refs: { base_sha: BASE_SHA, start_sha: 'c'.repeat(40), head_sha: HEAD_SHA },
      });
    const mr = await platform().getChangeRequest('42', 12);
    expect(mr).toEqual({
      state: 'opened',
      ready: true,
      ref: {
        platform: 'gitlab',
        repo: '42',
        number: 12,
        baseSha: BASE_SHA,
        startSha: 'c'.repeat(40),
        headSha: HEAD_SHA,
        baseRef: 'main',
        headRef: 'feature/invoice-sender',
        author: 'dana',
        draft: true,
        url: `${GITLAB_URL}/acme/billing-worker/-/merge_requests/12`,
      },
    });
  });

  it('lists changed files through the paginated MR diffs API, following the Link header', async () => {
    const page1 = [diffEntry(), diffEntry({ old_path: 'new.py', new_path: 'new.py', new_file: true, diff: '@@ -0,0 +1 @@\n+x = 1\n' })];
    const page2 = [
      diffEntry({ old_path: 'gone.py', new_path: 'gone.py', deleted_file: true, diff: '@@ -1 +0,0 @@\n-x = 1\n' }),
      diffEntry({ old_path: 'old/name.py', new_path: 'new/name.py', renamed_file: true, diff: '' }),
      diffEntry({ old_path: 'logo.png', new_path: 'logo.png', diff: 'Binary files a/logo.png and b/logo.png differ\n' }),
      diffEntry({ old_path: 'huge.py', new_path: 'huge.py', diff: '', too_large: true }),
    ];
    gitlab()
      .get('/projects/42/merge_requests/12/diffs')
      .query({ per_page: '100' })
      .reply(200, page1, { link: `<${API}/projects/42/merge_requests/12/diffs?page=2&per_page=100>; rel="next"` });
    gitlab().get('/projects/42/merge_requests/12/diffs').query({ page: '2', per_page: '100' }).reply(200, page2);

    const files = await platform().listChangedFiles(cr);
    expect(files).toEqual([
      { path: 'worker/sender.py', oldPath: undefined, status: 'modified', patch: SENDER_DIFF, binary: undefined },
      { path: 'new.py', oldPath: undefined, status: 'added', patch: '@@ -0,0 +1 @@\n+x = 1\n', binary: undefined },
      { path: 'gone.py', oldPath: undefined, status: 'removed', patch: '@@ -1 +0,0 @@\n-x = 1\n', binary: undefined },
      { path: 'new/name.py', oldPath: 'old/name.py', status: 'renamed', patch: '', binary: undefined },
      { path: 'logo.png', oldPath: undefined, status: 'modified', patch: undefined, binary: true },
      { path: 'huge.py', oldPath: undefined, status: 'modified', patch: undefined, binary: undefined },
    ]);
  });

  it('reads file content as raw bytes at a ref, and null for a missing file', async () => {
    const bytes = Buffer.from([0x70, 0x72, 0xff, 0x00, 0xfe]);
    gitlab()
      .get('/projects/42/repository/files/worker%2Fsender.py/raw')
      .query({ ref: HEAD_SHA })
      .reply(200, bytes, { 'content-type': 'text/plain; charset=utf-8' });
    gitlab().get('/projects/42/repository/files/.coze-loop.yml/raw').query({ ref: 'main' }).reply(404, { message: '404 File Not Found' });
    const gl = platform();
    expect(await gl.getFileContent('42', 'worker/sender.py', HEAD_SHA)).toEqual(bytes);
    expect(await gl.getFileContent('42', '.coze-loop.yml', 'main')).toBeNull();
  });

  it('finds its own fingerprinted discussions only (not people quoting them, not the summary)', async () => {
    gitlab().get('/user').reply(200, BOT);
    gitlab()
      .get('/projects/42/merge_requests/12/discussions')
      .query({ per_page: '100' })
      .reply(200, [
        {
          id: 'd1',
          individual_note: false,
          notes: [
            {
              id: 101,
              type: 'DiffNote',
              body: 'N+1\n\n<!-- coze-loop:fp:0123456789abcdef -->',
              author: BOT,
              system: false,
              resolvable: true,
              resolved: false,
              position: { position_type: 'text', new_path: 'worker/sender.py', old_path: 'worker/sender.py', new_line: 6, old_line: null },
            },
            { id: 102, type: 'DiffNote', body: 'thanks', author: HUMAN, system: false, resolvable: true, resolved: false },
          ],
        },
        {
          id: 'd2',
          individual_note: false,
          notes: [{ id: 201, type: 'DiffNote', body: 'see <!-- coze-loop:fp:ffffffffffffffff -->', author: HUMAN, resolved: false }],
        },
        { id: 'd3', individual_note: true, notes: [{ id: 301, type: null, body: `${SUMMARY_MARKER}\n<!-- coze-loop:fp:aaaaaaaaaaaaaaaa -->`, author: BOT }] },
        {
          id: 'd4',
          individual_note: false,
          notes: [{ id: 401, type: 'DiffNote', body: 'old <!-- coze-loop:fp:bbbbbbbbbbbbbbbb -->', author: BOT, resolved: true, position: { new_path: 'a.py', new_line: 3 } }],
        },
      ]);
    expect(await platform().listBotComments(cr)).toEqual([
      { id: '101', threadId: 'd1', fingerprint: '0123456789abcdef', path: 'worker/sender.py', line: 6, body: 'N+1\n\n<!-- coze-loop:fp:0123456789abcdef -->', resolved: false },
      { id: '401', threadId: 'd4', fingerprint: 'bbbbbbbbbbbbbbbb', path: 'a.py', line: 3, body: 'old <!-- coze-loop:fp:bbbbbbbbbbbbbbbb -->', resolved: true },
    ]);
  });

  it('fails with the status and GitLab message, never the token, and rejects malformed answers', async () => {
    gitlab().get('/projects/42/merge_requests/12').reply(500, { message: '500 Internal Server Error' });
    const error = await platform().getChangeRequest('42', 12).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitLabApiError);
    expect((error as GitLabApiError).status).toBe(500);
    expect(String((error as Error).message)).toContain('500 Internal Server Error');
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect(String((error as Error).message)).not.toContain(TOKEN);

    gitlab().get('/projects/42/merge_requests/12').reply(200, { iid: 'twelve' });
    await expect(platform().getChangeRequest('42', 12)).rejects.toThrow(/unexpected response shape/);
  });
});

describe('GitLabPlatform: publishing', () => {
  const added: InlineComment = { path: 'worker/sender.py', line: 6, body: 'query in loop\n\n<!-- coze-loop:fp:1111111111111111 -->', fingerprint: '1111111111111111' };
  const context: InlineComment = { path: 'worker/sender.py', line: 12, body: 'context line\n\n<!-- coze-loop:fp:2222222222222222 -->', fingerprint: '2222222222222222' };
  const outside: InlineComment = { path: 'worker/sender.py', line: 40, body: 'refused\n\n<!-- coze-loop:fp:3333333333333333 -->', fingerprint: '3333333333333333' };

  it('posts one positioned diff discussion per comment (multipart), and returns a refused position as rejected', async () => {
    gitlab().get('/projects/42/merge_requests/12/diffs').query({ per_page: '100' }).reply(200, [diffEntry()]);
    const discussion = { id: 'new', individual_note: false, notes: [{ id: 1, body: 'x', author: BOT }] };
    // The discussions go out concurrently: GitLab's answer depends on the position sent, not on arrival order.
    const refused = { message: '400 Bad request - Note {:line_code=>["can\'t be blank", "must be a valid line code"]}' };
    const byPosition = async function (this: { req: { headers: Record<string, string> } }, uri: string, body: unknown) {
      const fields = (await parseRequestBody(body, this.req.headers['content-type'])) as Record<string, string>;
      sent.push({ method: 'POST', path: uri, body: fields });
      return (fields['position[new_line]'] === '40' ? [400, refused] : [201, discussion]) as [number, unknown];
    };
    gitlab().post('/projects/42/merge_requests/12/discussions').times(3).reply(byPosition);

    const result = await platform().publishReview(cr, { body: 'ignored on GitLab', comments: [added, context, outside] });
    sent.sort((a, b) => Number((a.body as Record<string, string>)['position[new_line]']) - Number((b.body as Record<string, string>)['position[new_line]']));
    expect(result.posted).toEqual([added, context]);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]!.comment).toEqual(outside);
    expect(result.rejected[0]!.reason).toContain("line_code=>[\"can't be blank\"");
    expect(sent).toMatchSnapshot();
    // Added line: new_line only. Unchanged line: old_line computed from the hunk.
    expect(sent[0]!.body).not.toHaveProperty(['position[old_line]']);
    expect(sent[1]!.body).toMatchObject({ 'position[old_line]': '4', 'position[new_line]': '12' });
  });

  it('uses the old path of a renamed file and the oldLine the pipeline gave', async () => {
    gitlab()
      .get('/projects/42/merge_requests/12/diffs')
      .query({ per_page: '100' })
      .reply(200, [diffEntry({ old_path: 'worker/old_sender.py', renamed_file: true })]);
    gitlab().post('/projects/42/merge_requests/12/discussions').reply(record(201, { id: 'n', notes: [] }));
    await platform().publishReview(cr, { body: '', comments: [{ ...context, oldLine: 7 }] });
    expect(sent[0]!.body).toMatchObject({ 'position[old_path]': 'worker/old_sender.py', 'position[new_path]': 'worker/sender.py', 'position[old_line]': '7' });
  });

  it('fails the job on errors that are not about the position', async () => {
    gitlab().get('/projects/42/merge_requests/12/diffs').query({ per_page: '100' }).reply(200, [diffEntry()]);
    gitlab().post('/projects/42/merge_requests/12/discussions').reply(403, { message: '403 Forbidden' });
    await expect(platform().publishReview(cr, { body: '', comments: [added] })).rejects.toMatchObject({ status: 403 });
  });

  it('marks a fixed finding by replying in its discussion and resolving it; a resolved one is left alone', async () => {
    gitlab().post('/projects/42/merge_requests/12/discussions/d1/notes').reply(record(201, { id: 7, body: 'fixed', author: BOT }));
    gitlab()
      .put('/projects/42/merge_requests/12/discussions/d1')
      .query({ resolved: 'true' })
      .reply(record(200, { id: 'd1', notes: [] }));
    const gl = platform();
    const comment = { id: '101', threadId: 'd1', fingerprint: '0123456789abcdef', body: 'x', resolved: false };
    await gl.markFixed(cr, comment, 'Fixed in b0b1b2b: this finding no longer appears.');
    await gl.markFixed(cr, { ...comment, resolved: true }, 'again');
    expect(sent).toEqual([
      { method: 'POST', path: '/api/v4/projects/42/merge_requests/12/discussions/d1/notes', body: { body: 'Fixed in b0b1b2b: this finding no longer appears.' } },
      { method: 'PUT', path: '/api/v4/projects/42/merge_requests/12/discussions/d1?resolved=true', body: {} },
    ]);
  });

  it('creates the summary note once, then edits it in place', async () => {
    gitlab().get('/user').reply(200, BOT);
    gitlab().get('/projects/42/merge_requests/12/notes').query(true).reply(200, [{ id: 5, body: 'hello', author: HUMAN, system: false }]);
    gitlab().post('/projects/42/merge_requests/12/notes').reply(record(201, { id: 6, body: 'x', author: BOT }));
    const gl = platform();
    await gl.upsertSummary(cr, '## coze-loop review\n\n2 findings');

    gitlab()
      .get('/projects/42/merge_requests/12/notes')
      .query({ per_page: '100', sort: 'asc', order_by: 'created_at' })
      .reply(200, [
        { id: 5, body: 'hello', author: HUMAN, system: false },
        { id: 6, body: `${SUMMARY_MARKER}\n## coze-loop review\n\n2 findings`, author: BOT, system: false },
      ]);
    gitlab().put('/projects/42/merge_requests/12/notes/6').reply(record(200, { id: 6, body: 'x', author: BOT }));
    await gl.upsertSummary(cr, '## coze-loop review\n\n1 finding');

    gitlab()
      .get('/projects/42/merge_requests/12/notes')
      .query(true)
      .reply(200, [{ id: 6, body: `${SUMMARY_MARKER}\n## coze-loop review\n\n1 finding`, author: BOT, system: false }]);
    await gl.upsertSummary(cr, '## coze-loop review\n\n1 finding');

    expect(sent).toEqual([
      { method: 'POST', path: '/api/v4/projects/42/merge_requests/12/notes', body: { body: `${SUMMARY_MARKER}\n## coze-loop review\n\n2 findings` } },
      { method: 'PUT', path: '/api/v4/projects/42/merge_requests/12/notes/6', body: { body: `${SUMMARY_MARKER}\n## coze-loop review\n\n1 finding` } },
    ]);
  });

  it('sets the coze-loop commit status on the head SHA: neutral passes, failure fails', async () => {
    gitlab().post(`/projects/42/statuses/${HEAD_SHA}`).reply(record(201, { id: 1 }));
    gitlab().post(`/projects/42/statuses/${HEAD_SHA}`).reply(record(201, { id: 2 }));
    const gl = platform();
    await gl.reportStatus(cr, { name: 'coze-loop', conclusion: 'neutral', title: '2 loop finding(s): 2 optimize', summary: 'long text' });
    await gl.reportStatus(cr, { name: 'coze-loop', conclusion: 'failure', title: 'x'.repeat(300), summary: '' });
    expect(sent).toMatchSnapshot();
    expect((sent[1]!.body as { description: string }).description).toHaveLength(255);
  });
});

describe('GitLabPlatform: commands, issues and links', () => {
  it('replies in the discussion of a diff note, else as a merge request note, and awards an emoji', async () => {
    gitlab().post('/projects/42/merge_requests/12/discussions/dn/notes').reply(record(201, { id: 1, body: 'a', author: BOT }));
    gitlab().post('/projects/42/merge_requests/12/notes').reply(record(201, { id: 2, body: 'b', author: BOT }));
    gitlab().post('/projects/42/merge_requests/12/notes/5502/award_emoji').reply(record(201, { id: 3, name: 'eyes' }));
    gitlab().post('/projects/42/merge_requests/12/notes/5501/award_emoji').reply(404, { message: '404 Award Emoji Name has already been taken' });
    const gl = platform();
    await gl.reply(cr, { commentId: '5502', threadId: 'dn', path: 'worker/sender.py', line: 9 }, 'loop report');
    await gl.reply(cr, { commentId: '5501' }, 'whole MR report');
    await gl.react(cr, { commentId: '5502' }, 'eyes');
    await gl.react(cr, { commentId: '5501' }, 'eyes');
    expect(sent).toEqual([
      { method: 'POST', path: '/api/v4/projects/42/merge_requests/12/discussions/dn/notes', body: { body: 'loop report' } },
      { method: 'POST', path: '/api/v4/projects/42/merge_requests/12/notes', body: { body: 'whole MR report' } },
      { method: 'POST', path: '/api/v4/projects/42/merge_requests/12/notes/5502/award_emoji', body: { name: 'eyes' } },
    ]);
  });

  it('lets members with Developer access or more (inherited included) run commands', async () => {
    gitlab().get('/projects/42/members/all/9').reply(200, { id: 9, username: 'riley', access_level: 30 });
    gitlab().get('/projects/42/members/all/10').reply(200, { id: 10, username: 'rep', access_level: 20 });
    gitlab().get('/projects/42/members/all/11').reply(404, { message: '404 Not found' });
    gitlab().get('/users').query({ username: 'riley' }).reply(200, [{ id: 9, username: 'riley' }]);
    gitlab().get('/projects/42/members/all/9').reply(200, { id: 9, username: 'riley', access_level: 40 });
    gitlab().get('/users').query({ username: 'ghost' }).reply(200, []);
    const gl = platform();
    expect(await gl.canRunCommands('42', '9')).toBe(true);
    expect(await gl.canRunCommands('42', '10')).toBe(false);
    expect(await gl.canRunCommands('42', '11')).toBe(false);
    expect(await gl.canRunCommands('42', 'riley')).toBe(true);
    expect(await gl.canRunCommands('42', 'ghost')).toBe(false);
  });

  it('finds, creates, updates, closes and comments on issues', async () => {
    gitlab()
      .get('/projects/42/issues')
      .query({ search: 'coze-loop weekly', in: 'title', per_page: '100' })
      .reply(200, [
        { iid: 3, title: 'coze-loop weekly loop report: 2026-W47', description: 'body', state: 'opened', web_url: `${GITLAB_URL}/acme/billing-worker/-/issues/3` },
        { iid: 4, title: 'Re: coze-loop weekly loop report', description: null, state: 'closed' },
      ]);
    gitlab().post('/projects/42/issues').reply(record(201, { iid: 5, title: 'coze-loop weekly loop report: 2026-W48', description: 'new', state: 'opened' }));
    gitlab().put('/projects/42/issues/3').reply(record(200, { iid: 3, title: 't', state: 'closed' }));
    gitlab().post('/projects/42/issues/3/notes').reply(record(201, { id: 8, body: 'see #5', author: BOT }));
    const gl = platform();
    expect(await gl.findIssues('42', 'coze-loop weekly')).toEqual([
      { number: 3, title: 'coze-loop weekly loop report: 2026-W47', body: 'body', state: 'open', url: `${GITLAB_URL}/acme/billing-worker/-/issues/3` },
    ]);
    expect(await gl.createIssue('42', 'coze-loop weekly loop report: 2026-W48', 'new', ['coze-loop'])).toMatchObject({ number: 5, state: 'open' });
    await gl.updateIssue('42', 3, { state: 'closed', body: 'old body' });
    await gl.commentOnIssue('42', 3, 'see #5');
    expect(sent).toEqual([
      { method: 'POST', path: '/api/v4/projects/42/issues', body: { title: 'coze-loop weekly loop report: 2026-W48', description: 'new', labels: 'coze-loop' } },
      { method: 'PUT', path: '/api/v4/projects/42/issues/3', body: { description: 'old body', state_event: 'close' } },
      { method: 'POST', path: '/api/v4/projects/42/issues/3/notes', body: { body: 'see #5' } },
    ]);
  });

  it('reads the default branch, downloads the archive and builds permalinks from the project URL', async () => {
    gitlab().get('/projects/42').reply(200, { id: 42, default_branch: 'main', web_url: `${GITLAB_URL}/acme/billing-worker`, path_with_namespace: 'acme/billing-worker' });
    gitlab().get('/projects/42/repository/branches/main').reply(200, { name: 'main', commit: { id: HEAD_SHA } });
    const archive = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]);
    gitlab().get('/projects/42/repository/archive.tar.gz').query({ sha: HEAD_SHA }).reply(200, archive, { 'content-type': 'application/octet-stream' });
    const gl = platform();
    expect(await gl.getDefaultBranch('42')).toEqual({ name: 'main', sha: HEAD_SHA });
    expect(await archiveBytes(await gl.downloadArchive('42', HEAD_SHA))).toEqual(archive);
    expect(gl.permalink('42', HEAD_SHA, 'worker/sender.py', 5, 9)).toBe(`${GITLAB_URL}/acme/billing-worker/-/blob/${HEAD_SHA}/worker/sender.py#L5-9`);
    expect(gl.permalink('42', HEAD_SHA, 'a b.py', 3)).toBe(`${GITLAB_URL}/acme/billing-worker/-/blob/${HEAD_SHA}/a%20b.py#L3`);
    expect(platform().permalink('acme/tools', HEAD_SHA, 'x.py', 1, 2)).toBe(`${GITLAB_URL}/acme/tools/-/blob/${HEAD_SHA}/x.py#L1-2`);
  });
});
