// The analysis pool over the compiled worker (dist/, built by CI before the tests): a file that passes its deadline
// is a `timeout` skip with a note, its thread is replaced, and the files after it are analysed as usual.
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AnalysisPool, analyzeAllInPool } from '../../src/analysis/worker-pool.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';

const WORKER_JS = join(PROJECT_ROOT, 'dist', 'src', 'analysis', 'analysis-worker.js');
if (!existsSync(WORKER_JS)) throw new Error('dist/ is missing: run `npm run build` first');

/** tree-sitter-python parses comment lines after an indented block in quadratic time: seconds at this size. */
const SLOW = ['def f():', '    while True:', '        x = 1', ...Array.from({ length: 12_000 }, () => '    # c'), 'y = 2', ''].join('\n');
const POLLER = 'import time\n\n\ndef poll(db):\n    while True:\n        db.execute("SELECT * FROM jobs").fetchall()\n        time.sleep(30)\n';

const pool = new AnalysisPool({ threads: 1, fileTimeoutMs: 800, workerUrl: pathToFileURL(WORKER_JS) });
afterAll(() => pool.close());

describe('AnalysisPool', () => {
  it('skips a file at its deadline with a note and goes on with the next', async () => {
    expect(pool.mode).toBe('threads');
    const runs: number[] = [];
    const [slow, poller] = await Promise.all([
      pool.analyze({ path: 'slow.py', content: SLOW }, DEFAULT_CONFIG, { onRun: (ms) => runs.push(ms) }),
      pool.analyze({ path: 'poll.py', content: Buffer.from(POLLER) }, DEFAULT_CONFIG),
    ]);
    expect(slow.skipped).toEqual([{ path: 'slow.py', reason: 'timeout', detail: 'analysis took longer than 0.8 s; the file was skipped so the rest could go on' }]);
    expect(slow.filesAnalyzed).toBe(0);
    // Stopped near the deadline, not after the whole parse.
    expect(runs[0]!).toBeLessThan(3000);
    expect(poller.filesAnalyzed).toBe(1);
    expect(poller.findings.map((f) => f.ruleId)).toContain('polling-fixed-interval');
  }, 60_000);

  it('analyses many files with the same findings as in-process analysis', async () => {
    const inputs = Array.from({ length: 6 }, (_, i) => ({ path: `p${i}.py`, content: POLLER }));
    const pooled = await analyzeAllInPool(pool, inputs, DEFAULT_CONFIG);
    const local = await analyzeAllInPool(new AnalysisPool({ workerUrl: null }), inputs, DEFAULT_CONFIG);
    expect(pooled.filesAnalyzed).toBe(6);
    expect(pooled).toEqual(local);
  }, 60_000);
});
