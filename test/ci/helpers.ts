// Shared by the `coze-loop review` tests: a CI job's view of the world (environment, event file, workspace), an
// in-memory CliIO, and a nock reply that records what was sent (multipart parsed, as GitLab reads it).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CliIO } from '../../src/cli/io.js';
import { BASE_SHA as BASE, HEAD_SHA as HEAD, SENDER_DIFF, SENDER_SOURCE } from '../support/sender-module.js';

export { BASE, HEAD };

export const GH_TOKEN = 'ghs_ciTokenThatMustNeverBeLogged0123456789';
export const GL_TOKEN = 'glpat-ciTokenThatMustNeverBeLogged';

/** The sender module's hunks as a CI job sees them (no trailing newline). */
export const SENDER_PATCH = SENDER_DIFF.replace(/\n$/, '');
export { SENDER_SOURCE };

export interface CapturedIO extends CliIO {
  out: () => string;
  err: () => string;
}

export function captureIO(env: NodeJS.ProcessEnv, cwd: string): CapturedIO {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    cwd,
    env,
    out: () => out,
    err: () => err,
  };
}

export function tempDir(prefix = 'coze-loop-ci-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

type Json = Record<string, any>;
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as { name: string; examples: Json[] }[];

export interface EventOptions {
  repo?: string;
  number?: number;
  base?: string;
  head?: string;
  /** Full name of the head repository; a different one than `repo` makes it a pull request from a fork. */
  headRepo?: string;
  action?: string;
}

/** A `pull_request` event as GitHub writes it to GITHUB_EVENT_PATH, from GitHub's documented example payload. */
export function pullRequestEvent(options: EventOptions = {}): Json {
  const example = examples.find((e) => e.name === 'pull_request')?.examples.find((p) => p.action === (options.action ?? 'opened'));
  if (!example) throw new Error('no pull_request example');
  const payload = structuredClone(example);
  const repo = options.repo ?? 'acme/shop';
  const [owner, name] = repo.split('/');
  const number = options.number ?? 7;
  payload.number = number;
  payload.repository.full_name = repo;
  payload.repository.name = name;
  payload.repository.owner.login = owner;
  const pr = payload.pull_request;
  pr.number = number;
  pr.draft = false;
  pr.html_url = `https://github.com/${repo}/pull/${number}`;
  pr.base.sha = options.base ?? BASE;
  pr.base.ref = 'main';
  pr.base.repo.full_name = repo;
  pr.head.sha = options.head ?? HEAD;
  pr.head.ref = 'feature';
  pr.head.repo.full_name = options.headRepo ?? repo;
  pr.head.repo.fork = options.headRepo !== undefined && options.headRepo !== repo;
  return payload;
}

export function writeEvent(dir: string, payload: unknown): string {
  const path = join(dir, 'event.json');
  writeFileSync(path, JSON.stringify(payload));
  return path;
}

/** The environment GitHub Actions gives a `pull_request` job. */
export function githubEnv(eventPath: string, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_TOKEN: GH_TOKEN,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_API_URL: 'https://api.github.com',
    ...overrides,
  };
}

/** The environment GitLab CI gives a merge request pipeline job. */
export function gitlabEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    CI: 'true',
    GITLAB_CI: 'true',
    CI_SERVER_URL: 'https://gitlab.example.com',
    CI_API_V4_URL: 'https://gitlab.example.com/api/v4',
    CI_PROJECT_ID: '42',
    CI_PIPELINE_SOURCE: 'merge_request_event',
    CI_MERGE_REQUEST_IID: '12',
    CI_MERGE_REQUEST_DIFF_BASE_SHA: BASE,
    CI_COMMIT_SHA: HEAD,
    CI_JOB_TOKEN: 'job-token-cannot-post',
    COZE_LOOP_GITLAB_TOKEN: GL_TOKEN,
    ...overrides,
  };
}

export interface SentRequest {
  method: string;
  path: string;
  body: unknown;
}

/** Parses a request body the way the host does: JSON, multipart form fields, or raw text. */
export async function parseBody(body: unknown, contentType: string | undefined): Promise<unknown> {
  if (body === undefined || body === '') return undefined;
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body);
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Response(text, { headers: { 'content-type': contentType } }).formData();
    const fields: Record<string, string> = {};
    for (const [key, value] of form.entries()) fields[key] = typeof value === 'string' ? value : `<file ${value.name}>`;
    return fields;
  }
  if (typeof body === 'object' && !Buffer.isBuffer(body)) return body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A nock reply function that records the request into `sent` and answers `status` / `response`. */
export function recorder(sent: SentRequest[]) {
  return (status: number, response: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    async function (this: unknown, uri: string, body: unknown): Promise<[number, unknown, Record<string, string>]> {
      const req = (this as { req: { method: string; headers: Record<string, string> } }).req;
      sent.push({ method: req.method, path: uri, body: await parseBody(body, req.headers['content-type']) });
      return [status, response, headers];
    };
}

/** A git repository with a base commit and a head commit on top, as a CI job's checkout would have. */
export function gitRepository(files: { base: Record<string, string>; head: Record<string, string | null> }): { dir: string; base: string; head: string } {
  const dir = tempDir('coze-loop-ci-git-');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'ci', GIT_AUTHOR_EMAIL: 'ci@example.com', GIT_COMMITTER_NAME: 'ci', GIT_COMMITTER_EMAIL: 'ci@example.com' } }).trim();
  git('init', '--quiet', '--initial-branch=main');
  const write = (set: Record<string, string | null>) => {
    for (const [path, content] of Object.entries(set)) {
      const file = join(dir, path);
      if (content === null) {
        git('rm', '--quiet', path);
        continue;
      }
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
      git('add', path);
    }
  };
  write(files.base);
  git('commit', '--quiet', '-m', 'base');
  const base = git('rev-parse', 'HEAD');
  write(files.head);
  git('commit', '--quiet', '-m', 'change');
  return { dir, base, head: git('rev-parse', 'HEAD') };
}
