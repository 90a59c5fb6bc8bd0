import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { addedLines, commentableLines, hunkContaining, oldLineFor, parsePatch, parseUnifiedDiff } from '../../src/diff/index.js';

const GIT_DIFF = [
  'diff --git a/src/worker.py b/src/worker.py',
  'index 83db48f..bf269f4 100644',
  '--- a/src/worker.py',
  '+++ b/src/worker.py',
  '@@ -1,4 +1,6 @@',
  ' import time',
  '-import os',
  '+import requests',
  '+',
  ' ',
  ' def run():',
  '+    while True:',
  '@@ -10,2 +12,3 @@ def other():',
  '     a = 1',
  '-    b = 2',
  '+    b = 3',
  '+    c = 4',
  '\\ No newline at end of file',
  'diff --git a/old name.js b/new name.js',
  'similarity index 90%',
  'rename from old name.js',
  'rename to new name.js',
  'index 1111111..2222222 100644',
  '--- a/old name.js',
  '+++ b/new name.js',
  '@@ -3 +3 @@',
  '-const x = 1;',
  '+const x = 2;',
  'diff --git a/pure-rename.ts b/moved/pure-rename.ts',
  'similarity index 100%',
  'rename from pure-rename.ts',
  'rename to moved/pure-rename.ts',
  'diff --git a/new.py b/new.py',
  'new file mode 100644',
  'index 0000000..e69de29',
  '--- /dev/null',
  '+++ b/new.py',
  '@@ -0,0 +1,2 @@',
  '+-- not a header, an added line starting with dashes',
  '+x = 1',
  'diff --git a/gone.py b/gone.py',
  'deleted file mode 100644',
  'index e69de29..0000000',
  '--- a/gone.py',
  '+++ /dev/null',
  '@@ -1,2 +0,0 @@',
  '--- removed line that looks like a header',
  '-y = 2',
  'diff --git a/logo.png b/logo.png',
  'index 1234567..89abcde 100644',
  'Binary files a/logo.png and b/logo.png differ',
  'diff --git a/empty.txt b/empty.txt',
  'new file mode 100644',
  'index 0000000..e69de29',
  'diff --git "a/caf\\303\\251.py" "b/caf\\303\\251.py"',
  'index 1..2 100644',
  '--- "a/caf\\303\\251.py"',
  '+++ "b/caf\\303\\251.py"',
  '@@ -1 +1 @@',
  '-a',
  '+b',
  '',
].join('\n');

describe('parseUnifiedDiff', () => {
  const files = parseUnifiedDiff(GIT_DIFF);

  it('splits files and reads their status and paths', () => {
    expect(files.map((f) => [f.status, f.oldPath, f.newPath, f.binary])).toEqual([
      ['modified', 'src/worker.py', 'src/worker.py', false],
      ['renamed', 'old name.js', 'new name.js', false],
      ['renamed', 'pure-rename.ts', 'moved/pure-rename.ts', false],
      ['added', undefined, 'new.py', false],
      ['removed', 'gone.py', undefined, false],
      ['modified', 'logo.png', 'logo.png', true],
      ['added', undefined, 'empty.txt', false],
      ['modified', 'café.py', 'café.py', false],
    ]);
  });

  it('numbers lines on both sides and skips the no-newline marker', () => {
    const [worker] = files;
    expect(worker!.hunks).toHaveLength(2);
    expect(worker!.hunks[0]).toMatchObject({ oldStart: 1, oldLines: 4, newStart: 1, newLines: 6 });
    expect(worker!.hunks[0]!.lines).toEqual([
      { kind: 'context', oldLine: 1, newLine: 1, text: 'import time' },
      { kind: 'del', oldLine: 2, text: 'import os' },
      { kind: 'add', newLine: 2, text: 'import requests' },
      { kind: 'add', newLine: 3, text: '' },
      { kind: 'context', oldLine: 3, newLine: 4, text: '' },
      { kind: 'context', oldLine: 4, newLine: 5, text: 'def run():' },
      { kind: 'add', newLine: 6, text: '    while True:' },
    ]);
    expect(worker!.hunks[1]!.lines.map((l) => l.kind)).toEqual(['context', 'del', 'add', 'add']);
    expect([...addedLines(worker!.hunks)]).toEqual([2, 3, 6, 13, 14]);
  });

  it('treats dashed lines inside a hunk as content, not as headers', () => {
    const added = files[3]!;
    expect(added.hunks[0]!.lines.map((l) => l.text)).toEqual(['-- not a header, an added line starting with dashes', 'x = 1']);
    const removed = files[4]!;
    expect(removed.hunks[0]!.lines).toEqual([
      { kind: 'del', oldLine: 1, text: '-- removed line that looks like a header' },
      { kind: 'del', oldLine: 2, text: 'y = 2' },
    ]);
    expect(files[2]!.hunks).toEqual([]);
  });

  it('accepts plain diffs without git headers and CRLF line ends', () => {
    const plain = parseUnifiedDiff('--- a/x.py\r\n+++ b/x.py\r\n@@ -1 +1,2 @@\r\n a\r\n+b\r\n');
    expect(plain).toHaveLength(1);
    expect(plain[0]!.newPath).toBe('x.py');
    expect([...addedLines(plain[0]!.hunks)]).toEqual([2]);
  });
});

describe('parsePatch and line helpers', () => {
  const hunks = parsePatch('@@ -5,3 +5,4 @@ def f():\n a\n-b\n+c\n+d\n e\n@@ -20,2 +21,2 @@\n x\n-y\n+z');

  it('parses a GitHub patch field', () => {
    expect(hunks).toHaveLength(2);
    expect([...addedLines(hunks)]).toEqual([6, 7, 22]);
  });

  it('lists commentable lines per mode', () => {
    expect([...(commentableLines(hunks, 'added') as Set<number>)]).toEqual([6, 7, 22]);
    expect([...(commentableLines(hunks, 'context') as Set<number>)].sort((a, b) => a - b)).toEqual([5, 6, 7, 8, 21, 22]);
    expect(commentableLines(hunks, 'file')).toBe('all');
  });

  it('finds the hunk holding a whole range', () => {
    expect(hunkContaining(hunks, 5, 8)).toBe(hunks[0]);
    expect(hunkContaining(hunks, 21, 22)).toBe(hunks[1]);
    expect(hunkContaining(hunks, 7, 21)).toBeUndefined();
    expect(hunkContaining(hunks, 4, 6)).toBeUndefined();
    expect(hunkContaining(hunks, 9, 9)).toBeUndefined();
  });

  it('maps unchanged lines back to the old side', () => {
    expect(oldLineFor(hunks, 8)).toBe(7);
    expect(oldLineFor(hunks, 6)).toBeUndefined();
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 400 }), (text) => {
        parseUnifiedDiff(text);
        parsePatch(text);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom('@@ -1,2 +1,3 @@', '+a', '-b', ' c', '\\ No newline at end of file', 'diff --git a/x b/x', '--- a/x', '+++ b/x', ''), { maxLength: 40 }), (lines) => {
        const hunks = parsePatch(lines.join('\n'));
        for (const line of addedLines(hunks)) expect(line).toBeGreaterThan(0);
      }),
    );
  });
});

describe('round trip', () => {
  type Op = { kind: 'add' | 'del' | 'context'; text: string };
  const line = fc.string({ maxLength: 12 }).filter((s) => !s.includes('\n') && !s.includes('\r'));
  const hunk = fc.array(fc.record({ kind: fc.constantFrom<Op['kind']>('add', 'del', 'context'), text: line }), { minLength: 1, maxLength: 12 });

  it('parses back exactly what a well-formed patch says, whatever the line contents', () => {
    fc.assert(
      fc.property(fc.array(hunk, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 50 }), (hunks, gap) => {
        let oldStart = 1;
        let newStart = 1;
        const text: string[] = [];
        const expected: { oldStart: number; newStart: number; added: number[] }[] = [];
        for (const ops of hunks) {
          const oldLines = ops.filter((o) => o.kind !== 'add').length;
          const newLines = ops.filter((o) => o.kind !== 'del').length;
          text.push(`@@ -${oldStart},${oldLines} +${newStart},${newLines} @@`);
          const added: number[] = [];
          let n = newStart;
          for (const op of ops) {
            text.push(`${op.kind === 'add' ? '+' : op.kind === 'del' ? '-' : ' '}${op.text}`);
            if (op.kind === 'add') added.push(n);
            if (op.kind !== 'del') n++;
          }
          expected.push({ oldStart, newStart, added });
          oldStart += oldLines + gap;
          newStart += newLines + gap;
        }
        const parsed = parsePatch(text.join('\n'));
        expect(parsed.map((h) => h.lines.map((l) => ({ kind: l.kind, text: l.text })))).toEqual(hunks);
        expect(parsed.map((h) => h.oldStart)).toEqual(expected.map((e) => e.oldStart));
        expect([...addedLines(parsed)]).toEqual(expected.flatMap((e) => e.added));
      }),
    );
  });
});
