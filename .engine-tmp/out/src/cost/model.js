import { fromConfig, fromDefault, uniqueAssumptions } from './assumptions.js';
import { formatDuration, formatMoney, formatNumber } from './format.js';
export const SECONDS_PER_DAY = 86_400;
export const SECONDS_PER_HOUR = 3_600;
export const DAYS_PER_MONTH = 30;
function term(s, locale) {
    const unit = s.assumption.unit ? ` ${s.assumption.unit}` : '';
    return `${s.assumption.key} (${formatNumber(s.value, locale)}${unit})`;
}
/** Money per month for calls billed per million (database queries, API requests). Undefined when unpriced. */
export function monthlyFromCalls(perDayBefore, perDayAfter, cost, locale) {
    const price = fromConfig(cost, 'per_million_queries');
    if (price.value <= 0)
        return undefined;
    const money = (perDay) => (perDay * DAYS_PER_MONTH * price.value) / 1_000_000;
    const f = (n) => formatNumber(n, locale);
    return {
        before: money(perDayBefore),
        after: money(perDayAfter),
        currency: cost.currency,
        formula: `${f(perDayBefore)}/day × ${DAYS_PER_MONTH} ÷ 1,000,000 × per_million_queries (${f(price.value)} ${cost.currency})` +
            ` = ${formatMoney(money(perDayBefore), cost.currency, locale)} → ${formatMoney(money(perDayAfter), cost.currency, locale)}`,
    };
}
/** Money per month for CPU time (core-seconds per day), priced by `cost.core_hour`. Undefined when unpriced. */
export function monthlyFromCoreSeconds(coreSecondsPerDayBefore, coreSecondsPerDayAfter, cost, locale) {
    const price = fromConfig(cost, 'core_hour');
    if (price.value <= 0)
        return undefined;
    const money = (s) => (s / SECONDS_PER_HOUR) * DAYS_PER_MONTH * price.value;
    const f = (n) => formatNumber(n, locale);
    return {
        before: money(coreSecondsPerDayBefore),
        after: money(coreSecondsPerDayAfter),
        currency: cost.currency,
        formula: `${f(coreSecondsPerDayBefore)} core-s/day ÷ 3,600 × ${DAYS_PER_MONTH} × core_hour (${f(price.value)} ${cost.currency})` +
            ` = ${formatMoney(money(coreSecondsPerDayBefore), cost.currency, locale)} → ${formatMoney(money(coreSecondsPerDayAfter), cost.currency, locale)}`,
    };
}
/** Price assumption to list when a monthly figure was computed. */
function priceAssumptions(cost, monthly, key) {
    if (!monthly)
        return [];
    const price = fromConfig(cost, key);
    return [{ ...price.assumption, unit: cost.currency }];
}
/** Idle queries per day of a fixed-interval poller: `86,400 / sleep × calls per poll × replicas`. */
export function idlePollingCost(input, cost, locale) {
    const replicas = fromConfig(cost, 'replicas');
    const calls = Math.max(1, input.callsPerPoll);
    const interval = Math.max(input.interval.value, 0.001);
    const before = (SECONDS_PER_DAY / interval) * calls * replicas.value;
    const assumptions = [input.interval.assumption, { key: 'calls_per_poll', value: calls, source: 'code' }, replicas.assumption];
    const f = (n) => formatNumber(n, locale);
    let after = 0;
    let afterText = '0';
    if (input.after === 'backoff') {
        const cap = fromDefault('backoff_max_seconds');
        const capSeconds = Math.max(cap.value, interval);
        after = (SECONDS_PER_DAY / capSeconds) * calls * replicas.value;
        afterText = `86,400 ÷ backoff_max_seconds (${f(capSeconds)} s) × ${f(calls)} × ${f(replicas.value)} = ${f(after)}`;
        assumptions.push(cap.assumption);
    }
    const monthly = monthlyFromCalls(before, after, cost, locale);
    return {
        metric: 'idle_queries_per_day',
        before,
        after,
        unit: 'queries/day',
        formula: `86,400 s/day ÷ ${term(input.interval, locale)} × calls_per_poll (${f(calls)}) × ${term(replicas, locale)}` +
            ` = ${f(before)} → ${afterText}`,
        assumptions: uniqueAssumptions([...assumptions, ...priceAssumptions(cost, monthly, 'per_million_queries')]),
        ...(monthly ? { monthly } : {}),
    };
}
/** Round trips per batch of an N+1 loop: `1 + n × calls` → `1 + calls`, with the wall time of each. */
export function roundTripsCost(input, cost, locale) {
    const f = (n) => formatNumber(n, locale);
    const base = input.listQuery ? 1 : 0;
    const calls = Math.max(1, input.callsPerItem);
    const n = Math.max(1, input.items.value);
    const before = base + n * calls;
    const after = base + calls;
    const lat = input.latency.value;
    const prefix = base ? '1 + ' : '';
    const formula = `${prefix}${term(input.items, locale)} × calls_per_item (${f(calls)}) = ${f(before)} → ${prefix}${f(calls)}${base ? ` = ${f(after)}` : ''};` +
        ` wall: ${f(before)} × ${term(input.latency, locale)} = ${formatDuration(before * lat, locale)} → ${formatDuration(after * lat, locale)}`;
    const assumptions = [input.items.assumption, { key: 'calls_per_item', value: calls, source: 'code' }, input.latency.assumption];
    let monthly;
    if (input.runsPerDay) {
        assumptions.push(input.runsPerDay.assumption);
        monthly = monthlyFromCalls(before * input.runsPerDay.value, after * input.runsPerDay.value, cost, locale);
    }
    return {
        metric: 'round_trips_per_batch',
        before,
        after,
        unit: 'round trips/batch',
        formula,
        assumptions: uniqueAssumptions([...assumptions, ...priceAssumptions(cost, monthly, 'per_million_queries')]),
        ...(monthly ? { monthly } : {}),
    };
}
/** Wall time per batch of independent blocking calls made one after another: `n × latency` → `n × latency ÷ concurrency`. */
export function serialWallTimeCost(input, cost, locale) {
    void cost;
    const f = (n) => formatNumber(n, locale);
    const n = Math.max(1, input.items.value);
    const inFlight = Math.max(1, Math.min(input.concurrency.value, n));
    const beforeMs = n * input.latency.value;
    const afterMs = beforeMs / inFlight;
    return {
        metric: 'wall_seconds_per_batch',
        before: beforeMs / 1000,
        after: afterMs / 1000,
        unit: 's/batch',
        formula: `${term(input.items, locale)} × ${term(input.latency, locale)} = ${formatDuration(beforeMs, locale)}` +
            ` → ÷ ${term(input.concurrency, locale)} = ${formatDuration(afterMs, locale)}` +
            (inFlight < input.concurrency.value ? ` (${f(inFlight)} in flight)` : ''),
        assumptions: uniqueAssumptions([input.items.assumption, input.latency.assumption, input.concurrency.assumption]),
    };
}
/** Commits per batch: `n` → `1` (or one per chunk when the fix commits in chunks). */
export function commitsCost(input, cost, locale, afterCommits = 1) {
    void cost;
    const n = Math.max(1, input.items.value);
    const lat = input.commitLatency.value;
    return {
        metric: 'commits_per_batch',
        before: n,
        after: afterCommits,
        unit: 'commits/batch',
        formula: `${term(input.items, locale)} = ${formatNumber(n, locale)} → ${formatNumber(afterCommits, locale)};` +
            ` wall: ${formatNumber(n, locale)} × ${term(input.commitLatency, locale)} = ${formatDuration(n * lat, locale)} → ${formatDuration(afterCommits * lat, locale)}`,
        assumptions: uniqueAssumptions([input.items.assumption, input.commitLatency.assumption]),
    };
}
/**
 * Connections opened per iteration. Inside a poller: per hour `3,600 / interval × replicas` → 0 (one long-lived
 * client); inside a batch loop: per batch `n` → 1, with `n × connect_ms` of handshakes.
 */
export function connectionsCost(input, cost, locale) {
    const f = (n) => formatNumber(n, locale);
    if (input.per === 'hour') {
        const replicas = fromConfig(cost, 'replicas');
        const interval = Math.max(input.interval.value, 0.001);
        const before = (SECONDS_PER_HOUR / interval) * replicas.value;
        const handshakeSecondsPerDay = (before * 24 * input.connect.value) / 1000;
        const monthly = monthlyFromCoreSeconds(handshakeSecondsPerDay, 0, cost, locale);
        return {
            metric: 'connections_per_hour',
            before,
            after: 0,
            unit: 'connections/hour',
            formula: `3,600 s/h ÷ ${term(input.interval, locale)} × ${term(replicas, locale)} = ${f(before)} → 0;` +
                ` handshakes: ${f(before)} × ${term(input.connect, locale)} = ${formatDuration(before * input.connect.value, locale)}/h → 0`,
            assumptions: uniqueAssumptions([
                input.interval.assumption,
                replicas.assumption,
                input.connect.assumption,
                ...priceAssumptions(cost, monthly, 'core_hour'),
            ]),
            ...(monthly ? { monthly } : {}),
        };
    }
    const n = Math.max(1, input.items.value);
    return {
        metric: 'connections_per_batch',
        before: n,
        after: 1,
        unit: 'connections/batch',
        formula: `${term(input.items, locale)} = ${f(n)} → 1;` +
            ` handshakes: ${f(n)} × ${term(input.connect, locale)} = ${formatDuration(n * input.connect.value, locale)} → ${formatDuration(input.connect.value, locale)}`,
        assumptions: uniqueAssumptions([input.items.assumption, input.connect.assumption]),
    };
}
/** Evaluations per batch of work that does not change between iterations: `n` → `1`. */
export function repeatedWorkCost(items, locale, costPerEvaluation) {
    const n = Math.max(1, items.value);
    const f = (x) => formatNumber(x, locale);
    const wall = costPerEvaluation
        ? `; wall: ${f(n)} × ${term(costPerEvaluation, locale)} = ${formatDuration(n * costPerEvaluation.value, locale)} → ${formatDuration(costPerEvaluation.value, locale)}`
        : '';
    return {
        metric: 'evaluations_per_batch',
        before: n,
        after: 1,
        unit: 'evaluations/batch',
        formula: `${term(items, locale)} = ${f(n)} → 1${wall}`,
        assumptions: uniqueAssumptions([items.assumption, ...(costPerEvaluation ? [costPerEvaluation.assumption] : [])]),
    };
}
/** Rows read per day by an unbounded polling query with a backlog of `table_rows`: `polls × rows` → `polls × LIMIT`. */
export function rowsReadCost(input, cost, locale) {
    const f = (n) => formatNumber(n, locale);
    const rows = fromDefault('table_rows');
    const replicas = fromConfig(cost, 'replicas');
    const polls = (SECONDS_PER_DAY / Math.max(input.interval.value, 0.001)) * replicas.value;
    const before = polls * rows.value;
    const after = polls * Math.min(rows.value, input.limit.value);
    return {
        metric: 'rows_read_per_day',
        before,
        after,
        unit: 'rows/day',
        formula: `86,400 s/day ÷ ${term(input.interval, locale)} × ${term(replicas, locale)} = ${f(polls)} polls;` +
            ` × ${term(rows, locale)} = ${f(before)} → × ${term(input.limit, locale)} = ${f(after)}`,
        assumptions: uniqueAssumptions([input.interval.assumption, replicas.assumption, rows.assumption, input.limit.assumption]),
    };
}
/** Bytes copied building a string/list by re-concatenation: `piece × n(n+1)/2` → `piece × n`. */
export function quadraticCopyCost(items, locale, piece = fromDefault('piece_bytes')) {
    const f = (x) => formatNumber(x, locale);
    const n = Math.max(1, items.value);
    const before = (piece.value * n * (n + 1)) / 2;
    const after = piece.value * n;
    return {
        metric: 'bytes_copied_per_batch',
        before,
        after,
        unit: 'bytes/batch',
        formula: `${term(piece, locale)} × ${term(items, locale)} × (${f(n)} + 1) ÷ 2 = ${f(before)} → ${f(piece.value)} × ${f(n)} = ${f(after)}`,
        assumptions: uniqueAssumptions([items.assumption, piece.assumption]),
    };
}
/** Element comparisons of `x in list` per batch: `n × m` → `n + m` (m to build the set once, n hash lookups). */
export function comparisonsCost(items, listSize, locale) {
    const f = (x) => formatNumber(x, locale);
    const n = Math.max(1, items.value);
    const m = Math.max(1, listSize.value);
    return {
        metric: 'comparisons_per_batch',
        before: n * m,
        after: n + m,
        unit: 'comparisons/batch',
        formula: `${term(items, locale)} × ${term(listSize, locale)} = ${f(n * m)} → ${f(n)} + ${f(m)} = ${f(n + m)}`,
        assumptions: uniqueAssumptions([items.assumption, listSize.assumption]),
    };
}
/** Runs per day of a loop body inside a poller that sleeps `interval` seconds. */
export function runsPerDay(interval, locale) {
    const value = SECONDS_PER_DAY / Math.max(interval.value, 0.001);
    void locale;
    return { value, assumption: { key: 'runs_per_day', value: Math.round(value * 100) / 100, unit: '/day', source: interval.assumption.source } };
}
