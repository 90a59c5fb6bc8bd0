// The bots' effect summaries: the files a change imports are fetched at the head commit (bounded), feed the
// summaries of the changed files, get no findings of their own, and a cut-off is named in the summary.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EFFECT_FIXTURES } from '../support/effect-tester.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { analyseChangeSet, collectChangeSet, collectContextFiles } from '../../src/review/collect.js';
import { runReview } from '../../src/review/pipeline.js';
import { noopMetrics } from '../../src/core/observability.js';
import { newFilePatch } from '../support/findings.js';
import { MemoryPlatform } from '../support/memory-platform.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const deps = { logger: silent, metrics: noopMetrics, now: () => new Date('2026-11-23T08:00:00Z') };
const config = { ...DEFAULT_CONFIG, fail_on: 'none' as const };

const WORKER = [
  'import os',
  'import time',
  '',
  'from app.store import pending_jobs',
  'from .notify import ping_partner',
  '',
  '',
  'def run(cur):',
  '    while True:',
  '        for job in pending_jobs(cur):',
  '            ping_partner(job)',
  '        time.sleep(30)',
  '',
].join('\n');
const STORE = 'from .db import select_pending\n\n\ndef pending_jobs(cur):\n    return select_pending(cur)\n';
const DB = 'def select_pending(cur):\n    cur.execute("SELECT id FROM jobs WHERE state = \'pending\'")\n    return cur.fetchall()\n';
const NOTIFY = 'import requests\n\n\ndef ping_partner(job):\n    requests.post("https://partner.example.com/hook", json={"id": job[0]}, timeout=5)\n';

function host(): { platform: MemoryPlatform; fetched: string[] } {
  const platform = new MemoryPlatform();
  platform.setFile('app/worker.py', WORKER, newFilePatch(WORKER.split('\n').length - 1), 'added');
  for (const [path, text] of [['app/store.py', STORE], ['app/db.py', DB], ['app/notify.py', NOTIFY]] as const) platform.contents.set(`${platform.headSha}:${path}`, text);
  const fetched: string[] = [];
  const original = platform.getFileContent.bind(platform);
  platform.getFileContent = async (repo, path, ref) => {
    fetched.push(path);
    return original(repo, path, ref);
  };
  return { platform, fetched };
}

describe('context files for the bots', () => {
  it('fetches what the change imports (and what that imports) at the head commit, never the standard library', async () => {
    const { platform, fetched } = host();
    const changeSet = await collectChangeSet(platform, platform.cr(), config);
    fetched.length = 0;
    const context = await collectContextFiles(platform, platform.cr(), changeSet.files, config);
    expect([...context.files.keys()].sort()).toEqual(['app/db.py', 'app/notify.py', 'app/store.py']);
    expect(context.cutOff).toEqual([]);
    expect(fetched.some((p) => /(^|\/)(os|time)(\.py|\/__init__\.py)$/.test(p))).toBe(false);
    const analysis = analyseChangeSet(changeSet.files, config, 'en', context);
    const messages = analysis.files.flatMap((f) => f.findings.map((x) => `${x.path}:${x.ruleId}: ${x.message}`));
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^app\/worker\.py:polling-fixed-interval: .* — `pending_jobs\(\)` runs `cur\.execute` \(db\.py:2\) through `select_pending\(\)`$/),
        expect.stringMatching(/^app\/worker\.py:serial-blocking-io: .* — `ping_partner\(\)` runs `requests\.post` \(notify\.py:5\)$/),
      ]),
    );
    expect(analysis.files.map((f) => f.file.path)).toEqual(['app/worker.py']);
  });

  it('reads the candidates of a level in one batched call where the host batches, with the same context files', async () => {
    const { platform, fetched } = host();
    const batches: string[][] = [];
    const batched = Object.assign(platform, {
      getFileContents: async (repo: string, paths: string[], ref: string) => {
        batches.push(paths);
        return new Map(await Promise.all(paths.map(async (path) => [path, platform.contents.has(`${ref}:${path}`) ? Buffer.from(platform.contents.get(`${ref}:${path}`)!) : null] as const)));
      },
    });
    const changeSet = await collectChangeSet(batched, platform.cr(), config);
    batches.length = 0;
    fetched.length = 0;
    const context = await collectContextFiles(batched, platform.cr(), changeSet.files, config);
    expect([...context.files.keys()].sort()).toEqual(['app/db.py', 'app/notify.py', 'app/store.py']);
    // One call per import level (worker.py's imports, then store.py's), no single reads.
    expect(batches).toHaveLength(2);
    expect(batches[0]).toEqual(expect.arrayContaining(['app/store.py', 'app/notify.py']));
    expect(batches[1]).toEqual(expect.arrayContaining(['app/db.py']));
    expect(fetched).toEqual([]);
  });

  it('stops at effects.max_files and says so in the review summary', async () => {
    const { platform } = host();
    const bounded = { ...config, effects: { enabled: true, max_depth: 4, max_files: 1 } };
    const outcome = await runReview(platform, platform.cr(), bounded, deps);
    expect(platform.summary).toContain('effect summaries: 2 imported file(s) were not read (effects.max_files = 1): app/notify.py, app/db.py');
    expect(outcome.findings.some((f) => f.ruleId === 'serial-blocking-io')).toBe(false);
    expect(outcome.findings.some((f) => f.ruleId === 'polling-fixed-interval')).toBe(false);
  });

  it('fetches nothing with effects disabled', async () => {
    const { platform, fetched } = host();
    const changeSet = await collectChangeSet(platform, platform.cr(), config);
    fetched.length = 0;
    const context = await collectContextFiles(platform, platform.cr(), changeSet.files, { ...config, effects: { enabled: false, max_depth: 4, max_files: 24 } });
    expect(context.files.size).toBe(0);
    expect(fetched).toEqual([]);
  });
});

describe('context files for the bots: Java', () => {
  const root = join(EFFECT_FIXTURES, 'java-package');
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  const job = 'src/main/java/com/acme/orders/sync/SyncJob.java';

  it('fetches the imported classes of the repository and the same-package field types, never java.util', async () => {
    const platform = new MemoryPlatform();
    const text = readFileSync(join(root, job), 'utf8');
    platform.setFile(job, text, newFilePatch(text.split('\n').length - 1), 'added');
    for (const full of walk(root)) {
      const path = relative(root, full).split('\\').join('/');
      if (path !== job) platform.contents.set(`${platform.headSha}:${path}`, readFileSync(full, 'utf8'));
    }
    const fetched: string[] = [];
    const original = platform.getFileContent.bind(platform);
    platform.getFileContent = async (repo, path, ref) => {
      fetched.push(path);
      return original(repo, path, ref);
    };
    const changeSet = await collectChangeSet(platform, platform.cr(), config);
    fetched.length = 0;
    const context = await collectContextFiles(platform, platform.cr(), changeSet.files, config);
    expect([...context.files.keys()].sort()).toEqual([
      'src/main/java/com/acme/billing/BillingClient.java',
      'src/main/java/com/acme/billing/LedgerClient.java',
      'src/main/java/com/acme/orders/Notifier.java',
      'src/main/java/com/acme/orders/Order.java',
      'src/main/java/com/acme/orders/OrderRepository.java',
      'src/main/java/com/acme/orders/OrderService.java',
      'src/main/java/com/acme/orders/sync/SyncClock.java',
    ]);
    expect(fetched.some((p) => p.includes('java/util'))).toBe(false);
    const analysis = analyseChangeSet(changeSet.files, config, 'en', context);
    const messages = analysis.files.flatMap((f) => f.findings.map((x) => `${x.ruleId}: ${x.message}`));
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^polling-fixed-interval: .* — `service\.pending\(\)` runs `OrderRepository\.findPendingOrders` \(OrderRepository\.java:8\) through `orders\.findPendingOrders\(\)`$/),
        expect.stringMatching(/^polling-fixed-interval: .* — `billing\.health\(\)` runs `restTemplate\.getForObject` \(BillingClient\.java:14\)$/),
      ]),
    );
  });
});
