// docs/rules/ is generated from the rule folders (src/analysis/rule-docs.ts): this test fails when a committed page
// is stale, missing or left over from a removed rule (regenerate with `npm run docs:rules`, which runs this file with
// UPDATE_DOCS=1), and checks what the pages are made of: complete docs in both locales, and for every optimize rule
// a cost metric, a fix strategy and an explanation for each message variant.
import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRules } from '../../src/analysis/engine.js';
import { renderRuleDocPages, RULE_DOCS_DIR } from '../../src/analysis/rule-docs.js';
import { detectors } from '../../src/analysis/rules/optimize/index.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { TARGETS } from '../../src/core/types.js';

const DIR = join(PROJECT_ROOT, RULE_DOCS_DIR);
const rules = loadRules();
const pages = renderRuleDocPages(rules);

if (process.env.UPDATE_DOCS === '1') {
  mkdirSync(DIR, { recursive: true });
  for (const name of readdirSync(DIR)) if (name.endsWith('.md') && !pages.has(name)) rmSync(join(DIR, name));
  for (const [name, text] of pages) writeFileSync(join(DIR, name), text);
}

describe('docs/rules/ (generated rule reference)', () => {
  it('has a page per rule, per target and an index, and nothing else', () => {
    const expected = ['README.md', ...TARGETS.map((t) => `${t}.md`), ...rules.map((r) => `${r.id}.md`)].sort();
    expect([...pages.keys()].sort()).toEqual(expected);
    expect(existsSync(DIR) ? readdirSync(DIR).sort() : []).toEqual(expected);
  });

  it.each([...pages.keys()])('%s is up to date (npm run docs:rules)', (name) => {
    expect(readFileSync(join(DIR, name), 'utf8')).toBe(pages.get(name));
  });

  it('is linked from the README, whose rule table lists every rule with a link to its page', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    for (const target of TARGETS) expect(readme).toContain(`(docs/rules/${target}.md)`);
    const linked = [...readme.matchAll(/^\|[^|\n]*\| \[`([a-z0-9-]+)`\]\(docs\/rules\/\1\.md\) \|/gm)].map((m) => m[1]);
    expect(linked.sort()).toEqual(rules.map((r) => r.id).sort());
  });

  it('links every rule from its target page and the index, and every rule page to its rule folder', () => {
    for (const rule of rules) {
      expect(pages.get(`${rule.target}.md`)).toContain(`[\`${rule.id}\`](${rule.id}.md)`);
      expect(pages.get('README.md')).toContain(`[\`${rule.id}\`](${rule.id}.md)`);
      expect(pages.get(`${rule.id}.md`)).toContain(`(../../rules/${rule.id}/rule.yml)`);
      expect(pages.get(`${rule.id}.md`)).toContain(rule.docs['zh-CN'].what.trim());
    }
  });
});

describe('optimize rules', () => {
  const optimize = rules.filter((r) => r.target === 'optimize');

  it('are exactly the registered optimize detectors', () => {
    expect(optimize.map((r) => r.id).sort()).toEqual(Object.keys(detectors).sort());
  });

  it.each(Object.keys(detectors))('%s has docs, messages and explanations in both locales', (id) => {
    const rule = optimize.find((r) => r.id === id)!;
    for (const locale of ['en', 'zh-CN'] as const) {
      for (const section of ['what', 'why', 'example', 'use_instead', 'when_not_to_use'] as const) {
        expect(rule.docs[locale][section].length).toBeGreaterThan(40);
      }
    }
    expect(Object.keys(rule.messages).sort()).toEqual(Object.keys(rule.explanations).sort());
    expect(rule.cost?.metric).toBeTruthy();
    expect(rule.fix?.strategy).toBeTruthy();
  });

  it('optimize.md carries the cost model in both locales', () => {
    expect(pages.get('optimize.md')).toContain('## Cost model');
    expect(pages.get('optimize.md')).toContain('## 成本模型');
  });
});
