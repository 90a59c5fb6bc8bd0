import type { FileModel } from '../../model.js';
// Building a value by re-concatenation copies everything built so far on every iteration: n appends cost
// n²/2 copies. Python: `s += piece` on str/bytes, `lst = lst + [x]`. JS/TS: `acc = [...acc, x]`,
// `acc = acc.concat(x)`, `obj = { ...obj, k: v }`. Not reported: JS string `+=` (engines build ropes, so it is
// linear) and Python `lst += [x]` (in-place extend).
import { formatCount } from '../../../cost/assumptions.js';
import { formatNumber, fromCode, fromDefault, quadraticCopyCost } from '../../../cost/index.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detection, Detector, RuleContext } from '../../rule-types.js';
import {
  batchSize,
  blockFix,
  freshName,
  hoistPoint,
  identifiersIn,
  indentOf,
  insertAndEdit,
  isPython,
  ownsItsLines,
  provedReplace,
  say,
  scopeOf,
  short,
  statementOf,
  walkOwnBody,
} from '../lib/index.js';
import { sourceLines } from '../../../fixes/lines.js';
import { braceBuilderSketch } from './brace-fixes.js';

type Kind = 'string' | 'bytes' | 'list' | 'object';

interface Concat {
  node: SyntaxNode; // the assignment / augmented assignment
  target: string;
  kind: Kind;
  /** What is appended (the right-hand side without the accumulator). */
  piece: string;
  /** For JS arrays: the elements appended (spread elements kept as `...x`). */
  elements?: string[];
}

function isStringLiteral(node: SyntaxNode | undefined): Kind | undefined {
  if (!node) return undefined;
  if (node.type === 'string' || node.type === 'concatenated_string') {
    const start = node.type === 'string' ? node.child(0)?.text ?? '' : node.namedChild(0)?.child(0)?.text ?? '';
    return /b/i.test(start.replace(/["']/g, '')) ? 'bytes' : 'string';
  }
  if (node.type === 'call' && /^(str|bytes|repr|format)$/.test(node.childForFieldName('function')?.text ?? '')) {
    return node.childForFieldName('function')!.text === 'bytes' ? 'bytes' : 'string';
  }
  if (node.type === 'call' && /\.(join|format|decode)$/.test(node.childForFieldName('function')?.text ?? '')) return 'string';
  if (node.type === 'call' && /\.encode$/.test(node.childForFieldName('function')?.text ?? '')) return 'bytes';
  if (node.type === 'binary_operator' && node.childForFieldName('operator')?.text === '%' && node.childForFieldName('left')?.type === 'string') return 'string';
  return undefined;
}

function pythonConcat(node: SyntaxNode, loop: LoopFacts, model: FileModel): Concat | undefined {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (!left || !right || left.type !== 'identifier') return undefined;
  const target = left.text;
  if (node.type === 'augmented_assignment' ? node.childForFieldName('operator')?.text !== '+=' : right.type !== 'binary_operator') return undefined;
  if (right.type === 'integer' || right.type === 'float') return undefined;
  const init = model.assignedValue(scopeOf(loop.node), target, loop.node.startIndex);
  if (node.type === 'augmented_assignment') {
    const kind = isStringLiteral(init) ?? (init === undefined ? isStringLiteral(right) : undefined);
    if (!kind) return undefined;
    return { node, target, kind, piece: right.text };
  }
  // `s = s + piece` / `lst = lst + [x]`
  if (right.type !== 'binary_operator' || right.childForFieldName('operator')?.text !== '+') return undefined;
  if (right.childForFieldName('left')?.text !== target) return undefined;
  const piece = right.childForFieldName('right')!;
  if (piece.type === 'list' || (init && (init.type === 'list' || init.type === 'list_comprehension'))) {
    return { node, target, kind: 'list', piece: piece.text };
  }
  const kind = isStringLiteral(init) ?? isStringLiteral(piece);
  return kind ? { node, target, kind, piece: piece.text } : undefined;
}

function jsConcat(node: SyntaxNode): Concat | undefined {
  if (node.type !== 'assignment_expression') return undefined;
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (!left || !right || left.type !== 'identifier') return undefined;
  const target = left.text;
  if (right.type === 'array') {
    const first = right.namedChild(0);
    if (first?.type !== 'spread_element' || first.namedChild(0)?.text !== target) return undefined;
    const elements = right.namedChildren.slice(1).map((c) => c.text);
    return { node, target, kind: 'list', piece: elements.join(', '), elements };
  }
  if (right.type === 'object') {
    const first = right.namedChild(0);
    if (first?.type !== 'spread_element' || first.namedChild(0)?.text !== target) return undefined;
    // `{ ...state, status: 'x' }` replaces a fixed key: the object does not grow, nothing quadratic
    const grows = right.namedChildren.slice(1).some((c) => c.type === 'spread_element' || c.childForFieldName('key')?.type === 'computed_property_name');
    if (!grows) return undefined;
    return { node, target, kind: 'object', piece: right.namedChildren.slice(1).map((c) => c.text).join(', ') };
  }
  if (right.type === 'call_expression') {
    const fn = right.childForFieldName('function');
    if (fn?.type === 'member_expression' && fn.childForFieldName('object')?.text === target && fn.childForFieldName('property')?.text === 'concat') {
      const args = right.childForFieldName('arguments')?.namedChildren ?? [];
      const elements = args.flatMap((a) => (a.type === 'array' ? a.namedChildren.map((c) => c.text) : [`...${a.text}`]));
      return { node, target, kind: 'list', piece: args.map((a) => a.text).join(', '), elements };
    }
  }
  return undefined;
}

const PY_ASSIGNMENTS = new Set(['assignment', 'augmented_assignment']);
const JS_ASSIGNMENTS = new Set(['assignment_expression']);
const RESETS = new Set(['assignment', 'assignment_expression']);
const IDENTIFIERS = new Set(['identifier']);

/** Go `s += piece` on a string, Java `s += piece` on a `String` (also `s = s + piece`). */
function braceConcat(node: SyntaxNode, loop: LoopFacts): Concat | undefined {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  const target = (left?.type === 'expression_list' ? left.namedChild(0) : left)?.text;
  const value = right?.type === 'expression_list' ? right.namedChild(0) : right;
  if (!left || !value || !target || !/^[A-Za-z_$][\w$]*$/.test(target) || (left.type === 'expression_list' && left.namedChildCount !== 1)) return undefined;
  const op = node.childForFieldName('operator')?.type ?? node.child(1)?.type;
  let piece: SyntaxNode | null = value;
  if (op === '=') {
    // `s = s + a + b` is `(s + a) + b`: the accumulator is the leftmost operand of a chain of `+`.
    let leftmost: SyntaxNode = value;
    for (let depth = 0; leftmost.type === 'binary_expression' && leftmost.child(1)?.type === '+' && depth < 50; depth++) leftmost = leftmost.childForFieldName('left')!;
    if (leftmost === value || leftmost.text !== target) return undefined;
    piece = value.childForFieldName('right');
  } else if (op !== '+=') return undefined;
  if (!piece || !declaredAsString(loop, target)) return undefined;
  return { node, target, kind: 'string', piece: piece.text };
}

/** The accumulator is declared as a string in the enclosing function (or as a field, in Java). */
function declaredAsString(loop: LoopFacts, name: string): boolean {
  let scope: SyntaxNode | null = loop.node.parent;
  while (scope && !['function_declaration', 'method_declaration', 'func_literal', 'constructor_declaration', 'lambda_expression'].includes(scope.type)) scope = scope.parent;
  const root = scope ?? loop.node.tree.rootNode;
  if (loop.language === 'java') {
    for (const d of root.descendantsOfType(['local_variable_declaration', 'field_declaration'])) {
      if (d.startIndex > loop.node.startIndex) continue;
      if (!/^(java\.lang\.)?String$/.test(d.childForFieldName('type')?.text ?? '')) continue;
      if (d.childrenForFieldName('declarator').some((v) => v.childForFieldName('name')?.text === name)) return true;
    }
    return false;
  }
  for (const d of root.descendantsOfType(['short_var_declaration', 'var_spec'])) {
    if (d.startIndex > loop.node.startIndex) continue;
    if (d.type === 'var_spec') {
      if (!d.childrenForFieldName('name').some((n) => n.text === name)) continue;
      const type = d.childForFieldName('type')?.text;
      const v = d.childForFieldName('value')?.namedChild(0);
      if (type === 'string' || v?.type === 'interpreted_string_literal' || v?.type === 'raw_string_literal') return true;
      continue;
    }
    const names = d.childForFieldName('left')?.namedChildren ?? [];
    const i = names.findIndex((n) => n.text === name);
    const v = d.childForFieldName('right')?.namedChild(i);
    if (i >= 0 && (v?.type === 'interpreted_string_literal' || v?.type === 'raw_string_literal' || /^(fmt\.Sprint\w*|strings\.\w+)$/.test(v?.childForFieldName('function')?.text ?? ''))) return true;
  }
  return false;
}

const BRACE_ASSIGNMENTS: ReadonlySet<string> = new Set(['assignment_statement', 'assignment_expression']);

export function concatenations(loop: LoopFacts, model: FileModel): Concat[] {
  if (loop.language === 'go' || loop.language === 'java') {
    const found: Concat[] = [];
    walkOwnBody(loop, model, BRACE_ASSIGNMENTS, (n) => {
      const c = braceConcat(n, loop);
      if (c) found.push(c);
    });
    return found;
  }
  const out: Concat[] = [];
  const py = isPython(loop.language);
  walkOwnBody(loop, model, py ? PY_ASSIGNMENTS : JS_ASSIGNMENTS, (n) => {
    const c = py ? pythonConcat(n, loop, model) : jsConcat(n);
    if (c) out.push(c);
  });
  // an accumulator reset in this loop's own body is bounded by one iteration
  return out.filter((c) => {
    let reset = false;
    walkOwnBody(loop, model, RESETS, (n) => {
      if (n.id !== c.node.id && n.childForFieldName('left')?.text === c.target) {
        const r = n.childForFieldName('right');
        if (!(r && r.text.startsWith(c.target))) reset = true;
      }
    });
    return !reset;
  });
}

export const detectStringConcatInLoop: Detector = (loop, ctx) => {
  if (loop.kind === 'interval' || loop.kind === 'timeout-recursion' || loop.kind === 'callback-iteration') return null;
  const found = concatenations(loop, ctx.model);
  if (found.length === 0) return null;
  const byTarget = new Map<string, Concat[]>();
  for (const c of found) byTarget.set(c.target, [...(byTarget.get(c.target) ?? []), c]);
  const items = batchSize(loop, ctx.model, ctx.config.cost);
  const detections: Detection[] = [];
  for (const [target, list] of byTarget) {
    const first = list[0]!;
    if (readsUpToSize(loop, target)) continue;
    const piece = first.kind === 'list' || first.kind === 'object' ? fromCode('element_bytes', 8, 'B') : fromDefault('piece_bytes');
    detections.push({
      loop,
      line: first.node.startPosition.row + 1,
      confidence: 'high',
      variant: first.kind === 'string' ? 'default' : first.kind,
      data: { name: target, items: formatCount(items, ctx.locale) },
      cost: quadraticCopyCost(items, ctx.locale, piece),
      fix: concatFix(loop, ctx, target, list),
    });
  }
  return detections;
};

/**
 * `while len(data) < n: data += sock.recv(n - len(data))`: the loop stops at a known size and usually runs once or
 * twice (a short read is the exception), so there is nothing quadratic to speak of.
 */
function readsUpToSize(loop: LoopFacts, target: string): boolean {
  if (loop.node.type !== 'while_statement') return false;
  const condition = loop.node.childForFieldName('condition')?.text ?? '';
  const escaped = target.replace(/[.$]/g, '\\$&');
  return new RegExp(`len\\(\\s*${escaped}\\s*\\)\\s*<|\\b${escaped}\\.(length|byteLength)\\s*<`).test(condition);
}

function concatFix(loop: LoopFacts, ctx: RuleContext, target: string, list: Concat[]) {
  const kind = list[0]!.kind;
  const description = say(ctx, `fix.concat.${kind}`, { name: target });
  if (isPython(loop.language)) return pythonFix(loop, ctx, target, list, description) ?? blockFix(ctx, loop, pythonSketch(target, kind), description, 'safe');
  const brace = braceBuilderSketch(loop, target, list[0]!.piece);
  if (brace) return blockFix(ctx, loop, brace, description, 'safe');
  return jsFix(loop, ctx, list, description) ?? blockFix(ctx, loop, `${target}.push(/* new elements */); // instead of copying ${short(list[0]!.node.text, 40)}`, description, 'unsafe');
}

/** The accumulator is only appended to inside the loop (no other reads), so a parts list can stand in for it. */
function onlyAppended(loop: LoopFacts, target: string, list: Concat[], model: FileModel): boolean {
  const allowed = new Set(list.map((c) => c.node.childForFieldName('left')!.id));
  for (const c of list) {
    const r = c.node.childForFieldName('right');
    if (c.node.type === 'assignment' && r?.childForFieldName('left')) allowed.add(r.childForFieldName('left')!.id);
    if (identifiersIn(c.node.type === 'assignment' ? r?.childForFieldName('right') : r).has(target)) return false;
  }
  let other = false;
  walkOwnBody(loop, model, IDENTIFIERS, (n) => {
    if (n.text === target && !allowed.has(n.id)) other = true;
  });
  for (const child of loop.children) if (identifiersIn(child.node).has(target)) other = true;
  return !other;
}

function pythonFix(loop: LoopFacts, ctx: RuleContext, target: string, list: Concat[], description: string) {
  const kind = list[0]!.kind;
  if (kind === 'list') {
    const edits = list.map((c) => {
      const piece = c.node.childForFieldName('right')!.childForFieldName('right')!;
      const text = piece.type === 'list' && piece.namedChildren.length === 1 ? `${target}.append(${piece.namedChildren[0]!.text})` : `${target}.extend(${piece.text})`;
      return { node: c.node, text };
    });
    const first = Math.min(...edits.map((e) => e.node.startPosition.row + 1));
    return insertAndEdit(ctx, first, undefined, edits, description, 'unsafe');
  }
  if (!onlyAppended(loop, target, list, ctx.model)) return undefined;
  const point = hoistPoint(loop, ctx.file.source);
  if (!point || list.some((c) => !ownsItsLines(statementOf(c.node) ?? c.node, ctx.file.source))) return undefined;
  const parts = freshName(ctx.file.source, `${target}_parts`);
  const all = sourceLines(ctx.file.source);
  const out = [`${point.indent}${parts} = []`];
  const edits = new Map(list.map((c) => [c.node.startPosition.row + 1, c]));
  for (let l = point.line; l <= loop.endLine; l++) {
    const c = edits.get(l);
    if (!c) {
      out.push(all[l - 1] ?? '');
      continue;
    }
    if (c.node.startPosition.row !== c.node.endPosition.row) return undefined;
    out.push(`${indentOf(all[l - 1] ?? '')}${parts}.append(${c.piece})`);
  }
  out.push(`${point.indent}${target} += ${kind === 'bytes' ? 'b""' : '""'}.join(${parts})`);
  return provedReplace(ctx, point.line, loop.endLine, out.join('\n'), description, 'safe');
}

function pythonSketch(target: string, kind: Kind): string {
  const empty = kind === 'bytes' ? 'b""' : '""';
  return [`parts = []`, 'for ...:', '    parts.append(piece)  # instead of ' + `${target} += piece`, `${target} += ${empty}.join(parts)`].join('\n');
}

function jsFix(loop: LoopFacts, ctx: RuleContext, list: Concat[], description: string) {
  const edits = [];
  for (const c of list) {
    let text: string | undefined;
    if (c.kind === 'list' && c.elements && c.elements.length > 0) text = `${c.target}.push(${c.elements.join(', ')})`;
    if (c.kind === 'object') {
      const obj = c.node.childForFieldName('right')!;
      const rest = obj.namedChildren.slice(1);
      text = rest.length > 0 ? `Object.assign(${c.target}, { ${rest.map((r) => r.text).join(', ')} })` : undefined;
    }
    if (!text) return undefined;
    edits.push({ node: c.node, text });
  }
  const first = Math.min(...edits.map((e) => e.node.startPosition.row + 1));
  void loop;
  return insertAndEdit(ctx, first, undefined, edits, description, 'unsafe');
}
