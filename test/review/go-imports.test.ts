// Go packages of the repository's own module in a review: a changed Go file calls into another package of its
// module (`store.Load()` imported from `example.com/shop/internal/store`, a field typed `*shipping.Client`). The CLI
// follows those calls from the disk; the bots fetch the module's go.mod (the nearest one above the changed file) and
// list and read each imported package of the module at the head commit, within `effects.max_files`, and say in the
// summary what the bound left out. The whole pipeline, with the real engine, against the GitHub and GitLab stand-ins
// on 127.0.0.1; the module is test/fixtures/effects/go-module, placed under shop/ as in a monorepo.
import { afterEach, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEFAULT_CONFIG, type CozeLoopConfig } from '../../src/config/schema.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { noopMetrics } from '../../src/core/observability.js';
import { runReview } from '../../src/review/pipeline.js';
import { addedPatch, githubReviewHost, gitlabReviewHost, rulesAt, silentLogger, withoutListing, type ReviewChange, type ReviewHost } from '../support/review-hosts.js';

const deps = { logger: silentLogger, metrics: noopMetrics, now: () => new Date('2026-12-06T08:00:00Z') };
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
const CHANGE: ReviewChange = { changed: CHANGED, patch: addedPatch(content), tree: TREE, base: BASE, head: HEAD, token: 'glpat-go-imports' };
const config = (maxFiles = DEFAULT_CONFIG.effects.max_files): CozeLoopConfig => ({ ...DEFAULT_CONFIG, fail_on: 'none', effects: { ...DEFAULT_CONFIG.effects, max_files: maxFiles } });
const lineOf = (text: string): number => content.split('\n').findIndex((l) => l.includes(text)) + 1;

describe.each([
  ['GitHub', githubReviewHost],
  ['GitLab', gitlabReviewHost],
])('%s: packages of the changed Go file\'s own module', (_name, start) => {
  let host: ReviewHost | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  it('resolves calls into imported packages of the module, as the CLI does from the disk', async () => {
    host = await start(CHANGE);
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
    host = await start(CHANGE);
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
