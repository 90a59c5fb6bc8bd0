// Without the native tree reader (a machine with no compiler), coze-loop reads trees through the tree-sitter
// binding instead: the whole CLI must report exactly the same thing either way.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/core/i18n.js';

const BIN = join(PROJECT_ROOT, 'bin', 'coze-loop.js');
const BUILT = existsSync(join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js'));

function run(env: Record<string, string>): string {
  return execFileSync(process.execPath, [BIN, '--format', 'json', '--fail-on', 'none', '--no-progress', 'samples', 'rules'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, COZE_LOOP_THREADS: '1', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

describe('tree reader fallback', () => {
  (BUILT ? it : it.skip)('gives the same report through the binding as through the native reader', () => {
    const native = run({});
    const binding = run({ COZE_LOOP_FLAT_TREE: 'binding' });
    const report = JSON.parse(native) as { summary: { findings: number; filesAnalyzed: number } };
    expect(report.summary.findings).toBeGreaterThan(50);
    expect(report.summary.filesAnalyzed).toBeGreaterThan(50);
    expect(binding).toBe(native);
  }, 120_000);
});
