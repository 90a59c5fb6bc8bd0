// SIGTERM under load against the built service process (dist/), memory mode: in-flight jobs finish, the backlog
// drains within COZE_LOOP_SHUTDOWN_TIMEOUT, the process exits in time and says what it abandoned.
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../jobs/redis-helper.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/stand-in-service.mjs', import.meta.url));

interface Run {
  url: string;
  lines: Array<Record<string, unknown>>;
  raw: () => string;
  exited: Promise<{ code: number | null; atMs: number }>;
  kill(signal: NodeJS.Signals): number;
  waitFor(predicate: (line: Record<string, unknown>) => boolean): Promise<void>;
}

async function startProcess(env: Record<string, string>): Promise<Run> {
  if (!existsSync(`${ROOT}dist/src/server/main.js`)) throw new Error('dist/ is missing: run `npm run build` first (npm ci does it through `prepare`)');
  const port = await freePort();
  const child = spawn(process.execPath, [FIXTURE], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let raw = '';
  let pending = '';
  let waiters: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    raw += chunk.toString();
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as Record<string, unknown>);
    const current = waiters;
    waiters = [];
    for (const wake of current) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  const exited = new Promise<{ code: number | null; atMs: number }>((resolve) => child.on('exit', (code) => resolve({ code, atMs: performance.now() })));
  const run: Run = {
    url: `http://127.0.0.1:${port}`,
    lines,
    raw: () => raw,
    exited,
    kill(signal) {
      child.kill(signal);
      return performance.now();
    },
    async waitFor(predicate) {
      const deadline = Date.now() + 15_000;
      while (!lines.some(predicate)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`line not seen; output:\n${raw}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 500).unref();
        });
      }
    },
  };
  await run.waitFor((line) => line.msg === 'listening');
  return run;
}

const started = (lines: Array<Record<string, unknown>>) => lines.filter((line) => line.standIn === 'job-started').map((line) => line.id);
const finished = (lines: Array<Record<string, unknown>>) => lines.filter((line) => line.standIn === 'job-finished').map((line) => line.id);

describe('graceful shutdown of the service process (memory mode)', () => {
  it('on SIGTERM finishes in-flight jobs and drains the backlog, then exits 0 within the deadline', async () => {
    const run = await startProcess({ COZE_LOOP_CONCURRENCY: '3', COZE_LOOP_SHUTDOWN_TIMEOUT: '10s' });
    for (let i = 0; i < 9; i += 1) {
      const response = await fetch(`${run.url}/test/jobs?id=load-${i}&ms=600`, { method: 'POST' });
      expect(response.status).toBe(202);
    }
    await run.waitFor((line) => line.standIn === 'job-started');
    const signalledAt = run.kill('SIGTERM');
    const { code, atMs } = await run.exited;
    expect(code).toBe(0);
    expect(atMs - signalledAt).toBeLessThan(10_000);
    expect(finished(run.lines).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `load-${i}`).sort());
    expect(run.lines.find((line) => line.msg === 'shutdown complete')).toMatchObject({ abandoned: 0 });
    // Job lines carry the payload's token only in redacted form.
    expect(run.raw()).not.toContain('ghs_abcdefghijklmnopqrstuvwxyz012345');
  }, 30_000);

  it('stops at the deadline, exits, and logs how many jobs it abandoned', async () => {
    const run = await startProcess({ COZE_LOOP_CONCURRENCY: '2', COZE_LOOP_SHUTDOWN_TIMEOUT: '1s' });
    await fetch(`${run.url}/test/jobs?id=quick&ms=100`, { method: 'POST' });
    for (let i = 0; i < 4; i += 1) await fetch(`${run.url}/test/jobs?id=slow-${i}&ms=20000`, { method: 'POST' });
    await run.waitFor((line) => line.standIn === 'job-started' && line.id === 'slow-0');
    const signalledAt = run.kill('SIGTERM');
    const { code, atMs } = await run.exited;
    expect(code).toBe(0);
    expect(atMs - signalledAt).toBeLessThan(4000);
    expect(finished(run.lines)).toEqual(['quick']);
    expect(started(run.lines)).not.toContain('slow-3');
    expect(run.lines.find((line) => line.msg?.toString().startsWith('shutdown deadline reached'))).toMatchObject({ abandoned: 4 });
  }, 30_000);

  it('refuses to start with a bad setting and names it', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [`${ROOT}dist/src/server/main.js`], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', PORT: String(port), COZE_LOOP_CONCURRENCY: 'lots' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('COZE_LOOP_CONCURRENCY: expected a positive integer');
  }, 30_000);
});
