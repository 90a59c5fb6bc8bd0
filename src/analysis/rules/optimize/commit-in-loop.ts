import type { FileModel } from '../../model.js';
// A commit per item: each one is a round trip plus a durable log flush on the server. Fires on loops over items that
// commit unconditionally on every iteration. Quiet for worker loops (one commit per unit of work is the point),
// chunked commits (`if i % 1000 == 0`), commits in error handlers, loops that also call the network per item
// (committing each item's outcome keeps the external side effect and the record in step), and loops paced by a sleep
// on every iteration.
import { formatCount } from '../../../cost/assumptions.js';
import { commitsCost, formatNumber, fromConfig } from '../../../cost/index.js';
import type { CallFact, LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detector, RuleContext } from '../../rule-types.js';
import {
  ITERATING_KINDS,
  batchSize,
  gradedItems,
  blockFix,
  bodyStatements,
  callNode,
  enclosingConditions,
  hasKind,
  hoistPoint,
  indentOf,
  inErrorHandler,
  insideGather,
  iteratesChunks,
  leavesOnSuccess,
  isPython,
  loopStatement,
  notPerRow,
  ownCalls,
  ownsItsLines,
  provedReplace,
  reindent,
  say,
  calleeLabel,
  short,
  startWithComments,
  statementOf,
  constantString,
  successExits,
} from '../lib/index.js';
import { braceCommitSketch } from './brace-fixes.js';
import { sourceLines } from '../../../fixes/lines.js';

function isTransactionSql(call: CallFact, keyword: RegExp, model: FileModel): boolean {
  const sql = call.sql ?? constantString(callNode(call).childForFieldName('arguments')?.namedChildren[0], model);
  return sql !== undefined && keyword.test(sql.trim());
}

export function perItemCommits(loop: LoopFacts, kb?: RuleContext['kb']): CallFact[] {
  return ownCalls(loop).filter(
    (c) =>
      hasKind(c, 'db-commit') &&
      !hasKind(c, 'queue-ack') &&
      !/consumer|kafka|offset/i.test(c.callee) &&
      !inErrorHandler(c.node, loop) &&
      enclosingConditions(c.node, loop).length === 0 &&
      // `for tx in open_transactions: tx.commit()`, `for rec in engines.values(): rec["transaction"].commit()`: each
      // item is (or holds) its own transaction, committed once.
      !(c.receiver !== undefined && loop.loopVariables.includes(/^[A-Za-z_$][\w$]*/.exec(c.receiver)?.[0] ?? '')) &&
      !commitsItemsConnection(c, loop) &&
      !rollsBackPerItem(c, loop) &&
      !notPerRow(loop, c, kb) &&
      !retriesUntilCommitted(c, loop) &&
      // `try { return await this.runOnce(fn); } catch (err) { lastError = err; }`: the loop leaves whenever the
      // commit succeeds, so it runs again only after a failure: one commit per attempt of a retry, not per item (Go:
      // `if err := tx.Commit(); err != ErrConflict { return err }`).
      !leavesOnSuccess(callNode(c), loop) &&
      !finallyOfLeavingTry(c, loop),
  );
}

/**
 * Python: `for count in range(retries, -1, -1): try: find = check(); break / except OperationalError: if count:
 * continue; raise / finally: transaction.commit()`: the commit is in the `finally` of a `try` whose body leaves the
 * loop (a `break` or `return` among its own statements), so the loop goes round again only after the body raised and
 * a handler went on: one commit per attempt of a retry, not per item.
 */
function finallyOfLeavingTry(c: CallFact, loop: LoopFacts): boolean {
  if (loop.language !== 'python') return false;
  let child: SyntaxNode = callNode(c);
  for (let up = child.parent; up && up.id !== loop.body.id && up.id !== loop.node.id; child = up, up = up.parent) {
    if (PY_LOOP_TYPES.has(up.type) || up.type === 'function_definition' || up.type === 'lambda') return false;
    if (up.type !== 'try_statement' || child.type !== 'finally_clause') continue;
    const body = up.childForFieldName('body');
    return (body?.namedChildren ?? []).some((s) => s.type === 'break_statement' || s.type === 'return_statement');
  }
  return false;
}

const PY_LOOP_TYPES: ReadonlySet<string> = new Set(['for_statement', 'while_statement']);

/**
 * Python: `for i in self.dirty_shards: self.dbs[i].commit()`: the receiver is an item of a collection picked by the
 * loop variable, one connection per shard or database; each is committed once, nothing to batch.
 */
function commitsItemsConnection(c: CallFact, loop: LoopFacts): boolean {
  if (loop.language !== 'python') return false;
  const fn = callNode(c).childForFieldName('function');
  const object = fn?.type === 'attribute' ? fn.childForFieldName('object') : null;
  if (object?.type !== 'subscript') return false;
  const index = object.childForFieldName('subscript');
  return index?.type === 'identifier' && loop.loopVariables.includes(index.text);
}

/**
 * Python: the loop also rolls back (or aborts) the same transaction when an item fails and goes on with the next
 * (`except IntegrityError: tx.rollback(); ...`, a queue runner's `config.db.abort()` for a message that could not be
 * handled): each item is its own unit of work by design. One commit for the batch would undo the good items with the
 * bad one, or need a savepoint per item.
 */
function rollsBackPerItem(c: CallFact, loop: LoopFacts): boolean {
  if (loop.language !== 'python' || c.receiver === undefined) return false;
  const receiver = c.receiver;
  // A rollback followed by `raise` (or a return/break) ends the batch on the first failure: not per-item isolation.
  return ownCalls(loop).some((other) => other.receiver === receiver && /^(?:rollback|abort)$/i.test(other.method) && !leavesOnSuccess(callNode(other), loop, { raises: true }));
}

/**
 * `done = await tx.if(...).then(...).commit().then((r) => r.succeeded); if (done) break;`: the loop leaves once a
 * commit's own result says it went through, so it commits once per attempt (a compare-and-set retried after a
 * conflict), not once per item.
 */
function retriesUntilCommitted(c: CallFact, loop: LoopFacts): boolean {
  const names = new Set<string>();
  const assigned = resultName(c, loop);
  if (assigned !== undefined) names.add(assigned);
  // Python: `result = session.execute(update(...).where(col == old)); session.commit(); if result.rowcount == 1:
  // break`: a compare-and-set whose statement's own result says it matched (an ORM's `execute` of a built statement
  // may be read as a query); the loop goes round again only after a
  // conflict, so it commits once per attempt.
  // Only a loop that counts attempts: `while`, or `for i in range(n)` whose counter nothing before the commit reads
  // (a loop over rows that stops at the first unmatched update still commits once per row).
  if (loop.language === 'python' && countsAttempts(c, loop)) {
    for (const w of ownCalls(loop)) {
      if (w.node.startIndex >= c.node.startIndex || !(hasKind(w, 'db-write') || hasKind(w, 'db-read'))) continue;
      const name = resultName(w, loop);
      if (name !== undefined) names.add(name);
    }
  }
  if (names.size === 0) return false;
  return successExits(callNode(c), loop).some((exit) => {
    for (let up = exit.node.parent; up && up.id !== loop.body.id; up = up.parent) {
      if (up.type !== 'if_statement') continue;
      const condition = up.childForFieldName('condition');
      return condition !== null && [condition, ...condition.descendantsOfType('identifier')].some((n) => n.type === 'identifier' && names.has(n.text)) && !/[!]|\bnot\b/.test(condition.text);
    }
    return false;
  });
}

function countsAttempts(c: CallFact, loop: LoopFacts): boolean {
  if (loop.node.type === 'while_statement') return true;
  if (loop.node.type !== 'for_statement') return false;
  const iterable = loop.node.childForFieldName('right');
  if (iterable?.type !== 'call' || iterable.childForFieldName('function')?.text !== 'range') return false;
  return !loop.body.descendantsOfType('identifier').some((n) => n.startIndex < c.node.startIndex && loop.loopVariables.includes(n.text));
}

/** The plain name a call's result is assigned to in the loop's body (`done = await tx.commit()`), if any. */
function resultName(c: CallFact, loop: LoopFacts): string | undefined {
  let name: string | undefined;
  for (let up = callNode(c).parent; up && up.id !== loop.body.id && name === undefined; up = up.parent) {
    if (up.type === 'assignment_expression' || up.type === 'assignment') name = up.childForFieldName('left')?.text;
    else if (up.type === 'variable_declarator') name = up.childForFieldName('name')?.text;
    else if (up.type === 'expression_statement' || up.type === 'lexical_declaration' || up.type === 'variable_declaration') break;
  }
  return name !== undefined && /^[A-Za-z_$][\w$]*$/.test(name) ? name : undefined;
}

/**
 * Python: `self.add_record(url, title, delay_commit=True)` (or the same value in its position) where the function the
 * call resolves to, in this file, commits only under a test of that parameter (`if not delay_commit:`, `if commit
 * and ...:`) that the argument makes false: the call turns the commit off, and the caller commits once after the
 * loop. Every call in the function's body that commits (directly or through a summary) must sit under such a test.
 */
function commitSwitchedOff(c: CallFact, ctx: RuleContext): boolean {
  const target = c.via?.function;
  if (ctx.file.language !== 'python' || target === undefined || !target.startsWith(`${ctx.file.path}#`)) return false;
  const qualified = target.slice(ctx.file.path.length + 1);
  const dot = qualified.lastIndexOf('.');
  const name = qualified.slice(dot + 1);
  const className = dot < 0 ? undefined : qualified.slice(0, dot);
  const definitions = ctx.model.functions.filter((fn) => fn.name === name && fn.className === className && fn.node.type === 'function_definition');
  if (definitions.length !== 1) return false;
  const fn = definitions[0]!.node;
  const body = fn.childForFieldName('body');
  if (!body) return false;
  const params = (fn.childForFieldName('parameters')?.namedChildren ?? []).map(parameterName);
  if (className !== undefined && !isStaticMethod(fn)) params.shift();
  const commits = ctx.model.calls(body).filter((k) => k.kinds.includes('db-commit'));
  if (commits.length === 0) return false;
  const call = callNode(c);
  return commits.every((commit) => {
    for (let child = commit.node, up = commit.node.parent; up && up.id !== fn.id; child = up, up = up.parent) {
      if (up.type !== 'if_statement' || up.childForFieldName('consequence')?.id !== child.id) continue;
      const test = parameterTest(up.childForFieldName('condition'));
      if (test === undefined) continue;
      const value = argumentFor(call, params, test.name);
      if (value !== undefined && value !== test.runsWhen) return true;
    }
    return false;
  });
}

/** The name a Python parameter binds (`self`, `commit=True`, `commit: bool = True`), or '' for `*args`, `**kw`. */
function parameterName(p: SyntaxNode): string {
  if (p.type === 'identifier') return p.text;
  if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') return p.childForFieldName('name')?.text ?? '';
  if (p.type === 'typed_parameter') return p.namedChildren[0]?.type === 'identifier' ? p.namedChildren[0]!.text : '';
  return '';
}

function isStaticMethod(fn: SyntaxNode): boolean {
  return fn.parent?.type === 'decorated_definition' && fn.parent.namedChildren.some((d) => d.type === 'decorator' && /^@staticmethod\b/.test(d.text));
}

/**
 * `not delay_commit` (runs when the parameter is false) or `commit` (runs when it is true), alone or as one operand of
 * an `and` chain (the whole test is false when that operand is).
 */
function parameterTest(condition: SyntaxNode | null): { name: string; runsWhen: boolean } | undefined {
  if (!condition) return undefined;
  if (condition.type === 'parenthesized_expression') return parameterTest(condition.namedChildren[0] ?? null);
  if (condition.type === 'identifier') return { name: condition.text, runsWhen: true };
  if (condition.type === 'not_operator') {
    const operand = condition.childForFieldName('argument');
    return operand?.type === 'identifier' ? { name: operand.text, runsWhen: false } : undefined;
  }
  if (condition.type === 'boolean_operator' && condition.childForFieldName('operator')?.text === 'and') {
    return parameterTest(condition.childForFieldName('left')) ?? parameterTest(condition.childForFieldName('right'));
  }
  return undefined;
}

/** The literal `True`/`False` the call passes for parameter `name` (by keyword, or in its position), if it does. */
function argumentFor(call: SyntaxNode, params: string[], name: string): boolean | undefined {
  const index = params.indexOf(name);
  if (index < 0) return undefined;
  const args = call.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
  let position = 0;
  for (const arg of args) {
    if (arg.type === 'keyword_argument') {
      if (arg.childForFieldName('name')?.text !== name) continue;
      const value = arg.childForFieldName('value')?.text;
      return value === 'True' ? true : value === 'False' ? false : undefined;
    }
    // `*item` / `**options`: which parameter the rest binds is not visible.
    if (arg.type === 'list_splat' || arg.type === 'dictionary_splat') return undefined;
    if (position === index) return arg.text === 'True' ? true : arg.text === 'False' ? false : undefined;
    position++;
  }
  return undefined;
}

export const detectCommitInLoop: Detector = (loop, ctx) => {
  if (!ITERATING_KINDS.has(loop.kind) || loop.infinite || insideGather(loop) || iteratesChunks(loop)) return null;
  if (ownCalls(loop).some((c) => hasKind(c, 'http', 'queue-pop', 'queue-ack', 'queue-publish'))) return null;
  // A loop that sleeps on every iteration (`time.sleep(random.uniform(1, 5))` to stagger workers, a throttle) is
  // paced by the sleep: its commits are one per unit of work at the pace the author chose, not a batch. A sleep only
  // in an error handler or under a condition does not pace the loop.
  if (ownCalls(loop).some((c) => hasKind(c, 'sleep') && !inErrorHandler(c.node, loop) && enclosingConditions(c.node, loop).length === 0)) return null;
  const commits = perItemCommits(loop, ctx.kb).filter((c) => !commitSwitchedOff(c, ctx));
  if (commits.length === 0) return null;
  const first = commits[0]!;
  const items = batchSize(loop, ctx.model, ctx.config.cost);
  const cost = commitsCost({ items, commitLatency: fromConfig(ctx.config.cost, 'db_query_ms') }, ctx.config.cost, ctx.locale);
  return {
    loop,
    line: first.line,
    confidence: first.confidence === 'low' ? 'low' : 'high',
    evidenceKind: 'db-commit',
    variant: first.confidence === 'low' ? 'guessed' : 'default',
    data: {
      call: /execute|query/.test(first.method) ? short(first.text, 50) : calleeLabel(first),
      loopVar: loop.loopVariables[0] ?? 'item',
      items: formatCount(items, ctx.locale),
    },
    ...gradedItems(loop, ctx.model, items),
    cost,
    fix:
      (braceCommitSketch(loop, first) === undefined ? moveCommitReplace(loop, ctx, first) : undefined) ??
      blockFix(ctx, loop, braceCommitSketch(loop, first) ?? chunkedCommitSketch(loop, first, items.value), say(ctx, 'fix.commit.chunked'), 'unsafe'),
  };
};

/** The statement of a call when it stands alone directly in the loop body on its own lines. */
function ownStatement(loop: LoopFacts, call: CallFact, source: string): SyntaxNode | undefined {
  const stmt = statementOf(call.node);
  if (!stmt || stmt.parent?.id !== loop.body.id || !ownsItsLines(stmt, source)) return undefined;
  return stmt;
}

/** Moves the commit (and a per-iteration BEGIN) out of the loop: BEGIN before, COMMIT after. */
function moveCommitReplace(loop: LoopFacts, ctx: RuleContext, commit: CallFact) {
  const source = ctx.file.source;
  if (loop.kind === 'callback-iteration' || !loopStatement(loop, source)) return undefined;
  if (ownCalls(loop).some((c) => /rollback/i.test(c.method) || isTransactionSql(c, /^rollback\b/i, ctx.model))) return undefined;
  const commitStmt = ownStatement(loop, commit, source);
  if (!commitStmt) return undefined;
  const begins = ownCalls(loop).filter((c) => /^begin$/i.test(c.method) || isTransactionSql(c, /^(begin|start\s+transaction)\b/i, ctx.model));
  const beginStmt = begins.length === 1 ? ownStatement(loop, begins[0]!, source) : undefined;
  if (begins.length > 0 && !beginStmt) return undefined;
  const remaining = bodyStatements(loop).filter((s) => s.id !== commitStmt.id && s.id !== beginStmt?.id);
  if (remaining.length === 0) return undefined;
  const point = hoistPoint(loop, source)!;
  const all = sourceLines(source);
  const skip = new Set<number>();
  const firstLine = (s: SyntaxNode): number => startWithComments(s, source, loop.headerLine);
  for (const s of [commitStmt, beginStmt]) if (s) for (let r = firstLine(s); r <= s.endPosition.row + 1; r++) skip.add(r);
  const endLine = loop.endLine;
  const out: string[] = [];
  if (beginStmt) {
    out.push(reindent(all.slice(firstLine(beginStmt) - 1, beginStmt.endPosition.row + 1).join('\n'), indentOf(all[beginStmt.startPosition.row] ?? ''), point.indent));
  }
  for (let l = point.line; l <= endLine; l++) if (!skip.has(l)) out.push(all[l - 1] ?? '');
  out.push(reindent(all.slice(firstLine(commitStmt) - 1, commitStmt.endPosition.row + 1).join('\n'), indentOf(all[commitStmt.startPosition.row] ?? ''), point.indent));
  return provedReplace(ctx, point.line, endLine, out.join('\n'), say(ctx, 'fix.commit.after'), 'unsafe');
}

function chunkedCommitSketch(loop: LoopFacts, commit: CallFact, items: number): string {
  const chunk = Math.max(100, Math.min(1000, items));
  const text = commit.text;
  if (isPython(loop.language)) {
    const header = (loop.node.text.split('\n')[0] ?? 'for item in items:').trim();
    const counter = loop.loopVariables[0] ? `enumerate(${(loop.iterable?.text ?? 'items')}, 1)` : undefined;
    return [
      `COMMIT_EVERY = ${chunk}  # rows per transaction: bounded lock time and redo on failure`,
      counter ? `for done, ${loop.node.childForFieldName('left')?.text ?? 'item'} in ${counter}:` : header,
      '    ...  # the loop body, without the commit',
      counter ? '    if done % COMMIT_EVERY == 0:' : '    if <rows since last commit> >= COMMIT_EVERY:',
      `        ${text}`,
      `${text}  # the last partial chunk`,
    ].join('\n');
  }
  return [
    `const COMMIT_EVERY = ${chunk}; // rows per transaction: bounded lock time and redo on failure`,
    "await client.query('BEGIN');",
    'let pending = 0;',
    `for (const ${loop.loopVariables[0] ?? 'item'} of ${loop.iterable?.text ?? 'items'}) {`,
    '  // the loop body, without BEGIN/COMMIT',
    '  if (++pending === COMMIT_EVERY) {',
    "    await client.query('COMMIT');",
    "    await client.query('BEGIN');",
    '    pending = 0;',
    '  }',
    '}',
    "await client.query('COMMIT');",
  ].join('\n');
}
