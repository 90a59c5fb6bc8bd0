// JavaScript/TypeScript: a timer (setInterval, or a setTimeout chain that re-schedules itself) started by a component
// whose framework tears it down, when the teardown does not stop the timer. Node-RED calls a node's `close` handler on
// every redeploy and builds a new node; ioBroker calls an adapter's `unload`; a class's own `stop()`/`close()`/...
// is its owner's teardown. A timer the teardown neither clears nor reaches through a flag or the object it reconnects
// keeps running after it: each redeploy adds one more. Conservative on purpose: a teardown that reaches any clear of
// the timer's handle (or any clear at all when the handle is not a plain name), an `.unref()`ed timer, a call the
// file cannot resolve whose name reads as a cleanup, or a chain that re-schedules only under a condition is skipped.
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import type { RuleContext } from '../../rule-types.js';
import { calleeOf, enclosingFunction, rootOf } from '../lib/index.js';
import { JS_TEARDOWN } from './owner-stop.js';

export interface TimerTeardown {
  owner: string;
  stop: string;
  call: string;
}

const FUNCTION_TYPES = new Set(['function_declaration', 'function_expression', 'arrow_function', 'method_definition', 'generator_function_declaration', 'function']);
const CLEANUP_NAME = /clear|stop|clean|teardown|dispose|destroy|reset|cancel|unsubscribe|unload|shutdown|close|kill|halt/i;

function lastName(text: string): string {
  const m = /([A-Za-z_$][\w$]*)\s*$/.exec(text.replace(/\[[^\]]*\]$/, ''));
  return m ? m[1] : text;
}

function isTimerCall(call: SyntaxNode, name: 'setInterval' | 'setTimeout'): boolean {
  return new RegExp(`(?:^|\\.)${name}$`).test(calleeOf(call));
}

function bodyOf(fn: SyntaxNode): SyntaxNode {
  return fn.childForFieldName('body') ?? fn;
}

/** Where the handle of a timer call is stored: `t = setInterval(...)`, `this.timer = setTimeout(...)`. */
function handleOf(call: SyntaxNode): string | undefined {
  const parent = call.parent;
  if (parent?.type === 'variable_declarator') return parent.childForFieldName('name')?.text;
  if (parent?.type === 'assignment_expression') return parent.childForFieldName('left')?.text;
  return undefined;
}

/** Functions of the file by name: declarations, methods, `const f = () => ...`, `x.f = function ...`, `f: function`. */
function fileFunctions(root: SyntaxNode): Map<string, SyntaxNode[]> {
  const out = new Map<string, SyntaxNode[]>();
  const add = (name: string | undefined, fn: SyntaxNode | null | undefined) => {
    if (!name || !fn || !FUNCTION_TYPES.has(fn.type)) return;
    name = name.replace(/^#/, '');
    const list = out.get(name) ?? [];
    list.push(fn);
    out.set(name, list);
  };
  for (const fn of root.descendantsOfType(['function_declaration', 'method_definition', 'generator_function_declaration'])) add(fn.childForFieldName('name')?.text, fn);
  for (const d of root.descendantsOfType('variable_declarator')) add(d.childForFieldName('name')?.text, d.childForFieldName('value'));
  for (const a of root.descendantsOfType('assignment_expression')) add(lastName(a.childForFieldName('left')?.text ?? ''), a.childForFieldName('right'));
  for (const p of root.descendantsOfType('pair')) add(p.childForFieldName('key')?.text.replace(/['"]/g, ''), p.childForFieldName('value'));
  for (const p of root.descendantsOfType(['public_field_definition', 'field_definition'])) add(p.childForFieldName('name')?.text ?? p.childForFieldName('property')?.text, p.childForFieldName('value'));
  return out;
}

/** The teardown and the functions of the file it calls (transitively); `unresolved` when it calls a cleanup-named function the file does not define. */
function reach(teardown: SyntaxNode, fns: Map<string, SyntaxNode[]>, closes: (callee: string) => boolean): { bodies: SyntaxNode[]; unresolved: boolean } {
  const seen = new Set<number>([teardown.id]);
  const bodies: SyntaxNode[] = [teardown];
  let unresolved = false;
  for (let i = 0; i < bodies.length && bodies.length < 40; i++) {
    for (const call of bodies[i].descendantsOfType('call_expression')) {
      const callee = calleeOf(call);
      const name = lastName(callee);
      const targets = fns.get(name);
      if (!targets) {
        // `helper.cleanup(node)`, `super.stop()`: what it does is out of sight.
        if (CLEANUP_NAME.test(name) && !closes(callee) && !/^clear(?:Interval|Timeout)$/.test(name)) unresolved = true;
        if (/^super\./.test(callee)) unresolved = true;
        continue;
      }
      for (const t of targets) {
        if (seen.has(t.id)) continue;
        seen.add(t.id);
        bodies.push(t);
      }
    }
  }
  return { bodies, unresolved };
}

function wordIn(text: string, word: string): boolean {
  return new RegExp(`(?:^|[^\\w$])${word.replace(/\$/g, '\\$')}(?:[^\\w$]|$)`).test(text);
}

interface Teardown {
  owner: string;
  stop: string;
  fn?: SyntaxNode;
  more?: SyntaxNode[];
}

/** Names that hold the node itself: `this`, and `node` / `self` of `var node = this`. */
function selfNames(fn: SyntaxNode): Set<string> {
  const out = new Set(['this']);
  for (const d of fn.descendantsOfType('variable_declarator')) if (d.childForFieldName('value')?.type === 'this') out.add(d.childForFieldName('name')?.text ?? 'this');
  for (const a of fn.descendantsOfType('assignment_expression')) if (a.childForFieldName('right')?.type === 'this') out.add(a.childForFieldName('left')?.text ?? 'this');
  return out;
}

/** `node.on('close', fn)` / `this.on('close', fn)` in the function that calls `RED.nodes.createNode` (all of them). */
function nodeRedTeardown(timer: SyntaxNode): Teardown | undefined {
  for (let fn = enclosingFunction(timer, 'js'); fn; fn = enclosingFunction(fn, 'js')) {
    const body = bodyOf(fn);
    const calls = body.descendantsOfType('call_expression');
    if (!calls.some((c) => /(?:^|\.)nodes\.createNode$/.test(calleeOf(c)) && enclosingFunction(c, 'js')?.id === fn.id)) continue;
    const self = selfNames(fn);
    const handlers: SyntaxNode[] = [];
    for (const c of calls) {
      const f = c.childForFieldName('function');
      if (f?.type !== 'member_expression' || !/^(?:on|once|addListener)$/.test(f.childForFieldName('property')?.text ?? '')) continue;
      if (!self.has(f.childForFieldName('object')?.text ?? '')) continue;
      const args = c.childForFieldName('arguments')?.namedChildren ?? [];
      if (!/^['"`]close['"`]$/.test(args[0]?.text ?? '')) continue;
      if (args[1]) handlers.push(args[1]);
    }
    if (handlers.length === 0) return { owner: 'node', stop: 'close' };
    return { owner: 'node', stop: 'close', fn: handlers[0], more: handlers.slice(1) };
  }
  return undefined;
}

/** ioBroker: an `onUnload` method, an `unload:` option, `adapter.on('unload', fn)`. */
function ioBrokerTeardown(root: SyntaxNode, fns: Map<string, SyntaxNode[]>): Teardown | undefined {
  const text = root.text;
  if (!/iobroker|adapter-core|utils\.Adapter|\.Adapter\(/i.test(text)) return undefined;
  const onUnload = fns.get('onUnload')?.[0];
  if (onUnload) return { owner: 'adapter', stop: 'onUnload', fn: onUnload };
  for (const p of root.descendantsOfType('pair')) {
    if (p.childForFieldName('key')?.text.replace(/['"]/g, '') === 'unload') {
      const v = p.childForFieldName('value');
      if (v) return { owner: 'adapter', stop: 'unload', fn: v };
    }
  }
  for (const c of root.descendantsOfType('call_expression')) {
    if (!/\.on$/.test(calleeOf(c))) continue;
    const args = c.childForFieldName('arguments')?.namedChildren ?? [];
    if (/^['"`]unload['"`]$/.test(args[0]?.text ?? '') && args[1]) return { owner: 'adapter', stop: 'unload', fn: args[1] };
  }
  return undefined;
}

/** The enclosing class's own `stop()` / `close()` / `destroy()` / ... method (not the one the timer runs in). */
function classTeardown(timer: SyntaxNode): Teardown | undefined {
  let body = timer.parent;
  while (body && body.type !== 'class_body') body = body.parent;
  const cls = body?.parent;
  if (!body || !cls) return undefined;
  const name = cls.childForFieldName('name')?.text ?? 'class';
  let own: SyntaxNode | undefined;
  for (let n: SyntaxNode | null = timer; n && n.id !== body.id; n = n.parent) if (n.type === 'method_definition') own = n;
  // Every teardown of the class (`close()` and `stop()`): the timer is stopped if any of them stops it.
  const stops = body.namedChildren.filter((m) => m.type === 'method_definition' && m.id !== own?.id && JS_TEARDOWN.test(m.childForFieldName('name')?.text ?? ''));
  if (stops.length === 0) return undefined;
  return { owner: name, stop: stops[0].childForFieldName('name')?.text ?? 'stop', fn: stops[0], more: stops.slice(1) };
}

/** The timer call of the loop: the `setInterval`, or a re-scheduling `setTimeout` of the chain's function. */
function timerCalls(loop: LoopFacts): SyntaxNode[] {
  if (loop.kind === 'interval') return loop.node.type === 'call_expression' && isTimerCall(loop.node, 'setInterval') ? [loop.node] : [];
  const fnName = loop.functionName;
  if (!fnName) return [];
  const out: SyntaxNode[] = [];
  for (const c of rootOf(loop.node).descendantsOfType('call_expression')) {
    if (!isTimerCall(c, 'setTimeout')) continue;
    const cb = c.childForFieldName('arguments')?.namedChildren[0];
    if (!cb) continue;
    const direct = cb.text === fnName || cb.text === `this.${fnName}` || (FUNCTION_TYPES.has(cb.type) && cb.descendantsOfType('call_expression').some((i) => lastName(calleeOf(i)) === fnName && /^(?:this\.)?[\w$]+$/.test(calleeOf(i))));
    if (direct) out.push(c);
  }
  return out;
}

function conditional(call: SyntaxNode, within: SyntaxNode): boolean {
  for (let n = call.parent; n && n.id !== within.id; n = n.parent) {
    if (n.type === 'if_statement' || n.type === 'ternary_expression' || n.type === 'binary_expression' || n.type === 'switch_case' || n.type === 'catch_clause') return true;
    if (FUNCTION_TYPES.has(n.type) && n.parent?.type === 'arguments') {
      // A callback: `ws.on('close', () => setTimeout(connect))` is the reconnect; `.then`/`catch` callbacks are
      // conditional on a result (a retry after failure).
      const callee = n.parent.parent?.childForFieldName('function')?.text ?? '';
      if (/\.(?:catch|then)$/.test(callee) || /(?:^|\.)(?:once)$/.test(callee)) return true;
      const ev = n.parent.namedChildren[0]?.text ?? '';
      if (/\.on$/.test(callee) && /error/i.test(ev)) return true;
    }
  }
  return false;
}

/**
 * The loop is a JS timer whose component has a teardown that does not stop it (see the file header); undefined when
 * it has none, when the teardown stops it, or when that cannot be told.
 */
export function timerIgnoresTeardown(loop: LoopFacts, ctx: RuleContext): TimerTeardown | undefined {
  // The catalogue's `close` calls (`ws.close()`, `client.end()`, `sock.destroy()`): they end an object a chain may drive.
  const closes = (callee: string) => ctx.kb.classify(loop.language, callee).kinds.includes('close');
  if (loop.kind !== 'interval' && loop.kind !== 'timeout-recursion') return undefined;
  const timers = timerCalls(loop);
  if (timers.length === 0) return undefined;
  const root = rootOf(loop.node);
  const fileText = root.text;
  // The chain's body: the interval callback, or the re-scheduled function (with what it calls on the object).
  const bodyNode = loop.body;
  const bodyText = bodyNode?.text ?? '';
  if (loop.kind === 'timeout-recursion') {
    const fnNode = loop.node;
    if (timers.some((t) => conditional(t, fnNode) && fnNode.text.includes(t.text))) return undefined;
  }
  // `.unref()`: the author let the timer die with the process; a handle that is returned or handed to someone else.
  const handles = new Set<string>();
  let unnamed = false;
  for (const t of timers) {
    if (t.parent?.type === 'member_expression' && t.parent.childForFieldName('property')?.text === 'unref') return undefined;
    const h = handleOf(t);
    if (h) handles.add(h);
    else unnamed = true;
    if (t.parent?.type === 'return_statement' || t.parent?.type === 'arguments' || t.parent?.type === 'array' || t.parent?.type === 'pair') return undefined;
  }
  for (const h of handles) if (fileText.includes(`${h}.unref(`) || fileText.includes(`${h}?.unref(`)) return undefined;
  const fns = fileFunctions(root);
  const handleTails = new Set([...handles].map(lastName));
  for (const c of root.descendantsOfType('call_expression')) {
    if (!/(?:^|\.)clear(?:Interval|Timeout)$/.test(calleeOf(c))) continue;
    const arg = lastName(c.childForFieldName('arguments')?.namedChildren[0]?.text ?? '');
    if (!handleTails.has(arg)) continue;
    // `clearInterval(logTimer); logTimer = setInterval(...)`: the next node's start clears the last one's timer.
    if (timers.some((t) => enclosingFunction(t, 'js')?.id === enclosingFunction(c, 'js')?.id && c.endIndex <= t.startIndex)) return undefined;
    // `this.done(() => clearInterval(t))`: another hook of the framework the node registers on itself stops it.
    for (let n = c.parent; n; n = n.parent) {
      if (!FUNCTION_TYPES.has(n.type) || n.parent?.type !== 'arguments') continue;
      const callee = n.parent.parent?.childForFieldName('function');
      if (callee?.type === 'member_expression' && /^(?:this|node|self|that)$/.test(callee.childForFieldName('object')?.text ?? '')) return undefined;
    }
  }
  const teardown = nodeRedTeardown(timers[0]) ?? classTeardown(timers[0]) ?? ioBrokerTeardown(root, fns);
  if (!teardown) return undefined;
  const callText = `${loop.kind === 'interval' ? 'setInterval' : 'setTimeout'}(${loop.kind === 'interval' ? intervalCallbackName(timers[0]) : loop.functionName})`;
  if (!teardown.fn) return { owner: teardown.owner, stop: teardown.stop, call: callText };
  const bodies: SyntaxNode[] = [];
  for (let start of [teardown.fn, ...(teardown.more ?? [])]) {
    if (!FUNCTION_TYPES.has(start.type)) {
      const named = fns.get(lastName(start.text))?.[0];
      if (!named) return undefined;
      start = named;
    }
    const reached = reach(start, fns, closes);
    if (reached.unresolved) return undefined;
    bodies.push(...reached.bodies);
  }
  const handleNames = [...handles].map(lastName);
  // Loop-side text: the chain's body and the functions of the file it calls, for flags and the objects it drives.
  const loopSide = bodyNode ? reach(bodyNode, fns, closes).bodies.map((b) => b.text).join('\n') : bodyText;
  const selfClears = /\bclear(?:Interval|Timeout)\s*\(/.test(bodyText);
  const clearsHandle = (b: SyntaxNode) => b.descendantsOfType('call_expression').some((c) => /(?:^|\.)clear(?:Interval|Timeout)$/.test(calleeOf(c)) && handleTails.has(lastName(c.childForFieldName('arguments')?.namedChildren[0]?.text ?? '')));
  // The callback (or what it calls in the file) clears its own handle: it ends by itself (a queue drain that stops when empty).
  if (bodyNode && reach(bodyNode, fns, closes).bodies.some(clearsHandle)) return undefined;
  // The handle is cleared somewhere in the file and the teardown closes a connection: the close event's cleanup may be what clears it.
  if (root.descendantsOfType('call_expression').some((c) => /(?:^|\.)clear(?:Interval|Timeout)$/.test(calleeOf(c)) && handleTails.has(lastName(c.childForFieldName('arguments')?.namedChildren[0]?.text ?? ''))) && bodies.some((b) => b.descendantsOfType('call_expression').some((c) => c.childForFieldName('function')?.type === 'member_expression' && closes(calleeOf(c))))) return undefined;
  for (const b of bodies) {
    for (const call of b.descendantsOfType('call_expression')) {
      const callee = calleeOf(call);
      const name = lastName(callee);
      if (/^clear(?:Interval|Timeout)$/.test(name)) {
        const arg = call.childForFieldName('arguments')?.namedChildren[0]?.text ?? '';
        // No plain handle (stored in a collection, an unnamed chain): any clear may be this timer's.
        if (unnamed || handleNames.length === 0 || handleNames.includes(lastName(arg))) return undefined;
        // A clear in a loop over a collection (`timers.forEach(clearInterval)`, `for (const t of ...) clearTimeout(t)`).
        if (!/^[\w$.]+$/.test(arg) || inLoop(call, b)) return undefined;
      }
      if (/^clear(?:Interval|Timeout)$/.test(callee) === false && /(?:^|\.)(?:clearInterval|clearTimeout)$/.test(callee)) return undefined;
      // `timers.forEach(clearInterval)`.
      if (call.childForFieldName('arguments')?.namedChildren.some((a) => /^clear(?:Interval|Timeout)$/.test(a.text))) return undefined;
      // Closes or ends an object the chain drives: `ws.close()` where the chain reconnects `ws`.
      if (closes(callee) && call.childForFieldName('function')?.type === 'member_expression') {
        const recv = lastName(call.childForFieldName('function')!.childForFieldName('object')?.text ?? '');
        if (recv && recv !== 'this' && recv !== 'node' && wordIn(loopSide, recv)) return undefined;
      }
    }
    // A flag the chain checks: `this.closing = true` where the re-scheduled body reads `closing`; for an interval
    // only when its callback can clear itself (a flag that only skips the work leaves the timer running).
    for (const a of b.descendantsOfType(['assignment_expression', 'augmented_assignment_expression'])) {
      const left = lastName(a.childForFieldName('left')?.text ?? '');
      if (!left || handleNames.includes(left)) {
        if (left) return undefined; // `this.timer = null`: the author thinks it handled; conservative.
        continue;
      }
      if (loop.kind === 'timeout-recursion' || selfClears) if (wordIn(loopSide, left)) return undefined;
    }
  }
  return { owner: teardown.owner, stop: teardown.stop, call: callText };
}

function inLoop(node: SyntaxNode, within: SyntaxNode): boolean {
  for (let n = node.parent; n && n.id !== within.id; n = n.parent) {
    if (/^(?:for_statement|for_in_statement|while_statement|do_statement)$/.test(n.type)) return true;
    if (FUNCTION_TYPES.has(n.type) && n.parent?.type === 'arguments' && /\.(?:forEach|map)$/.test(n.parent.parent?.childForFieldName('function')?.text ?? '')) return true;
  }
  return false;
}

function intervalCallbackName(call: SyntaxNode): string {
  const cb = call.childForFieldName('arguments')?.namedChildren[0];
  if (!cb) return '…';
  if (/^[\w$.]+$/.test(cb.text)) return cb.text;
  return '() => …';
}
