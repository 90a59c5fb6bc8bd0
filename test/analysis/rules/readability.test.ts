// Fixture-driven tests for the readability rules: exactly the `ruleid:` lines fire, the `ok:` loops stay quiet,
// and every replace fix applies, parses and clears the finding.
import { describeRuleFixtures } from '../../support/rule-tester.js';

for (const id of ['magic-interval', 'anonymous-worker-loop', 'long-loop-body', 'deep-nesting-in-loop', 'index-loop']) {
  describeRuleFixtures(id);
}
