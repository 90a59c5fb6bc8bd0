// A Python table built for a file's own analysis only (the run's imports are known and no other file imports it)
// reads its calls' details when a summary first needs them, and is dropped when the analysis ends. Both must be
// invisible in the results: the details are the ones an eager build reads, and a file dropped by mistake (an import
// the CLI's scan missed) is read and parsed again for the summary that needs it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { analyzeSourceAsync } from '../../src/analysis/engine.js';
import { EffectIndex } from '../../src/analysis/effects/index.js';
import { buildFileTable, hasPendingCalls, materializeCalls, type FileTable } from '../../src/analysis/effects/table.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { parseWithBudget } from '../../src/analysis/parse.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { recordingReader, tree } from '../cli/harness.js';

// One of each detail a call's classification reads: SQL text, argument counts with splats, a sleep's number from a
// module constant, a schema statement, a cache branch, a call on the loop's item, a connect's arguments.
const SOURCE = [
  'import sqlite3',
  'import time',
  'POLL = 15',
  '_CACHE = {}',
  '',
  'class Store:',
  '    def __init__(self, path):',
  '        self.conn = sqlite3.connect(path, isolation_level=None)',
  '        self.index = None',
  '',
  '    def pending(self, *args, **kw):',
  '        cur = self.conn.cursor()',
  '        cur.execute("SELECT id FROM jobs WHERE done = 0", *args)',
  '        cur.execute("CREATE TABLE IF NOT EXISTS jobs (id INTEGER)")',
  '        return cur.fetchall()',
  '',
  '    def lookup(self, key):',
  '        if key not in _CACHE:',
  '            _CACHE[key] = self.conn.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()',
  '        if not self.index:',
  '            self.index = self.load_index()',
  '        return _CACHE[key]',
  '',
  'def drain(store, rows):',
  '    for r in rows:',
  '        r.get("text")',
  '        store.lookup(r)',
  '        time.sleep(POLL)',
  '        time.sleep(2.5)',
  '',
].join('\n');

function build(lazy: boolean): FileTable {
  const parsed = parseWithBudget('python', SOURCE);
  if (!parsed) throw new Error('the fixture does not parse');
  return buildFileTable('store.py', 'python', parsed, lazy);
}

/** The table's functions and their calls, without the node a lazy call keeps until it is read. */
function shape(table: FileTable): unknown {
  return table.functions.map((fn) => ({ key: fn.key, calls: fn.calls.map(({ pending: _pending, ...call }) => call) }));
}

describe('lazily read call details', () => {
  it('are the ones an eager build reads, once every function is read', () => {
    const lazy = build(true);
    expect(hasPendingCalls(lazy)).toBe(true);
    for (const fn of lazy.functions) materializeCalls(lazy, fn);
    expect(hasPendingCalls(lazy)).toBe(false);
    const eager = build(false);
    expect(hasPendingCalls(eager)).toBe(false);
    expect(shape(lazy)).toEqual(shape(eager));
    // The premise: the fixture exercises the details (a cache branch, SQL, a DDL statement, the loop item, numbers).
    const calls = eager.functions.flatMap((fn) => fn.calls);
    expect(calls.some((c) => c.onCacheMiss)).toBe(true);
    expect(calls.some((c) => c.raw?.sql?.startsWith('SELECT id'))).toBe(true);
    expect(calls.some((c) => c.raw?.ddl === true)).toBe(true);
    expect(calls.some((c) => c.raw?.itemReceiver === true)).toBe(true);
    expect(calls.filter((c) => c.callee === 'time.sleep').map((c) => c.raw?.firstNumber)).toEqual([15, 2.5]);
    expect(calls.some((c) => c.raw?.argCount === Number.POSITIVE_INFINITY)).toBe(true);
  });

  it('are not read for a function no summary needs', () => {
    const lazy = build(true);
    const lookup = lazy.functions.find((fn) => fn.name === 'lookup')!;
    materializeCalls(lazy, lookup);
    expect(lookup.calls.every((c) => c.pending === undefined)).toBe(true);
    expect(lazy.functions.find((fn) => fn.name === 'pending')!.calls.every((c) => c.pending !== undefined)).toBe(true);
  });
});

describe('a table kept only for its own analysis', () => {
  const config = { ...DEFAULT_CONFIG, effects: { enabled: true, max_depth: 3, max_files: 10 } };
  const kb = loadKnowledgeBase(DEFAULT_CONFIG);
  const cwd = tree({
    'store.py': 'import requests\n\ndef pending():\n    return requests.get("https://example.invalid/jobs", timeout=5).json()\n\ndef each(rows):\n    for r in rows:\n        print(r, pending())\n',
    'worker.py': 'import time\n\ndef log(x):\n    print(x)\n\nfrom store import pending\n\ndef sync():\n    while True:\n        for job in pending():\n            print(job)\n        time.sleep(5)\n',
  });
  const input = (path: string) => ({ path, content: readFileSync(join(cwd, path)) });

  /** Analyses store.py, then worker.py; `imported` is what the run's import scan found, `complete` whether it read every file. */
  const run = async (imported: string[], complete: boolean) => {
    const { read, reads } = recordingReader(cwd);
    const effects = new EffectIndex(kb, read);
    effects.expectImported(imported, complete);
    const options = { locale: 'en' as const, kb, effects };
    await analyzeSourceAsync(input('store.py'), config, options);
    const kept = effects.isLoaded('store.py');
    const worker = await analyzeSourceAsync(input('worker.py'), config, options);
    return { kept, reads, findings: worker.findings };
  };

  it('is dropped at the end of the analysis when no file of the run imports it', async () => {
    // The scan reads imports up to the first top-level def: worker.py's import after `log` is missed, and store.py
    // looks imported by no one.
    const missed = await run([], true);
    expect(missed.kept).toBe(false);
    // worker.py's summary of `pending()` reads store.py again from disk and finds the same request.
    expect(missed.reads).toContain('store.py');
    const known = await run(['store.py'], true);
    expect(known.kept).toBe(true);
    expect(known.reads).not.toContain('store.py');
    const unknown = await run([], false);
    expect(unknown.kept).toBe(true);
    expect(missed.findings).toEqual(known.findings);
    expect(unknown.findings).toEqual(known.findings);
    expect(known.findings.some((f) => /pending\(\)/.test(f.message))).toBe(true);
  });
});
