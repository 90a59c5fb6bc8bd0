import { readFileSync } from 'node:fs';
import { it } from '@jest/globals';
import { extractJavaScriptFacts } from '../../src/analysis/facts/javascript.js';
import { parseSource } from '../../src/analysis/parse.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';

it('perf', () => {
  const kb = loadKnowledgeBase();
  for (const f of ['deep.js', 'deep2.js', 'deep3.js', 'big.js']) {
    const src = readFileSync('/tmp/fjs/s/' + f, 'utf8');
    const t0 = Date.now();
    const tree = parseSource('javascript', src);
    const t1 = Date.now();
    const facts = extractJavaScriptFacts(f, src, tree, 'javascript', kb);
    console.log(f, 'parse', t1 - t0, 'facts', Date.now() - t1, 'loops', facts.loops.length, facts.notes, facts.hasErrors);
  }
});
