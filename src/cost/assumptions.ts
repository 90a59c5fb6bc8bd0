// Every number in an estimate says where it came from: a literal in the analysed code, the repository's `cost:`
// config, or a built-in default. A reviewer who disagrees with a figure can see which knob to turn.
import { DEFAULT_CONFIG, type CostConfig } from '../config/schema.js';
import { t } from '../core/i18n.js';
import type { CostAssumption, Locale } from '../core/types.js';
import { formatNumber } from './format.js';

export type NumericCostKey = Exclude<keyof CostConfig, 'currency'>;

/** Units of the config keys, shown next to their values. */
export const CONFIG_UNITS: Record<NumericCostKey, string | undefined> = {
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
} as const;
export type BuiltInKey = keyof typeof BUILT_IN_DEFAULTS;

const BUILT_IN_UNITS: Record<BuiltInKey, string | undefined> = {
  backoff_max_seconds: 's',
  table_rows: undefined,
  piece_bytes: 'B',
};

/** A number used in an estimate together with the assumption that documents it. */
export interface Sourced {
  value: number;
  assumption: CostAssumption;
}

/**
 * A config value; `source` is `default` when it equals the built-in default (the parsed config cannot tell an
 * explicit default from an omitted key, and for the reader the two mean the same).
 */
export function fromConfig(cost: CostConfig, key: NumericCostKey): Sourced {
  const value = cost[key];
  const source = value === DEFAULT_CONFIG.cost[key] ? 'default' : 'config';
  const assumption: CostAssumption = { key, value, source };
  const unit = CONFIG_UNITS[key];
  if (unit) assumption.unit = unit;
  return { value, assumption };
}

/** A literal read from the analysed code (sleep duration, LIMIT, max_workers, slice bound). */
export function fromCode(key: string, value: number, unit?: string): Sourced {
  const assumption: CostAssumption = { key, value, source: 'code' };
  if (unit) assumption.unit = unit;
  return { value, assumption };
}

/** A built-in default that has no config key. */
export function fromDefault(key: BuiltInKey): Sourced {
  const value = BUILT_IN_DEFAULTS[key];
  const assumption: CostAssumption = { key, value, source: 'default' };
  const unit = BUILT_IN_UNITS[key];
  if (unit) assumption.unit = unit;
  return { value, assumption };
}

/** The code's literal when there is one, else the config value (or its default). */
export function fromCodeOrConfig(
  codeValue: number | undefined,
  codeKey: string,
  cost: CostConfig,
  configKey: NumericCostKey,
  unit?: string,
): Sourced {
  if (codeValue !== undefined && Number.isFinite(codeValue) && codeValue > 0) return fromCode(codeKey, codeValue, unit);
  return fromConfig(cost, configKey);
}

/** Drops duplicate keys (first wins) so that a figure used twice is listed once. */
export function uniqueAssumptions(list: CostAssumption[]): CostAssumption[] {
  const seen = new Set<string>();
  return list.filter((a) => (seen.has(a.key) ? false : (seen.add(a.key), true)));
}

/**
 * An iteration count for a message: the number when the code says it (a literal list or tuple, `range(N)`, a LIMIT),
 * else the number labelled as assumed (`100 (assumed)`), so that "100 round trips" is never read as a measurement.
 */
export function formatCount(count: Sourced, locale: Locale): string {
  const n = formatNumber(count.value, locale);
  return count.assumption.source === 'code' ? n : t(locale, 'cost.assumed_count', { n });
}
