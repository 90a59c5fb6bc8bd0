// A worker that asks "anything new?" every N seconds pays for every empty answer. Fires on infinite / stop-flag
// loops, setInterval and self-rescheduling setTimeout that poll a database, queue or API and then wait a constant.
// Quiet when the wait is a blocking pop / long poll with a timeout (the server holds the call until work arrives)
// and when the delay already grows (backoff).
import { formatNumber, idlePollingCost } from '../../../cost/index.js';
import type { CallFact, LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detection, Detector, RuleContext } from '../../rule-types.js';
import type { FileModel } from '../../model.js';
import {
  argumentNodes,
  blockFix,
  callNode,
  codeLanguage,
  conditionText,
  confidenceOf,
  credible,
  calleeLabel,
  distinctChains,
  isCursorFetch,
  enclosingConditions,
  fixedPollSeconds,
  hasKind,
  inErrorHandler,
  isPython,
  isTyped,
  ownCalls,
  runFlagCondition,
  say,
  short,
  timerCall,
  wholeSqlText,
} from '../lib/index.js';
import { bracePollingSketch } from './brace-fixes.js';
import { isInProcessQueue } from '../quality/unguarded-worker-loop.js';

/** Pops that block on the server until an item arrives (or their timeout passes). */
const BLOCKING_POP = /^(blpop|brpop|brpoplpush|blmove|blmpop|bzpopmin|bzpopmax|bzmpop|basic_consume|consume|listen|notifies|subscribe)$/i;
/** Waits for a database notification or socket readiness: already event-driven. */
const EVENT_WAIT = /(^|\.)(select\.select|select|poll|notifies|wait_for_notify|listen|on|once)$/;

function isBlockingPop(call: CallFact): boolean {
  if (!hasKind(call, 'queue-pop')) return false;
  if (call.timeoutSeconds !== undefined) return call.timeoutSeconds > 0;
  if (BLOCKING_POP.test(call.method)) return true;
  const args = call.args;
  if (/_nowait$/.test(call.method) || args.some((a) => a.name === 'block' && /^(False|false|0)$/.test(a.text))) return false;
  // queue.Queue.get() and Kafka consumer.poll(timeout) block; Redis XREAD blocks with BLOCK / block=
  if (call.method === 'get' && args.every((a) => a.name !== 'block')) return true;
  if (/^(poll|consume)$/.test(call.method) && args.length > 0) return true;
  if (/^xread(group)?$/i.test(call.method) && args.some((a) => /block/i.test(a.name ?? a.text))) return true;
  if (/receive_?message/i.test(call.method) && args.some((a) => /WaitTimeSeconds/.test(a.text) && !/WaitTimeSeconds['"]?\s*[:=]\s*0\b/.test(a.text))) {
    return true;
  }
  return false;
}

function isEventWait(call: CallFact): boolean {
  return EVENT_WAIT.test(call.callee) && /select|notif|listen/i.test(call.callee + call.text);
}

export function isPollingLoop(loop: LoopFacts): boolean {
  return loop.infinite || loop.kind === 'interval' || loop.kind === 'timeout-recursion' || runFlagCondition(loop);
}

/**
 * An HTTP call that sends rather than asks (`requests.post(ping_url)`, `fetch(url, { method: 'PUT' })`): a heartbeat
 * or a metrics push on a timer is the job, not a poll for work.
 */
function pushesRatherThanAsks(call: CallFact): boolean {
  if (hasKind(call, 'db-read', 'queue-pop', 'lock')) return false;
  // A POST whose answer is used (`jobs = client.post('/claim').json()`) is still asking for work.
  let statement = call.node.parent;
  while (statement && (statement.type === 'await' || statement.type === 'await_expression')) statement = statement.parent;
  if (statement?.type !== 'expression_statement') return false;
  if (/^(post|put|patch|delete|send_metric|push|publish|notify)$/i.test(call.method)) return true;
  return /\bmethod\s*[:=]\s*['"`](POST|PUT|PATCH|DELETE)['"`]/i.test(call.text);
}

/**
 * The calls that ask for work each round (queue pops, reads, API calls), outside error handlers. One per chain, the
 * asking call kept: in `requests.get(url).json()` the outer `.json()` comes first and asks nothing.
 */
export function pollCalls(loop: LoopFacts, source: string): CallFact[] {
  return distinctChains(ownCalls(loop).filter((c) => hasKind(c, 'db-read', 'queue-pop', 'http', 'lock', 'subprocess'))).filter(
    (c) =>
      !pushesRatherThanAsks(c) &&
      (c.confidence === 'high' || credible(c, source, hasKind(c, 'http') ? 'http' : 'db-read')) && !hasKind(c, 'sleep') && !isCursorFetch(c) && !inErrorHandler(c.node, loop) &&
      !onExitPath(c, loop),
  );
}

const LEAVES_LOOP: readonly string[] = ['raise_statement', 'return_statement', 'break_statement'];

/**
 * `if not self.active: e = self.get_exception(); raise e`: a call in a branch that always leaves the loop runs once,
 * on the way out; it is not the question asked every round; nor is one in a branch that sets its own once-flag
 * (Python).
 */
function onExitPath(call: CallFact, loop: LoopFacts): boolean {
  if (!isPython(loop.language)) return false;
  for (let node = call.node.parent; node && node.id !== loop.body.id; node = node.parent) {
    if (node.type === 'for_statement' || node.type === 'while_statement') return false;
    if (node.type !== 'block' || !['if_statement', 'elif_clause', 'else_clause'].includes(node.parent?.type ?? '')) continue;
    const last = node.namedChildren.filter((c) => c.type !== 'comment').pop();
    if (last && LEAVES_LOOP.includes(last.type)) return true;
    if (node.parent?.type === 'if_statement' && setsItsOwnFlag(node, node.parent.childForFieldName('condition'))) return true;
  }
  return false;
}

/**
 * `if host is None and not discovered: discovered = True; self._discover_hosts()`: the branch sets a flag its own
 * condition tests, so it runs once, not every round (Python).
 */
function setsItsOwnFlag(block: SyntaxNode, condition: SyntaxNode | null): boolean {
  if (!condition) return false;
  const tested = new Set(condition.descendantsOfType('identifier').map((id) => id.text));
  if (condition.type === 'identifier') tested.add(condition.text);
  return block.namedChildren.some((statement) => {
    const assignment = statement.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment') return false;
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    return left?.type === 'identifier' && tested.has(left.text) && (right?.type === 'true' || right?.type === 'false');
  });
}

/** The start of an SQL statement in a string or template literal (its keyword). */
const SQL_START = /^\s*(SELECT|WITH|DELETE|UPDATE|INSERT|MERGE|REPLACE)\b/i;

/**
 * `this.clearExpired(cutoff)`, a function of the file whose SQL (every statement literal in its body) is a
 * DELETE or UPDATE (none `RETURNING` rows): a TTL sweep on a timer writes, it does not ask for work (nothing announces that a row expired),
 * so the timer is the design, as a heartbeat's is. The summary alone says "query" when the statement travels in an
 * object (`pool.query({ text: ... })`).
 */
function sweepsRatherThanAsks(call: CallFact, ctx: RuleContext): boolean {
  if (!call.via) return false;
  const name = call.callee.replace(/^(?:this|self)\./, '');
  const definitions = ctx.model.functions.filter((fn) => fn.name === name);
  if (definitions.length === 0) return false;
  return definitions.every((fn) => {
    const statements = fn.node
      .descendantsOfType(['string', 'template_string'])
      // (`UPDATE jobs SET owner = $1 ... RETURNING *` claims work: that one asks.)
      .map((n) => (/\bRETURNING\b/i.test(n.text) ? 'RETURNING' : SQL_START.exec(n.text.slice(1))?.[1]?.toUpperCase()))
      .filter((k): k is string => k !== undefined);
    return statements.length > 0 && statements.every((k) => k === 'DELETE' || k === 'UPDATE');
  });
}

type Source = 'queue' | 'db' | 'http' | 'subprocess';

function sourceOf(call: CallFact): Source {
  if (hasKind(call, 'queue-pop')) return 'queue';
  if (hasKind(call, 'db-read', 'lock')) return 'db';
  if (hasKind(call, 'subprocess') && !hasKind(call, 'http')) return 'subprocess';
  return 'http';
}

const RETURNS: ReadonlySet<string> = new Set(['return_statement']);

/**
 * The loop waits for one result: `while True: sleep(0.5); r = get(status_url); if r["status"] == "done": return
 * r["output"]`. It returns a value from its own body, so it ends when that one job does: the cost is a request per
 * interval while the job runs, bounded by its run time, not a worker's queries all day whether or not there is work.
 * A timer (`setInterval`) never returns a result this way.
 */
function waitsForOneResult(loop: LoopFacts, ctx: RuleContext): boolean {
  if (loop.kind === 'interval' || loop.kind === 'timeout-recursion') return false;
  return ctx.model.ownBodyNodes(loop, RETURNS).some((r) => r.namedChildren.some((c) => c.type !== 'comment'));
}

/**
 * `data = self.controldata(); if data.get("state") == "shut down": break`: the loop breaks on what its own poll
 * returned, so it ends when the awaited state arrives (a shutdown, a replica catching up), as a wait for one job's
 * result does: its cost ends there. Java and Go alike (`is = conn.getInputStream(); ...; if (is != null) break;`).
 */
function waitsForOneState(loop: LoopFacts, polls: CallFact[]): boolean {
  if (!(isPython(loop.language) || loop.language === 'java' || loop.language === 'go') || loop.kind === 'interval' || loop.kind === 'timeout-recursion') return false;
  const names = new Set(polls.map((c) => c.assignedTo).filter((n): n is string => n !== undefined && /^\w+$/.test(n)));
  if (names.size === 0) return false;
  return successExitsOfBody(loop).some((brk) => {
    for (let up = brk.parent; up && up.id !== loop.body.id; up = up.parent) {
      if (up.type !== 'if_statement' && up.type !== 'elif_clause') continue;
      const condition = up.childForFieldName('condition');
      if (condition && [condition, ...condition.descendantsOfType('identifier')].some((id) => id.type === 'identifier' && names.has(id.text))) return true;
    }
    return false;
  });
}

/** The `break` statements of the loop's own body (not of a nested loop or function). */
function successExitsOfBody(loop: LoopFacts): SyntaxNode[] {
  return loop.body.descendantsOfType('break_statement').filter((b) => {
    for (let n = b.parent; n && n.id !== loop.body.id; n = n.parent) if (LOOP_OR_SCOPE.has(n.type)) return false;
    return true;
  });
}

const LOOP_OR_SCOPE: ReadonlySet<string> = new Set([
  'for_statement', 'while_statement', 'function_definition', 'lambda', 'class_definition',
  // Java and Go (`for_statement` is Go's every loop; a Go `break` in a `switch`/`select` leaves that statement)
  'enhanced_for_statement', 'do_statement', 'method_declaration', 'lambda_expression', 'class_body', 'switch_expression',
  'func_literal', 'function_declaration', 'expression_switch_statement', 'type_switch_statement', 'select_statement',
]);

/**
 * `cur.execute("SELECT 1")`, `SELECT pg_is_in_recovery()`: a statement that reads no table (its whole text is in the
 * code and has no FROM) asks the server about itself, a liveness or state probe; it cannot be fetching work.
 */
function probesServer(call: CallFact, ctx: RuleContext): boolean {
  if (!hasKind(call, 'db-read') || hasKind(call, 'http', 'queue-pop', 'subprocess')) return false;
  const whole = wholeSqlText(argumentNodes(callNode(call))[0], ctx.model);
  return whole !== undefined && /^\s*SELECT\b/i.test(whole) && !/\bFROM\b/i.test(whole);
}

const FUNCTION_NODES = new Set(['function_definition', 'function_declaration', 'method_definition', 'function_expression', 'generator_function_declaration']);

/** `_do_once_health_check` / `sendHeartbeat` → ['do', 'once', 'health', 'check'] / ['send', 'heartbeat']. */
function nameWords(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/);
}

/**
 * A health check or heartbeat polls by design: it asks every N seconds whether a peer is alive (or says this one
 * is), and there is no push to wait for instead. Every polled call's name says so (`self._do_once_health_check()`,
 * `send_heartbeat()`: a word of the `health_checks` role), or the name of the function the loop runs in does. A
 * loop that also fetches work (`fetch_jobs()` next to `send_heartbeat()`) still polls for it.
 */
function pollsHealth(loop: LoopFacts, ctx: RuleContext, polls: CallFact[]): boolean {
  const health = (name: string) => nameWords(name).some((word) => ctx.kb.hasRole?.(loop.language, word, 'health_checks') === true);
  if (polls.every((c) => health(c.method))) return true;
  // `ws.send('PING')`: every polled call sends a string literal that names one.
  if (polls.every((c) => { const first = argumentNodes(callNode(c))[0]; return first?.type === 'string' && health(first.text); })) return true;
  // `this.pingLoop = setInterval(...)`, `const heartbeatTimer = setInterval(...)`: the handle the timer is kept in.
  const timer = loop.kind === 'interval' ? timerCall(loop, ctx.model)?.node : undefined;
  const holder = timer?.parent?.type === 'assignment_expression' ? timer.parent.childForFieldName('left') : timer?.parent?.type === 'variable_declarator' ? timer.parent.childForFieldName('name') : undefined;
  const handle = holder?.type === 'member_expression' ? holder.childForFieldName('property')?.text : holder?.text;
  if (handle !== undefined && health(handle)) return true;
  let fn: SyntaxNode | null = loop.node.parent;
  while (fn && !FUNCTION_NODES.has(fn.type)) fn = fn.parent;
  const fnName = fn?.childForFieldName('name')?.text;
  return fnName !== undefined && health(fnName);
}

/**
 * `if (results.length) { show(results.pop()); setTimeout(next, 5); } else finish();`: a timer chain that takes an item
 * off a list each round and reschedules only while the list has items walks finite work at a pace (to let the page
 * render between items); it stops when the list is empty. Not a poll.
 */
function drainsList(loop: LoopFacts, model: FileModel): boolean {
  if (loop.kind !== 'timeout-recursion') return false;
  const timer = timerCall(loop, model);
  if (!timer) return false;
  const tested = new Set<string>();
  for (const cond of enclosingConditions(timer.node, loop)) {
    for (const m of conditionText(cond).matchAll(/([A-Za-z_$][\w$.]*)\.length\b/g)) tested.add(m[1]!);
  }
  if (tested.size === 0) return false;
  return ownCalls(loop).some((c) => c.receiver !== undefined && tested.has(c.receiver) && /^(pop|shift|splice)$/.test(c.method));
}

/**
 * `function send(channel, text) { ...; if (text.length >= 500) { const parts = split(text, 500); text = parts[0];
 * setTimeout(() => send(channel, parts[1]), 350); } ... }`: the function re-schedules itself, under a test of one of
 * its parameters, with something else in that parameter's place (the rest of the text, the next page). It goes on
 * while that input has more and then stops: a paced send of the rest, not a poll that asks again with the same
 * question.
 */
function continuesWithTheRest(loop: LoopFacts, ctx: RuleContext): boolean {
  if (loop.kind !== 'timeout-recursion' || !loop.functionName) return false;
  const timer = timerCall(loop, ctx.model)?.node;
  const callback = timer ? argumentNodes(timer)[0] : undefined;
  if (!timer || !callback || (callback.type !== 'arrow_function' && callback.type !== 'function_expression')) return false;
  const params = (loop.node.childForFieldName('parameters')?.namedChildren ?? []).map((p) => (p.type === 'identifier' ? p.text : undefined));
  const reentry = callback
    .descendantsOfType('call_expression')
    .find((c) => (c.childForFieldName('function')?.text ?? '').replace(/^this\./, '') === loop.functionName);
  if (!reentry) return false;
  const args = argumentNodes(reentry);
  const tested = new Set<string>();
  for (let up = timer.parent; up && up.id !== loop.node.id; up = up.parent) {
    if (up.type === 'if_statement') for (const id of up.childForFieldName('condition')?.descendantsOfType('identifier') ?? []) tested.add(id.text);
  }
  return params.some((name, i) => name !== undefined && tested.has(name) && args[i] !== undefined && args[i]!.text !== name);
}

/**
 * `q = Queue(); ...; while True: try: line = q.get_nowait() except Empty: time.sleep(0.1)`: a pop from a queue this
 * process built (`in_process_queue` of `builds:` in rules/apis/python.yml), fed by its own threads, asks no server:
 * an empty answer is a memory read, not a round trip, and the sleep only sets how soon the loop sees the next item.
 */
function popsOwnQueue(call: CallFact, loop: LoopFacts, ctx: RuleContext): boolean {
  return isPython(loop.language) && call.confidence === 'high' && hasKind(call, 'queue-pop') && call.receiver !== undefined && isInProcessQueue(call.receiver, loop, ctx);
}

export const detectPollingFixedInterval: Detector = (loop, ctx) => {
  if (!isPollingLoop(loop) || drainsList(loop, ctx.model) || continuesWithTheRest(loop, ctx)) return null;
  const own = ownCalls(loop);
  if (own.some((c) => isBlockingPop(c) || isEventWait(c))) return null;
  const polls = pollCalls(loop, ctx.file.source).filter((c) => !sweepsRatherThanAsks(c, ctx) && !probesServer(c, ctx) && !popsOwnQueue(c, loop, ctx));
  if (polls.length === 0 || pollsHealth(loop, ctx, polls)) return null;
  const interval = fixedPollSeconds(loop, ctx.model);
  if (!interval) return null;
  const first = polls[0]!;
  const source = sourceOf(polls.find((c) => hasKind(c, 'queue-pop')) ?? first);
  const idleCalls = polls.filter((c) => enclosingConditions(c.node, loop).length === 0).length || 1;
  const cost = idlePollingCost({ interval, callsPerPoll: idleCalls, after: source === 'queue' ? 'event' : 'backoff' }, ctx.config.cost, ctx.locale);
  const confidence = confidenceOf([first]);
  const sleepCall = own.find((c) => hasKind(c, 'sleep') && !inErrorHandler(c.node, loop));
  const timer = loop.kind === 'interval' || loop.kind === 'timeout-recursion' ? timerCall(loop, ctx.model) : undefined;
  const anchor = timer ? (loop.kind === 'interval' ? loop.headerLine : timer.node.startPosition.row + 1) : sleepCall ? sleepCall.line : loop.headerLine;
  const oneResult = confidence !== 'low' && (waitsForOneResult(loop, ctx) || waitsForOneState(loop, polls));
  const detection: Detection = {
    loop,
    line: anchor,
    confidence,
    variant: confidence === 'low' ? 'guessed' : oneResult ? 'one-result' : source === 'queue' ? 'queue' : source === 'subprocess' ? 'subprocess' : 'default',
    data: {
      call: calleeLabel(first),
      seconds: formatNumber(interval.value, ctx.locale),
      perDay: formatNumber(cost.before, ctx.locale),
      perMinute: formatNumber(Math.round((60 / Math.max(interval.value, 0.001)) * idleCalls * 10) / 10, ctx.locale),
      after: formatNumber(cost.after, ctx.locale),
      replicas: ctx.config.cost.replicas,
    },
    cost,
    fix: pollingFix(loop, ctx, first, source, interval.value),
  };
  // A bounded wait on one job is a hint: its cost ends with the job.
  if (oneResult) detection.severity = 'info';
  return detection;
};

function resultName(call: CallFact, language: LoopFacts['language']): string {
  return call.assignedTo && /^[A-Za-z_$][\w$]*$/.test(call.assignedTo) ? call.assignedTo : 'batch';
}

function loopCondition(loop: LoopFacts): string {
  if (loop.infinite || !loop.condition) return isPython(loop.language) ? 'True' : 'true';
  return loop.condition.replace(/^\((.*)\)$/s, '$1');
}

function pollingFix(loop: LoopFacts, ctx: RuleContext, call: CallFact, source: Source, seconds: number) {
  const language = ctx.file.language;
  const brace = bracePollingSketch(loop, call, seconds, source === 'queue');
  if (brace) return blockFix(ctx, loop, brace, say(ctx, source === 'queue' ? 'fix.polling.queue' : 'fix.polling.backoff'), 'unsafe', [prometheusAlert(loop, ctx, call)]);
  // A process started on a timer has no push source to sketch: the backoff and the alert only.
  const extras = source === 'subprocess' ? [prometheusAlert(loop, ctx, call)] : [prometheusAlert(loop, ctx, call), eventDrivenSketch(loop, ctx, call, source)];
  if (source === 'queue') return blockFix(ctx, loop, blockingPopCode(loop, call), say(ctx, 'fix.polling.queue'), 'unsafe', extras);
  const code = isPython(language) ? pythonBackoff(loop, call, seconds) : jsBackoff(loop, call, seconds, isTyped(language));
  return blockFix(ctx, loop, code, say(ctx, 'fix.polling.backoff'), 'unsafe', extras);
}

function pythonBackoff(loop: LoopFacts, call: CallFact, seconds: number): string {
  const name = resultName(call, 'python');
  const statement = call.assignedTo ? `${name} = ${short(call.text, 200)}` : `${name} = ${short(call.text, 200)}`;
  return [
    'import random',
    'import time',
    '',
    `IDLE_MIN_SECONDS = ${Math.min(seconds, 1)}`,
    'IDLE_MAX_SECONDS = 300.0',
    '',
    'delay = IDLE_MIN_SECONDS',
    `while ${loopCondition(loop)}:`,
    `    ${statement}`,
    `    if not ${name}:`,
    '        # Idle: wait longer each time (equal jitter keeps replicas from polling in step).',
    '        time.sleep(delay / 2 + random.uniform(0, delay / 2))',
    '        delay = min(delay * 2, IDLE_MAX_SECONDS)',
    '        continue',
    '    delay = IDLE_MIN_SECONDS',
    `    ...  # handle ${name} as before`,
  ].join('\n');
}

function jsBackoff(loop: LoopFacts, call: CallFact, seconds: number, typed: boolean): string {
  const name = resultName(call, loop.language);
  const expr = call.text.startsWith('await ') || !call.awaited ? call.text : `await ${call.text}`;
  const minMs = Math.min(seconds * 1000, 1000);
  const sleep = typed
    ? 'const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));'
    : 'const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));';
  if (loop.kind === 'interval' || loop.kind === 'timeout-recursion') {
    return [
      `const IDLE_MIN_MS = ${minMs};`,
      'const IDLE_MAX_MS = 300_000;',
      '',
      'let delay = IDLE_MIN_MS;',
      `async function tick()${typed ? ': Promise<void>' : ''} {`,
      '  let found = false;',
      '  try {',
      `    const ${name} = ${short(expr, 200)};`,
      `    found = Boolean(${name}) && (!Array.isArray(${name}) || ${name}.length > 0);`,
      `    // handle ${name} as before`,
      '  } finally {',
      '    // Idle: wait longer each time (with jitter); busy: come back quickly.',
      '    delay = found ? IDLE_MIN_MS : Math.min(delay * 2, IDLE_MAX_MS);',
      '    setTimeout(tick, delay / 2 + Math.random() * (delay / 2));',
      '  }',
      '}',
      'void tick();',
    ].join('\n');
  }
  return [
    `const IDLE_MIN_MS = ${minMs};`,
    'const IDLE_MAX_MS = 300_000;',
    sleep,
    '',
    'let delay = IDLE_MIN_MS;',
    `while (${loopCondition(loop)}) {`,
    `  const ${name} = ${short(expr, 200)};`,
    `  if (!${name} || (Array.isArray(${name}) && ${name}.length === 0)) {`,
    '    // Idle: wait longer each time (equal jitter keeps replicas from polling in step).',
    '    await sleep(delay / 2 + Math.random() * (delay / 2));',
    '    delay = Math.min(delay * 2, IDLE_MAX_MS);',
    '    continue;',
    '  }',
    '  delay = IDLE_MIN_MS;',
    `  // handle ${name} as before`,
    '}',
  ].join('\n');
}

function popKey(call: CallFact): string {
  const first = argumentNodes(callNode(call))[0];
  return first ? first.text : isPython('python') ? '"jobs"' : "'jobs'";
}

function blockingPopCode(loop: LoopFacts, call: CallFact): string {
  const py = isPython(loop.language);
  const receiver = call.receiver ?? (py ? 'queue' : 'queue');
  const name = resultName(call, loop.language);
  const cond = loopCondition(loop);
  if (/^(l|r)pop$|^rpoplpush$|^lmove$/i.test(call.method)) {
    const key = popKey(call);
    if (py) {
      return [
        `while ${cond}:`,
        '    # BRPOP waits on the Redis server for up to 30 s: no round trips while the list is empty.',
        `    popped = ${receiver}.b${call.method.toLowerCase() === 'lpop' ? 'lpop' : 'rpop'}(${key}, timeout=30)`,
        '    if popped is None:',
        '        continue  # timeout: check the stop flag, then wait again',
        `    _key, ${name} = popped`,
        `    ...  # handle ${name} as before`,
      ].join('\n');
    }
    return [
      `while (${cond}) {`,
      '  // BRPOP waits on the Redis server for up to 30 s: no round trips while the list is empty.',
      '  // Use a dedicated connection: a blocked connection cannot serve other commands.',
      `  const popped = await ${receiver}.b${call.method.toLowerCase() === 'lpop' ? 'lpop' : 'rpop'}(${key}, 30);`,
      '  if (popped === null) continue; // timeout: check the stop flag, then wait again',
      `  const [, ${name}] = popped;`,
      `  // handle ${name} as before`,
      '}',
    ].join('\n');
  }
  if (/receive_?message/i.test(call.method) || /ReceiveMessage/.test(call.text)) {
    if (py) {
      return [
        `while ${cond}:`,
        '    # Long polling: SQS holds the request for up to 20 s until a message arrives.',
        `    response = ${receiver}.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=20)`,
        '    for message in response.get("Messages", []):',
        '        ...  # handle message as before, then delete it',
      ].join('\n');
    }
    return [
      `while (${cond}) {`,
      '  // Long polling: SQS holds the request for up to 20 s until a message arrives.',
      '  const { Messages = [] } = await sqs.send(',
      '    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 }),',
      '  );',
      '  for (const message of Messages) {',
      '    // handle message as before, then delete it',
      '  }',
      '}',
    ].join('\n');
  }
  if (py) {
    return [
      `while ${cond}:`,
      '    try:',
      `        ${name} = ${receiver}.get(timeout=30)  # blocks until an item arrives or 30 s pass`,
      '    except queue.Empty:',
      '        continue  # timeout: check the stop flag, then wait again',
      `    ...  # handle ${name} as before`,
    ].join('\n');
  }
  return [
    '// A push-based consumer: the broker delivers jobs, nothing is asked while the queue is empty.',
    "const worker = new Worker('jobs', async (job) => {",
    '  // handle job.data as before',
    "}, { connection: { host: '127.0.0.1', port: 6379 }, concurrency: 1 });",
    "process.once('SIGTERM', () => void worker.close());",
  ].join('\n');
}

function metricName(loop: LoopFacts): string {
  const base = (loop.functionName ?? 'worker').replace(/[^A-Za-z0-9_]/g, '_');
  return base.length > 0 ? base : 'worker';
}

function prometheusAlert(loop: LoopFacts, ctx: RuleContext, call: CallFact) {
  const worker = metricName(loop);
  const py = isPython(ctx.file.language);
  const batch = resultName(call, ctx.file.language);
  const instrument = py
    ? [
        '# Instrument the worker (prometheus_client):',
        "#   POLLS = Counter('worker_polls_total', 'Polls by outcome', ['worker', 'result'])",
        `#   POLLS.labels('${worker}', 'work' if ${batch} else 'empty').inc()`,
      ]
    : [
        '# Instrument the worker (prom-client):',
        "#   const polls = new Counter({ name: 'worker_polls_total', help: 'Polls by outcome', labelNames: ['worker', 'result'] });",
        `#   polls.inc({ worker: '${worker}', result: ${batch} && ${batch}.length !== 0 ? 'work' : 'empty' });`,
      ];
  const code = [
    ...instrument,
    `# Poll call: ${calleeLabel(call)} (${ctx.file.path}:${call.line})`,
    'groups:',
    '  - name: coze-loop-idle-polling',
    '    rules:',
    '      - alert: IdlePollingWorker',
    '        # Nine polls in ten come back empty for an hour while the worker still polls more than once a minute.',
    '        expr: |',
    `          sum by (worker) (rate(worker_polls_total{worker="${worker}", result="empty"}[30m]))`,
    `            / sum by (worker) (rate(worker_polls_total{worker="${worker}"}[30m])) > 0.9`,
    `          and sum by (worker) (rate(worker_polls_total{worker="${worker}"}[30m])) > 1 / 60`,
    '        for: 1h',
    '        labels:',
    '          severity: info',
    '        annotations:',
    '          summary: "{{ $labels.worker }} keeps polling while idle"',
    '          description: "{{ $value | humanizePercentage }} of its polls in the last 30 minutes were empty. Switch to a blocking pop, LISTEN/NOTIFY or an idle backoff."',
  ].join('\n');
  return { kind: 'prometheus-alert', title: say(ctx, 'extra.prometheus-alert'), language: 'yaml', code };
}

function eventDrivenSketch(loop: LoopFacts, ctx: RuleContext, call: CallFact, source: Source) {
  const py = isPython(ctx.file.language);
  const typed = isTyped(ctx.file.language);
  const title = say(ctx, 'extra.event-driven');
  const language = codeLanguage(ctx.file.language);
  let code: string;
  if (source === 'db') {
    code = py
      ? [
          '# Producer side, once (PostgreSQL): notify after every insert into the work table.',
          '#   CREATE FUNCTION notify_work() RETURNS trigger AS $$',
          "#   BEGIN PERFORM pg_notify('work_ready', NEW.id::text); RETURN NEW; END $$ LANGUAGE plpgsql;",
          '#   CREATE TRIGGER work_ready AFTER INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION notify_work();',
          'import psycopg',
          '',
          '',
          'def consume(dsn: str, stop) -> None:',
          '    with psycopg.connect(dsn, autocommit=True) as listener:',
          '        listener.execute("LISTEN work_ready")',
          '        while not stop.is_set():',
          `            drain()  # the existing step around ${calleeLabel(call)}: fetch and handle until empty`,
          '            # Sleeps in the kernel until a NOTIFY arrives; the timeout is a safety net for missed notifications.',
          '            for _ in listener.notifies(timeout=60, stop_after=1):',
          '                pass',
        ].join('\n')
      : [
          '// Producer side, once (PostgreSQL): a trigger runs pg_notify(\'work_ready\', NEW.id::text) after each insert.',
          "import pg from 'pg';",
          '',
          'const listener = new pg.Client({ connectionString: process.env.DATABASE_URL });',
          'await listener.connect();',
          "await listener.query('LISTEN work_ready');",
          '',
          `let draining${typed ? ': Promise<void>' : ''} = Promise.resolve();`,
          `const scheduleDrain = ()${typed ? ': void' : ''} => {`,
          `  // drain(): the existing step around ${calleeLabel(call)}, fetching and handling until empty`,
          '  draining = draining.then(drain, drain);',
          '};',
          "listener.on('notification', scheduleDrain);",
          'setInterval(scheduleDrain, 300_000).unref(); // safety net for missed notifications',
          'scheduleDrain(); // rows inserted while the consumer was down',
        ].join('\n');
  } else if (source === 'queue') {
    code = py
      ? [
          'import redis',
          '',
          '',
          'def consume(r: redis.Redis, stop) -> None:',
          '    while not stop.is_set():',
          '        popped = r.brpop("jobs", timeout=30)  # blocks on the server; None after 30 s',
          '        if popped is None:',
          '            continue',
          '        _key, payload = popped',
          '        handle(payload)',
        ].join('\n')
      : [
          "import { Worker } from 'bullmq';",
          '',
          '// The broker pushes jobs to the worker; an empty queue costs nothing.',
          "const worker = new Worker('jobs', async (job) => handle(job.data), {",
          "  connection: { host: '127.0.0.1', port: 6379 },",
          '  concurrency: 4,',
          '});',
          "process.once('SIGTERM', () => void worker.close());",
        ].join('\n');
  } else {
    code = py
      ? [
          '# Ask the provider for webhooks instead of polling; the endpoint only enqueues, the worker blocks on the queue.',
          'import queue',
          '',
          'events: "queue.Queue[dict]" = queue.Queue(maxsize=10_000)',
          '',
          '',
          'def on_webhook(payload: dict) -> None:  # called by your web framework route',
          '    events.put_nowait(payload)',
          '',
          '',
          'def consume(stop) -> None:',
          '    while not stop.is_set():',
          '        try:',
          '            event = events.get(timeout=30)',
          '        except queue.Empty:',
          '            continue',
          '        handle(event)',
        ].join('\n')
      : [
          '// Ask the provider for webhooks instead of polling; the route only enqueues, the worker is pushed jobs.',
          "import { Queue, Worker } from 'bullmq';",
          '',
          "const connection = { host: '127.0.0.1', port: 6379 };",
          "const events = new Queue('provider-events', { connection });",
          '',
          `export async function onWebhook(payload${typed ? ': unknown' : ''})${typed ? ': Promise<void>' : ''} {`,
          "  await events.add('event', payload, { removeOnComplete: true });",
          '}',
          '',
          "new Worker('provider-events', async (job) => handle(job.data), { connection });",
        ].join('\n');
  }
  return { kind: 'event-driven', title, language, code };
}
