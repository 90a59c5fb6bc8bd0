// Worker-thread entry of the analysis pool (src/analysis/worker-pool.ts): one file per message, analysed
// synchronously here so that the service's event loop never runs the parser or a rule. The pool terminates this
// thread when a file passes its deadline; nothing here needs to cooperate for that.
import { parentPort } from 'node:worker_threads';
import type { CozeLoopConfig } from '../config/schema.js';
import { EffectIndex } from './effects/index.js';
import { t } from '../core/i18n.js';
import { analyzeSource } from './engine.js';
import { warmUp } from './warm-up.js';
import { loadKnowledgeBase, type KnowledgeBase } from './knowledge-base.js';
import { unpackSources, type SharedSourcesMessage } from './shared-sources.js';
import type { PoolReply, PoolRequest } from './worker-pool.js';

/** The last few configs by their JSON: a review sends the same config with every file. */
const configs = new Map<string, { config: CozeLoopConfig; kb: KnowledgeBase }>();

function resolve(configJson: string): { config: CozeLoopConfig; kb: KnowledgeBase } {
  let entry = configs.get(configJson);
  if (!entry) {
    const config = JSON.parse(configJson) as CozeLoopConfig;
    entry = { config, kb: loadKnowledgeBase(config) };
    if (configs.size >= 8) configs.delete(configs.keys().next().value!);
    configs.set(configJson, entry);
  }
  return entry;
}

/** Function tables of the last few shared sets (a review sends the same set with each of its files). */
const indexes = new Map<string, EffectIndex>();

function effectsFor(context: SharedSourcesMessage | undefined, configJson: string, kb: KnowledgeBase): EffectIndex | undefined {
  if (!context) return undefined;
  const key = `${context.key}\n${configJson}`;
  let index = indexes.get(key);
  if (!index) {
    index = new EffectIndex(kb, undefined, unpackSources(context));
    if (indexes.size >= 4) indexes.delete(indexes.keys().next().value!);
    indexes.set(key, index);
  }
  return index;
}

// Warm up before saying ready (the pool starts a file's deadline only then): rules, the knowledge base and every
// grammar load here, not inside the first file's time.
warmUp();
parentPort?.postMessage({ ready: true } satisfies PoolReply);

parentPort?.on('message', (request: PoolRequest) => {
  try {
    const { config, kb } = resolve(request.config);
    const content = typeof request.content === 'string' ? request.content : Buffer.from(request.content.buffer, request.content.byteOffset, request.content.byteLength);
    const effects = effectsFor(request.context, request.config, kb);
    const result = analyzeSource({ path: request.path, content }, config, { locale: request.locale, kb, timeBudgetMs: request.timeoutMs, ...(effects ? { effects } : {}) });
    // A parse stopped by the budget is this file's deadline: say it as the pool does.
    const parseTimeout = t(request.locale, 'engine.skip.parse_timeout', { ms: request.timeoutMs });
    for (const skip of result.skipped) {
      if (skip.detail === parseTimeout) Object.assign(skip, { reason: 'timeout', detail: t(request.locale, 'engine.skip.deadline', { seconds: Math.round(request.timeoutMs / 100) / 10 }) });
    }
    parentPort?.postMessage({ id: request.id, result } satisfies PoolReply);
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies PoolReply);
  }
});
