// GitLab's rate limits, honoured. GitLab answers 429 (and, for some limits, 403 with RateLimit-* headers) with the
// time to come back in `Retry-After` (seconds, or an HTTP date) and `RateLimit-Reset` (Unix seconds). gitbeaker's own
// request handler retries a 429 ten times within about a quarter of a second and never reads those headers, which
// spends the ten attempts while the limit still holds and then loses the write. Here the client makes one attempt per
// call (gitlabRequester), and the adapter waits what GitLab asks, in one pause shared by every request of the
// instance (the limit is per user, and the bot is one user), a bounded number of times within a bounded total wait.
import { createRequesterFn, getMatchingRateLimiter, GitbeakerRequestError, GitbeakerTimeoutError } from '@gitbeaker/requester-utils';

/** Waiting is worth it up to this long per pause; a longer Retry-After fails the call at once. */
export const MAX_RATE_LIMIT_PAUSE_MS = 30_000;
/** Attempts per call (the first one included). */
export const RATE_LIMIT_ATTEMPTS = 3;
/** Without advice (no Retry-After, no RateLimit-Reset) a rate-limited call waits this long, doubling per attempt. */
export const DEFAULT_RATE_LIMIT_PAUSE_MS = 1_000;
/** A review's diff discussions stop waiting for the rate limit this long after its first write. */
export const REVIEW_RATE_LIMIT_WAIT_MS = 60_000;

type HeaderSource = { get(name: string): string | null } | Record<string, string | undefined> | undefined;

function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | undefined>;
  return record[name] ?? record[name.toLowerCase()];
}

/** True for GitLab's rate-limit answers: 429, or 403 that carries the RateLimit headers of an exhausted limit. */
export function isRateLimited(status: number, headers: HeaderSource): boolean {
  if (status === 429) return true;
  if (status !== 403) return false;
  return header(headers, 'retry-after') !== undefined || header(headers, 'ratelimit-remaining') === '0';
}

/**
 * How long GitLab asks us to wait, in ms: `Retry-After` as seconds or as an HTTP date, else `RateLimit-Reset` as Unix
 * seconds; undefined when it gives no usable advice. Never negative.
 */
export function rateLimitPauseMs(headers: HeaderSource, now: number): number | undefined {
  const retryAfter = header(headers, 'retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(?:\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const reset = header(headers, 'ratelimit-reset')?.trim();
  if (reset && /^\d{1,12}$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now);
  return undefined;
}

/** One pause shared by every request of a GitLab instance: a 429 on one call holds back the others too. */
export class RateLimitGate {
  private resumeAt = 0;
  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Holds every request until `ms` from now (or later, if an earlier pause ends later). */
  pause(ms: number): void {
    this.resumeAt = Math.max(this.resumeAt, this.now() + ms);
  }

  /** Resolves when the current pause (if any) is over; the ms waited. */
  async ready(): Promise<number> {
    let waited = 0;
    for (let left = this.resumeAt - this.now(); left > 0; left = this.resumeAt - this.now()) {
      await this.sleep(left);
      waited += left;
    }
    return waited;
  }

  get clock(): () => number {
    return this.now;
  }
}

/** The headers of a gitbeaker error's response (our requester keeps them), for the rate-limit advice. */
export function responseHeadersOf(error: unknown): HeaderSource {
  const response = (error as { cause?: { response?: { headers?: unknown } } }).cause?.response;
  const headers = response?.headers;
  return headers && typeof headers === 'object' ? (headers as HeaderSource) : undefined;
}

const BAD_GATEWAY_ATTEMPTS = 3;

/**
 * gitbeaker's request handler, minus its 429 retries: one request, a 502 tried again twice after 250 and 500 ms (a
 * proxy restarting), and any other failure thrown as GitbeakerRequestError with the response, whose headers the
 * adapter reads for the rate-limit advice. The client-side rate limiters and the stream mode are gitbeaker's.
 */
async function requestOnce(endpoint: string, options: Record<string, unknown> = {}): Promise<{ body: unknown; headers: Record<string, string>; status: number }> {
  const { rateLimiters, agent, asStream, prefixUrl, searchParams, method, ...rest } = options as {
    rateLimiters?: Record<string, unknown>;
    agent?: unknown;
    asStream?: boolean;
    prefixUrl?: string;
    searchParams?: string;
    method?: string;
  } & RequestInit;
  const rateLimit = getMatchingRateLimiter(endpoint, rateLimiters as never, method);
  const url = new URL(endpoint, prefixUrl ? (prefixUrl.endsWith('/') ? prefixUrl : `${prefixUrl}/`) : undefined);
  url.search = searchParams ?? '';
  for (let attempt = 1; ; attempt++) {
    const request = new Request(url, { ...rest, method });
    await rateLimit();
    const response = await (agent ? fetch(request, { dispatcher: agent } as RequestInit) : fetch(request)).catch((error: unknown) => {
      const name = (error as { name?: unknown }).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new GitbeakerTimeoutError('Query timeout was reached');
      throw error;
    });
    if (response.ok) {
      const headers = Object.fromEntries(response.headers.entries());
      if (asStream) return { body: response.body, headers, status: response.status };
      return { body: response.status === 204 ? null : await bodyOf(response), headers, status: response.status };
    }
    if (response.status === 502 && attempt < BAD_GATEWAY_ATTEMPTS) {
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 1)));
      continue;
    }
    const text = await response.text().catch(() => '');
    let description = text;
    if (response.headers.get('content-type')?.includes('application/json')) {
      try {
        const parsed = JSON.parse(text) as { error?: unknown; message?: unknown } | null;
        const message = parsed?.error ?? parsed?.message ?? '';
        description = typeof message === 'string' ? message : JSON.stringify(message);
      } catch {
        // Not JSON after all: the text is the description.
      }
    }
    throw new GitbeakerRequestError(description.slice(0, 500), { cause: { description, request, response } });
  }
}

async function bodyOf(response: Response): Promise<unknown> {
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  if (type === 'application/json') return response.json().then((v: unknown) => v ?? {});
  if (type.startsWith('text/')) return response.text();
  return response.blob();
}

/** The requesterFn for `new Gitlab({ requesterFn })`: gitbeaker's options handling with requestOnce. */
export const gitlabRequester = createRequesterFn((_, options) => Promise.resolve(options), requestOnce as never);
