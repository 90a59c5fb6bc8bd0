// Background work started in a loop whose result nobody keeps: `executor.submit(...)` / `asyncio.create_task(...)`
// as a bare statement, an async call neither awaited nor collected, a `.then()` with no `.catch()`. Its exception
// is lost (or, for a promise, crashes the process as an unhandled rejection); an asyncio task without a reference
// can even be garbage-collected mid-flight. Collected results (`futures.append(...)`, `Promise.all`), `void`,
// `TaskGroup.create_task` and `.catch(...)` are all deliberate and stay quiet.
import type { Detection, Detector, RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { blockFix, fenceLanguage, replaceFix, rewriteLines } from '../../../fixes/lines.js';
import { calleeOf, descendants, familyOf, lineOf, methodOf, rootOf } from './syntax.js';
import { displayCallee } from './syntax.js';

const PY_SPAWN = /(^|\.)(submit|create_task|ensure_future|run_coroutine_threadsafe|apply_async|start_soon)$/;

function pythonFindings(loop: LoopFacts): { statement: SyntaxNode; call: SyntaxNode; callee: string }[] {
  const out: { statement: SyntaxNode; call: SyntaxNode; callee: string }[] = [];
  for (const node of descendants(loop.body, 'python', { skipFunctions: true, skipLoops: true })) {
    if (node.type !== 'expression_statement') continue;
    const expr = node.namedChildren[0];
    if (expr?.type !== 'call') continue;
    const callee = calleeOf(expr);
    if (!PY_SPAWN.test(callee)) continue;
    // TaskGroup / nursery own their tasks and re-raise their failures.
    const receiver = callee.slice(0, callee.lastIndexOf('.'));
    if (/^(tg|task_group|taskgroup|group|nursery)$/i.test(receiver) || /start_soon$/.test(callee)) continue;
    if (methodOf(callee) === 'submit' && !/executor|pool|ex$|^ex|client/i.test(receiver)) continue;
    if (methodOf(callee) === 'apply_async' && /pool/i.test(receiver) === false) continue;
    out.push({ statement: node, call: expr, callee });
  }
  return out;
}

/** Names of async functions and methods declared in the file (their calls return promises). */
function asyncFunctionNames(root: SyntaxNode): Set<string> {
  const names = new Set<string>();
  for (const node of descendants(root, 'js')) {
    const isAsync = node.children.some((c) => c.type === 'async');
    if (!isAsync) continue;
    if (node.type === 'function_declaration' || node.type === 'method_definition') {
      const name = node.childForFieldName('name')?.text;
      if (name) names.add(name);
    } else if ((node.type === 'arrow_function' || node.type === 'function_expression') && node.parent?.type === 'variable_declarator') {
      const name = node.parent.childForFieldName('name')?.text;
      if (name) names.add(name);
    }
  }
  return names;
}

interface JsFinding {
  statement: SyntaxNode;
  expression: SyntaxNode;
  callee: string;
  variant: 'promise' | 'then';
}

function jsFindings(loop: LoopFacts, ctx: RuleContext): JsFinding[] {
  const asyncNames = asyncFunctionNames(rootOf(loop.node));
  const out: JsFinding[] = [];
  for (const node of descendants(loop.body, 'js', { skipFunctions: loop.kind !== 'callback-iteration' && loop.kind !== 'interval', skipLoops: true })) {
    if (node.type !== 'expression_statement') continue;
    const expr = node.namedChildren[0];
    if (expr?.type !== 'call_expression') continue;
    const callee = calleeOf(expr);
    const method = methodOf(callee);
    if (method === 'then') {
      if ((expr.childForFieldName('arguments')?.namedChildren.length ?? 0) >= 2) continue;
      out.push({ statement: node, expression: expr, callee, variant: 'then' });
      continue;
    }
    if (['catch', 'finally'].includes(method) && /\.catch\(/.test(expr.text)) continue;
    if (method === 'finally' || method === 'catch') continue;
    const bare = callee.replace(/^this\./, '');
    const isAsyncLocal = asyncNames.has(bare) || asyncNames.has(method) && callee.startsWith('this.');
    const kinds = ctx.kb.classify(loop.language, callee).kinds;
    const isKnownAsyncIo = (loop.inAsyncFunction || loop.hasAwait) && kinds.some((k) => k === 'http' || k === 'db-write' || k === 'queue-ack' || k === 'db-read');
    if (!isAsyncLocal && !isKnownAsyncIo) continue;
    if (expr.childForFieldName('arguments')?.namedChildren.some((a) => a.type === 'arrow_function' || a.type === 'function_expression')) continue;
    out.push({ statement: node, expression: expr, callee, variant: 'promise' });
  }
  return out;
}

export const detectFireAndForgetTask: Detector = (loop, ctx) => {
  const family = familyOf(loop.language);
  const detections: Detection[] = [];
  if (family === 'python') {
    for (const finding of pythonFindings(loop)) {
      const isTask = /create_task|ensure_future/.test(finding.callee);
      const code = isTask
        ? [
            'background_tasks: set[asyncio.Task] = set()',
            '',
            '',
            'def _task_done(task: asyncio.Task) -> None:',
            '    background_tasks.discard(task)',
            '    if not task.cancelled() and task.exception() is not None:',
            '        logger.error("background task failed", exc_info=task.exception())',
            '',
            '',
            `task = ${finding.call.text}`,
            'background_tasks.add(task)',
            'task.add_done_callback(_task_done)',
            '',
          ].join('\n')
        : [
            'futures = []',
            `${loop.node.text.split('\n')[0]}`,
            `    futures.append(${finding.call.text})`,
            'for future in concurrent.futures.as_completed(futures):',
            '    try:',
            '        future.result()',
            '    except Exception:',
            '        logger.exception("background job failed")',
            '',
          ].join('\n');
      detections.push({
        loop,
        line: lineOf(finding.statement),
        variant: isTask ? 'task' : 'future',
        data: { call: displayCallee(finding.callee) },
        confidence: 'high',
        fix: blockFix(code, { startLine: loop.startLine, endLine: loop.endLine }, {
          description: isTask ? 'keep a reference and log failures' : 'collect the futures and check their results',
          safety: 'unsafe',
          language: 'python',
        }),
      });
    }
    return detections;
  }
  const hasLogger = /\blogger\b/.test(rootOf(loop.node).text) ? 'logger.error' : 'console.error';
  for (const finding of jsFindings(loop, ctx)) {
    const expr = finding.expression;
    const label = finding.callee.replace(/'/g, '');
    const handler = `.catch((err) => ${hasLogger}('${label} failed', err))`;
    const fix = replaceFix(rewriteLines(ctx.file.source, [{ start: expr.endIndex, end: expr.endIndex, text: handler }]), {
      description: `${label}(...).catch(...)`,
      safety: 'safe',
      language: fenceLanguage(loop.language),
    });
    detections.push({
      loop,
      line: lineOf(finding.statement),
      variant: finding.variant,
      data: { call: displayCallee(finding.callee) },
      confidence: 'high',
      fix,
    });
  }
  return detections;
};
