import { describe, expect, it } from '@jest/globals';
import { codeQualityFingerprints, renderCodeQuality } from '../../src/report/codequality.js';
import { renderJson } from '../../src/report/json.js';
import { renderSarif, toUri } from '../../src/report/sarif.js';
import { renderText } from '../../src/report/text.js';
import type { ReportContext } from '../../src/report/types.js';
import { POLLING, RULES, SOURCES, sampleResult } from './sample.js';
import { sarifSchema, type SarifLog } from './sarif-schema.js';

function context(overrides: Partial<ReportContext> = {}): ReportContext {
  return { result: sampleResult(), locale: 'en', rules: RULES, sources: SOURCES, toolVersion: '1.2.3', ...overrides };
}

describe('text reporter', () => {
  it('groups by file with line:col, severity, message, rule id, a code frame and totals', () => {
    const text = renderText(context());
    expect(text).not.toContain('\u001b[');
    expect(text).toContain('src/worker.py\n  7:13  error    UPDATE per row');
    expect(text).toContain('  > 8 |         time.sleep(30)');
    expect(text).toContain('✖ 3 problem(s) (1 error(s), 1 warning(s), 1 info)');
    expect(text).toContain('assets/logo.py: skipped: binary file');
    expect(text).toMatchSnapshot();
  });

  it('renders in Simplified Chinese', () => {
    expect(renderText(context({ locale: 'zh-CN' }))).toMatchSnapshot();
  });

  it('colours only when asked to', () => {
    expect(renderText(context({ color: true }))).toContain('\u001b[31m');
  });

  it('keeps control characters from analysed files out of the terminal', () => {
    const sources = new Map(SOURCES);
    sources.set('src/worker.py', SOURCES.get('src/worker.py')!.replace('time.sleep(30)', 'time.sleep(30) \u001b]0;pwned\u0007'));
    expect(renderText(context({ sources }))).not.toMatch(/[\u001b\u0007]/);
  });

  it('reports a clean run', () => {
    const text = renderText(context({ result: { findings: [], skipped: [], notes: [], filesAnalyzed: 12 } }));
    expect(text).toBe('✔ No problems found in 12 file(s).\n12 file(s) analysed, 0 skipped\n');
  });
});

describe('json reporter', () => {
  it('carries findings with cost and fix, skipped files and notes', () => {
    const report = JSON.parse(renderJson(context())) as Record<string, any>;
    expect(report.tool).toEqual({ name: 'coze-loop', version: '1.2.3' });
    expect(report.summary).toEqual({
      filesAnalyzed: 3,
      filesSkipped: 2,
      findings: 3,
      bySeverity: { info: 1, warning: 1, error: 1 },
      byTarget: { optimize: 2, readability: 1, 'fix-bugs': 0 },
    });
    const polling = report.findings.find((f: { ruleId: string }) => f.ruleId === 'polling-fixed-interval');
    expect(polling.cost.before).toBe(2880);
    expect(polling.fix.code).toBe(POLLING.fix!.code);
    expect(report.skipped).toHaveLength(2);
    expect(report.notes).toHaveLength(1);
  });
});

describe('sarif reporter', () => {
  const log = JSON.parse(renderSarif(context({ ruleDocs: (rule) => `# ${rule.id}\n\nDocs.` }))) as SarifLog;

  it('is structurally valid SARIF 2.1.0 for GitHub', () => {
    expect(() => sarifSchema.parse(log)).not.toThrow();
  });

  it('describes every rule with its target and help text', () => {
    const rules = log.runs[0]!.tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual(['busy-wait', 'index-loop', 'polling-fixed-interval', 'write-per-row']);
    const polling = rules.find((r) => r.id === 'polling-fixed-interval')!;
    expect(polling.properties.target).toBe('optimize');
    expect(polling.help.markdown).toBe('# polling-fixed-interval\n\nDocs.');
    expect(polling.help.text).toContain('Why polling-fixed-interval is bad.');
    expect(polling.defaultConfiguration.level).toBe('warning');
  });

  it('points each result at its rule and line, with a fingerprint and, for exact replacements, a fix', () => {
    const { results, tool } = log.runs[0]!;
    for (const result of results) expect(tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId);
    const polling = results.find((r) => r.ruleId === 'polling-fixed-interval')!;
    expect(polling.level).toBe('warning');
    expect(polling.locations[0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'src/worker.py', uriBaseId: '%SRCROOT%' }, region: { startLine: 8 } });
    expect(polling.partialFingerprints).toEqual({ 'cozeLoopFingerprint/v1': '0123456789abcdef' });
    expect(polling.fixes![0]!.artifactChanges[0]!.replacements[0]).toEqual({
      deletedRegion: { startLine: 8, endLine: 8 },
      insertedContent: { text: '        time.sleep(backoff.next())' },
    });
    expect(results.find((r) => r.ruleId === 'index-loop')!.fixes).toBeUndefined();
    expect(results.find((r) => r.ruleId === 'index-loop')!.level).toBe('note');
  });

  it('encodes paths as relative URIs', () => {
    expect(toUri('./src/my file#1.py')).toBe('src/my%20file%231.py');
    expect(toUri('src\\win.py')).toBe('src/win.py');
  });
});

describe('codequality reporter', () => {
  it('follows GitLab\'s format with severity mapping and unique fingerprints', () => {
    const duplicate = { ...POLLING };
    const result = sampleResult();
    result.findings.push(duplicate);
    const issues = JSON.parse(renderCodeQuality(context({ result }))) as Record<string, any>[];
    expect(issues).toHaveLength(4);
    for (const issue of issues) {
      expect(issue).toEqual(
        expect.objectContaining({
          type: 'issue',
          description: expect.any(String),
          check_name: expect.any(String),
          fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
          location: { path: expect.any(String), lines: { begin: expect.any(Number) } },
        }),
      );
    }
    expect(new Set(issues.map((i) => i.fingerprint)).size).toBe(4);
    expect(issues.map((i) => i.severity)).toEqual(['critical', 'major', 'minor', 'major']);
    expect(issues[1]).toMatchObject({ check_name: 'polling-fixed-interval', location: { path: 'src/worker.py', lines: { begin: 8 } } });
  });

  it('keeps a fingerprint when the finding moves to another line', () => {
    const [before] = codeQualityFingerprints([POLLING]);
    const [after] = codeQualityFingerprints([{ ...POLLING, line: 80, loop: { startLine: 76, endLine: 80 } }]);
    expect(after).toBe(before);
  });
});
