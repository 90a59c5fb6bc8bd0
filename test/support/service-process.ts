// The real service as a child process (`node dist/src/server/main.js`, what `npm start` runs), for the end-to-end
// tests and the latency benchmarks: build check, free port, start with a clean environment, wait until it listens,
// signed GitHub webhooks, and stop. Node builtins only, so bench/ can load it with esbuild like the fakes.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN = join(ROOT, 'dist', 'src', 'server', 'main.js');

/** Rebuilds dist/ (tsc only) when one of `sources` is newer than its compiled file, or when main.js is missing. */
export function ensureBuilt(sources: string[] = ['src/platforms/github/service.ts', 'src/platforms/github/throttle.ts', 'src/platforms/gitlab/service.ts', 'src/server/processors.ts', 'src/review/pipeline.ts', 'src/review/collect.ts', 'src/platforms/github/github-platform.ts', 'src/commands/run.ts']): void {
  const compiled = (source: string) => join(ROOT, 'dist', source.replace(/\.ts$/, '.js'));
  const stale = !existsSync(MAIN) || sources.some((s) => statSync(join(ROOT, s)).mtimeMs > (statSync(compiled(s), { throwIfNoEntry: false })?.mtimeMs ?? 0));
  if (!stale) return;
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe', timeout: 400_000 });
  } catch {
    // Type errors elsewhere in the tree still emit JavaScript; the service fails clearly at start if it cannot run.
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A throwaway GitHub App key (PKCS#1 PEM, what GitHub hands out). */
export function appPrivateKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
}

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  url: string;
  /** stdout and stderr so far (pino JSON lines). */
  output: string;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

/** Polls `probe` until it answers something truthy; fails with the service's log tail. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, services: ServiceProcess[] = [], intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${services.map((s) => `--- ${s.name}\n${s.output.slice(-3000)}`).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Starts the service with only PATH, HOME and `env` (nothing else leaks in from the test runner) and waits until it
 * listens (its "listening" log line, or /healthz answering when LOG_LEVEL hides info lines) or exits.
 */
export async function startService(env: Record<string, string>, options: { name?: string; startTimeoutMs?: number } = {}): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service: ServiceProcess = {
    name: options.name ?? 'service',
    child,
    url: `http://127.0.0.1:${port}`,
    output: '',
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  child.stdout!.on('data', (chunk: Buffer) => (service.output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (service.output += chunk.toString()));
  const healthy = () =>
    fetch(`${service.url}/healthz`)
      .then(async (res) => (await res.arrayBuffer(), res.ok))
      .catch(() => false);
  await waitFor(`${service.name} to listen`, async () => service.output.includes('"msg":"listening"') || child.exitCode !== null || (await healthy()), options.startTimeoutMs ?? 60_000, [service], 100);
  if (child.exitCode !== null) throw new Error(`${service.name} exited at start:\n${service.output.slice(-4000)}`);
  return service;
}

/** The environment of a GitHub App pointed at a local GitHub stand-in (`host` is `127.0.0.1:port`). */
export function githubAppEnv(host: string, secret: string, privateKey: string): Record<string, string> {
  return { APP_ID: '123', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: secret, GHE_HOST: host, GHE_PROTOCOL: 'http' };
}

/** Sends a signed GitHub webhook; resolves the HTTP status. */
export async function sendGitHubWebhook(url: string, secret: string, event: string, payload: unknown, delivery: string): Promise<number> {
  const body = JSON.stringify(payload);
  const res = await fetch(`${url}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

/** Sends a GitLab webhook with its secret token header; resolves the HTTP status. */
export async function sendGitLabWebhook(url: string, secret: string, event: string, payload: unknown, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${url}/gitlab/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-token': secret, ...headers },
    body: JSON.stringify(payload),
  });
  await res.arrayBuffer();
  return res.status;
}
