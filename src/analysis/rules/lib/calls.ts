// Calls, for every detector: the loop's CallFacts (what the extractor classified per iteration) and the tree's
// ModelCalls (every call node, classified once per file by the model with the knowledge base), plus the few
// distinctions the rules need and the knowledge base does not make: does this call *wait* (sleep, blocking pop with
// a timeout, event wait) or return at once (non-blocking pop, a plain query) — the difference between a worker and
// a busy wait; how long a sleep sleeps; whether a name-guessed call is credible.
import type { CallFact, CallKind, LoopFacts, SyntaxNode } from '../../facts.js';
import type { FileModel, ModelCall } from '../../model.js';
import { classifyWithType, elideBrackets } from '../../knowledge-base.js';
import { bindsTimersPromises, fetchesInlineUrl, isBuiltinCollectionCall, isPlainValue, isSqlFragment, sendsToPeer } from '../../facts/javascript-syntax.js';
import { goReceiverType } from '../../facts/go-types.js';
import { short } from './fixes.js';
import {
  argumentNodes,
  argumentsOf,
  chainRoot,
  constantNumber,
  identifiersIn,
  reassigned,
  rootOf,
  CALL_TYPE_LIST,
  calleeOf,
  compiledCallee,
  compact,
  descendants,
  familyOf,
  enclosingFunction,
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

function isJsLanguage(language: string): boolean {
  return language === 'javascript' || language === 'typescript' || language === 'tsx';
}

/** A classified call of the tree (the fact model's ModelCall). */
export type TreeCall = ModelCall;

/**
 * Classifies one call node with the knowledge base (the fact model calls this once per call node of a file; read
 * calls through FileModel.call / treeCalls).
 */
export function classifyTreeCall(node: SyntaxNode, model: FileModel): TreeCall {
  const { language, kb } = model;
  // `await` written into the callee's text (an `await` the grammar folded into the function part); not the start of
  // a name such as `awaitTermination`.
  const fnText = node.childForFieldName('function')?.text ?? '';
  const callee = /^await\s/.test(fnText) ? compiledCallee(compact(fnText.replace(/^await\s+/, ''))) : calleeOf(node);
  const method = methodOf(callee);
  const receiver = receiverOf(callee);
  let kinds: CallKind[] = [];
  let confidence: TreeCall['confidence'] = 'high';
  let timeoutSeconds: number | undefined;
  let by: string | undefined;
  const sql = stringValue(argumentsOf(node).positional[0]);
  try {
    let result = kb.classify(language, callee, sql ? { sql, at: node.startIndex } : { at: node.startIndex });
    // Go: the receiver's declared type decides over receiver-name patterns (facts/go-types.ts).
    if (language === 'go' && ((result.kinds.length > 0 && (result.by === 'api' || result.by === 'guess')) || method === 'Do')) {
      const type = goReceiverType(node);
      if (type !== undefined) result = classifyWithType(kb, language, callee, type, sql ? { sql } : undefined);
    }
    kinds = result.kinds;
    confidence = result.confidence;
    by = result.by;
    if (result.by === 'summary') timeoutSeconds = result.timeoutSeconds;
  } catch {
    kinds = [];
  }
  // `def retry(fn, delay, wait_fn=time.sleep): ... wait_fn(delay)`: a parameter whose default is a sleep is the sleep
  // the function waits with (injected so that tests can pass a fake); only a sleep, so no new I/O is read into it.
  if (kinds.length === 0 && language === 'python' && /^[A-Za-z_]\w*$/.test(callee) && sleepParameterDefault(node, callee, model)) {
    kinds = ['sleep'];
    confidence = 'high';
  }
  // `const job = this.queue.dequeue()` in a plain JavaScript function: an in-process queue's item, not a broker pop.
  if (kinds.includes('queue-pop') && (language === 'javascript' || language === 'typescript' || language === 'tsx') && isPlainValue(node)) kinds = kinds.filter((k) => k !== 'queue-pop');
  // `(0, promises_1.setTimeout)(ms)` / `timers.setTimeout(ms)` where the receiver is the file's binding of
  // timers/promises (TypeScript's CommonJS output of `import { setTimeout } from 'timers/promises'`): a sleep.
  if (method === 'setTimeout' && receiver && /^[A-Za-z_$][\w$]*$/.test(receiver) && !kinds.includes('sleep') && isJsLanguage(language) && bindsTimersPromises(rootOf(node), receiver)) {
    kinds = ['sleep'];
    confidence = 'high';
  }
  // `client.send(fmtMessage('ping'))`: a message to a connected peer, not the AWS SDK's `client.send(command)`.
  if (method === 'send' && kinds.includes('http') && by === 'api' && isJsLanguage(language) && sendsToPeer(receiver, argumentsOf(node).positional)) kinds = [];
  // `await fetch(`data:${type};base64,${b64}`)`: decoding a data: (or blob:) URL, not a request.
  if (method === 'fetch' && kinds.includes('http') && by === 'api' && isJsLanguage(language) && fetchesInlineUrl(argumentsOf(node).positional)) kinds = [];
  // `q.where(knex.raw('x = ?', [v]))`: a SQL fragment of the builder's statement, no query of its own.
  if (method === 'raw' && by !== 'summary' && isJsLanguage(language) && isSqlFragment(node)) kinds = [];
  // `this.pending.delete(id)` where the file binds `this.pending` only to `new Map()`: the collection's own method.
  if (kinds.length > 0 && by !== 'summary' && isJsLanguage(language) && isBuiltinCollectionCall(rootOf(node), receiver || undefined, method)) kinds = [];
  const parent = node.parent;
  const awaited = parent?.type === 'await_expression' || parent?.type === 'await';
  const call: TreeCall = { node, callee, method, receiver: receiver || undefined, line: lineOf(node), kinds, confidence, awaited };
  if (sql !== undefined) call.sql = sql;
  if (timeoutSeconds !== undefined) call.timeoutSeconds = timeoutSeconds;
  const wait = kb.waitOf?.(language, callee);
  if (wait !== undefined) call.wait = wait;
  return call;
}

/** Names given a default that ends in `sleep` (`wait_fn=time.sleep`, `pause: Callable = asyncio.sleep`). */
function sleepDefaultNames(source: string): Set<string> {
  const names = new Set<string>();
  // From each `sleep` of the text back to its line's start (a scan of the whole text by one expression cost more
  // than the check it spares).
  for (let at = source.indexOf('sleep'); at >= 0; at = source.indexOf('sleep', at + 5)) {
    if (/\w/.test(source[at + 5] ?? '')) continue;
    const from = Math.max(source.lastIndexOf('\n', at) + 1, at - 200);
    const m = SLEEP_DEFAULT_BEFORE.exec(source.slice(from, at));
    if (m) names.add(m[1]!);
  }
  return names;
}

/** `wait_fn=time.` / `pause: Callable = asyncio.` / `delay=` just before a `sleep`. */
const SLEEP_DEFAULT_BEFORE = /\b([A-Za-z_]\w*)\s*(?::[^=,()]*)?=\s*(?:[A-Za-z_]\w*\.)*$/;

/** `name` is a parameter of the Python function around `node` whose default value the catalogue knows as a sleep. */
function sleepParameterDefault(node: SyntaxNode, name: string, model: FileModel): boolean {
  // Asked for every bare call the catalogue does not know (`len(x)`, the code's own functions): first the names the
  // file gives a default spelled like a sleep (`wait_fn=time.sleep`), found once per file by text.
  if (!model.memo('sleep-defaults', () => sleepDefaultNames(model.source)).has(name)) return false;
  const fn = enclosingFunction(node, 'python');
  if (fn?.type !== 'function_definition') return false;
  for (const param of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    if (param.type !== 'default_parameter' && param.type !== 'typed_default_parameter') continue;
    if (param.childForFieldName('name')?.text !== name) continue;
    const value = param.childForFieldName('value');
    if (!value || (value.type !== 'attribute' && value.type !== 'identifier')) return false;
    try {
      const kinds = model.kb.classify(model.language, compact(value.text)).kinds;
      return kinds.length === 1 && kinds[0] === 'sleep';
    } catch {
      return false;
    }
  }
  return false;
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
    // A take given one fractional number, `q.pop(0.25)`: no list or deque takes a float index, so it is a timeout
    // (a project's own queue whose `pop(block)` waits on a condition for that long, pylab22's pyzo channels).
    if (TAKE_METHOD.test(call.method) && args.positional.length === 1 && args.keywords.size === 0 && /^\d*\.\d+$/.test(args.positional[0]!.text) && Number(args.positional[0]!.text) > 0) return true;
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

const CALL_NODES: readonly string[] = ['call', 'call_expression'];

export function hasKind(call: CallFact, ...kinds: CallKind[]): boolean {
  return kinds.some((k) => call.kinds.includes(k));
}

/** Already batched or already concurrent: never an N+1 or a serial call. */
export function isBatched(call: CallFact): boolean {
  return hasKind(call, 'db-batch', 'gather');
}

/** Calls that belong to this loop rather than to a nested loop (which gets its own finding). */
export function ownCalls(loop: LoopFacts): CallFact[] {
  return loop.calls.filter((c) => !c.inInnerLoop);
}

/** The call node itself (the fact's node may be an `await` wrapper). */
export function callNode(call: CallFact): SyntaxNode {
  let n = call.node;
  while (n.type === 'await' || n.type === 'await_expression') n = n.namedChild(0) ?? n;
  return n;
}

/** Sleep duration in seconds: from the facts, else from the first argument (`sleep(POLL_SECONDS)` included). */
export function sleepSeconds(call: CallFact, model: FileModel, loop?: LoopFacts): number | undefined {
  const node = callNode(call);
  const first = argumentNodes(node)[0];
  // A delay variable the loop reassigns (`delay = min(delay * 2, cap)`) is a backoff, not a fixed interval.
  if (loop) {
    const names = new Set(argumentNodes(node).flatMap((a) => [...identifiersIn(a)]));
    if (loop.assignments.some((a) => names.has(a.target)) || [...names].some((n) => reassigned(node.tree.rootNode, n))) return undefined;
  }
  if (call.sleepSeconds !== undefined) return call.sleepSeconds;
  const value = constantNumber(first?.type === 'keyword_argument' ? first.childForFieldName('value') : first, model);
  if (value === undefined) return undefined;
  if (model.family === 'python') return value;
  // JS sleeps take milliseconds; `setTimeout(r, ms)` inside a promise is handled by the facts.
  return value / 1000;
}

/** `high` unless one of the calls was only guessed from its name. */
export function confidenceOf(calls: CallFact[]): 'high' | 'low' {
  return calls.some((c) => c.confidence === 'low') ? 'low' : 'high';
}

/** Callee without its arguments, for optimize messages: `conn.execute("...").fetchall` → `conn.execute().fetchall` (at most 60 characters). */
export function calleeLabel(call: CallFact): string {
  return short(elideBrackets(call.callee), 60);
}

/** A cursor read that fetches what the previous execute already asked for: no extra round trip. */
export function isCursorFetch(call: CallFact): boolean {
  // `conn.execute(sql).fetchall()` is the query itself; `cur.fetchall()` after `cur.execute(sql)` is not
  if (/\(/.test(call.receiver ?? '')) return false;
  return /^fetch(one|all|many)$/.test(call.method) || (/^(fetch|fetchrow|fetchval)$/.test(call.method) && call.args.length === 0);
}

/** One entry per call chain (`a.execute(...).fetchall()` may be reported as two calls on one line). */
export function distinctChains(calls: CallFact[]): CallFact[] {
  const seen = new Set<string>();
  return calls.filter((c) => {
    const key = `${c.line}:${chainRoot(callNode(c)).startIndex}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** A name read by the call that the loop assigns after the call, or accumulates: its value comes from the previous iteration. */
export function carriedAcrossIterations(loop: LoopFacts, call: CallFact): boolean {
  const node = callNode(call);
  const used = new Set<string>();
  for (const a of argumentNodes(node)) for (const id of identifiersIn(a)) used.add(id);
  const receiver = node.childForFieldName('function')?.childForFieldName('object');
  for (const id of identifiersIn(receiver)) used.add(id);
  // `const sts = new STSClient({ credentials }); ... await sts.send(cmd); credentials = ...`: what the call uses
  // through a value the loop builds before it (a client, a request) counts as used (role chaining, a cursor in
  // a request object).
  for (const [name, value] of builtBefore(node, loop)) if (used.has(name)) for (const id of identifiersIn(value)) used.add(id);
  if (call.assignedTo && used.has(call.assignedTo)) return true;
  for (const a of loop.assignments) {
    const target = a.target.replace(/^(self|this)\./, '');
    if (loop.loopVariables.includes(a.target) || !used.has(target)) continue;
    if (a.line > call.line || a.op !== '=') return true;
  }
  return false;
}

/** Names the loop's body binds with `const x = ...` (or Python `x = ...`) before `call`, last binding first, and their values. */
function builtBefore(call: SyntaxNode, loop: LoopFacts): Array<[string, SyntaxNode]> {
  const out: Array<[string, SyntaxNode]> = [];
  for (const n of loop.body.descendantsOfType(['variable_declarator', 'assignment'])) {
    if (n.endIndex > call.startIndex) continue;
    const name = n.childForFieldName('name') ?? n.childForFieldName('left');
    const value = n.childForFieldName('value') ?? n.childForFieldName('right');
    if (name?.type === 'identifier' && value) out.push([name.text, value]);
  }
  return out.reverse();
}

/** Methods that are never network or database I/O, whatever the receiver is called. */
const NEVER_IO = /^(append|extend|add|insert|update|pop|remove|discard|clear|copy|get|items|keys|values|format|join|split|strip|call_soon|call_later|call_at|call_soon_threadsafe|call_exception_handler|post_order|pre_order|invoke_later|emit|dispatch|notify_all|notifyAll|set|push|map|filter|reduce|forEach|then|catch)$/;

const CONTEXT: Partial<Record<CallKind, RegExp>> = {
  http: /\b(requests|httpx|aiohttp|urllib3?|http\.client|grpc|boto3|botocore|fetch\(|axios|got|undici|node-fetch|superagent|ky|@aws-sdk|googleapis|stripe|openai)\b/,
  'db-read': /\b(django|sqlalchemy|psycopg2?|pymysql|MySQLdb|sqlite3|asyncpg|aiomysql|pymongo|motor|redis|peewee|tortoise|prisma|@prisma|mongoose|mongodb|sequelize|typeorm|knex|pg|mysql2?|ioredis|drizzle|kysely)\b/,
  'db-write': /\b(django|sqlalchemy|psycopg2?|pymysql|MySQLdb|sqlite3|asyncpg|aiomysql|pymongo|motor|redis|peewee|tortoise|prisma|@prisma|mongoose|mongodb|sequelize|typeorm|knex|pg|mysql2?|ioredis|drizzle|kysely)\b/,
};

/**
 * A call whose kind was only guessed from its name counts when the file visibly works with that kind of I/O
 * (imports a database or HTTP library) and the method is not a plain collection or event-loop operation.
 */
export function credible(call: CallFact, source: string, kind: CallKind): boolean {
  if (call.confidence !== 'low') return true;
  if (NEVER_IO.test(call.method)) return false;
  const context = CONTEXT[kind];
  return context ? context.test(source) : true;
}

/**
 * `socket.send(frame)` in a function that also reads `socket.readyState` (`if (socket.readyState ===
 * WebSocket.OPEN) socket.send(...)`, perhaps in a callback beside the loop): the receiver is a WebSocket, however it
 * was obtained, and its `send` (a method of the `sends_when_open` role) queues the frame and returns nothing; a
 * failed write reaches the socket's 'error' and 'close' listeners. No promise to drop, no I/O error to retry.
 */
export function sendsOnStatefulSocket(node: SyntaxNode, receiver: string | undefined, method: string, model: FileModel): boolean {
  if (model.family !== 'js' || !receiver || !/^[\w$.#]+$/.test(receiver)) return false;
  if (model.kb.hasRole?.(model.language, method, 'sends_when_open') !== true) return false;
  let scope: SyntaxNode | null = node.parent;
  while (scope && !FUNCTION_TYPES.js.has(scope.type)) scope = scope.parent;
  if (!scope) return false;
  const state = `${receiver}.readyState`;
  return scope.descendantsOfType('member_expression').some((m) => m.text === state);
}

// Schema work, statement lists and deliberately serial loops: per-item database calls that are not N+1.
