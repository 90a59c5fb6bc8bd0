// The `optimize` detectors by rule id (rule data in rules/<id>/rule.yml).
import type { Detector } from '../../rule-types.js';
import { detectCommitInLoop } from './commit-in-loop.js';
import { detectConnectionInLoop } from './connection-in-loop.js';
import { detectInvariantInLoop } from './invariant-in-loop.js';
import { detectMembershipInLoop } from './membership-in-loop.js';
import { detectPollingFixedInterval } from './polling-fixed-interval.js';
import { detectQueryInLoop } from './query-in-loop.js';
import { detectSerialBlockingIo } from './serial-blocking-io.js';
import { detectStringConcatInLoop } from './string-concat-in-loop.js';
import { detectUnboundedQuery } from './unbounded-query.js';
import { detectWritePerRow } from './write-per-row.js';

export const detectors: Record<string, Detector> = {
  'polling-fixed-interval': detectPollingFixedInterval,
  'query-in-loop': detectQueryInLoop,
  'write-per-row': detectWritePerRow,
  'commit-in-loop': detectCommitInLoop,
  'serial-blocking-io': detectSerialBlockingIo,
  'connection-in-loop': detectConnectionInLoop,
  'invariant-in-loop': detectInvariantInLoop,
  'unbounded-query': detectUnboundedQuery,
  'string-concat-in-loop': detectStringConcatInLoop,
  'membership-in-loop': detectMembershipInLoop,
};
