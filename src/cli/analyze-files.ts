// Reads files from disk and runs the engine on them. Shared by the in-process path and the worker threads, so both
// produce the same result for the same files.
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { analyzeSource, analyzeSourceAsync, analyzeSources, type AnalyzeOptions } from '../analysis/engine.js';
import { EffectIndex, type ContextLister, type ContextReader } from '../analysis/effects/index.js';
import { loadKnowledgeBase, type KnowledgeBase } from '../analysis/knowledge-base.js';
import type { CozeLoopConfig } from '../config/schema.js';
import type { AnalysisResult, Finding, Locale, SourceInput } from '../core/types.js';
import type { SourceFile } from './files.js';

export function emptyResult(): AnalysisResult {
  return { findings: [], skipped: [], notes: [], filesAnalyzed: 0 };
}

export function mergeResults(target: AnalysisResult, part: AnalysisResult): AnalysisResult {
  target.findings.push(...part.findings);
  target.skipped.push(...part.skipped);
  target.notes.push(...part.notes);
  target.filesAnalyzed += part.filesAnalyzed;
  return target;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareFindings(a: Finding, b: Finding): number {
  return compareText(a.path, b.path) || a.line - b.line || compareText(a.ruleId, b.ruleId) || compareText(a.fingerprint, b.fingerprint) || compareText(a.message, b.message);
}

/** Output order independent of how files were split between threads. */
export function sortResult(result: AnalysisResult): AnalysisResult {
  result.findings.sort(compareFindings);
  result.skipped.sort((a, b) => compareText(a.path, b.path) || compareText(a.reason, b.reason));
  result.notes.sort((a, b) => compareText(a.path, b.path) || compareText(a.note, b.note));
  return result;
}

type ReadOutcome = { input: SourceInput } | { skip: AnalysisResult['skipped'][number] };

/** Reads at most maxBytes + 1 bytes so that a multi-gigabyte file costs nothing to reject. */
export function readSource(file: SourceFile, maxBytes: number): ReadOutcome {
  let fd: number | undefined;
  try {
    fd = openSync(file.absolute, 'r');
    const size = fstatSync(fd).size;
    if (size > maxBytes) return { skip: { path: file.path, reason: 'too-large', detail: `${size} > ${maxBytes} bytes` } };
    const buffer = Buffer.allocUnsafe(size);
    let offset = 0;
    while (offset < size) {
      const read = readSync(fd, buffer, offset, size - offset, offset);
      if (read === 0) break;
      offset += read;
    }
    return { input: { path: file.path, content: buffer.subarray(0, offset) } };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    return { skip: { path: file.path, reason: 'error', detail: code } };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface AnalyzeFilesOptions {
  config: CozeLoopConfig;
  locale: Locale;
  maxFileBytes: number;
  kb?: KnowledgeBase;
  /**
   * The function tables of this thread's run (built with `kb`), kept across calls: a file that many analysed files
   * import is then read and parsed once per thread, not once per batch (the main thread's batches are single files).
   * Default: a new index per call.
   */
  effects?: EffectIndex;
}

/**
 * Effect summaries read the files the analysed ones import from disk (also unchanged files in a `--diff` run), by
 * their report path: relative to the directory the report paths are relative to, or absolute.
 */
export function diskReader(files: SourceFile[], maxBytes: number): ContextReader {
  const relative = files.find((f) => !isAbsolute(f.path) && f.absolute.endsWith(f.path));
  const base = relative ? relative.absolute.slice(0, relative.absolute.length - relative.path.length) : process.cwd();
  return (path) => {
    const outcome = readSource({ path, absolute: isAbsolute(path) ? path : join(base, path) }, maxBytes);
    return 'input' in outcome ? outcome.input.content : undefined;
  };
}

/** Lists a directory relative to the report paths (a Go package's other files, read for effect summaries). */
export function diskLister(files: SourceFile[]): ContextLister {
  const relative = files.find((f) => !isAbsolute(f.path) && f.absolute.endsWith(f.path));
  const base = relative ? relative.absolute.slice(0, relative.absolute.length - relative.path.length) : process.cwd();
  return (dir) => readdirSync(isAbsolute(dir) ? dir : join(base, dir));
}

/** The run's effect index: files read and directories listed from the disk. */
export function diskEffectIndex(kb: KnowledgeBase, files: SourceFile[], maxBytes: number): EffectIndex {
  return new EffectIndex(kb, diskReader(files, maxBytes), undefined, diskLister(files));
}

function engineOptionsFor(files: SourceFile[], options: AnalyzeFilesOptions): AnalyzeOptions {
  const kb = options.kb ?? loadKnowledgeBase(options.config);
  const effects = options.effects ?? diskEffectIndex(kb, files, options.maxFileBytes);
  return { locale: options.locale, kb, effects };
}

/** Files per engine call: bounds memory (contents of one batch at a time) without per-file call overhead. */
const BATCH = 32;

export function analyzeFiles(files: SourceFile[], options: AnalyzeFilesOptions): AnalysisResult {
  const result = emptyResult();
  const engineOptions = engineOptionsFor(files, options);
  for (let start = 0; start < files.length; start += BATCH) {
    const inputs: SourceInput[] = [];
    for (const file of files.slice(start, start + BATCH)) {
      const outcome = readSource(file, options.maxFileBytes);
      if ('skip' in outcome) result.skipped.push(outcome.skip);
      else inputs.push(outcome.input);
    }
    mergeResults(result, analyzeBatch(inputs, options.config, engineOptions));
  }
  return result;
}

function analyzeBatch(inputs: SourceInput[], config: CozeLoopConfig, engineOptions: AnalyzeOptions): AnalysisResult {
  try {
    return analyzeSources(inputs, config, engineOptions);
  } catch {
    // One file that breaks the engine must not take the other files of its batch with it.
    const result = emptyResult();
    for (const input of inputs) {
      try {
        mergeResults(result, analyzeSource(input, config, engineOptions));
      } catch (error) {
        result.skipped.push({ path: input.path, reason: 'error', detail: error instanceof Error ? error.message.slice(0, 200) : 'analysis failed' });
      }
    }
    return result;
  }
}

/**
 * Files whose parse may run ahead of the analysis on one JavaScript thread: while one file is analysed, the next
 * ones are parsed on libuv threads by the native reader. Small: each file in flight holds its text and its tree.
 */
export const PARSE_AHEAD = 3;

/** Runs `run` on each item in order, with at most `limit` of them unfinished at a time. */
export async function forEachInWindow<T>(items: Iterable<T>, limit: number, run: (item: T) => Promise<void>): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  for (const item of items) {
    const done: Promise<void> = run(item).then(() => {
      inFlight.delete(done);
    });
    inFlight.add(done);
    if (inFlight.size >= limit) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

/**
 * analyzeFiles with parsing overlapped with analysis (see PARSE_AHEAD). The same result as analyzeFiles; without
 * the native reader the parses simply happen in turn.
 */
export async function analyzeFilesPipelined(files: SourceFile[], options: AnalyzeFilesOptions, onFile?: () => void): Promise<AnalysisResult> {
  const result = emptyResult();
  const engineOptions = engineOptionsFor(files, options);
  // A file read first as another file's import keeps its tree for its own analysis (parsed once, not twice).
  engineOptions.effects?.expectAnalysis(files.map((file) => file.path));
  await forEachInWindow(files, PARSE_AHEAD, async (file) => {
    const outcome = readSource(file, options.maxFileBytes);
    if ('skip' in outcome) result.skipped.push(outcome.skip);
    else mergeResults(result, await analyzeSourceAsync(outcome.input, options.config, engineOptions));
    onFile?.();
  });
  return result;
}
