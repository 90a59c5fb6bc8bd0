// Fixture-driven tests for the fix-bugs rules (see readability.test.ts for what each fixture run proves).
import { describeRuleFixtures } from '../../support/rule-tester.js';

for (const id of [
  'unguarded-worker-loop',
  'retry-without-backoff',
  'busy-wait',
  'resource-leak-in-loop',
  'check-then-act-race',
  'mutate-while-iterating',
  'fire-and-forget-task',
  'ack-before-success',
  'loop-closure-capture',
  'infinite-loop-no-exit',
]) {
  describeRuleFixtures(id);
}
