// Go package siblings in a review: a changed Go file calls functions and methods declared in other files of its
// package, with no import to follow. The CLI reads them from the disk; the bots list the changed file's directory at
// the head commit (Platform.listDirectory) and fetch its other non-test `.go` files for the effect summaries, within
// `effects.max_files`, and say in the summary what the bound left out. The whole pipeline, with the real engine,
// against the GitHub and GitLab stand-ins on 127.0.0.1; the package is test/fixtures/effects/go-package.
import { afterEach, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG, type CozeLoopConfig } from '../../src/config/schema.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { noopMetrics } from '../../src/core/observability.js';
import { runReview } from '../../src/review/pipeline.js';
import { addedPatch, githubReviewHost, gitlabReviewHost, rulesAt, silentLogger, withoutListing, type ReviewHost } from '../support/review-hosts.js';

const deps = { logger: silentLogger, metrics: noopMetrics, now: () => new Date('2026-12-05T08:00:00Z') };
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
const config = (maxFiles = DEFAULT_CONFIG.effects.max_files): CozeLoopConfig => ({ ...DEFAULT_CONFIG, fail_on: 'none', effects: { ...DEFAULT_CONFIG.effects, max_files: maxFiles } });
const lineOf = (text: string): number => content.split('\n').findIndex((l) => l.includes(text)) + 1;

/** The change on either host, with extra files at the head. */
const onHost = (start: typeof githubReviewHost) => (extra: Record<string, string> = {}): Promise<ReviewHost> =>
  start({ changed: CHANGED, patch: addedPatch(content), tree: { ...TREE, ...extra }, base: BASE, head: HEAD, token: 'glpat-go-siblings' });

describe.each([
  ['GitHub', onHost(githubReviewHost)],
  ['GitLab', onHost(gitlabReviewHost)],
])('%s: same-package Go files of a changed Go file', (_name, start) => {
  let host: ReviewHost | undefined;
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
    expect(host.listings('svc/outbox')).toBe(1);
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
