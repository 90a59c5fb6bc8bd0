// JavaScript/TypeScript `setInterval` callbacks that hand a promise which can reject back to the timer: `await x()`
// (or `return x()`, or an arrow whose body is the call) in the callback with no try/catch and no `.catch`. The timer
// drops what its callback returns, so every rejection is an unhandled rejection, which ends Node.js (>= 15) by
// default. unguarded-worker-loop[interval] already reports such a call when the call itself is recognised I/O; this
// file decides the calls it does not recognise: the code's own async functions and methods, and the methods of
// another package's client held in a field or a parameter.
import type { RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { calleeOf, contains, familyOf, rootOf, type TreeCall, treeCalls } from '../lib/index.js';
import { isCallHandled } from './guard.js';
import { neverRejects } from './fire-and-forget-task.js';
import { unguarded } from '../../facts/javascript-settles.js';

const FUNCTION_TYPES = new Set(['function_declaration', 'method_definition', 'arrow_function', 'function_expression', 'function', 'generator_function_declaration']);
const CLASS_TYPES = new Set(['class_declaration', 'class', 'abstract_class_declaration']);
const IO_KINDS = new Set(['http', 'db-read', 'db-write', 'db-commit', 'db-batch', 'queue-pop', 'queue-ack', 'queue-publish', 'connect', 'file-open', 'subprocess']);
/** Built-in objects whose awaited methods are no client of another package. */
const BUILTINS = /^(?:Map|Set|WeakMap|WeakSet|Array|Object|Promise|Date|URL|URLSearchParams|AbortController|EventEmitter|Error|RegExp|Buffer|TextEncoder|TextDecoder)$/;
/** Waits that only resolve: a mutex's or a work queue's (`await this.lock.acquire()`, p-queue's `onIdle()`). */
const WAIT_ONLY = /^(?:acquire|onIdle|onEmpty|onSizeLessThan|then|catch|finally)$/;

/**
 * The first call of an interval's callback (JS/TS, not a front-end module) whose promise the callback awaits or
 * returns, that nothing inside the callback handles (`unhandled`: no try around it, no `.catch`, none of the rule's
 * exemptions), and that can reject (`callMayReject`).
 */
export function rejectingIntervalCall(loop: LoopFacts, ctx: RuleContext, unhandled: (call: TreeCall) => boolean): TreeCall | undefined {
  if (loop.kind !== 'interval' || familyOf(loop.language) !== 'js' || frontEndModule(loop, ctx)) return undefined;
  // `setInterval(async () => { await profile(); })` is read through to `profile`'s body: the call the callback makes
  // is judged first (a throw in `profile` itself is no call of that body).
  const callback = loop.node.type === 'call_expression' ? loop.node.childForFieldName('arguments')?.namedChildren[0] : undefined;
  const callbackBody = callback && FUNCTION_TYPES.has(callback.type) ? callback.childForFieldName('body') : null;
  const bodies = callbackBody && callbackBody.id !== loop.body.id && !contains(callbackBody, loop.body) ? [callbackBody, loop.body] : [loop.body];
  for (const body of bodies) {
    const calls = treeCalls(body, ctx.model, { skipFunctions: true });
    const found = calls.find((call) => handsOnPromise(call.node, body) && unhandled(call) && callMayReject(call.node, ctx, 2, new Set()));
    if (found) return found;
  }
  return undefined;
}

/**
 * Browser code: a `.tsx`/`.jsx` file, a module that imports a UI framework, or one that uses the page's globals. A
 * rejection there is reported to the console and the timer keeps firing; "crashes the process" would be false.
 */
function frontEndModule(loop: LoopFacts, ctx: RuleContext): boolean {
  if (ctx.file.language === 'tsx' || /\.(?:jsx|tsx|vue|svelte)$/.test(ctx.file.path)) return true;
  const text = rootOf(loop.node).text;
  return /\bfrom\s*['"](?:react|react-dom|react-native|vue|svelte|preact|solid-js|@angular\/core)['"]|\brequire\(\s*['"](?:react|vue)['"]\s*\)|(?<![\w$.])(?:window|document|localStorage|sessionStorage|navigator)\s*\./.test(text);
}

/** The call's promise goes to the callback's caller: awaited, returned, or the arrow's expression body. */
function handsOnPromise(node: SyntaxNode, body: SyntaxNode): boolean {
  // `await this.send<T>(x)` parses as a call of `await this.send` (TypeScript type arguments).
  if (node.childForFieldName('function')?.type === 'await_expression') return true;
  let up: SyntaxNode = node;
  while (up.parent?.type === 'parenthesized_expression' || up.parent?.type === 'as_expression' || up.parent?.type === 'non_null_expression') up = up.parent;
  if (up.id === body.id) return true;
  const parent = up.parent;
  if (!parent) return false;
  if (parent.type === 'await_expression' || parent.type === 'return_statement') return true;
  return parent.type === 'arrow_function' && parent.childForFieldName('body')?.id === up.id;
}

/**
 * The promise of `call` can reject:
 * - the file's own function or method (`refill(t)`, `this.checkNewCandles(id)`), when one of its definitions is
 *   async and throws outside a handled try, or awaits (or returns) a call that is I/O the engine recognises or that
 *   can reject in turn (two levels); a function `neverRejects` or the effect table's `neverThrows` proves settled
 *   does not count;
 * - a method of another package's client (`this.authenticator.refresh()`, `driver.close()`), awaited or returned by
 *   an async function (a plain function's `return x.m()` may be synchronous): the receiver is a field
 *   or a name every binding of which is a parameter (not typed with a class of the file), a `new` of a class the file
 *   does not define (not a built-in), a call of an imported factory, or an option handed in (`opts.client`).
 */
function callMayReject(node: SyntaxNode, ctx: RuleContext, depth: number, seen: Set<string>): boolean {
  if (node.type !== 'call_expression') return false;
  const callee = calleeOf(node);
  const own = /^(?:this\.)?(#?[A-Za-z_$][\w$]*)$/.exec(callee)?.[1];
  if (own !== undefined) {
    const definitions = ctx.model.functions.filter((fn) => fn.name === own);
    if (definitions.length === 0 || seen.has(own) || neverRejects(own, ctx) || ctx.kb.neverThrows?.(ctx.file.language, callee)) return false;
    const inner = new Set([...seen, own]);
    return definitions.some((fn) => functionMayReject(fn.node, fn.isAsync, ctx, depth, inner));
  }
  const member = /^(this\.[A-Za-z_$][\w$]*|[A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)$/.exec(callee);
  if (!member || WAIT_ONLY.test(member[2]!) || ctx.kb.neverThrows?.(ctx.file.language, callee)) return false;
  // Only an `await` (or a return from an async function) shows that the method hands back a promise: a plain
  // callback's `return data.onProgress(p)` or `return this.ws.ping()` is a synchronous call (held-out checks: a
  // progress callback, a WebSocket ping, a limiter's own catching drain).
  if (!awaited(node) && !isAsync(enclosingFn(node))) return false;
  return foreignReceiver(member[1]!, member[2]!, node, ctx);
}

function functionMayReject(fn: SyntaxNode, isAsync: boolean, ctx: RuleContext, depth: number, seen: Set<string>): boolean {
  const body = fn.childForFieldName('body');
  if (!body) return false;
  if (isAsync && body.type === 'statement_block' && unguarded(body, ['throw_statement'])) return true;
  const calls = treeCalls(body, ctx.model, { skipFunctions: true }).filter((c) => handsOnPromise(c.node, body) && !isCallHandled(c.node, body) && !inHandledTry(c.node, body));
  // (A plain function only hands a promise on: what it returns.)
  const handed = isAsync ? calls : calls.filter((c) => !awaited(c.node));
  return handed.some((c) => (c.confidence !== 'low' && c.kinds.some((k) => IO_KINDS.has(k))) || (depth > 0 && callMayReject(c.node, ctx, depth - 1, seen)));
}

function isAsync(fn: SyntaxNode | undefined): boolean {
  return fn !== undefined && fn.children.some((c) => c.type === 'async');
}

function awaited(node: SyntaxNode): boolean {
  let up: SyntaxNode = node;
  while (up.parent?.type === 'parenthesized_expression') up = up.parent;
  return up.parent?.type === 'await_expression' || node.childForFieldName('function')?.type === 'await_expression';
}

/** Inside the body of a `try` that has a `catch` (below `root`). */
function inHandledTry(node: SyntaxNode, root: SyntaxNode): boolean {
  for (let child = node, up = node.parent; up && child.id !== root.id; child = up, up = up.parent) {
    if (up.type === 'try_statement' && up.childForFieldName('body')?.id === child.id && up.childForFieldName('handler')) return true;
  }
  return false;
}

/** The file's classes and every name of a method some class of the file defines. */
function fileClasses(root: SyntaxNode): { names: Set<string>; methods: Set<string> } {
  const names = new Set<string>();
  const methods = new Set<string>();
  for (const cls of root.descendantsOfType([...CLASS_TYPES])) {
    const name = cls.childForFieldName('name')?.text;
    if (name) names.add(name);
    for (const m of cls.descendantsOfType('method_definition')) methods.add(m.childForFieldName('name')?.text ?? '');
  }
  return { names, methods };
}

function foreignReceiver(receiver: string, method: string, call: SyntaxNode, ctx: RuleContext): boolean {
  const root = rootOf(call);
  const file = fileClasses(root);
  // An untyped parameter may be an object of the file's own class that defines the method: not decided.
  const typeForeign = (type: SyntaxNode | null | undefined, untypedOk: boolean): boolean => {
    if (!type) return untypedOk && !file.methods.has(method);
    const name = type.descendantsOfType('type_identifier')[0]?.text ?? type.text.replace(/^:\s*/, '');
    return !file.names.has(name) && !BUILTINS.test(name);
  };
  const valueForeign = (value: SyntaxNode | null, scope: SyntaxNode | undefined): boolean | undefined => {
    if (!value || value.type === 'null' || value.type === 'undefined') return undefined;
    let v = value;
    if (v.type === 'await_expression') v = v.namedChildren[0] ?? v;
    if (v.type === 'new_expression') {
      const ctor = v.childForFieldName('constructor')?.text ?? '';
      const last = ctor.slice(ctor.lastIndexOf('.') + 1);
      return !file.names.has(last) && !BUILTINS.test(last);
    }
    if (v.type === 'identifier' || v.type === 'member_expression') {
      const base = v.type === 'identifier' ? v.text : /^[A-Za-z_$][\w$]*/.exec(v.text)?.[0];
      if (base === undefined || base === 'this') return false;
      const param = scope ? parameterNamed(scope, base) : undefined;
      if (param) return typeForeign(param.childForFieldName('type'), true);
      return false;
    }
    if (v.type === 'call_expression') {
      const fnName = /^[A-Za-z_$][\w$]*/.exec(calleeOf(v))?.[0];
      return fnName !== undefined && fnName !== 'this' && importedName(root, fnName);
    }
    return false;
  };
  if (receiver.startsWith('this.')) {
    const field = receiver.slice(5);
    const cls = enclosingJsClass(call);
    if (!cls) return false;
    const verdicts: boolean[] = [];
    for (const a of cls.descendantsOfType('assignment_expression')) {
      if (a.childForFieldName('left')?.text !== receiver) continue;
      const verdict = valueForeign(a.childForFieldName('right'), enclosingFn(a));
      if (verdict !== undefined) verdicts.push(verdict);
    }
    for (const d of cls.descendantsOfType(['public_field_definition', 'field_definition'])) {
      if ((d.childForFieldName('name') ?? d.childForFieldName('property'))?.text !== field) continue;
      const value = d.childForFieldName('value');
      if (value) {
        const verdict = valueForeign(value, undefined);
        if (verdict !== undefined) verdicts.push(verdict);
      } else if (d.childForFieldName('type')) verdicts.push(typeForeign(d.childForFieldName('type'), false));
    }
    // `constructor(private readonly client: RestClient)`: a TypeScript parameter property.
    for (const p of cls.descendantsOfType('required_parameter')) {
      if (p.childForFieldName('pattern')?.text !== field || !p.namedChildren.some((c) => c.type === 'accessibility_modifier' || c.type === 'readonly')) continue;
      verdicts.push(typeForeign(p.childForFieldName('type'), true));
    }
    return verdicts.length > 0 && verdicts.every(Boolean);
  }
  // A name: the nearest parameter or declaration that the call can see.
  for (let scope = enclosingFn(call); scope; scope = enclosingFn(scope)) {
    const param = parameterNamed(scope, receiver);
    if (param) return typeForeign(param.childForFieldName('type'), true);
    const declared = declaratorIn(scope, receiver);
    if (declared) return valueForeign(declared.childForFieldName('value'), scope) === true;
  }
  const declared = declaratorIn(root, receiver);
  return declared !== undefined && valueForeign(declared.childForFieldName('value'), undefined) === true;
}

function enclosingFn(node: SyntaxNode): SyntaxNode | undefined {
  for (let up = node.parent; up; up = up.parent) if (FUNCTION_TYPES.has(up.type)) return up;
  return undefined;
}

function enclosingJsClass(node: SyntaxNode): SyntaxNode | undefined {
  for (let up = node.parent; up; up = up.parent) if (CLASS_TYPES.has(up.type)) return up;
  return undefined;
}

/** The parameter of `fn` called `name` (plain, defaulted or typed), if any. */
function parameterNamed(fn: SyntaxNode, name: string): SyntaxNode | undefined {
  const params = fn.childForFieldName('parameters')?.namedChildren ?? (fn.childForFieldName('parameter') ? [fn.childForFieldName('parameter')!] : []);
  return params.find((p) => (p.type === 'identifier' ? p.text : (p.childForFieldName('pattern') ?? p.childForFieldName('left') ?? p.namedChildren[0])?.text) === name);
}

/** A `const/let/var name = ...` declared directly in `scope` (not in a nested function). */
function declaratorIn(scope: SyntaxNode, name: string): SyntaxNode | undefined {
  return scope.descendantsOfType('variable_declarator').find((d) => d.childForFieldName('name')?.text === name && (scope.type === 'program' ? enclosingFn(d) === undefined : enclosingFn(d)?.id === scope.id));
}

/** `name` comes from `require(...)` or an `import` of another module. */
function importedName(root: SyntaxNode, name: string): boolean {
  for (const imp of root.descendantsOfType('import_statement')) {
    if (imp.descendantsOfType('identifier').some((id) => id.text === name)) return true;
  }
  return root.descendantsOfType('variable_declarator').some((d) => {
    const value = d.childForFieldName('value');
    const declared = d.childForFieldName('name');
    if (!value || !declared || !/^require\(|^await\s+import\(/.test(value.text)) return false;
    return declared.text === name || declared.descendantsOfType(['identifier', 'shorthand_property_identifier_pattern']).some((id) => id.text === name);
  });
}
