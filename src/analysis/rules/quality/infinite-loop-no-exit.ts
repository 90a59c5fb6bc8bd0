// An endless worker loop with no way to stop it cleanly: no stop flag, no break or return, and nothing in the file
// handles SIGTERM. A deploy kills it mid-item. Generators (`yield`) and asyncio coroutines (stopped by task
// cancellation) are excluded; a loop that does no I/O or waiting is not a worker.
import type { Detector } from '../../rule-types.js';
import { blockFix, fenceLanguage, wholeLineText } from '../../../fixes/lines.js';
import { guardedWorkerTemplate } from '../../../fixes/templates.js';
import { noExitWorkerCall, ruleMayReport } from './overlap.js';
import { displayCallee, endLineOf, familyOf, lineOf, statementsOf } from '../lib/index.js';
import { findUnguardedCall } from './unguarded-worker-loop.js';
import { detectBraceNoExit } from './brace-worker.js';
import { outerNamesUsed, workerName } from './worker-name.js';

export const detectInfiniteLoopNoExit: Detector = (loop, ctx) => {
  if (loop.language === 'go' || loop.language === 'java') return detectBraceNoExit(loop, ctx, ruleMayReport(ctx.config, 'unguarded-worker-loop', 'fix-bugs'));
  const family = familyOf(loop.language);
  const worker = noExitWorkerCall(loop, ctx);
  if (!worker) return null;
  // unguarded-worker-loop's comment on the same header already names the missing stop flag (its `-no-stop` variant).
  if (ruleMayReport(ctx.config, 'unguarded-worker-loop', 'fix-bugs') && findUnguardedCall(loop, ctx)) return null;
  const purpose = workerName(loop, ctx.model);
  const statements = statementsOf(loop.body);
  const body = statements.length > 0 ? wholeLineText(ctx.file.source, lineOf(statements[0]!), endLineOf(statements[statements.length - 1]!)) : undefined;
  return {
    loop,
    line: lineOf(loop.node),
    variant: family === 'python' ? 'default' : 'node',
    data: { call: displayCallee(worker.callee) },
    confidence: 'high',
    fix: blockFix(guardedWorkerTemplate(loop.language, { name: purpose, ...(body ? { body } : {}), async: loop.inAsyncFunction || loop.hasAwait, params: outerNamesUsed(loop, ctx.model) }), { startLine: loop.startLine, endLine: loop.endLine }, {
      description: 'stop flag set by SIGTERM/SIGINT',
      safety: 'unsafe',
      language: fenceLanguage(loop.language),
    }),
  };
};
