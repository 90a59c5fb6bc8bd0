// What a reviewer reads: the full Markdown of one finding per optimize rule and language, in both locales, with
// the cost estimate, its assumptions and the patch.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSource } from '../../../src/analysis/engine.js';
import { detectors } from '../../../src/analysis/rules/optimize/index.js';
import { configSchema } from '../../../src/config/schema.js';
import { LOCALES } from '../../../src/core/types.js';
import { renderFindingMarkdown } from '../../../src/report/markdown.js';
import { FIXTURES_DIR } from '../../support/rule-tester.js';
import { githubSuggestions } from '../../../src/platforms/github/markdown.js';

describe.each(Object.keys(detectors))('%s renders', (ruleId) => {
  it.each(['bad.py', 'bad.ts'])('first finding of %s in both locales', (file) => {
    const path = `test/fixtures/rules/${ruleId}/${file}`;
    const content = readFileSync(join(FIXTURES_DIR, ruleId, file), 'utf8');
    for (const locale of LOCALES) {
      const config = configSchema().parse({ locale, severity_threshold: 'info', test_code: { paths: [] } });
      const finding = analyzeSource({ path, content }, config, { onlyRules: [ruleId], locale }).findings[0]!;
      expect(finding.cost).toBeDefined();
      expect(finding.fix).toBeDefined();
      expect(finding.message).not.toMatch(/\{\{/);
      expect(finding.explanation).not.toMatch(/\{\{/);
      expect(renderFindingMarkdown(finding, { locale, suggestion: githubSuggestions })).toMatchSnapshot(locale);
    }
  });
});
