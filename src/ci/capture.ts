// Writes that do not reach the host: in a dry run none is attempted; with a read-only token (a pull request from a
// fork) the first refused write switches the rest of the run to capturing. Either way the review is kept to print.
import type { ChangeRequestRef, ExistingComment, InlineComment, Platform, PublishResult, ReviewToPublish, StatusReport } from '../platforms/platform.js';
import { DelegatingPlatform } from './delegating-platform.js';

export interface CapturedReview {
  reviewBody?: string;
  comments: InlineComment[];
  fixed: { comment: ExistingComment; body: string }[];
  summary?: string;
  status?: StatusReport;
}

export interface RefusedWrite {
  status: number;
  what: string;
  message: string;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A refusal that means "this token may read but not write": 403 (GitHub's "Resource not accessible by integration")
 * or 404, which GitHub answers for writes it hides from the token. A rate-limit 403 is a different problem and is
 * left to fail the run after the throttling plugin's retries.
 */
export function isReadOnlyRefusal(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== 403 && status !== 404) return false;
  return !/rate limit/i.test(messageOf(error));
}

export class CapturingPlatform extends DelegatingPlatform {
  readonly captured: CapturedReview = { comments: [], fixed: [] };
  private capturing: boolean;
  /** Set when a live write was refused and the run fell back to capturing. */
  refused?: RefusedWrite;

  constructor(
    inner: Platform,
    private readonly mode: 'dry-run' | 'fallback-on-refusal',
  ) {
    super(inner);
    this.capturing = mode === 'dry-run';
  }

  /** True when nothing more goes to the host. */
  get isCapturing(): boolean {
    return this.capturing;
  }

  private async write<T>(what: string, live: () => Promise<T>, capture: () => T): Promise<T> {
    if (this.capturing) return capture();
    try {
      return await live();
    } catch (error) {
      if (this.mode !== 'fallback-on-refusal' || !isReadOnlyRefusal(error)) throw error;
      this.capturing = true;
      this.refused = { status: statusOf(error) ?? 0, what, message: messageOf(error).slice(0, 300) };
      return capture();
    }
  }

  override publishReview(cr: ChangeRequestRef, review: ReviewToPublish): Promise<PublishResult> {
    return this.write(
      'review',
      () => this.inner.publishReview(cr, review),
      () => {
        this.captured.reviewBody = review.body;
        this.captured.comments.push(...review.comments);
        return { posted: [...review.comments], rejected: [] };
      },
    );
  }

  override markFixed(cr: ChangeRequestRef, comment: ExistingComment, body: string): Promise<void> {
    return this.write(
      'reply',
      () => this.inner.markFixed(cr, comment, body),
      () => {
        this.captured.fixed.push({ comment, body });
      },
    );
  }

  override upsertSummary(cr: ChangeRequestRef, body: string): Promise<void> {
    return this.write(
      'summary',
      () => this.inner.upsertSummary(cr, body),
      () => {
        this.captured.summary = body;
      },
    );
  }

  override reportStatus(cr: ChangeRequestRef, status: StatusReport): Promise<void> {
    return this.write(
      'status',
      () => this.inner.reportStatus(cr, status),
      () => {
        this.captured.status = status;
      },
    );
  }
}
