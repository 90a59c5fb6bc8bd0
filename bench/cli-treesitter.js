// The floor for the Go and Java corpora: tree-sitter's own parse of every file, in one Node process, with the same
// grammar packages coze-loop loads: `node bench/cli-treesitter.js LIST.json go|java`. No linter of these languages
// runs here on the same files in comparable time (go vet type-checks whole packages), so coze-loop's read + parse
// + extract + rules is measured against read + parse alone. Prints one JSON line like the other helpers.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Parser = require('tree-sitter');
const grammars = { go: 'tree-sitter-go', java: 'tree-sitter-java' };

const files = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const language = process.argv[3];
if (!grammars[language]) {
  console.error(`cli-treesitter: language must be one of ${Object.keys(grammars).join(', ')}`);
  process.exit(2);
}
const started = performance.now();
const parser = new Parser();
parser.setLanguage(require(grammars[language]));
let failures = 0;
let checked = 0;
let errors = 0;
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    failures++;
    continue;
  }
  const tree = parser.parse(text);
  if (tree.rootNode.hasError) errors++;
  checked++;
}
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ tool: `tree-sitter parse (${language})`, files: checked, diagnostics: errors, failures, ms, maxRssKb: process.resourceUsage().maxRSS })}\n`);
