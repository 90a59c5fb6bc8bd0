// Helpers shared by the `optimize` detectors: reading the loop's tree beyond what the facts carry, finding the
// literals that drive the cost (sleep, LIMIT, slice, max_workers), and building fixes that are proved to parse.
import type { CostConfig } from '../../../config/schema.js';
import type { Fix, Language } from '../../../core/types.js';
import { fromCode, fromConfig, runsPerDay, type Sourced } from '../../../cost/index.js';
import type { CallFact, CallKind, LoopFacts, SyntaxNode } from '../../facts.js';
import { t } from '../../../core/i18n.js';
import { hasSyntaxErrorsAfterEdit } from '../../parse.js';
import type { RuleContext } from '../../rule-types.js';
import { sourceLines } from '../../../fixes/lines.js';
import { nodesOfTypes, typeList } from '../quality/syntax.js';
import { commentSaysSerial } from './intent.js';

// Node type lists passed to descendantsOfType, built once (it caches its symbol table per array).
const ASSIGNING_NODES: readonly string[] = ['assignment', 'assignment_expression', 'augmented_assignment', 'augmented_assignment_expression', 'variable_declarator', 'update_expression'];
const INTERPOLATIONS: readonly string[] = ['interpolation', 'template_substitution'];
const STRING_PIECES: readonly string[] = ['string_content', 'string_fragment'];
const STRINGS_AND_NAMES: readonly string[] = ['string', 'identifier'];
const CALL_NODES: readonly string[] = ['call', 'call_expression'];

export const isPython = (language: Language): boolean => language === 'python';
export const isTyped = (language: Language): boolean => language === 'typescript' || language === 'tsx';
export const codeLanguage = (language: Language): string => (language === 'tsx' ? 'tsx' : language);

export function hasKind(call: CallFact, ...kinds: CallKind[]): boolean {
  return kinds.some((k) => call.kinds.includes(k));
}

/** Already batched or already concurrent: never an N+1 or a serial call. */
export function isBatched(call: CallFact): boolean {
  return hasKind(call, 'db-batch', 'gather');
}

/** Calls that belong to this loop rather than to a nested loop (which gets its own finding). */
export function ownCalls(loop: LoopFacts): CallFact[] {
  return loop.calls.filter((c) => !c.inInnerLoop);
}

const FUNCTION_TYPES = new Set([
  'function_definition',
  'lambda',
  'class_definition',
  'function_declaration',
  'function_expression',
  'function',
  'arrow_function',
  'method_definition',
  'generator_function_declaration',
  'generator_function',
  'class_declaration',
  'class',
  // Go and Java
  'func_literal',
  'method_declaration',
  'constructor_declaration',
  'lambda_expression',
  'class_body',
]);

export function isFunctionNode(node: SyntaxNode): boolean {
  return FUNCTION_TYPES.has(node.type);
}

const LOOP_TYPES = new Set(['for_statement', 'while_statement', 'for_in_statement', 'do_statement', 'enhanced_for_statement']);

/**
 * Visits the loop body's own nodes of the given types, in source order: nodes inside nested functions and nested
 * loops are skipped (those are analysed on their own). The search itself runs natively (descendantsOfType); only the
 * matches walk up to check where they sit.
 */
export function walkOwnBody(loop: LoopFacts, types: ReadonlySet<string>, visit: (node: SyntaxNode) => void): void {
  // Several rules ask about the same loop with the same type set; each parent step crosses the native boundary.
  let perLoop = ownBodyCache.get(loop);
  if (!perLoop) {
    perLoop = new Map();
    ownBodyCache.set(loop, perLoop);
  }
  let nodes = perLoop.get(types);
  if (!nodes) {
    nodes = [];
    collectOwnBody(loop, types, nodes);
    perLoop.set(types, nodes);
  }
  for (const node of nodes) visit(node);
}

const ownBodyCache = new WeakMap<LoopFacts, Map<ReadonlySet<string>, SyntaxNode[]>>();

const OWN_BODY_EXCLUDED: ReadonlySet<string> = new Set([...FUNCTION_TYPES, ...LOOP_TYPES]);

/** `node` is `other` or contains it (so `other` is not an ancestor of `node` below `stop`). */
function isSelfOrAncestor(node: SyntaxNode, other: SyntaxNode, stop: SyntaxNode): boolean {
  if (node.startIndex !== other.startIndex || node.endIndex !== other.endIndex) return false;
  const otherId = other.id;
  if (node.id === otherId) return true;
  for (let p = node.parent; p && p.id !== stop.id; p = p.parent) if (p.id === otherId) return false;
  return true;
}

function collectOwnBody(loop: LoopFacts, types: ReadonlySet<string>, out: SyntaxNode[]): void {
  // Nested loops (the loop's children among them) and functions are the excluded ancestors; a match that is one of
  // them is left out too, unless it is the body itself.
  // JavaScript loops modelled on calls (`items.forEach(...)`, `setInterval(...)`) are not statements of those types.
  const body = loop.body;
  const bodyStart = body.startIndex;
  const bodyEnd = body.endIndex;
  const callLoops = loop.children.filter((c) => !LOOP_TYPES.has(c.node.type)).map((c) => c.node);
  for (const node of nodesOfTypes(body, typeList(types), OWN_BODY_EXCLUDED, { includeRoot: true })) {
    if (!node.isNamed) continue;
    const start = node.startIndex;
    const end = node.endIndex;
    const isBody = start === bodyStart && end === bodyEnd && node.id === body.id;
    if (OWN_BODY_EXCLUDED.has(node.type) && !isBody) continue;
    if (!isBody && callLoops.some((c) => c.startIndex <= start && end <= c.endIndex && !isSelfOrAncestor(node, c, body))) continue;
    out.push(node);
  }
}

/** True when `node` sits in an except/catch handler between itself and the loop body. */
export function inErrorHandler(node: SyntaxNode, loop: LoopFacts): boolean {
  for (let n: SyntaxNode | null = node.parent; n && n.id !== loop.body.id; n = n.parent) {
    if (n.type === 'except_clause' || n.type === 'catch_clause' || n.type === 'except_group_clause') return true;
  }
  return false;
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

/** Identifiers mentioned in a node (names and the dotted paths' first segment). */
export function identifiersIn(node: SyntaxNode | null | undefined): Set<string> {
  const out = new Set<string>();
  if (!node) return out;
  const stack: SyntaxNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'identifier' || n.type === 'shorthand_property_identifier') out.add(n.text);
    for (let i = 0; i < n.namedChildCount; i++) stack.push(n.namedChild(i)!);
  }
  return out;
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

const EXIT_TYPES = new Set(['break_statement', 'return_statement']);

/** Any `break`/`return` of this loop (a search loop that stops at the first hit is sequential by design). */
export function hasEarlyExit(loop: LoopFacts): boolean {
  let found = false;
  walkOwnBody(loop, EXIT_TYPES, () => {
    found = true;
  });
  return found;
}

export function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** One indentation step as the file uses it (defaults: 4 spaces in Python, 2 in JS/TS). */
export function indentUnit(loop: LoopFacts, source: string): string {
  const all = sourceLines(source);
  const header = indentOf(all[loop.headerLine - 1] ?? '');
  for (let l = loop.bodyStartLine; l <= loop.bodyEndLine; l++) {
    const text = all[l - 1] ?? '';
    if (text.trim() === '') continue;
    const ind = indentOf(text);
    if (ind.length > header.length && ind.startsWith(header)) return ind.slice(header.length);
  }
  return isPython(loop.language) ? '    ' : '  ';
}

/** Re-indents a multi-line snippet so that its first line sits at `indent`. */
export function reindent(text: string, fromIndent: string, indent: string): string {
  return text
    .split('\n')
    .map((l, i) => {
      if (i === 0) return indent + l.trimStart();
      if (l.trim() === '') return '';
      return l.startsWith(fromIndent) ? indent + l.slice(fromIndent.length) : indent + l.trimStart();
    })
    .join('\n');
}

/** Adds `indent` to every non-blank line. */
export function indentBlock(text: string, indent: string): string {
  return text
    .split('\n')
    .map((l) => (l.trim() === '' ? '' : indent + l))
    .join('\n');
}

/** The statement that contains the loop and starts its own line: where hoisted code can be inserted. */
export function loopStatement(loop: LoopFacts, source: string): SyntaxNode | undefined {
  const all = sourceLines(source);
  for (let n: SyntaxNode | null = loop.node; n; n = n.parent) {
    const line = all[n.startPosition.row] ?? '';
    const isStatement = /statement$|^lexical_declaration$|^variable_declaration$|^expression_statement$/.test(n.type);
    if (isStatement && n.startPosition.column === indentOf(line).length) return n;
    if (n.type === 'block' || n.type === 'statement_block' || n.type === 'module' || n.type === 'program') return undefined;
  }
  return undefined;
}

/** True when a statement occupies whole lines (nothing else before it or after it on its lines). */
export function ownsItsLines(node: SyntaxNode, source: string): boolean {
  const all = sourceLines(source);
  const first = all[node.startPosition.row] ?? '';
  const last = all[node.endPosition.row] ?? '';
  if (node.startPosition.column !== indentOf(first).length) return false;
  const rest = last.slice(node.endPosition.column).trim();
  return rest === '' || rest === ';' || rest.startsWith('#') || rest.startsWith('//');
}

export function enclosingFunction(node: SyntaxNode): SyntaxNode | undefined {
  for (let n = node.parent; n; n = n.parent) if (isFunctionNode(n)) return n;
  return undefined;
}

/** The scope to search for assignments: the enclosing function, else the module. */
export function scopeOf(node: SyntaxNode): SyntaxNode {
  return enclosingFunction(node) ?? node.tree.rootNode;
}

/**
 * The value last assigned to `name` before `before` in `scope` (nested functions skipped), e.g. the list a loop
 * iterates or the SQL string in a constant. Looks at `x = ...`, `x: T = ...`, `const x = ...`, `let x = ...`.
 */
export function findAssignedValue(scope: SyntaxNode, name: string, before: number): SyntaxNode | undefined {
  let found: SyntaxNode | undefined;
  for (const n of assignmentsIn(scope).get(name) ?? []) {
    if (n.startIndex >= before) break;
    found = n;
  }
  return found;
}

let assignmentIndex: { tree: unknown; byScope: Map<number, Map<string, SyntaxNode[]>> } | undefined;

/** Right-hand sides by assigned name in one scope (nested functions excluded), in source order; cached per tree. */
function assignmentsIn(scope: SyntaxNode): Map<string, SyntaxNode[]> {
  if (assignmentIndex?.tree !== scope.tree) assignmentIndex = { tree: scope.tree, byScope: new Map() };
  let index = assignmentIndex.byScope.get(scope.id);
  if (index) return index;
  index = new Map();
  const owner = isFunctionNode(scope) ? scope.id : undefined;
  for (const n of scope.descendantsOfType(ASSIGNMENT_TYPES)) {
    const left = n.childForFieldName('left') ?? n.childForFieldName('name');
    const right = n.childForFieldName('right') ?? n.childForFieldName('value');
    if (!left || !right || enclosingFunction(n)?.id !== owner) continue;
    const list = index.get(left.text) ?? [];
    list.push(right);
    index.set(left.text, list);
  }
  assignmentIndex.byScope.set(scope.id, index);
  return index;
}

const ASSIGNMENT_TYPES = ['assignment', 'variable_declarator', 'assignment_expression'];

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

/** Numeric value of a literal node (`30`, `0.5`, `60 * 5`, `5_000`), or of a module-level constant it names. */
export function numberValue(node: SyntaxNode | null | undefined, depth = 0): number | undefined {
  if (!node || depth > 3) return undefined;
  const text = node.text.replace(/_/g, '');
  if (node.type === 'integer' || node.type === 'float' || node.type === 'number') {
    const v = Number(text);
    return Number.isFinite(v) ? v : undefined;
  }
  if (node.type === 'parenthesized_expression') return numberValue(node.namedChild(0), depth + 1);
  if (node.type === 'binary_operator' || node.type === 'binary_expression') {
    const l = numberValue(node.childForFieldName('left'), depth + 1);
    const r = numberValue(node.childForFieldName('right'), depth + 1);
    const op = node.childForFieldName('operator')?.text;
    if (l === undefined || r === undefined) return undefined;
    if (op === '*') return l * r;
    if (op === '+') return l + r;
    if (op === '-') return l - r;
    if (op === '/' && r !== 0) return l / r;
    return undefined;
  }
  if (node.type === 'identifier') {
    const value = findAssignedValue(node.tree.rootNode, node.text, node.startIndex);
    if (value && enclosingFunction(value) === undefined && !reassigned(node.tree.rootNode, node.text)) return numberValue(value, depth + 1);
  }
  return undefined;
}

/** The name is assigned more than once in the file (`let delay = 1000; ... delay = delay * 2`): not a constant. */
function reassigned(root: SyntaxNode, name: string): boolean {
  let count = 0;
  for (const n of root.descendantsOfType(ASSIGNING_NODES)) {
    const target = n.childForFieldName('left') ?? n.childForFieldName('name') ?? n.childForFieldName('argument');
    if (target?.text === name) count++;
  }
  return count > 1;
}

/** String value of a literal (or of a constant it names), concatenations of literals included. */
export function stringValue(node: SyntaxNode | null | undefined, depth = 0): string | undefined {
  if (!node || depth > 3) return undefined;
  if (node.type === 'string' || node.type === 'template_string') {
    if (node.descendantsOfType(INTERPOLATIONS).length > 0) return undefined;
    const contents = node.descendantsOfType(STRING_PIECES);
    return contents.map((c) => c.text).join('');
  }
  if (node.type === 'concatenated_string') return node.namedChildren.map((c) => stringValue(c, depth + 1) ?? '').join('');
  if (node.type === 'parenthesized_expression') return stringValue(node.namedChild(0), depth + 1);
  if (node.type === 'identifier') {
    const value = findAssignedValue(scopeOf(node), node.text, node.startIndex) ?? findAssignedValue(node.tree.rootNode, node.text, node.startIndex);
    return stringValue(value, depth + 1);
  }
  return undefined;
}

/** Argument nodes of a call node (positional and keyword/object arguments). */
export function argumentNodes(call: SyntaxNode): SyntaxNode[] {
  const args = call.childForFieldName('arguments');
  return args ? args.namedChildren.filter((c) => c.type !== 'comment') : [];
}

/** The call node itself (the fact's node may be an `await` wrapper). */
export function callNode(call: CallFact): SyntaxNode {
  let n = call.node;
  while (n.type === 'await' || n.type === 'await_expression') n = n.namedChild(0) ?? n;
  return n;
}

/** Sleep duration in seconds: from the facts, else from the first argument (`sleep(POLL_SECONDS)` included). */
export function sleepSeconds(call: CallFact, language: Language, loop?: LoopFacts): number | undefined {
  const node = callNode(call);
  const first = argumentNodes(node)[0];
  // A delay variable the loop reassigns (`delay = min(delay * 2, cap)`) is a backoff, not a fixed interval.
  if (loop) {
    const names = new Set(argumentNodes(node).flatMap((a) => [...identifiersIn(a)]));
    if (loop.assignments.some((a) => names.has(a.target)) || [...names].some((n) => reassigned(node.tree.rootNode, n))) return undefined;
  }
  if (call.sleepSeconds !== undefined) return call.sleepSeconds;
  const value = numberValue(first?.type === 'keyword_argument' ? first.childForFieldName('value') : first);
  if (value === undefined) return undefined;
  if (isPython(language)) return value;
  // JS sleeps take milliseconds; `setTimeout(r, ms)` inside a promise is handled by the facts.
  return value / 1000;
}

/** How often the loop runs, when it sits inside (or is) a poller with a fixed sleep. */
export function pollerInterval(loop: LoopFacts): Sourced | undefined {
  for (let l: LoopFacts | undefined = loop; l; l = l.parent) {
    if (!(l.infinite || l.kind === 'interval' || l.kind === 'timeout-recursion' || runFlagCondition(l))) continue;
    const seconds = fixedPollSeconds(l);
    if (seconds) return seconds;
  }
  return undefined;
}

const RUN_FLAG = /run|stop|shut|alive|active|exit|quit|cancel|abort|keep|live|event|signal|terminat|closing|closed/i;

/** `while not stop.is_set()`, `while self.running`, `while (!signal.aborted)`: a worker loop with a stop flag. */
/** `running`, `not self.stopped`, `(!this.stop())`: one flag, maybe negated (no two adjacent `\s*` runs). */
export const RUN_FLAG_SHAPE = /^\(?\s*(?:not\s+|!\s*)?[\w.$]+(?:\(\))?\s*\)?$/;

export function runFlagCondition(loop: LoopFacts): boolean {
  if (loop.kind !== 'while' && loop.kind !== 'do') return false;
  const cond = (loop.condition ?? '').trim();
  if (!cond || /[<>]|len\(|\.length|\bin\b/.test(cond)) return false;
  return RUN_FLAG.test(cond) && RUN_FLAG_SHAPE.test(cond);
}

/** The constant delay between polls: a literal sleep in the loop, or the interval of setInterval / setTimeout. */
export function fixedPollSeconds(loop: LoopFacts): Sourced | undefined {
  if (loop.kind === 'interval' || loop.kind === 'timeout-recursion') {
    const timer = timerMilliseconds(loop);
    if (timer !== undefined) return fromCode('interval_seconds', timer / 1000, 's');
  }
  let best: number | undefined;
  for (const call of ownCalls(loop)) {
    if (!hasKind(call, 'sleep') || inErrorHandler(call.node, loop)) continue;
    const s = sleepSeconds(call, loop.language, loop);
    if (s !== undefined && s > 0 && (best === undefined || s < best)) best = s;
  }
  return best === undefined ? undefined : fromCode('sleep_seconds', best, 's');
}

/** `setInterval(fn, 5000)` / `setTimeout(tick, 5000)`: the delay literal in milliseconds. */
export function timerMilliseconds(loop: LoopFacts): number | undefined {
  return timerCall(loop)?.ms;
}

/** The setInterval / re-scheduling setTimeout call of a timer loop and its literal delay. */
export function timerCall(loop: LoopFacts): { node: SyntaxNode; ms: number } | undefined {
  const candidates: SyntaxNode[] = [];
  if (loop.node.type === 'call_expression') candidates.push(loop.node);
  for (let n: SyntaxNode | null = loop.node.parent; n && candidates.length === 0; n = n.parent) {
    if (n.type === 'call_expression' && /set(Interval|Timeout)$/.test(n.childForFieldName('function')?.text ?? '')) candidates.push(n);
    if (n.type === 'program') break;
  }
  const search = loop.kind === 'timeout-recursion' ? loop.body : undefined;
  if (search) candidates.push(...search.descendantsOfType('call_expression'));
  for (const c of candidates) {
    const fn = c.childForFieldName('function')?.text ?? '';
    if (!/(^|\.)set(Interval|Timeout)$/.test(fn)) continue;
    const ms = numberValue(argumentNodes(c)[1]);
    if (ms !== undefined) return { node: c, ms };
  }
  return undefined;
}

/** Items per batch: `LIMIT 50`, `[:50]`, `range(50)`, `.limit(50)`, `take: 50`, `fetchmany(50)` near the loop, else `cost.batch_size`. */
export function batchSize(loop: LoopFacts, cost: CostConfig): Sourced {
  const iterable = loop.iterable?.text ?? '';
  const fromText = (text: string): Sourced | undefined => {
    let m = /\bLIMIT\s+(\d+)/i.exec(text);
    if (m) return fromCode('limit', Number(m[1]));
    m = /\[\s*(?:\d+\s*)?:\s*(\d+)\s*\]/.exec(text) ?? /\.slice\(\s*0\s*,\s*(\d+)\s*\)/.exec(text);
    if (m) return fromCode('slice', Number(m[1]));
    m = /\b(?:limit|take|fetchmany|first|top)\s*[(:=]\s*(\d+)/i.exec(text) ?? /\bbatch_size\s*[=:]\s*(\d+)/i.exec(text);
    if (m) return fromCode('limit', Number(m[1]));
    m = /^range\(\s*(?:0\s*,\s*)?(\d+)\s*\)$/.exec(text.trim());
    if (m) return fromCode('range', Number(m[1]));
    return undefined;
  };
  const direct = fromText(iterable);
  if (direct && direct.value > 0) return direct;
  const literal = loop.node.childForFieldName('right') ?? loop.node.childForFieldName('iterable');
  // `for x in [a, b, c]`, `for x in (a, b, c)`, `for x in a, b, c`, `for (const x of [a, b, c])`.
  if (literal && (literal.type === 'list' || literal.type === 'array' || literal.type === 'tuple' || literal.type === 'expression_list' || literal.type === 'set') && !hasSpread(literal)) {
    return fromCode('list_length', literal.namedChildren.filter((c) => c.type !== 'comment').length);
  }
  const name = loop.iterable?.collection ?? (/^[\w.$]+$/.test(iterable) ? iterable : undefined);
  if (name) {
    const value = findAssignedValue(scopeOf(loop.node), name, loop.node.startIndex);
    if (value) {
      const viaValue =
        fromText(value.text) ?? fromText(stringValue(value.descendantsOfType(STRINGS_AND_NAMES)[0]) ?? '') ?? fromText(precedingExecuteSql(value) ?? '');
      if (viaValue && viaValue.value > 0) return viaValue;
      if ((value.type === 'list' || value.type === 'array' || value.type === 'tuple' || value.type === 'set' || value.type === 'expression_list') && !hasSpread(value)) {
        const n = value.namedChildren.filter((c) => c.type !== 'comment').length;
        if (n > 0) return fromCode('list_length', n);
      }
    }
  }
  return fromConfig(cost, 'batch_size');
}

/** Parallelism the code already chose (`max_workers=16`, `pLimit(4)`, `Semaphore(10)`, `concurrency: 5`), else config. */
export function concurrencyOf(loop: LoopFacts, cost: CostConfig): Sourced {
  const scope = loop.node.tree.rootNode.text;
  const m =
    /max_workers\s*=\s*(\d+)/.exec(scope) ??
    /\bp[Ll]imit\(\s*(\d+)\s*\)/.exec(scope) ??
    /Semaphore\(\s*(\d+)\s*\)/.exec(scope) ??
    /\bconcurrency\s*[:=]\s*(\d+)/.exec(scope);
  if (m && Number(m[1]) > 0) return fromCode('max_workers', Number(m[1]));
  return fromConfig(cost, 'concurrency');
}

export function runsPerDayOf(loop: LoopFacts, locale: RuleContext['locale']): Sourced | undefined {
  const interval = loop.parent ? pollerInterval(loop.parent) : undefined;
  return interval ? runsPerDay(interval, locale) : undefined;
}

/** `high` unless one of the calls was only guessed from its name. */
export function confidenceOf(calls: CallFact[]): 'high' | 'low' {
  return calls.some((c) => c.confidence === 'low') ? 'low' : 'high';
}

/** Replaces `lines[start..end]` and checks that the result still parses; `undefined` when it does not. */
export function provedReplace(
  ctx: RuleContext,
  startLine: number,
  endLine: number,
  code: string,
  description: string,
  safety: 'safe' | 'unsafe',
): Fix | undefined {
  const all = sourceLines(ctx.file.source);
  const patched = [...all.slice(0, startLine - 1), ...code.split('\n'), ...all.slice(endLine)].join('\n');
  try {
    if (hasSyntaxErrorsAfterEdit(ctx.file.tree, ctx.file.language, patched)) return undefined;
  } catch {
    return undefined;
  }
  return { kind: 'replace', safety, description, startLine, endLine, code, language: codeLanguage(ctx.file.language) };
}

export function blockFix(ctx: RuleContext, loop: LoopFacts, code: string, description: string, safety: 'safe' | 'unsafe', extras?: Fix['extras']): Fix {
  return {
    kind: 'block',
    safety,
    description,
    startLine: loop.startLine,
    endLine: loop.endLine,
    code,
    language: codeLanguage(ctx.file.language),
    ...(extras && extras.length > 0 ? { extras } : {}),
  };
}

/**
 * Moves one whole-line statement of the loop body to just before the loop (same indentation as the loop's
 * statement). Returns the replacement for lines `insertLine..statement end` or undefined when the shape does
 * not allow an exact, parseable rewrite.
 */
export function hoistStatement(ctx: RuleContext, loop: LoopFacts, statement: SyntaxNode, description: string, safety: 'safe' | 'unsafe'): Fix | undefined {
  const source = ctx.file.source;
  const anchor = loopStatement(loop, source);
  if (!anchor || !ownsItsLines(statement, source)) return undefined;
  if (statement.parent?.id !== loop.body.id) return undefined;
  if (bodyStatements(loop).length < 2) return undefined;
  const all = sourceLines(source);
  const insertLine = anchor.startPosition.row + 1;
  const stmtStart = startWithComments(statement, source, loop.headerLine);
  const stmtEnd = statement.endPosition.row + 1;
  if (stmtStart <= insertLine) return undefined;
  const loopIndent = indentOf(all[insertLine - 1] ?? '');
  const stmtIndent = indentOf(all[stmtStart - 1] ?? '');
  const moved = reindent(all.slice(stmtStart - 1, stmtEnd).join('\n'), stmtIndent, loopIndent);
  const kept = all.slice(insertLine - 1, stmtStart - 1);
  return provedReplace(ctx, insertLine, stmtEnd, [moved, ...kept].join('\n'), description, safety);
}

/** A fresh identifier that does not occur in the file (`ids_set`, `ids_set_2`, ...). */
export function freshName(source: string, base: string): string {
  let name = base;
  for (let i = 2; new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`).test(source); i++) name = `${base}_${i}`;
  return name;
}

/** camelCase / snake_case name derived from an expression (`self.allowed_ids` → `allowed_ids`). */
export function baseName(expr: string): string {
  const last = expr.split(/[.\[\]()'"]/).filter((s) => /^[A-Za-z_$][\w$]*$/.test(s)).pop();
  return last ?? 'items';
}

/** Loop header pieces for rewriting a for-each loop: variable pattern and iterable text. */
export function forEachParts(loop: LoopFacts): { pattern: string; iterable: string } | undefined {
  const left = loop.node.childForFieldName('left');
  const right = loop.node.childForFieldName('right');
  if (!left || !right) return undefined;
  return { pattern: left.text, iterable: right.text };
}

export function short(text: string, max = 60): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}

/** Text of the optimize rules' fixes and extras (templates/i18n/optimize.<locale>.yml). */
export function say(ctx: RuleContext, key: string, params?: Record<string, string | number>): string {
  return t(ctx.locale, `optimize.${key}`, params);
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

/** Loops that walk a collection (as opposed to workers and retry loops). */
export const ITERATING_KINDS = new Set<LoopFacts['kind']>(['for', 'for-each', 'async-for', 'for-await', 'callback-iteration']);

/** `for x in ["a", "b"]` over two items: batching or parallelising it gains next to nothing. */
/** Items of a Go composite literal (`[]string{"a", "b"}`) or Java `List.of(a, b)` / `{a, b}` iterated; Infinity otherwise. */
function braceLiteralItems(loop: LoopFacts): number {
  const range = loop.node.namedChildren.find((c) => c.type === 'range_clause')?.childForFieldName('right');
  const target = range ?? loop.node.childForFieldName('value');
  if (!target) return Infinity;
  if (target.type === 'composite_literal') return target.childForFieldName('body')?.namedChildren.filter((c) => c.type !== 'comment').length ?? Infinity;
  if (target.type === 'array_creation_expression') return target.childForFieldName('value')?.namedChildCount ?? Infinity;
  if (target.type === 'method_invocation' && /^(List|Set|Arrays)\.(of|asList)$/.test(`${target.childForFieldName('object')?.text}.${target.childForFieldName('name')?.text}`)) {
    return target.childForFieldName('arguments')?.namedChildCount ?? Infinity;
  }
  return Infinity;
}

/** `[...xs]`, `[*xs, y]`: a literal whose length is not its element count. */
function hasSpread(node: SyntaxNode): boolean {
  return node.namedChildren.some((c) => c.type === 'spread_element' || c.type === 'list_splat' || c.type === 'dictionary_splat');
}

export function tinyLiteralIterable(loop: LoopFacts, max = 2): boolean {
  if (loop.language === 'go' || loop.language === 'java') return braceLiteralItems(loop) <= max;
  const right = loop.node.childForFieldName('right');
  if (right && ['list', 'tuple', 'array', 'set'].includes(right.type) && !hasSpread(right)) return right.namedChildren.length <= max;
  const m = /^range\(\s*(\d+)\s*\)$/.exec(loop.iterable?.text ?? '');
  return m ? Number(m[1]) <= max : false;
}

const CHUNK_CALL = /\b(chunk(s|ed|ify)?|batch(es|ed)?|in_batches|grouper|partition(ed)?|sliced|windowed)\s*\(|^(_|lodash)\.chunk\(/i;
const RANGE_WITH_STEP = /\brange\(\s*0\s*,[^,]+,/gi;

/**
 * A chunking call or `range(0, n, step)`: `/\brange\(\s*0\s*,[^,]+,[^)]+\)/i` without rescanning the rest of the
 * text from every `range(0,` that has no closing parenthesis after it.
 */
export function isChunkIterable(text: string): boolean {
  if (CHUNK_CALL.test(text)) return true;
  RANGE_WITH_STEP.lastIndex = 0;
  for (let m = RANGE_WITH_STEP.exec(text); m; m = RANGE_WITH_STEP.exec(text)) {
    const after = m.index + m[0].length;
    if (after < text.length && text.charCodeAt(after) !== 41) return text.indexOf(')', after + 1) >= 0;
    RANGE_WITH_STEP.lastIndex = m.index + 1;
  }
  return false;
}
const CHUNK_VARIABLE = /^(chunk|batch)(_?\w*)?$|^\w*_(chunk|batch)$|^\w*(Chunk|Batch)$/;

/**
 * The loop goes over chunks (`for chunk in chunks(ids, 1000)`, `for i in range(0, len(ids), 500)`): one statement
 * and one commit per chunk is the batching already, not a write per row.
 */
export function iteratesChunks(loop: LoopFacts): boolean {
  if (isChunkIterable(loop.iterable?.text ?? '')) return true;
  return loop.loopVariables.length === 1 && CHUNK_VARIABLE.test(loop.loopVariables[0]!);
}

/** The iterable was produced by one query (`rows = cur.fetchall()`, `Order.objects.filter(...)`). */
export function iterableFromQuery(loop: LoopFacts): boolean {
  if (loop.iterable?.kind === 'query') return true;
  const text = loop.iterable?.text ?? '';
  const QUERY = /fetchall|fetchmany|\.objects\.|\.query\(|\.execute\(|\.find(Many|All)?\(|\.select\(|scalars\(|\.all\(\)|\bSELECT\b/i;
  if (QUERY.test(text)) return true;
  const name = loop.iterable?.collection ?? (/^[\w.$]+$/.test(text) ? text : undefined);
  if (!name) return false;
  const value = findAssignedValue(scopeOf(loop.node), name, loop.node.startIndex);
  return value ? QUERY.test(value.text) : false;
}

export interface NodeEdit {
  /** Node to replace; must start and end on the same line. */
  node: SyntaxNode;
  text: string;
}

/**
 * Inserts `insert` (already indented, may be several lines) before `insertLine` and applies same-line node edits
 * below it: one replacement of lines `insertLine..last edited line`, proved to parse.
 */
export function insertAndEdit(
  ctx: RuleContext,
  insertLine: number,
  insert: string | undefined,
  edits: NodeEdit[],
  description: string,
  safety: 'safe' | 'unsafe',
): Fix | undefined {
  if (edits.length === 0) return undefined;
  if (edits.some((e) => e.node.startPosition.row !== e.node.endPosition.row || e.node.startPosition.row + 1 < insertLine)) return undefined;
  const all = sourceLines(ctx.file.source);
  const lastLine = Math.max(...edits.map((e) => e.node.startPosition.row + 1));
  const byLine = new Map<number, NodeEdit[]>();
  for (const e of edits) {
    const row = e.node.startPosition.row + 1;
    byLine.set(row, [...(byLine.get(row) ?? []), e]);
  }
  const out: string[] = insert !== undefined ? insert.split('\n') : [];
  for (let l = insertLine; l <= lastLine; l++) {
    let text = all[l - 1] ?? '';
    // Columns are byte-based in tree-sitter; apply right to left so earlier columns stay valid.
    const lineEdits = (byLine.get(l) ?? []).sort((a, b) => b.node.startPosition.column - a.node.startPosition.column);
    for (const e of lineEdits) {
      const bytes = Buffer.from(text, 'utf8');
      text =
        bytes.subarray(0, e.node.startPosition.column).toString('utf8') + e.text + bytes.subarray(e.node.endPosition.column).toString('utf8');
    }
    out.push(text);
  }
  return provedReplace(ctx, insertLine, lastLine, out.join('\n'), description, safety);
}

/** Line where code hoisted out of the loop goes, and its indentation. */
export function hoistPoint(loop: LoopFacts, source: string): { line: number; indent: string } | undefined {
  const anchor = loopStatement(loop, source);
  if (!anchor) return undefined;
  const line = anchor.startPosition.row + 1;
  return { line, indent: indentOf(sourceLines(source)[line - 1] ?? '') };
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

/** Callee without its arguments, for messages: `conn.execute("...").fetchall` → `conn.execute().fetchall`. */
export function displayCallee(call: CallFact): string {
  let out = '';
  let depth = 0;
  for (const ch of call.callee) {
    if (ch === '(' || ch === '[') {
      if (depth === 0) out += ch;
      depth++;
    } else if (ch === ')' || ch === ']') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) out += ch;
    } else if (depth === 0) out += ch;
  }
  return short(out, 60);
}

/** A cursor read that fetches what the previous execute already asked for: no extra round trip. */
export function isCursorFetch(call: CallFact): boolean {
  // `conn.execute(sql).fetchall()` is the query itself; `cur.fetchall()` after `cur.execute(sql)` is not
  if (/\(/.test(call.receiver ?? '')) return false;
  return /^fetch(one|all|many)$/.test(call.method) || (/^(fetch|fetchrow|fetchval)$/.test(call.method) && call.args.length === 0);
}

/** One entry per call chain (`a.execute(...).fetchall()` may be reported as two calls on one line). */
export function distinctChains(calls: CallFact[]): CallFact[] {
  const seen = new Set<string>();
  return calls.filter((c) => {
    const key = `${c.line}:${chainRoot(callNode(c)).startIndex}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** A name read by the call that the loop assigns after the call, or accumulates: its value comes from the previous iteration. */
export function carriedAcrossIterations(loop: LoopFacts, call: CallFact): boolean {
  const node = callNode(call);
  const used = new Set<string>();
  for (const a of argumentNodes(node)) for (const id of identifiersIn(a)) used.add(id);
  const receiver = node.childForFieldName('function')?.childForFieldName('object');
  for (const id of identifiersIn(receiver)) used.add(id);
  if (call.assignedTo && used.has(call.assignedTo)) return true;
  for (const a of loop.assignments) {
    const target = a.target.replace(/^(self|this)\./, '');
    if (loop.loopVariables.includes(a.target) || !used.has(target)) continue;
    if (a.line > call.line || a.op !== '=') return true;
  }
  return false;
}


/** `rows = cur.fetchall()`: the SQL of the last `cur.execute(...)` before it, which says how many rows come back. */
function precedingExecuteSql(value: SyntaxNode): string | undefined {
  let n = value;
  while ((n.type === 'call' || n.type === 'call_expression') && n.childForFieldName('function')?.type !== 'identifier') {
    const fn = n.childForFieldName('function')!;
    const method = (fn.childForFieldName('attribute') ?? fn.childForFieldName('property'))?.text ?? '';
    if (!/^fetch(all|many)$/.test(method)) return undefined;
    const receiver = fn.childForFieldName('object')?.text;
    if (!receiver) return undefined;
    let sql: string | undefined;
    for (const call of scopeOf(value).descendantsOfType(CALL_NODES)) {
      if (call.startIndex >= value.startIndex) break;
      const f = call.childForFieldName('function');
      if (f && f.text === `${receiver}.execute`) sql = stringValue(argumentNodes(call)[0]) ?? sql;
    }
    return sql;
  }
  return undefined;
}

/** First line (1-based) of a statement including the comment lines directly above it (they describe it and move with it). */
export function startWithComments(statement: SyntaxNode, source: string, floorLine: number): number {
  const all = sourceLines(source);
  let line = statement.startPosition.row + 1;
  while (line - 1 > floorLine && /^\s*(#|\/\/)/.test(all[line - 2] ?? '')) line--;
  return line;
}

/** Methods that are never network or database I/O, whatever the receiver is called. */
const NEVER_IO = /^(append|extend|add|insert|update|pop|remove|discard|clear|copy|get|items|keys|values|format|join|split|strip|call_soon|call_later|call_at|call_soon_threadsafe|call_exception_handler|post_order|pre_order|invoke_later|emit|dispatch|notify_all|notifyAll|set|push|map|filter|reduce|forEach|then|catch)$/;

const CONTEXT: Partial<Record<CallKind, RegExp>> = {
  http: /\b(requests|httpx|aiohttp|urllib3?|http\.client|grpc|boto3|botocore|fetch\(|axios|got|undici|node-fetch|superagent|ky|@aws-sdk|googleapis|stripe|openai)\b/,
  'db-read': /\b(django|sqlalchemy|psycopg2?|pymysql|MySQLdb|sqlite3|asyncpg|aiomysql|pymongo|motor|redis|peewee|tortoise|prisma|@prisma|mongoose|mongodb|sequelize|typeorm|knex|pg|mysql2?|ioredis|drizzle|kysely)\b/,
  'db-write': /\b(django|sqlalchemy|psycopg2?|pymysql|MySQLdb|sqlite3|asyncpg|aiomysql|pymongo|motor|redis|peewee|tortoise|prisma|@prisma|mongoose|mongodb|sequelize|typeorm|knex|pg|mysql2?|ioredis|drizzle|kysely)\b/,
};

/**
 * A call whose kind was only guessed from its name counts when the file visibly works with that kind of I/O
 * (imports a database or HTTP library) and the method is not a plain collection or event-loop operation.
 */
export function credible(call: CallFact, source: string, kind: CallKind): boolean {
  if (call.confidence !== 'low') return true;
  if (NEVER_IO.test(call.method)) return false;
  const context = CONTEXT[kind];
  return context ? context.test(source) : true;
}

// Schema work, statement lists and deliberately serial loops: per-item database calls that are not N+1.

/**
 * A word at the end of a name, after a snake_case or camelCase boundary: `generatedColumns`, `pending_migrations`,
 * `foreignKeys` end with a schema noun; `accountables` does not end with `tables`.
 */
function endsWithWord(words: string[]): RegExp {
  const lower = words.join('|');
  const upper = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('|');
  return new RegExp(`(?:^|_)(?:${lower})$|(?<=[a-z0-9])(?:${upper})$`);
}

/** A collection whose size is the schema's, not the data's: one statement per column or index is what DDL needs. */
const SCHEMA_NOUN = endsWithWord(['columns?', 'indices', 'indexes', 'foreign_?[kK]eys?', 'constraints?', 'tables?', 'schemas?', 'migrations?', 'enums?', 'sequences?', 'metadatas?', 'primary_?[kK]eys?']);
/** Names in an iterable's text that say nothing about what is iterated. */
const ITERABLE_PLUMBING = new Set(['this', 'self', 'cls', 'Object', 'Array', 'from', 'entries', 'values', 'keys', 'items', 'filter', 'map', 'reverse', 'slice', 'sorted', 'reversed', 'list', 'tuple', 'set', 'enumerate', 'zip', 'length', 'len', 'concat', 'flat', 'iter']);
/** A DDL method: a schema verb and a schema noun (`addColumn`, `createIndex`, `drop_foreign_key`, `renameTable`). */
const DDL_VERB = /^_*(?:[cC]reate|[aA]dd|[dD]rop|[aA]lter|[cC]hange|[rR]ename|[rR]emove|[eE]nsure)(?=[A-Z_])/;
const DDL_NOUN = endsWithWord(['columns?', 'index', 'indices', 'indexes', 'tables?', 'foreign_?[kK]eys?', 'constraints?', 'schemas?', 'enum_?[tT]ypes?', 'checks?', 'uniques?', 'exclusions?', 'primary_?[kK]eys?', 'sequences?', 'triggers?', 'databases?', 'views?']);
/** SQL that changes or inspects the schema: per table it is one statement per object, not per row. */
const DDL_SQL = /^\s*(?:CREATE|ALTER|DROP|TRUNCATE|RENAME|COMMENT\s+ON|GRANT|REVOKE|VACUUM|REINDEX|ANALYZE)\b/i;
/** A loop variable that holds a statement: `for (const query of queries)`, `for stmt in statements`. */
const STATEMENT_NAME = endsWithWord(['q', 'query', 'sql', 'stmt', 'statement', 'ddl']);

/** The name the iterable ends with, plumbing stripped: `this.sqlInMemory.upQueries` → `upQueries`, `[...fks]` → `fks`. */
export function iteratedName(loop: LoopFacts): string | undefined {
  const text = loop.iterable?.text ?? '';
  let last: string | undefined;
  for (const m of text.matchAll(/[A-Za-z_$][\w$]*/g)) if (!ITERABLE_PLUMBING.has(m[0])) last = m[0];
  return last;
}

/**
 * The loop walks the schema (columns, indices, tables, migrations, ...) or the call is DDL (`addColumn`, SQL
 * `ALTER`): the item count is bounded by the schema, every statement is a different one, and no `IN (...)` batches
 * them. A data migration that saves row by row is not schema work and still counts.
 */
export function schemaWork(loop: LoopFacts, call: CallFact): boolean {
  if (call.sql !== undefined && DDL_SQL.test(call.sql)) return true;
  // DDL handed to a wrapper: `this.executeQuery(conn, `CREATE EXTENSION ...`)`.
  if (call.args.some((a) => DDL_SQL.test(a.string ?? a.text.replace(/^[a-zA-Z]{0,2}[`'"]+/, '')))) return true;
  if (DDL_VERB.test(call.method) && DDL_NOUN.test(call.method)) return true;
  const name = iteratedName(loop);
  if (name !== undefined && SCHEMA_NOUN.test(name)) return true;
  return ITERATING_KINDS.has(loop.kind) && loop.kind !== 'for' && loop.loopVariables.some((v) => v !== 'index' && SCHEMA_NOUN.test(v)); // `index` also names counters
}

/**
 * The loop runs a list of statements, one each: the loop variable is the statement the call executes
 * (`for (const { query } of upQueries) await this.query(query)`, `runner.queryArray([query])`). Each round trip is
 * a different statement, not the same read per item.
 */
export function runsStatementList(loop: LoopFacts, call: CallFact): boolean {
  const first = call.args.find((a) => a.name === undefined);
  if (!first) return false;
  const text = first.text.replace(/^\[\s*|\s*,?\s*\]$/g, '').trim();
  const base = text.split('.')[0] ?? text;
  return loop.loopVariables.includes(base) && (STATEMENT_NAME.test(base) || STATEMENT_NAME.test(text.split('.').pop() ?? ''));
}

const GATHER_CALL = /\b(?:Promise\.(?:all|allSettled)|asyncio\.gather|gather)\s*\(/;

/**
 * The author wrote the concurrent version too: the loop sits in one branch of an `if` whose other branch runs the
 * same function under `Promise.all` / `gather` (serial for a driver that cannot share a connection). The engine is
 * quiet on the concurrent twin, so the serial one is a choice, not an oversight. So is a loop whose comment says
 * it runs one by one (`commentSaysSerial`).
 */
export function deliberatelySerial(loop: LoopFacts, call: CallFact): boolean {
  if (commentSaysSerial(loop.node)) return true; // "one by one" above the loop: see intent.ts
  const name = call.method || call.callee;
  if (!name) return false;
  for (let n: SyntaxNode | null = loop.node.parent; n; n = n.parent) {
    if (isFunctionNode(n)) return false;
    if (n.type !== 'if_statement') continue;
    const text = n.text;
    const loopText = loop.node.text;
    const at = text.indexOf(loopText);
    const rest = at >= 0 ? text.slice(0, at) + text.slice(at + loopText.length) : text;
    if (GATHER_CALL.test(rest) && rest.includes(name)) return true;
  }
  return false;
}

/** Per-item database calls that are schema work, a statement list, or deliberately serial (see above). */
export function notPerRow(loop: LoopFacts, call: CallFact): boolean {
  return schemaWork(loop, call) || runsStatementList(loop, call) || deliberatelySerial(loop, call);
}
