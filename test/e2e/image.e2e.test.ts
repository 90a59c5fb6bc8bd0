// The container image's entry point (bin/docker-entrypoint.sh, the Dockerfile's ENTRYPOINT after tini) as a plain
// process, laid out as the Dockerfile lays it out (`coze-loop` on PATH as a link to bin/coze-loop.js), and the
// GitLab CI template's job script run through it the way a GitLab runner does (`sh -c SCRIPT`), in a clone of a
// scratch repository whose `origin` is a local bare repository. No Docker engine is needed.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { pythonPoller } from '../support/python-poller.js';

const ENTRYPOINT = join(PROJECT_ROOT, 'bin', 'docker-entrypoint.sh');
const POLLER = pythonPoller('worker');

let pathDir: string;

/** The Dockerfile's `RUN ln -s /app/bin/coze-loop.js /usr/local/bin/coze-loop`, with /app being this checkout. */
function imageBin(): string {
  const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
  const link = /ln -s \/app\/(\S+) \/usr\/local\/bin\/(\S+)/.exec(dockerfile);
  expect(link).not.toBeNull();
  const dir = mkdtempSync(join(tmpdir(), 'coze-loop-image-bin-'));
  symlinkSync(join(PROJECT_ROOT, link![1]!), join(dir, link![2]!));
  return dir;
}

function entry(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(ENTRYPOINT, args, { cwd, env: { PATH: `${pathDir}:${process.env.PATH}`, HOME: tmpdir(), NO_COLOR: '1', ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 99) : 0, stdout, stderr });
    });
  });
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'ci', GIT_AUTHOR_EMAIL: 'ci@example.com', GIT_COMMITTER_NAME: 'ci', GIT_COMMITTER_EMAIL: 'ci@example.com' },
  }).trim();
}

beforeAll(() => {
  pathDir = imageBin();
});

describe('the image entry point', () => {
  it('hands options, subcommands and PATHs to the CLI', async () => {
    const version = await entry(['--version'], tmpdir());
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const rules = await entry(['rules', '--format', 'json'], tmpdir());
    expect(JSON.parse(rules.stdout).length).toBeGreaterThan(10);
    const project = mkdtempSync(join(tmpdir(), 'coze-loop-image-project-'));
    mkdirSync(join(project, 'workers'));
    writeFileSync(join(project, 'workers', 'poll.py'), POLLER);
    const scan = await entry(['workers', '--format', 'json'], project);
    expect(scan.code).toBe(1);
    expect(JSON.parse(scan.stdout).findings[0].path).toBe('workers/poll.py');
    const missing = await entry(['--file', 'nothing/*.py'], project);
    expect(missing.code).toBe(2);
  }, 60_000);

  it('runs other programs as they are: the shell GitLab starts, and the service command', async () => {
    const shell = await entry(['sh', '-c', 'echo "in a shell"; coze-loop --version'], tmpdir());
    expect(shell.code).toBe(0);
    expect(shell.stdout).toMatch(/^in a shell\n\d+\.\d+\.\d+\n$/);
    const cmd = JSON.parse(/^CMD (.*)$/m.exec(readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8'))![1]!) as string[];
    expect(cmd[0]).toBe('node');
    const node = await entry(['node', '-e', 'console.log(process.argv.length)'], tmpdir());
    expect(node.stdout.trim()).toBe('1');
  }, 30_000);
});

describe('templates/ci/gitlab-ci.yml run in the image', () => {
  it('fetches the target branch and writes a Code Quality report of the merge request\'s added loops', async () => {
    const root = mkdtempSync(join(tmpdir(), 'coze-loop-image-gitlab-'));
    const origin = join(root, 'origin.git');
    const work = join(root, 'work');
    git(root, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
    git(root, 'clone', '--quiet', origin, work);
    mkdirSync(join(work, 'src', 'tasks'), { recursive: true });
    writeFileSync(join(work, 'src', 'tasks', 'old.py'), POLLER.replace('def worker', 'def legacy_worker'));
    git(work, 'add', '.');
    git(work, 'commit', '--quiet', '-m', 'base');
    git(work, 'push', '--quiet', 'origin', 'HEAD:main');
    const base = git(work, 'rev-parse', 'HEAD');
    git(work, 'checkout', '--quiet', '-b', 'feature');
    writeFileSync(join(work, 'src', 'tasks', 'poll.py'), POLLER);
    git(work, 'add', '.');
    git(work, 'commit', '--quiet', '-m', 'add a poller');
    git(work, 'push', '--quiet', 'origin', 'feature');
    // A merge request pipeline's clone: the source branch only, no origin/main.
    const job = join(root, 'job');
    git(root, 'clone', '--quiet', '--single-branch', '--branch', 'feature', origin, job);
    expect(() => git(job, 'rev-parse', '--verify', '--quiet', 'refs/remotes/origin/main')).toThrow();

    const template = parse(readFileSync(join(PROJECT_ROOT, 'templates', 'ci', 'gitlab-ci.yml'), 'utf8')) as Record<string, { script: string[]; variables: Record<string, string>; image: string }>;
    const analysis = template['coze-loop']!;
    const script = analysis.script.join('\n');
    const env = { ...analysis.variables, CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main', CI_MERGE_REQUEST_DIFF_BASE_SHA: base, CI_PROJECT_DIR: job };
    const result = await entry(['sh', '-e', '-c', script], job, env);
    expect(result.stderr).not.toContain('coze-loop: ');
    expect(result.code).toBe(0);
    expect(git(job, 'rev-parse', 'refs/remotes/origin/main')).toBe(base);
    const report = JSON.parse(readFileSync(join(job, 'gl-code-quality-report.json'), 'utf8')) as { location: { path: string } }[];
    expect(report.length).toBeGreaterThan(0);
    // Only the loop the merge request adds; the one already on main is not reported.
    expect(new Set(report.map((issue) => issue.location.path))).toEqual(new Set(['src/tasks/poll.py']));
  }, 120_000);
});
