import { readFileSync } from 'node:fs';
import { parseSource } from '../src/analysis/parse.js';
import { extractPythonFacts } from '../src/analysis/facts/python.js';
import { loadKnowledgeBase } from '../src/analysis/knowledge-base.js';
const file = process.argv[2]!;
const src = readFileSync(file, 'utf8');
const t0 = Date.now();
const tree = parseSource('python', src);
const t1 = Date.now();
const facts = extractPythonFacts(file, src, tree, loadKnowledgeBase());
const t2 = Date.now();
if (process.argv[3] === 'time') { console.log('parse', t1 - t0, 'facts', t2 - t1, 'loops', facts.loops.length, facts.notes); process.exit(0); }
for (const l of facts.loops) {
  const { node, body, parent, children, calls, tries, text, ...rest } = l;
  console.log(JSON.stringify({ ...rest, parent: parent?.startLine, children: children.map((c) => c.startLine), tries: tries.map(({ node, ...t }) => t) }));
  for (const c of calls) { const { node, text, ...r } = c; console.log('   ', JSON.stringify(r)); }
}
