// Work whose result cannot change between iterations: compiling the same regex, loading the same config or file.
// Quiet when the arguments depend on the iteration, when the work is conditional (a cache fill), in error
// handlers, for environment reads (cheap), and in long-running worker loops (re-reading a config on every round is
// how hot reload works). Connections and clients belong to connection-in-loop.
import { formatCount } from '../../../cost/assumptions.js';
import { formatNumber, repeatedWorkCost } from '../../../cost/index.js';
import type { CallFact, LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detection, Detector, RuleContext } from '../../rule-types.js';
import { isPollingLoop } from './polling-fixed-interval.js';
import {
  batchSize,
  blockFix,
  callNode,
  enclosingConditions,
  freshName,
  hasKind,
  hoistPoint,
  hoistStatement,
  identifiersIn,
  inErrorHandler,
  insertAndEdit,
  isPython,
  ownCalls,
  say,
  calleeLabel,
  short,
  statementOf,
} from '../lib/index.js';
import { braceStatementOf } from './brace-fixes.js';

// Node type lists passed to descendantsOfType, built once (it caches its symbol table per array).
const PY_ASSIGNMENTS: readonly string[] = ['assignment'];

/** A quoted mode string with w, a, x or + in it (one pass; `[^'"]*[wax+][^'"]*` retried every split). */
const QUOTED_MODE = /^['"][^'"]*['"]$/;
export const WRITE_MODE = { test: (text: string): boolean => QUOTED_MODE.test(text) && /[wax+]/.test(text.slice(1, -1)) };

function isRegex(call: CallFact): boolean {
  return hasKind(call, 'regex-compile') || /^(new\s+)?RegExp$/.test(call.callee);
}

function isCheapEnvRead(call: CallFact): boolean {
  return /getenv|environ|process\.env/.test(call.callee);
}

function opensForWriting(call: CallFact): boolean {
  return call.args.some((a, i) => (a.name === 'mode' || i === 1 || a.name === 'flag') && WRITE_MODE.test(a.text)) || /write_|appendFile|writeFile/.test(call.method);
}

/** Assigned anywhere in the loop body (including the loop variables): an argument using it is not invariant. */
function loopNames(loop: LoopFacts): Set<string> {
  return new Set([...loop.loopVariables, ...loop.assignments.map((a) => a.target)]);
}

export function invariantCalls(loop: LoopFacts): CallFact[] {
  const names = loopNames(loop);
  const out: CallFact[] = [];
  const seenStatements = new Set<number>();
  for (const c of ownCalls(loop)) {
    const regex = isRegex(c);
    const load = hasKind(c, 'config-load', 'file-open') && !isCheapEnvRead(c) && !opensForWriting(c);
    if (!regex && !load) continue;
    if (hasKind(c, 'connect') || c.dependsOnIteration || inErrorHandler(c.node, loop) || enclosingConditions(c.node, loop).length > 0) continue;
    const node = callNode(c);
    if ([...identifiersIn(node.childForFieldName('arguments'))].some((id) => names.has(id))) continue;
    const key = bodyChildOf(c.node, loop)?.id ?? node.id;
    if (seenStatements.has(key)) continue;
    seenStatements.add(key);
    out.push(c);
  }
  return out;
}

/** The statement directly in the loop body that contains `node`: one finding per statement. */
function bodyChildOf(node: SyntaxNode, loop: LoopFacts): SyntaxNode | undefined {
  for (let n: SyntaxNode | null = node; n; n = n.parent) if (n.parent?.id === loop.body.id) return n;
  return undefined;
}

export const detectInvariantInLoop: Detector = (loop, ctx) => {
  // In a worker loop one round is one unit of work; re-reading there is rarely the cost that matters.
  if (isPollingLoop(loop)) return null;
  const calls = invariantCalls(loop);
  if (calls.length === 0) return null;
  const items = batchSize(loop, ctx.model, ctx.config.cost);
  return calls.slice(0, 3).map((call): Detection => {
    const regex = isRegex(call);
    const cost = repeatedWorkCost(items, ctx.locale);
    return {
      loop,
      line: call.line,
      confidence: call.confidence === 'low' ? 'low' : 'high',
      variant: regex ? (isPython(loop.language) ? 'regex-cached' : 'regex') : 'default',
      data: { call: calleeLabel(call), items: formatCount(items, ctx.locale) },
      cost,
      fix: hoistFix(loop, ctx, call, regex),
    };
  });
};

function hoistFix(loop: LoopFacts, ctx: RuleContext, call: CallFact, regex: boolean) {
  const safety = regex ? 'safe' : 'unsafe';
  const description = say(ctx, regex ? 'fix.invariant.regex' : 'fix.invariant.load');
  if (loop.language === 'go' || loop.language === 'java') return braceHoistFix(loop, ctx, call, regex, description, safety);
  const stmt = statementOf(call.node);
  const whole = stmt && isWholeAssignment(stmt, call);
  if (stmt && whole && call.assignedTo && loop.assignments.filter((a) => a.target === call.assignedTo).length <= 1) {
    const fix = hoistStatement(ctx, loop, stmt, description, safety);
    if (fix) return fix;
  }
  // `const routing = JSON.parse(fs.readFileSync(...))`: the whole statement is invariant, move all of it
  const top = bodyChildOf(call.node, loop);
  if (top && top !== stmt && isDeclaration(top) && ![...identifiersIn(top)].some((id) => loopNames(loop).has(id) && !declaredBy(top, id)) && !reassigned(loop, top)) {
    const fix = hoistStatement(ctx, loop, top, description, safety);
    if (fix) return fix;
  }
  const withStmt = enclosingWith(call, loop);
  if (withStmt) {
    const fix = hoistStatement(ctx, loop, withStmt, description, safety);
    if (fix) return fix;
  }
  const point = hoistPoint(loop, ctx.file.source);
  const node = callNode(call);
  if (point && node.startPosition.row === node.endPosition.row) {
    const py = isPython(loop.language);
    const base = regex ? (py ? 'pattern' : 'pattern') : py ? 'loaded' : 'loaded';
    const name = freshName(ctx.file.source, base);
    const insert = py ? `${point.indent}${name} = ${node.text}` : `${point.indent}const ${name} = ${node.text};`;
    const target = node.parent?.type === 'await_expression' || node.parent?.type === 'await' ? node.parent : node;
    const fix = insertAndEdit(ctx, point.line, insert, [{ node: target, text: name }], description, safety);
    if (fix) return fix;
  }
  return blockFix(ctx, loop, sketch(loop, call), description, safety);
}

function isWholeAssignment(stmt: SyntaxNode, call: CallFact): boolean {
  const node = callNode(call);
  const inner = stmt.namedChild(0);
  if (!inner) return false;
  if (inner.type === 'assignment') return inner.childForFieldName('right')?.id === node.id;
  if (stmt.type === 'lexical_declaration' || stmt.type === 'variable_declaration') {
    const decl = stmt.namedChildren.find((c) => c.type === 'variable_declarator');
    return stmt.namedChildren.filter((c) => c.type === 'variable_declarator').length === 1 && decl?.childForFieldName('value')?.id === node.id;
  }
  return false;
}

/** `with open("config.yml") as f: config = yaml.safe_load(f)` directly in the loop body, reading nothing from the loop. */
function enclosingWith(call: CallFact, loop: LoopFacts): SyntaxNode | undefined {
  for (let n: SyntaxNode | null = call.node.parent; n && n.id !== loop.body.id; n = n.parent) {
    if (n.type === 'with_statement' && n.parent?.id === loop.body.id) {
      const names = loopNames(loop);
      const assignedInWith = new Set(n.descendantsOfType(PY_ASSIGNMENTS).map((a) => a.childForFieldName('left')?.text ?? ''));
      const reads = [...identifiersIn(n)].filter((id) => names.has(id) && !assignedInWith.has(id));
      return reads.length === 0 ? n : undefined;
    }
  }
  return undefined;
}

function sketch(loop: LoopFacts, call: CallFact): string {
  const text = callNode(call).text;
  if (isPython(loop.language)) {
    return [`value = ${text}  # once, before the loop`, `${(loop.node.text.split('\n')[0] ?? '').trim()}`, `    ...  # use value instead of ${short(text, 40)}`].join('\n');
  }
  return [`const value = ${text}; // once, before the loop`, `${(loop.node.text.split('\n')[0] ?? '').trim()}`, `  // use value instead of ${short(text, 40)}`, '}'].join('\n');
}

function isDeclaration(node: SyntaxNode): boolean {
  if (node.type === 'lexical_declaration' || node.type === 'variable_declaration') return node.namedChildren.filter((c) => c.type === 'variable_declarator').length === 1;
  return node.type === 'expression_statement' && node.namedChild(0)?.type === 'assignment';
}

/** The name is the one the declaration itself binds (its own target is not a read of loop state). */
function declaredBy(node: SyntaxNode, name: string): boolean {
  const decl = node.namedChildren.find((c) => c.type === 'variable_declarator' || c.type === 'assignment');
  return (decl?.childForFieldName('name') ?? decl?.childForFieldName('left'))?.text === name;
}

function reassigned(loop: LoopFacts, node: SyntaxNode): boolean {
  const decl = node.namedChildren.find((c) => c.type === 'variable_declarator' || c.type === 'assignment');
  const name = (decl?.childForFieldName('name') ?? decl?.childForFieldName('left'))?.text;
  return !name || loop.assignments.filter((a) => a.target === name).length > 1;
}

/** Go and Java: move the declaring statement before the loop, or bind the call to a new name there. */
function braceHoistFix(loop: LoopFacts, ctx: RuleContext, call: CallFact, regex: boolean, description: string, safety: 'safe' | 'unsafe') {
  const stmt = braceStatementOf(loop, call);
  if (stmt && call.assignedTo && stmt.type !== 'expression_statement' && loop.assignments.filter((a) => a.target === call.assignedTo).length <= 1) {
    const fix = hoistStatement(ctx, loop, stmt, description, safety);
    if (fix) return fix;
  }
  const point = hoistPoint(loop, ctx.file.source);
  const node = callNode(call);
  const name = freshName(ctx.file.source, regex ? 'pattern' : 'loaded');
  const declaration = loop.language === 'go' ? `${name} := ${node.text}` : `${regex && /^(java\.util\.regex\.)?Pattern\.compile$/.test(call.callee) ? 'Pattern' : 'var'} ${name} = ${node.text};`;
  if (point && node.startPosition.row === node.endPosition.row) {
    const fix = insertAndEdit(ctx, point.line, `${point.indent}${declaration}`, [{ node, text: name }], description, safety);
    if (fix) return fix;
  }
  const header = (loop.node.text.split('\n')[0] ?? '').trim();
  const body = loop.language === 'go' ? `\t// use ${name} instead of ${short(node.text, 40)}` : `    // use ${name} instead of ${short(node.text, 40)}`;
  return blockFix(ctx, loop, [`${declaration} // once, before the loop`, header, body, '}'].join('\n'), description, safety);
}
