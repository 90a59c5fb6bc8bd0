// The optimize parts of the generated rule reference (docs/rules/optimize.md, src/analysis/rule-docs.ts): the intro
// and the cost model, whose formulas and defaults are not in the rule files.
import type { CostConfig } from '../../../config/schema.js';
import { DEFAULT_CONFIG } from '../../../config/schema.js';
import type { Locale } from '../../../core/types.js';
import { t } from '../../../core/i18n.js';
import { BUILT_IN_DEFAULTS } from '../../../cost/index.js';

export const INTRO: Record<Locale, string[]> = {
  en: [
    'The `optimize` target finds loops that quietly burn database, API and CPU budget. Every finding carries a cost',
    'estimate (metric before → after, the formula with its numbers, and each assumption with its source: a literal in',
    'the code, the `cost:` config, or a default) and a patch: an exact replacement when a local rewrite is correct,',
    'otherwise a complete rewrite as a code block. Fixed-interval polling findings also come with a Prometheus alert',
    'rule and an event-driven consumer sketch.',
  ],
  'zh-CN': [
    '`optimize` 目标查找悄悄消耗数据库、API 和 CPU 预算的循环。每个问题都附带成本估算（指标的前后对比、代入数字的公式，',
    '以及每个假设的来源：代码中的字面量、`cost:` 配置或默认值）和补丁：本地改写正确时给出精确替换，否则给出完整的改写代码块。',
    '固定间隔轮询的问题还附带一条 Prometheus 告警规则和一个事件驱动消费者示例。',
  ],
};

const COST_HEADING: Record<Locale, string> = { en: 'Cost model', 'zh-CN': '成本模型' };

const FORMULAS: Record<Locale, [string, string][]> = {
  en: [
    ['idle_queries_per_day', '86,400 ÷ sleep_seconds × calls_per_poll × replicas → 0 (blocking pop, LISTEN/NOTIFY) or 86,400 ÷ backoff_max_seconds × … (idle backoff); money: × 30 ÷ 10⁶ × per_million_queries'],
    ['round_trips_per_batch', '1 + batch_size × calls_per_item → 1 + calls_per_item; wall time × db_query_ms; money when the loop runs inside a poller'],
    ['wall_seconds_per_batch', 'batch_size × http_call_ms → ÷ concurrency (max_workers / pLimit / Semaphore literal, else config)'],
    ['commits_per_batch', 'batch_size → 1; wall time × db_query_ms'],
    ['connections_per_hour / _per_batch', '3,600 ÷ sleep_seconds × replicas → 0 inside a poller (money from handshake core-seconds × core_hour); batch_size → 1 otherwise, × connect_ms'],
    ['evaluations_per_batch', 'batch_size → 1'],
    ['rows_read_per_day', '86,400 ÷ sleep_seconds × replicas × table_rows → × batch_size (the LIMIT of the fix)'],
    ['bytes_copied_per_batch', 'piece_bytes × n(n+1)/2 → piece_bytes × n'],
    ['comparisons_per_batch', 'batch_size × list_length → batch_size + list_length'],
  ],
  'zh-CN': [
    ['idle_queries_per_day', '86,400 ÷ sleep_seconds × calls_per_poll × replicas → 0（阻塞出队、LISTEN/NOTIFY）或 86,400 ÷ backoff_max_seconds × …（空闲退避）；金额：× 30 ÷ 10⁶ × per_million_queries'],
    ['round_trips_per_batch', '1 + batch_size × calls_per_item → 1 + calls_per_item；耗时 × db_query_ms；位于轮询循环内时计算金额'],
    ['wall_seconds_per_batch', 'batch_size × http_call_ms → ÷ concurrency（取代码中的 max_workers / pLimit / Semaphore 字面量，否则取配置）'],
    ['commits_per_batch', 'batch_size → 1；耗时 × db_query_ms'],
    ['connections_per_hour / _per_batch', '轮询循环内：3,600 ÷ sleep_seconds × replicas → 0（金额按握手的核秒数 × core_hour）；否则 batch_size → 1，× connect_ms'],
    ['evaluations_per_batch', 'batch_size → 1'],
    ['rows_read_per_day', '86,400 ÷ sleep_seconds × replicas × table_rows → × batch_size（修复后的 LIMIT）'],
    ['bytes_copied_per_batch', 'piece_bytes × n(n+1)/2 → piece_bytes × n'],
    ['comparisons_per_batch', 'batch_size × list_length → batch_size + list_length'],
  ],
};

const CONFIG_NOTE: Record<Locale, string> = {
  en: 'Figures the code does not state come from `cost:` in `.coze-loop.yml` (defaults shown); `backoff_max_seconds`, `table_rows` and `piece_bytes` are built-in defaults and always labelled as such.',
  'zh-CN': '代码中没有给出的数字取自 `.coze-loop.yml` 的 `cost:`（下表为默认值）；`backoff_max_seconds`、`table_rows` 和 `piece_bytes` 是内置默认值，并始终如此标注。',
};

export function costSection(locale: Locale, cost: CostConfig = DEFAULT_CONFIG.cost): string[] {
  const rows = Object.entries(cost).map(([k, v]) => `| \`${k}\` | ${t(locale, `cost.assumption.${k}`)} | ${v} |`);
  for (const [k, v] of Object.entries(BUILT_IN_DEFAULTS)) rows.push(`| \`${k}\` | ${t(locale, `cost.assumption.${k}`)} | ${v} (built-in) |`);
  return [
    `## ${COST_HEADING[locale]}`,
    '',
    ...FORMULAS[locale].map(([metric, formula]) => `- \`${metric}\`: ${formula}`),
    '',
    CONFIG_NOTE[locale],
    '',
    '| key | | default |',
    '|---|---|---|',
    ...rows,
    '',
  ];
}
