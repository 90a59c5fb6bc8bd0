// A file, cursor, connection or socket opened in each iteration and not closed on every path: never closed, or
// closed at the end of the happy path so that any exception in between leaks it. `with`, try/finally, `using`,
// `closing(...)`, or handing the resource on (returned, stored, appended) keep the rule quiet.
import type { FileModel } from '../../model.js';
import type { ResourceOpen } from '../../knowledge-base.js';
import type { Detection, Detector, RuleContext } from '../../rule-types.js';
import type { LoopFacts, SyntaxNode } from '../../facts.js';
import {
  blockFix,
  dedentText,
  detectIndentUnit,
  fenceLanguage,
  hasMultilineString,
  indentText,
  leadingWhitespace,
  lineAt,
  lineEndOffset,
  lineStartOffset,
  replaceFix,
  wholeLineText,
} from '../../../fixes/lines.js';
import {
  argumentsOf,
  blockFunctions,
  calleeOf,
  classMethods,
  descendants,
  displayCallee,
  enclosingClass,
  enclosingFunction,
  endLineOf,
  type Family,
  familyOf,
  inErrorHandler,
  isLoopStatement,
  lineOf,
  methodOf,
  receiverOf,
  rootOf,
  endsWithTheProgram,
  sleepOf,
  statementsOf,
  treeCalls,
  tryParts,
} from '../lib/index.js';
import { leakedDescriptorsCost } from './cost.js';
import { detectBraceResourceLeak } from './brace-resource-leak.js';

/**
 * `except:`, `except BaseException ...:`, `except (BaseException) as e:`. The same language as
 * `/^except\s*(\((BaseException)\)|BaseException\b[^,]*)?\s*(as\s+\w+\s*)?:/` without its adjacent `\s*` runs.
 */
export const CATCH_ALL_EXCEPT = /^except\s*(?:(?:\(BaseException\)\s*)?(?:as\s+\w+\s*)?:|BaseException\b[^,]*:)/;

interface Resource {
  name: string;
  statement: SyntaxNode;
  call: SyntaxNode;
  callee: string;
  closeMethod: string;
  /** A `with` block over the call closes it (see `resources:` in rules/apis/*.yml). */
  closedByWith: boolean;
}

/** What the call opens, by `resources:` of the API files (JS: `new X(...)` and awaited calls as such). */
function opened(callee: string, call: SyntaxNode, ctx: RuleContext): ResourceOpen | undefined {
  const how = { constructed: call.type === 'new_expression', awaited: call.parent?.type === 'await_expression' };
  if (familyOf(ctx.file.language) === 'python' && /^[A-Za-z_]\w*$/.test(callee)) {
    const bound = pythonBinding(callee, ctx);
    if (bound === 'own') return undefined;
    if (bound) return ctx.kb.resourceOf?.(ctx.file.language, bound, how) ?? ctx.kb.resourceOf?.(ctx.file.language, callee, how);
  }
  return ctx.kb.resourceOf?.(ctx.file.language, callee, how);
}

/**
 * Python: what the file binds a bare name to. `'own'` when it is a class or function the file defines at module level,
 * or a name imported from the file's own package (a relative import, or an absolute one whose first segment is a
 * folder of the file's path: `from biomaj.session import Session` in `biomaj/bank.py`): the code's own class, which
 * a bare `resources:` pattern written for a library's class (`{requests.,}Session`) does not describe. The dotted
 * name (`requests.Session`) for a `from` import of another module; undefined when the file does not bind it.
 */
function pythonBinding(name: string, ctx: RuleContext): string | 'own' | undefined {
  return ctx.model.memo('resource-leak:python-bindings', () => pythonBindings(ctx)).get(name);
}

/** The file's top-level bindings of bare names, read once per file (pythonBinding); a definition wins over an import. */
function pythonBindings(ctx: RuleContext): Map<string, string | 'own'> {
  const folders = new Set(ctx.file.path.split(/[\\/]/).slice(0, -1));
  const own = new Set<string>();
  const bound = new Map<string, string | 'own'>();
  for (const top of ctx.model.root.namedChildren) {
    const node = top.type === 'decorated_definition' ? top.childForFieldName('definition') ?? top : top;
    if (node.type === 'class_definition' || node.type === 'function_definition') {
      const name = node.childForFieldName('name')?.text;
      if (name) own.add(name);
      continue;
    }
    if (node.type !== 'import_from_statement') continue;
    const moduleName = node.childForFieldName('module_name');
    const from = moduleName?.text ?? '';
    for (const child of node.namedChildren) {
      if (moduleName && child.id === moduleName.id) continue;
      const original = child.type === 'aliased_import' ? child.childForFieldName('name')?.text : child.text;
      const local = child.type === 'aliased_import' ? child.childForFieldName('alias')?.text : child.text;
      if (!local || !original || bound.get(local) === 'own') continue;
      bound.set(local, from.startsWith('.') || folders.has(from.split('.')[0]!) ? 'own' : `${from}.${original}`);
    }
  }
  for (const name of own) bound.set(name, 'own');
  return bound;
}

/** Statements that can bind a resource, and `break`: the body's own, listed once per loop by the model. */
const BINDING_TYPES: ReadonlySet<string> = new Set(['expression_statement', 'lexical_declaration', 'variable_declaration']);
const BREAK_TYPES: ReadonlySet<string> = new Set(['break_statement']);

function resourcesIn(loop: LoopFacts, ctx: RuleContext): Resource[] {
  const { model } = ctx;
  const { family } = model;
  const out: Resource[] = [];
  for (const node of model.ownBodyNodes(loop, BINDING_TYPES)) {
    if (family === 'python' && node.type === 'expression_statement') {
      const assignment = node.namedChildren[0];
      if (assignment?.type !== 'assignment') continue;
      const left = assignment.childForFieldName('left');
      const right = assignment.childForFieldName('right');
      if (left?.type !== 'identifier' || right?.type !== 'call') continue;
      const callee = calleeOf(right);
      const open = opened(callee, right, ctx);
      if (!open) continue;
      out.push({ name: left.text, statement: node, call: right, callee, closeMethod: open.close, closedByWith: open.closedByWith });
    } else if (family === 'js' && (node.type === 'lexical_declaration' || node.type === 'variable_declaration')) {
      if (/^\s*(await\s+)?using\b/.test(node.text)) continue;
      const declarators = node.namedChildren.filter((c) => c.type === 'variable_declarator');
      if (declarators.length !== 1) continue;
      const name = declarators[0]!.childForFieldName('name');
      let value = declarators[0]!.childForFieldName('value');
      if (name?.type !== 'identifier' || !value) continue;
      if (value.type === 'await_expression') value = value.namedChildren[0] ?? null;
      if (!value || (value.type !== 'call_expression' && value.type !== 'new_expression')) continue;
      const callee = calleeOf(value);
      const open = opened(callee, value, ctx);
      if (!open) continue;
      out.push({ name: name.text, statement: node, call: value, callee, closeMethod: open.close, closedByWith: open.closedByWith });
    }
  }
  return out;
}

interface Usage {
  managed: boolean;
  escapes: boolean;
  closeStatements: SyntaxNode[];
}

function usage(resource: Resource, loop: LoopFacts, ctx: RuleContext): Usage {
  const { model } = ctx;
  const { family } = model;
  // The `closes` role, or the close method its `resources:` entry names (a repository's own `give_back`).
  const closes = (method: string) => method === resource.closeMethod || (ctx.kb.hasRole?.(ctx.file.language, method, 'closes') ?? false);
  // The function the open sits in: the loop's, or the callee's when the loop reaches it through a call
  // (`setInterval(() => this.truncateLog())`, where `truncateLog` opens and closes the handle).
  const scope = enclosingFunction(resource.statement, family) ?? enclosingFunction(loop.node, family) ?? rootOf(loop.node);
  const result: Usage = { managed: false, escapes: false, closeStatements: [] };
  for (const node of descendants(scope, model)) {
    if (node.endIndex <= resource.statement.startIndex) continue;
    if (node.type === 'identifier' && node.text === resource.name) {
      const parent = node.parent;
      if (!parent) continue;
      // `with f:` / `with closing(f)` / `stack.enter_context(f)` manage it.
      if (parent.type === 'with_item' || parent.type === 'as_pattern' && parent.parent?.type === 'with_item') result.managed = true;
      if (parent.type === 'argument_list' || parent.type === 'arguments') {
        const call = parent.parent!;
        const callee = calleeOf(call);
        const method = methodOf(callee);
        if (/^(contextlib\.)?closing$|enter_context|enter_async_context|callback$/.test(callee)) result.managed = true;
        // `with wrap_socket(s) as ss:` hands `s` to an object whose `with` closes both.
        else if (call.parent?.type === 'with_item' || (call.parent?.type === 'as_pattern' && call.parent.parent?.type === 'with_item')) result.managed = true;
        else if (closes(method)) result.closeStatements.push(call);
        // Python: `self._shutdown(sock, addr)` where the class's own `_shutdown` closes the parameter it was given
        // on every path (a statement of its body, or in its `finally`): the call is this loop's close.
        else if (family === 'python' && closedByCallee(call, node, resource.closeMethod)) result.closeStatements.push(call);
        else if (['append', 'add', 'push', 'put', 'insert', 'extend', 'setdefault', 'set'].includes(method)) result.escapes = true;
        // `location = ZIPLocation(archive, dir)` / `new Reader(stream)`: a new object holds it, and closing it is
        // that object's business now (a resource index keeps the archive to read members from it later).
        else if (keepsIt(call, ctx)) result.escapes = true;
        // Python: `yield self.get_result(cur)` where `get_result` returns the cursor it was given (in its tuple), or
        // `ctx = factory(context, stream)` with a callable looked up at run time whose object the function keeps
        // (`handlers.append(ctx)`): the handle leaves with that result, and closing it here would break its reader.
        else if (family === 'python' && (returnedByCallee(call, node, ctx) || keptByRuntimeFactory(call, scope))) result.escapes = true;
      }
      if (parent.type === 'return_statement' || parent.type === 'yield' || parent.type === 'yield_expression') result.escapes = true;
      // `return sock, port` / `yield meta, zf, path`: the tuple of a multi-value return or yield.
      if (parent.type === 'expression_list' && ['return_statement', 'yield', 'yield_expression'].includes(parent.parent?.type ?? '')) result.escapes = true;
      if ((parent.type === 'assignment' || parent.type === 'assignment_expression') && parent.childForFieldName('right')?.id === node.id) {
        const left = parent.childForFieldName('left');
        if (left && left.type !== 'identifier') result.escapes = true;
      }
      if (parent.type === 'pair' || parent.type === 'list' || parent.type === 'array' || parent.type === 'dictionary' || parent.type === 'tuple') result.escapes = true;
      if (parent.type === 'attribute' || parent.type === 'member_expression') {
        const outer = parent.parent;
        const method = (parent.childForFieldName('attribute') ?? parent.childForFieldName('property'))?.text ?? '';
        if (outer && (outer.type === 'call' || outer.type === 'call_expression') && closes(method)) result.closeStatements.push(outer);
        // Python: `data.file.close()` closes the file a `tempfile.NamedTemporaryFile` wrapper holds (its descriptor).
        else if (family === 'python' && method === 'file' && outer?.type === 'attribute' && outer.childForFieldName('object')?.id === parent.id && closes(outer.childForFieldName('attribute')?.text ?? '') && outer.parent?.type === 'call') result.closeStatements.push(outer.parent);
      }
    }
  }
  return result;
}

/**
 * A constructor of the file's own class whose object is kept: `location = ZIPLocation(archive, dir)` (Python: a
 * class the file defines or imports from its own package), `new Session(socket)` (JS: a class of the file), bound
 * or handed on rather than a statement of its own. A library's reader (`csv.DictReader(f)`) does not take the file.
 */
function keepsIt(call: SyntaxNode, ctx: RuleContext): boolean {
  if (call.parent?.type === 'expression_statement') return false;
  const callee = calleeOf(call);
  if (call.type === 'new_expression') return /^[A-Z]\w*$/.test(callee) && ctx.model.classes.some((c) => c.name === callee);
  return call.type === 'call' && /^_?[A-Z]\w*$/.test(callee) && pythonBinding(callee, ctx) === 'own';
}

/**
 * Python: the own function that receives `argument` of `call`, and the parameter it lands in: `m(f)` is the module's
 * function `m`, `self.m(f)` a method of the class the call sits in; only the one definition of that name, and only a
 * positional argument before any keyword or splat.
 */
function receivingParameter(call: SyntaxNode, argument: SyntaxNode): { definition: SyntaxNode; parameter: SyntaxNode } | undefined {
  const callee = calleeOf(call);
  const name = /^(?:self\.)?(\w+)$/.exec(callee)?.[1];
  if (!name) return undefined;
  const args = call.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
  const index = args.findIndex((a) => a.id === argument.id);
  if (index < 0 || args.slice(0, index + 1).some((a) => a.type === 'keyword_argument' || a.type === 'list_splat' || a.type === 'dictionary_splat')) return undefined;
  const method = callee.startsWith('self.');
  const definitions = (method ? classMethods(enclosingClass(call)) : blockFunctions(rootOf(call))).filter((d) => d.childForFieldName('name')?.text === name);
  if (definitions.length !== 1) return undefined;
  const definition = definitions[0]!;
  const parameters = (definition.childForFieldName('parameters')?.namedChildren ?? []).filter((p) => p.type !== 'comment');
  const parameter = parameters[index + (method ? 1 : 0)];
  return parameter?.type === 'identifier' ? { definition, parameter } : undefined;
}

/**
 * Python: the handle is a positional argument of a function of the module (`m(f)`) or a method of the enclosing class
 * (`self.m(f)`), the only definition of that name, and that function calls `<parameter>.<close>()` as a statement
 * reached on every path: directly in its body, or in a `finally` or `with` block there, not in a `try` body, an `if`,
 * a loop or an `except`. A madVR-style announcer hands each datagram socket to `_shutdown`, which
 * shuts it down in a try and closes it after.
 */
function closedByCallee(call: SyntaxNode, argument: SyntaxNode, closeMethod: string): boolean {
  if (call.type !== 'call') return false;
  const received = receivingParameter(call, argument);
  if (!received) return false;
  const { definition, parameter } = received;
  const body = definition.childForFieldName('body');
  if (!body) return false;
  const onEveryPath = (statement: SyntaxNode): boolean => {
    for (let up = statement.parent; up; up = up.parent) {
      if (up.id === body.id) return true;
      // A block of the body, a `finally` or a `with`; not a `try` body (an earlier statement may raise past it), an
      // `else`, an `except`, an `if` or a loop.
      if (up.type === 'block' && !['finally_clause', 'with_statement'].includes(up.parent?.type ?? '')) return false;
      if (!['block', 'try_statement', 'finally_clause', 'with_statement'].includes(up.type)) return false;
    }
    return false;
  };
  return body.descendantsOfType('call').some((c) => {
    const target = c.childForFieldName('function');
    if (target?.type !== 'attribute' || target.childForFieldName('object')?.text !== parameter.text || target.childForFieldName('attribute')?.text !== closeMethod) return false;
    return c.parent?.type === 'expression_statement' && onEveryPath(c.parent);
  });
}

/** Value positions of a returned expression: the handle itself is what comes back (not `len(f)`, not `f.name`). */
const PASSES_VALUE: ReadonlySet<string> = new Set(['tuple', 'expression_list', 'list', 'parenthesized_expression', 'conditional_expression']);

/**
 * Python: the handle is an argument of a call whose result leaves the function (`yield self.get_result(cur)`,
 * `return wrap(f)`), and that callee, a function or method of this file, returns the parameter it received, alone
 * or in a tuple (`return (title, cursor if cursor.description else None, headers, status)`). The caller reads the
 * handle after the yield; it is not this loop's to close.
 */
function returnedByCallee(call: SyntaxNode, argument: SyntaxNode, ctx: RuleContext): boolean {
  if (call.type !== 'call') return false;
  let up = call.parent;
  while (up && PASSES_VALUE.has(up.type)) up = up.parent;
  if (!up || !['return_statement', 'yield'].includes(up.type)) return false;
  const received = receivingParameter(call, argument);
  if (!received) return false;
  const { definition, parameter } = received;
  return definition.descendantsOfType('return_statement').some((r) =>
    r.descendantsOfType('identifier').some((id) => {
      if (id.text !== parameter.text) return false;
      let current: SyntaxNode | null = id.parent;
      let child: SyntaxNode = id;
      while (current && current.id !== r.id) {
        if (!PASSES_VALUE.has(current.type)) return false;
        if (current.type === 'conditional_expression' && current.namedChildren[1]?.id === child.id) return false;
        child = current;
        current = current.parent;
      }
      return current?.id === r.id;
    }),
  );
}

/**
 * Python: `ctx = func(context, stream)` where `func` is bound in this function only from a lookup
 * (`func = item['type'].func`: a handler class chosen by configuration), and the function then keeps `ctx`
 * (`handlers.append(ctx)`, `self.handler = ctx`): the stream is that object's output now.
 */
function keptByRuntimeFactory(call: SyntaxNode, scope: SyntaxNode): boolean {
  if (call.type !== 'call') return false;
  const callee = call.childForFieldName('function');
  const assignment = call.parent;
  if (callee?.type !== 'identifier' || assignment?.type !== 'assignment') return false;
  const result = assignment.childForFieldName('left');
  if (result?.type !== 'identifier' || assignment.childForFieldName('right')?.id !== call.id) return false;
  let lookups = 0;
  for (const other of scope.descendantsOfType('assignment')) {
    if (other.childForFieldName('left')?.text !== callee.text) continue;
    if (!['attribute', 'subscript'].includes(other.childForFieldName('right')?.type ?? '')) return false;
    lookups++;
  }
  if (lookups === 0 || boundOtherwise(scope, callee.text)) return false;
  return scope.descendantsOfType('identifier').some((id) => {
    if (id.text !== result.text || id.startIndex <= call.endIndex) return false;
    const parent = id.parent;
    if (parent?.type === 'argument_list') return /^(append|add|insert|extend|put|setdefault)$/.test(methodOf(calleeOf(parent.parent!)));
    return parent?.type === 'assignment' && parent.childForFieldName('right')?.id === id.id && parent.childForFieldName('left')?.type !== 'identifier';
  });
}

/** `name` is also a parameter, a loop target, a nested function or an import in `scope`, not only a lookup's result. */
function boundOtherwise(scope: SyntaxNode, name: string): boolean {
  return scope.descendantsOfType(['parameters', 'for_statement', 'function_definition', 'import_from_statement']).some((n) => {
    if (n.id === scope.id) return false;
    const binder = n.type === 'function_definition' ? n.childForFieldName('name') : n.type === 'for_statement' ? n.childForFieldName('left') : n;
    return binder?.descendantsOfType('identifier').some((id) => id.text === name) ?? false;
  });
}

/** Archive and compression wrappers that own what they are given only when it is a path. */
const WRAPS_FILE_OBJECT = /(?:^|\.)(?:ZipFile|TarFile|GzipFile|BZ2File|LZMAFile)$|^tarfile\.open$/;
const IN_MEMORY = /^(?:io\.)?(?:BytesIO|StringIO)$/;

/**
 * Python: `zipfile.ZipFile(io.BytesIO(blob))`, or over a name the function binds to an in-memory buffer or to an
 * instance of the file's own class (`FileLike(data, name=...)`): a ZipFile given a file object does not own it and
 * holds no descriptor of its own, so not closing it leaks nothing (what the buffer wraps is the caller's).
 */
function wrapsInMemory(resource: Resource, ctx: RuleContext): boolean {
  if (!WRAPS_FILE_OBJECT.test(resource.callee)) return false;
  const args = resource.call.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
  const keyword = args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'fileobj')?.childForFieldName('value');
  const given = keyword ?? args.find((a) => a.type !== 'keyword_argument');
  if (!given) return false;
  const memory = (value: SyntaxNode | null | undefined): boolean => {
    if (value?.type !== 'call') return false;
    const callee = calleeOf(value);
    return IN_MEMORY.test(callee) || (/^[A-Z]\w*$/.test(callee) && pythonBinding(callee, ctx) === 'own');
  };
  if (memory(given)) return true;
  if (given.type !== 'identifier') return false;
  const scope = enclosingFunction(resource.statement, 'python');
  if (!scope) return false;
  // Every binding of the name in the function is such a value, and at least one is (a loop target counts as unknown).
  let bound = 0;
  for (const assignment of scope.descendantsOfType('assignment')) {
    if (assignment.childForFieldName('left')?.text !== given.text) continue;
    if (!memory(assignment.childForFieldName('right'))) return false;
    bound++;
  }
  return bound > 0 && !scope.descendantsOfType(['for_statement', 'parameters']).some((n) => (n.type === 'parameters' ? n : n.childForFieldName('left'))?.descendantsOfType('identifier').some((id) => id.text === given.text));
}

function inFinally(node: SyntaxNode, stop: SyntaxNode): boolean {
  let current = node.parent;
  while (current) {
    if (current.type === 'finally_clause') return true;
    if (current.id === stop.id) return false;
    current = current.parent;
  }
  return false;
}

/**
 * `try: sock = socket.socket(...) ... except: sock.close(); raise` (or JS `catch`): every failure closes it, and the
 * success path hands it on. A close in a handler that catches only some exceptions does not count.
 */
function closedOnEveryError(open: SyntaxNode, closes: SyntaxNode[], body: SyntaxNode): boolean {
  for (let current = open.parent; current && current.id !== body.id; current = current.parent) {
    if (current.type !== 'try_statement') continue;
    const tryBody = current.childForFieldName('body');
    if (!tryBody || open.startIndex < tryBody.startIndex || open.endIndex > tryBody.endIndex) continue;
    const catchAll = tryParts(current).handlers.filter((h) => h.type === 'catch_clause' || (h.type === 'except_clause' && CATCH_ALL_EXCEPT.test(h.text)));
    if (catchAll.some((h) => closes.some((c) => c.startIndex >= h.startIndex && c.endIndex <= h.endIndex))) return true;
  }
  return false;
}

function topStatement(node: SyntaxNode, block: SyntaxNode): SyntaxNode | undefined {
  let current: SyntaxNode | null = node;
  while (current && current.parent && current.parent.id !== block.id) current = current.parent;
  return current?.parent?.id === block.id ? current : undefined;
}

function buildFix(resource: Resource, usageInfo: Usage, loop: LoopFacts, ctx: RuleContext, family: Family) {
  const source = ctx.file.source;
  const block = resource.statement.parent;
  if (!block || (block.type !== 'block' && block.type !== 'statement_block')) return undefined;
  const statements = statementsOf(block);
  const index = statements.findIndex((s) => s.id === resource.statement.id);
  if (index < 0) return undefined;
  const closeTop = usageInfo.closeStatements.map((c) => topStatement(c, block)).find((s) => s !== undefined);
  if (usageInfo.closeStatements.length > 0 && !closeTop) return undefined;
  const after = statements.slice(index + 1);
  const closeIndex = closeTop ? after.findIndex((s) => s.id === closeTop.id) : -1;
  const inner = family === 'python' && closeIndex >= 0 ? after.slice(0, closeIndex) : after.filter((s) => s.id !== closeTop?.id);
  const rest = family === 'python' && closeIndex >= 0 ? after.slice(closeIndex + 1) : [];
  const startLine = lineOf(resource.statement);
  const lastNode = family === 'python' ? (closeIndex >= 0 ? after[closeIndex]! : after[after.length - 1] ?? resource.statement) : after[after.length - 1] ?? resource.statement;
  const endLine = endLineOf(lastNode);
  if (family === 'js' && endLine >= endLineOf(block)) return undefined;
  if (inner.length > 0 && lineOf(inner[0]!) <= endLineOf(resource.statement)) return undefined;
  const indent = leadingWhitespace(lineAt(source, startLine));
  const unit = detectIndentUnit(source, loop.language);
  const text = (nodes: SyntaxNode[]): string =>
    nodes.length === 0 ? '' : source.slice(lineStartOffset(source, lineOf(nodes[0]!)), lineEndOffset(source, endLineOf(nodes[nodes.length - 1]!))).replace(/\r\n/g, '\n');
  const innerText = text(inner);
  if (hasMultilineString(innerText) || /\n/.test(resource.call.text)) return undefined;
  if (closeTop && closeTop.text.trim() !== `${resource.name}.${resource.closeMethod}()` && !closeTop.text.trim().startsWith(`${resource.name}.`)) {
    if (!(family === 'js' && /^await\s/.test(closeTop.text.trim()))) return undefined;
  }
  let lines: string[];
  if (family === 'python') {
    // Only objects whose `with` closes them: a DB-API connection's `with` commits but does not close.
    if (!resource.closedByWith) return undefined;
    lines = [`${indent}with ${resource.call.text} as ${resource.name}:`, innerText ? indentText(innerText.split('\n').map((l) => l).join('\n'), unit) : `${indent}${unit}pass`];
    const restText = text(rest);
    if (restText) lines.push(restText);
  } else {
    const closeText = closeTop ? closeTop.text.trim() : `${resource.name}.${resource.closeMethod}();`;
    lines = [
      text([resource.statement]),
      `${indent}try {`,
      innerText ? indentText(innerText, unit) : '',
      `${indent}} finally {`,
      `${indent}${unit}${closeText.endsWith(';') ? closeText : closeText + ';'}`,
      `${indent}}`,
    ].filter((l) => l !== '');
  }
  return replaceFix({ startLine, endLine, code: lines.join('\n') }, {
    description: family === 'python' ? `with ${resource.callee}(...) as ${resource.name}` : `try/finally ${resource.name}.${resource.closeMethod}()`,
    safety: 'safe',
    language: fenceLanguage(loop.language),
  });
}

/**
 * The JavaScript sketch: the statement that opens the resource as the code wrote it (`new net.Socket(...)` stays
 * un-awaited, `await pool.connect()` stays awaited), then try/finally around its use.
 */
function jsCloseSketch(resource: Resource, source: string): string {
  const open = dedentText(wholeLineText(source, lineOf(resource.statement), endLineOf(resource.statement))).replace(/\s+$/, '');
  return `${open}\ntry {\n  // use ${resource.name}\n} finally {\n  ${resource.name}.${resource.closeMethod}();\n}\n`;
}

/** `conn.close()`, or for a pool checkout `pool.putconn(conn)` (the method of `resources:` on the pool). */
function closeCall(resource: Resource): string {
  const receiver = receiverOf(resource.callee);
  return resource.closeMethod === 'putconn' && receiver ? `${receiver}.putconn(${resource.name})` : `${resource.name}.${resource.closeMethod}()`;
}

/** `with self.assertRaises(...)` / `pytest.raises(...)` / `expect(...).toThrow`: the open is expected to fail. */
function expectedToRaise(statement: SyntaxNode, body: SyntaxNode): boolean {
  for (let current = statement.parent; current && current.id !== body.id; current = current.parent) {
    if (current.type === 'with_statement' && /\b(assertRaises\w*|raises)\s*\(/.test(current.childForFieldName('body') ? current.text.slice(0, current.childForFieldName('body')!.startIndex - current.startIndex) : '')) return true;
  }
  return false;
}

const RETURNS: ReadonlySet<string> = new Set(['return_statement']);

const EXITS = /\b(raise|throw|return|break)\b|\bsys\.exit\(|\bexit\(/;

/**
 * "Closed on the happy path only" needs something between the open and the close that can raise (a call). In
 * Python it then costs a descriptor per failure only when the loop goes on after it: a worker loop (its caller
 * restarts it), a pooled connection (`putconn`: the pool never gets it back), or a handler inside the loop that
 * swallows the error (no raise/return/break in it). When the error leaves a finite loop, the object leaks once until
 * the garbage collector closes it, and the error is the news. JS has no reference counting: any path that skips the
 * close (a pool client's `release()`) counts.
 */
function leaksPerIteration(resource: Resource, closes: SyntaxNode[], loop: LoopFacts, family: Family, model: FileModel): boolean {
  const close = closes[0];
  if (!close) return true;
  const between = resource.statement.parent ? statementsOf(resource.statement.parent).filter((s) => s.startIndex > resource.statement.endIndex && s.endIndex < close.startIndex) : [];
  if (!between.some((s) => s.type !== 'pass_statement' && /\w\s*\(/.test(s.text))) return false;
  // An endless loop is a worker its caller restarts, unless it returns what it looked for (`while True: sock =
  // socket.socket(); sock.bind((ip, 0)); ...; sock.close(); if port not in used: return port`): a search loop that
  // an error leaves, like a finite one.
  if (family !== 'python' || resource.closeMethod === 'putconn' || (loop.infinite && model.ownBodyNodes(loop, RETURNS).length === 0)) return true;
  const body = loop.body;
  // A handler that lets the loop go on after an error leaks one per failure, unless it closes the resource itself
  // (`except socket.error: if sock: sock.close()` around `sock.settimeout(t); sock.connect(sa)`): the errors it
  // catches close it, and any other error leaves the loop (a leak once, which the garbage collector closes).
  // The success path must close it too, or hand it on past the loop (the address it connected to).
  const closesIn = (handler: SyntaxNode) => closes.some((c) => c.startIndex >= handler.startIndex && c.endIndex <= handler.endIndex);
  let successCloses: boolean | undefined;
  const closedOnSuccess = () => (successCloses ??= closes.some((c) => !inErrorHandler(c, loop)) || usedAfterLoop(resource, loop, model));
  for (let current = resource.statement.parent; current && current.id !== body.id; current = current.parent) {
    if (current.type !== 'try_statement') continue;
    if (tryParts(current).handlers.some((h) => !EXITS.test(h.text.replace(/^except[^:]*:/, '')) && !(closesIn(h) && closedOnSuccess()))) return true;
  }
  return false;
}

/** The resource's name is read after the loop (`if not sock: raise ...`, `return wrap(sock)`): the last one is kept. */
function usedAfterLoop(resource: Resource, loop: LoopFacts, model: FileModel): boolean {
  const scope = enclosingFunction(loop.node, model.family) ?? rootOf(loop.node);
  return descendants(scope, model).some((n) => n.type === 'identifier' && n.text === resource.name && n.startIndex >= loop.node.endIndex && !(n.parent?.type === 'assignment' && n.parent.childForFieldName('left')?.id === n.id));
}

/**
 * The loop stops once it has a working resource and the code after the loop uses it: `for info in infos: try: sock =
 * socket.socket(...); sock.connect(...) except OSError: continue else: break` then `use(sock)`. The search opens
 * one per failed attempt, not one per iteration that is kept; the one it finds is handed on past the loop.
 */
function keptPastTheLoop(resource: Resource, loop: LoopFacts, model: FileModel): boolean {
  const breaks = model.ownBodyNodes(loop, BREAK_TYPES).filter((n) => n.startIndex > resource.statement.startIndex);
  if (breaks.length === 0 && !openedForOneKey(resource, loop)) return false;
  const scope = enclosingFunction(loop.node, model.family) ?? rootOf(loop.node);
  return descendants(scope, model).some((n) => n.type === 'identifier' && n.text === resource.name && n.startIndex >= loop.node.endIndex && !(n.parent?.type === 'assignment' && n.parent.childForFieldName('left')?.id === n.id));
}

/**
 * `for option, values in parse_qs(query).items(): if option == 'file': output = open(values[0], 'w')`, then
 * `self.formatter = Formatter(output)` after the loop: the open sits in the branch for one key of the options the
 * loop reads (`==` against a literal), so it runs once for that option, and the object it opens is what the code
 * keeps after the loop (see keptPastTheLoop), not one per iteration.
 */
function openedForOneKey(resource: Resource, loop: LoopFacts): boolean {
  if (loop.language !== 'python' || !loop.loopVariables || loop.loopVariables.length === 0) return false;
  for (let up = resource.statement.parent; up && up.id !== loop.body.id; up = up.parent) {
    if (up.type !== 'if_statement' && up.type !== 'elif_clause') continue;
    const condition = up.childForFieldName('condition');
    if (condition?.type !== 'comparison_operator' || !/^\S+\s*==\s*\S+$/.test(condition.text)) continue;
    const [left, right] = condition.namedChildren;
    const literal = (n: SyntaxNode | undefined) => n?.type === 'string' || n?.type === 'integer';
    if ((literal(right) && loop.loopVariables.includes(left?.text ?? '')) || (literal(left) && loop.loopVariables.includes(right?.text ?? ''))) return true;
  }
  return false;
}

/**
 * `if f == '-': fd = io.open(stdin.fileno(), 'rb'); objs.append(Upload(fd)); break`: a `break` or `return` of the
 * same block follows the open unconditionally, so the open runs once, on the way out of the loop; whatever it leaks,
 * it is not one per iteration (the block is not in a loop nested inside this one, whose exit it would be).
 */
function leavesAfterOpening(resource: Resource, loop: LoopFacts): boolean {
  const block = resource.statement.parent;
  if (!block) return false;
  for (let up: SyntaxNode | null = block; up && up.id !== loop.body.id; up = up.parent) {
    if (isLoopStatement(up, familyOf(loop.language))) return false;
  }
  return statementsOf(block).some((s) => s.startIndex > resource.statement.endIndex && (s.type === 'break_statement' || s.type === 'return_statement'));
}

/** A test double installed by name: `self.fakehttp(...)`, `mock.patch(...)`, `patch.object(...)`, `stub_socket()`. */
const INSTALLS_DOUBLE = /^(?:fake|mock|patch|stub)/i;

/**
 * Test code that swaps in a fake before the open (`self.fakehttp(data)` earlier in the iteration, a
 * `with mock.patch(...)` around it inside the loop, or a `@mock.patch` on the test): the "connection" is an in-memory double, so leaving it open
 * holds no descriptor.
 */
function opensFake(statement: SyntaxNode, loop: LoopFacts, model: FileModel): boolean {
  // `@mock.patch("urllib.request.urlopen")` on the test method patches every iteration.
  const fn = enclosingFunction(loop.node, 'python');
  const decorated = fn?.parent?.type === 'decorated_definition' ? fn.parent : undefined;
  if (decorated?.namedChildren.some((d) => d.type === 'decorator' && /\bpatch\b|\bmock\b/.test(d.text))) return true;
  return treeCalls(loop.body, model, { skipFunctions: true }).some((call) => {
    if (!INSTALLS_DOUBLE.test(methodOf(call.callee)) && !/(?:^|\.)mock\./.test(call.callee)) return false;
    return call.node.startIndex < statement.startIndex;
  });
}

/**
 * `wmdb = self.get_database('wmdb', connstr=...)`, `curs = wmdb.cursor()` ... `self.close_database('wmdb')` in the
 * same round (a script framework that keeps its connections by name): the cursor's connection comes from an owner's
 * accessor, and the same owner releases it in the round by the key it was opened with (or by the connection itself),
 * through a method whose name says it closes (the `closes` role: `close_database`, `release_conn`). Closing a DB-API
 * connection closes its cursors, so the cursor does not outlive the round (Python).
 */
function connectionReleasedInRound(resource: Resource, loop: LoopFacts, ctx: RuleContext): boolean {
  if (methodOf(resource.callee) !== 'cursor') return false;
  const conn = resource.callee.slice(0, -'.cursor'.length);
  if (!/^\w+$/.test(conn)) return false;
  const calls = treeCalls(loop.body, ctx.model, { skipFunctions: true });
  const opener = calls.find((c) => {
    const assignment = c.node.parent;
    return c.node.startIndex < resource.statement.startIndex && assignment?.type === 'assignment' && assignment.childForFieldName('left')?.text === conn && assignment.childForFieldName('right')?.id === c.node.id;
  });
  if (!opener?.receiver) return false;
  const key = argumentsOf(opener.node).positional[0]?.text;
  const closes = (method: string) => method.split('_').some((w) => ctx.kb.hasRole?.(ctx.file.language, w, 'closes') === true);
  return calls.some((c) => {
    if (c.node.startIndex < resource.statement.endIndex || c.receiver !== opener.receiver || !closes(c.method)) return false;
    const args = argumentsOf(c.node).positional.map((a) => a.text);
    return args.includes(conn) || (key !== undefined && args[0] === key);
  });
}

export const detectResourceLeakInLoop: Detector = (loop, ctx) => {
  // A finite loop of the program's entry point (`main` over its arguments): what it leaks closes with the process, moments later.
  if (endsWithTheProgram(loop, ctx.file)) return null;
  if (loop.language === 'go' || loop.language === 'java') return detectBraceResourceLeak(loop, ctx);
  const { model } = ctx;
  const family = familyOf(loop.language);
  const detections: Detection[] = [];
  const reported: Resource[] = [];
  const resources = resourcesIn(loop, ctx);
  for (const resource of resources) {
    // `if gz: fin = gzip.open(f) else: fin = open(f)`: one name, one missing `with`, one comment (on the first branch).
    if (reported.some((r) => r.name === resource.name && inOtherBranch(r.statement, resource.statement))) continue;
    // `conn = psycopg2.connect(dsn); cur = conn.cursor()`: a cursor lives and dies with a connection opened in the same
    // iteration (DB-API: closing the connection closes its cursors). The connection is what must be closed, and its
    // own leak, if any, is reported on it.
    if (family === 'python' && resources.some((p) => p !== resource && p.statement.startIndex < resource.statement.startIndex && resource.callee.startsWith(`${p.name}.`))) continue;
    if (family === 'python' && connectionReleasedInRound(resource, loop, ctx)) continue;
    // `except OperationalError: conn = psycopg2.connect(dsn)` reconnects after a failure: it runs when the old
    // connection broke, not once per iteration, and the name is the loop's long-lived connection.
    if (inErrorHandler(resource.statement, loop)) continue;
    const info = usage(resource, loop, ctx);
    if (info.managed || info.escapes || keptPastTheLoop(resource, loop, model) || leavesAfterOpening(resource, loop)) continue;
    if (family === 'python' && wrapsInMemory(resource, ctx)) continue;
    if (info.closeStatements.some((c) => inFinally(c, enclosingFunction(loop.node, family) ?? rootOf(loop.node)))) continue;
    if (closedOnEveryError(resource.statement, info.closeStatements, loop.body)) continue;
    if (expectedToRaise(resource.statement, loop.body)) continue;
    if (family === 'python' && ctx.testCode && opensFake(resource.statement, loop, model)) continue;
    if (info.closeStatements.length > 0 && !leaksPerIteration(resource, info.closeStatements, loop, family, ctx.model)) continue;
    // A DB-API cursor of a connection opened before the loop (one of the round's own connection is skipped above):
    // CPython frees it when the name is rebound, and a client-side cursor holds no server resource (graded `info`).
    const cursor = family === 'python' && methodOf(resource.callee) === 'cursor';
    const variant = info.closeStatements.length > 0 ? 'not-on-every-path' : cursor ? 'cursor' : family === 'python' && reboundFileHandle(resource, loop, ctx) ? 'rebound' : 'never-closed';
    const sleep = treeCalls(loop.body, ctx.model, { skipFunctions: true, skipLoops: true })
      .map((c) => sleepOf(c, model))
      .find((s) => s?.seconds !== undefined);
    const fix =
      buildFix(resource, info, loop, ctx, family) ??
      blockFix(
        family === 'python'
          ? resource.closedByWith
            ? `with ${resource.call.text} as ${resource.name}:\n    ...  # use ${resource.name}; it is closed even when this raises\n`
            : // A connection's `with` commits but does not close, and a pool checkout's does not give it back.
              `${resource.name} = ${resource.call.text}\ntry:\n    ...  # use ${resource.name}\nfinally:\n    ${closeCall(resource)}\n`
          : jsCloseSketch(resource, ctx.file.source),
        { startLine: lineOf(resource.statement), endLine: endLineOf(resource.statement) },
        { description: 'close on every path', safety: family === 'python' ? 'safe' : 'unsafe', language: fenceLanguage(loop.language) },
      );
    reported.push(resource);
    detections.push({
      loop,
      line: lineOf(resource.statement),
      variant,
      data: { resource: resource.name, call: displayCallee(resource.callee), close: resource.closeMethod },
      confidence: 'high',
      ...(variant === 'never-closed' && sleep?.seconds ? { cost: leakedDescriptorsCost(sleep.seconds, ctx.config.cost, ctx.locale) } : {}),
      fix,
    });
  }
  return detections;
};

/**
 * Python files, archives and HTTP responses, by their opener (`resources:` of rules/apis/python.yml): what CPython's
 * reference counting closes when the last name for it goes. Sockets, connections, sessions and cursors are not here.
 */
const PY_FILE_OPENERS = /^(?:(?:io|codecs|gzip|bz2|lzma|tarfile)\.)?open$|^(?:zipfile\.)?ZipFile$|^(?:(?:urllib\.)?request\.)?urlopen$|^(?:tempfile\.)?(?:NamedTemporaryFile|TemporaryFile)$/;

/**
 * Python: a file, archive or response opened into a plain local name in each round of a `for` loop and never closed
 * (`f = open(path)`, `tf = tarfile.open(p)`, `resp = urlopen(url)`). The next round's assignment drops the last
 * reference and CPython closes it there, so one handle is open at a time: a missing `with`, not a leak that piles up
 * (graded `info`, see `variant_severity` in the rule file). A `while` loop (a worker that may hold it across a sleep)
 * and anything else opened stay `never-closed`.
 */
function reboundFileHandle(resource: Resource, loop: LoopFacts, ctx: RuleContext): boolean {
  if (loop.kind === 'while' || loop.infinite || !/^[A-Za-z_]\w*$/.test(resource.name)) return false;
  const callee = /^[A-Za-z_]\w*$/.test(resource.callee) ? (pythonBinding(resource.callee, ctx) ?? resource.callee) : resource.callee;
  return typeof callee === 'string' && callee !== 'own' && PY_FILE_OPENERS.test(callee);
}

/** Whether `a` and `b` sit in different branches of one `if` (its body, an `elif`, an `else`): only one of them runs. */
function inOtherBranch(a: SyntaxNode, b: SyntaxNode): boolean {
  let common: SyntaxNode | null = a.parent;
  while (common && !(common.startIndex <= b.startIndex && b.endIndex <= common.endIndex)) common = common.parent;
  if (!common || common.type !== 'if_statement') return false;
  const branchOf = (node: SyntaxNode): SyntaxNode => {
    let child = node;
    while (child.parent && child.parent.id !== common!.id) child = child.parent;
    return child;
  };
  const condition = common.childForFieldName('condition');
  const first = branchOf(a);
  const second = branchOf(b);
  return first.id !== second.id && first.id !== condition?.id && second.id !== condition?.id;
}
