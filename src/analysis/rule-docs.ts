// The rule reference in docs/rules/ is generated from the rule folders (rules/<id>/rule.yml), so that it cannot drift
// from what `coze-loop explain <id>` prints and what the comments say: one page per rule (`<id>.md`, the URL
// `COZE_LOOP_DOCS_URL` points comments at), one page per target, and an index. `npm run docs:rules` rewrites them;
// test/analysis/rule-docs.test.ts fails when a committed page differs from what this renders.
import { t } from '../core/i18n.js';
import { TARGETS, type Locale, type Target } from '../core/types.js';
import { renderRuleDocs, severityNotes } from './engine.js';
import { detectorPath } from './rule-registry.js';
import type { RuleDefinition } from './rule-types.js';
import { costSection, INTRO as OPTIMIZE_INTRO } from './rules/optimize/reference.js';

/** Where the pages go, relative to the repository root. */
export const RULE_DOCS_DIR = 'docs/rules';

const GENERATED = '<!-- Generated from rules/<id>/rule.yml by `npm run docs:rules`; do not edit (test/analysis/rule-docs.test.ts). -->';

const TARGET_TITLE: Record<Target, Record<Locale, string>> = {
  optimize: { en: '`optimize` rules', 'zh-CN': '`optimize` 规则' },
  readability: { en: '`readability` rules', 'zh-CN': '`readability` 规则' },
  'fix-bugs': { en: '`fix-bugs` rules', 'zh-CN': '`fix-bugs` 规则' },
};

const SHARED_NOTE: Record<Locale, string[]> = {
  en: [
    'Precision comes first: every rule stays quiet when it cannot be sure. In test code (`test_code.paths`) only the',
    '`fix-bugs` rules report by default (`test_code.targets`). A fix is either an exact `replace` the engine has proved',
    '(the patched file parses, every name it reads is bound where it lands, the same rules clear the finding and add',
    'none) or a `block` sketch, never labelled safe. Suppress a finding with `# coze-loop: ignore[<id>]` /',
    '`// coze-loop: ignore[<id>]` on the loop line or the line above. A rule that a peer linter shares (its `peer_codes`,',
    'listed on its page) also honours that linter\'s suppression of the same problem on the finding\'s lines',
    '(`# noqa: B023`, `# pylint: disable=cell-var-from-loop`, `// eslint-disable-next-line no-loop-func`). The worker',
    'rules (`unguarded-worker-loop`, `infinite-loop-no-exit`) do not report test code at all: a test\'s loop is no deployed worker.',
  ],
  'zh-CN': [
    '精确优先：规则没有把握时保持沉默。在测试代码中（`test_code.paths`）默认只报告 `fix-bugs` 规则（`test_code.targets`）。',
    '修复要么是经过引擎验证的精确 `replace`（补丁后的文件能解析，读到的每个名字在落点处都已绑定，同样的规则不再报告该问题且不新增问题），',
    '要么是 `block` 示例，后者从不标为安全。在循环所在行或上一行写 `# coze-loop: ignore[<id>]` / `// coze-loop: ignore[<id>]` 可抑制问题。',
    '与同类 linter 共有的规则（其 `peer_codes`，列在规则页面上）也尊重该 linter 在问题所在行上对同一问题的抑制注释',
    '（`# noqa: B023`、`# pylint: disable=cell-var-from-loop`、`// eslint-disable-next-line no-loop-func`）。worker 规则',
    '（`unguarded-worker-loop`、`infinite-loop-no-exit`）完全不报告测试代码：测试里的循环不是部署运行的 worker。',
  ],
};

const INTROS: Record<Target, Record<Locale, string[]>> = {
  optimize: OPTIMIZE_INTRO,
  readability: {
    en: [
      'The `readability` target finds worker loops that are hard to read and change: tuning numbers buried in the loop,',
      'anonymous `while True` workers, long bodies and deep nesting, index loops where the value is all that is used.',
      'These findings are `info` by default and never block a merge unless `fail_on` says so.',
    ],
    'zh-CN': [
      '`readability` 目标查找难以阅读和修改的工作循环：埋在循环里的调优数字、匿名的 `while True` 工作循环、过长的循环体和过深的嵌套、',
      '只用到元素却按下标遍历的循环。这些问题默认是 `info` 级别，除非 `fail_on` 另有设置，否则不会阻止合并。',
    ],
  },
  'fix-bugs': {
    en: [
      'The `fix-bugs` target finds loops that break in production: workers that die on the first exception, retries',
      'without backoff, busy-waits, leaked resources, check-then-act races, collections mutated while iterated, tasks',
      'nobody awaits, messages acknowledged before the work succeeded, closures that capture the loop variable, loops',
      'with no way out, and `defer` inside a Go loop.',
    ],
    'zh-CN': [
      '`fix-bugs` 目标查找会在生产环境中出故障的循环：遇到第一个异常就退出的工作循环、没有退避的重试、忙等待、泄漏的资源、',
      '先检查后操作的竞态、遍历时修改集合、无人等待的任务、工作成功之前就确认的消息、捕获循环变量的闭包、没有出口的循环，',
      '以及 Go 循环中的 `defer`。',
    ],
  },
};

const COLUMNS: Record<Locale, string[]> = {
  en: ['Rule', 'Title', 'Severity', 'Languages', 'Cost metric', 'Fix'],
  'zh-CN': ['规则', '标题', '严重级别', '语言', '成本指标', '修复'],
};

const FOLDER_NOTE: Record<Locale, (rule: RuleDefinition) => string> = {
  en: ({ id, target }) =>
    `Rule file [\`rules/${id}/rule.yml\`](../../rules/${id}/rule.yml) · fixtures [\`rules/${id}/fixtures/\`](../../rules/${id}/fixtures/) · detector [\`${detectorPath({ id, target })}\`](../../${detectorPath({ id, target })}) · all [${TARGET_TITLE[target].en}](${target}.md)`,
  'zh-CN': ({ id, target }) =>
    `规则文件 [\`rules/${id}/rule.yml\`](../../rules/${id}/rule.yml) · 测试样例 [\`rules/${id}/fixtures/\`](../../rules/${id}/fixtures/) · 检测器 [\`${detectorPath({ id, target })}\`](../../${detectorPath({ id, target })}) · 全部[${TARGET_TITLE[target]['zh-CN']}](${target}.md)`,
};

function byId(rules: RuleDefinition[]): RuleDefinition[] {
  return [...rules].sort((a, b) => a.id.localeCompare(b.id));
}

function table(rules: RuleDefinition[], locale: Locale): string[] {
  const columns = COLUMNS[locale];
  return [
    `| ${columns.join(' | ')} |`,
    `|${columns.map(() => '---').join('|')}|`,
    ...rules.map(
      (r) =>
        `| [\`${r.id}\`](${r.id}.md) | ${r.title[locale]} | ${r.severity}${severityNotes(r, locale)} | ${r.languages.join(', ')} | ${r.cost ? `\`${r.cost.metric}\`` : '—'} | ${r.fix?.safety ?? '—'} |`,
    ),
  ];
}

function rulePage(rule: RuleDefinition): string {
  const out = [GENERATED, ''];
  for (const locale of ['en', 'zh-CN'] as const) {
    if (locale !== 'en') out.push('---', '');
    out.push(renderRuleDocs(rule, locale).trim(), '', FOLDER_NOTE[locale](rule), '');
  }
  return out.join('\n');
}

function targetPage(target: Target, rules: RuleDefinition[]): string {
  const out = [GENERATED, ''];
  for (const locale of ['en', 'zh-CN'] as const) {
    out.push(`# ${TARGET_TITLE[target][locale]}`, '', ...INTROS[target][locale], '', ...SHARED_NOTE[locale], '', ...table(rules, locale), '');
    if (target === 'optimize') out.push(...costSection(locale));
  }
  return out.join('\n');
}

function indexPage(rules: RuleDefinition[]): string {
  const out = [
    GENERATED,
    '',
    '# Rules',
    '',
    `coze-loop has ${rules.length} rules in three targets. A rule is one folder, \`rules/<id>/\`: \`rule.yml\` (title, target,`,
    'severity, languages, docs, messages and explanations in English and Simplified Chinese) and `fixtures/` (bad and good',
    'code with `ruleid:`/`ok:` markers); its detector is registered in `src/analysis/rules/{optimize,quality}/index.ts`',
    '(see "Rule layout" in [docs/engine.md](../engine.md)). Every page here is generated from the rule files: one page per',
    'rule, English then 中文, and one per target. Set `COZE_LOOP_DOCS_URL` to the URL of this folder and the review',
    'comments link each finding to its rule\'s page.',
    '',
  ];
  for (const target of TARGETS) {
    const ofTarget = rules.filter((r) => r.target === target);
    out.push(`## [${TARGET_TITLE[target].en}](${target}.md)`, '', ...table(ofTarget, 'en'), '');
  }
  return out.join('\n');
}

/** Every page of docs/rules/, by file name, rendered from the rule definitions. */
export function renderRuleDocPages(definitions: RuleDefinition[]): Map<string, string> {
  const rules = byId(definitions);
  const pages = new Map<string, string>();
  pages.set('README.md', indexPage(rules));
  for (const target of TARGETS) pages.set(`${target}.md`, targetPage(target, rules.filter((r) => r.target === target)));
  for (const rule of rules) pages.set(`${rule.id}.md`, rulePage(rule));
  for (const [name, text] of pages) pages.set(name, `${text.replace(/\n{3,}/g, '\n\n').trimEnd()}\n`);
  return pages;
}
