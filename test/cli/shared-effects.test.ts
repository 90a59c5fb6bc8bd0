// One index of function tables per thread across the CLI's batches: a module many analysed files import is read
// (and parsed) once, and the findings are those of one batch holding every file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { EffectIndex } from '../../src/analysis/effects/index.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { analyzeFilesPipelined, sortResult } from '../../src/cli/analyze-files.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { tree } from './harness.js';

const HELPER = 'import requests\n\ndef fetch(url):\n    return requests.get(url, timeout=5).json()\n';
const USER = (i: number) => `from helper import fetch\n\ndef sync_${i}(urls):\n    out = []\n    for url in urls:\n        out.append(fetch(url))\n    return out\n`;

describe('the effect index shared across batches', () => {
  it('reads an imported module once for every batch and finds what one batch finds', async () => {
    const cwd = tree({ 'helper.py': HELPER, 'a.py': USER(1), 'b.py': USER(2), 'c.py': USER(3) });
    const files = ['a.py', 'b.py', 'c.py'].map((path) => ({ path, absolute: join(cwd, path) }));
    const kb = loadKnowledgeBase(DEFAULT_CONFIG);
    const reads: string[] = [];
    const effects = new EffectIndex(kb, (path) => {
      reads.push(path);
      try {
        return readFileSync(join(cwd, path));
      } catch {
        return undefined;
      }
    });
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
