// Probot's write limiter, shared through Redis, must not stall every process's writes for a minute when one process
// dies holding the write slot (what the scale-out test saw after SIGKILLing a worker). Two "processes" here are two
// Redis connections with their own Octokit; the first one's connection is cut while it holds the slot.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { NOTIFICATION_LEASE_MS, WRITE_LEASE_MS, leasedGroup, octokitWithLeasedWrites } from '../../src/platforms/github/throttle.js';
import { FakeGitHub } from '../support/fake-github.js';
import { startPrivateRedis } from '../jobs/redis-helper.js';

let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
let fake: FakeGitHub;
const silentLog = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLog };

beforeAll(async () => {
  redis = await startPrivateRedis();
  fake = await new FakeGitHub().start();
}, 30_000);

afterAll(async () => {
  await fake?.close();
  await redis?.stop();
});

function connect(): { connection: Bottleneck.IORedisConnection; client: Redis } {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  return { connection: new Bottleneck.IORedisConnection({ client }), client };
}

function octokitOn(connection: Bottleneck.IORedisConnection, id: string) {
  const Octokit = octokitWithLeasedWrites();
  return new Octokit({
    baseUrl: fake.url,
    auth: { token: 'ghs_throttle_test' },
    log: silentLog,
    throttle: { enabled: true, Bottleneck, connection, id, onRateLimit: () => false, onSecondaryRateLimit: () => false },
  } as ConstructorParameters<typeof Octokit>[0]);
}

const createRun = (octokit: ReturnType<typeof octokitOn>, n: number) =>
  octokit.request('POST /repos/{owner}/{repo}/check-runs', { owner: 'acme', repo: 'shop', name: `run-${n}`, head_sha: 'a'.repeat(40), status: 'completed', conclusion: 'neutral' });

describe('leased write limiter', () => {
  it('caps the expiration of every job at the lease, keeping shorter ones', async () => {
    const seen: Array<number | undefined> = [];
    const group = leasedGroup({ key: () => ({ schedule: async (options) => seen.push(options.expiration) }) }, 5_000);
    await group.key('1').schedule({ expiration: 60_000 }, async () => undefined);
    await group.key('1').schedule({ expiration: 1_000 }, async () => undefined);
    await group.key('1').schedule({}, async () => undefined);
    expect(seen).toEqual([5_000, 1_000, 5_000]);
    expect(NOTIFICATION_LEASE_MS).toBeGreaterThan(3_000);
    expect(WRITE_LEASE_MS).toBeGreaterThan(1_000);
  });

  it('shares the write slot through Redis, and a process that dies holding it blocks the others for the lease, not a minute', async () => {
    const id = `inst-${process.pid}`;
    const a = connect();
    const b = connect();
    try {
      // The plugin keeps its global limiter (every request's concurrency) in a module-level singleton bound to the
      // first connection it sees: the survivor's, here, so that cutting the dying one's connection only takes
      // away what a dead process takes away: its hold on the write slot (its own, leased, groups).
      const survivor = octokitOn(b.connection, id);
      await survivor.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'shop' });
      const dying = octokitOn(a.connection, id);
      await createRun(dying, 1);
      // The second write waits a second behind the first, holding the cluster's only write slot while it waits.
      const held = createRun(dying, 2).catch(() => 'never finished');
      const probe = new Redis(redis.url);
      try {
        const deadline = Date.now() + 2_000;
        let running = 0;
        while (Date.now() < deadline && running !== 1) running = Number(await probe.hget(`b_octokit-write-${id}_settings`, 'running'));
        expect(running).toBe(1);
        // The process dies: no heartbeat, no "done" ever reaches Redis for the slot it holds.
        a.connection.disconnect(false);
        const started = Date.now();
        await createRun(survivor, 3);
        const waited = Date.now() - started;
        // It did wait (the slot is shared, so GitHub's spacing holds across processes) ...
        expect(waited).toBeGreaterThan(WRITE_LEASE_MS - 2_500);
        // ... but only until the dead process's lease ran out, where the plugin's own expiration is 60 s.
        expect(waited).toBeLessThan(WRITE_LEASE_MS + 2_500);
        expect(fake.checkRuns.map((r) => r.name)).toContain('run-3');
        void held;
      } finally {
        probe.disconnect();
      }
    } finally {
      await b.connection.disconnect(false);
      a.client.disconnect();
    }
  }, 30_000);
});
