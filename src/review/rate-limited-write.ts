// The writes that come after the review's comments (the summary comment / note and the check run / commit status),
// tried again when the host refuses them for a rate limit (GitLab's 429, GitHub's secondary rate limit): each wait is
// what the host asks (Retry-After, a reset time, or its documented default, carried by the adapter's error as
// `rateLimited` / `retryAfterMs`, see rateLimitOf), a bounded number of attempts, and never past the job's deadline
// or its abort signal (a shutdown). Still refused, the write is given up with one log line and the review goes on:
// its comments are posted already, and failing the job would only post the same review again.
import type { Logger } from '../core/observability.js';
import { rateLimitOf } from '../platforms/platform.js';

/** Attempts per write (the first one included). */
export const RATE_LIMITED_WRITE_ATTEMPTS = 3;
/** Without the host's advice, the first wait (doubling per attempt). */
export const DEFAULT_WRITE_PAUSE_MS = 1_000;
/** How long after its start a review may still wait for a rate limit, when the job names no deadline. */
export const REVIEW_WRITE_WAIT_MS = 120_000;

export interface RateLimitedWriteOptions {
  logger: Logger;
  /** Epoch ms (on `now`'s clock) past which no wait is started. */
  deadline: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The job's signal: an abort (the service shutting down) ends the waiting. */
  signal?: AbortSignal;
  attempts?: number;
  /** Fields for the log line (repo, number): never a token or a body. */
  context?: Record<string, unknown>;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `write`; on a rate-limit refusal waits as the host asks and tries again within the bounds. Returns true when
 * written, false when given up (logged once, at error level). Any other failure is thrown as it is.
 */
export async function writeHonouringRateLimit(what: string, write: () => Promise<void>, options: RateLimitedWriteOptions): Promise<boolean> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? pause;
  const attempts = Math.max(1, options.attempts ?? RATE_LIMITED_WRITE_ATTEMPTS);
  let waitedMs = 0;
  for (let attempt = 1; ; attempt++) {
    let advice;
    try {
      await write();
      if (attempt > 1) options.logger.info({ ...options.context, what, attempts: attempt, waitedMs }, `rate limit: the ${what} was written after waiting`);
      return true;
    } catch (error) {
      advice = rateLimitOf(error);
      if (!advice) throw error;
    }
    const wait = advice.retryAfterMs ?? DEFAULT_WRITE_PAUSE_MS * 2 ** (attempt - 1);
    const reason =
      attempt >= attempts
        ? `still rate limited after ${attempt} attempts`
        : options.signal?.aborted
          ? 'the job was stopped'
          : now() + wait > options.deadline
            ? `the host asks to wait ${Math.ceil(wait / 1000)} s, past the job's deadline`
            : undefined;
    if (reason === undefined) {
      try {
        await sleep(wait, options.signal);
        waitedMs += wait;
        continue;
      } catch {
        // Aborted while waiting: give up below.
      }
    }
    options.logger.error(
      { ...options.context, what, attempts: attempt, waitedMs, ...(advice.status !== undefined ? { status: advice.status } : {}), reason: reason ?? 'the job was stopped' },
      `rate limit: the ${what} was not written for this push; the review's comments are posted`,
    );
    return false;
  }
}
