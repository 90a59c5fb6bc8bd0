// Strict fixture tester for one rule (Semgrep's markers, ESLint's strictness): in rules/<id>/fixtures/, a
// comment `ruleid: <id>` sits on the line above each line the rule must report and `ok: <id>` above lines it must
// not; exactly the marked lines fire, nothing else does; every `replace` fix applies, the patched file parses
// without errors, and the rule no longer fires on that loop. `ruleid: <id>[<variant>]` also asserts the message
// variant the finding was rendered with (its English message equals that variant's template filled with its data).
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema, type CozeLoopConfig } from '../../src/config/schema.js';
import { fill, PROJECT_ROOT } from '../../src/core/i18n.js';
import type { Finding } from '../../src/core/types.js';
import { analyzeSource, getRule } from '../../src/analysis/engine.js';
import { languageForPath, parseSource } from '../../src/analysis/parse.js';
import { applyFix } from '../../src/fixes/apply.js';

/** The rule folders: each rule's fixtures are in `rules/<id>/fixtures/`. */
export const RULES_DIR = join(PROJECT_ROOT, 'rules');

/** The fixtures folder of one rule. */
export function fixturesDir(ruleId: string): string {
  return join(RULES_DIR, ruleId, 'fixtures');
}

/** The repository-relative path of one fixture, as the engine sees it. */
export function fixturePath(ruleId: string, file: string): string {
  return `rules/${ruleId}/fixtures/${file}`;
}

export interface FixtureMarkers {
  /** Lines (1-based) the rule must report. */
  expected: number[];
  /** Lines the rule must not report. */
  ok: number[];
  /** Line → message variant the finding on it must have (markers written `ruleid: <id>[<variant>]`). */
  variants: Map<number, string>;
}

const MARKER = /(?:#|\/\/|\/\*)\s*(ruleid|ok):\s*([a-z0-9-]+(?:\[[a-z0-9-]+\])?(?:\s*,\s*[a-z0-9-]+(?:\[[a-z0-9-]+\])?)*)/;

/** Reads `ruleid:` / `ok:` markers for one rule; a marker applies to the next line that is not itself a marker. */
export function readMarkers(source: string, ruleId: string): FixtureMarkers {
  const lines = source.split(/\r?\n/);
  const expected: number[] = [];
  const ok: number[] = [];
  const variants = new Map<number, string>();
  for (let i = 0; i < lines.length; i++) {
    const match = MARKER.exec(lines[i]!);
    if (!match) continue;
    const entries = match[2]!.split(',').map((s) => /^([a-z0-9-]+)(?:\[([a-z0-9-]+)\])?$/.exec(s.trim())!);
    const entry = entries.find((e) => e[1] === ruleId);
    if (!entry) continue;
    let target = i + 1;
    while (target < lines.length && isMarkerOnly(lines[target]!)) target++;
    (match[1] === 'ruleid' ? expected : ok).push(target + 1);
    if (match[1] === 'ruleid' && entry[2]) variants.set(target + 1, entry[2]);
  }
  return { expected: [...new Set(expected)].sort((a, b) => a - b), ok: [...new Set(ok)].sort((a, b) => a - b), variants };
}

function isMarkerOnly(line: string): boolean {
  return /^\s*(?:#|\/\/|\/\*)\s*(?:ruleid|ok):/.test(line);
}

/**
 * Every rule on at `info`, all targets, so that the fixture sees the rule whatever its default severity. Fixtures
 * live under `rules/<id>/fixtures/`, which is test code by default: here no path is test code, so that a fixture is
 * analysed as the product code it stands for (see `test_code` in the config).
 */
export function fixtureConfig(ruleId: string): CozeLoopConfig {
  return configSchema().parse({
    rules: { [ruleId]: 'on' },
    severity_threshold: 'info',
    test_code: { paths: [], targets: ['optimize', 'readability', 'fix-bugs'] },
  });
}

/**
 * The message variants whose English template, filled with the finding's data, is the finding's message (the
 * engine renders `default` for a variant the rule does not define; a fixture never asserts that by accident).
 */
export function variantsOf(finding: Finding): string[] {
  const rule = getRule(finding.ruleId);
  if (!rule) return [];
  return Object.entries(rule.messages)
    .filter(([, text]) => fill(text.en, finding.data) === finding.message)
    .map(([variant]) => variant);
}

export function fixtureFiles(ruleId: string): string[] {
  const dir = fixturesDir(ruleId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => languageForPath(f) !== undefined)
    .sort();
}

export function runRule(ruleId: string, path: string, source: string): Finding[] {
  const result = analyzeSource({ path, content: source }, fixtureConfig(ruleId), { onlyRules: [ruleId] });
  if (result.skipped.length > 0) throw new Error(`${path} was skipped: ${JSON.stringify(result.skipped)}`);
  return result.findings.filter((f) => f.ruleId === ruleId);
}

/** Where the loop of `finding` starts after `fix` was applied (lines move when the fix adds or removes lines). */
function loopStartsAfterFix(finding: Finding, newLineCount: number): (line: number) => boolean {
  const fix = finding.fix!;
  const delta = newLineCount - (fix.endLine - fix.startLine + 1);
  const start = finding.loop.startLine;
  if (fix.endLine < start) return (line) => line === start + delta;
  if (fix.startLine > start) return (line) => line === start;
  return (line) => line >= fix.startLine && line <= fix.startLine + Math.max(0, newLineCount - 1);
}

export function describeRuleFixtures(ruleId: string): void {
  describe(`rule ${ruleId}`, () => {
    const files = fixtureFiles(ruleId);

    it('is in the catalogue and has fixtures', () => {
      expect(getRule(ruleId)).toBeDefined();
      expect(files.some((f) => f.startsWith('bad.'))).toBe(true);
      expect(files.some((f) => f.startsWith('good.'))).toBe(true);
    });

    for (const file of files) {
      const path = fixturePath(ruleId, file);
      const source = readFileSync(join(fixturesDir(ruleId), file), 'utf8');
      const language = languageForPath(file)!;
      const markers = readMarkers(source, ruleId);

      describe(file, () => {
        it('parses without syntax errors', () => {
          expect(parseSource(language, source).rootNode.hasError).toBe(false);
        });

        if (file.startsWith('bad.')) {
          it('marks at least one line with `ruleid:`', () => {
            expect(markers.expected.length).toBeGreaterThan(0);
          });
        }
        if (file.startsWith('good.')) {
          it('marks no line with `ruleid:`', () => {
            expect(markers.expected).toEqual([]);
          });
        }

        it('reports exactly the lines marked `ruleid:`', () => {
          const lines = [...new Set(runRule(ruleId, path, source).map((f) => f.line))].sort((a, b) => a - b);
          expect(lines).toEqual(markers.expected);
          for (const line of markers.ok) expect(lines).not.toContain(line);
        });

        if (markers.variants.size > 0) {
          it('renders the message variant each `ruleid: <id>[<variant>]` asks for', () => {
            const findings = runRule(ruleId, path, source);
            for (const [line, variant] of markers.variants) {
              const onLine = findings.filter((f) => f.line === line);
              expect({ line, variants: onLine.flatMap(variantsOf) }).toEqual({ line, variants: expect.arrayContaining([variant]) });
            }
          });
        }

        it('reports each line once', () => {
          const lines = runRule(ruleId, path, source).map((f) => f.line);
          expect(lines.length).toBe(new Set(lines).size);
        });

        const withFixes = () => runRule(ruleId, path, source).filter((f) => f.fix?.kind === 'replace');
        it('every replace fix applies, parses, and clears the finding on its loop', () => {
          const before = runRule(ruleId, path, source);
          for (const finding of withFixes()) {
            const fix = finding.fix!;
            const patched = applyFix(source, fix);
            const where = `${file}:${finding.line} (fix lines ${fix.startLine}-${fix.endLine})`;
            const tree = parseSource(language, patched);
            if (tree.rootNode.hasError) throw new Error(`${where}: the patched file does not parse:\n${patched}`);
            const after = runRule(ruleId, path, patched);
            const newLineCount = fix.code === '' ? 0 : fix.code.split(/\r?\n/).length;
            const onSameLoop = loopStartsAfterFix(finding, newLineCount);
            const afterOnLoop = after.filter((f) => onSameLoop(f.loop.startLine));
            const beforeOnLoop = before.filter((f) => f.loop.startLine === finding.loop.startLine);
            const still = afterOnLoop.filter((f) => f.message === finding.message);
            if (still.length > 0 || afterOnLoop.length >= beforeOnLoop.length) {
              throw new Error(`${where}: the rule still fires on the loop after the fix: ${afterOnLoop.map((f) => `${f.line}: ${f.message}`).join('; ')}`);
            }
          }
        });
      });
    }
  });
}
