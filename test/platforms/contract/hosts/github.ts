import { Octokit } from '@octokit/rest';
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
