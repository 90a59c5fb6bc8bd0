// Round 18 (jsprec18, an ioBroker cloud adapter compiled from TypeScript): `__importDefault(require('./x'))` binds
// the module as `require` would, and a field built with `new x_1.default(...)` holds the module's default-exported
// class, so a timer's `this.hub.send(...)` is that class's method (test/fixtures/effects/js-compiled-imports).
import { describeEffectFixtures } from '../support/effect-tester.js';

describeEffectFixtures('js-compiled-imports');
