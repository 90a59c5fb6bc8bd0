// The GitLab side of the weekly report: GITLAB_PROJECTS feeds the schedule, the weekly-summary processor reports a
// project through the adapter (archive download, issue create/update), and `/coze-loop summary` queues a run.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { JobData } from '../../../src/jobs/queue.js';
import { noopMetrics } from '../../../src/core/observability.js';
import { createGitLabService, type GitLabService } from '../../../src/platforms/gitlab/service.js';
import { FakeGitLab } from '../../support/fake-gitlab.js';
import { SENDER_SOURCE } from './helpers.js';
import { RecordingQueue, recordingLogger } from './support.js';

const TOKEN = 'glpat-weekly';
const MAIN_SHA = 'c0c1c2c3c4c5c6c7c8c9d0d1d2d3d4d5d6d7d8d9';
const NOW = new Date('2026-11-23T08:00:00Z');

let fake: FakeGitLab;
let queue: RecordingQueue;
let service: GitLabService;

beforeEach(async () => {
  fake = new FakeGitLab({ token: TOKEN });
  await fake.start();
  fake.addProject({ id: 42, path: 'acme/billing-worker', branchSha: MAIN_SHA });
  fake.setFiles(42, MAIN_SHA, { 'worker/sender.py': SENDER_SOURCE, 'README.md': '# billing\n' });
  queue = new RecordingQueue();
  service = createGitLabService(
    { GITLAB_URL: fake.url, GITLAB_TOKEN: TOKEN, GITLAB_WEBHOOK_SECRET: 's', GITLAB_PROJECTS: '42, acme/tools ,' },
    { queue, logger: recordingLogger(), metrics: noopMetrics, now: () => NOW },
  )!;
});

afterEach(async () => {
  await fake.stop();
});

describe('GitLab weekly report', () => {
  it('lists the GITLAB_PROJECTS for the schedule', async () => {
    expect(await service.listSummaryTargets()).toEqual([
      { platform: 'gitlab', key: '42', payload: { project: '42' } },
      { platform: 'gitlab', key: 'acme/tools', payload: { project: 'acme/tools' } },
    ]);
  });

  it('reports a project from one archive download into one labelled issue, and updates it on a second run', async () => {
    const job: JobData = { type: 'weekly-summary', id: 'gitlab:42:2026-W48', payload: { platform: 'gitlab', project: '42', target: '42', week: '2026-W48' } };
    await service.processors['weekly-summary']!(job, new AbortController().signal);
    const issues = fake.issues(42);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ title: expect.stringContaining('2026-W48'), state: 'opened', labels: ['coze-loop'] });
    expect(issues[0]!.description).toContain('worker/sender.py');
    expect(fake.requests.filter((r) => r.path.endsWith('/repository/archive.tar.gz'))).toHaveLength(1);
    expect(fake.requests.some((r) => r.path.includes('/repository/files/worker'))).toBe(false);

    await service.processors['weekly-summary']!({ ...job, id: 'gitlab:42:again' }, new AbortController().signal);
    expect(fake.issues(42)).toHaveLength(1);
  });

  it('turns a broken repository into a failed job (retried), not a crash of the others', async () => {
    const job: JobData = { type: 'weekly-summary', id: 'gitlab:77:2026-W48', payload: { platform: 'gitlab', project: '77' } };
    await expect(service.processors['weekly-summary']!(job, new AbortController().signal)).rejects.toThrow('weekly report failed for 77');
  });

  it('queues an on-demand report for `/coze-loop summary` from a Developer', async () => {
    fake.addUser({ id: 9, username: 'riley' });
    fake.setMember(42, 9, 30);
    fake.addMergeRequest({ projectId: 42, iid: 12, sourceBranch: 'f', targetBranch: 'main', baseSha: MAIN_SHA, headSha: 'e'.repeat(40), author: { id: 9, username: 'riley' }, diffs: [] });
    const { noteId } = fake.addNote(42, 12, { id: 9, username: 'riley' }, '/coze-loop summary');
    const job: JobData = { type: 'gitlab-command', id: 'gitlab:n1', payload: { project: '42', iid: 12, noteId, authorId: 9, username: 'riley', body: '/coze-loop summary' } };
    await service.processors['gitlab-command']!(job, new AbortController().signal);
    expect(queue.jobs).toEqual([
      expect.objectContaining({ type: 'weekly-summary', id: `gitlab:42:summary:note-${noteId}`, payload: expect.objectContaining({ platform: 'gitlab', project: '42', onDemand: true }) }),
    ]);
    expect(fake.notes(42, 12).at(-1)!.body).toContain('queued');
  });
});
