// A rule is data (rules/<id>/rule.yml: metadata, docs, messages) plus a detector (src/analysis/rules/**) that turns
// loop facts into detections. The engine (engine.ts) joins them, applies config and suppressions, and renders.
import type { Confidence, CostAssumption, CostEstimate, Fix, Language, Locale, Severity, Target } from '../core/types.js';
import type { CozeLoopConfig } from '../config/schema.js';
import type { CallKind, FileFacts, LoopFacts } from './facts.js';
import type { KnowledgeBase } from './knowledge-base.js';
import type { FileModel } from './model.js';

export interface RuleDocs {
  what: string;
  why: string;
  example: string;
  use_instead: string;
  when_not_to_use: string;
}

export type Localized<T> = Record<Locale, T>;

/** A variant's own severity and why: "reviewers kept 2 of 15 such findings on code in the wild". */
export interface VariantSeverity {
  severity: Severity;
  reason: Localized<string>;
}

export interface RuleDefinition {
  /** kebab-case, never renamed: users put it in config and suppressions. */
  id: string;
  title: Localized<string>;
  target: Target;
  severity: Severity;
  /**
   * The severity of a finding whose iteration count the code does not state (`100 (assumed)`): its cost rests on a
   * guess about the data (docs/engine.md, "Severity follows measured precision"). Lower than `severity`.
   */
  assumed_count_severity?: Severity;
  /**
   * A lower severity for the findings of one variant, graded on the held-out labels (docs/engine.md, "Severity
   * follows measured precision"), with the reason the finding's explanation gives. Unless the repository's config
   * sets the rule's severity.
   */
  variant_severity?: Record<string, VariantSeverity>;
  languages: Language[];
  docs: Localized<RuleDocs>;
  /**
   * Message templates by variant (`default` is required), `{{placeholders}}` filled from Detection.data.
   * e.g. `{ default: { en: 'N+1 query: {{call}} runs once per {{loopVar}}', 'zh-CN': '...' } }`
   */
  messages: Record<string, Localized<string>>;
  /** Longer explanation templates by variant (`default` required). */
  explanations: Record<string, Localized<string>>;
  /** Cost metric this rule estimates, when it has one. */
  cost?: { metric: string };
  /** How the fix is built and whether applying it blindly is safe. */
  fix?: { strategy: string; safety: 'safe' | 'unsafe' };
  /**
   * Peer linters' codes for the same problem (`B023`, `cell-var-from-loop`, `no-loop-func`): a finding whose lines
   * carry the peer's suppression (`# noqa: B023`, `// eslint-disable-next-line no-loop-func`) was already dismissed.
   */
  peer_codes?: string[];
}

/**
 * What a detector gets besides the loop: the per-file analysis context. `model` is the file's fact model (functions,
 * classes, loops, classified calls, bindings, shared tree walks; see model.ts), built once per file by the engine
 * and the only place per-file derived data is kept.
 */
export interface RuleContext {
  file: FileFacts;
  model: FileModel;
  config: CozeLoopConfig;
  locale: Locale;
  rule: RuleDefinition;
  kb: KnowledgeBase;
  /** The file is test code (`test_code.paths`); the engine already left out the targets not reported there. */
  testCode: boolean;
  /** Only the findings' rules, lines and messages are read (a proof's re-run): a fix's own checks can be skipped. */
  findingsOnly?: boolean;
}

export interface Detection {
  loop: LoopFacts;
  /** Line to anchor the comment on (1-based). */
  line: number;
  /** Placeholder values for the message/explanation templates. */
  data: Record<string, string | number>;
  /** Message/explanation variant; `default` when omitted. */
  variant?: string;
  confidence?: Confidence;
  /**
   * A lower severity than the rule's for this finding (a bounded wait on one job, a loop over a command's own
   * arguments): the message says why. Never raises it.
   */
  severity?: Severity;
  /**
   * Where the iteration count behind the cost came from: `code` when the code states it (a literal list, `range(N)`,
   * a LIMIT), else `config` / `default` (the assumed `cost.batch_size`). Read with the rule's `assumed_count_severity`.
   */
  itemsSource?: CostAssumption['source'];
  cost?: CostEstimate;
  fix?: Fix;
  /** The call kind the finding is about, when a summarised call has several: its message names the chain to that kind. */
  evidenceKind?: CallKind;
  /** The lines of what the finding is about (a closure's body), where a peer linter's suppression counts too. */
  span?: { startLine: number; endLine: number };
}

export type Detector = (loop: LoopFacts, ctx: RuleContext) => Detection | Detection[] | null | undefined;
