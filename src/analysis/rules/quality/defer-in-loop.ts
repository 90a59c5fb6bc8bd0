// defer-in-loop (Go): a `defer` directly in a loop body runs when the enclosing function returns, not at the end of
// the iteration, so every iteration's deferred call (a Close, an Unlock, a Rollback) waits until the whole loop is
// done: files, rows and connections pile up open, locks stay held. A `defer` inside a function literal called per
// iteration (`func() { defer f.Close(); ... }()`) or in a helper is the fix and is left alone, and so is a loop
// that leaves the function in the same iteration (`return` right after, a retry that stops at the first success,
// every path after the defer returning or breaking: leavesAfterDefer),
// and so is a value kept open on purpose for after the loop (appended, stored, sent: see keptForAfter), an item of a
// collection held before the loop (releasesCollectionItem) and a cleanup that runs only on failure
// (cleanupOnFailure), a release the iteration also makes itself before it goes round (releasedAtRoundEnd), query rows
// the iteration reads to the end before it goes round (drainedAtRoundEnd: database/sql closed them), and a loop
// over the components of one file path (walksPathComponents) or over a literal of one or two entries
// (`range []bool{false, true}`: at most two calls pending), a value handed to a goroutine started in the iteration
// (handedToGoroutine) and a value made lazily once per call under `if x == nil` (madeOnce). In test code
// only the deferred calls whose delay blocks (an Unlock, a wg.Done) are reported.
import type { Detection, RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import type { CostEstimate } from '../../../core/types.js';
import { formatNumber } from '../../../cost/index.js';
import { blockFix } from '../../../fixes/lines.js';
import { closureFix } from './defer-closure.js';
import { batchSize, endsWithTheProgram, rootOf, tinyLiteralIterable } from '../lib/index.js';
import { scopeOf } from '../lib/syntax.js';
import type { FileModel } from '../../model.js';
import { loopLabel } from '../../facts/brace.js';
import { GO_ROWS } from './brace-resource-leak.js';

const FUNCTIONS = new Set(['func_literal', 'function_declaration', 'method_declaration']);

/** The Go function (declaration, method or literal) whose body holds `node`. */
function functionAround(node: SyntaxNode): SyntaxNode | null {
  let fn = node.parent;
  while (fn && !FUNCTIONS.has(fn.type)) fn = fn.parent;
  return fn;
}

/**
 * A deferred call that releases what the code holds: a method of the `releases` role of rules/apis/go.yml (`c.Close`,
 * `mu.Unlock`, `tx.Rollback`), or by Go's built-in and its naming convention for local func values, `close(ch)`,
 * `cancel()`, `unlock()`.
 */
function releases(callee: string, ctx: RuleContext, role: 'releases' | 'blocks_when_held' = 'releases'): boolean {
  const dot = callee.lastIndexOf('.');
  if (dot >= 0) return ctx.kb.hasRole?.(ctx.file.language, callee.slice(dot + 1), role) === true;
  return role === 'releases' ? /^(?:cancel\w*|unlock\w*|close)$/.test(callee) : /^unlock\w*$/.test(callee);
}

/** `defer` statements of this loop's own body: not in function literals, not in inner loops. */
function ownDefers(loop: LoopFacts): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const stack: SyntaxNode[] = [loop.body];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'defer_statement') {
      out.push(n);
      continue;
    }
    if (FUNCTIONS.has(n.type) || (n.type === 'for_statement' && n.id !== loop.node.id)) continue;
    for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push(n.namedChild(i)!);
  }
  return out.sort((a, b) => a.startIndex - b.startIndex);
}

/** A `return` follows the defer in its own block: the function leaves in the iteration that deferred. */
function returnsRightAfter(defer: SyntaxNode): boolean {
  for (let n = defer.nextNamedSibling; n; n = n.nextNamedSibling) if (n.type === 'return_statement') return true;
  return false;
}

/** A statement after which the iteration never goes on: `return`, `panic(...)`, `os.Exit`/`log.Fatal*`, a `break` of the loop, an if/else whose branches all do. */
function leaves(statement: SyntaxNode, loopLabel: string | undefined): boolean {
  switch (statement.type) {
    case 'return_statement':
      return true;
    case 'break_statement': {
      const label = statement.namedChild(0)?.text;
      return label === undefined || label === loopLabel;
    }
    case 'expression_statement': {
      const fn = statement.namedChild(0)?.type === 'call_expression' ? statement.namedChild(0)!.childForFieldName('function')?.text : undefined;
      return fn !== undefined && /^(?:panic|os\.Exit|log\.(?:Fatal|Panic)\w*)$/.test(fn);
    }
    case 'if_statement': {
      const alternative = statement.childForFieldName('alternative');
      return alternative !== null && blockLeaves(statement.childForFieldName('consequence'), loopLabel) && (alternative.type === 'if_statement' ? leaves(alternative, loopLabel) : blockLeaves(alternative, loopLabel));
    }
    default:
      return false;
  }
}

function blockLeaves(block: SyntaxNode | null, loopLabel: string | undefined): boolean {
  const list = block?.namedChildren.find((c) => c.type === 'statement_list') ?? block;
  const statements = (list?.namedChildren ?? []).filter((c) => c.type !== 'comment');
  return statements.length > 0 && leaves(statements[statements.length - 1]!, loopLabel);
}

/**
 * A `continue` in the statement that may go round this loop again: an unlabelled one outside inner loops, a labelled
 * one anywhere (it may name this loop or one around it), a `goto`; not in a function literal.
 */
function continuesLoop(statement: SyntaxNode): boolean {
  const stack: Array<[SyntaxNode, boolean]> = [[statement, false]];
  while (stack.length > 0) {
    const [n, inner] = stack.pop()!;
    if (n.type === 'goto_statement') return true;
    if (n.type === 'continue_statement' && (!inner || n.namedChildCount > 0)) return true;
    if (FUNCTIONS.has(n.type)) continue;
    const nested = inner || n.type === 'for_statement';
    for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push([n.namedChild(i)!, nested]);
  }
  return false;
}

/**
 * Once the defer has run, every path leaves the loop: the statements after it (in its block, then in the blocks
 * around it up to the loop body) reach a `return` or a `break` of the loop before any `continue` (a retry loop whose
 * failed attempts go round before the response is deferred, `if resp.Body != nil { defer resp.Body.Close() }`,
 * then returns or breaks). The defer runs once per call, whatever the loop did before.
 */
function leavesAfterDefer(defer: SyntaxNode, loop: LoopFacts): boolean {
  const labelled = loopLabel(loop.node);
  for (let n: SyntaxNode = defer; n.id !== loop.body.id; n = n.parent!) {
    if (!n.parent || ONE_SHOT_BRANCHES.has(n.parent.type) || (n.parent.parent && ONE_SHOT_BRANCHES.has(n.parent.parent.type))) return false;
    // Only statements of one list run one after another (not an if's else after its then).
    if (n.parent.type === 'statement_list' || n.parent.id === loop.body.id) {
      for (let s = n.nextNamedSibling; s; s = s.nextNamedSibling) {
        if (continuesLoop(s)) return false;
        if (leaves(s, labelled)) return true;
      }
    } else if (n.parent.type !== 'block' && n.parent.type !== 'if_statement') {
      // A case of a switch or select (whose `break` is its own), an inner loop: no claim.
      return false;
    }
  }
  return false;
}

const ONE_SHOT_BRANCHES = new Set(['communication_case', 'expression_case', 'type_case', 'default_case']);

/**
 * A defer directly in the body runs once per iteration. One under an `if` usually runs once per loop (a first-time
 * setup, a fallback timer) unless it releases something opened in the same iteration (`f, _ := os.Open(p); defer
 * f.Close()`); one in a select or switch case is a one-shot branch.
 */
function pilesUp(defer: SyntaxNode, loop: LoopFacts, ctx: RuleContext): boolean {
  if (defer.parent?.id === loop.body.id) return true;
  for (let n = defer.parent; n && n.id !== loop.body.id; n = n.parent) if (ONE_SHOT_BRANCHES.has(n.type)) return false;
  const callee = deferredCallee(defer);
  const receiver = callee.includes('.') ? callee.slice(0, callee.indexOf('.')) : undefined;
  return releases(callee, ctx) && receiver !== undefined && loop.assignments.some((a) => a.target === receiver) && !madeOnce(defer, loop, receiver);
}

/**
 * `if t == nil { t = newTimer(); defer t.Stop() }` with `t` declared before the loop: a value made lazily on the first
 * round that needs it. Every assignment of `t` in the loop sits in that `if` and none sets it back to nil, so the
 * branch, and its defer, runs at most once per call.
 */
function madeOnce(defer: SyntaxNode, loop: LoopFacts, receiver: string): boolean {
  if (loop.loopVariables.includes(receiver)) return false;
  const nilTest = new RegExp(`^(?:${receiver}\\s*==\\s*nil|nil\\s*==\\s*${receiver})$`);
  for (let n = defer.parent; n && n.id !== loop.body.id; n = n.parent) {
    if (n.type !== 'if_statement') continue;
    const consequence = n.childForFieldName('consequence');
    if (!consequence || defer.startIndex < consequence.startIndex || defer.endIndex > consequence.endIndex) return false;
    if (!nilTest.test(n.childForFieldName('condition')?.text.trim() ?? '')) return false;
    const first = consequence.startPosition.row + 1;
    const last = consequence.endPosition.row + 1;
    const declared = bodyNodes(loop, new Set(['short_var_declaration', 'var_spec'])).some((d) =>
      (d.childForFieldName('left') ?? d.childForFieldName('name') ?? d).namedChildren.some((c) => c.type === 'identifier' && c.text === receiver),
    );
    return !declared && loop.assignments.filter((a) => a.target === receiver).every((a) => a.line >= first && a.line <= last && a.valueText.trim() !== 'nil');
  }
  return false;
}

function deferredCallee(defer: SyntaxNode): string {
  const call = defer.namedChild(0);
  const fn = call?.childForFieldName('function');
  if (!fn) return 'func';
  if (fn.type === 'func_literal') return 'func() {...}';
  return fn.text.replace(/\s+/g, '');
}

function pendingCost(loop: LoopFacts, ctx: RuleContext): CostEstimate {
  const items = batchSize(loop, ctx.model, ctx.config.cost);
  const f = (n: number): string => formatNumber(n, ctx.locale);
  return {
    metric: 'deferred_calls_pending_at_peak',
    before: items.value,
    after: 1,
    unit: 'calls',
    formula: `${items.assumption.key} (${f(items.value)}) deferred calls held until the function returns → 1 per iteration`,
    assumptions: [items.assumption],
  };
}

function helperSketch(loop: LoopFacts, callee: string): string {
  const item = loop.loopVariables[loop.loopVariables.length - 1] ?? 'item';
  return [
    `for _, ${item} := range ${loop.iterable?.text ?? 'items'} {`,
    `\tif err := process(${item}); err != nil {`,
    '\t\treturn err',
    '\t}',
    '}',
    '',
    `// process holds what the loop body did; its defer runs when it returns, once per item.`,
    `func process(${item} Item) error {`,
    '\t// open the resource here',
    `\tdefer ${callee}()`,
    '\t// ...',
    '\treturn nil',
    '}',
  ].join('\n');
}

/**
 * In test code (`_test.go`, testdata) only deferred calls whose delay changes what the code does, not only when
 * something is freed (the `blocks_when_held` role: an `Unlock` held until the function returns deadlocks the next
 * iteration's `Lock`, a `wg.Done` held keeps `Wait` from returning). A test's loop over its case table that defers `srv.Close()`,
 * `cancel()` or `os.Remove(tmp)` holds a handful of resources until the test returns, which costs nothing and is
 * often deliberate (listeners kept open for the checks after the loop).
 */
function reportedHere(defer: SyntaxNode, ctx: RuleContext): boolean {
  return !ctx.testCode || releases(deferredCallee(defer), ctx, 'blocks_when_held');
}

/** Nodes of the loop body of the given types, not inside function literals. */
function bodyNodes(loop: LoopFacts, types: Set<string>): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const stack: SyntaxNode[] = [loop.body];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (types.has(n.type)) out.push(n);
    if (FUNCTIONS.has(n.type)) continue;
    for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push(n.namedChild(i)!);
  }
  return out;
}

/** `p` of cgo's `unsafe.Pointer(p)` (`defer C.free(unsafe.Pointer(p))`): the conversion releases the value itself. */
function unconverted(arg: SyntaxNode | null | undefined): SyntaxNode | null | undefined {
  if (arg?.type !== 'call_expression' || arg.childForFieldName('function')?.text !== 'unsafe.Pointer') return arg;
  const args = arg.childForFieldName('arguments')?.namedChildren ?? [];
  return args.length === 1 ? args[0] : arg;
}

/**
 * `cs := C.CString(name); defer C.free(unsafe.Pointer(cs))`: the deferred call only gives memory back (`frees_memory`
 * in rules/apis/go.yml) and what it frees is a C copy of a Go string the iteration made (`builds: c_string`), a name
 * or path for a C call. Until the function returns the loop holds a few bytes per round, no descriptor, lock or
 * connection: not worth a closure per iteration. A C buffer per round (`C.malloc(n)`, `C.CBytes(chunk)`) is memory
 * that grows with the input and still counts.
 */
function freesCString(defer: SyntaxNode, loop: LoopFacts, ctx: RuleContext): boolean {
  const callee = deferredCallee(defer);
  if (ctx.kb.hasRole?.(loop.language, callee.slice(callee.lastIndexOf('.') + 1), 'frees_memory') !== true) return false;
  const arg = unconverted(defer.namedChild(0)?.childForFieldName('arguments')?.namedChild(0));
  if (arg?.type !== 'identifier') return false;
  const values = loop.assignments.filter((a) => a.target === arg.text);
  return (
    values.length > 0 &&
    values.every((a) => {
      const made = /^([\w.]+)\(/.exec(a.valueText.replace(/\s+/g, ''));
      return made !== null && ctx.kb.builds?.(loop.language, made[1]!, 'c_string') === true;
    })
  );
}

/**
 * The variable the deferred call releases: `c` of `defer c.Close()`, `fd` of `defer syscall.Close(fd)`, `dst` of
 * `defer c.rm(ctx, dst)` (an argument after the context Go passes first): the first, in that order, that the
 * iteration assigns.
 */
function releasedVariable(defer: SyntaxNode, loop: LoopFacts): string | undefined {
  const call = defer.namedChild(0);
  const fn = call?.childForFieldName('function');
  const operand = fn?.type === 'selector_expression' ? fn.childForFieldName('operand') : undefined;
  const args = (call?.childForFieldName('arguments')?.namedChildren ?? []).map((a) => unconverted(a));
  for (const candidate of [operand, ...args]) {
    if (candidate?.type === 'identifier' && loop.assignments.some((a) => a.target === candidate.text)) return candidate.text;
  }
  return undefined;
}

/**
 * `ctx, cancel := context.WithTimeout(ctx, d); defer cancel()`: a bare func value released with no argument stands for
 * what the iteration bound together with it (the context it cancels). What it releases is that value, so the
 * context handed to a goroutine the iteration starts (`eg.Go(func() error { ... ctx ... })`) is kept the same way a
 * reader would be: cancelling it at the end of the round would stop the work before the function waits for it.
 */
function boundWithReleaser(defer: SyntaxNode, loop: LoopFacts): string[] {
  const call = defer.namedChild(0);
  const fn = call?.childForFieldName('function');
  if (fn?.type !== 'identifier' || (call?.childForFieldName('arguments')?.namedChildCount ?? 0) > 0) return [];
  for (const d of bodyNodes(loop, new Set(['short_var_declaration', 'assignment_statement']))) {
    const left = (d.childForFieldName('left')?.namedChildren ?? []).filter((c) => c.type === 'identifier');
    if (!left.some((c) => c.text === fn.text)) continue;
    return left.map((c) => c.text).filter((n) => n !== fn.text && n !== '_');
  }
  return [];
}

/**
 * `defer destroy(handles[i])`, `defer C.free(unsafe.Pointer(cstrs[i]))`: the released value sits in a slot of a slice
 * or map declared before the loop, which the code after the loop reads (a batch handed to one call): the slot is the
 * keeping.
 */
function releasesOuterSlot(defer: SyntaxNode, loop: LoopFacts): boolean {
  const call = defer.namedChild(0);
  const fn = call?.childForFieldName('function');
  const operand = fn?.type === 'selector_expression' ? fn.childForFieldName('operand') : undefined;
  const firstArg = unconverted(call?.childForFieldName('arguments')?.namedChild(0));
  const declared = new Set<string>();
  for (const d of bodyNodes(loop, new Set(['short_var_declaration', 'var_spec']))) {
    for (const n of (d.childForFieldName('left') ?? d.childForFieldName('name') ?? d).namedChildren) if (n.type === 'identifier') declared.add(n.text);
  }
  for (const v of loop.loopVariables) declared.add(v);
  return [operand, firstArg].some((c) => {
    const base = c?.type === 'index_expression' ? c.childForFieldName('operand') : undefined;
    return base?.type === 'identifier' && !declared.has(base.text);
  });
}

/** A constructor's name (`bufio.NewReader`, `NewConn`, `newEntry`): what it returns wraps what it is given. */
const WRAPPER_CONSTRUCTOR = /(^|\.)[Nn]ew[A-Z]\w*$/;

const HOLDERS = new Set(['call_expression', 'assignment_statement', 'short_var_declaration', 'send_statement']);

/**
 * `x`, `&x`, a composite literal with such an element (`&entry{conn: x}`) or a wrapper a constructor makes around one
 * (`bufio.NewReader(gz)`, `newEntry(x)`: a `New…`/`new…` call given it), for an x in `names`.
 */
function holds(expr: SyntaxNode | null | undefined, names: Set<string>): boolean {
  if (!expr) return false;
  if (expr.type === 'identifier') return names.has(expr.text);
  if (expr.type === 'unary_expression' && expr.childForFieldName('operator')?.text === '&') return holds(expr.childForFieldName('operand'), names);
  if (expr.type === 'call_expression' && WRAPPER_CONSTRUCTOR.test(expr.childForFieldName('function')?.text ?? '')) {
    return (expr.childForFieldName('arguments')?.namedChildren ?? []).some((a) => holds(a, names));
  }
  if (expr.type === 'composite_literal') {
    const body = expr.childForFieldName('body');
    for (const el of body?.namedChildren ?? []) {
      const value = el.type === 'keyed_element' ? el.namedChild(el.namedChildCount - 1) : el;
      if (holds(value?.type === 'literal_element' ? value.namedChild(0) : value, names)) return true;
    }
  }
  return false;
}

/**
 * cgo: `C.set_peer(ps, i, addr)` hands the released value to C together with a value declared before the loop that
 * the function reads after it (the C array the loop fills, then passes to one C call): C keeps the pointer there, so
 * it must live until the function returns. A C call given only per-iteration values (`C.ping(addr)`) keeps nothing.
 */
function handedToCWithOuter(call: SyntaxNode, names: Set<string>, loop: LoopFacts): boolean {
  if (!/^C\.\w+$/.test(call.childForFieldName('function')?.text ?? '')) return false;
  const args = call.childForFieldName('arguments')?.namedChildren ?? [];
  if (!args.some((a) => holds(unconverted(a), names))) return false;
  const fn = functionAround(loop.node);
  const after = fn ? fn.text.slice(loop.node.endIndex - fn.startIndex) : '';
  const declaredInLoop = new Set(loop.loopVariables);
  for (const d of bodyNodes(loop, new Set(['short_var_declaration', 'var_spec']))) {
    for (const n of (d.childForFieldName('left') ?? d.childForFieldName('name') ?? d).namedChildren) if (n.type === 'identifier') declaredInLoop.add(n.text);
  }
  return args.some((a) => {
    const base = a.type === 'unary_expression' ? a.childForFieldName('operand') : a;
    return base?.type === 'identifier' && !names.has(base.text) && !declaredInLoop.has(base.text) && new RegExp(`\\b${base.text}\\b`).test(after);
  });
}

/**
 * The released value is kept for after the loop: appended to or stored in something that outlives the iteration
 * (`listeners = append(listeners, l)`, `pipes[i] = w`, `*opt.file = f`, `conns <- c`), itself or through a wrapper made from it
 * (`p := ipv6.NewPacketConn(c)`, `tl := l.(*net.TCPListener)`). Holding it open until the function returns is the
 * point; closing it per iteration would break the code that uses it after the loop.
 */
function keptForAfter(defer: SyntaxNode, loop: LoopFacts, ctx: RuleContext): boolean {
  if (releasesOuterSlot(defer, loop)) return true;
  const released = releasedVariable(defer, loop);
  const names = new Set(released === undefined ? boundWithReleaser(defer, loop) : [released]);
  if (names.size === 0) return false;
  const nodes = bodyNodes(loop, HOLDERS).sort((a, b) => a.startIndex - b.startIndex);
  for (const n of nodes) {
    if (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement') continue;
    const right = n.childForFieldName('right')?.namedChild(0);
    const wraps =
      (right?.type === 'type_assertion_expression' && holds(right.childForFieldName('operand'), names)) ||
      (right?.type === 'call_expression' &&
        WRAPPER_CONSTRUCTOR.test(right.childForFieldName('function')?.text ?? '') &&
        (right.childForFieldName('arguments')?.namedChildren ?? []).some((a) => holds(a, names)));
    const left = n.childForFieldName('left')?.namedChild(0);
    if (wraps && left?.type === 'identifier') names.add(left.text);
  }
  if (handedToGoroutine(loop, derivedFrom(names, nodes), ctx)) return true;
  if (installedByOwnMethod(loop, names, nodes)) return true;
  for (const n of nodes) {
    if (n.type === 'send_statement' && holds(n.childForFieldName('value'), names)) return true;
    if (n.type === 'call_expression' && handedToCWithOuter(n, names, loop)) return true;
    if (n.type === 'call_expression' && recordHandedToOuter(n, names, loop)) return true;
    if (n.type === 'call_expression' && n.childForFieldName('function')?.text === 'append') {
      if ((n.childForFieldName('arguments')?.namedChildren ?? []).slice(1).some((a) => holds(a, names))) return true;
    }
    if (n.type === 'assignment_statement') {
      const left = n.childForFieldName('left')?.namedChild(0);
      const stored = left?.type === 'index_expression' || left?.type === 'selector_expression' || (left?.type === 'unary_expression' && left.childForFieldName('operator')?.text === '*');
      if (stored && holds(n.childForFieldName('right')?.namedChild(0), names)) return true;
    }
  }
  return false;
}

/** A method's receiver: its name and its type as written without the pointer (`r` and `Runner` of `(r *Runner)`). */
function receiverOf(method: SyntaxNode): { name: string; type: string } | undefined {
  const param = method.childForFieldName('receiver')?.namedChildren.find((c) => c.type === 'parameter_declaration');
  const name = param?.childForFieldName('name')?.text;
  const type = param?.childForFieldName('type')?.text.replace(/^\*\s*/, '');
  return name && type ? { name, type } : undefined;
}

/**
 * `cls, err := r.redir(ctx, rd)` in a method of the same receiver, where this file's `redir` stores what it returns in
 * a field of its receiver (`r.stdin = f; return f, nil`): the value is installed in the receiver's state (a
 * redirection the command run after the loop reads), so the iteration keeps it for after the loop, as a store into a
 * field in the loop body would. Closing it at the end of the round would pull it from under that state. Not in an
 * endless loop: a reconnect loop (`for { c, err := s.connect(); defer c.Close(); ... }`) replaces the field each round,
 * and the replaced values pile up.
 */
function installedByOwnMethod(loop: LoopFacts, names: Set<string>, nodes: SyntaxNode[]): boolean {
  if (loop.infinite) return false;
  const owner = functionAround(loop.node);
  const receiver = owner?.type === 'method_declaration' ? receiverOf(owner) : undefined;
  if (!owner || !receiver) return false;
  const root = rootOf(owner);
  for (const n of nodes) {
    if (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement') continue;
    const first = n.childForFieldName('left')?.namedChild(0);
    const call = n.childForFieldName('right')?.namedChild(0);
    const fn = call?.type === 'call_expression' ? call.childForFieldName('function') : undefined;
    if (first?.type !== 'identifier' || !names.has(first.text) || fn?.type !== 'selector_expression' || fn.childForFieldName('operand')?.text !== receiver.name) continue;
    const method = fn.childForFieldName('field')?.text;
    for (const decl of root.namedChildren) {
      if (decl.type !== 'method_declaration' || decl.childForFieldName('name')?.text !== method) continue;
      const own = receiverOf(decl);
      if (own?.type !== receiver.type) continue;
      const body = decl.childForFieldName('body');
      const returned = new Set(
        (body?.descendantsOfType(['return_statement']) ?? []).map((r) => r.namedChild(0)?.namedChild(0) ?? null).filter((e): e is SyntaxNode => e?.type === 'identifier').map((e) => e.text),
      );
      const stores = (body?.descendantsOfType(['assignment_statement']) ?? []).some((a) => {
        const lefts = a.childForFieldName('left')?.namedChildren ?? [];
        const rights = a.childForFieldName('right')?.namedChildren ?? [];
        return lefts.some((l, i) => l.type === 'selector_expression' && l.childForFieldName('operand')?.text === own.name && rights[i]?.type === 'identifier' && returned.has(rights[i]!.text));
      });
      if (stores) return true;
    }
  }
  return false;
}

/**
 * `op.Var(k, Upload{Name: name, Body: f})`: a record built around the released value is handed to a method of a value
 * declared before the loop that the function uses after it (the request the loop fills, then sends). The record is
 * the keeping, as a store into a slot would be; a bare `dst.Write(f)` or `io.Copy(dst, f)` reads it and keeps nothing.
 */
function recordHandedToOuter(call: SyntaxNode, names: Set<string>, loop: LoopFacts): boolean {
  const fn = call.childForFieldName('function');
  const receiver = fn?.type === 'selector_expression' ? fn.childForFieldName('operand') : undefined;
  if (receiver?.type !== 'identifier' || names.has(receiver.text) || loop.loopVariables.includes(receiver.text)) return false;
  const records = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => {
    const literal = a.type === 'unary_expression' ? a.childForFieldName('operand') : a;
    return literal?.type === 'composite_literal' && holds(literal, names);
  });
  if (records.length === 0) return false;
  const declaredInLoop = bodyNodes(loop, new Set(['short_var_declaration', 'var_spec'])).some((d) =>
    (d.childForFieldName('left') ?? d.childForFieldName('name') ?? d).namedChildren.some((c) => c.type === 'identifier' && c.text === receiver.text),
  );
  if (declaredInLoop) return false;
  const owner = functionAround(loop.node);
  const after = owner ? owner.text.slice(loop.node.endIndex - owner.startIndex) : '';
  return new RegExp(`\\b${receiver.text}\\b`).test(after);
}

/**
 * The names the iteration makes from the released value (`r := io.NewSectionReader(ra, 0, n)`, then `r, err =
 * decompress(r)`): every name assigned in the loop body, outside function literals, from an expression that mentions
 * one of them, and so on.
 */
function derivedFrom(names: Set<string>, nodes: SyntaxNode[]): Set<string> {
  const out = new Set(names);
  for (let grew = true, round = 0; grew && round < 4; round++) {
    grew = false;
    for (const n of nodes) {
      if (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement') continue;
      const right = n.childForFieldName('right');
      if (!right || !mentions(right, out)) continue;
      for (const l of n.childForFieldName('left')?.namedChildren ?? []) {
        if (l.type === 'identifier' && l.text !== '_' && !out.has(l.text)) {
          out.add(l.text);
          grew = true;
        }
      }
    }
  }
  return out;
}

function mentions(node: SyntaxNode, names: Set<string>): boolean {
  if (node.type === 'identifier') return names.has(node.text);
  return node.descendantsOfType('identifier').some((i) => names.has(i.text));
}

/**
 * The iteration hands the released value (or something made from it) to concurrent work: `go copyOut(r)`, `go func()
 * { ... r ... }()`, `eg.Go(func() error { ... r ... })` (a `task-spawn` call of rules/apis/go.yml). That work may
 * still read it after the iteration, until the function waits for it after the loop: closing it at the end of the
 * iteration would pull it from under the goroutine, so holding it until the function returns is the point. An
 * iteration that waits for its goroutines itself (`g.Wait()` in the body) keeps nothing past the round.
 */
function handedToGoroutine(loop: LoopFacts, names: Set<string>, ctx: RuleContext): boolean {
  // The iteration waits for its goroutines itself (`g.Wait()`, `wg.Wait()`: the `gather` kind): they are done with the
  // value by the end of the round, so the deferred release could run there.
  if (bodyNodes(loop, new Set(['call_expression'])).some((c) => ctx.kb.classify(loop.language, (c.childForFieldName('function')?.text ?? '').replace(/\s+/g, '')).kinds.includes('gather'))) return false;
  const literalUses = (fn: SyntaxNode | null | undefined) => fn?.type === 'func_literal' && mentions(fn.childForFieldName('body') ?? fn, names);
  for (const n of bodyNodes(loop, new Set(['go_statement', 'call_expression']))) {
    if (n.type === 'go_statement') {
      const call = n.namedChild(0);
      const fn = call?.childForFieldName('function');
      if (literalUses(fn) || (call?.childForFieldName('arguments')?.namedChildren ?? []).some((a) => mentions(a, names))) return true;
      continue;
    }
    const args = n.childForFieldName('arguments')?.namedChildren ?? [];
    if (!args.some((a) => literalUses(a))) continue;
    const callee = (n.childForFieldName('function')?.text ?? '').replace(/\s+/g, '');
    if (ctx.kb.classify(loop.language, callee).kinds.includes('task-spawn')) return true;
  }
  return false;
}

/**
 * `for _, c := range closers { defer c.Close() }`: the released value is the item of a collection that existed before
 * the loop (and is not reassigned in it), a field of it (`defer s.mu.Unlock()`), or the item under its concrete type
 * (`ts := s.(*testSink)`). Nothing is opened per iteration, so nothing piles up: deferring each release
 * to the function's return is the point (close them all after the handler runs, hold a set of locks together).
 */
function releasesCollectionItem(defer: SyntaxNode, loop: LoopFacts): boolean {
  if (!loop.node.namedChildren.some((c) => c.type === 'range_clause')) return false;
  const call = defer.namedChild(0);
  const fn = call?.childForFieldName('function');
  const firstArg = unconverted(call?.childForFieldName('arguments')?.namedChild(0));
  // The method's receiver (`c.Close()`), else the first argument of a package function (`C.free(opt.iov_base)`,
  // `syscall.Close(fd)`): a package name is neither a loop variable nor assigned in the loop.
  const candidates = fn?.type === 'selector_expression' ? [fn.childForFieldName('operand'), firstArg] : [firstArg];
  return candidates.some((c) => isCollectionItem(c, loop));
}

function isCollectionItem(expr: SyntaxNode | null | undefined, loop: LoopFacts): boolean {
  let operand = expr;
  // `ts.mu.Unlock()`: the item's own field.
  while (operand?.type === 'selector_expression') operand = operand.childForFieldName('operand');
  if (operand?.type !== 'identifier') return false;
  const name = operand.text;
  const assigned = loop.assignments.filter((a) => a.target === name);
  if (loop.loopVariables.includes(name)) return assigned.length === 0;
  // `ts := sink.(*testSink)`: the item itself, under its concrete type; `store := s`: a per-iteration copy of the
  // item (the pre-Go 1.22 idiom for a loop variable that a closure or defer keeps).
  const value = assigned.length === 1 ? assigned[0]!.valueText.replace(/\s+/g, '') : '';
  return loop.loopVariables.some((v) => value.startsWith(`${v}.(`) || value === v);
}

/**
 * `defer func() { if err == nil { return }; l.Close() }()` (or `if err != nil { ... }`): a cleanup that runs only
 * when the function fails, undoing what each iteration set up. It has to wait for the function's result.
 */
function cleanupOnFailure(defer: SyntaxNode): boolean {
  const fn = defer.namedChild(0)?.childForFieldName('function');
  if (fn?.type !== 'func_literal') return false;
  const block = fn.childForFieldName('body')?.namedChildren.find((c) => c.type !== 'comment');
  const first = block?.type === 'statement_list' ? block.namedChildren.find((c) => c.type !== 'comment') : block;
  if (first?.type !== 'if_statement') return false;
  const condition = first.childForFieldName('condition');
  return condition?.type === 'binary_expression' && /^(?:err|\w+Err)\s*[!=]=\s*nil$/.test(condition.text);
}

/** The call a statement makes as itself: `x.Release()`, `_ = f.Close()`, `err = t.Commit()`, `if err := f.Close(); err != nil {`. */
function statementCall(statement: SyntaxNode): SyntaxNode | undefined {
  let n: SyntaxNode | null | undefined = statement;
  if (n.type === 'if_statement') n = n.childForFieldName('initializer');
  if (n?.type === 'expression_statement') n = n.namedChild(0);
  else if (n?.type === 'assignment_statement' || n?.type === 'short_var_declaration') {
    const right = n.childForFieldName('right');
    n = right?.namedChildCount === 1 ? right.namedChild(0) : undefined;
  }
  return n?.type === 'call_expression' ? n : undefined;
}

/**
 * `it, err := s.Prefix(k); ...; defer it.Release(); ...; it.Release()`: the iteration makes the same call itself as a
 * statement of the loop body (not under an `if`), and no `continue` between the defer and that call goes round
 * without it. The defer is a guard for the early returns; on the way to the next iteration the value is already
 * released, so nothing is held past the round that opened it (the pending call at return finds it released).
 */
function releasedAtRoundEnd(defer: SyntaxNode, loop: LoopFacts): boolean {
  const call = defer.namedChild(0);
  if (call?.type !== 'call_expression' || call.childForFieldName('function')?.type === 'func_literal') return false;
  const key = call.text.replace(/\s+/g, '');
  return reachedBeforeNextRound(defer, loop, (s) => statementCall(s)?.text.replace(/\s+/g, '') === key);
}

/**
 * A statement of the loop body after the defer's own statement that `settles` accepts, with no `continue` of this loop
 * on the way to it (in the rest of the defer's own statement, as for a defer under `if x != nil {`, or in the
 * statements before it): every round that defers reaches it before going round.
 */
function reachedBeforeNextRound(defer: SyntaxNode, loop: LoopFacts, settles: (statement: SyntaxNode) => boolean): boolean {
  let top: SyntaxNode = defer;
  while (top.parent && top.parent.id !== loop.body.id) top = top.parent;
  if (top.parent?.id !== loop.body.id) return false;
  for (let n: SyntaxNode = defer; n.id !== top.id; n = n.parent!) {
    for (let s = n.nextNamedSibling; s; s = s.nextNamedSibling) if (continuesLoop(s)) return false;
  }
  for (let s = top.nextNamedSibling; s; s = s.nextNamedSibling) {
    if (settles(s)) return true;
    if (continuesLoop(s)) return false;
  }
  return false;
}

/**
 * `rows, err := db.QueryContext(ctx, q, id); ...; defer rows.Close(); for rows.Next() { ... }`: rows of a query
 * (`Query`, `QueryContext`, sqlx's `Queryx`..., bound by the call or handed to it to fill, as ent's `tx.Query(ctx, q,
 * args, rows)`) that the iteration reads to the end before it goes round. When Next reports the end, database/sql
 * (sqlx, pgx) has closed the rows itself, so the pending Close holds nothing. The drain loop is a statement of the
 * loop body after the defer with no `continue` of this loop before it, and it is left only by its end or by a
 * `return` (which runs the defers anyway): no `break`, labelled `continue` or `goto` in it.
 */
function drainedAtRoundEnd(defer: SyntaxNode, loop: LoopFacts): boolean {
  const fn = defer.namedChild(0)?.childForFieldName('function');
  const rows = fn?.type === 'selector_expression' && fn.childForFieldName('field')?.text === 'Close' ? fn.childForFieldName('operand') : undefined;
  if (rows?.type !== 'identifier') return false;
  const name = rows.text;
  const fromQuery = loop.calls.some((c) => {
    if (!GO_ROWS.test(c.method) || c.node.startIndex > defer.startIndex) return false;
    const args = c.node.childForFieldName('arguments')?.namedChildren ?? [];
    const last = args[args.length - 1];
    if (last?.type === 'identifier' && last.text === name) return true;
    const binding = c.node.parent?.parent;
    const left = binding?.type === 'short_var_declaration' || binding?.type === 'assignment_statement' ? binding.childForFieldName('left')?.namedChild(0) : undefined;
    return left?.type === 'identifier' && left.text === name;
  });
  return fromQuery && reachedBeforeNextRound(defer, loop, (s) => drains(s, name));
}

/** `for rows.Next() { ... }` (or `for i := 0; rows.Next(); i++`) left only at its end or by a `return`. */
function drains(statement: SyntaxNode, name: string): boolean {
  if (statement.type !== 'for_statement') return false;
  const clause = statement.namedChildren.find((c) => c.type === 'for_clause');
  const condition = clause ? clause.childForFieldName('condition') : statement.namedChildren.find((c) => c.type === 'call_expression');
  if (condition?.text.replace(/\s+/g, '') !== `${name}.Next()`) return false;
  const body = statement.childForFieldName('body');
  if (!body) return false;
  return !body.descendantsOfType(['break_statement', 'continue_statement', 'goto_statement']).some((n) => {
    for (let p = n.parent; p && p.id !== body.id; p = p.parent) if (FUNCTIONS.has(p.type)) return false;
    if (n.type === 'goto_statement' || n.namedChildCount > 0) return true;
    if (n.type === 'continue_statement') return false;
    // An unlabelled `break` of an inner loop, select or switch stays in the drain loop.
    for (let p = n.parent; p && p.id !== body.id; p = p.parent) if (BREAK_TARGETS.has(p.type)) return false;
    return true;
  });
}

const BREAK_TARGETS = new Set(['for_statement', 'select_statement', 'expression_switch_statement', 'type_switch_statement']);

/**
 * The values Go assigns to `name` in `scope` before byte `before` (`x := v`, `x = v`, `var x = v`), in source order;
 * not inside function literals. (The file model's assignment index covers the other languages' assignment nodes.)
 */
function goAssignments(scope: SyntaxNode, name: string, before = Infinity): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const n of scope.descendantsOfType(['short_var_declaration', 'assignment_statement', 'var_spec'])) {
    if (n.startIndex >= before) break;
    const owner = functionAround(n);
    if (owner && owner.id !== scope.id) continue;
    const left = n.childForFieldName('left') ?? n.childForFieldName('name');
    const right = n.childForFieldName('right') ?? n.childForFieldName('value');
    if (left?.text === name && right) out.push(right);
  }
  return out;
}

function lastGoAssignment(scope: SyntaxNode, name: string, before: number): SyntaxNode | undefined {
  const all = goAssignments(scope, name, before);
  return all[all.length - 1];
}

/** `"/"`, `string(filepath.Separator)`, `string(os.PathSeparator)`: the separator of a file path's components. */
function isPathSeparator(expr: SyntaxNode | null | undefined, scope: SyntaxNode, model: FileModel, depth = 0): boolean {
  if (expr?.type === 'expression_list' && expr.namedChildCount === 1) expr = expr.namedChild(0);
  if (!expr) return false;
  const text = expr.text.replace(/\s+/g, '');
  if (/^(?:"\/"|`\/`|"\\\\"|string\((?:filepath|os)\.(?:Path)?Separator\))$/.test(text)) return true;
  if (expr.type !== 'identifier' || depth > 0) return false;
  return isPathSeparator(lastGoAssignment(scope, expr.text, expr.startIndex), scope, model, depth + 1);
}

/**
 * `strings.Split(p, "/")`, `strings.Split(p, string(filepath.Separator))`, or a call of a function of this file whose
 * returned value is such a split (`splitpath(filepath.Dir(p))`): the components of one file path.
 */
function splitsPath(value: SyntaxNode | null | undefined, scope: SyntaxNode, model: FileModel, depth = 0): boolean {
  if (value?.type === 'expression_list' && value.namedChildCount === 1) value = value.namedChild(0);
  if (value?.type !== 'call_expression') return false;
  const fn = value.childForFieldName('function')?.text ?? '';
  const args = value.childForFieldName('arguments')?.namedChildren ?? [];
  if (/^strings\.Split(?:After)?N?$/.test(fn)) return isPathSeparator(args[1], scope, model);
  if (depth > 0 || !/^\w+$/.test(fn)) return false;
  const helper = model.functions.find((f) => f.name === fn && f.node.type === 'function_declaration');
  const body = helper?.node.childForFieldName('body');
  if (!helper || !body) return false;
  const returns: SyntaxNode[] = [];
  const stack: SyntaxNode[] = [body];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'return_statement') returns.push(n);
    else if (!FUNCTIONS.has(n.type)) for (const c of n.namedChildren) stack.push(c);
  }
  return (
    returns.length > 0 &&
    returns.every((r) => {
      let e = r.namedChild(0);
      if (e?.type === 'expression_list') e = e.namedChild(0);
      if (e?.type === 'call_expression') return splitsPath(e, helper.node, model, depth + 1);
      if (e?.type !== 'identifier') return false;
      // `parts := strings.Split(p, sep)`, then at most `parts = append([]string{sep}, parts...)`: still the path's parts.
      const values = goAssignments(helper.node, e.text);
      const own = new RegExp(`\\b${e.text}\\b`);
      return values.length > 0 && splitsPath(values[0], helper.node, model, depth + 1) && values.slice(1).every((v) => {
          const call = v.type === 'expression_list' && v.namedChildCount === 1 ? v.namedChild(0)! : v;
          return call.type === 'call_expression' && call.childForFieldName('function')?.text === 'append' && own.test(call.childForFieldName('arguments')?.text ?? '');
        });
    })
  );
}

/**
 * `for _, c := range strings.Split(p, "/")`, `for i := start; i <= len(parts); i++` over `parts :=
 * splitpath(filepath.Dir(p))`: the loop walks the components of one file path (the split's own variable, assigned
 * once before the loop), so it goes round as many times as the path is deep. The deferred calls it piles up (a read
 * lock per mount crossed, a descriptor per directory opened on the way down, a mode restored per parent) are a
 * handful, and holding them together until the function returns is usually the walk's point.
 */
function walksPathComponents(loop: LoopFacts, model: FileModel): boolean {
  const scope = scopeOf(loop.node);
  const range = loop.node.namedChildren.find((c) => c.type === 'range_clause');
  let collection: SyntaxNode | null | undefined = range?.childForFieldName('right');
  if (!range) {
    const condition = loop.node.namedChildren.find((c) => c.type === 'for_clause')?.childForFieldName('condition');
    const len = condition?.type === 'binary_expression' ? condition.childForFieldName('right') : undefined;
    if (len?.type !== 'call_expression' || len.childForFieldName('function')?.text !== 'len') return false;
    collection = len.childForFieldName('arguments')?.namedChild(0);
  }
  if (!collection) return false;
  if (collection.type === 'call_expression') return splitsPath(collection, scope, model);
  if (collection.type !== 'identifier' || loop.assignments.some((a) => a.target === collection!.text)) return false;
  return splitsPath(lastGoAssignment(scope, collection.text, loop.node.startIndex), scope, model);
}

/** The last statement of a select case, not counting comments: it leaves the loop (a `break` there must name the loop). */
function caseLeaves(statements: SyntaxNode[], loopLabel: string | undefined): boolean {
  const last = statements[statements.length - 1];
  if (!last || statements.some((st) => continuesLoop(st))) return false;
  // An unlabelled `break` anywhere in the case ends the select, not the loop, and goes round.
  if (statements.some((st) => (st.type === 'break_statement' ? [st] : st.descendantsOfType('break_statement')).some((b) => b.namedChildCount === 0))) return false;
  if (last.type === 'break_statement') return loopLabel !== undefined && last.namedChild(0)?.text === loopLabel;
  return leaves(last, loopLabel);
}

/**
 * `t := time.NewTimer(d); defer t.Stop(); select { case <-t.C: ...; case <-stop: return }`: after the defer, the
 * iteration waits in a select whose every case but the receive from `t.C` leaves the loop, so the loop goes round
 * only once the timer has fired. Each pending `Stop` is of a spent timer: nothing is held until the function
 * returns. A case that goes round before the timer fired (a `continue`, a `break` of the select) still counts, and
 * so does a ticker, which stays live after it fired.
 */
function goesRoundOnlyAfterFiring(defer: SyntaxNode, loop: LoopFacts): boolean {
  const callee = deferredCallee(defer);
  const timer = /^(\w+)\.Stop$/.exec(callee)?.[1];
  const made = loop.assignments.filter((a) => a.target === timer);
  // A ticker (`time.NewTicker`, `clock.Ticker()`) that fired is still live: it fires again until stopped.
  if (timer === undefined || made.length === 0 || made.some((a) => /Tick/.test(/^[^(]*/.exec(a.valueText)![0]))) return false;
  const labelled = loopLabel(loop.node);
  let top: SyntaxNode = defer;
  while (top.parent && top.parent.id !== loop.body.id && top.parent.type !== 'statement_list') top = top.parent;
  if (top.parent?.id !== loop.body.id && top.parent?.parent?.id !== loop.body.id) return false;
  const fired = new RegExp(`^(?:[\\w\\s,]*:?=\\s*)?<-\\s*${timer}\\.C$`);
  for (let s = top.nextNamedSibling; s; s = s.nextNamedSibling) {
    if (s.type === 'select_statement') {
      const cases = s.namedChildren.filter((c) => c.type === 'communication_case' || c.type === 'default_case');
      const onTimer = (c: SyntaxNode) => c.type === 'communication_case' && fired.test(c.childForFieldName('communication')?.text.replace(/\s+/g, ' ').trim() ?? '');
      const statements = (c: SyntaxNode) =>
        c.namedChildren
          .filter((x) => x.id !== c.childForFieldName('communication')?.id)
          .flatMap((x) => (x.type === 'statement_list' ? x.namedChildren : [x]))
          .filter((x) => x.type !== 'comment');
      return cases.some(onTimer) && cases.every((c) => onTimer(c) || caseLeaves(statements(c), labelled));
    }
    if (continuesLoop(s) || s.descendantsOfType('break_statement').length > 0) return false;
  }
  return false;
}

/**
 * `mu.Lock(); defer mu.Unlock()` on a lock the loop does not reassign: a deferred release that blocks when held
 * (an Unlock, a wg.Done) of the same value every round deadlocks or stalls the second round however short the loop.
 */
function sameLockEachRound(defer: SyntaxNode, loop: LoopFacts, ctx: RuleContext): boolean {
  const callee = deferredCallee(defer);
  if (!releases(callee, ctx, 'blocks_when_held')) return false;
  const root = /^(\w+)\./.exec(callee)?.[1];
  return root === undefined || (!loop.assignments.some((a) => a.target === root) && !loop.loopVariables.includes(root));
}

/** A function's parameters: each name with its type as written without the pointer (`c` and `cli.Context`). */
function parametersOf(fn: SyntaxNode): Array<{ name: string; type: string }> {
  const out: Array<{ name: string; type: string }> = [];
  for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    const type = p.childForFieldName('type')?.text.replace(/^\*\s*/, '') ?? '';
    for (const n of p.childrenForFieldName('name')) out.push({ name: n.text, type });
  }
  return out;
}

/**
 * `for _, arg := range flag.Args()` (`os.Args[1:]`, `c.Args()` of an urfave/cli Action's `c *cli.Context`, the `args`
 * of a cobra `Run: func(cmd *cobra.Command, args []string)`: the `command_line` values and types of rules/apis/go.yml),
 * not inside another loop: it goes round once per argument the person typed, in a command that ends with the process,
 * like a finite loop of `main` (endsWithTheProgram). What it defers piles up only as far as that command line goes.
 */
function overCommandLine(loop: LoopFacts, ctx: RuleContext): boolean {
  if (loop.parent || loop.infinite) return false;
  let e = loop.node.namedChildren.find((c) => c.type === 'range_clause')?.childForFieldName('right') ?? null;
  const bare = (call: SyntaxNode) => call.type === 'call_expression' && (call.childForFieldName('arguments')?.namedChildCount ?? 0) === 0;
  // `os.Args[1:]` → `os.Args`; `c.Args().Slice()` → `c.Args`; `flag.Args()` → `flag.Args`.
  for (let i = 0; e && i < 6; i++) {
    if (e.type === 'slice_expression' || e.type === 'parenthesized_expression') e = e.childForFieldName('operand') ?? e.namedChild(0);
    else if (bare(e)) e = e.childForFieldName('function');
    else if (e.type === 'selector_expression' && bare(e.childForFieldName('operand')!)) e = e.childForFieldName('operand');
    else break;
  }
  if (!e) return false;
  const isCommandLine = (text: string) => ctx.kb.builds?.('go', text.replace(/\s+/g, ''), 'command_line') === true;
  if (e.type === 'selector_expression' && isCommandLine(e.text)) return true;
  const fn = functionAround(loop.node);
  if (!fn) return false;
  const params = parametersOf(fn);
  const handle = (name: string | undefined) => params.some((p) => p.name === name && isCommandLine(p.type));
  if (e.type === 'selector_expression' && e.childForFieldName('field')?.text === 'Args') return handle(e.childForFieldName('operand')?.text);
  if (e.type === 'identifier') return params.some((p) => p.name === e!.text && p.type.replace(/\s+/g, '') === '[]string') && params.some((p) => isCommandLine(p.type));
  return false;
}

export function detectDeferInLoop(loop: LoopFacts, ctx: RuleContext): Detection[] | null {
  // A finite loop of `func main()`: what it defers runs when the program returns, when the process ends and every file
  // and connection closes anyway (a command's `-f` files, each kept open for the request sent after the loop).
  if (endsWithTheProgram(loop, ctx.file)) return null;
  if (loop.language !== 'go' || loop.node.type !== 'for_statement') return null;
  // Asked only for a defer that passes every other test (most Go loops have none).
  let pathWalk: boolean | undefined;
  const walksPath = () => (pathWalk ??= walksPathComponents(loop, ctx.model));
  let commandLine: boolean | undefined;
  const typedArguments = () => (commandLine ??= overCommandLine(loop, ctx));
  const defers = ownDefers(loop).filter(
    (d) => reportedHere(d, ctx) && (!typedArguments() || sameLockEachRound(d, loop, ctx)) && !returnsRightAfter(d) && pilesUp(d, loop, ctx) && !leavesAfterDefer(d, loop) && !keptForAfter(d, loop, ctx) && !releasesCollectionItem(d, loop) && !cleanupOnFailure(d) && !releasedAtRoundEnd(d, loop) && !drainedAtRoundEnd(d, loop) && !freesCString(d, loop, ctx) && !goesRoundOnlyAfterFiring(d, loop) && !((walksPath() || tinyLiteralIterable(loop)) && !sameLockEachRound(d, loop, ctx)),
  );
  if (defers.length === 0) return null;
  const fn = loop.functionName ?? 'the function';
  const fix = closureFix(loop, ctx.file.source);
  return defers.map((d, i) => {
    const callee = deferredCallee(d);
    return {
      loop,
      line: d.startPosition.row + 1,
      variant: releases(callee, ctx) ? 'release' : 'default',
      data: { call: callee, function: fn },
      confidence: 'high',
      cost: pendingCost(loop, ctx),
      ...(i === 0
        ? {
            fix:
              fix ??
              blockFix(helperSketch(loop, callee), { startLine: loop.startLine, endLine: loop.endLine }, { description: 'move the body into a helper function', safety: 'unsafe', language: 'go' }),
          }
        : {}),
    };
  });
}
