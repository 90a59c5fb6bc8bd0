// Round 16 (tsprec16's jitsi webhook sender, jsprec15c's rpi2 parser): a helper of the code's own whose every
// failing call sits in a handled `try` (or a `.catch` chain) cannot end the caller's worker or reject its promise,
// through other helpers and across files; and when a helper makes both a caught and an uncaught call of one kind,
// the finding's chain names the uncaught one (test/fixtures/effects/{py,js}-caught-helpers).
import { describeEffectFixtures } from '../support/effect-tester.js';

describeEffectFixtures('py-caught-helpers');
describeEffectFixtures('js-caught-helpers');
