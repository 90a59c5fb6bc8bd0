// The GitLab side of the service: `POST /gitlab/webhook` verifies the token, answers at once and only enqueues; the
// processors fetch the merge request, read the config from the target branch and hand over to the review pipeline
// or the slash commands through the GitLab platform adapter.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { parseCommand } from '../../commands/parse.js';
import { DEFAULT_CONFIG_FILE, type ConfigError } from '../../config/load.js';
import { t } from '../../core/i18n.js';
import type { JobData } from '../../jobs/queue.js';
import type { ListSummaryTargets } from '../../jobs/scheduler.js';
import { GitLabPlatform } from './gitlab-platform.js';
import { archiveThresholdFrom } from '../archive-read.js';
import { FingerprintMarkers } from '../markers.js';
import {
  commandJobSchema,
  mergeRequestHookSchema,
  noteHookSchema,
  reviewJobSchema,
  reviewTrigger,
  type CommandJob,
  type ReviewJob,
} from './webhooks.js';
import type { CommandOrigin } from '../platform.js';
import type { HostService, ServiceDeps } from '../../server/deps.js';
import { commandsPerHour, createProcessors, fencedError, type ConfigErrorText, type HostFacts, type HostJobs } from '../../server/processors.js';

export const GITLAB_WEBHOOK_PATH = '/gitlab/webhook';
/** GitLab's own payloads stay far below this; anything larger is not a webhook we want to parse. */
export const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;

/** `POST /gitlab/webhook` and the processors; the weekly report's targets are the projects in GITLAB_PROJECTS. */
export type GitLabService = HostService & { listSummaryTargets: ListSummaryTargets };

export interface GitLabSettings {
  url: string;
  token: string;
  webhookSecret: string;
}

/** Reads the GitLab settings; null when none is set (GitLab side off), an error naming what is missing otherwise. */
export function readGitLabSettings(env: NodeJS.ProcessEnv): GitLabSettings | null {
  const url = env.GITLAB_URL?.trim();
  const token = env.GITLAB_TOKEN?.trim();
  const webhookSecret = env.GITLAB_WEBHOOK_SECRET?.trim();
  if (!url && !token && !webhookSecret) return null;
  const missing = [!url && 'GITLAB_URL', !token && 'GITLAB_TOKEN', !webhookSecret && 'GITLAB_WEBHOOK_SECRET'].filter(Boolean);
  if (missing.length) throw new Error(`GitLab integration: ${missing.join(', ')} must be set too (or none of the GITLAB_* settings)`);
  let parsed: URL;
  try {
    parsed = new URL(url!);
  } catch {
    throw new Error('GitLab integration: GITLAB_URL is not a URL (expected e.g. https://gitlab.example.com)');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('GitLab integration: GITLAB_URL must be http(s)');
  // People often paste the API root; the client adds /api/v4 itself.
  const base = `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '').replace(/\/api\/v4$/, '');
  return { url: base, token: token!, webhookSecret: webhookSecret! };
}

/** Constant-time comparison of the X-Gitlab-Token header with the secret (digests make the lengths equal). */
export function tokenMatches(received: string | undefined, secret: string): boolean {
  if (!received) return false;
  const a = createHash('sha256').update(received, 'utf8').digest();
  const b = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(a, b);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...extra });
  res.end(JSON.stringify(body));
}

type BodyResult = { ok: true; body: Buffer } | { ok: false };

function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        resolve({ ok: false });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve({ ok: true, body: Buffer.concat(chunks) });
    });
    req.on('error', (error) => {
      if (!done) reject(error);
    });
  });
}

/** A delivery id safe to use as a job id; redeliveries of one event carry the same Idempotency-Key. */
function deliveryId(req: IncomingMessage, body: Buffer): string {
  const raw = header(req, 'idempotency-key') ?? header(req, 'x-gitlab-event-uuid');
  if (raw && /^[\w.:-]{1,200}$/.test(raw)) return raw;
  return `sha256-${createHash('sha256').update(body).digest('hex')}`;
}

/** A broken config in GitLab's words: the commit status's description, and the note that replaces the summary. */
function configErrorText(error: ConfigError, branch: string): ConfigErrorText {
  const params = { file: DEFAULT_CONFIG_FILE, branch, error: fencedError(error), key: error.key ?? 'syntax' };
  return { title: t('en', 'gitlab.config.invalid-status', params), summary: error.message, note: t('en', 'gitlab.config.invalid-note', params) };
}

/** The config on the target branch; a commit status has no text, so the summary note carries a config error. */
const GITLAB_FACTS: HostFacts = { name: 'gitlab', configPath: DEFAULT_CONFIG_FILE, statusShowsText: false, texts: { denied: 'gitlab.command.not-allowed', rateLimited: 'gitlab.command.rate-limited' }, configErrorText };

function gitlabJobs(platform: GitLabPlatform, deps: ServiceDeps): HostJobs {
  return {
    ...GITLAB_FACTS,
    async openReview(job) {
      const payload: ReviewJob = reviewJobSchema.parse(job.payload);
      const logger = deps.logger.child({ delivery: job.id, project: payload.project, mr: payload.iid });
      if (payload.projectUrl) platform.rememberProjectUrl(payload.project, payload.projectUrl);
      const mr = await platform.getChangeRequest(payload.project, payload.iid);
      if (mr.state !== 'opened') {
        logger.info({ state: mr.state }, 'merge request is not open; review skipped');
        return null;
      }
      // A newer push has its own job (or already ran): reviewing an old head would comment on outdated lines.
      if (payload.headSha && mr.ref.headSha && payload.headSha !== mr.ref.headSha) {
        logger.info({ jobHead: payload.headSha, head: mr.ref.headSha }, 'stale job: the merge request head moved on');
        return null;
      }
      // GitLab computes diff_refs after the event; throwing lets the queue retry with backoff.
      if (!mr.ready) throw new Error(`merge request !${payload.iid}: GitLab has not computed the diff of its head yet`);
      return { platform, cr: mr.ref, configBranch: mr.ref.baseRef ?? '', logger };
    },
    async openCommand(job) {
      const payload: CommandJob = commandJobSchema.parse(job.payload);
      const logger = deps.logger.child({ delivery: job.id, project: payload.project, mr: payload.iid, note: payload.noteId });
      if (payload.projectUrl) platform.rememberProjectUrl(payload.project, payload.projectUrl);
      const me = await platform.currentUser();
      if (payload.authorId === me.id) return null;
      const command = parseCommand(payload.body);
      if (!command) return null;
      const mr = await platform.getChangeRequest(payload.project, payload.iid);
      if (!mr.ready) throw new Error(`merge request !${payload.iid}: GitLab has not computed the diff of its head yet`);
      const origin: CommandOrigin = {
        commentId: String(payload.noteId),
        ...(payload.discussionId ? { threadId: payload.discussionId } : {}),
        ...(payload.path ? { path: payload.path } : {}),
        ...(payload.line ? { line: payload.line } : {}),
      };
      return {
        platform,
        cr: mr.ref,
        origin,
        command,
        user: { name: payload.username, id: String(payload.authorId) },
        configBranch: mr.ref.baseRef ?? '',
        logger,
        onDemandSummary: {
          target: { platform: 'gitlab', key: payload.project, payload: { project: payload.project, onDemand: true } },
          id: `gitlab:${payload.project}:summary:note-${payload.noteId}`,
        },
      };
    },
    async openWeekly(job) {
      const payload = weeklyJobSchema.parse(job.payload);
      const logger = deps.logger.child({ delivery: job.id, project: payload.project, week: payload.week });
      return { platform, repo: payload.project, onDemand: payload.onDemand === true, respectDay: payload.respectDay === true, logger };
    },
  };
}

const weeklyJobSchema = z.object({ project: z.string().min(1), week: z.string().optional(), onDemand: z.boolean().optional(), respectDay: z.boolean().optional() });

/** `GITLAB_PROJECTS`: comma-separated numeric ids or `group/project` paths that get the weekly report. */
export function summaryProjects(env: NodeJS.ProcessEnv): string[] {
  return (env.GITLAB_PROJECTS ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

export interface GitLabServiceOptions {
  /** Injected by tests; built from the settings otherwise. */
  platform?: GitLabPlatform;
  maxBodyBytes?: number;
}

/** The GitLab webhook route and job processors; null when no GitLab setting is present (GitLab side off). */
export function createGitLabService(env: NodeJS.ProcessEnv, deps: ServiceDeps, options: GitLabServiceOptions = {}): GitLabService | null {
  const settings = readGitLabSettings(env);
  if (!settings) {
    deps.logger.info('GitLab integration off: GITLAB_URL, GITLAB_TOKEN and GITLAB_WEBHOOK_SECRET are not set');
    return null;
  }
  const platform =
    options.platform ??
    new GitLabPlatform({
      url: settings.url,
      token: settings.token,
      logger: deps.logger,
      metrics: deps.metrics,
      markers: new FingerprintMarkers(env.COZE_LOOP_MARKER_SECRET?.trim() || settings.webhookSecret),
      archiveThreshold: archiveThresholdFrom(env.COZE_LOOP_ARCHIVE_THRESHOLD),
    });
  const maxBody = options.maxBodyBytes ?? MAX_WEBHOOK_BYTES;
  const logger = deps.logger.child({ platform: 'gitlab' });
  deps.logger.info({ url: settings.url }, 'GitLab integration on');

  async function enqueue(res: ServerResponse, job: JobData): Promise<void> {
    let outcome;
    try {
      outcome = await deps.queue.enqueue(job);
    } catch (error) {
      // Redis unreachable, for instance: GitLab redelivers a failed webhook, so nothing is lost by refusing it.
      logger.error({ delivery: job.id, err: error instanceof Error ? error.message : String(error) }, 'could not enqueue a GitLab webhook');
      send(res, 503, { error: 'queue unavailable, retry later' });
      return;
    }
    if (outcome === 'full') {
      logger.warn({ delivery: job.id }, 'queue full; GitLab will redeliver');
      send(res, 503, { error: 'queue full, retry later' }, { 'retry-after': '30' });
      return;
    }
    logger.info({ delivery: job.id, type: job.type, outcome }, 'webhook accepted');
    send(res, outcome === 'duplicate' ? 200 : 202, { status: outcome });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== GITLAB_WEBHOOK_PATH) return false;
    if (req.method !== 'POST') {
      send(res, 405, { error: 'POST only' }, { allow: 'POST' });
      return true;
    }
    if (!tokenMatches(header(req, 'x-gitlab-token'), settings!.webhookSecret)) {
      logger.warn({ event: header(req, 'x-gitlab-event') }, 'webhook with a wrong or missing X-Gitlab-Token');
      send(res, 401, { error: 'invalid X-Gitlab-Token' }, { connection: 'close' });
      req.resume();
      return true;
    }
    const declared = Number(header(req, 'content-length'));
    if (Number.isFinite(declared) && declared > maxBody) {
      send(res, 413, { error: 'payload too large' }, { connection: 'close' });
      req.resume();
      return true;
    }
    const read = await readBody(req, maxBody);
    if (!read.ok) {
      send(res, 413, { error: 'payload too large' }, { connection: 'close' });
      req.resume();
      return true;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(read.body.toString('utf8'));
    } catch {
      send(res, 400, { error: 'malformed JSON' });
      return true;
    }
    const event = header(req, 'x-gitlab-event') ?? 'unknown';
    deps.metrics.webhookReceived('gitlab', event);
    const id = `gitlab:${deliveryId(req, read.body)}`;
    const kind = (payload as { object_kind?: unknown } | null)?.object_kind;

    if (kind === 'merge_request') {
      const hook = mergeRequestHookSchema.safeParse(payload);
      if (!hook.success) {
        send(res, 400, { error: 'not a Merge Request Hook payload' });
        return true;
      }
      const trigger = reviewTrigger(hook.data);
      if (!trigger) {
        send(res, 200, { status: 'ignored', reason: `action ${hook.data.object_attributes.action ?? 'none'}` });
        return true;
      }
      const project = String(hook.data.project.id);
      const iid = hook.data.object_attributes.iid;
      const job: ReviewJob = {
        project,
        iid,
        trigger,
        ...(hook.data.object_attributes.last_commit?.id ? { headSha: hook.data.object_attributes.last_commit.id } : {}),
        ...(hook.data.project.web_url ? { projectUrl: hook.data.project.web_url } : {}),
      };
      await enqueue(res, { type: 'gitlab-review', id, coalesceKey: `gitlab:${project}!${iid}`, payload: job });
      return true;
    }

    if (kind === 'note') {
      const hook = noteHookSchema.safeParse(payload);
      if (!hook.success) {
        send(res, 400, { error: 'not a Note Hook payload' });
        return true;
      }
      const note = hook.data.object_attributes;
      const mr = hook.data.merge_request;
      const own = note.author_id === platform.botUserId();
      if (note.noteable_type !== 'MergeRequest' || !mr || note.system || own || (note.action && note.action !== 'create')) {
        send(res, 200, { status: 'ignored' });
        return true;
      }
      if (!parseCommand(note.note)) {
        send(res, 200, { status: 'ignored', reason: 'not a command' });
        return true;
      }
      const inDiff = note.type === 'DiffNote' && note.position;
      const job: CommandJob = {
        project: String(hook.data.project.id),
        iid: mr.iid,
        noteId: note.id,
        authorId: note.author_id,
        username: hook.data.user.username,
        body: note.note,
        ...(inDiff && note.discussion_id ? { discussionId: note.discussion_id } : {}),
        ...(inDiff && note.position?.new_path ? { path: note.position.new_path } : {}),
        ...(inDiff && note.position?.new_line ? { line: note.position.new_line } : {}),
        ...(hook.data.project.web_url ? { projectUrl: hook.data.project.web_url } : {}),
      };
      await enqueue(res, { type: 'gitlab-command', id, payload: job });
      return true;
    }

    send(res, 200, { status: 'ignored', reason: `event ${event}` });
    return true;
  }

  const projects = summaryProjects(env);
  const listSummaryTargets: ListSummaryTargets = async () =>
    projects.map((project) => ({ platform: 'gitlab' as const, key: project, payload: { project } }));
  const processors = createProcessors(gitlabJobs(platform, deps), deps, { commandsPerHour: commandsPerHour(env), env });
  return { handle, processors: { 'gitlab-review': processors.review, 'gitlab-command': processors.command, 'weekly-summary': processors.weekly }, listSummaryTargets };
}
