import { it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { extractPythonFacts } from '../../../src/analysis/facts/python.js';
import { loadKnowledgeBase } from '../../../src/analysis/knowledge-base.js';
import { parseSource } from '../../../src/analysis/parse.js';
it('dbg', () => {
  const path = process.env.F!;
  const src = readFileSync(path, 'utf8');
  const facts = extractPythonFacts(path, src, parseSource('python', src), loadKnowledgeBase());
  for (const l of facts.loops) console.log(l.kind, l.startLine, l.infinite, l.condition, l.calls.map((c) => `${c.callee}[${c.kinds}|${c.confidence}|dep=${c.dependsOnIteration}|inner=${c.inInnerLoop}|sleep=${c.sleepSeconds}]`).join('  '));
});
