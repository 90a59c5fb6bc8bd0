// The playground page in a real Chromium (Debian's `chromium`, driven by playwright-core; no browser download)
// against a real service on 127.0.0.1: paste the seed-style poller, run every target, read rules, costs and
// patches, switch to 中文, open a share link, hit the size and rate limits. Screenshots at desktop and phone width go
// to test-artifacts/playground/ (CI keeps them), and the first load's transferred bytes and the time to a result for
// a 300-line file are printed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { RunningService } from '../../src/server/main.js';
import { ensureWebBuilt, POLLER, ROOT, startPlayground } from './helpers.js';

const ARTIFACTS = join(ROOT, 'test-artifacts', 'playground');

// What the callbacks run inside the page use; declared here (module scope) so the test project needs no DOM types.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare function getComputedStyle(element: any): any;
type HTMLElement = { dataset: Record<string, string> };
type Element = any;

function chromiumPath(): string {
  const configured = process.env.COZE_LOOP_CHROMIUM ?? process.env.CHROMIUM_PATH;
  if (configured) return configured;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('Chromium is needed for the playground browser tests: `apt-get install chromium` (.ci/run does), or set COZE_LOOP_CHROMIUM');
  }
}

let browser: Browser;
let service: RunningService;
let limited: RunningService;
let withModel: RunningService;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ensureWebBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });
  service = (await startPlayground({ COZE_LOOP_PLAYGROUND_RATE_LIMIT: '1000' }, { setupMode: true })).service;
  limited = (await startPlayground({ COZE_LOOP_PLAYGROUND_MAX_BYTES: '4096', COZE_LOOP_PLAYGROUND_RATE_LIMIT: '3' })).service;
  // A stand-in model that answers slowly and refines the first finding, as the OpenAI-backed hook would.
  withModel = (
    await startPlayground(
      { COZE_LOOP_PLAYGROUND_LLM: 'on' },
      {
        refine: async (findings) => {
          await new Promise((resolve) => setTimeout(resolve, 1500));
          return findings.map((f, i) => (i === 0 ? { ...f, explanation: 'The model says: bound the query.', data: { ...f.data, refined_by: 'stand-in-model' } } : f));
        },
      },
    )
  ).service;
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await browser?.close();
  await Promise.all([service?.shutdown('test end'), limited?.shutdown('test end'), withModel?.shutdown('test end')]);
});

async function newPage(options: { width?: number; height?: number; locale?: string } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    locale: options.locale ?? 'en-US',
    acceptDownloads: true,
  });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  return page;
}

async function paste(page: Page, code: string): Promise<void> {
  const editor = page.getByRole('textbox', { name: 'Code', exact: true });
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(code);
}

/** Presses Analyze and waits for the answer to be rendered; returns the rule ids of the cards. */
async function analyze(page: Page, how: 'click' | 'keys' = 'click'): Promise<string[]> {
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/analyze') && !r.request().postDataJSON()?.refine);
  if (how === 'click') await page.getByRole('button', { name: 'Analyze', exact: true }).click();
  else await page.keyboard.press('ControlOrMeta+Enter');
  await answered;
  await expectEnabled(page);
  return page.locator('article.card').evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.rule!));
}

async function expectEnabled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.getElementById('analyze').getAttribute('aria-disabled') !== 'true');
}

function relativeLuminance([r, g, b]: number[]): number {
  const [R, G, B] = [r!, g!, b!].map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * R! + 0.7152 * G! + 0.0722 * B!;
}

describe('the playground page', () => {
  it('keeps its accessible names, and analyses the pasted seed-style poller for every target', async () => {
    const page = await newPage();
    await page.goto(service.url);
    await expect(page.getByRole('textbox', { name: 'Code', exact: true }).count()).resolves.toBe(1);
    await expect(page.getByRole('combobox', { name: 'Target', exact: true }).count()).resolves.toBe(1);
    await expect(page.getByRole('combobox', { name: 'Language', exact: true }).count()).resolves.toBe(1);
    await expect(page.getByRole('button', { name: 'Analyze', exact: true }).count()).resolves.toBe(1);
    await expect(page.getByRole('region', { name: 'Results', exact: true }).count()).resolves.toBe(1);
    const switcher = page.getByRole('combobox', { name: 'Interface language', exact: true });
    await expect(switcher.locator('option').allTextContents()).resolves.toEqual(['English', '中文']);
    await expect(page.getByRole('link', { name: 'Register one' }).getAttribute('href')).resolves.toBe('/probot');

    await paste(page, POLLER);
    await expect(page.locator('#language-auto').textContent()).resolves.toBe('Detect: Python');
    const expected: Record<string, string[]> = {
      optimize: ['polling-fixed-interval', 'serial-blocking-io', 'unbounded-query'],
      readability: ['magic-interval'],
      'fix-bugs': ['resource-leak-in-loop', 'unguarded-worker-loop'],
      all: ['magic-interval', 'polling-fixed-interval', 'resource-leak-in-loop', 'serial-blocking-io', 'unbounded-query', 'unguarded-worker-loop'],
    };
    for (const [target, rules] of Object.entries(expected)) {
      await page.getByRole('combobox', { name: 'Target', exact: true }).selectOption(target);
      expect((await analyze(page)).sort()).toEqual(rules);
    }

    // A cost with its formula and money per month; the rule id links to its docs.
    const poll = page.locator('article[data-rule="polling-fixed-interval"]');
    await expect(poll.locator('.cost-metric').textContent()).resolves.toMatch(/Idle queries per day: 5,760 → 288/);
    await expect(poll.locator('.formula').textContent()).resolves.toContain('sleep_seconds (15 s)');
    await expect(poll.locator('.money').textContent()).resolves.toMatch(/Per month: \$0\.0346 → \$0\.00173/);
    await expect(poll.getByRole('link', { name: 'Docs for polling-fixed-interval' }).getAttribute('href')).resolves.toBe('/rules/polling-fixed-interval?lang=en');
    await expect(poll.locator('details.extra summary').allTextContents()).resolves.toContain('Prometheus alert: a worker that keeps polling while idle');

    // The patch: a before/after diff and a .patch download that is a unified diff of the snippet.
    const unbounded = page.locator('article[data-rule="unbounded-query"]');
    await expect(unbounded.locator('.diff-line.del').count()).resolves.toBeGreaterThan(0);
    await expect(unbounded.locator('.diff-line.add').first().textContent()).resolves.toMatch(/LIMIT/);
    const downloading = page.waitForEvent('download');
    await unbounded.getByRole('button', { name: 'Download .patch' }).click();
    const download = await downloading;
    const patch = readFileSync((await download.path())!, 'utf8');
    expect(download.suggestedFilename()).toBe('snippet-fix.patch');
    expect(patch).toMatch(/^--- a\/snippet\.py\n\+\+\+ b\/snippet\.py\n@@ -\d+,\d+ \+\d+,\d+ @@\n/);
    expect(patch).toMatch(/^\+.*LIMIT/m);

    // Clicking a card highlights its loop's lines in the editor.
    await unbounded.locator('.explanation').click();
    await expect(page.locator('.cm-line.cm-flagged').count()).resolves.toBe(8);

    // Ctrl/Cmd+Enter runs from the editor.
    await page.getByRole('combobox', { name: 'Target', exact: true }).selectOption('readability');
    await page.getByRole('textbox', { name: 'Code', exact: true }).click();
    expect(await analyze(page, 'keys')).toEqual(['magic-interval']);
  }, 120_000);

  it('switches to 中文, remembers it, and starts in the browser\'s language', async () => {
    const page = await newPage();
    await page.goto(service.url);
    expect(await analyze(page)).toContain('polling-fixed-interval');
    const rerun = page.waitForResponse((r) => r.url().endsWith('/api/analyze'));
    await page.getByRole('combobox', { name: 'Interface language', exact: true }).selectOption({ label: '中文' });
    await rerun;
    await expectEnabled(page);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
    await expect(page.locator('h1').textContent()).resolves.toBe('coze-loop 在线试用');
    await expect(page.getByRole('button', { name: 'Analyze', exact: true }).textContent()).resolves.toBe('分析');
    await expect(page.locator('article[data-rule="polling-fixed-interval"] .message').textContent()).resolves.toMatch(/[\u4e00-\u9fff]/);
    await expect(page.locator('article[data-rule="polling-fixed-interval"] .cost-metric').textContent()).resolves.toMatch(/^每天空闲查询次数/);
    await page.screenshot({ path: join(ARTIFACTS, 'desktop-zh-CN.png') });
    await page.reload();
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');

    const chinese = await newPage({ locale: 'zh-CN' });
    await chinese.goto(service.url);
    await expect(chinese.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
  }, 120_000);

  it('opens a share link with the code, language and target it carries, and analyses it', async () => {
    const page = await newPage();
    await page.goto(service.url);
    const code = 'import time\n\ndef watch(client):\n    while True:\n        client.refresh()\n        time.sleep(5)\n';
    await paste(page, code);
    await page.getByRole('combobox', { name: 'Target', exact: true }).selectOption('readability');
    await page.getByRole('combobox', { name: 'Language', exact: true }).selectOption('python');
    await page.getByRole('button', { name: 'Copy share link' }).click();
    const url = await page.locator('#share-url').inputValue();
    expect(url).toMatch(new RegExp(`^${service.url}/#c=[A-Za-z0-9_-]+&l=python&t=readability$`));

    const other = await newPage();
    const answered = other.waitForResponse((r) => r.url().endsWith('/api/analyze'));
    await other.goto(url);
    await answered;
    await expect(other.locator('.cm-line').allTextContents()).resolves.toEqual(code.split('\n'));
    await expect(other.getByRole('combobox', { name: 'Target', exact: true }).inputValue()).resolves.toBe('readability');
    await other.locator('article.card').first().waitFor();
    await expect(other.locator('article.card').evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.rule))).resolves.toEqual(['magic-interval']);
  }, 120_000);

  it('shows the rules-only result first, then the model refinement marked as such', async () => {
    const page = await newPage();
    await page.goto(withModel.url);
    await page.getByRole('combobox', { name: 'Target', exact: true }).selectOption('optimize');
    const refined = page.waitForResponse((r) => r.url().endsWith('/api/analyze') && r.request().postDataJSON()?.refine === true);
    await analyze(page);
    const first = page.locator('article.card').first();
    await expect(first.locator('.refinement').count()).resolves.toBe(0);
    await expect(page.locator('.llm-status').textContent()).resolves.toMatch(/Asking the model/);
    await refined;
    await first.locator('.refinement').waitFor();
    await expect(first.locator('.refinement h4').first().textContent()).resolves.toBe('Model refinement (stand-in-model)');
    await expect(first.locator('.refinement p').first().textContent()).resolves.toBe('The model says: bound the query.');
    // The rules-only text stays above it.
    await expect(first.locator('.explanation').textContent()).resolves.not.toContain('The model says');
    await expect(page.locator('.llm-status').count()).resolves.toBe(0);
  }, 120_000);

  it('shows the size and rate limits clearly', async () => {
    const page = await newPage();
    await page.goto(limited.url);
    await paste(page, `${POLLER}\n${'# padding line\n'.repeat(300)}`);
    await analyze(page);
    await expect(page.locator('#status').textContent()).resolves.toMatch(/larger than the playground accepts \(4 KB\)/);
    await expect(page.locator('#status').getAttribute('class')).resolves.toContain('error');
    await paste(page, POLLER);
    for (let i = 0; i < 2; i++) expect((await analyze(page)).length).toBeGreaterThan(0);
    await analyze(page);
    await expect(page.locator('#status').textContent()).resolves.toMatch(/Too many analyses from your address\. Try again in \d+ s\./);
    await expect(page.locator('article.card').count()).resolves.toBe(0);
  }, 120_000);

  it('loads small, answers a 300-line file fast, and reads well at desktop and 375 px (screenshots)', async () => {
    const page = await newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    let transferred = 0;
    cdp.on('Network.loadingFinished', (event: { encodedDataLength: number }) => {
      transferred += event.encodedDataLength;
    });
    await page.goto(service.url, { waitUntil: 'networkidle' });
    // The grammar chunk loads after the page's script: the first load is complete once the code is highlighted.
    await page.locator('.cm-content .cm-line span').first().waitFor();
    await page.waitForLoadState('networkidle');
    console.log(`playground first load: ${transferred} bytes transferred (${(transferred / 1024).toFixed(1)} KB)`);
    expect(transferred).toBeGreaterThan(10_000);
    expect(transferred).toBeLessThan(300 * 1024);

    // 300 lines: the poller and variations of it, one function each.
    const blocks: string[] = [];
    for (let i = 0; blocks.join('\n').split('\n').length < 300; i++) blocks.push(POLLER.replace('def send_reminders', `def send_reminders_${i}`).replace('sleep(15)', `sleep(${15 + i})`));
    const big = blocks.join('\n').split('\n').slice(0, 300).join('\n');
    await paste(page, big);
    const started = Date.now();
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/analyze')).then(() => Date.now() - started);
    await page.getByRole('button', { name: 'Analyze', exact: true }).click();
    await page.locator('article.card').first().waitFor();
    const elapsed = Date.now() - started;
    console.log(`playground: a 300-line file showed its first result ${elapsed} ms after pressing Analyze (the answer arrived after ${await answered} ms)`);
    // The goal is 3 s; the bound is loose because CI machines are shared and slow.
    expect(elapsed).toBeLessThan(30_000);
    await expect(page.locator('article.card').count()).resolves.toBeGreaterThan(10);

    await paste(page, POLLER);
    await analyze(page);
    await page.locator('article[data-rule="unbounded-query"] .explanation').click();
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, 'desktop.png') });

    // Visible focus on keyboard use.
    await page.getByRole('button', { name: 'Analyze', exact: true }).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement!);
      return { id: document.activeElement!.id, style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    expect(outline).toEqual({ id: 'analyze', style: 'solid', width: 3 });

    // Text colour against its background passes WCAG AA (4.5:1) for every text element shown.
    const pairs = await page.evaluate(() => {
      const parse = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
      const background = (node: Element | null): number[] => {
        for (let n = node; n; n = n.parentElement) {
          const [r, g, b, a = 1] = parse(getComputedStyle(n).backgroundColor);
          if (a > 0.5) return [r!, g!, b!];
        }
        return [255, 255, 255];
      };
      const out: Array<{ text: string; fg: number[]; bg: number[]; opacity: number }> = [];
      for (const node of Array.from(document.querySelectorAll('body *')) as any[]) {
        const own = Array.from(node.childNodes as any[]).some((c) => c.nodeType === 3 && c.textContent.trim() !== '');
        if (!own || node.offsetParent === null || node.closest('.visually-hidden, .cm-gutters')) continue;
        const style = getComputedStyle(node);
        out.push({ text: node.textContent!.trim().slice(0, 40), fg: parse(style.color), bg: background(node), opacity: parseFloat(style.opacity) });
      }
      return out;
    });
    expect(pairs.length).toBeGreaterThan(50);
    const failing = pairs
      .map((p) => {
        const [a, b] = [relativeLuminance(p.fg), relativeLuminance(p.bg)];
        return { ...p, ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
      })
      .filter((p) => p.ratio < 4.5);
    expect(failing).toEqual([]);

    await page.setViewportSize({ width: 375, height: 812 });
    await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(ARTIFACTS, 'phone.png') });
    await page.locator('article.card').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'phone-results.png') });
  }, 120_000);
});
