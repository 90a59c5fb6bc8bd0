#!/usr/bin/env node
// Webhook-to-review latency of the GitHub App for a 30-file pull request: the built service
// (`node dist/src/server/main.js`, started by test/support/service-process.ts) against the GitHub stand-in
// (test/support/fake-github.ts) on 127.0.0.1, signed `pull_request.synchronize` webhooks, one pull request per run.
// Reports, p50 and p95 over the runs: webhook sent -> review posted (POST /pulls/N/reviews arrives) and webhook
// sent -> all writes done (the last write of the review: summary, check run and its annotation pages), beside
// `coze-loop review --dry-run` on the same change in the same run (service overhead = the difference).
// Probot keeps GitHub's secondary-rate-limit advice (writes a second apart per installation, three for writes that
// notify people), so each run waits until the writes have been quiet for longer than that before the next webhook:
// every review starts with the limiter idle, as on an idle installation.
//
//   npm run build && node bench/github-latency.js [--runs 15] [--files 30] [--dry-runs 5] [--api-latency-ms 0]
//     [--archive-threshold N]   (changed files from which the service reads the head tarball; 0: batched reads only)
//   BENCH_TRACE=1 also prints the last run's requests with their times.
import { existsSync } from 'node:fs';
import { archiveEnv, arg, changeFiles, loadSupport, newFilePatch, report, rssKiB, timeDryRun, untilQuiet } from './latency-harness.js';

const RUNS = arg('runs', 15);
const FILES = arg('files', 30);
const DRY_RUNS = arg('dry-runs', 5);
const API_LATENCY_MS = arg('api-latency-ms', 0);
const SECRET = 'bench-secret';
/** Longer than the notification spacing (3 s), so the next review never waits on this one's tail. */
const QUIET_MS = 3_500;

async function main() {
  const { FakeGitHub } = await loadSupport('fake-github');
  const { MAIN, appPrivateKey, githubAppEnv, sendGitHubWebhook, startService } = await loadSupport('service-process');
  if (!existsSync(MAIN)) {
    console.error('dist/src/server/main.js is missing: run `npm run build` first.');
    process.exit(2);
  }
  const fake = await new FakeGitHub({ latencyMs: API_LATENCY_MS }).start();
  const files = changeFiles(FILES);
  for (let run = 0; run < RUNS + 1; run++) {
    const sha = (run + 1).toString(16).padStart(40, '0');
    fake.addPull({ number: run + 1, head: { sha, ref: `bench-${run}` }, files: files.map((f) => ({ filename: f.path, status: 'added', patch: newFilePatch(f.content) })) });
    for (const f of files) fake.setContent(sha, f.path, f.content);
  }
  const service = await startService({ NODE_ENV: 'production', LOG_LEVEL: 'warn', ...githubAppEnv(fake.host, SECRET, appPrivateKey()), ...archiveEnv() }, { name: 'github-service' });
  let peak = rssKiB(service.child.pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(service.child.pid))), 20);
  const isWrite = (r) => r.method !== 'GET' && !r.path.includes('/access_tokens') && r.path !== '/graphql';
  const reviewPosted = [];
  const allWritten = [];
  const requestsPerRun = [];
  let comments = 0;
  try {
    // Run 0 warms the process up (first token, JIT, the analysis threads' first files) and is not counted.
    for (let run = 0; run < RUNS + 1; run++) {
      const pull = fake.pulls.get(run + 1);
      const payload = {
        action: 'synchronize',
        number: pull.number,
        installation: { id: 77 },
        repository: { full_name: fake.fullName, default_branch: 'main' },
        sender: { login: 'dev', type: 'User' },
        pull_request: { number: pull.number, state: 'open', draft: false, head: pull.head, base: pull.base, user: { login: 'dev', type: 'User' } },
      };
      const firstRequest = fake.requests.length;
      const sentAt = Date.now();
      const status = await sendGitHubWebhook(service.url, SECRET, 'pull_request', payload, `bench-${run}`);
      if (status !== 202) throw new Error(`webhook answered ${status}`);
      while (!fake.checkRuns.some((r) => r.head_sha === pull.head.sha && r.status === 'completed')) await new Promise((resolve) => setTimeout(resolve, 2));
      const lastWrite = await untilQuiet(() => fake.requests.filter(isWrite).at(-1)?.at, QUIET_MS);
      const posted = fake.requests.find((r) => r.method === 'POST' && r.path === `/repos/${fake.fullName}/pulls/${pull.number}/reviews`);
      if (run > 0) {
        if (posted) reviewPosted.push(posted.at - sentAt);
        allWritten.push(lastWrite - sentAt);
        requestsPerRun.push(fake.requests.length - firstRequest);
      }
      comments += fake.reviews.find((r) => r.pull_number === pull.number)?.comments.length ?? 0;
      // BENCH_TRACE=1: every request of the last run, in ms after the webhook was sent.
      if (process.env.BENCH_TRACE && run === RUNS) for (const r of fake.requests.slice(firstRequest)) console.log(`  +${r.at - sentAt} ms ${r.method} ${r.path.split('?')[0]}`);
    }
  } finally {
    clearInterval(sampler);
    await service.stop();
    await fake.close();
  }
  if (reviewPosted.length < RUNS) throw new Error(`only ${reviewPosted.length} of ${RUNS} runs posted a review`);
  const dryRun = timeDryRun(files, ['--platform', 'github', '--repo', fake.fullName, '--pr', '1'], DRY_RUNS);
  report('github-latency', 'GitHub', {
    runs: RUNS,
    files: FILES,
    reviewPosted,
    allWritten,
    dryRun,
    extra: { apiLatencyMs: API_LATENCY_MS, archiveThreshold: archiveEnv().COZE_LOOP_ARCHIVE_THRESHOLD ?? 'default', inlineCommentsPerReview: Math.round(comments / (RUNS + 1)), apiRequestsPerReview: Math.round(requestsPerRun.reduce((a, b) => a + b, 0) / requestsPerRun.length), servicePeakRssMiB: Math.round(peak / 1024) },
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
