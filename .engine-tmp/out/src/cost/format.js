const formatters = new Map();
function formatter(locale, options) {
    const key = `${locale}|${JSON.stringify(options)}`;
    let f = formatters.get(key);
    if (!f) {
        f = new Intl.NumberFormat(locale, options);
        formatters.set(key, f);
    }
    return f;
}
/** `2880` → `2,880`; `2.5` → `2.5`; `0.01728` → `0.0173`; non-finite values as `∞` / `?`. */
export function formatNumber(n, locale) {
    if (Number.isNaN(n))
        return '?';
    if (!Number.isFinite(n))
        return n > 0 ? '∞' : '-∞';
    const abs = Math.abs(n);
    if (abs === 0)
        return '0';
    if (abs >= 100)
        return formatter(locale, { maximumFractionDigits: 0 }).format(n);
    if (abs >= 1)
        return formatter(locale, { maximumFractionDigits: 2 }).format(n);
    return formatter(locale, { maximumSignificantDigits: 3 }).format(n);
}
/** Money with the currency code after the amount (`1.25 USD`): codes need no symbol table and read in any locale. */
export function formatMoney(amount, currency, locale) {
    const abs = Math.abs(amount);
    const text = abs >= 1 || abs === 0
        ? formatter(locale, { minimumFractionDigits: abs === 0 ? 0 : 2, maximumFractionDigits: 2 }).format(amount)
        : formatNumber(amount, locale);
    return `${text} ${currency}`;
}
/** Milliseconds as the largest readable unit: `450 ms`, `20 s`, `3.5 min`, `2.1 h`. */
export function formatDuration(ms, locale) {
    const abs = Math.abs(ms);
    if (abs < 1000)
        return `${formatNumber(ms, locale)} ms`;
    if (abs < 120_000)
        return `${formatNumber(ms / 1000, locale)} s`;
    if (abs < 7_200_000)
        return `${formatNumber(ms / 60_000, locale)} min`;
    return `${formatNumber(ms / 3_600_000, locale)} h`;
}
