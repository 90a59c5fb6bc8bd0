// Go loop facts: `for {}`, `for cond {}`, `for i := 0; ...`, `for k, v := range xs`, ticker loops (`for range
// ticker.C`, `for range time.Tick(d)`: a wait per iteration like `setInterval`), `select` inside `for` (cases are
// branches; `case <-ctx.Done():` is a stop flag). Errors are values in Go: a call whose error is checked by an
// `if err != nil` that does not leave the loop counts as handled; `panic`, `log.Fatal` and `os.Exit` end the loop
// like a raise. `defer`red calls run when the function returns, not per iteration, so they are not loop calls.
import type { FlatTree } from '../flat-tree.js';
import type { ExitFact, FileFacts, IterableFact, SyntaxNode } from '../facts.js';
import type { KnowledgeBase } from '../knowledge-base.js';
import { compactCallee } from './common.js';
import { extractBraceFacts, foldNumber, labelAround, loopLabel, within, type BraceFile, type BraceSpec, type CallShape, type LoopHeader } from './brace.js';

/** Nanoseconds per unit of Go's `time` package. */
const DURATION_UNITS: Record<string, number> = {
  'time.Nanosecond': 1,
  'time.Microsecond': 1e3,
  'time.Millisecond': 1e6,
  'time.Second': 1e9,
  'time.Minute': 60e9,
  'time.Hour': 3600e9,
};

const FUNCTIONS = new Set(['func_literal', 'function_declaration', 'method_declaration']);
const BREAKABLE = new Set(['for_statement', 'expression_switch_statement', 'type_switch_statement', 'select_statement']);
const FATAL = /^(panic|os\.Exit|log\.(Fatal|Fatalf|Fatalln|Panic|Panicf|Panicln)|runtime\.Goexit|\w+\.(Fatal|Fatalf|Panic|Panicf))$/;
const STOP_CHANNEL = /(^|\.)(Done\(\)|(done|stop|quit|shutdown|closing|closed|close|exit|term)(Ch|C|Chan)?|cancel\w*|ctx\.Done\(\))$/i;

/** Go's numeric value of an expression: durations in nanoseconds, constants followed. */
export function goNumber(node: SyntaxNode | null | undefined, file: BraceFile): number | undefined {
  const named = (text: string, depth: number): number | undefined => {
    const unit = DURATION_UNITS[text];
    if (unit !== undefined) return unit;
    const bound = file.numbers.get(text);
    return bound && depth < 8 ? foldNumber(bound, named, depth) : undefined;
  };
  return foldNumber(node, named);
}

/** Seconds of a duration expression (`30 * time.Second`, `pollInterval`, `time.Duration(n) * time.Millisecond`). */
export function goDurationSeconds(node: SyntaxNode | null | undefined, file: BraceFile): number | undefined {
  const ns = goNumber(node, file);
  return ns === undefined ? undefined : ns / 1e9;
}

function statementsOf(block: SyntaxNode): SyntaxNode {
  for (let i = 0; i < block.namedChildCount; i++) {
    const c = block.namedChild(i)!;
    if (c.type === 'statement_list') return c;
  }
  return block;
}

function namesIn(list: SyntaxNode | null): string[] {
  if (!list) return [];
  const out: string[] = [];
  const nodes = list.type === 'expression_list' ? list.namedChildren : [list];
  for (const n of nodes) if (n.type === 'identifier' && n.text !== '_') out.push(n.text);
  return out;
}

/** `ticker := time.NewTicker(d)` / `t = time.Tick(d)` anywhere in the file: the ticker's period in seconds. */
function tickerPeriod(name: string, file: BraceFile): number | undefined {
  for (const decl of file.root.descendantsOfType(['short_var_declaration', 'assignment_statement'])) {
    const left = decl.childForFieldName('left');
    const right = decl.childForFieldName('right');
    if (!left || !right) continue;
    const names = left.namedChildren.map((n) => n.text);
    const index = names.indexOf(name);
    if (index < 0) continue;
    const value = right.namedChild(Math.min(index, right.namedChildCount - 1));
    if (value?.type !== 'call_expression') continue;
    const fn = value.childForFieldName('function')?.text ?? '';
    if (/^time\.(NewTicker|Tick)$/.test(fn)) return goDurationSeconds(value.childForFieldName('arguments')?.namedChild(0), file);
  }
  return undefined;
}

/**
 * `name := time.NewTicker(d).C` / `name = time.Tick(d)` somewhere in the file: the channel's period in seconds
 * (undefined when not a constant), null when `name` is never bound to a ticker's channel. A timer's channel
 * (`time.NewTimer(d).C`) fires once, a deadline rather than a pace, and is not one.
 */
function tickerChannelPeriod(name: string, file: BraceFile): number | undefined | null {
  for (const decl of file.root.descendantsOfType(['short_var_declaration', 'assignment_statement'])) {
    const left = decl.childForFieldName('left');
    const right = decl.childForFieldName('right');
    if (!left || !right) continue;
    const index = left.namedChildren.findIndex((n) => n.text === name);
    if (index < 0 || right.namedChildCount !== left.namedChildCount) continue;
    let value = right.namedChild(index);
    if (value?.type === 'selector_expression' && value.childForFieldName('field')?.text === 'C') value = value.childForFieldName('operand');
    else if (value?.type === 'call_expression' && value.childForFieldName('function')?.text !== 'time.Tick') continue;
    if (value?.type !== 'call_expression') continue;
    if (!/^time\.(NewTicker|Tick)$/.test(value.childForFieldName('function')?.text ?? '')) continue;
    return goDurationSeconds(value.childForFieldName('arguments')?.namedChild(0), file);
  }
  return null;
}

/** A ticker channel as a range target or a receive operand: `ticker.C`, `time.Tick(d)`, a name bound to one. */
function tickOf(expr: SyntaxNode, file: BraceFile): LoopHeader['tick'] | undefined {
  if (expr.type === 'selector_expression' && expr.childForFieldName('field')?.text === 'C') {
    const operand = expr.childForFieldName('operand')?.text ?? '';
    if (!/tick|timer|^t$/i.test(operand) && tickerPeriod(operand, file) === undefined) return undefined;
    return { node: expr, callee: compactCallee(expr.text), seconds: tickerPeriod(operand, file) };
  }
  // `tickChan := time.NewTicker(d).C` (or `time.Tick(d)`) read through a local name.
  if (expr.type === 'identifier') {
    const period = tickerChannelPeriod(expr.text, file);
    if (period !== null) return { node: expr, callee: expr.text, seconds: period };
  }
  if (expr.type === 'call_expression' && /^time\.Tick$/.test(expr.childForFieldName('function')?.text ?? '')) {
    return { node: expr, callee: 'time.Tick', seconds: goDurationSeconds(expr.childForFieldName('arguments')?.namedChild(0), file) };
  }
  return undefined;
}

function describeIterable(right: SyntaxNode, file: BraceFile): IterableFact {
  const text = right.text;
  switch (right.type) {
    case 'int_literal':
      return { text, kind: 'range' };
    case 'identifier':
      return { text, kind: 'name', collection: text };
    case 'selector_expression':
      return { text, kind: 'name', collection: text };
    case 'composite_literal':
      return { text, kind: 'literal' };
    case 'call_expression': {
      const fn = compactCallee(right.childForFieldName('function')?.text ?? '');
      const kinds = file.kb.classify('go', fn).kinds;
      return { text, kind: kinds.includes('db-read') ? 'query' : 'call' };
    }
    default:
      return { text, kind: 'other' };
  }
}

function header(node: SyntaxNode, file: BraceFile): LoopHeader | undefined {
  const block = node.childForFieldName('body');
  if (!block) return undefined;
  const body = statementsOf(block);
  const headerLine = node.startPosition.row + 1;
  let clause: SyntaxNode | undefined;
  for (let i = 0; i < node.namedChildCount; i++) {
    const c = node.namedChild(i)!;
    if (c.id !== block.id && c.type !== 'comment') {
      clause = c;
      break;
    }
  }
  if (!clause) {
    // `for { ... }`; a `select` on a ticker inside makes it a ticker loop.
    return { kind: 'while', infinite: true, loopVariables: [], body, block, headerLine, tick: selectTick(body, file) };
  }
  if (clause.type === 'for_clause') {
    const init = clause.childForFieldName('initializer');
    const condition = clause.childForFieldName('condition');
    const vars = init && (init.type === 'short_var_declaration' || init.type === 'assignment_statement') ? namesIn(init.childForFieldName('left')) : [];
    return {
      kind: 'for',
      infinite: condition === null,
      ...(condition ? { condition: condition.text, conditionNode: condition } : {}),
      loopVariables: vars,
      body,
      block,
      headerLine,
    };
  }
  if (clause.type === 'range_clause') {
    const right = clause.childForFieldName('right');
    const vars = namesIn(clause.childForFieldName('left'));
    if (!right) return undefined;
    const tick = tickOf(right, file);
    if (tick) return { kind: 'for-each', infinite: true, loopVariables: vars, iterable: { text: right.text, kind: 'other' }, body, block, headerLine, tick };
    return { kind: 'for-each', infinite: false, loopVariables: vars, iterable: describeIterable(right, file), body, block, headerLine };
  }
  // `for cond { ... }`
  const infinite = clause.text === 'true';
  return {
    kind: 'while',
    infinite,
    ...(infinite ? {} : { condition: clause.text, conditionNode: clause }),
    loopVariables: [],
    body,
    block,
    headerLine,
    ...(infinite ? { tick: selectTick(body, file) } : {}),
  };
}

/** `for { select { case <-ticker.C: ... } }`: the ticker of a select directly in the body. */
function selectTick(body: SyntaxNode, file: BraceFile): LoopHeader['tick'] | undefined {
  for (let i = 0; i < body.namedChildCount; i++) {
    const s = body.namedChild(i)!;
    if (s.type !== 'select_statement') continue;
    for (const c of s.namedChildren) {
      if (c.type !== 'communication_case') continue;
      const comm = c.childForFieldName('communication');
      const recv = comm?.type === 'receive_statement' ? comm.childForFieldName('right') : comm?.type === 'expression_statement' ? comm.namedChild(0) : comm;
      const operand = recv?.type === 'unary_expression' ? recv.childForFieldName('operand') : undefined;
      if (!operand) continue;
      const tick = tickOf(operand, file);
      if (tick) return tick;
      if (operand.type === 'call_expression' && /^time\.After$/.test(operand.childForFieldName('function')?.text ?? '')) {
        return { node: operand, callee: 'time.After', seconds: goDurationSeconds(operand.childForFieldName('arguments')?.namedChild(0), file) };
      }
    }
  }
  return undefined;
}

function callShape(node: SyntaxNode): CallShape | undefined {
  const fn = node.childForFieldName('function');
  if (!fn || fn.type === 'func_literal' || fn.type === 'parenthesized_expression') return undefined;
  const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment');
  const callee = compactCallee(fn.text);
  if (fn.type === 'selector_expression') {
    return { callee, receiver: compactCallee(fn.childForFieldName('operand')?.text ?? ''), method: fn.childForFieldName('field')?.text ?? callee, args };
  }
  return { callee, method: callee, args };
}

/** Is `node` inside a `defer` or `go` statement (below the loop body)? Those calls do not run in this iteration. */
function deferredOrSpawned(node: SyntaxNode, stop: SyntaxNode): boolean {
  for (let n = node.parent; n && n.id !== stop.id; n = n.parent) if (n.type === 'defer_statement') return true;
  return false;
}

function exitOf(node: SyntaxNode, loop: SyntaxNode): ExitFact | undefined {
  const line = node.startPosition.row + 1;
  switch (node.type) {
    case 'break_statement': {
      const label = node.namedChild(0)?.text;
      // `break outer` from a loop inside the labelled one leaves this loop as well.
      if (label) return labelAround(loop, label) ? { kind: 'break', line } : undefined;
      for (let n = node.parent; n; n = n.parent) {
        if (BREAKABLE.has(n.type)) return n.id === loop.id ? { kind: 'break', line } : undefined;
        if (FUNCTIONS.has(n.type)) return undefined;
      }
      return undefined;
    }
    case 'return_statement':
      return { kind: 'return', line };
    // A jump to a label outside the loop (`goto FLUSH`) leaves it like a break.
    case 'goto_statement': {
      const label = node.namedChild(0)?.text;
      return label && !loop.descendantsOfType(['labeled_statement']).some((l) => (l.childForFieldName('label') ?? l.namedChild(0))?.text === label) ? { kind: 'break', line } : undefined;
    }
    case 'call_expression': {
      const fn = node.childForFieldName('function')?.text ?? '';
      if (FATAL.test(fn) && !deferredOrSpawned(node, loop)) return { kind: 'raise', line };
      return undefined;
    }
    case 'communication_case': {
      const comm = node.childForFieldName('communication');
      const recv = comm?.type === 'receive_statement' ? comm.childForFieldName('right') : comm?.type === 'expression_statement' ? comm.namedChild(0) : comm;
      if (recv?.type === 'unary_expression' && recv.child(0)?.type === '<-') {
        const operand = recv.childForFieldName('operand')?.text.replace(/\s+/g, '') ?? '';
        if (STOP_CHANNEL.test(operand)) return { kind: 'stop-flag', line, name: `<-${operand}` };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function assignmentParts(node: SyntaxNode): Array<{ targets: string[]; op: '=' | '+=' | 'other'; value: SyntaxNode | null }> {
  if (node.type === 'inc_statement' || node.type === 'dec_statement') {
    const target = node.namedChild(0);
    return target ? [{ targets: [target.text], op: 'other', value: target }] : [];
  }
  if (node.type === 'var_spec') {
    const names = node.childrenForFieldName('name').map((n) => n.text).filter((n) => n !== '_');
    const value = node.childForFieldName('value');
    return names.length > 0 ? [{ targets: names, op: '=', value: value?.namedChild(0) ?? null }] : [];
  }
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (!left || !right) return [];
  let op: '=' | '+=' | 'other' = '=';
  if (node.type === 'assignment_statement') {
    const operator = node.childForFieldName('operator')?.type ?? node.child(1)?.type ?? '=';
    op = operator === '=' ? '=' : operator === '+=' ? '+=' : 'other';
  }
  const lefts = left.namedChildren;
  const rights = right.namedChildren;
  const out: Array<{ targets: string[]; op: '=' | '+=' | 'other'; value: SyntaxNode | null }> = [];
  lefts.forEach((l, i) => {
    if (l.text === '_') return;
    const value = rights.length === lefts.length ? rights[i]! : rights[0] ?? null;
    let thisOp = op;
    // `s = s + x` is an accumulation too.
    if (op === '=' && value?.type === 'binary_expression' && value.childForFieldName('left')?.text === l.text && value.child(1)?.type === '+') thisOp = '+=';
    out.push({ targets: [compactCallee(l.text)], op: thisOp, value });
  });
  return out;
}

function resultOf(call: SyntaxNode): { used: boolean; assignedTo?: string } {
  const parent = call.parent;
  if (!parent) return { used: false };
  if (parent.type === 'expression_statement' || parent.type === 'go_statement' || parent.type === 'defer_statement') return { used: false };
  if (parent.type === 'expression_list') {
    const holder = parent.parent;
    if (holder && (holder.type === 'short_var_declaration' || holder.type === 'assignment_statement') && holder.childForFieldName('right')?.id === parent.id) {
      const first = holder.childForFieldName('left')?.namedChild(0);
      return { used: true, ...(first && first.text !== '_' ? { assignedTo: compactCallee(first.text) } : {}) };
    }
    if (holder?.type === 'var_spec') {
      const name = holder.childForFieldName('name');
      return { used: true, ...(name && name.text !== '_' ? { assignedTo: name.text } : {}) };
    }
  }
  return { used: true };
}

/** The error names a statement binds from `call` (`rows, err := q(...)` → err). */
function errorNames(call: SyntaxNode): { names: string[]; statement?: SyntaxNode } {
  const parent = call.parent;
  const holder = parent?.type === 'expression_list' ? parent.parent : undefined;
  if (!holder || (holder.type !== 'short_var_declaration' && holder.type !== 'assignment_statement')) return { names: [] };
  const names = (holder.childForFieldName('left')?.namedChildren ?? []).map((n) => n.text).filter((n) => /^(err\w*|\w*Err)$/.test(n));
  return { names, statement: holder };
}

function leavesLoop(block: SyntaxNode | null): boolean {
  if (!block) return false;
  for (const n of block.descendantsOfType(['return_statement', 'call_expression'])) {
    if (n.type === 'return_statement') return true;
    if (FATAL.test(n.childForFieldName('function')?.text ?? '')) return true;
  }
  return false;
}

/** `x, err := call(); if err != nil { ...; continue }` / `if err := call(); err != nil {...}`: handled without leaving. */
function handledInPlace(call: SyntaxNode): boolean {
  const { names, statement } = errorNames(call);
  if (!statement || names.length === 0) return false;
  let check: SyntaxNode | null = null;
  if (statement.parent?.type === 'if_statement' && statement.parent.childForFieldName('initializer')?.id === statement.id) check = statement.parent;
  else {
    const next = statement.nextNamedSibling;
    if (next?.type === 'if_statement' && names.some((n) => new RegExp(`\\b${n}\\s*!=\\s*nil\\b`).test(next.childForFieldName('condition')?.text ?? ''))) check = next;
  }
  if (!check) return false;
  return !leavesLoop(check.childForFieldName('consequence'));
}

// --- Failure facts (CallFact.failure, ExitFact.cause) ---

const ERROR_TEST = /\b(err\w*|\w*Err)\s*!=\s*nil\b/;

/** The whole expression a call's result flows out of: `db.QueryRow(...)` in `db.QueryRow(...).Scan(&x)` → the Scan call. */
function outermostCall(call: SyntaxNode): SyntaxNode {
  let node = call;
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'selector_expression' && p.childForFieldName('operand')?.id === node.id) continue;
    if (p.type === 'call_expression' && p.childForFieldName('function')?.id === node.id) {
      node = p;
      continue;
    }
    if (p.type === 'parenthesized_expression') continue;
    break;
  }
  return node;
}

/**
 * Does `block` leave `loop` unconditionally: a statement directly in it that returns, calls a fatal function, or
 * breaks / jumps out (a leave under a further `if`, such as `if ctx.Err() != nil { return }`, is the stop path).
 */
function blockLeaves(block: SyntaxNode | null, loop: SyntaxNode): boolean {
  if (!block) return false;
  const list = block.type === 'block' ? statementsOf(block) : block;
  for (const n of list.namedChildren) {
    if (n.type === 'return_statement' || n.type === 'goto_statement') return true;
    if (n.type === 'break_statement' && exitOf(n, loop)?.kind === 'break') return true;
    const call = n.type === 'expression_statement' ? n.namedChild(0) : null;
    if (call?.type === 'call_expression' && FATAL.test(call.childForFieldName('function')?.text ?? '')) return true;
  }
  return false;
}

/** The `if` (or `switch` case) that tests one of `names` against nil, among the statements after `statement`. */
function errorCheckAfter(statement: SyntaxNode, names: string[]): SyntaxNode | undefined {
  // `err != nil` anywhere in the condition, or the whole condition `err == nil` (`if err == nil { return }`: the
  // failure path is what follows; `ok && err == nil` tests something else as well, and is not read as the check).
  const tests = (text: string) => names.some((n) => new RegExp(`\\b${n}\\s*!=\\s*nil\\b`).test(text) || text.trim() === `${n} == nil`);
  if (statement.parent?.type === 'if_statement' && statement.parent.childForFieldName('initializer')?.id === statement.id) {
    return tests(statement.parent.childForFieldName('condition')?.text ?? '') ? statement.parent : undefined;
  }
  for (let next = statement.nextNamedSibling, seen = 0; next && seen < 8; next = next.nextNamedSibling, seen++) {
    if (next.type === 'if_statement' && tests(next.childForFieldName('condition')?.text ?? '')) return next;
    if (next.type === 'expression_switch_statement') {
      for (const c of next.namedChildren) if (c.type === 'expression_case' && tests(c.childForFieldName('value')?.text ?? '')) return c;
    }
    // Reassigned before any check: this call's error was never looked at.
    if ((next.type === 'short_var_declaration' || next.type === 'assignment_statement') && names.some((n) => (next.childForFieldName('left')?.namedChildren ?? []).some((l) => l.text === n))) return undefined;
  }
  return undefined;
}

/** The `else { ... }` block of an `if` (an `else if` counts as its own statement list). */
function elseBlock(check: SyntaxNode): SyntaxNode | null {
  const alternative = check.childForFieldName('alternative');
  return alternative?.type === 'block' ? alternative : null;
}

/**
 * What a failure of `call` does to the loop: its error checked by an `if err != nil` that stays (`handled`) or
 * leaves (`ends-loop`: return, log.Fatal, panic, break), returned directly (`ends-loop`), or dropped (`ignored`).
 */
function failureOf(call: SyntaxNode, loop: SyntaxNode): 'handled' | 'ends-loop' | 'ignored' | undefined {
  const outer = outermostCall(call);
  const parent = outer.parent;
  if (!parent) return undefined;
  if (parent.type === 'expression_statement') return 'ignored';
  if (parent.type === 'return_statement' || (parent.type === 'expression_list' && parent.parent?.type === 'return_statement')) return 'ends-loop';
  // `if db.Ping() != nil { ... }` / `if err := tx.Commit(); err != nil { ... }`
  if (parent.type === 'binary_expression' && /!=\s*nil$/.test(parent.text) && parent.parent?.type === 'if_statement') {
    return blockLeaves(parent.parent.childForFieldName('consequence'), loop) ? 'ends-loop' : 'handled';
  }
  if (parent.type === 'binary_expression' && /==\s*nil$/.test(parent.text) && parent.parent?.type === 'if_statement') {
    return blockLeaves(elseBlock(parent.parent), loop) ? 'ends-loop' : 'handled';
  }
  const { names, statement } = errorNames(outer);
  if (!statement) return undefined;
  if (names.length === 0) {
    // `rows, _ := db.Query(...)`: the error is thrown away.
    const left = statement.childForFieldName('left')?.namedChildren ?? [];
    return left.length > 1 && left[left.length - 1]!.text === '_' ? 'ignored' : undefined;
  }
  const check = errorCheckAfter(statement, names);
  if (!check) return 'ignored';
  const condition = (check.type === 'if_statement' ? check.childForFieldName('condition') : check.childForFieldName('value'))?.text ?? '';
  if (check.type === 'if_statement' && !names.some((n) => new RegExp(`\\b${n}\\s*!=\\s*nil\\b`).test(condition))) {
    // `if err == nil { ...; return }`: success leaves; a failure goes to the else branch, or on with the loop.
    return blockLeaves(elseBlock(check), loop) ? 'ends-loop' : 'handled';
  }
  const branch = check.type === 'if_statement' ? check.childForFieldName('consequence') : check;
  return blockLeaves(branch, loop) ? 'ends-loop' : 'handled';
}

const STOP_TEST = /\bctx\.Err\(\)|context\.(Canceled|DeadlineExceeded)|\.Done\(\)|\b(stop|quit|shutdown|closing|closed)\w*\b/i;

/**
 * Why an exit is taken: in the branch of a stop request (`case <-ctx.Done():`, `if ctx.Err() != nil`) → `stop`;
 * in an error branch (`if err != nil { ... }`, `case err != nil:`) → `error`. The innermost such branch decides.
 */
function exitCause(node: SyntaxNode, loop: SyntaxNode): 'error' | 'stop' | undefined {
  let child = node;
  for (let p = node.parent; p && p.id !== loop.id; p = p.parent) {
    if (FUNCTIONS.has(p.type)) return undefined;
    if (p.type === 'communication_case' && exitOf(p, loop)?.kind === 'stop-flag') return 'stop';
    const condition = p.type === 'if_statement' && p.childForFieldName('consequence')?.id === child.id ? p.childForFieldName('condition')?.text : p.type === 'expression_case' ? p.childForFieldName('value')?.text : undefined;
    if (condition !== undefined) {
      if (STOP_TEST.test(condition)) return 'stop';
      if (ERROR_TEST.test(condition)) return 'error';
    }
    child = p;
  }
  return undefined;
}

/** Closed on every path: `defer x.Close()` in the function, or `x.Close()` / `x.Body.Close()` later in the loop. */
function managed(call: SyntaxNode, assignedTo: string | undefined, loop: SyntaxNode): boolean {
  if (!assignedTo) return false;
  let fn: SyntaxNode | null = call.parent;
  while (fn && !FUNCTIONS.has(fn.type)) fn = fn.parent;
  const scope = fn ?? loop;
  // Compared as text: `assignedTo` can be any expression (`*p`, `h.data[i]`), never a pattern.
  const closers = new Set(['Close', 'Stop', 'Release', 'Rollback'].flatMap((m) => [`${assignedTo}.${m}`, `${assignedTo}.Body.${m}`]));
  for (const c of scope.descendantsOfType(['call_expression'])) {
    if (c.startIndex < call.endIndex) continue;
    if (!closers.has(compactCallee(c.childForFieldName('function')?.text ?? ''))) continue;
    if (c.parent?.type === 'defer_statement' || within(c, loop)) return true;
  }
  return false;
}

/** `defer func() { if r := recover(); r != nil {...} }()` in the function, before the loop. */
function recoversAround(loop: SyntaxNode): boolean {
  let fn: SyntaxNode | null = loop.parent;
  while (fn && !FUNCTIONS.has(fn.type)) fn = fn.parent;
  if (!fn) return false;
  for (const d of fn.descendantsOfType(['defer_statement'])) {
    if (d.startIndex > loop.startIndex || within(d, loop)) continue;
    if (/\brecover\s*\(\s*\)/.test(d.text)) return true;
  }
  return false;
}

const REDIS_BLOCKING = /^(BLPop|BRPop|BRPopLPush|BLMove|BZPopMin|BZPopMax|BLMPop)$/;
const NON_BLOCKING = /^(LPop|RPop|RPopLPush|LMove|SPop|TryReceive|TryDequeue)$/;

/** `func main()` of `package main`: the program's entry point. */
function goEntryScopes(root: SyntaxNode): SyntaxNode[] {
  const pkg = root.namedChildren.find((c) => c.type === 'package_clause');
  if (pkg?.namedChildren[0]?.text !== 'main') return [];
  return root.namedChildren.filter((f) => f.type === 'function_declaration' && f.childForFieldName('name')?.text === 'main' && (f.childForFieldName('parameters')?.namedChildren.length ?? 0) === 0);
}

export const GO_SPEC: BraceSpec = {
  language: 'go',
  entryScopes: (root) => goEntryScopes(root),
  loopTypes: ['for_statement'],
  header,
  // Deferred calls run when the function returns and `go` statements start another goroutine: neither is this
  // iteration's work (defer-in-loop reads the tree for them).
  scopeTypes: new Set([...FUNCTIONS, 'defer_statement', 'go_statement']),
  functionTypes: FUNCTIONS,
  functionName: (fn) => fn.childForFieldName('name')?.text,
  callTypes: new Set(['call_expression']),
  callShape,
  iteratedOnce: (loop) => loop.namedChildren.find((c) => c.type === 'range_clause')?.childForFieldName('right'),
  nestingTypes: new Set(['if_statement', 'for_statement', 'expression_switch_statement', 'type_switch_statement', 'select_statement']),
  branchTypes: new Set(['if_statement', 'expression_case', 'default_case', 'type_case', 'communication_case']),
  sleepSeconds: (shape, file) => (/^time\.(Sleep|After)$/.test(shape.callee) ? goDurationSeconds(shape.args[0], file) : undefined),
  timeoutSeconds: (shape, file) => {
    if (NON_BLOCKING.test(shape.method)) return 0;
    if (REDIS_BLOCKING.test(shape.method)) return goDurationSeconds(shape.args[1], file);
    return undefined;
  },
  exitOf: (node, loop) => {
    const exit = exitOf(node, loop);
    const cause = exit && exit.kind !== 'stop-flag' ? exitCause(node, loop) : undefined;
    if (exit && cause) exit.cause = cause;
    return exit;
  },
  tryTypes: new Set(),
  describeTry: () => ({ catchesBroadly: false, handlerSleeps: false, handlerContinues: false, handlerReraises: false, handlerBreaksOrReturns: false, handlerLogs: false }),
  tryBody: () => null,
  handlerTypes: new Set(),
  assignments: assignmentParts,
  assignmentTypes: ['assignment_statement', 'short_var_declaration', 'inc_statement', 'dec_statement', 'var_spec'],
  resultOf,
  handledInPlace: (call) => handledInPlace(call),
  managed: (call, assignedTo, loop) => managed(call, assignedTo, loop),
  failureOf: (call, loop) => failureOf(call, loop),
  recoversAround: (loop) => recoversAround(loop),
  commentPrefix: '//',
};

function collectConstants(file: BraceFile): void {
  for (const spec of file.root.descendantsOfType(['const_spec', 'var_spec'])) {
    // Only package-level vars are constants in practice; consts anywhere.
    if (spec.type === 'var_spec' && spec.parent?.parent?.type !== 'source_file' && spec.parent?.type !== 'source_file') continue;
    const names = spec.childrenForFieldName('name');
    const values = spec.childForFieldName('value')?.namedChildren ?? [];
    names.forEach((name, i) => {
      const value = values[i];
      if (!value) return;
      if (value.type === 'interpreted_string_literal' || value.type === 'raw_string_literal') file.strings.set(name.text, value);
      else file.numbers.set(name.text, value);
    });
  }
}

export function extractGoFacts(path: string, source: string, tree: FlatTree, kb: KnowledgeBase, deadline?: number): FileFacts {
  return extractBraceFacts(GO_SPEC, collectConstants, path, source, tree, kb, deadline);
}
