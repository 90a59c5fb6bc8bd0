// The linter habits over the real engine: --select/--ignore, --statistics, --baseline/--write-baseline, --show-fixes,
// --fix-dry-run and --fix. The diffs printed must apply with `git apply`, and a fixed file must still compile.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { main } from '../../src/cli/main.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { unifiedDiff } from '../../src/cli/habits.js';
import { run, tree } from './harness.js';
import { pythonPoller } from '../support/python-poller.js';

const EXAMPLE = join(PROJECT_ROOT, 'samples', 'python', 'order_sync_worker.py');
const POLLER = pythonPoller();

type JsonFinding = { ruleId: string; path: string; target: string; fingerprint: string; fix?: { kind: string; safety: string } };

async function json(cwd: string, argv: string[]): Promise<JsonFinding[]> {
  const result = await run(main, cwd, ['--format', 'json', '--fail-on', 'none', '--no-progress', ...argv]);
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { findings: JsonFinding[] }).findings;
}

function workspace(): string {
  const cwd = tree({ 'jobs.py': POLLER });
  copyFileSync(EXAMPLE, join(cwd, 'worker.py'));
  return cwd;
}

describe('--select / --ignore', () => {
  it('keeps only the selected rule ids and targets, drops the ignored ones, and rejects unknown names', async () => {
    const cwd = workspace();
    const all = await json(cwd, []);
    const ids = new Set(all.map((f) => f.ruleId));
    expect(ids.size).toBeGreaterThan(3);
    const selected = await json(cwd, ['--select', 'query-in-loop,fix-bugs']);
    expect(selected.length).toBeGreaterThan(0);
    for (const f of selected) expect(f.ruleId === 'query-in-loop' || f.target === 'fix-bugs').toBe(true);
    const ignored = await json(cwd, ['--ignore', 'readability', '--ignore', 'commit-in-loop']);
    expect(ignored.some((f) => f.target === 'readability' || f.ruleId === 'commit-in-loop')).toBe(false);
    expect(ignored.length).toBe(all.filter((f) => f.target !== 'readability' && f.ruleId !== 'commit-in-loop').length);
    const typo = await run(main, cwd, ['--select', 'query-in-lop']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean query-in-loop');
  }, 60_000);
});

describe('--statistics', () => {
  it('prints one line per rule with counts that add up to the findings', async () => {
    const cwd = workspace();
    const all = await json(cwd, []);
    const result = await run(main, cwd, ['--statistics', '--fail-on', 'none', '--no-progress']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.pop()).toMatch(new RegExp(`^\\s*${all.length}  total$`));
    expect(lines).toHaveLength(new Set(all.map((f) => f.ruleId)).size);
    const counts = Object.fromEntries(lines.map((l) => { const [n, id] = l.trim().split(/\s+/); return [id!, Number(n)]; }));
    for (const id of Object.keys(counts)) expect(counts[id]).toBe(all.filter((f) => f.ruleId === id).length);
    expect(result.stdout).toMatch(/\[\d+ fixable\]/);
  }, 60_000);
});

describe('--baseline', () => {
  it('records today\'s findings, then reports only new ones, also after the recorded loops move', async () => {
    const cwd = workspace();
    const written = await run(main, cwd, ['--baseline', '.coze-loop-baseline.json', '--write-baseline', '--no-progress']);
    expect(written.code).toBe(0);
    const baseline = JSON.parse(readFileSync(join(cwd, '.coze-loop-baseline.json'), 'utf8')) as { findings: unknown[] };
    expect(baseline.findings.length).toBeGreaterThan(3);
    const clean = await run(main, cwd, ['--baseline', '.coze-loop-baseline.json', '--no-progress']);
    expect(clean.code).toBe(0);
    expect(clean.stderr).toContain(`${baseline.findings.length} finding(s) recorded`);
    // Lines move above the recorded loop, and a new poller arrives in another file.
    writeFileSync(join(cwd, 'jobs.py'), `# moved down\n\n${POLLER}`);
    writeFileSync(join(cwd, 'new_jobs.py'), POLLER.replace('process_jobs', 'process_more'));
    const fresh = await json(cwd, ['--baseline', '.coze-loop-baseline.json']);
    expect(fresh.length).toBeGreaterThan(0);
    expect(new Set(fresh.map((f) => f.path))).toEqual(new Set(['new_jobs.py']));
    const missing = await run(main, cwd, ['--baseline', 'nope.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--write-baseline');
    expect((await run(main, cwd, ['--write-baseline'])).code).toBe(2);
  }, 60_000);
});

describe('fixes', () => {
  it('--show-fixes prints each exact fix as a unified diff that git apply accepts', async () => {
    const cwd = workspace();
    const result = await run(main, cwd, ['--show-fixes', '--fail-on', 'none', '--no-progress', 'worker.py']);
    const diffs = result.stdout.split(/^# (?=worker\.py:\d+ )/m).slice(1);
    expect(diffs.length).toBeGreaterThanOrEqual(3);
    for (const [i, diff] of diffs.entries()) {
      const patch = diff.slice(diff.indexOf('--- a/'));
      writeFileSync(join(cwd, `fix-${i}.patch`), patch);
      execFileSync('git', ['apply', '--check', `fix-${i}.patch`], { cwd });
    }
  }, 60_000);

  it('--fix-dry-run changes nothing; --fix applies the safe exact fixes and the file still compiles', async () => {
    const cwd = workspace();
    const before = readFileSync(join(cwd, 'worker.py'), 'utf8');
    const safe = (await json(cwd, ['worker.py'])).filter((f) => f.fix?.kind === 'replace' && f.fix.safety === 'safe');
    expect(safe.length).toBeGreaterThan(0);
    const dry = await run(main, cwd, ['--fix-dry-run', '--no-progress', 'worker.py']);
    expect(dry.stdout).toMatch(/^--- a\/worker\.py\n\+\+\+ b\/worker\.py\n@@ /);
    expect(readFileSync(join(cwd, 'worker.py'), 'utf8')).toBe(before);
    const fixed = await run(main, cwd, ['--fix', '--fail-on', 'none', '--no-progress', 'worker.py']);
    expect(fixed.code).toBe(0);
    expect(fixed.stderr).toMatch(/fixed [1-9]\d* finding\(s\) in 1 file\(s\)/);
    const after = readFileSync(join(cwd, 'worker.py'), 'utf8');
    expect(after).not.toBe(before);
    // The dry run showed exactly what --fix wrote.
    writeFileSync(join(cwd, 'dry.patch'), dry.stdout);
    writeFileSync(join(cwd, 'worker.py'), before);
    execFileSync('git', ['apply', 'dry.patch'], { cwd });
    expect(readFileSync(join(cwd, 'worker.py'), 'utf8')).toBe(after);
    execFileSync('python3', ['-m', 'py_compile', join(cwd, 'worker.py')]);
    const left = await json(cwd, ['worker.py']);
    const fixedRules = safe.map((f) => f.fingerprint);
    expect(left.filter((f) => fixedRules.includes(f.fingerprint)).length).toBeLessThan(safe.length);
  }, 60_000);

  it('writes hunks with the right line counts', () => {
    const diff = unifiedDiff('a.py', 'a\nb\nc\nd\ne\nf\ng\nh\n', 'a\nb\nc\nD\nD2\ne\nf\ng\nh\n');
    expect(diff).toBe('--- a/a.py\n+++ b/a.py\n@@ -1,7 +1,8 @@\n a\n b\n c\n-d\n+D\n+D2\n e\n f\n g\n');
  });
});
