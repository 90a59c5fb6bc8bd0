// The service's job processors, written once against `Platform`: review, command and weekly report. A host
// (src/platforms/<host>/service.ts) only turns its queued job into a Platform, a change request and the few facts
// that differ (where the config lives, its wording); everything decided here is the same on every host.
//
// Config policy (one for every host): the config is read from the host's config file on the branch the host names
// (the default branch on GitHub, the target branch on GitLab), never from the change itself. A file that does not
// parse is never replaced by the defaults: the review does not run, the status fails with the error (a passing
// or neutral mark would read as "no costly loops"), and on a host whose status carries no text the summary comment
// says it too. A command answers with the same error.
//
// Command gate (one order for every host): permission -> rate limit -> config error -> 👀 -> run.
// Permission first, because it picks the rate-limit bucket (writers and everyone else draw from separate buckets, so
// readers cannot use up the writers') and a stranger must not learn anything about the repository's config. The
// rate limit next, before any write, because every answer is a write, a refusal too. The config error after both:
// only a permitted, not rate-limited writer is told the config is broken, and before the 👀, which says "running".
import { runCommand } from '../commands/run.js';
import type { ParsedCommand } from '../commands/parse.js';
import { CommandRateLimiter } from '../commands/rate-limit.js';
import { ConfigError } from '../config/load.js';
import type { CozeLoopConfig } from '../config/schema.js';
import { DEFAULT_CONFIG } from '../config/schema.js';
import { t } from '../core/i18n.js';
import type { Logger } from '../core/observability.js';
import type { JobData, JobProcessor } from '../jobs/queue.js';
import { summaryJob, type SummaryTarget } from '../jobs/scheduler.js';
import type { ChangeRequestRef, CommandOrigin, HostName, Platform, StatusReport } from '../platforms/platform.js';
import { parseBotConfig } from '../review/bot-config.js';
import { runReview, type ReviewDeps } from '../review/pipeline.js';
import { REVIEW_WRITE_WAIT_MS, writeHonouringRateLimit } from '../review/rate-limited-write.js';
import { STATUS_NAME } from '../review/status.js';
import { archiveLimitsFromEnv, runWeeklySummaries } from '../summary/weekly.js';
import type { ServiceDeps } from './deps.js';

/** A review job opened by its host: the platform to act as, the change request, and where its config lives. */
export interface OpenedReview {
  platform: Platform;
  cr: ChangeRequestRef;
  /** Branch the config is read from. */
  configBranch: string;
  logger: Logger;
}

export interface OpenedCommand extends OpenedReview {
  origin: CommandOrigin;
  command: ParsedCommand;
  /** Who typed it: the name for the answer, the id the permission API takes. */
  user: { name: string; id: string };
  /** The weekly report job `/coze-loop summary` queues, with an id of its own (not this week's scheduled one). */
  onDemandSummary: { target: SummaryTarget; id: string };
}

export interface OpenedWeekly {
  platform: Platform;
  repo: string;
  onDemand: boolean;
  respectDay: boolean;
  logger: Logger;
}

/** What a broken config looks like on this host: the status line, its text, and the note / reply. */
export interface ConfigErrorText {
  title: string;
  summary: string;
  note: string;
}

/** What a host gives the processors: the facts that differ, and its job openers. */
export type HostJobs = HostFacts & HostOpeners;

/** Where a host keeps its config and how it words what the processors say. */
export interface HostFacts {
  readonly name: HostName;
  /** The repository config file this host reads. */
  readonly configPath: string;
  /** Whether the host's status shows a text (a check run's summary); without it the summary comment carries the error. */
  readonly statusShowsText: boolean;
  /** i18n keys of the command answers in the host's words (pull request / merge request, write access / Developer). */
  readonly texts: { denied: string; rateLimited: string };
  configErrorText(error: ConfigError, branch: string, cr: ChangeRequestRef): ConfigErrorText;
}

/** Turn a queued job into what the processors act on. Returning null means "skip"; throwing lets the queue retry. */
export interface HostOpeners {
  openReview(job: JobData): Promise<OpenedReview | null>;
  openCommand(job: JobData): Promise<OpenedCommand | null>;
  openWeekly(job: JobData): Promise<OpenedWeekly>;
}

export type ConfigLoad = { config: CozeLoopConfig } | { error: ConfigError; branch: string };

/** Reads and checks the repository config at a branch (the config policy's one reader). */
export async function loadRepoConfig(platform: Platform, repo: string, path: string, branch: string): Promise<ConfigLoad> {
  const content = await platform.getFileContent(repo, path, branch);
  try {
    return { config: parseBotConfig(content === null ? null : content.toString('utf8'), path) };
  } catch (error) {
    if (error instanceof ConfigError) return { error, branch };
    throw error;
  }
}

/** Text of a config error for Markdown: a fence in the YAML error must not close the code block around it. */
export function fencedError(error: ConfigError): string {
  return error.message.replace(/```/g, "'''");
}

export interface ProcessorOptions {
  commandsPerHour: number;
  env: NodeJS.ProcessEnv;
}

export interface HostProcessors {
  review: JobProcessor;
  command: JobProcessor;
  weekly: JobProcessor;
}

/** The three processors for one host. */
export function createProcessors(host: HostJobs, deps: ServiceDeps, options: ProcessorOptions): HostProcessors {
  const limiter = new CommandRateLimiter(options.commandsPerHour, 60 * 60 * 1000, deps.now);
  const reviewDeps = (logger: Logger, signal?: AbortSignal): ReviewDeps => ({ logger, metrics: deps.metrics, now: deps.now, refine: deps.refine, ...(signal ? { signal } : {}) });

  const reportConfigError = async (platform: Platform, cr: ChangeRequestRef, error: ConfigError, branch: string, logger: Logger, signal?: AbortSignal): Promise<void> => {
    const text = host.configErrorText(error, branch, cr);
    // Rate limits on these writes are waited out as the review's are (review/rate-limited-write.ts).
    const options = { logger, deadline: Date.now() + REVIEW_WRITE_WAIT_MS, ...(signal ? { signal } : {}) };
    // The summary comment is the one place the bot writes on every push: a broken config replaces it, never piles up.
    if (!host.statusShowsText) await writeHonouringRateLimit('summary', () => platform.upsertSummary(cr, text.note), options);
    await writeHonouringRateLimit('status', () => platform.reportStatus(cr, { name: STATUS_NAME, conclusion: 'failure', title: text.title, summary: text.summary }), options);
  };

  const review: JobProcessor = async (job, signal) => {
    const opened = await host.openReview(job);
    if (!opened) return;
    const { platform, cr, logger } = opened;
    const loaded = await loadRepoConfig(platform, cr.repo, host.configPath, opened.configBranch);
    if ('error' in loaded) {
      logger.warn({ key: loaded.error.key, error: loaded.error.message }, `invalid ${host.configPath}; reported on the status`);
      await reportConfigError(platform, cr, loaded.error, loaded.branch, logger, signal);
      return;
    }
    const { config } = loaded;
    if (cr.draft && !config.review.drafts) {
      logger.info('draft change request; skipped (set review.drafts to review drafts)');
      return;
    }
    // No in-progress status first: the review is the first write (GitHub spaces writes a second apart), and the
    // pipeline reports the status already completed at the end.
    try {
      const outcome = await runReview(platform, cr, config, reviewDeps(logger, signal));
      logger.info({ findings: outcome.findings.length, posted: outcome.posted, fixed: outcome.markedFixed, conclusion: outcome.conclusion }, 'change request reviewed');
    } catch (error) {
      // Where the status carries a text, say the review failed and will be retried.
      if (host.statusShowsText) {
        const failed: StatusReport = {
          name: STATUS_NAME,
          conclusion: 'neutral',
          title: t(config.locale, 'github.check.error.title'),
          summary: t(config.locale, 'github.check.error.summary', { sha: cr.headSha.slice(0, 7), delivery: job.id }),
        };
        await platform.reportStatus(cr, failed).catch(() => undefined);
      }
      throw error;
    }
  };

  const command: JobProcessor = async (job) => {
    const opened = await host.openCommand(job);
    if (!opened) return;
    const { platform, cr, origin, logger, user } = opened;
    const loaded = await loadRepoConfig(platform, cr.repo, host.configPath, opened.configBranch);
    const locale = 'config' in loaded ? loaded.config.locale : DEFAULT_CONFIG.locale;
    // Associations (MEMBER, COLLABORATOR) are not permissions: the host's permission API decides.
    const allowed = await platform.canRunCommands(cr.repo, user.id);
    const key = `${cr.repo}#${cr.number}`;
    const verdict = limiter.take(allowed ? key : `denied:${key}`);
    if (verdict !== 'allowed') {
      logger.info({ user: user.name, allowed, verdict }, 'command rate limit reached');
      if (verdict === 'refused' && allowed) {
        await platform.react(cr, origin, 'confused');
        await platform.reply(cr, origin, t(locale, host.texts.rateLimited, { limit: limiter.limit }));
      }
      return;
    }
    if (!allowed) {
      logger.info({ user: user.name }, 'command from a user who may not run commands; declined');
      await platform.reply(cr, origin, t(locale, host.texts.denied, { user: user.name }));
      return;
    }
    if ('error' in loaded) {
      await platform.reply(cr, origin, host.configErrorText(loaded.error, loaded.branch, cr).note);
      return;
    }
    await platform.react(cr, origin, 'eyes');
    if (opened.command.action === 'summary') {
      const summary = summaryJob(opened.onDemandSummary.target, deps.now());
      const outcome = await deps.queue.enqueue({ ...summary, id: opened.onDemandSummary.id });
      logger.info({ outcome }, 'weekly report requested');
    }
    await runCommand(platform, cr, origin, opened.command, loaded.config, reviewDeps(logger));
    logger.info({ action: opened.command.action }, 'command answered');
  };

  const weekly: JobProcessor = async (job) => {
    const opened = await host.openWeekly(job);
    const { platform, repo, logger } = opened;
    const loadConfig = async (): Promise<CozeLoopConfig> => {
      const branch = await platform.getDefaultBranch(repo);
      const loaded = await loadRepoConfig(platform, repo, host.configPath, branch.name);
      if ('error' in loaded) throw loaded.error;
      return loaded.config;
    };
    // A scheduled run honours the repository's `summary.day`; `/coze-loop summary` runs now.
    const result = await runWeeklySummaries([{ platform, repo, loadConfig }], { logger, now: deps.now, archiveLimits: archiveLimitsFromEnv(options.env) }, { onlyOnConfiguredDay: !opened.onDemand && opened.respectDay });
    if (result.failed.length > 0) throw new Error(`weekly report failed for ${repo}`);
  };

  return { review, command, weekly };
}

/** Commands per change request per hour (COZE_LOOP_COMMANDS_PER_HOUR), the same setting on every host. */
export function commandsPerHour(env: NodeJS.ProcessEnv): number {
  return Number(env.COZE_LOOP_COMMANDS_PER_HOUR ?? 10) || 10;
}
