// The playground's HTTP side: the page at `/` (built by scripts/build-web.js into dist/web), its assets, rule docs
// at /rules/<id>, and `POST /api/analyze`. The snippet is never logged or stored: logs and metrics carry sizes,
// languages, outcomes and durations only.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Counter, Histogram } from 'prom-client';
import { getRule, renderRuleDocs } from '../../analysis/engine.js';
import { DEFAULT_CONFIG } from '../../config/schema.js';
import { PROJECT_ROOT } from '../../core/data-files.js';
import { LOCALES, type Locale } from '../../core/types.js';
import type { RefineHook } from '../../llm/hook.js';
import type { Logger } from '../../core/observability.js';
import type { ServiceMetrics } from '../metrics.js';
import { analyzeSnippet, parsePlaygroundRequest, refineSnippet, renderPlaygroundJson } from './analyze.js';
import { AddressRateLimiter } from './rate-limit.js';
import type { PlaygroundSettings } from './settings.js';
import { renderMarkdownPage } from './rule-docs.js';

export const WEB_DIR = join(PROJECT_ROOT, 'dist', 'web');
export const API_PATH = '/api/analyze';

export interface PlaygroundOptions {
  settings: PlaygroundSettings;
  metrics: ServiceMetrics;
  logger: Logger;
  refine?: RefineHook;
  /** Where Probot's GitHub App registration lives while no app is configured (linked from the page). */
  setupPath?: string;
  /** Trust the first X-Forwarded-For address (behind a reverse proxy). */
  trustProxy?: boolean;
  webDir?: string;
  now?: () => number;
}

export interface PlaygroundRoute {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

interface Asset {
  type: string;
  identity: Buffer;
  gzip?: Buffer;
  br?: Buffer;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

// Scripts and styles come only from the service itself: the page works offline and nothing leaves for a CDN.
const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function readAsset(dir: string, name: string): Asset | undefined {
  const file = join(dir, name);
  if (!existsSync(file)) return undefined;
  const ext = name.slice(name.lastIndexOf('.'));
  const asset: Asset = { type: TYPES[ext] ?? 'application/octet-stream', identity: readFileSync(file) };
  if (existsSync(`${file}.gz`)) asset.gzip = readFileSync(`${file}.gz`);
  if (existsSync(`${file}.br`)) asset.br = readFileSync(`${file}.br`);
  return asset;
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset, headers: Record<string, string>): void {
  const accepts = String(req.headers['accept-encoding'] ?? '');
  let body = asset.identity;
  const out: Record<string, string> = { 'content-type': asset.type, vary: 'accept-encoding', ...SECURITY_HEADERS, ...headers };
  if (asset.br && /\bbr\b/.test(accepts)) {
    body = asset.br;
    out['content-encoding'] = 'br';
  } else if (asset.gzip && /\bgzip\b/.test(accepts)) {
    body = asset.gzip;
    out['content-encoding'] = 'gzip';
  }
  out['content-length'] = String(body.length);
  res.writeHead(200, out);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Reports with patches and extras run to a few hundred KB of pretty JSON; gzip makes them a tenth of that. */
const COMPRESS_ABOVE = 8 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, req?: IncomingMessage): void {
  const text = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const out: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', vary: 'accept-encoding', ...SECURITY_HEADERS, ...headers };
  if (req && text.length > COMPRESS_ABOVE && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    out['content-encoding'] = 'gzip';
    res.writeHead(status, out);
    res.end(gzipSync(text, { level: 4 }));
    return;
  }
  res.writeHead(status, out);
  res.end(text);
}

/** Inline JSON inside <script>: `<` escaped so no string in it can close the element. */
function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',')[0]!.trim();
    if (forwarded) return forwarded;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

function formatKb(bytes: number): string {
  return `${Math.round((bytes / 1024) * 10) / 10} KB`;
}

export function createPlaygroundRoute(options: PlaygroundOptions): PlaygroundRoute {
  const { settings, logger } = options;
  const webDir = options.webDir ?? WEB_DIR;
  const now = options.now ?? Date.now;
  const limiter = new AddressRateLimiter(settings.rateLimit, settings.rateWindowMs, now);
  const registers = [options.metrics.registry];
  const requests =
    (options.metrics.registry.getSingleMetric('coze_loop_playground_requests_total') as Counter | undefined) ??
    new Counter({ name: 'coze_loop_playground_requests_total', help: 'Playground analysis requests, by outcome (ok, bad_request, too_large, rate_limited, error).', labelNames: ['outcome'], registers });
  const latency =
    (options.metrics.registry.getSingleMetric('coze_loop_playground_request_duration_seconds') as Histogram | undefined) ??
    new Histogram({
      name: 'coze_loop_playground_request_duration_seconds',
      help: 'Time to answer one playground analysis request, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });

  const assets = new Map<string, Asset>();
  const built = existsSync(webDir) ? readdirSync(webDir).filter((name) => name.endsWith('.js') || name.endsWith('.css')) : [];
  for (const name of built) {
    const asset = readAsset(webDir, name);
    if (asset) assets.set(name, asset);
  }
  const template = existsSync(join(webDir, 'index.html')) ? readFileSync(join(webDir, 'index.html'), 'utf8') : undefined;
  const version = existsSync(join(webDir, 'version.txt')) ? readFileSync(join(webDir, 'version.txt'), 'utf8').trim() : 'dev';
  const pageConfig = {
    llm: !!options.refine,
    maxCodeBytes: settings.maxCodeBytes,
    docsBaseUrl: settings.docsBaseUrl ?? null,
    setupPath: options.setupPath ?? null,
    apiPath: API_PATH,
    costDefaults: DEFAULT_CONFIG.cost,
  };
  let page: Asset | undefined;
  if (template && assets.has('playground.js') && assets.has('playground.css')) {
    const html = template.replaceAll('{{version}}', version).replace('{{config}}', inlineJson(pageConfig));
    const identity = Buffer.from(html);
    page = { type: 'text/html; charset=utf-8', identity, gzip: gzipSync(identity) };
  } else {
    logger.warn({ webDir }, 'the playground page is not built (run `npm run build`); serving its API only');
  }

  async function analyze(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const finish = (outcome: string, status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.inc({ outcome });
      latency.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      sendJson(res, status, body, headers, req);
    };
    const decision = limiter.take(clientAddress(req, options.trustProxy ?? false));
    if (!decision.allowed) {
      req.resume();
      return finish(
        'rate_limited',
        429,
        { error: `too many analyses from this address: at most ${settings.rateLimit} per ${Math.round(settings.rateWindowMs / 1000)} s; try again in ${decision.retryAfterSeconds} s`, code: 'rate-limited', retryAfterSeconds: decision.retryAfterSeconds },
        { 'retry-after': String(decision.retryAfterSeconds) },
      );
    }
    const tooLarge = { error: `the code is larger than the playground accepts (${formatKb(settings.maxCodeBytes)})`, code: 'too-large', maxBytes: settings.maxCodeBytes };
    let raw: Buffer;
    try {
      // JSON may escape every character of the code as \uXXXX: six bytes each, plus the other fields.
      raw = await readBody(req, settings.maxCodeBytes * 6 + 16 * 1024);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        req.resume();
        return finish('too_large', 413, tooLarge, { connection: 'close' });
      }
      throw error;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return finish('bad_request', 400, { error: 'the body is not valid JSON; send {"code": "...", "target": "optimize"}', code: 'bad-request' });
    }
    const parsed = parsePlaygroundRequest(body);
    if (!parsed.ok) return finish('bad_request', 400, { error: parsed.message, code: 'bad-request' });
    const { request } = parsed;
    const bytes = Buffer.byteLength(request.code);
    if (bytes > settings.maxCodeBytes) return finish('too_large', 413, tooLarge);
    let result = await analyzeSnippet(request, { timeBudgetMs: settings.timeBudgetMs });
    if (request.refine && options.refine) result = await refineSnippet(request, result, options.refine);
    logger.debug(
      { bytes, language: request.language, targets: request.targets, findings: result.findings.length, refine: request.refine && !!options.refine },
      'playground analysis',
    );
    finish('ok', 200, renderPlaygroundJson(result, request.locale));
  }

  return {
    async handle(req, res) {
      const url = req.url ?? '/';
      const query = url.indexOf('?');
      const path = query === -1 ? url : url.slice(0, query);
      const method = req.method ?? 'GET';
      const reads = method === 'GET' || method === 'HEAD';
      if (path === API_PATH) {
        if (method !== 'POST') {
          sendJson(res, 405, { error: 'use POST with a JSON body', code: 'method-not-allowed' }, { allow: 'POST' });
          return true;
        }
        try {
          await analyze(req, res);
        } catch (error) {
          // The message only: an error object could carry the request's text.
          logger.error({ err: error instanceof Error ? error.message : String(error) }, 'playground analysis failed');
          if (!res.headersSent) {
            requests.inc({ outcome: 'error' });
            sendJson(res, 500, { error: 'the analysis failed', code: 'internal' });
          }
        }
        return true;
      }
      if (!reads) return false;
      if (path === '/' || path === '/index.html') {
        if (!page) {
          res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '60' });
          res.end('The playground page is not built: run `npm run build`. The API is at POST /api/analyze.\n');
          return true;
        }
        sendAsset(req, res, page, { 'cache-control': 'no-cache', 'content-security-policy': PAGE_CSP });
        return true;
      }
      if (path.startsWith('/assets/')) {
        const asset = assets.get(path.slice('/assets/'.length));
        if (!asset) return false;
        // Chunk names carry their content hash and the entry files a ?v= version: both can be cached for good.
        const immutable = query !== -1 || path.startsWith('/assets/chunk-');
        sendAsset(req, res, asset, { 'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache' });
        return true;
      }
      const docs = /^\/rules\/([a-z0-9-]{1,80})$/.exec(path);
      if (docs) {
        const rule = getRule(docs[1]!);
        if (!rule) return false;
        const asked = new URLSearchParams(query === -1 ? '' : url.slice(query + 1)).get('lang');
        const locale: Locale = (LOCALES as readonly string[]).includes(asked ?? '') ? (asked as Locale) : 'en';
        const html = renderMarkdownPage(renderRuleDocs(rule, locale), locale, `${rule.id} · coze-loop`);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'public, max-age=3600', 'content-security-policy': PAGE_CSP, ...SECURITY_HEADERS });
        res.end(method === 'HEAD' ? undefined : html);
        return true;
      }
      return false;
    },
  };
}
