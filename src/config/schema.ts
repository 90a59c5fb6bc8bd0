// `.coze-loop.yml` (CLI) and `.github/coze-loop.yml` (bots): one schema, validated at the boundary. The schema is
// built with zod on first use (core/lazy-modules.ts): a CLI run without a config file never loads zod. Defaults
// are written once, in DEFAULTS below, and the schema fills them in from there.
import type { z as Zod } from 'zod';
import { CALL_KINDS } from '../analysis/facts.js';
import type { CallKind } from '../analysis/facts.js';
import { BUILT_VALUES, CALL_ROLES, type BuiltValue, type CallRole } from '../analysis/knowledge-base.js';
import { lazySchema } from '../core/lazy-modules.js';
import { apiPatternProblem, GLOB_LIMITS, globProblem } from './glob.js';
import { LOCALES, SEVERITIES, TARGETS } from '../core/types.js';

const DEFAULT_COST = {
  /** Latency of one database round trip. */
  db_query_ms: 5,
  /** Latency of one HTTP/RPC call. */
  http_call_ms: 200,
  /** Cost of opening a connection (TCP + TLS + auth). */
  connect_ms: 30,
  /** Parallelism assumed for the fixed version of serial I/O. */
  concurrency: 8,
  /** Items per batch when the code does not say. */
  batch_size: 100,
  /** Worker processes running the same loop. */
  replicas: 1,
  /** Price of one CPU core-hour. */
  core_hour: 0.04,
  /** Price of one million database queries / API calls (0 = unknown, money not shown). */
  per_million_queries: 0.2,
  currency: 'USD',
};

const DEFAULTS = {
  targets: [...TARGETS],
  /** Findings below this severity are not reported. */
  severity_threshold: 'info' as const,
  include: [] as string[],
  exclude: [] as string[],
  rules: {},
  apis: {} as ApisConfig,
  cost: DEFAULT_COST,
  max_comments: 25,
  locale: 'en' as const,
  /** Files larger than this are skipped with a note. */
  max_file_bytes: 1_000_000,
  fail_on: 'warning' as const,
  /**
   * Effect summaries (what the code's own functions do, followed through calls and imports): the longest chain
   * followed (calls from the loop down to the API), and the most other files read per analysed file.
   */
  effects: { enabled: true, max_depth: 3, max_files: 24 },
  review: {
    drafts: false,
    /** Which lines findings may anchor on: added lines only, added + diff context, or the whole file. */
    comment_on: 'added' as const,
    /**
     * Lowest severity posted as an inline comment; findings below it (hints) are listed in the summary. The default
     * keeps hints, whose kept share on held-out code is lowest, out of the diff (docs/engine.md, "Severity follows
     * measured precision").
     */
    inline_severity: 'warning' as const,
    /**
     * From this many inline findings of one rule and variant in one file, post one comment on the first that lists
     * the others (review/group.ts); 0 posts each on its own.
     */
    group_repeats: 3,
    summary: true,
  },
  summary: { enabled: true, day: 'monday' as const },
  llm: { enabled: false, auto: false, max_findings: 3, max_tokens_per_day: 200_000 },
  /** Per-review budget of the service (docs/operations.md, "Worker threads, deadlines and the review budget"). */
  limits: { file_timeout_ms: 10_000, max_files: 300, max_bytes: 20_000_000, max_analysis_ms: 120_000, max_annotations: 50, max_api_writes: 100 },
  /** Per-path settings: `[{ files: ["tests/**"], rules: {...}, targets: [...] }]`, later entries win. */
  overrides: [] as never[],
  /** Test code (globs) is reported only for these targets: a loop in a test runs a handful of times. */
  test_code: {
    paths: [
      '**/test_*.py', '**/*_test.py', '**/*_tests.py', '**/conftest.py', '**/{test,tests,__tests__,idle_test,fixtures,__fixtures__,__mocks__,mocks,testing,testutil,testutils,testhelpers,testsuites,fuzz,bench,benchmark,benchmarks,jmh,stress}/**',
      '**/*.{test,spec,cy}.{js,jsx,mjs,cjs,ts,tsx,mts,cts}', '**/*_{test,spec}.{js,ts}', '**/cypress/{e2e,integration,component,support}/**',
      // Go tests and test data; Java's src/test/java is under test/ above.
      '**/*_test.go', '**/*_tests.go', '**/testdata/**',
    ],
    targets: ['fix-bugs'] as Array<(typeof TARGETS)[number]>,
  },
  /**
   * Example and demo programs (globs): reported at most at this severity, since a demo's keep-alive loop or one-shot
   * script is not production code (docs/engine.md, "Example code").
   */
  example_code: {
    paths: ['**/{example,examples,_examples,demo,demos,tutorial,tutorials}/**', '**/*[-_]{example,examples}/**', '**/{demo,example}.*'],
    severity: 'info' as (typeof SEVERITIES)[number],
  },
};

/** The repository's `apis:`: callee globs per call kind, plus roles, resources and builds (see the schema below). */
export interface ApisConfig extends Partial<Record<CallKind, string[]>> {
  roles?: Partial<Record<CallRole, string[]>>;
  resources?: Array<{ open: string; close: string; with?: boolean; new?: boolean; awaited?: boolean }>;
  builds?: Partial<Record<BuiltValue, string[]>>;
}

function buildSchemas(z: typeof Zod) {
  const d = DEFAULTS;
  const c = DEFAULT_COST;
  const severity = z.enum(SEVERITIES);
  const target = z.enum(TARGETS);

  const ruleSetting = z.union([
    z.enum(['off', 'on', ...SEVERITIES]),
    z.strictObject({ enabled: z.boolean().optional(), severity: severity.optional() }),
  ]);

  /** `apis: { http: ["send_to_bigdata", "external_api.*"], db-read: [...] }`: names or globs per call kind. */
  const checked = (problemOf: (pattern: string) => string | undefined) =>
    z.string().superRefine((pattern, ctx) => {
      const problem = problemOf(pattern);
      if (problem) ctx.addIssue({ code: 'custom', message: `pattern too complex (${problem}): ${pattern.slice(0, 60)}` });
    });
  const globs = () =>
    z.array(checked(globProblem)).superRefine((list, ctx) => {
      if (list.length > GLOB_LIMITS.maxPatterns) ctx.addIssue({ code: 'custom', message: `at most ${GLOB_LIMITS.maxPatterns} patterns` });
    });
  const apiPatterns = () => z.array(checked(apiPatternProblem).min(1)).max(GLOB_LIMITS.maxPatterns);
  const methodName = z.string().regex(/^[A-Za-z_$][\w$]*$/, 'a method name (letters, digits, _ and $), not a pattern');
  /**
   * Beside the kinds, the same sections as rules/apis/*.yml, for every language: `roles:` (method names per role),
   * `resources:` (calls that open something to close, tried before the built-in ones) and `builds:` (callee
   * globs per nature of the value built). Globs match as the kinds' do: a bare name also as a method.
   */
  const apis = z.strictObject({
    ...Object.fromEntries(CALL_KINDS.map((kind) => [kind, apiPatterns().optional()])),
    roles: z.strictObject(Object.fromEntries(CALL_ROLES.map((role) => [role, z.array(methodName).max(GLOB_LIMITS.maxPatterns).optional()]))).optional(),
    resources: z
      .array(
        z.strictObject({
          open: checked(apiPatternProblem).min(1),
          close: methodName,
          with: z.boolean().optional(),
          new: z.boolean().optional(),
          awaited: z.boolean().optional(),
        }),
      )
      .max(GLOB_LIMITS.maxPatterns)
      .optional(),
    builds: z.strictObject(Object.fromEntries(BUILT_VALUES.map((value) => [value, apiPatterns().optional()]))).optional(),
  }) as unknown as Zod.ZodType<ApisConfig, ApisConfig>;

  const costSchema = z.strictObject({
    db_query_ms: z.number().positive().default(c.db_query_ms),
    http_call_ms: z.number().positive().default(c.http_call_ms),
    connect_ms: z.number().positive().default(c.connect_ms),
    concurrency: z.number().int().positive().default(c.concurrency),
    batch_size: z.number().int().positive().default(c.batch_size),
    replicas: z.number().int().positive().default(c.replicas),
    core_hour: z.number().nonnegative().default(c.core_hour),
    per_million_queries: z.number().nonnegative().default(c.per_million_queries),
    currency: z.string().min(1).max(8).default(c.currency),
  });

  const configSchema = z.strictObject({
    targets: z.array(target).min(1).default(d.targets),
    severity_threshold: severity.default(d.severity_threshold),
    include: globs().default(d.include),
    exclude: globs().default(d.exclude),
    rules: z.record(z.string().regex(/^[a-z0-9-]+$/, 'rule ids are kebab-case'), ruleSetting).default(d.rules),
    apis: apis.default(d.apis),
    cost: costSchema.default(d.cost),
    max_comments: z.number().int().min(0).max(100).default(d.max_comments),
    locale: z.enum(LOCALES).default(d.locale),
    max_file_bytes: z.number().int().positive().default(d.max_file_bytes),
    fail_on: z.enum(['none', ...SEVERITIES]).default(d.fail_on),
    effects: z
      .strictObject({
        enabled: z.boolean().default(d.effects.enabled),
        max_depth: z.number().int().min(1).max(12).default(d.effects.max_depth),
        max_files: z.number().int().min(0).max(500).default(d.effects.max_files),
      })
      .default(d.effects),
    review: z
      .strictObject({
        drafts: z.boolean().default(d.review.drafts),
        comment_on: z.enum(['added', 'context', 'file']).default(d.review.comment_on),
        inline_severity: severity.default(d.review.inline_severity),
        group_repeats: z.number().int().min(0).max(100).default(d.review.group_repeats),
        summary: z.boolean().default(d.review.summary),
      })
      .default(d.review),
    summary: z
      .strictObject({
        enabled: z.boolean().default(d.summary.enabled),
        day: z.enum(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']).default(d.summary.day),
      })
      .default(d.summary),
    llm: z
      .strictObject({
        enabled: z.boolean().default(d.llm.enabled),
        auto: z.boolean().default(d.llm.auto),
        max_findings: z.number().int().min(0).max(50).default(d.llm.max_findings),
        max_tokens_per_day: z.number().int().min(0).default(d.llm.max_tokens_per_day),
      })
      .default(d.llm),
    // Upper bounds keep a repository's config from lifting the service's limits out of reach.
    limits: z
      .strictObject({
        file_timeout_ms: z.number().int().min(100).max(60_000).default(d.limits.file_timeout_ms),
        max_files: z.number().int().min(1).max(3_000).default(d.limits.max_files),
        max_bytes: z.number().int().min(1).max(100_000_000).default(d.limits.max_bytes),
        max_analysis_ms: z.number().int().min(100).max(600_000).default(d.limits.max_analysis_ms),
        max_annotations: z.number().int().min(0).max(1_000).default(d.limits.max_annotations),
        max_api_writes: z.number().int().min(4).max(500).default(d.limits.max_api_writes),
      })
      .default(d.limits),
    overrides: z
      .array(
        z.strictObject({
          files: z.array(z.string().min(1)).min(1),
          rules: z.record(z.string().regex(/^[a-z0-9-]+$/, 'rule ids are kebab-case'), ruleSetting).optional(),
          targets: z.array(target).min(1).optional(),
        }),
      )
      .default(d.overrides),
    test_code: z
      .strictObject({
        paths: z.array(z.string()).default(d.test_code.paths),
        targets: z.array(target).default(d.test_code.targets),
      })
      .default(d.test_code),
    example_code: z
      .strictObject({
        paths: z.array(z.string()).default(d.example_code.paths),
        severity: severity.default(d.example_code.severity),
      })
      .default(d.example_code),
  });
  return { configSchema, costSchema };
}

type Schemas = ReturnType<typeof buildSchemas>;
const schemas = lazySchema(buildSchemas);

/** The config file's schema (zod, built on first use). */
export function configSchema(): Schemas['configSchema'] {
  return schemas().configSchema;
}

/** The `cost:` section's schema. */
export function costSchema(): Schemas['costSchema'] {
  return schemas().costSchema;
}

export type CozeLoopConfig = Zod.infer<Schemas['configSchema']>;
export type CostConfig = Zod.infer<Schemas['costSchema']>;
export type ConfigInput = Zod.input<Schemas['configSchema']>;

/** What an empty config file means (equal to `configSchema().parse({})`, which the tests check). */
export const DEFAULT_CONFIG: CozeLoopConfig = DEFAULTS;
