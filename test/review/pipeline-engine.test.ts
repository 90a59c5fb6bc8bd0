// The pipeline with the real engine: findings from real code, real fixes turned into suggestions only where the
// diff allows, and fingerprints that keep a second run quiet.
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { runReview } from '../../src/review/pipeline.js';
import { noopMetrics } from '../../src/core/observability.js';
import { newFilePatch } from '../support/findings.js';
import { MemoryPlatform } from '../support/memory-platform.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const deps = { logger: silent, metrics: noopMetrics, now: () => new Date('2026-11-23T08:00:00Z') };
// Hints posted inline too: these tests are about the comments' shape, not which severities are posted.
const config = { ...DEFAULT_CONFIG, fail_on: 'none' as const, review: { ...DEFAULT_CONFIG.review, inline_severity: 'info' as const } };

const MISC = [
  'import re',
  '',
  '',
  'def render(items, names):',
  '    out = ""',
  '    for i in range(len(items)):',
  '        out += items[i]',
  '    for name in names:',
  '        pattern = re.compile(r"\\d+")',
  '        if pattern.match(name):',
  '            print(name)',
  '    return out',
].join('\n') + '\n';

describe('runReview with the engine', () => {
  it('turns replace fixes inside the diff into suggestions spanning exactly the replaced lines', async () => {
    const host = new MemoryPlatform();
    host.setFile('render.py', MISC, newFilePatch(12), 'added');
    const outcome = await runReview(host, host.cr(), config, deps);
    expect(outcome.posted).toBeGreaterThanOrEqual(2);
    const invariant = host.reviews[0]!.comments.find((c) => c.body.includes('invariant-in-loop'));
    expect(invariant).toMatchObject({ path: 'render.py', startLine: 8, line: 9 });
    expect(invariant!.body).toContain('```suggestion\n    pattern = re.compile(r"\\d+")\n    for name in names:\n```');
    for (const comment of host.reviews[0]!.comments) {
      if (comment.body.includes('```suggestion')) expect(comment.startLine ?? comment.line).toBeLessThanOrEqual(comment.line);
    }
    const again = await runReview(host, host.cr(), config, deps);
    expect(again).toMatchObject({ posted: 0, alreadyCommented: outcome.posted, markedFixed: 0 });
  });

  it('falls back to a code block when the replaced lines leave the hunk', async () => {
    const host = new MemoryPlatform();
    // Only line 9 is new and the hunk shows no context above it: the fix (lines 8-9) cannot be a suggestion.
    host.setFile('render.py', MISC, '@@ -9,3 +9,4 @@\n+        pattern = re.compile(r"\\d+")\n         if pattern.match(name):\n             print(name)\n     return out');
    await runReview(host, host.cr(), config, deps);
    const invariant = host.reviews[0]!.comments.find((c) => c.body.includes('invariant-in-loop'))!;
    expect(invariant).toMatchObject({ line: 9 });
    expect(invariant.startLine).toBeUndefined();
    expect(invariant.body).not.toContain('```suggestion');
    expect(invariant.body).toContain('```python');
  });

  it('marks the finding fixed once the code is fixed', async () => {
    const host = new MemoryPlatform();
    host.setFile('render.py', MISC, newFilePatch(12), 'added');
    await runReview(host, host.cr(), config, deps);
    host.headSha = 'fixed00000000000000000000000000000000000f';
    const fixed = MISC.replace('    for name in names:\n        pattern = re.compile(r"\\d+")\n', '    pattern = re.compile(r"\\d+")\n    for name in names:\n');
    host.setFile('render.py', fixed, newFilePatch(12), 'added');
    const outcome = await runReview(host, host.cr(), config, deps);
    expect(outcome.markedFixed).toBeGreaterThanOrEqual(1);
    expect(host.comments.find((c) => c.body.includes('invariant-in-loop'))!.replies[0]).toBe('Fixed in fixed00: this finding no longer appears.');
  });
});
