// The five readability rules (index-loop, magic-interval, anonymous-worker-loop, deep-nesting-in-loop,
// long-loop-body) for Go and Java, with the Python/JavaScript criteria and thresholds translated to the two brace
// grammars. The fact model's generic walks know the Python and JavaScript node types only, so the walks here are
// their own (bounded, iterative); which calls sleep comes from the loop facts (rules/apis/{go,java}.yml `sleep:`).
import type { Detection, RuleContext } from '../../rule-types.js';
import type { CallFact, LoopFacts, SyntaxNode } from '../../facts.js';
import { blockFix, dedentText, detectIndentUnit, fenceLanguage, indentText, lineAt, lineEndOffset, lineStartOffset, replaceFix, rewriteLines, type TextEdit } from '../../../fixes/lines.js';
import { camelCase } from '../../../fixes/templates.js';
import { NUMBER_LITERALS } from '../../facts/brace.js';
import { braceUnguardedCall, braceWorkerName, detectBraceNoExit, goGuardedWorkerSketch, javaGuardedWorkerSketch } from './brace-worker.js';
import { ruleMayReport } from './overlap.js';
import { elementName } from './index-loop.js';
import { namedConstantDetections } from '../lib/fixes.js';
import { COMMENT_TYPES } from '../lib/syntax.js';

type Brace = 'go' | 'java';

const FUNCTIONS: Record<Brace, ReadonlySet<string>> = {
  go: new Set(['func_literal', 'function_declaration', 'method_declaration']),
  java: new Set(['method_declaration', 'constructor_declaration', 'lambda_expression', 'compact_constructor_declaration', 'class_body', 'interface_body', 'enum_body']),
};
const LOOPS: Record<Brace, ReadonlySet<string>> = {
  go: new Set(['for_statement']),
  java: new Set(['while_statement', 'for_statement', 'enhanced_for_statement', 'do_statement']),
};
/**
 * Block statements that add a level, as `if`/`for`/`while`/`try`/`with`/`switch` do in Python and JavaScript. An
 * `else if` continues its chain; a switch or select is one level with its cases; a try is one level with its catches.
 */
const NESTING: Record<Brace, ReadonlySet<string>> = {
  go: new Set(['if_statement', 'for_statement', 'expression_switch_statement', 'type_switch_statement', 'select_statement']),
  java: new Set([
    'if_statement',
    'for_statement',
    'enhanced_for_statement',
    'while_statement',
    'do_statement',
    'try_statement',
    'try_with_resources_statement',
    'switch_expression',
    'synchronized_statement',
  ]),
};
const WALK_BUDGET = 200_000;

export const isBrace = (loop: LoopFacts): boolean => loop.language === 'go' || loop.language === 'java';
const braceOf = (loop: LoopFacts): Brace => (loop.language === 'go' ? 'go' : 'java');

/** Named descendants of `root` in pre-order (root excluded), optionally not entering nested functions or loops. */
function walk(root: SyntaxNode, lang: Brace, options: { skipFunctions?: boolean; skipLoops?: boolean } = {}): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const stack: SyntaxNode[] = [];
  for (let i = root.namedChildCount - 1; i >= 0; i--) stack.push(root.namedChild(i)!);
  let budget = WALK_BUDGET;
  while (stack.length > 0 && budget-- > 0) {
    const n = stack.pop()!;
    out.push(n);
    if (options.skipFunctions && FUNCTIONS[lang].has(n.type)) continue;
    if (options.skipLoops && LOOPS[lang].has(n.type)) continue;
    for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push(n.namedChild(i)!);
  }
  return out;
}

const lineOf = (n: SyntaxNode): number => n.startPosition.row + 1;
const endLineOf = (n: SyntaxNode): number => n.endPosition.row + 1;
const compact = (text: string): string => text.replace(/\s+/g, '');

/** The statements of a block (Go `block` → its `statement_list`), comments skipped. */
function statements(block: SyntaxNode | null | undefined): SyntaxNode[] {
  if (!block) return [];
  let list = block;
  if (block.type === 'block') {
    const inner = block.namedChildren.find((c) => c.type === 'statement_list');
    if (inner) list = inner;
    else if (block.namedChildren.every((c) => COMMENT_TYPES.has(c.type))) return [];
  }
  if (list.type !== 'statement_list' && list.type !== 'block') return [list];
  return list.namedChildren.filter((c) => !COMMENT_TYPES.has(c.type));
}

/** The `{ ... }` of a loop statement. */
function loopBlock(loop: LoopFacts): SyntaxNode | null {
  return loop.node.childForFieldName('body');
}

function enclosingFunction(node: SyntaxNode, lang: Brace): SyntaxNode | undefined {
  for (let n = node.parent; n; n = n.parent) if (FUNCTIONS[lang].has(n.type) && !/_body$/.test(n.type)) return n;
  return undefined;
}

function hasEnclosingLoop(loop: LoopFacts): boolean {
  const lang = braceOf(loop);
  for (let n = loop.node.parent; n; n = n.parent) {
    if (FUNCTIONS[lang].has(n.type)) return false;
    if (LOOPS[lang].has(n.type)) return true;
  }
  return false;
}

/** Non-blank, non-comment lines from the first to the last statement of the body. */
function bodyLines(loop: LoopFacts, source: string): number {
  const list = statements(loopBlock(loop));
  if (list.length === 0) return 0;
  let count = 0;
  let inBlockComment = false;
  for (let line = lineOf(list[0]!); line <= endLineOf(list[list.length - 1]!); line++) {
    const trimmed = lineAt(source, line).trim();
    if (inBlockComment) {
      if (trimmed.includes('*/')) inBlockComment = false;
      continue;
    }
    if (trimmed === '' || trimmed.startsWith('//')) continue;
    if (trimmed.startsWith('/*')) {
      if (!trimmed.includes('*/')) inBlockComment = true;
      continue;
    }
    count++;
  }
  return count;
}

function isNesting(node: SyntaxNode, lang: Brace): boolean {
  if (!NESTING[lang].has(node.type)) return false;
  // `else if` continues the chain of the `if` it belongs to.
  if (node.type === 'if_statement' && node.parent?.type === 'if_statement' && node.parent.childForFieldName('alternative')?.id === node.id) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// deep-nesting-in-loop

/** The first nesting statement deeper than `threshold` levels below the loop body, and the deepest level. */
export function braceDeepestNesting(loop: LoopFacts, threshold: number): { first?: SyntaxNode; maxLevel: number } {
  const lang = braceOf(loop);
  const block = loopBlock(loop);
  if (!block) return { maxLevel: 0 };
  let first: SyntaxNode | undefined;
  let maxLevel = 0;
  const stack: Array<{ node: SyntaxNode; level: number }> = [];
  for (let i = block.namedChildCount - 1; i >= 0; i--) stack.push({ node: block.namedChild(i)!, level: 0 });
  let budget = WALK_BUDGET;
  while (stack.length > 0 && budget-- > 0) {
    const { node, level } = stack.pop()!;
    if (FUNCTIONS[lang].has(node.type)) continue;
    let own = level;
    if (isNesting(node, lang)) {
      own = level + 1;
      if (own > maxLevel) maxLevel = own;
      if (own > threshold && !first) first = node;
    }
    // An `else if` is a child of its chain's `if` and keeps that level.
    for (let i = node.namedChildCount - 1; i >= 0; i--) stack.push({ node: node.namedChild(i)!, level: own });
  }
  return { ...(first ? { first } : {}), maxLevel };
}

const FLIP: Record<string, string> = { '==': '!=', '!=': '==', '<': '>=', '>=': '<', '>': '<=', '<=': '>' };

function negate(condition: SyntaxNode, lang: Brace): string {
  let inner: SyntaxNode = condition;
  while (inner.type === 'parenthesized_expression' && inner.namedChild(0)) inner = inner.namedChild(0)!;
  if (inner.type === 'unary_expression' && inner.child(0)?.type === '!') {
    const operand = inner.childForFieldName('operand') ?? inner.namedChild(0);
    if (operand) return operand.type === 'parenthesized_expression' ? operand.text.slice(1, -1) : operand.text;
  }
  if (inner.type === 'binary_expression') {
    const op = inner.childForFieldName('operator')?.type ?? inner.child(1)?.type ?? '';
    const left = inner.childForFieldName('left');
    const right = inner.childForFieldName('right');
    if (FLIP[op] && left && right) return `${left.text} ${FLIP[op]} ${right.text}`;
  }
  const simple = ['identifier', 'selector_expression', 'call_expression', 'method_invocation', 'field_access', 'index_expression'].includes(inner.type);
  return simple ? `!${inner.text}` : `!(${inner.text})`;
}

function nodeLines(source: string, node: SyntaxNode): string {
  return dedentText(source.slice(lineStartOffset(source, lineOf(node)), lineEndOffset(source, endLineOf(node))).replace(/\r\n/g, '\n'));
}

/** The statements with every trailing `if` (no else, no initializer) turned into a guard clause, recursively. */
function guardClauses(list: SyntaxNode[], source: string, lang: Brace, unit: string): { text: string; changed: boolean } {
  const parts: string[] = [];
  let changed = false;
  list.forEach((statement, index) => {
    const last = index === list.length - 1;
    const consequence = statement.childForFieldName('consequence');
    const condition = statement.childForFieldName('condition');
    const plain = statement.type === 'if_statement' && consequence?.type === 'block' && condition && !statement.childForFieldName('alternative') && !statement.childForFieldName('initializer');
    if (last && plain) {
      const negated = negate(condition, lang);
      parts.push(lang === 'go' ? `if ${negated} {\n${unit}continue\n}` : `if (${negated}) {\n${unit}continue;\n}`);
      parts.push(guardClauses(statements(consequence), source, lang, unit).text);
      changed = true;
    } else parts.push(nodeLines(source, statement));
  });
  return { text: parts.join('\n'), changed };
}

export function detectBraceDeepNesting(loop: LoopFacts, ctx: RuleContext, threshold: number): Detection | null {
  if (loop.kind === 'interval' || hasEnclosingLoop(loop)) return null;
  const { first, maxLevel } = braceDeepestNesting(loop, threshold);
  if (!first) return null;
  const lang = braceOf(loop);
  const block = loopBlock(loop);
  let fix;
  if (block) {
    const unit = detectIndentUnit(ctx.file.source, loop.language);
    const guarded = guardClauses(statements(block), ctx.file.source, lang, unit);
    if (guarded.changed) {
      const header = ctx.file.source.slice(loop.node.startIndex, block.startIndex).trimEnd();
      const code = `${header} {\n${indentText(guarded.text, unit)}\n}\n`;
      fix = blockFix(code, { startLine: loop.startLine, endLine: loop.endLine }, { description: 'guard clauses', safety: 'safe', language: fenceLanguage(loop.language) });
    }
  }
  return { loop, line: lineOf(first), data: { depth: maxLevel, threshold }, confidence: 'high', ...(fix ? { fix } : {}) };
}

// ---------------------------------------------------------------------------------------------------------------
// long-loop-body

function ownJumps(block: SyntaxNode, lang: Brace): { continues: SyntaxNode[]; leaves: boolean } {
  const continues: SyntaxNode[] = [];
  let leaves = false;
  const stack: Array<{ node: SyntaxNode; inLoop: boolean; inSwitch: boolean }> = block.namedChildren.map((node) => ({ node, inLoop: false, inSwitch: false }));
  while (stack.length > 0) {
    const { node, inLoop, inSwitch } = stack.pop()!;
    if (FUNCTIONS[lang].has(node.type)) continue;
    if (node.type === 'return_statement' || node.type === 'goto_statement' || node.type === 'yield_statement') leaves = true;
    // A labelled break or continue may jump to an outer loop; a plain break in an inner loop, switch or select is its own.
    if (node.type === 'break_statement' && ((!inLoop && !inSwitch) || node.namedChildCount > 0)) leaves = true;
    if (node.type === 'continue_statement') {
      if (node.namedChildCount > 0) leaves = true;
      // A `continue` inside a switch still continues this loop.
      else if (!inLoop) continues.push(node);
    }
    const loop = inLoop || LOOPS[lang].has(node.type);
    const sw = inSwitch || /switch|select/.test(node.type);
    for (const child of node.namedChildren) stack.push({ node: child, inLoop: loop, inSwitch: sw });
  }
  return { continues, leaves };
}

const DISPATCH = new Set(['expression_switch_statement', 'type_switch_statement', 'select_statement', 'switch_expression']);

/**
 * A dispatch loop: the body is one `switch`/`select` over the kind of the next item (an assembler's opcodes, a
 * parser's tokens, a coordinator's channels), holding at least three quarters of it, with no case longer than half
 * the limit. Its cases are already the per-kind steps, side by side on purpose; the docs' "when not to use" names
 * it, and it is not reported. A long case is still a long body.
 */
function isDispatchLoop(list: SyntaxNode[], threshold: number): boolean {
  if (list.length === 0) return false;
  const span = endLineOf(list[list.length - 1]!) - lineOf(list[0]!) + 1;
  return list.some((statement) => {
    const inner = statement.type === 'labeled_statement' ? statement.namedChildren.find((c) => DISPATCH.has(c.type)) : statement.type === 'expression_statement' ? statement.namedChild(0) : statement;
    if (!inner || !DISPATCH.has(inner.type) || (endLineOf(inner) - lineOf(inner) + 1) * 4 < span * 3) return false;
    const holder = inner.namedChildren.find((c) => c.type === 'switch_block') ?? inner;
    return holder.namedChildren.every((c) => endLineOf(c) - lineOf(c) + 1 <= threshold / 2);
  });
}

export function detectBraceLongLoopBody(loop: LoopFacts, ctx: RuleContext, threshold: number): Detection | null {
  if (loop.kind === 'interval' || hasEnclosingLoop(loop)) return null;
  const lines = bodyLines(loop, ctx.file.source);
  if (lines <= threshold || isDispatchLoop(statements(loopBlock(loop)), threshold)) return null;
  const lang = braceOf(loop);
  const block = loopBlock(loop)!;
  const list = statements(block);
  const source = ctx.file.source;
  let fix;
  const jumps = ownJumps(block, lang);
  if (list.length > 0 && !jumps.leaves) {
    const from = lineStartOffset(source, lineOf(list[0]!));
    const to = lineEndOffset(source, endLineOf(list[list.length - 1]!));
    let text = '';
    let cursor = from;
    for (const cont of jumps.continues.sort((a, b) => a.startIndex - b.startIndex)) {
      text += source.slice(cursor, cont.startIndex) + (lang === 'go' ? 'return' : 'return;');
      cursor = cont.endIndex;
    }
    text += source.slice(cursor, to);
    const item = loop.loopVariables[loop.loopVariables.length - 1];
    const name = camelCase(item ? `process_${item}` : 'run_iteration');
    const unit = detectIndentUnit(source, loop.language);
    const body = indentText(dedentText(text.replace(/\r\n/g, '\n')), unit);
    const header = source.slice(loop.node.startIndex, block.startIndex).trimEnd();
    const javaType = loop.node.type === 'enhanced_for_statement' ? loop.node.childForFieldName('type')?.text : undefined;
    const code =
      lang === 'go'
        ? `// ${name} is one iteration of the loop (T: the element type).\nfunc ${name}(${item ? `${item} T` : ''}) {\n${body}\n}\n\n${header} {\n${unit}${name}(${item ?? ''})\n}\n`
        : `private void ${name}(${item ? `${javaType ?? 'var'} ${item}` : ''}) {\n${body}\n}\n\n${header} {\n${unit}${name}(${item ?? ''});\n}\n`;
    fix = blockFix(code, { startLine: loop.startLine, endLine: loop.endLine }, { description: name, safety: 'unsafe', language: fenceLanguage(loop.language) });
  }
  const nested = walk(block, lang, { skipFunctions: true }).filter((n) => LOOPS[lang].has(n.type)).length;
  return {
    loop,
    line: loop.headerLine,
    variant: nested > 0 ? 'nested' : 'default',
    data: { lines, threshold, nested },
    confidence: 'high',
    ...(fix ? { fix } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// anonymous-worker-loop

/** A goroutine (`go func() { ... }()`), a lambda or an anonymous class: the worker has no name at all. */
function anonymousHolder(fn: SyntaxNode, lang: Brace): 'goroutine' | 'lambda' | 'anonymous-class' | undefined {
  if (lang === 'go') {
    if (fn.type !== 'func_literal') return undefined;
    const call = fn.parent?.type === 'call_expression' && fn.parent.childForFieldName('function')?.id === fn.id ? fn.parent : undefined;
    return call?.parent?.type === 'go_statement' ? 'goroutine' : 'lambda';
  }
  if (fn.type === 'lambda_expression') return 'lambda';
  if (fn.type === 'method_declaration' && fn.parent?.type === 'class_body' && fn.parent.parent?.type === 'object_creation_expression') return 'anonymous-class';
  return undefined;
}

export function detectBraceAnonymousWorker(loop: LoopFacts, ctx: RuleContext, minLines: number, isGeneric: (name: string | undefined) => boolean): Detection | null {
  if ((loop.kind !== 'while' && loop.kind !== 'for') || !loop.infinite) return null;
  const lang = braceOf(loop);
  const fn = enclosingFunction(loop.node, lang);
  const holder = fn ? anonymousHolder(fn, lang) : undefined;
  const name = fn && !holder ? fn.childForFieldName('name')?.text : undefined;
  if (!holder) {
    if (!fn || !isGeneric(name)) return null;
    // A Go method or a Java method of a class with a telling name is named by it (`OrderSyncer.Run`).
    if (lang === 'go' && fn.type === 'method_declaration') return null;
    if (lang === 'java') {
      let cls: SyntaxNode | null = fn.parent;
      while (cls && cls.type !== 'class_declaration' && cls.type !== 'enum_declaration' && cls.type !== 'record_declaration') cls = cls.parent;
      if (name !== 'main' && !isGeneric(cls?.childForFieldName('name')?.text)) return null;
    }
  }
  // Any way out (a break, a return, a stop case, a condition) makes it a bounded loop, not a worker.
  if (loop.exits.some((e) => e.kind !== 'raise')) return null;
  const lines = bodyLines(loop, ctx.file.source);
  if (lines < minLines) return null;
  const block = loopBlock(loop);
  if (!block || !walk(block, lang, { skipFunctions: true }).some((n) => isNesting(n, lang))) return null;
  // The fix-bugs comment on the same header suggests the same named worker; a second one is noise.
  const unguardedMay = ruleMayReport(ctx.config, 'unguarded-worker-loop', 'fix-bugs');
  if (unguardedMay && braceUnguardedCall(loop)) return null;
  if (ruleMayReport(ctx.config, 'infinite-loop-no-exit', 'fix-bugs') && detectBraceNoExit(loop, ctx, unguardedMay)) return null;
  const purpose = braceWorkerName({ ...loop, functionName: undefined });
  const sketch = lang === 'go' ? goGuardedWorkerSketch(loop, ctx.file.source, purpose) : javaGuardedWorkerSketch(loop, ctx.file.source, purpose);
  return {
    loop,
    line: loop.headerLine,
    variant: holder ?? 'generic-function',
    data: { function: name ?? '', lines, suggested: camelCase(purpose) },
    confidence: 'high',
    fix: blockFix(sketch, { startLine: loop.startLine, endLine: loop.endLine }, { description: camelCase(purpose), safety: 'unsafe', language: fenceLanguage(loop.language) }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// index-loop

interface BraceIndexShape {
  index: string;
  collection: string;
  /** `len(xs)` / `.length` (array) / `.size()` (list). */
  access: 'go' | 'array' | 'list';
  /** Span of the header part to replace. */
  header: { start: number; end: number };
}

function isZero(node: SyntaxNode | null | undefined): boolean {
  return !!node && NUMBER_LITERALS.has(node.type) && node.text === '0';
}

function plainTarget(node: SyntaxNode | null | undefined): node is SyntaxNode {
  // `xs`, `s.items`, `this.items`: no calls, no indexing.
  return !!node && ['identifier', 'selector_expression', 'field_access'].includes(node.type) && /^[\w.]+$/.test(compact(node.text));
}

function isIncrement(node: SyntaxNode | null | undefined, index: string): boolean {
  const text = compact(node?.text ?? '');
  return [`${index}++`, `++${index}`, `${index}+=1`, `${index}=${index}+1`].includes(text);
}

function goIndexShape(node: SyntaxNode): BraceIndexShape | undefined {
  const clause = node.namedChildren.find((c) => c.type === 'for_clause');
  if (!clause) return undefined;
  const init = clause.childForFieldName('initializer');
  const cond = clause.childForFieldName('condition');
  if (init?.type !== 'short_var_declaration' || cond?.type !== 'binary_expression') return undefined;
  const left = init.childForFieldName('left');
  const right = init.childForFieldName('right');
  if (left?.namedChildCount !== 1 || right?.namedChildCount !== 1 || !isZero(right.namedChild(0))) return undefined;
  const index = left.namedChild(0)!.text;
  if (cond.child(1)?.type !== '<' || cond.childForFieldName('left')?.text !== index) return undefined;
  const len = cond.childForFieldName('right');
  if (len?.type !== 'call_expression' || len.childForFieldName('function')?.text !== 'len') return undefined;
  const args = len.childForFieldName('arguments')?.namedChildren.filter((a) => !COMMENT_TYPES.has(a.type)) ?? [];
  if (args.length !== 1 || !plainTarget(args[0])) return undefined;
  if (!isIncrement(clause.childForFieldName('update'), index)) return undefined;
  return { index, collection: compact(args[0]!.text), access: 'go', header: { start: clause.startIndex, end: clause.endIndex } };
}

function javaIndexShape(node: SyntaxNode): BraceIndexShape | undefined {
  if (node.type !== 'for_statement') return undefined;
  const inits = node.childrenForFieldName('init');
  const updates = node.childrenForFieldName('update');
  const cond = node.childForFieldName('condition');
  const body = node.childForFieldName('body');
  if (inits.length !== 1 || updates.length !== 1 || cond?.type !== 'binary_expression' || !body) return undefined;
  const decl = inits[0]!;
  const declarators = decl.type === 'local_variable_declaration' ? decl.childrenForFieldName('declarator') : [];
  if (declarators.length !== 1 || !/^(int|long|short)$/.test(decl.childForFieldName('type')?.text ?? '') || !isZero(declarators[0]!.childForFieldName('value'))) return undefined;
  const index = declarators[0]!.childForFieldName('name')?.text ?? '';
  if (cond.child(1)?.type !== '<' || cond.childForFieldName('left')?.text !== index || !isIncrement(updates[0], index)) return undefined;
  const bound = cond.childForFieldName('right');
  let access: 'array' | 'list' | undefined;
  let target: SyntaxNode | null | undefined;
  if (bound?.type === 'field_access' && bound.childForFieldName('field')?.text === 'length') {
    access = 'array';
    target = bound.childForFieldName('object');
  } else if (bound?.type === 'method_invocation' && bound.childForFieldName('name')?.text === 'size' && (bound.childForFieldName('arguments')?.namedChildCount ?? 1) === 0) {
    access = 'list';
    target = bound.childForFieldName('object');
  }
  if (!access || !plainTarget(target)) return undefined;
  const close = node.children.filter((c) => c.type === ')' && c.endIndex <= body.startIndex).pop();
  if (!close) return undefined;
  return { index, collection: compact(target!.text), access, header: { start: node.startIndex, end: close.endIndex } };
}

/** The declared type of `name` in the enclosing function (parameters, locals) or, in Java, the class (fields). */
function declaredType(name: string, loop: LoopFacts, lang: Brace): SyntaxNode | undefined {
  const bare = name.replace(/^this\./, '');
  if (bare.includes('.')) return undefined;
  let scope: SyntaxNode | undefined = enclosingFunction(loop.node, lang);
  const scopes: SyntaxNode[] = [];
  if (scope) scopes.push(scope);
  if (lang === 'java') for (let n = loop.node.parent; n; n = n.parent) if (n.type === 'class_body') scopes.push(n);
  for (scope of scopes) {
    const stack: SyntaxNode[] = [scope];
    let budget = 50_000;
    while (stack.length > 0 && budget-- > 0) {
      const n = stack.pop()!;
      if (n.id !== scope.id && (n.type === 'class_body' || (lang === 'go' && n.type === 'func_literal'))) continue;
      if (lang === 'go') {
        if (n.type === 'parameter_declaration' || n.type === 'var_spec') {
          if (n.childrenForFieldName('name').some((c) => c.text === bare)) {
            const type = n.childForFieldName('type');
            if (type) return type;
            const value = n.childForFieldName('value')?.namedChild(0);
            if (value) return value;
          }
        }
        if (n.type === 'short_var_declaration') {
          const names = n.childForFieldName('left')?.namedChildren ?? [];
          const values = n.childForFieldName('right')?.namedChildren ?? [];
          const i = names.findIndex((c) => c.text === bare);
          if (i >= 0 && values.length === names.length) return values[i];
        }
      } else if (n.type === 'spread_parameter') {
        // `Class<?>... types`: an array of the written type.
        const declarator = n.namedChildren.find((c) => c.type === 'variable_declarator');
        if (declarator?.childForFieldName('name')?.text === bare) return n.namedChildren.find((c) => c.id !== declarator.id && c.type !== 'modifiers');
      } else if (n.type === 'formal_parameter' || n.type === 'local_variable_declaration' || n.type === 'field_declaration') {
        const matches = n.type === 'formal_parameter' ? n.childForFieldName('name')?.text === bare : n.childrenForFieldName('declarator').some((d) => d.childForFieldName('name')?.text === bare);
        if (matches) return n.childForFieldName('type') ?? undefined;
      }
      for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push(n.namedChild(i)!);
    }
  }
  return undefined;
}

/** Go: a string (ranging over it yields runes, not bytes) or a map; unknown types pass. */
function goRangeChanges(type: SyntaxNode | undefined): boolean {
  if (!type) return false;
  if ((type.type === 'slice_type' || type.type === 'array_type') && type.childForFieldName('element')?.text === 'string') return false;
  if (type.type === 'map_type' || type.type === 'interpreted_string_literal' || type.type === 'raw_string_literal') return true;
  if (type.type === 'type_identifier' && type.text === 'string') return true;
  if (type.type === 'composite_literal') return type.childForFieldName('type')?.type === 'map_type';
  if (type.type === 'call_expression') {
    const fn = type.childForFieldName('function')?.text ?? '';
    if (fn === 'string' || /^strings\./.test(fn)) return true;
    if (fn === 'make') return type.childForFieldName('arguments')?.namedChild(0)?.type === 'map_type';
  }
  return false;
}

/** Java: the element type of an array or `List<T>`-like declared type; undefined when the type is not a list. */
function javaElementType(type: SyntaxNode | undefined, access: 'array' | 'list'): string | undefined | null {
  if (!type) return access === 'array' ? 'var' : null;
  if (access === 'array') {
    if (type.parent?.type === 'spread_parameter') return type.text;
    if (type.type !== 'array_type') return type.type === 'type_identifier' && type.text === 'var' ? 'var' : null;
    const element = type.childForFieldName('element')?.text;
    const dims = (type.childForFieldName('dimensions')?.text ?? '[]').replace(/\s+/g, '');
    return element ? element + dims.slice(2) : null;
  }
  // A list: `List<Order>`, `ArrayList<Order>`, `java.util.List<Order>`; a Map or a custom type with get(int) is not.
  if (type.type !== 'generic_type' || !/(^|\.)(\w*List|Vector)$/.test(type.namedChild(0)?.text ?? '')) return null;
  const args = type.namedChildren.find((c) => c.type === 'type_arguments')?.namedChildren ?? [];
  if (args.length !== 1 || args[0]!.type === 'wildcard') return 'var';
  return args[0]!.text;
}

/** Go: the declared type is a slice or array of something other than bytes: ranging it is certainly the same walk. */
function goKnownSlice(type: SyntaxNode | undefined): boolean {
  if (!type) return false;
  const sliceType = type.type === 'composite_literal' ? type.childForFieldName('type') : type.type === 'call_expression' && type.childForFieldName('function')?.text === 'make' ? type.childForFieldName('arguments')?.namedChild(0) : type;
  return !!sliceType && (sliceType.type === 'slice_type' || sliceType.type === 'array_type') && !/^(byte|uint8)$/.test(sliceType.childForFieldName('element')?.text ?? '');
}

/**
 * Go: is `collection` a string by what the file says? A struct field declared `Value string` (for `c.Value`), or a
 * range variable over a `[]string` (`for _, s := range values`).
 */
function goDeclaredString(collection: string, loop: LoopFacts): boolean {
  const root = loop.node.tree.rootNode;
  const last = collection.slice(collection.lastIndexOf('.') + 1);
  if (collection.includes('.')) {
    for (const field of root.descendantsOfType(['field_declaration'])) {
      if (field.childForFieldName('type')?.text === 'string' && field.childrenForFieldName('name').some((n) => n.text === last)) return true;
    }
    return false;
  }
  const fn = enclosingFunction(loop.node, 'go');
  if (!fn) return false;
  const stringSlice = (type: SyntaxNode | undefined): boolean => (type?.type === 'slice_type' || type?.type === 'array_type') && type.childForFieldName('element')?.text === 'string';
  // `key := oldnew[i]` with `oldnew []string`.
  const bound = declaredType(collection, loop, 'go');
  if (bound?.type === 'index_expression') {
    const operand = bound.childForFieldName('operand');
    if (operand?.type === 'identifier' && stringSlice(declaredType(operand.text, loop, 'go'))) return true;
  }
  for (const clause of fn.descendantsOfType(['range_clause'])) {
    const names = clause.childForFieldName('left')?.namedChildren ?? [];
    if (names.length < 2 || names[1]!.text !== collection) continue;
    const right = clause.childForFieldName('right');
    const type = right?.type === 'identifier' ? declaredType(right.text, loop, 'go') : undefined;
    if (stringSlice(type)) return true;
  }
  return false;
}

const CONVERSIONS = /^(rune|byte|u?int(8|16|32|64)?|uintptr)$/;

/**
 * Go, type unknown: does the loop treat `xs[i]` as a byte (a rune literal in the body, `utf8.`, a conversion or a
 * byte/rune helper applied to it)? Over a string such a loop must keep indexing: `range` would yield runes.
 */
function goByteLevel(block: SyntaxNode, reads: SyntaxNode[]): boolean {
  if (block.descendantsOfType(['rune_literal']).length > 0 || /\butf8\./.test(block.text)) return true;
  return reads.some((read) => {
    // A table lookup by the element (`mapping[key[j]]`) treats it as a small integer: a byte.
    if (read.parent?.type === 'index_expression' && read.parent.childForFieldName('index')?.id === read.id) return true;
    const call = read.parent?.type === 'argument_list' ? read.parent.parent : undefined;
    const fn = call?.childForFieldName('function')?.text ?? '';
    return CONVERSIONS.test(fn) || /byte|rune|char/i.test(fn.slice(fn.lastIndexOf('.') + 1));
  });
}

/** What the header's index loop is for, said in a comment just above it (`// not range: cleanup may add more`). */
function commentExplainsIndex(loop: LoopFacts, source: string): boolean {
  for (let line = loop.headerLine - 1; line >= Math.max(1, loop.headerLine - 3); line--) {
    const text = lineAt(source, line).trim();
    if (!text.startsWith('//') && !text.startsWith('*') && !text.startsWith('/*')) break;
    // Lint markers and suppressions are not explanations.
    if (/^\/\/\s*(ruleid|ok|coze-loop|nolint)\b/.test(text)) continue;
    if (/\brange\b|for-?each|iterator|concurrent|grow|append|add more|may add|modif/i.test(text)) return true;
  }
  return false;
}

/**
 * A worklist: the loop re-reads the length each time because the collection grows while it runs, through a call
 * the loop makes (`g.scan(x)` appending to `g.items`, a closure doing `queue = append(queue, ...)`).
 */
function growsWhileLooping(shape: BraceIndexShape, loop: LoopFacts, lang: Brace, block: SyntaxNode): boolean {
  const fn = enclosingFunction(loop.node, lang);
  if (fn) {
    // A closure of the function that appends to (Go) or adds to (Java) the collection.
    for (const inner of walk(fn, lang).filter((n) => n.type === 'func_literal' || n.type === 'lambda_expression')) {
      for (const n of walk(inner, lang)) {
        if (lang === 'go' && n.type === 'call_expression' && n.childForFieldName('function')?.text === 'append' && compact(n.childForFieldName('arguments')?.namedChild(0)?.text ?? '') === shape.collection) return true;
        if (lang === 'java' && n.type === 'method_invocation' && compact(n.childForFieldName('object')?.text ?? '') === shape.collection && LIST_CHANGES.test(n.childForFieldName('name')?.text ?? '')) return true;
      }
    }
  }
  // Go: a field of `g` (`g.newInsts`) while the body calls a method of `g` or hands `g` to a function.
  if (lang !== 'go' || !shape.collection.includes('.')) return false;
  const root = shape.collection.slice(0, shape.collection.indexOf('.'));
  for (const n of walk(block, lang)) {
    if (n.type !== 'call_expression') continue;
    const callee = compact(n.childForFieldName('function')?.text ?? '');
    if (callee.startsWith(`${root}.`) && !callee.startsWith(`${shape.collection}[`)) return true;
    if ((n.childForFieldName('arguments')?.namedChildren ?? []).some((a) => a.text === root)) return true;
  }
  return false;
}

const RESERVED = new Set([
  'break', 'case', 'chan', 'const', 'continue', 'default', 'defer', 'else', 'fallthrough', 'for', 'func', 'go', 'goto', 'if', 'import', 'interface',
  'map', 'package', 'range', 'return', 'select', 'struct', 'switch', 'type', 'var', 'len', 'cap', 'new', 'make', 'copy', 'append', 'delete', 'close',
  'string', 'byte', 'rune', 'error', 'bool', 'int', 'any', 'nil', 'true', 'false', 'iota', 'min', 'max', 'class', 'char', 'long', 'short', 'double',
  'float', 'boolean', 'this', 'super', 'null', 'final', 'static', 'public', 'private', 'protected', 'new', 'case', 'try', 'catch', 'throw', 'do',
  'while', 'enum', 'record',
]);

/** Java keywords a singular may hit (`classes` → `class`); Go's list above holds its keywords and built-ins. */
const JAVA_RESERVED = /^(class|char|long|short|double|float|boolean|byte|int|this|super|null|final|static|public|private|protected|new|case|try|catch|throw|do|while|enum|record|switch|default|package|import|interface|var|for|if|else|return|break|continue|goto|const|void|native|assert|abstract|extends|implements|instanceof|synchronized|throws|transient|volatile|yield|true|false)$/;

function freshName(preferred: string, taken: Set<string>, lang: Brace): string {
  const reserved = (name: string): boolean => (lang === 'go' ? RESERVED.has(name) : JAVA_RESERVED.test(name));
  for (const candidate of [preferred, 'item', 'element', `${preferred}Item`]) if (!taken.has(candidate) && !reserved(candidate)) return candidate;
  let n = 2;
  while (taken.has(`${preferred}${n}`)) n++;
  return `${preferred}${n}`;
}

/** `xs[i]` / `xs.get(i)` reads of the collection at the index (the node to replace), or undefined for another use. */
function elementRead(ident: SyntaxNode, shape: BraceIndexShape): SyntaxNode | undefined {
  const parent = ident.parent;
  if (!parent) return undefined;
  if (shape.access === 'list') {
    const list = parent.type === 'argument_list' ? parent.parent : undefined;
    if (list?.type !== 'method_invocation' || list.childForFieldName('name')?.text !== 'get' || parent.namedChildCount !== 1) return undefined;
    return compact(list.childForFieldName('object')?.text ?? '') === shape.collection ? list : undefined;
  }
  const type = shape.access === 'go' ? 'index_expression' : 'array_access';
  if (parent.type !== type) return undefined;
  const operand = parent.childForFieldName(shape.access === 'go' ? 'operand' : 'array');
  const index = parent.childForFieldName('index');
  return index?.id === ident.id && compact(operand?.text ?? '') === shape.collection ? parent : undefined;
}

/** Is the element read written through or its address taken (`xs[i] = v`, `xs[i].n++`, `&xs[i]`)? A range copy would drop the write. */
function writesThrough(read: SyntaxNode): boolean {
  let node = read;
  for (let p = read.parent; p; node = p, p = p.parent) {
    if ((p.type === 'selector_expression' && p.childForFieldName('operand')?.id === node.id) || (p.type === 'field_access' && p.childForFieldName('object')?.id === node.id)) continue;
    if ((p.type === 'index_expression' && p.childForFieldName('operand')?.id === node.id) || (p.type === 'array_access' && p.childForFieldName('array')?.id === node.id)) continue;
    if (p.type === 'expression_list') {
      const holder = p.parent;
      return !!holder && (holder.type === 'assignment_statement' || holder.type === 'short_var_declaration') && holder.childForFieldName('left')?.id === p.id;
    }
    if (p.type === 'assignment_statement' || p.type === 'assignment_expression') return p.childForFieldName('left')?.id === node.id;
    if (p.type === 'inc_statement' || p.type === 'dec_statement' || p.type === 'update_expression') return true;
    if (p.type === 'unary_expression' && p.child(0)?.type === '&') return true;
    return false;
  }
  return false;
}

/** Calls that change a list's size or contents through its name (the enhanced for would throw or skip). */
const LIST_CHANGES = /^(add|addAll|remove|removeAll|removeIf|retainAll|clear|set|sort|replaceAll|addFirst|addLast|removeFirst|removeLast)$/;

export function detectBraceIndexLoop(loop: LoopFacts, ctx: RuleContext): Detection | null {
  const lang = braceOf(loop);
  const shape = lang === 'go' ? goIndexShape(loop.node) : javaIndexShape(loop.node);
  const block = loopBlock(loop);
  if (!shape || !block) return null;
  const reads: SyntaxNode[] = [];
  for (const node of walk(block, lang)) {
    if (node.type === 'identifier' && node.text === shape.index) {
      const read = elementRead(node, shape);
      if (!read || writesThrough(read)) return null;
      // Go: comparing `s[i]` with a rune literal says `s` is a string; ranging over it yields runes, not bytes.
      if (lang === 'go' && read.parent?.type === 'binary_expression' && read.parent.namedChildren.some((c) => c.type === 'rune_literal')) return null;
      reads.push(read);
      continue;
    }
    // The collection must not be rebound, grown or shrunk while the loop runs.
    const text = node.type === 'identifier' || node.type === 'selector_expression' || node.type === 'field_access' ? compact(node.text) : undefined;
    if (text === shape.collection && writesThrough(node)) return null;
    if (lang === 'go' && node.type === 'call_expression' && node.childForFieldName('function')?.text === 'append' && compact(node.childForFieldName('arguments')?.namedChild(0)?.text ?? '') === shape.collection) return null;
    if (lang === 'java' && node.type === 'method_invocation' && compact(node.childForFieldName('object')?.text ?? '') === shape.collection && LIST_CHANGES.test(node.childForFieldName('name')?.text ?? '')) return null;
  }
  if (reads.length === 0) return null;

  if (commentExplainsIndex(loop, ctx.file.source) || growsWhileLooping(shape, loop, lang, block)) return null;
  const type = declaredType(shape.collection, loop, lang);
  let javaType: string | undefined;
  if (lang === 'go') {
    if (goRangeChanges(type) || goDeclaredString(shape.collection, loop)) return null;
    if (!goKnownSlice(type) && goByteLevel(block, reads)) return null;
  } else {
    const element = javaElementType(type, shape.access as 'array' | 'list');
    if (element === null || element === undefined) return null;
    javaType = element;
  }
  const fn = enclosingFunction(loop.node, lang) ?? loop.node.tree.rootNode;
  const taken = new Set(walk(fn, lang).filter((n) => n.type === 'identifier' || n.type === 'type_identifier').map((n) => n.text));
  // `NAMES` (a constant) → `name`, not `nAME`.
  const last = shape.collection.slice(shape.collection.lastIndexOf('.') + 1);
  const element = freshName(elementName(/^[A-Z][A-Z0-9_]*$/.test(last) ? last.toLowerCase() : shape.collection, 'js'), taken, lang);
  const header = lang === 'go' ? `_, ${element} := range ${shape.collection}` : `for (${javaType} ${element} : ${shape.collection})`;
  const edits: TextEdit[] = [{ start: shape.header.start, end: shape.header.end, text: header }];
  for (const read of reads) edits.push({ start: read.startIndex, end: read.endIndex, text: element });
  let fix;
  try {
    fix = replaceFix(rewriteLines(ctx.file.source, edits), {
      description: lang === 'go' ? `for _, ${element} := range ${shape.collection}` : `for (${javaType} ${element} : ${shape.collection})`,
      safety: 'unsafe',
      language: fenceLanguage(loop.language),
    });
  } catch {
    fix = undefined;
  }
  return {
    loop,
    line: loop.headerLine,
    variant: lang === 'go' ? 'go-range' : 'java-for-each',
    data: { index: shape.index, collection: shape.collection, element, uses: reads.length, read: shape.access === 'list' ? `${shape.collection}.get(${shape.index})` : `${shape.collection}[${shape.index}]`, type: javaType ?? '' },
    confidence: 'high',
    ...(fix ? { fix } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// magic-interval

type Variant = 'sleep' | 'interval' | 'period' | 'retry';

interface Candidate {
  variant: Variant;
  /** The expression holding the number, replaced by the name in the fix. */
  literal: SyntaxNode;
  name: string;
  /** Java: the constant's type. */
  javaType?: string;
}

const RETRY_NAME = /attempt|retr(y|ies)|tries|tried/i;
const GO_UNITS = /^time\.(Nanosecond|Microsecond|Millisecond|Second|Minute|Hour)$/;

/**
 * The number literals of an expression made only of literals (and, in Go, `time` units; in Java, `TimeUnit`-free
 * arithmetic): `5 * time.Second`, `5000`, `60 * 1000`. Undefined when a name or call other than those takes part.
 */
function literalNumbers(node: SyntaxNode | null | undefined, lang: Brace, depth = 0): number[] | undefined {
  if (!node || depth > 12) return undefined;
  if (NUMBER_LITERALS.has(node.type)) {
    const value = Number(node.text.replace(/_/g, '').replace(/[lLfFdD]$/, ''));
    return [Number.isNaN(value) ? 2 : value];
  }
  if (lang === 'go' && node.type === 'selector_expression' && GO_UNITS.test(compact(node.text))) return [];
  if (node.type === 'parenthesized_expression' || node.type === 'unary_expression') return literalNumbers(node.namedChild(node.namedChildCount - 1), lang, depth + 1);
  if (node.type === 'binary_expression') {
    const left = literalNumbers(node.childForFieldName('left'), lang, depth + 1);
    const right = literalNumbers(node.childForFieldName('right'), lang, depth + 1);
    return left && right ? [...left, ...right] : undefined;
  }
  // Go `time.Duration(5) * time.Second`; Java `Duration.ofSeconds(5)`.
  if (node.type === 'call_expression' && compact(node.childForFieldName('function')?.text ?? '') === 'time.Duration') {
    return literalNumbers(node.childForFieldName('arguments')?.namedChild(0), lang, depth + 1);
  }
  if (node.type === 'method_invocation' && /^(java\.time\.)?Duration$/.test(node.childForFieldName('object')?.text ?? '') && /^of[A-Z]\w*$/.test(node.childForFieldName('name')?.text ?? '')) {
    const args = node.childForFieldName('arguments')?.namedChildren ?? [];
    return args.length === 1 ? literalNumbers(args[0], lang, depth + 1) : undefined;
  }
  return undefined;
}

/** A tuning literal: numbers only (no names but units), at least one of them neither 0 nor 1. */
function isMagic(node: SyntaxNode | null | undefined, lang: Brace): boolean {
  const numbers = literalNumbers(node, lang);
  return !!numbers && numbers.some((n) => n !== 0 && n !== 1);
}

function inErrorBranch(node: SyntaxNode, loop: LoopFacts): boolean {
  for (let n = node.parent; n && n.id !== loop.node.id; n = n.parent) {
    if (n.type === 'catch_clause') return true;
    if (n.type === 'block' && n.parent?.type === 'if_statement' && n.parent.childForFieldName('consequence')?.id === n.id && /\berr\w*\s*!=\s*nil\b/.test(n.parent.childForFieldName('condition')?.text ?? '')) return true;
  }
  return false;
}

/** `unit`: the Java constant's suffix (`MS`, `SECONDS`, `MINUTES`), empty for a Duration. */
function constName(base: 'poll' | 'retry' | 'attempts' | 'retries', lang: Brace, unit: string): string {
  if (lang === 'go') return { poll: 'pollInterval', retry: 'retryDelay', attempts: 'maxAttempts', retries: 'maxRetries' }[base];
  const suffix = unit ? `_${unit}` : '';
  return { poll: `POLL_INTERVAL${suffix}`, retry: `RETRY_DELAY${suffix}`, attempts: 'MAX_ATTEMPTS', retries: 'MAX_RETRIES' }[base];
}

function sleepCandidates(loop: LoopFacts, lang: Brace): Candidate[] {
  const out: Candidate[] = [];
  for (const call of loop.calls) {
    if (call.inInnerLoop || !call.kinds.includes('sleep') || isTick(call)) continue;
    if (call.node.type !== 'call_expression' && call.node.type !== 'method_invocation') continue;
    const arg = (call.node.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => !COMMENT_TYPES.has(a.type))[0];
    if (!isMagic(arg, lang)) continue;
    // Java: `TimeUnit.SECONDS.sleep(30)` → _SECONDS, `Thread.sleep(5000)` → _MS, `Thread.sleep(Duration.ofSeconds(5))` → a Duration.
    const timeUnit = /(?:^|\.)([A-Z]+)\.sleep$/.exec(call.callee)?.[1];
    const duration = lang === 'go' || arg!.type === 'method_invocation';
    const unit = duration ? '' : timeUnit && timeUnit !== 'MILLISECONDS' ? timeUnit : 'MS';
    const base = inErrorBranch(call.node, loop) ? 'retry' : 'poll';
    out.push({ variant: 'sleep', literal: arg!, name: constName(base, lang, unit), javaType: duration ? 'Duration' : 'long' });
  }
  return out;
}

/**
 * The wait the loop facts add for a loop's header rather than a call of its body: a Go ticker channel (`ticker.C`,
 * `time.Tick(d)`, a select's `time.After(d)`) or a Java `@Scheduled` annotation. Its fact carries no arguments.
 */
function isTick(call: CallFact): boolean {
  if (!call.kinds.includes('sleep') || call.args.length > 0) return false;
  if (call.node.type === 'annotation' || call.node.type === 'selector_expression') return true;
  return call.node.type === 'call_expression' && (call.node.childForFieldName('arguments')?.namedChildCount ?? 0) > 0;
}

/** Go ticker loops (`time.NewTicker(30 * time.Second)` before the loop, `time.Tick(d)`); Java `@Scheduled(fixedDelay = 60000)`. */
function intervalCandidates(loop: LoopFacts, lang: Brace): Candidate[] {
  const tick = loop.calls.find(isTick);
  if (!tick) return [];
  if (lang === 'java') {
    if (tick.node.type !== 'annotation') return [];
    const pairs = tick.node.childForFieldName('arguments')?.namedChildren ?? [];
    const hasUnit = pairs.some((p) => p.type === 'element_value_pair' && p.childForFieldName('key')?.text === 'timeUnit');
    for (const pair of pairs) {
      const key = pair.childForFieldName('key')?.text;
      const value = pair.childForFieldName('value');
      if (pair.type === 'element_value_pair' && (key === 'fixedDelay' || key === 'fixedRate') && isMagic(value, lang)) {
        return [{ variant: hasUnit ? 'period' : 'interval', literal: value!, name: hasUnit ? 'POLL_INTERVAL' : 'POLL_INTERVAL_MS', javaType: 'long' }];
      }
    }
    return [];
  }
  // `time.Tick(d)` in the header, or the `ticker.C` of a ticker made in this function.
  let call: SyntaxNode | undefined;
  if (tick.node.type === 'call_expression') call = tick.node;
  else if (tick.node.type === 'selector_expression') {
    const operand = tick.node.childForFieldName('operand')?.text;
    const fn = enclosingFunction(loop.node, lang);
    if (!operand || !fn) return [];
    for (const n of walk(fn, lang, { skipFunctions: true })) {
      if (n.startIndex >= loop.node.startIndex) break;
      if (n.type !== 'short_var_declaration' && n.type !== 'assignment_statement') continue;
      const names = n.childForFieldName('left')?.namedChildren ?? [];
      const values = n.childForFieldName('right')?.namedChildren ?? [];
      if (names.length === 1 && names[0]!.text === operand && values[0]?.type === 'call_expression') call = values[0];
    }
  }
  const arg = call?.childForFieldName('arguments')?.namedChildren.filter((a) => !COMMENT_TYPES.has(a.type))[0];
  return arg && isMagic(arg, lang) ? [{ variant: 'period', literal: arg, name: 'pollInterval' }] : [];
}

function retryCandidates(loop: LoopFacts, lang: Brace): Candidate[] {
  const out: Candidate[] = [];
  const push = (literal: SyntaxNode | null, counter: string): void => {
    const numbers = literal && NUMBER_LITERALS.has(literal.type) ? literalNumbers(literal, lang) : undefined;
    if (literal && numbers && numbers[0]! > 1 && Number.isInteger(numbers[0])) {
      out.push({ variant: 'retry', literal, name: constName(/retr/i.test(counter) ? 'retries' : 'attempts', lang, ''), javaType: 'int' });
    }
  };
  const comparisons: SyntaxNode[] = [];
  let header: SyntaxNode | null | undefined;
  if (lang === 'java') header = loop.node.type === 'enhanced_for_statement' ? undefined : loop.node.childForFieldName('condition');
  else {
    // `for i := 0; attempt < 5; ...` (a for clause) or `for attempt < 5 { ... }` (a bare condition).
    const clause = loop.node.namedChildren.find((c) => c.type !== 'block' && !COMMENT_TYPES.has(c.type));
    header = clause?.type === 'for_clause' ? clause.childForFieldName('condition') : clause?.type === 'range_clause' ? undefined : clause;
  }
  if (header) comparisons.push(header.type === 'parenthesized_expression' ? header.namedChild(0) ?? header : header);
  const block = loopBlock(loop);
  if (block) for (const n of walk(block, lang, { skipFunctions: true, skipLoops: true })) if (n.type === 'binary_expression') comparisons.push(n);
  for (const n of comparisons) {
    if (n.type !== 'binary_expression' || !/^[<>]=?$/.test(n.child(1)?.type ?? '')) continue;
    const left = n.childForFieldName('left');
    if (left && (left.type === 'identifier' || left.type === 'field_access' || left.type === 'selector_expression') && RETRY_NAME.test(left.text)) push(n.childForFieldName('right'), left.text);
  }
  return out;
}

function renderConstantFix(loop: LoopFacts, source: string, candidate: Candidate, lang: Brace): string {
  const line = lineOf(candidate.literal);
  const text = lineAt(source, line);
  const indent = text.length - text.trimStart().length;
  const original = dedentText(text);
  const start = candidate.literal.startPosition.column - indent;
  const end = candidate.literal.startPosition.row === candidate.literal.endPosition.row ? candidate.literal.endPosition.column - indent : original.length;
  const rewritten = original.slice(0, start) + candidate.name + original.slice(end);
  const value = candidate.literal.text;
  const declaration = lang === 'go' ? `const ${candidate.name} = ${value}` : `private static final ${candidate.javaType ?? 'long'} ${candidate.name} = ${value};`;
  return `${declaration}\n\n${rewritten}\n`;
}

export function detectBraceMagicInterval(loop: LoopFacts, ctx: RuleContext): Detection[] {
  const lang = braceOf(loop);
  const candidates = [...sleepCandidates(loop, lang), ...intervalCandidates(loop, lang), ...retryCandidates(loop, lang)];
  return namedConstantDetections(loop, ctx.file.source, candidates, (c) => renderConstantFix(loop, ctx.file.source, c, lang));
}

