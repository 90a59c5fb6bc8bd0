// retry-without-backoff for Go and Java, read from the facts: a retry loop is a counted, conditional or endless
// loop (not a range / for-each over items) around a call that can fail (HTTP, SQL, connect, queue) whose failure
// stays in the loop (CallFact.failure `handled`; in Go also an `if err == nil { return }` success branch) and which
// leaves the loop on success (a break/return after the call that is not an error or stop path). Reported when
// nothing paces the next attempt (`no-sleep`), or when the only pause is a constant short sleep (10 s or less) in
// a loop with no attempt limit (`constant`). A computed delay (`time.Sleep(backoff)`, `time.After(d)` with a
// variable, `Thread.sleep(delay)`) is taken to be a backoff; a bounded loop with a constant pause is left alone.
import type { CallFact, CallKind, LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detection, RuleContext } from '../../rule-types.js';
import { fromConfig } from '../../../cost/index.js';
import { blockFix, fenceLanguage, wholeLineText } from '../../../fixes/lines.js';
import { outageCallsCost } from './cost.js';
import { displayCallee, successExits } from '../lib/index.js';

const TEST_FILE = /_test\.go$|(^|\/)(src\/test\/java|testdata)\//;
const RETRIED: ReadonlySet<CallKind> = new Set(['http', 'db-read', 'db-write', 'db-commit', 'queue-ack', 'connect']);
/** A constant pause longer than this is a poll interval rather than a hammering retry. */
const SHORT_SLEEP_SECONDS = 10;
/** An attempt counter compared in the loop: `attempt >= maxRetries`, `tries == 3`, `retries++ > n`. */
/** Advancing an iterator, a cursor or a scanner: each round moves to the next item (`while (it.hasNext())`). */
const ADVANCES = /^(next|nextElement|nextToken|hasNext|hasMoreElements|hasMoreTokens|Next|NextResultSet|Scan|poll|take|pop|Pop|shift)$/;
const ATTEMPT_LIMIT = /\b\w*(?:attempt|retr|tries|tried|fail)\w*(?:\+\+)?\s*(?:>=|>|==|<=|<)/i;

function retriedCall(loop: LoopFacts): CallFact | undefined {
  const attempts = loop.calls.filter((c) => !c.inInnerLoop && c.confidence !== 'low' && c.kinds.some((k) => RETRIED.has(k)));
  // Java: one round's attempt is several calls: the open and the calls that set up what it made (`Socket s = new
  // Socket(); s.bind(new InetSocketAddress(local, port)); s.connect(new InetSocketAddress(addrs[i], port), t)`). When
  // any of them goes to the round's own candidate, so does the attempt.
  if (loop.language === 'java') {
    const made = new Set(attempts.map((c) => c.assignedTo).filter((n): n is string => n !== undefined));
    const round = loop.calls.filter((c) => !c.inInnerLoop && (attempts.includes(c) || (c.receiver !== undefined && made.has(c.receiver))));
    if (round.some((c) => readsCounter(c, loop) || advancesArgument(c, loop))) return undefined;
  }
  return attempts.find(
    (c) =>
      // Go: `v, err := f(); if err == nil { return v }`: the success branch leaves, a failure goes round.
      (c.failure === 'handled' || (loop.language === 'go' && successExits(c.node, loop).some((e) => e.via === 'err-nil'))) &&
      !readsCounter(c, loop) &&
      !advancesArgument(c, loop) &&
      !(loop.language === 'go' && !loop.infinite && drawsCandidate(c, loop)),
  );
}

/**
 * A counted loop whose call reads the counter walks items (`rows[i]`), it does not repeat one attempt; the counter is
 * also one declared before the loop and stepped in its header (`for (; i < dirs.size(); i++)`). An attempt counter
 * (`attempt`, `retries`, `tries`) is no item.
 */
function readsCounter(call: CallFact, loop: LoopFacts): boolean {
  return loop.kind === 'for' && countersOf(loop).some((v) => new RegExp(`\\b${v}\\b`).test(call.text) && !/attempt|retr|tries|try/i.test(v));
}

/** A draw from a random source: `rand.Intn(1024)`, `rand.Int(rand.Reader, max)`, a helper named so (`randomPort()`). */
function isRandomDraw(call: SyntaxNode): boolean {
  const fn = call.childForFieldName('function');
  if (!fn) return false;
  if (fn.type === 'selector_expression' && fn.childForFieldName('operand')?.text === 'rand') return true;
  const name = fn.type === 'selector_expression' ? fn.childForFieldName('field')?.text : fn.text;
  return /random/i.test(name ?? '');
}

/** The names an assignment binds: `a, err :=`, `x.cfg.Name =` (the root `x`), `var a =`. */
function boundNames(n: SyntaxNode): string[] {
  const left = n.type === 'var_spec' ? n.childrenForFieldName('name') : (n.childForFieldName('left')?.namedChildren ?? []);
  const out: string[] = [];
  for (let target of left) {
    while (target.type === 'selector_expression' || target.type === 'index_expression') target = target.namedChild(0)!;
    if (target.type === 'identifier' && target.text !== '_' && !/^err/.test(target.text)) out.push(target.text);
  }
  return out;
}

/**
 * Go: `for tries := 0; tries < n; tries++ { port := rand.Intn(1024); addr := ...port...; c := &http.Client{...addr...};
 * resp, err := c.Get(u); if err != nil { continue } ... }`: each round hands the call a value drawn at random in that
 * round (a source port, a generated name), through the locals the round builds from it. A bounded search for a free
 * candidate: the next attempt is not the same request again. An endless loop of such draws is still a retry.
 */
function drawsCandidate(call: CallFact, loop: LoopFacts): boolean {
  const drawn = new Set<string>();
  const assignments = loop.body
    .descendantsOfType(['short_var_declaration', 'assignment_statement', 'var_spec'])
    .filter((n) => n.endIndex <= call.node.startIndex);
  for (const n of assignments) {
    const right = n.type === 'var_spec' ? n.childrenForFieldName('value') : (n.childForFieldName('right')?.namedChildren ?? []);
    const fromDraw = right.some(
      (r) =>
        (r.type === 'call_expression' && isRandomDraw(r)) ||
        r.descendantsOfType(['call_expression']).some(isRandomDraw) ||
        r.descendantsOfType(['identifier']).some((id) => drawn.has(id.text)) ||
        (r.type === 'identifier' && drawn.has(r.text)),
    );
    if (fromDraw) for (const name of boundNames(n)) drawn.add(name);
  }
  if (drawn.size === 0) return false;
  return call.node.descendantsOfType(['identifier']).some((id) => drawn.has(id.text));
}

/**
 * A counted loop's counters: the names its header declares or assigns (`loopVariables`), and the names its update
 * clause steps (`for (; index < dirs.size(); index++)` over an `index` declared before the loop; Go's `for ; i < n;
 * i++ {`).
 */
function countersOf(loop: LoopFacts): string[] {
  const names = new Set(loop.loopVariables);
  const updates = loop.language === 'java' ? loop.node.childrenForFieldName('update') : loop.node.descendantsOfType('for_clause').filter((f) => f.parent === loop.node).flatMap((f) => f.childrenForFieldName('update'));
  for (const u of updates) {
    const stepped = u.type === 'update_expression' || u.type === 'inc_statement' || u.type === 'dec_statement' ? u.namedChild(0) : u.type === 'assignment_expression' || u.type === 'assignment_statement' ? u.childForFieldName('left') : null;
    const target = stepped?.type === 'expression_list' ? (stepped.namedChildCount === 1 ? stepped.namedChild(0) : null) : stepped;
    if (target?.type === 'identifier') names.add(target.text);
  }
  return [...names];
}

/**
 * `for { e, err := w.fetch(ctx, seq); ...; seq += 1; if err == errSkip { continue } }`: the loop steps a number the call
 * is given (`seq++`, `seq += 1`, `page = page + 1`), so the next round asks for the next entry, page or offset: a
 * walk whose skipped items go round, not a retry of one request. An attempt counter handed to the call
 * (`fetch(attempt)`) is still a retry.
 */
function advancesArgument(call: CallFact, loop: LoopFacts): boolean {
  const args = call.node.childForFieldName('arguments')?.namedChildren ?? [];
  // Java: also a name inside an argument (`s.bind(new InetSocketAddress(local, port))`).
  const named = loop.language === 'java' ? args.flatMap((a) => (a.type === 'identifier' ? [a] : a.descendantsOfType(['identifier']))) : args.filter((a) => a.type === 'identifier');
  const names = new Set(named.filter((a) => !/attempt|retr|tries|try/i.test(a.text)).map((a) => a.text));
  if (names.size === 0) return false;
  for (const n of loop.body.descendantsOfType(['inc_statement', 'dec_statement', 'assignment_statement', 'update_expression', 'assignment_expression'])) {
    if (n.startIndex < call.node.endIndex) continue;
    const target =
      n.type === 'assignment_statement' ? n.childForFieldName('left')?.namedChildren : n.type === 'assignment_expression' ? [n.childForFieldName('left')] : [n.namedChild(0)];
    const name = target?.length === 1 && target[0]?.type === 'identifier' ? target[0].text : undefined;
    if (name === undefined || !names.has(name)) continue;
    if (n.type !== 'assignment_statement' && n.type !== 'assignment_expression') return true;
    const operator = n.childForFieldName('operator')?.text ?? '';
    const right = n.childForFieldName('right')?.text.replace(/\s+/g, '') ?? '';
    if (/^[-+]=$/.test(operator) || (operator === '=' && new RegExp(`^${name}[-+]`).test(right))) return true;
  }
  return false;
}

function isBounded(loop: LoopFacts, source: string): boolean {
  if (!loop.infinite) return true;
  // Gives up on some failure (`if err != nil && attempt > n { return err }`), or counts attempts.
  return loop.exits.some((e) => e.cause === 'error') || ATTEMPT_LIMIT.test(loop.text) || hasDeadline(loop, source);
}

/**
 * Go: a select case on a one-shot timer made before the loop (`deadline := time.NewTimer(d).C`, `t :=
 * time.NewTimer(d)` read as `t.C`) that returns: the loop gives up when the timer fires.
 */
function hasDeadline(loop: LoopFacts, source: string): boolean {
  if (loop.language !== 'go') return false;
  for (const m of loop.text.matchAll(/case\s*<-\s*(\w+)(\.C)?\s*:\s*\n\s*return\b/g)) {
    const name = m[1]!;
    const bound = m[2] ? `${name}\\s*:?=\\s*time\\.NewTimer\\(` : `${name}\\s*:?=\\s*time\\.NewTimer\\(.*\\)\\.C\\b`;
    if (new RegExp(`\\b${bound}`).test(source)) return true;
  }
  return false;
}

/** A Java integer literal (`2`, `2L`). */
function intLiteral(node: SyntaxNode | null | undefined): number | undefined {
  const text = node?.type === 'decimal_integer_literal' ? node.text.replace(/[lL_]/g, '') : undefined;
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * Java: how many times the loop can run, when its header says so. `for (int i = 0; i < 2; i++)` (also `<=`, from any
 * literal start) and `int tries = 2; while (tries > 0) { ... tries--; }` (the counter declared with a literal in the
 * statement before the loop, counted down in the body).
 */
function statedAttempts(loop: LoopFacts): number | undefined {
  const node = loop.node;
  if (node.type === 'for_statement') {
    const init = node.childForFieldName('init');
    const declarator = init?.type === 'local_variable_declaration' ? init.namedChildren.find((c) => c.type === 'variable_declarator') : undefined;
    const name = declarator?.childForFieldName('name')?.text;
    const from = intLiteral(declarator?.childForFieldName('value'));
    const condition = node.childForFieldName('condition');
    const update = node.childForFieldName('update')?.text.replace(/\s+/g, '');
    if (!name || from === undefined || condition?.type !== 'binary_expression' || (update !== `${name}++` && update !== `++${name}`)) return undefined;
    const to = intLiteral(condition.childForFieldName('right'));
    const op = condition.childForFieldName('operator')?.text;
    if (condition.childForFieldName('left')?.text !== name || to === undefined || (op !== '<' && op !== '<=')) return undefined;
    return Math.max(0, to - from + (op === '<=' ? 1 : 0));
  }
  if (node.type !== 'while_statement') return undefined;
  const m = /^\(?\s*(\w+)\s*>\s*0\s*\)?$/.exec(loop.condition ?? '');
  const previous = node.previousNamedSibling;
  if (!m || previous?.type !== 'local_variable_declaration') return undefined;
  const name = m[1]!;
  const declarator = previous.namedChildren.find((c) => c.type === 'variable_declarator' && c.childForFieldName('name')?.text === name);
  const count = intLiteral(declarator?.childForFieldName('value'));
  const countsDown = loop.body.descendantsOfType(['update_expression']).some((u) => u.text.replace(/\s+/g, '') === `${name}--` || u.text.replace(/\s+/g, '') === `--${name}`);
  return count !== undefined && countsDown ? count : undefined;
}

/**
 * Java: `int tries = 2; while (tries > 0) { try { open(); ps.executeUpdate(); return; } catch (SQLException e) {
 * log(e); close(); } tries--; }`: one more attempt after the handler dropped the connection, which the next attempt
 * opens again. A stale pooled or idle connection fails once and works on a fresh one: a reconnect, not a hammering
 * retry (at most two attempts, and the handler closes something the catalogue knows as a close).
 */
function retriesOnceOnFreshConnection(loop: LoopFacts, call: CallFact, ctx: RuleContext): boolean {
  if (loop.language !== 'java') return false;
  const attempts = statedAttempts(loop);
  if (attempts === undefined || attempts > 2) return false;
  for (const handler of loop.body.descendantsOfType(['catch_clause'])) {
    const tryNode = handler.parent;
    if (!tryNode || tryNode.startIndex > call.node.startIndex || call.node.endIndex > tryNode.endIndex) continue;
    const closes = handler.descendantsOfType(['method_invocation']).some((m) => {
      const name = m.childForFieldName('name')?.text ?? '';
      const object = m.childForFieldName('object')?.text;
      return ctx.kb.classify(loop.language, `${object ? object.replace(/\s+/g, '') : 'this'}.${name}`).kinds.includes('close');
    });
    if (closes) return true;
  }
  return false;
}

export function detectBraceRetry(loop: LoopFacts, ctx: RuleContext): Detection | null {
  if (TEST_FILE.test(loop.path)) return null;
  if (loop.kind === 'for-each' || loop.kind === 'interval') return null;
  // A loop that advances an iterator walks items: a failure skips the item, it does not retry it.
  if (loop.calls.some((c) => !c.inInnerLoop && ADVANCES.test(c.method))) return null;
  const call = retriedCall(loop);
  if (!call) return null;
  // Success leaves the loop: a break/return after the call that is neither an error nor a stop path.
  if (!loop.exits.some((e) => (e.kind === 'break' || e.kind === 'return') && e.cause === undefined && e.line >= call.line)) return null;
  const own = loop.calls.filter((c) => !c.inInnerLoop);
  // A blocking pop paces the loop by itself.
  if (own.some((c) => c.kinds.includes('queue-pop') && c.timeoutSeconds !== 0)) return null;
  // So does a call that waits for a person (a modal dialog, `waits: blocking` in rules/apis/java.yml): the next
  // attempt comes when they answer.
  if (own.some((c) => ctx.kb.waitOf?.(loop.language, c.callee) === 'blocking')) return null;
  const sleeps = own.filter((c) => c.kinds.includes('sleep'));
  if (sleeps.length === 0 && retriesOnceOnFreshConnection(loop, call, ctx)) return null;
  let variant: 'no-sleep' | 'constant';
  let seconds: number | undefined;
  if (sleeps.length === 0) {
    variant = 'no-sleep';
  } else {
    if (sleeps.some((s) => s.sleepSeconds === undefined)) return null;
    seconds = Math.min(...sleeps.map((s) => s.sleepSeconds!));
    if (seconds > SHORT_SLEEP_SECONDS || isBounded(loop, ctx.file.source)) return null;
    variant = 'constant';
  }
  const latency = fromConfig(ctx.config.cost, call.kinds.some((k) => k.startsWith('db')) ? 'db_query_ms' : 'http_call_ms');
  const statement = wholeLineText(ctx.file.source, call.line, call.line).trim();
  return {
    loop,
    line: call.line,
    variant,
    data: { call: displayCallee(call.callee), ...(seconds !== undefined ? { sleep: seconds } : {}) },
    confidence: call.confidence === 'high' ? 'high' : 'medium',
    cost: outageCallsCost(latency, seconds, ctx.config.cost, ctx.locale),
    fix: blockFix(braceBackoffSketch(loop.language as 'go' | 'java', statement), { startLine: loop.startLine, endLine: loop.endLine }, {
      description: 'capped exponential backoff with jitter',
      safety: 'unsafe',
      language: fenceLanguage(loop.language),
    }),
  };
}

/** The retry rewritten with an attempt limit, capped exponential backoff and full jitter (Go: cancellable). */
export function braceBackoffSketch(language: 'go' | 'java', attempt: string): string {
  if (language === 'go') {
    return [
      'const (',
      '\tmaxAttempts = 5',
      '\tbackoffBase = 500 * time.Millisecond',
      '\tbackoffCap  = 30 * time.Second',
      ')',
      '',
      'backoff := backoffBase',
      'for attempt := 1; ; attempt++ {',
      `\t// the attempt, as before: ${attempt}`,
      '\tif err == nil {',
      '\t\tbreak',
      '\t}',
      '\tif attempt == maxAttempts {',
      '\t\treturn fmt.Errorf("giving up after %d attempts: %w", attempt, err)',
      '\t}',
      '\tdelay := time.Duration(rand.Int64N(int64(backoff))) // full jitter (math/rand/v2)',
      '\tselect {',
      '\tcase <-ctx.Done():',
      '\t\treturn ctx.Err()',
      '\tcase <-time.After(delay):',
      '\t}',
      '\tbackoff = min(backoff*2, backoffCap)',
      '}',
    ].join('\n');
  }
  return [
    'private static final int MAX_ATTEMPTS = 5;',
    'private static final long BACKOFF_BASE_MS = 500;',
    'private static final long BACKOFF_CAP_MS = 30_000;',
    '',
    'for (int attempt = 1; ; attempt++) {',
    '    try {',
    `        // the attempt, as before: ${attempt}`,
    '        break;',
    '    } catch (IOException e) { // the exception the retry catches',
    '        if (attempt >= MAX_ATTEMPTS) throw e;',
    '        long cap = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS << Math.min(attempt, 20));',
    '        Thread.sleep(ThreadLocalRandom.current().nextLong(cap + 1)); // full jitter',
    '    }',
    '}',
  ].join('\n');
}
