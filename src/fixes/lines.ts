// Line-level rewriting shared by the rules' fixes. A `replace` fix always covers whole lines (that is what a
// GitHub/GitLab suggestion replaces), so every edit made at a character offset is widened to the lines it touches.
import type { Fix, Language } from '../core/types.js';

export interface TextEdit {
  /** Character offsets into the source (tree-sitter `startIndex`/`endIndex` are JS string indices). */
  start: number;
  end: number;
  text: string;
}

export interface LineRewrite {
  startLine: number;
  endLine: number;
  /** New text of lines startLine..endLine, without a trailing newline. */
  code: string;
}

// Fix builders and detectors ask for many lines of the same (possibly multi-megabyte) source, one loop after
// another: scanning from the top on every call made a file with many loops quadratic. What is known about the most
// recent source is kept, each part computed on first use.
interface SourceMemo {
  source: string;
  starts?: number[];
  lines?: readonly string[];
  indentStep?: string;
}

let memo: SourceMemo = { source: '' };

function memoFor(source: string): SourceMemo {
  if (memo.source !== source) memo = { source };
  return memo;
}

/** Offsets where each line starts (index 0 = line 1), for the most recently used source. */
function lineStarts(source: string): number[] {
  const m = memoFor(source);
  if (!m.starts) {
    const starts = [0];
    for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
    m.starts = starts;
  }
  return m.starts;
}

export function splitLines(source: string): string[] {
  return source.split(/\r?\n/);
}

/** The lines of `source`, split once for the most recent source (detectors ask for one file's lines many times). */
export function sourceLines(source: string): readonly string[] {
  const m = memoFor(source);
  return (m.lines ??= splitLines(source));
}

/** Text of a 1-based line without its newline ('' beyond the end). */
export function lineAt(source: string, line: number): string {
  if (!Number.isInteger(line) || line < 1) return splitLines(source)[line - 1] ?? '';
  const starts = lineStarts(source);
  const start = starts[line - 1];
  if (start === undefined) return '';
  const next = starts[line];
  const end = next === undefined ? source.length : next - 1;
  return source.slice(start, next !== undefined && end > start && source.charCodeAt(end - 1) === 13 ? end - 1 : end);
}

export function leadingWhitespace(text: string): string {
  return /^[ \t]*/.exec(text)?.[0] ?? '';
}

/** Offset of the first character of a 1-based line. */
export function lineStartOffset(source: string, line: number): number {
  if (!(line > 1)) return 0;
  const starts = lineStarts(source);
  const index = Math.ceil(line) - 1;
  return index < starts.length ? starts[index]! : source.length;
}

/** Offset just past the last character of a 1-based line (before its `\r\n` / `\n`). */
export function lineEndOffset(source: string, line: number): number {
  const start = lineStartOffset(source, line);
  const newline = source.indexOf('\n', start);
  if (newline < 0) return source.length;
  return source[newline - 1] === '\r' ? newline - 1 : newline;
}

export function lineOfOffset(source: string, offset: number): number {
  if (!(offset > 0)) return 1;
  const starts = lineStarts(source);
  // A newline at index i counts when i < offset, i.e. when the line it opens starts before offset + 1.
  let lo = 1;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! < offset + 1) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Applies character-offset edits and returns the rewritten whole-line range that contains them all.
 * Edits must not overlap; their order does not matter.
 */
export function rewriteLines(source: string, edits: TextEdit[]): LineRewrite {
  if (edits.length === 0) throw new Error('rewriteLines: no edits');
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.start < sorted[i - 1]!.end) throw new Error('rewriteLines: overlapping edits');
  }
  const startLine = lineOfOffset(source, sorted[0]!.start);
  const lastEnd = Math.max(...sorted.map((edit) => edit.end));
  // An edit that ends right after a newline belongs to the line before it.
  const endLine = lineOfOffset(source, lastEnd > sorted[0]!.start && source[lastEnd - 1] === '\n' ? lastEnd - 1 : lastEnd);
  const from = lineStartOffset(source, startLine);
  const to = lineEndOffset(source, endLine);
  let code = '';
  let cursor = from;
  for (const edit of sorted) {
    code += source.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  code += source.slice(cursor, to);
  return { startLine, endLine, code: code.replace(/\r\n/g, '\n') };
}

/** Replaces whole lines: the returned rewrite's code is `lines` joined. */
export function replaceWholeLines(startLine: number, endLine: number, lines: string[]): LineRewrite {
  return { startLine, endLine, code: lines.join('\n') };
}

/** Guesses the file's indentation step: the most common positive indent increase between lines. */
export function detectIndentUnit(source: string, language: Language): string {
  // Fixes of several loops of one file ask in turn: the file is scanned once.
  const m = memoFor(source);
  const step = (m.indentStep ??= mostCommonIndentStep(source));
  if (step) return step;
  if (language === 'go') return '\t';
  return language === 'python' || language === 'java' ? '    ' : '  ';
}

function mostCommonIndentStep(source: string): string {
  const counts = new Map<string, number>();
  let previous = '';
  for (const line of sourceLines(source)) {
    if (line.trim() === '') continue;
    const indent = leadingWhitespace(line);
    if (indent.length > previous.length && indent.startsWith(previous)) {
      const step = indent.slice(previous.length);
      counts.set(step, (counts.get(step) ?? 0) + 1);
    }
    previous = indent;
  }
  let best = '';
  let bestCount = 0;
  for (const [step, count] of counts) {
    if (count > bestCount) {
      best = step;
      bestCount = count;
    }
  }
  return best;
}

/** Adds `prefix` in front of every non-blank line. */
export function indentText(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : prefix + line))
    .join('\n');
}

/** Removes the indentation common to all non-blank lines. */
export function dedentText(text: string): string {
  const lines = text.split('\n');
  let common: string | undefined;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const indent = leadingWhitespace(line);
    if (common === undefined) common = indent;
    else {
      let i = 0;
      while (i < common.length && i < indent.length && common[i] === indent[i]) i++;
      common = common.slice(0, i);
    }
  }
  const cut = common?.length ?? 0;
  return lines.map((line) => (line.trim() === '' ? '' : line.slice(cut))).join('\n');
}

/** Moves a block from its current indentation to `targetIndent`. */
export function reindentText(text: string, targetIndent: string): string {
  return indentText(dedentText(text), targetIndent);
}

/**
 * Text of a node as it sits in whole lines: the first line is completed with the characters before the node
 * (its indentation), so that re-indenting keeps relative indentation right.
 */
export function wholeLineText(source: string, startLine: number, endLine: number): string {
  return source.slice(lineStartOffset(source, startLine), lineEndOffset(source, endLine)).replace(/\r\n/g, '\n');
}

/** Python triple-quoted strings change meaning when re-indented; callers fall back to a block fix then. */
export function hasMultilineString(text: string): boolean {
  return tripleQuotedAcrossLines(text, '"""') || tripleQuotedAcrossLines(text, "'''") || backtickedAcrossLines(text);
}

/** `/Q[\s\S]*\n[\s\S]*Q/`: the first Q, a newline after it, and Q again after that (one pass, not one per Q). */
function tripleQuotedAcrossLines(text: string, quote: string): boolean {
  const open = text.indexOf(quote);
  if (open < 0) return false;
  const newline = text.indexOf('\n', open + quote.length);
  return newline >= 0 && text.indexOf(quote, newline + 1) >= 0;
}

/** ``/`[^`]*\n[^`]*`/``: two consecutive backticks with a newline between them. */
function backtickedAcrossLines(text: string): boolean {
  let open = text.indexOf('`');
  if (open < 0) return false;
  // The first newline after the first backtick; it stays the next newline until a pair encloses it.
  const newline = text.indexOf('\n', open + 1);
  if (newline < 0) return false;
  while (open >= 0) {
    const close = text.indexOf('`', open + 1);
    if (close < 0) return false;
    if (newline < close) return true;
    open = close;
  }
  return false;
}

export function replaceFix(
  rewrite: LineRewrite,
  options: { description: string; safety: 'safe' | 'unsafe'; language: string },
): Fix {
  return {
    kind: 'replace',
    safety: options.safety,
    description: options.description,
    startLine: rewrite.startLine,
    endLine: rewrite.endLine,
    code: rewrite.code,
    language: options.language,
  };
}

export function blockFix(
  code: string,
  span: { startLine: number; endLine: number },
  options: { description: string; safety: 'safe' | 'unsafe'; language: string },
): Fix {
  return {
    kind: 'block',
    safety: options.safety,
    description: options.description,
    startLine: span.startLine,
    endLine: span.endLine,
    code,
    language: options.language,
  };
}

/** Fence language for code blocks and suggestions. */
export function fenceLanguage(language: Language): string {
  if (language === 'python') return 'python';
  if (language === 'javascript') return 'javascript';
  if (language === 'tsx') return 'tsx';
  if (language === 'go' || language === 'java') return language;
  return 'typescript';
}
