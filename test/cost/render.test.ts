import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { LOCALES } from '../../src/core/types.js';
import { formatDuration, formatMoney, formatNumber, fromCode, idlePollingCost, renderCost, renderCostInline, serialWallTimeCost, fromConfig } from '../../src/cost/index.js';
import { hasText } from '../../src/core/i18n.js';

describe('formatNumber', () => {
  it('groups thousands and keeps small values readable', () => {
    expect(formatNumber(2880, 'en')).toBe('2,880');
    expect(formatNumber(2880, 'zh-CN')).toBe('2,880');
    expect(formatNumber(2.5, 'en')).toBe('2.5');
    expect(formatNumber(123.456, 'en')).toBe('123');
    expect(formatNumber(0.01728, 'en')).toBe('0.0173');
    expect(formatNumber(0, 'en')).toBe('0');
    expect(formatNumber(Number.NaN, 'en')).toBe('?');
    expect(formatNumber(Number.POSITIVE_INFINITY, 'en')).toBe('∞');
  });

  it('formats money and durations', () => {
    expect(formatMoney(12.3, 'USD', 'en')).toBe('12.30 USD');
    expect(formatMoney(0.01728, 'EUR', 'en')).toBe('0.0173 EUR');
    expect(formatMoney(0, 'USD', 'en')).toBe('0 USD');
    expect(formatDuration(505, 'en')).toBe('505 ms');
    expect(formatDuration(20_000, 'en')).toBe('20 s');
    expect(formatDuration(600_000, 'en')).toBe('10 min');
    expect(formatDuration(36_000_000, 'en')).toBe('10 h');
  });
});

describe('renderCost', () => {
  const polling = idlePollingCost({ interval: fromCode('sleep_seconds', 30, 's'), callsPerPoll: 1, after: 'event' }, DEFAULT_CONFIG.cost, 'en');

  it.each(LOCALES)('renders metric, formula, money and sourced assumptions (%s)', (locale) => {
    expect(renderCost(polling, locale)).toMatchSnapshot();
  });

  it('names every assumption with its source', () => {
    const text = renderCost(polling, 'en');
    expect(text).toContain('Idle queries per day: **2,880 → 0** queries/day');
    expect(text).toContain('sleep between polls (`sleep_seconds`): 30 s · from the code');
    expect(text).toContain('worker replicas (`replicas`): 1 · default');
    expect(text).toContain('Per month: **0.0173 USD → 0 USD**');
  });

  it('shows unknown metric and assumption keys as written instead of failing', () => {
    const text = renderCost({ metric: 'made_up', before: 3, after: 1, unit: 'widgets', formula: '3 → 1', assumptions: [{ key: 'mystery', value: 'x', source: 'config' }] }, 'zh-CN');
    expect(text).toContain('made_up: **3 → 1** widgets');
    expect(text).toContain('mystery (`mystery`): x · 取自配置');
  });

  it('has a label in both locales for every metric, unit and assumption the models produce', () => {
    const serial = serialWallTimeCost({ items: fromConfig(DEFAULT_CONFIG.cost, 'batch_size'), latency: fromConfig(DEFAULT_CONFIG.cost, 'http_call_ms'), concurrency: fromConfig(DEFAULT_CONFIG.cost, 'concurrency') }, DEFAULT_CONFIG.cost, 'en');
    for (const est of [polling, serial]) {
      for (const locale of LOCALES) {
        expect(hasText(locale, `cost.metric.${est.metric}`)).toBe(true);
        expect(hasText(locale, `cost.unit.${est.unit}`)).toBe(true);
        for (const a of est.assumptions) expect(hasText(locale, `cost.assumption.${a.key}`)).toBe(true);
      }
    }
    expect(renderCostInline(serial, 'zh-CN')).toBe('每批耗时: 20 → 2.5 秒/批');
  });
});
