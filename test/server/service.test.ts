import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequestHandler } from '../../src/server/http.js';
import { Writable } from 'node:stream';
import type { ServiceDeps } from '../../src/server/deps.js';
import { createLogger } from '../../src/server/logger.js';
import { startService, type PlatformService, type RunningService } from '../../src/server/main.js';
import { REDIS_URL, deleteKeys, requireRedis, startPrivateRedis, uniquePrefix } from '../jobs/redis-helper.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

const running: RunningService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.shutdown('test end')));
});

function quietLogger() {
  return createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
}

/** A platform service that enqueues `POST /hook/<id>` and records what its processor saw. */
function standIn(path: string, processed: string[]): (env: NodeJS.ProcessEnv, deps: ServiceDeps) => Promise<PlatformService> {
  return async (_env, deps) => ({
    async handle(req: IncomingMessage, res: ServerResponse) {
      if (!req.url?.startsWith(path)) return false;
      deps.metrics.webhookReceived('github', 'pull_request');
      const outcome = await deps.queue.enqueue({ type: 'github-review', id: req.url.slice(path.length), payload: { repo: 'o/r', number: 1 } });
      res.writeHead(outcome === 'full' ? 503 : 202);
      res.end(outcome);
      return true;
    },
    processors: {
      'github-review': async (job) => {
        deps.metrics.findingsReported('query-in-loop', 'optimize', 2);
        deps.metrics.commentsPosted('github', 2);
        deps.metrics.apiError('github', 422);
        deps.metrics.rateLimitRemaining('github', 4999);
        processed.push(job.id);
      },
    },
  });
}

async function start(env: NodeJS.ProcessEnv, processed: string[] = []): Promise<RunningService> {
  const service = await startService(
    { PORT: '0', HOST: '127.0.0.1', ...env },
    { createGitHub: standIn('/hook/', processed), createGitLab: () => null, logger: quietLogger() },
  );
  running.push(service);
  return service;
}

describe('service HTTP surface (memory mode)', () => {
  it('serves /healthz, /readyz and Prometheus /metrics that parse, with job and platform counters', async () => {
    const processed: string[] = [];
    const service = await start({}, processed);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', queue: 'memory', role: 'all' });

    expect(await (await fetch(`${service.url}/hook/d-1`, { method: 'POST' })).text()).toBe('enqueued');
    expect(await (await fetch(`${service.url}/hook/d-1`, { method: 'POST' })).text()).toBe('duplicate');
    while (processed.length < 1) await new Promise((resolve) => setTimeout(resolve, 10));

    const response = await fetch(`${service.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const { types, samples } = parsePrometheusText(await response.text());
    expect(types.get('coze_loop_job_duration_seconds')).toBe('histogram');
    expect(sampleValue(samples, 'coze_loop_webhooks_received_total', { platform: 'github', event: 'pull_request' })).toBe(2);
    expect(sampleValue(samples, 'coze_loop_jobs_enqueued_total', { type: 'github-review', outcome: 'enqueued' })).toBe(1);
    expect(sampleValue(samples, 'coze_loop_jobs_enqueued_total', { type: 'github-review', outcome: 'duplicate' })).toBe(1);
    expect(sampleValue(samples, 'coze_loop_jobs_completed_total', { type: 'github-review' })).toBe(1);
    expect(sampleValue(samples, 'coze_loop_job_duration_seconds_count', { type: 'github-review', outcome: 'completed' })).toBe(1);
    expect(sampleValue(samples, 'coze_loop_findings_total', { rule: 'query-in-loop', target: 'optimize' })).toBe(2);
    expect(sampleValue(samples, 'coze_loop_comments_posted_total', { platform: 'github' })).toBe(2);
    expect(sampleValue(samples, 'coze_loop_api_errors_total', { platform: 'github', status: '422' })).toBe(1);
    expect(sampleValue(samples, 'coze_loop_rate_limit_remaining', { platform: 'github' })).toBe(4999);
    expect(sampleValue(samples, 'coze_loop_queue_depth')).toBe(0);
    expect(sampleValue(samples, 'coze_loop_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('answers 404 for unknown paths, and 503 on /readyz and webhooks once shutting down', async () => {
    const service = await start({});
    expect((await fetch(`${service.url}/nope`)).status).toBe(404);
    let shuttingDown = false;
    const server = createServer((req, res) =>
      void createRequestHandler({
        role: 'all',
        queue: service.queue,
        metrics: service.metrics,
        logger: service.logger,
        routes: [{ handle: async (_req, res2) => (res2.end('handled'), true) }],
        isShuttingDown: () => shuttingDown,
      })(req, res),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${base}/hook`, { method: 'POST' })).text()).toBe('handled');
      shuttingDown = true;
      const ready = await fetch(`${base}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([503, { status: 'shutting down' }]);
      const hook = await fetch(`${base}/hook`, { method: 'POST' });
      expect([hook.status, hook.headers.get('retry-after')]).toEqual([503, '30']);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('starts with neither platform configured and still serves health', async () => {
    const service = await startService({ PORT: '0', HOST: '127.0.0.1', COZE_LOOP_GITHUB_SETUP: 'false' }, { logger: quietLogger(), createGitHub: async () => null, createGitLab: () => null });
    running.push(service);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${service.url}/api/github/webhooks`, { method: 'POST' })).status).toBe(404);
  });
});

describe('service roles and readiness on Redis', () => {
  it('a worker serves health and metrics but no webhooks; a web process only enqueues', async () => {
    await requireRedis();
    const prefix = uniquePrefix('roles');
    const processed: string[] = [];
    const web = await start({ REDIS_URL, COZE_LOOP_ROLE: 'web', COZE_LOOP_QUEUE_PREFIX: prefix }, processed);
    expect(await (await fetch(`${web.url}/hook/r-1`, { method: 'POST' })).text()).toBe('enqueued');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(processed).toEqual([]);
    expect(await web.queue.depth()).toBe(1);

    const worker = await start({ REDIS_URL, COZE_LOOP_ROLE: 'worker', COZE_LOOP_QUEUE_PREFIX: prefix }, processed);
    expect((await fetch(`${worker.url}/hook/r-2`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${worker.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
    while (processed.length < 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(processed).toEqual(['r-1']);
    await Promise.all(running.splice(0).map((service) => service.shutdown('test end')));
    await deleteKeys(prefix);
  });

  it('/readyz turns 503 when Redis stops, and webhooks get 503 instead of hanging', async () => {
    const redis = await startPrivateRedis();
    try {
      const service = await start({ REDIS_URL: redis.url, COZE_LOOP_ROLE: 'all', COZE_LOOP_SHUTDOWN_TIMEOUT: '1s' });
      expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
      await redis.stop();
      const unready = await fetch(`${service.url}/readyz`);
      expect(unready.status).toBe(503);
      expect(await unready.json()).toMatchObject({ status: 'queue unavailable', queue: 'bullmq' });
      const started = Date.now();
      const hook = await fetch(`${service.url}/hook/while-down`, { method: 'POST' });
      expect(hook.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(8000);
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    } finally {
      await redis.stop();
    }
  }, 30_000);
});
