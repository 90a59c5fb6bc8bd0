// `.coze-loop.yml` (CLI) and `.github/coze-loop.yml` (bots): one schema, validated at the boundary.
import { z } from 'zod';
import { CALL_KINDS } from '../analysis/facts.js';
import { LOCALES, SEVERITIES, TARGETS } from '../core/types.js';
const severity = z.enum(SEVERITIES);
const target = z.enum(TARGETS);
const ruleSetting = z.union([
    z.enum(['off', 'on', ...SEVERITIES]),
    z.strictObject({ enabled: z.boolean().optional(), severity: severity.optional() }),
]);
/** `apis: { http: ["send_to_bigdata", "external_api.*"], db-read: [...] }`: names or globs per call kind. */
const apis = z.partialRecord(z.enum(CALL_KINDS), z.array(z.string().min(1)));
export const costSchema = z.strictObject({
    /** Latency of one database round trip. */
    db_query_ms: z.number().positive().default(5),
    /** Latency of one HTTP/RPC call. */
    http_call_ms: z.number().positive().default(200),
    /** Cost of opening a connection (TCP + TLS + auth). */
    connect_ms: z.number().positive().default(30),
    /** Parallelism assumed for the fixed version of serial I/O. */
    concurrency: z.number().int().positive().default(8),
    /** Items per batch when the code does not say. */
    batch_size: z.number().int().positive().default(100),
    /** Worker processes running the same loop. */
    replicas: z.number().int().positive().default(1),
    /** Price of one CPU core-hour. */
    core_hour: z.number().nonnegative().default(0.04),
    /** Price of one million database queries / API calls (0 = unknown, money not shown). */
    per_million_queries: z.number().nonnegative().default(0.2),
    currency: z.string().min(1).max(8).default('USD'),
});
export const configSchema = z.strictObject({
    targets: z.array(target).min(1).default([...TARGETS]),
    /** Findings below this severity are not reported. */
    severity_threshold: severity.default('info'),
    include: z.array(z.string()).default([]),
    exclude: z.array(z.string()).default([]),
    rules: z.record(z.string().regex(/^[a-z0-9-]+$/, 'rule ids are kebab-case'), ruleSetting).default({}),
    apis: apis.default({}),
    cost: costSchema.default(costSchema.parse({})),
    max_comments: z.number().int().min(0).max(100).default(25),
    locale: z.enum(LOCALES).default('en'),
    /** Files larger than this are skipped with a note. */
    max_file_bytes: z.number().int().positive().default(1_000_000),
    fail_on: z.enum(['none', ...SEVERITIES]).default('warning'),
    review: z
        .strictObject({
        drafts: z.boolean().default(false),
        /** Which lines findings may anchor on: added lines only, added + diff context, or the whole file. */
        comment_on: z.enum(['added', 'context', 'file']).default('added'),
        summary: z.boolean().default(true),
    })
        .default({ drafts: false, comment_on: 'added', summary: true }),
    summary: z
        .strictObject({
        enabled: z.boolean().default(true),
        day: z.enum(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']).default('monday'),
    })
        .default({ enabled: true, day: 'monday' }),
    llm: z
        .strictObject({
        enabled: z.boolean().default(false),
        auto: z.boolean().default(false),
        max_findings: z.number().int().min(0).max(50).default(3),
        max_tokens_per_day: z.number().int().min(0).default(200_000),
    })
        .default({ enabled: false, auto: false, max_findings: 3, max_tokens_per_day: 200_000 }),
});
export const DEFAULT_CONFIG = configSchema.parse({});
