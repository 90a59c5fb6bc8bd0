// `coze-loop review` as a CI job runs it: the built command (`node bin/coze-loop.js review`) as a child process with
// only CI environment variables, against the GitHub and GitLab stand-ins the service's end-to-end tests use, with the
// real engine. Checks what lands on the host: review, summary, check run / discussions, note, commit status.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { FINGERPRINT_PATTERN, SUMMARY_MARKER } from '../../src/platforms/platform.js';
import { FakeGitHub } from '../support/fake-github.js';
import { FakeGitLab } from '../support/fake-gitlab.js';

const BIN = join(PROJECT_ROOT, 'bin', 'coze-loop.js');
const BUILT = join(PROJECT_ROOT, 'dist', 'src', 'ci', 'cli.js');
const BASE = 'a9a8a7a6a5a4a3a2a1a0b9b8b7b6b5b4b3b2b1b0';
const HEAD = 'b0b1b2b3b4b5b6b7b8b9c0c1c2c3c4c5c6c7c8c9';
const GH_TOKEN = 'ghs_e2eTokenThatMustNotLeak0123456789abcd';
const GL_TOKEN = 'glpat-e2eTokenThatMustNotLeak';

const WORKER = [
  'import time',
  'import requests',
  '',
  '',
  'def charge_new_orders(db):',
  '    while True:',
  '        rows = db.execute("SELECT * FROM orders WHERE status = \'new\'").fetchall()',
  '        for row in rows:',
  '            requests.post("https://billing.example.com/charge", json={"id": row["id"]})',
  '            db.execute("UPDATE orders SET status = \'done\' WHERE id = %s", (row["id"],))',
  '            db.commit()',
  '        time.sleep(30)',
];
const SOURCE = `${WORKER.join('\n')}\n`;
const PATCH = [`@@ -0,0 +1,${WORKER.length} @@`, ...WORKER.map((l) => `+${l}`)].join('\n');

/** Rebuilds dist/ once when the CI command's compiled output is missing or older than its sources. */
function ensureBuilt(): void {
  const newest = (dir: string): number =>
    readdirSync(join(PROJECT_ROOT, dir), { withFileTypes: true }).reduce((max, entry) => {
      const path = join(dir, entry.name);
      return Math.max(max, entry.isDirectory() ? newest(path) : statSync(join(PROJECT_ROOT, path)).mtimeMs);
    }, 0);
  const built = existsSync(BUILT) ? statSync(BUILT).mtimeMs : 0;
  const sources = Math.max(newest('src/ci'), newest('src/review'), newest('src/platforms'));
  if (built >= sources) return;
  try {
    execFileSync('npm', ['run', 'build'], { cwd: PROJECT_ROOT, stdio: 'pipe', timeout: 400_000 });
  } catch {
    // Type errors elsewhere in the tree still emit JavaScript; the runs below fail if the command cannot start.
  }
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command the way a CI job does; asynchronous, so the stand-ins in this process keep answering. */
function review(args: string[], env: Record<string, string>, cwd: string): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'review', ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), NO_COLOR: '1', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 99) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function workspace(): string {
  return mkdtempSync(join(tmpdir(), 'coze-loop-ci-e2e-'));
}

beforeAll(() => {
  ensureBuilt();
}, 420_000);

describe('coze-loop review on GitHub Actions (against the GitHub stand-in)', () => {
  let fake: FakeGitHub;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = await new FakeGitHub().start();
    fake.addPull({ number: 7, head: { sha: HEAD, ref: 'feature' }, base: { sha: BASE, ref: 'main' }, files: [{ filename: 'worker/charge.py', status: 'added', patch: PATCH }] });
    fake.setContent(HEAD, 'worker/charge.py', SOURCE);
    dir = workspace();
    const event = {
      action: 'synchronize',
      number: 7,
      pull_request: {
        number: 7,
        html_url: `${fake.url}/acme/shop/pull/7`,
        draft: false,
        base: { sha: BASE, ref: 'main', repo: { full_name: 'acme/shop' } },
        head: { sha: HEAD, ref: 'feature', repo: { full_name: 'acme/shop' } },
      },
      repository: { full_name: 'acme/shop' },
    };
    writeFileSync(join(dir, 'event.json'), JSON.stringify(event));
    env = {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_TOKEN: GH_TOKEN,
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: join(dir, 'event.json'),
      GITHUB_API_URL: `${fake.url}/api/v3`,
    };
  });

  afterAll(async () => {
    await fake.close();
  });

  it('--dry-run prints the review and sends no write request', async () => {
    const result = await review(['--dry-run'], env, dir);
    expect(result.stderr).not.toContain(GH_TOKEN);
    expect([0, 1]).toContain(result.code);
    expect(fake.writes()).toEqual([]);
    expect(result.stdout).toContain('# coze-loop review of acme/shop#7');
    expect(result.stdout).toMatch(/### worker\/charge\.py:\d+/);
  });

  it('posts one review, one summary and a check run whose conclusion matches the exit code', async () => {
    const result = await review([], env, dir);
    expect(result.stderr).not.toContain(GH_TOKEN);
    expect(fake.reviews).toHaveLength(1);
    const [posted] = fake.reviews;
    expect(posted).toMatchObject({ commit_id: HEAD, event: 'COMMENT' });
    expect(posted!.comments.length).toBeGreaterThan(0);
    for (const comment of posted!.comments as { body: string }[]) expect(comment.body).toMatch(FINGERPRINT_PATTERN);
    expect(fake.issueComments.filter((c) => c.body.includes(SUMMARY_MARKER))).toHaveLength(1);
    expect(fake.checkRuns).toHaveLength(1);
    const [check] = fake.checkRuns;
    expect(check).toMatchObject({ name: 'coze-loop', head_sha: HEAD, status: 'completed' });
    expect(check!.output.annotations.length).toBeGreaterThan(0);
    expect(result.code).toBe(check!.conclusion === 'failure' ? 1 : 0);
    // The same findings under the CLI's default --fail-on warning: the job fails exactly when the check does.
    expect(result.stderr).toContain('new inline comment(s) posted');
  });

  it('a second run on the same head posts no new review and edits the summary in place', async () => {
    const before = fake.reviewComments.length;
    const result = await review(['--fail-on', 'none'], env, dir);
    expect(result.code).toBe(0);
    expect(fake.reviews).toHaveLength(1);
    expect(fake.reviewComments).toHaveLength(before);
    expect(fake.issueComments.filter((c) => c.body.includes(SUMMARY_MARKER))).toHaveLength(1);
    expect(fake.checkRuns).toHaveLength(1);
    expect(fake.checkRuns[0]!.conclusion).toBe('neutral');
  });

  it('with a read-only token (pull request from a fork) prints the review, writes SARIF and does not fail for it', async () => {
    const forkDir = workspace();
    const event = JSON.parse(readFileSync(join(dir, 'event.json'), 'utf8')) as { pull_request: { head: { repo: { full_name: string } } } };
    event.pull_request.head.repo.full_name = 'contributor/shop';
    writeFileSync(join(forkDir, 'event.json'), JSON.stringify(event));
    const readOnly = 'ghs_readOnlyForkToken0123456789abcdefgh';
    fake.readOnlyTokens.add(readOnly);
    fake.reviewComments = [];
    fake.reviews = [];
    const writesBefore = fake.writes().length;

    const result = await review(['--fail-on', 'none'], { ...env, GITHUB_TOKEN: readOnly, GITHUB_EVENT_PATH: join(forkDir, 'event.json') }, forkDir);

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('comes from a fork');
    expect(result.stderr).not.toContain(readOnly);
    expect(result.stdout).toMatch(/### worker\/charge\.py:\d+/);
    // Exactly one write was attempted (the review, refused); nothing after it.
    expect(fake.writes().length - writesBefore).toBe(1);
    expect(fake.reviews).toHaveLength(0);
    const sarif = JSON.parse(readFileSync(join(forkDir, 'coze-loop.sarif'), 'utf8')) as { version: string; runs: { results: unknown[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results.length).toBeGreaterThan(0);
  });

  it('with --base reads the change from the job\'s git checkout and still posts through the API', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'coze-loop-ci-e2e-git-'));
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'ci', GIT_AUTHOR_EMAIL: 'ci@example.com', GIT_COMMITTER_NAME: 'ci', GIT_COMMITTER_EMAIL: 'ci@example.com' } }).trim();
    git('init', '--quiet', '--initial-branch=main');
    writeFileSync(join(repo, 'README.md'), 'shop\n');
    git('add', '.');
    git('commit', '--quiet', '-m', 'base');
    const base = git('rev-parse', 'HEAD');
    mkdirSync(join(repo, 'worker'));
    writeFileSync(join(repo, 'worker', 'charge.py'), SOURCE);
    git('add', '.');
    git('commit', '--quiet', '-m', 'worker');
    const head = git('rev-parse', 'HEAD');
    // The stand-in knows the pull request's files (to refuse comments off the diff) but not their content: a
    // review that found something read the files from git.
    fake.addPull({ number: 8, head: { sha: head, ref: 'worker' }, base: { sha: base, ref: 'main' }, files: [{ filename: 'worker/charge.py', status: 'added', patch: PATCH }] });
    const event = { number: 8, pull_request: { number: 8, base: { sha: base, ref: 'main', repo: { full_name: 'acme/shop' } }, head: { sha: head, ref: 'worker', repo: { full_name: 'acme/shop' } } } };
    writeFileSync(join(repo, '..', `event-${process.pid}.json`), JSON.stringify(event));
    const requestsBefore = fake.requests.length;

    const result = await review(['--base', base, '--fail-on', 'none'], { ...env, GITHUB_EVENT_PATH: join(repo, '..', `event-${process.pid}.json`) }, repo);

    expect(result.code).toBe(0);
    const posted = fake.reviews.filter((r) => r.pull_number === 8);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.commit_id).toBe(head);
    expect(posted[0]!.comments.length).toBeGreaterThan(0);
    const reads = fake.requests.slice(requestsBefore).map((r) => r.path);
    expect(reads.filter((p) => p.includes('/files') || p.includes('/contents/worker'))).toEqual([]);
  });

  it('exits 2 naming GITHUB_TOKEN when the workflow does not pass it', async () => {
    const result = await review([], { ...env, GITHUB_TOKEN: '' }, dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('GITHUB_TOKEN');
  });
});

describe('coze-loop review in GitLab CI (against the GitLab stand-in)', () => {
  let fake: FakeGitLab;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = new FakeGitLab({ token: GL_TOKEN });
    await fake.start();
    fake.addProject({ id: 42, path: 'acme/billing' });
    fake.addMergeRequest({
      projectId: 42,
      iid: 12,
      sourceBranch: 'feature',
      targetBranch: 'main',
      baseSha: BASE,
      headSha: HEAD,
      author: { id: 9, username: 'riley' },
      diffs: [{ old_path: 'worker/charge.py', new_path: 'worker/charge.py', new_file: true, diff: `${PATCH}\n` }],
    });
    fake.setFiles(42, HEAD, { 'worker/charge.py': SOURCE });
    env = {
      CI: 'true',
      GITLAB_CI: 'true',
      CI_API_V4_URL: `${fake.url}/api/v4`,
      CI_SERVER_URL: fake.url,
      CI_PROJECT_ID: '42',
      CI_PIPELINE_SOURCE: 'merge_request_event',
      CI_MERGE_REQUEST_IID: '12',
      CI_MERGE_REQUEST_DIFF_BASE_SHA: BASE,
      CI_COMMIT_SHA: HEAD,
      CI_JOB_TOKEN: 'job-token',
      COZE_LOOP_GITLAB_TOKEN: GL_TOKEN,
    };
  });

  afterAll(async () => {
    await fake.stop();
  });

  it('--dry-run sends no write request', async () => {
    const result = await review(['--dry-run'], env, workspace());
    expect(fake.writes()).toEqual([]);
    expect(result.stdout).toContain('# coze-loop review of 42!12');
    expect(result.stdout).toMatch(/### worker\/charge\.py:\d+/);
  });

  it('opens positioned discussions, one summary note and a commit status matching the exit code', async () => {
    const result = await review([], env, workspace());
    expect(result.stderr).not.toContain(GL_TOKEN);
    const notes = fake.notes(42, 12);
    const diffNotes = notes.filter((n) => n.type === 'DiffNote');
    expect(diffNotes.length).toBeGreaterThan(0);
    for (const note of diffNotes) {
      expect(note.body).toMatch(FINGERPRINT_PATTERN);
      expect(note.position).toMatchObject({ base_sha: BASE, head_sha: HEAD, new_path: 'worker/charge.py' });
    }
    expect(notes.filter((n) => n.body.includes(SUMMARY_MARKER))).toHaveLength(1);
    const status = fake.statuses.filter((s) => s.sha === HEAD);
    expect(status).toHaveLength(1);
    expect(status[0]!.name).toBe('coze-loop');
    expect(result.code).toBe(status[0]!.state === 'failed' ? 1 : 0);
  });

  it('a rerun opens no new discussion', async () => {
    const before = fake.notes(42, 12).filter((n) => n.type === 'DiffNote').length;
    const result = await review(['--fail-on', 'none'], env, workspace());
    expect(result.code).toBe(0);
    expect(fake.notes(42, 12).filter((n) => n.type === 'DiffNote')).toHaveLength(before);
    expect(fake.notes(42, 12).filter((n) => n.body.includes(SUMMARY_MARKER))).toHaveLength(1);
  });

  it('exits 2 explaining CI_JOB_TOKEN when COZE_LOOP_GITLAB_TOKEN is missing', async () => {
    const { COZE_LOOP_GITLAB_TOKEN: _omit, ...rest } = env;
    const result = await review([], rest, workspace());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('CI_JOB_TOKEN cannot post');
  });
});
