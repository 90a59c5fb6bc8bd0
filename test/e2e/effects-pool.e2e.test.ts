// Effect summaries across the files of a review when analysis runs in the pool's worker threads: the change and
// the files it imports are packed once into shared memory (SharedSources), and a thread resolves a changed file's
// call into a helper two files away exactly as in-process analysis does.
import { afterAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { AnalysisPool } from '../../src/analysis/worker-pool.js';
import { SharedSources, unpackSources } from '../../src/analysis/shared-sources.js';
import { runReview } from '../../src/review/pipeline.js';
import { noopMetrics } from '../../src/core/observability.js';
import { newFilePatch } from '../support/findings.js';
import { MemoryPlatform } from '../support/memory-platform.js';
import { ensureBuilt } from '../support/service-process.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const config = { ...DEFAULT_CONFIG, fail_on: 'none' as const };

const WORKER_JS = join(PROJECT_ROOT, 'dist', 'src', 'analysis', 'analysis-worker.js');

const WORKER = ['import time', '', 'from app.store import pending_jobs', '', '', 'def run(cur):', '    while True:', '        for job in pending_jobs(cur):', '            print(job)', '        time.sleep(30)', ''].join('\n');
const STORE = 'from .db import select_pending\n\n\ndef pending_jobs(cur):\n    return select_pending(cur)\n';
const DB = 'def select_pending(cur):\n    cur.execute("SELECT id FROM jobs WHERE state = \'pending\'")\n    return cur.fetchall()\n';

function host(): MemoryPlatform {
  const platform = new MemoryPlatform();
  platform.setFile('app/worker.py', WORKER, newFilePatch(WORKER.split('\n').length - 1), 'added');
  // store.py is changed too; db.py is only imported (fetched at the head commit for its summary).
  platform.setFile('app/store.py', STORE, newFilePatch(STORE.split('\n').length - 1), 'added');
  platform.contents.set(`${platform.headSha}:app/db.py`, DB);
  return platform;
}

let pool: AnalysisPool | undefined;
afterAll(async () => {
  await pool?.close();
});

describe('effect summaries in the analysis pool', () => {
  it('packs files once and reads them back without a copy', () => {
    const shared = SharedSources.pack(new Map<string, Buffer | string>([['a.py', Buffer.from('x = 1\n')], ['b/c.ts', 'const y = "é";\n']]));
    const back = unpackSources(shared.message);
    expect([...back.keys()]).toEqual(['a.py', 'b/c.ts']);
    expect(back.get('b/c.ts')!.toString('utf8')).toBe('const y = "é";\n');
    expect(back.get('a.py')!.buffer).toBe(shared.message.buffer);
  });

  it('finds the poll behind a helper two files away, in a worker thread', async () => {
    ensureBuilt(['src/analysis/worker-pool.ts', 'src/analysis/analysis-worker.ts', 'src/analysis/shared-sources.ts', 'src/analysis/effects/index.ts', 'src/analysis/engine.ts']);
    pool = new AnalysisPool({ threads: 1, workerUrl: pathToFileURL(WORKER_JS) });
    expect(pool.mode).toBe('threads');
    const platform = host();
    const outcome = await runReview(platform, platform.cr(), config, { logger: silent, metrics: noopMetrics, now: () => new Date('2026-11-23T08:00:00Z'), pool });
    const polling = outcome.findings.filter((f) => f.ruleId === 'polling-fixed-interval');
    expect(polling.map((f) => `${f.path}: ${f.message}`)).toEqual([
      expect.stringMatching(/^app\/worker\.py: .* — `pending_jobs\(\)` runs `cur\.execute` \(db\.py:2\) through `select_pending\(\)`$/),
    ]);
    // Nothing is reported on the file that was only read for its summary.
    expect(outcome.findings.some((f) => f.path === 'app/db.py')).toBe(false);
  }, 180_000);

  it('gives the same findings in-process', async () => {
    const inProcess = new AnalysisPool({ threads: 1, workerUrl: null });
    const platform = host();
    const outcome = await runReview(platform, platform.cr(), config, { logger: silent, metrics: noopMetrics, now: () => new Date('2026-11-23T08:00:00Z'), pool: inProcess });
    expect(outcome.findings.filter((f) => f.ruleId === 'polling-fixed-interval').map((f) => f.path)).toEqual(['app/worker.py']);
    await inProcess.close();
  });
});
