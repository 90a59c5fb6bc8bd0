import { describe, it, expect } from '@jest/globals';
import {
  dedentText,
  detectIndentUnit,
  hasMultilineString,
  indentText,
  lineEndOffset,
  lineOfOffset,
  lineStartOffset,
  reindentText,
  rewriteLines,
} from '../../src/fixes/lines.js';

describe('rewriteLines', () => {
  const source = 'a = 1\nfor i in range(len(xs)):\n    print(xs[i])\nb = 2\n';

  it('widens character edits to the whole lines they touch', () => {
    const header = source.indexOf('i in range(len(xs))');
    const use = source.indexOf('xs[i]');
    const rewrite = rewriteLines(source, [
      { start: use, end: use + 'xs[i]'.length, text: 'x' },
      { start: header, end: header + 'i in range(len(xs))'.length, text: 'x in xs' },
    ]);
    expect(rewrite).toEqual({ startLine: 2, endLine: 3, code: 'for x in xs:\n    print(x)' });
  });

  it('keeps CRLF sources line-addressable and returns LF code', () => {
    const crlf = 'x = 1\r\ny = 2\r\n';
    const at = crlf.indexOf('2');
    expect(rewriteLines(crlf, [{ start: at, end: at + 1, text: '3' }])).toEqual({ startLine: 2, endLine: 2, code: 'y = 3' });
  });

  it('refuses overlapping edits and empty edit lists', () => {
    expect(() => rewriteLines(source, [])).toThrow(/no edits/);
    expect(() => rewriteLines(source, [{ start: 0, end: 5, text: '' }, { start: 3, end: 6, text: '' }])).toThrow(/overlapping/);
  });
});

describe('offsets', () => {
  it('maps lines and offsets both ways', () => {
    const source = 'ab\ncd\n\nef';
    expect(lineStartOffset(source, 2)).toBe(3);
    expect(lineEndOffset(source, 2)).toBe(5);
    expect(lineOfOffset(source, 8)).toBe(4);
    expect(lineEndOffset(source, 4)).toBe(source.length);
  });
});

describe('indentation', () => {
  it('detects the dominant indent step', () => {
    expect(detectIndentUnit('def f():\n  if x:\n    y()\n  z()\n', 'python')).toBe('  ');
    expect(detectIndentUnit('x = 1\n', 'python')).toBe('    ');
    expect(detectIndentUnit('f();\n', 'typescript')).toBe('  ');
    expect(detectIndentUnit('if (a) {\n\tb();\n}\n', 'javascript')).toBe('\t');
  });

  it('dedents, indents and re-indents blocks preserving relative indentation and blank lines', () => {
    const block = '        if x:\n            y()\n\n        z()';
    expect(dedentText(block)).toBe('if x:\n    y()\n\nz()');
    expect(indentText('a\n\nb', '  ')).toBe('  a\n\n  b');
    expect(reindentText(block, '    ')).toBe('    if x:\n        y()\n\n    z()');
  });

  it('spots multi-line strings that must not be re-indented', () => {
    expect(hasMultilineString('x = """\nkeep\n"""')).toBe(true);
    expect(hasMultilineString('x = `\nkeep\n`')).toBe(true);
    expect(hasMultilineString('x = "one line"')).toBe(false);
  });
});
