// The parser boundary: every syntax tree the analysis sees comes from one of two readers behind one interface.
//   native   the addon in native/ (src/analysis/flat-tree.ts finds it: a local build, or a prebuilt binary for this
//            platform): parse and flatten in one call, optionally on a parse thread of its own;
//   binding  the `tree-sitter` package's own parser, its tree copied into the same flat form (slower, same trees).
// The native reader is used for a grammar only when the addon accepted that grammar at its first use (the capability
// check: it can read the grammar's names and parse an empty text with it); a native call that throws for one file
// is retried through the binding for that file, so a refused grammar or a failing call never turns a file into a
// skip that the binding could have read. Each fallback is reported once per grammar and reason.
import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import { FlatTree, flattenBindingTree, grammarNames, nativeAddon, type GrammarNames, type NativeAddon } from './flat-tree.js';

/** A grammar as the `tree-sitter-*` packages export it (what `Parser#setLanguage` takes). */
export type Grammar = object;

export interface TreeReader {
  readonly name: 'native' | 'binding';
  /** The flat tree, or null when `timeoutMs` passed first. Throws when this reader cannot parse with `grammar`. */
  parse(grammar: Grammar, source: string, timeoutMs?: number): FlatTree | null;
  /** `parse` without holding up the JavaScript thread where the reader can (the binding parses at once). */
  parseAsync(grammar: Grammar, source: string, timeoutMs?: number): Promise<FlatTree | null>;
  /** Does `source` parse with ERROR or MISSING nodes? null when `timeoutMs` passed first. */
  hasErrors(grammar: Grammar, source: string, timeoutMs?: number): boolean | null;
  /** hasErrors for an edited copy of `tree`'s source, reusing the tree; null when the reader no longer holds it. */
  hasErrorsAfterEdit(tree: FlatTree, edited: string): boolean | null;
  /**
   * The tree of an edited copy of `tree`'s source, parsed incrementally from the tree the reader kept; null when the
   * reader no longer holds it or `timeoutMs` passed first (the caller then parses from scratch).
   */
  parseAfterEdit(tree: FlatTree, edited: string, timeoutMs?: number): FlatTree | null;
  /** The analysis of `tree` is over: free what the reader kept for it. */
  release(tree: FlatTree): void;
}

// ---- binding ----

const bindingParsers = new WeakMap<Grammar, Parser>();
const require = createRequire(import.meta.url);

function bindingParser(grammar: Grammar): Parser {
  let parser = bindingParsers.get(grammar);
  if (!parser) {
    // Loaded at first use: with the native reader a run never needs it, and loading it (its JavaScript and its own
    // addon) cost ~20 ms of every CLI start.
    const TreeSitter = require('tree-sitter') as typeof Parser;
    parser = new TreeSitter();
    parser.setLanguage(grammar as Parser.Language);
    bindingParsers.set(grammar, parser);
  }
  return parser;
}

/** The binding's own tree (the flat trees are checked against it); undefined when `timeoutMs` passed first. */
export function bindingTree(grammar: Grammar, source: string, timeoutMs?: number): Parser.Tree | undefined {
  const parser = bindingParser(grammar);
  const deadline = timeoutMs === undefined || timeoutMs < 0 ? undefined : Date.now() + timeoutMs;
  try {
    const tree = parser.parse(source, null, deadline === undefined ? undefined : { progressCallback: () => Date.now() > deadline });
    return tree ?? undefined;
  } finally {
    // A cancelled parse would otherwise resume on the next call with a different input.
    parser.reset();
  }
}

export const bindingReader: TreeReader = {
  name: 'binding',
  parse(grammar, source, timeoutMs) {
    const tree = bindingTree(grammar, source, timeoutMs);
    return tree ? flattenBindingTree(tree, source) : null;
  },
  parseAsync(grammar, source, timeoutMs) {
    try {
      return Promise.resolve(this.parse(grammar, source, timeoutMs));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  },
  hasErrors(grammar, source, timeoutMs) {
    const tree = bindingTree(grammar, source, timeoutMs);
    return tree ? tree.rootNode.hasError : null;
  },
  hasErrorsAfterEdit() {
    return null;
  },
  parseAfterEdit() {
    return null;
  },
  release() {},
};

// ---- native ----

/** Row and column (UTF-16 code units, as tree-sitter reports them for JavaScript strings) of an offset. */
function pointAt(text: string, index: number): [number, number] {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return [row, index - lineStart];
}

/** Characters editBetween compares at a time while the two texts agree. */
const EDIT_BLOCK = 2048;

/**
 * The edit that turns `before` into `edited`, as one replaced range (the common prefix and suffix of the two texts
 * stay), in the nine numbers the addon takes: start, old end and new end offsets, then their rows and columns.
 */
export function editBetween(before: string, edited: string): number[] {
  const limit = Math.min(before.length, edited.length);
  let start = 0;
  // Equal blocks first (a string comparison runs in native code; a loop over characters ran interpreted, ~3 ms per
  // 90 KB file in a CLI run), then character by character: the same result as a scan by character.
  while (start + EDIT_BLOCK <= limit && before.slice(start, start + EDIT_BLOCK) === edited.slice(start, start + EDIT_BLOCK)) start += EDIT_BLOCK;
  while (start < limit && before.charCodeAt(start) === edited.charCodeAt(start)) start++;
  let tail = 0;
  while (tail + EDIT_BLOCK <= limit - start && before.slice(before.length - tail - EDIT_BLOCK, before.length - tail) === edited.slice(edited.length - tail - EDIT_BLOCK, edited.length - tail)) tail += EDIT_BLOCK;
  while (tail < limit - start && before.charCodeAt(before.length - 1 - tail) === edited.charCodeAt(edited.length - 1 - tail)) tail++;
  const oldEnd = before.length - tail;
  const newEnd = edited.length - tail;
  return [start, oldEnd, newEnd, ...pointAt(before, start), ...pointAt(before, oldEnd), ...pointAt(edited, newEnd)];
}

function nativeReader(addon: NativeAddon): TreeReader {
  const names = (grammar: Grammar): GrammarNames => grammarNames(addon, grammar);
  return {
    name: 'native',
    parse(grammar, source, timeoutMs) {
      const flat = addon.parse(grammar, source, timeoutMs ?? -1);
      return flat ? new FlatTree(source, names(grammar), flat) : null;
    },
    async parseAsync(grammar, source, timeoutMs) {
      const flat = await addon.parseAsync(grammar, source, timeoutMs ?? -1);
      return flat ? new FlatTree(source, names(grammar), flat) : null;
    },
    hasErrors(grammar, source, timeoutMs) {
      return addon.hasErrors(grammar, source, timeoutMs ?? -1);
    },
    hasErrorsAfterEdit(tree, edited) {
      if (tree.keptId === undefined) return null;
      return addon.hasErrorsAfterEdit(tree.keptId, edited, ...editBetween(tree.source, edited));
    },
    parseAfterEdit(tree, edited, timeoutMs) {
      if (tree.keptId === undefined) return null;
      const flat = addon.parseAfterEdit(tree.keptId, edited, ...editBetween(tree.source, edited), timeoutMs ?? -1);
      return flat ? new FlatTree(edited, tree.names, flat) : null;
    },
    release(tree) {
      if (tree.keptId !== undefined) addon.release(tree.keptId);
    },
  };
}

// ---- choosing, and falling back ----

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The readers of one process: the native one (when there is an addon) and the binding, and which grammar gets which. */
export class TreeReaders {
  readonly native: TreeReader | null;
  /** Grammars the addon refused at their first use, with the reason. */
  private readonly refused = new WeakMap<Grammar, string>();
  private readonly accepted = new WeakSet<Grammar>();
  private readonly reported = new Set<string>();

  constructor(
    private readonly addon: NativeAddon | null,
    /** Where fallbacks are reported (once per grammar, kind and reason). */
    private readonly warn: (message: string) => void = (message) => process.emitWarning(message, { code: 'COZE_LOOP_TREE_READER' }),
  ) {
    this.native = addon ? nativeReader(addon) : null;
  }

  /** The reader for `grammar`: the native one when there is one and it accepted this grammar (checked once), else the binding. */
  readerFor(grammar: Grammar, label = 'a grammar'): TreeReader {
    if (!this.native || !this.addon || this.refused.has(grammar)) return bindingReader;
    if (this.accepted.has(grammar)) return this.native;
    try {
      // The capability check: the addon reads the grammar's names and parses an empty text with it.
      if (!(this.addon.names(grammar).symbols.length > 0)) throw new Error('a grammar without symbols');
      if (this.addon.hasErrors(grammar, '', -1) === null) throw new Error('no tree for an empty text');
      this.accepted.add(grammar);
      return this.native;
    } catch (error) {
      this.refused.set(grammar, reasonOf(error));
      this.report(label, 'refused the grammar', error);
      return bindingReader;
    }
  }

  /** Runs `call` with the reader for `grammar` (`label` names it in reports); if the native reader throws, once more with the binding. */
  withReader<T>(grammar: Grammar, label: string, call: (reader: TreeReader) => T): T {
    const reader = this.readerFor(grammar, label);
    if (reader === bindingReader) return call(bindingReader);
    try {
      return call(reader);
    } catch (error) {
      this.report(label, 'failed on one file', error);
      return call(bindingReader);
    }
  }

  /** withReader for asynchronous calls: a rejection from the native reader is retried through the binding. */
  async withReaderAsync<T>(grammar: Grammar, label: string, call: (reader: TreeReader) => Promise<T>): Promise<T> {
    const reader = this.readerFor(grammar, label);
    if (reader === bindingReader) return call(bindingReader);
    try {
      return await call(reader);
    } catch (error) {
      this.report(label, 'failed on one file', error);
      return call(bindingReader);
    }
  }

  /**
   * hasErrors for an edited copy of a tree the native reader still holds, parsed incrementally; null when no reader
   * holds the tree (or the incremental parse failed): the caller then parses the edited text from scratch.
   */
  hasErrorsAfterEdit(tree: FlatTree, edited: string): boolean | null {
    if (tree.keptId === undefined || !this.native) return null;
    try {
      return this.native.hasErrorsAfterEdit(tree, edited);
    } catch {
      return null;
    }
  }

  /** parseAfterEdit of the native reader; null when no reader holds the tree, the parse timed out or failed. */
  parseAfterEdit(tree: FlatTree, edited: string, timeoutMs?: number): FlatTree | null {
    if (tree.keptId === undefined || !this.native) return null;
    try {
      return this.native.parseAfterEdit(tree, edited, timeoutMs);
    } catch {
      return null;
    }
  }

  /** The analysis of `tree` is over: the native reader may free the tree it kept for it. */
  release(tree: FlatTree): void {
    if (tree.keptId !== undefined) this.native?.release(tree);
  }

  private report(label: string, what: string, error: unknown): void {
    const key = `${label}: ${what}: ${reasonOf(error)}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.warn(`coze-loop: the native tree reader ${what} (${key}); reading through the tree-sitter binding instead`);
  }
}

let current: TreeReaders | undefined;

/** This process's readers (the native one from nativeAddon()). */
export function treeReaders(): TreeReaders {
  current ??= new TreeReaders(nativeAddon());
  return current;
}

/** Replaces this process's readers (tests: an addon that refuses or fails); returns the ones it replaced. */
export function useTreeReaders(readers: TreeReaders | undefined): TreeReaders | undefined {
  const previous = current;
  current = readers;
  return previous;
}

/**
 * For batch runs (the CLI) only: the threads that parse ahead (and the libuv threads that free released trees) run
 * SCHED_BATCH on Linux from now on, so that a woken parse thread does not preempt the JavaScript thread. A
 * long-running service never calls this: its libuv threads also do file, DNS and crypto work for requests. `COZE_LOOP_NO_BATCH=1` keeps the threads as they are.
 * True when the threads will be marked.
 */
export function useBatchSchedulingForParsing(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.COZE_LOOP_NO_BATCH) return false;
  const addon = nativeAddon();
  return addon ? addon.useBatchScheduling(true) : false;
}
