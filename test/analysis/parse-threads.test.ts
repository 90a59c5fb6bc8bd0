// The threads that parse ahead run SCHED_BATCH on Linux in the CLI only (native/flat_tree.c, background_thread;
// src/analysis/tree-reader.ts, useBatchSchedulingForParsing): there a woken parse thread must not preempt the
// JavaScript thread. The service never asks for it: its libuv threads also do file, DNS and crypto work. Each case
// runs the built code (dist/) in a child process and reads its threads' policies from /proc. Linux-only by nature;
// without the native reader there are no such threads; the test needs the build (dist/), which CI always has.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeAddon } from '../../src/analysis/flat-tree.js';
import { grammarFor, parseWithBudget, parseWithBudgetAsync, releaseTree } from '../../src/analysis/parse.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';

const SCHED_BATCH = 3;
const DIST = join(PROJECT_ROOT, 'dist', 'src');
const RUNS = process.platform === 'linux' && nativeAddon() !== null && existsSync(join(DIST, 'cli', 'main.js'));

/** Scheduling policies of this process's threads other than the main one (field 41 of /proc/<pid>/task/<tid>/stat). */
const POLICIES = `
  const { readdirSync, readFileSync } = await import('node:fs');
  const policies = readdirSync('/proc/self/task')
    .filter((tid) => tid !== String(process.pid))
    .map((tid) => { const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8'); return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]); });
  console.log(JSON.stringify({ policies, jobs }));
`;

const SOURCES = `const sources = Array.from({ length: 24 }, (_, i) => 'for x in y:\\n    f(x, ' + i + ')\\n');`;

/** What the service does: warm the grammars, then analyse files (parses on the parse thread and trees freed there). */
const SERVICE = `
  const { warmParsers, parseWithBudgetAsync, releaseTree } = await import(${JSON.stringify(join(DIST, 'analysis', 'parse.js'))});
  const { analyzeSource, analyzeSourceAsync } = await import(${JSON.stringify(join(DIST, 'analysis', 'engine.js'))});
  const { DEFAULT_CONFIG } = await import(${JSON.stringify(join(DIST, 'config', 'schema.js'))});
  warmParsers();
  ${SOURCES}
  const trees = await Promise.all(sources.map((s) => parseWithBudgetAsync('python', s)));
  for (const tree of trees) releaseTree(tree);
  await Promise.all(sources.map((text, i) => analyzeSourceAsync({ path: 'a' + i + '.py', content: text }, DEFAULT_CONFIG)));
  for (const [i, text] of sources.entries()) analyzeSource({ path: 'b' + i + '.py', content: text }, DEFAULT_CONFIG);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const jobs = trees.length;
  ${POLICIES}
`;

/** What the CLI does: its entry point over a directory of Python files. */
function cliChild(dir: string): string {
  return `
  const { main } = await import(${JSON.stringify(join(DIST, 'cli', 'main.js'))});
  const quiet = { write() { return true; }, isTTY: false };
  const code = await main(['--no-progress', '--fail-on', 'none', ${JSON.stringify(dir)}], { stdout: quiet, stderr: quiet });
  const jobs = code;
  ${POLICIES}
`;
}

function policiesOf(script: string, env: Record<string, string> = {}): number[] {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, COZE_LOOP_THREADS: '1', ...env } });
  expect(child.stderr).not.toMatch(/Error/);
  expect(child.status).toBe(0);
  const { policies } = JSON.parse(child.stdout.trim().split('\n').pop()!) as { policies: number[] };
  // Node.js always has threads besides the main one (V8 platform workers, libuv pool): the list is never empty.
  expect(policies.length).toBeGreaterThan(1);
  return policies;
}

describe('parse threads', () => {
  (RUNS ? it : it.skip)('run SCHED_BATCH in the CLI, unless COZE_LOOP_NO_BATCH is set, and never in the service', () => {
    // The field really is the policy: this thread is SCHED_OTHER (0).
    const self = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    expect(Number(self.slice(self.lastIndexOf(')') + 2).split(' ')[38])).toBe(0);
    expect(readdirSync('/proc/self/task').length).toBeGreaterThan(1);
    const dir = mkdtempSync(join(tmpdir(), 'coze-loop-threads-'));
    try {
      for (let i = 0; i < 24; i++) writeFileSync(join(dir, `f${i}.py`), `for x in y:\n    f(x, ${i})\n`);
      expect(policiesOf(cliChild(dir))).toContain(SCHED_BATCH);
      expect(policiesOf(cliChild(dir), { COZE_LOOP_NO_BATCH: '1' })).not.toContain(SCHED_BATCH);
      expect(policiesOf(SERVICE)).not.toContain(SCHED_BATCH);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

// parseAsync queues an environment's parses and runs them one after another on a parse thread of its own (native/flat_tree.c,
// ParseQueue): each promise still gets its own file's tree, in any order of settling, and an environment that goes
// away with parses still queued (a worker thread terminated by a deadline) takes nothing else down with it.
describe('the parse queue', () => {
  (nativeAddon() ? it : it.skip)('gives each of many parses queued at once the tree a synchronous parse gives', async () => {
    const sources = Array.from({ length: 40 }, (_, i) => `def f${i}(rows):\n${'    for r in rows:\n        g(r, ' + i + ')\n'.repeat(1 + (i % 7))}`);
    const trees = await Promise.all(sources.map((source) => parseWithBudgetAsync('python', source)));
    for (const [i, tree] of trees.entries()) {
      const sync = parseWithBudget('python', sources[i]!)!;
      expect(tree?.source).toBe(sources[i]);
      expect(tree?.count).toBe(sync.count);
      expect(Array.from(tree!.symbol)).toEqual(Array.from(sync.symbol));
      expect(Array.from(tree!.end)).toEqual(Array.from(sync.end));
      releaseTree(sync);
      releaseTree(tree!);
    }
    // A timed-out parse settles with no tree and does not hold up the ones queued behind it.
    const big = 'x = [\n' + '    1,\n'.repeat(200_000) + ']\n';
    const [late, after] = await Promise.all([parseWithBudgetAsync('python', big, { timeoutMs: 0 }), parseWithBudgetAsync('python', 'y = 2\n')]);
    expect(late).toBeUndefined();
    expect(after?.rootNode.type).toBe('module');
    expect(grammarFor('python')).toBeDefined();
  });

  (RUNS ? it : it.skip)('survives a worker thread terminated with parses still queued', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coze-loop-queue-'));
    const parse = JSON.stringify(join(DIST, 'analysis', 'parse.js'));
    try {
      writeFileSync(
        join(dir, 'worker.mjs'),
        [
          `const { parseWithBudgetAsync } = await import(${parse});`,
          "const { parentPort } = await import('node:worker_threads');",
          "const text = 'def f(rows):\\n' + '    for r in rows:\\n        g(r)\\n'.repeat(20000);",
          "for (let i = 0; i < 50; i++) void parseWithBudgetAsync('python', text);",
          "parentPort.postMessage('queued');",
          'await new Promise(() => {});',
        ].join('\n'),
      );
      writeFileSync(
        join(dir, 'main.mjs'),
        [
          "import { Worker } from 'node:worker_threads';",
          'for (let round = 0; round < 3; round++) {',
          `  const worker = new Worker(${JSON.stringify(join(dir, 'worker.mjs'))});`,
          "  await new Promise((resolve) => worker.once('message', resolve));",
          '  await worker.terminate();',
          '}',
          `const { parseWithBudgetAsync } = await import(${parse});`,
          "const tree = await parseWithBudgetAsync('python', 'for x in y:\\n    f(x)\\n');",
          'console.log(JSON.stringify({ type: tree.rootNode.type }));',
        ].join('\n'),
      );
      const child = spawnSync(process.execPath, [join(dir, 'main.mjs')], { encoding: 'utf8', timeout: 50_000 });
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      expect(JSON.parse(child.stdout.trim().split('\n').pop()!)).toEqual({ type: 'module' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
