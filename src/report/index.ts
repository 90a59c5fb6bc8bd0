// Reporter registry: one function per `--format`.
import { renderCodeQuality } from './codequality.js';
import { renderJson } from './json.js';
import { renderMarkdownReport } from './markdown.js';
import { renderSarif } from './sarif.js';
import { renderText } from './text.js';
import type { Format, Reporter } from './types.js';

export { FORMATS, type Format, type ReportContext, type Reporter } from './types.js';
export { renderFindingMarkdown, renderMarkdownReport, renderSummaryHeader, type FindingRenderOptions } from './markdown.js';

export const REPORTERS: Record<Format, Reporter> = {
  text: renderText,
  json: renderJson,
  sarif: renderSarif,
  codequality: renderCodeQuality,
  markdown: (context) => renderMarkdownReport(context.result, { locale: context.locale, suggestion: 'none', docsBaseUrl: context.docsBaseUrl }),
};
