// POST /api/analyze and the page routes against a real service on 127.0.0.1: the CLI's JSON, clear 400s, 413 above
// the size limit, 429 past the per-address limit, metrics, the off switch, and the code never reaching the logs.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as cliMain } from '../../src/cli/main.js';
import type { Finding } from '../../src/core/types.js';
import { EnvError } from '../../src/server/env.js';
import type { RunningService } from '../../src/server/main.js';
import { readPlaygroundSettings } from '../../src/server/playground/settings.js';
import { parsePrometheusText, sampleValue } from '../server/prometheus-text.js';
import { ensureWebBuilt, POLLER, postAnalyze, readExample, ROOT, ruleIds, startPlayground } from './helpers.js';

const running: RunningService[] = [];
beforeAll(() => ensureWebBuilt());
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.shutdown('test end')));
});

async function start(...args: Parameters<typeof startPlayground>) {
  const started = await startPlayground(...args);
  running.push(started.service);
  return started;
}

/** The CLI's `--format json` for the same snippet saved as a file. */
async function cliJson(name: string, code: string, extra: string[] = []): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'coze-loop-playground-'));
  try {
    writeFileSync(join(dir, name), code);
    let out = '';
    const sink = { write: (chunk: string) => ((out += chunk), true) };
    await cliMain(['--format', 'json', '--fail-on', 'none', ...extra, name], { cwd: dir, stdout: sink as never, stderr: { write: () => true } as never, env: {} });
    return JSON.parse(out) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('POST /api/analyze', () => {
  it('returns the same JSON as the CLI for the seed-style poller, per target', async () => {
    const { service } = await start();
    for (const [target, flag] of [['all', []], ['optimize', ['--target', 'optimize']], ['readability', ['--target', 'readability']], ['fix-bugs', ['--target', 'fix-bugs']]] as const) {
      const api = await postAnalyze(service.url, { code: POLLER, language: 'python', target });
      expect(api.status).toBe(200);
      const cli = await cliJson('snippet.py', POLLER, [...flag]);
      expect(api.json).toEqual(cli);
      expect((api.json.findings as Finding[]).length).toBeGreaterThan(0);
    }
    const optimize = await postAnalyze(service.url, { code: POLLER, target: 'optimize' });
    expect(ruleIds(optimize.json)).toEqual(['polling-fixed-interval', 'serial-blocking-io', 'unbounded-query']);
    const fixBugs = await postAnalyze(service.url, { code: POLLER, target: 'fix-bugs' });
    expect(ruleIds(fixBugs.json)).toEqual(['resource-leak-in-loop', 'unguarded-worker-loop']);
    const readability = await postAnalyze(service.url, { code: POLLER, target: 'readability' });
    expect(ruleIds(readability.json)).toEqual(['magic-interval']);
  });

  it('detects the language when the request names none, and renders in the requested locale', async () => {
    const { service } = await start();
    const ts = await postAnalyze(service.url, { code: readExample('n-plus-one'), target: 'optimize', locale: 'zh-CN' });
    expect(ts.status).toBe(200);
    expect(ts.json.locale).toBe('zh-CN');
    const [finding] = ts.json.findings as Finding[];
    expect(finding).toMatchObject({ ruleId: 'query-in-loop', path: 'snippet.ts', language: 'typescript' });
    expect(finding!.message).toMatch(/[\u4e00-\u9fff]/);
    const js = await postAnalyze(service.url, { code: readExample('retry') });
    expect((js.json.findings as Finding[]).map((f) => [f.ruleId, f.path])).toContainEqual(['retry-without-backoff', 'snippet.js']);
  });

  it('recomputes money per month with the assumptions the request sends', async () => {
    const { service } = await start();
    const base = await postAnalyze(service.url, { code: POLLER, target: 'optimize' });
    const more = await postAnalyze(service.url, { code: POLLER, target: 'optimize', cost: { replicas: 4, per_million_queries: 2, currency: 'EUR' } });
    expect([base.status, more.status, more.json.error]).toEqual([200, 200, undefined]);
    const poll = (answer: { json: Record<string, unknown> }) => (answer.json.findings as Finding[]).find((f) => f.ruleId === 'polling-fixed-interval')!.cost!;
    expect(poll(base).monthly!.currency).toBe('USD');
    expect(poll(more).monthly!.currency).toBe('EUR');
    expect(poll(more).before).toBe(poll(base).before * 4);
    expect(poll(more).monthly!.before).toBeCloseTo(poll(base).monthly!.before * 4 * 10, 6);
    expect(poll(more).assumptions).toContainEqual({ key: 'replicas', value: 4, source: 'config' });
  });

  it('answers bad input with 400 and a message naming the problem', async () => {
    const { service } = await start();
    const cases: Array<[unknown, RegExp]> = [
      ['{"code": ', /not valid JSON/],
      [[1, 2], /JSON object/],
      [{}, /^code: /],
      [{ code: 42 }, /^code: expected the source text/],
      [{ code: '   ' }, /^code: paste some code/],
      [{ code: 'x = 1', target: 'fast' }, /^target: expected one of optimize, readability, fix-bugs, all/],
      [{ code: 'x = 1', language: 'cobol' }, /^language: expected one of python, javascript, typescript/],
      [{ code: 'x = 1', locale: 'fr' }, /^locale: /],
      [{ code: 'x = 1', cost: { replicas: 0 } }, /^cost\.replicas: /],
      [{ code: 'x = 1', cost: { warp: 9 } }, /^cost\.warp: unknown assumption/],
      [{ code: 'x = 1', extra: true }, /unknown field\(s\): extra/],
    ];
    for (const [body, message] of cases) {
      const answer = await postAnalyze(service.url, body);
      expect({ body, status: answer.status }).toEqual({ body, status: 400 });
      expect(answer.json.error).toMatch(message);
    }
    const get = await fetch(`${service.url}/api/analyze`);
    expect(get.status).toBe(405);
  });

  it('answers 413 above the size limit, whether the body or the code is too large', async () => {
    const { service } = await start({ COZE_LOOP_PLAYGROUND_MAX_BYTES: '2048' });
    const fits = await postAnalyze(service.url, { code: `x = 1\n${'#'.repeat(2000)}\n` });
    expect(fits.status).toBe(200);
    const over = await postAnalyze(service.url, { code: '#'.repeat(2049) });
    expect(over.status).toBe(413);
    expect(over.json).toMatchObject({ code: 'too-large', maxBytes: 2048 });
    // Far past any JSON escaping of 2 KB: refused before the whole body is read.
    const huge = await postAnalyze(service.url, { code: 'y'.repeat(200_000) });
    expect(huge.status).toBe(413);
    // Multi-byte characters count as their UTF-8 bytes: 700 × 3 bytes > 2048.
    const wide = await postAnalyze(service.url, { code: '中'.repeat(700) });
    expect(wide.status).toBe(413);
  });

  it('answers 429 with Retry-After past the per-address limit, and counts requests and latency', async () => {
    const { service } = await start({ COZE_LOOP_PLAYGROUND_RATE_LIMIT: '3', COZE_LOOP_PLAYGROUND_RATE_WINDOW: '1m' });
    for (let i = 0; i < 3; i++) expect((await postAnalyze(service.url, { code: POLLER })).status).toBe(200);
    const limited = await postAnalyze(service.url, { code: POLLER });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.json.error).toMatch(/at most 3 per 60 s/);
    const metrics = parsePrometheusText(await (await fetch(`${service.url}/metrics`)).text()).samples;
    expect(sampleValue(metrics, 'coze_loop_playground_requests_total', { outcome: 'ok' })).toBe(3);
    expect(sampleValue(metrics, 'coze_loop_playground_requests_total', { outcome: 'rate_limited' })).toBe(1);
    expect(sampleValue(metrics, 'coze_loop_playground_request_duration_seconds_count', { outcome: 'ok' })).toBe(3);
  });

  it('time-boxes the analysis: past the budget the answer says so instead of running on', async () => {
    const { service } = await start({ COZE_LOOP_PLAYGROUND_TIMEOUT: '1ms', COZE_LOOP_PLAYGROUND_MAX_BYTES: '2000000' });
    const big = Array.from({ length: 400 }, (_, i) => POLLER.replace('def send_reminders', `def send_reminders_${i}`)).join('\n');
    const started = Date.now();
    const answer = await postAnalyze(service.url, { code: big, target: 'all' });
    expect(answer.status).toBe(200);
    const said = JSON.stringify([answer.json.notes, answer.json.skipped]);
    expect(said).toMatch(/time budget|longer than 1 ms/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('never writes the code to the logs, even at debug level and on errors', async () => {
    const { service, logs } = await start({ COZE_LOOP_PLAYGROUND_MAX_BYTES: '4096' });
    const marker = 'SECRET_MARKER_7f3a91';
    const code = `${POLLER}\nTOKEN = "${marker}"\n`;
    expect((await postAnalyze(service.url, { code })).status).toBe(200);
    expect((await postAnalyze(service.url, { code, target: 'nope' })).status).toBe(400);
    expect((await postAnalyze(service.url, { code: code.repeat(10) })).status).toBe(413);
    const text = logs.join('');
    expect(text).toContain('playground analysis');
    expect(text).not.toContain(marker);
  });

  it('offers the model refinement as a second request when the service has a model', async () => {
    const calls: string[] = [];
    const refine = async (findings: Finding[], sources: Map<string, string>) => {
      calls.push([...sources.keys()].join());
      return findings.map((f, i) => (i === 0 ? { ...f, explanation: 'refined text', data: { ...f.data, refined_by: 'test-model' } } : f));
    };
    const off = await start({}, { refine });
    expect(await (await fetch(`${off.service.url}/`)).text()).toContain('"llm":false');
    await postAnalyze(off.service.url, { code: POLLER, target: 'optimize', refine: true });
    expect(calls).toEqual([]);
    const { service } = await start({ COZE_LOOP_PLAYGROUND_LLM: 'on' }, { refine });
    const page = await (await fetch(`${service.url}/`)).text();
    expect(page).toContain('"llm":true');
    const rulesOnly = await postAnalyze(service.url, { code: POLLER, target: 'optimize' });
    expect((rulesOnly.json.findings as Finding[]).some((f) => f.data.refined_by)).toBe(false);
    expect(calls).toEqual([]);
    const refined = await postAnalyze(service.url, { code: POLLER, target: 'optimize', refine: true });
    expect((refined.json.findings as Finding[])[0]).toMatchObject({ explanation: 'refined text', data: { refined_by: 'test-model' } });
    expect(calls).toEqual(['snippet.py']);
  });
});

describe('the page routes', () => {
  it('serves the page at / with compressed assets, and links Probot\'s registration while no app is configured', async () => {
    const { service } = await start({}, { setupMode: true });
    const page = await fetch(`${service.url}/`, { headers: { 'accept-encoding': 'gzip' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('"setupPath":"/probot"');
    expect(html).toMatch(/\/assets\/playground\.js\?v=\w+/);
    const probot = await fetch(`${service.url}/probot`);
    expect(await probot.text()).toBe('register a GitHub App');
    const script = await fetch(`${service.url}/assets/playground.js`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-encoding')).toBe('br');
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${service.url}/assets/nope.js`)).status).toBe(404);
    const docs = await fetch(`${service.url}/rules/polling-fixed-interval?lang=zh-CN`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('<html lang="zh-CN">');
    expect((await fetch(`${service.url}/rules/no-such-rule`)).status).toBe(404);
  });

  it('does not link a registration page when GitHub is configured or off', async () => {
    const { service } = await start();
    expect(await (await fetch(`${service.url}/`)).text()).toContain('"setupPath":null');
  });

  it('COZE_LOOP_PLAYGROUND=off turns the page and the API off, and / goes back to Probot', async () => {
    const { service } = await start({ COZE_LOOP_PLAYGROUND: 'off' }, { setupMode: true });
    const root = await fetch(`${service.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect((await postAnalyze(service.url, { code: POLLER })).status).toBe(404);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });
});

describe('playground settings', () => {
  it('reads limits from the environment and refuses bad values by name', () => {
    expect(readPlaygroundSettings({})).toMatchObject({ enabled: true, maxCodeBytes: 200 * 1024, rateLimit: 30, rateWindowMs: 60_000, timeBudgetMs: 5_000 });
    expect(readPlaygroundSettings({ COZE_LOOP_PLAYGROUND: 'OFF', COZE_LOOP_PLAYGROUND_TIMEOUT: '1500ms' })).toMatchObject({ enabled: false, timeBudgetMs: 1500 });
    expect(() => readPlaygroundSettings({ COZE_LOOP_PLAYGROUND_MAX_BYTES: 'lots' })).toThrow(EnvError);
    expect(() => readPlaygroundSettings({ COZE_LOOP_PLAYGROUND: 'maybe' })).toThrow(/COZE_LOOP_PLAYGROUND/);
    expect(() => readPlaygroundSettings({ COZE_LOOP_PLAYGROUND_RATE_WINDOW: 'soon' })).toThrow(/COZE_LOOP_PLAYGROUND_RATE_WINDOW/);
  });

  it('are all in the settings table of docs/operations.md', () => {
    const names = [...readFileSync(join(ROOT, 'src/server/playground/settings.ts'), 'utf8').matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThanOrEqual(6);
    const table = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    expect(names.filter((name) => !table.includes(`| \`${name}\` |`))).toEqual([]);
    expect(table).toContain('| `COZE_LOOP_TRUST_PROXY` |');
  });
});
