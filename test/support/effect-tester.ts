// Fixture tester for effect summaries: each folder of test/fixtures/effects/ is a small repository analysed as one
// set (imports between its files resolve; imported files are read through a context reader, as the CLI reads the
// disk). Markers, on the line above the reported line:
//   `# ruleid: <rule>[, <rule>] via: <chain>`  the rule reports the next line, and its message ends with the chain;
//                                              `via: none` says the finding must rest on a direct API call
//   `# ruleid: <rule>`                         the rule reports the next line (chain not checked)
//   `# ok: <rule>[, <rule>]`                   the rule does not report the next line
// Exactly the marked lines fire for every rule the folder mentions.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { configSchema } from '../../src/config/schema.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import type { AnalysisResult, Finding } from '../../src/core/types.js';
import { analyzeSources } from '../../src/analysis/engine.js';
import { languageForPath } from '../../src/analysis/parse.js';

export const EFFECT_FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'effects');

const MARKER = /(?:#|\/\/)\s*(ruleid|ok):\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)(?:\s+via:\s*(.+))?$/;

export interface EffectMarker {
  kind: 'ruleid' | 'ok';
  rules: string[];
  /** Path (relative to the fixtures folder) and 1-based line the marker applies to. */
  path: string;
  line: number;
  via?: string;
}

function filesUnder(dir: string, also?: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full, also));
    else if (languageForPath(name) || also?.(name)) out.push(full);
  }
  return out;
}

/** Files the engine reads for context only, never analyses: a Go module's `go.mod`. */
const CONTEXT_ONLY = (name: string): boolean => name === 'go.mod';

export function readEffectMarkers(path: string, source: string): EffectMarker[] {
  const lines = source.split(/\r?\n/);
  const out: EffectMarker[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i]!.trim());
    if (!m) continue;
    let target = i + 1;
    while (target < lines.length && MARKER.test(lines[target]!.trim())) target++;
    const marker: EffectMarker = { kind: m[1] as 'ruleid' | 'ok', rules: m[2]!.split(',').map((s) => s.trim()), path, line: target + 1 };
    if (m[3] !== undefined) marker.via = m[3].trim();
    out.push(marker);
  }
  return out;
}

/** Analyses one fixture folder: `only` files are analysed (all by default), the rest are context read on demand. */
export function analyseFolder(folder: string, rules: string[], only?: (path: string) => boolean): { result: AnalysisResult; sources: Map<string, string> } {
  const dir = join(EFFECT_FIXTURES, folder);
  const sources = new Map<string, string>();
  for (const full of filesUnder(dir, CONTEXT_ONLY)) sources.set(relative(EFFECT_FIXTURES, full).split('\\').join('/'), readFileSync(full, 'utf8'));
  const config = configSchema().parse({ severity_threshold: 'info', rules: Object.fromEntries(rules.map((r) => [r, 'on'])) });
  const inputs = [...sources].filter(([p]) => languageForPath(p) && (!only || only(p))).map(([path, content]) => ({ path, content }));
  const reads: string[] = [];
  const result = analyzeSources(inputs, config, {
    onlyRules: rules,
    contextReader: (p) => {
      reads.push(p);
      return sources.get(p);
    },
  });
  return { result, sources };
}

export function describeEffectFixtures(folder: string): void {
  describe(`effect fixtures ${folder}`, () => {
    const dir = join(EFFECT_FIXTURES, folder);
    const markers: EffectMarker[] = [];
    for (const full of filesUnder(dir)) {
      const path = relative(EFFECT_FIXTURES, full).split('\\').join('/');
      markers.push(...readEffectMarkers(path, readFileSync(full, 'utf8')));
    }
    const rules = [...new Set(markers.flatMap((m) => m.rules))].sort();
    const { result } = analyseFolder(folder, rules);

    it('has positive and negative markers and analyses every file', () => {
      expect(markers.some((m) => m.kind === 'ruleid')).toBe(true);
      expect(markers.some((m) => m.kind === 'ok')).toBe(true);
      expect(result.skipped.filter((s) => s.reason !== 'empty')).toEqual([]);
    });

    for (const rule of rules) {
      it(`${rule}: reports exactly the marked lines`, () => {
        const got = result.findings
          .filter((f) => f.ruleId === rule)
          .map((f) => `${f.path}:${f.line}`)
          .sort();
        const want = markers
          .filter((m) => m.kind === 'ruleid' && m.rules.includes(rule))
          .map((m) => `${m.path}:${m.line}`)
          .sort();
        expect(got).toEqual(want);
      });
    }

    for (const marker of markers.filter((m) => m.kind === 'ruleid' && m.via !== undefined)) {
      for (const rule of marker.rules) {
        it(`${rule} at ${marker.path}:${marker.line} names the chain: ${marker.via}`, () => {
          const finding: Finding | undefined = result.findings.find((f) => f.ruleId === rule && f.path === marker.path && f.line === marker.line);
          expect(finding).toBeDefined();
          if (marker.via === 'none') {
            expect(finding!.message).not.toContain(' — ');
            expect(finding!.data?.via).toBeUndefined();
          } else {
            expect(finding!.message).toContain(` — ${marker.via}`);
            expect(finding!.message.endsWith(` — ${marker.via}`)).toBe(true);
            expect(finding!.confidence).toBe('medium');
            expect(finding!.explanation).toContain(marker.via!);
          }
        });
      }
    }
  });
}
