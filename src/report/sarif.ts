// `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it (rules with help, results with regions and
// partial fingerprints, fixes for exact replacements).
import type { RuleDefinition } from '../analysis/rule-types.js';
import { t } from '../core/i18n.js';
import type { Finding, Severity } from '../core/types.js';
import type { ReportContext } from './types.js';
import { trimChar } from '../core/linear-text.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const FINGERPRINT_KEY = 'cozeLoopFingerprint/v1';

type SarifLevel = 'note' | 'warning' | 'error';
const LEVELS: Record<Severity, SarifLevel> = { info: 'note', warning: 'warning', error: 'error' };

/** Paths become relative URIs with `/` separators, each segment percent-encoded. */
export function toUri(path: string): string {
  return path
    .replace(/\\/g, '/')
    .replace(/^\.\//, '')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

function pascalCase(id: string): string {
  return id
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function ruleHelpText(rule: RuleDefinition, context: ReportContext): string {
  const docs = rule.docs[context.locale] ?? rule.docs.en;
  return [docs.what, docs.why, docs.use_instead].filter((s) => s && s.trim()).join('\n\n');
}

function ruleDescriptor(rule: RuleDefinition, context: ReportContext): Record<string, unknown> {
  const { locale } = context;
  const docs = rule.docs[locale] ?? rule.docs.en;
  const descriptor: Record<string, unknown> = {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.title[locale] ?? rule.title.en },
    fullDescription: { text: docs.what },
    defaultConfiguration: { level: LEVELS[rule.severity] },
    help: {
      text: ruleHelpText(rule, context),
      markdown: context.ruleDocs ? context.ruleDocs(rule, locale) : ruleHelpText(rule, context),
    },
    properties: {
      target: rule.target,
      languages: rule.languages,
      tags: ['coze-loop', rule.target, ...rule.languages],
      precision: 'high',
    },
  };
  if (context.docsBaseUrl) descriptor.helpUri = `${trimChar(context.docsBaseUrl, '/')}/${rule.id}.md`;
  return descriptor;
}

function result(finding: Finding, ruleIndex: number, context: ReportContext): Record<string, unknown> {
  const uri = toUri(finding.path);
  const location = { physicalLocation: { artifactLocation: { uri, uriBaseId: '%SRCROOT%' }, region: { startLine: finding.line } } };
  const out: Record<string, unknown> = {
    ruleId: finding.ruleId,
    level: LEVELS[finding.severity],
    message: { text: finding.message },
    locations: [location],
    relatedLocations: [
      {
        id: 0,
        physicalLocation: {
          artifactLocation: { uri, uriBaseId: '%SRCROOT%' },
          region: { startLine: finding.loop.startLine, endLine: Math.max(finding.loop.startLine, finding.loop.endLine) },
        },
        message: { text: 'loop' },
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
    properties: {
      target: finding.target,
      confidence: finding.confidence,
      explanation: finding.explanation,
      ...(finding.cost ? { cost: finding.cost } : {}),
    },
  };
  if (ruleIndex >= 0) out.ruleIndex = ruleIndex;
  const fix = finding.fix;
  if (fix?.kind === 'replace') {
    out.fixes = [
      {
        description: { text: fix.description || t(context.locale, 'report.sarif.fix') },
        artifactChanges: [
          {
            artifactLocation: { uri, uriBaseId: '%SRCROOT%' },
            // A region without columns covers startLine..endLine up to (not including) the final newline.
            replacements: [{ deletedRegion: { startLine: fix.startLine, endLine: fix.endLine }, insertedContent: { text: fix.code } }],
          },
        ],
      },
    ];
  }
  return out;
}

export function renderSarif(context: ReportContext): string {
  const used = new Set(context.result.findings.map((f) => f.ruleId));
  // The whole catalogue, so that code scanning shows rule help even for rules with no result in this run.
  const rules = [...context.rules].sort((a, b) => a.id.localeCompare(b.id));
  for (const id of [...used].sort()) {
    if (!rules.some((r) => r.id === id)) {
      rules.push({
        id,
        title: { en: id, 'zh-CN': id },
        target: context.result.findings.find((f) => f.ruleId === id)!.target,
        severity: 'warning',
        languages: [],
        docs: { en: emptyDocs(id), 'zh-CN': emptyDocs(id) },
        messages: {},
        explanations: {},
      });
    }
  }
  const index = new Map(rules.map((rule, i) => [rule.id, i]));
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'coze-loop',
            version: context.toolVersion,
            semanticVersion: context.toolVersion,
            informationUri: 'https://github.com/coze-loop/coze-loop',
            rules: rules.map((rule) => ruleDescriptor(rule, context)),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The directory coze-loop was run from.' } } },
        results: context.result.findings.map((f) => result(f, index.get(f.ruleId) ?? -1, context)),
        columnKind: 'utf16CodeUnits',
        properties: {
          filesAnalyzed: context.result.filesAnalyzed,
          skipped: context.result.skipped,
          notes: context.result.notes,
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function emptyDocs(id: string): RuleDefinition['docs']['en'] {
  return { what: id, why: '', example: '', use_instead: '', when_not_to_use: '' };
}
