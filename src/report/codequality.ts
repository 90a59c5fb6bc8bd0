// `--format codequality`: GitLab's Code Quality report (a JSON array of CodeClimate-style issues).
import { createHash } from 'node:crypto';
import type { Finding, Severity, Target } from '../core/types.js';
import type { ReportContext } from './types.js';

const SEVERITY: Record<Severity, 'minor' | 'major' | 'critical'> = { info: 'minor', warning: 'major', error: 'critical' };
const CATEGORY: Record<Target, string> = { optimize: 'Performance', readability: 'Complexity', 'fix-bugs': 'Bug Risk' };

export interface CodeQualityIssue {
  type: 'issue';
  check_name: string;
  description: string;
  content: { body: string };
  categories: string[];
  fingerprint: string;
  severity: 'info' | 'minor' | 'major' | 'critical' | 'blocker';
  location: { path: string; lines: { begin: number; end?: number } };
  engine_name: string;
}

/**
 * GitLab matches issues between the base and head reports by fingerprint, so it must survive line moves (it builds
 * on the finding's loop fingerprint) yet be unique within a report (a loop can hold several findings of one rule).
 */
export function codeQualityFingerprints(findings: Finding[]): string[] {
  const seen = new Map<string, number>();
  return findings.map((finding) => {
    // Template data can carry line numbers, so only the occurrence index (findings are sorted by line) tells
    // apart two findings of one rule in one loop.
    const base = `${finding.ruleId}\0${finding.path}\0${finding.fingerprint}`;
    const occurrence = seen.get(base) ?? 0;
    seen.set(base, occurrence + 1);
    return createHash('md5').update(`${base}\0${occurrence}`).digest('hex');
  });
}

export function renderCodeQuality(context: ReportContext): string {
  const { findings } = context.result;
  const fingerprints = codeQualityFingerprints(findings);
  const issues: CodeQualityIssue[] = findings.map((finding, i) => ({
    type: 'issue',
    check_name: finding.ruleId,
    description: `${finding.message} [${finding.ruleId}]`,
    content: { body: finding.explanation },
    categories: [CATEGORY[finding.target]],
    fingerprint: fingerprints[i]!,
    severity: SEVERITY[finding.severity],
    location: { path: finding.path.replace(/\\/g, '/'), lines: { begin: finding.line } },
    engine_name: 'coze-loop',
  }));
  return `${JSON.stringify(issues, null, 2)}\n`;
}
