// mutate-while-iterating for Java: `for (T x : list) { list.remove(x); }` (or add/put/clear on the collection, or on
// the map whose keySet/values/entrySet is iterated) throws ConcurrentModificationException on the next step of the
// iterator. Leaving the loop right after the change (or in the branch a `remove(...)` that returned true opens) is
// fine (the iterator is never advanced again; `continue outer;` to a loop around the for-each leaves it too, and so does
// a later `if (changed) break;` on a flag set beside the change), and so is iterating a copy (`new ArrayList<>(list)`), which is also
// the suggested fix (or `removeIf` / `Iterator.remove`).
// A container class of the file that is no java.util collection keeps its own rules (ownContainerClass).
import type { Detection, RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { replaceFix, rewriteLines } from '../../../fixes/lines.js';
import { COMMENT_TYPES, continuesOuter, leavesOnSuccess } from '../lib/index.js';

const MUTATORS = new Set(['remove', 'removeAll', 'removeIf', 'retainAll', 'clear', 'add', 'addAll', 'put', 'putAll', 'putIfAbsent', 'computeIfAbsent', 'merge']);
const SCOPES = new Set(['lambda_expression', 'class_body', 'method_declaration']);
// `EnumSet` and `EnumMap` are no concurrent collections, but their iterators are weakly consistent too (their javadoc:
// "will never throw ConcurrentModificationException"): an EnumSet's iterator walks a snapshot of its bit vector.
const CONCURRENT = /Concurrent|CopyOnWrite|Blocking(Queue|Deque)|DelayQueue|TransferQueue|newKeySet/;
/** A type (declared or constructed; never an argument's: `new HashSet<>(EnumSet.allOf(K.class))` is a HashSet). */
const ENUM_COLLECTION = /^(java\.util\.)?Enum(Set|Map)\b/;
/** `EnumSet.allOf(K.class)`, `EnumSet.noneOf(...)`, `EnumSet.of(...)`, `EnumSet.copyOf(...)`: an EnumSet. */
const ENUM_SET_FACTORY = /^(allOf|noneOf|of|range|copyOf|complementOf)$/;

function iterated(loop: LoopFacts): { collection: string; iterable: SyntaxNode } | undefined {
  if (loop.node.type !== 'enhanced_for_statement') return undefined;
  const value = loop.node.childForFieldName('value');
  if (!value) return undefined;
  if (value.type === 'identifier' || value.type === 'field_access') return { collection: value.text, iterable: value };
  if (value.type === 'method_invocation' && /^(keySet|values|entrySet)$/.test(value.childForFieldName('name')?.text ?? '') && (value.childForFieldName('arguments')?.namedChildCount ?? 0) === 0) {
    const object = value.childForFieldName('object');
    if (object && (object.type === 'identifier' || object.type === 'field_access')) return { collection: object.text, iterable: value };
  }
  return undefined;
}

/**
 * Concurrent collections have weakly consistent iterators: changing them while iterating does not throw. The
 * collection is read back to where it was made: its own declaration (`new CopyOnWriteArrayList<>()`, a `ConcurrentMap`
 * type), a field of a class of the file reached through another object (`registration.listeners`, every field of
 * that name being concurrent), a local that copies a field or takes a view of it (`List<F> fs = instance.factories;`,
 * `Collection<S> ss = semaphores.values();`), or a parameter of a private method that every call in the file hands a
 * concurrent collection (`closeAll(idleDeque)`).
 */
function declaredConcurrent(collection: string, root: SyntaxNode, scope: SyntaxNode | undefined, depth = 0): boolean {
  if (depth > 4) return false;
  const name = collection.replace(/^this\./, '');
  if (name.includes('.')) {
    // `registration.listeners`, `instance.userFactories`: a field of some class of the file.
    if (!/^[\w.]+$/.test(name)) return false;
    const field = name.slice(name.lastIndexOf('.') + 1);
    const fields = root.descendantsOfType(['field_declaration']).filter((d) => d.childrenForFieldName('declarator').some((v) => v.childForFieldName('name')?.text === field));
    return fields.length > 0 && fields.every((d) => concurrentDeclaration(d, field));
  }
  // A local or parameter of the loop's own method hides the fields of that name.
  let locals: SyntaxNode[] = [];
  for (let s = scope; s && locals.length === 0; s = enclosingMethod(s)) {
    const own = s;
    locals = own.descendantsOfType(['local_variable_declaration', 'formal_parameter']).filter((d) => declares(d, name) && enclosingMethod(d) === own);
  }
  const declarations = locals.length > 0 ? locals : root.descendantsOfType(['field_declaration']).filter((d) => declares(d, name));
  for (const d of declarations) {
    if (d.type === 'formal_parameter') {
      const type = d.childForFieldName('type')?.text ?? '';
      if (CONCURRENT.test(type) || ENUM_COLLECTION.test(type) || everyCallerConcurrent(d, root, depth)) return true;
      continue;
    }
    if (concurrentDeclaration(d, name)) return true;
    if (d.type === 'field_declaration' && concurrentByAssignments(d, name, root)) return true;
    // A local or field that copies another collection's reference, or takes a view of it, shares its iterator.
    const declarator = d.childrenForFieldName('declarator').find((v) => v.childForFieldName('name')?.text === name);
    const value = declarator?.childForFieldName('value');
    const source = value ? copiedCollection(value) : undefined;
    if (source && source !== name && declaredConcurrent(source, root, d.type === 'field_declaration' ? undefined : scope, depth + 1)) return true;
  }
  return false;
}

/**
 * A private or final field with no initializer (or a concurrent one) whose every assignment in the file (at least one:
 * `this.calls = new ConcurrentSkipListSet<>();` in the constructor) makes a concurrent collection. Such a field is
 * assigned nowhere else, so its iterator is weakly consistent wherever the file iterates it.
 */
function concurrentByAssignments(d: SyntaxNode, name: string, root: SyntaxNode): boolean {
  if (!/\b(private|final)\b/.test(d.namedChildren.find((c) => c.type === 'modifiers')?.text ?? '')) return false;
  const declarator = d.childrenForFieldName('declarator').find((v) => v.childForFieldName('name')?.text === name);
  const initial = declarator?.childForFieldName('value');
  if (initial && !concurrentValue(initial, root)) return false;
  const body = d.parent;
  if (!body) return false;
  const writes = body.descendantsOfType(['assignment_expression']).filter((a) => {
    const left = a.childForFieldName('left');
    if (!left) return false;
    if (left.type === 'field_access') return left.childForFieldName('object')?.type === 'this' && left.childForFieldName('field')?.text === name;
    if (left.type !== 'identifier' || left.text !== name) return false;
    // A bare `name = ...` in a method with a local or parameter of that name writes the local.
    const method = enclosingMethod(a);
    return !method || !method.descendantsOfType(['local_variable_declaration', 'formal_parameter']).some((l) => declares(l, name));
  });
  if (writes.length === 0) return false;
  return writes.every((a) => a.childForFieldName('operator')?.text === '=' && concurrentValue(a.childForFieldName('right'), root));
}

/** `new ConcurrentHashMap<>()`, a concurrent factory, or a method of the file whose every `return` makes one. */
function concurrentValue(value: SyntaxNode | null | undefined, root: SyntaxNode, depth = 0): boolean {
  if (!value) return false;
  if (value.type === 'object_creation_expression') return CONCURRENT.test(value.childForFieldName('type')?.text ?? '') || ENUM_COLLECTION.test(value.childForFieldName('type')?.text ?? '');
  if (concurrentFactory(value)) return true;
  if (value.type !== 'method_invocation' || depth > 1) return false;
  const object = value.childForFieldName('object');
  if (object && object.type !== 'this') return false;
  const method = value.childForFieldName('name')?.text;
  const arity = value.childForFieldName('arguments')?.namedChildCount ?? -1;
  const decls = root.descendantsOfType(['method_declaration']).filter((m) => m.childForFieldName('name')?.text === method && (m.childForFieldName('parameters')?.namedChildren.filter((c) => c.type === 'formal_parameter' || c.type === 'spread_parameter').length ?? -1) === arity);
  if (decls.length !== 1) return false;
  const returns = decls[0].descendantsOfType(['return_statement']).filter((r) => enclosingMethod(r) === decls[0]);
  return returns.length > 0 && returns.every((r) => concurrentValue(r.namedChild(0), root, depth + 1));
}

function declares(d: SyntaxNode, name: string): boolean {
  if (d.type === 'formal_parameter') return d.childForFieldName('name')?.text === name;
  return d.childrenForFieldName('declarator').some((v) => v.childForFieldName('name')?.text === name);
}

const METHOD_SCOPES = new Set(['method_declaration', 'constructor_declaration', 'lambda_expression', 'class_body']);

/** The method, constructor or lambda a node belongs to (a class body: none). */
function enclosingMethod(node: SyntaxNode): SyntaxNode | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (METHOD_SCOPES.has(n.type)) return n.type === 'class_body' ? undefined : n;
  }
  return undefined;
}

function concurrentDeclaration(d: SyntaxNode, name: string): boolean {
  const declarator = d.childrenForFieldName('declarator').find((v) => v.childForFieldName('name')?.text === name);
  const value = declarator?.childForFieldName('value');
  const created = value?.text ?? '';
  if (ENUM_COLLECTION.test(d.childForFieldName('type')?.text ?? '') || (value?.type === 'object_creation_expression' && ENUM_COLLECTION.test(value.childForFieldName('type')?.text ?? ''))) return true;
  return CONCURRENT.test(`${d.childForFieldName('type')?.text ?? ''} ${/^new\s/.test(created) ? created : ''}`) || concurrentFactory(value) || (value?.type === 'method_invocation' && concurrentValue(value, d.tree.rootNode));
}

/**
 * A factory that makes a concurrent collection (or an EnumSet: `EnumSet.allOf(K.class)`): its own name says so (`Sets.newConcurrentHashSet()`,
 * `ConcurrentHashMap.newKeySet()`, `Queues.newConcurrentLinkedQueue()`), or a set backed by a concurrent map
 * (`Collections.newSetFromMap(new ConcurrentHashMap<>())`). A factory that copies (`Lists.newArrayList(queue)`) does not
 * count, whatever its argument is.
 */
function concurrentFactory(value: SyntaxNode | null | undefined): boolean {
  if (value?.type !== 'method_invocation') return false;
  const method = value.childForFieldName('name')?.text ?? '';
  if (CONCURRENT.test(method) || (method === 'newKeySet' && /Concurrent/.test(value.childForFieldName('object')?.text ?? ''))) return true;
  if (ENUM_SET_FACTORY.test(method) && /^(java\.util\.)?EnumSet$/.test(value.childForFieldName('object')?.text ?? '')) return true;
  const arg = value.childForFieldName('arguments')?.namedChild(0);
  return method === 'newSetFromMap' && arg?.type === 'object_creation_expression' && CONCURRENT.test(arg.childForFieldName('type')?.text ?? '');
}

/** `instance.userFactories` → itself; `semaphores.values()` → `semaphores` (a view); anything else: no copy. */
function copiedCollection(value: SyntaxNode): string | undefined {
  if (value.type === 'identifier' || value.type === 'field_access') return value.text;
  if (value.type === 'method_invocation' && /^(keySet|values|entrySet|navigableKeySet|descendingMap|descendingKeySet)$/.test(value.childForFieldName('name')?.text ?? '') && (value.childForFieldName('arguments')?.namedChildCount ?? 0) === 0) {
    const object = value.childForFieldName('object');
    if (object && (object.type === 'identifier' || object.type === 'field_access')) return object.text;
  }
  return undefined;
}

/** A parameter of a private method that every call of it in the file (at least one) hands a concurrent collection. */
function everyCallerConcurrent(param: SyntaxNode, root: SyntaxNode, depth: number): boolean {
  const list = param.parent;
  const method = list?.parent;
  if (!list || list.type !== 'formal_parameters' || !method || method.type !== 'method_declaration') return false;
  if (!/\bprivate\b/.test(method.namedChildren.find((c) => c.type === 'modifiers')?.text ?? '')) return false;
  const index = list.namedChildren.filter((c) => c.type === 'formal_parameter').indexOf(param);
  const arity = list.namedChildren.filter((c) => c.type === 'formal_parameter' || c.type === 'spread_parameter').length;
  const methodName = method.childForFieldName('name')?.text;
  if (index < 0 || !methodName) return false;
  const calls = root.descendantsOfType(['method_invocation']).filter((c) => {
    if (c.childForFieldName('name')?.text !== methodName) return false;
    const object = c.childForFieldName('object');
    return (!object || object.type === 'this') && (c.childForFieldName('arguments')?.namedChildCount ?? -1) === arity;
  });
  return calls.length > 0 && calls.every((c) => {
    const arg = c.childForFieldName('arguments')!.namedChild(index);
    return arg !== null && (arg.type === 'identifier' || arg.type === 'field_access') && declaredConcurrent(arg.text, root, enclosingMethod(c), depth + 1);
  });
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

/**
 * Whether `x.remove()` with no argument can be a change of the collection `x`: among java.util's collections only a
 * Queue or Deque (LinkedList, ArrayDeque, PriorityQueue, ...) has a `remove()` that takes nothing (it takes the head).
 * A name declared in this file with any other type is something else: a List or Set has no such method, and a
 * class of the code's own that is its own iterator (`for (Point p : cursor) ... cursor.remove()`, an `Iterable`
 * whose `iterator()` returns `this`) removes through the iteration, the `Iterator.remove()` idiom. A name whose
 * declaration is not in the file may still be a queue.
 */
function queueOrUnknown(collection: string, root: SyntaxNode): boolean {
  const type = declaredType(collection, root);
  return type === undefined || type === 'var' || /Queue|Deque|LinkedList/.test(type);
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

/**
 * fastutil's collections (`it.unimi.dsi.fastutil.*`) never throw ConcurrentModificationException: their iterators keep
 * no modification count. What a change made outside the iterator does depends on the family:
 * - `tree` (`IntAVLTreeSet`, `Object2IntRBTreeMap`): the iterator finds the next node inside `next()`, so removing the
 *   element just returned is what its own `remove()` does; removing another element can leave it on a removed node;
 * - `array` (`ObjectArrayList`, `IntArraySet`, `Int2ObjectArrayMap`): it walks by position, so a removal shifts the
 *   rest left and the element after the removed one is skipped; an addition appends and is visited (a work list);
 * - `hash` (`IntOpenHashSet`, `Object2ObjectLinkedOpenHashMap`): a removal shifts entries between slots, so some are
 *   skipped or visited twice, and an addition may rehash the table under the iterator.
 * The family is read from the collection's type in this file: what its declaration or assignments construct, else
 * its declared type, when the file imports fastutil; a fastutil interface alone (`Int2ObjectMap`) is `other`: no
 * CME, and the message says the iterator does not detect the change.
 */
type FastutilFamily = 'tree' | 'array' | 'hash' | 'other';
const FASTUTIL_PREFIX = '(?:Boolean|Byte|Char|Short|Int|Long|Float|Double|Object|Reference)(?:2(?:Boolean|Byte|Char|Short|Int|Long|Float|Double|Object|Reference))?';
const FASTUTIL_FAMILY: [FastutilFamily, RegExp][] = [
  ['tree', new RegExp(`^${FASTUTIL_PREFIX}(?:AVL|RB)Tree(?:Set|Map)$`)],
  ['array', new RegExp(`^${FASTUTIL_PREFIX}(?:Array(?:List|Set|Map)|BigArrayBigList)$`)],
  ['hash', new RegExp(`^${FASTUTIL_PREFIX}(?:Linked)?Open(?:Custom)?HashB?(?:Set|Map)$`)],
];

function familyOf(type: string): FastutilFamily | undefined {
  const bare = type.replace(/<[\s\S]*$/, '').replace(/^[\w.]*\./, '').trim();
  return FASTUTIL_FAMILY.find(([, re]) => re.test(bare))?.[0];
}

function fastutilFamily(collection: string, root: SyntaxNode, scope: SyntaxNode | undefined): FastutilFamily | undefined {
  if (!/\bit\.unimi\.dsi\.fastutil\b/.test(root.text.slice(0, 20000))) return undefined;
  const name = collection.replace(/^this\./, '');
  if (name.includes('.')) return undefined;
  let decls: SyntaxNode[] = [];
  for (let s = scope; s && decls.length === 0; s = enclosingMethod(s)) {
    const own = s;
    decls = own.descendantsOfType(['local_variable_declaration', 'formal_parameter']).filter((d) => declares(d, name) && enclosingMethod(d) === own);
  }
  const local = decls.length > 0;
  if (!local) decls = root.descendantsOfType(['field_declaration']).filter((d) => declares(d, name));
  if (decls.length !== 1) return undefined;
  const d = decls[0];
  // What is constructed into it: the initializer and every `name = new T(...)` of the declaration's scope.
  const made: string[] = [];
  const initial = d.type === 'formal_parameter' ? undefined : d.childrenForFieldName('declarator').find((v) => v.childForFieldName('name')?.text === name)?.childForFieldName('value');
  const around = local ? enclosingMethod(d) : d.parent;
  const values = [initial, ...(around?.descendantsOfType(['assignment_expression']) ?? []).filter((a) => {
    const left = a.childForFieldName('left');
    return left?.text.replace(/^this\./, '') === name && a.childForFieldName('operator')?.text === '=';
  }).map((a) => a.childForFieldName('right'))];
  // A value it does not construct (`byIndex.get(i)`) could be any implementation, unless the declared type is itself a
  // fastutil interface (`Int2ObjectMap`): then the constructions seen say which family the code uses.
  const fastutilType = new RegExp(`^${FASTUTIL_PREFIX}[A-Z]`).test(d.childForFieldName('type')?.text ?? '');
  for (const v of values) {
    if (!v) continue;
    if (v.type !== 'object_creation_expression') {
      if (fastutilType) continue;
      return undefined;
    }
    made.push(v.childForFieldName('type')?.text ?? '');
  }
  const families = new Set((made.length > 0 ? made : [d.childForFieldName('type')?.text ?? '']).map(familyOf));
  if (families.size === 1 && !families.has(undefined)) return [...families][0];
  // Only a fastutil interface is seen (a parameter `Int2ObjectMap<V> byIndex`): no CME, whatever the family.
  return fastutilType && made.length === 0 ? 'other' : undefined;
}

/** `set.remove(x)` of the element `x` just visited (`map.remove(k)` over keySet, `map.remove(e.getKey())` over entrySet). */
function removesVisited(call: SyntaxNode, loop: LoopFacts): boolean {
  if (call.childForFieldName('name')?.text !== 'remove') return false;
  const args = call.childForFieldName('arguments');
  if (args?.namedChildCount !== 1) return false;
  const arg = args.namedChild(0)!.text.replace(/\s+/g, '');
  const item = loop.loopVariables[0];
  return arg === item || new RegExp(`^${item}\\.get\\w*Key\\(\\)$`).test(arg);
}

/**
 * `map.put(key, v)` for the key being visited replaces a value: not a structural change, no exception. So do
 * `putIfAbsent(key, v)` and `computeIfAbsent(key, f)` for that key: it is present, so they add nothing (at most they
 * set a null value). `merge` is not among them: its function may return null and remove the key.
 */
function replacesVisitedKey(call: SyntaxNode, loop: LoopFacts): boolean {
  if (!/^(put|putIfAbsent|computeIfAbsent)$/.test(call.childForFieldName('name')?.text ?? '')) return false;
  const key = call.childForFieldName('arguments')?.namedChild(0)?.text.replace(/\s+/g, '');
  if (!key) return false;
  const item = loop.loopVariables[0];
  if (accessOrdered(call)) return false;
  if (key === item || key === `${item}.getKey()`) return true;
  // `Integer id = entry.getKey(); ... map.put(id, v)`, `Node n = (Node) element; ... map.put(n, v)` over keySet().
  const visited = new RegExp(`^(\\([\\w.<>?,\\[\\]]+\\))?${item}(\\.getKey\\(\\))?$`);
  for (const d of loop.body.descendantsOfType(['variable_declarator'])) {
    if (d.childForFieldName('name')?.text === key && visited.test(d.childForFieldName('value')?.text.replace(/\s+/g, '') ?? '')) return true;
  }
  return false;
}

/**
 * A LinkedHashMap made with `accessOrder` true (`new LinkedHashMap<>(16, 0.75f, true)`, an LRU cache) moves the key
 * a `put` touches to the end: that is a structural change, and the next step throws. Read from the map's
 * declarations and assignments in this file.
 */
function accessOrdered(call: SyntaxNode): boolean {
  const map = call.childForFieldName('object')?.text.replace(/^this\./, '');
  if (!map) return false;
  const root = call.tree.rootNode;
  return root.descendantsOfType(['variable_declarator', 'assignment_expression']).some((n) => {
    const target = n.type === 'variable_declarator' ? n.childForFieldName('name')?.text : n.childForFieldName('left')?.text.replace(/^this\./, '');
    const value = n.type === 'variable_declarator' ? n.childForFieldName('value') : n.childForFieldName('right');
    return target === map && value?.type === 'object_creation_expression' && /LinkedHashMap/.test(value.childForFieldName('type')?.text ?? '') && value.childForFieldName('arguments')?.namedChild(2)?.text === 'true';
  });
}

/** Mutators whose boolean result says whether the collection changed (`Collection.remove`, `Set.add`, ...). */
const REPORTS_CHANGE = new Set(['remove', 'removeAll', 'removeIf', 'retainAll', 'add', 'addAll']);
const EXITS = new Set(['return_statement', 'break_statement', 'throw_statement']);

/**
 * `if (sub.getId().equals(id) && subs.remove(sub)) { ...; return key; }`: the change is the `if`'s condition, and
 * the branch it opens when the collection did change leaves the loop. When `remove` returns false nothing changed,
 * so the iterator is never advanced after a change.
 */
function exitsWhenChanged(call: SyntaxNode, loop: LoopFacts): boolean {
  if (removedThenLeaves(call, loop)) return true;
  if (!REPORTS_CHANGE.has(call.childForFieldName('name')?.text ?? '')) return false;
  let n: SyntaxNode = call;
  while (n.parent && (n.parent.type === 'parenthesized_expression' || (n.parent.type === 'binary_expression' && n.parent.childForFieldName('operator')?.text === '&&'))) n = n.parent;
  const branch = n.parent;
  if (branch?.type !== 'if_statement' || branch.childForFieldName('condition')?.id !== n.id) return false;
  if (loop.node.startIndex > branch.startIndex || branch.endIndex > loop.node.endIndex) return false;
  return consequenceLeaves(branch, loop);
}

/** The last statement of the `if`'s consequence (or the consequence itself) leaves the for-each. */
function consequenceLeaves(branch: SyntaxNode, loop: LoopFacts): boolean {
  const then = branch.childForFieldName('consequence');
  const last = then?.type === 'block' ? then.namedChildren.filter((c) => !COMMENT_TYPES.has(c.type)).pop() : then;
  return last !== undefined && last !== null && leavesForEach(last, loop);
}

/**
 * `prop = props.remove(name); if (prop != null) break;`: `Map.remove(key)` returns the value it removed, so the map
 * changed only when the result is non-null (a null value stored under the key aside), and then the loop is left.
 */
function removedThenLeaves(call: SyntaxNode, loop: LoopFacts): boolean {
  if (call.childForFieldName('name')?.text !== 'remove' || call.childForFieldName('arguments')?.namedChildCount !== 1) return false;
  const holder = call.parent;
  let name: string | undefined;
  let statement: SyntaxNode | null | undefined;
  if (holder?.type === 'assignment_expression' && holder.childForFieldName('operator')?.text === '=' && holder.childForFieldName('left')?.type === 'identifier') {
    name = holder.childForFieldName('left')!.text;
    statement = holder.parent?.type === 'expression_statement' ? holder.parent : undefined;
  } else if (holder?.type === 'variable_declarator') {
    name = holder.childForFieldName('name')?.text;
    statement = holder.parent?.type === 'local_variable_declaration' ? holder.parent : undefined;
  }
  const next = statement?.nextNamedSibling;
  if (!name || next?.type !== 'if_statement') return false;
  const condition = next.childForFieldName('condition')?.text.replace(/[\s()]/g, '');
  if (condition !== `${name}!=null` && condition !== `null!=${name}`) return false;
  return consequenceLeaves(next, loop);
}

/** `return`, `throw`, `break` (labelled or not) or `continue outer;` naming a statement around the for-each. */
function leavesForEach(st: SyntaxNode, loop: LoopFacts): boolean {
  return EXITS.has(st.type) || continuesOuter(st, loop);
}

/** `flag = true;` */
function setsFlag(st: SyntaxNode): string | undefined {
  const e = st.type === 'expression_statement' ? st.namedChild(0) : undefined;
  if (e?.type !== 'assignment_expression' || e.childForFieldName('operator')?.text !== '=') return undefined;
  const left = e.childForFieldName('left');
  return left?.type === 'identifier' && e.childForFieldName('right')?.text === 'true' ? left.text : undefined;
}

/**
 * `for (Desc s : substitutes) { if (result.get(k) == null) { grew = true; result.put(k, s); } } if (grew) continue
 * mainLoop;`: the change sets a flag beside it (in its own block, or in the branch its `if` condition opens), and a
 * statement of the for-each's body after the change tests that flag and leaves the for-each (`return`, `break`,
 * `throw`, `continue outer`), with no `flag = false` and no plain `continue` in between. Once the collection changed,
 * the for-each's iterator is never advanced again.
 */
function leavesOnFlag(call: SyntaxNode, loop: LoopFacts): boolean {
  if (loop.body.type !== 'block') return false;
  // The statement of the loop's body that holds the change, and the flags set beside the change.
  const flags = new Set<string>();
  let top: SyntaxNode | undefined;
  for (let n: SyntaxNode = call; n.parent; n = n.parent) {
    const up = n.parent;
    if (SCOPES.has(up.type)) return false;
    if (up.type === 'block' && up.id !== loop.body.id) for (const st of up.namedChildren) { const f = setsFlag(st); if (f) flags.add(f); }
    if (up.type === 'if_statement' && up.childForFieldName('condition')?.id === n.id) {
      const then = up.childForFieldName('consequence');
      for (const st of then?.type === 'block' ? then.namedChildren : then ? [then] : []) { const f = setsFlag(st); if (f) flags.add(f); }
    }
    if (up.id === loop.body.id) { top = n; break; }
  }
  // A plain `continue` in the changing statement may step the iterator before the test is reached.
  if (!top || flags.size === 0 || top.descendantsOfType(['continue_statement']).some((c) => c.namedChildCount === 0)) return false;
  const resets = loop.body.descendantsOfType(['assignment_expression']).some((a) => flags.has(a.childForFieldName('left')?.text ?? '') && a.childForFieldName('right')?.text !== 'true');
  if (resets) return false;
  for (let next = top.nextNamedSibling; next; next = next.nextNamedSibling) {
    if (next.type === 'if_statement' && flags.has(next.childForFieldName('condition')?.text.replace(/^\(\s*|\s*\)$/g, '') ?? '') && consequenceLeaves(next, loop)) return true;
    if (next.type === 'continue_statement' || next.descendantsOfType(['continue_statement']).some((c) => c.namedChildCount === 0)) return false;
  }
  return false;
}

export function detectJavaMutateWhileIterating(loop: LoopFacts, ctx: RuleContext): Detection[] | null {
  const it = iterated(loop);
  if (!it) return null;
  const root = loop.node.tree.rootNode;
  const stack: SyntaxNode[] = [loop.body];
  const found: SyntaxNode[] = [];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (SCOPES.has(n.type)) continue;
    if (n.type === 'method_invocation') {
      const object = n.childForFieldName('object')?.text;
      const name = n.childForFieldName('name')?.text ?? '';
      if (object === it.collection && MUTATORS.has(name) && !(name === 'remove' && n.childForFieldName('arguments')?.namedChildCount === 0 && !queueOrUnknown(it.collection, root))) found.push(n);
    }
    for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push(n.namedChild(i)!);
  }
  found.sort((a, b) => a.startIndex - b.startIndex);
  // A `break`/`return`/`throw` after the change (in its block or one around it): the iterator is never advanced again.
  const family = fastutilFamily(it.collection, root, enclosingMethod(loop.node));
  const hit = found.find((n) => !leavesOnSuccess(n, loop, { raises: true }) && !replacesVisitedKey(n, loop) && !exitsWhenChanged(n, loop) && !leavesOnFlag(n, loop)
    // fastutil: a tree's iterator survives removing the element it just returned; an array's visits what is appended.
    && !(family === 'tree' && removesVisited(n, loop))
    && !(family === 'array' && /^(add|addAll|put|putAll|putIfAbsent|computeIfAbsent|merge|clear)$/.test(n.childForFieldName('name')?.text ?? '')));
  if (!hit || declaredConcurrent(it.collection, root, enclosingMethod(loop.node)) || ownContainerClass(it.collection, root)) return null;
  const operation = hit.childForFieldName('name')!.text;
  const copy = `new ArrayList<>(${it.iterable.text})`;
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
      variant: family === 'array' ? 'java-shift' : family ? 'java-unchecked' : 'java',
      data: { collection: it.collection, operation },
      confidence: 'high',
      ...(fix ? { fix } : {}),
    },
  ];
}
