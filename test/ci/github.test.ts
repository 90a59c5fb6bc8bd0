// `coze-loop review` in GitHub Actions, driven only by the environment a `pull_request` job gets, against strict
// nock: every request GitHub would receive is listed, nothing else may go out, every listed one must be made.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import type { AnalysisResult, Finding, SourceInput } from '../../src/core/types.js';
import { makeFinding } from '../support/findings.js';
import { BASE, GH_TOKEN, HEAD, SENDER_PATCH, SENDER_SOURCE, captureIO, githubEnv, gitRepository, pullRequestEvent, recorder, tempDir, writeEvent, type SentRequest } from './helpers.js';

const found = new Map<string, Finding[]>();
const analysed: string[] = [];
jest.unstable_mockModule('../../src/analysis/engine.js', () => ({
  analyzeSource: (input: SourceInput): AnalysisResult => {
    analysed.push(`${input.path}:${Buffer.isBuffer(input.content) ? input.content.toString('utf8').length : input.content.length}`);
    return { findings: found.get(input.path) ?? [], skipped: [], notes: [], filesAnalyzed: 1 };
  },
  analyzeSources: (): AnalysisResult => ({ findings: [], skipped: [], notes: [], filesAnalyzed: 0 }),
  loadRules: () => [],
  renderRuleDocs: () => '',
}));
const { run } = await import('../../src/ci/cli.js');

const API = 'https://api.github.com';
const REPO = '/repos/acme/shop';
let sent: SentRequest[];

function github(api = API) {
  return nock(api, { reqheaders: { authorization: `token ${GH_TOKEN}` } });
}

/** Config lookups at the BASE commit: none in this repository. */
function noConfig(api = API, prefix = '') {
  github(api).get(`${prefix}${REPO}/contents/.github/coze-loop.yml`).query({ ref: BASE }).reply(404, { message: 'Not Found' });
  github(api).get(`${prefix}${REPO}/contents/.coze-loop.yml`).query({ ref: BASE }).reply(404, { message: 'Not Found' });
}

/** The reads of a review through the API: changed files, their content at the head, earlier bot comments. */
function changeReads(api = API, prefix = '') {
  github(api)
    .get(`${prefix}${REPO}/pulls/7/files`)
    .query({ per_page: '100', page: '1' })
    .reply(200, [{ filename: 'worker/sender.py', status: 'modified', additions: 8, deletions: 0, changes: 8, patch: SENDER_PATCH }]);
  github(api).get(`${prefix}${REPO}/contents/worker/sender.py`).query({ ref: HEAD }).reply(200, SENDER_SOURCE, { 'content-type': 'application/vnd.github.raw' });
  github(api).get(`${prefix}${REPO}/pulls/7/comments`).query({ per_page: '100', page: '1' }).reply(200, []);
}

function writesReplying(api = API, prefix = '') {
  const reply = recorder(sent);
  github(api).post(`${prefix}${REPO}/pulls/7/reviews`).reply(reply(200, { id: 1, state: 'COMMENTED' }));
  github(api).get(`${prefix}${REPO}/issues/7/comments`).query({ per_page: '100', page: '1' }).reply(200, []);
  github(api).post(`${prefix}${REPO}/issues/7/comments`).reply(reply(201, { id: 2, body: '' }));
  github(api).get(`${prefix}${REPO}/commits/${HEAD}/check-runs`).query({ check_name: 'coze-loop', filter: 'latest' }).reply(200, { total_count: 0, check_runs: [] });
  github(api).post(`${prefix}${REPO}/check-runs`).reply(reply(201, { id: 3 }));
}

function pollingFinding(severity: Finding['severity'] = 'warning'): Finding {
  return makeFinding('worker/sender.py', 5, {
    severity,
    loop: { startLine: 5, endLine: 9 },
    message: 'This loop polls the invoices table every 30 s even when nothing is waiting',
    cost: {
      metric: 'idle_queries_per_day',
      unit: 'queries/day',
      before: 2880,
      after: 0,
      formula: '86,400 s/day / 30 s = 2,880',
      assumptions: [{ key: 'sleep_seconds', value: 30, unit: 's', source: 'code' }],
    },
    fix: { kind: 'replace', safety: 'safe', description: 'Wait for work instead of polling', startLine: 9, endLine: 9, code: '        wait_for_invoices(db)', language: 'python' },
  });
}

let workspace: string;
let eventPath: string;

beforeEach(() => {
  sent = [];
  found.clear();
  analysed.length = 0;
  workspace = tempDir();
  eventPath = writeEvent(workspace, pullRequestEvent());
  nock.disableNetConnect();
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
});

describe('coze-loop review on GitHub Actions', () => {
  it('posts one review with the inline comment, one summary comment and a completed check run, then fails on the warning', async () => {
    found.set('worker/sender.py', [pollingFinding()]);
    noConfig();
    changeReads();
    writesReplying();
    const io = captureIO(githubEnv(eventPath), workspace);

    const code = await run([], io);

    expect(io.err()).not.toContain(GH_TOKEN);
    expect(code).toBe(1);
    expect(sent.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      `POST ${REPO}/pulls/7/reviews`,
      `POST ${REPO}/issues/7/comments`,
      `POST ${REPO}/check-runs`,
    ]);
    const review = sent[0]!.body as { commit_id: string; event: string; body: string; comments: { path: string; line: number; side: string; body: string }[] };
    expect(review).toMatchObject({ commit_id: HEAD, event: 'COMMENT' });
    expect(review.comments).toHaveLength(1);
    expect(review.comments[0]).toMatchObject({ path: 'worker/sender.py', line: 9, side: 'RIGHT' });
    expect(review.comments[0]!.body).toContain('polls the invoices table');
    expect(review.comments[0]!.body).toMatch(/<!-- coze-loop:fp:[a-z0-9]+ -->/);
    const summary = (sent[1]!.body as { body: string }).body;
    expect(summary).toContain('<!-- coze-loop:summary -->');
    const check = sent[2]!.body as { name: string; head_sha: string; status: string; conclusion: string; output: { annotations: unknown[] } };
    expect(check).toMatchObject({ name: 'coze-loop', head_sha: HEAD, status: 'completed', conclusion: 'failure' });
    expect(check.output.annotations).toEqual([expect.objectContaining({ path: 'worker/sender.py', start_line: 5, annotation_level: 'warning' })]);
    expect(review).toMatchSnapshot('review request');
    expect(io.err()).toContain('1 new inline comment(s) posted');
    expect(io.out()).toBe('');
  });

  it('talks to GitHub Enterprise Server at GITHUB_API_URL and stays warn-only with --fail-on none', async () => {
    const ghe = 'https://ghe.example.com';
    found.set('worker/sender.py', [pollingFinding('error')]);
    noConfig(ghe, '/api/v3');
    changeReads(ghe, '/api/v3');
    writesReplying(ghe, '/api/v3');
    const io = captureIO(githubEnv(eventPath, { GITHUB_API_URL: `${ghe}/api/v3` }), workspace);

    expect(await run(['--fail-on', 'none'], io)).toBe(0);
    const check = sent.find((r) => r.path.endsWith('/check-runs'))!.body as { conclusion: string };
    expect(check.conclusion).toBe('neutral');
  });

  it('reads the configuration from the BASE commit, not from the pull request head', async () => {
    found.set('worker/sender.py', [pollingFinding('warning')]);
    github().get(`${REPO}/contents/.github/coze-loop.yml`).query({ ref: BASE }).reply(200, 'fail_on: error\nreview:\n  summary: false\n', { 'content-type': 'application/vnd.github.raw' });
    changeReads();
    const reply = recorder(sent);
    github().post(`${REPO}/pulls/7/reviews`).reply(reply(200, { id: 1 }));
    github().get(`${REPO}/commits/${HEAD}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    github().post(`${REPO}/check-runs`).reply(reply(201, { id: 3 }));
    const io = captureIO(githubEnv(eventPath), workspace);

    // fail_on: error from the base config: a warning does not fail the job, and summary: false posts no summary.
    expect(await run([], io)).toBe(0);
    expect(sent.map((r) => r.method + ' ' + r.path.split('?')[0])).toEqual([`POST ${REPO}/pulls/7/reviews`, `POST ${REPO}/check-runs`]);
  });

  it('stops with exit 2 and names the key when the base config is broken, posting nothing', async () => {
    github().get(`${REPO}/contents/.github/coze-loop.yml`).query({ ref: BASE }).reply(200, 'max_comments: lots\n', { 'content-type': 'application/vnd.github.raw' });
    const io = captureIO(githubEnv(eventPath), workspace);
    expect(await run([], io)).toBe(2);
    expect(io.err()).toContain('max_comments');
    expect(io.err()).toContain(`.github/coze-loop.yml@${BASE.slice(0, 7)}`);
  });

  it('--dry-run prints the review as Markdown and makes no write request at all', async () => {
    found.set('worker/sender.py', [pollingFinding()]);
    noConfig();
    changeReads();
    const methods: string[] = [];
    const listener = (req: { method?: string }) => methods.push(req.method ?? '');
    nock.emitter.on('no match', listener);
    const io = captureIO(githubEnv(eventPath), workspace);

    const code = await run(['--dry-run'], io);
    nock.emitter.removeListener('no match', listener);

    expect(methods).toEqual([]);
    expect(code).toBe(1);
    const out = io.out();
    expect(out).toContain('# coze-loop review of acme/shop#7 at b0b1b2b');
    expect(out).toContain('Nothing was posted');
    expect(out).toContain('### worker/sender.py:9');
    expect(out).toContain('polls the invoices table');
    expect(out).toContain('**Check run `coze-loop`: failure**');
    expect(out).not.toContain('<!--');
    expect(io.err()).toContain('nothing posted');
  });

  it('falls back to printing and SARIF when a fork pull request gets a read-only token, and exits per findings', async () => {
    eventPath = writeEvent(workspace, pullRequestEvent({ headRepo: 'contributor/shop' }));
    found.set('worker/sender.py', [pollingFinding('warning')]);
    noConfig();
    changeReads();
    const reply = recorder(sent);
    github()
      .post(`${REPO}/pulls/7/reviews`)
      .reply(reply(403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' }));
    const io = captureIO(githubEnv(eventPath), workspace);

    const code = await run(['--fail-on', 'error'], io);

    // A warning is below --fail-on error: the 403 alone must not fail the job.
    expect(code).toBe(0);
    expect(sent).toHaveLength(1);
    expect(io.err()).toContain('comes from a fork');
    expect(io.err()).toContain('HTTP 403');
    expect(io.out()).toContain('### worker/sender.py:9');
    expect(io.out()).toContain('could not post this review');
    const sarif = JSON.parse(readFileSync(join(workspace, 'coze-loop.sarif'), 'utf8')) as { runs: { results: { ruleId: string; level: string }[] }[] };
    expect(sarif.runs[0]!.results).toEqual([expect.objectContaining({ ruleId: 'polling-fixed-interval', level: 'warning' })]);
  });

  it('still fails the fork job when its findings reach --fail-on, writing SARIF to --sarif', async () => {
    eventPath = writeEvent(workspace, pullRequestEvent({ headRepo: 'contributor/shop' }));
    found.set('worker/sender.py', [pollingFinding('error')]);
    noConfig();
    changeReads();
    github().post(`${REPO}/pulls/7/reviews`).reply(403, { message: 'Resource not accessible by integration' });
    const io = captureIO(githubEnv(eventPath), workspace);

    expect(await run(['--sarif', 'reports/loops.sarif'], io)).toBe(1);
    expect(existsSync(join(workspace, 'reports', 'loops.sarif'))).toBe(true);
    expect(existsSync(join(workspace, 'coze-loop.sarif'))).toBe(false);
  });

  it('with --base takes the diff and the files from the local git checkout and posts through the adapter', async () => {
    const repo = gitRepository({
      base: { 'worker/sender.py': 'import time\nimport requests\n\ndef main():\n    send_invoices(None)\n', 'README.md': 'hello\n' },
      head: { 'worker/sender.py': SENDER_SOURCE, 'README.md': 'hello again\n' },
    });
    eventPath = writeEvent(repo.dir, pullRequestEvent({ base: repo.base, head: repo.head }));
    found.set('worker/sender.py', [pollingFinding()]);
    const reply = recorder(sent);
    github().get(`${REPO}/pulls/7/comments`).query(true).reply(200, []);
    github().post(`${REPO}/pulls/7/reviews`).reply(reply(200, { id: 1 }));
    github().get(`${REPO}/issues/7/comments`).query(true).reply(200, []);
    github().post(`${REPO}/issues/7/comments`).reply(reply(201, { id: 2 }));
    github().get(`${REPO}/commits/${repo.head}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    github().post(`${REPO}/check-runs`).reply(reply(201, { id: 3 }));
    const io = captureIO(githubEnv(eventPath), repo.dir);

    const code = await run(['--base', repo.base], io);

    expect(io.err()).not.toContain('could not run');
    expect(code).toBe(1);
    // The engine saw the head content from git (no /files or /contents request was mocked, none was made).
    expect(analysed).toEqual([`worker/sender.py:${SENDER_SOURCE.length}`]);
    const review = sent[0]!.body as { commit_id: string; comments: { path: string; line: number }[] };
    expect(review.commit_id).toBe(repo.head);
    expect(review.comments).toEqual([expect.objectContaining({ path: 'worker/sender.py', line: 9 })]);
  });
});

describe('coze-loop review with flags instead of an event', () => {
  it('--pr without a pull_request event asks the API for the SHAs', async () => {
    found.set('worker/sender.py', []);
    github()
      .get(`${REPO}/pulls/7`)
      .reply(200, { number: 7, draft: false, html_url: 'https://github.com/acme/shop/pull/7', user: { login: 'octocat', type: 'User' }, head: { sha: HEAD, ref: 'feature' }, base: { sha: BASE, ref: 'main' } });
    noConfig();
    changeReads();
    const io = captureIO(githubEnv('', { GITHUB_EVENT_PATH: undefined, GITHUB_EVENT_NAME: 'workflow_dispatch' }), workspace);

    expect(await run(['--pr', '7', '--dry-run'], io)).toBe(0);
    expect(io.out()).toContain('# coze-loop review of acme/shop#7 at b0b1b2b');
    expect(io.out()).toContain('No new inline comments.');
    expect(io.out()).toContain('**Check run `coze-loop`: success**');
  });
});

describe('coze-loop review --config and --help', () => {
  it('--config takes the workspace file instead of the base commit\'s, and --sarif writes the findings too', async () => {
    mkdirSync(join(workspace, 'ci'));
    writeFileSync(join(workspace, 'ci', 'review.yml'), 'fail_on: none\nlocale: zh-CN\n');
    found.set('worker/sender.py', [pollingFinding('error')]);
    changeReads();
    const io = captureIO(githubEnv(eventPath), workspace);

    expect(await run(['--config', 'ci/review.yml', '--dry-run', '--sarif', 'out.sarif'], io)).toBe(0);
    expect(io.out()).toContain('# coze-loop 评审：acme/shop#7');
    expect(io.out()).toContain('检查运行 `coze-loop`：neutral');
    expect(JSON.parse(readFileSync(join(workspace, 'out.sarif'), 'utf8')).runs[0].results).toHaveLength(1);
  });

  it('--help lists the flags and the tokens', async () => {
    const io = captureIO({}, workspace);
    expect(await run(['--help'], io)).toBe(0);
    for (const text of ['--platform', '--dry-run', '--fail-on', '--sarif', 'GITHUB_TOKEN', 'COZE_LOOP_GITLAB_TOKEN']) expect(io.out()).toContain(text);
  });
});

describe('coze-loop review set-up errors (exit 2, naming what is missing)', () => {
  it.each([
    ['GITHUB_TOKEN', { GITHUB_TOKEN: '' }],
    ['GITHUB_REPOSITORY', { GITHUB_REPOSITORY: undefined }],
  ])('names %s when it is missing', async (name, overrides) => {
    const io = captureIO(githubEnv(eventPath, overrides as NodeJS.ProcessEnv), workspace);
    expect(await run([], io)).toBe(2);
    expect(io.err()).toContain(name);
  });

  it('says the event is not a pull request for a push workflow', async () => {
    const push = writeEvent(workspace, { ref: 'refs/heads/main', after: HEAD, repository: { full_name: 'acme/shop' } });
    const io = captureIO(githubEnv(push, { GITHUB_EVENT_NAME: 'push' }), workspace);
    expect(await run([], io)).toBe(2);
    expect(io.err()).toContain('(push) is not a pull request');
    expect(io.err()).toContain('--pr');
  });

  it('names --platform outside CI', async () => {
    const io = captureIO({}, workspace);
    expect(await run([], io)).toBe(2);
    expect(io.err()).toContain('--platform');
  });

  it('rejects an unknown flag with a usage message', async () => {
    const io = captureIO(githubEnv(eventPath), workspace);
    expect(await run(['--pull', '3'], io)).toBe(2);
    expect(io.err()).toContain('unknown option --pull');
  });
});
