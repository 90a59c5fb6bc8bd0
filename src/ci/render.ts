// The review as Markdown on stdout, for a dry run or when the token could not post it: the summary, each inline
// comment under its `path:line`, the marked-fixed replies and the status, as the host would have shown them.
import { t } from '../core/i18n.js';
import type { Locale } from '../core/types.js';
import type { ChangeRequestRef, Platform } from '../platforms/platform.js';
import type { CapturedReview } from './capture.js';
import { stripHtmlComments } from '../core/linear-text.js';

function visible(markdown: string): string {
  return stripHtmlComments(markdown).trim();
}

function changeName(cr: ChangeRequestRef, platform: Platform['name']): string {
  if (cr.number <= 0) return cr.repo;
  return platform === 'gitlab' ? `${cr.repo}!${cr.number}` : `${cr.repo}#${cr.number}`;
}

export interface RenderOptions {
  locale: Locale;
  platform: Platform['name'];
  /** Why nothing was posted: a dry run, or the host refused the token. */
  reason: 'dry-run' | 'read-only';
}

export function renderCapturedReview(cr: ChangeRequestRef, captured: CapturedReview, options: RenderOptions): string {
  const { locale } = options;
  const out: string[] = [];
  out.push(t(locale, 'ci.render.title', { change: changeName(cr, options.platform), sha: cr.headSha.slice(0, 7) }));
  out.push('', `> ${t(locale, options.reason === 'dry-run' ? 'ci.render.dry-run' : 'ci.render.read-only')}`);

  out.push('', t(locale, 'ci.render.comments', { count: captured.comments.length }));
  if (captured.comments.length === 0) out.push('', t(locale, 'ci.render.no-comments'));
  for (const comment of captured.comments) {
    const lines = comment.startLine !== undefined && comment.startLine < comment.line ? `${comment.startLine}-${comment.line}` : String(comment.line);
    out.push('', `### ${comment.path}:${lines}`, '', visible(comment.body));
  }

  if (captured.fixed.length > 0) {
    out.push('', t(locale, 'ci.render.fixed', { count: captured.fixed.length }));
    for (const { comment, body } of captured.fixed) {
      const where = comment.path ? `${comment.path}${comment.line !== undefined ? `:${comment.line}` : ''}` : comment.id;
      out.push(`- ${where}: ${visible(body)}`);
    }
  }

  if (captured.summary !== undefined) out.push('', '---', '', visible(captured.summary));

  if (captured.status) {
    const gitlab = options.platform === 'gitlab';
    // GitLab has no neutral commit status: the adapter posts `success` for it, so that is what would have shown.
    const conclusion = gitlab ? (captured.status.conclusion === 'failure' ? 'failed' : 'success') : captured.status.conclusion;
    const key = gitlab ? 'ci.render.status.gitlab' : 'ci.render.status.github';
    out.push('', '---', '', t(locale, key, { name: captured.status.name, conclusion, title: captured.status.title }));
  }
  return `${out.join('\n').trimEnd()}\n`;
}
