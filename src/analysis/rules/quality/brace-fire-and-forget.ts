// fire-and-forget-task for Go and Java.
// - Java: `executor.submit(...)` / `CompletableFuture.runAsync|supplyAsync(...)` as a bare statement in a loop. The
//   Future holds the task's exception and nobody reads it, so a failing task fails silently (`execute(...)` would
//   at least reach the thread's uncaught-exception handler). Kept futures, `invokeAll`, chained
//   `.exceptionally/.whenComplete/.handle` are deliberate and stay quiet (the chain's result is the statement), and so
//   is a submit to a `CompletionService`, which queues every finished future for the code's `take()`/`poll()`.
// - Go: `go f(x)` in a loop where `f` is a function or method of the same file that returns an `error`: the
//   goroutine throws the error away. errgroup (`g.Go(func() error { return f(x) })`) is the fix. A server's accept
//   loop that hands the accepted client to its handler (`go s.serve(newConn(c))`) is left alone: the handler's
//   error ends that one session, and so is a teardown started on its own goroutine (`go c.Close()`, `go
//   tnc.Disconnect()`): a failed close of what the code lets go of has no one to report to.
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detection, RuleContext } from '../../rule-types.js';
import { blockFix, fenceLanguage } from '../../../fixes/lines.js';
import { catchTypes, declaredTypeName, isJavaUtilReceiver } from '../../facts/java-types.js';
import { goReceiverType, goTypeName } from '../../facts/go-types.js';
import { callNode } from '../lib/index.js';

const EXECUTOR = /executor|pool|service|scheduler|^ex$|^es$/i;
const ASYNC_FACTORY = /^(CompletableFuture\.)(runAsync|supplyAsync)$/;

function javaFindings(loop: LoopFacts): Detection[] {
  const out: Detection[] = [];
  for (const call of loop.calls) {
    if (call.inInnerLoop || call.resultUsed) continue;
    const submit = call.method === 'submit' && call.receiver !== undefined && EXECUTOR.test(call.receiver.split('.').pop() ?? '');
    if (!submit && !ASYNC_FACTORY.test(call.callee)) continue;
    // `ExecutorCompletionService.submit`: the service keeps each future and hands it back, finished, to `take()`.
    if (submit && /CompletionService$/.test(declaredTypeName(callNode(call), call.receiver!.replace(/^this\./, '').split('.').pop()!) ?? '')) continue;
    // The work handles its own failures: nothing is left in the future to read.
    if (handlesOwnFailures(callNode(call))) continue;
    // The submitted work is itself a future the code holds on to: its failure is read there, not in submit's copy.
    if (submit && keptFutureTask(callNode(call))) continue;
    out.push({
      loop,
      line: call.line,
      variant: 'java-future',
      data: { call: call.callee },
      confidence: 'high',
      fix: blockFix(javaSketch(loop, call.callee, call.text), { startLine: call.line, endLine: call.endLine }, {
        description: 'keep the futures and wait for them',
        safety: 'unsafe',
        language: fenceLanguage('java'),
      }),
    });
  }
  return out;
}

/**
 * `executor.submit(new Runnable() { public void run() { Closeable c = ref.get(); if (c == null) return; try {
 * c.close(); } catch (IOException e) { log(e); } } })`, `submit(() -> { try { ... } catch (Exception e) { ... } })`:
 * the submitted work (an anonymous `Runnable`/`Callable` or a block lambda written in the call) ends in a `try` whose
 * catches handle the failure and do not throw again, after only local declarations and guards that return. The
 * author decided what a failure does (a best-effort close at shutdown, a logged error); the future would hold
 * nothing worth reading. Work that calls out without a try, or whose catch rethrows, still fires.
 */
function handlesOwnFailures(call: SyntaxNode): boolean {
  const args = call.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'line_comment' && a.type !== 'block_comment') ?? [];
  if (args.length !== 1) return false;
  const work = args[0]!;
  let body: SyntaxNode | null | undefined;
  if (work.type === 'lambda_expression') body = work.childForFieldName('body');
  else if (work.type === 'object_creation_expression' && work.namedChildren.some((c) => c.type === 'class_body')) {
    body = runBody(work.namedChildren.find((c) => c.type === 'class_body'));
  } else {
    // `Runnable task = () -> { try { ... } catch (Throwable t) { failure.set(t); } finally { done.countDown(); } };
    // ...; pool.submit(task)`: a local of the method made once from a lambda or an anonymous class, never reassigned.
    const local = work.type === 'identifier' ? localWork(work) : undefined;
    if (local?.type === 'lambda_expression') body = local.childForFieldName('body');
    else if (local) body = runBody(local.namedChildren.find((c) => c.type === 'class_body'));
    // `submit(new QueueProcessor())`, `submit(task)` of a class this file declares: its run()/call() is the work.
    else body = runBody(namedTaskClass(work)?.childForFieldName('body'));
  }
  if (body?.type !== 'block') return false;
  const statements = body.namedChildren.filter((c) => c.type !== 'line_comment' && c.type !== 'block_comment');
  if (catchesAll(statements, body)) return true;
  const last = statements[statements.length - 1];
  if (!last || (last.type !== 'try_statement' && last.type !== 'try_with_resources_statement')) return false;
  const catches = last.namedChildren.filter((c) => c.type === 'catch_clause');
  if (catches.length === 0 || catches.some((c) => c.descendantsOfType('throw_statement').length > 0)) return false;
  // Before the try: locals and guards that return (`if (c == null) return;`).
  return statements.slice(0, -1).every(
    (st) => st.type === 'local_variable_declaration' || (st.type === 'if_statement' && !st.childForFieldName('alternative') && /^(?:\{\s*)?return\b[^;]*;(?:\s*\})?$/.test(st.childForFieldName('consequence')?.text.trim() ?? '')),
  );
}

const FUTURE_TASK = /^\w*Future(?:Task)?$/;
const METHOD_SCOPES = new Set(['method_declaration', 'constructor_declaration', 'lambda_expression']);

/**
 * `FutureTask<?> task = new FutureTask<>(work, null); executor.submit(task); task.get(1, SECONDS);`,
 * `ListenableFutureTask<R> t = ListenableFutureTask.create(c); Futures.addCallback(t, cb); pool.submit(t);
 * futures.add(t);`: the submitted object is a local declared as a future (a `RunnableFuture`), which is where the
 * work's result and exception land, and the method uses that local again outside the submit (reads it, keeps it,
 * hands it on). The future `submit` returns only wraps it; dropping that copy loses nothing.
 */
function keptFutureTask(call: SyntaxNode): boolean {
  const args = call.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'line_comment' && a.type !== 'block_comment') ?? [];
  const work = args.length === 1 ? args[0]! : undefined;
  if (work?.type !== 'identifier' || !FUTURE_TASK.test(declaredTypeName(work, work.text) ?? '')) return false;
  let scope: SyntaxNode | null = call.parent;
  while (scope && !METHOD_SCOPES.has(scope.type)) scope = scope.parent;
  if (!scope) return false;
  return scope.descendantsOfType(['identifier']).some(
    (id) => id.text === work.text && (id.startIndex < call.startIndex || id.endIndex > call.endIndex) && id.parent?.type !== 'variable_declarator' && !(id.parent?.type === 'field_access' && id.parent.childForFieldName('field')?.id === id.id) && !(id.parent?.type === 'method_invocation' && id.parent.childForFieldName('name')?.id === id.id),
  );
}

/** The lambda or anonymous class a local of the enclosing method is declared with, when nothing assigns it again. */
function localWork(work: SyntaxNode): SyntaxNode | undefined {
  let scope: SyntaxNode | null = work.parent;
  while (scope && !METHOD_SCOPES.has(scope.type)) scope = scope.parent;
  if (!scope) return undefined;
  const declarators = scope.descendantsOfType(['variable_declarator']).filter((d) => d.childForFieldName('name')?.text === work.text);
  if (declarators.length !== 1 || declarators[0]!.parent?.type !== 'local_variable_declaration') return undefined;
  if (scope.descendantsOfType(['assignment_expression']).some((a) => a.childForFieldName('left')?.text === work.text)) return undefined;
  const value = declarators[0]!.childForFieldName('value');
  if (value?.type === 'lambda_expression') return value;
  return value?.type === 'object_creation_expression' && value.namedChildren.some((c) => c.type === 'class_body') ? value : undefined;
}

/** The body of `run()` or `call()` (no parameters) of a class body. */
function runBody(classBody: SyntaxNode | null | undefined): SyntaxNode | null | undefined {
  const methods = (classBody?.namedChildren ?? []).filter((m) => m.type === 'method_declaration');
  const run = methods.find((m) => /^(run|call)$/.test(m.childForFieldName('name')?.text ?? '') && (m.childForFieldName('parameters')?.namedChildCount ?? 0) === 0);
  return run?.childForFieldName('body');
}

/** `new Name(...)` or a variable declared as `Name` (a loop's `for (Name task : tasks)`), where this file declares `class Name`. */
function namedTaskClass(work: SyntaxNode): SyntaxNode | undefined {
  let name: string | undefined;
  if (work.type === 'object_creation_expression') name = work.childForFieldName('type')?.text.replace(/<[\s\S]*$/, '');
  else if (work.type === 'identifier') name = declaredTypeName(work, work.text);
  if (!name || !/^[A-Z][\w$]*$/.test(name)) return undefined;
  return work.tree.rootNode.descendantsOfType(['class_declaration']).find((c) => c.childForFieldName('name')?.text === name);
}

const BROAD_CATCH = /^(Throwable|Exception)$/;

/**
 * The work catches everything around what it does: a `try` whose handler takes `Throwable` or `Exception` (and
 * rethrows nothing) holds the work, and the rest of the body (a queue processor's `while (!destroyed)` loop, the
 * guards and bookkeeping around the try) is only locals, other tries whose handlers rethrow nothing, branches and
 * loops made of the same, and calls on objects of the JDK's `java.util` packages (a collection, an `AtomicBoolean`,
 * the `ExecutorService` it resubmits to, a `java.util.logging` logger), which do not fail but by a bug.
 */
function catchesAll(statements: SyntaxNode[], body: SyntaxNode): boolean {
  let broad = false;
  const safe = (st: SyntaxNode): boolean => {
    switch (st.type) {
      case 'line_comment':
      case 'block_comment':
      case 'empty_statement':
      case 'return_statement':
      case 'break_statement':
      case 'continue_statement':
      case 'local_variable_declaration':
        return true;
      case 'try_statement':
      case 'try_with_resources_statement': {
        const catches = st.namedChildren.filter((c) => c.type === 'catch_clause');
        // `try { <safe statements> } finally { latch.countDown(); }`: nothing to catch in the body.
        if (catches.length === 0 && st.type === 'try_statement') {
          const fin = st.namedChildren.find((c) => c.type === 'finally_clause');
          const inner = st.childForFieldName('body');
          return !!inner && safe(inner) && (!fin || fin.namedChildren.every((b) => b.type !== 'block' || b.namedChildren.every(safe)));
        }
        if (catches.length === 0 || catches.some((c) => c.descendantsOfType('throw_statement').length > 0)) return false;
        if (catches.some((c) => catchTypes(c).some((t) => BROAD_CATCH.test(t)))) broad = true;
        const fin = st.namedChildren.find((c) => c.type === 'finally_clause');
        return !fin || fin.namedChildren.every((b) => b.type !== 'block' || b.namedChildren.every(safe));
      }
      case 'block':
        return st.namedChildren.every(safe);
      case 'if_statement':
        return [st.childForFieldName('consequence'), st.childForFieldName('alternative')].every((b) => !b || safe(b.type === 'else' ? b.namedChild(0)! : b));
      case 'while_statement':
      case 'do_statement':
      case 'for_statement':
      case 'enhanced_for_statement':
      case 'synchronized_statement': {
        const inner = st.childForFieldName('body') ?? st.namedChildren.find((c) => c.type === 'block');
        return !!inner && safe(inner);
      }
      case 'expression_statement':
        return st.descendantsOfType(['method_invocation']).every((c) => {
          const object = c.childForFieldName('object');
          const name = object?.type === 'identifier' ? object.text : object?.type === 'field_access' && object.childForFieldName('object')?.type === 'this' ? object.childForFieldName('field')?.text : undefined;
          return name !== undefined && isJavaUtilReceiver(c, name, { subpackages: true });
        }) && st.descendantsOfType(['object_creation_expression']).every((n) => n.childForFieldName('type')?.text === body.parent?.parent?.parent?.childForFieldName('name')?.text);
      default:
        return false;
    }
  };
  return statements.every(safe) && broad;
}

function javaSketch(loop: LoopFacts, callee: string, text: string): string {
  const head = loop.text.slice(0, loop.text.indexOf('{') + 1) || 'for (...) {';
  return [
    'List<Future<?>> futures = new ArrayList<>();',
    head,
    `    futures.add(${text.replace(/;\s*$/, '')});`,
    '}',
    'for (Future<?> future : futures) {',
    `    future.get(); // rethrows a failure of the work ${callee}(...) started (ExecutionException)`,
    '}',
  ].join('\n');
}

/**
 * Same-file functions (by name) whose results include an `error`, and same-file methods by name and receiver type
 * (`func (s *pState) render(...) error` → render → pState → true): a bare call `f(x)` can only be a function (or a
 * local variable), never a method, which needs a receiver or a package before its name; a method call is resolved
 * on its receiver's type (see methodReturnsError), since two types of one package may both have a `render`.
 */
function errorReturningFunctions(root: SyntaxNode): { functions: Set<string>; methods: Map<string, Map<string, boolean>> } {
  const functions = new Set<string>();
  const methods = new Map<string, Map<string, boolean>>();
  for (const fn of root.descendantsOfType(['function_declaration', 'method_declaration'])) {
    const name = fn.childForFieldName('name')?.text;
    if (!name) continue;
    const result = fn.childForFieldName('result');
    const failing = !!result && /(^|[\s(,])error\s*[),]?\s*$|(^|[\s(,])error\s*[,)]/.test(result.text);
    if (fn.type === 'function_declaration') {
      if (failing) functions.add(name);
      continue;
    }
    const receiver = fn.childForFieldName('receiver')?.namedChildren.find((p) => p.type === 'parameter_declaration');
    const type = goTypeName(receiver?.childForFieldName('type')) ?? '?';
    const byType = methods.get(name) ?? new Map<string, boolean>();
    byType.set(type, (byType.get(type) ?? false) || failing);
    methods.set(name, byType);
  }
  return { functions, methods };
}

/**
 * Whether the method call `x.name(...)` returns an `error`, as far as the file says. The receiver's declared type
 * decides when the file knows it (`go bar.render(tw)` with `bar *Bar` calls `(*Bar).render`, not `(*pState).render`);
 * a type of another package, or one with no such method in this file, is not this file's method. When the type is
 * not known, the name decides only if no other type of the package declares a method of that name (its other files
 * too, where the effect summaries see them) and every one the file declares returns an error: with `(*Bar).render()`
 * in bar.go and `(*pState).render() error` in progress.go, which one runs is not known, so no return type is claimed.
 */
function methodReturnsError(call: SyntaxNode, name: string, byType: Map<string, boolean>, ctx: RuleContext): boolean {
  const type = goReceiverType(call);
  if (type !== undefined) return !type.includes('.') && byType.get(type) === true;
  if ((ctx.kb.goMethodReceivers?.(name) ?? []).some((t) => !byType.has(t))) return false;
  return [...byType.values()].every((failing) => failing);
}

/**
 * Whether the function around `node` binds `name` itself (`flush := func(b []entry) { ... }`, `var flush = ...`, a
 * parameter): a bare call of that name then calls the local value, not the file's function of the same name.
 */
function boundLocally(name: string, node: SyntaxNode): boolean {
  let fn: SyntaxNode | null = node.parent;
  while (fn && fn.type !== 'function_declaration' && fn.type !== 'method_declaration' && fn.type !== 'func_literal') fn = fn.parent;
  if (!fn) return false;
  const params = fn.childForFieldName('parameters');
  if (params?.descendantsOfType(['identifier']).some((i) => i.text === name)) return true;
  const body = fn.childForFieldName('body');
  return (body?.descendantsOfType(['short_var_declaration', 'var_spec']) ?? []).some((s) => boundNames(s).includes(name));
}

/** The `go` statements of this loop's own body (not in a function literal or an inner loop). */
function ownGoStatements(loop: LoopFacts): SyntaxNode[] {
  return loop.body.descendantsOfType(['go_statement']).filter((g) => {
    for (let n = g.parent; n && n.id !== loop.node.id; n = n.parent) if (n.type === 'func_literal' || n.type === 'for_statement') return false;
    return true;
  });
}

/** The identifiers a Go declaration or assignment binds (`c, err := l.Accept()`, `var conn Conn = f(c)`). */
function boundNames(statement: SyntaxNode): string[] {
  const left =
    statement.type === 'short_var_declaration' || statement.type === 'assignment_statement'
      ? statement.childForFieldName('left')
      : statement.type === 'var_spec'
        ? statement
        : undefined;
  if (!left) return [];
  if (left.type === 'identifier') return [left.text];
  return left.namedChildren.filter((n) => n.type === 'identifier' && n.parent?.childForFieldName('value')?.id !== n.id).map((n) => n.text);
}

/** The right-hand side of a Go declaration or assignment. */
function boundValue(statement: SyntaxNode): SyntaxNode | undefined {
  return statement.childForFieldName(statement.type === 'var_spec' ? 'value' : 'right') ?? undefined;
}

/**
 * The client an accept loop takes (`c, err := l.Accept()`, the `accepts_client` role) and the names built from it
 * in the same body (`conn := newConn(s, c)`, `conn = wrap(conn)`). A goroutine handed one of them serves that
 * client: its error ends that client's session (the handler answers and closes the connection), and the accept
 * loop has nothing to do with it, so dropping it is the server's design, not a lost failure.
 */
function acceptedClientNames(loop: LoopFacts, ctx: RuleContext): Set<string> {
  const names = new Set<string>();
  const accepts = loop.calls.filter((c) => !c.inInnerLoop && ctx.kb.hasRole?.(loop.language, c.method, 'accepts_client') === true);
  if (accepts.length === 0) return names;
  const statements = loop.body.descendantsOfType(['short_var_declaration', 'assignment_statement', 'var_spec']).filter((s) => {
    for (let n = s.parent; n && n.id !== loop.node.id; n = n.parent) if (n.type === 'func_literal' || n.type === 'for_statement') return false;
    return true;
  });
  for (const s of statements) {
    const value = boundValue(s);
    const line = s.startPosition.row + 1;
    if (value && accepts.some((a) => a.line === line && value.text.replace(/\s+/g, '').includes(a.callee))) for (const n of boundNames(s)) if (n !== 'err' && n !== '_') names.add(n);
  }
  if (names.size === 0) return names;
  // Names built from the client, in source order (one pass is enough: a wrapper is declared after what it wraps).
  for (const s of statements) {
    const value = boundValue(s);
    if (value && value.descendantsOfType(['identifier']).some((i) => names.has(i.text))) for (const n of boundNames(s)) if (n !== 'err' && n !== '_') names.add(n);
  }
  return names;
}

function goFindings(loop: LoopFacts, ctx: RuleContext): Detection[] {
  const statements = ownGoStatements(loop);
  if (statements.length === 0) return [];
  const failing = errorReturningFunctions(ctx.file.tree.rootNode);
  const clients = acceptedClientNames(loop, ctx);
  const out: Detection[] = [];
  for (const g of statements) {
    const call = g.namedChildren.find((c) => c.type === 'call_expression');
    const fn = call?.childForFieldName('function');
    if (!call || !fn) continue;
    const bare = fn.type === 'identifier';
    const name = bare ? fn.text : fn.type === 'selector_expression' ? fn.childForFieldName('field')?.text : undefined;
    if (!name) continue;
    if (bare) {
      if (!failing.functions.has(name) || boundLocally(name, g)) continue;
    } else {
      const byType = failing.methods.get(name);
      if (byType ? !methodReturnsError(call, name, byType, ctx) : !failing.functions.has(name)) continue;
    }
    const args = call.childForFieldName('arguments');
    if (clients.size > 0 && args?.descendantsOfType(['identifier']).some((i) => clients.has(i.text))) continue;
    const callee = fn.text.replace(/\s+/g, '');
    // `go tnc.Disconnect()`, `go c.Close()`: a teardown (the `close` kind of rules/apis/go.yml) started on its own
    // goroutine, often because a synchronous call would wait for the very loop that starts it. Its error is the
    // failure to close something the code is letting go of: there is nothing to retry or report it to.
    if (!bare && ctx.kb.classify(loop.language, callee).kinds.includes('close')) continue;
    out.push({
      loop,
      line: g.startPosition.row + 1,
      variant: 'go-error',
      data: { call: callee },
      confidence: 'high',
      fix: blockFix(goSketch(loop, call.text), { startLine: loop.startLine, endLine: loop.endLine }, {
        description: 'errgroup: wait for the goroutines and get their first error',
        safety: 'unsafe',
        language: fenceLanguage('go'),
      }),
    });
  }
  return out;
}

function goSketch(loop: LoopFacts, callText: string): string {
  const head = loop.text.slice(0, loop.text.indexOf('{') + 1) || 'for ... {';
  const copies = loop.loopVariables.map((v) => `\t${v} := ${v} // before Go 1.22: one copy per goroutine`);
  return [
    'g, ctx := errgroup.WithContext(ctx) // golang.org/x/sync/errgroup',
    'g.SetLimit(8)                        // at most 8 at a time',
    head,
    ...copies,
    '\tg.Go(func() error {',
    `\t\treturn ${callText}`,
    '\t})',
    '}',
    'if err := g.Wait(); err != nil { // the first error of any goroutine',
    '\treturn err',
    '}',
  ].join('\n');
}

export function detectBraceFireAndForget(loop: LoopFacts, ctx: RuleContext): Detection[] {
  return loop.language === 'go' ? goFindings(loop, ctx) : javaFindings(loop);
}
