// Declared types of Java receivers, for the catalogue's receiver-name patterns: `lineMapper.get(key)` matches the
// MyBatis `*mapper.get*` pattern by name, but a `lineMapper` declared as a `Map<Integer, ...>` is a hash map.
import type { SyntaxNode } from '../facts.js';

const DECLARATIONS = ['local_variable_declaration', 'formal_parameter', 'field_declaration', 'enhanced_for_statement', 'resource'];
const SCOPES = new Set(['method_declaration', 'constructor_declaration', 'lambda_expression', 'class_body', 'record_declaration']);

/** The declared type of `name` as written (`Map<Integer, List<Location>>`), looked up in the enclosing method, then the class. */
function declaredType(at: SyntaxNode, name: string): SyntaxNode | undefined {
  return declarationOf(at, name)?.childForFieldName('type') ?? undefined;
}

/** The simple name of `name`'s declared type without type arguments (`ExecutorCompletionService<Void>` → `ExecutorCompletionService`). */
export function declaredTypeName(at: SyntaxNode, name: string): string | undefined {
  const type = declaredType(at, name);
  if (!type) return undefined;
  return (type.type === 'generic_type' ? type.namedChildren[0] : type)?.text.replace(/\s+/g, '').split('.').pop();
}

/**
 * `name` is declared (in the enclosing method or class) with a type of `java.util` (`Map`, `HashMap<K, V>`, `List`,
 * `java.util.Map`): an in-memory collection, never a DAO, mapper or client whatever the variable is called. The
 * simple name counts when the file imports it from `java.util` (by name or `java.util.*`). Subpackages
 * (`java.util.concurrent`'s blocking queues) are not included unless asked for: their `take`/`poll` do wait, but
 * like the rest of the JDK's utilities they fail only by a bug (`{ subpackages: true }`).
 */
export function isJavaUtilReceiver(at: SyntaxNode, name: string, options: { subpackages?: boolean } = {}): boolean {
  const type = declaredType(at, name);
  if (!type) return false;
  const base = (type.type === 'generic_type' ? type.namedChildren[0] : type)?.text.replace(/\s+/g, '') ?? '';
  const pkg = options.subpackages ? 'java\\.util(?:\\.[a-z]\\w*)*' : 'java\\.util';
  if (new RegExp(`^${pkg}\\.[A-Z]\\w*$`).test(base)) return true;
  if (!/^[A-Z]\w*$/.test(base)) return false;
  let root = at;
  while (root.parent) root = root.parent;
  const imports = new RegExp(`^import${pkg}\\.(\\*|${base});$`);
  return root.namedChildren.some((c) => c.type === 'import_declaration' && imports.test(c.text.replace(/\s+/g, '')));
}

/** The simple names of the types a catch clause catches (`catch (InterruptedException | java.io.IOException e)`). */
export function catchTypes(clause: SyntaxNode): string[] {
  const types = clause.namedChildren.find((p) => p.type === 'catch_formal_parameter')?.namedChildren.find((p) => p.type === 'catch_type');
  return types ? types.namedChildren.map((t) => t.text.slice(t.text.lastIndexOf('.') + 1)) : [];
}

/** What a catch of the interruption alone takes: a timed-out or interrupted wait, not the failure of the work. */
export const INTERRUPT_ONLY = /^(InterruptedException|InterruptedIOException|ClosedByInterruptException)$/;

/** The declaration node of `name` seen from `at` (the enclosing method's locals and parameters, then the class's fields). */
function declarationOf(at: SyntaxNode, name: string): SyntaxNode | undefined {
  for (let scope: SyntaxNode | null = at.parent; scope; scope = scope.parent) {
    if (!SCOPES.has(scope.type)) continue;
    for (const decl of scope.descendantsOfType(DECLARATIONS)) {
      const names = decl.type === 'local_variable_declaration' || decl.type === 'field_declaration'
        ? decl.namedChildren.filter((c) => c.type === 'variable_declarator').map((d) => d.childForFieldName('name')?.text)
        : [decl.childForFieldName('name')?.text];
      if (names.includes(name)) return decl;
    }
  }
  return undefined;
}

/** `(URL) x`, `(x)` → `x`. */
function unwrapped(node: SyntaxNode): SyntaxNode {
  let n = node;
  for (let i = 0; i < 4; i++) {
    if (n.type === 'parenthesized_expression' && n.namedChild(0)) n = n.namedChild(0)!;
    else if (n.type === 'cast_expression' && n.childForFieldName('value')) n = n.childForFieldName('value')!;
    else break;
  }
  return n;
}

const URL_TYPE = /^(?:java\.net\.)?URL$/;
const RESOURCE_LOOKUPS = /^(?:getResource|getSystemResource|findResource|getJarEntryURL|getJarFileURL)$/;
const RESOURCE_LISTS = /^(?:getResources|getSystemResources|findResources)$/;

function baseTypeName(type: SyntaxNode | null | undefined): string {
  return ((type?.type === 'generic_type' ? type.namedChildren[0] : type)?.text ?? '').replace(/\s+/g, '');
}

/** The values a method's local `name` is given: its initialiser and every plain assignment in the method. */
function assignedValues(decl: SyntaxNode, name: string): SyntaxNode[] {
  const values: SyntaxNode[] = [];
  const declarator = decl.namedChildren.find((c) => c.type === 'variable_declarator' && c.childForFieldName('name')?.text === name);
  const init = declarator?.childForFieldName('value');
  if (init) values.push(init);
  let scope: SyntaxNode | null = decl.parent;
  while (scope && !SCOPES.has(scope.type)) scope = scope.parent;
  for (const a of scope?.descendantsOfType(['assignment_expression']) ?? []) {
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (left?.type === 'identifier' && left.text === name && right && a.childForFieldName('operator')?.text === '=') values.push(right);
  }
  return values;
}

type UrlOrigin = 'resource' | 'handed' | 'other-type';

/**
 * Where the URL a call reads comes from. `resource`: a class-path, servlet-context or jar lookup (`getResource(...)`,
 * an element of `getResources(...)`, also walked by a for-each, `JarFactory.getJarEntryURL(...)`, `file.toURI().toURL()`): a local read.
 * `handed`: a parameter or field declared `URL` (or a cast of a parameter, `(URL) source`) that the method does not
 * build: it reads whatever its caller names. Undefined when the code builds it here (`new URL(s)`) or cannot tell.
 */
function urlValueOrigin(value: SyntaxNode, depth: number): UrlOrigin | undefined {
  const v = unwrapped(value);
  if (v.type === 'method_invocation') {
    const name = v.childForFieldName('name')?.text ?? '';
    if (RESOURCE_LOOKUPS.test(name)) return 'resource';
    const object = v.childForFieldName('object');
    // `betterJarUrl(cl.getResource(path))`: a URL made from a resource's URL alone (a jar-URL fix-up) is that resource.
    const args = v.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'line_comment' && c.type !== 'block_comment') ?? [];
    if (args.length === 1 && depth < 3 && urlValueOrigin(args[0]!, depth + 1) === 'resource') return 'resource';
    if (name === 'toURL' && object?.type === 'method_invocation' && /^(?:toURI|toUri)$/.test(object.childForFieldName('name')?.text ?? '')) return 'resource';
    if (/^(?:nextElement|next)$/.test(name) && object) {
      const o = unwrapped(object);
      if (o.type === 'method_invocation' && RESOURCE_LISTS.test(o.childForFieldName('name')?.text ?? '')) return 'resource';
      if (o.type === 'identifier' && depth < 3) {
        const decl = declarationOf(o, o.text);
        if (decl?.type === 'local_variable_declaration') {
          const values = assignedValues(decl, o.text);
          if (values.length > 0 && values.every((x) => { const u = unwrapped(x); return u.type === 'method_invocation' && RESOURCE_LISTS.test(u.childForFieldName('name')?.text ?? ''); })) return 'resource';
        }
      }
    }
    return undefined;
  }
  if (v.type === 'field_access' && v.childForFieldName('object')?.type === 'this') return identifierOrigin(v, v.childForFieldName('field')?.text ?? '', depth, false);
  if (v.type === 'identifier') return identifierOrigin(v, v.text, depth, false);
  return undefined;
}

function identifierOrigin(at: SyntaxNode, name: string, depth: number, openStreamReceiver: boolean): UrlOrigin | undefined {
  if (depth > 3) return undefined;
  const decl = declarationOf(at, name);
  if (!decl) return undefined;
  const type = baseTypeName(decl.childForFieldName('type'));
  const isUrl = URL_TYPE.test(type);
  // `path.openStream()` on a `TldResourcePath path`: that type's own method, not java.net.URL's.
  if (openStreamReceiver && !isUrl && /^[A-Z][\w.]*$/.test(type) && type !== 'Object') return 'other-type';
  if (decl.type === 'formal_parameter') return isUrl || type === 'Object' ? 'handed' : undefined;
  if (decl.type === 'field_declaration') {
    if (!isUrl) return undefined;
    const declarator = decl.namedChildren.find((c) => c.type === 'variable_declarator' && c.childForFieldName('name')?.text === name);
    const init = declarator?.childForFieldName('value');
    return init ? urlValueOrigin(init, depth + 1) ?? (init.type === 'null_literal' ? 'handed' : undefined) : 'handed';
  }
  // `for (URL url : LoaderUtil.findResources(name))`: each element of a class-path resource listing.
  if (decl.type === 'enhanced_for_statement') {
    const listing = unwrapped(decl.childForFieldName('value') ?? decl);
    return (isUrl || type === 'var') && listing.type === 'method_invocation' && RESOURCE_LISTS.test(listing.childForFieldName('name')?.text ?? '') ? 'resource' : undefined;
  }
  if (decl.type !== 'local_variable_declaration' || !(isUrl || type === 'var')) return undefined;
  const origins = assignedValues(decl, name).filter((x) => x.type !== 'null_literal').map((x) => urlValueOrigin(x, depth + 1));
  if (origins.length === 0 || origins.some((o) => o === undefined)) return undefined;
  return origins.every((o) => o === 'resource') ? 'resource' : 'handed';
}

/**
 * For a call that reads a URL (`u.openStream()`, `u.openConnection().getInputStream()`, `conn.getInputStream()` on a
 * connection opened from `u` in the method), where `u` comes from (see urlValueOrigin); `other-type` when the
 * receiver of `openStream` is declared with a type that is not `URL` (its own method). Undefined otherwise.
 */
export function urlReadOrigin(call: SyntaxNode): UrlOrigin | undefined {
  if (call.type !== 'method_invocation') return undefined;
  const name = call.childForFieldName('name')?.text ?? '';
  const object = call.childForFieldName('object');
  if (!object) return undefined;
  const o = unwrapped(object);
  if (name === 'openStream') {
    if (o.type === 'identifier') return identifierOrigin(o, o.text, 0, true);
    if (o.type === 'field_access' && o.childForFieldName('object')?.type === 'this') return identifierOrigin(o, o.childForFieldName('field')?.text ?? '', 0, true);
    return urlValueOrigin(o, 0);
  }
  const opened = (n: SyntaxNode): SyntaxNode | undefined => {
    const u = unwrapped(n);
    return u.type === 'method_invocation' && u.childForFieldName('name')?.text === 'openConnection' ? u.childForFieldName('object') ?? undefined : undefined;
  };
  let url = opened(o);
  if (!url && o.type === 'identifier') {
    const decl = declarationOf(o, o.text);
    if (decl?.type === 'local_variable_declaration') {
      const urls = assignedValues(decl, o.text).filter((x) => x.type !== 'null_literal').map(opened);
      if (urls.length > 0 && urls.every((u) => u !== undefined)) {
        const origins = urls.map((u) => urlValueOrigin(u!, 0));
        if (origins.every((x) => x === 'resource')) return 'resource';
        if (origins.every((x) => x === 'resource' || x === 'handed')) return 'handed';
        return undefined;
      }
    }
  }
  return url ? urlValueOrigin(url, 0) : undefined;
}

/** A list of strings: `String[]`, `List<String>`, `ArrayList<String>`, `Collection<String>`. */
const STRING_LIST_TYPE = /^(?:String\[\]|(?:java\.util\.)?(?:List|ArrayList|LinkedList|Collection|Iterable|Vector)<String>)$/;

/**
 * The value is the iteration's own statement text (Java): an element of a list of strings indexed by the loop's
 * counter (`deletes[i]` of a `String[] deletes`, `script.get(i)` of a `List<String>`), a for-each variable declared
 * `String`, or a local of the loop body given only such a value or what a call makes of one (`formatter.format(sql)`,
 * `sql.trim()`). Whether it is handed where SQL goes is the caller's question (see notPerRow's runsItsOwnSqlText).
 */
export function iterationString(node: SyntaxNode, body: SyntaxNode, loopVariables: readonly string[], depth = 0): boolean {
  if (depth > 3) return false;
  const v = unwrapped(node);
  const counter = (n: SyntaxNode | null | undefined) => n?.type === 'identifier' && loopVariables.includes(n.text);
  const stringList = (n: SyntaxNode | null | undefined) => {
    if (!n) return false;
    const name = n.type === 'identifier' ? n.text : n.type === 'field_access' && n.childForFieldName('object')?.type === 'this' ? n.childForFieldName('field')?.text : undefined;
    if (name === undefined) return false;
    return STRING_LIST_TYPE.test(declarationOf(n, name)?.childForFieldName('type')?.text.replace(/\s+/g, '') ?? '');
  };
  if (v.type === 'array_access') return counter(v.childForFieldName('index')) && stringList(v.childForFieldName('array'));
  if (v.type === 'method_invocation') {
    const name = v.childForFieldName('name')?.text;
    const args = v.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'line_comment' && c.type !== 'block_comment') ?? [];
    if (name === 'get' && args.length === 1 && counter(args[0]) && stringList(v.childForFieldName('object'))) return true;
    // What a call makes of the statement alone: `format(sql)`, `sql.trim()`. Not `String.format(TEMPLATE, ids[i])`,
    // where the item fills a template: the statement is the template's, the item a value in it.
    const object = v.childForFieldName('object');
    if (object && iterationString(object, body, loopVariables, depth + 1)) return true;
    return args.length === 1 && iterationString(args[0]!, body, loopVariables, depth + 1);
  }
  if (v.type !== 'identifier') return false;
  const decl = declarationOf(v, v.text);
  if (!decl) return false;
  if (decl.type === 'enhanced_for_statement') return loopVariables.includes(v.text) && baseTypeName(decl.childForFieldName('type')) === 'String';
  if (decl.type !== 'local_variable_declaration' || decl.startIndex < body.startIndex || decl.endIndex > body.endIndex) return false;
  if (baseTypeName(decl.childForFieldName('type')) !== 'String') return false;
  const values = assignedValues(decl, v.text);
  return values.length > 0 && values.every((x) => iterationString(x, body, loopVariables, depth + 1));
}

/** The parameters of the file's methods named `method` that take `count` arguments: `[type, name]` each. */
export function ownMethodParameters(at: SyntaxNode, method: string, count: number): Array<Array<{ type: string; name: string }>> {
  let root = at;
  while (root.parent) root = root.parent;
  const out: Array<Array<{ type: string; name: string }>> = [];
  for (const m of root.descendantsOfType('method_declaration')) {
    if (m.childForFieldName('name')?.text !== method) continue;
    const params = (m.childForFieldName('parameters')?.namedChildren ?? []).filter((p) => p.type === 'formal_parameter');
    if (params.length !== count) continue;
    out.push(params.map((p) => ({ type: baseTypeName(p.childForFieldName('type')), name: p.childForFieldName('name')?.text ?? '' })));
  }
  return out;
}

/**
 * The declared type of a method call's receiver, as its simple name (`command.executeUpdate(...)` on a local
 * `CommandInterface command` → `CommandInterface`; `this.stmt` → the field's type; `translators[i]` of a
 * `QueryTranslator[] translators` → `QueryTranslator`), or undefined when the file does not say (or says `var`).
 */
export function receiverDeclaredType(call: SyntaxNode): string | undefined {
  if (call.type !== 'method_invocation') return undefined;
  let object = call.childForFieldName('object');
  let element = false;
  if (object?.type === 'array_access') {
    object = object.childForFieldName('array');
    element = true;
  }
  if (!object) return undefined;
  const name = object.type === 'identifier' ? object.text : object.type === 'field_access' && object.childForFieldName('object')?.type === 'this' ? object.childForFieldName('field')?.text : undefined;
  if (name === undefined) return undefined;
  const type = declaredTypeName(object, name);
  if (type === undefined || type === 'var') return undefined;
  if (element) return type.endsWith('[]') ? type.slice(0, -2) : undefined;
  return type.endsWith('[]') ? undefined : type;
}
