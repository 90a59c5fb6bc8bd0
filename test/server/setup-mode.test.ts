// Set-up mode (no GitHub App credentials yet): the registration page's manifest points GitHub's webhooks at
// <BASE_URL>/api/github/webhooks (or the WEBHOOK_PROXY_URL channel), says plainly when there is no public URL, and the
// server listens on 127.0.0.1 only. Logs are one readable line per entry on a terminal, JSON otherwise. And a real
// check_run.rerequested delivery (from @octokit/webhooks-examples) re-runs the review.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { routeWebhook, setupManifest } from '../../src/platforms/github/service.js';
import { createLogger, prettyDestination, prettyLine } from '../../src/server/logger.js';
import { startService, wantsPrettyLogs } from '../../src/server/main.js';

const quiet = () => createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
const savedSmee = process.env.NO_SMEE_SETUP;

beforeAll(() => {
  // Probot's set-up page would otherwise open a smee.io channel (network) when no WEBHOOK_PROXY_URL is set.
  process.env.NO_SMEE_SETUP = 'true';
});
afterAll(() => {
  if (savedSmee === undefined) delete process.env.NO_SMEE_SETUP;
  else process.env.NO_SMEE_SETUP = savedSmee;
});

async function setupPage(env: Record<string, string>): Promise<{ html: string; address: string }> {
  const service = await startService({ PORT: '0', NODE_ENV: 'development', ...env }, { logger: quiet(), createGitLab: () => null, processMetrics: false });
  try {
    const address = (service.server.address() as AddressInfo).address;
    const response = await fetch(`http://127.0.0.1:${(service.server.address() as AddressInfo).port}/probot`);
    expect(response.status).toBe(200);
    return { html: await response.text(), address };
  } finally {
    await service.shutdown('test');
  }
}

describe('GitHub App set-up mode', () => {
  it('registers the webhook at <BASE_URL>/api/github/webhooks and listens on 127.0.0.1 only', async () => {
    const { html, address } = await setupPage({ BASE_URL: 'https://coze.example.com/' });
    expect(address).toBe('127.0.0.1');
    const decoded = html.replace(/&quot;/g, '"').replace(/&#34;/g, '"');
    expect(decoded).toContain('"hook_attributes":{"url":"https://coze.example.com/api/github/webhooks","active":true}');
    expect(decoded).toContain('"redirect_url":"https://coze.example.com/probot/setup"');
    // app.yml says public: false; Probot alone would register a public app.
    expect(parse(readFileSync(join(PROJECT_ROOT, 'app.yml'), 'utf8')).public).toBe(false);
    expect(decoded).toContain('"public":false');
    expect(html).not.toContain('No public URL');
  }, 30_000);

  it('says plainly on the page when there is no public URL, and registers the webhook switched off', async () => {
    const { html } = await setupPage({});
    expect(html).toContain('No public URL is set, so GitHub cannot deliver webhooks');
    expect(html.replace(/&quot;|&#34;/g, '"')).toMatch(/"hook_attributes":\{"url":"http:\/\/127\.0\.0\.1:\d+\/api\/github\/webhooks","active":false\}/);
  }, 30_000);

  it('uses a WEBHOOK_PROXY_URL channel as it is', () => {
    const probot = JSON.stringify({ hook_attributes: { url: 'http://127.0.0.1:3000/' }, public: true });
    const fixed = setupManifest(probot, { WEBHOOK_PROXY_URL: 'https://smee.io/abc' }, 'http://127.0.0.1:3000', '/api/github/webhooks', false);
    expect(JSON.parse(fixed.manifest)).toEqual({ hook_attributes: { url: 'https://smee.io/abc', active: true }, public: false });
    expect(fixed.notice).toBeUndefined();
  });
});

describe('service logs', () => {
  it('are JSON off a terminal and one readable line on one (LOG_FORMAT decides when set)', () => {
    expect(wantsPrettyLogs({}, false)).toBe(false);
    expect(wantsPrettyLogs({}, true)).toBe(true);
    expect(wantsPrettyLogs({ LOG_FORMAT: 'json' }, true)).toBe(false);
    expect(wantsPrettyLogs({ LOG_FORMAT: 'pretty' }, false)).toBe(true);
    let out = '';
    const logger = createLogger({ level: 'info', destination: prettyDestination({ write: (t: string) => (out += t) }) });
    logger.info({ url: 'http://127.0.0.1:3000', role: 'all', token: 'ghs_secretValue123456789012345678901234' }, 'listening');
    logger.error({ err: new Error('boom') }, 'job failed');
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  listening {2}url=http:\/\/127\.0\.0\.1:3000 role=all token=/);
    expect(out).not.toContain('ghs_secretValue');
    expect(lines[1]).toMatch(/ERROR job failed {2}err="boom"$/);
    expect(prettyLine('not json')).toBe('not json');
  });
});

describe('check_run.rerequested', () => {
  type Example = { action: string; check_run: { name: string; head_sha: string; pull_requests: unknown[] } } & Record<string, unknown>;
  const examples = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', '@octokit', 'webhooks-examples', 'api.github.com', 'index.json'), 'utf8')) as { name: string; examples: Example[] }[]).find((e) => e.name === 'check_run')!.examples;
  const rerequested = examples.find((e) => e.action === 'rerequested')!;
  const withPull = examples.find((e) => e.check_run.pull_requests.length > 0)!;

  it('is an event the app subscribes to', () => {
    expect(parse(readFileSync(join(PROJECT_ROOT, 'app.yml'), 'utf8')).default_events).toContain('check_run');
  });

  it('re-runs the review of the pull request when it is coze-loop\'s check run', () => {
    const payload = structuredClone(rerequested);
    payload.check_run.name = 'coze-loop';
    payload.check_run.pull_requests = withPull.check_run.pull_requests;
    const number = (withPull.check_run.pull_requests[0] as { number: number }).number;
    const repo = (payload.repository as { full_name: string }).full_name;
    expect(routeWebhook('check_run', 'delivery-1', payload)).toEqual({
      kind: 'job',
      job: {
        type: 'github-review',
        id: 'delivery-1',
        coalesceKey: `github:${repo}#${number}`,
        payload: { installationId: (payload.installation as { id: number }).id, repo, number, headSha: payload.check_run.head_sha, defaultBranch: (payload.repository as { default_branch: string }).default_branch, action: 'rerequested' },
      },
    });
  });

  it('ignores other apps\' check runs, other actions, and runs without a pull request', () => {
    expect(routeWebhook('check_run', 'd', rerequested)).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('not coze-loop') });
    const created = structuredClone(withPull);
    created.check_run.name = 'coze-loop';
    expect(routeWebhook('check_run', 'd', created)).toMatchObject({ kind: 'ignored' });
    const fork = structuredClone(rerequested);
    fork.check_run.name = 'coze-loop';
    expect(routeWebhook('check_run', 'd', fork)).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('forks') });
  });
});
