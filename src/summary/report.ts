// The weekly report: what the loops of a whole repository cost, and what changed since last week. The numbers for
// next week's comparison travel inside the issue body (a hidden, compressed block), so nothing is lost when the
// service restarts or moves.
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import type { CozeLoopConfig } from '../config/schema.js';
import { t } from '../core/i18n.js';
import { isoWeek } from '../core/iso-week.js';
import { SEVERITIES, TARGETS, severityRank, type AnalysisResult, type Finding, type Locale } from '../core/types.js';

export { isoWeek };

export const REPORT_TITLE_PREFIX = 'coze-loop weekly loop report:';
export const REPORT_LABEL = 'coze-loop';
const DATA_MARKER = /<!-- coze-loop:weekly-data:([A-Za-z0-9+/=]+) -->/;
const MAX_STORED_FINDINGS = 2_000;
const HISTORY_WEEKS = 8;

export function reportTitle(week: string): string {
  return `${REPORT_TITLE_PREFIX} ${week}`;
}

const historySchema = z.object({ week: z.string(), findings: z.number(), monthly: z.number() });
const weeklyDataSchema = z.object({
  version: z.literal(1),
  week: z.string(),
  sha: z.string(),
  /** [fingerprint, ruleId, path] of every finding (bounded). */
  findings: z.array(z.tuple([z.string(), z.string(), z.string()])),
  truncated: z.boolean(),
  history: z.array(historySchema),
});
export type WeeklyData = z.infer<typeof weeklyDataSchema>;

export function encodeWeeklyData(data: WeeklyData): string {
  return `<!-- coze-loop:weekly-data:${gzipSync(JSON.stringify(data)).toString('base64')} -->`;
}

/** The data hidden in an earlier report, or null when it is absent or unreadable (then nothing is "new"). */
export function decodeWeeklyData(body: string): WeeklyData | null {
  const match = DATA_MARKER.exec(body);
  if (!match) return null;
  try {
    const parsed = weeklyDataSchema.safeParse(JSON.parse(gunzipSync(Buffer.from(match[1], 'base64')).toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Money per month a fix would save, 0 when the finding has no monetary estimate. */
export function monthlySaving(finding: Finding): number {
  const monthly = finding.cost?.monthly;
  return monthly ? Math.max(0, monthly.before - monthly.after) : 0;
}

function byImportance(a: Finding, b: Finding): number {
  return (
    monthlySaving(b) - monthlySaving(a) ||
    severityRank(b.severity) - severityRank(a.severity) ||
    a.path.localeCompare(b.path) ||
    a.line - b.line
  );
}

function directoryOf(path: string): string {
  const parts = path.split('/');
  return parts.length <= 1 ? '.' : parts.slice(0, Math.min(2, parts.length - 1)).join('/');
}

function money(value: number, currency: string, locale: Locale): string {
  return `${value.toLocaleString(locale === 'zh-CN' ? 'zh-CN' : 'en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })} ${currency}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export interface WeeklyReportInput {
  repo: string;
  sha: string;
  branch: string;
  now: Date;
  result: AnalysisResult;
  previous: WeeklyData | null;
  config: CozeLoopConfig;
  locale: Locale;
  permalink: (path: string, startLine: number, endLine?: number) => string;
  /** Files the scan left out (too large, vendored), for the footnote. */
  skippedCount: number;
  /** Set when an archive cap stopped the download: the report covers only what was read before it. */
  archiveStop?: { limit: 'compressed-bytes' | 'expanded-bytes' | 'entries'; max: number };
}

/** The operator setting behind each archive cap, named in the report so the note says what to change. */
const ARCHIVE_SETTINGS = {
  'compressed-bytes': 'COZE_LOOP_ARCHIVE_MAX_BYTES',
  'expanded-bytes': 'COZE_LOOP_ARCHIVE_MAX_EXPANDED_BYTES',
  entries: 'COZE_LOOP_ARCHIVE_MAX_ENTRIES',
} as const;

export interface WeeklyReport {
  title: string;
  body: string;
  data: WeeklyData;
  newCount: number;
  fixedCount: number;
}

export function buildWeeklyReport(input: WeeklyReportInput): WeeklyReport {
  const { result, previous, config, locale } = input;
  const week = isoWeek(input.now);
  const findings = [...result.findings].sort(byImportance);
  const currency = config.cost.currency;
  const monthlyTotal = findings.reduce((sum, f) => sum + monthlySaving(f), 0);

  const current = new Map(findings.map((f) => [f.fingerprint, f] as const));
  const before = new Map((previous?.findings ?? []).map(([fp, rule, path]) => [fp, { rule, path }] as const));
  const added = previous ? findings.filter((f) => !before.has(f.fingerprint)) : [];
  const fixed = previous && !previous.truncated ? [...before].filter(([fp]) => !current.has(fp)) : [];

  const priorHistory = (previous?.history ?? []).filter((h) => h.week !== week);
  const history = [...priorHistory, { week, findings: findings.length, monthly: Math.round(monthlyTotal * 100) / 100 }].slice(-HISTORY_WEEKS);

  const lines: string[] = [];
  lines.push(`## ${t(locale, 'summary.heading', { repo: input.repo, week })}`);
  lines.push('');
  lines.push(
    t(locale, 'summary.scope', {
      branch: input.branch,
      sha: input.sha.slice(0, 12),
      files: result.filesAnalyzed,
      findings: findings.length,
    }),
  );
  lines.push('');
  if (input.archiveStop) {
    const { limit, max } = input.archiveStop;
    lines.push(`> ${t(locale, `summary.archive_stopped.${limit}`, { max, setting: ARCHIVE_SETTINGS[limit] })}`, '');
  }

  lines.push(`### ${t(locale, 'summary.totals')}`);
  lines.push('');
  lines.push(`| ${t(locale, 'summary.target')} | ${SEVERITIES.map((s) => t(locale, `summary.severity.${s}`)).join(' | ')} | ${t(locale, 'summary.total')} |`);
  lines.push(`|---|${SEVERITIES.map(() => '--:').join('|')}|--:|`);
  for (const target of TARGETS) {
    const ofTarget = findings.filter((f) => f.target === target);
    const cells = SEVERITIES.map((s) => String(ofTarget.filter((f) => f.severity === s).length));
    lines.push(`| \`${target}\` | ${cells.join(' | ')} | ${ofTarget.length} |`);
  }
  lines.push('');
  lines.push(
    t(locale, 'summary.money', {
      amount: money(monthlyTotal, currency, locale),
      core_hour: money(config.cost.core_hour, currency, locale),
      per_million: money(config.cost.per_million_queries, currency, locale),
      replicas: config.cost.replicas,
    }),
  );
  lines.push('');

  lines.push(`### ${t(locale, 'summary.top')}`);
  lines.push('');
  if (findings.length === 0) {
    lines.push(t(locale, 'summary.none'));
  } else {
    lines.push(`| # | ${t(locale, 'summary.where')} | ${t(locale, 'summary.rule')} | ${t(locale, 'summary.diagnosis')} | ${t(locale, 'summary.saving')} |`);
    lines.push('|--:|---|---|---|--:|');
    findings.slice(0, 10).forEach((f, i) => {
      const link = input.permalink(f.path, f.loop.startLine, f.loop.endLine);
      const saving = monthlySaving(f) > 0 ? money(monthlySaving(f), currency, locale) : '–';
      lines.push(`| ${i + 1} | [\`${escapeCell(f.path)}:${f.line}\`](${link}) | \`${f.ruleId}\` | ${escapeCell(f.message)} | ${saving} |`);
    });
  }
  lines.push('');

  lines.push(`### ${t(locale, 'summary.changes')}`);
  lines.push('');
  if (!previous) {
    lines.push(t(locale, 'summary.first_week'));
  } else {
    lines.push(t(locale, 'summary.new_fixed', { added: added.length, fixed: fixed.length, previous: previous.week }));
    lines.push('');
    if (added.length > 0) {
      lines.push(`<details><summary>${t(locale, 'summary.new_list', { count: added.length })}</summary>`, '');
      for (const f of added.slice(0, 20)) lines.push(`- [\`${f.path}:${f.line}\`](${input.permalink(f.path, f.line)}) \`${f.ruleId}\`: ${f.message}`);
      lines.push('', '</details>', '');
    }
    if (fixed.length > 0) {
      lines.push(`<details><summary>${t(locale, 'summary.fixed_list', { count: fixed.length })}</summary>`, '');
      for (const [, info] of fixed.slice(0, 20)) lines.push(`- \`${info.path}\` \`${info.rule}\``);
      lines.push('', '</details>', '');
    }
  }
  lines.push('');

  lines.push(`### ${t(locale, 'summary.trend')}`);
  lines.push('');
  const weeks = history.map((h) => `"${h.week.slice(5)}"`).join(', ');
  lines.push('```mermaid');
  lines.push('xychart-beta');
  lines.push(`  title "${t(locale, 'summary.chart_findings')}"`);
  lines.push(`  x-axis [${weeks}]`);
  lines.push(`  y-axis "${t(locale, 'summary.chart_findings_axis')}" 0 --> ${Math.max(1, ...history.map((h) => h.findings))}`);
  lines.push(`  bar [${history.map((h) => h.findings).join(', ')}]`);
  lines.push('```');
  lines.push('');
  lines.push('```mermaid');
  lines.push('xychart-beta');
  lines.push(`  title "${t(locale, 'summary.chart_cost', { currency })}"`);
  lines.push(`  x-axis [${weeks}]`);
  lines.push(`  y-axis "${currency}" 0 --> ${Math.max(1, Math.ceil(Math.max(...history.map((h) => h.monthly))))}`);
  lines.push(`  line [${history.map((h) => h.monthly).join(', ')}]`);
  lines.push('```');
  lines.push('');

  lines.push(`### ${t(locale, 'summary.hotspots')}`);
  lines.push('');
  const dirs = new Map<string, { count: number; money: number }>();
  for (const f of findings) {
    const entry = dirs.get(directoryOf(f.path)) ?? { count: 0, money: 0 };
    entry.count += 1;
    entry.money += monthlySaving(f);
    dirs.set(directoryOf(f.path), entry);
  }
  const hot = [...dirs].sort((a, b) => b[1].money - a[1].money || b[1].count - a[1].count || a[0].localeCompare(b[0])).slice(0, 10);
  if (hot.length === 0) {
    lines.push(t(locale, 'summary.none'));
  } else {
    lines.push(`| ${t(locale, 'summary.directory')} | ${t(locale, 'summary.findings')} | ${t(locale, 'summary.saving')} |`);
    lines.push('|---|--:|--:|');
    for (const [dir, entry] of hot) lines.push(`| \`${escapeCell(dir)}/\` | ${entry.count} | ${money(entry.money, currency, locale)} |`);
  }
  lines.push('');
  if (input.skippedCount > 0) lines.push(`_${t(locale, 'summary.skipped', { count: input.skippedCount })}_`, '');
  lines.push(`_${t(locale, 'summary.footer')}_`);

  const stored = findings.slice(0, MAX_STORED_FINDINGS).map((f) => [f.fingerprint, f.ruleId, f.path] as [string, string, string]);
  const data: WeeklyData = { version: 1, week, sha: input.sha, findings: stored, truncated: findings.length > MAX_STORED_FINDINGS, history };
  lines.push('', encodeWeeklyData(data));

  return { title: reportTitle(week), body: lines.join('\n'), data, newCount: added.length, fixedCount: fixed.length };
}
