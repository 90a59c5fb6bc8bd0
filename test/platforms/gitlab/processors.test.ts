// The GitLab processors end to end over strict nock: webhook-shaped job in, exact GitLab requests out.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import type { JobData, JobProcessor } from '../../../src/jobs/queue.js';
import { SUMMARY_MARKER } from '../../../src/platforms/platform.js';
import { noopMetrics } from '../../../src/core/observability.js';
import { createGitLabService } from '../../../src/platforms/gitlab/service.js';
import { API, BASE_SHA, GITLAB_URL, HEAD_SHA, SENDER_DIFF, SENDER_SOURCE, TOKEN, parseRequestBody, type RecordedRequest } from './helpers.js';
import { RecordingQueue, recordingLogger } from './support.js';

const BOT = { id: 99, username: 'coze-loop-bot' };
const NOW = new Date('2026-11-23T12:00:00Z');
const HEAD2 = 'd0d1d2d3d4d5d6d7d8d9e0e1e2e3e4e5e6e7e8e9';
const SENDER_PATH = 'worker%2Fsender.py';

let sent: RecordedRequest[];
let queue: RecordingQueue;
let processors: Partial<Record<string, JobProcessor>>;

function scope() {
  return nock(API, { reqheaders: { 'private-token': TOKEN } });
}

/** Records every write with its body as GitLab parses it (multipart fields for positioned discussions). */
function recorder(status: number, respond: (body: unknown, index: number) => unknown) {
  let index = 0;
  return async function (this: { req: { headers: Record<string, string>; method: string } }, uri: string, body: unknown) {
    const parsed = await parseRequestBody(body, this.req.headers['content-type']);
    sent.push({ method: this.req.method, path: uri, body: parsed });
    return [status, respond(parsed, index++), { 'content-type': 'application/json' }] as [number, unknown, Record<string, string>];
  };
}

function mergeRequest(overrides: Record<string, unknown> = {}) {
  return {
    id: 1301,
    iid: 12,
    project_id: 42,
    state: 'opened',
    draft: false,
    sha: HEAD_SHA,
    source_branch: 'feature/invoice-sender',
    target_branch: 'main',
    web_url: `${GITLAB_URL}/acme/billing-worker/-/merge_requests/12`,
    author: { id: 7, username: 'dana' },
    diff_refs: { base_sha: BASE_SHA, start_sha: BASE_SHA, head_sha: HEAD_SHA },
    ...overrides,
  };
}

const senderDiff = { old_path: 'worker/sender.py', new_path: 'worker/sender.py', new_file: false, renamed_file: false, deleted_file: false, diff: SENDER_DIFF };

function reviewJob(headSha = HEAD_SHA, id = 'gitlab:delivery-1'): JobData {
  return {
    type: 'gitlab-review',
    id,
    coalesceKey: 'gitlab:42!12',
    payload: { project: '42', iid: 12, trigger: 'open', headSha, projectUrl: `${GITLAB_URL}/acme/billing-worker` },
  };
}

/** The requests every review makes before it posts. */
/** `GET /user` happens once per processor set: the bot user is cached. */
function expectReviewReads(options: { mr?: Record<string, unknown>; config?: string; discussions?: unknown[]; diffs?: unknown[]; source?: string; head?: string; userCached?: boolean; diffsCached?: boolean } = {}) {
  const head = options.head ?? HEAD_SHA;
  scope().get('/projects/42/merge_requests/12').reply(200, mergeRequest(options.mr));
  const config = scope().get('/projects/42/repository/files/.coze-loop.yml/raw').query({ ref: 'main' });
  if (options.config === undefined) config.reply(404, { message: '404 File Not Found' });
  else config.reply(200, options.config, { 'content-type': 'text/plain' });
  // The adapter keeps the diffs of a diff version it already read.
  if (!options.diffsCached) scope().get('/projects/42/merge_requests/12/diffs').query({ per_page: '100' }).reply(200, options.diffs ?? [senderDiff]);
  scope()
    .get(`/projects/42/repository/files/${SENDER_PATH}/raw`)
    .query({ ref: head })
    .reply(200, options.source ?? SENDER_SOURCE, { 'content-type': 'text/plain' });
  if (!options.userCached) scope().get('/user').reply(200, BOT);
  scope().get('/projects/42/merge_requests/12/discussions').query({ per_page: '100' }).reply(200, options.discussions ?? []);
}

/** Turns the positioned discussions a run posted into what GitLab would list on the next run. */
function discussionsFrom(requests: RecordedRequest[]) {
  return requests
    .filter((r) => r.path.endsWith('/discussions') && r.method === 'POST')
    .map((r, i) => {
      const body = r.body as Record<string, string>;
      return {
        id: `disc${i}`,
        individual_note: false,
        notes: [
          {
            id: 700 + i,
            type: 'DiffNote',
            body: body.body,
            author: BOT,
            system: false,
            resolvable: true,
            resolved: false,
            position: { position_type: 'text', new_path: body['position[new_path]'], old_path: body['position[old_path]'], new_line: Number(body['position[new_line]']), old_line: null },
          },
        ],
      };
    });
}

beforeEach(() => {
  sent = [];
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  queue = new RecordingQueue();
  const service = createGitLabService(
    { GITLAB_URL, GITLAB_TOKEN: TOKEN, GITLAB_WEBHOOK_SECRET: 'secret' },
    { queue, logger: recordingLogger(), metrics: noopMetrics, now: () => NOW },
  );
  processors = service!.processors;
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
});

async function runReviewJob(job = reviewJob()) {
  await processors['gitlab-review']!(job, new AbortController().signal);
}

describe('gitlab-review processor', () => {
  it('posts positioned discussions, one summary note and the commit status; a second run posts nothing new', async () => {
    // The repository reports the graded `unbounded-query` at warning again, so its patch is posted as a suggestion.
    expectReviewReads({ config: 'rules:\n  unbounded-query: warning\n' });
    scope()
      .post('/projects/42/merge_requests/12/discussions')
      .times(25)
      .reply(recorder(201, (_b, i) => ({ id: `disc${i}`, notes: [] })));
    scope().get('/projects/42/merge_requests/12/notes').query(true).reply(200, []);
    scope().post('/projects/42/merge_requests/12/notes').reply(recorder(201, () => ({ id: 900, body: 'summary', author: BOT })));
    scope().post(`/projects/42/statuses/${HEAD_SHA}`).reply(recorder(201, () => ({ id: 1 })));

    await runReviewJob();
    // Unused discussion slots are fine: the engine decides how many findings there are.
    nock.removeInterceptor({ hostname: 'gitlab.example.com', proto: 'https', path: '/api/v4/projects/42/merge_requests/12/discussions', method: 'POST' });

    const discussions = sent.filter((r) => r.path.endsWith('/discussions'));
    expect(discussions.length).toBeGreaterThan(0);
    for (const d of discussions) {
      expect(d.body).toMatchObject({
        'position[position_type]': 'text',
        'position[base_sha]': BASE_SHA,
        'position[start_sha]': BASE_SHA,
        'position[head_sha]': HEAD_SHA,
        'position[new_path]': 'worker/sender.py',
        'position[old_path]': 'worker/sender.py',
      });
      expect((d.body as Record<string, string>).body).toMatch(/<!-- coze-loop:fp:[a-z0-9]+:[0-9a-f]{32} -->$/);
    }
    const summary = sent.find((r) => r.path.endsWith('/notes'));
    expect((summary!.body as { body: string }).body).toContain(SUMMARY_MARKER);
    const status = sent.find((r) => r.path.includes('/statuses/'));
    expect(status!.body).toMatchObject({ name: 'coze-loop', state: 'success' });
    expect(sent).toMatchSnapshot();

    // Run again for the same head (a second delivery): every finding already has its discussion; the one summary
    // note is edited in place.
    const first = [...sent];
    sent = [];
    expectReviewReads({ discussions: discussionsFrom(first), userCached: true, diffsCached: true });
    scope()
      .get('/projects/42/merge_requests/12/notes')
      .query(true)
      .reply(200, [{ id: 900, body: (summary!.body as { body: string }).body, author: BOT, system: false }]);
    scope().put('/projects/42/merge_requests/12/notes/900').reply(recorder(200, () => ({ id: 900, body: 's', author: BOT })));
    scope().post(`/projects/42/statuses/${HEAD_SHA}`).reply(recorder(201, () => ({ id: 2 })));
    await runReviewJob(reviewJob(HEAD_SHA, 'gitlab:delivery-2'));
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /api/v4/projects/42/merge_requests/12/notes/900',
      `POST /api/v4/projects/42/statuses/${HEAD_SHA}`,
    ]);
    expect((sent[0]!.body as { body: string }).body).toContain(`${discussions.length} already commented earlier`);
  });

  it('resolves the discussions of findings a later push removed', async () => {
    expectReviewReads();
    scope().post('/projects/42/merge_requests/12/discussions').times(25).reply(recorder(201, (_b, i) => ({ id: `disc${i}`, notes: [] })));
    scope().get('/projects/42/merge_requests/12/notes').query(true).reply(200, []);
    scope().post('/projects/42/merge_requests/12/notes').reply(recorder(201, () => ({ id: 900, body: 's', author: BOT })));
    scope().post(`/projects/42/statuses/${HEAD_SHA}`).reply(201, { id: 1 });
    await runReviewJob();
    nock.removeInterceptor({ hostname: 'gitlab.example.com', proto: 'https', path: '/api/v4/projects/42/merge_requests/12/discussions', method: 'POST' });
    const existing = discussionsFrom(sent);
    expect(existing.length).toBeGreaterThan(0);

    sent = [];
    const fixedSource = 'import time\nimport requests\n\n\ndef main():\n    pass\n';
    const fixedDiff = '@@ -1,4 +1,6 @@\n import time\n import requests\n \n+\n def main():\n+    pass\n';
    expectReviewReads({
      mr: { sha: HEAD2, diff_refs: { base_sha: BASE_SHA, start_sha: BASE_SHA, head_sha: HEAD2 } },
      head: HEAD2,
      discussions: existing,
      userCached: true,
      diffs: [{ ...senderDiff, diff: fixedDiff }],
      source: fixedSource,
    });
    for (const d of existing) {
      scope().post(`/projects/42/merge_requests/12/discussions/${d.id}/notes`).reply(recorder(201, () => ({ id: 1, body: 'fixed', author: BOT })));
      scope().put(`/projects/42/merge_requests/12/discussions/${d.id}`).query({ resolved: 'true' }).reply(recorder(200, () => ({ id: d.id, notes: [] })));
    }
    scope().get('/projects/42/merge_requests/12/notes').query(true).reply(200, [{ id: 900, body: `${SUMMARY_MARKER}\nold`, author: BOT, system: false }]);
    scope().put('/projects/42/merge_requests/12/notes/900').reply(recorder(200, () => ({ id: 900, body: 'x', author: BOT })));
    scope().post(`/projects/42/statuses/${HEAD2}`).reply(recorder(201, () => ({ id: 3 })));
    await runReviewJob(reviewJob(HEAD2, 'gitlab:delivery-3'));

    const replies = sent.filter((r) => r.method === 'POST' && /discussions\/disc\d+\/notes$/.test(r.path));
    const resolves = sent.filter((r) => r.method === 'PUT' && /discussions\/disc\d+\?resolved=true$/.test(r.path));
    expect(replies).toHaveLength(existing.length);
    expect(resolves).toHaveLength(existing.length);
    expect((replies[0]!.body as { body: string }).body).toBe('Fixed in d0d1d2d: this finding no longer appears.');
    expect(sent.some((r) => r.method === 'POST' && r.path.endsWith('/discussions'))).toBe(false);
  });

  it('moves a finding whose position GitLab refuses (400) into the summary note', async () => {
    expectReviewReads();
    scope()
      .post('/projects/42/merge_requests/12/discussions')
      .reply(recorder(400, () => ({ message: '400 Bad request - Note {:line_code=>["can\'t be blank", "must be a valid line code"]}' })));
    scope().post('/projects/42/merge_requests/12/discussions').times(24).reply(recorder(201, (_b, i) => ({ id: `disc${i}`, notes: [] })));
    scope().get('/projects/42/merge_requests/12/notes').query(true).reply(200, []);
    scope().post('/projects/42/merge_requests/12/notes').reply(recorder(201, () => ({ id: 900, body: 's', author: BOT })));
    scope().post(`/projects/42/statuses/${HEAD_SHA}`).reply(201, { id: 1 });
    await runReviewJob();
    nock.removeInterceptor({ hostname: 'gitlab.example.com', proto: 'https', path: '/api/v4/projects/42/merge_requests/12/discussions', method: 'POST' });

    const refused = sent.find((r) => r.path.endsWith('/discussions'))!.body as Record<string, string>;
    const fingerprint = /coze-loop:fp:([a-z0-9]+)/.exec(refused.body)![1]!;
    const summary = (sent.find((r) => r.path.endsWith('/notes'))!.body as { body: string }).body;
    expect(summary).toContain("line_code=>[\"can't be blank\"");
    expect(summary).toContain('worker/sender.py');
    expect(fingerprint).toMatch(/^[a-z0-9]+$/);
  });

  it('reports a broken .coze-loop.yml in the summary note and a failed status instead of reviewing', async () => {
    scope().get('/projects/42/merge_requests/12').reply(200, mergeRequest());
    scope()
      .get('/projects/42/repository/files/.coze-loop.yml/raw')
      .query({ ref: 'main' })
      .reply(200, 'max_comments: lots\n', { 'content-type': 'text/plain' });
    scope().get('/user').reply(200, BOT);
    scope().get('/projects/42/merge_requests/12/notes').query(true).reply(200, []);
    scope().post('/projects/42/merge_requests/12/notes').reply(recorder(201, () => ({ id: 900, body: 's', author: BOT })));
    scope().post(`/projects/42/statuses/${HEAD_SHA}`).reply(recorder(201, () => ({ id: 1 })));
    await runReviewJob();
    expect(sent).toMatchSnapshot();
    expect(sent[1]!.body).toMatchObject({ state: 'failed', name: 'coze-loop' });
    expect((sent[0]!.body as { body: string }).body).toContain('max_comments');
  });

  it('skips a stale job (the head moved on), a closed merge request and a draft', async () => {
    scope().get('/projects/42/merge_requests/12').reply(200, mergeRequest({ sha: HEAD2, diff_refs: { base_sha: BASE_SHA, start_sha: BASE_SHA, head_sha: HEAD2 } }));
    await runReviewJob(reviewJob(HEAD_SHA));
    scope().get('/projects/42/merge_requests/12').reply(200, mergeRequest({ state: 'merged' }));
    await runReviewJob();
    scope().get('/projects/42/merge_requests/12').reply(200, mergeRequest({ draft: true }));
    scope().get('/projects/42/repository/files/.coze-loop.yml/raw').query({ ref: 'main' }).reply(404, { message: '404 File Not Found' });
    await runReviewJob();
    expect(sent).toEqual([]);
  });

  it('retries later while GitLab has not computed the diff of the head', async () => {
    scope().get('/projects/42/merge_requests/12').reply(200, mergeRequest({ diff_refs: null }));
    await expect(runReviewJob()).rejects.toThrow(/not computed the diff of its head yet/);
    // Just after a push: the head moved, the diff refs still describe the previous version.
    scope().get('/projects/42/merge_requests/12').reply(200, mergeRequest({ sha: HEAD2 }));
    await expect(runReviewJob(reviewJob(HEAD2))).rejects.toThrow(/not computed the diff of its head yet/);
  });
});

describe('gitlab-command processor', () => {
  function commandJob(payload: Record<string, unknown>): JobData {
    return {
      type: 'gitlab-command',
      id: 'gitlab:note-delivery',
      payload: { project: '42', iid: 12, noteId: 5501, authorId: 9, username: 'riley', body: '/coze-loop optimize', ...payload },
    };
  }
  async function runCommandJob(payload: Record<string, unknown>) {
    await processors['gitlab-command']!(commandJob(payload), new AbortController().signal);
  }

  it('answers a diff note in its discussion, about the loop at that line, after an emoji', async () => {
    scope().get('/user').reply(200, BOT);
    scope().get('/projects/42/merge_requests/12').reply(200, mergeRequest());
    scope().get('/projects/42/members/all/9').reply(200, { id: 9, username: 'riley', access_level: 30 });
    scope().get('/projects/42/repository/files/.coze-loop.yml/raw').query({ ref: 'main' }).reply(404, { message: '404 File Not Found' });
    scope().post('/projects/42/merge_requests/12/notes/5502/award_emoji').reply(recorder(201, () => ({ id: 1, name: 'eyes' })));
    scope().get(`/projects/42/repository/files/${SENDER_PATH}/raw`).query({ ref: HEAD_SHA }).reply(200, SENDER_SOURCE, { 'content-type': 'text/plain' });
    scope().post('/projects/42/merge_requests/12/discussions/f3b2c1d0/notes').reply(recorder(201, () => ({ id: 2, body: 'r', author: BOT })));
    await runCommandJob({ noteId: 5502, body: '/coze-loop optimize', discussionId: 'f3b2c1d0', path: 'worker/sender.py', line: 6 });
    expect(sent[0]).toEqual({ method: 'POST', path: '/api/v4/projects/42/merge_requests/12/notes/5502/award_emoji', body: { name: 'eyes' } });
    const reply = (sent[1]!.body as { body: string }).body;
    expect(reply).toContain('worker/sender.py');
    expect(reply).toMatchSnapshot();
  });

  it('answers a general note with a report for the whole merge request', async () => {
    scope().get('/user').reply(200, BOT);
    scope().get('/projects/42/merge_requests/12').reply(200, mergeRequest());
    scope().get('/projects/42/members/all/9').reply(200, { id: 9, username: 'riley', access_level: 40 });
    scope().get('/projects/42/repository/files/.coze-loop.yml/raw').query({ ref: 'main' }).reply(404, { message: '404 File Not Found' });
    scope().post('/projects/42/merge_requests/12/notes/5501/award_emoji').reply(recorder(201, () => ({ id: 1, name: 'eyes' })));
    scope().get('/projects/42/merge_requests/12/diffs').query({ per_page: '100' }).reply(200, [senderDiff]);
    scope().get(`/projects/42/repository/files/${SENDER_PATH}/raw`).query({ ref: HEAD_SHA }).reply(200, SENDER_SOURCE, { 'content-type': 'text/plain' });
    scope().post('/projects/42/merge_requests/12/notes').reply(recorder(201, () => ({ id: 2, body: 'r', author: BOT })));
    await runCommandJob({});
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v4/projects/42/merge_requests/12/notes/5501/award_emoji',
      'POST /api/v4/projects/42/merge_requests/12/notes',
    ]);
  });

  it('rate-limits "not allowed" replies too: 25 notes from a guest get at most the hourly limit of replies', async () => {
    scope().get('/user').reply(200, BOT);
    scope().get('/projects/42/merge_requests/12').times(25).reply(200, mergeRequest());
    scope().get('/projects/42/repository/files/.coze-loop.yml/raw').query({ ref: 'main' }).times(25).reply(404, { message: '404 File Not Found' });
    scope().get('/projects/42/members/all/10').times(25).reply(200, { id: 10, username: 'guest', access_level: 20 });
    scope().post('/projects/42/merge_requests/12/notes').times(10).reply(recorder(201, () => ({ id: 2, body: 'r', author: BOT })));
    for (let i = 0; i < 25; i++) await runCommandJob({ noteId: 6000 + i, authorId: 10, username: 'guest' });
    expect(sent).toHaveLength(10);
    expect(new Set(sent.map((r) => (r.body as { body: string }).body))).toEqual(
      new Set(['@guest `/coze-loop` commands are open to project members with the Developer role or higher. A maintainer can run the command for you.']),
    );
  });

  it('declines politely (in the repository locale) for members below Developer and ignores its own notes', async () => {
    scope().get('/user').reply(200, BOT);
    scope().get('/projects/42/merge_requests/12').reply(200, mergeRequest());
    scope().get('/projects/42/repository/files/.coze-loop.yml/raw').query({ ref: 'main' }).reply(200, 'locale: zh-CN\n', { 'content-type': 'text/plain' });
    scope().get('/projects/42/members/all/10').reply(200, { id: 10, username: 'guest', access_level: 20 });
    scope().post('/projects/42/merge_requests/12/notes').reply(recorder(201, () => ({ id: 2, body: 'r', author: BOT })));
    await runCommandJob({ authorId: 10, username: 'guest' });
    await runCommandJob({ authorId: BOT.id, username: BOT.username, body: '/coze-loop help' });
    expect(sent).toEqual([
      {
        method: 'POST',
        path: '/api/v4/projects/42/merge_requests/12/notes',
        body: { body: '@guest `/coze-loop` 命令仅对具有 Developer 或更高角色的项目成员开放，可请维护者代为运行。' },
      },
    ]);
  });
});
