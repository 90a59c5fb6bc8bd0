#!/usr/bin/env node
// Part of `npm run build`: parses and validates the shipped YAML once (rules/<id>/rule.yml, rules/apis/*.yml,
// templates/i18n/*.yml) and writes each set to dist/<name>.json with a hash of its files, so that the CLI and the
// service start without parsing YAML. The runtime uses a copy only while its hash matches the files on disk
// (src/core/data-files.ts).
import { writeFileSync } from 'node:fs';
import { compiledPath, compiledText } from '../dist/src/core/data-files.js';
import { COMPILED_TEMPLATES, compileTemplates } from '../dist/src/core/i18n.js';
import { COMPILED_APIS, compileApiFiles } from '../dist/src/analysis/knowledge-base.js';
import { COMPILED_CATALOGUE, compileRuleFiles, ruleFolderProblems } from '../dist/src/analysis/rule-registry.js';

for (const [name, compile, what] of [
  [COMPILED_CATALOGUE, compileRuleFiles, 'rules'],
  [COMPILED_APIS, compileApiFiles, 'API files'],
  [COMPILED_TEMPLATES, compileTemplates, 'template locales'],
]) {
  const { hash, data } = compile();
  writeFileSync(compiledPath(name), compiledText(hash, data));
  const count = Array.isArray(data) ? data.length : Object.keys(data).length;
  console.log(`coze-loop: compiled ${count} ${what} into dist/${name}.json`);
}
// The catalogue is built from the rule folders; anything else in rules/ (a folder without rule.yml, a rule file in
// the old rules/<id>.yml layout) is not shipped, and the catalogue test fails on it. Say so here too.
for (const problem of ruleFolderProblems()) console.warn(`coze-loop: warning: ${problem}`);
