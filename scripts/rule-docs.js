#!/usr/bin/env node
// `npm run docs:rules`: regenerates docs/rules/ from the rule folders (rules/<id>/rule.yml). The renderer is the
// TypeScript in src/analysis/rule-docs.ts, so this runs its test with UPDATE_DOCS=1 (no build needed): the test
// writes every page, removes pages of rules that no longer exist, then checks them.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const result = spawnSync(process.execPath, ['--experimental-vm-modules', jest, 'test/analysis/rule-docs.test.ts'], {
  cwd: root,
  env: { ...process.env, UPDATE_DOCS: '1' },
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
