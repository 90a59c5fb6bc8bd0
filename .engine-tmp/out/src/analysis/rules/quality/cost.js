import { formatNumber, fromConfig, monthlyFromCoreSeconds, uniqueAssumptions } from '../../../cost/index.js';
const HOURS_PER_MONTH = 730;
/** The cap of the backoff the fixes suggest (templates use 30 s). */
export const BACKOFF_CAP_SECONDS = 30;
function capAssumption() {
    return { key: 'backoff_cap_seconds', value: BACKOFF_CAP_SECONDS, unit: 's', source: 'default' };
}
/** A spinning loop keeps one core at 100 % per replica, all month. */
export function busyWaitCost(cost, locale) {
    const replicas = fromConfig(cost, 'replicas');
    const before = HOURS_PER_MONTH * replicas.value;
    const f = (n) => formatNumber(n, locale);
    const monthly = monthlyFromCoreSeconds((before * 3600) / 30, 0, cost, locale);
    const assumptions = [
        { key: 'busy_core_share', value: 1, unit: 'core', source: 'default' },
        { key: 'hours_per_month', value: HOURS_PER_MONTH, unit: 'h', source: 'default' },
        replicas.assumption,
    ];
    if (monthly)
        assumptions.push(fromConfig(cost, 'core_hour').assumption);
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
export function outageCallsCost(latency, sleepSeconds, cost, locale) {
    const replicas = fromConfig(cost, 'replicas');
    const f = (n) => formatNumber(n, locale);
    const cycleSeconds = latency.value / 1000 + (sleepSeconds ?? 0);
    const before = (60 / cycleSeconds) * replicas.value;
    const after = (60 / BACKOFF_CAP_SECONDS) * replicas.value;
    const assumptions = [latency.assumption];
    let formula;
    if (sleepSeconds !== undefined) {
        assumptions.push({ key: 'sleep_seconds', value: sleepSeconds, unit: 's', source: 'code' });
        formula = `60 s ÷ (${latency.assumption.key} (${f(latency.value)} ms) + sleep_seconds (${f(sleepSeconds)} s)) × replicas (${f(replicas.value)}) = ${f(before)} → 60 ÷ backoff_cap_seconds (${BACKOFF_CAP_SECONDS} s) = ${f(after)}`;
    }
    else {
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
export function leakedDescriptorsCost(sleepSeconds, cost, locale) {
    const replicas = fromConfig(cost, 'replicas');
    const f = (n) => formatNumber(n, locale);
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
