// Ordering of findings when only some fit: the most severe first, then the most money at stake.
import { severityRank, type Finding } from '../core/types.js';

const CONFIDENCE_RANK = { high: 2, medium: 1, low: 0 } as const;

export function monthlySaving(finding: Finding): number {
  const monthly = finding.cost?.monthly;
  return monthly ? Math.max(0, monthly.before - monthly.after) : 0;
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    monthlySaving(b) - monthlySaving(a) ||
    Number(b.cost !== undefined) - Number(a.cost !== undefined) ||
    CONFIDENCE_RANK[b.confidence] - CONFIDENCE_RANK[a.confidence] ||
    a.path.localeCompare(b.path) ||
    a.line - b.line ||
    a.ruleId.localeCompare(b.ruleId)
  );
}

/**
 * Comment keys: the finding's fingerprint, made unique within a file when a rule reports twice on one loop
 * (same rule + path + loop text). The suffix uses `n`, which never occurs in the hex fingerprint.
 */
export function assignKeys(findings: Finding[]): Map<Finding, string> {
  const keys = new Map<Finding, string>();
  const seen = new Map<string, number>();
  const ordered = [...findings].sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.ruleId.localeCompare(b.ruleId));
  for (const finding of ordered) {
    const count = seen.get(finding.fingerprint) ?? 0;
    seen.set(finding.fingerprint, count + 1);
    keys.set(finding, count === 0 ? finding.fingerprint : `${finding.fingerprint}n${count}`);
  }
  return keys;
}
