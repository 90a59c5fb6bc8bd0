// Worker loops in Go and Java (unguarded-worker-loop, infinite-loop-no-exit), read from the facts alone: a worker
// is an endless loop (or one on a stop flag) that waits every iteration (sleep, ticker, blocking pop) and whose
// only ways out are failure and stop paths (ExitFact.cause). It is unguarded when a call that can fail ends it on
// the first failure (CallFact.failure `ends-loop`: Go `if err != nil { return err }` / `log.Fatal`, a Java
// exception no catch inside the loop stops). Spring `@Scheduled` methods are not workers here: Spring logs an
// exception and runs the method again at the next delay.
import type { CallFact, CallKind, LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detection, RuleContext } from '../../rule-types.js';
import { isBlockingWait } from '../../facts/common.js';
import { blockFix, fenceLanguage } from '../../../fixes/lines.js';
import { camelCase } from '../../../fixes/templates.js';
import { displayCallee, movedBody, rootOf } from '../lib/index.js';
import { SCOPE_FUNCTION_TYPES } from '../../model.js';
import { importsPackageNamed } from '../../facts/go-types.js';
import { catchTypes } from '../../facts/java-types.js';
import { isGenericFunctionName } from './worker-name.js';

const THROWING: ReadonlySet<CallKind> = new Set(['http', 'db-read', 'db-write', 'db-commit', 'db-batch', 'queue-ack', 'connect', 'file-open']);
const SIGNALS = /signal\.Notify(Context)?\s*\(|Runtime\.getRuntime\(\)\.addShutdownHook|@PreDestroy|SmartLifecycle|DisposableBean/;

export const isBraceLanguage = (loop: LoopFacts): boolean => loop.language === 'go' || loop.language === 'java';

/** A call that blocks or sleeps each iteration (the loop's own, not an inner loop's). */
function waits(call: CallFact): boolean {
  return !call.inInnerLoop && isBlockingWait(call.kinds, call.timeoutSeconds);
}

/** Endless (or on a stop flag), waiting each iteration, and left only on failure or stop. */
export function isBraceWorker(loop: LoopFacts): boolean {
  if (loop.kind === 'interval') return false;
  const stopHeader = loop.exits.some((e) => e.kind === 'stop-flag' && e.line === loop.headerLine);
  if (!loop.infinite && !stopHeader) return false;
  if (!loop.calls.some(waits)) return false;
  return loop.exits.every((e) => e.kind === 'stop-flag' || e.kind === 'signal' || e.kind === 'condition' || e.cause !== undefined);
}

/** The loop's first call that can fail and ends the worker when it does. */
export function braceUnguardedCall(loop: LoopFacts): CallFact | undefined {
  if (!isBraceWorker(loop)) return undefined;
  // A try around this loop inside an outer loop restarts it: a supervisor.
  if (loop.language === 'java' && loop.parent && loop.tries.some((t) => !t.insideLoop && t.catchesBroadly)) return undefined;
  return loop.calls.find((c) => c.failure === 'ends-loop' && c.confidence !== 'low' && c.kinds.some((k) => THROWING.has(k)) && !c.kinds.includes('queue-pop'));
}

/** Nothing asks the worker to stop: no stop flag or `ctx.Done()` case, no interruption that ends it, no signal handling. */
export function braceHasNoStop(loop: LoopFacts, source: string): boolean {
  if (loop.exits.some((e) => e.kind === 'stop-flag' || e.kind === 'signal' || e.cause === 'stop' || e.cause === 'interrupt')) return false;
  if (loop.fileHandlesSignals || SIGNALS.test(source)) return false;
  if (loop.language === 'go') return !/\bctx\b|context\.|\bDone\(\)/.test(loop.text);
  // Java: an InterruptedException that leaves the loop (sleep outside any catch, or a method that throws it) stops it.
  if (/isInterrupted\(\)|interrupted\(\)/.test(loop.text)) return false;
  if (interruptionLeaves(loop)) return false;
  return !loop.calls.some((c) => waits(c) && c.failure === 'ends-loop');
}

const JAVA_CALLS: readonly string[] = ['method_invocation', 'object_creation_expression', 'explicit_constructor_invocation'];

/**
 * Java: `try { while (true) { ... lock.wait(); ... } } catch (InterruptedException e) { ... }`, the loop the only
 * statement of the try's body that calls anything. InterruptedException is a checked exception: javac accepts that
 * catch only when a call in the try body can throw it and no catch nearer the call takes it first. So a call of the
 * loop waits interruptibly (`wait()`, `sleep`, `take()`, `join()`, `await()`, or a method of the code's own that
 * declares the exception), and an interrupt leaves the loop there: interrupting the thread is the loop's way out, as
 * a stop flag would be. Read from the syntax alone, no list of waiting methods.
 */
function interruptionLeaves(loop: LoopFacts): boolean {
  if (loop.language !== 'java') return false;
  const statement = loop.node.parent?.type === 'labeled_statement' ? loop.node.parent : loop.node;
  const block = statement.parent;
  const tryNode = block?.parent;
  if (!block || block.type !== 'block' || tryNode?.type !== 'try_statement' || tryNode.childForFieldName('body')?.id !== block.id) return false;
  if (block.namedChildren.some((s) => s.id !== statement.id && (JAVA_CALLS.includes(s.type) || s.descendantsOfType(JAVA_CALLS).length > 0))) return false;
  return tryNode.namedChildren.some((c) => c.type === 'catch_clause' && catchTypes(c).includes('InterruptedException'));
}

/** The body for the step function: the loop's own `continue` ends the step (`return nil` in Go's `error` step). */
function bodyText(loop: LoopFacts, source: string): string | undefined {
  return movedBody(loop, source, { continueAs: loop.language === 'go' ? 'return nil' : 'return;' }).text;
}

function indented(text: string | undefined, unit: string): string[] {
  if (!text) return [`${unit}// ...`];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const common = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^\s*/.exec(l)![0].length));
  return lines.map((l) => (l.trim() === '' ? '' : unit + l.slice(common)));
}

/** What the worker does, for names in the sketch: its function, else the table it reads, else `worker`. */
export function braceWorkerName(loop: LoopFacts): string {
  if (loop.functionName && !isGenericFunctionName(loop.functionName)) return loop.functionName;
  for (const call of loop.calls) {
    const table = call.sql ? /\b(?:FROM|UPDATE|INTO)\s+["`]?([A-Za-z_]\w*)/i.exec(call.sql) : null;
    if (table) return `process_${table[1]!.toLowerCase()}`;
    if (call.kinds.includes('queue-pop')) return 'consume_queue';
    if (call.kinds.includes('http')) return 'poll_api';
  }
  return 'worker';
}

function intervalSeconds(loop: LoopFacts): number {
  return loop.calls.find((c) => c.kinds.includes('sleep') && c.sleepSeconds !== undefined)?.sleepSeconds ?? 5;
}

/**
 * A Go worker that survives failures: one iteration per function call (its `return err` ends the iteration, not
 * the worker), logged, a pause that grows while failures repeat, and `ctx.Done()` to stop.
 */
export function goGuardedWorkerSketch(loop: LoopFacts, source: string, name: string): string {
  const step = `${camelCase(name)}Once`;
  const seconds = intervalSeconds(loop);
  return [
    `const ${camelCase(name)}Interval = ${seconds} * time.Second`,
    '',
    'failures := 0',
    'for {',
    `\tif err := ${step}(ctx); err != nil {`,
    '\t\tfailures++',
    `\t\tlog.Printf("${name}: iteration failed (%d in a row): %v", failures, err)`,
    '\t} else {',
    '\t\tfailures = 0',
    '\t}',
    `\tdelay := ${camelCase(name)}Interval`,
    '\tif failures > 0 {',
    '\t\tdelay = min(delay<<min(failures, 6), time.Minute) // back off while the error persists',
    '\t}',
    '\tselect {',
    '\tcase <-ctx.Done():',
    '\t\treturn ctx.Err()',
    '\tcase <-time.After(delay):',
    '\t}',
    '}',
    '',
    `// ${step} is one iteration: returning an error ends this iteration, not the worker.`,
    `func ${step}(ctx context.Context) error {`,
    ...indented(bodyText(loop, source), '\t').filter((l) => !/^\s*time\.Sleep\(/.test(l)),
    '\treturn nil',
    '}',
  ].join('\n');
}

/** A Java worker: try/catch per iteration, the sleep outside it, a pause that grows while failures repeat, interruption stops it. */
export function javaGuardedWorkerSketch(loop: LoopFacts, source: string, name: string): string {
  const step = `${camelCase(name)}Once`;
  const millis = Math.round(intervalSeconds(loop) * 1000);
  return [
    'int failures = 0;',
    'while (!Thread.currentThread().isInterrupted()) {',
    '    try {',
    `        ${step}();`,
    '        failures = 0;',
    '    } catch (Exception e) {',
    '        failures++;',
    `        log.warn("${name}: iteration failed, continuing with the next one", e);`,
    '    }',
    '    try {',
    `        Thread.sleep(failures == 0 ? ${millis}L : Math.min(60_000L, ${millis}L << Math.min(failures, 6)));`,
    '    } catch (InterruptedException e) {',
    '        Thread.currentThread().interrupt(); // asked to stop',
    '        return;',
    '    }',
    '}',
    '',
    `private void ${step}() throws Exception {`,
    ...indented(bodyText(loop, source), '    ').filter((l) => !/^\s*Thread\.sleep\(/.test(l)),
    '}',
  ].join('\n');
}

/**
 * Java: the exceptions the explanation names for the call, from what its classified effects are, never a list for
 * calls it does not make: a database call's `DataAccessException` or `SQLException`, a request's `IOException` or
 * `RestClientException`, a connection's or file's `IOException`; a broker acknowledgement's client exception is
 * unchecked (`RuntimeException`).
 */
function javaFailures(kinds: readonly CallKind[]): string {
  const names: string[] = [];
  const add = (...more: string[]) => { for (const n of more) if (!names.includes(n)) names.push(n); };
  if (kinds.some((k) => k.startsWith('db-'))) add('`DataAccessException`', '`SQLException`');
  if (kinds.includes('http')) add('`IOException`', '`RestClientException`');
  if (kinds.includes('connect') || kinds.includes('file-open')) add('`IOException`');
  if (names.length === 0) add('`RuntimeException`');
  return names.join(', ');
}

export function detectBraceUnguardedWorker(loop: LoopFacts, ctx: RuleContext): Detection | null {
  const call = braceUnguardedCall(loop);
  if (!call) return null;
  const noStop = braceHasNoStop(loop, ctx.file.source);
  const name = braceWorkerName(loop);
  const sketch = loop.language === 'go' ? goGuardedWorkerSketch(loop, ctx.file.source, name) : javaGuardedWorkerSketch(loop, ctx.file.source, name);
  return {
    loop,
    line: loop.headerLine,
    variant: `${loop.language}${noStop ? '-no-stop' : ''}`,
    data: { call: displayCallee(call.callee), call_line: call.line, raises: javaFailures(call.kinds) },
    confidence: call.confidence === 'high' ? 'high' : 'medium',
    fix: blockFix(sketch, { startLine: loop.startLine, endLine: loop.endLine }, { description: name, safety: 'unsafe', language: fenceLanguage(loop.language) }),
  };
}

const WORKER_KINDS: ReadonlySet<CallKind> = new Set(['sleep', 'queue-pop', 'db-read', 'db-write', 'http', 'queue-ack']);

/** Kinds that take or change something that outlives the process: a broker's message, a row. */
const DURABLE_KINDS: ReadonlySet<CallKind> = new Set(['queue-pop', 'queue-ack', 'db-write', 'db-batch', 'db-commit']);

/**
 * The loop is in `run()` of a class that makes itself a daemon thread (`setDaemon(true)` in its own body, e.g. its
 * constructor: `class QueryThread extends Thread { QueryThread() { setDaemon(true); } public void run() { ... } }`).
 */
function inDaemonThreadClass(loop: LoopFacts): boolean {
  let fn: SyntaxNode | null = loop.node.parent;
  while (fn && fn.type !== 'method_declaration' && fn.type !== 'lambda_expression' && fn.type !== 'class_body') fn = fn.parent;
  if (fn?.type !== 'method_declaration' || fn.childForFieldName('name')?.text !== 'run') return false;
  const cls = fn.parent?.parent;
  if (cls?.type !== 'class_declaration') return false;
  if (madeDaemonByCreator(cls)) return true;
  if (!/^Thread$|\.Thread$/.test(cls.childForFieldName('superclass')?.namedChildren[0]?.text ?? '')) return false;
  return (cls.childForFieldName('body')?.descendantsOfType('method_invocation') ?? []).some((c) => {
    const object = c.childForFieldName('object')?.text;
    return c.childForFieldName('name')?.text === 'setDaemon' && (object === undefined || object === 'this') && /^\(\s*true\s*\)$/.test(c.childForFieldName('arguments')?.text ?? '');
  });
}

/**
 * Every `new Processor(...)` of the file is made a daemon by the code that creates it: `Thread t = new Thread(new
 * Processor()); t.setDaemon(true);` for a Runnable, `hup = new Hup(...); hup.setDaemon(true);` for a Thread subclass
 * (the thread's variable, declared or assigned there, gets `setDaemon(true)` in the same block).
 */
function madeDaemonByCreator(cls: SyntaxNode): boolean {
  const name = cls.childForFieldName('name')?.text;
  if (!name) return false;
  const made = rootOf(cls).descendantsOfType(['object_creation_expression']).filter((c) => c.childForFieldName('type')?.text.replace(/<[\s\S]*$/, '') === name);
  return made.length > 0 && made.every((creation) => {
    let thread: SyntaxNode = creation;
    const wrapper = creation.parent?.type === 'argument_list' ? creation.parent.parent : undefined;
    if (wrapper?.type === 'object_creation_expression' && /^(java\.lang\.)?Thread$/.test(wrapper.childForFieldName('type')?.text ?? '')) thread = wrapper;
    const holder = thread.parent;
    const variable = holder?.type === 'variable_declarator' ? holder.childForFieldName('name')?.text : holder?.type === 'assignment_expression' ? holder.childForFieldName('left')?.text : undefined;
    let block = holder?.parent;
    while (block && block.type !== 'block' && block.type !== 'constructor_body') block = block.parent;
    if (!variable || !block) return false;
    return block.descendantsOfType(['method_invocation']).some(
      (c) => c.childForFieldName('name')?.text === 'setDaemon' && c.childForFieldName('object')?.text === variable && /^\(\s*true\s*\)$/.test(c.childForFieldName('arguments')?.text ?? '') && c.startIndex > thread.endIndex,
    );
  });
}

/** Kinds of call that take, change or send something a kill between two statements would leave half done. */
export const ITEM_KINDS: ReadonlySet<CallKind> = new Set(['queue-pop', 'queue-ack', 'queue-publish', 'db-read', 'db-write', 'db-batch', 'db-commit', 'http', 'subprocess', 'task-spawn']);

/**
 * The Go loop runs on a goroutine of its own: its function literal is the operand of a `go` statement, or its
 * function or method is started by one in the file (`go l.outputLoop()`). Every goroutine ends with the process.
 */
function runsOnGoroutine(loop: LoopFacts): boolean {
  let fn: SyntaxNode | null = loop.node.parent;
  while (fn && !SCOPE_FUNCTION_TYPES.has(fn.type) && fn.type !== 'function_declaration') fn = fn.parent;
  if (!fn) return false;
  if (fn.type === 'func_literal') return fn.parent?.type === 'call_expression' && fn.parent.parent?.type === 'go_statement';
  const name = fn.childForFieldName('name')?.text;
  if (!name) return false;
  return rootOf(loop.node)
    .descendantsOfType(['go_statement'])
    .some((g) => {
      const callee = g.namedChildren[0]?.childForFieldName('function');
      const called = callee?.type === 'selector_expression' ? callee.childForFieldName('field')?.text : callee?.text;
      return called === name;
    });
}

/**
 * `package main`: the file is a program, which no other code imports. Its loops live as long as the program does,
 * however they were started (its `main`, a callback a library runs on its own goroutine, a `go` statement in another
 * file of the program), and the program ends when it is stopped: a loop that holds no item (no queue, DB, HTTP or
 * subprocess call) loses nothing then, and there is no caller that could be done with it. Quiet, as a Python
 * script's top-level loop that holds no item is.
 */
const GO_PROGRAM = /^package[ \t]+main\b/m;

/**
 * infinite-loop-no-exit for Go and Java: an endless loop with no way out at all (no return, break, fatal call or
 * stop case) and nothing that asks it to stop, doing a worker's calls. unguarded-worker-loop's finding on the same
 * loop says it already (its `-no-stop` variants).
 */
export function detectBraceNoExit(loop: LoopFacts, ctx: RuleContext, unguardedMayReport: boolean): Detection | null {
  if (loop.kind === 'interval' || !loop.infinite || loop.exits.length > 0) return null;
  if (!braceHasNoStop(loop, ctx.file.source)) return null;
  if (unguardedMayReport && braceUnguardedCall(loop)) return null;
  const worker = loop.calls.find((c) => !c.inInnerLoop && c.kinds.some((k) => WORKER_KINDS.has(k)));
  // A loop that only sleeps (`while (true) { Thread.sleep(Long.MAX_VALUE); }` after `main` started its server
  // threads) keeps the process up: it does no work a stop could save, and the process's exit is its end.
  if (loop.calls.length > 0 && loop.calls.every((c) => c.kinds.includes('sleep'))) return null;
  // Test code: a test's endless loop (a fake server's handler that hangs "until killed") is no deployed worker, so
  // there is no deploy to stop it. The engine keeps fix-bugs rules on test code; this one is about a process's shutdown.
  if (!worker || ctx.testCode) return null;
  // A Java daemon thread whose loop takes or changes nothing that outlives the process (no broker pop or ack, no
  // write or commit: it reads, computes, hands results to the UI): the author chose to have it die with the
  // process, and its exit loses nothing a stop flag would save. Python's daemon threads are read the same way.
  if (loop.language === 'java' && inDaemonThreadClass(loop) && loop.calls.every((c) => !c.kinds.some((k) => DURABLE_KINDS.has(k)))) return null;
  const name = braceWorkerName(loop);
  const sketch = loop.language === 'go' ? goGuardedWorkerSketch(loop, ctx.file.source, name) : javaGuardedWorkerSketch(loop, ctx.file.source, name);
  // A goroutine that only looks and waits (frees memory on a ticker, prints a counter, flushes an in-memory log):
  // killed with the process between two statements it loses nothing, like a Python daemon thread that holds no
  // item. What is left is the goroutine a caller done with it cannot end: a hint, not a warning.
  const itemCalls = loop.calls.filter((c) => c.kinds.some((k) => ITEM_KINDS.has(k)));
  const holdsNoItem = loop.language === 'go' && itemCalls.length === 0;
  // A program's loop that holds no item (its stats printer, a demo's ticker), as Python's script-level loop.
  const program = loop.language === 'go' && GO_PROGRAM.test(ctx.file.source);
  if (holdsNoItem && program) return null;
  const goroutine = loop.language === 'go' && runsOnGoroutine(loop);
  const idle = holdsNoItem && goroutine;
  // The finding's confidence follows its weakest evidence (docs/engine.md, "Confidence and severity"): the call that
  // makes the loop a worker, and for a program's loop or a goroutine, which would be quiet or a hint if it held no
  // item, the calls that hold one. When those are only guessed from a name on a value the file does not type
  // (`dc.SendText` read as HTTP by the `Send*` guess), the finding is a hint. A guessed function of a client package
  // the file imports (`relay.PushEntry`) stands, as the guesses on package names do (a standard library's do not).
  const nameOnly = (c: CallFact): boolean =>
    c.confidence === 'low' && !(loop.language === 'go' && c.receiver !== undefined && /^[A-Za-z_]\w*$/.test(c.receiver) && importsPackageNamed(c.node, c.receiver));
  const guessed = nameOnly(worker) || ((program || goroutine) && itemCalls.length > 0 && itemCalls.every(nameOnly));
  return {
    loop,
    line: loop.headerLine,
    variant: idle ? 'go-idle' : loop.language,
    ...(idle ? { severity: 'info' as const } : {}),
    data: { call: displayCallee(worker.callee) },
    confidence: guessed ? 'low' : 'high',
    fix: blockFix(sketch, { startLine: loop.startLine, endLine: loop.endLine }, { description: 'stop on ctx.Done() / interruption', safety: 'unsafe', language: fenceLanguage(loop.language) }),
  };
}
