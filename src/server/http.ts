// The one HTTP server of the service: health, readiness and metrics first, then the GitHub and GitLab webhook
// routes (web and all roles only), else 404. Readiness is what a load balancer or Kubernetes uses to stop sending
// webhooks: it turns 503 while shutting down or when Redis is unreachable.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../core/observability.js';
import type { Role } from './env.js';
import type { ServiceMetrics } from './metrics.js';

export interface WebhookRoute {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

export interface HttpOptions {
  role: Role;
  queue: JobQueue;
  metrics: ServiceMetrics;
  logger: Logger;
  /** In order: GitHub, then GitLab. Absent sides are skipped. */
  routes: WebhookRoute[];
  isShuttingDown: () => boolean;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function createRequestHandler(options: HttpOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { queue, metrics, logger } = options;
  const receives = options.role !== 'worker';

  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    try {
      if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) {
        return sendJson(res, 200, { status: 'ok' });
      }
      if (path === '/readyz' && (method === 'GET' || method === 'HEAD')) {
        if (options.isShuttingDown()) return sendJson(res, 503, { status: 'shutting down' });
        const ready = await queue.ready();
        return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'queue unavailable', queue: queue.kind, role: options.role });
      }
      if (path === '/metrics' && method === 'GET') {
        const body = await metrics.render();
        res.writeHead(200, { 'content-type': metrics.contentType });
        res.end(body);
        return;
      }
      if (receives) {
        // Keep-alive connections may still deliver during shutdown; 503 makes GitHub/GitLab redeliver elsewhere.
        if (options.isShuttingDown() && method === 'POST') {
          return sendJson(res, 503, { status: 'shutting down' }, { 'retry-after': '30', connection: 'close' });
        }
        for (const route of options.routes) {
          if (await route.handle(req, res)) return;
        }
      }
      sendJson(res, 404, { error: 'not found' });
    } catch (error) {
      logger.error({ err: error, method, path }, 'request handler failed');
      sendJson(res, 500, { error: 'internal error' });
    }
  };
}

export function createHttpServer(options: HttpOptions): Server {
  const handler = createRequestHandler(options);
  const server = createServer((req, res) => void handler(req, res));
  // Bound slow clients: a webhook body arrives in well under this.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;
  return server;
}
