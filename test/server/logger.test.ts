import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createMemoryQueue } from '../../src/jobs/memory-queue.js';
import { createJobObserver } from '../../src/jobs/observer.js';
import { REDACTED, createLogger, scrub } from '../../src/server/logger.js';

const GITHUB_TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
const GITLAB_TOKEN = 'glpat-x9aA7c2bQ4pLmN0sTuVw';
const PRIVATE_KEY = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1c8\n-----END RSA PRIVATE KEY-----';

function capture(): { lines: () => Array<Record<string, unknown>>; text: () => string; stream: Writable } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text, lines: () => text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('logger', () => {
  it('prints one JSON line per job with delivery id, repository, pull request, duration and outcome, and never the token', async () => {
    const out = capture();
    const logger = createLogger({ level: 'info', destination: out.stream });
    const queue = createMemoryQueue({ observer: createJobObserver(logger), attempts: 1 });
    await queue.start({
      'github-review': async (job) => {
        if (job.id === 'delivery-2') throw new Error(`GET https://x-access-token:${GITHUB_TOKEN}@github.com/o/r failed with Bearer ${GITHUB_TOKEN}`);
      },
    });
    const payload = { repo: 'octo/widgets', number: 42, token: GITHUB_TOKEN, installation: { accessToken: GITHUB_TOKEN, privateKey: PRIVATE_KEY } };
    await queue.enqueue({ type: 'github-review', id: 'delivery-1', coalesceKey: 'github:octo/widgets#42', payload });
    await queue.enqueue({ type: 'github-review', id: 'delivery-2', payload: { ...payload, gitlab: { token: GITLAB_TOKEN } } });
    await queue.close(2000);
    logger.info({ headers: { authorization: `token ${GITHUB_TOKEN}` }, note: `private key ${PRIVATE_KEY}` }, `config had ${GITLAB_TOKEN}`);

    const text = out.text();
    expect(text).not.toContain(GITHUB_TOKEN);
    expect(text).not.toContain(GITLAB_TOKEN);
    expect(text).not.toContain('MIIEowIBAAKCAQEA1c8');
    const jobLines = out.lines().filter((line) => line.msg === 'job finished');
    expect(jobLines.map((line) => [line.deliveryId, line.repository, line.pullRequest, line.outcome, typeof line.durationMs])).toEqual([
      ['delivery-1', 'octo/widgets', 42, 'completed', 'number'],
      ['delivery-2', 'octo/widgets', 42, 'failed', 'number'],
    ]);
    expect(JSON.stringify(jobLines[1]!.err)).toContain(REDACTED);
    expect(out.lines().at(-1)!.msg).toBe(`config had ${REDACTED}`);
  });

  it('scrubs secret-named fields and token-shaped strings but keeps ordinary data', () => {
    expect(
      scrub({ webhookSecret: 's3cr3t', tokensUsed: 12, url: 'redis://user:pw@redis:6379', nested: [{ apiKey: 'k', sha: 'abc123' }], empty: { token: '' } }),
    ).toEqual({ webhookSecret: REDACTED, tokensUsed: 12, url: `redis://${REDACTED}@redis:6379`, nested: [{ apiKey: REDACTED, sha: 'abc123' }], empty: { token: '' } });
  });
});
