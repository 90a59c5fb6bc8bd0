// A closure created in a loop that reads the loop variable *later* (a thread target, a callback, a timer, a stored
// handler): by the time it runs, the variable holds the last iteration's value. Python binds names late (like
// flake8-bugbear B023); JavaScript `var` has one binding for the whole function. Closures that run during the
// iteration (`sorted(key=lambda ...)`, `xs.map(...)`, an awaited call) are fine and stay quiet.
import { FUNCTION_TYPES, type FileModel } from '../../model.js';
import type { Detection, Detector } from '../../rule-types.js';
import { detectGoClosureCapture } from './go-closure.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { blockFix, fenceLanguage, replaceFix, rewriteLines, type TextEdit } from '../../../fixes/lines.js';
import { successExits } from '../lib/exits.js';
import { calleeOf, descendants, enclosingFunction, endLineOf, familyOf, identifiersIn, lineOf, methodOf, rootOf } from '../lib/index.js';

function isAwaited(node: SyntaxNode): boolean {
  let current = node.parent;
  while (current) {
    if (current.type === 'await' || current.type === 'await_expression') return true;
    if (current.type === 'expression_statement' || current.type === 'block' || current.type === 'statement_block') return false;
    current = current.parent;
  }
  return false;
}

/**
 * `indent(rows, wrapfunc=lambda x: wrapper(x, width))` where `indent` is the file's only function of that name (not a
 * method, not async, no `yield`) and, inside it, `wrapfunc` is only ever called: every use of the parameter is the
 * function of a call, no lambda reads it, and a nested `def` that reads it is itself only ever called there. The
 * closure runs before `indent` returns, with this iteration's values (round 14's taurus table printer). A function
 * that stores, returns or passes the parameter on still defers it.
 */
function callsParameterDuringCall(call: SyntaxNode, parameter: string, model: FileModel): boolean {
  const fn = call.childForFieldName('function');
  if (model.language !== 'python' || fn?.type !== 'identifier') return false;
  const defs = model.functions.filter((f) => f.name === fn.text && f.className === undefined);
  if (defs.length !== 1 || defs[0]!.isAsync || defs[0]!.node.type !== 'function_definition') return false;
  const def = defs[0]!.node;
  if (!pythonParams(def).names.has(parameter)) return false;
  const body = def.childForFieldName('body');
  if (!body || body.descendantsOfType('yield').length > 0) return false;
  const onlyCalled = (name: string, scope: SyntaxNode, skip?: SyntaxNode) =>
    scope.descendantsOfType('identifier').every((id) => {
      if (id.text !== name || (skip && id.startIndex >= skip.startIndex && id.endIndex <= skip.endIndex)) return true;
      if (id.parent?.type === 'keyword_argument' && id.parent.childForFieldName('name')?.id === id.id) return true;
      if (id.parent?.type === 'attribute' && id.parent.childForFieldName('attribute')?.id === id.id) return true;
      return id.parent?.type === 'call' && id.parent.childForFieldName('function')?.id === id.id;
    });
  if (!onlyCalled(parameter, body)) return false;
  for (const inner of body.descendantsOfType(['lambda', 'function_definition'])) {
    const reads = inner.descendantsOfType('identifier').some((id) => id.text === parameter);
    if (!reads) continue;
    if (inner.type === 'lambda') return false;
    const name = inner.childForFieldName('name');
    if (!name || !onlyCalled(name.text, body, name)) return false;
  }
  return true;
}

/** The closure (or a reference to a def) is handed to something that calls it later, or stored. */
function isDeferred(node: SyntaxNode, model: FileModel): boolean {
  let child = node;
  let current = node.parent;
  while (current) {
    if (current.type === 'keyword_argument') {
      const name = current.childForFieldName('name')?.text ?? '';
      if (/target|callback|handler|hook|on_\w+|func|fn/.test(name)) {
        const call = current.parent?.parent;
        // `subprocess.Popen(argv, preexec_fn=setup)`: a call that starts a process (the `subprocess` kind of
        // rules/apis/*.yml) runs the function in the child before it returns, with this iteration's values.
        if (call && !isAwaited(call) && !model.call(call).kinds.includes('subprocess') && !callsParameterDuringCall(call, name, model)) return true;
      }
    }
    if (current.type === 'argument_list' || current.type === 'arguments') {
      const call = current.parent!;
      const method = methodOf(calleeOf(call));
      // `roles.keeps_callback` of rules/apis/*.yml: timers, listeners, executors, registries, collections.
      return model.kb.hasRole?.(model.language, method, 'keeps_callback') === true && !isAwaited(call);
    }
    if ((current.type === 'assignment' || current.type === 'assignment_expression') && current.childForFieldName('right')?.id === child.id) {
      const left = current.childForFieldName('left');
      return left !== null && left.type !== 'identifier';
    }
    if (['expression_statement', 'block', 'statement_block', 'return_statement'].includes(current.type)) return false;
    child = current;
    current = current.parent;
  }
  return false;
}

/**
 * `res = pool.apply_async(f, error_callback=errback)` then `res.get()` (or `t = Thread(target=work)` then `t.join()`)
 * later in the same iteration: the callback has run, with this iteration's values, before the loop moves on.
 */
function awaitedInIteration(use: SyntaxNode, loop: LoopFacts, model: FileModel): boolean {
  let call: SyntaxNode | null = use.parent;
  while (call && call.type !== 'call') {
    if (call.type === 'block' || call.type === 'expression_statement') return false;
    call = call.parent;
  }
  const assignment = call?.parent;
  if (!call || assignment?.type !== 'assignment' || assignment.childForFieldName('right')?.id !== call.id) return false;
  const handle = assignment.childForFieldName('left');
  if (handle?.type !== 'identifier') return false;
  // `p = multiprocessing.Process(target=lambda: work(i))` then `p.start()`: the child process gets a copy of the
  // closure's cell as it is at `start()` (fork), or the closure cannot be sent at all (spawn, forkserver); either way
  // it never reads a later iteration's value.
  const forks = /(^|\.)Process$/.test(calleeOf(call)) && /^\s*(import\s+multiprocessing\b|from\s+multiprocessing\b)/m.test(model.source);
  for (const node of descendants(loop.body, model, { skipFunctions: true })) {
    if (node.startIndex <= assignment.endIndex || node.type !== 'attribute') continue;
    if (node.childForFieldName('object')?.text !== handle.text) continue;
    if (forks && node.childForFieldName('attribute')?.text === 'start' && node.parent?.type === 'call') return true;
    // `t.join()`, `fut.result()`, `ev.wait()`: `waits.blocking` of rules/apis/*.yml; on the handle of async work,
    // `get` is the async result's blocking get.
    if (node.childForFieldName('attribute')?.text === 'get' || model.kb.waitOf?.(model.language, node.text) === 'blocking') return true;
  }
  return false;
}

/**
 * `def worker(): ...; done.release()` started with `start_new_thread(worker, ())`, then `done.acquire()` as a later
 * statement of the same block, before any statement that rebinds a name the def reads: the def's last statement
 * signals the lock or event the loop then waits for (`acquire()` / `wait()` with no timeout), so every read it makes
 * happens before the loop goes on (round 14's pydevd tracing hand-off). A wait with a timeout, or one after the
 * rebinding, still counts.
 */
function handshakeBeforeRebind(def: SyntaxNode, use: SyntaxNode, captured: readonly string[]): boolean {
  const statements = def.childForFieldName('body')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
  const last = statements[statements.length - 1];
  const signal = last?.type === 'expression_statement' ? last.namedChildren[0] : undefined;
  const signalFn = signal?.type === 'call' ? signal.childForFieldName('function') : undefined;
  const signalled = signalFn?.type === 'attribute' && ['release', 'set'].includes(signalFn.childForFieldName('attribute')?.text ?? '') ? signalFn.childForFieldName('object') : undefined;
  if (signalled?.type !== 'identifier') return false;
  let statement: SyntaxNode | null = use;
  while (statement && statement.parent?.type !== 'block') statement = statement.parent;
  if (!statement) return false;
  const binds = (n: SyntaxNode) =>
    n.descendantsOfType(['assignment', 'augmented_assignment']).some((a) => {
      const left = a.childForFieldName('left');
      return left !== null && (left.type === 'identifier' ? [left] : left.descendantsOfType('identifier')).some((id) => captured.includes(id.text));
    }) || ((n.type === 'assignment' || n.type === 'augmented_assignment') && captured.includes(n.childForFieldName('left')?.text ?? ''));
  if (binds(statement)) return false;
  for (let next = statement.nextNamedSibling; next; next = next.nextNamedSibling) {
    const expr = next.type === 'expression_statement' ? next.namedChildren[0] : undefined;
    const fn = expr?.type === 'call' ? expr.childForFieldName('function') : undefined;
    const waits =
      fn?.type === 'attribute' &&
      fn.childForFieldName('object')?.text === signalled.text &&
      ['acquire', 'wait'].includes(fn.childForFieldName('attribute')?.text ?? '') &&
      (expr!.childForFieldName('arguments')?.namedChildren.length ?? 0) === 0;
    if (waits) return true;
    if (binds(next)) return false;
  }
  return false;
}

function pythonParams(fn: SyntaxNode): { names: Set<string>; node: SyntaxNode | null; hasKwargs: boolean } {
  const params = fn.childForFieldName('parameters');
  const names = new Set<string>();
  let hasKwargs = false;
  for (const p of params?.namedChildren ?? []) {
    if (p.type === 'dictionary_splat_pattern') hasKwargs = true;
    const id = p.type === 'identifier' ? p : (p.childForFieldName('name') ?? p.namedChildren.find((c) => c.type === 'identifier'));
    if (id) names.add(id.text);
  }
  return { names, node: params, hasKwargs };
}

/** What a statement binds (Python): an assignment's left side, a `for` target, `with ... as x`, `(x := ...)`. */
function bindingTarget(node: SyntaxNode): SyntaxNode | null {
  if (node.type === 'assignment' || node.type === 'augmented_assignment' || node.type === 'for_statement') return node.childForFieldName('left');
  if (node.type === 'as_pattern') return node.childForFieldName('alias');
  if (node.type === 'named_expression') return node.childForFieldName('name');
  return null;
}

/**
 * Names the loop body rebinds on every iteration (`y = x * 2`, `total += n`, an inner `for`'s target, `with ... as
 * f`): a closure that reads one later sees the last iteration's value, exactly as for the loop variable (the
 * semantics of flake8-bugbear B023 and pylint cell-var-from-loop). Names of functions defined in the body are not
 * values that change under a closure's feet.
 */
function namesBoundInBody(body: SyntaxNode, model: FileModel): Set<string> {
  const names = new Set<string>();
  for (const node of descendants(body, model, { skipFunctions: true })) {
    const target = bindingTarget(node);
    if (!target) continue;
    if (target.type === 'identifier') names.add(target.text);
    else if (/pattern|tuple|list/.test(target.type)) for (const id of target.descendantsOfType('identifier')) if (id.parent?.type !== 'attribute' && id.parent?.type !== 'subscript') names.add(id.text);
    else if (target.type === 'as_pattern_target') for (const id of target.descendantsOfType('identifier')) names.add(id.text);
  }
  return names;
}

const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);

/**
 * A closure made in a comprehension: the names the comprehensions around it (below the loop body) bind in their
 * `for` clauses, which late-bind exactly like a loop variable, and whether the closure is the element the
 * comprehension collects (`[lambda: x for x in xs]`, `{k: lambda: v for k, v in d.items()}`): a stored closure,
 * called after the comprehension has moved on (pylint cell-var-from-loop, B023). A closure in a comprehension's
 * iterable or condition runs while it iterates.
 */
function comprehensionScope(closure: SyntaxNode, stop: SyntaxNode): { names: Set<string>; collected: boolean } {
  const names = new Set<string>();
  let child = closure;
  for (let current = closure.parent; current && current.id !== stop.id; current = current.parent) {
    if (current.type === 'function_definition' || current.type === 'lambda') break;
    // Only the element part sees (and keeps) the clause variables; the first iterable is evaluated outside.
    if (COMPREHENSIONS.has(current.type) && current.childForFieldName('body')?.id === child.id) {
      for (const clause of current.namedChildren) {
        if (clause.type !== 'for_in_clause') continue;
        const target = clause.childForFieldName('left');
        if (target) for (const id of target.type === 'identifier' ? [target] : target.descendantsOfType('identifier')) names.add(id.text);
      }
    }
    child = current;
  }
  let element = closure;
  while (element.parent?.type === 'parenthesized_expression') element = element.parent;
  const parent = element.parent;
  const holder = parent?.type === 'pair' ? parent : element;
  const comprehension = holder.parent;
  const collected = comprehension !== null && COMPREHENSIONS.has(comprehension.type) && comprehension.childForFieldName('body')?.id === holder.id;
  return { names, collected };
}

/**
 * `def create_callbacks(tracked_actor, future): def on_start(result): use(tracked_actor, future)`: a function between
 * the loop body and the closure binds the names again (as parameters or its own locals), so the closure reads that
 * call's values, fixed when the factory is called: the usual cure for this very bug, not an instance of it.
 */
function boundByEnclosingFunctions(closure: SyntaxNode, stop: SyntaxNode, model: FileModel): Set<string> {
  const names = new Set<string>();
  for (let current = closure.parent; current && current.id !== stop.id; current = current.parent) {
    if (current.type !== 'function_definition' && current.type !== 'lambda') continue;
    for (const name of pythonParams(current).names) names.add(name);
    const body = current.childForFieldName('body');
    if (current.type === 'function_definition' && body) for (const name of namesBoundInBody(body, model)) names.add(name);
  }
  return names;
}

/**
 * `for name, value in attrs.items(): if name == "id": sha = Fixed(value); obj.sha = lambda: sha`: every binding of
 * `sha` in the loop sits in the branch of an `if` that tests the dict's key for equality with a literal, not inside
 * another loop. A dict (`.items()`, `.keys()`) yields each key once, so that branch runs on one iteration at most and
 * the name never changes after a closure reads it (round 15: a test factory's fixed-sha lambda). A list of pairs may
 * repeat the key and still counts.
 */
function boundForOneKey(name: string, loop: LoopFacts, model: FileModel): boolean {
  if (loop.node.type !== 'for_statement') return false;
  const iterable = loop.node.childForFieldName('right');
  const fn = iterable?.type === 'call' ? iterable.childForFieldName('function') : undefined;
  const method = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
  const left = loop.node.childForFieldName('left');
  if (!left || (iterable?.childForFieldName('arguments')?.namedChildren.length ?? 1) !== 0) return false;
  let key: string | undefined;
  if (method === 'keys' && left.type === 'identifier') key = left.text;
  else if (method === 'items' && (left.type === 'pattern_list' || left.type === 'tuple_pattern') && left.namedChildren[0]?.type === 'identifier') key = left.namedChildren[0].text;
  if (key === undefined || key === name || identifiersIn(left, model).has(name)) return false;
  const keyTest = (condition: SyntaxNode | null) => {
    if (condition?.type !== 'comparison_operator' || condition.namedChildren.length !== 2) return false;
    if (!condition.children.some((c) => c.type === '==')) return false;
    const [a, b] = condition.namedChildren as [SyntaxNode, SyntaxNode];
    const literal = (n: SyntaxNode) => n.type === 'string' || n.type === 'integer';
    return (a.type === 'identifier' && a.text === key && literal(b)) || (b.type === 'identifier' && b.text === key && literal(a));
  };
  let bindings = 0;
  for (const node of descendants(loop.body, model, { skipFunctions: true })) {
    const target = bindingTarget(node);
    if (!target) continue;
    if (target.type === 'attribute' || target.type === 'subscript') continue;
    const names = target.type === 'identifier' ? [target.text] : target.descendantsOfType('identifier').filter((id) => id.parent?.type !== 'attribute' && id.parent?.type !== 'subscript').map((id) => id.text);
    if (!names.includes(name)) continue;
    if (node.type !== 'assignment' || target.type !== 'identifier') return false;
    bindings += 1;
    let once = false;
    for (let child = node, up = node.parent; up && up.id !== loop.body.id; child = up, up = up.parent) {
      if (up.type === 'for_statement' || up.type === 'while_statement') return false;
      if (up.type === 'block' && up.parent?.type === 'if_statement' && up.parent.childForFieldName('consequence')?.id === up.id && keyTest(up.parent.childForFieldName('condition'))) once = true;
    }
    if (!once) return false;
  }
  return bindings > 0;
}

function pythonDetections(loop: LoopFacts, source: string, model: FileModel): Detection[] {
  const left = loop.node.type === 'for_statement' ? loop.node.childForFieldName('left') : null;
  const loopVars = new Set([...(left ? identifiersIn(left, model) : []), ...(left ? namesBoundInBody(loop.body, model) : [])]);
  const out: Detection[] = [];
  for (const node of descendants(loop.body, model)) {
    if (node.type !== 'lambda' && node.type !== 'function_definition') continue;
    const comprehension = node.type === 'lambda' ? comprehensionScope(node, loop.body) : { names: new Set<string>(), collected: false };
    if (loopVars.size === 0 && comprehension.names.size === 0) continue;
    const params = pythonParams(node);
    const body = node.childForFieldName('body');
    if (!body) continue;
    const local = node.type === 'function_definition' ? namesBoundInBody(body, model) : new Set<string>();
    const used = namesReadIn(body, model);
    const rebound = boundByEnclosingFunctions(node, loop.body, model);
    const captured = [...new Set([...loopVars, ...comprehension.names])].filter(
      (v) => !params.names.has(v) && !local.has(v) && !rebound.has(v) && used.has(v) && !boundForOneKey(v, loop, model),
    );
    if (captured.length === 0) continue;
    let deferred = false;
    if (node.type === 'lambda') deferred = !isImmediatelyInvoked(node) && (comprehension.collected || (isDeferred(node, model) && !awaitedInIteration(node, loop, model)));
    else {
      const name = node.childForFieldName('name')?.text;
      for (const use of descendants(loop.body, model)) {
        if (use.type === 'identifier' && use.text === name && use.startIndex > node.endIndex && use.parent?.type !== 'call' && isDeferred(use, model) && !awaitedInIteration(use, loop, model) && !handshakeBeforeRebind(node, use, captured)) deferred = true;
      }
    }
    if (!deferred) continue;
    // Made on an iteration that always leaves the loop (`if name in cls.__dict__: orig = ...; def wrap(): ...; break`):
    // a loop variable is function-scoped in Python, and nothing runs another iteration to change it.
    if (madeOnTheWayOut(node, loop, captured, model)) continue;
    let fix;
    if (!params.hasKwargs) {
      const defaults = captured.map((v) => `${v}=${v}`).join(', ');
      let edit: TextEdit;
      if (node.type === 'lambda') {
        edit = params.node
          ? { start: params.node.endIndex, end: params.node.endIndex, text: `, ${defaults}` }
          : { start: node.startIndex + 'lambda'.length, end: node.startIndex + 'lambda'.length, text: ` ${defaults}` };
      } else {
        const p = params.node!;
        const inner = p.text.slice(1, -1).trim();
        edit = { start: p.endIndex - 1, end: p.endIndex - 1, text: inner ? `, ${defaults}` : defaults };
        if (inner.endsWith(',')) edit = { start: p.endIndex - 1, end: p.endIndex - 1, text: ` ${defaults}` };
      }
      fix = replaceFix(rewriteLines(source, [edit]), { description: `bind ${defaults}`, safety: 'unsafe', language: 'python' });
    }
    out.push({
      loop,
      line: lineOf(node),
      span: { startLine: lineOf(node), endLine: endLineOf(node) },
      variant: node.type === 'lambda' ? 'lambda' : 'def',
      data: { variable: captured.join(', ') },
      confidence: 'high',
      ...(fix ? { fix } : {}),
    });
  }
  return out;
}

/**
 * The names a Python body reads: its identifiers less the ones that name something else, a keyword argument's name
 * (`torch.empty(n, dtype=_dtype)` reads `_dtype`, not a loop variable `dtype`) and an attribute (`op.dtype`).
 */
function namesReadIn(body: SyntaxNode, model: FileModel): Set<string> {
  const names = new Set<string>();
  for (const n of [body, ...model.descendants(body)]) {
    if (n.type !== 'identifier') continue;
    const parent = n.parent;
    if (parent?.type === 'keyword_argument' && parent.childForFieldName('name')?.id === n.id) continue;
    if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === n.id) continue;
    if (boundByComprehension(n, body)) continue;
    names.add(n.text);
  }
  return names;
}

/**
 * The identifier is a comprehension's own variable: `lambda d: new_id not in [sd.id for sd in d.domains]` inside
 * `for sd in names:` reads the comprehension's `sd`, which has its own scope in Python 3, not the loop's. The first
 * iterable (`for x in sd`) is evaluated outside the comprehension and still reads the enclosing name.
 */
function boundByComprehension(id: SyntaxNode, stop: SyntaxNode): boolean {
  let child = id;
  for (let current = id.parent; current && current.id !== stop.id; current = current.parent) {
    if (COMPREHENSIONS.has(current.type)) {
      const clauses = current.namedChildren.filter((c) => c.type === 'for_in_clause');
      const outsideScope = clauses[0]?.childForFieldName('right')?.id === child.id;
      const binds = clauses.some((clause) => {
        const target = clause.childForFieldName('left');
        return identifiersIn(target).has(id.text);
      });
      if (binds && !outsideScope) return true;
    }
    child = current;
  }
  return false;
}

function isImmediatelyInvoked(closure: SyntaxNode): boolean {
  let callee = closure;
  while (callee.parent?.type === 'parenthesized_expression') callee = callee.parent;
  const parent = callee.parent;
  if ((parent?.type === 'call_expression' || parent?.type === 'call') && parent.childForFieldName('function')?.id === callee.id) return true;
  // `(function () { ... }).call(this, i)` / `.apply(...)`
  if (parent?.type === 'member_expression' && parent.childForFieldName('object')?.id === callee.id && /^(call|apply)$/.test(parent.childForFieldName('property')?.text ?? '')) {
    return parent.parent?.type === 'call_expression' && parent.parent.childForFieldName('function')?.id === parent.id;
  }
  return false;
}

/** Array methods whose callback's return values become the elements of a new array (JavaScript's comprehensions). */
const ARRAY_BUILDERS = new Set(['map', 'flatMap', 'from']);

/**
 * A closure returned by an array-building callback (`ids.map((id) => () => load(id, i))`): each element of the new
 * array is a closure kept for later, as in a Python comprehension.
 */
function collectedByArrayCallback(closure: SyntaxNode): boolean {
  let node = closure;
  while (node.parent?.type === 'parenthesized_expression') node = node.parent;
  let callback: SyntaxNode | null = null;
  const parent = node.parent;
  if (parent?.type === 'arrow_function' && parent.childForFieldName('body')?.id === node.id) callback = parent;
  else if (parent?.type === 'return_statement') {
    const block = parent.parent;
    const fn = block?.type === 'statement_block' ? block.parent : null;
    if (fn && (fn.type === 'arrow_function' || fn.type === 'function_expression' || fn.type === 'function')) callback = fn;
  }
  const args = callback?.parent;
  if (!callback || (args?.type !== 'arguments')) return false;
  const call = args.parent;
  return call?.type === 'call_expression' && ARRAY_BUILDERS.has(methodOf(calleeOf(call)));
}

/**
 * The names `fn` binds itself: its parameters, and the `var`/`let`/`const` declarations, `for (var k in ...)` heads,
 * function declarations and catch parameters of its own body (nested functions skipped). A use of such a name in
 * `fn` reads `fn`'s binding, whatever a loop around `fn` declares (`var` is hoisted to the function).
 */
function ownBindings(fn: SyntaxNode, model: FileModel): Set<string> {
  const names = new Set<string>();
  const params = fn.childForFieldName('parameters') ?? fn.childForFieldName('parameter');
  if (params) for (const n of identifiersIn(params, model)) names.add(n);
  const body = fn.childForFieldName('body');
  if (!body) return names;
  for (const d of descendants(body, model, { skipFunctions: true })) {
    if (d.type === 'variable_declarator') {
      const name = d.childForFieldName('name');
      if (name?.type === 'identifier') names.add(name.text);
      else for (const n of identifiersIn(name, model)) names.add(n);
    } else if (d.type === 'for_in_statement' && d.childForFieldName('kind') && d.childForFieldName('left')?.type === 'identifier') {
      names.add(d.childForFieldName('left')!.text);
    } else if (d.type === 'function_declaration' || d.type === 'generator_function_declaration') {
      const name = d.childForFieldName('name');
      if (name) names.add(name.text);
    } else if (d.type === 'catch_clause') {
      for (const n of identifiersIn(d.childForFieldName('parameter'), model)) names.add(n);
    }
  }
  return names;
}

/**
 * The loop's `var`s that `closure` reads through the loop's own binding: a use inside a function (the closure, or one
 * between it and the loop body) that declares the name itself reads that function's binding instead
 * (`bar.on('close', function () { for (var i in streams) ... })` inside `for (var i in users)`).
 */
function loopBindingsRead(closure: SyntaxNode, vars: ReadonlyMap<string, SyntaxNode>, loopBody: SyntaxNode, model: FileModel): Set<string> {
  const read = new Set<string>();
  const bindings = new Map<number, Set<string>>();
  const bound = (fn: SyntaxNode): Set<string> => {
    let names = bindings.get(fn.id);
    if (!names) {
      names = ownBindings(fn, model);
      bindings.set(fn.id, names);
    }
    return names;
  };
  for (const use of descendants(closure, model)) {
    if (use.type !== 'identifier' && use.type !== 'shorthand_property_identifier') continue;
    if (!vars.has(use.text) || read.has(use.text)) continue;
    let shadowed = false;
    for (let up = use.parent; up && up.id !== loopBody.id; up = up.parent) {
      if (FUNCTION_TYPES.js.has(up.type) && bound(up).has(use.text)) {
        shadowed = true;
        break;
      }
    }
    if (!shadowed) read.add(use.text);
  }
  return read;
}

const CONSTANT_VALUES: ReadonlySet<string> = new Set(['this', 'number', 'string', 'true', 'false', 'null', 'undefined']);

/**
 * A `var` that holds the same value on every iteration (`var self = this;`, `var limit = 10;`, a copy of a name the
 * loop never assigns) and that nothing in the loop assigns again: a callback that reads it after the loop sees the
 * value it saw in its own iteration.
 */
function sameOnEveryIteration(name: string, loop: LoopFacts, vars: ReadonlyMap<string, SyntaxNode>, assigned: ReadonlySet<string>, model: FileModel): boolean {
  let declared = false;
  for (const d of descendants(loop.body, model, { skipFunctions: true })) {
    if (d.type !== 'variable_declarator' || d.childForFieldName('name')?.text !== name) continue;
    const value = d.childForFieldName('value');
    if (!value) return false;
    const constant =
      CONSTANT_VALUES.has(value.type) ||
      (value.type === 'identifier' && value.text !== name && !vars.has(value.text) && !assigned.has(value.text)) ||
      sameFunctionEveryIteration(value, loop, model);
    if (!constant) return false;
    declared = true;
  }
  return declared && !assigned.has(name);
}

/**
 * `for (var i = 0; ...) { var launch = function (i) { ... launch(i) ... } }`: every iteration makes the same function
 * expression, and a `var` world shares one function-scope environment, so the function objects differ only in the
 * loop's per-iteration `let`/`const` bindings they could close over. When the function reads none of those (a `var`
 * of the loop it reads, such as `i`, is its own parameter here, or the shared binding), a callback that calls the last
 * iteration's function behaves exactly as if it called its own iteration's.
 */
function sameFunctionEveryIteration(value: SyntaxNode, loop: LoopFacts, model: FileModel): boolean {
  if (value.type !== 'function_expression' && value.type !== 'arrow_function' && value.type !== 'function') return false;
  const blockScoped = new Set<string>();
  const head = loop.node.type === 'for_statement' ? loop.node.childForFieldName('initializer') : null;
  const lexical = (d: SyntaxNode): void => {
    if (d.type === 'lexical_declaration') for (const v of d.namedChildren) if (v.type === 'variable_declarator') for (const n of identifiersIn(v.childForFieldName('name'), model)) blockScoped.add(n);
  };
  if (head) lexical(head);
  const kind = loop.node.type === 'for_in_statement' ? loop.node.childForFieldName('kind')?.text : undefined;
  if (kind === 'let' || kind === 'const') for (const n of identifiersIn(loop.node.childForFieldName('left'), model)) blockScoped.add(n);
  for (const d of descendants(loop.body, model, { skipFunctions: true })) lexical(d);
  if (blockScoped.size === 0) return true;
  const own = ownBindings(value, model);
  return ![...descendants(value, model)].some((n) => n.type === 'identifier' && blockScoped.has(n.text) && !own.has(n.text));
}

/** Names the loop assigns anywhere, its callbacks included: `x = ...`, `x += ...`, `x++`, `for (x in ...)`. */
function assignedInLoop(loop: LoopFacts, model: FileModel): Set<string> {
  const names = new Set<string>();
  for (const d of descendants(loop.node, model)) {
    const target = d.type === 'for_in_statement' ? d.childForFieldName('left') : writtenTarget(d);
    if (target) names.add(target.text);
  }
  return names;
}

/** What a JavaScript assignment, compound assignment or `++`/`--` writes (null for any other node). */
function writtenTarget(node: SyntaxNode): SyntaxNode | null {
  if (node.type === 'assignment_expression' || node.type === 'augmented_assignment_expression') return node.childForFieldName('left');
  return node.type === 'update_expression' ? node.childForFieldName('argument') : null;
}

/**
 * The closure is made on the way out of the loop: it is part of a `return`/`throw` (`return load(x).then(cb)`) or one
 * runs right after it, so the loop never reaches another iteration that could change what it reads.
 */
function madeOnTheWayOut(closure: SyntaxNode, loop: LoopFacts, captured: readonly string[], model: FileModel): boolean {
  return successExits(closure, loop, { raises: true }).some(
    (e) => e.always && (e.node.type === 'return_statement' || e.node.type === 'throw_statement' || (e.node.type === 'break_statement' && lastValueAfterBreak(loop, captured, model))),
  );
}

/**
 * After a `break` that leaves the loop, the loop's `var`s (and Python's loop variables, function-scoped too) keep the
 * value the closure saw (`for (var key in fields) { if (key === name) { fields[key].check = () => valid(key); break; } }`),
 * unless something runs the loop again or
 * writes them: the loop is not inside another loop of the same function, and the function does not name them after
 * the loop.
 */
function lastValueAfterBreak(loop: LoopFacts, captured: readonly string[], model: FileModel): boolean {
  const scope = enclosingFunction(loop.node, familyOf(loop.language)) ?? rootOf(loop.node);
  for (let up = loop.node.parent; up && up.id !== scope.id; up = up.parent) {
    if (['for_statement', 'for_in_statement', 'while_statement', 'do_statement'].includes(up.type)) return false;
  }
  return ![...descendants(scope, model)].some((n) => n.startIndex >= loop.node.endIndex && n.type === 'identifier' && captured.includes(n.text));
}

/**
 * The loop's `var`s that only its callbacks fill, from values that are the same on every iteration
 * (`for (...) { var body = null; request.on('end', () => { body = JSON.parse(raw) }); all.then(() => use(body)) }`,
 * where `raw` and `request` do not change from one iteration to the next): the loop body itself only resets them to a
 * constant, and each assignment sits in a callback whose whole text, and the call it is handed to, reads no name the
 * loop changes (its own `var`s other than these, its `let`/`const` bindings, the loop variable). Whichever
 * iteration's callback runs last, every reader sees the same value, so there is no "value after the loop finished"
 * to see. A callback filled from the iteration's own data (`fetch(urls[i]).then((r) => { out = r })`) is not in it.
 */
function filledByCallbacksAlike(loop: LoopFacts, vars: ReadonlyMap<string, SyntaxNode>, model: FileModel): Set<string> {
  const loopBound = new Set<string>(vars.keys());
  const head = loop.node.type === 'for_statement' ? loop.node.childForFieldName('initializer') : null;
  if (head) for (const n of identifiersIn(head, model)) loopBound.add(n);
  if (loop.node.type === 'for_in_statement') for (const n of identifiersIn(loop.node.childForFieldName('left'), model)) loopBound.add(n);
  for (const d of descendants(loop.body, model, { skipFunctions: true })) {
    if (d.type === 'lexical_declaration') for (const v of d.namedChildren) if (v.type === 'variable_declarator') for (const n of identifiersIn(v.childForFieldName('name'), model)) loopBound.add(n);
  }
  const candidates = new Set<string>();
  for (const name of vars.keys()) {
    let ok = true;
    let declared = false;
    for (const d of descendants(loop.body, model, { skipFunctions: true })) {
      if (d.type === 'variable_declarator' && d.childForFieldName('name')?.text === name) {
        const value = d.childForFieldName('value');
        if (value && !CONSTANT_VALUES.has(value.type)) ok = false;
        declared = true;
      }
    }
    if (ok && declared) candidates.add(name);
  }
  // Where each candidate is written: outside a function of the loop body disqualifies it; inside one, the outermost
  // such function and the call it is an argument of must read nothing the loop changes.
  const writers = new Map<string, SyntaxNode[]>();
  for (const d of descendants(loop.node, model)) {
    const target = writtenTarget(d);
    if (!target || target.type !== 'identifier' || !candidates.has(target.text)) continue;
    let outer: SyntaxNode | null = null;
    for (let up = d.parent; up && up.id !== loop.body.id; up = up.parent) if (FUNCTION_TYPES.js.has(up.type)) outer = up;
    if (!outer || !outer.parent || outer.parent.type !== 'arguments') {
      candidates.delete(target.text);
      continue;
    }
    const call = outer.parent.parent;
    if (!call || (call.type !== 'call_expression' && call.type !== 'new_expression')) {
      candidates.delete(target.text);
      continue;
    }
    const list = writers.get(target.text) ?? [];
    list.push(call);
    writers.set(target.text, list);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const name of [...candidates]) {
      const varying = (n: SyntaxNode): boolean =>
        (n.type === 'identifier' || n.type === 'shorthand_property_identifier') && loopBound.has(n.text) && !candidates.has(n.text);
      if (!(writers.get(name) ?? []).every((call) => ![...descendants(call, model)].some(varying))) {
        candidates.delete(name);
        changed = true;
      }
    }
  }
  return candidates;
}

function varKeyword(declaration: SyntaxNode): SyntaxNode | undefined {
  return declaration.children.find((c) => c.type === 'var');
}

function jsDetections(loop: LoopFacts, source: string, model: FileModel): Detection[] {
  // `keys.forEach((key) => { var task = ...; later(() => task) })`: the body is a function, called once per item, so
  // its `var`s are bound afresh on every call (function scope), unlike a `for` body's. So is a function that
  // schedules itself again (`function run(n) { var t = setTimeout(...); ... setTimeout(() => run(n + 1), d) }`):
  // each round is a new call.
  // A `setInterval` callback too: a `var` declared in it belongs to that call (`setInterval(function () { var ds =
  // find(); if (ds) { ready(() => use(ds)); clearInterval(t) } }, 10)`), each tick binds its own.
  if (loop.kind === 'callback-iteration' || loop.kind === 'timeout-recursion' || loop.kind === 'interval') return [];
  const vars = new Map<string, SyntaxNode>();
  const node = loop.node;
  const init = node.type === 'for_statement' ? node.childForFieldName('initializer') : null;
  if (init?.type === 'variable_declaration') {
    for (const d of init.namedChildren) if (d.type === 'variable_declarator') vars.set(d.childForFieldName('name')?.text ?? '', init);
  }
  if (node.type === 'for_in_statement') {
    const kind = node.childForFieldName('kind');
    const left = node.childForFieldName('left');
    if (kind?.text === 'var' && left?.type === 'identifier') vars.set(left.text, kind);
  }
  for (const d of descendants(loop.body, model, { skipFunctions: true, skipLoops: true })) {
    if (d.type === 'variable_declaration') for (const v of d.namedChildren) if (v.type === 'variable_declarator') vars.set(v.childForFieldName('name')?.text ?? '', d);
  }
  vars.delete('');
  if (vars.size === 0) return [];
  const out: Detection[] = [];
  const reported = new Set<string>();
  let assigned: Set<string> | undefined;
  let alike: Set<string> | undefined;
  for (const closure of descendants(loop.body, model)) {
    if (closure.type !== 'arrow_function' && closure.type !== 'function_expression' && closure.type !== 'function') continue;
    // `(() => use(i))()` / `(function () { ... })()` / `.call(this)`: runs now, with this iteration's value.
    if (isImmediatelyInvoked(closure)) continue;
    const params = closure.childForFieldName('parameters') ?? closure.childForFieldName('parameter');
    const paramNames = params ? identifiersIn(params, model) : new Set<string>();
    const body = closure.childForFieldName('body');
    if (!body) continue;
    const used = loopBindingsRead(closure, vars, loop.body, model);
    let captured = [...vars.keys()].filter((v) => used.has(v) && !paramNames.has(v) && !reported.has(v) && !sameOnEveryIteration(v, loop, vars, (assigned ??= assignedInLoop(loop, model)), model));
    if (captured.length === 0 || !(isDeferred(closure, model) || collectedByArrayCallback(closure))) continue;
    captured = captured.filter((v) => !(alike ??= filledByCallbacksAlike(loop, vars, model)).has(v));
    if (captured.length === 0) continue;
    if (madeOnTheWayOut(closure, loop, captured, model)) continue;
    for (const v of captured) reported.add(v);
    // `let` is only a drop-in when nothing after the loop reads the variable.
    const scope = enclosingFunction(node, 'js') ?? rootOf(node);
    const usedAfter = [...descendants(scope, model)].some((n) => n.startIndex >= node.endIndex && n.type === 'identifier' && captured.includes(n.text));
    const edits: TextEdit[] = [];
    for (const v of captured) {
      const decl = vars.get(v)!;
      const keyword = decl.type === 'var' ? decl : varKeyword(decl);
      if (keyword && !edits.some((e) => e.start === keyword.startIndex)) edits.push({ start: keyword.startIndex, end: keyword.endIndex, text: 'let' });
    }
    const fix =
      !usedAfter && edits.length > 0
        ? replaceFix(rewriteLines(source, edits), { description: 'var → let', safety: 'safe', language: fenceLanguage(loop.language) })
        : blockFix(`for (let ${captured[0]} = 0; /* ... */) {\n  // a fresh binding per iteration: the callback sees this iteration's value\n}\n`, { startLine: loop.startLine, endLine: loop.endLine }, {
            description: 'var → let',
            safety: 'unsafe',
            language: fenceLanguage(loop.language),
          });
    out.push({ loop, line: lineOf(closure), span: { startLine: lineOf(closure), endLine: endLineOf(closure) }, variant: 'var', data: { variable: captured.join(', ') }, confidence: 'high', fix });
  }
  return out;
}

export const detectLoopClosureCapture: Detector = (loop, ctx) => {
  if (loop.language === 'go') return detectGoClosureCapture(loop, ctx);
  return familyOf(loop.language) === 'python' ? pythonDetections(loop, ctx.file.source, ctx.model) : jsDetections(loop, ctx.file.source, ctx.model);
};
