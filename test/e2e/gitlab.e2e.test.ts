// The real service as a process (`node dist/src/server/main.js`), GitLab-only (no GitHub App credentials), against
// the GitLab stand-in on 127.0.0.1: webhooks in, discussions, summary note and commit status out.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { FakeGitLab } from '../support/fake-gitlab.js';
import { ensureBuilt, sendGitLabWebhook, startService, waitFor as waitForService, type ServiceProcess } from '../support/service-process.js';
import { BASE_SHA as BASE, HEAD_SHA as HEAD, SENDER_DIFF, SENDER_SOURCE } from '../support/sender-module.js';

const TOKEN = 'glpat-e2e-token-must-not-leak';
const SECRET = 'e2e-webhook-secret-must-not-leak';
const HEAD2 = 'd0d1d2d3d4d5d6d7d8d9e0e1e2e3e4e5e6e7e8e9';

const DIFF = SENDER_DIFF;
const SOURCE = SENDER_SOURCE;
const FIXED_SOURCE = 'import time\nimport requests\n\n\ndef main():\n    pass\n';
const FIXED_DIFF = '@@ -1,4 +1,6 @@\n import time\n import requests\n \n+\n def main():\n+    pass\n';

const riley = { id: 9, username: 'riley' };
const guest = { id: 10, username: 'guest' };

let fake: FakeGitLab;
let service: ServiceProcess | undefined;
/** The service's output so far (every test that reads it runs after the start). */
const logs = (): string => service?.output ?? '';

function fixture(name: string): Record<string, any> {
  const text = readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'gitlab', name), 'utf8');
  return JSON.parse(text.replaceAll('https://gitlab.example.com', fake.url)) as Record<string, any>;
}

/** Waits for a condition the service brings about asynchronously; fails with the service log on timeout. */
const waitFor = (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<boolean> => waitForService(what, check, timeoutMs, service ? [service] : [], 50);

const hook = (event: string, body: object, headers: Record<string, string> = {}): Promise<number> => sendGitLabWebhook(service!.url, SECRET, event, body, headers);

function noteHook(note: { id: number; discussionId: string; body: string; author: { id: number; username: string }; position?: Record<string, unknown> }) {
  const payload = fixture(note.position ? 'note-diff-note.json' : 'note-merge-request.json');
  payload.user = { ...payload.user, id: note.author.id, username: note.author.username };
  Object.assign(payload.object_attributes, {
    id: note.id,
    note: note.body,
    description: note.body,
    author_id: note.author.id,
    discussion_id: note.discussionId,
    ...(note.position ? { position: { ...payload.object_attributes.position, ...note.position } } : {}),
  });
  return payload;
}

beforeAll(async () => {
  ensureBuilt();

  fake = new FakeGitLab({ token: TOKEN });
  await fake.start();
  fake.addProject({ id: 42, path: 'acme/billing-worker', branchSha: BASE });
  fake.addUser(riley);
  fake.addUser(guest);
  fake.setMember(42, riley.id, 30);
  fake.setMember(42, guest.id, 10);
  fake.setFiles(42, HEAD, { 'worker/sender.py': SOURCE });
  fake.addMergeRequest({
    projectId: 42,
    iid: 12,
    sourceBranch: 'feature/invoice-sender',
    targetBranch: 'main',
    baseSha: BASE,
    headSha: HEAD,
    author: { id: 7, username: 'dana' },
    diffs: [{ old_path: 'worker/sender.py', new_path: 'worker/sender.py', diff: DIFF }],
  });

  const env: Record<string, string> = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    COZE_LOOP_CONCURRENCY: '2',
    GITLAB_URL: fake.url,
    GITLAB_TOKEN: TOKEN,
    GITLAB_WEBHOOK_SECRET: SECRET,
  };
  service = await startService(env, { name: 'gitlab-service' });
}, 300_000);

afterAll(async () => {
  await service?.stop('SIGTERM', 10_000);
  await fake?.stop();
});

describe('coze-loop service, GitLab only', () => {
  it('says in its log that the GitHub side is off', () => {
    expect(logs()).toMatch(/GitHub side is off/);
  });

  it('answers a wrong or missing X-Gitlab-Token with 401 and makes no API call', async () => {
    const before = fake.requests.length;
    expect(await hook('Merge Request Hook', fixture('merge-request-open.json'), { 'x-gitlab-token': 'wrong' })).toBe(401);
    const res = await fetch(`${service!.url}/gitlab/webhook`, { method: 'POST', body: JSON.stringify(fixture('merge-request-open.json')) });
    expect(res.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.requests.length).toBe(before);
  });

  it('reviews an opened merge request: positioned discussions, one summary note, a commit status', async () => {
    expect(await hook('Merge Request Hook', fixture('merge-request-open.json'), { 'idempotency-key': 'delivery-open-1' })).toBe(202);
    await waitFor('the commit status', () => fake.statuses.some((s) => s.sha === HEAD));

    const mr = fake.mergeRequest(42, 12);
    const botDiscussions = mr.discussions.filter((d) => d.notes[0]!.type === 'DiffNote' && d.notes[0]!.author.id === fake.bot.id);
    expect(botDiscussions.length).toBeGreaterThan(0);
    for (const d of botDiscussions) {
      expect(d.notes[0]!.body).toMatch(/<!-- coze-loop:fp:[a-z0-9]+(?::[0-9a-f]{32})? -->/);
      expect(d.notes[0]!.position).toMatchObject({ position_type: 'text', base_sha: BASE, head_sha: HEAD, start_sha: BASE, new_path: 'worker/sender.py' });
    }
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/merge_requests/12/discussions'));
    expect(posts.every((r) => r.multipart)).toBe(true);
    const summaries = fake.notes(42, 12).filter((n) => n.body.includes('<!-- coze-loop:summary -->'));
    expect(summaries).toHaveLength(1);
    const status = fake.statuses.find((s) => s.sha === HEAD)!;
    expect(status).toMatchObject({ projectId: 42, name: 'coze-loop', state: 'success' });
    expect(status.description).toMatch(/finding/);
  });

  it('posts nothing new on a redelivery (same delivery id) or a second delivery for the same head', async () => {
    const discussions = fake.mergeRequest(42, 12).discussions.length;
    const notes = fake.notes(42, 12).length;
    expect(await hook('Merge Request Hook', fixture('merge-request-open.json'), { 'idempotency-key': 'delivery-open-1' })).toBe(200);
    const statuses = fake.statuses.length;
    expect(await hook('Merge Request Hook', fixture('merge-request-open.json'), { 'idempotency-key': 'delivery-open-2' })).toBe(202);
    await waitFor('the second status', () => fake.statuses.length > statuses);
    expect(fake.mergeRequest(42, 12).discussions.length).toBe(discussions);
    expect(fake.notes(42, 12).length).toBe(notes);
  });

  it('answers /coze-loop in a general note with a report for the whole merge request', async () => {
    const { noteId, discussionId } = fake.addNote(42, 12, riley, '/coze-loop optimize');
    expect(await hook('Note Hook', noteHook({ id: noteId, discussionId, body: '/coze-loop optimize', author: riley }), { 'idempotency-key': 'note-1' })).toBe(202);
    await waitFor('the reply note', () => fake.notes(42, 12).some((n) => n.id > noteId && n.author.id === fake.bot.id && !n.body.includes('coze-loop:summary')));
    expect(fake.awards).toContainEqual({ noteId, name: 'eyes', user: fake.bot.id });
    const reply = fake.notes(42, 12).find((n) => n.id > noteId && n.author.id === fake.bot.id)!;
    expect(reply.body).toContain('worker/sender.py');
  });

  it('answers /coze-loop in a diff discussion inside that discussion', async () => {
    const position = { base_sha: BASE, start_sha: BASE, head_sha: HEAD, old_path: 'worker/sender.py', new_path: 'worker/sender.py', position_type: 'text', new_line: 6, old_line: null };
    const { noteId, discussionId } = fake.addNote(42, 12, riley, '/coze-loop fix-bugs', { position });
    expect(await hook('Note Hook', noteHook({ id: noteId, discussionId, body: '/coze-loop fix-bugs', author: riley, position }))).toBe(202);
    const discussion = () => fake.mergeRequest(42, 12).discussions.find((d) => d.id === discussionId)!;
    await waitFor('the reply in the discussion', () => discussion().notes.length > 1);
    expect(discussion().notes[1]!.author.id).toBe(fake.bot.id);
    expect(fake.awards).toContainEqual({ noteId, name: 'eyes', user: fake.bot.id });
  });

  it('declines commands from members below Developer', async () => {
    const { noteId, discussionId } = fake.addNote(42, 12, guest, '/coze-loop optimize');
    expect(await hook('Note Hook', noteHook({ id: noteId, discussionId, body: '/coze-loop optimize', author: guest }))).toBe(202);
    await waitFor('the polite note', () => fake.notes(42, 12).some((n) => n.id > noteId && n.body.startsWith('@guest')));
    expect(fake.awards.some((a) => a.noteId === noteId)).toBe(false);
  });

  it('resolves the discussions of findings a new push removed', async () => {
    const open = fake.mergeRequest(42, 12).discussions.filter((d) => d.notes[0]!.type === 'DiffNote' && d.notes[0]!.author.id === fake.bot.id);
    const mr = fake.mergeRequest(42, 12);
    mr.headSha = HEAD2;
    mr.diffs = [{ old_path: 'worker/sender.py', new_path: 'worker/sender.py', diff: FIXED_DIFF }];
    fake.setFiles(42, HEAD2, { 'worker/sender.py': FIXED_SOURCE });
    const push = fixture('merge-request-update-push.json');
    push.object_attributes.last_commit.id = HEAD2;
    expect(await hook('Merge Request Hook', push)).toBe(202);
    await waitFor('the status on the new head', () => fake.statuses.some((s) => s.sha === HEAD2));
    for (const d of open) {
      expect(d.notes[0]!.resolved).toBe(true);
      expect(d.notes.at(-1)!.body).toMatch(/^Fixed in d0d1d2d/);
    }
    expect(fake.notes(42, 12).filter((n) => n.body.includes('<!-- coze-loop:summary -->'))).toHaveLength(1);
  });

  it('never writes the token or the webhook secret to its log', () => {
    expect(logs()).not.toContain(TOKEN);
    expect(logs()).not.toContain(SECRET);
  });
});
