import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

function capture() {
  let text = '';
  return { stream: { write: (chunk: string) => void (text += chunk) }, text: () => text };
}

const POLLER = [
  'import time',
  '',
  'def poll_jobs(conn):',
  '    while True:',
  '        rows = conn.execute("SELECT id FROM jobs WHERE state = \'new\'").fetchall()',
  '        for row in rows:',
  '            handle(row)',
  '        time.sleep(30)',
  '',
].join('\n');

function checkout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'coze-summary-'));
  mkdirSync(join(dir, 'workers'));
  mkdirSync(join(dir, 'node_modules', 'dep'), { recursive: true });
  writeFileSync(join(dir, 'workers', 'poller.py'), POLLER);
  writeFileSync(join(dir, 'node_modules', 'dep', 'index.js'), 'while (true) { poll(); }\n');
  return dir;
}

async function run(argv: string[], cwd: string) {
  const out = capture();
  const err = capture();
  const code = await main(['summary', ...argv], { stdout: out.stream, stderr: err.stream, cwd, env: {} });
  return { code, out: out.text(), err: err.text() };
}

describe('coze-loop summary', () => {
  it('prints the weekly report for a local checkout, skipping dependencies', async () => {
    const dir = checkout();
    const { code, out } = await run(['.'], dir);
    expect(code).toBe(0);
    expect(out).toMatch(/^# coze-loop weekly loop report: \d{4}-W\d{2}/);
    expect(out).toContain('workers/poller.py');
    expect(out).toContain('polling-fixed-interval');
    expect(out).not.toContain('node_modules');
    expect(out).toContain('This is the first report');
  });

  it('compares with an earlier report and speaks Simplified Chinese', async () => {
    const dir = checkout();
    const first = await run(['.', '--output', 'last-week.md'], dir);
    expect(first.code).toBe(0);
    writeFileSync(join(dir, 'workers', 'poller.py'), POLLER.replace('time.sleep(30)', 'time.sleep(30)  # coze-loop: ignore'));
    const second = await run(['.', '--previous', 'last-week.md', '--locale', 'zh-CN'], dir);
    expect(second.code).toBe(0);
    expect(second.out).toContain('成本最高的 10 个循环');
    expect(second.out).toMatch(/新增 0 个，修复 [1-9]\d* 个/);
  });

  it('writes --output through the shared writer: parent folders are created, an unwritable path exits 2 with one line', async () => {
    const dir = checkout();
    const written = await run(['.', '--output', 'reports/2026/week.md'], dir);
    expect(written.code).toBe(0);
    expect(written.out).toBe('');
    expect(readFileSync(join(dir, 'reports', '2026', 'week.md'), 'utf8')).toMatch(/^# coze-loop weekly loop report: \d{4}-W\d{2}/);
    // A regular file where a folder is needed: no stack trace, the CLI's own `-o` message.
    const blocked = await run(['.', '--output', 'workers/poller.py/week.md'], dir);
    expect(blocked.code).toBe(2);
    expect(blocked.err).toBe('coze-loop: cannot write workers/poller.py/week.md (EEXIST)\n');
  });

  it('exits 2 with a message for a missing directory or a bad flag', async () => {
    const dir = checkout();
    const missing = await run(['does-not-exist'], dir);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('does-not-exist');
    const bad = await run(['--locale', 'fr'], dir);
    expect(bad.code).toBe(2);
  });
});
