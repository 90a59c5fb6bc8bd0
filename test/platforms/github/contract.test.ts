import { Octokit } from '@octokit/rest';
import { GitHubPlatform } from '../../../src/platforms/github/github-platform.js';
import { FakeGitHub } from '../../support/fake-github.js';
import { describePlatformContract, type FakeHost } from '../contract.js';

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
    close: () => fake.close(),
  };
}

describePlatformContract('github', async () => {
  const fake = await new FakeGitHub().start();
  const pull = fake.addPull({ number: 7 });
  const octokit = new Octokit({ auth: 'ghs_test', baseUrl: `${fake.url}/api/v3`, log: { debug() {}, info() {}, warn() {}, error() {} } });
  const platform = new GitHubPlatform(octokit, { baseUrl: `${fake.url}/api/v3` });
  return {
    platform,
    server: asFakeHost(fake, 7),
    cr: { platform: 'github', repo: fake.fullName, number: 7, baseSha: pull.base.sha, headSha: pull.head.sha, baseRef: 'main' },
  };
});
