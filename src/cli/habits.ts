// What users of linters expect from the command line: rule selection (`--select`/`--ignore`), per-rule statistics,
// a baseline for adopting on legacy code, fixes shown as unified diffs and applied (`--fix`).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadRules } from '../analysis/engine.js';
import { applyFix } from '../fixes/apply.js';
import { TARGETS, type Finding, type Fix, type Target } from '../core/types.js';
import { distance, UsageError } from './args.js';

// ---- --select / --ignore ----------------------------------------------------------------------------------------

export interface RuleSelection {
  select: string[];
  ignore: string[];
}

/** Checks every name against the catalogue and the targets, so a typo is an error instead of an empty report. */
export function validateSelection(selection: RuleSelection): void {
  const ids = loadRules().map((rule) => rule.id);
  const known = new Set<string>([...ids, ...TARGETS, 'all']);
  for (const [flag, names] of [['--select', selection.select], ['--ignore', selection.ignore]] as const) {
    for (const name of names) {
      if (known.has(name)) continue;
      const near = [...known].map((id) => ({ id, score: distance(name, id) })).filter((e) => e.score <= 3).sort((a, b) => a.score - b.score)[0];
      throw new UsageError('cli.usage.unknown-rule', { flag, value: name, hint: near ? ` (did you mean ${near.id}?)` : '' });
    }
  }
}

function matchesName(finding: Finding, name: string): boolean {
  return name === 'all' || name === finding.ruleId || name === finding.target;
}

export function applySelection(findings: Finding[], selection: RuleSelection): Finding[] {
  return findings.filter((f) => {
    if (selection.select.length > 0 && !selection.select.some((name) => matchesName(f, name))) return false;
    return !selection.ignore.some((name) => matchesName(f, name));
  });
}

/** The targets the engine must run for a selection: only a target whose rules can survive `--select`. */
export function targetsForSelection(targets: Target[], selection: RuleSelection): Target[] {
  if (selection.select.length === 0 || selection.select.includes('all')) return targets;
  const rules = loadRules();
  const wanted = new Set<Target>();
  for (const name of selection.select) {
    if ((TARGETS as readonly string[]).includes(name)) wanted.add(name as Target);
    const rule = rules.find((r) => r.id === name);
    if (rule) wanted.add(rule.target);
  }
  return targets.filter((target) => wanted.has(target));
}

// ---- --statistics -----------------------------------------------------------------------------------------------

export interface RuleStatistic {
  ruleId: string;
  target: Target;
  severity: Finding['severity'];
  count: number;
  fixable: number;
}

export function statistics(findings: Finding[]): RuleStatistic[] {
  const byRule = new Map<string, RuleStatistic>();
  for (const f of findings) {
    const entry = byRule.get(f.ruleId) ?? { ruleId: f.ruleId, target: f.target, severity: f.severity, count: 0, fixable: 0 };
    entry.count++;
    if (f.fix?.kind === 'replace') entry.fixable++;
    byRule.set(f.ruleId, entry);
  }
  return [...byRule.values()].sort((a, b) => b.count - a.count || a.ruleId.localeCompare(b.ruleId));
}

export function renderStatistics(rows: RuleStatistic[]): string {
  if (rows.length === 0) return 'No findings.\n';
  const width = Math.max(...rows.map((r) => String(r.count).length));
  const idWidth = Math.max(...rows.map((r) => r.ruleId.length));
  const lines = rows.map((r) => `${String(r.count).padStart(width)}  ${r.ruleId.padEnd(idWidth)}  ${r.target.padEnd(11)}  ${r.severity.padEnd(7)}  ${r.fixable > 0 ? `[${r.fixable} fixable]` : ''}`.trimEnd());
  const total = rows.reduce((sum, r) => sum + r.count, 0);
  return `${lines.join('\n')}\n${String(total).padStart(width)}  total\n`;
}

// ---- --baseline -------------------------------------------------------------------------------------------------

export const BASELINE_VERSION = 1;

interface BaselineEntry {
  fingerprint: string;
  ruleId: string;
  path: string;
}

export interface BaselineFile {
  tool: 'coze-loop';
  version: typeof BASELINE_VERSION;
  findings: BaselineEntry[];
}

export class BaselineError extends Error {}

export function baselineOf(findings: Finding[]): BaselineFile {
  const entries = findings.map((f) => ({ fingerprint: f.fingerprint, ruleId: f.ruleId, path: f.path }));
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
  return { tool: 'coze-loop', version: BASELINE_VERSION, findings: entries };
}

export function writeBaseline(path: string, cwd: string, findings: Finding[]): void {
  writeFileSync(resolve(cwd, path), `${JSON.stringify(baselineOf(findings), null, 2)}\n`);
}

export function readBaseline(path: string, cwd: string): BaselineFile {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, path), 'utf8');
  } catch (error) {
    throw new BaselineError(`${path}: cannot read the baseline (${(error as NodeJS.ErrnoException).code ?? 'EIO'}); create it with --baseline ${path} --write-baseline`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new BaselineError(`${path}: not JSON; it is written by --write-baseline`);
  }
  const file = data as Partial<BaselineFile> | null;
  if (!file || file.tool !== 'coze-loop' || file.version !== BASELINE_VERSION || !Array.isArray(file.findings) || !file.findings.every((e) => typeof e?.fingerprint === 'string')) {
    throw new BaselineError(`${path}: not a coze-loop baseline (version ${BASELINE_VERSION}); write it again with --write-baseline`);
  }
  return file as BaselineFile;
}

/**
 * Findings not in the baseline. Fingerprints (rule + path + normalised loop text) survive line moves; a fingerprint
 * recorded n times absorbs at most n findings, so a second copy of a recorded loop is still reported.
 */
export function withoutBaseline(findings: Finding[], baseline: BaselineFile): { findings: Finding[]; matched: number } {
  const budget = new Map<string, number>();
  for (const entry of baseline.findings) budget.set(entry.fingerprint, (budget.get(entry.fingerprint) ?? 0) + 1);
  const kept: Finding[] = [];
  let matched = 0;
  for (const f of findings) {
    const left = budget.get(f.fingerprint) ?? 0;
    if (left > 0) {
      budget.set(f.fingerprint, left - 1);
      matched++;
    } else {
      kept.push(f);
    }
  }
  return { findings: kept, matched };
}

// ---- fixes as diffs, and applied ---------------------------------------------------------------------------------

const CONTEXT = 3;

/** A unified diff of `before` -> `after` for one file: one hunk per changed region, 3 lines of context. */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return '';
  const a = before.split(/\r?\n/);
  const b = after.split(/\r?\n/);
  // Changes come from line-range replacements: find the changed regions by common prefix/suffix per region, using a
  // plain LCS over the lines (files are small; regions are found by matching lines in order).
  const ops = diffLines(a, b);
  const hunks: string[] = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.kind === ' ') {
      i++;
      continue;
    }
    let start = i;
    let end = i;
    // Extend over changes separated by at most 2*CONTEXT unchanged lines.
    for (let j = i; j < ops.length; j++) {
      if (ops[j]!.kind !== ' ') end = j;
      else if (j - end > 2 * CONTEXT) break;
    }
    start = Math.max(0, start - CONTEXT);
    const stop = Math.min(ops.length - 1, end + CONTEXT);
    const slice = ops.slice(start, stop + 1);
    const oldStart = slice[0]!.oldLine;
    const newStart = slice[0]!.newLine;
    const oldCount = slice.filter((o) => o.kind !== '+').length;
    const newCount = slice.filter((o) => o.kind !== '-').length;
    hunks.push(`@@ -${oldCount === 0 ? oldStart - 1 : oldStart},${oldCount} +${newCount === 0 ? newStart - 1 : newStart},${newCount} @@`);
    for (const o of slice) hunks.push(`${o.kind}${o.text}`);
    i = stop + 1;
  }
  return `--- a/${path}\n+++ b/${path}\n${hunks.join('\n')}\n`;
}

interface DiffOp {
  kind: ' ' | '-' | '+';
  text: string;
  oldLine: number;
  newLine: number;
}

/** Line diff by longest common subsequence, trimmed to the changed middle first (fixes change one region). */
function diffLines(a: string[], b: string[]): DiffOp[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  const ops: DiffOp[] = [];
  for (let k = 0; k < prefix; k++) ops.push({ kind: ' ', text: a[k]!, oldLine: k + 1, newLine: k + 1 });
  // LCS table over the middle only: bounded by the size of the replaced region, not the file. Fixes far apart in
  // one big file make the middle large: past ~4M cells the middle is shown as removed, then added.
  const n = midA.length;
  const m = midB.length;
  if (n * m > 4_000_000) {
    midA.forEach((text, k) => ops.push({ kind: '-', text, oldLine: prefix + k + 1, newLine: prefix + 1 }));
    midB.forEach((text, k) => ops.push({ kind: '+', text, oldLine: prefix + n + 1, newLine: prefix + k + 1 }));
    for (let k = a.length - suffix; k < a.length; k++) ops.push({ kind: ' ', text: a[k]!, oldLine: k + 1, newLine: k - a.length + b.length + 1 });
    return ops;
  }
  const table: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let x = n - 1; x >= 0; x--) for (let y = m - 1; y >= 0; y--) table[x]![y] = midA[x] === midB[y] ? table[x + 1]![y + 1]! + 1 : Math.max(table[x + 1]![y]!, table[x]![y + 1]!);
  let x = 0;
  let y = 0;
  let oldLine = prefix + 1;
  let newLine = prefix + 1;
  while (x < n || y < m) {
    if (x < n && y < m && midA[x] === midB[y]) {
      ops.push({ kind: ' ', text: midA[x]!, oldLine: oldLine++, newLine: newLine++ });
      x++;
      y++;
    } else if (x < n && (y === m || table[x + 1]![y]! >= table[x]![y + 1]!)) {
      ops.push({ kind: '-', text: midA[x]!, oldLine: oldLine++, newLine });
      x++;
    } else {
      ops.push({ kind: '+', text: midB[y]!, oldLine, newLine: newLine++ });
      y++;
    }
  }
  for (let k = a.length - suffix; k < a.length; k++) ops.push({ kind: ' ', text: a[k]!, oldLine: oldLine++, newLine: newLine++ });
  return ops;
}

export function isExactFix(fix: Fix | undefined, unsafe: boolean): fix is Fix {
  return fix?.kind === 'replace' && (unsafe || fix.safety === 'safe');
}

export interface FilePlan {
  path: string;
  absolute: string;
  before: string;
  after: string;
  applied: Finding[];
  /** Fixes left out because they overlap one applied before them. */
  overlapping: Finding[];
}

/**
 * The new text of every file with exact fixes: applied bottom-up so earlier line numbers stay valid, skipping a fix
 * whose lines overlap one already applied (the next run reports what is left).
 */
export function planFixes(findings: Finding[], cwd: string, unsafe: boolean, read: (absolute: string) => string = (p) => readFileSync(p, 'utf8')): FilePlan[] {
  const byPath = new Map<string, Finding[]>();
  for (const f of findings) if (isExactFix(f.fix, unsafe)) byPath.set(f.path, [...(byPath.get(f.path) ?? []), f]);
  const plans: FilePlan[] = [];
  for (const [path, list] of [...byPath.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const absolute = resolve(cwd, path);
    let text: string;
    try {
      text = read(absolute);
    } catch {
      continue;
    }
    const before = text;
    const applied: Finding[] = [];
    const overlapping: Finding[] = [];
    let lowestStart = Number.POSITIVE_INFINITY;
    const seen = new Set<string>();
    for (const f of [...list].sort((p, q) => q.fix!.startLine - p.fix!.startLine || q.fix!.endLine - p.fix!.endLine)) {
      const fix = f.fix!;
      const key = `${fix.startLine}:${fix.endLine}:${fix.code}`;
      if (seen.has(key)) {
        applied.push(f); // Two rules proposing the same replacement: one edit fixes both.
        continue;
      }
      if (fix.endLine >= lowestStart) {
        overlapping.push(f);
        continue;
      }
      try {
        text = applyFix(text, fix);
      } catch {
        overlapping.push(f);
        continue;
      }
      seen.add(key);
      lowestStart = fix.startLine;
      applied.push(f);
    }
    if (text !== before) plans.push({ path, absolute, before, after: text, applied, overlapping });
  }
  return plans;
}

export function writePlans(plans: FilePlan[]): void {
  for (const plan of plans) writeFileSync(plan.absolute, plan.after);
}

/** `--show-fixes`: every exact fix on its own, as a diff against the file as it is. */
export function renderFixDiffs(findings: Finding[], cwd: string, read: (absolute: string) => string = (p) => readFileSync(p, 'utf8')): string {
  const parts: string[] = [];
  for (const f of findings) {
    if (f.fix?.kind !== 'replace') continue;
    let source: string;
    try {
      source = read(resolve(cwd, f.path));
    } catch {
      continue;
    }
    let after: string;
    try {
      after = applyFix(source, f.fix);
    } catch {
      continue;
    }
    const diff = unifiedDiff(f.path, source, after);
    if (diff) parts.push(`# ${f.path}:${f.line} ${f.ruleId} (${f.fix.safety} fix): ${f.fix.description}\n${diff}`);
  }
  return parts.join('\n');
}
