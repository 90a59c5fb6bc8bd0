// Python loop facts: one pass to find loops, functions, classes and try statements (native descendantsOfType,
// ranges nest in pre-order so a stack gives every loop its context without parent walks, which are O(depth) in
// tree-sitter), then one iterative cursor walk per loop over its condition and body. Nested function and lambda
// bodies are not the loop's code: they run when called, not per iteration.
import type { FlatCursor, FlatTree } from '../flat-tree.js';
import {
  newArgFact,
  newCallFact,
  newLoopFacts,
  type ArgFact,
  type AssignmentFact,
  type CallFact,
  type CallKind,
  type FileFacts,
  type IterableFact,
  type LoopFacts,
  type SyntaxNode,
  type TryFact,
} from '../facts.js';
import type { KnowledgeBase } from '../knowledge-base.js';
import { findSuppressions } from '../suppressions.js';
import {
  addExit,
  clip,
  compactCallee,
  evalNumber,
  isBlockingWait,
  iterationDependentNames,
  LineIndex,
  looksLikeSql,
  MAX_LOOP_DEPTH,
  MAX_WALK_DEPTH,
  methodOf,
  normalizeLoopText,
  stopFlagName,
} from './common.js';

// Node type lists passed to descendantsOfType, built once (it caches its symbol table per array).
const LOOP_STATEMENTS: readonly string[] = ['for_statement', 'while_statement'];

const NESTED_SCOPES = new Set(['function_definition', 'lambda', 'class_definition', 'decorated_definition']);
const COMPOUND = new Set(['if_statement', 'for_statement', 'while_statement', 'try_statement', 'with_statement', 'match_statement']);
const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);
const BROAD_EXCEPTIONS = /^(?:Exception|BaseException|builtins\.Exception)$/;
const SIGNAL_REGISTRATION = /\bsignal\.signal\s*\(|\badd_signal_handler\s*\(|\bsignal\s*\(\s*(?:signal\.)?SIG(?:TERM|INT|HUP|QUIT)\b|\batexit\.register\s*\(/;
/** `from signal import SIGTERM, signal` (or `*`): the file's bare `signal(...)` calls are the module's. */
const IMPORTS_SIGNAL_FUNCTION = /^from[ \t]+signal[ \t]+import[ \t]+(?:\*|\(?[^\n]*\bsignal\b)/m;
/** A bare `signal(sig, handler)` with any first argument (`for s in sig_list: signal(s, on_exit)`). */
const BARE_SIGNAL_CALL = /(?<![.\w])signal\s*\(\s*[\w.]+\s*,\s*(?!SIG_DFL\b|signal\.SIG_DFL\b)[\w.]+\s*\)/;

/** Where the file installs a handler for a shutdown signal (or an exit hook), if it does. */
function signalRegistration(source: string): RegExpExecArray | null {
  const direct = SIGNAL_REGISTRATION.exec(source);
  if (direct) return direct;
  // Only a file that imports the function reads a bare `signal(...)` as it: elsewhere it may be a local helper.
  return IMPORTS_SIGNAL_FUNCTION.test(source) ? BARE_SIGNAL_CALL.exec(source) : null;
}
const NON_BLOCKING_POPS = new Set(['lpop', 'rpop', 'rpoplpush', 'lmove', 'spop', 'get_nowait', 'basic_get', 'get_message']);
const REDIS_BLOCKING_POPS = new Set(['blpop', 'brpop', 'brpoplpush', 'blmove', 'bzpopmin', 'bzpopmax', 'blmpop']);
const EXIT_CALLS = new Set(['sys.exit', 'os._exit', 'exit', 'quit']);
const SQL_METHODS = new Set(['execute', 'executemany', 'executescript', 'query', 'raw', 'fetch', 'fetchrow', 'fetchval', 'exec_driver_sql', 'text']);
const SQL_WRAPPERS = /^(?:sa\.|sqlalchemy\.|sql\.)?(?:text|SQL|Composed)$/;

/** Everything the walk needs to know about the file, computed once. */
interface FileContext {
  path: string;
  source: string;
  kb: KnowledgeBase;
  lines: LineIndex;
  root: SyntaxNode;
  /** Module and class constants, collected on first use (most files never need them). */
  constants?: { numbers: Map<string, number>; strings: Map<string, string> };
  classConstantsLoaded?: boolean;
  /** Per-call facts that do not depend on the enclosing loop, shared by nested loops' walks; keyed by node id (a chained call starts where its inner call does). */
  calls: Map<number, StaticCall>;
  tries: Map<number, TryRecord>;
  handlesSignals: boolean;
  signalLine?: number;
  notes: string[];
}

interface Frame {
  type: string;
  field: string;
  start: number;
  /** Inner-loop depth relative to the loop being described. */
  inner: number;
  /** Conditional depth (if branches, handlers, case clauses, ternaries). */
  cond: number;
  nest: number;
  /** Innermost try body this frame is in (index into the loop's try list), or -1. */
  tryBody: number;
  inFinally: boolean;
  inWithItem: boolean;
  branch: readonly number[];
  call?: PendingCall;
  binding?: Binding;
  /** For assignments: the target's text, for `assignedTo`. */
  assignLeft?: string;
  tryIndex?: number;
}

/** Parents whose children's field names matter; asking the cursor for a field name costs a native call. */
const FIELD_SENSITIVE = new Set([
  'for_statement',
  'while_statement',
  'if_statement',
  'boolean_operator',
  'try_statement',
  'keyword_argument',
  'attribute',
  'assignment',
]);

interface PendingCall {
  fact: CallFact;
  mentions: Set<string>;
  branch: readonly number[];
  inner: number;
  inFinally: boolean;
  inWithItem: boolean;
  receiverRoot?: string;
}

interface Binding {
  names: string[];
  mentions: Set<string>;
  hasCall: boolean;
  accumulates: boolean;
}

export interface ExtractOptions {
  /** `Date.now()` value after which no further loop is described (a note says so). */
  deadline?: number;
}

export function extractPythonFacts(path: string, source: string, tree: FlatTree, kb: KnowledgeBase, options: ExtractOptions = {}): FileFacts {
  const root = tree.rootNode;
  const signal = signalRegistration(source);
  const ctx: FileContext = {
    path,
    source,
    kb,
    lines: new LineIndex(source),
    root,
    tries: new Map(),
    calls: new Map(),
    handlesSignals: signal !== null,
    signalLine: signal ? lineAtOffset(source, signal.index) : undefined,
    notes: [],
  };
  const loops: LoopFacts[] = [];
  const loopNodes = root.descendantsOfType(LOOP_STATEMENTS);
  const located = locateLoops(root, loopNodes);
  const factsByStart = new Map<number, LoopFacts>();
  let skippedDeep = 0;
  let described = 0;
  for (const node of loopNodes) {
    if (options.deadline !== undefined && (described & 63) === 0 && Date.now() > options.deadline) {
      ctx.notes.push(`time budget exhausted: ${loopNodes.length - described} of ${loopNodes.length} loop(s) were not analysed`);
      break;
    }
    described++;
    const where = located.get(node.startIndex);
    if (!where) continue;
    if (where.loopsAbove >= MAX_LOOP_DEPTH) {
      skippedDeep++;
      continue;
    }
    const parent = where.parentLoop === undefined ? undefined : factsByStart.get(where.parentLoop);
    const facts = describeLoop(node, ctx, { fn: where.fn, depth: where.depth, tries: where.tries }, parent);
    if (facts) {
      factsByStart.set(node.startIndex, facts);
      loops.push(facts);
      if (parent) parent.children.push(facts);
    }
  }
  if (skippedDeep > 0) ctx.notes.push(`${skippedDeep} loop(s) nested deeper than ${MAX_LOOP_DEPTH} levels were not analysed`);
  const facts: FileFacts = {
    language: 'python',
    path,
    source,
    loops,
    hasErrors: root.hasError,
    suppressions: findSuppressions(source, '#'),
    tree,
  };
  if (ctx.notes.length > 0) facts.notes = ctx.notes;
  const entries = pythonEntryScopes(root);
  if (entries.length > 0) facts.entryScopes = entries;
  return facts;
}

const MAIN_GUARD = /^__name__\s*==\s*(['"])__main__\1$|^(['"])__main__\2\s*==\s*__name__$/;

/**
 * The module's `if __name__ == "__main__":` blocks (the program's entry point when the file is run) and the
 * module-level functions that only that code calls in the file (`main()`, and the helpers only `main` calls).
 */
function pythonEntryScopes(root: SyntaxNode): SyntaxNode[] {
  const guards = root.namedChildren.filter((c) => c.type === 'if_statement' && MAIN_GUARD.test(c.childForFieldName('condition')?.text.trim() ?? ''));
  if (guards.length === 0) return [];
  const out: SyntaxNode[] = [...guards];
  const inEntry = (n: SyntaxNode) => out.some((g) => g.startIndex <= n.startIndex && n.endIndex <= g.endIndex);
  // Calls of a bare name, by the name (one pass over the file's calls, not one per function).
  const callsOf = new Map<string, SyntaxNode[]>();
  for (const call of root.descendantsOfType('call')) {
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'identifier') continue;
    const list = callsOf.get(fn.text);
    if (list) list.push(call);
    else callsOf.set(fn.text, [call]);
  }
  const functions = root.namedChildren
    .map((top) => (top.type === 'decorated_definition' ? top.childForFieldName('definition') : top))
    .filter((fn): fn is SyntaxNode => fn?.type === 'function_definition');
  // To a fixed point: `main()` called from the block, and the helpers only `main` calls.
  for (let added = true; added; ) {
    added = false;
    for (const fn of functions) {
      if (out.includes(fn)) continue;
      const name = fn.childForFieldName('name')?.text;
      const own = name === undefined ? [] : (callsOf.get(name) ?? []);
      if (own.length > 0 && own.every(inEntry)) {
        out.push(fn);
        added = true;
      }
    }
  }
  return out;
}

function lineAtOffset(source: string, offset: number): number {
  let line = 1;
  for (let i = source.indexOf('\n'); i >= 0 && i < offset; i = source.indexOf('\n', i + 1)) line++;
  return line;
}

interface Enclosing {
  fn?: SyntaxNode;
  /** Loops of the same function around this one. */
  depth: number;
  /** Try statements of the same function around this loop, innermost last. */
  tries: SyntaxNode[];
}

interface Location {
  fn?: SyntaxNode;
  depth: number;
  tries: SyntaxNode[];
  parentLoop?: number;
  /** All loops around this one, across functions (for the nesting cap). */
  loopsAbove: number;
}

interface PathEntry {
  type: string;
  start: number;
  node?: SyntaxNode;
}

/**
 * Context of every loop from one guided walk from the root: the walk enters only nodes that contain a loop and
 * steps over everything else with sibling moves. (`node.parent` and `closest` restart from the root in tree-sitter,
 * which is quadratic on a module with thousands of top-level definitions.)
 */
function locateLoops(root: SyntaxNode, loopNodes: SyntaxNode[]): Map<number, Location> {
  const result = new Map<number, Location>();
  if (loopNodes.length === 0) return result;
  const starts = loopNodes.map((n) => n.startIndex);
  let next = 0;
  const cursor = root.walk();
  const path: PathEntry[] = [];
  const pushed: boolean[] = [];
  let depth = 0;
  for (;;) {
    const start = cursor.startIndex;
    const end = cursor.endIndex;
    while (next < starts.length && starts[next]! < start) next++;
    const containsLoop = next < starts.length && starts[next]! < end;
    let didPush = false;
    if (containsLoop) {
      const type = cursor.nodeType;
      if (type === 'for_statement' || type === 'while_statement') {
        if (start === starts[next]) {
          result.set(start, describeLocation(path));
          next++;
        }
        path.push({ type, start });
        didPush = true;
      } else if (type === 'function_definition' || type === 'class_definition' || type === 'try_statement') {
        path.push({ type, start, node: cursor.currentNode });
        didPush = true;
      }
    }
    pushed.push(didPush);
    if (containsLoop && cursor.gotoFirstChild()) {
      depth++;
      continue;
    }
    if (pushed.pop()) path.pop();
    let done = false;
    while (!(depth > 0 && cursor.gotoNextSibling())) {
      if (depth === 0 || !cursor.gotoParent()) {
        done = true;
        break;
      }
      depth--;
      if (pushed.pop()) path.pop();
    }
    if (done || next >= starts.length) break;
  }
  return result;
}

function describeLocation(path: PathEntry[]): Location {
  let loopsAbove = 0;
  for (const p of path) if (p.type === 'for_statement' || p.type === 'while_statement') loopsAbove++;
  const location: Location = { depth: 0, tries: [], loopsAbove };
  for (let i = path.length - 1; i >= 0; i--) {
    const p = path[i]!;
    if (p.type === 'function_definition' || p.type === 'class_definition') {
      if (p.type === 'function_definition') location.fn = p.node;
      break;
    }
    if (p.type === 'try_statement') location.tries.unshift(p.node!);
    else {
      location.depth++;
      if (location.parentLoop === undefined) location.parentLoop = p.start;
    }
  }
  return location;
}

/** Module constants on first use; class constants (`self.POLL_SECONDS`) only when such a name is looked up. */
function constants(ctx: FileContext, name: string): { numbers: Map<string, number>; strings: Map<string, string> } {
  if (!ctx.constants) {
    ctx.constants = { numbers: new Map(), strings: new Map() };
    collectConstants(ctx.root, ctx, '');
  }
  if (!ctx.classConstantsLoaded && name.includes('.')) {
    ctx.classConstantsLoaded = true;
    for (const cls of ctx.root.descendantsOfType('class_definition')) collectClassConstants(cls, ctx);
  }
  return ctx.constants;
}

/** `NAME = <number or string literal>` at module level or in a class body, for sleeps and SQL held in constants. */
function collectConstants(block: SyntaxNode, ctx: FileContext, prefix: string): void {
  for (const stmt of block.namedChildren) {
    if (stmt.type !== 'expression_statement') continue;
    const assign = stmt.namedChild(0);
    if (!assign || assign.type !== 'assignment') continue;
    const left = assign.childForFieldName('left');
    const right = assign.childForFieldName('right');
    if (!left || !right || left.type !== 'identifier') continue;
    const value = evalNumber(right);
    if (value !== undefined) {
      ctx.constants!.numbers.set(prefix + left.text, value);
      continue;
    }
    const str = stringTemplate(right);
    if (str !== undefined) ctx.constants!.strings.set(prefix + left.text, str);
  }
}

function collectClassConstants(cls: SyntaxNode, ctx: FileContext): void {
  const body = cls.childForFieldName('body');
  const name = cls.childForFieldName('name')?.text;
  if (!body || !name) return;
  for (const prefix of ['self.', 'cls.', `${name}.`]) collectConstants(body, ctx, prefix);
}

/** Raw text of a string literal; `undefined` when it has interpolations (f-strings with `{}`) or is not a string. */
export function stringLiteral(node: SyntaxNode | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'concatenated_string') {
    let out = '';
    for (const part of node.namedChildren) {
      const v = stringLiteral(part);
      if (v === undefined) return undefined;
      out += v;
    }
    return out;
  }
  if (node.type !== 'string') return undefined;
  let start = node.startIndex;
  let end = node.endIndex;
  for (const child of node.children) {
    if (child.type === 'interpolation') return undefined;
    if (child.type === 'string_start') start = child.endIndex;
    else if (child.type === 'string_end') end = child.startIndex;
  }
  const text = node.text;
  return text.slice(start - node.startIndex, end - node.startIndex);
}

/** Like stringLiteral, but f-string interpolations are kept as written (enough to read SQL keywords). */
function stringTemplate(node: SyntaxNode | null | undefined, depth = 0): string | undefined {
  if (!node || depth > 8) return undefined;
  if (node.type === 'string') {
    const text = node.text;
    const open = node.child(0);
    const close = node.child(node.childCount - 1);
    if (!open || !close || open.type !== 'string_start' || close.type !== 'string_end') return undefined;
    return text.slice(open.endIndex - node.startIndex, close.startIndex - node.startIndex);
  }
  if (node.type === 'concatenated_string') return node.namedChildren.map((c) => stringTemplate(c, depth + 1) ?? '').join('');
  if (node.type === 'binary_operator') return stringTemplate(node.childForFieldName('left'), depth + 1);
  if (node.type === 'parenthesized_expression') return stringTemplate(node.namedChild(0), depth + 1);
  if (node.type === 'call') {
    const fn = node.childForFieldName('function');
    if (fn && fn.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'format') {
      return stringTemplate(fn.childForFieldName('object'), depth + 1);
    }
    if (fn && SQL_WRAPPERS.test(fn.text)) return stringTemplate(node.childForFieldName('arguments')?.namedChild(0), depth + 1);
  }
  return undefined;
}

function bodyOf(loop: SyntaxNode): SyntaxNode {
  return loop.childForFieldName('body') ?? loop;
}

function isInfiniteCondition(cond: SyntaxNode | null): boolean {
  let node = cond;
  while (node && node.type === 'parenthesized_expression') node = node.namedChild(0);
  if (!node) return false;
  if (node.type === 'true') return true;
  if (node.type === 'integer') return (evalNumber(node) ?? 0) !== 0;
  return false;
}

/** Identifier names bound by an assignment / for target (`a, (b, c)` → a, b, c; attributes bind nothing). */
function boundNames(target: SyntaxNode | null, out: string[] = [], depth = 0): string[] {
  if (!target || depth > 32) return out;
  switch (target.type) {
    case 'identifier':
      out.push(target.text);
      break;
    case 'pattern_list':
    case 'tuple_pattern':
    case 'list_pattern':
    case 'expression_list':
    case 'tuple':
    case 'list':
    case 'parenthesized_expression':
    case 'list_splat_pattern':
    case 'as_pattern_target':
      for (const child of target.namedChildren) boundNames(child, out, depth + 1);
      break;
    default:
      break;
  }
  return out;
}

function describeIterable(right: SyntaxNode | null, loop: SyntaxNode, ctx: FileContext): IterableFact | undefined {
  if (!right) return undefined;
  const text = clip(right.text);
  if (right.type === 'call') {
    const fn = right.childForFieldName('function')?.text;
    const args = right.childForFieldName('arguments');
    if (fn === 'range' && args) {
      const positional = args.namedChildren.filter((a) => a.type !== 'comment' && a.type !== 'keyword_argument');
      const bound = positional.length === 1 ? positional[0] : positional.length >= 2 ? positional[1] : undefined;
      if (bound && bound.type === 'call' && bound.childForFieldName('function')?.text === 'len') {
        const collection = bound.childForFieldName('arguments')?.namedChild(0)?.text;
        return { text, kind: 'range-len', collection };
      }
      return { text, kind: 'range' };
    }
    if (containsDbRead(right, ctx)) return { text, kind: 'query' };
    if (fn === 'enumerate' || fn === 'reversed' || fn === 'sorted' || fn === 'zip') {
      const inner = args?.namedChild(0);
      if (inner && (inner.type === 'identifier' || inner.type === 'attribute')) return { text, kind: 'name', collection: inner.text };
    }
    return { text, kind: 'call' };
  }
  if (right.type === 'identifier' || right.type === 'attribute') {
    if (right.type === 'identifier' && assignedFromDbRead(right.text, loop, ctx)) return { text, kind: 'query', collection: right.text };
    return { text, kind: 'name', collection: right.text };
  }
  if (['list', 'tuple', 'set', 'dictionary', 'string', 'concatenated_string', 'integer'].includes(right.type)) return { text, kind: 'literal' };
  return { text, kind: 'other' };
}

function classifyCallNode(call: SyntaxNode, ctx: FileContext): CallKind[] {
  return staticCall(call, ctx, undefined)?.kinds ?? [];
}

function containsDbRead(expr: SyntaxNode, ctx: FileContext): boolean {
  const calls = expr.type === 'call' ? [expr, ...expr.descendantsOfType('call')] : expr.descendantsOfType('call');
  return calls.slice(0, 20).some((c) => classifyCallNode(c, ctx).includes('db-read'));
}

/** `rows = cur.fetchall()` a few statements before `for row in rows`, in the same or an enclosing block. */
function assignedFromDbRead(name: string, loop: SyntaxNode, ctx: FileContext): boolean {
  let stmt: SyntaxNode | null = loop;
  for (let level = 0; stmt && level < 3; level++) {
    let prev = stmt.previousNamedSibling;
    for (let i = 0; prev && i < 25; i++, prev = prev.previousNamedSibling) {
      if (prev.type !== 'expression_statement') continue;
      const assign = prev.namedChild(0);
      if (!assign || assign.type !== 'assignment') continue;
      const left = assign.childForFieldName('left');
      const right = assign.childForFieldName('right');
      if (!left || !right || !boundNames(left).includes(name)) continue;
      return containsDbRead(right, ctx);
    }
    const parent: SyntaxNode | null = stmt.parent;
    if (!parent || parent.type !== 'block') return false;
    stmt = parent.parent;
    if (!stmt || NESTED_SCOPES.has(stmt.type) || stmt.type === 'module') return false;
  }
  return false;
}

/**
 * Python: a handler of the `try` catches any failure (`except:`, `except Exception`, `except (OSError, Exception) as
 * e`, `BaseException`) and raises nothing again: what fails in the try's body stays there (effect summaries'
 * `TableCall.caught`, unguarded-worker-loop's guarded helpers).
 */
export function pyTryHandlesFailure(tryNode: SyntaxNode): boolean {
  return tryNode.namedChildren.some((handler) => {
    if (handler.type !== 'except_clause') return false;
    const typeNode = handler.namedChildren.find((c) => c.type !== 'block' && c.type !== 'comment');
    const caughtType = typeNode?.type === 'as_pattern' ? (typeNode.namedChildren[0]?.text ?? '') : (typeNode?.text ?? '');
    if (typeNode && !/\b(?:Base)?Exception\b/.test(caughtType)) return false;
    return handler.descendantsOfType('raise_statement').length === 0;
  });
}

export function argFacts(argList: SyntaxNode | null): ArgFact[] {
  if (!argList) return [];
  if (argList.type !== 'argument_list') return [newArgFact(clip(argList.text), undefined, undefined, undefined)];
  const out: ArgFact[] = [];
  for (const arg of argList.namedChildren) {
    if (arg.type === 'comment') continue;
    if (out.length >= 16) break;
    if (arg.type === 'keyword_argument') {
      const value = arg.childForFieldName('value');
      out.push(newArgFact(clip(value?.text ?? ''), evalNumber(value), stringLiteral(value), arg.childForFieldName('name')?.text));
      continue;
    }
    out.push(newArgFact(clip(arg.text), evalNumber(arg), stringLiteral(arg), undefined));
  }
  return out;
}

/** SQL text of a call's first positional argument: a literal, `text("...")`, or a name bound to a string. */
function sqlOfCall(call: SyntaxNode, ctx: FileContext, local: Map<string, string> | undefined): string | undefined {
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return undefined;
  let first: SyntaxNode | null = null;
  for (const a of args.namedChildren) {
    if (a.type === 'comment') continue;
    if (a.type === 'keyword_argument') {
      const name = a.childForFieldName('name')?.text;
      if (name === 'sql' || name === 'query' || name === 'statement' || name === 'operation') first = a.childForFieldName('value');
      if (first) break;
      continue;
    }
    first = a;
    break;
  }
  if (!first) return undefined;
  if (first.type === 'identifier' || first.type === 'attribute') {
    const name = first.text;
    const fromLocal = local?.get(name);
    if (fromLocal !== undefined) return fromLocal;
    return SQL_METHODS.has(methodOfCall(call)) ? constants(ctx, name).strings.get(name) : undefined;
  }
  return stringTemplate(first);
}

function methodOfCall(call: SyntaxNode): string {
  const fn = call.childForFieldName('function');
  if (!fn) return '';
  if (fn.type === 'attribute') return fn.childForFieldName('attribute')?.text ?? '';
  return fn.type === 'identifier' ? fn.text : '';
}

type StaticCall = Pick<CallFact, 'callee' | 'method' | 'receiver' | 'kinds' | 'confidence' | 'via' | 'opens' | 'line' | 'endLine' | 'text' | 'args' | 'sql' | 'sleepSeconds' | 'timeoutSeconds'>;

/** What a call is, independent of the loop it is seen from; cached unless its SQL came from a loop-local name. */
function staticCall(node: SyntaxNode, ctx: FileContext, local: Map<string, string> | undefined): StaticCall | undefined {
  const cached = ctx.calls.get(node.id);
  if (cached) return cached;
  const fn = node.childForFieldName('function');
  if (!fn) return undefined;
  const callee = compactCallee(fn.text);
  const method = methodOf(callee);
  const argList = node.childForFieldName('arguments');
  const args = argFacts(argList);
  const sqlText = sqlOfCall(node, ctx, local);
  let classified = ctx.kb.classify('python', callee, { sql: sqlText, args, at: node.startIndex });
  // `generators.append(self.client.issues_of(project))` where `issues_of` yields: the call makes a generator that
  // the code iterates later (after the loop, `itertools.chain(*generators)`); its I/O runs there, not here.
  if (classified.via && classified.kinds.length > 0 && storedUnconsumed(node) && ctx.kb.isGeneratorFunction?.('python', callee) === true) {
    classified = { kinds: [], confidence: 'high' };
  }
  const { kinds, confidence } = classified;
  const info: StaticCall = {
    callee,
    method,
    receiver: undefined,
    kinds,
    confidence,
    via: classified.via,
    opens: classified.opens,
    line: node.startPosition.row + 1,
    endLine: node.endPosition.row + 1,
    text: ctx.source.slice(node.startIndex, Math.min(node.endIndex, node.startIndex + 300)),
    args,
    sql: undefined,
    sleepSeconds: undefined,
    timeoutSeconds: undefined,
  };
  if (fn.type === 'attribute') {
    const receiver = fn.childForFieldName('object');
    if (receiver) info.receiver = compactCallee(receiver.text);
  }
  if (sqlText !== undefined && looksLikeSql(sqlText)) info.sql = sqlText;
  if (classified.via) {
    // A summarised sleep or pop: its duration and timeout are the helper's, not this call's arguments'.
    info.sleepSeconds = classified.sleepSeconds;
    info.timeoutSeconds = classified.timeoutSeconds;
  } else {
    if (kinds.includes('sleep')) {
      const seconds = sleepSeconds(node, args, ctx);
      if (seconds !== undefined) info.sleepSeconds = seconds;
    }
    if (kinds.includes('queue-pop')) {
      const timeout = popTimeoutSeconds(method, args);
      if (timeout !== undefined) info.timeoutSeconds = timeout;
    }
  }
  const firstArg = node.childForFieldName('arguments')?.namedChild(0);
  const usedLocal = firstArg?.type === 'identifier' && local?.has(firstArg.text);
  if (!usedLocal) ctx.calls.set(node.id, info);
  return info;
}

/** Methods that keep a value in a collection without iterating it. */
const STORES = /^(?:append|appendleft|add|insert|put|put_nowait)$/;

/** The call's value is handed straight to a method that stores it (`pending.append(make())`), not consumed. */
function storedUnconsumed(call: SyntaxNode): boolean {
  const list = call.parent;
  if (list?.type !== 'argument_list') return false;
  const outer = list.parent;
  const fn = outer?.type === 'call' ? outer.childForFieldName('function') : null;
  return fn?.type === 'attribute' && STORES.test(fn.childForFieldName('attribute')?.text ?? '');
}

function resolveNumber(ctx: FileContext): (name: string) => number | undefined {
  return (name) => constants(ctx, name).numbers.get(name);
}

function kwarg(args: ArgFact[], ...names: string[]): ArgFact | undefined {
  return args.find((a) => a.name !== undefined && names.includes(a.name));
}

function positional(args: ArgFact[], index: number): ArgFact | undefined {
  return args.filter((a) => a.name === undefined)[index];
}

function sleepSeconds(call: SyntaxNode, args: ArgFact[], ctx: FileContext): number | undefined {
  const kw = kwarg(args, 'seconds', 'secs', 'timeout', 'delay', 'delay_seconds');
  if (kw?.number !== undefined) return kw.number;
  const argList = call.childForFieldName('arguments');
  const first = argList?.namedChildren.find((a) => a.type !== 'comment' && a.type !== 'keyword_argument');
  if (kw && !first) {
    const valueNode = argList?.namedChildren.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === kw.name);
    return evalNumber(valueNode?.childForFieldName('value'), resolveNumber(ctx));
  }
  const value = evalNumber(first, resolveNumber(ctx)) ?? (first?.type === 'attribute' ? constructorDefault(first) : undefined);
  if (value !== undefined || (first?.type !== 'identifier' && first?.type !== 'attribute')) return value;
  // `time.sleep(POLL_INTERVAL)` with `from app.settings import POLL_INTERVAL`: the settings module's number.
  return ctx.kb.importedNumber?.('python', first.text);
}

/**
 * `time.sleep(self.interval)` where the class's `__init__` sets `self.interval = interval` from a parameter with a
 * number as its default (`interval=1`), or to a number, and no other statement of the class assigns it: the interval
 * the code gives unless a caller passes another. An attribute assigned anywhere else (a backoff that doubles it) has
 * none.
 */
function constructorDefault(attribute: SyntaxNode): number | undefined {
  const match = /^self\.([A-Za-z_]\w*)$/.exec(attribute.text);
  if (!match) return undefined;
  let cls: SyntaxNode | null = attribute.parent;
  while (cls && cls.type !== 'class_definition') cls = cls.parent;
  const body = cls?.childForFieldName('body');
  if (!body) return undefined;
  const target = attribute.text;
  const writes = body.descendantsOfType(['assignment', 'augmented_assignment']).filter((a) => a.childForFieldName('left')?.text === target);
  if (writes.length !== 1) return undefined;
  const write = writes[0]!;
  const init = write.parent?.parent?.parent;
  if (write.parent?.type !== 'expression_statement' || init?.type !== 'function_definition' || init.childForFieldName('name')?.text !== '__init__') return undefined;
  if (init.parent?.id !== body.id && init.parent?.parent?.id !== body.id) return undefined;
  const right = write.childForFieldName('right');
  if (write.type !== 'assignment' || !right) return undefined;
  if (right.type !== 'identifier') return evalNumber(right);
  for (const param of init.childForFieldName('parameters')?.namedChildren ?? []) {
    if (param.type !== 'default_parameter' && param.type !== 'typed_default_parameter') continue;
    if (param.childForFieldName('name')?.text === right.text) return evalNumber(param.childForFieldName('value'));
  }
  return undefined;
}

/** Seconds a queue pop may block; 0 for non-blocking pops; undefined when unknown or unbounded. */
export function popTimeoutSeconds(method: string, args: ArgFact[]): number | undefined {
  const seconds = kwarg(args, 'timeout', 'WaitTimeSeconds', 'wait_time_seconds', 'wait_time');
  if (seconds?.number !== undefined) return REDIS_BLOCKING_POPS.has(method) && seconds.number === 0 ? undefined : seconds.number;
  const ms = kwarg(args, 'timeout_ms');
  if (ms?.number !== undefined) return ms.number / 1000;
  const block = kwarg(args, 'block');
  if (block && (block.text === 'False' || block.text === '0')) return 0;
  if (block?.number !== undefined && (method === 'xread' || method === 'xreadgroup')) return block.number === 0 ? undefined : block.number / 1000;
  if (NON_BLOCKING_POPS.has(method)) return 0;
  if (method === 'xread' || method === 'xreadgroup') return block ? undefined : 0;
  if (method === 'receive_message' || method === 'receive_messages') return seconds ? undefined : 0;
  if (REDIS_BLOCKING_POPS.has(method)) {
    const t = positional(args, method === 'brpoplpush' || method === 'blmove' ? 2 : 1);
    if (t?.number !== undefined) return t.number === 0 ? undefined : t.number;
    return undefined;
  }
  if (method === 'get') {
    const blockArg = positional(args, 0);
    if (blockArg && (blockArg.text === 'False' || blockArg.text === '0')) return 0;
    const t = positional(args, 1);
    if (t?.number !== undefined) return t.number;
  }
  return undefined;
}

interface TryRecord {
  fact: TryFact;
  broad: boolean;
}

/** What a try statement's handlers do, read from the handlers only (they are short). */
function describeTry(node: SyntaxNode, ctx: FileContext): TryRecord {
  const cached = ctx.tries.get(node.startIndex);
  if (cached) return cached;
  const fact: TryFact = {
    startLine: node.startPosition.row + 1,
    endLine: node.endPosition.row + 1,
    catchesBroadly: false,
    handlerSleeps: false,
    handlerContinues: false,
    handlerReraises: false,
    handlerBreaksOrReturns: false,
    handlerLogs: false,
    insideLoop: true,
    node,
  };
  for (const clause of node.namedChildren) {
    if (clause.type !== 'except_clause' && clause.type !== 'except_group_clause') continue;
    const value = clause.childForFieldName('value') ?? clause.namedChildren.find((c) => c.type !== 'block' && c.type !== 'comment') ?? null;
    if (!value || catchesBroadly(value)) fact.catchesBroadly = true;
    const block = clause.namedChildren.find((c) => c.type === 'block');
    if (block) scanHandler(block, fact, ctx);
  }
  const record = { fact, broad: fact.catchesBroadly };
  ctx.tries.set(node.startIndex, record);
  return record;
}

function catchesBroadly(value: SyntaxNode): boolean {
  let types = value;
  if (types.type === 'as_pattern') types = types.namedChild(0) ?? types;
  const names = types.type === 'tuple' || types.type === 'parenthesized_expression' ? types.namedChildren.map((c) => c.text) : [types.text];
  return names.some((n) => BROAD_EXCEPTIONS.test(n.trim()));
}

function scanHandler(block: SyntaxNode, fact: TryFact, ctx: FileContext): void {
  const cursor = block.walk();
  let innerLoops = 0;
  const loopEnds: number[] = [];
  let depth = 0;
  for (;;) {
    const type = cursor.nodeType;
    while (loopEnds.length > 0 && cursor.startIndex >= loopEnds[loopEnds.length - 1]!) {
      loopEnds.pop();
      innerLoops--;
    }
    let descend = depth < MAX_WALK_DEPTH && !NESTED_SCOPES.has(type);
    switch (type) {
      case 'raise_statement':
        fact.handlerReraises = true;
        break;
      case 'return_statement':
        fact.handlerBreaksOrReturns = true;
        break;
      case 'break_statement':
        if (innerLoops === 0) fact.handlerBreaksOrReturns = true;
        break;
      case 'continue_statement':
        if (innerLoops === 0) fact.handlerContinues = true;
        break;
      case 'for_statement':
      case 'while_statement':
        innerLoops++;
        loopEnds.push(cursor.endIndex);
        break;
      case 'call': {
        const node = cursor.currentNode;
        const fn = node.childForFieldName('function');
        if (fn) {
          const callee = compactCallee(fn.text);
          const kinds = ctx.kb.classify('python', callee).kinds;
          if (kinds.includes('sleep')) fact.handlerSleeps = true;
          if (kinds.includes('log')) fact.handlerLogs = true;
          if (EXIT_CALLS.has(callee)) fact.handlerBreaksOrReturns = true;
        }
        break;
      }
      case 'string':
        descend = false;
        break;
      default:
        break;
    }
    if (descend && cursor.gotoFirstChild()) {
      depth++;
      continue;
    }
    while (!(depth > 0 && cursor.gotoNextSibling())) {
      if (depth === 0 || !cursor.gotoParent()) return;
      depth--;
    }
  }
}

function describeLoop(node: SyntaxNode, ctx: FileContext, enclosing: Enclosing, parent: LoopFacts | undefined): LoopFacts | undefined {
  const isFor = node.type === 'for_statement';
  const body = bodyOf(node);
  const condition = isFor ? null : node.childForFieldName('condition');
  const firstChild = node.child(0);
  const isAsync = firstChild?.type === 'async';
  const right = isFor ? node.childForFieldName('right') : null;
  const iterable = isFor ? describeIterable(right, node, ctx) : undefined;
  const kind: LoopFacts['kind'] = isAsync ? 'async-for' : isFor ? (iterable?.kind === 'range' || iterable?.kind === 'range-len' ? 'for' : 'for-each') : 'while';
  const loopVariables = isFor ? boundNames(node.childForFieldName('left')) : [];
  const fnNode = enclosing.fn;
  const functionName = fnNode?.type === 'function_definition' ? fnNode.childForFieldName('name')?.text : undefined;
  const inAsyncFunction = fnNode?.type === 'function_definition' && fnNode.child(0)?.type === 'async';
  const infinite = !isFor && isInfiniteCondition(condition);
  const source = ctx.source;

  const facts = newLoopFacts({
    language: 'python',
    path: ctx.path,
    kind,
    startLine: node.startPosition.row + 1,
    endLine: node.endPosition.row + 1,
    startIndex: node.startIndex,
    endIndex: node.endIndex,
    headerLine: node.startPosition.row + 1,
    bodyStartLine: body.startPosition.row + 1,
    bodyEndLine: body.endPosition.row + 1,
    infinite,
    exits: [],
    loopVariables,
    calls: [],
    tries: [],
    assignments: [],
    continues: [],
    depth: enclosing.depth,
    maxBodyNesting: 0,
    bodyLines: 0,
    inAsyncFunction,
    hasAwait: false,
    text: source.slice(node.startIndex, node.endIndex),
    normalizedText: '',
    fileHandlesSignals: ctx.handlesSignals,
    children: [],
    node,
    body,
  });
  if (condition && !infinite) facts.condition = clip(condition.text);
  if (iterable) facts.iterable = iterable;
  if (functionName) facts.functionName = functionName;
  if (parent) facts.parent = parent;
  // A one-line body (`while x: step()`) shares the header's line; it still counts as one line of body.
  facts.bodyLines = facts.bodyStartLine === facts.headerLine ? 1 : ctx.lines.codeLines(facts.bodyStartLine, facts.bodyEndLine, '#');

  if (condition && !infinite) {
    const flag = stopFlagName(condition.text);
    addExit(facts.exits, flag ? { kind: 'stop-flag', line: facts.headerLine, name: flag } : { kind: 'condition', line: facts.headerLine });
    if (condition.type === 'named_expression' || condition.descendantsOfType('named_expression').length > 0) {
      for (const ne of condition.type === 'named_expression' ? [condition] : condition.descendantsOfType('named_expression')) {
        const name = ne.childForFieldName('name')?.text;
        if (name && !loopVariables.includes(name)) loopVariables.push(name);
      }
    }
  }

  const outerTries: TryRecord[] = [];
  for (const t of enclosing.tries) {
    const tryBody = t.childForFieldName('body');
    if (tryBody && tryBody.startIndex <= node.startIndex && tryBody.endIndex >= node.endIndex) {
      const record = describeTry(t, ctx);
      outerTries.push({ broad: record.broad, fact: { ...record.fact, insideLoop: false } });
    }
  }
  const guardedFromOutside = outerTries.some((t) => t.broad);

  const walker = new LoopWalker(ctx, facts, guardedFromOutside);
  if (condition && !infinite) walker.walk(condition);
  walker.walk(body);
  walker.finish();
  for (const t of outerTries) facts.tries.push(t.fact);

  if (ctx.handlesSignals) addExit(facts.exits, { kind: 'signal', line: ctx.signalLine ?? 1 });
  // Comments between the header and the body belong to the loop node, not to the walked body.
  const comments = walker.comments;
  if (body.startIndex > node.startIndex && source.slice(node.startIndex, body.startIndex).includes('#')) {
    for (const child of node.children) if (child.type === 'comment') comments.push([child.startIndex, child.endIndex]);
  }
  comments.sort((a, b) => a[0] - b[0]);
  facts.normalizedText = normalizeLoopText(source, node.startIndex, node.endIndex, comments);
  return facts;
}

class LoopWalker {
  readonly comments: Array<[number, number]> = [];
  private readonly tries: TryRecord[] = [];
  private readonly pending: PendingCall[] = [];
  private readonly bindings: Binding[] = [];
  private readonly openCalls: PendingCall[] = [];
  private readonly openBindings: Binding[] = [];
  private readonly withNames = new Set<string>();
  private readonly closes: Array<{ target: string; inFinally: boolean; cond: number; inner: number; line: number }> = [];
  private readonly localStrings = new Map<string, string>();
  private readonly continues: Array<{ line: number; start: number; branch: readonly number[] }> = [];
  private truncated = false;
  /**
   * One frame object per depth of the walk, reused: a frame lives only while its node is on the walk's stack (the
   * walk of every loop body entered half a million of them on the standard library).
   */
  private readonly framePool: Frame[] = [];

  constructor(
    private readonly ctx: FileContext,
    private readonly facts: LoopFacts,
    private readonly guardedFromOutside: boolean,
  ) {}

  walk(root: SyntaxNode): void {
    const cursor = root.walk();
    const frames: Frame[] = [];
    const base: Frame = { type: '#root', field: '', start: root.startIndex, inner: 0, cond: 0, nest: 0, tryBody: -1, inFinally: false, inWithItem: false, branch: [], call: undefined, binding: undefined, assignLeft: undefined, tryIndex: undefined };
    let depth = 0;
    for (;;) {
      const parentFrame = frames.length > 0 ? frames[frames.length - 1]! : base;
      const field = depth > 0 && FIELD_SENSITIVE.has(parentFrame.type) ? cursor.currentFieldName ?? '' : '';
      const frame = this.enter(cursor, parentFrame, field, frames);
      frames.push(frame);
      let descend = frame.type !== '#skip';
      if (descend && depth >= MAX_WALK_DEPTH) {
        descend = false;
        this.truncated = true;
      }
      if (descend && cursor.gotoFirstChild()) {
        depth++;
        continue;
      }
      this.leave(frames.pop()!);
      let done = false;
      while (!(depth > 0 && cursor.gotoNextSibling())) {
        if (depth === 0 || !cursor.gotoParent()) {
          done = true;
          break;
        }
        depth--;
        this.leave(frames.pop()!);
      }
      if (done) break;
    }
    while (frames.length > 0) this.leave(frames.pop()!);
  }

  private enter(cursor: FlatCursor, parent: Frame, field: string, frames: Frame[]): Frame {
    const type = cursor.nodeType;
    let frame = this.framePool[frames.length];
    if (!frame) {
      // Every field, the optional ones too, so that every frame has one object shape.
      frame = { type, field, start: -1, inner: 0, cond: 0, nest: 0, tryBody: -1, inFinally: false, inWithItem: false, branch: parent.branch, call: undefined, binding: undefined, assignLeft: undefined, tryIndex: undefined };
      this.framePool[frames.length] = frame;
    }
    frame.type = type;
    frame.field = field;
    frame.start = -1;
    frame.inner = parent.inner;
    frame.cond = parent.cond;
    frame.nest = parent.nest;
    frame.tryBody = parent.tryBody;
    frame.inFinally = parent.inFinally;
    frame.inWithItem = parent.inWithItem;
    frame.branch = parent.branch;
    frame.call = undefined;
    frame.binding = undefined;
    frame.assignLeft = undefined;
    frame.tryIndex = undefined;
    this.applyParentContext(frame, parent, field, type, cursor);
    const facts = this.facts;
    if (COMPOUND.has(type)) {
      frame.nest = parent.nest + 1;
      if (frame.nest > facts.maxBodyNesting) facts.maxBodyNesting = frame.nest;
    }
    switch (type) {
      case 'comment':
        this.comments.push([cursor.startIndex, cursor.endIndex]);
        break;
      case 'function_definition':
      case 'lambda':
      case 'class_definition':
      case 'decorated_definition':
        frame.type = '#skip';
        break;
      case 'call':
        frames.push(frame);
        this.enterCall(cursor.currentNode, frame, parent, frames);
        frames.pop();
        break;
      case 'identifier':
        if ((this.openCalls.length > 0 || this.openBindings.length > 0) && field !== 'attribute' && !(parent.type === 'keyword_argument' && field === 'name')) {
          const name = this.ctx.source.slice(cursor.startIndex, cursor.endIndex);
          for (const c of this.openCalls) c.mentions.add(name);
          for (const b of this.openBindings) b.mentions.add(name);
        }
        break;
      case 'assignment':
      case 'augmented_assignment':
        frame.assignLeft = this.enterAssignment(cursor.currentNode, frame);
        break;
      case 'named_expression': {
        const node = cursor.currentNode;
        const name = node.childForFieldName('name')?.text;
        if (name) this.openBinding(frame, { names: [name], mentions: new Set(), hasCall: false, accumulates: false });
        break;
      }
      case 'for_statement': {
        const names = boundNames(cursor.currentNode.childForFieldName('left'));
        if (names.length > 0) this.bindings.push({ names, mentions: new Set(), hasCall: true, accumulates: false });
        break;
      }
      case 'await':
        facts.hasAwait = true;
        break;
      case 'try_statement': {
        const record = describeTry(cursor.currentNode, this.ctx);
        this.tries.push(record);
        facts.tries.push(record.fact);
        frame.tryIndex = this.tries.length - 1;
        break;
      }
      case 'with_item': {
        frame.inWithItem = true;
        const node = cursor.currentNode;
        const value = node.childForFieldName('value');
        if (value?.type === 'as_pattern') {
          const alias = value.childForFieldName('alias');
          for (const n of boundNames(alias)) this.withNames.add(n);
          this.bindings.push({ names: boundNames(alias), mentions: new Set(), hasCall: true, accumulates: false });
        }
        break;
      }
      case 'break_statement':
        if (frame.inner === 0) addExit(facts.exits, { kind: 'break', line: cursor.startPosition.row + 1 });
        break;
      case 'return_statement':
        addExit(facts.exits, { kind: 'return', line: cursor.startPosition.row + 1 });
        break;
      case 'raise_statement':
        if (frame.tryBody < 0) addExit(facts.exits, { kind: 'raise', line: cursor.startPosition.row + 1 });
        break;
      case 'continue_statement':
        if (frame.inner === 0) this.continues.push({ line: cursor.startPosition.row + 1, start: cursor.startIndex, branch: frame.branch });
        break;
      case 'if_statement':
        this.checkStopFlagIf(cursor.currentNode);
        break;
      case 'except_clause':
      case 'except_group_clause': {
        const node = cursor.currentNode;
        const value = node.childForFieldName('value');
        if (value?.type === 'as_pattern') {
          const names = boundNames(value.childForFieldName('alias'));
          if (names.length > 0) this.bindings.push({ names, mentions: new Set(), hasCall: true, accumulates: false });
        }
        break;
      }
      case 'string': {
        // Only f-strings can hold calls; the prefix letters before the quote say whether this is one.
        const head = this.ctx.source.slice(cursor.startIndex, cursor.startIndex + 3);
        if (!/^[rRbBuU]?[fF]|^[fF]/.test(head)) frame.type = '#skip';
        break;
      }
      default:
        break;
    }
    return frame;
  }

  /** Context a child inherits from its parent's kind and the field it sits in. */
  private applyParentContext(frame: Frame, parent: Frame, field: string, type: string, cursor: FlatCursor): void {
    switch (parent.type) {
      case 'for_statement':
        if (field === 'body') frame.inner = parent.inner + 1;
        if (field === 'left') frame.inner = parent.inner + 1;
        break;
      case 'while_statement':
        if (field === 'body' || field === 'condition') frame.inner = parent.inner + 1;
        break;
      case 'list_comprehension':
      case 'set_comprehension':
      case 'dictionary_comprehension':
      case 'generator_expression':
        if (type !== 'for_in_clause') frame.inner = parent.inner + 1;
        break;
      case 'if_statement':
        if (field === 'consequence' || field === 'alternative') this.branchInto(frame, parent, cursor);
        break;
      case 'conditional_expression':
      case 'case_clause':
        this.branchInto(frame, parent, cursor);
        break;
      case 'match_statement':
        break;
      case 'boolean_operator':
        if (field === 'right') this.branchInto(frame, parent, cursor);
        break;
      case 'try_statement': {
        if (field === 'body') frame.tryBody = parent.tryIndex ?? -1;
        else if (type === 'except_clause' || type === 'except_group_clause' || type === 'else_clause') this.branchInto(frame, parent, cursor);
        else if (type === 'finally_clause') frame.inFinally = true;
        break;
      }
      default:
        break;
    }
    if (COMPREHENSIONS.has(parent.type) && type === 'if_clause') this.branchInto(frame, parent, cursor);
  }

  private branchInto(frame: Frame, parent: Frame, cursor: FlatCursor): void {
    frame.start = cursor.startIndex;
    frame.cond = parent.cond + 1;
    frame.branch = [...parent.branch, frame.start];
  }

  private leave(frame: Frame): void {
    if (frame.call) {
      const i = this.openCalls.lastIndexOf(frame.call);
      if (i >= 0) this.openCalls.splice(i, 1);
    }
    if (frame.binding) {
      const i = this.openBindings.lastIndexOf(frame.binding);
      if (i >= 0) this.openBindings.splice(i, 1);
    }
  }

  private openBinding(frame: Frame, binding: Binding): void {
    this.bindings.push(binding);
    this.openBindings.push(binding);
    frame.binding = binding;
  }

  private enterAssignment(node: SyntaxNode, frame: Frame): string | undefined {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left) return undefined;
    const names = boundNames(left);
    let op: AssignmentFact['op'] = 'other';
    if (node.type === 'assignment') {
      op = '=';
      if (right?.type === 'binary_operator' && right.childForFieldName('operator')?.type === '+' && right.childForFieldName('left')?.text === left.text) op = '+=';
    } else if (node.childForFieldName('operator')?.type === '+=') op = '+=';
    if (right) {
      this.facts.assignments.push({ target: clip(left.text, 120), line: node.startPosition.row + 1, op, valueText: clip(right.text, 200) });
      if (names.length === 1 && frame.inner === 0) {
        const str = stringTemplate(right);
        if (str !== undefined) this.localStrings.set(names[0]!, str);
      }
    }
    this.openBinding(frame, { names, mentions: new Set(), hasCall: false, accumulates: node.type === 'augmented_assignment' || op === '+=' });
    return clip(left.text, 120);
  }

  private checkStopFlagIf(node: SyntaxNode): void {
    const condition = node.childForFieldName('condition');
    const consequence = node.childForFieldName('consequence');
    if (!condition || !consequence) return;
    const flag = stopFlagName(condition.text);
    if (!flag) return;
    const leaves = consequence.namedChildren.some((s) => s.type === 'break_statement' || s.type === 'return_statement' || s.type === 'raise_statement');
    if (leaves) addExit(this.facts.exits, { kind: 'stop-flag', line: node.startPosition.row + 1, name: flag });
  }

  private enterCall(node: SyntaxNode, frame: Frame, parent: Frame, frames: Frame[]): void {
    const info = staticCall(node, this.ctx, this.localStrings);
    if (!info) return;
    const { callee, method, args } = info;
    // The static part (args and kinds arrays included) is shared with other loops' views of this call.
    const fact = newCallFact({
      callee,
      method,
      receiver: info.receiver,
      kinds: info.kinds,
      confidence: info.confidence,
      via: info.via,
      opens: info.opens,
      line: info.line,
      endLine: info.endLine,
      text: info.text,
      args,
      sql: info.sql,
      sleepSeconds: info.sleepSeconds,
      timeoutSeconds: info.timeoutSeconds,
      awaited: parent.type === 'await',
      resultUsed: true,
      guarded: this.guardedFromOutside || this.isGuarded(frame.tryBody),
      inTry: frame.tryBody >= 0,
      inInnerLoop: frame.inner > 0,
      conditional: frame.cond > 0,
      dependsOnIteration: false,
      managed: frame.inWithItem,
      node,
    });
    resolveUse(frames, fact);
    if (EXIT_CALLS.has(callee) && frame.tryBody < 0) addExit(this.facts.exits, { kind: 'raise', line: fact.line });
    if ((method === 'close' || method === 'release' || method === 'aclose' || method === 'putconn') && fact.receiver) {
      const target = method === 'putconn' ? args[0]?.text ?? '' : fact.receiver;
      this.closes.push({ target, inFinally: frame.inFinally, cond: frame.cond, inner: frame.inner, line: fact.line });
    }
    const root = fact.receiver ? /^[A-Za-z_]\w*/.exec(fact.receiver)?.[0] : undefined;
    const pending: PendingCall = { fact, mentions: new Set(), branch: frame.branch, inner: frame.inner, inFinally: frame.inFinally, inWithItem: frame.inWithItem };
    if (root) pending.receiverRoot = root;
    this.pending.push(pending);
    this.openCalls.push(pending);
    for (const b of this.openBindings) b.hasCall = true;
    frame.call = pending;
    this.facts.calls.push(fact);
  }

  private isGuarded(tryIndex: number): boolean {
    return tryIndex >= 0 && this.tries[tryIndex]!.broad;
  }

  finish(): void {
    const facts = this.facts;
    if (this.truncated) this.ctx.notes.push(`loop at line ${facts.startLine}: code nested deeper than ${MAX_WALK_DEPTH} levels was not analysed`);
    // Guarded by a try nested deeper than the innermost one: walk the chain of enclosing try bodies.
    for (const p of this.pending) {
      if (!p.fact.guarded && p.fact.inTry) p.fact.guarded = this.guardedByAnyEnclosingTry(p.fact);
    }
    const dependent = iterationDependentNames(facts.loopVariables, this.bindings);
    for (const p of this.pending) {
      for (const m of p.mentions) {
        if (dependent.has(m) && m !== p.fact.callee) {
          p.fact.dependsOnIteration = true;
          break;
        }
      }
      if (!p.fact.managed) p.fact.managed = this.isManaged(p);
    }
    for (const c of this.continues) {
      const afterSleepOrBlock = this.pending.some(
        (p) => p.inner === 0 && p.fact.node.startIndex < c.start && isPrefix(p.branch, c.branch) && isBlockingWait(p.fact.kinds, p.fact.timeoutSeconds),
      );
      facts.continues.push({ line: c.line, afterSleepOrBlock });
    }
  }

  private guardedByAnyEnclosingTry(call: CallFact): boolean {
    const start = call.node.startIndex;
    return this.tries.some((t) => {
      if (!t.broad) return false;
      const body = t.fact.node.childForFieldName('body');
      return !!body && body.startIndex <= start && body.endIndex >= call.node.endIndex;
    });
  }

  /** A resource is managed when a `with` owns it, or it is closed in a `finally`, or closed unconditionally. */
  private isManaged(p: PendingCall): boolean {
    if (p.receiverRoot && this.withNames.has(p.receiverRoot)) return true;
    const name = p.fact.assignedTo;
    if (!name) return false;
    return this.closes.some((c) => c.target === name && (c.inFinally || (c.cond === 0 && c.inner === p.inner && c.line >= p.fact.line)));
  }
}

/** resultUsed / assignedTo from the call's syntactic parent (through `await` and parentheses). */
function resolveUse(frames: Frame[], fact: CallFact): void {
  // frames ends with the call's own frame.
  let i = frames.length - 2;
  while (i >= 0 && (frames[i]!.type === 'await' || frames[i]!.type === 'parenthesized_expression')) i--;
  const parent = frames[i];
  if (!parent) return;
  if (parent.type === 'expression_statement') fact.resultUsed = false;
  else if (parent.type === 'assignment' && frames[i + 1]?.field === 'right' && parent.assignLeft !== undefined) fact.assignedTo = parent.assignLeft;
}

function isPrefix(prefix: readonly number[], of: readonly number[]): boolean {
  if (prefix.length > of.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== of[i]) return false;
  return true;
}

