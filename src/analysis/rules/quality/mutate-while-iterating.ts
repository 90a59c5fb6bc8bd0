// Adding to or removing from the collection a loop is iterating: Python raises for dicts and sets ("changed size
// during iteration") and silently skips or repeats list items; a JS array spliced inside for-of/forEach skips the
// element after each removal. Iterating a copy (`list(xs)`, `[...xs]`), a filtered rebuild, or leaving the loop
// right after the change are all fine.
import type { Detection, Detector } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { blockFix, fenceLanguage, replaceFix, rewriteLines } from '../../../fixes/lines.js';
import { detectJavaMutateWhileIterating } from './java-mutate.js';
import { argumentsOf, calleeOf, compact, descendants, familyOf, lineOf, statementsOf, type Family } from './syntax.js';

const PY_SHRINK = new Set(['remove', 'pop', 'clear', 'discard', 'popitem']);
const PY_GROW = new Set(['append', 'extend', 'insert', 'add', 'update', 'setdefault']);
const JS_SHRINK = new Set(['splice', 'shift', 'pop']);
const JS_GROW = new Set(['push', 'unshift']);
const JS_CALLBACK_ITERATION = new Set(['forEach', 'map', 'filter', 'some', 'every', 'reduce', 'find', 'findIndex', 'flatMap']);

interface Iterated {
  collection: string;
  /** Node whose text is the iterable expression (replaced by a copy in the fix). */
  iterable: SyntaxNode;
  /** The iterable is already a copy / a fresh sequence. */
  copied: boolean;
}

function pythonIterated(node: SyntaxNode): Iterated | undefined {
  if (node.type !== 'for_statement') return undefined;
  const right = node.childForFieldName('right');
  if (!right) return undefined;
  if (right.type === 'identifier' || right.type === 'attribute') return { collection: compact(right.text), iterable: right, copied: false };
  if (right.type === 'call') {
    const callee = calleeOf(right);
    const args = argumentsOf(right).positional;
    if (/\.(keys|values|items)$/.test(callee)) return { collection: callee.replace(/\.(keys|values|items)$/, ''), iterable: right, copied: false };
    if (callee === 'enumerate' && args[0] && (args[0].type === 'identifier' || args[0].type === 'attribute')) return { collection: compact(args[0].text), iterable: args[0], copied: false };
    if (callee === 'reversed') return undefined;
  }
  return undefined;
}

function jsIterated(loop: LoopFacts): Iterated | undefined {
  const node = loop.node;
  if (node.type === 'for_in_statement') {
    if (node.childForFieldName('operator')?.text !== 'of') return undefined;
    const right = node.childForFieldName('right');
    if (!right) return undefined;
    if (right.type === 'identifier' || right.type === 'member_expression') return { collection: compact(right.text), iterable: right, copied: false };
    if (right.type === 'call_expression' && /\.entries$/.test(calleeOf(right))) return { collection: calleeOf(right).replace(/\.entries$/, ''), iterable: right, copied: false };
    return undefined;
  }
  if (node.type === 'call_expression') {
    const callee = calleeOf(node);
    const dot = callee.lastIndexOf('.');
    if (dot < 0 || !JS_CALLBACK_ITERATION.has(callee.slice(dot + 1))) return undefined;
    const object = node.childForFieldName('function')?.childForFieldName('object');
    if (!object || (object.type !== 'identifier' && object.type !== 'member_expression')) return undefined;
    return { collection: compact(object.text), iterable: object, copied: false };
  }
  return undefined;
}

/** The statement right after `node` in its block leaves the loop (`break`/`return`), so iteration never resumes. */
function leavesRightAfter(node: SyntaxNode): boolean {
  let statement: SyntaxNode | null = node;
  while (statement && statement.parent && statement.parent.type !== 'block' && statement.parent.type !== 'statement_block') statement = statement.parent;
  const block = statement?.parent;
  if (!statement || !block) return false;
  const siblings = statementsOf(block);
  const index = siblings.findIndex((s) => s.id === statement!.id);
  const next = siblings[index + 1];
  return next !== undefined && (next.type === 'break_statement' || next.type === 'return_statement' || next.type === 'raise_statement' || next.type === 'throw_statement');
}

export const detectMutateWhileIterating: Detector = (loop, ctx) => {
  if (loop.language === 'java') return detectJavaMutateWhileIterating(loop, ctx);
  const family: Family = familyOf(loop.language);
  const iterated = family === 'python' ? pythonIterated(loop.node) : jsIterated(loop);
  if (!iterated || iterated.copied) return null;
  const shrink = family === 'python' ? PY_SHRINK : JS_SHRINK;
  const grow = family === 'python' ? PY_GROW : JS_GROW;
  const detections: Detection[] = [];
  for (const node of descendants(loop.body, family, { skipFunctions: loop.kind !== 'callback-iteration' })) {
    let mutation: { kind: 'shrink' | 'grow'; byIndex: boolean; text: string } | undefined;
    if (node.type === 'call' || node.type === 'call_expression') {
      const callee = calleeOf(node);
      const dot = callee.lastIndexOf('.');
      if (dot < 0 || callee.slice(0, dot) !== iterated.collection) continue;
      const method = callee.slice(dot + 1);
      const args = argumentsOf(node).positional;
      // A class iterating itself defines its own iteration (CookieJar.clear(domain, path, name) is not dict.clear()),
      // and the built-in `clear()` takes no arguments.
      if (iterated.collection === 'self' || iterated.collection === 'this') continue;
      if (method === 'clear' && args.length > 0) continue;
      if (shrink.has(method)) {
        // `xs.pop()` on a list being iterated, `d.pop(k)`, `xs.splice(i, 1)`.
        const byIndex = method === 'splice' || (method === 'pop' && family === 'python' && args.length > 0 && /^\d+$|^i$|idx|index/.test(args[0]!.text));
        mutation = { kind: 'shrink', byIndex, text: method };
      } else if (grow.has(method)) mutation = { kind: 'grow', byIndex: false, text: method };
    } else if (family === 'python' && node.type === 'delete_statement') {
      const target = node.namedChildren[0];
      const targets = target?.type === 'expression_list' ? target.namedChildren : target ? [target] : [];
      const hit = targets.find((t) => t.type === 'subscript' && compact(t.childForFieldName('value')?.text ?? '') === iterated.collection);
      if (hit) {
        const index = hit.childForFieldName('subscript')?.text ?? '';
        mutation = { kind: 'shrink', byIndex: !loop.loopVariables.includes(index) && !/\.(keys|items)\(\)$/.test(iterated.iterable.text) ? /^\d+$|^i$|idx|index/.test(index) : false, text: 'del' };
      }
    }
    if (!mutation || leavesRightAfter(node)) continue;
    let fix;
    if (!mutation.byIndex) {
      const copy = family === 'python' ? `list(${iterated.iterable.text})` : `[...${iterated.iterable.text}]`;
      try {
        fix = replaceFix(rewriteLines(ctx.file.source, [{ start: iterated.iterable.startIndex, end: iterated.iterable.endIndex, text: copy }]), {
          description: family === 'python' ? `iterate over list(${iterated.iterable.text})` : `iterate over [...${iterated.iterable.text}]`,
          safety: mutation.kind === 'grow' ? 'unsafe' : 'safe',
          language: fenceLanguage(loop.language),
        });
      } catch {
        fix = undefined;
      }
    } else {
      const item = (family === 'python' ? loop.loopVariables[loop.loopVariables.length - 1] : loop.loopVariables[0]) ?? 'item';
      fix = blockFix(
        family === 'python'
          ? `${iterated.collection}[:] = [${item} for ${item} in ${iterated.collection} if not should_remove(${item})]\n`
          : `${iterated.collection} = ${iterated.collection}.filter((${item}) => !shouldRemove(${item}));\n`,
        { startLine: loop.startLine, endLine: loop.endLine },
        { description: 'rebuild instead of removing in place', safety: 'unsafe', language: fenceLanguage(loop.language) },
      );
    }
    detections.push({
      loop,
      line: lineOf(node),
      // `del d[k]` is a statement, not a method: the default wording avoids rendering it as `d.del`.
      variant: mutation.text === 'del' ? 'default' : mutation.kind,
      data: { collection: iterated.collection, operation: mutation.text === 'del' ? compact(node.text) : mutation.text },
      confidence: 'high',
      ...(fix ? { fix } : {}),
    });
    // One finding per loop: the fix (iterate a copy) covers every mutation in it.
    break;
  }
  return detections;
};
