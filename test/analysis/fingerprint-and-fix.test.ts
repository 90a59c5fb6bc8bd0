import { describe, expect, it } from '@jest/globals';
import { fingerprint } from '../../src/analysis/fingerprint.js';
import type { Fix } from '../../src/core/types.js';
import { applyFix } from '../../src/fixes/apply.js';

describe('fingerprint', () => {
  it('is 16 lowercase hex characters, stable, and depends on rule, path and text', () => {
    const a = fingerprint('query-in-loop', 'app/worker.py', 'for row in rows: cur.execute(q, row)');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprint('query-in-loop', 'app/worker.py', 'for row in rows: cur.execute(q, row)')).toBe(a);
    expect(fingerprint('write-per-row', 'app/worker.py', 'for row in rows: cur.execute(q, row)')).not.toBe(a);
    expect(fingerprint('query-in-loop', 'app/other.py', 'for row in rows: cur.execute(q, row)')).not.toBe(a);
    expect(fingerprint('query-in-loop', 'app/worker.py', 'for row in rows: cur.execute(p, row)')).not.toBe(a);
  });
});

describe('applyFix', () => {
  const fix = (startLine: number, endLine: number, code: string, kind: Fix['kind'] = 'replace'): Fix => ({
    kind,
    safety: 'safe',
    description: 'test',
    startLine,
    endLine,
    code,
    language: 'python',
  });

  it('replaces the inclusive line range with the code', () => {
    expect(applyFix('a\nb\nc\nd\n', fix(2, 3, 'X\nY\nZ'))).toBe('a\nX\nY\nZ\nd\n');
    expect(applyFix('a\nb\nc', fix(3, 3, 'C'))).toBe('a\nb\nC');
  });

  it('deletes the range when the code is empty and keeps CRLF line endings', () => {
    expect(applyFix('a\nb\nc', fix(2, 2, ''))).toBe('a\nc');
    expect(applyFix('a\r\nb\r\nc\r\n', fix(1, 1, 'A'))).toBe('A\r\nb\r\nc\r\n');
  });

  it('leaves the source alone for block fixes and rejects ranges outside the file', () => {
    expect(applyFix('a\nb', fix(1, 2, 'sketch', 'block'))).toBe('a\nb');
    expect(() => applyFix('a\nb', fix(2, 5, 'x'))).toThrow(RangeError);
    expect(() => applyFix('a\nb', fix(0, 1, 'x'))).toThrow(RangeError);
  });
});
