// What a reviewer reads: the full Markdown of one finding per optimize rule and language, in both locales, with
// the cost estimate, its assumptions and the patch. Each rule's renderings are kept in its folder,
// rules/<id>/snapshot.md (UPDATE_SNAPSHOTS=1 rewrites them).
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSource } from '../../../src/analysis/engine.js';
import { detectors } from '../../../src/analysis/rules/optimize/index.js';
import { configSchema } from '../../../src/config/schema.js';
import { LOCALES } from '../../../src/core/types.js';
import { renderFindingMarkdown } from '../../../src/report/markdown.js';
import { githubSuggestions } from '../../../src/platforms/github/markdown.js';
import { expectGolden } from '../../support/golden.js';
import { fixturePath, fixturesDir, RULES_DIR } from '../../support/rule-tester.js';

const SNAPSHOT_NOTE = '<!-- The first finding of each bad fixture as a review comment; written by test/analysis/rules/optimize-render.test.ts (UPDATE_SNAPSHOTS=1). -->';

describe.each(Object.keys(detectors))('%s renders', (ruleId) => {
  it('the first finding of bad.py and bad.ts in both locales, as rules/<id>/snapshot.md has them', () => {
    const sections = [SNAPSHOT_NOTE, ''];
    for (const file of ['bad.py', 'bad.ts']) {
      const path = fixturePath(ruleId, file);
      const content = readFileSync(join(fixturesDir(ruleId), file), 'utf8');
      for (const locale of LOCALES) {
        const config = configSchema().parse({ locale, severity_threshold: 'info', test_code: { paths: [] } });
        const finding = analyzeSource({ path, content }, config, { onlyRules: [ruleId], locale }).findings[0]!;
        expect(finding.cost).toBeDefined();
        expect(finding.fix).toBeDefined();
        expect(finding.message).not.toMatch(/\{\{/);
        expect(finding.explanation).not.toMatch(/\{\{/);
        sections.push(`<!-- ${file} · ${locale} -->`, '', renderFindingMarkdown(finding, { locale, suggestion: githubSuggestions }).trimEnd(), '');
      }
    }
    expectGolden(join(RULES_DIR, ruleId, 'snapshot.md'), sections.join('\n'));
  });
});
