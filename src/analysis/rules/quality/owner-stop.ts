// An endless loop whose owner can be stopped, but not the loop: the loop runs in a method of a class that also has
// `close()`/`stop()`/`shutdown()`/... (Python, JavaScript/TypeScript), and that method touches nothing the loop
// reads. After `client.close()` returns, the loop goes on polling, reconnecting or printing for the life of the
// process. On held-out code this was the infinite-loop-no-exit finding reviewers kept (reconnect loops whose class has
// a close that never reaches them, a per-subscription poller that outlives its client); the generic "no stop flag,
// a deploy kills it" of a process-lifetime loop was mostly dismissed.
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { classMethods, enclosingClass } from '../lib/index.js';

export interface IgnoredStop {
  /** The class's name. */
  owner: string;
  /** The stop method's name. */
  stop: string;
}

const PY_STOP = /^_?(?:stop|close|shutdown|disconnect|terminate|cancel|quit|halt|destroy|dispose)(?:_[a-z_]+)?$/;
const JS_STOP = /^_?(?:stop|close|shutdown|disconnect|terminate|cancel|quit|halt|destroy|dispose)(?:[A-Z]\w*)?$/;
/** A JS class's own teardown in its exact lifecycle name (timer-teardown.ts): `stopPolling()`, `cancel()` (an order's), `_stopEvent()` are not. */
export const JS_TEARDOWN = /^(?:close|shutdown|disconnect|stop|destroy|dispose)$/;

interface ClassView {
  name: string;
  methods: { name: string; node: SyntaxNode }[];
  /** The receiver's name in the class's methods: `self` or `this`. */
  receiver: string;
}

function pythonClass(node: SyntaxNode): ClassView | undefined {
  const cls = enclosingClass(node);
  const name = cls?.childForFieldName('name')?.text;
  if (!cls || !name) return undefined;
  const methods = classMethods(cls).map((m) => ({ name: m.childForFieldName('name')?.text ?? '', node: m }));
  return { name, methods, receiver: 'self' };
}

function scriptClass(node: SyntaxNode): ClassView | undefined {
  let body = node.parent;
  while (body && body.type !== 'class_body') body = body.parent;
  const cls = body?.parent;
  if (!body || !cls) return undefined;
  const name = cls.childForFieldName('name')?.text ?? (cls.parent?.type === 'variable_declarator' ? cls.parent.childForFieldName('name')?.text : undefined);
  if (!name) return undefined;
  const methods = body.namedChildren.filter((m) => m.type === 'method_definition').map((m) => ({ name: m.childForFieldName('name')?.text ?? '', node: m }));
  return { name, methods, receiver: 'this' };
}

/** `self.x` / `this.x` nodes under `root`: the field name and whether the node is only written (`self.x = ...`). */
function fieldUses(root: SyntaxNode, receiver: string): { field: string; written: boolean }[] {
  const out: { field: string; written: boolean }[] = [];
  const types = receiver === 'self' ? ['attribute'] : ['member_expression'];
  for (const node of root.descendantsOfType(types)) {
    const object = node.childForFieldName('object');
    if (object?.text !== receiver) continue;
    const field = (node.childForFieldName('attribute') ?? node.childForFieldName('property'))?.text;
    if (!field) continue;
    const parent = node.parent;
    const written = (parent?.type === 'assignment' || parent?.type === 'assignment_expression') && parent.childForFieldName('left')?.id === node.id;
    out.push({ field, written });
  }
  return out;
}

/** The fields a method uses, with those of the class's methods it calls on its receiver (one level). */
function fieldsOf(method: SyntaxNode, view: ClassView, keep: (use: { field: string; written: boolean }) => boolean): Set<string> {
  const fields = new Set<string>();
  const uses = fieldUses(method, view.receiver);
  const byName = new Map(view.methods.map((m) => [m.name, m.node] as const));
  for (const use of uses) {
    if (keep(use)) fields.add(use.field);
    const callee = byName.get(use.field);
    if (callee && callee.id !== method.id) for (const inner of fieldUses(callee, view.receiver)) if (keep(inner)) fields.add(inner.field);
  }
  return fields;
}

/**
 * The class's stop method that reaches nothing the loop's method reads, when the loop sits in a method of a class
 * (directly or in a function nested in one) and the class has one; undefined otherwise, and when any stop method
 * shares a field with the loop's method (it may close the socket the loop reads, or set an event the loop waits on:
 * the loop may well end then, by an exception or otherwise).
 */
export function ignoredStop(loop: LoopFacts): IgnoredStop | undefined {
  const python = loop.language === 'python';
  const view = python ? pythonClass(loop.node) : scriptClass(loop.node);
  if (!view) return undefined;
  const pattern = python ? PY_STOP : JS_STOP;
  const own = view.methods.find((m) => m.node.startIndex <= loop.node.startIndex && loop.node.endIndex <= m.node.endIndex);
  if (!own) return undefined;
  const stops = view.methods.filter((m) => m !== own && pattern.test(m.name));
  if (stops.length === 0) return undefined;
  // What the loop's method reads (a field only assigned there, `self._running = True`, is no way in for a stop).
  const read = fieldsOf(own.node, view, (use) => !use.written);
  for (const stop of stops) {
    const touched = fieldsOf(stop.node, view, () => true);
    for (const field of touched) if (read.has(field)) return undefined;
  }
  return { owner: view.name, stop: stops[0]!.name };
}
