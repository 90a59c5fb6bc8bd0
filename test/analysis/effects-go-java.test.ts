// Effect summaries for Go and Java: same-file functions and methods (Go receivers, Java `this.m()` / bare `m()`).
import { describe, expect, it } from '@jest/globals';
import { buildFileTable, classifyFunction, summaryEvidence } from '../../src/analysis/effects/table.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { parseSource } from '../../src/analysis/parse.js';
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

describe('Go helpers: time.After is a sleep only in a cancellable-sleep select', () => {
  const source = `package w

func waitOrStop(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

func nextResult(results chan int) int {
	select {
	case r := <-results:
		return r
	case <-time.After(time.Second):
		return 0
	}
}
`;
  const tree = parseSource('go', source);
  const table = buildFileTable('w.go', 'go', tree);
  const kb = loadKnowledgeBase();
  const kindsOf = (name: string): string[] => {
    const fn = table.topLevel.get(name)!;
    classifyFunction(fn, 'go', kb);
    return fn.calls.filter((c) => c.callee === 'time.After').flatMap((c) => c.kinds);
  };
  it('a select on the timer and a stop signal sleeps', () => {
    expect(kindsOf('waitOrStop')).toContain('sleep');
  });
  it('a select on a result channel only bounds the wait', () => {
    expect(kindsOf('nextResult')).not.toContain('sleep');
  });
});
