// check-then-act-race for Go and Java: job or row state read, then moved on with a separate statement, without a
// lock or a conditional update. The same criteria as for Python/JS (check-then-act-race.ts):
// - `default`: an `UPDATE t SET status = ...` in the loop whose WHERE does not re-check the column, after a SELECT on
//   the same table filtered by that column, without `FOR UPDATE` / `FOR SHARE` and with no lock taken.
// - `checked`: the loop reads the state of one row (`SELECT status FROM jobs WHERE id = $1` then `Scan(&status)`;
//   JPA/Spring Data `findById` then `job.getStatus()`; GORM `First(&job, id)` then `job.Status`), checks it in an
//   `if`, and writes the new state (an UPDATE that does not re-check it, or `job.setStatus(...)` + `save(job)`,
//   `job.Status = ...` + `db.Save(&job)`). Quiet when the file locks (`FOR UPDATE`, `@Lock`, `PESSIMISTIC_WRITE`,
//   `clause.Locking`, `@Version` optimistic locking) or the update re-checks the state.
import type { CallFact, LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detection, RuleContext } from '../../rule-types.js';
import { blockFix, fenceLanguage } from '../../../fixes/lines.js';
import { claimQuerySql } from '../../../fixes/templates.js';
import { stringLiteralText } from '../../facts/brace.js';
import { lastConditionAfterWhere, parseUpdate } from './check-then-act-race.js';

const STATE_FIELD = /^(status|state|stage|phase|processed|isProcessed|claimed|claimedBy|locked|lockedBy|picked|pickedAt|done|sent|isSent|processing)$/i;
/** JPA pessimistic or optimistic locking declared in the file (on the finder or the entity). */
const FILE_LOCKED = /@Lock\b|PESSIMISTIC_(WRITE|READ)|LockModeType|@Version\b/;
/** The function around the loop locks rows or takes a lock. */
const SCOPE_LOCKED = /\bFOR\s+(NO\s+KEY\s+)?UPDATE\b|\bFOR\s+SHARE\b|clause\.Locking|pg_advisory|GET_LOCK\(|\.(Lock|lock|tryLock|acquire)\(|synchronized\s*\(/i;
const STRINGS = ['interpreted_string_literal', 'raw_string_literal', 'string_literal'];
const FUNCTIONS = new Set(['function_declaration', 'method_declaration', 'func_literal', 'lambda_expression', 'constructor_declaration']);

function enclosingFunction(node: SyntaxNode): SyntaxNode {
  let n: SyntaxNode = node;
  while (n.parent && !FUNCTIONS.has(n.type)) n = n.parent;
  return n;
}

function sqlOf(call: CallFact): string | undefined {
  if (call.sql) return call.sql;
  const args = call.node.childForFieldName('arguments')?.namedChildren ?? [];
  for (const arg of args) {
    const text = stringLiteralText(arg);
    if (text && /^\s*(UPDATE|SELECT)\b/i.test(text)) return text;
  }
  return undefined;
}

interface Select {
  node: SyntaxNode;
  sql: string;
}

/** SELECT string literals of the function before `before`, on `table`. */
function selectsOn(scope: SyntaxNode, before: number, table: string): Select[] {
  const tableRe = new RegExp(`\\bFROM\\s+["\`]?${table.replace(/\./g, '\\.')}["\`]?(\\s|$|,)`, 'i');
  const out: Select[] = [];
  for (const node of scope.descendantsOfType(STRINGS)) {
    if (node.startIndex >= before) break;
    const sql = stringLiteralText(node) ?? '';
    if (/^\s*SELECT\b/i.test(sql) && tableRe.test(sql)) out.push({ node, sql });
  }
  return out;
}

/** `status == "pending"`, `job.getStatus() == JobStatus.PENDING`, `"pending".equals(status)`: the value compared. */
function comparedValue(condition: string): string | undefined {
  const m = /(?:==|!=|equals\(|\.equals\(|EqualFold\()\s*([A-Za-z_][\w.]*|"[^"\n]*"|'[^'\n]*')/.exec(condition) ?? /("[^"\n]*"|[A-Z][\w.]*[A-Z_]{2,})\s*(?:==|\.equals\()/.exec(condition);
  return m?.[1];
}

function enclosingIf(node: SyntaxNode, loop: LoopFacts, mentions: RegExp): SyntaxNode | undefined {
  for (let n = node.parent; n && n.id !== loop.node.id; n = n.parent) {
    if (n.type === 'if_statement' && mentions.test(n.childForFieldName('condition')?.text ?? '')) return n;
  }
  return undefined;
}

function sqlDetections(loop: LoopFacts): Detection[] {
  const scope = enclosingFunction(loop.node);
  const out: Detection[] = [];
  for (const call of loop.calls) {
    if (call.inInnerLoop) continue;
    const sql = sqlOf(call);
    const update = sql ? parseUpdate(sql) : undefined;
    if (!update) continue;
    for (const column of update.columns) {
      if (new RegExp(`\\b${column.name}\\b`, 'i').test(update.where)) continue;
      const condition = new RegExp(`\\b${column.name}\\b\\s*(=|IN\\b|<>|!=|IS\\b)`, 'gi');
      const selects = selectsOn(scope, call.node.startIndex, update.table);
      // Rows selected by the state: `SELECT id FROM jobs WHERE status = 'pending'`.
      const byState = selects.find((s) => lastConditionAfterWhere(s.sql, condition));
      if (byState) {
        const from = lastConditionAfterWhere(byState.sql, condition)?.value ?? "'pending'";
        out.push(detection(loop, call, 'default', update.table, column.name, from, column.value, byState.node));
        break;
      }
      // The state of one row read, then checked in an `if` around the update.
      const reads = selects.find((s) => new RegExp(`^\\s*SELECT\\b[^;]*\\b${column.name}\\b[^;]*\\bFROM\\b`, 'i').test(s.sql.split(/\bFROM\b/i)[0] + ' FROM'));
      const check = reads ? enclosingIf(call.node, loop, /==|!=|equals\(|EqualFold\(/) : undefined;
      if (reads && check) {
        const from = comparedValue(check.childForFieldName('condition')?.text ?? '') ?? "'pending'";
        out.push(detection(loop, call, 'checked', update.table, column.name, from, column.value, reads.node));
        break;
      }
    }
  }
  return out;
}

function detection(loop: LoopFacts, call: CallFact, variant: 'default' | 'checked', table: string, column: string, from: string, to: string, select: SyntaxNode): Detection {
  const fromSql = /^'.*'$/.test(from) ? from : /^".*"$/.test(from) ? `'${from.slice(1, -1)}'` : `'${from.split('.').pop()!.toLowerCase()}'`;
  return {
    loop,
    line: call.line,
    variant,
    data: { table, column, from, to, select_line: select.startPosition.row + 1 },
    confidence: 'high',
    fix: blockFix(
      variant === 'default' ? claimSketch(loop, table, column, fromSql, to) : conditionalSketch(loop, table, column, fromSql, to),
      { startLine: loop.startLine, endLine: loop.endLine },
      { description: variant === 'default' ? 'FOR UPDATE SKIP LOCKED claim' : 'conditional update, act only when it changed the row', safety: 'unsafe', language: fenceLanguage(loop.language) },
    ),
  };
}

function claimSketch(loop: LoopFacts, table: string, column: string, from: string, to: string): string {
  const sql = claimQuerySql({ table, column, fromValue: from, toValue: to });
  if (loop.language === 'go') {
    return [
      `const claimSQL = \`\n${sql}\``,
      '',
      'rows, err := db.QueryContext(ctx, claimSQL)',
      'if err != nil {',
      '\treturn err',
      '}',
      'defer rows.Close()',
      'for rows.Next() {',
      '\t// scan the claimed row and process it: no other worker got it',
      '}',
      'return rows.Err()',
    ].join('\n');
  }
  return [
    `private static final String CLAIM_SQL = """\n${sql}\n""";`,
    '',
    'List<Long> claimed = jdbcTemplate.queryForList(CLAIM_SQL, Long.class);',
    'for (Long id : claimed) {',
    '    // process the claimed row: no other worker got it',
    '}',
  ].join('\n');
}

function conditionalSketch(loop: LoopFacts, table: string, column: string, from: string, to: string): string {
  const toSql = /^['"]/.test(to) ? to.replace(/^"|"$/g, "'") : `'${to.split('.').pop()!.toLowerCase()}'`;
  if (loop.language === 'go') {
    return [
      `res, err := db.ExecContext(ctx, "UPDATE ${table} SET ${column} = ${toSql} WHERE id = $1 AND ${column} = ${from}", id)`,
      'if err != nil {',
      '\treturn err',
      '}',
      'if n, _ := res.RowsAffected(); n != 1 {',
      '\tcontinue // another worker claimed it first',
      '}',
      '// process: this worker owns the row',
    ].join('\n');
  }
  return [
    '// Spring Data: a conditional update that says whether this worker won',
    '// @Modifying @Query("UPDATE Job j SET j.status = :to WHERE j.id = :id AND j.status = :from")',
    '// int transition(@Param("id") Long id, @Param("from") JobStatus from, @Param("to") JobStatus to);',
    `int updated = jdbcTemplate.update("UPDATE ${table} SET ${column} = ${toSql} WHERE id = ? AND ${column} = ${from}", id);`,
    'if (updated != 1) {',
    '    continue; // another worker claimed it first',
    '}',
    '// process: this worker owns the row',
    '// (or @Lock(LockModeType.PESSIMISTIC_WRITE) on the finder inside a transaction, or @Version for optimistic locking)',
  ].join('\n');
}

/**
 * ORM read-check-write: `job` loaded by a read call, `job.getStatus()` / `job.Status` compared in an `if`, then
 * `job.setStatus(x)` / `job.Status = x` and a write call that takes `job`.
 */
function ormDetections(loop: LoopFacts): Detection[] {
  const out: Detection[] = [];
  const loaded = new Map<string, CallFact>();
  for (const call of loop.calls) {
    if (call.inInnerLoop || !call.kinds.includes('db-read')) continue;
    if (call.assignedTo) loaded.set(call.assignedTo, call);
    // GORM: `db.First(&job, id)` fills its first argument.
    const first = call.args[0]?.text;
    if (loop.language === 'go' && first?.startsWith('&')) loaded.set(first.slice(1), call);
  }
  if (loaded.size === 0) return out;
  for (const [name, read] of loaded) {
    const setter = setterOf(loop, name);
    if (!setter) continue;
    const check = enclosingIf(setter.node, loop, new RegExp(`\\b${name}\\s*\\.\\s*(get|is)?${setter.field}\\b`, 'i'));
    if (!check) continue;
    const saved = loop.calls.some((c) => c.kinds.includes('db-write') && c.node.startIndex > setter.node.startIndex && c.args.some((a) => a.text === name || a.text === `&${name}`));
    if (!saved) continue;
    const from = comparedValue(check.childForFieldName('condition')?.text ?? '') ?? 'PENDING';
    out.push({
      loop,
      line: setter.node.startPosition.row + 1,
      variant: 'checked',
      data: { table: read.callee, column: setter.field, from, to: setter.value, select_line: read.line },
      confidence: 'high',
      fix: blockFix(conditionalSketch(loop, 'jobs', setter.field.toLowerCase(), `'${from.split('.').pop()!.replace(/"/g, '').toLowerCase()}'`, setter.value), { startLine: loop.startLine, endLine: loop.endLine }, {
        description: 'conditional update, act only when it changed the row',
        safety: 'unsafe',
        language: fenceLanguage(loop.language),
      }),
    });
  }
  return out;
}

interface Setter {
  node: SyntaxNode;
  field: string;
  value: string;
}

function setterOf(loop: LoopFacts, name: string): Setter | undefined {
  if (loop.language === 'java') {
    for (const call of loop.calls) {
      if (call.inInnerLoop) continue;
      const m = /^set([A-Z]\w*)$/.exec(call.method);
      if (m && call.receiver === name && STATE_FIELD.test(m[1]!) && call.args.length === 1) return { node: call.node, field: m[1]!, value: call.args[0]!.text };
    }
    return undefined;
  }
  for (const node of loop.body.descendantsOfType('assignment_statement')) {
    const left = node.childForFieldName('left')?.text.replace(/\s+/g, '') ?? '';
    const m = new RegExp(`^${name}\\.(\\w+)$`).exec(left);
    if (m && STATE_FIELD.test(m[1]!)) return { node, field: m[1]!, value: node.childForFieldName('right')?.text ?? '' };
  }
  return undefined;
}

export function detectBraceRace(loop: LoopFacts, ctx: RuleContext): Detection[] {
  if (FILE_LOCKED.test(ctx.file.source) || SCOPE_LOCKED.test(enclosingFunction(loop.node).text)) return [];
  const sql = sqlDetections(loop);
  const orm = ormDetections(loop).filter((d) => !sql.some((s) => s.line === d.line));
  return [...sql, ...orm];
}
