// GitHub's Markdown flavour for suggested changes: a ```suggestion block replaces exactly the lines the review
// comment spans, so it fits only a comment whose last line is the fix's last line (the pipeline anchors it on the
// fix's range when the diff allows).
import type { SuggestionSyntax } from '../../report/markdown.js';

export const githubSuggestions: SuggestionSyntax = {
  fits: (fix, anchorLine) => anchorLine === undefined || anchorLine === fix.endLine,
  info: () => 'suggestion',
};
