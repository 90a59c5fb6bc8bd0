import type { FileModel } from '../../model.js';
// A polling loop that reads "everything pending" without a LIMIT: fine while the table is small, a full backlog
// read (and lock, with FOR UPDATE) on every poll once work piles up. Quiet for bounded reads (LIMIT / FETCH FIRST /
// TOP, slices, .limit(), take:, first/get/count/exists), aggregates and single-row lookups.
import { formatNumber, fromConfig, fromCode, rowsReadCost } from '../../../cost/index.js';
import type { CallFact, LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detection, Detector, RuleContext } from '../../rule-types.js';
import { isPollingLoop } from './polling-fixed-interval.js';
import {
  argumentNodes,
  blockFix,
  wholeSqlText,
  callNode,
  chainRoot,
  hasKind,
  inErrorHandler,
  leavesOnSuccess,
  insertAndEdit,
  isPython,
  ownCalls,
  pollerInterval,
  provedReplace,
  say,
  short,
  constantString,
} from '../lib/index.js';
import { headThenFirst, headThenTailOnLine, statementEnd } from '../../../core/linear-text.js';

// Node type lists passed to descendantsOfType, built once (it caches its symbol table per array).
const STRING_PIECES: readonly string[] = ['string_content', 'string_fragment'];

export const BOUNDED_CHAIN =
  /\[\s*(?:\d+\s*)?:\s*\w+\s*\]|\[\s*\d+\s*\]|\.(limit|take|first|one|one_or_none|scalar|get|count|exists|latest|earliest|last|fetchone|fetchrow|fetchval|findOne|findUnique|findFirst|findByPk|aggregate|countDocuments|paginate)\s*\(|\btake\s*:|\blimit\s*:|\b(?:pageSize|page_size|perPage|per_page)\s*:|\bLIMIT\b|\bFETCH\s+FIRST\b|\bTOP\s*\(?\d/i;
const AGGREGATE = /^\s*SELECT\s+(COUNT|MAX|MIN|SUM|AVG|EXISTS|1\b|NOW|CURRENT_)/i;
const POINT_LOOKUP = /\bWHERE\s+[\w.]*\bid\s*=\s*(%s|\?|\$\d+|:\w+|\d+)\s*(;|$|\bFOR\b)/i;

interface Unbounded {
  call: CallFact;
  root: SyntaxNode;
  sql?: string;
  sqlNode?: SyntaxNode;
  fullScan: boolean;
}

function sqlOf(call: CallFact, model: FileModel): { sql: string; node?: SyntaxNode } | undefined {
  const first = argumentNodes(callNode(call))[0];
  const resolved = constantString(first, model);
  if (resolved !== undefined && /^\s*(SELECT|WITH)\b/i.test(resolved)) {
    return { sql: resolved, ...(first && (first.type === 'string' || first.type === 'template_string') ? { node: first } : {}) };
  }
  if (call.sql !== undefined && /^\s*(SELECT|WITH)\b/i.test(call.sql)) return { sql: call.sql };
  return undefined;
}

const ORM_MANY_LINK = /\.objects\.(filter|all|exclude|order_by|select_for_update)|\.(findMany|findAll|find)\b|\.select\(/;
const QUERY_THEN_FILTER = /\)\.(filter|filter_by|all|order_by)/;

/** `/\.query\(.*\)\.(filter|...)/` found by the first `.query(` of each line instead of a rescan from every one. */
export function isOrmMany(spineText: string): boolean {
  return ORM_MANY_LINK.test(spineText) || headThenTailOnLine(spineText, '.query(', QUERY_THEN_FILTER);
}

/** A call chain with its argument lists emptied: `a.find({ x: b.findMany() }).limit(5)` → `a.find().limit()`. */
function spine(text: string): string {
  let out = '';
  let depth = 0;
  for (const ch of text) {
    if (ch === '(') {
      if (depth === 0) out += ch;
      depth++;
    } else if (ch === ')') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) out += ch;
    } else if (depth === 0) out += ch;
  }
  return out;
}

/** Query chains recognised without the knowledge base (only shapes that cannot be a plain list method). */
// (`(?!\.query\()` ends each argument scan at the next `.query(`, which is then tried itself: one scan per character.)
export const DJANGO_OR_SQLALCHEMY = /\.objects\.(filter|all|exclude|order_by|select_for_update)\(|\.query\((?:(?!\.query\()[^)])*\)\.(filter|filter_by|all|order_by)\(/;

/** The statement's only FROM source is a function called with at least one argument (no JOIN, no second source). */
// The select list may hold parenthesised expressions with a FROM of their own (`extract(epoch from lag)`), up to
// two levels deep; the FROM that counts is the first one outside them.
const FUNCTION_SOURCE = /^\s*SELECT\b(?:\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)|(?!\bFROM\b)[^;()])*\bFROM\s+[\w."]+\s*\(\s*[^()\s][^()]*\)(?:\s+(?:AS\s+)?\w+)?\s*(?:;?\s*$|\b(?:ORDER|LIMIT|WHERE|GROUP)\b)(?![\s\S]*\bJOIN\b)/i;

/** A chain that reads everything: `.all()` at the end, `.find()`, `.find({})`, `.findMany()`, `.findAll()`. */
export const FULL_SCAN = /\.all\(\)\s*$|\.find\(\s*(?:\{\s*\}\s*)?\)|\.findMany\(\s*\)|\.findAll\(\s*\)/;

/**
 * `Post.findAll(filter, { ...pagination, pageToken })` after `const pagination = { pageSize: 100 }`: an argument
 * object spreads a name that the enclosing function (or the module) binds to an object literal holding a bound
 * (`limit:`, `take:`, `pageSize:`), so every read is one page.
 */
function spreadsBound(root: SyntaxNode): boolean {
  for (const spread of root.descendantsOfType('spread_element')) {
    const name = spread.namedChildren[0];
    if (name?.type !== 'identifier') continue;
    for (let scope = spread.parent; scope; scope = scope.parent) {
      if (scope.type !== 'statement_block' && scope.type !== 'program') continue;
      const bound = scope.namedChildren
        .filter((s) => s.type === 'lexical_declaration' || s.type === 'variable_declaration')
        .flatMap((s) => s.namedChildren)
        .find((d) => d.type === 'variable_declarator' && d.childForFieldName('name')?.text === name.text);
      if (!bound) continue;
      const value = bound.childForFieldName('value');
      if (value?.type === 'object' && BOUNDED_CHAIN.test(value.text)) return true;
      break;
    }
  }
  return false;
}

/** A lower-bound operator of a document/ORM filter: Mongo's `$gt`/`$gte`, Sequelize's `[Op.gt]`, Prisma's `gt:`. */
const LOWER_BOUND_KEY = /^(?:['"]?\$gte?['"]?|\[Op\.gte?\]|gte?)$/;

/**
 * `find(last ? { timestamp: { $gte: last } } : {})` where the loop sets `last = docs.pop().timestamp` after each
 * read: an incremental poll. Every read after the first asks only for rows at or past the last one seen (a
 * high-water mark the loop itself advances), so the reads do not return the whole backlog on each poll. The filter is
 * in the chain's arguments or a name the loop binds to it; the bound's value is a name or field the loop assigns.
 */
function readsPastHighWaterMark(root: SyntaxNode, loop: LoopFacts): boolean {
  const assigned = new Set(
    loop.node
      .descendantsOfType('assignment_expression')
      .map((a) => a.childForFieldName('left')?.text ?? '')
      .filter((t) => t !== ''),
  );
  if (assigned.size === 0) return false;
  // What the loop binds to each name (`const query = { ts: { $gte: last } }`), read once.
  const bound = new Map<string, SyntaxNode[]>();
  for (const d of loop.node.descendantsOfType('variable_declarator')) {
    const name = d.childForFieldName('name')?.text;
    const value = d.childForFieldName('value');
    if (name && value) bound.set(name, [...(bound.get(name) ?? []), value]);
  }
  const filters: SyntaxNode[] = [];
  for (const args of root.descendantsOfType('arguments')) {
    for (const arg of args.namedChildren) {
      filters.push(arg);
      if (arg.type === 'identifier') filters.push(...(bound.get(arg.text) ?? []));
    }
  }
  return filters.some((f) =>
    [f, ...f.descendantsOfType('pair')].some((p) => {
      if (p.type !== 'pair' || !LOWER_BOUND_KEY.test(p.childForFieldName('key')?.text ?? '')) return false;
      const value = p.childForFieldName('value');
      return (value?.type === 'identifier' || value?.type === 'member_expression') && assigned.has(value.text);
    }),
  );
}

/**
 * `setup_curs.execute(q, args)` then `lag = setup_curs.fetchone()[0]`, or `cursor = db.execute(q)` then
 * `row = cursor.fetchone()` (Python): the statement right after the query reads one row from the cursor it ran on
 * (or the one it returned), and the round reads nothing more from it (no other fetch, no iteration). The loop takes one row per query, as a
 * `fetchone()` on the same chain does; the statement is not a scan the loop drains.
 */
function readsOneRowNext(node: SyntaxNode, model: FileModel): boolean {
  if (model.language !== 'python') return false;
  let statement: SyntaxNode | null = node;
  while (statement && statement.type !== 'expression_statement') {
    if (statement.type === 'block' || statement.type === 'module') return false;
    statement = statement.parent;
  }
  if (!statement) return false;
  const fn = node.childForFieldName('function');
  const names = new Set<string>();
  if (fn?.type === 'attribute') names.add(fn.childForFieldName('object')?.text ?? '');
  const expr = statement.namedChildren[0];
  if (expr?.type === 'assignment' && expr.childForFieldName('right')?.id === node.id && expr.childForFieldName('left')?.type === 'identifier') names.add(expr.childForFieldName('left')!.text);
  names.delete('');
  const next = statement.nextNamedSibling;
  if (next?.type !== 'expression_statement' || names.size === 0) return false;
  const reads = next.descendantsOfType('call').map((c) => c.childForFieldName('function')).filter((f): f is SyntaxNode => f?.type === 'attribute' && names.has(f.childForFieldName('object')?.text ?? ''));
  if (!reads.some((f) => f.childForFieldName('attribute')?.text === 'fetchone')) return false;
  // Nothing else of the round reads more rows from it (`fetchall`, `fetchmany`, iterating it).
  const block = statement.parent;
  const more = (s: SyntaxNode) =>
    s.descendantsOfType('call').some((c) => { const f = c.childForFieldName('function'); return f?.type === 'attribute' && names.has(f.childForFieldName('object')?.text ?? '') && /^fetch(all|many|one)$/.test(f.childForFieldName('attribute')?.text ?? ''); }) ||
    [s, ...s.descendantsOfType('for_statement')].some((f) => f.type === 'for_statement' && names.has(f.childForFieldName('right')?.text ?? ''));
  return !(block?.namedChildren ?? []).some((s) => s.startIndex > next.startIndex && more(s));
}

export function unboundedReads(loop: LoopFacts, model: FileModel): Unbounded[] {
  const out: Unbounded[] = [];
  const seen = new Set<number>();
  // One spine per chain: every call of a long chain shares its root, and re-reading the root per call is quadratic.
  const spines = new Map<number, string>();
  const spineOf = (root: SyntaxNode): string => {
    let text = spines.get(root.id);
    if (text === undefined) spines.set(root.id, (text = spine(root.text)));
    return text;
  };
  for (const call of ownCalls(loop)) {
    const root = chainRoot(callNode(call));
    if (seen.has(root.id)) continue;
    // ORM chains are recognised here too: the knowledge base classifies their first link, not always the chain
    if ((!hasKind(call, 'db-read', 'lock') && !DJANGO_OR_SQLALCHEMY.test(spineOf(root))) || inErrorHandler(call.node, loop)) continue;
    // `while True: try: cursor.execute("SELECT * FROM django_migrations"); break except OperationalError: sleep(d)`:
    // a wait until the database answers; the loop ends on the first read that succeeds, so the table is read once.
    if (leavesOnSuccess(callNode(call), loop)) continue;
    seen.add(root.id);
    const chain = root.text;
    const sql = sqlOf(call, model);
    if (sql) {
      if (BOUNDED_CHAIN.test(sql.sql) || AGGREGATE.test(sql.sql) || POINT_LOOKUP.test(sql.sql)) continue;
      // `SELECT pg_is_in_recovery()`, `SELECT CASE ... END`: expressions, no table; one row whatever the database holds.
      // Only when the whole statement is in the code (a `+ table` or a lone `{}` placeholder may bring the FROM).
      const whole = wholeSqlText(argumentNodes(callNode(call))[0], model);
      if (whole !== undefined && !/\bFROM\b/i.test(whole)) continue;
      // `select * from pgq.next_batch_info(%s, %s)`, `SELECT * FROM get_batch_events(%s)`: the one source is a function
      // of the database called with arguments, not a table; which rows it returns is what those arguments select (a
      // consumer's next batch, one batch's events), the way a WHERE would. Not when it joins or lists a table too.
      if (whole !== undefined && FUNCTION_SOURCE.test(whole)) continue;
      if (/fetchone|fetchrow|fetchval|fetch_one|first\(/.test(chain)) continue;
      if (readsOneRowNext(callNode(call), model)) continue;
      out.push({ call, root, sql: sql.sql, ...(sql.node ? { sqlNode: sql.node } : {}), fullScan: !/\bWHERE\b/i.test(sql.sql) });
      continue;
    }
    if (!isOrmMany(spineOf(root)) || BOUNDED_CHAIN.test(chain) || spreadsBound(root) || readsPastHighWaterMark(root, loop)) continue;
    // the chain's value is iterated or materialised (not just passed to .count() etc., which BOUNDED_CHAIN covers)
    const fullScan = FULL_SCAN.test(chain) && !/filter|where|exclude/.test(chain);
    out.push({ call, root, fullScan });
  }
  return out;
}

export const detectUnboundedQuery: Detector = (loop, ctx) => {
  if (!isPollingLoop(loop)) return null;
  const reads = unboundedReads(loop, ctx.model);
  if (reads.length === 0) return null;
  const interval = pollerInterval(loop, ctx.model) ?? fromCode('sleep_seconds', 60, 's');
  const limit = fromConfig(ctx.config.cost, 'batch_size');
  return reads.slice(0, 2).map((read): Detection => {
    const cost = rowsReadCost({ interval, limit }, ctx.config.cost, ctx.locale);
    return {
      loop,
      line: read.call.line,
      confidence: read.call.confidence === 'low' ? 'low' : 'high',
      variant: read.fullScan ? 'full-scan' : 'default',
      data: {
        call: short(read.sql ?? read.root.text, 60),
        limit: formatNumber(limit.value, ctx.locale),
        selectStar: read.sql && /SELECT\s+\*/i.test(read.sql) ? say(ctx, 'unbounded.select-star') : '',
      },
      cost,
      fix: limitFix(loop, ctx, read, limit.value),
    };
  });
};

/** Puts `LIMIT n` where SQL wants it: before FOR UPDATE / SKIP LOCKED / a trailing semicolon, else at the end. */
// `(?<!\s)`: a run of spaces is tried once, from its start, not again from each of its spaces.
const LOCK_CLAUSE = /(?<!\s)\s+FOR\s+(NO\s+KEY\s+UPDATE|UPDATE|SHARE|KEY\s+SHARE)\b/i;

export function addLimit(sql: string, n: number): string {
  const lock = LOCK_CLAUSE.exec(sql);
  if (lock) return `${sql.slice(0, lock.index)} LIMIT ${n}${sql.slice(lock.index)}`;
  const end = statementEnd(sql);
  return `${sql.slice(0, end)} LIMIT ${n}${sql.slice(end)}`;
}

function limitFix(loop: LoopFacts, ctx: RuleContext, read: Unbounded, n: number) {
  const description = say(ctx, 'fix.unbounded.limit', { limit: n });
  if (read.sqlNode && read.sql !== undefined) {
    const node = read.sqlNode;
    const contents = node.descendantsOfType(STRING_PIECES);
    const last = contents[contents.length - 1];
    if (last) {
      const raw = last.text;
      const patched = addLimit(raw, n);
      const fix = replaceNodeText(ctx, last, patched, description);
      if (fix) return fix;
    }
  }
  const root = read.root;
  const chain = root.text;
  if (root.startPosition.row === root.endPosition.row) {
    let replacement: string | undefined;
    if (isPython(loop.language)) {
      if (/\.objects\./.test(chain)) replacement = `${chain}[:${n}]`;
      else if (/\.all\(\)$/.test(chain)) replacement = chain.replace(/\.all\(\)$/, `.limit(${n}).all()`);
    } else if (/\.(findMany|findAll)\(\s*\{/.test(chain)) {
      replacement = chain.replace(/\.(findMany|findAll)\(\s*\{/, (m, method: string) => `.${method}({ ${method === 'findMany' ? 'take' : 'limit'}: ${n},`);
    } else if (/\.(findMany|findAll)\(\s*\)/.test(chain)) {
      replacement = chain.replace(/\.(findMany|findAll)\(\s*\)/, (m, method: string) => `.${method}({ ${method === 'findMany' ? 'take' : 'limit'}: ${n} })`);
    } else if (headThenFirst(chain, /\.find\(/, ')')) {
      replacement = chain.replace(/(\.find\((?:[^()]|\([^()]*\))*\))/, `$1.limit(${n})`);
    }
    if (replacement && replacement !== chain) {
      const fix = insertAndEdit(ctx, root.startPosition.row + 1, undefined, [{ node: root, text: replacement }], description, 'unsafe');
      if (fix) return fix;
    }
  }
  return blockFix(ctx, loop, sketch(loop, read, n), description, 'unsafe');
}

function replaceNodeText(ctx: RuleContext, node: SyntaxNode, text: string, description: string) {
  if (node.startPosition.row === node.endPosition.row) {
    return insertAndEdit(ctx, node.startPosition.row + 1, undefined, [{ node, text }], description, 'unsafe');
  }
  // a triple-quoted / template string spanning lines: rewrite its lines as a whole
  const src = ctx.file.source.split(/\r?\n/);
  const startRow = node.startPosition.row;
  const endRow = node.endPosition.row;
  const firstLine = Buffer.from(src[startRow] ?? '', 'utf8');
  const lastLine = Buffer.from(src[endRow] ?? '', 'utf8');
  const before = firstLine.subarray(0, node.startPosition.column).toString('utf8');
  const after = lastLine.subarray(node.endPosition.column).toString('utf8');
  return provedReplace(ctx, startRow + 1, endRow + 1, `${before}${text}${after}`, description, 'unsafe');
}

/** Go and Java: the call as written with `LIMIT n` added to its SQL literal (or to the resolved SQL when it is built). */
function braceSketch(read: Unbounded, n: number): string {
  const note = `// at most ${n} rows per poll; the rest on the next polls`;
  const call = read.call.node;
  if (read.sql === undefined) return `${read.root.text} ${note} (add a LIMIT / setMaxResults / Pageable)`;
  const literal = call.descendantsOfType(['interpreted_string_literal', 'raw_string_literal', 'string_literal']).find((l) => l.text.slice(1, -1) === read.sql);
  if (literal && call.startPosition.row === call.endPosition.row) {
    const quote = literal.text[0]!;
    return `${call.text.replace(literal.text, `${quote}${addLimit(read.sql, n)}${quote}`)} ${note}`;
  }
  return `${read.call.callee}(${JSON.stringify(addLimit(read.sql, n))}, ...) ${note}`;
}

function sketch(loop: LoopFacts, read: Unbounded, n: number): string {
  if (loop.language === 'go' || loop.language === 'java') return braceSketch(read, n);
  if (read.sql !== undefined) {
    return isPython(loop.language)
      ? `${read.call.receiver ?? 'cur'}.execute(${JSON.stringify(addLimit(read.sql, n))})  # at most ${n} rows per poll; the rest on the next polls`
      : `await ${read.call.receiver ?? 'db'}.${read.call.method}(${JSON.stringify(addLimit(read.sql, n))}); // at most ${n} rows per poll`;
  }
  return isPython(loop.language)
    ? `batch = ${read.root.text}[:${n}]  # or .limit(${n}): at most ${n} rows per poll, ordered by a watermark column`
    : `const batch = await ${read.root.text.replace(/^await\s+/, '')}; // add take/limit: ${n} and order by a watermark column`;
}
