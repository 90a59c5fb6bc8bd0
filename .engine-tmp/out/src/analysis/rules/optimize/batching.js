import { argumentNodes, callNode, identifiersIn, isPython, isTyped, stringValue } from './shared.js';
/** Pattern and iterable of `for x in xs` / `for (const x of xs)` / `xs.forEach((x) => ...)`. */
export function iterationParts(loop) {
    const left = loop.node.childForFieldName('left');
    const right = loop.node.childForFieldName('right');
    if (left && right)
        return { pattern: left.text, iterable: right.text };
    if (loop.kind === 'callback-iteration' && loop.node.type === 'call_expression') {
        const fn = loop.node.childForFieldName('function');
        const callback = argumentNodes(loop.node)[0];
        const params = callback?.childForFieldName('parameters') ?? callback?.childForFieldName('parameter');
        const receiver = fn?.childForFieldName('object');
        if (!receiver || !params)
            return undefined;
        const first = params.type === 'identifier' ? params : params.namedChildren[0];
        if (!first)
            return undefined;
        return { pattern: first.text.replace(/:.*$/, ''), iterable: receiver.text };
    }
    return undefined;
}
function mentionsIteration(node, loop, assignedInLoop) {
    const ids = identifiersIn(node);
    return loop.loopVariables.some((v) => ids.has(v)) || [...ids].some((id) => assignedInLoop.has(id));
}
function unquote(text) {
    return text.replace(/^['"`]|['"`]$/g, '');
}
const SQL_EQ = /\b([A-Za-z_][\w.]*)\s*=\s*(%s|\?|\$1|:[A-Za-z_]\w*|%\([A-Za-z_]\w*\)s)/;
/** Which field the call looks the item up by, and with what expression. */
export function keyBinding(call, loop) {
    const assigned = new Set(loop.assignments.map((a) => a.target));
    const node = callNode(call);
    const args = argumentNodes(node);
    if (call.sql !== undefined || (args[0] && stringValue(args[0]) !== undefined && /\bwhere\b/i.test(stringValue(args[0]) ?? ''))) {
        const sql = call.sql ?? stringValue(args[0]) ?? '';
        const placeholders = sql.match(/%s|\?|\$\d+|:[A-Za-z_]\w*|%\([A-Za-z_]\w*\)s/g) ?? [];
        const m = SQL_EQ.exec(sql);
        const params = args[1];
        if (!m || placeholders.length !== 1 || !params)
            return undefined;
        const inner = params.type === 'tuple' || params.type === 'list' || params.type === 'array' ? params.namedChildren[0] : params;
        if (!inner || !mentionsIteration(inner, loop, assigned))
            return undefined;
        const value = inner.type === 'pair' ? inner.childForFieldName('value') : inner;
        return value ? { field: m[1], expr: value.text } : undefined;
    }
    // keyword arguments (`id=order.customer_id`) and object / dict pairs (`{ where: { id: o.userId } }`)
    let best;
    const stack = [...args];
    while (stack.length > 0) {
        const n = stack.pop();
        if (n.type === 'keyword_argument' || n.type === 'pair') {
            const key = n.childForFieldName('name') ?? n.childForFieldName('key');
            const value = n.childForFieldName('value');
            if (key && value && value.type !== 'object' && value.type !== 'dictionary' && mentionsIteration(value, loop, assigned)) {
                best = { field: unquote(key.text), expr: value.text };
            }
        }
        for (const c of n.namedChildren)
            stack.push(c);
    }
    if (best)
        return best;
    // positional key (`session.get(User, order.user_id)`, `findByPk(o.userId)`)
    const positional = args.filter((a) => a.type !== 'keyword_argument' && mentionsIteration(a, loop, assigned));
    if (positional.length === 1 && /^[\w.$\[\]'"]+$/.test(positional[0].text))
        return { field: 'id', expr: positional[0].text };
    return undefined;
}
function keysLine(py, parts, key) {
    if (py)
        return key.expr === parts.pattern ? `keys = list(set(${parts.iterable}))` : `keys = list({${key.expr} for ${parts.pattern} in ${parts.iterable}})`;
    if (key.expr === parts.pattern)
        return `const keys = [...new Set(${parts.iterable})];`;
    return `const keys = [...new Set(${parts.iterable}.map((${parts.pattern}) => ${key.expr}))];`;
}
/** Adds the key column to an explicit select list so that the rows can be indexed by it. */
function selectingKey(sql, column) {
    const m = /^(\s*SELECT\s+)([\s\S]*?)(\s+FROM\b)/i.exec(sql);
    if (!m || /(^|,)\s*\*\s*(,|$)/.test(m[2]) || new RegExp(`\\b${column}\\b`, 'i').test(m[2]))
        return sql;
    return `${m[1]}${column}, ${m[2]}${sql.slice(m[1].length + m[2].length)}`;
}
/** The batched read for an N+1 call, as a block sketch in the file's language; undefined when no shape fits. */
export function batchedReadSketch(call, loop) {
    const found = iterationParts(loop);
    const key = keyBinding(call, loop);
    if (!found || !key)
        return undefined;
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
    const lookup = (target, map) => py ? `${ind}${target} = ${map}.get(${key.expr})` : `${ind}const ${target} = ${map}.get(${key.expr});`;
    const target = call.assignedTo && /^[A-Za-z_$][\w$]*$/.test(call.assignedTo) ? call.assignedTo : 'found';
    const rest = py ? `${ind}...  # the rest of the loop body, unchanged` : `${ind}// the rest of the loop body, unchanged`;
    if (call.sql !== undefined || /execute|query|raw/.test(method)) {
        const sql = call.sql ?? stringValue(argumentNodes(callNode(call))[0]) ?? '';
        if (!sql)
            return undefined;
        if (py) {
            const placeholder = /\?/.test(sql) ? '?' : '%s';
            const col = key.field.split('.').pop();
            const batched = selectingKey(sql, col).replace(SQL_EQ, `$1 IN ({placeholders})`);
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
        const col = key.field.split('.').pop();
        const batched = selectingKey(sql, col).replace(SQL_EQ, dollar ? '$1 = ANY($2)' : '$1 IN (?)');
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
export function genericBatchSketch(loop, call) {
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
