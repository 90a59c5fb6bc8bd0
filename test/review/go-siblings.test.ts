// Go package siblings in a review: a changed Go file calls functions and methods declared in other files of its
// package, with no import to follow. The CLI reads them from the disk; the bots list the changed file's directory at
// the head commit (Platform.listDirectory) and fetch its other non-test `.go` files for the effect summaries, within
// `effects.max_files`, and say in the summary what the bound left out. The whole pipeline, with the real engine,
// against the GitHub and GitLab stand-ins on 127.0.0.1; the package is test/fixtures/effects/go-package.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG, type CozeLoopConfig } from '../../src/config/schema.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { noopMetrics } from '../../src/core/observability.js';
import { GitHubPlatform } from '../../src/platforms/github/github-platform.js';
import { GitLabPlatform } from '../../src/platforms/gitlab/gitlab-platform.js';
import { SUMMARY_MARKER, type ChangeRequestRef, type Platform } from '../../src/platforms/platform.js';
import { runReview } from '../../src/review/pipeline.js';
import { FakeGitHub } from '../support/fake-github.js';
import { FakeGitLab } from '../support/fake-gitlab.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const deps = { logger: silent, metrics: noopMetrics, now: () => new Date('2026-12-05T08:00:00Z') };
const BASE = '1'.repeat(40);
const HEAD = '2'.repeat(40);
const FIXTURE = join(PROJECT_ROOT, 'test', 'fixtures', 'effects', 'go-package');
/** The package under svc/outbox/, a test file and a file of another directory beside it. */
const TREE: Record<string, string> = {
  ...Object.fromEntries(readdirSync(FIXTURE).map((name) => [`svc/outbox/${name}`, readFileSync(join(FIXTURE, name), 'utf8')])),
  'svc/outbox/worker_test.go': 'package outbox\n\nfunc helperOnlyInTests() {}\n',
  'svc/other/db.go': 'package other\n\nfunc Query() {}\n',
};
const CHANGED = 'svc/outbox/worker.go';
const content = TREE[CHANGED]!;
const PATCH = `@@ -0,0 +1,${content.split('\n').length - 1} @@\n` + content.trimEnd().split('\n').map((l) => `+${l}`).join('\n');
const config = (maxFiles = DEFAULT_CONFIG.effects.max_files): CozeLoopConfig => ({ ...DEFAULT_CONFIG, fail_on: 'none', effects: { ...DEFAULT_CONFIG.effects, max_files: maxFiles } });
const lineOf = (text: string): number => content.split('\n').findIndex((l) => l.includes(text)) + 1;

interface Host {
  platform: Platform;
  cr: ChangeRequestRef;
  summary(): string | undefined;
  /** Paths whose content the review fetched (any read API). */
  listings(): number;
}

async function github(extra: Record<string, string> = {}): Promise<Host & { close(): Promise<void> }> {
  const fake = await new FakeGitHub().start();
  const pull = fake.addPull({ number: 7, head: { sha: HEAD, ref: 'feature' }, base: { sha: BASE, ref: 'main' } });
  pull.files = [{ filename: CHANGED, status: 'added', patch: PATCH }];
  for (const [path, text] of Object.entries({ ...TREE, ...extra })) fake.setContent(HEAD, path, text);
  const platform = new GitHubPlatform(new Octokit({ auth: 'ghs_go_siblings', baseUrl: fake.url, log: silent }), { baseUrl: fake.url });
  return {
    platform,
    cr: { platform: 'github', repo: fake.fullName, number: 7, baseSha: BASE, headSha: HEAD, baseRef: 'main' },
    summary: () => fake.issueComments.find((c) => c.body.includes(SUMMARY_MARKER))?.body,
    listings: () => fake.requests.filter((r) => /\/contents\/svc\/outbox(\?|$)/.test(r.path)).length,
    close: () => fake.close(),
  };
}

async function gitlab(extra: Record<string, string> = {}): Promise<Host & { close(): Promise<void> }> {
  const fake = new FakeGitLab({ token: 'glpat-go-siblings' });
  await fake.start();
  fake.addShopMergeRequest({ baseSha: BASE, headSha: HEAD, added: [{ path: CHANGED, diff: PATCH }], files: { ...TREE, ...extra } });
  const platform = new GitLabPlatform({ url: fake.url, token: 'glpat-go-siblings' });
  return {
    platform,
    cr: { platform: 'gitlab', repo: '42', number: 5, baseSha: BASE, startSha: BASE, headSha: HEAD, baseRef: 'main' },
    summary: () => fake.notes(42, 5).find((n) => n.body.includes(SUMMARY_MARKER))?.body,
    listings: () => fake.requests.filter((r) => r.path.includes('/repository/tree')).length,
    close: () => fake.stop(),
  };
}

/** The same adapter without listDirectory: the bots as they were, seeing only the files in the change. */
function withoutListing(platform: Platform): Platform {
  return new Proxy(platform, { get: (target, key) => (key === 'listDirectory' ? undefined : Reflect.get(target, key, target)) as unknown });
}

const rulesAt = (findings: Array<{ ruleId: string; line: number }>): string[] => findings.map((f) => `${f.ruleId}@${f.line}`).sort();

describe.each([
  ['GitHub', github],
  ['GitLab', gitlab],
])('%s: same-package Go files of a changed Go file', (_name, start) => {
  let host: (Host & { close(): Promise<void> }) | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  it('resolves calls into the other files of the package, as the CLI does from the disk', async () => {
    host = await start();
    const outcome = await runReview(host.platform, host.cr, config(), deps);
    const found = rulesAt(outcome.findings);
    // store.go's MarkSent and the package's sqlQueue.Claim are only known from the siblings.
    expect(found).toEqual(expect.arrayContaining([`write-per-row@${lineOf('w.store.MarkSent(ctx, id)')}`, `query-in-loop@${lineOf('w.queue.Claim(ctx, kind)')}`]));
    expect(host.listings()).toBe(1);
    expect(host.summary()).not.toContain('same-package Go file(s)');

    host.summary = () => undefined;
    const before = await runReview(withoutListing(host.platform), host.cr, config(), deps);
    expect(rulesAt(before.findings)).not.toContain(`write-per-row@${lineOf('w.store.MarkSent(ctx, id)')}`);
  });

  it('fetches at most effects.max_files siblings and says in the summary which were left out', async () => {
    host = await start();
    await runReview(host.platform, host.cr, config(1), deps);
    const summary = host.summary()!;
    // cleanup.go, notify.go, store.go are the non-test siblings (sorted). cleanup.go is `//go:build ignore`: read and
    // set aside, so notify.go takes the one place and only store.go is named as not read.
    expect(summary).toMatch(/effect summaries: 1 same-package Go file\(s\) of the changed files were not read \(effects\.max_files = 1\): svc\/outbox\/store\.go/);
    expect(summary).not.toContain('cleanup.go');
    expect(summary).not.toContain('worker_test.go');
    expect(summary).not.toContain('svc/other/');
  });

  it('does not spend the bound on a file the go tool leaves out (//go:build ignore), reading the next one instead', async () => {
    // Sorted first, a second generator beside cleanup.go: both read, recognised by their headers, and replaced by
    // store.go in a second read (before, the three places went to a_generate.go, cleanup.go and notify.go).
    host = await start({ 'svc/outbox/a_generate.go': '//go:build ignore\n\npackage main\n\nfunc main() {}\n' });
    const outcome = await runReview(host.platform, host.cr, config(3), deps);
    expect(rulesAt(outcome.findings)).toContain(`write-per-row@${lineOf('w.store.MarkSent(ctx, id)')}`);
    expect(host.summary()).not.toContain('same-package Go file(s)');
  });
});
