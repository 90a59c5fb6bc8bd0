// A `replace` fix is a patch a reviewer can apply with one click, so it has to be proved, not hoped: the patched
// file parses; every name the patch reads is bound where it lands (no name it made up, none it moved away from its
// binding, e.g. a body moved into a helper that still reads the enclosing function's parameters); it leaves no
// statement unreachable (a second `break`); and running the same rules on the patched file clears the finding
// without adding a new one. A patch that fails a check is shown as a sketch (`block`, "review before applying"),
// never as safe. A `block` fix is a sketch by definition, so it is never labelled safe either.
import type { Finding, Fix, Language } from '../core/types.js';
import type { FlatTree } from '../analysis/flat-tree.js';
import type { SyntaxNode } from '../analysis/facts.js';
import { parseAfterEdit } from '../analysis/parse.js';
import { applyBottomUp, applyFix } from './apply.js';

/** Why a patch was not proved; `undefined` when it was. */
export type ProofFailure =
  | { check: 'parse' }
  | { check: 'unbound-name'; name: string; line: number }
  | { check: 'unreachable'; line: number }
  | { check: 'not-cleared' }
  | { check: 'new-finding'; ruleId: string; message: string };

export interface ProofInput {
  finding: Finding;
  source: string;
  language: Language;
  /** The analysed file's tree (incremental re-parse when the native reader kept it). */
  tree: FlatTree;
  /** Runs the same rules, same config, on a patched copy of the file. */
  rerun: (patched: string) => Finding[] | undefined;
  /** Findings of the same rules on the unpatched file. */
  before: Finding[];
  /** Handed each patched file's tree the static checks parsed (a re-run of the same text need not parse it again). */
  parsed?: (tree: FlatTree) => void;
}

const PY_BUILTINS = new Set(
  ('abs all any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex delattr dict dir divmod ' +
    'enumerate eval exec filter float format frozenset getattr globals hasattr hash help hex id input int isinstance ' +
    'issubclass iter len list locals map max memoryview min next object oct open ord pow print property range repr reversed ' +
    'round set setattr slice sorted staticmethod str sum super tuple type vars zip __name__ __file__ __doc__ self cls ' +
    'Exception BaseException ValueError TypeError KeyError IndexError RuntimeError StopIteration OSError IOError ' +
    'TimeoutError ConnectionError KeyboardInterrupt SystemExit NotImplementedError AttributeError LookupError ' +
    'NotImplemented Ellipsis ExceptionGroup BaseExceptionGroup ArithmeticError ZeroDivisionError UnicodeError')
    .split(' '),
);
const JS_GLOBALS = new Set(
  ('undefined NaN Infinity globalThis console process require module exports __dirname __filename Math JSON Date ' +
    'Promise Array Object String Number Boolean Symbol BigInt Map Set WeakMap WeakSet Error TypeError RangeError ' +
    'AggregateError RegExp Buffer URL URLSearchParams AbortController AbortSignal setTimeout clearTimeout setInterval ' +
    'clearInterval setImmediate queueMicrotask structuredClone fetch Intl Reflect Proxy arguments this window document ' +
    'parseInt parseFloat isNaN isFinite encodeURIComponent decodeURIComponent TextEncoder TextDecoder')
    .split(' '),
);

// Comprehensions are scopes of their own, whose `for` clause binds names read earlier in the text.
const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);
const PY_SCOPES = new Set(['function_definition', 'lambda', ...COMPREHENSIONS]);
const JS_SCOPES = new Set(['function_declaration', 'function_expression', 'function', 'arrow_function', 'method_definition', 'generator_function_declaration', 'generator_function']);
const PY_LOOPS = new Set(['for_statement', 'while_statement']);
const JS_LOOPS = new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement']);
const EXITS = new Set(['break_statement', 'continue_statement', 'return_statement', 'raise_statement', 'throw_statement']);

function isPython(language: Language): boolean {
  return language === 'python';
}

/** The node a pattern (`a, b = ...`, `{ x, y } = ...`) sits in, climbing through the pattern's own nodes. */
function patternRoot(node: SyntaxNode): SyntaxNode {
  let current = node;
  while (current.parent && /pattern|^pattern_list$|^tuple$|^list$|^parenthesized_expression$|^list_splat$/.test(current.parent.type)) current = current.parent;
  return current;
}

function fieldIs(parent: SyntaxNode | null, field: string, node: SyntaxNode): boolean {
  return parent?.childForFieldName(field)?.id === node.id;
}

/** The identifier binds a name (assignment target, parameter, def/class/import name...), rather than reads it. */
function isBinding(id: SyntaxNode, python: boolean): boolean {
  const parent = id.parent;
  if (!parent) return false;
  if (id.type === 'shorthand_property_identifier_pattern') return true;
  const top = patternRoot(id);
  const holder = top.parent;
  if (python) {
    if ((holder?.type === 'assignment' || holder?.type === 'augmented_assignment') && fieldIs(holder, 'left', top)) return true;
    if ((holder?.type === 'for_statement' || holder?.type === 'for_in_clause') && fieldIs(holder, 'left', top)) return true;
    if (/^(parameters|lambda_parameters|default_parameter|typed_parameter|typed_default_parameter|list_splat_pattern|dictionary_splat_pattern|as_pattern_target|global_statement|nonlocal_statement)$/.test(parent.type)) {
      return parent.type !== 'default_parameter' && parent.type !== 'typed_default_parameter' ? true : fieldIs(parent, 'name', id) || parent.namedChildren[0]?.id === id.id;
    }
    if ((parent.type === 'function_definition' || parent.type === 'class_definition') && fieldIs(parent, 'name', id)) return true;
    if (parent.type === 'named_expression' && fieldIs(parent, 'name', id)) return true;
    if (parent.type === 'aliased_import' && fieldIs(parent, 'alias', id)) return true;
    if (parent.type === 'dotted_name' && /import/.test(parent.parent?.type ?? '') && parent.namedChildren[0]?.id === id.id) return true;
    if (parent.type === 'dotted_name' && parent.parent?.type === 'aliased_import' && !parent.parent.childForFieldName('alias')) return true;
    if (parent.type === 'except_clause' || parent.type === 'as_pattern') return fieldIs(parent, 'alias', id) || parent.namedChildren.indexOf(id) > 0;
    return false;
  }
  if (holder?.type === 'variable_declarator' && fieldIs(holder, 'name', top)) return true;
  if (holder?.type === 'assignment_expression' && fieldIs(holder, 'left', top)) return true;
  if (holder?.type === 'for_in_statement' && fieldIs(holder, 'left', top)) return true;
  if (/^(formal_parameters|required_parameter|optional_parameter|rest_pattern|assignment_pattern|import_specifier|import_clause|namespace_import|catch_clause)$/.test(parent.type)) {
    if (parent.type === 'assignment_pattern') return fieldIs(parent, 'left', id);
    if (parent.type === 'import_specifier') return parent.childForFieldName('alias') ? fieldIs(parent, 'alias', id) : true;
    return parent.type !== 'catch_clause' || fieldIs(parent, 'parameter', id);
  }
  if (parent.type === 'arrow_function' && fieldIs(parent, 'parameter', id)) return true;
  if (/^(function_declaration|class_declaration|generator_function_declaration|function_expression|class)$/.test(parent.type) && fieldIs(parent, 'name', id)) return true;
  return false;
}

/** An identifier that reads a variable (not `obj.attr`'s attribute, not a keyword argument's name, not a label). */
function isRead(id: SyntaxNode, python: boolean): boolean {
  const parent = id.parent;
  if (!parent) return false;
  if (python) {
    if (parent.type === 'attribute' && fieldIs(parent, 'attribute', id)) return false;
    if (parent.type === 'keyword_argument' && fieldIs(parent, 'name', id)) return false;
    if (/import|dotted_name|aliased_import|global_statement|nonlocal_statement/.test(parent.type)) return false;
  } else if (parent.type === 'labeled_statement' || parent.type === 'break_statement' || parent.type === 'continue_statement') return false;
  return !isBinding(id, python);
}

/** The function (or module root) whose scope a binding at `node` belongs to. */
function scopeOf(node: SyntaxNode, python: boolean, binding: boolean): SyntaxNode {
  const scopes = python ? PY_SCOPES : JS_SCOPES;
  let current = node.parent;
  // A def's / class's own name binds in the scope around it, not in its body.
  if (binding && current && fieldIs(current, 'name', node) && /function|class/.test(current.type)) current = current.parent;
  while (current && !scopes.has(current.type)) current = current.parent;
  return current ?? node.tree.rootNode;
}

function enclosingScopes(node: SyntaxNode, python: boolean): SyntaxNode[] {
  const scopes = python ? PY_SCOPES : JS_SCOPES;
  const out: SyntaxNode[] = [];
  for (let current = node.parent; current; current = current.parent) if (scopes.has(current.type)) out.push(current);
  out.push(node.tree.rootNode);
  return out;
}

/** Some loop inside `scope` contains both nodes: the binding may run on an earlier iteration than the read. */
function shareLoop(a: SyntaxNode, b: SyntaxNode, scope: SyntaxNode, python: boolean): boolean {
  const loops = python ? PY_LOOPS : JS_LOOPS;
  for (let current = a.parent; current && current.id !== scope.id; current = current.parent) {
    if (loops.has(current.type) && current.startIndex <= b.startIndex && b.endIndex <= current.endIndex) return true;
  }
  return false;
}

const IDENTIFIER_TYPES = ['identifier', 'shorthand_property_identifier', 'shorthand_property_identifier_pattern'] as const;

function identifiers(root: SyntaxNode): SyntaxNode[] {
  // Read from the flat tree's type column in one pass: walking node objects costs far more on a large file.
  return root.descendantsOfType(IDENTIFIER_TYPES as unknown as string[]);
}

/**
 * A name read in lines `from..to` of the patched file that is bound nowhere it can be seen from there: not in an
 * enclosing function before the read (or in a loop around both), not in an enclosing function's closure or the
 * module, not a builtin. The first one, or undefined.
 */
export function unboundName(tree: FlatTree, language: Language, from: number, to: number): { name: string; line: number } | undefined {
  return unboundNames(tree, language, [{ from, to }])[0];
}

/**
 * unboundName for several disjoint line ranges of one tree, in one pass over its names: for each range, the first
 * name read there that is bound nowhere it can be seen from. A binding on a line of another range does not count
 * (each range is a patch applied together with the others: one patch must not lean on another).
 */
function unboundNames(tree: FlatTree, language: Language, ranges: readonly LineRange[]): ({ name: string; line: number } | undefined)[] {
  const python = isPython(language);
  const builtins = python ? PY_BUILTINS : JS_GLOBALS;
  const all = identifiers(tree.rootNode as unknown as SyntaxNode);
  const rangeAt = (line: number): number => ranges.findIndex((r) => line >= r.from && line <= r.to);
  // The names read in the ranges first: only their bindings are looked for (not every identifier of the file).
  const reads: { id: SyntaxNode; line: number; range: number }[] = [];
  const first = Math.min(...ranges.map((r) => r.from));
  const last = Math.max(...ranges.map((r) => r.to));
  for (const id of all) {
    const line = id.startPosition.row + 1;
    if (line < first || line > last) continue;
    const range = rangeAt(line);
    if (range >= 0 && isRead(id, python) && !builtins.has(id.text)) reads.push({ id, line, range });
  }
  const readNames = new Set(reads.map((r) => r.id.text));
  const bindings = new Map<string, SyntaxNode[]>();
  for (const id of all) {
    const text = id.text;
    if (!readNames.has(text) || !isBinding(id, python)) continue;
    const list = bindings.get(text);
    if (list) list.push(id);
    else bindings.set(text, [id]);
  }
  const out: ({ name: string; line: number } | undefined)[] = ranges.map(() => undefined);
  // `import *` and star-imported names cannot be checked: any unknown name may come from there.
  const starImport = python ? /^[ \t]*from[ \t]+\S+[ \t]+import[ \t]+\*/m.test(tree.source) : false;
  for (const { id, line, range } of reads) {
    if (out[range] !== undefined) continue;
    const candidates = (bindings.get(id.text) ?? []).filter((b) => ranges.length === 1 || [-1, range].includes(rangeAt(b.startPosition.row + 1)));
    const visible = enclosingScopes(id, python);
    const inner = visible[0]!;
    const ok = candidates.some((binding) => {
      const scope = scopeOf(binding, python, true);
      if (!visible.some((s) => s.id === scope.id)) return false;
      // In the read's own function a binding must come first (or loop back round); outer scopes bind late.
      if (scope.id !== inner.id || scope.id === tree.rootNode.id || COMPREHENSIONS.has(scope.type)) return true;
      return binding.startIndex < id.startIndex || shareLoop(binding, id, scope, python);
    });
    if (!ok && !(starImport && candidates.length === 0)) out[range] = { name: id.text, line };
  }
  return out;
}

interface LineRange {
  from: number;
  to: number;
}

/** A statement right after a `break` / `continue` / `return` / `raise` in the same block, in lines from..to. */
export function unreachableStatement(tree: FlatTree, from: number, to: number): number | undefined {
  for (const node of (tree.rootNode as unknown as SyntaxNode).descendantsOfType(['block', 'statement_block'])) {
    if (node.endPosition.row + 1 < from || node.startPosition.row + 1 > to) continue;
    const statements = node.namedChildren.filter((c) => c.type !== 'comment');
    for (let i = 0; i + 1 < statements.length; i++) {
      const line = statements[i + 1]!.startPosition.row + 1;
      if (EXITS.has(statements[i]!.type) && line >= from && line <= to) return line;
    }
  }
  return undefined;
}

/**
 * Numbers vary with line shifts and counts, and a patch that puts a count in the code (`LIMIT 100`) turns another
 * finding's "100 (assumed)" into "100": the rule and the other words say whether two findings are the same.
 */
function findingKey(finding: Finding): string {
  return `${finding.ruleId}\0${finding.message.replace(/ ?\(assumed\)|（假设值）/g, '').replace(/\d[\d,.]*/g, '#')}`;
}

/** The checks that need only the patched text (parse, names, reachability), before any re-run of the rules. */
export function staticChecks(input: Omit<ProofInput, 'rerun' | 'before'>): ProofFailure | undefined {
  const { finding, source, language } = input;
  const fix = finding.fix!;
  const patched = applyFix(source, fix);
  // One incremental parse from the file's own tree gives both the syntax check and the tree the checks below read.
  const tree = parseAfterEdit(input.tree, language, patched, { timeoutMs: 5_000 });
  if (!tree || tree.rootNode.hasError) return { check: 'parse' };
  input.parsed?.(tree);
  const newLines = newLineCount(fix);
  const from = fix.startLine;
  const to = fix.startLine + Math.max(0, newLines - 1);
  // The scope model (bindings, parameters, imports) is Python's and JavaScript's; Go and Java patches are proved by
  // the parse and the re-run only.
  const unbound = language === 'go' || language === 'java' ? undefined : unboundName(tree, language, from, to);
  if (unbound) return { check: 'unbound-name', ...unbound };
  const unreachable = unreachableStatement(tree, from, to);
  if (unreachable !== undefined) {
    // Only what the patch added counts: code that was already unreachable is not the patch's doing.
    if (unreachableStatement(input.tree, fix.startLine, fix.endLine) === undefined) return { check: 'unreachable', line: unreachable };
  }
  return undefined;
}

/**
 * staticChecks for the `replace` fixes of one file at once, with one parse of the file with every patch applied
 * (each check parses the whole file: a 500 KB module with 14 patches was parsed 14 times). The findings whose patch
 * passed there: the file parses, and the patch's own lines read no unbound name (a binding on another patch's
 * lines does not count: one patch must not lean on another) and leave nothing unreachable. The others (all of them
 * when the patches overlap or the patched file does not parse) need their own staticChecks, which says why.
 */
export function passedTogether(findings: readonly Finding[], input: Omit<ProofInput, 'rerun' | 'before' | 'finding'>): Set<Finding> {
  const passed = new Set<Finding>();
  const fixes = findings.map((f) => f.fix!);
  // A patch that only deletes lines has no lines of its own to check (staticChecks looks at the line after it).
  if (fixes.length < 2 || fixes.some((fix) => fix.code === '')) return passed;
  const { source, language } = input;
  let patched: string | undefined;
  try {
    patched = applyFixes(source, fixes);
  } catch {
    return passed; // a range outside the file: staticChecks says which
  }
  if (patched === undefined) return passed;
  const tree = parseAfterEdit(input.tree, language, patched, { timeoutMs: 5_000 });
  if (!tree || tree.rootNode.hasError) return passed;
  input.parsed?.(tree);
  // Where each patch's lines land in the patched file: the patches above it moved them by the lines they added.
  const ranges = fixes.map((fix) => {
    const shift = fixes.reduce((sum, other) => (other.startLine < fix.startLine ? sum + newLineCount(other) - (other.endLine - other.startLine + 1) : sum), 0);
    const from = fix.startLine + shift;
    return { from, to: from + Math.max(0, newLineCount(fix) - 1) };
  });
  const unbound = language === 'go' || language === 'java' ? [] : unboundNames(tree, language, ranges);
  fixes.forEach((fix, i) => {
    if (unbound[i]) return;
    const { from, to } = ranges[i]!;
    if (unreachableStatement(tree, from, to) === undefined || unreachableStatement(input.tree, fix.startLine, fix.endLine) !== undefined) passed.add(findings[i]!);
  });
  return passed;
}

function newLineCount(fix: Fix): number {
  return fix.code === '' ? 0 : fix.code.split(/\r?\n/).length;
}

/**
 * The findings after the patch(es) against those before: every target finding gone, nothing new. Findings are
 * compared by rule and message with numbers folded, so findings that only moved do not count as new.
 */
export function compareFindings(before: Finding[], after: Finding[], targets: Finding[]): ProofFailure | undefined {
  const remaining = new Map<string, number>();
  for (const f of before) remaining.set(findingKey(f), (remaining.get(findingKey(f)) ?? 0) + 1);
  const targetKeys = new Set(targets.map(findingKey));
  for (const t of targets) remaining.set(findingKey(t), (remaining.get(findingKey(t)) ?? 0) - 1);
  for (const f of after) {
    const key = findingKey(f);
    const left = remaining.get(key) ?? 0;
    if (left <= 0) return targetKeys.has(key) ? { check: 'not-cleared' } : { check: 'new-finding', ruleId: f.ruleId, message: f.message };
    remaining.set(key, left - 1);
  }
  return undefined;
}

/** Checks one `replace` fix; see the file comment. */
export function proveReplaceFix(input: ProofInput): ProofFailure | undefined {
  const failure = staticChecks(input);
  if (failure) return failure;
  const after = input.rerun(applyFix(input.source, input.finding.fix!));
  if (!after) return { check: 'not-cleared' };
  return compareFindings(input.before, after, [input.finding]);
}

/**
 * Applies several `replace` fixes at once (bottom to top, so earlier line numbers stay valid); `undefined` when
 * two of them touch the same lines.
 */
export function applyFixes(source: string, fixes: Fix[]): string | undefined {
  const sorted = [...fixes].sort((a, b) => b.startLine - a.startLine);
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.endLine >= sorted[i - 1]!.startLine) return undefined;
  return applyBottomUp(source, sorted);
}

/** A patch that failed its proof, as a sketch: same code, shown as a block, never "safe". */
export function asSketch(fix: Fix, reason: string): Fix {
  return { ...fix, kind: 'block', safety: 'unsafe', description: `${fix.description} (${reason})` };
}

export function describeFailure(failure: ProofFailure): string {
  switch (failure.check) {
    case 'parse':
      return 'sketch: the patched file does not parse';
    case 'unbound-name':
      return `sketch: \`${failure.name}\` is not defined where the patch uses it (line ${failure.line})`;
    case 'unreachable':
      return `sketch: the patch leaves unreachable code (line ${failure.line})`;
    case 'not-cleared':
      return 'sketch: the finding remains after the patch';
    case 'new-finding':
      return `sketch: the patch adds a ${failure.ruleId} finding`;
  }
}

const DEFINITIONS = new Set([
  'function_definition', 'class_definition', 'decorated_definition',
  'function_declaration', 'generator_function_declaration', 'class_declaration', 'abstract_class_declaration',
  'method_definition',
]);

/** Statement lists the reduction descends into when a patch lies inside them (bodies of modules, functions, classes). */
const CONTAINERS = new Set(['block', 'statement_block', 'class_body']);

function isDefinition(node: SyntaxNode): boolean {
  if (DEFINITIONS.has(node.type)) return true;
  const declaration = node.type === 'export_statement' ? node.childForFieldName('declaration') : null;
  return declaration !== null && DEFINITIONS.has(declaration.type);
}

function definitionName(node: SyntaxNode): string | undefined {
  const inner = node.type === 'export_statement' ? node.childForFieldName('declaration') : node.type === 'decorated_definition' ? node.childForFieldName('definition') : node;
  return inner?.childForFieldName('name')?.text;
}

/**
 * The file as the proof re-runs it: functions, classes and methods that no patch touches are blanked line for line
 * (line numbers stay put; module-level code, imports and the touched definitions stay), so proving a patch in a
 * 5,000-line module re-analyses one function, not the module. The reduction descends into what holds a patch (a
 * class, a function, a module wrapped in a function expression) and blanks the untouched definitions there too.
 * Kept: definitions that do not own their lines, and those whose name the patched lines or the patches mention (what
 * they do can decide the findings the proof compares). A Python block keeps at least one statement.
 */
export function reduceForProof(source: string, root: SyntaxNode, touched: Array<{ startLine: number; endLine: number; code?: string }>): string {
  const lines = source.split('\n');
  const mentioned = new Set<string>();
  for (const t of touched) {
    const text = [...lines.slice(t.startLine - 1, t.endLine), t.code ?? ''].join('\n');
    for (const m of text.matchAll(/[A-Za-z_$][\w$]*/g)) mentioned.add(m[0]);
  }
  const intersects = (node: SyntaxNode): boolean => {
    const first = node.startPosition.row + 1;
    const last = node.endPosition.row + 1;
    return touched.some((t) => t.startLine <= last && t.endLine >= first);
  };
  const ownsLines = (node: SyntaxNode): boolean => {
    const first = node.startPosition.row + 1;
    const last = node.endPosition.row + 1;
    const before = (lines[first - 1] ?? '').slice(0, node.startPosition.column);
    const after = (lines[last - 1] ?? '').slice(node.endPosition.column);
    return before.trim() === '' && after.replace(/;/g, '').trim() === '';
  };
  let blanked = false;
  const reduce = (container: SyntaxNode, top: boolean): void => {
    const blank: SyntaxNode[] = [];
    let kept = 0;
    for (const statement of container.namedChildren) {
      if (intersects(statement)) {
        if (statement.type !== 'comment') kept++;
        for (const inner of containersWithin(statement, intersects)) reduce(inner, false);
      } else if (isDefinition(statement) && ownsLines(statement) && !mentioned.has(definitionName(statement) ?? '')) {
        blank.push(statement);
      } else if (statement.type !== 'comment') {
        kept++;
      }
    }
    // An emptied Python block does not parse (a module, a JavaScript block or class body may be empty).
    if (!top && kept === 0 && container.type === 'block') blank.pop();
    for (const statement of blank) {
      const first = statement.startPosition.row + 1;
      const last = statement.endPosition.row + 1;
      for (let line = first; line <= last; line++) lines[line - 1] = lines[line - 1]!.endsWith('\r') ? '\r' : '';
      blanked = true;
    }
  };
  reduce(root, true);
  return blanked ? lines.join('\n') : source;
}

/** The outermost statement lists inside `node` that hold a patch (not `node` itself). */
function containersWithin(node: SyntaxNode, intersects: (node: SyntaxNode) => boolean): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  const stack = [...node.namedChildren];
  while (stack.length > 0) {
    const child = stack.pop()!;
    if (!intersects(child)) continue;
    if (CONTAINERS.has(child.type)) found.push(child);
    else stack.push(...child.namedChildren);
  }
  return found;
}
