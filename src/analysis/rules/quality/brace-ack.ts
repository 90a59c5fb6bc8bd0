// ack-before-success for Go and Java. The acknowledgement calls come from `queue-ack` in rules/apis/{go,java}.yml
// (NATS/JetStream and Pub/Sub `msg.Ack()`, amqp091 `d.Ack(false)`, SQS `DeleteMessage`, RabbitMQ `basicAck`, JMS
// `acknowledge`, Kafka `commitSync`/`commitAsync`). Three shapes, as for Python/JS:
// - `before`: the ack runs before a later statement of the same block does work on the message (a call that takes
//   the message, a name derived from it, or the records a Kafka poll returned).
// - `finally` (Java): the ack sits in a `finally`, so it also runs when the work threw.
// - `error-ignored` (Go's and Java's way of losing a message without an exception): the work's error is checked,
//   logged and dropped (`if err != nil { log... }` with no `continue`/`return`, a `catch` that does not leave the
//   iteration), and the ack after it runs on the failure path too.
// Negative acknowledgements (Nack, Nak, Term, basicNack, basicReject) are how a failure is reported, not the bug.
import type { CallFact, LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detection, RuleContext } from '../../rule-types.js';
import { blockFix, fenceLanguage, lineEndOffset, lineStartOffset, replaceFix } from '../../../fixes/lines.js';

/** Reports a failure rather than a success: what the failure path should call. */
const NEGATIVE_ACK = /^(Nack|Nak|NakWithDelay|Term|Reject|basicNack|basicReject|nack|reject)$/;
/** Accessors and conversions that read the message but cannot fail the work (Java getters, JetStream Metadata, Go built-ins). */
const ACCESSOR = /^(get[A-Z]\w*|is[A-Z]\w*|value|key|body|headers|Metadata|Header|Subject|topic|partition|offset|timestamp|toString|String|Error|equals|hashCode|size|length|len|cap|string|append|copy|make|new|byte|rune|int|int8|int16|int32|int64|uint|uint8|uint16|uint32|uint64|float32|float64|bool|Sprintf|Sprint|Sprintln|Errorf|Printf|Println|Print)$/;
/** Decoding steps: work, but the message names the real work after them when there is one. */
const DECODING = /^(Unmarshal|Decode|NewDecoder|readValue|readTree|fromJson|parse\w*|valueOf)$/;

const STATEMENT_CONTAINERS = new Set(['statement_list', 'block']);
const FUNCTIONS = new Set(['func_literal', 'function_declaration', 'method_declaration', 'lambda_expression', 'constructor_declaration', 'class_body']);
const DECLARATIONS = ['short_var_declaration', 'var_spec', 'variable_declarator', 'assignment_statement', 'assignment_expression', 'range_clause', 'enhanced_for_statement'];

function isAck(call: CallFact): boolean {
  return call.kinds.includes('queue-ack') && !NEGATIVE_ACK.test(call.method);
}

function identifiers(node: SyntaxNode | null | undefined): Set<string> {
  const out = new Set<string>();
  if (!node) return out;
  if (node.type === 'identifier') out.add(node.text);
  for (const id of node.descendantsOfType('identifier')) out.add(id.text);
  return out;
}

function rootOf(expr: string | undefined): string {
  return (expr ?? '').replace(/^\(+/, '').split(/[.(\[]/)[0] ?? '';
}

/** The names that stand for the message: loop variables, results of a queue pop, and names derived from them. */
function messageNames(loop: LoopFacts, acks: CallFact[]): Set<string> {
  const names = new Set(loop.loopVariables.filter((v) => v !== '_'));
  for (const call of loop.calls) if (call.kinds.includes('queue-pop') && call.assignedTo) names.add(call.assignedTo);
  // `msg.Ack()` / `message.acknowledge()`: the receiver is the message when the iteration declares it.
  const declared = declaredInBody(loop);
  // `channel.basicAck(response.getEnvelope().getDeliveryTag(), false)`: what is acknowledged is the message, whatever
  // produced it (a `basicGet` the catalogue does not list as a pop).
  for (const ack of acks) {
    const root = rootOf(ack.receiver);
    if (root && declared.has(root)) names.add(root);
    for (const id of identifiers(ack.node.childForFieldName('arguments'))) if (declared.has(id) && id !== 'err' && id !== 'ctx') names.add(id);
  }
  for (let pass = 0; pass < 2; pass++) {
    for (const node of loop.body.descendantsOfType(DECLARATIONS)) {
      let value: SyntaxNode | null;
      let targets: SyntaxNode | null;
      if (node.type === 'range_clause') {
        value = node.childForFieldName('right');
        targets = node.childForFieldName('left');
      } else if (node.type === 'enhanced_for_statement') {
        value = node.childForFieldName('value');
        targets = node.childForFieldName('name');
      } else {
        value = node.childForFieldName('right') ?? node.childForFieldName('value');
        targets = node.childForFieldName('left') ?? node.childForFieldName('name');
      }
      if (!value || !targets) continue;
      const used = identifiers(value);
      if (![...names].some((n) => used.has(n))) continue;
      for (const name of identifiers(targets)) if (name !== '_' && name !== 'err') names.add(name);
    }
  }
  return names;
}

function declaredInBody(loop: LoopFacts): Set<string> {
  const out = new Set(loop.loopVariables);
  for (const node of loop.body.descendantsOfType(['short_var_declaration', 'var_spec', 'variable_declarator'])) {
    for (const name of identifiers(node.childForFieldName('left') ?? node.childForFieldName('name'))) out.add(name);
  }
  return out;
}

/** The statement of `node` directly in a block (Go statement list / Java block) inside the loop body. */
function statementOf(node: SyntaxNode, loop: LoopFacts): SyntaxNode | undefined {
  let current: SyntaxNode = node;
  while (current.parent && !STATEMENT_CONTAINERS.has(current.parent.type)) {
    if (FUNCTIONS.has(current.parent.type) || current.parent.id === loop.node.id) return undefined;
    current = current.parent;
  }
  if (!current.parent || current.startIndex < loop.body.startIndex || current.endIndex > loop.body.endIndex) return undefined;
  return current;
}

function siblingsAfter(statement: SyntaxNode): SyntaxNode[] {
  const all = statement.parent!.namedChildren.filter((c) => c.type !== 'comment');
  return all.slice(all.findIndex((s) => s.id === statement.id) + 1);
}

function within(node: SyntaxNode, outer: SyntaxNode): boolean {
  return node.startIndex >= outer.startIndex && node.endIndex <= outer.endIndex;
}

/** A call that works on the message: takes it (or a name derived from it) or is a method of it; not an accessor. */
function isWorkOn(call: CallFact, names: Set<string>): boolean {
  if (isAck(call) || call.kinds.some((k) => k === 'log' || k === 'sleep' || k === 'close' || k === 'queue-pop' || k === 'queue-ack')) return false;
  if (ACCESSOR.test(call.method)) return false;
  const args = identifiers(call.node.childForFieldName('arguments'));
  return [...names].some((n) => args.has(n)) || names.has(rootOf(call.receiver));
}

const EXIT_TYPES = ['continue_statement', 'return_statement', 'break_statement', 'throw_statement', 'goto_statement'];

/** Some path through `nodes` leaves the iteration (or the statement is a panic / fatal / negative ack). */
function leaves(nodes: SyntaxNode[], loop: LoopFacts): boolean {
  for (const root of nodes) {
    for (const n of [root, ...root.descendantsOfType(EXIT_TYPES)]) {
      if (!EXIT_TYPES.includes(n.type)) continue;
      if (n.type === 'break_statement' && n.namedChildCount === 0 && breaksInnerStatement(n, root)) continue;
      return true;
    }
    for (const call of root.descendantsOfType(['call_expression', 'method_invocation'])) {
      const text = call.childForFieldName('function')?.text ?? call.childForFieldName('name')?.text ?? '';
      if (/(^|\.)(panic|Fatal\w*|Exit|Panic\w*)$/.test(text) || NEGATIVE_ACK.test(text.split('.').pop() ?? '')) return true;
    }
  }
  void loop;
  return false;
}

/** A bare `break` inside a loop, switch or select nested in `root` leaves that statement only. */
function breaksInnerStatement(node: SyntaxNode, root: SyntaxNode): boolean {
  for (let n = node.parent; n && n.id !== root.id; n = n.parent) {
    if (/^(for_statement|enhanced_for_statement|while_statement|do_statement|expression_switch_statement|type_switch_statement|select_statement|switch_expression|switch_block)$/.test(n.type)) return true;
  }
  return false;
}

function wholeLines(node: SyntaxNode, source: string): boolean {
  const lines = source.split('\n');
  const first = Buffer.from(lines[node.startPosition.row] ?? '', 'utf8');
  const last = Buffer.from(lines[node.endPosition.row] ?? '', 'utf8');
  return first.subarray(0, node.startPosition.column).toString('utf8').trim() === '' && last.subarray(node.endPosition.column).toString('utf8').replace(/;/, '').trim() === '';
}

function lineText(source: string, from: number, to: number): string {
  return source.slice(lineStartOffset(source, from), lineEndOffset(source, to)).replace(/\r\n/g, '\n');
}

/** The failure branches of `statements` that neither leave nor nack: where a `continue` keeps the message unacked. */
function droppedBranches(statements: SyntaxNode[], loop: LoopFacts, names: Set<string>): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const statement of statements) {
    const siblings = statement.parent!.namedChildren.filter((c) => c.type !== 'comment');
    if (!droppedFailure(statement, loop, names, siblings)) continue;
    if (loop.language === 'go') out.push(statement.childForFieldName('consequence')!);
    else for (const h of statement.namedChildren.filter((c) => c.type === 'catch_clause')) out.push(h.childForFieldName('body') ?? h.namedChildren[h.namedChildCount - 1]!);
  }
  return out;
}

/** Lines from..to with a `continue` added at the end of each block in `branches` (closing brace on its own line). */
function withContinues(source: string, from: number, to: number, branches: SyntaxNode[], loop: LoopFacts): string | undefined {
  const lines = source.split('\n').slice(from - 1, to).map((l) => l.replace(/\r$/, ''));
  for (const branch of [...branches].sort((a, b) => b.endPosition.row - a.endPosition.row)) {
    const closing = branch.endPosition.row + 1 - from;
    const closingText = lines[closing] ?? '';
    if (closingText.trim() !== '}' || closing < 1) return undefined;
    const inner = [...branch.namedChildren].reverse().find((c) => c.type !== 'comment' && c.type !== '{' );
    const last = inner?.type === 'statement_list' ? inner.namedChildren[inner.namedChildCount - 1] : inner;
    const indent = last ? /^[ \t]*/.exec(source.split('\n')[last.startPosition.row] ?? '')![0] : /^[ \t]*/.exec(closingText)![0] + '\t';
    lines.splice(closing, 0, `${indent}// not acknowledged: the broker redelivers the message`, `${indent}continue${loop.language === 'java' ? ';' : ''}`);
  }
  return lines.join('\n');
}

/** Moves the ack statement after the last statement that works on the message, when nothing between can leave. */
function moveAck(statement: SyntaxNode, lastWork: SyntaxNode, between: SyntaxNode[], loop: LoopFacts, ctx: RuleContext, names: Set<string>) {
  const source = ctx.file.source;
  if (!wholeLines(statement, source) || leaves(between, loop)) return undefined;
  if (statement.type !== 'expression_statement') return undefined;
  const ackStart = statement.startPosition.row + 1;
  const ackEnd = statement.endPosition.row + 1;
  const workEnd = lastWork.endPosition.row + 1;
  if (between[0]!.startPosition.row + 1 <= ackEnd) return undefined;
  const work = withContinues(source, ackEnd + 1, workEnd, droppedBranches(between, loop, names), loop);
  if (work === undefined) return undefined;
  return replaceFix(
    { startLine: ackStart, endLine: workEnd, code: `${work}\n${lineText(source, ackStart, ackEnd)}` },
    { description: 'acknowledge after the work succeeded', safety: 'safe', language: fenceLanguage(loop.language) },
  );
}

function dedent(text: string): string {
  const lines = text.split('\n');
  const indents = lines.slice(1).filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((l, i) => (i === 0 ? l : l.slice(Math.min(cut, /^[ \t]*/.exec(l)![0].length)))).join('\n');
}

function beforeDetections(loop: LoopFacts, ctx: RuleContext, acks: CallFact[], names: Set<string>): Detection[] {
  const out: Detection[] = [];
  for (const ack of acks) {
    if (inFinally(ack.node, loop)) continue;
    const statement = statementOf(ack.node, loop);
    if (!statement) continue;
    const acked = new Set(names);
    for (const id of identifiers(ack.node.childForFieldName('arguments'))) if (names.has(id)) acked.add(id);
    const later = siblingsAfter(statement);
    let work: CallFact | undefined;
    let lastWork: SyntaxNode | undefined;
    for (const sibling of later) {
      for (const call of loop.calls) {
        if (!within(call.node, sibling) || !isWorkOn(call, acked)) continue;
        if (!work || (DECODING.test(work.method) && !DECODING.test(call.method))) work = call;
        lastWork = sibling;
      }
    }
    if (!work || !lastWork) continue;
    const between = later.slice(0, later.findIndex((s) => s.id === lastWork!.id) + 1);
    const fix =
      moveAck(statement, lastWork, between, loop, ctx, acked) ??
      blockFix(`${dedent(between.map((s) => s.text).join('\n'))}\n${statement.text}\n`, { startLine: statement.startPosition.row + 1, endLine: lastWork.endPosition.row + 1 }, {
        description: 'acknowledge after the work succeeded',
        safety: 'unsafe',
        language: fenceLanguage(loop.language),
      });
    out.push({ loop, line: ack.line, variant: 'before', data: { ack: ack.callee, work: work.callee, work_line: work.line }, confidence: 'high', fix });
  }
  return out;
}

function inFinally(node: SyntaxNode, loop: LoopFacts): SyntaxNode | undefined {
  for (let n = node.parent; n && n.id !== loop.body.id; n = n.parent) {
    if (n.type === 'if_statement' || FUNCTIONS.has(n.type)) return undefined;
    if (n.type === 'finally_clause') return n;
  }
  return undefined;
}

/** Java: `try { work } finally { ack }` acknowledges failures too. */
function finallyDetections(loop: LoopFacts, ctx: RuleContext, acks: CallFact[]): Detection[] {
  const out: Detection[] = [];
  for (const ack of acks) {
    const clause = inFinally(ack.node, loop);
    if (!clause) continue;
    const tryNode = clause.parent!;
    const body = tryNode.childForFieldName('body');
    const statement = statementOf(ack.node, loop);
    if (!body || !statement) continue;
    const inner = dedent(body.text.replace(/^\{\s*\n?/, '').replace(/\s*\}$/, ''));
    const handlers = tryNode.namedChildren.filter((c) => c.type === 'catch_clause').map((h) => dedent(h.text));
    const indent = (text: string): string => text.split('\n').map((l) => (l.trim() ? `    ${l}` : l)).join('\n');
    const code = [
      'try {',
      indent(inner),
      `    ${statement.text.trim()}`,
      `} ${handlers.length > 0 ? handlers.join(' ') : 'catch (Exception e) {\n    // not acknowledged: the broker redelivers the message (or nack it here)\n    throw e;\n}'}`,
    ].join('\n');
    out.push({
      loop,
      line: ack.line,
      variant: 'finally',
      data: { ack: ack.callee },
      confidence: 'high',
      fix: blockFix(code, { startLine: tryNode.startPosition.row + 1, endLine: tryNode.endPosition.row + 1 }, { description: 'acknowledge only after success', safety: 'unsafe', language: fenceLanguage(loop.language) }),
    });
  }
  return out;
}

/**
 * The failure of the work is caught and dropped before the ack: Go `if err := handle(m); err != nil { log... }` or
 * `err := handle(m)` then such an `if`, Java `try { handle(m) } catch (E e) { log... }`, with no way out of the
 * iteration in the handler, followed (in the same block) by the ack.
 */
function ignoredErrorDetections(loop: LoopFacts, ctx: RuleContext, acks: CallFact[], names: Set<string>, reported: Set<number>): Detection[] {
  const out: Detection[] = [];
  for (const ack of acks) {
    if (reported.has(ack.line) || inFinally(ack.node, loop)) continue;
    const statement = statementOf(ack.node, loop);
    if (!statement) continue;
    const siblings = statement.parent!.namedChildren.filter((c) => c.type !== 'comment');
    const before = siblings.slice(0, siblings.findIndex((s) => s.id === statement.id));
    for (const sibling of before.reverse()) {
      const dropped = droppedFailure(sibling, loop, names, siblings);
      if (!dropped) continue;
      const branches = droppedBranches([sibling], loop, names);
      const from = sibling.startPosition.row + 1;
      const to = sibling.endPosition.row + 1;
      const code = wholeLines(sibling, ctx.file.source) ? withContinues(ctx.file.source, from, to, branches, loop) : undefined;
      const fix = code === undefined ? undefined : replaceFix({ startLine: from, endLine: to, code }, { description: 'leave the failed message unacknowledged', safety: 'safe', language: fenceLanguage(loop.language) });
      out.push({ loop, line: ack.line, variant: 'error-ignored', data: { ack: ack.callee, work: dropped.callee, work_line: dropped.line }, confidence: 'medium', ...(fix ? { fix } : {}) });
      break;
    }
  }
  return out;
}

function droppedFailure(statement: SyntaxNode, loop: LoopFacts, names: Set<string>, siblings: SyntaxNode[]): CallFact | undefined {
  if (loop.language === 'go' && statement.type === 'if_statement') {
    const condition = statement.childForFieldName('condition')?.text ?? '';
    const errName = /^(\w+)\s*!=\s*nil$/.exec(condition.trim())?.[1];
    if (!errName || statement.childForFieldName('alternative')) return undefined;
    const consequence = statement.childForFieldName('consequence');
    if (!consequence || leaves([consequence], loop)) return undefined;
    // the call whose error is tested: in the `if` initializer, or the statement just before assigning it
    const initializer = statement.childForFieldName('initializer');
    const index = siblings.findIndex((s) => s.id === statement.id);
    const source = initializer ?? siblings[index - 1];
    if (!source || !new RegExp(`\\b${errName}\\b`).test((source.childForFieldName('left') ?? source).text)) return undefined;
    return loop.calls.find((c) => within(c.node, source) && isWorkOn(c, names) && !DECODING.test(c.method)) ?? loop.calls.find((c) => within(c.node, source) && isWorkOn(c, names));
  }
  if (loop.language === 'java' && statement.type === 'try_statement') {
    const handlers = statement.namedChildren.filter((c) => c.type === 'catch_clause');
    if (handlers.length === 0 || statement.namedChildren.some((c) => c.type === 'finally_clause')) return undefined;
    if (handlers.some((h) => leaves([h], loop))) return undefined;
    const body = statement.childForFieldName('body');
    if (!body) return undefined;
    return loop.calls.find((c) => within(c.node, body) && isWorkOn(c, names) && !DECODING.test(c.method));
  }
  return undefined;
}

/**
 * Something shows a queue (as `queueInSight` for Python/JS): the file imports a broker's package (an import path or
 * name segment in the `broker_packages` role: `amqp091`, `nats`, `sarama`, `sqs`, `com.rabbitmq`, `javax.jms`,
 * `org.apache.kafka`), a loop of the file pops from or publishes to a queue the API files know, or the ack is one the
 * repository or the catalogue gives the `broker_acks` role. Without any, `m.db.DeleteMessage(name)` on a mail index
 * is a name only.
 */
function queueInSight(ack: CallFact, loop: LoopFacts, ctx: RuleContext): boolean {
  const { language } = loop;
  if (ctx.kb.hasRole?.(language, ack.method, 'broker_acks') === true) return true;
  if (ctx.file.loops.some((l) => l.calls.some((c) => c.kinds.includes('queue-pop') || c.kinds.includes('queue-publish')))) return true;
  let root: SyntaxNode = loop.node;
  while (root.parent) root = root.parent;
  for (const decl of root.namedChildren) {
    if (decl.type !== 'import_declaration') continue;
    for (const segment of decl.text.replace(/^import\b/, '').split(/[^\w]+/)) {
      if (segment && ctx.kb.hasRole?.(language, segment, 'broker_packages') === true) return true;
    }
  }
  return false;
}

export function detectBraceAck(loop: LoopFacts, ctx: RuleContext): Detection[] {
  const acks = loop.calls.filter((c) => !c.inInnerLoop && isAck(c));
  if (acks.length === 0) return [];
  const names = messageNames(loop, acks);
  const before = beforeDetections(loop, ctx, acks, names);
  const fin = loop.language === 'java' ? finallyDetections(loop, ctx, acks) : [];
  const reported = new Set([...before, ...fin].map((d) => d.line));
  const all = [...before, ...fin, ...ignoredErrorDetections(loop, ctx, acks, names, reported)];
  return all.map((d) => {
    const ack = acks.find((a) => a.line === d.line);
    return ack && !queueInSight(ack, loop, ctx) ? { ...d, variant: 'name-only' } : d;
  });
}
