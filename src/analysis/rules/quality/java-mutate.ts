// mutate-while-iterating for Java: `for (T x : list) { list.remove(x); }` (or add/put/clear on the collection, or on
// the map whose keySet/values/entrySet is iterated) throws ConcurrentModificationException on the next step of the
// iterator. Leaving the loop right after the change is fine (the iterator is never advanced again), and so is
// iterating a copy (`new ArrayList<>(list)`), which is also the suggested fix (or `removeIf` / `Iterator.remove`).
// A container class of the file that is no java.util collection keeps its own rules (ownContainerClass).
import type { Detection, RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { replaceFix, rewriteLines } from '../../../fixes/lines.js';
import { leavesOnSuccess } from '../lib/index.js';

const MUTATORS = new Set(['remove', 'removeAll', 'removeIf', 'retainAll', 'clear', 'add', 'addAll', 'put', 'putAll', 'putIfAbsent', 'computeIfAbsent', 'merge']);
const SCOPES = new Set(['lambda_expression', 'class_body', 'method_declaration']);
const CONCURRENT = /Concurrent|CopyOnWrite|Blocking(Queue|Deque)|newKeySet/;

function iterated(loop: LoopFacts): { collection: string; iterable: SyntaxNode; view: boolean } | undefined {
  if (loop.node.type !== 'enhanced_for_statement') return undefined;
  const value = loop.node.childForFieldName('value');
  if (!value) return undefined;
  if (value.type === 'identifier' || value.type === 'field_access') return { collection: value.text, iterable: value, view: false };
  if (value.type === 'method_invocation' && /^(keySet|values|entrySet)$/.test(value.childForFieldName('name')?.text ?? '') && (value.childForFieldName('arguments')?.namedChildCount ?? 0) === 0) {
    const object = value.childForFieldName('object');
    if (object && (object.type === 'identifier' || object.type === 'field_access')) return { collection: object.text, iterable: value, view: true };
  }
  return undefined;
}

/** Concurrent collections have weakly consistent iterators: changing them while iterating does not throw. */
function declaredConcurrent(collection: string, root: SyntaxNode): boolean {
  const name = collection.replace(/^this\./, '');
  if (name.includes('.')) return false;
  for (const d of root.descendantsOfType(['field_declaration', 'local_variable_declaration', 'formal_parameter'])) {
    const declarator = d.type === 'formal_parameter' ? undefined : d.childrenForFieldName('declarator').find((v) => v.childForFieldName('name')?.text === name);
    const named = d.type === 'formal_parameter' ? d.childForFieldName('name')?.text === name : declarator !== undefined;
    const created = declarator?.childForFieldName('value')?.text ?? '';
    if (named && CONCURRENT.test(`${d.childForFieldName('type')?.text ?? ''} ${/^new\s/.test(created) ? created : ''}`)) return true;
  }
  return false;
}

/** The declared type of a field, local or parameter of the file (`SymbMap symb;` → `SymbMap`), without type arguments. */
function declaredType(collection: string, root: SyntaxNode): string | undefined {
  const name = collection.replace(/^this\./, '');
  if (name.includes('.')) return undefined;
  for (const d of root.descendantsOfType(['field_declaration', 'local_variable_declaration', 'formal_parameter'])) {
    const named = d.type === 'formal_parameter' ? d.childForFieldName('name')?.text === name : d.childrenForFieldName('declarator').some((v) => v.childForFieldName('name')?.text === name);
    if (named) return d.childForFieldName('type')?.text.replace(/<[\s\S]*$/, '').trim();
  }
  return undefined;
}

const COLLECTION_SUPER = /\b(?:\w*Map|\w*List|\w*Set|\w*Collection|\w*Queue|\w*Deque|Iterable|Vector|Stack|Hashtable|Dictionary)\b/;

/**
 * `SymbMap symb; ... for (Entry e : symb.entrySet()) symb.put(...)` where `class SymbMap` is declared in this file
 * and extends or implements no collection: its methods are its own (this `entrySet()` builds a new list), and the
 * ConcurrentModificationException is a java.util contract that the file's class does not take on.
 */
function ownContainerClass(collection: string, root: SyntaxNode): boolean {
  const type = declaredType(collection, root);
  if (!type || !/^[A-Z]\w*$/.test(type)) return false;
  const decl = root.descendantsOfType(['class_declaration']).find((c) => c.childForFieldName('name')?.text === type);
  if (!decl) return false;
  const supers = decl.namedChildren.filter((c) => c.type === 'superclass' || c.type === 'super_interfaces').map((c) => c.text).join(' ');
  return !COLLECTION_SUPER.test(supers);
}

/** `map.put(key, v)` for the key being visited replaces a value: not a structural change, no exception. */
function replacesVisitedKey(call: SyntaxNode, loop: LoopFacts): boolean {
  if (call.childForFieldName('name')?.text !== 'put') return false;
  const key = call.childForFieldName('arguments')?.namedChild(0)?.text.replace(/\s+/g, '');
  if (!key) return false;
  const item = loop.loopVariables[0];
  if (key === item || key === `${item}.getKey()`) return true;
  // `Integer id = entry.getKey(); ... map.put(id, v)`
  for (const d of loop.body.descendantsOfType(['variable_declarator'])) {
    if (d.childForFieldName('name')?.text === key && d.childForFieldName('value')?.text.replace(/\s+/g, '') === `${item}.getKey()`) return true;
  }
  return false;
}

export function detectJavaMutateWhileIterating(loop: LoopFacts, ctx: RuleContext): Detection[] | null {
  const it = iterated(loop);
  if (!it) return null;
  const stack: SyntaxNode[] = [loop.body];
  const found: SyntaxNode[] = [];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (SCOPES.has(n.type)) continue;
    if (n.type === 'method_invocation') {
      const object = n.childForFieldName('object')?.text;
      const name = n.childForFieldName('name')?.text ?? '';
      if (object === it.collection && MUTATORS.has(name)) found.push(n);
    }
    for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push(n.namedChild(i)!);
  }
  found.sort((a, b) => a.startIndex - b.startIndex);
  // A `break`/`return`/`throw` after the change (in its block or one around it): the iterator is never advanced again.
  const hit = found.find((n) => !leavesOnSuccess(n, loop, { raises: true }) && !replacesVisitedKey(n, loop));
  if (!hit || declaredConcurrent(it.collection, loop.node.tree.rootNode) || ownContainerClass(it.collection, loop.node.tree.rootNode)) return null;
  const operation = hit.childForFieldName('name')!.text;
  const copy = it.view && it.iterable.childForFieldName('name')?.text === 'entrySet' ? `new ArrayList<>(${it.iterable.text})` : `new ArrayList<>(${it.iterable.text})`;
  let fix;
  try {
    fix = replaceFix(rewriteLines(ctx.file.source, [{ start: it.iterable.startIndex, end: it.iterable.endIndex, text: copy }]), {
      description: `iterate over ${copy} (or use removeIf / Iterator.remove)`,
      safety: /^(add|addAll|put|putAll|putIfAbsent|computeIfAbsent|merge)$/.test(operation) ? 'unsafe' : 'safe',
      language: 'java',
    });
  } catch {
    fix = undefined;
  }
  return [
    {
      loop,
      line: hit.startPosition.row + 1,
      variant: 'java',
      data: { collection: it.collection, operation },
      confidence: 'high',
      ...(fix ? { fix } : {}),
    },
  ];
}
