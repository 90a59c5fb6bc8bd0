import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { sarifSchema } from '../report/sarif-schema.js';
import { run, tree, type Main } from './harness.js';

jest.unstable_mockModule('../../src/analysis/engine.js', () => import('./fake-engine.js'));
const { main } = (await import('../../src/cli/main.js')) as { main: Main };

const WORKER = ['import time', '', 'while True:', '    poll()  # finding: polling-fixed-interval warning', '    time.sleep(5)', ''].join('\n');
const APP = ['for (let i = 0; i < a.length; i++) {', '  use(a[i]); // finding: index-loop info', '}', ''].join('\n');
const BUGGY = ['while True:', '    job = q.get()  # finding: busy-wait error', ''].join('\n');

function project(extra: Record<string, string | Buffer> = {}): string {
  return tree({
    'src/worker.py': WORKER,
    'src/app.ts': APP,
    'README.md': '# finding: busy-wait error (not code)\n',
    'node_modules/dep/index.js': '// finding: busy-wait error\n',
    'build/out.js': '// finding: busy-wait error\n',
    ...extra,
  });
}

describe('coze-loop (analysis)', () => {
  it('prints stylish text and exits 1 on a warning (default --fail-on warning)', async () => {
    const cwd = project();
    const result = await run(main, cwd, []);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatchSnapshot();
    expect(result.stdout).not.toContain('node_modules');
    expect(result.stdout).not.toContain('build/out.js');
  });

  it('renders text in Simplified Chinese from --locale', async () => {
    const result = await run(main, project(), ['--locale', 'zh-CN']);
    expect(result.stdout).toContain('循环问题 polling-fixed-interval');
    expect(result.stdout).toMatchSnapshot();
  });

  it('follows --fail-on', async () => {
    const cwd = project();
    expect((await run(main, cwd, ['--fail-on', 'none'])).code).toBe(0);
    expect((await run(main, cwd, ['--fail-on', 'error'])).code).toBe(0);
    expect((await run(main, cwd, ['--fail-on=info', 'src/app.ts'])).code).toBe(1);
    expect((await run(main, cwd, ['src/app.ts'])).code).toBe(0);
    const buggy = tree({ 'w.py': BUGGY });
    expect((await run(main, buggy, ['--fail-on', 'error'])).code).toBe(1);
  });

  it('exits 0 with a clean report when nothing is found', async () => {
    const cwd = tree({ 'ok.py': 'for x in xs:\n    print(x)\n' });
    const result = await run(main, cwd, []);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('✔ No problems found in 1 file(s).\n1 file(s) analysed, 0 skipped\n');
  });

  it('writes json with findings, cost/fix fields, skipped files and notes', async () => {
    const cwd = project({ 'blob.py': Buffer.from([0x89, 0x50, 0x00, 0x01]) });
    const result = await run(main, cwd, ['--format', 'json', '.', 'README.md']);
    const report = JSON.parse(result.stdout);
    expect(report.findings.map((f: { path: string; line: number; ruleId: string }) => `${f.path}:${f.line}:${f.ruleId}`)).toEqual([
      'src/app.ts:2:index-loop',
      'src/worker.py:4:polling-fixed-interval',
    ]);
    expect(report.findings[0].fix.kind).toBe('replace');
    expect(report.skipped).toEqual([
      { path: 'README.md', reason: 'unsupported-language' },
      { path: 'blob.py', reason: 'binary' },
    ]);
    expect(report.summary.filesAnalyzed).toBe(2);
  });

  it('writes valid SARIF', async () => {
    const result = await run(main, project(), ['--format', 'sarif']);
    const log = sarifSchema.parse(JSON.parse(result.stdout));
    expect(log.runs[0]!.results.map((r) => r.ruleId)).toEqual(['index-loop', 'polling-fixed-interval']);
    expect(log.runs[0]!.results[1]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe('src/worker.py');
  });

  it('writes GitLab Code Quality with unique fingerprints', async () => {
    const cwd = tree({ 'a.py': `${WORKER}\n${WORKER}`, 'b.py': WORKER });
    const issues = JSON.parse((await run(main, cwd, ['--format', 'codequality'])).stdout) as { fingerprint: string; severity: string }[];
    expect(issues).toHaveLength(3);
    expect(new Set(issues.map((i) => i.fingerprint)).size).toBe(3);
    expect(issues[0]!.severity).toBe('major');
  });

  it('writes the bots\' markdown body in both locales', async () => {
    const cwd = project();
    expect((await run(main, cwd, ['--format', 'markdown'])).stdout).toMatchSnapshot('en');
    expect((await run(main, cwd, ['--format', 'markdown', '--locale', 'zh-CN'])).stdout).toMatchSnapshot('zh-CN');
  });

  it('writes to --output instead of stdout', async () => {
    const cwd = project();
    const result = await run(main, cwd, ['--format', 'json', '--output', 'out/report.json']);
    expect(result.stdout).toBe('');
    expect(JSON.parse(readFileSync(join(cwd, 'out/report.json'), 'utf8')).findings).toHaveLength(2);
  });

  it('selects targets, files and exclusions', async () => {
    const cwd = project({ 'src/tasks/job.py': BUGGY, 'src/tasks/deep/other.py': BUGGY });
    const ids = async (argv: string[]) =>
      (JSON.parse((await run(main, cwd, ['--format', 'json', ...argv])).stdout).findings as { path: string; ruleId: string }[]).map((f) => `${f.path}:${f.ruleId}`);
    expect(await ids(['--target', 'fix-bugs'])).toEqual(['src/tasks/deep/other.py:busy-wait', 'src/tasks/job.py:busy-wait']);
    expect(await ids(['--target', 'readability,fix-bugs', '--file', 'src/tasks/*.py'])).toEqual(['src/tasks/job.py:busy-wait']);
    expect(await ids(['--target', 'optimize', '--target', 'readability'])).toEqual(['src/app.ts:index-loop', 'src/worker.py:polling-fixed-interval']);
    expect(await ids(['--file', '*.ts'])).toEqual(['src/app.ts:index-loop']);
    expect(await ids(['--exclude', 'tasks', '--exclude', 'src/app.ts'])).toEqual(['src/worker.py:polling-fixed-interval']);
    expect(await ids(['node_modules/dep/index.js'])).toEqual(['node_modules/dep/index.js:busy-wait']);
  });

  it('skips files over --max-file-bytes', async () => {
    const cwd = tree({ 'big.py': `${WORKER}${'#'.repeat(5000)}\n` });
    const report = JSON.parse((await run(main, cwd, ['--format', 'json', '--max-file-bytes', '1000'])).stdout);
    expect(report.findings).toEqual([]);
    expect(report.skipped).toEqual([{ path: 'big.py', reason: 'too-large', detail: expect.stringContaining('> 1000 bytes') }]);
  });

  it('reads .coze-loop.yml: targets, exclude, locale and fail_on', async () => {
    const cwd = project({ '.coze-loop.yml': 'targets: [readability]\nlocale: zh-CN\nfail_on: info\nexclude: ["src/worker.py"]\n' });
    const result = await run(main, cwd, []);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('循环问题 index-loop');
    expect(result.stdout).not.toContain('polling');
  });
});

describe('coze-loop (errors)', () => {
  it('exits 2 naming the key of a bad config', async () => {
    const cwd = project({ '.coze-loop.yml': 'rules:\n  query-in-loop: loud\n' });
    const result = await run(main, cwd, []);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('coze-loop: .coze-loop.yml: rules.query-in-loop: expected one of off|on|info|warning|error\n');
  });

  it('exits 2 for a missing --config file, bad flags and missing paths', async () => {
    const cwd = project();
    const missing = await run(main, cwd, ['--config', 'nope.yml']);
    expect(missing).toMatchObject({ code: 2, stderr: 'coze-loop: nope.yml: file not found\n' });
    const bad = await run(main, cwd, ['--format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format: "xml" is not one of text|json|sarif|codequality|markdown');
    const typo = await run(main, cwd, ['--targett', 'optimize']);
    expect(typo.stderr).toContain('unknown option --targett (did you mean --target?)');
    expect((await run(main, cwd, ['--target', 'speed'])).code).toBe(2);
    expect((await run(main, cwd, ['--max-file-bytes', '-5'])).code).toBe(2);
    expect((await run(main, cwd, ['--output'])).stderr).toContain('--output needs a value');
    const path = await run(main, cwd, ['does/not/exist']);
    expect(path).toMatchObject({ code: 2, stderr: expect.stringContaining('no such file or directory: does/not/exist') });
    expect((await run(main, cwd, ['--locale', 'zh-CN', '--format', 'xml'])).stderr).toContain('不是');
  });

  it('prints help and version', async () => {
    const help = await run(main, project(), ['--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--target', '--file', '--exclude', '--diff', '--format', '--output', '--fail-on', '--config', '--locale', '--max-file-bytes', '--no-progress']) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toContain('explain');
    const version = await run(main, project(), ['--version']);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('coze-loop (terminal)', () => {
  it('colours text on a TTY unless NO_COLOR is set, and never colours files', async () => {
    const cwd = project();
    expect((await run(main, cwd, [], { tty: true })).stdout).toContain('\u001b[');
    expect((await run(main, cwd, [], { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\u001b[');
    await run(main, cwd, ['--output', 'r.txt'], { tty: true });
    expect(readFileSync(join(cwd, 'r.txt'), 'utf8')).not.toContain('\u001b[');
  });

  it('shows progress on a TTY stderr only, and not with --no-progress', async () => {
    const cwd = project();
    expect((await run(main, cwd, [], { tty: true })).stderr).toContain('coze-loop: 2/2 files (100%)');
    expect((await run(main, cwd, ['--no-progress'], { tty: true })).stderr).toBe('');
    expect((await run(main, cwd, [])).stderr).toBe('');
  });
});

describe('coze-loop --diff', () => {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, { cwd, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });

  it('reports only findings on lines added since BASE', async () => {
    const cwd = tree({ 'src/worker.py': WORKER, 'src/app.ts': APP, 'src/old.py': BUGGY });
    git(cwd, 'init', '-q');
    git(cwd, 'add', '.');
    git(cwd, 'commit', '-q', '-m', 'base');
    // An added finding in a tracked file, a moved file with one new line, and an untracked file (not in git diff).
    writeFileSync(join(cwd, 'src/worker.py'), `${WORKER}def more():\n    while True:\n        fetch()  # finding: busy-wait error\n`);
    git(cwd, 'mv', 'src/app.ts', 'src/moved.ts');
    writeFileSync(join(cwd, 'src/moved.ts'), `${APP}for (const x of xs) { go(x); } // finding: index-loop warning\n`);
    writeFileSync(join(cwd, 'src/untracked.py'), BUGGY);
    const result = await run(main, cwd, ['--diff', 'HEAD', '--format', 'json']);
    const findings = JSON.parse(result.stdout).findings as { path: string; line: number; ruleId: string }[];
    expect(findings.map((f) => `${f.path}:${f.line}:${f.ruleId}`)).toEqual(['src/moved.ts:4:index-loop', 'src/worker.py:8:busy-wait']);
    expect(result.code).toBe(1);

    const nothing = await run(main, cwd, ['--diff', 'HEAD', '--format', 'json', 'src/old.py']);
    expect(JSON.parse(nothing.stdout).findings).toEqual([]);
    expect(nothing.code).toBe(0);
  });

  it('exits 2 on an unknown revision or outside a repository', async () => {
    const cwd = tree({ 'a.py': WORKER });
    const outside = await run(main, cwd, ['--diff', 'main']);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/^coze-loop: --diff main: /);
    git(cwd, 'init', '-q');
    git(cwd, 'add', '.');
    git(cwd, 'commit', '-q', '-m', 'base');
    const unknown = await run(main, cwd, ['--diff', 'no-such-branch']);
    expect(unknown).toMatchObject({ code: 2, stderr: 'coze-loop: --diff no-such-branch: unknown revision: no-such-branch\n' });
    expect((await run(main, cwd, ['--diff', '--output=x'])).code).toBe(2);
  });
});

describe('coze-loop rules / explain', () => {
  it('lists the catalogue', async () => {
    const result = await run(main, project(), ['rules']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatchSnapshot();
    const json = JSON.parse((await run(main, project(), ['rules', '--format', 'json'])).stdout) as { id: string }[];
    expect(json.map((r) => r.id)).toContain('busy-wait');
    expect((await run(main, project(), ['rules', '--locale', 'zh-CN'])).stdout).toContain('目标');
  });

  it('explains a rule, and exits 2 for an unknown one', async () => {
    const ok = await run(main, project(), ['explain', 'busy-wait']);
    expect(ok).toMatchObject({ code: 0, stdout: '# Title of busy-wait\n\nWhat busy-wait does.\n' });
    const bad = await run(main, project(), ['explain', 'busy']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown rule "busy". Did you mean: busy-wait?');
    expect((await run(main, project(), ['explain'])).code).toBe(2);
  });
});
