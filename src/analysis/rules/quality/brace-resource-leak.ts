// resource-leak-in-loop for Go and Java: a resource opened in each iteration and not released on every path.
// - Go: `rows` from Query/QueryContext (sql, sqlx), `resp` from http.Get/Post/client.Do (its Body), files from
//   os.Open/Create/OpenFile. Never closed → `never-closed`; closed later in the iteration but a `continue`,
//   `break` or `return` between the open and the Close skips it → `go-early-exit`. `defer x.Close()` in the loop is
//   defer-in-loop's finding and counts as closed here; a resource handed on (returned, passed to a call, stored)
//   is its new owner's business; rows read to the end (`for rows.Next() {}` that never leaves early) close themselves.
// - Java: JDBC connections, statements and result sets, streams, readers, sockets opened per iteration outside a
//   try-with-resources. Never closed → `never-closed`; closed but not in a `finally`, in a loop that catches and
//   goes on → `java-not-on-every-path` (every failed iteration leaks one).
import type { CallFact, LoopFacts, SyntaxNode } from '../../facts.js';
import type { Detection, RuleContext } from '../../rule-types.js';
import { blockFix, fenceLanguage } from '../../../fixes/lines.js';
import { leakedDescriptorsCost } from './cost.js';
import { labelAround } from '../../facts/brace.js';
import { catchTypes, declaredTypeName, INTERRUPT_ONLY } from '../../facts/java-types.js';

export const GO_ROWS = /^(Query|QueryContext|Queryx|QueryxContext|NamedQuery|NamedQueryContext)$/;
const GO_HTTP = /^(http\.(Get|Post|Head|PostForm)|(?:\w+\.)+(Do|Get|Post|Head|PostForm))$/;
const GO_FILE = /^os\.(Open|Create|OpenFile)$/;

const JAVA_RESOURCE =
  /^(DriverManager\.getConnection|\w+\.(getConnection|prepareStatement|prepareCall|createStatement|executeQuery|openStream|newBufferedReader|newBufferedWriter|newInputStream|newOutputStream)|Files\.(lines|list|walk|newDirectoryStream)|(java\.io\.)?(FileInputStream|FileOutputStream|FileReader|FileWriter|RandomAccessFile|Socket|ServerSocket|ZipFile|JarFile|Scanner|PrintWriter))$/;

/** A decorator that owns what it wraps: `new BufferedReader(new FileReader(path))` is the resource to close. */
const JAVA_WRAPPER = /^(Buffered(Reader|Writer|InputStream|OutputStream)|InputStreamReader|OutputStreamWriter|Data(Input|Output)Stream|Object(Input|Output)Stream|GZIP(Input|Output)Stream|PrintWriter|PrintStream)$/;
const WRAPS_RESOURCE = /new\s+(FileInputStream|FileOutputStream|FileReader|FileWriter|RandomAccessFile)\b|\.(openStream|getInputStream|getOutputStream|newInputStream|newOutputStream)\s*\(/;

interface Resource {
  call: CallFact;
  name: string;
  close: string;
  /** A wrapper over a stream of something this round made (`client` of `client.getInputStream()`): closing that closes the stream. */
  owner?: string;
}

function goResource(call: CallFact): Resource | undefined {
  if (!call.assignedTo || call.assignedTo === '_' || call.inInnerLoop) return undefined;
  // Declared in the iteration (`:=`); a variable reassigned here is carried to the next one.
  if (call.node.parent?.parent?.type !== 'short_var_declaration') return undefined;
  // database/sql, sqlx and pgx return the rows with an error (`rows, err := db.Query(...)`); a single value is another
  // library's query builder or self-stopping iterator (`q := client.Query(sql)`), with no Close to call.
  const bound = call.node.parent.parent.childForFieldName('left')?.namedChildren.length ?? 0;
  if (GO_ROWS.test(call.method) && call.kinds.includes('db-read') && bound >= 2) return { call, name: call.assignedTo, close: `${call.assignedTo}.Close` };
  // Only a call known to be HTTP returns an `*http.Response`: one guessed from its receiver's name (`kapi.Get` on a
  // keys API) returns whatever that API returns. net/http's Do/Get/Post/Head return (resp, err): a wrapper that returns
  // more (`resp, body, err := c.client.Do(ctx, action)`, etcd's httpClient) has read and closed the body itself.
  if (GO_HTTP.test(call.callee) && call.kinds.includes('http') && call.confidence !== 'low' && bound === 2) return { call, name: call.assignedTo, close: `${call.assignedTo}.Body.Close` };
  if (GO_FILE.test(call.callee)) return { call, name: call.assignedTo, close: `${call.assignedTo}.Close` };
  return undefined;
}

/**
 * `new DataOutputStream(conn.getOutputStream())` over a connection or socket declared outside the loop borrows its
 * stream: the connection stays open for the next iteration, and closing the wrapper would close it. Only a stream
 * of something this iteration declared (`Socket s = new Socket(...)`) is owned here.
 */
function wrapsBorrowedStream(call: CallFact, loop: LoopFacts): boolean {
  const streams = [...call.text.matchAll(/([A-Za-z_$][\w$]*)\s*\.\s*get(?:Input|Output)Stream\s*\(/g)].map((m) => m[1]!);
  if (streams.length === 0 || /new\s+(FileInputStream|FileOutputStream|FileReader|FileWriter|RandomAccessFile)\b|\.(openStream|newInputStream|newOutputStream)\s*\(/.test(call.text)) return false;
  const declared = new Set(loop.body.descendantsOfType(['variable_declarator']).map((d) => d.childForFieldName('name')?.text));
  return streams.every((s) => !declared.has(s) && !loop.loopVariables.includes(s));
}

function javaResource(call: CallFact, loop: LoopFacts): Resource | undefined {
  if (!call.assignedTo || call.inInnerLoop || inTryWithResources(call.node)) return undefined;
  if (!JAVA_RESOURCE.test(call.callee) && !(JAVA_WRAPPER.test(call.callee) && WRAPS_RESOURCE.test(call.text) && !wrapsBorrowedStream(call, loop))) return undefined;
  // Declared in the iteration; a variable of the enclosing method reassigned here is carried to the next one.
  if (call.node.parent?.type !== 'variable_declarator') return undefined;
  // `MariaPooled item = idle.pollFirst(); Connection c = item.getConnection(); ... return item;` (or `abort(item)`): a
  // no-argument `getConnection()` on an object the iteration took and hands on reads that object's connection, which
  // goes wherever its owner goes; nothing is opened here.
  if (call.method === 'getConnection' && ownedByHandedItem(call, loop)) return undefined;
  // A JDBC connection is a `java.sql.Connection`: declared with a type (not `var`) in a file that never names
  // java.sql, `getConnection()` is another library's accessor (Jetty's `endPoint.getConnection()` returns the
  // endpoint's protocol handler), which opens nothing.
  if (call.method === 'getConnection' && !/\bjava\.sql\b/.test(loop.node.tree.rootNode.text) && declaredWithType(call.node)) return undefined;
  // `Scanner(System.in)` and readers over a string own nothing to release.
  if (/^(Scanner|PrintWriter)$/.test(call.method) && /System\.(in|out|err)|StringReader|new String/.test(call.text)) return undefined;
  const over = SELF_OPENING.test(call.method) ? wrappedArgument(call, loop) : undefined;
  if (over === 'nothing') return undefined;
  if (closedWithItsMaker(call, loop)) return undefined;
  const owner = typeof over === 'object' ? over.owner : JAVA_WRAPPER.test(call.callee) ? streamOwner(call, loop) : undefined;
  return { call, name: call.assignedTo, close: `${call.assignedTo}.close`, ...(owner ? { owner } : {}) };
}

/** Opens a file when given a name, a `File` or a `Path`; over anything else it holds what its argument holds. */
const SELF_OPENING = /^(Scanner|PrintWriter|PrintStream)$/;
const STREAM_TYPE = /(Writer|Reader|Stream|Readable|Channel)$/;

/**
 * What a `Scanner`, `PrintWriter` or `PrintStream` made per iteration holds, read from its first argument:
 * - `'nothing'`: a `String` to scan (`new Scanner(line.substring(i))` of a `String line`, `new Scanner(text)` of a `String`), a stream or
 *   writer the loop did not make (`new PrintWriter(args.getOutputStream())`, `new PrintWriter(out)` of a parameter or
 *   field: the caller's own stream, which closing would close for the caller), or an in-memory object
 *   (`new PrintWriter(new StringWriter())`): no descriptor to release;
 * - `{ owner }`: a stream or writer this iteration declared (`Writer w = ...openWriter(); new PrintWriter(w)`): closing
 *   `w` releases what the wrapper holds, so a `w.close()` counts as closing it;
 * - `undefined`: a file name, `File` or `Path`, or an argument it cannot tell: a resource of its own.
 */
function wrappedArgument(call: CallFact, loop: LoopFacts): 'nothing' | { owner: string } | undefined {
  const node = call.node.type === 'object_creation_expression' ? call.node : undefined;
  const arg = node?.childForFieldName('arguments')?.namedChildren.find((a) => a.type !== 'line_comment' && a.type !== 'block_comment');
  if (!node || !arg) return undefined;
  const scanner = call.method === 'Scanner';
  if (WRAPS_RESOURCE.test(arg.text)) return wrapsBorrowedStream(call, loop) ? 'nothing' : undefined;
  if (/\bnew\s+File\b|\bPaths?\s*\.\s*(get|of)\b|\.to(File|Path)\s*\(/.test(arg.text)) return undefined;
  if (arg.type === 'object_creation_expression') return 'nothing';
  if (arg.type === 'string_literal' || arg.type === 'binary_expression') return scanner ? 'nothing' : undefined;
  // `new Scanner(line.substring(i))`: a method of a `String` (a Scanner has no constructor for what else it returns).
  if (arg.type === 'method_invocation') {
    const of = arg.childForFieldName('object');
    if (!scanner || !of) return undefined;
    if (of.type === 'string_literal' || (of.type === 'identifier' && declaredTypeName(node, of.text) === 'String')) return 'nothing';
    // `new Scanner(lines.nextLine())`, `new Scanner(reader.readLine())`, `new Scanner(sb.toString())`,
    // `new Scanner(String.join(...))`: methods that return a String, whatever reads it.
    const method = arg.childForFieldName('name')?.text ?? '';
    if (of.type === 'identifier' && of.text === 'String') return 'nothing';
    if (/^(nextLine|readLine|toString)$/.test(method) && (arg.childForFieldName('arguments')?.namedChildCount ?? 1) === 0) return 'nothing';
    return undefined;
  }
  const name = arg.type === 'identifier' ? arg.text : arg.type === 'field_access' && arg.childForFieldName('object')?.type === 'this' ? arg.childForFieldName('field')?.text : undefined;
  if (!name) return undefined;
  const type = declaredTypeName(node, name);
  if (type === 'String') return scanner ? 'nothing' : undefined;
  if (!type || !STREAM_TYPE.test(type)) return undefined;
  const declaredHere = arg.type === 'identifier' && (loop.loopVariables.includes(name) || loop.body.descendantsOfType(['variable_declarator']).some((d) => d.childForFieldName('name')?.text === name && d.startIndex < node.startIndex));
  return declaredHere ? { owner: name } : 'nothing';
}

/**
 * The catches (of tries around the open, inside the loop) that would take a failure of the work between the open
 * and its close all end the loop: the handler's own statements include a `break` of this loop (or of a label
 * around it), a `return`, a `throw`, `System.exit`, or set the loop's flag so the condition fails (`running =
 * false` in `while (running)`, `closed = true` in `while (!closed)`). A catch of the interruption alone is not
 * counted (it takes a timed-out wait, not the failure of the work), as in CallFact.failure.
 */
function failureEndsLoop(open: SyntaxNode, loop: LoopFacts): boolean {
  const handlers: SyntaxNode[] = [];
  let child = open;
  for (let n = open.parent; n && n.id !== loop.node.id; n = n.parent) {
    if ((n.type === 'try_statement' || n.type === 'try_with_resources_statement') && n.childForFieldName('body')?.id === child.id) {
      for (const c of n.namedChildren) {
        if (c.type !== 'catch_clause') continue;
        const types = catchTypes(c);
        if (types.length > 0 && types.every((t) => INTERRUPT_ONLY.test(t))) continue;
        handlers.push(c);
      }
    }
    child = n;
  }
  if (handlers.length === 0) return false;
  const flags = loopFlags(loop);
  return handlers.every((h) => catchEndsLoop(h, loop, flags));
}

/** `while (running)` → running must stay true; `while (!closed && ...)` → closed must stay false. */
function loopFlags(loop: LoopFacts): Map<string, boolean> {
  const flags = new Map<string, boolean>();
  const condition = loop.node.childForFieldName('condition');
  const text = (condition?.text ?? '').replace(/^\(|\)$/g, '').trim();
  for (const part of text.split('&&')) {
    const m = /^(!?)\s*(?:this\.)?([A-Za-z_$][\w$]*)$/.exec(part.trim());
    if (m) flags.set(m[2]!, m[1] !== '!');
  }
  return flags;
}

function catchEndsLoop(clause: SyntaxNode, loop: LoopFacts, flags: Map<string, boolean>): boolean {
  const body = clause.childForFieldName('body');
  for (const st of body?.namedChildren ?? []) {
    if (st.type === 'return_statement' || st.type === 'throw_statement') return true;
    if (st.type === 'break_statement') {
      const label = st.namedChildren.find((c) => c.type === 'identifier')?.text;
      if (label ? labelAround(loop.node, label) : !innerBreakTarget(st, loop)) return true;
    }
    if (st.type !== 'expression_statement') continue;
    const e = st.namedChild(0);
    if (e?.type === 'method_invocation' && compact(`${e.childForFieldName('object')?.text ?? ''}.${e.childForFieldName('name')?.text ?? ''}`) === 'System.exit') return true;
    if (e?.type !== 'assignment_expression' || e.child(1)?.type !== '=') continue;
    const target = e.childForFieldName('left')?.text.replace(/^this\./, '') ?? '';
    const value = e.childForFieldName('right')?.text;
    if (flags.has(target) && (value === 'true' || value === 'false') && (value === 'true') !== flags.get(target)) return true;
  }
  return false;
}

/** An unlabelled `break` inside a switch or loop of the handler leaves that, not the loop. */
function innerBreakTarget(node: SyntaxNode, loop: LoopFacts): boolean {
  for (let p = node.parent; p && p.id !== loop.node.id; p = p.parent) {
    if (['for_statement', 'enhanced_for_statement', 'while_statement', 'do_statement', 'switch_expression', 'switch_block'].includes(p.type)) return true;
  }
  return false;
}

/**
 * `new BufferedReader(new InputStreamReader(client.getInputStream()))` where `client` is this round's socket (declared
 * in the loop): the stream is the socket's, and `client.close()` closes it with the socket, so closing the owner
 * releases what the wrapper holds (a buffer has nothing else to release).
 */
function streamOwner(call: CallFact, loop: LoopFacts): string | undefined {
  const owners = new Set([...call.text.matchAll(/([A-Za-z_$][\w$]*)\s*\.\s*get(?:Input|Output)Stream\s*\(/g)].map((m) => m[1]!));
  if (owners.size !== 1 || /new\s+(FileInputStream|FileOutputStream|FileReader|FileWriter|RandomAccessFile)\b|\.(openStream|newInputStream|newOutputStream)\s*\(/.test(call.text)) return undefined;
  const owner = [...owners][0]!;
  const declared = loop.body.descendantsOfType(['variable_declarator']).some((d) => d.childForFieldName('name')?.text === owner && d.startIndex < call.node.startIndex);
  return declared || loop.loopVariables.includes(owner) ? owner : undefined;
}

/**
 * JDBC closes what a statement or connection made along with it: a `ResultSet` when its statement is closed or
 * executed again, a statement when its connection is closed. So `rs = ps.executeQuery()` on a statement the loop
 * did not make this round (prepared before the loop, or taken from a cache) is closed by the next round's
 * `executeQuery` and the last one with the statement; on a statement made this round, the statement's own
 * lifetime decides (its open is reported if it leaks). A statement from a connection that this round's
 * try-with-resources closes (`try (Connection c = ...) { PreparedStatement p = c.prepareStatement(...); }`) is
 * closed with it.
 */
function closedWithItsMaker(call: CallFact, loop: LoopFacts): boolean {
  const node = call.node.type === 'method_invocation' ? call.node : undefined;
  const maker = node?.childForFieldName('object');
  if (!node || !maker || !JDBC_CHILD.test(call.method)) return false;
  const name = maker.type === 'identifier' ? maker.text : maker.type === 'field_access' && maker.childForFieldName('object')?.type === 'this' ? maker.childForFieldName('field')?.text : undefined;
  if (name === undefined) return false;
  const declarations = loop.body.descendantsOfType(['variable_declarator', 'resource']).filter((d) => d.childForFieldName('name')?.text === name && d.startIndex < node.startIndex);
  const madeHere = maker.type === 'identifier' && declarations.length > 0;
  if (call.method === 'executeQuery') {
    if (!madeHere) return true;
    // Made this round: by an open this rule tracks (reported itself when it leaks) or a try-with-resources.
    return declarations.some((d) => d.type === 'resource' || JAVA_RESOURCE.test(compact(d.childForFieldName('value')?.text ?? '').replace(/\(.*$/s, '')));
  }
  // A statement: its connection is this round's try-with-resources resource.
  return madeHere && declarations.some((d) => d.type === 'resource');
}

/** What a JDBC statement or connection makes and closes with itself. */
const JDBC_CHILD = /^(executeQuery|prepareStatement|prepareCall|createStatement)$/;

/** `Connection c = x.getConnection()` (a declared type), not `var c = ...`. */
function declaredWithType(node: SyntaxNode): boolean {
  const declaration = node.parent?.type === 'variable_declarator' ? node.parent.parent : null;
  const type = declaration?.childForFieldName('type')?.text;
  return type !== undefined && type !== 'var';
}

function ownedByHandedItem(call: CallFact, loop: LoopFacts): boolean {
  const node = call.node.type === 'method_invocation' ? call.node : undefined;
  const owner = node?.childForFieldName('object');
  if (!node || owner?.type !== 'identifier' || (node.childForFieldName('arguments')?.namedChildCount ?? 0) > 0) return false;
  const declaredHere = loop.body.descendantsOfType(['variable_declarator']).some((d) => d.childForFieldName('name')?.text === owner.text && d.startIndex < node.startIndex);
  return declaredHere && handedOn(owner.text, loop, node.endIndex);
}

function inTryWithResources(node: SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'resource_specification') return true;
    if (p.type === 'block' || p.type === 'method_declaration') return false;
  }
  return false;
}

const compact = (text: string): string => text.replace(/\s+/g, '');

/** The resource leaves the iteration's hands: returned, passed to a call, stored, appended, sent on a channel. */
function handedOn(name: string, loop: LoopFacts, after: number): boolean {
  const nameRe = new RegExp(`(^|[^\\w$.])${name.replace(/[^\w$]/g, '')}\\b`);
  for (const n of loop.body.descendantsOfType(['return_statement', 'argument_list', 'send_statement', 'assignment_statement', 'assignment_expression', 'keyed_element', 'literal_element'])) {
    if (n.startIndex < after) continue;
    if (n.type === 'argument_list') {
      if (n.namedChildren.some((a) => compact(a.text) === name)) return true;
      continue;
    }
    if (n.type === 'assignment_statement' || n.type === 'assignment_expression') {
      // `held = res`, `a, b = res, other`: the value itself, or one of a list of values; not a call made on it
      // (`total += in.available()` reads the resource, it does not store it).
      const right = n.childForFieldName('right');
      const values = right && (right.type === 'expression_list' || right.type === 'array_initializer') ? right.namedChildren : right ? [right] : [];
      if (values.some((r) => compact(r.text) === name)) return true;
      continue;
    }
    if (nameRe.test(n.text)) return true;
  }
  return false;
}

/**
 * Go rows read to the end: `for rows.Next() { ... }` (also `for i := 0; rows.Next(); i++`) with no `break`,
 * `return` or `goto` in its body. When Next returns false, database/sql (and sqlx, pgx) closes the rows itself, so
 * nothing is left open. In test code a `return` is the test giving up (`t.Errorf(...); return`): what it leaves open
 * lives only as long as the test binary, so only `break` and `goto` count there.
 */
function drained(name: string, loop: LoopFacts, after: number, testCode: boolean): boolean {
  for (const f of loop.body.descendantsOfType(['for_statement'])) {
    if (f.startIndex < after) continue;
    const clause = f.namedChildren.find((c) => c.type === 'for_clause');
    const condition = clause ? clause.childForFieldName('condition') : f.namedChildren.find((c) => c.type === 'call_expression');
    if (!condition || compact(condition.text) !== `${name}.Next()`) continue;
    const body = f.childForFieldName('body');
    if (!body) continue;
    const exits = testCode ? ['break_statement', 'goto_statement'] : ['break_statement', 'return_statement', 'goto_statement'];
    const leaves = body.descendantsOfType(exits).some((n) => {
      for (let p = n.parent; p && p.id !== body.id; p = p.parent) if (p.type === 'func_literal') return false;
      // A `break` of an inner loop, select or switch stays in the drain loop; a labelled one may not.
      if (n.type === 'break_statement' && n.namedChildCount === 0) {
        for (let p = n.parent; p && p.id !== body.id; p = p.parent) if (['for_statement', 'select_statement', 'expression_switch_statement', 'type_switch_statement'].includes(p.type)) return false;
      }
      return true;
    });
    if (!leaves) return true;
  }
  return false;
}

/** Calls of `close` (`rows.Close`, `resp.Body.Close`, `c.close`) in the loop body, deferred ones included. */
function closes(loop: LoopFacts, close: string): SyntaxNode[] {
  const type = loop.language === 'go' ? 'call_expression' : 'method_invocation';
  return loop.body.descendantsOfType([type]).filter((c) => {
    const callee = loop.language === 'go' ? compact(c.childForFieldName('function')?.text ?? '') : `${compact(c.childForFieldName('object')?.text ?? '')}.${c.childForFieldName('name')?.text ?? ''}`;
    return callee === close;
  });
}

/**
 * A `continue`/`break`/`return` between the open and the close, other than the open's own `if err != nil` branch.
 * In test code a `return` is the test giving up after reporting its failure: not a leak worth a comment.
 */
function earlyExit(resource: Resource, close: SyntaxNode, loop: LoopFacts, testCode: boolean): SyntaxNode | undefined {
  // The declaring statement (`f, err := os.Open(p)`), wherever it sits (a select case, an if branch).
  const open = resource.call.node.parent?.parent;
  if (!open || open.type !== 'short_var_declaration') return undefined;
  const errorChecks = openErrorChecks(open);
  // An if-initializer open (`if rows, err := ...; err == nil {`) keeps its error branch in the same statement.
  for (const n of loop.body.descendantsOfType(['continue_statement', 'break_statement', 'return_statement'])) {
    if (n.startIndex <= resource.call.node.endIndex || n.startIndex >= close.startIndex) continue;
    if (testCode && n.type === 'return_statement') continue;
    // `return f` (`return f, nil`, `return &conn{f}`): the caller takes the resource, nothing leaks on that path.
    if (n.type === 'return_statement' && returnsResource(n, resource.name, resource.close)) continue;
    if (errorChecks.some((c) => c.startIndex <= n.startIndex && n.endIndex <= c.endIndex)) continue;
    let nested = false;
    for (let p = n.parent; p && p.id !== loop.body.id; p = p.parent) if (p.type === 'func_literal' || p.type === 'for_statement') nested = true;
    if (!nested) return n;
  }
  return undefined;
}

/**
 * The open's own error checks: the `if` statements after the declaring statement that test its error, with only
 * statements that do not name that error in between (`resp, err := c.Do(req); log.Print("sent"); if err != nil {`):
 * the error is still the open's, so the resource is nil on those branches. Besides `err != nil`, a test of what the
 * error is (`os.IsNotExist(err)`, `errors.Is(err, fs.ErrNotExist)`, `isTransient(err)`: a call given the error first;
 * `err == ErrGone`: a comparison with something other than nil) holds only when the open failed; the scan goes on past
 * such a branch to the next check when the branch leaves the error alone (`if os.IsNotExist(err) { dir = parent;
 * continue }; if err != nil { return err }`). An open in an `if` initializer (`if f, err := os.Open(p); err != nil {
 * return 1 } else { f.Close() }`) has its error branch in the same statement: the branch the condition takes when the
 * open failed (the consequence of `err != nil` or of such a test, the else of `err == nil`).
 */
function openErrorChecks(open: SyntaxNode): SyntaxNode[] {
  const declared = open.childForFieldName('left')?.namedChildren ?? [];
  const err = declared[declared.length - 1]?.text ?? '';
  if (!/^err\w*$/.test(err)) return [];
  const names = new RegExp(`\\b${err}\\b`);
  const owner = open.parent;
  if (owner?.type === 'if_statement' && owner.childForFieldName('initializer')?.id === open.id) {
    const condition = owner.childForFieldName('condition');
    const text = condition?.text.trim() ?? '';
    if (new RegExp(`^${err}\\s*!=\\s*nil$`).test(text) || testsWhatErrorIs(condition, err)) return [owner.childForFieldName('consequence')].filter((c): c is SyntaxNode => !!c);
    if (new RegExp(`^${err}\\s*==\\s*nil$`).test(text)) return [owner.childForFieldName('alternative')].filter((c): c is SyntaxNode => !!c);
    return [];
  }
  const out: SyntaxNode[] = [];
  for (let n = open.nextNamedSibling; n; n = n.nextNamedSibling) {
    if (n.type === 'comment') continue;
    if (n.type === 'if_statement' && new RegExp(`\\b${err}\\s*!=\\s*nil`).test(n.childForFieldName('condition')?.text ?? '')) return [...out, n];
    if (n.type === 'if_statement' && testsWhatErrorIs(n.childForFieldName('condition'), err)) {
      out.push(n);
      // A branch that assigns the error again (`err = retry()`) and falls through makes the next test about that.
      if (new RegExp(`\\b${err}\\s*(:?=|,)`).test(n.childForFieldName('consequence')?.text ?? '') || n.childForFieldName('alternative')) return out;
      continue;
    }
    if (names.test(n.text)) return out;
  }
  return out;
}

/** `pred(err, ...)` (a call given the error first) or `err == X` for an X other than nil: true only for a failure. */
function testsWhatErrorIs(condition: SyntaxNode | null | undefined, err: string): boolean {
  let c = condition;
  while (c?.type === 'parenthesized_expression') c = c.namedChild(0);
  if (c?.type === 'call_expression') return c.childForFieldName('arguments')?.namedChild(0)?.text === err;
  if (c?.type === 'binary_expression' && c.childForFieldName('operator')?.text === '==') {
    const [l, r] = [c.childForFieldName('left')?.text, c.childForFieldName('right')?.text];
    return (l === err && r !== 'nil' && r !== err) || (r === err && l !== 'nil' && l !== err);
  }
  return false;
}

/**
 * `return f` (`return f, nil`, `return &conn{f}`), or the part that the close releases: `return resp.Body, nil` hands
 * the response's body to the caller, who reads and closes it.
 */
function returnsResource(ret: SyntaxNode, name: string, close: string): boolean {
  const owner = close.slice(0, close.lastIndexOf('.'));
  const escape = (s: string): string => s.replace(/[^\w$.]/g, '').replace(/[.$]/g, (c) => `\\${c}`);
  const res = [name, owner].map((n) => new RegExp(`(^|[^\\w$.])${escape(n)}\\b(?!\\s*\\.)`));
  return ret.namedChildren.some((r) => res.some((re) => re.test(r.text)));
}

/** A call, constructor or `throw` of the loop body between the open and the first close after it. */
function mayThrowBefore(open: SyntaxNode, found: SyntaxNode[], loop: LoopFacts): boolean {
  const close = found.filter((c) => c.startIndex > open.endIndex).sort((a, b) => a.startIndex - b.startIndex)[0];
  if (!close) return true;
  return loop.body
    .descendantsOfType(['method_invocation', 'object_creation_expression', 'throw_statement'])
    .some((n) => n.startIndex > open.endIndex && n.endIndex <= close.startIndex);
}

function inFinally(node: SyntaxNode, loop: LoopFacts): boolean {
  for (let p = node.parent; p && p.id !== loop.node.id; p = p.parent) if (p.type === 'finally_clause') return true;
  return false;
}

function goSketch(resource: Resource): string {
  const { call, name } = resource;
  return [
    '// One function per item: its defer releases the resource at the end of the iteration, on every path.',
    `func handleOne(ctx context.Context /* , item */) error {`,
    `\t${name}, err := ${call.text}`,
    '\tif err != nil {',
    '\t\treturn err',
    '\t}',
    `\tdefer ${resource.close}()`,
    `\t// ... use ${name}; an early return still closes it`,
    ...(resource.close.endsWith('.Body.Close') ? [] : [`\treturn ${name}.Err()`]),
    ...(resource.close.endsWith('.Body.Close') ? ['\treturn nil'] : []),
    '}',
  ].join('\n');
}

function javaSketch(resource: Resource): string {
  const { call, name } = resource;
  const declared = call.node.parent?.parent?.type === 'local_variable_declaration' ? call.node.parent.parent.childForFieldName('type')?.text ?? 'var' : 'var';
  return [
    `try (${declared} ${name} = ${call.text}) {`,
    `    // ... use ${name}; it is closed when the block ends, also when something in it throws`,
    '}',
  ].join('\n');
}

export function detectBraceResourceLeak(loop: LoopFacts, ctx: RuleContext): Detection[] {
  const out: Detection[] = [];
  // Leaked per hour for a poller that sleeps a known time, as for the other languages.
  const sleep = loop.calls.find((c) => c.kinds.includes('sleep') && c.sleepSeconds)?.sleepSeconds;
  for (const call of loop.calls) {
    const resource = loop.language === 'go' ? goResource(call) : javaResource(call, loop);
    if (!resource) continue;
    const found = [...closes(loop, resource.close), ...(resource.owner ? closes(loop, `${resource.owner}.close`) : [])].sort((a, b) => a.startIndex - b.startIndex);
    const base = { loop, line: call.line, confidence: 'high' as const };
    const fix = blockFix(loop.language === 'go' ? goSketch(resource) : javaSketch(resource), { startLine: call.line, endLine: call.endLine }, {
      description: loop.language === 'go' ? 'close with defer in a per-item function' : 'try-with-resources',
      safety: 'unsafe',
      language: fenceLanguage(loop.language),
    });
    const data = { resource: resource.name, call: call.callee, close: resource.close.slice(resource.name.length + 1) };
    if (loop.language === 'go' && GO_ROWS.test(call.method) && drained(resource.name, loop, call.node.endIndex, ctx.testCode)) continue;
    if (found.length === 0) {
      if (call.managed || handedOn(resource.name, loop, call.node.endIndex)) continue;
      out.push({ ...base, variant: 'never-closed', data, fix, ...(sleep ? { cost: leakedDescriptorsCost(sleep, ctx.config.cost, ctx.locale) } : {}) });
      continue;
    }
    if (loop.language === 'go') {
      // A deferred close is defer-in-loop's finding; the resource is released (late) on every path.
      const direct = found.filter((c) => c.parent?.type !== 'defer_statement' && c.startIndex > call.node.endIndex);
      if (direct.length === 0 || found.some((c) => c.parent?.type === 'defer_statement')) continue;
      const exit = earlyExit(resource, direct[0]!, loop, ctx.testCode);
      if (!exit) continue;
      out.push({ ...base, variant: 'go-early-exit', data: { ...data, exit: exit.text.split(/\s/)[0]!, exit_line: exit.startPosition.row + 1 }, fix });
      continue;
    }
    if (found.some((c) => inFinally(c, loop)) || call.failure !== 'handled') continue;
    // `Socket s = new Socket(host, port); s.close();`: nothing between the open and the close can throw, so the close
    // runs whenever the open succeeded (a failed open leaves nothing to close).
    if (!mayThrowBefore(call.node, found, loop)) continue;
    // Every catch that could take a failure between the open and the close ends the loop (`break`, `break RESTART`,
    // `running = false` on a `while (running)`, `return`): a failed round is the last one, so at most one resource
    // leaks, once, not one per iteration.
    if (failureEndsLoop(call.node, loop)) continue;
    out.push({ ...base, variant: 'java-not-on-every-path', data, fix });
  }
  return out;
}
