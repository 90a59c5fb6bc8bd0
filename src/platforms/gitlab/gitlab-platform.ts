// The GitLab side of the one Platform interface, on @gitbeaker/rest. Every response we rely on is validated with zod
// (schemas.ts); every failure becomes a GitLabApiError that carries the HTTP status and GitLab's message but never
// the request (its headers hold the token).
import { Gitlab, GitbeakerRequestError, GitbeakerRetryError, GitbeakerTimeoutError } from '@gitbeaker/rest';
import { FingerprintMarkers, UNSIGNED_MARKERS } from '../markers.js';
import { z } from 'zod';
import type { Logger, Metrics } from '../../core/observability.js';
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
import { gitlabSuggestions } from './markdown.js';
import { locateNewLine } from './position.js';
import {
  blobBatchSchema,
  branchSchema,
  discussionSchema,
  issueSchema,
  memberSchema,
  mergeRequestDiffSchema,
  mergeRequestSchema,
  noteSchema,
  projectSchema,
  treeEntrySchema,
  userSchema,
  type GitLabDiff,
  type GitLabIssue,
  type GitLabMergeRequest,
  type GitLabUser,
} from './schemas.js';
import { list, ResponseReader } from '../tolerant.js';
import { archiveReport, DEFAULT_ARCHIVE_THRESHOLD, logArchiveRead, readFromArchive } from '../archive-read.js';
import {
  DEFAULT_RATE_LIMIT_PAUSE_MS,
  gitlabRequester,
  isRateLimited,
  MAX_RATE_LIMIT_PAUSE_MS,
  RATE_LIMIT_ATTEMPTS,
  RateLimitGate,
  rateLimitPauseMs,
  responseHeadersOf,
  REVIEW_RATE_LIMIT_WAIT_MS,
} from './rate-limit.js';

/** Developer: the lowest role that may push code, and so the lowest that may run commands. */
export const DEVELOPER_ACCESS = 30;
/** GitLab caps a commit status description; longer ones are refused. */
const MAX_STATUS_DESCRIPTION = 255;
const PER_PAGE = 100;
const MAX_CACHED_DIFFS = 32;
/** Paths per GraphQL `blobs(paths:)` query: one request for a 30-file merge request, small enough for GitLab's limits. */
export const FILES_PER_QUERY = 50;
/** Diff discussions in flight while a review is published (GitLab posts one discussion per request). */
export const DISCUSSION_CONCURRENCY = 4;
/** Review archive reads per minute (GitLab allows 5 archive downloads a minute per user; one is left for the weekly scan). */
export const ARCHIVE_READS_PER_MINUTE = 4;

/**
 * The answer to a write whose body the adapter does not use (a 2xx is the whole outcome): not validated, so an
 * answer of an unexpected shape never turns a comment GitLab did post into a failed review.
 */
const WRITTEN = z.unknown();

/** The summary note's and the status's writes: one attempt here, the retries are the review's (see upsertSummary). */
const ONE_ATTEMPT: RateLimitPolicy = { attempts: 1 };

const EMOJI: Record<Reaction, string> = { eyes: 'eyes', '+1': 'thumbsup', rocket: 'rocket', confused: 'confused' };

export interface GitLabPlatformOptions {
  /** Instance URL, e.g. `https://gitlab.example.com`; the REST API is under `/api/v4`. */
  url: string;
  token: string;
  logger?: Logger;
  metrics?: Metrics;
  /** Per-request timeout; gitbeaker's own default is five minutes, long enough to stall a worker. */
  timeoutMs?: number;
  /** Signs and checks fingerprint markers; unsigned markers when absent (see markers.ts). */
  markers?: FingerprintMarkers;
  /** getFileContents reads the head commit's archive first from this many files on; 0: never (archive-read.ts). */
  archiveThreshold?: number;
  /** The pause every request honours after a rate-limit answer; tests pass one with their own clock. */
  rateLimitGate?: RateLimitGate;
}

/** Bounds of the wait for GitLab's rate limit, per call; a review's discussions share one deadline. */
interface RateLimitPolicy {
  /** Epoch ms after which a rate-limited call fails instead of waiting. */
  deadline?: number;
  /** Attempts of this call (default RATE_LIMIT_ATTEMPTS); 1 leaves the retries to the caller (the review's writes). */
  attempts?: number;
}

export class GitLabApiError extends Error {
  /** HTTP status; 0 when GitLab never answered (timeout, network) or answered something we cannot use. */
  readonly status: number;
  /** True when GitLab's rate limit refused the call and waiting for it was not possible within the bounds. */
  readonly rateLimited: boolean;
  /** For a rate-limited call: the wait GitLab asked for last (Retry-After / RateLimit-Reset), when it said. */
  readonly retryAfterMs?: number;
  constructor(what: string, status: number, description: string, rateLimited = false, retryAfterMs?: number) {
    super(`GitLab API: ${what} failed${status ? ` (${status})` : ''}: ${description}`);
    this.name = 'GitLabApiError';
    this.status = status;
    this.rateLimited = rateLimited;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/** A merge request as the review pipeline needs it, plus what the processors check before reviewing. */
export interface GitLabChangeRequest {
  ref: ChangeRequestRef;
  state: string;
  /** False while GitLab has not computed the diff of the current head yet (just after opening or a push). */
  ready: boolean;
}

type GitlabApi = InstanceType<typeof Gitlab>;

function statusOf(error: unknown): number {
  const cause = (error as { cause?: { response?: { status?: unknown } } }).cause;
  return typeof cause?.response?.status === 'number' ? cause.response.status : 0;
}

async function streamToBuffer(body: unknown): Promise<Buffer> {
  if (body instanceof ReadableStream) return Buffer.from(await new Response(body).arrayBuffer());
  if (body instanceof Blob) return Buffer.from(await body.arrayBuffer());
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body == null) return Buffer.alloc(0);
  throw new GitLabApiError('download', 0, 'unexpected response body');
}

/** One discussion per comment; marking fixed is a reply and a resolve; a commit status has no annotations. */
export const GITLAB_WRITE_COSTS: WriteCosts = { review: (comments) => comments, markFixed: 2, status: () => 1 };

export class GitLabPlatform implements Platform {
  readonly name = 'gitlab' as const;
  readonly suggestions = gitlabSuggestions;
  readonly writeCosts = GITLAB_WRITE_COSTS;
  /** Instance base URL without a trailing slash. */
  readonly url: string;
  private readonly api: GitlabApi;
  readonly markers: FingerprintMarkers;
  private readonly logger?: Logger;
  private readonly metrics?: Metrics;
  private botUser?: Promise<GitLabUser>;
  private knownBotId?: number;
  private readonly projectUrls = new Map<string, string>();
  private readonly diffCache = new Map<string, Promise<GitLabDiff[]>>();
  private readonly reader: ResponseReader;
  private readonly token: string;
  private readonly timeoutMs: number;
  /** Set once the instance answers GraphQL with 404 (disabled or absent): later batches go straight to REST. */
  private graphqlUnavailable = false;
  private readonly gate: RateLimitGate;
  private readonly archiveThreshold: number;
  /** When the review archive reads of the last minute started (takeArchiveSlot). */
  private readonly archiveReads: number[] = [];

  constructor(options: GitLabPlatformOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    // One attempt per request (gitlabRequester): the rate-limit waits are call()'s, with GitLab's advice.
    this.api = new Gitlab({ host: this.url, token: options.token, queryTimeout: options.timeoutMs ?? 60_000, requesterFn: gitlabRequester } as ConstructorParameters<typeof Gitlab>[0]);
    this.gate = options.rateLimitGate ?? new RateLimitGate();
    this.archiveThreshold = options.archiveThreshold ?? DEFAULT_ARCHIVE_THRESHOLD;
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.reader = new ResponseReader('gitlab', options.logger);
    this.markers = options.markers ?? UNSIGNED_MARKERS;
  }

  /**
   * Runs one API call, turning gitbeaker's errors into GitLabApiError and validating the answer. A rate-limit answer
   * (429, or 403 with RateLimit headers) pauses every request of this instance for what GitLab asks (Retry-After or
   * RateLimit-Reset; without advice 1 s, doubling) and tries again: RATE_LIMIT_ATTEMPTS attempts, no single pause
   * longer than MAX_RATE_LIMIT_PAUSE_MS, none past the policy's deadline. Past those bounds the call fails with a
   * GitLabApiError marked `rateLimited` that says why.
   */
  private async call<T>(what: string, schema: z.ZodType<T>, request: () => Promise<unknown>, policy: RateLimitPolicy = {}): Promise<T> {
    let body: unknown;
    const now = this.gate.clock;
    for (let attempt = 1; ; attempt++) {
      await this.gate.ready();
      try {
        body = await request();
        break;
      } catch (error) {
        const status = statusOf(error);
        const headers = responseHeadersOf(error);
        if (!isRateLimited(status, headers)) throw this.wrap(what, error);
        this.metrics?.apiError('gitlab', status);
        const advised = rateLimitPauseMs(headers, now());
        const pause = advised ?? DEFAULT_RATE_LIMIT_PAUSE_MS * 2 ** (attempt - 1);
        const seconds = (ms: number): string => `${Math.ceil(ms / 1000)} s`;
        const attempts = policy.attempts ?? RATE_LIMIT_ATTEMPTS;
        const reason =
          attempt >= attempts
            ? attempts === 1
              ? 'rate limited'
              : `still rate limited after ${attempt} attempts`
            : pause > MAX_RATE_LIMIT_PAUSE_MS
              ? `rate limited; GitLab asks to wait ${seconds(pause)}, more than the ${seconds(MAX_RATE_LIMIT_PAUSE_MS)} we wait`
              : policy.deadline !== undefined && now() + pause > policy.deadline
                ? `rate limited; the review's ${seconds(REVIEW_RATE_LIMIT_WAIT_MS)} of waiting for the rate limit are spent`
                : undefined;
        if (reason) {
          // A caller that retries itself (attempts: 1) logs its own outcome.
          if (attempts > 1) this.logger?.warn({ what, status, attempt, pauseMs: pause }, `GitLab rate limit: giving up on this call (${reason})`);
          throw new GitLabApiError(what, status, reason, true, advised ?? pause);
        }
        this.logger?.info({ what, status, attempt, pauseMs: pause }, 'GitLab rate limit: waiting as GitLab asks, then trying again');
        this.gate.pause(pause);
      }
    }
    const parsed = this.reader.parse(what, schema, body);
    if (!parsed.success) throw new GitLabApiError(what, 0, `unexpected response shape at ${parsed.problem}`);
    return parsed.data;
  }

  private wrap(what: string, error: unknown): GitLabApiError {
    if (error instanceof GitLabApiError) return error;
    const status = statusOf(error);
    if (isRateLimited(status, responseHeadersOf(error))) return new GitLabApiError(what, status, 'rate limited', true);
    if (status) this.metrics?.apiError('gitlab', status);
    if (error instanceof GitbeakerRequestError) return new GitLabApiError(what, status, error.message || 'request refused');
    if (error instanceof GitbeakerRetryError) return new GitLabApiError(what, 0, error.message);
    if (error instanceof GitbeakerTimeoutError) return new GitLabApiError(what, 0, 'timed out');
    // fetch puts the reason (ECONNREFUSED, a TLS error) in `cause`.
    const cause = (error as { cause?: { message?: unknown } }).cause?.message;
    const message = error instanceof Error ? error.message : String(error);
    return new GitLabApiError(what, 0, typeof cause === 'string' ? `${message}: ${cause}` : message);
  }

  /** The bot's own user (`GET /user`), fetched once: to recognise its notes and ignore its own commands. */
  currentUser(): Promise<GitLabUser> {
    this.botUser ??= this.call('GET /user', userSchema, () => this.api.Users.showCurrentUser()).then(
      (user) => {
        this.knownBotId = user.id;
        return user;
      },
      (error: unknown) => {
        this.botUser = undefined;
        throw error;
      },
    );
    return this.botUser;
  }

  /** The bot's user id once `GET /user` has answered, so the webhook handler can drop its own notes without a call. */
  botUserId(): number | undefined {
    return this.knownBotId;
  }

  /** Lets the webhook payload's `project.web_url` serve permalinks without another API call. */
  rememberProjectUrl(repo: string, webUrl: string): void {
    this.projectUrls.set(repo, webUrl.replace(/\/+$/, ''));
  }

  async getMergeRequest(repo: string, iid: number): Promise<GitLabMergeRequest> {
    return this.call(`GET merge request !${iid}`, mergeRequestSchema, () => this.api.MergeRequests.show(repo, iid));
  }

  /** The merge request with its diff refs, as the pipeline's ChangeRequestRef. */
  async getChangeRequest(repo: string, iid: number): Promise<GitLabChangeRequest> {
    const mr = await this.getMergeRequest(repo, iid);
    const refs = mr.diff_refs;
    const head = mr.sha ?? refs?.head_sha ?? '';
    if (mr.web_url) this.rememberProjectUrl(repo, mr.web_url.replace(/\/-\/merge_requests\/\d+$/, ''));
    return {
      state: mr.state,
      // Right after a push GitLab still serves the previous diff version: positions must use the new one.
      ready: Boolean(refs) && refs?.head_sha === head,
      ref: {
        platform: 'gitlab',
        repo,
        number: mr.iid,
        baseSha: refs?.base_sha ?? '',
        startSha: refs?.start_sha ?? refs?.base_sha,
        headSha: head,
        baseRef: mr.target_branch,
        headRef: mr.source_branch,
        author: mr.author?.username,
        draft: mr.draft ?? mr.work_in_progress ?? false,
        url: mr.web_url,
      },
    };
  }

  /**
   * Diffs of one diff version (base, start, head), shared by the pipeline's reads and publishReview's positions.
   * Bounded: a long-running service sees many merge requests.
   */
  private diffs(cr: ChangeRequestRef): Promise<GitLabDiff[]> {
    const key = `${cr.repo}!${cr.number}@${cr.baseSha}..${cr.startSha ?? ''}..${cr.headSha}`;
    let cached = this.diffCache.get(key);
    if (!cached) {
      cached = this.call(`GET merge request !${cr.number} diffs`, list(mergeRequestDiffSchema), () =>
        this.api.MergeRequests.allDiffs(cr.repo, cr.number, { perPage: PER_PAGE }),
      );
      cached.catch(() => this.diffCache.delete(key));
      for (const old of this.diffCache.keys()) if (old.startsWith(`${cr.repo}!${cr.number}@`)) this.diffCache.delete(old);
      this.diffCache.set(key, cached);
      while (this.diffCache.size > MAX_CACHED_DIFFS) this.diffCache.delete(this.diffCache.keys().next().value as string);
    }
    return cached;
  }

  async listChangedFiles(cr: ChangeRequestRef): Promise<ChangedFile[]> {
    const diffs = await this.diffs(cr);
    return diffs.map((d) => {
      const status = d.deleted_file ? 'removed' : d.new_file ? 'added' : d.renamed_file ? 'renamed' : 'modified';
      const text = d.diff ?? '';
      const binary = /^Binary files .* differ$/m.test(text) && !text.includes('@@');
      const pureRename = d.renamed_file && text === '' && !d.too_large && !d.collapsed;
      return {
        path: d.new_path,
        oldPath: d.renamed_file ? d.old_path : undefined,
        status,
        // GitLab sends an empty diff for too large or collapsed files (the pipeline summarises those) and for a
        // rename without edits, which has nothing to review rather than an omitted diff.
        patch: text.includes('@@') && !d.too_large ? text : pureRename ? '' : undefined,
        binary: binary || undefined,
      } satisfies ChangedFile;
    });
  }

  async getFileContent(repo: string, path: string, ref: string): Promise<Buffer | null> {
    try {
      const body = await this.api.RepositoryFiles.showRaw(repo, path, ref, { asStream: true } as { lfs?: boolean });
      return await streamToBuffer(body);
    } catch (error) {
      const wrapped = this.wrap(`GET file ${path}`, error);
      if (wrapped.status === 404) return null;
      throw wrapped;
    }
  }

  /**
   * Files at one ref, FILES_PER_QUERY per GraphQL query (`repository { blobs(paths:, ref:) { nodes { path
   * rawTextBlob size } } }`), so a 30-file merge request is one request instead of 30. A path GitLab does not list
   * does not exist at the ref (null, as getFileContent's 404). A blob GraphQL cannot give exactly (binary: no
   * rawTextBlob; truncated or not UTF-8: its UTF-8 length differs from its size) and every file of a batch that
   * failed are read over REST instead, so the answers are getFileContent's, byte for byte. From `archiveThreshold`
   * files on, the ref's archive is read first (archive-read.ts, at most ARCHIVE_READS_PER_MINUTE times a minute).
   */
  async getFileContents(repo: string, paths: string[], ref: string, options: FileContentsOptions = {}): Promise<Map<string, Buffer | null>> {
    const out = new Map<string, Buffer | null>();
    const rest: string[] = [];
    let unique = [...new Set(paths)];
    if (this.archiveThreshold > 0 && unique.length >= this.archiveThreshold) {
      if (this.takeArchiveSlot()) {
        // One archive instead of unique/FILES_PER_QUERY sequential queries; what it does not give goes on below.
        const started = performance.now();
        const outcome = await readFromArchive(() => this.downloadArchive(repo, ref), unique, out);
        logArchiveRead(this.logger, 'gitlab', outcome, performance.now() - started);
        options.onArchiveRead?.(archiveReport(outcome));
        unique = outcome.rest;
      } else {
        options.onArchiveRead?.({ fromArchive: 0, batched: unique.length, skipped: `archive downloads at their limit of ${ARCHIVE_READS_PER_MINUTE} a minute` });
      }
    }
    for (let i = 0; i < unique.length; i += FILES_PER_QUERY) {
      const batch = unique.slice(i, i + FILES_PER_QUERY);
      if (this.graphqlUnavailable) {
        rest.push(...batch);
        continue;
      }
      try {
        const found = await this.blobBatch(repo, batch, ref);
        for (const path of batch) {
          const blob = found.get(path);
          if (!blob) out.set(path, null);
          else if (typeof blob.rawTextBlob === 'string' && Buffer.byteLength(blob.rawTextBlob) === blob.size) out.set(path, Buffer.from(blob.rawTextBlob, 'utf8'));
          else rest.push(path);
        }
      } catch (error) {
        this.logger?.warn({ err: error, files: batch.length }, 'GitLab GraphQL file batch failed; reading those files one by one');
        rest.push(...batch);
      }
    }
    await readFilesOneByOne(rest, (path) => this.getFileContent(repo, path, ref), out);
    return out;
  }

  /**
   * GitLab limits archive downloads to 5 a minute per user (gitbeaker queues the sixth for up to a minute): a review
   * takes the archive only while fewer than ARCHIVE_READS_PER_MINUTE reads started in the last minute, leaving room
   * for the weekly scan, and reads in batches otherwise rather than wait.
   */
  private takeArchiveSlot(): boolean {
    const now = this.gate.clock();
    while (this.archiveReads.length > 0 && now - this.archiveReads[0]! >= 60_000) this.archiveReads.shift();
    if (this.archiveReads.length >= ARCHIVE_READS_PER_MINUTE) {
      this.logger?.info({ recent: this.archiveReads.length }, 'changed files: archive downloads at their per-minute limit; reading them in batches');
      return false;
    }
    this.archiveReads.push(now);
    return true;
  }

  /** One GraphQL query for a batch of paths; the blobs GitLab found, by path. Throws when the answer is unusable. */
  private async blobBatch(repo: string, paths: string[], ref: string): Promise<Map<string, { rawTextBlob?: string | null; size: number }>> {
    const numeric = /^\d+$/.test(repo);
    const blobs = 'repository { blobs(ref: $ref, paths: $paths) { nodes { path rawTextBlob size } } }';
    // A numeric project id has no fullPath: `projects(ids:)` takes its global id instead.
    const query = numeric
      ? `query($ids: [ID!], $ref: String!, $paths: [String!]!) { projects(ids: $ids) { nodes { ${blobs} } } }`
      : `query($path: ID!, $ref: String!, $paths: [String!]!) { project(fullPath: $path) { ${blobs} } }`;
    const variables = { ref, paths, ...(numeric ? { ids: [`gid://gitlab/Project/${repo}`] } : { path: repo }) };
    const what = 'POST graphql blobs';
    let response: Response;
    for (let attempt = 1; ; attempt++) {
      await this.gate.ready();
      try {
        response = await fetch(`${this.url}/api/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        throw this.wrap(what, error);
      }
      if (!isRateLimited(response.status, response.headers) || attempt >= RATE_LIMIT_ATTEMPTS) break;
      // GitLab's rate limit: wait what it asks, then ask again, rather than turn one request into fifty.
      const pause = rateLimitPauseMs(response.headers, this.gate.clock()) ?? DEFAULT_RATE_LIMIT_PAUSE_MS;
      if (pause > MAX_RATE_LIMIT_PAUSE_MS) break;
      await response.body?.cancel();
      this.gate.pause(pause);
    }
    if (!response.ok) {
      await response.body?.cancel();
      this.metrics?.apiError('gitlab', response.status);
      if (response.status === 404) this.graphqlUnavailable = true;
      throw new GitLabApiError(what, response.status, 'GraphQL refused the query');
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new GitLabApiError(what, 0, 'the answer is not JSON');
    }
    const parsed = this.reader.parse(what, blobBatchSchema, body);
    if (!parsed.success) throw new GitLabApiError(what, 0, `unexpected response shape at ${parsed.problem}`);
    if (parsed.data.errors?.length) throw new GitLabApiError(what, 0, `GraphQL answered ${parsed.data.errors.length} error(s)`);
    const repository = numeric ? parsed.data.data?.projects?.nodes[0]?.repository : parsed.data.data?.project?.repository;
    // No project (no access, or a path GitLab does not know): REST gives the precise answer for each file.
    if (!repository?.blobs) throw new GitLabApiError(what, 0, 'no project or repository in the answer');
    return new Map(repository.blobs.nodes.map((node) => [node.path, node] as const));
  }

  /** The repository tree API, one level, 100 entries a page, at most MAX_DIRECTORY_ENTRIES. */
  async listDirectory(repo: string, ref: string, dir: string): Promise<DirectoryEntry[]> {
    const path = dir.replace(/^\.?\/+|\/+$/g, '');
    let tree: Array<{ type: string; path: string }>;
    try {
      tree = await this.call(`GET repository tree ${path || '/'}`, list(treeEntrySchema), () =>
        this.api.Repositories.allRepositoryTrees(repo, { ref, perPage: PER_PAGE, maxPages: MAX_DIRECTORY_ENTRIES / PER_PAGE, ...(path ? { path } : {}) } as Parameters<GitlabApi['Repositories']['allRepositoryTrees']>[1]),
      );
    } catch (error) {
      if (error instanceof GitLabApiError && error.status === 404) return [];
      throw error;
    }
    const entries: DirectoryEntry[] = [];
    for (const entry of tree) {
      if (entry.type === 'blob') entries.push({ path: entry.path, type: 'file' });
      else if (entry.type === 'tree') entries.push({ path: entry.path, type: 'dir' });
      if (entries.length >= MAX_DIRECTORY_ENTRIES) break;
    }
    return entries;
  }

  async getHeadSha(cr: ChangeRequestRef): Promise<string> {
    const mr = await this.getMergeRequest(cr.repo, cr.number);
    return mr.sha ?? mr.diff_refs?.head_sha ?? '';
  }

  async listBotComments(cr: ChangeRequestRef): Promise<ExistingComment[]> {
    const [me, discussions] = await Promise.all([
      this.currentUser(),
      this.call(`GET merge request !${cr.number} discussions`, list(discussionSchema), () =>
        this.api.MergeRequestDiscussions.all(cr.repo, cr.number, { perPage: PER_PAGE }),
      ),
    ]);
    const found: ExistingComment[] = [];
    for (const discussion of discussions) {
      const first = discussion.notes[0];
      if (!first || first.author.id !== me.id || first.body.includes(SUMMARY_MARKER)) continue;
      const fingerprint = this.markers.read(cr.repo, first.body);
      if (!fingerprint) continue;
      found.push({
        id: String(first.id),
        threadId: discussion.id,
        fingerprint,
        path: first.position?.new_path ?? undefined,
        line: first.position?.new_line ?? undefined,
        body: first.body,
        resolved: first.resolved ?? false,
      });
    }
    return found;
  }

  /** The position GitLab needs for one comment; see position.ts for why unchanged lines carry both numbers. */
  private positionFor(cr: ChangeRequestRef, comment: InlineComment, diffs: GitLabDiff[]) {
    const diff = diffs.find((d) => d.new_path === comment.path);
    const oldLine =
      comment.oldLine ??
      (() => {
        const side = locateNewLine(diff?.diff ?? undefined, comment.line, diff?.new_file ?? false);
        return side.kind === 'unchanged' ? side.oldLine : undefined;
      })();
    return {
      positionType: 'text' as const,
      baseSha: cr.baseSha,
      startSha: cr.startSha ?? cr.baseSha,
      headSha: cr.headSha,
      oldPath: diff?.old_path ?? comment.path,
      newPath: comment.path,
      newLine: String(comment.line),
      ...(oldLine !== undefined ? { oldLine: String(oldLine) } : {}),
    };
  }

  async publishReview(cr: ChangeRequestRef, review: ReviewToPublish): Promise<PublishResult> {
    if (review.comments.length === 0) return { posted: [], rejected: [] };
    const diffs = await this.diffs(cr);
    // GitLab takes one discussion per request and documents no spacing between writes, so DISCUSSION_CONCURRENCY go
    // at once. The result lists them in the review's order whatever order the answers come in. A discussion the
    // position or the rate limit refused is one rejected comment (the pipeline moves it to the summary); the rate
    // limit is waited out as GitLab asks (call()), within REVIEW_RATE_LIMIT_WAIT_MS for the whole review. The first
    // failure that is not about one comment stops new posts, lets those in flight finish, and fails the job.
    const outcomes = new Array<{ posted: true } | { posted: false; reason: string } | undefined>(review.comments.length);
    const policy: RateLimitPolicy = { deadline: this.gate.clock() + REVIEW_RATE_LIMIT_WAIT_MS };
    let next = 0;
    let fatal: { error: unknown } | undefined;
    const worker = async (): Promise<void> => {
      while (!fatal && next < review.comments.length) {
        const index = next++;
        const comment = review.comments[index]!;
        const position = this.positionFor(cr, comment, diffs);
        try {
          await this.call(
            `POST diff discussion on ${comment.path}:${comment.line}`,
            WRITTEN,
            () => this.api.MergeRequestDiscussions.create(cr.repo, cr.number, comment.body, { position }),
            policy,
          );
          outcomes[index] = { posted: true };
        } catch (error) {
          // 400 is GitLab's answer to a position it cannot place ("line_code can't be blank"); the pipeline moves the
          // finding to the summary. Anything else (auth, outage) is not about this comment and fails the job.
          if (error instanceof GitLabApiError && (error.status === 400 || error.status === 422)) {
            outcomes[index] = { posted: false, reason: error.message };
            this.logger?.warn({ path: comment.path, line: comment.line, status: error.status }, 'GitLab refused a diff position');
            continue;
          }
          if (error instanceof GitLabApiError && error.rateLimited) {
            outcomes[index] = { posted: false, reason: error.message };
            continue;
          }
          fatal ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DISCUSSION_CONCURRENCY, review.comments.length) }, worker));
    if (fatal) throw fatal.error;
    const result: PublishResult = { posted: [], rejected: [] };
    review.comments.forEach((comment, i) => {
      const outcome = outcomes[i];
      if (outcome?.posted) result.posted.push(comment);
      else if (outcome) result.rejected.push({ comment, reason: outcome.reason });
    });
    return result;
  }

  async markFixed(cr: ChangeRequestRef, comment: ExistingComment, body: string): Promise<void> {
    // A resolved discussion was already marked (or closed by a person): replying again would repeat ourselves.
    if (!comment.threadId || comment.resolved) return;
    const threadId = comment.threadId;
    await this.call('POST discussion reply', WRITTEN, () =>
      this.api.MergeRequestDiscussions.addNote(cr.repo, cr.number, threadId, body),
    );
    await this.call('PUT resolve discussion', WRITTEN, () =>
      (this.api.MergeRequestDiscussions as unknown as {
        resolve(project: string, iid: number, discussion: string, resolved: boolean): Promise<unknown>;
      }).resolve(cr.repo, cr.number, threadId, true),
    );
  }

  /**
   * The summary note and the commit status come after the review's discussions. Their write is tried once here: a
   * rate-limit refusal throws a GitLabApiError marked `rateLimited` with GitLab's advice, and the review retries it
   * within the job's deadline (src/review/rate-limited-write.ts), then gives it up with one log line.
   */
  async upsertSummary(cr: ChangeRequestRef, body: string): Promise<void> {
    await this.writeSummary(cr, body);
  }

  private async writeSummary(cr: ChangeRequestRef, body: string): Promise<void> {
    const text = body.includes(SUMMARY_MARKER) ? body : `${SUMMARY_MARKER}\n${body}`;
    const [me, notes] = await Promise.all([
      this.currentUser(),
      this.call(`GET merge request !${cr.number} notes`, list(noteSchema), () =>
        this.api.MergeRequestNotes.all(cr.repo, cr.number, { perPage: PER_PAGE, sort: 'asc', orderBy: 'created_at' }),
      ),
    ]);
    const existing = notes.find((n) => n.author.id === me.id && !n.system && n.body.includes(SUMMARY_MARKER));
    if (existing) {
      if (existing.body === text) return;
      await this.call('PUT summary note', WRITTEN, () => this.api.MergeRequestNotes.edit(cr.repo, cr.number, existing.id, { body: text }), ONE_ATTEMPT);
      return;
    }
    await this.call('POST summary note', WRITTEN, () => this.api.MergeRequestNotes.create(cr.repo, cr.number, text), ONE_ATTEMPT);
  }

  async reportStatus(cr: ChangeRequestRef, status: StatusReport): Promise<void> {
    // GitLab has no neutral state: a neutral conclusion passes, and its description says what was found.
    const state = status.conclusion === 'failure' ? 'failed' : 'success';
    const description = status.title.length > MAX_STATUS_DESCRIPTION ? `${status.title.slice(0, MAX_STATUS_DESCRIPTION - 1)}…` : status.title;
    const targetUrl = status.detailsUrl ?? cr.url;
    await this.call('POST commit status', WRITTEN, () =>
      this.api.Commits.editStatus(cr.repo, cr.headSha, state, {
        name: status.name,
        description,
        ...(targetUrl ? { targetUrl } : {}),
      }),
      ONE_ATTEMPT,
    );
  }

  async reply(cr: ChangeRequestRef, origin: CommandOrigin, body: string): Promise<void> {
    if (origin.threadId) {
      const threadId = origin.threadId;
      await this.call('POST discussion reply', WRITTEN, () =>
        this.api.MergeRequestDiscussions.addNote(cr.repo, cr.number, threadId, body),
      );
      return;
    }
    await this.call('POST merge request note', WRITTEN, () => this.api.MergeRequestNotes.create(cr.repo, cr.number, body));
  }

  async react(cr: ChangeRequestRef, origin: CommandOrigin, reaction: Reaction): Promise<void> {
    try {
      await this.call('POST award emoji', WRITTEN, () =>
        this.api.MergeRequestNoteAwardEmojis.award(cr.repo, cr.number, Number(origin.commentId), EMOJI[reaction]),
      );
    } catch (error) {
      // An acknowledgement is a courtesy: an emoji already awarded (or a deleted note) must not stop the command.
      if (error instanceof GitLabApiError && error.status >= 400 && error.status < 500) {
        this.logger?.debug({ status: error.status }, 'award emoji refused');
        return;
      }
      throw error;
    }
  }

  async canRunCommands(repo: string, user: string): Promise<boolean> {
    let userId: number;
    if (/^\d+$/.test(user)) {
      userId = Number(user);
    } else {
      const users = await this.call('GET users', list(userSchema), () => this.api.Users.all({ username: user }));
      const match = users.find((u) => u.username.toLowerCase() === user.toLowerCase());
      if (!match) return false;
      userId = match.id;
    }
    try {
      // `members/all` includes members inherited from parent groups, as GitLab's own permission checks do.
      const member = await this.call('GET project member', memberSchema, () =>
        this.api.ProjectMembers.show(repo, userId, { includeInherited: true }),
      );
      return member.access_level >= DEVELOPER_ACCESS;
    } catch (error) {
      if (error instanceof GitLabApiError && error.status === 404) return false;
      throw error;
    }
  }

  private toIssueRef(issue: GitLabIssue): IssueRef {
    return {
      number: issue.iid,
      title: issue.title,
      body: issue.description ?? '',
      state: issue.state === 'closed' ? 'closed' : 'open',
      url: issue.web_url,
    };
  }

  async findIssues(repo: string, titlePrefix: string): Promise<IssueRef[]> {
    const issues = await this.call('GET issues', list(issueSchema), () =>
      this.api.Issues.all({ projectId: repo, search: titlePrefix, in: 'title', perPage: PER_PAGE } as Parameters<GitlabApi['Issues']['all']>[0]),
    );
    return issues.filter((i) => i.title.startsWith(titlePrefix)).map((i) => this.toIssueRef(i));
  }

  async createIssue(repo: string, title: string, body: string, labels: string[]): Promise<IssueRef> {
    const issue = await this.call('POST issue', issueSchema, () =>
      this.api.Issues.create(repo, title, { description: body, ...(labels.length ? { labels: labels.join(',') } : {}) }),
    );
    return this.toIssueRef(issue);
  }

  async updateIssue(repo: string, number: number, patch: { title?: string; body?: string; state?: 'open' | 'closed' }): Promise<void> {
    const options: { title?: string; description?: string; stateEvent?: 'close' | 'reopen' } = {};
    if (patch.title !== undefined) options.title = patch.title;
    if (patch.body !== undefined) options.description = patch.body;
    if (patch.state) options.stateEvent = patch.state === 'closed' ? 'close' : 'reopen';
    await this.call(`PUT issue #${number}`, WRITTEN, () => this.api.Issues.edit(repo, number, options));
  }

  async commentOnIssue(repo: string, number: number, body: string): Promise<void> {
    await this.call(`POST issue #${number} note`, WRITTEN, () => this.api.IssueNotes.create(repo, number, body));
  }

  async getDefaultBranch(repo: string): Promise<{ name: string; sha: string }> {
    const project = await this.call('GET project', projectSchema, () => this.api.Projects.show(repo));
    this.rememberProjectUrl(repo, project.web_url);
    if (!project.default_branch) throw new GitLabApiError('GET project', 0, 'the project has no default branch (empty repository)');
    const name = project.default_branch;
    const branch = await this.call(`GET branch ${name}`, branchSchema, () => this.api.Branches.show(repo, name));
    return { name, sha: branch.commit.id };
  }

  async downloadArchive(repo: string, ref: string): Promise<Buffer | AsyncIterable<Uint8Array>> {
    try {
      const body: unknown = await this.api.Repositories.showArchive(repo, { sha: ref, fileType: 'tar.gz', asStream: true });
      // The stream goes to the archive reader as it is: it caps the bytes while they arrive.
      if (body instanceof ReadableStream) return body as unknown as AsyncIterable<Uint8Array>;
      return await streamToBuffer(body);
    } catch (error) {
      throw this.wrap('GET archive', error);
    }
  }

  permalink(repo: string, sha: string, path: string, startLine: number, endLine?: number): string {
    const base = this.projectUrls.get(repo) ?? (/^\d+$/.test(repo) ? `${this.url}/projects/${repo}` : `${this.url}/${repo}`);
    const encodedPath = path.split('/').map(encodeURIComponent).join('/');
    const lines = endLine !== undefined && endLine !== startLine ? `L${startLine}-${endLine}` : `L${startLine}`;
    return `${base}/-/blob/${sha}/${encodedPath}#${lines}`;
  }
}
