// Commands per pull request per hour. In memory, per process: with several web/worker processes each keeps its
// own window, so the effective limit is a multiple of it (documented in docs/github-app.md and docs/security.md).
// Every reply the bot writes to a command goes through it, allowed or not: the answer, the "not allowed" note and
// the "rate limited" note (once per window), so comments cannot make the bot write without bound.

/** `allowed`: run it (recorded). `refused`: over the limit, the first time in the window (worth one note). `silent`: over the limit again. */
export type RateVerdict = 'allowed' | 'refused' | 'silent';

export class CommandRateLimiter {
  private readonly runs = new Map<string, number[]>();
  private readonly refusedAt = new Map<string, number>();

  constructor(
    readonly limit = 10,
    private readonly windowMs = 60 * 60 * 1000,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records a run and returns true, or returns false when the key is over its limit. */
  tryTake(key: string): boolean {
    const now = this.now().getTime();
    const recent = (this.runs.get(key) ?? []).filter((at) => now - at < this.windowMs);
    if (recent.length >= this.limit) {
      this.runs.set(key, recent);
      return false;
    }
    recent.push(now);
    this.runs.set(key, recent);
    if (this.runs.size > 10_000) this.prune(now);
    return true;
  }

  /** Like tryTake, and says whether this refusal is the first of the window (one note) or a repeat (no reply at all). */
  take(key: string): RateVerdict {
    if (this.tryTake(key)) return 'allowed';
    const now = this.now().getTime();
    const last = this.refusedAt.get(key);
    if (last !== undefined && now - last < this.windowMs) return 'silent';
    this.refusedAt.set(key, now);
    return 'refused';
  }

  private prune(now: number): void {
    for (const [key, times] of this.runs) {
      if (times.every((at) => now - at >= this.windowMs)) this.runs.delete(key);
    }
    for (const [key, at] of this.refusedAt) if (now - at >= this.windowMs) this.refusedAt.delete(key);
  }
}
