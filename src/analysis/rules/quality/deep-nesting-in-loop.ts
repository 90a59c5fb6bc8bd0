// More than four levels of blocks inside a loop body. The usual cure is guard clauses (`if not ok: continue`) and
// extracting the innermost part into a function; the fix shows the guard-clause form when the body ends in an `if`.
import type { Detector } from '../../rule-types.js';
import type { SyntaxNode } from '../../facts.js';
import { blockFix, dedentText, detectIndentUnit, fenceLanguage, indentText, lineEndOffset, lineStartOffset } from '../../../fixes/lines.js';
import { deepestNesting, hasEnclosingLoopInSameFunction } from './shape.js';
import { familyOf, lineOf, statementsOf, type Family } from '../lib/index.js';
import { detectBraceDeepNesting, isBrace } from './brace-readability.js';

export const MAX_NESTING_IN_LOOP = 4;

function negate(condition: SyntaxNode, family: Family): string {
  const text = condition.text.replace(/^\((.*)\)$/s, '$1');
  const inner = condition.type === 'parenthesized_expression' ? condition.namedChildren[0] : condition;
  if (family === 'python') {
    if (inner?.type === 'not_operator') return inner.childForFieldName('argument')?.text ?? `not (${text})`;
    const simple = inner && ['identifier', 'attribute', 'call', 'subscript'].includes(inner.type);
    return simple ? `not ${text}` : `not (${text})`;
  }
  if (inner?.type === 'unary_expression' && inner.text.startsWith('!')) return inner.childForFieldName('argument')?.text ?? `!(${text})`;
  const simple = inner && ['identifier', 'member_expression', 'call_expression', 'subscript_expression'].includes(inner.type);
  return simple ? `!${text}` : `!(${text})`;
}

function nodeLines(source: string, node: SyntaxNode): string {
  return dedentText(source.slice(lineStartOffset(source, lineOf(node)), lineEndOffset(source, node.endPosition.row + 1)).replace(/\r\n/g, '\n'));
}

/** The statements of a loop body with every trailing `if` (no else) turned into a guard clause, recursively. */
function guardClauses(statements: SyntaxNode[], source: string, family: Family, unit: string): { text: string; changed: boolean } {
  const parts: string[] = [];
  let changed = false;
  statements.forEach((statement, index) => {
    const last = index === statements.length - 1;
    const consequence = statement.childForFieldName('consequence');
    const hasElse = statement.childForFieldName('alternative') !== null || statement.namedChildren.some((c) => c.type === 'elif_clause' || c.type === 'else_clause');
    if (last && statement.type === 'if_statement' && consequence && !hasElse) {
      const condition = statement.childForFieldName('condition')!;
      const guard = family === 'python' ? `if ${negate(condition, family)}:\n${unit}continue` : `if (${negate(condition, family)}) continue;`;
      parts.push(guard);
      const inner = guardClauses(statementsOf(consequence), source, family, unit);
      parts.push(inner.text);
      changed = true;
    } else {
      parts.push(nodeLines(source, statement));
    }
  });
  return { text: parts.join('\n'), changed };
}

export const detectDeepNestingInLoop: Detector = (loop, ctx) => {
  if (isBrace(loop)) return detectBraceDeepNesting(loop, ctx, MAX_NESTING_IN_LOOP);
  if (hasEnclosingLoopInSameFunction(loop)) return null;
  const { first, maxLevel } = deepestNesting(loop, MAX_NESTING_IN_LOOP, ctx.model);
  if (!first) return null;
  const family = familyOf(loop.language);
  let fix;
  if (loop.node.type === 'for_statement' || loop.node.type === 'for_in_statement' || loop.node.type === 'while_statement') {
    const unit = detectIndentUnit(ctx.file.source, loop.language);
    const guarded = guardClauses(statementsOf(loop.body), ctx.file.source, family, unit);
    if (guarded.changed) {
      const header = ctx.file.source.slice(loop.node.startIndex, loop.body.startIndex).trimEnd();
      const code = family === 'python' ? `${header}\n${indentText(guarded.text, unit)}\n` : `${header} {\n${indentText(guarded.text, unit)}\n}\n`;
      fix = blockFix(code, { startLine: loop.startLine, endLine: loop.endLine }, {
        description: 'guard clauses',
        safety: 'safe',
        language: fenceLanguage(loop.language),
      });
    }
  }
  return {
    loop,
    line: lineOf(first),
    data: { depth: maxLevel, threshold: MAX_NESTING_IN_LOOP },
    confidence: 'high',
    ...(fix ? { fix } : {}),
  };
};
