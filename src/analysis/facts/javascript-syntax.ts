// Small, allocation-light readers over tree-sitter JavaScript/TypeScript nodes, shared by the JS fact extractor.
// Every helper is bounded in depth: the analyser must survive thousands of nested parentheses.
import { newArgFact, type ArgFact, type SyntaxNode } from '../facts.js';
import { clip, parseNumberLiteral } from './common.js';

export const FUNCTION_TYPES = new Set([
  'function_declaration',
  'generator_function_declaration',
  'function_expression',
  'function',
  'generator_function',
  'arrow_function',
  'method_definition',
]);

export const LOOP_STATEMENTS = new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement']);

/** Wrappers that do not change a value: `(x)`, `x!`, `x as T`, `x satisfies T`, `<T>x`. */
const TRANSPARENT = new Set(['parenthesized_expression', 'non_null_expression', 'as_expression', 'satisfies_expression', 'type_assertion']);

const MAX_DEPTH = 64;

export function compact(text: string, max = 160): string {
  const out = text.replace(/\s+/g, '');
  return out.length > max ? out.slice(0, max) : out;
}

/** Strips `(x)`, `x!`, `x as T` wrappers. */
export function unwrap(node: SyntaxNode): SyntaxNode {
  let n = node;
  for (let i = 0; i < MAX_DEPTH && TRANSPARENT.has(n.type); i++) {
    const inner = n.type === 'type_assertion' ? n.namedChildren[n.namedChildCount - 1] : n.firstNamedChild;
    if (!inner) break;
    n = inner;
  }
  return n;
}

/**
 * Dotted callee text with call arguments folded to `()` and subscripts to `[]`, optional chaining and
 * non-null assertions dropped: `db.collection('x').find` → `db.collection().find`, `a?.b!.c` → `a.b.c`.
 */
export function calleeText(node: SyntaxNode, depth = 0): string {
  if (depth > MAX_DEPTH) return compact(node.text);
  switch (node.type) {
    case 'identifier':
    case 'this':
    case 'super':
    case 'property_identifier':
    case 'private_property_identifier':
    case 'import':
      return node.text;
    case 'member_expression': {
      const object = node.childForFieldName('object');
      const property = node.childForFieldName('property');
      return `${object ? calleeText(object, depth + 1) : ''}.${property?.text ?? ''}`;
    }
    case 'call_expression': {
      const fn = node.childForFieldName('function');
      return `${fn ? calleeText(fn, depth + 1) : ''}()`;
    }
    case 'new_expression': {
      const ctor = node.childForFieldName('constructor');
      return `new ${ctor ? calleeText(ctor, depth + 1) : ''}()`;
    }
    case 'subscript_expression': {
      const object = node.childForFieldName('object');
      return `${object ? calleeText(object, depth + 1) : ''}[]`;
    }
    case 'await_expression': {
      const inner = node.firstNamedChild;
      return inner ? calleeText(inner, depth + 1) : compact(node.text);
    }
    case 'sequence_expression': {
      // `(0, util_1.delay)(ms)`: how TypeScript and Babel compile a call of an imported function (no `this`).
      const parts = node.namedChildren;
      return parts.length === 2 && parts[0]!.type === 'number' && parts[0]!.text === '0' ? calleeText(parts[1]!, depth + 1) : compact(node.text);
    }
    default:
      if (TRANSPARENT.has(node.type)) {
        const inner = unwrap(node);
        return inner === node ? compact(node.text) : calleeText(inner, depth + 1);
      }
      return compact(node.text);
  }
}

/** Numeric value of a literal expression: `5000`, `5_000`, `-1`, `60 * 1000`, `(30)`, `1e3`. */
export function evalNumber(node: SyntaxNode, depth = 0): number | undefined {
  if (depth > 16) return undefined;
  const n = unwrap(node);
  switch (n.type) {
    case 'number':
      return parseNumberLiteral(n.text);
    case 'unary_expression': {
      const op = n.childForFieldName('operator')?.type;
      const arg = n.childForFieldName('argument');
      const value = arg ? evalNumber(arg, depth + 1) : undefined;
      if (value === undefined) return undefined;
      return op === '-' ? -value : op === '+' ? value : undefined;
    }
    case 'binary_expression': {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      const op = n.childForFieldName('operator')?.type;
      const a = left ? evalNumber(left, depth + 1) : undefined;
      const b = right ? evalNumber(right, depth + 1) : undefined;
      if (a === undefined || b === undefined) return undefined;
      switch (op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return b === 0 ? undefined : a / b;
        case '**':
          return a ** b;
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
}

/** String value of a string literal or a template literal without substitutions. */
export function stringValue(node: SyntaxNode): string | undefined {
  const n = unwrap(node);
  if (n.type === 'string') return n.text.slice(1, -1);
  if (n.type === 'template_string') {
    for (const c of n.namedChildren) if (c.type === 'template_substitution') return undefined;
    return n.text.slice(1, -1);
  }
  return undefined;
}

/** Raw content of a template literal, substitutions kept as written (`SELECT ... WHERE id = ${id}`). */
export function templateContent(node: SyntaxNode): string | undefined {
  const n = unwrap(node);
  return n.type === 'template_string' ? n.text.slice(1, -1) : undefined;
}


/** Names bound by a pattern (`x`, `{ a, b: c }`, `[d, ...e]`, `f = 1`, `x: T`). */
export function boundNames(node: SyntaxNode | null, out: string[] = [], depth = 0): string[] {
  if (!node || depth > MAX_DEPTH) return out;
  switch (node.type) {
    case 'identifier':
    case 'shorthand_property_identifier_pattern':
      out.push(node.text);
      return out;
    case 'pair_pattern': {
      boundNames(node.childForFieldName('value'), out, depth + 1);
      return out;
    }
    case 'assignment_pattern':
    case 'object_assignment_pattern': {
      boundNames(node.childForFieldName('left'), out, depth + 1);
      return out;
    }
    case 'required_parameter':
    case 'optional_parameter': {
      boundNames(node.childForFieldName('pattern'), out, depth + 1);
      return out;
    }
    case 'variable_declarator': {
      boundNames(node.childForFieldName('name'), out, depth + 1);
      return out;
    }
    case 'object_pattern':
    case 'array_pattern':
    case 'rest_pattern':
    case 'formal_parameters':
    case 'lexical_declaration':
    case 'variable_declaration':
      for (const c of node.namedChildren) boundNames(c, out, depth + 1);
      return out;
    default:
      return out;
  }
}

/** The parameters node of a function-like node (`x => ...` has a single `parameter`). */
export function functionParams(fn: SyntaxNode): SyntaxNode | null {
  return fn.childForFieldName('parameters') ?? fn.childForFieldName('parameter');
}

export function isAsyncFunction(fn: SyntaxNode): boolean {
  for (const c of fn.children) {
    if (c.type === 'async') return true;
    if (c.type === 'formal_parameters' || c.type === 'statement_block' || c.type === '=>' || c.type === 'function') break;
  }
  return false;
}

/** Name a function is known by: declaration name, method name, or the variable/property it is assigned to. */
export function functionName(fn: SyntaxNode): string | undefined {
  const own = fn.childForFieldName('name');
  if (own) return own.text;
  const parent = fn.parent;
  if (!parent) return undefined;
  switch (parent.type) {
    case 'variable_declarator': {
      const name = parent.childForFieldName('name');
      return name?.type === 'identifier' ? name.text : undefined;
    }
    case 'assignment_expression': {
      const left = parent.childForFieldName('left');
      if (!left) return undefined;
      if (left.type === 'identifier') return left.text;
      if (left.type === 'member_expression') return left.childForFieldName('property')?.text;
      return undefined;
    }
    case 'pair': {
      const key = parent.childForFieldName('key');
      return key ? (stringValue(key) ?? key.text) : undefined;
    }
    case 'public_field_definition':
    case 'field_definition':
      return parent.childForFieldName('name')?.text ?? parent.childForFieldName('property')?.text;
    default:
      return undefined;
  }
}

/** A literal duration string used by `ms`-style helpers: `'5s'`, `'500ms'`, `'1m'`. Value in milliseconds. */
export function durationStringMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)\s*$/i.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  const factor = unit === 'ms' ? 1 : unit === 's' || unit === 'sec' ? 1000 : unit === 'm' || unit === 'min' ? 60_000 : 3_600_000;
  return value * factor;
}

/** ArgFact for one argument node (positional). */
export function argFact(node: SyntaxNode, name?: string): ArgFact {
  return newArgFact(clip(node.text), evalNumber(node), stringValue(node), name);
}

/** Named ArgFacts for the properties of an object-literal argument (`{ WaitTimeSeconds: 20, signal }`). */
export function objectArgFacts(node: SyntaxNode, out: ArgFact[]): void {
  const obj = unwrap(node);
  if (obj.type !== 'object') return;
  for (const c of obj.namedChildren) {
    if (c.type === 'pair') {
      const key = c.childForFieldName('key');
      const value = c.childForFieldName('value');
      if (!key || !value) continue;
      const name = stringValue(key) ?? (key.type === 'computed_property_name' ? undefined : key.text);
      if (name === undefined) continue;
      out.push(argFact(value, name));
    } else if (c.type === 'shorthand_property_identifier') {
      out.push(newArgFact(c.text, undefined, undefined, c.text));
    }
  }
}

/** Conditions joined by `&&` / `||`, with `!` and parentheses stripped: the atoms a loop condition tests. */
export function conditionAtoms(node: SyntaxNode, out: SyntaxNode[] = [], depth = 0): SyntaxNode[] {
  if (depth > 24) return out;
  let n = unwrap(node);
  if (n.type === 'parenthesized_expression') n = n.firstNamedChild ?? n;
  if (n.type === 'unary_expression' && n.childForFieldName('operator')?.type === '!') {
    const arg = n.childForFieldName('argument');
    if (arg) return conditionAtoms(arg, out, depth + 1);
  }
  if (n.type === 'binary_expression') {
    const op = n.childForFieldName('operator')?.type;
    if (op === '&&' || op === '||') {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      if (left) conditionAtoms(left, out, depth + 1);
      if (right) conditionAtoms(right, out, depth + 1);
      return out;
    }
  }
  out.push(n);
  return out;
}

/** `true`, `1`, `!0`, `!false`: a condition that never turns false. */
export function isAlwaysTrue(node: SyntaxNode): boolean {
  const n = unwrap(node.type === 'parenthesized_expression' ? (node.firstNamedChild ?? node) : node);
  if (n.type === 'true') return true;
  if (n.type === 'number') return Number(n.text) !== 0;
  if (n.type === 'unary_expression' && n.childForFieldName('operator')?.type === '!') {
    const arg = n.childForFieldName('argument');
    const inner = arg ? unwrap(arg) : undefined;
    return inner !== undefined && (inner.type === 'false' || (inner.type === 'number' && Number(inner.text) === 0));
  }
  return false;
}

const STOP_WORDS = /stop|running|^run$|alive|active|abort|shut|closing|closed|cancel|quit|exit|terminat|halt|drain|kill|keepgoing|enabled|^live|should|signal|disposed|destroyed|done|finished|paused/i;

/**
 * The flag a condition atom tests when it reads like a lifecycle flag: `this.stopped`, `running`,
 * `signal.aborted`, `this.#shuttingDown`, `isRunning()`, `stopEvent.isSet()`.
 */
export function stopFlagName(atom: SyntaxNode): string | undefined {
  let n = atom;
  if (n.type === 'call_expression') {
    const args = n.childForFieldName('arguments');
    if (args && args.namedChildCount > 0) return undefined;
    const fn = n.childForFieldName('function');
    if (!fn) return undefined;
    n = fn;
  }
  if (n.type !== 'identifier' && n.type !== 'member_expression') return undefined;
  const name = calleeText(n);
  const last = name.slice(name.lastIndexOf('.') + 1).replace(/^#/, '');
  return STOP_WORDS.test(last) || /(^|\.)signal\.aborted$/.test(name) ? name : undefined;
}

const PROMISE_LINKS = new Set(['then', 'catch', 'finally']);

/**
 * `const job = this.queue.dequeue();` in a function that is not async, the value never awaited, chained or
 * returned: the call hands back the item itself. A pop from an in-process structure (a priority queue, an array
 * wrapper), not from a broker, whose pop hands back a promise or takes a callback.
 * In an async function too (`const task = this.pending.dequeue(); this.start(task);` in a scheduler loop): code that
 * awaits elsewhere and leaves this one take un-awaited, never awaiting, chaining, returning or gathering its value
 * (no `Promise.all([...])`, no array, spread or object literal holding it), uses the item itself, and has no
 * promise whose rejection could reach the function. Not with a callback argument (`ch.get(queue, cb)`).
 */
export function isPlainValue(call: SyntaxNode): boolean {
  let n = call;
  let p = call.parent;
  while (p && (p.type === 'parenthesized_expression' || p.type === 'non_null_expression' || p.type === 'as_expression')) {
    n = p;
    p = p.parent;
  }
  let name: string | undefined;
  if (p?.type === 'variable_declarator' && p.childForFieldName('value')?.id === n.id) name = p.childForFieldName('name')?.text;
  else if (p?.type === 'assignment_expression' && p.childForFieldName('right')?.id === n.id) name = p.childForFieldName('left')?.text;
  if (!name || !/^[A-Za-z_$][\w$]*$/.test(name)) return false;
  let fn = p!.parent;
  while (fn && !FUNCTION_TYPES.has(fn.type)) fn = fn.parent;
  if (!fn || fn.type === 'generator_function_declaration' || fn.type === 'generator_function') return false;
  const inAsync = isAsyncFunction(fn);
  if (inAsync && (call.childForFieldName('arguments')?.namedChildren ?? []).some((a) => FUNCTION_TYPES.has(a.type))) return false;
  for (const use of (fn.childForFieldName('body') ?? fn).descendantsOfType('identifier')) {
    if (use.text !== name) continue;
    const parent = use.parent;
    if (parent?.type === 'return_statement' || parent?.type === 'await_expression' || parent?.type === 'arrow_function') return false;
    if (parent?.type === 'member_expression' && parent.childForFieldName('object')?.id === use.id && PROMISE_LINKS.has(parent.childForFieldName('property')?.text ?? '')) return false;
    if (inAsync && (parent?.type === 'array' || parent?.type === 'spread_element' || parent?.type === 'shorthand_property_identifier' || parent?.type === 'pair' || parent?.type === 'yield_expression')) return false;
    if (inAsync && parent?.type === 'arguments' && /^Promise\./.test(calleeText(parent.parent?.childForFieldName('function') ?? parent))) return false;
  }
  return true;
}

/** The module a `require('m')` names, also through a compiled interop wrapper (`__importStar(require('m'))`). */
export function requiredSource(value: SyntaxNode): string | undefined {
  let v = unwrap(value);
  for (let depth = 0; depth < 3 && v.type === 'call_expression'; depth++) {
    const fn = v.childForFieldName('function')?.text;
    const first = v.childForFieldName('arguments')?.firstNamedChild;
    if (!first) return undefined;
    if (fn === 'require') return first.type === 'string' ? stringValue(first) : undefined;
    if (!fn || !/^(?:tslib_\d+\.)?__import(?:Star|Default)$|^_interopRequire(?:Wildcard|Default)$/.test(fn)) return undefined;
    v = unwrap(first);
  }
  return undefined;
}

export function isTimersPromises(source: string | undefined): boolean {
  return source === 'timers/promises' || source === 'node:timers/promises';
}


/**
 * Whether `alias` is the file's binding of the timers/promises module (`const promises_1 = require("timers/promises")`,
 * through an interop wrapper, or `import * as alias from 'node:timers/promises'`), so `alias.setTimeout(ms)` sleeps.
 */
export function bindsTimersPromises(root: SyntaxNode, alias: string): boolean {
  // Asked only of `x.setTimeout(...)` calls (rare), so the module's top-level statements are read each time rather
  // than cached per tree (per-file data lives on the FileModel, not at module level).
  for (const st of root.namedChildren) {
    if (st.type === 'lexical_declaration' || st.type === 'variable_declaration') {
      for (const d of st.namedChildren) {
        if (d.type !== 'variable_declarator') continue;
        const name = d.childForFieldName('name');
        if (name?.type !== 'identifier' || name.text !== alias) continue;
        const value = d.childForFieldName('value');
        if (value && isTimersPromises(requiredSource(value))) return true;
      }
    } else if (st.type === 'import_statement') {
      const source = st.childForFieldName('source');
      if (!source || !isTimersPromises(stringValue(source))) continue;
      for (const ns of st.descendantsOfType('namespace_import')) {
        if (ns.namedChildren.some((c) => c.type === 'identifier' && c.text === alias)) return true;
      }
    }
  }
  return false;
}

/** Nodes that hold or make an object: a name, a property, `new X()`, a call of something named for commands. */
const COMMAND_HOLDERS: ReadonlySet<string> = new Set(['identifier', 'member_expression', 'subscript_expression', 'new_expression', 'await_expression', 'parenthesized_expression', 'ternary_expression']);
const SEND_OPTIONS: ReadonlySet<string> = new Set(['object', 'arrow_function', 'function_expression', 'function', 'identifier', 'member_expression', 'undefined', 'null']);

/** Arguments the AWS SDK's `client.send(command, options?, callback?)` could have been given. */
function mayBeCommand(positional: readonly SyntaxNode[]): boolean {
  const first = positional[0];
  if (!first) return false;
  const commandLike = COMMAND_HOLDERS.has(first.type) || (first.type === 'call_expression' && /command/i.test(first.childForFieldName('function')?.text ?? ''));
  return commandLike && positional.slice(1).every((a) => SEND_OPTIONS.has(a.type));
}

/**
 * `client.send(fmtMessage('ping'))`, `opts.client.send(topic, payload)`: a message written to a connected peer (a
 * WebSocket or IPC client) on something named a client, not the AWS SDK's `client.send(command)`, whose one argument
 * is a command object (`new XCommand(...)` or a name holding one) and whose second, if any, is options or a callback.
 */
export function sendsToPeer(receiver: string | undefined, positional: readonly SyntaxNode[]): boolean {
  return /client$/i.test(receiver ?? '') && !mayBeCommand(positional);
}

/**
 * `fetch(`data:${type};base64,${payload}`)`, `fetch('blob:...')`: the URL carries its content (a data: URL) or names
 * an object of this page (a blob: URL); the response is decoded in process, with no request on the network.
 */
export function fetchesInlineUrl(positional: readonly SyntaxNode[]): boolean {
  const first = positional[0];
  if (first?.type !== 'string' && first?.type !== 'template_string') return false;
  return /^["'`](?:data|blob):/.test(first.text);
}

/**
 * `query.where(knex.raw('lower(name) = ?', [v]))`, `.andOn(col, '=', knex.raw(cast))`: a raw SQL fragment handed
 * to a query builder's method is part of that builder's statement; it runs nothing by itself (knex's `raw` is lazy
 * and runs only when awaited or `.then`-ed, as a statement of its own).
 */
export function isSqlFragment(node: SyntaxNode): boolean {
  if (node.type !== 'call_expression') return false;
  const fn = node.childForFieldName('function');
  if (fn?.type !== 'member_expression' || fn.childForFieldName('property')?.text !== 'raw') return false;
  const args = node.parent;
  const call = args?.type === 'arguments' ? args.parent : null;
  return call?.type === 'call_expression' && call.childForFieldName('function')?.type === 'member_expression';
}

/** The methods of the built-in keyed collections: each runs in process and returns at once. */
const COLLECTION_METHODS: ReadonlySet<string> = new Set(['get', 'set', 'has', 'delete', 'clear', 'add', 'forEach', 'keys', 'values', 'entries']);
const COLLECTION_CLASSES: ReadonlySet<string> = new Set(['Map', 'Set', 'WeakMap', 'WeakSet']);

/**
 * `this._negotiatedCapabilities.delete(cap)` where every binding of that field in the file is `new Map()` (or `Set`,
 * `WeakMap`, `WeakSet`): a method of a built-in collection, in process and synchronous, whatever a receiver-name
 * pattern of the catalogue says (`*{got,Got}*.delete` is the got HTTP client's DELETE; "neGOTiated" is not). Asked
 * only of calls the catalogue classified as I/O (rare), so the file is read each time, not cached. The collection's
 * class must not be a name the file declares or imports itself.
 */
export function isBuiltinCollectionCall(root: SyntaxNode, receiver: string | undefined, method: string): boolean {
  if (!COLLECTION_METHODS.has(method)) return false;
  const field = /^this\.(#?[A-Za-z_$][\w$]*)$/.exec(receiver ?? '')?.[1];
  if (field === undefined) return false;
  let bound = false;
  for (const n of root.descendantsOfType(['assignment_expression', 'field_definition', 'public_field_definition'])) {
    let value: SyntaxNode | null;
    if (n.type === 'assignment_expression') {
      const left = n.childForFieldName('left');
      if (left?.type !== 'member_expression' || left.childForFieldName('object')?.type !== 'this' || left.childForFieldName('property')?.text !== field) continue;
      value = n.childForFieldName('right');
    } else {
      if ((n.childForFieldName('property') ?? n.childForFieldName('name'))?.text !== field) continue;
      value = n.childForFieldName('value');
      // `#pending;` / `pending: Map<string, X>;` with no initialiser binds nothing.
      if (!value) continue;
    }
    const ctor = value?.type === 'new_expression' ? value.childForFieldName('constructor') : null;
    if (ctor?.type !== 'identifier' || !COLLECTION_CLASSES.has(ctor.text)) return false;
    bound = true;
  }
  if (!bound) return false;
  // (A class, function or import of that name in the file is the code's own collection type.)
  return !/\b(?:class|function)\s+(?:Map|Set|WeakMap|WeakSet)\b|\b(?:import|const|let|var)\s*\{[^}]*\b(?:Map|Set|WeakMap|WeakSet)\b[^}]*\}/.test(root.text);
}
