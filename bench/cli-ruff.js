// Ruff compiled to WebAssembly over a list of Python files, in one Node process: `node bench/cli-ruff.js LIST.json`.
// Prints one JSON line: files checked, diagnostics, failures, wall milliseconds and peak RSS, and `checkMs`: the time
// spent inside `Workspace#check()` alone (one Workspace, every file already read), the stricter peer for bench/run.js
// (no process start, no WebAssembly compile, no file reads).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { PositionEncoding, Workspace } = require('@astral-sh/ruff-wasm-nodejs');

export const RUFF_LOOP_RULES = ['PERF', 'B023', 'B909', 'ASYNC', 'S110', 'S112', 'PLW2901'];

const files = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const started = performance.now();
const workspace = new Workspace({ lint: { select: RUFF_LOOP_RULES } }, PositionEncoding.Utf16);
let diagnostics = 0;
let failures = 0;
let checked = 0;
const texts = [];
for (const file of files) {
  try {
    texts.push(readFileSync(file, 'utf8'));
  } catch {
    failures++;
  }
}
let checkMs = 0;
for (const text of texts) {
  const before = performance.now();
  try {
    diagnostics += workspace.check(text).length;
    checked++;
  } catch {
    failures++;
  }
  checkMs += performance.now() - before;
}
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ tool: `ruff-wasm ${Workspace.version()}`, files: checked, diagnostics, failures, ms, checkMs, maxRssKb: process.resourceUsage().maxRSS })}\n`);
