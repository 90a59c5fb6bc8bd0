// Probot's write limiter with short leases. With REDIS_URL set, Probot shares @octokit/plugin-throttling's limiters
// through Redis (Bottleneck clustering), so every process of the service keeps GitHub's advice together: one write
// per installation at a time, a second apart (three for writes that notify people). The plugin registers each
// request's slot with a 60 s expiration; a process killed while it holds the write slot (it holds it from the
// moment it is granted, through the wait of up to `minTime`, until Redis hears it is done) leaves that slot taken
// until the expiration: every other process's writes for that installation stalled for about a minute.
// The slot in the write and notification limiters only spaces the requests (the job it guards is a no-op), so a
// lease a few seconds longer than the spacing is enough: a dead process now blocks writes for WRITE_LEASE_MS at most.
import { ProbotOctokit } from 'probot';

/** How long a write slot is held at most (the plugin's own spacing is 1 s for writes and 3 s for notifications). */
export const WRITE_LEASE_MS = 5_000;
export const NOTIFICATION_LEASE_MS = 8_000;

interface JobOptions {
  expiration?: number;
  priority?: number;
  weight?: number;
}

interface LimiterLike {
  schedule(options: JobOptions, task: (...args: unknown[]) => Promise<unknown>, ...args: unknown[]): Promise<unknown>;
}

interface GroupLike {
  key(id: string): LimiterLike;
}

/** A Bottleneck group whose jobs never hold their slot past `leaseMs`, whatever expiration the caller asks for. */
export function leasedGroup(group: GroupLike, leaseMs: number): GroupLike {
  return {
    key(id) {
      const limiter = group.key(id);
      return { schedule: (options, task, ...args) => limiter.schedule({ ...options, expiration: Math.min(options.expiration ?? leaseMs, leaseMs) }, task, ...args) };
    },
  };
}

/** The part of Bottleneck (handed over by Probot in the throttle options when it clusters) used here. */
interface BottleneckLike {
  Group: new (options: Record<string, unknown>) => GroupLike;
}

interface ThrottleOptions {
  connection?: unknown;
  Bottleneck?: BottleneckLike;
  timeout?: number;
  [key: string]: unknown;
}

/**
 * The write and notification limiters as the plugin makes them (same ids, so old and new processes share them in
 * Redis during a rolling deploy), with leases. Only when clustering: without Redis the plugin's in-process
 * limiters die with their process.
 */
export function leasedWriteLimiters(throttle: ThrottleOptions): { write: GroupLike; notifications: GroupLike } | null {
  if (!throttle.connection || !throttle.Bottleneck) return null;
  const B = throttle.Bottleneck;
  const common = { connection: throttle.connection, timeout: throttle.timeout ?? 2 * 60 * 1000 };
  return {
    write: leasedGroup(new B.Group({ id: 'octokit-write', maxConcurrent: 1, minTime: 1_000, ...common }), WRITE_LEASE_MS),
    notifications: leasedGroup(new B.Group({ id: 'octokit-notifications', maxConcurrent: 1, minTime: 3_000, ...common }), NOTIFICATION_LEASE_MS),
  };
}

/** Probot's Octokit with leased write limiters; pass it as `Octokit` to createProbot. One set of groups per connection. */
export function octokitWithLeasedWrites(): typeof ProbotOctokit {
  const byConnection = new WeakMap<object, { write: GroupLike; notifications: GroupLike }>();
  return ProbotOctokit.defaults((options: { throttle?: ThrottleOptions } & Record<string, unknown>) => {
    const throttle = options.throttle;
    if (!throttle || typeof throttle.connection !== 'object' || throttle.connection === null) return options;
    let groups = byConnection.get(throttle.connection);
    if (!groups) {
      const made = leasedWriteLimiters(throttle);
      if (!made) return options;
      groups = made;
      byConnection.set(throttle.connection, groups);
    }
    return { ...options, throttle: { ...throttle, ...groups } };
  }) as typeof ProbotOctokit;
}

/** `https://api.github.com` -> `https://api.github.com/graphql`; GitHub Enterprise `https://host/api/v3` -> `https://host/api/graphql`. */
export function graphqlUrl(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return trimmed.endsWith('/api/v3') ? `${trimmed.slice(0, -'/v3'.length)}/graphql` : `${trimmed}/graphql`;
}

/**
 * GraphQL queries for the installation outside the write limiter. The throttling plugin queues every GraphQL
 * request with the writes (a second apart) because it cannot tell a query from a mutation; GitHub's advice of a
 * second between requests is for mutations, and a query counts against the GraphQL points budget instead. Used
 * only for reads (the batched file fetch): every mutation still goes through the octokit and its limiter.
 */
export function graphqlReadOutsideWriteLimiter(octokit: { auth(options?: Record<string, unknown>): Promise<unknown> }, baseUrl: string, timeoutMs = 30_000): (query: string, variables: Record<string, unknown>) => Promise<unknown> {
  const url = graphqlUrl(baseUrl);
  return async (query, variables) => {
    if (/^\s*mutation\b/.test(query)) throw new Error('coze-loop: graphqlRead is for queries only');
    const { token } = (await octokit.auth({ type: 'installation' })) as { token?: string };
    if (!token) throw new Error('coze-loop: no installation token for the GraphQL read');
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `token ${token}`, 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'coze-loop' },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json().catch(() => null)) as { data?: unknown; errors?: Array<{ message?: string }> } | null;
    if (!res.ok || !body) throw Object.assign(new Error(`GitHub GraphQL answered ${res.status}`), { status: res.status });
    if (body.errors && body.errors.length > 0) throw new Error(`GitHub GraphQL: ${body.errors.map((e) => e.message ?? '?').join('; ').slice(0, 300)}`);
    return body.data;
  };
}
