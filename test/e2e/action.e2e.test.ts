// The GitHub Action (action.yml) as a runner executes it: the composite action's `run:` steps, with their
// `${{ ... }}` expressions filled in the way the runner does, in bash, with a GitHub Actions environment (event file,
// GITHUB_OUTPUT, GITHUB_ACTION_PATH) against the GitHub stand-in on 127.0.0.1. The `uses:` steps (setup-node,
// cache) are GitHub's own actions and are not run; the install step is skipped as on a cache hit, since this
// checkout is already installed and built.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { FakeGitHub } from '../support/fake-github.js';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  if?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  'working-directory'?: string;
}
interface ActionFile {
  name: string;
  inputs: Record<string, { default?: string; required?: boolean; description: string }>;
  outputs: Record<string, { value: string; description: string }>;
  runs: { using: string; steps: Step[] };
}

const ACTION = parse(readFileSync(join(PROJECT_ROOT, 'action.yml'), 'utf8')) as ActionFile;
const BASE = 'c9c8c7c6c5c4c3c2c1c0d9d8d7d6d5d4d3d2d1d0';
const HEAD = 'd0d1d2d3d4d5d6d7d8d9e0e1e2e3e4e5e6e7e8e9';
const TOKEN = 'ghs_actionTokenThatMustNotLeak0123456789';
const WORKER = [
  'import time',
  'import requests',
  '',
  '',
  'def charge_new_orders(db):',
  '    while True:',
  '        rows = db.execute("SELECT * FROM orders WHERE status = \'new\'").fetchall()',
  '        for row in rows:',
  '            requests.post("https://billing.example.com/charge", json={"id": row["id"]})',
  '            db.execute("UPDATE orders SET status = \'done\' WHERE id = %s", (row["id"],))',
  '            db.commit()',
  '        time.sleep(30)',
];
const PATCH = [`@@ -0,0 +1,${WORKER.length} @@`, ...WORKER.map((l) => `+${l}`)].join('\n');

/** Builds dist/ when the action's entry point is missing or older than its sources (as the CI review test does). */
function ensureBuilt(): void {
  const entry = join(PROJECT_ROOT, 'dist', 'src', 'ci', 'action.js');
  const source = join(PROJECT_ROOT, 'src', 'ci', 'action.ts');
  if (existsSync(entry) && statSync(entry).mtimeMs >= statSync(source).mtimeMs) return;
  try {
    execFileSync('npm', ['run', 'build'], { cwd: PROJECT_ROOT, stdio: 'pipe', timeout: 400_000 });
  } catch {
    // Type errors elsewhere still emit JavaScript; the run below fails if the entry point cannot start.
  }
}

interface Context {
  inputs: Record<string, string>;
  steps: Record<string, { outputs: Record<string, string> }>;
  github: Record<string, string>;
  runner: Record<string, string>;
}

/** `${{ a.b.c }}` for the expressions action.yml uses (property paths and one `!=` comparison); anything else fails the test. */
function evaluate(expression: string, ctx: Context): string | boolean {
  const compare = /^(.+?)\s*!=\s*'([^']*)'$/.exec(expression.trim());
  if (compare) return evaluate(compare[1]!, ctx) !== compare[2];
  const path = expression.trim().split('.');
  let value: unknown = ctx;
  for (const key of path) {
    if (value === null || typeof value !== 'object') throw new Error(`cannot evaluate \${{ ${expression} }}`);
    value = (value as Record<string, unknown>)[key];
  }
  if (value === undefined && path[0] === 'steps') return '';
  if (typeof value !== 'string') throw new Error(`cannot evaluate \${{ ${expression} }}`);
  return value;
}

function interpolate(text: string, ctx: Context): string {
  return text.replace(/\$\{\{([^}]*)\}\}/g, (_, expression: string) => String(evaluate(expression, ctx)));
}

function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  ran: string[];
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', script], { cwd, env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 99) : 0, stdout, stderr });
    });
  });
}

/** Runs the composite action's steps in order, as the runner would on a cache hit. */
async function runAction(inputs: Record<string, string>, baseEnv: Record<string, string>, workspace: string): Promise<ActionRun> {
  const ctx: Context = {
    inputs: Object.fromEntries(Object.entries(ACTION.inputs).map(([name, spec]) => [name, inputs[name] ?? spec.default ?? ''])),
    steps: {},
    github: { action_path: PROJECT_ROOT, token: baseEnv.GITHUB_TOKEN ?? '' },
    runner: { os: 'Linux', arch: 'X64' },
  };
  // The default `${{ github.token }}` is itself an expression, evaluated when the input is read.
  for (const [name, value] of Object.entries(ctx.inputs)) ctx.inputs[name] = interpolate(value, ctx);
  let stdout = '';
  let stderr = '';
  const ran: string[] = [];
  for (const [index, step] of ACTION.runs.steps.entries()) {
    const id = step.id ?? `step${index}`;
    if (step.uses) {
      // actions/cache: this checkout is installed and built, which is what a hit restores.
      ctx.steps[id] = { outputs: step.uses.startsWith('actions/cache@') ? { 'cache-hit': 'true' } : {} };
      continue;
    }
    if (step.if !== undefined && evaluate(step.if, ctx) === false) continue;
    const outputFile = join(workspace, `output-${id}.txt`);
    writeFileSync(outputFile, '');
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(String(v), ctx)]));
    const env = { ...baseEnv, ...stepEnv, GITHUB_OUTPUT: outputFile, GITHUB_ACTION_PATH: PROJECT_ROOT, RUNNER_OS: 'Linux', RUNNER_ARCH: 'X64' };
    const cwd = step['working-directory'] ? interpolate(step['working-directory'], ctx) : workspace;
    expect(step.shell).toBe('bash');
    const result = await bash(interpolate(step.run!, ctx), cwd, env);
    ran.push(step.name ?? id);
    stdout += result.stdout;
    stderr += result.stderr;
    ctx.steps[id] = { outputs: parseOutputFile(readFileSync(outputFile, 'utf8')) };
    if (result.code !== 0) return { code: result.code, stdout, stderr, outputs: actionOutputs(ctx), ran };
  }
  return { code: 0, stdout, stderr, outputs: actionOutputs(ctx), ran };
}

function actionOutputs(ctx: Context): Record<string, string> {
  return Object.fromEntries(Object.entries(ACTION.outputs).map(([name, spec]) => [name, interpolate(spec.value, ctx)]));
}

beforeAll(() => {
  ensureBuilt();
}, 420_000);

describe('action.yml', () => {
  it('is a composite action that installs its own checkout and never runs a package by registry name', () => {
    expect(ACTION.runs.using).toBe('composite');
    const text = readFileSync(join(PROJECT_ROOT, 'action.yml'), 'utf8');
    expect(text).not.toMatch(/npx|npm (?:exec|install|i) coze-loop|npm exec/);
    const install = ACTION.runs.steps.find((s) => s.run?.includes('npm ci'));
    expect(install?.['working-directory']).toBe('${{ github.action_path }}');
    expect(install?.if).toContain('cache-hit');
    const uses = ACTION.runs.steps.map((s) => s.uses).filter(Boolean);
    expect(uses).toEqual(['actions/setup-node@v5', 'actions/cache@v5']);
    for (const name of ['target', 'fail-on', 'config']) expect(ACTION.inputs[name]).toBeDefined();
    for (const name of ['findings', 'errors', 'warnings', 'notices', 'posted', 'conclusion']) expect(ACTION.outputs[name]!.value).toBe(`\${{ steps.review.outputs.${name} }}`);
  });
});

describe('the action against the GitHub stand-in', () => {
  let fake: FakeGitHub;
  let workspace: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = await new FakeGitHub().start();
    fake.addPull({ number: 11, head: { sha: HEAD, ref: 'feature' }, base: { sha: BASE, ref: 'main' }, files: [{ filename: 'worker/charge.py', status: 'added', patch: PATCH }] });
    fake.setContent(HEAD, 'worker/charge.py', `${WORKER.join('\n')}\n`);
    workspace = mkdtempSync(join(tmpdir(), 'coze-loop-action-'));
    const event = {
      action: 'opened',
      number: 11,
      pull_request: {
        number: 11,
        draft: false,
        base: { sha: BASE, ref: 'main', repo: { full_name: 'acme/shop' } },
        head: { sha: HEAD, ref: 'feature', repo: { full_name: 'acme/shop' } },
      },
      repository: { full_name: 'acme/shop' },
    };
    writeFileSync(join(workspace, 'event.json'), JSON.stringify(event));
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      NO_COLOR: '1',
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_TOKEN: TOKEN,
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: join(workspace, 'event.json'),
      GITHUB_API_URL: `${fake.url}/api/v3`,
      GITHUB_WORKSPACE: workspace,
    };
  });

  afterAll(async () => {
    await fake.close();
  });

  it('posts the review with the default token and writes the counts as step outputs', async () => {
    const result = await runAction({ 'fail-on': 'none', sarif: 'out/coze-loop.sarif' }, env, workspace);
    expect(result.ran).toEqual(['key', 'Review the pull request']);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain(TOKEN);
    // No config in the repository is normal: no error line, no 404 echoed.
    expect(result.stderr).not.toContain('[error]');
    expect(result.stderr).not.toContain('404');
    expect(fake.reviews).toHaveLength(1);
    const posted = fake.reviews[0]!.comments.length;
    expect(posted).toBeGreaterThan(0);
    expect(fake.checkRuns).toHaveLength(1);
    const { outputs } = result;
    expect(Number(outputs.findings)).toBeGreaterThan(0);
    expect(Number(outputs.errors) + Number(outputs.warnings) + Number(outputs.notices)).toBe(Number(outputs.findings));
    expect(Number(outputs.posted)).toBe(posted);
    expect(outputs.conclusion).toBe(fake.checkRuns[0]!.conclusion);
    expect(outputs.conclusion).toBe('neutral');
    expect(outputs.sarif).toBe('out/coze-loop.sarif');
    const sarif = JSON.parse(readFileSync(join(workspace, 'out', 'coze-loop.sarif'), 'utf8')) as { runs: { results: unknown[] }[] };
    expect(sarif.runs[0]!.results).toHaveLength(Number(outputs.findings));
  }, 120_000);

  it('fails the step on findings at fail-on, with target and config inputs applied', async () => {
    writeFileSync(join(workspace, 'strict.yml'), 'targets: [fix-bugs]\nfail_on: warning\n');
    const result = await runAction({ target: 'fix-bugs', config: 'strict.yml', 'fail-on': 'error' }, env, workspace);
    expect(result.code).toBe(1);
    expect(Number(result.outputs.errors)).toBeGreaterThan(0);
    expect(result.outputs.conclusion).toBe('failure');
    expect(result.outputs['findings']).toBeDefined();
    // fix-bugs only: none of the optimize findings of the first run.
    expect(Number(result.outputs.findings)).toBeLessThan(Number((await runAction({ 'fail-on': 'none', 'dry-run': 'true' }, env, workspace)).outputs.findings));
  }, 120_000);

  it('logs the 404 of the missing repository config as debug detail, not as an error', async () => {
    const result = await runAction({ 'fail-on': 'none', 'dry-run': 'true' }, { ...env, COZE_LOOP_LOG_LEVEL: 'debug' }, workspace);
    expect(result.code).toBe(0);
    const lines = result.stderr.split('\n').filter((line) => line.includes('coze-loop.yml'));
    expect(lines.some((line) => / - 404\b/.test(line))).toBe(true);
    for (const line of lines) expect(line).toMatch(/^coze-loop \[debug\]/);
  }, 60_000);

  it('an input that is not valid stops with exit 2 and a message naming it', async () => {
    const result = await runAction({ 'fail-on': 'sometimes' }, env, workspace);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--fail-on');
    expect(result.outputs.findings).toBe('');
  }, 60_000);
});
