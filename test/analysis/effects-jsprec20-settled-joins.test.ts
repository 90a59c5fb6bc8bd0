// Round 20 (jsprec20; a chat SDK's room subscription): an imported helper that returns a join built never to reject
// (the hand-written `Promise.all(ps.map((p) => Promise.resolve(p).then(ok, fail)))`, `Promise.allSettled`, inputs
// each ending in a settling `.catch`) is a safe first link of a dropped `.then` chain. Twins whose join can reject
// (plain `Promise.all`, a rethrowing handler, a fulfilment handler that calls something) still fire
// (test/fixtures/effects/ts-jsprec20-settled-joins).
import { describeEffectFixtures } from '../support/effect-tester.js';

describeEffectFixtures('ts-jsprec20-settled-joins');
