// Calls found directly in the tree, classified with the knowledge base plus the few distinctions the fix-bugs rules
// need and the knowledge base does not make: does this call *wait* (sleep, blocking pop with a timeout, event wait)
// or return at once (non-blocking pop, a plain query) — the difference between a worker and a busy wait.
import type { CallKind, SyntaxNode } from '../../facts.js';
import type { FileModel, ModelCall } from '../../model.js';
import {
  argumentsOf,
  CALL_TYPE_LIST,
  calleeOf,
  descendants,
  familyOf,
  FUNCTION_TYPES,
  LOOP_TYPES,
  nodesOfTypes,
  lineOf,
  methodOf,
  numericValue,
  receiverOf,
  stringValue,
  type Family,
  type WalkOptions,
} from './syntax.js';

/** A classified call of the tree (the fact model's ModelCall). */
export type TreeCall = ModelCall;

/**
 * Classifies one call node with the knowledge base (the fact model calls this once per call node of a file; read
 * calls through FileModel.call / treeCalls).
 */
export function classifyTreeCall(node: SyntaxNode, model: FileModel): TreeCall {
  const { language, kb } = model;
  const callee = calleeOf(node).replace(/^await/, '');
  const method = methodOf(callee);
  const receiver = receiverOf(callee);
  let kinds: CallKind[] = [];
  let confidence: TreeCall['confidence'] = 'high';
  let timeoutSeconds: number | undefined;
  try {
    const sqlArg = argumentsOf(node).positional[0];
    const sql = stringValue(sqlArg);
    const result = kb.classify(language, callee, sql ? { sql } : undefined);
    kinds = result.kinds;
    confidence = result.confidence;
    if (result.by === 'summary') timeoutSeconds = result.timeoutSeconds;
  } catch {
    kinds = [];
  }
  const parent = node.parent;
  const awaited = parent?.type === 'await_expression' || parent?.type === 'await';
  const call: TreeCall = { node, callee, method, receiver: receiver || undefined, line: lineOf(node), kinds, confidence, awaited };
  if (timeoutSeconds !== undefined) call.timeoutSeconds = timeoutSeconds;
  const wait = kb.waitOf?.(language, callee);
  if (wait !== undefined) call.wait = wait;
  return call;
}

/** Calls under `root` in source order (nested functions skipped unless asked otherwise), classified once per file. */
export function treeCalls(root: SyntaxNode, model: FileModel, options: WalkOptions = { skipFunctions: true }): TreeCall[] {
  return model.calls(root, options);
}


export interface SleepInfo {
  /** Duration in seconds when the code gives a literal, else undefined. */
  seconds?: number;
  /** The literal argument node, when a literal. */
  literal?: SyntaxNode;
  /** The argument node, literal or not. */
  arg?: SyntaxNode;
}

/**
 * A sleep: `time.sleep(5)`, `await asyncio.sleep(x)`, `await sleep(5000)`, `await setTimeout(5000)` from
 * `node:timers/promises`, or `new Promise((r) => setTimeout(r, 5000))`. JS milliseconds become seconds.
 */
export function sleepOf(call: TreeCall, model: FileModel): SleepInfo | undefined {
  const { family } = model;
  const args = argumentsOf(call.node);
  if (family === 'python') {
    if (!call.kinds.includes('sleep')) return undefined;
    if (call.method === 'wait' || call.method === 'wait_for') {
      const arg = args.keywords.get('timeout') ?? args.positional[0];
      const value = numericValue(arg);
      return { ...(value !== undefined ? { seconds: value, literal: arg } : {}), ...(arg ? { arg } : {}) };
    }
    const arg = args.positional[0] ?? args.keywords.get('seconds') ?? args.keywords.get('delay');
    const value = numericValue(arg);
    return { ...(value !== undefined ? { seconds: value, literal: arg } : {}), ...(arg ? { arg } : {}) };
  }
  if (call.node.type === 'new_expression') {
    if (call.callee !== 'Promise') return undefined;
    const timer = [...descendants(call.node, model)].find(
      (n) => n.type === 'call_expression' && /^(setTimeout|global\.setTimeout|globalThis\.setTimeout)$/.test(calleeOf(n)),
    );
    if (!timer) return undefined;
    const arg = argumentsOf(timer).positional[1];
    const value = numericValue(arg);
    return { ...(value !== undefined ? { seconds: value / 1000, literal: arg } : {}), ...(arg ? { arg } : {}) };
  }
  const isTimersPromise = call.callee === 'setTimeout' && call.awaited;
  if (!isTimersPromise && !call.kinds.includes('sleep')) return undefined;
  if (call.callee === 'setTimeout' && !call.awaited) return undefined;
  const arg = args.positional[0];
  const value = numericValue(arg);
  return { ...(value !== undefined ? { seconds: value / 1000, literal: arg } : {}), ...(arg ? { arg } : {}) };
}

/** Calls that block the thread until something happens (or a timeout passes). */
/** Methods that take the next item of a queue or stream: with a timeout, each call waits up to it when idle. */
const TAKE_METHOD = /^(b?[lr]?pop|get|take|dequeue|receive\w*|recv\w*|read\w*|next|poll|wait\w*|consume|fetch\w*|claim|reserve|listen|pull)$/i;
const TIMEOUT_KEYS = /^(timeout|timeout_ms|timeout_seconds|block_timeout|wait|wait_time|wait_time_seconds|WaitTimeSeconds|waitTimeSeconds|blockTimeout|block)$/;

/**
 * `queue.pop(timeout=5)`, `jobs.take(timeout=t)`, `stream.read({ block: 5000 })`: a take with a timeout that is not
 * zero (a literal or a name) blocks while the queue is empty. HTTP calls also take a timeout but return as soon as
 * the server answers, so a known HTTP call never counts.
 */
function takesWithTimeout(call: TreeCall, keywords: Map<string, SyntaxNode>): boolean {
  if (!TAKE_METHOD.test(call.method) || call.kinds.includes('http')) return false;
  for (const [key, value] of keywords) {
    if (TIMEOUT_KEYS.test(key) && !/^(0|0\.0|None|False|false|null|undefined)$/.test(value.text.trim())) return true;
  }
  return false;
}

/** Properties of an options object argument (`{ timeout: 5000 }`), as keywords. */
function objectKeywords(call: TreeCall): Map<string, SyntaxNode> {
  const out = new Map<string, SyntaxNode>();
  for (const arg of argumentsOf(call.node).positional) {
    if (arg.type !== 'object') continue;
    for (const pair of arg.namedChildren) {
      const key = pair.type === 'pair' ? pair.childForFieldName('key') : null;
      const value = pair.type === 'pair' ? pair.childForFieldName('value') : null;
      if (key && value) out.set(key.text.replace(/^['"]|['"]$/g, ''), value);
    }
  }
  return out;
}

export function isBlockingWait(call: TreeCall, model: FileModel): boolean {
  const { family } = model;
  if (sleepOf(call, model)) return true;
  // A pop inside the code's own function: blocking unless the summary saw a non-blocking one.
  if (call.confidence === 'summarised' && call.kinds.includes('queue-pop')) return call.timeoutSeconds !== 0;
  const method = call.method;
  const args = argumentsOf(call.node);
  const receiver = (call.receiver ?? '').toLowerCase();
  // Blocking pops, event waits, socket reads, joins: `waits.blocking` of rules/apis/*.yml.
  if (call.wait === 'blocking') return true;
  if (family === 'python') {
    if (takesWithTimeout(call, args.keywords)) return true;
    if (method === 'get' && /queue|(^|_)q$|^q$|inbox|jobs|tasks|work/.test(receiver)) {
      const block = args.keywords.get('block') ?? args.positional[0];
      if (block?.type === 'false') return false;
      const timeout = numericValue(args.keywords.get('timeout') ?? args.positional[1]);
      return timeout === undefined || timeout > 0;
    }
    if (method === 'xread' || method === 'xreadgroup') return args.keywords.has('block');
    if (method === 'receive_message' || method === 'receive_messages') {
      const wait = numericValue(args.keywords.get('WaitTimeSeconds') ?? args.keywords.get('wait_time_seconds'));
      return wait !== undefined && wait > 0;
    }
    if (method === 'poll' || method === 'consume' || method === 'get_message' || method === 'listen') {
      const timeout = numericValue(args.keywords.get('timeout') ?? args.keywords.get('timeout_ms') ?? args.positional[0]);
      return timeout === undefined ? method === 'listen' : timeout > 0;
    }
    return false;
  }
  if (takesWithTimeout(call, objectKeywords(call))) return true;
  if (method === 'xread' || method === 'xreadgroup') return /['"]BLOCK['"]/i.test(call.node.text);
  if (/^receiveMessage$|^ReceiveMessageCommand$/.test(method) || /ReceiveMessageCommand/.test(call.node.text)) {
    const wait = /WaitTimeSeconds\s*:\s*(\d+)/.exec(call.node.text);
    return wait !== null && Number(wait[1]) > 0;
  }
  if (method === 'send' && /ReceiveMessageCommand/.test(call.node.text)) {
    const wait = /WaitTimeSeconds\s*:\s*(\d+)/.exec(call.node.text);
    return wait !== null && Number(wait[1]) > 0;
  }
  return false;
}

/**
 * Calls known to return at once: non-blocking pops, cheap built-ins, logging, and plain queries (a query that finds
 * nothing returns in milliseconds). A call coze-loop knows nothing about is *not* in this set.
 */
export function returnsImmediately(call: TreeCall, model: FileModel): boolean {
  const { family } = model;
  if (isBlockingWait(call, model)) return false;
  // Non-blocking pops, cheap built-ins, logging, plain queries: `waits.immediate` of rules/apis/*.yml.
  if (call.wait === 'immediate') return true;
  if (family === 'python') {
    // Home-made wrappers say so in their name: `get_nowait_or_none`, `try_pop_nowait`, `pop_nonblocking`.
    if (/(^|_)(nowait|non_?blocking)(_|$)/.test(call.method)) return true;
    if (call.method === 'get' && /queue|(^|_)q$|^q$/.test((call.receiver ?? '').toLowerCase())) {
      const block = argumentsOf(call.node).keywords.get('block') ?? argumentsOf(call.node).positional[0];
      return block?.type === 'false';
    }
  } else if (/ReceiveMessageCommand/.test(call.node.text)) return true;
  if (call.confidence === 'high' && call.kinds.some((k) => k === 'db-read' || k === 'http' || k === 'queue-pop' || k === 'log')) return true;
  // Through the code's own function: a non-blocking pop, or a query/request with no sleep or pop beside it.
  if (call.confidence === 'summarised') {
    if (call.kinds.includes('queue-pop')) return call.timeoutSeconds === 0;
    return !call.kinds.includes('sleep') && call.kinds.some((k) => k === 'db-read' || k === 'http');
  }
  return false;
}
