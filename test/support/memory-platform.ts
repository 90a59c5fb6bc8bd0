// An in-memory code host implementing Platform, for pipeline and command tests: it keeps what a real host
// would (review comments, the summary, statuses, replies) and can refuse chosen comments like a 422.
import {
  FINGERPRINT_PATTERN,
  SUMMARY_MARKER,
  type ChangeRequestRef,
  type ChangedFile,
  type CommandOrigin,
  type ExistingComment,
  type IssueRef,
  type Platform,
  type PublishResult,
  type Reaction,
  type ReviewToPublish,
  type StatusReport,
} from '../../src/platforms/platform.js';
import { githubSuggestions } from '../../src/platforms/github/markdown.js';
import { gitlabSuggestions } from '../../src/platforms/gitlab/markdown.js';
import type { SuggestionSyntax } from '../../src/report/markdown.js';

export interface StoredComment {
  id: number;
  path: string;
  line: number;
  startLine?: number;
  body: string;
  fingerprint?: string;
  replies: string[];
  resolved: boolean;
}

export class MemoryPlatform implements Platform {
  readonly name: 'github' | 'gitlab' | 'local';
  /** The suggestion syntax of the host it imitates. */
  readonly suggestions?: SuggestionSyntax;
  files: ChangedFile[] = [];
  /** `${ref}:${path}` -> content */
  contents = new Map<string, string | Buffer>();
  headSha = 'head0000000000000000000000000000000000aa';
  comments: StoredComment[] = [];
  reviews: ReviewToPublish[] = [];
  summaries: string[] = [];
  summaryWrites = 0;
  statuses: StatusReport[] = [];
  replies: { origin: CommandOrigin; body: string }[] = [];
  reactions: { origin: CommandOrigin; reaction: Reaction }[] = [];
  writers = new Set<string>(['maintainer']);
  issues: (IssueRef & { labels: string[] })[] = [];
  /** `path:line` the host refuses (like GitHub's 422 "line must be part of the diff"). */
  refuse = new Set<string>();
  private nextId = 1;

  constructor(name: 'github' | 'gitlab' | 'local' = 'github') {
    this.name = name;
    if (name !== 'local') this.suggestions = name === 'github' ? githubSuggestions : gitlabSuggestions;
  }

  setFile(path: string, content: string, patch: string | undefined, status: ChangedFile['status'] = 'modified'): void {
    this.files = this.files.filter((f) => f.path !== path);
    const file: ChangedFile = { path, status };
    if (patch !== undefined) file.patch = patch;
    this.files.push(file);
    this.contents.set(`${this.headSha}:${path}`, content);
  }

  cr(): ChangeRequestRef {
    return { platform: this.name, repo: 'acme/shop', number: 7, baseSha: 'base000000000000000000000000000000000000', headSha: this.headSha, baseRef: 'main' };
  }

  get summary(): string | undefined {
    return this.summaries[0];
  }

  async listChangedFiles(): Promise<ChangedFile[]> {
    return this.files.map((f) => ({ ...f }));
  }

  async getFileContent(_repo: string, path: string, ref: string): Promise<Buffer | null> {
    const content = this.contents.get(`${ref}:${path}`);
    if (content === undefined) return null;
    return Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  }

  async getHeadSha(): Promise<string> {
    return this.headSha;
  }

  async listBotComments(): Promise<ExistingComment[]> {
    return this.comments
      .filter((c) => c.fingerprint !== undefined)
      .map((c) => ({ id: String(c.id), threadId: String(c.id), fingerprint: c.fingerprint!, path: c.path, line: c.line, body: c.body, resolved: c.resolved }));
  }

  async publishReview(_cr: ChangeRequestRef, review: ReviewToPublish): Promise<PublishResult> {
    const result: PublishResult = { posted: [], rejected: [] };
    for (const comment of review.comments) {
      if (this.refuse.has(`${comment.path}:${comment.line}`)) {
        result.rejected.push({ comment, reason: 'Line could not be resolved' });
        continue;
      }
      result.posted.push(comment);
    }
    if (result.posted.length > 0) {
      this.reviews.push({ body: review.body, comments: result.posted });
      for (const c of result.posted) {
        const stored: StoredComment = { id: this.nextId++, path: c.path, line: c.line, body: c.body, replies: [], resolved: false };
        if (c.startLine !== undefined) stored.startLine = c.startLine;
        const fp = FINGERPRINT_PATTERN.exec(c.body)?.[1];
        if (fp) stored.fingerprint = fp;
        this.comments.push(stored);
      }
    }
    return result;
  }

  async markFixed(_cr: ChangeRequestRef, comment: ExistingComment, body: string): Promise<void> {
    const stored = this.comments.find((c) => String(c.id) === comment.id);
    if (!stored) throw new Error(`no comment ${comment.id}`);
    stored.replies.push(body);
    stored.resolved = true;
  }

  async upsertSummary(_cr: ChangeRequestRef, body: string): Promise<void> {
    if (!body.includes(SUMMARY_MARKER)) throw new Error('summary without marker');
    this.summaryWrites += 1;
    if (this.summaries.length === 0) this.summaries.push(body);
    else this.summaries[0] = body;
  }

  async reportStatus(_cr: ChangeRequestRef, status: StatusReport): Promise<void> {
    this.statuses.push(status);
  }

  async reply(_cr: ChangeRequestRef, origin: CommandOrigin, body: string): Promise<void> {
    this.replies.push({ origin, body });
  }

  async react(_cr: ChangeRequestRef, origin: CommandOrigin, reaction: Reaction): Promise<void> {
    this.reactions.push({ origin, reaction });
  }

  async canRunCommands(_repo: string, user: string): Promise<boolean> {
    return this.writers.has(user);
  }

  async findIssues(_repo: string, titlePrefix: string): Promise<IssueRef[]> {
    return this.issues.filter((i) => i.title.startsWith(titlePrefix)).map(({ labels: _labels, ...issue }) => issue);
  }

  async createIssue(_repo: string, title: string, body: string, labels: string[]): Promise<IssueRef> {
    const issue = { number: this.issues.length + 1, title, body, state: 'open' as const, labels };
    this.issues.push(issue);
    return { number: issue.number, title, body, state: 'open' };
  }

  async updateIssue(_repo: string, number: number, patch: { title?: string; body?: string; state?: 'open' | 'closed' }): Promise<void> {
    const issue = this.issues.find((i) => i.number === number);
    if (!issue) throw new Error(`no issue ${number}`);
    Object.assign(issue, patch);
  }

  async commentOnIssue(): Promise<void> {}

  async getDefaultBranch(): Promise<{ name: string; sha: string }> {
    return { name: 'main', sha: 'main000000000000000000000000000000000000' };
  }

  async downloadArchive(): Promise<Buffer> {
    return Buffer.alloc(0);
  }

  permalink(repo: string, sha: string, path: string, startLine: number, endLine?: number): string {
    return `https://example.test/${repo}/blob/${sha}/${path}#L${startLine}${endLine && endLine !== startLine ? `-L${endLine}` : ''}`;
  }
}
