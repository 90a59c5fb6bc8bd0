// A path through an endless loop that neither sleeps nor blocks: `continue` when a non-blocking pop finds nothing,
// a poll whose empty result falls straight back to the top, or `while not done: pass`. Each spins one core at
// 100 % while there is no work. A blocking pop with a timeout, an event wait or any sleep on the path is a wait;
// a call coze-loop cannot classify on the path keeps the rule quiet.
import type { FileModel } from '../../model.js';
import type { Detection, Detector, RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { blockFix, dedentText, fenceLanguage, replaceFix, rewriteLines } from '../../../fixes/lines.js';
import { guardedWorkerTemplate } from '../../../fixes/templates.js';
import {
  argumentsOf,
  conditionWrites,
  contains,
  descendants,
  displayCallee,
  enclosingClass,
  enclosingHandler,
  type Family,
  familyOf,
  isBlockingWait,
  isCall,
  isLoopStatement,
  lineOf,
  returnsImmediately,
  rootOf,
  runFlagCondition,
  statementsOf,
  type TreeCall,
  treeCalls,
  triesAround,
  tryParts,
  workerStepBody,
} from '../lib/index.js';
import { busyWaitCost } from './cost.js';
import { isInfiniteHeader, loopExits } from './shape.js';
import { isEmptyHandler } from './guard.js';
import { outerNamesUsed, workerName, workerPurpose } from './worker-name.js';
import { headThenTailOnLine } from '../../../core/linear-text.js';
import { detectBraceBusyWait } from './brace-busy-wait.js';
import { endsByDrainException } from './overlap.js';

function ownContinues(body: SyntaxNode, model: FileModel): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const node of descendants(body, model, { skipFunctions: true, skipLoops: true })) if (node.type === 'continue_statement') out.push(node);
  return out;
}


/** Nodes whose calls run before `target` on its path from the top of the body (earlier siblings and conditions). */
function pathNodes(target: SyntaxNode, body: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  let child = target;
  let current = target.parent;
  while (current) {
    for (const sibling of current.namedChildren) {
      if (sibling.startIndex >= child.startIndex) break;
      // Earlier statements in a block run; in an if-chain only the conditions of the branches passed over run.
      if (current.type === 'block' || current.type === 'statement_block' || current.type === 'module') out.push(sibling);
      else if (current.type === 'if_statement' || current.type === 'elif_clause' || current.type === 'while_statement') {
        const condition = current.childForFieldName('condition');
        if (condition && sibling.id === condition.id) out.push(sibling);
        if (sibling.type === 'elif_clause') {
          const elifCondition = sibling.childForFieldName('condition');
          if (elifCondition) out.push(elifCondition);
        }
      } else if (current.type === 'try_statement') out.push(sibling);
      else if (current.type !== 'else_clause' && current.type !== 'except_clause' && current.type !== 'catch_clause') out.push(sibling);
    }
    if (current.id === body.id) break;
    child = current;
    current = current.parent;
  }
  return out;
}

function callsUnder(nodes: SyntaxNode[], calls: TreeCall[]): TreeCall[] {
  return calls.filter((call) => nodes.some((n) => contains(n, call.node)));
}

/**
 * `s = pool.pop(0)` … `if s.tries > limit: continue`: a list or deque `pop` raises when there is nothing to take, so a
 * `continue` after it (outside its handler) skips the item it took and the next round takes the next one. The loop
 * works through a collection; it is not waiting for anything. (A queue pop that returns `None` when empty is a
 * `queue-pop` and stays a poll.)
 */
function takesFromLocalCollection(path: TreeCall[], family: Family): boolean {
  return family === 'python' && path.some((c) => (c.method === 'pop' || c.method === 'popleft') && c.receiver !== undefined && !c.kinds.includes('queue-pop'));
}

/**
 * `c = str[i++]; if (c === '}') { pop(stack.pop(), stack); continue; }` in a parser: a JavaScript loop with no `await`
 * or `yield` of its own runs to its end before any other code of the process can, so a pop or check of in-process
 * state on its `continue` path cannot find something another party put there since the last round. The loop works
 * through its own data (a stack, a cursor); whatever it is, it is not waiting for work. A poll of another process
 * (a Redis `lpop`, a request) has to be awaited to be read and keeps the finding.
 */
function synchronousOverOwnData(path: TreeCall[], loop: LoopFacts, model: FileModel, family: Family): boolean {
  if (family !== 'js') return false;
  if (loop.node.children.some((c) => c.type === 'await')) return false;
  if (descendants(loop.node, model, { skipFunctions: true }).some((n) => SUSPENDS.includes(n.type))) return false;
  return path.every((c) => !c.kinds.some((k) => k === 'http' || k === 'db-read' || k === 'queue-pop'));
}

/**
 * `used_len += data_len` on the way to `continue`, and `if used_len >= len(data): return` leaves the loop: each round
 * moves a cursor through finite input (a frame parser skipping a frame it does not want), so the next round looks at
 * the next part, and the loop ends with the input. It is not waiting for anything.
 */
function advancesCursorToExit(path: SyntaxNode[], exits: ReturnType<typeof loopExits>): boolean {
  const moved = pathSteps(path);
  if (moved.size === 0) return false;
  return [...exits.returns, ...exits.breaks].some((exit) => {
    for (let up = exit.parent; up; up = up.parent) {
      if (up.type !== 'if_statement' && up.type !== 'elif_clause') continue;
      const condition = up.childForFieldName('condition');
      return condition !== null && condition.descendantsOfType('identifier').some((id) => moved.has(id.text));
    }
    return false;
  });
}

/**
 * `alpha -= 2 * math.pi; continue` after a search whose only call is `len(checkpoints)` on a list the function built:
 * every call on the way back is a bare function (no receiver, no known I/O) of the function's own locals, which no
 * other thread can change, and the path moves a variable from its own value. Each round computes from new state; the
 * loop is a search, not a wait for something outside it.
 */
function computesOverLocals(path: TreeCall[], nodes: SyntaxNode[], loop: LoopFacts, family: Family): boolean {
  if (family !== 'python' || pathSteps(nodes).size === 0) return false;
  let fn: SyntaxNode | null = loop.node.parent;
  while (fn && fn.type !== 'function_definition') fn = fn.parent;
  if (!fn) return false;
  const params = new Set(fn.childForFieldName('parameters')?.descendantsOfType('identifier').map((n) => n.text) ?? []);
  const shared = new Set(fn.descendantsOfType(SHARING).flatMap((d) => d.descendantsOfType('identifier').map((n) => n.text)));
  const locals = new Set(fn.descendantsOfType('assignment').map((a) => a.childForFieldName('left')).filter((l): l is SyntaxNode => l?.type === 'identifier').map((l) => l.text));
  const own = (name: string) => locals.has(name) && !params.has(name) && !shared.has(name);
  // A local, a field of one (`isinstance(call.callee, RefExpr)` walking a syntax tree), or a class name the function
  // never assigns (the type an `isinstance` tests against).
  const ownValue = (arg: SyntaxNode): boolean => {
    if (arg.type === 'identifier') return own(arg.text) || (/^[A-Z][A-Za-z0-9]*$/.test(arg.text) && !locals.has(arg.text) && !params.has(arg.text) && !shared.has(arg.text));
    let root: SyntaxNode | null = arg;
    while (root?.type === 'attribute') root = root.childForFieldName('object');
    return arg.type === 'attribute' && root?.type === 'identifier' && own(root.text);
  };
  return path.every((call) => {
    const args = call.node.childForFieldName('arguments');
    if (call.receiver !== undefined || call.kinds.length > 0 || !args || args.namedChildren.length === 0) return false;
    return args.namedChildren.every(ownValue);
  });
}

/**
 * Python: the way back round awaits an object, not a call (`await clock_edge`, `await self._ready`): a trigger, event
 * or future built once and awaited every round suspends the coroutine until it fires (a simulation's next clock
 * edge), so the `continue` after it does not spin. An awaited call (`await asyncio.sleep(0)`, `await q.get_nowait()`)
 * is judged as a call.
 */
function awaitsObject(nodes: SyntaxNode[]): boolean {
  return nodes.some((node) => [node, ...node.descendantsOfType('await')].some((a) => a.type === 'await' && ['identifier', 'attribute'].includes(a.namedChildren[0]?.type ?? '')));
}

function pathSpins(path: TreeCall[], model: FileModel): boolean {
  return path.every((call) => returnsImmediately(call, model));
}

function nonBlockingGetFix(path: TreeCall[], ctx: RuleContext, loop: LoopFacts): ReturnType<typeof replaceFix> | undefined {
  if (loop.language !== 'python') return undefined;
  const getCall = path.find((c) => c.method === 'get_nowait' || (c.method === 'get' && argumentsOf(c.node).keywords.get('block')?.type === 'false'));
  if (!getCall || !getCall.receiver) return undefined;
  const args = getCall.node.childForFieldName('arguments');
  if (!args) return undefined;
  const fn = getCall.node.childForFieldName('function')!;
  const rewrite = rewriteLines(ctx.file.source, [{ start: fn.startIndex, end: args.endIndex, text: `${getCall.receiver}.get(timeout=1.0)` }]);
  return replaceFix(rewrite, { description: `${getCall.receiver}.get(timeout=1.0)`, safety: 'safe', language: 'python' });
}

function idleSleepBlock(loop: LoopFacts, ctx: RuleContext, target: SyntaxNode): string {
  const family = familyOf(loop.language);
  const source = ctx.file.source;
  const start = loop.node.startIndex;
  const indent = ' '.repeat(target.startPosition.column);
  if (family === 'python') {
    const sleep = loop.inAsyncFunction ? 'await asyncio.sleep(IDLE_SLEEP_SECONDS)' : 'time.sleep(IDLE_SLEEP_SECONDS)';
    const loopText = source.slice(start, target.startIndex) + `${sleep}\n${indent}` + source.slice(target.startIndex, loop.node.endIndex);
    return `${loop.inAsyncFunction ? 'import asyncio' : 'import time'}\n\nIDLE_SLEEP_SECONDS = 1.0\n\n${dedentText(' '.repeat(loop.node.startPosition.column) + loopText)}\n`;
  }
  const loopText = source.slice(start, target.startIndex) + `await sleep(IDLE_SLEEP_MS);\n${indent}` + source.slice(target.startIndex, loop.node.endIndex);
  return `import { setTimeout as sleep } from 'node:timers/promises';\n\nconst IDLE_SLEEP_MS = 1000;\n\n${dedentText(' '.repeat(loop.node.startPosition.column) + loopText)}\n`;
}

/**
 * `while not (a < b < c): pass` over the function's own parameters and locals: no other thread can change them (no
 * attribute, item or call to read shared state through, no `global`/`nonlocal` that would share the name), so the
 * loop never waits for anything: it either never runs or never ends. Code like this is fed to `dis` or `compile`
 * in tests, not run; whatever it is, it is not a busy wait on a flag.
 */
function onlyPrivateLocals(condition: SyntaxNode, loop: LoopFacts): boolean {
  if (condition.descendantsOfType(SHARED_READS).length > 0) return false;
  const names = condition.descendantsOfType('identifier').map((n) => n.text);
  if (names.length === 0) return false;
  let fn: SyntaxNode | null = loop.node.parent;
  while (fn && fn.type !== 'function_definition') fn = fn.parent;
  if (!fn) return false;
  const params = new Set(fn.childForFieldName('parameters')?.descendantsOfType('identifier').map((n) => n.text) ?? []);
  if (!names.every((n) => params.has(n))) return false;
  let root: SyntaxNode = fn;
  while (root.parent) root = root.parent;
  const shared = new Set(root.descendantsOfType(SHARING).flatMap((d) => d.descendantsOfType('identifier').map((n) => n.text)));
  return !names.some((n) => shared.has(n));
}
/**
 * `while (!token) {}` where every name of the test is a `const` of the file (`const token = randomBytes(64)
 * .toString('hex')`), with no member, element or call to read changing state through: a `const` is bound once, so
 * nothing can flip the test while the loop waits, and the loop either never runs or never ends. Not a wait on a
 * flag, whatever it is (the JavaScript twin of `onlyPrivateLocals`). A `let` or `var`, or a field of a `const`
 * object (`while (!state.ready)`), can change and still fires.
 */
function onlyConstants(condition: SyntaxNode): boolean {
  if (condition.descendantsOfType(['member_expression', 'subscript_expression', 'call_expression', 'await_expression', 'new_expression']).length > 0) return false;
  const names = new Set(condition.descendantsOfType('identifier').map((n) => n.text));
  if (names.size === 0) return false;
  const root = rootOf(condition);
  const bindings = (name: string) =>
    root.descendantsOfType('identifier').filter((id) => id.text === name && id.parent !== null && isBinding(id));
  return [...names].every((name) => {
    const bound = bindings(name);
    return bound.length === 1 && bound[0]!.parent!.type === 'variable_declarator' && bound[0]!.parent!.parent?.type === 'lexical_declaration' && bound[0]!.parent!.parent.children[0]?.text === 'const';
  });
}

/** An identifier that binds its name: a declarator's name, a parameter, a function or class name, a catch or import binding. */
function isBinding(id: SyntaxNode): boolean {
  const parent = id.parent!;
  if (parent.type === 'variable_declarator') return parent.childForFieldName('name')?.id === id.id;
  if (['function_declaration', 'function_expression', 'class_declaration', 'generator_function_declaration'].includes(parent.type)) return parent.childForFieldName('name')?.id === id.id;
  if (parent.type === 'catch_clause' || parent.type === 'arrow_function') return parent.childForFieldName('parameter')?.id === id.id;
  return ['formal_parameters', 'required_parameter', 'optional_parameter', 'import_specifier', 'import_clause', 'namespace_import', 'assignment_pattern', 'array_pattern', 'rest_pattern'].includes(parent.type);
}
const SHARED_READS: readonly string[] = ['attribute', 'subscript', 'call', 'await'];
const SUSPENDS: readonly string[] = ['yield', 'await', 'yield_expression', 'await_expression'];

/** Expressions that move a variable on a path (`i++`, `buf[i] += 1`, `node = node.next`). */
const PATH_UPDATES: readonly string[] = ['update_expression', 'augmented_assignment_expression', 'augmented_assignment', 'assignment_expression', 'assignment'];

/**
 * The plain names a path moves from their own value (`used_len += n`, `node = node.next`), also through a local the
 * path took from it (`inner = call.callee.expr` ... `call = inner`).
 */
function pathSteps(path: SyntaxNode[]): Set<string> {
  const names = new Set<string>();
  const updates = path.flatMap((node) => [node, ...node.descendantsOfType(PATH_UPDATES)]).filter((u) => PATH_UPDATES.includes(u.type));
  // Names each plain assignment of the path read: `inner = call.callee.expr` took `inner` from `call`.
  const takenFrom = new Map<string, Set<string>>();
  for (const update of updates) {
    const target = update.childForFieldName('left');
    const right = update.childForFieldName('right');
    if ((update.type !== 'assignment' && update.type !== 'assignment_expression') || target?.type !== 'identifier' || !right) continue;
    const read = takenFrom.get(target.text) ?? new Set<string>();
    for (const id of right.descendantsOfType('identifier')) read.add(id.text);
    if (right.type === 'identifier') read.add(right.text);
    takenFrom.set(target.text, read);
  }
  for (const update of updates) {
    const target = update.childForFieldName('left') ?? update.childForFieldName('argument');
    if (target?.type !== 'identifier') continue;
    if (update.type === 'assignment_expression' || update.type === 'assignment') {
      const right = update.childForFieldName('right');
      const name = target.text;
      if (!right) continue;
      const read = right.type === 'identifier' ? [right.text] : right.descendantsOfType('identifier').map((id) => id.text);
      if (right.text !== name && !read.some((id) => id === name || (id !== name && takenFrom.get(id)?.has(name) === true))) continue;
    }
    names.add(target.text);
  }
  return names;
}

/**
 * `if isinstance(call.callee, RefExpr): ... elif isinstance(inner, CallExpr): call = inner; continue`: the way back
 * round moves a name that the checks on it read, so the next round checks the next link of a chain (or the next part
 * of the input). With no I/O on the way, the loop walks a structure; it is not waiting for anything (Python).
 */
function walksWhatItChecks(path: TreeCall[], nodes: SyntaxNode[], family: Family): boolean {
  if (family !== 'python' || path.some((call) => call.kinds.length > 0)) return false;
  const moved = pathSteps(nodes);
  if (moved.size === 0) return false;
  if (path.some((call) => call.node.descendantsOfType('identifier').some((id) => moved.has(id.text)))) return true;
  // `c = buf[i]; i += 1; if c == "\0": ... done.append(current); continue`: each round reads the next element of
  // the data at an index the round moves, so it scans the data towards its end; it is not polling. An index that
  // wraps round (`slots[i % n]`) visits the same places again and does not count.
  return nodes.some((n) => [n, ...n.descendantsOfType('subscript')].some((s) => s.type === 'subscript' && !isAssignedTo(s) && s.childrenForFieldName('subscript').some((i) => movingIndex(i, moved))));
}

/** `i`, `i + 1`, `pos - 2`: an index that is a moved name, offset by a constant at most. */
function movingIndex(index: SyntaxNode, moved: Set<string>): boolean {
  if (index.type === 'identifier') return moved.has(index.text);
  if (index.type !== 'binary_operator' || !/^[^%]*$/.test(index.text)) return false;
  const operator = index.childForFieldName('operator')?.text;
  const left = index.childForFieldName('left');
  const right = index.childForFieldName('right');
  return (operator === '+' || operator === '-') && left?.type === 'identifier' && moved.has(left.text) && right?.type === 'integer';
}

/** The subscript is (part of) the target of an assignment: a store, not a read. */
function isAssignedTo(node: SyntaxNode): boolean {
  const parent = node.parent;
  return (parent?.type === 'assignment' || parent?.type === 'augmented_assignment') && parent.childForFieldName('left')?.id === node.id;
}
const SHARING: readonly string[] = ['global_statement', 'nonlocal_statement'];

/**
 * `while True: if not queue: break` ... `try: job = queue.popleft() except IndexError: continue` (a consumer thread
 * over a deque another consumer also drains): the loop's first statement leaves when the collection the take found
 * empty is empty, so the `continue` after an empty take goes back to a test that ends the loop (or, when another
 * party put an item in between, takes it). It goes round at most once more; it does not spin (Python).
 */
function exitsWhenEmptied(path: TreeCall[], loop: LoopFacts): boolean {
  const first = loop.body.namedChildren.find((s) => s.type !== 'comment');
  if (first?.type !== 'if_statement') return false;
  const condition = first.childForFieldName('condition')?.text.replace(/\s+/g, '');
  const leaves = (first.childForFieldName('consequence')?.namedChildren ?? []).filter((s) => s.type !== 'comment').pop();
  if (!condition || (leaves?.type !== 'break_statement' && leaves?.type !== 'return_statement')) return false;
  return path.some((call) => {
    const r = call.receiver;
    if (r === undefined) return false;
    return [`not${r}`, `not(${r})`, `notlen(${r})`, `len(${r})==0`, `len(${r})<1`, `${r}.empty()`].includes(condition);
  });
}

/** `event is None`, `rc == -1`, `msg is False`: a test of a name against one constant value. */
const SENTINEL_TEST = /^([\w.]+)\s*(?:is|==)\s*(None|False|True|-?\d+|""|''|b""|b'')$/;

/**
 * `event = self._win.poll()`, `if event is False: break`, `if event is None: continue`: the poll has two answers
 * that are not work, and the loop leaves on one of them. That one is the empty queue; the `continue` on the other
 * value goes on to the next queued event (one the pump consumed but does not translate), so it drains, it does not
 * spin. Only when the result is assigned from a call in the loop and both tests compare it with a constant (Python).
 */
function emptyValueLeaves(cont: SyntaxNode, loop: LoopFacts): boolean {
  let test: SyntaxNode | undefined;
  for (let n = cont.parent; n && n.id !== loop.body.id; n = n.parent) {
    if (n.type === 'if_statement') {
      test = n;
      break;
    }
  }
  const mine = SENTINEL_TEST.exec(test?.childForFieldName('condition')?.text.trim() ?? '');
  const then = test?.childForFieldName('consequence');
  if (!test || !mine || !then || cont.startIndex < then.startIndex || cont.endIndex > then.endIndex) return false;
  const [, name, value] = mine;
  const assigned = loop.body.descendantsOfType('assignment').some((a) => a.childForFieldName('left')?.text === name && a.childForFieldName('right')?.type === 'call');
  if (!assigned) return false;
  return loop.body.descendantsOfType('if_statement').some((other) => {
    if (other.id === test!.id) return false;
    const theirs = SENTINEL_TEST.exec(other.childForFieldName('condition')?.text.trim() ?? '');
    if (!theirs || theirs[1] !== name || theirs[2] === value) return false;
    const last = (other.childForFieldName('consequence')?.namedChildren ?? []).filter((s) => s.type !== 'comment').pop();
    return last?.type === 'break_statement' || last?.type === 'return_statement' || last?.type === 'raise_statement';
  });
}

/** `row is None`, `not row`, `row == None`, `len(rows) == 0`: a test that a name holds nothing. */
const NOTHING_TEST = /^(?:not\s+([\w.]+)|([\w.]+)\s*(?:is|==)\s*None|not\s+len\(([\w.]+)\)|len\(([\w.]+)\)\s*(?:==\s*0|<\s*1))$/;

/**
 * `row = cur.fetchone()`, `if row is None: break`, then `if rowcount != 1: continue` after a compare-and-set update
 * another worker won (a job claimed by someone else, a file another thread started uploading): the loop leaves on a
 * statement of its own body, before the `continue`, when the take found nothing, so the `continue` comes only after a
 * real item; the next round asks for the next one. A loop that drains until empty, not a poll that spins on nothing.
 * The take is a call assigned to the tested name in the round (`fileID = row[0]` in a `for row in cur.execute(...)`
 * counts), and the `continue`'s own block calls nothing on what it took from (`q.put(job); continue` puts the item
 * back and takes it again at once: a spin on an item that is not ready). Python.
 */
function leavesWhenTakeEmpty(cont: SyntaxNode, loop: LoopFacts): boolean {
  const body = loop.body;
  let top: SyntaxNode | null = cont;
  while (top && top.parent?.id !== body.id) top = top.parent;
  if (!top || top.id === cont.id) return false;
  const block = cont.parent;
  const receiver = (call: SyntaxNode) => {
    const fn = call.childForFieldName('function');
    return fn?.type === 'attribute' ? (fn.childForFieldName('object')?.text ?? '') : '';
  };
  const earlier = body.namedChildren.filter((s) => s.endIndex <= top!.startIndex);
  const ends = (b: SyntaxNode | null | undefined) => {
    const last = (b?.namedChildren ?? []).filter((s) => s.type !== 'comment').pop();
    return last?.type === 'break_statement' || last?.type === 'return_statement' || last?.type === 'raise_statement';
  };
  // The `continue`'s block calls something on the object the item came from (`jobs.put_nowait(job)` after
  // `jobs.get_nowait()`): it gives the item back.
  const putsBack = (takes: SyntaxNode[]) => {
    const sources = new Set(takes.map(receiver).filter((r) => r !== ''));
    return (block?.descendantsOfType('call') ?? []).some((c) => sources.has(receiver(c)));
  };
  const takenInto = (name: string, before: SyntaxNode) =>
    earlier.some((s) =>
      s.endIndex <= before.startIndex &&
      [s, ...s.descendantsOfType('assignment')].some((a) => {
        if (a.type !== 'assignment' || a.childForFieldName('left')?.text !== name) return false;
        const right = a.childForFieldName('right');
        const calls = right ? [right, ...right.descendantsOfType('call')].filter((c) => c.type === 'call') : [];
        // `for row in cur.execute(...): fileID = row[0]`
        for (let up = a.parent; up && up.id !== body.id; up = up.parent) {
          if (up.type === 'for_statement' && up.childForFieldName('right')?.type === 'call') calls.push(up.childForFieldName('right')!);
        }
        return calls.length > 0 && !putsBack(calls);
      }),
    );
  const tested = (s: SyntaxNode | null | undefined) => {
    const m = NOTHING_TEST.exec(s?.childForFieldName('condition')?.text.trim() ?? '');
    return m ? (m[1] ?? m[2] ?? m[3] ?? m[4]) : undefined;
  };
  // `if not running: break` ... `msg = r.lpop(k)`, `if msg is None: continue`: the `continue` tests another take for
  // nothing, the spin this rule is for. Only a test of the same name (the claim re-read to see who won) or a test of
  // something else (`rowcount != 1`, `item == 'skip'`) follows a real item.
  let own: SyntaxNode | null = cont.parent;
  while (own && own.id !== body.id && own.type !== 'if_statement') own = own.parent;
  const contTest = own?.type === 'if_statement' ? tested(own) : undefined;
  return earlier.some((s) => {
    // `try: item = q.get_nowait()` / `except queue.Empty: break`, then `if item == SKIP: continue`.
    if (s.type === 'try_statement') {
      const { body: tryBody, handlers } = tryParts(s);
      if (!tryBody || !handlers.some((h) => h.type === 'except_clause' && ends(h.namedChildren.find((c) => c.type === 'block')))) return false;
      const takes = tryBody.namedChildren
        .map((t) => (t.type === 'expression_statement' && t.namedChildren[0]?.type === 'assignment' ? t.namedChildren[0] : undefined))
        .filter((a): a is SyntaxNode => a !== undefined && a.childForFieldName('right')?.type === 'call');
      const taken = takes.map((a) => a.childForFieldName('left')?.text ?? '');
      return taken.length > 0 && (contTest === undefined || taken.includes(contTest)) && !putsBack(takes.map((a) => a.childForFieldName('right')!));
    }
    if (s.type !== 'if_statement' || !ends(s.childForFieldName('consequence'))) return false;
    const name = tested(s);
    return name !== undefined && (contTest === undefined || contTest === name) && takenInto(name, s);
  });
}

/** The text of a write target: `n` or a field path `self.max_len` (not an item, not a tuple). */
function writtenTargets(nodes: SyntaxNode[]): Set<string> {
  const out = new Set<string>();
  for (const node of nodes) {
    for (const w of [node, ...node.descendantsOfType(['assignment', 'augmented_assignment'])]) {
      if (w.type !== 'assignment' && w.type !== 'augmented_assignment') continue;
      const left = w.childForFieldName('left');
      if (left && (left.type === 'identifier' || (left.type === 'attribute' && /^[\w.]+$/.test(left.text)))) out.add(left.text);
    }
  }
  return out;
}

/**
 * `if rsp.code == CANT_RETURN_THAT_MANY: self.max_len -= 1; continue` where the round starts with
 * `req.length = self.max_len` and sends `req`: the way back round changes a value (a name or a field) that the call on
 * the path sends, as an argument or through an object the loop fills from it before the call. The next round asks
 * for something different (a size negotiation walking down to what the other side accepts); it is not a poll that
 * asks the same question again at once (Python).
 */
function changesItsRequest(cont: SyntaxNode, path: TreeCall[], loop: LoopFacts): boolean {
  const block = cont.parent;
  if (!block) return false;
  const before = block.namedChildren.filter((s) => s.endIndex <= cont.startIndex);
  const changed = writtenTargets(before);
  if (changed.size === 0) return false;
  const reads = (node: SyntaxNode | null | undefined, name: string) =>
    node !== null && node !== undefined && [node, ...node.descendantsOfType(['identifier', 'attribute'])].some((n) => n.text === name);
  return path.some((call) => {
    if (call.node.startIndex >= block.startIndex && call.node.endIndex <= block.endIndex) return false;
    const args = call.node.childForFieldName('arguments');
    if (!args) return false;
    for (const name of changed) {
      if (reads(args, name)) return true;
      // `req.length = self.max_len` earlier in the round, then `send(req)`.
      const fills = loop.body.descendantsOfType('assignment').filter((a) => a.endIndex <= call.node.startIndex && !(a.startIndex >= block.startIndex && a.endIndex <= block.endIndex) && reads(a.childForFieldName('right'), name));
      for (const fill of fills) {
        let root = fill.childForFieldName('left');
        while (root?.type === 'attribute' || root?.type === 'subscript') root = root.childForFieldName(root.type === 'attribute' ? 'object' : 'value');
        if (root?.type === 'identifier' && reads(args, root.text)) return true;
      }
    }
    return false;
  });
}

/**
 * Python: `while self.error != 0: continue` where the class defines `error` as a `@property` whose body calls
 * something, or binds it in the class body to a call's result (`error = Instrument.measurement("TE?")`, a
 * descriptor): reading the attribute runs that code (an instrument query that blocks on its reply), so each test
 * waits and may change what the next one sees; it is a poll of its own, not a look at a flag another thread flips.
 */
function readsComputedAttribute(condition: SyntaxNode, loop: LoopFacts): boolean {
  const cls = enclosingClass(loop.node);
  const body = cls?.childForFieldName('body');
  if (!body) return false;
  const reads = [condition, ...condition.descendantsOfType('attribute')].filter(
    (a) => a.type === 'attribute' && a.childForFieldName('object')?.text === 'self' && !(a.parent?.type === 'call' && a.parent.childForFieldName('function')?.id === a.id),
  );
  const names = new Set(reads.map((a) => a.childForFieldName('attribute')?.text ?? ''));
  for (const statement of body.namedChildren) {
    if (statement.type === 'expression_statement') {
      const assignment = statement.namedChildren[0];
      const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : null;
      if (left?.type === 'identifier' && names.has(left.text) && assignment!.childForFieldName('right')?.type === 'call') return true;
    } else if (statement.type === 'decorated_definition') {
      const definition = statement.childForFieldName('definition');
      const name = definition?.childForFieldName('name')?.text ?? '';
      const isProperty = statement.namedChildren.some((d) => d.type === 'decorator' && /^@(?:\w+\.)*property$/.test(d.text.trim()));
      if (isProperty && names.has(name) && (definition?.childForFieldName('body')?.descendantsOfType('call').length ?? 0) > 0) return true;
    }
  }
  return false;
}

function spinOnFlag(loop: LoopFacts, ctx: RuleContext, family: Family): Detection | null {
  const { model } = ctx;
  if (loop.node.type !== 'while_statement' || isInfiniteHeader(loop)) return null;
  const statements = statementsOf(loop.body);
  const trivial = statements.every((s) => s.type === 'pass_statement' || s.type === 'continue_statement' || s.type === 'empty_statement');
  if (!trivial) return null;
  const condition = loop.node.childForFieldName('condition');
  if (!condition) return null;
  // `while not (yield WAIT_R): continue` in a generator hands control back to its driver on every test: the driver
  // waits (select, an event loop), so the loop suspends rather than spins. An `await` in the test does the same.
  if (condition.type === 'yield' || condition.descendantsOfType(SUSPENDS).length > 0) return null;
  // `treeCalls` walks below its root, and a Python condition is often the call itself.
  const calls = [...(isCall(condition, family) ? [ctx.model.call(condition)] : []), ...treeCalls(condition, ctx.model, { skipFunctions: true })];
  if (calls.some((c) => isBlockingWait(c, model))) return null;
  // `while f.read(n): pass` or `while (it.next().value)` does its work in the condition (drains, skips): only a
  // condition that merely *looks* at state (a flag, `poll()`, `done()`, `is_set()`: `roles.state_probe` of
  // rules/apis/*.yml) spins.
  if (calls.some((c) => !ctx.kb.hasRole?.(loop.language, c.method, 'state_probe'))) return null;
  // `while (buf[i++] && i < n) {}` or `while ((m = re.exec(s))) {}`: the condition itself moves (a scan to a
  // terminator), it does not wait for someone else to flip the state.
  if (conditionWrites(condition)) return null;
  if (family === 'python' && onlyPrivateLocals(condition, loop)) return null;
  if (family === 'python' && readsComputedAttribute(condition, loop)) return null;
  if (family === 'js' && onlyConstants(condition)) return null;
  return {
    loop,
    line: lineOf(loop.node),
    variant: 'spin',
    data: { condition: condition.text.replace(/^\((.*)\)$/s, '$1') },
    confidence: 'high',
    cost: busyWaitCost(ctx.config.cost, ctx.locale),
    fix: blockFix(
      family === 'python'
        ? 'import threading\n\ndone = threading.Event()  # set by the producer: done.set()\n\ndone.wait()\n'
        : "import { once } from 'node:events';\n\n// the producer emits 'done' instead of flipping a flag\nawait once(emitter, 'done');\n",
      { startLine: loop.startLine, endLine: loop.endLine },
      { description: 'wait on an event', safety: 'unsafe', language: fenceLanguage(loop.language) },
    ),
  };
}

/** `const { Messages = [] } = await sqs.send(...)` / `const { rows: jobs } = ...`: the local names bound. */
function destructuredNames(text: string): string[] {
  const pattern = /^(?:const|let|var)\s*\{([^}]*)\}\s*=/.exec(text)?.[1];
  if (!pattern) return [];
  return pattern
    .split(',')
    .map((part) => part.split('=')[0]!.split(':').pop()!.trim())
    .filter((name) => /^[A-Za-z_$][\w$]*$/.test(name));
}

/** A condition that holds when the poll found work (`job`, `job is not None`, `jobs`, `len(jobs) > 0`, `if (job)`). */
export function isWorkCondition(condition: string, names: string[]): boolean {
  const text = condition.replace(/^\((.*)\)$/s, '$1').trim();
  if (/^(not\b|!)/.test(text) || /is None|== *None|=== *(null|undefined)|== *null|\.length *=== *0/.test(text) || headThenTailOnLine(text, 'len(', /\) *== *0/)) return false;
  return names.some((name) => new RegExp(`\\b${name.replace(/[.$]/g, '\\$&')}\\b`).test(text));
}

function fallThrough(loop: LoopFacts, ctx: RuleContext, family: Family, calls: TreeCall[]): Detection | null {
  const { model } = ctx;
  if (calls.some((c) => isBlockingWait(c, model))) return null;
  const statements = statementsOf(loop.body);
  const polls: { call: TreeCall; name?: string }[] = [];
  const names: string[] = [];
  for (const statement of statements) {
    if (statement.type === 'if_statement' || isLoopStatement(statement, family) || statement.type === 'try_statement' || statement.type === 'with_statement') continue;
    const inStatement = calls.filter((c) => contains(statement, c.node));
    if (!inStatement.every((c) => returnsImmediately(c, model))) return null;
    for (const call of inStatement) {
      if (call.kinds.includes('queue-pop') || call.kinds.includes('db-read') || call.kinds.includes('http')) {
        const assigned = statement.text.match(/^(?:const|let|var)?\s*([A-Za-z_$][\w$]*)\s*=/)?.[1];
        polls.push({ call, ...(assigned ? { name: assigned } : {}) });
        if (assigned) names.push(assigned);
        else names.push(...destructuredNames(statement.text));
      }
    }
  }
  if (polls.length === 0 || names.length === 0) return null;
  // Work happens only under a condition on the poll's result (or by iterating it); anything else unknown = quiet.
  for (const statement of statements) {
    const inStatement = calls.filter((c) => contains(statement, c.node));
    if (inStatement.every((c) => returnsImmediately(c, model))) continue;
    if (statement.type === 'if_statement') {
      const condition = statement.childForFieldName('condition')?.text ?? '';
      const hasElse = statement.namedChildren.some((c) => c.type === 'else_clause' || c.type === 'elif_clause') || statement.childForFieldName('alternative') !== null;
      if (!hasElse && isWorkCondition(condition, names)) continue;
    }
    if (isLoopStatement(statement, family)) {
      const iterable = (statement.childForFieldName('right') ?? statement.childForFieldName('value'))?.text ?? '';
      if (names.includes(iterable.trim())) continue;
    }
    return null;
  }
  const { text: statementsText, stops } = workerStepBody(loop, ctx.file.source);
  return {
    loop,
    line: lineOf(loop.node),
    variant: 'no-wait',
    data: { call: displayCallee(polls[0]!.call.callee) },
    confidence: 'high',
    cost: busyWaitCost(ctx.config.cost, ctx.locale),
    fix: blockFix(
      guardedWorkerTemplate(loop.language, { name: workerName(loop, ctx.model), ...(statementsText ? { body: statementsText, stops } : {}), idleSeconds: 1, async: loop.inAsyncFunction, params: outerNamesUsed(loop, ctx.model) }),
      { startLine: loop.startLine, endLine: loop.endLine },
      { description: 'wait between empty polls', safety: 'unsafe', language: fenceLanguage(loop.language) },
    ),
  };
}

/**
 * `try: while True: msg = q.get_nowait() ... except asyncio.QueueEmpty: ...`: a try around the loop catches what a
 * take raises when nothing is left (the `empty_errors` role of rules/apis/python.yml), and no try in the loop catches
 * it first. The first empty take leaves the loop: a drain of what is queued, which never goes round on an empty
 * answer (Python).
 */
function drainsUntilEmpty(loop: LoopFacts, ctx: RuleContext): boolean {
  const catchesEmpty = (handler: SyntaxNode) => {
    if (handler.type !== 'except_clause') return false;
    const typeNode = handler.namedChildren.find((c) => c.type !== 'block' && c.type !== 'comment');
    const types = typeNode === undefined ? [] : (typeNode.type === 'as_pattern' ? (typeNode.namedChildren[0] ?? typeNode) : typeNode).text.replace(/[()\s]/g, '').split(',');
    return types.some((t) => ctx.kb.hasRole?.('python', t.slice(t.lastIndexOf('.') + 1), 'empty_errors') === true);
  };
  if (!triesAround(loop.node, 'python').some((t) => tryParts(t).handlers.some(catchesEmpty))) return false;
  return !loop.body.descendantsOfType('try_statement').some((t) => tryParts(t).handlers.some(catchesEmpty));
}

export const detectBusyWait: Detector = (loop, ctx) => {
  if (loop.language === 'go' || loop.language === 'java') return detectBraceBusyWait(loop, ctx);
  const { model } = ctx;
  const family = familyOf(loop.language);
  const spin = spinOnFlag(loop, ctx, family);
  if (spin) return spin;
  // A stop-flag worker (`while (!signal.aborted)`, `while not stop.is_set()`) spins on its `continue` path as an
  // endless one does; only the fall-through shape stays for endless headers (the flag is the loop's own exit).
  const flagLoop = !isInfiniteHeader(loop) && runFlagCondition(loop);
  if (!isInfiniteHeader(loop) && !flagLoop) return null;
  const exits = loopExits(loop);
  if (exits.yields.length > 0) return null;
  // A drain with non-blocking takes (`get(block=False)` under `try: ... except: pass`) ends when the queue is empty.
  if (family === 'python' && (drainsUntilEmpty(loop, ctx) || endsByDrainException(loop))) return null;
  const calls = treeCalls(loop.body, ctx.model, { skipFunctions: true });
  const detections: Detection[] = [];
  for (const cont of ownContinues(loop.body, model)) {
    // Other handlers are retries (retry-without-backoff); `except queue.Empty: continue` is the idle path.
    const handler = enclosingHandler(cont, loop.body);
    if (handler && !isEmptyHandler(handler)) continue;
    const nodes = pathNodes(cont, loop.body);
    const path = callsUnder(nodes, calls);
    // No call on the way back round: nothing polled and found nothing. `e = parent; continue` in a tree rebalance is
    // an algorithm walking its structure; a flag spin is spinOnFlag's shape.
    if (path.length === 0 || !pathSpins(path, model)) continue;
    if (family === 'python' && awaitsObject(nodes)) continue;
    if (!handler && takesFromLocalCollection(path, family)) continue;
    if (!handler && synchronousOverOwnData(path, loop, model, family)) continue;
    if (advancesCursorToExit(nodes, exits)) continue;
    if (!handler && computesOverLocals(path, nodes, loop, family)) continue;
    if (!handler && walksWhatItChecks(path, nodes, family)) continue;
    if (family === 'python' && exitsWhenEmptied(path, loop)) continue;
    if (family === 'python' && changesItsRequest(cont, path, loop)) continue;
    if (family === 'python' && emptyValueLeaves(cont, loop)) continue;
    if (family === 'python' && leavesWhenTakeEmpty(cont, loop)) continue;
    // `if event is False: continue` then `if event is None: continue` after one poll: one spin of one poll, with one
    // fix; the first `continue` carries it (Python).
    const poll = path[path.length - 1];
    if (family === 'python' && poll && detections.some((d) => d.data?.call === displayCallee(poll.callee))) continue;
    const fix = nonBlockingGetFix(path, ctx, loop) ??
      blockFix(idleSleepBlock(loop, ctx, cont), { startLine: loop.startLine, endLine: loop.endLine }, {
        description: 'sleep before going round again',
        safety: 'safe',
        language: fenceLanguage(loop.language),
      });
    detections.push({
      loop,
      line: lineOf(cont),
      variant: 'continue',
      data: { call: displayCallee(path[path.length - 1]?.callee ?? '') },
      confidence: 'high',
      cost: busyWaitCost(ctx.config.cost, ctx.locale),
      fix,
    });
  }
  if (detections.length > 0) return detections;
  if (flagLoop) return null;
  const hasOwnContinue = ownContinues(loop.body, model).length > 0;
  if (hasOwnContinue || exits.breaks.length + exits.returns.length > 0) return null;
  return fallThrough(loop, ctx, family, calls);
};

