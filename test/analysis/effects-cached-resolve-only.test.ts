// Round 20 (jsprec20b; a bot platform's log4js shutdown helper): an imported function that stores a resolve-only
// promise in a module binding and returns it (`flushed ??= new Promise((resolve) => ...); return flushed;`) fulfils,
// so an async function that awaits it and nothing else that can fail cannot reject; its dropped call loses no
// failure. A twin that caches a request (a promise that hands `reject` on) still fires
// (test/fixtures/effects/js-cached-resolve-only).
import { describeEffectFixtures } from '../support/effect-tester.js';

describeEffectFixtures('js-cached-resolve-only');
