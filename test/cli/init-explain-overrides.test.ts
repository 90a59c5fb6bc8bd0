// `coze-loop init`, `explain` on a terminal and through a pipe, and per-path `overrides:` in the config, over the
// real engine. The terminal case runs the built command under `script`, which gives it a real pseudo-terminal.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { loadConfigFile } from '../../src/config/load.js';
import { getRule } from '../../src/analysis/engine.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { run, tree } from './harness.js';
import { pythonPoller } from '../support/python-poller.js';

const BIN = join(PROJECT_ROOT, 'bin', 'coze-loop.js');
const POLLER = pythonPoller();

function exec(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 }, (error, stdout) => resolve({ code: error ? Number(error.code ?? 99) : 0, stdout }));
  });
}

describe('coze-loop init', () => {
  it('writes a commented .coze-loop.yml that loads as the defaults, and refuses to overwrite it', async () => {
    const cwd = tree({ 'a.py': POLLER });
    const first = await run(main, cwd, ['init']);
    expect(first).toMatchObject({ code: 0, stdout: 'wrote .coze-loop.yml\n' });
    const text = readFileSync(join(cwd, '.coze-loop.yml'), 'utf8');
    expect(text).toContain('# targets: [optimize, readability, fix-bugs]');
    expect(text).toContain('# overrides:');
    expect(loadConfigFile(undefined, cwd, 'en')).toEqual(loadConfigFile(undefined, tree({}), 'en'));
    // Every commented example, uncommented, is a valid config too.
    const uncommented = text.split('\n').filter((l) => l.startsWith('# ') && /^# [a-z_]+:|^#   /.test(l)).map((l) => l.slice(2)).join('\n');
    writeFileSync(join(cwd, 'all.yml'), uncommented);
    const all = loadConfigFile('all.yml', cwd, 'en');
    expect(all.overrides[0]).toMatchObject({ files: ['tests/**', '**/test_*.py'], targets: ['fix-bugs'] });
    const again = await run(main, cwd, ['init']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
  });

  it('with --ci writes the template of the platform it detects', async () => {
    const gitlab = tree({ '.gitlab-ci.yml': 'stages: [test]\n' });
    const result = await run(main, gitlab, ['init', '--ci']);
    expect(result.code).toBe(0);
    expect(readFileSync(join(gitlab, 'ci', 'coze-loop.gitlab-ci.yml'), 'utf8')).toBe(readFileSync(join(PROJECT_ROOT, 'templates', 'ci', 'gitlab-ci.yml'), 'utf8'));
    expect(result.stdout).toContain('local: ci/coze-loop.gitlab-ci.yml');
    const github = tree({});
    mkdirSync(join(github, '.github'));
    await run(main, github, ['init', '--ci']);
    expect(parse(readFileSync(join(github, '.github', 'workflows', 'coze-loop.yml'), 'utf8')).jobs.review).toBeDefined();
    const unknown = tree({});
    expect((await run(main, unknown, ['init', '--ci'])).code).toBe(2);
    expect(existsSync(join(unknown, '.coze-loop.yml'))).toBe(true);
    expect((await run(main, tree({}), ['init', '--ci', 'bitbucket'])).code).toBe(2);
  });
});

describe('coze-loop explain', () => {
  it('prints plain Markdown through a pipe', async () => {
    const piped = await exec(process.execPath, [BIN, 'explain', 'busy-wait']);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/^# busy-wait: /);
    expect(piped.stdout).toContain('```python\n');
  }, 60_000);

  it('renders it on a terminal: bold headings, code indented without fences', async () => {
    const tty = await exec('script', ['-qec', `${process.execPath} ${BIN} explain busy-wait`, '/dev/null'], { TERM: 'xterm' });
    expect(tty.code).toBe(0);
    const text = tty.stdout.replace(/\r\n/g, '\n');
    expect(text).not.toContain('```');
    expect(text).not.toMatch(/^#/m);
    expect(text).toContain('\u001b[1mWhat it does\u001b[22m');
    expect(text).toMatch(/^ {4}\u001b\[2mwhile True:/m);
    const plain = await exec('script', ['-qec', `${process.execPath} ${BIN} explain busy-wait`, '/dev/null'], { TERM: 'xterm', NO_COLOR: '1' });
    expect(plain.stdout.replace(/\r\n/g, '\n')).toMatch(/^What it does\n-{12}$/m);
  }, 60_000);
});

describe('overrides in the config', () => {
  it('switches rules and targets per path, later entries winning, on top of the top-level settings', async () => {
    const cwd = tree({ 'src/jobs.py': POLLER, 'workers/jobs.py': POLLER, 'scripts/once.py': POLLER });
    const findings = async () => {
      const result = await run(main, cwd, ['--format', 'json', '--fail-on', 'none', '--no-progress']);
      expect(result.code).toBe(0);
      return (JSON.parse(result.stdout) as { findings: { path: string; ruleId: string; target: string; severity: string }[] }).findings;
    };
    const before = await findings();
    const rulesIn = (list: typeof before, path: string) => new Set(list.filter((f) => f.path === path).map((f) => f.ruleId));
    expect(rulesIn(before, 'workers/jobs.py').has('unguarded-worker-loop')).toBe(true);
    expect([...rulesIn(before, 'workers/jobs.py')].some((id) => getRule(id)?.target !== 'fix-bugs')).toBe(true);
    writeFileSync(
      join(cwd, '.coze-loop.yml'),
      [
        'rules:',
        '  magic-interval: off',
        'overrides:',
        '  - files: ["workers/**"]',
        '    targets: [fix-bugs]',
        '    rules: { unguarded-worker-loop: off }',
        '  - files: ["scripts/**"]',
        '    rules: { magic-interval: on, commit-in-loop: error }',
        '',
      ].join('\n'),
    );
    const after = await findings();
    const workers = after.filter((f) => f.path === 'workers/jobs.py');
    expect(workers.length).toBeGreaterThan(0);
    for (const f of workers) expect(f.target).toBe('fix-bugs');
    expect(rulesIn(after, 'workers/jobs.py').has('unguarded-worker-loop')).toBe(false);
    expect(rulesIn(after, 'src/jobs.py').has('magic-interval')).toBe(false);
    expect(rulesIn(after, 'scripts/once.py').has('magic-interval')).toBe(true);
    expect(after.find((f) => f.path === 'scripts/once.py' && f.ruleId === 'commit-in-loop')?.severity).toBe('error');
    expect(rulesIn(after, 'src/jobs.py')).toEqual(new Set([...rulesIn(before, 'src/jobs.py')].filter((id) => id !== 'magic-interval')));
    writeFileSync(join(cwd, '.coze-loop.yml'), 'overrides:\n  - files: ["tests/**"]\n    rules: { unguarded-worker-lop: off }\n');
    const bad = await run(main, cwd, []);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('overrides[0].rules.unguarded-worker-lop');
  }, 60_000);
});
