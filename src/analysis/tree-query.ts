// Native-backed queries over a syntax tree that need no rule knowledge (used by the fact model and the detectors'
// helper library alike).
import type { SyntaxNode } from './facts.js';

/**
 * Nodes of the given types under `root` in source order, leaving out those that sit inside a node of an `exclude`
 * type strictly between `root` and themselves (a match of an `exclude` type is itself kept). The search runs
 * natively (descendantsOfType) and only the matches and the excluding nodes are materialised: a node is inside an
 * excluding node when its byte range is; the rare cases a range cannot decide (equal ranges, zero-width nodes) climb
 * the parents instead.
 */
export function nodesOfTypes(root: SyntaxNode, types: readonly string[], exclude: ReadonlySet<string>, options: { includeRoot?: boolean } = {}): SyntaxNode[] {
  const found = root.descendantsOfType(types as string[]);
  if (found.length === 0) return found;
  const rootStart = root.startIndex;
  const rootEnd = root.endIndex;
  // descendantsOfType yields the root itself first when it has one of the types.
  let from = 0;
  if (!options.includeRoot && types.includes(root.type) && found[0]!.startIndex === rootStart && found[0]!.endIndex === rootEnd && found[0]!.id === root.id) from = 1;
  if (exclude.size === 0) return from === 0 ? found : found.slice(from);
  // Outermost excluding nodes below the root, as disjoint [start, end) ranges in source order.
  const starts: number[] = [];
  const ends: number[] = [];
  for (const node of root.descendantsOfType(typeList(exclude))) {
    const start = node.startIndex;
    const end = node.endIndex;
    if (start === end) continue;
    if (start === rootStart && end === rootEnd && node.id === root.id) continue;
    if (ends.length > 0 && start < ends[ends.length - 1]!) continue; // nested in the previous outermost one
    starts.push(start);
    ends.push(end);
  }
  const out: SyntaxNode[] = [];
  let k = 0;
  for (let i = from; i < found.length; i++) {
    const node = found[i]!;
    const start = node.startIndex;
    const end = node.endIndex;
    while (k < ends.length && ends[k]! <= start) k++;
    const ambiguous = start === end || (start === rootStart && end === rootEnd) || (k < starts.length && starts[k] === start && ends[k] === end);
    if (ambiguous) {
      if (!insideExcluded(node, root, exclude)) out.push(node);
      continue;
    }
    if (k < starts.length && starts[k]! <= start && end <= ends[k]!) continue;
    out.push(node);
  }
  return out;
}

// Keyed by the (module-level, constant) type sets themselves, never by a tree: not per-file state.
const typeLists = new WeakMap<ReadonlySet<string>, readonly string[]>();

/** The set's types as one array per set (descendantsOfType caches its symbol table per array). */
export function typeList(types: ReadonlySet<string>): readonly string[] {
  let list = typeLists.get(types);
  if (!list) {
    list = [...types];
    typeLists.set(types, list);
  }
  return list;
}

/** Slow path of nodesOfTypes: is there an `exclude` node strictly between `node` and `root`? */
function insideExcluded(node: SyntaxNode, root: SyntaxNode, exclude: ReadonlySet<string>): boolean {
  const rootId = root.id;
  if (node.id === rootId) return false;
  for (let p = node.parent; p && p.id !== rootId; p = p.parent) if (exclude.has(p.type)) return true;
  return false;
}

