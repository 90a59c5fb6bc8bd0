// Loop-level measures for every detector: how often a loop runs (poller interval, timer delay), how many items it
// walks (batch size from LIMIT / slice / range / a literal), how parallel the code already is, whether it walks
// chunks or a query's rows, and when per-item database work is not per-row work (schema, statement lists,
// deliberately serial loops). Values the code gives win; the config's `cost:` defaults are labelled as such.
import type { CostConfig } from '../../../config/schema.js';
import { fromCode, fromConfig, runsPerDay, type Sourced } from '../../../cost/index.js';
import type { CallFact, FileFacts, LoopFacts, SyntaxNode } from '../../facts.js';
import { CATALOG_SQL } from '../../facts/common.js';
import { iterationString, ownMethodParameters } from '../../facts/java-types.js';
import { type FileModel, SCOPE_FUNCTION_TYPES } from '../../model.js';
import type { Detection, RuleContext } from '../../rule-types.js';
import { callNode, hasKind, ownCalls, sleepSeconds } from './calls.js';
import { commentSaysSerial } from './intent.js';
import { argumentNodes, classMethods, constantNumber, constantString, enclosingClass, hasSpread, inErrorHandler, isFunctionNode, scopeOf } from './syntax.js';

const CALL_NODES: readonly string[] = ['call', 'call_expression'];
const STRINGS_AND_NAMES: readonly string[] = ['string', 'identifier'];

/** How often the loop runs, when it sits inside (or is) a poller with a fixed sleep. */
export function pollerInterval(loop: LoopFacts, model: FileModel): Sourced | undefined {
  for (let l: LoopFacts | undefined = loop; l; l = l.parent) {
    if (!(l.infinite || l.kind === 'interval' || l.kind === 'timeout-recursion' || runFlagCondition(l))) continue;
    const seconds = fixedPollSeconds(l, model);
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

/**
 * Expressions that write a variable: `i++`, `n <<= 1`, `x = next` (Java, JavaScript/TypeScript), Python's walrus
 * `(x := f(x))`. Go has none: its assignments and `i++` are statements, never part of a condition.
 */
const CONDITION_WRITES: readonly string[] = ['update_expression', 'augmented_assignment_expression', 'assignment_expression', 'named_expression'];

/**
 * A loop condition that writes a variable (`while ((newlen <<= 1) < target) {}`, `while (a[++i] < pivot);`,
 * `while ((m = re.exec(s))) {}`, `while (n := n * 2) < t: pass`) computes something each time it is tested: the loop
 * with an empty body is a calculation or a scan that moves its own state, not a wait for another thread to change
 * the state it reads (busy-wait, every language). Read from the syntax tree, so every operator counts (`<<=`,
 * `>>>=`, `??=`).
 */
export function conditionWrites(condition: SyntaxNode): boolean {
  return CONDITION_WRITES.includes(condition.type) || condition.descendantsOfType(CONDITION_WRITES).length > 0;
}

/**
 * The loop runs in the program's entry point (FileFacts.entryScopes, which each language's extractor reads: Java's
 * `static void main(String[])`, Go's `func main()` of `package main`, Python's `if __name__ == "__main__":` block) or
 * in a function only that entry point calls, and not inside a function, lambda or class nested in it (a callback or a
 * thread body runs elsewhere). Whatever such a loop opens or defers dies with the process moments after the loop
 * (a command over its arguments, a demo's chat loop that Ctrl-C ends): no leak outlives it, and no deploy has to stop it.
 */
export function runsInProgramEntry(loop: LoopFacts, file: FileFacts): boolean {
  const scopes = file.entryScopes;
  if (!scopes || scopes.length === 0) return false;
  const ids = new Set(scopes.map((s) => s.id));
  for (let n = loop.node.parent; n; n = n.parent) {
    if (ids.has(n.id)) return true;
    if (SCOPE_FUNCTION_TYPES.has(n.type)) return false;
  }
  return false;
}

/**
 * The loop runs in the program's entry point (`runsInProgramEntry`) and ends: neither it nor a loop around it is
 * endless. What it opens or defers is held at most until the program ends, moments after the loop (a command over
 * its arguments). An endless loop in `main` (a server's accept loop, a monitor) runs as long as the process does, so a
 * leak per round there still exhausts descriptors.
 */
export function endsWithTheProgram(loop: LoopFacts, file: FileFacts): boolean {
  for (let l: LoopFacts | undefined = loop; l; l = l.parent) if (l.infinite) return false;
  return runsInProgramEntry(loop, file);
}

/** The constant delay between polls: a literal sleep in the loop, or the interval of setInterval / setTimeout. */
export function fixedPollSeconds(loop: LoopFacts, model: FileModel): Sourced | undefined {
  if (loop.kind === 'interval' || loop.kind === 'timeout-recursion') {
    const timer = timerMilliseconds(loop, model);
    if (timer !== undefined) return fromCode('interval_seconds', timer / 1000, 's');
  }
  let best: number | undefined;
  for (const call of ownCalls(loop)) {
    if (!hasKind(call, 'sleep') || inErrorHandler(call.node, loop)) continue;
    const s = sleepSeconds(call, model, loop);
    if (s !== undefined && s > 0 && (best === undefined || s < best)) best = s;
  }
  return best === undefined ? undefined : fromCode('sleep_seconds', best, 's');
}

/** `setInterval(fn, 5000)` / `setTimeout(tick, 5000)`: the delay literal in milliseconds. */
export function timerMilliseconds(loop: LoopFacts, model: FileModel): number | undefined {
  return timerCall(loop, model)?.ms;
}

/** The setInterval / re-scheduling setTimeout call of a timer loop and its literal delay. */
export function timerCall(loop: LoopFacts, model: FileModel): { node: SyntaxNode; ms: number } | undefined {
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
    const ms = constantNumber(argumentNodes(c)[1], model);
    if (ms !== undefined) return { node: c, ms };
  }
  return undefined;
}

/** Items per batch: `LIMIT 50`, `[:50]`, `range(50)`, `.limit(50)`, `take: 50`, `fetchmany(50)` near the loop, else `cost.batch_size`. */
export function batchSize(loop: LoopFacts, model: FileModel, cost: CostConfig): Sourced {
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
  // `for base in "ACGT":` walks the characters of a plain string literal (Python).
  if (literal && loop.language === 'python' && literal.type === 'string') {
    const text = constantString(literal, model);
    if (text !== undefined && text.length > 0) return fromCode('list_length', [...text].length);
  }
  const ownList = loop.language === 'python' ? classListLength(loop.node, iterable.trim()) : undefined;
  if (ownList !== undefined) return fromCode('list_length', ownList);
  const name = loop.iterable?.collection ?? (/^[\w.$]+$/.test(iterable) ? iterable : undefined);
  if (name) {
    const value = model.assignedValue(scopeOf(loop.node), name, loop.node.startIndex);
    if (value) {
      const viaValue =
        fromText(value.text) ?? fromText(constantString(value.descendantsOfType(STRINGS_AND_NAMES)[0], model) ?? '') ?? fromText(precedingExecuteSql(value, model) ?? '');
      if (viaValue && viaValue.value > 0) return viaValue;
      if ((value.type === 'list' || value.type === 'array' || value.type === 'tuple' || value.type === 'set' || value.type === 'expression_list') && !hasSpread(value) && keptUntil(value, loop.node, name)) {
        const n = value.namedChildren.filter((c) => c.type !== 'comment').length;
        if (n > 0) return fromCode('list_length', n);
      }
    }
  }
  const guarded = loop.language === 'python' ? lengthGuard(loop.node, iterable.trim()) : undefined;
  if (guarded !== undefined) return fromCode('list_length', guarded);
  return fromConfig(cost, 'batch_size');
}

/**
 * The literal `value` bound to `name` is still what the loop walks: its assignment runs whenever the loop does (it
 * sits in a block around the loop, not in an `if` of its own: `if not isinstance(c, list): c = [c]`), and nothing
 * grows the collection between the two (`name.append(...)`, `name += ...`).
 */
function keptUntil(value: SyntaxNode, loop: SyntaxNode, name: string): boolean {
  let statement: SyntaxNode = value;
  while (statement.parent && !BLOCKS.has(statement.parent.type)) statement = statement.parent;
  const block = statement.parent;
  if (!block) return false;
  let around = false;
  for (let up = loop.parent; up; up = up.parent) {
    if (up.id === block.id) {
      around = true;
      break;
    }
  }
  if (!around) return false;
  const between = loop.tree.rootNode.text.slice(value.endIndex, loop.startIndex);
  const escaped = name.replace(/[.$]/g, '\\$&');
  return !new RegExp(`(?:^|[^\\w.$])${escaped}\\s*(?:\\.\\s*(?:append|extend|insert|push|unshift|add|update)\\s*\\(|\\+=)`).test(between);
}
const BLOCKS: ReadonlySet<string> = new Set(['block', 'statement_block', 'module', 'program', 'statement_list']);

/**
 * `for f in self.raw_file_names:` where the class defines `raw_file_names` as a list literal (`names = ["a", "b"]`)
 * or as a property that returns one, or a comprehension over one (`return [f"{n}.txt" for n in ["train", "test"]]`):
 * the number of items the code states (Python).
 */
function classListLength(node: SyntaxNode, iterable: string): number | undefined {
  const m = /^self\.([A-Za-z_]\w*)$/.exec(iterable);
  if (!m) return undefined;
  const body = enclosingClass(node)?.childForFieldName('body');
  if (!body) return undefined;
  const lengthOf = (value: SyntaxNode | null | undefined): number | undefined => {
    if (!value) return undefined;
    if ((value.type === 'list' || value.type === 'tuple') && !value.namedChildren.some((c) => c.type === 'list_splat')) return value.namedChildren.filter((c) => c.type !== 'comment').length;
    if (value.type === 'list_comprehension' && !value.namedChildren.some((c) => c.type === 'if_clause')) {
      const clauses = value.namedChildren.filter((c) => c.type === 'for_in_clause');
      return clauses.length === 1 ? lengthOf(clauses[0]!.childForFieldName('right')) : undefined;
    }
    return undefined;
  };
  for (const member of body.namedChildren) {
    if (member.type === 'expression_statement') {
      const assignment = member.namedChildren[0];
      if (assignment?.type === 'assignment' && assignment.childForFieldName('left')?.text === m[1]) return lengthOf(assignment.childForFieldName('right'));
      continue;
    }
    if (member.type !== 'decorated_definition' || !member.namedChildren.some((d) => d.type === 'decorator' && d.text.trim() === '@property')) continue;
    const fn = member.childForFieldName('definition');
    if (fn?.childForFieldName('name')?.text !== m[1]) continue;
    const statements = (fn.childForFieldName('body')?.namedChildren ?? []).filter((s) => s.type !== 'comment' && !(s.type === 'expression_statement' && s.namedChildren[0]?.type === 'string'));
    return statements.length === 1 && statements[0]!.type === 'return_statement' ? lengthOf(statements[0]!.namedChildren[0]) : undefined;
  }
  return undefined;
}

const LENGTH_BELOW = /^len\(\s*([\w.]+)\s*\)\s*(<=?|==)\s*(\d+)$|^(\d+)\s*(>=?|==)\s*len\(\s*([\w.]+)\s*\)$/;

/**
 * Python: `if not nested and len(ids) < 2: for id_ in ids: ...`: an `if` whose branch holds the loop tests the
 * length of what the loop walks (one operand of an `and` chain), so the code states how many items there are at
 * most. Undefined when no enclosing condition bounds it (or the name is rebound in the branch before the loop).
 */
function lengthGuard(loopNode: SyntaxNode, iterable: string): number | undefined {
  if (!/^[\w.]+$/.test(iterable)) return undefined;
  let child: SyntaxNode = loopNode;
  for (let up = loopNode.parent; up; child = up, up = up.parent) {
    if (isFunctionNode(up) || up.type === 'class_definition' || up.type === 'module') return undefined;
    if (up.type !== 'if_statement' || up.childForFieldName('consequence')?.id !== child.id) continue;
    const between = up.childForFieldName('consequence')!.text.slice(0, loopNode.startIndex - child.startIndex);
    if (new RegExp(`(?:^|[^\\w.])${iterable.replace(/\./g, '\\.')}\\s*(?:[-+*/|&]?=(?!=)|\\.(?:append|extend|insert|add|update)\\()`).test(between)) return undefined;
    let bound: number | undefined;
    const visit = (n: SyntaxNode | null): void => {
      if (!n) return;
      if (n.type === 'parenthesized_expression') return visit(n.namedChild(0));
      if (n.type === 'boolean_operator' && n.childForFieldName('operator')?.text === 'and') {
        visit(n.childForFieldName('left'));
        visit(n.childForFieldName('right'));
        return;
      }
      const m = LENGTH_BELOW.exec(n.text.replace(/\s+/g, ' ').trim());
      if (!m || (m[1] ?? m[6]) !== iterable) return;
      const op = m[2] ?? { '>': '<', '>=': '<=', '==': '==' }[m[5]!]!;
      const k = Number(m[3] ?? m[4]);
      const most = op === '<' ? k - 1 : k;
      bound = bound === undefined ? most : Math.min(bound, most);
    };
    visit(up.childForFieldName('condition'));
    if (bound !== undefined) return Math.max(bound, 0);
  }
  return undefined;
}

/** The code says there are at most `max` items (`ids[:3]`, `range(2)`, `LIMIT 3`): a call per item costs nothing worth a comment. */
export function fewStatedItems(items: Sourced, max = 3): boolean {
  return items.assumption.source === 'code' && items.value <= max;
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

/**
 * Where the item count behind a per-item cost came from, for the severity grading (`Detection.itemsSource`, the
 * rule's `assumed_count_severity`). Nothing when the loop runs inside a poller: its per-item calls repeat on every
 * poll, over whatever backlog the poll's read returns, so the count is not what decides whether the cost matters
 * (and none of the labelled held-out N+1 findings the grading rests on sat in a poller).
 */
export function gradedItems(loop: LoopFacts, model: FileModel, items: Sourced): Pick<Detection, 'itemsSource'> {
  return enclosingPollInterval(loop, model) ? {} : { itemsSource: items.assumption.source };
}

/** The fixed interval of a poller the loop runs inside (its own loop is not counted). */
function enclosingPollInterval(loop: LoopFacts, model: FileModel): Sourced | undefined {
  return loop.parent ? pollerInterval(loop.parent, model) : undefined;
}

export function runsPerDayOf(loop: LoopFacts, model: FileModel, locale: RuleContext['locale']): Sourced | undefined {
  const interval = enclosingPollInterval(loop, model);
  return interval ? runsPerDay(interval, locale) : undefined;
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
  if (target.type === 'identifier' && loop.language === 'go') {
    const literal = goLocalLiteral(loop.node, target.text);
    return literal ? literal.childForFieldName('body')?.namedChildren.filter((c) => c.type !== 'comment').length ?? Infinity : Infinity;
  }
  if (target.type === 'array_creation_expression') return target.childForFieldName('value')?.namedChildCount ?? Infinity;
  if (target.type === 'method_invocation' && /^(List|Set|Arrays)\.(of|asList)$/.test(`${target.childForFieldName('object')?.text}.${target.childForFieldName('name')?.text}`)) {
    return target.childForFieldName('arguments')?.namedChildCount ?? Infinity;
  }
  return Infinity;
}

/**
 * Go: `sides := map[K]V{a: ..., b: ...}` (or `var sides = []T{...}`) in a block around the loop, the last binding of
 * `name` before it, with nothing between the two that stores into, appends to, reassigns or takes the address of
 * `name`, and that does not hand it to a call: the loop walks exactly the literal's entries.
 */
function goLocalLiteral(loop: SyntaxNode, name: string): SyntaxNode | undefined {
  for (let inner: SyntaxNode = loop, block = loop.parent; block; inner = block, block = block.parent) {
    if (block.type === 'function_declaration' || block.type === 'method_declaration' || block.type === 'func_literal') return undefined;
    if (block.type !== 'statement_list' && block.type !== 'block') continue;
    for (let s = inner.previousNamedSibling; s; s = s.previousNamedSibling) {
      const spec = s.type === 'var_declaration' ? s.namedChildren.find((c) => c.type === 'var_spec') : s;
      if (!spec || (spec.type !== 'short_var_declaration' && spec.type !== 'var_spec')) continue;
      const names = spec.type === 'var_spec' ? spec.namedChildren.filter((c) => c.type === 'identifier') : spec.childForFieldName('left')?.namedChildren ?? [];
      if (!names.some((n) => n.text === name)) continue;
      const values = (spec.type === 'var_spec' ? spec.childForFieldName('value') : spec.childForFieldName('right'))?.namedChildren ?? [];
      const value = names.length === 1 && values.length === 1 ? values[0] : undefined;
      if (value?.type !== 'composite_literal') return undefined;
      const between = loop.tree.rootNode.text.slice(value.endIndex, loop.startIndex);
      const escaped = name.replace(/[.$]/g, '\\$&');
      const touched = new RegExp(`(?:^|[^\\w.])(?:${escaped}\\s*(?:\\[[^\\]]*\\]\\s*)?(?:[-+*/|&^]|<<|>>)?=(?!=)|${escaped}\\s*,[^=\\n]*=|&\\s*${escaped}\\b|append\\(\\s*${escaped}\\b)|[(,]\\s*${escaped}\\s*(?:[,)]|(?:,[^=\\n]*)?:?=(?!=))`);
      // A map handed to a call (`fill(sides)`) may come back with more entries; an empty literal is filled later.
      return touched.test(between) || (value.childForFieldName('body')?.namedChildCount ?? 0) === 0 ? undefined : value;
    }
  }
  return undefined;
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
  if (steppedSliceLoop(loop)) return true;
  if (scaledCounterLoop(loop)) return true;
  return loop.loopVariables.length === 1 && CHUNK_VARIABLE.test(loop.loopVariables[0]!);
}

/**
 * The counter numbers batches and the body scales it by the batch size where a batch starts: `for (let i = 0; i <
 * batches; i++)` with `skip: i * BATCH_SIZE`, `.offset(i * pageSize)`, `ids.slice(i * size, ...)`, `ids[i*size:]`,
 * or `const begin = i * BATCH_SIZE` handed to `slice(begin, end)`. Each round reads or writes one batch (or page):
 * one statement per batch is the batching already.
 */
function scaledCounterLoop(loop: LoopFacts): boolean {
  let counter: string | undefined;
  if (loop.node.type === 'for_statement') {
    const increment = loop.node.childForFieldName('increment') ?? loop.node.childForFieldName('update');
    const text = increment?.text.replace(/\s+/g, '') ?? '';
    counter = /^(?:\+\+([A-Za-z_$][\w$]*)|([A-Za-z_$][\w$]*)(?:\+\+|\+=1))$/.exec(text)?.slice(1).find((g) => g !== undefined);
  } else if (loop.loopVariables.length === 1 && /^range\(/.test(loop.iterable?.text ?? '')) {
    counter = loop.loopVariables[0];
  }
  if (!counter) return false;
  const c = counter.replace(/\$/g, '\\$');
  const scaled = `(?:${c}\\s*\\*(?!\\*)\\s*[\\w$.]+|[\\w$.\\])]+\\s*\\*\\s*${c})(?![\\w$])`;
  const body = loop.body.text;
  const startsBatch = (start: string) =>
    new RegExp(`(?:\\.(?:slice|subarray|subList|skip|offset)\\(\\s*|\\b(?:skip|offset|from|start|startAt|startIndex)\\s*[:=]\\s*)(?<![\\w$])${start}(?:\\s*[,)}]|\\s*$)|\\[\\s*(?<![\\w$])${start}\\s*:`, 'm').test(body);
  if (startsBatch(scaled)) return true;
  // `const begin = i * BATCH_SIZE; ... ids.slice(begin, end)`
  for (const m of body.matchAll(new RegExp(`(?:^|[^\\w$.])([A-Za-z_$][\\w$]*)\\s*:?=\\s*${scaled}`, 'g'))) {
    if (m[1] !== counter && startsBatch(m[1]!.replace(/\$/g, '\\$'))) return true;
  }
  return false;
}

/**
 * JavaScript's `range(0, n, step)`: `for (let start = 0; start < ids.length; start += this.chunkSize)` whose body cuts
 * `ids.slice(start, start + this.chunkSize)`. The counter moves a whole step per round and the body takes that
 * step's slice, so each round handles one chunk.
 */
function steppedSliceLoop(loop: LoopFacts): boolean {
  if (loop.node.type !== 'for_statement') return false;
  const increment = loop.node.childForFieldName('increment');
  if (increment?.type !== 'augmented_assignment_expression' || increment.child(1)?.text !== '+=') return false;
  const counter = increment.childForFieldName('left')?.text ?? '';
  const step = increment.childForFieldName('right')?.text ?? '';
  if (!/^[A-Za-z_$][\w$]*$/.test(counter) || step === '1') return false;
  const body = loop.body.text;
  return new RegExp(`\\.(?:slice|subarray)\\(\\s*${counter.replace(/\$/g, '\\$')}\\s*,`).test(body);
}

/** The iterable was produced by one query (`rows = cur.fetchall()`, `Order.objects.filter(...)`). */
export function iterableFromQuery(loop: LoopFacts, model: FileModel): boolean {
  if (loop.iterable?.kind === 'query') return true;
  const text = loop.iterable?.text ?? '';
  const QUERY = /fetchall|fetchmany|\.objects\.|\.query\(|\.execute\(|\.find(Many|All)?\(|\.select\(|scalars\(|\.all\(\)|\bSELECT\b/i;
  if (QUERY.test(text)) return true;
  const name = loop.iterable?.collection ?? (/^[\w.$]+$/.test(text) ? text : undefined);
  if (!name) return false;
  const value = model.assignedValue(scopeOf(loop.node), name, loop.node.startIndex);
  return value ? QUERY.test(value.text) : false;
}

/** `rows = cur.fetchall()`: the SQL of the last `cur.execute(...)` before it, which says how many rows come back. */
function precedingExecuteSql(value: SyntaxNode, model: FileModel): string | undefined {
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
      if (f && f.text === `${receiver}.execute`) sql = constantString(argumentNodes(call)[0], model) ?? sql;
    }
    return sql;
  }
  return undefined;
}

/**
 * A word at the end of a name, after a snake_case or camelCase boundary: `generatedColumns`, `pending_migrations`,
 * `foreignKeys` end with a schema noun; `accountables` does not end with `tables`.
 */
function endsWithWord(words: string[]): RegExp {
  const lower = words.join('|');
  const upper = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('|');
  return new RegExp(`(?:^|_)(?:${lower})$|(?<=[a-z0-9])(?:${upper})$`);
}

/**
 * A collection whose size is the schema's, not the data's: one statement per column or index is what DDL needs, and
 * an ORM's walk over a model's attributes (`Object.entries(meta.attributes)`: one join table per relation) or over
 * its models (`for (const model of contentTypes.models)`: one table each) runs one statement per schema object.
 */
const SCHEMA_NOUN = endsWithWord(['columns?', 'indices', 'indexes', 'foreign_?[kK]eys?', 'constraints?', 'tables?', 'schemas?', 'migrations?', 'migration_?[fF]iles?', 'enums?', 'sequences?', 'metadatas?', 'primary_?[kK]eys?', 'attributes?', 'models?']);

/** Names in an iterable's text that say nothing about what is iterated. */
const ITERABLE_PLUMBING = new Set(['this', 'self', 'cls', 'Object', 'Array', 'from', 'entries', 'values', 'keys', 'items', 'filter', 'map', 'reverse', 'slice', 'sorted', 'reversed', 'list', 'tuple', 'set', 'enumerate', 'zip', 'length', 'len', 'concat', 'flat', 'iter']);

/**
 * A DDL method: a schema verb and a schema noun (`addColumn`, `createIndex`, `drop_foreign_key`, `renameTable`;
 * MongoDB's `createCollection`, `dropCollection`, one per model).
 */
const DDL_VERB = /^_*(?:[cC]reate|[aA]dd|[dD]rop|[aA]lter|[cC]hange|[rR]ename|[rR]emove|[eE]nsure)(?=[A-Z_])/;

const DDL_NOUN = endsWithWord(['columns?', 'index', 'indices', 'indexes', 'tables?', 'foreign_?[kK]eys?', 'constraints?', 'schemas?', 'enum_?[tT]ypes?', 'checks?', 'uniques?', 'exclusions?', 'primary_?[kK]eys?', 'sequences?', 'triggers?', 'databases?', 'views?', 'collections?']);

/** SQL that changes or inspects the schema: per table it is one statement per object, not per row. */
const DDL_SQL = /^\s*(?:CREATE|ALTER|DROP|TRUNCATE|RENAME|COMMENT\s+ON|GRANT|REVOKE|VACUUM|REINDEX|ANALYZE)\b/i;

/**
 * A class that edits the schema: its methods run DDL, one statement per model, field or index. Not a `Migration` or
 * `Migrator`: a data migration that saves row by row is still per-row work.
 */
const SCHEMA_CLASS = /(?:Schema(?:Editor|Builder)|DDL(?:Compiler|Runner|Executor)?)$/;

/** A call that runs one migration: `executeMigration`, `runMigration`, `apply_migration`. */
const MIGRATION_CALL = endsWithWord(['migration']);

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
  if (call.sql !== undefined && (DDL_SQL.test(call.sql) || CATALOG_SQL.test(call.sql))) return true;
  // A summarised method of a schema-editing class (`SchemaEditor.create_model`, `SchemaBuilder.dropTable`): it runs DDL.
  if (call.via && SCHEMA_CLASS.test(call.via.function.slice(call.via.function.lastIndexOf('#') + 1).split('.')[0] ?? '')) return true;
  // DDL handed to a wrapper: `this.executeQuery(conn, `CREATE EXTENSION ...`)`.
  if (call.args.some((a) => DDL_SQL.test(a.string ?? a.text.replace(/^[a-zA-Z]{0,2}[`'"]+/, '')))) return true;
  if (DDL_VERB.test(call.method) && DDL_NOUN.test(call.method)) return true;
  // A migrator running one migration per round (`this.executeMigration(files[name])`, `run_migration(m)`): each is a
  // schema change of its own, in its own transaction by design; a loop inside a data migration is another loop.
  if (MIGRATION_CALL.test(call.method) && call.args.some((a) => loop.loopVariables.some((v) => new RegExp(`(?:^|[^\\w$])${v.replace(/\$/g, '\\$')}(?![\\w$])`).test(a.text)))) return true;
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
  const positional = call.args.filter((a) => a.name === undefined);
  const first = positional[0];
  if (!first) return false;
  const text = first.text.replace(/^\[\s*|\s*,?\s*\]$/g, '').trim();
  const base = text.split('.')[0] ?? text;
  if (loop.loopVariables.includes(base) && (STATEMENT_NAME.test(base) || STATEMENT_NAME.test(text.split('.').pop() ?? ''))) return true;
  // Handed to a helper after the statement object or connection it runs on: `executeSchemaStatement(stmt, sqlStmt)`
  // (not after SQL text, where a loop variable is a bound parameter: `query("... WHERE id = ?", q)`).
  return first.string === undefined && positional.slice(1).some((a) => statementItem(loop, a.text.trim()));
}

/** The text before a table name in SQL: `FROM `, `INTO dc.`, `UPDATE "`, `JOIN `, `TABLE `. */
const TABLE_SLOT = /\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+(?:[\w"`]+\.)?["`]?$/i;
/** What may follow a whole table name: a quote, a space, `(`, `,`, `;` or the end of the text. */
const AFTER_TABLE = /^["`]?(?:[\s(,;'"]|$)/;
const PERCENT_PLACEHOLDER = /%%|%(?:\(([^)]*)\))?[-#0 +]*\d*(?:\.\d+)?[sdrifx]/g;
const FORMAT_PLACEHOLDER = /\{\{|\}\}|\{([^{}!:]*)(?:![rsa])?(?::[^{}]*)?\}/g;

/**
 * Python: the loop formats its item into the statement's table slot (`"DELETE FROM %s WHERE src=%%s" % table_name`,
 * `"... FROM {} ...".format(t)`, `f'UPDATE "{t}" SET ...'`, also through a name the body assigns first): an admin
 * command purging one key from every table that mentions it. Each round trip is a different statement on a different
 * table, which no executemany or `IN (...)` folds. Only a whole table name counts: `archive_%s` is one table per
 * item, and a value formatted into the WHERE clause is the same statement per row.
 */
export function formatsTableName(loop: LoopFacts, call: CallFact): boolean {
  if (loop.language !== 'python') return false;
  if (tableSlotFilled(loop, call)) return true;
  // Another statement of the loop puts the item in a table slot: the loop walks tables, and the body's other database
  // calls (`SELECT LAST_INSERT_ID()` after `'INSERT INTO ' + key`) are that table's work, not a round trip per row.
  return loop.calls.some(
    (c) => c !== call && c.inInnerLoop === call.inInnerLoop && (c.kinds.includes('db-read') || c.kinds.includes('db-write')) && tableSlotFilled(loop, c),
  );
}

/** The operands of a `+` chain in source order (`'SELECT id FROM ' + key + ' WHERE ...'`). */
function concatenationParts(n: SyntaxNode): SyntaxNode[] {
  if (n.type === 'parenthesized_expression' && n.namedChildCount === 1) return concatenationParts(n.namedChild(0)!);
  if (n.type === 'binary_operator' && n.childForFieldName('operator')?.text === '+') {
    return [...concatenationParts(n.childForFieldName('left')!), ...concatenationParts(n.childForFieldName('right')!)];
  }
  return [n];
}

/** A plain string literal's text without its prefix and quotes; undefined for an f-string or anything else. */
function literalText(n: SyntaxNode): string | undefined {
  if (n.type !== 'string' || n.namedChildren.some((c) => c.type === 'interpolation')) return undefined;
  const m = /^[a-zA-Z]{0,2}("""|'''|"|')([\s\S]*)\1$/.exec(n.text);
  return m ? m[2] : undefined;
}

function tableSlotFilled(loop: LoopFacts, call: CallFact): boolean {
  let sql: SyntaxNode | undefined = argumentNodes(callNode(call))[0];
  if (sql?.type === 'identifier') {
    const name = sql.text;
    const set = loop.body.descendantsOfType('assignment').filter((a) => a.childForFieldName('left')?.text === name && a.startIndex < sql!.startIndex).pop();
    sql = set?.childForFieldName('right') ?? undefined;
  }
  if (!sql) return false;
  const reads = (n: SyntaxNode | null | undefined): boolean =>
    n != null && loop.loopVariables.some((v) => new RegExp(`(?<![\\w.])${v.replace(/\$/g, '\\$')}(?!\\w)`).test(n.text));
  const tableAt = (text: string, start: number, end: number): boolean => TABLE_SLOT.test(text.slice(0, start)) && AFTER_TABLE.test(text.slice(end));
  if (sql.type === 'string') {
    return sql.namedChildren.some((part) => part.type === 'interpolation' && tableAt(sql!.text, part.startIndex - sql!.startIndex, part.endIndex - sql!.startIndex) && reads(part));
  }
  if (sql.type === 'binary_operator' && sql.childForFieldName('operator')?.text === '+') {
    // `'DELETE FROM ' + key + ' WHERE id = %s'`: the item sits between a table slot and what may follow a table name.
    const parts = concatenationParts(sql);
    return parts.some((part, i) => {
      if (literalText(part) !== undefined || !reads(part)) return false;
      const before = i > 0 ? literalText(parts[i - 1]!) : undefined;
      const after = i + 1 < parts.length ? literalText(parts[i + 1]!) : '';
      return before !== undefined && after !== undefined && TABLE_SLOT.test(before) && AFTER_TABLE.test(after);
    });
  }
  if (sql.type === 'binary_operator' && sql.childForFieldName('operator')?.text === '%') {
    const text = sql.childForFieldName('left');
    const values = sql.childForFieldName('right');
    if (text?.type !== 'string' || !values) return false;
    const items = values.type === 'tuple' ? values.namedChildren : undefined;
    let k = 0;
    for (const m of text.text.matchAll(PERCENT_PLACEHOLDER)) {
      if (m[0] === '%%') continue;
      const at = k++;
      if (!tableAt(text.text, m.index!, m.index! + m[0].length)) continue;
      const value =
        m[1] !== undefined
          ? values.type === 'dictionary' ? values.namedChildren.find((p) => p.type === 'pair' && p.childForFieldName('key')?.text.slice(1, -1) === m[1])?.childForFieldName('value') : values
          : items ? items[at] : at === 0 ? values : undefined;
      if (reads(value)) return true;
    }
    return false;
  }
  if (sql.type === 'call') {
    const fn = sql.childForFieldName('function');
    const text = fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'format' ? fn.childForFieldName('object') : undefined;
    if (text?.type !== 'string') return false;
    const args = argumentNodes(sql);
    const positional = args.filter((a) => a.type !== 'keyword_argument');
    let k = 0;
    for (const m of text.text.matchAll(FORMAT_PLACEHOLDER)) {
      if (m[1] === undefined) continue;
      const field = m[1].split(/[.[]/)[0]!;
      const at = field === '' ? k++ : undefined;
      if (!tableAt(text.text, m.index!, m.index! + m[0].length)) continue;
      const value = at !== undefined ? positional[at] : /^\d+$/.test(field) ? positional[Number(field)] : args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === field)?.childForFieldName('value');
      if (reads(value)) return true;
    }
  }
  return false;
}

/** `sql[i]`, `this._executors[i]`: the list and the index of an element read by a plain index. */
function elementOf(text: string): { list: string; index: string } | undefined {
  const m = /^([\w$.]+)\[([\w$]+)\]$/.exec(text);
  return m ? { list: m[1]!, index: m[2]! } : undefined;
}

/** The loop's item is a statement: a loop variable named for one (`sqlStmt`), or a statement list indexed by the loop's counter (`sql[i]`). */
function statementItem(loop: LoopFacts, text: string): boolean {
  const element = elementOf(text);
  if (element) return loop.loopVariables.includes(element.index) && (STATEMENT_LIST.test(element.list) || STATEMENT_NAME.test(element.list.split('.').pop()!));
  return loop.loopVariables.includes(text) && STATEMENT_NAME.test(text);
}

/** A list named for the statements it holds: `queries`, `statements`, `this.migrations`, `pendingQueries`. */
const STATEMENT_LIST = /(?:^|[._$])(?:queries|statements|stmts|sqls|scripts|migrations)$|[a-z](?:Queries|Statements|Stmts|Sqls|Scripts|Migrations)$/;

/**
 * The list the loop walks is named for the statements it holds (runsStatementList asks the loop variable's name):
 * `for (const statement of statements) await db.query(statement)`, `results[i] = await this.run(queries[i])`: the
 * list holds the queries themselves (a script, a migration's statements, a caller's batch of different queries),
 * run in order, and the call is handed the item whole. Different statements cannot be folded into one `IN (...)`:
 * the item is the SQL, not a key of a row.
 */
export function walksStatementList(loop: LoopFacts, c: CallFact): boolean {
  const first = c.args.find((a) => a.name === undefined)?.text.trim();
  if (first === undefined) return false;
  // `queries[i]` under `for (let i = 0; i < queries.length - 1; i++)`: the list is the indexed one.
  // `queries[i]`, and `sql[i]` / `ddl[i]`: an array indexed by the loop's counter is a list of statements when it is
  // named for them or for one (a `String[] sql` of a compiled bulk update, a table's `ddl`): one statement is not indexed.
  if (elementOf(first)) return statementItem(loop, first);
  const list = (loop.iterable?.collection ?? loop.iterable?.text ?? '').trim();
  if (loop.loopVariables.includes(first) && STATEMENT_LIST.test(list)) return true;
  // `for _, input := range strings.Split(args[1], ";") { sh.Process(ctx, input) }`: the pieces of a script cut at
  // its statement separator, each handed whole to the call (after a context or a connection, or first; not after SQL
  // text, where the piece is a bound parameter: `Exec("DELETE ... WHERE id = ?", id)` over `Split(ids, ";")`).
  const positional = c.args.filter((a) => a.name === undefined);
  return SPLIT_ON_SEMICOLON.test(list) && positional.every((a) => a.string === undefined) && positional.some((a) => loop.loopVariables.includes(a.text.trim()));
}

/** `strings.Split(script, ";")`, `sql.split(";")`, `text.split(';\n')`: a script cut into its statements. */
const SPLIT_ON_SEMICOLON = /\b[Ss]plit(?:N|After|AfterN)?\s*\(\s*(?:(?:[^()]|\([^()]*\))*?,\s*)?["'`];\s*(?:\\n)?["'`]/;

/**
 * The statement the call runs was prepared in this iteration from the loop's statement (`for (String query :
 * statements) { update = tx.getUpdateQuery(query); update.executeUpdate(); }`, `ps = conn.prepareStatement(sql)`):
 * the receiver is assigned, earlier in the body, by a call handed the item the way runsStatementList and
 * walksStatementList read it. A statement prepared from constant SQL and bound to the item still runs once per row.
 */
export function runsPreparedStatement(loop: LoopFacts, call: CallFact, kb?: RuleContext['kb']): boolean {
  const receiver = call.receiver;
  if (receiver === undefined || !/^[\w$]+$/.test(receiver)) return false;
  return loop.calls.some((p) => p !== call && p.assignedTo === receiver && p.line <= call.line && !p.inInnerLoop && (runsStatementList(loop, p) || walksStatementList(loop, p) || runsItsOwnSqlText(loop, p, kb)));
}

/** A parameter named for the statement it takes: `sql`, `query`, `stmt`, `ddl`, `createSQL`. */
const SQL_PARAMETER = /^(?:q|query|sql|stmt|statement|ddl)$|(?<=[a-z0-9])(?:Query|Sql|SQL|Stmt|Statement|Ddl|DDL)$/;

/**
 * Java: the statement text itself is the iteration's item, handed where SQL goes: `ps =
 * session.prepareStatement(deletes[i])` over a `String[] deletes`, `stmt.executeUpdate(formatted)` with `formatted`
 * made from `createSQL[j]`, `execute(script, out, statement, createSQL[j])` into a method of the file whose parameter
 * there is a `String sql`. Each round trip runs a different statement (a generated script, one statement per table of
 * a hierarchy), which no `IN (...)` folds, whatever the list is called. SQL comes first in the calls of the
 * `takes_sql` role (rules/apis/java.yml: `prepareStatement`, `executeUpdate`, ...); a key handed to a repository
 * (`deleteById(ids[i])`) or a value filling a template (`String.format(DELETE, ids[i])`) is no statement.
 */
export function runsItsOwnSqlText(loop: LoopFacts, call: CallFact, kb?: RuleContext['kb']): boolean {
  if (loop.language !== 'java') return false;
  const node = callNode(call);
  if (node.type !== 'method_invocation') return false;
  const args = argumentNodes(node).filter((a) => a.type !== 'line_comment' && a.type !== 'block_comment');
  const params = ownMethodParameters(node, call.method, args.length);
  return args.some((a, k) => {
    const sqlSlot = (k === 0 && kb?.hasRole?.('java', call.method, 'takes_sql') === true) || (params.length > 0 && params.every((ps) => ps[k]!.type === 'String' && SQL_PARAMETER.test(ps[k]!.name)));
    return sqlSlot && iterationString(a, loop.body, loop.loopVariables);
  });
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

/** A name that says it handles many at once: `_fetch_multi_columns`, `bulk_save`, `insertMany`, `load_batch`. */
const BATCH_NAME = /(?:^|_)(?:bulk|multi|many|batch|batched)(?:_|$)|(?:^|[a-z0-9])(?:Bulk|Multi|Many|Batch)(?=[A-Z]|$)|^(?:bulk|multi|batch)(?=[A-Z])/;

/**
 * One batched call per group: the loop walks groups (`for owner, names in by_owner.items()`, `for key, rows in
 * groupby(...)`) and hands the group itself, bare, to a call whose name says it takes many. The per-row loop is
 * inside the batch; `bulk_insert([row])` (a one-item list) per row still counts.
 */
export function batchedPerGroup(loop: LoopFacts, call: CallFact): boolean {
  if (!BATCH_NAME.test(call.method || call.callee)) return false;
  return call.args.some((a) => loop.loopVariables.includes(a.text.trim()));
}

/** A loop variable that is a database, not a row: `for conn in connections.all()`, `for shard in shards`. */
const CONNECTION_NAME = endsWithWord(['conn', 'connection', 'engine', 'shard', 'database', 'replica', 'db']);

/**
 * One call per database: the loop walks connections, engines or shards and the call is handed the item. Each round
 * trip goes to a different server, so no `IN (...)` can merge them, and their number is the configuration's.
 */
export function perConnection(loop: LoopFacts, call: CallFact): boolean {
  const item = loop.loopVariables.find((v) => CONNECTION_NAME.test(v));
  if (item !== undefined && (call.receiver?.split('.')[0] === item || call.args.some((a) => a.text.trim() === item))) return true;
  return handedIterationConnection(loop, call);
}

/**
 * Python: `conn = psycopg2.connect(**params(db_name))` in the body, then `self._test(conn)`: the call is handed a
 * connection the same iteration opened to the item's own database (the connect reads the iteration: a listing of
 * databases tested one by one), so each round trip goes to another server, as perConnection's. Opening a connection
 * per item is connection-in-loop's concern, not an N+1.
 */
function handedIterationConnection(loop: LoopFacts, call: CallFact): boolean {
  if (loop.language !== 'python') return false;
  const opened = new Set<string>();
  for (const c of ownCalls(loop)) {
    // A bare `connect(...)` imported from a driver (`from psycopg2 import connect`, often in a try/except) is named for it.
    // Only a connection to the item's own database (its arguments read the iteration): `connect(dsn)` each round
    // reaches the same server, where the per-row work is still per row.
    if ((!c.kinds.includes('connect') && c.method !== 'connect') || c.node.id === call.node.id || !c.dependsOnIteration) continue;
    const node = callNode(c);
    const parent = node.parent;
    if (parent?.type === 'assignment' && parent.childForFieldName('right')?.id === node.id && parent.childForFieldName('left')?.type === 'identifier') opened.add(parent.childForFieldName('left')!.text);
    if (parent?.type === 'as_pattern') {
      const alias = parent.childForFieldName('alias');
      const name = alias?.type === 'as_pattern_target' ? alias.namedChild(0) : alias;
      if (name?.type === 'identifier') opened.add(name.text);
    }
  }
  if (opened.size === 0) return false;
  return (call.receiver !== undefined && opened.has(call.receiver.split('.')[0]!)) || call.args.some((a) => opened.has(a.text.trim()));
}

/**
 * A recursive walk of the function's own argument: `def _handle(self, result): ... elif isinstance(result, list):
 * for item in result: self._handle(item)`. The loop hands each element of the value it was given back to the
 * same function: the input is a nested list of operations or statements, and the I/O happens once per leaf, each a
 * different statement, where the leaf is handled. A walk that loads the children of a row (`for child in
 * node.children: load(child)`) iterates something else than the argument and still counts (Python).
 */
export function recursesIntoArgument(loop: LoopFacts, call: CallFact): boolean {
  if (loop.language !== 'python' || loop.node.type !== 'for_statement') return false;
  let fn: SyntaxNode | null = loop.node.parent;
  while (fn && fn.type !== 'function_definition') fn = fn.parent;
  const name = fn?.childForFieldName('name')?.text;
  if (!fn || !name || (call.callee !== name && call.callee !== `self.${name}` && call.callee !== `cls.${name}`)) return false;
  const iterable = loop.node.childForFieldName('right')?.text ?? '';
  const params = (fn.childForFieldName('parameters')?.namedChildren ?? []).map((p) => (p.type === 'identifier' ? p.text : p.childForFieldName('name')?.text ?? ''));
  if (!params.includes(iterable)) return false;
  return call.args.some((a) => a.name === undefined && loop.loopVariables.includes(a.text.trim()));
}

const AUGMENTED: readonly string[] = ['augmented_assignment'];

/**
 * The call is a method of the loop's class that moves the object's own state on, and reads it back on the next call:
 * `self._do_commit(ops)` runs `parent_commit=self.parent if self.nb_commits == 0 else None ... self.nb_commits += 1`
 * (followed through the methods it calls on `self`, three levels). Each call builds on what the previous one left
 * (a commit on the previous commit, part N+1 after part N): the calls must stay in order, so running them side by
 * side is wrong, not faster. A counter that is only ever incremented (statistics) is not read back and does not
 * count (Python).
 */
export function carriesInstanceState(loop: LoopFacts, call: CallFact): boolean {
  if (loop.language !== 'python' || !call.callee.startsWith('self.')) return false;
  const cls = enclosingClass(loop.node);
  if (!cls?.childForFieldName('body')) return false;
  const methods = new Map<string, SyntaxNode>();
  for (const def of classMethods(cls)) {
    const name = def.childForFieldName('name')?.text;
    if (name) methods.set(name, def);
  }
  const seen = new Set<string>();
  let frontier = [call.callee.slice(5)];
  for (let depth = 0; depth < 3 && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const name of frontier) {
      if (seen.has(name) || !methods.has(name)) continue;
      seen.add(name);
      for (const inner of methods.get(name)!.descendantsOfType('call')) {
        const m = /^self\.(\w+)$/.exec(inner.childForFieldName('function')?.text ?? '');
        if (m) next.push(m[1]!);
      }
    }
    frontier = next;
  }
  const bodies = [...seen].map((name) => methods.get(name)!);
  const moved = new Set<string>();
  for (const def of bodies) {
    for (const node of def.descendantsOfType(AUGMENTED)) {
      const left = node.childForFieldName('left');
      if (left?.type === 'attribute' && left.childForFieldName('object')?.text === 'self') moved.add(left.childForFieldName('attribute')?.text ?? '');
    }
  }
  if (moved.size === 0) return false;
  return bodies.some((def) =>
    def.descendantsOfType('attribute').some((node) => {
      if (node.childForFieldName('object')?.text !== 'self' || !moved.has(node.childForFieldName('attribute')?.text ?? '')) return false;
      const parent = node.parent;
      return !(parent?.type === 'augmented_assignment' && parent.childForFieldName('left')?.id === node.id);
    }),
  );
}

/**
 * A composite forwards the call it implements to each of its parts: `public int executeUpdate(String sql) { for (T s
 * : this) ret += s.executeUpdate(sql); }`, `executeDelete` over `_executors[i]`, `def flush(self): for w in
 * self.writers: w.flush()`. The receiver is the item (or the list indexed by the loop's counter) and the method is the
 * enclosing function's own name: the loop is the fan-out the class exists for, its count is the number of parts
 * (slices, stores, delegates; the configuration's), and each part is a different target. Whether a composite is
 * the right tool is the caller's question, not this loop's.
 */
export function forwardsToEachPart(loop: LoopFacts, call: CallFact): boolean {
  if (!call.method || call.receiver === undefined) return false;
  let fn: SyntaxNode | null = loop.node.parent;
  while (fn && !isFunctionNode(fn)) fn = fn.parent;
  if (fn?.childForFieldName('name')?.text !== call.method) return false;
  const receiver = call.receiver.trim();
  return loop.loopVariables.includes(elementOf(receiver)?.index ?? receiver);
}

/**
 * `statuses.get(id) ?? (await store.getStatus(id))`, `cache.get(k) or load(k)`: the call runs only when the lookup
 * missed, after a batch read filled the map or once per key of a cache; the loop's round trips are the misses, not
 * one per item.
 */
export function fallbackOnMiss(call: CallFact): boolean {
  let n: SyntaxNode = call.node;
  while (n.parent && ['await_expression', 'await', 'parenthesized_expression'].includes(n.parent.type)) n = n.parent;
  const parent = n.parent;
  if (!parent || (parent.type !== 'binary_expression' && parent.type !== 'boolean_operator')) return false;
  const operator = parent.childForFieldName('operator')?.text;
  if (!(operator === '??' || operator === '||' || operator === 'or') || parent.childForFieldName('right')?.id !== n.id) return false;
  const left = parent.childForFieldName('left');
  if (left?.type === 'subscript_expression' || left?.type === 'subscript') return true;
  if (left?.type !== 'call_expression' && left?.type !== 'call') return false;
  const fn = left.childForFieldName('function');
  return (fn?.childForFieldName('property') ?? fn?.childForFieldName('attribute'))?.text === 'get';
}

/** A file of migration steps: a `migrations` (or `migration`) folder on its path (knex, Django, Alembic, TypeORM). */
const MIGRATION_DIR = /(?:^|[\\/])migrations?[\\/]/i;

const UPDATE_METHOD = /^(?:update|updateOne|update_one|replaceOne|replace_one)$/;

const CALL_TYPES = ['call_expression', 'call'];

/**
 * A migration step that rewrites each row with a value computed from that row: `for (const post of posts) { const
 * html = render(post.mobiledoc); await knex('posts').update({ html }).where({ id: post.id }); }`. The step runs once,
 * and one statement cannot carry a different value per row without a `CASE` per id. Only an UPDATE whose new values
 * come from the row (the loop's variable or a name the body assigns); an insert per row (`insert(list)` batches it),
 * a delete, an update to one constant (`whereIn` batches it) and a read per row are still per-row work. A data
 * migration outside a migrations folder is not recognised.
 */
export function rewritesEachRowOnce(loop: LoopFacts, call: CallFact): boolean {
  if (!MIGRATION_DIR.test(loop.path)) return false;
  const outer = callNode(call);
  let values: SyntaxNode[] | undefined;
  if (call.sql !== undefined) {
    if (!/^\s*UPDATE\b/i.test(call.sql)) return false;
    values = argumentNodes(outer).slice(1);
  } else {
    for (const n of [outer, ...outer.descendantsOfType(CALL_TYPES)]) {
      const fn = n.childForFieldName('function');
      const method = (fn?.childForFieldName('property') ?? fn?.childForFieldName('attribute'))?.text ?? '';
      if (!UPDATE_METHOD.test(method)) continue;
      const args = argumentNodes(n);
      values = args.length === 1 ? args : args.slice(1);
      break;
    }
  }
  if (!values || values.length === 0) return false;
  const names = new Set(loop.loopVariables);
  for (const d of loop.body.descendantsOfType(['variable_declarator', 'assignment_expression', 'assignment'])) {
    const target = d.childForFieldName('name') ?? d.childForFieldName('left');
    for (const id of target ? [target, ...target.descendantsOfType(['identifier', 'shorthand_property_identifier_pattern'])] : []) {
      if (/^[A-Za-z_$][\w$]*$/.test(id.text)) names.add(id.text);
    }
  }
  return values.some((v) => [v, ...v.descendantsOfType(['identifier', 'shorthand_property_identifier'])].some((id) => (id.type === 'identifier' || id.type === 'shorthand_property_identifier') && names.has(id.text)));
}

/**
 * Per-item database calls that run only on a lookup's miss, rewrite each row once in a migration, are schema work, a
 * statement list (by the item's or the list's name, a Java string item handed as the SQL, or prepared from one), one batch per group, one per database, a
 * recursive walk of the argument, a composite's fan-out, or deliberately serial (see above).
 */
export function notPerRow(loop: LoopFacts, call: CallFact, kb?: RuleContext['kb']): boolean {
  return (
    fallbackOnMiss(call) ||
    rewritesEachRowOnce(loop, call) ||
    schemaWork(loop, call) ||
    runsStatementList(loop, call) ||
    formatsTableName(loop, call) ||
    runsPreparedStatement(loop, call, kb) ||
    runsItsOwnSqlText(loop, call, kb) ||
    batchedPerGroup(loop, call) ||
    perConnection(loop, call) ||
    recursesIntoArgument(loop, call) ||
    walksStatementList(loop, call) ||
    forwardsToEachPart(loop, call) ||
    deliberatelySerial(loop, call)
  );
}
