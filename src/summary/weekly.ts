// Runs the weekly report for one repository through the Platform interface: one archive download, analysis of
// every supported file, then one issue per ISO week (edited when run again the same week; last week's is closed).
import picomatch from 'picomatch';
import { languageForPath } from '../analysis/parse.js';
import type { CozeLoopConfig } from '../config/schema.js';
import { t } from '../core/i18n.js';
import type { AnalysisResult, SourceInput } from '../core/types.js';
import type { IssueRef, Platform } from '../platforms/platform.js';
import type { Logger } from '../core/observability.js';
import { pathFilter } from '../review/file-filter.js';
import { DEFAULT_ARCHIVE_LIMITS, readTarGz, type ArchiveLimits, type ArchiveStop } from './archive.js';
import { buildWeeklyReport, decodeWeeklyData, isoWeek, REPORT_LABEL, REPORT_TITLE_PREFIX, reportTitle, type WeeklyData } from './report.js';
import { analyzeAllInPool, sharedAnalysisPool } from '../analysis/worker-pool.js';

/** Paths no report should read: dependencies, builds, generated bundles. */
const VENDORED = picomatch([
  '**/node_modules/**',
  '**/vendor/**',
  '**/third_party/**',
  '**/dist/**',
  '**/build/**',
  '**/.git/**',
  '**/site-packages/**',
  '**/.venv/**',
  '**/venv/**',
  '**/__pycache__/**',
  '**/*.min.js',
  '**/*.bundle.js',
  '**/*.generated.*',
]);

export interface WeeklyDeps {
  logger: Logger;
  now: () => Date;
  /** Analysis entry point; the service may hand in a worker-thread pool. */
  analyze?: (inputs: SourceInput[], config: CozeLoopConfig) => AnalysisResult | Promise<AnalysisResult>;
  /** Caps on the archive download (the service reads them from COZE_LOOP_ARCHIVE_MAX_*; see docs/security.md). */
  archiveLimits?: Partial<Omit<ArchiveLimits, 'maxFileBytes'>>;
}

/** The archive caps from the environment; unset or invalid values keep the defaults. */
export function archiveLimitsFromEnv(env: NodeJS.ProcessEnv): Partial<Omit<ArchiveLimits, 'maxFileBytes'>> {
  const read = (name: string): number | undefined => {
    const n = Number(env[name]);
    return env[name] && Number.isSafeInteger(n) && n > 0 ? n : undefined;
  };
  const limits: Partial<Omit<ArchiveLimits, 'maxFileBytes'>> = {};
  const compressed = read('COZE_LOOP_ARCHIVE_MAX_BYTES');
  const expanded = read('COZE_LOOP_ARCHIVE_MAX_EXPANDED_BYTES');
  const entries = read('COZE_LOOP_ARCHIVE_MAX_ENTRIES');
  if (compressed) limits.maxCompressedBytes = compressed;
  if (expanded) limits.maxExpandedBytes = expanded;
  if (entries) limits.maxEntries = entries;
  return limits;
}

/** The archive entries the engine would analyse: a supported language, not vendored, not excluded by the config. */
export function wantedInArchive(config: CozeLoopConfig): (path: string) => boolean {
  const filter = pathFilter(config);
  return (path) => !!languageForPath(path) && !VENDORED(path) && !VENDORED(`./${path}`) && !filter(path);
}

export interface WeeklyOutcome {
  action: 'created' | 'updated';
  issue: IssueRef;
  closed: number[];
  findings: number;
}

/** Files of an archive (or a checkout) worth analysing, and how many were left out. */
export function selectSources(files: { path: string; content: Buffer }[], config: CozeLoopConfig): { inputs: SourceInput[]; skipped: number } {
  const inputs: SourceInput[] = [];
  let skipped = 0;
  for (const file of files) {
    if (!languageForPath(file.path)) continue;
    if (VENDORED(file.path) || VENDORED(`./${file.path}`)) {
      skipped += 1;
      continue;
    }
    inputs.push({ path: file.path, content: file.content });
  }
  return { inputs, skipped };
}

function weekOf(title: string): string | undefined {
  return title.startsWith(REPORT_TITLE_PREFIX) ? title.slice(REPORT_TITLE_PREFIX.length).trim() : undefined;
}

export type { ArchiveStop };

export async function runWeeklySummary(platform: Platform, repo: string, config: CozeLoopConfig, deps: WeeklyDeps): Promise<WeeklyOutcome> {
  const now = deps.now();
  const week = isoWeek(now);
  const locale = config.locale;
  const branch = await platform.getDefaultBranch(repo);
  const archive = await platform.downloadArchive(repo, branch.sha);
  const limits: ArchiveLimits = { ...DEFAULT_ARCHIVE_LIMITS, ...deps.archiveLimits, maxFileBytes: config.max_file_bytes };
  const contents = await readTarGz(archive, limits, wantedInArchive(config));
  if (contents.stopped) deps.logger.warn({ repo, limit: contents.stopped.limit, max: contents.stopped.max, read: contents.files.length }, 'weekly: archive cap reached; the report covers the files read before it');
  const { inputs, skipped } = selectSources(contents.files, config);
  // Off the event loop, each file with its deadline (analysis/worker-pool.ts).
  const analyze = deps.analyze ?? ((files, cfg) => analyzeAllInPool(sharedAnalysisPool(), files, cfg, { locale }));
  const result = await analyze(inputs, config);

  const reports = (await platform.findIssues(repo, REPORT_TITLE_PREFIX)).filter((issue) => weekOf(issue.title));
  const thisWeek = reports.find((issue) => weekOf(issue.title) === week);
  // Compare with the newest report of an earlier week, so re-running this week keeps the same baseline.
  const earlier = reports
    .filter((issue) => (weekOf(issue.title) ?? '') < week)
    .sort((a, b) => (weekOf(b.title) ?? '').localeCompare(weekOf(a.title) ?? ''));
  let previous: WeeklyData | null = null;
  for (const issue of earlier) {
    previous = decodeWeeklyData(issue.body);
    if (previous) break;
  }

  const report = buildWeeklyReport({
    repo,
    sha: branch.sha,
    branch: branch.name,
    now,
    result,
    previous,
    config,
    locale,
    permalink: (path, start, end) => platform.permalink(repo, branch.sha, path, start, end),
    skippedCount: skipped + contents.tooLarge.length + result.skipped.length,
    ...(contents.stopped ? { archiveStop: contents.stopped } : {}),
  });

  let issue: IssueRef;
  let action: WeeklyOutcome['action'];
  if (thisWeek) {
    await platform.updateIssue(repo, thisWeek.number, { title: reportTitle(week), body: report.body, state: 'open' });
    issue = { ...thisWeek, body: report.body, state: 'open' };
    action = 'updated';
  } else {
    issue = await platform.createIssue(repo, report.title, report.body, [REPORT_LABEL]);
    action = 'created';
  }

  const closed: number[] = [];
  for (const old of earlier) {
    if (old.state !== 'open') continue;
    // One failing close must not hide the new report: log it and go on.
    try {
      await platform.commentOnIssue(repo, old.number, t(locale, 'summary.superseded', { link: issue.url ?? `#${issue.number}` }));
      await platform.updateIssue(repo, old.number, { state: 'closed' });
      closed.push(old.number);
    } catch (error) {
      deps.logger.warn({ repo, issue: old.number, err: error instanceof Error ? error.message : String(error) }, 'weekly: could not close an old report');
    }
  }
  deps.logger.info({ repo, week, action, issue: issue.number, findings: result.findings.length, new: report.newCount, fixed: report.fixedCount }, 'weekly report published');
  return { action, issue, closed, findings: result.findings.length };
}

export interface RepositoryTarget {
  platform: Platform;
  repo: string;
  loadConfig: () => Promise<CozeLoopConfig>;
}

/**
 * Reports every repository in turn; a repository that fails (API error, broken config, budget) is logged and does
 * not stop the others. With `onlyOnConfiguredDay`, a repository is reported only on its `summary.day`.
 */
export async function runWeeklySummaries(
  targets: AsyncIterable<RepositoryTarget> | Iterable<RepositoryTarget>,
  deps: WeeklyDeps,
  options: { onlyOnConfiguredDay: boolean },
): Promise<{ done: string[]; failed: string[]; skipped: string[] }> {
  const done: string[] = [];
  const failed: string[] = [];
  const skipped: string[] = [];
  const weekday = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'][deps.now().getUTCDay()];
  for await (const target of targets) {
    try {
      const config = await target.loadConfig();
      if (!config.summary.enabled || (options.onlyOnConfiguredDay && config.summary.day !== weekday)) {
        skipped.push(target.repo);
        continue;
      }
      await runWeeklySummary(target.platform, target.repo, config, deps);
      done.push(target.repo);
    } catch (error) {
      failed.push(target.repo);
      deps.logger.error({ repo: target.repo, err: error instanceof Error ? error.message : String(error) }, 'weekly report failed for a repository');
    }
  }
  return { done, failed, skipped };
}
