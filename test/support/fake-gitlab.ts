// A small GitLab stand-in on 127.0.0.1 for the contract and end-to-end tests: the /api/v4 endpoints coze-loop uses,
// in-memory state, every request recorded with its body parsed (JSON, or multipart form fields as gitbeaker sends a
// discussion with a position). It is strict where GitLab is: a position that is not on a diff line gets GitLab's 400.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parsePatch } from '../../src/diff/index.js';
import type { FakeHost, FakeHostFile } from '../platforms/contract/suite.js';
import { makeTarGz } from './tar.js';

export interface FakeUser {
  id: number;
  username: string;
}

export interface FakeDiff {
  old_path: string;
  new_path: string;
  new_file?: boolean;
  renamed_file?: boolean;
  deleted_file?: boolean;
  diff: string;
  too_large?: boolean;
}

export interface FakeNote {
  id: number;
  type: 'DiffNote' | 'DiscussionNote' | null;
  body: string;
  author: FakeUser;
  system: boolean;
  resolvable: boolean;
  resolved: boolean;
  position?: Record<string, unknown>;
  created_at: string;
}

export interface FakeDiscussion {
  id: string;
  individual_note: boolean;
  notes: FakeNote[];
}

export interface FakeMergeRequest {
  projectId: number;
  iid: number;
  state: 'opened' | 'closed' | 'merged';
  draft: boolean;
  sourceBranch: string;
  targetBranch: string;
  baseSha: string;
  startSha: string;
  headSha: string;
  author: FakeUser;
  diffs: FakeDiff[];
  discussions: FakeDiscussion[];
}

export interface FakeStatus {
  projectId: number;
  sha: string;
  state: string;
  name: string;
  description?: string;
  target_url?: string;
}

export interface FakeIssue {
  iid: number;
  title: string;
  description: string;
  state: 'opened' | 'closed';
  labels: string[];
  notes: string[];
}

export interface RecordedRequest {
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  method: string;
  /** Path under /api/v4, decoded query excluded. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** True when the body came as multipart/form-data. */
  multipart: boolean;
}

interface FakeProject {
  id: number;
  path: string;
  defaultBranch: string;
  branches: Map<string, string>;
  /** ref (SHA or branch) -> path -> content */
  files: Map<string, Map<string, Buffer>>;
  members: Map<number, number>;
  issues: FakeIssue[];
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

const LINE_CODE_ERROR = { message: '400 Bad request - Note {:line_code=>["can\'t be blank", "must be a valid line code"]}' };

export class FakeGitLab {
  readonly token: string;
  readonly bot: FakeUser;
  readonly requests: RecordedRequest[] = [];
  readonly statuses: FakeStatus[] = [];
  readonly awards: { noteId: number; name: string; user: number }[] = [];
  readonly users = new Map<number, FakeUser>();
  private readonly projects = new Map<number, FakeProject>();
  private readonly mergeRequests = new Map<string, FakeMergeRequest>();
  private readonly injected: { method: string; path: RegExp; status: number; body: unknown; times: number; headers?: Record<string, string> }[] = [];
  /** `path:line` positions GitLab refuses, to exercise the 400 fallback. */
  private readonly refused = new Set<string>();
  /** Raw items added to the first page of list responses whose path matches (tests of tolerant reading). */
  private readonly oddItems: Array<{ path: RegExp; item: unknown }> = [];
  private server?: Server;
  private nextId = 1000;
  /** False: `/api/graphql` answers 404, as on an instance without GraphQL. */
  graphqlEnabled = true;
  /** Every answer waits this long first (a slower instance), so that overlapping requests can be seen. */
  delayMs = 0;
  /** The most requests the fake was answering at once. */
  maxInFlight = 0;
  private inFlight = 0;
  /** Base URL of the instance (the API is under /api/v4). */
  url = '';

  constructor(options: { token: string; bot?: FakeUser }) {
    this.token = options.token;
    this.bot = options.bot ?? { id: 99, username: 'coze-loop-bot' };
    this.users.set(this.bot.id, this.bot);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  // ---- set-up helpers ----

  addUser(user: FakeUser): void {
    this.users.set(user.id, user);
  }

  addProject(project: { id: number; path: string; defaultBranch?: string; branchSha?: string }): void {
    const defaultBranch = project.defaultBranch ?? 'main';
    this.projects.set(project.id, {
      id: project.id,
      path: project.path,
      defaultBranch,
      branches: new Map(project.branchSha ? [[defaultBranch, project.branchSha]] : []),
      files: new Map(),
      members: new Map(),
      issues: [],
    });
  }

  setMember(projectId: number, userId: number, accessLevel: number): void {
    this.project(projectId).members.set(userId, accessLevel);
  }

  setBranch(projectId: number, name: string, sha: string): void {
    this.project(projectId).branches.set(name, sha);
  }

  /** Files at a ref (a SHA or a branch name). */
  setFiles(projectId: number, ref: string, files: Record<string, string | Buffer>): void {
    const project = this.project(projectId);
    const map = project.files.get(ref) ?? new Map<string, Buffer>();
    for (const [path, content] of Object.entries(files)) map.set(path, Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'));
    project.files.set(ref, map);
  }

  addMergeRequest(mr: Omit<FakeMergeRequest, 'discussions' | 'state' | 'draft' | 'startSha'> & Partial<Pick<FakeMergeRequest, 'state' | 'draft' | 'startSha'>>): FakeMergeRequest {
    const full: FakeMergeRequest = { state: 'opened', draft: false, startSha: mr.baseSha, discussions: [], ...mr };
    this.mergeRequests.set(`${mr.projectId}!${mr.iid}`, full);
    return full;
  }

  /**
   * Project 42 (`acme/shop`) with merge request !5 by `dana` from `feature` into `main`: each of `added` a new file
   * in the diff, and `files` at the head commit (the added files and any others the test needs there).
   */
  addShopMergeRequest(opts: { baseSha: string; headSha: string; added: Array<{ path: string; diff: string }>; files: Record<string, string> }): FakeMergeRequest {
    this.addProject({ id: 42, path: 'acme/shop', branchSha: opts.baseSha });
    const mr = this.addMergeRequest({
      projectId: 42,
      iid: 5,
      sourceBranch: 'feature',
      targetBranch: 'main',
      baseSha: opts.baseSha,
      headSha: opts.headSha,
      author: { id: 7, username: 'dana' },
      diffs: opts.added.map((f) => ({ old_path: f.path, new_path: f.path, new_file: true, deleted_file: false, renamed_file: false, diff: f.diff })),
    });
    this.setFiles(42, opts.headSha, opts.files);
    return mr;
  }

  mergeRequest(projectId: number, iid: number): FakeMergeRequest {
    const mr = this.mergeRequests.get(`${projectId}!${iid}`);
    if (!mr) throw new Error(`fake GitLab: no merge request ${projectId}!${iid}`);
    return mr;
  }

  issues(projectId: number): FakeIssue[] {
    return this.project(projectId).issues;
  }

  /** Answer the next `times` matching requests with this status and body (after recording them), and these headers. */
  failNext(method: string, path: RegExp, status: number, body: unknown = { message: `${status} error` }, times = 1, headers?: Record<string, string>): void {
    this.injected.push({ method, path, status, body, times, headers });
  }

  /** GitLab will answer 400 to a diff position on this line. */
  /** Adds `item` as it is to the first page of every list response on a path matching `path`. */
  addOddItem(path: RegExp, item: unknown): void {
    this.oddItems.push({ path, item });
  }

  refuseLine(path: string, line: number): void {
    this.refused.add(`${path}:${line}`);
  }

  /** A note from someone else, as a GitLab user would type it; returns the note id. */
  addNote(projectId: number, iid: number, author: FakeUser, body: string, options: { discussionId?: string; position?: Record<string, unknown> } = {}): { noteId: number; discussionId: string } {
    const mr = this.mergeRequest(projectId, iid);
    const note = this.makeNote(author, body, options.position ? 'DiffNote' : null, options.position);
    if (options.discussionId) {
      const discussion = mr.discussions.find((d) => d.id === options.discussionId);
      if (!discussion) throw new Error(`fake GitLab: no discussion ${options.discussionId}`);
      note.type = 'DiffNote';
      discussion.notes.push(note);
      return { noteId: note.id, discussionId: discussion.id };
    }
    const discussion: FakeDiscussion = { id: this.discussionId(), individual_note: !options.position, notes: [note] };
    mr.discussions.push(discussion);
    return { noteId: note.id, discussionId: discussion.id };
  }

  /** Every note on the merge request, in creation order. */
  notes(projectId: number, iid: number): FakeNote[] {
    return this.mergeRequest(projectId, iid)
      .discussions.flatMap((d) => d.notes)
      .sort((a, b) => a.id - b.id);
  }

  /** Requests that changed something (everything but GET). */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  // ---- internals ----

  private project(id: number | string): FakeProject {
    const byId = typeof id === 'number' || /^\d+$/.test(id) ? this.projects.get(Number(id)) : undefined;
    const project = byId ?? [...this.projects.values()].find((p) => p.path === id);
    if (!project) throw new HttpError(404, { message: '404 Project Not Found' });
    return project;
  }

  private discussionId(): string {
    return (this.nextId++).toString(16).padStart(40, 'd');
  }

  private makeNote(author: FakeUser, body: string, type: FakeNote['type'], position?: Record<string, unknown>): FakeNote {
    return {
      id: this.nextId++,
      type,
      body,
      author,
      system: false,
      resolvable: type === 'DiffNote',
      resolved: false,
      ...(position ? { position } : {}),
      created_at: new Date(Date.UTC(2026, 10, 23, 12, 0, this.nextId % 60)).toISOString(),
    };
  }

  private mrJson(mr: FakeMergeRequest): Record<string, unknown> {
    const project = this.project(mr.projectId);
    return {
      id: mr.iid + 1000,
      iid: mr.iid,
      project_id: mr.projectId,
      state: mr.state,
      draft: mr.draft,
      work_in_progress: mr.draft,
      sha: mr.headSha,
      source_branch: mr.sourceBranch,
      target_branch: mr.targetBranch,
      author: mr.author,
      web_url: `${this.url}/${project.path}/-/merge_requests/${mr.iid}`,
      diff_refs: { base_sha: mr.baseSha, start_sha: mr.startSha, head_sha: mr.headSha },
    };
  }

  private paginate(res: ServerResponse, path: string, query: Record<string, string>, items: unknown[]): void {
    const perPage = Math.min(Number(query.per_page ?? 20) || 20, 100);
    const page = Math.max(1, Number(query.page ?? 1) || 1);
    const odd = page === 1 ? this.oddItems.filter((o) => o.path.test(path)).map((o) => o.item) : [];
    const slice = [...items.slice((page - 1) * perPage, page * perPage), ...odd];
    const headers: Record<string, string> = { 'x-page': String(page), 'x-per-page': String(perPage), 'x-total': String(items.length) };
    if (page * perPage < items.length) {
      const next = new URLSearchParams({ ...query, page: String(page + 1), per_page: String(perPage) });
      headers.link = `<${this.url}/api/v4${path}?${next.toString()}>; rel="next"`;
      headers['x-next-page'] = String(page + 1);
    }
    this.json(res, 200, slice, headers);
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private async readBody(req: IncomingMessage): Promise<{ body: unknown; multipart: boolean }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    if (raw.length === 0) return { body: {}, multipart: false };
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
      const fields: Record<string, unknown> = {};
      for (const [key, value] of form.entries()) {
        const text = typeof value === 'string' ? value : '';
        const nested = /^(\w+)\[(\w+)\]$/.exec(key);
        if (nested) {
          const group = (fields[nested[1]!] ??= {}) as Record<string, string>;
          group[nested[2]!] = text;
        } else {
          fields[key] = text;
        }
      }
      return { body: fields, multipart: true };
    }
    if (type.includes('json')) return { body: JSON.parse(raw.toString('utf8')) as unknown, multipart: false };
    return { body: raw.toString('utf8'), multipart: false };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      await this.answer(req, res);
    } finally {
      this.inFlight -= 1;
    }
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    let recorded: RecordedRequest | undefined;
    const at = Date.now();
    try {
      if (url.pathname === '/api/graphql' && method === 'POST') return await this.graphql(req, res, at);
      if (!url.pathname.startsWith('/api/v4/')) throw new HttpError(404, { message: '404 Not Found' });
      const path = url.pathname.slice('/api/v4'.length);
      const query = Object.fromEntries(url.searchParams.entries());
      const { body, multipart } = await this.readBody(req);
      recorded = { at, method, path: decodeURIComponent(path), query, body, multipart };
      this.requests.push(recorded);
      if (req.headers['private-token'] !== this.token) throw new HttpError(401, { message: '401 Unauthorized' });
      const injected = this.injected.find((i) => i.method === method && i.path.test(path) && i.times > 0);
      if (injected) {
        injected.times -= 1;
        throw new HttpError(injected.status, injected.body, injected.headers);
      }
      await this.route(res, method, path, query, body as Record<string, unknown>);
    } catch (error) {
      if (error instanceof HttpError) this.json(res, error.status, error.body, error.headers);
      else this.json(res, 500, { message: `500 fake GitLab: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  /**
   * GitLab's GraphQL endpoint, for the one query the adapter sends: `project(fullPath:)` or `projects(ids:)`, then
   * `repository { blobs(ref:, paths:) { nodes { path rawTextBlob size } } }`. Recorded with path `/api/graphql`. As
   * GitLab does, a path with no blob at the ref is left out, a binary blob (a NUL byte) has a null rawTextBlob, and
   * `size` is the blob's byte size as a string (a BigInt); text that is not UTF-8 comes back decoded lossily, so its
   * UTF-8 length differs from `size`. `graphqlEnabled = false` answers 404, as an instance without GraphQL would.
   */
  private async graphql(req: IncomingMessage, res: ServerResponse, at: number): Promise<void> {
    const { body } = await this.readBody(req);
    this.requests.push({ at, method: 'POST', path: '/api/graphql', query: {}, body, multipart: false });
    if (req.headers.authorization !== `Bearer ${this.token}`) throw new HttpError(401, { message: '401 Unauthorized' });
    const injected = this.injected.find((i) => i.method === 'POST' && i.path.test('/api/graphql') && i.times > 0);
    if (injected) {
      injected.times -= 1;
      throw new HttpError(injected.status, injected.body);
    }
    if (!this.graphqlEnabled) throw new HttpError(404, { message: '404 Not Found' });
    const { query, variables } = body as { query?: unknown; variables?: Record<string, unknown> };
    if (typeof query !== 'string' || !/blobs\(ref: \$ref, paths: \$paths\)/.test(query) || !variables) {
      return this.json(res, 200, { errors: [{ message: 'fake GitLab answers only the blobs query' }] });
    }
    const ref = String(variables.ref);
    const paths = Array.isArray(variables.paths) ? variables.paths.map(String) : [];
    const repositoryOf = (id: string): Record<string, unknown> | null => {
      let project: FakeProject;
      try {
        project = this.project(id);
      } catch {
        return null;
      }
      const files = project.files.get(ref);
      const nodes = paths.flatMap((path) => {
        const content = files?.get(path);
        if (!content) return [];
        const text = content.includes(0) ? null : content.toString('utf8');
        return [{ path, rawTextBlob: text, size: String(content.length) }];
      });
      return { repository: { blobs: { nodes } } };
    };
    if (Array.isArray(variables.ids)) {
      const nodes = variables.ids.map((gid) => repositoryOf(String(gid).replace(/^gid:\/\/gitlab\/Project\//, ''))).filter((n) => n !== null);
      return this.json(res, 200, { data: { projects: { nodes } } });
    }
    return this.json(res, 200, { data: { project: repositoryOf(String(variables.path)) } });
  }

  private async route(res: ServerResponse, method: string, path: string, query: Record<string, string>, body: Record<string, unknown>): Promise<void> {
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/user') return this.json(res, 200, { ...this.bot, name: 'coze-loop', state: 'active', bot: true });
    if (method === 'GET' && path === '/users') {
      return this.json(res, 200, [...this.users.values()].filter((u) => u.username === query.username));
    }
    if ((m = /^\/projects\/([^/]+)$/.exec(path)) && method === 'GET') {
      const p = this.project(decodeURIComponent(m[1]!));
      return this.json(res, 200, { id: p.id, path_with_namespace: p.path, default_branch: p.defaultBranch, web_url: `${this.url}/${p.path}` });
    }
    if ((m = /^\/projects\/([^/]+)\/repository\/branches\/(.+)$/.exec(path)) && method === 'GET') {
      const p = this.project(decodeURIComponent(m[1]!));
      const sha = p.branches.get(decodeURIComponent(m[2]!));
      if (!sha) throw new HttpError(404, { message: '404 Branch Not Found' });
      return this.json(res, 200, { name: decodeURIComponent(m[2]!), commit: { id: sha } });
    }
    if ((m = /^\/projects\/([^/]+)\/repository\/files\/([^/]+)\/raw$/.exec(path)) && method === 'GET') {
      const p = this.project(decodeURIComponent(m[1]!));
      const content = p.files.get(query.ref ?? p.defaultBranch)?.get(decodeURIComponent(m[2]!));
      if (!content) throw new HttpError(404, { message: '404 File Not Found' });
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(content);
      return;
    }
    if ((m = /^\/projects\/([^/]+)\/repository\/tree$/.exec(path)) && method === 'GET') {
      // One level of the tree at a ref: `blob` files and `tree` directories, paginated as GitLab does.
      const p = this.project(decodeURIComponent(m[1]!));
      const files = p.files.get(query.ref ?? p.defaultBranch);
      const dir = (query.path ?? '').replace(/\/+$/, '');
      const prefix = dir ? `${dir}/` : '';
      const entries = new Map<string, { id: string; name: string; type: 'blob' | 'tree'; path: string; mode: string }>();
      for (const key of files?.keys() ?? []) {
        if (!key.startsWith(prefix)) continue;
        const [name, ...deeper] = key.slice(prefix.length).split('/');
        const entryPath = `${prefix}${name}`;
        entries.set(entryPath, { id: 'e'.repeat(40), name: name!, type: deeper.length > 0 ? 'tree' : 'blob', path: entryPath, mode: deeper.length > 0 ? '040000' : '100644' });
      }
      if (entries.size === 0) throw new HttpError(404, { message: '404 Tree Not Found' });
      return this.paginate(res, path, query, [...entries.values()].sort((a, b) => a.path.localeCompare(b.path)));
    }
    if ((m = /^\/projects\/([^/]+)\/repository\/archive\.tar\.gz$/.exec(path)) && method === 'GET') {
      const p = this.project(decodeURIComponent(m[1]!));
      const files = p.files.get(query.sha ?? p.defaultBranch);
      if (!files) throw new HttpError(404, { message: '404 Not Found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(makeTarGz(Object.fromEntries(files), `${p.path.split('/').pop()}-${query.sha ?? 'main'}`));
      return;
    }
    if ((m = /^\/projects\/([^/]+)\/members\/all\/(\d+)$/.exec(path)) && method === 'GET') {
      const p = this.project(decodeURIComponent(m[1]!));
      const level = p.members.get(Number(m[2]));
      if (level === undefined) throw new HttpError(404, { message: '404 Not found' });
      return this.json(res, 200, { id: Number(m[2]), username: this.users.get(Number(m[2]))?.username ?? 'user', access_level: level });
    }
    if ((m = /^\/projects\/([^/]+)\/statuses\/([0-9a-f]+)$/.exec(path)) && method === 'POST') {
      const p = this.project(decodeURIComponent(m[1]!));
      const state = String(body.state ?? '');
      if (!['pending', 'running', 'success', 'failed', 'canceled', 'skipped'].includes(state)) throw new HttpError(400, { message: 'state is invalid' });
      const status: FakeStatus = { projectId: p.id, sha: m[2]!, state, name: String(body.name ?? 'default') };
      if (body.description !== undefined) status.description = String(body.description);
      if (body.target_url !== undefined) status.target_url = String(body.target_url);
      this.statuses.push(status);
      return this.json(res, 201, { id: this.nextId++, ...status });
    }
    if ((m = /^\/projects\/([^/]+)\/issues$/.exec(path))) {
      const p = this.project(decodeURIComponent(m[1]!));
      if (method === 'GET') {
        const search = (query.search ?? '').toLowerCase();
        const found = p.issues.filter((i) => !search || i.title.toLowerCase().includes(search));
        return this.paginate(res, path, query, found.map((i) => this.issueJson(p, i)));
      }
      if (method === 'POST') {
        const issue: FakeIssue = {
          iid: p.issues.length + 1,
          title: String(body.title),
          description: String(body.description ?? ''),
          state: 'opened',
          labels: typeof body.labels === 'string' ? body.labels.split(',') : [],
          notes: [],
        };
        p.issues.push(issue);
        return this.json(res, 201, this.issueJson(p, issue));
      }
    }
    if ((m = /^\/projects\/([^/]+)\/issues\/(\d+)(\/notes)?$/.exec(path))) {
      const p = this.project(decodeURIComponent(m[1]!));
      const issue = p.issues.find((i) => i.iid === Number(m![2]));
      if (!issue) throw new HttpError(404, { message: '404 Issue Not Found' });
      if (m[3] && method === 'POST') {
        issue.notes.push(String(body.body));
        return this.json(res, 201, this.noteJson(this.makeNote(this.bot, String(body.body), null)));
      }
      if (!m[3] && method === 'PUT') {
        if (body.title !== undefined) issue.title = String(body.title);
        if (body.description !== undefined) issue.description = String(body.description);
        if (body.state_event === 'close') issue.state = 'closed';
        if (body.state_event === 'reopen') issue.state = 'opened';
        return this.json(res, 200, this.issueJson(p, issue));
      }
    }
    if ((m = /^\/projects\/([^/]+)\/merge_requests\/(\d+)(\/.*)?$/.exec(path))) {
      const p = this.project(decodeURIComponent(m[1]!));
      const mr = this.mergeRequests.get(`${p.id}!${m[2]}`);
      if (!mr) throw new HttpError(404, { message: '404 Not found' });
      return this.routeMergeRequest(res, method, path, m[3] ?? '', query, body, mr);
    }
    throw new HttpError(404, { message: `404 fake GitLab has no ${method} ${path}` });
  }

  private routeMergeRequest(res: ServerResponse, method: string, path: string, rest: string, query: Record<string, string>, body: Record<string, unknown>, mr: FakeMergeRequest): void {
    let m: RegExpExecArray | null;
    if (rest === '' && method === 'GET') return this.json(res, 200, this.mrJson(mr));
    if (rest === '/changes') throw new HttpError(410, { message: 'the fake serves only the /diffs API' });
    if (rest === '/diffs' && method === 'GET') {
      const diffs = mr.diffs.map((d) => ({
        a_mode: '100644',
        b_mode: '100644',
        new_file: false,
        renamed_file: false,
        deleted_file: false,
        generated_file: false,
        collapsed: false,
        too_large: false,
        ...d,
        diff: d.too_large ? '' : d.diff,
      }));
      return this.paginate(res, path, query, diffs);
    }
    if (rest === '/discussions' && method === 'GET') return this.paginate(res, path, query, mr.discussions.map((d) => this.discussionJson(d)));
    if (rest === '/discussions' && method === 'POST') {
      const position = body.position as Record<string, string> | undefined;
      let stored: Record<string, unknown> | undefined;
      if (position) stored = this.checkPosition(mr, position);
      const note = this.makeNote(this.bot, String(body.body ?? ''), stored ? 'DiffNote' : 'DiscussionNote', stored);
      const discussion: FakeDiscussion = { id: this.discussionId(), individual_note: false, notes: [note] };
      mr.discussions.push(discussion);
      return this.json(res, 201, this.discussionJson(discussion));
    }
    if ((m = /^\/discussions\/([0-9a-f]+)\/notes$/.exec(rest)) && method === 'POST') {
      const discussion = mr.discussions.find((d) => d.id === m![1]);
      if (!discussion) throw new HttpError(404, { message: '404 Discussion Not Found' });
      const note = this.makeNote(this.bot, String(body.body ?? ''), discussion.notes[0]?.type ?? 'DiscussionNote');
      discussion.notes.push(note);
      return this.json(res, 201, this.noteJson(note));
    }
    if ((m = /^\/discussions\/([0-9a-f]+)$/.exec(rest)) && method === 'PUT') {
      const discussion = mr.discussions.find((d) => d.id === m![1]);
      if (!discussion) throw new HttpError(404, { message: '404 Discussion Not Found' });
      const resolved = (query.resolved ?? String(body.resolved)) === 'true';
      for (const note of discussion.notes) if (note.resolvable) note.resolved = resolved;
      return this.json(res, 200, this.discussionJson(discussion));
    }
    if (rest === '/notes' && method === 'GET') {
      const notes = this.notes(mr.projectId, mr.iid);
      if (query.sort === 'desc') notes.reverse();
      return this.paginate(res, path, query, notes.map((n) => this.noteJson(n)));
    }
    if (rest === '/notes' && method === 'POST') {
      const note = this.makeNote(this.bot, String(body.body ?? ''), null);
      mr.discussions.push({ id: this.discussionId(), individual_note: true, notes: [note] });
      return this.json(res, 201, this.noteJson(note));
    }
    if ((m = /^\/notes\/(\d+)$/.exec(rest)) && method === 'PUT') {
      const note = this.notes(mr.projectId, mr.iid).find((n) => n.id === Number(m![1]));
      if (!note) throw new HttpError(404, { message: '404 Note Not Found' });
      if (note.author.id !== this.bot.id) throw new HttpError(403, { message: '403 Forbidden' });
      note.body = String(body.body ?? note.body);
      return this.json(res, 200, this.noteJson(note));
    }
    if ((m = /^\/notes\/(\d+)\/award_emoji$/.exec(rest)) && method === 'POST') {
      const noteId = Number(m[1]);
      if (!this.notes(mr.projectId, mr.iid).some((n) => n.id === noteId)) throw new HttpError(404, { message: '404 Note Not Found' });
      const name = String(body.name ?? '');
      if (this.awards.some((a) => a.noteId === noteId && a.name === name && a.user === this.bot.id)) {
        throw new HttpError(404, { message: '404 Award Emoji Name has already been taken' });
      }
      this.awards.push({ noteId, name, user: this.bot.id });
      return this.json(res, 201, { id: this.nextId++, name, user: this.bot, awardable_id: noteId, awardable_type: 'Note' });
    }
    throw new HttpError(404, { message: `404 fake GitLab has no ${method} ${path}` });
  }

  /** GitLab's rules for a text position: current diff refs, a file in the diff, and a line GitLab can code. */
  private checkPosition(mr: FakeMergeRequest, position: Record<string, string>): Record<string, unknown> {
    if (position.position_type !== 'text') throw new HttpError(400, { message: '400 Bad request - position_type is invalid' });
    if (position.base_sha !== mr.baseSha || position.head_sha !== mr.headSha || position.start_sha !== mr.startSha) {
      throw new HttpError(400, LINE_CODE_ERROR);
    }
    const diff = mr.diffs.find((d) => d.new_path === position.new_path);
    if (!diff || diff.old_path !== position.old_path) throw new HttpError(400, LINE_CODE_ERROR);
    const newLine = position.new_line ? Number(position.new_line) : undefined;
    const oldLine = position.old_line ? Number(position.old_line) : undefined;
    if (this.refused.has(`${position.new_path}:${newLine}`)) throw new HttpError(400, LINE_CODE_ERROR);
    const lines = parsePatch(diff.diff).flatMap((h) => h.lines);
    const match = lines.find((l) => l.newLine === newLine && (l.kind === 'add' ? oldLine === undefined : l.oldLine === oldLine));
    if (!match) throw new HttpError(400, LINE_CODE_ERROR);
    return {
      base_sha: mr.baseSha,
      start_sha: mr.startSha,
      head_sha: mr.headSha,
      position_type: 'text',
      old_path: position.old_path,
      new_path: position.new_path,
      new_line: newLine ?? null,
      old_line: oldLine ?? null,
    };
  }

  private noteJson(note: FakeNote): Record<string, unknown> {
    return {
      id: note.id,
      type: note.type,
      body: note.body,
      author: { ...note.author, name: note.author.username, state: 'active' },
      created_at: note.created_at,
      updated_at: note.created_at,
      system: note.system,
      noteable_type: 'MergeRequest',
      resolvable: note.resolvable,
      ...(note.resolvable ? { resolved: note.resolved } : {}),
      ...(note.position ? { position: note.position } : {}),
    };
  }

  private discussionJson(discussion: FakeDiscussion): Record<string, unknown> {
    return { id: discussion.id, individual_note: discussion.individual_note, notes: discussion.notes.map((n) => this.noteJson(n)) };
  }

  private issueJson(p: FakeProject, issue: FakeIssue): Record<string, unknown> {
    return {
      iid: issue.iid,
      id: issue.iid + 5000,
      project_id: p.id,
      title: issue.title,
      description: issue.description,
      state: issue.state,
      labels: issue.labels,
      web_url: `${this.url}/${p.path}/-/issues/${issue.iid}`,
    };
  }
}

/** The contract suite's view of one merge request on the fake (test/platforms/contract.ts). */
export function gitlabFakeHost(fake: FakeGitLab, projectId: number, iid: number): FakeHost {
  const mr = () => fake.mergeRequest(projectId, iid);
  return {
    setChange(files: FakeHostFile[]) {
      const current = mr();
      current.diffs = files.map((f) => ({
        old_path: f.path,
        new_path: f.path,
        new_file: f.status === 'added',
        deleted_file: f.status === 'removed',
        renamed_file: f.status === 'renamed',
        diff: f.patch ?? '',
        ...(f.patch === undefined && f.content !== undefined && !Buffer.isBuffer(f.content) ? { too_large: true } : {}),
      }));
      const contents: Record<string, string | Buffer> = {};
      for (const f of files) if (f.content !== undefined && f.status !== 'removed') contents[f.path] = f.content;
      fake.setFiles(projectId, current.headSha, contents);
    },
    refuseLine: (path, line) => fake.refuseLine(path, line),
    inlineComments() {
      return mr()
        .discussions.filter((d) => d.notes[0]?.type === 'DiffNote')
        .map((d) => {
          const first = d.notes[0]!;
          const position = first.position ?? {};
          return {
            id: String(first.id),
            path: typeof position.new_path === 'string' ? position.new_path : undefined,
            line: typeof position.new_line === 'number' ? position.new_line : undefined,
            body: first.body,
            resolved: first.resolved,
            replies: d.notes.slice(1).map((n) => n.body),
          };
        });
    },
    conversation() {
      return mr()
        .discussions.filter((d) => d.individual_note)
        .map((d) => d.notes[0]!.body);
    },
    status() {
      const last = fake.statuses.filter((s) => s.projectId === projectId && s.sha === mr().headSha).at(-1);
      return last ? { name: last.name, state: last.state } : undefined;
    },
    reactions: () => fake.awards.map((a) => a.name),
    addOddItems() {
      // One item per list that does not fit what the adapter relies on, beside real-shaped ones GitLab does send.
      fake.addOddItem(/\/merge_requests\/\d+\/diffs$/, { old_path: 'x.py', new_path: 5, new_file: true, renamed_file: false, deleted_file: false, diff: '' });
      fake.addOddItem(/\/merge_requests\/\d+\/discussions$/, { id: 77, individual_note: false, notes: [] });
      // A discussion whose only note has no body (a note of a deleted system event): the note is skipped, not the list.
      fake.addOddItem(/\/merge_requests\/\d+\/discussions$/, { id: 'f'.repeat(40), individual_note: true, notes: [{ id: 990_001, body: null, author: { id: 1, username: 'ghost' } }] });
      fake.addOddItem(/\/merge_requests\/\d+\/notes$/, { id: 'not-a-number', body: 'odd', author: { id: 1, username: 'ghost' } });
      // Real-shaped nulls GitLab sends (`type`, `position` and `resolved` of a plain note): kept.
      fake.addOddItem(/\/merge_requests\/\d+\/notes$/, { id: 990_002, type: null, body: 'plain', system: false, author: { id: 1, username: 'ghost' }, position: null, resolved: null });
      fake.addOddItem(/\/issues$/, { iid: 'x', title: 'coze-loop weekly loop report: odd', state: 'opened' });
    },
    grantWrite(user: string) {
      const id = 5000 + fake.users.size;
      fake.addUser({ id, username: user });
      fake.setMember(projectId, id, 30);
    },
    close: () => fake.stop(),
  };
}
