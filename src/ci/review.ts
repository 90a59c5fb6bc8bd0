// `coze-loop review` from a CI job: detect the pull/merge request, build the real adapter with the job's token, wrap
// it (local git for the diff, capture for dry runs and read-only tokens) and run the service's review pipeline.
// Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 set-up, config, git or API error.
import type { CliIO } from '../cli/io.js';
import { ConfigError } from '../config/load.js';
import type { CozeLoopConfig } from '../config/schema.js';
import { t } from '../core/i18n.js';
import type { Finding, Locale } from '../core/types.js';
import type { ChangeRequestRef, Platform } from '../platforms/platform.js';
import { renderReport, writeOutput } from '../report/output.js';
import { GitError, repositoryRoot, resolveCommit } from '../diff/local-git.js';
import { runReview, type ReviewOutcome } from '../review/pipeline.js';
import { noopMetrics, type Logger } from '../core/observability.js';
import { scrubString } from '../server/logger.js';
import type { ReviewArgs } from './args.js';
import { CapturingPlatform } from './capture.js';
import { applyReviewOverrides, loadReviewConfig } from './config.js';
import { LocalGitPlatform, OfflinePlatform } from './delegating-platform.js';
import { CiSetupError, detectTarget, type CiTarget } from './environment.js';
import { createGitHubPlatform, createGitLabPlatform, githubChangeRequest, gitlabChangeRequest } from './hosts.js';
import { createCiLogger } from './logger.js';
import { writeActionOutputs } from './outputs.js';
import { renderCapturedReview } from './render.js';
import { githubSuggestions } from '../platforms/github/markdown.js';
import { gitlabSuggestions } from '../platforms/gitlab/markdown.js';

import { EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, exitCodeFor } from '../core/exit-codes.js';

export const DEFAULT_SARIF = 'coze-loop.sarif';

export interface CiReviewHooks {
  now?: () => Date;
  /** Waits between GitLab readiness polls (tests pass a no-op). */
  sleep?: (ms: number) => Promise<void>;
}


interface Prepared {
  platform: Platform;
  cr: ChangeRequestRef;
  /** Commit the configuration is read from. */
  configRef: string;
  /** Set when the job's head is no longer the change's head. */
  stale?: { jobHead: string; currentHead: string };
}

/** The checkout's commits for `--base`: both must exist locally, else the job's clone is too shallow. */
async function localCommits(io: CliIO, base: string, head: string | undefined, logger: Logger): Promise<{ root: string; base: string; head: string }> {
  let root: string;
  try {
    root = await repositoryRoot(io.cwd);
  } catch (error) {
    throw new CiSetupError('ci.error.not-a-repo', { message: error instanceof Error ? error.message : String(error) });
  }
  const baseCommit = await resolveCommit(root, base);
  if (!baseCommit) throw new CiSetupError('ci.error.base-missing', { base });
  let headCommit = head ? await resolveCommit(root, head) : undefined;
  if (!headCommit) {
    if (head) logger.warn({ head }, 'the head commit is not in this clone; reviewing the checkout (HEAD) instead');
    headCommit = await resolveCommit(root, 'HEAD');
  }
  if (!headCommit) throw new CiSetupError('ci.error.head-missing', { head: head ?? 'HEAD' });
  return { root, base: baseCommit, head: headCommit };
}

async function prepare(args: ReviewArgs, target: CiTarget, io: CliIO, logger: Logger, hooks: Required<CiReviewHooks>): Promise<Prepared> {
  if (target.platform === 'local' || !target.token) {
    // Offline dry run: no host at all; detectTarget only allows it with --dry-run and --base.
    const local = await localCommits(io, args.base!, args.head, logger);
    const name = target.platform === 'local' ? 'local' : target.platform;
    const repo = target.platform === 'gitlab' ? target.project : target.repo;
    const number = target.platform === 'gitlab' ? target.iid : target.number;
    const cr: ChangeRequestRef = { platform: name, repo, number, baseSha: local.base, headSha: local.head };
    const suggestions = name === 'github' ? githubSuggestions : name === 'gitlab' ? gitlabSuggestions : undefined;
    return { platform: new LocalGitPlatform(new OfflinePlatform(name, suggestions), local), cr, configRef: local.base };
  }

  let inner: Platform;
  let cr: ChangeRequestRef;
  let stale: Prepared['stale'];
  if (target.platform === 'github') {
    const github = await createGitHubPlatform({ ...target, token: target.token! }, io.env, logger, hooks.now);
    inner = github;
    cr = await githubChangeRequest(github, target);
  } else {
    if (!target.url) throw new CiSetupError('ci.error.gitlab-url');
    const gitlab = createGitLabPlatform({ ...target, token: target.token!, url: target.url }, logger);
    inner = gitlab;
    const resolved = await gitlabChangeRequest(gitlab, target, hooks.sleep);
    cr = resolved.cr;
    stale = resolved.stale;
  }
  if (args.base === undefined) return { platform: inner, cr, configRef: cr.baseSha, ...(stale ? { stale } : {}) };
  const local = await localCommits(io, args.base, args.head ?? cr.headSha, logger);
  return { platform: new LocalGitPlatform(inner, local), cr, configRef: local.base, ...(stale ? { stale } : {}) };
}

function writeSarif(path: string, io: CliIO, findings: Finding[], locale: Locale): boolean {
  const result = { findings, skipped: [], notes: [], filesAnalyzed: new Set(findings.map((f) => f.path)).size };
  return writeOutput(io, renderReport('sarif', result, { locale, env: io.env }), path, locale);
}

function errorText(error: unknown): string {
  return scrubString(error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 500);
}

export async function runCiReview(args: ReviewArgs, io: CliIO, hooks: CiReviewHooks = {}): Promise<number> {
  const full: Required<CiReviewHooks> = { now: hooks.now ?? (() => new Date()), sleep: hooks.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))) };
  let locale: Locale = args.locale ?? 'en';
  const logger = createCiLogger(io.stderr, io.env.COZE_LOOP_LOG_LEVEL);
  const fail = (key: string, params: Record<string, string | number> = {}): number => {
    io.stderr.write(`coze-loop: ${t(locale, key, params)}\n`);
    return EXIT_ERROR;
  };

  let target: CiTarget;
  let prepared: Prepared;
  let config: CozeLoopConfig;
  try {
    target = detectTarget(args, io.env, io.cwd);
    prepared = await prepare(args, target, io, logger, full);
    if (prepared.stale) {
      io.stderr.write(`coze-loop: ${t(locale, 'ci.stale', { job: prepared.stale.jobHead.slice(0, 7), current: prepared.stale.currentHead.slice(0, 7) })}\n`);
      return EXIT_OK;
    }
    const loaded = await loadReviewConfig(args, io.cwd, prepared.platform, prepared.cr.repo, prepared.configRef, locale);
    config = applyReviewOverrides(loaded.config, args);
    locale = config.locale;
    logger.debug({ source: loaded.source }, 'configuration');
  } catch (error) {
    if (error instanceof CiSetupError) return fail(error.key, error.params);
    if (error instanceof ConfigError) return fail('ci.error.config', { message: error.message });
    if (error instanceof GitError) return fail('ci.error.git', { message: errorText(error) });
    return fail('ci.error.api', { message: errorText(error) });
  }

  const { cr } = prepared;
  const offline = target.platform === 'local' || !target.token;
  const platform = new CapturingPlatform(prepared.platform, args.dryRun || offline ? 'dry-run' : 'fallback-on-refusal');
  let outcome: ReviewOutcome;
  try {
    outcome = await runReview(platform, cr, config, { logger, metrics: noopMetrics, now: full.now });
  } catch (error) {
    if (error instanceof GitError) return fail('ci.error.git', { message: errorText(error) });
    return fail('ci.error.api', { message: errorText(error) });
  }

  const hostName = prepared.platform.name;
  let sarifWritten: string | undefined;
  if (platform.refused) {
    const sarifPath = args.sarif ?? DEFAULT_SARIF;
    io.stdout.write(renderCapturedReview(cr, platform.captured, { locale, platform: hostName, reason: 'read-only' }));
    const written = writeSarif(sarifPath, io, outcome.findings, locale);
    const fork = target.platform === 'github' && target.fromFork;
    io.stderr.write(
      `coze-loop: ${t(locale, fork ? 'ci.read-only.fork' : hostName === 'gitlab' ? 'ci.read-only.gitlab' : 'ci.read-only.github', {
        status: platform.refused.status,
        what: platform.refused.what,
      })}\n`,
    );
    if (written) {
      sarifWritten = sarifPath;
      io.stderr.write(`coze-loop: ${t(locale, 'ci.sarif.written', { path: sarifPath })}\n`);
    }
  } else {
    if (args.dryRun || offline) io.stdout.write(renderCapturedReview(cr, platform.captured, { locale, platform: hostName, reason: 'dry-run' }));
    if (args.sarif !== undefined && writeSarif(args.sarif, io, outcome.findings, locale)) {
      sarifWritten = args.sarif;
      io.stderr.write(`coze-loop: ${t(locale, 'ci.sarif.written', { path: args.sarif })}\n`);
    }
  }

  const code = exitCodeFor(outcome.findings, config.fail_on);
  writeActionOutputs(io.env, { findings: outcome.findings, posted: outcome.posted, conclusion: outcome.conclusion, exitCode: code, ...(sarifWritten ? { sarif: sarifWritten } : {}) });
  io.stderr.write(
    `coze-loop: ${t(locale, platform.isCapturing ? 'ci.done.not-posted' : 'ci.done.posted', {
      findings: outcome.findings.length,
      posted: outcome.posted,
      already: outcome.alreadyCommented,
      fixed: outcome.markedFixed,
      conclusion: outcome.conclusion,
    })}\n`,
  );
  if (code === EXIT_FINDINGS) io.stderr.write(`coze-loop: ${t(locale, 'ci.done.failing', { failOn: config.fail_on })}\n`);
  return code;
}
