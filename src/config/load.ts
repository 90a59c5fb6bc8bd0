// Reads `.coze-loop.yml` (or the bots' `.github/coze-loop.yml` text) into a validated config. Every error names the
// file and the key path, because a config error is read by someone who did not write the schema.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { z } from 'zod';
import { configSchema, DEFAULT_CONFIG, type CozeLoopConfig } from './schema.js';
import { yaml, zod } from '../core/lazy-modules.js';
import { PROJECT_ROOT, t } from '../core/i18n.js';
import { ruleFolderIds } from '../core/data-files.js';
import type { Locale } from '../core/types.js';

export const DEFAULT_CONFIG_FILE = '.coze-loop.yml';
export const MAX_CONFIG_BYTES = 256 * 1024;

export class ConfigError extends Error {
  /** File name (or other label) the text came from. */
  readonly source: string;
  /** Dotted key path of the first problem (`rules.query-in-loop`), when the problem is at a key. */
  readonly key?: string;
  /** Every problem found, already formatted as `key: problem`. */
  readonly problems: string[];

  constructor(source: string, problems: { key?: string; text: string }[]) {
    const lines = problems.map((p) => (p.key ? `${p.key}: ${p.text}` : p.text));
    super(lines.map((line) => `${source}: ${line}`).join('\n'));
    this.name = 'ConfigError';
    this.source = source;
    this.key = problems[0]?.key;
    this.problems = lines;
  }
}

type Issue = z.core.$ZodIssue;

/** `rules.query-in-loop`, `include[2]`: the spelling a user would search for in their file. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** Keys a strict object at this path accepts, for "did you mean" hints. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: unknown = configSchema();
  for (const part of path) {
    schema = unwrap(schema);
    const shape = (schema as { shape?: Record<string, unknown> }).shape;
    if (!shape || typeof part !== 'string' || !(part in shape)) return [];
    schema = shape[part];
  }
  schema = unwrap(schema);
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  if (shape) return Object.keys(shape);
  const keyType = (schema as { _zod?: { def?: { keyType?: { options?: unknown[] } } } })._zod?.def?.keyType;
  return (keyType?.options ?? []).filter((o): o is string => typeof o === 'string');
}

function unwrap(schema: unknown): unknown {
  let current = schema as { _zod?: { def?: { innerType?: unknown; type?: string } } } | undefined;
  for (let i = 0; i < 5 && current?._zod?.def?.innerType; i++) current = current._zod.def.innerType as typeof current;
  return current;
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** A union's branches each explain the failure; the most specific one (deepest, not a bare type mismatch) helps most. */
function pickUnionBranch(branches: Issue[][]): Issue[] {
  const score = (issues: Issue[]): number =>
    Math.max(...issues.map((issue) => issue.path.length * 2 + (issue.code === 'invalid_type' ? 0 : 1)), -1);
  return [...branches].sort((a, b) => score(b) - score(a))[0] ?? [];
}

function explainIssue(issue: Issue, basePath: readonly PropertyKey[], input: unknown, locale: Locale): { key?: string; text: string }[] {
  const path = [...basePath, ...issue.path];
  const key = path.length ? formatKeyPath(path) : undefined;
  switch (issue.code) {
    case 'invalid_union': {
      const branch = pickUnionBranch(issue.errors as Issue[][]);
      if (branch.length) return branch.flatMap((inner) => explainIssue(inner, path, input, locale));
      return [{ key, text: t(locale, 'cli.config.invalid', { message: issue.message }) }];
    }
    case 'unrecognized_keys':
      return issue.keys.map((name) => {
        const suggestion = closest(name, knownKeysAt(path));
        return {
          key: formatKeyPath([...path, name]),
          text: suggestion
            ? t(locale, 'cli.config.unknown-key-hint', { suggestion })
            : t(locale, 'cli.config.unknown-key'),
        };
      });
    case 'invalid_value':
      return [{ key, text: t(locale, 'cli.config.one-of', { values: issue.values.map(String).join('|') }) }];
    case 'invalid_type':
      return [
        {
          key,
          text: t(locale, 'cli.config.type', { expected: issue.expected, received: describeValue(valueAt(input, path)) }),
        },
      ];
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const which = issue.code === 'too_small' ? (issue.inclusive ? 'min' : 'gt') : issue.inclusive ? 'max' : 'lt';
      const kind = issue.origin === 'array' ? 'items' : issue.origin === 'string' ? 'chars' : 'number';
      return [{ key, text: t(locale, `cli.config.${which}-${kind}`, { bound: String(bound) }) }];
    }
    case 'invalid_key': {
      const name = path.length ? path[path.length - 1] : undefined;
      return [{ key, text: t(locale, 'cli.config.bad-key', { key: String(name ?? '') }) }];
    }
    default:
      return [{ key, text: t(locale, 'cli.config.invalid', { message: issue.message }) }];
  }
}

/**
 * YAML text -> validated config. `source` labels errors (a file name). Unknown keys are errors: a typo in a key
 * would otherwise silently keep the default the user meant to change.
 */
export function parseConfig(text: string, source: string, locale: Locale = 'en'): CozeLoopConfig {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (document.errors.length > 0) {
    throw new ConfigError(
      source,
      document.errors.map((error) => {
        const where = lineCounter.linePos(error.pos[0]);
        return {
          text: where
            ? t(locale, 'cli.config.yaml-at', { line: where.line, col: where.col, message: firstLine(error.message) })
            : t(locale, 'cli.config.yaml', { message: firstLine(error.message) }),
        };
      }),
    );
  }
  let data: unknown = document.toJS({ maxAliasCount: 100 });
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(source, [{ text: t(locale, 'cli.config.not-mapping', { received: describeValue(data) }) }]);
  }
  // An empty section (`rules:` with nothing under it) reads as null; it means "defaults", not a type error.
  const cleaned = Object.fromEntries(Object.entries(data as Record<string, unknown>).filter(([, value]) => value !== null));
  const result = configSchema().safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => explainIssue(issue as Issue, [], cleaned, locale));
    throw new ConfigError(source, dedupe(problems));
  }
  const unknownRules = [
    ...unknownRuleProblems(Object.keys(result.data.rules), locale),
    ...result.data.overrides.flatMap((override, i) => unknownRuleProblems(Object.keys(override.rules ?? {}), locale, ['overrides', i, 'rules'])),
  ];
  if (unknownRules.length > 0) throw new ConfigError(source, unknownRules);
  return result.data;
}

let ruleIds: string[] | undefined;

/** Rule ids are the names of the rule folders (`rules/<id>/rule.yml`): cheap to list, no engine needed. */
export function knownRuleIds(): string[] {
  ruleIds ??= ruleFolderIds(join(PROJECT_ROOT, 'rules'));
  return ruleIds;
}

/** A misspelt rule id would silently leave the rule at its default: the same reason unknown keys are errors. */
function unknownRuleProblems(ids: string[], locale: Locale, at: (string | number)[] = ['rules']): { key: string; text: string }[] {
  const known = knownRuleIds();
  if (known.length === 0) return [];
  return ids
    .filter((id) => !known.includes(id))
    .map((id) => {
      const suggestion = closest(id, known);
      return {
        key: formatKeyPath([...at, id]),
        text: suggestion ? t(locale, 'cli.config.unknown-rule-hint', { suggestion }) : t(locale, 'cli.config.unknown-rule'),
      };
    });
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

function dedupe(problems: { key?: string; text: string }[]): { key?: string; text: string }[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const id = `${p.key ?? ''}\u0000${p.text}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * Loads `path` (relative to `cwd`), or `.coze-loop.yml` in `cwd` when no path is given. A missing default file means
 * defaults; a missing file the user named is an error.
 */
export function loadConfigFile(path?: string, cwd: string = process.cwd(), locale: Locale = 'en'): CozeLoopConfig {
  const explicit = path !== undefined;
  const label = path ?? DEFAULT_CONFIG_FILE;
  const file = isAbsolute(label) ? label : resolve(cwd, label);
  if (!existsSync(file)) {
    if (!explicit) return structuredClone(DEFAULT_CONFIG);
    throw new ConfigError(label, [{ text: t(locale, 'cli.config.missing') }]);
  }
  const stats = statSync(file);
  if (!stats.isFile()) throw new ConfigError(label, [{ text: t(locale, 'cli.config.not-file') }]);
  if (stats.size > MAX_CONFIG_BYTES) {
    throw new ConfigError(label, [{ text: t(locale, 'cli.config.too-large', { bytes: MAX_CONFIG_BYTES }) }]);
  }
  const buffer = readFileSync(file);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    throw new ConfigError(label, [{ text: t(locale, 'cli.config.not-utf8') }]);
  }
  return parseConfig(text, label, locale);
}

/**
 * JSON Schema of the config file for editors (YAML language servers read `# yaml-language-server: $schema=`).
 * Input side: keys with defaults are optional, which is what a person writing the file sees.
 */
const KEY_DESCRIPTIONS: Record<string, string> = {
  targets: 'Rule targets to run: optimize, readability, fix-bugs.',
  severity_threshold: 'Findings below this severity are not reported.',
  include: 'Globs of files to analyse (empty: every supported file).',
  exclude: 'Globs of files to skip, in addition to node_modules, .git, vendor, dist, build, venv, site-packages.',
  rules: 'Per rule id: off | on | info | warning | error, or { enabled, severity }.',
  overrides: 'Per-path settings, later entries win: [{ files: [globs], rules: {...}, targets: [...] }].',
  apis: 'Extra API knowledge per call kind: dotted names or globs, e.g. http: [send_to_bigdata, "external_api.*"]; plus roles, resources and builds.',
  'apis.roles': 'Method names per role, for every language, e.g. acks: [finish_job], closes: [give_back], control_flow_errors: [RetryLater].',
  'apis.resources': 'Calls that open something the code must close, tried before the built-in ones: [{ open: "pool.lease", close: give_back }].',
  'apis.builds': 'Callee globs per nature of the value built, e.g. in_process_queue: ["workq.Queue"].',
  cost: 'Assumptions behind cost estimates (latencies, concurrency, replicas, prices).',
  'cost.db_query_ms': 'Latency of one database round trip, in milliseconds.',
  'cost.http_call_ms': 'Latency of one HTTP/RPC call, in milliseconds.',
  'cost.connect_ms': 'Cost of opening a connection (TCP + TLS + auth), in milliseconds.',
  'cost.concurrency': 'Parallelism assumed for the fixed version of serial I/O.',
  'cost.batch_size': 'Items per batch when the code does not say.',
  'cost.replicas': 'Worker processes running the same loop.',
  'cost.core_hour': 'Price of one CPU core-hour, in `currency`.',
  'cost.per_million_queries': 'Price of one million database queries / API calls (0: money not shown).',
  'cost.currency': 'Currency code shown with money figures.',
  max_comments: 'Most inline review comments per push; the rest go to the summary.',
  locale: 'Language of reports and comments: en or zh-CN.',
  max_file_bytes: 'Files larger than this are skipped with a note.',
  fail_on: 'Lowest severity that fails the CLI exit code, the check run or the commit status (none: never).',
  review: 'Pull/merge request review behaviour (bots).',
  'review.drafts': 'Review draft pull requests too.',
  'review.comment_on': 'Lines findings may anchor on: added, context (added + diff context) or file.',
  'review.inline_severity': 'Lowest severity posted as an inline comment (info, warning or error); findings below it are listed in the summary.',
  'review.group_repeats': 'From this many inline findings of one rule and variant in one file, post one comment that lists them all (0: one comment each).',
  'review.summary': 'Post the summary comment.',
  summary: 'Weekly repository report (bots).',
  'summary.enabled': 'Open the weekly report issue.',
  'summary.day': 'Day of the week the report runs.',
  llm: 'Optional refinement through an OpenAI-compatible endpoint.',
  'llm.enabled': 'Allow LLM refinement for slash-command replies.',
  'llm.auto': 'Also refine the top findings of automatic reviews.',
  'llm.max_findings': 'Findings refined per automatic review.',
  'llm.max_tokens_per_day': 'Daily token budget per repository.',
};

function describeProperties(node: Record<string, unknown>, prefix: string): void {
  const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
  for (const [key, child] of Object.entries(properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const description = KEY_DESCRIPTIONS[path];
    if (description) child.description = description;
    describeProperties(child, path);
  }
}

export function configJsonSchema(): Record<string, unknown> {
  const schema = zod().toJSONSchema(configSchema(), { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  describeProperties(schema, '');
  return {
    $schema: schema.$schema,
    $id: 'https://raw.githubusercontent.com/coze-loop/coze-loop/main/schema/coze-loop.schema.json',
    title: 'coze-loop configuration (.coze-loop.yml, .github/coze-loop.yml)',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}
