import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnalysisResult, Finding, SourceInput } from '../../../src/core/types.js';
import type { EnqueueOutcome, JobData, JobQueue } from '../../../src/jobs/queue.js';
import { noopMetrics } from '../../../src/core/observability.js';
import { makeFinding } from '../../support/findings.js';
import { issueCommentPayload, pullRequestPayload, reviewCommentPayload } from './payloads.js';

const found = new Map<string, Finding[]>();
jest.unstable_mockModule('../../../src/analysis/engine.js', () => ({
  analyzeSource: (input: SourceInput): AnalysisResult => ({ findings: found.get(input.path) ?? [], skipped: [], notes: [], filesAnalyzed: 1 }),
  analyzeSources: (): AnalysisResult => ({ findings: [], skipped: [], notes: [], filesAnalyzed: 0 }),
}));
const { createGitHubService, routeWebhook, signPayload, withDotEnv, readPrivateKey } = await import('../../../src/platforms/github/service.js');
type Service = NonNullable<Awaited<ReturnType<typeof createGitHubService>>>;

const API = 'https://api.github.com';
const HEAD = 'a'.repeat(40);
const SECRET = 'webhook-secret-for-tests';
const target = { owner: 'acme', repo: 'shop', number: 7, headSha: HEAD };
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };

class RecordingQueue implements JobQueue {
  readonly kind = 'memory' as const;
  jobs: JobData[] = [];
  full = false;
  async enqueue(job: JobData): Promise<EnqueueOutcome> {
    if (this.full) return 'full';
    if (this.jobs.some((j) => j.id === job.id)) return 'duplicate';
    this.jobs.push(job);
    return 'enqueued';
  }
  async start(): Promise<void> {}
  async depth(): Promise<number> {
    return this.jobs.length;
  }
  async ready(): Promise<boolean> {
    return true;
  }
  async close(): Promise<{ abandoned: number }> {
    return { abandoned: 0 };
  }
}

const env = { APP_ID: '123', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'fatal', NODE_ENV: 'test' } as NodeJS.ProcessEnv;

async function service(queue = new RecordingQueue(), extraEnv: Record<string, string> = {}): Promise<{ svc: Service; queue: RecordingQueue }> {
  const svc = await createGitHubService({ ...env, ...extraEnv }, { queue, logger: silent, metrics: noopMetrics, now: () => new Date('2026-11-23T08:00:00Z') });
  if (!svc) throw new Error('service is off');
  return { svc, queue };
}

let http: Server | undefined;
async function serve(svc: Service): Promise<string> {
  http = createServer((req, res) => {
    void svc.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end('not mine');
    });
  });
  await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

async function deliver(url: string, event: string, payload: unknown, options: { id?: string; signature?: string | null; path?: string } = {}): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': options.id ?? 'delivery-1' };
  const signature = options.signature === undefined ? signPayload(SECRET, body) : options.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  const res = await fetch(`${url}${options.path ?? '/api/github/webhooks'}`, { method: 'POST', headers, body });
  return { status: res.status, body: await res.text() };
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
beforeEach(() => found.clear());
afterEach(async () => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  if (http) await new Promise<void>((resolve) => http!.close(() => resolve()));
  http = undefined;
  expect(pending).toEqual([]);
});
afterAll(() => nock.enableNetConnect());

describe('routeWebhook guards', () => {
  it('enqueues reviews for opened, reopened, synchronize and ready_for_review, coalesced per pull request', () => {
    for (const action of ['opened', 'reopened', 'synchronize', 'ready_for_review'] as const) {
      const route = routeWebhook('pull_request', `d-${action}`, pullRequestPayload(action, target));
      expect(route).toEqual({
        kind: 'job',
        job: { type: 'github-review', id: `d-${action}`, coalesceKey: 'github:acme/shop#7', payload: { installationId: 4242, repo: 'acme/shop', number: 7, headSha: HEAD, defaultBranch: 'main', action } },
      });
    }
  });

  it('ignores other actions, closed pull requests, bot senders, malformed payloads and other events', () => {
    expect(routeWebhook('pull_request', 'd', pullRequestPayload('labeled', target))).toMatchObject({ kind: 'ignored' });
    expect(routeWebhook('pull_request', 'd', pullRequestPayload('closed', target))).toMatchObject({ kind: 'ignored' });
    const bot = pullRequestPayload('synchronize', target);
    bot.sender.type = 'Bot';
    expect(routeWebhook('pull_request', 'd', bot)).toEqual({ kind: 'ignored', reason: 'sender is a bot' });
    expect(routeWebhook('pull_request', 'd', { action: 'opened' })).toMatchObject({ kind: 'ignored', reason: 'unexpected pull_request payload' });
    expect(routeWebhook('push', 'd', {})).toMatchObject({ kind: 'ignored' });
  });

  it('turns a review-thread command into a command job anchored on the thread root, path and line', () => {
    const payload = reviewCommentPayload(target, { id: 55, inReplyTo: 50, body: 'Thanks!\n/coze-loop Optimize', path: 'worker.py', line: 12 });
    expect(routeWebhook('pull_request_review_comment', 'd2', payload)).toEqual({
      kind: 'job',
      job: {
        type: 'github-command',
        id: 'd2',
        payload: { installationId: 4242, repo: 'acme/shop', number: 7, defaultBranch: 'main', user: 'Codertocat', command: { action: 'optimize' }, origin: { commentId: '55', threadId: '50', path: 'worker.py', line: 12 } },
      },
    });
  });

  it('takes conversation commands only on pull requests, from people, whatever their association', () => {
    const onPr = routeWebhook('issue_comment', 'd3', issueCommentPayload(target, { id: 9, body: '/coze-loop fix-bugs src/a.py:4', association: 'CONTRIBUTOR' }));
    expect(onPr).toMatchObject({ kind: 'job', job: { type: 'github-command', payload: { command: { action: 'fix-bugs', path: 'src/a.py', line: 4 }, origin: { commentId: '9' } } } });
    expect((onPr as { job: JobData }).job.payload).not.toHaveProperty('trusted');
    expect(routeWebhook('issue_comment', 'd', issueCommentPayload(target, { id: 9, body: '/coze-loop help' }, false))).toMatchObject({ kind: 'ignored' });
    expect(routeWebhook('issue_comment', 'd', issueCommentPayload(target, { id: 9, body: '/coze-loop help', login: 'coze-loop[bot]', type: 'Bot' }))).toEqual({ kind: 'ignored', reason: 'comment by a bot' });
    expect(routeWebhook('issue_comment', 'd', issueCommentPayload(target, { id: 9, body: 'LGTM' }))).toEqual({ kind: 'ignored', reason: 'no command' });
  });
});

describe('webhook endpoint', () => {
  it('verifies the signature before anything else: forged or missing -> 401, nothing enqueued, no API call', async () => {
    const { svc, queue } = await service();
    const url = await serve(svc);
    const payload = pullRequestPayload('opened', target);
    expect((await deliver(url, 'pull_request', payload, { signature: signPayload('wrong-secret', JSON.stringify(payload)) })).status).toBe(401);
    expect((await deliver(url, 'pull_request', payload, { signature: null })).status).toBe(401);
    expect((await deliver(url, 'pull_request', payload, { signature: 'sha256=00' })).status).toBe(401);
    expect(queue.jobs).toEqual([]);
  });

  it('acknowledges with 202, drops redeliveries with 200, answers 503 when the queue is full, ignores what it does not handle', async () => {
    const { svc, queue } = await service();
    const url = await serve(svc);
    const payload = pullRequestPayload('synchronize', target);
    expect(await deliver(url, 'pull_request', payload, { id: 'abc' })).toEqual({ status: 202, body: '{"status":"enqueued"}' });
    expect(await deliver(url, 'pull_request', payload, { id: 'abc' })).toEqual({ status: 200, body: '{"status":"duplicate"}' });
    expect((await deliver(url, 'pull_request', pullRequestPayload('labeled', target), { id: 'x' })).status).toBe(200);
    queue.full = true;
    const full = await fetch(`${url}/api/github/webhooks`, { method: 'POST', headers: { 'x-github-event': 'pull_request', 'x-github-delivery': 'def', 'x-hub-signature-256': signPayload(SECRET, JSON.stringify(payload)) }, body: JSON.stringify(payload) });
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('60');
    expect(queue.jobs.map((j) => j.id)).toEqual(['abc']);
  });

  it('leaves other paths to the next handler and refuses GET on its own', async () => {
    const { svc } = await service();
    const url = await serve(svc);
    expect((await deliver(url, 'pull_request', {}, { path: '/gitlab/webhook' })).status).toBe(404);
    expect((await fetch(`${url}/api/github/webhooks`)).status).toBe(405);
    const bad = '{"not json';
    const res = await fetch(`${url}/api/github/webhooks`, { method: 'POST', headers: { 'x-github-event': 'pull_request', 'x-github-delivery': 'z', 'x-hub-signature-256': signPayload(SECRET, bad) }, body: bad });
    expect(res.status).toBe(400);
  });

  it('is off without credentials in production and when GitLab is the only host configured', async () => {
    const deps = { queue: new RecordingQueue(), logger: silent, metrics: noopMetrics, now: () => new Date() };
    expect(await createGitHubService({ NODE_ENV: 'production' } as NodeJS.ProcessEnv, deps)).toBeNull();
    expect(await createGitHubService({ GITLAB_URL: 'https://gitlab.example.com' } as NodeJS.ProcessEnv, deps)).toBeNull();
    expect(await createGitHubService({ ...env, WEBHOOK_SECRET: '', NODE_ENV: 'production' } as NodeJS.ProcessEnv, deps)).toBeNull();
  });

  it('offers Probot\'s set-up pages when there are no credentials in development', async () => {
    const deps = { queue: new RecordingQueue(), logger: silent, metrics: noopMetrics, now: () => new Date() };
    const svc = await createGitHubService({ NODE_ENV: 'development', WEBHOOK_PROXY_URL: 'https://smee.io/test-channel' } as NodeJS.ProcessEnv, deps);
    expect(svc).not.toBeNull();
    expect(svc!.processors).toEqual({});
    // The playground at `/` links here while no app is configured.
    expect(svc!.setupPath).toBe('/probot');
    const url = await serve(svc!);
    const page = await fetch(`${url}/probot`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('coze-loop');
    expect(html).toContain('pull_request_review_comment');
  });
});

function recordBodies(scope: nock.Scope, method: 'post' | 'patch', path: string, reply: object, sink: { method: string; path: string; body: unknown }[], status = 200): nock.Scope {
  return scope[method](path, (body) => (sink.push({ method: method.toUpperCase(), path, body }), true)).reply(status, reply);
}

describe('processors', () => {
  const PATCH = '@@ -1,2 +1,9 @@\n import time\n+\n+def poll(db):\n+    while True:\n+        db.fetch_jobs()\n+        time.sleep(30)\n+\n+# end\n # tail';
  const CONTENT = 'import time\n\ndef poll(db):\n    while True:\n        db.fetch_jobs()\n        time.sleep(30)\n\n# end\n# tail\n';

  it('reviews a push as the installation: one review first, then the summary, then the check run created completed (exact bodies)', async () => {
    const { svc, queue } = await service();
    const url = await serve(svc);
    await deliver(url, 'pull_request', pullRequestPayload('opened', target), { id: 'rev-1' });
    found.set('worker.py', [makeFinding('worker.py', 4, { loop: { startLine: 4, endLine: 6 } })]);
    const sent: { method: string; path: string; body: unknown }[] = [];
    const api = nock(API);
    api.post('/app/installations/4242/access_tokens').reply(201, { token: 'ghs_installation', expires_at: '2099-01-01T00:00:00Z' });
    api.get('/repos/acme/shop/pulls/7').reply(200, { number: 7, draft: false, head: { sha: HEAD, ref: 'feature' }, base: { sha: 'b'.repeat(40), ref: 'main' } });
    api.get('/repos/acme/shop/contents/.github/coze-loop.yml').query({ ref: 'main' }).reply(404, { message: 'Not Found' });
    api.get('/repos/acme/shop/pulls/7/files').query(true).reply(200, [{ filename: 'worker.py', status: 'added', patch: PATCH, changes: 8 }]);
    // The changed files come in one GraphQL query as the installation (not one REST read per file).
    api
      .post('/graphql', (b) => b.variables?.e0 === `${HEAD}:worker.py` && String(b.query).includes('f0: object(expression: $e0)'))
      .matchHeader('authorization', 'token ghs_installation')
      .reply(200, { data: { repository: { f0: { text: CONTENT, byteSize: Buffer.byteLength(CONTENT), isBinary: false, isTruncated: false } } } });
    api.get('/repos/acme/shop/pulls/7/comments').query(true).reply(200, []);
    recordBodies(api, 'post', '/repos/acme/shop/pulls/7/reviews', { id: 1 }, sent);
    api.get('/repos/acme/shop/issues/7/comments').query(true).reply(200, []);
    recordBodies(api, 'post', '/repos/acme/shop/issues/7/comments', { id: 2 }, sent, 201);
    api.get(`/repos/acme/shop/commits/${HEAD}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    recordBodies(api, 'post', '/repos/acme/shop/check-runs', { id: 5 }, sent, 201);
    await svc.processors['github-review']!(queue.jobs[0]!, new AbortController().signal);
    // The review is the first write (the comments are what people wait for), then the summary, then the check run,
    // created already completed: three writes, no in-progress run in front of the review.
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual(['POST /repos/acme/shop/pulls/7/reviews', 'POST /repos/acme/shop/issues/7/comments', 'POST /repos/acme/shop/check-runs']);
    expect(sent[2]!.body).toMatchObject({ status: 'completed', conclusion: 'neutral', head_sha: HEAD });
    expect(api.pendingMocks()).toEqual([]);
    expect(sent).toMatchSnapshot();
  });

  it('skips a stale head SHA and drafts without further calls', async () => {
    const { svc } = await service();
    const api = nock(API);
    api.post('/app/installations/4242/access_tokens').reply(201, { token: 'ghs_installation', expires_at: '2099-01-01T00:00:00Z' });
    api.get('/repos/acme/shop/pulls/7').reply(200, { number: 7, head: { sha: 'c'.repeat(40), ref: 'feature' }, base: { sha: 'b'.repeat(40), ref: 'main' } });
    const job = { type: 'github-review' as const, id: 'stale', payload: { installationId: 4242, repo: 'acme/shop', number: 7, headSha: HEAD, defaultBranch: 'main', action: 'synchronize' } };
    await svc.processors['github-review']!(job, new AbortController().signal);
    api.get('/repos/acme/shop/pulls/7').reply(200, { number: 7, draft: true, head: { sha: HEAD, ref: 'feature' }, base: { sha: 'b'.repeat(40), ref: 'main' } });
    api.get('/repos/acme/shop/contents/.github/coze-loop.yml').query({ ref: 'main' }).reply(200, 'locale: en\n', { 'content-type': 'application/vnd.github.raw' });
    await svc.processors['github-review']!({ ...job, id: 'draft' }, new AbortController().signal);
  });

  it('reports a broken repository config as a failed check run instead of reviewing (one config policy for every host)', async () => {
    const { svc } = await service();
    const sent: { method: string; path: string; body: unknown }[] = [];
    const api = nock(API);
    api.post('/app/installations/4242/access_tokens').reply(201, { token: 'ghs_installation', expires_at: '2099-01-01T00:00:00Z' });
    api.get('/repos/acme/shop/pulls/7').reply(200, { number: 7, head: { sha: HEAD, ref: 'feature' }, base: { sha: 'b'.repeat(40), ref: 'main' } });
    api.get('/repos/acme/shop/contents/.github/coze-loop.yml').query({ ref: 'main' }).reply(200, 'max_comments: lots\n', { 'content-type': 'application/vnd.github.raw' });
    api.get(`/repos/acme/shop/commits/${HEAD}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    recordBodies(api, 'post', '/repos/acme/shop/check-runs', { id: 6 }, sent, 201);
    await svc.processors['github-review']!({ type: 'github-review', id: 'cfg', payload: { installationId: 4242, repo: 'acme/shop', number: 7, headSha: HEAD, defaultBranch: 'main', action: 'opened' } }, new AbortController().signal);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({ name: 'coze-loop', conclusion: 'failure', output: { title: 'coze-loop: invalid configuration in .github/coze-loop.yml' } });
    expect(JSON.stringify(sent[0]!.body)).toContain('max_comments');
  });

  it('answers a review-thread command in that thread with the report for the loop at the line', async () => {
    const { svc, queue } = await service();
    const url = await serve(svc);
    await deliver(url, 'pull_request_review_comment', reviewCommentPayload(target, { id: 61, inReplyTo: 60, body: '/coze-loop optimize', path: 'worker.py', line: 5 }), { id: 'cmd-1' });
    found.set('worker.py', [makeFinding('worker.py', 4, { loop: { startLine: 4, endLine: 6 }, fix: { kind: 'block', safety: 'unsafe', description: 'wait on events', startLine: 4, endLine: 6, language: 'python', code: 'for job in listen():\n    handle(job)', extras: [{ kind: 'prometheus-alert', title: 'Prometheus alert for idle polling', language: 'yaml', code: 'alert: IdlePolling' }] } })]);
    const sent: { method: string; path: string; body: unknown }[] = [];
    const api = nock(API);
    api.post('/app/installations/4242/access_tokens').reply(201, { token: 'ghs_installation', expires_at: '2099-01-01T00:00:00Z' });
    api.get('/repos/acme/shop/pulls/7').reply(200, { number: 7, head: { sha: HEAD, ref: 'feature' }, base: { sha: 'b'.repeat(40), ref: 'main' } });
    api.get('/repos/acme/shop/contents/.github/coze-loop.yml').query({ ref: 'main' }).reply(404, {});
    api.get('/repos/acme/shop/collaborators/Codertocat/permission').reply(200, { permission: 'admin', role_name: 'admin' });
    recordBodies(api, 'post', '/repos/acme/shop/pulls/comments/61/reactions', { id: 1 }, sent, 201);
    api.get('/repos/acme/shop/contents/worker.py').query({ ref: HEAD }).reply(200, CONTENT, { 'content-type': 'application/vnd.github.raw' });
    recordBodies(api, 'post', '/repos/acme/shop/pulls/7/comments/60/replies', { id: 62 }, sent, 201);
    await svc.processors['github-command']!(queue.jobs[0]!, new AbortController().signal);
    expect(sent[0]!.body).toEqual({ content: 'eyes' });
    const reply = (sent[1]!.body as { body: string }).body;
    expect(reply).toContain('### coze-loop `optimize` for `worker.py` line 5');
    expect(reply).toContain('Prometheus alert for idle polling');
    expect(sent).toMatchSnapshot();
  });

  it('checks permission for untrusted authors and answers politely without running', async () => {
    const { svc, queue } = await service();
    const url = await serve(svc);
    await deliver(url, 'issue_comment', issueCommentPayload(target, { id: 70, body: '/coze-loop optimize', association: 'NONE', login: 'passerby' }), { id: 'cmd-2' });
    const api = nock(API);
    api.post('/app/installations/4242/access_tokens').reply(201, { token: 'ghs_installation', expires_at: '2099-01-01T00:00:00Z' });
    api.get('/repos/acme/shop/pulls/7').reply(200, { number: 7, head: { sha: HEAD, ref: 'feature' }, base: { sha: 'b'.repeat(40), ref: 'main' } });
    api.get('/repos/acme/shop/contents/.github/coze-loop.yml').query({ ref: 'main' }).reply(404, {});
    api.get('/repos/acme/shop/collaborators/passerby/permission').reply(200, { permission: 'read', role_name: 'read' });
    api.post('/repos/acme/shop/issues/7/comments', { body: 'Sorry @passerby, only people with write access to this repository can run `/coze-loop` commands.' }).reply(201, { id: 71 });
    await svc.processors['github-command']!(queue.jobs[0]!, new AbortController().signal);
  });

  it('asks the permission API for MEMBER and COLLABORATOR too: read access is refused, whatever the association', async () => {
    const { svc, queue } = await service();
    const url = await serve(svc);
    await deliver(url, 'issue_comment', issueCommentPayload(target, { id: 72, body: '/coze-loop summary', association: 'COLLABORATOR', login: 'reader' }), { id: 'cmd-4' });
    await deliver(url, 'issue_comment', issueCommentPayload(target, { id: 73, body: '/coze-loop optimize', association: 'MEMBER', login: 'reader' }), { id: 'cmd-5' });
    const api = nock(API);
    api.post('/app/installations/4242/access_tokens').reply(201, { token: 'ghs_installation', expires_at: '2099-01-01T00:00:00Z' });
    api.get('/repos/acme/shop/pulls/7').times(2).reply(200, { number: 7, head: { sha: HEAD, ref: 'feature' }, base: { sha: 'b'.repeat(40), ref: 'main' } });
    api.get('/repos/acme/shop/contents/.github/coze-loop.yml').query({ ref: 'main' }).times(2).reply(404, {});
    api.get('/repos/acme/shop/collaborators/reader/permission').times(2).reply(200, { permission: 'read', role_name: 'triage' });
    api.post('/repos/acme/shop/issues/7/comments', { body: 'Sorry @reader, only people with write access to this repository can run `/coze-loop` commands.' }).times(2).reply(201, { id: 74 });
    for (const job of queue.jobs.slice()) await svc.processors['github-command']!(job, new AbortController().signal);
    expect(queue.jobs.map((j) => j.type)).toEqual(['github-command', 'github-command']);
  });

  it('rate-limits every reply: 12 refused commands get at most the hourly limit of notes', async () => {
    // GitHub's throttling spaces writes a second apart: a small limit keeps the test short.
    const { svc, queue } = await service(new RecordingQueue(), { COZE_LOOP_COMMANDS_PER_HOUR: '3' });
    const url = await serve(svc);
    for (let i = 0; i < 12; i++) await deliver(url, 'issue_comment', issueCommentPayload(target, { id: 100 + i, body: '/coze-loop help', association: 'NONE', login: 'passerby' }), { id: `spam-${i}` });
    const api = nock(API);
    api.post('/app/installations/4242/access_tokens').reply(201, { token: 'ghs_installation', expires_at: '2099-01-01T00:00:00Z' });
    api.get('/repos/acme/shop/pulls/7').times(12).reply(200, { number: 7, head: { sha: HEAD, ref: 'feature' }, base: { sha: 'b'.repeat(40), ref: 'main' } });
    api.get('/repos/acme/shop/contents/.github/coze-loop.yml').query({ ref: 'main' }).times(12).reply(404, {});
    api.get('/repos/acme/shop/collaborators/passerby/permission').times(12).reply(200, { permission: 'read', role_name: 'read' });
    let replies = 0;
    api.post('/repos/acme/shop/issues/7/comments').times(3).reply(201, () => (replies++, { id: 75 }));
    for (const job of queue.jobs) await svc.processors['github-command']!(job, new AbortController().signal);
    expect(queue.jobs).toHaveLength(12);
    expect(replies).toBe(3);
  });

  it('queues the weekly report for `/coze-loop summary` and says so', async () => {
    const { svc, queue } = await service();
    const url = await serve(svc);
    await deliver(url, 'issue_comment', issueCommentPayload(target, { id: 80, body: '/coze-loop summary' }), { id: 'cmd-3' });
    const api = nock(API);
    api.post('/app/installations/4242/access_tokens').reply(201, { token: 'ghs_installation', expires_at: '2099-01-01T00:00:00Z' });
    api.get('/repos/acme/shop/pulls/7').reply(200, { number: 7, head: { sha: HEAD, ref: 'feature' }, base: { sha: 'b'.repeat(40), ref: 'main' } });
    api.get('/repos/acme/shop/contents/.github/coze-loop.yml').query({ ref: 'main' }).reply(404, {});
    api.get('/repos/acme/shop/collaborators/Codertocat/permission').reply(200, { permission: 'admin', role_name: 'admin' });
    api.post('/repos/acme/shop/issues/comments/80/reactions', { content: 'eyes' }).reply(201, { id: 1 });
    api.post('/repos/acme/shop/issues/7/comments', (b) => /queued/.test(b.body)).reply(201, { id: 81 });
    await svc.processors['github-command']!(queue.jobs[0]!, new AbortController().signal);
    expect(queue.jobs[1]).toMatchObject({ type: 'weekly-summary', id: 'github:acme/shop:summary:comment-80', payload: { installationId: 4242, repo: 'acme/shop', onDemand: true, platform: 'github' } });
  });

  it('lists every repository of every installation for the weekly schedule, skipping suspended and archived', async () => {
    const { svc } = await service();
    const api = nock(API);
    api.get('/app/installations').query({ per_page: 100, page: 1 }).reply(200, [{ id: 1 }, { id: 2, suspended_at: '2026-01-01T00:00:00Z' }, { id: 3 }]);
    api.post('/app/installations/1/access_tokens').reply(201, { token: 'ghs_one', expires_at: '2099-01-01T00:00:00Z' });
    api.post('/app/installations/3/access_tokens').reply(201, { token: 'ghs_three', expires_at: '2099-01-01T00:00:00Z' });
    api.get('/installation/repositories').query({ per_page: 100, page: 1 }).matchHeader('authorization', 'token ghs_one').reply(200, { repositories: [{ full_name: 'acme/shop' }, { full_name: 'acme/old', archived: true }] });
    api.get('/installation/repositories').query({ per_page: 100, page: 1 }).matchHeader('authorization', 'token ghs_three').reply(200, { repositories: [{ full_name: 'beta/api' }] });
    expect(await svc.listSummaryTargets!()).toEqual([
      { platform: 'github', key: 'acme/shop', payload: { installationId: 1, repo: 'acme/shop' } },
      { platform: 'github', key: 'beta/api', payload: { installationId: 3, repo: 'beta/api' } },
    ]);
  });
});

describe('credentials', () => {
  it('reads what Probot\'s set-up page wrote to .env, without overriding the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coze-loop-env-'));
    writeFileSync(join(dir, '.env'), `APP_ID=99\nWEBHOOK_SECRET=from-file\nPRIVATE_KEY="${privateKey.replace(/\n/g, '\\n')}"\nREDIS_URL=redis://elsewhere\n`);
    const merged = withDotEnv({ NODE_ENV: 'development', WEBHOOK_SECRET: 'from-env' } as NodeJS.ProcessEnv, dir);
    expect(merged).toMatchObject({ APP_ID: '99', WEBHOOK_SECRET: 'from-env' });
    expect(merged.REDIS_URL).toBeUndefined();
    expect(readPrivateKey(merged)).toBe(privateKey.trim());
    expect(withDotEnv({ NODE_ENV: 'test' } as NodeJS.ProcessEnv, dir).APP_ID).toBeUndefined();
  });

  it('accepts the private key as PEM with escaped newlines, as base64, or from PRIVATE_KEY_PATH', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coze-loop-key-'));
    writeFileSync(join(dir, 'app.pem'), privateKey);
    expect(readPrivateKey({ PRIVATE_KEY: privateKey.replace(/\n/g, '\\n') } as NodeJS.ProcessEnv)).toBe(privateKey.trim());
    expect(readPrivateKey({ PRIVATE_KEY: Buffer.from(privateKey).toString('base64') } as NodeJS.ProcessEnv)).toBe(privateKey.trim());
    expect(readPrivateKey({ PRIVATE_KEY_PATH: join(dir, 'app.pem') } as NodeJS.ProcessEnv)).toBe(privateKey.trim());
    expect(readPrivateKey({} as NodeJS.ProcessEnv)).toBeUndefined();
  });
});
