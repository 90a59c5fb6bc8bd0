// Effect summaries: the fixtures (one folder per situation, see test/support/effect-tester.ts).
import { describeEffectFixtures } from '../support/effect-tester.js';

for (const folder of ['py-same-file', 'py-cross-file', 'py-subprocess', 'js-same-file', 'js-cross-file', 'busy-wait-through-helper', 'py-fields', 'ts-fields', 'js-module-helpers', 'js-barrel-exports', 'js-registered-callbacks', 'py-package-database']) {
  describeEffectFixtures(folder);
}
