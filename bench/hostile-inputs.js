#!/usr/bin/env node
// Hostile inputs beside their same-size benign twins (`node bench/hostile-inputs.js`, after `npm run build`).
// Nothing is asserted: it prints, for each pattern the engine once ran with backtracking and for each whole-file
// reproduction of issue 18, the best-of-3 time of the hostile input and of a benign input of the same size, and
// their ratio. A linear engine keeps the ratio near 1 at every size; the former patterns grew it without bound
// (a 6 KB polled SELECT took 38 s). The cases are shared with test/analysis/linear-regex.test.ts.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bestTime, bindTargets, fileCases, functionCases, targetModules } from './hostile-cases.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
if (!existsSync(join(dist, 'src', 'analysis', 'engine.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const load = (path) => import(pathToFileURL(join(dist, `${path}.js`)).href);
const modules = Object.fromEntries(await Promise.all(Object.entries(targetModules).map(async ([name, path]) => [name, await load(path)])));
const targets = bindTargets(modules);
const { analyzeSource } = await load('src/analysis/engine');
const { DEFAULT_CONFIG } = await load('src/config/schema');

const FUNCTION_SIZE = Number(process.env.HOSTILE_SIZE ?? 200_000);
const FILE_SIZE = Number(process.env.HOSTILE_FILE_SIZE ?? 100_000);
const ms = (v) => v.toFixed(v < 10 ? 2 : 0).padStart(8);
const rows = [];

for (const c of functionCases) {
  const fn = targets[c.target];
  const hostile = c.hostile(FUNCTION_SIZE);
  const benign = c.benign(FUNCTION_SIZE);
  fn(benign);
  fn(hostile);
  rows.push([`${c.target}: ${c.what}`, hostile.length, bestTime(() => fn(hostile)), bestTime(() => fn(benign))]);
}
for (const c of fileCases) {
  const hostile = c.hostile(FILE_SIZE);
  const benign = c.benign(FILE_SIZE);
  const run = (text) => analyzeSource({ path: c.path, content: text }, DEFAULT_CONFIG);
  run(benign);
  rows.push([`file ${c.what}`, hostile.length, bestTime(() => run(hostile)), bestTime(() => run(benign))]);
}

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`${'input'.padEnd(width)}     chars  hostile ms  benign ms   ratio`);
for (const [name, size, hostile, benign] of rows) {
  console.log(`${name.padEnd(width)} ${String(size).padStart(9)}  ${ms(hostile)}    ${ms(benign)}   ${(hostile / Math.max(benign, 0.01)).toFixed(1).padStart(5)}x`);
}
