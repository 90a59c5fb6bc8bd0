// Worker-thread entry: analyses the batches of files the main thread sends, with one knowledge base and one index of
// function tables (effect summaries) per thread.
import { parentPort, workerData } from 'node:worker_threads';
import { loadKnowledgeBase } from '../analysis/knowledge-base.js';
import { analyzeFilesPipelined, diskEffectIndex, type AnalyzeFilesOptions } from './analyze-files.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './parallel.js';

const setup = workerData as WorkerSetup;
const options: AnalyzeFilesOptions = {
  config: setup.config,
  locale: setup.locale,
  maxFileBytes: setup.maxFileBytes,
  kb: loadKnowledgeBase(setup.config),
};

parentPort?.on('message', (request: WorkerRequest) => {
  // Every batch's paths are relative to the same directory, so the first batch's reader serves them all.
  options.effects ??= diskEffectIndex(options.kb!, request.files, setup.maxFileBytes);
  analyzeFilesPipelined(request.files, options).then(
    (result) => parentPort?.postMessage({ id: request.id, result } satisfies WorkerReply),
    (error: unknown) => parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies WorkerReply),
  );
});
