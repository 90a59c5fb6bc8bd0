// The service's runtime settings, read once from the environment and validated with zod: a bad value stops the
// start with a message naming the variable, instead of surfacing later as a strange runtime failure.
// GitHub (APP_ID, PRIVATE_KEY, ...) and GitLab (GITLAB_URL, ...) settings are read by their own services.
import { z } from 'zod';
import { DEFAULT_SUMMARY_CRON, validateCron } from '../jobs/scheduler.js';
import { DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS, DEFAULT_MAX_BACKLOG, defaultConcurrency } from '../jobs/options.js';

export type Role = 'all' | 'web' | 'worker';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface RuntimeSettings {
  port: number;
  host: string | undefined;
  role: Role;
  concurrency: number;
  maxBacklog: number;
  shutdownTimeoutMs: number;
  jobAttempts: number;
  retryBackoffMs: number;
  jobLockMs: number;
  redisUrl: string | undefined;
  queuePrefix: string;
  logLevel: LogLevel;
  summaryCron: string;
  production: boolean;
}

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid service settings:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/;

/** `30` and `30s` are seconds, `1500ms` milliseconds, `2m` minutes. */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  return Math.round(unit === 'ms' ? value : unit === 'm' ? value * 60_000 : value * 1000);
}

const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const positiveInt = (fallback: () => number) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\s*\d+\s*$/, 'expected a positive integer')
      .transform(Number)
      .refine((n) => n >= 1, 'expected a positive integer')
      .optional(),
  ).transform((n) => n ?? fallback());

const duration = (fallbackMs: number) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .transform((text, ctx) => {
        const ms = parseDurationMs(text);
        if (ms === undefined) {
          ctx.addIssue({ code: 'custom', message: 'expected a duration such as 30, 30s, 1500ms or 2m' });
          return z.NEVER;
        }
        return ms;
      })
      .optional(),
  ).transform((ms) => ms ?? fallbackMs);

const schema = z.object({
  PORT: z.preprocess(
    blankToUndefined,
    z.string().regex(/^\d+$/, 'expected a port number').transform(Number).refine((n) => n >= 0 && n <= 65535, 'expected a port number 0-65535').optional(),
  ).transform((n) => n ?? 3000),
  HOST: z.preprocess(blankToUndefined, z.string().optional()),
  COZE_LOOP_ROLE: z.preprocess(blankToUndefined, z.enum(['all', 'web', 'worker']).optional()).transform((r) => r ?? 'all'),
  COZE_LOOP_CONCURRENCY: positiveInt(defaultConcurrency),
  COZE_LOOP_MAX_BACKLOG: positiveInt(() => DEFAULT_MAX_BACKLOG),
  COZE_LOOP_SHUTDOWN_TIMEOUT: duration(30_000),
  COZE_LOOP_JOB_ATTEMPTS: positiveInt(() => DEFAULT_ATTEMPTS),
  COZE_LOOP_RETRY_BACKOFF: duration(DEFAULT_BACKOFF_MS),
  COZE_LOOP_JOB_LOCK_TIMEOUT: duration(30_000),
  REDIS_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine((url) => /^rediss?:\/\//.test(url) && URL.canParse(url), 'expected redis://[user:password@]host:port[/db] or rediss://...')
      .optional(),
  ),
  COZE_LOOP_QUEUE_PREFIX: z.preprocess(
    blankToUndefined,
    z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, dot, dash or underscore').optional(),
  ).transform((p) => p ?? 'coze-loop'),
  LOG_LEVEL: z.preprocess(
    (value) => (typeof value === 'string' ? blankToUndefined(value.toLowerCase()) : value),
    z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).optional(),
  ).transform((l) => l ?? 'info'),
  COZE_LOOP_SUMMARY_CRON: z.preprocess(
    blankToUndefined,
    z
      .string()
      .superRefine((pattern, ctx) => {
        try {
          validateCron(pattern);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `expected a 5-field cron (or 6 with seconds): ${(error as Error).message}` });
        }
      })
      .optional(),
  ).transform((c) => c ?? DEFAULT_SUMMARY_CRON),
  NODE_ENV: z.string().optional(),
});

/** Never echoes values: REDIS_URL may carry a password. */
export function readRuntimeSettings(env: NodeJS.ProcessEnv): RuntimeSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new EnvError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const v = parsed.data;
  if (v.COZE_LOOP_ROLE !== 'all' && !v.REDIS_URL) {
    throw new EnvError([
      `COZE_LOOP_ROLE: "${v.COZE_LOOP_ROLE}" needs REDIS_URL (web and worker processes share work through Redis; without it use "all")`,
    ]);
  }
  return {
    port: v.PORT,
    host: v.HOST,
    role: v.COZE_LOOP_ROLE,
    concurrency: v.COZE_LOOP_CONCURRENCY,
    maxBacklog: v.COZE_LOOP_MAX_BACKLOG,
    shutdownTimeoutMs: v.COZE_LOOP_SHUTDOWN_TIMEOUT,
    jobAttempts: v.COZE_LOOP_JOB_ATTEMPTS,
    retryBackoffMs: v.COZE_LOOP_RETRY_BACKOFF,
    jobLockMs: v.COZE_LOOP_JOB_LOCK_TIMEOUT,
    redisUrl: v.REDIS_URL,
    queuePrefix: v.COZE_LOOP_QUEUE_PREFIX,
    logLevel: v.LOG_LEVEL,
    summaryCron: v.COZE_LOOP_SUMMARY_CRON,
    production: v.NODE_ENV === 'production',
  };
}
