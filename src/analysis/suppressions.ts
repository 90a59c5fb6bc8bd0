// Inline suppressions: `coze-loop: ignore` (every rule) or `coze-loop: ignore[rule-a, rule-b]` in a comment.
// Detected textually per line so that it works the same for every grammar, and on files that do not parse.

const MARKER = /coze-loop:\s*ignore(?:\[([^\]]*)\])?/;

/**
 * Lines (1-based) carrying a suppression comment; the value lists the rule ids, empty meaning all rules.
 * Only text after the comment prefix counts, so a string containing the marker does not suppress anything
 * unless it is followed by a comment on the same line.
 */
export function findSuppressions(source: string, commentPrefix: '#' | '//'): Map<number, string[]> {
  const result = new Map<number, string[]>();
  if (!source.includes('coze-loop')) return result;
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const at = line.indexOf('coze-loop');
    if (at < 0) continue;
    const prefixes = commentPrefix === '//' ? ['//', '/*'] : ['#'];
    let commentStart = -1;
    for (const prefix of prefixes) {
      const p = line.lastIndexOf(prefix, at);
      if (p >= 0 && p > commentStart) commentStart = p;
    }
    // A JSDoc/block comment continuation line (` * coze-loop: ignore`) counts too.
    if (commentStart < 0 && commentPrefix === '//' && /^\s*\*/.test(line)) commentStart = line.indexOf('*');
    if (commentStart < 0) continue;
    const match = MARKER.exec(line.slice(commentStart));
    if (!match) continue;
    const ids = match[1] === undefined ? [] : match[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    const existing = result.get(i + 1);
    if (existing && (existing.length === 0 || ids.length === 0)) result.set(i + 1, []);
    else result.set(i + 1, [...(existing ?? []), ...ids]);
  }
  return result;
}

/** Whether a finding of `ruleId` on any of `lines` is suppressed. */
export function isSuppressed(suppressions: Map<number, string[]>, ruleId: string, lines: Iterable<number>): boolean {
  for (const line of lines) {
    const ids = suppressions.get(line);
    if (ids && (ids.length === 0 || ids.includes(ruleId))) return true;
  }
  return false;
}

/**
 * Peer linters' suppressions, by line (1-based) → the lower-cased codes they silence there: `# noqa: B023`,
 * `# pylint: disable=cell-var-from-loop` (Python, on the line), `// eslint-disable-line no-loop-func` (the line) and
 * `// eslint-disable-next-line no-loop-func` (the line below). A bare `# noqa` names no code and counts for nothing:
 * it may silence any check. A rule lists the peers' codes for the same problem (`peer_codes:` in its rule.yml); the
 * author who dismissed that problem for the peer has dismissed it here too.
 */
export function findPeerSuppressions(source: string, commentPrefix: '#' | '//'): Map<number, string[]> {
  const result = new Map<number, string[]>();
  const add = (line: number, codes: string) => {
    // A plugin's rule also counts by its own name (`@typescript-eslint/no-floating-promises` is `no-floating-promises`).
    const list = codes
      .split(/[\s,]+/)
      .map((c) => c.trim().toLowerCase())
      .flatMap((c) => (c.includes('/') ? [c, c.slice(c.lastIndexOf('/') + 1)] : [c]))
      .filter((c) => /^[a-z0-9][a-z0-9/-]*$/.test(c));
    if (list.length > 0) result.set(line, [...(result.get(line) ?? []), ...list]);
  };
  if (commentPrefix === '#') {
    if (!source.includes('noqa') && !source.includes('pylint')) return result;
    const lines = source.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const hash = line.indexOf('#');
      if (hash < 0) continue;
      const comment = line.slice(hash);
      const noqa = /#\s*noqa\s*:\s*([A-Za-z0-9, ]+)/i.exec(comment);
      if (noqa) add(i + 1, noqa[1]!);
      const pylint = /pylint\s*:\s*disable\s*=\s*([A-Za-z0-9,\- ]+)/.exec(comment);
      if (pylint) add(i + 1, pylint[1]!);
    }
    return result;
  }
  if (!source.includes('eslint-disable')) return result;
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /(?:\/\/|\/\*)\s*eslint-disable-(line|next-line)\s+([^*\n]*?)(?:\s+--.*)?(?:\*\/|$)/.exec(lines[i]!);
    if (match) add(match[1] === 'line' ? i + 1 : i + 2, match[2]!);
  }
  return result;
}

/** Whether a peer suppression of one of `codes` sits on any of `lines`. */
export function peerSuppressed(peers: Map<number, string[]>, codes: readonly string[], lines: Iterable<number>): boolean {
  for (const line of lines) {
    const silenced = peers.get(line);
    if (silenced && codes.some((c) => silenced.includes(c.toLowerCase()))) return true;
  }
  return false;
}
