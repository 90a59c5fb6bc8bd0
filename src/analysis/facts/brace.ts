// The walk shared by the Go and Java fact extractors (facts/go.ts, facts/java.ts): both are brace languages with
// statement blocks, and both produce the same loop model as Python and JavaScript (facts.ts). What differs between
// them (loop headers, call shapes, durations, error handling) is a `BraceSpec`; this file holds the walk itself:
// loops located once, then per loop one bounded recursive walk of the body that records calls, exits, tries,
// assignments and continues with the context each sits in (inner loop, branch, try, handler).
import type { FlatTree } from '../flat-tree.js';
import {
  newArgFact,
  newCallFact,
  newLoopFacts,
  type ArgFact,
  type AssignmentFact,
  type CallFact,
  type CallKind,
  type ExitFact,
  type FileFacts,
  type IterableFact,
  type LoopFacts,
  type LoopKind,
  type SyntaxNode,
  type TryFact,
} from '../facts.js';
import { classifyWithType, type Classification, type KnowledgeBase } from '../knowledge-base.js';
import { goConstructorOf, goReceiverType, isStandardLibraryPackage } from './go-types.js';
import { isJavaUtilReceiver, receiverDeclaredType, urlReadOrigin } from './java-types.js';
import { findSuppressions } from '../suppressions.js';
import {
  LineIndex,
  MAX_LOOP_DEPTH,
  MAX_WALK_DEPTH,
  addExit,
  clip,
  compactCallee,
  isBlockingWait,
  iterationDependentNames,
  looksLikeSql,
  normalizeLoopText,
  parseNumberLiteral,
  stopFlagName,
} from './common.js';

export type BraceLanguage = 'go' | 'java';

/** What a loop header says. */
export interface LoopHeader {
  kind: LoopKind;
  infinite: boolean;
  condition?: string;
  /** Expression evaluated every iteration (a `while` condition): walked for calls. */
  conditionNode?: SyntaxNode;
  loopVariables: string[];
  iterable?: IterableFact;
  /** The node whose named children are the body's statements. */
  body: SyntaxNode;
  /** The braces of the body (line span). */
  block: SyntaxNode;
  headerLine: number;
  /** A wait each iteration that is not a call in the body: a Go ticker channel, a Java `@Scheduled` delay. */
  tick?: { node: SyntaxNode; callee: string; seconds: number | undefined };
}

/** One call as the language writes it. */
export interface CallShape {
  callee: string;
  receiver?: string;
  method: string;
  /** Argument nodes (comments excluded). */
  args: SyntaxNode[];
}

export interface BraceSpec {
  language: BraceLanguage;
  loopTypes: readonly string[];
  /** Loop-like nodes that are not loop statements (Java `@Scheduled` methods). */
  extraLoops?(root: SyntaxNode, file: BraceFile): SyntaxNode[];
  /** The program's entry point and what only it calls (FileFacts.entryScopes): Java's `main`, Go's `func main()`. */
  entryScopes?(root: SyntaxNode, file: BraceFile): SyntaxNode[];
  header(node: SyntaxNode, file: BraceFile): LoopHeader | undefined;
  /** Nested function bodies: run when called, not per iteration. */
  scopeTypes: ReadonlySet<string>;
  functionTypes: ReadonlySet<string>;
  functionName(fn: SyntaxNode): string | undefined;
  callTypes: ReadonlySet<string>;
  /** The expression an inner loop iterates, evaluated once per run of the inner loop (Go range target, Java for-each value). */
  iteratedOnce?(loop: SyntaxNode): SyntaxNode | null | undefined;
  callShape(node: SyntaxNode): CallShape | undefined;
  /** Statement types counted for body nesting. */
  nestingTypes: ReadonlySet<string>;
  /** Node types whose children run conditionally (if branches, cases, ternaries). */
  branchTypes: ReadonlySet<string>;
  sleepSeconds(shape: CallShape, file: BraceFile): number | undefined;
  timeoutSeconds(shape: CallShape, file: BraceFile): number | undefined;
  /** The exit a node is, when it is one (break/return/throw/panic/exit/ctx.Done case), or undefined. */
  exitOf(node: SyntaxNode, loop: SyntaxNode, file: BraceFile): ExitFact | undefined;
  /** Try statements and their handlers: the statement's node types. */
  tryTypes: ReadonlySet<string>;
  describeTry(node: SyntaxNode, file: BraceFile): Omit<TryFact, 'insideLoop' | 'startLine' | 'endLine' | 'node'>;
  /** Node of a try statement's protected block. */
  tryBody(node: SyntaxNode): SyntaxNode | null;
  /** Handler nodes (catch clauses): calls inside are conditional. */
  handlerTypes: ReadonlySet<string>;
  /** Assignments a node makes: targets, operator, value, for `assignments` and iteration dependence. */
  assignments(node: SyntaxNode): Array<{ targets: string[]; op: AssignmentFact['op']; value: SyntaxNode | null }>;
  assignmentTypes: readonly string[];
  /** Name the call's result is bound to and whether the result is used at all. */
  resultOf(call: SyntaxNode): { used: boolean; assignedTo?: string };
  /** Is the call's failure handled where it is made (Go: `if err != nil` on its error)? */
  handledInPlace(call: SyntaxNode, file: BraceFile): boolean;
  /** Is the resource the call returns released on every path (defer Close, try-with-resources, finally)? */
  managed(call: SyntaxNode, assignedTo: string | undefined, loop: SyntaxNode, file: BraceFile): boolean;
  /** Does the function holding the loop recover from panics around it (Go `defer func(){ recover() }()`)? */
  recoversAround?(loop: SyntaxNode, file: BraceFile): boolean;
  /** What a failure of the call does to the loop (CallFact.failure). */
  failureOf?(call: SyntaxNode, loop: SyntaxNode, kinds: readonly CallKind[]): CallFact['failure'];
  commentPrefix: '//';
}

/** Per-file state the spec may use. */
export interface BraceFile {
  path: string;
  source: string;
  root: SyntaxNode;
  kb: KnowledgeBase;
  lines: LineIndex;
  /** File-level numeric constants (Go `const`, Java `static final`). Values in the language's base unit. */
  numbers: Map<string, SyntaxNode>;
  /** File-level string constants. */
  strings: Map<string, SyntaxNode>;
  handlesSignals: boolean;
}

export const NUMBER_LITERALS = new Set([
  'int_literal',
  'float_literal',
  'decimal_integer_literal',
  'decimal_floating_point_literal',
  'hex_integer_literal',
  'octal_integer_literal',
  'binary_integer_literal',
]);

/**
 * Folds literal arithmetic (`30 * time.Second`, `5 * 60 * 1000`, `-1`, `(30)`) over the Go and Java grammars.
 * `named` maps a name or selector (`time.Second`, `POLL_MS`) to a value; recursion is bounded.
 */
export function foldNumber(node: SyntaxNode | null | undefined, named: (text: string, depth: number) => number | undefined, depth = 0): number | undefined {
  if (!node || depth > 12) return undefined;
  const type = node.type;
  if (NUMBER_LITERALS.has(type)) return parseNumberLiteral(node.text.replace(/[fFdD]$/, ''));
  if (type === 'parenthesized_expression') return foldNumber(node.namedChild(0), named, depth + 1);
  if (type === 'unary_expression') {
    const operand = node.childForFieldName('operand') ?? node.namedChild(0);
    const op = node.child(0)?.type;
    const value = foldNumber(operand, named, depth + 1);
    if (value === undefined) return undefined;
    return op === '-' ? -value : op === '+' ? value : undefined;
  }
  if (type === 'binary_expression') {
    const left = foldNumber(node.childForFieldName('left'), named, depth + 1);
    const right = foldNumber(node.childForFieldName('right'), named, depth + 1);
    if (left === undefined || right === undefined) return undefined;
    switch (node.childForFieldName('operator')?.type ?? node.child(1)?.type) {
      case '+':
        return left + right;
      case '-':
        return left - right;
      case '*':
        return left * right;
      case '/':
        return right === 0 ? undefined : left / right;
      default:
        return undefined;
    }
  }
  // Conversions and casts keep the value: Go `time.Duration(5)`, Java `(long) 5`.
  if (type === 'call_expression' && /^(time\.Duration|int|int64|float64|uint|uint64)$/.test(node.childForFieldName('function')?.text ?? '')) {
    return foldNumber(node.childForFieldName('arguments')?.namedChild(0), named, depth + 1);
  }
  if (type === 'cast_expression') return foldNumber(node.childForFieldName('value'), named, depth + 1);
  if (type === 'identifier' || type === 'selector_expression' || type === 'field_access') return named(node.text, depth + 1);
  return undefined;
}

/** Text of a string literal (Go interpreted or raw, Java string or text block), without quotes. */
export function stringLiteralText(node: SyntaxNode | null | undefined): string | undefined {
  if (!node) return undefined;
  switch (node.type) {
    case 'interpreted_string_literal':
    case 'string_literal': {
      const text = node.text;
      if (text.startsWith('"""')) return text.slice(3, -3);
      return text.slice(1, -1);
    }
    case 'raw_string_literal':
      return node.text.slice(1, -1);
    default:
      return undefined;
  }
}

/** Leading literal text of a string expression: a literal, a constant, `"SELECT ... " + id`, `fmt.Sprintf("...", x)`. */
export function leadingString(node: SyntaxNode | null | undefined, file: BraceFile, local: Map<string, SyntaxNode>, depth = 0): string | undefined {
  if (!node || depth > 6) return undefined;
  const literal = stringLiteralText(node);
  if (literal !== undefined) return literal;
  if (node.type === 'parenthesized_expression') return leadingString(node.namedChild(0), file, local, depth + 1);
  if (node.type === 'binary_expression') return leadingString(node.childForFieldName('left'), file, local, depth + 1);
  if (node.type === 'identifier') {
    const bound = local.get(node.text) ?? file.strings.get(node.text);
    return bound ? leadingString(bound, file, local, depth + 1) : undefined;
  }
  if (node.type === 'call_expression' && /^fmt\.Sprintf$/.test(node.childForFieldName('function')?.text ?? '')) {
    return leadingString(node.childForFieldName('arguments')?.namedChild(0), file, local, depth + 1);
  }
  if (node.type === 'method_invocation' && /^(String\.format|formatted)$/.test(node.childForFieldName('name')?.text ?? '')) {
    const args = node.childForFieldName('arguments');
    const target = node.childForFieldName('name')?.text === 'formatted' ? node.childForFieldName('object') : args?.namedChild(0);
    return leadingString(target, file, local, depth + 1);
  }
  return undefined;
}

function lineOf(node: SyntaxNode): number {
  return node.startPosition.row + 1;
}

function endLineOf(node: SyntaxNode): number {
  return node.endPosition.row + 1;
}

/** Identifiers a node mentions (operands of selectors included, field names not). */
export function mentionedNames(node: SyntaxNode | null | undefined, out: Set<string> = new Set()): Set<string> {
  if (!node) return out;
  const stack: SyntaxNode[] = [node];
  let budget = 5000;
  while (stack.length > 0 && budget-- > 0) {
    const n = stack.pop()!;
    if (n.type === 'identifier') out.add(n.text);
    for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push(n.namedChild(i)!);
  }
  return out;
}

interface WalkState {
  /** A child already walked (an inner loop's iterable). */
  skip?: number;
  inInner: boolean;
  conditional: boolean;
  inTry: boolean;
  guarded: boolean;
  inHandler: boolean;
  nesting: number;
  depth: number;
}

interface Pending {
  shape: CallShape;
  node: SyntaxNode;
  state: WalkState;
  kinds?: CallKind[];
}

class BraceExtractor {
  private readonly file: BraceFile;
  private readonly notes: string[] = [];
  private readonly functionLoops = new Set<number>();

  constructor(
    private readonly spec: BraceSpec,
    path: string,
    source: string,
    private readonly tree: FlatTree,
    kb: KnowledgeBase,
    private readonly deadline: number | undefined,
  ) {
    const root = tree.rootNode;
    this.file = {
      path,
      source,
      root,
      kb,
      lines: new LineIndex(source),
      numbers: new Map(),
      strings: new Map(),
      handlesSignals: /\bsignal\.Notify(Context)?\s*\(|\bRuntime\.getRuntime\(\)\s*\.addShutdownHook\s*\(|@PreDestroy\b|\bSmartLifecycle\b|\bDisposableBean\b/.test(source),
    };
  }

  get brace(): BraceFile {
    return this.file;
  }

  run(collectConstants: (file: BraceFile) => void): FileFacts {
    collectConstants(this.file);
    const root = this.file.root;
    const extra = this.spec.extraLoops?.(root, this.file) ?? [];
    for (const n of extra) this.functionLoops.add(n.startIndex);
    const nodes = [...root.descendantsOfType(this.spec.loopTypes), ...extra].sort((a, b) => a.startIndex - b.startIndex);
    const loops: LoopFacts[] = [];
    const byStart = new Map<number, LoopFacts>();
    let skippedDeep = 0;
    let described = 0;
    for (const node of nodes) {
      if (this.deadline !== undefined && (described & 63) === 0 && Date.now() > this.deadline) {
        this.notes.push(`time budget exhausted: ${nodes.length - described} of ${nodes.length} loop(s) were not analysed`);
        break;
      }
      described++;
      const located = this.locate(node);
      const { parentLoop, depth } = located;
      // A loop that is a function (a Java `@Scheduled` method) is its own function.
      const fn = this.spec.functionTypes.has(node.type) ? node : located.fn;
      if (depth >= MAX_LOOP_DEPTH) {
        skippedDeep++;
        continue;
      }
      const parent = parentLoop ? byStart.get(parentLoop.startIndex) : undefined;
      const facts = this.describe(node, fn, depth, parent);
      if (!facts) continue;
      byStart.set(node.startIndex, facts);
      loops.push(facts);
      if (parent) parent.children.push(facts);
    }
    if (skippedDeep > 0) this.notes.push(`${skippedDeep} loop(s) nested deeper than ${MAX_LOOP_DEPTH} levels were not analysed`);
    const facts: FileFacts = {
      language: this.spec.language,
      path: this.file.path,
      source: this.file.source,
      loops,
      hasErrors: root.hasError,
      suppressions: findSuppressions(this.file.source, '//'),
      tree: this.tree,
    };
    if (this.notes.length > 0) facts.notes = this.notes;
    const entries = this.spec.entryScopes?.(root, this.file) ?? [];
    if (entries.length > 0) facts.entryScopes = entries;
    return facts;
  }

  private isLoopNode(node: SyntaxNode): boolean {
    return this.spec.loopTypes.includes(node.type);
  }

  /** Enclosing function, the nearest loop of the same function and how many loops of that function enclose it. */
  private locate(node: SyntaxNode): { parentLoop?: SyntaxNode; depth: number; fn?: SyntaxNode } {
    let parentLoop: SyntaxNode | undefined;
    let depth = 0;
    for (let n = node.parent; n; n = n.parent) {
      if (this.spec.functionTypes.has(n.type)) {
        // A function that is itself a loop (a Java `@Scheduled` method) is the outer loop of the loops inside.
        if (this.functionLoops.has(n.startIndex)) return { parentLoop: parentLoop ?? n, depth: depth + 1, fn: n };
        return { parentLoop, depth, fn: n };
      }
      if (this.isLoopNode(n)) {
        parentLoop ??= n;
        depth++;
      }
    }
    return { parentLoop, depth };
  }

  private describe(node: SyntaxNode, fn: SyntaxNode | undefined, depth: number, parent: LoopFacts | undefined): LoopFacts | undefined {
    const spec = this.spec;
    const file = this.file;
    const header = spec.header(node, file);
    if (!header) return undefined;
    const exits: ExitFact[] = [];
    const tries: TryFact[] = [];
    const assignments: AssignmentFact[] = [];
    const continues: { line: number; afterSleepOrBlock: boolean }[] = [];
    const pending: Pending[] = [];
    const bindings: Array<{ names: string[]; mentions: Set<string>; hasCall: boolean; accumulates: boolean }> = [];
    const localStrings = new Map<string, SyntaxNode>();
    let maxNesting = 0;
    let hasBlockingBefore = false;
    const blockingEnds: number[] = [];

    const visit = (n: SyntaxNode, state: WalkState): void => {
      if (state.depth > MAX_WALK_DEPTH) return;
      const type = n.type;
      if (spec.scopeTypes.has(type)) return;
      const exit = state.inInner ? undefined : spec.exitOf(n, node, file);
      if (exit) addExit(exits, exit);
      // Exits found inside inner loops still end this loop when they return / raise, or break (or goto) to a label
      // of this loop or one around it (an unlabelled break there leaves the inner loop: exitOf gives nothing).
      if (state.inInner) {
        const inner = spec.exitOf(n, node, file);
        if (inner && inner.kind !== 'stop-flag') addExit(exits, inner);
      }
      if (type === 'continue_statement' && !state.inInner) {
        const label = n.namedChild(0)?.text;
        if (!label || label === loopLabel(node)) continues.push({ line: lineOf(n), afterSleepOrBlock: blockingEnds.some((end) => end <= n.startIndex) || hasBlockingBefore });
      }
      if (spec.assignmentTypes.includes(type)) {
        for (const a of spec.assignments(n)) {
          const mentions = mentionedNames(a.value);
          const hasCall = a.value ? a.value.descendantsOfType([...spec.callTypes]).length > 0 || spec.callTypes.has(a.value.type) : false;
          bindings.push({ names: a.targets, mentions, hasCall, accumulates: a.op === '+=' });
          for (const t of a.targets) {
            assignments.push({ target: t, line: lineOf(n), op: a.op, valueText: clip(a.value?.text ?? '') });
            if (a.value && leadingString(a.value, file, localStrings) !== undefined) localStrings.set(t, a.value);
          }
        }
      }
      let next = state;
      if (spec.tryTypes.has(type)) {
        const described = spec.describeTry(n, file);
        tries.push({ ...described, startLine: lineOf(n), endLine: endLineOf(n), insideLoop: true, node: n });
        const protectedBody = spec.tryBody(n);
        for (let i = 0; i < n.namedChildCount; i++) {
          const child = n.namedChild(i)!;
          const isBody = protectedBody !== null && child.id === protectedBody.id;
          visit(child, {
            ...state,
            depth: state.depth + 1,
            nesting: state.nesting + 1,
            inTry: state.inTry || isBody,
            guarded: state.guarded || (isBody && described.catchesBroadly),
            conditional: state.conditional || !isBody,
            inHandler: state.inHandler || spec.handlerTypes.has(child.type),
          });
        }
        maxNesting = Math.max(maxNesting, state.nesting + 1);
        return;
      }
      if (spec.callTypes.has(type)) {
        const shape = spec.callShape(n);
        if (shape) {
          pending.push({ shape, node: n, state });
          // `ps.setLong(1, item.id)`: the receiver now carries this iteration's data.
          if (shape.receiver && /^[A-Za-z_$][\w$]*$/.test(shape.receiver) && /^(set[A-Z]\w*|bind\w*|clearParameters)$/.test(shape.method)) {
            const mentions = new Set<string>();
            for (const a of shape.args) mentionedNames(a, mentions);
            bindings.push({ names: [shape.receiver], mentions, hasCall: false, accumulates: false });
          }
        }
      }
      if (n.id !== header.body.id && this.isLoopNode(n)) {
        // What an inner loop iterates is evaluated once per iteration of this loop: this loop's own work.
        const once = spec.iteratedOnce?.(n);
        if (once) visit(once, { ...state, depth: state.depth + 1 });
        next = { ...next, inInner: true, skip: once?.id };
      }
      if (spec.nestingTypes.has(type) && n.id !== header.body.id) {
        next = { ...next, nesting: next.nesting + 1 };
        maxNesting = Math.max(maxNesting, next.nesting);
      }
      if (spec.branchTypes.has(type)) next = { ...next, conditional: true };
      if (spec.handlerTypes.has(type)) next = { ...next, inHandler: true, conditional: true };
      next = { ...next, depth: state.depth + 1 };
      // `if` conditions run every time; only the branches are conditional.
      const condition = spec.branchTypes.has(type) ? n.childForFieldName('condition') : null;
      const initializer = spec.branchTypes.has(type) ? n.childForFieldName('initializer') : null;
      const ownPending = spec.callTypes.has(type) ? pending[pending.length - 1] : undefined;
      for (let i = 0; i < n.namedChildCount; i++) {
        const child = n.namedChild(i)!;
        if (next.skip !== undefined && child.id === next.skip) continue;
        const runsAlways = (condition !== null && child.id === condition.id) || (initializer !== null && child.id === initializer.id);
        visit(child, runsAlways ? { ...next, conditional: state.conditional } : next);
      }
      if (ownPending && ownPending.node.id === n.id && !ownPending.state.inHandler) {
        const kinds = this.classify(ownPending.shape, localStrings, ownPending.node).kinds;
        ownPending.kinds = kinds;
        if (isBlockingWait(kinds, kinds.includes('queue-pop') ? spec.timeoutSeconds(ownPending.shape, file) : undefined)) blockingEnds.push(n.endIndex);
      }
    };

    const start: WalkState = { inInner: false, conditional: false, inTry: false, guarded: false, inHandler: false, nesting: 0, depth: 0 };
    if (header.conditionNode) visit(header.conditionNode, start);
    if (header.tick) hasBlockingBefore = true;
    visit(header.body, start);

    // Tries around the loop in the same function.
    const guardedAround = this.triesAround(node, fn, tries);
    const recovers = spec.recoversAround?.(node, file) ?? false;

    const loopVariables = header.loopVariables;
    const dependent = iterationDependentNames(loopVariables, bindings);
    const calls: CallFact[] = [];
    if (header.tick) {
      calls.push(
        newCallFact({
          callee: header.tick.callee,
          method: header.tick.callee.slice(header.tick.callee.lastIndexOf('.') + 1),
          receiver: header.tick.callee.includes('.') ? header.tick.callee.slice(0, header.tick.callee.lastIndexOf('.')) : undefined,
          kinds: ['sleep'],
          confidence: 'high',
          line: lineOf(header.tick.node),
          endLine: endLineOf(header.tick.node),
          text: clip(header.tick.node.text),
          args: [],
          sql: undefined,
          sleepSeconds: header.tick.seconds,
          timeoutSeconds: undefined,
          awaited: false,
          resultUsed: false,
          assignedTo: undefined,
          guarded: guardedAround || recovers,
          inTry: false,
          inInnerLoop: false,
          conditional: false,
          dependsOnIteration: false,
          managed: false,
          node: header.tick.node,
        }),
      );
    }
    for (const p of pending) calls.push(this.callFact(p, node, dependent, localStrings, guardedAround || recovers));

    // Stop flags in the condition.
    if (header.condition) {
      const flag = stopFlagName(header.condition) ?? (/isInterrupted\(\)|interrupted\(\)|ctx\.Err\(\)|\.Done\(\)/.test(header.condition) ? header.condition.trim() : undefined);
      if (flag) addExit(exits, { kind: 'stop-flag', line: header.headerLine, name: flag });
      else if (!header.infinite) addExit(exits, { kind: 'condition', line: header.headerLine });
    }
    if (file.handlesSignals && header.infinite) addExit(exits, { kind: 'signal', line: header.headerLine });

    const fnName = fn ? spec.functionName(fn) : undefined;
    const comments = node.descendantsOfType(['comment', 'line_comment', 'block_comment']).map((c): [number, number] => [c.startIndex, c.endIndex]);
    return newLoopFacts({
      language: spec.language,
      path: file.path,
      kind: header.kind,
      startLine: lineOf(node),
      endLine: endLineOf(node),
      startIndex: node.startIndex,
      endIndex: node.endIndex,
      headerLine: header.headerLine,
      bodyStartLine: lineOf(header.block),
      bodyEndLine: endLineOf(header.block),
      infinite: header.infinite,
      condition: header.condition,
      exits,
      loopVariables,
      iterable: header.iterable,
      calls,
      tries,
      assignments,
      continues,
      depth,
      maxBodyNesting: maxNesting,
      bodyLines: file.lines.codeLines(lineOf(header.block) + 1, endLineOf(header.block) - 1, '//'),
      functionName: fnName,
      inAsyncFunction: false,
      hasAwait: false,
      concurrent: undefined,
      text: node.text,
      normalizedText: normalizeLoopText(file.source, node.startIndex, node.endIndex, comments),
      fileHandlesSignals: file.handlesSignals,
      parent,
      children: [],
      node,
      body: header.body,
    });
  }

  /** Tries enclosing the loop inside its function: recorded with `insideLoop: false`; true when one catches broadly. */
  private triesAround(node: SyntaxNode, fn: SyntaxNode | undefined, tries: TryFact[]): boolean {
    let guarded = false;
    let child = node;
    for (let n = node.parent; n && n !== fn && !(fn && n.id === fn.id); n = n.parent) {
      if (this.spec.tryTypes.has(n.type)) {
        const body = this.spec.tryBody(n);
        if (body && body.startIndex <= child.startIndex && child.endIndex <= body.endIndex) {
          const described = this.spec.describeTry(n, this.file);
          tries.push({ ...described, startLine: lineOf(n), endLine: endLineOf(n), insideLoop: false, node: n });
          if (described.catchesBroadly) guarded = true;
        }
      }
      child = n;
    }
    return guarded;
  }

  private classify(shape: CallShape, local: Map<string, SyntaxNode>, node: SyntaxNode): Classification & { sql?: string } {
    let sql: string | undefined;
    for (const arg of shape.args.slice(0, 3)) {
      const text = leadingString(arg, this.file, local);
      if (text !== undefined && looksLikeSql(text)) {
        sql = clip(text.trim());
        break;
      }
    }
    const args = shape.args.map((a) => newArgFact(clip(a.text), undefined, stringLiteralText(a), undefined));
    let receiverType: { type: string | undefined } | undefined;
    const typeOf = (): string | undefined => (receiverType ??= { type: goReceiverType(node) }).type;
    // Go: a receiver not bound in the loop's body (`repo` a parameter `repo *store.Repo`) may be typed by the file.
    const typed = this.spec.language === 'go' && shape.receiver !== undefined && /^[A-Za-z_]\w*$/.test(shape.receiver) && !local.has(shape.receiver);
    const constructor = (): string | undefined => goConstructorOf(shape.receiver!, node);
    const context = { ...(sql !== undefined ? { sql } : {}), args, ...(typed ? { goReceiverType: typeOf, goConstructor: constructor } : {}) };
    let result = this.file.kb.classify(this.spec.language, shape.callee, context);
    // Go: a guess from the name of a standard-library package's function (`heap.Push`, `signal.Notify`) does not stand.
    if (this.spec.language === 'go' && result.by === 'guess' && shape.receiver !== undefined && /^[A-Za-z_]\w*$/.test(shape.receiver) && !local.has(shape.receiver) && isStandardLibraryPackage(node, shape.receiver)) {
      result = { kinds: [], confidence: 'high' };
    }
    // Java: a receiver declared as a `java.util` collection (`Map<K, V> lineMapper`) is no mapper, DAO or client.
    if (this.spec.language === 'java' && (result.by === 'api' || result.by === 'guess') && shape.receiver !== undefined && /^[A-Za-z_$][\w$]*$/.test(shape.receiver) && isJavaUtilReceiver(node, shape.receiver)) {
      result = { kinds: [], confidence: 'high' };
    }
    // Java: a receiver declared with a type the catalogue's pattern does not take (`receiver_types:`):
    // `command.executeUpdate(null)` on a `CommandInterface command` is that type's method, not JDBC's.
    if (this.spec.language === 'java' && result.kinds.length > 0 && result.by !== 'summary') {
      const type = receiverDeclaredType(node);
      if (type !== undefined && this.file.kb.receiverTypeAllows?.('java', shape.callee, type) === false) result = { kinds: [], confidence: 'high' };
    }
    // Java: a URL read of a class-path or jar resource (`getClass().getResource(n).openStream()`), or `openStream` on
    // a receiver declared with another type than `URL` (its own method), is no HTTP request.
    if (this.spec.language === 'java' && result.by === 'api' && result.kinds.includes('http')) {
      const origin = urlReadOrigin(node);
      if (origin === 'resource' || origin === 'other-type') {
        const kinds = result.kinds.filter((k) => k !== 'http');
        result = kinds.length > 0 ? { ...result, kinds } : { kinds: [], confidence: 'high' };
      }
    }
    // Go: the receiver's declared type decides over receiver-name patterns (facts/go-types.ts).
    if (this.spec.language === 'go' && ((result.kinds.length > 0 && (result.by === 'api' || result.by === 'guess')) || shape.method === 'Do')) {
      const type = typeOf();
      if (type !== undefined) result = classifyWithType(this.file.kb, 'go', shape.callee, type, context);
    }
    return { ...result, ...(sql !== undefined ? { sql } : {}) };
  }

  private callFact(p: Pending, loop: SyntaxNode, dependent: Set<string>, local: Map<string, SyntaxNode>, guardedAround: boolean): CallFact {
    const { shape, node, state } = p;
    const file = this.file;
    const { kinds, confidence, sql, via, sleepSeconds: summarisedSleep } = this.classify(shape, local, node);
    const args: ArgFact[] = shape.args.map((a) =>
      newArgFact(
        clip(a.text),
        foldNumber(a, (name) => {
          const bound = file.numbers.get(name);
          return bound ? foldNumber(bound, () => undefined) : undefined;
        }),
        stringLiteralText(a),
        undefined,
      ),
    );
    const result = this.spec.resultOf(node);
    const mentions = new Set<string>();
    for (const a of shape.args) mentionedNames(a, mentions);
    if (shape.receiver) for (const m of shape.receiver.match(/[A-Za-z_$][\w$]*/g) ?? []) mentions.add(m);
    let dependsOnIteration = false;
    for (const m of mentions) {
      if (dependent.has(m)) {
        dependsOnIteration = true;
        break;
      }
    }
    const handled = this.spec.handledInPlace(node, file);
    return newCallFact({
      callee: shape.callee,
      method: shape.method,
      receiver: shape.receiver,
      kinds,
      confidence,
      via,
      line: lineOf(node),
      endLine: endLineOf(node),
      text: clip(node.text),
      args,
      sql,
      // A helper's literal sleep (effect summaries) when the call's own arguments say nothing.
      sleepSeconds: kinds.includes('sleep') ? this.spec.sleepSeconds(shape, file) ?? summarisedSleep : undefined,
      timeoutSeconds: kinds.includes('queue-pop') ? this.spec.timeoutSeconds(shape, file) : undefined,
      awaited: false,
      resultUsed: result.used,
      assignedTo: result.assignedTo,
      guarded: state.guarded || guardedAround || handled,
      inTry: state.inTry,
      inInnerLoop: state.inInner,
      conditional: state.conditional,
      dependsOnIteration,
      managed: this.spec.managed(node, result.assignedTo, loop, file),
      node,
      failure: this.spec.failureOf?.(node, loop, kinds),
    });
  }
}

/** The label of a labeled loop (`outer: for ...`), if any. */
export function loopLabel(loop: SyntaxNode): string | undefined {
  const parent = loop.parent;
  if (parent?.type === 'labeled_statement') return (parent.childForFieldName('label') ?? parent.namedChild(0))?.text;
  return undefined;
}

/** `label` names `loop` or a statement around it: a `break label` leaves `loop` too. */
export function labelAround(loop: SyntaxNode, label: string): boolean {
  for (let p = loop.parent; p; p = p.parent) {
    if (p.type === 'labeled_statement' && (p.childForFieldName('label') ?? p.namedChild(0))?.text === label) return true;
  }
  return false;
}

export function extractBraceFacts(
  spec: BraceSpec,
  collectConstants: (file: BraceFile) => void,
  path: string,
  source: string,
  tree: FlatTree,
  kb: KnowledgeBase,
  deadline?: number,
): FileFacts {
  return new BraceExtractor(spec, path, source, tree, kb, deadline).run(collectConstants);
}

/** Is `node` inside `ancestor` (or it)? */
export function within(node: SyntaxNode, ancestor: SyntaxNode): boolean {
  return ancestor.startIndex <= node.startIndex && node.endIndex <= ancestor.endIndex;
}

export { lineOf as braceLineOf, endLineOf as braceEndLineOf };
