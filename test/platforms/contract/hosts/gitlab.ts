// The shared Platform contract, run against the GitLab adapter and the GitLab stand-in on 127.0.0.1.
import { recordingLogger, type ContractSetup } from '../suite.js';
import { GitLabPlatform } from '../../../../src/platforms/gitlab/gitlab-platform.js';
import { FakeGitLab, gitlabFakeHost } from '../../../support/fake-gitlab.js';
import type { WebhookFixture } from '../webhook-suite.js';
import { fixture } from '../../gitlab/helpers.js';

const TOKEN = 'glpat-contract';
const BASE = '1111111111111111111111111111111111111111';
const HEAD = '2222222222222222222222222222222222222222';

/** A fresh fake host on 127.0.0.1, the adapter pointed at it, and the change request. */
export const setup: ContractSetup = async () => {
  const fake = new FakeGitLab({ token: TOKEN });
  await fake.start();
  fake.addProject({ id: 42, path: 'acme/billing-worker', branchSha: BASE });
  fake.setFiles(42, BASE, { 'worker.py': 'import time\n', 'README.md': '# billing\n' });
  fake.addMergeRequest({
    projectId: 42,
    iid: 12,
    sourceBranch: 'feature',
    targetBranch: 'main',
    baseSha: BASE,
    headSha: HEAD,
    author: { id: 7, username: 'dana' },
    diffs: [],
  });
  const { logger, warnings } = recordingLogger();
  const platform = new GitLabPlatform({ url: fake.url, token: TOKEN, logger });
  return {
    platform,
    warnings,
    server: gitlabFakeHost(fake, 42, 12),
    cr: { platform: 'gitlab', repo: '42', number: 12, baseSha: BASE, startSha: BASE, headSha: HEAD, baseRef: 'main' },
  };
};

const SECRET = 'contract-webhook-secret';

/** GitLab sends the shared secret itself (X-Gitlab-Token) and names the event in X-Gitlab-Event. */
export const webhook: WebhookFixture = {
  env: (apiUrl) => ({ GITLAB_URL: apiUrl, GITLAB_TOKEN: TOKEN, GITLAB_WEBHOOK_SECRET: SECRET }),
  path: '/gitlab/webhook',
  reviewJob: 'gitlab-review',
  reviewBody: () => JSON.stringify(fixture('merge-request-open.json')),
  unknownBody: () => JSON.stringify({ object_kind: 'pipeline', object_attributes: { id: 31, status: 'success' }, project: { id: 42 } }),
  headers(_body, { event, id, secret = SECRET }) {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-gitlab-event': event === 'review' ? 'Merge Request Hook' : 'Pipeline Hook', 'x-gitlab-event-uuid': id };
    if (secret) headers['x-gitlab-token'] = secret;
    return headers;
  },
};
