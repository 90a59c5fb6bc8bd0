import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { parseSource } from '../src/analysis/parse.js';
import { extractPythonFacts } from '../src/analysis/facts/python.js';
import { loadKnowledgeBase } from '../src/analysis/knowledge-base.js';
const dir = process.argv[2]!;
const files = execSync(`find ${dir} -name '*.py' -not -path '*/test/*' -not -path '*/tests/*' -not -path '*/idle_test/*' -not -path '*/site-packages/*'`).toString().trim().split('\n');
const kb = loadKnowledgeBase();
let parse = 0, facts = 0, loops = 0, bytes = 0, calls = 0;
const t0 = Date.now();
for (const f of files) {
  const src = readFileSync(f, 'utf8'); bytes += src.length;
  let t = Date.now(); const tree = parseSource('python', src); parse += Date.now() - t;
  t = Date.now(); const ff = extractPythonFacts(f, src, tree, kb); facts += Date.now() - t;
  loops += ff.loops.length; for (const l of ff.loops) calls += l.calls.length;
}
console.log({ files: files.length, bytes, parse, facts, loops, calls, total: Date.now() - t0 });
