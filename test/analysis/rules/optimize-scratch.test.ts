import { describe, it } from '@jest/globals';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../../src/config/schema.js';
import { fill } from '../../../src/core/i18n.js';
import { extractJavaScriptFacts } from '../../../src/analysis/facts/javascript.js';
import { extractPythonFacts } from '../../../src/analysis/facts/python.js';
import { loadKnowledgeBase } from '../../../src/analysis/knowledge-base.js';
import { languageForPath, parseSource } from '../../../src/analysis/parse.js';
import { parseRuleFile } from '../../../src/analysis/rule-registry.js';
import { detectors } from '../../../src/analysis/rules/optimize/index.js';
import type { LoopFacts } from '../../../src/analysis/facts.js';
import type { Detection } from '../../../src/analysis/rule-types.js';
import { applyFix } from '../../../src/fixes/apply.js';

const only = process.env.RULE;
describe('scratch', () => {
  it('runs', () => {
    const kb = loadKnowledgeBase();
    const out: string[] = [];
    for (const id of Object.keys(detectors)) {
      if (only && id !== only) continue;
      const dir = join('test/fixtures/rules', id);
      if (!existsSync(dir)) continue;
      const rule = parseRuleFile(readFileSync(`rules/${id}.yml`, 'utf8'), id);
      for (const file of readdirSync(dir)) {
        const path = join(dir, file);
        const language = languageForPath(path)!;
        const source = readFileSync(path, 'utf8');
        const tree = parseSource(language, source);
        const facts = language === 'python' ? extractPythonFacts(path, source, tree, kb) : extractJavaScriptFacts(path, source, tree, language as 'typescript', kb);
        const loops: LoopFacts[] = [];
        const seen = new Set<number>();
        const visit = (l: LoopFacts) => { if (seen.has(l.node.id)) return; seen.add(l.node.id); loops.push(l); l.children.forEach(visit); };
        facts.loops.forEach(visit);
        const expected = new Set<number>();
        source.split('\n').forEach((l, i) => { if (new RegExp(`(#|//) ruleid: ${id}\\b`).test(l)) expected.add(i + 2); });
        const got = new Map<number, Detection>();
        for (const loop of loops) {
          let d = detectors[id]!(loop, { file: facts, config: DEFAULT_CONFIG, locale: 'en', rule, kb });
          if (!d) continue;
          for (const x of Array.isArray(d) ? d : [d]) got.set(x.line, x);
        }
        const lines = [...new Set([...expected, ...got.keys()])].sort((a, b) => a - b);
        for (const l of lines) {
          const d = got.get(l);
          const status = expected.has(l) && d ? 'OK ' : expected.has(l) ? 'MISSING' : 'EXTRA';
          let msg = '';
          if (d) {
            const v = d.variant ?? 'default';
            msg = fill(rule.messages[v]?.en ?? `!!no variant ${v}`, d.data as Record<string, string>);
            if (!rule.explanations[v]) msg += ' !!no explanation variant';
            msg += ` | cost ${d.cost?.before}->${d.cost?.after} ${d.cost?.unit} | fix ${d.fix?.kind}`;
            if (process.env.SHOWFIX && d.fix) msg += `\n----- fix ${d.fix.startLine}-${d.fix.endLine} (${d.fix.safety}) ${d.fix.description}\n${d.fix.code}\n-----`;
            if (process.env.SHOWCOST && d.cost) msg += `\n   ${d.cost.formula}`;
            if (d.fix?.kind === 'replace') {
              const patched = applyFix(source, d.fix);
              const t2 = parseSource(language, patched);
              if (t2.rootNode.hasError) msg += ' !!PATCH PARSE ERROR';
              const f2 = language === 'python' ? extractPythonFacts(path, patched, t2, kb) : extractJavaScriptFacts(path, patched, t2, language as 'typescript', kb);
              const l2: LoopFacts[] = []; const s2 = new Set<number>();
              const v2 = (l: LoopFacts) => { if (s2.has(l.node.id)) return; s2.add(l.node.id); l2.push(l); l.children.forEach(v2); };
              f2.loops.forEach(v2);
              const again = l2.flatMap((lp) => { const r = detectors[id]!(lp, { file: f2, config: DEFAULT_CONFIG, locale: 'en', rule, kb }); return r ? (Array.isArray(r) ? r : [r]) : []; });
              const shift = patched.split('\n').length - source.split('\n').length;
              const sameLoop = again.filter((a) => a.loop.startLine >= d.loop.startLine - 3 && a.loop.startLine <= d.loop.endLine + shift + 1);
              if (sameLoop.length) msg += ` !!STILL FIRES after fix at ${sameLoop.map((a) => a.line)}`;
            }
          }
          out.push(`${status} ${id} ${file}:${l} ${msg}`);
        }
      }
    }
    console.log(out.join('\n'));
  });
});
