// The CLI over the real engine and rule catalogue: checks the wiring (rules, suppressions, --diff, bad input), with
// assertions loose enough to survive rule tuning (which rules fire, not their exact wording).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { main } from '../../src/cli/main.js';
import { run, tree } from './harness.js';
import { pythonPoller } from '../support/python-poller.js';

const POLLER = pythonPoller();

type JsonFinding = { ruleId: string; path: string; line: number; target: string; cost?: { formula: string } };

async function findings(cwd: string, argv: string[] = []) {
  const result = await run(main, cwd, ['--format', 'json', ...argv]);
  return { code: result.code, stderr: result.stderr, report: JSON.parse(result.stdout) as { findings: JsonFinding[]; skipped: { path: string; reason: string }[] } };
}

describe('coze-loop with the real engine', () => {
  it('finds the polling, per-row write and per-row commit of a classic worker', async () => {
    const { code, report } = await findings(tree({ 'jobs/worker.py': POLLER }));
    const ids = report.findings.map((f) => f.ruleId);
    expect(ids).toEqual(expect.arrayContaining(['polling-fixed-interval', 'write-per-row', 'commit-in-loop']));
    const polling = report.findings.find((f) => f.ruleId === 'polling-fixed-interval')!;
    expect(polling.path).toBe('jobs/worker.py');
    expect(polling.cost?.formula).toContain('30');
    expect(code).toBe(1);
  });

  it('honours --target and inline suppressions', async () => {
    const cwd = tree({ 'w.py': POLLER.replace('    while True:', '    while True:  # coze-loop: ignore[polling-fixed-interval]').replace('        time.sleep(30)', '        time.sleep(30)  # coze-loop: ignore') });
    const all = await findings(cwd);
    expect(all.report.findings.map((f) => f.ruleId)).not.toContain('polling-fixed-interval');
    const readability = await findings(tree({ 'w.py': POLLER }), ['--target', 'readability']);
    expect(readability.report.findings.length).toBeGreaterThan(0);
    expect(new Set(readability.report.findings.map((f) => f.target))).toEqual(new Set(['readability']));
  });

  it('reports only added lines with --diff', async () => {
    const cwd = tree({ 'w.py': POLLER });
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    writeFileSync(join(cwd, 'w.py'), `${POLLER}\ndef export(api, items):\n    for item in items:\n        api.post("/export", json=item)\n        api.commit()\n`);
    const { report } = await findings(cwd, ['--diff', 'HEAD']);
    expect(report.findings.length).toBeGreaterThan(0);
    for (const finding of report.findings) expect(finding.line).toBeGreaterThan(10);
  });

  it('skips or notes bad input instead of crashing', async () => {
    const cwd = tree({
      'binary.py': Buffer.from([0x00, 0x01, 0x02, 0xff]),
      'latin1.py': Buffer.from('name = "caf\xe9"\n', 'latin1'),
      'empty.ts': '',
      'broken.py': 'def f(:\n    while True\n        time.sleep(1)\n',
      'deep.js': `const x = ${'['.repeat(5000)}${']'.repeat(5000)};\n`,
      'ok.py': POLLER,
    });
    const { code, report, stderr } = await findings(cwd, ['--fail-on', 'none']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.path, s.reason]));
    expect(reasons).toMatchObject({ 'binary.py': 'binary', 'latin1.py': 'non-utf8', 'empty.ts': 'empty' });
    expect(report.findings.some((f) => f.path === 'ok.py')).toBe(true);
  });

  it('lists and explains the real catalogue', async () => {
    const rules = await run(main, tree({}), ['rules', '--format', 'json']);
    const ids = (JSON.parse(rules.stdout) as { id: string }[]).map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(['polling-fixed-interval', 'query-in-loop', 'unguarded-worker-loop']));
    const explain = await run(main, tree({}), ['explain', 'polling-fixed-interval']);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toContain('polling-fixed-interval');
    const zh = await run(main, tree({}), ['explain', 'polling-fixed-interval', '--locale', 'zh-CN']);
    expect(zh.stdout).not.toBe(explain.stdout);
    const typo = await run(main, tree({}), ['explain', 'poling-fixed-interval']);
    expect(typo).toMatchObject({ code: 2, stderr: expect.stringContaining('Did you mean: polling-fixed-interval?') });
  });
});
