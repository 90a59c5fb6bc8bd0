// Round 16 (pyprec16a, dhcpy6d): a daemon's in-process queues kept in one module that every worker thread imports
// (`from .shared import dns_update_queue`, `shared.route_script_queue`). A daemon thread that drains a `queue.Queue()`
// another module of the code's own builds loses nothing a stop flag could save; one that pops a broker's queue, or a
// queue of a module outside the analysed set, is still reported (test/fixtures/effects/py-imported-queues).
import { describeEffectFixtures } from '../support/effect-tester.js';

describeEffectFixtures('py-imported-queues');
