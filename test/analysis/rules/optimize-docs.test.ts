// docs/rules-optimize.md is generated; this test fails when it is stale (regenerate with UPDATE_DOCS=1) and checks
// that every optimize rule documents all five sections in both locales and that every message variant a
// detector can produce exists with an explanation.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRules } from '../../../src/analysis/engine.js';
import { renderOptimizeReference } from '../../../src/analysis/rules/optimize/reference.js';
import { detectors } from '../../../src/analysis/rules/optimize/index.js';
import { PROJECT_ROOT } from '../../../src/core/i18n.js';

const DOC = join(PROJECT_ROOT, 'docs', 'rules-optimize.md');

describe('optimize rule reference', () => {
  const rules = loadRules().filter((r) => r.target === 'optimize');

  it('covers exactly the registered optimize detectors', () => {
    expect(rules.map((r) => r.id).sort()).toEqual(Object.keys(detectors).sort());
  });

  it.each(Object.keys(detectors))('%s has docs, messages and explanations in both locales', (id) => {
    const rule = rules.find((r) => r.id === id)!;
    for (const locale of ['en', 'zh-CN'] as const) {
      for (const section of ['what', 'why', 'example', 'use_instead', 'when_not_to_use'] as const) {
        expect(rule.docs[locale][section].length).toBeGreaterThan(40);
      }
    }
    expect(Object.keys(rule.messages).sort()).toEqual(Object.keys(rule.explanations).sort());
    expect(rule.cost?.metric).toBeTruthy();
    expect(rule.fix?.strategy).toBeTruthy();
  });

  it('docs/rules-optimize.md is up to date', () => {
    const generated = renderOptimizeReference(rules);
    if (process.env.UPDATE_DOCS === '1' || !existsSync(DOC)) writeFileSync(DOC, generated);
    expect(readFileSync(DOC, 'utf8')).toBe(generated);
  });
});
