// Whole-repository scans use every core: a pool of worker threads over the compiled JavaScript. tree-sitter parsing
// and rule evaluation are CPU-bound and synchronous, so threads (not async I/O) are what makes a large tree fast.
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { nativeAddon } from '../analysis/flat-tree.js';
import { loadKnowledgeBase } from '../analysis/knowledge-base.js';
import { ruleRegistry } from '../analysis/rule-registry.js';
import type { CozeLoopConfig } from '../config/schema.js';
import type { AnalysisResult, Locale } from '../core/types.js';
import { AnalysisPool } from '../analysis/worker-pool.js';
import { analyzeFiles, analyzeFilesPipelined, diskEffectIndex, emptyResult, forEachInWindow, mergeResults, PARSE_AHEAD, readSource, sortResult, type AnalyzeFilesOptions } from './analyze-files.js';
import type { SourceFile } from './files.js';

export interface WorkerSetup {
  config: CozeLoopConfig;
  locale: Locale;
  maxFileBytes: number;
}
export interface WorkerRequest {
  id: number;
  files: SourceFile[];
}
export type WorkerReply = { id: number; result: AnalysisResult } | { id: number; error: string };

export interface ParallelOptions extends WorkerSetup {
  /** Thread count; default: available cores (env `COZE_LOOP_THREADS` overrides). 1 = in-process. */
  threads?: number;
  /** Below this many files, starting threads costs more than it saves. */
  minFilesForThreads?: number;
  onProgress?: (done: number, total: number) => void;
  /** Which thread analysed each chunk (observability for tests and benchmarks). */
  onChunk?: (by: 'main' | 'worker' | 'retry', files: number) => void;
  /** The compiled worker script; defaults to worker.js next to this module when running from dist/. */
  workerUrl?: URL;
}

const DEFAULT_MIN_FILES = 48;

/** The compiled worker next to this module, or undefined when running from TypeScript sources (ts-jest). */
export function compiledWorkerUrl(): URL | undefined {
  const url = new URL('./worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.js')) return undefined;
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

/**
 * JavaScript threads to analyse with. Each one keeps a parse running on its parse thread while it analyses (the
 * native reader's parseAsync), so by default there is one JavaScript thread per two cores; without the native reader,
 * one per core.
 */
export function threadCount(requested: number | undefined, env: NodeJS.ProcessEnv = process.env, cores = availableParallelism(), pipelined = nativeAddon() !== null): number {
  const fromEnv = Number(env.COZE_LOOP_THREADS);
  const byDefault = pipelined ? Math.floor(cores / 2) : cores;
  const wanted = requested ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : byDefault);
  return Math.max(1, Math.min(wanted, 64));
}

async function inProcess(files: SourceFile[], options: ParallelOptions): Promise<AnalysisResult> {
  const shared: AnalyzeFilesOptions = { ...options, kb: loadKnowledgeBase(options.config), wholeRun: true };
  let done = 0;
  const result = await analyzeFilesPipelined(files, shared, () => {
    done++;
    if (done % 16 === 0 || done === files.length) options.onProgress?.(done, files.length);
  });
  return sortResult(result);
}

function bySizeDescending(files: SourceFile[]): Array<{ file: SourceFile; size: number }> {
  const sized = files.map((file, index) => {
    let size = 0;
    try {
      size = statSync(file.absolute).size;
    } catch {
      // Unreadable files are reported by the reader; their place in the queue does not matter.
    }
    return { file, size, index };
  });
  sized.sort((a, b) => b.size - a.size || a.index - b.index);
  return sized;
}

/** Most files one message carries: bounds what a dying thread hands back and how long a reply keeps others waiting. */
const MAX_CHUNK_FILES = 64;

export async function analyzeInParallel(files: SourceFile[], options: ParallelOptions): Promise<AnalysisResult> {
  const threads = Math.min(threadCount(options.threads), Math.ceil(files.length / 8));
  const workerUrl = options.workerUrl ?? compiledWorkerUrl();
  if (!workerUrl || threads <= 1 || files.length < (options.minFilesForThreads ?? DEFAULT_MIN_FILES)) {
    return inProcess(files, options);
  }
  // Biggest files first: a large file picked up last would leave the other threads idle while it runs. The result
  // is sorted afterwards, so the order of analysis does not show in the output.
  const ordered = bySizeDescending(files);
  let remainingBytes = ordered.reduce((sum, entry) => sum + entry.size, 0);
  let next = 0;
  // Chunks are cut as they are handed out, shrinking with the work left (guided scheduling): a worker's message
  // carries about an eighth of the remaining bytes per thread, so no thread is left with a long tail while the
  // others have finished. The main thread takes one file at a time (it has no messages to amortise).
  const chunks: SourceFile[][] = [];
  const take = (targetBytes: number, maxFiles: number): number | undefined => {
    if (next >= ordered.length) return undefined;
    const chunk: SourceFile[] = [];
    let bytes = 0;
    while (next < ordered.length && chunk.length < maxFiles && (chunk.length === 0 || bytes < targetBytes)) {
      const entry = ordered[next++]!;
      chunk.push(entry.file);
      bytes += entry.size;
    }
    remainingBytes -= bytes;
    chunks.push(chunk);
    return chunks.length - 1;
  };
  const workerChunk = (): number | undefined => take(remainingBytes / (threads * 8), MAX_CHUNK_FILES);

  const setup: WorkerSetup = { config: options.config, locale: options.locale, maxFileBytes: options.maxFileBytes };
  const kb = loadKnowledgeBase(options.config);
  const shared: AnalyzeFilesOptions = { ...setup, kb, effects: diskEffectIndex(kb, files, options.maxFileBytes) };
  const results: (AnalysisResult | undefined)[] = [];
  const orphaned: number[] = [];
  let done = 0;
  const record = (id: number, result: AnalysisResult): void => {
    results[id] = result;
    done += chunks[id]!.length;
    options.onProgress?.(done, files.length);
  };

  const startWorker = (): Promise<void> =>
    new Promise((resolveWorker) => {
      const worker = new Worker(workerUrl, { workerData: setup });
      // Two chunks in flight: the thread starts on its next chunk while the main thread, busy with its own work,
      // has not yet handled the previous reply.
      const inFlight = new Set<number>();
      let finished = false;
      const end = (): void => {
        if (finished) return;
        finished = true;
        void worker.terminate();
        resolveWorker();
      };
      const dispatch = (): void => {
        if (finished) return;
        const id = workerChunk();
        if (id === undefined) {
          if (inFlight.size === 0) end();
          return;
        }
        inFlight.add(id);
        worker.postMessage({ id, files: chunks[id]! } satisfies WorkerRequest);
      };
      worker.on('message', (reply: WorkerReply) => {
        inFlight.delete(reply.id);
        if ('result' in reply) {
          record(reply.id, reply.result);
          options.onChunk?.('worker', chunks[reply.id]!.length);
        } else {
          orphaned.push(reply.id);
        }
        dispatch();
      });
      // A thread that dies (out of memory, a native crash in a grammar) hands its chunks back to the main thread.
      const onFailure = (): void => {
        for (const id of inFlight) if (results[id] === undefined) orphaned.push(id);
        inFlight.clear();
        end();
      };
      worker.on('error', onFailure);
      worker.on('exit', onFailure);
      // Messages posted before the thread is online are queued, so it has work the moment it has loaded; waiting
      // for 'online' left it idle until the main thread, busy with a chunk, got round to the event.
      dispatch();
      dispatch();
    });

  // The main thread is one of the analysers: it works while the workers start (loading grammars and rules takes a
  // while). It takes one file at a time from the shared queue, a few in flight so that their parses overlap the
  // analysis; worker replies are handled while it waits for a parse.
  function* mainThreadChunks(): Generator<number> {
    for (let id = take(0, 1); id !== undefined; id = take(0, 1)) yield id;
  }
  const mainThread = (): Promise<void> =>
    forEachInWindow(mainThreadChunks(), PARSE_AHEAD, async (id) => {
      record(id, await analyzeFilesPipelined(chunks[id]!, shared));
      options.onChunk?.('main', chunks[id]!.length);
    });

  // Loaded before the threads start, so they inherit the validated rule definitions instead of re-reading them.
  ruleRegistry();
  const workers = Array.from({ length: threads - 1 }, startWorker);
  await Promise.all([mainThread(), ...workers]);

  // Chunks whose thread failed run here, so no file is lost.
  for (const id of [...new Set(orphaned)]) {
    if (results[id] === undefined) {
      record(id, analyzeFiles(chunks[id]!, shared));
      options.onChunk?.('retry', chunks[id]!.length);
    }
  }
  const merged = emptyResult();
  for (const part of results) if (part) mergeResults(merged, part);
  return sortResult(merged);
}

/**
 * The CLI with hard deadlines (COZE_LOOP_FILE_TIMEOUT_MS set): every file goes through the analysis pool's worker
 * threads (analysis/worker-pool.ts), read one at a time as a thread frees up, and a file that passes its deadline
 * is terminated and skipped with a note. The default run keeps the faster path above (the engine's own per-file
 * budget), which the benchmark against Ruff measures.
 */
export async function analyzeWithDeadlines(files: SourceFile[], options: ParallelOptions & { fileTimeoutMs: number }): Promise<AnalysisResult> {
  const pool = new AnalysisPool({ threads: Math.max(1, threadCount(options.threads, process.env, availableParallelism(), false) - 1), fileTimeoutMs: options.fileTimeoutMs });
  const merged = emptyResult();
  let next = 0;
  let done = 0;
  try {
    const lanes = Array.from({ length: Math.min(files.length, pool.threads) }, async () => {
      while (next < files.length) {
        const file = files[next++]!;
        const read = readSource(file, options.maxFileBytes);
        const result = 'skip' in read ? { findings: [], skipped: [read.skip], notes: [], filesAnalyzed: 0 } : await pool.analyze(read.input, options.config, { locale: options.locale });
        mergeResults(merged, result);
        done++;
        if (done % 16 === 0 || done === files.length) options.onProgress?.(done, files.length);
      }
    });
    await Promise.all(lanes);
  } finally {
    await pool.close();
  }
  return sortResult(merged);
}

/** COZE_LOOP_FILE_TIMEOUT_MS as a positive integer, or undefined. */
export function fileTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const n = Number(env.COZE_LOOP_FILE_TIMEOUT_MS);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
