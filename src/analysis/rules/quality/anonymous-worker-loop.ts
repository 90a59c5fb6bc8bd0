// A `while True` worker at module level or inside `main()`/`run()`, with no stop condition and all of its work
// written inline: the reader has to execute it in their head to learn what it does and how it ends.
import type { Detector } from '../../rule-types.js';
import { blockFix, fenceLanguage } from '../../../fixes/lines.js';
import { guardedWorkerTemplate } from '../../../fixes/templates.js';
import { countBodyLines, isInfiniteHeader, isNestingStatement, loopExits } from './shape.js';
import { descendants, enclosingFunction, familyOf, lineOf, workerStepBody } from '../lib/index.js';
import { isGenericFunctionName, outerNamesUsed, workerPurpose } from './worker-name.js';
import { noExitWorkerCall, ruleMayReport } from './overlap.js';
import { findUnguardedCall } from './unguarded-worker-loop.js';
import { detectBraceAnonymousWorker, isBrace } from './brace-readability.js';

/** Bodies shorter than this read at a glance even without named steps. */
const MIN_INLINE_LINES = 10;

function functionName(node: import('../../facts.js').SyntaxNode | undefined): string | undefined {
  if (!node) return undefined;
  const name = node.childForFieldName('name')?.text;
  if (name) return name;
  // `const pollOrders = async () => { ... }`
  const parent = node.parent;
  if (parent?.type === 'variable_declarator') return parent.childForFieldName('name')?.text;
  if (parent?.type === 'pair') return parent.childForFieldName('key')?.text;
  return undefined;
}

export const detectAnonymousWorkerLoop: Detector = (loop, ctx) => {
  if (isBrace(loop)) return detectBraceAnonymousWorker(loop, ctx, MIN_INLINE_LINES, isGenericFunctionName);
  const { model } = ctx;
  if (loop.kind !== 'while' && loop.kind !== 'for') return null;
  if (!isInfiniteHeader(loop)) return null;
  const family = familyOf(loop.language);
  const fn = enclosingFunction(loop.node, family);
  const name = functionName(fn);
  if (fn && !isGenericFunctionName(name)) return null;
  const exits = loopExits(loop);
  if (exits.breaks.length + exits.returns.length + exits.exitCalls.length + exits.yields.length > 0) return null;
  const lines = countBodyLines(loop, ctx.file.source);
  if (lines < MIN_INLINE_LINES) return null;
  const inlineLogic = [...descendants(loop.body, model, { skipFunctions: true })].some((n) => isNestingStatement(n, family));
  if (!inlineLogic) return null;
  // The fix-bugs comment on the same header suggests the same named worker; a second one is noise.
  if (ruleMayReport(ctx.config, 'unguarded-worker-loop', 'fix-bugs') && findUnguardedCall(loop, ctx)) return null;
  if (ruleMayReport(ctx.config, 'infinite-loop-no-exit', 'fix-bugs') && noExitWorkerCall(loop, ctx)) return null;

  const purpose = workerPurpose(loop, ctx.model);
  const { text: body, stops } = workerStepBody(loop, ctx.file.source);
  const code = guardedWorkerTemplate(loop.language, {
    name: purpose,
    ...(body ? { body, stops } : {}),
    async: loop.inAsyncFunction || loop.hasAwait,
    params: outerNamesUsed(loop, ctx.model),
  });
  return {
    loop,
    line: lineOf(loop.node),
    variant: fn ? 'generic-function' : 'module-level',
    data: { function: name ?? '', lines, suggested: purpose },
    confidence: 'high',
    fix: blockFix(code, { startLine: loop.startLine, endLine: loop.endLine }, {
      description: purpose,
      safety: 'unsafe',
      language: fenceLanguage(loop.language),
    }),
  };
};
