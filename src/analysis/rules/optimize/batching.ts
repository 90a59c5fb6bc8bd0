import type { FileModel } from '../../model.js';
// Rewrites a per-item query or write into one batched call: finds which argument carries the item's key and
// produces the idiomatic batched form for the API in use (IN / ANY($1), executemany, in_bulk, findMany, $in, ...).
import type { CallFact, LoopFacts, SyntaxNode } from '../../facts.js';
import { argumentNodes, callNode, identifiersIn, isPython, isTyped, constantString } from '../lib/index.js';
import { dropFromLastLineColon, isRegexSpace } from '../../../core/linear-text.js';

export interface IterationParts {
  /** Loop variable pattern as written (`order`, `[id, row]`, `(a, b)`). */
  pattern: string;
  /** Iterable expression (`orders`, `rows[:100]`). */
  iterable: string;
}

/** Pattern and iterable of `for x in xs` / `for (const x of xs)` / `xs.forEach((x) => ...)`. */
export function iterationParts(loop: LoopFacts): IterationParts | undefined {
  const left = loop.node.childForFieldName('left');
  const right = loop.node.childForFieldName('right');
  if (left && right) return { pattern: left.text, iterable: right.text };
  if (loop.kind === 'callback-iteration' && loop.node.type === 'call_expression') {
    const fn = loop.node.childForFieldName('function');
    const callback = argumentNodes(loop.node)[0];
    const params = callback?.childForFieldName('parameters') ?? callback?.childForFieldName('parameter');
    const receiver = fn?.childForFieldName('object');
    if (!receiver || !params) return undefined;
    const first = params.type === 'identifier' ? params : params.namedChildren[0];
    if (!first) return undefined;
    return { pattern: dropFromLastLineColon(first.text), iterable: receiver.text };
  }
  return undefined;
}

export interface KeyBinding {
  /** Column / field the per-item call filters on (`customer_id`, `id`, `_id`). */
  field: string;
  /** Expression giving each item's key (`order.customer_id`). */
  expr: string;
}

function mentionsIteration(node: SyntaxNode, loop: LoopFacts, assignedInLoop: Set<string>): boolean {
  const ids = identifiersIn(node);
  return loop.loopVariables.some((v) => ids.has(v)) || [...ids].some((id) => assignedInLoop.has(id));
}

function unquote(text: string): string {
  return text.replace(/^['"`]|['"`]$/g, '');
}

const NAME_RUN = /[\w.]+/g;
const EQ_PLACEHOLDER = /\s*=\s*(%s|\?|\$1|:[A-Za-z_]\w*|%\([A-Za-z_]\w*\)s)/y;

export interface SqlEquality {
  index: number;
  end: number;
  column: string;
  placeholder: string;
}

/**
 * The first `column = <placeholder>` of a SQL string, as `/\b([A-Za-z_][\w.]*)\s*=\s*(%s|\?|...)/` found it, but
 * tried once per run of name characters: the pattern restarted after every dot of `a.b.c.d...` and rescanned the run.
 */
export function sqlEquality(sql: string): SqlEquality | undefined {
  NAME_RUN.lastIndex = 0;
  for (let run = NAME_RUN.exec(sql); run; run = NAME_RUN.exec(sql)) {
    const end = run.index + run[0].length;
    // The leftmost place the pattern could start in this run: a letter or _ at its start or right after a dot.
    let start = -1;
    for (let i = run.index; i < end && start < 0; i++) {
      if (/[A-Za-z_]/.test(sql[i]!) && (i === run.index || sql[i - 1] === '.')) start = i;
    }
    if (start < 0) continue;
    EQ_PLACEHOLDER.lastIndex = end;
    const tail = EQ_PLACEHOLDER.exec(sql);
    if (tail) return { index: start, end: end + tail[0].length, column: sql.slice(start, end), placeholder: tail[1]! };
  }
  return undefined;
}

function replaceEquality(sql: string, by: (eq: SqlEquality) => string): string {
  const eq = sqlEquality(sql);
  return eq ? `${sql.slice(0, eq.index)}${by(eq)}${sql.slice(eq.end)}` : sql;
}

/** Which field the call looks the item up by, and with what expression. */
export function keyBinding(call: CallFact, loop: LoopFacts, model: FileModel): KeyBinding | undefined {
  const assigned = new Set(loop.assignments.map((a) => a.target));
  const node = callNode(call);
  const args = argumentNodes(node);
  if (call.sql !== undefined || (args[0] && constantString(args[0], model) !== undefined && /\bwhere\b/i.test(constantString(args[0], model) ?? ''))) {
    const sql = call.sql ?? constantString(args[0], model) ?? '';
    const placeholders = sql.match(/%s|\?|\$\d+|:[A-Za-z_]\w*|%\([A-Za-z_]\w*\)s/g) ?? [];
    const eq = sqlEquality(sql);
    const params = args[1];
    if (!eq || placeholders.length !== 1 || !params) return undefined;
    const inner = params.type === 'tuple' || params.type === 'list' || params.type === 'array' ? params.namedChildren[0] : params;
    if (!inner || !mentionsIteration(inner, loop, assigned)) return undefined;
    const value = inner.type === 'pair' ? inner.childForFieldName('value') : inner;
    return value ? { field: eq.column, expr: value.text } : undefined;
  }
  // keyword arguments (`id=order.customer_id`) and object / dict pairs (`{ where: { id: o.userId } }`)
  let best: KeyBinding | undefined;
  const stack = [...args];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'keyword_argument' || n.type === 'pair') {
      const key = n.childForFieldName('name') ?? n.childForFieldName('key');
      const value = n.childForFieldName('value');
      if (key && value && value.type !== 'object' && value.type !== 'dictionary' && mentionsIteration(value, loop, assigned)) {
        best = { field: unquote(key.text), expr: value.text };
      }
    }
    for (const c of n.namedChildren) stack.push(c);
  }
  if (best) return best;
  // positional key (`session.get(User, order.user_id)`, `findByPk(o.userId)`)
  const positional = args.filter((a) => a.type !== 'keyword_argument' && mentionsIteration(a, loop, assigned));
  if (positional.length === 1 && /^[\w.$\[\]'"]+$/.test(positional[0]!.text)) return { field: 'id', expr: positional[0]!.text };
  return undefined;
}

function keysLine(py: boolean, parts: IterationParts, key: KeyBinding): string {
  if (py) return key.expr === parts.pattern ? `keys = list(set(${parts.iterable}))` : `keys = list({${key.expr} for ${parts.pattern} in ${parts.iterable}})`;
  if (key.expr === parts.pattern) return `const keys = [...new Set(${parts.iterable})];`;
  return `const keys = [...new Set(${parts.iterable}.map((${parts.pattern}) => ${key.expr}))];`;
}

/** Adds the key column to an explicit select list so that the rows can be indexed by it. */
function selectingKey(sql: string, column: string): string {
  const m = selectList(sql);
  if (!m) return sql;
  const [head, list] = m;
  if (/(^|,)\s*\*\s*(,|$)/.test(list) || new RegExp(`\\b${column}\\b`, 'i').test(list)) return sql;
  return `${head}${column}, ${list}${sql.slice(head.length + list.length)}`;
}

const SELECT_HEAD = /^\s*SELECT\s+/i;
const FROM_AFTER_LIST = /(?<!\s)\s+FROM\b/gi;

/**
 * `/^(\s*SELECT\s+)([\s\S]*?)(\s+FROM\b)/i` without its cubic retries over runs of spaces: [head, select list].
 * The list starts after the spaces that follow SELECT and ends at the first run of spaces before a FROM.
 */
export function selectList(sql: string): [string, string] | undefined {
  const head = SELECT_HEAD.exec(sql);
  if (!head) return undefined;
  const start = head[0].length;
  FROM_AFTER_LIST.lastIndex = start;
  const from = FROM_AFTER_LIST.exec(sql);
  if (from) return [head[0], sql.slice(start, from.index)];
  // `SELECT  FROM t`: the regex gave the last space before FROM back to its third group and matched an empty list.
  if (isRegexSpace(sql.charCodeAt(start - 2)) && /^FROM\b/i.test(sql.slice(start, start + 5))) return [sql.slice(0, start - 1), ''];
  return undefined;
}

/** The batched read for an N+1 call, as a block sketch in the file's language; undefined when no shape fits. */
export function batchedReadSketch(call: CallFact, loop: LoopFacts, model: FileModel): string | undefined {
  const found = iterationParts(loop);
  const key = keyBinding(call, loop, model);
  if (!found || !key) return undefined;
  const py = isPython(loop.language);
  const typed = isTyped(loop.language);
  // An iterable that is an expression (a queryset, a call) is materialised once so that it is not evaluated twice.
  const simple = /^[\w.$]+$/.test(found.iterable);
  const materialise = simple ? [] : [py ? `items = list(${found.iterable})` : `const items = Array.from(${found.iterable});`];
  const parts = simple ? found : { ...found, iterable: 'items' };
  const keys = [...materialise, keysLine(py, parts, key)].join('\n');
  const recv = call.receiver ?? '';
  const method = call.method;
  const body = py ? `for ${parts.pattern} in ${parts.iterable}:` : `for (const ${parts.pattern} of ${parts.iterable}) {`;
  const close = py ? [] : ['}'];
  const ind = py ? '    ' : '  ';
  const lookup = (target: string, map: string): string =>
    py ? `${ind}${target} = ${map}.get(${key.expr})` : `${ind}const ${target} = ${map}.get(${key.expr});`;
  const target = call.assignedTo && /^[A-Za-z_$][\w$]*$/.test(call.assignedTo) ? call.assignedTo : 'found';
  const rest = py ? `${ind}...  # the rest of the loop body, unchanged` : `${ind}// the rest of the loop body, unchanged`;
  if (call.sql !== undefined || /execute|query|raw/.test(method)) {
    const sql = call.sql ?? constantString(argumentNodes(callNode(call))[0], model) ?? '';
    if (!sql) return undefined;
    if (py) {
      const placeholder = /\?/.test(sql) ? '?' : '%s';
      const col = key.field.split('.').pop()!;
      const batched = replaceEquality(selectingKey(sql, col), (eq) => `${eq.column} IN ({placeholders})`);
      return [
        keys,
        `placeholders = ", ".join(["${placeholder}"] * len(keys))`,
        `${recv}.execute(f"${batched.replace(/"/g, '\\"')}", keys)`,
        `# one query for the whole batch; index the rows by ${col} (dict-like rows assumed)`,
        `by_key = {row["${col}"]: row for row in ${recv}.fetchall()}`,
        body,
        lookup(target, 'by_key'),
        rest,
      ].join('\n');
    }
    const dollar = /\$1/.test(sql);
    const col = key.field.split('.').pop()!;
    const batched = replaceEquality(selectingKey(sql, col), (eq) => (dollar ? `${eq.column} = ANY(${eq.placeholder})` : `${eq.column} IN (?)`));
    return [
      keys,
      `const { rows: batchRows } = await ${recv}.${method}(${JSON.stringify(batched)}, [keys]);`,
      `const byKey = new Map(batchRows.map((row${typed ? ': any' : ''}) => [row.${col}, row]));`,
      body,
      lookup('row', 'byKey'),
      rest,
      ...close,
    ].join('\n');
  }
  if (py) {
    if (/\.objects$/.test(recv) || /_set$/.test(recv)) {
      const model = recv.replace(/\.objects$/, '');
      if (method === 'get') {
        return [keys, `by_key = ${model}.objects.in_bulk(keys, field_name="${key.field}")`, body, lookup(target, 'by_key'), rest].join('\n');
      }
      return [
        'from collections import defaultdict',
        '',
        keys,
        'by_key = defaultdict(list)',
        `for obj in ${recv}.${method}(${key.field}__in=keys):`,
        `    by_key[obj.${key.field}].append(obj)`,
        body,
        lookup(target, 'by_key'),
        rest,
      ].join('\n');
    }
    if (/find_one$/.test(method)) {
      return [keys, `by_key = {doc["${key.field}"]: doc for doc in ${recv}.find({"${key.field}": {"$in": keys}})}`, body, lookup(target, 'by_key'), rest].join('\n');
    }
    if (/session/i.test(recv) && method === 'get') {
      const model = argumentNodes(callNode(call))[0]?.text ?? 'Model';
      return [
        'from sqlalchemy import select',
        '',
        keys,
        `by_key = {obj.id: obj for obj in ${recv}.scalars(select(${model}).where(${model}.id.in_(keys)))}`,
        body,
        lookup(target, 'by_key'),
        rest,
      ].join('\n');
    }
    return undefined;
  }
  if (/^find(Unique|First)(OrThrow)?$/.test(method)) {
    return [keys, `const rows = await ${recv}.findMany({ where: { ${key.field}: { in: keys } } });`, `const byKey = new Map(rows.map((row) => [row.${key.field}, row]));`, body, lookup(target, 'byKey'), rest, ...close].join('\n');
  }
  if (method === 'findOne' && /_id|\bid\b/.test(key.field)) {
    return [keys, `const docs = await ${recv}.find({ ${key.field}: { $in: keys } }).toArray();`, `const byKey = new Map(docs.map((doc) => [String(doc.${key.field}), doc]));`, body, lookup(target, 'byKey').replace(`.get(${key.expr})`, `.get(String(${key.expr}))`), rest, ...close].join('\n');
  }
  if (method === 'findOneBy') {
    return [keys, `const rows = await ${recv}.findBy({ ${key.field}: In(keys) });`, `const byKey = new Map(rows.map((row) => [row.${key.field}, row]));`, body, lookup(target, 'byKey'), rest, ...close].join('\n');
  }
  if (method === 'findByPk') {
    return [keys, `const rows = await ${recv}.findAll({ where: { id: keys } });`, 'const byKey = new Map(rows.map((row) => [row.id, row]));', body, lookup(target, 'byKey'), rest, ...close].join('\n');
  }
  return undefined;
}

/** A generic batched-read outline when the API is not one coze-loop knows how to rewrite. */
export function genericBatchSketch(loop: LoopFacts, call: CallFact): string {
  const py = isPython(loop.language);
  const parts = iterationParts(loop) ?? { pattern: 'item', iterable: 'items' };
  if (py) {
    return [
      `keys = [<key of ${parts.pattern}> for ${parts.pattern} in ${parts.iterable}]`,
      `found = <one query for all keys: WHERE key IN (...) / __in / $in, instead of ${call.callee}(...)>`,
      'by_key = {<key of row>: row for row in found}',
      `for ${parts.pattern} in ${parts.iterable}:`,
      `    row = by_key.get(<key of ${parts.pattern}>)`,
      '    ...',
    ].join('\n');
  }
  return [
    `const keys = ${parts.iterable}.map((${parts.pattern}) => /* key of ${parts.pattern} */);`,
    `const found = await /* one query for all keys (IN / ANY($1) / $in / findMany) instead of ${call.callee}(...) */;`,
    'const byKey = new Map(found.map((row) => [/* key of row */, row]));',
    `for (const ${parts.pattern} of ${parts.iterable}) {`,
    `  const row = byKey.get(/* key of ${parts.pattern} */);`,
    '}',
  ].join('\n');
}
