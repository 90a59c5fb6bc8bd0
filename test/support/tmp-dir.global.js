// Every test file's temporary files go under one directory per run, removed when the run ends, so that a run
// leaves nothing in the machine's temporary directory even when a test forgets its own clean-up or fails before it.
// jest runs this in its parent process before it starts the workers, which inherit TMPDIR (os.tmpdir() reads it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'coze-loop-tests-'));
  process.env.COZE_LOOP_TEST_TMP = dir;
  process.env.TMPDIR = dir;
}

export async function teardown() {
  const dir = process.env.COZE_LOOP_TEST_TMP;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
