// The vocabulary every part of coze-loop shares. The core knows nothing of GitHub or GitLab.

export const TARGETS = ['optimize', 'readability', 'fix-bugs'] as const;
export type Target = (typeof TARGETS)[number];

export const SEVERITIES = ['info', 'warning', 'error'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Severity order for thresholds: `info` < `warning` < `error`. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export const LANGUAGES = ['python', 'javascript', 'typescript', 'tsx', 'go', 'java'] as const;
export type Language = (typeof LANGUAGES)[number];

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

/** 1-based, inclusive line range. */
export interface LineSpan {
  startLine: number;
  endLine: number;
}

/** One assumption behind a cost figure, and where its value came from. */
export interface CostAssumption {
  /** Stable key, e.g. `sleep_seconds`, `db_query_ms`; templates label it per locale. */
  key: string;
  value: number | string;
  unit?: string;
  /** `code`: a literal read from the analysed code; `config`: repository config; `default`: built-in default. */
  source: 'code' | 'config' | 'default';
}

export interface CostEstimate {
  /** Stable metric key, e.g. `idle_queries_per_day`, `wall_seconds_per_batch`, `round_trips_per_batch`. */
  metric: string;
  before: number;
  after: number;
  unit: string;
  /** Human-readable formula with the numbers filled in, e.g. `86,400 s/day / 30 s = 2,880`. */
  formula: string;
  assumptions: CostAssumption[];
  /** Money per month at stake, when the metric converts to CPU or calls with a configured price. */
  monthly?: { before: number; after: number; currency: string; formula: string };
}

export interface FixExtra {
  /** e.g. `prometheus-alert`, `event-driven` */
  kind: string;
  title: string;
  language: string;
  code: string;
}

export interface Fix {
  /**
   * `replace`: exact replacement of lines startLine..endLine (inclusive) of the analysed file; usable as a
   * GitHub/GitLab suggestion. `block`: a structural change shown as a code block.
   */
  kind: 'replace' | 'block';
  safety: 'safe' | 'unsafe';
  description: string;
  startLine: number;
  endLine: number;
  /** For `replace`: the new text of the whole line range (no trailing newline). For `block`: the sketch. */
  code: string;
  language: string;
  extras?: FixExtra[];
}

export type Confidence = 'high' | 'medium' | 'low';

export interface Finding {
  ruleId: string;
  /**
   * Which of the rule's findings this is (its message variant: `never-closed`, `not-on-every-path`; `default` when the
   * rule has one kind). Rule pages name them, and a variant may be graded to its own severity (`variant_severity`).
   */
  variant?: string;
  target: Target;
  severity: Severity;
  confidence: Confidence;
  path: string;
  language: Language;
  /** The line to anchor a review comment on (1-based). */
  line: number;
  /** The loop's span. */
  loop: LineSpan;
  /** One-line diagnosis, rendered in the requested locale. */
  message: string;
  /** Longer explanation, rendered in the requested locale. */
  explanation: string;
  /** rule + path + normalized loop text: survives line moves. */
  fingerprint: string;
  cost?: CostEstimate;
  fix?: Fix;
  /** Values the message templates were filled with (call names, literals). */
  data: Record<string, string | number>;
}

export interface SkippedFile {
  path: string;
  reason: 'binary' | 'non-utf8' | 'too-large' | 'unsupported-language' | 'excluded' | 'parse-error' | 'empty' | 'generated' | 'removed' | 'no-patch' | 'error' | 'timeout' | 'budget';
  detail?: string;
}

export interface FileNote {
  path: string;
  /** e.g. the file parsed with errors and was analysed as far as it parsed. */
  note: string;
}

export interface AnalysisResult {
  findings: Finding[];
  skipped: SkippedFile[];
  notes: FileNote[];
  filesAnalyzed: number;
}

/** A file to analyse. Buffers are checked for binary / non-UTF-8 content before parsing. */
export interface SourceInput {
  path: string;
  content: string | Buffer;
}

/** A code host with a folder under src/platforms/ and a line in src/platforms/registry.ts. */
export type HostName = 'github' | 'gitlab';
