#!/usr/bin/env node
// Recall and precision of the built CLI on the labelled worker corpus (bench/labelled/, labels in loop-line
// comments, see bench/labelled-score.js). Prints per language and per rule: expected, found, unexpected, recall,
// precision (at any severity, and overall at warning/error); then every miss and every unexpected finding. Asserts nothing (the floor lives in
// test/analysis/labelled-recall.test.ts).
//
//   npm run build && node bench/recall.js            # the table and the lists
//   node bench/recall.js --json                     # the score as JSON (for comparing runs)
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readLabels, score } from './labelled-score.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, 'labelled');
const cli = join(here, '..', 'bin', 'coze-loop.js');

const started = Date.now();
const stdout = execFileSync(process.execPath, [cli, '--format', 'json', '--fail-on', 'none', '--no-progress', '.'], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
const elapsed = Date.now() - started;
const report = JSON.parse(stdout);
const result = score(readLabels(root), report.findings);

if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}

const pct = (x) => (x === null ? '-' : `${(100 * x).toFixed(0)}%`);
const table = (title, rows) => {
  console.log(`\n| ${title} | expected | found | unexpected | recall | precision |`);
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.name} | ${r.expected} | ${r.found} | ${r.unexpected} | ${pct(r.recall)} | ${pct(r.precision)} |`);
};

console.log(
  `Labelled corpus: ${result.loops} loops (${result.clean} clean look-alikes, ${result.quietClean} of them quiet), ` +
    `${report.summary.filesAnalyzed} files, ${report.findings.length} findings, CLI ${elapsed} ms`,
);
console.log(
  `Overall: recall ${pct(result.total.recall)} (${result.total.found}/${result.total.expected}), ` +
    `precision ${pct(result.total.precision)} (${result.total.unexpected} unexpected)`,
);
// What fails a check by default (`fail_on: warning`): the same score over the warning/error findings only. A rule
// that grades some findings down (a name-only guess, an assumed iteration count) finds fewer here.
// Only the rules whose own severity is warning or error count (the readability rules are info by design).
const { getRule } = await import(pathToFileURL(join(here, '..', 'dist', 'src', 'analysis', 'engine.js')).href);
const warningRule = (ruleId) => getRule(ruleId)?.severity !== 'info';
const atWarning = score(
  readLabels(root).map((l) => ({ ...l, expect: l.expect.filter(warningRule) })),
  report.findings.filter((f) => f.severity !== 'info'),
);
const gradedDown = atWarning.rules
  .map((r) => ({ r, all: result.rules.find((x) => x.name === r.name) }))
  .filter(({ r, all }) => all && all.found > r.found)
  .map(({ r, all }) => `${r.name} ${r.found}/${all.found}`);
console.log(
  `At warning/error: recall ${pct(atWarning.total.recall)} (${atWarning.total.found}/${atWarning.total.expected})` +
    (gradedDown.length > 0 ? `; found at warning/error of all found: ${gradedDown.join(', ')}` : ''),
);
table('language', result.languages);
table('rule', result.rules);
console.log(`\nMisses (${result.misses.length}):`);
for (const m of result.misses) console.log(`  ${m.path}:${m.line} ${m.ruleId}`);
console.log(`\nUnexpected (${result.unexpected.length}):`);
for (const u of result.unexpected) {
  console.log(`  ${u.path}:${u.line} ${u.ruleId}${u.labelled ? '' : ' (unlabelled line)'} — ${u.message.slice(0, 120)}`);
}
