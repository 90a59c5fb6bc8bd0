import type { FileModel } from '../../model.js';
// Independent network calls made one after another: the loop's wall time is the sum of every call's latency.
// Fires on loops over items whose HTTP/RPC call (blocking in Python, awaited in JS/async Python) depends only on
// the current item. Quiet when iterations depend on each other (cursor / token carried from one call to the next),
// when the loop stops at the first hit (break / return: fallback and search loops), when it sleeps on purpose
// (rate limiting), for `for await` / `async for` over a stream, and when the calls are already gathered.
import { formatCount } from '../../../cost/assumptions.js';
import { formatNumber, fromConfig, serialWallTimeCost } from '../../../cost/index.js';
import type { CallFact, LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detector, RuleContext } from '../../rule-types.js';
import { iterationParts } from './batching.js';
import { detectBraceSerialIo } from './brace-serial-io.js';
import {
  argumentNodes,
  batchSize,
  gradedItems,
  fewStatedItems,
  blockFix,
  callNode,
  leavesOnSuccess,
  carriedAcrossIterations,
  concurrencyOf,
  confidenceOf,
  credible,
  freshName,
  hasEarlyExit,
  hasKind,
  inErrorHandler,
  indentBlock,
  indentOf,
  insideGather,
  isBatched,
  isChunkIterable,
  isPython,
  iteratesChunks,
  ownCalls,
  say,
  calleeLabel,
  short,
  tinyLiteralIterable,
  walkOwnBody,
  scopeOf,
  deliberatelySerial,
  carriesInstanceState,
  recursesIntoArgument,
} from '../lib/index.js';
import { sourceLines } from '../../../fixes/lines.js';
import { dropTrailingBlank } from '../../../core/linear-text.js';

const SERIAL_KINDS = new Set<LoopFacts['kind']>(['for', 'for-each']);

/** Writes to one socket or stream are ordered by nature: they cannot run side by side. */
const ORDERED_STREAM = /(sock|socket|conn|connection|stream|writer|transport|channel|ws|websocket|smtp)$/i;

/** Messages handed to one open session (SMTP, a socket) go out in its order; a second session is a different design. */
const ORDERED_SEND = /^(send|sendall|sendto|sendmsg|write|writelines|drain|sendmail|send_message)$/;

/**
 * The call writes to one ordered stream, itself or (summarised) at the end of its chain: `sock.sendall(...)`,
 * `self._send(msg)` → `self.connection.sendmail(...)`.
 */
function writesToOneStream(c: CallFact): boolean {
  const last = c.via?.steps[c.via.steps.length - 1]?.callee;
  const [method, receiver] = last === undefined ? [c.method, c.receiver ?? ''] : [last.slice(last.lastIndexOf('.') + 1), last.slice(0, Math.max(0, last.lastIndexOf('.')))];
  return ORDERED_SEND.test(method) && ORDERED_STREAM.test(receiver);
}

/** Methods only a socket-like object has (`socket`, paramiko's `Channel`): a write of bytes onto one connection. */
const SOCKET_WRITE = new Set(['sendall', 'sendmsg']);

/**
 * `sendall` on a socket the loop does not change: whatever the object is called (a device module's
 * `conn.shell.shell.sendall(cmd)` typing commands into one interactive shell), its bytes go out on one connection in
 * order, so the calls cannot run side by side. A socket picked or opened per item (`peers[name]`, `s = connect(host)`)
 * is one connection per item and still reported.
 */
function writesToOneSocket(loop: LoopFacts, c: CallFact): boolean {
  if (c.via !== undefined || c.receiver === undefined || !SOCKET_WRITE.has(c.method)) return false;
  const varying = new Set([...loop.loopVariables, ...loop.assignments.map((a) => /^[A-Za-z_]\w*/.exec(a.target)?.[0] ?? '')]);
  const names = c.receiver.match(/[A-Za-z_]\w*/g) ?? [];
  return !c.receiver.includes('[') && !c.receiver.includes('(') && !names.some((n) => varying.has(n));
}

/** `async with session.get(url) as resp:` awaits the request on entry, as `await` would. */
function isAsyncWithItem(node: SyntaxNode): boolean {
  const value = node.parent?.type === 'as_pattern' ? node.parent : node;
  const item = value.parent;
  if (item?.type !== 'with_item' || item.childForFieldName('value')?.id !== value.id) return false;
  const statement = item.parent?.type === 'with_clause' ? item.parent.parent : undefined;
  return statement?.type === 'with_statement' && statement.children.some((c) => c.type === 'async');
}

export function serialCalls(loop: LoopFacts, source: string): CallFact[] {
  const py = isPython(loop.language);
  return ownCalls(loop).filter(
    (c) =>
      hasKind(c, 'http') &&
      credible(c, source, 'http') &&
      !writesToOneStream(c) &&
      !writesToOneSocket(loop, c) &&
      !isBatched(c) &&
      !hasKind(c, 'task-spawn', 'db-read', 'db-write', 'queue-pop') &&
      (py ? !loop.inAsyncFunction || c.awaited || isAsyncWithItem(c.node) : c.awaited) &&
      c.dependsOnIteration &&
      !inErrorHandler(c.node, loop) &&
      !carriedAcrossIterations(loop, c) &&
      !carriesInstanceState(loop, c) &&
      !recursesIntoArgument(loop, c) &&
      !leavesOnSuccess(callNode(c), loop) &&
      !deliberatelySerial(loop, c),
  );
}

/** Commands queued inside MULTI / BEGIN just before the loop must keep their order. */
function insideTransaction(loop: LoopFacts, source: string): boolean {
  const all = sourceLines(source);
  const before = all.slice(Math.max(0, loop.startLine - 6), loop.startLine - 1).join('\n');
  return /['"`](MULTI|BEGIN|START TRANSACTION)['"`]|\.multi\(\)|\.pipeline\(\)/i.test(before);
}

/**
 * The loop is the body of a command a person runs (`run()` of a setuptools/distutils `Command` subclass, `handle()`
 * of a management `BaseCommand`, a function decorated as a CLI `command`): it walks what this one invocation was
 * given (the files it built, the names on its command line), once, while that person waits for the whole command.
 * With no count in the code, the 100-item estimate is not this loop's, and a thread pool there is not a
 * review comment.
 */
function inCommandEntryPoint(loop: LoopFacts): boolean {
  if (!isPython(loop.language)) return false;
  let fn: SyntaxNode | null = loop.node.parent;
  while (fn && fn.type !== 'function_definition') fn = fn.parent;
  return fn !== null && isCommandEntryPoint(fn);
}

function isCommandEntryPoint(fn: SyntaxNode): boolean {
  const decorated = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
  if (decorated?.namedChildren.some((d) => d.type === 'decorator' && /(?:^@|\.)(?:command|group)\b/.test(d.text))) return true;
  const name = fn.childForFieldName('name')?.text ?? '';
  if (name !== 'run' && name !== 'handle') return false;
  let cls: SyntaxNode | null = (decorated ?? fn).parent;
  while (cls && cls.type !== 'class_definition' && cls.type !== 'function_definition') cls = cls.parent;
  if (cls?.type !== 'class_definition') return false;
  return (cls.childForFieldName('superclasses')?.namedChildren ?? []).some((b) => /Command$/.test(b.text.split('.').pop() ?? ''));
}

/** The names a function takes, in order (`self` included), with `*args`/`**kwargs` and defaults reduced to the name. */
function parameterNames(fn: SyntaxNode): string[] {
  return (fn.childForFieldName('parameters')?.namedChildren ?? []).map((p) => (p.type === 'identifier' ? p.text : (p.childForFieldName('name') ?? p.namedChildren.find((c) => c.type === 'identifier'))?.text ?? ''));
}

/** `volumes` or `volumes or []`: the name an argument hands on as it is. */
function handedOnName(arg: SyntaxNode | undefined): string | undefined {
  if (!arg) return undefined;
  if (arg.type === 'identifier') return arg.text;
  if (arg.type === 'boolean_operator' && /^(?:\[\s*\]|\(\s*\))$/.test(arg.childForFieldName('right')?.text ?? '')) return handedOnName(arg.childForFieldName('left') ?? undefined);
  return undefined;
}

/**
 * `def _sync_volumes(volumes, *, api): for spec in volumes: api.sync(...)`, which a CLI command of the same file
 * calls with its own option (`_sync_volumes(volume, api=api)` in a function decorated `@app.command`): the loop
 * walks the handful of values the person typed on the command line, as `inCommandEntryPoint` does one call away.
 */
function iteratesCommandArguments(loop: LoopFacts): boolean {
  if (!isPython(loop.language)) return false;
  const iterated = handedOnName(loop.node.type === 'for_statement' ? loop.node.childForFieldName('right') ?? undefined : undefined);
  let fn: SyntaxNode | null = loop.node.parent;
  while (fn && fn.type !== 'function_definition') fn = fn.parent;
  const name = fn?.childForFieldName('name')?.text;
  if (!fn || !name || iterated === undefined) return false;
  const params = parameterNames(fn);
  const index = params.indexOf(iterated);
  if (index < 0) return false;
  const positional = index - (params[0] === 'self' || params[0] === 'cls' ? 1 : 0);
  return loop.node.tree.rootNode.descendantsOfType('call').some((call) => {
    const callee = call.childForFieldName('function')?.text;
    if (callee !== name && callee !== `self.${name}`) return false;
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment');
    const keyword = args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === iterated);
    const given = handedOnName(keyword ? keyword.childForFieldName('value') ?? undefined : args.filter((a) => a.type !== 'keyword_argument')[positional]);
    if (given === undefined) return false;
    let caller: SyntaxNode | null = call.parent;
    while (caller && caller.type !== 'function_definition') caller = caller.parent;
    return caller !== null && isCommandEntryPoint(caller) && parameterNames(caller).includes(given);
  });
}

/** `dict.fromkeys(x)`, `sorted(set(x))`, `list(x)`: the same values, deduplicated, ordered or copied. */
function unwrapCopies(node: SyntaxNode): SyntaxNode {
  let current = node;
  for (;;) {
    if (current.type === 'parenthesized_expression' && current.namedChildCount === 1) { current = current.namedChildren[0]!; continue; }
    if (current.type !== 'call') return current;
    const callee = current.childForFieldName('function')?.text ?? '';
    const args = (current.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment');
    if (!/^(?:dict\.fromkeys|sorted|set|list|tuple|reversed|frozenset)$/.test(callee) || args.length === 0 || args[0]!.type === 'keyword_argument') return current;
    current = args[0]!;
  }
}

/** `parser.parse_args()`, `parser.parse_known_args()[0]`: the namespace argparse builds from the command line. */
function isParsedArguments(value: SyntaxNode | undefined): boolean {
  if (!value) return false;
  const text = value.text.replace(/\s+/g, '');
  return /\.parse_(?:known_)?(?:intermixed_)?args\([^()]*\)(?:\[0\])?$/.test(text);
}

/**
 * `for name in dict.fromkeys(options.name)` in `def install(options: argparse.Namespace)`, `for url in args.urls`
 * after `args = parser.parse_args()`, `for path in sys.argv[1:]`: the loop walks the values the person typed on the
 * command line (argparse's namespace, the raw argument list), directly or through one name. A handful of typed
 * values, not the 100-item estimate; as `inCommandEntryPoint`, quiet when the code gives no count.
 */
function iteratesTypedValues(loop: LoopFacts, model: FileModel): boolean {
  if (!isPython(loop.language) || loop.node.type !== 'for_statement') return false;
  let iterable = loop.node.childForFieldName('right');
  if (!iterable) return false;
  let fn: SyntaxNode | null = loop.node.parent;
  while (fn && fn.type !== 'function_definition') fn = fn.parent;
  const scope = scopeOf(loop.node);
  iterable = unwrapCopies(iterable);
  if (iterable.type === 'identifier') {
    const value = model.assignedValue(scope, iterable.text, loop.node.startIndex);
    if (!value) return false;
    iterable = unwrapCopies(value);
  }
  if (iterable.type === 'subscript' && iterable.childForFieldName('value')?.text === 'sys.argv') return true;
  if (iterable.text === 'sys.argv') return true;
  if (iterable.type !== 'attribute') return false;
  const holder = iterable.childForFieldName('object');
  if (holder?.type !== 'identifier') return false;
  const parameter = (fn?.childForFieldName('parameters')?.namedChildren ?? []).find(
    (p) => (p.type === 'typed_parameter' || p.type === 'typed_default_parameter') && (p.childForFieldName('name') ?? p.namedChildren.find((c) => c.type === 'identifier'))?.text === holder.text,
  );
  if (parameter) return /^['"]?(?:argparse\.)?Namespace['"]?$/.test(parameter.childForFieldName('type')?.text.trim() ?? '');
  return isParsedArguments(model.assignedValue(scope, holder.text, loop.node.startIndex));
}

/**
 * The loop walks batches the code has already cut (`for chunk in chunks`, `for batch in self._batches(texts, n)`,
 * `for i in range(0, len(texts), batch_size)`, also through a name: `_iter = range(0, len(texts), batch_size)`):
 * one request per batch is the batching a size or rate limit asks for. Running batches side by side may still help,
 * so the finding stays, as a hint without the per-item count.
 */
function walksBatches(loop: LoopFacts, model: FileModel): boolean {
  if (iteratesChunks(loop)) return true;
  const text = loop.iterable?.text.trim() ?? '';
  if (!/^[A-Za-z_][\w.]*$/.test(text)) return false;
  const value = model.assignedValue(scopeOf(loop.node), text, loop.node.startIndex);
  return value !== undefined && isChunkIterable(value.text);
}

/**
 * `for hop in urlpath.split("::")`, `for part in name.split(".")`: the parts of one string split on a separator (not
 * on line breaks: the lines of a text can be many). The code does not count them, but one string holds a handful,
 * so the 100-item estimate is not this loop's and running them side by side gains next to nothing (Python).
 */
function splitsOneString(loop: LoopFacts): boolean {
  if (!isPython(loop.language)) return false;
  const m = /\.r?split\(\s*(?:"([^"\\]*)"|'([^'\\]*)')\s*(?:,\s*(?:maxsplit\s*=\s*)?\d+\s*)?\)$/.exec(loop.iterable?.text.trim() ?? '');
  const separator = m ? (m[1] ?? m[2]) : undefined;
  return separator !== undefined && separator.trim() !== '';
}

const YIELDS = new Set(['yield', 'yield_expression']);
const FUNCTION_TYPES = new Set(['function_definition', 'lambda', 'function_declaration', 'generator_function_declaration', 'function_expression', 'generator_function', 'arrow_function', 'method_definition']);

/**
 * The loop is a generator's: it yields each result as it is made (a document loader's `lazy_load`, a crawler), also
 * from a loop nested in it. The consumer pulls one item at a time and may stop early, so the calls run one by one by
 * contract; fetching ahead would do work nobody may ask for. Still a hint: a small read-ahead overlaps the latency.
 */
function yieldsEachResult(loop: LoopFacts): boolean {
  let found = false;
  const visit = (node: SyntaxNode): void => {
    for (const child of node.namedChildren) {
      if (found) return;
      if (YIELDS.has(child.type)) found = true;
      else if (!FUNCTION_TYPES.has(child.type)) visit(child);
    }
  };
  visit(loop.body);
  return found;
}

export const detectSerialBlockingIo: Detector = (loop, ctx) => {
  if (loop.language === 'go' || loop.language === 'java') return detectBraceSerialIo(loop, ctx);
  if (!SERIAL_KINDS.has(loop.kind) || loop.infinite) return null;
  if (insideGather(loop) || tinyLiteralIterable(loop, 3) || hasEarlyExit(loop, ctx.model)) return null;
  if (ownCalls(loop).some((c) => hasKind(c, 'sleep'))) return null;
  const calls = serialCalls(loop, ctx.file.source);
  if (calls.length === 0 || insideTransaction(loop, ctx.file.source)) return null;
  // Any HTTP call that carries state between iterations makes the whole loop sequential.
  if (ownCalls(loop).some((c) => hasKind(c, 'http') && carriedAcrossIterations(loop, c))) return null;
  const first = calls[0]!;
  const items = batchSize(loop, ctx.model, ctx.config.cost);
  // The code says there are at most three (`self.raw_file_names[:2]`, `range(3)`, `LIMIT 3`): running them together
  // would save a few hundred milliseconds once, as for a literal of three (tinyLiteralIterable above).
  if (fewStatedItems(items)) return null;
  if (items.assumption.source !== 'code' && (inCommandEntryPoint(loop) || iteratesCommandArguments(loop) || iteratesTypedValues(loop, ctx.model) || splitsOneString(loop))) return null;
  const concurrency = concurrencyOf(loop, ctx.config.cost);
  const cost = serialWallTimeCost({ items, latency: fromConfig(ctx.config.cost, 'http_call_ms'), concurrency }, ctx.config.cost, ctx.locale);
  const confidence = confidenceOf([first]);
  const isAwait = first.awaited;
  const batches = confidence !== 'low' && walksBatches(loop, ctx.model);
  const yields = confidence !== 'low' && !batches && yieldsEachResult(loop);
  return {
    loop,
    line: first.line,
    confidence,
    ...(batches || yields ? { severity: 'info' as const } : {}),
    variant: confidence === 'low' ? 'guessed' : batches ? 'batches' : yields ? 'yields' : isAwait ? 'await' : 'default',
    data: {
      call: calleeLabel(first),
      loopVar: loop.loopVariables[0] ?? 'item',
      items: formatCount(items, ctx.locale),
      before: formatNumber(cost.before, ctx.locale),
      after: formatNumber(cost.after, ctx.locale),
      concurrency: formatNumber(concurrency.value, ctx.locale),
    },
    ...gradedItems(loop, ctx.model, items),
    cost,
    fix: concurrentSketch(loop, ctx, concurrency.value),
  };
};

const CONTINUES = new Set(['continue_statement']);

/** Body text of the loop with this loop's `continue` statements turned into `return` (the body becomes a function). */
function bodyAsFunction(loop: LoopFacts, source: string, model: FileModel): string | undefined {
  const edits: SyntaxNode[] = [];
  walkOwnBody(loop, model, CONTINUES, (n) => edits.push(n));
  const body = loop.body;
  const all = sourceLines(source);
  const isBlock = body.type === 'statement_block' || body.type === 'block';
  if (!isBlock) return undefined;
  let text = body.text;
  const base = body.startIndex;
  for (const e of edits.sort((a, b) => b.startIndex - a.startIndex)) {
    const bytes = Buffer.from(text, 'utf8');
    const start = e.startIndex - base;
    const end = e.endIndex - base;
    text = bytes.subarray(0, start).toString('utf8') + (isPython(loop.language) ? 'return' : 'return;') + bytes.subarray(end).toString('utf8');
  }
  if (body.type === 'statement_block') text = text.replace(/^\{/, '').replace(/\}$/, '');
  // Normalise indentation to zero: the body's first statement line sets it.
  const firstLine = all[body.startPosition.row + (body.type === 'statement_block' ? 1 : 0)] ?? '';
  const bodyIndent = indentOf(body.type === 'block' ? (all[body.startPosition.row] ?? '') : firstLine);
  const out = text
    .split('\n')
    .map((l) => (l.startsWith(bodyIndent) ? l.slice(bodyIndent.length) : l.trimStart()))
    .join('\n')
    .replace(/^\s*\n/, '');
  return dropTrailingBlank(out);
}

function concurrentSketch(loop: LoopFacts, ctx: RuleContext, concurrency: number) {
  const parts = iterationParts(loop);
  const body = bodyAsFunction(loop, ctx.file.source, ctx.model);
  if (!parts || body === undefined) {
    return blockFix(ctx, loop, genericSketch(loop, concurrency), say(ctx, 'fix.serial.generic'), 'unsafe');
  }
  const source = ctx.file.source;
  if (isPython(loop.language)) {
    const fn = freshName(source, 'process_one');
    const simple = /^[A-Za-z_]\w*$/.test(parts.pattern);
    const param = simple ? parts.pattern : 'item';
    const unpack = simple ? [] : [`${parts.pattern.replace(/^\(|\)$/g, '')} = item`];
    if (loop.inAsyncFunction) {
      const sem = freshName(source, 'limit');
      return blockFix(
        ctx,
        loop,
        [
          `${sem} = asyncio.Semaphore(${concurrency})  # calls in flight`,
          '',
          '',
          `async def ${fn}(${param}):`,
          `    async with ${sem}:`,
          ...unpack.map((u) => `        ${u}`),
          indentBlock(body, '        '),
          '',
          '',
          `await asyncio.gather(*(${fn}(${param}) for ${param} in ${parts.iterable}))`,
        ].join('\n'),
        say(ctx, 'fix.serial.gather'),
        'unsafe',
      );
    }
    return blockFix(
      ctx,
      loop,
      [
        'from concurrent.futures import ThreadPoolExecutor',
        '',
        '',
        `def ${fn}(${param}):`,
        ...unpack.map((u) => `    ${u}`),
        indentBlock(body, '    '),
        '',
        '',
        `with ThreadPoolExecutor(max_workers=${concurrency}) as pool:`,
        `    # list() re-raises the first exception from ${fn}`,
        `    list(pool.map(${fn}, ${parts.iterable}))`,
      ].join('\n'),
      say(ctx, 'fix.serial.threads'),
      'unsafe',
    );
  }
  const list = freshName(source, 'pending');
  return blockFix(
    ctx,
    loop,
    [
      `const CONCURRENCY = ${concurrency}; // calls in flight`,
      `const ${list} = Array.from(${parts.iterable});`,
      `for (let i = 0; i < ${list}.length; i += CONCURRENCY) {`,
      `  await Promise.all(`,
      `    ${list}.slice(i, i + CONCURRENCY).map(async (${parts.pattern}) => {`,
      indentBlock(body, '      '),
      '    }),',
      '  );',
      '}',
    ].join('\n'),
    say(ctx, 'fix.serial.promise-all'),
    'unsafe',
  );
}

function genericSketch(loop: LoopFacts, concurrency: number): string {
  if (isPython(loop.language)) {
    return loop.inAsyncFunction
      ? [`limit = asyncio.Semaphore(${concurrency})`, '', 'async def process_one(item):', '    async with limit:', '        ...  # the loop body', '', 'await asyncio.gather(*(process_one(item) for item in items))'].join('\n')
      : ['from concurrent.futures import ThreadPoolExecutor', '', 'def process_one(item):', '    ...  # the loop body', '', `with ThreadPoolExecutor(max_workers=${concurrency}) as pool:`, '    list(pool.map(process_one, items))'].join('\n');
  }
  return [
    `const CONCURRENCY = ${concurrency};`,
    'for (let i = 0; i < items.length; i += CONCURRENCY) {',
    '  await Promise.all(items.slice(i, i + CONCURRENCY).map(async (item) => {',
    '    // the loop body',
    '  }));',
    '}',
  ].join('\n');
}
