// The CI command's pieces on their own: flag parsing, environment detection, the local-git change set, the capture
// wrapper's refusal rule and the printed review.
import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../src/cli/args.js';
import { parseReviewArgs } from '../../src/ci/args.js';
import { CapturingPlatform, isReadOnlyRefusal } from '../../src/ci/capture.js';
import { LocalGitPlatform, OfflinePlatform } from '../../src/ci/delegating-platform.js';
import { CiSetupError, detectTarget, instanceUrl } from '../../src/ci/environment.js';
import { addedSince, changedFilesFromGit, git, GitError, hunksToPatch } from '../../src/diff/local-git.js';
import { renderCapturedReview } from '../../src/ci/render.js';
import { addedLines, parsePatch } from '../../src/diff/index.js';
import type { ChangeRequestRef } from '../../src/platforms/platform.js';
import { BASE, HEAD, SENDER_PATCH, githubEnv, gitlabEnv, gitRepository, pullRequestEvent, tempDir, writeEvent } from './helpers.js';

function setupError(fn: () => unknown): CiSetupError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CiSetupError) return error;
    throw error;
  }
  throw new Error('expected a CiSetupError');
}

describe('parseReviewArgs', () => {
  it('reads every flag, with --pr/--mr and --repo/--project as synonyms and repeatable --target', () => {
    expect(
      parseReviewArgs(['--platform', 'gitlab', '--mr=12', '--project', 'group/app', '--base', BASE, '--head', HEAD, '--dry-run', '--target', 'optimize', '--target=fix-bugs', '--config', 'ci.yml', '--fail-on', 'none', '--locale', 'zh-CN', '--sarif', 'out.sarif', '--api-url', 'https://gl.example.com/api/v4']),
    ).toEqual({
      platform: 'gitlab',
      number: 12,
      repo: 'group/app',
      base: BASE,
      head: HEAD,
      dryRun: true,
      targets: ['optimize', 'fix-bugs'],
      config: 'ci.yml',
      failOn: 'none',
      locale: 'zh-CN',
      sarif: 'out.sarif',
      apiUrl: 'https://gl.example.com/api/v4',
      help: false,
    });
    expect(parseReviewArgs(['--target', 'all']).targets).toEqual(['optimize', 'readability', 'fix-bugs']);
  });

  it.each([
    [['--platform', 'bitbucket'], 'cli.usage.bad-value'],
    [['--pr', 'seven'], 'cli.usage.bad-number'],
    [['--base', '--upload-pack=evil'], 'cli.usage.missing-value'],
    [['--base=-x'], 'cli.usage.bad-value'],
    [['--dry-run=yes'], 'cli.usage.no-value'],
    [['--token', 'x'], 'cli.usage.unknown-flag'],
    [['extra'], 'cli.usage.unexpected'],
    [['--fail-on'], 'cli.usage.missing-value'],
  ])('rejects %j', (argv, key) => {
    expect(() => parseReviewArgs(argv)).toThrow(UsageError);
    try {
      parseReviewArgs(argv);
    } catch (error) {
      expect((error as UsageError).key).toBe(key);
    }
  });
});

describe('detectTarget', () => {
  const dir = tempDir();

  it('reads a GitHub pull_request event: number, SHAs, refs and whether it comes from a fork', () => {
    const path = writeEvent(dir, pullRequestEvent({ headRepo: 'someone/shop' }));
    const target = detectTarget(parseReviewArgs([]), githubEnv(path, { GITHUB_API_URL: 'https://ghe.example.com/api/v3/' }), dir);
    expect(target).toMatchObject({ platform: 'github', repo: 'acme/shop', number: 7, baseSha: BASE, headSha: HEAD, baseRef: 'main', headRef: 'feature', fromFork: true, apiUrl: 'https://ghe.example.com/api/v3' });
    const same = detectTarget(parseReviewArgs([]), githubEnv(writeEvent(dir, pullRequestEvent())), dir);
    expect(same).toMatchObject({ fromFork: false });
  });

  it('lets flags win, and does not borrow the event SHAs for another pull request', () => {
    const path = writeEvent(dir, pullRequestEvent());
    const target = detectTarget(parseReviewArgs(['--pr', '9', '--repo', 'acme/other']), githubEnv(path), dir);
    expect(target).toMatchObject({ repo: 'acme/other', number: 9 });
    expect(target).not.toHaveProperty('baseSha');
    expect(target).not.toHaveProperty('headSha');
  });

  it('names the broken event file', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ not json');
    expect(setupError(() => detectTarget(parseReviewArgs([]), githubEnv(path), dir)).key).toBe('ci.error.event-invalid');
    expect(setupError(() => detectTarget(parseReviewArgs([]), githubEnv(join(dir, 'missing.json')), dir)).key).toBe('ci.error.event-unreadable');
  });

  it('reads GitLab CI variables, preferring the source branch SHA of a merged-results pipeline', () => {
    expect(detectTarget(parseReviewArgs([]), gitlabEnv(), dir)).toMatchObject({ platform: 'gitlab', url: 'https://gitlab.example.com', project: '42', iid: 12, baseSha: BASE, headSha: HEAD });
    const merged = detectTarget(parseReviewArgs([]), gitlabEnv({ CI_COMMIT_SHA: 'f'.repeat(40), CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: HEAD }), dir);
    expect(merged).toMatchObject({ headSha: HEAD });
    expect(instanceUrl('https://example.com/gitlab/api/v4/')).toBe('https://example.com/gitlab');
  });

  it('allows an offline dry run without a token only with --base, and names the token otherwise', () => {
    const path = writeEvent(dir, pullRequestEvent());
    expect(detectTarget(parseReviewArgs(['--dry-run', '--base', BASE]), githubEnv(path, { GITHUB_TOKEN: undefined }), dir)).not.toHaveProperty('token');
    expect(setupError(() => detectTarget(parseReviewArgs(['--dry-run']), githubEnv(path, { GITHUB_TOKEN: undefined }), dir)).key).toBe('ci.error.github-token');
    expect(detectTarget(parseReviewArgs(['--dry-run', '--base', BASE]), {}, dir)).toMatchObject({ platform: 'local' });
  });
});

describe('local git change set', () => {
  it('turns git diff into the patches the hosts hand out: modified, added, renamed, removed, binary', async () => {
    const repo = gitRepository({
      base: { 'a.py': 'x = 1\ny = 2\n', 'old/name.py': 'def f():\n    return 1\n' + '# pad\n'.repeat(20), 'gone.py': 'z = 3\n', 'logo.png': 'PNG\u0000\u0001' },
      head: { 'a.py': 'x = 1\ny = 3\n', 'b.py': 'print(1)\n', 'old/name.py': null, 'new/name.py': 'def f():\n    return 2\n' + '# pad\n'.repeat(20), 'gone.py': null, 'logo.png': 'PNG\u0000\u0002' },
    });
    const files = await changedFilesFromGit(repo.dir, repo.base, repo.head);
    const byPath = new Map(files.map((f) => [f.path, f]));
    expect(byPath.get('a.py')).toEqual({ path: 'a.py', status: 'modified', patch: '@@ -1,2 +1,2 @@\n x = 1\n-y = 2\n+y = 3\n' });
    expect(byPath.get('b.py')).toMatchObject({ status: 'added', patch: '@@ -0,0 +1,1 @@\n+print(1)\n' });
    expect(byPath.get('new/name.py')).toMatchObject({ status: 'renamed', oldPath: 'old/name.py' });
    expect(byPath.get('gone.py')).toMatchObject({ status: 'removed' });
    expect(byPath.get('logo.png')).toMatchObject({ binary: true });
    expect(byPath.get('logo.png')).not.toHaveProperty('patch');
  });

  it("is the CLI's change source too: --diff BASE sees the same added lines as review --base, and the same GitError", async () => {
    const repo = gitRepository({
      base: { 'a.py': 'x = 1\ny = 2\n', 'gone.py': 'z = 3\n' },
      head: { 'a.py': 'x = 1\ny = 3\nw = 4\n', 'pkg/b.py': 'print(1)\n', 'gone.py': null },
    });
    const review = await changedFilesFromGit(repo.dir, repo.base, repo.head);
    const fromReview = new Map(review.filter((f) => f.patch !== undefined && f.status !== 'removed').map((f) => [f.path, addedLines(parsePatch(f.patch!))]));
    const fromCli = (await addedSince(repo.base, repo.dir)).files;
    expect(fromCli).toEqual(new Map([['a.py', new Set([2, 3])], ['pkg/b.py', new Set([1])]]));
    expect(fromCli).toEqual(fromReview);
    await expect(addedSince('no-such-branch', repo.dir)).rejects.toMatchObject({ name: 'GitError', kind: 'failed', message: 'unknown revision: no-such-branch' });
    await expect(git(repo.dir, ['cat-file', 'blob', 'no-such-branch:a.py'])).rejects.toBeInstanceOf(GitError);
  });

  it('round-trips a host patch through hunks', () => {
    expect(parsePatch(hunksToPatch(parsePatch(SENDER_PATCH)))).toEqual(parsePatch(SENDER_PATCH));
  });

  it('reads file contents at a commit, null for a missing path, and the head for a SHA the clone lacks', async () => {
    const repo = gitRepository({ base: { 'a.py': 'one\n' }, head: { 'a.py': 'two\n' } });
    const platform = new LocalGitPlatform(new OfflinePlatform('github'), { root: repo.dir, base: repo.base, head: repo.head });
    expect((await platform.getFileContent('acme/shop', 'a.py', repo.base))?.toString()).toBe('one\n');
    expect((await platform.getFileContent('acme/shop', 'a.py', 'f'.repeat(40)))?.toString()).toBe('two\n');
    expect(await platform.getFileContent('acme/shop', 'nope.py', repo.head)).toBeNull();
    expect(platform.name).toBe('github');
  });
});

describe('capture', () => {
  const cr: ChangeRequestRef = { platform: 'github', repo: 'acme/shop', number: 7, baseSha: BASE, headSha: HEAD };

  it('treats 403/404 as a read-only token but not a rate limit', () => {
    expect(isReadOnlyRefusal(Object.assign(new Error('Resource not accessible by integration'), { status: 403 }))).toBe(true);
    expect(isReadOnlyRefusal(Object.assign(new Error('Not Found'), { status: 404 }))).toBe(true);
    expect(isReadOnlyRefusal(Object.assign(new Error('API rate limit exceeded for installation'), { status: 403 }))).toBe(false);
    expect(isReadOnlyRefusal(Object.assign(new Error('Server Error'), { status: 500 }))).toBe(false);
  });

  it('passes other write failures through instead of hiding them', async () => {
    class Failing extends OfflinePlatform {
      override async upsertSummary(): Promise<void> {
        throw Object.assign(new Error('Bad gateway'), { status: 502 });
      }
    }
    const platform = new CapturingPlatform(new Failing('github'), 'fallback-on-refusal');
    await expect(platform.upsertSummary(cr, 'x')).rejects.toThrow('Bad gateway');
    expect(platform.isCapturing).toBe(false);
  });

  it('switches to capturing at the first refused write and never writes again', async () => {
    const calls: string[] = [];
    class ReadOnly extends OfflinePlatform {
      override async publishReview(): Promise<never> {
        calls.push('review');
        throw Object.assign(new Error('Resource not accessible by integration'), { status: 403 });
      }
      override async reportStatus(): Promise<void> {
        calls.push('status');
      }
    }
    const platform = new CapturingPlatform(new ReadOnly('github'), 'fallback-on-refusal');
    const comment = { path: 'a.py', line: 3, body: 'b', fingerprint: 'f' };
    expect(await platform.publishReview(cr, { body: 'r', comments: [comment] })).toEqual({ posted: [comment], rejected: [] });
    await platform.reportStatus(cr, { name: 'coze-loop', conclusion: 'neutral', title: 't', summary: 's' });
    expect(calls).toEqual(['review']);
    expect(platform.refused).toMatchObject({ status: 403, what: 'review' });
    expect(platform.captured.status?.conclusion).toBe('neutral');
  });

  it('renders what was captured with path:line headings and without hidden markers, localised', () => {
    const text = renderCapturedReview(
      { ...cr, platform: 'gitlab', repo: 'group/app', number: 12 },
      {
        comments: [{ path: 'w.py', line: 9, startLine: 5, body: 'Polls.\n\n<!-- coze-loop:fp:abc -->', fingerprint: 'abc' }],
        fixed: [{ comment: { id: '1', fingerprint: 'old', path: 'w.py', line: 2, body: '' }, body: 'Fixed in b0b1b2b.' }],
        summary: '<!-- coze-loop:summary -->\n## Summary',
        status: { name: 'coze-loop', conclusion: 'neutral', title: '1 finding', summary: '' },
      },
      { locale: 'zh-CN', platform: 'gitlab', reason: 'dry-run' },
    );
    expect(text).toContain('group/app!12');
    expect(text).toContain('### w.py:5-9');
    expect(text).toContain('- w.py:2: Fixed in b0b1b2b.');
    expect(text).toContain('提交状态 `coze-loop`：success');
    expect(text).not.toContain('<!--');
  });
});
