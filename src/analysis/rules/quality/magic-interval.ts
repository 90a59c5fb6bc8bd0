// Tuning knobs written as bare numbers inside a loop: the sleep between polls, the interval of a timer, the size of
// a batch, the number of attempts. Each gets a name (and ideally a config entry) so that it can be found, changed
// and reasoned about. A literal with a comment on its line is documented and left alone, as are 0 and 1.
import type { FileModel } from '../../model.js';
import type { Detector, RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { dedentText, lineAt } from '../../../fixes/lines.js';
import {
  argumentsOf,
  calleeOf,
  descendants,
  type Family,
  familyOf,
  lineOf,
  numericValue,
  sleepOf,
  treeCalls,
} from '../lib/index.js';
import { detectBraceMagicInterval, isBrace } from './brace-readability.js';
import { namedConstantDetections } from '../lib/fixes.js';

type Variant = 'sleep' | 'interval' | 'batch' | 'retry';

interface Candidate {
  variant: Variant;
  literal: SyntaxNode;
  value: number;
  name: string;
}

const RETRY_NAME = /attempt|retr(y|ies)|tries|tried/i;

function inHandler(node: SyntaxNode): boolean {
  let current = node.parent;
  while (current) {
    if (current.type === 'except_clause' || current.type === 'catch_clause') return true;
    if (current.type === 'block' && current.parent?.type === 'while_statement') return false;
    current = current.parent;
  }
  return false;
}

function sleepCandidates(loop: LoopFacts, ctx: RuleContext, family: Family): Candidate[] {
  const { model } = ctx;
  const out: Candidate[] = [];
  for (const call of treeCalls(loop.body, ctx.model, { skipFunctions: true, skipLoops: true })) {
    const sleep = sleepOf(call, model);
    if (!sleep?.literal || sleep.seconds === undefined || sleep.seconds <= 0) continue;
    const retry = inHandler(call.node);
    const unit = family === 'python' ? 'SECONDS' : 'MS';
    out.push({ variant: 'sleep', literal: sleep.literal, value: numericValue(sleep.literal)!, name: retry ? `RETRY_DELAY_${unit}` : `POLL_INTERVAL_${unit}` });
  }
  return out;
}

function intervalCandidates(loop: LoopFacts, model: FileModel): Candidate[] {
  const { family } = model;
  if (family !== 'js') return [];
  const timers: SyntaxNode[] = [];
  if (loop.kind === 'interval' && loop.node.type === 'call_expression') timers.push(loop.node);
  if (loop.kind === 'timeout-recursion') {
    for (const node of descendants(loop.body, model, { skipFunctions: true })) {
      if (node.type === 'call_expression' && /^(setTimeout|globalThis\.setTimeout)$/.test(calleeOf(node)) && node.parent?.type !== 'await_expression') timers.push(node);
    }
  }
  const out: Candidate[] = [];
  for (const timer of timers) {
    const literal = argumentsOf(timer).positional[1];
    const value = numericValue(literal);
    if (!literal || value === undefined || value <= 0) continue;
    out.push({ variant: 'interval', literal, value, name: 'POLL_INTERVAL_MS' });
  }
  return out;
}

/**
 * A stride of 2 to 9 over an array is usually its record shape (key/value pairs in a Redis reply, RGBA pixels), not
 * a tunable batch size; it is one when the body slices a chunk of that width (`xs[i:i + 5]`, `xs.slice(i, i + 5)`).
 */
function isBatchStride(value: number, loop: LoopFacts): boolean {
  if (value >= 10) return true;
  return value > 1 && new RegExp(`\\[[\\w.]+\\s*:\\s*[\\w.]+\\s*\\+\\s*${value}\\s*\\]|\\.(slice|subarray)\\(\\s*[\\w.]+\\s*,\\s*[\\w.]+\\s*\\+\\s*${value}\\s*\\)`).test(loop.body.text);
}

function batchCandidates(loop: LoopFacts, ctx: RuleContext, family: Family): Candidate[] {
  const out: Candidate[] = [];
  const node = loop.node;
  if (family === 'python' && node.type === 'for_statement') {
    const right = node.childForFieldName('right');
    if (right?.type === 'call' && calleeOf(right) === 'range') {
      const args = argumentsOf(right).positional;
      const step = args[2];
      const value = numericValue(step);
      if (step && value !== undefined && isBatchStride(value, loop) && /len\(/.test(args[1]?.text ?? '')) out.push({ variant: 'batch', literal: step, value, name: 'BATCH_SIZE' });
    }
  }
  if (family === 'js' && node.type === 'for_statement') {
    const increment = node.childForFieldName('increment');
    if (increment?.type === 'augmented_assignment_expression' && /\.length/.test(node.childForFieldName('condition')?.text ?? '')) {
      const step = increment.childForFieldName('right');
      const value = numericValue(step);
      if (step && value !== undefined && isBatchStride(value, loop)) out.push({ variant: 'batch', literal: step, value, name: 'BATCH_SIZE' });
    }
  }
  const batchMethods = family === 'python' ? /^(fetchmany|chunked|batched|islice)$/ : /^(chunk)$/;
  for (const call of treeCalls(loop.body, ctx.model, { skipFunctions: true, skipLoops: true })) {
    if (!batchMethods.test(call.method)) continue;
    const args = argumentsOf(call.node).positional;
    // `islice(it, n)` takes a chunk of n; `islice(x, 0, 3)` / `islice(x, start, stop, step)` is a slice, and a
    // small n (`islice(row, 3)`) is the shape of the data, not a batch size.
    if (call.method === 'islice' && args.length !== 2) continue;
    const literal = call.method === 'fetchmany' ? args[0] : args[1];
    const value = numericValue(literal);
    if (call.method === 'islice' && value !== undefined && !isBatchStride(value, loop)) continue;
    if (literal && value !== undefined && value > 1) out.push({ variant: 'batch', literal, value, name: 'BATCH_SIZE' });
  }
  return out;
}

function isRetryLoop(loop: LoopFacts, model: FileModel): boolean {
  if (RETRY_NAME.test(loop.loopVariables.join(' '))) return true;
  return [...descendants(loop.body, model, { skipFunctions: true, skipLoops: true })].some((n) => n.type === 'try_statement');
}

function retryCandidates(loop: LoopFacts, model: FileModel): Candidate[] {
  const { family } = model;
  const out: Candidate[] = [];
  const node = loop.node;
  const push = (literal: SyntaxNode | null | undefined, counter: string): void => {
    const value = numericValue(literal);
    if (literal && value !== undefined && value > 1 && Number.isInteger(value)) {
      out.push({ variant: 'retry', literal, value, name: /retr/i.test(counter) ? 'MAX_RETRIES' : 'MAX_ATTEMPTS' });
    }
  };
  if (family === 'python' && node.type === 'for_statement') {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (left && right?.type === 'call' && calleeOf(right) === 'range' && (RETRY_NAME.test(left.text) || (left.text === '_' && isRetryLoop(loop, model)))) {
      const args = argumentsOf(right).positional;
      push(args.length === 1 ? args[0] : args[1], left.text);
    }
  }
  if (family === 'js' && node.type === 'for_statement') {
    const condition = node.childForFieldName('condition');
    const cond = condition?.type === 'expression_statement' ? condition.namedChildren[0] : condition;
    const left = cond?.childForFieldName('left');
    if (cond?.type === 'binary_expression' && left && RETRY_NAME.test(left.text)) push(cond.childForFieldName('right'), left.text);
  }
  // Comparisons against the counter: `while attempts < 5`, `if retries >= 3:`, `if (attempt > 4)`.
  const scopes: SyntaxNode[] = [loop.body];
  const condition = node.type === 'while_statement' ? node.childForFieldName('condition') : null;
  if (condition) scopes.push(condition);
  for (const scope of scopes) {
    const nodes = scope === loop.body ? [...descendants(scope, model, { skipFunctions: true, skipLoops: true })] : [scope, ...descendants(scope, model)];
    for (const n of nodes) {
      if (n.type === 'comparison_operator') {
        const [left, right] = n.namedChildren;
        if (left && right && left.type === 'identifier' && RETRY_NAME.test(left.text) && /[<>]/.test(n.text)) push(right, left.text);
      } else if (n.type === 'binary_expression') {
        const op = n.childForFieldName('operator')?.text ?? '';
        const left = n.childForFieldName('left');
        if (left && /^[<>]=?$/.test(op) && (left.type === 'identifier' || left.type === 'member_expression') && RETRY_NAME.test(left.text)) push(n.childForFieldName('right'), left.text);
      }
    }
  }
  return out;
}

function renderFix(loop: LoopFacts, ctx: RuleContext, candidate: Candidate, family: Family): string {
  const line = lineOf(candidate.literal);
  const original = dedentText(lineAt(ctx.file.source, line));
  const literalText = candidate.literal.text;
  const column = candidate.literal.startPosition.column - (lineAt(ctx.file.source, line).length - lineAt(ctx.file.source, line).trimStart().length);
  const rewritten = original.slice(0, column) + candidate.name + original.slice(column + literalText.length);
  const declaration = family === 'python' ? `${candidate.name} = ${literalText}` : `const ${candidate.name} = ${literalText};`;
  return `${declaration}\n\n${rewritten}\n`;
}

export const detectMagicInterval: Detector = (loop, ctx) => {
  if (isBrace(loop)) return detectBraceMagicInterval(loop, ctx);
  const { model } = ctx;
  const family = familyOf(loop.language);
  const candidates = [...intervalCandidates(loop, model), ...sleepCandidates(loop, ctx, family), ...batchCandidates(loop, ctx, family), ...retryCandidates(loop, model)];
  return namedConstantDetections(loop, ctx.file.source, candidates, (c) => renderFix(loop, ctx, c, family));
};
