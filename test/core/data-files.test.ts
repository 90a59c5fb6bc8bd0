// The shipped YAML and its compiled copies (core/data-files.ts): a copy gives exactly what the YAML gives, and it
// is used only while it was built from the files on disk. And a CLI start that has nothing to validate loads
// neither zod nor yaml (core/lazy-modules.ts).
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_DIR, COMPILED_APIS, compileApiFiles, loadApiFiles } from '../../src/analysis/knowledge-base.js';
import { configSchema, DEFAULT_CONFIG } from '../../src/config/schema.js';
import { readCompiled, readDataFiles } from '../../src/core/data-files.js';
import { COMPILED_TEMPLATES, compileTemplates, PROJECT_ROOT, t } from '../../src/core/i18n.js';
import { LOCALES } from '../../src/core/types.js';

const BUILT = existsSync(join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js'));

describe('compiled data', () => {
  it('hashes names and texts: a missing directory is no files, a copied one the same hash', () => {
    const empty = readDataFiles(join(tmpdir(), 'coze-loop-no-such-dir'));
    expect(empty.files).toEqual([]);
    const copy = mkdtempSync(join(tmpdir(), 'coze-loop-apis-'));
    cpSync(API_DIR, copy, { recursive: true });
    expect(readDataFiles(copy).hash).toBe(readDataFiles(API_DIR).hash);
    expect(readDataFiles(copy).hash).not.toBe(empty.hash);
  });

  it('loads the same API knowledge base from the compiled copy as from the YAML', () => {
    const fresh = compileApiFiles();
    expect(fresh.data.map((f) => f.language).sort()).toEqual(['go', 'java', 'javascript', 'python']);
    const compiled = readCompiled<unknown>(COMPILED_APIS, fresh.hash);
    if (compiled !== undefined) expect(compiled).toEqual(fresh.data);
    expect(readCompiled<unknown>(COMPILED_APIS, 'not-the-hash')).toBeUndefined();
    // A copy of the directory is never matched against the compiled copy: it is read from its YAML.
    const copy = mkdtempSync(join(tmpdir(), 'coze-loop-apis-'));
    cpSync(API_DIR, copy, { recursive: true });
    const fromYaml = loadApiFiles(copy);
    expect(fromYaml.get('python')!.kinds.length).toBeGreaterThan(20);
    expect(loadApiFiles()).toEqual(fromYaml);
  });

  it('gives every template text the same through t() as the YAML has it', () => {
    const fresh = compileTemplates();
    for (const locale of LOCALES) {
      const texts = Object.entries(fresh.data[locale] ?? {});
      expect(texts.length).toBeGreaterThan(100);
      // t() with no parameters leaves placeholders as they are, so it returns the stored text.
      for (const [key, text] of texts) expect(t(locale, key)).toBe(text);
    }
    const compiled = readCompiled<unknown>(COMPILED_TEMPLATES, fresh.hash);
    if (compiled !== undefined) expect(compiled).toEqual(fresh.data);
  });

  it('states the config defaults once: DEFAULT_CONFIG is what an empty config file parses to', () => {
    expect(configSchema().parse({})).toEqual(DEFAULT_CONFIG);
    expect(configSchema().parse({ cost: {} }).cost).toEqual(DEFAULT_CONFIG.cost);
    expect(configSchema().parse({ review: {}, summary: {}, llm: {} })).toEqual(DEFAULT_CONFIG);
  });

  (BUILT ? it : it.skip)('starts the CLI without loading zod or yaml when there is nothing to validate, and loads them for a config file', () => {
    const loaded = (cwd: string): string[] => {
      const child = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { createRequire } from 'node:module';
           const { main } = await import(${JSON.stringify(join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js'))});
           process.stdout.write = () => true;
           await main(['--format', 'json', '--fail-on', 'none', '--no-progress', '.']);
           const cache = Object.keys(createRequire(import.meta.url).cache);
           console.error(JSON.stringify(['zod', 'yaml'].filter((p) => cache.some((k) => k.includes('/node_modules/' + p + '/')))));`,
        ],
        { cwd, encoding: 'utf8' },
      );
      expect(child.status).toBe(0);
      return JSON.parse(child.stderr.trim().split('\n').pop()!) as string[];
    };
    const project = mkdtempSync(join(tmpdir(), 'coze-loop-start-'));
    cpSync(join(PROJECT_ROOT, 'samples'), project, { recursive: true });
    expect(loaded(project)).toEqual([]);
    writeFileSync(join(project, '.coze-loop.yml'), 'targets: [optimize]\n');
    expect(loaded(project).sort()).toEqual(['yaml', 'zod']);
  }, 60_000);
});
