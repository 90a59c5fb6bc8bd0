// Round 19 (jsprec19, an RPC client's websocket link): a class field initialised where it is declared, `private
// requestManager = new RequestManager()` (TS) or `requestManager = new RequestManager()` (JS), holds an object of
// the code's own class, as a field assigned in the constructor does, so `this.requestManager.delete(...)` is that
// class's method, not the catalogue's `*Manager.delete` (test/fixtures/effects/ts-initialised-own-fields).
import { describeEffectFixtures } from '../support/effect-tester.js';

describeEffectFixtures('ts-initialised-own-fields');
