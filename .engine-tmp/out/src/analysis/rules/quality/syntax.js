export function familyOf(language) {
    return language === 'python' ? 'python' : 'js';
}
const FUNCTION_TYPES = {
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
const LOOP_TYPES = {
    python: new Set(['for_statement', 'while_statement']),
    js: new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement']),
};
const CALL_TYPES = {
    python: new Set(['call']),
    js: new Set(['call_expression', 'new_expression']),
};
export function isFunction(node, family) {
    return FUNCTION_TYPES[family].has(node.type);
}
export function isLoopStatement(node, family) {
    return LOOP_TYPES[family].has(node.type);
}
export function isCall(node, family) {
    return CALL_TYPES[family].has(node.type);
}
export function lineOf(node) {
    return node.startPosition.row + 1;
}
export function endLineOf(node) {
    return node.endPosition.row + 1;
}
/** Pre-order walk over named descendants (the root excluded), iterative so 5,000-deep nesting cannot overflow. */
export function* descendants(root, family, options = {}) {
    const stack = [...root.namedChildren].reverse();
    while (stack.length > 0) {
        const node = stack.pop();
        yield node;
        if (options.skipFunctions && isFunction(node, family))
            continue;
        if (options.skipLoops && isLoopStatement(node, family))
            continue;
        const children = node.namedChildren;
        for (let i = children.length - 1; i >= 0; i--)
            stack.push(children[i]);
    }
}
export function findAll(root, family, predicate, options = {}) {
    const out = [];
    for (const node of descendants(root, family, options))
        if (predicate(node))
            out.push(node);
    return out;
}
export function contains(outer, inner) {
    return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
}
export function ancestors(node, stopAt) {
    const out = [];
    let current = node.parent;
    while (current) {
        out.push(current);
        if (stopAt && current.id === stopAt.id)
            break;
        current = current.parent;
    }
    return out;
}
export function enclosingFunction(node, family) {
    let current = node.parent;
    while (current) {
        if (isFunction(current, family) && current.type !== 'class_definition' && current.type !== 'class_declaration' && current.type !== 'class') {
            return current;
        }
        current = current.parent;
    }
    return undefined;
}
/** Root of the file. */
export function rootOf(node) {
    let current = node;
    while (current.parent)
        current = current.parent;
    return current;
}
/** Text without whitespace (callee names are compared this way). */
export function compact(text) {
    return text.replace(/\s+/g, '');
}
/** The callee of a call node (`requests.get`, `new Client` → `Client`), whitespace removed. */
export function calleeOf(call) {
    const fn = call.childForFieldName('function') ?? call.childForFieldName('constructor');
    return fn ? compact(fn.text) : '';
}
export function methodOf(callee) {
    const clean = callee.replace(/\?\./g, '.');
    const dot = clean.lastIndexOf('.');
    return dot >= 0 ? clean.slice(dot + 1) : clean;
}
export function receiverOf(callee) {
    const clean = callee.replace(/\?\./g, '.');
    const dot = clean.lastIndexOf('.');
    return dot >= 0 ? clean.slice(0, dot) : undefined;
}
/** Positional and keyword arguments of a call. */
export function argumentsOf(call) {
    const list = call.childForFieldName('arguments');
    const positional = [];
    const keywords = new Map();
    if (!list)
        return { positional, keywords };
    for (const arg of list.namedChildren) {
        if (arg.type === 'comment')
            continue;
        if (arg.type === 'keyword_argument') {
            const name = arg.childForFieldName('name')?.text;
            const value = arg.childForFieldName('value');
            if (name && value)
                keywords.set(name, value);
        }
        else
            positional.push(arg);
    }
    return { positional, keywords };
}
/** A numeric literal (or unary minus / arithmetic of literals such as `60 * 5`), else undefined. */
export function numericValue(node) {
    if (!node)
        return undefined;
    switch (node.type) {
        case 'integer':
        case 'float':
        case 'number': {
            const text = node.text.replace(/_/g, '').replace(/[lLjJn]$/, '');
            const value = Number(text);
            return Number.isFinite(value) ? value : undefined;
        }
        case 'parenthesized_expression':
            return numericValue(node.namedChildren[0]);
        case 'unary_operator':
        case 'unary_expression': {
            const operand = numericValue(node.namedChildren[node.namedChildren.length - 1]);
            return operand === undefined ? undefined : node.text.trim().startsWith('-') ? -operand : operand;
        }
        case 'binary_operator':
        case 'binary_expression': {
            const left = numericValue(node.childForFieldName('left'));
            const right = numericValue(node.childForFieldName('right'));
            const op = node.childForFieldName('operator')?.text ?? node.children[1]?.text;
            if (left === undefined || right === undefined)
                return undefined;
            switch (op) {
                case '*':
                    return left * right;
                case '+':
                    return left + right;
                case '-':
                    return left - right;
                case '/':
                    return right === 0 ? undefined : left / right;
                default:
                    return undefined;
            }
        }
        default:
            return undefined;
    }
}
/** String literal content (Python strings incl. prefixes, JS strings and substitution-free templates). */
export function stringValue(node) {
    if (!node)
        return undefined;
    if (node.type === 'string' || node.type === 'template_string') {
        if (node.namedChildren.some((c) => c.type === 'interpolation' || c.type === 'template_substitution')) {
            // f-strings / templates: keep the literal parts, placeholders become `?` so SQL keywords stay visible.
            return node.namedChildren
                .map((c) => (c.type === 'string_content' || c.type === 'string_fragment' ? c.text : c.type === 'escape_sequence' ? c.text : c.type.includes('start') || c.type.includes('end') ? '' : '?'))
                .join('');
        }
        const text = node.text;
        const match = /^[A-Za-z]*("""|'''|"|'|`)([\s\S]*)\1$/.exec(text);
        return match ? match[2] : text;
    }
    if (node.type === 'concatenated_string')
        return node.namedChildren.map((c) => stringValue(c) ?? '').join('');
    if (node.type === 'parenthesized_expression')
        return stringValue(node.namedChildren[0]);
    return undefined;
}
/** Identifier names used anywhere under `node` (attribute/property names excluded). */
export function identifiersIn(node, family) {
    const names = new Set();
    const visit = (n) => {
        if (n.type === 'identifier' || n.type === 'shorthand_property_identifier')
            names.add(n.text);
    };
    visit(node);
    for (const d of descendants(node, family))
        visit(d);
    return names;
}
/** Whether `name` is read as a whole identifier under `node`. */
export function mentions(node, family, name) {
    if (name.includes('.'))
        return compact(node.text).includes(name);
    return identifiersIn(node, family).has(name);
}
/** Statements directly in a block (comments skipped). */
export function statementsOf(block) {
    if (!block)
        return [];
    if (block.type !== 'block' && block.type !== 'statement_block')
        return [block];
    return block.namedChildren.filter((c) => c.type !== 'comment');
}
/** The body block of a loop node (for/while/do, a callback iteration or an interval callback). */
export function loopBody(loop) {
    return loop.body;
}
/** Source line text (1-based) of the analysed file. */
export function sourceLine(source, line) {
    return source.split(/\r?\n/)[line - 1] ?? '';
}
/** Import lines of a Python file: the module names and imported names, e.g. `time`, `logging`, `closing`. */
export function pythonImportedNames(root) {
    const names = new Set();
    for (const node of root.namedChildren) {
        if (node.type === 'import_statement') {
            for (const child of node.namedChildren) {
                const alias = child.type === 'aliased_import' ? child.childForFieldName('alias')?.text : undefined;
                names.add(alias ?? child.text.split('.')[0]);
            }
        }
        else if (node.type === 'import_from_statement') {
            const moduleName = node.childForFieldName('module_name');
            for (const child of node.namedChildren) {
                if (moduleName && child.id === moduleName.id)
                    continue;
                const alias = child.type === 'aliased_import' ? child.childForFieldName('alias')?.text : undefined;
                names.add(alias ?? child.text);
            }
        }
    }
    return names;
}
/** Names assigned at module level (`logger = logging.getLogger(...)`). */
export function moduleLevelNames(root) {
    const names = new Set();
    for (const node of root.namedChildren) {
        const inner = node.type === 'expression_statement' ? node.namedChildren[0] : node;
        if (!inner)
            continue;
        if (inner.type === 'assignment') {
            const left = inner.childForFieldName('left');
            if (left?.type === 'identifier')
                names.add(left.text);
        }
        else if (inner.type === 'lexical_declaration' || inner.type === 'variable_declaration') {
            for (const d of inner.namedChildren)
                if (d.type === 'variable_declarator')
                    names.add(d.childForFieldName('name')?.text ?? '');
        }
    }
    return names;
}
/** A Python logger in scope at module level (`logger`/`log`/`LOGGER`), or `logging` itself when imported. */
export function pythonLoggerExpr(root) {
    const names = moduleLevelNames(root);
    for (const candidate of ['logger', 'log', 'LOGGER', 'LOG', '_logger', '_log'])
        if (names.has(candidate))
            return candidate;
    if (pythonImportedNames(root).has('logging'))
        return 'logging';
    return undefined;
}
/** `try` statements: the try body block, the handlers and the finally block. */
export function tryParts(node) {
    const handlers = [];
    let finalizer;
    let elseClause;
    const body = node.childForFieldName('body') ?? undefined;
    for (const child of node.namedChildren) {
        if (child.type === 'except_clause' || child.type === 'except_group_clause' || child.type === 'catch_clause')
            handlers.push(child);
        else if (child.type === 'finally_clause')
            finalizer = child;
        else if (child.type === 'else_clause')
            elseClause = child;
    }
    const handler = node.childForFieldName('handler');
    if (handler && !handlers.some((h) => h.id === handler.id))
        handlers.push(handler);
    const fin = node.childForFieldName('finalizer');
    if (fin)
        finalizer = fin;
    return { body, handlers, finalizer, elseClause };
}
/** The block of an except/catch/finally/else clause. */
export function clauseBlock(clause) {
    return clause.childForFieldName('body') ?? clause.namedChildren.find((c) => c.type === 'block' || c.type === 'statement_block');
}
/** Whether a handler catches everything: bare `except`, `except Exception`/`BaseException`, any JS `catch`. */
export function handlerIsBroad(handler) {
    if (handler.type === 'catch_clause')
        return true;
    const typeNode = handler.namedChildren.find((c) => c.type !== 'block' && c.type !== 'comment');
    if (!typeNode)
        return true;
    const text = typeNode.type === 'as_pattern' ? (typeNode.namedChildren[0]?.text ?? '') : typeNode.text;
    return /\b(Base)?Exception\b/.test(text);
}
/** Line-wise "what would run": whether any sleep-like call appears in `node` (nested functions excluded). */
export const SLEEP_METHODS = new Set(['sleep', 'wait', 'wait_for', 'delay', 'setTimeout', 'sleepAsync']);
/** A callee for messages: arguments folded (`conn.execute("SELECT ...").fetchall` → `conn.execute(...).fetchall`). */
export function displayCallee(callee) {
    let out = '';
    let depth = 0;
    for (const ch of callee) {
        if (ch === '(') {
            if (depth === 0)
                out += '(';
            depth++;
        }
        else if (ch === ')') {
            depth = Math.max(0, depth - 1);
            if (depth === 0)
                out += '...)';
        }
        else if (depth === 0)
            out += ch;
    }
    return out.replace(/\(\.\.\.\)$/, '');
}
