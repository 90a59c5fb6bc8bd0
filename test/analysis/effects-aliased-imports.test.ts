// Round 17 (tsprec17, a chat SDK's read-receipt sync): a function imported through a `~/` (or `@/`) path alias is
// the project's own module, resolved from the source root; an async helper that awaits such a function, which
// catches its own request, cannot reject, so starting it without awaiting loses no failure
// (test/fixtures/effects/ts-aliased-settling-imports).
import { describeEffectFixtures } from '../support/effect-tester.js';

describeEffectFixtures('ts-aliased-settling-imports');
