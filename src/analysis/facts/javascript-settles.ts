// Syntactic tests that a JavaScript/TypeScript function settles by itself: its work fails into a `catch` that does not
// throw again. Shared by fire-and-forget-task and unguarded-worker-loop (on the file's own functions) and by the effect
// table (`TableFunction.guarded`, for functions of other files and of a field's class).
import type { SyntaxNode } from '../facts.js';
import { isAsyncFunction } from './javascript-syntax.js';

const FUNCTION_SCOPES = new Set(['function_declaration', 'method_definition', 'arrow_function', 'function_expression']);

/**
 * The function's body ends in a `try` whose `catch` neither rethrows nor awaits anything unguarded (and whose
 * `finally`, if any, does not throw), after only synchronous setup (no `await`, no `throw`), or its body is such tries
 * between synchronous statements (`awaitsOnlyInTries`): its work cannot throw out of it (nor reject its promise), and
 * the failure goes where the handler sends it (a callback, an `error` event, a log).
 */
export function catchesEverything(fn: SyntaxNode): boolean {
  const body = fn.childForFieldName('body');
  if (body?.type !== 'statement_block') return false;
  const statements = body.namedChildren.filter((s) => s.type !== 'comment');
  const last = statements[statements.length - 1];
  if (last?.type !== 'try_statement') return awaitsOnlyInTries(statements);
  const handler = last.childForFieldName('handler');
  const finalizer = last.childForFieldName('finalizer');
  if (!handler) return false;
  if (!statements.slice(0, -1).some((s) => !returnsPlainValue(s) && unguarded(s, SETUP_FAILS))) {
    return !unguarded(handler, HANDLER_FAILS) && !(finalizer && unguarded(finalizer, FINALLY_FAILS));
  }
  // An earlier `try` whose handler returns (`catch (e) { await sleep(d); return setup(n + 1); }`) is no setup
  // failure: the body is tries between synchronous statements (jsprec20b: a LISTEN client's reconnect, whose connect
  // and LISTEN steps each sit in a try that backs off and tries again).
  return awaitsOnlyInTries(statements);
}

/**
 * A `try` whose `catch` reports and does not throw again (no `throw`, no unguarded `await` in the handler, no `throw`
 * in the `finally`): a call in its body fails into the handler (effect summaries: `TableCall.caught`).
 */
export function tryHandlesFailure(tryNode: SyntaxNode): boolean {
  const handler = tryNode.childForFieldName('handler');
  const finalizer = tryNode.childForFieldName('finalizer');
  return handler !== null && !unguarded(handler, HANDLER_FAILS) && !(finalizer && unguarded(finalizer, FINALLY_FAILS));
}

/**
 * The body's statements are tries that catch (their handlers and `finally` as above), invariant checks before the
 * first of them (`if (entry.kind !== 'packed') throw new Error(...)`: a bug in the caller, not a failure of the
 * work), and synchronous statements (no `await`, `throw` or value `return`) before, between and after them: every
 * awaited step fails into a handler that reports it.
 */
function awaitsOnlyInTries(statements: SyntaxNode[]): boolean {
  const first = statements.findIndex((s) => s.type === 'try_statement');
  if (first < 0) return false;
  return statements.every((s, i) => {
    if (s.type === 'try_statement') {
      const handler = s.childForFieldName('handler');
      const finalizer = s.childForFieldName('finalizer');
      return handler !== null && !unguarded(handler, HANDLER_FAILS) && !(finalizer && unguarded(finalizer, FINALLY_FAILS));
    }
    return (i < first && (isInvariantCheck(s) || returnsPlainValue(s))) || !unguarded(s, SETUP_FAILS);
  });
}

/** `if (this.cached) return this.cached;` (or `return undefined`): an early answer that calls and awaits nothing. */
function returnsPlainValue(statement: SyntaxNode): boolean {
  if (statement.type !== 'if_statement' || statement.childForFieldName('alternative')) return false;
  const consequence = statement.childForFieldName('consequence');
  const only = consequence?.type === 'statement_block' ? (consequence.namedChildCount === 1 ? consequence.namedChildren[0] : undefined) : consequence;
  if (only?.type !== 'return_statement') return false;
  return [statement.childForFieldName('condition'), only].every((n) => n !== null && n.descendantsOfType(['call_expression', 'await_expression', 'new_expression']).length === 0);
}

/** `if (cond) throw ...;` (or a block holding only the throw), with nothing awaited in the condition. */
function isInvariantCheck(statement: SyntaxNode): boolean {
  if (statement.type !== 'if_statement' || statement.childForFieldName('alternative')) return false;
  if (statement.childForFieldName('condition')?.descendantsOfType('await_expression').length) return false;
  const consequence = statement.childForFieldName('consequence');
  const only = consequence?.type === 'statement_block' ? (consequence.namedChildCount === 1 ? consequence.namedChildren[0] : undefined) : consequence;
  return only?.type === 'throw_statement';
}
export const SETUP_FAILS: readonly string[] = ['throw_statement', 'await_expression', 'return_statement'];
const HANDLER_FAILS: readonly string[] = ['throw_statement', 'await_expression'];
const FINALLY_FAILS: readonly string[] = ['throw_statement'];

/**
 * A node of `types` under `root` that is neither inside a nested function nor in the body of a try that catches. An
 * `await` of a promise built to fulfil (`await new Promise((resolve) => setTimeout(resolve, ms))`, `await new
 * Promise((done) => waiters.push(done))`: an executor that takes no `reject`) cannot throw, so it is no failure.
 */
export function unguarded(root: SyntaxNode, types: readonly string[]): boolean {
  return root.descendantsOfType(types).some((node) => {
    if (node.type === 'return_statement' && node.namedChildCount === 0) return false;
    for (let child = node, current = node.parent; current && child.id !== root.id; child = current, current = current.parent) {
      if (FUNCTION_SCOPES.has(current.type)) return false;
      if (current.type === 'try_statement' && current.childForFieldName('body')?.id === child.id && current.childForFieldName('handler')) return false;
    }
    // (After the walk up: awaitsResolvingHelper reads every binding of the file, so it runs only for an await that
    // nothing else guards.)
    return !(node.type === 'await_expression' && (awaitsResolverOnly(node) || awaitsResolvingHelper(node)));
  });
}


/**
 * `await sleep(ms)` where every binding of `sleep` in the file is a function that only returns a resolve-only
 * promise (`const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))`, `resolvesOnly`): the awaited
 * promise cannot reject, like the `new Promise` written in place.
 */
function awaitsResolvingHelper(awaited: SyntaxNode): boolean {
  const name = awaitedHelperName(awaited);
  // (A helper that awaits itself, directly or through another, is not decided: the walk would not end.)
  if (name === undefined || helpersInProgress.has(name)) return false;
  helpersInProgress.add(name);
  try {
    return resolvingHelper(awaited, name);
  } finally {
    helpersInProgress.delete(name);
  }
}

const helpersInProgress = new Set<string>();

function awaitedHelperName(awaited: SyntaxNode): string | undefined {
  let call = awaited.namedChildren[0];
  while (call?.type === 'parenthesized_expression') call = call.namedChildren[0];
  if (call?.type !== 'call_expression') return undefined;
  const callee = call.childForFieldName('function');
  return callee?.type === 'identifier' ? callee.text : undefined;
}

function resolvingHelper(awaited: SyntaxNode, name: string): boolean {
  let call = awaited.namedChildren[0];
  while (call?.type === 'parenthesized_expression') call = call.namedChildren[0];
  if (call?.type !== 'call_expression') return false;
  const callee = call.childForFieldName('function');
  if (callee?.type !== 'identifier' || callee.text !== name) return false;
  let program: SyntaxNode = awaited;
  while (program.parent) program = program.parent;
  let bound = 0;
  for (const node of program.descendantsOfType(['function_declaration', 'variable_declarator', 'assignment_expression', 'formal_parameters', 'import_specifier'])) {
    if (node.type === 'formal_parameters' || node.type === 'import_specifier') {
      if (node.descendantsOfType('identifier').some((id) => id.text === name)) return false;
      continue;
    }
    const target = node.childForFieldName(node.type === 'assignment_expression' ? 'left' : 'name');
    if (target?.type !== 'identifier' || target.text !== name) continue;
    const fn = node.type === 'function_declaration' ? node : node.childForFieldName(node.type === 'assignment_expression' ? 'right' : 'value');
    if (!fn || !['function_declaration', 'arrow_function', 'function_expression', 'function'].includes(fn.type) || !resolvesOnly(fn)) return false;
    bound++;
  }
  return bound > 0;
}

/** `await new Promise((resolve) => ...)` (parentheses allowed): the awaited promise takes no `reject`. */
export function awaitsResolverOnly(awaited: SyntaxNode): boolean {
  return resolverOnlyPromise(awaited.namedChildren[0]);
}

/**
 * `new Promise((resolve) => ...)` (parentheses allowed): an executor written in place with one parameter, so it takes
 * no `reject` and the promise fulfils with whatever the code hands `resolve`. The constructor may be Bluebird's under
 * the name the file binds it to (`var BbPromise = require('bluebird')`, `import Bluebird from 'bluebird'`): its
 * executor settles the same way.
 */
export function resolverOnlyPromise(node: SyntaxNode | null | undefined): boolean {
  let created = node;
  while (created?.type === 'parenthesized_expression') created = created.namedChildren[0];
  if (created?.type !== 'new_expression') return false;
  const constructor = created.childForFieldName('constructor');
  if (constructor?.type !== 'identifier') return false;
  const args = created.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
  const executor = args[0];
  if (args.length !== 1 || !executor || (executor.type !== 'arrow_function' && executor.type !== 'function_expression')) return false;
  if (constructor.text !== 'Promise' && !bindsBluebird(created, constructor.text)) return false;
  // `new Promise(async (resolve) => ...)`: an async executor's throw is lost, not a rejection, but the code is a bug
  // of another kind; left to the general case.
  if (isAsyncFunction(executor)) return false;
  const body = executor.childForFieldName('body');
  // A `throw` the executor runs itself (not in a callback, not in a try that catches) rejects the promise.
  if (body?.type === 'statement_block' && unguarded(body, ['throw_statement'])) return false;
  if (executor.childForFieldName('parameter')) return true;
  const params = executor.childForFieldName('parameters')?.namedChildren.filter((p) => p.type !== 'comment') ?? [];
  if (params.length === 1) return true;
  // `new Promise((resolve, reject) => { ...; rega.script(s).then((r) => resolve(r)); })`: the executor names a
  // `reject` it never uses (no call, no hand-off such as `.on('error', reject)` or `.then(resolve, reject)`).
  if (params.length !== 2) return false;
  const reject = rejectParameter(executor);
  if (reject === undefined || !body) return false;
  return !body.descendantsOfType('identifier').some((id) => id.text === reject) && !/\barguments\b/.test(body.text);
}

/** The name of a promise executor's second parameter (`reject` of `(resolve, reject) => ...`, TypeScript's `reject: F` too). */
export function rejectParameter(executor: SyntaxNode): string | undefined {
  const second = executor.childForFieldName('parameters')?.namedChildren.filter((p) => p.type !== 'comment')[1];
  const id = second?.type === 'identifier' ? second : second?.type === 'required_parameter' || second?.type === 'optional_parameter' ? second.childForFieldName('pattern') : null;
  return id?.type === 'identifier' ? id.text : undefined;
}

/**
 * The function ends in `return new Promise((resolve) => ...)` (an executor that takes no `reject`, or never uses
 * it: `resolverOnlyPromise`), after synchronous setup (no `await`, `throw` or other `return`): the promise fulfils
 * with whatever the code hands `resolve`, failures included (`resolve([])` when the command fails, `resolve('timed
 * out')`). Built never to reject. An async function that returns that promise awaited (`return await new
 * Promise(function (resolve) { ... })`, round 17's ioBroker admin download helper) fulfils the same way: the awaited
 * promise cannot reject, so neither can the function's. Shared by fire-and-forget-task (the file's own functions)
 * and the effect table (`TableFunction.fulfils`, for functions of other files and of a field's class).
 */
export function resolvesOnly(fn: SyntaxNode): boolean {
  const body = fn.childForFieldName('body');
  // `const check = () => new Promise((resolve) => { ... })`: an arrow whose expression body is that promise.
  if (body?.type !== 'statement_block') return fn.type === 'arrow_function' && returnsResolverOnly(body, fn);
  const statements = body.namedChildren.filter((s) => s.type !== 'comment');
  const last = statements[statements.length - 1];
  if (last?.type !== 'return_statement') return false;
  // The returned value first: the setup's check reads the file's bindings for each helper it awaits.
  const setup = statements.slice(0, -1);
  if (!returnsResolverOnly(last.namedChildren[0], fn) && !returnsCachedResolverOnly(last.namedChildren[0], setup, fn)) return false;
  return !setup.some((s) => unguarded(s, SETUP_FAILS));
}

/**
 * `pending ??= new Promise((resolve) => log.shutdown(resolve)); return pending;` (also `=`, `||=`, or inside an
 * `if (!pending)`): the function hands back a promise it keeps in a binding of the file, and every value the file
 * ever puts in that binding is a resolve-only promise (or nothing: `let pending;`, `= null`). So what it returns
 * fulfils, as `return new Promise((resolve) => ...)` does (jsprec20b: a bot platform's `shutdownLogger`, awaited by an
 * async signal handler that then exits).
 */
/** Nodes that store into a name (returnsCachedResolverOnly). */
const STORE_TYPES = ['assignment_expression', 'augmented_assignment_expression', 'variable_declarator', 'update_expression'];

function returnsCachedResolverOnly(value: SyntaxNode | null | undefined, setup: readonly SyntaxNode[], fn: SyntaxNode): boolean {
  if (value?.type !== 'identifier') return false;
  const name = value.text;
  const params = fn.childForFieldName('parameter') ? [fn.childForFieldName('parameter')!] : (fn.childForFieldName('parameters')?.namedChildren ?? []);
  if (params.some((p) => p.descendantsOfType('identifier').some((id) => id.text === name) || p.text === name)) return false;
  // The function's own statements must store such a promise in the name before the whole file is read: most
  // functions end in `return result;`, and reading every assignment of the file for each of them was quadratic (6 % of
  // the analysis thread on bench's JavaScript tree).
  const storesPromise = (node: SyntaxNode): boolean =>
    node.type !== 'update_expression' &&
    node.childForFieldName(node.type === 'variable_declarator' ? 'name' : 'left')?.text === name &&
    resolverOnlyPromise(node.childForFieldName(node.type === 'variable_declarator' ? 'value' : 'right'));
  if (!setup.some((s) => s.descendantsOfType(STORE_TYPES).some(storesPromise))) return false;
  let program: SyntaxNode = fn;
  while (program.parent) program = program.parent;
  let cachedHere = false;
  for (const node of program.descendantsOfType(STORE_TYPES)) {
    if (node.type === 'update_expression') {
      if (node.namedChildren.some((c) => c.type === 'identifier' && c.text === name)) return false;
      continue;
    }
    const target = node.childForFieldName(node.type === 'variable_declarator' ? 'name' : 'left');
    if (target?.type !== 'identifier' || target.text !== name) continue;
    const assigned = node.childForFieldName(node.type === 'variable_declarator' ? 'value' : 'right');
    if (node.type === 'variable_declarator' && (!assigned || assigned.type === 'null' || assigned.type === 'undefined')) continue;
    if (node.type === 'assignment_expression' && (assigned?.type === 'null' || assigned?.type === 'undefined')) continue;
    if (node.type === 'augmented_assignment_expression' && !['??=', '||='].includes(node.childForFieldName('operator')?.text ?? node.children[1]?.text ?? '')) return false;
    if (!resolverOnlyPromise(assigned)) return false;
    if (setup.some((s) => s.startIndex <= node.startIndex && node.endIndex <= s.endIndex)) cachedHere = true;
  }
  return cachedHere;
}

/** The returned value is a resolve-only promise, in parentheses or (in an async function) awaited. */
function returnsResolverOnly(value: SyntaxNode | null | undefined, fn: SyntaxNode): boolean {
  let returned = value;
  while (returned?.type === 'parenthesized_expression') returned = returned.namedChildren[0];
  // resolverOnlyPromise strips the parentheses inside the `await` itself.
  const promise = returned?.type === 'await_expression' && isAsyncFunction(fn) ? returned.namedChildren[0] : returned;
  return resolverOnlyPromise(promise) || settlingJoin(promise);
}

/**
 * `Promise.allSettled(ps)`, or the hand-written form of it, `Promise.all(ps.map((p) => Promise.resolve(p).then((v) =>
 * ({ state: 'fulfilled', value: v }), (r) => ({ state: 'rejected', reason: r }))))`: a join whose every input is
 * turned into a fulfilled one (each mapped to a chain that ends in a two-handler `.then` or in a `.catch`, whose
 * rejection handler neither throws nor returns `Promise.reject`; the fulfilment handler of a two-handler `.then` builds
 * a value and calls nothing). It cannot reject (round 20, jsheld49: a chat SDK's `allPromisesSettled` helper in
 * utils.ts, the first link of a `.then` chain in another file).
 */
export function settlingJoin(node: SyntaxNode | null | undefined): boolean {
  let join = node;
  while (join?.type === 'parenthesized_expression') join = join.namedChildren[0];
  if (join?.type !== 'call_expression') return false;
  // (The property first: the callee's text may be a whole function, `return (function () { ... })()`.)
  const fn = join.childForFieldName('function');
  const property = fn?.type === 'member_expression' ? fn.childForFieldName('property')?.text : undefined;
  if (property !== 'all' && property !== 'allSettled') return false;
  const callee = fn!.text.replace(/\s+/g, '');
  const args = join.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
  if (callee === 'Promise.allSettled') return args.length === 1;
  if (callee !== 'Promise.all' || args.length !== 1 || args[0]!.type !== 'call_expression') return false;
  const map = args[0]!;
  const mapFn = map.childForFieldName('function');
  if (mapFn?.type !== 'member_expression' || mapFn.childForFieldName('property')?.text !== 'map') return false;
  const mapper = map.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
  if (mapper.length !== 1 || (mapper[0]!.type !== 'arrow_function' && mapper[0]!.type !== 'function_expression') || isAsyncFunction(mapper[0]!)) return false;
  const body = mapper[0]!.childForFieldName('body');
  let value: SyntaxNode | null | undefined = body;
  if (body?.type === 'statement_block') {
    const statements = body.namedChildren.filter((s) => s.type !== 'comment');
    value = statements.length === 1 && statements[0]!.type === 'return_statement' ? statements[0]!.namedChildren[0] : undefined;
  }
  while (value?.type === 'parenthesized_expression') value = value.namedChildren[0];
  return value?.type === 'call_expression' && settlingLink(value);
}

/** `x.then(onValue, onFailure)` or `x.catch(onFailure)` whose handlers cannot reject the chain they end. */
function settlingLink(call: SyntaxNode): boolean {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'member_expression') return false;
  const method = fn.childForFieldName('property')?.text;
  const handlers = call.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
  if (!handlers.every((h) => h.type === 'arrow_function' || h.type === 'function_expression')) return false;
  if (method === 'catch') return handlers.length === 1 && !rejectsOut(handlers[0]!);
  if (method !== 'then' || handlers.length !== 2) return false;
  const onValue = handlers[0]!;
  return !rejectsOut(onValue) && !callsAnything(onValue) && !rejectsOut(handlers[1]!);
}

/** The handler throws, awaits, or returns `Promise.reject(...)` itself (nested functions not counted). */
function rejectsOut(handler: SyntaxNode): boolean {
  if (isAsyncFunction(handler)) return true;
  const body = handler.childForFieldName('body');
  if (!body) return true;
  const walk = (n: SyntaxNode): boolean => {
    if (n.type === 'throw_statement' || n.type === 'await_expression') return true;
    if (n.type === 'call_expression' && n.childForFieldName('function')?.text.replace(/\s+/g, '') === 'Promise.reject') return true;
    return n.namedChildren.some((c) => !FUNCTION_SCOPES.has(c.type) && walk(c));
  };
  return walk(body);
}

/** The handler calls or constructs something (which might throw) outside nested functions. */
function callsAnything(handler: SyntaxNode): boolean {
  const body = handler.childForFieldName('body');
  if (!body) return true;
  const walk = (n: SyntaxNode): boolean => (n.type === 'call_expression' || n.type === 'new_expression' ? true : n.namedChildren.some((c) => !FUNCTION_SCOPES.has(c.type) && walk(c)));
  return walk(body);
}

const BLUEBIRD_REQUIRE = /^require\(\s*['"]bluebird['"]\s*\)$/;

/**
 * The file binds `name` to Bluebird's promise constructor, and only to it: every declarator of the name is
 * `require('bluebird')`, or an import takes the module's default (or namespace) as `name`.
 */
function bindsBluebird(node: SyntaxNode, name: string): boolean {
  let program: SyntaxNode = node;
  while (program.parent) program = program.parent;
  let bound = false;
  for (const d of program.descendantsOfType('variable_declarator')) {
    if (d.childForFieldName('name')?.text !== name) continue;
    if (!BLUEBIRD_REQUIRE.test(d.childForFieldName('value')?.text ?? '')) return false;
    bound = true;
  }
  for (const i of program.descendantsOfType('import_statement')) {
    if (!/^['"]bluebird['"]$/.test(i.childForFieldName('source')?.text ?? '')) continue;
    const clause = i.namedChildren.find((c) => c.type === 'import_clause');
    if (clause?.namedChildren.some((c) => (c.type === 'identifier' && c.text === name) || (c.type === 'namespace_import' && c.namedChildren.some((n) => n.text === name)))) bound = true;
  }
  return bound;
}
