// A loop body moved into a function of its own (the worker sketches' `process_once()`, `pollOnce(ctx)`): the loop's
// own `continue` means "end this iteration", which in the function is a `return`; its own `break` means "stop the
// loop", which the function reports by returning a stop value the runner tests. Jumps of nested loops, of a
// switch, or inside nested functions stay as they are.
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { lineStartOffset, wholeLineText } from '../../../fixes/lines.js';
import { endLineOf, lineOf, statementsOf } from './syntax.js';

const LOOPS = new Set(['for_statement', 'while_statement', 'for_in_statement', 'do_statement', 'enhanced_for_statement']);
const SWITCHES = new Set(['switch_statement', 'switch_expression', 'expression_switch_statement', 'type_switch_statement', 'select_statement']);
const FUNCTIONS = new Set([
  'function_definition', 'lambda', 'class_definition', // Python
  'function_declaration', 'generator_function_declaration', 'function_expression', 'function', 'generator_function', 'arrow_function', 'method_definition', 'class_declaration', 'class', // JS/TS
  'func_literal', 'method_declaration', // Go
  'lambda_expression', 'class_body', 'constructor_declaration', // Java
]);

export interface MovedBody {
  /** The body's statements in whole lines, jumps rewritten; undefined for an empty body. */
  text: string | undefined;
  /** A `break` of the loop was rewritten to `breakAs`: the runner must stop when the function returns it. */
  stops: boolean;
}

/** The label of a labelled `break`/`continue`/`labeled_statement` (Python has none). */
function labelOf(node: SyntaxNode): string | undefined {
  return (node.childForFieldName('label') ?? node.namedChildren.find((c) => c.type === 'label_name' || c.type === 'identifier' || c.type === 'statement_identifier'))?.text;
}

/** A `break`, `continue` or `return` that leaves the loop's iteration. */
export interface LoopJump {
  node: SyntaxNode;
  kind: 'continue' | 'break' | 'return';
}

/**
 * The jumps of the loop's body that leave its iteration: its own `continue`s and `break`s (unlabelled, or labelled
 * with the loop's label) and the enclosing function's `return`s. Jumps of nested loops and switches, to labels inside
 * the body, and anything in a nested function are not listed. `escapes`: the body also jumps where no function of its
 * own could follow (a `goto`, a labelled jump to an outer loop).
 */
export function loopJumps(loop: LoopFacts): { jumps: LoopJump[]; escapes: boolean } {
  const label = loop.node.parent?.type === 'labeled_statement' ? labelOf(loop.node.parent) : undefined;
  const jumps: LoopJump[] = [];
  let escapes = false;
  const visit = (n: SyntaxNode, inLoop: boolean, inSwitch: boolean, innerLabels: ReadonlySet<string>): void => {
    if (FUNCTIONS.has(n.type)) return;
    switch (n.type) {
      case 'goto_statement':
        escapes = true;
        return;
      case 'return_statement':
        jumps.push({ node: n, kind: 'return' });
        return;
      case 'break_statement':
      case 'continue_statement': {
        const target = labelOf(n);
        const kind = n.type === 'break_statement' ? 'break' : 'continue';
        if (target !== undefined) {
          if (target === label) jumps.push({ node: n, kind });
          else if (!innerLabels.has(target)) escapes = true;
          return;
        }
        // An unlabelled break belongs to the innermost loop or switch (select); a continue to the innermost loop.
        if (!inLoop && !(kind === 'break' && inSwitch)) jumps.push({ node: n, kind });
        return;
      }
      default:
        break;
    }
    let labels = innerLabels;
    if (n.type === 'labeled_statement') {
      const name = labelOf(n);
      if (name !== undefined) labels = new Set([...innerLabels, name]);
    }
    const loopHere = inLoop || LOOPS.has(n.type);
    const switchHere = inSwitch || SWITCHES.has(n.type);
    for (const child of n.namedChildren) visit(child, loopHere, switchHere, labels);
  };
  visit(loop.body, false, false, new Set());
  return { jumps, escapes };
}

/**
 * The loop body's text for a function of its own, with the loop's `continue` statements replaced by `continueAs` and,
 * when `breakAs` is given, its `break` statements by `breakAs` (else they stay, and the sketch is not valid code).
 * `continueAs` may depend on whether a break was rewritten (a step that can stop returns a value on every path).
 */
export function movedBody(loop: LoopFacts, source: string, options: { continueAs: string | ((stops: boolean) => string); breakAs?: string }): MovedBody {
  // Go's body is a statement_list whose span runs on to the closing brace's line: its statements, not the list.
  const statements = loop.body.type === 'statement_list' ? loop.body.namedChildren.filter((c) => c.type !== 'comment') : statementsOf(loop.body);
  if (statements.length === 0) return { text: undefined, stops: false };
  const startLine = lineOf(statements[0]!);
  const base = lineStartOffset(source, startLine);
  let text = wholeLineText(source, startLine, endLineOf(statements[statements.length - 1]!));
  // CRLF sources: wholeLineText drops the \r, so offsets into `text` are only exact for \n sources.
  if (source.slice(base, base + text.length) !== text) return { text, stops: false };
  const { jumps } = loopJumps(loop);
  const stops = options.breakAs !== undefined && jumps.some((j) => j.kind === 'break');
  const continueAs = typeof options.continueAs === 'string' ? options.continueAs : options.continueAs(stops);
  // From the end, so that earlier offsets hold; the enclosing function's returns stay as they are.
  for (const jump of jumps.filter((j) => j.kind !== 'return').sort((a, b) => b.node.startIndex - a.node.startIndex)) {
    const replacement = jump.kind === 'continue' ? continueAs : options.breakAs;
    if (replacement !== undefined) text = text.slice(0, jump.node.startIndex - base) + replacement + text.slice(jump.node.endIndex - base);
  }
  return { text, stops };
}

/**
 * The body of a Python or JavaScript worker step (fixes/templates.ts guardedWorkerTemplate): `continue` returns,
 * `break` returns true (and the step ends with `return False` / `return false;` so that it always says).
 */
export function workerStepBody(loop: LoopFacts, source: string): MovedBody {
  const python = loop.language === 'python';
  const no = python ? 'return False' : 'return false;';
  const moved = movedBody(loop, source, { continueAs: (stops) => (stops ? no : python ? 'return' : 'return;'), breakAs: python ? 'return True' : 'return true;' });
  if (!moved.stops || moved.text === undefined) return moved;
  const indent = /^[ \t]*/.exec(moved.text)![0];
  return { text: `${moved.text}\n${indent}${no}`, stops: true };
}
