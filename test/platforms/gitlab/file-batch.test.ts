// GitLabPlatform.getFileContents (GraphQL `blobs(paths:)` batches with a REST fallback) and publishReview's bounded
// concurrency, against the GitLab stand-in on 127.0.0.1.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DISCUSSION_CONCURRENCY, FILES_PER_QUERY, GitLabPlatform } from '../../../src/platforms/gitlab/gitlab-platform.js';
import type { InlineComment } from '../../../src/platforms/platform.js';
import { FakeGitLab } from '../../support/fake-gitlab.js';

const TOKEN = 'glpat-file-batch';
const BASE = '1'.repeat(40);
const HEAD = '2'.repeat(40);

let fake: FakeGitLab;
const platform = (): GitLabPlatform => new GitLabPlatform({ url: fake.url, token: TOKEN });
const graphqlRequests = () => fake.requests.filter((r) => r.path === '/api/graphql');
const restReads = () => fake.requests.filter((r) => r.method === 'GET' && r.path.includes('/repository/files/'));

beforeEach(async () => {
  fake = new FakeGitLab({ token: TOKEN });
  await fake.start();
  fake.addProject({ id: 42, path: 'acme/shop', branchSha: BASE });
});
afterEach(async () => {
  await fake.stop();
});

const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x0a, 0xff]);
const latin1 = Buffer.from('caf\xe9 = 1\n', 'latin1');
const text = (i: number): string => `def f${i}():\n    return "é ${i}"\n`;

describe('GitLabPlatform.getFileContents', () => {
  it.each([
    ['a numeric project id', '42'],
    ['a project path', 'acme/shop'],
  ])('reads 30 text files with one GraphQL query (%s), and answers as getFileContent does, byte for byte', async (_label, repo) => {
    const files: Record<string, string | Buffer> = { 'img.png': binary, 'legacy.py': latin1 };
    for (let i = 0; i < 30; i++) files[`pkg/m${i}.py`] = text(i);
    fake.setFiles(42, HEAD, files);
    const paths = [...Object.keys(files), 'gone.py'];
    const gl = platform();

    const contents = await gl.getFileContents(repo, paths, HEAD);
    expect(graphqlRequests()).toHaveLength(1);
    // Only what GraphQL cannot give exactly goes over REST: the binary file and the one that is not UTF-8.
    expect(restReads().map((r) => r.path.split('/files/')[1]).sort()).toEqual(['img.png/raw', 'legacy.py/raw']);
    expect([...contents.keys()].sort()).toEqual([...paths].sort());
    expect(contents.get('gone.py')).toBeNull();
    expect(contents.get('img.png')?.equals(binary)).toBe(true);
    expect(contents.get('legacy.py')?.equals(latin1)).toBe(true);
    for (const path of paths) {
      const one = await gl.getFileContent(repo, path, HEAD);
      expect(one === null ? null : one.toString('hex')).toEqual(contents.get(path) === null ? null : contents.get(path)!.toString('hex'));
    }
  });

  it(`sends ${FILES_PER_QUERY} paths per query and no REST read for text files`, async () => {
    const files = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`src/f${i}.ts`, `export const x${i} = ${i};\n`]));
    fake.setFiles(42, HEAD, files);
    const contents = await platform().getFileContents('42', Object.keys(files), HEAD);
    expect(graphqlRequests().map((r) => ((r.body as { variables: { paths: string[] } }).variables.paths.length))).toEqual([50, 50, 20]);
    expect(restReads()).toEqual([]);
    expect(contents.get('src/f119.ts')?.toString('utf8')).toBe('export const x119 = 119;\n');
    // The token goes in the Authorization header only, never in the query.
    expect(JSON.stringify(graphqlRequests()[0]!.body)).not.toContain(TOKEN);
  });

  it('reads a failed batch file by file over REST, with the same answers', async () => {
    fake.setFiles(42, HEAD, { 'a.py': 'a = 1\n', 'b.py': 'b = 2\n' });
    fake.failNext('POST', /^\/api\/graphql$/, 500);
    const contents = await platform().getFileContents('42', ['a.py', 'b.py', 'c.py'], HEAD);
    expect(graphqlRequests()).toHaveLength(1);
    expect(restReads()).toHaveLength(3);
    expect(contents.get('a.py')?.toString('utf8')).toBe('a = 1\n');
    expect(contents.get('c.py')).toBeNull();
  });

  it('falls back to REST when GraphQL answers errors or no project', async () => {
    fake.setFiles(42, HEAD, { 'a.py': 'a = 1\n' });
    fake.failNext('POST', /^\/api\/graphql$/, 200, { errors: [{ message: 'complexity too high' }] });
    const gl = platform();
    expect((await gl.getFileContents('42', ['a.py'], HEAD)).get('a.py')?.toString('utf8')).toBe('a = 1\n');
    // A project GraphQL does not see (`project: null`): REST gives the answer, here getFileContent's null for a 404.
    expect([...(await gl.getFileContents('acme/other', ['a.py'], HEAD)).entries()]).toEqual([['a.py', null]]);
    expect(graphqlRequests()).toHaveLength(2);
    expect(restReads()).toHaveLength(2);
  });

  it('asks again after a 429 instead of turning the batch into one request per file', async () => {
    fake.setFiles(42, HEAD, { 'a.py': 'a = 1\n', 'b.py': 'b = 2\n' });
    fake.failNext('POST', /^\/api\/graphql$/, 429, { message: 'Retry later' });
    const contents = await platform().getFileContents('42', ['a.py', 'b.py'], HEAD);
    expect(graphqlRequests()).toHaveLength(2);
    expect(restReads()).toEqual([]);
    expect(contents.get('b.py')?.toString('utf8')).toBe('b = 2\n');
  });

  it('stops asking GraphQL once the instance answers 404', async () => {
    fake.setFiles(42, HEAD, { 'a.py': 'a = 1\n' });
    fake.graphqlEnabled = false;
    const gl = platform();
    await gl.getFileContents('42', ['a.py'], HEAD);
    const second = await gl.getFileContents('42', ['a.py'], HEAD);
    expect(second.get('a.py')?.toString('utf8')).toBe('a = 1\n');
    expect(graphqlRequests()).toHaveLength(1);
    expect(restReads()).toHaveLength(2);
  });
});

describe('GitLabPlatform.publishReview: bounded concurrency', () => {
  const lines = Array.from({ length: 12 }, (_, i) => `x${i} = ${i}`);
  const patch = `@@ -0,0 +1,12 @@\n${lines.map((l) => `+${l}`).join('\n')}\n`;
  const comment = (line: number): InlineComment => {
    const fingerprint = line.toString(16).padStart(16, '0');
    return { path: 'w.py', line, body: `finding ${line}\n\n<!-- coze-loop:fp:${fingerprint} -->`, fingerprint };
  };
  const cr = { platform: 'gitlab' as const, repo: '42', number: 5, baseSha: BASE, startSha: BASE, headSha: HEAD };
  beforeEach(() => {
    fake.addMergeRequest({ projectId: 42, iid: 5, sourceBranch: 'f', targetBranch: 'main', baseSha: BASE, headSha: HEAD, author: { id: 7, username: 'dana' }, diffs: [{ old_path: 'w.py', new_path: 'w.py', new_file: true, diff: patch }] });
    fake.delayMs = 30;
  });

  it(`posts ${DISCUSSION_CONCURRENCY} discussions at a time and reports them in the review's order`, async () => {
    fake.refuseLine('w.py', 7);
    // Long enough that every wave overlaps fully even on a loaded machine (30 ms once saw only 3 at a time in CI
    // while four other sessions ran).
    fake.delayMs = 200;
    const comments = Array.from({ length: 12 }, (_, i) => comment(i + 1));
    const result = await platform().publishReview(cr, { body: '', comments });
    expect(fake.maxInFlight).toBe(DISCUSSION_CONCURRENCY);
    expect(result.posted).toEqual(comments.filter((c) => c.line !== 7));
    expect(result.rejected.map((r) => r.comment)).toEqual([comments[6]]);
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/discussions'));
    // One request per comment, none repeated: the write count is the same as one at a time.
    expect(posts).toHaveLength(12);
    expect(fake.notes(42, 5).map((n) => n.body.split('\n')[0]!.trim()).sort()).toEqual(comments.filter((c) => c.line !== 7).map((c) => `finding ${c.line}`).sort());
  });

  it('retries a discussion GitLab answered 429 and posts each comment once', async () => {
    fake.failNext('POST', /\/discussions$/, 429, { message: 'Retry later' });
    const comments = Array.from({ length: 6 }, (_, i) => comment(i + 1));
    const result = await platform().publishReview(cr, { body: '', comments });
    expect(result.posted).toEqual(comments);
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/discussions'))).toHaveLength(7);
    expect(fake.notes(42, 5)).toHaveLength(6);
  });

  it('stops starting new posts after a failure that is not about one comment, and fails', async () => {
    fake.failNext('POST', /\/discussions$/, 403, { message: '403 Forbidden' });
    const comments = Array.from({ length: 12 }, (_, i) => comment(i + 1));
    await expect(platform().publishReview(cr, { body: '', comments })).rejects.toMatchObject({ status: 403 });
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/discussions'));
    expect(posts.length).toBeLessThan(12);
  });
});
