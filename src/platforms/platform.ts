// One interface for every code host. The review pipeline (src/review) talks only to this; github/, gitlab/ and
// local/ implement it, and test/platforms/contract.ts runs the same suite against each.

import type { HostName } from '../core/types.js';

export type { HostName };

/** A pull request (GitHub) or merge request (GitLab). */
export interface ChangeRequestRef {
  platform: HostName | 'local';
  /** `owner/name` on GitHub; numeric id or `group/project` path on GitLab. */
  repo: string;
  /** PR number / MR iid. */
  number: number;
  baseSha: string;
  headSha: string;
  /** GitLab's `diff_refs.start_sha`; equals baseSha elsewhere. */
  startSha?: string;
  /** Default / target branch name, for reading config. */
  baseRef?: string;
  headRef?: string;
  author?: string;
  draft?: boolean;
  /** https URL of the PR/MR, for links. */
  url?: string;
}

export interface ChangedFile {
  path: string;
  /** Previous path for renames. */
  oldPath?: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  /** Unified diff hunks for this file (`@@ -a,b +c,d @@` ...); undefined when the host omitted it (too large, binary). */
  patch?: string;
  binary?: boolean;
}

/** A comment the bot posted earlier, recognised by its hidden fingerprint marker. */
export interface ExistingComment {
  id: string;
  /** Review thread / discussion id, to reply in or resolve. */
  threadId?: string;
  fingerprint: string;
  path?: string;
  line?: number;
  body: string;
  resolved?: boolean;
}

export interface InlineComment {
  path: string;
  /** Anchor on the new side of the diff. */
  line: number;
  /** For multi-line comments/suggestions: first line of the range (inclusive). */
  startLine?: number;
  /** Line on the old side, for unchanged (context) lines (GitLab needs both). */
  oldLine?: number;
  body: string;
  fingerprint: string;
}

export interface ReviewToPublish {
  /** Review body (GitHub); GitLab has none and puts it in the summary note. */
  body: string;
  comments: InlineComment[];
}

export interface PublishResult {
  posted: InlineComment[];
  /** Comments the host refused (422 / 400), with the host's reason; the pipeline moves them to the summary. */
  rejected: { comment: InlineComment; reason: string }[];
}

export type StatusConclusion = 'success' | 'neutral' | 'failure';

export interface StatusReport {
  /** Check run / commit status name: `coze-loop`. */
  name: string;
  conclusion: StatusConclusion;
  title: string;
  summary: string;
  /** Line annotations (check runs only; GitLab ignores them). */
  annotations?: { path: string; startLine: number; endLine: number; level: 'notice' | 'warning' | 'failure'; title: string; message: string }[];
  detailsUrl?: string;
}

export interface IssueRef {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  url?: string;
}

export type Reaction = 'eyes' | '+1' | 'rocket' | 'confused';

/** Where a slash command was typed. */
export interface CommandOrigin {
  /** The comment / note id the command is in. */
  commentId: string;
  /** Review thread / discussion to reply in; absent for a conversation comment. */
  threadId?: string;
  path?: string;
  line?: number;
}

/** One entry of listDirectory. */
export interface DirectoryEntry {
  /** Repository-relative path (`pkg/db.go`). */
  path: string;
  type: 'file' | 'dir';
  /** Bytes, where the host says it without another request (GitHub). */
  size?: number;
}

/** Entries one listDirectory call returns at most (GitHub's contents API stops at 1,000). */
export const MAX_DIRECTORY_ENTRIES = 1_000;

/** How a getFileContents call read a large change from the head commit's archive (src/platforms/archive-read.ts). */
export interface ArchiveReadReport {
  /** Files taken from the archive. */
  fromArchive: number;
  /** Files read the batched way after it (not in the archive, over a cap, or all of them when it was not read). */
  batched: number;
  /** The archive cap that stopped the read (`entries cap of 100000`, `3 file(s) over 5242880 bytes`). */
  limit?: string;
  /** The download failed; every file was read in batches. */
  failed?: boolean;
  /** The archive was not tried because of a host limit (GitLab's archive downloads per minute), and which. */
  skipped?: string;
}

export interface FileContentsOptions {
  /** Called once when the call took (or would have taken, but for a host limit) the archive path. */
  onArchiveRead?(report: ArchiveReadReport): void;
}

export interface Platform {
  readonly name: HostName | 'local';

  /** Changed files with their patches, all pages. */
  listChangedFiles(cr: ChangeRequestRef): Promise<ChangedFile[]>;
  /** File text at a ref (commit SHA or branch); null when the file does not exist there. */
  getFileContent(repo: string, path: string, ref: string): Promise<Buffer | null>;
  /**
   * Several files at one ref in as few requests as the host allows (GitHub: GraphQL batches); the same answers as
   * getFileContent per path. Optional: without it the review fetches file by file.
   */
  getFileContents?(repo: string, paths: string[], ref: string, options?: FileContentsOptions): Promise<Map<string, Buffer | null>>;
  /**
   * The entries of one directory at a ref (not recursive): files and sub-directories, repository-relative paths;
   * `dir` '' is the root. Empty when the directory does not exist there. Optional (the review uses it for the
   * same-package files of a changed Go file); every registered host implements it (test/platforms/contract).
   */
  listDirectory?(repo: string, ref: string, dir: string): Promise<DirectoryEntry[]>;
  /** Current head SHA of the PR/MR (to skip stale jobs). */
  getHeadSha(cr: ChangeRequestRef): Promise<string>;

  /** Inline comments the bot posted earlier on this PR/MR (fingerprinted). */
  listBotComments(cr: ChangeRequestRef): Promise<ExistingComment[]>;
  /** One review per push: all inline comments together where the host allows it. */
  publishReview(cr: ChangeRequestRef, review: ReviewToPublish): Promise<PublishResult>;
  /** Mark an earlier finding as fixed: reply + resolve where the host supports it. */
  markFixed(cr: ChangeRequestRef, comment: ExistingComment, body: string): Promise<void>;
  /** Create or edit in place the single summary comment/note (found by its hidden marker). */
  upsertSummary(cr: ChangeRequestRef, body: string): Promise<void>;
  /** Check run (GitHub, created already completed) or commit status (GitLab) on the head SHA. */
  reportStatus(cr: ChangeRequestRef, status: StatusReport): Promise<void>;

  /** Reply to a slash command: in its thread when it has one, else a new conversation comment. */
  reply(cr: ChangeRequestRef, origin: CommandOrigin, body: string): Promise<void>;
  react(cr: ChangeRequestRef, origin: CommandOrigin, reaction: Reaction): Promise<void>;
  /** Whether a user may run commands (write access / Developer+). */
  canRunCommands(repo: string, user: string): Promise<boolean>;

  /** Weekly report support. */
  findIssues(repo: string, titlePrefix: string): Promise<IssueRef[]>;
  createIssue(repo: string, title: string, body: string, labels: string[]): Promise<IssueRef>;
  updateIssue(repo: string, number: number, patch: { title?: string; body?: string; state?: 'open' | 'closed' }): Promise<void>;
  commentOnIssue(repo: string, number: number, body: string): Promise<void>;
  /** Default branch name and its head SHA. */
  getDefaultBranch(repo: string): Promise<{ name: string; sha: string }>;
  /**
   * The repository at a ref as one archive (tar.gz), to scan every file without per-file API calls. A stream where
   * the client allows it: the reader caps it as it arrives (src/summary/archive.ts), so it is never held whole.
   */
  downloadArchive(repo: string, ref: string): Promise<Buffer | AsyncIterable<Uint8Array>>;
  /** Permalink to a line range at a commit. */
  permalink(repo: string, sha: string, path: string, startLine: number, endLine?: number): string;
  /** The host's syntax for a suggested change (its Markdown flavour); absent: fixes are plain code blocks. */
  readonly suggestions?: SuggestionSyntax;
  /** How this platform writes and reads fingerprint markers (signed when the service has a key); unsigned when absent. */
  readonly markers?: FingerprintMarkers;
  /** The API writes this host really makes per operation, for `limits.max_api_writes`; DEFAULT_WRITE_COSTS when absent. */
  readonly writeCosts?: WriteCosts;
}

/** API writes (requests that create or change something) per operation, as the review's write budget counts them. */
export interface WriteCosts {
  /** publishReview with this many comments: one review on GitHub, one discussion per comment on GitLab. */
  review(comments: number): number;
  /** markFixed on one earlier comment (reply, edit, resolve: what the host needs). */
  readonly markFixed: number;
  /** reportStatus with this many annotations (GitHub sends them 50 per request). */
  status(annotations: number): number;
}

/** One write per operation and per 50 annotations: the budget of a host that says nothing about its writes. */
export const DEFAULT_WRITE_COSTS: WriteCosts = {
  review: () => 1,
  markFixed: 1,
  status: (annotations) => Math.max(1, Math.ceil(annotations / 50)),
};

/**
 * A host's refusal for its rate limit, as every adapter throws it: `rateLimited: true` and the wait the host asked
 * for (Retry-After, a reset time, or the host's documented default), so the review can try the write again.
 */
export interface RateLimitAdvice {
  /** How long the host asks to wait before the next attempt; undefined: it gave no advice. */
  retryAfterMs?: number;
  status?: number;
}

/** The rate-limit advice an adapter's error carries; undefined when the error is not a rate-limit refusal. */
export function rateLimitOf(error: unknown): RateLimitAdvice | undefined {
  if (!error || typeof error !== 'object' || (error as { rateLimited?: unknown }).rateLimited !== true) return undefined;
  const { retryAfterMs, status } = error as { retryAfterMs?: unknown; status?: unknown };
  return {
    ...(typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0 ? { retryAfterMs } : {}),
    ...(typeof status === 'number' ? { status } : {}),
  };
}

import type { FingerprintMarkers } from './markers.js';
import type { SuggestionSyntax } from '../report/markdown.js';

/** Hidden markers, shared by every platform so a bot finds its own comments. */
/** File reads in flight when a batch read cannot answer a file (binary, too large, not UTF-8, batch API unavailable). */
export const FILE_READS_IN_FLIGHT = 8;

/** Reads `paths` one request each, FILE_READS_IN_FLIGHT at a time, into `out`: the fallback of a batched getFileContents. */
export async function readFilesOneByOne(paths: string[], read: (path: string) => Promise<Buffer | null>, out: Map<string, Buffer | null>): Promise<void> {
  for (let i = 0; i < paths.length; i += FILE_READS_IN_FLIGHT) {
    const group = paths.slice(i, i + FILE_READS_IN_FLIGHT);
    const contents = await Promise.all(group.map(read));
    group.forEach((path, j) => out.set(path, contents[j]!));
  }
}

export const FINGERPRINT_MARKER = (fingerprint: string): string => `<!-- coze-loop:fp:${fingerprint} -->`;
export const SUMMARY_MARKER = '<!-- coze-loop:summary -->';
/** Finds a marker anywhere, signed or not: for tests and tools. Platforms read markers with FingerprintMarkers.read. */
export const FINGERPRINT_PATTERN = /<!-- coze-loop:fp:([a-z0-9]+)(?::[0-9a-f]{32})? -->/;
