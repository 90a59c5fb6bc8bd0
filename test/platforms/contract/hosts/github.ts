import { Octokit } from '@octokit/rest';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import type { WebhookFixture } from '../webhook-suite.js';
import { pullRequestPayload } from '../../github/payloads.js';
import { GitHubPlatform } from '../../../../src/platforms/github/github-platform.js';
import { FakeGitHub } from '../../../support/fake-github.js';
import { recordingLogger, type ContractSetup, type FakeHost } from '../suite.js';

function asFakeHost(fake: FakeGitHub, pullNumber: number): FakeHost {
  return {
    setChange(files) {
      const pull = fake.pulls.get(pullNumber)!;
      pull.files = files.map((f) => ({ filename: f.path, status: f.status, ...(f.patch !== undefined ? { patch: f.patch } : {}) }));
      for (const f of files) if (f.content !== undefined) fake.setContent(pull.head.sha, f.path, f.content);
    },
    refuseLine: (path, line) => fake.refused.add(`${path}:${line}`),
    inlineComments: () =>
      fake.reviewComments
        .filter((c) => c.pull_number === pullNumber && c.in_reply_to_id === undefined)
        .map((c) => ({
          id: String(c.id),
          path: c.path,
          line: c.line,
          body: c.body,
          resolved: fake.resolvedThreads.has(c.id),
          replies: fake.reviewComments.filter((r) => r.in_reply_to_id === c.id).map((r) => r.body),
        })),
    conversation: () => fake.issueComments.filter((c) => c.issue_number === pullNumber).map((c) => c.body),
    status: () => {
      const run = fake.checkRuns.at(-1);
      return run ? { name: run.name, state: run.conclusion ?? run.status } : undefined;
    },
    reactions: () => fake.reactions.map((r) => r.content),
    grantWrite: (user) => fake.permissions.set(user, 'write'),
    addOddItems() {
      // One item per list that does not fit what the adapter relies on, beside real-shaped ones GitHub does send.
      fake.addOddItem(/\/pulls\/\d+\/files$/, { sha: 'f'.repeat(40), filename: null, status: 'added', additions: 1, deletions: 0, changes: 1 });
      fake.addOddItem(/\/pulls\/\d+\/comments$/, { id: 'PRRC_kwDOodd', body: 'an id that is not a number', path: 'worker.py', line: 4 });
      // A comment of a deleted account ("ghost": user null) on an outdated line (line null): kept, not ours.
      fake.addOddItem(/\/pulls\/\d+\/comments$/, { id: 990_001, body: 'old remark', path: 'worker.py', line: null, original_line: 4, in_reply_to_id: null, user: null });
      fake.addOddItem(/\/issues\/\d+\/comments$/, { body: 'no id at all', user: { login: 'someone', type: 'User' } });
      fake.addOddItem(/\/issues\/\d+\/comments$/, { id: 990_002, body: 'a user that is a string', user: 'someone' });
      fake.addOddItem(/\/issues$/, { number: 990_003, title: null, state: 'open', labels: [{ name: 'coze-loop' }] });
    },
    close: () => fake.close(),
  };
}

/** A fresh fake host on 127.0.0.1, the adapter pointed at it, and the change request. */
export const setup: ContractSetup = async () => {
  const fake = await new FakeGitHub().start();
  const pull = fake.addPull({ number: 7 });
  const octokit = new Octokit({ auth: 'ghs_test', baseUrl: `${fake.url}/api/v3`, log: { debug() {}, info() {}, warn() {}, error() {} } });
  const { logger, warnings } = recordingLogger();
  const platform = new GitHubPlatform(octokit, { baseUrl: `${fake.url}/api/v3`, logger });
  return {
    platform,
    warnings,
    server: asFakeHost(fake, 7),
    cr: { platform: 'github', repo: fake.fullName, number: 7, baseSha: pull.base.sha, headSha: pull.head.sha, baseRef: 'main' },
  };
};

const SECRET = 'contract-webhook-secret';
let privateKey: string | undefined;

/** GitHub signs the body with HMAC-SHA256 (X-Hub-Signature-256) and names the event in X-GitHub-Event. */
export const webhook: WebhookFixture = {
  env(apiUrl) {
    privateKey ??= generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
    return { APP_ID: '123', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, GHE_HOST: new URL(apiUrl).host, GHE_PROTOCOL: 'http', NODE_ENV: 'test', LOG_LEVEL: 'fatal' };
  },
  path: '/api/github/webhooks',
  reviewJob: 'github-review',
  reviewBody: () => JSON.stringify(pullRequestPayload('opened', { owner: 'acme', repo: 'shop', number: 7, headSha: 'a'.repeat(40) })),
  unknownBody: () => JSON.stringify({ action: 'started', starred_at: '2026-12-05T08:00:00Z', repository: { full_name: 'acme/shop' }, sender: { login: 'dana', type: 'User' } }),
  headers(body, { event, id, secret = SECRET }) {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event === 'review' ? 'pull_request' : 'star', 'x-github-delivery': id };
    if (secret) headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    return headers;
  },
};
