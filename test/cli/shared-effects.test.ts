// One index of function tables per thread across the CLI's batches: a module many analysed files import is read
// (and parsed) once, and the findings are those of one batch holding every file.
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { EffectIndex } from '../../src/analysis/effects/index.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { analyzeFilesPipelined, PARSE_AHEAD, sortResult } from '../../src/cli/analyze-files.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { recordingReader, tree } from './harness.js';

const HELPER = 'import requests\n\ndef fetch(url):\n    return requests.get(url, timeout=5).json()\n';
const USER = (i: number) => `from helper import fetch\n\ndef sync_${i}(urls):\n    out = []\n    for url in urls:\n        out.append(fetch(url))\n    return out\n`;

describe('the effect index shared across batches', () => {
  it('reads an imported module once for every batch and finds what one batch finds', async () => {
    const cwd = tree({ 'helper.py': HELPER, 'a.py': USER(1), 'b.py': USER(2), 'c.py': USER(3) });
    const files = ['a.py', 'b.py', 'c.py'].map((path) => ({ path, absolute: join(cwd, path) }));
    const kb = loadKnowledgeBase(DEFAULT_CONFIG);
    const { reads, read } = recordingReader(cwd);
    const effects = new EffectIndex(kb, read);
    const options = { config: DEFAULT_CONFIG, locale: 'en' as const, maxFileBytes: 1_000_000, kb };
    const together = sortResult(await analyzeFilesPipelined(files, options));
    const parts = [];
    for (const file of files) parts.push(await analyzeFilesPipelined([file], { ...options, effects }));
    const separately = sortResult({ findings: parts.flatMap((p) => p.findings), skipped: parts.flatMap((p) => p.skipped), notes: parts.flatMap((p) => p.notes), filesAnalyzed: parts.reduce((n, p) => n + p.filesAnalyzed, 0) });
    expect(together.findings.length).toBeGreaterThan(0);
    expect(separately).toEqual(together);
    expect(reads.filter((path) => path === 'helper.py')).toEqual(['helper.py']);
  });
});

describe('a tree parsed for an import is handed to that file\'s own analysis', () => {
  const LOOPING_HELPER = `${HELPER}\ndef fetch_all(urls):\n    return [fetch(u) for u in urls if u]\n\ndef poll(url):\n    while True:\n        fetch(url)\n`;
  const read = (cwd: string) => recordingReader(cwd).read;

  it('hands over the tree once, only for an expected path and the same text', () => {
    const cwd = tree({ 'helper.py': LOOPING_HELPER });
    const kb = loadKnowledgeBase(DEFAULT_CONFIG);
    const expecting = new EffectIndex(kb, read(cwd));
    expecting.expectAnalysis(['helper.py']);
    expect(expecting.load('helper.py')?.topLevel.has('fetch')).toBe(true);
    const handed = expecting.takeTree('helper.py', LOOPING_HELPER);
    expect(handed?.source).toBe(LOOPING_HELPER);
    expect(handed?.rootNode.type).toBe('module');
    expect(expecting.takeTree('helper.py', LOOPING_HELPER)).toBeUndefined();

    const changed = new EffectIndex(kb, read(cwd));
    changed.expectAnalysis(['helper.py']);
    changed.load('helper.py');
    expect(changed.takeTree('helper.py', `${LOOPING_HELPER}\n# edited\n`)).toBeUndefined();

    const notExpected = new EffectIndex(kb, read(cwd));
    notExpected.load('helper.py');
    expect(notExpected.takeTree('helper.py', LOOPING_HELPER)).toBeUndefined();
  });

  it('analyses the imported file from the handed tree with the findings of a fresh parse', async () => {
    // The imports come after a definition, where the CLI's import scan (importsFirst) does not look: the files keep
    // their order. user00.py first: it loads helper.py for its summaries before helper.py, behind the parse-ahead window,
    // has its turn.
    const late = (i: number) => `def first():\n    return None\n\n${USER(i)}`;
    // More importers than the window holds, so that helper.py is still outside it when a.py needs its table.
    const users = Array.from({ length: PARSE_AHEAD + 1 }, (_, i) => `user${String(i).padStart(2, '0')}.py`);
    const cwd = tree({ 'helper.py': LOOPING_HELPER, ...Object.fromEntries(users.map((path, i) => [path, late(i + 1)])) });
    const files = [...users, 'helper.py'].map((path) => ({ path, absolute: join(cwd, path) }));
    const kb = loadKnowledgeBase(DEFAULT_CONFIG);
    const handed: string[] = [];
    class CountingIndex extends EffectIndex {
      override takeTree(path: string, text: string) {
        const got = super.takeTree(path, text);
        if (got) handed.push(path);
        return got;
      }
    }
    const options = { config: DEFAULT_CONFIG, locale: 'en' as const, maxFileBytes: 1_000_000, kb };
    const shared = sortResult(await analyzeFilesPipelined(files, { ...options, effects: new CountingIndex(kb, read(cwd)) }));
    expect(handed).toEqual(['helper.py']);
    const fresh = sortResult({ findings: [], skipped: [], notes: [], filesAnalyzed: 0 });
    for (const file of files) {
      const one = await analyzeFilesPipelined([file], { ...options, effects: new EffectIndex(kb, read(cwd)) });
      fresh.findings.push(...one.findings);
      fresh.notes.push(...one.notes);
      fresh.skipped.push(...one.skipped);
      fresh.filesAnalyzed += one.filesAnalyzed;
    }
    expect(shared.findings.some((f) => f.path === 'helper.py')).toBe(true);
    expect(shared).toEqual(sortResult(fresh));
  });
});
