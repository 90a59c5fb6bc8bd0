// `for i in range(len(xs))` / `for (let i = 0; i < xs.length; i++)` where the index only ever reads `xs[i]`:
// iterate the elements. Any other use of the index (arithmetic, a second array, writes through it, growing or
// shrinking the array) keeps the index loop legitimate and the rule quiet.
import type { Detection, Detector } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { fenceLanguage, replaceFix, rewriteLines, type TextEdit } from '../../../fixes/lines.js';
import { argumentsOf, calleeOf, compact, descendants, enclosingFunction, familyOf, identifiersIn, lineOf, rootOf, type Family } from '../lib/index.js';
import { detectBraceIndexLoop, isBrace } from './brace-readability.js';

const MUTATORS = new Set([
  'append', 'extend', 'insert', 'remove', 'pop', 'clear', 'sort', 'reverse', 'push', 'splice', 'shift', 'unshift', 'fill', 'copyWithin',
]);

interface IndexShape {
  index: string;
  collection: string;
  /** Offsets of the header part to replace, and its new text (given the element name). */
  header: { start: number; end: number; render: (element: string) => string };
}

function pythonShape(node: SyntaxNode): IndexShape | undefined {
  if (node.type !== 'for_statement' || node.text.startsWith('async')) return undefined;
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (left?.type !== 'identifier' || right?.type !== 'call' || calleeOf(right) !== 'range') return undefined;
  const { positional, keywords } = argumentsOf(right);
  if (keywords.size > 0) return undefined;
  let lenCall: SyntaxNode | undefined;
  if (positional.length === 1) lenCall = positional[0];
  else if (positional.length === 2 && positional[0]!.text === '0') lenCall = positional[1];
  if (lenCall?.type !== 'call' || calleeOf(lenCall) !== 'len') return undefined;
  const lenArgs = argumentsOf(lenCall).positional;
  const target = lenArgs[0];
  if (lenArgs.length !== 1 || !target || (target.type !== 'identifier' && target.type !== 'attribute')) return undefined;
  const collection = compact(target.text);
  return {
    index: left.text,
    collection,
    header: { start: left.startIndex, end: right.endIndex, render: (element) => `${element} in ${target.text}` },
  };
}

function jsShape(node: SyntaxNode): IndexShape | undefined {
  if (node.type !== 'for_statement') return undefined;
  const init = node.childForFieldName('initializer');
  const condition = node.childForFieldName('condition');
  const increment = node.childForFieldName('increment');
  const body = node.childForFieldName('body');
  if (!init || !condition || !increment || !body || init.type !== 'lexical_declaration') return undefined;
  const declarators = init.namedChildren.filter((c) => c.type === 'variable_declarator');
  if (declarators.length !== 1) return undefined;
  const index = declarators[0]!.childForFieldName('name')?.text;
  if (!index || declarators[0]!.childForFieldName('value')?.text !== '0') return undefined;
  const cond = condition.type === 'expression_statement' ? condition.namedChildren[0] : condition;
  if (cond?.type !== 'binary_expression') return undefined;
  const op = cond.childForFieldName('operator')?.text ?? cond.children[1]?.text;
  const lhs = cond.childForFieldName('left');
  const rhs = cond.childForFieldName('right');
  if (op !== '<' || lhs?.text !== index || rhs?.type !== 'member_expression') return undefined;
  if (rhs.childForFieldName('property')?.text !== 'length') return undefined;
  const target = rhs.childForFieldName('object');
  if (!target || (target.type !== 'identifier' && target.type !== 'member_expression' && target.type !== 'this')) return undefined;
  if (target.type === 'member_expression' && /[()[\]]/.test(target.text)) return undefined;
  const inc = compact(increment.text);
  if (![`${index}++`, `++${index}`, `${index}+=1`, `${index}=${index}+1`].includes(inc)) return undefined;
  const close = node.children.filter((c) => c.type === ')' && c.endIndex <= body.startIndex).pop();
  if (!close) return undefined;
  return {
    index,
    collection: compact(target.text),
    header: { start: node.startIndex, end: close.endIndex, render: (element) => `for (const ${element} of ${target.text})` },
  };
}

function isWriteTarget(node: SyntaxNode, family: Family): boolean {
  const parent = node.parent;
  if (!parent) return false;
  if (family === 'python') {
    if ((parent.type === 'assignment' || parent.type === 'augmented_assignment') && parent.childForFieldName('left')?.id === node.id) return true;
    if (parent.type === 'delete_statement' || parent.type === 'expression_list' && parent.parent?.type === 'delete_statement') return true;
    if (parent.type === 'pattern_list' || parent.type === 'tuple_pattern') return true;
    if (parent.type === 'for_statement' && parent.childForFieldName('left')?.id === node.id) return true;
    return false;
  }
  if ((parent.type === 'assignment_expression' || parent.type === 'augmented_assignment_expression') && parent.childForFieldName('left')?.id === node.id) return true;
  if (parent.type === 'update_expression') return true;
  if (parent.type === 'unary_expression' && parent.text.startsWith('delete')) return true;
  return false;
}

/**
 * `orders` → `order`, `self.entries` → `entry`, `data` → `data_item` / `dataItem`; a constant's name is read as words
 * (`RETRY_CODES` → `retry_code` / `retryCode`), not lowered at its first letter (`iGNORE_LISTItem`).
 */
export function elementName(collection: string, family: Family): string {
  const last = collection.split('.').pop() ?? collection;
  let base = last.replace(/^_+/, '');
  if (/^[A-Z][A-Z0-9_]*$/.test(base) && /[A-Z]{2}/.test(base)) {
    const words = base.toLowerCase().split('_').filter((w) => w !== '');
    base = family === 'python' ? words.join('_') : words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
  }
  let singular: string | undefined;
  if (/[^aeiou]ies$/i.test(base)) singular = base.slice(0, -3) + 'y';
  else if (/(ss|x|ch|sh|us)es$/i.test(base)) singular = base.slice(0, -2);
  else if (/[^s]s$/i.test(base) && base.length > 2) singular = base.slice(0, -1);
  if (!singular || singular.length < 2) singular = family === 'python' ? `${base}_item` : `${base}Item`;
  return singular.replace(/^[A-Z]/, (c) => c.toLowerCase());
}

function freshName(preferred: string, taken: Set<string>, family: Family): string {
  const candidates = [preferred, 'item', family === 'python' ? 'element' : 'element', `${preferred}_`];
  for (const candidate of candidates) if (!taken.has(candidate) && !/^(list|dict|type|id|str|len|input|object|map|filter)$/.test(candidate)) return candidate;
  let n = 2;
  while (taken.has(`${preferred}${n}`)) n++;
  return `${preferred}${n}`;
}

export const detectIndexLoop: Detector = (loop: LoopFacts, ctx) => {
  if (isBrace(loop)) return detectBraceIndexLoop(loop, ctx);
  const { model } = ctx;
  const family = familyOf(loop.language);
  const shape = family === 'python' ? pythonShape(loop.node) : jsShape(loop.node);
  if (!shape) return null;
  const body = loop.node.childForFieldName('body');
  if (!body) return null;

  const subscripts: SyntaxNode[] = [];
  for (const node of descendants(body, model)) {
    if (node.type === 'identifier' && node.text === shape.index) {
      const parent = node.parent;
      const isSubscriptIndex =
        family === 'python'
          ? parent?.type === 'subscript' && parent.childForFieldName('subscript')?.id === node.id && compact(parent.childForFieldName('value')?.text ?? '') === shape.collection
          : parent?.type === 'subscript_expression' && parent.childForFieldName('index')?.id === node.id && compact(parent.childForFieldName('object')?.text ?? '') === shape.collection;
      if (!isSubscriptIndex || isWriteTarget(parent!, family)) return null;
      subscripts.push(parent!);
    }
    // The collection itself must not change size or be rebound while the loop runs.
    if ((node.type === 'call' || node.type === 'call_expression') && node.childForFieldName('function')) {
      const callee = calleeOf(node);
      const dot = callee.lastIndexOf('.');
      if (dot > 0 && callee.slice(0, dot) === shape.collection && MUTATORS.has(callee.slice(dot + 1))) return null;
    }
    if ((node.type === 'identifier' || node.type === 'attribute' || node.type === 'member_expression') && compact(node.text) === shape.collection && isWriteTarget(node, family)) {
      return null;
    }
  }
  if (subscripts.length === 0) return null;

  // Python keeps the index bound after the loop; a later read of it needs the index loop.
  const scope = enclosingFunction(loop.node, family) ?? rootOf(loop.node);
  if (family === 'python') {
    for (const node of descendants(scope, model)) {
      if (node.startIndex >= loop.node.endIndex && node.type === 'identifier' && node.text === shape.index) return null;
    }
  }

  const taken = identifiersIn(scope, model);
  const element = freshName(elementName(shape.collection, family), taken, family);
  const edits: TextEdit[] = [{ start: shape.header.start, end: shape.header.end, text: shape.header.render(element) }];
  for (const sub of subscripts) edits.push({ start: sub.startIndex, end: sub.endIndex, text: element });
  let fix;
  try {
    fix = replaceFix(rewriteLines(ctx.file.source, edits), {
      description: family === 'python' ? `for ${element} in ${shape.collection}` : `for (const ${element} of ${shape.collection})`,
      safety: 'unsafe',
      language: fenceLanguage(loop.language),
    });
  } catch {
    fix = undefined;
  }
  const detection: Detection = {
    loop,
    line: lineOf(loop.node),
    variant: family === 'python' ? 'default' : 'c-style',
    data: { index: shape.index, collection: shape.collection, element, uses: subscripts.length },
    confidence: 'high',
    ...(fix ? { fix } : {}),
  };
  return detection;
};
