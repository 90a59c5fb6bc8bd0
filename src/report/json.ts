// `--format json`: the findings with cost and fix, plus what was skipped and why. Stable shape for scripts.
import { SEVERITIES, TARGETS, type Severity, type Target } from '../core/types.js';
import type { ReportContext } from './types.js';

export const JSON_REPORT_VERSION = 1;

export function renderJson(context: ReportContext): string {
  const { result } = context;
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byTarget = Object.fromEntries(TARGETS.map((s) => [s, 0])) as Record<Target, number>;
  for (const finding of result.findings) {
    bySeverity[finding.severity]++;
    byTarget[finding.target]++;
  }
  const report = {
    tool: { name: 'coze-loop', version: context.toolVersion },
    reportVersion: JSON_REPORT_VERSION,
    locale: context.locale,
    summary: {
      filesAnalyzed: result.filesAnalyzed,
      filesSkipped: result.skipped.length,
      findings: result.findings.length,
      bySeverity,
      byTarget,
    },
    findings: result.findings,
    skipped: result.skipped,
    notes: result.notes,
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
