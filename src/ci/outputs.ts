// Step outputs for GitHub Actions: when GITHUB_OUTPUT names the step's output file, `coze-loop review` appends the
// counts there (`findings=3`), so a workflow (and the coze-loop action's `outputs:`) can branch on them.
import { appendFileSync } from 'node:fs';
import type { Finding } from '../core/types.js';

export interface ReviewCounts {
  findings: Finding[];
  posted: number;
  conclusion: string;
  exitCode: number;
  sarif?: string;
}

/** The `name=value` lines written; values are numbers and single words, so no multi-line delimiter is needed. */
export function actionOutputLines(counts: ReviewCounts): string[] {
  const bySeverity = (severity: Finding['severity']): number => counts.findings.filter((f) => f.severity === severity).length;
  const lines = [
    `findings=${counts.findings.length}`,
    `errors=${bySeverity('error')}`,
    `warnings=${bySeverity('warning')}`,
    `notices=${bySeverity('info')}`,
    `posted=${counts.posted}`,
    `conclusion=${counts.conclusion}`,
    `exit-code=${counts.exitCode}`,
  ];
  if (counts.sarif !== undefined && !/[\r\n]/.test(counts.sarif)) lines.push(`sarif=${counts.sarif}`);
  return lines;
}

/** Appends the outputs when running as a GitHub Actions step; returns false when there is nowhere (or no way) to write. */
export function writeActionOutputs(env: NodeJS.ProcessEnv, counts: ReviewCounts): boolean {
  const file = env.GITHUB_OUTPUT;
  if (!file) return false;
  try {
    appendFileSync(file, `${actionOutputLines(counts).join('\n')}\n`);
    return true;
  } catch {
    return false;
  }
}
