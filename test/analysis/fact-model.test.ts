// The per-file fact model (src/analysis/model.ts): built once per file, handed to every detector, and the only place
// per-file derived data is kept. These tests fail if a module-level cache of tree-derived data comes back, if a
// detector's result depends on which file was analysed before, or if the model stops classifying calls once.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { analyzeSource } from '../../src/analysis/engine.js';
import { extractPythonFacts } from '../../src/analysis/facts/python.js';
import { extractJavaScriptFacts } from '../../src/analysis/facts/javascript.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { FileModel } from '../../src/analysis/model.js';
import { parseSource } from '../../src/analysis/parse.js';
import { classifyTreeCall, treeCalls } from '../../src/analysis/rules/lib/calls.js';

const ROOT = join(import.meta.dirname, '..', '..');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/**
 * Module-level state that is not per-file data: process-wide tables built from configuration, grammars or rule
 * files, and the process's own singletons. Anything else at module level that can hold data (a `let`, a Map or a
 * WeakMap) is a cache of tree-derived data and belongs on the FileModel.
 */
const ALLOWED = new Map<string, string>([
  ['analysis-worker.ts:configs', 'per worker thread: parsed configs by their JSON'],
  ['analysis-worker.ts:indexes', 'per worker thread: effect indexes of the runs it serves'],
  ['engine.ts:matcherCache', 'compiled include/exclude globs per config list'],
  ['engine.ts:activeRulesCache', 'enabled rules per config'],
  ['flat-tree.ts:nextIdBase', 'id counter that keeps node ids unique across trees'],
  ['flat-tree.ts:singleTypes', 'one-element type arrays per grammar type name'],
  ['flat-tree.ts:matcherCache', 'symbol matchers per grammar'],
  ['flat-tree.ts:matcherByArray', 'symbol matchers per constant type array'],
  ['flat-tree.ts:addon', 'the native addon, loaded once'],
  ['flat-tree.ts:namesByGrammar', 'type and field names per grammar'],
  ['knowledge-base.ts:builtIn', 'rules/apis/*.yml, compiled once'],
  ['knowledge-base.ts:indexes', 'lookup index per compiled API file'],
  ['knowledge-base.ts:kbByApis', "knowledge base per repository `apis:` config"],
  ['rule-registry.ts:registry', 'rules/*.yml joined with detectors, loaded once'],
  ['rule-registry.ts:problems', 'problems found while loading the registry'],
  ['shared-sources.ts:packings', 'counter of shared-source packings (diagnostics)'],
  ['tree-reader.ts:bindingParsers', 'one parser per grammar'],
  ['tree-reader.ts:current', "the process's tree readers"],
  ['tree-query.ts:typeLists', 'arrays of the constant node-type sets'],
  ['worker-pool.ts:inProcessIndexes', 'effect index per shared source set'],
  ['worker-pool.ts:jsonByConfig', 'serialised config per config object'],
  ['worker-pool.ts:shared', "the process's analysis pool"],
  ['go-closure.ts:versions', 'go.mod language version per directory on disk (not per file)'],
  ['parse.ts:grammars', 'tree-sitter grammars, each loaded on first use'],
]);

const MODULE_STATE = /^(?:export\s+)?(?:let|var)\s+([A-Za-z_$][\w$]*)|^(?:export\s+)?const\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*new\s+(?:Weak)?Map\b/;

describe('no module-level caches in src/analysis', () => {
  it('keeps per-file data on the FileModel, not at module level', () => {
    const found: string[] = [];
    for (const file of tsFiles(join(ROOT, 'src', 'analysis'))) {
      const lines = readFileSync(file, 'utf8').split('\n');
      for (const line of lines) {
        const match = MODULE_STATE.exec(line);
        if (!match) continue;
        const key = `${file.slice(file.lastIndexOf('/') + 1)}:${match[1] ?? match[2]}`;
        if (!ALLOWED.has(key)) found.push(`${relative(ROOT, file)}: ${line.trim()}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('the scan sees a cache when one is there', () => {
    expect(MODULE_STATE.exec('let treeCallCache = new Map<string, TreeCall>();')?.[1]).toBe('treeCallCache');
    expect(MODULE_STATE.exec('const asyncNamesCache = new WeakMap<object, Set<string>>();')?.[2]).toBe('asyncNamesCache');
    expect(MODULE_STATE.exec('  let local = 1;')).toBeNull();
  });
});

const PY_A = readFileSync(join(ROOT, 'rules/unguarded-worker-loop/fixtures/bad.py'), 'utf8');
const PY_B = [
  'import time',
  'import queue',
  '',
  'def drain(q, seen):',
  '    for i in range(len(seen)):',
  '        print(seen[i])',
  '    while True:',
  '        try:',
  '            item = q.get_nowait()',
  '        except queue.Empty:',
  '            continue',
  '        time.sleep(5)',
  '        fns = [lambda: item for item in seen]',
  '',
].join('\n');
const JS_C = [
  'async function poll(client, ids) {',
  '  for (let i = 0; i < ids.length; i++) {',
  '    console.log(ids[i]);',
  '  }',
  '  while (true) {',
  '    const job = await client.rpop("jobs");',
  '    if (!job) continue;',
  '    handle(job);',
  '    await new Promise((r) => setTimeout(r, 5000));',
  '  }',
  '}',
  '',
].join('\n');

describe('analysis does not depend on the files analysed before', () => {
  const files = [
    { path: 'a/worker.py', content: PY_A },
    { path: 'b/drain.py', content: PY_B },
    { path: 'c/poll.js', content: JS_C },
  ];
  const run = (f: { path: string; content: string }) => analyzeSource(f, DEFAULT_CONFIG).findings.map((x) => `${x.ruleId}:${x.line}:${x.message}`);

  it('gives each file the same findings alone and interleaved with the others', () => {
    const alone = files.map(run);
    expect(alone.every((list) => list.length > 0)).toBe(true);
    const interleaved: string[][] = [[], [], []];
    for (const order of [0, 1, 2, 0, 2, 1, 1, 0, 2]) interleaved[order] = run(files[order]!);
    expect(interleaved).toEqual(alone);
  });
});

describe('FileModel', () => {
  const kb = loadKnowledgeBase(DEFAULT_CONFIG);

  it('lists functions, classes and async names, and classifies each call node once', () => {
    const source = [
      'class Worker {',
      '  async run() { while (true) { await this.step(); await fetch(url); } }',
      '}',
      'const step = async () => 1;',
      'function plain() {}',
      '',
    ].join('\n');
    const tree = parseSource('javascript', source);
    const model = new FileModel(extractJavaScriptFacts('w.js', source, tree, 'javascript', kb), kb, classifyTreeCall);
    expect(model.functions.map((f) => [f.name, f.className, f.isAsync])).toEqual([
      ['run', 'Worker', true],
      ['step', undefined, true],
      ['plain', undefined, false],
    ]);
    expect(model.classes.map((c) => c.name)).toEqual(['Worker']);
    expect([...model.asyncFunctionNames].sort()).toEqual(['run', 'step']);
    const body = model.loops[0]!.body;
    const calls = treeCalls(body, model);
    expect(calls.map((c) => [c.callee, c.kinds, c.awaited])).toEqual([
      ['this.step', [], true],
      ['fetch', ['http'], true],
    ]);
    expect(treeCalls(body, model)[1]).toBe(calls[1]);
    expect(model.call(calls[1]!.node)).toBe(calls[1]);
  });

  it('keeps a callee whose name starts with "await" whole (awaitTermination, awaitable)', () => {
    const source = 'function stop() {\n  while (busy) { awaitTermination(5); awaitable(); }\n}\n';
    const tree = parseSource('javascript', source);
    const model = new FileModel(extractJavaScriptFacts('s.js', source, tree, 'javascript', kb), kb, classifyTreeCall);
    expect(treeCalls(model.loops[0]!.body, model).map((c) => [c.callee, c.method])).toEqual([
      ['awaitTermination', 'awaitTermination'],
      ['awaitable', 'awaitable'],
    ]);
  });

  it('knows the bindings of a scope and the imported and module-level names', () => {
    const source = 'import logging\nfrom time import sleep as nap\nlogger = logging.getLogger(__name__)\n\ndef f(xs):\n    n = 1\n    for x in xs:\n        n = 2\n    return n\n';
    const tree = parseSource('python', source);
    const model = new FileModel(extractPythonFacts('m.py', source, tree, kb), kb, classifyTreeCall);
    expect([...model.importedNames].sort()).toEqual(['logging', 'nap']);
    expect([...model.moduleLevelNames]).toEqual(['logger']);
    const fn = model.functions[0]!.node;
    expect(model.assignmentsIn(fn).get('n')!.map((n) => n.text)).toEqual(['1', '2']);
    expect(model.assignedValue(fn, 'n', model.loops[0]!.node.startIndex)?.text).toBe('1');
  });

  it('keeps what the rules read from a call: its SQL, and the loop body\'s own nodes by type', () => {
    const source = [
      'def mark(cur, ids):',
      '    for i in ids:',
      '        cur.execute("UPDATE jobs SET status = \'done\' WHERE id = %s", (i,))',
      '        for j in range(3):',
      '            break',
      '        log(i)',
      '        if i:',
      '            break',
      '',
    ].join('\n');
    const tree = parseSource('python', source);
    const model = new FileModel(extractPythonFacts('s.py', source, tree, kb), kb, classifyTreeCall);
    const loop = model.loops.find((l) => l.depth === 0)!;
    const calls = treeCalls(loop.body, model, { skipFunctions: true, skipLoops: true });
    expect(calls.map((c) => [c.callee, c.sql, c.kinds])).toEqual([
      ['cur.execute', "UPDATE jobs SET status = 'done' WHERE id = %s", ['db-write']],
      ['log', undefined, []],
    ]);
    const breaks = new Set(['break_statement']);
    // The inner loop's `break` is its own; the list is built once per loop and type set.
    expect(model.ownBodyNodes(loop, breaks).map((n) => n.startPosition.row + 1)).toEqual([8]);
    expect(model.ownBodyNodes(loop, breaks)).toBe(model.ownBodyNodes(loop, breaks));
  });
});
