// A connection, client, session or pool built on every iteration: a TCP (and TLS, and auth) handshake each time,
// no connection reuse, and often a leak. Quiet when the client is borrowed from a pool (`pool.connect()`,
// `engine.connect()`, `pool.acquire()`), when it is a reconnect in an error handler or behind a "not connected"
// check, and when each iteration really talks to a different target (`for dsn in shards`).
import { connectionsCost, formatNumber, fromConfig } from '../../../cost/index.js';
import { batchSize, blockFix, callNode, conditionText, confidenceOf, enclosingConditions, hasKind, hoistPoint, hoistStatement, inErrorHandler, indentBlock, isPython, lines, ownCalls, pollerInterval, say, displayCallee, short, statementOf, } from './shared.js';
/** Borrowing from a pool is the cheap, correct way to get a connection per unit of work. */
const POOL_CHECKOUT = /(^|\.)(pool|_pool|engine|db_pool|pg_pool|connection_pool|sessionmaker|session_factory)[\w]*\.(connect|acquire|getconn|get_connection|begin|checkout|raw_connection)$/i;
export function perIterationConnections(loop) {
    return ownCalls(loop).filter((c) => {
        if (!hasKind(c, 'connect') || POOL_CHECKOUT.test(c.callee) || /^(acquire|getconn|checkout)$/.test(c.method))
            return false;
        if (c.dependsOnIteration || inErrorHandler(c.node, loop))
            return false;
        // `if conn is None or conn.closed: conn = connect()` is a lazy reconnect
        const target = c.assignedTo;
        if (target && enclosingConditions(c.node, loop).some((cond) => conditionText(cond).includes(target)))
            return false;
        return true;
    });
}
export const detectConnectionInLoop = (loop, ctx) => {
    const connects = perIterationConnections(loop);
    if (connects.length === 0)
        return null;
    const first = connects[0];
    const interval = pollerInterval(loop);
    const connect = fromConfig(ctx.config.cost, 'connect_ms');
    const items = batchSize(loop, ctx.config.cost);
    const cost = interval
        ? connectionsCost({ per: 'hour', interval, connect }, ctx.config.cost, ctx.locale)
        : connectionsCost({ per: 'batch', items, connect }, ctx.config.cost, ctx.locale);
    const confidence = confidenceOf([first]);
    return {
        loop,
        line: first.line,
        confidence,
        variant: confidence === 'low' ? 'guessed' : interval ? 'poller' : 'default',
        data: {
            call: displayCallee(first),
            perHour: formatNumber(cost.before, ctx.locale),
            items: formatNumber(items.value, ctx.locale),
        },
        cost,
        fix: hoistFix(loop, ctx, first, Boolean(interval)),
    };
};
function closedInLoop(loop, name) {
    if (!name)
        return false;
    return ownCalls(loop).some((c) => hasKind(c, 'close') && (c.receiver === name || c.args.some((a) => a.text === name)));
}
function hoistFix(loop, ctx, call, inPoller) {
    const stmt = statementOf(call.node);
    const name = call.assignedTo;
    const description = say(ctx, inPoller ? 'fix.connection.hoist-poller' : 'fix.connection.hoist');
    if (stmt && name && !closedInLoop(loop, name) && loop.kind !== 'callback-iteration') {
        const reassigned = loop.assignments.filter((a) => a.target === name).length > 1;
        const awaitsConnect = ownCalls(loop).some((c) => c.receiver === name && /^(connect|\$connect)$/.test(c.method));
        if (!reassigned && !awaitsConnect) {
            const fix = hoistStatement(ctx, loop, stmt, description, inPoller ? 'unsafe' : 'safe');
            if (fix)
                return fix;
        }
    }
    return blockFix(ctx, loop, hoistSketch(loop, ctx, call), description, 'unsafe');
}
function hoistSketch(loop, ctx, call) {
    const all = lines(ctx.file.source);
    const point = hoistPoint(loop, ctx.file.source);
    const loopText = all.slice((point?.line ?? loop.startLine) - 1, loop.endLine).join('\n');
    const base = point?.indent ?? '';
    const dedented = loopText
        .split('\n')
        .map((l) => (l.startsWith(base) ? l.slice(base.length) : l))
        .join('\n');
    const name = call.assignedTo ?? (isPython(loop.language) ? 'client' : 'client');
    const created = callNode(call).text;
    if (isPython(loop.language)) {
        const withItem = call.node.parent?.type === 'as_pattern' || call.node.parent?.type === 'with_item';
        return [
            `# Create ${short(created, 40)} once and reuse it for every iteration.`,
            `with ${created} as ${name}:`,
            indentBlock(withItem ? dedented.replace(/with\s+[^\n]*:\n/, '') : dedented.replace(new RegExp(`^.*${escapeRe(created)}.*\\n`, 'm'), ''), '    '),
        ].join('\n');
    }
    const connectCall = ownCalls(loop).find((c) => c.receiver === name && /^(connect|\$connect)$/.test(c.method));
    return [
        `// Create ${short(created, 40)} once and reuse it for every iteration.`,
        `const ${name} = ${created};`,
        ...(connectCall ? [`await ${name}.${connectCall.method}();`] : []),
        'try {',
        indentBlock(dedented
            .replace(new RegExp(`^.*${escapeRe(created)}.*\\n`, 'm'), '')
            .replace(new RegExp(`^.*\\b${escapeRe(name)}\\.(connect|\\$connect)\\(.*\\n`, 'm'), '')
            .replace(new RegExp(`^.*\\b${escapeRe(name)}\\.(end|close|quit|disconnect|\\$disconnect|destroy)\\(.*\\n`, 'm'), ''), '  '),
        '} finally {',
        `  await ${name}.${/Prisma/.test(created) ? '$disconnect' : /Redis/.test(created) ? 'quit' : /Mongo/.test(created) ? 'close' : 'end'}();`,
        '}',
    ].join('\n');
}
function escapeRe(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
