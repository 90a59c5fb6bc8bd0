// The review pipeline: change set -> analyse -> filter to the diff -> compose -> publish -> mark fixed ->
// summary -> status. Platform-neutral: GitHub, GitLab and the CI command all run exactly this.
import type { CozeLoopConfig } from '../config/schema.js';
import { t } from '../core/i18n.js';
import { severityRank, type Finding } from '../core/types.js';
import { UNSIGNED_MARKERS } from '../platforms/markers.js';
import { DEFAULT_WRITE_COSTS, type ChangeRequestRef, type ExistingComment, type InlineComment, type Platform, type StatusConclusion } from '../platforms/platform.js';
import { renderFindingMarkdown, type SuggestionSyntax } from '../report/markdown.js';
import type { RefineHook } from '../llm/hook.js';
import type { Logger, Metrics } from '../core/observability.js';
import type { AnalysisPool } from '../analysis/worker-pool.js';
import { collectAndAnalyse, type ChangeSetAnalysis } from './collect.js';
import { commentRange, oldLineOf, placeFindings } from './diff-filter.js';
import type { DiffHunk } from './diff-view.js';
import { assignKeys, compareFindings } from './rank.js';
import { groupKey, groupRepeats } from './group.js';
import { buildStatus } from './status.js';
import { renderSummary } from './summary.js';
import { joinLines, stripHtmlComments } from '../core/linear-text.js';
import { REVIEW_WRITE_WAIT_MS, writeHonouringRateLimit } from './rate-limited-write.js';

export interface ReviewDeps {
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
  /** Optional model refinement of the top findings (only with `llm.enabled` and `llm.auto`). */
  refine?: RefineHook;
  /** The analysis threads (default: the process-wide pool, see analysis/worker-pool.ts). */
  pool?: AnalysisPool;
  /**
   * The job's deadline (epoch ms) for rate-limit waits before the summary and status writes (rate-limited-write.ts);
   * default REVIEW_WRITE_WAIT_MS after the review starts.
   */
  writeDeadline?: number;
  /** The job's abort signal: a shutdown ends those waits. */
  signal?: AbortSignal;
  /** Clock and sleep of those waits (tests pass a virtual clock). */
  waits?: { now: () => number; sleep: (ms: number, signal?: AbortSignal) => Promise<void> };
}

export interface ReviewOutcome {
  /** Every finding that belongs to this change (posted now, posted earlier, or in the summary). */
  findings: Finding[];
  posted: number;
  alreadyCommented: number;
  markedFixed: number;
  inSummary: number;
  /** Findings posted inside another finding's comment as repeats of it in the same file (`review.group_repeats`). */
  grouped: number;
  conclusion: StatusConclusion;
}

export function suggestionFlavor(platform: Platform): SuggestionSyntax | 'none' {
  return platform.suggestions ?? 'none';
}

/** One inline comment: the engine's Markdown plus the hidden fingerprint that makes re-runs idempotent. */
export function renderInlineComment(finding: Finding, key: string, hunks: DiffHunk[] | null, platform: Platform, config: CozeLoopConfig, repo = '', extra = ''): InlineComment {
  const range = commentRange(finding, hunks);
  const markdown = renderFindingMarkdown(finding, {
    locale: config.locale,
    suggestion: range.suggestion ? suggestionFlavor(platform) : 'none',
    anchorLine: range.line,
  });
  const body = extra ? `${markdown.trimEnd()}\n\n${extra.trimEnd()}` : markdown.trimEnd();
  const comment: InlineComment = {
    path: finding.path,
    line: range.line,
    // Last in the body, where quoted code cannot follow it: the platforms only read a marker there.
    body: `${body}\n\n${(platform.markers ?? UNSIGNED_MARKERS).write(repo, key)}`,
    fingerprint: key,
  };
  if (range.startLine !== undefined) comment.startLine = range.startLine;
  const oldLine = oldLineOf(hunks, range.startLine ?? range.line);
  if (oldLine !== undefined) comment.oldLine = oldLine;
  return comment;
}

interface Placed {
  anchored: Finding[];
  unanchored: Finding[];
  preExisting: Finding[];
  hunks: Map<string, DiffHunk[] | null>;
}

function place(analysis: ChangeSetAnalysis, config: CozeLoopConfig): Placed {
  const placed: Placed = { anchored: [], unanchored: [], preExisting: [], hunks: new Map() };
  for (const { file, findings } of analysis.files) {
    placed.hunks.set(file.path, file.hunks);
    const result = placeFindings(findings, { path: file.path, hunks: file.hunks }, config.review.comment_on);
    placed.anchored.push(...result.anchored);
    placed.unanchored.push(...result.unanchored);
    placed.preExisting.push(...result.preExisting);
  }
  return placed;
}

/** Earlier comments whose finding is gone from a file this run looked at. */
export function disappearedComments(existing: ExistingComment[], analysis: ChangeSetAnalysis, currentKeys: Set<string>, removed: string[]): ExistingComment[] {
  const looked = new Set(analysis.files.filter((f) => f.analysed).map((f) => f.file.path));
  const gone = new Set(removed);
  return existing.filter(
    (c) => !c.resolved && c.path !== undefined && (gone.has(c.path) || (looked.has(c.path) && !currentKeys.has(c.fingerprint))),
  );
}

/** The most repeats a group comment lists one by one; the summary lists every finding anyway. */
const MAX_REPEATS_LISTED = 20;

/** The part of a group comment that lists the other findings of its rule and variant in the file. */
export function repeatsSection(repeats: Finding[], locale: CozeLoopConfig['locale'], link: (finding: Finding) => string): string {
  const lines = [t(locale, 'review.group.heading', { count: repeats.length }), ''];
  for (const f of repeats.slice(0, MAX_REPEATS_LISTED)) lines.push(t(locale, 'review.group.item', { line: f.line, link: link(f), message: joinLines(f.message) }));
  if (repeats.length > MAX_REPEATS_LISTED) lines.push(t(locale, 'review.group.more', { count: repeats.length - MAX_REPEATS_LISTED }));
  return lines.join('\n');
}

/** Model refinement of the comments about to be posted; keeps each finding's key, never delays past its timeout. */
async function refineInline(
  findings: Finding[],
  files: { path: string; content: Buffer }[],
  cr: ChangeRequestRef,
  config: CozeLoopConfig,
  deps: ReviewDeps,
  keys: Map<Finding, string>,
): Promise<Finding[]> {
  if (!deps.refine || findings.length === 0) return findings;
  const paths = new Set(findings.map((f) => f.path));
  const sources = new Map(files.filter((f) => paths.has(f.path)).map((f) => [f.path, f.content.toString('utf8')] as const));
  const refined = await deps.refine(findings, sources, { repo: cr.repo, headSha: cr.headSha, config, trigger: 'auto' });
  refined.forEach((finding, i) => {
    const key = keys.get(findings[i]!);
    if (key !== undefined && finding !== findings[i]) keys.set(finding, key);
  });
  return refined;
}

export async function runReview(platform: Platform, cr: ChangeRequestRef, config: CozeLoopConfig, deps: ReviewDeps): Promise<ReviewOutcome> {
  const log = deps.logger.child({ repo: cr.repo, number: cr.number, headSha: cr.headSha });
  const locale = config.locale;
  const writeDeadline = deps.writeDeadline ?? (deps.waits?.now ?? Date.now)() + REVIEW_WRITE_WAIT_MS;
  // The summary and the status come after the comments: a rate-limit refusal is waited out as the host asks, within
  // the job's deadline, and then given up with one log line rather than failing the job (the comments are posted).
  const afterComments = (what: string, write: () => Promise<void>): Promise<boolean> =>
    writeHonouringRateLimit(what, write, { logger: log, deadline: writeDeadline, ...(deps.signal ? { signal: deps.signal } : {}), ...deps.waits });

  const { changeSet, analysis, budget } = await collectAndAnalyse(platform, cr, config, locale, deps.pool ? { pool: deps.pool } : {});
  const limits = budget.limits;
  const allFindings = analysis.files.flatMap((f) => f.findings);
  const keys = assignKeys(allFindings);
  const keyOf = (finding: Finding): string => keys.get(finding) ?? finding.fingerprint;
  const placed = place(analysis, config);

  const existing = await platform.listBotComments(cr);
  const openKeys = new Set(existing.filter((c) => !c.resolved).map((c) => c.fingerprint));
  // A finding is commented by its own comment, or by an open comment of its group (group.ts).
  const notCommented = placed.anchored.filter((f) => !openKeys.has(keyOf(f)) && !openKeys.has(groupKey(f))).sort(compareFindings);
  const alreadyCommented = placed.anchored.length - notCommented.length;
  // Findings below review.inline_severity (hints, by default) are listed in the summary, not posted on the diff.
  const inlineFloor = severityRank(config.review.inline_severity);
  const fresh: Finding[] = [];
  const belowInline: Finding[] = [];
  for (const f of notCommented) (severityRank(f.severity) >= inlineFloor ? fresh : belowInline).push(f);
  // API writes, counted as the host sends them (platform.writeCosts): the summary and the status (with its
  // annotation pages) are reserved; the review takes what its comments cost on this host (one review on GitHub, one
  // discussion each on GitLab), so findings whose comments would pass the budget go to the summary instead; marking
  // fixed comments gets what is left, and the rest waits for the next push.
  const costs = platform.writeCosts ?? DEFAULT_WRITE_COSTS;
  budget.annotationsTotal = placed.anchored.length + placed.unanchored.length;
  const annotationCount = Math.min(budget.annotationsTotal, limits.max_annotations);
  const reserved = 1 + costs.status(annotationCount);
  // Repeats of one rule and variant in one file ride on the first one's comment (review.group_repeats).
  const { heads, repeats } = groupRepeats(fresh, config.review.group_repeats ?? 0);
  const withRepeats = (list: Finding[]) => list.flatMap((f) => [f, ...(repeats.get(f) ?? [])]);
  const candidates = heads.slice(0, config.max_comments);
  let inlineCount = candidates.length;
  while (inlineCount > 0 && costs.review(inlineCount) + reserved > limits.max_api_writes) inlineCount -= 1;
  budget.overWrites = withRepeats(candidates.slice(inlineCount)).length;
  const overCap = withRepeats([...candidates.slice(inlineCount), ...heads.slice(config.max_comments)]);
  const chosen = candidates.slice(0, inlineCount);
  const inline = await refineInline(chosen, changeSet.files, cr, config, deps, keys);

  const link = (f: Finding) => platform.permalink(cr.repo, cr.headSha, f.path, f.loop.startLine, f.loop.endLine);
  const byKey = new Map<string, { finding: Finding; repeats: Finding[] }>();
  const comments = inline.map((finding, i) => {
    const others = repeats.get(chosen[i]!) ?? [];
    const key = others.length > 0 ? groupKey(finding) : keyOf(finding);
    byKey.set(key, { finding, repeats: others });
    const extra = others.length > 0 ? repeatsSection(others, locale, link) : '';
    return renderInlineComment(finding, key, placed.hunks.get(finding.path) ?? null, platform, config, cr.repo, extra);
  });
  let posted = 0;
  let grouped = 0;
  const rejected: { finding: Finding; reason: string }[] = [];
  if (comments.length > 0) {
    const result = await platform.publishReview(cr, {
      body: t(locale, 'review.body.new', { count: comments.length, sha: cr.headSha.slice(0, 7) }),
      comments,
    });
    posted = result.posted.length;
    for (const comment of result.posted) grouped += byKey.get(comment.fingerprint)?.repeats.length ?? 0;
    for (const { comment, reason } of result.rejected) {
      const entry = byKey.get(comment.fingerprint);
      for (const finding of entry ? [entry.finding, ...entry.repeats] : []) rejected.push({ finding, reason });
    }
    if (platform.name !== 'local' && posted > 0) deps.metrics.commentsPosted(platform.name, posted);
  }

  const currentKeys = new Set([...allFindings.map(keyOf), ...allFindings.map(groupKey)]);
  let markedFixed = 0;
  const gone = disappearedComments(existing, analysis, currentKeys, changeSet.removed);
  const markable = Math.max(0, Math.floor((limits.max_api_writes - reserved - costs.review(comments.length)) / costs.markFixed));
  budget.unmarkedFixed = Math.max(0, gone.length - markable);
  for (const comment of gone.slice(0, markable)) {
    try {
      await platform.markFixed(cr, comment, t(locale, 'review.fixed.reply', { sha: cr.headSha.slice(0, 7) }));
      markedFixed += 1;
    } catch (error) {
      log.warn({ err: error, commentId: comment.id }, 'could not mark a fixed finding');
    }
  }

  const reported = [...placed.anchored, ...placed.unanchored].sort(compareFindings);
  const summaryBody = renderSummary({
    locale,
    headSha: cr.headSha,
    now: deps.now(),
    reported,
    posted,
    grouped,
    alreadyCommented,
    markedFixed,
    unanchored: [...placed.unanchored].sort(compareFindings),
    overCap,
    belowInline: { severity: config.review.inline_severity, findings: belowInline },
    rejected,
    preExisting: placed.preExisting.length,
    skipped: [...changeSet.skipped, ...analysis.skipped],
    notes: analysis.notes,
    maxComments: config.max_comments,
    maxFileBytes: config.max_file_bytes,
    link,
    limits: (budget.annotationsShown = annotationCount, budget.lines()),
    reading: budget.readingLines(),
  });
  const hasNews = reported.length > 0 || markedFixed > 0 || changeSet.skipped.length + analysis.skipped.length > 0 || budget.lines().length > 0 || budget.readingFellShort;
  if (config.review.summary && hasNews) await afterComments('summary', () => platform.upsertSummary(cr, summaryBody));

  const status = buildStatus(reported, config, stripHtmlComments(summaryBody));
  if (status.annotations && status.annotations.length > annotationCount) status.annotations = status.annotations.slice(0, annotationCount);
  await afterComments('status', () => platform.reportStatus(cr, status));

  const counts = new Map<string, { target: string; count: number }>();
  for (const f of reported) {
    const entry = counts.get(f.ruleId) ?? { target: f.target, count: 0 };
    entry.count += 1;
    counts.set(f.ruleId, entry);
  }
  for (const [ruleId, { target, count }] of counts) deps.metrics.findingsReported(ruleId, target, count);

  const outcome: ReviewOutcome = {
    findings: reported,
    posted,
    alreadyCommented,
    markedFixed,
    inSummary: placed.unanchored.length + overCap.length + belowInline.length + rejected.length,
    grouped,
    conclusion: status.conclusion,
  };
  log.info({ ...outcome, findings: reported.length, files: changeSet.files.length, skipped: changeSet.skipped.length + analysis.skipped.length }, 'review done');
  return outcome;
}
