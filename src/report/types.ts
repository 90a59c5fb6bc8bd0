// What every reporter receives. Reporters are pure: (context) -> text, so the CLI, the bots and tests share them.
import type { RuleDefinition } from '../analysis/rule-types.js';
import type { AnalysisResult, Locale } from '../core/types.js';

export const FORMATS = ['text', 'json', 'sarif', 'codequality', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

export interface ReportContext {
  result: AnalysisResult;
  locale: Locale;
  /** The rule catalogue (SARIF lists rule metadata; the text reporter needs nothing from it). */
  rules: RuleDefinition[];
  /** File text by path, for code frames; files not in the map get no frame. */
  sources?: ReadonlyMap<string, string>;
  /** ANSI colours (text only): the CLI sets it for a TTY without NO_COLOR. */
  color?: boolean;
  toolVersion: string;
  /** Folder URL of the rule docs (`<url>/<rule-id>.md`). */
  docsBaseUrl?: string;
  /** Rendered rule docs (Markdown) for SARIF `help`; rules it does not cover get their `what`/`why` text. */
  ruleDocs?: (rule: RuleDefinition, locale: Locale) => string;
}

export type Reporter = (context: ReportContext) => string;
