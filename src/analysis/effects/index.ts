// Effect summaries: what each of the code's own functions does (queries, writes, commits, HTTP, sleeps, queue pops,
// subprocesses, connections...), from the API calls in its body and, to a bounded depth, from the functions it
// calls: in the same file, methods through `self.`/`this.` and `Class.`, and functions imported from other files of
// the repository (Python `import`/`from ... import`, relative JavaScript/TypeScript `import`/`require`).
//
// The engine hands the extractors a per-file knowledge base (`FileEffects`) instead of the shared one: a call the
// API catalogue does not know, that resolves to a function whose summary has I/O, gets that I/O with the confidence
// `summarised` and the chain (`via`) that justifies it. A call that resolves to a function that provably does no
// I/O loses a name-only guess. Everything else is the catalogue's answer, unchanged.
import { posix } from 'node:path';
import type { CozeLoopConfig } from '../../config/schema.js';
import type { Language } from '../../core/types.js';
import type { CallKind, EffectStep } from '../facts.js';
import type { Classification, ClassifiedBy, KnowledgeBase } from '../knowledge-base.js';
import { languageForPath, parseWithBudget, releaseTree } from '../parse.js';
import type { FlatTree } from '../flat-tree.js';
import { buildFileTable, classifyFunction, classifyImported, CLIENT_RECEIVER, hasPendingCalls, materializeCalls, type FileTable, type TableFunction } from './table.js';
import { goBuildExcludes } from './go-build.js';

/** Kinds a summary collects (what a function does that costs a round trip, a wait or a resource). */
export const SUMMARY_KINDS: ReadonlySet<CallKind> = new Set<CallKind>([
  'db-read',
  'db-write',
  'db-batch',
  'db-commit',
  'http',
  'connect',
  'sleep',
  'queue-pop',
  'queue-ack',
  'queue-publish',
  'file-open',
  'task-spawn',
  'lock',
  'subprocess',
]);

/**
 * Kinds a loop's call takes over from the summary of the function it calls. Opening a file or spawning a task
 * inside a helper says nothing about the caller's resources (the helper usually closes or keeps them); a
 * connection counts only when the helper opens and closes it (a connection per call).
 */
/** Kinds whose call can fail with the I/O behind it (a refused connection, a failed query): not a sleep or a lock. */
const FAILING_KINDS: ReadonlySet<CallKind> = new Set<CallKind>(['db-read', 'db-write', 'db-batch', 'db-commit', 'http', 'queue-pop', 'queue-ack', 'queue-publish', 'connect', 'subprocess', 'file-open']);

const APPLIED_KINDS: ReadonlySet<CallKind> = new Set<CallKind>(['db-read', 'db-write', 'db-batch', 'db-commit', 'http', 'sleep', 'queue-pop', 'queue-ack', 'queue-publish', 'lock', 'connect', 'subprocess']);

export interface EffectLimits {
  enabled: boolean;
  /** Longest chain followed: the loop's call counts as 1, the API call as the last. */
  max_depth: number;
  /** Most other files read per analysed file. */
  max_files: number;
}

export const DEFAULT_EFFECT_LIMITS: EffectLimits = { enabled: true, max_depth: 3, max_files: 24 };

export function effectLimits(config: CozeLoopConfig): EffectLimits {
  return (config as Partial<CozeLoopConfig>).effects ?? DEFAULT_EFFECT_LIMITS;
}

/** Where other files come from: the CLI reads the disk, the bots fetch files at the head commit. */
export type ContextReader = (path: string) => string | Buffer | undefined;
/** The file names of a directory (the CLI lists the disk), for Go's same-package files; undefined when unknown. */
export type ContextLister = (dir: string) => string[] | undefined;

/**
 * A Go package as a line scan sees it (no parse): the non-test `.go` files of one directory with the same
 * `package` clause, and which of them declares each function, method and type. Only the file that declares a
 * callee is then parsed (and counted against `effects.max_files`).
 */
export interface GoPackage {
  funcs: Map<string, string[]>;
  /** Receiver type → method name → files. */
  methods: Map<string, Map<string, string[]>>;
  types: Map<string, string[]>;
  /** The package clause of its files. */
  name?: string;
}

/**
 * Packages of the same Go module an analysed file's summaries follow (imports of its loops' calls, and of the
 * helpers they reach), and directories a run reads as such packages (a safety bound for a monorepo: past it, what
 * a file resolves can depend on which files came first).
 */
export const GO_IMPORTED_PER_FILE = 8;
export const GO_IMPORTED_PER_RUN = 1000;
/** Directories walked up from a Go file's to find its module's `go.mod`. */
export const GO_MODULE_DEPTH = 12;

/** The module path a `go.mod` declares (`module example.com/app`), if it has one. */
export function goModulePath(text: string): string | undefined {
  return /^module\s+"?([^\s"]+)"?\s*$/m.exec(text.slice(0, 100_000))?.[1];
}

/**
 * Go code from before modules (no `go.mod` above the file), laid out as `$GOPATH/src/<import path>`: an import of
 * the file's own repository (`github.com/acme/app/store` from `<gopath>/src/github.com/acme/app/cmd/x`: the import
 * path's host, owner and repository are three directories the file sits under) is that repository's directory.
 * Undefined for any other import: another repository is another module.
 */
export function goPathRepository(fromDir: string, importPath: string): { root: string; path: string } | undefined {
  const repo = importPath.split('/').slice(0, 3);
  if (repo.length < 3 || !repo[0]!.includes('.')) return undefined;
  const dirs = fromDir.split('/');
  for (let i = dirs.length - 3; i >= 0; i--) {
    if (dirs[i] === repo[0] && dirs[i + 1] === repo[1] && dirs[i + 2] === repo[2]) return { root: dirs.slice(0, i + 3).join('/'), path: repo.join('/') };
  }
  return undefined;
}

function addTo(map: Map<string, string[]>, key: string, path: string): void {
  const list = map.get(key);
  if (!list) map.set(key, [path]);
  else if (!list.includes(path)) list.push(path);
}

const GO_IDENT = /^[A-Za-z_]\w*/;

/** `func (s *Store[T]) Pending(` → { type: 'Store', name: 'Pending' }; `func Load(` → { name: 'Load' }. */
function goFuncLine(rest: string): { type?: string; name: string } | undefined {
  let text = rest.trimStart();
  let type: string | undefined;
  if (text.startsWith('(')) {
    const close = text.indexOf(')');
    if (close < 0) return undefined;
    const receiver = text.slice(1, close).replace(/\[.*$/, '').trim();
    const last = receiver.slice(receiver.lastIndexOf(' ') + 1).replace(/^\*/, '');
    if (!GO_IDENT.test(last)) return undefined;
    type = GO_IDENT.exec(last)![0];
    text = text.slice(close + 1).trimStart();
  }
  const name = GO_IDENT.exec(text)?.[0];
  return name ? { type, name } : undefined;
}

/** Scans one Go file's declarations into the package (returns its package clause). */
function scanGoFile(path: string, text: string, pkg: GoPackage): string | undefined {
  let packageName: string | undefined;
  let inTypeBlock = false;
  for (const line of text.split('\n')) {
    if (packageName === undefined) {
      if (line.startsWith('package ')) packageName = GO_IDENT.exec(line.slice(8).trimStart())?.[0];
      continue;
    }
    if (inTypeBlock) {
      if (line.startsWith(')')) inTypeBlock = false;
      else if (line.startsWith('\t') && !line.startsWith('\t\t')) {
        const name = GO_IDENT.exec(line.slice(1))?.[0];
        if (name) addTo(pkg.types, name, path);
      }
      continue;
    }
    if (line.startsWith('func ') || line.startsWith('func(')) {
      const decl = goFuncLine(line.slice(4));
      if (!decl) continue;
      if (decl.type === undefined) addTo(pkg.funcs, decl.name, path);
      else {
        let methods = pkg.methods.get(decl.type);
        if (!methods) pkg.methods.set(decl.type, (methods = new Map()));
        addTo(methods, decl.name, path);
      }
    } else if (line.startsWith('type ')) {
      const rest = line.slice(5).trimStart();
      if (rest.startsWith('(')) inTypeBlock = true;
      else {
        const name = GO_IDENT.exec(rest)?.[0];
        if (name) addTo(pkg.types, name, path);
      }
    }
  }
  return packageName;
}

/** One effect of a function and the calls that lead to it. */
interface Effect {
  steps: EffectStep[];
  sleepSeconds?: number;
  timeoutSeconds?: number;
  managed: boolean;
}

interface Summary {
  effects: Map<CallKind, Effect>;
  /** Calls something that is neither resolved nor known to be harmless: an empty summary proves nothing. */
  opaque: boolean;
  /**
   * Outside a handled `try`, it awaits a call nobody resolved (JS/TS: `await this.extendObjectAsync(id)`), makes one
   * known only by a name that suggests I/O (Python), or calls a function whose summary is exposed: a failure the
   * summary cannot see may reach the caller (`neverThrows` then proves nothing).
   */
  exposed?: boolean;
}

const EMPTY_OPAQUE: Summary = { effects: new Map(), opaque: true, exposed: true };

/** Calls that never do I/O: builtins and the common methods of strings, lists, dicts, maps, arrays, promises. */
const PURE_CALLS = new Set([
  // Python builtins
  'len', 'str', 'int', 'float', 'bool', 'list', 'dict', 'set', 'tuple', 'frozenset', 'range', 'enumerate', 'zip',
  'map', 'filter', 'sorted', 'reversed', 'min', 'max', 'sum', 'any', 'all', 'abs', 'round', 'isinstance',
  'issubclass', 'getattr', 'setattr', 'hasattr', 'repr', 'format', 'hash', 'id', 'iter', 'next', 'type', 'super',
  'divmod', 'pow', 'chr', 'ord', 'hex', 'bytes', 'bytearray', 'callable', 'vars', 'print', 'ValueError',
  'TypeError', 'KeyError', 'RuntimeError', 'Exception',
  // JavaScript globals
  'Number', 'String', 'Boolean', 'parseInt', 'parseFloat', 'isNaN', 'Array.isArray', 'Array.from', 'Object.keys',
  'Object.values', 'Object.entries', 'Object.assign', 'Object.freeze', 'JSON.stringify', 'JSON.parse', 'Math.max',
  'Math.min', 'Math.floor', 'Math.ceil', 'Math.round', 'Math.random', 'Math.abs', 'Date.now', 'Error',
]);
const PURE_METHODS = new Set([
  'append', 'extend', 'insert', 'pop', 'remove', 'get', 'items', 'keys', 'values', 'update', 'setdefault', 'copy',
  'join', 'split', 'strip', 'lstrip', 'rstrip', 'lower', 'upper', 'replace', 'startswith', 'endswith', 'format',
  'encode', 'decode', 'add', 'discard', 'count', 'index', 'sort', 'push', 'shift', 'unshift', 'slice', 'splice',
  'concat', 'includes', 'indexOf', 'map', 'filter', 'reduce', 'forEach', 'some', 'every', 'find', 'has', 'set',
  'delete', 'toString', 'trim', 'toLowerCase', 'toUpperCase', 'startsWith', 'endsWith', 'padStart', 'padEnd',
  'toFixed', 'match', 'test', 'exec', 'isoformat', 'strftime', 'total_seconds', 'debug', 'info', 'warning', 'warn',
  'error', 'exception', 'log', 'title', 'capitalize', 'casefold', 'zfill', 'ljust', 'rjust', 'center', 'rsplit',
  'splitlines', 'partition', 'rpartition', 'isdigit', 'isalpha', 'isalnum', 'isspace', 'isupper', 'islower',
  'most_common', 'hexdigest', 'digest', 'group', 'groups', 'groupdict', 'fullmatch', 'search', 'findall', 'sub',
  'toISOString', 'getTime', 'localeCompare', 'charAt', 'charCodeAt', 'repeat', 'flat', 'flatMap', 'fill',
  'findIndex', 'lastIndexOf', 'reverse', 'at',
]);

/** The most `.java` files of a directory EffectIndex.javaClassesIn reads. */
const JAVA_SCAN_FILES = 60;

/**
 * Java classes (and enums, records) of a source text with the interfaces they implement: `class JdbcOrderStore
 * extends Base implements OrderStore, Closeable {` → { name: JdbcOrderStore, interfaces: [OrderStore, Closeable] }.
 * Each header is read up to its `{` (at most 2,000 characters); type arguments and package qualifiers are dropped.
 */
export function scanJavaClasses(text: string): Array<{ name: string; interfaces: string[] }> {
  const out: Array<{ name: string; interfaces: string[] }> = [];
  for (const m of text.matchAll(/\b(?:class|enum|record)\s+([A-Za-z_$][\w$]*)/g)) {
    // Not in a comment line (`// this class implements ...`, a Javadoc line).
    const line = text.slice(text.lastIndexOf('\n', m.index) + 1, m.index).trimStart();
    if (line.startsWith('//') || line.startsWith('*') || line.startsWith('/*') || m[1] === 'implements' || m[1] === 'extends') continue;
    const brace = text.indexOf('{', m.index);
    const header = text.slice(m.index, brace < 0 ? m.index + 2000 : Math.min(brace, m.index + 2000));
    const at = header.search(/\bimplements\b/);
    if (at < 0) continue;
    // Type arguments dropped by depth (`Handler<Map<K, V>>`), so their commas do not split the list.
    let list = '';
    let depth = 0;
    for (const ch of header.slice(at + 'implements'.length)) {
      if (ch === '<') depth++;
      else if (ch === '>') depth = Math.max(0, depth - 1);
      else if (depth === 0) list += ch;
    }
    const interfaces = list.split(',').map((t) => t.trim().split('.').pop()!.trim()).filter((t) => /^[A-Za-z_$][\w$]*$/.test(t));
    out.push({ name: m[1]!, interfaces });
  }
  return out;
}

/** Go builtins and standard packages that compute, and the Java classes that do. */
const PURE_GO_JAVA = /^(?:len|cap|append|make|new|copy|delete|panic|recover|min|max|(?:strings|strconv|errors|sort|slices|maps|math|unicode|utf8|bytes)\.\w+|fmt\.(?:Sprintf|Sprint|Sprintln|Errorf)|(?:String|Math|Objects|Arrays|Collections|List|Map|Set|Optional|Integer|Long|Double|Boolean|Collectors)\.\w+)$/;
const PURE_JAVA_METHODS = new Set(['size', 'isEmpty', 'length', 'equals', 'hashCode', 'contains', 'containsKey', 'put', 'getOrDefault', 'stream', 'collect', 'toList', 'orElse', 'isPresent', 'substring', 'compareTo', 'getName', 'getId', 'builder', 'build']);

function isPure(callee: string): boolean {
  if (PURE_CALLS.has(callee) || PURE_GO_JAVA.test(callee)) return true;
  if (PURE_JAVA_METHODS.has(callee.slice(callee.lastIndexOf('.') + 1)) && callee.includes('.')) return true;
  // A method of a string literal (`"x".join`, `f"{a}".strip().title`, `\`${a}\`.toUpperCase`).
  if (/^(?:[rbuf]{0,2}["']|`)/i.test(callee)) return true;
  const dot = callee.lastIndexOf('.');
  return dot > 0 && PURE_METHODS.has(callee.slice(dot + 1));
}

/**
 * Source characters of the trees an index keeps for files it parsed before their own analysis (see `takeTree`); a
 * flat tree holds about 4 bytes of table per character. Past the bound such a file is simply parsed again. On the
 * Python standard library at most ~0.9 M characters wait at a time (68 of the 88 imported files are handed over).
 */
const HANDOFF_CHARS = 8_000_000;

const PY_EXTENSIONS = ['.py'];
const JS_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.jsx'];

/**
 * The function tables of a run, by path: the analysed files' own (built from their trees) and the other files
 * read for their summaries. One per CLI batch or worker thread, or per review; tables are small (names and lines).
 */
export class EffectIndex {
  private readonly tables = new Map<string, FileTable | null>();
  /** Paths of the analysed set (their directories are Go packages even when no lister is at hand). */
  private readonly analysed = new Set<string>();
  private readonly packages = new Map<string, GoPackage | null>();

  constructor(
    private readonly kb: KnowledgeBase,
    private readonly reader: ContextReader | undefined,
    private readonly contextFiles?: ReadonlyMap<string, string | Buffer>,
    private readonly lister?: ContextLister,
  ) {}

  /** The files being analysed together (a Go file's package siblings among them resolve without a lister). */
  register(paths: Iterable<string>): void {
    for (const path of paths) this.analysed.add(path);
  }

  /** The files of `dir` the run knows: analysed, in the context map (the bots' fetched files), or listed on disk. */
  private filesIn(dir: string): Set<string> {
    const names = new Set<string>();
    const inDir = (p: string): boolean => posix.dirname(p) === dir;
    for (const p of this.analysed) if (inDir(p)) names.add(p);
    if (this.contextFiles) for (const p of this.contextFiles.keys()) if (inDir(p)) names.add(p);
    let listed: string[] | undefined;
    try {
      listed = this.lister?.(dir);
    } catch {
      listed = undefined;
    }
    for (const name of listed ?? []) names.add(dir === '.' ? name : `${dir}/${name}`);
    return names;
  }

  /**
   * The Go package `packageName` in `dir`: its non-test `.go` files (listed, analysed, or in the context map) with
   * that `package` clause and no build constraint that leaves them out (goBuildExcludes), scanned by lines. Cached per directory and package name for the run.
   */
  goPackage(dir: string, packageName: string | undefined): GoPackage | undefined {
    const key = `${dir}\0${packageName ?? '*'}`;
    if (this.packages.has(key)) return this.packages.get(key) ?? undefined;
    const names = this.filesIn(dir);
    const pkg: GoPackage = { funcs: new Map(), methods: new Map(), types: new Map() };
    let files = 0;
    for (const path of [...names].sort()) {
      if (!path.endsWith('.go') || path.endsWith('_test.go')) continue;
      const text = this.text(path);
      // `//go:build ignore` (a generator kept beside the package): not part of it, and not counted in the bound.
      if (text !== undefined && text.length <= 1_000_000 && goBuildExcludes(text)) continue;
      // A package of hundreds of files is scanned up to a bound; the rest is unknown (a call there stays unresolved).
      if (++files > 400) break;
      if (text === undefined || text.length > 1_000_000) continue;
      const scratch: GoPackage = { funcs: new Map(), methods: new Map(), types: new Map() };
      const clause = scanGoFile(path, text, scratch);
      // An imported directory (no clause given): the clause of its first file, unless that is a command.
      if (packageName === undefined && clause !== undefined && clause !== 'main' && !clause.endsWith('_test')) packageName = clause;
      if (clause !== packageName) continue;
      for (const [n, ps] of scratch.funcs) for (const p of ps) addTo(pkg.funcs, n, p);
      for (const [n, ps] of scratch.types) for (const p of ps) addTo(pkg.types, n, p);
      for (const [t, ms] of scratch.methods) {
        let methods = pkg.methods.get(t);
        if (!methods) pkg.methods.set(t, (methods = new Map()));
        for (const [n, ps] of ms) for (const p of ps) addTo(methods, n, p);
      }
    }
    pkg.name = packageName;
    this.packages.set(key, pkg);
    return pkg;
  }

  private readonly goModules = new Map<string, { root: string; path: string } | null>();

  /**
   * The Go module a directory belongs to: the nearest `go.mod` walking up (at most GO_MODULE_DEPTH directories),
   * its directory and its `module` path. Cached per directory for the run.
   */
  goModule(dir: string): { root: string; path: string } | undefined {
    const walked: string[] = [];
    let found: { root: string; path: string } | null = null;
    let at = dir;
    for (let i = 0; i < GO_MODULE_DEPTH; i++) {
      const cached = this.goModules.get(at);
      if (cached !== undefined) {
        found = cached;
        break;
      }
      walked.push(at);
      const text = this.text(at === '.' ? 'go.mod' : posix.join(at, 'go.mod'));
      if (text !== undefined) {
        const module = goModulePath(text);
        found = module ? { root: at, path: module } : null;
        break;
      }
      const up = posix.dirname(at);
      if (up === at) break;
      at = up;
    }
    for (const d of walked) this.goModules.set(d, found);
    return found ?? undefined;
  }

  /** Imported directories read so far this run (bounded by GO_IMPORTED_PACKAGES). */
  private readonly goImportedDirs = new Set<string>();

  /**
   * The package an import path names when it is another package of the importing file's own module
   * (`example.com/app/internal/store` from a file under the module `example.com/app` → `<module root>/internal/store`);
   * undefined for the standard library, another module, or past the run's bound of imported directories.
   */
  goImportDir(fromDir: string, importPath: string): string | undefined {
    const declared = this.goModule(fromDir);
    const module = declared ?? goPathRepository(fromDir, importPath);
    if (!module || !importPath.startsWith(`${module.path}/`)) return undefined;
    const rest = importPath.slice(module.path.length + 1);
    if (rest.split('/').some((s) => s === '' || s === '.' || s === '..')) return undefined;
    const dir = module.root === '.' ? rest : posix.join(module.root, rest);
    // A directory with a go.mod of its own below the root is another module.
    return this.goModule(dir)?.root === declared?.root ? dir : undefined;
  }

  /** The package of an imported directory (goImportDir), scanned once per run; undefined past GO_IMPORTED_PER_RUN. */
  goImportedPackage(dir: string): GoPackage | undefined {
    if (!this.goImportedDirs.has(dir)) {
      if (this.goImportedDirs.size >= GO_IMPORTED_PER_RUN) return undefined;
      this.goImportedDirs.add(dir);
    }
    const pkg = this.goPackage(dir, undefined);
    return pkg?.name === undefined ? undefined : pkg;
  }

  private readonly javaClassesByDir = new Map<string, Array<{ path: string; name: string; interfaces: string[] }>>();

  /**
   * Java: the classes of `dir` (its `.java` files, analysed, in the context map or listed) with the interfaces each
   * declares it implements (simple names, type arguments dropped), scanned by text once per directory and run.
   */
  javaClassesIn(dir: string): Array<{ path: string; name: string; interfaces: string[] }> {
    const cached = this.javaClassesByDir.get(dir);
    if (cached) return cached;
    const names = this.filesIn(dir);
    const out: Array<{ path: string; name: string; interfaces: string[] }> = [];
    const files = [...names].filter((p) => p.endsWith('.java')).sort();
    // A package of more than JAVA_SCAN_FILES files (a library's `java/util`) is not read: its interfaces have many
    // implementations, and reading it again cost a JDK run a quarter of its time. Calls through it stay unresolved.
    if (files.length > JAVA_SCAN_FILES) files.length = 0;
    for (const path of files) {
      const text = this.text(path);
      if (text === undefined || text.length > 1_000_000) continue;
      for (const c of scanJavaClasses(text)) out.push({ path, ...c });
    }
    this.javaClassesByDir.set(dir, out);
    return out;
  }

  /** A file's text without keeping it (the package scan reads each sibling once). */
  private text(path: string): string | undefined {
    let content = this.contextFiles?.get(path);
    if (content === undefined && this.reader) {
      try {
        content = this.reader(path);
      } catch {
        content = undefined;
      }
    }
    if (content === undefined) return undefined;
    return typeof content === 'string' ? content : content.toString('utf8');
  }

  /** The table of a file being analysed (its tree is at hand). */
  tableFor(path: string, language: Language, tree: FlatTree): FileTable {
    const cached = this.tables.get(path);
    if (cached) return cached;
    // When the run says which files import which (`expectImported`), a file no other file imports needs its table
    // for its own analysis only: its calls' details are read as its summaries need them, and the table is dropped
    // when that analysis ends (`keepTableForImporters`).
    const table = buildFileTable(path, language, tree, this.importsKnown && !this.importedByRun.has(path));
    this.tables.set(path, table);
    this.readable.add(path);
    return table;
  }

  /** Whether the file exists as far as the index can tell (cached, in the context map, or readable). */
  has(path: string): boolean {
    return this.tables.has(path) ? this.readable.has(path) : this.contextFiles?.has(path) === true || this.probe(path);
  }

  /** Files `load` found (parsed or not): `has` answers the same before and after a load. */
  private readonly readable = new Set<string>();

  private readonly probed = new Map<string, string | Buffer | undefined>();

  private probe(path: string): boolean {
    if (!this.reader) return false;
    if (!this.probed.has(path)) {
      let content: string | Buffer | undefined;
      try {
        content = this.reader(path);
      } catch {
        content = undefined;
      }
      this.probed.set(path, content);
    }
    return this.probed.get(path) !== undefined;
  }

  /** Whether the file's table is already built (loading it again costs no parse; it still counts against the bound). */
  isLoaded(path: string): boolean {
    return this.tables.has(path);
  }

  /**
   * Paths the caller will analyse later in this run (`expectAnalysis`): a tree parsed here for one of them is kept,
   * up to HANDOFF_CHARS of source, and handed to that analysis (`takeTree`) instead of being parsed a second time.
   */
  private readonly pending = new Set<string>();
  private readonly handed = new Map<string, FlatTree>();
  private handedChars = 0;

  /** The caller will analyse these paths later (the CLI's file list). */
  expectAnalysis(paths: Iterable<string>): void {
    for (const path of paths) this.pending.add(path);
  }

  /**
   * The tree parsed for `path`'s table when its text was exactly `text`, handed over once (the caller owns it from
   * then on and releases it); undefined otherwise. The path is no longer expected either way.
   */
  takeTree(path: string, text: string): FlatTree | undefined {
    this.pending.delete(path);
    const tree = this.handed.get(path);
    if (!tree) return undefined;
    this.handed.delete(path);
    this.handedChars -= tree.source.length;
    if (tree.source === text) return tree;
    releaseTree(tree);
    return undefined;
  }

  /** Analysed files that other files of the run import (`expectImported`): their tables outlive their analysis. */
  private readonly importedByRun = new Set<string>();

  /**
   * These analysed files are imported by others of the run (the CLI reads the import lines of its Python files).
   * `complete`: every import of the run was read, so a file left out is imported by none (an import the scan missed
   * only costs that file a second parse when a summary needs it).
   */
  expectImported(paths: Iterable<string>, complete = false): void {
    for (const path of paths) this.importedByRun.add(path);
    if (complete) this.importsKnown = true;
  }

  /** expectImported was told the whole run's imports. */
  private importsKnown = false;

  /** Other files of the run import this one (`expectImported`). */
  isImportedByRun(path: string): boolean {
    return this.importedByRun.has(path);
  }

  /**
   * At the end of a file's own analysis, before its tree is released: when other files of the run import it and the
   * analysis did not need its table, the table is built now from the tree at hand, so that an importer's summary
   * does not read and parse the file a second time on this thread. The same table either way (the analysis builds
   * it from this tree when it needs it, `tableFor`). A table that cannot be built is left to `load`.
   */
  keepTableForImporters(path: string, language: Language, tree: FlatTree): void {
    const built = this.tables.get(path);
    // A table that read its calls on demand (no other file of the run imports this one) is dropped with the tree
    // those calls point into; should a summary need the file after all, `load` reads and parses it again.
    if (built && hasPendingCalls(built)) {
      this.tables.delete(path);
      return;
    }
    if (!this.importedByRun.has(path) || this.tables.has(path)) return;
    try {
      this.tableFor(path, language, tree);
    } catch {
      // load() tries again (and records null) if an importer needs it.
    }
  }

  /** Keeps `tree` for `path`'s analysis when that is expected and the bound allows; false when the caller frees it. */
  private handOff(path: string, tree: FlatTree): boolean {
    if (!this.pending.has(path) || this.handed.has(path) || this.handedChars + tree.source.length > HANDOFF_CHARS) return false;
    this.handed.set(path, tree);
    this.handedChars += tree.source.length;
    return true;
  }

  /** The table of another file: from the cache, or read, parsed and tabled once. null when unreadable or unparsable. */
  load(path: string): FileTable | null {
    if (this.tables.has(path)) return this.tables.get(path)!;
    let table: FileTable | null = null;
    const language = languageForPath(path);
    let content = this.contextFiles?.get(path);
    if (content === undefined && this.probe(path)) content = this.probed.get(path);
    this.probed.delete(path);
    if (content !== undefined) this.readable.add(path);
    if (language && content !== undefined) {
      const text = typeof content === 'string' ? content : content.toString('utf8');
      if (text.length <= 1_000_000 && !text.slice(0, 8192).includes('\0')) {
        let tree: FlatTree | undefined;
        try {
          tree = parseWithBudget(language, text, { timeoutMs: 2_000 + Math.ceil(text.length / 1024) * 5 });
          if (tree) table = buildFileTable(path, language, tree);
        } catch {
          table = null;
        } finally {
          if (tree && !(table && this.handOff(path, tree))) releaseTree(tree);
        }
      }
    }
    this.tables.set(path, table);
    return table;
  }
}

/**
 * Java: the source root a file sits under, from its package (`src/main/java/com/acme/y/Bar.java` in package
 * `com.acme.y` → `src/main/java`), else the usual Maven/Gradle layout (`.../java/`); undefined when neither says.
 */
export function javaSourceRoot(fromPath: string, packageName: string | undefined): string | undefined {
  const dir = posix.dirname(fromPath);
  if (packageName !== undefined) {
    const pkgDir = packageName.split('.').join('/');
    if (dir === pkgDir) return '.';
    if (dir.endsWith(`/${pkgDir}`)) return dir.slice(0, dir.length - pkgDir.length - 1);
    return undefined;
  }
  const at = `/${dir}/`.lastIndexOf('/java/');
  return at >= 0 ? `/${dir}/`.slice(1, at + 5).replace(/\/$/, '') || '.' : undefined;
}

/** Python: the module a `from` import names when the imported name is a submodule (`from app import db` → `app.db`). */
function submoduleOf(binding: { module: string; name: string }): string {
  return binding.module.endsWith('.') ? `${binding.module}${binding.name}` : `${binding.module}.${binding.name}`;
}

/** The files a module specifier may be, in order (existing ones are found by the index). */
export function moduleCandidates(fromPath: string, language: Language, module: string, packageName?: string): string[] {
  const dir = posix.dirname(fromPath);
  if (language === 'go') return []; // same-package files: see EffectIndex.goPackage
  if (language === 'java') {
    // `Foo` (a class of the same package) is `Foo.java` next to the file; `com.acme.x.Foo` is under the source root.
    if (!/^[\w$]+(?:\.[\w$]+)*$/.test(module)) return [];
    if (!module.includes('.')) return [clean(posix.join(dir, `${module}.java`))];
    const root = javaSourceRoot(fromPath, packageName);
    return root === undefined ? [] : [clean(posix.join(root, `${module.split('.').join('/')}.java`))];
  }
  if (language === 'python') {
    const level = /^\.*/.exec(module)![0].length;
    const rest = module.slice(level).replace(/\./g, '/');
    const bases: string[] = [];
    if (level > 0) {
      let base = dir;
      for (let i = 1; i < level; i++) base = posix.dirname(base);
      bases.push(base);
    } else {
      // An absolute import: the file's own directory and up to four above it (the package roots it may sit in).
      let base = dir;
      for (let i = 0; i < 5; i++) {
        bases.push(base);
        const up = posix.dirname(base);
        if (up === base) break;
        base = up;
      }
    }
    const out: string[] = [];
    for (const base of bases) {
      const stem = rest === '' ? base : posix.join(base, rest);
      if (rest !== '') out.push(`${stem}${PY_EXTENSIONS[0]}`);
      out.push(posix.join(stem, '__init__.py'));
    }
    return out.map(clean);
  }
  const alias = /^[~@]\/(.+)$/.exec(module)?.[1];
  if (alias !== undefined) {
    // `import { markRead } from '~/api/markRead'` (or `@/`): a tsconfig/bundler path alias of the project's source
    // root, which the set does not carry (no tsconfig is read). The innermost `src` folder the file sits in comes first,
    // then the file's own folder and those above it: the index keeps the ones that exist.
    const bases: string[] = [];
    const src = /^(.*(?:^|\/)src)(?:\/|$)/.exec(dir)?.[1];
    if (src !== undefined) bases.push(src);
    for (let base = dir, i = 0; i < 6; i++) {
      if (!bases.includes(base)) bases.push(base);
      const up = posix.dirname(base);
      if (up === base) break;
      base = up;
    }
    return bases.flatMap((base) => jsStemCandidates(posix.join(base, alias))).map(clean);
  }
  if (!module.startsWith('./') && !module.startsWith('../') && module !== '.' && module !== '..') return [];
  return jsStemCandidates(posix.join(dir, module)).map(clean);
}

/** The files a JavaScript/TypeScript import of `stem` may be (its own extension, the emitted name's source, an index). */
function jsStemCandidates(stem: string): string[] {
  const out: string[] = [];
  const ext = posix.extname(stem);
  if (JS_EXTENSIONS.includes(ext)) {
    out.push(stem);
    // TypeScript sources import their siblings by the emitted name (`./db.js` is `./db.ts`).
    const bare = stem.slice(0, -ext.length);
    if (ext === '.js' || ext === '.jsx') out.push(`${bare}.ts`, `${bare}.tsx`);
    if (ext === '.mjs') out.push(`${bare}.mts`);
    if (ext === '.cjs') out.push(`${bare}.cts`);
  } else {
    for (const e of JS_EXTENSIONS) out.push(`${stem}${e}`);
    for (const e of JS_EXTENSIONS) out.push(posix.join(stem, `index${e}`));
  }
  return out;
}

function clean(path: string): string {
  return path.startsWith('./') ? path.slice(2) : path;
}

/**
 * The knowledge base one analysed file sees: the shared one, plus what the file's own functions (and those it
 * imports) do. Built per file by the engine; everything is computed lazily, on the first call that needs it.
 */
/** Effects of a constructor that make it a connection or a round trip (see `ownConstructor`). */
const CONSTRUCTOR_IO: readonly CallKind[] = ['connect', 'http', 'db-read', 'db-write', 'db-batch', 'db-commit', 'queue-pop', 'queue-publish', 'subprocess'];
const NO_IO: Classification = { kinds: [], confidence: 'high', by: 'summary' };

export class FileEffects implements KnowledgeBase {
  private readonly summaries = new Map<string, Summary>();
  private readonly inProgress = new Set<string>();
  private readonly byCallee = new Map<string, Classification | null>();
  /** ownJsMethod's answers, per callee and whether the catalogue only guessed (it scans the file's calls once each). */
  private readonly ownJs = new Map<string, Classification | undefined>();
  /** Files consulted for this analysed file (besides itself), and the imports the bound left unfollowed. */
  private readonly consulted = new Set<string>();
  readonly cutOff = new Set<string>();
  private steps = 0;
  /** Java: methods a repository interface inherits without declaring them (`save` of a JpaRepository), made once. */
  private readonly inherited = new Map<string, TableFunction>();
  /** Go: directories of other packages of the module this file's summaries followed (GO_IMPORTED_PER_FILE). */
  private readonly goImported = new Set<string>();
  /** Go: functions reached as the one implementation of an interface (function key → interface and type). */
  private readonly implementations = new Map<string, { iface: string; type: string }>();

  private tableValue: FileTable | undefined;
  /** innermostMethod's index: the table's class methods by start, and the furthest end among each one and those before it. */
  private methodsByStart: { methods: TableFunction[]; reach: number[] } | undefined;

  constructor(
    private readonly base: KnowledgeBase,
    private readonly index: EffectIndex,
    private readonly makeTable: () => FileTable,
    private readonly limits: EffectLimits,
  ) {}

  /** The analysed file's own table, built on first need (most calls are settled by the catalogue alone). */
  private get table(): FileTable {
    return (this.tableValue ??= this.makeTable());
  }

  waitOf(language: Language, callee: string): ReturnType<NonNullable<KnowledgeBase['waitOf']>> {
    return this.base.waitOf?.(language, callee);
  }

  hasRole(language: Language, method: string, role: Parameters<NonNullable<KnowledgeBase['hasRole']>>[2]): boolean {
    return this.base.hasRole?.(language, method, role) ?? false;
  }

  declaresRole(...args: Parameters<NonNullable<KnowledgeBase['declaresRole']>>): boolean {
    return this.base.declaresRole?.(...args) ?? false;
  }

  resourceOf(...args: Parameters<NonNullable<KnowledgeBase['resourceOf']>>): ReturnType<NonNullable<KnowledgeBase['resourceOf']>> {
    return this.base.resourceOf?.(...args);
  }

  receiverTypeAllows(...args: Parameters<NonNullable<KnowledgeBase['receiverTypeAllows']>>): boolean {
    return this.base.receiverTypeAllows?.(...args) ?? true;
  }

  builds(...args: Parameters<NonNullable<KnowledgeBase['builds']>>): boolean {
    return this.base.builds?.(...args) ?? false;
  }

  namesPackage(...args: Parameters<NonNullable<KnowledgeBase['namesPackage']>>): boolean {
    return this.base.namesPackage?.(...args) ?? false;
  }

  /**
   * JavaScript/TypeScript: the call resolves (as for isAsyncFunction: the file's own function, an imported one, a
   * method of a field's class) to a function whose work fails into a catch that does not throw again
   * (`TableFunction.guarded`): the call neither throws nor rejects.
   */
  neverThrows(language: Language, callee: string): boolean {
    const js = language === 'javascript' || language === 'typescript' || language === 'tsx';
    if ((!js && language !== 'python') || language !== this.table.language) return false;
    const normalized = callee.replace(/^await\s*/, '');
    const target = this.resolve(this.table, normalized, undefined, 0);
    if (!target) return false;
    // (Or it returns a promise whose executor never uses a `reject`: `TableFunction.fulfils`.)
    if (js && (target.guarded === true || target.fulfils === true)) return true;
    // Every chain to I/O that can fail runs through a call the function (or one it calls) makes in a handled `try`
    // (`async function sendWebhook(state) { ...; try { const res = await fetch(url); ... } catch (err) { log(err) }
    // return false; }`): the summary keeps an uncaught chain whenever one exists (`replaces`), so none is left.
    const summary = this.summary(target, this.limits.max_depth - 1);
    if (summary.exposed) return false;
    const failing = [...summary.effects].filter(([kind]) => FAILING_KINDS.has(kind));
    return failing.length > 0 && failing.every(([, effect]) => chainCaught(effect.steps));
  }

  doesNoIo(language: Language, callee: string): boolean {
    if (language !== this.table.language) return false;
    const summarised = this.summarisedCall(callee);
    return summarised !== null && summarised.kinds.length === 0 && summarised.opens === undefined;
  }

  isAsyncFunction(language: Language, callee: string): boolean {
    if (language !== 'javascript' && language !== 'typescript' && language !== 'tsx') return false;
    const normalized = callee.replace(/^await\s*/, '');
    return this.resolve(this.table, normalized, undefined, 0)?.async === true;
  }

  /**
   * Python: for each module of the code's own that the analysed file imports from (`from .sql_db import SqlDB`,
   * `from app import store`: a file of the set), the modules that module imports in turn, and how its functions open
   * an in-process database (`builds: in_process_database`): `transactional` when every such call leaves the
   * driver's transactions on (no `isolation_level=None`, no `autocommit=True`, nothing computed there), `autocommit`
   * when one may commit every statement, undefined when none is seen. Read through the effects bound. query-in-loop
   * and write-per-row ask it which database engines the package's own helpers bring in.
   */
  packageImports(language: Language): { modules: string[]; localConnections?: 'transactional' | 'autocommit' }[] {
    if (language !== 'python') return [];
    const out: { modules: string[]; localConnections?: 'transactional' | 'autocommit' }[] = [];
    for (const file of this.importedFiles(this.table, [this.table.path])) {
      const table = this.loadCounted(file, false);
      if (table) out.push({ modules: [...table.imports.values()].map((b) => b.module), localConnections: this.localConnections(table) });
    }
    return out;
  }

  /**
   * Python: the files of the analysed set that `table`'s imports name, in import order, each once: for each binding
   * its module and, for `from app import db`, the submodule `app.db`; of a module's candidates the first the index
   * has that is not in `skip`.
   */
  private importedFiles(table: FileTable, skip: readonly string[]): string[] {
    const files: string[] = [];
    for (const binding of table.imports.values()) {
      const modules = binding.name === undefined ? [binding.module] : [binding.module, submoduleOf({ module: binding.module, name: binding.name })];
      for (const module of modules) {
        const file = moduleCandidates(table.path, table.language, module).find((c) => !skip.includes(c) && this.index.has(c));
        if (file !== undefined && !files.includes(file)) files.push(file);
      }
    }
    return files;
  }

  /**
   * How `table`'s functions open an in-process database (see packageImports). A module that opens none itself (a
   * client class built on the package's store) answers for the modules of the set it imports, one step further.
   */
  private localConnections(table: FileTable, further = true): 'transactional' | 'autocommit' | undefined {
    const own = this.ownLocalConnections(table);
    if (own !== undefined || !further) return own;
    let seen: 'transactional' | 'autocommit' | undefined;
    for (const file of this.importedFiles(table, [table.path, this.table.path])) {
      const next = this.loadCounted(file, false);
      const found = next ? this.ownLocalConnections(next) : undefined;
      if (found === 'autocommit') return found;
      seen ??= found;
    }
    return seen;
  }

  private ownLocalConnections(table: FileTable): 'transactional' | 'autocommit' | undefined {
    let seen: 'transactional' | 'autocommit' | undefined;
    for (const fn of table.functions) {
      for (const call of fn.calls) {
        // `import sqlite3.dbapi2 as sqlite` then `sqlite.connect(...)`: the callee as the module names it.
        const dot = call.callee.indexOf('.');
        const binding = dot > 0 ? table.imports.get(call.callee.slice(0, dot)) : undefined;
        const callee = binding === undefined ? call.callee : `${binding.module}${binding.name === undefined ? '' : `.${binding.name}`}${call.callee.slice(dot)}`;
        if (this.base.builds?.(table.language, callee, 'in_process_database') !== true) continue;
        const args = call.raw?.args ?? [];
        const keepsTransactions = args.every((a) => (a.name !== 'isolation_level' || a.string !== undefined) && (a.name !== 'autocommit' || a.text === 'False'));
        if (!keepsTransactions) return 'autocommit';
        seen = 'transactional';
      }
    }
    return seen;
  }

  importedNumber(language: Language, name: string): number | undefined {
    if (language !== 'python') return undefined;
    return this.importedValue(name, (table, constant) => table.numbers?.get(constant));
  }

  importedObject(language: Language, name: string): string | undefined {
    if (language !== 'python' || this.table.language !== 'python') return undefined;
    return this.importedValue(name, (table, object) => table.moduleObjects?.get(object));
  }

  /**
   * What `read` finds for an imported name in the module that defines it: `from app.settings import POLL_INTERVAL`
   * (the name itself), or `import settings` / `from app import settings` then `settings.POLL_INTERVAL` (a name of
   * that module).
   */
  private importedValue<T>(name: string, read: (table: FileTable, name: string) => T | undefined): T | undefined {
    const match = /^([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?$/.exec(name);
    if (!match) return undefined;
    const [, head, attribute] = match as unknown as [string, string, string | undefined];
    const binding = this.table.imports.get(head);
    if (!binding) return undefined;
    if (attribute === undefined) return binding.name === undefined ? undefined : this.moduleValue(this.table, binding.module, binding.name, 0, read);
    const module = binding.name === undefined ? binding.module : submoduleOf({ module: binding.module, name: binding.name });
    return this.moduleValue(this.table, module, attribute, 0, read);
  }

  /** What `read` finds for `name` in a module of the set (`numbers`, `moduleObjects`), following one re-export. */
  private moduleValue<T>(from: FileTable, module: string, name: string, hops: number, read: (table: FileTable, name: string) => T | undefined): T | undefined {
    if (hops > 1) return undefined;
    for (const candidate of moduleCandidates(from.path, from.language, module)) {
      if (candidate === from.path) continue;
      if (!this.index.has(candidate)) continue;
      const table = this.loadCounted(candidate, false);
      if (!table) continue;
      const value = read(table, name);
      if (value !== undefined) return value;
      const again = table.imports.get(name);
      return again?.name !== undefined ? this.moduleValue(table, again.module, again.name, hops + 1, read) : undefined;
    }
    return undefined;
  }

  ownMethodReturnsValue(language: Language, className: string, method: string): boolean | undefined {
    if (language !== 'python' || this.table.language !== 'python') return undefined;
    const found = this.ownClass(this.table, className, 0);
    const fn = found ? found.table.classes.get(found.name)?.get(method) : undefined;
    return fn ? fn.returnsValue === true : undefined;
  }

  goMethodReceivers(name: string): string[] | undefined {
    if (this.table.language !== 'go') return undefined;
    const pkg = this.goPackageOf(this.table);
    if (!pkg) return undefined;
    return [...pkg.methods].filter(([, methods]) => methods.has(name)).map(([type]) => type);
  }

  isGeneratorFunction(language: Language, callee: string): boolean {
    if (language !== 'python') return false;
    return this.resolve(this.table, callee, undefined, 0)?.generator === true;
  }

  classify(language: Language, callee: string, context?: Parameters<KnowledgeBase['classify']>[2]): Classification {
    let direct = this.base.classify(language, callee, context);
    if (direct.kinds.length === 0) direct = classifyImported(this.base, language, this.table, callee.replace(/^await\s*/, ''), context) ?? direct;
    const inClass = language === 'python' || language === 'javascript' || language === 'typescript' || language === 'tsx' ? this.enclosingMethod(callee, context?.at) : undefined;
    if (direct.kinds.length > 0 && language === 'python' && direct.by !== 'sql-hint') {
      // A name guess (`self.save_form` looks like a write) is weighed against the summary below, as for any callee.
      const own = this.ownConstructor(callee) ?? (direct.by === 'guess' ? undefined : (inClass ? this.enclosingCall(callee, inClass) : this.ownSelfMethod(callee)) ?? this.ownUntypedCall(callee, direct));
      if (own) return own;
    }
    // (A PascalCase head also with no match here: the extractor would try it as an active-record model next.)
    if ((direct.kinds.length > 0 || /^[A-Z]/.test(callee)) && direct.by !== 'sql-hint' && (language === 'javascript' || language === 'typescript' || language === 'tsx')) {
      const catalogued = direct.kinds.length > 0 && direct.by !== 'guess';
      if (inClass && !(direct.by === 'guess' && inClass.target.async === true)) return this.enclosingCall(callee, inClass, 'summary');
      const key = `${direct.by === 'guess' ? 'g' : catalogued ? 'k' : 'c'}${callee}`;
      if (!this.ownJs.has(key)) this.ownJs.set(key, this.ownJsMethod(callee, direct.by === 'guess', catalogued));
      const own = this.ownJs.get(key);
      if (own) return own;
    }
    if (direct.by === 'api' && (language === 'javascript' || language === 'typescript' || language === 'tsx')) {
      const local = this.localJsFunction(callee, context?.at);
      if (local) return this.summarisedCall(callee, local, `${callee}\u0000${local.key}`) ?? { kinds: [], confidence: 'high', by: 'summary' };
    }
    if (direct.kinds.length > 0 && (direct.confidence === 'high' || direct.by === 'sql-hint')) return direct;
    const summarised = (language === 'go' ? this.goTypedCall(callee, context) : undefined) ?? this.summarisedCall(callee, inClass?.target, inClass?.key);
    if (summarised === null) return direct;
    // A function that provably does no I/O takes back a guess made from its name.
    if (summarised.kinds.length === 0) return direct.by === 'guess' || (summarised.opens && direct.kinds.length === 0) ? summarised : direct;
    return summarised;
  }

  /**
   * JS/TS: a bare `fetch(url)` where the file binds `fetch` to a function of its own that the call can see: a
   * module-level `function fetch()` the file does not import over, or `var fetch = function fetch() {...}` declared
   * inside a function that also holds the call (an RSS watcher's timer calling its local `fetch`, whose body catches
   * the feed's failure). That function runs, not the global the catalogue names, so its body says what the call does.
   */
  private localJsFunction(callee: string, at: number | undefined): TableFunction | undefined {
    if (at === undefined || !/^[A-Za-z_$][\w$]*$/.test(callee) || this.table.imports.has(callee)) return undefined;
    const named = this.table.functions.filter((fn) => fn.name === callee && fn.binds === true);
    const visible = named.filter((fn) =>
      !fn.nested ||
      this.table.functions.some((outer) => outer !== fn && outer.startIndex <= fn.startIndex && fn.endIndex <= outer.endIndex && outer.startIndex <= at && at < outer.endIndex && !(fn.startIndex <= at && at < fn.endIndex)),
    );
    return visible.length === 1 ? visible[0] : undefined;
  }

  /**
   * `self.m()` / `this.m()` / `cls.m()` starting at byte `at` of this file: the method `m` of the class the call sits
   * in, or (Python) of a base class the file defines, when that class has one. Two classes of a file often define the
   * same name (a Redis backend and an in-memory one, a reader and a writer): the name alone resolves to neither, the
   * call's place says which runs. Undefined when the place is not given or the class chain does not define `m` (the
   * name-only rules of ownSelfMethod / ownJsMethod / ownMethod apply then).
   */
  private enclosingMethod(callee: string, at: number | undefined): { target: TableFunction; key: string } | undefined {
    if (at === undefined) return undefined;
    const match = /^(?:await\s*)?(?:self|this|cls)\.(#?[A-Za-z_$][\w$]*)$/.exec(callee);
    if (!match) return undefined;
    const inner = this.innermostMethod(at);
    if (!inner) return undefined;
    const target = classChainMethod(this.table, inner.className!, match[1]!, 0);
    return target && target.abstract !== true ? { target, key: `${inner.className}\u0000${callee.replace(/^await\s*/, '')}` } : undefined;
  }

  /**
   * The class method of this file that holds byte `at` and starts last (the innermost), or undefined. A binary search
   * over the methods by start, then back while an earlier method may still reach `at`: each `this.m()` of a large file
   * scanned every function of the file before.
   */
  private innermostMethod(at: number): TableFunction | undefined {
    if (!this.methodsByStart) {
      const methods = this.table.functions.filter((fn) => fn.className !== undefined).sort((a, b) => a.startIndex - b.startIndex);
      const reach: number[] = [];
      for (const [i, fn] of methods.entries()) reach.push(Math.max(fn.endIndex, i > 0 ? reach[i - 1]! : 0));
      this.methodsByStart = { methods, reach };
    }
    const { methods, reach } = this.methodsByStart;
    let lo = 0;
    let hi = methods.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (methods[mid]!.startIndex <= at) lo = mid + 1;
      else hi = mid;
    }
    // (Of two methods with the same start, the one the table lists first, as the scan this replaces chose.)
    for (let i = lo - 1; i >= 0 && reach[i]! > at; i--) {
      if (at >= methods[i]!.endIndex) continue;
      let first = i;
      for (let j = i - 1; j >= 0 && methods[j]!.startIndex === methods[i]!.startIndex; j--) if (at < methods[j]!.endIndex) first = j;
      return methods[first];
    }
    return undefined;
  }

  /** The call of the enclosing class's own method (enclosingMethod): its summary, or an unknown call when it has none. */
  private enclosingCall(callee: string, own: { target: TableFunction; key: string }, by?: ClassifiedBy): Classification {
    return this.summarisedCall(callee, own.target, own.key) ?? { kinds: [], confidence: 'high', ...(by ? { by } : {}) };
  }

  /**
   * Python: `Consumer(queue, key)` where `Consumer` is a class of the code itself (defined in this file, or imported
   * from a module of the analysed set: `from posthog.consumer import Consumer`), not the library class a bare name
   * in rules/apis/python.yml stands for (`{confluent_kafka.,}Consumer`). The call builds that class: it does what
   * its `__init__` does (no I/O: no kinds). The catalogue's answer stands when the `__init__` (or, without one, a base
   * class) connects, queries or calls out, when a base class is itself a catalogue class, and when the class cannot
   * be found. Undefined: not the code's own class.
   */
  private ownConstructor(callee: string): Classification | undefined {
    if (!/^[A-Za-z_]\w*$/.test(callee)) return undefined;
    const found = this.ownClass(this.table, callee, 0);
    if (!found) return undefined;
    const { table, name } = found;
    // A base class the catalogue knows (`class Consumer(confluent_kafka.Consumer)`) connects as that class does.
    const bases = table.bases?.get(name) ?? [];
    if (bases.some((b) => this.base.classify('python', b).kinds.some((k) => CONSTRUCTOR_IO.includes(k)))) return undefined;
    const init = table.classes.get(name)?.get('__init__');
    if (!init) return bases.every((b) => b === 'object' || /^(?:[A-Za-z_]\w*\.)*(?:Thread|Process|Exception|Error|Enum|NamedTuple|TypedDict|Protocol|ABC|Generic)$/.test(b)) ? NO_IO : undefined;
    const summary = this.summary(init, this.limits.max_depth - 1);
    if (CONSTRUCTOR_IO.some((k) => summary.effects.has(k))) return undefined;
    // `super().__init__(...)` hands on to a base the summary does not follow: only a plain one (or none) is known.
    if (init.calls.some((c) => c.callee.endsWith('__init__') && c.callee.startsWith('super(')) && !bases.every((b) => b === 'object' || /(?:^|\.)(?:Thread|Process)$/.test(b))) return undefined;
    return NO_IO;
  }

  /**
   * Python: `self.commit(line)` in a class that defines its own `commit` (a repository object's `commit(rev)` looks a
   * revision up): the code's own method is what runs, so its summary, not the catalogue's name match (`*.commit`),
   * says what the call does (an unknown call when the summary cannot be made). Only when every method of the file that calls `self.<name>` belongs to the one class
   * that defines it: a sibling class calling an inherited library method of the same name is not resolved here.
   */
  private ownSelfMethod(callee: string): Classification | undefined {
    const match = /^self\.([A-Za-z_]\w*)$/.exec(callee);
    if (!match) return undefined;
    const name = match[1]!;
    const owners = [...this.table.classes].filter(([, methods]) => methods.has(name) && methods.get(name)!.abstract !== true).map(([cls]) => cls);
    if (owners.length !== 1) return undefined;
    const callers = this.table.functions.filter((fn) => fn.calls.some((c) => c.callee === callee));
    if (callers.some((fn) => fn.className !== owners[0])) return undefined;
    // A summary that stops at a call it cannot follow still says this is not the library's method: an unknown call.
    return this.summarisedCall(callee) ?? { kinds: [], confidence: 'high' };
  }

  /** `worker.put_object(v)` in the analysed file itself (see ownUntypedMethod): the own method's summary, or an unknown call. */
  private ownUntypedCall(callee: string, direct: Classification): Classification | undefined {
    if (direct.by !== 'api' || !this.untypedCallShape(callee)) return undefined;
    const own = this.ownUntypedMethod(this.table, callee);
    if (!own) return undefined;
    return (own.target ? this.summarisedCall(callee, own.target) : null) ?? { kinds: [], confidence: 'high' };
  }

  /**
   * Python: `worker.put_object(value)` where a class of the file defines `put_object` (a distributed runtime's own
   * `Worker.put_object`) and nothing in the file says what `worker` is: the code's own method runs, not the library
   * call a catalogue entry for any receiver stands for (`*.put_object` is S3's). Also `self.core.put_object(...)` on
   * a field of unknown type. The catalogue stands when the entry names the receiver (`requests.get`, `*_stub.*`),
   * when the receiver is an import or a class, is assigned anywhere in the file from a call the catalogue knows
   * (`s3 = boto3.client("s3")`, `self.s3 = session.client("s3")`) or is annotated with a class the file does not
   * define. Undefined: the catalogue's answer stands; otherwise the own method to summarise (a plain receiver and
   * one class defining the name), or no target: an unknown call.
   */
  private ownUntypedMethod(table: FileTable, callee: string): { target?: TableFunction } | undefined {
    const shape = table.language === 'python' ? this.untypedCallShape(callee) : undefined;
    if (!shape) return undefined;
    const { field, receiver, name } = shape;
    if (!field && (table.imports.has(receiver) || table.classNames.has(receiver))) return undefined;
    const owners: TableFunction[] = [];
    let property = false;
    for (const methods of table.classes.values()) {
      const method = methods.get(name);
      if (method && method.abstract !== true) owners.push(method);
      if (field && methods.has(receiver)) property = true;
    }
    if (owners.length === 0) return undefined;
    // A receiver named like a client (`self.session.commit()` in the class's own `commit`) is that client, unless it
    // is a property of the code's own class (`self.transfer_manager` defined by a `def`).
    if (CLIENT_RECEIVER.test(receiver) && !property) return undefined;
    if ((table.assigned?.get(receiver) ?? []).some((built) => this.base.classify('python', built).kinds.length > 0)) return undefined;
    const annotated = field ? undefined : table.parameterTypes?.get(receiver);
    if (annotated && [...annotated].some((type) => !table.classNames.has(type))) return undefined;
    return { target: owners.length === 1 && !field ? owners[0] : undefined };
  }

  /**
   * JS/TS: `this.sendMessage(msg)` in the one class of the file that defines `sendMessage` (every caller of it in the
   * file sits in that class), or `RefStore.exists(...)` where `RefStore` is a class of this file that defines a
   * static `exists`: the code's own method runs, so its body, not a catalogue pattern (`*Manager.exists`, an ORM
   * read) or a name guess (`send*`, a request), says what the call does; an unknown call when its summary cannot
   * be made. A name guess stands against an `async` method whose summary cannot be made (`this.uploadFrom(...)`
   * may well wait for a transfer); a synchronous one waits for no reply.
   */
  private ownJsMethod(callee: string, guess: boolean, catalogued = false): Classification | undefined {
    const unknown = (method: TableFunction | undefined): Classification | undefined => (guess && method?.async === true ? undefined : { kinds: [], confidence: 'high', by: 'summary' });
    if (/^this\.#?[A-Za-z_$][\w$]*\.#?[A-Za-z_$][\w$]*$/.test(callee)) {
      // `this.hub.send(...)` where the field holds an object of the code's own class (`this.hub = new Hub(url)`,
      // `new hub_1.default(url)` of a compiled import, a typed field): that class's method runs, so its body, not the
      // catalogue's `*.send` (a socket's), says what the call does. A method the class does not define itself (one
      // inherited from a library base) leaves the catalogue's answer.
      const target = this.resolve(this.table, callee, undefined, 0);
      return target && target.abstract !== true ? this.summarisedCall(callee, target) ?? unknown(target) : undefined;
    }
    const match = /^(this|[A-Z][\w$]*)\.(#?[A-Za-z_$][\w$]*)$/.exec(callee);
    if (!match) return undefined;
    const [, head, name] = match as unknown as [string, string, string];
    if (head !== 'this') {
      // `Util.exists(value)` where `const Util = require('./util')` (or `import * as Util`): the module's own
      // function runs, so its body, not the active-record guess a PascalCase head gets (`Util.exists`, a model's
      // read), says what the call does.
      // (A call the catalogue knows from evidence, `Db.query('SELECT ...')`, keeps that answer.)
      if (!this.table.classNames.has(head) && this.table.imports.get(head)?.name === undefined && this.table.imports.has(head)) {
        if (catalogued) return undefined;
        const target = this.resolve(this.table, callee, undefined, 0);
        return target ? this.summarisedCall(callee, target) ?? unknown(target) : undefined;
      }
      if (!this.table.classNames.has(head) || this.table.topLevel.has(head) || !this.table.classes.get(head)?.has(name)) return undefined;
      return this.summarisedCall(callee) ?? unknown(this.table.classes.get(head)!.get(name));
    }
    const owners = [...this.table.classes].filter(([, methods]) => methods.has(name) && methods.get(name)!.abstract !== true).map(([cls]) => cls);
    if (owners.length !== 1) return undefined;
    // (A function nested in one of the class's methods, `const send = () => this.sendMessage(...)`, is the class's too.)
    const methods = this.table.functions.filter((fn) => fn.className === owners[0]);
    const inClass = (fn: TableFunction) => fn.className === owners[0] || (fn.nested && methods.some((m) => m.startIndex <= fn.startIndex && fn.endIndex <= m.endIndex));
    if (this.table.functions.some((fn) => !inClass(fn) && fn.calls.some((c) => c.callee === callee))) return undefined;
    return this.summarisedCall(callee) ?? unknown(this.table.classes.get(owners[0]!)!.get(name));
  }

  /**
   * `worker.put_object` / `self.core.put_object` whose method the catalogue lists for any receiver (`_.put_object`
   * matches): the part of ownUntypedMethod that needs no file table (most API calls name their receiver).
   */
  private untypedCallShape(callee: string): { field: boolean; receiver: string; name: string } | undefined {
    const match = /^(self\.)?([A-Za-z_]\w*)\.([A-Za-z_]\w*)$/.exec(callee);
    if (!match || match[2] === 'self' || match[2] === 'cls') return undefined;
    if (this.base.classify('python', `_.${match[3]!}`).by !== 'api') return undefined;
    return { field: match[1] !== undefined, receiver: match[2]!, name: match[3]! };
  }

  /** The class `name` as `from` sees it: defined there, or imported from a file of the set (re-exports followed). */
  private ownClass(from: FileTable, name: string, hops: number): { table: FileTable; name: string } | undefined {
    if (from.classNames.has(name)) return from.topLevel.has(name) ? undefined : { table: from, name };
    const binding = from.imports.get(name);
    if (binding?.name === undefined || hops > 3) return undefined;
    for (const candidate of moduleCandidates(from.path, from.language, binding.module)) {
      if (candidate === from.path) continue;
      if (!this.index.has(candidate)) continue;
      const table = this.loadCounted(candidate, false);
      if (!table) continue;
      if (table.classNames.has(binding.name)) return { table, name: binding.name };
      return this.ownClass(table, binding.name, hops + 1);
    }
    return undefined;
  }

  /**
   * Go `repo.Load()` where the file declares `repo` with a type of another package of the module (`repo
   * *store.Repo`, a parameter or a variable: the loop's extractor says, ClassifyContext.goReceiverType): that
   * type's method. Undefined when the receiver is not so typed (the call resolves as any other).
   */
  private goTypedCall(callee: string, context: Parameters<KnowledgeBase['classify']>[2]): Classification | null | undefined {
    if (!context?.goReceiverType) return undefined;
    const parts = callee.split('.');
    if (parts.length !== 2 || !/^[A-Z]/.test(parts[1]!) || this.table.imports.has(parts[0]!) || !this.importsOwnModule()) return undefined;
    let type = context.goReceiverType();
    // `a := store.NewAccessor(db)`, `a, err := store.Open(dsn)`: a function of another package of the module made
    // the value; its declared first result there (`*Accessor`) names the type.
    if (type === undefined || /^[A-Za-z_]\w*\.$/.test(type)) {
      const made = context.goConstructor?.();
      const dot = made?.indexOf('.') ?? -1;
      if (made !== undefined && dot > 0 && (type === undefined || made.startsWith(type))) {
        const result = this.goImportedFunction(this.table, made.slice(0, dot), made.slice(dot + 1), false)?.returnType;
        if (result !== undefined) type = `${made.slice(0, dot)}.${result}`;
      }
    }
    if (type === undefined || !/^[A-Za-z_]\w*\.[A-Z]\w*$/.test(type)) return undefined;
    const key = `${callee}\0${type}`;
    if (this.byCallee.has(key)) return this.byCallee.get(key)!;
    const target = this.goImportedMethod(this.table, type, parts[1]!, false);
    if (!target) {
      this.byCallee.set(key, null);
      return undefined;
    }
    return this.summarisedCall(callee, target, key);
  }

  private ownImports: boolean | undefined;

  /** Whether the file imports any other package of its own module (else no receiver type can lead there). */
  private importsOwnModule(): boolean {
    if (this.ownImports === undefined) {
      const dir = posix.dirname(this.table.path);
      this.ownImports = [...this.table.imports.values()].some((b) => b.name === undefined && this.index.goImportDir(dir, b.module) !== undefined);
    }
    return this.ownImports;
  }

  /** What a call of `callee` from this file does through the code's own functions; null when unresolved/opaque. */
  private summarisedCall(callee: string, given?: TableFunction, cacheKey?: string): Classification | null {
    const normalized = callee.replace(/^await\s*/, '');
    const key = cacheKey ?? normalized;
    if (this.byCallee.has(key)) return this.byCallee.get(key)!;
    let out: Classification | null = null;
    const target = given ?? this.resolve(this.table, normalized, undefined, 0);
    if (target) {
      const summary = this.summary(target, this.limits.max_depth - 1);
      const applied: CallKind[] = [];
      let first: Effect | undefined;
      // The helper's literal (or, Python, module-constant) sleep is the interval the loop polls at (`w.wait()` running
      // `time.Sleep(5 * time.Second)`, `idle()` running `time.sleep(IDLE_SECONDS)`). magic-interval reads the
      // loop's own literal arguments, never this duration.
      const sleepSeconds: number | undefined = summary.effects.get('sleep')?.sleepSeconds;
      let timeoutSeconds: number | undefined;
      // A connection a helper opens and closes around a query or request is a connection per call; a socket or a
      // client built and handed back is not a round trip.
      const talks = summary.effects.has('db-read') || summary.effects.has('db-write') || summary.effects.has('http');
      let opens: Effect | undefined;
      for (const [kind, effect] of summary.effects) {
        if (!APPLIED_KINDS.has(kind)) continue;
        if (kind === 'connect' && !effect.managed) opens = effect;
        if (kind === 'connect' && (!effect.managed || !talks)) continue;
        applied.push(kind);
        // (And a chain whose failure reaches the caller over one the function catches.)
        if (!first || (kind !== 'sleep' && (first === summary.effects.get('sleep') || (chainCaught(first.steps) && !chainCaught(effect.steps))))) first = effect;
        if (kind === 'queue-pop') timeoutSeconds = effect.timeoutSeconds;
      }
      if (applied.length > 0 && first) {
        out = {
          kinds: applied,
          confidence: 'summarised',
          by: 'summary',
          via: { steps: first.steps, function: target.key },
        };
        for (const kind of applied) {
          const effect = summary.effects.get(kind);
          if (effect && effect !== first) (out.via!.byKind ??= {})[kind] = effect.steps;
        }
        const implementation = this.implementations.get(target.key);
        if (implementation) out.via!.implementation = implementation;
        if (sleepSeconds !== undefined) out.sleepSeconds = sleepSeconds;
        if (timeoutSeconds !== undefined) out.timeoutSeconds = timeoutSeconds;
      } else if (!summary.opaque) out = { kinds: [], confidence: 'high', by: 'summary' };
      if (out && opens) out.opens = { steps: opens.steps, function: target.key };
    }
    this.byCallee.set(key, out);
    return out;
  }

  /** The function a call resolves to, seen from `from` (inside class `className`, when known). */
  private resolve(from: FileTable, callee: string, className: string | undefined, hops: number, loadedOnly = false, receiver?: string): TableFunction | undefined {
    // Java: `getDelegate().selectTrigger(conn, key)`: method `m` of the type the class's own method declares it returns.
    const returned = from.language === 'java' ? /^(?:this\.)?([a-z]\w*)\(\)\.(\w+)$/.exec(callee) : null;
    if (returned) {
      const type = this.ownMethod(from, returned[1]!, className)?.returnType;
      return type === undefined ? undefined : this.javaTypeMethod(from, type, returned[2]!, loadedOnly);
    }
    if (callee.includes('(') || callee.includes('[') || callee.startsWith('new ')) return undefined;
    const parts = callee.split('.');
    if (parts.length === 3 && (parts[0] === 'self' || parts[0] === 'this') && from.language !== 'go' && from.language !== 'java') {
      // Python/JS/TS: `self.store.get_pending()` where the class assigned `self.store = JobStore(...)`.
      return this.fieldMethod(from, className, parts[1]!, parts[2]!, hops, loadedOnly);
    }
    if (parts.length === 3 && (parts[0] === 'this' || from.language === 'go')) {
      // A call through a field: `w.store.Pending()` (Go), `this.repo.findPending()` (Java).
      const [head, field, name] = parts as [string, string, string];
      if (from.language === 'java') return this.javaFieldMethod(from, className, field, name, loadedOnly);
      const type = this.goReceiverType(from, head, className, receiver);
      return type === undefined ? undefined : this.goFieldMethod(from, type, field, name, loadedOnly);
    }
    if (parts.length === 1) {
      const name = parts[0]!;
      if (from.classNames.has(name)) return undefined;
      const local = from.topLevel.get(name);
      if (local) return local;
      // Java: a bare `m()` is `this.m()`.
      if (from.language === 'java') return this.ownMethod(from, name, className);
      if (from.language === 'go') return this.goFunction(from, name, loadedOnly);
      const binding = from.imports.get(name);
      if (binding?.name !== undefined && !loadedOnly) return this.imported(from, binding.module, binding.name, hops);
      return undefined;
    }
    if (parts.length !== 2) return undefined;
    const [head, name] = parts as [string, string];
    if (head === 'self' || head === 'this' || head === 'cls') return this.ownMethod(from, name, className);
    if (from.language === 'go') {
      // Go: `s.processBatch()` where `s` is the method's receiver (or, from a loop whose method is not known, the
      // receiver name of the types that define the method), in this file or another file of the package.
      const type = this.goReceiverType(from, head, className, receiver);
      if (type !== undefined) return this.goMethod(from, type, name, loadedOnly);
      // `store.Load(ctx, id)`: an exported function of another package of the module (not where `store` is the receiver).
      return receiver === head ? undefined : this.goImportedFunction(from, head, name, loadedOnly);
    }
    if (from.language === 'java') {
      // `Helper.m()`: a class of the file, of the package, or imported.
      if (/^[A-Z]/.test(head) && !from.fields.get(className ?? '')?.has(head)) {
        const owner = this.javaClass(from, head, loadedOnly);
        if (owner) return owner.classes.get(head)?.get(name);
      }
      // `repo.findPending()` through a field declared with a class of the set.
      return this.javaFieldMethod(from, className, head, name, loadedOnly);
    }
    const methods = from.classes.get(head);
    if (methods && (from.classNames.has(head) || from.objectLiterals?.has(head))) return methods.get(name);
    // `store = JobStore(DSN)` at module level, bound nowhere else in the file.
    const object = from.moduleObjects?.get(head);
    if (object !== undefined) return this.typeMethod(from, object, name, hops, loadedOnly);
    const annotated = from.imports.has(head) ? undefined : from.parameterTypes?.get(head);
    // `def finish_all(store: JobStore, ...)`: the one class the file annotates `store` with.
    if (annotated?.size === 1) return this.typeMethod(from, [...annotated][0]!, name, hops, loadedOnly);
    const binding = from.imports.get(head);
    if (!binding || loadedOnly) return undefined;
    // `import db` / `import * as db` / `const db = require('./db')`: a function of that module. `from . import db`:
    // the submodule db.
    if (binding.name === undefined) return this.imported(from, binding.module, name, hops);
    if (from.language === 'python') {
      return this.imported(from, submoduleOf({ module: binding.module, name: binding.name }), name, hops);
    }
    return undefined;
  }

  /**
   * Reads another file's table, counted against `effects.max_files` (a file past the bound is noted, not read).
   * A table some other analysis already built counts too, and `loadedOnly` (a look past the depth bound) sees only
   * files this analysis consulted: what a file's analysis reads never depends on which files of the run were analysed
   * before it, so two runs give the same report.
   */
  private loadCounted(path: string, loadedOnly: boolean): FileTable | undefined {
    if (path === this.table.path) return this.table;
    if (loadedOnly) return this.consulted.has(path) ? (this.index.load(path) ?? undefined) : undefined;
    if (!this.consulted.has(path)) {
      if (this.consulted.size >= this.limits.max_files) {
        this.cutOff.add(path);
        return undefined;
      }
      this.consulted.add(path);
    }
    return this.index.load(path) ?? undefined;
  }

  // ------------------------------------------------------------------ Go: the package is the directory

  private goPackageOf(from: FileTable): GoPackage | undefined {
    if (from.packageName === undefined) return undefined;
    return this.index.goPackage(posix.dirname(from.path), from.packageName);
  }

  /** The one file of the package (other than `from`) that declares it, when exactly one does. */
  private static only(paths: string[] | undefined, from: FileTable): string | undefined {
    const others = (paths ?? []).filter((p) => p !== from.path);
    return others.length === 1 && (paths ?? []).length === 1 ? others[0] : undefined;
  }

  /** `load(ctx)`: a function of another file of the package. */
  private goFunction(from: FileTable, name: string, loadedOnly: boolean): TableFunction | undefined {
    const path = FileEffects.only(this.goPackageOf(from)?.funcs.get(name), from);
    const table = path ? this.loadCounted(path, loadedOnly) : undefined;
    return table?.packageName === from.packageName ? table?.topLevel.get(name) : undefined;
  }

  /** The type `head` stands for: the caller's receiver, or (from a loop) the one type whose methods call it that. */
  private goReceiverType(from: FileTable, head: string, className: string | undefined, receiver: string | undefined): string | undefined {
    if (receiver === head && className !== undefined) return className;
    if (receiver !== undefined) return undefined;
    const types = from.receivers.get(head);
    return types?.size === 1 ? [...types][0] : undefined;
  }

  /** Method `name` of type `type`: in this file, or in the one other file of the package that declares it. */
  private goMethod(from: FileTable, type: string, name: string, loadedOnly: boolean): TableFunction | undefined {
    const own = from.classes.get(type)?.get(name);
    if (own) return own;
    const path = FileEffects.only(this.goPackageOf(from)?.methods.get(type)?.get(name), from);
    const table = path ? this.loadCounted(path, loadedOnly) : undefined;
    return table?.packageName === from.packageName ? table?.classes.get(type)?.get(name) : undefined;
  }

  /** The table declaring Go type `type` (this file, or the one file of the package that does). */
  private goTypeTable(from: FileTable, type: string, loadedOnly: boolean): FileTable | undefined {
    if (from.fields.has(type) || from.interfaces.has(type)) return from;
    const path = FileEffects.only(this.goPackageOf(from)?.types.get(type), from);
    const table = path ? this.loadCounted(path, loadedOnly) : undefined;
    return table?.packageName === from.packageName ? table : undefined;
  }

  /**
   * `w.store.Pending()`: the field's declared type is a struct of the package (its method), or an interface of the
   * package with exactly one implementation among the package's types (that type's method; the chain says so).
   */
  private goFieldMethod(from: FileTable, type: string, field: string, name: string, loadedOnly: boolean): TableFunction | undefined {
    const declaringStruct = this.goTypeTable(from, type, loadedOnly);
    const fieldType = declaringStruct?.fields.get(type)?.get(field);
    if (fieldType === undefined) return undefined;
    // `srv *rest.Client`: a type of another package of the module, as the declaring file imports it.
    if (fieldType.includes('.')) return this.goImportedMethod(declaringStruct!, fieldType, name, loadedOnly);
    const declaring = this.goTypeTable(from, fieldType, loadedOnly);
    const iface = declaring?.interfaces.get(fieldType);
    if (!iface) return this.goMethod(from, fieldType, name, loadedOnly);
    if (!iface.methods.has(name) || iface.methods.size === 0) return undefined;
    const impls: string[] = [];
    for (const [candidate, methods] of this.goPackageOf(from)?.methods ?? new Map<string, Map<string, string[]>>()) {
      if ([...iface.methods].every((m) => methods.has(m))) impls.push(candidate);
    }
    // Types of this file count too (a file outside any listing, e.g. a single analysed file).
    for (const [candidate, methods] of from.classes) {
      if (!impls.includes(candidate) && [...iface.methods].every((m) => methods.has(m))) impls.push(candidate);
    }
    if (impls.length !== 1) return undefined;
    const impl = this.goMethod(from, impls[0]!, name, loadedOnly);
    if (impl) this.implementations.set(impl.key, { iface: fieldType, type: impls[0]! });
    return impl;
  }

  // ------------------------------------------------------------------ Go: other packages of the same module

  /**
   * The package `qualifier` names in `from` when the file imports one of its own module's packages under it
   * (EffectIndex.goImportedPackage); an unaliased import binds the last path element, so the directory's package
   * clause must be that name.
   */
  private goImportedPackage(from: FileTable, qualifier: string): GoPackage | undefined {
    const binding = from.imports.get(qualifier);
    if (binding === undefined || binding.name !== undefined) return undefined;
    const dir = this.index.goImportDir(posix.dirname(from.path), binding.module);
    if (dir === undefined) return undefined;
    if (!this.goImported.has(dir)) {
      // Past the bound the call stays unresolved (not a note: effects_cut counts files against max_files).
      if (this.goImported.size >= GO_IMPORTED_PER_FILE) return undefined;
      this.goImported.add(dir);
    }
    const pkg = this.index.goImportedPackage(dir);
    if (!pkg || (!binding.aliased && pkg.name !== qualifier)) return undefined;
    return pkg;
  }

  /** `state.State` as `from` names it: a type of another package of the module (its import path is the module's). */
  private ownGoType(from: FileTable, type: string): boolean {
    const binding = from.imports.get(type.slice(0, type.indexOf('.')));
    return binding !== undefined && binding.name === undefined && this.index.goImportDir(posix.dirname(from.path), binding.module) !== undefined;
  }

  /** `store.Load()`: exported function `Load` of the package the file imports as `store`, declared in one file. */
  private goImportedFunction(from: FileTable, qualifier: string, name: string, loadedOnly: boolean): TableFunction | undefined {
    if (!/^[A-Z]/.test(name)) return undefined;
    const pkg = this.goImportedPackage(from, qualifier);
    const paths = pkg?.funcs.get(name);
    if (!pkg || paths?.length !== 1) return undefined;
    const table = this.loadCounted(paths[0]!, loadedOnly);
    return table?.packageName === pkg.name ? table?.topLevel.get(name) : undefined;
  }

  /** `srv.CallJSON()` with `srv *rest.Client`: exported method `CallJSON` of type `Client` of the package `rest` names. */
  private goImportedMethod(from: FileTable, qualifiedType: string, name: string, loadedOnly: boolean): TableFunction | undefined {
    const dot = qualifiedType.indexOf('.');
    const type = qualifiedType.slice(dot + 1);
    if (!/^[A-Z]/.test(name) || !/^[A-Z]\w*$/.test(type)) return undefined;
    const pkg = this.goImportedPackage(from, qualifiedType.slice(0, dot));
    const paths = pkg?.methods.get(type)?.get(name);
    if (!pkg || paths?.length !== 1) return undefined;
    const table = this.loadCounted(paths[0]!, loadedOnly);
    return table?.packageName === pkg.name ? table?.classes.get(type)?.get(name) : undefined;
  }

  // ------------------------------------------------------------------ Java: classes of the package and imports

  /** The table that declares class `name` as seen from `from`: the file itself, an import, or the same package. */
  private javaClass(from: FileTable, name: string, loadedOnly: boolean): FileTable | undefined {
    if (from.classNames.has(name)) return from;
    const binding = from.imports.get(name);
    const module = binding ? `${binding.module}.${binding.name ?? name}` : name;
    for (const candidate of moduleCandidates(from.path, 'java', module, from.packageName)) {
      if (candidate === from.path) continue;
      if (!this.index.has(candidate)) continue;
      const table = this.loadCounted(candidate, loadedOnly);
      if (table?.classNames.has(name)) return table;
    }
    return undefined;
  }

  /** `repo.m()` / `this.repo.m()` where `repo` is a field of the caller's class (or the one class with that field). */
  private javaFieldMethod(from: FileTable, className: string | undefined, field: string, name: string, loadedOnly: boolean): TableFunction | undefined {
    const type = fieldTypeOf(from, className, field);
    if (type === undefined) return undefined;
    return this.javaTypeMethod(from, type, name, loadedOnly);
  }

  /** Method `name` of the Java class or interface `type` as `from` sees it (an interface's one implementation). */
  private javaTypeMethod(from: FileTable, type: string, name: string, loadedOnly: boolean): TableFunction | undefined {
    const owner = this.javaClass(from, type, loadedOnly);
    const method = owner?.classes.get(type)?.get(name);
    if (!owner) return undefined;
    if (method?.abstract && owner.interfaces.has(type)) {
      const impl = this.javaImplementation(from, owner, type, name, loadedOnly);
      if (impl) return impl;
    }
    return method ?? this.inheritedRepositoryMethod(owner, type, name);
  }

  /**
   * `orders.save(order)` on `interface OrderRepository extends JpaRepository<Order, Long>` that does not declare
   * `save`: the method the interface inherits from its base, as a body-less method at the interface's line (its
   * summary is Spring Data's `$SpringData.<base>.<method>`, or opaque when the base is not a repository).
   */
  private inheritedRepositoryMethod(owner: FileTable, type: string, name: string): TableFunction | undefined {
    const iface = owner.interfaces.get(type);
    if (!iface || iface.extends.length === 0 || iface.line === undefined) return undefined;
    const key = `${owner.path}#${type}.${name}@inherited`;
    let fn = this.inherited.get(key);
    if (!fn) {
      fn = { key, path: owner.path, name, className: type, line: iface.line, endLine: iface.line, startIndex: 0, endIndex: 0, nested: false, calls: [], classified: true, abstract: true };
      this.inherited.set(key, fn);
    }
    return fn;
  }

  /**
   * Python/JS/TS `self.field.m()` / `this.field.m()`: method `m` of the class the field holds (`fields`), a class of
   * the file or one it imports (`from .store import JobStore`, `import { Repo } from './repo.js'`, `store.JobStore`
   * through `import store`). From a loop whose class is not known: the one class of the file with that field.
   */
  private fieldMethod(from: FileTable, className: string | undefined, field: string, name: string, hops: number, loadedOnly: boolean): TableFunction | undefined {
    const type = fieldTypeOf(from, className, field);
    if (type === undefined) return undefined;
    return this.typeMethod(from, type, name, hops, loadedOnly);
  }

  /** Method `name` of class `type` (`JobStore` or `module.JobStore`) as `from` sees it: its own class or an import. */
  private typeMethod(from: FileTable, type: string, name: string, hops: number, loadedOnly: boolean): TableFunction | undefined {
    const dot = type.lastIndexOf('.');
    const head = dot < 0 ? type : type.slice(0, dot);
    if (dot < 0 && from.classNames.has(type)) return from.classes.get(type)?.get(name);
    const binding = from.imports.get(head);
    if (!binding || loadedOnly) return undefined;
    if (dot < 0) return binding.name === undefined || binding.name === 'default' ? undefined : this.importedMethod(from, binding.module, binding.name, name, hops);
    // `store.JobStore`: `import store` / `import * as store`, or Python's `from . import store`.
    if (binding.name === undefined) return this.importedMethod(from, binding.module, type.slice(dot + 1), name, hops);
    if (from.language !== 'python') return undefined;
    return this.importedMethod(from, submoduleOf({ module: binding.module, name: binding.name }), type.slice(dot + 1), name, hops);
  }

  /** Method `name` of class `cls` as defined (or re-exported) by `module`, seen from `from`. */
  private importedMethod(from: FileTable, module: string, cls: string, name: string, hops: number): TableFunction | undefined {
    if (hops > 3) return undefined;
    for (const candidate of moduleCandidates(from.path, from.language, module)) {
      if (candidate === from.path) continue;
      if (!this.index.has(candidate)) continue;
      const table = this.loadCounted(candidate, false);
      if (!table) continue;
      if (table.classNames.has(cls)) return table.classes.get(cls)?.get(name);
      // `new hub_1.default(...)` of a compiled module (`exports.default = Hub`): the module's one class, as a
      // default-imported function is the module's one top-level function (see `imported`).
      if (cls === 'default' && from.language !== 'python') return table.classNames.size === 1 ? table.classes.get([...table.classNames][0]!)?.get(name) : undefined;
      const again = table.imports.get(cls);
      if (again?.name !== undefined && again.name !== 'default') return this.importedMethod(table, again.module, again.name, name, hops + 1);
      return undefined;
    }
    return undefined;
  }

  /**
   * Method `name` of the one class of the interface's package (its directory) that implements interface `iface`
   * (the chain says so, as for Go). Several implementations, or none (a Spring Data repository), leave the
   * interface's own method (its summary is then derived from its name).
   */
  private javaImplementation(from: FileTable, owner: FileTable, iface: string, name: string, loadedOnly: boolean): TableFunction | undefined {
    const impls = this.index.javaClassesIn(posix.dirname(owner.path)).filter((c) => c.interfaces.includes(iface));
    if (impls.length !== 1) return undefined;
    const { path, name: className } = impls[0]!;
    const table = path === from.path ? from : this.loadCounted(path, loadedOnly);
    const impl = table?.classes.get(className)?.get(name);
    if (!impl || impl.abstract) return undefined;
    this.implementations.set(impl.key, { iface, type: className });
    return impl;
  }

  /** A method of the caller's class, or (the class not known) the one method of that name the file defines. */
  private ownMethod(from: FileTable, name: string, className: string | undefined, among?: ReadonlySet<string>): TableFunction | undefined {
    if (className !== undefined) {
      const own = from.classes.get(className)?.get(name);
      if (own) return own;
    }
    let found: TableFunction | undefined;
    for (const [cls, methods] of from.classes) {
      if (among && !among.has(cls)) continue;
      const m = methods.get(name);
      if (!m) continue;
      if (found) return undefined;
      found = m;
    }
    return found;
  }

  /** `name` as defined (or re-exported) by `module`, seen from `from`. */
  private imported(from: FileTable, module: string, name: string, hops: number): TableFunction | undefined {
    if (hops > 3) return undefined;
    for (const candidate of moduleCandidates(from.path, from.language, module)) {
      if (candidate === from.path) continue;
      if (!this.index.has(candidate)) continue;
      const table = this.loadCounted(candidate, false);
      // Past the bound the name stays unresolved (the note names the file); an unparsable file, the next candidate.
      if (this.cutOff.has(candidate)) return undefined;
      if (!table) continue;
      if (name === 'default') {
        const only = [...table.topLevel.values()].filter((f) => !f.nested);
        return only.length === 1 ? only[0] : undefined;
      }
      const fn = table.topLevel.get(name);
      if (fn && !fn.nested) return fn;
      // Re-exported (`from .db import load` in a package's __init__, `export { load } from './db'` as an import).
      const again = table.imports.get(name);
      if (again?.name !== undefined) return this.imported(table, again.module, again.name, hops + 1);
      // A barrel's `export * from './db'`: the first module re-exported whole that defines or re-exports the name.
      if (!again && name !== 'default') {
        for (const star of table.starExports ?? []) {
          const found = this.imported(table, star, name, hops + 1);
          if (found) return found;
        }
      }
      return undefined;
    }
    return undefined;
  }

  private tableOf(fn: TableFunction): FileTable | undefined {
    if (fn.path === this.table.path) return this.table;
    return this.index.load(fn.path) ?? undefined;
  }

  /** A Spring Data repository method's effects, from its interface's base and its name; opaque otherwise. */
  private springData(fn: TableFunction, table: FileTable | undefined): Summary {
    const iface = fn.className !== undefined ? table?.interfaces.get(fn.className) : undefined;
    // A method name the catalogue knows on any receiver (`executeUpdate`) says nothing of Spring Data's naming: an
    // engine's `interface CommandInterface extends AutoCloseable` declares its own `executeUpdate`.
    if (iface && this.base.classify('java', `_.${fn.name}`).by === 'api') return EMPTY_OPAQUE;
    for (const base of iface?.extends ?? []) {
      const derived = this.base.classify('java', `$SpringData.${base}.${fn.name}`);
      if (derived.kinds.length === 0) continue;
      const effects = new Map<CallKind, Effect>();
      for (const kind of derived.kinds) {
        if (SUMMARY_KINDS.has(kind)) effects.set(kind, { steps: [{ callee: `${fn.className}.${fn.name}`, path: fn.path, line: fn.line }], managed: false });
      }
      return { effects, opaque: false };
    }
    return EMPTY_OPAQUE;
  }

  /**
   * What `fn` does, following calls `depth` more levels. Memoised per function and depth; a function met again
   * while its own summary is being built (recursion) contributes nothing more on that path.
   */
  private summary(fn: TableFunction, depth: number): Summary {
    const key = `${fn.key}\0${depth}`;
    const memo = this.summaries.get(key);
    if (memo) return memo;
    if (this.inProgress.has(fn.key)) return { effects: new Map(), opaque: false };
    if (++this.steps > 20_000) return EMPTY_OPAQUE;
    this.inProgress.add(fn.key);
    const effects = new Map<CallKind, Effect>();
    let opaque = false;
    let exposed = false;
    const table = this.tableOf(fn);
    if (fn.abstract) {
      // A method without a body does what its implementation does; Spring Data derives a repository interface's
      // query methods from their names (`findPending` reads, `saveAll` writes): rules/apis/java.yml's `$SpringData`.
      this.inProgress.delete(fn.key);
      const derived = this.springData(fn, table);
      this.summaries.set(key, derived);
      return derived;
    }
    const fields = fn.className !== undefined ? table?.fields.get(fn.className) : undefined;
    if (table) materializeCalls(table, fn);
    classifyFunction(fn, table?.language ?? this.table.language, this.base, fields ? (field) => fields.get(field) : undefined, table, table?.language === 'go' ? (type) => this.ownGoType(table, type) : undefined);
    for (const call of fn.calls) {
      // A call that fills a lasting cache runs once per key: not what each call of `fn` does.
      if (call.onCacheMiss) continue;
      // A call in a callback handed to a listener, timer or registry (`server.on(...)`, `server.tool(...)`): the
      // callback runs later, when its event comes, not when `fn` is called.
      const language = table?.language ?? this.table.language;
      if (call.deferredBy?.some((method) => this.hasRole(language, method, 'keeps_callback'))) continue;
      // `worker.put_object(v)` where the file's own class defines `put_object`: that method, not `*.put_object`.
      const own = call.kinds.length > 0 && call.evidence && table?.language === 'python' ? this.ownUntypedMethod(table, call.callee) : undefined;
      if (call.kinds.length > 0 && call.evidence && !own) {
        for (const kind of call.kinds) {
          if (!SUMMARY_KINDS.has(kind) || !replaces(effects.get(kind), call.caught === true) || (kind === 'db-commit' && call.commitOnRequest)) continue;
          effects.set(kind, { steps: [{ callee: call.callee, path: fn.path, line: call.line, ...(call.caught ? { caught: true } : {}) }], sleepSeconds: call.sleepSeconds, timeoutSeconds: call.timeoutSeconds, managed: call.managed });
        }
        continue;
      }
      if (call.kinds.length > 0 && !own?.target) opaque = true; // a name-only guess (or an own method of unknown effect): might be I/O
      const target = own ? own.target : table ? this.resolve(table, call.callee, fn.className, 0, depth === 0, fn.receiver) : undefined;
      if (!target) {
        if (call.kinds.length === 0 && !isPure(call.callee)) opaque = true;
        if (!call.caught && (call.kinds.length > 0 || (call.awaited && !isPure(call.callee)))) exposed = true;
        continue;
      }
      if (depth === 0) {
        // Past the depth bound: unknown, unless it is a function whose summary is being built (recursion).
        if (!this.inProgress.has(target.key)) {
          opaque = true;
          // (JS/TS: a plain function past the bound can only throw synchronously, as any statement can.)
          if (!call.caught && (table?.language === 'python' || call.awaited || target.async)) exposed = true;
        }
        continue;
      }
      const inner = this.summary(target, depth - 1);
      if (inner.opaque) opaque = true;
      if (inner.exposed && !call.caught) exposed = true;
      for (const [kind, effect] of inner.effects) {
        if (!replaces(effects.get(kind), call.caught === true || chainCaught(effect.steps)) || (kind === 'db-commit' && call.commitOnRequest)) continue;
        effects.set(kind, { ...effect, steps: [{ callee: call.callee, path: fn.path, line: call.line, ...(call.caught ? { caught: true } : {}) }, ...effect.steps] });
      }
    }
    this.inProgress.delete(fn.key);
    const summary = { effects, opaque, exposed };
    this.summaries.set(key, summary);
    return summary;
  }
}

/** A chain whose failure is caught on the way: one of its calls sits in a handled `try` (EffectStep.caught). */
export function chainCaught(steps: readonly EffectStep[]): boolean {
  return steps.some((s) => s.caught === true);
}

/**
 * A summary keeps one chain per kind, the first in the body, unless that one is caught and this one is not: a message
 * names a call whose failure reaches the caller (`parser()` runs `extendObject` uncaught, not the `exec` it wraps in
 * a try), and a kind all of whose chains are caught shows that the function handles that failure itself.
 */
function replaces(kept: Effect | undefined, caught: boolean): boolean {
  return kept === undefined || (!caught && chainCaught(kept.steps));
}

/** The type `field` holds in the caller's class, or (the class not known) in the one class of the file with that field. */
function fieldTypeOf(from: FileTable, className: string | undefined, field: string): string | undefined {
  if (className !== undefined) return from.fields.get(className)?.get(field);
  const types = new Set<string>();
  for (const fields of from.fields.values()) {
    const t = fields.get(field);
    if (t !== undefined) types.add(t);
  }
  return types.size === 1 ? [...types][0] : undefined;
}

/** Method `name` of class `cls` of the file, or of a base class the file defines (three levels at most). */
function classChainMethod(table: FileTable, cls: string, name: string, depth: number): TableFunction | undefined {
  const own = table.classes.get(cls)?.get(name);
  if (own || depth >= 3) return own;
  for (const base of table.bases?.get(cls) ?? []) {
    if (base === cls || !table.classNames.has(base)) continue;
    const inherited = classChainMethod(table, base, name, depth + 1);
    if (inherited) return inherited;
  }
  return undefined;
}
