// Stage 1 and 2: the change set (changed files with their hunks and head content) and the engine's findings.
import { analyzeSource } from '../analysis/engine.js';
import { languageForPath } from '../analysis/parse.js';
import { applyPathOverrides, engineConfigFor } from '../config/overrides.js';
import type { CozeLoopConfig } from '../config/schema.js';
import type { FileNote, Finding, Locale, SkippedFile } from '../core/types.js';
import type { ChangeRequestRef, ChangedFile, Platform } from '../platforms/platform.js';
import { parsePatch, type DiffHunk } from './diff-view.js';
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

/** Changed files worth analysing, with their content at the head SHA; everything else with a reason. */
export async function collectChangeSet(platform: Platform, cr: ChangeRequestRef, config: CozeLoopConfig, only?: (path: string) => boolean): Promise<ChangeSet> {
  const changed = await platform.listChangedFiles(cr);
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
  // Per-path `overrides:`: the engine runs with everything some override may switch on, each finding is then judged
  // by its path's settings (paths are repository-relative, as the globs are).
  const engineConfig = engineConfigFor(config);
  for (const file of files) {
    try {
      const analysis = analyzeSource({ path: file.path, content: file.content }, engineConfig, { locale });
      analysis.findings = applyPathOverrides(analysis.findings, config, { cwd: '/' });
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
