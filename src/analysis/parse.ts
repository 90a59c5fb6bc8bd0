// tree-sitter registry: one parser per language, created on first use and reused (creating parsers and loading
// grammars per file would dominate the run time on large trees).
import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import type { Language } from '../core/types.js';
import type { FlatTree } from './flat-tree.js';
import { bindingTree, treeReaders } from './tree-reader.js';

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

/** Every language coze-loop analyses. */
const ALL_LANGUAGES: readonly Language[] = [...new Set(Object.values(EXTENSIONS))];

/** Language by file extension; `undefined` for anything coze-loop does not analyse (including `.d.ts`). */
export function languageForPath(path: string): Language | undefined {
  const lower = path.toLowerCase();
  if (/\.d\.[mc]?ts$/.test(lower)) return undefined;
  const dot = lower.lastIndexOf('.');
  if (dot < 0 || dot < lower.lastIndexOf('/')) return undefined;
  return EXTENSIONS[lower.slice(dot)];
}

// Each grammar package (a native module of its own) is loaded at its language's first use: a run over Python files
// loads one grammar, not five (~10 ms of start-up each).
const requireGrammar = createRequire(import.meta.url);
const grammarPackages: Record<Language, string> = {
  python: 'tree-sitter-python',
  javascript: 'tree-sitter-javascript',
  typescript: 'tree-sitter-typescript',
  tsx: 'tree-sitter-typescript',
  go: 'tree-sitter-go',
  java: 'tree-sitter-java',
};
const grammars = new Map<Language, Parser.Language>();

export function grammarFor(language: Language): Parser.Language {
  let grammar = grammars.get(language);
  if (!grammar) {
    const exported = requireGrammar(grammarPackages[language]) as Record<string, unknown>;
    grammar = (language === 'typescript' || language === 'tsx' ? exported[language] : exported) as Parser.Language;
    grammars.set(language, grammar);
  }
  return grammar;
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
 * comes back flat (src/analysis/flat-tree.ts), from the reader src/analysis/tree-reader.ts picks for the grammar:
 * the native one when it is there and accepts the grammar, else the binding (also for a file the native one fails on).
 */
export function parseWithBudget(language: Language, source: string, options: ParseOptions = {}): FlatTree | undefined {
  const grammar = grammarFor(language);
  return treeReaders().withReader(grammar, language, (reader) => reader.parse(grammar, source, options.timeoutMs)) ?? undefined;
}

/**
 * Does `source` parse with syntax errors (ERROR or MISSING nodes)? For checks that need nothing else of the tree,
 * such as proving that a suggested fix leaves valid code: no tree is built on the JavaScript side.
 */
export function hasSyntaxErrors(language: Language, source: string): boolean {
  const grammar = grammarFor(language);
  const errors = treeReaders().withReader(grammar, language, (reader) => reader.hasErrors(grammar, source));
  if (errors === null) throw new Error(`coze-loop: tree-sitter returned no tree for ${language}`);
  return errors;
}

/**
 * hasSyntaxErrors for an edited copy of a tree's source: the native reader re-parses incrementally from the tree it
 * kept (much faster on a large file with a small edit); otherwise, or when it no longer holds that tree, the edited
 * source is parsed from scratch.
 */
export function hasSyntaxErrorsAfterEdit(tree: FlatTree, language: Language, edited: string): boolean {
  return treeReaders().hasErrorsAfterEdit(tree, edited) ?? hasSyntaxErrors(language, edited);
}

/**
 * parseWithBudget for an edited copy of a tree's source: the native reader re-parses incrementally from the tree it
 * kept (a fix's patched file costs a fraction of a full parse); otherwise, or when it no longer holds that tree, the
 * edited source is parsed from scratch. tree-sitter's incremental parse gives the tree a fresh parse would.
 */
export function parseAfterEdit(tree: FlatTree, language: Language, edited: string, options: ParseOptions = {}): FlatTree | undefined {
  return treeReaders().parseAfterEdit(tree, edited, options.timeoutMs) ?? parseWithBudget(language, edited, options);
}

/**
 * parseWithBudget, with the parse done off the JavaScript thread when the native reader serves the grammar
 * (otherwise at once, on this thread). A caller that analyses files one after another starts the next files' parses
 * before analysing the current one, so parsing and analysis overlap.
 */
export async function parseWithBudgetAsync(language: Language, source: string, options: ParseOptions = {}): Promise<FlatTree | undefined> {
  const grammar = grammarFor(language);
  return (await treeReaders().withReaderAsync(grammar, language, (reader) => reader.parseAsync(grammar, source, options.timeoutMs))) ?? undefined;
}

/** Lets the reader free what it kept for `tree` (no more fixes will be proved against it). */
export function releaseTree(tree: FlatTree): void {
  treeReaders().release(tree);
}

/** The `tree-sitter` binding's own tree (the flat trees are checked against it). */
export function parseBindingTree(language: Language, source: string, options: ParseOptions = {}): Parser.Tree | undefined {
  return bindingTree(grammarFor(language), source, options.timeoutMs);
}

/**
 * Parses a small text in every language, so that the grammars are loaded and the readers chosen (the capability
 * check runs) before the first real file: a service calls this at start-up, so the first review is not a cold one.
 * Returns the languages that could not be parsed (never throws).
 */
export function warmParsers(languages: readonly Language[] = ALL_LANGUAGES): Language[] {
  const failed: Language[] = [];
  for (const language of languages) {
    try {
      const tree = parseWithBudget(language, '\n');
      if (tree) releaseTree(tree);
    } catch {
      // That language's files will be reported as skipped, with the reason, when they come.
      failed.push(language);
    }
  }
  return failed;
}

/** True when the tree has no ERROR or MISSING nodes. */
export function parsesCleanly(tree: FlatTree): boolean {
  return !tree.rootNode.hasError;
}
