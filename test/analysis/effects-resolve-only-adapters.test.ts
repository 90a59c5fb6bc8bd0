// Round 19 (rejects19; a HomeKit bridge's gateway adapter, round 18's fetch adapter): a method of a field's class in
// another file, or an imported function, that returns `new Promise(executor)` whose executor never uses `reject`
// cannot reject; a call of it dropped (bare in a timer through an async wrapper that awaits it, or as the first link
// of a `.then` chain) loses no failure. Twins that hand `reject` on, throw in the executor, or await a request still
// fire (test/fixtures/effects/ts-resolve-only-adapters).
import { describeEffectFixtures } from '../support/effect-tester.js';

describeEffectFixtures('ts-resolve-only-adapters');
