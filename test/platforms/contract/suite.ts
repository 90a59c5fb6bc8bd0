// The Platform contract: the same behaviour from every code host adapter, run against a local fake of the host.
// contract.test.ts runs it for every host in src/platforms/registry.ts; each host's fixture in hosts/<name>.ts
// provides `setup` (a fresh fake host on 127.0.0.1, the adapter pointed at it, and the change request).
import { afterEach, describe, expect, it } from '@jest/globals';
import { archiveBytes } from '../../support/tar.js';
import type { Logger } from '../../../src/core/observability.js';
import { FINGERPRINT_MARKER, SUMMARY_MARKER, type ChangeRequestRef, type InlineComment, type Platform } from '../../../src/platforms/platform.js';

export interface FakeHostFile {
  path: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  /** Content at the head SHA (absent for removed files). */
  content?: string | Buffer;
  /** Unified diff hunks as the host would return them; absent = the host omitted it. */
  patch?: string;
}

export interface FakeHostComment {
  id: string;
  path?: string;
  line?: number;
  body: string;
  /** Resolved thread / discussion, or marked fixed in place. */
  resolved: boolean;
  replies: string[];
}

/** What the contract needs from a local fake of a code host (GitHub: test/support/fake-github.ts). */
export interface FakeHost {
  setChange(files: FakeHostFile[]): void;
  /** The host refuses inline comments on this line (GitHub 422, GitLab 400). */
  refuseLine(path: string, line: number): void;
  /** Top-level inline comments / diff discussions on the change request, with replies. */
  inlineComments(): FakeHostComment[];
  /** Bodies of conversation comments / general notes on the change request. */
  conversation(): string[];
  /** Latest check run / commit status on the head SHA: its name and the host's word for its outcome. */
  status(): { name: string; state: string } | undefined;
  /** Reactions / award emoji on comments, by name (`eyes`, `+1`, ...). */
  reactions(): string[];
  grantWrite(user: string): void;
  /**
   * From now on every list the adapter reads (changed files, inline comments, conversation comments, issues) carries
   * one more item of an unexpected shape, as a host may send after an API change or for a deleted account.
   */
  addOddItems(): void;
  close(): Promise<void>;
}

const PATCH = ['@@ -1,3 +1,8 @@', ' import time', ' ', '+def work(db):', '+    while True:', '+        db.poll()', '+        time.sleep(30)', '+', ' # end'].join('\n');
const CONTENT = 'import time\n\ndef work(db):\n    while True:\n        db.poll()\n        time.sleep(30)\n\n# end\n';

function comment(path: string, line: number, fingerprint: string, startLine?: number): InlineComment {
  const c: InlineComment = { path, line, body: `Polling loop.\n\n${FINGERPRINT_MARKER(fingerprint)}`, fingerprint };
  if (startLine !== undefined) c.startLine = startLine;
  return c;
}

/** What each host's fixture (test/platforms/contract/hosts/<name>.ts) exports as `setup`. */
export type ContractSetup = () => Promise<{ platform: Platform; cr: ChangeRequestRef; server: FakeHost; warnings: string[] }>;

export function describePlatformContract(name: string, setup: ContractSetup): void {
  describe(`Platform contract: ${name}`, () => {
    let server: FakeHost | undefined;
    const start = async () => {
      const env = await setup();
      server = env.server;
      return env;
    };
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it('lists every changed file across pages, with patches and statuses', async () => {
      const { platform, cr, server } = await start();
      const many: FakeHostFile[] = Array.from({ length: 120 }, (_, i) => ({ path: `pkg/m${String(i).padStart(3, '0')}.py`, status: 'added', content: 'x = 1\n', patch: '@@ -0,0 +1 @@\n+x = 1' }));
      server.setChange([{ path: 'worker.py', status: 'modified', content: CONTENT, patch: PATCH }, { path: 'old.py', status: 'removed', patch: '@@ -1 +0,0 @@\n-x = 1' }, ...many]);
      const files = await platform.listChangedFiles(cr);
      expect(files).toHaveLength(122);
      expect(files.find((f) => f.path === 'worker.py')).toMatchObject({ status: 'modified', patch: PATCH });
      expect(files.find((f) => f.path === 'old.py')?.status).toBe('removed');
    });

    it('reads file content at a ref, null when missing, bytes intact', async () => {
      const { platform, cr, server } = await start();
      const binary = Buffer.from([0, 159, 146, 150, 255, 10]);
      server.setChange([{ path: 'src/worker.py', status: 'added', content: CONTENT, patch: PATCH }, { path: 'img.bin', status: 'added', content: binary }]);
      expect((await platform.getFileContent(cr.repo, 'src/worker.py', cr.headSha))?.toString('utf8')).toBe(CONTENT);
      expect(await platform.getFileContent(cr.repo, 'nope.py', cr.headSha)).toBeNull();
      expect((await platform.getFileContent(cr.repo, 'img.bin', cr.headSha))?.equals(binary)).toBe(true);
      expect(await platform.getHeadSha(cr)).toBe(cr.headSha);
    });

    it('lists one directory at a ref: its files and sub-directories, the root, and nothing for a missing one', async () => {
      const { platform, cr, server } = await start();
      const go = (name: string) => `package sync\n\nfunc ${name}() {}\n`;
      server.setChange([
        { path: 'internal/sync/worker.go', status: 'added', content: go('Work'), patch: '@@ -0,0 +1 @@\n+package sync' },
        { path: 'internal/sync/db.go', status: 'modified', content: go('Query'), patch: '@@ -1 +1 @@\n-x\n+package sync' },
        { path: 'internal/sync/retry/backoff.go', status: 'added', content: 'package retry\n', patch: '@@ -0,0 +1 @@\n+package retry' },
        { path: 'main.go', status: 'added', content: 'package main\n', patch: '@@ -0,0 +1 @@\n+package main' },
      ]);
      // Every registered host offers it: the review reads a changed Go file's package siblings through it.
      expect(typeof platform.listDirectory).toBe('function');
      const listed = await platform.listDirectory!(cr.repo, cr.headSha, 'internal/sync');
      expect(listed.map((e) => [e.path, e.type]).sort()).toEqual([
        ['internal/sync/db.go', 'file'],
        ['internal/sync/retry', 'dir'],
        ['internal/sync/worker.go', 'file'],
      ]);
      for (const entry of listed) if (entry.size !== undefined) expect(entry.size).toBe(entry.type === 'file' ? Buffer.byteLength(go(entry.path.endsWith('db.go') ? 'Query' : 'Work')) : entry.size);
      expect((await platform.listDirectory!(cr.repo, cr.headSha, 'internal/sync/')).map((e) => e.path).sort()).toEqual(listed.map((e) => e.path).sort());
      const root = await platform.listDirectory!(cr.repo, cr.headSha, '');
      expect(root.map((e) => [e.path, e.type])).toEqual(expect.arrayContaining([['main.go', 'file'], ['internal', 'dir']]));
      expect(await platform.listDirectory!(cr.repo, cr.headSha, 'no/such/dir')).toEqual([]);
    });

    it('publishes one review and finds its comments again by fingerprint', async () => {
      const { platform, cr, server } = await start();
      server.setChange([{ path: 'worker.py', status: 'modified', content: CONTENT, patch: PATCH }]);
      const result = await platform.publishReview(cr, { body: 'review', comments: [comment('worker.py', 4, 'aaaaaaaaaaaaaaaa'), comment('worker.py', 6, 'bbbbbbbbbbbbbbbb', 5)] });
      expect(result.rejected).toEqual([]);
      expect(result.posted).toHaveLength(2);
      const mine = await platform.listBotComments(cr);
      expect(mine.map((c) => [c.fingerprint, c.path, c.resolved ?? false]).sort()).toEqual([
        ['aaaaaaaaaaaaaaaa', 'worker.py', false],
        ['bbbbbbbbbbbbbbbb', 'worker.py', false],
      ]);
      expect(server.inlineComments().map((c) => c.line).sort()).toEqual([4, 6]);
    });

    it('returns refused comments with a reason and still posts the others', async () => {
      const { platform, cr, server } = await start();
      server.setChange([{ path: 'worker.py', status: 'modified', content: CONTENT, patch: PATCH }]);
      server.refuseLine('worker.py', 5);
      const result = await platform.publishReview(cr, { body: 'review', comments: [comment('worker.py', 4, 'aaaaaaaaaaaaaaaa'), comment('worker.py', 5, 'cccccccccccccccc'), comment('worker.py', 6, 'bbbbbbbbbbbbbbbb')] });
      expect(result.rejected.map((r) => r.comment.fingerprint)).toEqual(['cccccccccccccccc']);
      expect(result.rejected[0]!.reason.length).toBeGreaterThan(0);
      expect(result.posted.map((c) => c.fingerprint).sort()).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
      expect(server.inlineComments()).toHaveLength(2);
    });

    it('marks a comment fixed so later runs see it resolved', async () => {
      const { platform, cr, server } = await start();
      server.setChange([{ path: 'worker.py', status: 'modified', content: CONTENT, patch: PATCH }]);
      await platform.publishReview(cr, { body: 'review', comments: [comment('worker.py', 4, 'aaaaaaaaaaaaaaaa')] });
      const [existing] = await platform.listBotComments(cr);
      await platform.markFixed(cr, existing!, 'Fixed in abc1234.');
      const [after] = await platform.listBotComments(cr);
      expect(after).toMatchObject({ fingerprint: 'aaaaaaaaaaaaaaaa', resolved: true });
      const stored = server.inlineComments()[0]!;
      expect(stored.resolved || stored.replies.some((r) => r.includes('Fixed in abc1234.'))).toBe(true);
    });

    it('keeps a single summary, edited in place', async () => {
      const { platform, cr, server } = await start();
      await platform.upsertSummary(cr, `${SUMMARY_MARKER}\nfirst`);
      await platform.upsertSummary(cr, `${SUMMARY_MARKER}\nsecond`);
      const summaries = server.conversation().filter((b) => b.includes(SUMMARY_MARKER));
      expect(summaries).toEqual([`${SUMMARY_MARKER}\nsecond`]);
    });

    it('reports a status named coze-loop on the head SHA', async () => {
      const { platform, cr, server } = await start();
      await platform.reportStatus(cr, { name: 'coze-loop', conclusion: 'failure', title: '1 finding', summary: 'details', annotations: [{ path: 'worker.py', startLine: 4, endLine: 4, level: 'warning', title: 'polling', message: 'polls' }] });
      expect(server.status()?.name).toBe('coze-loop');
      expect(['failure', 'failed']).toContain(server.status()?.state);
    });

    it('replies in a thread and in the conversation, reacts, and checks write access', async () => {
      const { platform, cr, server } = await start();
      server.setChange([{ path: 'worker.py', status: 'modified', content: CONTENT, patch: PATCH }]);
      await platform.publishReview(cr, { body: 'review', comments: [comment('worker.py', 4, 'aaaaaaaaaaaaaaaa')] });
      const [thread] = await platform.listBotComments(cr);
      const origin = { commentId: thread!.id, threadId: thread!.threadId ?? thread!.id, path: 'worker.py', line: 4 };
      await platform.reply(cr, origin, 'thread answer');
      await platform.reply(cr, { commentId: '1' }, 'conversation answer');
      expect(server.inlineComments()[0]!.replies).toContain('thread answer');
      expect(server.conversation()).toContain('conversation answer');
      await platform.react(cr, origin, 'eyes');
      expect(server.reactions()).toContain('eyes');
      server.grantWrite('maintainer');
      expect(await platform.canRunCommands(cr.repo, 'maintainer')).toBe(true);
      expect(await platform.canRunCommands(cr.repo, 'passer-by')).toBe(false);
    });

    it('skips a list item of an unexpected shape, says so once per place, and goes on with the review', async () => {
      const { platform, cr, server, warnings } = await start();
      server.setChange([{ path: 'worker.py', status: 'modified', content: CONTENT, patch: PATCH }, { path: 'lib.py', status: 'added', content: 'x = 1\n', patch: '@@ -0,0 +1 @@\n+x = 1' }]);
      server.addOddItems();
      expect((await platform.listChangedFiles(cr)).map((f) => f.path).sort()).toEqual(['lib.py', 'worker.py']);
      await platform.publishReview(cr, { body: 'review', comments: [comment('worker.py', 4, 'aaaaaaaaaaaaaaaa')] });
      expect((await platform.listBotComments(cr)).map((c) => c.fingerprint)).toEqual(['aaaaaaaaaaaaaaaa']);
      await platform.upsertSummary(cr, `${SUMMARY_MARKER}\nfirst`);
      await platform.upsertSummary(cr, `${SUMMARY_MARKER}\nsecond`);
      expect(server.conversation().filter((b) => b.includes(SUMMARY_MARKER))).toEqual([`${SUMMARY_MARKER}\nsecond`]);
      const created = await platform.createIssue(cr.repo, 'coze-loop weekly loop report: 2026-W49', 'body', ['coze-loop']);
      expect((await platform.findIssues(cr.repo, 'coze-loop weekly loop report')).map((i) => i.number)).toEqual([created.number]);
      // Read everything again: the same problems are not reported twice.
      await platform.listChangedFiles(cr);
      await platform.listBotComments(cr);
      const reported = warnings.length;
      expect(reported).toBeGreaterThanOrEqual(4);
      expect(new Set(warnings).size).toBe(reported);
      for (const warning of warnings) expect(warning).toMatch(/skipped an item|defaulted a field/);
    });

    it('creates, finds and closes report issues; knows the default branch; downloads the archive; links lines', async () => {
      const { platform, cr } = await start();
      const created = await platform.createIssue(cr.repo, 'coze-loop weekly loop report: 2026-W48', 'body', ['coze-loop']);
      await platform.createIssue(cr.repo, 'unrelated', 'x', ['coze-loop']);
      const found = await platform.findIssues(cr.repo, 'coze-loop weekly loop report');
      expect(found.map((i) => i.number)).toEqual([created.number]);
      await platform.updateIssue(cr.repo, created.number, { state: 'closed', body: 'new body' });
      expect((await platform.findIssues(cr.repo, 'coze-loop weekly'))[0]).toMatchObject({ state: 'closed', body: 'new body' });
      await platform.commentOnIssue(cr.repo, created.number, 'next week');
      const branch = await platform.getDefaultBranch(cr.repo);
      expect(branch.name).toBeTruthy();
      expect(branch.sha).toMatch(/^[0-9a-f]{40}$/);
      expect((await archiveBytes(await platform.downloadArchive(cr.repo, branch.sha))).length).toBeGreaterThan(0);
      const link = platform.permalink(cr.repo, cr.headSha, 'src/worker.py', 3, 6);
      expect(link).toMatch(/^https?:\/\//);
      expect(link).toContain(cr.headSha);
      expect(link).toContain('src/worker.py');
    });
  });
}

/** A logger that keeps the adapter's warnings (`where: problem`), for the tolerant-reading contract. */
export function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger = {
    info() {},
    debug() {},
    error() {},
    warn(obj: object | string) {
      const fields = typeof obj === 'string' ? { problem: obj } : (obj as { where?: string; problem?: string });
      warnings.push(`${fields.where ?? ''}: ${fields.problem ?? ''}`);
    },
    child: () => logger,
  };
  return { logger, warnings };
}
