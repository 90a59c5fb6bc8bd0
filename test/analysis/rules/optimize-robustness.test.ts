// The optimize detectors see half-typed code in every pull request: mutated fixtures (lines dropped, characters
// inserted, truncated) must never make them throw, and every replace fix they still offer must parse.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSource } from '../../../src/analysis/engine.js';
import { languageForPath, parseSource } from '../../../src/analysis/parse.js';
import { detectors } from '../../../src/analysis/rules/optimize/index.js';
import { configSchema } from '../../../src/config/schema.js';
import { applyFix } from '../../../src/fixes/apply.js';
import { fixtureFiles, fixturesDir } from '../../support/rule-tester.js';

const RULES = Object.keys(detectors);
const SOURCES = RULES.flatMap((id) => fixtureFiles(id).map((f) => ({ path: `${id}/${f}`, text: readFileSync(join(fixturesDir(id), f), 'utf8') })));
const CONFIG = configSchema().parse({ targets: ['optimize'], severity_threshold: 'info' });

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('(', ')', '{', '}', ':', '"', "'", '\n', '    ', 'await ', 'for x in y:\n', 'while (true) {\n') }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

interface Mutation {
  kind: 'drop' | 'insert' | 'truncate';
  at: number;
  count?: number;
  text?: string;
}

function mutate(text: string, m: Mutation): string {
  const lines = text.split('\n');
  if (m.kind === 'drop') {
    const i = m.at % lines.length;
    lines.splice(i, m.count ?? 1);
    return lines.join('\n');
  }
  const pos = m.at % (text.length + 1);
  if (m.kind === 'insert') return text.slice(0, pos) + (m.text ?? '') + text.slice(pos);
  return text.slice(0, pos);
}

describe('optimize detectors on mutated code', () => {
  it('never throw, and the fixes they offer still parse', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SOURCES), fc.array(mutation, { minLength: 1, maxLength: 3 }), (source, mutations) => {
        const text = mutations.reduce((t, m) => mutate(t, m), source.text);
        const path = `mutated/${source.path}`;
        const result = analyzeSource({ path, content: text }, CONFIG, { onlyRules: RULES });
        const language = languageForPath(path)!;
        for (const f of result.findings) {
          expect(f.cost).toBeDefined();
          if (f.fix?.kind !== 'replace') continue;
          const before = parseSource(language, text).rootNode.hasError;
          if (!before) expect(parseSource(language, applyFix(text, f.fix)).rootNode.hasError).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });
});
