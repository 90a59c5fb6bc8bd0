#!/usr/bin/env node
// The GitLab twin of bench/github-latency.js: the built service, GitLab-only, against the GitLab stand-in
// (test/support/fake-gitlab.ts) on 127.0.0.1, `Merge Request Hook` webhooks with the secret token, one 30-file
// merge request per run. Reports, p50 and p95: webhook sent -> review posted (the last inline discussion of the
// review arrives: GitLab takes one request per discussion) and webhook sent -> all writes done (summary note and
// commit status included), beside `coze-loop review --dry-run` on the same change in the same run.
//
//   npm run build && node bench/gitlab-latency.js [--runs 15] [--files 30] [--dry-runs 5] [--api-latency-ms 0]
//     [--archive-threshold N]   (changed files from which the service reads the head archive; 0: batched reads only)
import { existsSync } from 'node:fs';
import { archiveEnv, arg, changeFiles, loadSupport, newFilePatch, report, rssKiB, timeDryRun, untilQuiet } from './latency-harness.js';

const RUNS = arg('runs', 15);
const FILES = arg('files', 30);
const DRY_RUNS = arg('dry-runs', 5);
const API_LATENCY_MS = arg('api-latency-ms', 0);
const TOKEN = 'glpat-bench-token';
const SECRET = 'bench-webhook-secret';
const PROJECT = 42;
const BASE = 'b'.repeat(40);
/** The service writes to GitLab without a client-side throttle; a short quiet period marks the end of a review. */
const QUIET_MS = 1_000;

function hookPayload(fake, iid, headSha) {
  return {
    object_kind: 'merge_request',
    event_type: 'merge_request',
    user: { id: 7, username: 'dana' },
    project: { id: PROJECT, path_with_namespace: 'acme/bench', web_url: `${fake.url}/acme/bench` },
    object_attributes: { iid, action: 'update', state: 'opened', draft: false, oldrev: 'c'.repeat(40), last_commit: { id: headSha }, target_branch: 'main' },
  };
}

async function main() {
  const { FakeGitLab } = await loadSupport('fake-gitlab');
  const { MAIN, sendGitLabWebhook, startService } = await loadSupport('service-process');
  if (!existsSync(MAIN)) {
    console.error('dist/src/server/main.js is missing: run `npm run build` first.');
    process.exit(2);
  }
  const fake = new FakeGitLab({ token: TOKEN });
  await fake.start();
  fake.addProject({ id: PROJECT, path: 'acme/bench', branchSha: BASE });
  fake.addUser({ id: 7, username: 'dana' });
  const files = changeFiles(FILES);
  fake.delayMs = API_LATENCY_MS;
  for (let run = 0; run < RUNS + 1; run++) {
    const sha = (run + 1).toString(16).padStart(40, '0');
    fake.setFiles(PROJECT, sha, Object.fromEntries(files.map((f) => [f.path, f.content])));
    fake.addMergeRequest({
      projectId: PROJECT,
      iid: run + 1,
      sourceBranch: `bench-${run}`,
      targetBranch: 'main',
      baseSha: BASE,
      headSha: sha,
      author: { id: 7, username: 'dana' },
      diffs: files.map((f) => ({ old_path: f.path, new_path: f.path, new_file: true, diff: `${newFilePatch(f.content)}\n` })),
    });
  }
  const service = await startService(
    { NODE_ENV: 'production', LOG_LEVEL: 'warn', GITLAB_URL: fake.url, GITLAB_TOKEN: TOKEN, GITLAB_WEBHOOK_SECRET: SECRET, ...archiveEnv() },
    { name: 'gitlab-service' },
  );
  let peak = rssKiB(service.child.pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(service.child.pid))), 20);
  const isWrite = (r) => r.method !== 'GET';
  const reviewPosted = [];
  const allWritten = [];
  const requestsPerRun = [];
  let comments = 0;
  try {
    for (let run = 0; run < RUNS + 1; run++) {
      const iid = run + 1;
      const sha = (run + 1).toString(16).padStart(40, '0');
      const firstRequest = fake.requests.length;
      const sentAt = Date.now();
      const status = await sendGitLabWebhook(service.url, SECRET, 'Merge Request Hook', hookPayload(fake, iid, sha), { 'idempotency-key': `bench-${run}` });
      if (status !== 202) throw new Error(`webhook answered ${status}`);
      while (!fake.statuses.some((s) => s.sha === sha)) await new Promise((resolve) => setTimeout(resolve, 2));
      const lastWrite = await untilQuiet(() => fake.requests.filter(isWrite).at(-1)?.at, QUIET_MS);
      const discussions = fake.requests.slice(firstRequest).filter((r) => r.method === 'POST' && r.path.endsWith(`/merge_requests/${iid}/discussions`));
      if (run > 0) {
        if (discussions.length > 0) reviewPosted.push(discussions.at(-1).at - sentAt);
        allWritten.push(lastWrite - sentAt);
        requestsPerRun.push(fake.requests.length - firstRequest);
      }
      comments += discussions.length;
    }
  } finally {
    clearInterval(sampler);
    await service.stop();
    await fake.stop();
  }
  if (reviewPosted.length < RUNS) throw new Error(`only ${reviewPosted.length} of ${RUNS} runs posted a review`);
  const dryRun = timeDryRun(files, ['--platform', 'gitlab', '--project', String(PROJECT), '--mr', '1'], DRY_RUNS);
  report('gitlab-latency', 'GitLab', {
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
