// The playground page: a CodeMirror editor, the target and language pickers, and result cards rendered from the
// same JSON the CLI's `--format json` prints (POST /api/analyze). Bundled by scripts/build-web.js; served by the
// service itself (src/server/playground/route.ts), so it works offline.
import { Compartment, EditorState, RangeSetBuilder, StateEffect, StateField } from '@codemirror/state';
import { Decoration, drawSelection, EditorView, highlightActiveLineGutter, keymap, lineNumbers, type DecorationSet } from '@codemirror/view';
import { defaultKeymap, history as undoHistory, historyKeymap } from '@codemirror/commands';
import { bracketMatching, HighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { detectLanguage, snippetPath, type PlaygroundLanguage } from '../src/playground/detect-language.js';
import { decodeShare, encodeShare } from '../src/playground/share.js';
import { unifiedDiff } from '../src/playground/unified-diff.js';
import { EXAMPLES } from './examples.js';
import { costLabel, initialLocale, text, type TextKey, type UiLocale } from './i18n.js';
import './style.css';

// ---- the JSON the API returns (src/report/json.ts) ----

interface Assumption {
  key: string;
  value: number | string;
  unit?: string;
  source: 'code' | 'config' | 'default';
}

interface Cost {
  metric: string;
  before: number;
  after: number;
  unit: string;
  formula: string;
  assumptions: Assumption[];
  monthly?: { before: number; after: number; currency: string; formula: string };
}

interface Fix {
  kind: 'replace' | 'block';
  safety: 'safe' | 'unsafe';
  description: string;
  startLine: number;
  endLine: number;
  code: string;
  language: string;
  extras?: Array<{ kind: string; title: string; language: string; code: string }>;
}

interface Finding {
  ruleId: string;
  target: string;
  severity: 'info' | 'warning' | 'error';
  line: number;
  loop: { startLine: number; endLine: number };
  message: string;
  explanation: string;
  fingerprint: string;
  cost?: Cost;
  fix?: Fix;
  data: Record<string, string | number>;
}

interface Report {
  summary: { findings: number };
  findings: Finding[];
  skipped: Array<{ path: string; reason: string; detail?: string }>;
  notes: Array<{ path: string; note: string }>;
}

interface PageConfig {
  llm: boolean;
  maxCodeBytes: number;
  docsBaseUrl: string | null;
  setupPath: string | null;
  apiPath: string;
  costDefaults: Record<string, number | string>;
}

const STORAGE_KEY = 'coze-loop.playground.locale';
const COST_FIELDS = ['replicas', 'core_hour', 'per_million_queries', 'db_query_ms', 'http_call_ms', 'batch_size', 'currency'] as const;
const LANGUAGE_NAMES: Record<PlaygroundLanguage, string> = { python: 'Python', javascript: 'JavaScript', typescript: 'TypeScript' };

const config = JSON.parse(document.getElementById('playground-config')?.textContent || '{}') as PageConfig;

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

const ui = {
  locale: byId<HTMLSelectElement>('ui-locale'),
  example: byId<HTMLSelectElement>('example'),
  language: byId<HTMLSelectElement>('language'),
  languageAuto: byId<HTMLOptionElement>('language-auto'),
  target: byId<HTMLSelectElement>('target'),
  analyze: byId<HTMLButtonElement>('analyze'),
  share: byId<HTMLButtonElement>('share'),
  shareStatus: byId<HTMLParagraphElement>('share-status'),
  shareUrl: byId<HTMLInputElement>('share-url'),
  status: byId<HTMLParagraphElement>('status'),
  cards: byId<HTMLDivElement>('cards'),
  costForm: byId<HTMLFormElement>('cost-form'),
  costPanel: byId<HTMLDetailsElement>('cost-panel'),
  costFields: byId<HTMLDivElement>('cost-fields'),
  setup: byId<HTMLParagraphElement>('setup'),
  setupLink: byId<HTMLAnchorElement>('setup-link'),
};

let locale: UiLocale = initialLocale(safeStorageGet(), navigator.languages?.length ? navigator.languages : [navigator.language]);

function safeStorageGet(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function t(key: TextKey, params?: Record<string, string | number>): string {
  return text(locale, key, params);
}

// ---- the editor ----

const highlight = HighlightStyle.define([
  // GitHub's light palette: every colour passes WCAG AA (4.5:1) on the white editor background.
  { tag: [tags.keyword, tags.controlKeyword, tags.operatorKeyword, tags.definitionKeyword, tags.moduleKeyword], color: '#cf222e' },
  { tag: [tags.string, tags.special(tags.string), tags.regexp], color: '#0a3069' },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: '#57606a', fontStyle: 'italic' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: '#0550ae' },
  { tag: [tags.function(tags.variableName), tags.function(tags.propertyName), tags.definition(tags.function(tags.variableName))], color: '#8250df' },
  { tag: [tags.className, tags.typeName, tags.namespace], color: '#953800' },
  { tag: [tags.propertyName], color: '#0550ae' },
  { tag: [tags.operator, tags.punctuation], color: '#1f2328' },
]);

const setFlagged = StateEffect.define<{ start: number; end: number } | null>();
const flaggedLines = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(value, tr) {
    let next = value.map(tr.changes);
    for (const effect of tr.effects) {
      if (!effect.is(setFlagged)) continue;
      if (!effect.value) {
        next = Decoration.none;
        continue;
      }
      const builder = new RangeSetBuilder<Decoration>();
      const doc = tr.state.doc;
      const last = Math.min(effect.value.end, doc.lines);
      for (let n = Math.max(1, effect.value.start); n <= last; n++) builder.add(doc.line(n).from, doc.line(n).from, Decoration.line({ class: 'cm-flagged' }));
      next = builder.finish();
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

const languageSlot = new Compartment();

/** Grammars load on demand (separate chunks), so the first load carries only the one the snippet needs. */
async function languageSupport(language: PlaygroundLanguage) {
  if (language === 'python') return (await import('@codemirror/lang-python')).python();
  return (await import('@codemirror/lang-javascript')).javascript({ typescript: language === 'typescript' });
}

let grammarRequest = 0;
let grammarLanguage: PlaygroundLanguage | undefined;
function loadGrammar(language: PlaygroundLanguage): void {
  if (language === grammarLanguage) return;
  grammarLanguage = language;
  const mine = ++grammarRequest;
  void languageSupport(language).then((support) => {
    if (mine === grammarRequest) editor.dispatch({ effects: languageSlot.reconfigure(support) });
  });
}

const editor = new EditorView({
  parent: byId('editor'),
  state: EditorState.create({
    doc: EXAMPLES[0]!.code,
    extensions: [
      lineNumbers(),
      highlightActiveLineGutter(),
      undoHistory(),
      drawSelection(),
      indentOnInput(),
      bracketMatching(),
      syntaxHighlighting(highlight),
      flaggedLines,
      languageSlot.of([]),
      keymap.of([
        { key: 'Mod-Enter', preventDefault: true, run: () => (void runAnalysis(), true) },
        ...defaultKeymap,
        ...historyKeymap,
      ]),
      EditorView.contentAttributes.of({ 'aria-label': 'Code', 'aria-describedby': 'shortcut' }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) scheduleDetection();
      }),
      EditorView.theme({ '&': { height: '100%' } }),
    ],
  }),
});

function code(): string {
  return editor.state.doc.toString();
}

function setCode(next: string): void {
  editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: next }, effects: setFlagged.of(null) });
}

let detected: PlaygroundLanguage = detectLanguage(code());
let detectTimer: ReturnType<typeof setTimeout> | undefined;

function effectiveLanguage(): PlaygroundLanguage {
  return ui.language.value === 'auto' ? detected : (ui.language.value as PlaygroundLanguage);
}

function refreshLanguage(): void {
  detected = detectLanguage(code());
  ui.languageAuto.textContent = t('languageAuto', { language: LANGUAGE_NAMES[detected] });
  loadGrammar(effectiveLanguage());
}

function scheduleDetection(): void {
  clearTimeout(detectTimer);
  detectTimer = setTimeout(refreshLanguage, 250);
}

function highlightLines(start: number, end: number): void {
  const doc = editor.state.doc;
  if (start > doc.lines) return;
  editor.dispatch({
    effects: [setFlagged.of({ start, end }), EditorView.scrollIntoView(doc.line(start).from, { y: 'center' })],
  });
}

// ---- interface text ----

function applyTexts(): void {
  document.documentElement.lang = locale;
  document.title = t('title');
  for (const node of document.querySelectorAll<HTMLElement>('[data-text]')) node.textContent = t(node.dataset.text as TextKey);
  ui.locale.value = locale;
  ui.languageAuto.textContent = t('languageAuto', { language: LANGUAGE_NAMES[detected] });
  renderCostFields();
}

// ---- cost assumptions ----

const costValues: Record<string, number | string> = { ...config.costDefaults };
let costEdited = false;

function renderCostFields(): void {
  ui.costFields.replaceChildren(
    ...COST_FIELDS.filter((key) => key in costValues).map((key) => {
      const id = `cost-${key}`;
      const input = el('input', { id, name: key, value: String(costValues[key]) }) as HTMLInputElement;
      if (key === 'currency') {
        input.type = 'text';
        input.maxLength = 8;
        input.size = 5;
      } else {
        input.type = 'number';
        input.min = key === 'core_hour' || key === 'per_million_queries' ? '0' : '1';
        input.step = key === 'replicas' || key === 'batch_size' ? '1' : 'any';
        input.inputMode = 'decimal';
      }
      return el('div', { class: 'cost-field' }, el('label', { for: id }, t(`field.${key}` as TextKey)), input);
    }),
  );
}

function readCostForm(): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const input of ui.costFields.querySelectorAll<HTMLInputElement>('input')) {
    const key = input.name;
    if (key === 'currency') {
      if (input.value.trim()) out[key] = input.value.trim();
    } else if (input.value.trim() !== '' && Number.isFinite(Number(input.value))) out[key] = Number(input.value);
  }
  return out;
}

// ---- rendering helpers ----

function el(tag: string, attrs: Record<string, string> = {}, ...children: Array<Node | string | null | undefined>): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** Text with `code` spans, as the engine writes messages: backticked parts become <code>, the rest stays text. */
function withCode(text: string): Node[] {
  return text.split('`').map((part, i) => (i % 2 === 1 ? el('code', {}, part) : document.createTextNode(part)));
}

function formatNumber(value: number): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: value !== 0 && Math.abs(value) < 1 ? 4 : 2 }).format(value);
}

function formatMoney(value: number, currency: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency, maximumSignificantDigits: 3 }).format(value);
  } catch {
    return `${formatNumber(value)} ${currency}`;
  }
}

function docsUrl(ruleId: string): string {
  return config.docsBaseUrl ? `${config.docsBaseUrl}/${ruleId}.md` : `/rules/${ruleId}?lang=${encodeURIComponent(locale)}`;
}

async function copyText(value: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(value);
    return true;
  } catch {
    const area = el('textarea', { class: 'visually-hidden' }) as HTMLTextAreaElement;
    area.value = value;
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

function downloadFile(name: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: 'text/x-diff' }));
  const link = el('a', { href: url, download: name }) as HTMLAnchorElement;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function renderCost(cost: Cost): HTMLElement {
  const unit = costLabel(locale, 'unit', cost.unit);
  const block = el(
    'div',
    { class: 'cost' },
    el('h4', {}, t('cost')),
    el('p', { class: 'cost-metric' }, `${costLabel(locale, 'metric', cost.metric)}: `, el('strong', {}, `${formatNumber(cost.before)} → ${formatNumber(cost.after)}`), ` ${unit}`),
    el('p', { class: 'formula' }, `${t('formula')}: `, el('code', {}, cost.formula)),
  );
  if (cost.monthly) {
    const m = cost.monthly;
    block.append(
      el('p', { class: 'money' }, `${t('perMonth')}: `, el('strong', {}, `${formatMoney(m.before, m.currency)} → ${formatMoney(m.after, m.currency)}`), ' ', el('code', {}, m.formula)),
    );
  }
  if (cost.assumptions.length > 0) {
    block.append(
      el('details', { class: 'assumptions' },
        el('summary', {}, t('assumptions')),
        el('ul', {}, ...cost.assumptions.map((a) =>
          el('li', {}, `${costLabel(locale, 'assumption', a.key)} (`, el('code', {}, a.key), `): ${typeof a.value === 'number' ? formatNumber(a.value) : a.value}${a.unit ? ` ${costLabel(locale, 'unit', a.unit)}` : ''} · ${t(`source.${a.source}` as TextKey)}`),
        )),
      ),
    );
  }
  return block;
}

function renderDiff(source: string, fix: { startLine: number; endLine: number; code: string }, path: string): { view: HTMLElement; patch: string } {
  const patch = unifiedDiff(path, source, fix);
  const rows = patch.split('\n').slice(3).filter((line) => line !== '');
  const view = el(
    'pre',
    { class: 'diff', 'aria-label': `${t('before')} → ${t('after')}` },
    ...rows.map((line) => {
      const kind = line[0] === '-' ? 'del' : line[0] === '+' ? 'add' : 'ctx';
      const label = kind === 'del' ? `${t('before')}: ` : kind === 'add' ? `${t('after')}: ` : '';
      return el('span', { class: `diff-line ${kind}` }, el('span', { class: 'visually-hidden' }, label), line, '\n');
    }),
  );
  return { view, patch };
}

function renderFix(fix: Fix, source: string, path: string, heading: string): HTMLElement {
  const { view, patch } = renderDiff(source, fix, path);
  const copy = el('button', { type: 'button', class: 'small' }, t('copyCode')) as HTMLButtonElement;
  copy.addEventListener('click', async () => {
    if (await copyText(fix.code)) {
      copy.textContent = t('copied');
      setTimeout(() => (copy.textContent = t('copyCode')), 1500);
    }
  });
  const buttons = el('div', { class: 'fix-actions' }, copy);
  if (fix.kind === 'replace' && patch) {
    const download = el('button', { type: 'button', class: 'small' }, t('download'));
    download.addEventListener('click', () => downloadFile(`${path.replace(/\.\w+$/, '')}-fix.patch`, patch));
    buttons.append(download);
  }
  const block = el(
    'div',
    { class: 'fix' },
    el('h4', {}, heading),
    el('p', { class: 'fix-kind' }, fix.kind === 'replace' ? t(`safety.${fix.safety}` as TextKey) : t('sketch')),
    el('p', {}, ...withCode(fix.description)),
    el('div', { class: 'diff-legend', 'aria-hidden': 'true' }, el('span', { class: 'del' }, `− ${t('before')}`), el('span', { class: 'add' }, `+ ${t('after')}`)),
    view,
    buttons,
  );
  if (fix.extras?.length) {
    block.append(
      ...fix.extras.map((extra) => el('details', { class: 'extra' }, el('summary', {}, extra.title), el('pre', { class: 'code' }, el('code', {}, extra.code)))),
    );
  }
  return block;
}

function renderCard(finding: Finding, source: string, path: string): HTMLElement {
  const { startLine, endLine } = finding.loop;
  const locate = el('button', { type: 'button', class: 'lines', 'aria-label': t('showInEditor', { start: startLine, end: endLine }) },
    startLine === endLine ? t('line', { line: startLine }) : t('lines', { start: startLine, end: endLine }));
  locate.addEventListener('click', () => highlightLines(startLine, endLine));
  const card = el(
    'article',
    { class: `card severity-${finding.severity}`, 'data-rule': finding.ruleId, 'data-fingerprint': finding.fingerprint },
    el('header', { class: 'card-head' },
      el('span', { class: `badge ${finding.severity}` }, t(`severity.${finding.severity}` as TextKey)),
      el('a', { class: 'rule', href: docsUrl(finding.ruleId), target: '_blank', rel: 'noopener', 'aria-label': t('ruleDocs', { rule: finding.ruleId }) }, finding.ruleId),
      el('span', { class: 'target-chip' }, finding.target),
      locate,
    ),
    el('h3', { class: 'message' }, ...withCode(finding.message)),
    el('p', { class: 'explanation' }, ...withCode(finding.explanation)),
  );
  if (finding.cost) card.append(renderCost(finding.cost));
  if (finding.fix) card.append(renderFix(finding.fix, source, path, t('patch')));
  card.addEventListener('click', (event) => {
    if ((event.target as HTMLElement).closest('a, button, summary, details, input')) return;
    highlightLines(startLine, endLine);
  });
  return card;
}

// ---- running the analysis ----

interface Shown {
  source: string;
  path: string;
  report: Report;
}

let shown: Shown | undefined;
let generation = 0;

function setStatus(message: string, kind: 'info' | 'error' = 'info'): void {
  ui.status.textContent = message;
  ui.status.classList.toggle('error', kind === 'error');
}

function errorMessage(status: number, body: { error?: string; retryAfterSeconds?: number } | undefined): string {
  if (status === 413) return t('error.too-large', { max: `${Math.round(config.maxCodeBytes / 1024)} KB` });
  if (status === 429) return t('error.rate-limited', { seconds: body?.retryAfterSeconds ?? 60 });
  return t('error.bad-request', { message: body?.error ?? `HTTP ${status}` });
}

async function requestAnalysis(source: string, language: PlaygroundLanguage, refine: boolean): Promise<{ ok: true; report: Report } | { ok: false; message: string }> {
  const body: Record<string, unknown> = { code: source, language, target: ui.target.value, locale };
  if (costEdited) body.cost = readCostForm();
  if (refine) body.refine = true;
  let response: Response;
  try {
    response = await fetch(config.apiPath, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (error) {
    return { ok: false, message: t('error.network', { message: error instanceof Error ? error.message : String(error) }) };
  }
  const parsed = (await response.json().catch(() => undefined)) as (Report & { error?: string; retryAfterSeconds?: number }) | undefined;
  if (!response.ok || !parsed) return { ok: false, message: errorMessage(response.status, parsed) };
  return { ok: true, report: parsed };
}

/** Cards after the first few are added a batch per task, so the first result shows before a long list is built. */
const FIRST_CARDS = 3;
const CARDS_PER_TASK = 4;

function renderReport(view: Shown, elapsedMs: number, mine: number): void {
  const { report, source, path } = view;
  ui.cards.replaceChildren(...report.findings.slice(0, FIRST_CARDS).map((finding) => renderCard(finding, source, path)));
  const rest = report.findings.slice(FIRST_CARDS);
  const tail = el('div', { class: 'cards-tail' });
  ui.cards.append(tail);
  const addBatch = () => {
    if (mine !== generation || rest.length === 0) return;
    tail.before(...rest.splice(0, CARDS_PER_TASK).map((finding) => renderCard(finding, source, path)));
    if (rest.length > 0) setTimeout(addBatch, 0);
  };
  setTimeout(addBatch, 0);
  const extra: HTMLElement[] = [];
  for (const skipped of report.skipped) extra.push(el('p', { class: 'note' }, t('skipped', { reason: skipped.reason, detail: skipped.detail ?? '' })));
  if (report.notes.length > 0) extra.push(el('div', { class: 'note' }, el('h3', {}, t('notes')), el('ul', {}, ...report.notes.map((n) => el('li', {}, n.note)))));
  tail.append(...extra);
  setStatus(report.findings.length === 0 ? `${t('summary', { count: 0, ms: elapsedMs })}. ${t('noFindings')}` : t('summary', { count: report.findings.length, ms: elapsedMs }));
  ui.costPanel.hidden = false;
}

async function runAnalysis(): Promise<void> {
  const mine = ++generation;
  const source = code();
  const language = effectiveLanguage();
  const path = snippetPath(language);
  const started = performance.now();
  // aria-disabled rather than disabled: a disabled button drops keyboard focus. A second press starts over.
  ui.analyze.setAttribute('aria-disabled', 'true');
  ui.cards.setAttribute('aria-busy', 'true');
  setStatus(t('running'));
  try {
    const outcome = await requestAnalysis(source, language, false);
    if (mine !== generation) return;
    if (!outcome.ok) {
      setStatus(outcome.message, 'error');
      ui.cards.replaceChildren();
      shown = undefined;
      return;
    }
    shown = { source, path, report: outcome.report };
    renderReport(shown, Math.round(performance.now() - started), mine);
    if (config.llm && outcome.report.findings.length > 0) void refineShown(mine, shown, language);
  } finally {
    if (mine === generation) {
      ui.analyze.removeAttribute('aria-disabled');
      ui.cards.removeAttribute('aria-busy');
    }
  }
}

/** The model's refinement, after the rules-only result is on screen: added to each card it changed. */
async function refineShown(mine: number, view: Shown, language: PlaygroundLanguage): Promise<void> {
  const pending = el('p', { class: 'llm-status', role: 'status' }, t('llmPending'));
  ui.cards.prepend(pending);
  const outcome = await requestAnalysis(view.source, language, true);
  if (mine !== generation) return;
  if (!outcome.ok) {
    pending.textContent = t('llmFailed');
    return;
  }
  let changed = 0;
  for (const refined of outcome.report.findings) {
    const model = refined.data.refined_by;
    if (!model) continue;
    const card = ui.cards.querySelector<HTMLElement>(`article[data-fingerprint="${CSS.escape(refined.fingerprint)}"]`);
    if (!card) continue;
    changed++;
    const section = el('section', { class: 'refinement', 'aria-label': t('llmRefined', { model: String(model) }) },
      el('h4', {}, t('llmRefined', { model: String(model) })),
      el('p', {}, ...withCode(refined.explanation)),
    );
    if (refined.fix) section.append(renderFix(refined.fix, view.source, view.path, t('patch')));
    card.append(section);
  }
  if (changed === 0) pending.textContent = t('llmUnchanged');
  else pending.remove();
}

// ---- share links ----

async function shareLink(): Promise<void> {
  const fragment = await encodeShare({
    code: code(),
    ...(ui.language.value !== 'auto' ? { language: ui.language.value } : {}),
    target: ui.target.value,
  });
  const url = `${location.origin}${location.pathname}#${fragment}`;
  history.replaceState(null, '', `#${fragment}`);
  ui.shareUrl.value = url;
  ui.shareUrl.hidden = false;
  ui.shareStatus.textContent = (await copyText(url)) ? t('shareCopied') : t('shareShown');
}

async function openSharedLink(): Promise<boolean> {
  if (!location.hash.includes('c=')) return false;
  const snippet = await decodeShare(location.hash);
  if (!snippet) {
    setStatus(t('shareBroken'), 'error');
    return false;
  }
  setCode(snippet.code);
  if (snippet.language && [...ui.language.options].some((o) => o.value === snippet.language)) ui.language.value = snippet.language;
  if (snippet.target && [...ui.target.options].some((o) => o.value === snippet.target)) ui.target.value = snippet.target;
  refreshLanguage();
  return true;
}

// ---- wiring ----

function setLocale(next: UiLocale): void {
  locale = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  applyTexts();
  if (shown) void runAnalysis();
  else setStatus(t('idle'));
}

ui.locale.addEventListener('change', () => setLocale(ui.locale.value === 'zh-CN' ? 'zh-CN' : 'en'));
ui.analyze.addEventListener('click', () => void runAnalysis());
ui.share.addEventListener('click', () => void shareLink());
ui.language.addEventListener('change', refreshLanguage);
ui.example.addEventListener('change', () => {
  const example = EXAMPLES.find((e) => e.id === ui.example.value);
  if (!example) return;
  setCode(example.code);
  ui.language.value = 'auto';
  refreshLanguage();
  editor.focus();
});
ui.costForm.addEventListener('submit', (event) => {
  event.preventDefault();
  costEdited = true;
  Object.assign(costValues, readCostForm());
  void runAnalysis();
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
    event.preventDefault();
    void runAnalysis();
  }
});
if (config.setupPath) {
  ui.setupLink.href = config.setupPath;
  ui.setup.hidden = false;
}

applyTexts();
refreshLanguage();
void openSharedLink().then((opened) => {
  if (opened) void runAnalysis();
});
window.addEventListener('hashchange', () => {
  void openSharedLink().then((opened) => {
    if (opened) void runAnalysis();
  });
});
document.documentElement.dataset.ready = 'true';
