// The catalogue check (ESLint's and Ruff's build checks): every rule file validates and has docs, titles and
// messages in both locales, fixtures that show it firing and staying quiet for each language family it declares,
// a test that runs those fixtures, and a detector; and every detector has a rule file.
import { describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { LOCALES } from '../../src/core/types.js';
import { renderRuleDocs } from '../../src/analysis/engine.js';
import { allDetectors, catalogueProblems, COMPILED_CATALOGUE, compileRuleFiles, detectorPath, readRuleFiles, SCAFFOLD_PLACEHOLDER } from '../../src/analysis/rule-registry.js';
import { readCompiled } from '../../src/core/data-files.js';
import { fixtureFiles } from '../support/rule-tester.js';

const JS_FAMILY = /\.(?:js|mjs|cjs|jsx|ts|mts|cts|tsx)$/;

function testFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (entry === 'fixtures' || entry === 'node_modules') continue;
    if (statSync(full).isDirectory()) testFiles(full, out);
    else if (entry.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

function placeholders(template: string): string[] {
  return [...template.matchAll(/\{\{\s*([\w.-]+)\s*\}\}/g)].map((m) => m[1]!).sort();
}

const rules = readRuleFiles();
const tests = testFiles(join(PROJECT_ROOT, 'test')).map((file) => ({ file, text: readFileSync(file, 'utf8') }));

describe('rule catalogue', () => {
  it('has rules', () => {
    expect(rules.length).toBeGreaterThan(0);
  });

  it('reads the same definitions from the compiled catalogue as from the YAML, and only while it is current', () => {
    const fresh = compileRuleFiles();
    // Whether readRuleFiles used dist/rules-catalogue.json or (stale or not built) the YAML, the result is the same.
    expect(rules).toEqual(fresh.data);
    expect(JSON.parse(JSON.stringify(fresh.data))).toEqual(fresh.data);
    const compiled = readCompiled<unknown>(COMPILED_CATALOGUE, fresh.hash);
    if (compiled !== undefined) expect(compiled).toEqual(fresh.data);
    expect(readCompiled<unknown>(COMPILED_CATALOGUE, 'not-the-hash')).toBeUndefined();
    // A different rule set has a different hash, so an outdated compiled copy is never used.
    const other = mkdtempSync(join(tmpdir(), 'coze-loop-catalogue-'));
    mkdirSync(join(other, 'index-loop'));
    copyFileSync(join(PROJECT_ROOT, 'rules', 'index-loop', 'rule.yml'), join(other, 'index-loop', 'rule.yml'));
    expect(compileRuleFiles(other).hash).not.toBe(fresh.hash);
    expect(readRuleFiles(other)).toEqual([rules.find((r) => r.id === 'index-loop')]);
  });

  it('keeps fixtures only in the rule folders (rules/<id>/fixtures/), none in the old test/fixtures/rules/', () => {
    // A fixture left in the old place would never run: move it with `git mv test/fixtures/rules/<id>/* rules/<id>/fixtures/`.
    const old = join(PROJECT_ROOT, 'test', 'fixtures', 'rules');
    const left = existsSync(old) ? readdirSync(old, { recursive: true }).map(String).filter((f) => statSync(join(old, f)).isFile()) : [];
    expect(left).toEqual([]);
  });

  it('pairs every rule file with a detector and every detector with a rule file', () => {
    expect(catalogueProblems()).toEqual([]);
    const ids = new Set(rules.map((r) => r.id));
    expect(Object.keys(allDetectors()).filter((id) => !ids.has(id))).toEqual([]);
  });

  it('finds each rule\'s detector in src/analysis/rules/<group>/<id>.ts, the group of its target (docs/engine.md, "Rule layout")', () => {
    expect(rules.map(detectorPath).filter((path) => !existsSync(join(PROJECT_ROOT, path)))).toEqual([]);
  });

  it('has no detector left as the new-rule scaffold wrote it', () => {
    const dir = join(PROJECT_ROOT, 'src', 'analysis', 'rules');
    const sources = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.ts'));
    expect(sources.filter((f) => readFileSync(join(dir, f), 'utf8').includes(SCAFFOLD_PLACEHOLDER))).toEqual([]);
  });

  for (const rule of rules) {
    describe(rule.id, () => {
      it('has a title and complete docs in every locale', () => {
        for (const locale of LOCALES) {
          expect(rule.title[locale].trim()).not.toBe('');
          for (const key of ['what', 'why', 'example', 'use_instead', 'when_not_to_use'] as const) {
            expect(rule.docs[locale][key].trim()).not.toBe('');
          }
        }
      });

      it('has every message and explanation variant in every locale, with the same placeholders', () => {
        for (const templates of [rule.messages, rule.explanations]) {
          expect(templates.default).toBeDefined();
          for (const [variant, text] of Object.entries(templates)) {
            for (const locale of LOCALES) expect(`${variant}:${text[locale]?.trim() ?? ''}`).not.toBe(`${variant}:`);
            expect(placeholders(text['zh-CN'])).toEqual(placeholders(text.en));
          }
        }
      });

      it('renders docs with every section in both locales', () => {
        for (const locale of LOCALES) {
          const md = renderRuleDocs(rule, locale);
          expect(md.startsWith(`# ${rule.id}: `)).toBe(true);
          expect((md.match(/^## /gm) ?? []).length).toBe(5);
        }
      });

      const files = fixtureFiles(rule.id);
      if (rule.languages.includes('python')) {
        it('has Python fixtures bad.py and good.py', () => {
          expect(files).toEqual(expect.arrayContaining(['bad.py', 'good.py']));
        });
      }
      if (rule.languages.includes('go')) {
        it('has Go fixtures bad.go and good.go', () => {
          expect(files).toEqual(expect.arrayContaining(['bad.go', 'good.go']));
        });
      }
      if (rule.languages.includes('java')) {
        it('has Java fixtures bad.java and good.java', () => {
          expect(files).toEqual(expect.arrayContaining(['bad.java', 'good.java']));
        });
      }
      if (rule.languages.some((l) => l === 'javascript' || l === 'typescript' || l === 'tsx')) {
        it('has JavaScript/TypeScript fixtures, bad and good', () => {
          expect(files.filter((f) => f.startsWith('bad.') && JS_FAMILY.test(f)).length).toBeGreaterThan(0);
          expect(files.filter((f) => f.startsWith('good.') && JS_FAMILY.test(f)).length).toBeGreaterThan(0);
        });
      }

      it('has a test that runs its fixtures with describeRuleFixtures', () => {
        const runners = tests.filter(
          ({ text }) => text.includes('describeRuleFixtures') && (text.includes(`'${rule.id}'`) || text.includes(`"${rule.id}"`)),
        );
        expect(runners.map(({ file }) => relative(PROJECT_ROOT, file)).length).toBeGreaterThan(0);
      });
    });
  }
});
