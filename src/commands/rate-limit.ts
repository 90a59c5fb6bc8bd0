// Commands per pull request per hour. In memory, per process: with several web/worker processes each keeps its
// own window, so the effective limit is a multiple of it (documented in docs/github-app.md).
export class CommandRateLimiter {
  private readonly runs = new Map<string, number[]>();

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

  private prune(now: number): void {
    for (const [key, times] of this.runs) {
      if (times.every((at) => now - at >= this.windowMs)) this.runs.delete(key);
    }
  }
}
