// Tree-sitter helpers for the readability and fix-bugs detectors. The loop facts answer "what does this loop call";
// these answer the shape questions the facts do not (which branch a `continue` sits in, what a closure captures,
// whether a resource is closed in a `finally`), for both grammars families.
import type { Language } from '../../../core/types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';

export type Family = 'python' | 'js';

export function familyOf(language: Language): Family {
  return language === 'python' ? 'python' : 'js';
}

export const FUNCTION_TYPES: Record<Family, ReadonlySet<string>> = {
  python: new Set(['function_definition', 'lambda', 'class_definition']),
  js: new Set([
    'function_declaration',
    'function_expression',
    'function',
    'arrow_function',
    'method_definition',
    'generator_function_declaration',
    'generator_function',
    'class_declaration',
    'class',
  ]),
};

export const LOOP_TYPES: Record<Family, ReadonlySet<string>> = {
  python: new Set(['for_statement', 'while_statement']),
  js: new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement']),
};

export const CALL_TYPE_LIST: Record<Family, readonly string[]> = {
  python: ['call'],
  js: ['call_expression', 'new_expression'],
};
const CALL_TYPES: Record<Family, ReadonlySet<string>> = {
  python: new Set(CALL_TYPE_LIST.python),
  js: new Set(CALL_TYPE_LIST.js),
};

export function isFunction(node: SyntaxNode, family: Family): boolean {
  return FUNCTION_TYPES[family].has(node.type);
}

export function isLoopStatement(node: SyntaxNode, family: Family): boolean {
  return LOOP_TYPES[family].has(node.type);
}

export function isCall(node: SyntaxNode, family: Family): boolean {
  return CALL_TYPES[family].has(node.type);
}

export function lineOf(node: SyntaxNode): number {
  return node.startPosition.row + 1;
}

export function endLineOf(node: SyntaxNode): number {
  return node.endPosition.row + 1;
}

export interface WalkOptions {
  /** Do not descend into nested functions, lambdas and classes. */
  skipFunctions?: boolean;
  /** Do not descend into nested loop statements. */
  skipLoops?: boolean;
}

interface FullWalk {
  nodes: SyntaxNode[];
  /** Per node: 1 = inside a nested function, 2 = inside a nested loop statement (below the root, above the node). */
  inside: number[];
  variants: Map<number, readonly SyntaxNode[]>;
}

// Only the tree being analysed is cached: files are analysed one after another, and dropping the previous file's
// node arrays at once keeps the peak memory of a long run flat.
let walkTree: object | undefined;
let walkCache = new Map<string, FullWalk>();

/** One TreeCursor walk of every named descendant, with where each sits; the option variants are filters of it. */
function fullWalk(root: SyntaxNode, family: Family): FullWalk {
  if (walkTree !== root.tree) {
    walkTree = root.tree;
    walkCache = new Map();
  }
  const perTree = walkCache;
  const key = `${String(root.id)}:${root.typeId}:${family}`;
  const cached = perTree.get(key);
  if (cached) return cached;
  const nodes: SyntaxNode[] = [];
  const inside: number[] = [];
  const functions = FUNCTION_TYPES[family];
  const loops = LOOP_TYPES[family];
  const cursor = root.walk();
  // inherited[d] = flags every node at depth d inherits from its ancestors below the root.
  const inherited: number[] = [0, 0];
  let depth = 0;
  // Only named nodes are yielded and entered, as a `namedChildren` walk would.
  let descend = cursor.gotoFirstChild();
  if (descend) depth = 1;
  while (descend) {
    let enter = false;
    if (cursor.nodeIsNamed) {
      const flags = inherited[depth]!;
      nodes.push(cursor.currentNode);
      inside.push(flags);
      const type = cursor.nodeType;
      inherited[depth + 1] = flags | (functions.has(type) ? 1 : 0) | (loops.has(type) ? 2 : 0);
      enter = true;
    }
    if (enter && cursor.gotoFirstChild()) {
      depth++;
      continue;
    }
    while (!cursor.gotoNextSibling()) {
      if (depth <= 1 || !cursor.gotoParent()) {
        descend = false;
        break;
      }
      depth--;
    }
  }
  const walk: FullWalk = { nodes, inside, variants: new Map([[0, nodes]]) };
  perTree.set(key, walk);
  return walk;
}

/**
 * Named descendants in pre-order (the root excluded); nested functions and loops are yielded but, when the options
 * say so, not entered. One TreeCursor walk per root and family, cached per tree: detectors ask about the same loop
 * or scope many times with different options, and every `namedChildren` call marshals node objects across the
 * native boundary. Iterative, so 5,000-deep nesting cannot overflow.
 */
export function descendants(root: SyntaxNode, family: Family, options: WalkOptions = {}): readonly SyntaxNode[] {
  const mask = (options.skipFunctions === true ? 1 : 0) | (options.skipLoops === true ? 2 : 0);
  const walk = fullWalk(root, family);
  let variant = walk.variants.get(mask);
  if (!variant) {
    const { nodes, inside } = walk;
    const out: SyntaxNode[] = [];
    for (let i = 0; i < nodes.length; i++) if ((inside[i]! & mask) === 0) out.push(nodes[i]!);
    variant = out;
    walk.variants.set(mask, variant);
  }
  return variant;
}

/**
 * Nodes of the given types under `root` in source order, leaving out those that sit inside a node of an `exclude`
 * type strictly between `root` and themselves (a match of an `exclude` type is itself kept). The search runs
 * natively (descendantsOfType) and only the matches and the excluding nodes are materialised: a node is inside an
 * excluding node when its byte range is; the rare cases a range cannot decide (equal ranges, zero-width nodes) climb
 * the parents instead.
 */
export function nodesOfTypes(root: SyntaxNode, types: readonly string[], exclude: ReadonlySet<string>, options: { includeRoot?: boolean } = {}): SyntaxNode[] {
  const found = root.descendantsOfType(types as string[]);
  if (found.length === 0) return found;
  const rootStart = root.startIndex;
  const rootEnd = root.endIndex;
  // descendantsOfType yields the root itself first when it has one of the types.
  let from = 0;
  if (!options.includeRoot && types.includes(root.type) && found[0]!.startIndex === rootStart && found[0]!.endIndex === rootEnd && found[0]!.id === root.id) from = 1;
  if (exclude.size === 0) return from === 0 ? found : found.slice(from);
  // Outermost excluding nodes below the root, as disjoint [start, end) ranges in source order.
  const starts: number[] = [];
  const ends: number[] = [];
  for (const node of root.descendantsOfType(typeList(exclude))) {
    const start = node.startIndex;
    const end = node.endIndex;
    if (start === end) continue;
    if (start === rootStart && end === rootEnd && node.id === root.id) continue;
    if (ends.length > 0 && start < ends[ends.length - 1]!) continue; // nested in the previous outermost one
    starts.push(start);
    ends.push(end);
  }
  const out: SyntaxNode[] = [];
  let k = 0;
  for (let i = from; i < found.length; i++) {
    const node = found[i]!;
    const start = node.startIndex;
    const end = node.endIndex;
    while (k < ends.length && ends[k]! <= start) k++;
    const ambiguous = start === end || (start === rootStart && end === rootEnd) || (k < starts.length && starts[k] === start && ends[k] === end);
    if (ambiguous) {
      if (!insideExcluded(node, root, exclude)) out.push(node);
      continue;
    }
    if (k < starts.length && starts[k]! <= start && end <= ends[k]!) continue;
    out.push(node);
  }
  return out;
}

const typeLists = new WeakMap<ReadonlySet<string>, readonly string[]>();

/** The set's types as one array per set (descendantsOfType caches its symbol table per array). */
export function typeList(types: ReadonlySet<string>): readonly string[] {
  let list = typeLists.get(types);
  if (!list) {
    list = [...types];
    typeLists.set(types, list);
  }
  return list;
}

/** Slow path of nodesOfTypes: is there an `exclude` node strictly between `node` and `root`? */
function insideExcluded(node: SyntaxNode, root: SyntaxNode, exclude: ReadonlySet<string>): boolean {
  const rootId = root.id;
  if (node.id === rootId) return false;
  for (let p = node.parent; p && p.id !== rootId; p = p.parent) if (exclude.has(p.type)) return true;
  return false;
}

export function findAll(root: SyntaxNode, family: Family, predicate: (node: SyntaxNode) => boolean, options: WalkOptions = {}): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const node of descendants(root, family, options)) if (predicate(node)) out.push(node);
  return out;
}

export function contains(outer: SyntaxNode, inner: SyntaxNode): boolean {
  return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
}

export function ancestors(node: SyntaxNode, stopAt?: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  let current = node.parent;
  while (current) {
    out.push(current);
    if (stopAt && current.id === stopAt.id) break;
    current = current.parent;
  }
  return out;
}

export function enclosingFunction(node: SyntaxNode, family: Family): SyntaxNode | undefined {
  let current = node.parent;
  while (current) {
    if (isFunction(current, family) && current.type !== 'class_definition' && current.type !== 'class_declaration' && current.type !== 'class') {
      return current;
    }
    current = current.parent;
  }
  return undefined;
}

/** Root of the file. */
export function rootOf(node: SyntaxNode): SyntaxNode {
  // `parent` restarts from the root in tree-sitter, so climbing would be quadratic in the depth.
  return node.tree.rootNode;
}

/** Text without whitespace (callee names are compared this way). */
export function compact(text: string): string {
  return text.replace(/\s+/g, '');
}

/** The callee of a call node (`requests.get`, `new Client` → `Client`), whitespace removed. */
export function calleeOf(call: SyntaxNode): string {
  const fn = call.childForFieldName('function') ?? call.childForFieldName('constructor');
  return fn ? compact(fn.text) : '';
}

export function methodOf(callee: string): string {
  const clean = callee.replace(/\?\./g, '.');
  const dot = clean.lastIndexOf('.');
  return dot >= 0 ? clean.slice(dot + 1) : clean;
}

export function receiverOf(callee: string): string | undefined {
  const clean = callee.replace(/\?\./g, '.');
  const dot = clean.lastIndexOf('.');
  return dot >= 0 ? clean.slice(0, dot) : undefined;
}

/** Positional and keyword arguments of a call. */
export function argumentsOf(call: SyntaxNode): { positional: SyntaxNode[]; keywords: Map<string, SyntaxNode> } {
  const list = call.childForFieldName('arguments');
  const positional: SyntaxNode[] = [];
  const keywords = new Map<string, SyntaxNode>();
  if (!list) return { positional, keywords };
  for (const arg of list.namedChildren) {
    if (arg.type === 'comment') continue;
    if (arg.type === 'keyword_argument') {
      const name = arg.childForFieldName('name')?.text;
      const value = arg.childForFieldName('value');
      if (name && value) keywords.set(name, value);
    } else positional.push(arg);
  }
  return { positional, keywords };
}

/** A numeric literal (or unary minus / arithmetic of literals such as `60 * 5`), else undefined. */
export function numericValue(node: SyntaxNode | undefined | null): number | undefined {
  if (!node) return undefined;
  switch (node.type) {
    case 'integer':
    case 'float':
    case 'number': {
      const text = node.text.replace(/_/g, '').replace(/[lLjJn]$/, '');
      const value = Number(text);
      return Number.isFinite(value) ? value : undefined;
    }
    case 'parenthesized_expression':
      return numericValue(node.namedChildren[0]);
    case 'unary_operator':
    case 'unary_expression': {
      const operand = numericValue(node.namedChildren[node.namedChildren.length - 1]);
      return operand === undefined ? undefined : node.text.trim().startsWith('-') ? -operand : operand;
    }
    case 'binary_operator':
    case 'binary_expression': {
      const left = numericValue(node.childForFieldName('left'));
      const right = numericValue(node.childForFieldName('right'));
      const op = node.childForFieldName('operator')?.text ?? node.children[1]?.text;
      if (left === undefined || right === undefined) return undefined;
      switch (op) {
        case '*':
          return left * right;
        case '+':
          return left + right;
        case '-':
          return left - right;
        case '/':
          return right === 0 ? undefined : left / right;
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
}

/** String literal content (Python strings incl. prefixes, JS strings and substitution-free templates). */
export function stringValue(node: SyntaxNode | undefined | null): string | undefined {
  if (!node) return undefined;
  if (node.type === 'string' || node.type === 'template_string') {
    if (node.namedChildren.some((c) => c.type === 'interpolation' || c.type === 'template_substitution')) {
      // f-strings / templates: keep the literal parts, placeholders become `?` so SQL keywords stay visible.
      return node.namedChildren
        .map((c) => (c.type === 'string_content' || c.type === 'string_fragment' ? c.text : c.type === 'escape_sequence' ? c.text : c.type.includes('start') || c.type.includes('end') ? '' : '?'))
        .join('');
    }
    const text = node.text;
    const match = /^[A-Za-z]*("""|'''|"|'|`)([\s\S]*)\1$/.exec(text);
    return match ? match[2] : text;
  }
  if (node.type === 'concatenated_string') return node.namedChildren.map((c) => stringValue(c) ?? '').join('');
  if (node.type === 'parenthesized_expression') return stringValue(node.namedChildren[0]);
  return undefined;
}

/** Identifier names used anywhere under `node` (attribute/property names excluded). */
export function identifiersIn(node: SyntaxNode, family: Family): Set<string> {
  const names = new Set<string>();
  const visit = (n: SyntaxNode): void => {
    if (n.type === 'identifier' || n.type === 'shorthand_property_identifier') names.add(n.text);
  };
  visit(node);
  for (const d of descendants(node, family)) visit(d);
  return names;
}

/** Whether `name` is read as a whole identifier under `node`. */
export function mentions(node: SyntaxNode, family: Family, name: string): boolean {
  if (name.includes('.')) return compact(node.text).includes(name);
  return identifiersIn(node, family).has(name);
}

/** Statements directly in a block (comments skipped). */
export function statementsOf(block: SyntaxNode | null | undefined): SyntaxNode[] {
  if (!block) return [];
  if (block.type !== 'block' && block.type !== 'statement_block') return [block];
  return block.namedChildren.filter((c) => c.type !== 'comment');
}

/** The body block of a loop node (for/while/do, a callback iteration or an interval callback). */
export function loopBody(loop: LoopFacts): SyntaxNode {
  return loop.body;
}

/** Import lines of a Python file: the module names and imported names, e.g. `time`, `logging`, `closing`. */
export function pythonImportedNames(root: SyntaxNode): Set<string> {
  const names = new Set<string>();
  for (const node of root.namedChildren) {
    if (node.type === 'import_statement') {
      for (const child of node.namedChildren) {
        const alias = child.type === 'aliased_import' ? child.childForFieldName('alias')?.text : undefined;
        names.add(alias ?? child.text.split('.')[0]!);
      }
    } else if (node.type === 'import_from_statement') {
      const moduleName = node.childForFieldName('module_name');
      for (const child of node.namedChildren) {
        if (moduleName && child.id === moduleName.id) continue;
        const alias = child.type === 'aliased_import' ? child.childForFieldName('alias')?.text : undefined;
        names.add(alias ?? child.text);
      }
    }
  }
  return names;
}

/** Names assigned at module level (`logger = logging.getLogger(...)`). */
export function moduleLevelNames(root: SyntaxNode): Set<string> {
  const names = new Set<string>();
  for (const node of root.namedChildren) {
    const inner = node.type === 'expression_statement' ? node.namedChildren[0] : node;
    if (!inner) continue;
    if (inner.type === 'assignment') {
      const left = inner.childForFieldName('left');
      if (left?.type === 'identifier') names.add(left.text);
    } else if (inner.type === 'lexical_declaration' || inner.type === 'variable_declaration') {
      for (const d of inner.namedChildren) if (d.type === 'variable_declarator') names.add(d.childForFieldName('name')?.text ?? '');
    }
  }
  return names;
}

/** A Python logger in scope at module level (`logger`/`log`/`LOGGER`), or `logging` itself when imported. */
export function pythonLoggerExpr(root: SyntaxNode): string | undefined {
  const names = moduleLevelNames(root);
  for (const candidate of ['logger', 'log', 'LOGGER', 'LOG', '_logger', '_log']) if (names.has(candidate)) return candidate;
  if (pythonImportedNames(root).has('logging')) return 'logging';
  return undefined;
}

/** `try` statements: the try body block, the handlers and the finally block. */
export function tryParts(node: SyntaxNode): { body?: SyntaxNode; handlers: SyntaxNode[]; finalizer?: SyntaxNode; elseClause?: SyntaxNode } {
  const handlers: SyntaxNode[] = [];
  let finalizer: SyntaxNode | undefined;
  let elseClause: SyntaxNode | undefined;
  const body = node.childForFieldName('body') ?? undefined;
  for (const child of node.namedChildren) {
    if (child.type === 'except_clause' || child.type === 'except_group_clause' || child.type === 'catch_clause') handlers.push(child);
    else if (child.type === 'finally_clause') finalizer = child;
    else if (child.type === 'else_clause') elseClause = child;
  }
  const handler = node.childForFieldName('handler');
  if (handler && !handlers.some((h) => h.id === handler.id)) handlers.push(handler);
  const fin = node.childForFieldName('finalizer');
  if (fin) finalizer = fin;
  return { body, handlers, finalizer, elseClause };
}

/** The block of an except/catch/finally/else clause. */
export function clauseBlock(clause: SyntaxNode): SyntaxNode | undefined {
  return clause.childForFieldName('body') ?? clause.namedChildren.find((c) => c.type === 'block' || c.type === 'statement_block');
}

/** Whether a handler catches everything: bare `except`, `except Exception`/`BaseException`, any JS `catch`. */
export function handlerIsBroad(handler: SyntaxNode): boolean {
  if (handler.type === 'catch_clause') return true;
  const typeNode = handler.namedChildren.find((c) => c.type !== 'block' && c.type !== 'comment');
  if (!typeNode) return true;
  const text = typeNode.type === 'as_pattern' ? (typeNode.namedChildren[0]?.text ?? '') : typeNode.text;
  return /\b(Base)?Exception\b/.test(text);
}

/** Line-wise "what would run": whether any sleep-like call appears in `node` (nested functions excluded). */
export const SLEEP_METHODS = new Set(['sleep', 'wait', 'wait_for', 'delay', 'setTimeout', 'sleepAsync']);

/** A callee for messages: arguments folded (`conn.execute("SELECT ...").fetchall` → `conn.execute(...).fetchall`). */
export function displayCallee(callee: string): string {
  let out = '';
  let depth = 0;
  for (const ch of callee) {
    if (ch === '(') {
      if (depth === 0) out += '(';
      depth++;
    } else if (ch === ')') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) out += '...)';
    } else if (depth === 0) out += ch;
  }
  return out.replace(/\(\.\.\.\)$/, '');
}
