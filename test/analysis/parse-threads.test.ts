// The libuv threads that parse ahead are SCHED_BATCH on Linux (native/flat_tree.c, background_thread): a woken parse
// thread must not preempt the JavaScript thread. Linux-only by nature; without the native reader there are no such
// threads; the test needs the build (dist/), which CI always has.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeAddon } from '../../src/analysis/flat-tree.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';

const SCHED_BATCH = 3;
// The child runs the built code (dist/), as the CLI does.
const RUNS = process.platform === 'linux' && nativeAddon() !== null && existsSync(join(PROJECT_ROOT, 'dist', 'src', 'analysis', 'parse.js'));

/** Scheduling policies of this process's threads other than the main one (field 41 of /proc/<pid>/task/<tid>/stat). */
const CHILD = `
  const { readdirSync, readFileSync } = await import('node:fs');
  const { parseWithBudgetAsync } = await import(${JSON.stringify(join(PROJECT_ROOT, 'dist', 'src', 'analysis', 'parse.js'))});
  await Promise.all(Array.from({ length: 8 }, (_, i) => parseWithBudgetAsync('python', 'for x in y:\\n    f(x, ' + i + ')\\n')));
  const policies = readdirSync('/proc/self/task')
    .filter((tid) => tid !== String(process.pid))
    .map((tid) => { const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8'); return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]); });
  console.log(JSON.stringify(policies));
`;

function policiesAfterParsing(env: Record<string, string>): number[] {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], { encoding: 'utf8', env: { ...process.env, ...env } });
  expect(child.status).toBe(0);
  return JSON.parse(child.stdout.trim()) as number[];
}

describe('parse threads', () => {
  (RUNS ? it : it.skip)('run parse jobs as SCHED_BATCH, unless COZE_LOOP_NO_BATCH is set', () => {
    // The field really is the policy: this thread is SCHED_OTHER (0).
    const self = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    expect(Number(self.slice(self.lastIndexOf(')') + 2).split(' ')[38])).toBe(0);
    expect(readdirSync('/proc/self/task').length).toBeGreaterThan(1);
    expect(policiesAfterParsing({})).toContain(SCHED_BATCH);
    expect(policiesAfterParsing({ COZE_LOOP_NO_BATCH: '1' })).not.toContain(SCHED_BATCH);
  }, 60_000);
});
