// The function table of one file: every function and method (with its class), the calls its own body makes
// (classified by the API knowledge base), and what the file imports from where. Built from the flat tree in one
// native descendantsOfType pass; the table holds only strings and numbers, so it outlives the tree and is cached
// per path for the run (see effects/index.ts). Language-neutral in shape: a language adds a builder here.
import type { Language } from '../../core/types.js';
import type { CallKind, SyntaxNode } from '../facts.js';
import type { FlatTree } from '../flat-tree.js';
import { classifyWithType, normalizeCallee, type Classification, type KnowledgeBase } from '../knowledge-base.js';
import type { ArgFact } from '../facts.js';
import { CATALOG_SQL, compactCallee, evalNumber, looksLikeSql, methodOf } from '../facts/common.js';
import { argFacts, popTimeoutSeconds, pyTryHandlesFailure } from '../facts/python.js';
import { calleeText, fetchesInlineUrl, isPlainValue, isSqlFragment, sendsToPeer, stringValue, templateContent } from '../facts/javascript-syntax.js';
import { MODEL_GLOBALS } from '../facts/javascript.js';
import { catchesEverything, rejectParameter, resolvesOnly, tryHandlesFailure } from '../facts/javascript-settles.js';
import { stringLiteralText, type BraceFile } from '../facts/brace.js';
import { goDurationSeconds } from '../facts/go.js';
import { goTypeName, goReceiverType, goParameterType, goEnclosingParameterTypes } from '../facts/go-types.js';
import { javaNumber } from '../facts/java.js';
import { receiverDeclaredType, urlReadOrigin } from '../facts/java-types.js';

/** Durations in a helper are read from literals only (the file's constants are not at hand in a table). */
const NO_CONSTANTS = { numbers: new Map() } as unknown as BraceFile;

/** A call in a function's own body (nested named functions excluded, anonymous callbacks included). */
export interface TableCall {
  callee: string;
  line: number;
  /**
   * Kinds the knowledge base gives the call by itself (API evidence); empty when it says nothing. Filled in by
   * classifyFunction when a summary first needs the function (most functions never are).
   */
  kinds: CallKind[];
  /** The kinds rest on the API's name or its SQL (true), or only on a name that suggests I/O (false). */
  evidence: boolean;
  /** What classification needs: the name matched, SQL text, arguments (only for methods that read them). */
  /** `type`: Go, the receiver's declared type where the file says (only `x.Do(req)` looks: facts/go-types.ts). */
  raw?: { name: string; sql?: string; args: ArgFact[]; argCount?: number; positional?: number; firstNumber?: number; notSleep?: boolean; ddl?: boolean; notPop?: boolean; notIo?: boolean; type?: string; handedUrl?: boolean; paramType?: string; scopeTypes?: string[]; itemReceiver?: boolean; receiverType?: string };
  sleepSeconds?: number;
  /** Queue pops: seconds the pop may block, 0 for a non-blocking pop, undefined when unknown or unbounded. */
  timeoutSeconds?: number;
  /** Inside `with` / `async with` / `using`, or the function also closes what it opened. */
  managed: boolean;
  /**
   * Python and JS/TS: the call sits in the body of a `try` of its own function whose handler catches any failure and
   * does not raise or throw again (Python: `except Exception`, `BaseException` or bare), or (JS/TS) in a promise
   * chain that ends in such a `.catch(...)`: its failure stays in the function (effect summaries prefer a chain
   * through an uncaught call, and a function whose every effect is caught never throws: `neverThrows`).
   */
  caught?: boolean;
  /** JS/TS: the operand of `await` (an unresolved call awaited outside a handled `try` may reject into the caller). */
  awaited?: boolean;
  /**
   * JS/TS: the methods that were handed a callback holding this call, between the call and its function
   * (`server.on('message', async (m) => ...)` → ['on']; promise chains left out): a method of the `keeps_callback`
   * role keeps the callback to call it later, so the call is no part of what one call of the function does.
   */
  deferredBy?: string[];
  /**
   * JS/TS: in the branch for a `'commit'` request (`if (op.type === 'commit') await this._commit()`, `case
   * 'commit':`): the function commits when its caller asks for a commit, not on every call.
   */
  commitOnRequest: boolean;
  /**
   * Python: in the branch that fills a cache that outlives the call (`if not self.index: self.index = open(...)`,
   * `if action is MISSING: ...; CACHE[key] = action`): it runs once per key, not on every call.
   */
  onCacheMiss: boolean;
  /**
   * Python, in a table built with `lazyCalls`: the call node whose details (SQL text, argument counts, a sleep's
   * number, the cache branch, the loop item receiver) are read only when its function is first classified
   * (`materializeCalls`).
   */
  pending?: SyntaxNode;
}

export interface TableFunction {
  /** `path#Class.name` or `path#name`: unique in a run (a second definition of the same name gets `@line`). */
  key: string;
  path: string;
  name: string;
  className?: string;
  line: number;
  endLine: number;
  startIndex: number;
  endIndex: number;
  /** Named function nested in another function (resolved only from inside its parent). */
  nested: boolean;
  calls: TableCall[];
  /** The calls' kinds are filled in (classifyFunction). */
  classified: boolean;
  /** Go methods: the receiver's name (`s` in `func (s *Service) run()`), which plays the part of `self`. */
  receiver?: string;
  /** Java: a method without a body (an interface's or an abstract one): its summary is its implementation's. */
  abstract?: boolean;
  /** JavaScript/TypeScript: declared `async` (a call returns a promise). */
  async?: boolean;
  /**
   * JavaScript/TypeScript: the name is a binding of its scope (`function fetch() {}`, `var fetch = function () {}`),
   * so a bare `fetch(...)` the scope can see calls it (not an object's method or an `exports.fetch`).
   */
  binds?: boolean;
  /**
   * JavaScript/TypeScript: its work sits in a `try` whose `catch` reports and does not throw again, after only
   * synchronous setup (`catchesEverything`): a call of it neither throws nor rejects, whatever I/O its summary holds.
   */
  guarded?: boolean;
  /**
   * JavaScript/TypeScript: it returns `new Promise(executor)` after synchronous setup, and the executor takes no
   * `reject` or never uses it (`resolvesOnly`): a call of it hands back a promise that cannot reject.
   */
  fulfils?: boolean;
  /** Python: its body yields: a call only makes the generator, the body runs as it is iterated. */
  generator?: boolean;
  /**
   * Python: a call of it hands back a value: a `return <value>` of its own body (not of a nested function or lambda),
   * or it is `async def` (a coroutine) or a generator. Unset: it returns None.
   */
  returnsValue?: boolean;
  /**
   * Java: the declared return type's simple name (`DriverDelegate getDelegate()`), for `getDelegate().m()`. Go: a
   * function's first result when it is a type of its own package (`func NewAccessor(...) *Accessor`).
   */
  returnType?: string;
}

/** `from .db import load as fetch` → { local: 'fetch', module: '.db', name: 'load' }; `import x.y as z` → name undefined. */
export interface ImportBinding {
  local: string;
  module: string;
  /** The imported name; undefined for a module/namespace import. */
  name?: string;
  /** Go: the import names its package (`st "example.com/app/store"`) rather than taking its package clause. */
  aliased?: boolean;
}

export interface FileTable {
  path: string;
  language: Language;
  functions: TableFunction[];
  /** Module-level (and, when unambiguous, nested) functions by name. */
  topLevel: Map<string, TableFunction>;
  /** Methods by class, then by name. */
  classes: Map<string, Map<string, TableFunction>>;
  imports: Map<string, ImportBinding>;
  /** Class names defined in the file (a call of one builds an object: a constructor, not a summarised function). */
  classNames: Set<string>;
  /** Go: receiver names → the types whose methods use them (`s` → Service), to resolve `s.processBatch()`. */
  receivers: Map<string, Set<string>>;
  /** Go: the `package` clause; Java: the `package` declaration. */
  packageName?: string;
  /**
   * Fields by class: field name → the declared type's name (`store` → `Store`). Go struct fields, Java fields; Python
   * and JS/TS fields assigned a constructed object in a method (`self.store = JobStore(conn)`, `this.repo = new
   * Repo(pool)`) or, in Python, the method's parameter annotated with one class (`self.store = store`), and
   * TypeScript typed fields and constructor parameter properties (`private readonly repo: Repo`).
   */
  fields: Map<string, Map<string, string>>;
  /**
   * Python/TS parameters annotated with a class (`store: JobStore`), by name: every type the file gives that name.
   * `store.finish()` resolves to `JobStore.finish` when the file annotates `store` with one type only.
   */
  parameterTypes?: Map<string, Set<string>>;
  /** Python: the base classes a class of the file names (`class Consumer(Thread)` → ['Thread']), as written. */
  bases?: Map<string, string[]>;
  /** Python: module-level names for an imported module's function (`SLEEP = asyncio.sleep` → `asyncio.sleep`). */
  aliases?: Map<string, string>;
  /**
   * Python: what names are assigned from calls anywhere in the file, by the assigned name's last segment (`s3 =
   * boto3.client("s3")` and `self.s3 = ...` → `s3` → ['boto3.client']): a receiver built by a catalogue call is that
   * library's object (see FileEffects.ownUntypedMethod).
   */
  assigned?: Map<string, string[]>;
  /**
   * Python: module-level objects of a class (`store = JobStore(DSN)` → `store` → `JobStore`), for names bound nowhere
   * else in the file (no other assignment, parameter or loop target that could shadow them).
   */
  moduleObjects?: Map<string, string>;
  /** JS/TS: module-level object literals whose methods `classes` lists under the variable's name (`const shim = { m() {} }`). */
  objectLiterals?: Set<string>;
  /** Python: module-level `NAME = <number>` (`POLL_INTERVAL = 15`), for a sleep that imports the name. */
  numbers?: Map<string, number>;
  /** Interfaces declared in the file: their methods and (Java) the interfaces they extend, by simple name. */
  interfaces: Map<string, { methods: Set<string>; extends: string[]; line?: number }>;
  /** While the table is built: the keys of its functions so far (addFunction's duplicate check, not a scan per function). */
  functionKeys?: Set<string>;
  /** JS/TS: the modules a barrel re-exports whole (`export * from './utils-promise'`), as written, in order. */
  starExports?: string[];
  /** Python, with `lazyCalls`: pyFillsCache's answers by branch, shared by the calls read later (`materializeCalls`). */
  cacheBranches?: Map<number, boolean>;
}

const PY_TYPES: readonly string[] = ['function_definition', 'class_definition', 'lambda', 'call', 'import_statement', 'import_from_statement', 'with_statement', 'yield', 'return_statement', 'try_statement'];
const JS_FUNCTIONS = new Set(['function_declaration', 'generator_function_declaration', 'function_expression', 'function', 'generator_function', 'arrow_function', 'method_definition']);
const JS_CLASSES = new Set(['class_declaration', 'class', 'abstract_class_declaration']);
const JS_TYPES: readonly string[] = [...JS_FUNCTIONS, ...JS_CLASSES, 'call_expression', 'new_expression', 'import_statement', 'export_statement', 'variable_declarator', 'public_field_definition', 'field_definition', 'try_statement'];
const CLOSE_METHODS = new Set(['close', 'release', 'end', 'dispose', 'disconnect', 'quit', 'destroy']);
/**
 * Method names that mean I/O only on the right receiver: `.get`, `.values`, `.query`, `.update`, `.send` are as
 * often a dict, a query builder or a socket. A summary takes them as evidence only when the receiver reads like a
 * database, client or session (or the SQL text says so).
 */
const AMBIGUOUS_METHODS = new Set([
  'get', 'values', 'query', 'update', 'send', 'sendall', 'delete', 'save', 'find', 'all', 'filter', 'first', 'count',
  'exists', 'remove', 'insert', 'create', 'put', 'post', 'patch', 'head', 'request', 'run', 'execute', 'call', 'fetch',
  'read', 'write', 'open', 'connect', 'pop', 'push', 'add', 'set', 'list', 'load', 'exec', 'scan', 'keys', 'items',
  'iterator', 'raw', 'text', 'json', 'one', 'many', 'select', 'where', 'findOne', 'findAll', 'findMany', 'aggregate',
]);
export const CLIENT_RECEIVER = /(?:^|[._])(?:cur|cursor|curs|conn|connection|db|database|session|sess|engine|client|pool|knex|prisma|redis|r|rds|mongo|collection|coll|model|repo|repository|manager|em|queryRunner|tx|trx|transaction|http|https|api|requests|httpx|aiohttp|axios|got|superagent|urllib|s3|sqs|sns|dynamo|dynamodb|table|es|elastic|kafka|producer|consumer|channel|ch|queue|q|broker|supabase|sequelize|mongoose|orm|store|cache|dao|subprocess|os|child_process|cp|execa|asyncio|time)s?$/i;

/**
 * Go and Java receivers are camelCase fields (`s.orderRepo`, `this.userRepository`, `jdbcTemplate`): the same
 * client words as a suffix.
 */
const CAMEL_CLIENT_RECEIVER = /(?:DB|Db|Conn|Connection|Client|Repo|Repository|Dao|DAO|Template|Tx|Session|Mapper)$/;
/**
 * Go/Java catalogue entries that match any receiver (`*.CopyFrom`, `*.Ack`) and whose method name other types use
 * too (`timeseries.CopyFrom`, a test double's `Ack`): evidence only on a client-like receiver.
 */
const BRACE_AMBIGUOUS = new Set(['CopyFrom', 'SendBatch', 'Ack', 'Nack', 'acknowledge']);

/** Whether the knowledge base's answer is evidence enough to put in a summary (see AMBIGUOUS_METHODS). */
export function summaryEvidence(callee: string, result: Classification, language?: Language): boolean {
  if (result.kinds.length === 0 || result.by === 'guess' || result.by === undefined) return false;
  if (result.by === 'sql') return true;
  const brace = language === 'go' || language === 'java';
  // The Go and Java catalogues name the receiver in their patterns (`*{Repository,repo,...}.findAll`): a match is
  // evidence as it stands.
  const dot = callee.lastIndexOf('.');
  if (dot < 0) return result.by === 'api';
  const receiver = callee.slice(0, dot).replace(/\(\)/g, '');
  const last = receiver.slice(receiver.lastIndexOf('.') + 1);
  if (brace && result.by === 'api') return !BRACE_AMBIGUOUS.has(callee.slice(dot + 1)) || CLIENT_RECEIVER.test(last) || CAMEL_CLIENT_RECEIVER.test(last);
  if (result.by === 'sql-hint' || result.by === 'url') return CLIENT_RECEIVER.test(last) || (brace && CAMEL_CLIENT_RECEIVER.test(last));
  return !AMBIGUOUS_METHODS.has(callee.slice(dot + 1)) || CLIENT_RECEIVER.test(last);
}

/** Most calls a function keeps in the table: longer bodies are generated or data, and summaries need the first hits. */
const MAX_CALLS_PER_FUNCTION = 400;

interface Scope {
  end: number;
  fn?: TableFunction;
  className?: string;
  /** A `with` statement (Python) whose items are managed. */
  withItems?: { start: number; end: number };
  /** Go: a `go` statement (its calls run on another goroutine). */
  detached?: boolean;
  /** Java: a constructor or initializer (its calls are nobody's summary). */
  barrier?: boolean;
  /** Java: an anonymous class's body. */
  anonymous?: boolean;
  /** The body of a `try` whose handler catches any failure and does not raise again (Python, JS/TS). */
  caught?: { start: number; end: number };
  /** JS/TS: an unnamed function (a callback): a `try` around it does not catch what it does later. */
  boundary?: boolean;
}

/** A scope with every field, in one order: one object shape for the builders' hot reads (V8 deoptimised on several). */
function newScope(end: number, fields: Omit<Scope, 'end'> = {}): Scope {
  return { end, fn: fields.fn, className: fields.className, withItems: fields.withItems, detached: fields.detached, barrier: fields.barrier, anonymous: fields.anonymous, caught: fields.caught, boundary: fields.boundary };
}

/** The call at `start` sits in a handled `try` body of its own function (see `Scope.caught`). */
function caughtAt(stack: Scope[], start: number): boolean {
  for (let i = stack.length - 1; i >= 0; i--) {
    const s = stack[i]!;
    if (s.caught && start >= s.caught.start && start < s.caught.end) return true;
    if (s.fn || s.boundary) return false;
  }
  return false;
}

/** Node's file stream factories (`fs.createReadStream`, a bare imported `createWriteStream`): see the JS walker. */
const STREAM_FACTORY = /^(?:fs\.)?create(?:Read|Write)Stream$/;

/** JS/TS: `fetch(url).then(parse).catch((e) => log(e))`: the call heads a chain whose `.catch` handler does not throw. */
function caughtByChain(call: SyntaxNode): boolean {
  let current = call;
  for (let hops = 0; hops < 8; hops++) {
    const member = current.parent;
    if (member?.type !== 'member_expression' || member.childForFieldName('object')?.id !== current.id) return false;
    const next = member.parent;
    if (next?.type !== 'call_expression' || next.childForFieldName('function')?.id !== member.id) return false;
    const method = member.childForFieldName('property')?.text;
    if (method === 'catch') {
      const handler = next.childForFieldName('arguments')?.namedChildren.find((a) => a.type !== 'comment');
      if (!handler) return false;
      // `.catch(reject)` in `new Promise((resolve, reject) => ...)`: the failure goes on to the promise the function
      // hands back, it is not handled.
      const reject = executorReject(call);
      if (reject !== undefined && (handler.type === 'identifier' ? handler.text === reject : handler.descendantsOfType('identifier').some((id) => id.text === reject))) return false;
      if (handler.type !== 'arrow_function' && handler.type !== 'function_expression' && handler.type !== 'function') return true;
      const body = handler.childForFieldName('body');
      return body !== null && body.descendantsOfType('throw_statement').length === 0 && !/\bPromise\.reject\b/.test(body.text);
    }
    if (method !== 'then' && method !== 'finally') return false;
    current = next;
  }
  return false;
}

/**
 * The name of the `reject` parameter of the promise executor `node` sits in (`new Promise((resolve, reject) => {
 * ... })`, the nearest enclosing function being that executor), if any.
 */
function executorReject(node: SyntaxNode): string | undefined {
  let fn: SyntaxNode | null = node.parent;
  while (fn && fn.type !== 'arrow_function' && fn.type !== 'function_expression' && fn.type !== 'function' && fn.type !== 'function_declaration' && fn.type !== 'method_definition') fn = fn.parent;
  if (!fn || fn.parent?.type !== 'arguments' || fn.parent.parent?.type !== 'new_expression') return undefined;
  return rejectParameter(fn);
}

/** A table call with every field, in one order (see newScope). */
function tableCall(callee: string, line: number, managed: boolean, name: string, sql: string | undefined, args: ArgFact[], more: RawExtras = NO_EXTRAS): TableCall {
  return { callee, line, kinds: [], evidence: false, raw: { name, sql, args, argCount: more.argCount, positional: more.positional, firstNumber: more.firstNumber, notSleep: more.notSleep, ddl: more.ddl, notPop: more.notPop, notIo: more.notIo, type: more.type, handedUrl: more.handedUrl, paramType: more.paramType, scopeTypes: more.scopeTypes, itemReceiver: more.itemReceiver, receiverType: more.receiverType }, sleepSeconds: undefined, timeoutSeconds: undefined, managed, commitOnRequest: false, onCacheMiss: false, caught: false, awaited: false, pending: undefined };
}

type RawExtras = Omit<NonNullable<TableCall['raw']>, 'name' | 'sql' | 'args'>;
const NO_EXTRAS: RawExtras = {};

/**
 * `lazyCalls` (Python): each call's details are read from its node when its function is first classified, not
 * now. Most functions of a file are never summarised (on the standard library about one in eight is), so a table
 * built for the file's own analysis reads them on demand (`materializeCalls`); the table then holds the tree until it
 * is dropped at the end of that analysis (`EffectIndex.keepTableForImporters`).
 */
export function buildFileTable(path: string, language: Language, tree: FlatTree, lazyCalls = false): FileTable {
  const table: FileTable = { path, language, functions: [], topLevel: new Map(), classes: new Map(), imports: new Map(), classNames: new Set(), receivers: new Map(), packageName: undefined, fields: new Map(), parameterTypes: undefined, bases: undefined, aliases: undefined, interfaces: new Map() };
  if (language === 'python') {
    buildPython(table, tree, lazyCalls);
    pythonAliases(table, tree);
  }
  else if (language === 'javascript' || language === 'typescript' || language === 'tsx') buildJavaScript(table, tree);
  else if (language === 'go') buildGo(table, tree);
  else if (language === 'java') buildJava(table, tree);
  finishTable(table);
  return table;
}

function addFunction(table: FileTable, name: string, className: string | undefined, node: SyntaxNode, nested: boolean): TableFunction {
  const qualified = className ? `${className}.${name}` : name;
  let key = `${table.path}#${qualified}`;
  const keys = (table.functionKeys ??= new Set());
  if (keys.has(key)) key = `${key}@${node.startPosition.row + 1}`;
  keys.add(key);
  const fn: TableFunction = {
    key,
    path: table.path,
    name,
    className,
    line: node.startPosition.row + 1,
    endLine: node.endPosition.row + 1,
    startIndex: node.startIndex,
    endIndex: node.endIndex,
    nested,
    calls: [],
    classified: false,
    receiver: undefined,
    abstract: undefined,
    async: undefined,
  };
  table.functions.push(fn);
  if (className) {
    let methods = table.classes.get(className);
    if (!methods) table.classes.set(className, (methods = new Map()));
    // A method defined twice (a property getter and setter, overloads): the later one wins, as at run time.
    methods.set(name, fn);
  }
  return fn;
}

/** Module-level functions by name; a nested function's name is used only when no other function has it. */
function finishTable(table: FileTable): void {
  delete table.functionKeys;
  const nestedNames = new Map<string, TableFunction | null>();
  for (const fn of table.functions) {
    if (fn.className) continue;
    if (!fn.nested) table.topLevel.set(fn.name, fn);
    else nestedNames.set(fn.name, nestedNames.has(fn.name) ? null : fn);
  }
  for (const [name, fn] of nestedNames) if (fn && !table.topLevel.has(name)) table.topLevel.set(name, fn);
  if (table.language === 'go' || table.language === 'java') {
    // A chain (`repo.findById(id).orElse(null)`) is met outside in; the summary names the inner API call, listed
    // first on its line (a stable sort: other calls keep their order).
    for (const fn of table.functions) fn.calls.sort((a, b) => a.line - b.line || (b.callee.startsWith(`${a.callee}()`) ? -1 : a.callee.startsWith(`${b.callee}()`) ? 1 : 0));
  }
  for (const fn of table.functions) {
    // A function that closes what it opens manages it (`conn = connect(); try: ... finally: conn.close()`).
    if (fn.calls.some((c) => CLOSE_METHODS.has(methodOf(c.callee)))) for (const c of fn.calls) c.managed = true;
  }
}

function innermost(stack: Scope[], start: number): Scope | undefined {
  while (stack.length > 0 && stack[stack.length - 1]!.end <= start) stack.pop();
  return stack[stack.length - 1];
}

function enclosingFunction(stack: Scope[]): TableFunction | undefined {
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.fn) return stack[i]!.fn;
  return undefined;
}

function insideWithItem(stack: Scope[], start: number): boolean {
  for (let i = stack.length - 1; i >= 0; i--) {
    const s = stack[i]!;
    if (s.fn) return false;
    if (s.withItems && s.withItems.start <= start && start < s.withItems.end) return true;
  }
  return false;
}

/** Methods whose classification reads the arguments (SQL held in a variable, URL-like requests, pop timeouts). */
const ARG_METHODS = /^(?:connect|execute|executemany|query|raw|fetch|fetchrow|fetchval|exec_driver_sql|get|post|put|patch|delete|head|options|request|stream|blpop|brpop|brpoplpush|blmove|xread|xreadgroup|receive_message|receive_messages|poll|consume|get_message)$/;

/**
 * Fills in the kinds of a function's calls, once (the knowledge base is the shared one, not a file's effects).
 * `fieldType` (Go) gives the declared type of a field of the function's receiver: a catalogue match made on the
 * field's name (`lm.cache.Get` as a Redis read) is evidence only when the declared type of another package matches
 * too (by its spellings, and only for a package the catalogue knows as I/O: `*lru.Cache` never), or is not known.
 */
/**
 * Python: `_time.sleep` after `import time as _time`, `_sleep` after `from time import sleep as _sleep`: the callee
 * spelled with the names the module really has, which is how rules/apis/python.yml lists it. Undefined when the
 * callee does not start with an aliased import.
 */
export function unaliasedPythonCallee(table: Pick<FileTable, 'imports' | 'aliases'>, callee: string): string | undefined {
  const dot = callee.indexOf('.');
  const head = dot < 0 ? callee : callee.slice(0, dot);
  const alias = table.aliases?.get(head);
  if (alias !== undefined) return dot < 0 ? alias : alias + callee.slice(dot);
  const binding = table.imports.get(head);
  // Only a renamed import: `from time import sleep` binds `sleep`, spelled as the catalogue spells it already.
  if (!binding || binding.local === (binding.name ?? binding.module)) return undefined;
  const real = binding.name === undefined ? binding.module : `${binding.module}.${binding.name}`;
  return dot < 0 ? real : real + callee.slice(dot);
}

/**
 * The catalogue's answer for a callee bound by an import, spelled with the names the module really has. Python:
 * renamed imports (unaliasedPythonCallee) and `from requests import get` / `from psycopg2 import connect` (the bare
 * `get(url)` and `connect(dsn)` are too common a name to list, but the import says which function runs).
 * JavaScript/TypeScript: a named import or destructured require of a package (`import { request } from 'undici'`,
 * `const { exec } = require('node:child_process')`). An import counts (renamed Python imports aside) only when the
 * module decides the match: a name any receiver matches (`*.query` for `from app.db import query`, the code's own
 * module) is not evidence, and the summary of the code's own function says what it does. Undefined when none
 * applies or the catalogue knows nothing more.
 */
export function classifyImported(kb: Pick<KnowledgeBase, 'classify'>, language: Language, names: Pick<FileTable, 'imports' | 'aliases'>, callee: string, context?: Parameters<KnowledgeBase['classify']>[2]): Classification | undefined {
  if (language === 'python') {
    const renamed = unaliasedPythonCallee(names, callee);
    if (renamed !== undefined) {
      const result = kb.classify('python', renamed, context);
      return result.kinds.length > 0 ? result : undefined;
    }
  } else if (language !== 'javascript' && language !== 'typescript' && language !== 'tsx') return undefined;
  const dot = callee.indexOf('.');
  const head = dot < 0 ? callee : callee.slice(0, dot);
  const binding = names.imports.get(head);
  if (binding?.name === undefined || binding.name === 'default' || binding.module.startsWith('.') || binding.module.startsWith('/')) return undefined;
  if (language === 'python' && binding.local !== binding.name) return undefined;
  const module = language === 'python' ? binding.module : binding.module.replace(/^node:/, '');
  // A package the catalogue can spell (`undici`, `child_process`); `@aws-sdk/client-s3` and `fs/promises` are not.
  if (language !== 'python' && !/^[A-Za-z_$][\w$-]*$/.test(module)) return undefined;
  const rest = dot < 0 ? '' : callee.slice(dot);
  const result = kb.classify(language, `${module.replace(/-/g, '_')}.${binding.name}${rest}`, context);
  if (result.kinds.length === 0 || result.by === 'guess' || result.by === 'sql-hint') return undefined;
  if (kb.classify(language, `_coze_any_.${binding.name}${rest}`, context).kinds.length > 0) return undefined;
  return result;
}

export function classifyFunction(fn: TableFunction, language: Language, kb: KnowledgeBase, fieldType?: (field: string) => string | undefined, names?: Pick<FileTable, 'imports' | 'aliases'>, ownGoType?: (type: string) => boolean): void {
  if (fn.classified) return;
  fn.classified = true;
  for (const call of fn.calls) {
    const raw = call.raw;
    if (!raw) continue;
    call.raw = undefined;
    let result = raw.type ? classifyWithType(kb, language, raw.name, raw.type, { sql: raw.sql, args: raw.args, argCount: raw.argCount, positional: raw.positional }) : kb.classify(language, raw.name, { sql: raw.sql, args: raw.args, argCount: raw.argCount, positional: raw.positional });
    if (result.kinds.length === 0 && names) {
      result = classifyImported(kb, language, names, raw.name, { sql: raw.sql, args: raw.args, argCount: raw.argCount, positional: raw.positional }) ?? result;
    }
    if (result.kinds.length === 0 && language !== 'python') {
      // Active-record models (`User.findOne`) are listed under the placeholder receiver `$ActiveRecord` (as the extractor does).
      const dot = raw.name.indexOf('.');
      const head = dot > 0 ? raw.name.slice(0, dot) : '';
      if (/^[A-Z][a-z][A-Za-z0-9_]*$/.test(head) && !MODEL_GLOBALS.has(head)) {
        const model = kb.classify(language, `$ActiveRecord${raw.name.slice(dot)}`, { sql: raw.sql, args: raw.args, argCount: raw.argCount, positional: raw.positional });
        if (model.kinds.length > 0) result = model;
      }
    }
    // Java: a receiver declared with a type the catalogue's pattern does not take (`receiver_types:`).
    if (language === 'java' && raw.receiverType !== undefined && result.kinds.length > 0 && kb.receiverTypeAllows?.(language, raw.name, raw.receiverType) === false) result = { kinds: [], confidence: 'high' };
    let evidenceName = raw.name;
    if ((result.kinds.length === 0 || result.by === 'guess') && language === 'java' && fieldType) {
      // `http.send(request, ...)` on `private final HttpClient http`: the field's declared type names the API.
      const parts = raw.name.split('.');
      const field = parts.length === 3 && parts[0] === 'this' ? parts[1] : parts.length === 2 ? parts[0] : undefined;
      const declared = field !== undefined ? fieldType(field) : undefined;
      if (declared !== undefined && declared !== field) {
        const typed = kb.classify(language, `${declared}.${parts[parts.length - 1]}`, { sql: raw.sql, args: raw.args, argCount: raw.argCount, positional: raw.positional });
        if (typed.kinds.length > 0 && kb.receiverTypeAllows?.(language, `${declared}.${parts[parts.length - 1]}`, declared) !== false) {
          result = typed;
          evidenceName = `${declared}.${parts[parts.length - 1]}`;
        }
      }
    }
    let kinds = result.kinds;
    if (raw.notSleep) kinds = kinds.filter((k) => k !== 'sleep');
    if (raw.notPop) kinds = kinds.filter((k) => k !== 'queue-pop');
    // A SQL fragment handed to a builder (`.where(knex.raw(...))`), a message to a connected peer (`client.send(text)`).
    if (raw.notIo && result.by !== 'summary') kinds = [];
    // Python: `r.get("text")` on the element of a `for`/comprehension that encloses the call is the item (a row, a
    // JSON dict), not the client its name suggests (`r` for Redis): no query, as query-in-loop's onTheItemItself.
    // Only when the match rests on the receiver's name: a method the catalogue knows on any receiver (`u.save()`,
    // `db.find_one(...)` over a list of models or databases) keeps its kinds.
    if (raw.itemReceiver && result.by === 'api' && kb.classify(language, `_.${raw.name.slice(raw.name.lastIndexOf('.') + 1)}`).kinds.length === 0) {
      kinds = kinds.filter((k) => k !== 'db-read' && k !== 'db-write' && k !== 'db-batch');
    }
    // Java: a helper that reads the URL it is handed (or a class-path resource) reads whatever its caller names; that
    // is no evidence of a network round trip (facts/java-types.ts urlReadOrigin).
    if (raw.handedUrl) kinds = kinds.filter((k) => k !== 'http');
    // DDL (`conn.exec_driver_sql("drop database %s" % name)`) or a catalog read: one per schema object, not a per-row query.
    if (raw.ddl) kinds = kinds.filter((k) => k !== 'db-read' && k !== 'db-write' && k !== 'db-batch');
    // Go: a database call matched by its receiver's name (`shelfDB.Get(key)`, no SQL text) on a value the function
    // makes itself, inside a function handed an embedded database's transaction or bucket (`func(tx *bolt.Tx)`, `b
    // *bolt.Bucket`: an `in_process_database` type of rules/apis/go.yml). The value is that database's bucket, and its
    // read is a lookup in a file this process has mapped, no round trip (the Python policy for sqlite3).
    if (language === 'go' && raw.scopeTypes && (result.by === 'api' || result.by === 'guess' || result.by === 'sql-hint') && raw.scopeTypes.some((t) => kb.builds?.(language, t, 'in_process_database') === true)) {
      kinds = kinds.filter((k) => k !== 'db-read' && k !== 'db-write' && k !== 'db-batch');
    }
    call.kinds = kinds;
    call.evidence = kinds.length > 0 && summaryEvidence(evidenceName, result, language);
    // `psycopg2.connect(DSN)`: a method name that means I/O only on the right receiver, which the catalogue lists under
    // this very module (not under any receiver, as `_.connect` would match) is evidence as it stands.
    if (!call.evidence && kinds.length > 0 && language === 'python' && result.by === 'api' && /^[a-z_][\w]*(?:\.[a-z_]\w*)*\.[A-Za-z_]\w*$/.test(evidenceName) && !evidenceName.startsWith('self.')) {
      call.evidence = kb.classify(language, `_.${evidenceName.slice(evidenceName.lastIndexOf('.') + 1)}`).by !== 'api';
    }
    // Python: a DB-API fetch (`data.fetchmany(n)`) reads rows of a statement executed before it, often by the caller
    // that handed the cursor in (a converter that accepts any data); the `execute` is the round trip to report.
    if (call.evidence && language === 'python' && /(?:^|\.)fetch(?:one|all|many)$/.test(raw.name) && kinds.every((k) => k === 'db-read')) call.evidence = false;
    // A parameter declared with a type of the code's own module (`db Finder` of this package, `st *state.State` of
    // another package of the module): the code's method, resolved and summarised, never the catalogue's by name.
    if (call.evidence && language === 'go' && raw.paramType !== undefined && result.by !== 'sql' && (!raw.paramType.includes('.') || ownGoType?.(raw.paramType) === true)) call.evidence = false;
    if (call.evidence && language === 'go' && fn.receiver !== undefined && fieldType && result.by !== 'sql') {
      const parts = raw.name.split('.');
      const declared = parts.length === 3 && parts[0] === fn.receiver ? fieldType(parts[1]!) : undefined;
      // A type of this package (`db *DB` in gorm's own Scope), or of another package of the module (`pool
      // chunkenc.Pool`): its method is resolved and summarised, not guessed.
      if (declared !== undefined && (!declared.includes('.') || ownGoType?.(declared) === true)) call.evidence = false;
      // Another package's type decides over the field's name (`cache *lru.Cache` is no Redis): see classifyWithType.
      else if (declared?.includes('.') && result.by === 'api' && classifyWithType(kb, language, raw.name, declared, { sql: raw.sql, args: raw.args, argCount: raw.argCount, positional: raw.positional }).kinds.length === 0) call.evidence = false;
    }
    if (kinds.includes('sleep') && raw.firstNumber !== undefined) call.sleepSeconds = raw.firstNumber;
    if (kinds.includes('queue-pop')) {
      const method = methodOf(raw.name);
      const timeout = language === 'python' ? popTimeoutSeconds(method, raw.args) : /^(lpop|rpop|lPop|rPop|rpoplpush|lmove|spop|getNowait|get_nowait)$/.test(method) ? 0 : undefined;
      if (timeout !== undefined) call.timeoutSeconds = timeout;
    }
  }
}

function record(fn: TableFunction, call: TableCall): void {
  if (fn.calls.length < MAX_CALLS_PER_FUNCTION) fn.calls.push(call);
}

// ------------------------------------------------------------------------------------------------ Python

function pyString(node: SyntaxNode | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'string') {
    const m = /^[a-zA-Z]*("""|'''|"|')([\s\S]*)\1$/.exec(node.text);
    return m ? m[2] : undefined;
  }
  if (node.type === 'concatenated_string') return node.namedChildren.map((c) => pyString(c) ?? '').join('');
  if (node.type === 'call') {
    // `text("SELECT ...")`, `sa.text(...)`
    const fn = node.childForFieldName('function')?.text ?? '';
    if (/^(?:sa\.|sqlalchemy\.|sql\.)?text$/.test(fn)) return pyString(node.childForFieldName('arguments')?.namedChild(0));
  }
  return undefined;
}

/** SQL that creates, changes or drops schema objects. */
const DDL_HEAD = /^\s*(?:CREATE|ALTER|DROP|TRUNCATE|RENAME|COMMENT\s+ON|GRANT|REVOKE)\b/i;

/**
 * The statement argument is DDL or a catalog read: `"DROP TABLE %s" % name`, `f"ALTER TABLE {t} ..."` (the text
 * before the formatting says so), `text("SELECT ... FROM information_schema.tables ...")`.
 */
function schemaStatement(first: SyntaxNode | undefined): boolean {
  const literal = pyString(first);
  const head = literal ?? (first?.type === 'binary_operator' ? pyString(first.childForFieldName('left')) : undefined);
  return head !== undefined && (DDL_HEAD.test(head) || (looksLikeSql(head) && CATALOG_SQL.test(head)));
}

/** `conn.execute("SELECT ... FROM information_schema.tables ...").one()`: the fetch reads what the statement asked. */
function chainedOnSchemaStatement(f: SyntaxNode): boolean {
  let object = f.type === 'attribute' ? f.childForFieldName('object') : null;
  for (let depth = 0; object?.type === 'call' && depth < 4; depth++) {
    const args = object.childForFieldName('arguments');
    const first = args?.type === 'argument_list' ? args.namedChildren.find((a) => a.type !== 'comment' && a.type !== 'keyword_argument') : undefined;
    if (schemaStatement(first)) return true;
    const fn = object.childForFieldName('function');
    object = fn?.type === 'attribute' ? fn.childForFieldName('object') : null;
  }
  return false;
}

/** Module-level `SLEEP = asyncio.sleep`: a name for an imported module's function (see unaliasedPythonCallee). */
function pythonAliases(table: FileTable, tree: FlatTree): void {
  for (const statement of tree.rootNode.namedChildren) {
    const assignment = statement.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment') continue;
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    if (left?.type !== 'identifier' || right?.type !== 'attribute' || table.imports.has(left.text)) continue;
    const head = right.text.slice(0, right.text.indexOf('.'));
    const binding = table.imports.get(head);
    if (binding && binding.name === undefined) (table.aliases ??= new Map()).set(left.text, binding.module + right.text.slice(head.length));
  }
}

const PY_BINDING_PARENTS = new Set(['parameters', 'lambda_parameters', 'default_parameter', 'typed_parameter', 'typed_default_parameter', 'as_pattern_target', 'global_statement', 'nonlocal_statement', 'pattern_list', 'tuple_pattern', 'list_pattern', 'list_splat_pattern', 'dictionary_splat_pattern']);

/**
 * `store = JobStore(DSN)` at module level: `store.get_pending()` in the file's functions is JobStore's method, when
 * nothing else in the file binds `store` (one assignment in all, no parameter, loop target or `global` of that name).
 */
function pythonModuleObjects(table: FileTable, tree: FlatTree): void {
  const candidates = new Map<string, string>();
  for (const statement of tree.rootNode.namedChildren) {
    const assignment = statement.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment') continue;
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    const callee = right?.type === 'call' ? right.childForFieldName('function')?.text : undefined;
    if (left?.type !== 'identifier' || callee === undefined || !/^(?:[A-Za-z_]\w*\.)?[A-Z]\w*$/.test(callee)) continue;
    candidates.set(left.text, callee);
  }
  if (candidates.size === 0) return;
  const bindings = new Map<string, number>();
  for (const id of tree.rootNode.descendantsOfType('identifier')) {
    if (!candidates.has(id.text)) continue;
    const parent = id.parent;
    const bound =
      (parent !== null && PY_BINDING_PARENTS.has(parent.type)) ||
      ((parent?.type === 'assignment' || parent?.type === 'augmented_assignment' || parent?.type === 'for_statement' || parent?.type === 'for_in_clause' || parent?.type === 'named_expression') &&
        (parent.childForFieldName('left') ?? parent.childForFieldName('name'))?.startIndex === id.startIndex);
    if (bound) bindings.set(id.text, (bindings.get(id.text) ?? 0) + 1);
  }
  for (const [name, callee] of candidates) {
    if (bindings.get(name) !== 1 || table.imports.has(name)) continue;
    (table.moduleObjects ??= new Map()).set(name, callee);
  }
}

function buildPython(table: FileTable, tree: FlatTree, lazyCalls: boolean): void {
  const stack: Scope[] = [];
  const branches = new Map<number, boolean>();
  if (lazyCalls) table.cacheBranches = branches;
  const numbers = pythonModuleNumbers(tree);
  if (numbers.size > 0) table.numbers = numbers;
  for (const node of tree.rootNode.descendantsOfType(PY_TYPES)) {
    const start = node.startIndex;
    const scope = innermost(stack, start);
    switch (node.type) {
      case 'class_definition': {
        const name = node.childForFieldName('name')?.text;
        if (name && !enclosingFunction(stack)) {
          table.classNames.add(name);
          const bases = (node.childForFieldName('superclasses')?.namedChildren ?? []).filter((b) => b.type !== 'keyword_argument' && b.type !== 'comment').map((b) => b.text);
          (table.bases ??= new Map()).set(name, bases);
        }
        stack.push(newScope(node.endIndex, { className: name }));
        break;
      }
      case 'function_definition': {
        const name = node.childForFieldName('name')?.text;
        if (!name) {
          stack.push(newScope(node.endIndex));
          break;
        }
        const className = scope && !scope.fn && scope.className !== undefined ? scope.className : undefined;
        const nested = !className && enclosingFunction(stack) !== undefined;
        annotatedParameters(table, node, 'python');
        if (className !== undefined) pythonInjectedFields(table, className, node);
        const added = addFunction(table, name, className, node, nested);
        if (node.children.some((c) => c.type === 'async')) added.returnsValue = true;
        stack.push(newScope(node.endIndex, { fn: added }));
        break;
      }
      case 'return_statement': {
        // `return value` of the function itself: a call of it hands that value back.
        const fn = enclosingFunction(stack);
        if (!fn || node.namedChildren.length === 0) break;
        let up = node.parent;
        while (up && up.type !== 'function_definition' && up.type !== 'lambda') up = up.parent;
        if (up?.type === 'function_definition' && up.startIndex === fn.startIndex) fn.returnsValue = true;
        break;
      }
      case 'lambda':
        // A lambda's calls run when it is called, usually by the function that made it: they stay with it.
        break;
      case 'try_statement': {
        // Only inside a function: a module-level call belongs to no summary.
        const body = node.childForFieldName('body');
        if (body && enclosingFunction(stack) && pyTryHandlesFailure(node)) stack.push(newScope(node.endIndex, { caught: { start: body.startIndex, end: body.endIndex } }));
        break;
      }
      case 'with_statement': {
        const items = node.namedChildren.find((c) => c.type === 'with_clause');
        if (items) stack.push(newScope(node.endIndex, { withItems: { start: items.startIndex, end: items.endIndex } }));
        break;
      }
      case 'import_statement':
      case 'import_from_statement':
        if (!enclosingFunction(stack)) pythonImport(table, node);
        break;
      case 'yield': {
        // A `yield` of the function itself (not of a lambda or comprehension inside it) makes it a generator.
        let up = node.parent;
        while (up && up.type !== 'function_definition' && up.type !== 'lambda' && !PY_COMPREHENSIONS.has(up.type)) up = up.parent;
        const fn = enclosingFunction(stack);
        if (up?.type === 'function_definition' && fn && fn.startIndex === up.startIndex) fn.generator = fn.returnsValue = true;
        break;
      }
      case 'call': {
        const fn = enclosingFunction(stack);
        const f = node.childForFieldName('function');
        if (!f) break;
        const callee = compactCallee(f.text);
        if (node.parent?.type === 'assignment') assignedFrom(table, node, callee);
        if (!fn) break;
        // Arguments matter to a few methods only (SQL in a variable, URL-looking requests, pop timeouts); read now, as
        // ownLocalConnections reads a connect's arguments without classifying its function.
        const args = ARG_METHODS.test(methodOf(callee)) ? argFacts(node.childForFieldName('arguments')) : [];
        const call = tableCall(callee, node.startPosition.row + 1, insideWithItem(stack, start), callee, undefined, args);
        if (caughtAt(stack, start)) call.caught = true;
        if (lazyCalls) call.pending = node;
        else pythonCallDetails(call, node, f, numbers, branches);
        record(fn, call);
        if (fn.className !== undefined) ownField(table, fn.className, node, callee);
        break;
      }
      default:
        break;
    }
  }
  pythonModuleObjects(table, tree);
}

/** Python: what classification reads of a call besides its name, from the call node (see TableCall.pending). */
function pythonCallDetails(call: TableCall, node: SyntaxNode, f: SyntaxNode, numbers: ReadonlyMap<string, number> | undefined, branches: Map<number, boolean>): void {
  const raw = call.raw!;
  const method = methodOf(call.callee);
  // The argument nodes, read once (every call of the file comes through here).
  const argList = node.childForFieldName('arguments');
  const argNodes = argList?.type === 'argument_list' ? argList.namedChildren : undefined;
  const first = argNodes?.find((a) => a.type !== 'comment' && a.type !== 'keyword_argument');
  const literal = pyString(first);
  if (literal !== undefined && looksLikeSql(literal)) raw.sql = literal;
  // A `*args`/`**kwargs` splat may hold any number: counted as enough for min_args.
  raw.argCount = !argNodes ? 1 : argNodes.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat') ? Number.POSITIVE_INFINITY : argNodes.length;
  // Positional arguments, for max_positional: a `*args` splat may hold none, so it does not count.
  raw.positional = !argNodes ? 1 : argNodes.filter((a) => a.type !== 'comment' && a.type !== 'keyword_argument' && a.type !== 'list_splat' && a.type !== 'dictionary_splat').length;
  if (schemaStatement(first) || chainedOnSchemaStatement(f)) raw.ddl = true;
  if (/sleep|wait/i.test(method)) raw.firstNumber = evalNumber(first, (n) => numbers?.get(n)) ?? raw.args.find((a) => a.name === 'seconds' || a.name === 'delay')?.number;
  if (pyFillsCache(node, branches)) call.onCacheMiss = true;
  if (f.type === 'attribute' && f.childForFieldName('object')?.type === 'identifier' && boundByEnclosingIteration(node, f.childForFieldName('object')!.text)) raw.itemReceiver = true;
}

/** Reads the details of `fn`'s calls that a `lazyCalls` table left on their nodes (before classifyFunction). */
export function materializeCalls(table: FileTable, fn: TableFunction): void {
  for (const call of fn.calls) {
    const node = call.pending;
    if (!node) continue;
    call.pending = undefined;
    pythonCallDetails(call, node, node.childForFieldName('function')!, table.numbers, (table.cacheBranches ??= new Map()));
  }
}

/** Whether some call of the table still waits for its details (its tree must stay alive until they are read). */
export function hasPendingCalls(table: FileTable): boolean {
  return table.functions.some((fn) => fn.calls.some((call) => call.pending !== undefined));
}

/** `not x`, `x is None`, `x is MISSING` (a sentinel constant), `x == None`: the tested name, when the test is for absence. */
const MISSING_TEST = /^(?:not\s+([\w.]+)|([\w.]+)\s+(?:is|==)\s+(?:None|_*[A-Z][A-Z0-9_]*))$/;
/** `key not in cache`: the mapping. */
const NOT_IN_TEST = /^[\w.]+\s+not\s+in\s+([\w.]+)$/;

/**
 * Python: `call` sits in the branch of an `if` that tests for a missing value and fills a cache that outlives the
 * function: `if not self.index: self.index = self.open_index()` (lazy initialisation of an attribute), `if action is
 * MISSING: action = query(); CACHE[key] = action` or `if key not in self._memo: self._memo[key] = load(key)` (a
 * memo: the mapping is an attribute, a module-level name, or a local read from one, `m = CACHE.setdefault(k, {})`;
 * stored into by subscript, or by `CACHE.update(rows)`/`CACHE.setdefault(k, v)`). The call then runs once per key, not once per call of the function. A local dict built in the call does not count.
 */
function pyFillsCache(call: SyntaxNode, branches: Map<number, boolean>): boolean {
  let child: SyntaxNode = call;
  for (let up = call.parent; up; child = up, up = up.parent) {
    if (up.type === 'function_definition' || up.type === 'lambda' || up.type === 'class_definition' || up.type === 'module') return false;
    if (up.type !== 'if_statement') continue;
    // Every call of a branch asks the same of it: answered once per branch (the calls of one build share `branches`).
    let fills = branches.get(child.id);
    if (fills === undefined) branches.set(child.id, (fills = branchFillsCache(up, child)));
    if (fills) return true;
  }
  return false;
}

/** `branch` is the consequence of `ifNode`, whose condition tests for a missing value, and it fills a lasting cache (pyFillsCache). */
function branchFillsCache(ifNode: SyntaxNode, branch: SyntaxNode): boolean {
  if (ifNode.childForFieldName('consequence')?.id !== branch.id) return false;
  const condition = (ifNode.childForFieldName('condition')?.text ?? '').replace(/\s+/g, ' ').trim();
  const missing = MISSING_TEST.exec(condition);
  const tested = missing ? (missing[1] ?? missing[2])! : undefined;
  const mapping = NOT_IN_TEST.exec(condition)?.[1];
  if (tested === undefined && mapping === undefined) return false;
  const fn = enclosingDef(ifNode);
  const stores = branch.descendantsOfType('assignment').map((a) => a.childForFieldName('left')).filter((l): l is SyntaxNode => l !== null);
  const fills = stores.some((left) => {
    if (left.type === 'attribute' && tested !== undefined && left.text.replace(/\s+/g, '') === tested) return /^(?:self|cls)\./.test(tested);
    if (left.type !== 'subscript') return false;
    const target = left.childForFieldName('value')?.text.replace(/\s+/g, '') ?? '';
    return (mapping === undefined || target === mapping) && outlivesCall(target, fn);
  });
  if (fills) return true;
  // `if code not in _parents: cursor.execute(...); _parents.update(cursor)`: the lasting mapping filled in one call.
  const filled = mapping ?? tested;
  return (
    filled !== undefined &&
    /^[\w.]+$/.test(filled) &&
    outlivesCall(filled, fn) &&
    branch.descendantsOfType('call').some((c) => {
      const f = c.childForFieldName('function');
      return f?.type === 'attribute' && FILLS_MAPPING.test(f.childForFieldName('attribute')?.text ?? '') && f.childForFieldName('object')?.text.replace(/\s+/g, '') === filled;
    })
  );
}

/** Methods that store into a dict in place (pyFillsCache). */
const FILLS_MAPPING = /^(?:update|setdefault)$/;

const PY_COMPREHENSIONS: ReadonlySet<string> = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);

/**
 * Python: `name` is the target of a `for` statement whose body holds `call`, or of a comprehension that holds it
 * (`[r["text"] for r in runs if r.get("text")]`), within the function: the call's receiver is an element of what
 * the loop walks.
 */
function boundByEnclosingIteration(call: SyntaxNode, name: string): boolean {
  let child: SyntaxNode = call;
  for (let up = call.parent; up; child = up, up = up.parent) {
    if (up.type === 'function_definition' || up.type === 'lambda' || up.type === 'class_definition' || up.type === 'module') return false;
    if (up.type === 'for_statement' && up.childForFieldName('body')?.id === child.id && bindsName(up.childForFieldName('left'), name)) return true;
    if (PY_COMPREHENSIONS.has(up.type) && up.namedChildren.some((c) => c.type === 'for_in_clause' && bindsName(c.childForFieldName('left'), name))) return true;
  }
  return false;
}

function bindsName(target: SyntaxNode | null, name: string): boolean {
  if (!target) return false;
  if (target.type === 'identifier') return target.text === name;
  return (target.type === 'pattern_list' || target.type === 'tuple_pattern' || target.type === 'list_pattern' || target.type === 'tuple' || target.type === 'list') && target.namedChildren.some((c) => bindsName(c, name));
}

function enclosingDef(node: SyntaxNode): SyntaxNode | null {
  let n: SyntaxNode | null = node.parent;
  while (n && n.type !== 'function_definition') n = n.parent;
  return n;
}

/**
 * A mapping that is still there after the function returns: an attribute of `self`/`cls`, a name the function does not
 * bind (a module-level one), or a local bound from a lookup on one (`m = CACHE.setdefault(k, {})`, `m = self._by_id[k]`).
 */
function outlivesCall(target: string, fn: SyntaxNode | null, depth = 0): boolean {
  if (/^(?:self|cls)\.\w/.test(target)) return true;
  if (!/^\w+$/.test(target) || !fn || depth > 1) return false;
  const bindings = fn.descendantsOfType('assignment').filter((a) => a.childForFieldName('left')?.text === target);
  const params = fn.childForFieldName('parameters')?.namedChildren ?? [];
  if (params.some((p) => (p.type === 'identifier' ? p.text : p.namedChildren[0]?.text) === target)) return false;
  if (bindings.length === 0) return true;
  if (bindings.length > 1) return false;
  const right = bindings[0]!.childForFieldName('right');
  if (!right) return false;
  // `CACHE.setdefault(k, {})`, `CACHE.get(k)`, `self._by_id[k]`: the object inside the lasting mapping.
  const base = right.type === 'call' ? right.childForFieldName('function')?.childForFieldName('object') : right.type === 'subscript' ? right.childForFieldName('value') : null;
  return base !== null && base !== undefined && outlivesCall(base.text.replace(/\s+/g, ''), fn, depth + 1);
}

/** `s3 = boto3.client("s3")`, `self.s3 = ...`: the name (its last segment) was given this call's result. */
function assignedFrom(table: FileTable, call: SyntaxNode, callee: string): void {
  const assignment = call.parent!;
  const left = assignment.childForFieldName('left');
  if (!left || assignment.childForFieldName('right')?.startIndex !== call.startIndex) return;
  const name = left.type === 'identifier' ? left.text : left.type === 'attribute' ? left.childForFieldName('attribute')?.text : undefined;
  if (name === undefined) return;
  table.assigned ??= new Map();
  const callees = table.assigned.get(name);
  if (!callees) table.assigned.set(name, [callee]);
  else if (callees.length < 8) callees.push(callee);
}

/** Module-level `NAME = <number>` (`IDLE_SECONDS = 10`): a helper's `time.sleep(IDLE_SECONDS)` has that duration. */
function pythonModuleNumbers(tree: FlatTree): Map<string, number> {
  const numbers = new Map<string, number>();
  for (const statement of tree.rootNode.namedChildren) {
    const assignment = statement.type === 'expression_statement' ? statement.namedChild(0) : null;
    if (assignment?.type !== 'assignment') continue;
    const left = assignment.childForFieldName('left');
    const value = evalNumber(assignment.childForFieldName('right'));
    if (left?.type === 'identifier' && value !== undefined) numbers.set(left.text, value);
  }
  return numbers;
}

/**
 * `self.store = JobStore(conn)` (Python) / `this.repo = new OutboxRepo(pool)` (JS/TS) in a method: the field holds
 * an object of that class (a capitalised name or `module.Name`), so `self.store.get_pending()` is its method.
 */
function ownField(table: FileTable, className: string, call: SyntaxNode, callee: string): void {
  // Python `self.store = store or JobStore(dsn)`: the default built when none is handed in is that class too.
  const defaulted = call.parent?.type === 'boolean_operator' && call.parent.childForFieldName('operator')?.text === 'or' && call.parent.childForFieldName('right')?.startIndex === call.startIndex;
  const value = defaulted ? call.parent! : call;
  const assignment = value.parent;
  if (assignment?.type !== 'assignment' && assignment?.type !== 'assignment_expression') return;
  const left = assignment.childForFieldName('left');
  if (!left || assignment.childForFieldName('right')?.startIndex !== value.startIndex) return;
  const target = /^(?:self|this)\.([A-Za-z_$][\w$]*)$/.exec(left.text);
  const type = callee.replace(/^new /, '');
  // `this.hub = new hub_1.default(url)` (JS/TS): the default export of the module `hub_1` binds (see compiledInterop).
  const compiledDefault = table.language !== 'python' && /^[A-Za-z_$][\w$]*\.default$/.test(type) && table.imports.get(type.slice(0, -8))?.name === undefined;
  if (target && (compiledDefault || /^(?:[A-Za-z_$][\w$]*\.)?[A-Z][\w$]*$/.test(type))) addField(table, className, target[1]!, type);
}

function addField(table: FileTable, className: string, field: string, type: string): void {
  let fields = table.fields.get(className);
  if (!fields) table.fields.set(className, (fields = new Map()));
  if (!fields.has(field)) fields.set(field, type);
}

function pythonImport(table: FileTable, node: SyntaxNode): void {
  if (node.type === 'import_statement') {
    // `import a.b` binds `a` (a package: no functions of its own here); `import a.b as c` binds the module a.b.
    for (const c of node.namedChildren) {
      if (c.type === 'dotted_name') {
        const text = c.text;
        if (!text.includes('.')) table.imports.set(text, { local: text, module: text });
      } else if (c.type === 'aliased_import') {
        const name = c.childForFieldName('name')?.text;
        const alias = c.childForFieldName('alias')?.text;
        if (name && alias) table.imports.set(alias, { local: alias, module: name });
      }
    }
    return;
  }
  const moduleNode = node.childForFieldName('module_name');
  if (!moduleNode) return;
  const module = moduleNode.text.replace(/\s+/g, '');
  for (const c of node.childrenForFieldName('name')) {
    if (c.type === 'dotted_name') table.imports.set(c.text, { local: c.text, module, name: c.text });
    else if (c.type === 'aliased_import') {
      const name = c.childForFieldName('name')?.text;
      const alias = c.childForFieldName('alias')?.text;
      if (name && alias) table.imports.set(alias, { local: alias, module, name });
    }
  }
}

// ------------------------------------------------------------------------------------------------ JavaScript

/**
 * The call sits in the branch an operation code selects: the consequence of an `if` whose condition compares with
 * the string `word` (`opType === 'commit'`), or a `case 'commit':` of a switch, inside the same function.
 */
function inRequestBranch(node: SyntaxNode, word: string): boolean {
  const names = (n: SyntaxNode) => (n.type === 'string' && n.text.slice(1, -1).toLowerCase() === word);
  for (let child = node, up = node.parent; up; child = up, up = up.parent) {
    if (JS_FUNCTIONS.has(up.type)) return false;
    if (up.type === 'if_statement' && up.childForFieldName('consequence')?.id === child.id) {
      const condition = up.childForFieldName('condition');
      const tests = condition?.descendantsOfType('binary_expression') ?? [];
      if (tests.some((t) => /^[!=]==?$/.test(t.childForFieldName('operator')?.text ?? '') && t.childForFieldName('operator')!.text.startsWith('=') && [t.childForFieldName('left'), t.childForFieldName('right')].some((o) => o !== null && names(o)))) return true;
    }
    if (up.type === 'switch_case' && up.childForFieldName('value') !== null && names(up.childForFieldName('value')!)) return true;
  }
  return false;
}

/** `exports.f = function ...` / `module.exports.f = async () => ...`: the exported name, `f`. */
function commonJsExport(node: SyntaxNode): string | undefined {
  const assignment = node.parent!;
  const left = assignment.childForFieldName('left');
  if (assignment.childForFieldName('right')?.id !== node.id || left?.type !== 'member_expression') return undefined;
  const object = left.childForFieldName('object')?.text;
  const property = left.childForFieldName('property');
  return (object === 'exports' || object === 'module.exports') && property?.type === 'property_identifier' ? property.text : undefined;
}

/** The module-level variable an object literal holding `node` (a method, or a function as a property's value) is bound to. */
function objectLiteralOwner(node: SyntaxNode): string | undefined {
  const holder = node.parent?.type === 'pair' ? node.parent : node;
  const object = holder.parent;
  if (object?.type !== 'object' || (holder.type === 'pair' && holder.childForFieldName('value')?.id !== node.id)) return undefined;
  const declarator = object.parent;
  if (declarator?.type !== 'variable_declarator' || declarator.childForFieldName('value')?.id !== object.id) return undefined;
  const name = declarator.childForFieldName('name');
  return name?.type === 'identifier' ? name.text : undefined;
}

function jsFunctionName(node: SyntaxNode): string | undefined {
  const own = node.childForFieldName('name');
  if (own) return own.text;
  const parent = node.parent;
  if (!parent) return undefined;
  if (parent.type === 'variable_declarator') {
    const name = parent.childForFieldName('name');
    return name?.type === 'identifier' ? name.text : undefined;
  }
  if (parent.type === 'public_field_definition' || parent.type === 'field_definition') {
    return parent.childForFieldName('name')?.text ?? parent.childForFieldName('property')?.text;
  }
  if (parent.type === 'pair') return parent.childForFieldName('key')?.text;
  if (parent.type === 'assignment_expression' && parent.childForFieldName('right')?.id === node.id) {
    const left = parent.childForFieldName('left');
    return left?.type === 'identifier' ? left.text : undefined;
  }
  return undefined;
}

function buildJavaScript(table: FileTable, tree: FlatTree): void {
  const stack: Scope[] = [];
  for (const node of tree.rootNode.descendantsOfType(JS_TYPES)) {
    const start = node.startIndex;
    const scope = innermost(stack, start);
    const type = node.type;
    if (JS_CLASSES.has(type)) {
      const name = node.childForFieldName('name')?.text ?? (node.parent?.type === 'variable_declarator' ? node.parent.childForFieldName('name')?.text : undefined);
      if (name && !enclosingFunction(stack)) table.classNames.add(name);
      stack.push(newScope(node.endIndex, { className: name ?? '<anonymous>' }));
      continue;
    }
    if (type === 'public_field_definition' || type === 'field_definition') {
      if (scope && !scope.fn && scope.className !== undefined) tsTypedFields(table, scope.className, node);
      continue;
    }
    if (JS_FUNCTIONS.has(type)) {
      const parentType = node.parent?.type;
      // Callbacks (arguments, returned arrows) are not named functions: their calls stay with the enclosing one.
      // `exports.exists = function (value) { ... }` at module level (CommonJS): the module's function `exists`.
      const exported = parentType === 'assignment_expression' && !enclosingFunction(stack) ? commonJsExport(node) : undefined;
      // `const shim = { msleep() {...}, fetchAll: async function () {...} }` at module level: methods of the object
      // `shim`, so `shim.fetchAll()` resolves to them (as `Class.m()` does).
      const owner = enclosingFunction(stack) ? undefined : objectLiteralOwner(node);
      // `var fetch; fetch = function () {...}` inside a function (CoffeeScript's output): a local helper by that name.
      const localAssignment = parentType === 'assignment_expression' && enclosingFunction(stack) !== undefined && node.parent?.childForFieldName('left')?.type === 'identifier' && node.parent.childForFieldName('right')?.id === node.id;
      const named = type === 'function_declaration' || type === 'generator_function_declaration' || type === 'method_definition' ||
        parentType === 'variable_declarator' || parentType === 'public_field_definition' || parentType === 'field_definition' ||
        (parentType === 'pair' && owner !== undefined) || localAssignment;
      const name = exported ?? (named ? jsFunctionName(node) : undefined);
      if (!name) {
        // Its calls belong to the enclosing named function, if any (a module-level callback is nobody's body).
        stack.push(newScope(node.endIndex, { boundary: true }));
        continue;
      }
      const inClass = scope && !scope.fn && scope.className !== undefined && (type === 'method_definition' || parentType === 'public_field_definition' || parentType === 'field_definition');
      const className = inClass ? scope.className : parentType === 'pair' ? owner : undefined;
      const nested = !className && enclosingFunction(stack) !== undefined;
      if (className !== undefined && type === 'method_definition' && name === 'constructor') tsTypedFields(table, className, node);
      annotatedParameters(table, node, 'javascript');
      const fn = addFunction(table, name, className, node, nested);
      if (node.children.some((c) => c.type === 'async')) fn.async = true;
      if (!exported && className === undefined && (type === 'function_declaration' || type === 'generator_function_declaration' || parentType === 'variable_declarator' || localAssignment)) fn.binds = true;
      if (catchesEverything(node)) fn.guarded = true;
      else if (resolvesOnly(node)) fn.fulfils = true;
      if (owner !== undefined && !inClass) {
        // (An object's shorthand method stays a module-level name too, as it was: `module.exports = { run() {} }`.)
        let methods = table.classes.get(owner);
        if (!methods) table.classes.set(owner, (methods = new Map()));
        methods.set(name, fn);
        (table.objectLiterals ??= new Set()).add(owner);
      }
      stack.push(newScope(node.endIndex, { fn }));
      continue;
    }
    if (type === 'try_statement') {
      const body = node.childForFieldName('body');
      if (body && enclosingFunction(stack) && tryHandlesFailure(node)) stack.push(newScope(node.endIndex, { caught: { start: body.startIndex, end: body.endIndex } }));
      continue;
    }
    if (type === 'import_statement') {
      jsImport(table, node);
      continue;
    }
    if (type === 'export_statement') {
      jsReExport(table, node);
      continue;
    }
    if (type === 'variable_declarator') {
      if (!enclosingFunction(stack)) jsRequire(table, node);
      continue;
    }
    // call_expression / new_expression
    const fn = enclosingFunction(stack);
    if (!fn) continue;
    const isNew = type === 'new_expression';
    const f = node.childForFieldName(isNew ? 'constructor' : 'function');
    if (!f) continue;
    const name = calleeText(f);
    const callee = isNew ? `new ${name}` : name;
    const argsNode = node.childForFieldName('arguments');
    const first = argsNode?.type === 'template_string' ? argsNode : argsNode?.namedChildren.find((c) => c.type !== 'comment');
    let sql: string | undefined;
    if (first) sql = stringValue(first) ?? templateContent(first);
    if (sql !== undefined && !looksLikeSql(sql)) sql = undefined;
    const args = first ? [{ text: first.text.slice(0, 200), number: undefined, string: stringValue(first), name: undefined }] : [];
    // `new Promise(r => setTimeout(r, ms))` is a sleep; a bare setTimeout(callback) schedules, it does not wait.
    const notSleep = /(^|\.)setTimeout$/.test(name) && !isPromiseSleep(node);
    const call = tableCall(callee, node.startPosition.row + 1, false, name, sql, args, { notSleep });
    const deferredBy = callbackHolders(node);
    if (deferredBy.length > 0) call.deferredBy = deferredBy;
    // `const job = this.queue.dequeue()` in a plain function: an in-process queue's item, not a broker pop.
    if (!isNew && POP_METHOD.test(name) && isPlainValue(node)) call.raw!.notPop = true;
    if (!isNew && (isSqlFragment(node) || (/(^|\.)send$/.test(name) && sendsToPeer(name.slice(0, Math.max(0, name.lastIndexOf('.'))), (argsNode?.namedChildren ?? []).filter((c) => c.type !== 'comment'))))) call.raw!.notIo = true;
    // `fetch(`data:${type};base64,${b64}`)`: a data: or blob: URL is decoded in process, no request.
    if (!isNew && /(^|\.)fetch$/.test(name) && fetchesInlineUrl((argsNode?.namedChildren ?? []).filter((c) => c.type !== 'comment'))) call.raw!.notIo = true;
    if (!isNew && /commit/i.test(name) && inRequestBranch(node, 'commit')) call.commitOnRequest = true;
    if (caughtAt(stack, start) || (!isNew && caughtByChain(node))) call.caught = true;
    // `fs.createReadStream(path)`: Node's stream factories open the file after the call returns and report ENOENT or
    // EACCES as the stream's 'error' event (for whoever consumes the stream: a pipe, a form, a request body); the
    // call itself does not throw into the function that makes it, so its failure stays off the caller's path.
    if (!isNew && STREAM_FACTORY.test(name)) call.caught = true;
    if (node.parent?.type === 'await_expression') call.awaited = true;
    record(fn, call);
    if (isNew && fn.className !== undefined) ownField(table, fn.className, node, callee);
  }
}

/**
 * Parameters annotated with a class name: Python `store: JobStore` / `store: store_module.JobStore = None`, TS
 * `repo: OutboxRepo` (`Optional[...]`, unions and generics are not one class: left out).
 */
function annotatedParameters(table: FileTable, fn: SyntaxNode, family: 'python' | 'javascript'): void {
  for (const param of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    let name: SyntaxNode | null | undefined;
    let type: string | undefined;
    if (family === 'python' && (param.type === 'typed_parameter' || param.type === 'typed_default_parameter')) {
      name = param.childForFieldName('name') ?? param.namedChildren.find((c) => c.type === 'identifier');
      type = param.childForFieldName('type')?.text;
      if (type !== undefined && !/^(?:[A-Za-z_]\w*\.)?[A-Z]\w*$/.test(type)) type = undefined;
    } else if (family === 'javascript' && (param.type === 'required_parameter' || param.type === 'optional_parameter')) {
      name = param.childForFieldName('pattern');
      type = tsTypeName(param.childForFieldName('type'));
    }
    if (name?.type !== 'identifier' || type === undefined) continue;
    table.parameterTypes ??= new Map();
    let types = table.parameterTypes.get(name.text);
    if (!types) table.parameterTypes.set(name.text, (types = new Set()));
    types.add(type);
  }
}

/**
 * Python `def __init__(self, store: JobStore): self.store = store`: a field assigned, as one of the method's own
 * statements, the parameter the method annotates with one class (the same shapes as annotatedParameters) holds an
 * object of that class, as `self.store = JobStore(conn)` does: the dependency handed in rather than built.
 */
function pythonInjectedFields(table: FileTable, className: string, fn: SyntaxNode): void {
  const types = new Map<string, string>();
  for (const param of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    if (param.type !== 'typed_parameter' && param.type !== 'typed_default_parameter') continue;
    const name = param.childForFieldName('name') ?? param.namedChildren.find((c) => c.type === 'identifier');
    const type = param.childForFieldName('type')?.text;
    if (name?.type === 'identifier' && type !== undefined && /^(?:[A-Za-z_]\w*\.)?[A-Z]\w*$/.test(type)) types.set(name.text, type);
  }
  if (types.size === 0) return;
  for (const statement of fn.childForFieldName('body')?.namedChildren ?? []) {
    const assignment = statement.type === 'expression_statement' ? statement.namedChild(0) : null;
    if (assignment?.type !== 'assignment') continue;
    const target = /^self\.([A-Za-z_]\w*)$/.exec(assignment.childForFieldName('left')?.text ?? '');
    const right = assignment.childForFieldName('right');
    const type = right?.type === 'identifier' ? types.get(right.text) : undefined;
    if (target && type !== undefined) addField(table, className, target[1]!, type);
  }
}

/** The simple class name of a TypeScript annotation (`: OutboxRepo`), if that is what it is. */
function tsTypeName(annotation: SyntaxNode | null | undefined): string | undefined {
  const text = annotation?.type === 'type_annotation' ? annotation.text.slice(1).trim() : undefined;
  return text !== undefined && /^[A-Z][\w$]*$/.test(text) ? text : undefined;
}

/**
 * `private readonly repo: OutboxRepo;` in a class body, and `constructor(private readonly pool: Pool)`; and a field
 * initialised where it is declared, `private requests = new RequestManager();` (TS) or `requests = new
 * RequestManager();` (JS): it holds an object of that class, as `this.requests = new RequestManager()` in the
 * constructor does (jsheld44: trpc-client's `this.requestManager.delete(...)`, a synchronous method of its own class,
 * read as a repository's promise-returning delete). A declared type, when there is one, is recorded first.
 */
function tsTypedFields(table: FileTable, className: string, node: SyntaxNode): void {
  if (node.type === 'public_field_definition' || node.type === 'field_definition') {
    const name = node.childForFieldName('name') ?? node.childForFieldName('property');
    if (name?.type !== 'property_identifier') return;
    const type = tsTypeName(node.childForFieldName('type'));
    if (type) addField(table, className, name.text, type);
    const value = node.childForFieldName('value');
    if (value?.type !== 'new_expression') return;
    const built = value.childForFieldName('constructor')?.text ?? '';
    const compiledDefault = /^[A-Za-z_$][\w$]*\.default$/.test(built) && table.imports.get(built.slice(0, -8))?.name === undefined;
    if (compiledDefault || /^(?:[A-Za-z_$][\w$]*\.)?[A-Z][\w$]*$/.test(built)) addField(table, className, name.text, built);
    return;
  }
  if (node.childForFieldName('name')?.text !== 'constructor') return;
  for (const param of node.childForFieldName('parameters')?.namedChildren ?? []) {
    if (param.type !== 'required_parameter' && param.type !== 'optional_parameter') continue;
    // A parameter property: `private`/`public`/`protected` or `readonly` makes the parameter a field.
    if (!param.namedChildren.some((c) => c.type === 'accessibility_modifier' || c.type === 'override_modifier') && !/^\s*readonly\b/.test(param.text)) continue;
    const name = param.childForFieldName('pattern');
    const type = tsTypeName(param.childForFieldName('type'));
    if (name?.type === 'identifier' && type) addField(table, className, name.text, type);
  }
}

const POP_METHOD = /(?:^|\.)(?:dequeue|getNextJob|take|receive|[lr]?pop|[lr]Pop|get)$/;

/** `setTimeout(resolve, ms)` inside `new Promise(...)`: the awaited-sleep idiom. */
function isPromiseSleep(call: SyntaxNode): boolean {
  let n: SyntaxNode | null = call.parent;
  for (let i = 0; n && i < 6; i++, n = n.parent) {
    if (n.type === 'new_expression') return /^Promise$/.test(n.childForFieldName('constructor')?.text ?? '');
  }
  return false;
}

function jsImport(table: FileTable, node: SyntaxNode): void {
  const sourceNode = node.childForFieldName('source');
  const module = sourceNode ? stringValue(sourceNode) : undefined;
  if (module === undefined) return;
  const clause = node.namedChildren.find((c) => c.type === 'import_clause');
  if (!clause) return;
  for (const c of clause.namedChildren) {
    if (c.type === 'identifier') table.imports.set(c.text, { local: c.text, module, name: 'default' });
    else if (c.type === 'namespace_import') {
      const id = c.namedChildren.find((x) => x.type === 'identifier');
      if (id) table.imports.set(id.text, { local: id.text, module });
    } else if (c.type === 'named_imports') {
      for (const spec of c.namedChildren) {
        if (spec.type !== 'import_specifier') continue;
        const name = spec.childForFieldName('name')?.text;
        const alias = spec.childForFieldName('alias')?.text ?? name;
        if (name && alias) table.imports.set(alias, { local: alias, module, name });
      }
    }
  }
}

/**
 * The methods whose call hands over a callback that holds `node` (`server.tool(name, schema, async (args) => { ...
 * node ... })` → ['tool']), from the innermost callback out to the first function that is no call's argument. A
 * promise chain's `then`/`catch`/`finally` runs its callback as part of the work, so it is not listed.
 */
function callbackHolders(node: SyntaxNode): string[] {
  const out: string[] = [];
  for (let n = node.parent; n; n = n.parent) {
    if (!JS_FUNCTIONS.has(n.type)) continue;
    const holder = n.parent?.type === 'arguments' ? n.parent.parent : null;
    if (holder?.type !== 'call_expression') break;
    const callee = holder.childForFieldName('function');
    const method = callee?.type === 'member_expression' ? callee.childForFieldName('property')?.text : callee?.text;
    if (method && !/^(then|catch|finally)$/.test(method)) out.push(method);
  }
  return out;
}

/**
 * A barrel's re-exports: `export { load, save as store } from './db'` binds the names as an import would (what
 * another file imports from the barrel is the module's function), `export * as db from './db'` binds the namespace,
 * and `export * from './db'` lists the module among those searched for a name the barrel does not define.
 */
function jsReExport(table: FileTable, node: SyntaxNode): void {
  const sourceNode = node.childForFieldName('source');
  const module = sourceNode ? stringValue(sourceNode) : undefined;
  if (module === undefined) return;
  const clause = node.namedChildren.find((c) => c.type === 'export_clause');
  if (clause) {
    for (const spec of clause.namedChildren) {
      if (spec.type !== 'export_specifier') continue;
      const name = spec.childForFieldName('name')?.text;
      const alias = spec.childForFieldName('alias')?.text ?? name;
      if (name && alias && !table.imports.has(alias)) table.imports.set(alias, { local: alias, module, name });
    }
    return;
  }
  const namespace = node.namedChildren.find((c) => c.type === 'namespace_export');
  if (namespace) {
    const id = namespace.namedChildren.find((x) => x.type === 'identifier');
    if (id && !table.imports.has(id.text)) table.imports.set(id.text, { local: id.text, module });
    return;
  }
  if (node.children.some((c) => c.type === '*')) (table.starExports ??= []).push(module);
}

/**
 * TypeScript's CommonJS output wraps a module's `require` in an interop helper: `const x_1 = __importDefault(require(
 * './x'))`, `__importStar(...)`, `tslib_1.__importDefault(...)` or `(0, tslib_1.__importStar)(...)`. The helper
 * returns the module object (with `default` set for a module that has none), so the name binds the module as a bare
 * `require` would; `x_1.default` is its default export. Anything else is returned as it is.
 */
function compiledInterop(value: SyntaxNode | null): SyntaxNode | null {
  if (value?.type !== 'call_expression') return value;
  let callee = value.childForFieldName('function');
  // `(0, tslib_1.__importDefault)`: a parenthesised sequence whose last part is the helper.
  if (callee?.type === 'parenthesized_expression') {
    const inner = callee.namedChildren.find((c) => c.type !== 'comment');
    callee = inner?.type === 'sequence_expression' ? inner.namedChildren[inner.namedChildren.length - 1] ?? null : inner ?? null;
  }
  const helper = callee?.type === 'member_expression' ? callee.childForFieldName('property')?.text : callee?.text;
  if (helper !== '__importDefault' && helper !== '__importStar') return value;
  const args = value.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
  return args.length === 1 ? args[0]! : value;
}

/** `const x = require('./x')`, `const { a, b: c } = require('./x')` (also through a compiler's interop helper). */
function jsRequire(table: FileTable, node: SyntaxNode): void {
  const value = compiledInterop(node.childForFieldName('value'));
  if (!value || value.type !== 'call_expression' || value.childForFieldName('function')?.text !== 'require') return;
  const arg = value.childForFieldName('arguments')?.namedChildren.find((c) => c.type !== 'comment');
  const module = arg ? stringValue(arg) : undefined;
  if (module === undefined) return;
  const name = node.childForFieldName('name');
  if (!name) return;
  if (name.type === 'identifier') table.imports.set(name.text, { local: name.text, module });
  else if (name.type === 'object_pattern') {
    for (const c of name.namedChildren) {
      if (c.type === 'shorthand_property_identifier_pattern') table.imports.set(c.text, { local: c.text, module, name: c.text });
      else if (c.type === 'pair_pattern') {
        const key = c.childForFieldName('key')?.text;
        const v = c.childForFieldName('value');
        if (key && v?.type === 'identifier') table.imports.set(v.text, { local: v.text, module, name: key });
      }
    }
  }
}

// ------------------------------------------------------------------------------------------------ Go and Java

/** Up to three leading arguments: the first string literal that reads as SQL (`db.QueryContext(ctx, "SELECT ...")`). */
function braceSql(args: SyntaxNode[]): string | undefined {
  for (const a of args.slice(0, 3)) {
    const text = stringLiteralText(a);
    if (text !== undefined && looksLikeSql(text)) return text.slice(0, 2000);
  }
  return undefined;
}

/** Statements on the session's own state (prepared statements, LISTEN channels): not per-row work. */
const SESSION_HEAD = /^\s*(?:DEALLOCATE|PREPARE|LISTEN|UNLISTEN)\b/i;

/**
 * Go: the statement is DDL or session upkeep, as a literal or as the format of `fmt.Sprintf` (`conn.Exec(ctx,
 * fmt.Sprintf("deallocate %s", name))`, a statement cache dropping one prepared statement).
 */
function goSchemaStatement(args: SyntaxNode[]): boolean {
  for (const a of args.slice(0, 2)) {
    let text = stringLiteralText(a);
    if (text === undefined && a.type === 'call_expression' && /^fmt\.Sprintf$/.test(a.childForFieldName('function')?.text ?? '')) {
      text = stringLiteralText(a.childForFieldName('arguments')?.namedChildren[0]);
    }
    // A statement, not a Redis command name on its own (`c.Do("RENAME", a, b)`).
    if (text !== undefined) return /\S\s+\S/.test(text) && (DDL_HEAD.test(text) || SESSION_HEAD.test(text));
  }
  return false;
}

function braceArgs(args: SyntaxNode[]): ArgFact[] {
  return args.slice(0, 3).map((a) => ({ text: a.text.slice(0, 200), number: undefined, string: stringLiteralText(a), name: undefined }));
}

const GO_TYPES: readonly string[] = ['package_clause', 'import_spec', 'type_spec', 'function_declaration', 'method_declaration', 'go_statement', 'func_literal', 'call_expression'];

/** The type a Go field or variable is declared with, by name (`*Store`, `store.Store`, `Store[T]` → `Store`). */
/** `type Worker struct { store *Store }` → fields of Worker; `type Queue interface { Pop() }` → its methods. */
function goTypeSpec(table: FileTable, node: SyntaxNode): void {
  const name = node.childForFieldName('name')?.text;
  const type = node.childForFieldName('type');
  if (!name || !type) return;
  if (type.type === 'struct_type') {
    const fields = new Map<string, string>();
    const list = type.namedChildren.find((c) => c.type === 'field_declaration_list');
    for (const field of list?.namedChildren ?? []) {
      if (field.type !== 'field_declaration') continue;
      const fieldType = goTypeName(field.childForFieldName('type'));
      if (!fieldType) continue;
      const names = field.namedChildren.filter((c) => c.type === 'field_identifier');
      // An embedded field is named after its type (`Store` in `struct { *Store }`).
      if (names.length === 0) fields.set(fieldType, fieldType);
      for (const n of names) fields.set(n.text, fieldType);
    }
    if (fields.size > 0) table.fields.set(name, fields);
  } else if (type.type === 'interface_type') {
    const methods = new Set<string>();
    for (const c of type.namedChildren) {
      if (c.type === 'method_elem' || c.type === 'method_spec') {
        const m = c.childForFieldName('name')?.text;
        if (m) methods.add(m);
      }
    }
    table.interfaces.set(name, { methods, extends: [] });
  }
}

/**
 * `import "example.com/app/internal/store"` → `store` bound to that path (the last element, a major version `/v2`
 * skipped; the package clause of the directory must then say `store`: see FileEffects.goImportedPackage);
 * `import st "example.com/app/internal/store"` → `st`, aliased. Blank and dot imports bind nothing.
 */
function goImport(table: FileTable, node: SyntaxNode): void {
  const path = (node.childForFieldName('path')?.text ?? '').replace(/^["`]|["`]$/g, '');
  if (path === '') return;
  const alias = node.childForFieldName('name')?.text;
  if (alias !== undefined) {
    if (/^[A-Za-z_]\w*$/.test(alias) && alias !== '_') table.imports.set(alias, { local: alias, module: path, aliased: true });
    return;
  }
  const segments = path.split('/');
  let last = segments.pop() ?? '';
  if (/^v\d+$/.test(last) && segments.length > 0) last = segments.pop()!;
  if (/^[A-Za-z_]\w*$/.test(last)) table.imports.set(last, { local: last, module: path });
}

/** `func (s *Service[T]) run()` → { name: 's', type: 'Service' }. */
function goReceiver(node: SyntaxNode): { name?: string; type?: string } {
  const param = node.childForFieldName('receiver')?.namedChildren.find((c) => c.type === 'parameter_declaration');
  if (!param) return {};
  let type = param.childForFieldName('type');
  while (type && (type.type === 'pointer_type' || type.type === 'generic_type' || type.type === 'parenthesized_type')) {
    type = type.type === 'generic_type' ? type.childForFieldName('type') : type.namedChild(0);
  }
  return { name: param.childForFieldName('name')?.text, type: type?.type === 'type_identifier' ? type.text : undefined };
}

/**
 * Go: functions by name, methods by their receiver's type (`s.processBatch()` inside a method of `*Service` whose
 * receiver is `s`). Function literals belong to the function that holds them, except one it returns (a factory's
 * handler or callback: its calls run when the caller calls the result); a `go` statement starts another goroutine,
 * which the function does not wait for: its calls are left out (the statement is a task spawn).
 */
function buildGo(table: FileTable, tree: FlatTree): void {
  const stack: Scope[] = [];
  for (const node of tree.rootNode.descendantsOfType(GO_TYPES)) {
    innermost(stack, node.startIndex);
    switch (node.type) {
      case 'package_clause':
        table.packageName = node.namedChildren.find((c) => c.type === 'package_identifier')?.text;
        break;
      case 'import_spec':
        goImport(table, node);
        break;
      case 'type_spec':
        if (!enclosingFunction(stack)) goTypeSpec(table, node);
        break;
      case 'function_declaration': {
        const name = node.childForFieldName('name')?.text;
        const fn = name ? addFunction(table, name, undefined, node, false) : undefined;
        // A constructor's type (`func NewAccessor(db *sqlx.DB) *Accessor`, `func New(...) (*Client, error)`): the
        // first result's type of this package, for `a := store.NewAccessor(db); a.Upsert(...)` in another package.
        const result = goFirstResultType(node.childForFieldName('result'));
        if (fn && result !== undefined && !result.includes('.')) fn.returnType = result;
        stack.push(newScope(node.endIndex, fn ? { fn } : {}));
        break;
      }
      case 'method_declaration': {
        const name = node.childForFieldName('name')?.text;
        const receiver = goReceiver(node);
        if (!name || !receiver.type) {
          stack.push(newScope(node.endIndex));
          break;
        }
        const fn = addFunction(table, name, receiver.type, node, false);
        table.classNames.add(receiver.type);
        if (receiver.name && receiver.name !== '_') {
          fn.receiver = receiver.name;
          let types = table.receivers.get(receiver.name);
          if (!types) table.receivers.set(receiver.name, (types = new Set()));
          types.add(receiver.type);
        }
        stack.push(newScope(node.endIndex, { fn }));
        break;
      }
      case 'func_literal': {
        const up = node.parent;
        const returned = up?.type === 'return_statement' || (up?.type === 'expression_list' && up.parent?.type === 'return_statement');
        if (returned) stack.push({ end: node.endIndex, detached: true });
        break;
      }
      case 'go_statement': {
        const fn = enclosingFunction(stack);
        if (fn) record(fn, { callee: 'go', line: node.startPosition.row + 1, kinds: ['task-spawn'], evidence: true, raw: undefined, sleepSeconds: undefined, timeoutSeconds: undefined, managed: false, commitOnRequest: false, onCacheMiss: false });
        // Calls inside run on the new goroutine: nobody's body here.
        stack.push(newScope(node.endIndex, { detached: true }));
        break;
      }
      default: {
        const fn = enclosingFunctionAttached(stack);
        if (!fn) break;
        const f = node.childForFieldName('function');
        if (!f || f.type === 'func_literal' || f.type === 'parenthesized_expression') break;
        // Arguments of chained calls dropped, as the catalogue reads them (`db.QueryRowContext().Scan`).
        const callee = normalizeCallee(compactCallee(f.text));
        const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment');
        // `time.After` / `time.NewTimer` in a helper is a select's timeout, not a pause of the caller, unless the
        // select only waits for it or for a stop signal (`case <-ctx.Done(): return; case <-time.After(d):`).
        const notSleep = /^time\.(?:After|NewTimer|Tick|NewTicker)$/.test(callee) && !cancellableSleep(node);
        // A literal duration (`time.Sleep(5 * time.Second)`): the interval a loop calling the helper polls at.
        const firstNumber = args[0] ? goDurationSeconds(args[0], NO_CONSTANTS) : undefined;
        // `c.Do(req)` on an `*http.Client` (declared, or the request built by `http.NewRequest`), or `c.hc.Do(req)` on a
        // receiver's field so declared: HTTP whatever its name, as the loop's own calls read it (facts/brace.ts).
        const type = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?\.Do$/.test(callee) ? goReceiverType(node) : undefined;
        // `db.Find(...)` where `db Finder` is a parameter: its declared type (the code's own or a library's). Only an
        // exported method: the catalogue's Go APIs all are.
        const paramType = type === undefined && /^[A-Za-z_]\w*\.[A-Z]\w*$/.test(callee) ? goParameterType(node) : undefined;
        const ddl = goSchemaStatement(args);
        // `bucketDB.Get(key)` on a value of the function's own making: the other packages' types of the parameters
        // of the functions around it (`func(tx *bolt.Tx)`), which say whose database such a value belongs to.
        const scopeTypes = type === undefined && paramType === undefined && /^[A-Za-z_]\w*\.[A-Z]\w*$/.test(callee) ? goEnclosingParameterTypes(node) : undefined;
        // `t := time.NewTimer(d)` then `<-t.C`: classified as the `time.Sleep(d)` it is (timerWaitedOn).
        const name = callee === 'time.NewTimer' && !notSleep ? 'time.Sleep' : callee;
        record(fn, tableCall(callee, node.startPosition.row + 1, false, name, braceSql(args), braceArgs(args), { notSleep, firstNumber, type, ddl, paramType, ...(scopeTypes?.length ? { scopeTypes } : {}) }));
        break;
      }
    }
  }
}

/** The type of a Go function's first result: `*Accessor`, `(*Client, error)` → `Accessor`, `Client`. */
function goFirstResultType(result: SyntaxNode | null): string | undefined {
  if (!result) return undefined;
  if (result.type !== 'parameter_list') return goTypeName(result);
  const first = result.namedChildren.find((c) => c.type === 'parameter_declaration');
  return goTypeName(first?.childForFieldName('type'));
}

const STOP_SIGNAL = /(?:\.Done\(\)|stop|quit|done|shutdown|closing|closed|exit|term|cancel)/i;

/**
 * A `time.After` case of a select whose other cases (no default) all receive a stop signal, or a `time.NewTimer`
 * the function waits on (timerWaitedOn): a cancellable sleep.
 */
function cancellableSleep(call: SyntaxNode): boolean {
  const timer = timerName(call);
  if (timer !== undefined) return timerWaitedOn(call, timer);
  return waitCase(call);
}

/** `t := time.NewTimer(d)` (or `var t = ...`): `t`. */
function timerName(call: SyntaxNode): string | undefined {
  if (call.childForFieldName('function')?.text !== 'time.NewTimer') return undefined;
  const list = call.parent;
  const decl = list?.type === 'expression_list' ? list.parent : undefined;
  if (!list || !decl || (decl.type !== 'short_var_declaration' && decl.type !== 'var_spec') || list.namedChildCount !== 1) return undefined;
  const left = decl.type === 'var_spec' ? decl.childrenForFieldName('name') : decl.childForFieldName('left')?.namedChildren ?? [];
  return left.length === 1 && left[0]!.type === 'identifier' ? left[0]!.text : undefined;
}

/**
 * A timer the function then waits on (`t := time.NewTimer(d)` and `<-t.C` as a statement, or as a select case whose
 * other cases all receive a stop signal): the same pause as `time.Sleep(d)`. A `t.C` case beside a case for a reply
 * bounds that wait instead, and a timer handed on or reset is not read here.
 */
function timerWaitedOn(call: SyntaxNode, timer: string): boolean {
  let fn: SyntaxNode | null = call.parent;
  while (fn && fn.type !== 'function_declaration' && fn.type !== 'method_declaration' && fn.type !== 'func_literal') fn = fn.parent;
  const body = fn?.childForFieldName('body');
  if (!body) return false;
  let waits = 0;
  for (const n of body.descendantsOfType('unary_expression')) {
    if (n.childForFieldName('operator')?.text !== '<-' || n.childForFieldName('operand')?.text !== `${timer}.C`) continue;
    if (n.parent?.type === 'expression_statement' || waitCase(n)) waits++;
    else return false;
  }
  return waits > 0;
}

/** `node` is (in) the communication of a select case whose other cases (no default) all receive a stop signal. */
function waitCase(node: SyntaxNode): boolean {
  let n: SyntaxNode | null = node.parent;
  for (let i = 0; n && i < 4 && n.type !== 'communication_case'; i++) n = n.parent;
  const select = n?.type === 'communication_case' ? n.parent : null;
  if (!n || select?.type !== 'select_statement') return false;
  for (const c of select.namedChildren) {
    if (c.id === n.id || c.type === 'comment') continue;
    if (c.type !== 'communication_case') return false;
    const communication = c.namedChildren[0];
    if (!communication || !STOP_SIGNAL.test(communication.text.slice(0, 200))) return false;
  }
  return true;
}

const JAVA_CLASSES = new Set(['class_declaration', 'interface_declaration', 'enum_declaration', 'record_declaration']);
const JAVA_TYPES: readonly string[] = [...JAVA_CLASSES, 'package_declaration', 'import_declaration', 'field_declaration', 'class_body', 'method_declaration', 'constructor_declaration', 'method_invocation', 'object_creation_expression', 'lambda_expression'];

/** `return new Source() { ... }` / `return () -> ...`: the value a method returns, whose code runs when the caller uses it. */
function javaReturned(node: SyntaxNode): boolean {
  let up = node.parent;
  while (up?.type === 'parenthesized_expression' || up?.type === 'cast_expression') up = up.parent;
  return up?.type === 'return_statement';
}

/** A Java type's simple name, without type arguments or package (`List<Order>` → `List`, `a.b.Repo` → `Repo`). */
function javaTypeName(type: SyntaxNode | null | undefined): string | undefined {
  if (!type) return undefined;
  if (type.type === 'generic_type') return javaTypeName(type.namedChildren.find((c) => c.type === 'type_identifier' || c.type === 'scoped_type_identifier'));
  if (type.type === 'scoped_type_identifier') return javaTypeName(type.namedChildren[type.namedChildren.length - 1]);
  return type.type === 'type_identifier' ? type.text : undefined;
}

/** `import com.acme.x.Foo;` → Foo from module `com.acme.x` (static and wildcard imports are not followed). */
function javaImport(table: FileTable, node: SyntaxNode): void {
  if (node.namedChildren.some((c) => c.type === 'asterisk') || /^import\s+static\b/.test(node.text)) return;
  const target = node.namedChildren.find((c) => c.type === 'scoped_identifier');
  if (!target) return;
  const name = target.childForFieldName('name')?.text;
  const scope = target.childForFieldName('scope')?.text;
  if (name && scope) table.imports.set(name, { local: name, module: scope.replace(/\s+/g, ''), name });
}

/**
 * Java: methods by class (`this.m()`, bare `m()` and `Helper.m()` for a class of the file). Lambdas and the
 * methods of anonymous classes belong to the method that holds them, as JavaScript callbacks do; constructors are
 * not summarised (a `new` of a class of the file is not a call of a helper).
 */
function buildJava(table: FileTable, tree: FlatTree): void {
  const stack: Scope[] = [];
  for (const node of tree.rootNode.descendantsOfType(JAVA_TYPES)) {
    const scope = innermost(stack, node.startIndex);
    const type = node.type;
    if (type === 'package_declaration') {
      table.packageName = node.namedChildren.find((c) => c.type === 'scoped_identifier' || c.type === 'identifier')?.text.replace(/\s+/g, '');
      continue;
    }
    if (type === 'import_declaration') {
      javaImport(table, node);
      continue;
    }
    if (type === 'field_declaration') {
      // `private final OrderRepository repo;` (injected by `@Autowired` or the constructor: the declared type is what counts).
      const className = scope && !scope.fn && !scope.anonymous ? scope.className : undefined;
      const fieldType = javaTypeName(node.childForFieldName('type'));
      if (className === undefined || !fieldType) continue;
      let fields = table.fields.get(className);
      if (!fields) table.fields.set(className, (fields = new Map()));
      for (const d of node.namedChildren) {
        const n = d.type === 'variable_declarator' ? d.childForFieldName('name')?.text : undefined;
        if (n) fields.set(n, fieldType);
      }
      continue;
    }
    if (JAVA_CLASSES.has(type)) {
      const name = node.childForFieldName('name')?.text;
      if (name) table.classNames.add(name);
      if (name && type === 'interface_declaration') {
        const parents = node.namedChildren.find((c) => c.type === 'extends_interfaces')?.namedChildren.find((c) => c.type === 'type_list')?.namedChildren ?? [];
        table.interfaces.set(name, { methods: new Set(), extends: parents.map((p) => javaTypeName(p)).filter((p): p is string => p !== undefined), line: node.startPosition.row + 1 });
      }
      stack.push(newScope(node.endIndex, { className: name ?? '<anonymous>' }));
      continue;
    }
    if (type === 'class_body') {
      // An anonymous class's body: its methods are callbacks of the enclosing method, unless the method returns the
      // object (`return new JavaFileObject() { ... }`): they run when the caller uses it, not in this body.
      if (node.parent?.type === 'object_creation_expression') stack.push(newScope(node.endIndex, javaReturned(node.parent) ? { anonymous: true, detached: true } : { anonymous: true }));
      continue;
    }
    if (type === 'lambda_expression') {
      // Likewise a returned lambda (`return () -> conn.getInputStream();`), as a Go function literal.
      if (javaReturned(node)) stack.push(newScope(node.endIndex, { detached: true }));
      continue;
    }
    if (type === 'method_declaration' || type === 'constructor_declaration') {
      const name = node.childForFieldName('name')?.text;
      const className = scope && !scope.fn && !scope.anonymous ? scope.className : undefined;
      if (type === 'constructor_declaration' || !name || className === undefined) {
        stack.push(newScope(node.endIndex, className === undefined ? {} : { barrier: true }));
        continue;
      }
      const fn = addFunction(table, name, className, node, false);
      if (!node.childForFieldName('body')) fn.abstract = true;
      const returnType = javaTypeName(node.childForFieldName('type'));
      if (returnType !== undefined) fn.returnType = returnType;
      table.interfaces.get(className)?.methods.add(name);
      stack.push(newScope(node.endIndex, { fn }));
      continue;
    }
    const fn = enclosingFunctionAttached(stack);
    if (!fn) continue;
    let callee: string;
    if (type === 'object_creation_expression') {
      const t = node.childForFieldName('type');
      if (!t) continue;
      callee = compactCallee(t.text.replace(/<[^<>]*(<[^<>]*>[^<>]*)*>/g, ''));
    } else {
      const name = node.childForFieldName('name')?.text;
      if (!name) continue;
      const object = node.childForFieldName('object');
      callee = object ? normalizeCallee(compactCallee(`${compactCallee(object.text)}.${name}`)) : name;
    }
    const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'line_comment' && a.type !== 'block_comment');
    // `Thread.sleep(5000)`: milliseconds, the interval a loop calling the helper polls at.
    const ms = callee === 'Thread.sleep' && args[0] ? javaNumber(args[0], NO_CONSTANTS) : undefined;
    const firstNumber = ms === undefined ? undefined : ms / 1000;
    // A URL read whose URL is a resource lookup, a parameter or field the caller fills, or whose receiver is not a URL.
    const handedUrl = type === 'method_invocation' && /^(?:openStream|getInputStream|connect|getResponseCode|getContent|getHeaderFields|getContentLength)$/.test(node.childForFieldName('name')?.text ?? '') && urlReadOrigin(node) !== undefined;
    // The receiver's declared type, for the catalogue's `receiver_types:` (a database engine's own `executeUpdate`).
    const receiverType = type === 'method_invocation' ? receiverDeclaredType(node) : undefined;
    record(fn, tableCall(callee, node.startPosition.row + 1, insideResources(node, fn), callee, braceSql(args), braceArgs(args), { firstNumber, ...(handedUrl ? { handedUrl } : {}), ...(receiverType !== undefined ? { receiverType } : {}) }));
  }
}

/** The call opens a try-with-resources resource (closed by the statement). */
function insideResources(node: SyntaxNode, fn: TableFunction): boolean {
  let n: SyntaxNode | null = node.parent;
  for (let i = 0; n && i < 8 && n.startIndex >= fn.startIndex; i++, n = n.parent) {
    if (n.type === 'resource_specification') return true;
    if (n.type === 'block') return false;
  }
  return false;
}

/** The function whose body holds the position, unless a `go` statement or a constructor stands in between. */
function enclosingFunctionAttached(stack: Scope[]): TableFunction | undefined {
  for (let i = stack.length - 1; i >= 0; i--) {
    const s = stack[i]!;
    if (s.detached || s.barrier) return undefined;
    if (s.fn) return s.fn;
  }
  return undefined;
}
