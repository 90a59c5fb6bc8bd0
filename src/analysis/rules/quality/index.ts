// The readability and fix-bugs detectors, one file per rule; rule metadata lives in rules/<id>/rule.yml.
import type { Detector } from '../../rule-types.js';
import { detectAckBeforeSuccess } from './ack-before-success.js';
import { detectAnonymousWorkerLoop } from './anonymous-worker-loop.js';
import { detectBusyWait } from './busy-wait.js';
import { detectCheckThenActRace } from './check-then-act-race.js';
import { detectDeepNestingInLoop } from './deep-nesting-in-loop.js';
import { detectFireAndForgetTask } from './fire-and-forget-task.js';
import { detectIndexLoop } from './index-loop.js';
import { detectInfiniteLoopNoExit } from './infinite-loop-no-exit.js';
import { detectLongLoopBody } from './long-loop-body.js';
import { detectLoopClosureCapture } from './loop-closure-capture.js';
import { detectMagicInterval } from './magic-interval.js';
import { detectMutateWhileIterating } from './mutate-while-iterating.js';
import { detectResourceLeakInLoop } from './resource-leak-in-loop.js';
import { detectRetryWithoutBackoff } from './retry-without-backoff.js';
import { detectUnguardedWorkerLoop } from './unguarded-worker-loop.js';
import { detectDeferInLoop } from './defer-in-loop.js';

export const detectors: Record<string, Detector> = {
  'magic-interval': detectMagicInterval,
  'anonymous-worker-loop': detectAnonymousWorkerLoop,
  'long-loop-body': detectLongLoopBody,
  'deep-nesting-in-loop': detectDeepNestingInLoop,
  'index-loop': detectIndexLoop,
  'unguarded-worker-loop': detectUnguardedWorkerLoop,
  'retry-without-backoff': detectRetryWithoutBackoff,
  'busy-wait': detectBusyWait,
  'resource-leak-in-loop': detectResourceLeakInLoop,
  'check-then-act-race': detectCheckThenActRace,
  'mutate-while-iterating': detectMutateWhileIterating,
  'fire-and-forget-task': detectFireAndForgetTask,
  'ack-before-success': detectAckBeforeSuccess,
  'loop-closure-capture': detectLoopClosureCapture,
  'infinite-loop-no-exit': detectInfiniteLoopNoExit,
  'defer-in-loop': detectDeferInLoop,
};
