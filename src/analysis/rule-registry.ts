// The rule catalogue: rules/<id>/rule.yml (metadata, docs, messages; validated with zod) joined with the detectors
// registered in src/analysis/rules/{optimize,quality}/index.ts. A rule without both halves is a build error.
import { type Dirent, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';
import { PROJECT_ROOT, readCompiled, readRuleFolders } from '../core/data-files.js';
import type { z } from 'zod';
import { lazySchema, yaml } from '../core/lazy-modules.js';
import { LANGUAGES, SEVERITIES, TARGETS, severityRank } from '../core/types.js';
import type { Detector, RuleDefinition } from './rule-types.js';
import { detectors as optimizeDetectors } from './rules/optimize/index.js';
import { detectors as qualityDetectors } from './rules/quality/index.js';

/** The schema of rules/<id>/rule.yml (built with zod on first use: the compiled catalogue needs no validation). */
export const ruleFileSchema = lazySchema((z) => {
  const localized = <T extends z.ZodType>(value: T) => z.strictObject({ en: value, 'zh-CN': value });
  const text = z.string().trim().min(1);

  const docsSchema = z.strictObject({
    what: text,
    why: text,
    example: text,
    use_instead: text,
    when_not_to_use: text,
  });

  const variants = z
    .record(z.string().regex(/^[a-z0-9-]+$/, 'variant names are kebab-case'), localized(text))
    .refine((v) => 'default' in v, { message: 'a `default` variant is required' });

  return z.strictObject({
    id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'rule ids are kebab-case'),
    title: localized(text),
    target: z.enum(TARGETS),
    severity: z.enum(SEVERITIES),
    /** Severity of a finding whose iteration count is assumed, not stated by the code (lower than `severity`). */
    assumed_count_severity: z.enum(SEVERITIES).optional(),
    /** A variant's own, lower severity, with the reason its findings' explanation gives. */
    variant_severity: z.record(z.string(), z.strictObject({ severity: z.enum(SEVERITIES), reason: localized(text) })).optional(),
    languages: z.array(z.enum(LANGUAGES)).min(1),
    docs: localized(docsSchema),
    messages: variants,
    explanations: variants,
    cost: z.looseObject({ metric: text }).optional(),
    fix: z.looseObject({ strategy: text, safety: z.enum(['safe', 'unsafe']) }).optional(),
    /** Free-form description of the detection, for readers of the rule file; the detector is the implementation. */
    detection: z.unknown().optional(),
    /** Peer linters' codes for the same problem; their inline suppressions silence this rule too. */
    peer_codes: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9/-]*$/)).optional(),
    /** Rule-specific tunables a detector may read. */
    options: z.record(z.string(), z.unknown()).optional(),
  });
});

export class RuleCatalogueError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly key?: string,
  ) {
    super(message);
    this.name = 'RuleCatalogueError';
  }
}

export const RULES_DIR = join(PROJECT_ROOT, 'rules');

/** Parses and validates one rule file; the error names the file and the key path. */
export function parseRuleFile(textContent: string, file: string): RuleDefinition {
  let data: unknown;
  try {
    data = yaml().parse(textContent);
  } catch (error) {
    throw new RuleCatalogueError(`${file}: invalid YAML: ${(error as Error).message}`, file);
  }
  const result = ruleFileSchema().safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = issue.path.map(String).join('.') || '(root)';
    throw new RuleCatalogueError(`${file}: ${key}: ${issue.message}`, file, key);
  }
  // rules/<id>/rule.yml: the id is the folder's name.
  const expectedId = file.replace(/\/rule\.ya?ml$/, '').replace(/^.*\//, '');
  if (result.data.id !== expectedId) {
    throw new RuleCatalogueError(`${file}: id: "${result.data.id}" must match the folder name "${expectedId}"`, file, 'id');
  }
  // A graded variant is one the rule reports, below the rule's own severity (grading never raises a finding).
  for (const [variant, graded] of Object.entries(result.data.variant_severity ?? {})) {
    const key = `variant_severity.${variant}`;
    if (!(variant in result.data.messages)) throw new RuleCatalogueError(`${file}: ${key}: "${variant}" is not a variant of messages`, file, key);
    if (severityRank(graded.severity) >= severityRank(result.data.severity)) {
      throw new RuleCatalogueError(`${file}: ${key}.severity: "${graded.severity}" must be lower than the rule's "${result.data.severity}"`, file, key);
    }
  }
  return result.data as RuleDefinition;
}

/**
 * The catalogue as `npm run build` compiled it (scripts/compile-data.js): the validated definitions, with a hash of
 * the rule files they came from, used only while the hash still matches the files on disk (see core/data-files.ts).
 */
export const COMPILED_CATALOGUE = 'rules-catalogue';

/** Parses and validates the rule files of `dir`, ignoring any compiled copy; with the hash of what was read. */
export function compileRuleFiles(dir = RULES_DIR): { hash: string; data: RuleDefinition[] } {
  const { files, texts, hash } = readRuleFolders(dir);
  return { hash, data: files.map((f, i) => parseRuleFile(texts[i]!, `rules/${f}`)) };
}

/** Reads rules/<id>/rule.yml (the API knowledge base in rules/apis/ is not a rule). */
export function readRuleFiles(dir = RULES_DIR): RuleDefinition[] {
  const { files, texts, hash } = readRuleFolders(dir);
  const compiled = dir === RULES_DIR ? readCompiled<RuleDefinition[]>(COMPILED_CATALOGUE, hash) : undefined;
  return compiled ?? files.map((f, i) => parseRuleFile(texts[i]!, `rules/${f}`));
}

export interface RegisteredRule {
  definition: RuleDefinition;
  detector: Detector;
}

/**
 * Joins definitions and detectors. A definition without a detector, or a detector without a definition, is a
 * catalogue problem: `strict` throws on the first one; otherwise the half rule is left out and the problem listed
 * (so that one rule under construction does not stop every other rule; the catalogue test fails on any problem).
 */
export function joinDetectors(
  definitions: RuleDefinition[],
  detectors: Record<string, Detector>,
  strict = true,
): { rules: RegisteredRule[]; problems: string[] } {
  const rules: RegisteredRule[] = [];
  const problems: string[] = [];
  const report = (message: string, file: string) => {
    if (strict) throw new RuleCatalogueError(message, file);
    problems.push(message);
  };
  const seen = new Set<string>();
  for (const definition of definitions) {
    if (seen.has(definition.id)) throw new RuleCatalogueError(`rules/${definition.id}/rule.yml: id: "${definition.id}" is defined twice`, `rules/${definition.id}/rule.yml`, 'id');
    seen.add(definition.id);
    const detector = Object.prototype.hasOwnProperty.call(detectors, definition.id) ? detectors[definition.id] : undefined;
    if (typeof detector !== 'function') {
      report(`rules/${definition.id}/rule.yml: no detector registered for "${definition.id}" in src/analysis/rules/{optimize,quality}/index.ts`, `rules/${definition.id}/rule.yml`);
      continue;
    }
    rules.push({ definition, detector });
  }
  for (const id of Object.keys(detectors)) {
    if (!seen.has(id)) report(`detector "${id}" has no rule file rules/${id}/rule.yml`, `rules/${id}/rule.yml`);
  }
  return { rules, problems };
}

/** Every detector from both groups; an id registered in both is an error. */
export function allDetectors(): Record<string, Detector> {
  const merged: Record<string, Detector> = { ...optimizeDetectors };
  for (const [id, detector] of Object.entries(qualityDetectors)) {
    if (id in merged) throw new RuleCatalogueError(`detector "${id}" is registered in both optimize and quality`, `rules/${id}/rule.yml`);
    merged[id] = detector;
  }
  return merged;
}

let registry: Map<string, RegisteredRule> | undefined;
let problems: string[] = [];

/**
 * Worker threads inherit the main thread's validated definitions through the environment data (cloned into each
 * thread as it starts): parsing and validating the YAML again cost every thread 0.3-0.6 s.
 */
const INHERITED_DEFINITIONS = 'coze-loop:rule-definitions';

function inheritedDefinitions(): RuleDefinition[] | undefined {
  if (isMainThread) return undefined;
  const value = getEnvironmentData(INHERITED_DEFINITIONS);
  return Array.isArray(value) ? (value as RuleDefinition[]) : undefined;
}

/** The validated catalogue, loaded once per process. An invalid rule file throws, naming the file and key. */
export function ruleRegistry(): Map<string, RegisteredRule> {
  if (!registry) {
    const inherited = inheritedDefinitions();
    const definitions = inherited ?? readRuleFiles();
    if (!inherited && isMainThread) setEnvironmentData(INHERITED_DEFINITIONS, definitions);
    const joined = joinDetectors(definitions, allDetectors(), false);
    problems = joined.problems;
    registry = new Map(joined.rules.map((r) => [r.definition.id, r]));
  }
  return registry;
}

/**
 * Where a rule's detector lives (repository-relative): `src/analysis/rules/<group>/<id>.ts`, group `optimize` for the
 * optimize target and `quality` for readability and fix-bugs. Detectors stay in src/ (docs/engine.md, "Rule
 * layout"); the catalogue test checks that each rule folder has its detector there.
 */
export function detectorPath(definition: Pick<RuleDefinition, 'id' | 'target'>): string {
  return `src/analysis/rules/${definition.target === 'optimize' ? 'optimize' : 'quality'}/${definition.id}.ts`;
}

/** Folders of rules/ that are not rules: the API knowledge base. */
export const NOT_RULE_FOLDERS: ReadonlySet<string> = new Set(['apis']);

/**
 * What `npm run new-rule` writes where a person has to write the real thing (docs, messages, fixtures): the
 * catalogue check reports every text that still contains it, so a scaffolded rule cannot pass unfinished.
 */
export const SCAFFOLD_PLACEHOLDER = 'TODO(new-rule)';

/**
 * Entries of the rules directory that are not rule folders: a folder without rule.yml (fixtures for a rule that
 * has no rule file), or a file where a folder belongs (a rule written as `rules/<id>.yml`, the old layout).
 */
export function ruleFolderProblems(dir = RULES_DIR): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [`${dir}: the rules directory cannot be read`];
  }
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || NOT_RULE_FOLDERS.has(entry.name)) continue;
    if (entry.isDirectory()) {
      if (!existsSync(join(dir, entry.name, 'rule.yml'))) {
        const found = readdirSync(join(dir, entry.name)).sort().join(', ') || 'nothing';
        out.push(`rules/${entry.name}/: a rule folder needs rule.yml (it has: ${found})`);
      }
    } else if (/\.ya?ml$/.test(entry.name)) {
      const id = entry.name.replace(/\.ya?ml$/, '');
      out.push(`rules/${entry.name}: a rule is a folder: move this file to rules/${id}/rule.yml (and its fixtures to rules/${id}/fixtures/)`);
    } else {
      out.push(`rules/${entry.name}: not a rule folder (rules/ holds rules/<id>/rule.yml and the API files in rules/apis/)`);
    }
  }
  return out;
}

/** Key paths (`docs.en.what`) of the strings of `value` that contain `needle`. */
function keysContaining(value: unknown, needle: string, at: string[] = []): string[] {
  if (typeof value === 'string') return value.includes(needle) ? [at.join('.')] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => keysContaining(v, needle, [...at, String(i)]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => keysContaining(v, needle, [...at, k]));
  return [];
}

/** The scaffold's placeholders still in a rule file or its fixtures, named by key and file. */
export function placeholderProblems(definitions: RuleDefinition[], dir = RULES_DIR): string[] {
  const out: string[] = [];
  for (const definition of definitions) {
    const keys = keysContaining(definition, SCAFFOLD_PLACEHOLDER);
    if (keys.length > 0) out.push(`rules/${definition.id}/rule.yml: still the new-rule scaffold's placeholder (${SCAFFOLD_PLACEHOLDER}) in ${keys.join(', ')}`);
    const fixtures = join(dir, definition.id, 'fixtures');
    if (!existsSync(fixtures)) continue;
    for (const file of readdirSync(fixtures).sort()) {
      const path = join(fixtures, file);
      if (statSync(path).isFile() && readFileSync(path, 'utf8').includes(SCAFFOLD_PLACEHOLDER)) {
        out.push(`rules/${definition.id}/fixtures/${file}: still the new-rule scaffold's placeholder fixture (${SCAFFOLD_PLACEHOLDER})`);
      }
    }
  }
  return out;
}

/**
 * Everything that keeps the catalogue from being complete, one message each; empty in a healthy catalogue:
 * entries of rules/ that are not rule folders, rules that have only one half (a rule file without a detector or
 * the reverse), and scaffold placeholders left in rule files or fixtures. `dir` other than rules/ (a copy, in
 * tests) is read afresh and joined with the registered detectors.
 */
export function catalogueProblems(dir = RULES_DIR): string[] {
  let joinProblems: string[];
  let definitions: RuleDefinition[];
  if (dir === RULES_DIR) {
    ruleRegistry();
    joinProblems = [...problems];
    definitions = readRuleFiles();
  } else {
    definitions = readRuleFiles(dir);
    joinProblems = joinDetectors(definitions, allDetectors(), false).problems;
  }
  return [...ruleFolderProblems(dir), ...joinProblems, ...placeholderProblems(definitions, dir)];
}
