// The real adapters, built for a CI job: @octokit/rest with throttling and retry around the job's token for GitHub,
// @gitbeaker/rest (inside GitLabPlatform) for GitLab, and the pull/merge request the job belongs to.
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { toolVersion } from '../cli/io.js';
import { GitHubPlatform, type OctokitLike } from '../platforms/github/github-platform.js';
import { GitLabPlatform } from '../platforms/gitlab/gitlab-platform.js';
import { FingerprintMarkers } from '../platforms/markers.js';
import type { ChangeRequestRef } from '../platforms/platform.js';
import type { Logger } from '../core/observability.js';
import { CiSetupError, type GitHubTarget, type GitLabTarget } from './environment.js';

const CiOctokit = Octokit.plugin(throttling, retry);
/** Retries after a rate limit before the run gives up; a CI job has minutes, not hours. */
const RATE_LIMIT_RETRIES = 2;

/** `METHOD /path - STATUS with id ... in Nms`: the line @octokit/plugin-request-log writes for a failed request. */
export function isRequestLogLine(message: string): boolean {
  return /^[A-Z]+ \S+ - \d{3}\b/.test(message);
}

export function createGitHubClient(token: string, apiUrl: string, logger: Logger): OctokitLike {
  const octokit = new CiOctokit({
    auth: token,
    baseUrl: apiUrl,
    userAgent: `coze-loop/${toolVersion()}`,
    log: {
      debug: (message: string) => logger.debug(message),
      info: (message: string) => logger.debug(message),
      warn: (message: string) => logger.warn(message),
      // Octokit logs every failed request at error level (`GET /repos/o/r/contents/.github/coze-loop.yml - 404 ...`)
      // before the caller sees it; the caller decides what the failure means (a missing config is normal), so the
      // request log is debug detail and only the caller's own message is an error.
      error: (message: string) => (isRequestLogLine(message) ? logger.debug(message) : logger.error(message)),
    },
    throttle: {
      onRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => {
        logger.warn({ retryAfter }, 'GitHub rate limit reached');
        return retryCount < RATE_LIMIT_RETRIES;
      },
      onSecondaryRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => {
        logger.warn({ retryAfter }, 'GitHub secondary rate limit reached');
        return retryCount < RATE_LIMIT_RETRIES;
      },
    },
  });
  return octokit as unknown as OctokitLike;
}

/**
 * Whose comments are the bot's own. GITHUB_TOKEN and app tokens write as a Bot account, which the adapter recognises
 * with the fingerprint marker; a personal token writes as a user, whose login we have to ask for.
 */
async function botLoginFor(client: OctokitLike, token: string, env: NodeJS.ProcessEnv, logger: Logger): Promise<string | undefined> {
  if (env.COZE_LOOP_BOT_LOGIN?.trim()) return env.COZE_LOOP_BOT_LOGIN.trim();
  if (!/^(ghp_|github_pat_|gho_)/.test(token)) return undefined;
  try {
    const { data } = await client.request('GET /user');
    const login = (data as { login?: unknown } | null)?.login;
    return typeof login === 'string' ? login : undefined;
  } catch (error) {
    logger.warn({ err: error }, 'could not read the login of the personal access token');
    return undefined;
  }
}

export async function createGitHubPlatform(target: GitHubTarget & { token: string }, env: NodeJS.ProcessEnv, logger: Logger, now: () => Date): Promise<GitHubPlatform> {
  const client = createGitHubClient(target.token, target.apiUrl, logger);
  const botLogin = await botLoginFor(client, target.token, env, logger);
  // CI tokens change every run, so they cannot key the markers: COZE_LOOP_MARKER_SECRET does when set (docs/security.md).
  return new GitHubPlatform(client, { baseUrl: target.apiUrl, logger, now, markers: new FingerprintMarkers(env.COZE_LOOP_MARKER_SECRET?.trim()), ...(botLogin ? { botLogin } : {}) });
}

/** The pull request: from the event when it says everything, else from the API. */
export async function githubChangeRequest(platform: GitHubPlatform, target: GitHubTarget): Promise<ChangeRequestRef> {
  if (target.baseSha && target.headSha) {
    const cr: ChangeRequestRef = { platform: 'github', repo: target.repo, number: target.number, baseSha: target.baseSha, headSha: target.headSha };
    if (target.baseRef) cr.baseRef = target.baseRef;
    if (target.headRef) cr.headRef = target.headRef;
    if (target.url) cr.url = target.url;
    if (target.draft !== undefined) cr.draft = target.draft;
    return cr;
  }
  const cr = await platform.getPullRequest(target.repo, target.number);
  if (target.baseSha) cr.baseSha = target.baseSha;
  if (target.headSha) cr.headSha = target.headSha;
  return cr;
}

export function createGitLabPlatform(target: GitLabTarget & { token: string; url: string }, logger: Logger, env: NodeJS.ProcessEnv = process.env): GitLabPlatform {
  return new GitLabPlatform({ url: target.url, token: target.token, logger, markers: new FingerprintMarkers(env.COZE_LOOP_MARKER_SECRET?.trim()) });
}

export interface GitLabResolution {
  cr: ChangeRequestRef;
  /** The merge request moved on since this pipeline started: its own pipeline reviews the newer head. */
  stale?: { jobHead: string; currentHead: string };
}

/**
 * The merge request with GitLab's own diff refs: positions are only accepted with the exact base/start/head of the
 * current diff version, which the CI variables do not fully give (there is no start SHA among them).
 */
export async function gitlabChangeRequest(
  platform: GitLabPlatform,
  target: GitLabTarget,
  sleep: (ms: number) => Promise<void>,
  attempts = 5,
): Promise<GitLabResolution> {
  let current = await platform.getChangeRequest(target.project, target.iid);
  // Right after a push GitLab may still be computing the new diff version; it is a matter of seconds.
  for (let attempt = 1; !current.ready && attempt < attempts; attempt++) {
    await sleep(2_000 * attempt);
    current = await platform.getChangeRequest(target.project, target.iid);
  }
  if (!current.ready) throw new CiSetupError('ci.error.gitlab-not-ready', { iid: target.iid });
  const cr = current.ref;
  if (target.headSha && target.headSha !== cr.headSha) return { cr, stale: { jobHead: target.headSha, currentHead: cr.headSha } };
  return { cr };
}
