// review.inline_severity: which findings become inline comments and which are listed in the summary instead.
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CONFIG, type CozeLoopConfig } from '../../src/config/schema.js';
import { runReview } from '../../src/review/pipeline.js';
import { noopMetrics } from '../../src/core/observability.js';
import { newFilePatch } from '../support/findings.js';
import { MemoryPlatform } from '../support/memory-platform.js';
import { pythonPoller } from '../support/python-poller.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const deps = { logger: silent, metrics: noopMetrics, now: () => new Date('2026-12-06T08:00:00Z') };

// A poller (warnings: a write and a commit per row inside the poll; hints: its fixed interval, graded info by measured
// precision) and another hint (a regex compiled per item).
const SOURCE =
  pythonPoller() +
  ['', '', 'import re', '', '', 'def names_with_digits(names):', '    for name in names:', '        pattern = re.compile(r"\\d+")', '        if pattern.match(name):', '            print(name)', ''].join('\n');

function configWith(inline_severity?: CozeLoopConfig['review']['inline_severity']): CozeLoopConfig {
  const review = inline_severity ? { ...DEFAULT_CONFIG.review, inline_severity } : DEFAULT_CONFIG.review;
  return { ...DEFAULT_CONFIG, fail_on: 'none', review };
}

async function review(config: CozeLoopConfig) {
  const host = new MemoryPlatform();
  host.setFile('jobs.py', SOURCE, newFilePatch(SOURCE.split('\n').length), 'added');
  const outcome = await runReview(host, host.cr(), config, deps);
  const inline = host.reviews.flatMap((r) => r.comments);
  return { host, outcome, inline, summary: host.summary ?? '' };
}

describe('review.inline_severity', () => {
  it('posts warnings inline and lists hints in the summary by default', async () => {
    expect(DEFAULT_CONFIG.review.inline_severity).toBe('warning');
    const { outcome, inline, summary } = await review(configWith());
    const severities = new Map(outcome.findings.map((f) => [f.ruleId, f.severity]));
    expect(severities.get('invariant-in-loop')).toBe('info');
    expect(severities.get('write-per-row')).toBe('warning');
    expect(severities.get('polling-fixed-interval')).toBe('info');
    expect(inline.some((c) => c.body.includes('write-per-row'))).toBe(true);
    expect(inline.some((c) => c.body.includes('invariant-in-loop'))).toBe(false);
    expect(inline.some((c) => c.body.includes('polling-fixed-interval'))).toBe(false);
    const infos = outcome.findings.filter((f) => f.severity === 'info').length;
    expect(infos).toBeGreaterThan(0);
    expect(outcome.posted).toBe(outcome.findings.length - infos);
    expect(outcome.inSummary).toBe(infos);
    const hints = summary.slice(summary.indexOf('### Listed here, not commented inline (below warning'));
    expect(hints).toContain('`review.inline_severity`');
    expect(hints).toContain('invariant-in-loop');
    expect(hints).toContain('polling-fixed-interval');
    expect(hints).not.toContain('write-per-row');
  });

  it('posts hints inline too at info, and only errors at error', async () => {
    const all = await review(configWith('info'));
    expect(all.outcome.posted).toBe(all.outcome.findings.length);
    expect(all.inline.some((c) => c.body.includes('invariant-in-loop'))).toBe(true);
    expect(all.summary).not.toContain('not commented inline');

    const errors = await review(configWith('error'));
    const errorCount = errors.outcome.findings.filter((f) => f.severity === 'error').length;
    expect(errorCount).toBeGreaterThan(0);
    expect(errors.outcome.posted).toBe(errorCount);
    expect(errors.outcome.inSummary).toBe(errors.outcome.findings.length - errorCount);
    const below = errors.summary.slice(errors.summary.indexOf('### Listed here, not commented inline (below error'));
    expect(below).toContain('polling-fixed-interval');
    expect(below).toContain('invariant-in-loop');
  });

  it('leaves a hint commented by an earlier run open, neither reposted nor marked fixed', async () => {
    const host = new MemoryPlatform();
    host.setFile('jobs.py', SOURCE, newFilePatch(SOURCE.split('\n').length), 'added');
    await runReview(host, host.cr(), configWith('info'), deps);
    const second = await runReview(host, host.cr(), configWith(), deps);
    expect(second).toMatchObject({ posted: 0, markedFixed: 0, alreadyCommented: second.findings.length });
  });
});
