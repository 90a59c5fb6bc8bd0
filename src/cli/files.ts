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
  return sep === '/' ? path : path.split(sep).join('/');
}

/**
 * A glob without a `/` matches the file name anywhere (`*.py`), like .gitignore; with a `/` it matches the path
 * relative to the working directory. A directory glob (`legacy/`, `legacy/**`) matches everything below it.
 */
export function globMatcher(globs: string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const matchers = globs.map((raw) => {
    let glob = raw.replace(/\\/g, '/').replace(/^\.\//, '');
    if (glob.endsWith('/')) glob += '**';
    const basename = !glob.includes('/');
    const whole = picomatch(glob, { dot: true, basename });
    const below = picomatch(`${glob}/**`, { dot: true });
    return (path: string) => whole(path) || below(path);
  });
  return (path) => matchers.some((match) => match(path));
}

function listDirectory(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

export function selectFiles(options: SelectOptions): FileSelection {
  const { cwd } = options;
  const onlyFiles = options.fileGlobs.length > 0 ? globMatcher(options.fileGlobs) : undefined;
  const excluded = globMatcher(options.excludeGlobs);
  const included = options.includeGlobs.length > 0 ? globMatcher(options.includeGlobs) : undefined;
  const files = new Map<string, SourceFile>();
  const skipped: SkippedFile[] = [];
  const missing: string[] = [];

  const accept = (absolute: string, explicit: boolean): void => {
    const path = toReportPath(cwd, absolute);
    if (files.has(path)) return;
    if (excluded(path)) {
      if (explicit) skipped.push({ path, reason: 'excluded' });
      return;
    }
    if (onlyFiles && !onlyFiles(path)) return;
    if (included && !included(path)) {
      if (explicit) skipped.push({ path, reason: 'excluded' });
      return;
    }
    if (!languageForPath(path)) {
      // Walking a directory meets READMEs and images: only a file the user named is worth a note.
      if (explicit) skipped.push({ path, reason: 'unsupported-language' });
      return;
    }
    files.set(path, { absolute, path });
  };

  const walk = (dir: string): void => {
    const entries = listDirectory(dir).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const absolute = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (DEFAULT_EXCLUDED_DIRS.has(entry.name)) continue;
        const rel = toReportPath(cwd, absolute);
        if (excluded(rel)) continue;
        walk(absolute);
      } else if (entry.isFile()) {
        accept(absolute, false);
      }
      // Symbolic links are not followed while walking: they can form cycles and point outside the tree.
    }
  };

  const roots = options.paths.length > 0 ? options.paths : ['.'];
  for (const root of roots) {
    const absolute = resolve(cwd, root);
    let stats;
    try {
      stats = statSync(absolute);
    } catch {
      missing.push(root);
      continue;
    }
    if (stats.isDirectory()) walk(absolute);
    else if (stats.isFile()) accept(absolute, true);
    else skipped.push({ path: toReportPath(cwd, absolute), reason: 'unsupported-language', detail: 'not a regular file' });
  }
  const sorted = [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files: sorted, skipped, missing };
}
