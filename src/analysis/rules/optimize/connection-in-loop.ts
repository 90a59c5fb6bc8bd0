import type { FileModel } from '../../model.js';
// A connection, client, session or pool built on every iteration: a TCP (and TLS, and auth) handshake each time,
// no connection reuse, and often a leak. Quiet when the client is borrowed from a pool (`pool.connect()`,
// `engine.connect()`, `pool.acquire()`), when it is a reconnect in an error handler or behind a "not connected"
// check, when each iteration really talks to a different target (`for dsn in shards`), when it accepts a client
// first (a proxy's upstream connection per client), and when Go hands it over on a channel (a session factory).
import { formatCount } from '../../../cost/assumptions.js';
import { connectionsCost, formatNumber, fromConfig } from '../../../cost/index.js';
import type { CallFact, LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detector, RuleContext } from '../../rule-types.js';
import {
  batchSize,
  gradedItems,
  blockFix,
  callNode,
  confidenceOf,
  enclosingConditions,
  hasKind,
  hoistPoint,
  hoistStatement,
  containsLeave,
  identifiersIn,
  inErrorHandler,
  indentBlock,
  indentOf,
  isPython,
  leavesOnSuccess,
  neverGoesRound,
  ownCalls,
  pollerInterval,
  say,
  calleeLabel,
  short,
  startWithComments,
  statementOf,
  walkOwnBody,
} from '../lib/index.js';
import { braceConnectionSketch, braceStatementOf } from './brace-fixes.js';
import { sourceLines } from '../../../fixes/lines.js';

/** Borrowing from a pool is the cheap, correct way to get a connection per unit of work. */
const POOL_CHECKOUT = /(^|\.)(pool|_pool|engine|db_pool|pg_pool|connection_pool|sessionmaker|session_factory)[\w]*\.(connect|acquire|getconn|get_connection|begin|checkout|raw_connection)$/i;

const RETURNS = new Set(['return_statement']);

/** A `return` in the loop's own body hands `name` back (`return sock`, `return sock, port`). */
function returnsName(loop: LoopFacts, name: string, model: FileModel): boolean {
  let found = false;
  walkOwnBody(loop, model, RETURNS, (node) => {
    if (node.namedChildren.some((c) => c.text === name || c.namedChildren.some((d) => d.text === name))) found = true;
  });
  return found;
}

const ASSIGNMENTS = new Set(['assignment']);

/** Python: names the loop's own body assigns from a call on `name` (`port = s.getsockname()[1]`, `status = s.connect_ex(a)`). */
function assignedFromCallsOn(loop: LoopFacts, name: string, model: FileModel): Set<string> {
  const found = new Set<string>();
  walkOwnBody(loop, model, ASSIGNMENTS, (node) => {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (left?.type !== 'identifier' || left.text === name || !right) return;
    const calls = right.type === 'call' ? [right, ...right.descendantsOfType('call')] : right.descendantsOfType('call');
    if (calls.some((call) => call.childForFieldName('function')?.text.startsWith(`${name}.`) === true)) found.add(left.text);
  });
  return found;
}

/** A `return` in the loop's own body hands back a name assigned from a call on `name` (`port = s.getsockname()[1]`). */
function returnsWhatItFound(loop: LoopFacts, name: string, model: FileModel): boolean {
  if (loop.language !== 'python') return false;
  return [...assignedFromCallsOn(loop, name, model)].some((n) => returnsName(loop, n, model));
}

const IFS = new Set(['if_statement']);

/**
 * Python: `while True: s = socket.socket(); status = s.connect_ex(addr); if status != 0: break`: a probe. What the
 * round's own connection answers (a name assigned from a call on it, or such a call in the test) decides whether the
 * loop is left, so each round needs a new one: waiting for a port to come up or go down.
 */
function probesWith(loop: LoopFacts, name: string, model: FileModel): boolean {
  if (loop.language !== 'python') return false;
  const answers = assignedFromCallsOn(loop, name, model);
  let probes = false;
  walkOwnBody(loop, model, IFS, (node) => {
    const condition = node.childForFieldName('condition');
    const consequence = node.childForFieldName('consequence');
    if (!condition || !consequence || probes) return;
    const asks = [...identifiersIn(condition, model)].some((n) => answers.has(n)) || condition.descendantsOfType('call').some((call) => call.childForFieldName('function')?.text.startsWith(`${name}.`) === true);
    if (asks && containsLeave(consequence, loop)) probes = true;
  });
  return probes;
}

export function perIterationConnections(loop: LoopFacts, model: FileModel, ctx?: RuleContext): CallFact[] {
  const calls = ownCalls(loop);
  // `for { in, _ := l.Accept(); out, _ := net.Dial("tcp", upstream); go pipe(in, out) }`: a proxy accepts a client and
  // opens its upstream connection, one per client by design (the `accepts_client` role).
  // The client is kept (`conn, addr = s.accept()`, `Socket client = server.accept()`): Java's `consumer.accept(item)`
  // returns nothing.
  const accepted = calls.find((c) => c.resultUsed && ctx?.kb.hasRole?.(loop.language, c.method, 'accepts_client') === true);
  return calls.filter((c) => {
    if (accepted && accepted.node.startIndex < c.node.startIndex) return false;
    if (!hasKind(c, 'connect') && !closedFactory(c, loop)) return false;
    if (POOL_CHECKOUT.test(c.callee) || /^(acquire|getconn|checkout)$/.test(c.method)) return false;
    // A helper that borrows from a pool and releases (`borrowClient(pool)` running `pool.connect()`): the summary's
    // connection is a checkout, as it is when the loop calls `pool.connect()` itself.
    if (!c.opens && c.via && POOL_CHECKOUT.test(c.via.steps[c.via.steps.length - 1]?.callee ?? '')) return false;
    if (c.dependsOnIteration || inErrorHandler(c.node, loop)) return false;
    // `if conn is None or conn.closed: conn = connect()` is a lazy (re)connect
    if (enclosingConditions(c.node, loop).length > 0) return false;
    // `for port in candidates: s = socket(); try: s.bind(...) except OSError: continue; else: return s`: a search
    // for one working connection that leaves the loop with it, not a connection per item.
    if (c.assignedTo !== undefined && returnsName(loop, c.assignedTo, model)) return false;
    // `s = socket.socket(); s.bind(("", port)); found = s.getsockname()[1]; s.close(); return found`: the same
    // search, leaving with what it learned through the connection (a free port) instead of the connection itself.
    if (c.assignedTo !== undefined && returnsWhatItFound(loop, c.assignedTo, model)) return false;
    if (c.assignedTo !== undefined && probesWith(loop, c.assignedTo, model)) return false;
    // `while True: try: conn = connect(dsn); break` (or `else: break`), `await client.connect(); return client;`,
    // `return connect()`,
    // Go's `conn, err := net.Dial(...); if err == nil { conn.Close(); return true }`: the loop is left once the
    // connection is made, so it is made once; the loop retries a failed connect.
    if (leavesOnSuccess(c.node, loop)) return false;
    if (boundNotConnected(c, loop) || connectsToItem(c, calls, loop)) return false;
    if (c.assignedTo !== undefined && sentOnChannel(loop, c.assignedTo, model)) return false;
    if (c.assignedTo !== undefined && pairedWithReceivedClient(loop, c, model)) return false;
    if (reconnectsOnClose(loop, c.assignedTo, c.node)) return false;
    return true;
  });
}

/** Events a connection emits once it is gone (or failed to come up). */
const GONE_EVENTS = /^['"`](close|closed|error|end|disconnect|disconnected|exit)['"`]$/;
const LISTENS = /^(on|once|addEventListener|addListener|prependListener|prependOnceListener)$/;

/**
 * JavaScript: `function connect() { const socket = new WebSocket(url); const onClose = () => { ...;
 * setTimeout(() => connect(), 1000); }; socket.addEventListener('close', onClose); }`: the function reschedules
 * itself only from a listener of the new connection's own `close`/`error`/`end` event (`socket.on('close', ...)`,
 * `socket.onclose = ...`), or from the `catch` of the `try` that made the connection (`try { client = await
 * pool.connect(); } catch (err) { setTimeout(() => this.listen(), 5000); return; }`: the connect failed, there is
 * nothing to reuse). The next connection is made after this one is gone or never came up: a reconnect, never more
 * than one live connection, not a connection per round.
 */
function reconnectsOnClose(loop: LoopFacts, name: string | undefined, connect: SyntaxNode): boolean {
  if (loop.kind !== 'timeout-recursion') return false;
  const fn = loop.node;
  const self = fn.childForFieldName('name')?.text ?? (fn.parent?.type === 'variable_declarator' ? fn.parent.childForFieldName('name')?.text : undefined);
  if (!self) return false;
  const reenters = (cb: SyntaxNode | undefined): boolean => {
    if (!cb) return false;
    if (cb.type === 'identifier' || cb.type === 'member_expression') return cb.text === self || cb.text === `this.${self}`;
    return cb.descendantsOfType('call_expression').some((c) => {
      const f = c.childForFieldName('function')?.text;
      return f === self || f === `this.${self}`;
    });
  };
  const calls = fn.descendantsOfType('call_expression');
  const reschedules = calls.filter((c) => /^(setTimeout|setImmediate|process\.nextTick|queueMicrotask)$/.test(c.childForFieldName('function')?.text ?? '') && reenters(c.childForFieldName('arguments')?.namedChildren[0]));
  if (reschedules.length === 0) return false;
  // The catch clauses of the tries (of this function, not a nested one) whose body holds the connect call.
  const failedConnect = new Set<number>();
  for (let child = connect, up = connect.parent; up && child.id !== fn.id; child = up, up = up.parent) {
    if (up.type === 'arrow_function' || up.type === 'function_expression' || up.type === 'function_declaration' || up.type === 'method_definition') break;
    const handler = up.type === 'try_statement' && up.childForFieldName('body')?.id === child.id ? up.childForFieldName('handler') : null;
    if (handler) failedConnect.add(handler.id);
  }
  // Node-style `amqp.connect(url, (err, conn) => { if (err) return setTimeout(retry, 1000); conn.on('close', ...) })`:
  // the callback's `if (err)` branch is the failed connect, and its second parameter is the connection.
  const callback = connect.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment').at(-1);
  if (callback && (callback.type === 'arrow_function' || callback.type === 'function_expression' || callback.type === 'function')) {
    const params = (callback.childForFieldName('parameters')?.namedChildren ?? []).filter((p) => p.type !== 'comment');
    const err = params[0]?.type === 'identifier' ? params[0].text : params[0]?.childForFieldName('pattern')?.text;
    const conn = params[1]?.type === 'identifier' ? params[1].text : params[1]?.childForFieldName('pattern')?.text;
    if (err !== undefined && /^err(?:or)?$/i.test(err)) {
      for (const test of callback.descendantsOfType('if_statement')) {
        const condition = test.childForFieldName('condition')?.text.replace(/^\((.*)\)$/s, '$1').trim();
        const consequence = test.childForFieldName('consequence');
        if (consequence && (condition === err || condition === `${err} != null` || condition === `${err} !== null`)) failedConnect.add(consequence.id);
      }
      if (name === undefined && conn !== undefined && failedConnect.size > 0) name = conn;
    }
  }
  if (name === undefined) {
    return failedConnect.size > 0 && reschedules.every((r) => {
      for (let up = r.parent; up && up.id !== fn.id; up = up.parent) if (failedConnect.has(up.id)) return true;
      return false;
    });
  }
  // The listeners of the connection's "gone" events: inline functions, or names bound to functions in this one.
  const listenerNodes = new Set<number>();
  const listenerNames = new Set<string>();
  const take = (handler: SyntaxNode | null | undefined) => {
    if (!handler) return;
    if (handler.type === 'identifier') listenerNames.add(handler.text);
    else if (handler.type === 'arrow_function' || handler.type === 'function_expression' || handler.type === 'function') listenerNodes.add(handler.id);
  };
  for (const c of calls) {
    const f = c.childForFieldName('function');
    if (f?.type !== 'member_expression' || f.childForFieldName('object')?.text !== name || !LISTENS.test(f.childForFieldName('property')?.text ?? '')) continue;
    const args = c.childForFieldName('arguments')?.namedChildren ?? [];
    if (args[0] && GONE_EVENTS.test(args[0].text)) take(args[1]);
  }
  for (const a of fn.descendantsOfType('assignment_expression')) {
    if (/^(onclose|onerror|onend)$/.test(a.childForFieldName('left')?.text.slice(name.length + 1) ?? '') && a.childForFieldName('left')?.text.startsWith(`${name}.`)) take(a.childForFieldName('right'));
  }
  for (const d of fn.descendantsOfType('variable_declarator')) {
    const value = d.childForFieldName('value');
    if (value && listenerNames.has(d.childForFieldName('name')?.text ?? '') && (value.type === 'arrow_function' || value.type === 'function_expression' || value.type === 'function')) listenerNodes.add(value.id);
  }
  for (const d of fn.descendantsOfType('function_declaration')) if (listenerNames.has(d.childForFieldName('name')?.text ?? '')) listenerNodes.add(d.id);
  if (listenerNodes.size === 0 && failedConnect.size === 0) return false;
  return reschedules.every((r) => {
    for (let up = r.parent; up && up.id !== fn.id; up = up.parent) if (listenerNodes.has(up.id) || failedConnect.has(up.id)) return true;
    return false;
  });
}

const SENDS: ReadonlySet<string> = new Set(['send_statement']);

/** `x`, `&x` or a composite literal holding one of them as an element's value (`session{conn: x, id: n}`). */
function holdsName(expr: SyntaxNode | null | undefined, name: string): boolean {
  if (!expr) return false;
  if (expr.type === 'identifier') return expr.text === name;
  if (expr.type === 'unary_expression' && expr.childForFieldName('operator')?.text === '&') return holdsName(expr.childForFieldName('operand'), name);
  if (expr.type !== 'composite_literal') return false;
  return (expr.childForFieldName('body')?.namedChildren ?? []).some((el) => {
    const value = el.type === 'keyed_element' ? el.namedChild(el.namedChildCount - 1) : el;
    return holdsName(value?.type === 'literal_element' ? value.namedChild(0) : value, name);
  });
}

/**
 * Go: `next <- session{conn: conn}` / `out <- c`: the connection made in the iteration is handed to whoever receives
 * it (a reconnecting session factory, a pool filler). Each connection has its own taker, who uses and closes it;
 * making it once would hand every taker the same one.
 */
function sentOnChannel(loop: LoopFacts, name: string, model: FileModel): boolean {
  if (loop.language !== 'go') return false;
  let sent = false;
  walkOwnBody(loop, model, SENDS, (node) => {
    if (holdsName(node.childForFieldName('value'), name)) sent = true;
  });
  return sent;
}

const RECEIVES_AND_SPAWNS: ReadonlySet<string> = new Set(['short_var_declaration', 'assignment_statement', 'go_statement']);

/**
 * Go: `remote := <-clients; local, err := net.Dial(...); ...; go pipe(remote, local)`: the iteration takes a client
 * connection handed over a channel (something it closes, `remote.Close()`, not a message) before the dial, and gives
 * the pair to one goroutine: a relay, one upstream per client by design, as after a listener's `Accept` (the
 * `accepts_client` role). A dial handed on with a received message (`go send(c, msg)`) is still one per item.
 */
function pairedWithReceivedClient(loop: LoopFacts, call: CallFact, model: FileModel): boolean {
  if (loop.language !== 'go') return false;
  const received = new Set<string>();
  const goroutines: SyntaxNode[] = [];
  walkOwnBody(loop, model, RECEIVES_AND_SPAWNS, (node) => {
    if (node.type === 'go_statement') {
      if (node.startIndex > call.node.endIndex) goroutines.push(node);
      return;
    }
    if (node.startIndex > call.node.startIndex) return;
    const left = node.childForFieldName('left')?.namedChildren ?? [];
    const right = node.childForFieldName('right')?.namedChildren ?? [];
    if (left.length !== 1 || right.length !== 1 || left[0]!.type !== 'identifier') return;
    const value = right[0]!;
    if (value.type === 'unary_expression' && value.childForFieldName('operator')?.text === '<-') received.add(left[0]!.text);
  });
  const clients = [...received].filter((name) => new RegExp(`\\b${name}\\.Close\\(`).test(loop.body.text));
  if (clients.length === 0) return false;
  return goroutines.some((g) => {
    const spawned = g.namedChild(0);
    const args = spawned?.childForFieldName('arguments')?.namedChildren ?? [];
    const fn = spawned?.childForFieldName('function');
    const body = fn?.type === 'func_literal' ? fn.text : '';
    const hands = (name: string): boolean => args.some((a) => holdsName(a, name)) || new RegExp(`\\b${name}\\b`).test(body);
    return hands(call.assignedTo!) && clients.some(hands);
  });
}

/**
 * `conn = get_connection(); ...; conn.close()` where the code's own `get_connection` returns `psycopg2.connect(DSN)`:
 * a factory is no connection by itself (most hand back one shared client), but closing what it returned in the same
 * iteration shows a new connection per iteration. A pool checkout behind the helper is not one.
 */
function closedFactory(c: CallFact, loop: LoopFacts): boolean {
  if (!c.opens || !closedInLoop(loop, c.assignedTo)) return false;
  const opened = c.opens.steps[c.opens.steps.length - 1]?.callee ?? '';
  return !POOL_CHECKOUT.test(opened) && !/(^|\.)(acquire|getconn|checkout)$/.test(opened);
}

/**
 * Python: `sock = socket.socket(); sock.bind((ip, 0)); port = sock.getsockname()[1]`: a socket bound to have the
 * kernel pick a free port (or to hold one) and never connected opens no connection: no handshake, nothing on the
 * wire, one descriptor for a moment.
 */
function boundNotConnected(c: CallFact, loop: LoopFacts): boolean {
  if (!isPython(loop.language) || c.assignedTo === undefined) return false;
  const prefix = `${c.assignedTo}.`;
  const methods = ownCalls(loop).filter((o) => o.callee.startsWith(prefix)).map((o) => o.callee.slice(prefix.length));
  return methods.includes('bind') && !methods.some((m) => SOCKET_TALKS.has(m));
}
/**
 * `sock = socket.socket(...); sock.connect((ip, 389))` in `for ip in ips:`: the object is built per iteration to
 * reach that iteration's peer (its own connect call depends on the item), so each iteration talks to a different
 * target, as `for dsn in shards: connect(dsn)` does. Java's `new Socket()` then `socket.connect(addr, timeout)` with
 * an address built from the item (a liveness probe of each member) is the same.
 */
function connectsToItem(c: CallFact, calls: CallFact[], loop: LoopFacts): boolean {
  if (c.assignedTo === undefined || loop.loopVariables.length === 0) return false;
  const prefix = `${c.assignedTo}.`;
  return calls.some(
    (o) =>
      o !== c &&
      o.callee.startsWith(prefix) &&
      SOCKET_TALKS.has(o.method) &&
      o.method.startsWith('connect') &&
      ((o.node.childForFieldName('arguments')?.descendantsOfType('identifier') ?? []).some((id) => loop.loopVariables.includes(id.text)) ||
        // Java: `InetSocketAddress addr = new InetSocketAddress(member.host(), port); socket.connect(addr, timeout)`:
        // the address is built from the item (the facts follow the names to a fixed point).
        (loop.language === 'java' && o.dependsOnIteration)),
  );
}

/** What a socket does once it talks to a peer: connect, send, accept a client. */
const SOCKET_TALKS: ReadonlySet<string> = new Set(['connect', 'connect_ex', 'send', 'sendall', 'sendto', 'sendmsg', 'recv', 'recvfrom', 'listen', 'accept']);

export const detectConnectionInLoop: Detector = (loop, ctx) => {
  // Go: the body ends up in an endless inner loop it never leaves (serving for the life of the process): one connect.
  if (neverGoesRound(loop)) return null;
  const connects = perIterationConnections(loop, ctx.model, ctx);
  if (connects.length === 0) return null;
  const first = connects[0]!;
  const interval = pollerInterval(loop, ctx.model);
  const connect = fromConfig(ctx.config.cost, 'connect_ms');
  const items = batchSize(loop, ctx.model, ctx.config.cost);
  const cost = interval
    ? connectionsCost({ per: 'hour', interval, connect }, ctx.config.cost, ctx.locale)
    : connectionsCost({ per: 'batch', items, connect }, ctx.config.cost, ctx.locale);
  const confidence = confidenceOf([first]);
  return {
    loop,
    line: first.line,
    confidence,
    evidenceKind: 'connect',
    variant: confidence === 'low' ? 'guessed' : interval ? 'poller' : 'default',
    data: {
      call: calleeLabel(first),
      perHour: formatNumber(cost.before, ctx.locale),
      items: formatCount(items, ctx.locale),
    },
    // A connection per poll costs the same whatever the data: only the per-item count is a guess about it.
    ...(interval ? {} : gradedItems(loop, ctx.model, items)),
    cost,
    fix: hoistFix(loop, ctx, first, Boolean(interval)),
  };
};

function closedInLoop(loop: LoopFacts, name: string | undefined): boolean {
  if (!name) return false;
  return ownCalls(loop).some((c) => hasKind(c, 'close') && (c.receiver === name || c.args.some((a) => a.text === name)));
}

function hoistFix(loop: LoopFacts, ctx: RuleContext, call: CallFact, inPoller: boolean) {
  const brace = braceStatementOf(loop, call);
  const stmt = brace ?? statementOf(call.node);
  const name = call.assignedTo;
  const description = say(ctx, inPoller ? 'fix.connection.hoist-poller' : 'fix.connection.hoist');
  if (stmt && name && !closedInLoop(loop, name) && loop.kind !== 'callback-iteration') {
    const reassigned = loop.assignments.filter((a) => a.target === name).length > 1;
    const awaitsConnect = ownCalls(loop).some((c) => c.receiver === name && /^(connect|\$connect)$/.test(c.method));
    if (!reassigned && !awaitsConnect) {
      const fix = hoistStatement(ctx, loop, stmt, description, inPoller || brace ? 'unsafe' : 'safe');
      if (fix) return fix;
    }
  }
  return blockFix(ctx, loop, braceConnectionSketch(loop, call) ?? hoistSketch(loop, ctx, call), description, 'unsafe');
}

function hoistSketch(loop: LoopFacts, ctx: RuleContext, call: CallFact): string {
  const source = ctx.file.source;
  const all = sourceLines(source);
  const point = hoistPoint(loop, source);
  const from = point?.line ?? loop.startLine;
  const base = point?.indent ?? '';
  const created = callNode(call).text;
  const dedent = (l: string): string => (l.startsWith(base) ? l.slice(base.length) : l);
  if (isPython(loop.language)) {
    const withStmt = withStatementOf(call, loop);
    if (withStmt) {
      const item = withStmt.descendantsOfType('as_pattern')[0];
      const name = item?.childForFieldName('alias')?.text ?? item?.namedChildren[1]?.text ?? 'conn';
      const header = startWithComments(withStmt, source, loop.headerLine);
      const bodyNode = withStmt.childForFieldName('body');
      const bodyStart = (bodyNode?.startPosition.row ?? withStmt.startPosition.row + 1) + 1;
      const step = indentOf(all[bodyStart - 1] ?? '').slice(indentOf(all[withStmt.startPosition.row] ?? '').length);
      const kept: string[] = [];
      for (let l = from; l <= loop.endLine; l++) {
        if (l >= header && l < bodyStart) continue;
        const text = all[l - 1] ?? '';
        const inBody = l >= bodyStart && l <= withStmt.endPosition.row + 1;
        kept.push(dedent(inBody && text.startsWith(indentOf(all[withStmt.startPosition.row] ?? '') + step) ? text.replace(step, '') : text));
      }
      return [`# Open it once and reuse it for every iteration.`, `with ${created} as ${name}:`, indentBlock(kept.join('\n'), '    ')].join('\n');
    }
    const stmt = statementOf(call.node);
    const name = call.assignedTo ?? 'client';
    const skipFrom = stmt ? startWithComments(stmt, source, loop.headerLine) : -1;
    const skipTo = stmt ? stmt.endPosition.row + 1 : -1;
    const kept = all.slice(from - 1, loop.endLine).filter((_, i) => from + i < skipFrom || from + i > skipTo).map(dedent);
    return [`# Create it once and reuse it for every iteration.`, `${name} = ${created}`, ...kept].join('\n');
  }
  const name = call.assignedTo ?? 'client';
  const connectCall = ownCalls(loop).find((c) => c.receiver === name && /^(connect|\$connect)$/.test(c.method));
  const closeCall = ownCalls(loop).find((c) => c.receiver === name && hasKind(c, 'close'));
  const skip = new Set<number>();
  for (const c of [call, connectCall, closeCall]) {
    const stmt = c ? statementOf(c.node) : undefined;
    if (stmt) for (let l = startWithComments(stmt, source, loop.headerLine); l <= stmt.endPosition.row + 1; l++) skip.add(l);
  }
  const kept = all.slice(from - 1, loop.endLine).filter((_, i) => !skip.has(from + i)).map(dedent);
  const closeMethod = closeCall?.method ?? (/Prisma/.test(created) ? '$disconnect' : /Redis/.test(created) ? 'quit' : /Mongo/.test(created) ? 'close' : 'end');
  return [
    '// Create it once and reuse it for every iteration.',
    `const ${name} = ${created};`,
    ...(connectCall ? [`await ${name}.${connectCall.method}();`] : []),
    'try {',
    indentBlock(kept.join('\n'), '  '),
    '} finally {',
    `  await ${name}.${closeMethod}();`,
    '}',
  ].join('\n');
}

function withStatementOf(call: CallFact, loop: LoopFacts): SyntaxNode | undefined {
  for (let n: SyntaxNode | null = call.node.parent; n && n.id !== loop.body.id; n = n.parent) {
    if (n.type === 'with_statement') return n.parent?.id === loop.body.id ? n : undefined;
  }
  return undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
