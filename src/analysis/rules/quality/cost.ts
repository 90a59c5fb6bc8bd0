// Cost figures for the fix-bugs findings where a number helps a reviewer decide: the CPU a busy wait burns, the
// calls a retry loop without backoff fires during an outage, the descriptors a leak piles up. Formulas name their
// inputs by assumption key, like the optimize rules' (src/cost/model.ts), so they read the same in every locale.
import type { CostConfig } from '../../../config/schema.js';
import type { CostAssumption, CostEstimate, Locale } from '../../../core/types.js';
import { formatNumber, fromConfig, monthlyFromCoreSeconds, uniqueAssumptions, type Sourced } from '../../../cost/index.js';

const HOURS_PER_MONTH = 730;
/** The cap of the backoff the fixes suggest (templates use 30 s). */
export const BACKOFF_CAP_SECONDS = 30;

function capAssumption(): CostAssumption {
  return { key: 'backoff_cap_seconds', value: BACKOFF_CAP_SECONDS, unit: 's', source: 'default' };
}

/** A spinning loop keeps one core at 100 % per replica, all month. */
export function busyWaitCost(cost: CostConfig, locale: Locale): CostEstimate {
  const replicas = fromConfig(cost, 'replicas');
  const before = HOURS_PER_MONTH * replicas.value;
  const f = (n: number): string => formatNumber(n, locale);
  const monthly = monthlyFromCoreSeconds((before * 3600) / 30, 0, cost, locale);
  const assumptions: CostAssumption[] = [
    { key: 'busy_core_share', value: 1, unit: 'core', source: 'default' },
    { key: 'hours_per_month', value: HOURS_PER_MONTH, unit: 'h', source: 'default' },
    replicas.assumption,
  ];
  if (monthly) assumptions.push(fromConfig(cost, 'core_hour').assumption);
  return {
    metric: 'busy_core_hours_per_month',
    before,
    after: 0,
    unit: 'core-hours/month',
    formula: `busy_core_share (1) × hours_per_month (${f(HOURS_PER_MONTH)}) × replicas (${f(replicas.value)}) = ${f(before)} → 0`,
    assumptions: uniqueAssumptions(assumptions),
    ...(monthly ? { monthly } : {}),
  };
}

/**
 * Calls per minute while the dependency is down: back to back (one per round trip) or one per constant sleep,
 * against at most one per `backoff_cap_seconds` once backoff has grown.
 */
export function outageCallsCost(
  latency: Sourced,
  sleepSeconds: number | undefined,
  cost: CostConfig,
  locale: Locale,
): CostEstimate {
  const replicas = fromConfig(cost, 'replicas');
  const f = (n: number): string => formatNumber(n, locale);
  const cycleSeconds = latency.value / 1000 + (sleepSeconds ?? 0);
  const before = (60 / cycleSeconds) * replicas.value;
  const after = (60 / BACKOFF_CAP_SECONDS) * replicas.value;
  const assumptions: CostAssumption[] = [latency.assumption];
  let formula: string;
  if (sleepSeconds !== undefined) {
    assumptions.push({ key: 'sleep_seconds', value: sleepSeconds, unit: 's', source: 'code' });
    formula = `60 s ÷ (${latency.assumption.key} (${f(latency.value)} ms) + sleep_seconds (${f(sleepSeconds)} s)) × replicas (${f(replicas.value)}) = ${f(before)} → 60 ÷ backoff_cap_seconds (${BACKOFF_CAP_SECONDS} s) = ${f(after)}`;
  } else {
    formula = `60,000 ms ÷ ${latency.assumption.key} (${f(latency.value)} ms) × replicas (${f(replicas.value)}) = ${f(before)} → 60 ÷ backoff_cap_seconds (${BACKOFF_CAP_SECONDS} s) = ${f(after)}`;
  }
  assumptions.push(replicas.assumption, capAssumption());
  return {
    metric: 'calls_per_minute_during_outage',
    before,
    after,
    unit: 'calls/min',
    formula,
    assumptions: uniqueAssumptions(assumptions),
  };
}

/** One descriptor (file, socket, cursor) left open per iteration of a loop that runs every `sleep_seconds`. */
export function leakedDescriptorsCost(sleepSeconds: number, cost: CostConfig, locale: Locale): CostEstimate {
  const replicas = fromConfig(cost, 'replicas');
  const f = (n: number): string => formatNumber(n, locale);
  const before = (3600 / Math.max(sleepSeconds, 0.001)) * replicas.value;
  return {
    metric: 'descriptors_leaked_per_hour',
    before,
    after: 0,
    unit: 'descriptors/hour',
    formula: `3,600 s/h ÷ sleep_seconds (${f(sleepSeconds)} s) × replicas (${f(replicas.value)}) = ${f(before)} → 0`,
    assumptions: [{ key: 'sleep_seconds', value: sleepSeconds, unit: 's', source: 'code' }, replicas.assumption],
  };
}
