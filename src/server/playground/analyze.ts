// `POST /api/analyze`: the request's schema, and the one function that runs the engine on a snippet. Kept in one
// place so the analysis can move to a worker thread with a hard deadline without touching the HTTP route.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { sharedAnalysisPool, type AnalysisPool } from '../../analysis/worker-pool.js';
import { costSchema, DEFAULT_CONFIG, type CozeLoopConfig } from '../../config/schema.js';
import { LOCALES, TARGETS, type AnalysisResult, type Locale, type Target } from '../../core/types.js';
import type { RefineHook } from '../../llm/hook.js';
import { renderJson } from '../../report/json.js';
import { toolVersion } from '../../cli/io.js';
import { detectLanguage, PLAYGROUND_LANGUAGES, snippetPath, type PlaygroundLanguage } from '../../playground/detect-language.js';

export const PLAYGROUND_TARGETS = [...TARGETS, 'all'] as const;
export type PlaygroundTarget = (typeof PLAYGROUND_TARGETS)[number];

const requestSchema = z.strictObject({
  code: z.string({ error: 'code: expected the source text as a string' }),
  language: z.enum(PLAYGROUND_LANGUAGES, { error: `language: expected one of ${PLAYGROUND_LANGUAGES.join(', ')}` }).optional(),
  target: z.enum(PLAYGROUND_TARGETS, { error: `target: expected one of ${PLAYGROUND_TARGETS.join(', ')}` }).optional(),
  locale: z.enum(LOCALES, { error: `locale: expected one of ${LOCALES.join(', ')}` }).optional(),
  cost: z.record(z.string(), z.unknown()).optional(),
  /** Ask for the model's refinement too (only when the service has one; otherwise ignored). */
  refine: z.boolean().optional(),
});

export interface PlaygroundRequest {
  code: string;
  language: PlaygroundLanguage;
  targets: Target[];
  locale: Locale;
  config: CozeLoopConfig;
  refine: boolean;
}

export type ParsedRequest = { ok: true; request: PlaygroundRequest } | { ok: false; message: string };

/** Validates a decoded JSON body; the message names the field at fault. The code itself is never echoed. */
export function parsePlaygroundRequest(body: unknown): ParsedRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'expected a JSON object such as {"code": "...", "target": "optimize"}' };
  }
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    const message = issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message.startsWith(`${field}:`) ? issue.message : `${field || 'body'}: ${issue.message}`;
    return { ok: false, message };
  }
  const v = parsed.data;
  if (v.code.trim() === '') return { ok: false, message: 'code: paste some code to analyse' };
  const cost = costSchema().safeParse(v.cost ?? {});
  if (!cost.success) {
    const issue = cost.error.issues[0]!;
    const key = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
    return { ok: false, message: `cost.${key}: ${issue.code === 'unrecognized_keys' ? 'unknown assumption' : issue.message}` };
  }
  const locale = v.locale ?? 'en';
  const targets: Target[] = !v.target || v.target === 'all' ? [...TARGETS] : [v.target];
  return {
    ok: true,
    request: {
      code: v.code,
      language: v.language ?? detectLanguage(v.code),
      targets,
      locale,
      config: { ...DEFAULT_CONFIG, targets, locale, cost: cost.data },
      refine: v.refine ?? false,
    },
  };
}

export interface AnalyzeSnippetOptions {
  timeBudgetMs: number;
  refine?: RefineHook;
  /** The analysis threads (default: the service's shared pool): the event loop never runs the engine. */
  pool?: AnalysisPool;
}

/**
 * The engine on one snippet, in a thread of the analysis pool with the playground's deadline (a snippet past it is
 * a `timeout` skip), findings limited to the requested targets. Never throws (the pool turns failures into skips).
 */
export async function analyzeSnippet(request: PlaygroundRequest, options: AnalyzeSnippetOptions): Promise<AnalysisResult> {
  const path = snippetPath(request.language);
  const pool = options.pool ?? sharedAnalysisPool();
  const result = await pool.analyze({ path, content: request.code }, request.config, { locale: request.locale, timeoutMs: options.timeBudgetMs });
  const wanted = new Set(request.targets);
  return { ...result, findings: result.findings.filter((finding) => wanted.has(finding.target)) };
}

/**
 * The model's refinement of the rule-based findings (the playground's refine hook runs with `llm.enabled`, as a
 * command would). Without a hook the result comes back as it was.
 */
export async function refineSnippet(request: PlaygroundRequest, result: AnalysisResult, refine: RefineHook | undefined): Promise<AnalysisResult> {
  if (!refine || result.findings.length === 0) return result;
  const path = snippetPath(request.language);
  const config: CozeLoopConfig = { ...request.config, llm: { ...request.config.llm, enabled: true } };
  const digest = createHash('sha256').update(request.code).digest('hex').slice(0, 40);
  const findings = await refine(result.findings, new Map([[path, request.code]]), { repo: 'playground', headSha: digest, config, trigger: 'command' });
  return { ...result, findings };
}

/** The CLI's `--format json` document for a result. */
export function renderPlaygroundJson(result: AnalysisResult, locale: Locale): string {
  return renderJson({ result, locale, rules: [], toolVersion: toolVersion() });
}
