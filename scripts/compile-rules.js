#!/usr/bin/env node
// Part of `npm run build`: validates rules/*.yml once and writes the definitions to dist/rules-catalogue.json, with a
// hash of the files, so that the CLI and the service start without parsing the YAML again. The runtime checks the
// hash and falls back to the YAML when a rule file has changed since (src/analysis/rule-registry.ts).
import { writeFileSync } from 'node:fs';
import { COMPILED_CATALOGUE, compileRuleFiles } from '../dist/src/analysis/rule-registry.js';

const { hash, definitions } = compileRuleFiles();
writeFileSync(COMPILED_CATALOGUE, `${JSON.stringify({ hash, definitions })}\n`);
console.log(`coze-loop: compiled ${definitions.length} rules into dist/rules-catalogue.json`);
