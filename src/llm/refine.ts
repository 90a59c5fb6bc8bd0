// Optional refinement of a finding's explanation and patch by a model. Never on the critical path: any failure,
// timeout, budget stop or invalid answer returns the rule-based finding unchanged, and a patch is shown only after
// it applies to exactly the lines it claims, parses, clears the finding and adds no fix-bugs finding.
import { z } from 'zod';
import { analyzeSource } from '../analysis/engine.js';
import { hasSyntaxErrors } from '../analysis/parse.js';
import type { CozeLoopConfig } from '../config/schema.js';
import { t } from '../core/i18n.js';
import type { AnalysisResult, Finding, Locale } from '../core/types.js';
import { renderCost } from '../cost/index.js';
import type { Logger } from '../core/observability.js';
import { LruCache, TokenBudget } from './budget.js';
import type { LlmClient } from './llm-client.js';
import { buildRefinementPrompt, REDACTED, REFINEMENT_SCHEMA } from './prompt.js';
import { trimChar } from '../core/linear-text.js';

const replySchema = z.strictObject({
  explanation: z.string().min(1).max(4000),
  patch: z.strictObject({
    start_line: z.number().int().positive(),
    end_line: z.number().int().positive(),
    original: z.string(),
    replacement: z.string().max(20_000),
  }),
});
type Reply = z.infer<typeof replySchema>;

export interface Refinement {
  explanation: string;
  startLine: number;
  endLine: number;
  code: string;
  model: string;
}

export interface RefineDeps {
  client: LlmClient;
  budget: TokenBudget;
  /** By `fingerprint@headSha`; null remembers a rejected answer so it is not asked again. */
  cache: LruCache<Refinement | null>;
  logger: Logger;
  timeoutMs: number;
  maxOutputTokens?: number;
}

export interface RefineRequest {
  repo: string;
  headSha: string;
  finding: Finding;
  source: string;
  config: CozeLoopConfig;
  locale: Locale;
}

export function createRefineDeps(client: LlmClient, logger: Logger, now: () => Date, timeoutMs = 20_000): RefineDeps {
  return { client, budget: new TokenBudget(now), cache: new LruCache(2_000), logger, timeoutMs };
}

/** Strict parse of the reply: one JSON object, optionally fenced; nothing else accepted. */
export function parseReply(content: string): Reply | null {
  let text = content.trim();
  // The endsWith check first: without a closing fence the regex retried its body from every leading newline.
  const fenced = text.endsWith('\n```') ? /^```(?:json)?\s*\n([\s\S]*)\n```$/.exec(text) : null;
  if (fenced) text = fenced[1].trim();
  try {
    const parsed = replySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function splitLines(source: string): string[] {
  return source.split('\n');
}

function sameLines(a: string, b: string): boolean {
  const normalize = (text: string) => trimChar(text.replace(/\r/g, '').split('\n').map((line) => line.trimEnd()).join('\n'), '\n');
  return normalize(a) === normalize(b);
}

function countByRule(result: AnalysisResult, predicate: (finding: Finding) => boolean): Map<string, number> {
  const counts = new Map<string, number>();
  for (const finding of result.findings) if (predicate(finding)) counts.set(finding.ruleId, (counts.get(finding.ruleId) ?? 0) + 1);
  return counts;
}

/** Why a reply is rejected, or null when its patch is proven. Exported for tests. */
export function validateReply(request: RefineRequest, reply: Reply, before: AnalysisResult): string | null {
  const { finding, source, config, locale } = request;
  const { start_line: start, end_line: end, original, replacement } = reply.patch;
  if (start > end) return 'patch range is reversed';
  if (start < finding.loop.startLine || end > finding.loop.endLine) return 'patch lies outside the loop';
  const lines = splitLines(source);
  if (end > lines.length) return 'patch range is beyond the file';
  if (!sameLines(lines.slice(start - 1, end).join('\n'), original)) return 'patch does not match the lines it claims';
  if (replacement.includes(REDACTED)) return 'patch contains masked text';
  if (sameLines(original, replacement)) return 'patch changes nothing';

  const patched = [...lines.slice(0, start - 1), ...splitLines(replacement.replace(/\n$/, '')), ...lines.slice(end)].join('\n');
  if (hasSyntaxErrors(finding.language, patched)) return 'patched file does not parse';

  const after = analyzeSource({ path: finding.path, content: patched }, config, { locale });
  const sameRuleBefore = before.findings.filter((f) => f.ruleId === finding.ruleId).length;
  const sameRuleAfter = after.findings.filter((f) => f.ruleId === finding.ruleId).length;
  if (sameRuleAfter >= sameRuleBefore) return 'finding still present after the patch';

  const bugsBefore = countByRule(before, (f) => f.target === 'fix-bugs');
  for (const [ruleId, count] of countByRule(after, (f) => f.target === 'fix-bugs')) {
    if (count > (bugsBefore.get(ruleId) ?? 0)) return `patch introduces ${ruleId}`;
  }
  return null;
}

async function askModel(request: RefineRequest, deps: RefineDeps): Promise<Refinement | null> {
  const { finding, config, repo } = request;
  const costText = finding.cost ? renderCost(finding.cost, request.locale) : 'n/a';
  const messages = buildRefinementPrompt({ finding, source: request.source, locale: request.locale, costText });
  const maxTokens = deps.maxOutputTokens ?? 1_200;
  const estimate = Math.ceil(messages.reduce((n, m) => n + m.content.length, 0) / 4) + maxTokens;
  if (!deps.budget.allows(repo, estimate, config.llm.max_tokens_per_day)) {
    deps.logger.debug({ repo, rule: finding.ruleId }, 'llm: daily token budget reached, rule output kept');
    return null;
  }

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deps.timeoutMs);
  try {
    const result = await deps.client.complete({
      messages,
      maxTokens,
      jsonSchema: { name: 'loop_refinement', schema: REFINEMENT_SCHEMA as unknown as Record<string, unknown> },
      signal: controller.signal,
    });
    deps.budget.record(repo, result.tokens || estimate);
    const reply = parseReply(result.content);
    if (!reply) {
      deps.logger.debug({ repo, rule: finding.ruleId }, 'llm: reply was not the expected JSON, rule output kept');
      return null;
    }
    const before = analyzeSource({ path: finding.path, content: request.source }, config, { locale: request.locale });
    const rejection = validateReply(request, reply, before);
    if (rejection) {
      deps.logger.debug({ repo, rule: finding.ruleId, rejection }, 'llm: patch rejected, rule output kept');
      return null;
    }
    return {
      explanation: reply.explanation.trim(),
      startLine: reply.patch.start_line,
      endLine: reply.patch.end_line,
      code: reply.patch.replacement.replace(/\n$/, ''),
      model: result.model,
    };
  } finally {
    clearTimeout(timer);
  }
}

function applyRefinement(finding: Finding, refinement: Refinement, locale: Locale): Finding {
  return {
    ...finding,
    explanation: refinement.explanation,
    fix: {
      kind: 'replace',
      safety: 'unsafe',
      description: t(locale, 'llm.patch_description', { model: refinement.model }),
      startLine: refinement.startLine,
      endLine: refinement.endLine,
      code: refinement.code,
      language: finding.fix?.language ?? finding.language,
      extras: finding.fix?.extras,
    },
    data: { ...finding.data, refined_by: refinement.model },
  };
}

/** The refined finding, or the same finding when anything at all goes wrong. */
export async function refineFinding(request: RefineRequest, deps: RefineDeps): Promise<Finding> {
  const key = `${request.finding.fingerprint}@${request.headSha}`;
  if (deps.cache.has(key)) {
    const cached = deps.cache.get(key);
    return cached ? applyRefinement(request.finding, cached, request.locale) : request.finding;
  }
  try {
    const refinement = await askModel(request, deps);
    deps.cache.set(key, refinement);
    return refinement ? applyRefinement(request.finding, refinement, request.locale) : request.finding;
  } catch (error) {
    // 429, 5xx, timeouts, network: the rule-based text stands. The message never includes the key.
    const reason = error instanceof Error ? error.name : 'error';
    deps.logger.debug({ repo: request.repo, rule: request.finding.ruleId, reason }, 'llm: call failed, rule output kept');
    return request.finding;
  }
}

/**
 * Refines the first `limit` findings (already ordered by importance) in parallel; the rest pass through. The
 * whole batch is bounded by the per-call timeout, so a review is never delayed past it.
 */
export async function refineFindings(
  findings: Finding[],
  sources: Map<string, string>,
  context: { repo: string; headSha: string; config: CozeLoopConfig; locale: Locale; limit: number },
  deps: RefineDeps,
): Promise<Finding[]> {
  const chosen = findings.slice(0, Math.max(0, context.limit));
  const refined = await Promise.all(
    chosen.map((finding) => {
      const source = sources.get(finding.path);
      if (source === undefined) return Promise.resolve(finding);
      return refineFinding({ repo: context.repo, headSha: context.headSha, finding, source, config: context.config, locale: context.locale }, deps);
    }),
  );
  return [...refined, ...findings.slice(chosen.length)];
}
