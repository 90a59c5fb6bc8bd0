// The loop model the rules query. Extractors per language (facts/python.ts, facts/javascript.ts) build it from a
// tree-sitter tree; rules never need to know which grammar produced it, but may look at `node` for
// language-specific shapes.
import type { FlatNode, FlatTree } from './flat-tree.js';
import type { Language } from '../core/types.js';

export type SyntaxNode = FlatNode;

/** What a call does, from the API knowledge base (`rules/apis/*.yml`) and the repository's `apis:` config. */
export const CALL_KINDS = [
  'db-read', // SELECT / ORM fetch / find
  'db-write', // INSERT / UPDATE / DELETE / ORM save
  'db-batch', // executemany, bulk_create, bulkWrite, insertMany: already batched
  'db-commit',
  'http', // HTTP / RPC / any network I/O
  'connect', // connection, client, session or pool construction
  'sleep',
  'queue-pop', // blocking or non-blocking pop / receive / get from a queue
  'queue-ack', // ack / delete message / mark done
  'queue-publish', // publish / enqueue to a broker (Celery apply_async, AMQP basic_publish, Kafka send, BullMQ add)
  'file-open',
  'regex-compile',
  'config-load', // json/yaml/env/config file load
  'task-spawn', // executor.submit, asyncio.create_task, threading.Thread().start, un-awaited promise factory
  'gather', // asyncio.gather, Promise.all / allSettled: concurrency already
  'log',
  'lock', // SELECT ... FOR UPDATE, advisory locks, redis SET NX
  'close', // close / release / dispose
  'subprocess', // starts a process: subprocess.run / Popen / os.system, child_process.exec / spawn
] as const;
export type CallKind = (typeof CALL_KINDS)[number];

/**
 * How sure a call's kinds are: `high` from the API catalogue, the SQL text or the repository's `apis:`;
 * `summarised` from the effect summary of the code's own function it calls (see effects/); `low` from a name that
 * only suggests I/O.
 */
export type CallConfidence = 'high' | 'summarised' | 'low';

/** One step of an effect chain: a call made at `line` of `path`. */
export interface EffectStep {
  /** The callee as written there (`self.process_one`, `get_followers`, `cur.execute`). */
  callee: string;
  path: string;
  line: number;
  /** The call sits in a handled `try` (or `.catch` chain) of its function: what fails there stays there (TableCall.caught). */
  caught?: boolean;
}

/**
 * Why a call has the kinds it has when they come from a summary: the calls inside the function it resolved to,
 * down to the API call (`get_followers()` → `self.load()` at line 8 → `cur.execute` at db.py:10). The last step is
 * the API call; the call in the loop itself is the CallFact.
 */
export interface EffectVia {
  steps: EffectStep[];
  /** The function the loop's call resolved to (`path#Class.name`). */
  function: string;
  /** Go and Java: the call went through a field of interface type, resolved to the package's one implementation. */
  implementation?: { iface: string; type: string };
  /**
   * The chain to each other kind the summary gives the call, where it differs from `steps` (the first kind's): a
   * finding about a connect or a commit names the chain to that call, not to the query the function also runs.
   */
  byKind?: Partial<Record<CallKind, EffectStep[]>>;
}

export interface ArgFact {
  text: string;
  /** Set when the argument is a numeric literal (after unary minus, simple arithmetic of literals like 60*5). */
  number?: number;
  /** Set when the argument is a string literal (template strings without substitutions included). */
  string?: string;
  /** Keyword / named argument name (`timeout=5`, or an object-literal property `{ timeout: 5 }`). */
  name?: string;
}

// The extractors build facts through the constructors below, which write every field, unset ones as undefined, in
// one order: V8 gives objects built with different sets of fields different shapes, and rules reading facts of
// several shapes were deoptimised and recompiled over and over.

/** An ArgFact with every field. */
export function newArgFact(text: string, number: number | undefined, string: string | undefined, name: string | undefined): ArgFact {
  return { text, number, string, name };
}

export interface CallFact {
  /** Callee as written, whitespace removed: `requests.get`, `self.session.query`, `await fetch`→`fetch`. */
  callee: string;
  /** Last segment of the callee: `get`, `query`, `fetch`. */
  method: string;
  /** Receiver text before the method, if any: `requests`, `self.session`. */
  receiver?: string;
  kinds: CallKind[];
  /**
   * `high`: matched the knowledge base or config; `summarised`: the code's own function it calls does that (see
   * `via`); `low`: guessed from the name (e.g. `fetch_orders`).
   */
  confidence: CallConfidence;
  /** Set when the kinds come from an effect summary: the chain down to the API call. */
  via?: EffectVia;
  /** The call's own function builds a connection or client and returns it unclosed (see Classification.opens). */
  opens?: EffectVia;
  line: number;
  endLine: number;
  text: string;
  args: ArgFact[];
  /** SQL text when an argument is a string literal that looks like SQL (upper-cased keywords kept as written). */
  sql?: string;
  /** Sleep duration in seconds when this is a sleep with a literal duration (JS ms converted to s). */
  sleepSeconds?: number;
  /** Blocking-pop / receive timeout in seconds when given (`timeout=5`, `BLPOP key 5`, `WaitTimeSeconds`). */
  timeoutSeconds?: number;
  awaited: boolean;
  /** The call is `yield`ed / returned / assigned / passed on; false when it is a bare expression statement. */
  resultUsed: boolean;
  /** Variable the result is assigned to (`rows = cur.fetchall()` → `rows`). */
  assignedTo?: string;
  /** Inside a try block (of this loop's body, or enclosing the whole loop) whose handler catches broadly. */
  guarded: boolean;
  /** Inside a try block within this loop's body (any handler). */
  inTry: boolean;
  /** Nested in an inner loop of this loop. */
  inInnerLoop: boolean;
  /** Under an `if`/`switch`/ternary inside this loop. */
  conditional: boolean;
  /** Arguments or receiver mention a loop variable or a name assigned inside the loop body. */
  dependsOnIteration: boolean;
  /** Resource is managed: `with`, `async with`, try/finally close, `using`, `.close()` on every path. */
  managed: boolean;
  node: SyntaxNode;
  // --- Go/Java failure handling (set by facts/brace.ts; undefined for Python and JavaScript, whose detectors read
  // the tree). Language-neutral: what happens to this iteration when the call fails.
  /**
   * `handled`: a Go `if err != nil` that stays in the loop, or a Java catch inside the loop that does not rethrow;
   * `ends-loop`: the failure leaves the loop (`return err`, `log.Fatal`, `panic`, no catch inside the loop);
   * `ignored`: a Go error that is discarded or never checked.
   */
  failure?: 'handled' | 'ends-loop' | 'ignored';
}

/** A CallFact with every field (see newArgFact). */
export function newCallFact(f: CallFact): CallFact {
  return {
    callee: f.callee,
    method: f.method,
    receiver: f.receiver,
    kinds: f.kinds,
    confidence: f.confidence,
    via: f.via,
    opens: f.opens,
    line: f.line,
    endLine: f.endLine,
    text: f.text,
    args: f.args,
    sql: f.sql,
    sleepSeconds: f.sleepSeconds,
    timeoutSeconds: f.timeoutSeconds,
    awaited: f.awaited,
    resultUsed: f.resultUsed,
    assignedTo: f.assignedTo,
    guarded: f.guarded,
    inTry: f.inTry,
    inInnerLoop: f.inInnerLoop,
    conditional: f.conditional,
    dependsOnIteration: f.dependsOnIteration,
    managed: f.managed,
    node: f.node,
    failure: f.failure,
  };
}

export interface TryFact {
  startLine: number;
  endLine: number;
  /** A handler catches everything (`except Exception`, bare `except`, `catch (e)`). */
  catchesBroadly: boolean;
  /** What the handlers do. */
  handlerSleeps: boolean;
  handlerContinues: boolean;
  handlerReraises: boolean;
  handlerBreaksOrReturns: boolean;
  handlerLogs: boolean;
  /** The try is inside this loop's body (true) or wraps the loop from outside (false). */
  insideLoop: boolean;
  node: SyntaxNode;
}

export interface ExitFact {
  kind: 'break' | 'return' | 'raise' | 'stop-flag' | 'signal' | 'condition';
  line: number;
  /** For `stop-flag`: the flag's name (`self.running`, `stop_event.is_set()`, `signal.aborted`). */
  name?: string;
  // --- Go/Java (set by facts/go.ts and facts/java.ts) ---
  /**
   * Why the exit is taken: `error` in a Go `if err != nil` branch or a Java catch; `stop` in the branch of a stop
   * request (`case <-ctx.Done():`, `if ctx.Err() != nil`); `interrupt` in a Java `catch (InterruptedException e)`.
   */
  cause?: 'error' | 'stop' | 'interrupt';
}

export type LoopKind =
  | 'for' // C-style for / python for over range
  | 'for-each' // for x in xs / for..of / for..in / forEach
  | 'while'
  | 'do'
  | 'async-for' // python `async for`
  | 'for-await' // JS `for await`
  | 'interval' // setInterval(fn, ms)
  | 'timeout-recursion' // function that re-schedules itself with setTimeout
  | 'callback-iteration'; // xs.forEach(fn) / xs.map(async fn)

export interface IterableFact {
  text: string;
  /** `range-len` for `range(len(x))`, `query` when the iterable is a DB read result, `call` for another call. */
  kind: 'range' | 'range-len' | 'query' | 'call' | 'name' | 'literal' | 'other';
  /** The name of the collection for `range-len` / name iterables. */
  collection?: string;
}

export interface AssignmentFact {
  target: string;
  line: number;
  /** `+=` / `x = x + ...` on a string-like value. */
  op: '=' | '+=' | 'other';
  valueText: string;
}

export interface LoopFacts {
  language: Language;
  path: string;
  kind: LoopKind;
  /** Whole loop node span (1-based lines) and byte offsets into the source. */
  startLine: number;
  endLine: number;
  startIndex: number;
  endIndex: number;
  /** Line of the loop header (`while True:` / `for (...)` / `setInterval(`). */
  headerLine: number;
  /** Body span. */
  bodyStartLine: number;
  bodyEndLine: number;
  /** `while True`, `while (true)`, `for (;;)`, `while 1`, setInterval, self-rescheduling setTimeout. */
  infinite: boolean;
  /** The loop's condition text for while loops (`not stop_event.is_set()`), when present. */
  condition?: string;
  /** Ways out of the loop found in its body (not counting nested functions). */
  exits: ExitFact[];
  /** Variables bound by the loop header (`for row in rows` → `row`; `for (let i = 0; ...)` → `i`). */
  loopVariables: string[];
  iterable?: IterableFact;
  /** Calls in the loop body, in source order, nested loops included (with `inInnerLoop`), nested function bodies excluded. */
  calls: CallFact[];
  tries: TryFact[];
  /** Assignments in the body (for string concatenation, mutation, stop flags). */
  assignments: AssignmentFact[];
  /** `continue` statements: line and whether the path to it neither sleeps nor blocks. */
  continues: { line: number; afterSleepOrBlock: boolean }[];
  /** Nesting depth of this loop among loops of the same function (0 = outermost). */
  depth: number;
  /** Deepest block nesting (if/for/while/try/with) inside the body, relative to the body. */
  maxBodyNesting: number;
  /** Non-blank, non-comment lines in the body. */
  bodyLines: number;
  /** Enclosing function or method name, when any. */
  functionName?: string;
  /** The enclosing function is async. */
  inAsyncFunction: boolean;
  /** The loop body contains `await` (JS) / `await` (Python) directly, not in nested functions. */
  hasAwait: boolean;
  /** Iterations run concurrently, not one after another (`Promise.all(xs.map(async ...))`). */
  concurrent?: boolean;
  /** Source text of the loop and a normalised version (whitespace and comments folded) for fingerprints. */
  text: string;
  normalizedText: string;
  /** Signal handlers registered in the file (`signal.signal`, `process.on('SIGTERM')`). */
  fileHandlesSignals: boolean;
  parent?: LoopFacts;
  children: LoopFacts[];
  node: SyntaxNode;
  /** Body node (block / statement_block / arrow body). */
  body: SyntaxNode;
}

/** A LoopFacts with every field (see newArgFact). */
export function newLoopFacts(f: LoopFacts): LoopFacts {
  return {
    language: f.language,
    path: f.path,
    kind: f.kind,
    startLine: f.startLine,
    endLine: f.endLine,
    startIndex: f.startIndex,
    endIndex: f.endIndex,
    headerLine: f.headerLine,
    bodyStartLine: f.bodyStartLine,
    bodyEndLine: f.bodyEndLine,
    infinite: f.infinite,
    condition: f.condition,
    exits: f.exits,
    loopVariables: f.loopVariables,
    iterable: f.iterable,
    calls: f.calls,
    tries: f.tries,
    assignments: f.assignments,
    continues: f.continues,
    depth: f.depth,
    maxBodyNesting: f.maxBodyNesting,
    bodyLines: f.bodyLines,
    functionName: f.functionName,
    inAsyncFunction: f.inAsyncFunction,
    hasAwait: f.hasAwait,
    concurrent: f.concurrent,
    text: f.text,
    normalizedText: f.normalizedText,
    fileHandlesSignals: f.fileHandlesSignals,
    parent: f.parent,
    children: f.children,
    node: f.node,
    body: f.body,
  };
}

/** What an extractor produces for a file. */
export interface FileFacts {
  language: Language;
  path: string;
  source: string;
  loops: LoopFacts[];
  /** The parse had error nodes; analysis went as far as it parsed. */
  hasErrors: boolean;
  /** Lines carrying `coze-loop: ignore` / `coze-loop: ignore[rule-a, rule-b]` (value: rule ids, empty = all). */
  suppressions: Map<number, string[]>;
  tree: FlatTree;
  /** What the extractor could not model (e.g. loops nested too deep); the engine reports them as file notes. */
  notes?: string[];
  /**
   * Code that runs as the program's entry point, read per language by the extractor: Java's `static void
   * main(String[])` and the constructors and private methods of its class that only `main` calls in the file; Go's
   * `func main()` of `package main`; Python's `if __name__ == "__main__":` block and the module's functions that only
   * that block calls. The rules ask about it through `runsInProgramEntry` (rules/lib/loops.ts).
   */
  entryScopes?: SyntaxNode[];
}
