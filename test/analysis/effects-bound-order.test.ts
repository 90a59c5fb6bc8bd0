// What a file's summaries read does not depend on which other files of the run were analysed before it: a table
// another analysis already built counts against `effects.max_files` like any other, and a look past the depth bound
// sees only the files this analysis consulted. Before, a table built by an earlier analysis was read for free, so the
// report (findings and the "imports left unread" note) changed with the order in which a parse-ahead window finished.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { analyzeSourceAsync } from '../../src/analysis/engine.js';
import { EffectIndex } from '../../src/analysis/effects/index.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import type { CozeLoopConfig } from '../../src/config/schema.js';
import { recordingReader, tree } from '../cli/harness.js';

const config: CozeLoopConfig = { ...DEFAULT_CONFIG, effects: { enabled: true, max_depth: 3, max_files: 1 } };

describe('the bound on other files read is the same whatever was analysed before', () => {
  const cwd = tree({
    // Two helpers in two files: with max_files 1 only the first one the analysis meets is read.
    'store.py': 'def pending():\n    return []\n\ndef first(rows):\n    for r in rows:\n        print(r)\n',
    'push.py': 'import requests\n\ndef send(row):\n    return requests.post("https://example.invalid/rows", json=row, timeout=5)\n\ndef each(rows):\n    for r in rows:\n        print(r)\n',
    'worker.py': 'from store import pending\nfrom push import send\n\ndef sync():\n    rows = pending()\n    for row in rows:\n        send(row)\n',
  });
  const kb = loadKnowledgeBase(DEFAULT_CONFIG);
  const input = (path: string) => ({ path, content: readFileSync(join(cwd, path)) });

  const run = async (before: string[]) => {
    const { read } = recordingReader(cwd);
    const effects = new EffectIndex(kb, read);
    effects.expectImported(['store.py', 'push.py']);
    const options = { locale: 'en' as const, kb, effects };
    for (const path of before) await analyzeSourceAsync(input(path), config, options);
    const pushLoaded = effects.isLoaded('push.py');
    const worker = await analyzeSourceAsync(input('worker.py'), config, options);
    return { pushLoaded, findings: worker.findings, notes: worker.notes };
  };

  it('gives worker.py the same findings and notes whether push.py was analysed first or not', async () => {
    const alone = await run([]);
    const afterBoth = await run(['store.py', 'push.py']);
    // The premise: the other analyses built push.py's table before worker.py's summaries looked.
    expect(alone.pushLoaded).toBe(false);
    expect(afterBoth.pushLoaded).toBe(true);
    // store.py (met first, for `pending()`) takes the one file the bound allows; push.py is left unread both times.
    const cut = (notes: Array<{ note: string }>) => notes.filter((n) => /push\.py/.test(n.note));
    expect(cut(alone.notes)).toHaveLength(1);
    expect(afterBoth.notes).toEqual(alone.notes);
    expect(afterBoth.findings).toEqual(alone.findings);
    expect(alone.findings.some((f) => f.ruleId === 'serial-blocking-io')).toBe(false);
  });

  it('reads push.py when the bound allows, the same way both times', async () => {
    const roomy: CozeLoopConfig = { ...config, effects: { enabled: true, max_depth: 3, max_files: 2 } };
    const once = async (before: string[]) => {
      const { read } = recordingReader(cwd);
      const effects = new EffectIndex(kb, read);
      const options = { locale: 'en' as const, kb, effects };
      for (const path of before) await analyzeSourceAsync(input(path), roomy, options);
      return (await analyzeSourceAsync(input('worker.py'), roomy, options)).findings;
    };
    const alone = await once([]);
    expect(alone.some((f) => f.ruleId === 'serial-blocking-io' && /send\(\)/.test(f.message))).toBe(true);
    expect(await once(['push.py', 'store.py'])).toEqual(alone);
  });
});
