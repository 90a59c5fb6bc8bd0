// `npm start`: one process that receives webhooks and/or processes jobs, depending on COZE_LOOP_ROLE.
// Builds the shared dependencies, the queue (memory, or BullMQ when REDIS_URL is set), the GitHub and GitLab
// services (either may be off), the weekly schedule and the HTTP server, and shuts all of it down in order on
// SIGTERM/SIGINT: stop accepting, finish in-flight jobs until the deadline, exit.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createQueue } from '../jobs/create-queue.js';
import { createJobObserver } from '../jobs/observer.js';
import type { JobData, JobProcessor, JobQueue, JobType } from '../jobs/queue.js';
import { createScheduler, type ListSummaryTargets, type Scheduler, type SummaryTarget } from '../jobs/scheduler.js';
import type { Logger } from '../core/observability.js';
import type { CreateHostService, HostService, ServiceDeps } from './deps.js';
import type { HostName } from '../core/types.js';
import { HOSTS } from '../platforms/registry.js';
import { EnvError, readRuntimeSettings, type RuntimeSettings } from './env.js';
import { createRefineHook, type RefineHook } from '../llm/hook.js';
import { createHttpServer } from './http.js';
import { createLogger } from './logger.js';
import { createMetrics, type ServiceMetrics } from './metrics.js';
import { createPlaygroundRoute } from './playground/route.js';
import { readPlaygroundSettings } from './playground/settings.js';
import { warmUp } from '../analysis/warm-up.js';
import { sharedAnalysisPool } from '../analysis/worker-pool.js';

/** What main needs from each host's service (src/platforms/<host>/service.ts). */
export type PlatformService = HostService;

export interface ServiceOverrides {
  /** Stands in for a registered host's service (tests); `null` turns that host off. */
  hosts?: Partial<Record<HostName, CreateHostService>>;
  createGitHub?: CreateHostService;
  createGitLab?: CreateHostService;
  logger?: Logger;
  now?: () => Date;
  /** Process metrics off in tests that compare output. */
  processMetrics?: boolean;
  /** Stands in for the model refinement built from OPENAI_API_KEY (tests). */
  refine?: RefineHook;
}

export interface RunningService {
  settings: RuntimeSettings;
  server: Server;
  queue: JobQueue;
  metrics: ServiceMetrics;
  logger: Logger;
  /** http://host:port the server listens on. */
  url: string;
  isShuttingDown(): boolean;
  /** Idempotent; resolves when the queue is closed and the server stopped. */
  shutdown(reason: string): Promise<{ abandoned: number }>;
}

interface NamedService {
  platform: HostName;
  service: PlatformService;
}

/** Both platforms may process weekly-summary jobs; the job's `payload.platform` says which one it is for. */
export function mergeProcessors(services: NamedService[], logger: Logger): Partial<Record<JobType, JobProcessor>> {
  const merged: Partial<Record<JobType, JobProcessor>> = {};
  const weekly = new Map<string, JobProcessor>();
  for (const { platform, service } of services) {
    for (const [type, processor] of Object.entries(service.processors) as Array<[JobType, JobProcessor | undefined]>) {
      if (!processor) continue;
      if (type === 'weekly-summary') weekly.set(platform, processor);
      else merged[type] = processor;
    }
  }
  if (weekly.size > 0) {
    merged['weekly-summary'] = async (job: JobData, signal: AbortSignal) => {
      const platform = String(job.payload.platform ?? '');
      const processor = weekly.get(platform) ?? (!platform && weekly.size === 1 ? [...weekly.values()][0] : undefined);
      if (!processor) {
        logger.error({ deliveryId: job.id, platform }, 'weekly-summary job for a platform that is off in this process');
        return;
      }
      await processor(job, signal);
    };
  }
  return merged;
}

/** JSON for log collectors; one readable line per entry on a terminal. LOG_FORMAT=json or pretty decides instead. */
export function wantsPrettyLogs(env: NodeJS.ProcessEnv, stdoutIsTTY: boolean): boolean {
  if (env.LOG_FORMAT === 'json') return false;
  return env.LOG_FORMAT === 'pretty' || stdoutIsTTY;
}

export async function startService(env: NodeJS.ProcessEnv = process.env, overrides: ServiceOverrides = {}): Promise<RunningService> {
  const settings = readRuntimeSettings(env);
  const playgroundSettings = readPlaygroundSettings(env);
  const logger = overrides.logger ?? createLogger({ level: settings.logLevel, pretty: wantsPrettyLogs(env, process.stdout.isTTY === true) });
  const metrics = createMetrics({ processMetrics: overrides.processMetrics ?? true });
  const queue = createQueue({
    concurrency: settings.concurrency,
    maxBacklog: settings.maxBacklog,
    attempts: settings.jobAttempts,
    backoffMs: settings.retryBackoffMs,
    lockDurationMs: settings.jobLockMs,
    prefix: settings.queuePrefix,
    observer: createJobObserver(logger.child({ component: 'queue' }), metrics),
    logger: logger.child({ component: 'queue' }),
    ...(settings.redisUrl ? { redisUrl: settings.redisUrl } : {}),
  });
  metrics.setDepthSource(() => queue.depth());
  const now = overrides.now ?? (() => new Date());
  // Optional LLM refinement: only when OPENAI_API_KEY/COZE_LOOP_LLM_MODEL are set; never on the critical path.
  const refine = overrides.refine ?? createRefineHook(env, logger.child({ component: 'llm' }), now);
  const deps: ServiceDeps = { queue, logger, metrics, now, ...(refine ? { refine } : {}) };

  const standIns: Partial<Record<HostName, CreateHostService>> = { github: overrides.createGitHub, gitlab: overrides.createGitLab, ...overrides.hosts };
  const named: NamedService[] = [];
  for (const host of HOSTS) {
    const service = await (standIns[host.name] ?? host.createService)(env, deps);
    if (service) named.push({ platform: host.name, service });
  }
  // A host serving its set-up pages (GitHub App registration) has no credentials yet.
  const setup = named.find((n) => n.service.setupPath !== undefined)?.service;
  const services = named.map(({ service }) => service);
  logger.info(
    {
      role: settings.role,
      queue: queue.kind,
      ...Object.fromEntries(HOSTS.map((host) => [host.name, named.some((n) => n.platform === host.name) ? 'on' : 'off'])),
      llm: refine ? 'on' : 'off',
      concurrency: settings.role === 'web' ? 0 : settings.concurrency,
    },
    services.length === 0
      ? 'neither GitHub nor GitLab is configured: serving health and metrics only (see docs/operations.md)'
      : 'coze-loop service starting',
  );

  let shuttingDown = false;
  let scheduler: Scheduler | undefined;
  const processes = settings.role !== 'web';
  if (processes) {
    // Load the grammars, rules and knowledge base now (and check the native reader), so the first review is not cold:
    // in the analysis threads, which warm up as they start, or here when the pool analyses in-process.
    const pool = sharedAnalysisPool();
    if (pool.mode === 'threads') pool.prestart();
    else {
      const cold = warmUp();
      if (cold.length > 0) logger.warn({ languages: cold }, 'could not warm the parsers of these languages');
    }
    const sources = services.map((service) => service.listSummaryTargets).filter((list): list is ListSummaryTargets => !!list);
    if (sources.length > 0) {
      scheduler = createScheduler({
        queue,
        cron: settings.summaryCron,
        respectDay: !env.COZE_LOOP_SUMMARY_CRON,
        logger: logger.child({ component: 'scheduler' }),
        listTargets: async () => {
          const lists = await Promise.allSettled(sources.map((list) => list()));
          const targets: SummaryTarget[] = [];
          for (const result of lists) {
            if (result.status === 'fulfilled') targets.push(...result.value);
            else logger.error({ err: result.reason }, 'listing weekly summary targets failed for one platform');
          }
          return targets;
        },
      });
      await scheduler.start();
    }
    await queue.start(mergeProcessors(named, logger));
  }

  // The playground answers `/` before Probot's set-up pages (which then live under their own /probot path).
  const playground = playgroundSettings.enabled
    ? createPlaygroundRoute({
        settings: playgroundSettings,
        metrics,
        logger: logger.child({ component: 'playground' }),
        ...(refine && playgroundSettings.llm ? { refine } : {}),
        ...(setup?.setupPath ? { setupPath: setup.setupPath } : {}),
        trustProxy: env.COZE_LOOP_TRUST_PROXY === '1' || env.COZE_LOOP_TRUST_PROXY === 'true',
      })
    : undefined;
  const server = createHttpServer({
    role: settings.role,
    queue,
    metrics,
    logger,
    routes: playground ? [playground, ...services] : services,
    isShuttingDown: () => shuttingDown,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Set-up mode serves pages that write credentials to .env: loopback only, unless HOST asks for more.
    server.listen(settings.port, settings.host ?? (named.some((n) => n.service.setupMode) ? '127.0.0.1' : undefined), () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'http server error'));
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '[::]' || host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  logger.info({ url, port: address.port, role: settings.role }, 'listening');

  let closing: Promise<{ abandoned: number }> | undefined;
  const shutdown = (reason: string): Promise<{ abandoned: number }> => {
    closing ??= (async () => {
      shuttingDown = true;
      const started = Date.now();
      logger.info({ reason, deadlineMs: settings.shutdownTimeoutMs }, 'shutting down: no new webhooks, finishing in-flight jobs');
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await scheduler?.stop();
      const result = await queue.close(settings.shutdownTimeoutMs);
      if (queue.kind === 'memory' && result.abandoned > 0) {
        logger.error({ abandoned: result.abandoned }, 'shutdown deadline reached: jobs abandoned (GitHub/GitLab can redeliver them)');
      } else if (result.abandoned > 0) {
        logger.warn({ returnedToQueue: result.abandoned }, 'shutdown deadline reached: unfinished jobs returned to the queue');
      }
      server.closeAllConnections();
      await serverClosed;
      logger.info({ durationMs: Date.now() - started, abandoned: result.abandoned }, 'shutdown complete');
      return result;
    })();
    return closing;
  };

  return { settings, server, queue, metrics, logger, url, isShuttingDown: () => shuttingDown, shutdown };
}

/** The process entry: signals, unexpected errors and exit codes around startService. */
export async function main(env: NodeJS.ProcessEnv = process.env, overrides: ServiceOverrides = {}): Promise<void> {
  let service: RunningService;
  try {
    service = await startService(env, overrides);
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`coze-loop: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`coze-loop: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
  const { logger } = service;
  const stop = (reason: string, code: number) => {
    // The hard stop covers a job or connection that ignores the deadline; unref so it never delays a clean exit.
    setTimeout(() => {
      logger.error({ reason }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, service.settings.shutdownTimeoutMs + 10_000).unref();
    void service.shutdown(reason).then(
      () => process.exit(code),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (service.isShuttingDown()) {
        logger.warn({ signal }, 'second signal during shutdown: exiting now');
        process.exit(1);
      }
      stop(signal, 0);
    });
  }
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection');
  });
  process.on('uncaughtException', (error) => {
    logger.error({ err: error }, 'uncaught exception: shutting down');
    if (!service.isShuttingDown()) stop('uncaughtException', 1);
  });
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) void main();
