import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { FLAG_NAMES, parseArgs, UsageError } from '../../src/cli/args.js';
import { globMatcher, selectFiles } from '../../src/cli/files.js';
import { tree } from './harness.js';

describe('parseArgs', () => {
  it('reads every flag in both spellings', () => {
    expect(
      parseArgs([
        '--target', 'optimize', '--target=fix-bugs', '--file', 'src/*.py', '--exclude=gen/**', '--diff', 'origin/main',
        '--format', 'sarif', '-o', 'out.sarif', '--fail-on', 'error', '-c', 'cfg.yml', '--locale', 'zh-CN',
        '--max-file-bytes', '2048', '--no-progress', '--select', 'query-in-loop,fix-bugs', '--ignore=magic-interval',
        '--statistics', '--baseline', 'b.json', '--write-baseline', '--show-fixes', '--fix', '--unsafe-fixes', 'src', '--', '--weird-name.py',
      ]),
    ).toEqual({
      targets: ['optimize', 'fix-bugs'],
      files: ['src/*.py'],
      excludes: ['gen/**'],
      diff: 'origin/main',
      format: 'sarif',
      output: 'out.sarif',
      failOn: 'error',
      config: 'cfg.yml',
      locale: 'zh-CN',
      maxFileBytes: 2048,
      select: ['query-in-loop', 'fix-bugs'],
      ignore: ['magic-interval'],
      statistics: true,
      baseline: 'b.json',
      writeBaseline: true,
      showFixes: true,
      fix: true,
      fixDryRun: false,
      unsafeFixes: true,
      progress: false,
      help: false,
      version: false,
      paths: ['src', '--weird-name.py'],
    });
  });

  it('expands all and comma lists, in catalogue order', () => {
    expect(parseArgs(['--target', 'fix-bugs,optimize']).targets).toEqual(['optimize', 'fix-bugs']);
    expect(parseArgs(['--target', 'all']).targets).toEqual(['optimize', 'readability', 'fix-bugs']);
    expect(parseArgs([]).targets).toBeUndefined();
  });

  it('refuses unknown flags and values with a usage error', () => {
    const usage = (argv: string[]) => {
      try {
        parseArgs(argv);
      } catch (error) {
        return error instanceof UsageError ? [error.key, error.params] : error;
      }
      return undefined;
    };
    expect(usage(['--fromat', 'json'])).toEqual(['cli.usage.unknown-flag-hint', { flag: '--fromat', hint: '--format' }]);
    expect(usage(['-x'])).toEqual(['cli.usage.unknown-flag', { flag: '-x' }]);
    expect(usage(['--fail-on', 'critical'])).toEqual(['cli.usage.bad-value', { flag: '--fail-on', value: 'critical', allowed: 'none|info|warning|error' }]);
    expect(usage(['--diff'])).toEqual(['cli.usage.missing-value', { flag: '--diff' }]);
    expect(usage(['--help=yes'])).toEqual(['cli.usage.no-value', { flag: '--help' }]);
    expect(usage(['--target', ','])).toEqual(['cli.usage.missing-value', { flag: '--target' }]);
  });

  it('throws nothing but UsageError on arbitrary arguments', () => {
    const token = fc.oneof(fc.constantFrom(...FLAG_NAMES.map((f) => `--${f}`), '-o', '-c', '--', '-', 'all', 'json', '=', ''), fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(fc.array(token, { maxLength: 8 }), (argv) => {
        try {
          parseArgs(argv);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
        }
      }),
    );
  });
});

describe('file selection', () => {
  it('matches name globs anywhere and path globs from the working directory', () => {
    const match = globMatcher(['*.py', 'src/tasks/*.ts', 'legacy/']);
    expect(match('a/b/c.py')).toBe(true);
    expect(match('src/tasks/x.ts')).toBe(true);
    expect(match('src/tasks/deep/x.ts')).toBe(false);
    expect(match('legacy/old/x.js')).toBe(true);
    expect(match('x.js')).toBe(false);
  });

  it('walks directories with default excludes, sorted, without following symlinks', () => {
    const root = tree({
      'b.py': '', 'a/x.ts': '', 'a/x.d.ts': '', 'a/notes.md': '', 'node_modules/m/i.js': '', 'venv/lib/site.py': '',
      'pkg/dist/out.js': '', '.git/hooks/h.py': '', 'web/.hidden/z.js': '',
    });
    mkdirSync(join(root, 'loop'));
    symlinkSync(root, join(root, 'loop', 'back'));
    const selection = selectFiles({ cwd: root, paths: [], fileGlobs: [], excludeGlobs: [], includeGlobs: [] });
    expect(selection.files.map((f) => f.path)).toEqual(['a/x.ts', 'b.py', 'web/.hidden/z.js']);
    expect(selection.skipped).toEqual([]);
  });

  it('notes explicit files it cannot analyse and reports missing paths', () => {
    const root = tree({ 'a.py': '', 'notes.md': '', 'gen/g.py': '' });
    const selection = selectFiles({ cwd: root, paths: ['a.py', 'notes.md', 'gone.py', 'gen/g.py'], fileGlobs: [], excludeGlobs: ['gen/'], includeGlobs: [] });
    expect(selection.files.map((f) => f.path)).toEqual(['a.py']);
    expect(selection.skipped).toEqual([
      { path: 'notes.md', reason: 'unsupported-language' },
      { path: 'gen/g.py', reason: 'excluded' },
    ]);
    expect(selection.missing).toEqual(['gone.py']);
  });

  it('applies the config include list', () => {
    const root = tree({ 'src/a.py': '', 'scripts/b.py': '' });
    const selection = selectFiles({ cwd: root, paths: [], fileGlobs: [], excludeGlobs: [], includeGlobs: ['src/**'] });
    expect(selection.files.map((f) => f.path)).toEqual(['src/a.py']);
  });

  it('takes absolute globs, globs climbing out of the working directory, and reports paths relative to it when inside', () => {
    const root = tree({ 'proj/src/tasks/a.py': '', 'proj/src/tasks/b.py': '', 'proj/src/other/c.py': '', 'side/d.py': '', 'side/e.js': '' });
    const cwd = join(root, 'proj');
    const absolute = selectFiles({ cwd, paths: [], fileGlobs: [`${cwd}/src/tasks/*.py`], excludeGlobs: [], includeGlobs: [] });
    expect(absolute.files.map((f) => f.path)).toEqual(['src/tasks/a.py', 'src/tasks/b.py']);
    expect(absolute.unmatched).toEqual([]);
    const outside = selectFiles({ cwd, paths: [], fileGlobs: ['../side/*.py'], excludeGlobs: [], includeGlobs: [] });
    expect(outside.files.map((f) => f.path)).toEqual([join(root, 'side', 'd.py')]);
    const excluded = selectFiles({ cwd, paths: ['src', join(root, 'side')], fileGlobs: [], excludeGlobs: [`${cwd}/src/tasks/**`, `${root}/side/*.js`], includeGlobs: [] });
    expect(excluded.files.map((f) => f.path)).toEqual([join(root, 'side', 'd.py'), 'src/other/c.py']);
  });

  it('reports a --file glob or a quoted PATH glob that matches no file, and expands a PATH glob that does', () => {
    const root = tree({ 'src/a.py': '', 'src/deep/b.py': '', 'docs/x.md': '' });
    const none = selectFiles({ cwd: root, paths: [], fileGlobs: ['src/*.py', 'lib/**/*.py', '*.rb'], excludeGlobs: [], includeGlobs: [] });
    expect(none.files.map((f) => f.path)).toEqual(['src/a.py']);
    expect(none.unmatched).toEqual(['lib/**/*.py', '*.rb']);
    const pathGlob = selectFiles({ cwd: root, paths: [`${root}/src/**/*.py`, 'nothing/*.py'], fileGlobs: [], excludeGlobs: [], includeGlobs: [] });
    expect(pathGlob.files.map((f) => f.path)).toEqual(['src/a.py', 'src/deep/b.py']);
    expect(pathGlob.unmatched).toEqual(['nothing/*.py']);
    expect(pathGlob.missing).toEqual([]);
  });
});
