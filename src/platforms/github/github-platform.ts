// The Platform interface over GitHub's REST API (and one GraphQL mutation to resolve threads). Takes any
// Octokit-compatible client: Probot's installation octokit, or @octokit/rest with throttling and retry for the
// CI command. Only `request` and `graphql` are used, with route strings, so plugin versions do not matter.
import type { z } from 'zod';
import { FingerprintMarkers, UNSIGNED_MARKERS } from '../markers.js';
import { githubSuggestions } from './markdown.js';
import {
  MAX_DIRECTORY_ENTRIES,
  readFilesOneByOne,
  SUMMARY_MARKER,
  type ChangeRequestRef,
  type ChangedFile,
  type CommandOrigin,
  type DirectoryEntry,
  type ExistingComment,
  type FileContentsOptions,
  type InlineComment,
  type IssueRef,
  type Platform,
  type PublishResult,
  type Reaction,
  type ReviewToPublish,
  type StatusReport,
  type WriteCosts,
} from '../platform.js';
import { archiveReport, DEFAULT_ARCHIVE_THRESHOLD, logArchiveRead, readFromArchive } from '../archive-read.js';
import type { Logger, Metrics } from '../../core/observability.js';
import {
  blobBatchSchema,
  branchSchema,
  checkRunListSchema,
  directoryEntrySchema,
  idSchema,
  issueCommentSchema,
  issueSchema,
  permissionSchema,
  pullFileSchema,
  pullRequestSchema,
  repositorySchema,
  reviewCommentSchema,
  reviewThreadsSchema,
} from './schemas.js';
import { ResponseReader } from '../tolerant.js';

export interface OctokitResponseLike {
  status: number;
  data: unknown;
  headers: Record<string, string | number | undefined>;
}

/** What the adapter needs from an Octokit: `request` with route strings, and `graphql` for thread resolution. */
export interface OctokitLike {
  request(route: string, parameters?: Record<string, unknown>): Promise<OctokitResponseLike>;
  graphql?: (query: string, parameters?: Record<string, unknown>) => Promise<unknown>;
}

export interface GitHubPlatformOptions {
  /** API base URL, e.g. `https://api.github.com` or `https://ghe.example.com/api/v3`, for permalinks. */
  baseUrl?: string;
  /** Only comments by this login count as the bot's own; without it, any Bot account carrying the marker. */
  botLogin?: string;
  /** Restrict check-run lookups to this app (Probot's APP_ID). */
  appId?: number;
  logger?: Logger;
  metrics?: Metrics;
  /** Clock for check-run timestamps. */
  now?: () => Date;
  /** Signs and checks fingerprint markers; unsigned markers when absent (see markers.ts). */
  markers?: FingerprintMarkers;
  /**
   * Runs a GraphQL query (reads only) and resolves its `data`. With it, getFileContents fetches up to
   * FILES_PER_QUERY files per request; without it, file by file over REST (a client whose GraphQL calls wait in a
   * write limiter, like Probot's, would make the batch slower than the reads it replaces).
   */
  graphqlRead?: (query: string, variables: Record<string, unknown>) => Promise<unknown>;
  /** getFileContents reads the head commit's tarball first from this many files on; 0: never (archive-read.ts). */
  archiveThreshold?: number;
}

/** Marker added to a comment whose finding was fixed, so later runs see it as resolved. */
export const FIXED_MARKER = '<!-- coze-loop:fixed -->';
const PER_PAGE = 100;
const MAX_PAGES = 30;
const ANNOTATIONS_PER_REQUEST = 50;
/** Files per GraphQL query (each an aliased `object(expression: "sha:path")`); GitHub caps a query's nodes and size. */
export const FILES_PER_QUERY = 50;
const CHECK_TEXT_MAX = 65_000;

export class GitHubApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** GitHub refused the call for a rate limit (primary or secondary); retryAfterMs is its advice. */
    readonly rateLimited = false,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'GitHubApiError';
  }
}

/** Without a Retry-After, GitHub's advice for a secondary rate limit is to wait at least a minute. */
export const SECONDARY_RATE_LIMIT_WAIT_MS = 60_000;

/**
 * GitHub's rate-limit refusals (after the throttling plugin, which does not retry secondary limits for Probot): 403
 * or 429 that says "secondary rate limit", carries Retry-After, or has no primary quota left (x-ratelimit-remaining
 * 0). The wait: Retry-After seconds, else until x-ratelimit-reset, else a minute. Undefined for any other error.
 */
export function githubRateLimit(error: unknown, now = Date.now()): { retryAfterMs: number } | undefined {
  const status = statusOf(error);
  if (status !== 403 && status !== 429) return undefined;
  const response = (error as { response?: { headers?: Record<string, unknown>; data?: unknown } }).response;
  const headers = response?.headers ?? {};
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : undefined;
  };
  const retryAfter = header('retry-after');
  const exhausted = header('x-ratelimit-remaining') === '0';
  const secondary = /\bsecondary rate limit/i.test(error instanceof Error ? error.message : '') || /\bsecondary rate limit/i.test(String((response?.data as { message?: unknown } | undefined)?.message ?? ''));
  if (status === 403 && !secondary && !exhausted && retryAfter === undefined) return undefined;
  if (retryAfter !== undefined && /^\d{1,6}$/.test(retryAfter)) return { retryAfterMs: Number(retryAfter) * 1000 };
  const reset = header('x-ratelimit-reset');
  if (exhausted && reset !== undefined && /^\d{1,12}$/.test(reset)) return { retryAfterMs: Math.max(0, Number(reset) * 1000 - now) + 1000 };
  return { retryAfterMs: SECONDARY_RATE_LIMIT_WAIT_MS };
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** GitHub's explanation of a refusal, from the error body when present. */
export function reasonOf(error: unknown): string {
  const data = (error as { response?: { data?: unknown } } | null)?.response?.data as { message?: unknown; errors?: unknown } | undefined;
  const details = Array.isArray(data?.errors) ? data.errors.map((e) => (typeof e === 'string' ? e : (e as { message?: string })?.message ?? '')).filter(Boolean) : [];
  const message = typeof data?.message === 'string' ? data.message : error instanceof Error ? error.message : 'unknown error';
  return [message, ...details].join(': ').slice(0, 300);
}

/** `https://api.github.com` -> `https://github.com`; `http://host/api/v3` -> `http://host`. */
export function htmlUrlFromApi(baseUrl = 'https://api.github.com'): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  if (trimmed === 'https://api.github.com') return 'https://github.com';
  return trimmed.replace(/\/api\/v3$/, '');
}

function splitRepo(repo: string): { owner: string; repo: string } {
  const [owner, name, ...rest] = repo.split('/');
  if (!owner || !name || rest.length > 0) throw new Error(`coze-loop: "${repo}" is not an owner/name repository`);
  return { owner, repo: name };
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  throw new GitHubApiError('coze-loop: unexpected file content in the GitHub response', 502);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function mapStatus(status: string, renamed: boolean): ChangedFile['status'] {
  if (status === 'added' || status === 'copied') return 'added';
  if (status === 'removed') return 'removed';
  if (status === 'renamed' || renamed) return 'renamed';
  return 'modified';
}

/**
 * One review for all comments (none without comments); marking fixed is a reply, an edit and a resolve; a check run
 * is one request per ANNOTATIONS_PER_REQUEST annotations.
 */
export const GITHUB_WRITE_COSTS: WriteCosts = {
  review: (comments) => (comments > 0 ? 1 : 0),
  markFixed: 3,
  status: (annotations) => Math.max(1, Math.ceil(annotations / ANNOTATIONS_PER_REQUEST)),
};

export class GitHubPlatform implements Platform {
  readonly name = 'github' as const;
  readonly suggestions = githubSuggestions;
  readonly writeCosts = GITHUB_WRITE_COSTS;
  private readonly htmlUrl: string;
  private readonly checkRuns = new Map<string, number>();
  private readonly reader: ResponseReader;
  readonly markers: FingerprintMarkers;

  constructor(
    private readonly octokit: OctokitLike,
    private readonly options: GitHubPlatformOptions = {},
  ) {
    this.htmlUrl = htmlUrlFromApi(options.baseUrl);
    this.reader = new ResponseReader('github', options.logger);
    this.markers = options.markers ?? UNSIGNED_MARKERS;
  }

  private async call<T>(route: string, params: Record<string, unknown>, schema?: z.ZodType<T>): Promise<T> {
    let response: OctokitResponseLike;
    try {
      response = await this.octokit.request(route, params);
    } catch (error) {
      const status = statusOf(error);
      if (status !== undefined) this.options.metrics?.apiError('github', status);
      const limited = githubRateLimit(error);
      // GitHub's message names the limit; the request (its token) never goes into the error.
      if (limited) throw new GitHubApiError(`GitHub API: ${route} refused for a rate limit (${status}): ${reasonOf(error).slice(0, 200)}`, status!, true, limited.retryAfterMs);
      throw error;
    }
    const remaining = Number(response.headers?.['x-ratelimit-remaining']);
    if (Number.isFinite(remaining)) this.options.metrics?.rateLimitRemaining('github', remaining);
    if (!schema) return response.data as T;
    const parsed = this.reader.parse(route, schema, response.data);
    if (!parsed.success) throw new GitHubApiError(`coze-loop: unexpected GitHub response for ${route}: ${parsed.problem}`, 502);
    return parsed.data;
  }

  private async paginate<T>(route: string, params: Record<string, unknown>, schema: z.ZodType<T>): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const data = await this.call<unknown>(route, { ...params, per_page: PER_PAGE, page });
      if (!Array.isArray(data)) throw new GitHubApiError(`coze-loop: expected a list from ${route}`, 502);
      // An item that does not fit is skipped (and reported once): one odd comment or file must not fail a review.
      items.push(...this.reader.items(route, schema, data));
      if (data.length < PER_PAGE) break;
    }
    return items;
  }

  private isOwnComment(user: z.infer<typeof issueCommentSchema>['user']): boolean {
    if (!user) return false;
    return this.options.botLogin ? user.login === this.options.botLogin : user.type === 'Bot';
  }

  async getPullRequest(repo: string, number: number): Promise<ChangeRequestRef> {
    const pr = await this.call('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...splitRepo(repo), pull_number: number }, pullRequestSchema);
    const cr: ChangeRequestRef = {
      platform: 'github',
      repo,
      number,
      baseSha: pr.base.sha,
      headSha: pr.head.sha,
      baseRef: pr.base.ref,
      headRef: pr.head.ref,
      draft: pr.draft ?? false,
    };
    if (pr.html_url) cr.url = pr.html_url;
    if (pr.user) cr.author = pr.user.login;
    return cr;
  }

  async listChangedFiles(cr: ChangeRequestRef): Promise<ChangedFile[]> {
    const files = await this.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', { ...splitRepo(cr.repo), pull_number: cr.number }, pullFileSchema);
    return files.map((file) => {
      const renamed = file.previous_filename !== undefined && file.previous_filename !== file.filename;
      const changed: ChangedFile = { path: file.filename, status: mapStatus(file.status, renamed) };
      if (renamed) changed.oldPath = file.previous_filename;
      // No patch and no changed lines: a pure rename, a mode change or a binary file. An empty patch says "nothing
      // to comment on" without guessing which; the engine recognises binary content when it reads the file.
      if (file.patch !== undefined) changed.patch = file.patch;
      else if ((file.changes ?? 0) === 0) changed.patch = '';
      return changed;
    });
  }

  async getFileContent(repo: string, path: string, ref: string): Promise<Buffer | null> {
    try {
      const data = await this.call(`GET /repos/{owner}/{repo}/contents/${encodePath(path)}`, {
        ...splitRepo(repo),
        ref,
        headers: { accept: 'application/vnd.github.raw' },
      });
      return toBuffer(data);
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  /**
   * Files at one ref, FILES_PER_QUERY per GraphQL query (`object(expression: "ref:path") { ... on Blob }`). A blob
   * GraphQL cannot give exactly (binary, truncated, or text whose UTF-8 length differs from the blob's size, i.e.
   * not UTF-8) and every file of a batch that failed are fetched over REST instead, so the answers are
   * getFileContent's. From `archiveThreshold` files on, the ref's tarball is read first (archive-read.ts).
   */
  async getFileContents(repo: string, paths: string[], ref: string, options: FileContentsOptions = {}): Promise<Map<string, Buffer | null>> {
    const out = new Map<string, Buffer | null>();
    const rest: string[] = [];
    const { owner, repo: name } = splitRepo(repo);
    let pending = paths;
    const threshold = this.options.archiveThreshold ?? DEFAULT_ARCHIVE_THRESHOLD;
    if (threshold > 0 && paths.length >= threshold) {
      // One tarball instead of paths/FILES_PER_QUERY sequential queries; what it does not give goes on below.
      const started = performance.now();
      const outcome = await readFromArchive(() => this.downloadArchive(repo, ref), [...new Set(paths)], out);
      logArchiveRead(this.options.logger, 'github', outcome, performance.now() - started);
      options.onArchiveRead?.(archiveReport(outcome));
      pending = outcome.rest;
    }
    for (let i = 0; i < pending.length; i += FILES_PER_QUERY) {
      const batch = pending.slice(i, i + FILES_PER_QUERY);
      if (!this.options.graphqlRead) {
        rest.push(...batch);
        continue;
      }
      const variables: Record<string, unknown> = { owner, name };
      const declarations = batch.map((path, j) => ((variables[`e${j}`] = `${ref}:${path}`), `$e${j}: String!`));
      const fields = batch.map((_, j) => `f${j}: object(expression: $e${j}) { ... on Blob { text byteSize isBinary isTruncated } }`);
      const query = `query($owner: String!, $name: String!, ${declarations.join(', ')}) { repository(owner: $owner, name: $name) { ${fields.join(' ')} } }`;
      try {
        const parsed = this.reader.parse('graphql object(expression:)', blobBatchSchema, await this.options.graphqlRead(query, variables));
        if (!parsed.success || !parsed.data.repository) throw new GitHubApiError(`coze-loop: unexpected GitHub response for a file batch: ${parsed.success ? 'no repository' : parsed.problem}`, 502);
        const found = parsed.data.repository;
        batch.forEach((path, j) => {
          const blob = found[`f${j}`];
          if (blob === null || blob === undefined) out.set(path, null);
          else if (typeof blob.text === 'string' && !blob.isBinary && !blob.isTruncated && Buffer.byteLength(blob.text) === blob.byteSize) out.set(path, Buffer.from(blob.text, 'utf8'));
          else rest.push(path);
        });
      } catch (error) {
        this.options.logger?.warn({ err: error, files: batch.length }, 'GraphQL file batch failed; fetching those files one by one');
        rest.push(...batch);
      }
    }
    await readFilesOneByOne(rest, (path) => this.getFileContent(repo, path, ref), out);
    return out;
  }

  /** One request: the contents API lists a directory (up to 1,000 entries) with each file's size. */
  async listDirectory(repo: string, ref: string, dir: string): Promise<DirectoryEntry[]> {
    const route = 'GET /repos/{owner}/{repo}/contents/{dir}';
    let data: unknown;
    try {
      data = await this.call(`GET /repos/{owner}/{repo}/contents/${encodePath(dir.replace(/^\.?\/+|\/+$/g, ''))}`, { ...splitRepo(repo), ref });
    } catch (error) {
      if (statusOf(error) === 404) return [];
      throw error;
    }
    // A file at that path answers an object: not a directory.
    if (!Array.isArray(data)) return [];
    const entries: DirectoryEntry[] = [];
    for (const entry of this.reader.items(route, directoryEntrySchema, data)) {
      if (entry.type !== 'file' && entry.type !== 'dir') continue;
      entries.push({ path: entry.path, type: entry.type, ...(entry.size !== undefined ? { size: entry.size } : {}) });
      if (entries.length >= MAX_DIRECTORY_ENTRIES) break;
    }
    return entries;
  }

  async getHeadSha(cr: ChangeRequestRef): Promise<string> {
    return (await this.getPullRequest(cr.repo, cr.number)).headSha;
  }

  async listBotComments(cr: ChangeRequestRef): Promise<ExistingComment[]> {
    const comments = await this.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', { ...splitRepo(cr.repo), pull_number: cr.number }, reviewCommentSchema);
    const own: ExistingComment[] = [];
    for (const comment of comments) {
      const body = comment.body ?? '';
      if (!this.isOwnComment(comment.user)) continue;
      const fingerprint = this.markers.read(cr.repo, body);
      if (!fingerprint) continue;
      const existing: ExistingComment = {
        id: String(comment.id),
        threadId: String(comment.in_reply_to_id ?? comment.id),
        fingerprint,
        body,
        // The bot writes this marker first when it marks a comment fixed; quoted code never comes first.
        resolved: body.startsWith(FIXED_MARKER),
      };
      if (comment.path !== undefined) existing.path = comment.path;
      const line = comment.line ?? comment.original_line;
      if (typeof line === 'number') existing.line = line;
      own.push(existing);
    }
    return own;
  }

  async publishReview(cr: ChangeRequestRef, review: ReviewToPublish): Promise<PublishResult> {
    const result: PublishResult = { posted: [], rejected: [] };
    await this.postReview(cr, review.body, review.comments, result);
    return result;
  }

  /** One review; on 422, halves until the refused comments are isolated, so the others still get posted. */
  private async postReview(cr: ChangeRequestRef, body: string, comments: InlineComment[], result: PublishResult): Promise<void> {
    if (comments.length === 0) return;
    try {
      await this.call('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
        ...splitRepo(cr.repo),
        pull_number: cr.number,
        commit_id: cr.headSha,
        event: 'COMMENT',
        body,
        comments: comments.map(toReviewComment),
      });
      result.posted.push(...comments);
    } catch (error) {
      if (statusOf(error) !== 422) throw error;
      if (comments.length === 1) {
        result.rejected.push({ comment: comments[0]!, reason: reasonOf(error) });
        this.options.logger?.warn({ path: comments[0]!.path, line: comments[0]!.line, reason: reasonOf(error) }, 'GitHub refused a review comment');
        return;
      }
      const middle = Math.ceil(comments.length / 2);
      await this.postReview(cr, body, comments.slice(0, middle), result);
      await this.postReview(cr, body, comments.slice(middle), result);
    }
  }

  async markFixed(cr: ChangeRequestRef, comment: ExistingComment, body: string): Promise<void> {
    const { owner, repo } = splitRepo(cr.repo);
    const rootId = Number(comment.threadId ?? comment.id);
    await this.call('POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies', { owner, repo, pull_number: cr.number, comment_id: rootId, body });
    const title = firstLine(comment.body);
    await this.call('PATCH /repos/{owner}/{repo}/pulls/comments/{comment_id}', {
      owner,
      repo,
      comment_id: Number(comment.id),
      // The fingerprint marker stays last, so the next run still knows this comment (and that it is fixed).
      body: `${FIXED_MARKER}\n~~${title}~~\n\n${body}\n\n<details>\n<summary>${escapeHtml(title)}</summary>\n\n${comment.body}\n\n</details>\n\n${this.markers.write(cr.repo, comment.fingerprint)}`,
    });
    await this.resolveThread(cr, rootId);
  }

  /** Resolving needs GraphQL and the thread's node id; a failure leaves the reply and the edit, which suffice. */
  private async resolveThread(cr: ChangeRequestRef, rootCommentId: number): Promise<void> {
    if (!this.octokit.graphql) return;
    const { owner, repo } = splitRepo(cr.repo);
    try {
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const raw = await this.octokit.graphql(
          `query($owner: String!, $repo: String!, $number: Int!, $cursor: String) {
            repository(owner: $owner, name: $repo) { pullRequest(number: $number) {
              reviewThreads(first: 100, after: $cursor) {
                nodes { id isResolved comments(first: 1) { nodes { databaseId } } }
                pageInfo { hasNextPage endCursor }
              } } } }`,
          { owner, repo, number: cr.number, cursor },
        );
        const parsed = this.reader.parse('graphql reviewThreads', reviewThreadsSchema, raw);
        if (!parsed.success) throw new GitHubApiError(`coze-loop: unexpected GitHub response for reviewThreads: ${parsed.problem}`, 502);
        const threads = parsed.data.repository?.pullRequest?.reviewThreads;
        if (!threads) return;
        const thread = threads.nodes.find((n) => n.comments.nodes[0]?.databaseId === rootCommentId);
        if (thread) {
          if (!thread.isResolved) {
            await this.octokit.graphql(`mutation($threadId: ID!) { resolveReviewThread(input: { threadId: $threadId }) { thread { id } } }`, { threadId: thread.id });
          }
          return;
        }
        if (!threads.pageInfo.hasNextPage) return;
        cursor = threads.pageInfo.endCursor ?? null;
      }
    } catch (error) {
      this.options.logger?.debug({ err: error, rootCommentId }, 'could not resolve the review thread');
    }
  }

  async upsertSummary(cr: ChangeRequestRef, body: string): Promise<void> {
    const { owner, repo } = splitRepo(cr.repo);
    const comments = await this.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: cr.number }, issueCommentSchema);
    const existing = comments.find((c) => (c.body ?? '').includes(SUMMARY_MARKER) && this.isOwnComment(c.user));
    if (!existing) {
      await this.call('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: cr.number, body });
    } else if (existing.body !== body) {
      await this.call('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner, repo, comment_id: existing.id, body });
    }
  }

  private async findCheckRun(cr: ChangeRequestRef, name: string): Promise<number | undefined> {
    const remembered = this.checkRuns.get(`${cr.repo}@${cr.headSha}:${name}`);
    if (remembered !== undefined) return remembered;
    const params: Record<string, unknown> = { ...splitRepo(cr.repo), ref: cr.headSha, check_name: name, filter: 'latest' };
    if (this.options.appId !== undefined) params.app_id = this.options.appId;
    const list = await this.call('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', params, checkRunListSchema);
    return list.check_runs.find((run) => run.name === name)?.id;
  }

  async reportStatus(cr: ChangeRequestRef, status: StatusReport): Promise<void> {
    const { owner, repo } = splitRepo(cr.repo);
    const annotations = (status.annotations ?? []).map((a) => ({
      path: a.path,
      start_line: a.startLine,
      end_line: Math.max(a.startLine, a.endLine),
      annotation_level: a.level,
      title: truncate(a.title, 255),
      message: truncate(a.message, 4_000),
    }));
    const chunks: (typeof annotations)[] = [];
    for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) chunks.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
    const output = (chunk: typeof annotations | undefined): Record<string, unknown> => ({
      title: truncate(status.title, 255),
      summary: truncate(status.summary, CHECK_TEXT_MAX),
      ...(chunk && chunk.length > 0 ? { annotations: chunk } : {}),
    });
    const completion: Record<string, unknown> = { status: 'completed', conclusion: status.conclusion, completed_at: (this.options.now?.() ?? new Date()).toISOString(), output: output(chunks[0]) };
    if (status.detailsUrl) completion.details_url = status.detailsUrl;
    let id = await this.findCheckRun(cr, status.name);
    if (id === undefined) {
      id = (await this.call('POST /repos/{owner}/{repo}/check-runs', { owner, repo, name: status.name, head_sha: cr.headSha, ...completion }, idSchema)).id;
      this.checkRuns.set(`${cr.repo}@${cr.headSha}:${status.name}`, id);
    } else {
      await this.call('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { owner, repo, check_run_id: id, ...completion });
    }
    for (const chunk of chunks.slice(1)) {
      await this.call('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { owner, repo, check_run_id: id, output: output(chunk) });
    }
  }

  async reply(cr: ChangeRequestRef, origin: CommandOrigin, body: string): Promise<void> {
    const { owner, repo } = splitRepo(cr.repo);
    if (isReviewComment(origin)) {
      // Replies go to the thread's first comment: GitHub does not accept replies to replies.
      const commentId = Number(origin.threadId ?? origin.commentId);
      await this.call('POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies', { owner, repo, pull_number: cr.number, comment_id: commentId, body });
    } else {
      await this.call('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: cr.number, body });
    }
  }

  async react(cr: ChangeRequestRef, origin: CommandOrigin, reaction: Reaction): Promise<void> {
    const { owner, repo } = splitRepo(cr.repo);
    const route = isReviewComment(origin)
      ? 'POST /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions'
      : 'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions';
    await this.call(route, { owner, repo, comment_id: Number(origin.commentId), content: reaction });
  }

  async canRunCommands(repo: string, user: string): Promise<boolean> {
    try {
      const result = await this.call('GET /repos/{owner}/{repo}/collaborators/{username}/permission', { ...splitRepo(repo), username: user }, permissionSchema);
      return ['admin', 'maintain', 'write'].includes(result.role_name ?? '') || ['admin', 'write'].includes(result.permission);
    } catch (error) {
      if (statusOf(error) === 404 || statusOf(error) === 403) return false;
      throw error;
    }
  }

  /** Issues labelled `coze-loop` (the label the weekly report creates them with) whose title starts with the prefix. */
  async findIssues(repo: string, titlePrefix: string): Promise<IssueRef[]> {
    const found: IssueRef[] = [];
    for (let page = 1; page <= 5; page++) {
      const data = await this.call('GET /repos/{owner}/{repo}/issues', { ...splitRepo(repo), state: 'all', labels: 'coze-loop', sort: 'created', direction: 'desc', per_page: PER_PAGE, page });
      if (!Array.isArray(data)) throw new GitHubApiError('coze-loop: expected a list of issues', 502);
      for (const issue of this.reader.items('GET /repos/{owner}/{repo}/issues', issueSchema, data)) {
        if (issue.pull_request === undefined && issue.title.startsWith(titlePrefix)) found.push(toIssueRef(issue));
      }
      if (data.length < PER_PAGE) break;
    }
    return found;
  }

  async createIssue(repo: string, title: string, body: string, labels: string[]): Promise<IssueRef> {
    return toIssueRef(await this.call('POST /repos/{owner}/{repo}/issues', { ...splitRepo(repo), title, body, labels }, issueSchema));
  }

  async updateIssue(repo: string, number: number, patch: { title?: string; body?: string; state?: 'open' | 'closed' }): Promise<void> {
    await this.call('PATCH /repos/{owner}/{repo}/issues/{issue_number}', { ...splitRepo(repo), issue_number: number, ...patch });
  }

  async commentOnIssue(repo: string, number: number, body: string): Promise<void> {
    await this.call('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...splitRepo(repo), issue_number: number, body });
  }

  async getDefaultBranch(repo: string): Promise<{ name: string; sha: string }> {
    const { default_branch: name } = await this.call('GET /repos/{owner}/{repo}', splitRepo(repo), repositorySchema);
    const branch = await this.call('GET /repos/{owner}/{repo}/branches/{branch}', { ...splitRepo(repo), branch: name }, branchSchema);
    return { name, sha: branch.commit.sha };
  }

  async downloadArchive(repo: string, ref: string): Promise<Buffer | AsyncIterable<Uint8Array>> {
    // Unparsed, the body stays a stream: the archive reader counts and caps it as it arrives.
    const data = await this.call<unknown>('GET /repos/{owner}/{repo}/tarball/{ref}', { ...splitRepo(repo), ref, request: { parseSuccessResponseBody: false } });
    if (data && typeof data === 'object' && Symbol.asyncIterator in data) return data as AsyncIterable<Uint8Array>;
    return toBuffer(data ?? Buffer.alloc(0));
  }

  permalink(repo: string, sha: string, path: string, startLine: number, endLine?: number): string {
    const anchor = endLine !== undefined && endLine !== startLine ? `#L${startLine}-L${endLine}` : `#L${startLine}`;
    return `${this.htmlUrl}/${repo}/blob/${sha}/${encodePath(path)}${anchor}`;
  }
}

function isReviewComment(origin: CommandOrigin): boolean {
  return origin.threadId !== undefined || origin.path !== undefined;
}

function toReviewComment(comment: InlineComment): Record<string, unknown> {
  const out: Record<string, unknown> = { path: comment.path, line: comment.line, side: 'RIGHT', body: comment.body };
  if (comment.startLine !== undefined && comment.startLine < comment.line) {
    out.start_line = comment.startLine;
    out.start_side = 'RIGHT';
  }
  return out;
}

function toIssueRef(issue: z.infer<typeof issueSchema>): IssueRef {
  const ref: IssueRef = { number: issue.number, title: issue.title, body: issue.body ?? '', state: issue.state };
  if (issue.html_url) ref.url = issue.html_url;
  return ref;
}

function firstLine(body: string): string {
  const line = body.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('<!--')) ?? '';
  return line.replace(/[*~]/g, '').trim().slice(0, 200);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
