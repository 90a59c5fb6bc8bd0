// `coze-loop review` in a GitLab merge request pipeline, driven only by GitLab CI's predefined variables and the
// COZE_LOOP_GITLAB_TOKEN variable, against strict nock.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import type { AnalysisResult, Finding, SourceInput } from '../../src/core/types.js';
import { makeFinding } from '../support/findings.js';
import { BASE, GL_TOKEN, HEAD, SENDER_PATCH, SENDER_SOURCE, captureIO, gitlabEnv, gitRepository, recorder, tempDir, type SentRequest } from './helpers.js';

const found = new Map<string, Finding[]>();
jest.unstable_mockModule('../../src/analysis/engine.js', () => ({
  analyzeSource: (input: SourceInput): AnalysisResult => ({ findings: found.get(input.path) ?? [], skipped: [], notes: [], filesAnalyzed: 1 }),
  analyzeSources: (): AnalysisResult => ({ findings: [], skipped: [], notes: [], filesAnalyzed: 0 }),
  loadRules: () => [],
  renderRuleDocs: () => '',
}));
const { run } = await import('../../src/ci/cli.js');

const API = 'https://gitlab.example.com/api/v4';
const MR = '/projects/42/merge_requests/12';
const START = 'c0c1c2c3c4c5c6c7c8c9d0d1d2d3d4d5d6d7d8d9';
const BOT = { id: 99, username: 'coze-loop-bot', name: 'coze-loop' };
const noSleep = { sleep: async () => {} };
let sent: SentRequest[];

function gitlab() {
  return nock(API, { reqheaders: { 'private-token': GL_TOKEN } });
}

function mergeRequest(overrides: Record<string, unknown> = {}) {
  return {
    id: 1012,
    iid: 12,
    project_id: 42,
    state: 'opened',
    draft: false,
    sha: HEAD,
    source_branch: 'feature',
    target_branch: 'main',
    web_url: 'https://gitlab.example.com/acme/billing/-/merge_requests/12',
    author: { id: 9, username: 'riley' },
    diff_refs: { base_sha: BASE, start_sha: START, head_sha: HEAD },
    ...overrides,
  };
}

function noConfig() {
  gitlab().get('/projects/42/repository/files/.coze-loop.yml/raw').query({ ref: BASE }).reply(404, { message: '404 File Not Found' });
  gitlab().get('/projects/42/repository/files/.github%2Fcoze-loop.yml/raw').query({ ref: BASE }).reply(404, { message: '404 File Not Found' });
}

function changeReads() {
  gitlab()
    .get(`${MR}/diffs`)
    .query(true)
    .reply(200, [{ old_path: 'worker/sender.py', new_path: 'worker/sender.py', new_file: false, renamed_file: false, deleted_file: false, diff: `${SENDER_PATCH}\n` }]);
  gitlab().get('/projects/42/repository/files/worker%2Fsender.py/raw').query({ ref: HEAD }).reply(200, SENDER_SOURCE, { 'content-type': 'text/plain' });
  gitlab().get('/user').reply(200, BOT);
  gitlab().get(`${MR}/discussions`).query(true).reply(200, []);
}

function finding(severity: Finding['severity'] = 'warning'): Finding {
  return makeFinding('worker/sender.py', 5, { severity, loop: { startLine: 5, endLine: 9 }, message: 'This loop polls the invoices table every 30 s' });
}

let workspace: string;

beforeEach(() => {
  sent = [];
  found.clear();
  workspace = tempDir();
  nock.disableNetConnect();
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
});

describe('coze-loop review in GitLab CI', () => {
  it('opens a positioned discussion, posts the summary note and sets the commit status', async () => {
    found.set('worker/sender.py', [finding()]);
    gitlab().get(MR).reply(200, mergeRequest());
    noConfig();
    changeReads();
    const reply = recorder(sent);
    gitlab().post(`${MR}/discussions`).reply(reply(201, { id: 'd1', notes: [{ id: 501, body: 'x', author: BOT }] }));
    gitlab().get(`${MR}/notes`).query(true).reply(200, []);
    gitlab().post(`${MR}/notes`).reply(reply(201, { id: 502, body: 'summary', author: BOT }));
    gitlab().post(`/projects/42/statuses/${HEAD}`).reply(reply(201, { id: 1 }));
    const io = captureIO(gitlabEnv(), workspace);

    const code = await run([], io, noSleep);

    expect(io.err()).not.toContain(GL_TOKEN);
    expect(code).toBe(1);
    expect(sent.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      `POST /api/v4${MR}/discussions`,
      `POST /api/v4${MR}/notes`,
      `POST /api/v4/projects/42/statuses/${HEAD}`,
    ]);
    const discussion = sent[0]!.body as Record<string, string>;
    expect(discussion).toMatchObject({
      'position[position_type]': 'text',
      'position[base_sha]': BASE,
      'position[start_sha]': START,
      'position[head_sha]': HEAD,
      'position[new_path]': 'worker/sender.py',
      'position[new_line]': '5',
    });
    expect(discussion.body).toContain('polls the invoices table');
    expect(discussion.body).toMatch(/<!-- coze-loop:fp:[a-z0-9]+ -->/);
    expect((sent[1]!.body as { body: string }).body).toContain('<!-- coze-loop:summary -->');
    expect(sent[2]!.body).toMatchObject({ state: 'failed', name: 'coze-loop' });
  });

  it('--dry-run reads the merge request and posts nothing', async () => {
    found.set('worker/sender.py', [finding('error')]);
    gitlab().get(MR).reply(200, mergeRequest());
    noConfig();
    changeReads();
    const unmatched: string[] = [];
    const listener = (req: { method?: string; path?: string }) => unmatched.push(`${req.method} ${req.path}`);
    nock.emitter.on('no match', listener);
    const io = captureIO(gitlabEnv(), workspace);

    const code = await run(['--dry-run', '--fail-on', 'none'], io, noSleep);
    nock.emitter.removeListener('no match', listener);

    expect(unmatched).toEqual([]);
    expect(code).toBe(0);
    expect(io.out()).toContain('# coze-loop review of 42!12 at b0b1b2b');
    expect(io.out()).toContain('### worker/sender.py:5');
    // GitLab has no neutral status: the adapter would post `success` with --fail-on none.
    expect(io.out()).toContain('**Commit status `coze-loop`: success**');
  });

  it('does not review a merge request that moved on since the pipeline started', async () => {
    const newer = 'e0e1e2e3e4e5e6e7e8e9f0f1f2f3f4f5f6f7f8f9';
    gitlab().get(MR).reply(200, mergeRequest({ sha: newer, diff_refs: { base_sha: BASE, start_sha: START, head_sha: newer } }));
    const io = captureIO(gitlabEnv(), workspace);
    expect(await run([], io, noSleep)).toBe(0);
    expect(io.err()).toContain('no longer the merge request');
  });

  it('waits for GitLab to finish the diff of a just-pushed head', async () => {
    found.set('worker/sender.py', []);
    gitlab().get(MR).reply(200, mergeRequest({ diff_refs: { base_sha: BASE, start_sha: START, head_sha: BASE } }));
    gitlab().get(MR).reply(200, mergeRequest());
    noConfig();
    changeReads();
    gitlab().post(`/projects/42/statuses/${HEAD}`).reply(recorder(sent)(201, { id: 1 }));
    const io = captureIO(gitlabEnv(), workspace);
    expect(await run([], io, noSleep)).toBe(0);
    expect(sent[0]!.body).toMatchObject({ state: 'success' });
  });

  it('with --base uses the local diff but GitLab\'s diff refs for positions', async () => {
    const repo = gitRepository({
      base: { 'worker/sender.py': 'import time\nimport requests\n\ndef main():\n    send_invoices(None)\n' },
      head: { 'worker/sender.py': SENDER_SOURCE },
    });
    found.set('worker/sender.py', [finding()]);
    gitlab().get(MR).reply(200, mergeRequest({ sha: repo.head, diff_refs: { base_sha: repo.base, start_sha: repo.base, head_sha: repo.head } }));
    gitlab().get('/user').reply(200, BOT);
    gitlab().get(`${MR}/discussions`).query(true).reply(200, []);
    // publishReview positions come from GitLab's diffs of the merge request, which the adapter reads itself.
    gitlab()
      .get(`${MR}/diffs`)
      .query(true)
      .reply(200, [{ old_path: 'worker/sender.py', new_path: 'worker/sender.py', new_file: false, renamed_file: false, deleted_file: false, diff: `${SENDER_PATCH}\n` }]);
    const reply = recorder(sent);
    gitlab().post(`${MR}/discussions`).reply(reply(201, { id: 'd1', notes: [] }));
    gitlab().get(`${MR}/notes`).query(true).reply(200, []);
    gitlab().post(`${MR}/notes`).reply(reply(201, { id: 502, body: 's', author: BOT }));
    gitlab().post(`/projects/42/statuses/${repo.head}`).reply(reply(201, { id: 1 }));
    const io = captureIO(gitlabEnv({ CI_MERGE_REQUEST_DIFF_BASE_SHA: repo.base, CI_COMMIT_SHA: repo.head }), repo.dir);

    expect(await run(['--base', repo.base], io, noSleep)).toBe(1);
    expect(sent[0]!.body).toMatchObject({ 'position[head_sha]': repo.head, 'position[new_line]': '5' });
  });
});

describe('coze-loop review in GitLab CI with a token that may not write', () => {
  it('prints the review, writes SARIF, explains the token and exits per findings', async () => {
    found.set('worker/sender.py', [finding('warning')]);
    gitlab().get(MR).reply(200, mergeRequest());
    noConfig();
    changeReads();
    const reply = recorder(sent);
    gitlab().post(`${MR}/discussions`).reply(reply(403, { message: '403 Forbidden' }));
    const io = captureIO(gitlabEnv(), workspace);

    expect(await run(['--fail-on', 'error'], io, noSleep)).toBe(0);
    expect(sent).toHaveLength(1);
    expect(io.err()).toContain('role Developer and scope api');
    expect(io.out()).toContain('### worker/sender.py:5');
    expect(io.out()).toContain('**Commit status `coze-loop`: success**');
    const sarif = JSON.parse(readFileSync(join(workspace, 'coze-loop.sarif'), 'utf8')) as { runs: { results: { level: string }[] }[] };
    expect(sarif.runs[0]!.results).toEqual([expect.objectContaining({ level: 'warning' })]);
  });
});

describe('coze-loop review set-up errors in GitLab CI (exit 2)', () => {
  it('explains that CI_JOB_TOKEN cannot post and names COZE_LOOP_GITLAB_TOKEN', async () => {
    const io = captureIO(gitlabEnv({ COZE_LOOP_GITLAB_TOKEN: undefined }), workspace);
    expect(await run([], io, noSleep)).toBe(2);
    expect(io.err()).toContain('COZE_LOOP_GITLAB_TOKEN');
    expect(io.err()).toContain('CI_JOB_TOKEN cannot post');
  });

  it.each(['CI_MERGE_REQUEST_IID', 'CI_PROJECT_ID', 'CI_API_V4_URL'])('names %s when it is missing', async (name) => {
    const io = captureIO(gitlabEnv({ [name]: undefined, CI_SERVER_URL: undefined }), workspace);
    expect(await run([], io, noSleep)).toBe(2);
    expect(io.err()).toContain(name);
  });

  it('reports an API failure as exit 2 without the token', async () => {
    gitlab().get(MR).reply(401, { message: '401 Unauthorized' });
    const io = captureIO(gitlabEnv(), workspace);
    expect(await run([], io, noSleep)).toBe(2);
    expect(io.err()).toContain('401');
    expect(io.err()).not.toContain(GL_TOKEN);
  });
});
