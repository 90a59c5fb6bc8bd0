// Whether the loop is left once a statement of its body has succeeded, for every grammar: the one answer to "does
// the success path leave the loop" that connection-in-loop (a connection made once, by a loop that retries a failed
// connect), retry-without-backoff (a retry loop: success leaves, failure goes round) and its Go/Java half (Go's
// `if err == nil { return }` success branch) ask.
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { SCOPE_FUNCTION_TYPES } from '../../model.js';

/** How the loop is left after a statement succeeds (see successExits). */
export interface SuccessExit {
  /** The `break` or `return` that leaves. */
  node: SyntaxNode;
  /**
   * `follows`: it comes after the statement, in its block or a block around it; `else`: in the `else` of the try
   * around it (Python: runs when the try body did not raise); `err-nil`: in the branch of Go's
   * `v, err := f(); if err == nil { ... }` (or `if v, err := f(); err == nil {`), taken when the call worked.
   */
  via: 'follows' | 'else' | 'err-nil';
  /** Taken on every success (true), or only under a further condition (`if r.ok: return r`, a `break` in an `if`). */
  always: boolean;
}

export interface ExitOptions {
  /** A `raise`/`throw` after the statement leaves too (the loop never goes on to its next iteration). */
  raises?: boolean;
}

/** Statement sequences of every grammar: a statement's next siblings in one of these run after it. */
const SEQUENCES: ReadonlySet<string> = new Set([
  'block', // Python, Go, Java
  'statement_block', // JavaScript, TypeScript
  'statement_list', // Go (inside `block` and case clauses)
  'switch_case', // JavaScript (`case x: a(); break;`)
  'switch_default',
  'expression_case', // Go
  'type_case',
  'communication_case',
  'default_case',
  'switch_block_statement_group', // Java
]);

/** Loop statements of every grammar: a `break` inside one leaves that loop, not this one. */
const LOOPS: ReadonlySet<string> = new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement', 'enhanced_for_statement']);

/** Statements an unlabelled `break` leaves instead of the loop around them (JS/Java `switch`, Go `switch`/`select`). */
const BREAK_TARGETS: ReadonlySet<string> = new Set(['switch_statement', 'switch_expression', 'expression_switch_statement', 'type_switch_statement', 'select_statement']);

const HANDLERS: ReadonlySet<string> = new Set(['except_clause', 'except_group_clause', 'catch_clause']);

/** A failed Go call's branch: `if err != nil {` (and the `else` of `if err == nil {`). */
const ERR_NOT_NIL = /\berr\w*\s*!=\s*nil\b/;
const ERR_NIL = /\berr\w*\s*==\s*nil\b/;

/**
 * Every way the loop is left after `node` (a call or statement of the loop's own body) has run without failing: the
 * `return` it is the value of, a `break`/`return` after it (in its block, in a block around it up to the loop body, or in the `else` of a try
 * around it), and Go's `err == nil` branch after the call that ends in one; with `raises`, a `raise`/`throw` too
 * (the iteration never goes on). Nothing when `node` sits in a nested function (it runs later). Not counted: a
 * `break` that leaves a `switch`/`select` or a nested loop rather than the loop, anything in nested functions, and
 * leaves on a failure path (in an except/catch handler, in Go's `if err != nil` branch).
 */
export function successExits(node: SyntaxNode, loop: LoopFacts, options: ExitOptions = {}): SuccessExit[] {
  const raises = options.raises ?? false;
  const out: SuccessExit[] = [];
  let child = node;
  // Python: a statement after `node` may `continue` (at any level), so a later one that always leaves may not run.
  let mayContinue = false;
  // Up to the loop body, whose own statements after `child` count too.
  for (let up = node.parent; up && child.id !== loop.body.id; child = up, up = up.parent) {
    if (up.id === loop.node.id) break;
    if (up.id !== loop.body.id && SCOPE_FUNCTION_TYPES.has(up.type)) return [];
    // `return fn()`, `return await client.connect()`: its value is what leaves the loop.
    if (up.type === 'return_statement') out.push({ node: up, via: 'follows', always: true });
    // Python: `with closing(connect(path)) as conn: ... return rows`: once the items are entered, the body runs, as the
    // statements after a statement do.
    const withBody = up.type === 'with_statement' && child.type === 'with_clause' ? up.childForFieldName('body') : null;
    if (SEQUENCES.has(up.type) || withBody) {
      // Once `child` has run, every statement after it in the sequence runs (until a `continue` of its own).
      const inSwitch = breakStaysInside(up, loop);
      for (let next = withBody ? withBody.firstNamedChild : child.nextNamedSibling; next; next = next.nextNamedSibling) {
        if (next.type === 'continue_statement') {
          // `continue outer;` names a loop around this one: it leaves this loop as surely as a `break`.
          if (continuesOuter(next, loop)) out.push({ node: next, via: 'follows', always: true });
          break;
        }
        // Python: a statement every path of which leaves (`if t is bool: return b` / `else: raise ...`, a `try`
        // whose body returns and whose handlers re-raise) leaves as surely as a bare `return`, unless a statement
        // before it may `continue` instead.
        if (loop.language === 'python' && !mayContinue && pyAlwaysLeaves(next, inSwitch, raises)) {
          out.push({ node: next, via: 'follows', always: true });
          break;
        }
        out.push(...leavesIn(next, 'follows', inSwitch, raises, loop));
        if (loop.language === 'python') mayContinue ||= continuesIn(next);
        if (loop.language === 'go') out.push(...errNilBranch(child, next, inSwitch));
      }
      for (let next = withBody ? withBody.firstNamedChild : child.nextNamedSibling; next && !mayContinue; next = next.nextNamedSibling) if (next.type === 'continue_statement') mayContinue = true;
    } else if (up.type === 'try_statement' && up.childForFieldName('body')?.id === child.id) {
      const elseClause = up.namedChildren.find((c) => c.type === 'else_clause');
      const inSwitch = breakStaysInside(up, loop);
      const block = elseClause?.childForFieldName('body') ?? elseClause?.namedChildren.find((c) => c.type === 'block');
      for (const s of block?.namedChildren ?? []) out.push(...leavesIn(s, 'else', inSwitch, raises, loop));
    } else if (up.type === 'if_statement' && loop.language === 'go' && up.childForFieldName('initializer')?.id === child.id) {
      // `if conn, err := net.Dial(...); err == nil { return }`: the initializer always runs, the branch on success.
      out.push(...errNilBranch(child, up, breakStaysInside(up, loop)));
    }
  }
  return out;
}

/** Whether the loop is left after `node` succeeds: on every success (`always`, the default), or on some. */
export function leavesOnSuccess(node: SyntaxNode, loop: LoopFacts, options: ExitOptions & { always?: boolean } = {}): boolean {
  const always = options.always ?? true;
  return successExits(node, loop, options).some((e) => e.always || !always);
}

/** `root` (a block or statement in the loop's body) holds a `break`/`return` that leaves the loop, off the failure path. */
export function containsLeave(root: SyntaxNode, loop: LoopFacts): boolean {
  return leavesIn(root, 'follows', breakStaysInside(root, loop), false, loop).length > 0;
}

/** A `switch`/`select` or a nested loop from `node` up to the loop body: an unlabelled `break` there leaves that. */
function breakStaysInside(node: SyntaxNode, loop: LoopFacts): boolean {
  for (let n: SyntaxNode | null = node; n && n.id !== loop.body.id && n.id !== loop.node.id; n = n.parent) {
    if (BREAK_TARGETS.has(n.type) || LOOPS.has(n.type)) return true;
  }
  return false;
}

/** The leaves in `statement` (itself, or nested in its branches): unconditional only when it is the leave itself. */
function leavesIn(statement: SyntaxNode, via: SuccessExit['via'], inSwitch: boolean, raises: boolean, loop?: LoopFacts): SuccessExit[] {
  if (isLeave(statement, inSwitch, raises) || (loop && continuesOuter(statement, loop))) return [{ node: statement, via, always: true }];
  const out: SuccessExit[] = [];
  if (isOpaque(statement)) return out;
  const visit = (n: SyntaxNode, switched: boolean): void => {
    if (isOpaque(n)) return;
    if (isLeave(n, switched, raises) || (loop && continuesOuter(n, loop))) {
      if (!onFailurePath(n, statement)) out.push({ node: n, via, always: false });
      return;
    }
    const inner = switched || BREAK_TARGETS.has(n.type);
    for (const c of n.namedChildren) visit(c, inner);
  };
  for (const c of statement.namedChildren) visit(c, inSwitch || BREAK_TARGETS.has(statement.type));
  return out;
}

/**
 * Python: every path through `statement` leaves the loop: it is a leave itself; a block one of whose statements does,
 * with no `continue` before it; an `if` with an `else` whose branches all do; a `try` whose body (or `else`) does and
 * whose handlers all do (or whose `finally` does); a `with` whose body does. Nested loops and functions never do
 * (their leaves are their own).
 */
function pyAlwaysLeaves(statement: SyntaxNode, inSwitch: boolean, raises: boolean): boolean {
  if (isLeave(statement, inSwitch, raises)) return true;
  const block = (n: SyntaxNode | null | undefined): boolean => {
    if (!n) return false;
    if (n.type !== 'block') return pyAlwaysLeaves(n, inSwitch, raises);
    for (const s of n.namedChildren) {
      if (continuesIn(s)) return false;
      if (pyAlwaysLeaves(s, inSwitch, raises)) return true;
    }
    return false;
  };
  switch (statement.type) {
    case 'block':
      return block(statement);
    case 'if_statement': {
      const alternatives = statement.childrenForFieldName('alternative');
      if (alternatives.length === 0 || alternatives[alternatives.length - 1]!.type !== 'else_clause') return false;
      if (!block(statement.childForFieldName('consequence'))) return false;
      return alternatives.every((a) => block(a.childForFieldName(a.type === 'elif_clause' ? 'consequence' : 'body')));
    }
    case 'try_statement': {
      const finallyClause = statement.namedChildren.find((c) => c.type === 'finally_clause');
      if (finallyClause && block(finallyClause.namedChildren.find((c) => c.type === 'block'))) return true;
      const elseClause = statement.namedChildren.find((c) => c.type === 'else_clause');
      if (!block(statement.childForFieldName('body')) && !block(elseClause?.childForFieldName('body'))) return false;
      return statement.namedChildren
        .filter((c) => HANDLERS.has(c.type))
        .every((h) => block(h.namedChildren.find((c) => c.type === 'block')));
    }
    case 'with_statement':
      return block(statement.childForFieldName('body'));
    default:
      return false;
  }
}

/** A `continue` of the loop in `n` (not in a nested loop or function). */
function continuesIn(n: SyntaxNode): boolean {
  if (n.type === 'continue_statement') return true;
  if (LOOPS.has(n.type) || SCOPE_FUNCTION_TYPES.has(n.type)) return false;
  return n.namedChildren.some(continuesIn);
}

/** Nested loops and functions (their leaves are their own) and error handlers (not the success path). */
function isOpaque(n: SyntaxNode): boolean {
  return LOOPS.has(n.type) || SCOPE_FUNCTION_TYPES.has(n.type) || HANDLERS.has(n.type);
}

/** A `return` (a `raise`/`throw` with `raises`), or a `break` that leaves the loop (labelled, or not inside a `switch`/`select`/loop). */
function isLeave(n: SyntaxNode, inSwitch: boolean, raises = false): boolean {
  if (n.type === 'return_statement' || (raises && (n.type === 'raise_statement' || n.type === 'throw_statement'))) return true;
  return n.type === 'break_statement' && (!inSwitch || n.namedChildCount > 0);
}

/**
 * `continue outer;` (Java, JavaScript, Go) whose label names a loop around `loop`, not `loop` itself: the rest of
 * `loop` is skipped and it is never stepped again in this run, so it leaves `loop` like a labelled `break`.
 */
export function continuesOuter(n: SyntaxNode, loop: LoopFacts): boolean {
  if (n.type !== 'continue_statement' || n.namedChildCount === 0) return false;
  const label = n.namedChild(0)!.text;
  for (let up = loop.node.parent; up; up = up.parent) {
    if (SCOPE_FUNCTION_TYPES.has(up.type)) return false;
    if (up.type === 'labeled_statement' && up.namedChild(0)?.text === label) return up.id !== loop.node.parent?.id;
  }
  return false;
}

/** Go: `leave` sits in an `if err != nil` branch (or the `else` of `if err == nil`) below `top`. */
function onFailurePath(leave: SyntaxNode, top: SyntaxNode): boolean {
  let child = leave;
  for (let up = leave.parent; up && child.id !== top.id; child = up, up = up.parent) {
    if (up.type !== 'if_statement') continue;
    const condition = up.childForFieldName('condition')?.text ?? '';
    if (up.childForFieldName('consequence')?.id === child.id && ERR_NOT_NIL.test(condition)) return true;
    if (up.childForFieldName('alternative')?.id === child.id && ERR_NIL.test(condition)) return true;
  }
  return false;
}

/**
 * Go: `statement` assigns the call's error (`conn, err := net.Dial(...)`, `err = db.Ping()`: the last name) and `branch` is an
 * `if err == nil {` or a test against one sentinel error (`if err != ErrConflict {`, `!errors.Is(err, ErrConflict)`),
 * alone or with `&&` conditions, whose block leaves the loop: on every success when the block
 * ends with the leave and the condition is the error test alone.
 */
function errNilBranch(statement: SyntaxNode, branch: SyntaxNode, inSwitch: boolean): SuccessExit[] {
  if (branch.type !== 'if_statement') return [];
  if (statement.type !== 'short_var_declaration' && statement.type !== 'assignment_statement') return [];
  const names = statement.childForFieldName('left')?.namedChildren.map((n) => n.text) ?? [];
  const err = names[names.length - 1];
  if (!err || !/^err\w*$/.test(err)) return [];
  const conjuncts = (branch.childForFieldName('condition')?.text ?? '').replace(/\s+/g, '').split('&&');
  // `err == nil`, or a test against one sentinel (`err != ErrConflict`, `!errors.Is(err, ErrConflict)`): taken on
  // success too, so only that one error goes round again.
  const sentinel = (c: string) => (c.startsWith(`${err}!=`) && c !== `${err}!=nil` && /^[\w.]+$/.test(c.slice(err.length + 2))) || (c.startsWith(`!errors.Is(${err},`) && c.endsWith(')'));
  // `if err != nil { ... } else { return conn }`: the `else` is the success branch.
  const elseOfFailure = conjuncts.length === 1 && conjuncts[0] === `${err}!=nil`;
  if (!elseOfFailure && !conjuncts.includes(`${err}==nil`) && !conjuncts.some(sentinel)) return [];
  const alternative = branch.childForFieldName('alternative');
  if (elseOfFailure && alternative?.type !== 'block') return [];
  const consequence = elseOfFailure ? alternative : branch.childForFieldName('consequence');
  if (!consequence) return [];
  const statements = (consequence.namedChildren.find((n) => n.type === 'statement_list') ?? consequence).namedChildren.filter((n) => n.type !== 'comment');
  const last = statements[statements.length - 1];
  if (last && isLeave(last, inSwitch)) return [{ node: last, via: 'err-nil', always: conjuncts.length === 1 }];
  return leavesIn(consequence, 'err-nil', inSwitch, false).map((e) => ({ ...e, via: 'err-nil' as const }));
}

/**
 * The loop's own condition waits on what the call returned: `for (int updates = 0; updates == 0;) { ... updates =
 * executeUpdate(casUpdate); }`, `while not claimed: claimed = try_claim(row)`. The loop repeats the call until it
 * succeeds (a compare-and-swap or claim retried after losing a race), so it is one write retried, not one per row.
 */
export function conditionWaitsOn(assignedTo: string | undefined, loop: LoopFacts): boolean {
  if (!assignedTo || !/^[A-Za-z_$][\w$]*$/.test(assignedTo)) return false;
  const condition = loop.node.childForFieldName('condition');
  return condition !== null && new RegExp(`(^|[^\\w$.])${assignedTo.replace(/\$/g, '\\$')}(?![\\w$])`).test(condition.text);
}
