// The exit codes of every coze-loop command (the CLI, `coze-loop review` in CI) and the one rule that turns findings
// into one: 0 nothing at or above `fail_on`, 1 findings at or above it, 2 a usage or set-up error.
import { SEVERITIES, severityRank, type Finding } from './types.js';

/** `fail_on`: the lowest severity that fails the run, or none. */
export type FailOn = 'none' | (typeof SEVERITIES)[number];

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
/** A usage, set-up or configuration error. */
export const EXIT_ERROR = 2;

export function exitCodeFor(findings: Finding[], failOn: FailOn): number {
  if (failOn === 'none') return EXIT_OK;
  const threshold = severityRank(failOn);
  return findings.some((f) => severityRank(f.severity) >= threshold) ? EXIT_FINDINGS : EXIT_OK;
}
