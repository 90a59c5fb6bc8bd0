// The webhook side of the host contract: for every host in src/platforms/registry.ts, the service the registry
// builds (entry.createService) answers deliveries the same way. A signed change-request delivery becomes one job; a
// forged signature is 401 with no job; a body that is not JSON is 400 with no job; an event the host does not handle
// is acknowledged (200) and ignored. The handler makes no API call for any of them. Each host's fixture
// (hosts/<name>.ts, export `webhook`) says only how that host signs and names its events.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { noopMetrics } from '../../../src/core/observability.js';
import type { HostEntry } from '../../../src/platforms/registry.js';
import type { HostService } from '../../../src/server/deps.js';
import { RecordingQueue } from '../gitlab/support.js';

export interface WebhookFixture {
  /** Settings that turn the host on, its API at `apiUrl` (a recorder on 127.0.0.1 the handler must never call). */
  env(apiUrl: string): NodeJS.ProcessEnv;
  /** The webhook route's path. */
  path: string;
  /** The job type a change-request delivery becomes. */
  reviewJob: string;
  /** The body of a delivery that opens or updates a change request and so asks for a review. */
  reviewBody(): string;
  /** The headers the host sends with `body`: its event name for `event`, the delivery id, and its signature made with `secret` (the right one by default; '' leaves the signature out). */
  headers(body: string, options: { event: 'review' | 'unknown'; id: string; secret?: string }): Record<string, string>;
  /** A body of an event the host does not handle, as the host would send it. */
  unknownBody(): string;
}

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };

export function describeWebhookContract(host: HostEntry, fixture: WebhookFixture): void {
  describe(`${host.label} webhook contract`, () => {
    let api: Server;
    let apiCalls: string[];
    let http: Server;
    let url: string;
    let queue: RecordingQueue;

    beforeEach(async () => {
      apiCalls = [];
      api = createServer((req, res) => {
        apiCalls.push(`${req.method} ${req.url}`);
        res.writeHead(500).end();
      });
      await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
      queue = new RecordingQueue();
      const env = fixture.env(`http://127.0.0.1:${(api.address() as AddressInfo).port}`);
      const service: HostService | null = await host.createService(env, { queue, logger: silent, metrics: noopMetrics, now: () => new Date('2026-12-05T08:00:00Z') });
      if (!service) throw new Error(`${host.name}: the fixture's settings did not turn the host on`);
      http = createServer((req, res) => {
        void service.handle(req, res).then((taken) => {
          if (!taken) res.writeHead(404).end();
        });
      });
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(http.address() as AddressInfo).port}${fixture.path}`;
    });
    afterEach(async () => {
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await new Promise<void>((resolve) => api.close(() => resolve()));
      expect(apiCalls).toEqual([]);
    });

    const send = async (body: string, headers: Record<string, string>) => {
      const res = await fetch(url, { method: 'POST', headers, body });
      return { status: res.status, text: await res.text() };
    };

    it('turns a signed change-request delivery into one job, and a redelivery into none', async () => {
      const body = fixture.reviewBody();
      const first = await send(body, fixture.headers(body, { event: 'review', id: 'delivery-1' }));
      expect(first.status).toBe(202);
      expect(queue.jobs.map((job) => job.type)).toEqual([fixture.reviewJob]);
      const again = await send(body, fixture.headers(body, { event: 'review', id: 'delivery-1' }));
      expect(again.status).toBe(200);
      expect(queue.jobs).toHaveLength(1);
    });

    it('rejects a forged or missing signature with 401 and no job', async () => {
      const body = fixture.reviewBody();
      expect((await send(body, fixture.headers(body, { event: 'review', id: 'forged-1', secret: 'not-the-secret' }))).status).toBe(401);
      const unsigned = fixture.headers(body, { event: 'review', id: 'forged-2', secret: '' });
      expect((await send(body, unsigned)).status).toBe(401);
      expect(queue.jobs).toEqual([]);
    });

    it('answers 400 to a signed body that is not JSON, with no job', async () => {
      const body = fixture.reviewBody().slice(0, 40);
      const res = await send(body, fixture.headers(body, { event: 'review', id: 'malformed-1' }));
      expect(res.status).toBe(400);
      expect(queue.jobs).toEqual([]);
    });

    it('acknowledges an event it does not handle with 200 and ignores it', async () => {
      const body = fixture.unknownBody();
      const res = await send(body, fixture.headers(body, { event: 'unknown', id: 'unknown-1' }));
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toMatchObject({ status: 'ignored' });
      expect(queue.jobs).toEqual([]);
    });
  });
}
