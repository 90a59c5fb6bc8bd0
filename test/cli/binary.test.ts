// The real built CLI as a child process. CI builds before testing; without dist/ (a plain `npm test` on a fresh
// checkout) only the entry point's presence is checked, because tests must not build dist/ themselves.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { tree } from './harness.js';
import { pythonPoller } from '../support/python-poller.js';

const BIN = join(PROJECT_ROOT, 'bin', 'coze-loop.js');
const BUILT = existsSync(join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js')) && existsSync(join(PROJECT_ROOT, 'dist', 'src', 'cli', 'worker.js'));

function exec(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH, ...env } });
    let stdout = '';
    let stderr = '';
    // Decoded as a stream: a multi-byte character split between two chunks must not turn into two U+FFFD.
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const POLLER = (i: number) => pythonPoller(`worker_${i}`);

describe('bin/coze-loop.js', () => {
  it('exists and runs the compiled entry point', () => {
    expect(existsSync(BIN)).toBe(true);
  });

  if (BUILT) describeBuilt();
});

function describeBuilt(): void {
  describe('built', () => {
    const files: Record<string, string | Buffer> = {};
    for (let i = 0; i < 120; i++) files[`pkg${i % 6}/mod_${String(i).padStart(3, '0')}.py`] = POLLER(i);
    files['pkg0/binary.py'] = Buffer.from([0, 1, 2, 3, 0xff, 0xfe]);
    files['pkg0/latin1.py'] = Buffer.from('x = "caf\xe9"\n', 'latin1');
    files['pkg0/broken.py'] = 'def f(:\n    while True\n        pass\n';
    files['pkg0/deep.py'] = `for x in ${'['.repeat(5000)}${']'.repeat(5000)}:\n    pass\n`;
    const cwd = tree(files);

    it('reports a subcommand\'s usage error in words (the subcommand and the CLI share one UsageError)', async () => {
      const result = await exec(['summary', '--bogus'], cwd);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--bogus');
      expect(result.stderr).not.toContain('cli.usage.');
    });

    it('prints its version and exits 0', async () => {
      const result = await exec(['--version'], cwd);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    });

    it('scans a tree with worker threads, with the same output as one thread, surviving bad files', async () => {
      const threaded = await exec(['--format', 'json', '--fail-on', 'none', '.'], cwd, { COZE_LOOP_THREADS: '2' });
      const single = await exec(['--format', 'json', '--fail-on', 'none', '.'], cwd, { COZE_LOOP_THREADS: '1' });
      expect(threaded.code).toBe(0);
      expect(threaded.stderr).toBe('');
      expect(threaded.stdout).toBe(single.stdout);
      const report = JSON.parse(threaded.stdout);
      expect(report.summary.filesAnalyzed + report.summary.filesSkipped).toBe(124);
      expect(report.findings.length).toBeGreaterThan(0);
    }, 60_000);

    it('exits 1 on findings and 2 on a broken config', async () => {
      expect((await exec(['--fail-on', 'info', 'pkg1'], cwd)).code).toBe(1);
      const bad = tree({ '.coze-loop.yml': 'targets: [speed]\n', 'a.py': POLLER(1) });
      const result = await exec([], bad);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('.coze-loop.yml: targets[0]: expected one of optimize|readability|fix-bugs');
    }, 60_000);

    it('from another directory: analyses an absolute --file glob (the GitLab CI seed line) and names a glob matching nothing', async () => {
      const project = tree({ 'src/tasks/poll.py': POLLER(1), 'src/tasks/notes.txt': 'x\n' });
      const elsewhere = tree({ 'README.md': 'not a project\n' });
      const seed = await exec(['--target', 'fix-bugs', '--file', `${project}/src/tasks/*.py`, '--format', 'json', '--fail-on', 'none'], project, { CI_PROJECT_DIR: project });
      expect(seed.code).toBe(0);
      const inside = JSON.parse(seed.stdout);
      expect(inside.summary.filesAnalyzed).toBe(1);
      expect(inside.findings.length).toBeGreaterThan(0);
      expect(new Set(inside.findings.map((f: { path: string }) => f.path))).toEqual(new Set(['src/tasks/poll.py']));

      const outside = await exec(['--file', `${project}/src/tasks/*.py`, '--format', 'json', '--fail-on', 'none'], elsewhere);
      expect(outside.code).toBe(0);
      const report = JSON.parse(outside.stdout);
      expect(report.summary.filesAnalyzed).toBe(1);
      expect(report.findings[0].path).toBe(join(project, 'src', 'tasks', 'poll.py'));

      const byPath = await exec([`${project}/src`, '--exclude', `${project}/src/tasks/**`, '--format', 'json'], elsewhere);
      expect(JSON.parse(byPath.stdout).summary.filesAnalyzed).toBe(0);

      const nothing = await exec(['--file', `${project}/src/jobs/*.py`], elsewhere);
      expect(nothing.code).toBe(2);
      expect(nothing.stderr).toContain(`no file matches ${project}/src/jobs/*.py`);
      const missing = await exec([join(project, 'gone')], elsewhere);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('no such file or directory');
    }, 60_000);
  });
}

describe('bin/coze-loop.js and the one-file bundle', () => {
  it('runs every subcommand loaded on demand through the unbundled modules', async () => {
    const { LAZY_SUBCOMMANDS } = await import('../../src/cli/subcommands.js');
    const source = readFileSync(BIN, 'utf8');
    const listed = /const UNBUNDLED = new Set\(\[([^\]]*)\]\)/.exec(source)?.[1] ?? '';
    const names = [...listed.matchAll(/'([^']+)'/g)].map((m) => m[1]).sort();
    expect(names).toEqual(Object.keys(LAZY_SUBCOMMANDS).sort());
  });
});
