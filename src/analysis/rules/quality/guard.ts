// Whether a call inside a loop is handled: covered by a try (any handler) in the loop body, by `suppress(...)`,
// or by a `.catch(...)` on its promise; and the rewrite that adds one try/except per iteration.
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import {
  detectIndentUnit,
  fenceLanguage,
  hasMultilineString,
  indentText,
  leadingWhitespace,
  lineAt,
  lineEndOffset,
  lineStartOffset,
  replaceFix,
} from '../../../fixes/lines.js';
import type { Fix } from '../../../core/types.js';
import { calleeOf, endLineOf, familyOf, lineOf, methodOf, pythonLoggerExpr, rootOf, statementsOf } from '../lib/index.js';
import type { FileModel } from '../../model.js';

/** The call sits in the `try` part of a try statement, or under `with suppress(...)`, or has a `.catch()`, between it and `stop`. */
export function isCallHandled(call: SyntaxNode, stop: SyntaxNode): boolean {
  // JS: the call is itself the chain's `.catch(handler)` (`update(...).then(...).catch(log).finally(reset)`, where the
  // model folds the chain into the call that starts it).
  let own = call.type === 'call_expression' ? call.childForFieldName('function') : null;
  // (A `.finally(...)` after the catch passes the settled result on.)
  while (own?.type === 'member_expression' && own.childForFieldName('property')?.text === 'finally') {
    const inner = own.childForFieldName('object');
    own = inner?.type === 'call_expression' ? inner.childForFieldName('function') : null;
  }
  if (own?.type === 'member_expression' && own.childForFieldName('property')?.text === 'catch') return true;
  let child = call;
  let current = call.parent;
  while (current) {
    if (current.type === 'try_statement') {
      const body = current.childForFieldName('body');
      if (body && body.id === child.id) return true;
    }
    if (current.type === 'with_statement' && /\bsuppress\(/.test(current.namedChildren[0]?.text ?? '')) return true;
    if (current.type === 'member_expression' && current.childForFieldName('object')?.id === child.id) {
      const property = current.childForFieldName('property')?.text;
      const outer = current.parent;
      if (outer?.type === 'call_expression') {
        if (property === 'catch') return true;
        if (property === 'then' && (outer.childForFieldName('arguments')?.namedChildren.length ?? 0) >= 2) return true;
      }
    }
    if (current.id === stop.id) return false;
    child = current;
    current = current.parent;
  }
  return false;
}

/** A try/except around the whole loop that restarts it from an outer loop (a supervisor). */
export function hasSupervisor(loop: LoopFacts): boolean {
  let current = loop.node.parent;
  let insideTry = false;
  while (current) {
    if (current.type === 'try_statement') insideTry = true;
    if (insideTry && (current.type === 'while_statement' || current.type === 'for_statement')) return true;
    if (current.type === 'function_definition' || current.type === 'function_declaration' || current.type === 'arrow_function' || current.type === 'method_definition') break;
    current = current.parent;
  }
  return false;
}

function isSleepStatement(statement: SyntaxNode): boolean {
  const expr = statement.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
  if (!expr) return false;
  const call = expr.type === 'await' || expr.type === 'await_expression' ? expr.namedChildren[0] : expr;
  if (!call) return false;
  if (call.type === 'new_expression') return /setTimeout/.test(call.text);
  if (call.type !== 'call' && call.type !== 'call_expression') return false;
  const method = methodOf(calleeOf(call));
  return method === 'sleep' || method === 'delay' || (call.type === 'call' && method === 'wait' && /stop|event|shutdown/i.test(calleeOf(call)));
}

/**
 * Wraps every statement of the loop body except the trailing sleep in try/except (try/catch) with a log line, so
 * that one failing item is logged and the next iteration runs, still after its pause.
 */
export function wrapBodyInTry(loop: LoopFacts, source: string, label: string, model: FileModel): Fix | undefined {
  const family = familyOf(loop.language);
  const statements = statementsOf(loop.body);
  if (statements.length === 0) return undefined;
  let wrapped = statements;
  while (wrapped.length > 1 && isSleepStatement(wrapped[wrapped.length - 1]!)) wrapped = wrapped.slice(0, -1);
  if (wrapped.length === 0 || (wrapped.length === 1 && isSleepStatement(wrapped[0]!))) return undefined;
  const tail = statements.slice(wrapped.length);
  // Without a sleep after the try, an error that persists (the database is down) would make the loop spin on it:
  // that needs a backoff, which the guarded-worker template has and an in-place try/except cannot add safely.
  if (tail.length === 0) return undefined;
  const firstLine = lineOf(statements[0]!);
  const lastLine = endLineOf(statements[statements.length - 1]!);
  if (firstLine <= lineOf(loop.node)) return undefined;
  if (family === 'js' && lastLine >= endLineOf(loop.body)) return undefined;
  const wrappedEnd = endLineOf(wrapped[wrapped.length - 1]!);
  if (tail.length > 0 && lineOf(tail[0]!) <= wrappedEnd) return undefined;
  const wrappedText = source.slice(lineStartOffset(source, firstLine), lineEndOffset(source, wrappedEnd)).replace(/\r\n/g, '\n');
  if (hasMultilineString(wrappedText)) return undefined;
  const lineText = lineAt(source, firstLine);
  const indent = leadingWhitespace(lineText);
  const unit = detectIndentUnit(source, loop.language);
  const tailText = tail.length > 0 ? source.slice(lineStartOffset(source, lineOf(tail[0]!)), lineEndOffset(source, lastLine)).replace(/\r\n/g, '\n') : '';
  const message = `${label}: iteration failed, continuing with the next one`;
  let lines: string[];
  if (family === 'python') {
    const logger = pythonLoggerExpr(model);
    if (!logger) return undefined;
    lines = [`${indent}try:`, indentText(wrappedText, unit), `${indent}except Exception:`, `${indent}${unit}${logger}.exception(${JSON.stringify(message)})`];
  } else {
    const names = model.moduleLevelNames;
    const logger = names.has('logger') ? 'logger.error' : names.has('log') ? 'log.error' : 'console.error';
    lines = [`${indent}try {`, indentText(wrappedText, unit), `${indent}} catch (err) {`, `${indent}${unit}${logger}('${message.replace(/'/g, "\\'")}', err);`, `${indent}}`];
  }
  if (tailText) lines.push(tailText);
  return replaceFix(
    { startLine: firstLine, endLine: lastLine, code: lines.join('\n') },
    { description: family === 'python' ? 'try/except per iteration' : 'try/catch per iteration', safety: 'safe', language: fenceLanguage(loop.language) },
  );
}

/** `except queue.Empty:` / `except IndexError:`: the "nothing to do" path of a non-blocking pop, not a failure. */
export function isEmptyHandler(handler: SyntaxNode): boolean {
  if (handler.type !== 'except_clause') return false;
  const typeNode = handler.namedChildren.find((c) => c.type !== 'block' && c.type !== 'comment');
  return typeNode !== undefined && /\b(Empty|IndexError|StopIteration|QueueEmpty)\b/.test(typeNode.text);
}
