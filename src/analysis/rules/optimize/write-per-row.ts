// INSERT / UPDATE / DELETE once per item: one round trip (and often one fsync) per row where one batched statement
// would do. Quiet for batched writes (executemany, bulk_create, insertMany, bulkWrite, IN / ANY), loops that also
// call the network per item (the write records that item's outcome; serial-blocking-io covers the loop), loops
// that stop after the first iteration, and files whose only database runs in the process (SQLite).
import { formatCount } from '../../../cost/assumptions.js';
import { formatNumber, fromConfig, roundTripsCost } from '../../../cost/index.js';
import type { CallFact, LoopFacts } from '../../facts.js';
import type { Detector, RuleContext } from '../../rule-types.js';
import { iterationParts } from './batching.js';
import { detectQueryInLoop, inProcessDatabaseOnly } from './query-in-loop.js';
import { ruleMayReport } from '../quality/overlap.js';
import {
  ITERATING_KINDS,
  argumentNodes,
  batchSize,
  gradedItems,
  fewStatedItems,
  blockFix,
  bodyStatements,
  callNode,
  confidenceOf,
  credible,
  exitsUnconditionally,
  hasKind,
  inErrorHandler,
  insideGather,
  isBatched,
  iteratesChunks,
  isPython,
  isTyped,
  conditionWaitsOn,
  leavesOnSuccess,
  notPerRow,
  ownCalls,
  ownsItsLines,
  provedReplace,
  runsPerDayOf,
  say,
  calleeLabel,
  collectedForGather,
  short,
  statementOf,
  constantString,
  tinyLiteralIterable,
} from '../lib/index.js';
import { braceBatchedWriteSketch } from './brace-fixes.js';
import { sourceLines } from '../../../fixes/lines.js';
import { dropTrailingBrace, headThenFirst } from '../../../core/linear-text.js';

/**
 * `for invoice in Invoice.objects.filter(...): invoice.save()`: the loop walks a query's rows, so `save` on the row
 * is a write of that row even where the file names no ORM (the models come from another module).
 */
function savesQueriedRow(loop: LoopFacts, call: CallFact): boolean {
  return loop.iterable?.kind === 'query' && call.confidence !== 'high' && call.receiver !== undefined && loop.loopVariables.includes(call.receiver) && call.method === 'save';
}

export function perRowWrites(loop: LoopFacts, source: string, kb?: RuleContext['kb']): CallFact[] {
  return ownCalls(loop).filter(
    (c) =>
      ((hasKind(c, 'db-write') && credible(c, source, 'db-write')) || savesQueriedRow(loop, c)) &&
      !isBatched(c) &&
      !hasKind(c, 'queue-ack', 'lock') &&
      c.dependsOnIteration &&
      !/\bIN\s*\(|=\s*ANY\s*\(|__in\b|\$in\b|\.in_\(|\bwhereIn\(|\binArray\(/i.test(c.text) &&
      !inErrorHandler(c.node, loop) &&
      !collectedForGather(callNode(c)) &&
      // `for attempt in range(5): try: cur.execute("INSERT ..."); conn.commit(); return ... except Deadlock: sleep`:
      // the loop is left once the write succeeds, so it repeats a failed write (a retry), not one write per row.
      !leavesOnSuccess(c.node, loop) &&
      !conditionWaitsOn(c.assignedTo, loop) &&
      !notPerRow(loop, c, kb),
  );
}

export const detectWritePerRow: Detector = (loop, ctx) => {
  if (!ITERATING_KINDS.has(loop.kind) || loop.infinite) return null;
  if (insideGather(loop) || exitsUnconditionally(loop) || tinyLiteralIterable(loop) || iteratesChunks(loop)) return null;
  if (ownCalls(loop).some((c) => hasKind(c, 'http', 'queue-pop', 'queue-publish', 'task-spawn'))) return null;
  const writes = perRowWrites(loop, ctx.file.source, ctx.kb);
  if (writes.length === 0) return null;
  // Every connection of the file is to a database inside this process (`sqlite3.connect`), none in autocommit mode: an
  // INSERT per row is a library call inside the transaction the driver opened, not a round trip (a commit per row is
  // commit-in-loop's).
  if (inProcessDatabaseOnly(loop, ctx, { transactional: true })) return null;
  const first = writes[0]!;
  // A helper that reads and writes (`storeTrigger(conn, t)`: an exists check, then an insert or update) is reported
  // once, by query-in-loop's `read-write` message on the same line, which says both; one comment per line.
  if (hasKind(first, 'db-read') && ruleMayReport(ctx.config, 'query-in-loop', 'optimize')) {
    const read = detectQueryInLoop(loop, ctx);
    if (read && !Array.isArray(read) && read.line === first.line && read.variant === 'read-write') return null;
  }
  const distinct = new Set(writes.map((w) => w.line)).size;
  const items = batchSize(loop, ctx.model, ctx.config.cost);
  if (fewStatedItems(items)) return null;
  const runs = runsPerDayOf(loop, ctx.model, ctx.locale);
  const cost = roundTripsCost(
    { items, callsPerItem: distinct, listQuery: false, latency: fromConfig(ctx.config.cost, 'db_query_ms'), ...(runs ? { runsPerDay: runs } : {}) },
    ctx.config.cost,
    ctx.locale,
  );
  const confidence = confidenceOf([first]);
  return {
    loop,
    line: first.line,
    confidence,
    evidenceKind: 'db-write',
    variant: confidence === 'low' ? 'guessed' : 'default',
    data: {
      call: calleeLabel(first),
      loopVar: loop.loopVariables[0] ?? 'item',
      items: formatCount(items, ctx.locale),
      before: formatNumber(cost.before, ctx.locale),
      after: formatNumber(cost.after, ctx.locale),
    },
    ...gradedItems(loop, ctx.model, items),
    cost,
    fix: (writes.length === 1 ? executemanyReplace(loop, ctx, first) : undefined) ?? blockFix(ctx, loop, braceBatchedWriteSketch(loop, first) ?? batchedWriteSketch(loop, first, ctx), say(ctx, 'fix.write.batched'), 'unsafe'),
  };
};

const CURSOR_LIKE = /^(cur|cursor|c|conn|connection|db|self\.cur|self\.cursor|self\.conn|self\.db|[\w.]*cursor)$/i;

/** `for r in rows: cur.execute(SQL, (r.a, r.b))` → `cur.executemany(SQL, [(r.a, r.b) for r in rows])`. */
function executemanyReplace(loop: LoopFacts, ctx: RuleContext, call: CallFact) {
  if (!isPython(loop.language) || loop.kind !== 'for-each' && loop.kind !== 'for') return undefined;
  if (loop.node.type !== 'for_statement' || loop.node.text.startsWith('async') || loop.node.childForFieldName('alternative')) return undefined;
  if (call.method !== 'execute' || !call.receiver || !CURSOR_LIKE.test(call.receiver) || call.awaited) return undefined;
  const stmts = bodyStatements(loop);
  const stmt = statementOf(call.node);
  if (stmts.length !== 1 || !stmt || stmt.id !== stmts[0]!.id || stmt.type !== 'expression_statement' || stmt.namedChild(0)?.id !== callNode(call).id) return undefined;
  if (!ownsItsLines(stmt, ctx.file.source)) return undefined;
  const args = argumentNodes(callNode(call));
  if (args.length !== 2 || constantString(args[0], ctx.model) === undefined || args[1]!.type === 'keyword_argument') return undefined;
  const parts = iterationParts(loop);
  if (!parts) return undefined;
  const indent = /^[ \t]*/.exec(sourceLines(ctx.file.source)[loop.startLine - 1] ?? '')![0];
  const code = `${indent}${call.receiver}.executemany(${args[0]!.text}, [${args[1]!.text} for ${parts.pattern} in ${parts.iterable}])`;
  return provedReplace(ctx, loop.startLine, loop.endLine, code, say(ctx, 'fix.write.executemany'), 'safe');
}

function batchedWriteSketch(loop: LoopFacts, call: CallFact, ctx: RuleContext): string {
  const py = isPython(loop.language);
  const typed = isTyped(loop.language);
  const parts = iterationParts(loop) ?? { pattern: py ? 'item' : 'item', iterable: py ? 'items' : 'items' };
  const args = argumentNodes(callNode(call));
  const recv = call.receiver ?? (py ? 'cursor' : 'db');
  const sql = call.sql ?? constantString(args[0], ctx.model);
  const param = /^[A-Za-z_$][\w$]*$/.test(parts.pattern) ? parts.pattern : `(${parts.pattern})`;
  if (py) {
    if (sql !== undefined && args[1] && bodyStatements(loop).length > 1) {
      const stmt = statementOf(call.node);
      const all = sourceLines(ctx.file.source);
      if (stmt && loop.kind !== 'callback-iteration') {
        const body = all.slice(loop.startLine - 1, loop.endLine).map((l, i) => {
          const row = loop.startLine - 1 + i;
          if (row === stmt.startPosition.row) return `${/^[ \t]*/.exec(l)![0]}params.append(${args[1]!.text})`;
          return row > stmt.startPosition.row && row <= stmt.endPosition.row ? undefined : l;
        });
        const base = /^[ \t]*/.exec(all[loop.startLine - 1] ?? '')![0];
        return [
          'params = []',
          ...body.filter((l): l is string => l !== undefined).map((l) => (l.startsWith(base) ? l.slice(base.length) : l)),
          '# One statement for the whole batch (psycopg 3 pipelines executemany; with psycopg2 use',
          '# psycopg2.extras.execute_values for INSERT, execute_batch for UPDATE/DELETE).',
          `${recv}.executemany(${args[0]!.text}, params)`,
        ].join('\n');
      }
    }
    if (sql !== undefined && args[1]) {
      return [
        '# One statement for the whole batch (psycopg 3 pipelines executemany; with psycopg2 use',
        '# psycopg2.extras.execute_values for INSERT, execute_batch for UPDATE/DELETE).',
        `params = [${args[1].text} for ${parts.pattern} in ${parts.iterable}]`,
        `${recv}.executemany(${args[0]!.text}, params)`,
      ].join('\n');
    }
    if (/\.objects$/.test(recv) && call.method === 'create') {
      const model = recv.replace(/\.objects$/, '');
      return [
        '# bulk_create skips save() and the pre/post_save signals; check that nothing relies on them.',
        `${recv}.bulk_create(`,
        `    [${model}(${args.map((a) => a.text).join(', ')}) for ${parts.pattern} in ${parts.iterable}],`,
        '    batch_size=500,',
        ')',
      ].join('\n');
    }
    if (call.method === 'save') {
      return [
        `changed = []`,
        `for ${parts.pattern} in ${parts.iterable}:`,
        '    ...  # update the fields as before, without .save()',
        `    changed.append(${call.receiver ?? parts.pattern})`,
        '# One UPDATE per 500 rows; list the fields you changed. bulk_update skips save() and signals.',
        'if changed:',
        '    type(changed[0]).objects.bulk_update(changed, fields=["status"], batch_size=500)',
      ].join('\n');
    }
    if (call.method === 'insert_one') {
      return [`${recv}.insert_many([${args[0]?.text ?? 'doc'} for ${parts.pattern} in ${parts.iterable}], ordered=False)`].join('\n');
    }
    if (/^(update_one|replace_one|delete_one)$/.test(call.method)) {
      const op = call.method === 'update_one' ? 'UpdateOne' : call.method === 'replace_one' ? 'ReplaceOne' : 'DeleteOne';
      return [
        `from pymongo import ${op}`,
        '',
        `${recv}.bulk_write(`,
        `    [${op}(${args.map((a) => a.text).join(', ')}) for ${parts.pattern} in ${parts.iterable}],`,
        '    ordered=False,',
        ')',
      ].join('\n');
    }
    return [
      `# Collect what ${calleeLabel(call)} writes for each item, then write the batch once:`,
      `rows = [<values of ${parts.pattern}> for ${parts.pattern} in ${parts.iterable}]`,
      '<one batched write: executemany / bulk_create / insert_many / a pipeline>',
    ].join('\n');
  }
  if (sql !== undefined && /^\s*insert\b/i.test(sql) && args[1]?.type === 'array') {
    const width = args[1].namedChildren.length;
    // `sql.replace(/\bVALUES\s*\([^)]*\)/i, ...)` with one search for the closing parenthesis, not one per VALUES.
    const values = headThenFirst(sql, /\bVALUES\s*\(/i, ')');
    const stripped = values ? `${sql.slice(0, values[0])}VALUES \${placeholders}${sql.slice(values[1])}` : sql;
    return [
      '// One multi-row INSERT per chunk (keep chunks under the 65,535 bind-parameter limit).',
      `const rows = ${parts.iterable}.map(${param} => ${args[1].text});`,
      `const placeholders = rows.map((_${typed ? ': unknown' : ''}, i${typed ? ': number' : ''}) => \`(${Array.from({ length: width }, (_, k) => `$\${i * ${width} + ${k + 1}}`).join(', ')})\`).join(', ');`,
      `await ${recv}.${call.method}(\`${stripped.replace(/`/g, '\\`')}\`, rows.flat());`,
    ].join('\n');
  }
  if (sql !== undefined) {
    return [
      '// Send the whole batch in one statement: pass arrays and let the database unnest them, e.g.',
      '// UPDATE t SET status = u.status FROM unnest($1::bigint[], $2::text[]) AS u(id, status) WHERE t.id = u.id',
      `const ids = ${parts.iterable}.map(${param} => /* id */);`,
      `await ${recv}.${call.method}(/* batched SQL */, [ids /* , other columns */]);`,
    ].join('\n');
  }
  if (call.method === 'create' && /prisma|\.\w+$/.test(recv)) {
    return `await ${recv}.createMany({ data: ${parts.iterable}.map(${param} => (${args[0] ? dropTrailingBrace(args[0].text.replace(/^\{\s*data:\s*/, '')) : '{}'})) });`;
  }
  if (call.method === 'insertOne') return `await ${recv}.insertMany(${parts.iterable}.map(${param} => ${args[0]?.text ?? '({})'}), { ordered: false });`;
  if (/^(updateOne|replaceOne|deleteOne|updateMany)$/.test(call.method)) {
    const a = args.map((x) => x.text);
    const body =
      call.method === 'deleteOne'
        ? `{ deleteOne: { filter: ${a[0] ?? '{}'} } }`
        : call.method === 'replaceOne'
          ? `{ replaceOne: { filter: ${a[0] ?? '{}'}, replacement: ${a[1] ?? '{}'} } }`
          : `{ ${call.method === 'updateMany' ? 'updateMany' : 'updateOne'}: { filter: ${a[0] ?? '{}'}, update: ${a[1] ?? '{}'} } }`;
    return `await ${recv}.bulkWrite(${parts.iterable}.map(${param} => (${body})), { ordered: false });`;
  }
  if (call.method === 'create') return `await ${recv}.bulkCreate(${parts.iterable}.map(${param} => ${args[0]?.text ?? '({})'}));`;
  return [
    `// Collect what ${calleeLabel(call)} writes for each item, then write the batch once`,
    '// (multi-row INSERT, bulkWrite, insertMany, createMany or a Redis pipeline).',
    `const rows = ${parts.iterable}.map(${param} => /* values */);`,
  ].join('\n');
}
