// `npm ci` builds through `prepare`; `npx coze-loop` in the checkout makes npm install the checkout into its npx cache
// as a link, which runs `prepare` again. scripts/prepare.js must then do nothing: these tests run it (and the real
// npx, offline) in a scratch project whose build scripts only log that they ran.
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/core/i18n.js';

const OUTPUTS = ['dist/src/cli/main.js', 'dist/src/cli/worker.js', 'dist/src/ci/action.js', 'dist/templates.json', 'dist/rules-catalogue.json', 'dist/web/playground.js'];

function scratchProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'coze-loop-prepare-'));
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(PROJECT_ROOT, 'scripts', 'prepare.js'), join(dir, 'scripts', 'prepare.js'));
  writeFileSync(join(dir, 'src', 'a.ts'), 'export const a = 1;\n');
  const build = `const fs=require('fs');fs.appendFileSync('build.log','build\\n');for(const f of ${JSON.stringify(OUTPUTS)}){fs.mkdirSync(require('path').dirname(f),{recursive:true});fs.writeFileSync(f,'')}`;
  const pkg = {
    name: 'coze-loop-prepare-scratch',
    version: '1.0.0',
    type: 'module',
    bin: { 'coze-loop-prepare-scratch': 'bin/run.js' },
    scripts: {
      prepare: 'node scripts/prepare.js',
      'build:native': `node -e "require('fs').appendFileSync('build.log','native\\n')"`,
      build: `node -e "${build.replace(/"/g, '\\"')}"`,
    },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(join(dir, 'bin', 'run.js'), '#!/usr/bin/env node\nconsole.log("ran");\n', { mode: 0o755 });
  return dir;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...process.env, COZE_LOOP_FORCE_BUILD: '', COZE_LOOP_REQUIRE_NATIVE: '', ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 99) : 0, stdout, stderr });
    });
  });
}

const builds = (dir: string) => (existsSync(join(dir, 'build.log')) ? readFileSync(join(dir, 'build.log'), 'utf8').trim().split('\n') : []);

describe('scripts/prepare.js', () => {
  it('builds once, then does nothing until a source changes', async () => {
    const dir = scratchProject();
    expect((await run(process.execPath, ['scripts/prepare.js', '--check'], dir)).code).toBe(1);
    const first = await run(process.execPath, ['scripts/prepare.js'], dir);
    expect(first.code).toBe(0);
    expect(builds(dir)).toEqual(['native', 'build']);
    expect((await run(process.execPath, ['scripts/prepare.js', '--check'], dir)).code).toBe(0);
    const again = await run(process.execPath, ['scripts/prepare.js'], dir);
    expect(again.stdout).toContain('up to date');
    expect(builds(dir)).toEqual(['native', 'build']);
    writeFileSync(join(dir, 'src', 'a.ts'), 'export const a = 2;\n');
    const check = await run(process.execPath, ['scripts/prepare.js', '--check'], dir);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('sources changed');
    await run(process.execPath, ['scripts/prepare.js'], dir);
    expect(builds(dir)).toEqual(['native', 'build', 'native', 'build']);
  }, 60_000);

  it('rebuilds for a changed rule file but not for a changed rule fixture (rules/<id>/fixtures/ is no build input)', async () => {
    const dir = scratchProject();
    mkdirSync(join(dir, 'rules', 'sample-rule', 'fixtures'), { recursive: true });
    writeFileSync(join(dir, 'rules', 'sample-rule', 'rule.yml'), 'id: sample-rule\n');
    writeFileSync(join(dir, 'rules', 'sample-rule', 'fixtures', 'bad.py'), 'pass\n');
    await run(process.execPath, ['scripts/prepare.js'], dir);
    writeFileSync(join(dir, 'rules', 'sample-rule', 'fixtures', 'bad.py'), 'while True:\n    pass\n');
    expect((await run(process.execPath, ['scripts/prepare.js', '--check'], dir)).code).toBe(0);
    writeFileSync(join(dir, 'rules', 'sample-rule', 'rule.yml'), 'id: sample-rule\nseverity: error\n');
    const check = await run(process.execPath, ['scripts/prepare.js', '--check'], dir);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('sources changed');
  }, 60_000);

  it('`npx <bin>` in the checkout after the install runs the command without building again', async () => {
    const dir = scratchProject();
    await run(process.execPath, ['scripts/prepare.js'], dir);
    expect(builds(dir)).toHaveLength(2);
    // Offline: the checkout is a directory spec, nothing is fetched; a fresh npx cache makes npm link and prepare it.
    const npx = await run('npx', ['coze-loop-prepare-scratch'], dir, { npm_config_offline: 'true', npm_config_cache: mkdtempSync(join(tmpdir(), 'coze-loop-npx-cache-')) });
    expect(npx.stderr).not.toMatch(/ERR!/);
    expect(npx.stdout.trim().split('\n').pop()).toBe('ran');
    expect(builds(dir)).toHaveLength(2);
  }, 120_000);

  it('is what `prepare` runs in this repository, and builds what `build:native` and `build` build', () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toBe('node scripts/prepare.js');
    const source = readFileSync(join(PROJECT_ROOT, 'scripts', 'prepare.js'), 'utf8');
    expect(source).toContain("runScript('build:native');\n    runScript('build');");
  });
});
