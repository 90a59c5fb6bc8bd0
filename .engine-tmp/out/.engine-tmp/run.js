import { readFileSync } from 'node:fs';
import { analyzeSource } from '../src/analysis/engine.js';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
const file = process.argv[2];
const t0 = Date.now();
const r = analyzeSource({ path: file, content: readFileSync(file) }, DEFAULT_CONFIG);
console.log(Date.now() - t0, 'ms');
for (const f of r.findings)
    console.log(`${f.line} ${f.ruleId} [${f.severity}/${f.confidence}] ${f.message} ${f.fix ? '(fix ' + f.fix.kind + ')' : ''}`);
console.log(r.skipped, r.notes);
