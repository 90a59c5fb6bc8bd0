import { readFileSync } from 'node:fs';
import { it } from '@jest/globals';
import { extractJavaScriptFacts } from '../../src/analysis/facts/javascript.js';
import { parseSource } from '../../src/analysis/parse.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';

it('dump', () => {
  const file = process.env.DUMP_FILE!;
  const lang = (process.env.DUMP_LANG ?? 'typescript') as 'typescript';
  const src = readFileSync(file, 'utf8');
  const facts = extractJavaScriptFacts(file, src, parseSource(lang, src), lang, loadKnowledgeBase());
  const out = facts.loops.map((l) => ({
    kind: l.kind, lines: `${l.startLine}-${l.endLine} h${l.headerLine} b${l.bodyStartLine}-${l.bodyEndLine}`, infinite: l.infinite, cond: l.condition,
    exits: l.exits.map((e) => `${e.kind}@${e.line}${e.name ? ':' + e.name : ''}`).join(' '),
    vars: l.loopVariables.join(','), iter: l.iterable, depth: l.depth, nest: l.maxBodyNesting, bodyLines: l.bodyLines, fn: l.functionName,
    async: l.inAsyncFunction, await: l.hasAwait, sig: l.fileHandlesSignals, parent: l.parent?.startLine, conc: (l as any).concurrent,
    tries: l.tries.map((t) => `${t.startLine}-${t.endLine} in=${t.insideLoop} broad=${t.catchesBroadly} sl=${t.handlerSleeps} co=${t.handlerContinues} re=${t.handlerReraises} br=${t.handlerBreaksOrReturns} log=${t.handlerLogs}`),
    assigns: l.assignments.map((a) => `${a.target}${a.op}`).join(' '),
    continues: l.continues,
    calls: l.calls.map((c) => `L${c.line} ${c.callee} [${c.kinds.join(',')}/${c.confidence[0]}]` +
      `${c.awaited ? ' aw' : ''}${c.resultUsed ? ' used' : ' UNUSED'}${c.assignedTo ? ' ->' + c.assignedTo : ''}${c.guarded ? ' guarded' : ''}${c.inTry ? ' inTry' : ''}${c.inInnerLoop ? ' inner' : ''}${c.conditional ? ' cond' : ''}${c.dependsOnIteration ? ' dep' : ''}${c.managed ? ' managed' : ''}` +
      `${c.sleepSeconds !== undefined ? ' sleep=' + c.sleepSeconds : ''}${c.timeoutSeconds !== undefined ? ' timeout=' + c.timeoutSeconds : ''}${c.sql ? ' sql=' + JSON.stringify(c.sql.slice(0, 40)) : ''} args=${JSON.stringify(c.args.map((a) => (a.name ? a.name + ':' : '') + (a.number ?? a.string ?? a.text.slice(0, 20))))}`),
  }));
  console.log(JSON.stringify({ hasErrors: facts.hasErrors, supp: [...facts.suppressions], loops: out }, null, 1));
});
