// Fixture tests for the ten `optimize` rules: exactly the `ruleid:` lines fire, `ok:` traps stay quiet, and every
// exact replacement parses and clears its finding.
import { describeRuleFixtures } from '../../support/rule-tester.js';

const OPTIMIZE_RULES = [
  'polling-fixed-interval',
  'query-in-loop',
  'write-per-row',
  'commit-in-loop',
  'serial-blocking-io',
  'connection-in-loop',
  'invariant-in-loop',
  'unbounded-query',
  'string-concat-in-loop',
  'membership-in-loop',
];

for (const id of OPTIMIZE_RULES) describeRuleFixtures(id);
