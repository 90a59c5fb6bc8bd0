// Globs from repository config (`include:`, `exclude:`) matched in time linear in the path, whatever the pattern:
// a backtracking regex turns `**/*a*a*a*a*a*a*a*a*a*b` into seconds per file name. The pattern is compiled to a small
// automaton and every path is run through it once, tracking the set of live positions (Thompson's construction), so
// the cost is at most path length times pattern length.
//
// Syntax, as picomatch reads it with `dot: true`: `*` any run within a segment, `?` one character but `/`,
// `**` as a whole segment any number of segments (`a/**` matches `a` too), `[abc]`, `[a-z]`, `[!x]`/`[^x]`,
// `{a,b}` alternatives (nested too), `\` escapes the next character.

/** Upper bounds that keep a single pattern cheap to compile and to run. */
export const GLOB_LIMITS = { maxLength: 512, maxAlternatives: 64, maxPatterns: 500, maxStarsPerSegment: 3 } as const;

type Token =
  | { kind: 'char'; char: string }
  | { kind: 'one' }
  | { kind: 'star' }
  | { kind: 'dirs' }
  | { kind: 'all' }
  | { kind: 'class'; negated: boolean; ranges: Array<[string, string]> };

export class GlobError extends Error {}

/** `{a,b}` expanded into separate patterns (nested braces too), at most GLOB_LIMITS.maxAlternatives of them. */
function expandBraces(pattern: string): string[] {
  let open = -1;
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      i += 1;
      continue;
    }
    if (ch === '{') {
      if (depth === 0) open = i;
      depth += 1;
    } else if (ch === '}' && depth > 0) {
      depth -= 1;
      if (depth === 0) {
        const parts: string[] = [];
        let level = 0;
        let start = open + 1;
        for (let j = open + 1; j < i; j++) {
          const c = pattern[j];
          if (c === '\\') j += 1;
          else if (c === '{') level += 1;
          else if (c === '}') level -= 1;
          else if (c === ',' && level === 0) {
            parts.push(pattern.slice(start, j));
            start = j + 1;
          }
        }
        parts.push(pattern.slice(start, i));
        // `{a}` without a comma is literal, as in bash.
        if (parts.length === 1) continue;
        const out: string[] = [];
        for (const part of parts) {
          for (const expanded of expandBraces(pattern.slice(0, open) + part + pattern.slice(i + 1))) {
            out.push(expanded);
            if (out.length > GLOB_LIMITS.maxAlternatives) throw new GlobError(`more than ${GLOB_LIMITS.maxAlternatives} {a,b} alternatives`);
          }
        }
        return out;
      }
    }
  }
  return [pattern];
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) {
      tokens.push({ kind: 'char', char: pattern[i + 1]! });
      i += 2;
    } else if (ch === '*') {
      let end = i;
      while (pattern[end] === '*') end += 1;
      const wholeSegment = end - i >= 2 && (i === 0 || pattern[i - 1] === '/') && (end === pattern.length || pattern[end] === '/');
      if (!wholeSegment) tokens.push({ kind: 'star' });
      else if (end === pattern.length) tokens.push({ kind: 'all' });
      else {
        tokens.push({ kind: 'dirs' });
        end += 1; // the slash is part of `**/`
      }
      i = end;
    } else if (ch === '?') {
      tokens.push({ kind: 'one' });
      i += 1;
    } else if (ch === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) {
        tokens.push({ kind: 'char', char: '[' });
        i += 1;
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      const ranges: Array<[string, string]> = [];
      for (let j = 0; j < body.length; j++) {
        if (body[j + 1] === '-' && j + 2 < body.length) {
          ranges.push([body[j]!, body[j + 2]!]);
          j += 2;
        } else ranges.push([body[j]!, body[j]!]);
      }
      tokens.push({ kind: 'class', negated, ranges });
      i = close + 1;
    } else {
      tokens.push({ kind: 'char', char: ch });
      i += 1;
    }
  }
  return tokens;
}

function classMatches(token: Extract<Token, { kind: 'class' }>, ch: string): boolean {
  if (ch === '/') return false;
  const inside = token.ranges.some(([low, high]) => ch >= low && ch <= high);
  return inside !== token.negated;
}

/** Whether `tokens` match all of `path`: one pass over the path, a set of live token positions. */
function run(tokens: Token[], path: string): boolean {
  const m = tokens.length;
  let live = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  const close = (set: Uint8Array) => {
    // Only `*`, `**/` and `**` can match nothing, and they only skip forward: one ascending pass closes the set.
    for (let i = 0; i < m; i++) {
      const kind = tokens[i]!.kind;
      if (set[i] && (kind === 'star' || kind === 'dirs' || kind === 'all')) set[i + 1] = 1;
    }
  };
  live[0] = 1;
  close(live);
  for (let p = 0; p < path.length; p++) {
    const ch = path[p]!;
    next.fill(0);
    let any = false;
    for (let i = 0; i < m; i++) {
      if (!live[i]) continue;
      const token = tokens[i]!;
      switch (token.kind) {
        case 'char':
          if (token.char === ch) next[i + 1] = 1;
          break;
        case 'one':
          if (ch !== '/') next[i + 1] = 1;
          break;
        case 'class':
          if (classMatches(token, ch)) next[i + 1] = 1;
          break;
        case 'star':
          if (ch !== '/') next[i] = 1;
          break;
        case 'dirs':
          next[i] = 1;
          if (ch === '/') next[i + 1] = 1;
          break;
        case 'all':
          next[i] = 1;
          break;
      }
    }
    close(next);
    for (let i = 0; i <= m; i++) if (next[i]) any = true;
    if (!any) return false;
    [live, next] = [next, live];
  }
  return live[m] === 1;
}

/** Compiles one pattern; throws GlobError when it is over the limits. */
function compileOne(pattern: string): Token[][] {
  if (pattern.length > GLOB_LIMITS.maxLength) throw new GlobError(`longer than ${GLOB_LIMITS.maxLength} characters`);
  const variants: string[] = [];
  for (const expanded of expandBraces(pattern)) {
    // `a/**` also matches `a` itself.
    if (expanded.endsWith('/**') && expanded.length > 3) variants.push(expanded.slice(0, -3));
    variants.push(expanded);
  }
  return variants.map(tokenize);
}

/** A predicate true when any of the patterns matches the whole path. Throws GlobError naming the bad pattern. */
export function compileGlobs(patterns: string[]): (path: string) => boolean {
  if (patterns.length > GLOB_LIMITS.maxPatterns) throw new GlobError(`more than ${GLOB_LIMITS.maxPatterns} patterns`);
  const compiled: Token[][] = [];
  for (const pattern of patterns) compiled.push(...compileOne(pattern));
  return (path) => compiled.some((tokens) => run(tokens, path));
}

/**
 * Why a pattern cannot be used, or undefined: for config validation, so the error names the key. The automaton here
 * needs no limit on wildcards; the CLI's matcher (picomatch) does, as picomatch's regexes backtrack: `*` runs per
 * path segment are capped so the worst case stays small on any file name.
 */
export function globProblem(pattern: string): string | undefined {
  for (const segment of pattern.split('/')) {
    if (segment === '**') continue;
    const stars = segment.split(/\*+/).length - 1;
    if (stars > GLOB_LIMITS.maxStarsPerSegment) return `more than ${GLOB_LIMITS.maxStarsPerSegment} * wildcards in one path segment`;
  }
  try {
    compileOne(pattern);
    return undefined;
  } catch (error) {
    return error instanceof GlobError ? error.message : String(error);
  }
}

/** `apis:` patterns become anchored regexes in the knowledge base: few wildcards keep them cheap on long callee names. */
export const API_PATTERN_LIMITS = { maxLength: 200, maxWildcards: 3 } as const;

export function apiPatternProblem(pattern: string): string | undefined {
  if (pattern.length > API_PATTERN_LIMITS.maxLength) return `longer than ${API_PATTERN_LIMITS.maxLength} characters`;
  let wildcards = 0;
  for (let i = 0; i < pattern.length; i++) if (pattern[i] === '*' && pattern[i - 1] !== '*') wildcards += 1;
  if (wildcards > API_PATTERN_LIMITS.maxWildcards) return `more than ${API_PATTERN_LIMITS.maxWildcards} * wildcards`;
  return undefined;
}
