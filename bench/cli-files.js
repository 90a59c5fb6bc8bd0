// File sets for the CLI benchmarks, collected the way the CLI walks a tree so that every tool sees the same files.
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** Directory names the CLI never walks into (src/cli/files.ts). */
export const CLI_EXCLUDED_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'vendor', 'dist', 'build', 'venv', '.venv', 'site-packages', '__pycache__', '.tox', '.mypy_cache']);

export function walk(root, { skipDirs, accept }) {
  const out = [];
  const visit = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skipDirs.has(entry.name)) visit(path);
      } else if (entry.isFile() && accept(path)) {
        out.push(path);
      }
    }
  };
  visit(root);
  return out;
}

/** Python standard library minus its test suites and third-party packages, as the issue defines the corpus. */
export function pythonStdlibFiles(stdlib, maxBytes) {
  const skipDirs = new Set([...CLI_EXCLUDED_DIRS, 'test', 'tests', 'idle_test']);
  return walk(stdlib, { skipDirs, accept: (p) => /\.pyi?$/.test(p) && statSync(p).size <= maxBytes });
}

/**
 * JavaScript from this repository's node_modules, copied into a scratch tree: packages keep their code under
 * dist/ and build/, which the CLI skips by default, so the copy renames those segments. Minified bundles are left
 * out (nobody reviews them).
 */
export function javascriptTree(nodeModules, scratch, { maxBytes, limit }) {
  const files = walk(nodeModules, {
    skipDirs: new Set(['.bin', '.cache', 'test', 'tests', '__tests__']),
    accept: (p) => /\.(c|m)?js$/.test(p) && !/\.min\.js$/.test(p) && statSync(p).size <= maxBytes && statSync(p).size > 0,
  }).slice(0, limit);
  const copies = [];
  for (const file of files) {
    const rel = relative(nodeModules, file)
      .split(sep)
      .map((segment, i, all) => (i < all.length - 1 && CLI_EXCLUDED_DIRS.has(segment) ? `${segment}_` : segment))
      .join(sep);
    const target = join(scratch, rel);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
    copies.push(target);
  }
  return copies;
}
