// Background work started in a loop whose result nobody keeps: `executor.submit(...)` / `asyncio.create_task(...)`
// as a bare statement, an async call neither awaited nor collected, a `.then()` with no `.catch()`. Its exception
// is lost (or, for a promise, crashes the process as an unhandled rejection); an asyncio task without a reference
// can even be garbage-collected mid-flight. Collected results (`futures.append(...)`, `Promise.all`), `void`,
// `TaskGroup.create_task` and `.catch(...)` are all deliberate and stay quiet, and so is work that only waits on a
// lock or an event (nothing in it can fail) or a function of the file that catches the failure of every call it makes.
import type { Detection, Detector, RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { blockFix, fenceLanguage, replaceFix, rewriteLines } from '../../../fixes/lines.js';
import { argumentsOf, calleeOf, classMethods, compact, descendants, displayCallee, enclosingClass, enclosingFunction, familyOf, handlerIsBroad, lineOf, methodOf, rootOf, sendsOnStatefulSocket } from '../lib/index.js';
import { detectBraceFireAndForget } from './brace-fire-and-forget.js';
import { awaitsResolverOnly, catchesEverything, resolverOnlyPromise, resolvesOnly, unguarded } from '../../facts/javascript-settles.js';

const GROUP_NAME = /^_*(tg|task_?group|taskgroup|group|nursery|tasks?_group|scope)$/i;

/**
 * The receiver is a task group or nursery (`asyncio.TaskGroup`, trio's `open_nursery()`, anyio's
 * `create_task_group()`), which keeps every task it starts and re-raises its failures when the block exits: by its
 * name (`tg`, `self._task_group`, `nursery`) or by the `async with ... as <name>` / assignment that made it.
 */
function ownsItsTasks(receiver: string, from: SyntaxNode, ctx: RuleContext): boolean {
  // `roles: owns_tasks` of the API files: the calls that make a task group or nursery.
  const makesGroup = (call: SyntaxNode) => ctx.kb.hasRole?.(ctx.file.language, methodOf(calleeOf(call)), 'owns_tasks') === true;
  if (GROUP_NAME.test(receiver.split('.').pop() ?? '')) return true;
  for (let current = from.parent; current; current = current.parent) {
    if (current.type !== 'with_statement') continue;
    for (const item of current.descendantsOfType('with_item')) {
      const value = item.childForFieldName('value');
      if (value?.type === 'as_pattern') {
        const call = value.namedChildren[0];
        const alias = value.childForFieldName('alias') ?? value.namedChildren[1];
        if (call?.type === 'call' && alias && alias.text.trim() === receiver && makesGroup(call)) return true;
      }
    }
  }
  for (const assignment of rootOf(from).descendantsOfType('assignment')) {
    const right = assignment.childForFieldName('right');
    if (compact(assignment.childForFieldName('left')?.text ?? '') === receiver && right?.type === 'call' && makesGroup(right)) return true;
  }
  return false;
}

/**
 * `async with StreamerManager() as manager:` (or `manager = StreamerManager(...)`) in the function around the loop,
 * where `StreamerManager` is a class of the code's own that defines `create_task` itself and that method returns
 * nothing (it keeps the task in `self.tasks`): the call is that method, not asyncio's, and it hands back no task or
 * future to keep. Nothing is dropped. A method that returns its task (or is `async def`) still counts.
 */
function ownMethodWithoutHandle(receiver: string, method: string, loop: LoopFacts, ctx: RuleContext): boolean {
  const field = /^self\.([A-Za-z_]\w*)$/.exec(receiver)?.[1];
  if (field !== undefined && ctx.kb.ownMethodReturnsValue) return ownFieldMethodWithoutHandle(field, method, loop, ctx);
  if (!/^[A-Za-z_]\w*$/.test(receiver) || !ctx.kb.ownMethodReturnsValue) return false;
  const scope = enclosingFunction(loop.node, 'python');
  if (!scope) return false;
  const classes = new Set<string>();
  const constructed = (value: SyntaxNode | null | undefined) => {
    const fn = value?.type === 'call' ? value.childForFieldName('function') : undefined;
    if (fn?.type === 'identifier') classes.add(fn.text);
  };
  for (const item of scope.descendantsOfType('with_item')) {
    const value = item.childForFieldName('value');
    if (value?.type !== 'as_pattern' || value.startIndex > loop.node.startIndex) continue;
    const alias = value.childForFieldName('alias') ?? value.namedChildren[1];
    if (alias?.text.trim() === receiver) constructed(value.namedChildren[0]);
  }
  for (const assignment of scope.descendantsOfType('assignment')) {
    if (assignment.childForFieldName('left')?.text !== receiver) continue;
    const right = assignment.childForFieldName('right');
    if (right?.type !== 'call') return false;
    constructed(right);
  }
  if (classes.size !== 1) return false;
  return ctx.kb.ownMethodReturnsValue('python', [...classes][0]!, method) === false;
}

/**
 * `self.client.submit(src, dst, length)` where every assignment of the class to `self.client` builds one class of the
 * code's own (`self.client = ADLTransferClient(...)`, also across an import) or passes on a parameter of the method
 * that assigns it (`if client: self.client = client` beside that default: an injected stand-in for the same client),
 * and that class's `submit` returns nothing: the call is that method, which only records the work, and there is no
 * future to keep (Python; round 15's transfer front-ends). A field that is ever set to anything else, or whose own
 * class returns a value from the method, still counts.
 */
function ownFieldMethodWithoutHandle(field: string, method: string, loop: LoopFacts, ctx: RuleContext): boolean {
  const cls = enclosingClass(loop.node);
  if (!cls) return false;
  const classes = new Set<string>();
  let writes = 0;
  for (const assignment of cls.descendantsOfType('assignment')) {
    const left = assignment.childForFieldName('left');
    if (left?.type !== 'attribute' || left.text !== `self.${field}`) continue;
    writes += 1;
    const right = assignment.childForFieldName('right');
    if (right?.type === 'call' && right.childForFieldName('function')?.type === 'identifier') {
      classes.add(right.childForFieldName('function')!.text);
      continue;
    }
    const fn = enclosingFunction(assignment, 'python');
    const params = fn?.childForFieldName('parameters')?.namedChildren ?? [];
    const isParam = right?.type === 'identifier' && params.some((p) => (p.type === 'identifier' ? p.text : (p.childForFieldName('name') ?? p.namedChildren[0])?.text) === right.text);
    if (!isParam) return false;
  }
  if (writes === 0 || classes.size !== 1) return false;
  return ctx.kb.ownMethodReturnsValue!('python', [...classes][0]!, method) === false;
}

/** A call that only waits or takes a lock (`sem.acquire`, `event.wait`, `time.sleep`): from the API files. */
function onlyWaits(callee: string, ctx: RuleContext): boolean {
  return ctx.kb.waitOf?.(ctx.file.language, callee) === 'blocking' || ctx.kb.classify(ctx.file.language, callee).kinds.some((k) => k === 'lock' || k === 'sleep');
}

/**
 * The submitted work does nothing but wait: `submit(sem.acquire)`, or a function of this file whose body only
 * acquires a lock or waits on an event (a test that fills a pool's workers). It has no failure for the dropped future
 * to lose.
 */
function submitsOnlyAWait(call: SyntaxNode, ctx: RuleContext): boolean {
  const target = argumentsOf(call).positional[0];
  if (!target || (target.type !== 'identifier' && target.type !== 'attribute')) return false;
  if (target.type === 'attribute') return onlyWaits(target.text, ctx);
  const def = nearestDefinition(call, target.text);
  if (!def) return false;
  const statements = (def.childForFieldName('body')?.namedChildren ?? []).filter((s) => s.type !== 'comment' && s.type !== 'pass_statement');
  return (
    statements.length > 0 &&
    statements.every((s, i) => {
      const expr = s.type === 'expression_statement' ? s.namedChildren[0] : undefined;
      if (i === 0 && expr?.type === 'string') return true; // docstring
      return expr?.type === 'call' && onlyWaits(calleeOf(expr), ctx);
    })
  );
}

/**
 * The submitted work is a function of this file (`submit(delete_files, node)`, or `submit(self._delete_files, node)`
 * for a method of the calling class) that catches the failures of every call it makes: each call sits in the body of
 * a `try` whose handlers do not re-raise, in such a handler (the log line), or is a log call, and nothing is raised
 * outside a handler. Its future would only ever hold `None`; dropping it loses no failure.
 */
function submitsSelfHandling(call: SyntaxNode, ctx: RuleContext): boolean {
  const target = argumentsOf(call).positional[0];
  let def: SyntaxNode | undefined;
  if (target?.type === 'identifier') def = nearestDefinition(call, target.text);
  else if (target?.type === 'attribute' && target.childForFieldName('object')?.text === 'self') {
    const name = target.childForFieldName('attribute')?.text;
    def = classMethods(enclosingClass(call)).find((d) => d.childForFieldName('name')?.text === name);
  }
  const body = def?.childForFieldName('body');
  if (!def || !body) return false;
  const inNested = (node: SyntaxNode) => {
    for (let up = node.parent; up && up.id !== def!.id; up = up.parent) if (up.type === 'function_definition' || up.type === 'lambda') return true;
    return false;
  };
  const reraises = (clause: SyntaxNode) => clause.descendantsOfType('raise_statement').some((r) => !inNested(r));
  // A call in a handler (the log line) counts as handled; a `raise` there does not.
  const caught = (node: SyntaxNode, handlerCounts = true) => {
    for (let child = node, up = node.parent; up && child.id !== def!.id; child = up, up = up.parent) {
      if (handlerCounts && (up.type === 'except_clause' || up.type === 'except_group_clause')) return true;
      if (up.type === 'try_statement' && up.childForFieldName('body')?.id === child.id) {
        const handlers = up.namedChildren.filter((c) => c.type === 'except_clause' || c.type === 'except_group_clause');
        if (handlers.length > 0 && !handlers.some(reraises)) return true;
      }
    }
    return false;
  };
  // `finally: graph.node_done(service)` after `except Exception: log.exception(...)`: bookkeeping that runs however
  // the work ended, under a try that catches everything, and does nothing the summaries know can fail (no I/O).
  const bookkeeping = (c: { node: SyntaxNode; kinds: readonly string[] }) => {
    if (c.kinds.some((k) => k !== 'log' && k !== 'lock')) return false;
    for (let up = c.node.parent; up && up.id !== def!.id; up = up.parent) {
      if (up.type !== 'finally_clause') continue;
      const owner = up.parent;
      return owner?.type === 'try_statement' && owner.namedChildren.some((h) => h.type === 'except_clause' && handlerIsBroad(h) && !reraises(h));
    }
    return false;
  };
  const calls = ctx.model.calls(body, { skipFunctions: true });
  if (calls.length === 0) return false;
  // `log.debug("done " + str(path))`: a call that only builds a log line's arguments is part of that log line.
  const logLines = new Set(calls.filter((c) => c.kinds.includes('log')).map((c) => c.node.id));
  const inLogLine = (node: SyntaxNode) => {
    for (let up = node.parent; up && up.id !== def!.id; up = up.parent) if (logLines.has(up.id)) return true;
    return false;
  };
  return calls.every((c) => c.kinds.includes('log') || caught(c.node) || bookkeeping(c) || inLogLine(c.node)) && body.descendantsOfType('raise_statement').every((r) => inNested(r) || caught(r, false));
}

/**
 * `pool.apply_async(func=run_and_report, args=[job])` where `def run_and_report(job): job.run(); done.put(job)`, and
 * the function drains `done` after the loop (`done.get(True, wait)`): every submitted job hands its outcome to a
 * queue the caller waits on, so the dropped handle loses nothing (a job that fails never arrives, and the caller's
 * wait ends in its timeout).
 */
function reportsThroughQueue(call: SyntaxNode, loop: LoopFacts): boolean {
  const args = argumentsOf(call);
  const target = args.positional[0] ?? args.keywords.get('func') ?? args.keywords.get('fn');
  if (target?.type !== 'identifier') return false;
  const def = nearestDefinition(call, target.text);
  if (!def) return false;
  const queues = new Set<string>();
  for (const c of def.descendantsOfType('call')) {
    const fn = c.childForFieldName('function');
    const method = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
    const receiver = fn?.childForFieldName('object');
    if ((method === 'put' || method === 'put_nowait') && receiver?.type === 'identifier') queues.add(receiver.text);
  }
  if (queues.size === 0) return false;
  const scope = enclosingFunction(loop.node, 'python');
  return (scope?.descendantsOfType('call') ?? []).some((c) => {
    if (c.startIndex < loop.node.endIndex) return false;
    const fn = c.childForFieldName('function');
    return fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'get' && queues.has(fn.childForFieldName('object')?.text ?? '');
  });
}

/**
 * `asyncio.run_coroutine_threadsafe(track._queue.put(frame), loop)` (a decoder thread handing frames to the event
 * loop) where every assignment of the file to that field (`self._queue = asyncio.Queue()`), or to that name, builds a
 * queue of this process (the `in_process_queue` entry of `builds:` in rules/apis/python.yml) or sets it to `None`
 * before one is built: an asyncio queue's `put` only waits for room and raises nothing but the cancellation of its
 * own task. The dropped future holds no failure to lose (Python).
 */
function submitsQueuePut(call: SyntaxNode, ctx: RuleContext): boolean {
  const work = argumentsOf(call).positional[0];
  const fn = work?.type === 'call' ? work.childForFieldName('function') : undefined;
  if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'put') return false;
  const receiver = fn.childForFieldName('object');
  const field = receiver?.type === 'attribute' ? receiver.childForFieldName('attribute')?.text : receiver?.type === 'identifier' ? receiver.text : undefined;
  if (!receiver || !field) return false;
  const sameTarget = (left: SyntaxNode | null) =>
    left !== null && (receiver.type === 'attribute' ? left.type === 'attribute' && left.childForFieldName('attribute')?.text === field : left.type === 'identifier' && left.text === field);
  const writes = rootOf(call).descendantsOfType('assignment').filter((a) => sameTarget(a.childForFieldName('left')));
  // `self._queue: Optional[asyncio.Queue] = None` until a later method builds it: `None.put` would fail in the
  // submitting thread, before anything is dropped.
  const buildsQueue = (a: SyntaxNode) => {
    const right = a.childForFieldName('right');
    return right?.type === 'call' && ctx.kb.builds?.(ctx.file.language, right.childForFieldName('function')?.text ?? '', 'in_process_queue') === true;
  };
  return writes.some(buildsQueue) && writes.every((a) => buildsQueue(a) || a.childForFieldName('right')?.type === 'none');
}

/** The `def name` the call sees: in the innermost enclosing function's body first, then outwards to the module. */
function nearestDefinition(from: SyntaxNode, name: string): SyntaxNode | undefined {
  for (let scope = from.parent; scope; scope = scope.parent) {
    if (scope.type !== 'block' && scope.type !== 'module') continue;
    const found = scope.namedChildren.find((d) => d.type === 'function_definition' && d.childForFieldName('name')?.text === name);
    if (found) return found;
  }
  return undefined;
}

function pythonFindings(loop: LoopFacts, ctx: RuleContext): { statement: SyntaxNode; call: SyntaxNode; callee: string }[] {
  const { model } = ctx;
  const out: { statement: SyntaxNode; call: SyntaxNode; callee: string }[] = [];
  for (const node of descendants(loop.body, model, { skipFunctions: true, skipLoops: true })) {
    if (node.type !== 'expression_statement') continue;
    const expr = node.namedChildren[0];
    if (expr?.type !== 'call') continue;
    const callee = calleeOf(expr);
    // `roles: returns_task` of the API files: a call whose future or task is the only handle on the work's failure.
    if (!ctx.kb.hasRole?.(ctx.file.language, methodOf(callee), 'returns_task')) continue;
    // TaskGroup / nursery own their tasks and re-raise their failures.
    const receiver = callee.slice(0, callee.lastIndexOf('.'));
    if (ownsItsTasks(receiver, loop.node, ctx)) continue;
    // `self.create_task(...)` is the class's own method (an event loop or a supervisor that tracks its tasks).
    if (receiver === 'self') continue;
    if (ownMethodWithoutHandle(receiver, methodOf(callee), loop, ctx)) continue;
    if (methodOf(callee) === 'submit' && !/executor|pool|ex$|^ex|client/i.test(receiver)) continue;
    if (methodOf(callee) === 'apply_async' && /pool/i.test(receiver) === false) continue;
    if (submitsOnlyAWait(expr, ctx) || submitsSelfHandling(expr, ctx) || reportsThroughQueue(expr, loop) || submitsQueuePut(expr, ctx)) continue;
    out.push({ statement: node, call: expr, callee });
  }
  return out;
}

const ASYNC_CANDIDATE_TYPES = new Set(['function_declaration', 'method_definition', 'arrow_function', 'function_expression']);
// One walk per file, not per loop: a file with many loops would otherwise be walked once for each of them.

interface JsFinding {
  statement: SyntaxNode;
  expression: SyntaxNode;
  callee: string;
  variant: 'promise' | 'then';
}

/**
 * Every async function or method of the file named `name` ends in a `try` whose `catch` neither rethrows nor awaits
 * anything unguarded (and whose `finally`, if any, does not throw), after only synchronous setup (no `await`, no
 * `throw`): its awaited work cannot reject the promise, so dropping it loses no failure. The failure goes where the
 * handler sends it (a callback, an `error` event, a log).
 */
export function neverRejects(name: string, ctx: RuleContext, seen: ReadonlySet<string> = new Set()): boolean {
  if (seen.has(name)) return false;
  const definitions = ctx.model.functions.filter((fn) => fn.name === name && (fn.isAsync || resolvesOnly(fn.node)));
  const inner = new Set([...seen, name]);
  const settles = definitions.filter((fn) => resolvesOnly(fn.node) || catchesEverything(fn.node) || awaitsNothing(fn.node, ctx) || awaitsOnlySettling(fn.node, ctx, inner));
  // (A wrapper that hands on to another definition of the name, `await entry.realpath()`, settles when they do.)
  return settles.length > 0 && definitions.every((fn) => settles.includes(fn) || handsOnTo(fn.node, name, ctx));
}

/**
 * `async realpath(entry) { const e = await entry.realpath(); return asEntry ? e : e?.fullpath(); }`: every `await`
 * is a call of the same method name, nothing is thrown, and what is returned calls only synchronous functions of
 * the file. It rejects only if the method it hands on to does.
 */
function handsOnTo(fn: SyntaxNode, name: string, ctx: RuleContext): boolean {
  const body = fn.childForFieldName('body');
  if (body?.type !== 'statement_block' || unguarded(body, ['throw_statement'])) return false;
  const awaits = body.descendantsOfType('await_expression').filter((a) => !insideFunction(a, body));
  const delegates = awaits.every((a) => {
    const call = a.namedChildren[0];
    const callee = call?.type === 'call_expression' ? call.childForFieldName('function') : null;
    return callee?.type === 'member_expression' && callee.childForFieldName('property')?.text === name;
  });
  if (awaits.length === 0 || !delegates) return false;
  const sync = (called: string) => {
    const definitions = ctx.model.functions.filter((f) => f.name === called);
    return definitions.length > 0 && definitions.every((f) => !f.isAsync && !resolvesOnly(f.node));
  };
  return body.descendantsOfType('return_statement').every((r) =>
    insideFunction(r, body) || r.descendantsOfType('call_expression').every((c) => c.parent?.type === 'await_expression' || sync(calleeOf(c).replace(/^.*\./, ''))),
  );
}

/**
 * `async triggerHandlers() { do { if (busy >= limit) return; next = queue.shift(); if (next) this.runOne(next); }
 * while (next); }`: an async function that awaits nothing, throws nothing and returns no call's result runs to its
 * end in the call itself; its promise fulfils (a synchronous bug aside), so dropping it loses no failure. What it
 * starts without awaiting is judged where it is started.
 */
function awaitsNothing(fn: SyntaxNode, ctx: RuleContext): boolean {
  const body = fn.childForFieldName('body');
  if (body?.type !== 'statement_block' || unguarded(body, ['throw_statement', 'await_expression'])) return false;
  // `for await (const x of source)` awaits too.
  if (body.descendantsOfType('for_in_statement').some((f) => !insideFunction(f, body) && f.children.some((c) => c.type === 'await'))) return false;
  return body
    .descendantsOfType('return_statement')
    .every((r) => insideFunction(r, body) || r.descendantsOfType(['call_expression', 'new_expression']).length === 0 || returnsPlainCall(r.namedChildren[0], ctx));
}

/**
 * `async subscribeQuotes(sym) { return this.trackedSubscribe('quotes', sym, { sym }); }` where every function of the
 * file named `trackedSubscribe` is plain (not async, no promise executor) and returns only values built without a
 * call (`return true`, `return false`) or, in turn, such a call: the wrapper hands back a plain value, not a promise
 * it would adopt, so it fulfils like any async function that awaits nothing. (A plain method that returns a call's
 * result, `return fetch(url)`, may hand back a promise that rejects: it does not count.) Only `name(...)` and
 * `this.name(...)`, the file's own functions; arguments that call nothing.
 */
function returnsPlainCall(value: SyntaxNode | undefined, ctx: RuleContext, seen: ReadonlySet<string> = new Set()): boolean {
  if (value?.type !== 'call_expression' || ctx.file.language === 'python') return false;
  const name = /^(?:this\.)?([A-Za-z_$][\w$]*)$/.exec(calleeOf(value))?.[1];
  if (name === undefined || seen.has(name)) return false;
  if (value.childForFieldName('arguments')?.descendantsOfType(['call_expression', 'new_expression', 'await_expression']).length) return false;
  const definitions = ctx.model.functions.filter((f) => f.name === name);
  const inner = new Set([...seen, name]);
  return (
    definitions.length > 0 &&
    definitions.every((f) => {
      if (f.isAsync || resolvesOnly(f.node) || f.node.children.some((c) => c.text === '*')) return false;
      const body = f.node.childForFieldName('body');
      // An arrow with an expression body returns that expression.
      if (body?.type !== 'statement_block') return body !== null && body !== undefined && (body.descendantsOfType(['call_expression', 'new_expression']).length === 0 || returnsPlainCall(body, ctx, inner));
      return body
        .descendantsOfType('return_statement')
        .every((r) => insideFunction(r, body) || r.descendantsOfType(['call_expression', 'new_expression']).length === 0 || returnsPlainCall(r.namedChildren[0], ctx, inner));
    })
  );
}

/**
 * `async loadKey(k) { if (loaded.has(k)) return; const p = this.readStored(k); pending[k] = p; const v = await p;
 * merge(k, v); }`: every `await` outside a catching try is of a call (or of a name the body bound to one, once) of a
 * function of the file that itself never rejects (`neverRejects`: the stored read catches every error and returns
 * null), or of a promise whose executor takes no `reject` (bound to a name, or kept in a field: `holdsResolverOnly`),
 * nothing is thrown, and a `return` hands back no call but such a function's. The awaited work cannot reject,
 * so neither can this promise: the catch one function down already holds the failure. The synchronous steps around
 * it count as for `awaitsOnlyInTries`.
 */
function awaitsOnlySettling(fn: SyntaxNode, ctx: RuleContext, seen: ReadonlySet<string>): boolean {
  const body = fn.childForFieldName('body');
  if (body?.type !== 'statement_block' || unguarded(body, ['throw_statement'])) return false;
  if (body.descendantsOfType('for_in_statement').some((f) => !insideFunction(f, body) && f.children.some((c) => c.type === 'await'))) return false;
  const settlingCall = (node: SyntaxNode | null | undefined): boolean => settles(node, ctx, seen);
  // Names bound once, by a declarator, to a settling call: `const p = this.readStored(k); ... await p`.
  const bound = new Map<string, number>();
  for (const d of body.descendantsOfType('variable_declarator')) {
    const id = d.childForFieldName('name');
    if (id?.type !== 'identifier' || insideFunction(d, body)) continue;
    const value = d.childForFieldName('value');
    bound.set(id.text, settlingCall(value) || (value !== null && resolverOnlyPromise(value)) ? (bound.get(id.text) ?? 0) + 1 : 2);
  }
  const reassigned = new Set(body.descendantsOfType(['assignment_expression', 'augmented_assignment_expression']).map((a) => a.childForFieldName('left')?.text ?? ''));
  const settlingName = (node: SyntaxNode | null | undefined) => node?.type === 'identifier' && bound.get(node.text) === 1 && !reassigned.has(node.text);
  const awaits = body.descendantsOfType('await_expression').filter((a) => !insideFunction(a, body) && !caughtWithin(a, body));
  if (awaits.length === 0) return false;
  const held = (node: SyntaxNode | null | undefined) => node !== null && node !== undefined && holdsResolverOnly(node, body, (n) => resolverOnlyPromise(n) || settlingName(n));
  if (!awaits.every((a) => settlingCall(a.namedChildren[0]) || settlingName(a.namedChildren[0]) || held(a.namedChildren[0]) || awaitsCaughtChain(a))) return false;
  return body.descendantsOfType('return_statement').every((r) => {
    if (insideFunction(r, body)) return true;
    const value = r.namedChildren[0];
    const plain = (n: SyntaxNode) => n.descendantsOfType(['call_expression', 'new_expression']).length === 0;
    return !value || plain(value) || settlingCall(value) || (value.type === 'await_expression' && settlingCall(value.namedChildren[0]));
  });
}

/**
 * `this.jobs[id].done = { promise: new Promise((res) => { finish = res; }) }; ...; await this.jobs[id].done.promise`:
 * a deferred the function keeps in a field, built from a promise whose executor takes no `reject` (inline, or a name
 * `fulfils` accepts: `{ resolve, promise: waiting }` after `let waiting = new Promise((res) => ...)`). Every
 * assignment the function makes to that field (or to the awaited path itself) is such a promise, such an object, or
 * `null`/`undefined`; it is settled by calling the resolver, never rejected.
 */
function holdsResolverOnly(awaited: SyntaxNode, body: SyntaxNode, fulfils: (node: SyntaxNode) => boolean): boolean {
  if (awaited.type !== 'member_expression') return false;
  const path = compact(awaited.text);
  const owner = compact(awaited.childForFieldName('object')?.text ?? '');
  const field = awaited.childForFieldName('property')?.text ?? '';
  const empty = (n: SyntaxNode) => n.type === 'null' || n.type === 'undefined';
  let built = 0;
  for (const a of body.descendantsOfType('assignment_expression')) {
    const left = compact(a.childForFieldName('left')?.text ?? '');
    const right = a.childForFieldName('right');
    if (!right || (left !== path && left !== owner)) continue;
    if (empty(right)) continue;
    if (left === path) {
      if (!fulfils(right)) return false;
      built++;
      continue;
    }
    if (right.type !== 'object') return false;
    const pair = right.namedChildren.find((p) => p.type === 'pair' && p.childForFieldName('key')?.text === field);
    const value = pair?.childForFieldName('value');
    if (!value || !fulfils(value)) return false;
    built++;
  }
  return built > 0;
}

/**
 * A call whose promise cannot reject: `name(...)` or `this.name(...)` of a function of the file that never rejects
 * (`neverRejects`); a call the effect summaries resolve (an imported function, a method of a field's class) to one
 * whose work fails into a catch that does not throw again (`neverThrows`); or `this.transport.sendRtp(...)` on some
 * other receiver when no API file knows the call and every function of the file with that name is async and never
 * rejects (a bundle or a module holding the receiver's class: `async sendRtp(p) { try { ... } catch (e) { log(e);
 * return 0; } }`). Whatever the receiver, the method it runs is one of those.
 */
function settles(node: SyntaxNode | null | undefined, ctx: RuleContext, seen: ReadonlySet<string> = new Set()): boolean {
  if (node?.type !== 'call_expression') return false;
  const callee = calleeOf(node);
  const name = /^(?:this\.)?([A-Za-z_$][\w$]*)$/.exec(callee)?.[1];
  if (name !== undefined) {
    if (!callee.startsWith('this.') && shadowed(name, node)) return false;
    if (neverRejects(name, ctx, seen)) return true;
    // `await markRead(id)` where `markRead` is imported (no function of the file has the name): the effect
    // summaries resolve it in its own module (`catch (e) { return false; }` around its request).
    return callee === name && !ctx.model.functions.some((fn) => fn.name === name) && (ctx.kb.neverThrows?.(ctx.file.language, name) ?? false);
  }
  if (!/^[\w$.#]+$/.test(callee)) return false;
  if (ctx.kb.neverThrows?.(ctx.file.language, callee)) return true;
  const method = methodOf(callee);
  // (A name the API files know, `client.query`, is that API's call; a guess from the name alone proves nothing.)
  if (ctx.model.call(node).confidence === 'high') return false;
  const named = ctx.model.functions.filter((fn) => fn.name === method);
  return named.length > 0 && named.every((fn) => fn.isAsync || resolvesOnly(fn.node)) && neverRejects(method, ctx, seen);
}

/**
 * `await axios.get(url).then(store).catch((error) => { this.log.error(error); })`: an awaited chain that ends in a
 * settling `.catch` (caughtChain) cannot reject, whatever the request or the `then` callback does (vw-connect's
 * `getSeatCupraStatus` polls its endpoints this way).
 */
function awaitsCaughtChain(awaited: SyntaxNode): boolean {
  const operand = awaited.namedChildren[0];
  return operand !== undefined && caughtChain(operand);
}

/** `node` sits in the body of a try (with a `catch`) under `root`. */
function caughtWithin(node: SyntaxNode, root: SyntaxNode): boolean {
  for (let child = node, up = node.parent; up && child.id !== root.id; child = up, up = up.parent) {
    if (up.type === 'try_statement' && up.childForFieldName('body')?.id === child.id && up.childForFieldName('handler')) return true;
  }
  return false;
}

function insideFunction(node: SyntaxNode, root: SyntaxNode): boolean {
  for (let up = node.parent; up && up.id !== root.id; up = up.parent) if (ASYNC_CANDIDATE_TYPES.has(up.type)) return true;
  return false;
}

/** The promise a `.then`/`.catch`/`.finally` chain starts from: `load(id)` of `load(id).then(a).catch(b)`. */
function chainRoot(thenCall: SyntaxNode): SyntaxNode | null {
  let root: SyntaxNode | null = thenCall;
  while (root?.type === 'call_expression') {
    const fn: SyntaxNode | null = root.childForFieldName('function');
    if (fn?.type !== 'member_expression' || !/^(then|catch|finally)$/.test(fn.childForFieldName('property')?.text ?? '')) break;
    root = fn.childForFieldName('object');
  }
  return root;
}

/**
 * The first link of a `.then(...)` chain calls a function of the file that never rejects (`neverRejects`): by name,
 * on `this`, or on the loop's own item (`entry.resolveLink()` over entries the file's class makes).
 */
function neverRejectingRoot(thenCall: SyntaxNode, ctx: RuleContext, loop: LoopFacts): boolean {
  const start = chainRoot(thenCall);
  if (start === null || start.id === thenCall.id) return false;
  // `const configPromise = fetchConfig(id); configPromise.then(apply)`: a name a `const` of an enclosing block binds
  // to a call is that call's promise.
  const root = start.type === 'identifier' ? constCallOf(start) : start;
  if (root?.type !== 'call_expression') return false;
  const callee = calleeOf(root);
  const onItem = /^([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)$/.exec(callee);
  if (onItem && loop.loopVariables.includes(onItem[1]!)) return neverRejects(onItem[2]!, ctx);
  const name = /^(?:this\.)?([A-Za-z_$][\w$]*)$/.exec(callee)?.[1];
  if (name !== undefined && (callee.startsWith('this.') || !shadowed(name, root)) && neverRejects(name, ctx)) return true;
  // An imported function (`import { loadSettings } from './settings'`) whose work the effect summaries see fail only
  // into a handled catch (its body returns an async IIFE that catches everything and returns a default).
  if (name !== undefined && callee === name && !shadowed(name, root) && (ctx.kb.neverThrows?.(ctx.file.language, name) ?? false)) return true;
  // `this.ccu.getValue(addr).then(apply)`: a method the effect summaries resolve through a field's class (or an
  // imported module object) to one that never rejects (its work fails into a handled catch, or it returns a
  // promise whose executor never uses `reject`). A name an API file knows is that API's call.
  if (name === undefined && /^this\.[\w$#]+\.[\w$]+$|^[A-Za-z_$][\w$]*\.[\w$]+$/.test(callee) && ctx.model.call(root).confidence !== 'high' && (ctx.kb.neverThrows?.(ctx.file.language, callee) ?? false)) return true;
  // `const fetchConfig = fetchEmbedConfig; ... fetchConfig(id).then(apply)`: a bare name bound once, by a `const`
  // of the file's top level, to another bare name calls that function; it settles when that one does (the file's
  // own, `neverRejects`, or an imported one the effect summaries see fail only into a handled catch).
  const target = callee === name ? constAliasOf(name, root) : undefined;
  return target !== undefined && !shadowed(target, root) && (neverRejects(target, ctx) || (ctx.kb.neverThrows?.(ctx.file.language, target) ?? false));
}

/** The call a `const name = call(...)` of a block enclosing `use` binds `name` to (the nearest such block). */
function constCallOf(use: SyntaxNode): SyntaxNode | undefined {
  for (let scope = use.parent; scope; scope = scope.parent) {
    if (scope.type !== 'statement_block' && scope.type !== 'program') continue;
    for (const statement of scope.namedChildren) {
      if (statement.type !== 'lexical_declaration' || statement.child(0)?.text !== 'const') continue;
      const declarator = statement.namedChildren.find((d) => d.type === 'variable_declarator' && d.childForFieldName('name')?.text === use.text);
      if (!declarator) continue;
      const value = declarator.childForFieldName('value');
      return value?.type === 'call_expression' ? value : undefined;
    }
    if (ASYNC_CANDIDATE_TYPES.has(scope.parent?.type ?? '')) {
      const params = scope.parent!.childForFieldName('parameters') ?? scope.parent!.childForFieldName('parameter');
      if (params?.descendantsOfType('identifier').some((id) => id.text === use.text)) return undefined;
    }
  }
  return undefined;
}

/**
 * The name a bare `name` stands for when the module binds it once, by `const name = other` at its top level (or in
 * an `export const`), to another bare name: an alias (`const fetchConfig = fetchEmbedConfig`). Undefined when no
 * such binding exists, when the name is bound anywhere else too (a parameter, a `let`, a function), or when it is
 * shadowed between the call and the module.
 */
function constAliasOf(name: string, call: SyntaxNode): string | undefined {
  let program: SyntaxNode | null = call;
  while (program?.parent) program = program.parent;
  if (program?.type !== 'program' || shadowed(name, call)) return undefined;
  const declarators = program.descendantsOfType('variable_declarator').filter((d) => d.childForFieldName('name')?.text === name);
  const functions = program.descendantsOfType(['function_declaration', 'generator_function_declaration']).filter((f) => f.childForFieldName('name')?.text === name);
  if (declarators.length !== 1 || functions.length > 0) return undefined;
  const only = declarators[0]!;
  const declaration = only.parent;
  const top = declaration?.parent?.type === 'export_statement' ? declaration.parent.parent : declaration?.parent;
  if (declaration?.type !== 'lexical_declaration' || declaration.child(0)?.text !== 'const' || top?.type !== 'program') return undefined;
  const value = only.childForFieldName('value');
  return value?.type === 'identifier' && value.text !== name ? value.text : undefined;
}

/**
 * A bare `name(...)` calls an async function of the file: one declared as a function (an `async next()` method is
 * only reached as `obj.next()`) where the call can see it (at module level, or in a function around the call: a
 * helper nested in another function is out of scope, and the name there is a global's, jslab21's web worker calling
 * its synchronous `importScripts` beside an async `importScripts` nested in the window loader), and not shadowed on
 * the way up by a parameter or a variable holding something else (`let next = null; ... next = resolve; ... next()`
 * calls the stored callback).
 */
function callsAsyncFunction(name: string, call: SyntaxNode, ctx: RuleContext): boolean {
  if (!ctx.model.asyncFunctionNames.has(name)) return false;
  if (!ctx.model.functions.some((fn) => fn.isAsync && fn.name === name && fn.node.type !== 'method_definition' && visibleFrom(fn.node, call))) return false;
  return !shadowed(name, call);
}

/** A function declared at module level (or in a class body), or in a function that holds `call`: the call sees its name. */
function visibleFrom(fn: SyntaxNode, call: SyntaxNode): boolean {
  const scope = enclosingFunction(fn, 'js');
  return scope === undefined || (scope.startIndex <= call.startIndex && call.endIndex <= scope.endIndex);
}

/**
 * A bare `name(...)` where every function of the file by that name is nested in a function that does not hold the
 * call, and no import binds the name: the call cannot reach those helpers, so the effect summaries' answer (they fall
 * back to a nested function whose name is unique in the file, not knowing where the call is) is not this call's. The
 * name is a global's: jslab21's web worker calls its synchronous `importScripts` in a loop, beside an async
 * `importScripts` nested in the window loader of the same file.
 */
function outOfScopeHelper(name: string, call: SyntaxNode, ctx: RuleContext): boolean {
  const defs = ctx.model.functions.filter((fn) => fn.name === name && fn.node.type !== 'method_definition');
  if (defs.length === 0 || defs.some((fn) => visibleFrom(fn.node, call))) return false;
  return !rootOf(call).descendantsOfType('import_statement').some((s) => s.descendantsOfType('identifier').some((id) => id.text === name));
}

/**
 * A parameter or a variable holding something other than a function binds `name` between the call and the module,
 * and so does a destructuring pattern, of a declaration or of a `for...of` around the call (`for (const { onReady }
 * of Object.values(this.streams)) onReady()`): the name holds a field of each item, whatever function of the file
 * happens to share it.
 */
function shadowed(name: string, call: SyntaxNode): boolean {
  const patternBinds = (pattern: SyntaxNode | null | undefined) =>
    pattern !== null && pattern !== undefined && (pattern.type === 'identifier' ? pattern.text === name : pattern.descendantsOfType(['identifier', 'shorthand_property_identifier_pattern']).some((id) => id.text === name));
  for (let scope = call.parent; scope; scope = scope.parent) {
    if (scope.type === 'for_in_statement' && patternBinds(scope.childForFieldName('left'))) return true;
    if (!ASYNC_CANDIDATE_TYPES.has(scope.type)) continue;
    const params = scope.childForFieldName('parameters') ?? scope.childForFieldName('parameter');
    if (params?.descendantsOfType('identifier').some((id) => id.text === name)) return true;
    const body = scope.childForFieldName('body');
    const shadow = body?.descendantsOfType('variable_declarator').some((d) => {
      const value = d.childForFieldName('value');
      const bound = d.childForFieldName('name');
      if (bound && bound.type !== 'identifier') return patternBinds(bound);
      return bound?.text === name && !(value && ASYNC_CANDIDATE_TYPES.has(value.type));
    });
    if (shadow) return true;
    // `function update(node) { ... }` declared in the same function (a helper beside the loop): a bare `update(...)`
    // calls that declaration, never a method or another module's async `update`. Synchronous, it returns no promise.
    const local = body?.descendantsOfType('function_declaration').some((d) => d.childForFieldName('name')?.text === name && !d.children.some((c) => c.type === 'async') && enclosingFunction(d, 'js')?.id === scope.id);
    if (local) return true;
  }
  return false;
}

/** `Promise.allSettled(...)`: a promise that fulfils whatever its inputs do (it reports each outcome instead). */
const SETTLES = /^Promise\.allSettled$/;

/**
 * The chain starts at a promise that cannot reject: `Promise.allSettled([...]).then(...)`, or a name or field the
 * same function set from one just before (`this.pending = Promise.allSettled([...]); this.pending.then(...)`).
 * Its callback runs on success only and the inputs' failures arrive as values, so no rejection of the source is
 * left unhandled.
 */
function settledRoot(thenCall: SyntaxNode): boolean {
  const root = chainRoot(thenCall);
  if (!root) return false;
  if (root.type === 'call_expression') return SETTLES.test(calleeOf(root));
  if (root.type !== 'identifier' && root.type !== 'member_expression') return false;
  const statement = thenCall.parent;
  const block = statement?.parent;
  if (!statement || !block) return false;
  const before = block.namedChildren.filter((s) => s.endIndex <= statement.startIndex);
  for (let i = before.length - 1; i >= 0; i--) {
    const assignment = before[i]!.type === 'expression_statement' ? before[i]!.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment_expression' || assignment.childForFieldName('left')?.text !== root.text) continue;
    const right = assignment.childForFieldName('right');
    return right?.type === 'call_expression' && SETTLES.test(calleeOf(right));
  }
  return false;
}

/**
 * `Promise.all([new Promise((resolve) => sensor.read(resolve)), ...]).then(report)`, or over a list the function
 * fills only with such promises (`signals.push(new Promise((done) => led.fade(ms, done)))`): each input's executor
 * takes no `reject` (inline, or a function of the file with one parameter: `new Promise(readTemperature)`), or the
 * input is a chain that ends in a settling `.catch` (caughtChain), so no input rejects and neither does their
 * combination. The inputs are callbacks turned into promises to join them.
 */
function joinsResolvingPromises(thenCall: SyntaxNode): boolean {
  const root = chainRoot(thenCall);
  if (root?.type !== 'call_expression' || root.id === thenCall.id || !/^Promise\.(all|race|any)$/.test(calleeOf(root))) return false;
  const input = root.childForFieldName('arguments')?.namedChildren;
  if (input?.length !== 1) return false;
  const list = input[0]!;
  if (list.type === 'array') return list.namedChildren.some((e) => e.type !== 'comment') && list.namedChildren.every((e) => e.type === 'comment' || resolvingPromise(e) || caughtChain(e));
  if (list.type !== 'identifier') return false;
  let scope: SyntaxNode | null = root.parent;
  while (scope && !ASYNC_CANDIDATE_TYPES.has(scope.type)) scope = scope.parent;
  if (!scope) return false;
  const name = list.text;
  const declared = scope.descendantsOfType('variable_declarator').filter((d) => d.childForFieldName('name')?.text === name);
  // The list starts empty or with promises that cannot reject (`const racers = [timeoutPromise]`, the name bound once
  // in the function to `new Promise((resolve) => ...)`).
  const boundResolving = (e: SyntaxNode): boolean => {
    if (e.type !== 'identifier') return false;
    const bound = scope!.descendantsOfType('variable_declarator').filter((d) => d.childForFieldName('name')?.text === e.text);
    const value = bound.length === 1 ? bound[0]!.childForFieldName('value') : null;
    return value !== null && resolvingPromise(value) && !scope!.descendantsOfType('assignment_expression').some((a) => a.childForFieldName('left')?.text === e.text);
  };
  const start = declared.length === 1 ? declared[0]!.childForFieldName('value') : null;
  if (start?.type !== 'array' || !start.namedChildren.every((e) => e.type === 'comment' || resolvingPromise(e) || boundResolving(e))) return false;
  if (scope.descendantsOfType(['assignment_expression', 'augmented_assignment_expression']).some((a) => a.childForFieldName('left')?.text === name)) return false;
  const uses = scope.descendantsOfType('identifier').filter((id) => id.text === name && id.parent?.type === 'member_expression' && id.parent.childForFieldName('object')?.id === id.id);
  const pushes = uses.map((id) => id.parent!.parent).filter((c): c is SyntaxNode => c?.type === 'call_expression' && /\.push$/.test(calleeOf(c)));
  return pushes.length > 0 && pushes.every((c) => (c.childForFieldName('arguments')?.namedChildren ?? []).every((a) => a.type === 'comment' || resolvingPromise(a) || caughtChain(a)));
}

/**
 * `install(mod).then(report).catch((err) => retry.push(mod))`: a chain that ends in a `.catch` whose handler
 * neither throws nor returns a rejection settles whatever happens before it.
 */
function caughtChain(node: SyntaxNode): boolean {
  if (node.type !== 'call_expression') return false;
  const fn = node.childForFieldName('function');
  if (fn?.type !== 'member_expression' || fn.childForFieldName('property')?.text !== 'catch') return false;
  const args = node.childForFieldName('arguments')?.namedChildren ?? [];
  const handler = args[0];
  if (args.length !== 1 || !handler || !ASYNC_CANDIDATE_TYPES.has(handler.type)) return false;
  const body = handler.childForFieldName('body');
  if (!body) return false;
  const rejects = (n: SyntaxNode): boolean => {
    if (n.type === 'throw_statement' || (n.type === 'call_expression' && calleeOf(n) === 'Promise.reject')) return true;
    return n.namedChildren.some((c) => !ASYNC_CANDIDATE_TYPES.has(c.type) && rejects(c));
  };
  return !rejects(body);
}

/**
 * `promiseWait(50).then(() => this.resync$.next())`, `sleep(ms).then(...)` (timers/promises) or `new Promise((r) =>
 * setTimeout(r, ms)).then(...)`: the chain starts at a pause, a call the model knows only as a sleep (the API files,
 * or a helper of another module whose summary is a timer) or a promise whose executor takes no `reject`. A timer
 * fulfils, it does not fail, so the source leaves no rejection unhandled; what the callback does is its own code (as
 * for `settledRoot`). A pause handed an abort `signal` rejects when aborted, so it does not count.
 */
function timerRoot(thenCall: SyntaxNode, ctx: RuleContext): boolean {
  let root = chainRoot(thenCall);
  while (root?.type === 'parenthesized_expression') root = root.namedChildren[0] ?? null;
  if (!root || root.id === thenCall.id) return false;
  if (resolvingPromise(root)) return true;
  if (root.type !== 'call_expression' || /\bsignal\b/.test(root.childForFieldName('arguments')?.text ?? '')) return false;
  const kinds = ctx.model.call(root).kinds;
  return kinds.length > 0 && kinds.every((k) => k === 'sleep');
}

/**
 * The chain under the `.then(...)` starts with a call the API knowledge base says returns no promise
 * (`builds: plain_result`): a Cypress command (`cy.then(...)`, `cy.wrap(x).its('y').then(...)`, `(u ? cy.getAuth(u) :
 * cy.getAuth()).then(...)`) queues the callback in the test's command chain, whose errors fail the test; there is
 * no promise and nothing to catch. Every branch of a conditional must start with such a call, and the chain's base
 * name must be the global (not a parameter or local of the same name).
 */
function plainChainRoot(thenCall: SyntaxNode, ctx: RuleContext, language: LoopFacts['language']): boolean {
  const starts = (node: SyntaxNode | null): boolean => {
    while (node?.type === 'parenthesized_expression') node = node.namedChildren[0] ?? null;
    if (!node) return false;
    if (node.type === 'ternary_expression') {
      const a = node.childForFieldName('consequence');
      const b = node.childForFieldName('alternative');
      return starts(a) && starts(b);
    }
    // Down the chain to its first call on a bare name: `cy.wrap(x).its('y')` -> `cy.wrap`.
    let first: SyntaxNode | null = null;
    let cur: SyntaxNode | null = node;
    while (cur) {
      if (cur.type === 'call_expression') {
        const fn: SyntaxNode | null = cur.childForFieldName('function');
        if (fn?.type === 'member_expression' && fn.childForFieldName('object')?.type === 'identifier') first = fn;
        cur = fn;
      } else if (cur.type === 'member_expression') {
        const object: SyntaxNode | null = cur.childForFieldName('object');
        if (object?.type === 'identifier' && !first) first = cur;
        cur = object;
      } else break;
    }
    if (cur?.type !== 'identifier' || !first) return false;
    return ctx.kb.builds?.(language, first.text, 'plain_result') === true && !shadowed(cur.text, thenCall);
  };
  const fn = thenCall.childForFieldName('function');
  const object = fn?.type === 'member_expression' ? fn.childForFieldName('object') : null;
  // `cy.then(...)` itself.
  if (object?.type === 'identifier') return ctx.kb.builds?.(language, fn!.text, 'plain_result') === true && !shadowed(object.text, thenCall);
  return starts(object);
}

/**
 * `new Promise((resolve) => ...)` or `new Promise(readSensor)` with a file function of one parameter, or a field
 * that only ever holds such a promise (`resolvingField`).
 */
function resolvingPromise(node: SyntaxNode): boolean {
  if (node.type === 'member_expression') return resolvingField(node);
  if (node.type !== 'new_expression' || node.childForFieldName('constructor')?.text !== 'Promise') return false;
  const args = node.childForFieldName('arguments')?.namedChildren;
  if (args?.length !== 1) return false;
  let executor: SyntaxNode | null | undefined = args[0]!;
  if (executor.type === 'identifier') {
    const name = executor.text;
    let root: SyntaxNode = executor;
    while (root.parent) root = root.parent;
    const bound = [
      ...root.descendantsOfType('variable_declarator').filter((d) => d.childForFieldName('name')?.text === name).map((d) => d.childForFieldName('value')),
      ...root.descendantsOfType('function_declaration').filter((d) => d.childForFieldName('name')?.text === name),
    ];
    if (bound.length !== 1) return false;
    executor = bound[0];
  }
  if (!executor || !ASYNC_CANDIDATE_TYPES.has(executor.type)) return false;
  if (executor.childForFieldName('parameter')) return true;
  return (executor.childForFieldName('parameters')?.namedChildren.length ?? 2) <= 1;
}

/**
 * `client.drainPromise`, where every assignment of the file to a field of that name (`this.drainPromise = new
 * Promise((resolve) => { this.drainResolve = resolve; })`, `... = null`) and every object-literal key of that name
 * holds a promise whose executor takes no `reject`, or `null`/`undefined`: a deferred the file settles only by
 * resolving it. Nothing of the file can make it reject.
 */
function resolvingField(node: SyntaxNode): boolean {
  const field = node.childForFieldName('property')?.text;
  if (!field || node.childForFieldName('property')?.type !== 'property_identifier') return false;
  let root: SyntaxNode = node;
  while (root.parent) root = root.parent;
  // (One text search before the walk: most fields are never set to a promise built in the file.)
  if (!/^[\w$]+$/.test(field) || !new RegExp(`\\b${field.replace(/\$/g, '\\$')}\\s*[=:]\\s*new\\s+Promise\\b`).test(root.text)) return false;
  const empty = (n: SyntaxNode) => n.type === 'null' || n.type === 'undefined';
  let built = 0;
  for (const a of root.descendantsOfType(['assignment_expression', 'pair'])) {
    const target = a.type === 'pair' ? a.childForFieldName('key') : a.childForFieldName('left');
    const named = a.type === 'pair' ? target?.text === field : target?.type === 'member_expression' && target.childForFieldName('property')?.text === field;
    if (!named) continue;
    const value = a.childForFieldName(a.type === 'pair' ? 'value' : 'right');
    if (!value || empty(value)) continue;
    if (value.type !== 'new_expression' || !resolvingPromise(value)) return false;
    built++;
  }
  // (`obj[field] = ...`, a destructuring or an `Object.assign` would escape this count: a name that common is no proof.)
  return built > 0 && !root.descendantsOfType('augmented_assignment_expression').some((a) => a.childForFieldName('left')?.text.endsWith(`.${field}`));
}

/**
 * `catch (e) { Promise.resolve().then(() => { throw e; }); }`: an event dispatcher that reports a listener's error
 * without stopping the other listeners (as the DOM does) throws it again on a later microtask, on purpose. The
 * unhandled rejection is the report, not a promise someone forgot.
 */
function rethrowsOutOfBand(thenCall: SyntaxNode): boolean {
  const object = thenCall.childForFieldName('function')?.childForFieldName('object');
  if (object?.type !== 'call_expression' || calleeOf(object) !== 'Promise.resolve') return false;
  const callback = thenCall.childForFieldName('arguments')?.namedChildren[0];
  const body = callback?.type === 'arrow_function' || callback?.type === 'function_expression' ? callback.childForFieldName('body') : undefined;
  const statements = body?.type === 'statement_block' ? body.namedChildren.filter((c) => c.type !== 'comment') : [];
  return statements.length === 1 && statements[0]!.type === 'throw_statement';
}

/**
 * `then?.(result)` after `const { then, ...query } = item`, or `query.then?.(result)`: a field named `then` that may
 * be absent, called as a plain hook (a statement builder's post-processing step). A promise's `then` is always
 * there and is called as a method, so a bare `then(...)` or an optional call of it is no promise chain.
 */
function thenIsPlainField(call: SyntaxNode): boolean {
  const fn = call.childForFieldName('function');
  if (fn?.type === 'identifier') return true;
  return call.children.some((c) => c.type === 'optional_chain');
}

/** A `then(onFulfilled, onRejected)` or `catch(...)` call: it handles the rejection of the promise it is called on. */
function handlesRejection(call: SyntaxNode): boolean {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'member_expression') return false;
  const method = fn.childForFieldName('property')?.text;
  return method === 'catch' || (method === 'then' && (call.childForFieldName('arguments')?.namedChildren.length ?? 0) >= 2);
}

/**
 * An earlier link of `p.catch(handle).then(use)` (or `p.then(a, onRejected).then(use)`) handles the source's
 * rejection before this `then` runs: what is left is a throw in the callback itself, which its own code decides.
 */
function chainHandlesRejection(call: SyntaxNode): boolean {
  for (let link = call.childForFieldName('function')?.childForFieldName('object'); link?.type === 'call_expression'; link = link.childForFieldName('function')?.childForFieldName('object')) {
    if (handlesRejection(link)) return true;
  }
  return false;
}

/**
 * `for await (const m of messages) { ...; m.ack(); }`: the loop's own message acknowledges itself, with no argument.
 * That is the message-object API of the brokers that hand out such objects (NATS JetStream, Pub/Sub, Cloudflare
 * Queues): it records or sends the acknowledgement and returns nothing (their promise forms have other names,
 * `ackAck`, `ackWithResponse`). An acknowledgement that returns a promise is a client's method handed the message or
 * its id (`receiver.completeMessage(msg)`, `consumer.acknowledge(msg)`, `redis.xack(key, group, id)`).
 */
function acksItself(call: SyntaxNode, kinds: readonly string[], loop: LoopFacts): boolean {
  if (kinds.length === 0 || !kinds.every((k) => k === 'queue-ack')) return false;
  const fn = call.childForFieldName('function');
  const receiver = fn?.type === 'member_expression' ? fn.childForFieldName('object') : null;
  if (receiver?.type !== 'identifier' || !loop.loopVariables.includes(receiver.text)) return false;
  return (call.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment').length ?? 0) === 0;
}

/**
 * `next.ack()` where the file keeps a promise's `resolve` under that key (`new Promise((f) => waits.add({ ack: f,
 * threshold }))`): every object-literal key and every field assignment of that name in the file (at least one)
 * holds a parameter of a `new Promise(...)` executor, and no class or object of the file defines a method of that
 * name. The call runs the resolver, which returns `undefined` and cannot fail; the API the name suggests (a broker
 * message's `ack`) is not what the file calls. (A name the file never binds stays the API.)
 */
function calledResolver(call: SyntaxNode, method: string): boolean {
  if (call.childForFieldName('function')?.type !== 'member_expression' || !/^[\w$]+$/.test(method)) return false;
  const root = rootOf(call);
  // (One text search before the walk: most files never keep a resolver under a key.)
  if (!/\bnew\s+Promise\b/.test(root.text) || !new RegExp(`(^|[^\\w$])${method.replace(/\$/g, '\\$')}\\s*[:=,}]`).test(root.text)) return false;
  const executorParameter = (value: SyntaxNode | null | undefined): boolean => {
    if (value?.type !== 'identifier') return false;
    for (let fn: SyntaxNode | null = value.parent; fn; fn = fn.parent) {
      if (!ASYNC_CANDIDATE_TYPES.has(fn.type)) continue;
      const params = fn.childForFieldName('parameter') ? [fn.childForFieldName('parameter')!] : (fn.childForFieldName('parameters')?.namedChildren ?? []);
      if (!params.some((p) => p.text === value.text)) continue;
      const owner = fn.parent?.parent;
      return fn.parent?.type === 'arguments' && owner?.type === 'new_expression' && owner.childForFieldName('constructor')?.text === 'Promise';
    }
    return false;
  };
  let held = 0;
  for (const n of root.descendantsOfType(['pair', 'shorthand_property_identifier', 'assignment_expression', 'method_definition', 'public_field_definition', 'field_definition'])) {
    if (n.type === 'method_definition' || n.type === 'public_field_definition' || n.type === 'field_definition') {
      if ((n.childForFieldName('name') ?? n.childForFieldName('property'))?.text === method) return false;
      continue;
    }
    if (n.type === 'shorthand_property_identifier') {
      if (n.text !== method) continue;
      if (!executorParameter(n)) return false;
      held++;
      continue;
    }
    const target = n.type === 'pair' ? n.childForFieldName('key') : n.childForFieldName('left');
    const named = n.type === 'pair' ? target?.text === method : target?.type === 'member_expression' && target.childForFieldName('property')?.text === method;
    if (!named) continue;
    if (!executorParameter(n.childForFieldName(n.type === 'pair' ? 'value' : 'right'))) return false;
    held++;
  }
  return held > 0;
}

/** Kinds of work whose failure a dropped promise loses. */
const DROPPED_IO: ReadonlySet<string> = new Set(['http', 'db-read', 'db-write', 'db-batch', 'db-commit', 'queue-ack', 'queue-publish', 'queue-pop', 'subprocess', 'connect']);

function jsFindings(loop: LoopFacts, ctx: RuleContext): JsFinding[] {
  const { model } = ctx;
  const asyncNames = ctx.model.asyncFunctionNames;
  const out: JsFinding[] = [];
  for (const node of descendants(loop.body, model, { skipFunctions: loop.kind !== 'callback-iteration' && loop.kind !== 'interval', skipLoops: true })) {
    if (node.type !== 'expression_statement') continue;
    const expr = node.namedChildren[0];
    if (expr?.type !== 'call_expression') continue;
    // `await this.send<T>(x)`: awaited (the TypeScript grammar puts the `await` around the callee).
    if (expr.childForFieldName('function')?.type === 'await_expression') continue;
    const callee = calleeOf(expr);
    const method = methodOf(callee);
    if (method === 'then') {
      if (thenIsPlainField(expr)) continue;
      if (handlesRejection(expr) || chainHandlesRejection(expr) || settledRoot(expr) || joinsResolvingPromises(expr) || neverRejectingRoot(expr, ctx, loop) || timerRoot(expr, ctx) || rethrowsOutOfBand(expr) || plainChainRoot(expr, ctx, loop.language)) continue;
      out.push({ statement: node, expression: expr, callee, variant: 'then' });
      continue;
    }
    if (['catch', 'finally'].includes(method) && /\.catch\(/.test(expr.text)) continue;
    if (method === 'finally' || method === 'catch') continue;
    const bare = callee.replace(/^this\./, '');
    // `this.save()` is the class's own async method; `this.#state.webhooks.on(...)` is some other object's `on`.
    // An async function of another module or of a field's class (effect summaries) returns a promise too.
    const viaSummary = ctx.kb.isAsyncFunction?.(loop.language, callee) ?? false;
    const isAsyncLocal =
      callee === `this.${method}`
        ? !ownSyncMethod(method, expr) && !callbackThis(expr) && !literalThisElsewhere(method, expr) && (asyncNames.has(method) || viaSummary)
        : /^[A-Za-z_$][\w$]*$/.test(callee)
          ? callsAsyncFunction(callee, expr, ctx) || (viaSummary && !shadowed(callee, expr) && !outOfScopeHelper(callee, expr, ctx))
          : asyncNames.has(bare) || viaSummary;
    // Only a known API: a name that merely suggests I/O (`webhooks.on(...)` looks like a webhook call) is too weak
    // to claim that a promise is dropped.
    // The call as the model classified it (once per file, with its SQL argument: `db.query("UPDATE ...")`).
    const classified = model.call(expr);
    // (Not one that returns at once with a plain value, `builds: plain_result`: amqplib's `channel.publish(...)`.)
    // (Not a bare name the code binds itself: `const fetch = () => { fetching = true; ... }` is the module's helper,
    // not the global `fetch`; an async one of the file is `isAsyncLocal`'s to judge.)
    const ownBinding = /^[A-Za-z_$][\w$]*$/.test(callee) && (declaredAround(callee, expr) || shadowed(callee, expr));
    const isKnownAsyncIo =
      !ownBinding &&
      (loop.inAsyncFunction || loop.hasAwait) &&
      classified.confidence === 'high' &&
      classified.kinds.some((k) => k === 'http' || k === 'db-write' || k === 'queue-ack' || k === 'queue-publish' || k === 'db-read') &&
      ctx.kb.builds?.(loop.language, callee, 'plain_result') !== true &&
      !acksItself(expr, classified.kinds, loop) &&
      !calledResolver(expr, method) &&
      !sendsOnStatefulSocket(expr, callee.slice(0, Math.max(0, callee.lastIndexOf('.'))), method, model);
    if (!isAsyncLocal && !isKnownAsyncIo) continue;
    // `this.emit('debug', ...)`: an event dispatch (`roles: dispatches_event`), called without `await` by
    // convention even where the class's `emit` is async; it counts only when it does I/O itself (its summary).
    if (ctx.kb.hasRole?.(loop.language, method, 'dispatches_event') && !classified.kinds.some((k) => DROPPED_IO.has(k))) continue;
    // `runAsync(fn)` whose whole body is `try { await fn() } catch (e) { onError(e) }` settles, it never rejects.
    if (!isKnownAsyncIo && neverRejects(isAsyncLocal && asyncNames.has(bare) ? bare : method, ctx)) continue;
    // The same of a function the summaries resolve in another file or a field's class (`import { runMethod } from
    // './utils'`, whose whole body is a try that hands the error to a callback).
    if (!isKnownAsyncIo && (ctx.kb.neverThrows?.(loop.language, callee) ?? false)) continue;
    // Handing the promise to a collector (`queue.add(promise)`, `pending.push(p)`) keeps it, as `futures.append` does.
    if (/^(add|push|append|enqueue|set|unshift)$/.test(method)) continue;
    // Commands queued on a pipeline / MULTI / batch / transaction run, and fail, at its `exec()`.
    const argNames = (expr.childForFieldName('arguments')?.namedChildren ?? []).map((a) => a.text);
    if ([callee.slice(0, Math.max(0, callee.lastIndexOf('.'))), ...argNames].some((t) => /^(pipeline|multi|batch|transaction|tx|trx|pipe)$|Pipeline$|Multi$|Batch$/i.test(t.replace(/^this\./, '')))) continue;
    if (expr.childForFieldName('arguments')?.namedChildren.some((a) => a.type === 'arrow_function' || a.type === 'function_expression')) continue;
    if (leavesLoopNext(node, loop)) continue;
    out.push({ statement: node, expression: expr, callee, variant: 'promise' });
  }
  return out;
}

/**
 * `this.close(); break;` (or `return;`): the statement right after the call leaves the loop, so the call runs once,
 * on the way out, as code after the loop would; nothing is started per item and there is no back-pressure to lose
 * (round 18: a Kafka consumer's fetch loop that closes itself when a newer member fences it off, where awaiting the
 * close would wait for this very loop to end). Statement loops only: in a timer's or a `forEach` callback a `return`
 * ends one round, not the loop. A `break` inside a `switch` leaves the switch, so the call still runs per item.
 */
function leavesLoopNext(statement: SyntaxNode, loop: LoopFacts): boolean {
  if (!['for', 'for-each', 'while', 'do', 'for-await'].includes(loop.kind)) return false;
  let next = statement.nextNamedSibling;
  while (next?.type === 'comment') next = next.nextNamedSibling;
  if (next?.type !== 'break_statement' && next?.type !== 'return_statement') return false;
  if (next.type === 'break_statement' && next.namedChildren.some((c) => c.type === 'statement_identifier')) return false;
  for (let up = statement.parent; up && up.id !== loop.node.id; up = up.parent) {
    if (next.type === 'break_statement' && (up.type === 'switch_statement' || up.type === 'switch_case' || up.type === 'switch_default')) return false;
    if (insideFunctionTypes.has(up.type)) return false;
  }
  return true;
}

const insideFunctionTypes = new Set(['function_declaration', 'function_expression', 'arrow_function', 'method_definition', 'generator_function_declaration', 'function']);

/**
 * A block or the module around `node` declares `name` itself (`const fetch = () => ...`, `function fetch() {}`,
 * `let fetch`): the call runs that binding, not a global of the same name.
 */
function declaredAround(name: string, node: SyntaxNode): boolean {
  for (let scope = node.parent; scope; scope = scope.parent) {
    if (scope.type !== 'statement_block' && scope.type !== 'program') continue;
    for (const statement of scope.namedChildren) {
      if ((statement.type === 'function_declaration' || statement.type === 'generator_function_declaration') && statement.childForFieldName('name')?.text === name) return true;
      if (statement.type !== 'lexical_declaration' && statement.type !== 'variable_declaration') continue;
      if (statement.namedChildren.some((d) => d.type === 'variable_declarator' && d.childForFieldName('name')?.text === name)) return true;
    }
  }
  return false;
}

const JS_CLASS_TYPES = new Set(['class_declaration', 'class', 'abstract_class_declaration']);

/**
 * `this` at `call` is whatever a callee chose: the nearest function around the call that binds its own `this` (a
 * `function`, not an arrow) is handed as an argument to another call, not bound (`.bind(this)`) and not given `this`
 * as a later argument (`forEach(fn, this)`). So `this.update(...)` there is not the class's `update`: jslab22's
 * `traverse(tree).forEach(function (node) { this.update(value); })` calls traverse's synchronous node update (the
 * class's own async `update()` was read instead).
 */
function callbackThis(call: SyntaxNode): boolean {
  let fn: SyntaxNode | null = call.parent;
  while (fn && fn.type !== 'function_expression' && fn.type !== 'function' && fn.type !== 'generator_function' && fn.type !== 'function_declaration' && fn.type !== 'method_definition') fn = fn.parent;
  if (!fn || fn.type === 'function_declaration' || fn.type === 'method_definition' || fn.parent?.type !== 'arguments') return false;
  const args = fn.parent.namedChildren;
  return !args.slice(args.findIndex((a) => a.id === fn!.id) + 1).some((a) => a.type === 'this');
}

/**
 * `this.addLayer(l)` inside a method of an object literal (`Layer.extend({ initialize: function () { ... } })`,
 * `const api = { run() { ... } }`): `this` is that object, or an instance of what a class system builds from it,
 * never an instance of an unrelated `class` of the file. So the call is not the `async addLayer()` another class
 * declares (jsprec20b: a map bundle where Leaflet's synchronous `Map.addLayer`, in `Evented.extend({...})`, was read
 * as the map adapter class's async `addLayer`). Decided by the literal's own member of that name when it has one
 * (async: reported; plain, returning no call: not), else the call is left out only when every async `method` of
 * the file is a method of a class body and the literal is not mixed into a prototype (`X.prototype = {...}`,
 * `Object.assign(X.prototype, {...})`), where `this` would be that class's instance.
 */
function literalThisElsewhere(method: string, call: SyntaxNode): boolean {
  let fn: SyntaxNode | null = call.parent;
  while (fn && !['function_expression', 'function', 'generator_function', 'function_declaration', 'generator_function_declaration', 'method_definition', 'class_body'].includes(fn.type)) fn = fn.parent;
  if (!fn || fn.type === 'class_body') return false;
  const literal = fn.type === 'method_definition' ? fn.parent : fn.parent?.type === 'pair' && fn.parent.childForFieldName('value')?.id === fn.id ? fn.parent.parent : null;
  if (literal?.type !== 'object') return false;
  const isAsync = (f: SyntaxNode | null | undefined) => !!f && f.children.some((c) => c.type === 'async');
  const memberName = (m: SyntaxNode) => (m.type === 'method_definition' ? m.childForFieldName('name') : m.type === 'pair' ? m.childForFieldName('key') : null)?.text.replace(/^['"]|['"]$/g, '');
  const own = literal.namedChildren.filter((m) => memberName(m) === method);
  if (own.length > 0) {
    return own.every((m) => {
      const f = m.type === 'method_definition' ? m : m.childForFieldName('value');
      if (!f || !['method_definition', 'function_expression', 'function', 'arrow_function'].includes(f.type) || isAsync(f) || f.children.some((c) => c.text === '*')) return false;
      const body = f.childForFieldName('body');
      if (body?.type !== 'statement_block') return false;
      return body.descendantsOfType('return_statement').every((r) => insideFunction(r, body) || r.descendantsOfType(['call_expression', 'new_expression', 'await_expression']).length === 0);
    });
  }
  // Mixed into a prototype: `this` is that constructor's instance, whose class may define the async method.
  const holder = literal.parent;
  if (holder?.type === 'assignment_expression' && /\.prototype$/.test(holder.childForFieldName('left')?.text ?? '')) return false;
  if (holder?.type === 'arguments' && holder.namedChildren.some((a) => /\.prototype$/.test(a.text) || a.type === 'this')) return false;
  let root: SyntaxNode = literal;
  while (root.parent) root = root.parent;
  const asyncDefinitions = root.descendantsOfType(['method_definition', 'pair', 'assignment_expression', 'variable_declarator', 'function_declaration']).filter((d) => {
    if (d.type === 'method_definition' || d.type === 'function_declaration') return d.childForFieldName('name')?.text === method && isAsync(d);
    const name = d.type === 'pair' ? d.childForFieldName('key')?.text.replace(/^['"]|['"]$/g, '') : d.type === 'variable_declarator' ? d.childForFieldName('name')?.text : d.childForFieldName('left')?.type === 'member_expression' ? d.childForFieldName('left')!.childForFieldName('property')?.text : undefined;
    return name === method && isAsync(d.childForFieldName(d.type === 'pair' ? 'value' : d.type === 'variable_declarator' ? 'value' : 'right'));
  });
  return asyncDefinitions.length > 0 && asyncDefinitions.every((d) => d.type === 'method_definition' && d.parent?.type === 'class_body');
}

/**
 * `this.stop()` in a class whose own body defines `stop()` without `async` (a method, or a field holding a plain
 * function): the call runs that method, whatever another class of the file (an esbuild bundle holds many, often as
 * `var LivenessMonitor = class { ... }`) declares `async stop(...)`. A method the class only inherits is not decided
 * here.
 */
function ownSyncMethod(method: string, call: SyntaxNode): boolean {
  let cls: SyntaxNode | null = call.parent;
  for (; cls && !JS_CLASS_TYPES.has(cls.type); cls = cls.parent) {
    // A `function` (not an arrow) binds its own `this`.
    if (cls.type === 'function_expression' || cls.type === 'function_declaration') return false;
  }
  const members = cls?.childForFieldName('body')?.namedChildren ?? [];
  const own = members.filter((m) => {
    if (m.type === 'method_definition') return m.childForFieldName('name')?.text === method && !['get', 'set'].includes(m.children[0]?.text ?? '');
    if (m.type === 'public_field_definition' || m.type === 'field_definition') {
      const value = m.childForFieldName('value');
      return (m.childForFieldName('name') ?? m.childForFieldName('property'))?.text === method && (value?.type === 'arrow_function' || value?.type === 'function_expression');
    }
    return false;
  });
  const definition = (m: SyntaxNode) => (m.type === 'method_definition' ? m : m.childForFieldName('value')!);
  // (One that hands back a call's result, `stop() { return this.client.close(); }`, may return a promise: not decided.)
  const returnsCall = (fn: SyntaxNode) => {
    const body = fn.childForFieldName('body');
    if (body?.type !== 'statement_block') return body !== null && body.descendantsOfType(['call_expression', 'new_expression']).length > 0;
    return body.descendantsOfType('return_statement').some((r) => !insideFunction(r, body) && r.descendantsOfType(['call_expression', 'new_expression']).length > 0);
  };
  return own.length > 0 && own.every((m) => !definition(m).children.some((c) => c.type === 'async' || c.text === '*') && !returnsCall(definition(m)));
}

/**
 * `xs.forEach(async (x) => { await ... })`: forEach ignores what its callback returns, so every promise is dropped
 * at once. Inside an async function the fix is `await Promise.all(xs.map(...))`, which keeps the same callback.
 */
function asyncForEach(loop: LoopFacts, ctx: RuleContext): Detection | null {
  if (loop.kind !== 'callback-iteration' || loop.node.type !== 'call_expression') return null;
  const fn = loop.node.childForFieldName('function');
  if (fn?.type !== 'member_expression' || fn.childForFieldName('property')?.text !== 'forEach') return null;
  const args = loop.node.childForFieldName('arguments');
  const callback = args?.namedChildren[0];
  if (!args || !callback || args.namedChildren.length !== 1) return null;
  if (callback.type !== 'arrow_function' && callback.type !== 'function_expression') return null;
  if (!callback.children.some((c) => c.type === 'async')) return null;
  if (cannotReject(callback, ctx)) return null;
  const receiver = fn.childForFieldName('object')!;
  const statement = loop.node.parent;
  const enclosingAsync = enclosingFunctionIsAsync(loop.node);
  const fix =
    statement?.type === 'expression_statement' && enclosingAsync
      ? replaceFix(
          rewriteLines(ctx.file.source, [
            { start: loop.node.startIndex, end: args.startIndex + 1, text: `await Promise.all(${receiver.text}.map(` },
            { start: args.endIndex - 1, end: args.endIndex, text: '))' },
          ]),
          { description: 'await Promise.all(...map(...))', safety: 'safe', language: fenceLanguage(loop.language) },
        )
      : blockFix(
          `await Promise.all(${receiver.text}.map(${callback.text}));\n`,
          { startLine: lineOf(loop.node), endLine: lineOf(loop.node) + loop.node.text.split('\n').length - 1 },
          { description: 'await Promise.all(...map(...)) in an async function', safety: 'unsafe', language: fenceLanguage(loop.language) },
        );
  return { loop, line: lineOf(fn.childForFieldName('property')!), variant: 'foreach', data: { call: `${displayCallee(calleeOf(loop.node))}` }, confidence: 'high', fix };
}

/**
 * An async callback whose promise cannot reject on awaited work: it awaits nothing (it runs to its end before
 * `forEach` moves on, like a plain callback), or every `await` sits in the body of a `try` with a `catch` in the
 * callback (a fan-out that handles each item's failure itself) or awaits a call that cannot reject (`settles`: a
 * retransmit whose send catches and logs its own failure) or a promise whose executor takes no `reject` (a pause
 * before a staggered resubscribe). A promise that only settles is not lost work.
 */
function cannotReject(callback: SyntaxNode, ctx: RuleContext): boolean {
  for (const node of ctx.model.descendants(callback, { skipFunctions: true })) {
    const awaits = node.type === 'await_expression' || (node.type === 'for_in_statement' && node.children.some((c) => c.type === 'await'));
    if (!awaits) continue;
    // `await this.transport.sendRtp(packet)`: the awaited call itself cannot reject (`settles`).
    if (node.type === 'await_expression' && settles(node.namedChildren[0], ctx)) continue;
    // `await new Promise((r) => setTimeout(r, 1000))`: a pause, or a wait for a callback, that has no `reject`.
    if (node.type === 'await_expression' && awaitsResolverOnly(node)) continue;
    let caught = false;
    for (let child = node, up = node.parent; up && up.id !== callback.id; child = up, up = up.parent) {
      if (up.type === 'try_statement' && up.childForFieldName('body')?.id === child.id && up.childForFieldName('handler')) {
        caught = true;
        break;
      }
    }
    if (!caught) return false;
  }
  return true;
}

function enclosingFunctionIsAsync(node: SyntaxNode): boolean {
  for (let current = node.parent; current; current = current.parent) {
    if (ASYNC_CANDIDATE_TYPES.has(current.type)) return current.children.some((c) => c.type === 'async');
  }
  return false;
}

export const detectFireAndForgetTask: Detector = (loop, ctx) => {
  if (loop.language === 'go' || loop.language === 'java') return detectBraceFireAndForget(loop, ctx);
  const family = familyOf(loop.language);
  const detections: Detection[] = [];
  if (family === 'python') {
    for (const finding of pythonFindings(loop, ctx)) {
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
  const forEach = asyncForEach(loop, ctx);
  if (forEach) detections.push(forEach);
  const findings = jsFindings(loop, ctx);
  // Read only for a patch: a search of the whole file for every loop cost more than the rest of the rule.
  const hasLogger = findings.length > 0 && /\blogger\b/.test(rootOf(loop.node).text) ? 'logger.error' : 'console.error';
  for (const finding of findings) {
    const expr = finding.expression;
    // `pool.validate(...).then`, not the chain's arguments (a callback's whole body) in the log line.
    const label = displayCallee(finding.callee).replace(/'/g, '');
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
