// tree-sitter registry: one parser per language, created on first use and reused (creating parsers and loading
// grammars per file would dominate the run time on large trees).
import Parser from 'tree-sitter';
import JavaScript from 'tree-sitter-javascript';
import Python from 'tree-sitter-python';
import TypeScriptGrammars from 'tree-sitter-typescript';
const EXTENSIONS = {
    '.py': 'python',
    '.pyi': 'python',
    '.js': 'javascript',
    '.mjs': 'javascript',
    '.cjs': 'javascript',
    '.jsx': 'javascript',
    '.ts': 'typescript',
    '.mts': 'typescript',
    '.cts': 'typescript',
    '.tsx': 'tsx',
};
/** Language by file extension; `undefined` for anything coze-loop does not analyse (including `.d.ts`). */
export function languageForPath(path) {
    const lower = path.toLowerCase();
    if (/\.d\.[mc]?ts$/.test(lower))
        return undefined;
    const dot = lower.lastIndexOf('.');
    if (dot < 0 || dot < lower.lastIndexOf('/'))
        return undefined;
    return EXTENSIONS[lower.slice(dot)];
}
export function grammarFor(language) {
    switch (language) {
        case 'python':
            return Python;
        case 'javascript':
            return JavaScript;
        case 'typescript':
            return TypeScriptGrammars.typescript;
        case 'tsx':
            return TypeScriptGrammars.tsx;
    }
}
const parsers = new Map();
function parserFor(language) {
    let parser = parsers.get(language);
    if (!parser) {
        parser = new Parser();
        parser.setLanguage(grammarFor(language));
        parsers.set(language, parser);
    }
    return parser;
}
/** Parses `source`; tree-sitter always returns a tree, with ERROR nodes where the code does not parse. */
export function parseSource(language, source) {
    const tree = parseWithBudget(language, source);
    if (!tree)
        throw new Error(`coze-loop: tree-sitter returned no tree for ${language}`);
    return tree;
}
/** Like parseSource but gives up after `timeoutMs`, so that one pathological file cannot hang a review. */
export function parseWithBudget(language, source, options = {}) {
    const parser = parserFor(language);
    const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
    try {
        const tree = parser.parse(source, null, deadline === undefined ? undefined : { progressCallback: () => Date.now() > deadline });
        return tree ?? undefined;
    }
    finally {
        // A cancelled parse would otherwise resume on the next call with a different input.
        parser.reset();
    }
}
/** True when the tree has no ERROR or MISSING nodes. */
export function parsesCleanly(tree) {
    return !tree.rootNode.hasError;
}
