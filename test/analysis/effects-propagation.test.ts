// Effect summaries: propagation depth, cycles, the file bound and its note, context files that are read but not
// reported, and the chain in both locales.
import { describe, expect, it } from '@jest/globals';
import { analyzeSources } from '../../src/analysis/engine.js';
import { moduleCandidates } from '../../src/analysis/effects/index.js';
import { configSchema } from '../../src/config/schema.js';
import { analyseFolder } from '../support/effect-tester.js';

const RULES = ['query-in-loop', 'serial-blocking-io', 'polling-fixed-interval'];

function config(effects: Record<string, unknown> = {}, locale: 'en' | 'zh-CN' = 'en') {
  return configSchema().parse({ severity_threshold: 'info', locale, effects });
}

/** f1 → f2 → … → f<n> → cur.execute, and a loop that calls f1 per item. */
function chainSource(n: number): string {
  const lines = ['def f%d(cur, x):'.replace('%d', String(n)), '    cur.execute("SELECT 1 FROM t WHERE id = %s", (x,))', ''];
  for (let i = n - 1; i >= 1; i--) lines.push(`def f${i}(cur, x):`, `    return f${i + 1}(cur, x)`, '');
  lines.push('def run(cur, items):', '    for x in items:', '        f1(cur, x)', '');
  return lines.join('\n');
}

function queryFindings(source: string, effects: Record<string, unknown> = {}) {
  return analyzeSources([{ path: 'chain.py', content: source }], config(effects), { onlyRules: ['query-in-loop'] }).findings;
}

describe('effect summaries: propagation', () => {
  it('follows a chain as deep as max_depth and no deeper', () => {
    expect(queryFindings(chainSource(4), { max_depth: 4 })).toHaveLength(1);
    expect(queryFindings(chainSource(5), { max_depth: 4 })).toHaveLength(0);
    expect(queryFindings(chainSource(5), { max_depth: 5 })).toHaveLength(1);
    const [finding] = queryFindings(chainSource(3));
    expect(finding!.message).toContain('`f1()` runs `cur.execute` (line 2) through `f2()` → `f3()`');
  });

  it('terminates on recursion and mutual recursion without I/O, and reports nothing', () => {
    const source = [
      'import requests',
      '',
      'def a(x):',
      '    return b(x - 1) if x > 0 else 0',
      '',
      'def b(x):',
      '    return a(x) + c(x)',
      '',
      'def c(x):',
      '    return c(x - 1) if x else 1',
      '',
      'def fetch_all(items):',
      '    out = []',
      '    for i in items:',
      '        out.append(fetch_total(i))',
      '    return out',
      '',
      'def fetch_total(i):',
      '    return a(i)',
      '',
    ].join('\n');
    const result = analyzeSources([{ path: 'cycle.py', content: source }], config({ max_depth: 5 }), { onlyRules: RULES });
    expect(result.findings).toEqual([]);
    // With fewer bodies followed than the chain needs (fetch_total → a → b → c), `c` is unknown: the guess stays.
    const bounded = analyzeSources([{ path: 'cycle.py', content: source }], config({ max_depth: 3 }), { onlyRules: RULES });
    expect(bounded.findings.map((f) => `${f.ruleId}:${f.confidence}`)).toEqual(['serial-blocking-io:low']);
    // Without summaries, the name alone (`fetch_*`) would have made it serial I/O.
    const guessed = analyzeSources([{ path: 'cycle.py', content: source }], config({ enabled: false }), { onlyRules: RULES });
    expect(guessed.findings.map((f) => f.ruleId)).toEqual(['serial-blocking-io']);
    expect(guessed.findings[0]!.confidence).toBe('low');
  });

  it('is off with effects.enabled: false', () => {
    expect(queryFindings(chainSource(1), { enabled: false })).toHaveLength(0);
    expect(queryFindings(chainSource(1))).toHaveLength(1);
  });

  it('names the chain in zh-CN', () => {
    const result = analyzeSources([{ path: 'chain.py', content: chainSource(2) }], config({}, 'zh-CN'), { onlyRules: ['query-in-loop'] });
    expect(result.findings[0]!.message).toContain('`f1()` 经由 `f2()` 调用了 `cur.execute`（第 2 行）');
  });
});

describe('effect summaries: other files', () => {
  it('resolves callees in files that are read but not analysed (a --diff run), and reports nothing on them', () => {
    const { result } = analyseFolder('py-cross-file', RULES, (p) => p.endsWith('/export.py'));
    expect(result.filesAnalyzed).toBe(1);
    expect(new Set(result.findings.map((f) => f.path))).toEqual(new Set(['py-cross-file/app/export.py']));
    expect(result.findings.filter((f) => f.data.via !== undefined).map((f) => `${f.ruleId}:${f.line}`)).toEqual([
      'serial-blocking-io:12',
      'serial-blocking-io:20',
      'polling-fixed-interval:37',
      'polling-fixed-interval:44',
    ]);
  });

  it('takes context files from a map (what the bots fetch at the head commit)', () => {
    const worker = 'from .db import load\n\ndef run(cur, ids):\n    for i in ids:\n        load(cur, i)\n';
    const db = 'def load(cur, i):\n    cur.execute("SELECT * FROM t WHERE id = %s", (i,))\n    return cur.fetchone()\n';
    const contextFiles = new Map([['pkg/db.py', db]]);
    const result = analyzeSources([{ path: 'pkg/worker.py', content: worker }], config(), { onlyRules: ['query-in-loop'], contextFiles });
    expect(result.findings.map((f) => f.message)).toEqual([expect.stringContaining('`load()` runs `cur.execute` (db.py:2)')]);
    const without = analyzeSources([{ path: 'pkg/worker.py', content: worker }], config(), { onlyRules: ['query-in-loop'] });
    expect(without.findings).toEqual([]);
  });

  it('reads at most max_files other files per analysed file, and says which imports it left out', () => {
    const worker = [
      'from .a import load_a',
      'from .b import load_b',
      'from .c import load_c',
      '',
      'def run(cur, ids):',
      '    for i in ids:',
      '        load_a(cur, i)',
      '    for i in ids:',
      '        load_b(cur, i)',
      '    for i in ids:',
      '        load_c(cur, i)',
      '',
    ].join('\n');
    const helper = (n: string) => `def load_${n}(cur, i):\n    cur.execute("SELECT * FROM ${n} WHERE id = %s", (i,))\n`;
    const contextFiles = new Map(['a', 'b', 'c'].map((n) => [`pkg/${n}.py`, helper(n)]));
    const result = analyzeSources([{ path: 'pkg/worker.py', content: worker }], config({ max_files: 1 }), { onlyRules: ['query-in-loop'], contextFiles });
    expect(result.findings.map((f) => f.line)).toEqual([7]);
    expect(result.notes).toEqual([
      { path: 'pkg/worker.py', note: 'effect summaries: 2 imported file(s) were not read (effects.max_files = 1): pkg/b.py, pkg/c.py' },
    ]);
    const all = analyzeSources([{ path: 'pkg/worker.py', content: worker }], config(), { onlyRules: ['query-in-loop'], contextFiles });
    expect(all.findings.map((f) => f.line)).toEqual([7, 9, 11]);
    expect(all.notes).toEqual([]);
  });

  it('maps module specifiers to candidate files', () => {
    expect(moduleCandidates('app/jobs/worker.py', 'python', '.db')).toEqual(['app/jobs/db.py', 'app/jobs/db/__init__.py']);
    expect(moduleCandidates('app/jobs/worker.py', 'python', '..db')).toEqual(['app/db.py', 'app/db/__init__.py']);
    expect(moduleCandidates('app/jobs/worker.py', 'python', 'app.db').slice(0, 4)).toEqual([
      'app/jobs/app/db.py',
      'app/jobs/app/db/__init__.py',
      'app/app/db.py',
      'app/app/db/__init__.py',
    ]);
    expect(moduleCandidates('app/jobs/worker.py', 'python', 'app.db')).toContain('app/db.py');
    expect(moduleCandidates('src/worker.ts', 'typescript', './store.js')).toEqual(['src/store.js', 'src/store.ts', 'src/store.tsx']);
    expect(moduleCandidates('src/worker.ts', 'typescript', '../lib/db')).toContain('lib/db/index.ts');
    expect(moduleCandidates('src/worker.ts', 'typescript', 'pg')).toEqual([]);
  });
  it('does not report a dropped call of an imported function whose whole body is guarded (jsprec10)', () => {
    // Modelled on a socket transport's method dispatcher: `dispatch` hands every failure to the client's callback,
    // so the handler that calls it for each method without awaiting loses nothing; `forward` lets it escape.
    const handlers = [
      "import { dispatch, forward } from './dispatch';",
      '',
      'export async function handleAll(app: any, socket: any, calls: any[]) {',
      '  for (const c of calls) {',
      '    dispatch(app, socket, c.path, c.args);',
      '  }',
      '  for (const c of calls) {',
      '    forward(app, c.path, c.args);',
      '  }',
      '  await socket.flush();',
      '}',
      '',
    ].join('\n');
    const dispatch = [
      'export async function dispatch(app: any, socket: any, path: string, args: any[]) {',
      "  const callback = typeof args[args.length - 1] === 'function' ? args.pop() : () => {};",
      '  const trace = `call on ${path}`;',
      '  try {',
      '    const service = app.lookup(path);',
      "    if (!service) throw new Error(`no service ${path}`);",
      '    const result = await service.run(...args);',
      '    callback(null, result);',
      '  } catch (error) {',
      '    socket.log(trace, error);',
      '    callback(error);',
      '  }',
      '}',
      '',
      'export async function forward(app: any, path: string, args: any[]) {',
      '  const service = app.lookup(path);',
      '  return await service.run(...args);',
      '}',
      '',
    ].join('\n');
    const contextFiles = new Map([['src/dispatch.ts', dispatch]]);
    const result = analyzeSources([{ path: 'src/handlers.ts', content: handlers }], config(), { onlyRules: ['fire-and-forget-task'], contextFiles });
    expect(result.findings.map((f) => f.line)).toEqual([8]);
  });
});
