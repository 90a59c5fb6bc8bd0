// A stand-in for src/analysis/engine.ts with a predictable contract, so CLI tests check the CLI (file selection,
// formats, exit codes, --diff) and not rule heuristics: a line containing `finding: <rule-id> <severity>` yields one
// finding anchored on that line.
import type { RuleDefinition } from '../../src/analysis/rule-types.js';
import type { CozeLoopConfig } from '../../src/config/schema.js';
import type { AnalysisResult, Finding, Locale, SourceInput } from '../../src/core/types.js';
import { RULES } from '../report/sample.js';

const MARKER = /finding: ([a-z-]+) (info|warning|error)/;

export function analyzeSource(input: SourceInput, config: CozeLoopConfig, options: { locale?: Locale } = {}): AnalysisResult {
  const result: AnalysisResult = { findings: [], skipped: [], notes: [], filesAnalyzed: 0 };
  const buffer = typeof input.content === 'string' ? Buffer.from(input.content) : input.content;
  if (buffer.includes(0)) {
    result.skipped.push({ path: input.path, reason: 'binary' });
    return result;
  }
  if (buffer.length === 0) {
    result.skipped.push({ path: input.path, reason: 'empty' });
    return result;
  }
  if (buffer.length > config.max_file_bytes) {
    result.skipped.push({ path: input.path, reason: 'too-large' });
    return result;
  }
  const text = buffer.toString('utf8');
  text.split('\n').forEach((line, index) => {
    const match = MARKER.exec(line);
    if (!match) return;
    const rule = RULES.find((r) => r.id === match[1]);
    const finding: Finding = {
      ruleId: match[1]!,
      target: rule?.target ?? 'optimize',
      severity: match[2] as Finding['severity'],
      confidence: 'high',
      path: input.path,
      language: input.path.endsWith('.py') ? 'python' : 'typescript',
      line: index + 1,
      loop: { startLine: index + 1, endLine: index + 1 },
      message: options.locale === 'zh-CN' ? `循环问题 ${match[1]}` : `Loop problem ${match[1]}`,
      explanation: 'Because.',
      fingerprint: `${match[1]}:${line.trim()}`.replace(/[^a-z0-9]/g, '').slice(0, 16).padEnd(16, '0'),
      fix: { kind: 'replace', safety: 'safe', description: 'Fix it', startLine: index + 1, endLine: index + 1, code: line.replace(MARKER, 'fixed'), language: 'python' },
      data: {},
    };
    if (config.targets.includes(finding.target)) result.findings.push(finding);
  });
  result.filesAnalyzed = 1;
  return result;
}

/** The engine's overlapped variant: the same contract, answered on a later tick. */
export async function analyzeSourceAsync(input: SourceInput, config: CozeLoopConfig, options: { locale?: Locale } = {}): Promise<AnalysisResult> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  return analyzeSource(input, config, options);
}

export function analyzeSources(inputs: SourceInput[], config: CozeLoopConfig, options: { locale?: Locale } = {}): AnalysisResult {
  const result: AnalysisResult = { findings: [], skipped: [], notes: [], filesAnalyzed: 0 };
  for (const input of inputs) {
    const part = analyzeSource(input, config, options);
    result.findings.push(...part.findings);
    result.skipped.push(...part.skipped);
    result.filesAnalyzed += part.filesAnalyzed;
  }
  return result;
}

export function loadRules(): RuleDefinition[] {
  return RULES;
}

export function getRule(id: string): RuleDefinition | undefined {
  return RULES.find((r) => r.id === id);
}

export function renderRuleDocs(rule: RuleDefinition, locale: Locale): string {
  return `# ${rule.title[locale]}\n\n${rule.docs[locale].what}\n`;
}
