// Effect summaries through fields and helpers that sleep: the interval of a loop that calls a helper sleeping a
// module constant comes from the code; a helper that sleeps what it is given has no interval of its own.
import { describe, expect, it } from '@jest/globals';
import { analyseFolder } from '../support/effect-tester.js';

describe('effect summaries: fields and sleeping helpers', () => {
  const { result } = analyseFolder('py-fields', ['polling-fixed-interval']);

  it('reads the helper\'s module-constant sleep as the polling interval', () => {
    const paused = result.findings.find((f) => f.ruleId === 'polling-fixed-interval' && f.message.includes('every 15 s'));
    expect(paused?.message).toContain('`self.store.get_pending` is polled every 15 s');
    expect(paused?.confidence).toBe('medium');
  });

  it('resolves `store_module.JobStore(conn)` through `from . import store as store_module`', () => {
    const viaModule = result.findings.find((f) => f.ruleId === 'polling-fixed-interval' && f.message.includes('self.by_module.get_pending'));
    expect(viaModule?.message).toContain('runs `cur.execute` (store.py:7)');
  });
});
