// Shape facts computed from the loop node itself (body length, nesting, enclosing loops, exits), so that the
// readability rules agree line for line with what a reader sees in the editor.
import type { FileModel } from '../../model.js';
import { sourceLines } from '../../../fixes/lines.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { descendants, familyOf, isFunction, isLoopStatement, lineOf, endLineOf, statementsOf, type Family } from '../lib/index.js';

/** Non-blank, non-comment lines from the first to the last statement of the body. */
export function countBodyLines(loop: LoopFacts, source: string): number {
  const statements = statementsOf(loop.body);
  if (statements.length === 0) return 0;
  const first = lineOf(statements[0]!);
  const last = endLineOf(statements[statements.length - 1]!);
  const lines = sourceLines(source).slice(first - 1, last);
  return lines.filter((line) => {
    const trimmed = line.trim();
    return trimmed !== '' && !trimmed.startsWith('#') && !trimmed.startsWith('//') && !trimmed.startsWith('/*') && !trimmed.startsWith('*');
  }).length;
}

const NESTING: Record<Family, ReadonlySet<string>> = {
  python: new Set(['if_statement', 'for_statement', 'while_statement', 'try_statement', 'with_statement', 'match_statement']),
  js: new Set(['if_statement', 'for_statement', 'for_in_statement', 'while_statement', 'do_statement', 'try_statement', 'switch_statement']),
};

export function isNestingStatement(node: SyntaxNode, family: Family): boolean {
  if (!NESTING[family].has(node.type)) return false;
  // `else if` is a chain, not a deeper level.
  if (family === 'js' && node.type === 'if_statement' && node.parent?.type === 'else_clause') return false;
  return true;
}

/** Block-nesting level of `node` relative to the loop body (a statement directly in the body is level 1). */
export function nestingLevel(node: SyntaxNode, loop: LoopFacts, family: Family): number {
  let level = 1;
  let current = node.parent;
  while (current && current.id !== loop.body.id) {
    if (isNestingStatement(current, family)) level++;
    current = current.parent;
  }
  return level;
}

/** The first compound statement (in source order) whose level exceeds `threshold`, and the deepest level. */
export function deepestNesting(loop: LoopFacts, threshold: number, model: FileModel): { first?: SyntaxNode; maxLevel: number } {
  const family = familyOf(loop.language);
  let first: SyntaxNode | undefined;
  let maxLevel = 0;
  for (const node of descendants(loop.body, model, { skipFunctions: true })) {
    if (!isNestingStatement(node, family)) continue;
    const level = nestingLevel(node, loop, family);
    if (level > maxLevel) maxLevel = level;
    if (level > threshold && !first) first = node;
  }
  return { ...(first ? { first } : {}), maxLevel };
}

/** An enclosing loop statement in the same function (the outer loop reports what it contains). */
export function hasEnclosingLoopInSameFunction(loop: LoopFacts): boolean {
  const family = familyOf(loop.language);
  let current = loop.node.parent;
  while (current) {
    if (isFunction(current, family)) return false;
    if (isLoopStatement(current, family)) return true;
    current = current.parent;
  }
  return false;
}

export interface LoopExits {
  breaks: SyntaxNode[];
  returns: SyntaxNode[];
  raises: SyntaxNode[];
  yields: SyntaxNode[];
  /** `sys.exit()`, `os._exit()`, `process.exit()`. */
  exitCalls: SyntaxNode[];
}

/** Ways out of this loop written in its body (breaks of inner loops and anything in nested functions excluded). */
export function loopExits(loop: LoopFacts): LoopExits {
  const family = familyOf(loop.language);
  const out: LoopExits = { breaks: [], returns: [], raises: [], yields: [], exitCalls: [] };
  const stack: { node: SyntaxNode; inInnerLoop: boolean; inSwitch: boolean }[] = loop.body.namedChildren.map((node) => ({ node, inInnerLoop: false, inSwitch: false }));
  while (stack.length > 0) {
    const { node, inInnerLoop, inSwitch } = stack.pop()!;
    if (isFunction(node, family)) continue;
    switch (node.type) {
      case 'break_statement':
        // A labelled break may leave this loop from an inner one; count it.
        if ((!inInnerLoop && !inSwitch) || node.namedChildren.length > 0) out.breaks.push(node);
        break;
      case 'return_statement':
        out.returns.push(node);
        break;
      case 'raise_statement':
      case 'throw_statement':
        out.raises.push(node);
        break;
      case 'yield':
      case 'yield_expression':
        out.yields.push(node);
        break;
      case 'call':
      case 'call_expression': {
        const fn = node.childForFieldName('function')?.text.replace(/\s+/g, '') ?? '';
        if (/^(sys\.exit|exit|quit|os\._exit|process\.exit)$/.test(fn)) out.exitCalls.push(node);
        break;
      }
    }
    const inner = inInnerLoop || isLoopStatement(node, family);
    const switching = inSwitch || node.type === 'switch_statement';
    for (const child of node.namedChildren) stack.push({ node: child, inInnerLoop: inner, inSwitch: switching });
  }
  return out;
}

/** `while True` / `while 1` / `while (true)` / `for (;;)`: the header never ends the loop. */
export function isInfiniteHeader(loop: LoopFacts): boolean {
  const node = loop.node;
  if (node.type === 'while_statement') {
    const condition = node.childForFieldName('condition');
    const text = (condition?.text ?? '').replace(/[()\s]/g, '');
    return text === 'True' || text === '1' || text === 'true' || text === '!0' || text === '!false';
  }
  if (node.type === 'for_statement' && familyOf(loop.language) === 'js') {
    const condition = node.childForFieldName('condition');
    return !condition || condition.text.trim() === ';' || condition.text.trim() === '' || condition.text.replace(/[;\s]/g, '') === 'true';
  }
  return false;
}
