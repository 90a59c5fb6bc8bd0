// Go: the declared type of a call's receiver, as far as the file says, so that the type decides over receiver-name
// patterns (`lm.cache.Get` on a `*lru.Cache` is no Redis read; `c.Do(req)` on an `*http.Client` is an HTTP call).
// Go's scoping makes this a short search: a name visible at the call is a parameter of an enclosing function, or
// declared by a statement before the call in an enclosing block (or at package level); a receiver's field is
// declared in the struct type of the method's receiver.
import type { SyntaxNode } from '../facts.js';

const FUNCTIONS = new Set(['func_literal', 'function_declaration', 'method_declaration']);
/** Statements searched per enclosing block: beyond this, the name is left untyped (a huge generated function). */
const MAX_STATEMENTS = 400;

/**
 * The type a type expression names, pointers and type arguments dropped: `*simplelru.LRU` → `simplelru.LRU`,
 * `Store` → `Store`; undefined for slices, maps, funcs and the like.
 */
export function goTypeName(type: SyntaxNode | null | undefined): string | undefined {
  while (type && (type.type === 'pointer_type' || type.type === 'generic_type' || type.type === 'parenthesized_type')) {
    type = type.type === 'generic_type' ? type.childForFieldName('type') : type.namedChild(0);
  }
  if (type?.type === 'qualified_type') {
    // Another package's type (`*simplelru.LRU`): kept qualified, so it never names a type of this package.
    const pkg = type.childForFieldName('package')?.text;
    const name = type.childForFieldName('name')?.text;
    return pkg && name ? `${pkg}.${name}` : undefined;
  }
  return type?.type === 'type_identifier' ? type.text : undefined;
}

/**
 * The type an initializer gives: `&http.Client{...}`, `http.Client{}`, `new(http.Client)`, `http.DefaultClient`
 * (`http.Client`); a constructor of another package (`lru.New(128)`, `redis.NewClient(opts)`) gives that package
 * only (`lru.`): which of its types is not known, but the package is.
 */
function typeOfValue(value: SyntaxNode | null | undefined): string | undefined {
  if (!value) return undefined;
  if (value.type === 'unary_expression' && value.childForFieldName('operator')?.text === '&') return typeOfValue(value.childForFieldName('operand'));
  if (value.type === 'composite_literal') return goTypeName(value.childForFieldName('type'));
  if (value.type === 'selector_expression' && value.text === 'http.DefaultClient') return 'http.Client';
  if (value.type === 'call_expression') {
    const fn = value.childForFieldName('function');
    if (fn?.type === 'identifier' && fn.text === 'new') return goTypeName(value.childForFieldName('arguments')?.namedChild(0));
    const operand = fn?.type === 'selector_expression' ? fn.childForFieldName('operand') : undefined;
    if (operand?.type === 'identifier' && /^New/.test(fn!.childForFieldName('field')?.text ?? '') && importsPackageNamed(value, operand.text)) return `${operand.text}.`;
  }
  return undefined;
}

/**
 * Whether the file imports a package under `name`: an alias, or the import path's last segment (a major version
 * `/v9` skipped; `go-redis` and `redis-go` name `redis`). `scope.NewDB()` on a variable is no package's constructor.
 */
export function importsPackageNamed(at: SyntaxNode, name: string): boolean {
  return importPath(at, name) !== undefined;
}

/** The import path of the package the file imports under `name` (see importsPackageNamed), if it does. */
function importPath(at: SyntaxNode, name: string): string | undefined {
  let root = at;
  while (root.parent) root = root.parent;
  for (const decl of root.namedChildren) {
    if (decl.type !== 'import_declaration') continue;
    for (const spec of decl.descendantsOfType('import_spec')) {
      const path = (spec.childForFieldName('path')?.text ?? '').replace(/^["`]|["`]$/g, '');
      const alias = spec.childForFieldName('name')?.text;
      if (alias !== undefined) {
        if (alias === name) return path;
        continue;
      }
      const segments = path.split('/');
      let last = segments.pop() ?? '';
      if (/^v\d+$/.test(last)) last = segments.pop() ?? '';
      if (last.replace(/^go-|-go$|\.v\d+$/g, '') === name || last === name) return path;
    }
  }
  return undefined;
}

/**
 * `name` is a package of Go's standard library the file imports (`heap` from `container/heap`, `signal` from
 * `os/signal`): an import path whose first element has no dot, which Go reserves for the standard library and its
 * tools. Its functions are no service's client, so a name guess (`heap.Push` read as a push to a server) does not
 * stand; what the catalogue lists by name (`http.Get`, `exec.Command`, `smtp.SendMail`) is matched before any guess.
 */
export function isStandardLibraryPackage(at: SyntaxNode, name: string): boolean {
  const path = importPath(at, name);
  return path !== undefined && path !== '' && !(path.split('/')[0] ?? '').includes('.') && path !== 'C';
}

type ValueReader = (value: SyntaxNode | undefined) => string | undefined;

/** `name`'s declared or initialised type in one declaring statement, when the statement declares it. */
function typeIn(statement: SyntaxNode, name: string, valueType: ValueReader = valueTypeOf): string | undefined | null {
  if (statement.type === 'short_var_declaration' || statement.type === 'assignment_statement') {
    const left = statement.childForFieldName('left')?.namedChildren ?? [];
    const right = statement.childForFieldName('right')?.namedChildren ?? [];
    const i = left.findIndex((n) => n.type === 'identifier' && n.text === name);
    if (i < 0) return null;
    // `req, err := http.NewRequest(...)`: the first value of a call.
    return valueType(right.length === left.length ? right[i] : i === 0 ? right[0] : undefined);
  }
  if (statement.type === 'var_declaration') {
    for (const spec of statement.namedChildren) {
      if (spec.type !== 'var_spec') continue;
      const names = spec.childrenForFieldName('name');
      const i = names.findIndex((n) => n.text === name);
      if (i < 0) continue;
      const declared = goTypeName(spec.childForFieldName('type'));
      if (declared) return valueType === valueTypeOf ? declared : undefined;
      const values = spec.childForFieldName('value')?.namedChildren ?? [];
      return valueType(values.length === names.length ? values[i] : i === 0 ? values[0] : undefined);
    }
  }
  return null;
}

/** `http.NewRequest(...)` / `http.NewRequestWithContext(...)`: an `*http.Request` (marked with a type of its own). */
function requestOf(value: SyntaxNode | undefined): string | undefined {
  if (value?.type !== 'call_expression') return undefined;
  return /^http\.NewRequest(?:WithContext)?$/.test(value.childForFieldName('function')?.text ?? '') ? 'http.Request' : undefined;
}

function valueTypeOf(value: SyntaxNode | undefined): string | undefined {
  return requestOf(value) ?? typeOfValue(value);
}

/**
 * The call of an imported package's function that last bound `name` before `at` (`a := store.NewAccessor(db)`, `a,
 * err := store.Open(dsn)` → `store.NewAccessor`, `store.Open`): the effect summaries read that function's declared
 * first result when the package is another of the module (`func NewAccessor(...) *Accessor`).
 */
export function goConstructorOf(name: string, at: SyntaxNode): string | undefined {
  return goNameType(name, at, constructorOf);
}

function constructorOf(value: SyntaxNode | undefined): string | undefined {
  const fn = value?.type === 'call_expression' ? value.childForFieldName('function') : undefined;
  const operand = fn?.type === 'selector_expression' ? fn.childForFieldName('operand') : undefined;
  const field = fn?.childForFieldName('field')?.text ?? '';
  return operand?.type === 'identifier' && /^[A-Z]/.test(field) && importsPackageNamed(value!, operand.text) ? `${operand.text}.${field}` : undefined;
}

/** The declared type of `name` where `at` is: parameters, earlier statements of enclosing blocks, package vars. */
export function goNameType(name: string, at: SyntaxNode, valueType: ValueReader = valueTypeOf): string | undefined {
  let child = at;
  for (let n = at.parent; n; child = n, n = n.parent) {
    const list = n.type === 'statement_list' || n.type === 'source_file' || (n.type === 'block' && !n.namedChildren.some((c) => c.type === 'statement_list')) ? n : undefined;
    if (list) {
      let seen = 0;
      let found: string | undefined | null = null;
      for (const s of list.namedChildren) {
        // In a block only what comes before the call; package-level declarations are visible everywhere.
        if (list.type !== 'source_file' && s.startIndex >= child.startIndex) break;
        if (++seen > MAX_STATEMENTS) break;
        const t = typeIn(s, name, valueType);
        // The last declaration or assignment before the call wins (`c = &http.Client{...}` after `var c Doer`).
        if (t !== null) found = t;
      }
      if (found !== null) return found;
    }
    if (n.type === 'if_statement' || n.type === 'for_clause' || n.type === 'expression_switch_statement' || n.type === 'type_switch_statement') {
      const init = n.childForFieldName('initializer');
      if (init && init.id !== child.id) {
        const t = typeIn(init, name, valueType);
        if (t !== null) return t;
      }
    }
    if (FUNCTIONS.has(n.type)) {
      for (const list of [n.childForFieldName('parameters'), n.childForFieldName('receiver')]) {
        for (const p of list?.namedChildren ?? []) {
          if (p.type !== 'parameter_declaration') continue;
          if (p.childrenForFieldName('name').some((x) => x.text === name)) return valueType === valueTypeOf ? goTypeName(p.childForFieldName('type')) : undefined;
        }
      }
    }
  }
  return undefined;
}

/**
 * Summaries (effects/table.ts): the declared type of `x` in `x.M(...)` when `x` is a parameter of the nearest
 * enclosing function that declares it (`db Finder`, `st *state.State`, `c *http.Client`). A redeclaration in an
 * inner block (`db := other()`) is not looked for: a walk up to the function is all a call costs.
 */
export function goParameterType(call: SyntaxNode): string | undefined {
  const fn = call.childForFieldName('function');
  const operand = fn?.type === 'selector_expression' ? fn.childForFieldName('operand') : undefined;
  if (operand?.type !== 'identifier') return undefined;
  const name = operand.text;
  for (let n = call.parent; n; n = n.parent) {
    if (!FUNCTIONS.has(n.type)) continue;
    for (const p of n.childForFieldName('parameters')?.namedChildren ?? []) {
      if (p.type === 'parameter_declaration' && p.childrenForFieldName('name').some((x) => x.text === name)) return goTypeName(p.childForFieldName('type'));
    }
  }
  return undefined;
}

/** The struct type `type` of the file: field name → declared type. */
function structField(root: SyntaxNode, type: string, field: string): string | undefined {
  for (const decl of root.namedChildren) {
    if (decl.type !== 'type_declaration') continue;
    for (const spec of decl.namedChildren) {
      if (spec.type !== 'type_spec' || spec.childForFieldName('name')?.text !== type) continue;
      const struct = spec.childForFieldName('type');
      if (struct?.type !== 'struct_type') return undefined;
      for (const list of struct.namedChildren) {
        for (const f of list.namedChildren) {
          if (f.type !== 'field_declaration') continue;
          if (f.childrenForFieldName('name').some((x) => x.text === field)) return goTypeName(f.childForFieldName('type'));
        }
      }
    }
  }
  return undefined;
}

/**
 * The declared type of a call's receiver: `c.Do(req)` with `c *http.Client` a parameter or `c := &http.Client{}`
 * → `http.Client`; `s.cache.Get(k)` in a method of `*S` whose struct declares `cache *lru.Cache` → `lru.Cache`;
 * `x.Do(req)` whose argument was built by `http.NewRequest` → `http.Client` (only a client sends a request), unless
 * `x` is another package's type.
 * A constructor of another package gives `pkg.` (see typeOfValue). Undefined when the file does not say.
 */
export function goReceiverType(call: SyntaxNode): string | undefined {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'selector_expression') return undefined;
  const operand = fn.childForFieldName('operand');
  const method = fn.childForFieldName('field')?.text;
  let type: string | undefined;
  if (operand?.type === 'identifier') {
    type = goNameType(operand.text, call);
  } else if (operand?.type === 'selector_expression' && operand.childForFieldName('operand')?.type === 'identifier') {
    const base = operand.childForFieldName('operand')!.text;
    const baseType = goNameType(base, call);
    let root = call;
    while (root.parent) root = root.parent;
    if (baseType && !baseType.includes('.')) type = structField(root, baseType, operand.childForFieldName('field')?.text ?? '');
  }
  if (type === 'http.Request') return undefined;
  // A request built by http.NewRequest goes to a client, unless another package's type says what the receiver is
  // (a `Doer` of the code's own package is an HTTP client by this; a method of its own that summaries resolve wins).
  if ((type === undefined || !type.includes('.')) && method === 'Do') {
    const first = call.childForFieldName('arguments')?.namedChild(0);
    if (first?.type === 'identifier' && goNameType(first.text, call) === 'http.Request') return 'http.Client';
  }
  return type;
}

/**
 * Summaries (effects/table.ts): the declared types of another package (`bolt.Tx`, `context.Context`) of the
 * parameters of every function around `at`, innermost first (a callback's `func(tx *bolt.Tx)`, then its method's).
 */
export function goEnclosingParameterTypes(at: SyntaxNode): string[] {
  const types: string[] = [];
  for (let n = at.parent; n; n = n.parent) {
    if (!FUNCTIONS.has(n.type)) continue;
    for (const p of n.childForFieldName('parameters')?.namedChildren ?? []) {
      if (p.type !== 'parameter_declaration') continue;
      const type = goTypeName(p.childForFieldName('type'));
      if (type?.includes('.') && !types.includes(type)) types.push(type);
    }
  }
  return types;
}
