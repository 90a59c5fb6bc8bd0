// Worker-thread entry: analyses the batches of files the main thread sends, with one knowledge base per thread.
import { parentPort, workerData } from 'node:worker_threads';
import { loadKnowledgeBase } from '../analysis/knowledge-base.js';
import { analyzeFiles, type AnalyzeFilesOptions } from './analyze-files.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './parallel.js';

const setup = workerData as WorkerSetup;
const options: AnalyzeFilesOptions = {
  config: setup.config,
  locale: setup.locale,
  maxFileBytes: setup.maxFileBytes,
  kb: loadKnowledgeBase(setup.config),
};

parentPort?.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id: request.id, result: analyzeFiles(request.files, options) };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
