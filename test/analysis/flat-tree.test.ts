// The flat trees (src/analysis/flat-tree.ts) must answer exactly as the tree-sitter binding does: every node of
// every fixture is compared property by property, field by field, and cursor step by cursor step, for both ways of
// building them (the native reader and the copy made through the binding when the reader is not built).
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type Parser from 'tree-sitter';
import { FlatNode, FlatTree, flattenBindingTree, nativeAddon } from '../../src/analysis/flat-tree.js';
import { hasSyntaxErrors, hasSyntaxErrorsAfterEdit, languageForPath, parseAfterEdit, parseBindingTree, parseWithBudget } from '../../src/analysis/parse.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import type { Language } from '../../src/core/types.js';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else if (languageForPath(path)) out.push(path);
  }
  return out.sort();
}

const FIXTURES = [...filesUnder(join(PROJECT_ROOT, 'rules')), ...filesUnder(join(PROJECT_ROOT, 'samples'))];

// Inputs where offsets, positions and error nodes are easy to get wrong.
const EDGE_CASES: Array<[Language, string]> = [
  ['python', ''],
  ['python', '# only a comment'],
  ['python', 'while True:\r\n    x = "héllo 🎉 世界"; y = f"{x!r:>{10}}"\r\n    time.sleep(5)\r\n'],
  ['python', 'for i in range(10:\n    print(i\n'],
  ['python', 'def f(:\n\tif x\n\t\treturn [1, 2,\n'],
  ['python', '@dec\nasync def g():\n    async for m in q:\n        await m.ack()\n    lambda: (yield)\n'],
  ['javascript', 'for (const x of xs) { await f(x) /* 🎉 */ }\nsetInterval(() => poll(), 5000)\n'],
  ['javascript', 'while (true) { if (a) { break\n'],
  ['javascript', 'const s = `a ${b ? `c${d}` : "é"} e`; class A { #p = 1; static { for (;;) {} } }'],
  ['typescript', 'async function f<T extends { id: string }>(xs: T[]): Promise<void> { for (const x of xs) await db.save<T>(x as T); }'],
  ['typescript', 'let x: = 1;\nfor (let i = 0; i < n; i++ { }'],
  ['tsx', 'export const C = () => <div>{items.map((i) => <Item key={i.id} {...i} />)}</div>;\n'],
  ['tsx', 'const D = () => <div>{'],
];

function fieldNamesOf(tree: FlatTree): string[] {
  return tree.names.fields.filter((f): f is string => typeof f === 'string');
}

interface Shape {
  type: string;
  start: number;
  end: number;
  startPosition: { row: number; column: number };
  endPosition: { row: number; column: number };
  isNamed: boolean;
  isMissing: boolean;
  isError: boolean;
  hasError: boolean;
  childCount: number;
  namedChildCount: number;
}

function shape(node: Parser.SyntaxNode | FlatNode): Shape {
  return {
    type: node.type,
    start: node.startIndex,
    end: node.endIndex,
    startPosition: { row: node.startPosition.row, column: node.startPosition.column },
    endPosition: { row: node.endPosition.row, column: node.endPosition.column },
    isNamed: node.isNamed,
    isMissing: node.isMissing,
    isError: node.isError,
    hasError: node.hasError,
    childCount: node.childCount,
    namedChildCount: node.namedChildCount,
  };
}

const where = (node: Parser.SyntaxNode | FlatNode | null | undefined): string | null => (node ? `${node.type}@${node.startIndex}-${node.endIndex}` : null);

type AnyNode = Parser.SyntaxNode | FlatNode;
type AnyCursor = Parser.TreeCursor | ReturnType<FlatTree['walk']>;

/** One line per node with everything the analysis reads of it, in cursor order (cursor moves included). */
function describeTree(cursor: AnyCursor, fieldsOf: (node: AnyNode) => Iterable<string>): string[] {
  const out: string[] = [];
  for (;;) {
    const node = cursor.currentNode as AnyNode;
    const fields = [...fieldsOf(node)].map((f) => `${f}=${where(node.childForFieldName(f))}/${node.childrenForFieldName(f).map(where).join(',')}`);
    out.push(
      [
        JSON.stringify(shape(node)),
        cursor.nodeType,
        cursor.currentFieldName,
        where(node.parent),
        node.children.map(where).join(','),
        node.namedChildren.map(where).join(','),
        where(node.nextSibling),
        where(node.previousNamedSibling),
        where(node.firstNamedChild),
        where(node.lastNamedChild),
        where(node.child(1)),
        where(node.namedChild(1)),
        node.text,
        ...fields,
      ].join(' | '),
    );
    if (cursor.gotoFirstChild()) {
      out.push('down');
      continue;
    }
    for (;;) {
      if (cursor.gotoNextSibling()) {
        out.push('next');
        break;
      }
      if (!cursor.gotoParent()) return out;
      out.push('up');
    }
  }
}

/** Compares the whole tree; returns the number of nodes compared. */
function compareTrees(binding: Parser.Tree, flat: FlatTree, fields: readonly string[]): number {
  // Every field a child sits in (as the flat tree reports it), plus a few that usually are not there.
  const asked = new Map<string, string[]>();
  const key = (node: AnyNode) => `${node.startIndex}:${node.endIndex}:${node.type}`;
  const collect = (node: FlatNode): void => {
    asked.set(key(node), [...new Set(['body', 'name', 'condition', ...node.children.map((c, i) => flat.fieldNameOf(c.index) ?? fields[i % fields.length]!)])]);
  };
  for (let i = 0; i < flat.count; i++) collect(flat.node(i));
  const fieldsOf = (node: AnyNode) => asked.get(key(node)) ?? [];
  const theirs = describeTree(binding.walk(), fieldsOf);
  const mine = describeTree(flat.walk(), fieldsOf);
  expect(mine.length).toBe(theirs.length);
  const firstDifference = mine.findIndex((line, i) => line !== theirs[i]);
  expect(firstDifference === -1 ? null : { mine: mine[firstDifference], theirs: theirs[firstDifference] }).toBeNull();
  return mine.filter((line) => line !== 'down' && line !== 'next' && line !== 'up').length;
}

function compareDescendants(binding: Parser.Tree, flat: FlatTree): void {
  const typeSets = [['call', 'call_expression'], ['for_statement', 'while_statement', 'for_in_statement'], ['identifier'], ['ERROR'], ['block', 'statement_block', 'module', 'program']];
  const roots = [0, Math.floor(flat.count / 3), Math.floor(flat.count / 2)].filter((i) => i < flat.count);
  for (const index of roots) {
    const mine = flat.node(index);
    const theirs = binding.rootNode.descendantForIndex(mine.startIndex, mine.endIndex);
    // descendantForIndex finds the smallest node spanning the range; compare from a node both sides agree on.
    const same = flat.rootNode.descendantsOfType(theirs.type).find((n) => n.startIndex === theirs.startIndex && n.endIndex === theirs.endIndex) ?? (index === 0 ? mine : undefined);
    const start = same ?? flat.rootNode;
    const other = same ? theirs : binding.rootNode;
    for (const types of typeSets) expect(start.descendantsOfType(types).map(where)).toEqual(other.descendantsOfType(types).map(where));
  }
}

const addon = nativeAddon();

describe('flat syntax trees', () => {
  it('finds the native reader (CI builds it; a machine without a compiler uses the binding copy)', () => {
    if (process.env.COZE_LOOP_REQUIRE_NATIVE === '1') expect(addon).not.toBeNull();
    expect(parseWithBudget('python', 'x = 1\n')?.rootNode.type).toBe('module');
  });

  it.each(EDGE_CASES.map(([language, source], i) => [i, language, source] as const))('edge case %i (%s) matches the binding node for node', (_i, language, source) => {
    const binding = parseBindingTree(language, source)!;
    const flat = parseWithBudget(language, source)!;
    const copied = flattenBindingTree(binding, source);
    const fields = fieldNamesOf(flat);
    compareTrees(binding, flat, fields);
    compareTrees(binding, copied, fields);
    compareDescendants(binding, flat);
    compareDescendants(binding, copied);
  });

  it('matches the binding on every rule fixture and example, for both ways of building', () => {
    let nodes = 0;
    for (const path of FIXTURES) {
      const language = languageForPath(path)!;
      const source = readFileSync(path, 'utf8');
      const binding = parseBindingTree(language, source)!;
      const flat = parseWithBudget(language, source)!;
      const fields = fieldNamesOf(flat);
      nodes += compareTrees(binding, flat, fields);
      compareTrees(binding, flattenBindingTree(binding, source), fields);
      compareDescendants(binding, flat);
    }
    expect(FIXTURES.length).toBeGreaterThan(50);
    expect(nodes).toBeGreaterThan(10_000);
  }, 120_000);

  it('answers "does this edit still parse?" incrementally exactly as a fresh parse does', () => {
    // Edits like the fixes make (whole lines replaced) and ones that break the code, on every fixture.
    const edits: Array<(line: string) => string> = [
      (line) => line.replace(/\S.*/, 'pass') ,
      (line) => line.replace(/\S.*/, 'x = 1'),
      (line) => line.replace(/[)\]}]/, ''),
      (line) => `${line} (`,
      (line) => line.replace(/^\s+/, ''),
      () => '',
    ];
    let checked = 0;
    let broken = 0;
    for (const path of FIXTURES) {
      const language = languageForPath(path)!;
      const source = readFileSync(path, 'utf8');
      const lines = source.split('\n');
      edits.forEach((edit, e) => {
        const tree = parseWithBudget(language, source)!;
        const at = (e * 7 + lines.length) % lines.length;
        const edited = [...lines.slice(0, at), edit(lines[at]!), ...lines.slice(at + 1)].join('\n');
        const fresh = hasSyntaxErrors(language, edited);
        expect([path, at, hasSyntaxErrorsAfterEdit(tree, language, edited)]).toEqual([path, at, fresh]);
        checked++;
        if (fresh) broken++;
      });
    }
    expect(checked).toBeGreaterThan(300);
    expect(broken).toBeGreaterThan(50);
  }, 60_000);

  it('parses an edit incrementally into the tree a fresh parse gives (the fix proofs read it)', () => {
    // Every column of the flat table, row by row, for edits that keep the code valid (what a proof goes on with).
    const columns = (tree: FlatTree): number[][] => [tree.symbol, tree.flags, tree.field, tree.start, tree.end, tree.startRow, tree.startCol, tree.endRow, tree.endCol, tree.parentIndex, tree.next, tree.size].map((c) => [...c]);
    const edits: Array<(line: string) => string> = [(line) => line.replace(/\S.*/, 'pass'), (line) => line.replace(/\S.*/, 'x = 1'), (line) => `${line}\n${line}`, () => ''];
    let compared = 0;
    for (const path of FIXTURES) {
      const language = languageForPath(path)!;
      const source = readFileSync(path, 'utf8');
      const lines = source.split('\n');
      edits.forEach((edit, e) => {
        const tree = parseWithBudget(language, source)!;
        const at = (e * 5 + lines.length) % lines.length;
        const edited = [...lines.slice(0, at), edit(lines[at]!), ...lines.slice(at + 1)].join('\n');
        const fresh = parseWithBudget(language, edited)!;
        const incremental = parseAfterEdit(tree, language, edited)!;
        expect(incremental.source).toBe(edited);
        expect([path, at, incremental.rootNode.hasError]).toEqual([path, at, fresh.rootNode.hasError]);
        if (fresh.rootNode.hasError) return;
        expect([path, at, columns(incremental)]).toEqual([path, at, columns(fresh)]);
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(150);
    // A tree the reader no longer holds is parsed from scratch.
    const first = parseWithBudget('python', 'while True:\n    step()\n')!;
    for (let i = 0; i < 10; i++) parseWithBudget('python', `x = ${i}\n`);
    expect(parseAfterEdit(first, 'python', 'while True:\n    step(1)\n')?.rootNode.hasError).toBe(false);
  }, 60_000);

  it('falls back to a fresh parse when the reader no longer holds the edited tree', () => {
    const first = parseWithBudget('python', 'while True:\n    step()\n')!;
    parseWithBudget('python', 'x = 1\n');
    expect(hasSyntaxErrorsAfterEdit(first, 'python', 'while True:\n    step(\n')).toBe(true);
    expect(hasSyntaxErrorsAfterEdit(first, 'python', 'while True:\n    step(1)\n')).toBe(false);
  });

  it('keeps node identity and gives ids that differ between trees', () => {
    const a = parseWithBudget('python', 'f(x)\n')!;
    const b = parseWithBudget('python', 'f(x)\n')!;
    const call = a.rootNode.descendantsOfType('call')[0]!;
    expect(a.rootNode.descendantsOfType('call')[0]).toBe(call);
    expect(call.parent?.parent).toBe(a.rootNode);
    expect(b.rootNode.descendantsOfType('call')[0]!.id).not.toBe(call.id);
  });

  it('gives up on a deadline and then parses the next file from a clean state', () => {
    const big = 'x = [' + '1, '.repeat(200_000) + ']\n';
    expect(parseWithBudget('python', big, { timeoutMs: 0 })).toBeUndefined();
    expect(parseWithBudget('javascript', 'let y = 2\n', { timeoutMs: 5_000 })?.rootNode.text).toBe('let y = 2\n');
    expect(parseWithBudget('python', big)?.rootNode.hasError).toBe(false);
  });
});
