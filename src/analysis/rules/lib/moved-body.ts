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

/** The label of a labelled `break`/`continue` (Python has none). */
function jumpLabel(jump: SyntaxNode): string | undefined {
  return (jump.childForFieldName('label') ?? jump.namedChildren.find((c) => c.type === 'label_name' || c.type === 'identifier' || c.type === 'statement_identifier'))?.text;
}

/** The loop's label, when it has one (`outer: for ...`). */
function loopLabel(loop: LoopFacts): string | undefined {
  const parent = loop.node.parent;
  if (parent?.type !== 'labeled_statement') return undefined;
  return (parent.childForFieldName('label') ?? parent.namedChildren.find((c) => c.type === 'label_name' || c.type === 'identifier' || c.type === 'statement_identifier'))?.text;
}

/**
 * The loop body's text for a function of its own, with the loop's `continue` statements replaced by `continueAs` and,
 * when `breakAs` is given, its `break` statements by `breakAs` (else they stay, and the sketch is not valid code).
 */
export function movedBody(loop: LoopFacts, source: string, options: { continueAs: string; breakAs?: string }): MovedBody {
  // Go's body is a statement_list whose span runs on to the closing brace's line: its statements, not the list.
  const statements = loop.body.type === 'statement_list' ? loop.body.namedChildren.filter((c) => c.type !== 'comment') : statementsOf(loop.body);
  if (statements.length === 0) return { text: undefined, stops: false };
  const startLine = lineOf(statements[0]!);
  const base = lineStartOffset(source, startLine);
  let text = wholeLineText(source, startLine, endLineOf(statements[statements.length - 1]!));
  // CRLF sources: wholeLineText drops the \r, so offsets into `text` are only exact for \n sources.
  if (source.slice(base, base + text.length) !== text) return { text, stops: false };
  const label = loopLabel(loop);
  const edits: { start: number; end: number; text: string }[] = [];
  let stops = false;
  const visit = (n: SyntaxNode, inLoop: boolean, inSwitch: boolean): void => {
    if (FUNCTIONS.has(n.type)) return;
    if (n.type === 'continue_statement' || n.type === 'break_statement') {
      const target = jumpLabel(n);
      const own = target !== undefined ? target === label : n.type === 'continue_statement' ? !inLoop : !inLoop && !inSwitch;
      if (!own) return;
      if (n.type === 'continue_statement') edits.push({ start: n.startIndex, end: n.endIndex, text: options.continueAs });
      else if (options.breakAs !== undefined) {
        edits.push({ start: n.startIndex, end: n.endIndex, text: options.breakAs });
        stops = true;
      }
      return;
    }
    const loopHere = inLoop || LOOPS.has(n.type);
    const switchHere = inSwitch || SWITCHES.has(n.type);
    for (const child of n.namedChildren) visit(child, loopHere, switchHere);
  };
  for (const statement of statements) visit(statement, false, false);
  for (const edit of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, edit.start - base) + edit.text + text.slice(edit.end - base);
  return { text, stops };
}

/**
 * The body of a Python or JavaScript worker step (fixes/templates.ts guardedWorkerTemplate): `continue` returns,
 * `break` returns true (and the step ends with `return False` / `return false;` so that it always says).
 */
export function workerStepBody(loop: LoopFacts, source: string): MovedBody {
  const python = loop.language === 'python';
  const first = movedBody(loop, source, { continueAs: python ? 'return' : 'return;', breakAs: python ? 'return True' : 'return true;' });
  if (!first.stops || first.text === undefined) return first;
  const moved = movedBody(loop, source, { continueAs: python ? 'return False' : 'return false;', breakAs: python ? 'return True' : 'return true;' });
  const indent = /^[ \t]*/.exec(moved.text!)![0];
  return { text: `${moved.text}\n${indent}${python ? 'return False' : 'return false;'}`, stops: true };
}
