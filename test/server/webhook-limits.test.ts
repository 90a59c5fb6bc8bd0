// Hostile webhook senders against the real HTTP server on 127.0.0.1: no credentials, only requests.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnalysisResult } from '../../src/core/types.js';
import type { EnqueueOutcome, JobData, JobQueue } from '../../src/jobs/queue.js';
import { noopMetrics } from '../../src/core/observability.js';

jest.unstable_mockModule('../../src/analysis/engine.js', () => ({
  analyzeSource: (): AnalysisResult => ({ findings: [], skipped: [], notes: [], filesAnalyzed: 1 }),
  analyzeSources: (): AnalysisResult => ({ findings: [], skipped: [], notes: [], filesAnalyzed: 0 }),
}));
const { createGitHubService, signPayload } = await import('../../src/platforms/github/service.js');
const { createHttpServer } = await import('../../src/server/http.js');
const { createMetrics } = await import('../../src/server/metrics.js');

const SECRET = 'webhook-secret-for-tests';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };

class RecordingQueue implements JobQueue {
  readonly kind = 'memory' as const;
  jobs: JobData[] = [];
  async enqueue(job: JobData): Promise<EnqueueOutcome> {
    this.jobs.push(job);
    return 'enqueued';
  }
  async start(): Promise<void> {}
  async depth(): Promise<number> {
    return this.jobs.length;
  }
  async ready(): Promise<boolean> {
    return true;
  }
  async close(): Promise<{ abandoned: number }> {
    return { abandoned: 0 };
  }
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  server = undefined;
});

async function start(extra: Record<string, string> = {}): Promise<{ port: number; queue: RecordingQueue }> {
  const queue = new RecordingQueue();
  const env = { APP_ID: '123', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, NODE_ENV: 'test', ...extra } as NodeJS.ProcessEnv;
  const svc = await createGitHubService(env, { queue, logger: silent, metrics: noopMetrics, now: () => new Date('2026-11-23T08:00:00Z') });
  server = createHttpServer({ role: 'all', queue, metrics: createMetrics({ processMetrics: false }), logger: silent, routes: [svc!], isShuttingDown: () => false });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, queue };
}

interface Outcome {
  status: number | 'reset';
  /** Body bytes the client managed to hand to the socket before the answer. */
  sent: number;
}

/**
 * Posts headers, then `chunks` chunks of `chunkBytes` (stopping at the first answer), then ends the body unless
 * `hold`. Resolves with the status (or 'reset' when the server closed the socket without one).
 */
function post(port: number, headers: Record<string, string>, body: { chunkBytes: number; chunks: number; hold?: boolean; payload?: Buffer }): Promise<Outcome> {
  return new Promise((resolve) => {
    let sent = 0;
    let settled = false;
    const done = (status: Outcome['status']) => {
      if (settled) return;
      settled = true;
      resolve({ status, sent });
    };
    const req = request({ host: '127.0.0.1', port, path: '/api/github/webhooks', method: 'POST', headers: { 'x-github-event': 'ping', 'x-github-delivery': 'd-1', ...headers } }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('error', () => done('reset'));
    if (body.payload) {
      req.end(body.payload);
      return;
    }
    const chunk = Buffer.alloc(body.chunkBytes, 0x20);
    let written = 0;
    const pump = () => {
      while (!settled && written < body.chunks) {
        written += 1;
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!settled && !body.hold) req.end();
    };
    pump();
  });
}

const FAKE_SIGNATURE = `sha256=${'0'.repeat(64)}`;

describe('GitHub webhook bodies from an anonymous sender', () => {
  it('refuses a Content-Length above 25 MB with 413 before reading the body', async () => {
    const { port } = await start();
    // The sender announces 30 MB and sends one chunk: waiting for the rest would hang until the request timeout.
    const outcome = await post(port, { 'content-length': String(30 * 1024 * 1024), 'x-hub-signature-256': FAKE_SIGNATURE }, { chunkBytes: 1024, chunks: 1, hold: true });
    expect(outcome.status).toBe(413);
  });

  it('never reads a body that carries no signature', async () => {
    const { port } = await start();
    const outcome = await post(port, { 'content-length': String(1024 * 1024) }, { chunkBytes: 1024, chunks: 1, hold: true });
    expect(outcome.status).toBe(401);
  });

  it('holds at most COZE_LOOP_WEBHOOK_MAX_PENDING unverified bodies; the next sender gets 503 at once', async () => {
    const { port } = await start({ COZE_LOOP_WEBHOOK_MAX_PENDING: '3' });
    const headers = { 'content-length': String(20 * 1024 * 1024), 'x-hub-signature-256': FAKE_SIGNATURE };
    // Three slow senders that never finish their bodies...
    const slow = [1, 2, 3].map(() => post(port, headers, { chunkBytes: 64 * 1024, chunks: 2, hold: true }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // ...and the fourth is turned away without its body being read.
    const refused = await post(port, headers, { chunkBytes: 1024, chunks: 1, hold: true });
    expect(refused.status).toBe(503);
    server!.closeAllConnections();
    await Promise.all(slow);
    // Once the slow senders are gone, their slots are free again.
    const payload = Buffer.from('{"zen":"ok"}');
    const after = await post(port, { 'x-hub-signature-256': signPayload(SECRET, payload), 'content-type': 'application/json' }, { chunkBytes: 0, chunks: 0, payload });
    expect(after.status).toBe(200);
  });

  it('caps a chunked body without Content-Length while it streams and closes the connection', async () => {
    const { port } = await start({ COZE_LOOP_WEBHOOK_MAX_BYTES: String(256 * 1024) });
    // 64 MB offered in 64 KB chunks; the server answers after about 256 KB.
    const outcome = await post(port, { 'transfer-encoding': 'chunked', 'x-hub-signature-256': FAKE_SIGNATURE }, { chunkBytes: 64 * 1024, chunks: 1024 });
    expect([413, 'reset']).toContain(outcome.status);
    expect(outcome.sent).toBeLessThan(16 * 1024 * 1024);
  });

  it('checks the HMAC computed over the streamed chunks: a wrong one is dropped, a right one enqueues', async () => {
    const { port, queue } = await start();
    const payload = Buffer.from(JSON.stringify({ zen: 'x'.repeat(300_000) }));
    const forged = await post(port, { 'x-hub-signature-256': signPayload('not-the-secret', payload) }, { chunkBytes: 0, chunks: 0, payload });
    expect(forged.status).toBe(401);
    const signed = await post(port, { 'x-hub-signature-256': signPayload(SECRET, payload) }, { chunkBytes: 0, chunks: 0, payload });
    expect(signed.status).toBe(200);
    expect(queue.jobs).toEqual([]);
  });
});
