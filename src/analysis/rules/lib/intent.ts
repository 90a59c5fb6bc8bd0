// What the author says about a loop in the comment just above it. "Run nested set updates one by one" or "apply the
// migrations sequentially" is a decision a reviewer reads and accepts: the per-item round trip is the point (tree
// updates that must see each other's writes, one connection that cannot run two queries at once), so the optimize
// rules that would batch or parallelise the loop stay quiet. A TODO that asks for the opposite does not count.
import type { SyntaxNode } from '../../facts.js';
import { COMMENT_TYPES, isFunctionNode } from './syntax.js';

/** Words that say the items must be handled one after another. Linear: alternatives of fixed words, no nesting. */
const SAYS_SERIAL = /\bone (?:by|at a) (?:one|time)\b|\bsequential(?:ly)?\b|\bserially\b|\bin sequence\b|\bnot (?:in )?parallel\b|\bmust (?:not )?run in order\b|\bseparately for each\b/i;
/** A comment that asks for a change (`TODO: run these concurrently, not one by one`) is not a decision. */
const ASKS_FOR_CHANGE = /\b(?:TODO|FIXME|XXX|HACK)\b|paralleli[sz]e|speed (?:this |it )?up|too slow/i;

/** A function or method of any grammar (isFunctionNode's scopes without classes and lambdas). */
const isFunctionBody = (node: SyntaxNode): boolean => isFunctionNode(node) && !/class|lambda/.test(node.type);
const BLOCK_TYPES = new Set(['block', 'statement_block']);

/** The comments right above `node` (no other statement between), nearest last. */
function commentsAbove(node: SyntaxNode): string[] {
  const out: string[] = [];
  let s = node.previousSibling;
  for (; s && COMMENT_TYPES.has(s.type); s = s.previousSibling) out.unshift(s.text);
  // tree-sitter-python hangs the comments that open a block on the block's parent, just before the block.
  if (!s && node.parent?.type === 'block') {
    for (let p = node.parent.previousSibling; p && COMMENT_TYPES.has(p.type); p = p.previousSibling) out.unshift(p.text);
  }
  return out;
}

/** The statement a function value belongs to: `const run = async () => {...}`, `function run() {...}`, `def run():`. */
function statementOf(fn: SyntaxNode): SyntaxNode {
  let n = fn;
  while (n.parent && !BLOCK_TYPES.has(n.parent.type) && n.parent.type !== 'program' && n.parent.type !== 'module' && n.parent.type !== 'class_body') n = n.parent;
  return n;
}

/**
 * The comment right above the loop, or above the function whose body opens with the loop, says the items are
 * handled one by one on purpose.
 */
export function commentSaysSerial(loop: SyntaxNode): boolean {
  const texts = commentsAbove(loop);
  const block = loop.parent;
  const owner = block?.parent;
  // The loop opens its block: the comments above the function whose body it opens count, and so do those above an
  // `if` whose branch it opens (`# if batching is off, save each object separately` above `if not batch:`).
  const opensBlock = block && owner && BLOCK_TYPES.has(block.type) && !block.namedChildren.some((c) => !COMMENT_TYPES.has(c.type) && c.endIndex <= loop.startIndex);
  if (opensBlock && isFunctionBody(owner)) texts.push(...commentsAbove(statementOf(owner)));
  if (opensBlock && owner.type === 'if_statement') texts.push(...commentsAbove(owner));
  const text = texts.join('\n');
  return SAYS_SERIAL.test(text) && !ASKS_FOR_CHANGE.test(text);
}
