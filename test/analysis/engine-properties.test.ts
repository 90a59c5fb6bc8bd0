// Property tests: whatever bytes or text arrive, analyzeSource returns a result and never throws. Runs are bounded
// so the suite stays quick; the mutated fixtures are the interesting inputs (almost-valid code).
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import type { AnalysisResult, SourceInput } from '../../src/core/types.js';
import { analyzeSource } from '../../src/analysis/engine.js';
import { fixturesDir, RULES_DIR } from '../support/rule-tester.js';

const EXTENSIONS = ['py', 'js', 'ts', 'tsx'];

function wellFormed(result: AnalysisResult): boolean {
  return (
    Array.isArray(result.findings) &&
    Array.isArray(result.skipped) &&
    Array.isArray(result.notes) &&
    result.filesAnalyzed + result.skipped.length === 1 &&
    // An internal failure is caught and reported as an `error` skip or a rule note: that is a bug, not a pass.
    result.skipped.every((s) => s.reason !== 'error') &&
    result.notes.every((n) => !n.note.startsWith('rule ')) &&
    result.findings.every((f) => Number.isInteger(f.line) && f.line >= 1 && /^[0-9a-f]{16}$/.test(f.fingerprint))
  );
}

function analyze(input: SourceInput): AnalysisResult {
  const result = analyzeSource(input, DEFAULT_CONFIG, { timeBudgetMs: 5_000 });
  if (!wellFormed(result)) throw new Error(`${input.path}: ${JSON.stringify({ skipped: result.skipped, notes: result.notes })}`);
  return result;
}

function fixtureSources(): Array<{ path: string; text: string }> {
  if (!existsSync(RULES_DIR)) return [];
  const out: Array<{ path: string; text: string }> = [];
  for (const rule of readdirSync(RULES_DIR).sort()) {
    const dir = fixturesDir(rule);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) {
      if (EXTENSIONS.includes(file.split('.').pop()!)) out.push({ path: `${rule}/${file}`, text: readFileSync(join(dir, file), 'utf8') });
    }
  }
  return out;
}

const SNIPPETS = ['while True:', 'for x in xs:', '    ', '\n', '(', ')', '{', '}', '[', ']', 'await ', 'try:', 'except:', '#', '//', '"', "'", '`', 'time.sleep(1)', 'for (;;) {', 'setInterval(', 'coze-loop: ignore[', '\0', '\ud800', 'é', '\r\n'];

describe('analyzeSource never throws', () => {
  it('on random strings in every language', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'binary' }), fc.constantFrom(...EXTENSIONS), (text, ext) => {
        expect(wellFormed(analyze({ path: `random.${ext}`, content: text }))).toBe(true);
      }),
      { numRuns: 150, seed: 4242 },
    );
  });

  it('on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(...EXTENSIONS), (bytes, ext) => {
        expect(wellFormed(analyze({ path: `bytes.${ext}`, content: Buffer.from(bytes) }))).toBe(true);
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it('on code-like soup', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SNIPPETS), { maxLength: 120 }), fc.constantFrom(...EXTENSIONS), (parts, ext) => {
        expect(wellFormed(analyze({ path: `soup.${ext}`, content: parts.join('') }))).toBe(true);
      }),
      { numRuns: 150, seed: 99 },
    );
  });

  const fixtures = fixtureSources();
  it('on mutated fixture files (deleted, duplicated and swapped lines, cut text, inserted junk)', () => {
    expect(fixtures.length).toBeGreaterThan(0);
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ op: fc.constant('swap' as const), at: fc.nat(), count: fc.nat() }),
      fc.record({ op: fc.constant('cut' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), count: fc.nat(), junk: fc.constantFrom(...SNIPPETS) }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...fixtures), fc.array(mutation, { minLength: 1, maxLength: 6 }), (fixture, mutations) => {
        let lines = fixture.text.split('\n');
        let text = fixture.text;
        for (const m of mutations) {
          const at = lines.length === 0 ? 0 : m.at % lines.length;
          if (m.op === 'delete') lines.splice(at, m.count);
          else if (m.op === 'duplicate') lines.splice(at, 0, ...lines.slice(at, at + m.count));
          else if (m.op === 'swap' && lines.length > 1) {
            const other = m.count % lines.length;
            [lines[at], lines[other]] = [lines[other]!, lines[at]!];
          } else if (m.op === 'cut') {
            text = lines.join('\n');
            const start = m.at % Math.max(1, text.length);
            lines = (text.slice(0, start) + text.slice(start + m.count)).split('\n');
          } else if (m.op === 'insert') {
            const line = lines[at] ?? '';
            const col = line.length === 0 ? 0 : m.count % line.length;
            lines[at] = line.slice(0, col) + ('junk' in m ? m.junk : '') + line.slice(col);
          }
        }
        const mutated = lines.join('\n');
        expect(wellFormed(analyze({ path: fixture.path, content: mutated }))).toBe(true);
        expect(wellFormed(analyze({ path: fixture.path, content: Buffer.from(mutated) }))).toBe(true);
      }),
      { numRuns: 80, seed: 2026 },
    );
  });
});
