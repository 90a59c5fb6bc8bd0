// Adding to or removing from the collection a loop is iterating, where that is a bug: Python raises for dicts and
// sets that change size ("changed size during iteration"); a list or JS array that shrinks while iterated forward
// skips the element after each removal. A list that grows is a work list (its new items are visited) and is not
// reported. Iterating a copy (`list(xs)`, `[...xs]`), a rebound name, or leaving the loop unconditionally after the
// change are all fine.
import type { FileModel } from '../../model.js';
import type { Detection, Detector, RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { blockFix, fenceLanguage, replaceFix, rewriteLines } from '../../../fixes/lines.js';
import { detectJavaMutateWhileIterating } from './java-mutate.js';
import { argumentsOf, calleeOf, compact, descendants, enclosingClass, enclosingFunction, familyOf, identifiersIn, leavesOnSuccess, lineOf, rootOf, type Family } from '../lib/index.js';

const PY_SHRINK = new Set(['remove', 'pop', 'clear', 'discard', 'popitem']);
const PY_GROW = new Set(['append', 'extend', 'insert', 'add', 'update', 'setdefault']);
const JS_SHRINK = new Set(['splice', 'shift', 'pop']);
const JS_GROW = new Set(['push', 'unshift']);
const JS_CALLBACK_ITERATION = new Set(['forEach', 'map', 'filter', 'some', 'every', 'reduce', 'find', 'findIndex', 'flatMap']);

interface Iterated {
  collection: string;
  /** Node whose text is the iterable expression (replaced by a copy in the fix). */
  iterable: SyntaxNode;
  /** The iterable is already a copy / a fresh sequence. */
  copied: boolean;
  /** JS `for (let i = 0; i < xs.length; i++)`: the index that walks `xs` forwards (only `xs.splice(i, ...)` counts). */
  index?: string;
}

/**
 * Python 2 code: the file has a `print` or `exec` statement (`print "x"`, `print >>f, x`, `exec code`), which
 * Python 3 cannot parse; tree-sitter reads them as their own node types. There `d.keys()`, `d.values()` and
 * `d.items()` return new lists, not views, so `for k in d.keys(): del d[k]` walks a copy (the Python 2 idiom for
 * exactly this). Asked only for a loop over a view, once per file.
 */
function isPython2(model: FileModel): boolean {
  return model.memo('python2', () => model.root.descendantsOfType(['print_statement', 'exec_statement']).some((n) => !n.hasError));
}

/** Builtins that exist only in Python 2: Python 3 raises NameError where one is read and the file binds none of them. */
const PY2_ONLY_BUILTINS: readonly string[] = ['unicode', 'basestring', 'unichr'];

/**
 * A change to a dict under a view loop (`for k, v in d.items():`) made only in a branch whose test reads a Python 2
 * builtin the file never binds (`if type(key) == unicode: del d[key]`): on Python 3 the test raises NameError before
 * the change, on Python 2 the view is a copied list. Code kept working on both, whose Python 2 branch is dead on 3.
 */
function python2OnlyBranch(node: SyntaxNode, loop: LoopFacts, iterated: Iterated, source: string): boolean {
  if (!/\.(keys|values|items)\(\)$/.test(iterated.iterable.text)) return false;
  for (let up = node.parent; up && up.id !== loop.body.id; up = up.parent) {
    if (up.type !== 'if_statement' && up.type !== 'elif_clause') continue;
    const condition = up.childForFieldName('condition');
    const consequence = up.childForFieldName('consequence');
    if (!condition || !consequence || node.startIndex < consequence.startIndex || node.endIndex > consequence.endIndex) continue;
    const read = condition.descendantsOfType('identifier').map((n) => n.text);
    if (PY2_ONLY_BUILTINS.some((name) => read.includes(name) && !boundInSource(name, source))) return true;
  }
  return false;
}

/** The file binds the name (a line `unicode = str`, `import ... unicode`, `as unicode`, `def`/`class unicode`, `global unicode`). */
function boundInSource(name: string, source: string): boolean {
  return new RegExp(`(^|\\n)[ \\t]*${name}[ \\t]*=[^=]|\\bas[ \\t]+${name}\\b|\\bimport\\b[^\\n]*\\b${name}\\b|\\b(def|class|global|nonlocal)[ \\t]+${name}\\b`).test(source);
}

/**
 * `record['endpoints']`, `self.peaks[ele]`: one entry of a mapping or list, named by a literal key or a plain name
 * (not a slice, which is a copy, nor a call's result): the loop walks the list stored there, and
 * `record['endpoints'].remove(e)` changes that same list.
 */
function keyedEntry(node: SyntaxNode): boolean {
  if (node.type !== 'subscript') return false;
  const value = node.childForFieldName('value');
  const keys = node.childrenForFieldName('subscript');
  if (!value || keys.length !== 1) return false;
  const key = keys[0]!;
  if (key.type !== 'string' && key.type !== 'integer' && key.type !== 'identifier' && key.type !== 'attribute') return false;
  return value.type === 'identifier' || value.type === 'attribute' || keyedEntry(value);
}

function pythonIterated(node: SyntaxNode, model: FileModel): Iterated | undefined {
  if (node.type !== 'for_statement') return undefined;
  const right = node.childForFieldName('right');
  if (!right) return undefined;
  if (right.type === 'identifier' || right.type === 'attribute' || keyedEntry(right)) return { collection: compact(right.text), iterable: right, copied: false };
  if (right.type === 'call') {
    const callee = calleeOf(right);
    const { positional: args, keywords } = argumentsOf(right);
    // A dict's views take no argument: `db.keys("autorestore/*")` (a store's keys matching a pattern, Redis's
    // `KEYS pattern`) returns a fresh list, not a view of what the loop then deletes from.
    if (/\.(keys|values|items)$/.test(callee) && (args.length > 0 || keywords.size > 0)) return undefined;
    if (/\.(keys|values|items)$/.test(callee)) return { collection: callee.replace(/\.(keys|values|items)$/, ''), iterable: right, copied: isPython2(model) };
    if (callee === 'enumerate' && args[0] && (args[0].type === 'identifier' || args[0].type === 'attribute' || keyedEntry(args[0]))) return { collection: compact(args[0].text), iterable: args[0], copied: false };
    if (callee === 'reversed') return undefined;
  }
  return undefined;
}

function jsIterated(loop: LoopFacts): Iterated | undefined {
  const node = loop.node;
  if (node.type === 'for_in_statement') {
    if (node.childForFieldName('operator')?.text !== 'of') return undefined;
    const right = node.childForFieldName('right');
    if (!right) return undefined;
    if (right.type === 'identifier' || right.type === 'member_expression') return { collection: compact(right.text), iterable: right, copied: false };
    if (right.type === 'call_expression' && /\.entries$/.test(calleeOf(right))) return { collection: calleeOf(right).replace(/\.entries$/, ''), iterable: right, copied: false };
    return undefined;
  }
  if (node.type === 'for_statement') return indexWalk(node);
  if (node.type === 'call_expression') {
    const callee = calleeOf(node);
    const dot = callee.lastIndexOf('.');
    if (dot < 0 || !JS_CALLBACK_ITERATION.has(callee.slice(dot + 1))) return undefined;
    const object = node.childForFieldName('function')?.childForFieldName('object');
    if (!object || (object.type !== 'identifier' && object.type !== 'member_expression')) return undefined;
    return { collection: compact(object.text), iterable: object, copied: false };
  }
  return undefined;
}

/**
 * `for (let i = 0; i < pools.length; i++) { ... pools.splice(i, 1); ... }`: an index that walks the array forwards,
 * one step per pass, bounded by its current length. Removing element `i` moves the next one to `i`, which the `i++`
 * then skips, unless the body steps back (`i--`) or assigns the index itself.
 */
function indexWalk(node: SyntaxNode): Iterated | undefined {
  const init = node.childForFieldName('initializer');
  const declarator = init?.descendantsOfType('variable_declarator')[0];
  const index = declarator?.childForFieldName('name')?.text;
  if (!index || !/^[A-Za-z_$][\w$]*$/.test(index)) return undefined;
  const condition = node.childForFieldName('condition');
  const test = condition?.type === 'expression_statement' ? condition.namedChildren[0] : condition;
  if (test?.type !== 'binary_expression' || test.childForFieldName('left')?.text !== index || !['<', '<='].includes(test.childForFieldName('operator')?.text ?? '')) return undefined;
  const bound = test.childForFieldName('right');
  if (bound?.type !== 'member_expression' || bound.childForFieldName('property')?.text !== 'length') return undefined;
  const array = bound.childForFieldName('object');
  if (!array || (array.type !== 'identifier' && array.type !== 'member_expression' && array.type !== 'subscript_expression')) return undefined;
  const step = node.childForFieldName('increment')?.text.replace(/\s+/g, '');
  if (step !== `${index}++` && step !== `++${index}` && step !== `${index}+=1`) return undefined;
  return { collection: compact(array.text), iterable: array, copied: false, index };
}

/** The body moves the index itself (`i--`, `--i`, `i -= 1`, `i = j`): a removal is compensated for. */
function stepsIndex(body: SyntaxNode, index: string): boolean {
  return body.descendantsOfType(['update_expression', 'assignment_expression', 'augmented_assignment_expression']).some((n) => {
    const target = n.type === 'update_expression' ? n.namedChildren[0] : n.childForFieldName('left');
    return target?.text === index;
  });
}

/**
 * `object`: an instance of some other class (`Message(...)`), whose `keys()` and `del` are its own. `snapshot`: a
 * `collections.ChainMap`, whose `__iter__` (and so `keys()`) walks a dict it builds afresh from its maps on every
 * call (its views go through it): deleting or adding keys during the loop changes nothing it walks.
 */
type CollectionType = 'list' | 'dict' | 'set' | 'object' | 'snapshot' | 'unknown';

/** A class name: `Message`, `email.message.Message` (CamelCase, not a constant such as `DEFAULTS`). */
const CLASS_NAME = /^_*[A-Z][a-z0-9]\w*$/;
/** Base classes that make a class of the file a dict (`class Registry(dict):`). */
const DICT_BASE = /^(?:dict|OrderedDict|defaultdict|UserDict|Counter|(?:typing\.|collections\.abc\.)?(?:Dict|MutableMapping))$/;

/** What a value builds: `{}` / `dict(...)` → dict, `set()` / `{a, b}` → set, `[...]` / `list(...)` → list. */
function typeOfValue(value: SyntaxNode | null | undefined): CollectionType {
  if (!value) return 'unknown';
  switch (value.type) {
    case 'dictionary':
    case 'dictionary_comprehension':
      return 'dict';
    case 'set':
    case 'set_comprehension':
      return 'set';
    case 'list':
    case 'list_comprehension':
    case 'array':
      return 'list';
    case 'call':
    case 'new_expression': {
      const callee = calleeOf(value).split('.').pop() ?? '';
      if (callee === 'ChainMap') return 'snapshot';
      if (/^(dict|defaultdict|OrderedDict|Counter|WeakKeyDictionary|WeakValueDictionary)$/.test(callee)) return 'dict';
      if (/^(set|WeakSet)$/.test(callee)) return 'set';
      if (/^(list|sorted)$/.test(callee)) return 'list';
      // `text.split(",")`, `out.splitlines()`, `re.findall(...)`: a new list of strings.
      if (/^(split|rsplit|splitlines|findall)$/.test(callee) && value.type === 'call') return 'list';
      return CLASS_NAME.test(callee) ? 'object' : 'unknown';
    }
    default:
      return 'unknown';
  }
}

/** `x: dict[str, int]`, `x: List[int]`, `x: set`: the annotated type. */
function typeOfAnnotation(annotation: string): CollectionType {
  const head = annotation.replace(/^(typing|t)\./, '').split('[')[0]!.trim();
  if (/^(dict|Dict|DefaultDict|OrderedDict|MutableMapping|Counter)$/.test(head)) return 'dict';
  if (/^(?:collections\.)?ChainMap$/.test(head)) return 'snapshot';
  if (/^(set|Set|MutableSet)$/.test(head)) return 'set';
  if (/^(list|List|MutableSequence)$/.test(head)) return 'list';
  return 'unknown';
}

/**
 * The type of the iterated Python collection from the last binding of its name before the loop, in the enclosing
 * function (or the module; for `self.x`, anywhere in the file), or from a `.keys()` / `.items()` / `.values()` view.
 */
function pythonCollectionType(loop: LoopFacts, iterated: Iterated, model: FileModel): CollectionType {
  const bound = boundType(loop, iterated, model);
  // `.keys()` says dict unless the name holds an instance of another class: `email.message.Message.keys()` is a
  // list of header names, and deleting a header while walking it is fine. A class of this file that extends dict
  // is a dict.
  if (bound === 'snapshot') return bound;
  if (bound === 'object') return instanceOfDictClass(loop, iterated, model) ? 'dict' : 'object';
  if (bound === 'unknown' && callsForeignMethod(loop, iterated, model)) return 'object';
  const view = iterated.iterable.type === 'call' ? /\.(keys|values|items)$/.exec(calleeOf(iterated.iterable))?.[1] : undefined;
  if (view !== undefined && bound === 'unknown' && notADict(loop, iterated, model, view)) return 'object';
  if (view !== undefined) return 'dict';
  if (bound === 'unknown' && inheritedAttribute(loop, iterated, model)) return 'object';
  return bound;
}

/**
 * `for k in self.headers: del self.headers[k]` in a class with a base class, where nothing in the file binds
 * `self.headers`: the attribute is the base class's (a request handler's `email.message.Message`, whose iteration
 * walks a list it replaces on delete), so `del x[k]` does not make it a dict.
 */
function inheritedAttribute(loop: LoopFacts, iterated: Iterated, model: FileModel): boolean {
  if (!/^self\.\w+$/.test(iterated.collection)) return false;
  const cls = enclosingClass(loop.node);
  const bases = cls?.childForFieldName('superclasses')?.namedChildren.filter((b) => b.type !== 'keyword_argument' && b.text !== 'object') ?? [];
  if (bases.length === 0) return false;
  return !descendants(rootOf(loop.node), model).some((n) => {
    if (n.type === 'assignment' || n.type === 'augmented_assignment') return compact(n.childForFieldName('left')?.text ?? '') === iterated.collection;
    return false;
  });
}

/** The methods of Python's own dict, list and set: a collection of unknown type that has only these may be one. */
const BUILTIN_COLLECTION_METHODS: ReadonlySet<string> = new Set([
  'keys', 'values', 'items', 'get', 'pop', 'popitem', 'setdefault', 'update', 'clear', 'copy', 'fromkeys',
  'append', 'extend', 'insert', 'remove', 'index', 'count', 'sort', 'reverse',
  'add', 'discard', 'union', 'intersection', 'difference', 'symmetric_difference', 'issubset', 'issuperset', 'isdisjoint',
  'intersection_update', 'difference_update', 'symmetric_difference_update',
]);

/**
 * `def add_message(self, msg): ... msg.get_all(h) ... for h in msg.keys(): del msg[h]`: the function calls a method
 * on the collection that no dict, list or set has (`get_all`, `set_payload`, a tag file's `save()`), so it is an
 * instance of another class (an `email.message.Message`, whose `keys()` is a list of header names and whose
 * iteration walks a list that `del` replaces), not a dict. For `self.x`, the whole class is read: a container made by
 * a factory (`self._artists = self._container_cls()`) whose class elsewhere calls `self._artists.on_changed(cb)` is
 * an object of its own class, whose `__iter__` may walk a copy (pyheld34: glue's layer-artist container).
 */
function callsForeignMethod(loop: LoopFacts, iterated: Iterated, model: FileModel): boolean {
  // An attribute (`self._artists`) is the instance's: a foreign method called on it in any method of the class
  // (`self._artists.on_changed(cb)` in `__init__`) says so as well as one in the loop's function.
  const scope = (/^self\.\w+$/.test(iterated.collection) ? enclosingClass(loop.node) : undefined) ?? enclosingFunction(loop.node, 'python');
  if (!scope) return false;
  return descendants(scope, model).some((n) => {
    if (n.type !== 'call') return false;
    const callee = compact(calleeOf(n));
    const dot = callee.lastIndexOf('.');
    if (dot < 0 || callee.slice(0, dot) !== iterated.collection) return false;
    const method = callee.slice(dot + 1);
    return !method.startsWith('__') && !BUILTIN_COLLECTION_METHODS.has(method);
  });
}

/** Methods of Python's list and set that a dict does not have. */
const NOT_DICT_METHODS: ReadonlySet<string> = new Set([...BUILTIN_COLLECTION_METHODS].filter((m) => !['keys', 'values', 'items', 'get', 'pop', 'popitem', 'setdefault', 'update', 'clear', 'copy', 'fromkeys'].includes(m)));

/**
 * `for name, path, xml in cache.items(): cache.add(name, path, xml)` on a container the code never binds (a value
 * from another object's `get`, a factory's result): it has a view method, but a dict's `items()` yields pairs, not
 * three names, and a dict has no `add`, `append` or `discard`. It is an object of the code's own class with its own
 * `items()` and `add()` (a cache that re-stores the names it walks), not a dict whose size changes. Python.
 */
function notADict(loop: LoopFacts, iterated: Iterated, model: FileModel, view: string): boolean {
  const left = loop.node.childForFieldName('left');
  const names = left?.type === 'pattern_list' || left?.type === 'tuple_pattern' ? left.namedChildren.length : 1;
  if (view === 'items' && names > 2) return true;
  const scope = (/^self\.\w+$/.test(iterated.collection) ? enclosingClass(loop.node) : undefined) ?? enclosingFunction(loop.node, 'python');
  if (!scope) return false;
  return descendants(scope, model).some((n) => {
    if (n.type !== 'call') return false;
    const callee = compact(calleeOf(n));
    const dot = callee.lastIndexOf('.');
    return dot > 0 && callee.slice(0, dot) === iterated.collection && NOT_DICT_METHODS.has(callee.slice(dot + 1));
  });
}

/** Methods only a list has among Python's dict, list and set (a tuple or str has some of them, but no `remove`). */
const LIST_ONLY_METHODS: ReadonlySet<string> = new Set(['append', 'extend', 'insert', 'index', 'sort', 'reverse']);
/** Methods a set or dict has and a list does not. */
const NOT_LIST_METHODS: ReadonlySet<string> = new Set([...BUILTIN_COLLECTION_METHODS].filter((m) => !['append', 'extend', 'insert', 'remove', 'index', 'count', 'sort', 'reverse', 'pop', 'clear', 'copy'].includes(m)));

/**
 * `def rewrite(ports): for port in ports: ... ports.remove(c) ... ports.insert(ports.index(port) + j, c)` on a
 * name nothing binds to a literal (a parameter, a value from another call such as `settings.get_strv(...)`): the
 * same scope (the function, or the class for `self.x`) calls a method on it that only a list has (`insert`,
 * `index`, `append`, `extend`, `sort`, `reverse`) and none that a set or dict has and a list lacks (`add`, `keys`,
 * `update`, ...). It is a list, so a removal skips the next element; it cannot raise "Set changed size" as the
 * unknown-type message says. Python.
 */
function usedAsList(loop: LoopFacts, iterated: Iterated, model: FileModel): boolean {
  const scope = (/^self\.\w+$/.test(iterated.collection) ? enclosingClass(loop.node) : undefined) ?? enclosingFunction(loop.node, 'python');
  if (!scope) return false;
  let listOnly = false;
  for (const n of descendants(scope, model)) {
    if (n.type !== 'call') continue;
    const callee = compact(calleeOf(n));
    const dot = callee.lastIndexOf('.');
    if (dot <= 0 || callee.slice(0, dot) !== iterated.collection) continue;
    const method = callee.slice(dot + 1);
    if (NOT_LIST_METHODS.has(method)) return false;
    if (LIST_ONLY_METHODS.has(method)) listOnly = true;
  }
  return listOnly;
}

/** `self._visible = Message(...)` where this file has `class Message(dict):`. */
function instanceOfDictClass(loop: LoopFacts, iterated: Iterated, model: FileModel): boolean {
  const classes = new Set<string>();
  for (const node of descendants(rootOf(loop.node), model)) {
    if (node.type !== 'class_definition') continue;
    const bases = node.childForFieldName('superclasses')?.namedChildren ?? [];
    if (bases.some((b) => DICT_BASE.test(b.text.split('[')[0]!.trim()))) classes.add(node.childForFieldName('name')?.text ?? '');
  }
  if (classes.size === 0) return false;
  const scope = iterated.collection.startsWith('self.') ? rootOf(loop.node) : (enclosingFunction(loop.node, 'python') ?? rootOf(loop.node));
  return descendants(scope, model).some((n) => {
    if (n.type !== 'assignment' || compact(n.childForFieldName('left')?.text ?? '') !== iterated.collection) return false;
    const right = n.childForFieldName('right');
    return right?.type === 'call' && classes.has(calleeOf(right).split('.').pop() ?? '');
  });
}

/**
 * The type from the last binding of the iterated name before the loop. For `self.x`, the bindings in the class the
 * loop sits in, and only when it has none, anywhere in the file: a subclass of the same file that binds the field to
 * another type (`ExcludeList.__init__` sets a list, `ExcludeDict.__init__` a dict and overrides the method) does not
 * decide what the base class's own method walks.
 */
function boundType(loop: LoopFacts, iterated: Iterated, model: FileModel): CollectionType {
  if (iterated.collection.startsWith('self.')) {
    const cls = enclosingClass(loop.node);
    const own = cls ? boundTypeIn(cls, loop, iterated, model) : 'unknown';
    if (own !== 'unknown') return own;
  }
  const scope = iterated.collection.startsWith('self.') ? rootOf(loop.node) : (enclosingFunction(loop.node, 'python') ?? rootOf(loop.node));
  return boundTypeIn(scope, loop, iterated, model);
}

function boundTypeIn(scope: SyntaxNode, loop: LoopFacts, iterated: Iterated, model: FileModel): CollectionType {
  let found: CollectionType = 'unknown';
  for (const node of descendants(scope, model)) {
    if (node.startIndex >= loop.node.startIndex && !iterated.collection.startsWith('self.')) break;
    if (node.type === 'assignment') {
      const left = node.childForFieldName('left');
      if (!left || compact(left.text) !== iterated.collection) continue;
      const annotation = node.childForFieldName('type');
      const byAnnotation = annotation ? typeOfAnnotation(annotation.text) : 'unknown';
      const byValue = typeOfValue(node.childForFieldName('right'));
      if (byAnnotation !== 'unknown' || byValue !== 'unknown') found = byAnnotation !== 'unknown' ? byAnnotation : byValue;
    } else if (node.type === 'as_pattern' && node.parent?.type === 'with_item') {
      // `with closing(dbm.open(path)) as db:`: what a context manager hands out (a database handle, a file, a
      // session) is an object of its own class whose `keys()` is its own, not a dict, which has no `__enter__`.
      const target = node.childForFieldName('alias') ?? node.namedChildren[node.namedChildren.length - 1];
      if (target && compact(target.text) === iterated.collection) found = 'object';
    } else if (node.type === 'typed_parameter' || node.type === 'typed_default_parameter') {
      const name = node.namedChildren[0];
      const annotation = node.childForFieldName('type');
      if (name && annotation && name.text === iterated.collection) {
        const byAnnotation = typeOfAnnotation(annotation.text);
        if (byAnnotation !== 'unknown') found = byAnnotation;
      }
    }
  }
  return found;
}

/**
 * Python `remove(row.iter)` / `remove(item.handle)`: the one argument is an attribute of a loop variable (the element
 * being visited), not the element itself.
 */
function removesHandleOfElement(args: readonly SyntaxNode[], loop: LoopFacts): boolean {
  if (args.length !== 1) return false;
  const arg = args[0]!;
  if (arg.type !== 'attribute') return false;
  const object = arg.childForFieldName('object');
  return object?.type === 'identifier' && loop.loopVariables.includes(object.text);
}

/** Methods of Python's list, set and dict that change the collection and return None. */
const RETURNS_NONE = new Set(['add', 'discard', 'append', 'extend', 'insert', 'remove', 'clear', 'update']);

/**
 * The call's value is used: assigned, returned, passed on or called on; not a statement of its own, and not the
 * `x in seen or seen.add(x)` idiom, whose None is only a truth value.
 */
function valueUsed(call: SyntaxNode): boolean {
  let n: SyntaxNode = call;
  while (n.parent?.type === 'parenthesized_expression') n = n.parent;
  const parent = n.parent;
  return parent !== null && !['expression_statement', 'boolean_operator', 'not_operator', 'conditional_expression'].includes(parent.type);
}

/** The method says what the collection is when its type is unknown: `add` is a set's, `append` a list's. */
function typeOfMethod(method: string, keyIsLoopVariable: boolean): CollectionType {
  if (method === 'add' || method === 'discard') return 'set';
  if (method === 'popitem' || method === 'setdefault') return 'dict';
  if (method === 'append' || method === 'extend' || method === 'insert') return 'list';
  if (method === 'pop' && keyIsLoopVariable) return 'dict';
  return 'unknown';
}

/**
 * JavaScript: `for (j = 0; j < xs.length; j++) { if (found) break; ... for (k ...) { if (...) { xs.splice(j, 1); found =
 * true; break; } } }`: the index walk's body leaves on the flag, first thing (or right after the inner loop), so no
 * element is visited after the removal.
 */
function jsLeavesByFlag(node: SyntaxNode, loop: LoopFacts): boolean {
  const LOOPS = ['for_statement', 'for_in_statement', 'while_statement', 'do_statement'];
  let inner: SyntaxNode | null = node.parent;
  while (inner && inner.id !== loop.node.id && !LOOPS.includes(inner.type)) inner = inner.parent;
  if (!inner || inner.id === loop.node.id) return false;
  for (let up = inner.parent; up && up.id !== loop.node.id; up = up.parent) if (LOOPS.includes(up.type)) return false;
  const flags: string[] = [];
  let breaks = false;
  for (let child: SyntaxNode = node, up = node.parent; up && up.id !== inner.id; child = up, up = up.parent) {
    if (up.type !== 'statement_block') continue;
    for (const c of up.namedChildren) {
      if (c.startIndex <= child.endIndex) continue;
      if (c.type === 'break_statement') breaks = true;
      const assignment = c.type === 'expression_statement' ? c.namedChildren[0] : undefined;
      if (assignment?.type === 'assignment_expression' && assignment.childForFieldName('right')?.text === 'true') flags.push(assignment.childForFieldName('left')?.text ?? '');
    }
    if (breaks) break;
  }
  if (flags.length === 0 || !breaks) return false;
  const leaves = (c: SyntaxNode) => {
    if (c.type !== 'if_statement') return false;
    const condition = c.childForFieldName('condition')?.text.replace(/^\(|\)$/g, '').trim();
    const consequence = c.childForFieldName('consequence');
    const only = consequence?.type === 'statement_block' ? consequence.namedChildren[0] : consequence;
    return condition !== undefined && flags.includes(condition) && (only?.type === 'break_statement' || only?.type === 'return_statement');
  };
  const body = loop.body.type === 'statement_block' ? loop.body.namedChildren.filter((c) => c.type !== 'comment') : [];
  const after = inner.parent?.namedChildren.filter((c) => c.startIndex > inner!.endIndex) ?? [];
  return (body[0] !== undefined && leaves(body[0])) || after.some(leaves);
}

/**
 * Python: the mutation sits in an inner loop that sets a flag and breaks (`found = True; break`), and the iterated
 * loop's body, right after that inner loop, leaves on the flag (`if found: break`): control never reaches the
 * iterated loop's next step.
 */
function leavesByFlag(node: SyntaxNode, loop: LoopFacts): boolean {
  if (loop.language !== 'python') return jsLeavesByFlag(node, loop);
  let inner: SyntaxNode | null = node.parent;
  while (inner && inner.id !== loop.node.id && inner.type !== 'for_statement' && inner.type !== 'while_statement') inner = inner.parent;
  if (!inner || inner.id === loop.node.id) return false;
  // Between the inner loop and the iterated one, no other loop: a `break` after the inner loop leaves the iterated one.
  for (let up = inner.parent; up && up.id !== loop.node.id; up = up.parent) if (up.type === 'for_statement' || up.type === 'while_statement') return false;
  // `found = True` and `break` after the mutation, in its block or a block around it inside the inner loop.
  const flags: Array<string | undefined> = [];
  let breaks = false;
  for (let child: SyntaxNode = node, up = node.parent; up && up.id !== inner.id; child = up, up = up.parent) {
    if (up.type !== 'block') continue;
    for (const c of up.namedChildren) {
      if (c.startIndex <= child.endIndex) continue;
      if (c.type === 'break_statement') breaks = true;
      const assignment = c.type === 'expression_statement' ? c.namedChildren[0] : undefined;
      if (assignment?.type === 'assignment' && assignment.childForFieldName('right')?.text === 'True') flags.push(assignment.childForFieldName('left')?.text);
    }
    if (breaks) break;
  }
  if (flags.length === 0 || !breaks) return false;
  const next = inner.parent?.namedChildren.filter((c) => c.startIndex > inner!.endIndex) ?? [];
  return next.some(
    (c) =>
      c.type === 'if_statement' &&
      flags.includes(c.childForFieldName('condition')?.text) &&
      (c.childForFieldName('consequence')?.namedChildren ?? []).some((x) => x.type === 'break_statement' || x.type === 'return_statement'),
  );
}

/** An `await` in `statement` that is not inside a function nested in it. */
function awaitsAtTopLevel(statement: SyntaxNode): boolean {
  return statement.descendantsOfType('await_expression').some((a) => {
    for (let n = a.parent; n && n.id !== statement.id; n = n.parent) if (JS_FUNCTIONS.has(n.type)) return false;
    return true;
  });
}

/**
 * `xs.map(async (x) => { await rm(x); xs.splice(xs.indexOf(x), 1); })`: forEach and map call an async callback for
 * every element before any of them resumes, so a mutation that follows an `await` of the callback (a statement
 * before it in its own block or a block around it) runs after the iteration is over and skips nothing.
 */
function afterAwaitInAsyncCallback(node: SyntaxNode, loop: LoopFacts): boolean {
  if (loop.kind !== 'callback-iteration' || familyOf(loop.language) !== 'js') return false;
  const callback = loop.node.childForFieldName('arguments')?.namedChildren[0];
  if (!callback || !JS_FUNCTIONS.has(callback.type) || !callback.children.some((c) => c.type === 'async')) return false;
  for (let n: SyntaxNode | null = node; n && n.id !== callback.id; n = n.parent) {
    const parent = n.parent;
    if (!parent || (JS_FUNCTIONS.has(parent.type) && parent.id !== callback.id)) return false;
    if (parent.type !== 'statement_block') continue;
    for (const sibling of parent.namedChildren) {
      if (sibling.startIndex >= n.startIndex) break;
      if ((sibling.type === 'expression_statement' || JS_DECLARATIONS.has(sibling.type)) && awaitsAtTopLevel(sibling)) return true;
    }
  }
  return false;
}

/**
 * `xs = [...]` (or `xs = xs.filter(...)`, `a, xs = split(xs)`) in the loop body before `node`: the mutation is on a new
 * object. So is one on the loop's own variable of the same name (`for i, args in enumerate(args): args.pop('stride')`):
 * the loop rebinds the name to each element, and the iterator keeps the collection.
 */
function reboundBefore(loop: LoopFacts, collection: string, node: SyntaxNode, model: FileModel): boolean {
  if (loop.loopVariables.includes(collection)) return true;
  if (familyOf(loop.language) === 'js' && shadowedInBody(loop, collection, node)) return true;
  for (const candidate of descendants(loop.body, model, { skipFunctions: loop.kind !== 'callback-iteration' })) {
    if (candidate.startIndex >= node.startIndex) break;
    if (candidate.type !== 'assignment' && candidate.type !== 'assignment_expression') continue;
    const left = candidate.childForFieldName('left');
    if (!left) continue;
    if (compact(left.text) === collection) return true;
    if ((left.type === 'pattern_list' || left.type === 'tuple_pattern') && left.namedChildren.some((t) => t.text === collection)) return true;
  }
  return false;
}

const JS_DECLARATIONS: ReadonlySet<string> = new Set(['lexical_declaration', 'variable_declaration']);
const JS_FUNCTIONS: ReadonlySet<string> = new Set(['arrow_function', 'function_expression', 'function', 'function_declaration', 'method_definition', 'generator_function', 'generator_function_declaration']);

/** Whether a declaration names `name` (`let n = ...`, `const { n } = ...`, `var [n] = ...`). */
function declares(declaration: SyntaxNode, name: string): boolean {
  return declaration.namedChildren.some((d) => {
    if (d.type !== 'variable_declarator') return false;
    const target = d.childForFieldName('name');
    if (!target) return false;
    if (target.type === 'identifier') return target.text === name;
    return target.descendantsOfType(['identifier', 'shorthand_property_identifier_pattern']).some((id) => id.text === name);
  });
}

/**
 * JavaScript: the mutated name is a binding of the loop body's own, not the iterated collection: a `let`/`const` in a
 * block around the call inside the body (a callback's `let n = e.match(re)` shadowing the `n` its forEach walks), or
 * a `var` or parameter of a function nested in the body.
 */
function shadowedInBody(loop: LoopFacts, name: string, node: SyntaxNode): boolean {
  const body = loop.body;
  for (let n = node.parent; n; n = n.parent) {
    const insideBody = n.startIndex >= body.startIndex && n.endIndex <= body.endIndex;
    if (!insideBody) return false;
    const scopeOfFunction = n.parent !== null && JS_FUNCTIONS.has(n.parent.type) && n.parent.startIndex >= loop.node.startIndex;
    for (const st of n.namedChildren) {
      if (st.startIndex >= node.startIndex) break;
      if (st.type === 'lexical_declaration' && declares(st, name)) return true;
      if (st.type === 'variable_declaration' && scopeOfFunction && declares(st, name)) return true;
    }
    if (JS_FUNCTIONS.has(n.type) && n.id !== loop.node.id) {
      const params = n.childForFieldName('parameters') ?? n.childForFieldName('parameter');
      if (params && (params.text === name || params.descendantsOfType(['identifier', 'shorthand_property_identifier_pattern']).some((id) => id.text === name))) return true;
    }
    if (n.id === body.id) return false;
  }
  return false;
}

/**
 * `for i, a in enumerate(xs): for j in range(i + 1, len(xs)): ... del xs[j]`: the removed element is ahead of the
 * cursor, so the outer loop visits every element that is left (the one after it moves into a slot not visited yet).
 */
function aheadOfCursor(index: string, node: SyntaxNode, loop: LoopFacts): boolean {
  const right = loop.node.childForFieldName('right');
  if (right?.type !== 'call' || calleeOf(right) !== 'enumerate') return false;
  const cursor = loop.loopVariables[0];
  // `for ln, line in enumerate(lines): ... del lines[ln + 1]` (or `lines.pop(ln + 1)`): the element removed is
  // after the one being visited, and the next step visits the one after it; nothing left is skipped.
  // (`enumerate(xs)` counts from 0, so the cursor is the position; a `start` would shift it.)
  if (cursor && /^\w+$/.test(cursor) && right.childForFieldName('arguments')?.namedChildren.length === 1 && new RegExp(`^${cursor}\\+[1-9]\\d*$`).test(compact(index))) return true;
  if (!cursor || !/^\w+$/.test(cursor) || !/^\w+$/.test(index)) return false;
  for (let n = node.parent; n && n.id !== loop.node.id; n = n.parent) {
    if (n.type !== 'for_statement' || n.childForFieldName('left')?.text !== index) continue;
    const range = n.childForFieldName('right');
    if (range?.type !== 'call' || calleeOf(range) !== 'range') return false;
    const args = argumentsOf(range).positional;
    const start = args.length >= 2 ? compact(args[0]!.text) : '';
    return new RegExp(`^${cursor}\\+[1-9]\\d*$`).test(start);
  }
  return false;
}

/**
 * `del rows[i]` and then, in the same block, `rows.insert(i + k, ...)` (a row replaced by the rows it expands to):
 * the slot is filled again before the cursor moves, so no element is skipped.
 */
function refilledAt(index: string, collection: string, del: SyntaxNode): boolean {
  if (!/^\w+$/.test(index) || !del.parent) return false;
  const after = del.parent.namedChildren.filter((s) => s.startIndex > del.endIndex);
  return after.some((s) =>
    s.descendantsOfType('call').some((c) => {
      if (compact(calleeOf(c)) !== `${collection}.insert`) return false;
      const first = argumentsOf(c).positional[0];
      return first !== undefined && (first.text === index || (first.type === 'binary_operator' && first.childForFieldName('left')?.text === index));
    }),
  );
}

/** `i` of `for i, x in enumerate(xs):`: the position of the element being visited. */
function isEnumerateIndex(name: string, loop: LoopFacts): boolean {
  return calleeOf(loop.node.childForFieldName('right') ?? loop.node) === 'enumerate' && name === loop.loopVariables[0];
}

/**
 * Python: `while pending: for m in pending: if done(m): pending.remove(m)`: the loop sits in a `while` that runs
 * until the same collection is empty, so an element skipped after a removal is visited on the next pass (a wait
 * for every member to finish, a round-robin over iterators until all are exhausted). Only the skip is forgiven: a
 * set or dict still raises.
 */
function drainedByEnclosingWhile(loop: LoopFacts, collection: string, removal: SyntaxNode): boolean {
  if (loop.language !== 'python') return false;
  const escaped = collection.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const drains = new RegExp(`^(?:${escaped}|len\\(${escaped}\\)(?:>0|!=0)?)$`);
  for (let up = loop.node.parent; up; up = up.parent) {
    if (up.type === 'function_definition' || up.type === 'lambda' || up.type === 'class_definition') return false;
    if (up.type === 'while_statement') {
      const condition = up.childForFieldName('condition');
      return drains.test(compact(condition?.text ?? '')) || countsRemovals(condition, removal, loop);
    }
  }
  return false;
}

/**
 * `while finished < total: for r in pending: ... pending.remove(r); finished += 1`: the `while` reads a counter that
 * the removal's own block steps (`+= 1` / `-= 1`), so it goes round until every element has been removed and
 * counted: one skipped after a removal is visited on the next pass, as in a `while pending:` drain. A counter stepped
 * anywhere else (once per pass, after the `for`) says nothing about the elements.
 */
function countsRemovals(condition: SyntaxNode | null, removal: SyntaxNode, loop: LoopFacts): boolean {
  if (!condition) return false;
  const read = new Set(condition.descendantsOfType('identifier').map((n) => n.text));
  if (condition.type === 'identifier') read.add(condition.text);
  let statement: SyntaxNode | null = removal;
  while (statement && statement.parent?.type !== 'block') statement = statement.parent;
  const block = statement?.parent;
  if (!block || block.startIndex < loop.body.startIndex) return false;
  return block.namedChildren.some((s) => {
    const step = s.type === 'expression_statement' ? s.namedChildren[0] : undefined;
    if (step?.type !== 'augmented_assignment' || !/^[+-]=$/.test(step.childForFieldName('operator')?.text ?? '')) return false;
    const target = step.childForFieldName('left');
    return target?.type === 'identifier' && read.has(target.text) && step.childForFieldName('right')?.text === '1';
  });
}

/**
 * `for (let i = 0; i < params.length; i++) if (params[i].name === param.name) params.splice(i, 1); params.push(param);`:
 * the removal is of the elements whose key (`.name`, or the element itself) equals one value's, and every `push` or
 * `unshift` onto the list in the file either comes right after such a loop in the same block and adds that value
 * (remove, then add: the list holds each key once) or sits behind a check that the list does not hold it yet
 * (`if (!list.includes(x))`, `if (list.some((y) => y.id === x.id)) return;`, `indexOf(x) === -1`). At most one element
 * matches, so the element after it, which the walk skips, is never a second match. Any other way of filling the list
 * (`list = other`, `splice(i, 0, x)`, a push of something else) leaves duplicates possible.
 */
function keptUniqueByKey(loop: LoopFacts, iterated: Iterated, removal: SyntaxNode): boolean {
  const list = iterated.collection;
  const element = iterated.index !== undefined ? `${list}[${iterated.index}]` : loop.loopVariables[0];
  if (!element) return false;
  // The `if` around the removal: `element<key> === value<key>`, the value not depending on the walk.
  let test: SyntaxNode | undefined;
  for (let up = removal.parent; up && up.id !== loop.node.id; up = up.parent) {
    if (up.type === 'if_statement') { test = up.childForFieldName('condition') ?? undefined; break; }
    if (up.type === 'binary_expression' && up.childForFieldName('operator')?.text === '&&') { test = up.childForFieldName('left') ?? undefined; break; }
  }
  while (test?.type === 'parenthesized_expression') test = test.namedChildren[0];
  if (test?.type !== 'binary_expression' || !['===', '=='].includes(test.childForFieldName('operator')?.text ?? '')) return false;
  const sides = [compact(test.childForFieldName('left')?.text ?? ''), compact(test.childForFieldName('right')?.text ?? '')];
  const walk = [iterated.index, ...loop.loopVariables].filter((n): n is string => n !== undefined);
  const mentionsWalk = (text: string) => walk.some((n) => new RegExp(`(^|[^\\w$.])${n.replace(/\$/g, '\\$')}($|[^\\w$])`).test(text));
  const mine = sides.findIndex((side) => side === element || side.startsWith(`${element}.`));
  if (mine < 0) return false;
  const key = sides[mine]!.slice(element.length);
  const other = sides[1 - mine]!;
  if (mentionsWalk(other) || !other.endsWith(key)) return false;
  const value = other.slice(0, other.length - key.length);
  if (!/^[\w$.]+$/.test(value)) return false;
  const root = rootOf(loop.node);
  const escaped = list.replace(/[.$]/g, (c) => `\\${c}`);
  const adds = root.descendantsOfType('call_expression').filter((c) => new RegExp(`^${escaped}\\.(push|unshift|splice)$`).test(compact(calleeOf(c))));
  const pushes = adds.filter((c) => !/\.splice$/.test(calleeOf(c)));
  if (pushes.length === 0 || adds.some((c) => /\.splice$/.test(calleeOf(c)) && (c.childForFieldName('arguments')?.namedChildren.length ?? 0) > 2)) return false;
  // The list is only ever (re)bound to a fresh empty array.
  for (const a of root.descendantsOfType('assignment_expression')) {
    if (compact(a.childForFieldName('left')?.text ?? '') === list && a.childForFieldName('right')?.text.replace(/\s+/g, '') !== '[]') return false;
  }
  const loopStatement = loop.node.type === 'call_expression' ? loop.node.parent : loop.node;
  return pushes.every((push) => {
    const args = push.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
    if (args.length !== 1) return false;
    const added = compact(args[0]!.text);
    // Remove, then add the same value (or something made from it: `param.toSpec()`) in the block that ran the loop.
    const statement = push.parent?.type === 'expression_statement' ? push.parent : undefined;
    if (statement && loopStatement && statement.parent?.id === loopStatement.parent?.id && loopStatement.endIndex <= statement.startIndex && (added === value || added.startsWith(`${value}.`))) return true;
    return absentBefore(push, list, added);
  });
}

/**
 * Python: `for i, w in enumerate(ws): if w is target: del ws[i]`: the whole body is one `if` that tests the element's
 * identity against one object fixed for the walk, and removes it. The element the walk then skips is only ever
 * looked at by that test, and it is the same object only if the list holds one object twice: nothing is lost. (A
 * body that also does other work per element, an `else`, or `is None`, which several elements can pass, keeps the
 * finding; an `==` test is removesEqualMatch's.)
 */
function removesOneObject(loop: LoopFacts, removal: SyntaxNode): boolean {
  const condition = onlyTestAround(loop, removal)?.childForFieldName('condition');
  if (condition?.type !== 'comparison_operator') return false;
  const sides = /^(.+?)\s+is\s+(?!not\b)(.+)$/s.exec(condition.text);
  if (!sides) return false;
  const [left, right] = [compact(sides[1]!), compact(sides[2]!)];
  const walk = loop.loopVariables;
  const mentionsWalk = (text: string) => walk.some((n) => new RegExp(`(^|[^\\w.])${n}($|[^\\w])`).test(text));
  const element = (text: string) => walk.includes(text);
  // One object named by the code (`var.watch_expr`), not a singleton many elements can be (`is None`).
  const oneObject = (text: string) => /^[A-Za-z_][\w.]*$/.test(text) && !/^(?:None|True|False|Ellipsis|NotImplemented)$/.test(text) && !mentionsWalk(text);
  return (element(left) && oneObject(right)) || (element(right) && oneObject(left));
}

/** The loop's whole body is one `if`, without `elif` or `else`, holding `removal`: that `if`. */
function onlyTestAround(loop: LoopFacts, removal: SyntaxNode): SyntaxNode | undefined {
  const statements = loop.body.namedChildren.filter((n) => n.type !== 'comment');
  const test = statements.length === 1 ? statements[0]! : undefined;
  if (test?.type !== 'if_statement' || test.namedChildren.some((c) => c.type === 'elif_clause' || c.type === 'else_clause')) return undefined;
  return removal.startIndex < test.startIndex || removal.endIndex > test.endIndex ? undefined : test;
}

/**
 * Python: `for c in configs: if c["vrf"] == vrf: configs.remove(c)` (also `and`-joined `==` tests, `del xs[i]` in an
 * `enumerate` walk): the whole body is one `if`, without `else`, that compares the element (or its field) with named
 * values the walk does not change (a parameter, a field; not a literal), and removes it. The element the walk then
 * skips is only ever looked at by that test: it is lost only when it equals the same value, a second match right
 * behind the first. Whether two elements can match is a fact of the data the code does not state (one entry per VRF,
 * one mapping per host: reviewers dismissed such findings as a rule), so they are reported at a lower severity
 * (rule.yml `variant_severity`). A body that counts the matches (`found += 1`) expects several and keeps the full
 * severity; identity tests are removesOneObject's.
 */
function removesEqualMatch(loop: LoopFacts, removal: SyntaxNode): boolean {
  const test = onlyTestAround(loop, removal);
  if (!test) return false;
  const consequence = test.childForFieldName('consequence');
  if (!consequence || consequence.descendantsOfType('augmented_assignment').length > 0) return false;
  const walk = new Set(loop.loopVariables);
  // Names the body assigns change from one element to the next, like the walk's own.
  const changing = new Set(walk);
  for (const a of loop.body.descendantsOfType('assignment')) {
    const left = a.childForFieldName('left');
    for (const target of left?.type === 'identifier' ? [left] : (left?.namedChildren ?? [])) if (target.type === 'identifier') changing.add(target.text);
  }
  const mentions = (side: SyntaxNode, names: ReadonlySet<string>) => [...identifiersIn(side)].some((n) => names.has(n));
  const comparisons: SyntaxNode[] = [];
  const collect = (node: SyntaxNode | null): boolean => {
    while (node?.type === 'parenthesized_expression') node = node.namedChildren[0] ?? null;
    if (!node) return false;
    if (node.type === 'boolean_operator') return node.childForFieldName('operator')?.text === 'and' && collect(node.childForFieldName('left')) && collect(node.childForFieldName('right'));
    if (node.type !== 'comparison_operator' || node.namedChildren.length !== 2) return false;
    const [left, right] = node.namedChildren as [SyntaxNode, SyntaxNode];
    if (node.text.slice(left.endIndex - node.startIndex, right.startIndex - node.startIndex).trim() !== '==') return false;
    comparisons.push(node);
    return true;
  };
  if (!collect(test.childForFieldName('condition'))) return false;
  // Each test compares something of the element with a named value fixed for the walk (a parameter, a field): a
  // literal (`status == "done"`, `is None`'s `== None`) is a category many elements can be in.
  return comparisons.every((c) => {
    const [left, right] = c.namedChildren as [SyntaxNode, SyntaxNode];
    const fixed = (side: SyntaxNode) => (side.type === 'identifier' || side.type === 'attribute' || side.type === 'subscript') && !mentions(side, changing) && !/^(?:None|True|False)$/.test(side.text);
    return (mentions(left, walk) && fixed(right)) || (mentions(right, walk) && fixed(left));
  });
}

/**
 * The `push` of `added` onto `list` runs only when the list does not hold it yet: under `if (!list.includes(x))`
 * (`!list.some(...)`, `!list.find(...)`, `list.indexOf(x) === -1`, `list.findIndex(...) < 0`), or after `if
 * (list.includes(x)) return;` (or `continue`; `indexOf(x) !== -1`, `>= 0`) in a block around it.
 */
function absentBefore(push: SyntaxNode, list: string, added: string): boolean {
  const escaped = list.replace(/[.$[\]]/g, (c) => `\\${c}`);
  const probe = `${escaped}\\.(?:includes|some|find)\\(`;
  const position = `${escaped}\\.(?:indexOf|findIndex)\\([^)]*(?:\\([^)]*\\)[^)]*)*\\)`;
  const mentions = (text: string) => text.includes(added.split('.')[0]!);
  /** The condition's text without spaces or its outer parentheses. */
  const textOf = (cond: SyntaxNode | null | undefined): string => {
    const text = compact(cond?.text ?? '').replace(/\s+/g, '');
    return text.startsWith('(') && text.endsWith(')') ? text.slice(1, -1) : text;
  };
  const absent = (cond: SyntaxNode | null | undefined): boolean => {
    const text = textOf(cond);
    // (`!list.includes(x) && ready` still pushes only an absent value; `... || force` may push a present one.)
    return mentions(text) && !text.includes('||') && (new RegExp(`^!${probe}`).test(text) || new RegExp(`^${position}(?:===?-1|<0)(?:&&|$)`).test(text));
  };
  const present = (cond: SyntaxNode | null | undefined): boolean => {
    const text = textOf(cond);
    // (`if (list.includes(x) || stale) return;` leaves whenever the value is there; `... && stale` may not.)
    return mentions(text) && !text.includes('&&') && (new RegExp(`^${probe}`).test(text) || new RegExp(`^${position}(?:!==?-1|>=0|>-1)(?:\\|\\||$)`).test(text));
  };
  for (let child = push, up = push.parent; up; child = up, up = up.parent) {
    if (JS_FUNCTIONS.has(up.type)) break;
    if (up.type === 'if_statement' && up.childForFieldName('consequence')?.id === child.id && absent(up.childForFieldName('condition'))) return true;
    // `if (list.includes(x)) return;` (or `continue`) earlier in the same block.
    if (up.type === 'statement_block') {
      for (const s of up.namedChildren) {
        if (s.endIndex > child.startIndex) break;
        const only = s.type === 'if_statement' ? s.childForFieldName('consequence') : undefined;
        const exit = only?.type === 'statement_block' ? only.namedChildren[only.namedChildren.length - 1] : only;
        if (s.type === 'if_statement' && !s.childForFieldName('alternative') && (exit?.type === 'return_statement' || exit?.type === 'continue_statement') && present(s.childForFieldName('condition'))) return true;
      }
    }
  }
  return false;
}

const IMPORTS_LXML = /^[ \t]*(?:from[ \t]+lxml\b|import[ \t]+lxml\b)/m;
const IMPORTS_ETREE = /^[ \t]*(?:from[ \t]+xml\.etree\b|import[ \t]+xml\.etree\b|from[ \t]+xml[ \t]+import[ \t]+etree\b)/m;

/**
 * Python: the file's elements are lxml's: it imports lxml and not the standard library's `xml.etree`, or (importing
 * neither) a module of the code's own that it imports does (calibre's transforms get their trees from its `oeb.base`).
 * lxml's `element.attrib` is a proxy whose iteration and `keys()`/`items()` copy the keys into a list first, so
 * deleting attributes while walking it skips nothing and raises nothing; `xml.etree`'s `attrib` is a plain dict,
 * which raises RuntimeError (pylab19: three calibre drops, round 15's "lxml element iteration").
 */
function lxmlElements(ctx: RuleContext): boolean {
  return ctx.model.memo('mutate-while-iterating:lxml', () => {
    const source = ctx.file.source;
    if (IMPORTS_ETREE.test(source)) return false;
    if (IMPORTS_LXML.test(source)) return true;
    const modules = (ctx.kb.packageImports?.(ctx.file.language) ?? []).flatMap((p) => p.modules);
    return modules.some((m) => m === 'lxml' || m.startsWith('lxml.')) && !modules.some((m) => m === 'xml.etree' || m.startsWith('xml.etree.'));
  });
}

type Variant = 'list-remove' | 'dict-size' | 'set-size' | 'shrink' | 'grow' | 'list-remove-match' | 'shrink-match';

/**
 * What really happens, by collection type: a dict or set that changes size raises RuntimeError on the next step;
 * a list (JS array) that shrinks while iterated forward skips the element after each removal; a list that grows
 * has the new items visited: a work list, valid code, not reported. JS Sets and Maps visit added entries and skip
 * deleted ones by specification (no finding), and their methods (`delete`, `add`, `set`) are not array methods.
 */
function variantFor(type: CollectionType, kind: 'shrink' | 'grow', family: Family): Variant | undefined {
  if (type === 'object') return undefined;
  if (type === 'dict') return 'dict-size';
  if (type === 'set') return 'set-size';
  if (kind === 'grow') return family === 'python' && type === 'unknown' ? 'grow' : undefined;
  if (type === 'list' || family === 'js') return 'list-remove';
  return 'shrink';
}

/**
 * The code expects the error: the loop sits in `with self.assertRaises(RuntimeError):` / `pytest.raises(...)` or in
 * a `try` with an `except RuntimeError` handler (a test of the error itself).
 */
function expectsRuntimeError(loop: LoopFacts): boolean {
  for (let n = loop.node.parent; n; n = n.parent) {
    if (n.type === 'function_definition') return false;
    if (n.type === 'with_statement') {
      const body = n.childForFieldName('body');
      const header = body ? n.text.slice(0, body.startIndex - n.startIndex) : '';
      if (/\b(assertRaises|raises)\s*\(\s*RuntimeError\b/.test(header)) return true;
    }
    if (n.type === 'try_statement' && n.namedChildren.some((h) => h.type === 'except_clause' && /\bRuntimeError\b/.test(h.text.slice(0, Math.max(0, h.text.indexOf(':')))))) return true;
  }
  return false;
}

/** `splice(start, n, x1, ..., xn)`: a literal count and exactly that many inserted items, none spread. */
/** A dict literal whose every key is a loop variable (`{tag: value}` in `for tag, value in d.items()`). */
function updatesVisitedKeys(arg: SyntaxNode, loop: LoopFacts): boolean {
  if (arg.type !== 'dictionary') return false;
  const pairs = arg.namedChildren.filter((c) => c.type !== 'comment');
  return pairs.length > 0 && pairs.every((p) => p.type === 'pair' && loop.loopVariables.includes(p.childForFieldName('key')?.text ?? ''));
}

function replacesInPlace(args: readonly SyntaxNode[]): boolean {
  const count = args[1]?.type === 'number' ? Number(args[1].text) : NaN;
  return Number.isInteger(count) && count > 0 && args.length - 2 === count && !args.some((a) => a.type === 'spread_element');
}

/**
 * `splice(i)`, `splice(i, xs.length - i)`, `splice(i, xs.length)` or `splice(i, Infinity)`: everything from `i` on
 * goes. Whatever `i` is, no element after the cut is left to be skipped: those before it are visited as usual.
 */
function truncatesAt(args: readonly SyntaxNode[], collection: string): boolean {
  const start = args[0] ? compact(args[0].text) : undefined;
  if (start === undefined || args.some((a) => a.type === 'spread_element')) return false;
  if (args.length === 1) return true;
  if (args.length !== 2) return false;
  const count = compact(args[1]!.text);
  return count === 'Infinity' || count === `${collection}.length` || count === `${collection}.length-${start}`;
}

export const detectMutateWhileIterating: Detector = (loop, ctx) => {
  const { model } = ctx;
  if (loop.language === 'java') return detectJavaMutateWhileIterating(loop, ctx);
  if (loop.language === 'python' && expectsRuntimeError(loop)) return null;
  const family: Family = familyOf(loop.language);
  const iterated = family === 'python' ? pythonIterated(loop.node, model) : jsIterated(loop);
  if (!iterated || iterated.copied) return null;
  // A class iterating itself defines its own iteration (CookieJar.clear(domain, path, name) is not dict.clear()).
  if (iterated.collection === 'self' || iterated.collection === 'this') return null;
  if (family === 'python' && /\.attrib$/.test(iterated.collection) && lxmlElements(ctx)) return null;
  const shrink = family === 'python' ? PY_SHRINK : JS_SHRINK;
  const grow = family === 'python' ? PY_GROW : JS_GROW;
  // The declared type (a walk of the enclosing scope, or of the file for `self.x`) only matters once the body
  // mutates the collection, which most loops never do.
  let declaredType: CollectionType | undefined;
  const declared = (): CollectionType => (declaredType ??= family === 'python' ? pythonCollectionType(loop, iterated, model) : 'list');
  const detections: Detection[] = [];
  for (const node of descendants(loop.body, model, { skipFunctions: loop.kind !== 'callback-iteration' })) {
    let mutation: { kind: 'shrink' | 'grow'; byIndex: boolean; operation: string; type: CollectionType } | undefined;
    if (node.type === 'call' || node.type === 'call_expression') {
      const callee = calleeOf(node);
      const dot = callee.lastIndexOf('.');
      if (dot < 0 || callee.slice(0, dot) !== iterated.collection) continue;
      const method = callee.slice(dot + 1);
      const args = argumentsOf(node).positional;
      // An index walk only skips when the element at the index is spliced out (`splice(i, 0, x)` inserts) and the index
      // still steps on.
      if (iterated.index !== undefined && (method !== 'splice' || args[0]?.text !== iterated.index || args[1]?.text === '0' || stepsIndex(loop.body, iterated.index))) continue;
      // `xs.splice(i, 3, a, '=', b)` puts back as many elements as it takes out: the length and every later index
      // stay as they were, so nothing is skipped (a replacement, like `xs[i] = y`).
      if (method === 'splice' && replacesInPlace(args)) continue;
      // `xs.splice(i)` / `xs.splice(i, xs.length - i)` cuts the array off: no element is left after the cut to be
      // skipped, and the walk ends there (a truncation, not a removal from the middle).
      if (method === 'splice' && truncatesAt(args, iterated.collection)) continue;
      // The built-in `clear()` takes no arguments.
      if (method === 'clear' && args.length > 0) continue;
      const keyIsLoopVariable = args[0] !== undefined && loop.loopVariables.includes(args[0].text);
      // `d.setdefault(k, ...)` for the key being visited does not add one; nor does `s.add(x)` of the element being
      // visited (`for g in groups: groups.add(g)`: a set already holds it).
      if ((method === 'setdefault' || (method === 'add' && args.length === 1)) && keyIsLoopVariable && family === 'python') continue;
      // `d.update({k: joined})` for the key being visited replaces its value, like `d[k] = joined`: no key is added.
      if (family === 'python' && method === 'update' && args.length === 1 && updatesVisitedKeys(args[0]!, loop)) continue;
      // `for i, x in enumerate(xs): xs.pop(i)` removes by position: a list, not a dict keyed by the loop variable.
      const byPosition = family === 'python' && args[0] !== undefined && isEnumerateIndex(args[0].text, loop);
      if (family === 'python' && method === 'pop' && args.length === 1 && aheadOfCursor(args[0]!.text, node, loop)) continue;
      // `for row in store: store.remove(row.iter)`: the removal takes a handle the visited element carries, not the
      // element. A list or set of those rows would raise ValueError (it holds the rows, not their handles), so the
      // container is a model of its own class (a Gtk.ListStore from `builder.get_object(...)`, whose row iterator has
      // already taken the next row's handle when the body runs), not a list that skips. Only when nothing says list.
      if (family === 'python' && method === 'remove' && removesHandleOfElement(args, loop) && (declared() === 'unknown' || declared() === 'object')) continue;
      // Python's list and set `add`/`append`/`extend`/`insert`/`remove`/`discard`/`clear`/`update` return None. A call
      // whose value the code uses (`group = node_list.add(Group())`, `node.add(child).set(...)`) is a method of another
      // kind of container (an XML element that appends a child and returns it, an ORM or tree node), not a set or list
      // of the builtins, when nothing binds the name to one (pyheld51: an SVG element walked while a child is added).
      if (family === 'python' && RETURNS_NONE.has(method) && valueUsed(node) && declared() === 'unknown') continue;
      const byMethod = byPosition ? 'list' : typeOfMethod(method, keyIsLoopVariable);
      const type = declared() !== 'unknown' ? declared() : byMethod === 'unknown' && family === 'python' && shrink.has(method) && usedAsList(loop, iterated, model) ? 'list' : byMethod;
      // `xs.splice(i + 1, 0, x)` takes nothing out: an insertion (what an array walk then visits), not a removal.
      const inserts = method === 'splice' && args.length >= 3 && args[1]?.text === '0';
      if (inserts) mutation = { kind: 'grow', byIndex: false, operation: callee, type };
      else if (shrink.has(method)) {
        // `xs.pop()` on a list being iterated, `d.pop(k)`, `xs.splice(i, 1)`.
        const byIndex = method === 'splice' || (method === 'pop' && family === 'python' && args.length > 0 && /^\d+$|^i$|idx|index/.test(args[0]!.text));
        mutation = { kind: 'shrink', byIndex, operation: callee, type };
      } else if (grow.has(method)) mutation = { kind: 'grow', byIndex: false, operation: callee, type };
    } else if (family === 'python' && node.type === 'delete_statement') {
      // `del(timers[src])` and `del (a[i], b[j])` are `del` statements too: the brackets only group the targets.
      const bare = (t: SyntaxNode | undefined): SyntaxNode | undefined => (t?.type === 'parenthesized_expression' && t.namedChildren.length === 1 ? bare(t.namedChildren[0]) : t);
      const target = bare(node.namedChildren[0]);
      const targets = target?.type === 'expression_list' || target?.type === 'tuple' ? target.namedChildren.map(bare).filter((t): t is SyntaxNode => t !== undefined) : target ? [target] : [];
      const hit = targets.find((t) => t.type === 'subscript' && compact(t.childForFieldName('value')?.text ?? '') === iterated.collection);
      if (hit) {
        const index = hit.childForFieldName('subscript')?.text ?? '';
        if (aheadOfCursor(index, node, loop) || refilledAt(index, iterated.collection, node)) continue;
        // `for i, x in enumerate(xs): del xs[i]` deletes by position: a list, not a dict keyed by the loop variable.
        const byPosition = isEnumerateIndex(index, loop);
        const byKey = !byPosition && (loop.loopVariables.includes(index) || /\.(keys|items)\(\)$/.test(iterated.iterable.text));
        const type = declared() !== 'unknown' ? declared() : byKey ? 'dict' : byPosition || usedAsList(loop, iterated, model) ? 'list' : 'unknown';
        mutation = {
          kind: 'shrink',
          byIndex: !byKey && /^\d+$|^i$|idx|index/.test(index),
          // The statement's own words, spaced as written: `del self.parent.children[i]`.
          operation: node.text.replace(/\s+/g, ' ').trim(),
          type,
        };
      }
    }
    // `remove(x)` then `break`: control never reaches the next iteration (a return/raise, or a break of this loop,
    // follows it in its block or one around it), the ordinary "remove the first match" idiom.
    // A ChainMap's views walk the fresh dict its `__iter__` builds: no change during the loop affects the walk.
    if (mutation?.type === 'snapshot') continue;
    if (mutation && family === 'python' && python2OnlyBranch(node, loop, iterated, ctx.file.source)) continue;
    if (!mutation || leavesOnSuccess(node, loop, { raises: true }) || afterAwaitInAsyncCallback(node, loop) || leavesByFlag(node, loop) || reboundBefore(loop, iterated.collection, node, model)) continue;
    let variant = variantFor(mutation.type, mutation.kind, family);
    if (!variant) continue;
    // A list that shrinks skips an element, which a drain loop around it visits on its next pass.
    if ((variant === 'list-remove' || variant === 'shrink') && drainedByEnclosingWhile(loop, iterated.collection, node)) continue;
    if (variant === 'list-remove' && family === 'js' && keptUniqueByKey(loop, iterated, node)) continue;
    if (variant === 'list-remove' && family === 'python' && removesOneObject(loop, node)) continue;
    if ((variant === 'list-remove' || variant === 'shrink') && family === 'python' && removesEqualMatch(loop, node)) variant = variant === 'list-remove' ? 'list-remove-match' : 'shrink-match';
    let fix;
    if (!mutation.byIndex) {
      const copy = family === 'python' ? `list(${iterated.iterable.text})` : `[...${iterated.iterable.text}]`;
      try {
        fix = replaceFix(rewriteLines(ctx.file.source, [{ start: iterated.iterable.startIndex, end: iterated.iterable.endIndex, text: copy }]), {
          description: family === 'python' ? `iterate over list(${iterated.iterable.text})` : `iterate over [...${iterated.iterable.text}]`,
          safety: mutation.kind === 'grow' ? 'unsafe' : 'safe',
          language: fenceLanguage(loop.language),
        });
      } catch {
        fix = undefined;
      }
    } else {
      const item = (family === 'python' ? loop.loopVariables[loop.loopVariables.length - 1] : loop.loopVariables[0]) ?? 'item';
      fix = blockFix(
        family === 'python'
          ? `${iterated.collection}[:] = [${item} for ${item} in ${iterated.collection} if not should_remove(${item})]\n`
          : `${iterated.collection} = ${iterated.collection}.filter((${item}) => !shouldRemove(${item}));\n`,
        { startLine: loop.startLine, endLine: loop.endLine },
        { description: 'rebuild instead of removing in place', safety: 'unsafe', language: fenceLanguage(loop.language) },
      );
    }
    detections.push({
      loop,
      line: lineOf(node),
      variant,
      data: { collection: iterated.collection, operation: mutation.operation },
      confidence: mutation.type === 'unknown' ? 'medium' : 'high',
      ...(fix ? { fix } : {}),
    });
    // One finding per loop: the fix (iterate a copy) covers every mutation in it.
    break;
  }
  return detections;
};
