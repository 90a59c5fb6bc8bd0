import { describe, expect, it } from '@jest/globals';
import { grammarFor, languageForPath, parseSource, parseWithBudget, parsesCleanly } from '../../src/analysis/parse.js';

describe('languageForPath', () => {
  it.each([
    ['worker.py', 'python'],
    ['stubs/types.pyi', 'python'],
    ['a/b.js', 'javascript'],
    ['x.mjs', 'javascript'],
    ['x.cjs', 'javascript'],
    ['Component.jsx', 'javascript'],
    ['src/app.ts', 'typescript'],
    ['x.mts', 'typescript'],
    ['x.cts', 'typescript'],
    ['View.tsx', 'tsx'],
    ['UPPER.PY', 'python'],
  ])('%s → %s', (path, language) => {
    expect(languageForPath(path)).toBe(language);
  });

  it.each(['README.md', 'main.rs', 'types.d.ts', 'x.d.mts', 'Makefile', 'dir.py/file', '.py.bak'])('%s is not analysed', (path) => {
    expect(languageForPath(path)).toBeUndefined();
  });
});

describe('parseSource', () => {
  it('parses each language with its grammar', () => {
    expect(parseSource('python', 'while True:\n    pass\n').rootNode.firstNamedChild?.type).toBe('while_statement');
    expect(parseSource('javascript', 'for (;;) {}').rootNode.firstNamedChild?.type).toBe('for_statement');
    expect(parseSource('typescript', 'let x: number = 1;').rootNode.hasError).toBe(false);
    expect(parseSource('tsx', 'const a = <div>{x as any}</div>;').rootNode.hasError).toBe(false);
  });

  it('reuses one parser per language (grammars are the same objects)', () => {
    expect(grammarFor('typescript')).toBe(grammarFor('typescript'));
    expect(grammarFor('typescript')).not.toBe(grammarFor('tsx'));
  });

  it('returns a tree with error nodes for code that does not parse', () => {
    const tree = parseSource('python', 'def f(:\n  return )\n');
    expect(parsesCleanly(tree)).toBe(false);
  });

  it('gives up on a parse that exceeds its time budget, and the next parse starts clean', () => {
    const big = 'x = [' + '1, '.repeat(400_000) + ']\n';
    expect(parseWithBudget('python', big, { timeoutMs: 0 })).toBeUndefined();
    const tree = parseWithBudget('python', 'y = 2\n', { timeoutMs: 5_000 });
    expect(tree?.rootNode.text).toBe('y = 2\n');
    expect(tree && parsesCleanly(tree)).toBe(true);
  });
});
