// The page's own text in English and Chinese. The cost labels (metrics, assumptions, units) come from the
// product's templates/i18n/cost.*.yml, compiled into the bundle by scripts/build-web.js, so the page and the review
// comments name things the same way.

export type UiLocale = 'en' | 'zh-CN';
export const UI_LOCALES: UiLocale[] = ['en', 'zh-CN'];

const en = {
  title: 'coze-loop playground',
  tagline: 'Paste a loop, pick a target, press Analyze: the diagnosis, a cost estimate and a patch, computed by this service.',
  setup: 'No GitHub App is configured on this service yet.',
  setupLink: 'Register one',
  code: 'Code',
  example: 'Example',
  exampleNone: 'Load an example…',
  'example.poller': 'Poller that sleeps between queries (Python)',
  'example.n-plus-one': 'N+1 queries (TypeScript)',
  'example.retry': 'Retry loop (JavaScript)',
  language: 'Language',
  languageAuto: 'Detect: {language}',
  target: 'Target',
  'target.all': 'All targets',
  'target.optimize': 'optimize: cost',
  'target.readability': 'readability',
  'target.fix-bugs': 'fix-bugs',
  analyze: 'Analyze',
  shortcut: 'or Ctrl/⌘ + Enter',
  share: 'Copy share link',
  shareCopied: 'Link copied. The code travels inside the link; nothing is stored on the server.',
  shareShown: 'Share link (the code travels inside it; nothing is stored on the server):',
  shareBroken: 'This share link is damaged; the editor was left as it was.',
  results: 'Results',
  idle: 'Results appear here. Paste code or load an example, then press Analyze.',
  running: 'Analyzing…',
  summary: '{count} finding(s) · {ms} ms',
  noFindings: 'No findings for this target. Try "All targets" or another example.',
  'error.too-large': 'The code is larger than the playground accepts ({max}). Analyse big files with the CLI: npx coze-loop <path>.',
  'error.rate-limited': 'Too many analyses from your address. Try again in {seconds} s.',
  'error.bad-request': 'The service could not use the request: {message}',
  'error.network': 'The service did not answer ({message}).',
  'severity.error': 'error',
  'severity.warning': 'warning',
  'severity.info': 'info',
  lines: 'Lines {start}–{end}',
  line: 'Line {line}',
  ruleDocs: 'Docs for {rule}',
  cost: 'Cost estimate',
  formula: 'Formula',
  perMonth: 'Per month',
  assumptions: 'Assumptions',
  'source.code': 'from the code',
  'source.config': 'as you set it',
  'source.default': 'default',
  patch: 'Suggested patch',
  sketch: 'Suggested structure: a sketch to adapt, not a drop-in patch',
  'safety.safe': 'safe to apply',
  'safety.unsafe': 'review before applying',
  before: 'Before',
  after: 'After',
  copyCode: 'Copy new code',
  copied: 'Copied',
  download: 'Download .patch',
  extras: 'More',
  showInEditor: 'Highlight lines {start}–{end} in the editor',
  costForm: 'Cost assumptions: replicas, prices, latencies (edit to recompute money per month)',
  'field.replicas': 'Worker replicas',
  'field.core_hour': 'Price per CPU core-hour',
  'field.per_million_queries': 'Price per million queries',
  'field.db_query_ms': 'Database round trip (ms)',
  'field.http_call_ms': 'HTTP call (ms)',
  'field.batch_size': 'Items per batch',
  'field.currency': 'Currency',
  recalculate: 'Recalculate',
  llmPending: 'Asking the model to refine the top findings… The rules-only result is shown until then.',
  llmRefined: 'Model refinement ({model})',
  llmUnchanged: 'The model refinement kept the rules-only result.',
  llmFailed: 'The model refinement did not answer; the rules-only result stands.',
  rulesOnly: 'Rules-only result',
  notes: 'Notes',
  skipped: 'Not analysed ({reason}): {detail}',
  footer: 'The code is analysed by this service and neither stored nor logged. API: POST /api/analyze, see docs/playground.md.',
  interfaceLanguage: 'Interface language',
};

export type TextKey = keyof typeof en;

const zh: Record<TextKey, string> = {
  title: 'coze-loop 在线试用',
  tagline: '粘贴一段循环代码，选择目标，点击“分析”：由本服务给出诊断、成本估算和补丁。',
  setup: '本服务尚未配置 GitHub App。',
  setupLink: '注册一个',
  code: '代码',
  example: '示例',
  exampleNone: '加载示例…',
  'example.poller': '查询之间固定休眠的轮询器（Python）',
  'example.n-plus-one': 'N+1 查询（TypeScript）',
  'example.retry': '重试循环（JavaScript）',
  language: '语言',
  languageAuto: '自动检测：{language}',
  target: '目标',
  'target.all': '全部目标',
  'target.optimize': 'optimize：成本',
  'target.readability': 'readability：可读性',
  'target.fix-bugs': 'fix-bugs：缺陷',
  analyze: '分析',
  shortcut: '或 Ctrl/⌘ + Enter',
  share: '复制分享链接',
  shareCopied: '链接已复制。代码保存在链接本身中，服务器不存储任何内容。',
  shareShown: '分享链接（代码保存在链接中，服务器不存储任何内容）：',
  shareBroken: '此分享链接已损坏，编辑器内容保持不变。',
  results: '结果',
  idle: '结果显示在这里。粘贴代码或加载示例，然后点击“分析”。',
  running: '正在分析…',
  summary: '{count} 个发现 · {ms} 毫秒',
  noFindings: '此目标下没有发现。试试“全部目标”或其他示例。',
  'error.too-large': '代码超过了在线试用的上限（{max}）。大文件请用命令行：npx coze-loop <路径>。',
  'error.rate-limited': '来自您地址的分析请求过多，请在 {seconds} 秒后重试。',
  'error.bad-request': '服务无法处理该请求：{message}',
  'error.network': '服务没有响应（{message}）。',
  'severity.error': '错误',
  'severity.warning': '警告',
  'severity.info': '提示',
  lines: '第 {start}–{end} 行',
  line: '第 {line} 行',
  ruleDocs: '{rule} 的文档',
  cost: '成本估算',
  formula: '公式',
  perMonth: '每月',
  assumptions: '假设',
  'source.code': '取自代码',
  'source.config': '您设置的值',
  'source.default': '默认值',
  patch: '建议补丁',
  sketch: '建议结构：需要按实际情况调整的示意，不能直接套用',
  'safety.safe': '可直接应用',
  'safety.unsafe': '应用前请审阅',
  before: '修改前',
  after: '修改后',
  copyCode: '复制新代码',
  copied: '已复制',
  download: '下载 .patch',
  extras: '更多',
  showInEditor: '在编辑器中高亮第 {start}–{end} 行',
  costForm: '成本假设：副本数、价格、延迟（修改后重新计算每月金额）',
  'field.replicas': '工作进程副本数',
  'field.core_hour': '每 CPU 核时价格',
  'field.per_million_queries': '每百万次查询价格',
  'field.db_query_ms': '数据库往返（毫秒）',
  'field.http_call_ms': 'HTTP 调用（毫秒）',
  'field.batch_size': '每批条目数',
  'field.currency': '货币',
  recalculate: '重新计算',
  llmPending: '正在请模型细化前几个发现…在此之前显示仅基于规则的结果。',
  llmRefined: '模型细化（{model}）',
  llmUnchanged: '模型细化保留了仅基于规则的结果。',
  llmFailed: '模型细化没有响应，仅基于规则的结果保持有效。',
  rulesOnly: '仅基于规则的结果',
  notes: '说明',
  skipped: '未分析（{reason}）：{detail}',
  footer: '代码由本服务分析，既不存储也不记录日志。API：POST /api/analyze，见 docs/playground.md。',
  interfaceLanguage: '界面语言',
};

const TEXTS: Record<UiLocale, Record<TextKey, string>> = { en, 'zh-CN': zh };

declare const __COST_LABELS__: Record<UiLocale, Record<string, string>>;
const COST_LABELS: Record<UiLocale, Record<string, string>> = typeof __COST_LABELS__ === 'undefined' ? { en: {}, 'zh-CN': {} } : __COST_LABELS__;

export function text(locale: UiLocale, key: TextKey, params: Record<string, string | number> = {}): string {
  return TEXTS[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** `cost.metric.idle_queries_per_day` and the like; the key itself when the templates have no label. */
export function costLabel(locale: UiLocale, kind: 'metric' | 'assumption' | 'unit', key: string): string {
  const full = `cost.${kind}.${key}`;
  return COST_LABELS[locale][full] ?? COST_LABELS.en[full] ?? key;
}

/** The initial interface language: the remembered choice, else the browser's. */
export function initialLocale(stored: string | null, browser: readonly string[]): UiLocale {
  if (stored === 'en' || stored === 'zh-CN') return stored;
  for (const tag of browser) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}
