// Each proof check on its own (a patch that breaks that one check is refused), then the engine end to end: a patch
// that fails becomes a sketch, never "safe"; a sound one stays a one-click suggestion.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { analyzeSource } from '../../src/analysis/engine.js';
import { parseSource } from '../../src/analysis/parse.js';
import { configSchema } from '../../src/config/schema.js';
import type { Finding, Fix, Language } from '../../src/core/types.js';
import { applyFixes, compareFindings, passedTogether, proveReplaceFix, reduceForProof, staticChecks, unboundName, unreachableStatement } from '../../src/fixes/prove.js';

const config = configSchema().parse({ severity_threshold: 'info' });

function analyse(path: string, content: string, proveFixes = true): Finding[] {
  return analyzeSource({ path, content }, config, { proveFixes }).findings;
}

function prove(path: string, language: Language, source: string, finding: Finding, fix: Partial<Fix>) {
  const withFix: Finding = { ...finding, fix: { ...finding.fix!, kind: 'replace', ...fix } };
  return proveReplaceFix({
    finding: withFix,
    source,
    language,
    tree: parseSource(language, source),
    rerun: (patched) => analyse(path, patched, false),
    before: analyse(path, source, false),
  });
}

const DICT_LOOP = `def prune(cache):
    for key in cache:
        if cache[key] is None:
            del cache[key]
`;

describe('proof checks', () => {
  const [finding] = analyse('app/cache.py', DICT_LOOP, false).filter((f) => f.ruleId === 'mutate-while-iterating');

  it('accepts a sound patch (iterate a copy)', () => {
    expect(finding?.fix?.kind).toBe('replace');
    expect(prove('app/cache.py', 'python', DICT_LOOP, finding!, {})).toBeUndefined();
  });

  it('refuses a patch that does not parse', () => {
    expect(prove('app/cache.py', 'python', DICT_LOOP, finding!, { startLine: 2, endLine: 2, code: '    for key in list(cache:' })).toEqual({ check: 'parse' });
  });

  it('refuses a patch that reads a name bound nowhere (a made-up helper)', () => {
    expect(prove('app/cache.py', 'python', DICT_LOOP, finding!, { startLine: 2, endLine: 2, code: '    for key in list(cache) if should_keep(key) else []:' })).toEqual({
      check: 'unbound-name',
      name: 'should_keep',
      line: 2,
    });
  });

  it('refuses a patch that leaves the finding in place', () => {
    expect(prove('app/cache.py', 'python', DICT_LOOP, finding!, { startLine: 2, endLine: 2, code: '    for key in cache:  # unchanged' })).toEqual({ check: 'not-cleared' });
  });

  it('refuses a patch that adds a finding of another rule', () => {
    const code = ['    for key in list(cache):', '        if cache[key] is None:', '            del cache[key]', '            time.sleep(30)'].join('\n');
    const failure = prove('app/cache.py', 'python', `import time\n${DICT_LOOP}`, { ...finding!, line: finding!.line + 1 }, { startLine: 3, endLine: 5, code });
    expect(failure).toMatchObject({ check: 'new-finding', ruleId: 'magic-interval' });
  });

  it('refuses a patch that leaves a statement unreachable (a second break)', () => {
    const code = ['    for key in list(cache):', '        if cache[key] is None:', '            del cache[key]', '            break', '            break'].join('\n');
    expect(prove('app/cache.py', 'python', DICT_LOOP, finding!, { startLine: 2, endLine: 4, code })).toEqual({ check: 'unreachable', line: 6 });
  });

  it('finds unreachable statements only in the lines asked about', () => {
    const source = 'def first(items, target):\n    for item in items:\n        if item == target:\n            break\n    return item\n';
    const tree = parseSource('python', source.replace('            break\n', '            break\n            break\n'));
    expect(unreachableStatement(tree, 3, 5)).toBe(5);
    expect(unreachableStatement(parseSource('python', source), 1, 5)).toBeUndefined();
  });
});

describe('names in scope', () => {
  const unbound = (language: Language, source: string, from = 1, to = 1000) => unboundName(parseSource(language, source), language, from, to)?.name;

  it('a body moved into a helper that still reads the enclosing function parameters', () => {
    const source = ['def sync_orders(session, api):', '    while True:', '        sync_orders_once()', '', '', 'def sync_orders_once():', '    for order in session.query(Order):', '        api.push(order)', ''].join('\n');
    expect(unbound('python', `from models import Order\n${source}`)).toBe('session');
  });

  it('passing them as parameters binds them', () => {
    const source = ['from models import Order', '', 'def sync_orders(session, api):', '    while True:', '        sync_orders_once(session, api)', '', '', 'def sync_orders_once(session, api):', '    for order in session.query(Order):', '        api.push(order)', ''].join('\n');
    expect(unbound('python', source)).toBeUndefined();
  });

  it('a statement hoisted above the loop that reads a name the loop body binds', () => {
    const source = ['def f(rows, cur):', '    limit = row.limit', '    for row in rows:', '        cur.execute("SELECT 1", (limit,))', ''].join('\n');
    expect(unbound('python', source, 2, 2)).toBe('row');
    expect(unbound('python', source, 3, 4)).toBeUndefined();
  });

  it('knows builtins, imports, module names, loop-carried names, comprehensions and closures', () => {
    const source = [
      'import time',
      'from x import y as z',
      'LIMIT = 5',
      'def f(items):',
      '    total = 0',
      '    for item in items:',
      '        if total > LIMIT:',
      '            time.sleep(len(items))',
      '        total += z(item)',
      '        seen = [k for k in item.keys() if k]',
      '        g = lambda v: v + total',
      '    return sorted(seen), g',
      '',
    ].join('\n');
    expect(unbound('python', source)).toBeUndefined();
    expect(unbound('typescript', "import { a } from './a';\nconst b = 1;\nexport function f(xs: number[]) {\n  for (const x of xs) console.log(a(x) + b + Math.max(x, 0));\n}\n")).toBeUndefined();
    expect(unbound('typescript', 'export function f(xs: number[]) {\n  for (const x of xs) shouldRemove(x);\n}\n')).toBe('shouldRemove');
  });
});

describe('the engine proves every replace fix', () => {
  it('keeps a sound patch as a replace fix', () => {
    const [finding] = analyse('app/cache.py', DICT_LOOP).filter((f) => f.ruleId === 'mutate-while-iterating');
    expect(finding?.fix).toMatchObject({ kind: 'replace', safety: 'safe' });
  });

  it('never labels a block sketch safe', () => {
    const all = analyse('app/w.py', 'import time\n\ndef poll(cur):\n    while True:\n        cur.execute("SELECT id FROM jobs")\n        time.sleep(30)\n');
    const blocks = all.filter((f) => f.fix?.kind === 'block');
    expect(blocks.length).toBeGreaterThan(0);
    for (const f of blocks) expect(f.fix?.safety).toBe('unsafe');
  });
});

describe('the re-run reads only what the patches touch', () => {
  it('blanks top-level definitions no patch touches, line for line', () => {
    const source = 'import os\n\ndef a():\n    return 1\n\nX = 2\n\ndef b(xs):\n    for x in xs:\n        pass\n';
    const reduced = reduceForProof(source, parseSource('python', source).rootNode, [{ startLine: 9, endLine: 9 }]);
    expect(reduced.split('\n')).toEqual(['import os', '', '', '', '', 'X = 2', '', 'def b(xs):', '    for x in xs:', '        pass', '']);
  });
  it('descends into what holds a patch: untouched methods go, the ones the patched lines name stay', () => {
    const source = [
      'class Store:', //                      1
      '    def load(self):', //                2
      '        return 1', //                   3
      '', //                                   4
      '    def keep_me(self, x):', //          5
      '        return x', //                   6
      '', //                                   7
      '    def run(self, xs):', //             8
      '        for x in xs:', //               9
      '            self.keep_me(x)', //        10
      '',
    ].join('\n');
    const reduced = reduceForProof(source, parseSource('python', source).rootNode, [{ startLine: 9, endLine: 10 }]);
    expect(reduced.split('\n')).toEqual(['class Store:', '', '', '', '    def keep_me(self, x):', '        return x', '', '    def run(self, xs):', '        for x in xs:', '            self.keep_me(x)', '']);
  });
  it('blanks functions inside a module wrapped in a function expression, and the result parses', () => {
    const source = ['(function () {', '  function helper(a) {', '    return a + 1;', '  }', '  function run(xs) {', '    for (let i = 0; i < xs.length; i++) {', '      console.log(xs[i]);', '    }', '  }', '  module.exports = run;', '})();', ''].join('\n');
    const reduced = reduceForProof(source, parseSource('javascript', source).rootNode, [{ startLine: 6, endLine: 8 }]);
    expect(reduced.split('\n').slice(1, 4)).toEqual(['', '', '']);
    expect(reduced.split('\n').slice(4, 10)).toEqual(source.split('\n').slice(4, 10));
    expect(parseSource('javascript', reduced).rootNode.hasError).toBe(false);
  });
  it('never empties a Python block (a patch on a comment line of a class body keeps one method)', () => {
    const source = ['class Store:', '    def a(self):', '        return 1', '    # the patch lands here', '    def b(self):', '        return 2', ''].join('\n');
    const reduced = reduceForProof(source, parseSource('python', source).rootNode, [{ startLine: 4, endLine: 4 }]);
    expect(parseSource('python', reduced).rootNode.hasError).toBe(false);
    expect(reduced.split('\n').filter((line) => line.includes('def ')).length).toBe(1);
  });
  // The static checks read the patched reduced file: a name the patch reads must be bound there exactly when it is
  // bound in the whole file (the definitions the patched lines name are kept; the others bind nothing visible).
  it('gives the static checks the same answer on the reduced file as on the whole file', () => {
    const source = [
      'import os', //                                         1
      '', //                                                  2
      'def helper(x):', //                                    3
      '    return x * 2', //                                  4
      '', //                                                  5
      'def other(rows):', //                                  6
      '    def inner(r):', //                                 7
      '        return r', //                                  8
      '    return [inner(r) for r in rows]', //               9
      '', //                                                  10
      'class Unrelated:', //                                  11
      '    def a(self, rows):', //                            12
      '        total = 0', //                                 13
      '        for row in rows:', //                          14
      '            total += len(row)', //                     15
      '        return total', //                              16
      '', //                                                  17
      'def work(items):', //                                  18
      '    out = []', //                                      19
      '    for item in items:', //                            20
      '        out.append(item)', //                          21
      '    return out', //                                    22
      '',
    ].join('\n');
    const tree = parseSource('python', source);
    const finding = { ruleId: 'x', line: 21, message: 'm' } as Finding;
    const cases: Array<[string, boolean]> = [
      ['        out.append(helper(item))', true], // a top-level function the patch names: kept, bound
      ['        out.append(inner(item))', false], // bound only inside another function
      ['        out.append(made_up(item))', false], // bound nowhere
      ['        out.append(os.path.basename(item))', true], // an import
      ['        out.append(Unrelated)', true], // a class the patch names
    ];
    for (const [code, ok] of cases) {
      const fix: Fix = { kind: 'replace', safety: 'safe', startLine: 21, endLine: 21, code, description: 'd', language: 'python' };
      const reduced = reduceForProof(source, tree.rootNode, [fix]);
      expect(reduced.length).toBeLessThan(source.length);
      const whole = staticChecks({ finding: { ...finding, fix }, source, language: 'python', tree });
      const onReduced = staticChecks({ finding: { ...finding, fix }, source: reduced, language: 'python', tree: parseSource('python', reduced) });
      expect(onReduced).toEqual(whole);
      expect(whole === undefined).toBe(ok);
    }
  });
  // Three patches in one function, two of them overlapping (each builds a set before the same loop), beside a
  // definition no patch touches: they cannot be applied together, so each is proved on its own on the reduced file.
  // The outcome must be the one a proof of each patch on the whole file gives.
  it('proves overlapping patches one by one with the same outcome as on the whole file', () => {
    const source = `import os


def unrelated(a):
    total = 0
    for step in range(a):
        total += step * 2
    return total + 1


class Unrelated:
    def first(self, rows):
        out = []
        for row in rows:
            out.append(row.strip())
        return out

    def second(self, rows):
        seen = {}
        for row in rows:
            seen[row] = len(row)
        return seen

    def third(self, rows):
        return [row.lower() for row in rows if row]

    def fourth(self, rows):
        counts = {}
        for row in rows:
            counts[row] = counts.get(row, 0) + 1
        return counts


def compare(names, simple_keys, checked_keys):
    failed = []
    simple_keys = list(simple_keys)
    checked_keys = list(checked_keys)
    for name in names:
        if name not in simple_keys:
            failed.append(name)
        elif name not in checked_keys:
            failed.append(name)
    for method in names:
        if method in simple_keys and method in checked_keys:
            failed.append(method)
    return failed
`;
    const proved = analyse('app/cmp.py', source).filter((f) => f.ruleId === 'membership-in-loop');
    const unproved = analyse('app/cmp.py', source, false).filter((f) => f.ruleId === 'membership-in-loop');
    // The reduction this test is about: more than half of the file is blanked, so the reduced re-runs are taken.
    const reduced = reduceForProof(source, parseSource('python', source).rootNode, unproved.map((f) => f.fix!));
    expect(reduced.length * 2).toBeLessThan(source.length);
    expect(proved.map((f) => f.line)).toEqual([39, 41, 44]);
    expect(proved.map((f) => f.fix?.kind)).toEqual(['replace', 'replace', 'block']);
    for (const [i, finding] of unproved.entries()) {
      const failure = prove('app/cmp.py', 'python', source, finding, {});
      expect(proved[i]!.fix?.kind).toBe(failure ? 'block' : 'replace');
    }
    expect(proved[2]!.fix?.description).toContain('adds a membership-in-loop finding');
  });
});

describe("a proof's re-run reads only the findings", () => {
  // `findingsOnly` skips the parse that decides whether a detector's patch is a replace fix or a sketch; the rules,
  // lines and messages must not change (the proof compares only those).
  it('gives the same rules, lines and messages with and without findingsOnly', () => {
    const keys = (findings: Finding[]) => findings.map((f) => `${f.ruleId}:${f.line}:${f.message}`);
    let replaceFixes = 0;
    for (const file of ['samples/python/order_sync_worker.py', 'samples/typescript/report-poller.ts']) {
      const content = readFileSync(file, 'utf8');
      const full = analyzeSource({ path: file, content }, config, { proveFixes: false }).findings;
      const only = analyzeSource({ path: file, content }, config, { proveFixes: false, findingsOnly: true }).findings;
      expect(full.length).toBeGreaterThan(0);
      expect(keys(only)).toEqual(keys(full));
      replaceFixes += full.filter((f) => f.fix?.kind === 'replace').length;
    }
    expect(replaceFixes).toBeGreaterThan(0);
  });
});

describe('comparing findings before and after a patch', () => {
  const f = (ruleId: string, message: string) => ({ ruleId, message }) as Finding;
  it('a count the patch puts in the code is not a new finding ("100 (assumed) calls" → "100 calls")', () => {
    const target = f('unbounded-query', 'polls without LIMIT');
    const other = f('serial-blocking-io', '`post` blocks once per `row`: 100 (assumed) calls take 20 s');
    expect(compareFindings([target, other], [f('serial-blocking-io', '`post` blocks once per `row`: 100 calls take 20 s')], [target])).toBeUndefined();
    expect(compareFindings([target, other], [other, target], [target])).toEqual({ check: 'not-cleared' });
    expect(compareFindings([target], [f('magic-interval', 'Hard-coded sleep `5`')], [target])).toMatchObject({ check: 'new-finding' });
  });
});

describe('static checks of a file\'s patches together (passedTogether)', () => {
  const SOURCE = [
    'function sum(xs) {',
    '  let total = 0;',
    '  for (let i = 0; i < xs.length; i++) total += xs[i];',
    '  return total;',
    '}',
    'function copy(ys) {',
    '  const out = [];',
    '  for (let j = 0; j < ys.length; j++) out.push(ys[j]);',
    '  return out;',
    '}',
    'const unused = 1;',
    '',
  ].join('\n');
  const patch = (startLine: number, endLine: number, code: string): Finding =>
    ({ ruleId: 'index-loop', line: startLine, fix: { kind: 'replace', safety: 'safe', description: 'patch', startLine, endLine, code, language: 'javascript' } }) as Finding;
  const input = { source: SOURCE, language: 'javascript' as const, tree: parseSource('javascript', SOURCE) };
  const alone = (finding: Finding) => staticChecks({ ...input, finding });

  it('passes every sound patch with one parse, where each passes on its own too', () => {
    const patches = [patch(2, 3, '  let total = 0;\n  let seen = 0;\n  for (const x of xs) total += x;'), patch(8, 8, '  for (const y of ys) out.push(y);')];
    expect(patches.map(alone)).toEqual([undefined, undefined]);
    expect([...passedTogether(patches, input)]).toEqual(patches);
  });

  it('checks each patch at the lines it lands on, and does not let one patch lean on another\'s binding', () => {
    // The first patch adds a line above the second; the third binds `helper`, which the second reads: on its own, the
    // second reads an unbound name, so it is not passed together either.
    const patches = [
      patch(2, 2, '  let total = 0;\n  let seen = 0;'),
      patch(8, 8, '  for (const y of ys) out.push(helper(y));'),
      patch(11, 11, 'const helper = (v) => v;'),
    ];
    expect(alone(patches[1]!)).toEqual({ check: 'unbound-name', name: 'helper', line: 8 });
    const passed = passedTogether(patches, input);
    expect(passed.has(patches[0]!)).toBe(true);
    expect(passed.has(patches[1]!)).toBe(false);
    expect(passed.has(patches[2]!)).toBe(true);
  });

  it('passes none when the patches overlap or the patched file does not parse', () => {
    expect(passedTogether([patch(2, 3, '  let total = 0;'), patch(3, 3, '  for (const x of xs) total += x;')], input).size).toBe(0);
    expect(passedTogether([patch(3, 3, '  for (const x of xs total += x;'), patch(8, 8, '  for (const y of ys) out.push(y);')], input).size).toBe(0);
  });
});

describe('applyFixes', () => {
  const fix = (startLine: number, endLine: number, code: string): Fix => ({ kind: 'replace', safety: 'safe', description: 'patch', startLine, endLine, code, language: 'javascript' });

  it('applies patches given in any order at the lines of the original, keeping CRLF', () => {
    const source = ['a', 'b', 'c', 'd', 'e'].join('\r\n');
    expect(applyFixes(source, [fix(2, 2, 'B1\nB2'), fix(4, 5, 'D'), fix(1, 1, '')])).toBe(['B1', 'B2', 'c', 'D'].join('\r\n'));
  });

  it('refuses overlapping patches and says which range is outside the file', () => {
    expect(applyFixes('a\nb\nc', [fix(1, 2, 'x'), fix(2, 3, 'y')])).toBeUndefined();
    expect(() => applyFixes('a\nb', [fix(1, 1, 'x'), fix(3, 4, 'y')])).toThrow('fix range 3-4 is outside the file (1-2)');
  });
});
