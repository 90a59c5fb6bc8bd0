// Go build constraints, read from a file's header: whether the `go` tool would never build a file into its package.
// `//go:build ignore` (or `// +build ignore`) is the idiom for a generator or example kept beside a package: it is not
// part of it, so a package scan must neither take its declarations nor spend its file budget on it.

/** A constraint expression: a tag, `!x`, `x && y`, `x || y`. */
type Expr = { tag: string } | { not: Expr } | { and: [Expr, Expr] } | { or: [Expr, Expr] };

/** More tags than this in one constraint: not enumerated, the file is taken to build (2^8 assignments at most). */
const MAX_TAGS = 8;

/**
 * True when no build configuration without the `ignore` tag includes the file: its `//go:build` line (or, without
 * one, its `// +build` lines) is false whatever the other tags are (`ignore`, `ignore && linux`, `linux && !linux`).
 * A platform constraint (`linux`, `!windows`) is satisfiable, so the file counts. An unreadable constraint counts too.
 */
export function goBuildExcludes(text: string): boolean {
  const expr = constraintOf(text);
  if (!expr) return false;
  const tags = [...tagsOf(expr, new Set<string>())].filter((t) => t !== 'ignore');
  if (tags.length > MAX_TAGS) return false;
  for (let mask = 0; mask < 1 << tags.length; mask++) {
    const on = new Set(tags.filter((_, i) => (mask & (1 << i)) !== 0));
    if (evaluate(expr, on)) return false;
  }
  return true;
}

/** The constraint of the header: the lines before the package clause (blank lines and `//` comments only). */
function constraintOf(text: string): Expr | undefined {
  let goBuild: string | undefined;
  const plusBuild: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    if (!line.startsWith('//')) break;
    if (line.startsWith('//go:build ')) goBuild ??= line.slice('//go:build '.length);
    else {
      const body = line.slice(2).trimStart();
      if (body.startsWith('+build ')) plusBuild.push(body.slice('+build '.length));
    }
  }
  if (goBuild !== undefined) return parse(goBuild);
  let out: Expr | undefined;
  for (const line of plusBuild) {
    const expr = plusLine(line);
    if (!expr) return undefined;
    out = out ? { and: [out, expr] } : expr;
  }
  return out;
}

/** `// +build a,b !c`: space-separated options (or), each comma-separated terms (and). */
function plusLine(line: string): Expr | undefined {
  let out: Expr | undefined;
  for (const option of line.split(' ').filter((o) => o !== '')) {
    let term: Expr | undefined;
    for (const part of option.split(',')) {
      const negated = part.startsWith('!');
      const tag = negated ? part.slice(1) : part;
      if (!isTag(tag)) return undefined;
      const one: Expr = negated ? { not: { tag } } : { tag };
      term = term ? { and: [term, one] } : one;
    }
    if (!term) return undefined;
    out = out ? { or: [out, term] } : term;
  }
  return out;
}

function isTag(s: string): boolean {
  if (s === '') return false;
  for (const ch of s) if (!/[A-Za-z0-9_.]/.test(ch)) return false;
  return true;
}

/** `//go:build` expressions: `||` over `&&` over `!` over tags and parentheses. Undefined when malformed. */
function parse(source: string): Expr | undefined {
  const tokens: string[] = [];
  for (let i = 0; i < source.length; ) {
    const ch = source[i]!;
    if (ch === ' ' || ch === '\t') i++;
    else if (ch === '(' || ch === ')' || ch === '!') tokens.push(ch), i++;
    else if ((ch === '&' || ch === '|') && source[i + 1] === ch) tokens.push(ch + ch), (i += 2);
    else {
      let j = i;
      while (j < source.length && /[A-Za-z0-9_.]/.test(source[j]!)) j++;
      if (j === i) return undefined;
      tokens.push(source.slice(i, j));
      i = j;
    }
  }
  // A constraint is a few tags; a line of thousands of parentheses is not read (nor recursed into).
  if (tokens.length > 200) return undefined;
  let at = 0;
  // `a || b || c` and `a && b`: left-associative chains of the next tighter level.
  const chain = (op: '||' | '&&', next: () => Expr | undefined): Expr | undefined => {
    let left = next();
    while (left && tokens[at] === op) {
      at++;
      const right = next();
      left = right === undefined ? undefined : op === '||' ? { or: [left, right] } : { and: [left, right] };
    }
    return left;
  };
  const or = (): Expr | undefined => chain('||', and);
  const and = (): Expr | undefined => chain('&&', unary);
  const unary = (): Expr | undefined => {
    const token = tokens[at++];
    if (token === '!') {
      const inner = unary();
      return inner ? { not: inner } : undefined;
    }
    if (token === '(') {
      const inner = or();
      return tokens[at++] === ')' ? inner : undefined;
    }
    return token !== undefined && isTag(token) ? { tag: token } : undefined;
  };
  const expr = or();
  return at === tokens.length ? expr : undefined;
}

function tagsOf(expr: Expr, out: Set<string>): Set<string> {
  if ('tag' in expr) out.add(expr.tag);
  else if ('not' in expr) tagsOf(expr.not, out);
  else for (const side of 'and' in expr ? expr.and : expr.or) tagsOf(side, out);
  return out;
}

function evaluate(expr: Expr, on: ReadonlySet<string>): boolean {
  if ('tag' in expr) return on.has(expr.tag);
  if ('not' in expr) return !evaluate(expr.not, on);
  if ('and' in expr) return evaluate(expr.and[0], on) && evaluate(expr.and[1], on);
  return evaluate(expr.or[0], on) || evaluate(expr.or[1], on);
}
