// The one place the review pipeline and slash commands meet the optional model. Without OPENAI_API_KEY there is
// no hook and nothing changes; with one, each repository still decides through `llm:` in its config.
import type { CozeLoopConfig } from '../config/schema.js';
import type { Finding } from '../core/types.js';
import type { Logger } from '../core/observability.js';
import { createOpenAiClient, llmSettingsFromEnv, type LlmClient } from './llm-client.js';
import { createRefineDeps, refineFindings } from './refine.js';

export interface RefineContext {
  repo: string;
  headSha: string;
  config: CozeLoopConfig;
  /** `auto`: an automatic review (needs `llm.auto`); `command`: a slash command asked for it. */
  trigger: 'auto' | 'command';
}

/** Returns the findings in the same order, the first `llm.max_findings` refined where the model's answer held up. */
export type RefineHook = (findings: Finding[], sources: Map<string, string>, context: RefineContext) => Promise<Finding[]>;

export function createRefineHookFromClient(client: LlmClient, logger: Logger, now: () => Date, timeoutMs: number): RefineHook {
  const deps = createRefineDeps(client, logger, now, timeoutMs);
  return async (findings, sources, context) => {
    const { llm } = context.config;
    if (!llm.enabled || (context.trigger === 'auto' && !llm.auto) || llm.max_findings === 0 || findings.length === 0) return findings;
    return refineFindings(findings, sources, { repo: context.repo, headSha: context.headSha, config: context.config, locale: context.config.locale, limit: llm.max_findings }, deps);
  };
}

/** The service's hook, or undefined when no model is configured (the embedded default). */
export function createRefineHook(env: NodeJS.ProcessEnv, logger: Logger, now: () => Date): RefineHook | undefined {
  const settings = llmSettingsFromEnv(env);
  if (!settings) return undefined;
  logger.info({ model: settings.model, baseUrl: settings.baseURL ?? 'https://api.openai.com/v1' }, 'LLM refinement available (repositories opt in with llm.enabled)');
  return createRefineHookFromClient(createOpenAiClient(settings), logger, now, settings.timeoutMs);
}
