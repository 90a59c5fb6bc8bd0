// Webhook payloads from @octokit/webhooks-examples (GitHub's documented examples), adjusted to the repository,
// pull request and comment a test needs. Examples without `installation` get one: app deliveries always carry it.
import { createRequire } from 'node:module';

type Json = Record<string, any>;
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as { name: string; examples: Json[] }[];

function example(event: string, action: string, predicate: (p: Json) => boolean = () => true): Json {
  const found = examples.find((e) => e.name === event)?.examples.find((p) => p.action === action && p.installation && predicate(p));
  if (!found) throw new Error(`no ${event}.${action} example`);
  return structuredClone(found);
}

export interface PayloadTarget {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  baseSha?: string;
  installationId?: number;
}

function retarget(payload: Json, target: PayloadTarget): Json {
  payload.installation = { id: target.installationId ?? 4242, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' };
  payload.repository.name = target.repo;
  payload.repository.full_name = `${target.owner}/${target.repo}`;
  payload.repository.owner.login = target.owner;
  payload.repository.default_branch = 'main';
  return payload;
}

export function pullRequestPayload(action: 'opened' | 'synchronize' | 'reopened' | 'ready_for_review' | 'closed' | 'labeled', target: PayloadTarget, draft = false): Json {
  const payload = retarget(example('pull_request', action), target);
  payload.number = target.number;
  payload.pull_request.number = target.number;
  payload.pull_request.draft = draft;
  payload.pull_request.head.sha = target.headSha;
  payload.pull_request.base.sha = target.baseSha ?? 'b'.repeat(40);
  payload.pull_request.base.ref = 'main';
  return payload;
}

export function reviewCommentPayload(target: PayloadTarget, comment: { id: number; body: string; path: string; line: number; inReplyTo?: number; association?: string; login?: string; type?: 'User' | 'Bot' }): Json {
  const payload = retarget(example('pull_request_review_comment', 'created'), target);
  payload.pull_request.number = target.number;
  payload.pull_request.head.sha = target.headSha;
  Object.assign(payload.comment, { id: comment.id, body: comment.body, path: comment.path, line: comment.line, original_line: comment.line, author_association: comment.association ?? 'OWNER' });
  if (comment.inReplyTo !== undefined) payload.comment.in_reply_to_id = comment.inReplyTo;
  else delete payload.comment.in_reply_to_id;
  payload.comment.user = { ...payload.comment.user, login: comment.login ?? 'Codertocat', type: comment.type ?? 'User' };
  payload.sender = { ...payload.sender, login: comment.login ?? 'Codertocat', type: comment.type ?? 'User' };
  return payload;
}

/** The examples' issue comments are on plain issues; a comment on a pull request has `issue.pull_request`. */
export function issueCommentPayload(target: PayloadTarget, comment: { id: number; body: string; association?: string; login?: string; type?: 'User' | 'Bot' }, onPullRequest = true): Json {
  const payload = retarget(example('issue_comment', 'created'), target);
  payload.issue.number = target.number;
  if (onPullRequest) payload.issue.pull_request = { url: `https://api.github.com/repos/${target.owner}/${target.repo}/pulls/${target.number}` };
  else delete payload.issue.pull_request;
  Object.assign(payload.comment, { id: comment.id, body: comment.body, author_association: comment.association ?? 'OWNER' });
  payload.comment.user = { ...payload.comment.user, login: comment.login ?? 'Codertocat', type: comment.type ?? 'User' };
  payload.sender = { ...payload.sender, login: comment.login ?? 'Codertocat', type: comment.type ?? 'User' };
  return payload;
}
