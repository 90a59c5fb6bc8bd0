// Golden files kept beside what they describe (a rule's rendered findings in rules/<id>/snapshot.md) instead of in a
// __snapshots__ folder next to the test: a mismatch fails with a diff like a snapshot; UPDATE_SNAPSHOTS=1 rewrites.
import { expect } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { PROJECT_ROOT } from '../../src/core/i18n.js';

export function expectGolden(path: string, actual: string): void {
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    writeFileSync(path, actual);
    return;
  }
  const name = relative(PROJECT_ROOT, path);
  if (!existsSync(path)) throw new Error(`${name} does not exist: write it with UPDATE_SNAPSHOTS=1 and review it`);
  const expected = readFileSync(path, 'utf8');
  if (expected !== actual) {
    // The diff jest prints for toBe, with the file named and the way to update it.
    expect(`${name} (UPDATE_SNAPSHOTS=1 rewrites it)\n${actual}`).toBe(`${name} (UPDATE_SNAPSHOTS=1 rewrites it)\n${expected}`);
  }
}
