import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import nock from 'nock';
import { noopMetrics, type Metrics } from '../../../src/core/observability.js';
import { GitLabPlatform } from '../../../src/platforms/gitlab/gitlab-platform.js';
import { createGitLabService, readGitLabSettings, tokenMatches } from '../../../src/platforms/gitlab/service.js';
import { API, GITLAB_URL, TOKEN, fixture } from './helpers.js';
import { RecordingQueue, recordingLogger, serve } from './support.js';

const SECRET = 'webhook-secret-1234';
const env = { GITLAB_URL, GITLAB_TOKEN: TOKEN, GITLAB_WEBHOOK_SECRET: SECRET };

let queue: RecordingQueue;
let received: string[];
let server: { url: string; close: () => Promise<void> };
let current: ReturnType<typeof createGitLabService>;
let logger: ReturnType<typeof recordingLogger>;
/** Any request to GitLab would hit this scope; the handler must never make one. */
let gitlabScope: nock.Scope;

const metrics: Metrics = { ...noopMetrics, webhookReceived: (_platform, event) => void received.push(event) };

beforeAll(async () => {
  server = await serve((req, res) => current!.handle(req, res));
});
afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  queue = new RecordingQueue();
  received = [];
  logger = recordingLogger();
  current = createGitLabService(env, { queue, logger, metrics, now: () => new Date('2026-11-23T12:00:00Z') });
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  gitlabScope = nock(API).get(/.*/).reply(500).post(/.*/).reply(500);
});

afterEach(() => {
  expect(gitlabScope.isDone()).toBe(false);
  nock.cleanAll();
  nock.enableNetConnect();
});

async function post(body: string | object, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${server.url}/gitlab/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-gitlab-token': SECRET, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // Some answers (404 from the test server) have no body.
  }
  return { status: res.status, json };
}

describe('GitLab settings', () => {
  it('is off without settings, refuses partial settings, and accepts the API root as GITLAB_URL', () => {
    expect(createGitLabService({}, { queue: new RecordingQueue(), logger: recordingLogger(), metrics: noopMetrics, now: () => new Date() })).toBeNull();
    expect(() => readGitLabSettings({ GITLAB_URL }, )).toThrow('GITLAB_TOKEN, GITLAB_WEBHOOK_SECRET must be set');
    expect(() => readGitLabSettings({ ...env, GITLAB_URL: 'gitlab dot com' })).toThrow('GITLAB_URL is not a URL');
    expect(readGitLabSettings({ ...env, GITLAB_URL: 'https://git.corp.example/gitlab/api/v4/' })).toEqual({
      url: 'https://git.corp.example/gitlab',
      token: TOKEN,
      webhookSecret: SECRET,
    });
  });

  it('compares tokens in constant time over digests of any length', () => {
    expect(tokenMatches(SECRET, SECRET)).toBe(true);
    expect(tokenMatches('short', SECRET)).toBe(false);
    expect(tokenMatches(`${SECRET}x`, SECRET)).toBe(false);
    expect(tokenMatches(undefined, SECRET)).toBe(false);
  });
});

describe('POST /gitlab/webhook', () => {
  it('leaves other paths to the next handler', async () => {
    const res = await fetch(`${server.url}/api/github/webhooks`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
  });

  it('answers 401 to a wrong or missing token, enqueues nothing and calls no API', async () => {
    const hook = fixture('merge-request-open.json');
    expect((await post(hook, { 'x-gitlab-token': 'guess', 'x-gitlab-event': 'Merge Request Hook' })).status).toBe(401);
    const res = await fetch(`${server.url}/gitlab/webhook`, { method: 'POST', body: JSON.stringify(hook) });
    expect(res.status).toBe(401);
    expect(queue.jobs).toEqual([]);
    expect(JSON.stringify(logger.lines)).not.toContain(SECRET);
  });

  it('refuses bodies over the size limit (413) and malformed JSON (400)', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024 + 10);
    expect((await post(big)).status).toBe(413);
    const chunked = await fetch(`${server.url}/gitlab/webhook`, {
      method: 'POST',
      headers: { 'x-gitlab-token': SECRET },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 6; i++) controller.enqueue(new Uint8Array(1024 * 1024));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await post('{"object_kind": "merge_request",')).status).toBe(400);
    expect((await post({ object_kind: 'merge_request', project: { id: 'x' } })).status).toBe(400);
    expect(queue.jobs).toEqual([]);
  });

  it('enqueues a review for an opened merge request, keyed by the delivery and coalesced per MR', async () => {
    const res = await post(fixture('merge-request-open.json'), {
      'x-gitlab-event': 'Merge Request Hook',
      'idempotency-key': '5d2c9c1e-8b1d-4a4e-9a43-3c0c2d9a1f00',
      'x-gitlab-event-uuid': 'e5d4c3b2-0000-4000-8000-000000000001',
    });
    expect(res).toEqual({ status: 202, json: { status: 'enqueued' } });
    expect(received).toEqual(['Merge Request Hook']);
    expect(queue.jobs).toEqual([
      {
        type: 'gitlab-review',
        id: 'gitlab:5d2c9c1e-8b1d-4a4e-9a43-3c0c2d9a1f00',
        coalesceKey: 'gitlab:42!12',
        payload: {
          project: '42',
          iid: 12,
          trigger: 'open',
          headSha: 'b0b1b2b3b4b5b6b7b8b9c0c1c2c3c4c5c6c7c8c9',
          projectUrl: 'https://gitlab.example.com/acme/billing-worker',
        },
      },
    ]);
  });

  it('answers a redelivery with 200 and enqueues nothing new', async () => {
    const headers = { 'x-gitlab-event': 'Merge Request Hook', 'x-gitlab-event-uuid': 'e5d4c3b2-0000-4000-8000-000000000002' };
    expect((await post(fixture('merge-request-open.json'), headers)).status).toBe(202);
    expect(await post(fixture('merge-request-open.json'), headers)).toEqual({ status: 200, json: { status: 'duplicate' } });
    expect(queue.jobs).toHaveLength(1);
    expect(queue.jobs[0]!.id).toBe('gitlab:e5d4c3b2-0000-4000-8000-000000000002');
  });

  it('reviews an update only when it brought new commits, or when a draft is marked ready', async () => {
    expect((await post(fixture('merge-request-update-push.json'))).status).toBe(202);
    expect(await post(fixture('merge-request-update-title.json'))).toEqual({ status: 200, json: { status: 'ignored', reason: 'action update' } });
    const ready = fixture('merge-request-update-title.json') as { changes: unknown };
    ready.changes = { draft: { previous: true, current: false } };
    expect((await post(ready)).status).toBe(202);
    expect(queue.jobs.map((j) => (j.payload as { trigger: string }).trigger)).toEqual(['push', 'ready']);
    expect(queue.jobs[0]!.payload).toMatchObject({ headSha: 'd0d1d2d3d4d5d6d7d8d9e0e1e2e3e4e5e6e7e8e9' });
  });

  it('answers 503 when the queue is full or unreachable, so GitLab redelivers later', async () => {
    queue.nextOutcome = 'full';
    expect((await post(fixture('merge-request-open.json'))).status).toBe(503);
    queue.enqueue = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    };
    expect((await post(fixture('merge-request-open.json'))).status).toBe(503);
  });

  it('enqueues a command from a general note, for the whole merge request', async () => {
    const res = await post(fixture('note-merge-request.json'), { 'x-gitlab-event': 'Note Hook', 'idempotency-key': 'note-1' });
    expect(res.status).toBe(202);
    expect(queue.jobs).toEqual([
      {
        type: 'gitlab-command',
        id: 'gitlab:note-1',
        payload: {
          project: '42',
          iid: 12,
          noteId: 5501,
          authorId: 9,
          username: 'riley',
          body: '/coze-loop optimize',
          projectUrl: 'https://gitlab.example.com/acme/billing-worker',
        },
      },
    ]);
  });

  it('enqueues a command from a diff note with its discussion, path and line', async () => {
    expect((await post(fixture('note-diff-note.json'), { 'x-gitlab-event': 'Note Hook' })).status).toBe(202);
    expect(queue.jobs[0]!.payload).toEqual({
      project: '42',
      iid: 12,
      noteId: 5502,
      authorId: 9,
      username: 'riley',
      body: '/coze-loop fix-bugs',
      discussionId: 'f3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4',
      path: 'worker/sender.py',
      line: 9,
      projectUrl: 'https://gitlab.example.com/acme/billing-worker',
    });
  });

  it('ignores system notes, notes without a command, notes elsewhere and other events', async () => {
    expect((await post(fixture('note-system.json'))).json).toEqual({ status: 'ignored' });
    const chat = fixture('note-merge-request.json') as { object_attributes: Record<string, unknown> };
    chat.object_attributes.note = 'Looks good, but see the `/coze-loop help` output\n> /coze-loop optimize';
    expect((await post(chat)).json).toEqual({ status: 'ignored', reason: 'not a command' });
    const onIssue = fixture('note-merge-request.json') as { object_attributes: Record<string, unknown>; merge_request?: unknown };
    onIssue.object_attributes.noteable_type = 'Issue';
    delete onIssue.merge_request;
    expect((await post(onIssue)).json).toEqual({ status: 'ignored' });
    expect((await post({ object_kind: 'push', ref: 'refs/heads/main' }, { 'x-gitlab-event': 'Push Hook' })).json).toEqual({
      status: 'ignored',
      reason: 'event Push Hook',
    });
    expect(queue.jobs).toEqual([]);
  });

  it("drops the bot's own notes at the door once it knows its user", async () => {
    class KnownBot extends GitLabPlatform {
      override botUserId(): number | undefined {
        return 9;
      }
    }
    current = createGitLabService(env, { queue, logger, metrics, now: () => new Date() }, { platform: new KnownBot({ url: GITLAB_URL, token: TOKEN }) });
    expect((await post(fixture('note-merge-request.json'))).json).toEqual({ status: 'ignored' });
    expect(queue.jobs).toEqual([]);
  });
});
