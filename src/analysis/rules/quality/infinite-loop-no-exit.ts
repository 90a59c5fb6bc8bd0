// An endless worker loop with no way to stop it cleanly: no stop flag, no break or return, and nothing in the file
// handles SIGTERM. A deploy kills it mid-item. Generators (`yield`) and asyncio coroutines (stopped by task
// cancellation) are excluded; a loop that does no I/O or waiting is not a worker.
import type { Detector } from '../../rule-types.js';
import { blockFix, fenceLanguage, wholeLineText } from '../../../fixes/lines.js';
import { guardedWorkerTemplate } from '../../../fixes/templates.js';
import { isBlockingWait, treeCalls } from './calls.js';
import { isInfiniteHeader, loopExits } from './shape.js';
import { endLineOf, familyOf, lineOf, rootOf, statementsOf } from './syntax.js';
import { displayCallee } from './syntax.js';
import { workerPurpose } from './worker-name.js';

const SIGNAL_HANDLING = /signal\.signal\s*\(|add_signal_handler\s*\(|process\.(on|once|addListener)\s*\(\s*['"`]SIG(TERM|INT)|signal\.SIGTERM|AbortController|signal\.aborted|setup_signal|install_signal|graceful/;

export const detectInfiniteLoopNoExit: Detector = (loop, ctx) => {
  if (!isInfiniteHeader(loop)) return null;
  const family = familyOf(loop.language);
  if (family === 'python' && loop.inAsyncFunction) return null;
  const exits = loopExits(loop);
  if (exits.breaks.length + exits.returns.length + exits.exitCalls.length + exits.yields.length > 0) return null;
  if (loop.fileHandlesSignals || SIGNAL_HANDLING.test(rootOf(loop.node).text)) return null;
  const calls = treeCalls(loop.body, loop.language, ctx.kb, { skipFunctions: true });
  const worker = calls.find((c) => isBlockingWait(c, family) || c.kinds.some((k) => ['sleep', 'queue-pop', 'db-read', 'db-write', 'http', 'queue-ack'].includes(k)));
  if (!worker) return null;
  const purpose = workerPurpose(loop, loop.language, ctx.kb);
  const statements = statementsOf(loop.body);
  const body = statements.length > 0 ? wholeLineText(ctx.file.source, lineOf(statements[0]!), endLineOf(statements[statements.length - 1]!)) : undefined;
  return {
    loop,
    line: lineOf(loop.node),
    variant: family === 'python' ? 'default' : 'node',
    data: { call: displayCallee(worker.callee) },
    confidence: 'high',
    fix: blockFix(guardedWorkerTemplate(loop.language, { name: purpose, ...(body ? { body } : {}), async: loop.inAsyncFunction || loop.hasAwait }), { startLine: loop.startLine, endLine: loop.endLine }, {
      description: 'stop flag set by SIGTERM/SIGINT',
      safety: 'unsafe',
      language: fenceLanguage(loop.language),
    }),
  };
};
