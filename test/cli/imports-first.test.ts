// The CLI analyses a Python file after the files of the run it imports, so that an import's effect summary finds
// the imported file's table already built by that file's own analysis (no parse on the JavaScript thread first).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { analyzeSourceAsync } from '../../src/analysis/engine.js';
import { EffectIndex } from '../../src/analysis/effects/index.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { analyzeFiles, analyzeFilesPipelined, importsFirst, sortResult } from '../../src/cli/analyze-files.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { recordingReader, tree } from './harness.js';

const sourceFiles = (cwd: string, paths: string[]) => paths.map((path) => ({ path, absolute: join(cwd, path) }));

describe('importsFirst', () => {
  it('puts imported files of the run before their importers, keeps every file once, and survives cycles', () => {
    const cwd = tree({
      'app.py': 'import os\nfrom pkg.db import load as fetch\n\ndef run():\n    for x in fetch():\n        print(x)\n',
      'pkg/__init__.py': '',
      'pkg/db.py': 'from . import util\nfrom .util import (\n    helper,\n)\n\ndef load():\n    return util.helper()\n',
      'pkg/util.py': 'import pkg.db\n\ndef helper():\n    return []\n',
      'notes.txt': 'import app\n',
      'solo.py': 'x = 1\n',
    });
    const paths = ['app.py', 'notes.txt', 'pkg/__init__.py', 'pkg/db.py', 'pkg/util.py', 'solo.py'];
    const ordered = importsFirst(sourceFiles(cwd, paths), 1_000_000).map((e) => e.file.path);
    expect([...ordered].sort()).toEqual(paths);
    // util imports db back: the cycle is cut where it closes, db's own import of util still counts.
    expect(ordered.indexOf('pkg/util.py')).toBeLessThan(ordered.indexOf('pkg/db.py'));
    expect(ordered.indexOf('pkg/db.py')).toBeLessThan(ordered.indexOf('app.py'));
    // Files nobody imports keep their relative order.
    expect(ordered.indexOf('notes.txt')).toBeLessThan(ordered.indexOf('solo.py'));
  });

  it('leaves a run without Python files in its order and unread', () => {
    const cwd = tree({ 'b.js': "const a = require('./a');\n", 'a.js': 'module.exports = 1;\n' });
    const entries = importsFirst(sourceFiles(cwd, ['b.js', 'a.js']), 1_000_000);
    expect(entries.map((e) => e.file.path)).toEqual(['b.js', 'a.js']);
    expect(entries.every((e) => e.outcome === undefined)).toBe(true);
  });

  it('finds what the files find in their own order, never reading the imported file again', async () => {
    // Many more lines to parse than worker.py: its parse finishes last, and worker.py waits for its analysis.
    const padding = Array.from({ length: 3000 }, (_, i) => `def pad_${i}(x):\n    return [y * ${i} for y in x]\n`).join('\n');
    const cwd = tree({
      'worker.py': 'from helper import fetch\n\ndef sync(urls):\n    out = []\n    for url in urls:\n        out.append(fetch(url))\n    return out\n',
      // A loop over its own helper: its analysis builds its function table.
      'helper.py': `import requests\n\ndef fetch(url):\n    return requests.get(url, timeout=5).json()\n\ndef fetch_all(urls):\n    for url in urls:\n        fetch(url)\n\n${padding}`,
    });
    const files = sourceFiles(cwd, ['worker.py', 'helper.py']);
    const kb = loadKnowledgeBase(DEFAULT_CONFIG);
    const { reads, read } = recordingReader(cwd);
    const effects = new EffectIndex(kb, read);
    const options = { config: DEFAULT_CONFIG, locale: 'en' as const, maxFileBytes: 1_000_000, kb };
    const pipelined = sortResult(await analyzeFilesPipelined(files, { ...options, effects }));
    // helper.py goes first; the files of one parse-ahead window are analysed as their parses finish, but worker.py
    // waits for the analysis of the file it imports, whose table then comes from its own tree.
    expect(reads).toEqual([]);
    const inOrder = sortResult(analyzeFiles(files, options));
    expect(pipelined.findings.some((f) => f.path === 'worker.py' && f.ruleId === 'serial-blocking-io')).toBe(true);
    expect(pipelined).toEqual(inOrder);
  });

  it('marks the files another file of the run imports', () => {
    const cwd = tree({ 'app.py': 'from pkg import db\n', 'pkg/__init__.py': '', 'pkg/db.py': 'import os\n', 'solo.py': 'x = 1\n' });
    const entries = importsFirst(sourceFiles(cwd, ['app.py', 'pkg/__init__.py', 'pkg/db.py', 'solo.py']), 1_000_000);
    expect(entries.filter((e) => e.imported).map((e) => e.file.path).sort()).toEqual(['pkg/__init__.py', 'pkg/db.py']);
    // Each file lists the files it imports that come before it (what the pipelined run waits for).
    const app = entries.find((e) => e.file.path === 'app.py')!;
    expect(app.imports?.map((e) => e.file.path).sort()).toEqual(['pkg/__init__.py', 'pkg/db.py']);
    expect(app.imports?.every((dep) => entries.indexOf(dep) < entries.indexOf(app))).toBe(true);
    expect(entries.find((e) => e.file.path === 'solo.py')!.imports).toBeUndefined();
  });

  it("keeps an imported file's table from its own analysis, so that its importer does not read and parse it again", async () => {
    const cwd = tree({
      // The loop calls nothing: its analysis does not need the file's function table.
      'helper.py': 'import requests\n\ndef fetch(url):\n    return requests.get(url, timeout=5).json()\n\ndef total(rows):\n    n = 0\n    for row in rows:\n        n += row\n    return n\n',
      'worker.py': 'from helper import fetch\n\ndef sync(urls):\n    out = []\n    for url in urls:\n        out.append(fetch(url))\n    return out\n',
    });
    const kb = loadKnowledgeBase(DEFAULT_CONFIG);
    const input = (path: string) => ({ path, content: readFileSync(join(cwd, path)) });
    const runBoth = async (imported: string[]) => {
      const { reads, read } = recordingReader(cwd);
      const effects = new EffectIndex(kb, read);
      effects.expectImported(imported);
      const options = { locale: 'en' as const, kb, effects };
      await analyzeSourceAsync(input('helper.py'), DEFAULT_CONFIG, options);
      const loaded = effects.isLoaded('helper.py');
      const worker = await analyzeSourceAsync(input('worker.py'), DEFAULT_CONFIG, options);
      return { reads, loaded, findings: worker.findings };
    };
    const without = await runBoth([]);
    const kept = await runBoth(['helper.py']);
    // Without the mark the table is built only when worker.py's summary reads (and parses) helper.py.
    expect(without.loaded).toBe(false);
    expect(without.reads).toContain('helper.py');
    expect(kept.loaded).toBe(true);
    expect(kept.reads).not.toContain('helper.py');
    // The same summary either way.
    expect(kept.findings.some((f) => f.ruleId === 'serial-blocking-io')).toBe(true);
    expect(kept.findings).toEqual(without.findings);
  });

  it('drops a table only when the files are the whole run, not one chunk of it', async () => {
    // helper.py's own loop calls its own function, so its analysis builds its table; worker.py imports it.
    const cwd = tree({
      'helper.py': 'import requests\n\ndef fetch(url):\n    return requests.get(url, timeout=5).json()\n\ndef fetch_all(urls):\n    for url in urls:\n        fetch(url)\n',
      'worker.py': 'from helper import fetch\n\ndef sync(urls):\n    out = []\n    for url in urls:\n        out.append(fetch(url))\n    return out\n',
    });
    const kb = loadKnowledgeBase(DEFAULT_CONFIG);
    const options = { config: DEFAULT_CONFIG, locale: 'en' as const, maxFileBytes: 1_000_000, kb };
    // Two chunks on one thread's index, helper.py first: its table must still be there for worker.py's summary.
    const chunked = async (wholeRun: boolean) => {
      const { reads, read } = recordingReader(cwd);
      const effects = new EffectIndex(kb, read);
      const first = await analyzeFilesPipelined(sourceFiles(cwd, ['helper.py']), { ...options, effects, wholeRun });
      const kept = effects.isLoaded('helper.py');
      const second = await analyzeFilesPipelined(sourceFiles(cwd, ['worker.py']), { ...options, effects, wholeRun });
      return { reads, kept, findings: [...first.findings, ...second.findings] };
    };
    const asChunks = await chunked(false);
    expect(asChunks.kept).toBe(true);
    expect(asChunks.reads).toEqual([]);
    // Told (wrongly) that one chunk is the whole run, the index drops helper.py's table and worker.py reads it again:
    // the premise that the flag decides.
    const asRun = await chunked(true);
    expect(asRun.kept).toBe(false);
    expect(asRun.reads).toContain('helper.py');
    // The findings do not depend on it.
    expect(asRun.findings).toEqual(asChunks.findings);
    expect(asChunks.findings.some((f) => f.path === 'worker.py' && f.ruleId === 'serial-blocking-io')).toBe(true);
  });
});
