// No Docker engine runs in CI, so the Dockerfile is checked against what CI does run: its npm steps are CI's
// commands, its CMD is `npm start`'s, its HEALTHCHECK command works against a real service, and the files it copies
// exist and are not excluded by .dockerignore.
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { createLogger } from '../../src/server/logger.js';
import { startService } from '../../src/server/main.js';
import { freePort } from '../jobs/redis-helper.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');

interface Instruction {
  stage: string;
  keyword: string;
  args: string;
}

function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  const instructions: Instruction[] = [];
  let stage = '';
  for (const line of joined.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const [keyword, ...rest] = trimmed.split(/\s+/);
    const args = rest.join(' ');
    if (keyword!.toUpperCase() === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? args;
    instructions.push({ stage, keyword: keyword!.toUpperCase(), args });
  }
  return instructions;
}

/** `npm ci --no-audit --no-fund` -> `npm ci`: output-only flags do not change what is installed or built. */
function npmCommands(script: string): string[] {
  return script
    .split(/&&|;|\n/)
    .map((part) => part.replace(/#.*$/, '').trim())
    .filter((part) => /^npm\s/.test(part))
    .map((part) => part.replace(/\s--no-(audit|fund)\b/g, '').replace(/\s+/g, ' ').trim());
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
const ciScript = read('.ci/run');

describe('Dockerfile', () => {
  it('builds with exactly the npm commands CI runs, and prepare builds what `npm run build` builds', () => {
    const buildNpm = dockerfile.filter((i) => i.stage === 'build' && i.keyword === 'RUN').flatMap((i) => npmCommands(i.args));
    expect(buildNpm).toEqual(['npm ci']);
    expect(npmCommands(ciScript)).toContain('npm ci');
    // prepare = the native tree reader, then what `npm run build` builds, skipped when already built from the same
    // sources (scripts/prepare.js; test/cli/prepare.test.ts).
    expect(pkg.scripts.prepare).toBe('node scripts/prepare.js');
    expect(read('scripts/prepare.js')).toContain("runScript('build:native');\n    runScript('build');");
    const build = dockerfile.filter((i) => i.stage === 'build');
    expect(build.some((i) => i.keyword === 'RUN' && /apt-get install .*\bg\+\+/.test(i.args) && /\bmake\b/.test(i.args) && /\bpython3\b/.test(i.args))).toBe(true);
    expect(build.find((i) => i.keyword === 'ENV')?.args).toBe('COZE_LOOP_REQUIRE_NATIVE=1');
    expect(ciScript).toMatch(/^export COZE_LOOP_REQUIRE_NATIVE=1$/m);
    // The build reads what `prepare` needs besides the sources: the YAML it compiles (rules, API files, texts).
    const buildCopies = build.filter((i) => i.keyword === 'COPY').map((i) => i.args.split(/\s+/)[0]);
    expect(buildCopies).toEqual(expect.arrayContaining(['scripts', 'native', 'src', 'rules', 'templates']));
    for (const command of buildNpm) {
      const script = /^npm run (\S+)/.exec(command)?.[1];
      if (script) expect(pkg.scripts[script]).toBeDefined();
    }
  });

  it('installs production dependencies in the runtime stage without running prepare, and copies dist from the build', () => {
    const runtimeNpm = dockerfile.filter((i) => i.stage === 'runtime' && i.keyword === 'RUN').flatMap((i) => npmCommands(i.args));
    expect(runtimeNpm).toEqual(['npm ci --omit=dev --ignore-scripts']);
    expect(dockerfile).toContainEqual({ stage: 'runtime', keyword: 'COPY', args: '--from=build /app/dist ./dist' });
    const reader = 'native/build/Release/coze_loop_flat_tree.node';
    expect(dockerfile).toContainEqual({ stage: 'runtime', keyword: 'COPY', args: `--from=build /app/${reader} ./${reader}` });
  });

  it('runs what `npm start` runs, under tini, as the non-root node user, on 0.0.0.0:3000', () => {
    const runtime = dockerfile.filter((i) => i.stage === 'runtime');
    const cmd = JSON.parse(runtime.find((i) => i.keyword === 'CMD')!.args) as string[];
    expect(cmd.join(' ')).toBe(pkg.scripts.start);
    // The entry point script runs the CMD as it is (test/e2e/image.e2e.test.ts runs it).
    expect(JSON.parse(runtime.find((i) => i.keyword === 'ENTRYPOINT')!.args)).toEqual(['/usr/bin/tini', '--', '/app/bin/docker-entrypoint.sh']);
    expect(runtime.some((i) => i.keyword === 'RUN' && /apt-get install .*\btini\b/.test(i.args))).toBe(true);
    expect(runtime.filter((i) => i.keyword === 'USER').map((i) => i.args)).toEqual(['node']);
    expect(runtime.find((i) => i.keyword === 'ENV')!.args).toMatch(/HOST=0\.0\.0\.0/);
    expect(runtime.find((i) => i.keyword === 'EXPOSE')!.args).toBe('3000');
  });

  it('uses the same current Node LTS slim Debian base for both stages', () => {
    const bases = dockerfile.filter((i) => i.keyword === 'FROM').map((i) => i.args.split(/\s+/)[0]);
    expect(bases).toHaveLength(2);
    expect(new Set(bases).size).toBe(1);
    const [, major] = /^node:(\d+)-bookworm-slim$/.exec(bases[0]!) ?? [];
    expect(Number(major) % 2).toBe(0);
    expect(Number(major)).toBeGreaterThanOrEqual(22);
  });

  it('copies only files that exist and that .dockerignore lets through, including the runtime data the code reads', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    const sources = dockerfile
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const source of sources) {
      expect(existsSync(`${ROOT}${source}`)).toBe(true);
      expect(ignored).not.toContain(source);
    }
    expect(sources).toEqual(expect.arrayContaining(['package-lock.json', 'src', 'scripts', 'native', 'rules', 'templates', 'app.yml']));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.env', '*.pem']));
    // `COPY rules` ships the rule files (rules/<id>/rule.yml, rules/apis/); the rule fixtures beside them stay out.
    expect(ignored).toEqual(expect.arrayContaining(['rules/*/fixtures', 'rules/*/snapshot.md']));
  });

  it('has a HEALTHCHECK command that passes against a running service and fails when nothing listens', async () => {
    const healthcheck = dockerfile.find((i) => i.keyword === 'HEALTHCHECK')!.args;
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim()) as string[];
    expect(command[0]).toBe('node');
    expect(command.join(' ')).toContain('/healthz');
    const service = await startService(
      { PORT: '0', HOST: '127.0.0.1' },
      { createGitHub: async () => null, createGitLab: () => null, logger: createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) }) },
    );
    const port = new URL(service.url).port;
    try {
      await expect(promisify(execFile)(process.execPath, command.slice(1), { env: { PORT: port } })).resolves.toBeDefined();
    } finally {
      await service.shutdown('test');
    }
    const closedPort = String(await freePort());
    await expect(promisify(execFile)(process.execPath, command.slice(1), { env: { PORT: closedPort } })).rejects.toMatchObject({ code: 1 });
  });
});

describe('deploy/docker-compose.yml', () => {
  const compose = parse(read('deploy/docker-compose.yml'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; deploy?: { replicas?: number }; healthcheck?: { test: string[] }; env_file?: string; depends_on?: Record<string, { condition: string }>; stop_grace_period?: string }>;
  };

  it('runs one web process and two workers on one Redis, with healthchecks', () => {
    const { web, worker, redis } = compose.services;
    expect(web!.environment).toMatchObject({ COZE_LOOP_ROLE: 'web', REDIS_URL: 'redis://redis:6379' });
    expect(worker!.environment).toMatchObject({ COZE_LOOP_ROLE: 'worker', REDIS_URL: 'redis://redis:6379' });
    expect(worker!.deploy?.replicas).toBe(2);
    for (const service of [web!, worker!]) {
      expect(service.healthcheck?.test.join(' ')).toContain('/readyz');
      expect(service.env_file).toBe('./coze-loop.env');
      expect(service.depends_on?.redis?.condition).toBe('service_healthy');
    }
    expect(redis!.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('gives processes more time to stop than their shutdown deadline', () => {
    for (const name of ['web', 'worker']) {
      const service = compose.services[name]!;
      const grace = Number(/^(\d+)s$/.exec(service.stop_grace_period ?? '')?.[1]);
      const deadline = Number(/^(\d+)s$/.exec(service.environment?.COZE_LOOP_SHUTDOWN_TIMEOUT ?? '')?.[1]);
      expect(grace).toBeGreaterThan(deadline);
    }
  });
});
