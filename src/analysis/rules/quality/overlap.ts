// A bad worker loop used to collect three comments on its header line (anonymous-worker-loop,
// unguarded-worker-loop, infinite-loop-no-exit), each suggesting the same named, guarded worker. A reviewer writes
// one: the rule that says the most speaks, the others defer to it while it is enabled for this run.
import type { CozeLoopConfig } from '../../../config/schema.js';
import type { Target } from '../../../core/types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import type { RuleContext } from '../../rule-types.js';
import { clauseBlock, enclosingFunction, familyOf, handlerIsBroad, isBlockingWait, rootOf, type TreeCall, treeCalls, triesAround, tryParts } from '../lib/index.js';
import { isInfiniteHeader, loopExits } from './shape.js';
import { isEmptyHandler } from './guard.js';

/** Whether `id` can report in this run: its target is selected and the config does not turn it off. */
export function ruleMayReport(config: CozeLoopConfig, id: string, target: Target): boolean {
  if (!config.targets.includes(target)) return false;
  const setting = config.rules[id];
  if (setting === 'off') return false;
  if (typeof setting === 'object' && setting.enabled === false) return false;
  return true;
}

const SIGNAL_HANDLING = /signal\.signal\s*\(|add_signal_handler\s*\(|process\.(on|once|addListener)\s*\(\s*['"`]SIG(TERM|INT)|signal\.SIGTERM|AbortController|signal\.aborted|setup_signal|install_signal|graceful/;

/**
 * `try: while True: q.get(block=False) except queue.Empty: pass` drains until the exception: the loop is designed
 * to end by raising, so it is neither a worker that dies nor one that cannot stop.
 */
export function endsByDrainException(loop: LoopFacts): boolean {
  const tries = triesAround(loop.node, familyOf(loop.language));
  if (tries.some((t) => t.namedChildren.some((h) => h.type === 'except_clause' && isEmptyHandler(h)))) return true;
  // `try: while True: cmd = q.get(block=False) ... except: pass`: a take that raises when the queue is empty, in a
  // loop only a handler that swallows everything (`pass`) ends: the same drain, written with a bare except.
  return NON_BLOCKING_TAKE.test(loop.body.text) && tries.some((t) => tryParts(t).handlers.some((h) => h.type === 'except_clause' && handlerIsBroad(h) && (clauseBlock(h)?.namedChildren ?? []).every((st) => st.type === 'comment' || st.type === 'pass_statement')));
}

/** A queue take that raises instead of waiting: `get(block=False)`, `get(False)`, `get_nowait()`. */
const NON_BLOCKING_TAKE = /\.get_nowait\(\s*\)|\.get\(\s*(?:block\s*=\s*)?False\b/;

/**
 * `try: while True: sock.recv(4096) except BlockingIOError: pass` / `except RunFinishedError: pass`: a handler
 * around the loop that names one specific exception (not `Exception`, not an interrupt or a cancellation) and accepts
 * it without a word is how the author ends the loop: it runs until that condition, it is not endless. (A worker
 * that logs a lost connection there still has no stop for a deploy.)
 */
export function endsByNamedException(loop: LoopFacts, ctx: RuleContext): boolean {
  if (familyOf(loop.language) !== 'python') return false;
  // Exceptions that stop a program or a task from outside (`stop_signals` in rules/apis/python.yml): catching one
  // is not the loop's own way out.
  const stopping = (name: string) => ctx.kb.hasRole?.('python', name.slice(name.lastIndexOf('.') + 1), 'stop_signals') === true;
  return triesAround(loop.node, familyOf(loop.language)).some((t) =>
    tryParts(t).handlers.some((h) => {
      if (h.type !== 'except_clause' || handlerIsBroad(h)) return false;
      const typeNode = h.namedChildren.find((c) => c.type !== 'block' && c.type !== 'comment');
      // Accepted silently (`pass`, a plain `return`): the normal end, not an error the author logs or reports.
      const quiet = (clauseBlock(h)?.namedChildren ?? []).every((st) => st.type === 'comment' || st.type === 'pass_statement' || (st.type === 'return_statement' && st.namedChildren.every((v) => v.type !== 'call')));
      const types = typeNode === undefined ? [] : (typeNode.type === 'as_pattern' ? (typeNode.namedChildren[0] ?? typeNode) : typeNode).text.replace(/[()\s]/g, '').split(',');
      return types.length > 0 && !types.some(stopping) && quiet;
    }),
  );
}

/**
 * `while self.alive: ...` inside `try: ... except: self.alive = False; raise`: the author decided what an error does
 * to this loop (it clears the loop's own run flag and ends it, and says so to the caller), which is not the
 * forgotten guard of a worker that one bad item ends.
 */
export function clearsRunFlagOnError(loop: LoopFacts): boolean {
  if (familyOf(loop.language) !== 'python' || loop.node.type !== 'while_statement') return false;
  const condition = loop.node.childForFieldName('condition');
  if (!condition) return false;
  const flags = new Set(
    [condition, ...condition.descendantsOfType(['identifier', 'attribute'])].filter((n) => n.type === 'identifier' || n.type === 'attribute').map((n) => n.text),
  );
  return triesAround(loop.node, familyOf(loop.language)).some((t) =>
    tryParts(t).handlers.some((h) =>
      (clauseBlock(h)?.descendantsOfType('assignment') ?? []).some((a) => flags.has(a.childForFieldName('left')?.text ?? '') && /^(False|None|0)$/.test(a.childForFieldName('right')?.text ?? '')),
    ),
  );
}

/**
 * JavaScript/TypeScript: `try { while (true) { const job = await this.queue.dequeue(); ... } } catch (e) { if (e
 * instanceof QueueCancelledError) return; throw e; }`. The catch around the loop (in the same function) recognises the
 * queue's cancellation (`instanceof` a class named `*Cancel*`/`*Abort*`, or `e.name === 'AbortError'`) and returns:
 * the take's rejection is the consumer's designed stop, as Go and Java already leave queue fetches out. Only the take
 * is excused in unguarded-worker-loop; any other call of the loop (a request) still fails the worker. For
 * infinite-loop-no-exit the loop has a stop: its owner cancels the queue.
 */
export function cancelledAroundLoop(loop: LoopFacts): boolean {
  const fn = enclosingFunction(loop.node, 'js');
  for (let child: SyntaxNode = loop.node, up = loop.node.parent; up && up.id !== fn?.id; child = up, up = up.parent) {
    if (up.type !== 'try_statement' || up.childForFieldName('body')?.id !== child.id) continue;
    const handler = up.childForFieldName('handler');
    const param = handler?.childForFieldName('parameter')?.text;
    const block = handler?.childForFieldName('body');
    if (!handler || !param || !block || !/^[A-Za-z_$][\w$]*$/.test(param)) continue;
    const cancels = new RegExp(`^${param.replace(/\$/g, '\\$')}\\s*(?:instanceof\\s+[\\w$.]*(?:Cancel|Abort)[\\w$]*|\\??\\.name\\s*===?\\s*['"]AbortError['"])$`);
    for (const test of block.descendantsOfType('if_statement')) {
      const condition = test.childForFieldName('condition')?.text.replace(/^\(\s*|\s*\)$/g, '') ?? '';
      const consequence = test.childForFieldName('consequence');
      const leaves = consequence?.type === 'return_statement' || (consequence?.type === 'statement_block' && consequence.namedChildren.some((st) => st.type === 'return_statement'));
      if (cancels.test(condition) && leaves && consequence?.descendantsOfType('throw_statement').length === 0) return true;
    }
  }
  return false;
}

/** The call that makes an endless loop a worker, when nothing can stop it cleanly (infinite-loop-no-exit). */
export function noExitWorkerCall(loop: LoopFacts, ctx: RuleContext): TreeCall | undefined {
  const { model } = ctx;
  if (!isInfiniteHeader(loop) || endsByDrainException(loop) || endsByNamedException(loop, ctx)) return undefined;
  const family = familyOf(loop.language);
  if (family === 'python' && loop.inAsyncFunction) return undefined;
  if (family === 'js' && cancelledAroundLoop(loop) && treeCalls(loop.body, ctx.model, { skipFunctions: true }).some((c) => c.kinds.length > 0 && c.kinds.every((k) => k === 'queue-pop'))) return undefined;
  const exits = loopExits(loop);
  if (exits.breaks.length + exits.returns.length + exits.exitCalls.length + exits.yields.length > 0) return undefined;
  if (loop.fileHandlesSignals || SIGNAL_HANDLING.test(rootOf(loop.node).text)) return undefined;
  const calls = treeCalls(loop.body, ctx.model, { skipFunctions: true });
  return calls.find((c) => isBlockingWait(c, model) || c.kinds.some((k) => ['sleep', 'queue-pop', 'db-read', 'db-write', 'http', 'queue-ack', 'queue-publish'].includes(k)));
}
