// Shared by the playground tests: a real service on 127.0.0.1 with the playground on, and the example snippets.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Finding } from '../../src/core/types.js';
import type { RefineHook } from '../../src/llm/hook.js';
import { createLogger } from '../../src/server/logger.js';
import { startService, type PlatformService, type RunningService } from '../../src/server/main.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The page bundle the service serves; built once here when a test run starts without `npm run build`. */
export function ensureWebBuilt(): void {
  if (existsSync(join(ROOT, 'dist', 'web', 'playground.js'))) return;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-web.js')], { cwd: ROOT, stdio: 'ignore' });
}

/** The seed-style poller: asks the database for work, then sleeps a constant 15 s. Same text as the page's example. */
export const POLLER = readExample('poller');

export function readExample(id: string): string {
  const source = readFileSync(join(ROOT, 'web', 'examples.ts'), 'utf8');
  const start = source.indexOf(`id: '${id}'`);
  const open = source.indexOf('code: `', start) + 'code: `'.length;
  return source.slice(open, source.indexOf('`,', open));
}

export interface Started {
  service: RunningService;
  logs: string[];
}

/** A set-up mode GitHub side, as Probot's registration pages are while no app is configured. */
export const setupModeGitHub = async (): Promise<PlatformService> => ({
  processors: {},
  setupPath: '/probot',
  async handle(req, res) {
    if (req.url !== '/probot' && req.url !== '/') return false;
    res.writeHead(req.url === '/' ? 302 : 200, req.url === '/' ? { location: '/probot' } : { 'content-type': 'text/html' });
    res.end('register a GitHub App');
    return true;
  },
});

export async function startPlayground(env: NodeJS.ProcessEnv = {}, options: { refine?: RefineHook; setupMode?: boolean } = {}): Promise<Started> {
  const logs: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  });
  const service = await startService(
    { PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', ...env },
    {
      createGitHub: options.setupMode ? setupModeGitHub : async () => null,
      createGitLab: () => null,
      logger,
      processMetrics: false,
      ...(options.refine ? { refine: options.refine } : {}),
    },
  );
  return { service, logs };
}

export async function postAnalyze(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${url}/api/analyze`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

export function ruleIds(json: Record<string, unknown>): string[] {
  return (json.findings as Finding[]).map((f) => f.ruleId).sort();
}
