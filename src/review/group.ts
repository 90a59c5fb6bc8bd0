// Repeats of one problem in one file become one review comment (config `review.group_repeats`). On code in the wild
// one pattern repeated through a file (nine background writes of one adapter, nine hand-offs of one thread to an
// event loop) was most of a review's comments: a reviewer reads the first, decides, and has to dismiss the other eight
// one by one. Findings of the same rule and variant in the same file, none of them commented yet, are posted as one
// comment on the first (its diagnosis, cost and patch) that lists the others with their lines and messages. Every
// finding still counts in the summary's totals, the status and its annotations.
//
// The comment carries a group key in place of the head's fingerprint, made from the rule, variant and path, so that
// it survives pushes: while the comment is open, every finding of its group (new ones too) counts as commented; when
// none of the group's findings is left, the comment is marked fixed like any other.
import { createHash } from 'node:crypto';
import type { Finding } from '../core/types.js';

/** The key of the group a finding belongs to: `g` and 32 hex digits (a fingerprint never starts with `g`). */
export function groupKey(finding: Finding): string {
  const digest = createHash('sha256').update(`group\n${finding.ruleId}\n${finding.variant ?? 'default'}\n${finding.path}`).digest('hex');
  return `g${digest.slice(0, 32)}`;
}

export interface Grouped {
  /** The findings to post, in the order given: a group's first member stands for its group. */
  heads: Finding[];
  /** For each head of a group, the other members, in line order. */
  repeats: Map<Finding, Finding[]>;
}

/**
 * Folds `fresh` (findings about to be posted, in posting order) into groups of at least `threshold` findings of one
 * rule, variant and file; `threshold` 0 or 1 posts every finding on its own. A group's head is its first finding in
 * `fresh`, so the order of the comments is the order of their heads.
 */
export function groupRepeats(fresh: Finding[], threshold: number): Grouped {
  const keys = fresh.map(groupKey);
  const byKey = new Map<string, Finding[]>();
  fresh.forEach((finding, i) => {
    const members = byKey.get(keys[i]!);
    if (members) members.push(finding);
    else byKey.set(keys[i]!, [finding]);
  });
  const heads: Finding[] = [];
  const repeats = new Map<Finding, Finding[]>();
  for (const [i, finding] of fresh.entries()) {
    const members = byKey.get(keys[i]!)!;
    if (threshold < 2 || members.length < threshold) {
      heads.push(finding);
      continue;
    }
    if (members[0] !== finding) continue;
    heads.push(finding);
    repeats.set(finding, members.slice(1).sort((a, b) => a.line - b.line));
  }
  return { heads, repeats };
}
