// Syntax trees as flat arrays. The `tree-sitter` binding answers every property of every node with a call into
// native code (about 1 µs each); the extractors and detectors read loop bodies many times over, so most of the
// analysis time went into those calls. Here the whole tree is read once, as columns of integers in pre-order (by
// the small native addon in native/flat_tree.c, or, when that is neither built nor prebuilt, by one cursor walk through the
// binding), and the nodes the analysis sees are plain JavaScript objects over those columns. They answer the subset
// of tree-sitter's SyntaxNode and TreeCursor interface the analysis uses, with the same results (checked node by
// node against the binding in test/analysis/flat-tree.test.ts).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type Parser from 'tree-sitter';

/** Column order of the table; native/flat_tree.c writes the same order. */
const enum Col {
  Symbol,
  Flags,
  Field,
  Start,
  End,
  StartRow,
  StartCol,
  EndRow,
  EndCol,
  Parent,
  Next,
  Size,
}
const COLUMNS = 12;
const FLAG_NAMED = 1;
const FLAG_MISSING = 2;
const FLAG_HAS_ERROR = 8;
const FLAG_IS_ERROR = 16;
/** tree-sitter's symbol for ERROR nodes ((TSSymbol)-1). */
const ERROR_SYMBOL = 0xffff;

export interface Point {
  row: number;
  column: number;
}

/** Type and field names of one grammar, by id. */
export interface GrammarNames {
  symbols: readonly string[];
  fields: ReadonlyArray<string | null>;
  fieldIds: ReadonlyMap<string, number>;
}

export interface FlatTable {
  count: number;
  table: Int32Array;
  /** The native reader keeps the last tree it parsed (per thread) under this id, for incremental re-parses. */
  keptId?: number;
}

let nextIdBase = 1;



export class FlatTree {
  readonly count: number;
  readonly symbol: Int32Array;
  readonly flags: Int32Array;
  readonly field: Int32Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly startRow: Int32Array;
  readonly startCol: Int32Array;
  readonly endRow: Int32Array;
  readonly endCol: Int32Array;
  readonly parentIndex: Int32Array;
  readonly next: Int32Array;
  readonly size: Int32Array;
  /** Ids are unique across trees: node ids from two files never compare equal. */
  readonly idBase: number;
  /** Set when the native reader still holds this tree (see FlatTable.keptId). */
  readonly keptId: number | undefined;
  private readonly nodes: Array<FlatNode | undefined>;

  constructor(
    readonly source: string,
    readonly names: GrammarNames,
    flat: FlatTable,
  ) {
    const n = flat.count;
    const column = (c: Col): Int32Array => flat.table.subarray(c * n, (c + 1) * n);
    this.count = n;
    this.symbol = column(Col.Symbol);
    this.flags = column(Col.Flags);
    this.field = column(Col.Field);
    this.start = column(Col.Start);
    this.end = column(Col.End);
    this.startRow = column(Col.StartRow);
    this.startCol = column(Col.StartCol);
    this.endRow = column(Col.EndRow);
    this.endCol = column(Col.EndCol);
    this.parentIndex = column(Col.Parent);
    this.next = column(Col.Next);
    this.size = column(Col.Size);
    this.keptId = flat.keptId;
    this.idBase = nextIdBase;
    nextIdBase += n + 1;
    this.nodes = new Array<FlatNode | undefined>(n);
  }

  get rootNode(): FlatNode {
    return this.node(0);
  }

  /** The node object for a row; one object per row, so nodes can be compared with `===` as well as by id. */
  node(index: number): FlatNode {
    let node = this.nodes[index];
    if (!node) {
      node = new FlatNode(this, index);
      this.nodes[index] = node;
    }
    return node;
  }

  typeOf(index: number): string {
    const symbol = this.symbol[index]!;
    return symbol === ERROR_SYMBOL ? 'ERROR' : (this.names.symbols[symbol] ?? '');
  }

  fieldNameOf(index: number): string | undefined {
    const id = this.field[index]!;
    return id === 0 ? undefined : (this.names.fields[id] ?? undefined);
  }

  walk(): FlatCursor {
    return new FlatCursor(this, 0);
  }
}

/** Offsets and positions of the row at `index`: shared by nodes (a fixed row) and cursors (a moving one). */
abstract class FlatSpan {
  constructor(
    readonly tree: FlatTree,
    /** The node's row in the tree's columns; fixed for a node, the current one for a cursor. */
    public index: number,
  ) {}

  get startIndex(): number {
    return this.tree.start[this.index]!;
  }

  get endIndex(): number {
    return this.tree.end[this.index]!;
  }

  get startPosition(): Point {
    return { row: this.tree.startRow[this.index]!, column: this.tree.startCol[this.index]! };
  }

  get endPosition(): Point {
    return { row: this.tree.endRow[this.index]!, column: this.tree.endCol[this.index]! };
  }
}

export class FlatNode extends FlatSpan {

  get id(): number {
    return this.tree.idBase + this.index;
  }

  get typeId(): number {
    return this.tree.symbol[this.index]!;
  }

  get type(): string {
    return this.tree.typeOf(this.index);
  }

  get text(): string {
    return this.tree.source.substring(this.tree.start[this.index]!, this.tree.end[this.index]!);
  }

  get isNamed(): boolean {
    return (this.tree.flags[this.index]! & FLAG_NAMED) !== 0;
  }

  get isMissing(): boolean {
    return (this.tree.flags[this.index]! & FLAG_MISSING) !== 0;
  }

  get hasError(): boolean {
    return (this.tree.flags[this.index]! & FLAG_HAS_ERROR) !== 0;
  }

  get isError(): boolean {
    return (this.tree.flags[this.index]! & FLAG_IS_ERROR) !== 0;
  }

  get parent(): FlatNode | null {
    const p = this.tree.parentIndex[this.index]!;
    return p < 0 ? null : this.tree.node(p);
  }

  /** Row of the first child, or -1. */
  private firstChildIndex(): number {
    return this.tree.size[this.index]! > 1 ? this.index + 1 : -1;
  }

  get children(): FlatNode[] {
    const out: FlatNode[] = [];
    const tree = this.tree;
    for (let c = this.firstChildIndex(); c >= 0; c = tree.next[c]!) out.push(tree.node(c));
    return out;
  }

  get namedChildren(): FlatNode[] {
    const out: FlatNode[] = [];
    const tree = this.tree;
    for (let c = this.firstChildIndex(); c >= 0; c = tree.next[c]!) if ((tree.flags[c]! & FLAG_NAMED) !== 0) out.push(tree.node(c));
    return out;
  }

  get childCount(): number {
    let n = 0;
    for (let c = this.firstChildIndex(); c >= 0; c = this.tree.next[c]!) n++;
    return n;
  }

  get namedChildCount(): number {
    let n = 0;
    const tree = this.tree;
    for (let c = this.firstChildIndex(); c >= 0; c = tree.next[c]!) if ((tree.flags[c]! & FLAG_NAMED) !== 0) n++;
    return n;
  }

  child(index: number): FlatNode | null {
    let i = 0;
    for (let c = this.firstChildIndex(); c >= 0; c = this.tree.next[c]!, i++) if (i === index) return this.tree.node(c);
    return null;
  }

  namedChild(index: number): FlatNode | null {
    let i = 0;
    const tree = this.tree;
    for (let c = this.firstChildIndex(); c >= 0; c = tree.next[c]!) {
      if ((tree.flags[c]! & FLAG_NAMED) === 0) continue;
      if (i === index) return tree.node(c);
      i++;
    }
    return null;
  }

  get firstChild(): FlatNode | null {
    const c = this.firstChildIndex();
    return c < 0 ? null : this.tree.node(c);
  }

  get lastChild(): FlatNode | null {
    let last = -1;
    for (let c = this.firstChildIndex(); c >= 0; c = this.tree.next[c]!) last = c;
    return last < 0 ? null : this.tree.node(last);
  }

  get firstNamedChild(): FlatNode | null {
    return this.namedChild(0);
  }

  get lastNamedChild(): FlatNode | null {
    let last = -1;
    const tree = this.tree;
    for (let c = this.firstChildIndex(); c >= 0; c = tree.next[c]!) if ((tree.flags[c]! & FLAG_NAMED) !== 0) last = c;
    return last < 0 ? null : tree.node(last);
  }

  // tree-sitter finds the next sibling by byte position: a sibling ending where this node ends (an empty MISSING
  // node, in trees with errors) is passed over. Done the same way here.
  get nextSibling(): FlatNode | null {
    const tree = this.tree;
    const end = tree.end[this.index]!;
    for (let n = tree.next[this.index]!; n >= 0; n = tree.next[n]!) if (tree.end[n]! > end) return tree.node(n);
    return null;
  }

  get nextNamedSibling(): FlatNode | null {
    const tree = this.tree;
    const end = tree.end[this.index]!;
    for (let n = tree.next[this.index]!; n >= 0; n = tree.next[n]!) if ((tree.flags[n]! & FLAG_NAMED) !== 0 && tree.end[n]! > end) return tree.node(n);
    return null;
  }

  get previousSibling(): FlatNode | null {
    const p = this.tree.parentIndex[this.index]!;
    if (p < 0) return null;
    let previous = -1;
    for (let c = p + 1; c >= 0 && c !== this.index; c = this.tree.next[c]!) previous = c;
    return previous < 0 ? null : this.tree.node(previous);
  }

  get previousNamedSibling(): FlatNode | null {
    const tree = this.tree;
    const p = tree.parentIndex[this.index]!;
    if (p < 0) return null;
    let previous = -1;
    for (let c = p + 1; c >= 0 && c !== this.index; c = tree.next[c]!) if ((tree.flags[c]! & FLAG_NAMED) !== 0) previous = c;
    return previous < 0 ? null : tree.node(previous);
  }

  childForFieldName(name: string): FlatNode | null {
    const id = this.tree.names.fieldIds.get(name);
    // tree-sitter reads fields from the node's own production; an ERROR node has none (its children may still carry
    // fields of hidden productions inside it, which childrenForFieldName and cursors report).
    if (id === undefined || this.tree.symbol[this.index] === ERROR_SYMBOL) return null;
    const tree = this.tree;
    for (let c = this.firstChildIndex(); c >= 0; c = tree.next[c]!) if (tree.field[c] === id) return tree.node(c);
    return null;
  }

  childrenForFieldName(name: string): FlatNode[] {
    const id = this.tree.names.fieldIds.get(name);
    const out: FlatNode[] = [];
    if (id === undefined) return out;
    const tree = this.tree;
    for (let c = this.firstChildIndex(); c >= 0; c = tree.next[c]!) if (tree.field[c] === id) out.push(tree.node(c));
    return out;
  }

  /**
   * Nodes of the given types in this subtree, this node included, in pre-order. Like the binding, a node ending at
   * row 0, column 0 (empty, at the very start of the file) is passed over with its subtree.
   */
  descendantsOfType(types: string | readonly string[]): FlatNode[] {
    const wanted = typeof types === 'string' ? singleType(types) : types;
    const tree = this.tree;
    const out: FlatNode[] = [];
    const end = this.index + tree.size[this.index]!;
    // Symbol ids that carry one of the names (several symbols can share a name).
    const match = symbolMatcher(tree.names, wanted);
    for (let i = this.index; i < end; ) {
      if (tree.endRow[i] === 0 && tree.endCol[i] === 0) {
        i += tree.size[i]!;
        continue;
      }
      const symbol = tree.symbol[i]!;
      if (symbol === ERROR_SYMBOL ? match.error : match.ids[symbol] === 1) out.push(tree.node(i));
      i++;
    }
    return out;
  }

  walk(): FlatCursor {
    return new FlatCursor(this.tree, this.index);
  }

  override toString(): string {
    return `(${this.type})`;
  }
}

const singleTypes = new Map<string, readonly string[]>();

/** One array per type name, so that the matcher cache (by array) serves `descendantsOfType('call')` too. */
function singleType(type: string): readonly string[] {
  let list = singleTypes.get(type);
  if (!list) {
    list = [type];
    singleTypes.set(type, list);
  }
  return list;
}

interface SymbolMatcher {
  /** 1 at the ids of the wanted symbols (a table: a Set lookup per node was a tenth of the scan). */
  ids: Uint8Array;
  error: boolean;
}

const matcherCache = new WeakMap<GrammarNames, Map<string, SymbolMatcher>>();
// Callers mostly pass the same constant arrays: those skip building the key.
const matcherByArray = new WeakMap<readonly string[], { names: GrammarNames; matcher: SymbolMatcher }>();

function symbolMatcher(names: GrammarNames, types: readonly string[]): SymbolMatcher {
  const byArray = matcherByArray.get(types);
  if (byArray && byArray.names === names) return byArray.matcher;
  const matcher = matcherFor(names, types);
  matcherByArray.set(types, { names, matcher });
  return matcher;
}

function matcherFor(names: GrammarNames, types: readonly string[]): SymbolMatcher {
  let perGrammar = matcherCache.get(names);
  if (!perGrammar) {
    perGrammar = new Map();
    matcherCache.set(names, perGrammar);
  }
  const key = types.join('\0');
  let matcher = perGrammar.get(key);
  if (!matcher) {
    const wanted = new Set(types);
    const ids = new Uint8Array(names.symbols.length + 1);
    names.symbols.forEach((name, id) => {
      if (wanted.has(name)) ids[id] = 1;
    });
    matcher = { ids, error: wanted.has('ERROR') };
    perGrammar.set(key, matcher);
  }
  return matcher;
}

/** A cursor over one subtree: it never leaves the node it was created on, as tree-sitter's cursors do not. */
export class FlatCursor extends FlatSpan {
  constructor(
    tree: FlatTree,
    private readonly rootIndex: number,
  ) {
    super(tree, rootIndex);
  }

  get nodeType(): string {
    return this.tree.typeOf(this.index);
  }

  get nodeTypeId(): number {
    return this.tree.symbol[this.index]!;
  }

  get nodeIsNamed(): boolean {
    return (this.tree.flags[this.index]! & FLAG_NAMED) !== 0;
  }

  get nodeIsMissing(): boolean {
    return (this.tree.flags[this.index]! & FLAG_MISSING) !== 0;
  }

  get currentNode(): FlatNode {
    return this.tree.node(this.index);
  }

  get currentFieldName(): string | undefined {
    return this.index === this.rootIndex ? undefined : this.tree.fieldNameOf(this.index);
  }

  gotoFirstChild(): boolean {
    if (this.tree.size[this.index]! <= 1) return false;
    this.index++;
    return true;
  }

  gotoNextSibling(): boolean {
    if (this.index === this.rootIndex) return false;
    const n = this.tree.next[this.index]!;
    if (n < 0) return false;
    this.index = n;
    return true;
  }

  gotoParent(): boolean {
    if (this.index === this.rootIndex) return false;
    this.index = this.tree.parentIndex[this.index]!;
    return true;
  }
}

// ---- building trees ----

export interface NativeAddon {
  parse(language: unknown, source: string, timeoutMs: number): FlatTable | null;
  hasErrors(language: unknown, source: string, timeoutMs: number): boolean | null;
  hasErrorsAfterEdit(keptId: number, source: string, ...edit: number[]): boolean | null;
  /** The incremental parse of hasErrorsAfterEdit, flattened (the new tree is not kept); the last argument is timeoutMs. */
  parseAfterEdit(keptId: number, source: string, ...editAndTimeout: number[]): FlatTable | null;
  parseAsync(language: unknown, source: string, timeoutMs: number): Promise<FlatTable | null>;
  release(keptId: number): void;
  names(language: unknown): { symbols: string[]; fields: Array<string | null> };
  useBatchScheduling(on: boolean): boolean;
}

/** Every function this code calls: an addon built from an older native/flat_tree.c lacks some and is not used. */
const ADDON_FUNCTIONS = ['parse', 'hasErrors', 'hasErrorsAfterEdit', 'parseAfterEdit', 'parseAsync', 'release', 'names', 'useBatchScheduling'] as const;

const require = createRequire(import.meta.url);
let addon: NativeAddon | null | undefined;

/** native/ from src/analysis (ts-jest) and from dist/src/analysis (the build). */
const NATIVE_DIRS = ['../../native', '../../../native'].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));

/** The addon's file: a local build (native/build/Release) first, else a prebuilt binary for this platform and CPU. */
export function nativeAddonPath(dirs: readonly string[] = NATIVE_DIRS): string | undefined {
  const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };
  for (const dir of dirs) {
    try {
      return nodeGypBuild.resolve(dir);
    } catch {
      // Neither built nor prebuilt here.
    }
  }
  return undefined;
}

/** Loads the addon at `path` when it offers every function this code calls (the capability check); else null. */
export function loadNativeAddon(path: string): NativeAddon | null {
  try {
    const loaded = require(path) as Partial<Record<(typeof ADDON_FUNCTIONS)[number], unknown>>;
    return ADDON_FUNCTIONS.every((name) => typeof loaded[name] === 'function') ? (loaded as NativeAddon) : null;
  } catch {
    // Built for another platform or Node.js ABI, or damaged: the binding path does the same, more slowly.
    return null;
  }
}

/**
 * The native tree reader (native/: built here, or prebuilt for this platform), or null when there is none that
 * loads and passes the capability check; `COZE_LOOP_FLAT_TREE=binding` skips it.
 */
export function nativeAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  if (process.env.COZE_LOOP_FLAT_TREE === 'binding') return addon;
  const path = nativeAddonPath();
  if (path) addon = loadNativeAddon(path);
  return addon;
}

const namesByGrammar = new WeakMap<object, GrammarNames>();

function toNames(symbols: readonly string[], fields: ReadonlyArray<string | null>): GrammarNames {
  const fieldIds = new Map<string, number>();
  fields.forEach((name, id) => {
    if (name && !fieldIds.has(name)) fieldIds.set(name, id);
  });
  return { symbols, fields, fieldIds };
}

/** Type and field names of a grammar, read once from the addon. */
export function grammarNames(native: NativeAddon, grammar: object): GrammarNames {
  let names = namesByGrammar.get(grammar);
  if (!names) {
    const read = native.names(grammar);
    names = toNames(read.symbols, read.fields);
    namesByGrammar.set(grammar, names);
  }
  return names;
}

/** Copies a binding tree into the flat form with one cursor walk (the path used when the addon is not built). */
export function flattenBindingTree(tree: Parser.Tree, source: string): FlatTree {
  // Names are learnt from the nodes themselves: ids as the binding reports them, fields numbered as they appear.
  const symbols: string[] = [];
  const fields: Array<string | null> = [null];
  const fieldIds = new Map<string, number>();
  let capacity = 1024;
  let columns = new Int32Array(capacity * COLUMNS);
  let count = 0;
  const set = (c: Col, row: number, value: number): void => {
    columns[c * capacity + row] = value;
  };
  const grow = (): void => {
    const bigger = new Int32Array(capacity * 2 * COLUMNS);
    for (let c = 0; c < COLUMNS; c++) bigger.set(columns.subarray(c * capacity, c * capacity + count), c * capacity * 2);
    columns = bigger;
    capacity *= 2;
  };
  const withErrors = tree.rootNode.hasError;
  const cursor = tree.walk();
  const open: number[] = [];
  const lastChild: number[] = [-1];
  for (;;) {
    if (count === capacity) grow();
    const i = count++;
    const depth = open.length;
    const start = cursor.startPosition;
    const end = cursor.endPosition;
    const typeId = cursor.nodeTypeId;
    const type = cursor.nodeType;
    const isError = type === 'ERROR';
    if (!isError) symbols[typeId] ??= type;
    let flags = (cursor.nodeIsNamed ? FLAG_NAMED : 0) | (cursor.nodeIsMissing ? FLAG_MISSING : 0) | (isError ? FLAG_IS_ERROR : 0);
    if (withErrors && cursor.currentNode.hasError) flags |= FLAG_HAS_ERROR;
    const fieldName = depth > 0 ? cursor.currentFieldName : undefined;
    set(Col.Symbol, i, isError ? ERROR_SYMBOL : typeId);
    set(Col.Flags, i, flags);
    let fieldId = 0;
    if (fieldName) {
      fieldId = fieldIds.get(fieldName) ?? fields.length;
      if (fieldId === fields.length) {
        fields.push(fieldName);
        fieldIds.set(fieldName, fieldId);
      }
    }
    set(Col.Field, i, fieldId);
    set(Col.Start, i, cursor.startIndex);
    set(Col.End, i, cursor.endIndex);
    set(Col.StartRow, i, start.row);
    set(Col.StartCol, i, start.column);
    set(Col.EndRow, i, end.row);
    set(Col.EndCol, i, end.column);
    set(Col.Parent, i, depth > 0 ? open[depth - 1]! : -1);
    set(Col.Next, i, -1);
    set(Col.Size, i, 1);
    const previous = lastChild[depth]!;
    if (previous >= 0) set(Col.Next, previous, i);
    lastChild[depth] = i;
    if (cursor.gotoFirstChild()) {
      open.push(i);
      lastChild[depth + 1] = -1;
      continue;
    }
    let done = false;
    while (!cursor.gotoNextSibling()) {
      if (open.length === 0 || !cursor.gotoParent()) {
        done = true;
        break;
      }
      const parent = open.pop()!;
      set(Col.Size, parent, count - parent);
    }
    if (done) break;
  }
  while (open.length > 0) {
    const parent = open.pop()!;
    set(Col.Size, parent, count - parent);
  }
  const table = new Int32Array(count * COLUMNS);
  for (let c = 0; c < COLUMNS; c++) table.set(columns.subarray(c * capacity, c * capacity + count), c * count);
  for (let id = 0; id < symbols.length; id++) symbols[id] ??= '';
  return new FlatTree(source, { symbols, fields, fieldIds }, { count, table });
}
