// tree-sitter registry: one parser per language, created on first use and reused (creating parsers and loading
// grammars per file would dominate the run time on large trees).
import Parser from 'tree-sitter';
import JavaScript from 'tree-sitter-javascript';
import Go from 'tree-sitter-go';
import Java from 'tree-sitter-java';
import Python from 'tree-sitter-python';
import TypeScriptGrammars from 'tree-sitter-typescript';
import type { Language } from '../core/types.js';
import { FlatTree, flattenBindingTree, grammarNames, nativeAddon, parseNative, parseNativeAsync } from './flat-tree.js';

const EXTENSIONS: Record<string, Language> = {
  '.py': 'python',
  '.pyi': 'python',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.go': 'go',
  '.java': 'java',
};

/** Language by file extension; `undefined` for anything coze-loop does not analyse (including `.d.ts`). */
export function languageForPath(path: string): Language | undefined {
  const lower = path.toLowerCase();
  if (/\.d\.[mc]?ts$/.test(lower)) return undefined;
  const dot = lower.lastIndexOf('.');
  if (dot < 0 || dot < lower.lastIndexOf('/')) return undefined;
  return EXTENSIONS[lower.slice(dot)];
}

export function grammarFor(language: Language): Parser.Language {
  switch (language) {
    case 'python':
      return Python as unknown as Parser.Language;
    case 'javascript':
      return JavaScript as unknown as Parser.Language;
    case 'typescript':
      return (TypeScriptGrammars as unknown as { typescript: Parser.Language }).typescript;
    case 'tsx':
      return (TypeScriptGrammars as unknown as { tsx: Parser.Language }).tsx;
    case 'go':
      return Go as unknown as Parser.Language;
    case 'java':
      return Java as unknown as Parser.Language;
  }
}

const parsers = new Map<Language, Parser>();

function parserFor(language: Language): Parser {
  let parser = parsers.get(language);
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(grammarFor(language));
    parsers.set(language, parser);
  }
  return parser;
}

export interface ParseOptions {
  /** Abandon the parse after this many milliseconds (the result is then `undefined`). */
  timeoutMs?: number;
}

/** Parses `source`; tree-sitter always returns a tree, with ERROR nodes where the code does not parse. */
export function parseSource(language: Language, source: string): FlatTree {
  const tree = parseWithBudget(language, source);
  if (!tree) throw new Error(`coze-loop: tree-sitter returned no tree for ${language}`);
  return tree;
}

/**
 * Like parseSource but gives up after `timeoutMs`, so that one pathological file cannot hang a review. The tree
 * comes back flat (src/analysis/flat-tree.ts): from the native addon when it is built, else copied from the
 * binding's tree.
 */
export function parseWithBudget(language: Language, source: string, options: ParseOptions = {}): FlatTree | undefined {
  const native = nativeAddon();
  if (native) {
    const grammar = grammarFor(language) as unknown as object;
    return parseNative(native, grammar, grammarNames(native, grammar), source, options.timeoutMs) ?? undefined;
  }
  const tree = parseBindingTree(language, source, options);
  return tree ? flattenBindingTree(tree, source) : undefined;
}

/**
 * Does `source` parse with syntax errors (ERROR or MISSING nodes)? For checks that need nothing else of the tree,
 * such as proving that a suggested fix leaves valid code: no tree is built on the JavaScript side.
 */
export function hasSyntaxErrors(language: Language, source: string): boolean {
  const native = nativeAddon();
  if (native) {
    const errors = native.hasErrors(grammarFor(language), source, -1);
    if (errors === null) throw new Error(`coze-loop: tree-sitter returned no tree for ${language}`);
    return errors;
  }
  const tree = parseBindingTree(language, source);
  if (!tree) throw new Error(`coze-loop: tree-sitter returned no tree for ${language}`);
  return tree.rootNode.hasError;
}

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

/**
 * hasSyntaxErrors for an edited copy of a tree's source: the native reader re-parses incrementally from the tree it
 * kept (much faster on a large file with a small edit); otherwise, or when it no longer holds that tree, the edited
 * source is parsed from scratch.
 */
export function hasSyntaxErrorsAfterEdit(tree: FlatTree, language: Language, edited: string): boolean {
  const native = nativeAddon();
  if (native && tree.keptId !== undefined) {
    const before = tree.source;
    const limit = Math.min(before.length, edited.length);
    let start = 0;
    while (start < limit && before.charCodeAt(start) === edited.charCodeAt(start)) start++;
    let tail = 0;
    while (tail < limit - start && before.charCodeAt(before.length - 1 - tail) === edited.charCodeAt(edited.length - 1 - tail)) tail++;
    const oldEnd = before.length - tail;
    const newEnd = edited.length - tail;
    const errors = native.hasErrorsAfterEdit(tree.keptId, edited, start, oldEnd, newEnd, ...pointAt(before, start), ...pointAt(before, oldEnd), ...pointAt(edited, newEnd));
    if (errors !== null) return errors;
  }
  return hasSyntaxErrors(language, edited);
}

/**
 * parseWithBudget, with the parse done off the JavaScript thread when the native reader is built (otherwise at once,
 * on this thread). A caller that analyses files one after another starts the next files' parses before analysing
 * the current one, so parsing and analysis overlap.
 */
export function parseWithBudgetAsync(language: Language, source: string, options: ParseOptions = {}): Promise<FlatTree | undefined> {
  const native = nativeAddon();
  if (!native) return Promise.resolve(parseWithBudget(language, source, options));
  const grammar = grammarFor(language) as unknown as object;
  return parseNativeAsync(native, grammar, grammarNames(native, grammar), source, options.timeoutMs).then((tree) => tree ?? undefined);
}

/** Lets the native reader free the tree it kept for `tree` (no more fixes will be proved against it). */
export function releaseTree(tree: FlatTree): void {
  if (tree.keptId !== undefined) nativeAddon()?.release(tree.keptId);
}

/** The `tree-sitter` binding's own tree (the flat trees are checked against it). */
export function parseBindingTree(language: Language, source: string, options: ParseOptions = {}): Parser.Tree | undefined {
  const parser = parserFor(language);
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  try {
    const tree = parser.parse(
      source,
      null,
      deadline === undefined ? undefined : { progressCallback: () => Date.now() > deadline },
    );
    return tree ?? undefined;
  } finally {
    // A cancelled parse would otherwise resume on the next call with a different input.
    parser.reset();
  }
}

/** True when the tree has no ERROR or MISSING nodes. */
export function parsesCleanly(tree: FlatTree): boolean {
  return !tree.rootNode.hasError;
}
