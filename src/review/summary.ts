// The single summary comment/note: totals, savings, and everything that is not an inline comment.
import { hasText, t } from '../core/i18n.js';
import { SEVERITIES, TARGETS, type FileNote, type Severity, type Finding, type Locale, type SkippedFile } from '../core/types.js';
import { SUMMARY_MARKER } from '../platforms/platform.js';
import { monthlySaving } from './rank.js';
import { joinLines } from '../core/linear-text.js';

/** GitHub refuses comment bodies over 65,536 characters; stay clear of it (GitLab allows more). */
export const SUMMARY_MAX_CHARS = 60_000;
const MAX_SKIPPED_LISTED = 50;

export interface SummaryInput {
  locale: Locale;
  headSha: string;
  now: Date;
  /** Every finding that belongs to this change (inline, already commented, or summarised). */
  reported: Finding[];
  posted: number;
  /** Findings folded into another finding's comment as repeats in the same file (review/group.ts). */
  grouped?: number;
  alreadyCommented: number;
  markedFixed: number;
  unanchored: Finding[];
  overCap: Finding[];
  /** Findings below `review.inline_severity` (`severity`), listed here instead of posted inline. */
  belowInline?: { severity: Severity; findings: Finding[] };
  rejected: { finding: Finding; reason: string }[];
  preExisting: number;
  skipped: SkippedFile[];
  notes: FileNote[];
  maxComments: number;
  maxFileBytes: number;
  link: (finding: Finding) => string;
  /** What the review budget cut off (review/budget.ts), one Markdown line each; shown near the top when present. */
  limits?: string[];
  /** How a large change's files were read (archive, batches, the limit hit; ReviewBudget.readingLines). */
  reading?: string[];
}

export function formatAmount(value: number, locale: Locale, digits = 2): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
}

function metricLabel(locale: Locale, metric: string): string {
  const key = `cost.metric.${metric}`;
  return hasText(locale, key) || hasText('en', key) ? t(locale, key) : metric.replace(/_/g, ' ');
}

export function skipText(locale: Locale, skipped: SkippedFile, maxFileBytes: number): string {
  const base = t(locale, `review.skip.${skipped.reason}`, { limit: formatAmount(maxFileBytes, locale, 0) });
  return skipped.detail ? `${base} (${skipped.detail})` : base;
}

function totalsTable(locale: Locale, findings: Finding[]): string[] {
  const lines = [t(locale, 'review.summary.totals.heading'), '', t(locale, 'review.summary.totals.header'), '|---|---:|---:|---:|---:|'];
  const row = (label: string, subset: Finding[]): string =>
    `| ${label} | ${subset.length} | ${SEVERITIES.map((s) => subset.filter((f) => f.severity === s).length).join(' | ')} |`;
  for (const target of TARGETS) lines.push(row(t(locale, `review.target.${target}`), findings.filter((f) => f.target === target)));
  lines.push(row(t(locale, 'review.summary.totals.total'), findings));
  return lines;
}

function savings(locale: Locale, findings: Finding[]): string[] {
  const money = new Map<string, { amount: number; count: number }>();
  const metrics = new Map<string, { metric: string; unit: string; before: number; after: number; count: number }>();
  for (const finding of findings) {
    const cost = finding.cost;
    if (!cost) continue;
    const saving = monthlySaving(finding);
    if (cost.monthly && saving > 0) {
      const entry = money.get(cost.monthly.currency) ?? { amount: 0, count: 0 };
      entry.amount += saving;
      entry.count += 1;
      money.set(cost.monthly.currency, entry);
    }
    const key = `${cost.metric}\u0000${cost.unit}`;
    const entry = metrics.get(key) ?? { metric: cost.metric, unit: cost.unit, before: 0, after: 0, count: 0 };
    entry.before += cost.before;
    entry.after += cost.after;
    entry.count += 1;
    metrics.set(key, entry);
  }
  if (money.size === 0 && metrics.size === 0) return [];
  const lines = ['', t(locale, 'review.summary.savings.heading'), ''];
  for (const [currency, { amount, count }] of money) {
    lines.push(t(locale, 'review.summary.savings.money', { amount: formatAmount(amount, locale), currency, count }));
  }
  for (const entry of metrics.values()) {
    lines.push(
      t(locale, 'review.summary.savings.metric', {
        metric: metricLabel(locale, entry.metric),
        before: formatAmount(entry.before, locale),
        after: formatAmount(entry.after, locale),
        unit: entry.unit,
        count: entry.count,
      }),
    );
  }
  return lines;
}

function item(input: SummaryInput, finding: Finding): string {
  return t(input.locale, 'review.summary.item', {
    severity: t(input.locale, `review.severity.${finding.severity}`),
    ruleId: finding.ruleId,
    path: finding.path,
    line: finding.line,
    link: input.link(finding),
    message: joinLines(finding.message),
  });
}

/** Renders the summary body, hidden marker first so every platform finds it again. */
export function renderSummary(input: SummaryInput): string {
  const { locale } = input;
  const head: string[] = [
    SUMMARY_MARKER,
    t(locale, 'review.summary.title'),
    '',
    t(locale, 'review.summary.updated', { sha: input.headSha.slice(0, 7), date: input.now.toISOString().slice(0, 10) }),
    '',
  ];
  if (input.reported.length === 0) head.push(t(locale, 'review.summary.none'));
  else head.push(...totalsTable(locale, input.reported), ...savings(locale, input.reported));
  head.push('', t(locale, 'review.summary.inline', { posted: input.posted, already: input.alreadyCommented }));
  if (input.grouped) head.push('', t(locale, 'review.summary.grouped', { count: input.grouped }));
  if (input.markedFixed > 0) head.push('', t(locale, 'review.summary.fixed', { count: input.markedFixed }));
  if (input.limits && input.limits.length > 0) head.push('', t(locale, 'review.summary.budget.heading'), ...input.limits);
  if (input.reading && input.reading.length > 0) head.push('', t(locale, 'review.summary.reading.heading'), ...input.reading);

  const sections: string[][] = [];
  if (input.rejected.length > 0) {
    sections.push([
      t(locale, 'review.summary.rejected.heading'),
      '',
      ...input.rejected.map(({ finding, reason }) => `${item(input, finding)}\n${t(locale, 'review.summary.item.reason', { reason })}`),
    ]);
  }
  if (input.unanchored.length > 0) {
    sections.push([t(locale, 'review.summary.unanchored.heading'), '', ...input.unanchored.map((f) => item(input, f))]);
  }
  if (input.overCap.length > 0) {
    sections.push([t(locale, 'review.summary.overcap.heading', { max: input.maxComments }), '', ...input.overCap.map((f) => item(input, f))]);
  }
  if (input.belowInline && input.belowInline.findings.length > 0) {
    const severity = t(locale, `review.severity.${input.belowInline.severity}`);
    sections.push([t(locale, 'review.summary.belowinline.heading', { severity }), '', ...input.belowInline.findings.map((f) => item(input, f))]);
  }
  if (input.skipped.length > 0) {
    const listed = input.skipped.slice(0, MAX_SKIPPED_LISTED).map((s) =>
      t(locale, 'review.summary.skipped.item', { path: s.path, reason: skipText(locale, s, input.maxFileBytes) }),
    );
    if (input.skipped.length > MAX_SKIPPED_LISTED) listed.push(t(locale, 'review.summary.skipped.more', { count: input.skipped.length - MAX_SKIPPED_LISTED }));
    sections.push([t(locale, 'review.summary.skipped.heading'), '', ...listed]);
  }
  if (input.notes.length > 0) {
    sections.push([t(locale, 'review.summary.notes.heading'), '', ...input.notes.map((n) => t(locale, 'review.summary.notes.item', { path: n.path, note: n.note }))]);
  }
  const tail = input.preExisting > 0 ? ['', t(locale, 'review.summary.preexisting', { count: input.preExisting })] : [];
  return fitToLimit(head, sections, tail, locale);
}

function fitToLimit(head: string[], sections: string[][], tail: string[], locale: Locale): string {
  const join = (parts: string[][]): string => parts.filter((p) => p.length > 0).map((p) => p.join('\n').trim()).join('\n\n');
  const full = join([head, ...sections, tail]);
  if (full.length <= SUMMARY_MAX_CHARS) return full;
  const note = t(locale, 'review.summary.truncated');
  let budget = SUMMARY_MAX_CHARS - join([head, tail]).length - note.length - 16;
  const kept: string[][] = [];
  for (const section of sections) {
    const lines: string[] = [];
    for (const line of section) {
      if (line.length + 1 > budget) break;
      lines.push(line);
      budget -= line.length + 1;
    }
    if (lines.length > 0) kept.push(lines);
    if (lines.length < section.length) break;
  }
  return join([head, ...kept, [note], tail]);
}
