// Runs a parsed slash command and replies where it was typed: in the review thread for a line, in the
// conversation for the whole pull request.
import { analyzeSource } from '../analysis/engine.js';
import type { CozeLoopConfig } from '../config/schema.js';
import { t } from '../core/i18n.js';
import type { Finding, Locale, Target } from '../core/types.js';
import type { ChangeRequestRef, CommandOrigin, Platform } from '../platforms/platform.js';
import { renderFindingMarkdown } from '../report/markdown.js';
import { analyseChangeSet, collectChangeSet, collectContextFiles } from '../review/collect.js';
import { placeFindings } from '../review/diff-filter.js';
import type { ReviewDeps } from '../review/pipeline.js';
import { compareFindings } from '../review/rank.js';
import { skipText, SUMMARY_MAX_CHARS } from '../review/summary.js';
import type { ParsedCommand } from './parse.js';

/** Findings rendered in full in one reply; the rest are listed in one line each. */
const FULL_REPORTS = 10;

export async function runCommand(
  platform: Platform,
  cr: ChangeRequestRef,
  origin: CommandOrigin,
  command: ParsedCommand,
  config: CozeLoopConfig,
  deps: ReviewDeps,
): Promise<void> {
  const locale = config.locale;
  if (command.action === 'help') return platform.reply(cr, origin, t(locale, 'review.command.help'));
  if (command.action === 'summary') return platform.reply(cr, origin, t(locale, 'review.command.summary.queued'));

  const target = command.action;
  // The command names its target; the repository's `targets` list limits automatic reviews, not explicit asks.
  const scoped: CozeLoopConfig = { ...config, targets: [target] };
  const path = command.path ?? origin.path;
  const line = command.path !== undefined ? command.line : (command.line ?? origin.line);
  const body = path
    ? await reportForFile(platform, cr, scoped, target, path, line, deps)
    : await reportForChange(platform, cr, scoped, target, deps);
  deps.logger.info({ repo: cr.repo, number: cr.number, action: target, path, line }, 'command answered');
  await platform.reply(cr, origin, body);
}

/** A slash command asked for this report: let the model (when configured and enabled) refine the top findings. */
async function refined(findings: Finding[], sources: Map<string, string>, cr: ChangeRequestRef, config: CozeLoopConfig, deps: ReviewDeps): Promise<Finding[]> {
  if (!deps.refine || findings.length === 0) return findings;
  return deps.refine([...findings].sort(compareFindings), sources, { repo: cr.repo, headSha: cr.headSha, config, trigger: 'command' });
}

async function reportForFile(
  platform: Platform,
  cr: ChangeRequestRef,
  config: CozeLoopConfig,
  target: Target,
  path: string,
  line: number | undefined,
  deps: ReviewDeps,
): Promise<string> {
  const locale = config.locale;
  const content = await platform.getFileContent(cr.repo, path, cr.headSha);
  if (content === null) return t(locale, 'review.command.file.missing', { path });
  if (content.length > config.max_file_bytes) {
    return t(locale, 'review.command.skipped', { path, reason: skipText(locale, { path, reason: 'too-large' }, config.max_file_bytes) });
  }
  const analysis = analyzeSource({ path, content }, config, { locale });
  const skipped = analysis.skipped.find((s) => s.path === path);
  if (skipped) return t(locale, 'review.command.skipped', { path, reason: skipText(locale, skipped, config.max_file_bytes) });
  const sources = new Map([[path, content.toString('utf8')]]);
  const findings = analysis.findings.filter((f) => f.target === target);
  if (line === undefined) {
    const heading = t(locale, 'review.command.heading.file', { target, path });
    if (findings.length === 0) return t(locale, 'review.command.none.file', { target, path });
    return report(heading, await refined(findings, sources, cr, config, deps), platform, cr, locale);
  }
  const atLine = findingsForLoopAt(findings, line);
  if (atLine.length === 0) return t(locale, 'review.command.none.line', { target, path, line });
  return report(t(locale, 'review.command.heading.line', { target, path, line }), await refined(atLine, sources, cr, config, deps), platform, cr, locale);
}

/** Findings of the innermost loop that contains the line (the loop a reviewer points at), else anchored there. */
export function findingsForLoopAt(findings: Finding[], line: number): Finding[] {
  const containing = findings.filter((f) => f.loop.startLine <= line && line <= f.loop.endLine);
  if (containing.length === 0) return findings.filter((f) => f.line === line);
  const span = (f: Finding): number => f.loop.endLine - f.loop.startLine;
  const innermost = containing.reduce((best, f) => (span(f) < span(best) ? f : best));
  return containing.filter((f) => f.loop.startLine === innermost.loop.startLine && f.loop.endLine === innermost.loop.endLine);
}

async function reportForChange(platform: Platform, cr: ChangeRequestRef, config: CozeLoopConfig, target: Target, deps: ReviewDeps): Promise<string> {
  const locale = config.locale;
  const changeSet = await collectChangeSet(platform, cr, config);
  const context = await collectContextFiles(platform, cr, changeSet.files, config);
  const analysis = analyseChangeSet(changeSet.files, config, locale, context);
  const findings: Finding[] = [];
  for (const { file, findings: inFile } of analysis.files) {
    const placed = placeFindings(inFile.filter((f) => f.target === target), { path: file.path, hunks: file.hunks }, config.review.comment_on);
    findings.push(...placed.anchored, ...placed.unanchored);
  }
  if (findings.length === 0) return t(locale, 'review.command.none.pr', { target });
  const sources = new Map(changeSet.files.map((f) => [f.path, f.content.toString('utf8')] as const));
  return report(t(locale, 'review.command.heading.pr', { target, count: findings.length }), await refined(findings, sources, cr, config, deps), platform, cr, locale);
}

function report(heading: string, findings: Finding[], platform: Platform, cr: ChangeRequestRef, locale: Locale): string {
  const ordered = [...findings].sort(compareFindings);
  const parts: string[] = [];
  let size = heading.length;
  let shown = 0;
  for (const finding of ordered.slice(0, FULL_REPORTS)) {
    const link = platform.permalink(cr.repo, cr.headSha, finding.path, finding.loop.startLine, finding.loop.endLine);
    const part = `[${finding.path}:${finding.line}](${link})\n\n${renderFindingMarkdown(finding, { locale, suggestion: 'none' }).trim()}`;
    if (size + part.length > SUMMARY_MAX_CHARS - 2_000) break;
    parts.push(part);
    size += part.length + 7;
    shown += 1;
  }
  const rest = ordered.slice(shown);
  if (rest.length > 0) {
    const lines = rest.map((f) =>
      t(locale, 'review.summary.item', {
        severity: t(locale, `review.severity.${f.severity}`),
        ruleId: f.ruleId,
        path: f.path,
        line: f.line,
        link: platform.permalink(cr.repo, cr.headSha, f.path, f.loop.startLine, f.loop.endLine),
        message: f.message.replace(/\s*\n\s*/g, ' '),
      }),
    );
    parts.push(`${t(locale, 'review.command.more', { count: rest.length })}\n\n${lines.join('\n')}`);
  }
  return `${heading}\n\n${parts.join('\n\n---\n\n')}`;
}
