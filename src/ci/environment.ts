// Where the review runs and what it reviews, from the CI's own environment, with flags winning. No network here:
// this only decides what is known and names whatever is missing.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { CiPlatformName, ReviewArgs } from './args.js';

/** A problem with the job's set-up (exit 2): an i18n key under `ci.` and its parameters. */
export class CiSetupError extends Error {
  constructor(
    readonly key: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(`${key} ${JSON.stringify(params)}`);
    this.name = 'CiSetupError';
  }
}

export const DEFAULT_GITHUB_API = 'https://api.github.com';

export interface GitHubTarget {
  platform: 'github';
  /** Undefined only for an offline dry run (`--dry-run --base` without a token). */
  token?: string;
  apiUrl: string;
  repo: string;
  number: number;
  baseSha?: string;
  headSha?: string;
  baseRef?: string;
  headRef?: string;
  url?: string;
  draft?: boolean;
  /** The pull request comes from another repository: its token is read-only. */
  fromFork: boolean;
}

export interface GitLabTarget {
  platform: 'gitlab';
  token?: string;
  /** Instance URL (the API is under `/api/v4`). */
  url?: string;
  project: string;
  iid: number;
  baseSha?: string;
  headSha?: string;
}

/** No host at all: `--dry-run --base` outside CI prints what a review of the local commits would say. */
export interface LocalTarget {
  platform: 'local';
  repo: string;
  number: number;
}

export type CiTarget = GitHubTarget | GitLabTarget | LocalTarget;

const repoRef = z.object({ full_name: z.string().optional() }).nullish();
const pullRequestEvent = z.object({
  pull_request: z.object({
    number: z.number().int().positive(),
    html_url: z.string().optional(),
    draft: z.boolean().optional(),
    base: z.object({ sha: z.string(), ref: z.string().optional(), repo: repoRef }),
    head: z.object({ sha: z.string(), ref: z.string().optional(), repo: repoRef }),
  }),
});
type PullRequestEvent = z.infer<typeof pullRequestEvent>['pull_request'];

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

/** The pull request from `GITHUB_EVENT_PATH`; undefined for other events (push, schedule, ...). */
export function readPullRequestEvent(path: string, cwd: string): PullRequestEvent | undefined {
  let text: string;
  try {
    text = readFileSync(isAbsolute(path) ? path : resolve(cwd, path), 'utf8');
  } catch (error) {
    throw new CiSetupError('ci.error.event-unreadable', { path, code: (error as NodeJS.ErrnoException).code ?? 'EIO' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CiSetupError('ci.error.event-invalid', { path });
  }
  const parsed = pullRequestEvent.safeParse(raw);
  return parsed.success ? parsed.data.pull_request : undefined;
}

export function detectPlatform(args: ReviewArgs, env: NodeJS.ProcessEnv): CiPlatformName | undefined {
  if (args.platform) return args.platform;
  if (env.GITHUB_ACTIONS === 'true') return 'github';
  if (env.GITLAB_CI === 'true') return 'gitlab';
  return undefined;
}

/** An offline dry run needs no host: the diff and the files come from git and nothing is posted. */
function offline(args: ReviewArgs, token: string | undefined): boolean {
  return args.dryRun && args.base !== undefined && token === undefined;
}

function detectGitHub(args: ReviewArgs, env: NodeJS.ProcessEnv, cwd: string): GitHubTarget {
  const token = nonEmpty(env.GITHUB_TOKEN) ?? nonEmpty(env.GH_TOKEN);
  const isOffline = offline(args, token);
  if (!token && !isOffline) throw new CiSetupError('ci.error.github-token');
  const repo = args.repo ?? nonEmpty(env.GITHUB_REPOSITORY);
  if (!repo && !isOffline) throw new CiSetupError('ci.error.github-repo');
  if (repo && !/^[^/\s]+\/[^/\s]+$/.test(repo)) throw new CiSetupError('ci.error.github-repo-shape', { repo });
  const eventPath = nonEmpty(env.GITHUB_EVENT_PATH);
  const event = eventPath ? readPullRequestEvent(eventPath, cwd) : undefined;
  const number = args.number ?? event?.number;
  if (number === undefined && !isOffline) {
    throw eventPath
      ? new CiSetupError('ci.error.github-not-pr', { event: nonEmpty(env.GITHUB_EVENT_NAME) ?? 'unknown' })
      : new CiSetupError('ci.error.github-number');
  }
  // The event's SHAs describe its own pull request; `--pr` naming another one must not borrow them.
  const sameChange = event !== undefined && (args.number === undefined || args.number === event.number);
  const target: GitHubTarget = {
    platform: 'github',
    apiUrl: (args.apiUrl ?? nonEmpty(env.GITHUB_API_URL) ?? DEFAULT_GITHUB_API).replace(/\/+$/, ''),
    repo: repo ?? 'local/checkout',
    number: number ?? 0,
    fromFork: false,
  };
  if (token) target.token = token;
  const baseSha = args.base ?? (sameChange ? event.base.sha : undefined);
  const headSha = args.head ?? (sameChange ? event.head.sha : undefined);
  if (baseSha) target.baseSha = baseSha;
  if (headSha) target.headSha = headSha;
  if (sameChange) {
    if (event.base.ref) target.baseRef = event.base.ref;
    if (event.head.ref) target.headRef = event.head.ref;
    if (event.html_url) target.url = event.html_url;
    if (event.draft !== undefined) target.draft = event.draft;
    const headRepo = event.head.repo?.full_name;
    const baseRepo = event.base.repo?.full_name ?? repo;
    // A deleted fork has `head.repo: null`: still not the base repository.
    target.fromFork = event.head.repo === null || (headRepo !== undefined && baseRepo !== undefined && headRepo.toLowerCase() !== baseRepo.toLowerCase());
  }
  return target;
}

/** `https://gitlab.example.com/api/v4` -> `https://gitlab.example.com` (relative URL roots kept). */
export function instanceUrl(apiV4Url: string): string {
  return apiV4Url.replace(/\/+$/, '').replace(/\/api\/v4$/, '');
}

function detectGitLab(args: ReviewArgs, env: NodeJS.ProcessEnv): GitLabTarget {
  const token = nonEmpty(env.COZE_LOOP_GITLAB_TOKEN);
  const isOffline = offline(args, token);
  if (!token && !isOffline) {
    throw new CiSetupError(nonEmpty(env.CI_JOB_TOKEN) ? 'ci.error.gitlab-job-token' : 'ci.error.gitlab-token');
  }
  const api = args.apiUrl ?? nonEmpty(env.CI_API_V4_URL);
  const url = api ? instanceUrl(api) : nonEmpty(env.CI_SERVER_URL);
  if (!url && !isOffline) throw new CiSetupError('ci.error.gitlab-url');
  const project = args.repo ?? nonEmpty(env.CI_PROJECT_ID);
  if (!project && !isOffline) throw new CiSetupError('ci.error.gitlab-project');
  const iidText = nonEmpty(env.CI_MERGE_REQUEST_IID);
  const iid = args.number ?? (iidText !== undefined && /^\d+$/.test(iidText) ? Number(iidText) : undefined);
  if (iid === undefined && !isOffline) throw new CiSetupError('ci.error.gitlab-iid');
  const sameChange = args.number === undefined || String(args.number) === iidText;
  const target: GitLabTarget = { platform: 'gitlab', project: project ?? 'local', iid: iid ?? 0 };
  if (token) target.token = token;
  if (url) target.url = url;
  const baseSha = args.base ?? (sameChange ? nonEmpty(env.CI_MERGE_REQUEST_DIFF_BASE_SHA) : undefined);
  // In a merged-results pipeline CI_COMMIT_SHA is the merge commit; the merge request's own head is this one.
  const headSha = args.head ?? (sameChange ? nonEmpty(env.CI_MERGE_REQUEST_SOURCE_BRANCH_SHA) ?? nonEmpty(env.CI_COMMIT_SHA) : undefined);
  if (baseSha) target.baseSha = baseSha;
  if (headSha) target.headSha = headSha;
  return target;
}

export function detectTarget(args: ReviewArgs, env: NodeJS.ProcessEnv, cwd: string): CiTarget {
  const platform = detectPlatform(args, env);
  if (platform === 'github') return detectGitHub(args, env, cwd);
  if (platform === 'gitlab') return detectGitLab(args, env);
  if (args.dryRun && args.base !== undefined) return { platform: 'local', repo: args.repo ?? 'local/checkout', number: args.number ?? 0 };
  throw new CiSetupError('ci.error.platform');
}
