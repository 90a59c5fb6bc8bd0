// Repository globs are input from whoever edits the config: matched in linear time, or refused naming the key.
import { describe, expect, it } from '@jest/globals';
import picomatch from 'picomatch';
import { compileGlobs, globProblem, apiPatternProblem } from '../../src/config/glob.js';
import { parseBotConfig } from '../../src/review/bot-config.js';
import { pathFilter } from '../../src/review/file-filter.js';

const PATHS = [
  'a.py',
  'src/a.py',
  'src/legacy/old.py',
  'src/legacy',
  'migrations/0001_init.py',
  'pkg/sub/deep/x.test.js',
  '.github/workflows/ci.yml',
  'docs/a.md',
  'src/{weird}.py',
  'lib/[x].js',
  'a/b/c/d.ts',
];

const PATTERNS = [
  '*.py',
  '**/*.py',
  'src/**',
  'src/legacy/**',
  'migrations/**',
  '**/*.test.js',
  '**/*.{js,ts}',
  'src/*.py',
  '.github/**',
  'a/**/d.ts',
  'a/*/c/*.ts',
  '**/[a-c].py',
  'src/?.py',
  'docs/**/*.md',
  '**',
  'src/\\{weird\\}.py',
  'lib/\\[x\\].js',
];

describe('compileGlobs', () => {
  it('agrees with picomatch (dot: true) on the patterns configs use', () => {
    for (const pattern of PATTERNS) {
      const ours = compileGlobs([pattern]);
      const theirs = picomatch(pattern, { dot: true });
      for (const path of PATHS) expect([pattern, path, ours(path)]).toEqual([pattern, path, theirs(path)]);
    }
  });

  it('negates a class with ! or ^, as bash does', () => {
    expect(compileGlobs(['**/[!a].py'])('src/b.py')).toBe(true);
    expect(compileGlobs(['**/[!a].py'])('src/a.py')).toBe(false);
    expect(compileGlobs(['[^a].py'])('a.py')).toBe(false);
  });

  it('runs `**/*a*a*a*a*a*a*a*a*a*b` against long names in linear time', () => {
    const match = compileGlobs(['**/*a*a*a*a*a*a*a*a*a*b']);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) expect(match(`dir/${'a'.repeat(4000)}c`)).toBe(false);
    expect(match(`dir/${'a'.repeat(4000)}b`)).toBe(true);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // A backtracking regex takes seconds per name here; the automaton does 4,000 steps of 21 states.
    expect(ms).toBeLessThan(2_000);
  });

  it('refuses patterns over the limits with a reason', () => {
    expect(globProblem('src/**/*.py')).toBeUndefined();
    expect(globProblem('**/*a*a*a*a*a*a*a*a*a*b')).toMatch(/more than 3 \* wildcards in one path segment/);
    expect(globProblem('x'.repeat(600))).toMatch(/longer than 512/);
    expect(globProblem('{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}')).toMatch(/alternatives/);
    expect(apiPatternProblem('external_api.*')).toBeUndefined();
    expect(apiPatternProblem('*a*a*a*a')).toMatch(/more than 3/);
  });
});

describe('repository config on the bot side', () => {
  it('names the key of a glob that is too complex', () => {
    expect(() => parseBotConfig('exclude:\n  - "docs/**"\n  - "**/*a*a*a*a*a*a*a*a*a*b"\n')).toThrow(/exclude(\[1\]|\.1).*pattern too complex/);
    expect(() => parseBotConfig('apis:\n  http: ["*a*a*a*a*b"]\n')).toThrow(/apis\.http(\[0\]|\.0).*pattern too complex/);
  });

  it('refuses a config larger than the CLI cap before parsing it', () => {
    const huge = `exclude:\n${'  - "docs/**"\n'.repeat(1_500_000)}`;
    const started = Date.now();
    expect(() => parseBotConfig(huge)).toThrow(/larger than 262144 bytes/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('filters review paths with the linear matcher', () => {
    const filter = pathFilter(parseBotConfig('include: ["src/**"]\nexclude: ["src/legacy/**"]\n'));
    expect(filter('src/a.py')).toBeNull();
    expect(filter('src/legacy/x.py')).toBe('excluded');
    expect(filter('tools/x.py')).toBe('excluded');
  });
});
