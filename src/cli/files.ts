// Which files a CLI run looks at: positional paths (files or directories, walked with default excludes), narrowed by
// `--file` globs, `--exclude` globs and the config's include/exclude. Paths are reported relative to the working
// directory with `/` separators, on every OS.
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { languageForPath } from '../analysis/parse.js';
import type { SkippedFile } from '../core/types.js';

/** Directory names never walked into: dependencies, VCS data, build output, virtualenvs. */
export const DEFAULT_EXCLUDED_DIRS = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  'vendor',
  'dist',
  'build',
  'venv',
  '.venv',
  'site-packages',
  '__pycache__',
  '.tox',
  '.mypy_cache',
]);

export interface SourceFile {
  /** Absolute path on disk. */
  absolute: string;
  /** Path as reported: relative to cwd, `/`-separated (absolute when outside cwd). */
  path: string;
}

export interface FileSelection {
  files: SourceFile[];
  skipped: SkippedFile[];
  /** Positional paths that do not exist. */
  missing: string[];
  /** `--file` globs, and PATHs given as globs, that match no file. */
  unmatched: string[];
}

export interface SelectOptions {
  cwd: string;
  paths: string[];
  /** `--file` globs: when present, only matching files. */
  fileGlobs: string[];
  /** `--exclude` globs plus the config's `exclude`. */
  excludeGlobs: string[];
  /** The config's `include`: when non-empty, only matching files. */
  includeGlobs: string[];
}

export function toReportPath(cwd: string, absolute: string): string {
  const rel = relative(cwd, absolute);
  const path = rel === '' || rel.startsWith('..') || isAbsolute(rel) ? absolute : rel;
  return toSlashes(path);
}

function toSlashes(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** Glob syntax picomatch gives a meaning to: a directory name taken from the disk must match itself. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]{}()!+@\\]/g, '\\$&');
}

const LEADING_PARENTS = /^(?:\.\.\/)+/;

interface Glob {
  /** As given, for messages. */
  raw: string;
  /** Anchored at the file system root: matched against the absolute path instead of the reported one. */
  absolute: boolean;
  match: (path: string) => boolean;
  /** Directory below which every match lies (absolute), for walking only what the glob can reach. */
  base: string;
}

/**
 * Parses one glob. Without a `/` it matches the file name anywhere (`*.py`), like .gitignore; with a `/` it matches
 * the path relative to the working directory; an absolute glob (`$CI_PROJECT_DIR/src/*.py`) or one climbing out with
 * `../` matches the absolute path, so files outside the working directory can be named too. A directory glob
 * (`legacy/`, `legacy/**`) matches everything below it.
 */
function parseGlob(raw: string, cwd: string): Glob {
  let glob = raw.replace(/\\/g, '/').replace(/^(?:\.\/)+/, '');
  if (glob.endsWith('/') && glob.length > 1) glob += '**';
  const parents = LEADING_PARENTS.exec(glob)?.[0];
  if (parents) glob = `${escapeGlob(toSlashes(resolve(cwd, parents))).replace(/\/$/, '')}/${glob.slice(parents.length)}`;
  const absolute = isAbsolute(glob) || /^[A-Za-z]:\//.test(glob);
  const basename = !glob.includes('/');
  const whole = picomatch(glob, { dot: true, basename, windows: false });
  const below = picomatch(`${glob.replace(/\/$/, '')}/**`, { dot: true, windows: false });
  const scanned = picomatch.scan(glob);
  // scan() keeps the escapes of the static part; the directory on disk has none.
  const staticPart = scanned.isGlob ? scanned.base : glob;
  const base = resolve(absolute ? '/' : cwd, staticPart.replace(/\\(.)/g, '$1') || '.');
  return { raw, absolute, match: (path) => whole(path) || below(path), base: basename ? cwd : base };
}

/** Matches a reported path (and, for absolute globs, the absolute path) against any of `globs`. */
export function globMatcher(globs: string[], cwd = process.cwd()): (path: string, absolute?: string) => boolean {
  if (globs.length === 0) return () => false;
  const parsed = globs.map((raw) => parseGlob(raw, cwd));
  return (path, absolute) => parsed.some((glob) => glob.match(glob.absolute ? toSlashes(absolute ?? resolve(cwd, path)) : path));
}

/** Whether a command-line PATH that does not exist is meant as a glob (`'src/**\/*.py'` quoted past the shell). */
export function isGlobPattern(text: string): boolean {
  return picomatch.scan(text.replace(/\\/g, '/')).isGlob;
}

function listDirectory(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Drops roots that lie inside another root: walking both would only walk the inner one twice. */
function outermost(roots: string[]): string[] {
  const sorted = [...new Set(roots)].sort();
  const kept: string[] = [];
  for (const root of sorted) {
    const last = kept[kept.length - 1];
    if (last !== undefined) {
      const rel = relative(last, root);
      if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) continue;
    }
    kept.push(root);
  }
  return kept;
}

export function selectFiles(options: SelectOptions): FileSelection {
  const { cwd } = options;
  const fileGlobs = options.fileGlobs.map((raw) => parseGlob(raw, cwd));
  const matchedGlobs = new Set<Glob>();
  const excluded = globMatcher(options.excludeGlobs, cwd);
  const included = options.includeGlobs.length > 0 ? globMatcher(options.includeGlobs, cwd) : undefined;
  const files = new Map<string, SourceFile>();
  const skipped: SkippedFile[] = [];
  const missing: string[] = [];
  const unmatched: string[] = [];

  const matches = (glob: Glob, path: string, absolute: string): boolean => glob.match(glob.absolute ? toSlashes(absolute) : path);

  /** `only`: the glob a PATH given as a pattern stands for; the file must match it. */
  const accept = (absolute: string, explicit: boolean, only?: Glob): boolean => {
    const path = toReportPath(cwd, absolute);
    if (only && !matches(only, path, absolute)) return false;
    if (fileGlobs.length > 0) {
      let any = false;
      for (const glob of fileGlobs) {
        if (matches(glob, path, absolute)) {
          matchedGlobs.add(glob);
          any = true;
        }
      }
      if (!any) return false;
    }
    if (files.has(path)) return true;
    if (excluded(path, absolute)) {
      if (explicit) skipped.push({ path, reason: 'excluded' });
      return true;
    }
    if (included && !included(path, absolute)) {
      if (explicit) skipped.push({ path, reason: 'excluded' });
      return true;
    }
    if (!languageForPath(path)) {
      // Walking a directory meets READMEs and images: only a file the user named is worth a note.
      if (explicit) skipped.push({ path, reason: 'unsupported-language' });
      return true;
    }
    files.set(path, { absolute, path });
    return true;
  };

  /** Walks `dir`; returns whether any file was accepted (matched the globs in force). */
  const walk = (dir: string, only?: Glob): boolean => {
    let found = false;
    const entries = listDirectory(dir).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const absolute = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (DEFAULT_EXCLUDED_DIRS.has(entry.name)) continue;
        const rel = toReportPath(cwd, absolute);
        if (excluded(rel, absolute)) continue;
        if (walk(absolute, only)) found = true;
      } else if (entry.isFile()) {
        if (accept(absolute, only !== undefined, only)) found = true;
      }
      // Symbolic links are not followed while walking: they can form cycles and point outside the tree.
    }
    return found;
  };

  // Without PATHs, `--file` globs say where to look: each is walked from its fixed leading directories, so an
  // absolute glob or one outside the working directory finds its files.
  const roots = options.paths.length > 0 ? options.paths : fileGlobs.length > 0 ? outermost(fileGlobs.map((g) => g.base)) : ['.'];
  for (const root of roots) {
    const absolute = resolve(cwd, root);
    let stats;
    try {
      stats = statSync(absolute);
    } catch {
      if (options.paths.length > 0 && isGlobPattern(root)) {
        const glob = parseGlob(root, cwd);
        if (!isDirectory(glob.base) || !walk(glob.base, glob)) unmatched.push(root);
      } else if (options.paths.length > 0) {
        missing.push(root);
      }
      // A `--file` glob's base that does not exist is reported below, as that glob matching nothing.
      continue;
    }
    if (stats.isDirectory()) walk(absolute);
    else if (stats.isFile()) accept(absolute, true);
    else skipped.push({ path: toReportPath(cwd, absolute), reason: 'unsupported-language', detail: 'not a regular file' });
  }
  for (const glob of fileGlobs) if (!matchedGlobs.has(glob)) unmatched.push(glob.raw);
  const sorted = [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files: sorted, skipped, missing, unmatched };
}
