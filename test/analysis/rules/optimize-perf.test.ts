import { it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { globSync } from 'tinyglobby';
import { DEFAULT_CONFIG } from '../../../src/config/schema.js';
import { extractPythonFacts } from '../../../src/analysis/facts/python.js';
import { loadKnowledgeBase } from '../../../src/analysis/knowledge-base.js';
import { parseSource } from '../../../src/analysis/parse.js';
import { getRule } from '../../../src/analysis/engine.js';
import { detectors } from '../../../src/analysis/rules/optimize/index.js';
import type { LoopFacts } from '../../../src/analysis/facts.js';
it('perf', () => {
  const root = process.env.SCAN_ROOT!;
  const files = globSync('**/*.py', { cwd: root, absolute: true, ignore: ['**/test/**', '**/tests/**', '**/site-packages/**', '**/idle_test/**'] }).slice(0, 400);
  const kb = loadKnowledgeBase();
  let t = Date.now();
  const all = files.map((p) => { const s = readFileSync(p, 'utf8'); return extractPythonFacts(p, s, parseSource('python', s), kb); });
  const factsMs = Date.now() - t;
  const per: string[] = [];
  for (const id of Object.keys(detectors)) {
    const rule = getRule(id)!;
    t = Date.now();
    for (const file of all) {
      const loops: LoopFacts[] = []; const seen = new Set<number>();
      const visit = (l: LoopFacts) => { if (seen.has(l.node.id)) return; seen.add(l.node.id); loops.push(l); l.children.forEach(visit); };
      file.loops.forEach(visit);
      for (const loop of loops) detectors[id]!(loop, { file, config: DEFAULT_CONFIG, locale: 'en', rule, kb });
    }
    per.push(`${id}=${Date.now() - t}`);
  }
  console.log(`files=${files.length} facts=${factsMs}ms ${per.join(' ')}`);
});
