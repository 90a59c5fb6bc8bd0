// loop-closure-capture for Go before 1.22: `go func() { use(item) }()` (or a deferred func literal) inside
// `for _, item := range items` / `for i := 0; ...` reads the one variable the whole loop shares, so goroutines
// see whatever value it holds when they run (usually the last one). Go 1.22 gave every iteration its own variable,
// so the rule needs the module's language version: the `go` directive of the nearest go.mod above the file. When
// there is none (the file is not on disk, as in a bot review) or it says 1.22 or later, nothing is reported.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Detection, RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { replaceFix, rewriteLines } from '../../../fixes/lines.js';

const versions = new Map<string, [number, number] | null>();

/** `go 1.21` of the nearest go.mod above `path` (cached per directory), or null. */
export function goModVersion(path: string): [number, number] | null {
  let dir = dirname(resolve(path));
  const seen: string[] = [];
  for (let i = 0; i < 64; i++) {
    const cached = versions.get(dir);
    if (cached !== undefined) {
      for (const d of seen) versions.set(d, cached);
      return cached;
    }
    seen.push(dir);
    const mod = join(dir, 'go.mod');
    if (existsSync(mod)) {
      let version: [number, number] | null = null;
      try {
        const m = /^go\s+(\d+)\.(\d+)/m.exec(readFileSync(mod, 'utf8').slice(0, 65_536));
        if (m) version = [Number(m[1]), Number(m[2])];
      } catch {
        version = null;
      }
      for (const d of seen) versions.set(d, version);
      return version;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of seen) versions.set(d, null);
  return null;
}

/**
 * Identifiers a func literal reads, minus its own parameters and the names it declares itself (`v := v`, an inner
 * `for i := range a` that shadows the outer loop's `i`).
 */
function capturedNames(literal: SyntaxNode, loopVariables: string[]): string[] {
  const declared = new Set<string>();
  for (const p of literal.childForFieldName('parameters')?.descendantsOfType(['identifier']) ?? []) declared.add(p.text);
  const body = literal.childForFieldName('body');
  if (!body) return [];
  for (const d of body.descendantsOfType(['short_var_declaration', 'var_spec'])) {
    for (const n of (d.childForFieldName('left') ?? d).descendantsOfType(['identifier'])) if (d.type === 'var_spec' || n.parent?.parent?.type === 'short_var_declaration') declared.add(n.text);
  }
  for (const r of body.descendantsOfType(['range_clause'])) {
    // `for i := range a` declares i; `for i = range a` assigns the outer one.
    if (!r.children.some((c) => c.type === ':=')) continue;
    for (const n of r.childForFieldName('left')?.namedChildren ?? []) if (n.type === 'identifier') declared.add(n.text);
  }
  const used = new Set(body.descendantsOfType(['identifier']).map((n) => n.text));
  return loopVariables.filter((v) => used.has(v) && !declared.has(v));
}

/**
 * A `:=` of the same name in the loop body before `node` (`v := v`, `i, c := i, c`, `k := Kind(k)`): a fresh
 * variable per iteration shadows the loop's.
 */
function copiedBefore(loop: LoopFacts, name: string, node: SyntaxNode): boolean {
  for (const d of loop.body.descendantsOfType(['short_var_declaration'])) {
    if (d.startIndex > node.startIndex) continue;
    if ((d.childForFieldName('left')?.namedChildren ?? []).some((n) => n.text === name)) return true;
  }
  return false;
}

/** Nodes of `root` of the given types, not inside a nested func literal. */
function ownNodes(root: SyntaxNode, types: Set<string>): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const stack: SyntaxNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (types.has(n.type)) out.push(n);
    if (n.type === 'func_literal' && n.id !== root.id) continue;
    for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push(n.namedChild(i)!);
  }
  return out;
}

const SIGNALS = new Set(['call_expression', 'send_statement']);
const WAITS = new Set(['unary_expression', 'call_expression']);

/**
 * The iteration waits for the goroutine before the loop variable moves on: the goroutine closes or sends on a
 * channel (or calls `wg.Done()`) and the loop body, after the `go` statement, receives from that channel (a bare
 * `<-done`, a `select` case) or calls `wg.Wait()`. One goroutine runs at a time and reads this iteration's value.
 */
function iterationWaits(loop: LoopFacts, stmt: SyntaxNode, literal: SyntaxNode): boolean {
  const channels = new Set<string>();
  const groups = new Set<string>();
  for (const n of ownNodes(literal, SIGNALS)) {
    if (n.type === 'send_statement') {
      const ch = n.childForFieldName('channel');
      if (ch) channels.add(ch.text);
      continue;
    }
    const fn = n.childForFieldName('function');
    if (fn?.text === 'close') {
      const arg = n.childForFieldName('arguments')?.namedChild(0);
      if (arg) channels.add(arg.text);
    } else if (fn?.type === 'selector_expression' && fn.childForFieldName('field')?.text === 'Done') {
      const wg = fn.childForFieldName('operand');
      if (wg) groups.add(wg.text);
    }
  }
  if (channels.size === 0 && groups.size === 0) return false;
  for (const n of ownNodes(loop.body, WAITS)) {
    if (n.startIndex < stmt.endIndex) continue;
    if (n.type === 'unary_expression') {
      const operand = n.childForFieldName('operand');
      if (n.childForFieldName('operator')?.text === '<-' && operand && channels.has(operand.text)) return true;
      continue;
    }
    const fn = n.childForFieldName('function');
    if (fn?.type === 'selector_expression' && fn.childForFieldName('field')?.text === 'Wait' && groups.has(fn.childForFieldName('operand')?.text ?? '')) return true;
  }
  return false;
}

const LOOP_EXITS = ['continue_statement', 'break_statement', 'goto_statement'];

/**
 * A `continue`, `goto`, or a `break` that may leave the loop, in `node` (not in a nested loop or func literal; an
 * unlabelled `break` inside a switch or select only leaves that).
 */
function mayLeaveIteration(node: SyntaxNode): boolean {
  for (const exit of node.descendantsOfType(LOOP_EXITS)) {
    let nested = false;
    for (let p = exit.parent; p && p.id !== node.id && !nested; p = p.parent) {
      if (p.type === 'for_statement' || p.type === 'func_literal') nested = true;
      else if (exit.type === 'break_statement' && exit.namedChildCount === 0 && /^(?:expression_switch_statement|type_switch_statement|select_statement)$/.test(p.type)) nested = true;
    }
    if (!nested) return true;
  }
  return false;
}

/**
 * A `defer` after which the iteration always returns: the statements after it, in its block and in each enclosing
 * block up to the loop body, reach a `return` with no `continue`/`break`/`goto` on the way. Deferred calls run when
 * the function returns, and it returns in that very pass, so the loop variable still holds that pass's value.
 */
function returnsAfter(stmt: SyntaxNode, loop: LoopFacts): boolean {
  let node: SyntaxNode = stmt;
  for (let depth = 0; depth < 32 && node.parent; depth++) {
    for (let next = node.nextNamedSibling; next; next = next.nextNamedSibling) {
      if (next.type === 'comment') continue;
      if (mayLeaveIteration(next)) return false;
      if (next.type === 'return_statement') return true;
    }
    if (node.parent.id === loop.body.id || node.parent.id === loop.node.id) return false;
    node = node.parent;
  }
  return false;
}

export function detectGoClosureCapture(loop: LoopFacts, ctx: RuleContext): Detection[] | null {
  if (loop.node.type !== 'for_statement' || loop.loopVariables.length === 0) return null;
  const version = goModVersion(ctx.file.path);
  if (!version || version[0] > 1 || (version[0] === 1 && version[1] >= 22)) return null;
  const out: Detection[] = [];
  for (const stmt of loop.body.descendantsOfType(['go_statement', 'defer_statement'])) {
    // Only statements of this loop, not of an inner loop (which is reported on its own).
    let owner: SyntaxNode | null = stmt.parent;
    while (owner && owner.type !== 'for_statement' && owner.type !== 'func_literal') owner = owner.parent;
    if (owner?.id !== loop.node.id) continue;
    const call = stmt.namedChild(0);
    const literal = call?.childForFieldName('function');
    if (!call || literal?.type !== 'func_literal') continue;
    const captured = capturedNames(literal, loop.loopVariables).filter((v) => !copiedBefore(loop, v, stmt));
    if (captured.length === 0 || iterationWaits(loop, stmt, literal)) continue;
    if (stmt.type === 'defer_statement' && returnsAfter(stmt, loop)) continue;
    // Fix: copy the variables at the top of the body (`item := item`), as the Go FAQ recommends before 1.22.
    const first = loop.body.namedChild(0);
    let fix;
    if (first && first.startPosition.row > loop.node.startPosition.row) {
      const line = ctx.file.source.split('\n')[first.startPosition.row] ?? '';
      const indent = /^[ \t]*/.exec(line)![0];
      const lineStart = first.startIndex - first.startPosition.column;
      try {
        fix = replaceFix(rewriteLines(ctx.file.source, [{ start: lineStart, end: lineStart, text: `${captured.map((v) => `${indent}${v} := ${v} // a copy per iteration (before Go 1.22)`).join('\n')}\n` }]), {
          description: `${captured.map((v) => `${v} := ${v}`).join('; ')} at the top of the loop body`,
          safety: 'safe',
          language: 'go',
        });
      } catch {
        fix = undefined;
      }
    }
    out.push({ loop, line: stmt.startPosition.row + 1, variant: 'goroutine', data: { variable: captured.join(', '), version: `${version[0]}.${version[1]}` }, confidence: 'high', ...(fix ? { fix } : {}) });
  }
  return out.length > 0 ? out : null;
}
