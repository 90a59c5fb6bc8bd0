// The per-review budget (config `limits:`): how many files, bytes and seconds of analysis one review may spend,
// how many findings it annotates and how many API writes it makes. What the budget cuts off is never silent: each
// cut becomes a line of the summary (`review.budget.*`) and each file left out a `budget` or `timeout` skip.
import type { CozeLoopConfig } from '../config/schema.js';
import { t } from '../core/i18n.js';
import type { Locale, SkippedFile } from '../core/types.js';
import type { ArchiveReadReport } from '../platforms/platform.js';

export type Limits = CozeLoopConfig['limits'];

/** The limits of a config; configs built before the `limits:` section existed get the defaults. */
export function limitsOf(config: CozeLoopConfig): Limits {
  return config.limits ?? { file_timeout_ms: 10_000, max_files: 300, max_bytes: 20_000_000, max_analysis_ms: 120_000, max_annotations: 50, max_api_writes: 100 };
}

/** Counts what one review spends and records what it had to leave out. */
export class ReviewBudget {
  readonly limits: Limits;
  private readonly locale: Locale;
  bytes = 0;
  analysisMs = 0;
  totalFiles = 0;
  overFiles = 0;
  overBytes = 0;
  overTime = 0;
  timeouts = 0;
  annotationsShown?: number;
  annotationsTotal = 0;
  unmarkedFixed = 0;
  /** Findings kept out of inline comments because the host's writes for them would pass `limits.max_api_writes`. */
  overWrites = 0;
  /** How the host read the changed files when the change was large enough for the archive path (platform.ts). */
  archive?: ArchiveReadReport;
  /** The deadline files actually got: the smaller of `limits.file_timeout_ms` and the pool's. */
  fileTimeoutMs: number;

  constructor(config: CozeLoopConfig, locale: Locale = config.locale) {
    this.limits = limitsOf(config);
    this.locale = locale;
    this.fileTimeoutMs = this.limits.file_timeout_ms;
  }

  /** A skip for a file the budget leaves out. */
  skip(path: string, limit: string): SkippedFile {
    return { path, reason: 'budget', detail: t(this.locale, 'engine.skip.budget', { limit }) };
  }

  /** True while content may still be fetched and analysed. */
  get hasRoom(): boolean {
    return this.bytes <= this.limits.max_bytes && this.analysisMs < this.limits.max_analysis_ms;
  }

  /** The deadline for the next file: the per-file deadline, or what is left of the total if that is less. */
  nextDeadline(): number {
    return Math.max(1, Math.min(this.fileTimeoutMs, this.limits.max_analysis_ms - this.analysisMs));
  }

  /** Summary lines on how a large change's files were read (archive, batches, the limit hit); empty otherwise. */
  readingLines(): string[] {
    const read = this.archive;
    if (!read) return [];
    const say = (key: string, data: Record<string, string | number> = {}) => t(this.locale, `review.reading.${key}`, data);
    if (read.skipped) return [say('skipped', { reason: read.skipped, batched: read.batched })];
    if (read.failed) return [say('failed', { batched: read.batched })];
    const out = [say('archive', { fromArchive: read.fromArchive, batched: read.batched })];
    if (read.limit) out.push(say('limit', { limit: read.limit }));
    return out;
  }

  /** True when the archive path gave less than asked (a cap, a failed download, a host limit): worth a summary. */
  get readingFellShort(): boolean {
    return this.archive !== undefined && Boolean(this.archive.limit || this.archive.failed || this.archive.skipped);
  }

  /** Summary lines for every limit that cut something off (empty when nothing was). */
  lines(): string[] {
    const l = this.limits;
    const out: string[] = [];
    const say = (key: string, data: Record<string, string | number>) => out.push(t(this.locale, `review.budget.${key}`, data));
    if (this.overFiles > 0) say('files', { skipped: this.overFiles, total: this.totalFiles, limit: l.max_files });
    if (this.overBytes > 0) say('bytes', { skipped: this.overBytes, limit: l.max_bytes });
    if (this.overTime > 0) say('time', { skipped: this.overTime, seconds: Math.round(l.max_analysis_ms / 1000) });
    if (this.timeouts > 0) say('timeouts', { count: this.timeouts, seconds: Math.round(this.fileTimeoutMs / 100) / 10 });
    if (this.annotationsShown !== undefined && this.annotationsShown < this.annotationsTotal) say('annotations', { shown: this.annotationsShown, total: this.annotationsTotal });
    if (this.overWrites > 0) say('comments', { count: this.overWrites });
    if (this.unmarkedFixed > 0) say('writes', { count: this.unmarkedFixed });
    return out;
  }
}
