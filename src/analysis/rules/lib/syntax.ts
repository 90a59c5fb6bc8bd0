// Tree shapes, for every detector (optimize, readability, fix-bugs). The loop facts and the file's model answer
// "what does this loop call"; these answer the shape questions they do not (which branch a `continue` sits in,
// what a closure captures, whether a resource is closed in a `finally`, the body's own nodes of some types, the
// value a name is bound to), for every grammar family. Per-file data they need (walks, assignment indexes, own-body
// node lists) comes from the FileModel passed in, never from module state.
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { CALL_TYPE_LIST, enclosingScope, FUNCTION_TYPES, LOOP_TYPES, SCOPE_FUNCTION_TYPES, type Family, type FileModel, type WalkOptions } from '../../model.js';

export { CALL_TYPE_LIST, enclosingScope, familyOf, FUNCTION_TYPES, LOOP_TYPES, type Family, type WalkOptions } from '../../model.js';
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

/** The Python class (`class_definition`) a node sits in, or null. */
export function enclosingClass(node: SyntaxNode): SyntaxNode | null {
  let cls = node.parent;
  while (cls && cls.type !== 'class_definition') cls = cls.parent;
  return cls;
}

/** The functions a Python block defines directly (a class body, a module), in order (a decorated one unwrapped). */
export function blockFunctions(block: SyntaxNode | null | undefined): SyntaxNode[] {
  return (block?.namedChildren ?? [])
    .map((d) => (d.type === 'decorated_definition' ? d.childForFieldName('definition') : d))
    .filter((d): d is SyntaxNode => d?.type === 'function_definition');
}

/** The methods a Python class body defines, in order (a decorated one unwrapped). */
export function classMethods(cls: SyntaxNode | null): SyntaxNode[] {
  return blockFunctions(cls?.childForFieldName('body'));
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
  let fn = call.childForFieldName('function') ?? call.childForFieldName('constructor');
  // `await this.send<T>(x)` parses as a call of `await this.send` (TypeScript type arguments): the callee is inside.
  if (fn?.type === 'await_expression') fn = fn.firstNamedChild;
  if (!fn) return '';
  return compiledCallee(compact(fn.text));
}

/** `(0, util_1.delay)(ms)`: compiled TypeScript/Babel calling an imported function; the callee is `util_1.delay`. */
export function compiledCallee(text: string): string {
  return text.startsWith('(0,') && text.endsWith(')') && !/[(),]/.test(text.slice(3, -1)) ? text.slice(3, -1) : text;
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

/**
 * Identifier names used anywhere under `node`, `node` included (attribute/property names excluded). With the model,
 * from its shared walk of `node`; without, one walk of its own.
 */
export function identifiersIn(node: SyntaxNode | null | undefined, model?: FileModel): Set<string> {
  const names = new Set<string>();
  if (!node) return names;
  const visit = (n: SyntaxNode): void => {
    if (n.type === 'identifier' || n.type === 'shorthand_property_identifier') names.add(n.text);
  };
  visit(node);
  if (model) {
    for (const d of model.descendants(node)) visit(d);
    return names;
  }
  const stack: SyntaxNode[] = node.namedChildren.slice().reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    visit(n);
    for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push(n.namedChild(i)!);
  }
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

/** The tries of the function around `node` whose body (not a handler or `finally`) holds it, innermost first. */
export function triesAround(node: SyntaxNode, family: Family): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let current = node.parent; current && !isFunction(current, family); current = current.parent) {
    if (current.type !== 'try_statement') continue;
    const body = tryParts(current).body;
    if (body && contains(body, node)) out.push(current);
  }
  return out;
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

// Node type lists passed to descendantsOfType, built once (it caches its symbol table per array).
const ASSIGNING_NODES: readonly string[] = ['assignment', 'assignment_expression', 'augmented_assignment', 'augmented_assignment_expression', 'variable_declarator', 'update_expression'];

const INTERPOLATIONS: readonly string[] = ['interpolation', 'template_substitution'];

const STRING_PIECES: readonly string[] = ['string_content', 'string_fragment'];

/** Comment nodes of every grammar: `comment` (Python, JS/TS, Go), `line_comment` and `block_comment` (Java). */
export const COMMENT_TYPES: ReadonlySet<string> = new Set(['comment', 'line_comment', 'block_comment']);

/** A function, lambda, method or class node of any grammar (the scopes of model.assignmentsIn). */
export function isFunctionNode(node: SyntaxNode): boolean {
  return SCOPE_FUNCTION_TYPES.has(node.type);
}

/**
 * Visits the loop body's own nodes of the given types, in source order: nodes inside nested functions and nested
 * loops are skipped (those are analysed on their own). Listed once per loop and type set by the file's model.
 */
export function walkOwnBody(loop: LoopFacts, model: FileModel, types: ReadonlySet<string>, visit: (node: SyntaxNode) => void): void {
  for (const node of model.ownBodyNodes(loop, types)) visit(node);
}

const HANDLER_TYPES: ReadonlySet<string> = new Set(['except_clause', 'except_group_clause', 'catch_clause']);

/** The except/catch handler (`except`, `except*`, `catch`) around `node`, below `stop` (the whole tree without one). */
export function enclosingHandler(node: SyntaxNode, stop?: SyntaxNode): SyntaxNode | undefined {
  for (let n: SyntaxNode | null = node.parent; n && n.id !== stop?.id; n = n.parent) if (HANDLER_TYPES.has(n.type)) return n;
  return undefined;
}

/** True when `node` sits in an except/catch handler between itself and the loop body. */
export function inErrorHandler(node: SyntaxNode, loop: LoopFacts): boolean {
  return enclosingHandler(node, loop.body) !== undefined;
}

/** Conditions (`if`, ternaries, switch cases) between `node` and the loop body. */
export function enclosingConditions(node: SyntaxNode, loop: LoopFacts): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  let child = node;
  for (let n: SyntaxNode | null = node.parent; n && n.id !== loop.body.id; child = n, n = n.parent) {
    // Go: `if err := tx.Commit(); err != nil {` runs the initializer every time; only the branches are conditional.
    if (loop.language === 'go' && n.type === 'if_statement' && n.childForFieldName('initializer')?.id === child.id) continue;
    if (n.type === 'if_statement' || n.type === 'elif_clause' || n.type === 'conditional_expression' || n.type === 'ternary_expression' || n.type === 'switch_case') {
      out.push(n);
    }
  }
  return out;
}

export function conditionText(node: SyntaxNode): string {
  return (node.childForFieldName('condition') ?? node).text;
}

/** The statement that holds `node` as its whole expression (`x = call()`, `await call();`, `call()`). */
export function statementOf(node: SyntaxNode): SyntaxNode | undefined {
  let n: SyntaxNode | null = node;
  while (n && n.parent) {
    const p: SyntaxNode = n.parent;
    if (p.type === 'expression_statement' || p.type === 'lexical_declaration' || p.type === 'variable_declaration') return p;
    if (
      p.type === 'await' ||
      p.type === 'await_expression' ||
      p.type === 'assignment' ||
      p.type === 'assignment_expression' ||
      p.type === 'variable_declarator' ||
      p.type === 'augmented_assignment' ||
      p.type === 'parenthesized_expression'
    ) {
      n = p;
      continue;
    }
    return undefined;
  }
  return undefined;
}

/** The loop body statements (comments excluded). */
export function bodyStatements(loop: LoopFacts): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let i = 0; i < loop.body.namedChildCount; i++) {
    const c = loop.body.namedChild(i)!;
    if (c.type !== 'comment') out.push(c);
  }
  return out;
}

/** A `break`/`return`/`raise`/`throw` directly in the body (not under a condition): the loop runs its body once. */
export function exitsUnconditionally(loop: LoopFacts): boolean {
  return bodyStatements(loop).some((s) => ['break_statement', 'return_statement', 'raise_statement', 'throw_statement'].includes(s.type));
}

/**
 * Go: a statement of the body is an endless `for { ... }` that nothing leaves but a `return` (no `break` of it, no
 * `goto`, no labelled `break`/`continue` that may name an outer loop): once the body gets there it never finishes,
 * so the loop never goes round (a service that dials once, then serves a channel for the life of the process).
 */
export function neverGoesRound(loop: LoopFacts): boolean {
  if (loop.language !== 'go') return false;
  return bodyStatements(loop).some((s) => {
    if (s.type !== 'for_statement' || s.namedChildren.some((c) => c.type !== 'block' && c.type !== 'comment')) return false;
    const stack: Array<[SyntaxNode, boolean]> = (s.childForFieldName('body')?.namedChildren ?? []).map((c) => [c, false]);
    while (stack.length > 0) {
      const [n, inner] = stack.pop()!;
      if (n.type === 'goto_statement') return false;
      if ((n.type === 'break_statement' || n.type === 'continue_statement') && n.namedChildCount > 0) return false;
      if (n.type === 'break_statement' && !inner) return false;
      if (n.type === 'func_literal') continue;
      const nested = inner || ['for_statement', 'select_statement', 'expression_switch_statement', 'type_switch_statement'].includes(n.type);
      for (const c of n.namedChildren) stack.push([c, nested]);
    }
    return true;
  });
}

const EXIT_TYPES = new Set(['break_statement', 'return_statement']);

/**
 * Any `break`/`return` of this loop (a search loop that stops at the first hit is sequential by design); a `return`
 * in a loop nested in the body leaves this loop too (`for server in servers: ... for port in ports: if ok: return
 * address`: a failover that stops at the first server that answers).
 */
export function hasEarlyExit(loop: LoopFacts, model: FileModel): boolean {
  if (model.ownBodyNodes(loop, EXIT_TYPES).length > 0) return true;
  return loop.body.descendantsOfType('return_statement').some((r) => {
    for (let n = r.parent; n && n.id !== loop.body.id; n = n.parent) if (SCOPE_FUNCTION_TYPES.has(n.type)) return false;
    return true;
  });
}

/** The scope to search for assignments: the enclosing function, else the module. */
export function scopeOf(node: SyntaxNode): SyntaxNode {
  return enclosingScope(node) ?? node.tree.rootNode;
}

/** A function parameter's annotation text (`rows: list[Row]` → `list[Row]`), when present. */
export function parameterAnnotation(scope: SyntaxNode, name: string): string | undefined {
  const params = scope.childForFieldName('parameters');
  if (!params) return undefined;
  for (let i = 0; i < params.namedChildCount; i++) {
    const p = params.namedChild(i)!;
    const id = p.childForFieldName('name') ?? p.childForFieldName('pattern') ?? p.namedChild(0);
    if (id?.text !== name) continue;
    const type = p.childForFieldName('type');
    return type?.text.replace(/^:\s*/, '');
  }
  return undefined;
}

/**
 * Numeric value of a literal (`30`, `0.5`, `60 * 5`, `5_000`, `-1`) or of a module-level constant it names
 * (`POLL_SECONDS`, assigned once at module level), followed at most 3 names deep.
 */
export function constantNumber(node: SyntaxNode | null | undefined, model: FileModel, depth = 0): number | undefined {
  if (!node || depth > 3) return undefined;
  if (node.type === 'parenthesized_expression') return constantNumber(node.namedChild(0), model, depth + 1);
  if (node.type === 'binary_operator' || node.type === 'binary_expression') {
    const l = constantNumber(node.childForFieldName('left'), model, depth + 1);
    const r = constantNumber(node.childForFieldName('right'), model, depth + 1);
    const op = node.childForFieldName('operator')?.text;
    if (l === undefined || r === undefined) return undefined;
    if (op === '*') return l * r;
    if (op === '+') return l + r;
    if (op === '-') return l - r;
    if (op === '/' && r !== 0) return l / r;
    return undefined;
  }
  if (node.type === 'identifier') {
    const root = node.tree.rootNode;
    const value = model.assignedValue(root, node.text, node.startIndex);
    if (value && enclosingScope(value) === undefined && !reassigned(root, node.text)) return constantNumber(value, model, depth + 1);
    return undefined;
  }
  return numericValue(node);
}
/** The name is assigned more than once in the file (`let delay = 1000; ... delay = delay * 2`): not a constant. */
export function reassigned(root: SyntaxNode, name: string): boolean {
  let count = 0;
  for (const n of root.descendantsOfType(ASSIGNING_NODES)) {
    const target = n.childForFieldName('left') ?? n.childForFieldName('name') ?? n.childForFieldName('argument');
    if (target?.text === name) count++;
  }
  return count > 1;
}

/**
 * String value of a literal or of a name bound to one (in the enclosing scope, else at module level),
 * concatenations of literals included; an f-string or template with placeholders has none (compare stringValue,
 * which keeps a literal's text with `?` for placeholders and follows no names).
 */
export function constantString(node: SyntaxNode | null | undefined, model: FileModel, depth = 0): string | undefined {
  if (!node || depth > 3) return undefined;
  if (node.type === 'string' || node.type === 'template_string') {
    if (node.descendantsOfType(INTERPOLATIONS).length > 0) return undefined;
    const contents = node.descendantsOfType(STRING_PIECES);
    return contents.map((c) => c.text).join('');
  }
  if (node.type === 'concatenated_string') return node.namedChildren.map((c) => constantString(c, model, depth + 1) ?? '').join('');
  if (node.type === 'parenthesized_expression') return constantString(node.namedChild(0), model, depth + 1);
  if (node.type === 'identifier') {
    const value = model.assignedValue(scopeOf(node), node.text, node.startIndex) ?? model.assignedValue(node.tree.rootNode, node.text, node.startIndex);
    return constantString(value, model, depth + 1);
  }
  return undefined;
}

/**
 * The statement's whole text when the code spells all of it: a literal without interpolation, adjacent literals, a
 * constant, or `.format(...)` of such a template whose placeholders sit inside words (`pg_{0}_lsn_diff`), not as
 * words of their own that could stand for a clause. Undefined when any part comes from elsewhere.
 */
export function wholeSqlText(node: SyntaxNode | null | undefined, model: FileModel, depth = 0): string | undefined {
  if (!node || depth > 4) return undefined;
  if (node.type === 'parenthesized_expression') return wholeSqlText(node.namedChild(0), model, depth + 1);
  if (node.type === 'concatenated_string') {
    const parts = node.namedChildren.map((c) => wholeSqlText(c, model, depth + 1));
    return parts.every((p) => p !== undefined) ? parts.join('') : undefined;
  }
  if (node.type === 'call' && /\.format$/.test(calleeOf(node))) {
    const template = wholeSqlText(node.childForFieldName('function')?.childForFieldName('object'), model, depth + 1);
    return template !== undefined && !/(?<!\w)\{\w*\}(?!\w)/.test(template) ? template : undefined;
  }
  if (node.type === 'string' || node.type === 'identifier') return constantString(node, model);
  return undefined;
}

/** Argument nodes of a call node (positional and keyword/object arguments). */
export function argumentNodes(call: SyntaxNode): SyntaxNode[] {
  const args = call.childForFieldName('arguments');
  return args ? args.namedChildren.filter((c) => c.type !== 'comment') : [];
}

/** Loop header pieces for rewriting a for-each loop: variable pattern and iterable text. */
export function forEachParts(loop: LoopFacts): { pattern: string; iterable: string } | undefined {
  const left = loop.node.childForFieldName('left');
  const right = loop.node.childForFieldName('right');
  if (!left || !right) return undefined;
  return { pattern: left.text, iterable: right.text };
}

/** `Promise.all(items.map(...))`, `asyncio.gather(*(f(x) for x in xs))`: the iteration already runs concurrently. */
export function insideGather(loop: LoopFacts): boolean {
  for (let n: SyntaxNode | null = loop.node.parent; n; n = n.parent) {
    if (isFunctionNode(n) || n.type === 'expression_statement' || n.type === 'block' || n.type === 'statement_block') break;
    if (n.type === 'call' || n.type === 'call_expression') {
      const fn = n.childForFieldName('function')?.text ?? '';
      if (/(^|\.)(all|allSettled|any|race|gather|map|imap|imap_unordered)$/.test(fn) && /Promise|gather|executor|pool|Pool|asyncio/.test(fn)) return true;
    }
  }
  return false;
}

/**
 * `promises.push(Model.update(...))` (or `promises[i] = run(i)`) with `await Promise.all(promises)` in the same
 * function: the loop only starts
 * the calls and awaits them together, as `Promise.all(rows.map(...))` does (see `insideGather`).
 */
export function collectedForGather(call: SyntaxNode): boolean {
  const parent = call.parent;
  let list: SyntaxNode | null | undefined;
  if (parent?.type === 'assignment_expression' && parent.childForFieldName('right')?.id === call.id) {
    // `promises[i] = run(i)`
    const left = parent.childForFieldName('left');
    list = left?.type === 'subscript_expression' ? left.childForFieldName('object') : undefined;
  } else {
    const push = parent?.type === 'arguments' ? parent.parent : undefined;
    const fn = push?.type === 'call_expression' ? push.childForFieldName('function') : undefined;
    if (fn?.type !== 'member_expression' || !/^(push|unshift)$/.test(fn.childForFieldName('property')?.text ?? '')) return false;
    list = fn.childForFieldName('object');
  }
  if (list?.type !== 'identifier') return false;
  let scope: SyntaxNode | null = call.parent;
  while (scope && !isFunctionNode(scope)) scope = scope.parent;
  if (!scope) return false;
  return scope.descendantsOfType('call_expression').some(
    (c) =>
      /^Promise\.(all|allSettled)$/.test(c.childForFieldName('function')?.text ?? '') &&
      c.childForFieldName('arguments')?.namedChildren[0]?.text === list.text,
  );
}

/** `[...xs]`, `[*xs, y]`: a literal whose length is not its element count. */
export function hasSpread(node: SyntaxNode): boolean {
  return node.namedChildren.some((c) => c.type === 'spread_element' || c.type === 'list_splat' || c.type === 'dictionary_splat');
}

/** Outermost expression of a method chain that `node` starts (`Job.objects.filter(...)[:10]`, `find(q).limit(5).toArray()`). */
export function chainRoot(node: SyntaxNode): SyntaxNode {
  let n = node;
  for (;;) {
    const p = n.parent;
    if (!p) return n;
    const isObject = p.childForFieldName('object')?.id === n.id || p.childForFieldName('function')?.id === n.id || (p.type === 'subscript' && p.childForFieldName('value')?.id === n.id);
    if ((p.type === 'attribute' || p.type === 'member_expression' || p.type === 'call' || p.type === 'call_expression' || p.type === 'subscript') && isObject) {
      n = p;
      continue;
    }
    return n;
  }
}
