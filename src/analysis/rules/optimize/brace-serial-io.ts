// serial-blocking-io for Go and Java: a blocking HTTP/RPC call per item of a `for ... range` / for-each loop, one
// after another (`http.Get`, `client.Do`, `HttpClient.send`, RestTemplate, WebClient `.block()`). The criteria are
// the Python/JS detector's (serial-blocking-io.ts): the call depends on the item and on nothing a previous
// iteration assigned, the loop neither stops at the first hit nor sleeps on purpose, and it does not already run
// concurrently. What differs is what "concurrently" and "stops" look like here:
// - Go: a `go` statement or an errgroup `g.Go` in the body, or the loop running inside a goroutine / `g.Go` closure
//   (a worker of a pool already); a range over a channel is a stream, not a batch. A `return` under `if err != nil`
//   is the error propagating (Python's raise), not a search loop stopping early.
// - Java: `submit` / `supplyAsync` / `sendAsync` in the body, or the loop inside a lambda handed to an executor.
// The patch is a sketch (the body moves into a closure): errgroup.Group with SetLimit for Go, a fixed thread pool
// with futures for Java, writes to shared maps/slices guarded by a mutex (Go) or flagged (Java).
import { formatCount } from '../../../cost/assumptions.js';
import { formatNumber, fromConfig, serialWallTimeCost } from '../../../cost/index.js';
import type { CallFact, LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detection, RuleContext } from '../../rule-types.js';
import { goModVersion } from '../quality/go-closure.js';
import {
  batchSize,
  gradedItems,
  fewStatedItems,
  blockFix,
  callNode,
  carriedAcrossIterations,
  concurrencyOf,
  confidenceOf,
  deliberatelySerial,
  calleeLabel,
  hasKind,
  inErrorHandler,
  isBatched,
  leavesOnSuccess,
  ownCalls,
  say,
  tinyLiteralIterable,
} from '../lib/index.js';

const SERIAL_KINDS = new Set<LoopFacts['kind']>(['for', 'for-each']);
const FUNCTIONS = new Set(['func_literal', 'function_declaration', 'method_declaration', 'lambda_expression', 'constructor_declaration', 'class_body']);
const CALLS = new Set(['call_expression', 'method_invocation']);

/** Own statements of the loop body of these types (nested loops, closures and lambdas not entered). */
function ownNodes(loop: LoopFacts, types: ReadonlySet<string>, intoLoops = false): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const stack = [...loop.body.namedChildren];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (types.has(node.type)) out.push(node);
    if (FUNCTIONS.has(node.type)) continue;
    if (!intoLoops && (node.type === 'for_statement' || node.type === 'enhanced_for_statement' || node.type === 'while_statement' || node.type === 'do_statement')) {
      // A nested loop's `continue` / `break` are its own; its `return` still leaves this loop.
      for (const r of node.descendantsOfType('return_statement')) if (!insideFunction(r, node)) out.push(r);
      continue;
    }
    stack.push(...node.namedChildren);
  }
  return out.filter((n) => types.has(n.type)).sort((a, b) => a.startIndex - b.startIndex);
}

function insideFunction(node: SyntaxNode, stop: SyntaxNode): boolean {
  for (let n = node.parent; n && n.id !== stop.id; n = n.parent) if (FUNCTIONS.has(n.type)) return true;
  return false;
}

/** A Go `return` in the branch of an `if ... != nil` (or `if err != nil`-like) check: the error propagates. */
function isErrorReturn(node: SyntaxNode, loop: LoopFacts): boolean {
  if (loop.language !== 'go') return false;
  for (let n = node.parent; n && n.id !== loop.body.id; n = n.parent) {
    if (n.type !== 'if_statement') continue;
    const condition = n.childForFieldName('condition')?.text ?? '';
    if (/\b\w*(err|Err|error)\w*\s*!=\s*nil\b/.test(condition)) return true;
  }
  return false;
}

const EXITS = new Set(['return_statement', 'break_statement']);

/** `break`, or a `return` that is not an error propagating: the loop stops at the first hit. */
function stopsEarly(loop: LoopFacts): boolean {
  for (const node of ownNodes(loop, EXITS)) {
    if (node.type === 'break_statement' && loop.language === 'go' && inSelectOrSwitch(node, loop)) continue;
    if (node.type === 'return_statement' && isErrorReturn(node, loop)) continue;
    return true;
  }
  // `continue outer` / `break outer`: this loop's iteration is controlled from outside.
  return ownNodes(loop, new Set(['continue_statement'])).some((n) => n.namedChildCount > 0);
}

/** Go: a `break` in a `switch`/`select` case leaves that statement, not the loop. */
function inSelectOrSwitch(node: SyntaxNode, loop: LoopFacts): boolean {
  if (node.namedChildCount > 0) return false;
  for (let n = node.parent; n && n.id !== loop.body.id; n = n.parent) {
    if (/^(expression_switch_statement|type_switch_statement|select_statement|switch_expression|switch_block)$/.test(n.type)) return true;
  }
  return false;
}

/** The loop already runs its work concurrently, or is itself one worker of a pool. */
function alreadyConcurrent(loop: LoopFacts, ctx: RuleContext): boolean {
  if (ownNodes(loop, new Set(['go_statement']), true).length > 0) return true;
  if (loop.calls.some((c) => hasKind(c, 'task-spawn', 'gather') || /Async$/.test(c.method))) return true;
  for (let n = loop.node.parent; n; n = n.parent) {
    if (n.type === 'go_statement') return true;
    if (n.type === 'function_declaration' || n.type === 'method_declaration') break;
    if (!CALLS.has(n.type)) continue;
    const fn = n.childForFieldName('function') ?? n;
    const callee = n.type === 'method_invocation' ? `${n.childForFieldName('object')?.text ?? ''}.${n.childForFieldName('name')?.text ?? ''}` : fn.text;
    try {
      if (ctx.kb.classify(loop.language, callee.replace(/\s+/g, '')).kinds.includes('task-spawn')) return true;
    } catch {
      // an unclassifiable callee is not a spawn
    }
  }
  return false;
}

/**
 * `c.queue` where the file declares the field `queue` as a channel (`queue chan *packet` in a struct, `queue:
 * make(chan ...)` in a literal, `c.queue = make(chan ...)`): a client's queue drained by its worker. Items arrive one
 * by one over time; how many are in flight is the number of goroutines draining it, not this loop's choice.
 */
function channelField(right: SyntaxNode, source: string): boolean {
  if (right.type !== 'selector_expression') return false;
  const name = right.childForFieldName('field')?.text;
  if (!name || !/^\w+$/.test(name)) return false;
  const chan = String.raw`(?:<-\s*)?chan\b`;
  const declared = new RegExp(
    String.raw`^[ \t]*${name}(?:\s*,\s*\w+)*[ \t]+${chan}|(?:^|[\s{,])${name}\s*:\s*make\(\s*${chan}|\.${name}\s*=\s*make\(\s*${chan}`,
    'm',
  );
  return declared.test(source);
}

/** `for x := range ch` where `ch` is declared as a channel in the function, or a field the file declares as one: a stream, not a batch. */
function rangesOverChannel(loop: LoopFacts, source: string): boolean {
  if (loop.language !== 'go') return false;
  const range = loop.node.namedChildren.find((c) => c.type === 'range_clause');
  const right = range?.childForFieldName('right');
  if (!right) return false;
  if (right.type === 'unary_expression' || /^time\.(Tick|After)\b/.test(right.text) || /\.C$/.test(right.text)) return true;
  if (channelField(right, source)) return true;
  if (right.type !== 'identifier') return false;
  let fn: SyntaxNode | null = loop.node.parent;
  while (fn && fn.type !== 'function_declaration' && fn.type !== 'method_declaration' && fn.type !== 'func_literal') fn = fn.parent;
  if (!fn) return false;
  const name = right.text;
  const declared = new RegExp(`\\b${name}\\s*(,\\s*\\w+\\s*)*(<-\\s*)?chan\\b|\\b${name}\\s*:?=\\s*make\\(\\s*(<-\\s*)?chan\\b`);
  return declared.test(fn.text.slice(0, loop.node.startIndex - fn.startIndex));
}

/**
 * The call reads a local built in the body (`req := http.NewRequest(..., base+token, ...)`, `HttpRequest request =
 * ...`) from a variable a later statement of the body assigns (`token = resp.Next`): iterations depend on each other.
 */
function carriedThroughLocals(loop: LoopFacts, call: CallFact): boolean {
  const values = new Map<string, SyntaxNode[]>();
  for (const d of loop.body.descendantsOfType(['short_var_declaration', 'variable_declarator', 'assignment_statement'])) {
    if (d.startIndex >= call.node.startIndex) continue;
    const left = d.childForFieldName('left') ?? d.childForFieldName('name');
    const right = d.childForFieldName('right') ?? d.childForFieldName('value');
    if (!left || !right) continue;
    for (const id of left.type === 'identifier' ? [left] : left.descendantsOfType('identifier')) values.set(id.text, [...(values.get(id.text) ?? []), right]);
  }
  const used = new Set<string>();
  const visit = (node: SyntaxNode | null | undefined, depth: number): void => {
    if (!node || depth > 3) return;
    for (const id of node.type === 'identifier' ? [node] : node.descendantsOfType('identifier')) {
      if (used.has(id.text)) continue;
      used.add(id.text);
      for (const value of values.get(id.text) ?? []) visit(value, depth + 1);
    }
  };
  visit(call.node.childForFieldName('arguments'), 0);
  visit(call.node.childForFieldName('object') ?? call.node.childForFieldName('function')?.childForFieldName('operand'), 0);
  return loop.assignments.some((a) => !loop.loopVariables.includes(a.target) && used.has(a.target.replace(/^this\./, '')) && (a.line > call.line || a.op !== '='));
}

/** A Go or Java file that imports an HTTP/RPC client: a call guessed as network I/O from its name is credible there. */
const HTTP_IMPORT = /^[ \t]*(import[ \t]+)?"(net\/http|google\.golang\.org\/grpc)"|^import\s+(java\.net\.http|okhttp3|org\.springframework\.web\.(client|reactive))\b/m;

function serialCalls(loop: LoopFacts, source: string): CallFact[] {
  return ownCalls(loop).filter(
    (c) =>
      hasKind(c, 'http') &&
      // A name-only guess counts where the file imports an HTTP/RPC client (the shared context words, e.g. `got`, match
      // English in Go and Java comments).
      (c.confidence !== 'low' || HTTP_IMPORT.test(source)) &&
      !isBatched(c) &&
      !hasKind(c, 'task-spawn', 'db-read', 'db-write', 'queue-pop') &&
      c.dependsOnIteration &&
      !inErrorHandler(c.node, loop) &&
      !carriedAcrossIterations(loop, c) &&
      !carriedThroughLocals(loop, c) &&
      !leavesOnSuccess(callNode(c), loop) &&
      !deliberatelySerial(loop, c),
  );
}

export function detectBraceSerialIo(loop: LoopFacts, ctx: RuleContext): Detection | null {
  if (!SERIAL_KINDS.has(loop.kind) || loop.infinite) return null;
  if (tinyLiteralIterable(loop, 3) || stopsEarly(loop) || rangesOverChannel(loop, ctx.file.source)) return null;
  if (ownCalls(loop).some((c) => hasKind(c, 'sleep'))) return null;
  if (alreadyConcurrent(loop, ctx)) return null;
  const calls = serialCalls(loop, ctx.file.source);
  if (calls.length === 0) return null;
  if (ownCalls(loop).some((c) => hasKind(c, 'http') && (carriedAcrossIterations(loop, c) || carriedThroughLocals(loop, c)))) return null;
  const first = calls[0]!;
  const items = batchSize(loop, ctx.model, ctx.config.cost);
  if (fewStatedItems(items)) return null;
  const concurrency = concurrencyOf(loop, ctx.config.cost);
  const cost = serialWallTimeCost({ items, latency: fromConfig(ctx.config.cost, 'http_call_ms'), concurrency }, ctx.config.cost, ctx.locale);
  const confidence = confidenceOf([first]);
  const sketch = loop.language === 'go' ? goSketch(loop, ctx, concurrency.value) : javaSketch(loop, ctx, concurrency.value);
  return {
    loop,
    line: first.line,
    confidence,
    variant: confidence === 'low' ? 'guessed' : 'default',
    data: {
      call: calleeLabel(first),
      loopVar: loop.loopVariables[loop.loopVariables.length - 1] ?? 'item',
      items: formatCount(items, ctx.locale),
      before: formatNumber(cost.before, ctx.locale),
      after: formatNumber(cost.after, ctx.locale),
      concurrency: formatNumber(concurrency.value, ctx.locale),
    },
    ...gradedItems(loop, ctx.model, items),
    cost,
    fix: blockFix(ctx, loop, sketch, say(ctx, loop.language === 'go' ? 'fix.serial.errgroup' : 'fix.serial.executor'), 'unsafe'),
  };
}

// --- sketches ---------------------------------------------------------------------------------------------------

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** The body block's text between its braces, with `edits` (byte offsets into the source) applied, dedented. */
function bodyText(loop: LoopFacts, edits: Edit[]): string {
  const body = blockOf(loop);
  const base = body.startIndex;
  let text = Buffer.from(body.text, 'utf8');
  for (const e of [...edits].sort((a, b) => b.start - a.start)) {
    text = Buffer.concat([text.subarray(0, e.start - base), Buffer.from(e.text, 'utf8'), text.subarray(e.end - base)]);
  }
  const inner = text.toString('utf8').replace(/^\{[ \t]*\r?\n?/, '').replace(/\r?\n?[ \t]*\}$/, '');
  const lines = inner.split(/\r?\n/);
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0]);
  const common = indents.reduce((a, b) => (b.startsWith(a) ? a : a.startsWith(b) ? b : commonPrefix(a, b)), indents[0] ?? '');
  return lines.map((l) => (l.startsWith(common) ? l.slice(common.length) : l.trimStart())).join('\n');
}

/** The braces around the body (Go's body facts point at the statement list inside the block). */
function blockOf(loop: LoopFacts): SyntaxNode {
  return loop.body.type === 'statement_list' && loop.body.parent ? loop.body.parent : loop.body;
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

function indentLines(text: string, indent: string): string {
  return text
    .split('\n')
    .map((l) => (l.trim() === '' ? '' : indent + l))
    .join('\n');
}

/** Names declared inside the loop body (Go `:=` / `var`, Java local variables) and by its header. */
function localNames(loop: LoopFacts): Set<string> {
  const names = new Set(loop.loopVariables);
  for (const d of loop.body.descendantsOfType(['short_var_declaration', 'var_spec', 'variable_declarator', 'range_clause'])) {
    const left = d.childForFieldName('left') ?? d.childForFieldName('name');
    if (!left) continue;
    for (const id of left.type === 'identifier' ? [left] : left.descendantsOfType('identifier')) names.add(id.text);
    if (d.type === 'var_spec') for (const id of d.childrenForFieldName('name')) names.add(id.text);
  }
  return names;
}

function rootName(node: SyntaxNode | null | undefined): string | undefined {
  let n = node;
  while (n && (n.type === 'index_expression' || n.type === 'selector_expression' || n.type === 'field_access' || n.type === 'array_access' || n.type === 'parenthesized_expression')) {
    n = n.childForFieldName('operand') ?? n.childForFieldName('object') ?? n.childForFieldName('array') ?? n.namedChildren[0] ?? null;
  }
  return n?.type === 'identifier' ? n.text : undefined;
}

/** Go statements of the body that write a variable of the enclosing function: they race once the body runs concurrently. */
function goSharedWrites(loop: LoopFacts): SyntaxNode[] {
  const locals = localNames(loop);
  const out: SyntaxNode[] = [];
  for (const node of ownNodes(loop, new Set(['assignment_statement', 'inc_statement', 'dec_statement']), true)) {
    const left = node.type === 'assignment_statement' ? node.childForFieldName('left') : node.namedChildren[0];
    const targets = left?.type === 'expression_list' ? left.namedChildren : left ? [left] : [];
    if (targets.some((t) => {
      const root = rootName(t);
      return root !== undefined && root !== '_' && !locals.has(root);
    })) out.push(node);
  }
  return out;
}

function goSketch(loop: LoopFacts, ctx: RuleContext, concurrency: number): string {
  const source = ctx.file.source;
  const edits: Edit[] = [];
  let errorReturn: string | undefined;
  for (const node of ownNodes(loop, new Set(['continue_statement', 'return_statement']))) {
    if (node.type === 'continue_statement') {
      edits.push({ start: node.startIndex, end: node.endIndex, text: 'return nil' });
      continue;
    }
    const values = node.namedChildren[0];
    const list = values?.type === 'expression_list' ? values.namedChildren : values ? [values] : [];
    const last = list[list.length - 1];
    if (!last) continue;
    errorReturn ??= list.length > 1 ? `return ${list.slice(0, -1).map((v) => v.text).join(', ')}, err` : 'return err';
    edits.push({ start: node.startIndex, end: node.endIndex, text: `return ${last.text}` });
  }
  const writes = goSharedWrites(loop);
  const sourceLines = source.split('\n');
  for (const w of writes) {
    if (w.startPosition.row !== w.endPosition.row) continue;
    const indent = /^[ \t]*/.exec(sourceLines[w.startPosition.row] ?? '')![0];
    edits.push({ start: w.startIndex, end: w.startIndex, text: `mu.Lock()\n${indent}` });
    edits.push({ start: w.endIndex, end: w.endIndex, text: `\n${indent}mu.Unlock()` });
  }
  const body = bodyText(loop, edits);
  const range = loop.node.namedChildren.find((c) => c.type === 'range_clause');
  const header = source.slice(loop.node.startIndex, blockOf(loop).startIndex).trimEnd();
  const version = goModVersion(ctx.file.path);
  const needsCopy = version === null || version[0] < 1 || (version[0] === 1 && version[1] < 22);
  const vars = range ? loop.loopVariables.filter((v) => v !== '_') : loop.loopVariables;
  const lines = [
    '// import "golang.org/x/sync/errgroup"',
    ...(writes.length > 0 ? ['var mu sync.Mutex // guards the variables the body writes'] : []),
    'g := new(errgroup.Group) // errgroup.WithContext(ctx) to cancel the rest on the first error',
    `g.SetLimit(${concurrency}) // calls in flight`,
    `${header} {`,
    ...(needsCopy && vars.length > 0 ? [`\t${vars.map((v) => `${v} := ${v}`).join('; ')} // a copy per goroutine (before Go 1.22)`] : []),
    '\tg.Go(func() error {',
    indentLines(body, '\t\t'),
    '\t\treturn nil',
    '\t})',
    '}',
    errorReturn ? `if err := g.Wait(); err != nil {\n\t${errorReturn}\n}` : '_ = g.Wait() // every call returns nil: the body handles its own errors',
  ];
  return lines.join('\n');
}

function javaSketch(loop: LoopFacts, ctx: RuleContext, concurrency: number): string {
  const source = ctx.file.source;
  const edits: Edit[] = ownNodes(loop, new Set(['continue_statement'])).map((n) => ({ start: n.startIndex, end: n.endIndex, text: 'return null;' }));
  const body = bodyText(loop, edits);
  const header = source.slice(loop.node.startIndex, blockOf(loop).startIndex).trimEnd();
  const locals = localNames(loop);
  const sharedWrite = ownNodes(loop, new Set(['assignment_expression', 'update_expression']), true).some((n) => {
    const root = rootName(n.childForFieldName('left') ?? n.namedChildren[0]);
    return root !== undefined && !locals.has(root);
  });
  const sharedCall = loop.calls.some((c) => !c.inInnerLoop && /^(put|add|addAll|putAll|append|remove|merge|compute|increment\w*)$/.test(c.method) && c.receiver !== undefined && !locals.has(c.receiver.split('.')[0]!));
  return [
    `ExecutorService pool = Executors.newFixedThreadPool(${concurrency}); // calls in flight`,
    'try {',
    '    List<Future<?>> futures = new ArrayList<>();',
    `    ${header} {`,
    '        futures.add(pool.submit(() -> {',
    ...(sharedWrite || sharedCall ? ['            // runs on several threads: shared maps/lists must be concurrent (ConcurrentHashMap, synchronized), counters atomic'] : []),
    indentLines(body, '            '),
    '            return null;',
    '        }));',
    '    }',
    '    for (Future<?> f : futures) {',
    '        f.get(); // rethrows the first failure as ExecutionException',
    '    }',
    '} finally {',
    '    pool.shutdown();',
    '}',
  ].join('\n');
}
