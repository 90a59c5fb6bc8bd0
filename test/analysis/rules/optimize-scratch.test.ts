import { describe, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { globSync } from 'tinyglobby';
import { configSchema } from '../../../src/config/schema.js';
import { analyzeSources } from '../../../src/analysis/engine.js';
import { detectors } from '../../../src/analysis/rules/optimize/index.js';

describe('scratch scan', () => {
  it('scans', () => {
    const root = process.env.SCAN_ROOT ?? 'test/fixtures/rules';
    const files = globSync(process.env.SCAN_GLOB ?? '**/*.{py,ts,js,tsx}', { cwd: root, absolute: true, ignore: ['**/node_modules/**', '**/test/**', '**/tests/**'] }).slice(0, Number(process.env.SCAN_MAX ?? 100000));
    const inputs = files.map((p) => ({ path: p, content: readFileSync(p) }));
    const config = configSchema.parse({ targets: ['optimize'], severity_threshold: 'info' });
    const t0 = Date.now();
    const res = analyzeSources(inputs, config, { onlyRules: Object.keys(detectors) });
    const lines = res.findings.map((f) => `${f.ruleId} ${f.path.replace(/^.*fixtures\/rules\//, '')}:${f.line} [${f.confidence}] ${f.message}`);
    console.log(`${files.length} files, ${res.findings.length} findings, ${Date.now() - t0} ms\n` + lines.join('\n'));
  });
});
