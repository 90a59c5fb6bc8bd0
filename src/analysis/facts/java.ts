// Java loop facts: `while`, `do`, `for`, enhanced `for`, and Spring `@Scheduled(fixedDelay|fixedRate)` methods,
// which the scheduler calls again and again like `setInterval` (kind `interval`, the delay as the wait). Calls are
// method invocations and constructor calls (`new ObjectMapper()` is the call `ObjectMapper`, as in JavaScript).
// try/catch and try-with-resources are tries; `throw` outside a try and `System.exit` end the loop like a raise.
import type { FlatTree } from '../flat-tree.js';
import type { CallKind, ExitFact, FileFacts, IterableFact, SyntaxNode } from '../facts.js';
import type { KnowledgeBase } from '../knowledge-base.js';
import { compactCallee } from './common.js';
import { extractBraceFacts, foldNumber, labelAround, loopLabel, within, type BraceFile, type BraceSpec, type CallShape, type LoopHeader } from './brace.js';
import { catchTypes, INTERRUPT_ONLY } from './java-types.js';

const LOOPS = ['while_statement', 'for_statement', 'enhanced_for_statement', 'do_statement'];
const FUNCTIONS = new Set(['method_declaration', 'constructor_declaration', 'lambda_expression', 'compact_constructor_declaration']);
const SCOPES = new Set([...FUNCTIONS, 'class_body', 'interface_body', 'enum_body']);
const BREAKABLE = new Set([...LOOPS, 'switch_expression', 'switch_statement']);
const BROAD = /^(?:java\.lang\.)?(?:Exception|Throwable|RuntimeException|Error)$/;
const TIME_UNITS: Record<string, number> = {
  NANOSECONDS: 1e-9,
  MICROSECONDS: 1e-6,
  MILLISECONDS: 1e-3,
  SECONDS: 1,
  MINUTES: 60,
  HOURS: 3600,
  DAYS: 86400,
};
const DURATION_FACTORIES: Record<string, number> = { ofNanos: 1e-9, ofMillis: 1e-3, ofSeconds: 1, ofMinutes: 60, ofHours: 3600, ofDays: 86400 };

export function javaNumber(node: SyntaxNode | null | undefined, file: BraceFile): number | undefined {
  const named = (text: string, depth: number): number | undefined => {
    const name = text.slice(text.lastIndexOf('.') + 1);
    const bound = file.numbers.get(name);
    return bound && depth < 8 ? foldNumber(bound, named, depth) : undefined;
  };
  return foldNumber(node, named);
}

/** Seconds of a `Duration.ofX(n)` expression. */
function durationSeconds(node: SyntaxNode | null | undefined, file: BraceFile): number | undefined {
  if (!node || node.type !== 'method_invocation') return undefined;
  const factor = DURATION_FACTORIES[node.childForFieldName('name')?.text ?? ''];
  if (factor === undefined || !/^(java\.time\.)?Duration$/.test(node.childForFieldName('object')?.text ?? '')) return undefined;
  const n = javaNumber(node.childForFieldName('arguments')?.namedChild(0), file);
  return n === undefined ? undefined : n * factor;
}

/** `TimeUnit.SECONDS` / `SECONDS` → seconds per unit. */
function timeUnit(node: SyntaxNode | string | null | undefined): number | undefined {
  if (!node) return undefined;
  const text = (typeof node === 'string' ? node : node.text).replace(/\s+/g, '');
  return TIME_UNITS[text.slice(text.lastIndexOf('.') + 1)];
}

function argsOf(node: SyntaxNode): SyntaxNode[] {
  return (node.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'line_comment' && a.type !== 'block_comment');
}

function stripParens(node: SyntaxNode | null): SyntaxNode | null {
  let n = node;
  while (n?.type === 'parenthesized_expression') n = n.namedChild(0);
  return n;
}

function describeIterable(value: SyntaxNode, file: BraceFile): IterableFact {
  const text = value.text;
  switch (value.type) {
    case 'identifier':
    case 'field_access':
      return { text, kind: 'name', collection: text };
    case 'array_creation_expression':
    case 'array_initializer':
      return { text, kind: 'literal' };
    case 'method_invocation': {
      const shape = callShape(value);
      if (shape && /^(List|Set|Arrays)\.(of|asList)$/.test(shape.callee)) return { text, kind: 'literal' };
      const kinds = shape ? file.kb.classify('java', shape.callee).kinds : [];
      return { text, kind: kinds.includes('db-read') ? 'query' : 'call' };
    }
    default:
      return { text, kind: 'other' };
  }
}

/** `@Scheduled(fixedDelay = 5000)` / `fixedRate` / with `timeUnit = TimeUnit.SECONDS`: the delay in seconds. */
function scheduledDelay(method: SyntaxNode, file: BraceFile): { annotation: SyntaxNode; seconds: number | undefined } | undefined {
  const modifiers = method.namedChildren.find((c) => c.type === 'modifiers');
  if (!modifiers) return undefined;
  for (const a of modifiers.namedChildren) {
    if (a.type !== 'annotation' || !/^(org\.springframework\.scheduling\.annotation\.)?Scheduled$/.test(a.childForFieldName('name')?.text ?? '')) continue;
    let delay: SyntaxNode | undefined;
    let unit = 1e-3;
    let periodic = false;
    for (const pair of a.childForFieldName('arguments')?.namedChildren ?? []) {
      if (pair.type !== 'element_value_pair') continue;
      const key = pair.childForFieldName('key')?.text ?? '';
      const value = pair.childForFieldName('value');
      if (key === 'fixedDelay' || key === 'fixedRate') {
        periodic = true;
        delay = value ?? undefined;
      } else if (key === 'fixedDelayString' || key === 'fixedRateString') periodic = true;
      else if (key === 'timeUnit') unit = timeUnit(value) ?? unit;
    }
    if (!periodic) return undefined;
    const n = delay ? javaNumber(delay, file) : undefined;
    return { annotation: a, seconds: n === undefined ? undefined : n * unit };
  }
  return undefined;
}

function header(node: SyntaxNode, file: BraceFile): LoopHeader | undefined {
  const headerLine = node.startPosition.row + 1;
  if (node.type === 'method_declaration') {
    const scheduled = scheduledDelay(node, file);
    const block = node.childForFieldName('body');
    if (!scheduled || !block) return undefined;
    return {
      kind: 'interval',
      infinite: true,
      loopVariables: [],
      body: block,
      block,
      headerLine: scheduled.annotation.startPosition.row + 1,
      tick: { node: scheduled.annotation, callee: 'Scheduled', seconds: scheduled.seconds },
    };
  }
  const block = node.childForFieldName('body');
  if (!block) return undefined;
  if (node.type === 'enhanced_for_statement') {
    const value = node.childForFieldName('value');
    const name = node.childForFieldName('name');
    if (!value) return undefined;
    return { kind: 'for-each', infinite: false, loopVariables: name ? [name.text] : [], iterable: describeIterable(value, file), body: block, block, headerLine };
  }
  if (node.type === 'for_statement') {
    const condition = node.childForFieldName('condition');
    const vars: string[] = [];
    for (const init of node.childrenForFieldName('init')) {
      if (init.type === 'local_variable_declaration') for (const d of init.childrenForFieldName('declarator')) vars.push(d.childForFieldName('name')?.text ?? '');
      else if (init.type === 'assignment_expression') vars.push(init.childForFieldName('left')?.text ?? '');
    }
    return {
      kind: 'for',
      infinite: condition === null || condition.text === 'true',
      ...(condition && condition.text !== 'true' ? { condition: condition.text, conditionNode: condition } : {}),
      loopVariables: vars.filter((v) => v !== ''),
      body: block,
      block,
      headerLine,
    };
  }
  const condition = stripParens(node.childForFieldName('condition'));
  const infinite = condition?.text === 'true';
  return {
    kind: node.type === 'do_statement' ? 'do' : 'while',
    infinite,
    ...(condition && !infinite ? { condition: condition.text, conditionNode: condition } : {}),
    loopVariables: [],
    body: block,
    block,
    headerLine,
  };
}

function callShape(node: SyntaxNode): CallShape | undefined {
  if (node.type === 'object_creation_expression') {
    const type = node.childForFieldName('type');
    if (!type) return undefined;
    const callee = compactCallee(type.text.replace(/<[^<>]*(<[^<>]*>[^<>]*)*>/g, ''));
    const dot = callee.lastIndexOf('.');
    return { callee, method: dot < 0 ? callee : callee.slice(dot + 1), ...(dot < 0 ? {} : { receiver: callee.slice(0, dot) }), args: argsOf(node) };
  }
  const name = node.childForFieldName('name')?.text;
  if (!name) return undefined;
  const object = node.childForFieldName('object');
  if (!object) return { callee: name, method: name, args: argsOf(node) };
  const receiver = compactCallee(object.text);
  return { callee: compactCallee(`${receiver}.${name}`), receiver, method: name, args: argsOf(node) };
}

function insideTryBody(node: SyntaxNode, stop: SyntaxNode): boolean {
  let child = node;
  for (let n = node.parent; n && n.id !== stop.id; n = n.parent) {
    if ((n.type === 'try_statement' || n.type === 'try_with_resources_statement') && n.childForFieldName('body')?.id === child.id) return true;
    child = n;
  }
  return false;
}

function exitOf(node: SyntaxNode, loop: SyntaxNode): ExitFact | undefined {
  const line = node.startPosition.row + 1;
  switch (node.type) {
    case 'break_statement': {
      const label = node.namedChild(0)?.type === 'identifier' ? node.namedChild(0)!.text : undefined;
      // `break outer` from a loop inside the labelled one leaves this loop as well.
      if (label) return labelAround(loop, label) ? { kind: 'break', line } : undefined;
      for (let n = node.parent; n; n = n.parent) {
        if (BREAKABLE.has(n.type)) return n.id === loop.id ? { kind: 'break', line } : undefined;
        if (FUNCTIONS.has(n.type)) return undefined;
      }
      return undefined;
    }
    case 'return_statement':
      return loop.type === 'method_declaration' ? undefined : { kind: 'return', line };
    case 'throw_statement':
      return insideTryBody(node, loop) ? undefined : { kind: 'raise', line };
    case 'method_invocation': {
      const callee = compactCallee(node.childForFieldName('object')?.text ?? '') + '.' + (node.childForFieldName('name')?.text ?? '');
      return /^(System|Runtime\.getRuntime\(\))\.(exit|halt)$/.test(callee) ? { kind: 'raise', line } : undefined;
    }
    default:
      return undefined;
  }
}

function describeTry(node: SyntaxNode): Omit<import('../facts.js').TryFact, 'insideLoop' | 'startLine' | 'endLine' | 'node'> {
  const fact = { catchesBroadly: false, handlerSleeps: false, handlerContinues: false, handlerReraises: false, handlerBreaksOrReturns: false, handlerLogs: false };
  for (const c of node.namedChildren) {
    if (c.type !== 'catch_clause') continue;
    const types = c.namedChildren.find((p) => p.type === 'catch_formal_parameter')?.namedChildren.find((p) => p.type === 'catch_type');
    if (types && types.namedChildren.some((t) => BROAD.test(t.text))) fact.catchesBroadly = true;
    const body = c.childForFieldName('body');
    if (!body) continue;
    const text = body.text;
    if (/\b(Thread\.sleep|\.sleep)\s*\(/.test(text)) fact.handlerSleeps = true;
    if (body.descendantsOfType(['continue_statement']).length > 0) fact.handlerContinues = true;
    if (body.descendantsOfType(['throw_statement']).length > 0) fact.handlerReraises = true;
    if (body.descendantsOfType(['break_statement', 'return_statement']).length > 0) fact.handlerBreaksOrReturns = true;
    if (/\b(log|logger|LOG|LOGGER|Log)\s*\.\s*\w+\s*\(|System\.(err|out)\.print|printStackTrace\s*\(/.test(text)) fact.handlerLogs = true;
  }
  return fact;
}

function assignmentParts(node: SyntaxNode): Array<{ targets: string[]; op: '=' | '+=' | 'other'; value: SyntaxNode | null }> {
  if (node.type === 'variable_declarator') {
    const name = node.childForFieldName('name')?.text;
    return name ? [{ targets: [name], op: '=', value: node.childForFieldName('value') }] : [];
  }
  if (node.type === 'update_expression') {
    const target = node.namedChild(0);
    return target ? [{ targets: [target.text], op: 'other', value: target }] : [];
  }
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (!left) return [];
  const operator = node.childForFieldName('operator')?.type ?? node.child(1)?.type ?? '=';
  let op: '=' | '+=' | 'other' = operator === '=' ? '=' : operator === '+=' ? '+=' : 'other';
  if (op === '=' && right?.type === 'binary_expression' && right.childForFieldName('left')?.text === left.text && right.child(1)?.type === '+') op = '+=';
  return [{ targets: [compactCallee(left.text)], op, value: right }];
}

function resultOf(call: SyntaxNode): { used: boolean; assignedTo?: string } {
  const parent = call.parent;
  if (!parent || parent.type === 'expression_statement') return { used: false };
  if (parent.type === 'variable_declarator' && parent.childForFieldName('value')?.id === call.id) {
    return { used: true, assignedTo: parent.childForFieldName('name')?.text };
  }
  if (parent.type === 'resource' && parent.childForFieldName('value')?.id === call.id) return { used: true, assignedTo: parent.childForFieldName('name')?.text };
  if (parent.type === 'assignment_expression' && parent.childForFieldName('right')?.id === call.id) {
    return { used: true, assignedTo: compactCallee(parent.childForFieldName('left')?.text ?? '') };
  }
  return { used: true };
}

/** try-with-resources, a `finally` that closes it, or a later `x.close()` in the loop. */
function managed(call: SyntaxNode, assignedTo: string | undefined, loop: SyntaxNode): boolean {
  for (let n = call.parent; n && n.id !== loop.id; n = n.parent) {
    if (n.type === 'resource_specification') return true;
    if (FUNCTIONS.has(n.type)) break;
  }
  if (!assignedTo) return false;
  // Compared as text: `assignedTo` can be any expression (`a[i]`, `this.x`), never a pattern.
  const closers = new Set(['close', 'disconnect', 'shutdown', 'release', 'dispose'].map((m) => `${assignedTo}.${m}`));
  for (const c of loop.descendantsOfType(['method_invocation'])) {
    if (c.startIndex < call.endIndex) continue;
    const shape = callShape(c);
    if (shape && closers.has(shape.callee)) return true;
  }
  return false;
}

// --- Failure facts (CallFact.failure, ExitFact.cause) ---

/**
 * An exception from `call`: caught by a try inside the loop whose handler does not rethrow (`handled`), or it
 * leaves the loop (`ends-loop`). A catch of the interruption alone handles only a wait (sleep, blocking pop).
 */
function failureOf(call: SyntaxNode, loop: SyntaxNode, kinds: readonly CallKind[]): 'handled' | 'ends-loop' {
  const wait = kinds.includes('sleep') || kinds.includes('queue-pop');
  let child = call;
  for (let n = call.parent; n && n.id !== loop.id; n = n.parent) {
    if (FUNCTIONS.has(n.type)) return 'handled';
    if ((n.type === 'try_statement' || n.type === 'try_with_resources_statement') && n.childForFieldName('body')?.id === child.id) {
      for (const c of n.namedChildren) {
        if (c.type !== 'catch_clause') continue;
        if (!wait && catchTypes(c).every((t) => INTERRUPT_ONLY.test(t))) continue;
        if ((c.childForFieldName('body')?.descendantsOfType(['throw_statement']).length ?? 0) === 0) return 'handled';
      }
    }
    child = n;
  }
  return 'ends-loop';
}

/** The catch clause between `node` and `loop`, if any. */
function enclosingCatch(node: SyntaxNode, loop: SyntaxNode): SyntaxNode | undefined {
  for (let n = node.parent; n && n.id !== loop.id; n = n.parent) {
    if (n.type === 'catch_clause') return n;
    if (FUNCTIONS.has(n.type)) return undefined;
  }
  return undefined;
}

/**
 * `public static void main(String[] args)` (or `String... args`): the program's entry point. With it, the constructors
 * of its class when `new TheClass(...)` appears only inside `main` (a demo or command whose constructor runs the
 * program), and its class's private methods that only that code calls (no other call of that name in the file).
 */
/** `String[] args`, `String... args`, `final String args[]`, `java.lang.String[] argv`. */
const MAIN_PARAMETER = /^(?:final\s+)?(?:java\.lang\.)?String\s*(?:\[\s*\]|\.\.\.)\s*\w+$|^(?:final\s+)?(?:java\.lang\.)?String\s+\w+\s*\[\s*\]$/;

function javaEntryScopes(root: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const main of root.descendantsOfType(['method_declaration'])) {
    if (main.childForFieldName('name')?.text !== 'main' || main.childForFieldName('type')?.text !== 'void') continue;
    const modifiers = main.namedChildren.find((c) => c.type === 'modifiers')?.text ?? '';
    if (!/\bstatic\b/.test(modifiers)) continue;
    const params = main.childForFieldName('parameters')?.namedChildren.filter((p) => p.type === 'formal_parameter' || p.type === 'spread_parameter') ?? [];
    if (params.length !== 1 || !MAIN_PARAMETER.test(params[0]!.text)) continue;
    out.push(main);
    const body = main.parent;
    const cls = body?.parent;
    const className = cls?.type === 'class_declaration' ? cls.childForFieldName('name')?.text : undefined;
    if (!body || !className) continue;
    const inMain = (n: SyntaxNode) => within(n, main);
    const constructed = root.descendantsOfType(['object_creation_expression']).filter((c) => c.childForFieldName('type')?.text === className);
    if (constructed.length > 0 && constructed.every(inMain)) out.push(...body.namedChildren.filter((m) => m.type === 'constructor_declaration'));
    // Private methods of the class that only the entry code calls, and those that only they call (`main` → the
    // constructor → `processInput(args)`), to a fixed point.
    const invocations = root.descendantsOfType(['method_invocation']);
    const inEntry = (n: SyntaxNode) => out.some((scope) => within(n, scope));
    // Another class of the file that only the entry code makes (a demo's generator thread, `new GenThread(name)` in
    // `main`): a part of the program, which lives as long as the program does. Its constructors and `run()`.
    for (const other of root.descendantsOfType(['class_declaration'])) {
      const name = other.childForFieldName('name')?.text;
      if (!name || other.id === cls!.id || within(cls!, other)) continue;
      const made = root.descendantsOfType(['object_creation_expression']).filter((c) => c.childForFieldName('type')?.text.replace(/<[\s\S]*$/, '') === name);
      if (made.length === 0 || !made.every(inEntry)) continue;
      const members = other.childForFieldName('body')?.namedChildren ?? [];
      out.push(...members.filter((m) => m.type === 'constructor_declaration' || (m.type === 'method_declaration' && m.childForFieldName('name')?.text === 'run' && (m.childForFieldName('parameters')?.namedChildCount ?? 0) === 0)));
    }
    const candidates = body.namedChildren.filter((m) => m.type === 'method_declaration' && m.id !== main.id && /\bprivate\b/.test(m.namedChildren.find((c) => c.type === 'modifiers')?.text ?? ''));
    for (let added = true; added; ) {
      added = false;
      for (const method of candidates) {
        if (out.includes(method)) continue;
        const name = method.childForFieldName('name')?.text;
        const calls = invocations.filter((c) => c.childForFieldName('name')?.text === name);
        if (calls.length > 0 && calls.every(inEntry)) {
          out.push(method);
          added = true;
        }
      }
    }
  }
  return out;
}

export const JAVA_SPEC: BraceSpec = {
  language: 'java',
  loopTypes: LOOPS,
  extraLoops: (root, file) => root.descendantsOfType(['method_declaration']).filter((m) => m.text.includes('Scheduled') && scheduledDelay(m, file) !== undefined),
  entryScopes: (root) => javaEntryScopes(root),
  header,
  scopeTypes: SCOPES,
  functionTypes: FUNCTIONS,
  functionName: (fn) => fn.childForFieldName('name')?.text,
  callTypes: new Set(['method_invocation', 'object_creation_expression']),
  callShape,
  iteratedOnce: (loop) => (loop.type === 'enhanced_for_statement' ? loop.childForFieldName('value') : undefined),
  nestingTypes: new Set(['if_statement', 'for_statement', 'enhanced_for_statement', 'while_statement', 'do_statement', 'switch_expression', 'synchronized_statement']),
  branchTypes: new Set(['if_statement', 'switch_block_statement_group', 'switch_rule', 'ternary_expression']),
  sleepSeconds: (shape, file) => {
    const first = shape.args[0];
    if (/^(Thread\.sleep|sleep)$/.test(shape.callee) || shape.callee === 'SystemClock.sleep') {
      const d = durationSeconds(first, file);
      if (d !== undefined) return d;
      const ms = javaNumber(first, file);
      return ms === undefined ? undefined : ms / 1000;
    }
    if (shape.method === 'sleep') {
      const unit = timeUnit(shape.receiver);
      const n = javaNumber(first, file);
      return unit !== undefined && n !== undefined ? n * unit : undefined;
    }
    if (shape.method === 'parkNanos') {
      const n = javaNumber(shape.args[shape.args.length - 1], file);
      return n === undefined ? undefined : n / 1e9;
    }
    return undefined;
  },
  timeoutSeconds: (shape, file) => {
    const args = shape.args;
    if (shape.method === 'take' || shape.method === 'blpop' || shape.method === 'brpop') {
      if (shape.method === 'take') return undefined;
      const n = javaNumber(args[0], file);
      return n;
    }
    if (shape.method === 'poll' || shape.method === 'pollFirst' || shape.method === 'pollLast' || shape.method === 'receive') {
      if (args.length === 0) return shape.method === 'receive' ? undefined : 0;
      const d = durationSeconds(args[0], file);
      if (d !== undefined) return d;
      const n = javaNumber(args[0], file);
      if (n === undefined) return undefined;
      if (args.length >= 2) return n * (timeUnit(args[1]) ?? 1e-3);
      // KafkaConsumer.poll(long ms)
      return n / 1000;
    }
    if (/^(lpop|rpop|leftPop|rightPop)$/.test(shape.method)) {
      if (args.length >= 3) {
        const n = javaNumber(args[1], file);
        return n === undefined ? undefined : n * (timeUnit(args[2]) ?? 1);
      }
      if (args.length === 2) return durationSeconds(args[1], file);
      return 0;
    }
    return undefined;
  },
  exitOf: (node, loop) => {
    const exit = exitOf(node, loop);
    const clause = exit ? enclosingCatch(node, loop) : undefined;
    if (exit && clause) {
      const types = catchTypes(clause);
      exit.cause = types.length > 0 && types.every((t) => INTERRUPT_ONLY.test(t)) ? 'interrupt' : 'error';
    }
    return exit;
  },
  tryTypes: new Set(['try_statement', 'try_with_resources_statement']),
  describeTry: (node) => describeTry(node),
  tryBody: (node) => node.childForFieldName('body'),
  handlerTypes: new Set(['catch_clause']),
  assignments: assignmentParts,
  assignmentTypes: ['assignment_expression', 'variable_declarator', 'update_expression'],
  resultOf,
  handledInPlace: () => false,
  managed: (call, assignedTo, loop) => managed(call, assignedTo, loop),
  failureOf: (call, loop, kinds) => failureOf(call, loop, kinds),
  commentPrefix: '//',
};

function collectConstants(file: BraceFile): void {
  for (const field of file.root.descendantsOfType(['field_declaration', 'constant_declaration'])) {
    const modifiers = field.namedChildren.find((c) => c.type === 'modifiers')?.text ?? '';
    if (field.type === 'field_declaration' && !/\bfinal\b/.test(modifiers)) continue;
    for (const d of field.childrenForFieldName('declarator')) {
      const name = d.childForFieldName('name')?.text;
      const value = d.childForFieldName('value');
      if (!name || !value) continue;
      if (value.type === 'string_literal') file.strings.set(name, value);
      else file.numbers.set(name, value);
    }
  }
}

export function extractJavaFacts(path: string, source: string, tree: FlatTree, kb: KnowledgeBase, deadline?: number): FileFacts {
  return extractBraceFacts(JAVA_SPEC, collectConstants, path, source, tree, kb, deadline);
}

export { within };
