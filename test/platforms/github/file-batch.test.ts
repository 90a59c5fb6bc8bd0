// Changed files fetched in GraphQL batches (aliased `object(expression: "sha:path")`), with REST for what a batch
// cannot give exactly, against the GitHub stand-in on 127.0.0.1 (which also answers the REST fallbacks).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { FILES_PER_QUERY, GitHubPlatform } from '../../../src/platforms/github/github-platform.js';
import { graphqlReadOutsideWriteLimiter, graphqlUrl } from '../../../src/platforms/github/throttle.js';
import { FakeGitHub } from '../../support/fake-github.js';

const HEAD = 'a'.repeat(40);
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
let fake: FakeGitHub;

beforeAll(async () => {
  fake = await new FakeGitHub().start();
});
afterAll(async () => {
  await fake.close();
});

function platform(options: { graphql?: boolean; failGraphql?: boolean } = {}) {
  const octokit = new Octokit({ auth: 'ghs_batch_token', baseUrl: fake.url, log: quiet });
  const read = graphqlReadOutsideWriteLimiter({ auth: async () => ({ token: 'ghs_batch_token' }) }, fake.url);
  const graphqlRead = options.failGraphql ? async () => Promise.reject(new Error('boom')) : read;
  return new GitHubPlatform(octokit, options.graphql === false ? { logger: quiet } : { logger: quiet, graphqlRead });
}

const since = (from: number) => fake.requests.slice(from).map((r) => `${r.method} ${r.path.split('?')[0]}`);

describe('GitHubPlatform.getFileContents', () => {
  it('fetches every file of a change in one GraphQL query per batch, the same bytes as the REST reads', async () => {
    const paths = Array.from({ length: FILES_PER_QUERY + 10 }, (_, i) => `src/file-${i}.py`);
    for (const [i, path] of paths.entries()) fake.setContent(HEAD, path, `x = ${i}\n# é ${'"quoted" \\\\ path'}\n`);
    const from = fake.requests.length;
    const contents = await platform().getFileContents('acme/shop', [...paths, 'gone.py'], HEAD);
    expect(since(from)).toEqual(['POST /graphql', 'POST /graphql']);
    expect(contents.get('gone.py')).toBeNull();
    for (const [i, path] of paths.entries()) expect(contents.get(path)?.toString('utf8')).toBe(`x = ${i}\n# é ${'"quoted" \\\\ path'}\n`);
    // The query names each file by a variable, never by splicing the path into the query text.
    const sent = fake.requests.at(-1)!.body as { query: string; variables: Record<string, string> };
    expect(sent.query).not.toContain('gone.py');
    expect(Object.values(sent.variables)).toContain(`${HEAD}:gone.py`);
  });

  it('reads binary and non-UTF-8 files over REST, byte for byte', async () => {
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]);
    const latin1 = Buffer.from('caf\xe9 = 1\n', 'latin1');
    fake.setContent(HEAD, 'img.png', binary);
    fake.setContent(HEAD, 'legacy.py', latin1);
    fake.setContent(HEAD, 'ok.py', 'ok = 1\n');
    const from = fake.requests.length;
    const contents = await platform().getFileContents('acme/shop', ['img.png', 'legacy.py', 'ok.py'], HEAD);
    expect(since(from).sort()).toEqual(['GET /repos/acme/shop/contents/img.png', 'GET /repos/acme/shop/contents/legacy.py', 'POST /graphql']);
    expect(contents.get('img.png')).toEqual(binary);
    expect(contents.get('legacy.py')).toEqual(latin1);
    expect(contents.get('ok.py')?.toString()).toBe('ok = 1\n');
  });

  it('falls back to REST for a batch whose query fails, and without a GraphQL reader', async () => {
    fake.setContent(HEAD, 'a.py', 'a = 1\n');
    for (const gh of [platform({ failGraphql: true }), platform({ graphql: false })]) {
      const from = fake.requests.length;
      const contents = await gh.getFileContents('acme/shop', ['a.py', 'missing.py'], HEAD);
      expect(since(from).filter((r) => r.startsWith('GET'))).toHaveLength(2);
      expect(contents.get('a.py')?.toString()).toBe('a = 1\n');
      expect(contents.get('missing.py')).toBeNull();
    }
  });

  it('reads GraphQL at /graphql on github.com and /api/graphql on GitHub Enterprise, and refuses mutations', async () => {
    expect(graphqlUrl('https://api.github.com')).toBe('https://api.github.com/graphql');
    expect(graphqlUrl('https://ghe.example.com/api/v3')).toBe('https://ghe.example.com/api/graphql');
    const read = graphqlReadOutsideWriteLimiter({ auth: async () => ({ token: 't' }) }, fake.url);
    await expect(read('mutation { x }', {})).rejects.toThrow('queries only');
  });
});
