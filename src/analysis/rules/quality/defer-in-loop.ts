// defer-in-loop (Go): a `defer` directly in a loop body runs when the enclosing function returns, not at the end of
// the iteration, so every iteration's deferred call (a Close, an Unlock, a Rollback) waits until the whole loop is
// done: files, rows and connections pile up open, locks stay held. A `defer` inside a function literal called per
// iteration (`func() { defer f.Close(); ... }()`) or in a helper is the fix and is left alone, and so is a loop
// that leaves the function in the same iteration (`return` right after, a retry that stops at the first success).
import type { Detection, RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import type { CostEstimate } from '../../../core/types.js';
import { formatNumber } from '../../../cost/index.js';
import { blockFix, replaceFix, sourceLines } from '../../../fixes/lines.js';
import { batchSize } from '../lib/index.js';

const FUNCTIONS = new Set(['func_literal', 'function_declaration', 'method_declaration']);
const RELEASES = /\.(Close|Unlock|RUnlock|Rollback|Release|Stop|Cancel|Done|Flush|Sync)$|^(cancel\w*|wg\.Done|unlock\w*|close)$/;

/** `defer` statements of this loop's own body: not in function literals, not in inner loops. */
function ownDefers(loop: LoopFacts): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const stack: SyntaxNode[] = [loop.body];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'defer_statement') {
      out.push(n);
      continue;
    }
    if (FUNCTIONS.has(n.type) || (n.type === 'for_statement' && n.id !== loop.node.id)) continue;
    for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push(n.namedChild(i)!);
  }
  return out.sort((a, b) => a.startIndex - b.startIndex);
}

/** Statements that leave or jump in the loop: wrapping the body in a closure would change what they do. */
function bodyJumps(loop: LoopFacts): boolean {
  const stack: SyntaxNode[] = [loop.body];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'return_statement' || n.type === 'break_statement' || n.type === 'continue_statement' || n.type === 'goto_statement' || n.type === 'fallthrough_statement') return true;
    if (FUNCTIONS.has(n.type)) continue;
    for (let i = n.namedChildCount - 1; i >= 0; i--) stack.push(n.namedChild(i)!);
  }
  return false;
}

/** A `return` follows the defer in its own block: the function leaves in the iteration that deferred. */
function returnsRightAfter(defer: SyntaxNode): boolean {
  for (let n = defer.nextNamedSibling; n; n = n.nextNamedSibling) if (n.type === 'return_statement') return true;
  return false;
}

const ONE_SHOT_BRANCHES = new Set(['communication_case', 'expression_case', 'type_case', 'default_case']);

/**
 * A defer directly in the body runs once per iteration. One under an `if` usually runs once per loop (a first-time
 * setup, a fallback timer) unless it releases something opened in the same iteration (`f, _ := os.Open(p); defer
 * f.Close()`); one in a select or switch case is a one-shot branch.
 */
function pilesUp(defer: SyntaxNode, loop: LoopFacts): boolean {
  if (defer.parent?.id === loop.body.id) return true;
  for (let n = defer.parent; n && n.id !== loop.body.id; n = n.parent) if (ONE_SHOT_BRANCHES.has(n.type)) return false;
  const callee = deferredCallee(defer);
  const receiver = callee.includes('.') ? callee.slice(0, callee.indexOf('.')) : undefined;
  return RELEASES.test(callee) && receiver !== undefined && loop.assignments.some((a) => a.target === receiver);
}

function deferredCallee(defer: SyntaxNode): string {
  const call = defer.namedChild(0);
  const fn = call?.childForFieldName('function');
  if (!fn) return 'func';
  if (fn.type === 'func_literal') return 'func() {...}';
  return fn.text.replace(/\s+/g, '');
}

function pendingCost(loop: LoopFacts, ctx: RuleContext): CostEstimate {
  const items = batchSize(loop, ctx.model, ctx.config.cost);
  const f = (n: number): string => formatNumber(n, ctx.locale);
  return {
    metric: 'deferred_calls_pending_at_peak',
    before: items.value,
    after: 1,
    unit: 'calls',
    formula: `${items.assumption.key} (${f(items.value)}) deferred calls held until the function returns → 1 per iteration`,
    assumptions: [items.assumption],
  };
}

/** `func() { <body> }()` around the body's statements: the deferred calls then run at the end of each iteration. */
function closureFix(loop: LoopFacts, source: string): Detection['fix'] | undefined {
  if (bodyJumps(loop)) return undefined;
  const first = loop.body.type === 'statement_list' ? loop.body : undefined;
  if (!first) return undefined;
  // The statement list's span can run on to the closing brace's line (it ends after the last newline): use its
  // first and last statements.
  const last = first.namedChild(first.namedChildCount - 1);
  if (!last) return undefined;
  const startLine = first.startPosition.row + 1;
  const endLine = last.endPosition.row + 1;
  const lines = sourceLines(source);
  const headerLine = loop.node.startPosition.row + 1;
  const closeLine = loop.node.endPosition.row + 1;
  // The statements must own their lines: nothing of the header or the closing brace on them.
  if (startLine <= headerLine || endLine >= closeLine) return undefined;
  const body = lines.slice(startLine - 1, endLine);
  const indent = /^[ \t]*/.exec(body[0] ?? '')![0];
  const unit = indent.startsWith('\t') || indent === '' ? '\t' : '    ';
  const code = [`${indent}func() {`, ...body.map((l) => (l.trim() === '' ? l : unit + l)), `${indent}}()`].join('\n');
  return replaceFix({ startLine, endLine, code }, { description: 'run each iteration in func() { ... }() so its defers run per iteration', safety: 'safe', language: 'go' });
}

function helperSketch(loop: LoopFacts, callee: string): string {
  const item = loop.loopVariables[loop.loopVariables.length - 1] ?? 'item';
  return [
    `for _, ${item} := range ${loop.iterable?.text ?? 'items'} {`,
    `\tif err := process(${item}); err != nil {`,
    '\t\treturn err',
    '\t}',
    '}',
    '',
    `// process holds what the loop body did; its defer runs when it returns, once per item.`,
    `func process(${item} Item) error {`,
    '\t// open the resource here',
    `\tdefer ${callee}()`,
    '\t// ...',
    '\treturn nil',
    '}',
  ].join('\n');
}

/**
 * Deferred calls whose delay changes what the code does, not only when something is freed: an `Unlock` held until
 * the function returns deadlocks the next iteration's `Lock`, a `wg.Done` held keeps `Wait` from returning.
 */
const BLOCKING = /\.(Unlock|RUnlock|Done)$|^(unlock\w*)$/;

/**
 * In test code (`_test.go`, testdata) only those: a test's loop over its case table that defers `srv.Close()`,
 * `cancel()` or `os.Remove(tmp)` holds a handful of resources until the test returns, which costs nothing and is
 * often deliberate (listeners kept open for the checks after the loop).
 */
function reportedHere(defer: SyntaxNode, ctx: RuleContext): boolean {
  return !ctx.testCode || BLOCKING.test(deferredCallee(defer));
}

export function detectDeferInLoop(loop: LoopFacts, ctx: RuleContext): Detection[] | null {
  if (loop.language !== 'go' || loop.node.type !== 'for_statement') return null;
  const defers = ownDefers(loop).filter((d) => reportedHere(d, ctx) && !returnsRightAfter(d) && pilesUp(d, loop));
  if (defers.length === 0) return null;
  const fn = loop.functionName ?? 'the function';
  const fix = closureFix(loop, ctx.file.source);
  return defers.map((d, i) => {
    const callee = deferredCallee(d);
    return {
      loop,
      line: d.startPosition.row + 1,
      variant: RELEASES.test(callee) ? 'release' : 'default',
      data: { call: callee, function: fn },
      confidence: 'high',
      cost: pendingCost(loop, ctx),
      ...(i === 0
        ? {
            fix:
              fix ??
              blockFix(helperSketch(loop, callee), { startLine: loop.startLine, endLine: loop.endLine }, { description: 'move the body into a helper function', safety: 'unsafe', language: 'go' }),
          }
        : {}),
    };
  });
}
