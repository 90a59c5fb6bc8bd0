// The GitHub App: Probot 14 for app authentication (JWT -> installation tokens, throttling, retry), our own webhook
// route so the answer reflects the queue (202 enqueued / 200 duplicate / 503 full), guard-clause handlers that
// only enqueue, and processors that run the review pipeline and slash commands as the installation.
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseEnv } from 'node:util';
import { pathToFileURL } from 'node:url';
import { createProbot } from 'probot';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseCommand, type ParsedCommand } from '../../commands/parse.js';
import type { ConfigError } from '../../config/load.js';
import { t } from '../../core/i18n.js';
import { TARGETS } from '../../core/types.js';
import type { JobData } from '../../jobs/queue.js';
import type { ListSummaryTargets, SummaryTarget } from '../../jobs/scheduler.js';
import { GitHubPlatform, type OctokitLike } from './github-platform.js';
import type { ChangeRequestRef, CommandOrigin } from '../platform.js';
import { FingerprintMarkers } from '../markers.js';
import { BOT_CONFIG_PATH } from '../../review/bot-config.js';
import { STATUS_NAME } from '../../review/status.js';
import type { Logger } from '../../core/observability.js';
import type { HostService, ServiceDeps } from '../../server/deps.js';
import { commandsPerHour, createProcessors, fencedError, type ConfigErrorText, type HostFacts, type HostJobs } from '../../server/processors.js';
import { graphqlReadOutsideWriteLimiter, octokitWithLeasedWrites } from './throttle.js';
import { archiveThresholdFrom } from '../archive-read.js';
import { DEFAULT_MAX_PENDING_BODIES, GITHUB_MAX_PAYLOAD_BYTES, PendingBodies, readSignedBody } from './webhook-body.js';

/** The GitHub App's webhook route (/api/github/webhooks) and processors; in set-up mode, Probot's registration pages. */
export type GitHubService = HostService;

export const DEFAULT_WEBHOOK_PATH = '/api/github/webhooks';
const REVIEW_ACTIONS = new Set(['opened', 'reopened', 'synchronize', 'ready_for_review']);

// ---- webhook payloads (only what the guards and jobs need) ----

const account = z.object({ login: z.string(), type: z.string() });
const installation = z.object({ id: z.number() });
const repository = z.object({ full_name: z.string(), default_branch: z.string().optional() });

const checkRunEvent = z.object({
  action: z.string(),
  installation,
  repository,
  sender: account,
  check_run: z.object({
    name: z.string(),
    head_sha: z.string(),
    pull_requests: z.array(z.object({ number: z.number(), head: z.object({ sha: z.string() }).optional() })),
  }),
});

const pullRequestEvent = z.object({
  action: z.string(),
  installation,
  repository,
  sender: account,
  pull_request: z.object({
    number: z.number(),
    state: z.string().optional(),
    draft: z.boolean().optional(),
    html_url: z.string().optional(),
    user: account.nullable().optional(),
    head: z.object({ sha: z.string(), ref: z.string() }),
    base: z.object({ sha: z.string(), ref: z.string() }),
  }),
});

const commentBase = z.object({
  id: z.number(),
  body: z.string().nullable(),
  user: account,
  author_association: z.string().optional(),
});

const reviewCommentEvent = z.object({
  action: z.string(),
  installation,
  repository,
  sender: account,
  comment: commentBase.extend({
    path: z.string(),
    line: z.number().nullable().optional(),
    original_line: z.number().nullable().optional(),
    in_reply_to_id: z.number().optional(),
  }),
  pull_request: z.object({ number: z.number() }),
});

const issueCommentEvent = z.object({
  action: z.string(),
  installation,
  repository,
  sender: account,
  issue: z.object({ number: z.number(), pull_request: z.unknown().optional() }),
  comment: commentBase,
});

// ---- job payloads (validated again by the processors: a queue is a boundary too) ----

const reviewJob = z.object({
  installationId: z.number(),
  repo: z.string(),
  number: z.number(),
  headSha: z.string(),
  defaultBranch: z.string().optional(),
  action: z.string(),
});

const weeklyJob = z.object({
  installationId: z.number(),
  repo: z.string(),
  week: z.string().optional(),
  onDemand: z.boolean().optional(),
  respectDay: z.boolean().optional(),
});

const installationsPage = z.array(z.object({ id: z.number(), suspended_at: z.string().nullable().optional() }));
const repositoriesPage = z.object({ repositories: z.array(z.object({ full_name: z.string(), archived: z.boolean().optional() })) });
const MAX_LIST_PAGES = 50;

const commandJob = z.object({
  installationId: z.number(),
  repo: z.string(),
  number: z.number(),
  defaultBranch: z.string().optional(),
  user: z.string(),
  /** Written by earlier versions; never read: the permission API decides. */
  trusted: z.boolean().optional(),
  command: z.object({
    action: z.enum([...TARGETS, 'help', 'summary']),
    path: z.string().optional(),
    line: z.number().optional(),
  }),
  origin: z.object({
    commentId: z.string(),
    threadId: z.string().optional(),
    path: z.string().optional(),
    line: z.number().optional(),
  }),
});

export type WebhookRoute = { kind: 'job'; job: JobData } | { kind: 'ignored'; reason: string };

function ignored(reason: string): WebhookRoute {
  return { kind: 'ignored', reason };
}

/** Guard clauses per event; the only outcome with an effect is a job to enqueue. Pure, so tests call it directly. */
export function routeWebhook(event: string, deliveryId: string, payload: unknown): WebhookRoute {
  if (event === 'pull_request') {
    const parsed = pullRequestEvent.safeParse(payload);
    if (!parsed.success) return ignored('unexpected pull_request payload');
    const { action, sender, pull_request: pr, repository: repo, installation: inst } = parsed.data;
    if (!REVIEW_ACTIONS.has(action)) return ignored(`pull_request.${action} is not reviewed`);
    if (sender.type === 'Bot') return ignored('sender is a bot');
    if (pr.state === 'closed') return ignored('pull request is closed');
    const key = `github:${repo.full_name}#${pr.number}`;
    return {
      kind: 'job',
      job: {
        type: 'github-review',
        id: deliveryId,
        coalesceKey: key,
        payload: { installationId: inst.id, repo: repo.full_name, number: pr.number, headSha: pr.head.sha, defaultBranch: repo.default_branch, action },
      },
    };
  }
  if (event === 'check_run') {
    const parsed = checkRunEvent.safeParse(payload);
    if (!parsed.success) return ignored('unexpected check_run payload');
    const { action, check_run: run, repository: repo, installation: inst } = parsed.data;
    if (action !== 'rerequested') return ignored(`check_run.${action} is not a re-run`);
    // "Re-run" on the review's check run in the Checks tab sends check_run.rerequested.
    if (run.name !== STATUS_NAME) return ignored(`check run ${run.name} is not coze-loop's`);
    // GitHub lists the pull requests of the run's head commit; it leaves the list empty for pull requests from forks.
    const pr = run.pull_requests[0];
    if (!pr) return ignored('the re-run check run names no pull request (GitHub leaves it empty for forks)');
    return {
      kind: 'job',
      job: {
        type: 'github-review',
        id: deliveryId,
        coalesceKey: `github:${repo.full_name}#${pr.number}`,
        payload: { installationId: inst.id, repo: repo.full_name, number: pr.number, headSha: run.head_sha, defaultBranch: repo.default_branch, action: 'rerequested' },
      },
    };
  }
  if (event === 'pull_request_review_comment') {
    const parsed = reviewCommentEvent.safeParse(payload);
    if (!parsed.success) return ignored('unexpected pull_request_review_comment payload');
    const { action, sender, comment, pull_request: pr, repository: repo, installation: inst } = parsed.data;
    if (action !== 'created') return ignored(`pull_request_review_comment.${action} is not a command`);
    if (sender.type === 'Bot' || comment.user.type === 'Bot') return ignored('comment by a bot');
    const command = parseCommand(comment.body ?? '');
    if (!command) return ignored('no command');
    const line = comment.line ?? comment.original_line ?? undefined;
    const origin: CommandOrigin = { commentId: String(comment.id), threadId: String(comment.in_reply_to_id ?? comment.id), path: comment.path };
    if (line !== undefined) origin.line = line;
    return commandJobRoute(deliveryId, inst.id, repo, pr.number, comment, command, origin);
  }
  if (event === 'issue_comment') {
    const parsed = issueCommentEvent.safeParse(payload);
    if (!parsed.success) return ignored('unexpected issue_comment payload');
    const { action, sender, comment, issue, repository: repo, installation: inst } = parsed.data;
    if (action !== 'created') return ignored(`issue_comment.${action} is not a command`);
    if (issue.pull_request === undefined || issue.pull_request === null) return ignored('comment on an issue, not a pull request');
    if (sender.type === 'Bot' || comment.user.type === 'Bot') return ignored('comment by a bot');
    const command = parseCommand(comment.body ?? '');
    if (!command) return ignored('no command');
    return commandJobRoute(deliveryId, inst.id, repo, issue.number, comment, command, { commentId: String(comment.id) });
  }
  return ignored(`event ${event} is not handled`);
}

function commandJobRoute(
  deliveryId: string,
  installationId: number,
  repo: z.infer<typeof repository>,
  number: number,
  comment: z.infer<typeof commentBase>,
  command: ParsedCommand,
  origin: CommandOrigin,
): WebhookRoute {
  return {
    kind: 'job',
    job: {
      type: 'github-command',
      id: deliveryId,
      payload: {
        installationId,
        repo: repo.full_name,
        number,
        defaultBranch: repo.default_branch,
        user: comment.user.login,
        command: { ...command },
        origin: { ...origin },
      },
    },
  };
}

// ---- signatures and HTTP ----

export function signPayload(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Answers without reading the rest of the body, then closes the connection so the sender cannot keep streaming. */
function refuse(res: ServerResponse, req: IncomingMessage, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  res.once('finish', () => req.destroy());
  send(res, status, body, { connection: 'close', ...headers });
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

// ---- credentials and set-up mode ----

/** PRIVATE_KEY (PEM, PEM with `\n` escapes, or base64 of a PEM) or PRIVATE_KEY_PATH, as Probot reads them. */
export function readPrivateKey(env: NodeJS.ProcessEnv): string | undefined {
  let key = env.PRIVATE_KEY;
  if (!key && env.PRIVATE_KEY_PATH) key = readFileSync(env.PRIVATE_KEY_PATH, 'utf8');
  if (!key) return undefined;
  key = key.trim().replace(/^"|"$/g, '');
  if (key.includes('\\n')) key = key.replace(/\\n/g, '\n');
  if (!key.includes('-----BEGIN')) {
    const decoded = Buffer.from(key, 'base64').toString('utf8');
    if (decoded.includes('-----BEGIN')) key = decoded;
  }
  return key.trim();
}

export function githubBaseUrl(env: NodeJS.ProcessEnv): string {
  return env.GHE_HOST ? `${env.GHE_PROTOCOL || 'https'}://${env.GHE_HOST}/api/v3` : 'https://api.github.com';
}

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean> | boolean;

/**
 * Probot 14 keeps its setup flow (manifest registration from app.yml) in `lib/apps/setup.js`, outside its package
 * exports; it is loaded by file path, and when that fails the log explains the manual registration instead.
 */
async function probotInternal<T>(relativePath: string): Promise<T | null> {
  try {
    const entry = createRequire(import.meta.url).resolve('probot');
    return (await import(pathToFileURL(join(dirname(entry), relativePath)).href)) as T;
  } catch {
    return null;
  }
}

/**
 * The manifest the set-up page posts to GitHub, from Probot's (app.yml + defaults) with what Probot gets wrong for
 * this service: the webhook URL is `<public base>/api/github/webhooks` (BASE_URL), or the WEBHOOK_PROXY_URL channel
 * that forwards there, never the local address GitHub cannot reach; `public:` is app.yml's (Probot turns false into
 * true). Without a public URL the webhook is registered inactive and `notice` says so, to show on the page.
 */
export function setupManifest(probotManifest: string, env: NodeJS.ProcessEnv, requestBase: string, webhookPath: string, appPublic: boolean | undefined): { manifest: string; hookUrl: string; notice?: string } {
  const manifest = JSON.parse(probotManifest) as Record<string, unknown>;
  const base = env.BASE_URL?.trim().replace(/\/+$/, '');
  const proxy = env.WEBHOOK_PROXY_URL?.trim();
  const hookUrl = proxy || `${base || requestBase}${webhookPath}`;
  const active = Boolean(proxy || base);
  manifest.hook_attributes = { url: hookUrl, active };
  if (base) {
    manifest.redirect_url = `${base}/probot/setup`;
  }
  if (appPublic !== undefined) manifest.public = appPublic;
  const notice = active
    ? undefined
    : `No public URL is set, so GitHub cannot deliver webhooks to ${hookUrl}. The app is registered with its webhook switched off. Set BASE_URL to this server's public address (webhooks go to BASE_URL${webhookPath}) or WEBHOOK_PROXY_URL to a smee.io channel, restart, and register again; or register now and set the webhook URL in the app's settings later.`;
  return { manifest: JSON.stringify(manifest), hookUrl, ...(notice ? { notice } : {}) };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

async function setupMode(env: NodeJS.ProcessEnv, logger: Logger): Promise<GitHubService | null> {
  type SetupModule = { setupAppFactory: (options: Record<string, unknown>) => () => Promise<RequestHandler> };
  type StaticModule = { staticFilesHandler: RequestHandler };
  type ManifestModule = { ManifestCreation: new (options: Record<string, unknown>) => { pkg: { name?: string; version?: string; description?: string }; getManifest(options: { pkg: unknown; baseUrl: string }): string; createAppUrl: string } };
  type ViewModule = { setupView: (options: { name?: string; version?: string; description?: string; createAppUrl: string; manifest: string }) => string };
  const setup = await probotInternal<SetupModule>('apps/setup.js');
  const assets = await probotInternal<StaticModule>('server/handlers/static-files.js');
  const manifestModule = await probotInternal<ManifestModule>('manifest-creation.js');
  const views = await probotInternal<ViewModule>('views/setup.js');
  if (!setup) {
    logger.warn('GitHub App credentials are missing (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET); the GitHub side is off. Register the app from app.yml as described in docs/github-app.md.');
    return null;
  }
  const handler = await setup.setupAppFactory({
    host: env.HOST ?? '127.0.0.1',
    port: Number(env.PORT ?? 3000),
    log: logger.child({ name: 'probot-setup' }),
  })();
  const webhookPath = env.WEBHOOK_PATH || DEFAULT_WEBHOOK_PATH;
  let appPublic: boolean | undefined;
  try {
    const appYml = parseYaml(readFileSync(join(process.cwd(), 'app.yml'), 'utf8')) as { public?: unknown } | null;
    if (typeof appYml?.public === 'boolean') appPublic = appYml.public;
  } catch {
    // No app.yml here: Probot's defaults.
  }
  const base = env.BASE_URL?.trim();
  if (!base && !env.WEBHOOK_PROXY_URL) {
    logger.warn(`GitHub App set-up mode without a public URL: set BASE_URL (webhooks go to <BASE_URL>${webhookPath}) or WEBHOOK_PROXY_URL, or GitHub cannot deliver webhooks.`);
  }
  logger.info('GitHub App set-up mode: open /probot in a browser (the playground at / links to it) to register coze-loop from app.yml, then restart.');

  /** The registration page, with the manifest fixed by setupManifest(). */
  const page = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (!manifestModule || !views) return false;
    const creation = new manifestModule.ManifestCreation({ updateEnv: () => ({}) });
    const forwarded = header(req, 'x-forwarded-proto');
    const requestBase = `${forwarded ? forwarded.split(',')[0]!.trim() : 'http'}://${header(req, 'x-forwarded-host') ?? req.headers.host ?? '127.0.0.1'}`;
    const probotManifest = creation.getManifest({ pkg: creation.pkg, baseUrl: base?.replace(/\/+$/, '') || requestBase });
    // Probot sets WEBHOOK_PROXY_URL in process.env when it opens a smee channel for this run.
    const fixed = setupManifest(probotManifest, { ...env, WEBHOOK_PROXY_URL: env.WEBHOOK_PROXY_URL || process.env.WEBHOOK_PROXY_URL }, requestBase, webhookPath, appPublic);
    let html = views.setupView({ name: creation.pkg.name, version: creation.pkg.version, description: creation.pkg.description, createAppUrl: creation.createAppUrl, manifest: fixed.manifest });
    const note = `<p class="coze-loop-webhook" style="max-width:40em;margin:1em auto;padding:0.75em;border:1px solid #d4a72c;background:#fff8c5">Webhook URL: <code>${escapeHtml(fixed.hookUrl)}</code>${fixed.notice ? `<br><strong>${escapeHtml(fixed.notice)}</strong>` : ''}</p>`;
    html = html.includes('<form') ? html.replace('<form', `${note}<form`) : `${note}${html}`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    return true;
  };

  return {
    processors: {},
    setupMode: true,
    setupPath: '/probot',
    async handle(req, res) {
      if (req.method === 'GET' && (req.url ?? '/').split('?')[0] === '/probot' && page(req, res)) return true;
      if (assets && (await assets.staticFilesHandler(req, res))) return true;
      return handler(req, res);
    },
  };
}

async function startWebhookProxy(env: NodeJS.ProcessEnv, path: string, logger: Logger): Promise<void> {
  if (!env.WEBHOOK_PROXY_URL) return;
  type ProxyModule = { createWebhookProxy: (options: Record<string, unknown>) => Promise<unknown> };
  const proxy = await probotInternal<ProxyModule>('helpers/webhook-proxy.js');
  if (!proxy) {
    logger.warn('WEBHOOK_PROXY_URL is set but the webhook proxy is unavailable; run `npx smee-client` yourself.');
    return;
  }
  await proxy.createWebhookProxy({ url: env.WEBHOOK_PROXY_URL, host: env.HOST ?? 'localhost', port: Number(env.PORT ?? 3000), path, logger });
}

// ---- the service ----

const DOTENV_KEYS = ['APP_ID', 'PRIVATE_KEY', 'PRIVATE_KEY_PATH', 'WEBHOOK_SECRET', 'WEBHOOK_PROXY_URL', 'GHE_HOST', 'GHE_PROTOCOL'] as const;

/**
 * Probot's set-up page writes the new app's credentials to `.env` in the working directory and asks for a restart;
 * like `probot run`, the service then reads them from there. Only the GitHub settings, never over the environment.
 */
export function withDotEnv(env: NodeJS.ProcessEnv, cwd = process.cwd()): NodeJS.ProcessEnv {
  const file = join(cwd, '.env');
  if (env.NODE_ENV === 'test' || !existsSync(file)) return env;
  let parsed: Record<string, string>;
  try {
    parsed = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    return env;
  }
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const key of DOTENV_KEYS) if (!merged[key] && parsed[key]) merged[key] = parsed[key];
  return merged;
}

export async function createGitHubService(processEnv: NodeJS.ProcessEnv, deps: ServiceDeps): Promise<GitHubService | null> {
  const env = withDotEnv(processEnv);
  const logger = deps.logger.child({ platform: 'github' });
  const appId = Number(env.APP_ID);
  let privateKey: string | undefined;
  try {
    privateKey = readPrivateKey(env);
  } catch (error) {
    logger.error({ path: env.PRIVATE_KEY_PATH, err: (error as Error).message }, 'cannot read PRIVATE_KEY_PATH; the GitHub side is off');
    return null;
  }
  if (!appId || !privateKey) {
    if (env.NODE_ENV === 'production' || env.GITLAB_URL || env.COZE_LOOP_GITHUB_SETUP === 'false') {
      logger.info('no GitHub App credentials (APP_ID and PRIVATE_KEY or PRIVATE_KEY_PATH); the GitHub side is off');
      return null;
    }
    return setupMode(env, logger);
  }
  let secret = env.WEBHOOK_SECRET ?? '';
  if (!secret) {
    if (env.NODE_ENV === 'production') {
      logger.error('WEBHOOK_SECRET is required in production; the GitHub side is off');
      return null;
    }
    secret = 'development';
    logger.warn('WEBHOOK_SECRET is not set; using Probot\'s development secret. Set it before exposing the server.');
  }

  const baseUrl = githubBaseUrl(env);
  const webhookPath = env.WEBHOOK_PATH || DEFAULT_WEBHOOK_PATH;
  const probot = createProbot({ env: { ...env, APP_ID: String(appId) }, overrides: { appId, privateKey, secret, baseUrl, Octokit: octokitWithLeasedWrites() } });
  // Fingerprint markers are signed with a key only the service holds, so text in a pull request cannot forge them.
  const markers = new FingerprintMarkers(env.COZE_LOOP_MARKER_SECRET?.trim() || secret);
  const maxBodyBytes = positiveSetting(env.COZE_LOOP_WEBHOOK_MAX_BYTES, GITHUB_MAX_PAYLOAD_BYTES);
  const pending = new PendingBodies(positiveSetting(env.COZE_LOOP_WEBHOOK_MAX_PENDING, DEFAULT_MAX_PENDING_BODIES));
  const archiveThreshold = archiveThresholdFrom(env.COZE_LOOP_ARCHIVE_THRESHOLD);
  await startWebhookProxy(env, webhookPath, logger).catch((error: unknown) => logger.warn({ err: error }, 'webhook proxy failed to start'));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== webhookPath) return false;
    if (req.method !== 'POST') {
      send(res, 405, { error: 'method not allowed' }, { allow: 'POST' });
      return true;
    }
    const event = header(req, 'x-github-event');
    const deliveryId = header(req, 'x-github-delivery');
    if (!event || !deliveryId) {
      refuse(res, req, 400, { error: 'missing X-GitHub-Event or X-GitHub-Delivery' });
      return true;
    }
    const read = await readSignedBody(req, { secret, signature: header(req, 'x-hub-signature-256'), maxBytes: maxBodyBytes, pending });
    if (!read.ok) {
      if (read.status === 401) logger.warn({ deliveryId, event }, 'webhook signature missing or wrong; ignored');
      else logger.warn({ deliveryId, event, status: read.status, pending: pending.size }, `webhook refused: ${read.error}`);
      if (read.unread) refuse(res, req, read.status, { error: read.error }, read.headers);
      else send(res, read.status, { error: read.error }, read.headers);
      return true;
    }
    const body = read.body;
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      send(res, 400, { error: 'payload is not JSON' });
      return true;
    }
    deps.metrics.webhookReceived('github', event);
    const route = routeWebhook(event, deliveryId, payload);
    if (route.kind === 'ignored') {
      logger.debug({ deliveryId, event, reason: route.reason }, 'webhook ignored');
      send(res, 200, { status: 'ignored', reason: route.reason });
      return true;
    }
    let outcome;
    try {
      outcome = await deps.queue.enqueue(route.job);
    } catch (error) {
      logger.error({ deliveryId, err: error }, 'could not enqueue the webhook');
      send(res, 503, { status: 'unavailable' }, { 'retry-after': '60' });
      return true;
    }
    logger.info({ deliveryId, event, job: route.job.type, outcome }, 'webhook accepted');
    if (outcome === 'full') send(res, 503, { status: 'full' }, { 'retry-after': '60' });
    else send(res, outcome === 'duplicate' ? 200 : 202, { status: outcome });
    return true;
  };

  const platformFor = async (installationId: number, jobLogger: Logger): Promise<GitHubPlatform> => {
    const octokit = await probot.auth(installationId);
    const graphqlRead = graphqlReadOutsideWriteLimiter(octokit as unknown as { auth(options?: Record<string, unknown>): Promise<unknown> }, baseUrl);
    return new GitHubPlatform(octokit as unknown as OctokitLike, { baseUrl, appId, logger: jobLogger, metrics: deps.metrics, now: deps.now, markers, graphqlRead, archiveThreshold });
  };

  const jobs: HostJobs = {
    ...GITHUB_FACTS,
    async openReview(job) {
      const data = reviewJob.parse(job.payload);
      const jobLogger = logger.child({ deliveryId: job.id, repo: data.repo, number: data.number });
      const platform = await platformFor(data.installationId, jobLogger);
      const cr = await platform.getPullRequest(data.repo, data.number);
      if (cr.headSha !== data.headSha) {
        jobLogger.info({ jobSha: data.headSha, headSha: cr.headSha }, 'stale head SHA; a newer push will be reviewed');
        return null;
      }
      return { platform, cr, configBranch: await configBranch(platform, data.repo, data.defaultBranch), logger: jobLogger };
    },
    async openCommand(job) {
      const data = commandJob.parse(job.payload);
      const jobLogger = logger.child({ deliveryId: job.id, repo: data.repo, number: data.number, command: data.command.action });
      const platform = await platformFor(data.installationId, jobLogger);
      const cr: ChangeRequestRef = await platform.getPullRequest(data.repo, data.number);
      const origin = stripUndefined(data.origin) as CommandOrigin;
      return {
        platform,
        cr,
        origin,
        command: stripUndefined(data.command) as ParsedCommand,
        user: { name: data.user, id: data.user },
        configBranch: await configBranch(platform, data.repo, data.defaultBranch),
        logger: jobLogger,
        onDemandSummary: {
          target: { platform: 'github', key: data.repo, payload: { installationId: data.installationId, repo: data.repo, onDemand: true } },
          id: `github:${data.repo}:summary:comment-${origin.commentId}`,
        },
      };
    },
    async openWeekly(job) {
      const data = weeklyJob.parse(job.payload);
      const jobLogger = logger.child({ deliveryId: job.id, repo: data.repo, week: data.week });
      const platform = await platformFor(data.installationId, jobLogger);
      return { platform, repo: data.repo, onDemand: data.onDemand === true, respectDay: data.respectDay === true, logger: jobLogger };
    },
  };
  const processors = createProcessors(jobs, deps, { commandsPerHour: commandsPerHour(env), env });

  const listSummaryTargets: ListSummaryTargets = async () => {
    const app = (await probot.auth()) as unknown as OctokitLike;
    const targets: SummaryTarget[] = [];
    for (let page = 1; page <= MAX_LIST_PAGES; page++) {
      const installations = installationsPage.parse((await app.request('GET /app/installations', { per_page: 100, page })).data);
      for (const installation of installations) {
        if (installation.suspended_at) continue;
        const octokit = (await probot.auth(installation.id)) as unknown as OctokitLike;
        for (let repoPage = 1; repoPage <= MAX_LIST_PAGES; repoPage++) {
          const { repositories } = repositoriesPage.parse((await octokit.request('GET /installation/repositories', { per_page: 100, page: repoPage })).data);
          for (const repo of repositories) {
            if (repo.archived) continue;
            targets.push({ platform: 'github', key: repo.full_name, payload: { installationId: installation.id, repo: repo.full_name } });
          }
          if (repositories.length < 100) break;
        }
      }
      if (installations.length < 100) break;
    }
    return targets;
  };

  logger.info({ appId, baseUrl, webhookPath }, 'GitHub App ready');
  return {
    handle,
    processors: { 'github-review': processors.review, 'github-command': processors.command, 'weekly-summary': processors.weekly },
    listSummaryTargets,
  };
}

/** The config on the default branch (a pull request cannot change its own review); a check run shows text. */
const GITHUB_FACTS: HostFacts = { name: 'github', configPath: BOT_CONFIG_PATH, statusShowsText: true, texts: { denied: 'github.command.denied', rateLimited: 'github.command.rate-limited' }, configErrorText };

async function configBranch(platform: GitHubPlatform, repo: string, defaultBranch: string | undefined): Promise<string> {
  return defaultBranch ?? (await platform.getDefaultBranch(repo)).name;
}

/** A broken config in GitHub's words: the check run's title and summary, and the same as a comment. */
function configErrorText(error: ConfigError, branch: string): ConfigErrorText {
  const title = t('en', 'github.config.error.title', { path: BOT_CONFIG_PATH });
  const summary = t('en', 'github.config.error.summary', { path: BOT_CONFIG_PATH, branch, message: fencedError(error) });
  return { title, summary, note: `**${title}**\n\n${summary}` };
}

/** A positive integer from the environment, else the default (the service must start with a typo'd limit too). */
function positiveSetting(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

function stripUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

