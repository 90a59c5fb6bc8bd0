// Every number in an estimate says where it came from: a literal in the analysed code, the repository's `cost:`
// config, or a built-in default. A reviewer who disagrees with a figure can see which knob to turn.
import { DEFAULT_CONFIG } from '../config/schema.js';
/** Units of the config keys, shown next to their values. */
export const CONFIG_UNITS = {
    db_query_ms: 'ms',
    http_call_ms: 'ms',
    connect_ms: 'ms',
    concurrency: undefined,
    batch_size: undefined,
    replicas: undefined,
    core_hour: undefined,
    per_million_queries: undefined,
};
/**
 * Figures the config has no key for, with honest defaults. They are always listed as `default` so that a reader
 * knows they are guesses.
 */
export const BUILT_IN_DEFAULTS = {
    /** Longest sleep of an idle backoff (the "after" of a polling fix that cannot block). */
    backoff_max_seconds: 300,
    /** Rows matching an unbounded polling query when a backlog has built up. */
    table_rows: 10_000,
    /** Average size of one appended string piece. */
    piece_bytes: 64,
};
const BUILT_IN_UNITS = {
    backoff_max_seconds: 's',
    table_rows: undefined,
    piece_bytes: 'B',
};
/**
 * A config value; `source` is `default` when it equals the built-in default (the parsed config cannot tell an
 * explicit default from an omitted key, and for the reader the two mean the same).
 */
export function fromConfig(cost, key) {
    const value = cost[key];
    const source = value === DEFAULT_CONFIG.cost[key] ? 'default' : 'config';
    const assumption = { key, value, source };
    const unit = CONFIG_UNITS[key];
    if (unit)
        assumption.unit = unit;
    return { value, assumption };
}
/** A literal read from the analysed code (sleep duration, LIMIT, max_workers, slice bound). */
export function fromCode(key, value, unit) {
    const assumption = { key, value, source: 'code' };
    if (unit)
        assumption.unit = unit;
    return { value, assumption };
}
/** A built-in default that has no config key. */
export function fromDefault(key) {
    const value = BUILT_IN_DEFAULTS[key];
    const assumption = { key, value, source: 'default' };
    const unit = BUILT_IN_UNITS[key];
    if (unit)
        assumption.unit = unit;
    return { value, assumption };
}
/** The code's literal when there is one, else the config value (or its default). */
export function fromCodeOrConfig(codeValue, codeKey, cost, configKey, unit) {
    if (codeValue !== undefined && Number.isFinite(codeValue) && codeValue > 0)
        return fromCode(codeKey, codeValue, unit);
    return fromConfig(cost, configKey);
}
/** Drops duplicate keys (first wins) so that a figure used twice is listed once. */
export function uniqueAssumptions(list) {
    const seen = new Set();
    return list.filter((a) => (seen.has(a.key) ? false : (seen.add(a.key), true)));
}
