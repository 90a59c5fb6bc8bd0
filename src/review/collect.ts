// Stage 1 and 2: the change set (changed files with their hunks and head content) and the engine's findings.
import { analyzeSource } from '../analysis/engine.js';
import { languageForPath } from '../analysis/parse.js';
import { sharedAnalysisPool, type AnalysisPool } from '../analysis/worker-pool.js';
import { effectLimits, EffectIndex, GO_MODULE_DEPTH, goModulePath, moduleCandidates } from '../analysis/effects/index.js';
import { goBuildExcludes } from '../analysis/effects/go-build.js';
import { loadKnowledgeBase } from '../analysis/knowledge-base.js';
import { javaPackageOf, SharedSources, scanImports } from '../analysis/shared-sources.js';
import { t } from '../core/i18n.js';
import { applyPathOverrides, engineConfigFor } from '../config/overrides.js';
import type { CozeLoopConfig } from '../config/schema.js';
import type { FileNote, Finding, Locale, SkippedFile } from '../core/types.js';
import type { ChangeRequestRef, ChangedFile, FileContentsOptions, Platform } from '../platforms/platform.js';
import { posix } from 'node:path';
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

/** The changed files' contents at the head: one batched call where the host offers it, else 8 requests at a time. */
export async function fetchContents(platform: Platform, cr: ChangeRequestRef, paths: string[], options?: FileContentsOptions): Promise<Map<string, Buffer | null>> {
  if (paths.length === 0) return new Map();
  if (platform.getFileContents) return options ? platform.getFileContents(cr.repo, paths, cr.headSha, options) : platform.getFileContents(cr.repo, paths, cr.headSha);
  const contents = await mapLimit(paths, FETCH_CONCURRENCY, (path) => platform.getFileContent(cr.repo, path, cr.headSha));
  return new Map(paths.map((path, i) => [path, contents[i]!] as const));
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
  const contents = await fetchContents(platform, cr, wanted.map((f) => f.path));
  const fetched = wanted.map((file): ReviewFile | SkippedFile => {
    const content = contents.get(file.path) ?? null;
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

/** Files the changed ones import, fetched at the head commit for effect summaries (nothing is reported on them). */
export interface ContextFiles {
  files: Map<string, Buffer>;
  /** Imports the bound (effects.max_files, effects.max_depth) left unfetched. */
  cutOff: string[];
  /** Same-package `.go` files of changed Go files that effects.max_files left unfetched. */
  siblingsCutOff?: string[];
}

/** Directories listed per review for Go package siblings (one request each). */
const MAX_GO_DIRECTORIES = 16;
/** Batched reads per review for Go package siblings (the later ones only replace files a build constraint leaves out). */
const MAX_GO_SIBLING_READS = 3;

/**
 * The same-package files of the changed Go files: a Go call into another file of the package needs no import, and the
 * CLI resolves it from the disk (EffectIndex.goPackage). The bots list each changed Go file's directory at the head
 * (platform.listDirectory) and fetch its other non-test `.go` files into the context map, in one batched read where
 * the host offers it, within what `effects.max_files` leaves (`room`); a file whose build constraint leaves it out
 * of every build does not keep a place; the rest is returned as cut off.
 */
export async function collectGoSiblings(platform: Platform, cr: ChangeRequestRef, files: ReviewFile[], known: Set<string>, config: CozeLoopConfig, room: number): Promise<{ files: Map<string, Buffer>; cutOff: string[] }> {
  const dirs = [...new Set(files.filter((f) => f.path.endsWith('.go') && !f.path.endsWith('_test.go')).map((f) => posix.dirname(f.path)))].slice(0, MAX_GO_DIRECTORIES);
  return readGoPackages(platform, cr, dirs, known, config, room);
}

/** Imported packages of the repository's own Go module fetched per review (one listing each). */
const MAX_GO_IMPORTED_DIRECTORIES = 8;

/** The import paths of a Go file: `import "x"`, `import alias "x"` and the lines of `import ( ... )` blocks. */
function goImportPaths(text: string): string[] {
  const head = text.slice(0, 200_000);
  const out = new Set<string>();
  for (const block of head.matchAll(/^import\s*\(([\s\S]*?)^\)/gm)) for (const m of block[1]!.matchAll(/^\s*(?:[\w.]+\s+)?"([^"\n]+)"/gm)) out.add(m[1]!);
  for (const m of head.matchAll(/^import\s+(?:[\w.]+\s+)?"([^"\n]+)"/gm)) out.add(m[1]!);
  return [...out];
}

/**
 * The packages of the repository's own Go module that the changed Go files import (`example.com/app/internal/store`
 * from a module `example.com/app` → `<module root>/internal/store`): the CLI's effect summaries follow calls into
 * them from the disk (EffectIndex.goImportDir), so the bots fetch the module's `go.mod` (the nearest one walking up
 * from each changed file, read in one batched call) and each imported package's non-test `.go` files, at most
 * MAX_GO_IMPORTED_DIRECTORIES packages, within what `effects.max_files` leaves. The standard library and other
 * modules are never fetched. What the bound leaves out is returned as cut off.
 */
export async function collectGoImports(platform: Platform, cr: ChangeRequestRef, files: ReviewFile[], known: Set<string>, config: CozeLoopConfig, room: number): Promise<{ files: Map<string, Buffer>; cutOff: string[] }> {
  const out = { files: new Map<string, Buffer>(), cutOff: [] as string[] };
  const goFiles = files.filter((f) => f.path.endsWith('.go') && !f.path.endsWith('_test.go'));
  if (goFiles.length === 0 || room <= 0) return out;
  const ancestors = (dir: string): string[] => {
    const list: string[] = [];
    for (let at = dir, i = 0; i < GO_MODULE_DEPTH; i++) {
      list.push(at);
      const up = posix.dirname(at);
      if (up === at) break;
      at = up;
    }
    return list;
  };
  const modPath = (dir: string): string => (dir === '.' ? 'go.mod' : posix.join(dir, 'go.mod'));
  const candidates = [...new Set(goFiles.flatMap((f) => ancestors(posix.dirname(f.path)).map(modPath)))];
  const mods = await fetchContents(platform, cr, candidates).catch(() => new Map<string, Buffer | null>());
  const moduleOf = (dir: string): { root: string; path: string; file: string } | undefined => {
    for (const at of ancestors(dir)) {
      const content = mods.get(modPath(at));
      if (!content) continue;
      const module = goModulePath(content.toString('utf8'));
      return module ? { root: at, path: module, file: modPath(at) } : undefined;
    }
    return undefined;
  };
  const ownDirs = new Set(goFiles.map((f) => posix.dirname(f.path)));
  const dirs: string[] = [];
  const modFiles = new Set<string>();
  for (const file of goFiles) {
    const module = moduleOf(posix.dirname(file.path));
    if (!module) continue;
    for (const path of goImportPaths(file.content.toString('utf8'))) {
      if (!path.startsWith(`${module.path}/`)) continue;
      const rest = path.slice(module.path.length + 1);
      if (rest.split('/').some((s) => s === '' || s === '.' || s === '..')) continue;
      const dir = module.root === '.' ? rest : posix.join(module.root, rest);
      if (ownDirs.has(dir) || dirs.includes(dir)) continue;
      modFiles.add(module.file);
      if (dirs.length < MAX_GO_IMPORTED_DIRECTORIES) dirs.push(dir);
      else out.cutOff.push(path);
    }
  }
  if (dirs.length === 0) return out;
  // The module file goes along: the summaries map an import path to a directory through it.
  for (const file of modFiles) {
    if (known.has(file) || out.files.size >= room) continue;
    out.files.set(file, mods.get(file)!);
  }
  const read = await readGoPackages(platform, cr, dirs, known, config, room - out.files.size);
  for (const [path, content] of read.files) out.files.set(path, content);
  out.cutOff.push(...read.cutOff);
  return out;
}

/**
 * The non-test `.go` files of `dirs` at the head: one listing per directory (a failed listing leaves that package's
 * calls unresolved), then one batched read that takes what `room` allows; a file whose build constraint leaves it out
 * of every build gives its place to the next one, in at most MAX_GO_SIBLING_READS reads.
 */
async function readGoPackages(platform: Platform, cr: ChangeRequestRef, dirs: string[], known: Set<string>, config: CozeLoopConfig, room: number): Promise<{ files: Map<string, Buffer>; cutOff: string[] }> {
  const out = { files: new Map<string, Buffer>(), cutOff: [] as string[] };
  if (!platform.listDirectory) return out;
  const wanted: string[] = [];
  for (const dir of dirs) {
    const entries = await platform.listDirectory(cr.repo, cr.headSha, dir === '.' ? '' : dir).catch(() => []);
    for (const entry of entries) {
      if (entry.type !== 'file' || !entry.path.endsWith('.go') || entry.path.endsWith('_test.go') || known.has(entry.path)) continue;
      if (entry.size !== undefined && entry.size > config.max_file_bytes) continue;
      if (posix.dirname(entry.path) !== dir) continue;
      wanted.push(entry.path);
    }
  }
  let next = 0;
  for (let read = 0; read < MAX_GO_SIBLING_READS && next < wanted.length; read++) {
    const free = room - out.files.size;
    if (free <= 0) break;
    const batch = wanted.slice(next, next + free);
    next += batch.length;
    const contents = await fetchContents(platform, cr, batch).catch(() => new Map<string, Buffer | null>());
    for (const path of batch) {
      const content = contents.get(path);
      if (!content || content.length > config.max_file_bytes) continue;
      if (goBuildExcludes(content.toString('utf8'))) continue;
      out.files.set(path, content);
    }
  }
  out.cutOff.push(...wanted.slice(next));
  return out;
}

/**
 * The imports of one file: each module specifier, and for `from pkg import name` the submodule it may also be. A
 * line scan (scanImports), not a parse: this runs on the event loop, which only does I/O.
 */
function importsOf(path: string, content: Buffer): Array<{ module: string; submodule?: string; packageName?: string }> {
  const language = languageForPath(path);
  if (!language) return [];
  const text = content.toString('utf8');
  // Java imports resolve under the source root the file's package names.
  const packageName = language === 'java' ? javaPackageOf(text) : undefined;
  const out = new Map<string, { module: string; submodule?: string; packageName?: string }>();
  for (const entry of scanImports(language, text)) {
    if (!out.has(entry.module)) out.set(entry.module, packageName === undefined ? { module: entry.module } : { module: entry.module, packageName });
    for (const name of entry.names) {
      const sub = entry.module.endsWith('.') ? `${entry.module}${name}` : `${entry.module}.${name}`;
      if (!out.has(sub)) out.set(sub, { module: entry.module, submodule: sub });
    }
  }
  return [...out.values()];
}

/**
 * A Java import is the repository's own when it shares the file's package's first two segments (`com.acme.x.Foo`
 * from `com.acme.sync`); `java.util.List` or a library's class is never fetched. A bare type (same package) is.
 */
function ownJavaImport(module: string, packageName: string | undefined): boolean {
  if (!module.includes('.')) return true;
  if (packageName === undefined) return false;
  const org = packageName.split('.').slice(0, 2).join('.');
  return module.startsWith(`${org}.`);
}

/**
 * The files the changed files import (Python `import`/`from`, relative JS/TS `import`/`require`), and the files
 * those import, fetched at the head commit: breadth first, at most `effects.max_depth - 1` imports away and
 * `effects.max_files` files in all (each candidate path tried costs a request: at most 8 per file allowed).
 */
export async function collectContextFiles(platform: Platform, cr: ChangeRequestRef, files: ReviewFile[], config: CozeLoopConfig): Promise<ContextFiles> {
  const limits = effectLimits(config);
  const out: ContextFiles = { files: new Map(), cutOff: [] };
  if (!limits.enabled || limits.max_files === 0) return out;
  const known = new Set(files.map((f) => f.path));
  // A Python absolute import is the repository's own only when its first segment names a directory or module of
  // a changed file (`from app.db import x` next to `app/worker.py`); `import os` is never fetched.
  const segments = new Set(files.flatMap((f) => f.path.replace(/\.py$/, '').split('/')));
  const missing = new Set<string>();
  let requests = 0;
  const requestBudget = limits.max_files * 8;
  let frontier = files.map((f) => ({ path: f.path, content: f.content }));
  // Where the host batches reads, every candidate path of a level comes in one call first; the loop below then
  // tries candidates as before, from that answer, without a request each (on GitHub, 16 sequential reads of the
  // candidates for one missing `./db` became one GraphQL query).
  const prefetched = new Map<string, Buffer | null>();
  const read = (path: string): Promise<Buffer | null> =>
    prefetched.has(path) ? Promise.resolve(prefetched.get(path)!) : platform.getFileContent(cr.repo, path, cr.headSha).catch(() => null);
  for (let depth = 1; depth < limits.max_depth && frontier.length > 0; depth++) {
    if (platform.getFileContents) await prefetchCandidates(platform, cr, frontier, { known, missing, segments, prefetched, limit: requestBudget - requests });
    const next: Array<{ path: string; content: Buffer }> = [];
    for (const file of frontier) {
      const language = languageForPath(file.path);
      if (!language) continue;
      const ownExt = file.path.slice(file.path.lastIndexOf('.'));
      const found = new Set<string>();
      for (const entry of importsOf(file.path, file.content)) {
        const module = entry.submodule ?? entry.module;
        // A submodule is looked for only when its package module was not found (`from .pkg import name`).
        if (entry.submodule !== undefined && found.has(entry.module)) continue;
        if (language === 'python' && !module.startsWith('.') && !segments.has(module.split('.')[0]!)) continue;
        if (language === 'java' && !ownJavaImport(module, entry.packageName)) continue;
        const all = moduleCandidates(file.path, language, module, entry.packageName);
        if (all.some((c) => known.has(c))) {
          found.add(module);
          continue;
        }
        const candidates = all
          .filter((c) => !missing.has(c))
          // The importer's own extension first (`./db` from a .ts file is most likely db.ts); at most 4 tries.
          .sort((a, b) => Number(!a.endsWith(ownExt)) - Number(!b.endsWith(ownExt)))
          .slice(0, 4);
        if (candidates.length === 0) continue;
        if (out.files.size >= limits.max_files || requests >= requestBudget) {
          if (entry.submodule === undefined) out.cutOff.push(all[0]!);
          continue;
        }
        for (const candidate of candidates) {
          if (requests >= requestBudget) break;
          requests++;
          const content = await read(candidate);
          if (content === null || content.length > config.max_file_bytes) {
            missing.add(candidate);
            continue;
          }
          known.add(candidate);
          found.add(module);
          out.files.set(candidate, content);
          next.push({ path: candidate, content });
          break;
        }
      }
    }
    frontier = next;
  }
  const siblings = await collectGoSiblings(platform, cr, files, known, config, limits.max_files - out.files.size);
  for (const [path, content] of siblings.files) {
    out.files.set(path, content);
    known.add(path);
  }
  if (siblings.cutOff.length > 0) out.siblingsCutOff = siblings.cutOff;
  const imported = await collectGoImports(platform, cr, files, known, config, limits.max_files - out.files.size);
  for (const [path, content] of imported.files) out.files.set(path, content);
  out.cutOff.push(...imported.cutOff);
  return out;
}

/** Every path the imports of `frontier` may resolve to (not known, not already missing), read in one batched call. */
async function prefetchCandidates(
  platform: Platform,
  cr: ChangeRequestRef,
  frontier: Array<{ path: string; content: Buffer }>,
  state: { known: Set<string>; missing: Set<string>; segments: Set<string>; prefetched: Map<string, Buffer | null>; limit: number },
): Promise<void> {
  const wanted = new Set<string>();
  for (const file of frontier) {
    const language = languageForPath(file.path);
    if (!language) continue;
    for (const entry of importsOf(file.path, file.content)) {
      const module = entry.submodule ?? entry.module;
      if (language === 'python' && !module.startsWith('.') && !state.segments.has(module.split('.')[0]!)) continue;
      if (language === 'java' && !ownJavaImport(module, entry.packageName)) continue;
      const all = moduleCandidates(file.path, language, module, entry.packageName);
      if (all.some((c) => state.known.has(c))) continue;
      for (const candidate of all) if (!state.missing.has(candidate) && !state.prefetched.has(candidate)) wanted.add(candidate);
    }
  }
  const paths = [...wanted].slice(0, Math.max(0, state.limit));
  if (paths.length === 0 || !platform.getFileContents) return;
  // A failed batch leaves the loop to read file by file, as without batching.
  const contents = await platform.getFileContents(cr.repo, paths, cr.headSha).catch(() => null);
  if (contents) for (const path of paths) state.prefetched.set(path, contents.get(path) ?? null);
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

/**
 * Runs the engine per file; a file the engine cannot handle becomes a skip with a reason, never a crash. The
 * changed files and the context files (their imports at the head commit) feed the effect summaries.
 */
export function analyseChangeSet(files: ReviewFile[], config: CozeLoopConfig, locale: Locale = config.locale, context?: ContextFiles): ChangeSetAnalysis {
  const result: ChangeSetAnalysis = { files: [], skipped: [], notes: [] };
  // Per-path `overrides:`: the engine runs with everything some override may switch on, each finding is then judged
  // by its path's settings (paths are repository-relative, as the globs are).
  const engineConfig = engineConfigFor(config);
  const kb = loadKnowledgeBase(engineConfig);
  const contextFiles = new Map<string, string | Buffer>(context?.files ?? []);
  for (const file of files) contextFiles.set(file.path, file.content);
  const effects = new EffectIndex(kb, undefined, contextFiles);
  if (context && context.cutOff.length > 0) {
    const limits = effectLimits(config);
    result.notes.push({
      path: files[0]?.path ?? '',
      note: t(locale, 'engine.note.effects_cut', { count: context.cutOff.length, limit: limits.max_files, files: context.cutOff.slice(0, 5).join(', ') }),
    });
  }
  for (const file of files) {
    try {
      const analysis = analyzeSource({ path: file.path, content: file.content }, engineConfig, { locale, kb, effects });
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

export interface BudgetedReview {
  changeSet: ChangeSet;
  analysis: ChangeSetAnalysis;
  budget: ReviewBudget;
}

/**
 * The change set fetched and analysed file by file, within the review's budget (config `limits:`): at most
 * `max_files` files, `max_bytes` of content and `max_analysis_ms` of analysis in all, each file in the analysis pool's
 * worker threads with its deadline. The fetched files (at most `max_bytes`) and the files they import (at most
 * `effects.max_files`) are packed once into shared memory that every thread reads for effect summaries; after the
 * analysis a file's content is kept only while it has findings (the model refinement and the commands quote it). What the budget leaves out is a skip with a reason and a line of `budget.lines()`.
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
  // Fetch first (within max_bytes), then the files they import (effect summaries need a changed file's helpers
  // before any file is analysed), then analyse each file in the pool with all of them shared read-only.
  const fetched: Array<{ file: ChangedFile; content: Buffer; hunks: DiffHunk[] | null }> = [];
  // A large change is read from the head commit's archive where the host offers it; the summary says how (budget).
  const contents = await fetchContents(platform, cr, taken.map((f) => f.path), { onArchiveRead: (read) => (budget.archive = read) });
  for (const file of taken) {
    const content = contents.get(file.path) ?? null;
    if (content === null) {
      late.push({ path: file.path, reason: 'error', detail: `not found at ${cr.headSha.slice(0, 7)}` });
      continue;
    }
    if (content.length > config.max_file_bytes) {
      late.push({ path: file.path, reason: 'too-large' });
      continue;
    }
    budget.bytes += content.length;
    if (budget.bytes > limits.max_bytes) {
      // Left out; a smaller file after it may still fit.
      budget.bytes -= content.length;
      budget.overBytes++;
      late.push(budget.skip(file.path, `max_bytes ${limits.max_bytes}`));
      continue;
    }
    const hunks = hunksOf(file);
    if (hunks === null) late.push({ path: file.path, reason: 'no-patch' });
    fetched.push({ file, content, hunks });
  }
  contents.clear();
  const context = await collectContextFiles(
    platform,
    cr,
    fetched.map(({ file, content }) => ({ path: file.path, status: file.status, hunks: null, content })),
    config,
  );
  if (context.cutOff.length > 0 && fetched.length > 0) {
    analysis.notes.push({
      path: fetched[0]!.file.path,
      note: t(locale, 'engine.note.effects_cut', { count: context.cutOff.length, limit: effectLimits(config).max_files, files: context.cutOff.slice(0, 5).join(', ') }),
    });
  }
  const siblingsCut = context.siblingsCutOff ?? [];
  if (siblingsCut.length > 0 && fetched.length > 0) {
    analysis.notes.push({
      path: fetched.find(({ file }) => file.path.endsWith('.go'))?.file.path ?? fetched[0]!.file.path,
      note: t(locale, 'engine.note.siblings_cut', { count: siblingsCut.length, limit: effectLimits(config).max_files, files: siblingsCut.slice(0, 5).join(', ') }),
    });
  }
  const sources = new Map<string, Buffer>(context.files);
  for (const { file, content } of fetched) sources.set(file.path, content);
  const shared = effectLimits(config).enabled && sources.size > 1 ? SharedSources.pack(sources) : undefined;
  // Per-path `overrides:` (see analyseChangeSet).
  const engineConfig = engineConfigFor(config);
  sources.clear();
  await mapLimit(fetched, Math.max(1, pool.threads), async ({ file, content, hunks }) => {
    if (budget.analysisMs >= limits.max_analysis_ms) {
      budget.overTime++;
      late.push(budget.skip(file.path, `max_analysis_ms ${limits.max_analysis_ms}`));
      return;
    }
    // Time in a thread, not time queued behind the other files of this review.
    const result = await pool.analyze({ path: file.path, content }, engineConfig, { locale, timeoutMs: budget.nextDeadline(), context: shared, onRun: (ms) => (budget.analysisMs += ms) });
    result.findings = applyPathOverrides(result.findings, config, { cwd: '/' });
    const own = result.skipped.filter((s) => s.path === file.path);
    budget.timeouts += own.filter((s) => s.reason === 'timeout').length;
    // A file's content is kept only while it has findings (the model refinement and the commands quote it).
    const entry: ReviewFile = { path: file.path, status: file.status, hunks, content: result.findings.length > 0 ? content : Buffer.alloc(0) };
    files.push(entry);
    analysis.skipped.push(...result.skipped);
    analysis.notes.push(...result.notes);
    analysis.files.push({ file: entry, findings: result.findings, analysed: own.length === 0 });
  });
  fetched.length = 0;
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
