// One pool of analysis threads with a hard deadline per file, for the service (reviews, slash commands, the weekly
// report). Parsing and rules are synchronous CPU work: run on the event loop, one slow file (a tree-sitter grammar
// that is quadratic on some input, a rule that meets a shape nobody planned for) stops every webhook and health
// check. Here each file goes to a worker thread; when it passes its deadline the thread is terminated, the file
// becomes a `timeout` skip ("analysis took longer than N s") and the next file goes on in a fresh thread.
//
// Settings: COZE_LOOP_ANALYSIS_THREADS (default: cores - 1, at least 1, at most 4) and COZE_LOOP_FILE_TIMEOUT_MS
// (default 10000); a repository's `limits.file_timeout_ms` can only lower the deadline (see review/budget.ts).
// Running from TypeScript sources (ts-jest) there is no compiled worker next to this module: the pool then analyses
// in-process, with the engine's own soft budget only, unless a test passes `workerUrl`.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CozeLoopConfig } from '../config/schema.js';
import { t } from '../core/i18n.js';
import type { AnalysisResult, Locale, SourceInput } from '../core/types.js';
import { EffectIndex } from './effects/index.js';
import { analyzeSource } from './engine.js';
import { loadKnowledgeBase } from './knowledge-base.js';
import { unpackSources, type SharedSources, type SharedSourcesMessage } from './shared-sources.js';

export interface PoolRequest {
  id: number;
  path: string;
  content: string | Uint8Array;
  /** The config as JSON: the worker keeps the last few parsed, with their knowledge bases. */
  config: string;
  locale: Locale;
  /** The review's files, shared read-only, for effect summaries across files. */
  context?: SharedSourcesMessage;
  /** The file's deadline: the worker gives it to the engine as its budget, so a parse stops there natively. */
  timeoutMs: number;
}
export type PoolReply = { id: number; result: AnalysisResult } | { id: number; error: string } | { ready: true };

export const DEFAULT_FILE_TIMEOUT_MS = 10_000;
const MAX_THREADS = 4;

export interface AnalysisPoolOptions {
  /** Worker threads; default COZE_LOOP_ANALYSIS_THREADS, else cores - 1 (1..4). */
  threads?: number;
  /** Deadline per file; default COZE_LOOP_FILE_TIMEOUT_MS, else 10 s. */
  fileTimeoutMs?: number;
  /** The compiled worker script; null forces in-process analysis. Default: analysis-worker.js next to this module. */
  workerUrl?: URL | null;
  env?: NodeJS.ProcessEnv;
}

export interface AnalyzeFileOptions {
  locale?: Locale;
  /** A tighter deadline for this file (never looser than the pool's). */
  timeoutMs?: number;
  /** The files the analysed one may call into (the change and its imports), for effect summaries. */
  context?: SharedSources;
  /** Called with the time the file spent in a thread (not the time it waited for one). */
  onRun?: (ms: number) => void;
}

interface Task {
  id: number;
  request: PoolRequest;
  timeoutMs: number;
  resolve: (result: AnalysisResult) => void;
  /** When a ready thread took it (0 until then). */
  startedAt: number;
}

interface Slot {
  worker?: Worker;
  /** The worker has loaded and warmed up: deadlines start counting only then. */
  ready?: boolean;
  task?: Task;
  timer?: NodeJS.Timeout;
}

/** analysis-worker.js next to this module when running from dist/, else undefined. */
export function compiledAnalysisWorker(): URL | undefined {
  if (!import.meta.url.endsWith('.js')) return undefined;
  const url = new URL('./analysis-worker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

function positiveInt(value: string | undefined): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function skippedResult(path: string, reason: 'timeout' | 'error', detail: string): AnalysisResult {
  return { findings: [], skipped: [{ path, reason, detail }], notes: [], filesAnalyzed: 0 };
}

export class AnalysisPool {
  readonly threads: number;
  readonly fileTimeoutMs: number;
  readonly mode: 'threads' | 'in-process';
  private readonly workerUrl: URL | undefined;
  private readonly slots: Slot[];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  /** Threads terminated at a deadline or lost to a crash (observability for tests and metrics). */
  terminated = 0;

  constructor(options: AnalysisPoolOptions = {}) {
    const env = options.env ?? process.env;
    this.threads = Math.max(1, Math.min(MAX_THREADS, options.threads ?? positiveInt(env.COZE_LOOP_ANALYSIS_THREADS) ?? availableParallelism() - 1));
    this.fileTimeoutMs = options.fileTimeoutMs ?? positiveInt(env.COZE_LOOP_FILE_TIMEOUT_MS) ?? DEFAULT_FILE_TIMEOUT_MS;
    this.workerUrl = options.workerUrl === null ? undefined : (options.workerUrl ?? compiledAnalysisWorker());
    this.mode = this.workerUrl ? 'threads' : 'in-process';
    this.slots = Array.from({ length: this.threads }, () => ({}));
  }

  /** Analyses one file off the event loop. Never rejects: a deadline or a crash becomes a skip with a reason. */
  analyze(input: SourceInput, config: CozeLoopConfig, options: AnalyzeFileOptions = {}): Promise<AnalysisResult> {
    const locale = options.locale ?? config.locale;
    const timeoutMs = Math.max(1, Math.min(options.timeoutMs ?? this.fileTimeoutMs, this.fileTimeoutMs));
    if (!this.workerUrl || this.closed) {
      // In-process: the engine's own budget (checked between loops) is the only limit. Yield first, so that a
      // caller's loop over many files still lets other events in between files.
      return new Promise((resolve) =>
        setImmediate(() => {
          const started = Date.now();
          try {
            const budget = options.timeoutMs !== undefined ? { timeBudgetMs: timeoutMs } : {};
            resolve(analyzeSource(input, config, { locale, ...budget, ...inProcessEffects(config, options.context) }));
            options.onRun?.(Date.now() - started);
          } catch (error) {
            resolve(skippedResult(String(input.path), 'error', error instanceof Error ? error.message.slice(0, 200) : 'unknown error'));
          }
        }),
      );
    }
    return new Promise((resolve) => {
      const request: PoolRequest = { id: this.nextId++, path: String(input.path), content: input.content, config: configJson(config), locale, timeoutMs };
      const task: Task = {
        id: request.id,
        request,
        timeoutMs,
        startedAt: 0,
        resolve: (result) => {
          options.onRun?.(task.startedAt > 0 ? Date.now() - task.startedAt : 0);
          resolve(result);
        },
      };
      if (options.context) request.context = options.context.message;
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Starts every thread now (each warms up on its own), so that the first file does not wait for a cold one. */
  prestart(): void {
    if (!this.workerUrl || this.closed) return;
    for (const slot of this.slots) {
      if (slot.worker) continue;
      slot.ready = false;
      slot.worker = this.spawn(slot);
    }
  }

  /** Stops every thread; files still queued are analysed in-process by nobody: they resolve as errors. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.resolve(skippedResult(task.request.path, 'error', 'the analysis pool was closed'));
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.timer) clearTimeout(slot.timer);
        slot.task?.resolve(skippedResult(slot.task.request.path, 'error', 'the analysis pool was closed'));
        slot.task = undefined;
        const worker = slot.worker;
        slot.worker = undefined;
        if (worker) await worker.terminate();
      }),
    );
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.task) continue;
      const task = this.queue.shift()!;
      this.start(slot, task);
    }
  }

  private spawn(slot: Slot): Worker {
    const worker = new Worker(this.workerUrl!);
    worker.on('message', (reply: PoolReply) => {
      if (slot.worker !== worker) return;
      if ('ready' in reply) {
        slot.ready = true;
        if (slot.task && !slot.timer) this.arm(slot, slot.task);
        return;
      }
      if (!slot.task || slot.task.id !== reply.id) return;
      const task = slot.task;
      this.finish(slot);
      task.resolve('result' in reply ? reply.result : skippedResult(task.request.path, 'error', reply.error.slice(0, 200)));
      this.dispatch();
    });
    const lost = (detail: string): void => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      slot.ready = false;
      this.terminated++;
      const task = slot.task;
      this.finish(slot);
      task?.resolve(skippedResult(task.request.path, 'error', t(task.request.locale, 'engine.skip.crashed', { detail })));
      this.dispatch();
    };
    worker.on('error', (error) => lost(error instanceof Error ? error.message.slice(0, 200) : String(error)));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    worker.unref();
    return worker;
  }

  private start(slot: Slot, task: Task): void {
    if (!slot.worker) {
      slot.ready = false;
      slot.worker = this.spawn(slot);
    }
    slot.task = task;
    // A busy thread keeps the process alive (a CLI run waits for it); an idle one does not.
    slot.worker.ref();
    if (slot.ready) this.arm(slot, task);
    slot.worker.postMessage(task.request);
  }

  /**
   * The hard stop. The engine in the worker has the same deadline as its budget (a tree-sitter parse stops there
   * by itself, rules are checked between loops); this timer, a little later, terminates whatever did not stop.
   */
  private arm(slot: Slot, task: Task): void {
    task.startedAt = Date.now();
    slot.timer = setTimeout(() => this.expire(slot, task), task.timeoutMs + Math.min(1000, 100 + task.timeoutMs / 4));
  }

  private expire(slot: Slot, task: Task): void {
    if (slot.task !== task) return;
    const worker = slot.worker;
    slot.worker = undefined;
    slot.ready = false;
    this.terminated++;
    this.finish(slot);
    if (worker) void worker.terminate();
    const seconds = Math.round(task.timeoutMs / 100) / 10;
    task.resolve(skippedResult(task.request.path, 'timeout', t(task.request.locale, 'engine.skip.deadline', { seconds })));
    this.dispatch();
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.task = undefined;
    slot.worker?.unref();
  }
}

/** In-process analysis of a shared set: one function-table index per set and config, as a worker keeps. */
const inProcessIndexes = new WeakMap<SharedSources, { config: CozeLoopConfig; effects: EffectIndex; kb: ReturnType<typeof loadKnowledgeBase> }>();

function inProcessEffects(config: CozeLoopConfig, context: SharedSources | undefined): { effects?: EffectIndex; kb?: ReturnType<typeof loadKnowledgeBase> } {
  if (!context) return {};
  let entry = inProcessIndexes.get(context);
  if (!entry || entry.config !== config) {
    const kb = loadKnowledgeBase(config);
    entry = { config, kb, effects: new EffectIndex(kb, undefined, unpackSources(context.message)) };
    inProcessIndexes.set(context, entry);
  }
  return { effects: entry.effects, kb: entry.kb };
}

const jsonByConfig = new WeakMap<CozeLoopConfig, string>();

function configJson(config: CozeLoopConfig): string {
  let json = jsonByConfig.get(config);
  if (json === undefined) {
    json = JSON.stringify(config);
    jsonByConfig.set(config, json);
  }
  return json;
}

let shared: AnalysisPool | undefined;

/** The process-wide pool the service uses (created on first use, from the environment). */
export function sharedAnalysisPool(): AnalysisPool {
  shared ??= new AnalysisPool();
  return shared;
}

/** Replaces the process-wide pool (tests; the service's shutdown passes undefined after closing it). */
export function setSharedAnalysisPool(pool: AnalysisPool | undefined): void {
  shared = pool;
}

/**
 * Many files through the pool (the weekly report): as analyzeSources, but each file in a worker thread with its
 * deadline, `threads` at a time, findings sorted by path and line.
 */
export async function analyzeAllInPool(pool: AnalysisPool, inputs: SourceInput[], config: CozeLoopConfig, options: AnalyzeFileOptions = {}): Promise<AnalysisResult> {
  const merged: AnalysisResult = { findings: [], skipped: [], notes: [], filesAnalyzed: 0 };
  const parts: AnalysisResult[] = new Array(inputs.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(inputs.length, pool.threads) }, async () => {
    while (next < inputs.length) {
      const index = next++;
      parts[index] = await pool.analyze(inputs[index]!, config, options);
    }
  });
  await Promise.all(lanes);
  for (const one of parts) {
    merged.findings.push(...one.findings);
    merged.skipped.push(...one.skipped);
    merged.notes.push(...one.notes);
    merged.filesAnalyzed += one.filesAnalyzed;
  }
  merged.findings.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)));
  return merged;
}
