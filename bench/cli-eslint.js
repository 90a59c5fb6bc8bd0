// ESLint 9 (Linter API, only no-await-in-loop and no-loop-func) over a list of JavaScript files, in one Node
// process: `node bench/cli-eslint.js LIST.json`. Prints one JSON line like cli-ruff.js.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Linter } from 'eslint';

const files = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const started = performance.now();
const linter = new Linter({ configType: 'flat' });
const config = (sourceType) => [
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { ecmaVersion: 'latest', sourceType },
    rules: { 'no-await-in-loop': 'error', 'no-loop-func': 'error' },
  },
];
const moduleConfig = config('module');
const scriptConfig = config('commonjs');
let diagnostics = 0;
let failures = 0;
let checked = 0;
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    failures++;
    continue;
  }
  // CommonJS files may use syntax that module mode refuses (e.g. `with`), so retry as a script before giving up.
  // The filename only selects the config block; files outside the working directory would match none.
  const filename = `file${extname(file)}`;
  let messages = linter.verify(text, file.endsWith('.cjs') ? scriptConfig : moduleConfig, { filename });
  if (messages.some((m) => m.fatal)) messages = linter.verify(text, scriptConfig, { filename });
  if (messages.some((m) => m.fatal)) failures++;
  else checked++;
  diagnostics += messages.filter((m) => m.ruleId === 'no-await-in-loop' || m.ruleId === 'no-loop-func').length;
}
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ tool: `eslint ${Linter.version}`, files: checked, diagnostics, failures, ms, maxRssKb: process.resourceUsage().maxRSS })}\n`);
