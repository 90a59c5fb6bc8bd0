// Numbers in cost estimates are read by people deciding whether a change is worth it: group thousands, keep two
// decimals for ordinary values and a few significant digits for small ones so that 0.017 USD does not read as 0.
import type { Locale } from '../core/types.js';

// The few number styles used, each formatter built once per locale (building one costs far more than using it).
const STYLES = {
  whole: { maximumFractionDigits: 0 },
  twoDecimals: { maximumFractionDigits: 2 },
  significant: { maximumSignificantDigits: 3 },
  money: { minimumFractionDigits: 2, maximumFractionDigits: 2 },
  moneyZero: { minimumFractionDigits: 0, maximumFractionDigits: 2 },
} satisfies Record<string, Intl.NumberFormatOptions>;

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(locale: Locale, style: keyof typeof STYLES): Intl.NumberFormat {
  const key = `${locale}|${style}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, STYLES[style]);
    formatters.set(key, f);
  }
  return f;
}

/** `2880` → `2,880`; `2.5` → `2.5`; `0.01728` → `0.0173`; non-finite values as `∞` / `?`. */
export function formatNumber(n: number, locale: Locale): string {
  if (Number.isNaN(n)) return '?';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '-∞';
  const abs = Math.abs(n);
  if (abs === 0) return '0';
  if (abs >= 100) return formatter(locale, 'whole').format(n);
  if (abs >= 1) return formatter(locale, 'twoDecimals').format(n);
  return formatter(locale, 'significant').format(n);
}

/** Money with the currency code after the amount (`1.25 USD`): codes need no symbol table and read in any locale. */
export function formatMoney(amount: number, currency: string, locale: Locale): string {
  const abs = Math.abs(amount);
  const text =
    abs >= 1 || abs === 0
      ? formatter(locale, abs === 0 ? 'moneyZero' : 'money').format(amount)
      : formatNumber(amount, locale);
  return `${text} ${currency}`;
}

/** Milliseconds as the largest readable unit: `450 ms`, `20 s`, `3.5 min`, `2.1 h`. */
export function formatDuration(ms: number, locale: Locale): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${formatNumber(ms, locale)} ms`;
  if (abs < 120_000) return `${formatNumber(ms / 1000, locale)} s`;
  if (abs < 7_200_000) return `${formatNumber(ms / 60_000, locale)} min`;
  return `${formatNumber(ms / 3_600_000, locale)} h`;
}
