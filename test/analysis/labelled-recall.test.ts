// Recall and precision on the labelled worker corpus (bench/labelled/; labels are loop-line comments, scored by
// bench/labelled-score.js, the same scorer bench/recall.js uses on the built CLI). The engine runs in-process the
// way the CLI does (files read from disk, callees resolved across the corpus's files). The floor is the measured
// score: a detector or effect summary that breaks turns a found pair into a miss, or a quiet look-alike noisy.
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { readLabels, score, corpusFiles } from '../../bench/labelled-score.js';
import { analyzeFiles } from '../../src/cli/analyze-files.js';
import { configSchema } from '../../src/config/schema.js';

const root = join(process.cwd(), 'bench', 'labelled');

/** Misses measured at the floor: a miss not in this list is a regression; one that disappears raises the floor. */
const KNOWN_MISSES = [
  'python/shop_tasks/shop/tasks.py:41 check-then-act-race',
  'typescript/outbox/src/relay.ts:35 serial-blocking-io',
];

/** Unexpected findings measured at the floor (loop line and rule). */
const KNOWN_UNEXPECTED = [
  'javascript/job-runner/src/consumers.js:13 fire-and-forget-task',
  'javascript/job-runner/src/consumers.js:20 fire-and-forget-task',
  'javascript/job-runner/src/consumers.js:70 fire-and-forget-task',
];

const FLOOR = { recall: 89 / 91, precision: 89 / 92, quietClean: 37 };

function run() {
  const config = configSchema().parse({});
  const files = corpusFiles(root).map((path) => ({ path, absolute: join(root, path) }));
  const result = analyzeFiles(files, { config, locale: 'en', maxFileBytes: 1_000_000 });
  return { result, scored: score(readLabels(root), result.findings) };
}

describe('labelled worker corpus', () => {
  const { result, scored } = run();

  it('analyses every file of the corpus and reads its labels', () => {
    expect(result.filesAnalyzed).toBe(corpusFiles(root).filter((path) => !path.endsWith('__init__.py')).length);
    expect(scored.loops).toBeGreaterThanOrEqual(100);
    expect(scored.clean).toBeGreaterThanOrEqual(30);
  });

  it('finds every labelled problem it found at the floor', () => {
    const misses = scored.misses.map((m) => `${m.path}:${m.line} ${m.ruleId}`);
    expect(misses.filter((m) => !KNOWN_MISSES.includes(m))).toEqual([]);
    expect(scored.total.recall).toBeGreaterThanOrEqual(FLOOR.recall);
  });

  it('adds no unexpected finding and keeps the clean look-alikes quiet', () => {
    const unexpected = scored.unexpected.map((u) => `${u.path}:${u.line} ${u.ruleId}`);
    expect(unexpected.filter((u) => !KNOWN_UNEXPECTED.includes(u))).toEqual([]);
    expect(scored.total.precision).toBeGreaterThanOrEqual(FLOOR.precision);
    expect(scored.quietClean).toBeGreaterThanOrEqual(FLOOR.quietClean);
  });
});
