// Declared types of Java receivers, for the catalogue's receiver-name patterns: `lineMapper.get(key)` matches the
// MyBatis `*mapper.get*` pattern by name, but a `lineMapper` declared as a `Map<Integer, ...>` is a hash map.
import type { SyntaxNode } from '../facts.js';

const DECLARATIONS = ['local_variable_declaration', 'formal_parameter', 'field_declaration', 'enhanced_for_statement', 'resource'];
const SCOPES = new Set(['method_declaration', 'constructor_declaration', 'lambda_expression', 'class_body', 'record_declaration']);

/** The declared type of `name` as written (`Map<Integer, List<Location>>`), looked up in the enclosing method, then the class. */
function declaredType(at: SyntaxNode, name: string): SyntaxNode | undefined {
  for (let scope: SyntaxNode | null = at.parent; scope; scope = scope.parent) {
    if (!SCOPES.has(scope.type)) continue;
    for (const decl of scope.descendantsOfType(DECLARATIONS)) {
      const names = decl.type === 'local_variable_declaration' || decl.type === 'field_declaration'
        ? decl.namedChildren.filter((c) => c.type === 'variable_declarator').map((d) => d.childForFieldName('name')?.text)
        : [decl.childForFieldName('name')?.text];
      if (names.includes(name)) return decl.childForFieldName('type') ?? undefined;
    }
  }
  return undefined;
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
 * (`java.util.concurrent`'s blocking queues) are not included: their `take`/`poll` do wait.
 */
export function isJavaUtilReceiver(at: SyntaxNode, name: string): boolean {
  const type = declaredType(at, name);
  if (!type) return false;
  const base = (type.type === 'generic_type' ? type.namedChildren[0] : type)?.text.replace(/\s+/g, '') ?? '';
  if (/^java\.util\.[A-Z]\w*$/.test(base)) return true;
  if (!/^[A-Z]\w*$/.test(base)) return false;
  let root = at;
  while (root.parent) root = root.parent;
  return root.namedChildren.some((c) => c.type === 'import_declaration' && /^import\s+java\.util\.(\*|[A-Z]\w*)\s*;$/.test(c.text.trim()) && (c.text.includes('*') || c.text.replace(/\s+/g, '').endsWith(`.${base};`)));
}
