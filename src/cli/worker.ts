// Worker-thread entry: analyses the batches of files the main thread sends, with one knowledge base per thread.
import { parentPort, workerData } from 'node:worker_threads';
import { loadKnowledgeBase } from '../analysis/knowledge-base.js';
import { analyzeFilesPipelined, type AnalyzeFilesOptions } from './analyze-files.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './parallel.js';

const setup = workerData as WorkerSetup;
const options: AnalyzeFilesOptions = {
  config: setup.config,
  locale: setup.locale,
  maxFileBytes: setup.maxFileBytes,
  kb: loadKnowledgeBase(setup.config),
};

parentPort?.on('message', (request: WorkerRequest) => {
  analyzeFilesPipelined(request.files, options).then(
    (result) => parentPort?.postMessage({ id: request.id, result } satisfies WorkerReply),
    (error: unknown) => parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies WorkerReply),
  );
});
