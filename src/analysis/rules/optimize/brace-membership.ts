// membership-in-loop for Go and Java: a linear scan of a list for an item of the loop, on every iteration.
// - Java: `name.contains(x)` / `name.indexOf(x) != -1` (or `>= 0`, `== -1`, `< 0`) where `name` is declared or built
//   as a list (`List<T>`, `ArrayList`, `LinkedList`, `new ArrayList<>(...)`, `Arrays.asList(...)`, `.toList()`,
//   `Collectors.toList()`, `List.of(...)` of more than eight items). Sets, maps, strings and unknown types stay quiet,
//   and so do tests inside `assert` (off in production).
// - Go: `slices.Contains(xs, x)` / `slices.Index(xs, x)`, and a call to a linear-scan helper of the same file
//   (`func contains(s []T, v T) bool { for _, e := range s { if e == v { return true } }; return false }`).
// The needle must depend on the iteration; a list that shrinks in the loop is a work list and is left alone, one
// that grows (`add`, `append`) is the quadratic de-duplication variant.
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { identifiersIn } from '../lib/index.js';

export interface BraceMembership {
  node: SyntaxNode;
  container: string;
  needle: string;
  listSize?: number;
}

const TINY_LITERAL = 8;
const JAVA_LIST_TYPE = /^(?:java\.util\.)?(?:List|ArrayList|LinkedList|Vector|CopyOnWriteArrayList)\b/;
const JAVA_LIST_VALUE = /^new\s+(?:java\.util\.)?(?:ArrayList|LinkedList|Vector)\b|^Arrays\.asList\(|\.toList\(\)$|Collectors\.toList\(\)\)$/;

function mentionsIteration(node: SyntaxNode, loop: LoopFacts): boolean {
  const ids = identifiersIn(node);
  const assigned = new Set(loop.assignments.map((a) => a.target));
  return loop.loopVariables.some((v) => ids.has(v)) || [...ids].some((id) => assigned.has(id));
}

/** Is `node` in the loop's own body (not in a nested loop or function)? */
function own(node: SyntaxNode, loop: LoopFacts, nested: ReadonlySet<string>): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.id === loop.body.id) return true;
    if (nested.has(p.type)) return false;
  }
  return false;
}

const JAVA_NESTED = new Set(['for_statement', 'enhanced_for_statement', 'while_statement', 'do_statement', 'lambda_expression', 'class_body', 'method_declaration']);
const ASSERT: ReadonlySet<string> = new Set(['assert_statement']);
const GO_NESTED = new Set(['for_statement', 'func_literal', 'function_declaration', 'method_declaration']);

function enclosing(node: SyntaxNode, types: ReadonlySet<string>): SyntaxNode | undefined {
  for (let p = node.parent; p; p = p.parent) if (types.has(p.type)) return p;
  return undefined;
}

/** Java: is `name` a list where the loop sees it? The nearest declaration: a local or parameter of the method, else a field. */
function javaListInfo(name: string, loop: LoopFacts): { size?: number } | undefined {
  const bare = name.replace(/^this\./, '');
  if (!/^\w+$/.test(bare)) return undefined;
  const method = enclosing(loop.node, new Set(['method_declaration', 'constructor_declaration', 'lambda_expression']));
  let root: SyntaxNode = loop.node;
  while (root.parent) root = root.parent;
  const scopes = [...(method && !name.startsWith('this.') ? [method.descendantsOfType(['local_variable_declaration', 'formal_parameter'])] : []), root.descendantsOfType(['field_declaration'])];
  for (const decls of scopes) {
    const before = decls.filter((d) => d.type === 'field_declaration' || d.startIndex < loop.node.startIndex);
    for (const d of before.reverse()) {
      const type = d.childForFieldName('type')?.text ?? '';
      if (d.type === 'formal_parameter') {
        if (d.childForFieldName('name')?.text === bare) return JAVA_LIST_TYPE.test(type) ? {} : undefined;
        continue;
      }
      const declarator = d.childrenForFieldName('declarator').find((v) => v.childForFieldName('name')?.text === bare);
      if (!declarator) continue;
      const value = declarator.childForFieldName('value');
      const valueText = value?.text.replace(/\s+/g, ' ').trim() ?? '';
      const listOf = /^List\.of\(/.test(valueText) ? value?.childForFieldName('arguments')?.namedChildCount : undefined;
      if (listOf !== undefined) return listOf > TINY_LITERAL ? { size: listOf } : undefined;
      if (JAVA_LIST_TYPE.test(type) || (type === 'var' && JAVA_LIST_VALUE.test(valueText))) return {};
      return undefined;
    }
  }
  return undefined;
}

function javaMemberships(loop: LoopFacts): BraceMembership[] {
  const out: BraceMembership[] = [];
  for (const n of loop.body.descendantsOfType(['method_invocation'])) {
    const method = n.childForFieldName('name')?.text;
    if (method !== 'contains' && method !== 'indexOf') continue;
    const obj = n.childForFieldName('object');
    const args = n.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'line_comment' && a.type !== 'block_comment') ?? [];
    if (!obj || (obj.type !== 'identifier' && !/^this\.\w+$/.test(obj.text)) || args.length !== 1 || !mentionsIteration(args[0]!, loop)) continue;
    if (!own(n, loop, JAVA_NESTED)) continue;
    // `assert list.contains(x)` only runs with -ea (tests, debugging), not in production.
    if (enclosing(n, ASSERT) !== undefined && loop.body.startIndex <= enclosing(n, ASSERT)!.startIndex) continue;
    let node = n;
    if (method === 'indexOf') {
      const cmp = n.parent;
      if (cmp?.type !== 'binary_expression') continue;
      const op = cmp.childForFieldName('operator')?.text ?? '';
      const other = (cmp.childForFieldName('left')?.id === n.id ? cmp.childForFieldName('right') : cmp.childForFieldName('left'))?.text.replace(/\s/g, '');
      if (!((/^(!=|==|>)$/.test(op) && other === '-1') || (/^(>=|<)$/.test(op) && other === '0'))) continue;
      node = cmp;
    }
    const info = javaListInfo(obj.text, loop);
    if (info) out.push({ node, container: obj.text, needle: args[0]!.text, ...(info.size !== undefined ? { listSize: info.size } : {}) });
  }
  return out;
}

/** Go: a function of this file that only scans a slice for a value: `for _, e := range s { if e == v { return true } }`. */
function isGoScanHelper(name: string, root: SyntaxNode): boolean {
  for (const fn of root.descendantsOfType(['function_declaration'])) {
    if (fn.childForFieldName('name')?.text !== name) continue;
    if (fn.childForFieldName('result')?.text !== 'bool') return false;
    const params = fn.childForFieldName('parameters')?.text ?? '';
    const body = fn.childForFieldName('body');
    const statements = (body?.namedChildren ?? []).flatMap((c) => (c.type === 'statement_list' ? c.namedChildren : [c])).filter((c) => c.type !== 'comment');
    const loopStmt = statements[0];
    if (!/\[\]/.test(params) || statements.length !== 2 || loopStmt?.type !== 'for_statement') return false;
    if (!loopStmt.namedChildren.some((c) => c.type === 'range_clause')) return false;
    const text = loopStmt.text;
    return /==/.test(text) && /return true/.test(text) && statements[1]!.text === 'return false';
  }
  return false;
}

function goMemberships(loop: LoopFacts): BraceMembership[] {
  const out: BraceMembership[] = [];
  let root: SyntaxNode = loop.node;
  while (root.parent) root = root.parent;
  for (const n of loop.body.descendantsOfType(['call_expression'])) {
    const fn = n.childForFieldName('function');
    const args = n.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
    if (!fn || args.length !== 2) continue;
    const [list, needle] = args as [SyntaxNode, SyntaxNode];
    if (list.type !== 'identifier' && list.type !== 'selector_expression') continue;
    const known = /^slices\.(Contains|Index)$/.test(fn.text);
    if (!known && !(fn.type === 'identifier' && isGoScanHelper(fn.text, root))) continue;
    // A list the loop iterates over itself (`for _, xs := range groups { slices.Contains(xs, x) }`) is a different list each time.
    if (!mentionsIteration(needle, loop) || loop.loopVariables.some((v) => identifiersIn(list).has(v)) || !own(n, loop, GO_NESTED)) continue;
    out.push({ node: n, container: list.text, needle: needle.text });
  }
  return out;
}

export function braceMemberships(loop: LoopFacts): BraceMembership[] {
  return loop.language === 'java' ? javaMemberships(loop) : goMemberships(loop);
}

const SHRINKS = /^(remove|removeAll|removeIf|retainAll|clear|poll|pop)$/;
const GROWS = /^(add|addAll|push)$/;

/** How the loop changes the list: `shrinks` (a work list), `grows` (de-duplication), or neither. */
export function braceListChange(loop: LoopFacts, container: string): 'shrinks' | 'grows' | undefined {
  let change: 'shrinks' | 'grows' | undefined;
  if (loop.language === 'java') {
    for (const n of loop.body.descendantsOfType(['method_invocation'])) {
      if (n.childForFieldName('object')?.text !== container) continue;
      const method = n.childForFieldName('name')?.text ?? '';
      if (SHRINKS.test(method)) return 'shrinks';
      if (GROWS.test(method)) change = 'grows';
    }
    return change;
  }
  for (const n of loop.body.descendantsOfType(['assignment_statement'])) {
    if (n.childForFieldName('left')?.text !== container) continue;
    const value = n.childForFieldName('right')?.text ?? '';
    if (value.startsWith(`append(${container},`)) change = 'grows';
    else return 'shrinks';
  }
  return change;
}

/** The set built once before the loop, in the loop's language. */
export function braceSetSketch(loop: LoopFacts, container: string, needle: string, grows: boolean): string {
  const base = container.replace(/^this\./, '').replace(/\W/g, '_');
  if (loop.language === 'java') {
    const set = `${base}Set`;
    return grows
      ? [`Set<T> ${set} = new HashSet<>(${container}); // same elements as ${container}, for O(1) membership`, `// in the loop:`, `if (${set}.add(${needle})) {`, `    ${container}.add(${needle});`, `}`, `// or, when order is all that matters: new ArrayList<>(new LinkedHashSet<>(items))`].join('\n')
      : [`Set<T> ${set} = new HashSet<>(${container}); // once, before the loop (T: the element type)`, `// in the loop: ${set}.contains(${needle})`].join('\n');
  }
  const set = `${base}Set`;
  const build = [`${set} := make(map[T]struct{}, len(${container})) // once, before the loop (T: the element type)`, `for _, v := range ${container} {`, `\t${set}[v] = struct{}{}`, `}`];
  return grows
    ? [...build, `// in the loop:`, `if _, seen := ${set}[${needle}]; !seen {`, `\t${set}[${needle}] = struct{}{}`, `\t${container} = append(${container}, ${needle})`, `}`].join('\n')
    : [...build, `// in the loop: if _, ok := ${set}[${needle}]; ok { ... }`].join('\n');
}
