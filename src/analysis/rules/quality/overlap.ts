// A bad worker loop used to collect three comments on its header line (anonymous-worker-loop,
// unguarded-worker-loop, infinite-loop-no-exit), each suggesting the same named, guarded worker. A reviewer writes
// one: the rule that says the most speaks, the others defer to it while it is enabled for this run.
import type { CozeLoopConfig } from '../../../config/schema.js';
import type { Target } from '../../../core/types.js';
import type { LoopFacts } from '../../facts.js';
import type { RuleContext } from '../../rule-types.js';
import { familyOf, isBlockingWait, isFunction, rootOf, type TreeCall, treeCalls } from '../lib/index.js';
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
  const family = familyOf(loop.language);
  let child = loop.node;
  for (let current = loop.node.parent; current; child = current, current = current.parent) {
    if (isFunction(current, family)) return false;
    if (current.type !== 'try_statement' || current.childForFieldName('body')?.id !== child.id) continue;
    if (current.namedChildren.some((h) => h.type === 'except_clause' && isEmptyHandler(h))) return true;
  }
  return false;
}

/** The call that makes an endless loop a worker, when nothing can stop it cleanly (infinite-loop-no-exit). */
export function noExitWorkerCall(loop: LoopFacts, ctx: RuleContext): TreeCall | undefined {
  const { model } = ctx;
  if (!isInfiniteHeader(loop) || endsByDrainException(loop)) return undefined;
  const family = familyOf(loop.language);
  if (family === 'python' && loop.inAsyncFunction) return undefined;
  const exits = loopExits(loop);
  if (exits.breaks.length + exits.returns.length + exits.exitCalls.length + exits.yields.length > 0) return undefined;
  if (loop.fileHandlesSignals || SIGNAL_HANDLING.test(rootOf(loop.node).text)) return undefined;
  const calls = treeCalls(loop.body, ctx.model, { skipFunctions: true });
  return calls.find((c) => isBlockingWait(c, model) || c.kinds.some((k) => ['sleep', 'queue-pop', 'db-read', 'db-write', 'http', 'queue-ack', 'queue-publish'].includes(k)));
}
