// A per-repository daily token budget and a cache of answers by fingerprint and head SHA. In memory: losing them
// on restart costs at most one more day's budget, never a review.

export class TokenBudget {
  private readonly spent = new Map<string, { day: string; tokens: number }>();

  constructor(private readonly now: () => Date) {}

  private today(): string {
    return this.now().toISOString().slice(0, 10);
  }

  /** Tokens already spent today by this repository. */
  used(repo: string): number {
    const entry = this.spent.get(repo);
    return entry && entry.day === this.today() ? entry.tokens : 0;
  }

  /** Whether a call that may use up to `tokens` fits into today's limit. */
  allows(repo: string, tokens: number, limit: number): boolean {
    return limit > 0 && this.used(repo) + tokens <= limit;
  }

  record(repo: string, tokens: number): void {
    this.spent.set(repo, { day: this.today(), tokens: this.used(repo) + Math.max(0, tokens) });
  }
}

/** A small LRU map. */
export class LruCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
