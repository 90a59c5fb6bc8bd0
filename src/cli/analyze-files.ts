// Reads files from disk and runs the engine on them. Shared by the in-process path and the worker threads, so both
// produce the same result for the same files.
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { analyzeSource, analyzeSourceAsync, analyzeSources, type AnalyzeOptions } from '../analysis/engine.js';
import { EffectIndex, moduleCandidates, type ContextLister, type ContextReader } from '../analysis/effects/index.js';
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
  /**
   * The files are the whole run, not one chunk of it: when their Python imports are all read, a file none of them
   * imports is imported by no file of the run, and its table is kept only for its own analysis (see
   * `EffectIndex.expectImported`). Chunks leave it unset (a later chunk on the same thread may import the file).
   */
  wholeRun?: boolean;
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
 * ones are parsed, one after another, on the native reader's parse thread (its parse queue). Deep enough that a
 * run of small files or one large file does not leave the analysis waiting (3 left the JavaScript thread asleep
 * 0.8 s of a 6 s standard-library run, 12 about 0.05 s); bounded, as each file in flight holds its text and tree.
 */
export const PARSE_AHEAD = 12;

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

/** Most bytes importsFirst reads ahead to order a run; past it the rest keeps the order it came in. */
const ORDER_BYTES = 64 * 1024 * 1024;

const HEAD_BYTES = 64 * 1024;
const FIRST_DEFINITION = /^(?:def |class |async def |@)/m;

/** Bytes of a module's head decoded first: most modules define something in their first few KiB. */
const FIRST_HEAD_BYTES = 8 * 1024;

/**
 * The head of a module: its text up to the first line FIRST_DEFINITION matches, in its first HEAD_BYTES (all of those
 * when none does). The first FIRST_HEAD_BYTES are tried first: a definition found there is the first one in the
 * longer head too (a match found in the longer head that starts earlier would lie within them), so most modules
 * decode a few KiB, not 64 (which made a few MB of garbage before the first file was analysed).
 */
function moduleHead(content: string | Buffer): string {
  let head = '';
  for (const bytes of [FIRST_HEAD_BYTES, HEAD_BYTES]) {
    head = typeof content === 'string' ? content.slice(0, bytes) : content.toString('latin1', 0, bytes);
    const end = head.search(FIRST_DEFINITION);
    if (end >= 0) return head.slice(0, end);
    if (head.length < bytes) break;
  }
  return head;
}

/** `from .db import load, save` / `import a.b as c`, one line at a time (a parenthesised name list: its first line). */
const PY_IMPORT = /^[ \t]*(?:from[ \t]+([.\w]+)[ \t]+import[ \t]+([^\n]*)|import[ \t]+([^\n]*))/gm;

/** The modules a Python text imports: `from X import a, b` gives X, X.a and X.b (a name may be a submodule). */
function pythonImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PY_IMPORT)) {
    const names = (m[2] ?? m[3] ?? '').split(',').map((n) => n.replace(/[()\\]/g, '').trim().split(/\s/)[0] ?? '').filter((n) => /^[\w.]+$/.test(n));
    if (m[1] === undefined) out.push(...names);
    else {
      out.push(m[1]);
      for (const name of names) out.push(m[1].endsWith('.') ? `${m[1]}${name}` : `${m[1]}.${name}`);
    }
  }
  return out;
}

/** A file of the run in importsFirst's order; `imported` when another Python file of the run imports it. */
export interface OrderedFile {
  file: SourceFile;
  outcome?: ReadOutcome;
  imported?: boolean;
  /** Python: its import lines were read (a file past ORDER_BYTES is not). */
  importsRead?: boolean;
  /** The files of the run it imports that come before it in the order (cycles cut). */
  imports?: OrderedFile[];
}

/**
 * The files in an order where a Python file comes after the files of the run it imports (depth first, cycles cut
 * where they close), each with its contents when read here. An import's effect summary then finds the imported
 * file's table already built by that file's own analysis (its parse done on the parse threads) instead of parsing
 * it on the JavaScript thread first. Only the order changes: the result is sorted. Runs without Python files, or
 * with more than ORDER_BYTES of them, keep their order.
 */
export function importsFirst(files: SourceFile[], maxBytes: number): OrderedFile[] {
  const entries: OrderedFile[] = files.map((file) => ({ file }));
  if (!files.some((f) => f.path.endsWith('.py'))) return entries;
  const byPath = new Map(entries.map((e, i) => [e.file.path, i]));
  const deps: number[][] = entries.map(() => []);
  /** moduleCandidates by directory and module (files of one directory import the same modules). */
  const candidatesOf = new Map<string, string[]>();
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (!entry.file.path.endsWith('.py')) continue;
    const outcome = readSource(entry.file, maxBytes);
    entry.outcome = outcome;
    if (!('input' in outcome)) {
      entry.importsRead = true;
      continue;
    }
    const content = outcome.input.content;
    bytes += content.length;
    if (bytes > ORDER_BYTES) return entries;
    entry.importsRead = true;
    // The module's head, up to its first top-level `def` or `class` (in its first 64 KiB): where its imports are.
    const text = moduleHead(content);
    const dir = posix.dirname(entry.file.path);
    for (const module of pythonImports(text)) {
      const key = `${dir}\0${module}`;
      let candidates = candidatesOf.get(key);
      if (!candidates) candidatesOf.set(key, (candidates = moduleCandidates(entry.file.path, 'python', module)));
      for (const candidate of candidates) {
        const j = byPath.get(candidate);
        if (j !== undefined && j !== i) deps[i]!.push(j);
      }
    }
  }
  for (const list of deps) for (const j of list) entries[j]!.imported = true;
  const ordered: OrderedFile[] = [];
  const seen = new Uint8Array(entries.length);
  for (let root = 0; root < entries.length; root++) {
    if (seen[root]) continue;
    seen[root] = 1;
    // Iterative depth-first walk: [file, next dependency to look at].
    const stack: Array<[number, number]> = [[root, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = deps[top[0]]![top[1]++];
      if (next === undefined) {
        stack.pop();
        const entry = entries[top[0]]!;
        const before = deps[top[0]]!.filter((j) => seen[j] === 2).map((j) => entries[j]!);
        if (before.length > 0) entry.imports = before;
        seen[top[0]] = 2;
        ordered.push(entry);
      } else if (!seen[next]) {
        seen[next] = 1;
        stack.push([next, 0]);
      }
    }
  }
  return ordered;
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
  const ordered = importsFirst(files, options.maxFileBytes);
  // A file the others import keeps its table past its own analysis: their summaries do not parse it again.
  // With every Python file of the whole run read, a file none of them imports keeps its table only for its own analysis.
  const allRead = options.wholeRun === true && ordered.every((entry) => entry.importsRead === true || !entry.file.path.endsWith('.py'));
  engineOptions.effects?.expectImported(ordered.filter((entry) => entry.imported).map((entry) => entry.file.path), allRead);
  // The analyses not finished yet, by file. A file whose parse finished first still waits for the analysis of the
  // files it imports in the same parse-ahead window: their tables come from their own trees, not from a second parse.
  const analysing = new Map<OrderedFile, Promise<void>>();
  await forEachInWindow(ordered, PARSE_AHEAD, async (entry) => {
    const outcome = entry.outcome ?? readSource(entry.file, options.maxFileBytes);
    entry.outcome = undefined;
    if ('skip' in outcome) result.skipped.push(outcome.skip);
    else {
      const waits = (entry.imports ?? []).map((dep) => analysing.get(dep)).filter((p) => p !== undefined);
      let done!: () => void;
      analysing.set(entry, new Promise<void>((resolve) => (done = resolve)));
      try {
        const ready = waits.length > 0 ? Promise.all(waits).then(() => undefined) : undefined;
        mergeResults(result, await analyzeSourceAsync(outcome.input, options.config, engineOptions, ready));
      } finally {
        analysing.delete(entry);
        done();
      }
    }
    onFile?.();
  });
  return result;
}
