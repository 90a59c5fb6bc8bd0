import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { DEFAULT_CONFIG, type CozeLoopConfig } from '../../src/config/schema.js';
import type { AnalysisResult, Finding, SourceInput } from '../../src/core/types.js';
import { noopMetrics } from '../../src/core/observability.js';
import { addedBlockPatch, makeFinding, newFilePatch, source } from '../support/findings.js';
import { MemoryPlatform } from '../support/memory-platform.js';

const found = new Map<string, Finding[]>();
const configs: CozeLoopConfig[] = [];
jest.unstable_mockModule('../../src/analysis/engine.js', () => ({
  analyzeSource: (input: SourceInput, config: CozeLoopConfig): AnalysisResult => {
    configs.push(config);
    if (input.path.endsWith('.bin')) return { findings: [], skipped: [{ path: input.path, reason: 'binary' }], notes: [], filesAnalyzed: 0 };
    return { findings: (found.get(input.path) ?? []).filter((f) => config.targets.includes(f.target)), skipped: [], notes: [], filesAnalyzed: 1 };
  },
}));
const { runCommand, findingsForLoopAt } = await import('../../src/commands/run.js');
const { CommandRateLimiter } = await import('../../src/commands/rate-limit.js');

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const deps = { logger: silent, metrics: noopMetrics, now: () => new Date('2026-11-23T08:00:00Z') };
const config: CozeLoopConfig = { ...DEFAULT_CONFIG, targets: ['optimize'] };
const thread = { commentId: '61', threadId: '60', path: 'worker.py', line: 15 };
const conversation = { commentId: '70' };

const polling = (line: number, loop: [number, number], extra: Partial<Finding> = {}) =>
  makeFinding('worker.py', line, { loop: { startLine: loop[0], endLine: loop[1] }, ...extra });

beforeEach(() => {
  found.clear();
  configs.length = 0;
});

describe('runCommand', () => {
  it('answers help and summary without analysing', async () => {
    const host = new MemoryPlatform();
    await runCommand(host, host.cr(), conversation, { action: 'help' }, config, deps);
    await runCommand(host, host.cr(), conversation, { action: 'summary' }, { ...config, locale: 'zh-CN' }, deps);
    expect(host.replies[0]!.body).toContain('`/coze-loop optimize [path[:line]]`');
    expect(host.replies[1]!.body).toContain('仓库循环报告已排队');
    expect(configs).toEqual([]);
  });

  it('in a review thread, reports the innermost loop at that line for the target, in the thread', async () => {
    const host = new MemoryPlatform();
    host.setFile('worker.py', source(40), addedBlockPatch(10, 30));
    found.set('worker.py', [
      polling(10, [10, 30], { ruleId: 'unguarded-worker-loop', target: 'fix-bugs' }),
      polling(11, [10, 30], { ruleId: 'polling-fixed-interval' }),
      polling(14, [14, 18], { ruleId: 'query-in-loop', message: 'N+1: fetch_order runs once per job' }),
      polling(25, [25, 28], { ruleId: 'write-per-row' }),
    ]);
    await runCommand(host, host.cr(), thread, { action: 'optimize' }, config, deps);
    expect(host.replies).toHaveLength(1);
    expect(host.replies[0]!.origin).toBe(thread);
    const body = host.replies[0]!.body;
    expect(body).toContain('### coze-loop `optimize` for `worker.py` line 15');
    expect(body).toContain('N+1: fetch_order runs once per job');
    expect(body).not.toContain('polling-fixed-interval');
    expect(body).not.toContain('write-per-row');
    expect(body).not.toContain('unguarded-worker-loop');
    // The command's target wins over the repository's `targets` for this run.
    expect(configs[0]!.targets).toEqual(['optimize']);
  });

  it('says so when the loop at the line has no finding for the target', async () => {
    const host = new MemoryPlatform();
    host.setFile('worker.py', source(40), addedBlockPatch(10, 30));
    found.set('worker.py', [polling(25, [25, 28])]);
    await runCommand(host, host.cr(), thread, { action: 'readability' }, config, deps);
    expect(host.replies[0]!.body).toBe('No `readability` finding for a loop at `worker.py` line 15.');
  });

  it('in the conversation, reports the target over the whole change (not code it does not touch)', async () => {
    const host = new MemoryPlatform();
    host.setFile('worker.py', source(60), addedBlockPatch(10, 30));
    host.setFile('jobs/sync.py', source(20), newFilePatch(20), 'added');
    found.set('worker.py', [polling(12, [12, 16]), polling(50, [50, 55], { ruleId: 'commit-in-loop' })]);
    found.set('jobs/sync.py', [makeFinding('jobs/sync.py', 3, { ruleId: 'write-per-row', severity: 'error' })]);
    await runCommand(host, host.cr(), conversation, { action: 'optimize' }, config, deps);
    const body = host.replies[0]!.body;
    expect(body.split('\n')[0]).toBe('### coze-loop `optimize` for this pull request (2 finding(s))');
    expect(body.indexOf('jobs/sync.py:3')).toBeLessThan(body.indexOf('worker.py:12'));
    expect(body).not.toContain('commit-in-loop');
  });

  it('narrows to a path and line named in the command, and explains missing or skipped files', async () => {
    const host = new MemoryPlatform();
    host.setFile('worker.py', source(60), addedBlockPatch(10, 30));
    host.contents.set(`${host.headSha}:blob.bin`, Buffer.from([0, 1, 2]));
    found.set('worker.py', [polling(50, [50, 55])]);
    await runCommand(host, host.cr(), conversation, { action: 'optimize', path: 'worker.py', line: 52 }, config, deps);
    await runCommand(host, host.cr(), conversation, { action: 'optimize', path: 'worker.py' }, config, deps);
    await runCommand(host, host.cr(), conversation, { action: 'optimize', path: 'missing.py' }, config, deps);
    await runCommand(host, host.cr(), conversation, { action: 'optimize', path: 'blob.bin' }, config, deps);
    expect(host.replies[0]!.body).toContain('### coze-loop `optimize` for `worker.py` line 52');
    expect(host.replies[1]!.body).toContain('### coze-loop `optimize` for `worker.py`\n');
    expect(host.replies[2]!.body).toBe('`missing.py` does not exist in the head of this pull request.');
    expect(host.replies[3]!.body).toBe('`blob.bin` was not analysed: binary file.');
  });

  it('renders at most ten findings in full and lists the rest in one line each', async () => {
    const host = new MemoryPlatform();
    host.setFile('worker.py', source(200), newFilePatch(200), 'added');
    found.set('worker.py', Array.from({ length: 13 }, (_, i) => polling(10 + i * 10, [10 + i * 10, 14 + i * 10], { ruleId: `query-in-loop`, fingerprint: `f${i}` })));
    await runCommand(host, host.cr(), conversation, { action: 'optimize' }, config, deps);
    const body = host.replies[0]!.body;
    expect(body.match(/📖/g)).toHaveLength(10);
    expect(body).toContain('… and 3 more finding(s), listed briefly:');
  });
});

describe('findingsForLoopAt', () => {
  it('prefers the innermost loop containing the line, then the anchor line', () => {
    const outer = polling(10, [10, 30]);
    const inner = polling(14, [14, 18], { ruleId: 'query-in-loop' });
    expect(findingsForLoopAt([outer, inner], 15)).toEqual([inner]);
    expect(findingsForLoopAt([outer, inner], 29)).toEqual([outer]);
    expect(findingsForLoopAt([outer, inner], 40)).toEqual([]);
  });
});

describe('CommandRateLimiter', () => {
  it('allows the limit per key per window, then recovers', () => {
    let now = new Date('2026-11-23T08:00:00Z');
    const limiter = new CommandRateLimiter(2, 60_000, () => now);
    expect([limiter.tryTake('a#1'), limiter.tryTake('a#1'), limiter.tryTake('a#1'), limiter.tryTake('a#2')]).toEqual([true, true, false, true]);
    now = new Date('2026-11-23T08:01:01Z');
    expect(limiter.tryTake('a#1')).toBe(true);
  });
});
