// Labels of the recall corpus (bench/labelled/) and the score of a run's findings against them.
// Shared by bench/recall.js (the built CLI) and test/analysis/labelled-recall.test.ts (the engine in-process).
//
// A label is a comment at the end of a loop's first line:
//   for row in rows:  # expect: query-in-loop, serial-blocking-io
//   while (true) { // expect: retry-without-backoff; allow: busy-wait
//   for (const x of xs) { // expect: none
// `expect` lists the rule ids a reviewer wants on that loop (`none`: a clean look-alike that must stay quiet);
// `allow` lists rule ids that may fire there without counting either way (defensible but not the point).
// A finding belongs to the label on its loop's first line (`loop.startLine`, else its own line). Every loop of the
// corpus is labelled, so a finding on an unlabelled line is unexpected too.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

const EXTENSIONS = new Map([
  ['.py', 'python'],
  ['.js', 'javascript'],
  ['.mjs', 'javascript'],
  ['.ts', 'typescript'],
  ['.go', 'go'],
  ['.java', 'java'],
]);

/** A `# expect: a, b; allow: c` (or `//`) comment of a line, parsed with string operations (no regex). */
function parseLabel(text) {
  const at = text.indexOf('expect:');
  if (at < 0) return undefined;
  const before = text.slice(0, at).trimEnd();
  if (!before.endsWith('#') && !before.endsWith('//')) return undefined;
  const [expect, allow] = text.slice(at + 'expect:'.length).split(';');
  if (allow !== undefined && !allow.trim().startsWith('allow:')) return undefined;
  return { expect: ids(expect), allow: ids(allow?.trim().slice('allow:'.length)) };
}

function ids(text) {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'none');
}

/** Source files of the corpus, relative to `root`, `/`-separated, sorted. */
export function corpusFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (EXTENSIONS.has(extname(entry.name))) out.push(relative(root, full).split(sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

export function languageOf(path) {
  return EXTENSIONS.get(extname(path)) ?? 'other';
}

/** Every label of the corpus: { path, line, expect: string[], allow: string[] }. */
export function readLabels(root) {
  const labels = [];
  for (const path of corpusFiles(root)) {
    const lines = readFileSync(join(root, path), 'utf8').split('\n');
    lines.forEach((text, index) => {
      const label = parseLabel(text);
      if (label) labels.push({ path, line: index + 1, ...label });
    });
  }
  return labels;
}

function ratio(hit, total) {
  return total === 0 ? null : hit / total;
}

/**
 * Scores findings ({ ruleId, path, line, loop?: { startLine } }, paths relative to the corpus root) against labels.
 * Returns totals, per-rule and per-language rows (recall = expected pairs found / expected pairs; precision = found
 * expected pairs / (found expected pairs + unexpected findings), a finding counted once per loop and rule), the misses,
 * the unexpected findings and how many clean look-alikes stayed quiet.
 */
export function score(labels, findings) {
  const byKey = new Map(labels.map((label) => [`${label.path}:${label.line}`, label]));
  const seen = new Set();
  const hits = new Set();
  const unexpected = [];
  for (const finding of findings) {
    const line = finding.loop?.startLine ?? finding.line;
    const label = byKey.get(`${finding.path}:${line}`) ?? byKey.get(`${finding.path}:${finding.line}`);
    const key = `${finding.path}:${label?.line ?? line}:${finding.ruleId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (label?.expect.includes(finding.ruleId)) hits.add(key);
    else if (!label?.allow.includes(finding.ruleId)) {
      unexpected.push({ path: finding.path, line: label?.line ?? line, ruleId: finding.ruleId, labelled: !!label, message: finding.message });
    }
  }
  const misses = [];
  const rows = new Map();
  const languages = new Map();
  const row = (map, name) => {
    if (!map.has(name)) map.set(name, { name, expected: 0, found: 0, unexpected: 0 });
    return map.get(name);
  };
  for (const label of labels) {
    for (const ruleId of label.expect) {
      const found = hits.has(`${label.path}:${label.line}:${ruleId}`);
      for (const r of [row(rows, ruleId), row(languages, languageOf(label.path))]) {
        r.expected += 1;
        if (found) r.found += 1;
      }
      if (!found) misses.push({ path: label.path, line: label.line, ruleId });
    }
  }
  for (const u of unexpected) {
    row(rows, u.ruleId).unexpected += 1;
    row(languages, languageOf(u.path)).unexpected += 1;
  }
  const finish = (r) => ({ ...r, recall: ratio(r.found, r.expected), precision: ratio(r.found, r.found + r.unexpected) });
  const clean = labels.filter((label) => label.expect.length === 0);
  const noisyClean = new Set(unexpected.filter((u) => u.labelled).map((u) => `${u.path}:${u.line}`));
  const quietClean = clean.filter((label) => !noisyClean.has(`${label.path}:${label.line}`)).length;
  const expected = labels.reduce((n, label) => n + label.expect.length, 0);
  return {
    loops: labels.length,
    clean: clean.length,
    quietClean,
    total: finish({ name: 'all', expected, found: hits.size, unexpected: unexpected.length }),
    rules: [...rows.values()].map(finish).sort((a, b) => a.name.localeCompare(b.name)),
    languages: [...languages.values()].map(finish).sort((a, b) => a.name.localeCompare(b.name)),
    misses,
    unexpected,
  };
}
