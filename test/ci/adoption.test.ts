// What adopting coze-loop elsewhere relies on: the pre-commit hook definition (run here the way pre-commit runs it:
// the hook's entry with its args and the staged files, from the repository being checked), the SchemaStore catalog
// entry, and a Node engine range every production dependency accepts.
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configCandidates } from '../../src/ci/config.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { tree } from '../cli/harness.js';

// semver comes with the test tooling (jest depends on it); typed here for the two calls used.
const semver = createRequire(import.meta.url)('semver') as { minVersion(range: string): { version: string } | null; satisfies(version: string, range: string): boolean };
const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string>; engines: { node: string } };

function exec(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 99) : 0, stdout, stderr });
    });
  });
}

describe('.pre-commit-hooks.yaml', () => {
  const [hook] = parse(read('.pre-commit-hooks.yaml')) as { id: string; entry: string; language: string; args: string[]; types_or: string[] }[];

  it('defines a node hook whose entry is the package\'s command, for the languages it analyses', () => {
    expect(hook).toMatchObject({ id: 'coze-loop', language: 'node' });
    expect(Object.keys(pkg.bin)).toContain(hook!.entry);
    expect(hook!.types_or).toEqual(expect.arrayContaining(['python', 'javascript', 'ts', 'tsx']));
  });

  it('fails the commit on a staged poller and passes a clean file, run as pre-commit runs it', async () => {
    const repo = tree({
      'jobs.py': 'import time\n\ndef work(db):\n    while True:\n        rows = db.execute("SELECT * FROM jobs").fetchall()\n        for row in rows:\n            db.execute("UPDATE jobs SET done = 1 WHERE id = %s", (row[0],))\n        time.sleep(30)\n',
      'clean.py': 'def add(a, b):\n    return a + b\n',
    });
    const bin = join(PROJECT_ROOT, pkg.bin[hook!.entry]!);
    const failing = await exec([bin, ...hook!.args, 'jobs.py', 'clean.py'], repo);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('jobs.py');
    const passing = await exec([bin, ...hook!.args, 'clean.py'], repo);
    expect(passing.code).toBe(0);
  }, 60_000);
});

describe('SchemaStore catalog entry', () => {
  const entry = JSON.parse(read('schema/schemastore-catalog-entry.json')) as { name: string; description: string; fileMatch: string[]; url: string };
  const schema = JSON.parse(read('schema/coze-loop.schema.json')) as { $id: string; $schema: string };

  it('points at the committed schema by its $id and matches every file name coze-loop reads', () => {
    expect(entry.url).toBe(schema.$id);
    expect(entry.url.endsWith('/schema/coze-loop.schema.json')).toBe(true);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    for (const file of new Set([...configCandidates('github'), ...configCandidates('gitlab')])) {
      const name = file.split('/').pop()!;
      expect(entry.fileMatch.some((glob) => glob === file || glob === name || glob === `**/${file}`)).toBe(true);
    }
    expect(entry.description.length).toBeGreaterThan(10);
  });
});

describe('package.json engines', () => {
  it('is a range every production dependency accepts at its lowest version', () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean; engines?: { node?: string } | string[] }> };
    expect(lock.packages['']!.engines).toEqual(pkg.engines);
    const floor = semver.minVersion(pkg.engines.node)!.version;
    const refusing: string[] = [];
    for (const [path, meta] of Object.entries(lock.packages)) {
      if (!path || meta.dev || !meta.engines || Array.isArray(meta.engines) || !meta.engines.node) continue;
      if (!semver.satisfies(floor, meta.engines.node)) refusing.push(`${path} (${meta.engines.node})`);
    }
    expect(refusing).toEqual([]);
  });
});
