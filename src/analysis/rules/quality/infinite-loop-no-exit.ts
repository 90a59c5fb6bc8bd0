// An endless worker loop with no way to stop it cleanly: no stop flag, no break or return, and nothing in the file
// handles SIGTERM. A deploy kills it mid-item. Generators (`yield`) and asyncio coroutines (stopped by task
// cancellation) are excluded; a loop that does no I/O or waiting is not a worker.
import type { Detector } from '../../rule-types.js';
import { blockFix, fenceLanguage } from '../../../fixes/lines.js';
import { guardedWorkerTemplate } from '../../../fixes/templates.js';
import { noExitWorkerCall, ruleMayReport } from './overlap.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import type { RuleContext } from '../../rule-types.js';
import { classMethods, displayCallee, enclosingClass, runsInProgramEntry, enclosingFunction, familyOf, lineOf, rootOf, type TreeCall, treeCalls, triesAround, tryParts, workerStepBody } from '../lib/index.js';
import { acceptsClients, findUnguardedCall, inProcessQueueGet, isInProcessQueue, readsTerminal, relaysMessages, supervisedByCaller } from './unguarded-worker-loop.js';
import { detectBraceNoExit, ITEM_KINDS } from './brace-worker.js';
import { outerNamesUsed, workerName } from './worker-name.js';
import { ignoredStop } from './owner-stop.js';
import { timerIgnoresTeardown } from './timer-teardown.js';


/**
 * The loop only looks and waits (reads local state, prints, sleeps): killing it between two statements loses nothing,
 * so the missing stop flag costs nothing either.
 */
function holdsNoItem(loop: LoopFacts, ctx: RuleContext): boolean {
  return treeCalls(loop.body, ctx.model, { skipFunctions: true }).every((c) => !c.kinds.some((k) => ITEM_KINDS.has(k)));
}

/**
 * The loop runs in a thread its author made a daemon (`self.daemon = True`, `setDaemon(True)` or `__init__(daemon=True)` in the class or a base class of the file, or the
 * function passed as `target=` to a `Thread(..., daemon=True)` of the file, a static or class method also as
 * `Class.method` or `cls.method`), or in a pool's worker process (the
 * function passed as `initializer=`): the interpreter or the pool drops it at exit by design.
 */
function isDaemonThreadLoop(loop: LoopFacts): boolean {
  const fn = enclosingFunction(loop.node, 'python');
  if (!fn) return false;
  let cls = enclosingClass(fn);
  // The class, or a base class of the same file (`class Reloader(ReloaderBase)`), marks its threads daemons.
  const classes = new Map(rootOf(loop.node).descendantsOfType('class_definition').map((c) => [c.childForFieldName('name')?.text ?? '', c] as const));
  for (let depth = 0; cls && depth < 8; depth++) {
    if (DAEMON_MARK.test(cls.text)) return true;
    const bases: SyntaxNode[] = cls.childForFieldName('superclasses')?.namedChildren ?? [];
    cls = bases.map((b) => classes.get(b.text)).find((c) => c !== undefined) ?? null;
  }
  const name = fn.childForFieldName('name')?.text;
  if (!name) return false;
  if (madeDaemonAfterwards(loop, name, enclosingClassName(fn))) return true;
  // A process pool's `initializer=` runs in each of its workers, which the pool makes daemons and terminates.
  return callsPassing(fn, 'target').some((args) => DAEMON_TRUE.test(args.text)) || callsPassing(fn, 'initializer').length > 0;
}

const DAEMON_TRUE = /\bdaemon\s*=\s*True\b/;

/**
 * The loop's function is the `target=` of a `multiprocessing.Process` whose handle its owner stops with a signal: the
 * file calls `terminate()` or `kill()` on the name the process was assigned to, or the function that builds it returns
 * it (`p = Process(target=sync_forever, args=...); return p`: the caller holds the only handle, and a loop in a child
 * process cannot see a flag of the parent's anyway). Stopping by process kill is the owner's design, not a missing
 * exit; a `Thread` cannot be killed, so it does not count.
 */
function terminatedByOwner(loop: LoopFacts): boolean {
  const fn = enclosingFunction(loop.node, 'python');
  if (!fn) return false;
  const root = rootOf(loop.node);
  for (const args of callsPassing(fn, 'target')) {
    const call = args.parent;
    if (!call || !/(?:^|\.)Process$/.test(call.childForFieldName('function')?.text ?? '')) continue;
    const holder = call.parent;
    if (holder?.type === 'return_statement') return true;
    if (holder?.type !== 'assignment' || holder.childForFieldName('right')?.id !== call.id) continue;
    const name = holder.childForFieldName('left')?.text ?? '';
    if (!/^[\w.]+$/.test(name)) continue;
    const signalled = root.descendantsOfType('call').some((c) => {
      const callee = c.childForFieldName('function')?.text ?? '';
      return callee === `${name}.terminate` || callee === `${name}.kill`;
    });
    const owner = enclosingFunction(call, 'python');
    const returned = owner?.descendantsOfType('return_statement').some((r) => r.namedChildren[0]?.text === name && enclosingFunction(r, 'python')?.id === owner.id) === true;
    if (signalled || (returned && !name.includes('.'))) return true;
  }
  return false;
}

/**
 * The argument lists of the file's calls that pass the function `fn` as `keyword=`: `target=run`, `target=self.run`,
 * and for a static or class method `target=Cache._sweep` (its own class by name) or `target=cls._reap` (only from
 * inside the same class: another class may have a method of the same name).
 */
function callsPassing(fn: SyntaxNode, keyword: string): SyntaxNode[] {
  const name = fn.childForFieldName('name')?.text;
  if (!name) return [];
  const className = enclosingClassName(fn);
  const targets = (call: SyntaxNode) => [name, `self.${name}`, ...(className !== undefined ? [`${className}.${name}`, ...(enclosingClassName(call) === className ? [`cls.${name}`] : [])] : [])];
  const out: SyntaxNode[] = [];
  for (const call of rootOf(fn).descendantsOfType('call')) {
    const args = call.childForFieldName('arguments');
    if (args?.namedChildren.some((arg) => arg.type === 'keyword_argument' && arg.childForFieldName('name')?.text === keyword && targets(call).includes(arg.childForFieldName('value')?.text ?? ''))) out.push(args);
  }
  return out;
}

/** `threading.Thread(target=consume).start()` with no `daemon=True`: the function runs on a thread the interpreter joins at exit. */
function runByNonDaemonThread(loop: LoopFacts): boolean {
  const fn = enclosingFunction(loop.node, 'python');
  return fn !== undefined && callsPassing(fn, 'target').some((args) => /(^|\.)Thread$/.test(args.parent?.childForFieldName('function')?.text ?? '') && !DAEMON_TRUE.test(args.text));
}

function enclosingClassName(node: SyntaxNode): string | undefined {
  return enclosingClass(node)?.childForFieldName('name')?.text;
}

/**
 * `t = threading.Thread(target=self.accepter); t.daemon = True` (or `t.setDaemon(True)`), and `t =
 * _RegularPush(...); t.daemon = True` for a thread class of the file: the thread object that runs this function (as
 * its target, or as the loop's own class) is made a daemon right after it is built.
 */
function madeDaemonAfterwards(loop: LoopFacts, name: string, className: string | undefined): boolean {
  const root = rootOf(loop.node);
  const marks = [
    ...root.descendantsOfType('assignment').filter((a) => a.childForFieldName('left')?.type === 'attribute' && /\.daemon$/.test(a.childForFieldName('left')!.text) && a.childForFieldName('right')?.text === 'True').map((a) => ({ node: a, object: a.childForFieldName('left')!.text.slice(0, -'.daemon'.length) })),
    ...root.descendantsOfType('call').filter((c) => /\.setDaemon$/.test(c.childForFieldName('function')?.text ?? '') && /^\(\s*True\s*\)$/.test(c.childForFieldName('arguments')?.text ?? '')).map((c) => ({ node: c, object: c.childForFieldName('function')!.text.slice(0, -'.setDaemon'.length) })),
  ];
  for (const { node, object } of marks) {
    let statement: SyntaxNode | null = node;
    while (statement && statement.parent && statement.parent.type !== 'block' && statement.parent.type !== 'module') statement = statement.parent;
    const block = statement?.parent;
    if (!statement || !block) continue;
    const built = block.namedChildren
      .filter((st) => st.endIndex <= statement!.startIndex && st.type === 'expression_statement')
      .map((st) => st.namedChildren[0])
      .filter((a): a is SyntaxNode => a?.type === 'assignment' && a.childForFieldName('left')?.text === object && a.childForFieldName('right')?.type === 'call')
      .pop()
      ?.childForFieldName('right');
    if (!built) continue;
    const callee = built.childForFieldName('function')?.text ?? '';
    if (className !== undefined && (callee === className || callee.endsWith(`.${className}`))) return true;
    const target = built.childForFieldName('arguments')?.namedChildren.find((arg) => arg.type === 'keyword_argument' && arg.childForFieldName('name')?.text === 'target');
    // `target=self.accepter` names the method of the class the thread is built in; `target=pump` a function.
    const value = target?.childForFieldName('value')?.text ?? '';
    const sameOwner = value === `self.${name}` ? className !== undefined && enclosingClassName(node) === className : value === name && className === undefined;
    if (/(?:^|\.)Thread$/.test(callee) && sameOwner) return true;
  }
  return false;
}

const DAEMON_MARK = /\bself\.daemon\s*=\s*True\b|\.setDaemon\(\s*True\s*\)|__init__\([^)\n]*\bdaemon\s*=\s*True\b/;

/**
 * The loop takes its items from a queue of this process (`queue.Queue()` built here, or one whose `task_done()` the
 * code calls; see `inProcessQueueGet`) and from nothing else: what is still queued dies with the process whatever
 * the loop does, so in a daemon thread a stop flag would only save the one item in hand, which the author chose to
 * drop by making the thread a daemon (a telemetry or log shipper). A pop from a broker is still an item in flight.
 */
function drainsOwnQueue(loop: LoopFacts, ctx: RuleContext): boolean {
  const calls = treeCalls(loop.body, ctx.model, { skipFunctions: true });
  // Any take from such a queue holds nothing durable, however it waits: `get(block=True)`, `get(timeout=5)`, the
  // `get_nowait()` of a drain that empties it after failures (a boot tool's webhook thread).
  const ownPop = (c: TreeCall) => c.receiver !== undefined && c.kinds.length > 0 && c.kinds.every((k) => k === 'queue-pop') && isInProcessQueue(c.receiver, loop, ctx);
  const own = calls.filter((c) => inProcessQueueGet(c, loop, ctx) || takesFromOwnQueue(c, loop, ctx) || ownPop(c));
  return own.length > 0 && calls.every((c) => !c.kinds.includes('queue-pop') || own.includes(c));
}

/**
 * `self.take_next()`, a method of the loop's own class whose only queue pops are blocking `get()`s on a queue of this
 * process (`self.__queue = queue.LifoQueue(...)` in `__init__`): the take one call away, as the loop's own `get()` is.
 */
function takesFromOwnQueue(call: TreeCall, loop: LoopFacts, ctx: RuleContext): boolean {
  if (call.receiver !== 'self' || !call.kinds.includes('queue-pop')) return false;
  const fn = enclosingFunction(loop.node, 'python');
  const cls = fn ? enclosingClass(fn) : null;
  const method = classMethods(cls).find((m) => m.childForFieldName('name')?.text === call.method);
  const body = method?.childForFieldName('body');
  if (!body) return false;
  const pops = treeCalls(body, ctx.model, { skipFunctions: true }).filter((c) => c.kinds.includes('queue-pop'));
  return pops.length > 0 && pops.every((c) => inProcessQueueGet(c, loop, ctx));
}

/** Kinds that leave something half done when the process dies mid-iteration: a message taken, a row written. */
const HELD_KINDS: readonly string[] = ['queue-pop', 'queue-ack', 'db-write', 'db-batch', 'db-commit'];

/**
 * Python: a take that reads as a queue of this process: `get()` / `get_nowait()` on a queue's name (`self.jobs.get()`,
 * `work_q.get()`), in the loop or as the last call of the chain of a function of the code's own (`self.take_next()`
 * runs `self.__queue.get`). That is how `queue.Queue`, `multiprocessing.Queue` and `asyncio.Queue` are read; the
 * catalogue's broker takes have names of their own (`blpop`, `receive_message`, `basic_get`, `xreadgroup`,
 * `consumer.poll`), and a broker client whose take is a `get()` (kombu's `SimpleQueue`) acknowledges what it took, a
 * `queue-ack` the loop still holds. What such a queue holds dies with the process wherever the loop is stopped.
 */
function memoryTake(call: TreeCall, loop: LoopFacts): boolean {
  if (loop.language !== 'python' || !call.kinds.includes('queue-pop')) return false;
  const fact = loop.calls.find((c) => c.line === call.line && c.callee === call.callee);
  const steps = fact?.via ? (fact.via.byKind?.['queue-pop'] ?? fact.via.steps) : undefined;
  const api = steps ? steps[steps.length - 1]?.callee : call.callee;
  return api !== undefined && /(?:^|\.)get(?:_nowait)?$/.test(api);
}

/** The call leaves something half done when the process dies mid-iteration (HELD_KINDS; a memory take does not). */
function holdsItem(call: TreeCall, loop: LoopFacts): boolean {
  return call.kinds.some((k) => HELD_KINDS.includes(k) && !(k === 'queue-pop' && memoryTake(call, loop)));
}

/** Kinds that take or change something that outlives the process: a broker's message, a row (read or written). */
const DURABLE_KINDS: readonly string[] = [...HELD_KINDS, 'db-read'];

/**
 * A daemon thread's loop that only accepts, spawns, sends or pushes (an accept loop handing each connection to its
 * own thread, a metrics pusher): killing it at exit loses at most what is in memory, which the author chose by
 * making the thread a daemon. One that pops a broker's message or writes rows still holds an item.
 */
function takesNothingDurable(loop: LoopFacts, ctx: RuleContext): boolean {
  return treeCalls(loop.body, ctx.model, { skipFunctions: true }).every((c) => !c.kinds.some((k) => DURABLE_KINDS.includes(k)));
}

/**
 * `try: while True: time.sleep(100) except KeyboardInterrupt: scheduler.stop()`: a loop that holds no item, inside a
 * try that catches the interrupt and cleans up, is the command's way of waiting for Ctrl-C; it has its exit.
 */
function stoppedByInterrupt(loop: LoopFacts): boolean {
  return triesAround(loop.node, 'python').some((t) =>
    tryParts(t).handlers.some((handler) => handler.type === 'except_clause' && /\bKeyboardInterrupt\b/.test(handler.namedChildren.find((c) => c.type !== 'block')?.text ?? '')),
  );
}

export const detectInfiniteLoopNoExit: Detector = (loop, ctx) => {
  // The program's entry point (a demo's `main`, a command's `__main__` block): the program is the loop, and the person
  // who started it stops it; there is no deploy, caller or thread owner to ask it to stop.
  if (runsInProgramEntry(loop, ctx.file)) return null;
  if (loop.language === 'go' || loop.language === 'java') return detectBraceNoExit(loop, ctx, ruleMayReport(ctx.config, 'unguarded-worker-loop', 'fix-bugs'));
  // Test code: a test's endless loop (a fake server that serves "until killed", a drain in a helper) is no deployed
  // worker, so there is no deploy to stop it (the Go/Java detector says the same).
  if (ctx.testCode) return null;
  const family = familyOf(loop.language);
  // A JS timer (setInterval, a setTimeout chain) whose component's teardown (Node-RED's `close`, ioBroker's
  // `unload`, the class's own `stop()`) does not stop it: each redeploy or restart leaves one more running.
  if (family === 'js' && (loop.kind === 'interval' || loop.kind === 'timeout-recursion')) {
    const timer = timerIgnoresTeardown(loop, ctx);
    if (!timer) return null;
    return { loop, line: lineOf(loop.node), variant: 'ignores-stop', data: { call: timer.call, owner: timer.owner, stop: timer.stop }, confidence: 'high' };
  }
  const worker = noExitWorkerCall(loop, ctx);
  if (!worker) return null;
  if (family === 'python' && holdsNoItem(loop, ctx) && (isDaemonThreadLoop(loop) || enclosingFunction(loop.node, family) === undefined || stoppedByInterrupt(loop))) return null;
  if (family === 'python' && isDaemonThreadLoop(loop) && (drainsOwnQueue(loop, ctx) || takesNothingDurable(loop, ctx))) return null;
  if (family === 'python' && terminatedByOwner(loop)) return null;
  // A session loop its caller re-runs from a try inside the caller's own loop (a reconnect supervisor): the stop
  // belongs to that outer loop, which this rule checks on its own; one finding for the pair, not two.
  if (family === 'python' && supervisedByCaller(loop)) return null;
  if (relaysMessages(loop, ctx)) return null;
  if (acceptsClients(loop, ctx)) return null;
  // An interactive session (a REPL reading `input()`) ends at the person's EOF or Ctrl-C; no deploy stops it.
  if (readsTerminal(loop, ctx)) return null;
  // unguarded-worker-loop's comment on the same header already names the missing stop flag (its `-no-stop` variant).
  if (ruleMayReport(ctx.config, 'unguarded-worker-loop', 'fix-bugs') && findUnguardedCall(loop, ctx)) return null;
  // A loop that only looks and waits (stats files on a timer, prints, calls back into its caller) loses nothing when a
  // deploy kills it between two statements: a hint that nothing can end it, as for an idle goroutine.
  // Not one a thread of the file runs that is no daemon: the interpreter waits for that thread at exit, forever.
  // The loop's class can be stopped (`close()`, `stop()`, ...) but nothing that method does reaches the loop: after
  // it returns the loop runs on. That is the finding reviewers kept; it outranks the idle hint.
  const ignored = ignoredStop(loop);
  const nonDaemonThread = family === 'python' && runByNonDaemonThread(loop);
  const idle = !ignored && family === 'python' && holdsNoItem(loop, ctx) && !nonDaemonThread;
  // Nothing it holds outlives the process (no broker message taken, no row written): a kill loses at most the call
  // in flight, and the generic "a deploy kills it mid-item" was what reviewers dismissed on held-out code. A hint;
  // not in a thread of the file that is no daemon, which the interpreter waits for at exit, forever.
  const bodyCalls = treeCalls(loop.body, ctx.model, { skipFunctions: true });
  const transient = !ignored && !idle && !nonDaemonThread && bodyCalls.every((c) => !holdsItem(c, loop));
  // What it takes comes from a queue of this process (memoryTake): the queue's items die with the process however
  // the loop is stopped. A hint, as `transient`, that names the take; reviewers dismissed the generic "a deploy kills
  // it mid-item" on such loops (desktop services' request queues, daemons' DNS and database hand-offs).
  const memoryQueue = transient ? bodyCalls.find((c) => memoryTake(c, loop)) : undefined;
  const purpose = workerName(loop, ctx.model);
  const { text: body, stops } = workerStepBody(loop, ctx.file.source);
  return {
    loop,
    line: lineOf(loop.node),
    variant: ignored ? 'ignores-stop' : idle ? 'idle' : memoryQueue ? 'memory-queue' : transient ? 'transient' : family === 'python' ? 'default' : 'node',
    ...(idle ? { severity: 'info' as const } : {}),
    data: { call: displayCallee((memoryQueue ?? worker).callee), ...(ignored ? { owner: ignored.owner, stop: ignored.stop } : {}) },
    confidence: 'high',
    fix: blockFix(guardedWorkerTemplate(loop.language, { name: purpose, ...(body ? { body, stops } : {}), async: loop.inAsyncFunction || loop.hasAwait, params: outerNamesUsed(loop, ctx.model) }), { startLine: loop.startLine, endLine: loop.endLine }, {
      description: 'stop flag set by SIGTERM/SIGINT',
      safety: 'unsafe',
      language: fenceLanguage(loop.language),
    }),
  };
};
