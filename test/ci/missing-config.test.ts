// A repository without a coze-loop config is the normal case: reading it (a 404 from the contents API) must not
// show up as an error or warning anywhere, neither in a CI job's console (`coze-loop review`'s Octokit, whose
// request log reports every failed request at error level) nor in the service's JSON logs (Probot's Octokit and
// pino).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { ProbotOctokit } from 'probot';
import { createGitHubClient, isRequestLogLine } from '../../src/ci/hosts.js';
import { createCiLogger } from '../../src/ci/logger.js';
import { GitHubPlatform, type OctokitLike } from '../../src/platforms/github/github-platform.js';
import { BOT_CONFIG_PATH, parseBotConfig } from '../../src/review/bot-config.js';
import { createLogger } from '../../src/server/logger.js';
import { FakeGitHub } from '../support/fake-github.js';

let fake: FakeGitHub;

beforeAll(async () => {
  fake = await new FakeGitHub().start();
});

afterAll(async () => {
  await fake.close();
});

describe('a missing repository config', () => {
  it('is debug detail in a CI job\'s console; other Octokit errors stay errors', async () => {
    let console_ = '';
    const stream = { write: (text: string) => (console_ += text) };
    const platform = new GitHubPlatform(createGitHubClient('ghs_token', `${fake.url}/api/v3`, createCiLogger(stream, undefined)), { baseUrl: `${fake.url}/api/v3` });
    expect(await platform.getFileContent('acme/shop', BOT_CONFIG_PATH, 'main')).toBeNull();
    expect(console_).toBe('');

    let debug = '';
    const verbose = new GitHubPlatform(createGitHubClient('ghs_token', `${fake.url}/api/v3`, createCiLogger({ write: (t: string) => (debug += t) }, 'debug')), { baseUrl: `${fake.url}/api/v3` });
    await verbose.getFileContent('acme/shop', BOT_CONFIG_PATH, 'main');
    expect(debug).toMatch(/^coze-loop \[debug\] GET \/repos\/acme\/shop\/contents\/\S+ - 404/m);
    expect(isRequestLogLine('GET /repos/a/b/contents/x - 404 with id X in 3ms')).toBe(true);
    expect(isRequestLogLine('could not read the config')).toBe(false);
  });

  it('leaves nothing above debug in the service\'s logs, and the defaults apply', async () => {
    const entries: { level: number; msg: string }[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) entries.push(JSON.parse(line) as { level: number; msg: string });
        done();
      },
    });
    const logger = createLogger({ level: 'debug', destination });
    const octokit = new ProbotOctokit({ auth: { token: 'ghs_token' }, baseUrl: `${fake.url}/api/v3`, log: logger.child({ name: 'octokit' }) });
    const platform = new GitHubPlatform(octokit as unknown as OctokitLike, { baseUrl: `${fake.url}/api/v3`, logger });
    const content = await platform.getFileContent('acme/shop', BOT_CONFIG_PATH, 'main');
    expect(content).toBeNull();
    expect(parseBotConfig(content === null ? null : content.toString('utf8')).targets.length).toBeGreaterThan(0);
    expect(entries.some((e) => / - 404/.test(e.msg))).toBe(true);
    expect(entries.filter((e) => e.level >= 40)).toEqual([]);
  });
});
