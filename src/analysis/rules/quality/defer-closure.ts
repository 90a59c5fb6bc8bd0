// Go's idiom for defers that must run once per iteration: the loop's body in a closure called on the spot,
// `func() { ... }()`. The loop's own jumps become the closure's returns: a `continue` ends the closure; a `break` and a
// `return` of the enclosing function set a named result that the loop tests after the call:
//
//   for _, p := range paths {                      for _, p := range paths {
//     f, err := os.Open(p)                           if leave, res0 := func() (leave bool, res0 error) {
//     if err != nil {                                  f, err := os.Open(p)
//       return err                         ->          if err != nil {
//     }                                                  return true, err
//     defer f.Close()                                  }
//     ...                                              defer f.Close()
//   }                                                  ...
//                                                    }(); leave {
//                                                      return res0
//                                                    }
//                                                  }
import type { Detection } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { lineStartOffset, replaceFix, sourceLines } from '../../../fixes/lines.js';
import { loopJumps } from '../lib/index.js';
import { loopLabel } from '../../facts/brace.js';

const FUNCTIONS = new Set(['func_literal', 'function_declaration', 'method_declaration']);
const SWITCHES = new Set(['expression_switch_statement', 'type_switch_statement', 'select_statement']);

/** The enclosing function's result types (one per value returned) and whether they are named; undefined: no function. */
function resultTypes(loop: LoopFacts): { types: string[]; named: boolean } | undefined {
  let fn = loop.node.parent;
  while (fn && !FUNCTIONS.has(fn.type)) fn = fn.parent;
  if (!fn) return undefined;
  const result = fn.childForFieldName('result');
  if (!result) return { types: [], named: false };
  if (result.type !== 'parameter_list') return { types: [result.text], named: false };
  const types: string[] = [];
  let named = false;
  for (const declaration of result.namedChildren) {
    if (declaration.type !== 'parameter_declaration') continue;
    const type = declaration.childForFieldName('type')?.text;
    if (type === undefined) return undefined;
    const names = declaration.childrenForFieldName('name');
    if (names.length > 0) named = true;
    for (let i = 0; i < Math.max(1, names.length); i++) types.push(type);
  }
  return { types, named };
}

/**
 * Whether `statement` is terminating in the Go specification's sense once the loop's `jumps` are returns: a closure
 * with results needs one at its end, and `go vet` reports code after one as unreachable.
 */
function terminates(statement: SyntaxNode | null, jumps: ReadonlySet<number>): boolean {
  if (!statement) return false;
  switch (statement.type) {
    case 'return_statement':
    case 'goto_statement':
      return true;
    case 'break_statement':
    case 'continue_statement':
      return jumps.has(statement.id);
    case 'expression_statement': {
      const call = statement.namedChild(0);
      return call?.type === 'call_expression' && call.childForFieldName('function')?.text === 'panic';
    }
    case 'labeled_statement':
      return terminates(statement.namedChildren.find((c) => c.type !== 'label_name') ?? null, jumps);
    case 'block':
    case 'statement_list': {
      const inner = statement.type === 'block' ? statement.namedChildren.find((c) => c.type === 'statement_list') ?? statement : statement;
      const statements = inner.namedChildren.filter((c) => c.type !== 'comment');
      return terminates(statements[statements.length - 1] ?? null, jumps);
    }
    case 'if_statement': {
      const otherwise = statement.childForFieldName('alternative');
      return otherwise !== null && terminates(statement.childForFieldName('consequence'), jumps) && terminates(otherwise, jumps);
    }
    case 'expression_switch_statement':
    case 'type_switch_statement':
    case 'select_statement': {
      const cases = statement.namedChildren.filter((c) => /case$/.test(c.type));
      if (statement.type !== 'select_statement' && !cases.some((c) => c.type === 'default_case')) return false;
      if (breaksOut(statement)) return false;
      // Each case's statements (a `statement_list`; none in an empty case, which falls out of the switch).
      return cases.every((c) => {
        const body = c.namedChildren.find((s) => s.type === 'statement_list');
        const statements = body?.namedChildren.filter((s) => s.type !== 'comment') ?? [];
        const last = statements[statements.length - 1] ?? null;
        return last !== null && (last.type === 'fallthrough_statement' || terminates(last, jumps));
      });
    }
    default:
      return false;
  }
}

/** An unlabelled `break` of the switch or select itself (not of a loop or switch nested in it). */
function breaksOut(statement: SyntaxNode): boolean {
  const visit = (n: SyntaxNode): boolean => {
    if (n.type === 'break_statement') return n.namedChild(0) === null;
    if (FUNCTIONS.has(n.type) || n.type === 'for_statement' || SWITCHES.has(n.type)) return false;
    return n.namedChildren.some(visit);
  };
  return statement.namedChildren.some(visit);
}

/** `base`, or `base2`, `base3`, ... : the first that no identifier of the body uses. */
function freshName(base: string, used: ReadonlySet<string>): string {
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}${i}`)) return `${base}${i}`;
}

/** The values a `return` statement hands back, as written (none for a bare `return`). */
function returnedValues(statement: SyntaxNode): SyntaxNode[] {
  const list = statement.namedChild(0);
  if (!list) return [];
  return list.type === 'expression_list' ? list.namedChildren.filter((c) => c.type !== 'comment') : [list];
}

/**
 * `func() { ... }()` around the loop body's statements: their deferred calls then run at the end of each iteration.
 * Undefined when the body's jumps cannot be carried out of the closure, or the statements do not own their lines.
 */
export function closureFix(loop: LoopFacts, source: string): Detection['fix'] | undefined {
  const list = loop.body.type === 'statement_list' ? loop.body : undefined;
  if (!list) return undefined;
  // The statement list's span can run on to the closing brace's line (it ends after the last newline): use its
  // first and last statements.
  const firstStatement = list.namedChild(0);
  const last = list.namedChild(list.namedChildCount - 1);
  if (!firstStatement || !last) return undefined;
  const startLine = firstStatement.startPosition.row + 1;
  const endLine = last.endPosition.row + 1;
  const headerLine = loop.node.startPosition.row + 1;
  const closeLine = loop.node.endPosition.row + 1;
  // The statements must own their lines: nothing of the header or the closing brace on them.
  if (startLine <= headerLine || endLine >= closeLine) return undefined;
  const { jumps, escapes } = loopJumps(loop);
  if (escapes) return undefined;
  // Go rejects a label nobody uses: the loop's label stays used by the `break` after the call, so a labelled
  // `continue` with no break to carry it cannot be rewritten.
  const label = loopLabel(loop.node);
  const labelled = jumps.some((j) => j.node.namedChild(0) !== null && j.kind !== 'return');
  if (labelled && !jumps.some((j) => j.kind === 'break')) return undefined;
  const returns = jumps.filter((j) => j.kind === 'return');
  const breaks = jumps.some((j) => j.kind === 'break');
  const results = returns.length > 0 ? resultTypes(loop) : { types: [], named: false };
  if (!results) return undefined;
  // Every `return` must hand back one value per result (a bare return of named results, or `return f()` of a
  // multi-value call, would need the enclosing function's variables, which the body may shadow).
  if (returns.some((r) => returnedValues(r.node).length !== results.types.length)) return undefined;

  const lines = sourceLines(source);
  const bodyLines = lines.slice(startLine - 1, endLine);
  const used = new Set(bodyLines.join('\n').match(/[A-Za-z_]\w*/g) ?? []);
  const stop = breaks ? freshName('stop', used) : undefined;
  const leave = returns.length > 0 ? freshName('leave', used) : undefined;
  const outs = leave !== undefined ? results.types.map((_, i) => freshName(`res${i}`, used)) : [];
  const indent = /^[ \t]*/.exec(bodyLines[0] ?? '')![0];
  const unit = indent.startsWith('\t') || indent === '' ? '\t' : '    ';

  // Rewrite the jumps in the body's text (from the end, so earlier offsets hold).
  const base = lineStartOffset(source, startLine);
  let text = bodyLines.join('\n');
  for (const jump of [...jumps].sort((a, b) => b.node.startIndex - a.node.startIndex)) {
    const at = jump.node.startIndex - base;
    const lineIndent = /^[ \t]*/.exec(text.slice(text.lastIndexOf('\n', at - 1) + 1))![0];
    let replacement: string;
    if (jump.kind === 'continue') replacement = 'return';
    else if (jump.kind === 'break') replacement = `${stop} = true\n${lineIndent}return`;
    else if (outs.length === 0) replacement = `${leave} = true\n${lineIndent}return`;
    else replacement = `return ${[...(stop ? ['false'] : []), 'true', ...returnedValues(jump.node).map((v) => v.text)].join(', ')}`;
    text = text.slice(0, at) + replacement + text.slice(jump.node.endIndex - base);
  }
  const body = text.split('\n').map((l) => (l.trim() === '' ? l : unit + l));

  const named = [...(stop ? [`${stop} bool`] : []), ...(leave ? [`${leave} bool`] : []), ...outs.map((o, i) => `${o} ${results.types[i]}`)];
  let code: string[];
  if (named.length === 0) {
    code = [`${indent}func() {`, ...body, `${indent}}()`];
  } else {
    const names = [...(stop ? [stop] : []), ...(leave ? [leave] : []), ...outs];
    // A closure with results must end in a terminating statement: the bare `return` hands back false and zeros.
    const after: string[] = terminates(list, new Set(jumps.map((j) => j.node.id))) ? [] : [`${indent}${unit}return`];
    if (leave) after.push(`${indent}}(); ${leave} {`, `${indent}${unit}return${outs.length > 0 ? ` ${outs.join(', ')}` : ''}`);
    if (stop) after.push(leave ? `${indent}} else if ${stop} {` : `${indent}}(); ${stop} {`, `${indent}${unit}break${labelled ? ` ${label}` : ''}`);
    after.push(`${indent}}`);
    code = [`${indent}if ${names.join(', ')} := func() (${named.join(', ')}) {`, ...body, ...after];
  }
  const description =
    named.length === 0
      ? 'run each iteration in func() { ... }() so its defers run per iteration'
      : `run each iteration in func() { ... }() so its defers run per iteration; ${[stop ? '`break`' : '', leave ? '`return`' : ''].filter(Boolean).join(' and ')} ${stop && leave ? 'leave' : 'leaves'} through its results`;
  return replaceFix({ startLine, endLine, code: code.join('\n') }, { description, safety: 'safe', language: 'go' });
}
