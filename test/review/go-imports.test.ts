// Go packages of the repository's own module in a review: a changed Go file calls into another package of its
// module (`store.Load()` imported from `example.com/shop/internal/store`, a field typed `*shipping.Client`). The CLI
// follows those calls from the disk; the bots fetch the module's go.mod (the nearest one above the changed file) and
// list and read each imported package of the module at the head commit, within `effects.max_files`, and say in the
// summary what the bound left out. The whole pipeline, with the real engine, against the GitHub and GitLab stand-ins
// on 127.0.0.1; the module is test/fixtures/effects/go-module, placed under shop/ as in a monorepo.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
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
const deps = { logger: silent, metrics: noopMetrics, now: () => new Date('2026-12-06T08:00:00Z') };
const BASE = '3'.repeat(40);
const HEAD = '4'.repeat(40);
const FIXTURE = join(PROJECT_ROOT, 'test', 'fixtures', 'effects', 'go-module');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The module under shop/, and a package of another module with the same last element (never fetched). */
const TREE: Record<string, string> = {
  ...Object.fromEntries(filesUnder(FIXTURE).map((path) => [`shop/${relative(FIXTURE, path)}`, readFileSync(path, 'utf8')])),
  'shop/internal/store/store_test.go': 'package store\n\nfunc helperOnlyInTests() {}\n',
};
const CHANGED = 'shop/worker/worker.go';
const content = TREE[CHANGED]!;
const PATCH = `@@ -0,0 +1,${content.split('\n').length - 1} @@\n` + content.trimEnd().split('\n').map((l) => `+${l}`).join('\n');
const config = (maxFiles = DEFAULT_CONFIG.effects.max_files): CozeLoopConfig => ({ ...DEFAULT_CONFIG, fail_on: 'none', effects: { ...DEFAULT_CONFIG.effects, max_files: maxFiles } });
const lineOf = (text: string): number => content.split('\n').findIndex((l) => l.includes(text)) + 1;

interface Host {
  platform: Platform;
  cr: ChangeRequestRef;
  summary(): string | undefined;
  close(): Promise<void>;
}

async function github(): Promise<Host> {
  const fake = await new FakeGitHub().start();
  const pull = fake.addPull({ number: 8, head: { sha: HEAD, ref: 'feature' }, base: { sha: BASE, ref: 'main' } });
  pull.files = [{ filename: CHANGED, status: 'added', patch: PATCH }];
  for (const [path, text] of Object.entries(TREE)) fake.setContent(HEAD, path, text);
  const platform = new GitHubPlatform(new Octokit({ auth: 'ghs_go_imports', baseUrl: fake.url, log: silent }), { baseUrl: fake.url });
  return {
    platform,
    cr: { platform: 'github', repo: fake.fullName, number: 8, baseSha: BASE, headSha: HEAD, baseRef: 'main' },
    summary: () => fake.issueComments.find((c) => c.body.includes(SUMMARY_MARKER))?.body,
    close: () => fake.close(),
  };
}

async function gitlab(): Promise<Host> {
  const fake = new FakeGitLab({ token: 'glpat-go-imports' });
  await fake.start();
  fake.addShopMergeRequest({ baseSha: BASE, headSha: HEAD, added: [{ path: CHANGED, diff: PATCH }], files: TREE });
  const platform = new GitLabPlatform({ url: fake.url, token: 'glpat-go-imports' });
  return {
    platform,
    cr: { platform: 'gitlab', repo: '42', number: 5, baseSha: BASE, startSha: BASE, headSha: HEAD, baseRef: 'main' },
    summary: () => fake.notes(42, 5).find((n) => n.body.includes(SUMMARY_MARKER))?.body,
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
])('%s: packages of the changed Go file\'s own module', (_name, start) => {
  let host: Host | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  it('resolves calls into imported packages of the module, as the CLI does from the disk', async () => {
    host = await start();
    const outcome = await runReview(host.platform, host.cr, config(), deps);
    const found = rulesAt(outcome.findings);
    const load = `query-in-loop@${lineOf('o, err := store.Load(ctx, id)')}`;
    const quote = `serial-blocking-io@${lineOf('p, err := w.carrier.Quote(ctx, id)')}`;
    expect(found).toEqual(expect.arrayContaining([load, quote]));
    const chain = outcome.findings.find((f) => `${f.ruleId}@${f.line}` === load)!;
    expect(chain.message).toContain('`store.Load()` runs `db.QueryContext`');
    // A call into a package that does no I/O, and a package of another module, stay quiet.
    expect(found).not.toContain(`query-in-loop@${lineOf('log.Println("total", format.Money(o.Total))')}`);
    expect(host.summary()).not.toContain('not read');

    const before = await runReview(withoutListing(host.platform), host.cr, config(), deps);
    expect(rulesAt(before.findings)).not.toContain(load);
    expect(rulesAt(before.findings)).not.toContain(quote);
  });

  it('fetches within effects.max_files and names what the bound left out', async () => {
    host = await start();
    // The package sibling worker/audit.go comes first, then go.mod, format.go and shipping's client.go (imports in their
    // order) take the other three places; store.go is left out.
    const outcome = await runReview(host.platform, host.cr, config(4), deps);
    const found = rulesAt(outcome.findings);
    expect(found).toContain(`serial-blocking-io@${lineOf('p, err := w.carrier.Quote(ctx, id)')}`);
    expect(found).not.toContain(`query-in-loop@${lineOf('o, err := store.Load(ctx, id)')}`);
    const summary = host.summary()!;
    expect(summary).toContain('shop/internal/store/store.go');
    expect(summary).not.toContain('store_test.go');
  });
});
