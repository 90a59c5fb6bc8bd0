// Effect summaries for Go and Java: same-file functions and methods (Go receivers, Java `this.m()` / bare `m()`).
import { describeEffectFixtures } from '../support/effect-tester.js';

for (const folder of ['go-same-file', 'java-same-file']) {
  describeEffectFixtures(folder);
}
