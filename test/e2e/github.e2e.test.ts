// End to end: the real service (`node dist/src/server/main.js`, what `npm start` runs) with Probot's standard
// settings, pointed by GHE_HOST/GHE_PROTOCOL at a local GitHub stand-in, driven by HMAC-signed webhooks.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FINGERPRINT_PATTERN, SUMMARY_MARKER } from '../../src/platforms/platform.js';
import { FakeGitHub } from '../support/fake-github.js';
import { appPrivateKey, ensureBuilt, githubAppEnv, sendGitHubWebhook, startService, waitFor as waitForService, type ServiceProcess } from '../support/service-process.js';
import { issueCommentPayload, pullRequestPayload, reviewCommentPayload } from '../platforms/github/payloads.js';

const SECRET = 'e2e-webhook-secret';
const HEAD = '1'.repeat(40);
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

const waitFor = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> => waitForService(what, probe, timeoutMs, service ? [service] : [], 100);

let fake: FakeGitHub;
let service: ServiceProcess | undefined;

const send = (event: string, payload: unknown, delivery: string, secret = SECRET): Promise<number> => sendGitHubWebhook(service!.url, secret, event, payload, delivery);

const settled = () => new Promise((resolve) => setTimeout(resolve, 1500));

beforeAll(async () => {
  ensureBuilt();
  fake = await new FakeGitHub({ owner: 'acme', repo: 'shop' }).start();
  fake.addPull({ number: 7, head: { sha: HEAD, ref: 'feature' }, files: [{ filename: 'worker.py', status: 'added', patch: PATCH }] });
  fake.setContent(HEAD, 'worker.py', WORKER.join('\n') + '\n');
  // Commands are checked against the permission API for everyone, whatever the comment's association.
  fake.permissions.set('Codertocat', 'write');
  service = await startService({ NODE_ENV: 'test', ...githubAppEnv(fake.host, SECRET, appPrivateKey()), COZE_LOOP_CONCURRENCY: '2' }, { name: 'github-service' });
}, 480_000);

afterAll(async () => {
  await service?.stop();
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
    // Warnings and errors inline; the fixed-interval poll is a hint (info by measured precision), listed in the summary.
    expect(comments.map((c) => c.body).join('\n')).toContain('serial-blocking-io');
    expect(comments.map((c) => c.body).join('\n')).not.toContain('polling-fixed-interval');
    const summaries = fake.issueComments.filter((c) => c.body.includes(SUMMARY_MARKER));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.body).toContain('## coze-loop review');
    expect(summaries[0]!.body.slice(summaries[0]!.body.indexOf('Listed here, not commented inline'))).toContain('polling-fixed-interval');
    // The review is the first write, then the summary, then the check run, created already completed (no
    // in-progress run in front of the review).
    const writes = fake.writes().map((r) => `${r.method} ${r.path.split('?')[0]}`);
    expect(writes).toEqual(['POST /repos/acme/shop/pulls/7/reviews', 'POST /repos/acme/shop/issues/7/comments', 'POST /repos/acme/shop/check-runs']);
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
    const updates = fake.checkRuns.at(-1)!.updates;
    expect(await send('pull_request', pullRequestPayload('synchronize', target), 'delivery-2')).toBe(202);
    // The same head's check run is found by name and completed again in place (no second run for one commit).
    await waitFor('the check run completed again', () => fake.checkRuns.at(-1)!.updates > updates);
    expect(fake.checkRuns).toHaveLength(runs);
    expect(fake.checkRuns.at(-1)!.status).toBe('completed');
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
    const root = fake.reviewComments.find((c) => c.in_reply_to_id === undefined && c.body.includes('serial-blocking-io'))!;
    const human = fake.addHumanReviewComment(7, 'worker.py', root.line, '/coze-loop optimize');
    human.in_reply_to_id = root.id;
    const payload = reviewCommentPayload(target, { id: human.id, inReplyTo: root.id, body: human.body, path: 'worker.py', line: root.line });
    expect(await send('pull_request_review_comment', payload, 'delivery-cmd-1')).toBe(202);
    const reply = await waitFor('the thread reply', () => fake.reviewComments.find((c) => c.in_reply_to_id === root.id && c.user.type === 'Bot' && c.body.includes('### coze-loop `optimize`')));
    expect(reply.body).toContain(`\`worker.py\` line ${root.line}`);
    expect(reply.body).toContain('serial-blocking-io');
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
