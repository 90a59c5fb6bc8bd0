import { describeRuleFixtures } from '../../support/rule-tester.js';

describeRuleFixtures('defer-in-loop');
