// Large changes read from the head commit's archive (src/platforms/archive-read.ts): one request instead of a
// batched read per 50 files, the same bytes as getFileContent, the archive caps of the weekly scan, and the batched
// reads for whatever the archive does not give. Against the GitLab and GitHub stand-ins on 127.0.0.1.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { gzipSync } from 'node:zlib';
import { archiveThresholdFrom, CHANGE_ARCHIVE_LIMITS, DEFAULT_ARCHIVE_THRESHOLD, readFromArchive } from '../../src/platforms/archive-read.js';
import { GitHubPlatform } from '../../src/platforms/github/github-platform.js';
import { graphqlReadOutsideWriteLimiter } from '../../src/platforms/github/throttle.js';
import { ARCHIVE_READS_PER_MINUTE, GitLabPlatform } from '../../src/platforms/gitlab/gitlab-platform.js';
import { RateLimitGate } from '../../src/platforms/gitlab/rate-limit.js';
import { FakeGitHub } from '../support/fake-github.js';
import { FakeGitLab } from '../support/fake-gitlab.js';
import { makeTarGz, tarHeader, tarPad } from '../support/tar.js';
import { recordingLogger, type LogLine } from './gitlab/support.js';

const HEAD = '2'.repeat(40);
const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x0a, 0xff]);
const latin1 = Buffer.from('caf\xe9 = 1\n', 'latin1');
const change = (count: number): Record<string, string | Buffer> => {
  const files: Record<string, string | Buffer> = { 'img.png': binary, 'legacy.py': latin1 };
  for (let i = 0; i < count - 2; i++) files[`pkg/m${i}.py`] = `def f${i}():\n    return "é ${i}"\n`;
  return files;
};

describe('readFromArchive', () => {
  it('keeps only the files asked for, and leaves links, escaping paths and absent files to the batched reads', async () => {
    const link = tarHeader('top/link.py', 0, '2');
    const evil = Buffer.from('stolen = 1\n');
    const raw = Buffer.concat([
      tarHeader('top/', 0, '5'),
      tarHeader('top/a.py', 6, '0'), tarPad(Buffer.from('a = 1\n')),
      tarHeader('top/../../outside.py', evil.length, '0'), tarPad(evil),
      link,
      tarHeader('top/fifo.py', 0, '6'),
      tarHeader('top/other.py', 6, '0'), tarPad(Buffer.from('o = 1\n')),
      Buffer.alloc(1024, 0),
    ]);
    const found = new Map<string, Buffer | null>();
    const outcome = await readFromArchive(async () => gzipSync(raw), ['a.py', 'link.py', 'fifo.py', '../outside.py', 'outside.py', 'gone.py'], found);
    expect([...found.keys()]).toEqual(['a.py']);
    expect(found.get('a.py')?.toString()).toBe('a = 1\n');
    expect(outcome).toEqual({ fromArchive: 1, rest: ['link.py', 'fifo.py', '../outside.py', 'outside.py', 'gone.py'] });
  });

  it('stops at the caps as it streams, keeps what it read, and says which cap', async () => {
    const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${String(i).padStart(2, '0')}.py`, `x = ${i}\n`]));
    const found = new Map<string, Buffer | null>();
    const outcome = await readFromArchive(async () => makeTarGz(files, 'top'), Object.keys(files), found, { ...CHANGE_ARCHIVE_LIMITS, maxEntries: 6 });
    expect(outcome.shortfall).toBe('entries cap of 6');
    expect(outcome.fromArchive).toBe(5);
    expect(outcome.rest).toHaveLength(15);
    const big = await readFromArchive(async () => makeTarGz({ 'big.py': 'x'.repeat(5000), 'small.py': 's = 1\n' }, 'top'), ['big.py', 'small.py'], new Map(), { ...CHANGE_ARCHIVE_LIMITS, maxFileBytes: 1000 });
    expect(big).toEqual({ fromArchive: 1, rest: ['big.py'], shortfall: '1 file(s) over 1000 bytes' });
    // A gzip bomb: 64 MiB of zeros in a few KiB is stopped at the expanded-bytes cap, not held.
    const bomb = gzipSync(Buffer.concat([tarHeader('top/zero.py', 64 * 1024 * 1024, '0'), Buffer.alloc(64 * 1024 * 1024)]));
    const stopped = await readFromArchive(async () => bomb, ['zero.py'], new Map(), { ...CHANGE_ARCHIVE_LIMITS, maxExpandedBytes: 1024 * 1024 });
    expect(stopped).toEqual({ fromArchive: 0, rest: ['zero.py'], shortfall: 'expanded-bytes cap of 1048576' });
  });

  it('never throws: a failed download or a corrupt archive leaves every path to the batched reads', async () => {
    const failed = await readFromArchive(async () => Promise.reject(new Error('GitLab API: GET archive failed (500)')), ['a.py'], new Map());
    expect(failed).toEqual({ fromArchive: 0, rest: ['a.py'], shortfall: 'GitLab API: GET archive failed (500)', failed: true });
    const corrupt = await readFromArchive(async () => gzipSync(Buffer.from('not a tar')), ['a.py'], new Map());
    expect(corrupt.rest).toEqual(['a.py']);
    expect(corrupt.shortfall).toMatch(/^archive: truncated or corrupt/);
  });

  it('reads COZE_LOOP_ARCHIVE_THRESHOLD, refusing what is not a whole number', () => {
    expect(archiveThresholdFrom(undefined)).toBe(DEFAULT_ARCHIVE_THRESHOLD);
    expect(archiveThresholdFrom(' ')).toBe(DEFAULT_ARCHIVE_THRESHOLD);
    expect(archiveThresholdFrom('0')).toBe(0);
    expect(archiveThresholdFrom('400')).toBe(400);
    expect(() => archiveThresholdFrom('-1')).toThrow('COZE_LOOP_ARCHIVE_THRESHOLD: expected a whole number');
    expect(() => archiveThresholdFrom('1e3')).toThrow('COZE_LOOP_ARCHIVE_THRESHOLD');
  });
});

describe('GitLabPlatform.getFileContents on a large change', () => {
  const TOKEN = 'glpat-archive';
  let fake: FakeGitLab;
  let lines: LogLine[];
  const platform = (archiveThreshold?: number) => new GitLabPlatform({ url: fake.url, token: TOKEN, logger: recordingLogger(lines), ...(archiveThreshold !== undefined ? { archiveThreshold } : {}) });
  const kinds = () => fake.requests.map((r) => (r.path.includes('/repository/archive') ? 'archive' : r.path === '/api/graphql' ? 'graphql' : r.path.includes('/repository/files/') ? 'rest' : r.path));

  beforeEach(async () => {
    lines = [];
    fake = new FakeGitLab({ token: TOKEN });
    await fake.start();
    fake.addProject({ id: 42, path: 'acme/shop', branchSha: '1'.repeat(40) });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it(`reads ${DEFAULT_ARCHIVE_THRESHOLD}+ files from one archive request, byte for byte, and an absent one the batched way`, async () => {
    const files = change(300);
    fake.setFiles(42, HEAD, files);
    const gl = platform();
    const contents = await gl.getFileContents('42', [...Object.keys(files), 'gone.py'], HEAD);
    expect(kinds()).toEqual(['archive', 'graphql']);
    expect(contents.get('gone.py')).toBeNull();
    expect(contents.get('img.png')?.equals(binary)).toBe(true);
    expect(contents.get('legacy.py')?.equals(latin1)).toBe(true);
    for (const [path, content] of Object.entries(files)) expect(contents.get(path)?.toString('hex')).toBe(Buffer.from(content).toString('hex'));
    expect(lines.find((l) => l.msg === 'changed files read from the head commit archive')?.obj).toMatchObject({ host: 'gitlab', fromArchive: 300, batched: 1 });
  });

  it('keeps the batched reads below the threshold, and when the threshold is 0', async () => {
    const files = change(DEFAULT_ARCHIVE_THRESHOLD - 1);
    fake.setFiles(42, HEAD, files);
    await platform().getFileContents('42', Object.keys(files), HEAD);
    expect(kinds().every((k) => k !== 'archive')).toBe(true);
    fake.requests.length = 0;
    await platform(0).getFileContents('42', Object.keys(change(400)), HEAD);
    expect(kinds().every((k) => k !== 'archive')).toBe(true);
  });

  it(`takes the archive at most ${ARCHIVE_READS_PER_MINUTE} times a minute (GitLab allows 5), reading in batches rather than waiting`, async () => {
    const files = change(160);
    fake.setFiles(42, HEAD, files);
    let clock = Date.parse('2026-12-05T12:00:00Z');
    const gl = new GitLabPlatform({ url: fake.url, token: TOKEN, logger: recordingLogger(lines), rateLimitGate: new RateLimitGate(() => clock) });
    const archives = () => kinds().filter((k) => k === 'archive').length;
    for (let i = 0; i < ARCHIVE_READS_PER_MINUTE + 1; i++) {
      const contents = await gl.getFileContents('42', Object.keys(files), HEAD);
      expect(contents.get('legacy.py')?.equals(latin1)).toBe(true);
    }
    expect(archives()).toBe(ARCHIVE_READS_PER_MINUTE);
    expect(kinds().filter((k) => k === 'graphql')).toHaveLength(Math.ceil(160 / 50));
    clock += 60_000;
    await gl.getFileContents('42', Object.keys(files), HEAD);
    expect(archives()).toBe(ARCHIVE_READS_PER_MINUTE + 1);
  });

  it('falls back to the batched reads when the archive fails, with the same answers and one warning', async () => {
    const files = change(160);
    fake.setFiles(42, HEAD, files);
    fake.failNext('GET', /\/repository\/archive/, 500, { message: '500 Internal Server Error' });
    const contents = await platform().getFileContents('42', Object.keys(files), HEAD);
    expect(kinds().filter((k) => k === 'graphql')).toHaveLength(Math.ceil(160 / 50));
    for (const [path, content] of Object.entries(files)) expect(contents.get(path)?.toString('hex')).toBe(Buffer.from(content).toString('hex'));
    expect(lines.filter((l) => l.msg === 'changed files: the archive could not be read; reading them in batches')).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });
});

describe('GitHubPlatform.getFileContents on a large change', () => {
  let fake: FakeGitHub;
  const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
  beforeEach(async () => {
    fake = await new FakeGitHub().start();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('reads the files from one tarball instead of a GraphQL query per 50 files', async () => {
    const files = change(300);
    for (const [path, content] of Object.entries(files)) fake.setContent(HEAD, path, content);
    const octokit = new Octokit({ auth: 'ghs_archive_token', baseUrl: fake.url, log: quiet });
    const graphqlRead = graphqlReadOutsideWriteLimiter({ auth: async () => ({ token: 'ghs_archive_token' }) }, fake.url);
    const gh = new GitHubPlatform(octokit, { logger: quiet, graphqlRead });
    const from = fake.requests.length;
    const contents = await gh.getFileContents('acme/shop', Object.keys(files), HEAD);
    expect(fake.requests.slice(from).map((r) => `${r.method} ${r.path.split('/').slice(0, 5).join('/')}`)).toEqual(['GET /repos/acme/shop/tarball', 'GET /_codeload/acme/shop/tar.gz']);
    for (const [path, content] of Object.entries(files)) expect(contents.get(path)?.toString('hex')).toBe(Buffer.from(content).toString('hex'));
  });
});
