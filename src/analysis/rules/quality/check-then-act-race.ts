// Select rows in a state, then move them to another state with a second statement: two workers both read the same
// 'pending' rows and both process them. Quiet when the select locks (`FOR UPDATE [SKIP LOCKED]`), when the update
// re-checks the state in its WHERE (a conditional update whose row count tells who won), or when a lock is taken.
import type { FileModel } from '../../model.js';
import type { Detection, Detector, RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { blockFix, fenceLanguage } from '../../../fixes/lines.js';
import { claimQueryTemplate } from '../../../fixes/templates.js';
import {
  calleeOf,
  descendants,
  enclosingFunction,
  type Family,
  familyOf,
  lineOf,
  rootOf,
  stringValue,
  treeCalls,
} from '../lib/index.js';
import { detectBraceRace } from './brace-race.js';
import { queueDetections } from './queue-drain-race.js';
import { dropLookupSuffix, headThenLast, isLineTerminator, skipSpaces, trailingSpaceStart } from '../../../core/linear-text.js';

const STATE_COLUMN = /^(status|state|stage|phase|processed|is_processed|claimed|claimed_by|locked|locked_by|picked|picked_at|done|sent|is_sent|processing)$/i;

interface UpdateSql {
  table: string;
  columns: { name: string; value: string }[];
  where: string;
}

const UPDATE_HEAD = /^\s*UPDATE\s+["`]?([\w.]+)["`]?\s+SET\s+/i;
// `(?<!\s)`: each run of spaces is tried from its start only (the lazy `SET\s+(.*?)\s+WHERE` retried every split).
const WHERE_AFTER_SET = /(?<!\s)\s+WHERE\s+/gi;
const ASSIGN_HEAD = /^\s*["`]?(\w+)["`]?\s*=/;

/**
 * `UPDATE t SET a = x, b = y WHERE ...`: the table, the state columns set and the WHERE text, in one pass (what
 * `/^\s*UPDATE\s+["`]?([\w.]+)["`]?\s+SET\s+([\s\S]*?)\s+WHERE\s+([\s\S]*)$/i` matched).
 */
export function parseUpdate(sql: string): UpdateSql | undefined {
  const head = UPDATE_HEAD.exec(sql);
  if (!head) return undefined;
  WHERE_AFTER_SET.lastIndex = head[0].length;
  const where = WHERE_AFTER_SET.exec(sql);
  if (!where) return undefined;
  const columns: { name: string; value: string }[] = [];
  for (const part of sql.slice(head[0].length, where.index).split(',')) {
    const assign = parseAssignment(part);
    if (assign && STATE_COLUMN.test(assign.name)) columns.push(assign);
  }
  return { table: head[1]!, columns, where: sql.slice(where.index + where[0].length) };
}

/** `col = value` of a SET list, as `/^\s*["`]?(\w+)["`]?\s*=\s*(.+?)\s*$/` read it, without its cubic retries. */
export function parseAssignment(part: string): { name: string; value: string } | undefined {
  const head = ASSIGN_HEAD.exec(part);
  if (!head) return undefined;
  const afterEq = head[0].length;
  const start = skipSpaces(part, afterEq);
  const end = trailingSpaceStart(part);
  if (end > start) {
    for (let i = start; i < end; i++) if (isLineTerminator(part.charCodeAt(i))) return undefined;
    return { name: head[1]!, value: part.slice(start, end) };
  }
  // Only spaces after `=`: the regex gave the last one that is not a line end to the value.
  let i = part.length - 1;
  while (i >= afterEq && isLineTerminator(part.charCodeAt(i))) i--;
  return i < afterEq ? undefined : { name: head[1]!, value: part[i]! };
}

/**
 * The last `column <op> value` after the first WHERE, as the greedy `/\bWHERE\b[\s\S]*\bCOL\b\s*(OP)\s*([^\s)]+)?/i`
 * found it, without one backtracking scan per WHERE. `condition` is `\bCOL\b\s*(OP)` with the g flag.
 */
export function lastConditionAfterWhere(sql: string, condition: RegExp): { value?: string } | undefined {
  const where = /\bWHERE\b/i.exec(sql);
  if (!where) return undefined;
  condition.lastIndex = where.index + where[0].length;
  let end = -1;
  for (let m = condition.exec(sql); m; m = condition.exec(sql)) end = m.index + m[0].length;
  if (end < 0) return undefined;
  const value = /^\s*([^\s)]+)/.exec(sql.slice(end))?.[1];
  return value ? { value } : {};
}

interface SelectSql {
  node: SyntaxNode;
  value?: string;
}

function findUnlockedSelect(scope: SyntaxNode, before: number, table: string, column: string, model: FileModel): SelectSql | undefined {
  const tableRe = new RegExp(`\\bFROM\\s+["\`]?${table.replace(/\./g, '\\.')}["\`]?\\b`, 'i');
  const condition = new RegExp(`\\b${column}\\b\\s*(=|IN\\b|<>|!=|IS\\b)`, 'gi');
  for (const node of descendants(scope, model)) {
    if (node.startIndex >= before) break;
    if (node.type !== 'string' && node.type !== 'template_string') continue;
    const sql = stringValue(node) ?? '';
    if (!/^\s*SELECT\b/i.test(sql) || !tableRe.test(sql)) continue;
    const where = lastConditionAfterWhere(sql, condition);
    if (!where) continue;
    if (/\bFOR\s+(NO\s+KEY\s+)?UPDATE\b|\bFOR\s+SHARE\b/i.test(sql)) return undefined;
    return { node, ...(where.value ? { value: where.value } : {}) };
  }
  return undefined;
}

function takesLock(scope: SyntaxNode, loop: LoopFacts, ctx: RuleContext, family: Family): boolean {
  const { model } = ctx;
  for (const call of treeCalls(scope, ctx.model, { skipFunctions: false })) {
    if (call.kinds.includes('lock')) return true;
    if (/advisory|acquire|(^|\.)lock$|Lock$|redlock|setnx/i.test(call.callee)) return true;
  }
  for (const node of descendants(scope, model)) {
    if (node.type === 'with_item' && /lock/i.test(node.text)) return true;
    if ((node.type === 'string' || node.type === 'template_string') && /pg_advisory|GET_LOCK\(|FOR\s+UPDATE/i.test(node.text)) return true;
  }
  return false;
}

function sqlDetections(loop: LoopFacts, ctx: RuleContext, family: Family): Detection[] {
  const { model } = ctx;
  const scope = enclosingFunction(loop.node, family) ?? rootOf(loop.node);
  const out: Detection[] = [];
  for (const call of treeCalls(loop.body, ctx.model, { skipFunctions: true, skipLoops: true })) {
    const sql = call.sql;
    if (!sql) continue;
    const update = parseUpdate(sql);
    if (!update) continue;
    for (const column of update.columns) {
      if (new RegExp(`\\b${column.name}\\b`, 'i').test(update.where)) continue;
      const select = findUnlockedSelect(scope, call.node.startIndex, update.table, column.name, model);
      if (!select) continue;
      if (takesLock(scope, loop, ctx, family)) return [];
      const fromValue = select.value ?? "'pending'";
      out.push({
        loop,
        line: call.line,
        data: { table: update.table, column: column.name, from: fromValue, to: column.value, select_line: lineOf(select.node) },
        confidence: 'high',
        fix: blockFix(
          claimQueryTemplate(loop.language, { table: update.table, column: column.name, fromValue, toValue: column.value }),
          { startLine: loop.startLine, endLine: loop.endLine },
          { description: 'FOR UPDATE SKIP LOCKED claim', safety: 'unsafe', language: fenceLanguage(loop.language) },
        ),
      });
      break;
    }
  }
  return out;
}

/** Django: `for job in Job.objects.filter(status="pending"): job.status = "running"; job.save()`. */
function ormDetections(loop: LoopFacts, model: FileModel): Detection[] {
  const { family } = model;
  if (family !== 'python' || loop.node.type !== 'for_statement') return [];
  const iterable = loop.node.childForFieldName('right');
  const variable = loop.node.childForFieldName('left');
  if (!iterable || variable?.type !== 'identifier') return [];
  // `/\.objects\.(filter|exclude)\(([\s\S]*)\)/`: from the first filter to the last closing parenthesis.
  const filter = headThenLast(iterable.text, /\.objects\.(filter|exclude)\(/, ')');
  if (!filter || /select_for_update/.test(iterable.text)) return [];
  const filtered = /\b(\w+)\s*=\s*([^,)]+)/.exec(iterable.text.slice(filter[1], filter[2]));
  if (!filtered || !STATE_COLUMN.test(dropLookupSuffix(filtered[1]!))) return [];
  const column = dropLookupSuffix(filtered[1]!);
  let assignment: SyntaxNode | undefined;
  let saved = false;
  for (const node of descendants(loop.body, model, { skipFunctions: true })) {
    if (node.type === 'assignment' && node.childForFieldName('left')?.text === `${variable.text}.${column}` && !assignment) assignment = node;
    if (node.type === 'call' && calleeOf(node) === `${variable.text}.save`) saved = true;
  }
  if (!assignment || !saved) return [];
  const modelName = /(?<!\w)(\w+)\.objects/.exec(iterable.text)?.[1] ?? 'Model';
  const to = assignment.childForFieldName('right')?.text ?? "'running'";
  const code = [
    'from django.db import transaction',
    '',
    'with transaction.atomic():',
    `    batch = list(${modelName}.objects.select_for_update(skip_locked=True).filter(${filtered[1]}=${filtered[2]!.trim()})[:10])`,
    `    ${modelName}.objects.filter(pk__in=[obj.pk for obj in batch]).update(${column}=${to})`,
    `for ${variable.text} in batch:`,
    '    ...',
    '',
  ].join('\n');
  return [
    {
      loop,
      line: lineOf(assignment),
      variant: 'orm',
      data: { table: modelName, column, from: filtered[2]!.trim(), to, select_line: lineOf(iterable) },
      confidence: 'high',
      fix: blockFix(code, { startLine: loop.startLine, endLine: loop.endLine }, { description: 'select_for_update(skip_locked=True)', safety: 'unsafe', language: 'python' }),
    },
  ];
}

export const detectCheckThenActRace: Detector = (loop, ctx) => {
  if (loop.language === 'go' || loop.language === 'java') return detectBraceRace(loop, ctx);
  const family = familyOf(loop.language);
  return [...sqlDetections(loop, ctx, family), ...ormDetections(loop, ctx.model), ...queueDetections(loop, ctx)];
};
