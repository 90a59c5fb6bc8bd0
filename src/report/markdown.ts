// The Markdown body of one finding: what the GitHub and GitLab bots post inline and what `--format markdown` prints.
import { renderCost } from '../cost/index.js';
import { t } from '../core/i18n.js';
import { codeSpan, neutraliseMentions } from '../core/markdown-text.js';
import type { AnalysisResult, Finding, Fix, Locale, Severity, Target } from '../core/types.js';
import { SEVERITIES, TARGETS } from '../core/types.js';
import { trimChar } from '../core/linear-text.js';

/**
 * How a code host writes a change the reader can apply from the comment: part of the host's Markdown flavour, in
 * src/platforms/<host>/markdown.ts. `fits` says whether a fix can be one on a comment anchored at `anchorLine`
 * (undefined: anchored on the fix's own range); `info` is the code block's info string.
 */
export interface SuggestionSyntax {
  fits(fix: Fix, anchorLine: number | undefined): boolean;
  info(fix: Fix, anchorLine: number | undefined): string;
}

export interface FindingRenderOptions {
  locale: Locale;
  /** The host's suggestion syntax, or 'none' for a plain code block (CLI, replies, hosts without suggestions). */
  suggestion: SuggestionSyntax | 'none';
  /** Folder URL of the rule docs; the link is `<docsBaseUrl>/<rule-id>.md`. Without it, points to `coze-loop explain`. */
  docsBaseUrl?: string;
  /**
   * Line the comment is anchored on, when it is not `fix.startLine`; the host's syntax decides what that allows.
   */
  anchorLine?: number;
}

export const SEVERITY_ICONS: Record<Severity, string> = { info: 'ℹ️', warning: '⚠️', error: '🛑' };

/** A fence longer than any backtick run inside the code, so code containing ``` cannot break out of the block. */
export function fence(code: string): string {
  const longest = Math.max(0, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

export function codeBlock(code: string, info: string): string {
  const marks = fence(code);
  return `${marks}${info}\n${trimChar(code, '\n')}\n${marks}`;
}

function canSuggest(fix: Fix, options: FindingRenderOptions): options is FindingRenderOptions & { suggestion: SuggestionSyntax } {
  if (options.suggestion === 'none' || fix.kind !== 'replace') return false;
  return options.suggestion.fits(fix, options.anchorLine);
}

export function ruleDocsLink(ruleId: string, locale: Locale, docsBaseUrl?: string): string {
  if (docsBaseUrl) {
    const url = `${trimChar(docsBaseUrl, '/')}/${ruleId}.md`;
    return t(locale, 'report.finding.docs-link', { rule: ruleId, url });
  }
  return t(locale, 'report.finding.docs-explain', { rule: ruleId });
}

function renderFix(fix: Fix, options: FindingRenderOptions): string[] {
  const { locale } = options;
  const out: string[] = [];
  const safety = t(locale, fix.safety === 'safe' ? 'report.finding.fix-safe' : 'report.finding.fix-unsafe');
  const lines =
    fix.startLine === fix.endLine
      ? t(locale, 'report.finding.fix-line', { line: fix.startLine })
      : t(locale, 'report.finding.fix-lines', { start: fix.startLine, end: fix.endLine });
  const heading = t(locale, fix.kind === 'replace' ? 'report.finding.fix-heading' : 'report.finding.sketch-heading');
  const details = fix.kind === 'replace' ? [lines, safety] : [safety];
  out.push(
    t(locale, 'report.finding.fix-title', { heading, details: details.join(t(locale, 'report.finding.separator')), description: neutraliseMentions(fix.description) }),
    '',
  );
  if (canSuggest(fix, options)) {
    out.push(codeBlock(fix.code, options.suggestion.info(fix, options.anchorLine)));
  } else {
    out.push(codeBlock(fix.code, fix.language));
  }
  for (const extra of fix.extras ?? []) {
    out.push('', '<details>', `<summary>${escapeHtml(extra.title)}</summary>`, '', codeBlock(extra.code, extra.language), '', '</details>');
  }
  return out;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Diagnosis, explanation, cost, patch and docs link of one finding. No fingerprint marker: the review pipeline adds
 * its own so that every platform marks comments the same way.
 */
export function renderFindingMarkdown(finding: Finding, options: FindingRenderOptions): string {
  const { locale } = options;
  const out: string[] = [];
  const target = t(locale, `report.target.${finding.target}`);
  const severity = t(locale, `report.severity.${finding.severity}`);
  // Message and explanation quote the code: its mentions must not ping anyone through the bot.
  out.push(`${SEVERITY_ICONS[finding.severity]} **${neutraliseMentions(finding.message.trim())}**`, '');
  out.push(`\`${finding.ruleId}\` · ${target} · ${severity}`, '');
  if (finding.explanation.trim()) out.push(neutraliseMentions(finding.explanation.trim()), '');
  if (finding.confidence === 'low') out.push(`> ${t(locale, 'report.finding.low-confidence')}`, '');
  if (finding.cost) {
    out.push(`**${t(locale, 'report.finding.cost-heading')}**`, '', renderCost(finding.cost, locale).trim(), '');
  }
  if (finding.fix) out.push(...renderFix(finding.fix, options), '');
  out.push(ruleDocsLink(finding.ruleId, locale, options.docsBaseUrl));
  return out.join('\n');
}

export interface MarkdownReportOptions extends Omit<FindingRenderOptions, 'anchorLine'> {
  /** Link to a finding's location, e.g. a permalink; plain `path:line` when absent. */
  linkFor?: (finding: Finding) => string | undefined;
}

function countBy<K extends string>(keys: readonly K[], findings: Finding[], pick: (f: Finding) => K): Record<K, number> {
  const counts = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const finding of findings) counts[pick(finding)]++;
  return counts;
}

/** Header with totals per target and severity; the same summary the bots start their summary comment with. */
export function renderSummaryHeader(result: AnalysisResult, locale: Locale): string {
  const { findings } = result;
  const out = [`## ${t(locale, 'report.summary.title')}`, ''];
  if (findings.length === 0) {
    out.push(t(locale, 'report.summary.none', { files: result.filesAnalyzed }));
    return out.join('\n');
  }
  out.push(t(locale, 'report.summary.totals', { count: findings.length, files: result.filesAnalyzed }), '');
  const byTarget = countBy<Target>(TARGETS, findings, (f) => f.target);
  const bySeverity = countBy<Severity>(SEVERITIES, findings, (f) => f.severity);
  out.push(`| ${t(locale, 'report.summary.target')} | ${t(locale, 'report.summary.count')} |`, '|---|---:|');
  for (const target of TARGETS) out.push(`| ${t(locale, `report.target.${target}`)} | ${byTarget[target]} |`);
  out.push('');
  out.push(
    SEVERITIES.slice()
      .reverse()
      .map((s) => `${SEVERITY_ICONS[s]} ${t(locale, `report.severity.${s}`)}: ${bySeverity[s]}`)
      .join(' · '),
  );
  return out.join('\n');
}

function renderSkipped(result: AnalysisResult, locale: Locale): string[] {
  if (result.skipped.length === 0 && result.notes.length === 0) return [];
  const out = ['<details>', `<summary>${t(locale, 'report.summary.skipped', { count: result.skipped.length, notes: result.notes.length })}</summary>`, ''];
  for (const skip of result.skipped) {
    const reason = t(locale, `report.skip.${skip.reason}`);
    out.push(`- ${codeSpan(skip.path)}: ${reason}${skip.detail ? ` (${neutraliseMentions(skip.detail)})` : ''}`);
  }
  for (const note of result.notes) out.push(`- ${codeSpan(note.path)}: ${neutraliseMentions(note.note)}`);
  out.push('', '</details>');
  return out;
}

/** `--format markdown`: summary header, then every finding as the bots render it. */
export function renderMarkdownReport(result: AnalysisResult, options: MarkdownReportOptions): string {
  const { locale } = options;
  const out = [renderSummaryHeader(result, locale), ''];
  for (const finding of result.findings) {
    const where = `${finding.path}:${finding.line}`;
    const link = options.linkFor?.(finding);
    out.push(`### ${link ? `[\`${where}\`](${link})` : `\`${where}\``}`, '');
    out.push(renderFindingMarkdown(finding, { locale, suggestion: options.suggestion, docsBaseUrl: options.docsBaseUrl }), '');
  }
  out.push(...renderSkipped(result, locale));
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
