// Issue 18, item 2, against the real built service (`node dist/src/server/main.js`) and a local GitHub stand-in:
// a file whose parse takes many seconds (tree-sitter-python is quadratic on comment lines after an indented block)
// is analysed in a worker thread, terminated at its deadline (COZE_LOOP_FILE_TIMEOUT_MS) and skipped with a note,
// the other file of the pull request is still reviewed, and /healthz answers quickly all along.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SUMMARY_MARKER } from '../../src/platforms/platform.js';
import { FakeGitHub } from '../support/fake-github.js';
import { appPrivateKey, ensureBuilt, githubAppEnv, sendGitHubWebhook, startService, type ServiceProcess } from '../support/service-process.js';
import { pullRequestPayload } from '../platforms/github/payloads.js';

const SECRET = 'hostile-webhook-secret';
const HEAD = '2'.repeat(40);
const WORKER = ['import time', '', '', 'def poll(db):', '    while True:', '        db.execute("SELECT * FROM jobs").fetchall()', '        time.sleep(30)'];
/** About 96 KB: the parse alone takes several seconds (quadratic in the comment lines). */
const SLOW = ['def f():', '    while True:', '        x = 1', ...Array.from({ length: 12_000 }, () => '    # c'), 'y = 2'];
const patchOf = (lines: string[]) => [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join('\n');
const target = { owner: 'acme', repo: 'shop', number: 9, headSha: HEAD, installationId: 4242 };
const DEADLINE_MS = 1500;

let fake: FakeGitHub;
let service: ServiceProcess | undefined;

beforeAll(async () => {
  ensureBuilt(['src/platforms/github/service.ts', 'src/review/pipeline.ts', 'src/review/collect.ts', 'src/analysis/worker-pool.ts', 'src/analysis/analysis-worker.ts']);
  fake = await new FakeGitHub({ owner: 'acme', repo: 'shop' }).start();
  fake.addPull({
    number: 9,
    head: { sha: HEAD, ref: 'feature' },
    files: [
      { filename: 'slow.py', status: 'added', patch: patchOf(SLOW.slice(0, 40)) },
      { filename: 'worker.py', status: 'added', patch: patchOf(WORKER) },
    ],
  });
  fake.setContent(HEAD, 'slow.py', SLOW.join('\n') + '\n');
  fake.setContent(HEAD, 'worker.py', WORKER.join('\n') + '\n');
  service = await startService(
    { NODE_ENV: 'test', ...githubAppEnv(fake.host, SECRET, appPrivateKey()), COZE_LOOP_FILE_TIMEOUT_MS: String(DEADLINE_MS), COZE_LOOP_ANALYSIS_THREADS: '1' },
    { name: 'github-service' },
  );
}, 480_000);

afterAll(async () => {
  await service?.stop();
  await fake?.close();
});

describe('analysis off the event loop, with a deadline per file', () => {
  it('skips the file that passes its deadline with a note, reviews the rest, and /healthz keeps answering', async () => {
    const url = service!.url;
    expect(await sendGitHubWebhook(url, SECRET, 'pull_request', pullRequestPayload('opened', target), 'hostile-1')).toBe(202);
    // Health checks while the review runs: each one answered within 3 s even on a loaded 2-core machine; on the
    // event loop each waited for the whole parse of slow.py (about 15 s).
    const latencies: number[] = [];
    const started = Date.now();
    while (!fake.checkRuns.find((r) => r.head_sha === HEAD && r.status === 'completed') && Date.now() - started < 60_000) {
      const t0 = Date.now();
      const health = await fetch(`${url}/healthz`);
      await health.arrayBuffer();
      expect(health.status).toBe(200);
      latencies.push(Date.now() - t0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(latencies.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...latencies)).toBeLessThan(3000);
    const summary = fake.issueComments.find((c) => c.body.includes(SUMMARY_MARKER))!.body;
    expect(summary).toContain('`slow.py`: stopped at its analysis deadline (analysis took longer than 1.5 s');
    expect(summary).toContain('took longer than 1.5 s to analyse and were skipped (`limits.file_timeout_ms`)');
    const comments = fake.reviews.flatMap((r) => r.comments as { path: string }[]);
    expect(comments.some((c) => c.path === 'worker.py')).toBe(true);
    expect(comments.some((c) => c.path === 'slow.py')).toBe(false);
  }, 90_000);
});
