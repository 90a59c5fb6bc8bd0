// The playground's settings, read from the environment like the rest of the service's (env.ts): a bad value stops
// the start with a message naming the variable.
import { z } from 'zod';
import { EnvError, parseDurationMs } from '../env.js';

export interface PlaygroundSettings {
  /** `COZE_LOOP_PLAYGROUND=off` turns the page and its API off. */
  enabled: boolean;
  /** Largest snippet accepted, in UTF-8 bytes (413 above it). */
  maxCodeBytes: number;
  /** Analyses per address per window (429 past it). */
  rateLimit: number;
  rateWindowMs: number;
  /** Wall-clock budget of one analysis. */
  timeBudgetMs: number;
  /** Offer the model refinement on the page (needs the service's model: OPENAI_API_KEY). Off by default: it spends tokens. */
  llm: boolean;
  /** Folder URL of the rule docs (`<url>/<rule-id>.md`); unset: the service's own /rules/<id> pages. */
  docsBaseUrl: string | undefined;
}

export const PLAYGROUND_DEFAULTS = {
  maxCodeBytes: 200 * 1024,
  rateLimit: 30,
  rateWindowMs: 60_000,
  timeBudgetMs: 5_000,
} as const;

const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const count = z.preprocess(
  blank,
  z.string().regex(/^\s*\d+\s*$/, 'expected a positive integer').transform(Number).refine((n) => n >= 1, 'expected a positive integer').optional(),
);

const duration = z.preprocess(
  blank,
  z
    .string()
    .transform((text, ctx) => {
      const ms = parseDurationMs(text);
      if (ms === undefined || ms < 1) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration such as 5s, 1500ms or 1m' });
        return z.NEVER;
      }
      return ms;
    })
    .optional(),
);

const toggle = z.preprocess(
  (value) => (typeof value === 'string' ? blank(value.trim().toLowerCase()) : value),
  z.enum(['on', 'off', 'true', 'false', '1', '0'], { error: 'expected on or off' }).optional(),
);
const isOn = (value: string | undefined, fallback: boolean) => (value === undefined ? fallback : ['on', 'true', '1'].includes(value));

const schema = z.object({
  COZE_LOOP_PLAYGROUND: toggle,
  COZE_LOOP_PLAYGROUND_LLM: toggle,
  COZE_LOOP_PLAYGROUND_MAX_BYTES: count,
  COZE_LOOP_PLAYGROUND_RATE_LIMIT: count,
  COZE_LOOP_PLAYGROUND_RATE_WINDOW: duration,
  COZE_LOOP_PLAYGROUND_TIMEOUT: duration,
  COZE_LOOP_DOCS_URL: z.preprocess(blank, z.string().optional()),
});

export function readPlaygroundSettings(env: NodeJS.ProcessEnv): PlaygroundSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new EnvError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  const v = parsed.data;
  return {
    enabled: isOn(v.COZE_LOOP_PLAYGROUND, true),
    llm: isOn(v.COZE_LOOP_PLAYGROUND_LLM, false),
    maxCodeBytes: v.COZE_LOOP_PLAYGROUND_MAX_BYTES ?? PLAYGROUND_DEFAULTS.maxCodeBytes,
    rateLimit: v.COZE_LOOP_PLAYGROUND_RATE_LIMIT ?? PLAYGROUND_DEFAULTS.rateLimit,
    rateWindowMs: v.COZE_LOOP_PLAYGROUND_RATE_WINDOW ?? PLAYGROUND_DEFAULTS.rateWindowMs,
    timeBudgetMs: v.COZE_LOOP_PLAYGROUND_TIMEOUT ?? PLAYGROUND_DEFAULTS.timeBudgetMs,
    docsBaseUrl: v.COZE_LOOP_DOCS_URL?.replace(/\/+$/, ''),
  };
}
