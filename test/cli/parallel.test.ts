// The worker pool over the compiled worker (dist/ is built by CI before the tests; without it only the in-process
// path can be checked here).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { selectFiles } from '../../src/cli/files.js';
import { analyzeInParallel, threadCount } from '../../src/cli/parallel.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { tree } from './harness.js';

const WORKER_JS = join(PROJECT_ROOT, 'dist', 'src', 'cli', 'worker.js');

const SOURCE = (i: number) =>
  `import time\n\ndef poll_${i}(db):\n    while True:\n        rows = db.execute("SELECT id FROM jobs").fetchall()\n        time.sleep(${i + 1})\n`;

function project(count: number): string {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) files[`m${String(i).padStart(3, '0')}.py`] = SOURCE(i);
  return tree(files);
}

async function analyse(cwd: string, extra: Parameters<typeof analyzeInParallel>[1] extends infer O ? Partial<O> : never) {
  const { files } = selectFiles({ cwd, paths: [], fileGlobs: [], excludeGlobs: [], includeGlobs: [] });
  const progress: number[] = [];
  const chunks: string[] = [];
  const result = await analyzeInParallel(files, {
    config: DEFAULT_CONFIG,
    locale: 'en',
    maxFileBytes: DEFAULT_CONFIG.max_file_bytes,
    onProgress: (done) => progress.push(done),
    onChunk: (by) => chunks.push(by),
    ...extra,
  });
  return { result, progress, chunks, files };
}

describe('analyzeInParallel', () => {
  it('runs in-process for few files or one thread, reporting progress up to the total', async () => {
    const cwd = project(20);
    const { result, progress } = await analyse(cwd, { threads: 4 });
    expect(result.filesAnalyzed).toBe(20);
    expect(progress[progress.length - 1]).toBe(20);
    expect(result.findings.length).toBeGreaterThan(0);
  });

  if (existsSync(WORKER_JS)) {
    it('shares the work between the main thread and worker threads with the same result as one thread', async () => {
      const cwd = project(64);
      writeFileSync(join(cwd, 'zz_binary.py'), Buffer.from([0, 1, 2]));
      const single = await analyse(cwd, { threads: 1 });
      const pooled = await analyse(cwd, { threads: 3, minFilesForThreads: 1, workerUrl: pathToFileURL(WORKER_JS) });
      expect(pooled.chunks).toContain('worker');
      expect(pooled.chunks).not.toContain('retry');
      expect(pooled.result).toEqual(single.result);
      expect(pooled.result.skipped).toEqual([expect.objectContaining({ path: 'zz_binary.py', reason: 'binary' })]);
    }, 60_000);

    it('re-runs the chunks of a worker that dies', async () => {
      const cwd = project(40);
      const broken = join(tree({ 'crash.mjs': "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\n" }), 'crash.mjs');
      const { result, chunks } = await analyse(cwd, { threads: 2, minFilesForThreads: 1, workerUrl: pathToFileURL(broken) });
      expect(chunks).toContain('retry');
      expect(result.filesAnalyzed).toBe(40);
    }, 60_000);
  }
});

describe('threadCount', () => {
  it('pairs each JavaScript thread with a parse thread when the native reader is built, else one per core', () => {
    expect(threadCount(undefined, {}, 2, true)).toBe(1);
    expect(threadCount(undefined, {}, 8, true)).toBe(4);
    expect(threadCount(undefined, {}, 1, true)).toBe(1);
    expect(threadCount(undefined, {}, 8, false)).toBe(8);
    expect(threadCount(undefined, { COZE_LOOP_THREADS: '3' }, 8, true)).toBe(3);
    expect(threadCount(2, { COZE_LOOP_THREADS: '3' }, 8, true)).toBe(2);
  });
});
