// The API knowledge base: which calls read or write a database, talk to the network, sleep, pop a queue, ...
// It is data (rules/apis/<language>.yml) so that adding a library is a one-line change, and a repository extends it
// with `apis:` in its config (`send_to_bigdata` is network I/O here).
import { join } from 'node:path';
import { getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';
import type { z } from 'zod';
import type { ApisConfig, CozeLoopConfig } from '../config/schema.js';
import { PROJECT_ROOT, readCompiled, readDataFiles } from '../core/data-files.js';
import { lazySchema, yaml } from '../core/lazy-modules.js';
import { LANGUAGES, type Language } from '../core/types.js';
import { leadingSqlWord } from '../core/linear-text.js';
import { CALL_KINDS, type ArgFact, type CallConfidence, type CallKind, type EffectVia } from './facts.js';

/**
 * What the classification rests on: the API catalogue or the repository's `apis:` (`api`), the SQL text (`sql`), a
 * SQL call whose statement sits in a variable (`sql-hint`: a round trip for sure, read or write from the name), a
 * URL-looking request (`url`), a name that only suggests I/O (`guess`), or the effect summary of the code's own
 * function (`summary`, see effects/).
 */
export type ClassifiedBy = 'api' | 'sql' | 'sql-hint' | 'url' | 'guess' | 'summary';

export interface Classification {
  kinds: CallKind[];
  confidence: CallConfidence;
  by?: ClassifiedBy;
  /** For `summary`: the chain from this call down to the API call that does the I/O. */
  via?: EffectVia;
  /** For `summary`: the summarised sleep's seconds or queue pop's timeout, when the chain ends in one. */
  sleepSeconds?: number;
  timeoutSeconds?: number;
  /**
   * For `summary`: the helper builds a connection or client and hands it back unclosed (`def get_connection(): return
   * psycopg2.connect(DSN)`); the chain to that call. Not a kind: a factory is no round trip, and most return a shared
   * client. connection-in-loop counts it when the caller closes what it got in the same iteration.
   */
  opens?: EffectVia;
}

/** Callees longer than this are never classified (see match()). */
export const MAX_CALLEE_CHARS = 512;

/**
 * Whether a call waits (`blocking`: a blocking pop, an event wait, a socket read, a join) or is known to return at
 * once (`immediate`: a non-blocking pop, logging, a cheap built-in), from `waits:` in rules/apis/*.yml. The fix-bugs
 * rules tell a worker from a busy wait with it; the call's arguments (timeouts, `block=False`) refine it in
 * rules/lib/calls.ts.
 */
export type WaitClass = 'blocking' | 'immediate';

/**
 * What a method is to a rule, beyond its I/O kind (`roles:` in rules/apis/*.yml): `state_probe`, a call that only
 * looks at state (`poll()`, `is_set()`, `empty()`), which a spin-on-flag condition may make; `not_work`, a call that
 * is not the work a queue acknowledgement should follow (printing, logging, metrics, clocks, conversions);
 * `keeps_callback`, a call that keeps a function it is given to call it later (`setTimeout`, `on`, `submit`);
 * `closes`, a method that closes or gives back what a resource-opening call (`resources:`) opened (`close`,
 * `release`, `putconn`); `returns_task`, a call that starts background work and returns the only handle on its
 * failure (`submit`, `create_task`: a future or task that a bare statement drops); `owns_tasks`, a call that makes a
 * task group or nursery (`TaskGroup`, `open_nursery`), which keeps the tasks started on it; `acks`, a method that
 * acknowledges a queue message or marks a job done (`ack`, `xack`, `mark_done`), beyond the `queue-ack` callees;
 * `releases`, a method that releases what the code holds (Go: `Close`, `Unlock`, `Rollback`, `Done`), which a
 * `defer` in a loop holds until the function returns; `blocks_when_held`, those of them whose delay blocks other
 * code (`Unlock`, `wg.Done`), not only frees something later; `control_flow_errors`, exception classes (the last
 * segment of the name) that are control flow, not a failed attempt (`KeyboardInterrupt`, `CancelledError`,
 * `StopIteration`), so a loop that catches only these is no retry; `timeout_errors`, exception classes raised after
 * a call waited out its timeout (`TimeoutError`, `ReadTimeout`), so a retry that catches only these is paced by the
 * timeout, not a tight spin; `takes_item`, a method that takes the next item of a queue or stream (`get`, `pop`,
 * `recv`, `take`), so a loop that takes one before its try handles a new item each round instead of retrying the
 * failed one; `stop_signals`, exceptions that stop a program or task from outside (`KeyboardInterrupt`,
 * `CancelledError`), which a loop does not catch as its own way out; `control_flow_errnos`, errno names that mean
 * "call again now" (`EINTR`, `EAGAIN`), so a handler that re-raises every other errno is no retry; `health_checks`,
 * words that name a health check or heartbeat (`health`, `heartbeat`, `ping`): a call or function whose name has one
 * as a word (`_do_once_health_check`, `sendHeartbeat`) polls by design; `sends_when_open`, a connection's method
 * that throws only while the connection is not open (a WebSocket's `send`: a failure on an open socket arrives as an
 * 'error' or 'close' event), so after a test that `readyState` is OPEN it cannot throw; `accepts_client`, a method
 * that takes a listener's next client (`accept`, `Accept`), after which a connect is a proxy's upstream;
 * `dispatches_event`, a method that hands an event to its listeners (`emit`, `dispatchEvent`): called without
 * `await` by convention, even where a class's own `emit` is async (it looks a subscription up first), so dropping
 * its promise loses nothing unless the method itself does I/O; `backs_off`, words that name a backoff pause
 * (`backoff`): an awaited call whose name has one as a word (`maybeBackoff`, `backoff.backoffAndWait()`) waits
 * before the next attempt of a retry loop;
 * `reads_terminal`, a call that reads a line typed at the terminal (`input`, a prompt session's `prompt`), whose loop
 * is an interactive session, not a worker;
 * `takes_sql`, a method whose first argument is the SQL text it runs or prepares (JDBC's `prepareStatement`,
 * `executeUpdate`): handed the item of a list of strings, each round runs a different statement;
 * `empty_errors`, exception classes a non-blocking take raises when there is nothing to take (`queue.Empty`,
 * asyncio's `QueueEmpty`, `IndexError` from an empty deque): a loop of such takes inside a try that catches one
 * ends at the first empty take (a drain), it does not spin;
 * `observes_task`, a method of a task or future that hands its outcome to a callback when it ends
 * (`add_done_callback`): a worker coroutine started as a task with one has an owner that sees it fail;
 * `frees_memory`, a function that only gives memory back (cgo's `C.free`): nothing scarce (a descriptor, a lock, a
 * connection) waits for it, so a `defer` of one in a loop holds bytes, not resources.
 */
export const CALL_ROLES = ['state_probe', 'not_work', 'keeps_callback', 'closes', 'returns_task', 'owns_tasks', 'acks', 'broker_acks', 'broker_packages', 'releases', 'blocks_when_held', 'control_flow_errors', 'timeout_errors', 'takes_item', 'stop_signals', 'control_flow_errnos', 'accepts_client', 'health_checks', 'sends_when_open', 'dispatches_event', 'backs_off', 'reads_terminal', 'takes_sql', 'empty_errors', 'observes_task', 'frees_memory'] as const;
export type CallRole = (typeof CALL_ROLES)[number];

/**
 * What a call builds, beyond a resource (`builds:` in rules/apis/*.yml, callee globs): `in_process_queue`, a queue
 * of this process (`queue.Queue()`, `asyncio.Queue()`), whose blocking `get()` waits for an item and cannot fail the
 * way a broker's can; `in_process_database`, a database engine that runs inside this process (`sqlite3.connect`), where
 * a query is a function call and a read per item costs no network round trip (Go lists the types of such a database,
 * `bolt.Tx`, `bolt.Bucket`: a name-matched call inside a function handed one is no round trip, effects/table.ts); `plain_result`, an I/O call that
 * returns its answer at once, not a promise (amqplib's `channel.publish(...)` buffers the message and returns a
 * boolean), so a bare call of it drops nothing; `ui_events`, the events a window's event queue holds
 * (`pygame.event.get()`): a loop that pumps them is an interactive frame loop, not a worker; `protocol_client`, a
 * connection that speaks a protocol other than a database's (HTTP, mail, file transfer, SSH: `urllib3.PoolManager`),
 * so it carries no query: a file that opens one beside an in-process database still queries only that database;
 * `terminal_input`, what the process's standard input gives (`sys.stdin.read()`): a loop that pumps it serves the
 * person at the terminal (or the pipe), which stops it with Ctrl-C or end of input, not a deploy;
 * `c_string`, a C copy of a Go string (cgo's `C.CString(s)`): a NUL-terminated name or path for one C call, bytes the
 * Go code had already; `command_line`, the process's command-line arguments (`os.Args`, `flag.Args`) and a command
 * framework's handle that carries them (Go lists its type, `cli.Context`): as many as the person typed.
 */
export const BUILT_VALUES = ['in_process_queue', 'in_process_database', 'plain_result', 'ui_events', 'protocol_client', 'terminal_input', 'c_string', 'command_line'] as const;
export type BuiltValue = (typeof BUILT_VALUES)[number];

export interface KnowledgeBase {
  classify(language: Language, callee: string, context?: ClassifyContext): Classification;
  /** `waits:` of the API files; undefined when the catalogue says nothing (or the base has no such data). */
  waitOf?(language: Language, callee: string): WaitClass | undefined;
  /**
   * `receiver_types:` of the API files: false when a pattern matching the callee asks for receiver types and the
   * receiver's declared type (a simple name) is none of them: another type's method of the same name.
   */
  receiverTypeAllows?(language: Language, callee: string, type: string): boolean;
  /**
   * The call resolves to a function of the code's own whose summary provably does no I/O (no catalogue call, nothing
   * unresolved below it): effect summaries only; undefined or false otherwise.
   */
  doesNoIo?(language: Language, callee: string): boolean;
  /** `roles:` of the API files: whether a method (the callee's last segment) has the role in this language. */
  hasRole?(language: Language, method: string, role: CallRole): boolean;
  /** The repository's own `apis: { roles: ... }` gives the method the role (what the team said, not the catalogue). */
  declaresRole?(method: string, role: CallRole): boolean;
  /**
   * `resources:` of the API files: what a call opens that the code must close (the first entry that matches), or
   * undefined. `constructed` is `new X(...)` (JS), `awaited` an `await`ed call: entries that ask for one match only then.
   */
  resourceOf?(language: Language, callee: string, how?: { constructed?: boolean; awaited?: boolean }): ResourceOpen | undefined;
  /** `builds:` of the API files: whether the call (its whole callee) builds a value of that nature. */
  builds?(language: Language, callee: string, value: BuiltValue): boolean;
  /**
   * Whether the catalogue knows a package as doing I/O: a pattern names it as a callee's first segment
   * (`redis.NewClient`, `http.DefaultClient.Do`), or a receiver pattern matches the package's name (`*redis*` matches
   * `goredis`). A type of any other package (`lru.Cache`) is not I/O as far as the catalogue knows.
   */
  namesPackage?(language: Language, pkg: string, method: string): boolean;
  /**
   * Effect summaries (JavaScript/TypeScript): the callee resolves to an `async` function of the code's own, in this
   * file or one it imports (`import { sendMail } from './mailer.js'`): a call of it returns a promise.
   */
  isAsyncFunction?(language: Language, callee: string): boolean;
  /**
   * The call resolves to a function of the code's own whose work is all caught and not rethrown (JS/TS), or whose
   * every chain to I/O that can fail runs through a handled `try` (JS/TS and Python; effect summaries).
   */
  neverThrows?(language: Language, callee: string): boolean;
  /**
   * Python: the number an imported module-level constant holds (`POLL_INTERVAL` from `from app.settings import
   * POLL_INTERVAL`, `settings.POLL_INTERVAL` from `from app import settings`), read from that module's file.
   */
  importedNumber?(language: Language, name: string): number | undefined;
  /**
   * Python: the constructor, as its module writes it, of a module-level object that the file imports from a module of
   * the code's own (`dns_jobs` from `from .shared import dns_jobs` where shared.py has `dns_jobs = queue.Queue()` →
   * `queue.Queue`; also `shared.dns_jobs` through `from . import shared`). Only a name that module binds once.
   */
  importedObject?(language: Language, name: string): string | undefined;
  /**
   * Effect summaries (Python): for each module of the code's own that the file imports from, the modules it imports
   * (`from .sql_db import SqlDB` → `['os', 'queue', 'sqlite3', ...]`) and whether the in-process database connections
   * its functions open keep the driver's transactions (`transactional`) or may commit every statement (`autocommit`).
   */
  packageImports?(language: Language): { modules: string[]; localConnections?: 'transactional' | 'autocommit' }[];
  /**
   * Effect summaries (Python): the callee resolves to a generator function of the code's own (its body yields): a
   * call of it only makes the generator; its I/O runs where the generator is iterated.
   */
  isGeneratorFunction?(language: Language, callee: string): boolean;
  /**
   * Python: `className` is a class of the code's own (this file, or imported from a module of the analysed set) that
   * defines `method` itself: whether a call of that method hands back a value (see TableFunction.returnsValue).
   * Undefined when the class or the method is not found (effect summaries only).
   */
  ownMethodReturnsValue?(language: Language, className: string, method: string): boolean | undefined;
  /**
   * Effect summaries (Go): the receiver types of the analysed file's package (its other files too, by the package's
   * line scan) that declare a method `name` (`render` → `['Bar', 'pState']`); undefined when the package is not known.
   */
  goMethodReceivers?(name: string): string[] | undefined;
}

/** What a classification may know of the call besides its name. */
export interface ClassifyContext {
  /** The SQL text of its first argument. */
  sql?: string;
  args?: ArgFact[];
  /** How many arguments it passes, when `args` is not the whole list (see `min_args`); unknown counts as enough. */
  argCount?: number;
  /** How many positional arguments it passes (see `max_positional`), not counting a `*` splat (it may hold none). */
  positional?: number;
  /**
   * Go: the declared type of the call's receiver where the file says (`repo *store.Repo` → `store.Repo`; see
   * facts/go-types.ts), computed on demand: effect summaries resolve a method of another package of the module by it.
   */
  goReceiverType?: () => string | undefined;
  /** Go: the `New…` call of another package that bound the receiver (`sql.NewAccessor`; see go-types goConstructorOf). */
  goConstructor?: () => string | undefined;
  /**
   * Where the call starts in its file (byte index): effect summaries resolve `self.m()` / `this.m()` to the method of
   * the class the call sits in when two classes of the file define `m`.
   */
  at?: number;
}

/** How many arguments a call passes, for `min_args`: unknown, or a `*`/`**` splat (any number), counts as plenty. */
function argumentsGiven(context: ClassifyContext | undefined): number {
  if (context?.argCount !== undefined) return context.argCount;
  if (!context?.args || context.args.some((a) => a.name === undefined && a.text.startsWith('*'))) return Number.POSITIVE_INFINITY;
  return context.args.length;
}

/**
 * How many positional arguments a call passes, for `max_positional`: a `*` splat may hold none, so it does not count
 * (like unknown arguments, it leaves the call classified).
 */
function positionalGiven(context: ClassifyContext | undefined): number {
  if (context?.positional !== undefined) return context.positional;
  return context?.args?.filter((a) => a.name === undefined && !a.text.startsWith('*')).length ?? 0;
}

/** A resource-opening call (`resources:` in rules/apis/*.yml). */
export interface ResourceOpen {
  /** The method that closes it (`close`, `putconn`, `end`, `closeSync`). */
  close: string;
  /** Python: a `with` block over the call closes it (a DB-API connection's `with` commits but does not close). */
  closedByWith: boolean;
}

/** The schema of rules/apis/*.yml (built with zod on first use: the compiled copy needs no validation). */
export const apiFileSchema = lazySchema((z) => {
  const patternList = z.array(z.string().min(1));
  const kindMap = z.partialRecord(z.enum(CALL_KINDS), patternList);
  return z.strictObject({
    /** `javascript` covers javascript, typescript and tsx. */
    language: z.enum(['python', 'javascript', 'typescript', 'tsx', 'go', 'java']),
    /** Dotted-callee patterns per kind; `*` matches any characters including dots, `{a,b}` alternatives. */
    kinds: kindMap.default({}),
    /** Calls classified by the SQL text of their first string argument. */
    sql_calls: patternList.default([]),
    /** Ambiguous calls (`session.get`) that are HTTP when their arguments look like a URL request. */
    url_calls: patternList.default([]),
    /**
     * Callees the catalogue never classifies although a pattern above would match them: an attribute of the code's
     * own object that shares a name with an API receiver (`self.objects.get` is not a Django manager).
     */
    not_calls: patternList.default([]),
    /**
     * Callee patterns with the fewest arguments the API's call takes (an S3 `get_object` names a bucket and a key in
     * every client: boto3's `Bucket=`/`Key=`, minio's two positional ones): the same name called with fewer is another
     * object's method (pypdf's `ref.get_object()`, `reader.get_object(ref)`) and the patterns above do not classify it.
     */
    min_args: z.record(z.string().min(1), z.number().int().min(1)).default({}),
    /**
     * Callee patterns with the most positional arguments the API's call takes (boto3's methods take keywords only:
     * DynamoDB's `table.get_item(Key=...)`; redis-py's `get(name)` one): the same name called with more is another
     * object's method (jedi's `values.get_item(index, node)`, a dict's `r.get("key", [])`), not classified.
     */
    max_positional: z.record(z.string().min(1), z.number().int().min(0)).default({}),
    /**
     * The same bound for one kind only (`db-commit: {"*.commit": 0}`): a call with more positional arguments is not
     * of that kind but keeps the others its name has (a DB-API `conn.commit()` takes none; GitPython's
     * `repo.commit(sha)` looks a commit up, while a Kafka consumer's `consumer.commit(msg)` still acknowledges).
     */
    max_positional_by_kind: z.partialRecord(z.enum(CALL_KINDS), z.record(z.string().min(1), z.number().int().min(0))).default({}),
    /**
     * Callee patterns whose receiver must be declared with one of these types (simple-name globs) where the code
     * declares it: JDBC's `executeUpdate` on any receiver is a statement's, but `command.executeUpdate(null)` on a
     * `CommandInterface command` (a database engine's own command) is that type's method, left to its summary.
     * A receiver whose type the code does not state (a parameter of a lambda, `var`, a chain) keeps the match.
     */
    receiver_types: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
    /** Names that only suggest a kind (`fetch_*`, `obj.save`): classified with low confidence. */
    guesses: kindMap.default({}),
    /** Calls that wait for something (`blocking`) or return at once (`immediate`); see WaitClass. */
    waits: z.strictObject({ blocking: patternList.default([]), immediate: patternList.default([]) }).optional(),
    /** Method names (the callee's last segment, no wildcards) per role; see CallRole. */
    roles: z.partialRecord(z.enum(CALL_ROLES), z.array(z.string().regex(/^[A-Za-z_$][\w$]*$/))).optional(),
    /**
     * Calls that open something the code must close, in order (the first match wins): the callee glob, the method
     * that closes it, whether `with` closes it, and whether it counts only as `new X(...)` or only when awaited.
     */
    resources: z
      .array(
        z.strictObject({
          open: z.string().min(1),
          close: z.string().regex(/^[A-Za-z_$][\w$]*$/),
          with: z.boolean().optional(),
          new: z.boolean().optional(),
          awaited: z.boolean().optional(),
        }),
      )
      .optional(),
    /** Callee globs per nature of the value the call builds; see BuiltValue. */
    builds: z.partialRecord(z.enum(BUILT_VALUES), patternList).optional(),
  });
});
export type ApiFile = z.infer<ReturnType<typeof apiFileSchema>>;

interface CompiledPattern {
  re: RegExp;
  glob: string;
}

interface CompiledKinds extends CompiledPattern {
  kind: CallKind;
}

interface LanguageBase {
  kinds: CompiledKinds[];
  sql: CompiledPattern[];
  url: CompiledPattern[];
  not: CompiledPattern[];
  minArgs: Array<CompiledPattern & { count: number }>;
  maxPositional: Array<CompiledPattern & { count: number }>;
  receiverTypes: Array<CompiledPattern & { types: RegExp[] }>;
  kindMaxPositional: Array<CompiledKinds & { count: number }>;
  guesses: CompiledKinds[];
  blocking: CompiledPattern[];
  immediate: CompiledPattern[];
  roles: Map<CallRole, Set<string>>;
  resources: Array<CompiledPattern & ResourceOpen & { constructed: boolean; awaited: boolean }>;
  builds: Map<BuiltValue, CompiledPattern[]>;
}

/**
 * The last segments of the names a glob can match (`*.{fetchall,fetchone}` → fetchall, fetchone;
 * `get_object_or_404` → itself), or null when that segment has a wildcard (`logging.*`, `*create_engine`). A name
 * whose last segment is not among them cannot match the anchored pattern, so most patterns need no test at all.
 */
export function lastSegments(glob: string): string[] | null {
  const expanded = expandBraces(glob);
  if (expanded.length === 0) return null;
  const out = new Set<string>();
  for (const g of expanded) {
    const segment = g.slice(g.lastIndexOf('.') + 1);
    if (segment.includes('*')) return null;
    out.add(segment);
  }
  return [...out];
}

/** `{a,b}.x` → a.x, b.x; [] past 4096 names. */
function expandBraces(glob: string): string[] {
  let expanded = [''];
  for (const part of glob.split(/(\{[^}]*\})/)) {
    const options = part.startsWith('{') && part.endsWith('}') ? part.slice(1, -1).split(',') : [part];
    expanded = expanded.flatMap((prefix) => options.map((o) => prefix + o));
    if (expanded.length > 4096) return [];
  }
  return expanded;
}

/** Characters a glob takes literally that a regular expression would not. */
const REGEX_SPECIAL = /[.+?^$()|[\]\\]/g;

/** Glob over a dotted callee: `*` is any run of characters (dots included), `{a,b}` alternatives; anchored. */
export function compilePattern(pattern: string, anyReceiver = false): RegExp {
  // The text between the glob's own characters is escaped a run at a time: one replace per character cost ~25 ms
  // of every CLI start (the API files' ~1,000 patterns, run before V8 optimises anything).
  let out = '';
  let inBraces = false;
  let from = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    let glob: string;
    if (ch === '*') glob = '.*';
    else if (ch === '{') {
      glob = '(?:';
      inBraces = true;
    } else if (ch === '}' && inBraces) {
      glob = ')';
      inBraces = false;
    } else if (ch === ',' && inBraces) glob = '|';
    else continue;
    out += pattern.slice(from, i).replace(REGEX_SPECIAL, '\\$&') + glob;
    from = i + 1;
  }
  out += pattern.slice(from).replace(REGEX_SPECIAL, '\\$&');
  return new RegExp(anyReceiver ? `^(?:.*\\.)?${out}$` : `^${out}$`);
}

function compileKinds(map: Partial<Record<CallKind, string[]>>, anyReceiver = false): CompiledKinds[] {
  const out: CompiledKinds[] = [];
  for (const kind of CALL_KINDS) for (const p of map[kind] ?? []) out.push({ kind, re: compilePattern(p, anyReceiver), glob: p });
  return out;
}

function familyOf(language: Language): Language[] {
  if (language === 'python' || language === 'go' || language === 'java') return [language];
  return ['javascript', 'typescript', 'tsx'];
}

let builtIn: Map<Language, LanguageBase> | undefined;

/**
 * Worker threads inherit the main thread's compiled API files through the environment data (a structured clone:
 * maps, arrays and regular expressions), as they inherit the rule catalogue: reading and validating the YAML again
 * cost every thread about 60 ms.
 */
const INHERITED_APIS = 'coze-loop:api-files';

function inheritedApiFiles(): Map<Language, LanguageBase> | undefined {
  if (isMainThread) return undefined;
  const value = getEnvironmentData(INHERITED_APIS);
  return value instanceof Map ? (value as Map<Language, LanguageBase>) : undefined;
}

function shareApiFiles(bases: Map<Language, LanguageBase>): Map<Language, LanguageBase> {
  if (isMainThread) setEnvironmentData(INHERITED_APIS, bases);
  return bases;
}

export const API_DIR = join(PROJECT_ROOT, 'rules', 'apis');
/** dist/api-files.json: the validated API files, written by `npm run build` (see core/data-files.ts). */
export const COMPILED_APIS = 'api-files';

function parseApiFile(text: string, file: string): ApiFile {
  const result = apiFileSchema().safeParse(yaml().parse(text));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`rules/apis/${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return result.data;
}

/** Parses and validates the API files of `dir`, ignoring any compiled copy; with the hash of what was read. */
export function compileApiFiles(dir = API_DIR): { hash: string; data: ApiFile[] } {
  const { files, texts, hash } = readDataFiles(dir);
  return { hash, data: files.map((f, i) => parseApiFile(texts[i]!, f)) };
}

/** Reads and validates rules/apis/*.yml; an invalid file is an error naming the file and the key. */
export function loadApiFiles(dir = API_DIR): Map<Language, LanguageBase> {
  const bases = new Map<Language, LanguageBase>();
  for (const language of LANGUAGES) bases.set(language, { kinds: [], sql: [], url: [], not: [], minArgs: [], maxPositional: [], receiverTypes: [], kindMaxPositional: [], guesses: [], blocking: [], immediate: [], roles: new Map(), resources: [], builds: new Map() });
  const { files, texts, hash } = readDataFiles(dir);
  const compiled = dir === API_DIR ? readCompiled<ApiFile[]>(COMPILED_APIS, hash) : undefined;
  for (const data of compiled ?? files.map((f, i) => parseApiFile(texts[i]!, f))) {
    for (const language of familyOf(data.language)) {
      const base = bases.get(language)!;
      base.kinds.push(...compileKinds(data.kinds));
      base.sql.push(...data.sql_calls.map((p) => ({ re: compilePattern(p), glob: p })));
      base.url.push(...data.url_calls.map((p) => ({ re: compilePattern(p), glob: p })));
      base.not.push(...(data.not_calls ?? []).map((p) => ({ re: compilePattern(p), glob: p })));
      for (const [p, count] of Object.entries(data.min_args ?? {})) {
        base.minArgs.push({ re: compilePattern(p), glob: p, count });
        // `mapper.getJsonFactory().createJsonGenerator(writer)` matches `*mapper.get*` across the chain, but the
        // bound is about the inner call (`getJsonFactory()`, no argument), classified on its own; the outer call's
        // arguments say nothing about it, so a chain past such a call is not the API's (a bound no call meets).
        if (/\*[^.{}]*$|\*[^.]*\}$/.test(p)) base.minArgs.push({ re: compilePattern(`${p}().*`), glob: `${p}().*`, count: Number.MAX_SAFE_INTEGER });
      }
      for (const [p, count] of Object.entries(data.max_positional ?? {})) base.maxPositional.push({ re: compilePattern(p), glob: p, count });
      for (const [p, types] of Object.entries(data.receiver_types ?? {})) base.receiverTypes.push({ re: compilePattern(p), glob: p, types: types.map((t) => compilePattern(t)) });
      for (const [kind, bounds] of Object.entries(data.max_positional_by_kind ?? {}) as Array<[CallKind, Record<string, number>]>) {
        for (const [p, count] of Object.entries(bounds)) base.kindMaxPositional.push({ re: compilePattern(p), glob: p, kind, count });
      }
      base.guesses.push(...compileKinds(data.guesses));
      base.blocking.push(...(data.waits?.blocking ?? []).map((p) => ({ re: compilePattern(p), glob: p })));
      base.immediate.push(...(data.waits?.immediate ?? []).map((p) => ({ re: compilePattern(p), glob: p })));
      for (const role of CALL_ROLES) {
        const names = data.roles?.[role];
        if (!names) continue;
        const set = base.roles.get(role) ?? new Set<string>();
        for (const name of names) set.add(name);
        base.roles.set(role, set);
      }
      for (const r of data.resources ?? []) {
        base.resources.push({ re: compilePattern(r.open), glob: r.open, close: r.close, closedByWith: r.with ?? false, constructed: r.new ?? false, awaited: r.awaited ?? false });
      }
      for (const value of BUILT_VALUES) {
        const globs = data.builds?.[value];
        if (globs) base.builds.set(value, [...(base.builds.get(value) ?? []), ...globs.map((p) => ({ re: compilePattern(p), glob: p }))]);
      }
    }
  }
  return bases;
}

/** Callee as matched: call arguments and subscripts dropped (`db["x"].find(q).limit` → `db[].find().limit`). */
export function normalizeCallee(callee: string): string {
  // Most callees (`self.session.query`) have nothing to drop: without whitespace or brackets the text is the result.
  if (!/[\s()[\]]/.test(callee)) return callee;
  return elideBrackets(callee.replace(/^\s*await\s+/, ''), true);
}

/**
 * The text with what call parentheses and subscripts hold dropped, the brackets kept (`a.f(x)[0].g` → `a.f()[].g`);
 * whitespace too when `dropSpaces`.
 */
export function elideBrackets(text: string, dropSpaces = false): string {
  let out = '';
  let depth = 0;
  for (const ch of text) {
    if (ch === '(' || ch === '[') {
      if (depth === 0) out += ch;
      depth++;
    } else if (ch === ')' || ch === ']') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) out += ch;
    } else if (depth === 0 && !(dropSpaces && /\s/.test(ch))) out += ch;
  }
  return out;
}

/** Kinds implied by SQL text: SELECT → db-read, INSERT/UPDATE/DELETE/UPSERT → db-write, FOR UPDATE → lock, COMMIT. */
export function classifySql(sql: string): CallKind[] {
  const keyword = leadingSqlWord(sql)?.toUpperCase();
  const kinds = new Set<CallKind>();
  const upper = sql.toUpperCase();
  switch (keyword) {
    case 'SELECT':
    case 'SHOW':
    case 'VALUES':
      kinds.add('db-read');
      break;
    case 'WITH':
      kinds.add(/\b(INSERT|UPDATE|DELETE|MERGE)\b/.test(upper) ? 'db-write' : 'db-read');
      break;
    case 'INSERT':
    case 'UPDATE':
    case 'DELETE':
    case 'UPSERT':
    case 'MERGE':
    case 'REPLACE':
      kinds.add('db-write');
      break;
    case 'COMMIT':
      kinds.add('db-commit');
      break;
    case 'LOCK':
      kinds.add('lock');
      break;
    default:
      break;
  }
  if (/\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b|\bSKIP\s+LOCKED\b|\bFOR\s+SHARE\b|PG_(?:TRY_)?ADVISORY/.test(upper)) kinds.add('lock');
  if (kinds.has('db-write') && /\bRETURNING\b/.test(upper)) kinds.add('db-read');
  return [...kinds];
}

const WRITE_HINT = /insert|update|delete|upsert|merge/i;
/**
 * `fig.get_layout_engine().execute(fig)`, `self.get_render_engine().run(scene)`: the receiver is what a getter named
 * for some other kind of engine (`get_<what>_engine()`) returns, and what it is handed does not read as a statement.
 * A layout or render engine, not a database one; `db.get_engine().execute(stmt)` and a statement-like argument
 * (`get_read_engine().execute(query)`, `select(...)`) keep the hint.
 */
const QUALIFIED_ENGINE_GETTER = /(?:^|\.)get_[a-z0-9]+(?:_[a-z0-9]+)*_engine\(\)\.\w+$/i;
/**
 * Go: a context value (`ctx`, `r.Context()`, `t.context`, `context.Background()`). `Exec(ctx)`/`Query(ctx)` given only
 * a context has no statement at all: it runs something already built (a query object of an in-process expression
 * engine, a prepared command), not SQL held in a variable.
 */
const GO_CONTEXT_ARG = /^(?:[\w.]*\.)?(?:ctx|\w*Ctx|context|\w*Context\(\)|context\.(?:Background|TODO)\(\))$/;
const STATEMENT_LIKE = /sql|query|stmt|statement|select|insert|update|delete|upsert|merge|text\(|ddl|dml|command|cmd|^(?:q|s)$/i;

function urlLike(args: ArgFact[] | undefined): boolean {
  if (!args || args.length === 0) return false;
  for (const arg of args) {
    if (arg.name && /^(url|params|json|data|headers|timeout|auth|allow_redirects|cookies|body|method)$/.test(arg.name)) return true;
  }
  const first = args.find((a) => a.name === undefined);
  if (!first) return false;
  if (first.string !== undefined) return /^(https?:\/\/|\/)/.test(first.string);
  // An f-string or template literal is a URL when it reads like one: `f"https://..."`, `f"/users/{id}"`,
  // `f"{base_url}/x"`, `${this.baseUrl}/x`. A key such as `f"{i}__c"` or `user:${id}` (a dict or cache get) is not.
  const template = /^f["']|^`/.exec(first.text);
  if (template) {
    const body = first.text.slice(template[0].length);
    if (/^(?:https?:|\/)/.test(body)) return true;
    const head = /^(?:\$?\{)([^}]{0,80})\}/.exec(body);
    return head !== null && (/url|uri|host|base|endpoint|api|server/i.test(head[1]!) || body.charAt(head[0].length) === '/');
  }
  return /https?:|url|uri|endpoint/i.test(first.text);
}

interface NameMatch {
  kinds: CallKind[];
  sql: boolean;
  url: boolean;
  guesses: CallKind[];
  /** The fewest arguments the API's call takes (`min_args`), 0 when the name says nothing of them. */
  minArgs: number;
  /** The most positional arguments the API's call takes (`max_positional`), infinite when the name says nothing. */
  maxPositional: number;
  /** Kinds the call is not when it passes more positional arguments than the bound (`max_positional_by_kind`). */
  kindMaxPositional: Array<[CallKind, number]>;
}

const NO_MATCH: NameMatch = { kinds: [], sql: false, url: false, guesses: [], minArgs: 0, maxPositional: Number.POSITIVE_INFINITY, kindMaxPositional: [] };

/** `compute()` for `key` in `language`, kept in `store` (cleared past 100,000 names, so a huge repository stays bounded). */
function memoByLanguage<T>(store: Map<Language, Map<string, T>>, language: Language, key: string, compute: () => T): T {
  let known = store.get(language);
  if (!known) store.set(language, (known = new Map()));
  if (known.has(key)) return known.get(key)!;
  const value = compute();
  if (known.size > 100_000) known.clear();
  known.set(key, value);
  return value;
}

class DataKnowledgeBase implements KnowledgeBase {
  // Pattern matching is cached per name (the same callees recur across a repository); the context-dependent part
  // (SQL text, URL-looking arguments) is cheap and computed per call.
  private readonly cache = new Map<Language, Map<string, NameMatch>>();

  constructor(
    private readonly bases: Map<Language, LanguageBase>,
    private readonly extra: CompiledKinds[],
    /** The repository's `roles:`, `resources:` and `builds:` (every language; tried before the catalogue's). */
    private readonly own: OwnApis = EMPTY_OWN,
  ) {}

  /** waitOf's answers per language and callee (asked for every classified call of a file's loops). */
  private readonly waits = new Map<Language, Map<string, WaitClass | null>>();

  waitOf(language: Language, callee: string): WaitClass | undefined {
    const base = this.bases.get(language);
    if (!base || callee.length > MAX_CALLEE_CHARS) return undefined;
    const wait = memoByLanguage(this.waits, language, callee, () => {
      const name = normalizeCallee(callee);
      return base.blocking.some((p) => p.re.test(name)) ? 'blocking' : base.immediate.some((p) => p.re.test(name)) ? 'immediate' : null;
    });
    return wait ?? undefined;
  }

  declaresRole(method: string, role: CallRole): boolean {
    return this.own.roles.get(role)?.has(method) === true;
  }

  hasRole(language: Language, method: string, role: CallRole): boolean {
    return this.own.roles.get(role)?.has(method) === true || (this.bases.get(language)?.roles.get(role)?.has(method) ?? false);
  }

  resourceOf(language: Language, callee: string, how: { constructed?: boolean; awaited?: boolean } = {}): ResourceOpen | undefined {
    const base = this.bases.get(language);
    if (!base || callee.length > MAX_CALLEE_CHARS) return undefined;
    const constructed = how.constructed ?? false;
    for (const list of [this.own.resources, base.resources]) {
      for (const r of list) {
        if (r.constructed !== constructed || (r.awaited && !how.awaited) || !r.re.test(callee)) continue;
        return { close: r.close, closedByWith: r.closedByWith };
      }
    }
    return undefined;
  }

  receiverTypeAllows(language: Language, callee: string, type: string): boolean {
    if (callee.length > MAX_CALLEE_CHARS) return true;
    const name = normalizeCallee(callee);
    for (const entry of this.bases.get(language)?.receiverTypes ?? []) {
      if (entry.re.test(name) && !entry.types.some((t) => t.test(type))) return false;
    }
    return true;
  }

  builds(language: Language, callee: string, value: BuiltValue): boolean {
    if (callee.length > MAX_CALLEE_CHARS) return false;
    if (this.own.builds.get(value)?.some((p) => p.re.test(callee))) return true;
    return this.bases.get(language)?.builds.get(value)?.some((p) => p.re.test(callee)) ?? false;
  }

  namesPackage(language: Language, pkg: string, method: string): boolean {
    const base = this.bases.get(language);
    if (!base) return false;
    return indexOf(base).packages.has(pkg) || this.match(language, `${pkg}.${method}`) !== NO_MATCH;
  }

  classify(language: Language, callee: string, context?: ClassifyContext): Classification {
    const match = this.match(language, normalizeCallee(callee));
    if (match === NO_MATCH) return { kinds: [], confidence: 'high' };
    if (match.minArgs > 0 && argumentsGiven(context) < match.minArgs) return { kinds: [], confidence: 'high' };
    if (positionalGiven(context) > match.maxPositional) return { kinds: [], confidence: 'high' };
    const kinds = new Set<CallKind>(match.kinds);
    for (const [kind, count] of match.kindMaxPositional) if (positionalGiven(context) > count) kinds.delete(kind);
    if (kinds.size === 0 && match.kinds.length > 0 && !match.sql && !match.url && match.guesses.length === 0) return { kinds: [], confidence: 'high' };
    let confidence: CallConfidence = 'high';
    let by: ClassifiedBy | undefined = kinds.size > 0 ? 'api' : undefined;
    if (match.sql) {
      if (context?.sql !== undefined && context.sql.trim() !== '') {
        const sqlKinds = classifySql(context.sql);
        if (sqlKinds.length > 0) {
          // The SQL text is more precise than the method's default (`execute` is neither read nor write).
          kinds.delete('db-read');
          kinds.delete('db-write');
          by = 'sql';
        }
        for (const k of sqlKinds) kinds.add(k);
      } else if (kinds.size === 0) {
        // No SQL text: a statement held in a variable (`cur.execute(INSERT_ORDER, row)`) is still a round trip;
        // its name says read or write. A non-SQL string or no argument at all (`job.execute()`) says nothing.
        const positional = context?.args?.filter((a) => a.name === undefined) ?? [];
        const first = language === 'go' && positional.every((a) => GO_CONTEXT_ARG.test(a.text.trim())) ? undefined : positional[0];
        if (first && first.string === undefined && first.number === undefined && !(QUALIFIED_ENGINE_GETTER.test(normalizeCallee(callee)) && !STATEMENT_LIKE.test(first.text))) {
          kinds.add(WRITE_HINT.test(first.text) ? 'db-write' : 'db-read');
          confidence = 'low';
          by = 'sql-hint';
        }
      }
    }
    if (kinds.size === 0 && match.url && urlLike(context?.args)) {
      kinds.add('http');
      by = 'url';
    }
    if (kinds.size === 0 && match.guesses.length > 0) {
      for (const k of match.guesses) kinds.add(k);
      confidence = 'low';
      by = 'guess';
    }
    return by === undefined ? { kinds: [...kinds], confidence } : { kinds: [...kinds], confidence, by };
  }

  private match(language: Language, name: string): NameMatch {
    // No API name is this long; a repository's `apis:` globs (at most 3 wildcards, see config/glob.ts) compile to
    // regexes that backtrack polynomially, so a callee built to be long (a 100 KB chain) is not matched at all.
    if (name.length > MAX_CALLEE_CHARS) return NO_MATCH;
    return memoByLanguage(this.cache, language, name, () => this.matchPatterns(this.bases.get(language), name));
  }

  private matchPatterns(base: LanguageBase | undefined, name: string): NameMatch {
    const kinds = new Set<CallKind>();
    for (const { kind, re } of this.extra) if (re.test(name)) kinds.add(kind);
    const guesses = new Set<CallKind>();
    let sql = false;
    let url = false;
    let minArgs = 0;
    let maxPositional = Number.POSITIVE_INFINITY;
    const kindMaxPositional: Array<[CallKind, number]> = [];
    if (base) {
      // Only the patterns that can match a name with this last segment, and the ones with a wildcard there when
      // one expression over all of those says that one of them might; in the catalogue's order.
      const index = indexOf(base);
      const keyed = index.bySegment.get(name.slice(name.lastIndexOf('.') + 1)) ?? [];
      const wild = index.anyWild.test(name) ? index.wild : [];
      for (const entry of mergeByOrder(keyed, wild)) {
        if (!entry.re.test(name)) continue;
        if (entry.role === 'not') return NO_MATCH;
        if (entry.role === 'min-args') minArgs = Math.max(minArgs, entry.count);
        else if (entry.role === 'max-positional') maxPositional = Math.min(maxPositional, entry.count);
        else if (entry.role === 'kind-max-positional') kindMaxPositional.push([entry.kind!, entry.count]);
        else if (entry.role === 'kind') kinds.add(entry.kind!);
        else if (entry.role === 'sql') sql = true;
        else if (entry.role === 'url') url = true;
        else guesses.add(entry.kind!);
      }
    }
    return kinds.size === 0 && !sql && !url && guesses.size === 0 ? NO_MATCH : { kinds: [...kinds], sql, url, guesses: [...guesses], minArgs, maxPositional, kindMaxPositional };
  }

}

interface IndexEntry {
  order: number;
  role: 'kind' | 'sql' | 'url' | 'guess' | 'not' | 'min-args' | 'max-positional' | 'kind-max-positional';
  /** `min-args` / `max-positional`: the bound. */
  count: number;
  kind: CallKind | undefined;
  re: RegExp;
}

interface BaseIndex {
  /** Patterns by the last segment of the names they can match (see lastSegments). */
  bySegment: Map<string, IndexEntry[]>;
  /** Patterns with a wildcard in their last segment, and one expression matching what any of them matches. */
  wild: IndexEntry[];
  anyWild: RegExp;
  /** Packages the patterns name as a callee's first segment (`http`, `redis`, `sql`): see namesPackage. */
  packages: Set<string>;
}

// One index per language base, shared by every knowledge base built on it (one per config's `apis:`).
const indexes = new WeakMap<LanguageBase, BaseIndex>();

function indexOf(base: LanguageBase): BaseIndex {
  let index = indexes.get(base);
  if (!index) {
    index = buildIndex(base);
    indexes.set(base, index);
  }
  return index;
}

function buildIndex(base: LanguageBase): BaseIndex {
  const all: Array<[IndexEntry, string]> = [];
  const add = (role: IndexEntry['role'], kind: CallKind | undefined, p: CompiledPattern, count = 0) => all.push([{ order: all.length, role, kind, re: p.re, count }, p.glob]);
  for (const p of base.kinds) add('kind', p.kind, p);
  for (const p of base.sql) add('sql', undefined, p);
  for (const p of base.url) add('url', undefined, p);
  for (const p of base.guesses) add('guess', p.kind, p);
  for (const p of base.not) add('not', undefined, p);
  for (const p of base.minArgs) add('min-args', undefined, p, p.count);
  for (const p of base.maxPositional) add('max-positional', undefined, p, p.count);
  for (const p of base.kindMaxPositional) add('kind-max-positional', p.kind, p, p.count);
  const bySegment = new Map<string, IndexEntry[]>();
  const wild: IndexEntry[] = [];
  for (const [entry, glob] of all) {
    const segments = lastSegments(glob);
    if (!segments) {
      wild.push(entry);
      continue;
    }
    for (const segment of segments) {
      const list = bySegment.get(segment);
      if (list) list.push(entry);
      else bySegment.set(segment, [entry]);
    }
  }
  const anyWild = wild.length === 0 ? /(?!)/ : new RegExp(wild.map((e) => `(?:${e.re.source})`).join('|'));
  const packages = new Set<string>();
  for (const [entry, glob] of all) {
    // Guesses and argument bounds name no API of their own.
    if (entry.role === 'guess' || entry.role === 'min-args' || entry.role === 'max-positional') continue;
    for (const name of expandBraces(glob)) {
      const first = name.slice(0, name.indexOf('.'));
      if (/^[A-Za-z_]\w*$/.test(first)) packages.add(first);
    }
  }
  return { bySegment, wild, anyWild, packages };
}

/** Two lists sorted by `order`, merged in that order. */
function mergeByOrder(a: IndexEntry[], b: IndexEntry[]): IndexEntry[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: IndexEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.order < b[j]!.order)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/**
 * A call whose receiver's declared type is known (Go: `c *http.Client`, `cache *lru.Cache`; see
 * facts/go-types.ts): the type decides over receiver-name patterns. A type of a package the catalogue knows as I/O
 * is classified by its own spellings (`http.Client.Do`, `Client.Do`, `http.Do`, `client.Do`), not by the name the
 * code gave the value (`s.client.Get` on a `*grpc.ClientConn` is no HTTP GET); a type of any other package
 * (`lru.Cache`, `lru.` from `lru.New(...)`) takes back a catalogue match made on the name (`*cache.Get` as a Redis
 * read), and so does a guess made from the name (`cache.Get`). SQL text and effect summaries stand; so does a type of the code's own
 * package, whose methods summaries resolve.
 */
export function classifyWithType(kb: KnowledgeBase, language: Language, callee: string, type: string, context?: ClassifyContext): Classification {
  const named = kb.classify(language, callee, context);
  const dot = type.indexOf('.');
  if (dot < 0 || (named.by !== undefined && named.by !== 'api' && named.by !== 'guess')) return named;
  const method = callee.slice(callee.lastIndexOf('.') + 1);
  const pkg = type.slice(0, dot);
  const none: Classification = { kinds: [], confidence: 'high' };
  if (!kb.namesPackage?.(language, pkg, method)) return named.kinds.length > 0 ? none : named;
  if (dot === type.length - 1) return named;
  // The type as the catalogue may spell its receiver: `redis.Client.Get`, `Client.Get`, `redis.Get`, `client.Get`.
  const name = type.slice(dot + 1);
  for (const receiver of [type, name, pkg, name.charAt(0).toLowerCase() + name.slice(1)]) {
    const typed = kb.classify(language, `${receiver}.${method}`, context);
    // The name's own match stands when the type confirms it is I/O (`cache *redis.Client`: a Redis read, not HTTP).
    if (typed.kinds.length > 0) return named.kinds.length > 0 ? named : typed;
  }
  return none;
}

const kbByApis = new WeakMap<object, KnowledgeBase>();

type OwnApis = Omit<LanguageBase, 'kinds' | 'sql' | 'url' | 'not' | 'minArgs' | 'maxPositional' | 'receiverTypes' | 'kindMaxPositional' | 'guesses' | 'blocking' | 'immediate'>;
const EMPTY_OWN: OwnApis = { roles: new Map(), resources: [], builds: new Map() };

/** The repository's `roles:`, `resources:` and `builds:`; globs match as its kinds' do (a bare name also as a method). */
function compileOwn(apis: ApisConfig): OwnApis {
  if (!apis.roles && !apis.resources && !apis.builds) return EMPTY_OWN;
  const roles = new Map<CallRole, Set<string>>();
  for (const role of CALL_ROLES) if (apis.roles?.[role]) roles.set(role, new Set(apis.roles[role]));
  const resources = (apis.resources ?? []).map((r) => ({
    re: compilePattern(r.open, true),
    glob: r.open,
    close: r.close,
    closedByWith: r.with ?? false,
    constructed: r.new ?? false,
    awaited: r.awaited ?? false,
  }));
  const builds = new Map<BuiltValue, CompiledPattern[]>();
  for (const value of BUILT_VALUES) if (apis.builds?.[value]) builds.set(value, apis.builds[value].map((p) => ({ re: compilePattern(p, true), glob: p })));
  return { roles, resources, builds };
}

/** The built-in knowledge base, extended by the config's `apis:` (which wins with high confidence). */
export function loadKnowledgeBase(config?: CozeLoopConfig): KnowledgeBase {
  builtIn ??= inheritedApiFiles() ?? shareApiFiles(loadApiFiles());
  const apis = config?.apis;
  if (apis && kbByApis.has(apis)) return kbByApis.get(apis)!;
  // A repository names its own helpers as it calls them: `send_to_bigdata` also matches `self.send_to_bigdata`.
  const kb = new DataKnowledgeBase(builtIn, compileKinds(apis ?? {}, true), apis ? compileOwn(apis) : EMPTY_OWN);
  if (apis) kbByApis.set(apis, kb);
  return kb;
}

/** For tests and the rule scaffold: forget the cached built-in files. */
export function resetKnowledgeBaseCache(): void {
  builtIn = undefined;
}
