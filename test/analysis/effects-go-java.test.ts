// Effect summaries for Go and Java: same-file functions and methods (Go receivers, Java `this.m()` / bare `m()`).
import { describe, expect, it } from '@jest/globals';
import { summaryEvidence } from '../../src/analysis/effects/table.js';
import { describeEffectFixtures } from '../support/effect-tester.js';

for (const folder of ['go-same-file', 'java-same-file']) {
  describeEffectFixtures(folder);
}

describe('Go/Java summary evidence', () => {
  it('trusts receiver-qualified catalogue matches, with camelCase client receivers', () => {
    expect(summaryEvidence('this.orderRepository.findAll', { kinds: ['db-read'], confidence: 'high', by: 'api' }, 'java')).toBe(true);
    expect(summaryEvidence('s.orderDB.QueryContext', { kinds: ['db-read'], confidence: 'low', by: 'sql-hint' }, 'go')).toBe(true);
  });
  it('asks any-receiver entries and SQL-by-argument matches for a client-like receiver', () => {
    expect(summaryEvidence('used.CopyFrom', { kinds: ['db-batch'], confidence: 'high', by: 'api' }, 'go')).toBe(false);
    expect(summaryEvidence('conn.CopyFrom', { kinds: ['db-batch'], confidence: 'high', by: 'api' }, 'go')).toBe(true);
    expect(summaryEvidence('globalTimerPool.Get', { kinds: ['db-read'], confidence: 'low', by: 'sql-hint' }, 'go')).toBe(false);
    // Python keeps its stricter rule: an ambiguous method on a camelCase receiver is not evidence.
    expect(summaryEvidence('orderRepository.findAll', { kinds: ['db-read'], confidence: 'high', by: 'api' }, 'python')).toBe(false);
  });
});
