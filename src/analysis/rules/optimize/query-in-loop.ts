// N+1: one query per item of a collection instead of one query for the collection. Fires on loops that walk a
// collection when a database read inside depends on the item. Quiet for batched reads (IN / __in / $in,
// prefetch_related, executemany, Promise.all), pagination (OFFSET / cursor), locks taken per row on purpose, and
// loops that stop after the first iteration.
import { formatCount } from '../../../cost/assumptions.js';
import { formatNumber, fromConfig, roundTripsCost } from '../../../cost/index.js';
import type { CallFact, LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detector, RuleContext } from '../../rule-types.js';
import { batchedReadSketch, genericBatchSketch } from './batching.js';
import { braceBatchedReadSketch } from './brace-fixes.js';
import {
  ITERATING_KINDS,
  enclosingFunction,
  batchSize,
  gradedItems,
  fewStatedItems,
  carriedAcrossIterations,
  blockFix,
  confidenceOf,
  credible,
  exitsUnconditionally,
  hasKind,
  inErrorHandler,
  collectedForGather,
  callNode,
  insideGather,
  isBatched,
  leavesOnSuccess,
  iteratesChunks,
  iterableFromQuery,
  notPerRow,
  ownCalls,
  runsPerDayOf,
  say,
  calleeLabel,
  rootOf,
  short,
  tinyLiteralIterable,
} from '../lib/index.js';

const PAGINATION = /\b(offset|page|cursor|after|before|next_token|nextToken|continuation|scroll_id|since)\b/i;

/**
 * The item is a table, not a row: `PRAGMA table_info(...)`, `SHOW COLUMNS`, or a table name formatted into the SQL
 * (`f"SELECT count(*) FROM {table}"`). One query per table is what a dump or a schema walk needs; IN (...) cannot
 * batch identifiers.
 */
const PER_TABLE = /\b(PRAGMA|SHOW\s+(COLUMNS|INDEX|CREATE)|DESCRIBE)\b|\b(FROM|INTO|TABLE|UPDATE|JOIN)\s+["`\[]?(\{|\$\{|%s|%\()/i;

/**
 * The call's text from its arguments on: the SQL and options that say "per table" or "per page", not the callee (a
 * helper named `describe`, a DB-API cursor named `cursor`).
 */
function argumentText(c: CallFact): string {
  const open = c.text.indexOf('(');
  return open < 0 ? '' : c.text.slice(open);
}

/** Reads that run once per item: depend on the item, not batched, not a lock, not pagination, not a cursor fetch. */
export function perItemReads(loop: LoopFacts, source: string, kb?: RuleContext['kb']): CallFact[] {
  return ownCalls(loop).filter((c) => {
    const args = argumentText(c);
    return (
      hasKind(c, 'db-read') &&
      credible(c, source, 'db-read') &&
      !isBatched(c) &&
      !hasKind(c, 'lock') &&
      c.dependsOnIteration &&
      !/^fetch(one|all|many)$/.test(c.method) &&
      !(/^fetch(val|row)?$/.test(c.method) && c.args.length === 0) &&
      !PAGINATION.test(args) &&
      !/\bIN\s*\(|=\s*ANY\s*\(|__in\b|\$in\b|\bin_\(/i.test(args) &&
      !PER_TABLE.test(args) &&
      !PER_TABLE.test(c.sql ?? '') &&
      !inErrorHandler(c.node, loop) &&
      !collectedForGather(callNode(c)) &&
      !carriedAcrossIterations(loop, c) &&
      !notPerRow(loop, c, kb) &&
      !leavesOnSuccess(callNode(c), loop) &&
      !onTheItemItself(loop, c) &&
      !prefetchedRelation(loop, c)
    );
  });
}

/** What a prefetched related manager answers from its cache: Django builds these from the prefetched rows. */
const CACHED_MANAGER_CALL = /^([A-Za-z_]\w*)\.([A-Za-z_]\w*_set)\.(all|count|exists)$/;

/**
 * `for dt in DeviceType.objects.prefetch_related("device_set"): dt.device_set.count()`: the rows the loop walks were
 * fetched with that relation (`prefetch_related("device_set")`, `Prefetch("device_set", ...)`, or a longer lookup
 * starting with it), on the iterable itself or on the name it was assigned to earlier in the function. `all()`,
 * `count()` and `exists()` on the item's related manager then read Django's prefetch cache, no query. A filter, an
 * `order_by` or a relation the lookups do not name still runs one query per item (Python).
 */
function prefetchedRelation(loop: LoopFacts, c: CallFact): boolean {
  const m = loop.language === 'python' ? CACHED_MANAGER_CALL.exec(c.callee) : null;
  const iterable = loop.node.type === 'for_statement' ? loop.node.childForFieldName('right') : null;
  if (!m || !loop.loopVariables.includes(m[1]!) || !iterable) return false;
  const relation = m[2]!;
  const sources: SyntaxNode[] = [iterable];
  const name = iterable.type === 'identifier' ? iterable.text : undefined;
  if (name) {
    for (const a of enclosingFunction(loop.node, 'python')?.descendantsOfType('assignment') ?? []) {
      const right = a.childForFieldName('right');
      if (a.childForFieldName('left')?.text === name && right && a.endIndex <= loop.node.startIndex) sources.push(right);
    }
  }
  return sources.some((source) =>
    [source, ...source.descendantsOfType('call')].some((call) => {
      if (call.type !== 'call' || !/(?:^|\.)prefetch_related$/.test(call.childForFieldName('function')?.text ?? '')) return false;
      const args = call.childForFieldName('arguments')?.namedChildren ?? [];
      const lookups = args.flatMap((arg) => (arg.type === 'string' ? [arg] : arg.type === 'call' ? (arg.childForFieldName('arguments')?.namedChildren.slice(0, 1).filter((f) => f.type === 'string') ?? []) : []));
      return lookups.some((l) => l.text.replace(/^[rbuf]*['"]+|['"]+$/gi, '').split('__')[0] === relation);
    }),
  );
}

/**
 * `for s, r in zip(searches, responses): if r.get("error"): ...`: the receiver is the loop's own item (a response, a
 * row, a dict), not a client, whatever its name suggests (`r` is also a common name for a Redis client). A call
 * per client (`for conn in connections`) is one call per database, not an N+1, either way (Python).
 */
function onTheItemItself(loop: LoopFacts, c: CallFact): boolean {
  return loop.language === 'python' && c.receiver !== undefined && loop.loopVariables.includes(c.receiver);
}

/**
 * `for field_name, source in self.mapping.items(): ... self.verify_fk(feat, ...)` in `feature_kwargs(self, feat)`,
 * which the file calls once per feature from another loop: this loop walks the object's own configuration (a
 * fixed handful of fields), and the round trips grow with the outer loop's items, where they are reported
 * (through the call's summary). Reporting them here too counts the same queries twice, per field (Python).
 */
function walksOwnConfigPerOuterItem(loop: LoopFacts): boolean {
  if (loop.language !== 'python' || !/^self\.\w+(?:\.(?:items|keys|values)\(\))?$/.test(loop.iterable?.text.trim() ?? '')) return false;
  let fn: SyntaxNode | null = loop.node.parent;
  while (fn && fn.type !== 'function_definition') fn = fn.parent;
  const name = fn?.childForFieldName('name')?.text;
  if (!fn || !name) return false;
  return loop.node.tree.rootNode.descendantsOfType('call').some((call) => {
    if (call.childForFieldName('function')?.text !== `self.${name}` || (call.startIndex >= fn!.startIndex && call.endIndex <= fn!.endIndex)) return false;
    for (let up = call.parent; up; up = up.parent) {
      if (up.type === 'for_statement' || up.type === 'while_statement') return true;
      if (up.type === 'function_definition') return false;
    }
    return false;
  });
}

/**
 * Python: every connection the file opens is to a database inside this process (`sqlite3.connect`: the
 * `in_process_database` entry of `builds:` in rules/apis/python.yml). A read per item is a library call on a local
 * file, not a network round trip (SQLite's own advice is that many small queries are fine), so the N+1 cost this
 * rule estimates does not exist (write-per-row says the same of writes). A file that opens no connection, or any
 * other one that could carry a query, is not this case; a client of another protocol (`protocol_client`: an HTTP pool
 * that fetches pages, an SMTP client) beside the local database is.
 */
export function inProcessDatabaseOnly(loop: LoopFacts, ctx: RuleContext, options: { transactional?: boolean } = {}): boolean {
  if (loop.language !== 'python') return false;
  let opened = 0;
  const root = rootOf(loop.node);
  const aliases = importAliases(root);
  for (const call of root.descendantsOfType('call')) {
    const written = call.childForFieldName('function')?.text ?? '';
    if (!/connect|Connection|engine|pool/i.test(written)) continue;
    // `import sqlite3.dbapi2 as sqlite` then `sqlite.connect(...)`: the callee as the module names it.
    const dot = written.indexOf('.');
    const module = dot > 0 ? aliases.get(written.slice(0, dot)) : undefined;
    const callee = module === undefined ? written : `${module}${written.slice(dot)}`;
    if (ctx.kb.builds?.('python', callee, 'in_process_database') === true) {
      // `sqlite3.connect(path, isolation_level=None)` (or `autocommit=True`) commits every statement: a write per row
      // is a transaction, and a disk sync, per row.
      if (options.transactional && /\bisolation_level\s*=\s*None\b|\bautocommit\s*=\s*True\b/.test(call.childForFieldName('arguments')?.text ?? '')) return false;
      opened++;
      continue;
    }
    // An HTTP pool, a mail or SSH client (`builds: protocol_client`) carries no query: the file's database reads
    // still go to the in-process one.
    if (ctx.kb.classify('python', callee).kinds.includes('connect') && ctx.kb.builds?.('python', callee, 'protocol_client') !== true) return false;
  }
  // A file that opens no connection itself but works on one handed in (`def report(con: apsw.Connection)`, or a
  // wrapper of the package's own): its imports say which engine that is. For writes only through a helper module of
  // the package whose connect calls show the mode: whether a connection built elsewhere commits every statement
  // (apsw's default, `isolation_level=None`) is not visible from an import alone.
  return opened > 0 || importsInProcessDatabaseOnly(root, ctx, options.transactional === true);
}

/** Python: names the module binds to another module by an aliased or `from` import (`sqlite` → `sqlite3.dbapi2`). */
function importAliases(root: SyntaxNode): Map<string, string> {
  const out = new Map<string, string>();
  for (const statement of root.descendantsOfType(['import_statement', 'import_from_statement'])) {
    const from = statement.type === 'import_from_statement' ? statement.childForFieldName('module_name')?.text : undefined;
    if (from?.startsWith('.')) continue;
    for (const n of statement.namedChildren) {
      if (n.type === 'aliased_import') {
        const name = n.childForFieldName('name')?.text;
        const alias = n.childForFieldName('alias')?.text;
        if (name && alias) out.set(alias, from ? `${from}.${name}` : name);
      } else if (from && n.type === 'dotted_name' && n.id !== statement.childForFieldName('module_name')?.id) {
        out.set(n.text, `${from}.${n.text}`);
      }
    }
  }
  return out;
}

/**
 * Python: the module imports a database engine that runs inside this process (`import sqlite3`, `import apsw`: a
 * module whose `connect`/`Connection` is an `in_process_database` build) and no module whose connection the
 * catalogue knows as a server's (`psycopg2.connect`, `asyncpg.create_pool`). A module that imports neither may work
 * through a helper module of its own package (`from .sql_db import SqlDB`, whose class opens the connection): then
 * the same test over the modules those helpers import (effect summaries' `packageImports`).
 */
function importsInProcessDatabaseOnly(root: SyntaxNode, ctx: RuleContext, transactional: boolean): boolean {
  const own: string[] = [];
  for (const statement of root.namedChildren) {
    if (statement.type !== 'import_statement' && statement.type !== 'import_from_statement') continue;
    const modules = statement.type === 'import_from_statement'
      ? [statement.childForFieldName('module_name')?.text ?? '']
      : statement.namedChildren.map((n) => (n.type === 'aliased_import' ? n.childForFieldName('name')?.text ?? '' : n.text));
    own.push(...modules);
  }
  const mine = databaseEngines(own, ctx);
  // Writes: whether a connection built elsewhere commits every statement is not visible from an import alone.
  if (mine !== 'none') return !transactional && mine === 'in-process';
  const helpers = (ctx.kb.packageImports?.('python') ?? []).map((helper) => ({ engines: databaseEngines(helper.modules, ctx), connections: helper.localConnections }));
  if (helpers.some((h) => h.engines === 'server') || !helpers.some((h) => h.engines === 'in-process')) return false;
  // Writes: a helper's own `sqlite3.connect(...)` call must be seen, and none in autocommit mode.
  return !transactional || (helpers.some((h) => h.connections === 'transactional') && !helpers.some((h) => h.connections === 'autocommit'));
}

/** Which database engines a list of imported modules brings in: any server's wins over an in-process one. */
function databaseEngines(modules: string[], ctx: RuleContext): 'server' | 'in-process' | 'none' {
  let local = false;
  for (const module of modules) {
    if (module === '' || module.startsWith('.')) continue;
    if (['connect', 'Connection'].some((f) => ctx.kb.builds?.('python', `${module}.${f}`, 'in_process_database') === true)) {
      local = true;
      continue;
    }
    const packages = [module, module.split('.')[0]!];
    if (packages.some((m) => ['connect', 'create_pool'].some((f) => ctx.kb.classify('python', `${m}.${f}`).kinds.includes('connect')))) return 'server';
  }
  return local ? 'in-process' : 'none';
}

export const detectQueryInLoop: Detector = (loop, ctx) => {
  if (!ITERATING_KINDS.has(loop.kind) || loop.infinite) return null;
  // One query per chunk (`for i in range(0, len(ids), 500)`) is the batching already.
  if (insideGather(loop) || exitsUnconditionally(loop) || tinyLiteralIterable(loop) || iteratesChunks(loop)) return null;
  const reads = perItemReads(loop, ctx.file.source, ctx.kb);
  if (reads.length === 0) return null;
  if (walksOwnConfigPerOuterItem(loop) || inProcessDatabaseOnly(loop, ctx)) return null;
  const first = reads[0]!;
  const distinctLines = new Set(reads.map((r) => r.line)).size;
  const items = batchSize(loop, ctx.model, ctx.config.cost);
  if (fewStatedItems(items)) return null;
  const runs = runsPerDayOf(loop, ctx.model, ctx.locale);
  const cost = roundTripsCost(
    {
      items,
      callsPerItem: distinctLines,
      listQuery: iterableFromQuery(loop, ctx.model),
      latency: fromConfig(ctx.config.cost, 'db_query_ms'),
      ...(runs ? { runsPerDay: runs } : {}),
    },
    ctx.config.cost,
    ctx.locale,
  );
  const confidence = confidenceOf([first]);
  const sketch = braceBatchedReadSketch(loop, first) ?? batchedReadSketch(first, loop, ctx.model);
  return {
    loop,
    line: first.line,
    confidence,
    evidenceKind: 'db-read',
    // A call that also writes (an INSERT that reads its id back through a helper, `find_one_and_update`) is no N+1
    // read: the message says what the chain does.
    variant: confidence === 'low' ? 'guessed' : hasKind(first, 'db-write') ? 'read-write' : 'default',
    data: {
      call: calleeLabel(first),
      loopVar: loop.loopVariables[0] ?? 'item',
      count: distinctLines,
      items: formatCount(items, ctx.locale),
      before: formatNumber(cost.before, ctx.locale),
      after: formatNumber(cost.after, ctx.locale),
    },
    ...gradedItems(loop, ctx.model, items),
    cost,
    fix: blockFix(ctx, loop, sketch ?? genericBatchSketch(loop, first), say(ctx, sketch ? 'fix.query.batched' : 'fix.query.generic'), 'unsafe'),
  };
};
