// Linear-time text helpers for patterns a regular expression cannot express without backtracking: trailing runs
// (`/x+$/` retries from every position of a run that is not at the end), "head ... then first closer" shapes
// (`/\.find\([^)]*\)/` rescans the tail from every head) and leading SQL comments. Every function here reads each
// character a bounded number of times, so a pull request full of spaces, separators or unclosed brackets costs no
// more than its length. Each one documents the regular expression it replaces; test/analysis/linear-regex.test.ts
// feeds them hostile input and checks that their time grows linearly.

/** Same set as the `\s` class of JavaScript regular expressions. */
export function isRegexSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** Line terminators: the characters `.` does not match. */
export function isLineTerminator(code: number): boolean {
  return code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029;
}

function isWordCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** First index at or after `from` that is not `\s`. */
export function skipSpaces(text: string, from = 0): number {
  let i = from;
  while (i < text.length && isRegexSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Index where the trailing run of `\s` begins (text.length when there is none). */
export function trailingSpaceStart(text: string, end = text.length): number {
  let i = end;
  while (i > 0 && isRegexSpace(text.charCodeAt(i - 1))) i--;
  return i;
}

/** `text.replace(/c+$/, '')` and, with `leading`, `/^c+|c+$/g`, for a one-character `c`. */
export function trimChar(text: string, char: string, leading = false): string {
  const code = char.charCodeAt(0);
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === code) end--;
  let start = 0;
  if (leading) while (start < end && text.charCodeAt(start) === code) start++;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** `text.replace(/(\(\))+$/, '')`: trailing empty call parentheses. */
export function trimTrailingCalls(text: string): string {
  let end = text.length;
  while (end >= 2 && text.charCodeAt(end - 1) === 41 && text.charCodeAt(end - 2) === 40) end -= 2;
  return end === text.length ? text : text.slice(0, end);
}

/** `text.replace(/\n\s*$/, '')`: the trailing whitespace from its first newline on. */
export function dropTrailingBlank(text: string): string {
  const start = trailingSpaceStart(text);
  const newline = text.indexOf('\n', start);
  return newline < 0 ? text : text.slice(0, newline);
}

/** `text.replace(/\s*\}$/, '')`: a closing brace at the very end with the whitespace before it. */
export function dropTrailingBrace(text: string): string {
  if (!text.endsWith('}')) return text;
  return text.slice(0, trailingSpaceStart(text, text.length - 1));
}

/** `text.replace(/\s*\n\s*\/g, by)`: every whitespace run that holds a newline becomes `by`. */
export function joinLines(text: string, by = ' '): string {
  return text.replace(/\s+/g, (run) => (run.includes('\n') ? by : run));
}

/** `text.replace(/:.*$/, '')`: from the first colon of the last line to the end. */
export function dropFromLastLineColon(text: string): string {
  let lineStart = text.length;
  while (lineStart > 0 && !isLineTerminator(text.charCodeAt(lineStart - 1))) lineStart--;
  const colon = text.indexOf(':', lineStart);
  return colon < 0 ? text : text.slice(0, colon);
}

/** `text.replace(/__\w+$/, '')`: a Django lookup suffix (`status__in` → `status`). */
export function dropLookupSuffix(text: string): string {
  let run = text.length;
  while (run > 0 && isWordCode(text.charCodeAt(run - 1))) run--;
  const at = text.indexOf('__', run);
  return at >= 0 && at + 2 < text.length ? text.slice(0, at) : text;
}

/** The position where `/(\s*;?\s*)$/` matches: trailing whitespace with at most one semicolon in it. */
export function statementEnd(sql: string): number {
  const end = trailingSpaceStart(sql);
  return end > 0 && sql.charCodeAt(end - 1) === 59 ? trailingSpaceStart(sql, end - 1) : end;
}

/**
 * The first match of `head` (a global or sticky-free regex without nested quantifiers) followed, after it, by the
 * first `closer`: `/HEAD[^)]*\)/` without rescanning the tail from every head. Returns [start, endAfterCloser]. If the
 * first head has no closer after it, no later head has one either, so one search answers for all.
 */
export function headThenFirst(text: string, head: RegExp, closer: string): [number, number] | undefined {
  const m = head.exec(text);
  if (!m) return undefined;
  const after = m.index + m[0].length;
  const close = text.indexOf(closer, after);
  return close < 0 ? undefined : [m.index, close + closer.length];
}

/**
 * `/HEAD[\s\S]*CLOSER/` (greedy: up to the last closer): [start of the first head, end of its match, index of the
 * last closer], or undefined.
 */
export function headThenLast(text: string, head: RegExp, closer: string): [number, number, number] | undefined {
  const m = head.exec(text);
  if (!m) return undefined;
  const after = m.index + m[0].length;
  const close = text.lastIndexOf(closer);
  return close < after ? undefined : [m.index, after, close];
}

/**
 * `/HEAD.*TAIL/.test(text)` where `.` stops at line ends: on some line, a head with a tail after it. Only the first
 * head of a line matters: any tail after a later head is after the first one too. `tail` must not be global.
 */
export function headThenTailOnLine(text: string, head: string, tail: RegExp): boolean {
  let from = 0;
  while (from <= text.length) {
    const at = text.indexOf(head, from);
    if (at < 0) return false;
    let lineEnd = at + head.length;
    while (lineEnd < text.length && !isLineTerminator(text.charCodeAt(lineEnd))) lineEnd++;
    if (tail.test(text.slice(at + head.length, lineEnd))) return true;
    from = lineEnd + 1;
  }
  return false;
}

/** `/<!--[\s\S]*?-->\n?/g` replaced by '': hidden HTML comments, stopping at the first one that is not closed. */
export function stripHtmlComments(text: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const open = text.indexOf('<!--', from);
    if (open < 0) break;
    const close = text.indexOf('-->', open + 4);
    if (close < 0) break;
    out += text.slice(from, open);
    from = close + 3;
    if (text.charCodeAt(from) === 10) from++;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * The first word of a SQL statement after leading whitespace and comments (`-- ...` lines, `/* ... *\/` blocks),
 * as `/^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*([A-Za-z]+)/` found it, or undefined.
 */
export function leadingSqlWord(sql: string): string | undefined {
  let i = skipSpaces(sql);
  for (;;) {
    if (sql.startsWith('--', i)) {
      const newline = sql.indexOf('\n', i + 2);
      if (newline < 0) return undefined;
      i = skipSpaces(sql, newline + 1);
    } else if (sql.startsWith('/*', i)) {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) return undefined;
      i = skipSpaces(sql, close + 2);
    } else break;
  }
  let j = i;
  for (; j < sql.length; j++) {
    const c = sql.charCodeAt(j) | 0x20;
    if (c < 97 || c > 122) break;
  }
  return j > i ? sql.slice(i, j) : undefined;
}

/**
 * The leftmost match of `/\s+KEYWORD/` style patterns without retrying inside a run of spaces: `pattern` must begin
 * with `(?<!\s)\s+` and carry the `g` flag; the search starts at `from`.
 */
export function searchFrom(text: string, pattern: RegExp, from: number): RegExpExecArray | null {
  pattern.lastIndex = from;
  return pattern.exec(text);
}

/**
 * Quoted strings of one line replaced by `""` (a backslash escapes the next character), for telling code from
 * comments. `/(["'`])(?:\\.|(?!\1).)*\1/g` did this in exponential time (a backslash was both an escape and a
 * character) and, even without that, rescanned the rest of the line from every quote inside an unclosed string. A
 * scan that fails to close a quote fails the same way from every later quote of that kind before where it stopped
 * (its escapes are in step), so those are not tried again.
 */
export function blankStrings(line: string): string {
  const deadUntil: Record<number, number> = { 34: -1, 39: -1, 96: -1 };
  let out = '';
  let last = 0;
  let i = 0;
  while (i < line.length) {
    const quote = line.charCodeAt(i);
    if ((quote === 34 || quote === 39 || quote === 96) && i >= deadUntil[quote]!) {
      let j = i + 1;
      let closed = -1;
      while (j < line.length) {
        const c = line.charCodeAt(j);
        if (c === 92) {
          if (j + 1 < line.length && !isLineTerminator(line.charCodeAt(j + 1))) {
            j += 2;
            continue;
          }
          break;
        }
        if (c === quote) {
          closed = j;
          break;
        }
        if (isLineTerminator(c)) break;
        j++;
      }
      if (closed >= 0) {
        out += `${line.slice(last, i)}""`;
        i = last = closed + 1;
        continue;
      }
      deadUntil[quote] = j;
    }
    i++;
  }
  return last === 0 ? line : out + line.slice(last);
}
