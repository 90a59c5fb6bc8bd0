// Acknowledging a message (or deleting it, or marking the job done) before the work on it has succeeded, or in a
// `finally` that also runs when the work failed: a crash or an exception loses the message for good. The ack
// belongs after the work, so that a failure leaves the message to be redelivered.
import type { FileModel } from '../../model.js';
import type { Detection, Detector, RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import { blockFix, dedentText, fenceLanguage, lineAt, lineEndOffset, lineStartOffset, replaceFix } from '../../../fixes/lines.js';
import {
  argumentsOf,
  descendants,
  displayCallee,
  endLineOf,
  type Family,
  familyOf,
  identifiersIn,
  isFunction,
  isLoopStatement,
  lineOf,
  scopeOf,
  statementsOf,
  type TreeCall,
  treeCalls,
  tryParts,
} from '../lib/index.js';
import { detectBraceAck } from './brace-ack.js';

// `SET\s` rather than `SET\s+`: `\s+[\s\S]*` split every run of spaces both ways before failing.
export const DONE_SQL = /^\s*UPDATE\s+[\w."`]+\s+SET\s[\s\S]*\b(status|state)\s*=\s*'(done|processed|complete|completed|finished|success|succeeded|sent)'/i;

/** An ack: a `queue-ack` callee, or a method the API files give the `acks` or `broker_acks` role (`xack`, `mark_done`). */
function isAck(call: TreeCall, ctx: RuleContext): boolean {
  if (call.kinds.includes('queue-ack') && !/change_message_visibility/.test(call.callee)) return true;
  const { language } = ctx.file;
  if (ctx.kb.hasRole?.(language, call.method, 'acks') === true || ctx.kb.hasRole?.(language, call.method, 'broker_acks') === true) return !ownBookkeeping(call, ctx);
  if (call.method === 'commit' && /consumer/i.test(call.receiver ?? '')) return true;
  if (call.method === 'send' && /DeleteMessage(Batch)?Command/.test(call.node.text)) return true;
  return call.sql !== undefined && DONE_SQL.test(call.sql);
}

/**
 * `self.mark_done(top, left, bottom, right)` where `mark_done` is the code's own function and its summary shows that
 * it provably does no I/O (no broker, database or HTTP call, nothing unresolved): a parser's note of what it has
 * scanned, not a message's acknowledgement. The name alone made it an ack.
 */
function ownBookkeeping(call: TreeCall, ctx: RuleContext): boolean {
  return ctx.kb.doesNoIo?.(ctx.file.language, call.callee) === true;
}

/**
 * Something shows that the acknowledged thing is a queued message: the ack is one only a broker or job queue has
 * (`broker_acks`: `sqs.delete_message`, `basic_ack`, `xack`) or one the repository's `apis:` declares, a Kafka consumer's commit, an SQS delete command, a
 * job-table `UPDATE ... SET status = 'done'` (its own or in the code's function it calls), or the file pops from or publishes to a queue the API files know (or
 * calls its own function that does). Without any of these, `transaction.ack(path)` or a callback named `acknowledge`
 * is only a name: a config transaction or a table of callbacks, where nothing is redelivered.
 */
function queueInSight(ack: TreeCall, ctx: RuleContext): boolean {
  if (ack.sql !== undefined || ack.method === 'commit' || ack.method === 'send') return true;
  if (ctx.kb.hasRole?.(ctx.file.language, ack.method, 'broker_acks') === true) return true;
  // The repository's own `apis: { roles: { acks: [finish_job] } }`: the team says it acknowledges.
  if (ctx.kb.declaresRole?.(ack.method, 'acks') === true) return true;
  // The code's own `mark_done(job_id)` whose summary writes a row or acknowledges through a client.
  if (ack.confidence === 'summarised' && ack.kinds.some((k) => k === 'db-write' || k === 'queue-ack' || k === 'queue-pop')) return true;
  let root: SyntaxNode = ack.node;
  while (root.parent) root = root.parent;
  return treeCalls(root, ctx.model, { skipFunctions: false }).some(
    (c) => c.confidence !== 'low' && c.kinds.some((k) => k === 'queue-pop' || k === 'queue-publish'),
  );
}

/** Message variables: the loop's own variables and names assigned from a queue pop in the body, plus derived names. */
function messageNames(loop: LoopFacts, calls: TreeCall[], model: FileModel): Set<string> {
  const names = new Set(loop.loopVariables.flatMap((v) => v.split(/[^\w$]+/)).filter(Boolean));
  for (const call of calls) {
    if (!call.kinds.includes('queue-pop')) continue;
    let current = call.node.parent;
    while (current && current.type !== 'assignment' && current.type !== 'variable_declarator' && current.type !== 'expression_statement') current = current.parent;
    const target = current?.childForFieldName('left') ?? current?.childForFieldName('name');
    if (target) for (const name of identifiersIn(target, model)) names.add(name);
  }
  // One pass of derivation: `body = json.loads(msg.body)` makes `body` a message name too.
  for (const node of descendants(loop.body, model, { skipFunctions: true })) {
    if (node.type !== 'assignment' && node.type !== 'variable_declarator') continue;
    const value = node.childForFieldName('right') ?? node.childForFieldName('value');
    const target = node.childForFieldName('left') ?? node.childForFieldName('name');
    if (!value || !target) continue;
    const used = identifiersIn(value, model);
    if ([...names].some((n) => used.has(n))) for (const name of identifiersIn(target, model)) names.add(name);
  }
  return names;
}

function statementOf(node: SyntaxNode): SyntaxNode | undefined {
  let current: SyntaxNode | null = node;
  while (current && current.parent && current.parent.type !== 'block' && current.parent.type !== 'statement_block') current = current.parent;
  return current?.parent ? current : undefined;
}

function inFinally(node: SyntaxNode, stop: SyntaxNode): SyntaxNode | undefined {
  let current = node.parent;
  let conditional = false;
  while (current && current.id !== stop.id) {
    if (current.type === 'if_statement') conditional = true;
    if (current.type === 'finally_clause') return conditional ? undefined : current;
    current = current.parent;
  }
  return undefined;
}

function exitsIn(nodes: SyntaxNode[], family: Family): boolean {
  for (const root of nodes) {
    const stack = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (isFunction(node, family)) continue;
      if (node.type === 'continue_statement' || node.type === 'return_statement' || (node.type === 'break_statement' && !isLoopStatement(node, family))) return true;
      stack.push(...node.namedChildren);
    }
  }
  return false;
}

function moveAckFix(ack: SyntaxNode, lastWork: SyntaxNode, between: SyntaxNode[], loop: LoopFacts, ctx: RuleContext, family: Family) {
  const source = ctx.file.source;
  const ackStart = lineOf(ack);
  const ackEnd = endLineOf(ack);
  const workEnd = endLineOf(lastWork);
  const first = lineAt(source, ackStart);
  const last = lineAt(source, ackEnd);
  if (first.slice(0, ack.startPosition.column).trim() !== '' || last.slice(ack.endPosition.column).replace(/;/, '').trim() !== '') return undefined;
  if (lineOf(between[0]!) <= ackEnd) return undefined;
  if (exitsIn(between, family)) return undefined;
  if (ack.type === 'expression_statement' && ack.namedChildren[0]?.type === 'assignment') return undefined;
  if (ack.type === 'lexical_declaration' || ack.type === 'variable_declaration') return undefined;
  const ackText = source.slice(lineStartOffset(source, ackStart), lineEndOffset(source, ackEnd)).replace(/\r\n/g, '\n');
  const workText = source.slice(lineStartOffset(source, ackEnd + 1), lineEndOffset(source, workEnd)).replace(/\r\n/g, '\n');
  return replaceFix({ startLine: ackStart, endLine: workEnd, code: `${workText}\n${ackText}` }, {
    description: 'acknowledge after the work succeeded',
    safety: 'safe',
    language: fenceLanguage(loop.language),
  });
}

function finallyFix(ack: SyntaxNode, finallyClause: SyntaxNode, loop: LoopFacts, ctx: RuleContext, family: Family) {
  const tryNode = finallyClause.parent!;
  const body = tryNode.childForFieldName('body');
  if (!body) return undefined;
  const unit = family === 'python' ? '    ' : '  ';
  const bodyText = dedentText(ctx.file.source.slice(lineStartOffset(ctx.file.source, lineOf(statementsOf(body)[0] ?? body)), lineEndOffset(ctx.file.source, endLineOf(body) - (family === 'js' ? 1 : 0))));
  const ackText = dedentText(ack.text);
  const handlers = tryParts(tryNode).handlers;
  const indent = (text: string): string => text.split('\n').map((l) => (l ? unit + l : l)).join('\n');
  if (family === 'python') {
    const handlerText = handlers.map((h) => dedentText(' '.repeat(h.startPosition.column) + h.text)).join('\n');
    const except = handlerText || 'except Exception:\n    logger.exception("processing failed; the message stays on the queue")\n    raise';
    return `try:\n${indent(bodyText)}\n${except}\nelse:\n${indent(ackText)}\n`;
  }
  const catchText = handlers.map((h) => dedentText(' '.repeat(h.startPosition.column) + h.text)).join('\n') || "catch (err) {\n  console.error('processing failed; the message stays on the queue', err);\n  throw err;\n}";
  return `try {\n${indent(bodyText)}\n${indent(ackText)}\n} ${catchText}\n`;
}

/** A condition that names an at-most-once mode: `if queue in self._noack_queues`, `if no_ack:`, `if (autoAck)`. */
const NO_ACK_MODE = /no_?ack|auto_?ack/i;
const DEFINITION_TYPES: readonly string[] = ['function_definition', 'method_definition', 'function_declaration'];

/** `node` runs only under an `if` (up to `stop`) whose condition names the no-ack mode. */
function underNoAckCondition(node: SyntaxNode, stop: SyntaxNode): boolean {
  for (let n = node.parent; n && n.id !== stop.id; n = n.parent) {
    if (n.type === 'if_statement' && NO_ACK_MODE.test(n.childForFieldName('condition')?.text ?? '')) return true;
  }
  return false;
}

/**
 * The ack happens only in the consumer's no-ack mode, where acknowledging on receipt is what was asked for
 * (at-most-once delivery): directly under `if no_ack:`, or inside the file's own function that the loop calls
 * (`self._message_to_python(msg)` deletes the message only `if queue in self._noack_queues`).
 */
function ackOnlyInNoAckMode(ack: TreeCall, loop: LoopFacts, ctx: RuleContext): boolean {
  const { model } = ctx;
  if (underNoAckCondition(ack.node, loop.body)) return true;
  if (ack.confidence !== 'summarised') return false;
  let root: SyntaxNode = loop.node;
  while (root.parent) root = root.parent;
  const defs = root.descendantsOfType(DEFINITION_TYPES).filter((d) => d.childForFieldName('name')?.text === ack.method);
  if (defs.length !== 1) return false;
  const body = defs[0]!.childForFieldName('body');
  if (!body) return false;
  const inner = treeCalls(body, model, { skipFunctions: true }).filter((c) => isAck(c, ctx));
  return inner.length > 0 && inner.every((c) => underNoAckCondition(c.node, body));
}

/**
 * `removed.push(String(job.id))` on a list the function made (`const removed = []`, `x = []`): noting what was done
 * in memory (the call and what its arguments compute), which cannot fail like the work an ack should follow (a
 * cleanup loop whose remove is the work itself).
 */
function appendsToLocalList(call: TreeCall, loop: LoopFacts, model: FileModel): boolean {
  for (let n: SyntaxNode | null = call.node; n && n.id !== loop.body.id; n = n.parent) {
    if (n.type !== 'call_expression' && n.type !== 'call') continue;
    const fn = n.childForFieldName('function');
    const receiver = fn?.childForFieldName('object');
    const method = (fn?.childForFieldName('property') ?? fn?.childForFieldName('attribute'))?.text ?? '';
    if (!receiver || receiver.type !== 'identifier' || !/^(push|unshift|append)$/.test(method)) continue;
    const value = model.assignedValue(scopeOf(loop.node), receiver.text, loop.node.startIndex);
    if (value?.type === 'array' || value?.type === 'list') return true;
  }
  return false;
}

export const detectAckBeforeSuccess: Detector = (loop, ctx) => {
  if (loop.language === 'go' || loop.language === 'java') return detectBraceAck(loop, ctx);
  const { model } = ctx;
  const family = familyOf(loop.language);
  const calls = treeCalls(loop.body, ctx.model, { skipFunctions: true, skipLoops: true });
  const acks = calls.filter((c) => isAck(c, ctx));
  if (acks.length === 0) return null;
  const names = messageNames(loop, calls, model);
  const detections: Detection[] = [];
  for (const ack of acks) {
    const statement = statementOf(ack.node);
    if (!statement || ackOnlyInNoAckMode(ack, loop, ctx)) continue;
    const finallyClause = inFinally(ack.node, loop.body);
    if (finallyClause) {
      const code = finallyFix(statement, finallyClause, loop, ctx, family);
      detections.push({
        loop,
        line: ack.line,
        variant: queueInSight(ack, ctx) ? 'finally' : 'name-only',
        data: { ack: displayCallee(ack.callee) },
        confidence: 'high',
        ...(code ? { fix: blockFix(code, { startLine: lineOf(finallyClause.parent!), endLine: endLineOf(finallyClause.parent!) }, { description: 'acknowledge only after success', safety: 'unsafe', language: fenceLanguage(loop.language) }) } : {}),
      });
      continue;
    }
    // What is acknowledged is the message, whatever produced it: `queue.ack(message)` then `handle(message)`.
    const acked = argumentsOf(ack.node).positional[0];
    const ackNames = acked?.type === 'identifier' ? new Set([...names, acked.text]) : names;
    const block = statement.parent!;
    const siblings = statementsOf(block);
    const index = siblings.findIndex((s) => s.id === statement.id);
    const later = siblings.slice(index + 1);
    let lastWork: SyntaxNode | undefined;
    let work: TreeCall | undefined;
    for (const sibling of later) {
      for (const call of calls) {
        if (call.node.startIndex < sibling.startIndex || call.node.endIndex > sibling.endIndex) continue;
        if (isAck(call, ctx) || ctx.kb.hasRole?.(loop.language, call.method, 'not_work') === true || call.kinds.some((k) => k === 'log' || k === 'sleep' || k === 'close')) continue;
        if (appendsToLocalList(call, loop, model)) continue;
        const args = call.node.childForFieldName('arguments');
        const used = args ? identifiersIn(args, model) : new Set<string>();
        const receiverRoot = (call.receiver ?? '').split('.')[0] ?? '';
        if ([...ackNames].some((n) => used.has(n)) || ackNames.has(receiverRoot)) {
          // Name the real work in the message, not the decoding step before it.
          if (!work || /^(loads|parse|decode|get)$/.test(work.method)) work = call;
          lastWork = sibling;
        }
      }
    }
    if (!work || !lastWork) continue;
    const between = later.slice(0, later.findIndex((s) => s.id === lastWork!.id) + 1);
    const fix = moveAckFix(statement, lastWork, between, loop, ctx, family);
    detections.push({
      loop,
      line: ack.line,
      variant: queueInSight(ack, ctx) ? 'before' : 'name-only',
      data: { ack: displayCallee(ack.callee), work: displayCallee(work.callee), work_line: work.line },
      confidence: 'high',
      ...(fix
        ? { fix }
        : {
            fix: blockFix(`${dedentText(between.map((s) => s.text).join('\n'))}\n${dedentText(statement.text)}\n`, { startLine: lineOf(statement), endLine: endLineOf(lastWork) }, {
              description: 'acknowledge after the work succeeded',
              safety: 'unsafe',
              language: fenceLanguage(loop.language),
            }),
          }),
    });
  }
  return detections;
};
