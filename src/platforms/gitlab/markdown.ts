// GitLab's Markdown flavour for suggested changes: ```suggestion:-A+B replaces A lines above and B lines below the
// line the note is anchored on, so it fits any anchor inside the fix's range (outside it, it would edit lines the
// reader is not looking at).
import type { Fix } from '../../core/types.js';
import type { SuggestionSyntax } from '../../report/markdown.js';

/** GitLab's multi-line suggestion header: lines above and below the anchored line that the suggestion replaces. */
export function gitlabSuggestionRange(fix: Fix, anchorLine: number = fix.startLine): string {
  const above = Math.max(0, anchorLine - fix.startLine);
  const below = Math.max(0, fix.endLine - anchorLine);
  return `suggestion:-${above}+${below}`;
}

export const gitlabSuggestions: SuggestionSyntax = {
  fits: (fix, anchorLine) => anchorLine === undefined || (anchorLine >= fix.startLine && anchorLine <= fix.endLine),
  info: (fix, anchorLine) => gitlabSuggestionRange(fix, anchorLine),
};
