// Retrying a failed call at once, or after the same short pause forever. Two shapes:
// - a retry loop (`for attempt in range(5)`, `while True`, `for (;;)`) whose try exits the loop on success and
//   whose handler goes round again without sleeping, or with a constant sleep and no attempt limit;
// - a worker loop whose handler `continue`s past the loop's own sleep, so a failing dependency is hit back to back.
// Skipping a bad item in `for row in rows` is not a retry and stays quiet, as does a blocking pop before the try.
import type { FileModel } from '../../model.js';
import type { Detection, Detector, RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { fromConfig } from '../../../cost/index.js';
import { blockFix, fenceLanguage, wholeLineText } from '../../../fixes/lines.js';
import { backoffRetryTemplate, failureBackoffTemplate } from '../../../fixes/templates.js';
import {
  argumentsOf,
  calleeOf,
  clauseBlock,
  contains,
  containsLeave,
  constantNumber,
  descendants,
  displayCallee,
  enclosingFunction,
  endLineOf,
  type Family,
  familyOf,
  identifiersIn,
  isBlockingWait,
  lineOf,
  sendsOnStatefulSocket,
  sleepOf,
  statementsOf,
  successExits,
  type TreeCall,
  treeCalls,
  tryParts,
} from '../lib/index.js';
import { outageCallsCost } from './cost.js';
import { isEmptyHandler } from './guard.js';
import { isInfiniteHeader } from './shape.js';
import { isLongRunning } from './unguarded-worker-loop.js';
import { detectBraceRetry } from './brace-retry.js';

/**
 * JS: `catch (err) { if (err.status === 429) { existing = await getPolicy(); continue; } throw err; }`: the handler
 * ends by rethrowing, but an `if` before that goes round again for one kind of failure (a rate limit, a conflict).
 * For that failure the loop retries, and at once unless the branch sleeps (a cloud CLI's IAM-policy update retried
 * on 429 with no pause).
 */
function retriesOnCondition(block: SyntaxNode): boolean {
  return statementsOf(block).some((s) => {
    if (s.type !== 'if_statement') return false;
    const consequence = s.childForFieldName('consequence');
    if (!consequence) return false;
    const last = consequence.type === 'statement_block' ? consequence.namedChildren[consequence.namedChildren.length - 1] : consequence;
    return last?.type === 'continue_statement' && last.namedChildren.length === 0;
  });
}

/** The body's own try statements, listed once per loop by the model (the facts' `loop.tries` also hold nested loops'). */
const TRY_TYPES: ReadonlySet<string> = new Set(['try_statement']);

const IO_KINDS = new Set(['http', 'db-read', 'db-write', 'db-commit', 'queue-pop', 'queue-ack', 'queue-publish', 'connect']);

/** A loop that repeats the same attempt: counted `range(N)`, `while`, `for (;;)` or a counter `for`. */
function isRetryShapedLoop(loop: LoopFacts, family: Family): boolean {
  const node = loop.node;
  if (node.type === 'while_statement' || node.type === 'do_statement') return true;
  if (family === 'python' && node.type === 'for_statement') {
    const right = node.childForFieldName('right');
    return right?.type === 'call' && right.childForFieldName('function')?.text === 'range' && !/len\(/.test(right.text);
  }
  if (family === 'js' && node.type === 'for_statement') return isInfiniteHeader(loop) || /attempt|retr|tries|try/i.test(node.childForFieldName('initializer')?.text ?? '');
  return false;
}

function isBounded(loop: LoopFacts, handler: SyntaxNode, model: FileModel): boolean {
  if (!isInfiniteHeader(loop) && loop.node.type !== 'while_statement') return true;
  if (loop.node.type === 'while_statement' && !isInfiniteHeader(loop)) return true;
  // `if attempt >= MAX: raise` inside the handler also bounds it, and so does ending the process there (`if
  // (++failures > 6) process.exit(13)`, `sys.exit(1)`: a command-line wait that gives up).
  return [...descendants(handler, model, { skipFunctions: true })].some(
    (n) => n.type === 'raise_statement' || n.type === 'throw_statement' || n.type === 'break_statement' || n.type === 'return_statement' || exitsProcess(n),
  );
}

/** `process.exit(code)`, `sys.exit()`, `os._exit(1)`, `exit()`: the call ends the program. */
function exitsProcess(node: SyntaxNode): boolean {
  if (node.type !== 'call' && node.type !== 'call_expression') return false;
  const fn = node.childForFieldName('function')?.text.replace(/\s+/g, '') ?? '';
  return /^(sys\.exit|exit|quit|os\._exit|process\.exit)$/.test(fn);
}

/**
 * `except KeyboardInterrupt` / `CancelledError` / `InterruptedError` (EINTR): control flow, not a failed attempt, and
 * so are protocol signals that say where or when to go on (a cluster redirect, TLS's want-read). The names are the
 * `control_flow_errors` role of rules/apis/python.yml (the last segment of each caught class).
 */
function catchesOnlyControlFlow(handler: SyntaxNode, ctx: RuleContext): boolean {
  return catchesOnly(handler, ctx, 'control_flow_errors') || raisesUnlessInterrupted(handler, ctx);
}

/**
 * `except OSError as exc: if exc.errno != errno.EINTR: raise`: the handler re-raises every failure but an
 * interrupted system call (the `control_flow_errnos` role of rules/apis/python.yml: EINTR, EAGAIN), which is the
 * call to make again at once.
 */
function raisesUnlessInterrupted(handler: SyntaxNode, ctx: RuleContext): boolean {
  if (handler.type !== 'except_clause') return false;
  const first = statementsOf(clauseBlock(handler))[0];
  if (first?.type !== 'if_statement') return false;
  const condition = first.childForFieldName('condition');
  const names = condition?.descendantsOfType('identifier').map((id) => id.text) ?? [];
  // `exc.errno != errno.EINTR`, `exc.errno not in (EINTR, EAGAIN)`, or the negation of the equality (`if not
  // (err.args and err.args[0] == errno.EINTR): raise`, the socket.error spelling of older code).
  const negated = condition?.type === 'not_operator' && /==|\bin\b/.test(condition.childForFieldName('argument')?.text ?? '');
  if ((!negated && !/!=|\bnot\s+in\b/.test(condition?.text ?? '')) || !names.some((n) => ctx.kb.hasRole?.('python', n, 'control_flow_errnos') === true)) return false;
  return statementsOf(first.childForFieldName('consequence')).some((st) => st.type === 'raise_statement');
}

/**
 * A retransmission: `while tries <= retries: send(request); try: return get_response() except TimeoutError: tries
 * += 1`. The iteration sends first, the try only waits for the reply, and every failure the handler takes back round
 * waited out the whole reply timeout (the `timeout_errors` role of rules/apis/python.yml): the loop goes round at
 * most once per timeout, as the protocol's own retry, not in a tight spin. A handler that also catches a failure
 * that comes back at once (`ConnectionError`) still retries without backoff, and so does a request retried at once
 * after its own timeout with nothing sent before it (the same overloaded server asked again).
 */
function retransmitsAfterTimeout(handler: SyntaxNode, tryNode: SyntaxNode, loop: LoopFacts, bodyCalls: TreeCall[], ctx: RuleContext): boolean {
  if (!catchesOnly(handler, ctx, 'timeout_errors')) return false;
  return bodyCalls.some((c) => c.node.endIndex <= tryNode.startIndex && c.node.startIndex >= loop.body.startIndex && SENDS.test(c.method));
}
const SENDS = /send|write|publish|transmit/i;

function catchesOnly(handler: SyntaxNode, ctx: RuleContext, role: 'control_flow_errors' | 'timeout_errors'): boolean {
  if (handler.type !== 'except_clause' && handler.type !== 'except_group_clause') return false;
  const typeNode = handler.namedChildren.find((c) => c.type !== 'block' && c.type !== 'comment');
  if (!typeNode) return false;
  const types = (typeNode.type === 'as_pattern' ? typeNode.namedChildren[0] ?? typeNode : typeNode).text.replace(/[()\s]/g, '').split(',');
  return types.every((t) => ctx.kb.hasRole?.(ctx.file.language, t.slice(t.lastIndexOf('.') + 1), role) === true);
}

/**
 * The handler records the failure (`isFailure = true`) and a statement after the try leaves the loop on it
 * (`if (isFailure) { terminate(); return }`): the failure ends the loop, one step later. A stream reader does this.
 */
function failureFlagLeaves(handlerBlock: SyntaxNode, tryNode: SyntaxNode, loop: LoopFacts): boolean {
  const flags = new Set<string>();
  for (const node of handlerBlock.descendantsOfType(FLAG_SETS)) {
    const left = node.childForFieldName('left');
    if (left?.type === 'identifier' && node.childForFieldName('right')?.type === 'true') flags.add(left.text);
  }
  if (flags.size === 0 || !tryNode.parent) return false;
  return statementsOf(tryNode.parent).some(
    (s) =>
      s.startIndex >= tryNode.endIndex &&
      s.type === 'if_statement' &&
      flags.has((s.childForFieldName('condition')?.text ?? '').replace(/^\((.*)\)$/s, '$1').trim()) &&
      containsLeave(s.childForFieldName('consequence') ?? s, loop),
  );
}
const FLAG_SETS: readonly string[] = ['assignment_expression', 'assignment'];

/**
 * `except ClientError as e: if code == "PreconditionFailed": raise ... elif ...: return else: raise`: every branch
 * of the handler leaves the loop, so this handler never retries (Python).
 */
function everyBranchLeaves(block: SyntaxNode): boolean {
  const last = statementsOf(block).filter((st) => st.type !== 'comment').pop();
  if (!last) return false;
  if (last.type === 'raise_statement' || last.type === 'return_statement' || last.type === 'break_statement') return true;
  if (last.type !== 'if_statement') return false;
  const consequence = last.childForFieldName('consequence');
  const clauses = last.namedChildren.filter((c) => c.type === 'elif_clause' || c.type === 'else_clause');
  if (!consequence || !clauses.some((c) => c.type === 'else_clause')) return false;
  return everyBranchLeaves(consequence) && clauses.every((c) => {
    const branch = c.childForFieldName('consequence') ?? c.childForFieldName('body') ?? clauseBlock(c);
    return branch !== undefined && branch !== null && everyBranchLeaves(branch);
  });
}

/**
 * `except Exception: if self._read_next_hdu(): continue / else: raise`: the handler goes round only when a call in
 * its condition reports progress (the next section read, another candidate left) and gives up otherwise. Each retry
 * follows a change of state, bounded by it; it does not hammer an unchanged dependency (Python).
 */
function retriesOnlyAfterProgress(block: SyntaxNode): boolean {
  const statements = statementsOf(block).filter((st) => st.type !== 'comment');
  const last = statements[statements.length - 1];
  if (statements.length !== 1 || last?.type !== 'if_statement') return false;
  const condition = last.childForFieldName('condition');
  if (!condition || (condition.type !== 'call' && condition.descendantsOfType('call').length === 0)) return false;
  const consequence = last.childForFieldName('consequence');
  const clauses = last.namedChildren.filter((c) => c.type === 'elif_clause' || c.type === 'else_clause');
  const otherwise = clauses.length === 1 && clauses[0]!.type === 'else_clause' ? clauseBlock(clauses[0]!) : undefined;
  if (!consequence || !otherwise) return false;
  const goesRound = (b: SyntaxNode) => statementsOf(b).filter((st) => st.type !== 'comment').every((st) => st.type === 'continue_statement' || st.type === 'pass_statement');
  // `if progressed(): continue / else: raise`, or its negation `if not progressed(): raise / else: continue`.
  return (goesRound(consequence) && everyBranchLeaves(otherwise)) || (everyBranchLeaves(consequence) && goesRound(otherwise));
}

/**
 * `except RedisError: if retry: retry = False / else: break`, or `except OSError: if retried: raise / retried = True`:
 * the handler goes round only while a flag says it has not yet, and clears that flag on the way; nothing else in the
 * loop sets it again. The call runs at most twice (a reconnect and one more try), not a tight spin (Python).
 */
function retriesOnce(block: SyntaxNode, loop: LoopFacts): boolean {
  const statements = statementsOf(block).filter((st) => st.type !== 'comment');
  for (const [index, statement] of statements.entries()) {
    if (statement.type !== 'if_statement') continue;
    const test = onceFlagTest(statement.childForFieldName('condition'));
    const consequence = statement.childForFieldName('consequence');
    if (!test || !consequence) continue;
    const clauses = statement.namedChildren.filter((c) => c.type === 'elif_clause' || c.type === 'else_clause');
    let clears: SyntaxNode[];
    if (clauses.length === 1 && clauses[0]!.type === 'else_clause') {
      // `if flag: flag = False ... else: leave` (or `if not flag: flag = True ... else: leave`).
      const otherwise = clauseBlock(clauses[0]!);
      if (!otherwise || !everyBranchLeaves(otherwise)) continue;
      clears = statementsOf(consequence);
    } else if (clauses.length === 0 && everyBranchLeaves(consequence)) {
      // `if flag_says_done: leave` and then `flag = <done>` later in the handler.
      clears = statements.slice(index + 1);
    } else continue;
    const setsTo = (st: SyntaxNode, value: boolean) => {
      const assignment = st.type === 'expression_statement' ? st.namedChildren[0] : undefined;
      if (assignment?.type !== 'assignment' || assignment.childForFieldName('left')?.text !== test.name) return false;
      const right = assignment.childForFieldName('right')?.type ?? '';
      return value ? right === 'true' : right === 'false' || right === 'none' || assignment.childForFieldName('right')?.text === '0';
    };
    // The branch that goes round makes the test take the leaving branch next time: `if flag: ... else: leave`
    // clears a plain flag (sets a negated one), `if flag: leave` followed by an assignment sets it.
    const clearing = clears.filter((st) => setsTo(st, clauses.length === 0 ? !test.negated : test.negated));
    if (clearing.length === 0) continue;
    // Nothing else in the loop sets the flag again.
    const others = loop.body
      .descendantsOfType(['assignment', 'augmented_assignment'])
      .filter((a) => a.childForFieldName('left')?.text === test.name && !clearing.some((c) => c.namedChildren[0]?.id === a.id));
    if (others.length === 0) return true;
  }
  return false;
}

/**
 * `for t in range(tries): try: srv.bind(("", base_port + t)); break / except OSError: pass`, or `except OSError: port
 * += 1`: each round hands a call of the try another target, the loop's counter in an expression (`base + t`,
 * `hosts[i]`) or a name the handler steps on. A search for a free port or the next host, not the same call made
 * again at once; a log line that prints the attempt number does not count (Python).
 */
function triesAnotherTarget(tryBody: SyntaxNode, handlerBlock: SyntaxNode, loop: LoopFacts, ctx: RuleContext): boolean {
  const left = loop.node.type === 'for_statement' ? loop.node.childForFieldName('left') : null;
  const counter = new Set(left ? [left, ...left.descendantsOfType('identifier')].filter((n) => n.type === 'identifier').map((n) => n.text) : []);
  const stepped = new Set(
    handlerBlock.descendantsOfType('augmented_assignment').map((a) => a.childForFieldName('left')).filter((l): l is SyntaxNode => l?.type === 'identifier').map((l) => l.text),
  );
  if (counter.size === 0 && stepped.size === 0) return false;
  for (const call of tryBody.descendantsOfType('call')) {
    if (ctx.kb.waitOf?.(ctx.file.language, calleeOf(call)) === 'immediate') continue;
    for (const arg of argumentsOf(call).positional) {
      // Part of an address or a computed value (`(host, port)`, `base + t`, `hosts[i]`), not passed alone: a bare
      // `fetch(url, attempt)` may only number the attempt.
      for (const id of arg.descendantsOfType('identifier')) {
        const up = id.parent;
        const part = up?.type === 'binary_operator' || up?.type === 'tuple' || (up?.type === 'subscript' && up.childForFieldName('value')?.id !== id.id);
        if (part && (stepped.has(id.text) || counter.has(id.text))) return true;
      }
    }
  }
  return false;
}

/** `flag`, `self.retry`, `not flag`: the once-flag a handler's `if` tests, and whether it is negated. */
function onceFlagTest(condition: SyntaxNode | null): { name: string; negated: boolean } | undefined {
  if (!condition) return undefined;
  const negated = condition.type === 'not_operator';
  const operand = negated ? condition.childForFieldName('argument') : condition;
  if (!operand || (operand.type !== 'identifier' && operand.type !== 'attribute')) return undefined;
  return { name: operand.text, negated };
}

/**
 * `await maybeBackoff(err)`, `await this.backoff.backoffAndWait()`: the method's name has a word of the `backs_off`
 * role of the API files (`maybe_backoff` → maybe, backoff); in JS only when awaited (a waiting promise).
 */
function backsOff(call: TreeCall, family: Family, ctx: RuleContext): boolean {
  if (family === 'js' && !call.awaited) return false;
  const words = call.method.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/);
  return words.some((word) => ctx.kb.hasRole?.(ctx.file.language, word, 'backs_off') === true);
}

/** `fn()` where `fn` is a parameter of the function around the loop: a generic retry helper. */
function isParameterCall(call: TreeCall, loop: LoopFacts, model: FileModel): boolean {
  const { family } = model;
  if (!/^[A-Za-z_$][\w$]*$/.test(call.callee)) return false;
  const fn = enclosingFunction(loop.node, family);
  const params = fn?.childForFieldName('parameters') ?? fn?.childForFieldName('parameter');
  return params !== undefined && params !== null && identifiersIn(params, model).has(call.callee);
}

/**
 * A call in the round, other than the retried one, of a function the caller passed in (a parameter of the function
 * around the loop, or in JavaScript a member of one: `authParams.password(hint)`; not a queue take, `takes_item`),
 * waited for (awaited in JavaScript), whose
 * result either feeds the retried call (a new code, password or name typed for this attempt) or, in the handler,
 * decides whether the loop gives up (`if (await onError(err)) throw ...`). The next attempt comes when the caller's
 * function answers: an interactive sign-in asks the person again, it does not hammer the server.
 */
function pacedByCaller(loop: LoopFacts, handler: SyntaxNode, tryCall: TreeCall, bodyCalls: TreeCall[], ctx: RuleContext): boolean {
  const { model } = ctx;
  const fn = enclosingFunction(loop.node, model.family);
  const list = fn?.childForFieldName('parameters') ?? fn?.childForFieldName('parameter');
  // (`{ password, onError }` destructured in the signature names the caller's functions too.)
  const params = new Set([...identifiersIn(list, model), ...(list?.descendantsOfType('shorthand_property_identifier_pattern').map((id) => id.text) ?? [])]);
  if (params.size === 0) return false;
  // Not the caller's client doing the work (`db.query()` on a `db` parameter): a call the catalogue knows as I/O.
  const fromCaller = (c: TreeCall) => {
    const head = /^[A-Za-z_$][\w$]*/.exec(c.callee)?.[0];
    if (c.node.id === tryCall.node.id || head === undefined || !params.has(head) || !contains(loop.body, c.node)) return false;
    if (c.kinds.some((k) => IO_KINDS.has(k)) || ctx.kb.hasRole?.(ctx.file.language, c.method, 'takes_item') === true) return false;
    // Python: the callable itself (`ask_code()`); a method of a passed object (`tx.get()`) is that object's work.
    // JavaScript: awaited, so the round waits for the answer (`await opts.askCode()`).
    return model.family === 'js' ? c.awaited : c.callee === head;
  };
  const boundName = (call: SyntaxNode): string | undefined => {
    let up = call.parent;
    while (up && ['await_expression', 'await', 'parenthesized_expression'].includes(up.type)) up = up.parent;
    const target = up?.type === 'variable_declarator' ? up.childForFieldName('name') : up?.type === 'assignment_expression' || up?.type === 'assignment' ? up.childForFieldName('left') : undefined;
    return target?.type === 'identifier' ? target.text : undefined;
  };
  const leaves = (n: SyntaxNode | null | undefined) => n !== null && n !== undefined && (['throw_statement', 'raise_statement', 'return_statement', 'break_statement'].includes(n.type) || n.descendantsOfType(['throw_statement', 'raise_statement', 'return_statement', 'break_statement']).length > 0);
  const decides = (c: TreeCall) => {
    const name = boundName(c.node);
    return handler.descendantsOfType('if_statement').some((s) => {
      const condition = s.childForFieldName('condition');
      if (!condition || !leaves(s.childForFieldName('consequence'))) return false;
      return contains(condition, c.node) || (name !== undefined && identifiersIn(condition, model).has(name));
    });
  };
  const feeds = (c: TreeCall) => {
    const name = boundName(c.node);
    return name !== undefined && c.node.endIndex <= tryCall.node.startIndex && identifiersIn(tryCall.node, model).has(name);
  };
  return bodyCalls.some((c) => fromCaller(c) && (contains(handler, c.node) ? decides(c) : feeds(c)));
}

function ioCallIn(block: SyntaxNode | undefined, loop: LoopFacts, ctx: RuleContext): TreeCall | undefined {
  if (!block) return undefined;
  // A WebSocket's `send` queues a frame and fails through the socket's events: not the call that failed.
  const calls = treeCalls(block, ctx.model, { skipFunctions: true }).filter((c) => !sendsOnStatefulSocket(c.node, c.receiver, c.method, ctx.model));
  return calls.find((c) => c.kinds.some((k) => IO_KINDS.has(k))) ?? calls[0];
}

function latencyFor(call: TreeCall | undefined, ctx: RuleContext) {
  const db = call?.kinds.some((k) => k.startsWith('db') || k === 'queue-pop' || k === 'queue-ack' || k === 'queue-publish');
  return fromConfig(ctx.config.cost, db ? 'db_query_ms' : 'http_call_ms');
}

export const detectRetryWithoutBackoff: Detector = (loop, ctx) => {
  if (loop.language === 'go' || loop.language === 'java') return detectBraceRetry(loop, ctx);
  const { model } = ctx;
  const family = familyOf(loop.language);
  const tries = model.ownBodyNodes(loop, TRY_TYPES);
  if (tries.length === 0) return null;
  const bodyCalls = treeCalls(loop.body, ctx.model, { skipFunctions: true, skipLoops: true });
  const detections: Detection[] = [];
  for (const tryNode of tries) {
    const { body, handlers } = tryParts(tryNode);
    for (const handler of handlers) {
      const block = clauseBlock(handler);
      if (!block || isEmptyHandler(handler)) continue;
      const handlerCalls = bodyCalls.filter((c) => c.node.startIndex >= handler.startIndex && c.node.endIndex <= handler.endIndex);
      const handlerSleep = handlerCalls.map((c) => sleepOf(c, model)).find((s) => s !== undefined);
      const handlerReraises = statementsOf(block).some((s) => s.type === 'raise_statement' || s.type === 'throw_statement' || s.type === 'return_statement' || s.type === 'break_statement');
      if (handlerReraises && !retriesOnCondition(block)) continue;
      if (catchesOnlyControlFlow(handler, ctx)) continue;
      if (family === 'python' && retransmitsAfterTimeout(handler, tryNode, loop, bodyCalls, ctx)) continue;
      if (failureFlagLeaves(block, tryNode, loop)) continue;
      if (family === 'python' && retriesOnlyAfterProgress(block)) continue;
      if (family === 'python' && retriesOnce(block, loop)) continue;
      if (family === 'python' && body && triesAnotherTarget(body, block, loop, ctx)) continue;
      // A handler that waits for the socket before going round (`select(sock, ...)`: `waits.blocking` of rules/apis/*.yml).
      if (family === 'python' && (everyBranchLeaves(block) || handlerCalls.some((c) => sleepOf(c, model) === undefined && isBlockingWait(c, model)))) continue;
      const tryCall = ioCallIn(body, loop, ctx);
      if (!tryCall) continue;
      // `queue.get_nowait()` after `while not queue.empty()`: the standard library's in-process queue, no dependency to spare.
      if (family === 'python' && /_nowait$/.test(tryCall.method)) continue;
      // A call in the try that itself blocks (`accept()`, `WaitNamedPipe(addr, 1000)`, `q.get(timeout=1)`) paces the loop.
      if (body && treeCalls(body, ctx.model, { skipFunctions: true }).some((c) => isBlockingWait(c, model) || /^wait/i.test(c.method))) continue;
      // The success path leaves the loop: a break/return after the call in the try (or its else). Not one after the
      // try: `for i in range(10000): key = new_key(); try: save(key) except CreateError: continue; return` tries a
      // new key per collision (Django's session backends), and a conditional `break` there is a stop check.
      const successLeaves = successExits(tryCall.node, loop).some((e) => contains(tryNode, e.node));
      // `while True: try: return fn() except: log` in a retry helper retries whatever the caller passed, for ever:
      // the call need not be known I/O when it is one of the function's parameters.
      const endlessRetry = successLeaves && isInfiniteHeader(loop) && isParameterCall(tryCall, loop, model);
      if (!endlessRetry && !tryCall.kinds.some((k) => IO_KINDS.has(k))) continue;

      if (successLeaves && isRetryShapedLoop(loop, family) && !takesNewItem(tryNode, tryCall, bodyCalls, ctx)) {
        // Any sleep on the way back round counts: in the handler or after the try.
        const laterSleep = bodyCalls.filter((c) => c.node.startIndex >= tryNode.endIndex).map((c) => sleepOf(c, model)).find((s) => s !== undefined);
        // A sleep that opens every round (a statement of the loop body itself, before the try) paces the retry too:
        // `while (polling) { await delay(interval); try { return await poll(); } catch { log } }`.
        const openingSleep = bodyCalls.filter((c) => c.node.endIndex <= tryNode.startIndex && ownStatementOf(c.node, loop.body)).map((c) => sleepOf(c, model)).find((s) => s !== undefined);
        const sleep = handlerSleep ?? laterSleep ?? openingSleep;
        // `except socket.error as e: if e.errno not in WOULD_BLOCK: raise` and then `trampoline(fd, write=True)`
        // after the try: a wait for the socket (`waits.blocking` of rules/apis/*.yml) on the way round paces the
        // next attempt, as one in the handler does (Python).
        if (!sleep && family === 'python' && bodyCalls.some((c) => c.node.startIndex >= tryNode.endIndex && sleepOf(c, model) === undefined && isBlockingWait(c, model))) continue;
        // `phoneCode = await params.askCode(); await client.signIn(phoneCode)` / `catch (e) { if (await
        // params.onError(e)) throw ... }`: each round waits for the caller's own function (a prompt for a new input,
        // or a failure hook that decides whether to go on), so the caller paces the attempts.
        if (pacedByCaller(loop, handler, tryCall, bodyCalls, ctx)) continue;
        // `try { await maybeBackoff(lastError); return await attempt(); }`: a backoff helper (`roles: backs_off`) on
        // the way round, before the call or after the failure, paces the attempts whatever its delay.
        if (!sleep && bodyCalls.some((c) => c.node.id !== tryCall.node.id && backsOff(c, family, ctx))) continue;
        // A named module constant (`time.sleep(RETRY_SECONDS)`, `await sleep(RETRY_MS)`) is as constant as a literal.
        const named = sleep && sleep.seconds === undefined ? constantNumber(sleep.arg, model) : undefined;
        const seconds = sleep?.seconds ?? (named === undefined ? undefined : family === 'python' ? named : named / 1000);
        if (!sleep) {
          detections.push(report(loop, ctx, handler, tryCall, 'no-sleep', undefined, backoffRetryTemplate(loop.language, { call: tryCall.node.text, async: loop.inAsyncFunction })));
        } else if (seconds !== undefined && !isBounded(loop, handler, model)) {
          detections.push(report(loop, ctx, handler, tryCall, 'constant', seconds, backoffRetryTemplate(loop.language, { call: tryCall.node.text, async: loop.inAsyncFunction })));
        }
        continue;
      }

      // Worker loop: the handler goes straight back to the top, past the loop's own pause. In `for msg in consumer`
      // the `continue` moves on to the next message: skipping a bad item, not retrying the failed call.
      if (!isLongRunning(loop) || handlerSleep || loop.kind === 'for-each' || loop.kind === 'async-for' || loop.kind === 'for-await') continue;
      const continues = statementsOf(block).some((s) => s.type === 'continue_statement');
      if (!continues) continue;
      const pacedBefore = bodyCalls.some((c) => c.node.endIndex <= tryNode.startIndex && isBlockingWait(c, model));
      if (pacedBefore) continue;
      const pausedAfter = bodyCalls.some((c) => c.node.startIndex >= tryNode.endIndex && isBlockingWait(c, model));
      const statements = statementsOf(body);
      const text = statements.length > 0 ? wholeLineText(ctx.file.source, lineOf(statements[0]!), endLineOf(statements[statements.length - 1]!)) : undefined;
      detections.push(
        report(loop, ctx, handler, tryCall, pausedAfter ? 'skips-sleep' : 'no-sleep', undefined, failureBackoffTemplate(loop.language, { ...(text ? { body: text } : {}), async: loop.inAsyncFunction })),
      );
    }
  }
  return detections;
};

/** The call is a statement of `body` itself (`await sleep(ms);`, `time.sleep(1)`), not one inside an `if` or a nested block. */
function ownStatementOf(call: SyntaxNode, body: SyntaxNode): boolean {
  let n: SyntaxNode | null = call;
  while (n?.parent && n.parent.id !== body.id) {
    const up: SyntaxNode = n.parent;
    if (!['await_expression', 'await', 'expression_statement', 'parenthesized_expression'].includes(up.type)) return false;
    n = up;
  }
  return n?.parent?.id === body.id && (n.type === 'expression_statement' || n.type === 'await_expression' || n.type === 'await');
}

/**
 * `while True: future, fn = tx.get(); try: ... if result is STOP: break except ...: report(future)`: the loop takes
 * an item (a call of the `takes_item` role of rules/apis/*.yml, before the try, whose result the failed call uses)
 * and stays in the loop when the try succeeds. Each round works on a new item; a failure moves on to the next one
 * rather than calling the failed operation again. (A retry leaves on success: `return`/`break` right in the try.)
 */
function takesNewItem(tryNode: SyntaxNode, tryCall: TreeCall, bodyCalls: TreeCall[], ctx: RuleContext): boolean {
  const { body, elseClause } = tryParts(tryNode);
  const leavesAtOnce = (block: SyntaxNode | undefined) => statementsOf(block).some((s) => s.type === 'break_statement' || s.type === 'return_statement');
  if (leavesAtOnce(body) || leavesAtOnce(elseClause)) return false;
  const takes = bodyCalls.filter((c) => c.node.endIndex <= tryNode.startIndex && ctx.kb.hasRole?.(ctx.file.language, c.method, 'takes_item') === true);
  const bound = new Set<string>();
  for (const take of takes) {
    let up = take.node.parent;
    while (up && (up.type === 'await' || up.type === 'await_expression' || up.type === 'parenthesized_expression')) up = up.parent;
    const target = up?.type === 'assignment' ? up.childForFieldName('left') : up?.type === 'variable_declarator' ? up.childForFieldName('name') : undefined;
    for (const id of target ? [target, ...target.descendantsOfType(['identifier', 'shorthand_property_identifier_pattern'])] : []) if (id.type !== 'pattern_list') bound.add(id.text);
  }
  if (bound.size === 0) return false;
  const head = (text: string) => /^[A-Za-z_$][\w$]*/.exec(text)?.[0] ?? '';
  return bound.has(head(tryCall.callee)) || tryCall.node.descendantsOfType('identifier').some((id) => bound.has(id.text));
}

function report(loop: LoopFacts, ctx: RuleContext, handler: SyntaxNode, call: TreeCall, variant: string, sleepSeconds: number | undefined, code: string): Detection {
  const latency = latencyFor(call, ctx);
  return {
    loop,
    line: lineOf(handler),
    variant,
    data: { call: displayCallee(call.callee), ...(sleepSeconds !== undefined ? { sleep: sleepSeconds } : {}) },
    confidence: call.confidence === 'high' ? 'high' : 'medium',
    cost: outageCallsCost(latency, sleepSeconds, ctx.config.cost, ctx.locale),
    fix: blockFix(code, { startLine: loop.startLine, endLine: loop.endLine }, {
      description: 'capped exponential backoff with jitter',
      safety: 'unsafe',
      language: fenceLanguage(loop.language),
    }),
  };
}

