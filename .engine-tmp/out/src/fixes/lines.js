export function splitLines(source) {
    return source.split(/\r?\n/);
}
/** Text of a 1-based line without its newline ('' beyond the end). */
export function lineAt(source, line) {
    return splitLines(source)[line - 1] ?? '';
}
export function leadingWhitespace(text) {
    return /^[ \t]*/.exec(text)?.[0] ?? '';
}
/** Offset of the first character of a 1-based line. */
export function lineStartOffset(source, line) {
    let offset = 0;
    for (let current = 1; current < line; current++) {
        const next = source.indexOf('\n', offset);
        if (next < 0)
            return source.length;
        offset = next + 1;
    }
    return offset;
}
/** Offset just past the last character of a 1-based line (before its `\r\n` / `\n`). */
export function lineEndOffset(source, line) {
    const start = lineStartOffset(source, line);
    const newline = source.indexOf('\n', start);
    if (newline < 0)
        return source.length;
    return source[newline - 1] === '\r' ? newline - 1 : newline;
}
export function lineOfOffset(source, offset) {
    let line = 1;
    for (let i = 0; i < offset && i < source.length; i++)
        if (source.charCodeAt(i) === 10)
            line++;
    return line;
}
/**
 * Applies character-offset edits and returns the rewritten whole-line range that contains them all.
 * Edits must not overlap; their order does not matter.
 */
export function rewriteLines(source, edits) {
    if (edits.length === 0)
        throw new Error('rewriteLines: no edits');
    const sorted = [...edits].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
        if (sorted[i].start < sorted[i - 1].end)
            throw new Error('rewriteLines: overlapping edits');
    }
    const startLine = lineOfOffset(source, sorted[0].start);
    const lastEnd = Math.max(...sorted.map((edit) => edit.end));
    // An edit that ends right after a newline belongs to the line before it.
    const endLine = lineOfOffset(source, lastEnd > sorted[0].start && source[lastEnd - 1] === '\n' ? lastEnd - 1 : lastEnd);
    const from = lineStartOffset(source, startLine);
    const to = lineEndOffset(source, endLine);
    let code = '';
    let cursor = from;
    for (const edit of sorted) {
        code += source.slice(cursor, edit.start) + edit.text;
        cursor = edit.end;
    }
    code += source.slice(cursor, to);
    return { startLine, endLine, code: code.replace(/\r\n/g, '\n') };
}
/** Replaces whole lines: the returned rewrite's code is `lines` joined. */
export function replaceWholeLines(startLine, endLine, lines) {
    return { startLine, endLine, code: lines.join('\n') };
}
/** Guesses the file's indentation step: the most common positive indent increase between lines. */
export function detectIndentUnit(source, language) {
    const counts = new Map();
    let previous = '';
    for (const line of splitLines(source)) {
        if (line.trim() === '')
            continue;
        const indent = leadingWhitespace(line);
        if (indent.length > previous.length && indent.startsWith(previous)) {
            const step = indent.slice(previous.length);
            counts.set(step, (counts.get(step) ?? 0) + 1);
        }
        previous = indent;
    }
    let best = '';
    let bestCount = 0;
    for (const [step, count] of counts) {
        if (count > bestCount) {
            best = step;
            bestCount = count;
        }
    }
    if (best)
        return best;
    return language === 'python' ? '    ' : '  ';
}
/** Adds `prefix` in front of every non-blank line. */
export function indentText(text, prefix) {
    return text
        .split('\n')
        .map((line) => (line.trim() === '' ? '' : prefix + line))
        .join('\n');
}
/** Removes the indentation common to all non-blank lines. */
export function dedentText(text) {
    const lines = text.split('\n');
    let common;
    for (const line of lines) {
        if (line.trim() === '')
            continue;
        const indent = leadingWhitespace(line);
        if (common === undefined)
            common = indent;
        else {
            let i = 0;
            while (i < common.length && i < indent.length && common[i] === indent[i])
                i++;
            common = common.slice(0, i);
        }
    }
    const cut = common?.length ?? 0;
    return lines.map((line) => (line.trim() === '' ? '' : line.slice(cut))).join('\n');
}
/** Moves a block from its current indentation to `targetIndent`. */
export function reindentText(text, targetIndent) {
    return indentText(dedentText(text), targetIndent);
}
/**
 * Text of a node as it sits in whole lines: the first line is completed with the characters before the node
 * (its indentation), so that re-indenting keeps relative indentation right.
 */
export function wholeLineText(source, startLine, endLine) {
    return source.slice(lineStartOffset(source, startLine), lineEndOffset(source, endLine)).replace(/\r\n/g, '\n');
}
/** Python triple-quoted strings change meaning when re-indented; callers fall back to a block fix then. */
export function hasMultilineString(text) {
    return /("""|''')[\s\S]*\n[\s\S]*\1/.test(text) || /`[^`]*\n[^`]*`/.test(text);
}
export function replaceFix(rewrite, options) {
    return {
        kind: 'replace',
        safety: options.safety,
        description: options.description,
        startLine: rewrite.startLine,
        endLine: rewrite.endLine,
        code: rewrite.code,
        language: options.language,
    };
}
export function blockFix(code, span, options) {
    return {
        kind: 'block',
        safety: options.safety,
        description: options.description,
        startLine: span.startLine,
        endLine: span.endLine,
        code,
        language: options.language,
    };
}
/** Fence language for code blocks and suggestions. */
export function fenceLanguage(language) {
    if (language === 'python')
        return 'python';
    if (language === 'javascript')
        return 'javascript';
    if (language === 'tsx')
        return 'tsx';
    return 'typescript';
}
