// Stage 1 and 2: the change set (changed files with their hunks and head content) and the engine's findings.
import { analyzeSource } from '../analysis/engine.js';
import { languageForPath } from '../analysis/parse.js';
import { sharedAnalysisPool, type AnalysisPool } from '../analysis/worker-pool.js';
import type { CozeLoopConfig } from '../config/schema.js';
import type { FileNote, Finding, Locale, SkippedFile } from '../core/types.js';
import type { ChangeRequestRef, ChangedFile, Platform } from '../platforms/platform.js';
import { parsePatch, type DiffHunk } from './diff-view.js';
import { ReviewBudget } from './budget.js';
import { pathFilter, skipReason } from './file-filter.js';

export interface ReviewFile {
  path: string;
  status: ChangedFile['status'];
  /** null when the host omitted the patch (too large): findings go to the summary. */
  hunks: DiffHunk[] | null;
  content: Buffer;
}

export interface ChangeSet {
  files: ReviewFile[];
  skipped: SkippedFile[];
  /** Paths removed by the change: earlier findings on them are gone. */
  removed: string[];
}

const FETCH_CONCURRENCY = 8;

export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  });
  await Promise.all(workers);
  return results;
}

function hunksOf(file: ChangedFile): DiffHunk[] | null {
  if (file.patch === undefined) return null;
  try {
    return parsePatch(file.patch);
  } catch {
    return null;
  }
}

function selectFiles(changed: ChangedFile[], config: CozeLoopConfig, only?: (path: string) => boolean): { wanted: ChangedFile[]; skipped: SkippedFile[]; removed: string[] } {
  const filter = pathFilter(config);
  const skipped: SkippedFile[] = [];
  const removed: string[] = [];
  const wanted: ChangedFile[] = [];
  for (const file of changed) {
    if (only && !only(file.path)) continue;
    if (file.status === 'removed') removed.push(file.path);
    const reason = skipReason(file, filter, languageForPath(file.path) !== undefined);
    if (reason === 'ignore') continue;
    if (reason) skipped.push(reason);
    else wanted.push(file);
  }
  return { wanted, skipped, removed };
}

/** Changed files worth analysing, with their content at the head SHA; everything else with a reason. */
export async function collectChangeSet(platform: Platform, cr: ChangeRequestRef, config: CozeLoopConfig, only?: (path: string) => boolean): Promise<ChangeSet> {
  const changed = await platform.listChangedFiles(cr);
  const { wanted, skipped, removed } = selectFiles(changed, config, only);
  const fetched = await mapLimit(wanted, FETCH_CONCURRENCY, async (file): Promise<ReviewFile | SkippedFile> => {
    const content = await platform.getFileContent(cr.repo, file.path, cr.headSha);
    if (content === null) return { path: file.path, reason: 'error', detail: `not found at ${cr.headSha.slice(0, 7)}` };
    if (content.length > config.max_file_bytes) return { path: file.path, reason: 'too-large' };
    return { path: file.path, status: file.status, hunks: hunksOf(file), content };
  });
  const files: ReviewFile[] = [];
  for (const entry of fetched) {
    if ('content' in entry) {
      files.push(entry);
      if (entry.hunks === null) skipped.push({ path: entry.path, reason: 'no-patch' });
    } else skipped.push(entry);
  }
  return { files, skipped, removed };
}

export interface FileAnalysis {
  file: ReviewFile;
  findings: Finding[];
  /** The engine looked at the file (it was not skipped as binary, non-UTF-8, ...). */
  analysed: boolean;
}

export interface ChangeSetAnalysis {
  files: FileAnalysis[];
  skipped: SkippedFile[];
  notes: FileNote[];
}

/** Runs the engine per file; a file the engine cannot handle becomes a skip with a reason, never a crash. */
export function analyseChangeSet(files: ReviewFile[], config: CozeLoopConfig, locale: Locale = config.locale): ChangeSetAnalysis {
  const result: ChangeSetAnalysis = { files: [], skipped: [], notes: [] };
  for (const file of files) {
    try {
      const analysis = analyzeSource({ path: file.path, content: file.content }, config, { locale });
      const skippedHere = analysis.skipped.filter((s) => s.path === file.path);
      result.skipped.push(...analysis.skipped);
      result.notes.push(...analysis.notes);
      result.files.push({ file, findings: analysis.findings, analysed: skippedHere.length === 0 });
    } catch (error) {
      result.skipped.push({ path: file.path, reason: 'error', detail: error instanceof Error ? error.message.slice(0, 200) : 'unknown error' });
      result.files.push({ file, findings: [], analysed: false });
    }
  }
  return result;
}

export interface BudgetedReview {
  changeSet: ChangeSet;
  analysis: ChangeSetAnalysis;
  budget: ReviewBudget;
}

/**
 * The change set fetched and analysed file by file, within the review's budget (config `limits:`): at most
 * `max_files` files, `max_bytes` of content and `max_analysis_ms` of analysis in all, each file in the analysis pool's
 * worker threads with its deadline. A file's content is kept only while it has findings (the model refinement and
 * the commands quote it); the others are let go as soon as they are analysed, so a large pull request is never held
 * in memory at once. What the budget leaves out is a skip with a reason and a line of `budget.lines()`.
 */
export async function collectAndAnalyse(
  platform: Platform,
  cr: ChangeRequestRef,
  config: CozeLoopConfig,
  locale: Locale = config.locale,
  options: { pool?: AnalysisPool; only?: (path: string) => boolean } = {},
): Promise<BudgetedReview> {
  const pool = options.pool ?? sharedAnalysisPool();
  const budget = new ReviewBudget(config, locale);
  budget.fileTimeoutMs = Math.min(budget.limits.file_timeout_ms, pool.fileTimeoutMs);
  const limits = budget.limits;
  const changed = await platform.listChangedFiles(cr);
  const { wanted, skipped, removed } = selectFiles(changed, config, options.only);
  budget.totalFiles = wanted.length;
  const taken = wanted.slice(0, limits.max_files);
  for (const file of wanted.slice(limits.max_files)) {
    budget.overFiles++;
    skipped.push(budget.skip(file.path, `max_files ${limits.max_files}`));
  }
  const analysis: ChangeSetAnalysis = { files: [], skipped: [], notes: [] };
  const files: ReviewFile[] = [];
  const late: SkippedFile[] = [];
  await mapLimit(taken, FETCH_CONCURRENCY, async (file) => {
    const skipped = late;
    if (!budget.hasRoom) {
      if (budget.bytes > limits.max_bytes) budget.overBytes++;
      else budget.overTime++;
      skipped.push(budget.skip(file.path, budget.bytes > limits.max_bytes ? `max_bytes ${limits.max_bytes}` : `max_analysis_ms ${limits.max_analysis_ms}`));
      return;
    }
    const content = await platform.getFileContent(cr.repo, file.path, cr.headSha);
    if (content === null) {
      skipped.push({ path: file.path, reason: 'error', detail: `not found at ${cr.headSha.slice(0, 7)}` });
      return;
    }
    if (content.length > config.max_file_bytes) {
      skipped.push({ path: file.path, reason: 'too-large' });
      return;
    }
    budget.bytes += content.length;
    if (budget.bytes > limits.max_bytes) {
      budget.overBytes++;
      skipped.push(budget.skip(file.path, `max_bytes ${limits.max_bytes}`));
      return;
    }
    const hunks = hunksOf(file);
    if (hunks === null) skipped.push({ path: file.path, reason: 'no-patch' });
    // Time in a thread, not time queued behind the other files of this review.
    const result = await pool.analyze({ path: file.path, content }, config, { locale, timeoutMs: budget.nextDeadline(), onRun: (ms) => (budget.analysisMs += ms) });
    const own = result.skipped.filter((s) => s.path === file.path);
    budget.timeouts += own.filter((s) => s.reason === 'timeout').length;
    const entry: ReviewFile = { path: file.path, status: file.status, hunks, content: result.findings.length > 0 ? content : Buffer.alloc(0) };
    files.push(entry);
    analysis.skipped.push(...result.skipped);
    analysis.notes.push(...result.notes);
    analysis.files.push({ file: entry, findings: result.findings, analysed: own.length === 0 });
  });
  // Completion order depends on the network and the threads; the review reads files in the order the host listed them.
  const order = new Map(taken.map((f, i) => [f.path, i] as const));
  const byOrder = <T extends { path: string }>(a: T, b: T) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0);
  files.sort(byOrder);
  analysis.files.sort((a, b) => byOrder(a.file, b.file));
  skipped.push(...late.sort(byOrder));
  analysis.skipped.sort(byOrder);
  analysis.notes.sort(byOrder);
  return { changeSet: { files, skipped, removed }, analysis, budget };
}
