import { describe, expect, it } from '@jest/globals';
import { findSuppressions, isSuppressed } from '../../src/analysis/suppressions.js';

describe('findSuppressions', () => {
  it('reads bare and rule-specific markers in Python comments', () => {
    const source = [
      'while True:  # coze-loop: ignore',
      '    # coze-loop: ignore[polling-fixed-interval, magic-interval]',
      '    time.sleep(5)',
      '    x = "coze-loop: ignore"',
    ].join('\n');
    const found = findSuppressions(source, '#');
    expect([...found.entries()]).toEqual([
      [1, []],
      [2, ['polling-fixed-interval', 'magic-interval']],
    ]);
  });

  it('reads // and /* */ markers in JavaScript, not markers inside strings', () => {
    const source = [
      'for (;;) { // coze-loop: ignore[busy-wait]',
      '  /* coze-loop: ignore */ poll();',
      '  log("coze-loop: ignore[x]");',
      '}',
    ].join('\n');
    expect([...findSuppressions(source, '//').entries()]).toEqual([
      [1, ['busy-wait']],
      [2, []],
    ]);
  });

  it('returns nothing quickly for files without the marker', () => {
    expect(findSuppressions('x = 1\n'.repeat(1000), '#').size).toBe(0);
  });
});

describe('isSuppressed', () => {
  const map = new Map<number, string[]>([
    [3, []],
    [7, ['query-in-loop']],
  ]);
  it('applies a bare marker to every rule and a listed one only to its rules', () => {
    expect(isSuppressed(map, 'anything', [3])).toBe(true);
    expect(isSuppressed(map, 'query-in-loop', [7])).toBe(true);
    expect(isSuppressed(map, 'write-per-row', [7])).toBe(false);
    expect(isSuppressed(map, 'query-in-loop', [8, 9])).toBe(false);
  });
});
