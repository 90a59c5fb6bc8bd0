// Tolerant reading of GitLab's answers (issue 17): an answer of an unexpected shape to a write whose body the adapter
// does not use never fails the write GitLab did make, and a merge request whose unused fields are odd or absent is
// still reviewed. What the adapter does rely on still fails loudly.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { GitLabPlatform } from '../../../src/platforms/gitlab/gitlab-platform.js';
import type { ChangeRequestRef } from '../../../src/platforms/platform.js';
import { API, BASE_SHA, GITLAB_URL, HEAD_SHA, SENDER_DIFF, TOKEN } from './helpers.js';
import { recordingLogger, type LogLine } from './support.js';

const cr: ChangeRequestRef = { platform: 'gitlab', repo: '42', number: 12, baseSha: BASE_SHA, startSha: BASE_SHA, headSha: HEAD_SHA, baseRef: 'main' };
const json = { 'content-type': 'application/json' };
let lines: LogLine[];
const platform = () => new GitLabPlatform({ url: GITLAB_URL, token: TOKEN, logger: recordingLogger(lines) });
const gitlab = () => nock(API, { reqheaders: { 'private-token': TOKEN } });

beforeEach(() => {
  lines = [];
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
});

describe('GitLab answers of an unexpected shape', () => {
  it('counts a discussion GitLab created as posted whatever shape its answer has', async () => {
    gitlab()
      .get('/projects/42/merge_requests/12/diffs')
      .query(true)
      .reply(200, [{ old_path: 'worker/sender.py', new_path: 'worker/sender.py', diff: SENDER_DIFF }], json);
    // A numeric discussion id and no notes: not what the list schema expects, and not needed after a write.
    gitlab().post('/projects/42/merge_requests/12/discussions').reply(201, { id: 4711, notes: null }, json);
    gitlab().post('/projects/42/merge_requests/12/discussions').reply(201, 'created', { 'content-type': 'text/plain' });
    const comments = [6, 7].map((line) => ({ path: 'worker/sender.py', line, body: `finding ${line}`, fingerprint: `fp${line}` }));
    const result = await platform().publishReview(cr, { body: '', comments });
    expect(result).toEqual({ posted: comments, rejected: [] });
  });

  it('does not fail the summary note, the commit status, a reply or an issue edit on an odd answer', async () => {
    gitlab().get('/user').reply(200, { id: 99, username: 'coze-loop-bot' }, json);
    gitlab().get('/projects/42/merge_requests/12/notes').query(true).reply(200, [], json);
    gitlab().post('/projects/42/merge_requests/12/notes').reply(201, { id: 'n-1', body: null }, json);
    gitlab().post(`/projects/42/statuses/${HEAD_SHA}`).reply(201, { status: 'success' }, json);
    gitlab().post('/projects/42/merge_requests/12/discussions/d1/notes').reply(201, [], json);
    gitlab().put('/projects/42/issues/3').reply(200, { iid: '3' }, json);
    const gl = platform();
    await gl.upsertSummary(cr, 'summary');
    await gl.reportStatus(cr, { name: 'coze-loop', conclusion: 'success', title: 'No loop findings', summary: '' });
    await gl.reply(cr, { commentId: '5', threadId: 'd1' }, 'answer');
    await gl.updateIssue('42', 3, { body: 'weekly' });
  });

  it('reviews a merge request whose unused fields are absent or odd, and still refuses one without its state', async () => {
    const mr = { iid: 12, state: 'opened', target_branch: 'main', sha: HEAD_SHA, diff_refs: { base_sha: BASE_SHA, start_sha: BASE_SHA, head_sha: HEAD_SHA } };
    gitlab().get('/projects/42/merge_requests/12').reply(200, { ...mr, id: 'gid://gitlab/MergeRequest/1', project_id: null }, json);
    const got = await platform().getChangeRequest('42', 12);
    expect(got).toMatchObject({ ready: true, state: 'opened', ref: { number: 12, headSha: HEAD_SHA, baseRef: 'main', headRef: undefined } });
    expect(lines.filter((l) => l.level === 'warn').map((l) => (l.obj as { problem: string }).problem)).toEqual(['defaulted a field (Invalid input: expected number, received string)']);
    gitlab().get('/projects/42/merge_requests/12').reply(200, { ...mr, state: undefined }, json);
    await expect(platform().getChangeRequest('42', 12)).rejects.toThrow(/unexpected response shape at state/);
  });
});
