// End to end: the real service (`node dist/src/server/main.js`, what `npm start` runs) with Probot's standard
// settings, pointed by GHE_HOST/GHE_PROTOCOL at a local GitHub stand-in, driven by HMAC-signed webhooks.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, createHmac } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { FINGERPRINT_PATTERN, SUMMARY_MARKER } from '../../src/platforms/platform.js';
import { FakeGitHub } from '../support/fake-github.js';
import { issueCommentPayload, pullRequestPayload, reviewCommentPayload } from '../platforms/github/payloads.js';

const SECRET = 'e2e-webhook-secret';
const HEAD = '1'.repeat(40);
const MAIN = join(PROJECT_ROOT, 'dist', 'src', 'server', 'main.js');
const WORKER = [
  'import time',
  '',
  'import requests',
  '',
  '',
  'def sync_orders(db):',
  '    while True:',
  '        rows = db.execute("SELECT * FROM orders WHERE status = \'new\'").fetchall()',
  '        for row in rows:',
  '            requests.post("https://billing.example.com/charge", json={"id": row["id"]})',
  '            db.execute("UPDATE orders SET status = \'done\' WHERE id = %s", (row["id"],))',
  '            db.commit()',
  '        time.sleep(30)',
];
const PATCH = [`@@ -0,0 +1,${WORKER.length} @@`, ...WORKER.map((l) => `+${l}`)].join('\n');
const target = { owner: 'acme', repo: 'shop', number: 7, headSha: HEAD, installationId: 4242 };

function ensureBuilt(): void {
  const sources = ['src/platforms/github/service.ts', 'src/review/pipeline.ts', 'src/platforms/github/github-platform.ts', 'src/commands/run.ts'];
  const built = existsSync(MAIN) ? statSync(join(PROJECT_ROOT, 'dist', 'src', 'platforms', 'github', 'service.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0 : 0;
  if (sources.every((s) => statSync(join(PROJECT_ROOT, s)).mtimeMs <= built)) return;
  try {
    execFileSync(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: PROJECT_ROOT, stdio: 'pipe', timeout: 400_000 });
  } catch {
    // Type errors elsewhere in the tree still emit JavaScript; the checks below fail if the service cannot start.
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}\n${output.slice(-4000)}`);
}

let fake: FakeGitHub;
let child: ChildProcess | undefined;
let url = '';
let output = '';

async function send(event: string, payload: unknown, delivery: string, secret = SECRET): Promise<number> {
  const body = JSON.stringify(payload);
  const res = await fetch(`${url}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 1500));

beforeAll(async () => {
  ensureBuilt();
  fake = await new FakeGitHub({ owner: 'acme', repo: 'shop' }).start();
  fake.addPull({ number: 7, head: { sha: HEAD, ref: 'feature' }, files: [{ filename: 'worker.py', status: 'added', patch: PATCH }] });
  fake.setContent(HEAD, 'worker.py', WORKER.join('\n') + '\n');
  // Commands are checked against the permission API for everyone, whatever the comment's association.
  fake.permissions.set('Codertocat', 'write');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const port = await freePort();
  child = spawn(process.execPath, [MAIN], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      APP_ID: '123',
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: fake.host,
      GHE_PROTOCOL: 'http',
      LOG_LEVEL: 'info',
      COZE_LOOP_CONCURRENCY: '2',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  url = `http://127.0.0.1:${port}`;
  await waitFor('the service to listen', () => output.includes('"listening"') || output.includes('listening'), 60_000);
}, 480_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await fake?.close();
});

describe('GitHub App end to end', () => {
  it('reviews a pull request once: line-anchored comments, a summary and a check run', async () => {
    expect(await send('pull_request', pullRequestPayload('opened', target), 'delivery-1')).toBe(202);
    const run = await waitFor('the completed check run', () => fake.checkRuns.find((r) => r.head_sha === HEAD && r.status === 'completed'));
    expect(fake.reviews).toHaveLength(1);
    const review = fake.reviews[0]!;
    expect(review).toMatchObject({ event: 'COMMENT', commit_id: HEAD });
    const comments = review.comments as { path: string; line: number; side: string; body: string }[];
    expect(comments.length).toBeGreaterThanOrEqual(3);
    for (const comment of comments) {
      expect(comment).toMatchObject({ path: 'worker.py', side: 'RIGHT' });
      expect(comment.line).toBeGreaterThanOrEqual(1);
      expect(comment.line).toBeLessThanOrEqual(WORKER.length);
      expect(comment.body).toMatch(FINGERPRINT_PATTERN);
    }
    expect(comments.map((c) => c.body).join('\n')).toContain('polling-fixed-interval');
    const summaries = fake.issueComments.filter((c) => c.body.includes(SUMMARY_MARKER));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.body).toContain('## coze-loop review');
    expect(run.name).toBe('coze-loop');
    expect(run.conclusion).toBe('neutral');
    expect(run.output.annotations.length).toBeGreaterThanOrEqual(comments.length);
    // Probot authenticated as the installation: a JWT for the token, then the installation token everywhere.
    expect(fake.requests.find((r) => r.path === '/app/installations/4242/access_tokens')?.authorization).toMatch(/^bearer /i);
    expect(fake.writes().every((r) => /^token ghs_fake4242_/.test(r.authorization ?? ''))).toBe(true);
  }, 60_000);

  it('posts nothing on a redelivery, and nothing twice on a new delivery for the same head', async () => {
    const writes = fake.writes().length;
    expect(await send('pull_request', pullRequestPayload('opened', target), 'delivery-1')).toBe(200);
    await settled();
    expect(fake.writes()).toHaveLength(writes);

    const runs = fake.checkRuns.length;
    expect(await send('pull_request', pullRequestPayload('synchronize', target), 'delivery-2')).toBe(202);
    await waitFor('the second check run', () => fake.checkRuns.length > runs && fake.checkRuns.at(-1)!.status === 'completed');
    expect(fake.reviews).toHaveLength(1);
    expect(fake.issueComments.filter((c) => c.body.includes(SUMMARY_MARKER))).toHaveLength(1);
  }, 60_000);

  it('refuses a forged signature with 4xx and makes no API call', async () => {
    const before = fake.requests.length;
    const status = await send('pull_request', pullRequestPayload('synchronize', target), 'delivery-forged', 'not-the-secret');
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    await settled();
    expect(fake.requests).toHaveLength(before);
  }, 30_000);

  it('answers a slash command in a review thread, in that thread', async () => {
    const root = fake.reviewComments.find((c) => c.in_reply_to_id === undefined && c.body.includes('polling-fixed-interval'))!;
    const human = fake.addHumanReviewComment(7, 'worker.py', root.line, '/coze-loop optimize');
    human.in_reply_to_id = root.id;
    const payload = reviewCommentPayload(target, { id: human.id, inReplyTo: root.id, body: human.body, path: 'worker.py', line: root.line });
    expect(await send('pull_request_review_comment', payload, 'delivery-cmd-1')).toBe(202);
    const reply = await waitFor('the thread reply', () => fake.reviewComments.find((c) => c.in_reply_to_id === root.id && c.user.type === 'Bot' && c.body.includes('### coze-loop `optimize`')));
    expect(reply.body).toContain(`\`worker.py\` line ${root.line}`);
    expect(reply.body).toContain('polling-fixed-interval');
    expect(fake.reactions).toContainEqual({ subject: 'review-comment', id: human.id, content: 'eyes' });
  }, 60_000);

  it('answers a slash command in the conversation with a report over the pull request', async () => {
    const human = fake.addHumanIssueComment(7, 'Could you check?\n/coze-loop fix-bugs');
    expect(await send('issue_comment', issueCommentPayload(target, { id: human.id, body: human.body }), 'delivery-cmd-2')).toBe(202);
    const reply = await waitFor('the conversation reply', () => fake.issueComments.find((c) => c.user.type === 'Bot' && c.body.includes('### coze-loop `fix-bugs` for this pull request')));
    expect(reply.body).toContain('unguarded-worker-loop');
    expect(fake.reactions).toContainEqual({ subject: 'issue-comment', id: human.id, content: 'eyes' });
    const bots = fake.issueComments.filter((c) => c.user.type === 'Bot');
    expect(bots).toHaveLength(2);
  }, 60_000);
});
