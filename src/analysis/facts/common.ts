// Language-neutral helpers shared by the Python and JavaScript/TypeScript fact extractors.
import type { SyntaxNode } from '../facts.js';
import type { CallKind, ExitFact } from '../facts.js';
import { trimTrailingCalls } from '../../core/linear-text.js';

/** Loops nested deeper than this (per function) are not modelled: a note says so instead of a stack overflow. */
export const MAX_LOOP_DEPTH = 48;
/** Syntax depth below a loop's body that the fact walk descends to; deeper code is generated, not hand-written. */
export const MAX_WALK_DEPTH = 600;
/** Longest text kept for a call or an assignment value (facts are for rules, not for re-printing code). */
export const MAX_FACT_TEXT = 300;

export function clip(text: string, max = MAX_FACT_TEXT): string {
  return text.length <= max ? text : text.slice(0, max);
}

/** Removes all whitespace (`self.session .query` → `self.session.query`), as call facts spell callees. */
export function compactCallee(text: string): string {
  return clip(text.replace(/\s+/g, ''), 200);
}

/** Last segment of a dotted callee, ignoring trailing call parentheses: `a.b().c` → `c`, `fetch` → `fetch`. */
export function methodOf(callee: string): string {
  const trimmed = trimTrailingCalls(callee);
  const dot = trimmed.lastIndexOf('.');
  return dot < 0 ? trimmed : trimmed.slice(dot + 1);
}

/** Numeric value of a literal as written in Python or JavaScript (`1_000`, `0x1f`, `1e3`, `10n`, `5.`). */
export function parseNumberLiteral(text: string): number | undefined {
  const clean = text.replace(/_/g, '').replace(/[nlL]$/, '');
  if (/[jJ]$/.test(clean)) return undefined;
  let value: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(clean)) value = parseInt(clean.slice(2), 16);
  else if (/^0[oO][0-7]+$/.test(clean)) value = parseInt(clean.slice(2), 8);
  else if (/^0[bB][01]+$/.test(clean)) value = parseInt(clean.slice(2), 2);
  else value = Number(clean);
  return Number.isFinite(value) ? value : undefined;
}

const NUMBER_TYPES = new Set(['integer', 'float', 'number']);
const UNARY_TYPES = new Set(['unary_operator', 'unary_expression']);
const BINARY_TYPES = new Set(['binary_operator', 'binary_expression']);

/**
 * Folds literal arithmetic (`60 * 5`, `-1`, `2 ** 10`, `(30)`) in either grammar. `resolve` may map a name to a
 * constant (module-level `POLL_SECONDS = 30`). Recursion is bounded: literal expressions are shallow.
 */
export function evalNumber(node: SyntaxNode | null | undefined, resolve?: (name: string) => number | undefined, depth = 0): number | undefined {
  if (!node || depth > 16) return undefined;
  const type = node.type;
  if (NUMBER_TYPES.has(type)) return parseNumberLiteral(node.text);
  if (type === 'parenthesized_expression') return evalNumber(node.namedChild(0), resolve, depth + 1);
  if (UNARY_TYPES.has(type)) {
    const operand = node.childForFieldName('argument') ?? node.namedChild(0);
    const op = node.child(0)?.type;
    const value = evalNumber(operand, resolve, depth + 1);
    if (value === undefined) return undefined;
    return op === '-' ? -value : op === '+' ? value : undefined;
  }
  if (BINARY_TYPES.has(type)) {
    const left = evalNumber(node.childForFieldName('left'), resolve, depth + 1);
    const right = evalNumber(node.childForFieldName('right'), resolve, depth + 1);
    const op = node.childForFieldName('operator')?.type ?? node.child(1)?.type;
    if (left === undefined || right === undefined) return undefined;
    switch (op) {
      case '+':
        return left + right;
      case '-':
        return left - right;
      case '*':
        return left * right;
      case '/':
        return right === 0 ? undefined : left / right;
      case '//':
        return right === 0 ? undefined : Math.floor(left / right);
      case '%':
        return right === 0 ? undefined : left % right;
      case '**': {
        const v = left ** right;
        return Number.isFinite(v) ? v : undefined;
      }
      default:
        return undefined;
    }
  }
  if (resolve && (type === 'identifier' || type === 'attribute' || type === 'member_expression')) return resolve(node.text);
  return undefined;
}

const SQL_START = /^\s*(?:\(\s*)?(?:SELECT\b[\s\S]*?\b(?:FROM|\d)\b|SELECT\s+\S|INSERT\s+(?:OR\s+\w+\s+)?INTO\b|UPDATE\s+[\w."`[\]]+\s+SET\b|DELETE\s+FROM\b|WITH\s+(?:RECURSIVE\s+)?\w+\s+AS\b|UPSERT\b|MERGE\s+INTO\b|REPLACE\s+INTO\b|COMMIT\b|LOCK\s+TABLE\b|CALL\s+\w)/i;

/** Whether a string literal reads as SQL (keywords in their places, not just an English word like "update"). */
export function looksLikeSql(text: string): boolean {
  return SQL_START.test(text);
}

/** SQL that reads the system catalog (reflection): one lookup per table or type is schema-sized, not per row. */
export const CATALOG_SQL = /\b(?:information_schema|pg_catalog|pg_(?:type|class|attribute|namespace|index|constraint)|sqlite_master|sqlite_schema|sys\.(?:objects|tables|columns|indexes|types)|all_(?:tables|tab_columns|constraints)|user_(?:tables|tab_columns|constraints))\b/i;

/** Kinds that make a `continue` path wait rather than spin. */
export function isBlockingWait(kinds: readonly CallKind[], timeoutSeconds: number | undefined): boolean {
  if (kinds.includes('sleep')) return true;
  return kinds.includes('queue-pop') && timeoutSeconds !== 0;
}

const STOP_FLAG_NAME = /run|stop|shutdown|alive|active|exit|quit|terminat|cancel|done|finish|keep|should|enabled|is_set|aborted|closing|closed|halt|kill|signal/i;

/**
 * A condition that reads as a stop flag (`not stop_event.is_set()`, `self.running`, `!signal.aborted`,
 * `!this.stopped`): a possibly negated name, member access or zero-argument call whose name says so.
 */
export function stopFlagName(conditionText: string): string | undefined {
  let text = conditionText.trim();
  while (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1).trim();
  text = text.replace(/^(?:not\s+|!\s*)/, '').trim();
  if (!/^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)*(?:\(\s*\))?$/.test(text)) return undefined;
  return STOP_FLAG_NAME.test(text) ? text : undefined;
}

/** Line offsets of a source, for counting code lines in a span without splitting the whole file per loop. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly source: string) {
    for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  get count(): number {
    return this.starts.length;
  }

  /** Text of a 1-based line without its line break. */
  line(n: number): string {
    const start = this.starts[n - 1];
    if (start === undefined) return '';
    const next = this.starts[n];
    const end = next === undefined ? this.source.length : next - 1;
    return this.source.slice(start, end).replace(/\r$/, '');
  }

  /** Non-blank lines in [from, to] that are not only a comment. */
  codeLines(from: number, to: number, commentPrefix: '#' | '//'): number {
    let count = 0;
    const last = Math.min(to, this.starts.length);
    for (let n = Math.max(1, from); n <= last; n++) {
      const text = this.line(n).trim();
      if (text === '' || text.startsWith(commentPrefix)) continue;
      if (commentPrefix === '//' && (text.startsWith('/*') || text.startsWith('*'))) continue;
      count++;
    }
    return count;
  }
}

/**
 * Loop text with comments removed and whitespace folded, so that re-indenting or re-commenting a loop keeps its
 * fingerprint. `comments` are [start, end) offsets into `source`, sorted, inside [start, end).
 */
export function normalizeLoopText(source: string, start: number, end: number, comments: Array<[number, number]>): string {
  let out = '';
  let at = start;
  for (const [cs, ce] of comments) {
    if (cs < at || ce > end) continue;
    out += source.slice(at, cs);
    at = ce;
  }
  out += source.slice(at, end);
  return out.replace(/\s+/g, ' ').trim();
}

/** Adds an exit unless one of the same kind and line is already recorded. */
export function addExit(exits: ExitFact[], exit: ExitFact): void {
  if (!exits.some((e) => e.kind === exit.kind && e.line === exit.line && e.name === exit.name)) exits.push(exit);
}

/**
 * Names whose value changes between iterations: loop variables, then, to a fixed point, names assigned from a
 * call or from an expression that mentions a changing name, and names updated in place (`+=`).
 */
export function iterationDependentNames(
  loopVariables: Iterable<string>,
  bindings: Array<{ names: string[]; mentions: Set<string>; hasCall: boolean; accumulates: boolean }>,
): Set<string> {
  const dependent = new Set(loopVariables);
  for (const b of bindings) if (b.hasCall || b.accumulates) for (const n of b.names) dependent.add(n);
  let changed = true;
  for (let round = 0; changed && round < 20; round++) {
    changed = false;
    for (const b of bindings) {
      if (b.names.every((n) => dependent.has(n))) continue;
      for (const m of b.mentions) {
        if (dependent.has(m)) {
          for (const n of b.names) if (!dependent.has(n)) dependent.add(n);
          changed = true;
          break;
        }
      }
    }
  }
  return dependent;
}

/** Seconds in a JavaScript millisecond literal (`setTimeout(fn, 5000)` → 5). */
export function msToSeconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}
