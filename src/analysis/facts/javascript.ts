// JavaScript / TypeScript / TSX loop facts. Two cursor walks per file: an index pass (functions, constants,
// timers, signal handlers, comments) that finds the loops which are not loop statements (setInterval, a function
// that re-schedules itself with setTimeout, forEach/async map callbacks), then one fact pass that attributes every
// call, exit, try and assignment to all loops active at that point with loop-relative flags kept as counters.
import type { FlatCursor, FlatTree } from '../flat-tree.js';
import {
  newCallFact,
  newLoopFacts,
  type ArgFact,
  type AssignmentFact,
  type CallConfidence,
  type CallFact,
  type CallKind,
  type EffectVia,
  type ExitFact,
  type FileFacts,
  type IterableFact,
  type LoopFacts,
  type LoopKind,
  type SyntaxNode,
  type TryFact,
} from '../facts.js';
import type { Classification, KnowledgeBase } from '../knowledge-base.js';
import { findSuppressions } from '../suppressions.js';
import { addExit, clip, isBlockingWait, iterationDependentNames, looksLikeSql, MAX_LOOP_DEPTH, MAX_WALK_DEPTH } from './common.js';
import {
  FUNCTION_TYPES,
  LOOP_STATEMENTS,
  argFact,
  boundNames,
  calleeText,
  compact,
  conditionAtoms,
  durationStringMs,
  evalNumber,
  functionName,
  functionParams,
  isAlwaysTrue,
  isAsyncFunction,
  isPlainValue,
  objectArgFacts,
  stopFlagName,
  stringValue,
  isTimersPromises,
  requiredSource,
  isSqlFragment,
  fetchesInlineUrl,
  isBuiltinCollectionCall,
  sendsToPeer,
  templateContent,
  unwrap,
} from './javascript-syntax.js';

// Node type lists passed to descendantsOfType, built once (it caches its symbol table per array).
const ASSIGNMENTS_AND_CALLS: readonly string[] = ['assignment_expression', 'call_expression'];

export type JavaScriptLanguage = 'javascript' | 'typescript' | 'tsx';

interface FunctionInfo {
  node: SyntaxNode;
  name?: string;
  isAsync: boolean;
  body: SyntaxNode | null;
}

interface LoopDraft {
  facts: LoopFacts;
  label?: string;
  /** Function whose body is this loop's body (callback, interval callback, self-rescheduling function). */
  bodyFn?: SyntaxNode;
  /** setTimeout calls that re-schedule a timeout-recursion loop (they are its sleeps). */
  reschedules: SyntaxNode[];
  /** setInterval / first setTimeout handle variable, for clearInterval/clearTimeout exits. */
  handle?: string;
  /** Assignments in the loop (and its condition), for the names whose value changes between iterations. */
  bindings: { names: string[]; value: SyntaxNode | null; accumulates: boolean }[];
  continueNodes: SyntaxNode[];
  /** Calls appended after the walk (the interval itself, an unresolved callback). */
  trailingCalls: SyntaxNode[];
  outerTry?: SyntaxNode;
  outerGuarded: boolean;
}

interface Active {
  d: LoopDraft;
  baseLoop: number;
  baseCond: number;
  baseTry: number;
  baseGuard: number;
  baseCatch: number;
  baseNest: number;
  /** Reached through a nested (callback) function: its returns/awaits are not this loop's. */
  crossed: boolean;
}

interface Ctx {
  active: Active[];
  loopN: number;
  cond: number;
  tryBody: number;
  guard: number;
  catchTry: number;
  nest: number;
  fn: FunctionInfo | null;
  fnName?: string;
  breakTarget: LoopDraft | 'switch' | null;
  continueTarget: LoopDraft | null;
  enclosingTry: SyntaxNode | null;
}

interface Frame {
  ctx: Ctx;
  type: string;
  rule?: (field: string | null) => Ctx;
  /** Nothing below is inside a loop: the walk does not descend. */
  skip?: boolean;
}

/** What a call is, independent of which loop it is seen from. */
interface SharedCall {
  callee: string;
  method: string;
  receiver?: string;
  kinds: CallKind[];
  confidence: CallConfidence;
  via?: EffectVia;
  opens?: EffectVia;
  line: number;
  endLine: number;
  text: string;
  args: ArgFact[];
  sql?: string;
  sleepSeconds?: number;
  timeoutSeconds?: number;
  awaited: boolean;
  resultUsed: boolean;
  assignedTo?: string;
  /** `.catch()` / `.then(ok, fail)` in its promise chain. */
  catchChained: boolean;
  /** An un-awaited promise: a try around it does not catch its rejection. */
  floating: boolean;
  node: SyntaxNode;
  managed?: boolean;
}

const ITERATION_METHODS = new Set(['forEach', 'map', 'flatMap', 'filter', 'reduce', 'reduceRight', 'some', 'every', 'find', 'findIndex', 'findLast', 'findLastIndex']);
const CHAIN_METHODS = new Set(['then', 'catch', 'finally']);
const TIMER_RECEIVERS = new Set(['', 'global.', 'globalThis.', 'window.', 'self.']);
const SIGNALS = new Set(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'beforeExit']);
const CLOSE_METHODS = new Set(['close', 'release', 'end', 'destroy', 'dispose', 'disconnect', 'quit', 'return', 'abort', 'releaseConnection', 'unref']);
const IO_KINDS: CallKind[] = ['http', 'db-read', 'db-write', 'db-batch', 'db-commit', 'queue-pop', 'queue-ack', 'queue-publish', 'connect', 'lock'];
/** amqplib channel methods, emitters and streams return synchronously: not a promise left behind. */
const SYNC_METHODS = new Set(['ack', 'nack', 'reject', 'ackAll', 'nackAll', 'publish', 'sendToQueue', 'emit', 'write', 'end', 'release', 'close']);
const DB_KINDS = new Set<CallKind>(['db-read', 'db-write', 'db-batch', 'db-commit']);
const BLOCKING_POPS = /^(b[lr]pop|brpoplpush|blmove|bzpopmin|bzpopmax|blmpop|bzmpop)$/i;
const STREAM_READS = /^(xread|xreadgroup)$/i;
const MS_NAMES = new Set(['block', 'BLOCK', 'blockMs', 'timeout', 'timeoutMs', 'maxWaitTimeInMs', 'waitTimeMs', 'pollTimeoutMs']);
const S_NAMES = new Set(['WaitTimeSeconds', 'waitTimeSeconds', 'timeoutSeconds', 'waitSeconds']);
/** A DevTools-protocol method name (`Network.deleteCookies`, `Page.navigate`): the domain, a dot, the command. */
const DEVTOOLS_METHOD = /^[A-Z][A-Za-z]+\.[a-z][A-Za-z]+$/;

/** PascalCase globals that are not active-record models (`Math.max` is not `Model.max`). */
export const MODEL_GLOBALS = new Set([
  'Array', 'Object', 'Promise', 'Math', 'JSON', 'Date', 'Number', 'String', 'Boolean', 'Reflect', 'Map', 'Set',
  'WeakMap', 'WeakSet', 'Buffer', 'Symbol', 'Intl', 'Atomics', 'BigInt', 'Error', 'RegExp', 'URL', 'URLSearchParams',
  'Proxy', 'ArrayBuffer', 'DataView', 'React', 'ReactDOM', 'Vue', 'Event', 'EventEmitter', 'Stream', 'Readable',
  'Writable', 'Worker', 'Function', 'Uint8Array', 'Int32Array', 'Float64Array', 'Response', 'Request', 'Headers',
]);
const MAX_HANDLER_SCAN = 20_000;
const INDEX_TYPES = [
  ...FUNCTION_TYPES,
  ...LOOP_STATEMENTS,
  'comment',
  'call_expression',
  'variable_declarator',
  'public_field_definition',
  'field_definition',
  'import_statement',
];

class Extractor {
  private readonly fns = new Map<number, FunctionInfo>();
  private readonly fnsByName = new Map<string, FunctionInfo[]>();
  private readonly consts = new Map<string, SyntaxNode | null>();
  private readonly promiseSleepNames = new Set<string>();
  private readonly comments: { start: number; end: number }[] = [];
  private readonly drafts: LoopDraft[] = [];
  private readonly draftsByBodyFn = new Map<number, LoopDraft[]>();
  /** Callback functions whose body runs as part of an enclosing loop's iteration. */
  private readonly transparentFns = new Set<number>();
  private readonly rescheduleIds = new Set<number>();
  private readonly clearCalls: { handle: string; node: SyntaxNode }[] = [];
  private readonly signalHandlers: SyntaxNode[] = [];
  private readonly shared = new Map<number, SharedCall | null>();
  private readonly handlerFacts = new Map<number, Omit<TryFact, 'insideLoop'>>();
  private readonly refsCache = new Map<number, Set<string>>();
  private readonly concurrentDrafts = new Set<LoopDraft>();
  private fileHandlesSignals = false;
  private skippedDeep = 0;
  private readonly notes: string[] = [];
  private readonly dropped = new Set<LoopDraft>();
  private readonly pushed = new Set<LoopDraft>();
  /** Prefix sums of lines that hold code, built at the first loop that asks (codeLines). */
  private codeLinePrefix: Int32Array | undefined;

  constructor(
    private readonly path: string,
    private readonly source: string,
    private readonly tree: FlatTree,
    private readonly language: JavaScriptLanguage,
    private readonly kb: KnowledgeBase,
  ) {}

  run(): FileFacts {
    this.indexPass();
    this.planFunctionLoops();
    this.factPass();
    this.finish();
    const loops = this.drafts
      .filter((d) => !this.dropped.has(d))
      .map((d) => d.facts)
      .sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex);
    if (this.skippedDeep > 0) this.notes.unshift(`${this.skippedDeep} loop(s) nested deeper than ${MAX_LOOP_DEPTH} levels were not analysed`);
    const notes = this.notes.length > 0 ? this.notes : undefined;
    return {
      ...(notes ? { notes } : {}),
      language: this.language,
      path: this.path,
      source: this.source,
      loops,
      hasErrors: this.tree.rootNode.hasError,
      suppressions: findSuppressions(this.source, '//'),
      tree: this.tree,
    };
  }

  // ---------------------------------------------------------------- index pass

  private indexPass(): void {
    // descendantsOfType walks in native code and only materialises the hits: several times faster than a JS cursor.
    for (const node of this.tree.rootNode.descendantsOfType(INDEX_TYPES)) {
      const type = node.type;
      if (FUNCTION_TYPES.has(type)) {
        // Names come from the node itself or from the declarator/field indexed just before it (pre-order), not
        // from `node.parent`, which costs a walk from the root in tree-sitter.
        const name = node.childForFieldName('name')?.text ?? this.pendingNames.get(node.id);
        const info: FunctionInfo = { node, name, isAsync: isAsyncFunction(node), body: node.childForFieldName('body') };
        this.fns.set(node.id, info);
        if (info.name) {
          const list = this.fnsByName.get(info.name);
          if (list) list.push(info);
          else this.fnsByName.set(info.name, [info]);
        }
      } else if (LOOP_STATEMENTS.has(type)) {
        this.loopStarts.push(node.startIndex);
      } else if (type === 'comment') {
        this.comments.push({ start: node.startIndex, end: node.endIndex });
      } else if (type === 'call_expression') {
        this.indexCall(node, this.pendingInterval, this.pendingTimeout, this.pendingIteration);
      } else if (type === 'variable_declarator') {
        this.indexDeclarator(node);
      } else if (type === 'public_field_definition' || type === 'field_definition') {
        const value = node.childForFieldName('value');
        const name = node.childForFieldName('name') ?? node.childForFieldName('property');
        if (value && name && FUNCTION_TYPES.has(value.type)) this.pendingNames.set(value.id, name.text);
      } else if (type === 'import_statement') {
        this.indexImport(node);
      }
    }
  }

  private readonly pendingNames = new Map<number, string>();
  private readonly gatheredCalls = new Set<number>();

  /** Start offsets of everything the fact pass must visit: loop statements and functions that are loop bodies. */
  private readonly loopStarts: number[] = [];

  private containsLoop(start: number, end: number): boolean {
    const starts = this.loopStarts;
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    return lo < starts.length && starts[lo]! < end;
  }

  private pendingInterval: SyntaxNode[] = [];
  private pendingTimeout: SyntaxNode[] = [];
  private pendingIteration: SyntaxNode[] = [];

  private indexCall(node: SyntaxNode, intervals: SyntaxNode[], timeouts: SyntaxNode[], iterations: SyntaxNode[]): void {
    const fn = node.childForFieldName('function');
    if (!fn) return;
    if (fn.type === 'identifier' || fn.type === 'member_expression') {
      const name = calleeText(fn);
      const dot = name.lastIndexOf('.');
      const method = name.slice(dot + 1);
      const prefix = name.slice(0, dot + 1);
      if (TIMER_RECEIVERS.has(prefix)) {
        if (method === 'setInterval') intervals.push(node);
        else if (method === 'setTimeout') timeouts.push(node);
        else if (method === 'clearInterval' || method === 'clearTimeout') {
          const arg = node.childForFieldName('arguments')?.firstNamedChild;
          if (arg) this.clearCalls.push({ handle: calleeText(arg), node });
        }
      }
      if ((name === 'process.on' || name === 'process.once' || name === 'process.addListener' || name === 'process.prependListener')) {
        const args = node.childForFieldName('arguments')?.namedChildren ?? [];
        const first = args[0];
        const event = first ? stringValue(first) : undefined;
        if (event !== undefined && SIGNALS.has(event)) {
          this.fileHandlesSignals = true;
          const handler = args[1];
          if (handler) this.signalHandlers.push(handler);
        }
      }
      if (fn.type === 'member_expression' && ITERATION_METHODS.has(method)) iterations.push(node);
      if (/^Promise\.(all|allSettled|any|race)$/.test(name)) {
        const first = node.childForFieldName('arguments')?.firstNamedChild;
        if (first) this.gatheredCalls.add(unwrap(first).id);
      }
    }
  }

  private indexDeclarator(node: SyntaxNode): void {
    const name = node.childForFieldName('name');
    const value = node.childForFieldName('value');
    if (!name) return;
    if (name.type === 'identifier') {
      if (value && FUNCTION_TYPES.has(value.type)) this.pendingNames.set(value.id, name.text);
      // `const promises_1 = require("timers/promises")` (TypeScript's CommonJS output, also through __importStar):
      // `(0, promises_1.setTimeout)(ms)` is the promise sleep.
      if (value && isTimersPromises(requiredSource(value))) this.promiseSleepNames.add(`${name.text}.setTimeout`);
      // A name declared twice is ambiguous: resolve neither.
      this.consts.set(name.text, this.consts.has(name.text) ? null : (value ?? null));
      return;
    }
    if (name.type === 'object_pattern' && value) {
      const v = unwrap(value.type === 'await_expression' ? (value.firstNamedChild ?? value) : value);
      if (v.type !== 'call_expression' || v.childForFieldName('function')?.text !== 'require') return;
      const source = v.childForFieldName('arguments')?.firstNamedChild;
      if (!source || !isTimersPromises(stringValue(source))) return;
      for (const c of name.namedChildren) {
        if (c.type === 'shorthand_property_identifier_pattern' && c.text === 'setTimeout') this.promiseSleepNames.add('setTimeout');
        if (c.type === 'pair_pattern' && c.childForFieldName('key')?.text === 'setTimeout') {
          const alias = c.childForFieldName('value');
          if (alias?.type === 'identifier') this.promiseSleepNames.add(alias.text);
        }
      }
    }
  }

  private indexImport(node: SyntaxNode): void {
    const source = node.childForFieldName('source');
    if (!source || !isTimersPromises(stringValue(source))) return;
    for (const ns of node.descendantsOfType('namespace_import')) {
      const alias = ns.namedChildren.find((c) => c.type === 'identifier');
      if (alias) this.promiseSleepNames.add(`${alias.text}.setTimeout`);
    }
    for (const spec of node.descendantsOfType('import_specifier')) {
      if (spec.childForFieldName('name')?.text !== 'setTimeout') continue;
      this.promiseSleepNames.add(spec.childForFieldName('alias')?.text ?? 'setTimeout');
    }
  }

  /**
   * Prefix sums of lines that hold code (not blank, not only comments), for bodyLines: one pass over the characters,
   * comments skipped (a comment that starts inside an earlier one is part of it), their newlines still counted.
   */
  private buildCodeLines(): Int32Array {
    const source = this.source;
    const prefix: number[] = [0];
    let code = false;
    const scan = (from: number, to: number, comment: boolean): void => {
      for (let i = from; i < to; i++) {
        const ch = source.charCodeAt(i);
        if (ch === 10) {
          prefix.push(prefix[prefix.length - 1]! + (code ? 1 : 0));
          code = false;
        } else if (!code && !comment && !isSpace(ch)) code = true;
      }
    };
    let at = 0;
    for (const c of this.comments) {
      if (c.start < at) continue;
      scan(at, c.start, false);
      scan(c.start, c.end, true);
      at = c.end;
    }
    scan(at, source.length, false);
    prefix.push(prefix[prefix.length - 1]! + (code ? 1 : 0));
    return Int32Array.from(prefix);
  }

  private codeLines(startRow: number, endRow: number): number {
    const p = (this.codeLinePrefix ??= this.buildCodeLines());
    const a = Math.max(0, Math.min(startRow, p.length - 1));
    const b = Math.max(a, Math.min(endRow + 1, p.length - 1));
    return p[b]! - p[a]!;
  }

  // ---------------------------------------------------------------- loops that are not loop statements

  private planFunctionLoops(): void {
    for (const call of this.pendingIteration) this.planIteration(call);
    for (const call of this.pendingInterval) this.planInterval(call);
    for (const call of this.pendingTimeout) this.planTimeoutRecursion(call);
    for (const draft of this.drafts) if (draft.bodyFn) this.loopStarts.push(draft.bodyFn.startIndex);
    this.loopStarts.sort((a, b) => a - b);
  }

  private resolveFunction(node: SyntaxNode): FunctionInfo | undefined {
    const n = unwrap(node);
    if (FUNCTION_TYPES.has(n.type)) return this.fns.get(n.id);
    let name: string | undefined;
    if (n.type === 'identifier') name = n.text;
    else if (n.type === 'member_expression' && n.childForFieldName('object')?.type === 'this') name = n.childForFieldName('property')?.text;
    else if (n.type === 'call_expression') {
      // `this.tick.bind(this)`
      const fn = n.childForFieldName('function');
      if (fn?.type === 'member_expression' && fn.childForFieldName('property')?.text === 'bind') {
        const target = fn.childForFieldName('object');
        return target ? this.resolveFunction(target) : undefined;
      }
    }
    if (name === undefined) return undefined;
    const list = this.fnsByName.get(name);
    return list && list.length === 1 ? list[0] : undefined;
  }

  /** `() => this.tick()` / `() => void poll()`: the function a thin wrapper forwards to. */
  private forwardedFunction(fn: SyntaxNode): FunctionInfo | undefined {
    let body = fn.childForFieldName('body');
    if (!body) return undefined;
    if (body.type === 'statement_block') {
      if (body.namedChildCount !== 1) return undefined;
      const only = body.firstNamedChild!;
      if (only.type !== 'expression_statement') return undefined;
      body = only.firstNamedChild;
      if (!body) return undefined;
    }
    let expr = unwrap(body);
    if (expr.type === 'unary_expression' && expr.childForFieldName('operator')?.type === 'void') expr = unwrap(expr.childForFieldName('argument') ?? expr);
    if (expr.type === 'await_expression') expr = unwrap(expr.firstNamedChild ?? expr);
    if (expr.type !== 'call_expression') return undefined;
    const args = expr.childForFieldName('arguments');
    if (args && args.namedChildCount > 0) return undefined;
    const callee = expr.childForFieldName('function');
    return callee ? this.resolveFunction(callee) : undefined;
  }

  private newDraft(kind: LoopKind, node: SyntaxNode, body: SyntaxNode, headerRow: number): LoopDraft {
    const facts = newLoopFacts({
      language: this.language,
      path: this.path,
      kind,
      startLine: node.startPosition.row + 1,
      endLine: node.endPosition.row + 1,
      startIndex: node.startIndex,
      endIndex: node.endIndex,
      headerLine: headerRow + 1,
      bodyStartLine: body.startPosition.row + 1,
      bodyEndLine: body.endPosition.row + 1,
      infinite: false,
      exits: [],
      loopVariables: [],
      calls: [],
      tries: [],
      assignments: [],
      continues: [],
      depth: 0,
      maxBodyNesting: 0,
      bodyLines: 0,
      inAsyncFunction: false,
      hasAwait: false,
      text: '',
      normalizedText: '',
      fileHandlesSignals: this.fileHandlesSignals,
      children: [],
      node,
      body,
    });
    const draft: LoopDraft = { facts, reschedules: [], bindings: [], continueNodes: [], trailingCalls: [], outerGuarded: false };
    this.drafts.push(draft);
    return draft;
  }

  private attachBody(draft: LoopDraft, fn: SyntaxNode, inline: boolean): void {
    draft.bodyFn = fn;
    const list = this.draftsByBodyFn.get(fn.id);
    if (list) list.push(draft);
    else this.draftsByBodyFn.set(fn.id, [draft]);
    if (inline) this.transparentFns.add(fn.id);
  }

  private planIteration(call: SyntaxNode): void {
    const fn = call.childForFieldName('function')!;
    const method = fn.childForFieldName('property')?.text ?? '';
    const args = call.childForFieldName('arguments');
    const first = args?.firstNamedChild;
    if (!first) return;
    const direct = unwrap(first);
    const inline = FUNCTION_TYPES.has(direct.type);
    const info = this.resolveFunction(direct);
    if (!info?.body) return;
    // Only forEach is unambiguously a loop; `map`/`filter` with a sync callback is data shaping, with an async one
    // it starts one task per element.
    if (method !== 'forEach' && !info.isAsync) return;
    const property = fn.childForFieldName('property')!;
    const draft = this.newDraft('callback-iteration', call, info.body, property.startPosition.row);
    this.attachBody(draft, info.node, inline);
    const params = functionParams(info.node);
    if (params) draft.facts.loopVariables = boundNames(params);
    const receiver = fn.childForFieldName('object');
    if (receiver) draft.facts.iterable = this.iterableOf(receiver);
    if (this.insideGather(call)) this.concurrentDrafts.add(draft);
  }

  /** `Promise.all(xs.map(async ...))`: iterations run concurrently (the outer call is indexed first, in pre-order). */
  private insideGather(call: SyntaxNode): boolean {
    return this.gatheredCalls.has(call.id);
  }

  private planInterval(call: SyntaxNode): void {
    const args = call.childForFieldName('arguments');
    const cb = args?.firstNamedChild;
    if (!cb) return;
    const direct = unwrap(cb);
    let info: FunctionInfo | undefined;
    let inline = false;
    if (FUNCTION_TYPES.has(direct.type)) {
      info = this.forwardedFunction(direct);
      if (!info) {
        info = this.fns.get(direct.id);
        inline = true;
      }
    } else info = this.resolveFunction(direct);
    const body = info?.body ?? direct;
    const draft = this.newDraft('interval', call, body, call.startPosition.row);
    draft.facts.infinite = true;
    if (info?.body) this.attachBody(draft, info.node, inline);
    else draft.trailingCalls.push(direct);
    draft.trailingCalls.push(call);
    draft.handle = this.handleOf(call);
  }

  /** Variable a timer handle is stored in: `const t = setInterval(...)`, `this.timer = setInterval(...)`. */
  private handleOf(call: SyntaxNode): string | undefined {
    const parent = call.parent;
    if (parent?.type === 'variable_declarator') {
      const name = parent.childForFieldName('name');
      return name?.type === 'identifier' ? name.text : undefined;
    }
    if (parent?.type === 'assignment_expression') {
      const left = parent.childForFieldName('left');
      return left ? calleeText(left) : undefined;
    }
    return undefined;
  }

  private planTimeoutRecursion(call: SyntaxNode): void {
    const args = call.childForFieldName('arguments');
    const cb = args?.firstNamedChild;
    if (!cb) return;
    const direct = unwrap(cb);
    // Names the callback re-enters: `setTimeout(poll)`, `setTimeout(this.poll)`, `setTimeout(() => this.poll())`.
    const targets = new Set<string>();
    let callbackFn: SyntaxNode | undefined;
    if (FUNCTION_TYPES.has(direct.type)) {
      callbackFn = direct;
      for (const inner of direct.descendantsOfType('call_expression')) {
        const f = inner.childForFieldName('function');
        if (f?.type === 'identifier') targets.add(f.text);
        else if (f?.type === 'member_expression' && f.childForFieldName('object')?.type === 'this') targets.add(f.childForFieldName('property')?.text ?? '');
      }
    } else if (direct.type === 'identifier') targets.add(direct.text);
    else if (direct.type === 'member_expression' && direct.childForFieldName('object')?.type === 'this') targets.add(direct.childForFieldName('property')?.text ?? '');
    else if (direct.type === 'call_expression') {
      const target = this.resolveFunction(direct);
      if (target?.name) targets.add(target.name);
    }
    if (targets.size === 0) return;
    const passed: SyntaxNode[] = [];
    let climbed = 0;
    for (let n = call.parent; n && climbed < 40; n = n.parent, climbed++) {
      if (!FUNCTION_TYPES.has(n.type)) continue;
      const info = this.fns.get(n.id);
      if (info?.name && targets.has(info.name) && info.body) {
        let draft = this.draftsByBodyFn.get(n.id)?.find((d) => d.facts.kind === 'timeout-recursion');
        if (!draft) {
          draft = this.newDraft('timeout-recursion', n, info.body, n.startPosition.row);
          draft.facts.infinite = true;
          this.attachBody(draft, n, false);
          draft.handle = this.handleOf(call);
        }
        draft.reschedules.push(call);
        this.rescheduleIds.add(call.id);
        for (const p of passed) this.transparentFns.add(p.id);
        if (callbackFn) this.transparentFns.add(callbackFn.id);
        return;
      }
      passed.push(n);
    }
  }

  // ---------------------------------------------------------------- fact pass

  private factPass(): void {
    const root: Ctx = {
      active: [],
      loopN: 0,
      cond: 0,
      tryBody: 0,
      guard: 0,
      catchTry: 0,
      nest: 0,
      fn: null,
      breakTarget: null,
      continueTarget: null,
      enclosingTry: null,
    };
    const cursor = this.tree.walk();
    const stack: Frame[] = [this.enter(cursor, root, null)];
    let truncated = false;
    for (;;) {
      const top = stack[stack.length - 1]!;
      // Code nested this deep is generated: its loops are not modelled, and parent walks stay bounded.
      const tooDeep = stack.length >= MAX_WALK_DEPTH;
      if (tooDeep && !top.skip) truncated = true;
      if (!top.skip && !tooDeep && cursor.gotoFirstChild()) {
        const parent = stack[stack.length - 1]!;
        const ctx = parent.rule ? parent.rule(cursor.currentFieldName ?? null) : parent.ctx;
        stack.push(this.enter(cursor, ctx, parent.type));
        continue;
      }
      for (;;) {
        stack.pop();
        if (cursor.gotoNextSibling()) {
          const parent = stack[stack.length - 1]!;
          const ctx = parent.rule ? parent.rule(cursor.currentFieldName ?? null) : parent.ctx;
          stack.push(this.enter(cursor, ctx, parent.type));
          break;
        }
        if (!cursor.gotoParent()) {
          if (truncated) this.notes.push(`code nested deeper than ${MAX_WALK_DEPTH} levels was not analysed`);
          return;
        }
      }
    }
  }

  private enter(cursor: FlatCursor, ctx: Ctx, parentType: string | null): Frame {
    const type = cursor.nodeType;
    if (!cursor.nodeIsNamed) return { ctx, type };
    if (ctx.active.length === 0 && !this.containsLoop(cursor.startIndex, cursor.endIndex)) return { ctx, type, skip: true };
    if (FUNCTION_TYPES.has(type)) return this.enterFunction(cursor.currentNode, ctx);
    if (LOOP_STATEMENTS.has(type)) return this.enterLoopStatement(cursor.currentNode, ctx);
    switch (type) {
      case 'if_statement': {
        const chained = parentType === 'else_clause';
        const branch = this.deeper(ctx, { cond: ctx.cond + 1 }, !chained);
        return { ctx, type, rule: (field) => (field === 'condition' ? ctx : branch) };
      }
      case 'switch_statement': {
        const body = this.deeper(ctx, { cond: ctx.cond + 1, breakTarget: 'switch' }, true);
        return { ctx, type, rule: (field) => (field === 'body' ? body : ctx) };
      }
      case 'ternary_expression': {
        if (ctx.active.length === 0) return { ctx, type };
        const branch: Ctx = { ...ctx, cond: ctx.cond + 1 };
        return { ctx, type, rule: (field) => (field === 'condition' ? ctx : branch) };
      }
      case 'binary_expression': {
        if (ctx.active.length === 0) return { ctx, type };
        const op = cursor.currentNode.childForFieldName('operator')?.type;
        if (op !== '&&' && op !== '||' && op !== '??') return { ctx, type };
        const branch: Ctx = { ...ctx, cond: ctx.cond + 1 };
        return { ctx, type, rule: (field) => (field === 'right' ? branch : ctx) };
      }
      case 'try_statement':
        return this.enterTry(cursor.currentNode, ctx);
      case 'labeled_statement': {
        const node = cursor.currentNode;
        const body = node.childForFieldName('body');
        const label = node.childForFieldName('label')?.text;
        if (body && label && LOOP_STATEMENTS.has(body.type)) this.pendingLabels.set(body.id, label);
        return { ctx, type };
      }
      default:
        break;
    }
    if (ctx.active.length === 0) return { ctx, type };
    switch (type) {
      case 'call_expression':
      case 'new_expression':
        this.onCall(cursor.currentNode, ctx);
        break;
      case 'await_expression':
        for (const e of ctx.active) if (!e.crossed) e.d.facts.hasAwait = true;
        break;
      case 'break_statement':
        this.onBreak(cursor.currentNode, ctx);
        break;
      case 'continue_statement':
        this.onContinue(cursor.currentNode, ctx);
        break;
      case 'return_statement':
        this.onReturnOrThrow(cursor.currentNode, ctx, 'return');
        break;
      case 'throw_statement':
        this.onReturnOrThrow(cursor.currentNode, ctx, 'raise');
        break;
      case 'assignment_expression':
      case 'augmented_assignment_expression':
      case 'variable_declarator':
      case 'update_expression':
        this.onAssignment(cursor.currentNode, ctx);
        break;
      default:
        break;
    }
    return { ctx, type };
  }

  private readonly pendingLabels = new Map<number, string>();

  /** A context one block deeper; records the new nesting level on every active loop. */
  private deeper(ctx: Ctx, changes: Partial<Ctx>, nests: boolean): Ctx {
    const next: Ctx = { ...ctx, ...changes };
    if (nests) {
      next.nest = ctx.nest + 1;
      for (const e of ctx.active) {
        const level = next.nest - e.baseNest;
        if (level > e.d.facts.maxBodyNesting) e.d.facts.maxBodyNesting = level;
      }
    }
    return next;
  }

  private enterFunction(node: SyntaxNode, ctx: Ctx): Frame {
    const info = this.fns.get(node.id) ?? { node, isAsync: isAsyncFunction(node), body: node.childForFieldName('body') };
    const transparent = this.transparentFns.has(node.id);
    const base: Ctx = transparent
      ? {
          ...ctx,
          active: ctx.active.map((e) => (e.crossed ? e : { ...e, crossed: true })),
          fn: info,
          fnName: info.name ?? ctx.fnName,
          breakTarget: null,
          continueTarget: null,
        }
      : {
          active: [],
          loopN: 0,
          cond: 0,
          tryBody: 0,
          guard: 0,
          catchTry: 0,
          nest: 0,
          fn: info,
          fnName: info.name ?? ctx.fnName,
          breakTarget: null,
          continueTarget: null,
          enclosingTry: null,
        };
    const drafts = this.draftsByBodyFn.get(node.id);
    if (!drafts) return { ctx: base, type: node.type };
    let inner = base;
    for (const draft of drafts) {
      if (inner.active.length >= MAX_LOOP_DEPTH) {
        this.skippedDeep++;
        this.dropped.add(draft);
        continue;
      }
      inner = this.pushLoop(draft, inner, transparent ? ctx.fnName : undefined, info);
    }
    const bodyCtx = inner;
    // Parameters are evaluated once per call, which for these loops is once per iteration too.
    return { ctx: base, type: node.type, rule: (field) => (field === 'body' ? bodyCtx : base) };
  }

  /** Starts attributing facts to `draft` below this point. */
  private pushLoop(draft: LoopDraft, ctx: Ctx, outerName: string | undefined, fnInfo: FunctionInfo | null): Ctx {
    const parent = ctx.active[ctx.active.length - 1]?.d;
    const facts = draft.facts;
    this.pushed.add(draft);
    if (parent) {
      facts.parent = parent.facts;
      facts.depth = parent.facts.depth + 1;
      parent.facts.children.push(facts);
    }
    if (facts.kind === 'timeout-recursion') facts.functionName = fnInfo?.name;
    else facts.functionName = fnInfo && draft.bodyFn === fnInfo.node ? (outerName ?? ctx.fnName) : ctx.fnName;
    facts.inAsyncFunction = fnInfo?.isAsync ?? false;
    draft.outerGuarded = ctx.guard > 0;
    if (ctx.enclosingTry) draft.outerTry = ctx.enclosingTry;
    const label = this.pendingLabels.get(facts.node.id);
    if (label) draft.label = label;
    const loopN = ctx.loopN + 1;
    const nest = ctx.nest + 1;
    for (const e of ctx.active) {
      const level = nest - e.baseNest;
      if (level > e.d.facts.maxBodyNesting) e.d.facts.maxBodyNesting = level;
    }
    const entry: Active = {
      d: draft,
      baseLoop: loopN,
      baseCond: ctx.cond,
      baseTry: ctx.tryBody,
      baseGuard: ctx.guard,
      baseCatch: ctx.catchTry,
      baseNest: nest,
      crossed: false,
    };
    const keyword = LOOP_STATEMENTS.has(facts.node.type);
    return {
      ...ctx,
      active: [...ctx.active, entry],
      loopN,
      nest,
      breakTarget: keyword ? draft : ctx.breakTarget,
      continueTarget: keyword ? draft : ctx.continueTarget,
    };
  }

  private enterLoopStatement(node: SyntaxNode, ctx: Ctx): Frame {
    const type = node.type;
    if (ctx.active.length >= MAX_LOOP_DEPTH) {
      this.skippedDeep++;
      return { ctx: { ...ctx, breakTarget: null, continueTarget: null }, type };
    }
    const body = node.childForFieldName('body') ?? node;
    let kind: LoopKind = 'while';
    const headerRow = node.startPosition.row;
    if (type === 'for_statement') kind = 'for';
    else if (type === 'do_statement') {
      kind = 'do';
    } else if (type === 'for_in_statement') {
      kind = node.child(1)?.type === 'await' ? 'for-await' : 'for-each';
    }
    const draft = this.newDraft(kind, node, body, headerRow);
    this.describeHeader(draft, node);
    draft.facts.inAsyncFunction = ctx.fn?.isAsync ?? false;
    const inner = this.pushLoop(draft, ctx, undefined, ctx.fn);
    draft.facts.functionName = ctx.fnName ?? this.lateName(ctx.fn);
    draft.facts.inAsyncFunction = ctx.fn?.isAsync ?? false;
    // The iterable (`for..of`) and the initializer (`for (;;)`) run once; the rest runs every iteration.
    const once = type === 'for_in_statement' ? 'right' : type === 'for_statement' ? 'initializer' : '';
    return { ctx, type, rule: (field) => (field === once ? ctx : inner) };
  }

  /** `{ run: async () => { ... } }`, `this.poll = function () { ... }`: named by their parent, looked up only here. */
  private lateName(fn: FunctionInfo | null): string | undefined {
    if (!fn || fn.name !== undefined) return fn?.name;
    fn.name = functionName(fn.node);
    return fn.name;
  }

  private describeHeader(draft: LoopDraft, node: SyntaxNode): void {
    const facts = draft.facts;
    const exits = facts.exits;
    if (node.type === 'for_in_statement') {
      facts.loopVariables = boundNames(node.childForFieldName('left'));
      const right = node.childForFieldName('right');
      if (right) facts.iterable = this.iterableOf(right);
      return;
    }
    if (node.type === 'for_statement') {
      const init = node.childForFieldName('initializer');
      if (init) {
        if (init.type === 'lexical_declaration' || init.type === 'variable_declaration') facts.loopVariables = boundNames(init);
        else
          for (const a of init.descendantsOfType('assignment_expression')) {
            const left = a.childForFieldName('left');
            if (left?.type === 'identifier') facts.loopVariables.push(left.text);
          }
      }
      const condition = node.childForFieldName('condition');
      const condExpr =
        condition && condition.type !== ';' && condition.type !== 'empty_statement'
          ? condition.type === 'expression_statement'
            ? condition.firstNamedChild
            : condition
          : null;
      if (!condExpr || isAlwaysTrue(condExpr)) facts.infinite = true;
      else {
        facts.condition = condExpr.text;
        exits.push({ kind: 'condition', line: condExpr.startPosition.row + 1 });
        facts.iterable = this.rangeOf(condExpr, facts.loopVariables);
      }
      return;
    }
    const condition = node.childForFieldName('condition');
    if (!condition) return;
    if (isAlwaysTrue(condition)) {
      facts.infinite = true;
      return;
    }
    const inner = condition.type === 'parenthesized_expression' ? (condition.firstNamedChild ?? condition) : condition;
    facts.condition = inner.text;
    let sawCondition = false;
    for (const atom of conditionAtoms(inner)) {
      const flag = stopFlagName(atom);
      if (flag) exits.push({ kind: 'stop-flag', line: atom.startPosition.row + 1, name: flag });
      else if (!sawCondition) {
        sawCondition = true;
        exits.push({ kind: 'condition', line: atom.startPosition.row + 1 });
      }
    }
    // `while ((job = await next()))`: the name assigned in the condition changes every iteration.
    for (const a of inner.descendantsOfType('assignment_expression')) {
      const left = a.childForFieldName('left');
      if (left) draft.bindings.push({ names: [calleeText(left)], value: a.childForFieldName('right'), accumulates: false });
    }
  }

  /** `i < items.length` → range-len over `items`; `i < 10` / `i < n` → range. */
  private rangeOf(cond: SyntaxNode, vars: string[]): IterableFact | undefined {
    const c = unwrap(cond);
    if (c.type !== 'binary_expression') return undefined;
    const op = c.childForFieldName('operator')?.type;
    const left = c.childForFieldName('left');
    const right = c.childForFieldName('right');
    if (!left || !right || (op !== '<' && op !== '<=' && op !== '>' && op !== '>=')) return undefined;
    const [index, bound] = vars.includes(left.text) ? [left, right] : vars.includes(right.text) ? [right, left] : [null, null];
    if (!index || !bound) return undefined;
    const b = unwrap(bound);
    if (b.type === 'member_expression' && b.childForFieldName('property')?.text === 'length') {
      const collection = b.childForFieldName('object');
      return { text: c.text, kind: 'range-len', collection: collection ? calleeText(collection) : undefined };
    }
    return { text: c.text, kind: 'range' };
  }

  private iterableOf(node: SyntaxNode): IterableFact {
    let n = unwrap(node);
    if (n.type === 'await_expression') n = unwrap(n.firstNamedChild ?? n);
    const text = n.text.length > 300 ? n.text.slice(0, 300) : n.text;
    if (n.type === 'identifier' || n.type === 'member_expression') return { text, kind: 'name', collection: calleeText(n) };
    if (n.type === 'array' || n.type === 'string' || n.type === 'template_string' || n.type === 'object') return { text, kind: 'literal' };
    if (n.type === 'call_expression' || n.type === 'new_expression') {
      const fn = n.childForFieldName(n.type === 'call_expression' ? 'function' : 'constructor');
      if (fn) {
        const callee = calleeText(fn);
        const { kinds } = this.classify(callee, this.sqlOf(n), undefined, n.startIndex);
        if (kinds.includes('db-read') || kinds.includes('db-batch')) return { text, kind: 'query' };
        if (/^Array\.from$/.test(callee) || /^Object\.(keys|values|entries)$/.test(callee)) {
          const arg = n.childForFieldName('arguments')?.firstNamedChild;
          return { text, kind: 'call', collection: arg ? calleeText(arg) : undefined };
        }
      }
      return { text, kind: 'call' };
    }
    return { text, kind: 'other' };
  }

  private enterTry(node: SyntaxNode, ctx: Ctx): Frame {
    const handler = node.childForFieldName('handler');
    const broad = handler ? handlerIsBroad(handler) : false;
    if (ctx.active.length > 0) {
      const fact: TryFact = { ...this.handlerFactsOf(node), insideLoop: true };
      for (const e of ctx.active) e.d.facts.tries.push(fact);
    }
    const body = this.deeper(
      ctx,
      {
        tryBody: ctx.tryBody + 1,
        guard: ctx.guard + (broad ? 1 : 0),
        catchTry: ctx.catchTry + (handler ? 1 : 0),
        enclosingTry: node,
      },
      true,
    );
    const inHandler = this.deeper(ctx, { cond: ctx.cond + 1 }, true);
    const inFinally = this.deeper(ctx, {}, true);
    return {
      ctx,
      type: node.type,
      rule: (field) => (field === 'body' ? body : field === 'handler' ? inHandler : field === 'finalizer' ? inFinally : ctx),
    };
  }

  private handlerFactsOf(tryNode: SyntaxNode): Omit<TryFact, 'insideLoop'> {
    const cached = this.handlerFacts.get(tryNode.id);
    if (cached) return cached;
    const handler = tryNode.childForFieldName('handler');
    const fact: Omit<TryFact, 'insideLoop'> = {
      startLine: tryNode.startPosition.row + 1,
      endLine: tryNode.endPosition.row + 1,
      catchesBroadly: handler ? handlerIsBroad(handler) : false,
      handlerSleeps: false,
      handlerContinues: false,
      handlerReraises: false,
      handlerBreaksOrReturns: false,
      handlerLogs: false,
      node: tryNode,
    };
    const body = handler?.childForFieldName('body');
    if (body) {
      const cursor = body.walk();
      let seen = 0;
      for (;;) {
        const type = cursor.nodeType;
        let skip = FUNCTION_TYPES.has(type);
        if (type === 'throw_statement') fact.handlerReraises = true;
        else if (type === 'continue_statement') fact.handlerContinues = true;
        else if (type === 'break_statement' || type === 'return_statement') fact.handlerBreaksOrReturns = true;
        else if (type === 'call_expression' || type === 'new_expression') {
          const node = cursor.currentNode;
          const kinds = this.quickKinds(node);
          if (kinds.includes('sleep')) fact.handlerSleeps = true;
          if (kinds.includes('log')) fact.handlerLogs = true;
        }
        if (++seen > MAX_HANDLER_SCAN) skip = true;
        if (!skip && cursor.gotoFirstChild()) continue;
        let done = false;
        while (!cursor.gotoNextSibling()) {
          if (!cursor.gotoParent() || cursor.startIndex === body.startIndex) {
            done = true;
            break;
          }
        }
        if (done) break;
      }
    }
    this.handlerFacts.set(tryNode.id, fact);
    return fact;
  }

  /** Kinds of a call without loop context (for handlers): sleeps and logs. */
  private quickKinds(node: SyntaxNode): CallKind[] {
    if (node.type === 'new_expression') return this.promiseSleepMs(node) !== null ? ['sleep'] : [];
    const fn = node.childForFieldName('function');
    if (!fn) return [];
    const callee = calleeText(fn);
    const kinds = this.classify(callee, undefined, undefined).kinds;
    if (kinds.includes('sleep') && this.isCallbackTimer(node, callee)) return kinds.filter((k) => k !== 'sleep');
    return kinds;
  }

  // ---------------------------------------------------------------- calls

  private classify(callee: string, sql: string | undefined, args: ArgFact[] | undefined, at?: number): Classification {
    const result = this.kb.classify(this.language, callee, { sql, args, at });
    // (A static method of a class of this file, `RefStore.exists`, is what its summary says: no model read.)
    if (result.kinds.length > 0 || result.by === 'summary') return result;
    // Mongoose / Sequelize / TypeORM active-record models are PascalCase identifiers (`User.findOne`); the
    // knowledge base lists their methods under the placeholder receiver `$ActiveRecord`.
    const dot = callee.indexOf('.');
    if (dot > 0) {
      const head = callee.slice(0, dot);
      if (/^[A-Z][A-Za-z0-9_]*$/.test(head) && !MODEL_GLOBALS.has(head) && !/^[A-Z0-9_]+$/.test(head)) {
        const model = this.kb.classify(this.language, `$ActiveRecord${callee.slice(dot)}`, { sql, args });
        if (model.kinds.length > 0) return model;
      }
    }
    return result;
  }

  private onCall(node: SyntaxNode, ctx: Ctx): void {
    let shared = this.shared.get(node.id);
    if (shared === undefined) {
      shared = this.buildShared(node, ctx);
      this.shared.set(node.id, shared);
    }
    if (!shared) return;
    this.callExits(shared, ctx);
    for (const e of ctx.active) e.d.facts.calls.push(this.callFor(shared, ctx, e));
  }

  private callFor(shared: SharedCall, ctx: Ctx, e: Active): CallFact {
    const guardedByTry = (ctx.guard > e.baseGuard || e.d.outerGuarded) && !shared.floating;
    return newCallFact({
      callee: shared.callee,
      method: shared.method,
      receiver: shared.receiver,
      kinds: shared.kinds,
      confidence: shared.confidence,
      via: shared.via,
      opens: shared.opens,
      line: shared.line,
      endLine: shared.endLine,
      text: shared.text,
      args: shared.args,
      sql: shared.sql,
      sleepSeconds: shared.sleepSeconds,
      timeoutSeconds: shared.timeoutSeconds,
      awaited: shared.awaited,
      resultUsed: shared.resultUsed,
      assignedTo: shared.assignedTo,
      guarded: guardedByTry || shared.catchChained,
      inTry: ctx.tryBody > e.baseTry,
      inInnerLoop: ctx.loopN > e.baseLoop,
      conditional: ctx.cond > e.baseCond,
      dependsOnIteration: false,
      managed: false,
      node: shared.node,
    });
  }

  private buildShared(node: SyntaxNode, ctx: Ctx | null): SharedCall | null {
    const isNew = node.type === 'new_expression';
    let fn = node.childForFieldName(isNew ? 'constructor' : 'function');
    if (!fn) return null;
    // tree-sitter-typescript reads `await load<T>(x)` / `void load<T>(x)` as a call of `await load` / `void load`.
    let prefix: 'await' | 'void' | undefined;
    if (!isNew && node.childForFieldName('type_arguments')) {
      if (fn.type === 'await_expression' && fn.firstNamedChild) {
        prefix = 'await';
        fn = fn.firstNamedChild;
      } else if (fn.type === 'unary_expression' && fn.childForFieldName('operator')?.type === 'void' && fn.childForFieldName('argument')) {
        prefix = 'void';
        fn = fn.childForFieldName('argument')!;
      }
    }
    const argsNode = node.childForFieldName('arguments');
    const tagged = argsNode?.type === 'template_string';
    if (!isNew && fn.type === 'member_expression') {
      const property = fn.childForFieldName('property')?.text ?? '';
      const object = fn.childForFieldName('object');
      // Promise-chain links are folded into the call that starts the chain.
      if (CHAIN_METHODS.has(property) && object && isCallLike(unwrap(object))) return null;
    }
    const ctorName = calleeText(fn);
    const callee = isNew ? `new ${ctorName}` : ctorName;
    const dot = ctorName.lastIndexOf('.');
    const method = ctorName.slice(dot + 1);
    const receiver = dot > 0 ? ctorName.slice(0, dot) : undefined;

    const args: ArgFact[] = [];
    const named: ArgFact[] = [];
    const positional: SyntaxNode[] = [];
    if (tagged && argsNode) {
      positional.push(argsNode);
      args.push(argFact(argsNode));
    } else if (argsNode) {
      for (const c of argsNode.namedChildren) {
        if (c.type === 'comment') continue;
        positional.push(c);
        args.push(argFact(c));
        objectArgFacts(c, named);
      }
    }
    args.push(...named);

    let sql: string | undefined;
    if (tagged && argsNode) sql = templateContent(argsNode);
    else if (positional[0]) sql = this.sqlText(positional[0]);
    if (sql !== undefined && !looksLikeSql(sql)) sql = undefined;

    let kinds: CallKind[];
    let confidence: CallConfidence;
    let via: EffectVia | undefined;
    let opens: EffectVia | undefined;
    let summarisedTimeout: number | undefined;
    let sleepMs: number | undefined;
    const promiseSleep = isNew ? this.promiseSleepMs(node) : null;
    if (promiseSleep !== null) {
      kinds = ['sleep'];
      confidence = 'high';
      sleepMs = promiseSleep;
    } else {
      const classified = this.classify(ctorName, sql, args, node.startIndex);
      ({ kinds, confidence, via, opens } = classified);
      // A module alias of timers/promises (`promises_1.setTimeout`, `tp.setTimeout`) or a renamed import of its
      // setTimeout is the promise sleep whatever the catalogue's name patterns say.
      if (!isNew && !via && this.promiseSleepNames.has(ctorName) && !kinds.includes('sleep')) {
        kinds = ['sleep'];
        confidence = 'high';
      }
      if (via) {
        summarisedTimeout = classified.timeoutSeconds;
        if (classified.sleepSeconds !== undefined) sleepMs = classified.sleepSeconds * 1000;
      }
      // `new ReceiveMessageCommand(...)` only builds a request object; `client.send(command)` does the I/O. A
      // sql`...` template passed to `pool.query` is the query's text, not a second query.
      if ((isNew && /Command$/.test(method)) || (tagged && node.parent?.type === 'arguments') || isSqlFragment(node)) kinds = [];
      // `fetch(`data:${type};base64,${b64}`)`: a data: or blob: URL is decoded in process, not requested.
      if (!isNew && !via && method === 'fetch' && fetchesInlineUrl(positional)) kinds = [];
      // `this.pending.delete(id)` where the file binds `this.pending` only to `new Map()`: the collection's own method.
      if (!isNew && !via && kinds.length > 0 && isBuiltinCollectionCall(this.tree.rootNode, receiver, method)) kinds = [];
    }

    const position = this.usage(node);
    if (prefix === 'await') position.awaited = true;
    if (prefix === 'void') position.resultUsed = false;
    let timeoutSeconds = via ? summarisedTimeout : this.timeoutOf(method, positional, args, kinds);

    if (!isNew && method === 'send' && positional[0]) {
      const command = this.resolveCommand(positional[0]);
      if (command) {
        const commandName = calleeText(command.childForFieldName('constructor')!);
        const commandKinds = this.classify(commandName.slice(commandName.lastIndexOf('.') + 1), undefined, undefined).kinds;
        kinds = unique([...kinds, ...commandKinds, 'http']);
        const commandArgs: ArgFact[] = [];
        const first = command.childForFieldName('arguments')?.firstNamedChild;
        if (first) objectArgFacts(this.resolveConst(first) ?? first, commandArgs);
        timeoutSeconds ??= namedTimeout(commandArgs);
      } else if (!via && positional[0].type === 'string' && DEVTOOLS_METHOD.test(positional[0].text.slice(1, -1))) {
        // `session.send('Network.deleteCookies', params)`: a DevTools-protocol command to the browser the session
        // drives, not the AWS SDK's `client.send(command)` (which takes a command object) the catalogue matched.
        kinds = [];
      } else if (!via && sendsToPeer(receiver, positional)) {
        kinds = [];
      }
    }

    // `sqs.receiveMessage({ WaitTimeSeconds: 20 }).promise()`: the options sit on the previous link.
    if (timeoutSeconds === undefined && kinds.includes('queue-pop') && fn.type === 'member_expression') {
      const previous = fn.childForFieldName('object');
      const options = previous?.type === 'call_expression' ? previous.childForFieldName('arguments')?.firstNamedChild : null;
      if (options) {
        const named: ArgFact[] = [];
        objectArgFacts(this.resolveConst(options) ?? options, named);
        timeoutSeconds = namedTimeout(named);
      }
    }

    if (kinds.includes('sleep') && promiseSleep === null && !via) {
      if (this.isCallbackTimer(node, ctorName) && !this.rescheduleIds.has(node.id)) kinds = kinds.filter((k) => k !== 'sleep');
      else sleepMs = this.sleepMsOf(node, ctorName, positional);
    }

    if (kinds.includes('queue-pop') && !via && isPlainValue(node)) kinds = kinds.filter((k) => k !== 'queue-pop');

    let floating = false;
    if (!position.awaited && !position.resultUsed && !kinds.includes('sleep')) {
      const hasCallback = positional.some((p) => FUNCTION_TYPES.has(unwrap(p).type));
      const local = this.localAsync(fn);
      const ioPromise = (ctx?.fn?.isAsync ?? false) && !hasCallback && !SYNC_METHODS.has(method) && kinds.some((k) => IO_KINDS.includes(k));
      if (local || ioPromise || position.chained) {
        floating = true;
        if (!kinds.includes('task-spawn') && (local || ioPromise)) kinds = [...kinds, 'task-spawn'];
      }
    }

    const shared: SharedCall = {
      callee,
      method,
      receiver,
      kinds,
      confidence,
      via,
      opens,
      line: node.startPosition.row + 1,
      endLine: node.endPosition.row + 1,
      text: node.text.length > 2000 ? node.text.slice(0, 2000) : node.text,
      args,
      awaited: position.awaited,
      resultUsed: position.resultUsed,
      catchChained: position.catchChained,
      floating,
      node,
    };
    if (position.assignedTo !== undefined) shared.assignedTo = position.assignedTo;
    if (sql !== undefined) shared.sql = sql;
    if (sleepMs !== undefined) shared.sleepSeconds = sleepMs / 1000;
    if (timeoutSeconds !== undefined) shared.timeoutSeconds = timeoutSeconds;
    this.stripChainedKinds(shared);
    return shared;
  }

  /**
   * In a builder chain (`knex('t').where(...).first()`, `User.find().lean()`) the query runs once, at the end:
   * only the outermost link keeps the database kinds.
   */
  private stripChainedKinds(shared: SharedCall): void {
    if (shared.kinds.length === 0) return;
    const member = shared.node.parent;
    if (member?.type !== 'member_expression') return;
    const outer = member.parent;
    if (outer?.type !== 'call_expression' || outer.childForFieldName('function')?.id !== member.id) return;
    let outerShared = this.shared.get(outer.id);
    if (outerShared === undefined) {
      outerShared = this.buildShared(outer, null);
      this.shared.set(outer.id, outerShared);
    }
    if (!outerShared) return;
    const outerDb = outerShared.kinds.some((k) => DB_KINDS.has(k));
    shared.kinds = shared.kinds.filter((k) => !outerShared.kinds.includes(k) && !(outerDb && DB_KINDS.has(k)));
  }

  private sqlText(arg: SyntaxNode): string | undefined {
    const n = this.resolveConst(arg) ?? unwrap(arg);
    const s = stringValue(n);
    if (s !== undefined) return s;
    const t = templateContent(n);
    if (t !== undefined) return t;
    if (n.type === 'call_expression') {
      const args = n.childForFieldName('arguments');
      // sql`...` / Prisma.sql`...` / SQL`...`
      if (args?.type === 'template_string') return templateContent(args);
    }
    if (n.type === 'object') {
      // pg `{ text: 'SELECT ...', values }`
      for (const c of n.namedChildren) {
        if (c.type === 'pair' && (c.childForFieldName('key')?.text === 'text' || c.childForFieldName('key')?.text === 'sql')) {
          const v = c.childForFieldName('value');
          if (v) return stringValue(v) ?? templateContent(v);
        }
      }
    }
    return undefined;
  }

  private sqlOf(call: SyntaxNode): string | undefined {
    const args = call.childForFieldName('arguments');
    if (!args) return undefined;
    const sql = args.type === 'template_string' ? templateContent(args) : args.firstNamedChild ? this.sqlText(args.firstNamedChild) : undefined;
    return sql !== undefined && looksLikeSql(sql) ? sql : undefined;
  }

  /** An identifier bound once to a literal-ish value in this file (`const POLL_MS = 5000`). */
  private resolveConst(node: SyntaxNode): SyntaxNode | undefined {
    const n = unwrap(node);
    if (n.type !== 'identifier') return undefined;
    const value = this.consts.get(n.text);
    return value ?? undefined;
  }

  private numberOf(node: SyntaxNode): number | undefined {
    const direct = evalNumber(node);
    if (direct !== undefined) return direct;
    const resolved = this.resolveConst(node);
    if (resolved) {
      const value = evalNumber(resolved);
      if (value !== undefined) return value;
      const s = stringValue(resolved);
      return s === undefined ? undefined : durationStringMs(s);
    }
    const s = stringValue(node);
    return s === undefined ? undefined : durationStringMs(s);
  }

  private resolveCommand(arg: SyntaxNode): SyntaxNode | undefined {
    const n = unwrap(arg);
    const target = n.type === 'new_expression' ? n : this.resolveConst(n);
    if (!target || target.type !== 'new_expression') return undefined;
    const ctor = target.childForFieldName('constructor');
    return ctor && /Command$/.test(ctor.text) ? target : undefined;
  }

  /** `setTimeout(fn, ms)` with a callback: schedules work, does not wait. */
  private isCallbackTimer(node: SyntaxNode, callee: string): boolean {
    const method = callee.slice(callee.lastIndexOf('.') + 1);
    if (method !== 'setTimeout' && method !== 'setInterval' && method !== 'setImmediate') return false;
    if (this.promiseSleepNames.has(callee)) return false;
    const first = node.childForFieldName('arguments')?.firstNamedChild;
    if (!first) return false;
    const n = unwrap(first);
    return FUNCTION_TYPES.has(n.type) || n.type === 'identifier' || n.type === 'member_expression' || n.type === 'call_expression';
  }

  /** Milliseconds of a sleep call: `sleep(ms)`, `delay(ms)`, `setTimeout(ms)` from timers/promises. */
  private sleepMsOf(node: SyntaxNode, callee: string, positional: SyntaxNode[]): number | undefined {
    const method = callee.slice(callee.lastIndexOf('.') + 1);
    let arg = positional[0];
    if ((method === 'setTimeout' || method === 'setInterval') && this.isCallbackTimer(node, callee)) arg = positional[1];
    if (!arg) return method === 'setTimeout' || method === 'setInterval' ? 0 : undefined;
    const value = this.numberOf(arg);
    if (value === undefined) return undefined;
    return this.helperTakesSeconds(callee) ? value * 1000 : value;
  }

  /** A local helper `sleep = (s) => new Promise(r => setTimeout(r, s * 1000))` takes seconds, not ms. */
  private helperTakesSeconds(callee: string): boolean {
    const list = this.fnsByName.get(callee);
    if (!list || list.length !== 1) return false;
    const body = list[0]!.body;
    if (!body) return false;
    for (const call of body.descendantsOfType('call_expression')) {
      if (call.childForFieldName('function')?.text !== 'setTimeout') continue;
      const delay = call.childForFieldName('arguments')?.namedChildren[1];
      const d = delay ? unwrap(delay) : undefined;
      if (d?.type === 'binary_expression' && d.childForFieldName('operator')?.type === '*') {
        const left = d.childForFieldName('left');
        const right = d.childForFieldName('right');
        if ((left && evalNumber(left) === 1000) || (right && evalNumber(right) === 1000)) return true;
      }
    }
    return false;
  }

  /** `new Promise(r => setTimeout(r, ms))` → ms (NaN-free: 0 when the delay is not a literal is avoided). */
  private promiseSleepMs(node: SyntaxNode): number | undefined | null {
    const ctor = node.childForFieldName('constructor');
    if (ctor?.text !== 'Promise') return null;
    const executor = node.childForFieldName('arguments')?.firstNamedChild;
    const fn = executor ? unwrap(executor) : undefined;
    if (!fn || !FUNCTION_TYPES.has(fn.type)) return null;
    const params = functionParams(fn);
    const resolve = params ? boundNames(params)[0] : undefined;
    if (!resolve) return null;
    let body = fn.childForFieldName('body');
    if (body?.type === 'statement_block') {
      if (body.namedChildCount !== 1 || body.firstNamedChild?.type !== 'expression_statement') return null;
      body = body.firstNamedChild.firstNamedChild;
    }
    const call = body ? unwrap(body) : undefined;
    if (call?.type !== 'call_expression') return null;
    const callee = call.childForFieldName('function');
    if (!callee || !/^(?:(?:global|globalThis|window)\.)?setTimeout$/.test(calleeText(callee))) return null;
    const args = call.childForFieldName('arguments')?.namedChildren ?? [];
    const first = args[0];
    if (!first) return null;
    const target = unwrap(first);
    const callsResolve =
      target.text === resolve ||
      (FUNCTION_TYPES.has(target.type) && target.descendantsOfType('call_expression').some((c) => c.childForFieldName('function')?.text === resolve));
    if (!callsResolve) return null;
    const delay = args[1];
    return delay ? this.numberOf(delay) : 0;
  }

  private timeoutOf(method: string, positional: SyntaxNode[], args: ArgFact[], kinds: CallKind[]): number | undefined {
    if (BLOCKING_POPS.test(method) && positional.length > 0) {
      const last = this.numberOf(positional[positional.length - 1]!);
      if (last !== undefined) return last;
    }
    if (STREAM_READS.test(method)) {
      for (let i = 0; i + 1 < positional.length; i++) {
        if (stringValue(positional[i]!)?.toUpperCase() === 'BLOCK') {
          const ms = this.numberOf(positional[i + 1]!);
          if (ms !== undefined) return ms / 1000;
        }
      }
    }
    if (kinds.includes('queue-pop') || args.some((a) => a.name !== undefined && S_NAMES.has(a.name))) return namedTimeout(args);
    return undefined;
  }

  /** `async function foo` / `async foo()` declared in this file, called as `foo()` or `this.foo()`. */
  private localAsync(fn: SyntaxNode): boolean {
    let name: string | undefined;
    if (fn.type === 'identifier') name = fn.text;
    else if (fn.type === 'member_expression' && fn.childForFieldName('object')?.type === 'this') name = fn.childForFieldName('property')?.text;
    if (!name) return false;
    const list = this.fnsByName.get(name);
    return list !== undefined && list.length > 0 && list.every((f) => f.isAsync);
  }

  /** How a call's value is used: awaited, assigned, discarded, chained with then/catch. */
  private usage(node: SyntaxNode): { awaited: boolean; resultUsed: boolean; assignedTo?: string; catchChained: boolean; chained: boolean } {
    // `await this.send<Payload>(body)`: the TypeScript grammar reads the awaited generic call as a call of
    // `await this.send` (type arguments bind after the await); the call is awaited all the same.
    let awaited = node.childForFieldName('function')?.type === 'await_expression';
    let catchChained = false;
    let chained = false;
    let n = node;
    let p = n.parent;
    for (let i = 0; p && i < 64; i++) {
      if (p.type === 'parenthesized_expression' || p.type === 'non_null_expression' || p.type === 'as_expression' || p.type === 'satisfies_expression') {
        n = p;
        p = p.parent;
        continue;
      }
      if (p.type === 'await_expression') {
        awaited = true;
        n = p;
        p = p.parent;
        continue;
      }
      if (p.type === 'member_expression' && p.childForFieldName('object')?.id === n.id) {
        const property = p.childForFieldName('property')?.text ?? '';
        const call = p.parent;
        if (CHAIN_METHODS.has(property) && call?.type === 'call_expression' && call.childForFieldName('function')?.id === p.id) {
          chained = true;
          const cbs = call.childForFieldName('arguments')?.namedChildCount ?? 0;
          if (property === 'catch' || (property === 'then' && cbs >= 2)) catchChained = true;
          n = call;
          p = call.parent;
          continue;
        }
      }
      break;
    }
    if (!p) return { awaited, resultUsed: false, catchChained, chained };
    switch (p.type) {
      case 'expression_statement':
        return { awaited, resultUsed: false, catchChained, chained };
      case 'unary_expression':
        if (p.childForFieldName('operator')?.type === 'void') return { awaited, resultUsed: false, catchChained, chained };
        break;
      case 'variable_declarator': {
        const names = boundNames(p.childForFieldName('name'));
        return { awaited, resultUsed: true, assignedTo: names[0], catchChained, chained };
      }
      case 'assignment_expression': {
        const left = p.childForFieldName('left');
        if (left && p.childForFieldName('right')?.id === n.id) {
          const target = left.type === 'identifier' || left.type === 'member_expression' ? calleeText(left) : boundNames(left)[0];
          return { awaited, resultUsed: true, assignedTo: target, catchChained, chained };
        }
        break;
      }
      case 'sequence_expression':
        if (p.parent?.type === 'expression_statement') return { awaited, resultUsed: false, catchChained, chained };
        break;
      default:
        break;
    }
    return { awaited, resultUsed: true, catchChained, chained };
  }

  /** Calls that end the loop: `process.exit()`, `signal.throwIfAborted()`. */
  private callExits(shared: SharedCall, ctx: Ctx): void {
    let exit: ExitFact | undefined;
    if (shared.callee === 'process.exit') exit = { kind: 'return', line: shared.line, name: 'process.exit' };
    else if (shared.method === 'throwIfAborted') exit = { kind: 'stop-flag', line: shared.line, name: `${shared.receiver ?? 'signal'}.aborted` };
    if (!exit) return;
    for (const e of ctx.active) if (!e.crossed) e.d.facts.exits.push(exit);
  }

  // ---------------------------------------------------------------- exits, continues, assignments

  private onBreak(node: SyntaxNode, ctx: Ctx): void {
    const label = node.childForFieldName('label')?.text;
    if (label) {
      const at = ctx.active.findIndex((e) => !e.crossed && e.d.label === label);
      if (at < 0) return;
      for (const e of ctx.active.slice(at)) if (!e.crossed) this.addExit(e.d, 'break', node);
      return;
    }
    if (ctx.breakTarget && ctx.breakTarget !== 'switch') this.addExit(ctx.breakTarget, 'break', node);
  }

  private onContinue(node: SyntaxNode, ctx: Ctx): void {
    const label = node.childForFieldName('label')?.text;
    const target = label ? ctx.active.find((e) => !e.crossed && e.d.label === label)?.d : ctx.continueTarget;
    target?.continueNodes.push(node);
  }

  private onReturnOrThrow(node: SyntaxNode, ctx: Ctx, kind: 'return' | 'raise'): void {
    for (const e of ctx.active) {
      if (e.crossed) continue;
      const loopKind = e.d.facts.kind;
      if (kind === 'raise' && ctx.catchTry > e.baseCatch) continue;
      if (kind === 'return' && (loopKind === 'interval' || loopKind === 'callback-iteration')) continue;
      if (loopKind === 'timeout-recursion') {
        const first = e.d.reschedules[0];
        if (first && node.startIndex > first.startIndex) continue;
      }
      this.addExit(e.d, kind, node);
    }
  }

  private addExit(draft: LoopDraft, kind: ExitFact['kind'], node: SyntaxNode): void {
    draft.facts.exits.push({ kind, line: node.startPosition.row + 1 });
    // `if (this.stopped) break;` is a stop flag even in a `while (true)`.
    let p = node.parent;
    if (p?.type === 'statement_block') p = p.parent;
    if (p?.type !== 'if_statement') return;
    const cond = p.childForFieldName('condition');
    if (!cond) return;
    for (const atom of conditionAtoms(cond)) {
      const flag = stopFlagName(atom);
      if (flag) addExit(draft.facts.exits, { kind: 'stop-flag', line: atom.startPosition.row + 1, name: flag });
    }
  }

  private onAssignment(node: SyntaxNode, ctx: Ctx): void {
    const facts: AssignmentFact[] = [];
    let value: SyntaxNode | null = null;
    switch (node.type) {
      case 'variable_declarator': {
        value = node.childForFieldName('value');
        const valueText = value ? clip(value.text) : '';
        for (const name of boundNames(node.childForFieldName('name'))) facts.push({ target: name, line: node.startPosition.row + 1, op: '=', valueText });
        break;
      }
      case 'assignment_expression': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        if (!left) return;
        value = right;
        const targets = left.type === 'identifier' || left.type === 'member_expression' || left.type === 'subscript_expression' ? [calleeText(left)] : boundNames(left);
        let op: AssignmentFact['op'] = '=';
        const r = right ? unwrap(right) : undefined;
        if (r?.type === 'binary_expression' && r.childForFieldName('operator')?.type === '+' && compact(r.childForFieldName('left')?.text ?? '') === targets[0]) op = '+=';
        for (const target of targets) facts.push({ target, line: node.startPosition.row + 1, op, valueText: right ? clip(right.text) : '' });
        break;
      }
      case 'augmented_assignment_expression': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        if (!left) return;
        const op = node.childForFieldName('operator')?.type === '+=' ? '+=' : 'other';
        facts.push({ target: calleeText(left), line: node.startPosition.row + 1, op, valueText: right ? clip(right.text) : '' });
        break;
      }
      case 'update_expression': {
        const arg = node.childForFieldName('argument');
        if (!arg) return;
        facts.push({ target: calleeText(arg), line: node.startPosition.row + 1, op: 'other', valueText: node.childForFieldName('operator')?.type ?? '' });
        break;
      }
      default:
        return;
    }
    const binding = { names: facts.map((f) => f.target), value, accumulates: facts.some((f) => f.op !== '=') };
    for (const e of ctx.active) {
      for (const f of facts) e.d.facts.assignments.push(f);
      e.d.bindings.push(binding);
    }
  }

  // ---------------------------------------------------------------- after the walk

  private finish(): void {
    // A callback loop whose function the walk never reached (nested past the depth limit) is not modelled.
    for (const draft of this.drafts) if (draft.bodyFn && !this.pushed.has(draft)) this.dropped.add(draft);
    const signal = this.signalEffects();
    for (const draft of this.drafts) {
      if (this.dropped.has(draft)) continue;
      const facts = draft.facts;
      for (const target of draft.trailingCalls) this.appendTrailingCall(draft, target);
      this.finishText(facts);
      const names = iterationDependentNames(
        facts.loopVariables,
        draft.bindings.map((b) => {
          const value = b.value ? this.mentionsOf(b.value) : { refs: new Set<string>(), hasCall: false };
          return { names: b.names, mentions: value.refs, hasCall: value.hasCall, accumulates: b.accumulates };
        }),
      );
      for (const call of facts.calls) {
        if (names.size > 0) call.dependsOnIteration = this.refersTo(call.node, names);
        call.managed = this.isManaged(call.node);
      }
      facts.continues = draft.continueNodes.map((c) => ({ line: c.startPosition.row + 1, afterSleepOrBlock: this.blockedBefore(facts, c) }));
      if (draft.outerTry) facts.tries.unshift({ ...this.handlerFactsOf(draft.outerTry), insideLoop: false });
      this.timerExits(draft, signal);
      for (const exit of [...facts.exits]) {
        if (exit.kind !== 'stop-flag' || !exit.name) continue;
        const last = exit.name.slice(exit.name.lastIndexOf('.') + 1).replace(/^#/, '');
        if (signal.assigned.has(last) || (signal.aborts && /abort|signal/i.test(exit.name))) {
          facts.exits.push({ kind: 'signal', line: exit.line, name: exit.name });
        }
      }
      if (this.concurrentDrafts.has(draft)) facts.concurrent = true;
    }
  }

  private appendTrailingCall(draft: LoopDraft, target: SyntaxNode): void {
    const facts = draft.facts;
    if (target.type === 'call_expression') {
      const shared = this.shared.get(target.id) ?? this.buildShared(target, null);
      if (!shared) return;
      const call = this.trailingFact(shared);
      if (call.callee.endsWith('setInterval')) {
        const delay = target.childForFieldName('arguments')?.namedChildren[1];
        const ms = delay ? this.numberOf(delay) : 0;
        call.kinds = unique([...call.kinds.filter((k) => k !== 'task-spawn'), 'sleep']);
        call.confidence = 'high';
        call.sleepSeconds = ms === undefined ? undefined : ms / 1000;
      }
      facts.calls.push(call);
      return;
    }
    // An interval callback that is not declared in this file: its call is the whole body.
    const callee = calleeText(target);
    const { kinds, confidence } = this.classify(callee, undefined, undefined);
    const dot = callee.lastIndexOf('.');
    const call = newCallFact({
      callee,
      method: callee.slice(dot + 1),
      receiver: dot > 0 ? callee.slice(0, dot) : undefined,
      kinds,
      confidence,
      line: target.startPosition.row + 1,
      endLine: target.endPosition.row + 1,
      text: target.text,
      args: [],
      awaited: false,
      resultUsed: false,
      guarded: false,
      inTry: false,
      inInnerLoop: false,
      conditional: false,
      dependsOnIteration: false,
      managed: false,
      node: target,
    });
    facts.calls.push(call);
  }

  private trailingFact(shared: SharedCall): CallFact {
    return newCallFact({
      callee: shared.callee,
      method: shared.method,
      receiver: shared.receiver,
      kinds: shared.kinds,
      confidence: shared.confidence,
      via: shared.via,
      opens: shared.opens,
      line: shared.line,
      endLine: shared.endLine,
      text: shared.text,
      args: shared.args,
      awaited: shared.awaited,
      resultUsed: shared.resultUsed,
      assignedTo: shared.assignedTo,
      guarded: false,
      inTry: false,
      inInnerLoop: false,
      conditional: false,
      dependsOnIteration: false,
      managed: false,
      node: shared.node,
    });
  }

  private finishText(facts: LoopFacts): void {
    facts.text = this.source.slice(facts.startIndex, facts.endIndex);
    facts.normalizedText = this.normalized(facts.startIndex, facts.endIndex);
    const body = facts.body;
    if (body.type === 'statement_block') {
      const first = body.firstNamedChild;
      const last = body.lastNamedChild;
      facts.bodyLines = first && last ? this.codeLines(first.startPosition.row, last.endPosition.row) : 0;
    } else facts.bodyLines = this.codeLines(body.startPosition.row, body.endPosition.row);
  }

  /** Loop text with comments removed and whitespace folded: stable across reformatting and comment edits. */
  private normalized(start: number, end: number): string {
    const parts: string[] = [];
    let at = start;
    let lo = 0;
    let hi = this.comments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.comments[mid]!.end <= start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.comments.length; i++) {
      const c = this.comments[i]!;
      if (c.start >= end) break;
      if (c.start < at) continue;
      parts.push(this.source.slice(at, c.start));
      at = c.end;
    }
    parts.push(this.source.slice(at, end));
    return parts.join(' ').replace(/\s+/g, ' ').trim();
  }

  /** Identifiers and member paths mentioned by a call's receiver and arguments. */
  private refsOf(call: SyntaxNode): Set<string> {
    const cached = this.refsCache.get(call.id);
    if (cached) return cached;
    const refs = new Set<string>();
    const roots: SyntaxNode[] = [];
    const fn = call.childForFieldName(call.type === 'new_expression' ? 'constructor' : 'function');
    if (fn?.type === 'member_expression') {
      const object = fn.childForFieldName('object');
      if (object) roots.push(object);
    }
    const args = call.childForFieldName('arguments');
    if (args) roots.push(args);
    this.collectRefs(roots, refs);
    this.refsCache.set(call.id, refs);
    return refs;
  }

  /** Names a value mentions and whether computing it calls anything (a call's result may change every time). */
  private mentionsOf(value: SyntaxNode): { refs: Set<string>; hasCall: boolean } {
    const refs = new Set<string>();
    const hasCall = this.collectRefs([value], refs);
    return { refs, hasCall };
  }

  private collectRefs(roots: SyntaxNode[], refs: Set<string>): boolean {
    let hasCall = false;
    for (const root of roots) {
      const cursor = root.walk();
      let seen = 0;
      for (;;) {
        const type = cursor.nodeType;
        let descend = true;
        if (type === 'identifier' || type === 'shorthand_property_identifier' || type === 'this') refs.add(cursor.currentNode.text);
        else if (type === 'member_expression') refs.add(calleeText(cursor.currentNode));
        else if (type === 'call_expression' || type === 'new_expression' || type === 'await_expression') hasCall = true;
        // A callback that is itself a loop body has its own facts; huge argument trees say nothing more.
        if (FUNCTION_TYPES.has(type) && this.draftsByBodyFn.has(cursor.currentNode.id)) descend = false;
        if (++seen > 400) break;
        if (descend && cursor.gotoFirstChild()) continue;
        let done = false;
        while (!cursor.gotoNextSibling()) {
          if (!cursor.gotoParent() || (cursor.startIndex === root.startIndex && cursor.endIndex === root.endIndex)) {
            done = true;
            break;
          }
        }
        if (done) break;
      }
    }
    return hasCall;
  }

  private refersTo(call: SyntaxNode, names: Set<string>): boolean {
    for (const ref of this.refsOf(call)) {
      if (names.has(ref)) return true;
      // `row.id` depends on `row`; `this.cursor.value` on `this.cursor`.
      for (let dot = ref.lastIndexOf('.'); dot > 0; dot = ref.lastIndexOf('.', dot - 1)) if (names.has(ref.slice(0, dot))) return true;
    }
    return false;
  }

  /**
   * A resource assigned from this call is closed on every path: `using` / `await using`, a `try/finally` that
   * closes it, or a close right after with nothing in between that could leave the block.
   */
  private isManaged(call: SyntaxNode): boolean {
    const shared = this.shared.get(call.id);
    if (shared?.managed !== undefined) return shared.managed;
    // Only something held in a name can be closed later; a discarded result is never managed.
    if (!shared || shared.assignedTo === undefined) return false;
    let result = false;
    let stmt: SyntaxNode | null = call;
    for (let i = 0; stmt && i < 12; i++) {
      if (stmt.type === 'using_declaration') {
        result = true;
        break;
      }
      if (stmt.type === 'assignment_expression' && stmt.firstChild?.type === 'using') {
        result = true;
        break;
      }
      if (stmt.type === 'lexical_declaration' || stmt.type === 'variable_declaration' || stmt.type === 'expression_statement') break;
      if (FUNCTION_TYPES.has(stmt.type) || stmt.type === 'statement_block') {
        stmt = null;
        break;
      }
      stmt = stmt.parent;
    }
    const name = shared?.assignedTo;
    if (!result && stmt && name) {
      const siblings = stmt.parent?.namedChildren ?? [];
      const at = siblings.findIndex((x) => x.id === stmt!.id);
      for (const s of at < 0 ? [] : siblings.slice(at + 1)) {
        if (s.type === 'try_statement') {
          const fin = s.childForFieldName('finalizer');
          if (fin && closesIn(fin, name)) result = true;
          break;
        }
        if (s.type === 'expression_statement' && closesIn(s, name)) {
          result = true;
          break;
        }
        if (/^(return|break|continue|throw)_statement$/.test(s.type)) break;
      }
      if (!result) {
        for (let a = stmt.parent; a && !FUNCTION_TYPES.has(a.type); a = a.parent) {
          if (a.type === 'try_statement') {
            const fin = a.childForFieldName('finalizer');
            if (fin && closesIn(fin, name)) {
              result = true;
              break;
            }
          }
        }
      }
    }
    if (shared) shared.managed = result;
    return result;
  }

  /** Whether every path from the loop start to this `continue` passes a sleep or a blocking wait. */
  private blockedBefore(facts: LoopFacts, cont: SyntaxNode): boolean {
    for (const call of facts.calls) {
      if (call.node.startIndex >= cont.startIndex) break;
      if (call.inInnerLoop) continue;
      // BRPOP/BLPOP with 0 and XREAD BLOCK 0 wait forever; an SQS receive with WaitTimeSeconds 0 does not wait.
      const waits =
        call.kinds.includes('queue-pop') &&
        (BLOCKING_POPS.test(call.method) || (STREAM_READS.test(call.method) && call.timeoutSeconds !== undefined) || (call.timeoutSeconds ?? 0) > 0);
      const blocks = call.kinds.includes('sleep') || (waits && isBlockingWait(call.kinds, call.timeoutSeconds));
      if (blocks && onPathTo(call.node, cont, facts.body)) return true;
    }
    return false;
  }

  /** What the file's SIGTERM/SIGINT handlers change: flags they set, whether they abort, timers they clear. */
  private signalEffects(): { assigned: Set<string>; aborts: boolean; clears: Set<string> } {
    const assigned = new Set<string>();
    const clears = new Set<string>();
    let aborts = false;
    const scanned = new Set<number>();
    const scan = (root: SyntaxNode, depth: number): void => {
      if (scanned.has(root.id) || depth > 2) return;
      scanned.add(root.id);
      for (const a of root.descendantsOfType(ASSIGNMENTS_AND_CALLS)) {
        if (a.type === 'assignment_expression') {
          const left = a.childForFieldName('left');
          if (left) {
            const text = calleeText(left);
            assigned.add(text.slice(text.lastIndexOf('.') + 1).replace(/^#/, ''));
          }
          continue;
        }
        const fn = a.childForFieldName('function');
        if (!fn) continue;
        const callee = calleeText(fn);
        const method = callee.slice(callee.lastIndexOf('.') + 1);
        if (method === 'abort') aborts = true;
        if (method === 'clearInterval' || method === 'clearTimeout') {
          const arg = a.childForFieldName('arguments')?.firstNamedChild;
          if (arg) clears.add(calleeText(arg));
        }
        // `worker.stop()` from a handler: the method `stop` declared in this file, when the name is unique.
        const named = this.fnsByName.get(method);
        const target = this.resolveFunction(fn) ?? (named?.length === 1 ? named[0] : undefined);
        if (target?.body) scan(target.body, depth + 1);
      }
    };
    for (const handler of this.signalHandlers) {
      const fn = this.resolveFunction(handler);
      scan(fn?.body ?? handler, 0);
    }
    return { assigned, aborts, clears };
  }

  /** clearInterval(handle) / clearTimeout(handle) anywhere in the file stops an interval / a rescheduling chain. */
  private timerExits(draft: LoopDraft, signal: { clears: Set<string> }): void {
    const kind = draft.facts.kind;
    if (kind !== 'interval' && kind !== 'timeout-recursion') return;
    const handle = draft.handle;
    if (!handle) return;
    const fn = kind === 'interval' ? 'clearInterval' : 'clearTimeout';
    for (const clear of this.clearCalls) {
      if (clear.handle !== handle) continue;
      const callee = clear.node.childForFieldName('function')?.text ?? '';
      if (!callee.endsWith(fn) && !callee.endsWith('clearTimeout') && !callee.endsWith('clearInterval')) continue;
      draft.facts.exits.push({ kind: 'stop-flag', line: clear.node.startPosition.row + 1, name: `${fn}(${handle})` });
    }
    if (signal.clears.has(handle)) draft.facts.exits.push({ kind: 'signal', line: draft.facts.headerLine, name: `${fn}(${handle})` });
  }
}

function isCallLike(node: SyntaxNode): boolean {
  return node.type === 'call_expression' || node.type === 'new_expression' || node.type === 'await_expression';
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}


function namedTimeout(args: ArgFact[]): number | undefined {
  for (const a of args) {
    if (a.name === undefined || a.number === undefined) continue;
    if (S_NAMES.has(a.name)) return a.number;
    if (MS_NAMES.has(a.name)) return a.number / 1000;
  }
  return undefined;
}

/** A catch clause that does not rethrow unconditionally (nor only-rethrow-unless-it-is-X). */
function handlerIsBroad(handler: SyntaxNode): boolean {
  const body = handler.childForFieldName('body');
  if (!body) return true;
  for (const s of body.namedChildren) {
    if (s.type === 'throw_statement') return false;
    if (s.type === 'if_statement' && s === body.firstNamedChild) {
      const cons = s.childForFieldName('consequence');
      const only = cons?.type === 'statement_block' ? (cons.namedChildCount === 1 ? cons.firstNamedChild : null) : cons;
      const cond = s.childForFieldName('condition')?.text ?? '';
      if (only?.type === 'throw_statement' && /instanceof|\.code|\.name|\.status/.test(cond)) return false;
    }
  }
  return true;
}

/** `name.close()`, `name?.release()`, `release(name)` within `root`. */
function closesIn(root: SyntaxNode, name: string): boolean {
  for (const call of root.descendantsOfType('call_expression')) {
    const fn = call.childForFieldName('function');
    if (!fn) continue;
    const callee = calleeText(fn);
    const dot = callee.lastIndexOf('.');
    const method = callee.slice(dot + 1);
    if (dot > 0 && CLOSE_METHODS.has(method) && callee.slice(0, dot) === name) return true;
    if (/close|release|end|destroy|dispose/i.test(method)) {
      const args = call.childForFieldName('arguments');
      for (const a of args?.namedChildren ?? []) if (a.text === name) return true;
    }
  }
  return false;
}

const BRANCH_PARENTS = new Set(['if_statement', 'else_clause', 'switch_case', 'switch_default', 'catch_clause', 'ternary_expression']);

/** `call` runs on every path that reaches `target` (both inside `body`): no branch or inner loop separates them. */
function onPathTo(call: SyntaxNode, target: SyntaxNode, body: SyntaxNode): boolean {
  for (let n: SyntaxNode | null = call; n && n.id !== body.id; n = n.parent) {
    const p: SyntaxNode | null = n.parent;
    if (!p) return false;
    const containsTarget = p.startIndex <= target.startIndex && target.endIndex <= p.endIndex;
    if (BRANCH_PARENTS.has(p.type) || LOOP_STATEMENTS.has(p.type) || FUNCTION_TYPES.has(p.type)) {
      if (p.type === 'if_statement' && p.childForFieldName('condition')?.id === n.id) {
        if (containsTarget) return true;
        continue;
      }
      if (p.type === 'ternary_expression' && p.childForFieldName('condition')?.id === n.id) continue;
      // Inside a branch: fine only when the continue is in the same branch.
      const nContains = n.startIndex <= target.startIndex && target.endIndex <= n.endIndex;
      if (!nContains) return false;
    }
    if (p.type === 'binary_expression' && p.childForFieldName('right')?.id === n.id) {
      const nContains = n.startIndex <= target.startIndex && target.endIndex <= n.endIndex;
      if (!nContains) return false;
    }
    if (containsTarget) return true;
  }
  return true;
}

export function extractJavaScriptFacts(
  path: string,
  source: string,
  tree: FlatTree,
  language: JavaScriptLanguage,
  kb: KnowledgeBase,
): FileFacts {
  return new Extractor(path, source, tree, language, kb).run();
}

const WHITESPACE = /\s/;

/** `/\s/` for one UTF-16 code unit, without a regular expression for ASCII. */
function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13) || (ch >= 0x80 && WHITESPACE.test(String.fromCharCode(ch)));
}
