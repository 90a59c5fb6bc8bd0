// A long-running loop (while True, a stop-flag loop, a consumer iteration, setInterval) whose body does I/O that
// can raise, with nothing catching it: the first bad message or network blip ends the worker for good. A try
// inside the loop is the fix, not the problem; a supervisor loop that restarts it also counts.
import { pyTryHandlesFailure } from '../../facts/python.js';
import type { FileModel } from '../../model.js';
import type { Detector, RuleContext } from '../../rule-types.js';
import type { CallKind, LoopFacts, SyntaxNode } from '../../facts.js';
import { blockFix, fenceLanguage } from '../../../fixes/lines.js';
import { guardedWorkerTemplate } from '../../../fixes/templates.js';
import {
  calleeOf,
  classMethods,
  clauseBlock,
  contains,
  rootOf,
  descendants,
  enclosingClass,
  enclosingFunction,
  displayCallee,
  type Family,
  familyOf,
  isBlockingWait,
  lineOf,
  statementsOf,
  type TreeCall,
  treeCalls,
  triesAround,
  tryParts,
  workerStepBody,
} from '../lib/index.js';
import { hasSupervisor, isCallHandled, wrapBodyInTry } from './guard.js';
import { cancelledAroundLoop, clearsRunFlagOnError, endsByDrainException, noExitWorkerCall, ruleMayReport } from './overlap.js';
import { isInfiniteHeader, loopExits } from './shape.js';
import { outerNamesUsed, workerName } from './worker-name.js';
import { detectBraceUnguardedWorker, isBraceLanguage } from './brace-worker.js';
import { neverRejects } from './fire-and-forget-task.js';
import { rejectingIntervalCall } from './interval-rejections.js';

const THROWING_KINDS: ReadonlySet<CallKind> = new Set(['http', 'db-read', 'db-write', 'db-commit', 'db-batch', 'queue-pop', 'queue-ack', 'queue-publish', 'connect', 'file-open']);
const STOP_FLAG = /\b(running|is_running|isRunning|keep_running|keepRunning|alive|active|stop\w*|shutdown\w*|is_set|aborted|should_\w+|shouldRun|exit\w*|terminat\w*|cancel\w*)\b/i;

export function isLongRunning(loop: import('../../facts.js').LoopFacts): boolean {
  if (loop.kind === 'interval') return true;
  if (isInfiniteHeader(loop)) {
    const exits = loopExits(loop);
    return exits.breaks.length + exits.returns.length + exits.exitCalls.length + exits.yields.length === 0;
  }
  if (loop.node.type === 'while_statement') {
    const conditionNode = loop.node.childForFieldName('condition');
    let condition = conditionNode?.text ?? '';
    // `while state in ["PENDING", "RUNNING"]:` waits for one job's status; a word in a string is no run flag.
    for (const literal of conditionNode?.descendantsOfType('string') ?? []) condition = condition.replace(literal.text, '""');
    return STOP_FLAG.test(condition) && !/attempt|retr|tries/i.test(condition) && !ownCompletionFlag(loop) && !endsWhenDone(loop) && !resultForCaller(loop);
  }
  if ((loop.kind === 'for-each' || loop.kind === 'async-for' || loop.kind === 'for-await') && loop.iterable) {
    // `for msg in consumer:` reads a stream; `for consumer in self.consumers:` and `for i in subscription_ids:` walk
    // a list (the word must end the name).
    return /consumer\b|\.listen\(\)|subscription\b/i.test(loop.iterable.text) && !testedForEmptiness(loop);
  }
  return false;
}

/**
 * `while should_loop:` over a local the body itself sets (`should_loop = False` once the call went through): the
 * loop runs one operation to completion; nobody outside can stop it, so the name is not a stop flag.
 */
function ownCompletionFlag(loop: LoopFacts): boolean {
  if (loop.language !== 'python') return false;
  const condition = loop.node.childForFieldName('condition');
  const flag = condition?.type === 'not_operator' ? condition.childForFieldName('argument') : condition;
  if (flag?.type !== 'identifier') return false;
  const fn = enclosingFunction(loop.node, 'python');
  if (!fn || fn.descendantsOfType(['global_statement', 'nonlocal_statement']).some((d) => d.text.includes(flag.text))) return false;
  return loop.body.descendantsOfType('assignment').some((a) => a.childForFieldName('left')?.text === flag.text);
}

/**
 * Python: `es = Optimiser(x0); while not es.stop(): ...` or `while work.nit < maxiter and not terminate: ...`, then
 * `return summary(es)`: the function's last statement hands a computed value back to its caller, and the loop sits
 * in the function's own body before it. The loop is one computation the caller waits for (an optimiser or solver
 * iterating to its termination test), not a worker that must outlive a failure: an exception belongs to that
 * caller. A thread's target returns nothing (its value is dropped), and a literal status (`return True`) is no result.
 */
function resultForCaller(loop: LoopFacts): boolean {
  if (loop.language !== 'python') return false;
  const fn = enclosingFunction(loop.node, 'python');
  const body = fn?.childForFieldName('body');
  if (!fn || !body || loop.node.parent?.id !== body.id) return false;
  const statements = statementsOf(body);
  const last = statements[statements.length - 1];
  if (!last || last.type !== 'return_statement' || last.startIndex < loop.node.endIndex) return false;
  const value = last.namedChildren[0];
  if (!value || ['true', 'false', 'none', 'integer', 'float', 'string'].includes(value.type)) return false;
  // A generator's `return` ends its iteration; its loop may be a stream's pump.
  return !fn.descendantsOfType(['yield']).some((y) => enclosingFunction(y, 'python')?.id === fn.id);
}

/**
 * JavaScript: `while (!done && !this.stopped) { ...; if (batch.length < size) done = true; }`, `while
 * (!state.canceled) { const page = await next(cp); if (page.length === 0) break; ... }` or a compare-and-set retry
 * that returns once its write went through: the loop also ends by itself when its work is done (a `break` or
 * `return` that no stop-flag test guards, outside any `catch` or `finally`, or a negated local of the condition that
 * the body sets), and the stop flag only cuts it short. It is one operation with a caller (a catch-up pass, a drain,
 * a retried write), not a worker that must outlive a failure: a rejection belongs to that caller.
 */
function endsWhenDone(loop: LoopFacts): boolean {
  if (familyOf(loop.language) !== 'js') return false;
  const condition = loop.node.childForFieldName('condition');
  const conjuncts: SyntaxNode[] = [];
  const split = (n: SyntaxNode | null | undefined): void => {
    if (!n) return;
    if (n.type === 'parenthesized_expression') return split(n.namedChildren[0]);
    if (n.type === 'binary_expression' && n.childForFieldName('operator')?.text === '&&') {
      split(n.childForFieldName('left'));
      split(n.childForFieldName('right'));
      return;
    }
    conjuncts.push(n);
  };
  split(condition);
  const fn = enclosingFunction(loop.node, 'js');
  const localFlags = conjuncts
    .filter((c) => c.type === 'unary_expression' && c.childForFieldName('operator')?.text === '!' && c.childForFieldName('argument')?.type === 'identifier')
    .map((c) => c.childForFieldName('argument')!.text)
    .filter((name) => !STOP_FLAG.test(name) && fn !== undefined && fn.descendantsOfType('variable_declarator').some((d) => d.childForFieldName('name')?.text === name));
  const setsFlag = loop.body
    .descendantsOfType('assignment_expression')
    .some((a) => localFlags.includes(a.childForFieldName('left')?.text ?? '') && a.childForFieldName('right')?.text === 'true');
  if (setsFlag) return true;
  const { breaks, returns } = loopExits(loop);
  return [...breaks, ...returns].some((exit) => {
    for (let up = exit.parent; up && up.id !== loop.node.id; up = up.parent) {
      if (up.type === 'catch_clause' || up.type === 'finally_clause') return false;
      if (up.type === 'if_statement' && STOP_FLAG.test(up.childForFieldName('condition')?.text ?? '')) return false;
    }
    return true;
  });
}

/**
 * `subscription = client.get_subscription(name)`, then `if not subscription: return`, then `for result in
 * subscription:`: a value tested for emptiness is a finite batch already fetched (a stream object is always truthy).
 */
function testedForEmptiness(loop: LoopFacts): boolean {
  const name = loop.iterable?.text.trim() ?? '';
  if (loop.language !== 'python' || !/^[A-Za-z_]\w*$/.test(name)) return false;
  const fn = enclosingFunction(loop.node, 'python');
  if (!fn) return false;
  const before = (n: SyntaxNode) => n.endIndex <= loop.node.startIndex;
  const emptyTest = fn.descendantsOfType('not_operator').some((n) => before(n) && n.childForFieldName('argument')?.text === name);
  const lenTest = fn.descendantsOfType('call').some((n) => before(n) && n.childForFieldName('function')?.text === 'len' && n.childForFieldName('arguments')?.namedChildren[0]?.text === name);
  return emptyTest || lenTest;
}

/**
 * The loop serves one connection: a try around it in the same function catches (without re-raising) and the
 * function then closes what it served (`finally: writer.close()`, `self.sock.close()` after the try). After an error
 * the connection's state is unknown, so ending its loop, logged and closed, is the right policy, not a lost worker.
 */
function endsSessionOnError(loop: LoopFacts, ctx: RuleContext): boolean {
  if (loop.language !== 'python') return false;
  const fn = enclosingFunction(loop.node, 'python');
  if (!fn) return false;
  for (const current of triesAround(loop.node, 'python')) {
    const { handlers, finalizer: finallyClause } = tryParts(current);
    const catching = handlers.filter((h) => h.type === 'except_clause' && !statementsOf(clauseBlock(h)).some((st) => st.type === 'raise_statement'));
    const catches = catching.length > 0;
    if (!catches && !finallyClause) continue;
    // The close may also sit in the catching handler itself (`except ReadError: self.close(1011, "stream error")`),
    // and be the class's own `close` (a method name with the `closes` role: its summary carries no close kind).
    const closes = treeCalls(fn, ctx.model, { skipFunctions: true }).some(
      (c) =>
        (c.kinds.includes('close') || ctx.kb.hasRole?.('python', methodOfCallee(calleeOf(c.node).replace(/^await\s*/, '')), 'closes') === true) &&
        c.node.startIndex >= loop.node.endIndex &&
        (c.node.startIndex >= current.endIndex || (finallyClause !== undefined && contains(finallyClause, c.node)) || catching.some((h) => contains(h, c.node))),
    );
    if (catches && closes) return true;
  }
  return false;
}

/**
 * The first try in the body (nested callbacks included, e.g. `Promise.all(rows.map(async (r) => { try ... }))`)
 * whose handlers keep the loop going rather than re-raising: the loop already protects its per-item work.
 */
function firstCatchingTry(loop: LoopFacts, model: FileModel): SyntaxNode | undefined {
  for (const node of descendants(loop.body, model)) {
    if (node.type !== 'try_statement') continue;
    const { handlers } = tryParts(node);
    const keepsGoing = handlers.some((handler) => !statementsOf(clauseBlock(handler)).some((s) => s.type === 'raise_statement' || s.type === 'throw_statement'));
    if (keepsGoing) return node;
  }
  return undefined;
}

/**
 * Once items are protected, what is left outside the try is the fetch before it (a pop, a receive, a claim) and the
 * recovery inside a handler or `finally` (a reconnect): failing there means the infrastructure is down, and ending
 * the worker so that its supervisor restarts it is a legitimate policy, not the one-bad-item bug this rule is for.
 */
function isFetchOrRecovery(call: TreeCall, perItemTry: SyntaxNode): boolean {
  if (call.node.endIndex <= perItemTry.startIndex) return true;
  // The ack after the protected work (`delete_message`, `ack`) fails only when the broker does.
  if (call.node.startIndex >= perItemTry.endIndex && call.kinds.includes('queue-ack')) return true;
  for (let current = call.node.parent; current; current = current.parent) {
    if (current.type === 'except_clause' || current.type === 'except_group_clause' || current.type === 'catch_clause' || current.type === 'finally_clause') return true;
  }
  return false;
}

const RELAY_METHOD = /^(?:send|recv|receive|read|write|poll)/;
const RECEIVES = /^(?:recv|receive|read)/;

/**
 * A relay: `while True: ready = dict(poller.poll()); if a in ready: b.send_multipart(a.recv_multipart())`. Every call
 * that can fail or wait receives, sends or polls, and what one socket received goes out of another unchanged
 * (directly, or through a name it was assigned to). There is no item to process that could be bad: a failure means
 * a socket or its context is gone, so ending the loop is right, and closing the context is how its owner stops it.
 * Neither a guard that goes on after the error nor a stop flag applies (Python).
 */
export function relaysMessages(loop: LoopFacts, ctx: RuleContext): boolean {
  if (familyOf(loop.language) !== 'python') return false;
  const calls = treeCalls(loop.body, ctx.model, { skipFunctions: true });
  const io = calls.filter((c) => c.kinds.some((k) => THROWING_KINDS.has(k) || k === 'sleep' || k === 'subprocess') || isBlockingWait(c, ctx.model));
  if (io.length === 0 || !io.every((c) => RELAY_METHOD.test(c.method))) return false;
  const received = new Set<string>();
  for (const assignment of loop.body.descendantsOfType('assignment')) {
    const right = assignment.childForFieldName('right');
    const left = assignment.childForFieldName('left');
    if (left?.type === 'identifier' && right?.type === 'call' && RECEIVES.test(methodOfCallee(right.childForFieldName('function')?.text ?? ''))) received.add(left.text);
  }
  return io.some((c) => {
    if (!/^(?:send|write)/.test(c.method)) return false;
    const first = c.node.childForFieldName('arguments')?.namedChildren.find((a) => a.type !== 'comment' && a.type !== 'keyword_argument');
    if (!first) return false;
    if (first.type === 'identifier') return received.has(first.text);
    return first.type === 'call' && RECEIVES.test(methodOfCallee(first.childForFieldName('function')?.text ?? ''));
  });
}

/**
 * Python: the loop's coroutine is started as a task in this file (`self._task = asyncio.ensure_future(self._run(s))`,
 * a `returns_task` call handed a call of the enclosing function) and the task gets a done-callback (`roles:
 * observes_task`, `self._task.add_done_callback(self._done_handler)`, on the name the task was assigned to in the
 * same function, or chained): the task's owner sees it end, with its exception, and reacts (closes the stream,
 * reconnects). A failure does not go unnoticed; ending the loop is the design, reported to that callback.
 */
function observedByItsTask(loop: LoopFacts, ctx: RuleContext): boolean {
  if (loop.language !== 'python' || !loop.inAsyncFunction) return false;
  const fn = enclosingFunction(loop.node, 'python');
  const name = fn?.childForFieldName('name')?.text;
  if (!fn || !name) return false;
  const kb = ctx.kb;
  const observes = (call: SyntaxNode) => kb.hasRole?.('python', methodOfCallee(calleeOf(call)), 'observes_task') === true;
  let root: SyntaxNode = fn;
  while (root.parent) root = root.parent;
  for (const start of root.descendantsOfType('call')) {
    if (kb.hasRole?.('python', methodOfCallee(calleeOf(start)), 'returns_task') !== true) continue;
    const first = start.childForFieldName('arguments')?.namedChildren.find((a) => a.type !== 'comment' && a.type !== 'keyword_argument');
    const inner = first?.type === 'await' ? first.namedChildren[0] : first;
    const target = inner?.type === 'call' ? calleeOf(inner) : '';
    if (target.replace(/^(?:self|cls)\./, '') !== name) continue;
    // `self._run(...)` is the method of the class that starts it: the loop's own class, not another `_run`.
    if (target !== name && enclosingClass(start)?.id !== enclosingClass(fn)?.id) continue;
    // `asyncio.ensure_future(self._run(s)).add_done_callback(done)`.
    const chained = start.parent?.type === 'attribute' && start.parent.parent?.type === 'call' ? start.parent.parent : undefined;
    if (chained && observes(chained)) return true;
    const assignment = start.parent?.type === 'assignment' ? start.parent : undefined;
    const task = assignment?.childForFieldName('left')?.text;
    const scope = enclosingFunction(start, 'python') ?? root;
    if (task && scope.descendantsOfType('call').some((c) => c.startIndex > start.endIndex && observes(c) && calleeOf(c) === `${task}.${methodOfCallee(calleeOf(c))}`)) return true;
  }
  return false;
}

/**
 * Python: `def start(self): while True: try: self._start_network() except socket.error: log(...)` and the loop sits
 * in `_start_network`: every call of the loop's function in the file (`self._start_network()` of the same class, or
 * the bare function) is made, not handed on as an argument, in the body of a try whose handlers do not raise again,
 * inside a loop of the caller. That caller is the supervisor that `hasSupervisor` looks for in the same function: a
 * failure ends this inner loop, is caught there and the session starts again (reconnects).
 */
export function supervisedByCaller(loop: LoopFacts): boolean {
  if (loop.language !== 'python') return false;
  const fn = enclosingFunction(loop.node, 'python');
  const name = fn?.childForFieldName('name')?.text;
  if (!fn || !name) return false;
  const cls = enclosingClass(fn);
  let root: SyntaxNode = fn;
  while (root.parent) root = root.parent;
  const sites = root.descendantsOfType('call').filter((c) => {
    const callee = c.childForFieldName('function')?.text ?? '';
    return cls ? callee === `self.${name}` && enclosingClass(c)?.id === cls.id : callee === name;
  });
  if (sites.length === 0) return false;
  return sites.every((site) => {
    const holder = site.parent?.type === 'await' ? site.parent : site;
    if (!['expression_statement', 'assignment'].includes(holder.parent?.type ?? '')) return false;
    let inTry = false;
    for (let child: SyntaxNode = holder, up = holder.parent; up; child = up, up = up.parent) {
      if (up.type === 'function_definition' || up.type === 'lambda') return false;
      if (up.type === 'try_statement' && up.childForFieldName('body')?.id === child.id) {
        const { handlers } = tryParts(up);
        if (handlers.length > 0 && !handlers.some((h) => statementsOf(clauseBlock(h)).some((st) => st.type === 'raise_statement'))) inTry = true;
      }
      if (inTry && (up.type === 'while_statement' || up.type === 'for_statement')) return true;
    }
    return false;
  });
}

function methodOfCallee(callee: string): string {
  return callee.slice(callee.lastIndexOf('.') + 1);
}

/** The first call that can throw and ends the worker when it does, if the loop is a long-running one. */
export function findUnguardedCall(loop: LoopFacts, ctx: RuleContext): TreeCall | undefined {
  const { model } = ctx;
  if (!isLongRunning(loop) || hasSupervisor(loop) || supervisedByCaller(loop) || endsByDrainException(loop) || endsSessionOnError(loop, ctx) || clearsRunFlagOnError(loop) || relaysMessages(loop, ctx) || observedByItsTask(loop, ctx) || servesAcceptedClient(loop, ctx)) return undefined;
  const family = familyOf(loop.language);
  const calls = treeCalls(loop.body, ctx.model, { skipFunctions: true });
  const perItemTry = firstCatchingTry(loop, model);
  // JS: a call known only by a name guess (`requestMetric.set`, `transport.send`) is no evidence that the timer's
  // callback throws and crashes the process. (In Python the guesses held up: RLlib's `self.send_fn` is a request.)
  const unhandled = (call: TreeCall) => !(family === 'js' && call.confidence === 'low') && unhandledAny(call);
  const unhandledAny = (call: TreeCall) =>
    !isCallHandled(call.node, loop.body) &&
    !(perItemTry && isFetchOrRecovery(call, perItemTry)) &&
    !inProcessQueueGet(call, loop, ctx) &&
    !(family === 'js' && call.kinds.every((k) => k === 'queue-pop') && cancelledAroundLoop(loop)) &&
    !settlesItself(call, ctx) &&
    !droppedAsyncCall(call, ctx) &&
    !failsIntoErrorListeners(call, ctx) &&
    !sendsOnOpenSocket(call, ctx) &&
    !heartbeatOfOpenSocket(call, loop, ctx) &&
    !heartbeatAfterOpenTest(call, loop, ctx) &&
    !datagramSendBeforeTeardown(call, loop, ctx) &&
    !reportsThroughCallback(call, ctx);
  // JS: or an interval callback that awaits (or returns) a promise that can reject, of a call that is not recognised
  // I/O: the code's own async function, another package's client (interval-rejections.ts). The await is the evidence
  // a name guess lacks, so the low-confidence clause does not apply.
  const found = calls.find((call) => call.kinds.some((k) => THROWING_KINDS.has(k)) && unhandled(call)) ?? (family === 'js' ? rejectingIntervalCall(loop, ctx, unhandledAny) : undefined);
  if (!found || family !== 'python') return found;
  // The message names the first call that can end the loop: an unguarded `accept()` before it (see acceptsClient).
  // An accept alone is no finding: reviewers dismissed accept-only loops (round 15, a forking RPC server) as a
  // failure that rarely happens.
  return calls.find((call) => call.node.startIndex < found.node.startIndex && acceptsClient(call, ctx) && unhandled(call)) ?? found;
}

/**
 * JS: `this.fetchStatus(vin);` as a statement of its own, where every function of this file by that name is `async`:
 * an async function never throws to its caller, its failure is the promise it returns, and that promise is dropped
 * here (fire-and-forget-task reports it). Nothing this call does can throw into the loop or the timer's callback,
 * and a try around the body would not catch it (vw-connect's `updateStatus()` timer starting `getWcData()`).
 */
function droppedAsyncCall(call: TreeCall, ctx: RuleContext): boolean {
  if (familyOf(ctx.file.language) !== 'js' || call.node.type !== 'call_expression') return false;
  const statement = call.node.parent?.type === 'unary_expression' && call.node.parent.text.startsWith('void') ? call.node.parent.parent : call.node.parent;
  if (statement?.type !== 'expression_statement') return false;
  const definitions = ownDefinitions(call, ctx);
  return definitions.length > 0 && definitions.every((fn) => fn.isAsync);
}

/**
 * JS: `this.connectWS()`, a plain (not async) function of this file whose every call that can fail keeps its result
 * in a name that the same function gives an `'error'` listener: `const req = https.request(options); ...
 * req.on('error', (err) => this.reconnectLater(err)); req.end();`. A request, a socket or a client made that way
 * reports a failed connection to the listener, later; it does not throw into the timer that called the function
 * (mercedesme's 30-minute WebSocket reconnect timer). Without the listener the emitter's error is still fatal, and the
 * call still counts.
 */
function failsIntoErrorListeners(call: TreeCall, ctx: RuleContext): boolean {
  if (familyOf(ctx.file.language) !== 'js') return false;
  // The timer's callback is the method itself (`setInterval(() => this.connectWS(), ms)` is read through to its body).
  if (errorListened(call.node)) return true;
  const definitions = ownDefinitions(call, ctx);
  if (definitions.length === 0 || definitions.some((fn) => fn.isAsync)) return false;
  return definitions.every((fn) => {
    const body = fn.node.childForFieldName('body');
    if (body?.type !== 'statement_block') return false;
    const risky = treeCalls(body, ctx.model, { skipFunctions: true }).filter((c) => c.kinds.some((k) => THROWING_KINDS.has(k)));
    return risky.length > 0 && risky.every((c) => errorListened(c.node));
  });
}

/** The file's functions a call `f(...)` / `this.f(...)` may run, by name (none for any other callee shape). */
function ownDefinitions(call: TreeCall, ctx: RuleContext) {
  const name = call.callee.startsWith('this.') ? call.callee.slice(5) : call.callee;
  return /^#?[A-Za-z_$][\w$]*$/.test(name) ? ctx.model.functions.filter((fn) => fn.name === name) : [];
}

/** `const req = https.request(o)` (or `this.req = ...`) in a function whose body also calls `req.on('error', ...)`. */
function errorListened(node: SyntaxNode): boolean {
  const parent = node.parent;
  const holder = parent?.type === 'variable_declarator' ? parent.childForFieldName('name') : parent?.type === 'assignment_expression' ? parent.childForFieldName('left') : null;
  if (!holder || (holder.type !== 'identifier' && holder.type !== 'member_expression')) return false;
  let scope: SyntaxNode | null = parent;
  while (scope && !['function_declaration', 'method_definition', 'arrow_function', 'function_expression', 'function', 'generator_function_declaration'].includes(scope.type)) scope = scope.parent;
  const body = scope?.childForFieldName('body');
  if (!body) return false;
  const target = holder.text.replace(/[.$]/g, (ch) => `\\${ch}`);
  return new RegExp(`(?:^|[^\\w$.])${target}\\s*\\.\\s*(?:on|once|addListener)\\(\\s*['"]error['"]`).test(body.text);
}

/**
 * Python: the loop serves one accepted client. Its function runs on a thread the file builds per connection, right
 * where it takes that connection (`conn, _ = self.listener.accept()`, the `accepts_client` role): the loop's thread
 * class built with the connection (`FrameHandler(conn, ...).start()`, the loop in its `run`), or `Thread(target=
 * self.session, args=(conn,))` naming the loop's function. An exception there ends that client's session (the
 * client reconnects and the next accept builds a new handler), which is socketserver's per-connection design, not a
 * worker stopped for good. A thread built once at start-up (a consumer of a broker) is still a worker.
 */
function servesAcceptedClient(loop: LoopFacts, ctx: RuleContext): boolean {
  if (loop.language !== 'python') return false;
  const fn = enclosingFunction(loop.node, 'python');
  const name = fn?.childForFieldName('name')?.text;
  if (!fn || !name) return false;
  const className = enclosingClassName(fn);
  const root = rootOf(loop.node);
  for (const accept of root.descendantsOfType('call')) {
    const callee = accept.childForFieldName('function');
    if (callee?.type !== 'attribute' || ctx.kb.hasRole?.('python', callee.childForFieldName('attribute')?.text ?? '', 'accepts_client') !== true) continue;
    const statement = accept.parent;
    if (statement?.type !== 'assignment' || statement.childForFieldName('right')?.id !== accept.id) continue;
    const left = statement.childForFieldName('left');
    const first = left?.type === 'identifier' ? left : left?.namedChildren.find((n) => n.type === 'identifier');
    const conn = first?.text;
    const scope = enclosingFunction(accept, 'python');
    if (!conn || !scope) continue;
    const passesConn = (args: SyntaxNode | null | undefined) => (args?.descendantsOfType('identifier') ?? []).some((a) => a.text === conn && a.parent?.type !== 'attribute' && a.parent?.childForFieldName('name')?.id !== a.id);
    for (const build of scope.descendantsOfType('call')) {
      if (build.startIndex < statement.endIndex) continue;
      const built = build.childForFieldName('function')?.text ?? '';
      const args = build.childForFieldName('arguments');
      // The loop's own thread class, built with the connection; the loop is its `run`.
      if (className !== undefined && name === 'run' && (built === className || built.endsWith(`.${className}`)) && passesConn(args)) return true;
      // `Thread(target=self.session, args=(conn,))`: the loop's function, handed the connection.
      if (!/(?:^|\.)Thread$/.test(built)) continue;
      const kw = (key: string) => args?.namedChildren.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === key)?.childForFieldName('value');
      const target = kw('target')?.text ?? '';
      const sameFunction = className !== undefined ? target === `self.${name}` && enclosingClassName(build) === className : target === name;
      if (sameFunction && passesConn(kw('args'))) return true;
    }
  }
  return false;
}

function enclosingClassName(node: SyntaxNode): string | undefined {
  return enclosingClass(node)?.childForFieldName('name')?.text;
}

/**
 * Python: `conn, addr = self.sock.accept()` (the `accepts_client` role of the API files) raises `OSError` when the
 * process runs out of descriptors (EMFILE) or the kernel has no buffers: in a loop with no try that already has a
 * call that can fail, the accept is named when it comes first (`Queue.put` after it is not what a reviewer checks).
 */
function acceptsClient(call: TreeCall, ctx: RuleContext): boolean {
  return call.receiver !== undefined && ctx.kb.hasRole?.(ctx.file.language, call.method, 'accepts_client') === true;
}

/**
 * A server's accept loop (`conn, addr = sock.accept()`, the `accepts_client` role) that hands each client on (to a
 * thread, a handler object): stopped between two accepts it loses nothing, and a stop flag would not save the
 * clients already handed on, which live in their own threads. Its shutdown is the listener's close.
 */
export function acceptsClients(loop: LoopFacts, ctx: RuleContext): boolean {
  const calls = treeCalls(loop.body, ctx.model, { skipFunctions: true });
  const accept = calls.find((c) => ctx.kb.hasRole?.(loop.language, c.method, 'accepts_client') === true);
  if (!accept) return false;
  const statement = accept.node.parent;
  const left = statement?.type === 'assignment' ? statement.childForFieldName('left') : undefined;
  const names = left ? (left.type === 'identifier' ? [left.text] : left.namedChildren.filter((n) => n.type === 'identifier').map((n) => n.text)) : [];
  // `Thread(target=pipe, args=(conn, upstream))`, `StreamSocket(conn)`: the client is handed to a task or to an
  // object built for it (`str(conn)` or `log(conn)` is no hand-off).
  const handsOn = (c: TreeCall) => c.kinds.includes('task-spawn') || /^[A-Z]/.test(c.method);
  return calls.some((c) => c !== accept && handsOn(c) && (c.node.childForFieldName('arguments')?.descendantsOfType('identifier') ?? []).some((a) => names.includes(a.text) && a.parent?.type !== 'attribute'));
}

/**
 * `client.executeRemote('getMonitorData', {}, function (err, list) { ... })`: a Node-style call whose last argument is
 * a callback taking the error first reports a failure to that callback; it does not throw into the timer.
 */
function reportsThroughCallback(call: TreeCall, ctx: RuleContext): boolean {
  if (familyOf(ctx.file.language) !== 'js') return false;
  const args = call.node.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
  const last = args[args.length - 1];
  if (!last || (last.type !== 'arrow_function' && last.type !== 'function_expression' && last.type !== 'function')) return false;
  const params = last.childForFieldName('parameters')?.namedChildren ?? (last.childForFieldName('parameter') ? [last.childForFieldName('parameter')!] : []);
  const first = params[0];
  const name = first?.type === 'identifier' ? first.text : (first?.childForFieldName('pattern') ?? first?.namedChildren[0])?.text;
  return name !== undefined && /^err(?:or)?$/i.test(name);
}

/** `ws.readyState !== WebSocket.OPEN` (or `!= 1`), and its positive form. */
const NOT_OPEN = /\.readyState\s*!==?\s*(?:[\w$.]*\.OPEN|1)\b/;
const IS_OPEN = /\.readyState\s*===?\s*(?:[\w$.]*\.OPEN|1)\b/;

/**
 * `if (!conn || conn.ws.readyState !== WebSocket.OPEN) return;` then `conn.ws.send(...)` (or the send inside
 * `if (ws.readyState === WebSocket.OPEN) { ... }`): a method with the `sends_when_open` role of the API files, on
 * a receiver just tested to be open, throws no error that could end the worker (a WebSocket reports a failed
 * write to its 'error' and 'close' listeners).
 */
function sendsOnOpenSocket(call: TreeCall, ctx: RuleContext): boolean {
  const receiver = call.receiver;
  if (familyOf(ctx.file.language) !== 'js' || !receiver || !ctx.kb.hasRole?.(ctx.file.language, call.method, 'sends_when_open')) return false;
  const tests = (condition: SyntaxNode | null, open: RegExp, join: string) =>
    condition !== null &&
    ((condition.text.includes(`${receiver}.readyState`) && open.test(condition.text) && !condition.text.includes(join)) ||
      (open === IS_OPEN && !condition.text.includes(join) && condition.descendantsOfType('call_expression').some((c) => testsOpen(calleeOf(c), receiver, ctx))));
  for (let child = call.node, up = call.node.parent; up && !ASYNC_SCOPES.has(child.type); child = up, up = up.parent) {
    if (up.type === 'if_statement' && up.childForFieldName('consequence')?.id === child.id && tests(up.childForFieldName('condition'), IS_OPEN, '||')) return true;
    if (up.type !== 'statement_block') continue;
    const earlier = up.namedChildren.filter((s) => s.endIndex <= child.startIndex);
    const guarded = earlier.some((s) => {
      if (s.type !== 'if_statement' || s.childForFieldName('alternative')) return false;
      const consequence = s.childForFieldName('consequence');
      const leaves = consequence?.type === 'statement_block' ? consequence.namedChildren[consequence.namedChildCount - 1] : consequence;
      return /^(return_statement|continue_statement|break_statement)$/.test(leaves?.type ?? '') && tests(s.childForFieldName('condition'), NOT_OPEN, '&&');
    });
    if (guarded) return true;
  }
  return false;
}
const ASYNC_SCOPES = new Set(['function_declaration', 'method_definition', 'arrow_function', 'function_expression']);

/**
 * `ws.onopen = () => { const beat = setInterval(() => ws.send('ping'), 10000); ws.onclose = () => clearInterval(beat);
 * }` (or `ws.on('open', ...)` / `addEventListener('open', ...)` with the `close` listener beside it): a heartbeat
 * started by the socket's own `open` listener and stopped by its `close` listener. When the timer fires the socket
 * has opened, so the send (a method of the `sends_when_open` role, which throws only while the socket is still
 * connecting) cannot throw: after a close a WebSocket drops the frame or reports it to a callback.
 */
function heartbeatOfOpenSocket(call: TreeCall, loop: LoopFacts, ctx: RuleContext): boolean {
  const receiver = call.receiver;
  if (loop.kind !== 'interval' || familyOf(ctx.file.language) !== 'js' || !receiver || !ctx.kb.hasRole?.(ctx.file.language, call.method, 'sends_when_open')) return false;
  const handle = loop.node.parent?.type === 'variable_declarator' ? loop.node.parent.childForFieldName('name')?.text : loop.node.parent?.type === 'assignment_expression' ? loop.node.parent.childForFieldName('left')?.text : undefined;
  if (!handle) return false;
  // `ws.on('open', x)`, `ws.addEventListener('open', x)`: the listener argument of a registration of `event` on the receiver.
  const registered = (invoked: SyntaxNode | null | undefined, event: string): SyntaxNode | undefined => {
    if (invoked?.type !== 'call_expression') return undefined;
    const callee = calleeOf(invoked);
    const args = invoked.childForFieldName('arguments')?.namedChildren ?? [];
    const listens = callee.startsWith(`${receiver}.`) && /^(on|once|addEventListener|addListener)$/.test(callee.slice(receiver.length + 1));
    return listens && /^['"`]/.test(args[0]?.text ?? '') && args[0]!.text.slice(1, -1) === event ? args[1] : undefined;
  };
  // The listener of `event` on the receiver that `fn` is: `ws.onopen = fn`, `ws.on('open', fn)`, `ws.addEventListener('open', fn)`,
  // or, for a function bound to a name (`const start = () => {...}`, a method `start() {...}`), a registration of that
  // name in the block that binds it or in the class (`ws.addEventListener('open', start)`, `ws.on('open', this.start)`).
  const listensTo = (fn: SyntaxNode, event: string): boolean => {
    const parent = fn.parent;
    if (parent?.type === 'assignment_expression') return parent.childForFieldName('left')?.text === `${receiver}.on${event}`;
    if (parent?.type === 'arguments' && registered(parent.parent, event)?.id === fn.id) return true;
    const bound = parent?.type === 'variable_declarator' && parent.childForFieldName('value')?.id === fn.id ? parent.childForFieldName('name') : null;
    // (`start = () => {...}` as a class field is a method too.)
    const field = parent?.type === 'public_field_definition' || parent?.type === 'field_definition' ? parent.childForFieldName('name') ?? parent.childForFieldName('property') : null;
    const method = fn.type === 'method_definition' ? fn.childForFieldName('name') : field;
    const name = bound?.type === 'identifier' ? bound.text : method ? `this.${method.text}` : undefined;
    if (!name) return false;
    let region: SyntaxNode | null = fn.type === 'method_definition' ? fn.parent : parent!.parent;
    while (region && region.type !== 'statement_block' && region.type !== 'program' && region.type !== 'class_body') region = region.parent;
    return (region?.descendantsOfType('call_expression') ?? []).some((c) => registered(c, event)?.text === name);
  };
  // `wss.on('connection', (ws) => { ... })`: a server hands its `connection` listener a socket that has opened (the
  // handshake is done), so the listener whose first parameter is the receiver opens it as well.
  const acceptsOpen = (fn: SyntaxNode): boolean => {
    const invoked = fn.parent?.type === 'arguments' ? fn.parent.parent : null;
    if (invoked?.type !== 'call_expression') return false;
    const args = invoked.childForFieldName('arguments')?.namedChildren ?? [];
    const method = calleeOf(invoked).split('.').pop() ?? '';
    if (!/^(on|once|addListener)$/.test(method) || args[1]?.id !== fn.id || !/^['"`]connection['"`]$/.test(args[0]?.text ?? '')) return false;
    const params = fn.childForFieldName('parameters')?.namedChildren.filter((p) => p.type !== 'comment') ?? [];
    const first = fn.childForFieldName('parameter') ?? params[0];
    const name = first?.type === 'identifier' ? first.text : first?.childForFieldName('pattern')?.text;
    return name === receiver;
  };
  let opener: SyntaxNode | undefined;
  for (let up = loop.node.parent; up; up = up.parent) {
    if (!ASYNC_SCOPES.has(up.type)) continue;
    if (listensTo(up, 'open') || acceptsOpen(up)) opener = up;
    break;
  }
  if (!opener) return false;
  // Stopped by the same socket's close listener (in the opener or beside it).
  let scope: SyntaxNode = opener;
  for (let up = opener.parent; up; up = up.parent) {
    scope = up;
    if (ASYNC_SCOPES.has(up.type)) break;
  }
  const clears = (fn: SyntaxNode) => fn.descendantsOfType('call_expression').some((c) => calleeOf(c) === 'clearInterval' && c.childForFieldName('arguments')?.namedChildren[0]?.text === handle);
  // (Or through a function bound once in that scope that clears it: `const onClose = () => { clearInterval(ping); ...
  // }; ws.on('close', () => onClose());`.)
  const clearers = new Set(
    scope
      .descendantsOfType('variable_declarator')
      .filter((d) => {
        const value = d.childForFieldName('value');
        return (value?.type === 'arrow_function' || value?.type === 'function_expression') && clears(value);
      })
      .map((d) => d.childForFieldName('name')?.text),
  );
  const callsClearer = (fn: SyntaxNode) => fn.descendantsOfType('call_expression').some((c) => clearers.has(calleeOf(c)) && (c.childForFieldName('arguments')?.namedChildCount ?? 0) === 0);
  return scope.descendantsOfType(['arrow_function', 'function_expression', 'method_definition']).some((fn) => listensTo(fn, 'close') && (clears(fn) || callsClearer(fn)));
}

/**
 * `if (!ws || ws.readyState !== WebSocket.OPEN) return; ... this.beat = setInterval(() => { if (!this.ws) return;
 * this.ws.send(ping); }, d)` with `onClose = () => { this.ws = null; clearInterval(this.beat); }`: a heartbeat
 * started right after a test that the socket is OPEN, whose callback tests the socket before the send, and which the
 * file's teardown stops in the same function that drops the socket. A socket never goes back to CONNECTING (the one
 * state in which `send`, a method of the `sends_when_open` role, throws), and a new socket comes only after that
 * teardown has stopped this timer; on a closing or closed socket the send reports to the socket's listeners.
 */
function heartbeatAfterOpenTest(call: TreeCall, loop: LoopFacts, ctx: RuleContext): boolean {
  const receiver = call.receiver;
  if (loop.kind !== 'interval' || familyOf(ctx.file.language) !== 'js' || !receiver || !ctx.kb.hasRole?.(ctx.file.language, call.method, 'sends_when_open')) return false;
  const parent = loop.node.parent;
  const handle = parent?.type === 'variable_declarator' ? parent.childForFieldName('name')?.text : parent?.type === 'assignment_expression' ? parent.childForFieldName('left')?.text : undefined;
  if (!handle) return false;
  const leaves = (s: SyntaxNode): boolean => {
    if (s.type !== 'if_statement' || s.childForFieldName('alternative')) return false;
    const consequence = s.childForFieldName('consequence');
    const last = consequence?.type === 'statement_block' ? consequence.namedChildren[consequence.namedChildCount - 1] : consequence;
    return last?.type === 'return_statement';
  };
  // The callback tests the socket before the send: an `if` around it, or an earlier `if (...) return;`, naming it.
  let tested = false;
  for (let child = call.node, up = call.node.parent; up && up.id !== loop.node.id && !tested; child = up, up = up.parent) {
    if (up.type === 'if_statement' && up.childForFieldName('consequence')?.id === child.id && up.childForFieldName('condition')?.text.includes(receiver)) tested = true;
    if (up.type === 'statement_block') tested = up.namedChildren.some((s) => s.endIndex <= child.startIndex && leaves(s) && (s.childForFieldName('condition')?.text.includes(receiver) ?? false));
  }
  if (!tested) return false;
  // The interval starts after an OPEN test of the same socket in an enclosing block (`if (... readyState !== 1) return;`).
  let opened = false;
  for (let child = loop.node, up = loop.node.parent; up && !opened; child = up, up = up.parent) {
    if (up.type === 'if_statement' && up.childForFieldName('consequence')?.id === child.id) {
      const condition = up.childForFieldName('condition')?.text ?? '';
      opened = condition.includes(`${receiver}.readyState`) && IS_OPEN.test(condition) && !condition.includes('||');
    }
    if (up.type === 'statement_block') {
      opened = up.namedChildren.some((s) => {
        const condition = s.childForFieldName('condition')?.text ?? '';
        return s.endIndex <= child.startIndex && leaves(s) && condition.includes(`${receiver}.readyState`) && NOT_OPEN.test(condition) && !condition.includes('&&');
      });
    }
  }
  if (!opened) return false;
  // A function of the file drops the socket (`receiver = null`) and stops this timer.
  const root = rootOf(loop.node);
  return root.descendantsOfType(['arrow_function', 'function_expression', 'function_declaration', 'method_definition']).some((fn) => {
    const drops = fn.descendantsOfType('assignment_expression').some((a) => a.childForFieldName('left')?.text === receiver && /^(null|undefined)$/.test(a.childForFieldName('right')?.type ?? ''));
    return drops && fn.descendantsOfType('call_expression').some((c) => calleeOf(c) === 'clearInterval' && c.childForFieldName('arguments')?.namedChildren[0]?.text === handle);
  });
}

/**
 * `this.socket = opts.socket || dgram.createSocket('udp4'); this.socket.on('error', ...); this.timer =
 * setInterval(() => this.resend(), ms)` with `destroy() { clearInterval(this.timer); this.socket.close(); }`: a
 * datagram socket reports a failed send (a lookup error, an unreachable host, a full buffer) to the send's callback
 * or as the socket's 'error' event, which the file listens for; `send` throws synchronously only on a closed socket,
 * and every function of the file that closes this one first stops this timer. So the send cannot throw out of the
 * timer (round 18, jsheld42: a DNS client's retransmit interval). A file that closes the socket and leaves the timer
 * running is still reported: its next tick sends on a closed socket and throws.
 * A send that passes its own callback (`socket.send(msg, 0, msg.length, port, addr, noop)`) reports its failure
 * there, not as an 'error' event, so it needs no listener; and a socket the file only ever makes itself (no handed-in
 * `opts.socket`) that no function of the file closes or drops (`this.socket = null`) is open on every tick (round 19,
 * jsheld45: an SSDP client's M-SEARCH interval). Dropping the socket counts as closing it: a later tick would call
 * `send` on `null`.
 */
function datagramSendBeforeTeardown(call: TreeCall, loop: LoopFacts, ctx: RuleContext): boolean {
  const receiver = call.receiver;
  if (loop.kind !== 'interval' || familyOf(ctx.file.language) !== 'js' || !receiver || call.method !== 'send') return false;
  const parent = loop.node.parent;
  // (A timer kept in no name, `setInterval(check, 1000)`, is never stopped: only a socket open on every tick will do.)
  const handle = parent?.type === 'variable_declarator' ? parent.childForFieldName('name')?.text : parent?.type === 'assignment_expression' ? parent.childForFieldName('left')?.text : undefined;
  const root = rootOf(loop.node);
  if (!/(?:require\(\s*|\bfrom\s+)['"](?:node:)?dgram['"]/.test(root.text)) return false;
  // The receiver holds a socket the file makes with `createSocket(...)` (an alternative `opts.socket || ...` included).
  const made = root.descendantsOfType(['assignment_expression', 'variable_declarator']).some((a) => {
    const left = a.type === 'variable_declarator' ? a.childForFieldName('name') : a.childForFieldName('left');
    const right = a.type === 'variable_declarator' ? a.childForFieldName('value') : a.childForFieldName('right');
    return left?.text === receiver && right !== null && right.descendantsOfType('call_expression').concat(right.type === 'call_expression' ? [right] : []).some((c) => /(?:^|\.)createSocket$/.test(calleeOf(c)));
  });
  if (!made) return false;
  const ownCallback = passesCallback(call.node, root);
  const target = receiver.replace(/[.$]/g, (ch) => `\\${ch}`);
  if (!ownCallback && !new RegExp(`(?:^|[^\\w$.])${target}\\s*\\.\\s*(?:on|once|addListener)\\(\\s*['"]error['"]`).test(root.text)) return false;
  // Some function closes the socket, and each that does clears this timer too (in the timer's class, when it has one:
  // another class's `this.socket` is another socket).
  let region: SyntaxNode = root;
  for (let up = loop.node.parent; up; up = up.parent) if (up.type === 'class_body') { region = up; break; }
  const closers = region
    .descendantsOfType(['arrow_function', 'function_expression', 'function_declaration', 'method_definition'])
    .filter(
      (fn) =>
        fn.descendantsOfType('call_expression').some((c) => calleeOf(c) === `${receiver}.close`) ||
        fn.descendantsOfType('assignment_expression').some((a) => a.childForFieldName('left')?.text === receiver && /^(null|undefined)$/.test(a.childForFieldName('right')?.type ?? '')),
    );
  const innermost = closers.filter((fn) => !closers.some((other) => other.id !== fn.id && other.startIndex >= fn.startIndex && other.endIndex <= fn.endIndex));
  // Never closed nor dropped: open on every tick, when the file alone makes it (every binding a bare `createSocket`).
  if (innermost.length === 0) return ownCallback && onlyMadeHere(receiver, root);
  if (!handle) return false;
  return innermost.every((fn) => fn.descendantsOfType('call_expression').some((c) => calleeOf(c) === 'clearInterval' && c.childForFieldName('arguments')?.namedChildren[0]?.text === handle));
}

/** The call's last argument is a function: an inline one, or a name the file declares as a function. */
function passesCallback(call: SyntaxNode, root: SyntaxNode): boolean {
  const last = call.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment').at(-1);
  if (!last) return false;
  if (last.type === 'arrow_function' || last.type === 'function_expression' || last.type === 'function') return true;
  if (last.type !== 'identifier') return false;
  return root.descendantsOfType(['function_declaration', 'variable_declarator']).some((d) => {
    if (d.childForFieldName('name')?.text !== last.text) return false;
    if (d.type === 'function_declaration') return true;
    const value = d.childForFieldName('value');
    return value?.type === 'arrow_function' || value?.type === 'function_expression' || value?.type === 'function';
  });
}

/** Every assignment to `receiver` in the file is a bare `createSocket(...)` call (or `null`): no socket handed in. */
function onlyMadeHere(receiver: string, root: SyntaxNode): boolean {
  return root.descendantsOfType(['assignment_expression', 'variable_declarator']).every((a) => {
    const left = a.type === 'variable_declarator' ? a.childForFieldName('name') : a.childForFieldName('left');
    if (left?.text !== receiver) return true;
    const right = a.type === 'variable_declarator' ? a.childForFieldName('value') : a.childForFieldName('right');
    return right !== null && (right.type === 'null' || right.type === 'undefined' || (right.type === 'call_expression' && /(?:^|\.)createSocket$/.test(calleeOf(right))));
  });
}

/**
 * `if (this._isConnected()) this.ws.send('PING')`: the condition calls a function of the file (`this.` or bare) each
 * of whose definitions only returns a test that the receiver is open (`return this.ws !== null &&
 * this.ws.readyState === 1;`).
 */
function testsOpen(callee: string, receiver: string, ctx: RuleContext): boolean {
  const name = callee.replace(/^this\./, '');
  if (!/^#?[A-Za-z_$][\w$]*$/.test(name)) return false;
  const definitions = ctx.model.functions.filter((fn) => fn.name === name);
  return (
    definitions.length > 0 &&
    definitions.every((fn) => {
      const body = fn.node.childForFieldName('body');
      const statements = body?.type === 'statement_block' ? body.namedChildren.filter((c) => c.type !== 'comment') : [];
      const only = statements.length === 1 && statements[0]!.type === 'return_statement' ? statements[0]!.text : undefined;
      return only !== undefined && only.includes(`${receiver}.readyState`) && IS_OPEN.test(only) && !only.includes('||');
    })
  );
}

/**
 * `this.changeVisibility(...)`: an async function or method of this file whose work sits in a try that catches and
 * reports (an `error` event, a callback) cannot end the worker; its I/O is guarded inside (see `neverRejects`).
 * Python: `send_telemetry(**kw)` / `self.flush()`, a function or method of this file whose every call that can
 * raise (I/O) sits in a `try` with a broad handler (`except Exception`, `except BaseException`, bare `except`) that
 * does not raise again: the failure is logged or dropped there, not in the worker. Either language: a callee whose
 * every chain to I/O that can fail passes a handled `try`, in this file or an imported one (`neverThrows`).
 */
function settlesItself(call: TreeCall, ctx: RuleContext): boolean {
  const family = familyOf(ctx.file.language);
  if (family === 'python') {
    const name = call.callee.startsWith('self.') ? call.callee.slice(5) : call.callee;
    if (!/^[A-Za-z_]\w*$/.test(name)) return false;
    const definitions = ctx.model.functions.filter((fn) => fn.name === name);
    if (definitions.length > 0 && definitions.every((fn) => catchesEveryFailure(fn.node, ctx))) return true;
    // A function of another module (or one whose I/O sits further down) whose every chain to I/O that can fail
    // runs through a handled `try` (effect summaries: `neverThrows`).
    return ctx.kb.neverThrows?.(ctx.file.language, call.callee) ?? false;
  }
  if (family !== 'js') return false;
  const name = call.callee.startsWith('this.') ? call.callee.slice(5) : call.callee;
  if (/^#?[A-Za-z_$][\w$]*$/.test(name) && neverRejects(name, ctx)) return true;
  // `await this.queue.getTracks()` where the field's class (or an imported module) catches and logs the store's
  // failure and returns nothing: the summary's I/O is real, but it cannot throw into the worker.
  return ctx.kb.neverThrows?.(ctx.file.language, call.callee) ?? false;
}

function catchesEveryFailure(fn: SyntaxNode, ctx: RuleContext): boolean {
  const body = fn.childForFieldName('body');
  if (!body || !body.descendantsOfType('try_statement').some((t) => pyTryHandlesFailure(t))) return false;
  // The call the worker's summary names may be classified only through the summary (`get_session().head`); what
  // this function's own body shows as I/O must all be caught.
  const risky = treeCalls(body, ctx.model, { skipFunctions: true }).filter((c) => c.kinds.some((k) => THROWING_KINDS.has(k)));
  // The helper may take its item before the try that protects the work (`task = self.queue.get()`, then `try:
  // task.run() except Exception: log`), as a loop body may (`isFetchOrRecovery`): a failed take means the queue or
  // broker is gone, not that one item was bad. Only the first broad try among the body's own statements counts, and
  // only a take (`queue-pop`) before it; other I/O there (a request, a write) must still be caught.
  const guard = statementsOf(body).find((s) => s.type === 'try_statement' && pyTryHandlesFailure(s));
  return risky.every((c) => caughtBroadly(c.node, body) || (guard !== undefined && c.kinds.every((k) => k === 'queue-pop') && isFetchOrRecovery(c, guard)) || ownQueueTake(c, body, ctx));
}

/**
 * `try: name, args = self.command_queue.get(False) except Empty: break` in a helper that drains the commands its
 * class's own `queue.Queue()` holds (cylc's scheduler): a take from a queue of this process (see `isInProcessQueue`)
 * has no network or broker to fail; a blocking `get()` only waits, and a non-blocking one or one with a timeout
 * raises only `Empty`, here in a try whose handler does not raise again. The take cannot end the worker.
 */
function ownQueueTake(call: TreeCall, body: SyntaxNode, ctx: RuleContext): boolean {
  if (!call.receiver || !call.kinds.every((k) => k === 'queue-pop') || !isInProcessQueue(call.receiver, call, ctx)) return false;
  const bounded = /\btimeout\b|\bblock\s*=/.test(call.node.text) || call.method !== 'get' || (call.node.childForFieldName('arguments')?.namedChildren.length ?? 0) > 0;
  if (!bounded) return true;
  for (let child = call.node, up = call.node.parent; up && child.id !== body.id; child = up, up = up.parent) {
    if (up.type !== 'try_statement' || up.childForFieldName('body')?.id !== child.id) continue;
    if (tryParts(up).handlers.some((h) => h.type === 'except_clause' && clauseBlock(h)?.descendantsOfType('raise_statement').length === 0)) return true;
  }
  return false;
}

/** `node` sits in the body of a try (under `root`) with a broad handler that does not raise again. */
function caughtBroadly(node: SyntaxNode, root: SyntaxNode): boolean {
  for (let child = node, up = node.parent; up && child.id !== root.id; child = up, up = up.parent) {
    if (up.type === 'try_statement' && up.childForFieldName('body')?.id === child.id && pyTryHandlesFailure(up)) return true;
  }
  return false;
}

/**
 * A blocking `get()` on a queue of this process (built here by a call of the `in_process_queue` entry of `builds:`
 * in rules/apis/python.yml, such as `queue.Queue()` or `asyncio.Queue()`, or one whose
 * `task_done()` the code calls: only the standard library's queues have it) waits for an item and cannot fail:
 * no network, no broker. The exceptions it can raise are cancellation (which should end the worker) and `Empty`
 * after a timeout. A queue whose constructor the file cannot see, with no `task_done()`, may be a broker's.
 */
export function inProcessQueueGet(call: TreeCall, loop: LoopFacts, ctx: RuleContext): boolean {
  if (!call.receiver || !call.kinds.every((k) => k === 'queue-pop')) return false;
  // A non-blocking take (`get_nowait`) under a probe of the same queue (`if not self.queue.empty():`) finds an item
  // in a queue this process fills and one loop drains, like a blocking `get()`.
  if (call.method !== 'get' && !(ctx.kb.waitOf?.(ctx.file.language, call.callee) === 'immediate' && probedFirst(call, loop, ctx))) return false;
  if (/\btimeout\b|\bblock\s*=/.test(call.node.text)) return false;
  return isInProcessQueue(call.receiver, loop, ctx);
}

/**
 * `receiver` is a queue of this process: built by a call of the `in_process_queue` entry of `builds:` (rules/apis/
 * python.yml: `queue.Queue()`, `asyncio.Queue()`) at module level, in the outermost function around the loop or, for
 * `self.` fields, in a method of the loop's class (or a base class of the file), or one whose `task_done()` that
 * function calls (only the standard library's queues have it). Its pops are memory operations, no round trip.
 */
export function isInProcessQueue(receiver: string, loop: Pick<LoopFacts, 'node'>, ctx: RuleContext): boolean {
  // The outermost function around the loop (a worker nested in the function that fills the queue), and the module.
  let outer: SyntaxNode | undefined;
  let root: SyntaxNode = loop.node;
  for (; root.parent; root = root.parent) if (root.type === 'function_definition') outer = root;
  const builds = (node: SyntaxNode) => {
    const right = node.childForFieldName('right');
    return node.childForFieldName('left')?.text === receiver && right?.type === 'call' && ctx.kb.builds?.(ctx.file.language, right.childForFieldName('function')?.text ?? '', 'in_process_queue') === true;
  };
  const moduleLevel = root.namedChildren.filter((s) => s.type === 'expression_statement').map((s) => s.namedChildren[0]).filter((n): n is SyntaxNode => n?.type === 'assignment');
  if (moduleLevel.some(builds)) return true;
  // `from .shared import dns_jobs` (or `shared.dns_jobs` after `from . import shared`) where that module of the code's
  // own binds `dns_jobs = queue.Queue()` once: the same per-process object, built one file away (a daemon's queues kept
  // in one module that every thread imports). Not when the function around the loop binds the name itself.
  if (/^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?$/.test(receiver) && !receiver.startsWith('self.') && !boundIn(outer, receiver.split('.')[0]!)) {
    const built = ctx.kb.importedObject?.(ctx.file.language, receiver);
    if (built !== undefined && ctx.kb.builds?.(ctx.file.language, built, 'in_process_queue') === true) return true;
  }
  // `Middleware.send_queue = queue.Queue(size)` in any function of the file, for a class the file defines: a class
  // attribute is one object per process, like a module-level queue (a notifier's queue built once under a lock).
  const classAttr = /^([A-Za-z_]\w*)\.\w+$/.exec(receiver);
  if (classAttr && classAttr[1] !== 'self' && classAttr[1] !== 'cls' && root.namedChildren.some((n) => n.type === 'class_definition' && n.childForFieldName('name')?.text === classAttr[1]) && root.descendantsOfType('assignment').some(builds)) return true;
  if (!outer) return false;
  if (outer.descendantsOfType('assignment').some(builds) || outer.text.includes(`${receiver}.task_done(`)) return true;
  // `self._traces = queue.Queue(maxsize=4)` in `__init__`, drained by another method of the same class (or of a
  // class of the file that inherits that `__init__`).
  if (!receiver.startsWith('self.')) return false;
  return classAndFileBases(enclosingClass(outer), root).some((cls) => cls.descendantsOfType('assignment').some(builds));
}

/** `name` is a parameter of `fn` or assigned in it: a local that shadows the module's (or an imported) name. */
function boundIn(fn: SyntaxNode | undefined, name: string): boolean {
  if (!fn) return false;
  const params = fn.childForFieldName('parameters')?.namedChildren ?? [];
  if (params.some((p) => (p.type === 'identifier' ? p.text : (p.childForFieldName('name') ?? p.namedChildren[0])?.text) === name)) return true;
  return fn.descendantsOfType('assignment').some((a) => a.childForFieldName('left')?.text === name);
}

/** A Python class and the base classes the same file defines (`class Source(StreamBase):`), nearest first. */
function classAndFileBases(cls: SyntaxNode | null, root: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const byName = new Map(root.namedChildren.filter((n) => n.type === 'class_definition').map((n) => [n.childForFieldName('name')?.text ?? '', n] as const));
  const visit = (node: SyntaxNode | null | undefined) => {
    if (!node || out.includes(node) || out.length >= 8) return;
    out.push(node);
    for (const base of node.childForFieldName('superclasses')?.namedChildren ?? []) if (base.type === 'identifier') visit(byName.get(base.text));
  };
  visit(cls);
  return out;
}

/** An `if` between the loop and the call tests the call's receiver with a state probe (`not q.empty()`, `q.qsize()`). */
function probedFirst(call: TreeCall, loop: LoopFacts, ctx: RuleContext): boolean {
  for (let node = call.node.parent; node && node.id !== loop.body.id; node = node.parent) {
    if (node.type !== 'if_statement') continue;
    const condition = node.childForFieldName('condition');
    const probes = (condition ? [condition, ...condition.descendantsOfType('call')] : []).filter((c) => c.type === 'call');
    if (probes.some((p) => { const callee = calleeOf(p); return callee === `${call.receiver}.${methodOfCallee(callee)}` && ctx.kb.hasRole?.(ctx.file.language, methodOfCallee(callee), 'state_probe') === true; })) return true;
  }
  return false;
}

/** `os.system("clear")`, `subprocess.call(["tput", "reset"])`: a command that clears the terminal. */
const CLEAR_COMMAND = /^(?:clear|cls|reset|tput\s+(?:reset|clear))$/;
/** ANSI "erase display" (`\033[2J`) or "reset terminal" (`\033c`), however the escape is spelled in the literal. */
const CLEAR_ESCAPE = /\\(?:033|x1b|x1B|u001b|u001B|e)(?:\[[0-3]?J|\[H\\(?:033|x1b|x1B|u001b|u001B|e)\[[0-3]?J|c)/;

/** One call that clears the terminal: a clear command run through the shell, `click.clear()`, a printed escape. */
function clearsScreen(call: SyntaxNode): boolean {
  const fn = call.childForFieldName('function')?.text ?? '';
  const first = call.childForFieldName('arguments')?.namedChildren[0];
  if (fn === 'click.clear') return true;
  if (!first) return false;
  const literal = (n: SyntaxNode | undefined) => (n?.type === 'string' ? n.text.replace(/^[rbuRBU]*(['"]{1,3})([\s\S]*)\1$/, '$2').trim() : undefined);
  if (/^(?:os\.system|subprocess\.(?:call|run|check_call|Popen))$/.test(fn)) {
    const words = first.type === 'list' ? first.namedChildren.map(literal) : [literal(first)];
    return words.every((w) => w !== undefined) && CLEAR_COMMAND.test(words.join(' '));
  }
  return (fn === 'print' || /(?:^|\.)write$/.test(fn)) && first.type === 'string' && CLEAR_ESCAPE.test(first.text);
}

/**
 * `sys.stdout.write("\r" + status)`, `print(f"\r{done:.1f}%", end="")`: a status line the terminal rewrites in place
 * (a carriage return first, not a raw string's backslash), what a console command that shows progress until Ctrl-C
 * prints; a daemon's output goes to a log, where such a line means nothing.
 */
function rewritesLine(call: SyntaxNode): boolean {
  const fn = call.childForFieldName('function')?.text ?? '';
  if (!/^(?:print|sys\.std(?:out|err)\.write)$/.test(fn)) return false;
  let first: SyntaxNode | null | undefined = call.childForFieldName('arguments')?.namedChildren[0];
  while (first?.type === 'binary_operator') first = first.childForFieldName('left');
  return first?.type === 'string' && /^[bBuUfF]{0,2}(['"]{1,3})\\r/.test(first.text);
}

/**
 * The loop clears the person's screen every round (`os.system("clear")`, `click.clear()`, `print("\033[2J")`), directly
 * or through a name the function around it or the module binds to such a lambda or function (`clear = lambda:
 * os.system("tput reset")`): a `watch`-style terminal monitor someone runs and watches. An error there is printed to
 * that person, who restarts it; no deploy stops it mid-item.
 */
function repaintsScreen(loop: LoopFacts, calls: TreeCall[]): boolean {
  // Or it rewrites a status line in place every round (rewritesLine): the same kind of monitor, one line tall.
  if (calls.some((c) => clearsScreen(c.node) || rewritesLine(c.node))) return true;
  const root = rootOf(loop.node);
  const fn = enclosingFunction(loop.node, 'python');
  const scopes = fn ? [fn, root] : [root];
  const clearer = (name: string): boolean =>
    scopes.some((scope) =>
      scope.descendantsOfType(['assignment', 'function_definition']).some((d) => {
        if (d.type === 'assignment') {
          const right = d.childForFieldName('right');
          return d.childForFieldName('left')?.text === name && right?.type === 'lambda' && right.descendantsOfType('call').some(clearsScreen);
        }
        if (d.parent?.type !== 'module' && d.parent?.parent?.type !== 'module') return false;
        const body = d.childForFieldName('body');
        return d.childForFieldName('name')?.text === name && body !== null && body.namedChildren.length <= 2 && body.descendantsOfType('call').some(clearsScreen);
      }),
    );
  return calls.some((c) => /^[A-Za-z_]\w*$/.test(c.callee) && clearer(c.callee));
}

/**
 * The loop reads what a person types (`roles: reads_terminal`: `input()`, a prompt session's `prompt`), directly or
 * through a method of its own class (`code = await self.prompt_for_code()`): an interactive session (a REPL, a
 * console), not a worker. An error there reaches the person at the keyboard, and no deploy stops it mid-item. The
 * same for a frame loop that pumps a window's event queue (`builds: ui_events`: `for event in pygame.event.get()`),
 * and for a `watch`-style monitor that clears the person's screen every round (`repaintsScreen`).
 */
export function readsTerminal(loop: LoopFacts, ctx: RuleContext): boolean {
  if (familyOf(loop.language) !== 'python') return false;
  const reads = (method: string) => ctx.kb.hasRole?.(loop.language, method, 'reads_terminal') === true;
  const calls = treeCalls(loop.node, ctx.model, { skipFunctions: true });
  if (calls.some((c) => reads(c.method) || ctx.kb.builds?.(loop.language, c.callee, 'ui_events') === true)) return true;
  if (repaintsScreen(loop, calls)) return true;
  const methods = classMethods(enclosingClass(loop.node));
  return calls.some((c) => {
    if (c.callee !== `self.${c.method}`) return false;
    const body = methods.find((m) => m.childForFieldName('name')?.text === c.method)?.childForFieldName('body');
    return body !== undefined && body !== null && treeCalls(body, ctx.model, { skipFunctions: true }).some((inner) => reads(inner.method));
  });
}

/**
 * A script for a web page (`document.getElementById(...)`, `document.querySelector(...)` on the page's own global,
 * with no `require`, `process`, `module.exports` or `node:` import, and no `typeof document` test that would make it
 * code for both): a timer callback that throws there, or whose async callback rejects, is reported to the console
 * (`window.onerror`, `unhandledrejection`) and the timer keeps firing. "An uncaught error crashes the process" is
 * false in a browser; a loop that a rejection ends (`while (true) { await fetch(...) }`) still ends, and still fires.
 */
function browserScript(node: SyntaxNode): boolean {
  const root = rootOf(node);
  const text = root.text;
  if (!/\bdocument\s*\.\s*(getElementById|getElementsBy\w+|querySelector(All)?|addEventListener|createElement|body)\b/.test(text)) return false;
  if (/\brequire\s*\(|\bprocess\s*\.|\bmodule\.exports\b|\bexports\.|from\s*['"]node:|\btypeof\s+(document|window)\b/.test(text)) return false;
  // (A name the file binds itself, `const document = parse(html)`, is not the page's.)
  return !root.descendantsOfType('identifier').some((id) => id.text === 'document' && ['formal_parameters', 'required_parameter', 'variable_declarator', 'function_declaration', 'arrow_function'].includes(id.parent?.type ?? '') && id.parent?.childForFieldName('value')?.id !== id.id && id.parent?.childForFieldName('body')?.id !== id.id);
}

export const detectUnguardedWorkerLoop: Detector = (loop, ctx) => {
  if (isBraceLanguage(loop)) return detectBraceUnguardedWorker(loop, ctx);
  // Test code: a loop in a test that an exception ends fails the test, which is what a test is for; no deployed
  // worker is lost.
  if (ctx.testCode) return null;
  const family = familyOf(loop.language);
  const unguarded = findUnguardedCall(loop, ctx);
  // (Asked only of a loop with an unguarded call: it walks the loop's calls and its class's methods.)
  if (!unguarded || readsTerminal(loop, ctx)) return null;
  if (loop.kind === 'interval' && family === 'js' && browserScript(loop.node)) return null;
  // One comment for both problems of the same header: infinite-loop-no-exit defers to this one.
  // A loop that pumps standard input (`builds: terminal_input`) ends with its input or Ctrl-C: no deploy stops it
  // mid-item, so the message says nothing of a stop flag.
  const pumpsStdin = treeCalls(loop.body, ctx.model, { skipFunctions: true }).some((c) => ctx.kb.builds?.(loop.language, c.callee, 'terminal_input') === true);
  // An accept loop that hands each client on loses nothing to a deploy between two accepts (see acceptsClients).
  const noStop = loop.kind !== 'interval' && !pumpsStdin && ruleMayReport(ctx.config, 'infinite-loop-no-exit', 'fix-bugs') && noExitWorkerCall(loop, ctx) !== undefined && !acceptsClients(loop, ctx);
  const purpose = workerName(loop, ctx.model);
  // The log line names the function the code is really in, whatever the worker would be called in a rewrite.
  let fix = wrapBodyInTry(loop, ctx.file.source, loop.functionName ?? purpose, ctx.model);
  if (!fix) {
    const { text: body, stops } = workerStepBody(loop, ctx.file.source);
    fix = blockFix(
      guardedWorkerTemplate(loop.language, { name: purpose, ...(body ? { body, stops } : {}), async: loop.inAsyncFunction || loop.hasAwait, params: outerNamesUsed(loop, ctx.model) }),
      { startLine: loop.startLine, endLine: loop.endLine },
      { description: purpose, safety: 'unsafe', language: fenceLanguage(loop.language) },
    );
  }
  return {
    loop,
    line: lineOf(loop.node),
    variant: loop.kind === 'interval' ? 'interval' : `${family === 'js' && (loop.inAsyncFunction || loop.hasAwait) ? 'async' : 'default'}${noStop ? '-no-stop' : ''}`,
    data: { call: displayCallee(unguarded.callee), call_line: unguarded.line },
    confidence: unguarded.confidence === 'high' ? 'high' : 'medium',
    fix,
  };
};
