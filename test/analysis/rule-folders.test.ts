// A rule is one folder (rules/<id>/rule.yml plus rules/<id>/fixtures/). These tests run against temporary copies
// of rules/, never the repository's own: the scaffold's placeholders fail the catalogue check, each by name, and so
// does anything in rules/ that is not a rule folder.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { knownRuleIds } from '../../src/config/load.js';
import { catalogueProblems, readRuleFiles, RULES_DIR, SCAFFOLD_PLACEHOLDER } from '../../src/analysis/rule-registry.js';

/** A scratch checkout with a copy of rules/ and the two detector indexes the scaffold registers into. */
function scratch(): string {
  const root = mkdtempSync(join(tmpdir(), 'coze-loop-rule-folders-'));
  cpSync(RULES_DIR, join(root, 'rules'), { recursive: true });
  for (const group of ['optimize', 'quality']) {
    mkdirSync(join(root, 'src', 'analysis', 'rules', group), { recursive: true });
    copyFileSync(join(PROJECT_ROOT, 'src', 'analysis', 'rules', group, 'index.ts'), join(root, 'src', 'analysis', 'rules', group, 'index.ts'));
  }
  return root;
}

function scaffold(root: string, ...args: string[]): string {
  return execFileSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'new-rule.js'), ...args, '--root', root], { encoding: 'utf8' });
}

const ID = 'sample-scaffolded-rule';

describe('npm run new-rule', () => {
  const root = scratch();
  const rules = join(root, 'rules');
  const healthy = catalogueProblems(rules);
  const output = scaffold(root, ID, '--target', 'fix-bugs');

  it('starts from a healthy copy and leaves the repository alone', () => {
    expect(healthy).toEqual([]);
    expect(output).toContain(`created rules/${ID}/rule.yml`);
    expect(existsSync(join(PROJECT_ROOT, 'rules', ID))).toBe(false);
    expect(existsSync(join(PROJECT_ROOT, 'src', 'analysis', 'rules', 'quality', `${ID}.ts`))).toBe(false);
  });

  it('creates the folder layout: rule.yml and bad/good fixtures in rules/<id>/, registered in the group index', () => {
    expect(readdirSync(join(rules, ID)).sort()).toEqual(['fixtures', 'rule.yml']);
    expect(readdirSync(join(rules, ID, 'fixtures')).sort()).toEqual(['bad.py', 'bad.ts', 'good.py', 'good.ts']);
    expect(readFileSync(join(root, 'src', 'analysis', 'rules', 'quality', 'index.ts'), 'utf8')).toContain(`'${ID}': detect`);
    expect(existsSync(join(root, 'test', 'analysis', 'rules', `${ID}.test.ts`))).toBe(true);
  });

  it('writes a rule file that validates, so that only its placeholders stand between it and the catalogue', () => {
    const rule = readRuleFiles(rules).find((r) => r.id === ID);
    expect(rule?.target).toBe('fix-bugs');
  });

  it('fails the catalogue check, naming every placeholder text and fixture', () => {
    const problems = catalogueProblems(rules);
    const ruleFile = problems.find((p) => p.startsWith(`rules/${ID}/rule.yml: still the new-rule scaffold's placeholder`));
    expect(ruleFile).toBeDefined();
    for (const key of ['title.en', 'title.zh-CN', 'messages.default.en', 'messages.default.zh-CN', 'explanations.default.en', 'explanations.default.zh-CN']) {
      expect(ruleFile).toContain(key);
    }
    for (const locale of ['en', 'zh-CN']) {
      for (const section of ['what', 'why', 'example', 'use_instead', 'when_not_to_use']) expect(ruleFile).toContain(`docs.${locale}.${section}`);
    }
    for (const file of ['bad.py', 'bad.ts', 'good.py', 'good.ts']) {
      expect(problems).toContain(`rules/${ID}/fixtures/${file}: still the new-rule scaffold's placeholder fixture (${SCAFFOLD_PLACEHOLDER})`);
    }
    // The detector exists only in the scratch copy, so this process has none registered for it.
    expect(problems.some((p) => p.includes(`no detector registered for "${ID}"`))).toBe(true);
  });

  it('stops naming the placeholders once the texts are written', () => {
    for (const file of [join(rules, ID, 'rule.yml'), ...['bad.py', 'bad.ts', 'good.py', 'good.ts'].map((f) => join(rules, ID, 'fixtures', f))]) {
      writeFileSync(file, readFileSync(file, 'utf8').split(SCAFFOLD_PLACEHOLDER).join('written'));
    }
    expect(catalogueProblems(rules).filter((p) => p.includes('placeholder'))).toEqual([]);
  });

  it('refuses an existing id and the reserved folder names', () => {
    expect(() => scaffold(root, ID, '--target', 'fix-bugs')).toThrow(/already exists/);
    for (const reserved of ['apis', 'optimize', 'fix-bugs']) expect(() => scaffold(root, reserved)).toThrow(/reserved/);
  });
});

describe('rules/ holds only rule folders', () => {
  it('lists the same rule ids for the config check as the registry reads (rules/apis/ is no rule)', () => {
    expect(knownRuleIds()).toEqual(readRuleFiles().map((r) => r.id).sort());
    expect(knownRuleIds()).not.toContain('apis');
    expect(knownRuleIds().length).toBeGreaterThan(20);
  });

  it('reports a folder without rule.yml and a rule file in the old layout, by name', () => {
    const rules = join(scratch(), 'rules');
    mkdirSync(join(rules, 'orphan-fixtures', 'fixtures'), { recursive: true });
    writeFileSync(join(rules, 'orphan-fixtures', 'fixtures', 'bad.py'), 'pass\n');
    copyFileSync(join(rules, 'busy-wait', 'rule.yml'), join(rules, 'old-style.yml'));
    expect(catalogueProblems(rules)).toEqual([
      'rules/old-style.yml: a rule is a folder: move this file to rules/old-style/rule.yml (and its fixtures to rules/old-style/fixtures/)',
      'rules/orphan-fixtures/: a rule folder needs rule.yml (it has: fixtures)',
    ]);
  });

  it('rejects a rule.yml whose id is not its folder name', () => {
    const rules = join(scratch(), 'rules');
    mkdirSync(join(rules, 'renamed-rule'));
    copyFileSync(join(rules, 'busy-wait', 'rule.yml'), join(rules, 'renamed-rule', 'rule.yml'));
    expect(() => readRuleFiles(rules)).toThrow('rules/renamed-rule/rule.yml: id: "busy-wait" must match the folder name "renamed-rule"');
  });
});
