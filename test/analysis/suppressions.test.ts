import { describe, expect, it } from '@jest/globals';
import { findPeerSuppressions, findSuppressions, isSuppressed, peerSuppressed } from '../../src/analysis/suppressions.js';
import { analyzeSource } from '../../src/analysis/engine.js';
import { configSchema } from '../../src/config/schema.js';

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

describe('peer linters\' suppressions', () => {
  it('reads noqa codes, pylint disables and ESLint line / next-line disables, lower-cased', () => {
    const python = ['x = 1  # noqa: B023, E501', 'y = 2  # noqa', 'z = 3  # pylint: disable=cell-var-from-loop,unused-variable', 's = "# noqa: B023"'].join('\n');
    const found = findPeerSuppressions(python, '#');
    expect(found.get(1)).toEqual(['b023', 'e501']);
    // A bare noqa names no problem: it is not taken as a dismissal of this one.
    expect(found.has(2)).toBe(false);
    expect(found.get(3)).toEqual(['cell-var-from-loop', 'unused-variable']);
    expect(peerSuppressed(found, ['B023'], [1])).toBe(true);
    expect(peerSuppressed(found, ['B023'], [2, 3])).toBe(false);
    const js = ['// eslint-disable-next-line no-loop-func -- the id is fixed here', 'timers.push(() => i);', 'f(); /* eslint-disable-line no-await-in-loop */'].join('\n');
    const jsFound = findPeerSuppressions(js, '//');
    expect(jsFound.get(2)).toEqual(['no-loop-func']);
    expect(jsFound.get(3)).toEqual(['no-await-in-loop']);
    expect(jsFound.has(1)).toBe(false);
  });

  const config = configSchema().parse({ severity_threshold: 'info' });
  const closures = (marker: string) =>
    [
      'def serve(listeners, hooks):',
      '    for error in [KeyError(), OSError()]:',
      '        def raise_error():',
      `            raise error${marker}`,
      '        hooks.append(raise_error)',
    ].join('\n');

  it('a closure whose capture the author already marked for Ruff/flake8-bugbear (B023) is not reported again', () => {
    const run = (marker: string) => analyzeSource({ path: 'app/hooks.py', content: closures(marker) }, config, { onlyRules: ['loop-closure-capture'] }).findings.map((f) => f.line);
    expect(run('')).toEqual([3]);
    expect(run('  # noqa: B023')).toEqual([]);
    expect(run('  # pylint: disable=cell-var-from-loop')).toEqual([]);
    // Another code on the line dismisses another problem, not this one.
    expect(run('  # noqa: E501')).toEqual([3]);
  });

  it('ESLint no-loop-func disabled above a closure silences loop-closure-capture there, and only there', () => {
    const source = (marker: string) => ['function arm(timers) {', '  for (var i = 0; i < 3; i++) {', marker, '    timers.push(() => console.log(i));', '  }', '}'].join('\n');
    const run = (marker: string) => analyzeSource({ path: 'app/arm.js', content: source(marker) }, config, { onlyRules: ['loop-closure-capture'] }).findings.map((f) => f.line);
    expect(run('    // nothing here')).toEqual([4]);
    expect(run('    // eslint-disable-next-line no-loop-func')).toEqual([]);
    expect(run('    // eslint-disable-next-line no-await-in-loop')).toEqual([4]);
  });
});
