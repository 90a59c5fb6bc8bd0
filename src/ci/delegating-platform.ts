// Base for the CI wrappers around a real adapter: every call goes to the adapter unless a subclass takes it over,
// so posting, comments and statuses stay the service's code, not a second implementation.
import type {
  ChangeRequestRef,
  ChangedFile,
  CommandOrigin,
  ExistingComment,
  IssueRef,
  Platform,
  PublishResult,
  Reaction,
  ReviewToPublish,
  StatusReport,
} from '../platforms/platform.js';
import type { SuggestionSyntax } from '../report/markdown.js';
import { changedFilesFromGit, resolveCommit, showFile } from '../diff/local-git.js';

export class DelegatingPlatform implements Platform {
  readonly name: Platform['name'];

  readonly suggestions: Platform['suggestions'];

  constructor(protected readonly inner: Platform) {
    this.name = inner.name;
    this.suggestions = inner.suggestions;
  }

  listChangedFiles(cr: ChangeRequestRef): Promise<ChangedFile[]> {
    return this.inner.listChangedFiles(cr);
  }
  getFileContent(repo: string, path: string, ref: string): Promise<Buffer | null> {
    return this.inner.getFileContent(repo, path, ref);
  }
  getHeadSha(cr: ChangeRequestRef): Promise<string> {
    return this.inner.getHeadSha(cr);
  }
  listBotComments(cr: ChangeRequestRef): Promise<ExistingComment[]> {
    return this.inner.listBotComments(cr);
  }
  publishReview(cr: ChangeRequestRef, review: ReviewToPublish): Promise<PublishResult> {
    return this.inner.publishReview(cr, review);
  }
  markFixed(cr: ChangeRequestRef, comment: ExistingComment, body: string): Promise<void> {
    return this.inner.markFixed(cr, comment, body);
  }
  upsertSummary(cr: ChangeRequestRef, body: string): Promise<void> {
    return this.inner.upsertSummary(cr, body);
  }
  reportStatus(cr: ChangeRequestRef, status: StatusReport): Promise<void> {
    return this.inner.reportStatus(cr, status);
  }
  reply(cr: ChangeRequestRef, origin: CommandOrigin, body: string): Promise<void> {
    return this.inner.reply(cr, origin, body);
  }
  react(cr: ChangeRequestRef, origin: CommandOrigin, reaction: Reaction): Promise<void> {
    return this.inner.react(cr, origin, reaction);
  }
  canRunCommands(repo: string, user: string): Promise<boolean> {
    return this.inner.canRunCommands(repo, user);
  }
  findIssues(repo: string, titlePrefix: string): Promise<IssueRef[]> {
    return this.inner.findIssues(repo, titlePrefix);
  }
  createIssue(repo: string, title: string, body: string, labels: string[]): Promise<IssueRef> {
    return this.inner.createIssue(repo, title, body, labels);
  }
  updateIssue(repo: string, number: number, patch: { title?: string; body?: string; state?: 'open' | 'closed' }): Promise<void> {
    return this.inner.updateIssue(repo, number, patch);
  }
  commentOnIssue(repo: string, number: number, body: string): Promise<void> {
    return this.inner.commentOnIssue(repo, number, body);
  }
  getDefaultBranch(repo: string): Promise<{ name: string; sha: string }> {
    return this.inner.getDefaultBranch(repo);
  }
  downloadArchive(repo: string, ref: string): Promise<Buffer | AsyncIterable<Uint8Array>> {
    return this.inner.downloadArchive(repo, ref);
  }
  permalink(repo: string, sha: string, path: string, startLine: number, endLine?: number): string {
    return this.inner.permalink(repo, sha, path, startLine, endLine);
  }
}

/**
 * The host for an offline dry run: no comments exist and nothing can be asked of it. Only the reads the review
 * pipeline makes are answered; the changed files come from the local-git wrapper and every write is captured first.
 */
export class OfflinePlatform implements Platform {
  /** The host it stands in for, with its suggestion syntax, so an offline dry run prints what the host would post. */
  constructor(
    readonly name: Platform['name'],
    readonly suggestions?: SuggestionSyntax,
  ) {}

  private unavailable(): never {
    throw new Error('coze-loop: no code host in an offline dry run');
  }
  async listChangedFiles(): Promise<ChangedFile[]> {
    return this.unavailable();
  }
  async getFileContent(): Promise<Buffer | null> {
    return this.unavailable();
  }
  async getHeadSha(): Promise<string> {
    return this.unavailable();
  }
  async listBotComments(): Promise<ExistingComment[]> {
    return [];
  }
  async publishReview(): Promise<PublishResult> {
    return this.unavailable();
  }
  async markFixed(): Promise<void> {
    return this.unavailable();
  }
  async upsertSummary(): Promise<void> {
    return this.unavailable();
  }
  async reportStatus(): Promise<void> {
    return this.unavailable();
  }
  async reply(): Promise<void> {
    return this.unavailable();
  }
  async react(): Promise<void> {
    return this.unavailable();
  }
  async canRunCommands(): Promise<boolean> {
    return false;
  }
  async findIssues(): Promise<IssueRef[]> {
    return [];
  }
  async createIssue(): Promise<IssueRef> {
    return this.unavailable();
  }
  async updateIssue(): Promise<void> {
    return this.unavailable();
  }
  async commentOnIssue(): Promise<void> {
    return this.unavailable();
  }
  async getDefaultBranch(): Promise<{ name: string; sha: string }> {
    return this.unavailable();
  }
  async downloadArchive(): Promise<Buffer> {
    return this.unavailable();
  }
  /** A path relative to the checkout: there is no web page to link to. */
  permalink(_repo: string, _sha: string, path: string, startLine: number, endLine?: number): string {
    return `${path}#L${startLine}${endLine !== undefined && endLine !== startLine ? `-L${endLine}` : ''}`;
  }
}

export interface LocalGitOptions {
  /** Repository root of the checkout. */
  root: string;
  /** Commit the change is compared against. */
  base: string;
  /** Commit whose content is reviewed (the pull request head when the clone has it, else the checkout's HEAD). */
  head: string;
}

/**
 * `--base SHA`: the changed files and their content come from the checkout the CI job already has (src/diff/local-git.ts,
 * the same change source as the CLI's `--diff`), not from the API: no per-file requests, and it works where the API's
 * diff is truncated. Everything else (comments, summary, status) goes to the real adapter.
 */
export class LocalGitPlatform extends DelegatingPlatform {
  constructor(
    inner: Platform,
    private readonly options: LocalGitOptions,
  ) {
    super(inner);
  }

  override async listChangedFiles(_cr: ChangeRequestRef): Promise<ChangedFile[]> {
    return changedFilesFromGit(this.options.root, this.options.base, this.options.head);
  }

  /** The host's SHA may name a commit this clone lacks (a merge ref checkout); the reviewed head stands in for it. */
  override async getFileContent(_repo: string, path: string, ref: string): Promise<Buffer | null> {
    const commit = (await resolveCommit(this.options.root, ref)) ?? this.options.head;
    return showFile(this.options.root, commit, path);
  }
}
