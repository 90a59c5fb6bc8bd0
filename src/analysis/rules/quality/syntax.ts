// Tree-sitter helpers for the readability and fix-bugs detectors. The loop facts answer "what does this loop call";
// these answer the shape questions the facts do not (which branch a `continue` sits in, what a closure captures,
// whether a resource is closed in a `finally`), for both grammars families.
import type { Language } from '../../../core/types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { CALL_TYPE_LIST, FUNCTION_TYPES, LOOP_TYPES, type Family, type FileModel, type WalkOptions } from '../../model.js';

export { CALL_TYPE_LIST, familyOf, FUNCTION_TYPES, LOOP_TYPES, type Family, type WalkOptions } from '../../model.js';
export { nodesOfTypes, typeList } from '../../tree-query.js';

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

/**
 * Named descendants of `root` in pre-order (the root excluded), from the file's model (one walk per root and file;
 * see FileModel.descendants).
 */
export function descendants(root: SyntaxNode, model: FileModel, options: WalkOptions = {}): readonly SyntaxNode[] {
  return model.descendants(root, options);
}

export function findAll(root: SyntaxNode, model: FileModel, predicate: (node: SyntaxNode) => boolean, options: WalkOptions = {}): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const node of model.descendants(root, options)) if (predicate(node)) out.push(node);
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
export function identifiersIn(node: SyntaxNode, model: FileModel): Set<string> {
  const names = new Set<string>();
  const visit = (n: SyntaxNode): void => {
    if (n.type === 'identifier' || n.type === 'shorthand_property_identifier') names.add(n.text);
  };
  visit(node);
  for (const d of model.descendants(node)) visit(d);
  return names;
}

/** Whether `name` is read as a whole identifier under `node`. */
export function mentions(node: SyntaxNode, model: FileModel, name: string): boolean {
  if (name.includes('.')) return compact(node.text).includes(name);
  return identifiersIn(node, model).has(name);
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

/** A Python logger in scope at module level (`logger`/`log`/`LOGGER`), or `logging` itself when imported. */
export function pythonLoggerExpr(model: FileModel): string | undefined {
  const names = model.moduleLevelNames;
  for (const candidate of ['logger', 'log', 'LOGGER', 'LOG', '_logger', '_log']) if (names.has(candidate)) return candidate;
  if (model.importedNames.has('logging')) return 'logging';
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
