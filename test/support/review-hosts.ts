// A pull request on the GitHub stand-in and a merge request on the GitLab stand-in, both on 127.0.0.1, holding one
// added file and a tree of files at the head commit, with the real platform adapters in front of them: the review
// pipeline's end-to-end tests for context fetching (same-package Go files, imported packages) run on both.
import { Octokit } from '@octokit/rest';
import { GitHubPlatform } from '../../src/platforms/github/github-platform.js';
import { GitLabPlatform } from '../../src/platforms/gitlab/gitlab-platform.js';
import { SUMMARY_MARKER, type ChangeRequestRef, type Platform } from '../../src/platforms/platform.js';
import { FakeGitHub } from './fake-github.js';
import { FakeGitLab } from './fake-gitlab.js';

export const silentLogger = { info() {}, warn() {}, error() {}, debug() {}, child: () => silentLogger };

export interface ReviewHost {
  platform: Platform;
  cr: ChangeRequestRef;
  /** The summary comment or note the review posted. */
  summary(): string | undefined;
  /** Requests that listed `dir` at the head (GitHub contents API, GitLab repository tree). */
  listings(dir: string): number;
  close(): Promise<void>;
}

export interface ReviewChange {
  /** The added file and its patch (addedPatch). */
  changed: string;
  patch: string;
  /** Every file at the head commit, the changed one included. */
  tree: Record<string, string>;
  base: string;
  head: string;
  token: string;
}

/** The patch of a file added whole. */
export function addedPatch(content: string): string {
  return `@@ -0,0 +1,${content.split('\n').length - 1} @@\n` + content.trimEnd().split('\n').map((l) => `+${l}`).join('\n');
}

export async function githubReviewHost(change: ReviewChange): Promise<ReviewHost> {
  const fake = await new FakeGitHub().start();
  const pull = fake.addPull({ number: 7, head: { sha: change.head, ref: 'feature' }, base: { sha: change.base, ref: 'main' } });
  pull.files = [{ filename: change.changed, status: 'added', patch: change.patch }];
  for (const [path, text] of Object.entries(change.tree)) fake.setContent(change.head, path, text);
  const platform = new GitHubPlatform(new Octokit({ auth: change.token, baseUrl: fake.url, log: silentLogger }), { baseUrl: fake.url });
  return {
    platform,
    cr: { platform: 'github', repo: fake.fullName, number: 7, baseSha: change.base, headSha: change.head, baseRef: 'main' },
    summary: () => fake.issueComments.find((c) => c.body.includes(SUMMARY_MARKER))?.body,
    listings: (dir) => fake.requests.filter((r) => new RegExp(`/contents/${dir}(\\?|$)`).test(r.path)).length,
    close: () => fake.close(),
  };
}

export async function gitlabReviewHost(change: ReviewChange): Promise<ReviewHost> {
  const fake = new FakeGitLab({ token: change.token });
  await fake.start();
  fake.addShopMergeRequest({ baseSha: change.base, headSha: change.head, added: [{ path: change.changed, diff: change.patch }], files: change.tree });
  const platform = new GitLabPlatform({ url: fake.url, token: change.token });
  return {
    platform,
    cr: { platform: 'gitlab', repo: '42', number: 5, baseSha: change.base, startSha: change.base, headSha: change.head, baseRef: 'main' },
    summary: () => fake.notes(42, 5).find((n) => n.body.includes(SUMMARY_MARKER))?.body,
    listings: () => fake.requests.filter((r) => r.path.includes('/repository/tree')).length,
    close: () => fake.stop(),
  };
}

/** The same adapter without listDirectory: the bots as they were, seeing only the files in the change. */
export function withoutListing(platform: Platform): Platform {
  return new Proxy(platform, { get: (target, key) => (key === 'listDirectory' ? undefined : Reflect.get(target, key, target)) as unknown });
}

/** `rule@line` of each finding, sorted. */
export const rulesAt = (findings: Array<{ ruleId: string; line: number }>): string[] => findings.map((f) => `${f.ruleId}@${f.line}`).sort();
