// Fix building for every detector: indentation, whole-line replacements proved to parse, sketches, hoisting a
// statement out of a loop, fresh names, and the optimize rules' fix texts.
import type { Fix, Language } from '../../../core/types.js';
import { t } from '../../../core/i18n.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { hasSyntaxErrorsAfterEdit } from '../../parse.js';
import type { Detection, RuleContext } from '../../rule-types.js';
import { blockFix as spanFix, fenceLanguage, lineAt, sourceLines } from '../../../fixes/lines.js';
import { blankStrings } from '../../../core/linear-text.js';
import { bodyStatements, compact, lineOf } from './syntax.js';

export const isPython = (language: Language): boolean => language === 'python';

export const isTyped = (language: Language): boolean => language === 'typescript' || language === 'tsx';

export const codeLanguage = (language: Language): string => (language === 'tsx' ? 'tsx' : language);

export function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** One indentation step as the file uses it (defaults: 4 spaces in Python, 2 in JS/TS). */
export function indentUnit(loop: LoopFacts, source: string): string {
  const all = sourceLines(source);
  const header = indentOf(all[loop.headerLine - 1] ?? '');
  for (let l = loop.bodyStartLine; l <= loop.bodyEndLine; l++) {
    const text = all[l - 1] ?? '';
    if (text.trim() === '') continue;
    const ind = indentOf(text);
    if (ind.length > header.length && ind.startsWith(header)) return ind.slice(header.length);
  }
  return isPython(loop.language) ? '    ' : '  ';
}

/** Re-indents a multi-line snippet so that its first line sits at `indent`. */
export function reindent(text: string, fromIndent: string, indent: string): string {
  return text
    .split('\n')
    .map((l, i) => {
      if (i === 0) return indent + l.trimStart();
      if (l.trim() === '') return '';
      return l.startsWith(fromIndent) ? indent + l.slice(fromIndent.length) : indent + l.trimStart();
    })
    .join('\n');
}

/** Adds `indent` to every non-blank line. */
export function indentBlock(text: string, indent: string): string {
  return text
    .split('\n')
    .map((l) => (l.trim() === '' ? '' : indent + l))
    .join('\n');
}

/** Replaces `lines[start..end]` and checks that the result still parses; `undefined` when it does not. */
export function provedReplace(
  ctx: RuleContext,
  startLine: number,
  endLine: number,
  code: string,
  description: string,
  safety: 'safe' | 'unsafe',
): Fix | undefined {
  const all = sourceLines(ctx.file.source);
  const patched = [...all.slice(0, startLine - 1), ...code.split('\n'), ...all.slice(endLine)].join('\n');
  // A proof's re-run reads no fix: the parse that only decides replace-or-sketch is skipped there.
  if (!ctx.findingsOnly) {
    try {
      if (hasSyntaxErrorsAfterEdit(ctx.file.tree, ctx.file.language, patched)) return undefined;
    } catch {
      return undefined;
    }
  }
  return { kind: 'replace', safety, description, startLine, endLine, code, language: codeLanguage(ctx.file.language) };
}

export function blockFix(ctx: RuleContext, loop: LoopFacts, code: string, description: string, safety: 'safe' | 'unsafe', extras?: Fix['extras']): Fix {
  return {
    kind: 'block',
    safety,
    description,
    startLine: loop.startLine,
    endLine: loop.endLine,
    code,
    language: codeLanguage(ctx.file.language),
    ...(extras && extras.length > 0 ? { extras } : {}),
  };
}

/**
 * Moves one whole-line statement of the loop body to just before the loop (same indentation as the loop's
 * statement). Returns the replacement for lines `insertLine..statement end` or undefined when the shape does
 * not allow an exact, parseable rewrite.
 */
export function hoistStatement(ctx: RuleContext, loop: LoopFacts, statement: SyntaxNode, description: string, safety: 'safe' | 'unsafe'): Fix | undefined {
  const source = ctx.file.source;
  const anchor = loopStatement(loop, source);
  if (!anchor || !ownsItsLines(statement, source)) return undefined;
  if (statement.parent?.id !== loop.body.id) return undefined;
  if (bodyStatements(loop).length < 2) return undefined;
  const all = sourceLines(source);
  const insertLine = anchor.startPosition.row + 1;
  const stmtStart = startWithComments(statement, source, loop.headerLine);
  const stmtEnd = statement.endPosition.row + 1;
  if (stmtStart <= insertLine) return undefined;
  const loopIndent = indentOf(all[insertLine - 1] ?? '');
  const stmtIndent = indentOf(all[stmtStart - 1] ?? '');
  const moved = reindent(all.slice(stmtStart - 1, stmtEnd).join('\n'), stmtIndent, loopIndent);
  const kept = all.slice(insertLine - 1, stmtStart - 1);
  return provedReplace(ctx, insertLine, stmtEnd, [moved, ...kept].join('\n'), description, safety);
}

/** A fresh identifier that does not occur in the file (`ids_set`, `ids_set_2`, ...). */
export function freshName(source: string, base: string): string {
  let name = base;
  for (let i = 2; new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`).test(source); i++) name = `${base}_${i}`;
  return name;
}

/** camelCase / snake_case name derived from an expression (`self.allowed_ids` → `allowed_ids`). */
export function baseName(expr: string): string {
  const last = expr.split(/[.\[\]()'"]/).filter((s) => /^[A-Za-z_$][\w$]*$/.test(s)).pop();
  return last ?? 'items';
}

export function short(text: string, max = 60): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}

/** Text of the optimize rules' fixes and extras (templates/i18n/optimize.<locale>.yml). */
export function say(ctx: RuleContext, key: string, params?: Record<string, string | number>): string {
  return t(ctx.locale, `optimize.${key}`, params);
}

export interface NodeEdit {
  /** Node to replace; must start and end on the same line. */
  node: SyntaxNode;
  text: string;
}

/**
 * Inserts `insert` (already indented, may be several lines) before `insertLine` and applies same-line node edits
 * below it: one replacement of lines `insertLine..last edited line`, proved to parse.
 */
export function insertAndEdit(
  ctx: RuleContext,
  insertLine: number,
  insert: string | undefined,
  edits: NodeEdit[],
  description: string,
  safety: 'safe' | 'unsafe',
): Fix | undefined {
  if (edits.length === 0) return undefined;
  if (edits.some((e) => e.node.startPosition.row !== e.node.endPosition.row || e.node.startPosition.row + 1 < insertLine)) return undefined;
  const all = sourceLines(ctx.file.source);
  const lastLine = Math.max(...edits.map((e) => e.node.startPosition.row + 1));
  const byLine = new Map<number, NodeEdit[]>();
  for (const e of edits) {
    const row = e.node.startPosition.row + 1;
    byLine.set(row, [...(byLine.get(row) ?? []), e]);
  }
  const out: string[] = insert !== undefined ? insert.split('\n') : [];
  for (let l = insertLine; l <= lastLine; l++) {
    let text = all[l - 1] ?? '';
    // Columns are byte-based in tree-sitter; apply right to left so earlier columns stay valid.
    const lineEdits = (byLine.get(l) ?? []).sort((a, b) => b.node.startPosition.column - a.node.startPosition.column);
    for (const e of lineEdits) {
      const bytes = Buffer.from(text, 'utf8');
      text =
        bytes.subarray(0, e.node.startPosition.column).toString('utf8') + e.text + bytes.subarray(e.node.endPosition.column).toString('utf8');
    }
    out.push(text);
  }
  return provedReplace(ctx, insertLine, lastLine, out.join('\n'), description, safety);
}

/** Line where code hoisted out of the loop goes, and its indentation. */
export function hoistPoint(loop: LoopFacts, source: string): { line: number; indent: string } | undefined {
  const anchor = loopStatement(loop, source);
  if (!anchor) return undefined;
  const line = anchor.startPosition.row + 1;
  return { line, indent: indentOf(sourceLines(source)[line - 1] ?? '') };
}

/** First line (1-based) of a statement including the comment lines directly above it (they describe it and move with it). */
export function startWithComments(statement: SyntaxNode, source: string, floorLine: number): number {
  const all = sourceLines(source);
  let line = statement.startPosition.row + 1;
  while (line - 1 > floorLine && /^\s*(#|\/\/)/.test(all[line - 2] ?? '')) line--;
  return line;
}

/** The statement that contains the loop and starts its own line: where hoisted code can be inserted. */
export function loopStatement(loop: LoopFacts, source: string): SyntaxNode | undefined {
  const all = sourceLines(source);
  for (let n: SyntaxNode | null = loop.node; n; n = n.parent) {
    const line = all[n.startPosition.row] ?? '';
    const isStatement = /statement$|^lexical_declaration$|^variable_declaration$|^expression_statement$/.test(n.type);
    if (isStatement && n.startPosition.column === indentOf(line).length) return n;
    if (n.type === 'block' || n.type === 'statement_block' || n.type === 'module' || n.type === 'program') return undefined;
  }
  return undefined;
}

/** True when a statement occupies whole lines (nothing else before it or after it on its lines). */
export function ownsItsLines(node: SyntaxNode, source: string): boolean {
  const all = sourceLines(source);
  const first = all[node.startPosition.row] ?? '';
  const last = all[node.endPosition.row] ?? '';
  if (node.startPosition.column !== indentOf(first).length) return false;
  const rest = last.slice(node.endPosition.column).trim();
  return rest === '' || rest === ';' || rest.startsWith('#') || rest.startsWith('//');
}

/** A literal a loop should name (a sleep, an interval, a batch or retry limit) and the constant it should become. */
export interface LiteralToName {
  literal: SyntaxNode;
  name: string;
  variant?: string;
}

/**
 * One detection per line for literals that should be named constants (magic-interval, every language): lines with a
 * comment of their own are left alone (the comment names the number); the fix declares the constant and uses it.
 */
export function namedConstantDetections<C extends LiteralToName>(
  loop: LoopFacts,
  source: string,
  candidates: readonly C[],
  render: (candidate: C) => string,
): Detection[] {
  const comment = loop.language === 'python' ? /#/ : /\/\/|\/\*/;
  const seen = new Set<number>();
  const out: Detection[] = [];
  for (const candidate of candidates) {
    const line = lineOf(candidate.literal);
    if (seen.has(line) || comment.test(blankStrings(lineAt(source, line)))) continue;
    seen.add(line);
    const literal = compact(candidate.literal.text);
    out.push({
      loop,
      line,
      variant: candidate.variant,
      data: { literal, name: candidate.name },
      confidence: 'high',
      fix: spanFix(render(candidate), { startLine: line, endLine: line }, {
        description: `${candidate.name} = ${literal}`,
        safety: 'safe',
        language: fenceLanguage(loop.language),
      }),
    });
  }
  return out;
}
