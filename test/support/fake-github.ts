// A local stand-in for the GitHub REST API (and the GraphQL calls the adapter makes: threads, blob batches) on 127.0.0.1. It keeps
// state like GitHub does (review comments, issue comments, check runs, issues), enforces the rules that make
// GitHub answer 422 (a comment line outside the diff, a stale commit_id), and records every request.
// Self-contained (node builtins only) so bench/github-latency.js can transpile and load it without the test setup.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { makeTarGz } from './tar.js';

export interface FakeUser {
  login: string;
  type: 'User' | 'Bot';
}

export interface FakePullFile {
  filename: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  patch?: string;
  previous_filename?: string;
  changes?: number;
}

export interface FakePull {
  number: number;
  draft: boolean;
  state: 'open' | 'closed';
  head: { sha: string; ref: string };
  base: { sha: string; ref: string };
  files: FakePullFile[];
  user: FakeUser;
}

export interface FakeReviewComment {
  id: number;
  node_id: string;
  pull_number: number;
  path: string;
  line: number;
  start_line?: number;
  side: string;
  commit_id: string;
  body: string;
  user: FakeUser;
  in_reply_to_id?: number;
  author_association: string;
}

export interface FakeIssueComment {
  id: number;
  issue_number: number;
  body: string;
  user: FakeUser;
  author_association: string;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output: { title?: string; summary?: string; annotations: Record<string, unknown>[] };
  updates: number;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
}

export interface RecordedRequest {
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  method: string;
  path: string;
  body: unknown;
  authorization?: string;
}

export interface FakeGitHubOptions {
  owner?: string;
  repo?: string;
  /** Login the fake gives comments written with an installation token. */
  botLogin?: string;
  /** Added to every response, to make latency measurements look like a network. */
  latencyMs?: number;
}

const PREFIXES = ['/api/v3', ''];

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ratelimit-remaining': '4999', ...headers });
  res.end(JSON.stringify(body));
}

/** New-side lines GitHub accepts review comments on: added and context lines inside the hunks. */
export function diffLines(patch: string | undefined): Set<number> {
  const lines = new Set<number>();
  if (!patch) return lines;
  let next = 0;
  for (const line of patch.split('\n')) {
    const header = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (header) {
      next = Number(header[1]);
      continue;
    }
    if (line.startsWith('-') || line.startsWith('\\')) continue;
    lines.add(next);
    next += 1;
  }
  return lines;
}

export class FakeGitHub {
  readonly owner: string;
  readonly repo: string;
  readonly botUser: FakeUser;
  url = '';
  pulls = new Map<number, FakePull>();
  /** `${ref}:${path}` -> bytes */
  contents = new Map<string, Buffer>();
  reviewComments: FakeReviewComment[] = [];
  reviews: { id: number; pull_number: number; body: string; event: string; commit_id: string; comments: unknown[] }[] = [];
  issueComments: FakeIssueComment[] = [];
  checkRuns: FakeCheckRun[] = [];
  reactions: { subject: 'issue-comment' | 'review-comment'; id: number; content: string }[] = [];
  issues: FakeIssue[] = [];
  permissions = new Map<string, string>();
  resolvedThreads = new Set<number>();
  refused = new Set<string>();
  /** Tokens that may read but not write, like the GITHUB_TOKEN of a workflow run for a pull request from a fork. */
  readOnlyTokens = new Set<string>();
  requests: RecordedRequest[] = [];
  /** Raw items added to the first page of list responses whose path matches (tests of tolerant reading). */
  oddItems: Array<{ path: RegExp; item: unknown }> = [];
  private routing = '';
  defaultBranch = 'main';
  branchSha = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
  archive: Buffer = gzipSync(Buffer.from('fake tarball'));
  tokensIssued = 0;
  /** Answers injected by failNext, consumed in order. */
  private injected: Array<{ method: string; path: RegExp; status: number; body: unknown; times: number; headers?: Record<string, string> }> = [];
  private nextId = 1000;
  private server: Server | null = null;
  private latencyMs: number;

  constructor(options: FakeGitHubOptions = {}) {
    this.owner = options.owner ?? 'acme';
    this.repo = options.repo ?? 'shop';
    this.botUser = { login: options.botLogin ?? 'coze-loop[bot]', type: 'Bot' };
    this.latencyMs = options.latencyMs ?? 0;
  }

  get fullName(): string {
    return `${this.owner}/${this.repo}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((error: unknown) => json(res, 500, { message: String(error) }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  /** `host:port` for GHE_HOST. */
  get host(): string {
    return this.url.replace(/^http:\/\//, '');
  }

  addPull(pull: Partial<FakePull> & { number: number }): FakePull {
    const full: FakePull = {
      draft: false,
      state: 'open',
      head: { sha: 'a'.repeat(40), ref: 'feature' },
      base: { sha: 'b'.repeat(40), ref: this.defaultBranch },
      files: [],
      user: { login: 'octocat', type: 'User' },
      ...pull,
    };
    this.pulls.set(full.number, full);
    return full;
  }

  setContent(ref: string, path: string, content: string | Buffer): void {
    this.contents.set(`${ref}:${path}`, Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'));
  }

  addHumanReviewComment(pullNumber: number, path: string, line: number, body: string, login = 'octocat', association = 'OWNER'): FakeReviewComment {
    const comment: FakeReviewComment = { id: this.nextId++, node_id: `RC_${this.nextId}`, pull_number: pullNumber, path, line, side: 'RIGHT', commit_id: this.pulls.get(pullNumber)?.head.sha ?? '', body, user: { login, type: 'User' }, author_association: association };
    this.reviewComments.push(comment);
    return comment;
  }

  addHumanIssueComment(issueNumber: number, body: string, login = 'octocat', association = 'OWNER'): FakeIssueComment {
    const comment: FakeIssueComment = { id: this.nextId++, issue_number: issueNumber, body, user: { login, type: 'User' }, author_association: association };
    this.issueComments.push(comment);
    return comment;
  }

  /** Answer the next `times` matching requests (path without the API prefix) with this status, body and headers. */
  failNext(method: string, path: RegExp, status: number, body: unknown = { message: `${status} error` }, times = 1, headers?: Record<string, string>): void {
    this.injected.push({ method, path, status, body, times, headers });
  }

  /** Requests that write (anything but GET), the ones a test counts to prove nothing was posted. */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET' && !r.path.includes('/access_tokens') && r.path !== '/graphql');
  }

  private async readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  private paginate(res: ServerResponse, items: unknown[], query: URLSearchParams): void {
    const perPage = Number(query.get('per_page') ?? 30);
    const page = Number(query.get('page') ?? 1);
    const odd = page === 1 ? this.oddItems.filter((o) => o.path.test(this.routing)).map((o) => o.item) : [];
    json(res, 200, [...items.slice((page - 1) * perPage, page * perPage), ...odd]);
  }

  /** Adds `item` as it is to the first page of every list response on a path matching `path`. */
  addOddItem(path: RegExp, item: unknown): void {
    this.oddItems.push({ path, item });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let path = url.pathname;
    for (const prefix of PREFIXES) if (prefix && path.startsWith(prefix + '/')) path = path.slice(prefix.length);
    if (path === '/api/graphql') path = '/graphql';
    const method = req.method ?? 'GET';
    const body = method === 'GET' ? undefined : await this.readJson(req);
    const recorded: RecordedRequest = { at: Date.now(), method, path: path + url.search, body };
    if (req.headers.authorization) recorded.authorization = req.headers.authorization;
    this.requests.push(recorded);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (!req.headers.authorization && !path.startsWith('/_codeload/')) return json(res, 401, { message: 'Requires authentication' });
    const injected = this.injected.find((i) => i.times > 0 && i.method === method && i.path.test(path));
    if (injected) {
      injected.times -= 1;
      res.writeHead(injected.status, { 'content-type': 'application/json', ...injected.headers }).end(JSON.stringify(injected.body));
      return;
    }
    const token = req.headers.authorization?.replace(/^(token|bearer)\s+/i, '');
    if (method !== 'GET' && token !== undefined && this.readOnlyTokens.has(token)) return json(res, 403, { message: 'Resource not accessible by integration' });
    const route = this.route(method, path, url.searchParams, body as Record<string, unknown> | undefined, res);
    if (!route) json(res, 404, { message: 'Not Found', path });
  }

  private route(method: string, path: string, query: URLSearchParams, body: Record<string, unknown> | undefined, res: ServerResponse): boolean {
    let m: RegExpExecArray | null;
    this.routing = path;
    if (method === 'POST' && (m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path))) {
      this.tokensIssued += 1;
      json(res, 201, { token: `ghs_fake${m[1]}_${this.tokensIssued}`, expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: {}, repository_selection: 'all' });
      return true;
    }
    if (method === 'POST' && path === '/graphql') return this.graphql(body ?? {}, res);
    if ((m = /^\/_codeload\/(.+)$/.exec(path))) {
      // The files set at that ref as a tarball (GitHub's shape: one top-level folder), else the fixed `archive`.
      const ref = decodeURIComponent(m[1]!.split('/tar.gz/')[1] ?? '');
      const atRef = [...this.contents].filter(([key]) => key.startsWith(`${ref}:`)).map(([key, content]) => [key.slice(ref.length + 1), content] as const);
      const body = ref && atRef.length > 0 ? makeTarGz(Object.fromEntries(atRef), `${this.owner}-${this.repo}-${ref.slice(0, 7)}`) : this.archive;
      res.writeHead(200, { 'content-type': 'application/x-gzip' }).end(body);
      return true;
    }
    const prefix = `/repos/${this.owner}/${this.repo}`;
    if (!path.startsWith(prefix)) return false;
    const rest = path.slice(prefix.length);
    const pullOf = (n: string): FakePull | undefined => this.pulls.get(Number(n));

    if (method === 'GET' && rest === '') {
      json(res, 200, { id: 1, full_name: this.fullName, default_branch: this.defaultBranch });
      return true;
    }
    if (method === 'GET' && (m = /^\/branches\/(.+)$/.exec(rest))) {
      json(res, 200, { name: decodeURIComponent(m[1]!), commit: { sha: this.branchSha } });
      return true;
    }
    if (method === 'GET' && (m = /^\/pulls\/(\d+)$/.exec(rest))) {
      const pull = pullOf(m[1]!);
      if (!pull) return false;
      json(res, 200, { number: pull.number, state: pull.state, draft: pull.draft, head: pull.head, base: pull.base, user: pull.user, html_url: `${this.url}/${this.fullName}/pull/${pull.number}` });
      return true;
    }
    if (method === 'GET' && (m = /^\/pulls\/(\d+)\/files$/.exec(rest))) {
      const pull = pullOf(m[1]!);
      if (!pull) return false;
      this.paginate(res, pull.files.map((f) => ({ sha: 'f'.repeat(40), additions: 1, deletions: 0, changes: f.changes ?? (f.patch ? 1 : 0), ...f })), query);
      return true;
    }
    if (method === 'GET' && (m = /^\/contents(?:\/(.*))?$/.exec(rest))) {
      const filePath = (m[1] ?? '').replace(/\/+$/, '').split('/').map(decodeURIComponent).join('/');
      const ref = query.get('ref') ?? this.defaultBranch;
      const content = this.contents.get(`${ref}:${filePath}`);
      if (!content) {
        // A directory: its entries one level down, as the contents API lists them (JSON, whatever the Accept).
        const prefix = filePath ? `${ref}:${filePath}/` : `${ref}:`;
        const entries = new Map<string, { type: 'file' | 'dir'; name: string; path: string; size: number; sha: string }>();
        for (const [key, bytes] of this.contents) {
          if (!key.startsWith(prefix)) continue;
          const [name, ...deeper] = key.slice(prefix.length).split('/');
          const path = filePath ? `${filePath}/${name}` : name!;
          entries.set(path, deeper.length > 0 ? { type: 'dir', name: name!, path, size: 0, sha: 'd'.repeat(40) } : { type: 'file', name: name!, path, size: bytes.length, sha: 'f'.repeat(40) });
        }
        if (entries.size === 0) return json(res, 404, { message: 'Not Found' }), true;
        return json(res, 200, [...entries.values()].sort((a, b) => a.path.localeCompare(b.path))), true;
      }
      res.writeHead(200, { 'content-type': 'application/vnd.github.raw' }).end(content);
      return true;
    }
    if (method === 'GET' && (m = /^\/pulls\/(\d+)\/comments$/.exec(rest))) {
      this.paginate(res, this.reviewComments.filter((c) => c.pull_number === Number(m![1])), query);
      return true;
    }
    if (method === 'POST' && (m = /^\/pulls\/(\d+)\/reviews$/.exec(rest))) return this.createReview(Number(m[1]), body ?? {}, res);
    if (method === 'POST' && (m = /^\/pulls\/(\d+)\/comments\/(\d+)\/replies$/.exec(rest))) {
      const parent = this.reviewComments.find((c) => c.id === Number(m![2]));
      if (!parent) return json(res, 404, { message: 'Not Found' }), true;
      if (parent.in_reply_to_id !== undefined) return json(res, 422, { message: 'Validation Failed', errors: ['in_reply_to_id must be a top-level comment'] }), true;
      const reply: FakeReviewComment = { ...parent, id: this.nextId++, node_id: `RC_${this.nextId}`, body: String(body?.body ?? ''), user: this.botUser, in_reply_to_id: parent.id, author_association: 'NONE' };
      this.reviewComments.push(reply);
      json(res, 201, reply);
      return true;
    }
    if (method === 'PATCH' && (m = /^\/pulls\/comments\/(\d+)$/.exec(rest))) {
      const comment = this.reviewComments.find((c) => c.id === Number(m![1]));
      if (!comment) return json(res, 404, { message: 'Not Found' }), true;
      comment.body = String(body?.body ?? '');
      json(res, 200, comment);
      return true;
    }
    if (method === 'GET' && (m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      this.paginate(res, this.issueComments.filter((c) => c.issue_number === Number(m![1])), query);
      return true;
    }
    if (method === 'POST' && (m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const comment: FakeIssueComment = { id: this.nextId++, issue_number: Number(m[1]), body: String(body?.body ?? ''), user: this.botUser, author_association: 'NONE' };
      this.issueComments.push(comment);
      json(res, 201, comment);
      return true;
    }
    if (method === 'PATCH' && (m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const comment = this.issueComments.find((c) => c.id === Number(m![1]));
      if (!comment) return json(res, 404, { message: 'Not Found' }), true;
      comment.body = String(body?.body ?? '');
      json(res, 200, comment);
      return true;
    }
    if (method === 'POST' && (m = /^\/(issues|pulls)\/comments\/(\d+)\/reactions$/.exec(rest))) {
      this.reactions.push({ subject: m[1] === 'issues' ? 'issue-comment' : 'review-comment', id: Number(m[2]), content: String(body?.content) });
      json(res, 201, { id: this.nextId++, content: body?.content });
      return true;
    }
    if (method === 'GET' && (m = /^\/collaborators\/([^/]+)\/permission$/.exec(rest))) {
      const permission = this.permissions.get(decodeURIComponent(m[1]!)) ?? 'read';
      json(res, 200, { permission: permission === 'maintain' ? 'write' : permission, role_name: permission, user: { login: m[1] } });
      return true;
    }
    if (method === 'POST' && rest === '/check-runs') {
      const run: FakeCheckRun = { id: this.nextId++, name: String(body?.name), head_sha: String(body?.head_sha), status: String(body?.status ?? 'queued'), conclusion: (body?.conclusion as string) ?? null, output: { annotations: [] }, updates: 0 };
      this.applyOutput(run, body);
      this.checkRuns.push(run);
      json(res, 201, run);
      return true;
    }
    if (method === 'PATCH' && (m = /^\/check-runs\/(\d+)$/.exec(rest))) {
      const run = this.checkRuns.find((r) => r.id === Number(m![1]));
      if (!run) return json(res, 404, { message: 'Not Found' }), true;
      if (body?.status) run.status = String(body.status);
      if (body?.conclusion) run.conclusion = String(body.conclusion);
      run.updates += 1;
      this.applyOutput(run, body);
      json(res, 200, run);
      return true;
    }
    if (method === 'GET' && (m = /^\/commits\/([^/]+)\/check-runs$/.exec(rest))) {
      const runs = this.checkRuns.filter((r) => r.head_sha === m![1] && (!query.get('check_name') || r.name === query.get('check_name')));
      json(res, 200, { total_count: runs.length, check_runs: runs });
      return true;
    }
    if (method === 'GET' && rest === '/issues') {
      const labels = query.get('labels')?.split(',').filter(Boolean) ?? [];
      const state = query.get('state') ?? 'open';
      const list = this.issues
        .filter((i) => (state === 'all' || i.state === state) && labels.every((l) => i.labels.includes(l)))
        .sort((a, b) => b.number - a.number)
        .map((i) => ({ ...i, labels: i.labels.map((name) => ({ name })), html_url: `${this.url}/${this.fullName}/issues/${i.number}` }));
      this.paginate(res, list, query);
      return true;
    }
    if (method === 'POST' && rest === '/issues') {
      const issue: FakeIssue = { number: this.issues.length + 100, title: String(body?.title), body: String(body?.body ?? ''), state: 'open', labels: (body?.labels as string[]) ?? [] };
      this.issues.push(issue);
      json(res, 201, { ...issue, labels: issue.labels.map((name) => ({ name })), html_url: `${this.url}/${this.fullName}/issues/${issue.number}` });
      return true;
    }
    if (method === 'PATCH' && (m = /^\/issues\/(\d+)$/.exec(rest))) {
      const issue = this.issues.find((i) => i.number === Number(m![1]));
      if (!issue) return json(res, 404, { message: 'Not Found' }), true;
      if (typeof body?.title === 'string') issue.title = body.title;
      if (typeof body?.body === 'string') issue.body = body.body;
      if (body?.state === 'open' || body?.state === 'closed') issue.state = body.state;
      json(res, 200, { ...issue, labels: issue.labels.map((name) => ({ name })) });
      return true;
    }
    if (method === 'GET' && (m = /^\/tarball\/(.+)$/.exec(rest))) {
      res.writeHead(302, { location: `${this.url}/_codeload/${this.fullName}/tar.gz/${m[1]}` }).end();
      return true;
    }
    return false;
  }

  private applyOutput(run: FakeCheckRun, body: Record<string, unknown> | undefined): void {
    const output = body?.output as { title?: string; summary?: string; annotations?: Record<string, unknown>[] } | undefined;
    if (!output) return;
    if (output.title !== undefined) run.output.title = output.title;
    if (output.summary !== undefined) run.output.summary = output.summary;
    if (output.annotations) {
      if (output.annotations.length > 50) throw new Error('more than 50 annotations in one request');
      run.output.annotations.push(...output.annotations);
    }
  }

  private createReview(pullNumber: number, body: Record<string, unknown>, res: ServerResponse): boolean {
    const pull = this.pulls.get(pullNumber);
    if (!pull) return false;
    if (body.commit_id !== pull.head.sha) return json(res, 422, { message: 'Unprocessable Entity', errors: ['commit_id is not the head of the pull request'] }), true;
    const comments = (body.comments as Record<string, unknown>[] | undefined) ?? [];
    for (const comment of comments) {
      const file = pull.files.find((f) => f.filename === comment.path);
      const lines = diffLines(file?.patch);
      const line = Number(comment.line);
      const start = comment.start_line === undefined ? line : Number(comment.start_line);
      const refused = this.refused.has(`${comment.path}:${line}`);
      if (!file || refused || !lines.has(line) || !lines.has(start) || comment.side !== 'RIGHT') {
        return json(res, 422, { message: 'Unprocessable Entity', errors: ['Pull request review thread line must be part of the diff'] }), true;
      }
    }
    const review = { id: this.nextId++, pull_number: pullNumber, body: String(body.body ?? ''), event: String(body.event), commit_id: String(body.commit_id), comments };
    this.reviews.push(review);
    for (const comment of comments) {
      const stored: FakeReviewComment = {
        id: this.nextId++,
        node_id: `RC_${this.nextId}`,
        pull_number: pullNumber,
        path: String(comment.path),
        line: Number(comment.line),
        side: 'RIGHT',
        commit_id: review.commit_id,
        body: String(comment.body),
        user: this.botUser,
        author_association: 'NONE',
      };
      if (comment.start_line !== undefined) stored.start_line = Number(comment.start_line);
      this.reviewComments.push(stored);
    }
    json(res, 200, { id: review.id, body: review.body, state: 'COMMENTED', commit_id: review.commit_id });
    return true;
  }

  private graphql(body: Record<string, unknown>, res: ServerResponse): boolean {
    const query = String(body.query ?? '');
    const variables = (body.variables ?? {}) as Record<string, unknown>;
    if (query.includes('resolveReviewThread')) {
      const id = Number(String(variables.threadId).replace('THREAD_', ''));
      this.resolvedThreads.add(id);
      json(res, 200, { data: { resolveReviewThread: { thread: { id: variables.threadId } } } });
      return true;
    }
    if (query.includes('object(expression:')) {
      // Aliased blob lookups, `fN: object(expression: $eN) { ... on Blob { text byteSize isBinary isTruncated } }`
      // with $eN = "ref:path": null for a missing path; text null for a binary blob, as GitHub answers.
      const repository: Record<string, unknown> = {};
      for (const match of query.matchAll(/(\w+): object\(expression: \$(\w+)\)/g)) {
        const expression = String(variables[match[2]!] ?? '');
        const colon = expression.indexOf(':');
        const content = this.contents.get(`${expression.slice(0, colon)}:${expression.slice(colon + 1)}`);
        const binary = content !== undefined && content.includes(0);
        repository[match[1]!] = content === undefined ? null : { text: binary ? null : content.toString('utf8'), byteSize: content.length, isBinary: binary, isTruncated: false };
      }
      json(res, 200, { data: { repository } });
      return true;
    }
    if (query.includes('reviewThreads')) {
      const roots = this.reviewComments.filter((c) => c.pull_number === Number(variables.number) && c.in_reply_to_id === undefined);
      json(res, 200, {
        data: {
          repository: {
            pullRequest: {
              reviewThreads: {
                nodes: roots.map((c) => ({ id: `THREAD_${c.id}`, isResolved: this.resolvedThreads.has(c.id), comments: { nodes: [{ databaseId: c.id }] } })),
                pageInfo: { hasNextPage: false, endCursor: null },
              },
            },
          },
        },
      });
      return true;
    }
    json(res, 200, { errors: [{ message: 'unsupported query' }] });
    return true;
  }
}
