// A loop body longer than a screen: the per-item logic wants a name and its own tests.
import type { Detector } from '../../rule-types.js';
import type { SyntaxNode } from '../../facts.js';
import { blockFix, dedentText, fenceLanguage, indentText, lineStartOffset, lineEndOffset } from '../../../fixes/lines.js';
import { camelCase, snakeCase } from '../../../fixes/templates.js';
import { countBodyLines, hasEnclosingLoopInSameFunction } from './shape.js';
import { descendants, endLineOf, familyOf, isFunction, isLoopStatement, lineOf, statementsOf, type Family } from '../lib/index.js';
import { detectBraceLongLoopBody, isBrace } from './brace-readability.js';

export const LONG_LOOP_BODY_LINES = 50;

/** `continue` statements that belong to this loop (not to an inner one). */
function ownContinues(body: SyntaxNode, family: Family): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const stack = [...body.namedChildren];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isFunction(node, family) || isLoopStatement(node, family)) continue;
    if (node.type === 'continue_statement') out.push(node);
    stack.push(...node.namedChildren);
  }
  return out;
}

function hasOwnBreak(body: SyntaxNode, family: Family): boolean {
  const stack = [...body.namedChildren];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isFunction(node, family) || isLoopStatement(node, family) || node.type === 'switch_statement') continue;
    if (node.type === 'break_statement') return true;
    stack.push(...node.namedChildren);
  }
  return false;
}

export const detectLongLoopBody: Detector = (loop, ctx) => {
  if (isBrace(loop)) return detectBraceLongLoopBody(loop, ctx, LONG_LOOP_BODY_LINES);
  const { model } = ctx;
  if (hasEnclosingLoopInSameFunction(loop)) return null;
  const lines = countBodyLines(loop, ctx.file.source);
  if (lines <= LONG_LOOP_BODY_LINES) return null;
  const family = familyOf(loop.language);
  const statements = statementsOf(loop.body);
  let fix;
  if (statements.length > 0 && isLoopStatement(loop.node, family) && !hasOwnBreak(loop.body, family) && !loop.body.text.includes('yield')) {
    const source = ctx.file.source;
    const from = lineStartOffset(source, lineOf(statements[0]!));
    const to = lineEndOffset(source, endLineOf(statements[statements.length - 1]!));
    // `continue` ends the iteration; in the extracted function that is `return`.
    let text = '';
    let cursor = from;
    for (const cont of ownContinues(loop.body, family).sort((a, b) => a.startIndex - b.startIndex)) {
      text += source.slice(cursor, cont.startIndex) + 'return';
      cursor = cont.endIndex;
    }
    text += source.slice(cursor, to);
    const itemVar = loop.loopVariables[0];
    const base = itemVar ? `process_${itemVar}` : 'run_iteration';
    const body = dedentText(text.replace(/\r\n/g, '\n'));
    const header = ctx.file.source.slice(loop.node.startIndex, loop.body.startIndex).trimEnd();
    const args = itemVar ? itemVar : '';
    const code =
      family === 'python'
        ? `def ${snakeCase(base)}(${args}):\n${indentText(body, '    ')}\n\n\n${header}\n    ${snakeCase(base)}(${args})\n`
        : `${loop.hasAwait ? 'async ' : ''}function ${camelCase(base)}(${args}) {\n${indentText(body, '  ')}\n}\n\n${header} {\n  ${loop.hasAwait ? 'await ' : ''}${camelCase(base)}(${args});\n}\n`;
    fix = blockFix(code, { startLine: loop.startLine, endLine: loop.endLine }, {
      description: family === 'python' ? snakeCase(base) : camelCase(base),
      safety: 'unsafe',
      language: fenceLanguage(loop.language),
    });
  }
  const nested = [...descendants(loop.body, model, { skipFunctions: true })].filter((n) => isLoopStatement(n, family)).length;
  return {
    loop,
    line: lineOf(loop.node),
    variant: nested > 0 ? 'nested' : 'default',
    data: { lines, threshold: LONG_LOOP_BODY_LINES, nested },
    confidence: 'high',
    ...(fix ? { fix } : {}),
  };
};
