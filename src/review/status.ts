// Check run / commit status: conclusion from `fail_on`, annotations for every finding of the change.
import type { CozeLoopConfig } from '../config/schema.js';
import { t } from '../core/i18n.js';
import { severityRank, TARGETS, type Finding, type Locale } from '../core/types.js';
import type { StatusConclusion, StatusReport } from '../platforms/platform.js';
import { compareFindings } from './rank.js';

export const STATUS_NAME = 'coze-loop';

/**
 * `success` with nothing to report, `failure` when a finding reaches `fail_on`, `neutral` otherwise. The bot
 * reads its config with `fail_on: none` unless the repository sets it (see `parseBotConfig`), so by default a
 * review never blocks a merge; the CLI keeps its `warning` default.
 */
export function conclusionFor(findings: Finding[], failOn: CozeLoopConfig['fail_on']): StatusConclusion {
  if (findings.length === 0) return 'success';
  if (failOn !== 'none' && findings.some((f) => severityRank(f.severity) >= severityRank(failOn))) return 'failure';
  return 'neutral';
}

const LEVEL = { info: 'notice', warning: 'warning', error: 'failure' } as const;

export function buildStatus(findings: Finding[], config: CozeLoopConfig, summary: string, locale: Locale = config.locale): StatusReport {
  const conclusion = conclusionFor(findings, config.fail_on);
  const counts = Object.fromEntries(TARGETS.map((target) => [target, findings.filter((f) => f.target === target).length]));
  const title =
    findings.length === 0
      ? t(locale, 'review.status.title.none')
      : t(locale, 'review.status.title.some', { count: findings.length, ...counts });
  const policy =
    config.fail_on === 'none'
      ? t(locale, 'review.status.summary.neutral')
      : t(locale, 'review.status.summary.failing', { failOn: config.fail_on });
  return {
    name: STATUS_NAME,
    conclusion,
    title,
    summary: `${policy}\n\n${summary}`,
    annotations: [...findings].sort(compareFindings).map((f) => ({
      path: f.path,
      startLine: f.line,
      endLine: f.line,
      level: LEVEL[f.severity],
      title: `${f.ruleId} (${f.target})`,
      message: f.message,
    })),
  };
}
