// The model behind refinement: any OpenAI-compatible Chat Completions endpoint. Optional; callers get null when
// no key is configured and keep the rule-based text.
import OpenAI from 'openai';
import { z } from 'zod';

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

export interface CompletionRequest {
  messages: ChatMessage[];
  maxTokens: number;
  /** JSON Schema for structured output; servers that refuse it get a plain request, parsed strictly all the same. */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
  signal?: AbortSignal;
}

export interface CompletionResult {
  content: string;
  tokens: number;
  model: string;
}

export interface LlmClient {
  readonly model: string;
  complete(request: CompletionRequest): Promise<CompletionResult>;
}

const llmEnvSchema = z.object({
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url().optional(),
  COZE_LOOP_LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  COZE_LOOP_LLM_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
});

export interface LlmSettings {
  apiKey: string;
  baseURL?: string;
  model: string;
  timeoutMs: number;
}

/** Reads the LLM settings from the environment; null when no API key is set (the embedded default). */
export function llmSettingsFromEnv(env: NodeJS.ProcessEnv): LlmSettings | null {
  const parsed = llmEnvSchema.safeParse(env);
  if (!parsed.success) {
    // Name the variable, never echo its value: it may be a key.
    const keys = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`coze-loop: invalid LLM setting(s): ${keys}`);
  }
  const settings = parsed.data;
  if (!settings.OPENAI_API_KEY) return null;
  return {
    apiKey: settings.OPENAI_API_KEY,
    baseURL: settings.OPENAI_BASE_URL,
    model: settings.COZE_LOOP_LLM_MODEL,
    timeoutMs: settings.COZE_LOOP_LLM_TIMEOUT_MS,
  };
}

/** A Chat Completions client with one quick retry; the caller's deadline (signal) bounds everything. */
export function createOpenAiClient(settings: LlmSettings): LlmClient {
  const openai = new OpenAI({
    apiKey: settings.apiKey,
    baseURL: settings.baseURL,
    timeout: settings.timeoutMs,
    maxRetries: 1,
  });
  let structuredOutputRefused = false;

  async function send(request: CompletionRequest, structured: boolean): Promise<CompletionResult> {
    const response = await openai.chat.completions.create(
      {
        model: settings.model,
        messages: request.messages,
        max_tokens: request.maxTokens,
        temperature: 0,
        ...(structured && request.jsonSchema
          ? { response_format: { type: 'json_schema' as const, json_schema: { ...request.jsonSchema, strict: true } } }
          : {}),
      },
      { signal: request.signal },
    );
    const content = response.choices[0]?.message?.content ?? '';
    return { content, tokens: response.usage?.total_tokens ?? 0, model: response.model ?? settings.model };
  }

  return {
    model: settings.model,
    async complete(request) {
      if (!request.jsonSchema || structuredOutputRefused) return send(request, false);
      try {
        return await send(request, true);
      } catch (error) {
        // A server that does not implement structured output answers 400; remember and ask plainly.
        if (error instanceof OpenAI.BadRequestError) {
          structuredOutputRefused = true;
          return send(request, false);
        }
        throw error;
      }
    },
  };
}
