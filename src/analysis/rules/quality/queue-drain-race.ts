// check-then-act-race, Python `queue.Queue` variant: several consumer threads each run
// `while not q.empty(): item = q.get()` (or `if not q.empty(): q.get()`). Between `empty()` and the blocking `get()`
// another consumer takes the last item, and `get()` (no timeout) waits for ever: that thread's join never returns.
// Reported only when the file shows more than one consumer: the function holding the loop is the target of threads
// started in a loop / comprehension or twice or more, or submitted to an executor in a loop (or mapped). Quiet for
// non-blocking reads (`get_nowait()`, `get(False)`, `get(block=False)`, `get(timeout=...)`), for a queue the
// function creates itself, and when the check and the get are under one `with <lock>:`.
import type { FileModel } from '../../model.js';
import type { Detection, RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { argumentsOf, calleeOf, descendants, enclosingFunction, isLoopStatement, lineOf } from '../lib/index.js';

const COMPREHENSIONS = new Set(['list_comprehension', 'generator_expression', 'set_comprehension', 'dictionary_comprehension']);

/** `q.empty()` → `q` (whitespace removed), else undefined. */
function emptyReceiver(node: SyntaxNode | null | undefined): string | undefined {
  if (!node || node.type !== 'call') return undefined;
  const args = node.childForFieldName('arguments');
  if (!args || args.namedChildCount !== 0) return undefined;
  const m = /^(.+)\.empty$/.exec(calleeOf(node));
  return m?.[1];
}

/** `not q.empty()` (parentheses allowed) → the `empty()` call. */
function notEmptyCall(condition: SyntaxNode | null | undefined): SyntaxNode | undefined {
  let node = condition;
  while (node?.type === 'parenthesized_expression') node = node.firstNamedChild;
  if (node?.type !== 'not_operator') return undefined;
  let arg = node.childForFieldName('argument') ?? node.lastNamedChild;
  while (arg?.type === 'parenthesized_expression') arg = arg.firstNamedChild;
  return emptyReceiver(arg) ? arg! : undefined;
}

/** `q.get()` / `q.get(True)` / `q.get(block=True)`: a get that waits with no timeout. */
function blockingGet(node: SyntaxNode, receiver: string): boolean {
  if (node.type !== 'call' || calleeOf(node) !== `${receiver}.get` || !node.childForFieldName('arguments')) return false;
  const { positional, keywords } = argumentsOf(node);
  if (positional.length + keywords.size === 0) return true;
  if (positional.length + keywords.size > 1) return false;
  return (positional[0] ?? keywords.get('block'))?.type === 'true';
}

/** The first blocking `receiver.get()` under `root`, nested functions and loops not entered. */
function firstBlockingGet(root: SyntaxNode, receiver: string, model: FileModel): SyntaxNode | undefined {
  for (const node of descendants(root, model, { skipFunctions: true, skipLoops: true })) if (blockingGet(node, receiver)) return node;
  return undefined;
}

/** A `with` whose item names a lock and that holds both nodes. */
function underOneLock(check: SyntaxNode, get: SyntaxNode, fn: SyntaxNode): boolean {
  for (let node = check.parent; node && node.id !== fn.id; node = node.parent) {
    if (node.type !== 'with_statement') continue;
    if (get.startIndex < node.startIndex || get.endIndex > node.endIndex) continue;
    const items = node.children.find((c) => c.type === 'with_clause')?.text ?? '';
    if (/lock|mutex|cond|sem/i.test(items)) return true;
  }
  return false;
}

/** The receiver is a name the function binds itself (`q = queue.Queue()`): a queue no other thread sees. */
function localQueue(receiver: string, fn: SyntaxNode, model: FileModel): boolean {
  if (!/^\w+$/.test(receiver)) return false;
  for (const node of descendants(fn, model, { skipFunctions: true })) {
    if (node.type === 'assignment' && node.childForFieldName('left')?.text === receiver) return true;
    if ((node.type === 'global_statement' || node.type === 'nonlocal_statement') && new RegExp(`\\b${receiver}\\b`).test(node.text)) return false;
  }
  return false;
}

function repeated(node: SyntaxNode, stop: SyntaxNode): boolean {
  for (let p = node.parent; p && p.id !== stop.id; p = p.parent) {
    if (isLoopStatement(p, 'python') || COMPREHENSIONS.has(p.type)) return true;
  }
  return false;
}

function namesFunction(expr: SyntaxNode | null | undefined, name: string): boolean {
  if (!expr) return false;
  const text = expr.text.replace(/\s+/g, '');
  return text === name || text.endsWith(`.${name}`);
}

/** Threads / executor tasks in this file that run `name` more than once at a time. */
function startedMoreThanOnce(name: string, model: FileModel): boolean {
  const root = model.root;
  let starts = 0;
  for (const node of descendants(root, model)) {
    if (node.type !== 'call') continue;
    const callee = calleeOf(node);
    const args = node.childForFieldName('arguments');
    if (!args) continue;
    let runs = false;
    let many = false;
    if (/(^|\.)Thread$/.test(callee)) {
      runs = args.namedChildren.some((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'target' && namesFunction(a.childForFieldName('value'), name));
    } else if (/\.(submit|map)$/.test(callee) && /Executor/.test(model.source)) {
      runs = namesFunction(args.namedChildren[0], name);
      many = runs && callee.endsWith('.map');
    }
    if (!runs) continue;
    if (many || repeated(node, root)) return true;
    starts++;
  }
  return starts >= 2;
}

export function queueDetections(loop: LoopFacts, ctx: RuleContext): Detection[] {
  const { model } = ctx;
  if (loop.language !== 'python') return [];
  const fn = enclosingFunction(loop.node, 'python');
  if (!fn || fn.type !== 'function_definition') return [];
  const name = fn.childForFieldName('name')?.text;
  if (!name) return [];
  const pairs: { check: SyntaxNode; get: SyntaxNode }[] = [];
  const conditionCheck = loop.node.type === 'while_statement' ? notEmptyCall(loop.node.childForFieldName('condition')) : undefined;
  if (conditionCheck) {
    const get = firstBlockingGet(loop.body, emptyReceiver(conditionCheck)!, model);
    if (get) pairs.push({ check: conditionCheck, get });
  } else {
    for (const node of descendants(loop.body, model, { skipFunctions: true, skipLoops: true })) {
      if (node.type !== 'if_statement') continue;
      const check = notEmptyCall(node.childForFieldName('condition'));
      const consequence = node.childForFieldName('consequence');
      if (!check || !consequence) continue;
      const get = firstBlockingGet(consequence, emptyReceiver(check)!, model);
      if (get) pairs.push({ check, get });
    }
  }
  if (pairs.length === 0) return [];
  if (!startedMoreThanOnce(name, model)) return [];
  if (descendants(fn, model, { skipFunctions: true }).some((n) => n.type === 'call' && /\.acquire$/.test(calleeOf(n)))) return [];
  const out: Detection[] = [];
  for (const { check, get } of pairs) {
    const queue = emptyReceiver(check)!;
    if (localQueue(queue, fn, model) || underOneLock(check, get, fn)) continue;
    out.push({ loop, line: lineOf(get), variant: 'queue', data: { queue, empty_line: lineOf(check), function: name }, confidence: 'high' });
  }
  return out;
}
