// Per-address limit for the playground API: at most `limit` analyses per address in any window of `windowMs`
// (a sliding log of timestamps). Memory stays bounded: idle addresses are dropped, and past `maxAddresses` the
// oldest entries go first.

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the next request from the address would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

export class AddressRateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxAddresses = 10_000,
  ) {}

  take(address: string): RateDecision {
    const now = this.now();
    const since = now - this.windowMs;
    const recent = (this.hits.get(address) ?? []).filter((at) => at > since);
    if (recent.length >= this.limit) {
      this.hits.set(address, recent);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000)) };
    }
    recent.push(now);
    // Re-insert so the map's order is least recently used first.
    this.hits.delete(address);
    this.hits.set(address, recent);
    if (this.hits.size > this.maxAddresses) this.prune(since);
    return { allowed: true, retryAfterSeconds: 0 };
  }

  private prune(since: number): void {
    for (const [address, times] of this.hits) {
      if (this.hits.size <= this.maxAddresses) break;
      if (times[times.length - 1]! <= since || this.hits.size > this.maxAddresses) this.hits.delete(address);
    }
  }
}
