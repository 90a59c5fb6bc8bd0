#!/usr/bin/env node
// Scaffolds a rule: rules/<id>/rule.yml, the detector (registered in its group's index), bad/good fixtures for Python and
// TypeScript, and a test that runs them. The catalogue test fails until the docs, messages and fixtures are real.
// Usage: npm run new-rule -- <rule-id> [--target optimize|readability|fix-bugs] [--root DIR]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// --root DIR scaffolds into another checkout (the catalogue test runs it against a temporary copy).
let ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TARGETS = ['optimize', 'readability', 'fix-bugs'];

function fail(message) {
  process.stderr.write(`new-rule: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  let id;
  let target = 'optimize';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--target') target = argv[++i];
    else if (arg === '--root') ROOT = resolve(argv[++i] ?? fail('--root needs a directory'));
    else if (arg.startsWith('--root=')) ROOT = resolve(arg.slice('--root='.length));
    else if (arg.startsWith('--target=')) target = arg.slice('--target='.length);
    else if (arg.startsWith('-')) fail(`unknown option ${arg}`);
    else if (id === undefined) id = arg;
    else fail(`unexpected argument ${arg}`);
  }
  if (!id) fail('usage: npm run new-rule -- <rule-id> [--target optimize|readability|fix-bugs]');
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id)) fail(`"${id}" is not a kebab-case rule id`);
  // rules/apis/ holds the API files; docs/rules/<target>.md are the target pages next to docs/rules/<id>.md.
  if (['apis', 'readme', ...TARGETS].includes(id)) fail(`"${id}" is reserved (rules/apis/, docs/rules/<target>.md)`);
  if (!TARGETS.includes(target)) fail(`--target must be one of ${TARGETS.join(', ')}`);
  return { id, target };
}

const camel = (id) => id.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase()).replace(/^./, (c) => c.toUpperCase());

// Every text a person has to write carries this marker; the catalogue check (catalogueProblems() in
// src/analysis/rule-registry.ts, SCAFFOLD_PLACEHOLDER) names each one still there, so an unfinished rule fails
// test/analysis/catalogue.test.ts.
const TODO = 'TODO(new-rule)';

function ruleYaml(id, target) {
  const title = id.replace(/-/g, ' ');
  return `id: ${id}
title:
  en: "${TODO}: ${title}"
  zh-CN: "${TODO}: ${title}"
target: ${target}
severity: warning
languages: [python, javascript, typescript, tsx]
docs:
  en:
    what: |
      ${TODO}: what the rule finds, in one or two sentences.
    why: |
      ${TODO}: why it costs money or breaks in production, with numbers where possible.
    example: |
      ${TODO}: the pattern the rule reports.
      \`\`\`python
      for item in items:
          pass
      \`\`\`
    use_instead: |
      ${TODO}: the code to write instead.
      \`\`\`python
      for item in items:
          pass
      \`\`\`
    when_not_to_use: |
      ${TODO}: when the pattern is fine and the rule should be suppressed.
  zh-CN:
    what: |
      ${TODO}：规则查找的内容。
    why: |
      ${TODO}：为什么会带来成本或故障。
    example: |
      ${TODO}：规则报告的写法。
      \`\`\`python
      for item in items:
          pass
      \`\`\`
    use_instead: |
      ${TODO}：应改用的写法。
      \`\`\`python
      for item in items:
          pass
      \`\`\`
    when_not_to_use: |
      ${TODO}：何时可以忽略此规则。
messages:
  default:
    en: "${TODO}: {{call}} in a loop"
    zh-CN: "${TODO}：循环中的 {{call}}"
explanations:
  default:
    en: "${TODO}: {{call}} runs once per iteration."
    zh-CN: "${TODO}：{{call}} 每次迭代都会执行一次。"
`;
}

function detectorSource(id) {
  return `// ${id}: see rules/${id}/rule.yml for what it finds and why. ${TODO}: detect the real pattern.
import type { Detection, RuleContext } from '../../rule-types.js';
import type { LoopFacts } from '../../facts.js';

export function detect${camel(id)}(loop: LoopFacts, ctx: RuleContext): Detection | null {
  void ctx;
  const call = loop.calls.find((c) => !c.inInnerLoop && c.kinds.includes('http'));
  if (!call) return null;
  return { loop, line: call.line, data: { call: call.callee } };
}
`;
}

function register(indexPath, id) {
  const source = readFileSync(indexPath, 'utf8');
  const fn = `detect${camel(id)}`;
  if (source.includes(`'${id}'`)) fail(`${relative(ROOT, indexPath)} already registers ${id}`);
  const importLine = `import { ${fn} } from './${id}.js';\n`;
  const lastImport = source.lastIndexOf('\nimport ');
  const afterImports = lastImport < 0 ? 0 : source.indexOf('\n', lastImport + 1) + 1;
  let updated = source.slice(0, afterImports) + importLine + source.slice(afterImports);
  const close = updated.lastIndexOf('};');
  if (close < 0) fail(`cannot find the detectors object in ${relative(ROOT, indexPath)}`);
  const before = updated.slice(0, close).replace(/\{\s*$/, '{\n');
  updated = `${before}  '${id}': ${fn},\n${updated.slice(close)}`;
  writeFileSync(indexPath, updated);
}

const FIXTURES = {
  'bad.py': (id) => `# ${TODO}: replace with a real case of ${id}\nimport requests\n\n\ndef sync(items):\n    for item in items:\n        # ruleid: ${id}\n        requests.get(item.url, timeout=5)\n`,
  'good.py': (id) => `# ${TODO}: replace with code ${id} must not report\ndef total(items):\n    # ok: ${id}\n    for item in items:\n        print(item)\n`,
  'bad.ts': (id) => `// ${TODO}: replace with a real case of ${id}\nexport async function sync(items: { url: string }[]) {\n  for (const item of items) {\n    // ruleid: ${id}\n    await fetch(item.url);\n  }\n}\n`,
  'good.ts': (id) => `// ${TODO}: replace with code ${id} must not report\nexport function total(items: number[]) {\n  let sum = 0;\n  // ok: ${id}\n  for (const item of items) {\n    sum += item;\n  }\n  return sum;\n}\n`,
};

function writeNew(path, content) {
  if (existsSync(path)) fail(`${relative(ROOT, path)} already exists`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  process.stdout.write(`created ${relative(ROOT, path)}\n`);
}

const { id, target } = parseArgs(process.argv.slice(2));
const group = target === 'optimize' ? 'optimize' : 'quality';
const indexPath = join(ROOT, 'src', 'analysis', 'rules', group, 'index.ts');
if (!existsSync(indexPath)) fail(`${relative(ROOT, indexPath)} does not exist`);

writeNew(join(ROOT, 'rules', id, 'rule.yml'), ruleYaml(id, target));
writeNew(join(ROOT, 'src', 'analysis', 'rules', group, `${id}.ts`), detectorSource(id));
for (const [file, content] of Object.entries(FIXTURES)) writeNew(join(ROOT, 'rules', id, 'fixtures', file), content(id));
writeNew(
  join(ROOT, 'test', 'analysis', 'rules', `${id}.test.ts`),
  `import { describeRuleFixtures } from '../../support/rule-tester.js';\n\ndescribeRuleFixtures('${id}');\n`,
);
register(indexPath, id);
process.stdout.write(`registered ${id} in ${relative(ROOT, indexPath)}\nNext: write the docs in rules/${id}/rule.yml, the detector, and real fixtures; then npm test -- test/analysis\n`);
