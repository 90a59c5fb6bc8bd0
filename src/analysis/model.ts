// The per-file fact model every detector reads. The engine builds one FileModel per analysed file (after the
// language extractor has produced the loop facts), hands it to every detector through RuleContext.model, and drops it
// when the file is done. Everything a detector would otherwise recompute per loop, per rule, lives here and is
// computed at most once per file:
//
// - the loops with their classified calls (FileFacts, built by facts/<language>.ts),
// - the functions and classes of the file (name, async, enclosing class),
// - every call node of the tree, classified once with the knowledge base (rules/apis/*.yml, the repository's
//   `apis:`, effect summaries) as a ModelCall,
// - names and their bindings: the assignments of a scope by name, the imported and module-level names,
// - the walks of the tree the detectors share (`descendants`) and the loop bodies' own nodes by type (`ownBodyNodes`).
//
// It is language-neutral: a language is an extractor (facts/<language>.ts) plus API files; the node-type sets below
// are the only grammar knowledge here. No cache of tree-derived data lives at module level anywhere in
// src/analysis (test/analysis/fact-model.test.ts): it lives here, and goes with the file.
import type { Language } from '../core/types.js';
import type { CallConfidence, CallKind, FileFacts, LoopFacts, SyntaxNode } from './facts.js';
import type { KnowledgeBase, WaitClass } from './knowledge-base.js';
import { nodesOfTypes, typeList } from './tree-query.js';

export type Family = 'python' | 'js';

export function familyOf(language: Language): Family {
  return language === 'python' ? 'python' : 'js';
}

/** Function, lambda and class node types per grammar family. */
export const FUNCTION_TYPES: Record<Family, ReadonlySet<string>> = {
  python: new Set(['function_definition', 'lambda', 'class_definition']),
  js: new Set([
    'function_declaration',
    'function_expression',
    'function',
    'arrow_function',
    'method_definition',
    'generator_function_declaration',
    'generator_function',
    'class_declaration',
    'class',
  ]),
};

export const LOOP_TYPES: Record<Family, ReadonlySet<string>> = {
  python: new Set(['for_statement', 'while_statement']),
  js: new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement']),
};

export const CALL_TYPE_LIST: Record<Family, readonly string[]> = {
  python: ['call'],
  js: ['call_expression', 'new_expression'],
};

const CLASS_TYPES: ReadonlySet<string> = new Set(['class_definition', 'class_declaration', 'class']);

export interface WalkOptions {
  /** Do not descend into nested functions, lambdas and classes. */
  skipFunctions?: boolean;
  /** Do not descend into nested loop statements. */
  skipLoops?: boolean;
}

/** A call node of the tree, classified once per file (see FileModel.call). */
export interface ModelCall {
  node: SyntaxNode;
  callee: string;
  method: string;
  receiver?: string;
  line: number;
  kinds: CallKind[];
  confidence: CallConfidence;
  /** The call is the operand of `await`. */
  awaited: boolean;
  /** The first positional argument's string literal (f-strings with `?` for placeholders), e.g. the SQL it runs. */
  sql?: string;
  /** For a queue pop seen through the code's own function (`summarised`): its timeout, 0 when it does not block. */
  timeoutSeconds?: number;
  /** `waits:` of the API files: the call waits for something, or is known to return at once. */
  wait?: WaitClass;
}

/** A function, method or lambda of the file. */
export interface FunctionModel {
  node: SyntaxNode;
  /** Declared name (`def poll`, `function poll`, `const poll = async () =>`), when it has one. */
  name?: string;
  /** Name of the class it is a method of. */
  className?: string;
  isAsync: boolean;
  startLine: number;
  endLine: number;
}

export interface ClassModel {
  node: SyntaxNode;
  name?: string;
  startLine: number;
  endLine: number;
}

interface FullWalk {
  nodes: SyntaxNode[];
  /** Per node: 1 = inside a nested function, 2 = inside a nested loop statement (below the root, above the node). */
  inside: number[];
  variants: Map<number, readonly SyntaxNode[]>;
}

/** How a call node is classified (rules/lib/calls.ts supplies it; kept out of here so the model imports no rule code). */
export type CallClassifier = (node: SyntaxNode, model: FileModel) => ModelCall;

/** Nodes a statement's assignment writes a name with (`x = v`, `const x = v`, `x = v` in JS). */
const ASSIGNMENT_TYPES = ['assignment', 'variable_declarator', 'assignment_expression'];
/** Every grammar's function, lambda, method and class node types: the scopes assignments are indexed by. */
export const SCOPE_FUNCTION_TYPES: ReadonlySet<string> = new Set([
  ...FUNCTION_TYPES.python,
  ...FUNCTION_TYPES.js,
  // Go and Java
  'func_literal',
  'method_declaration',
  'constructor_declaration',
  'lambda_expression',
  'class_body',
]);

export class FileModel {
  readonly language: Language;
  readonly family: Family;
  readonly path: string;
  readonly source: string;
  readonly kb: KnowledgeBase;
  readonly facts: FileFacts;
  private readonly classify: CallClassifier;

  // --- caches: one file's worth, dropped with the model -------------------------------------------------------
  private readonly walks = new Map<string, FullWalk>();
  private readonly callsByRange = new Map<string, ModelCall>();
  private readonly callLists = new Map<number, readonly ModelCall[]>();
  private readonly assignmentIndex = new Map<number, Map<string, SyntaxNode[]>>();
  private readonly ownBody = new Map<LoopFacts, Map<ReadonlySet<string>, readonly SyntaxNode[]>>();
  private functionList?: FunctionModel[];
  private classList?: ClassModel[];
  private asyncNames?: Set<string>;
  private imported?: Set<string>;
  private moduleLevel?: Set<string>;
  private readonly memos = new Map<string, unknown>();
  // --- end of caches ----------------------------------------------------------------------------------------------

  constructor(facts: FileFacts, kb: KnowledgeBase, classify: CallClassifier) {
    this.language = facts.language;
    this.family = familyOf(facts.language);
    this.path = facts.path;
    this.source = facts.source;
    this.kb = kb;
    this.facts = facts;
    this.classify = classify;
  }

  /** A value a helper derives from the whole file once (a prefilter, an index), kept for this file only. */
  memo<T>(key: string, compute: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = compute();
    this.memos.set(key, value);
    return value;
  }

  get root(): SyntaxNode {
    return this.facts.tree.rootNode as unknown as SyntaxNode;
  }

  get loops(): LoopFacts[] {
    return this.facts.loops;
  }

  /**
   * Named descendants of `root` in pre-order (the root excluded); nested functions and loops are yielded but, when
   * the options say so, not entered. One TreeCursor walk per root, shared by every detector; iterative, so
   * 5,000-deep nesting cannot overflow.
   */
  descendants(root: SyntaxNode, options: WalkOptions = {}): readonly SyntaxNode[] {
    const mask = (options.skipFunctions === true ? 1 : 0) | (options.skipLoops === true ? 2 : 0);
    const walk = this.fullWalk(root);
    let variant = walk.variants.get(mask);
    if (!variant) {
      const { nodes, inside } = walk;
      const out: SyntaxNode[] = [];
      for (let i = 0; i < nodes.length; i++) if ((inside[i]! & mask) === 0) out.push(nodes[i]!);
      variant = out;
      walk.variants.set(mask, variant);
    }
    return variant;
  }

  private fullWalk(root: SyntaxNode): FullWalk {
    const key = `${String(root.id)}:${root.typeId}`;
    const cached = this.walks.get(key);
    if (cached) return cached;
    const nodes: SyntaxNode[] = [];
    const inside: number[] = [];
    const functions = FUNCTION_TYPES[this.family];
    const loops = LOOP_TYPES[this.family];
    const cursor = root.walk();
    // inherited[d] = flags every node at depth d inherits from its ancestors below the root.
    const inherited: number[] = [0, 0];
    let depth = 0;
    // Only named nodes are yielded and entered, as a `namedChildren` walk would.
    let descend = cursor.gotoFirstChild();
    if (descend) depth = 1;
    while (descend) {
      let enter = false;
      if (cursor.nodeIsNamed) {
        const flags = inherited[depth]!;
        nodes.push(cursor.currentNode);
        inside.push(flags);
        const type = cursor.nodeType;
        inherited[depth + 1] = flags | (functions.has(type) ? 1 : 0) | (loops.has(type) ? 2 : 0);
        enter = true;
      }
      if (enter && cursor.gotoFirstChild()) {
        depth++;
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (depth <= 1 || !cursor.gotoParent()) {
          descend = false;
          break;
        }
        depth--;
      }
    }
    const walk: FullWalk = { nodes, inside, variants: new Map([[0, nodes]]) };
    this.walks.set(key, walk);
    return walk;
  }

  /** The classified call of a call node (each node classified once per file; keyed by its byte range). */
  call(node: SyntaxNode): ModelCall {
    const key = `${node.startIndex}:${node.endIndex}`;
    let call = this.callsByRange.get(key);
    if (!call) {
      call = this.classify(node, this);
      this.callsByRange.set(key, call);
    }
    return call;
  }

  /** Classified calls under `root` in source order (nested functions skipped unless asked otherwise). */
  calls(root: SyntaxNode, options: WalkOptions = { skipFunctions: true }): ModelCall[] {
    const mask = (options.skipFunctions === true ? 1 : 0) | (options.skipLoops === true ? 2 : 0);
    const listKey = root.id * 4 + mask;
    const listed = this.callLists.get(listKey);
    if (listed) return listed.slice();
    const exclude = EXCLUDED_BY[this.family][mask]!;
    const out: ModelCall[] = [];
    for (const node of nodesOfTypes(root, CALL_TYPE_LIST[this.family], exclude)) out.push(this.call(node));
    this.callLists.set(listKey, out);
    return out.slice();
  }

  /** Right-hand sides by assigned name in one scope (nested functions excluded), in source order. */
  assignmentsIn(scope: SyntaxNode): Map<string, SyntaxNode[]> {
    let index = this.assignmentIndex.get(scope.id);
    if (index) return index;
    index = new Map();
    const owner = SCOPE_FUNCTION_TYPES.has(scope.type) ? scope.id : undefined;
    for (const n of scope.descendantsOfType(ASSIGNMENT_TYPES)) {
      const left = n.childForFieldName('left') ?? n.childForFieldName('name');
      const right = n.childForFieldName('right') ?? n.childForFieldName('value');
      if (!left || !right || enclosingScope(n)?.id !== owner) continue;
      const list = index.get(left.text) ?? [];
      list.push(right);
      index.set(left.text, list);
    }
    this.assignmentIndex.set(scope.id, index);
    return index;
  }

  /** The value last assigned to `name` before byte `before` in `scope` (nested functions skipped). */
  assignedValue(scope: SyntaxNode, name: string, before: number): SyntaxNode | undefined {
    let found: SyntaxNode | undefined;
    for (const n of this.assignmentsIn(scope).get(name) ?? []) {
      if (n.startIndex >= before) break;
      found = n;
    }
    return found;
  }

  /**
   * The loop body's own nodes of the given types, in source order (the body itself included when it has one of the
   * types): nodes inside nested functions and nested loops are left out (those are analysed on their own). Listed
   * once per loop and type set.
   */
  ownBodyNodes(loop: LoopFacts, types: ReadonlySet<string>): readonly SyntaxNode[] {
    let perLoop = this.ownBody.get(loop);
    if (!perLoop) {
      perLoop = new Map();
      this.ownBody.set(loop, perLoop);
    }
    let nodes = perLoop.get(types);
    if (!nodes) {
      nodes = collectOwnBody(loop, types);
      perLoop.set(types, nodes);
    }
    return nodes;
  }

  /** Functions, methods and lambdas of the file, in source order. */
  get functions(): FunctionModel[] {
    if (!this.functionList) this.buildScopes();
    return this.functionList!;
  }

  /** Classes of the file, in source order. */
  get classes(): ClassModel[] {
    if (!this.classList) this.buildScopes();
    return this.classList!;
  }

  private buildScopes(): void {
    const functions: FunctionModel[] = [];
    const classes: ClassModel[] = [];
    const types = FUNCTION_TYPES[this.family];
    for (const node of this.root.descendantsOfType([...types])) {
      // `function` is also the keyword's (anonymous) type.
      if (!node.isNamed) continue;
      const startLine = node.startPosition.row + 1;
      const endLine = node.endPosition.row + 1;
      if (CLASS_TYPES.has(node.type)) {
        classes.push({ node, name: node.childForFieldName('name')?.text, startLine, endLine });
        continue;
      }
      let name = node.childForFieldName('name')?.text;
      if (!name && node.parent?.type === 'variable_declarator') name = node.parent.childForFieldName('name')?.text;
      const isAsync = node.children.some((c) => c.type === 'async');
      let className: string | undefined;
      for (let p = node.parent; p; p = p.parent) {
        if (CLASS_TYPES.has(p.type)) {
          className = p.childForFieldName('name')?.text;
          break;
        }
        if (types.has(p.type)) break;
      }
      functions.push({ node, name, className, isAsync, startLine, endLine });
    }
    this.functionList = functions;
    this.classList = classes;
  }

  /**
   * Names of the async functions and methods declared in the file (JavaScript/TypeScript: their calls return
   * promises): declarations, methods, and arrow/function expressions bound to a variable.
   */
  get asyncFunctionNames(): Set<string> {
    if (this.asyncNames) return this.asyncNames;
    const names = new Set<string>();
    for (const fn of this.functions) {
      if (!fn.isAsync) continue;
      const node = fn.node;
      if (node.type === 'function_declaration' || node.type === 'method_definition') {
        const name = node.childForFieldName('name')?.text;
        if (name) names.add(name);
      } else if ((node.type === 'arrow_function' || node.type === 'function_expression') && node.parent?.type === 'variable_declarator') {
        const name = node.parent.childForFieldName('name')?.text;
        if (name) names.add(name);
      }
    }
    this.asyncNames = names;
    return names;
  }

  /** Python: module names and imported names of the file's top-level imports (`time`, `logging`, `closing`). */
  get importedNames(): Set<string> {
    if (this.imported) return this.imported;
    const names = new Set<string>();
    for (const node of this.root.namedChildren) {
      if (node.type === 'import_statement') {
        for (const child of node.namedChildren) {
          const alias = child.type === 'aliased_import' ? child.childForFieldName('alias')?.text : undefined;
          names.add(alias ?? child.text.split('.')[0]!);
        }
      } else if (node.type === 'import_from_statement') {
        const moduleName = node.childForFieldName('module_name');
        for (const child of node.namedChildren) {
          if (moduleName && child.id === moduleName.id) continue;
          const alias = child.type === 'aliased_import' ? child.childForFieldName('alias')?.text : undefined;
          names.add(alias ?? child.text);
        }
      }
    }
    this.imported = names;
    return names;
  }

  /** Names assigned at module level (`logger = logging.getLogger(...)`, `const log = ...`). */
  get moduleLevelNames(): Set<string> {
    if (this.moduleLevel) return this.moduleLevel;
    const names = new Set<string>();
    for (const node of this.root.namedChildren) {
      const inner = node.type === 'expression_statement' ? node.namedChildren[0] : node;
      if (!inner) continue;
      if (inner.type === 'assignment') {
        const left = inner.childForFieldName('left');
        if (left?.type === 'identifier') names.add(left.text);
      } else if (inner.type === 'lexical_declaration' || inner.type === 'variable_declaration') {
        for (const d of inner.namedChildren) if (d.type === 'variable_declarator') names.add(d.childForFieldName('name')?.text ?? '');
      }
    }
    this.moduleLevel = names;
    return names;
  }
}

const EXCLUDED_BY: Record<Family, Array<ReadonlySet<string>>> = {
  python: excludeSets('python'),
  js: excludeSets('js'),
};

function excludeSets(family: Family): Array<ReadonlySet<string>> {
  // Index: 1 = skip functions, 2 = skip loops, 3 = both.
  return [new Set<string>(), new Set(FUNCTION_TYPES[family]), new Set(LOOP_TYPES[family]), new Set([...FUNCTION_TYPES[family], ...LOOP_TYPES[family]])];
}

/** The nearest function, lambda, method or class around `node` (any grammar), when there is one. */
export function enclosingScope(node: SyntaxNode): SyntaxNode | undefined {
  for (let n = node.parent; n; n = n.parent) if (SCOPE_FUNCTION_TYPES.has(n.type)) return n;
  return undefined;
}

/** Loop statements of every grammar (Java's enhanced `for` included). */
const ALL_LOOP_TYPES: ReadonlySet<string> = new Set(['for_statement', 'while_statement', 'for_in_statement', 'do_statement', 'enhanced_for_statement']);
const OWN_BODY_EXCLUDED: ReadonlySet<string> = new Set([...SCOPE_FUNCTION_TYPES, ...ALL_LOOP_TYPES]);

/** `node` is `other` or contains it (so `other` is not an ancestor of `node` below `stop`). */
function isSelfOrAncestor(node: SyntaxNode, other: SyntaxNode, stop: SyntaxNode): boolean {
  if (node.startIndex !== other.startIndex || node.endIndex !== other.endIndex) return false;
  const otherId = other.id;
  if (node.id === otherId) return true;
  for (let p = node.parent; p && p.id !== stop.id; p = p.parent) if (p.id === otherId) return false;
  return true;
}

/**
 * The search runs natively (descendantsOfType); only the matches walk up to check where they sit. Nested loops (the
 * loop's children among them) and functions are the excluded ancestors; a match that is one of them is left out
 * too, unless it is the body itself. JavaScript loops modelled on calls (`items.forEach(...)`, `setInterval(...)`)
 * are not statements of those types.
 */
function collectOwnBody(loop: LoopFacts, types: ReadonlySet<string>): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const body = loop.body;
  const bodyStart = body.startIndex;
  const bodyEnd = body.endIndex;
  const callLoops = loop.children.filter((c) => !ALL_LOOP_TYPES.has(c.node.type)).map((c) => c.node);
  for (const node of nodesOfTypes(body, typeList(types), OWN_BODY_EXCLUDED, { includeRoot: true })) {
    if (!node.isNamed) continue;
    const start = node.startIndex;
    const end = node.endIndex;
    const isBody = start === bodyStart && end === bodyEnd && node.id === body.id;
    if (OWN_BODY_EXCLUDED.has(node.type) && !isBody) continue;
    if (!isBody && callLoops.some((c) => c.startIndex <= start && end <= c.endIndex && !isSelfOrAncestor(node, c, body))) continue;
    out.push(node);
  }
  return out;
}
