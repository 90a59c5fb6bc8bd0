// Property tests for the JS/TS fact extractor: on mutated realistic worker code it never throws, and the model it
// returns is internally consistent (spans inside the file, parent/child links symmetric, calls inside the file).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { FileFacts } from '../../src/analysis/facts.js';
import { extractJavaScriptFacts } from '../../src/analysis/facts/javascript.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { parseSource } from '../../src/analysis/parse.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';

const kb = loadKnowledgeBase();
const dir = join(PROJECT_ROOT, 'test', 'fixtures', 'js-facts');
const fixtures = readdirSync(dir)
  .sort()
  .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
const languageOf = (name: string): 'javascript' | 'typescript' | 'tsx' => (name.endsWith('.tsx') ? 'tsx' : name.endsWith('.ts') ? 'typescript' : 'javascript');

function consistent(facts: FileFacts, lineCount: number): void {
  for (const loop of facts.loops) {
    expect(loop.startLine).toBeGreaterThanOrEqual(1);
    expect(loop.endLine).toBeLessThanOrEqual(lineCount);
    expect(loop.startLine).toBeLessThanOrEqual(loop.endLine);
    expect(loop.bodyStartLine).toBeLessThanOrEqual(loop.bodyEndLine);
    expect(loop.bodyLines).toBeGreaterThanOrEqual(0);
    expect(loop.depth).toBe(loop.parent ? loop.parent.depth + 1 : 0);
    for (const child of loop.children) expect(child.parent).toBe(loop);
    if (loop.parent) expect(loop.parent.children).toContain(loop);
    for (const call of loop.calls) {
      expect(call.line).toBeGreaterThanOrEqual(1);
      expect(call.endLine).toBeLessThanOrEqual(lineCount);
      expect(Array.isArray(call.kinds)).toBe(true);
      if (call.sleepSeconds !== undefined) expect(Number.isFinite(call.sleepSeconds)).toBe(true);
    }
    for (const exit of loop.exits) expect(exit.line).toBeGreaterThanOrEqual(1);
  }
}

describe('extractJavaScriptFacts properties', () => {
  it('never throws on mutated worker code and keeps a consistent model', () => {
    const mutation = fc.record({
      fixture: fc.integer({ min: 0, max: fixtures.length - 1 }),
      at: fc.nat(),
      cut: fc.integer({ min: 0, max: 40 }),
      insert: fc.constantFrom('', '{', '}', '(', ')', 'while (true) {', 'for (;;)', 'await ', '`${', '/*', '//', 'setInterval(', '=>', ';', '\n'),
    });
    fc.assert(
      fc.property(mutation, ({ fixture, at, cut, insert }) => {
        const { name, text } = fixtures[fixture]!;
        const pos = at % (text.length + 1);
        const source = text.slice(0, pos) + insert + text.slice(pos + cut);
        const language = languageOf(name);
        const facts = extractJavaScriptFacts(name, source, parseSource(language, source), language, kb);
        consistent(facts, source.split('\n').length);
      }),
      { numRuns: 100, seed: 20261127 },
    );
  });

  it('never throws on arbitrary text in any of the three grammars', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom('javascript', 'typescript', 'tsx') as fc.Arbitrary<'javascript' | 'typescript' | 'tsx'>, (source, language) => {
        const facts = extractJavaScriptFacts('x', source, parseSource(language, source), language, kb);
        consistent(facts, source.split('\n').length);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
