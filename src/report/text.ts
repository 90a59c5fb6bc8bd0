// ESLint-stylish text: a header per file, `line:col severity message rule-id`, a short code frame, then totals.
import { renderCostInline } from '../cost/index.js';
import { t } from '../core/i18n.js';
import type { Finding, Severity } from '../core/types.js';
import type { ReportContext } from './types.js';

type Paint = (text: string) => string;

interface Palette {
  bold: Paint;
  dim: Paint;
  underline: Paint;
  red: Paint;
  yellow: Paint;
  blue: Paint;
  green: Paint;
}

const ansi = (open: number, close: number): Paint => (text) => `\u001b[${open}m${text}\u001b[${close}m`;
const plain: Paint = (text) => text;

function palette(color: boolean): Palette {
  if (!color) return { bold: plain, dim: plain, underline: plain, red: plain, yellow: plain, blue: plain, green: plain };
  return { bold: ansi(1, 22), dim: ansi(2, 22), underline: ansi(4, 24), red: ansi(31, 39), yellow: ansi(33, 39), blue: ansi(34, 39), green: ansi(32, 39) };
}

function severityPaint(p: Palette, severity: Severity): Paint {
  return severity === 'error' ? p.red : severity === 'warning' ? p.yellow : p.blue;
}

/** Strips ANSI sequences and control characters that the analysed file could smuggle into a terminal. */
function safe(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

function sourceLines(context: ReportContext, path: string): string[] | undefined {
  const text = context.sources?.get(path);
  return text === undefined ? undefined : text.split(/\r?\n/);
}

function columnOf(lines: string[] | undefined, line: number): number {
  const text = lines?.[line - 1];
  if (text === undefined) return 1;
  const match = /\S/.exec(text);
  return match ? match.index + 1 : 1;
}

const FRAME_WIDTH = 160;

function codeFrame(p: Palette, lines: string[], line: number): string[] {
  const first = Math.max(1, line - 1);
  const last = Math.min(lines.length, line + 1);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    let text = safe(lines[n - 1]!.replace(/\t/g, '    '));
    if (text.length > FRAME_WIDTH) text = `${text.slice(0, FRAME_WIDTH)}…`;
    const gutter = `${n === line ? '>' : ' '} ${String(n).padStart(width)} |`;
    out.push(`    ${n === line ? p.red(gutter) : p.dim(gutter)} ${n === line ? text : p.dim(text)}`.trimEnd());
  }
  return out;
}

export function renderText(context: ReportContext): string {
  const p = palette(context.color === true);
  const { locale, result } = context;
  const byFile = new Map<string, Finding[]>();
  for (const finding of result.findings) {
    const list = byFile.get(finding.path) ?? [];
    list.push(finding);
    byFile.set(finding.path, list);
  }
  const out: string[] = [];
  for (const [path, findings] of byFile) {
    const lines = sourceLines(context, path);
    out.push(p.underline(safe(path)));
    const rows = findings.map((f) => ({
      finding: f,
      where: `${f.line}:${columnOf(lines, f.line)}`,
      severity: t(locale, `report.severity.${f.severity}`),
    }));
    const whereWidth = Math.max(...rows.map((r) => r.where.length));
    const severityWidth = Math.max(...rows.map((r) => r.severity.length));
    for (const row of rows) {
      const f = row.finding;
      const extras: string[] = [];
      if (f.cost) {
        extras.push(renderCostInline(f.cost, locale));
      }
      if (f.fix?.kind === 'replace') extras.push(t(locale, 'report.text.fix-available'));
      out.push(
        `  ${p.dim(row.where.padEnd(whereWidth))}  ${severityPaint(p, f.severity)(row.severity.padEnd(severityWidth))}  ${safe(f.message)}  ${p.dim(f.ruleId)}`,
      );
      if (lines && f.line >= 1 && f.line <= lines.length) out.push(...codeFrame(p, lines, f.line));
      if (extras.length) out.push(`    ${p.dim(extras.join(' · '))}`);
    }
    out.push('');
  }
  if (result.skipped.length > 0 || result.notes.length > 0) {
    for (const skip of result.skipped) {
      const reason = t(locale, `report.skip.${skip.reason}`);
      out.push(p.dim(`${safe(skip.path)}: ${t(locale, 'report.text.skipped', { reason })}${skip.detail ? ` (${safe(skip.detail)})` : ''}`));
    }
    for (const note of result.notes) out.push(p.dim(`${safe(note.path)}: ${safe(note.note)}`));
    out.push('');
  }
  const count = (s: Severity): number => result.findings.filter((f) => f.severity === s).length;
  if (result.findings.length === 0) {
    out.push(p.green(`✔ ${t(locale, 'report.text.clean', { files: result.filesAnalyzed })}`));
  } else {
    const errors = count('error');
    const summary = `✖ ${t(locale, 'report.text.problems', { count: result.findings.length, errors, warnings: count('warning'), infos: count('info') })}`;
    out.push(p.bold(errors > 0 ? p.red(summary) : p.yellow(summary)));
  }
  out.push(p.dim(t(locale, 'report.text.files', { files: result.filesAnalyzed, skipped: result.skipped.length })));
  return `${out.join('\n')}\n`;
}
