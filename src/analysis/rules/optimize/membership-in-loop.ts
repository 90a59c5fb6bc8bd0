import type { FileModel } from '../../model.js';
// `x in some_list` / `array.includes(x)` inside a loop scans the list on every iteration: n × m comparisons where a
// set built once gives n lookups. Reported only when the container is visibly a list/array built from data (a
// comprehension, `list(...)`, `.map(...)`, a query result, a `list[...]`/`T[]` annotation, a literal of more than
// eight items); tiny literal lists, sets, dicts, strings and containers of unknown type stay quiet.
import { formatCount } from '../../../cost/assumptions.js';
import { comparisonsCost, formatNumber, fromCode, fromConfig, type Sourced } from '../../../cost/index.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detection, Detector, RuleContext } from '../../rule-types.js';
import {
  batchSize,
  blockFix,
  freshName,
  hoistPoint,
  identifiersIn,
  insertAndEdit,
  isPython,
  parameterAnnotation,
  say,
  scopeOf,
  walkOwnBody,
} from '../lib/index.js';
import { braceListChange, braceMemberships, braceSetSketch } from './brace-membership.js';

const TINY_LITERAL = 8;

interface Membership {
  /** The whole test to rewrite (`x in ids`, `ids.includes(x)`, `ids.indexOf(x) !== -1`). */
  node: SyntaxNode;
  container: string;
  needle: string;
  negated: boolean;
  listSize?: number;
}

const PY_LIST_VALUE = /^(\[|list\(|sorted\(|\w[\w.]*\.(fetchall|readlines|split|splitlines|values_list)\(|\[.* for .* in )/s;
const JS_ARRAY_VALUE = /^(\[|Array\.from\(|Object\.(keys|values)\(|\w[\w.$]*\.(map|filter|split|slice|concat|flatMap)\(|await\s+\w[\w.$]*\.(findMany|findAll|find)\()/s;

/** Whether `name` is a list/array built from data, and its size when a literal says so; undefined when unknown or tiny. */
function listInfo(loop: LoopFacts, name: string, model: FileModel): { size?: number } | undefined {
  const scope = scopeOf(loop.node);
  const value = model.assignedValue(scope, name, loop.node.startIndex);
  const py = isPython(loop.language);
  if (value) {
    if (value.type === 'list' || value.type === 'array') {
      const n = value.namedChildren.filter((c) => c.type !== 'comment' && c.type !== 'spread_element' && c.type !== 'list_splat').length;
      const literalOnly = value.namedChildren.every((c) => /^(string|integer|float|number|true|false|none|null)$/.test(c.type));
      if (n > 0 && literalOnly && n <= TINY_LITERAL) return undefined;
      return { size: n };
    }
    const text = value.text.trim();
    // `ua.split("/")[0].lower()` starts like a list but is a str: in Python, judge by the outermost call.
    if (py && value.type === 'call' && !/(^(list|sorted)|\.(fetchall|readlines|split|splitlines|values_list))$/.test(value.childForFieldName('function')?.text ?? '')) return undefined;
    return (py ? PY_LIST_VALUE : JS_ARRAY_VALUE).test(text) ? {} : undefined;
  }
  const annotation = parameterAnnotation(scope, name);
  if (annotation && (py ? /^(list|List|Sequence|typing\.List)\[/.test(annotation) : /\[\]$|^(Array|ReadonlyArray)</.test(annotation))) return {};
  return undefined;
}

function mentionsIteration(node: SyntaxNode, loop: LoopFacts): boolean {
  const ids = identifiersIn(node);
  const assigned = new Set(loop.assignments.map((a) => a.target));
  return loop.loopVariables.some((v) => ids.has(v)) || [...ids].some((id) => assigned.has(id));
}

const COMPARISONS = new Set(['comparison_operator']);
const CALLS = new Set(['call_expression']);
const MUTATIONS = new Set(['call', 'call_expression', 'assignment', 'assignment_expression', 'augmented_assignment', 'augmented_assignment_expression']);

export function memberships(loop: LoopFacts, model: FileModel): Membership[] {
  const out: Membership[] = [];
  const py = isPython(loop.language);
  walkOwnBody(loop, model, py ? COMPARISONS : CALLS, (n) => {
    if (py && n.type === 'comparison_operator' && n.childCount === 3) {
      const op = n.child(1)!.type;
      if (op !== 'in' && op !== 'not in') return;
      const right = n.child(2)!;
      const left = n.child(0)!;
      if (right.type !== 'identifier' || !mentionsIteration(left, loop)) return;
      const info = listInfo(loop, right.text, model);
      if (info) out.push({ node: n, container: right.text, needle: left.text, negated: op === 'not in', ...(info.size !== undefined ? { listSize: info.size } : {}) });
      return;
    }
    if (!py && n.type === 'call_expression') {
      const fn = n.childForFieldName('function');
      if (fn?.type !== 'member_expression') return;
      const method = fn.childForFieldName('property')?.text;
      const obj = fn.childForFieldName('object');
      const args = n.childForFieldName('arguments')?.namedChildren ?? [];
      if (!obj || obj.type !== 'identifier' || args.length !== 1 || !mentionsIteration(args[0]!, loop)) return;
      if (method !== 'includes' && method !== 'indexOf') return;
      const info = listInfo(loop, obj.text, model);
      if (!info) return;
      const size = info.size !== undefined ? { listSize: info.size } : {};
      if (method === 'includes') {
        const parent = n.parent;
        const negated = parent?.type === 'unary_expression' && parent.child(0)?.type === '!';
        out.push({ node: negated ? parent! : n, container: obj.text, needle: args[0]!.text, negated, ...size });
        return;
      }
      // indexOf(x) compared with -1 / 0
      const cmp = n.parent;
      if (cmp?.type !== 'binary_expression') return;
      const op = cmp.childForFieldName('operator')?.text ?? '';
      const other = (cmp.childForFieldName('left')?.id === n.id ? cmp.childForFieldName('right') : cmp.childForFieldName('left'))?.text.replace(/\s/g, '');
      const found = (/^(!==|!=|>)$/.test(op) && other === '-1') || (op === '>=' && other === '0');
      const missing = (/^(===|==)$/.test(op) && other === '-1') || (op === '<' && other === '0');
      if (!found && !missing) return;
      out.push({ node: cmp, container: obj.text, needle: args[0]!.text, negated: missing, ...size });
    }
  });
  return out;
}

/**
 * The list loses items in this loop (`existing.remove(x)`, `xs.splice(i, 1)`): a set built before the loop would go
 * stale, and the list is the work list, not a lookup table; neither the set nor the dedupe rewrite applies.
 */
function shrunkInLoop(loop: LoopFacts, name: string, model: FileModel): boolean {
  let shrunk = false;
  walkOwnBody(loop, model, MUTATIONS, (n) => {
    if ((n.type === 'call' || n.type === 'call_expression') && /^(remove|pop|splice|shift|discard|clear)$/.test(n.childForFieldName('function')?.childForFieldName(isPython(loop.language) ? 'attribute' : 'property')?.text ?? '')) {
      if (n.childForFieldName('function')?.childForFieldName('object')?.text === name) shrunk = true;
    }
  });
  return shrunk;
}

/** The list is appended to in this loop (`seen.append(x)`): a classic quadratic de-duplication. */
function grownInLoop(loop: LoopFacts, name: string, model: FileModel): boolean {
  let grown = false;
  walkOwnBody(loop, model, MUTATIONS, (n) => {
    if ((n.type === 'call' || n.type === 'call_expression') && /^(append|extend|insert|push|unshift)$/.test(n.childForFieldName('function')?.childForFieldName(isPython(loop.language) ? 'attribute' : 'property')?.text ?? '')) {
      const obj = n.childForFieldName('function')?.childForFieldName('object');
      if (obj?.text === name) grown = true;
    }
    if ((n.type === 'assignment' || n.type === 'assignment_expression' || n.type === 'augmented_assignment' || n.type === 'augmented_assignment_expression') && n.childForFieldName('left')?.text === name) grown = true;
  });
  return grown;
}

export const detectMembershipInLoop: Detector = (loop, ctx) => {
  if (loop.kind === 'interval' || loop.kind === 'timeout-recursion') return null;
  if (loop.language === 'go' || loop.language === 'java') return detectBraceMembership(loop, ctx);
  const found = memberships(loop, ctx.model);
  if (found.length === 0) return null;
  const items = batchSize(loop, ctx.model, ctx.config.cost);
  const byContainer = new Map<string, Membership[]>();
  for (const m of found) byContainer.set(m.container, [...(byContainer.get(m.container) ?? []), m]);
  const out: Detection[] = [];
  for (const [container, list] of byContainer) {
    const first = list[0]!;
    if (shrunkInLoop(loop, container, ctx.model)) continue;
    const grown = grownInLoop(loop, container, ctx.model);
    const size: Sourced = first.listSize !== undefined ? fromCode('list_length', first.listSize) : fromConfig(ctx.config.cost, 'batch_size');
    out.push({
      loop,
      line: first.node.startPosition.row + 1,
      confidence: 'high',
      variant: grown ? 'dedupe' : 'default',
      data: { name: container, needle: first.needle, items: formatCount(items, ctx.locale), size: formatNumber(size.value, ctx.locale) },
      cost: comparisonsCost(items, size, ctx.locale),
      fix: grown ? blockFix(ctx, loop, dedupeSketch(loop, container, first), say(ctx, 'fix.membership.dedupe', { name: container }), 'safe') : setFix(loop, ctx, container, list),
    });
  }
  return out;
};

function setFix(loop: LoopFacts, ctx: RuleContext, container: string, list: Membership[]) {
  const py = isPython(loop.language);
  const name = freshName(ctx.file.source, py ? `${container}_set` : `${container}Set`);
  const description = say(ctx, 'fix.membership.set', { name: container });
  const point = hoistPoint(loop, ctx.file.source);
  if (point) {
    const insert = py ? `${point.indent}${name} = set(${container})` : `${point.indent}const ${name} = new Set(${container});`;
    const edits = list.map((m) => ({
      node: m.node,
      text: py ? `${m.needle} ${m.negated ? 'not in' : 'in'} ${name}` : `${m.negated ? '!' : ''}${name}.has(${m.needle})`,
    }));
    // Python sets need hashable elements (a list of dicts would raise); JS Set.has uses the same equality as includes.
    const fix = insertAndEdit(ctx, point.line, insert, edits, description, py ? 'unsafe' : 'safe');
    if (fix) return fix;
  }
  const code = py
    ? `${name} = set(${container})  # once, before the loop\n# in the loop: ${list[0]!.needle} in ${name}`
    : `const ${name} = new Set(${container}); // once, before the loop\n// in the loop: ${name}.has(${list[0]!.needle})`;
  return blockFix(ctx, loop, code, description, 'unsafe');
}

function dedupeSketch(loop: LoopFacts, container: string, m: Membership): string {
  if (isPython(loop.language)) {
    return [
      `${container} = []`,
      `${container}_seen = set()  # same elements as ${container}, for O(1) membership`,
      `for ... in ...:`,
      `    if ${m.needle} not in ${container}_seen:`,
      `        ${container}_seen.add(${m.needle})`,
      `        ${container}.append(${m.needle})`,
      '',
      `# or, when order is all that matters: ${container} = list(dict.fromkeys(items))`,
    ].join('\n');
  }
  return [
    `const ${container}Seen = new Set(${container}); // same elements as ${container}, for O(1) membership`,
    'for (const ... of ...) {',
    `  if (!${container}Seen.has(${m.needle})) {`,
    `    ${container}Seen.add(${m.needle});`,
    `    ${container}.push(${m.needle});`,
    '  }',
    '}',
    '',
    `// or, when order is all that matters: const unique = [...new Set(items)];`,
  ].join('\n');
}

/** Go and Java (brace-membership.ts): one finding per list, the fix a sketch of the set built once. */
function detectBraceMembership(loop: LoopFacts, ctx: RuleContext): Detection[] | null {
  const found = braceMemberships(loop);
  if (found.length === 0) return null;
  const items = batchSize(loop, ctx.model, ctx.config.cost);
  const out: Detection[] = [];
  const seen = new Set<string>();
  for (const m of found) {
    if (seen.has(m.container)) continue;
    seen.add(m.container);
    const change = braceListChange(loop, m.container);
    if (change === 'shrinks') continue;
    const size: Sourced = m.listSize !== undefined ? fromCode('list_length', m.listSize) : fromConfig(ctx.config.cost, 'batch_size');
    const grows = change === 'grows';
    out.push({
      loop,
      line: m.node.startPosition.row + 1,
      confidence: 'high',
      variant: grows ? 'dedupe' : 'default',
      data: { name: m.container, needle: m.needle, items: formatCount(items, ctx.locale), size: formatNumber(size.value, ctx.locale) },
      cost: comparisonsCost(items, size, ctx.locale),
      fix: blockFix(ctx, loop, braceSetSketch(loop, m.container, m.needle, grows), say(ctx, grows ? 'fix.membership.dedupe' : 'fix.membership.set', { name: m.container }), 'unsafe'),
    });
  }
  return out.length > 0 ? out : null;
}
