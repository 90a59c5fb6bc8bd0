// The floor under any tree-sitter-based analysis of a list of files: `node bench/parse-floor.js LIST.json` reads
// every file first, then times parsing alone, on one thread, two ways: tree-sitter's own parse (the `tree-sitter`
// binding, no tree read back) and coze-loop's parse as the analysis gets it (the native reader's parse plus the flat
// table, src/analysis/parse.ts). Prints one JSON line. Needs the build (dist/).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { languageForPath, parseBindingTree, parseWithBudget, releaseTree } = await import(join(root, 'dist', 'src', 'analysis', 'parse.js'));
const { nativeAddon } = await import(join(root, 'dist', 'src', 'analysis', 'flat-tree.js'));

const files = JSON.parse(readFileSync(process.argv[2], 'utf8'))
  .map((path) => ({ language: languageForPath(path), text: readFileSync(path, 'utf8') }))
  .filter((f) => f.language);
// One small parse per language first, so that neither way pays for loading a grammar inside the timing.
for (const language of new Set(files.map((f) => f.language))) {
  parseBindingTree(language, '\n');
  releaseTree(parseWithBudget(language, '\n'));
}

function timed(parse) {
  const started = performance.now();
  for (const file of files) parse(file);
  return performance.now() - started;
}

const bindingMs = timed((f) => parseBindingTree(f.language, f.text));
const flatMs = timed((f) => releaseTree(parseWithBudget(f.language, f.text)));
process.stdout.write(`${JSON.stringify({ files: files.length, bindingMs, flatMs, reader: nativeAddon() ? 'native' : 'binding' })}\n`);
