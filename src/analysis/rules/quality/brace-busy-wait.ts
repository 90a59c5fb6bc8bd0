// busy-wait for Go and Java. Two shapes:
// - Go `for { select { case ...: ... default: } }`: a select with an empty `default` never blocks, so while no
//   channel is ready the loop goes round at full speed. Reported when the select is the whole body (nothing else
//   in the body can block), its default neither waits nor leaves (`continue outer` of an enclosing, labelled loop
//   leaves), and no case is a ticker (the wait is the select).
//   The fix deletes the `default:` so the select blocks until a case is ready.
// - A loop with an empty body on a condition (`for !done {}`, `while (!ready) {}`, `while (!ready);`): spins until
//   another thread changes the condition. `Thread.onSpinWait()` / `runtime.Gosched()` in the body are deliberate,
//   short spins (the JDK's own locks) and are left alone, and so is a Java spin on volatile fields in a file that
//   claims state by compare-and-set (a lock-free hand-off: the writer has already won and is instructions away).
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detection, RuleContext } from '../../rule-types.js';
import { blockFix, fenceLanguage, lineEndOffset, lineStartOffset, replaceFix } from '../../../fixes/lines.js';
import { busyWaitCost } from './cost.js';
import { COMMENT_TYPES } from '../lib/syntax.js';
import { conditionWrites } from '../lib/loops.js';

const TEST_FILE = /_test\.go$|(^|\/)(src\/(test|jmh)\/java|testdata)\//;
/** A JMH benchmark (its source set `src/jmh/java`, or any file importing the harness): a benchmark that spins on a
 *  latch or a counter instead of parking does it to keep the park and wake-up out of what it times. */
const JMH_IMPORT = /^[ \t]*import[ \t]+(static[ \t]+)?org\.openjdk\.jmh\./m;

function meaningful(node: SyntaxNode): SyntaxNode[] {
  return node.namedChildren.filter((c) => !COMMENT_TYPES.has(c.type));
}

/** The select statement that is the loop's whole body, if it is. */
function onlySelect(loop: LoopFacts): SyntaxNode | undefined {
  const statements = meaningful(loop.body);
  return statements.length === 1 && statements[0]!.type === 'select_statement' ? statements[0] : undefined;
}

/** The label of a labelled loop (`next: for ...`), if it has one. */
function loopLabel(loop: LoopFacts): string | undefined {
  const parent = loop.node.parent;
  return parent?.type === 'labeled_statement' ? parent.namedChildren.find((c) => c.type === 'label_name')?.text : undefined;
}

/** A `continue` that goes round this loop again: unlabelled, or labelled with this loop's own label. A
 *  `continue outer` leaves this loop for the next step of an enclosing one. */
function continuesThisLoop(statement: SyntaxNode, loop: LoopFacts): boolean {
  const label = statement.namedChildren.find((c) => c.type === 'label_name')?.text;
  return label === undefined || label === loopLabel(loop);
}

/** `default:` with nothing to do (comments or a `continue` of this loop only). */
function emptyDefault(select: SyntaxNode, loop: LoopFacts): SyntaxNode | undefined {
  const cases = select.namedChildren.filter((c) => c.type === 'default_case');
  if (cases.length !== 1) return undefined;
  const body = meaningful(cases[0]!).filter((c) => c.type !== 'statement_list' || meaningful(c).length > 0);
  const statements = body.flatMap((c) => (c.type === 'statement_list' ? meaningful(c) : [c]));
  return statements.every((s) => (s.type === 'continue_statement' && continuesThisLoop(s, loop)) || s.type === 'empty_statement') ? cases[0] : undefined;
}

function goSelectSpin(loop: LoopFacts, ctx: RuleContext): Detection | null {
  if (!loop.infinite || loop.calls.some((c) => c.kinds.includes('sleep'))) return null;
  const select = onlySelect(loop);
  const fallThrough = select ? emptyDefault(select, loop) : undefined;
  if (!select || !fallThrough) return null;
  // Every other case: what it receives or sends; at least one must exist (a select with only a default is the spin shape below).
  if (select.namedChildren.filter((c) => c.type === 'communication_case').length === 0) return null;
  const source = ctx.file.source;
  const start = fallThrough.startPosition.row + 1;
  const end = fallThrough.endPosition.row + 1;
  // Only when the default owns its lines, so deleting them leaves the other cases intact.
  const before = source.slice(lineStartOffset(source, start), fallThrough.startIndex);
  const after = source.slice(fallThrough.endIndex, lineEndOffset(source, end));
  const fix =
    before.trim() === '' && after.trim() === ''
      ? replaceFix({ startLine: start, endLine: end, code: '' }, { description: 'block in select until a case is ready', safety: 'unsafe', language: fenceLanguage('go') })
      : undefined;
  return {
    loop,
    line: start,
    variant: 'go-select',
    data: { call: 'select' },
    confidence: 'high',
    cost: busyWaitCost(ctx.config.cost, ctx.locale),
    ...(fix ? { fix } : {}),
  };
}

/** Deliberate short spins: the JDK's and Go runtime's own idiom. */
const SPIN_HINT = /^(Thread\.onSpinWait|runtime\.Gosched|LockSupport\.park\w*|Thread\.yield)$/;

/** Calls that only read shared state: atomics, futures, thread, executor and collection state. */
const STATE_READ = /^(Load\w*|get|getAcquire|getOpaque|getPlain|getAsBoolean|getCount|getState|isDone|isAlive|isEmpty|isSet|isTerminated|isShutdown|isCancelled|size)$/;


/** A Java char or Go rune literal: `' '`, `')'`, `'\\n'`, `'\\u0020'`. */
const CHAR_LITERAL = /'(?:[^'\\\n]|\\[^'\n]{1,5})'/;

function emptySpin(loop: LoopFacts, ctx: RuleContext): Detection | null {
  if (loop.kind !== 'while' || loop.infinite || !loop.condition) return null;
  if (meaningful(loop.body).length > 0 || loop.node.type === 'do_statement') return null;
  // A condition that changes something (`while (a[++i] < pivot);`, `(c = buf[p++]) != '\n'`, `while ((newlen <<= 1) <
  // targetLength) {}`) is a scan or a calculation, not a wait: the shared test every language's busy-wait uses.
  const condition = loop.node.childForFieldName('condition') ?? loop.node.namedChildren.find((c) => c.type !== 'block' && !COMMENT_TYPES.has(c.type));
  if (condition && conditionWrites(condition)) return null;
  // A call's result compared with a character literal (`while (buf.get() != ')');`, `while (in.read() > ' ');`) reads
  // the next character of a buffer or stream: each call moves on, a scan to a delimiter, not a wait on shared state.
  if (CHAR_LITERAL.test(loop.condition) && loop.calls.length > 0) return null;
  // Go: `for <-busy {}` receives from a channel each round: the goroutine parks until a value comes (a responder that
  // ends when `false` arrives), it does not spin.
  if (loop.language === 'go' && condition && [condition, ...condition.descendantsOfType('unary_expression')].some((u) => u.type === 'unary_expression' && u.childForFieldName('operator')?.text === '<-')) return null;
  // The condition may itself wait (`while (!queue.offer(x, 1, SECONDS))`): only reads of shared state are a spin.
  if (!loop.calls.every((c) => STATE_READ.test(c.method) && !SPIN_HINT.test(c.callee))) return null;
  if (loop.language === 'java' && condition && publicationSpin(condition, loop.node)) return null;
  return {
    loop,
    line: loop.headerLine,
    variant: `${loop.language}-spin`,
    data: { condition: loop.language === 'java' ? `(${loop.condition})` : loop.condition, call: loop.condition },
    confidence: 'high',
    cost: busyWaitCost(ctx.config.cost, ctx.locale),
    fix: blockFix(spinSketch(loop), { startLine: loop.startLine, endLine: loop.endLine }, { description: 'wait for a signal', safety: 'unsafe', language: fenceLanguage(loop.language) }),
  };
}

/** A lock-free step in the file: a compare-and-set or an atomic exchange (`TAIL.compareAndSet(this, t, n)`,
 *  `casTail(t, n)`, `UNSAFE.compareAndSwapObject(...)`, `head.getAndSet(node)`). */
const LOCK_FREE_STEP = /^(compareAndSet|compareAndExchange\w*|weakCompareAndSet\w*|compareAndSwap\w*|getAndSet|cas[A-Z]\w*)$/;
/** Reads of an atomic's current value. */
const ATOMIC_READ = /^(get|getAcquire|getOpaque|getPlain|getVolatile)$/;
const ATOMIC_TYPE = /^Atomic(Boolean|Integer|Long|Reference)\b/;
const LITERALS = new Set(['null_literal', 'true', 'false', 'decimal_integer_literal', 'hex_integer_literal', 'character_literal', 'string_literal']);
const JAVA_SCOPES = new Set(['method_declaration', 'constructor_declaration', 'lambda_expression', 'static_initializer', 'class_body']);

function fieldDeclarations(root: SyntaxNode, name: string): SyntaxNode[] {
  return root.descendantsOfType(['field_declaration']).filter((d) => d.childrenForFieldName('declarator').some((v) => v.childForFieldName('name')?.text === name));
}

function modifiersOf(declaration: SyntaxNode): string {
  return declaration.namedChildren.find((c) => c.type === 'modifiers')?.text ?? '';
}

/** Every field of that name in the file is volatile (at least one). */
function volatileField(root: SyntaxNode, name: string): boolean {
  const fields = fieldDeclarations(root, name);
  return fields.length > 0 && fields.every((d) => /\bvolatile\b/.test(modifiersOf(d)));
}

/** Every field of that name in the file is an `AtomicBoolean`/`AtomicInteger`/`AtomicLong`/`AtomicReference` (at least one). */
function atomicField(root: SyntaxNode, name: string): boolean {
  const fields = fieldDeclarations(root, name);
  return fields.length > 0 && fields.every((d) => ATOMIC_TYPE.test(d.childForFieldName('type')?.text ?? ''));
}

/** A constant: a `static final` field of the file, or an upper-case name the file declares no field for
 *  (`state == DONE`, `Node.WAITING`). */
function constantField(root: SyntaxNode, name: string): boolean {
  const fields = fieldDeclarations(root, name);
  if (fields.length === 0) return /^[A-Z][A-Z0-9_]*$/.test(name);
  return fields.every((d) => /\bstatic\b/.test(modifiersOf(d)) && /\bfinal\b/.test(modifiersOf(d)));
}

/** `name` is a local or a parameter of the method (or lambda) around `at`: nothing else can change it. */
function declaredLocally(name: string, at: SyntaxNode): boolean {
  for (let scope = at.parent; scope && scope.type !== 'class_body'; scope = scope.parent) {
    if (!JAVA_SCOPES.has(scope.type)) continue;
    const declared = scope.descendantsOfType(['variable_declarator', 'formal_parameter', 'catch_formal_parameter', 'inferred_parameters', 'enhanced_for_statement']);
    if (declared.some((d) => d.type === 'inferred_parameters' ? d.namedChildren.some((c) => c.text === name) : d.childForFieldName('name')?.text === name)) return true;
    if (scope.type === 'lambda_expression' && scope.childForFieldName('parameters')?.type === 'identifier' && scope.childForFieldName('parameters')?.text === name) return true;
  }
  return false;
}

/**
 * The hand-off spin of a lock-free algorithm: the condition reads only volatile fields (`first.next == null`,
 * `!node.done`, `slot.item == null`) or the current value of atomic fields (`slot.pending.get() == null`), and the
 * file claims state by compare-and-set or atomic exchange. The writer the loop waits for has already won its
 * compare-and-set and is a few instructions from the write (a producer linking the node it swapped in, a claimant
 * filling its slot): the spin lasts nanoseconds and is the algorithm (caffeine's combining arena, an MPSC queue's
 * poll). A plain field (the JIT may hoist its read), a local, or a method that reports a task's or a thread's state
 * (`isTerminated()`, `isAlive()`) is not such a read, and a file with no lock-free step has no writer that near.
 */
function publicationSpin(condition: SyntaxNode, loopNode: SyntaxNode): boolean {
  const root = loopNode.tree.rootNode;
  let reads = 0;
  const fieldName = (n: SyntaxNode): string | undefined =>
    n.type === 'field_access' ? n.childForFieldName('field')?.text : n.type === 'identifier' && !declaredLocally(n.text, loopNode) ? n.text : undefined;
  const onlyVolatileReads = (n: SyntaxNode): boolean => {
    if (COMMENT_TYPES.has(n.type)) return true;
    if (LITERALS.has(n.type)) return true;
    if (n.type === 'parenthesized_expression' || n.type === 'unary_expression' || n.type === 'binary_expression') return n.namedChildren.every(onlyVolatileReads);
    if (n.type === 'field_access' || n.type === 'identifier') {
      const name = fieldName(n);
      if (name && constantField(root, name)) return true;
      if (!name || !volatileField(root, name)) return false;
      reads++;
      return true;
    }
    if (n.type === 'method_invocation') {
      const object = n.childForFieldName('object');
      const name = object ? fieldName(object) : undefined;
      if (!ATOMIC_READ.test(n.childForFieldName('name')?.text ?? '') || (n.childForFieldName('arguments')?.namedChildCount ?? 0) > 0) return false;
      if (!name || !atomicField(root, name)) return false;
      reads++;
      return true;
    }
    return false;
  };
  if (!onlyVolatileReads(condition) || reads === 0) return false;
  return root.descendantsOfType(['method_invocation']).some((c) => LOCK_FREE_STEP.test(c.childForFieldName('name')?.text ?? ''));
}

function spinSketch(loop: LoopFacts): string {
  if (loop.language === 'go') {
    return [
      '// The side that makes the condition true closes a channel (or sends on it) instead of setting a flag:',
      'ready := make(chan struct{})',
      '// ... elsewhere: close(ready)',
      'select {',
      'case <-ready:',
      'case <-ctx.Done():',
      '\treturn ctx.Err()',
      '}',
    ].join('\n');
  }
  return [
    '// The side that makes the condition true counts the latch down instead of setting a flag:',
    'private final CountDownLatch ready = new CountDownLatch(1);',
    '// ... elsewhere: ready.countDown();',
    'ready.await(); // or ready.await(30, TimeUnit.SECONDS) with a deadline',
  ].join('\n');
}

export function detectBraceBusyWait(loop: LoopFacts, ctx: RuleContext): Detection | null {
  // A spin in a Go or JUnit test (or a test's data) is the point of it (a CPU hog, contention for a lock under test),
  // and so is one in a JMH benchmark.
  if (TEST_FILE.test(loop.path)) return null;
  if (loop.language === 'go') return goSelectSpin(loop, ctx) ?? emptySpin(loop, ctx);
  const spin = emptySpin(loop, ctx);
  return spin && JMH_IMPORT.test(ctx.file.source) ? null : spin;
}
