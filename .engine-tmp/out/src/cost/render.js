// Markdown for a cost estimate, shared by the review comment, the CLI's markdown output and the weekly report.
import { hasText, t } from '../core/i18n.js';
import { formatMoney, formatNumber } from './format.js';
/** Localised label of a metric, assumption key or unit; an unknown key is shown as written. */
function label(locale, prefix, key) {
    const full = `cost.${prefix}.${key}`;
    return hasText(locale, full) || hasText('en', full) ? t(locale, full) : key;
}
function renderAssumption(a, locale) {
    const value = typeof a.value === 'number' ? formatNumber(a.value, locale) : a.value;
    const unit = a.unit ? ` ${label(locale, 'unit', a.unit)}` : '';
    return `  - ${label(locale, 'assumption', a.key)} (\`${a.key}\`): ${value}${unit} · ${t(locale, `cost.source.${a.source}`)}`;
}
/** Metric before → after, the formula, money per month when priced, and every assumption with its source. */
export function renderCost(cost, locale) {
    const unit = label(locale, 'unit', cost.unit);
    const lines = [
        `${label(locale, 'metric', cost.metric)}: **${formatNumber(cost.before, locale)} → ${formatNumber(cost.after, locale)}** ${unit}`,
        `- ${t(locale, 'cost.formula')}: \`${cost.formula}\``,
    ];
    if (cost.monthly) {
        const m = cost.monthly;
        lines.push(`- ${t(locale, 'cost.monthly')}: **${formatMoney(m.before, m.currency, locale)} → ${formatMoney(m.after, m.currency, locale)}** (\`${m.formula}\`)`);
    }
    if (cost.assumptions.length > 0) {
        lines.push(`- ${t(locale, 'cost.assumptions')}:`);
        for (const a of cost.assumptions)
            lines.push(renderAssumption(a, locale));
    }
    return lines.join('\n') + '\n';
}
/** One line for summaries and tables: `idle queries per day: 2,880 → 0`. */
export function renderCostInline(cost, locale) {
    return `${label(locale, 'metric', cost.metric)}: ${formatNumber(cost.before, locale)} → ${formatNumber(cost.after, locale)} ${label(locale, 'unit', cost.unit)}`;
}
