// The YAML data the product ships (rules/<id>/rule.yml, rules/apis/*.yml, templates/i18n/*.yml) and its compiled copies.
// Parsing and validating the YAML costs a CLI run ~0.2 s at every start, more than the analysis of a small
// repository. `npm run build` (scripts/compile-data.js) therefore writes each set, validated, to dist/<name>.json
// with a hash of the files it came from; at run time the copy is used only while that hash still matches the files
// on disk, so an edited YAML file is never shadowed by an outdated copy.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (works from src/ under ts-jest and from dist/src/ after the build). */
export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    try {
      readFileSync(join(dir, 'package.json'));
      return dir;
    } catch {
      dir = dirname(dir);
    }
  }
  throw new Error('coze-loop: cannot find the package root from ' + start);
}

/** The YAML files of a directory, sorted by name, with their text and one hash over names and texts. */
export interface DataFiles {
  files: string[];
  texts: string[];
  hash: string;
}

/** Reads `dir`'s `.yml`/`.yaml` files; a missing directory reads as no files. */
export function readDataFiles(dir: string): DataFiles {
  let files: string[] = [];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
      .sort();
  } catch {
    files = [];
  }
  const texts = files.map((f) => readFileSync(join(dir, f), 'utf8'));
  const hash = createHash('sha256');
  files.forEach((f, i) => hash.update(`${f}\0${texts[i]}\0`));
  return { files, texts, hash: hash.digest('hex') };
}

/** The ids of the rule folders of `dir` (`<id>/rule.yml`), sorted; a missing directory has none. */
export function ruleFolderIds(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'rule.yml')))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

/** The rule file of each rule folder of `dir`: `<id>/rule.yml`, sorted by id, with texts and hash as above. */
export function readRuleFolders(dir: string): DataFiles {
  const files = ruleFolderIds(dir).map((id) => `${id}/rule.yml`);
  const texts = files.map((f) => readFileSync(join(dir, f), 'utf8'));
  const hash = createHash('sha256');
  files.forEach((f, i) => hash.update(`${f}\0${texts[i]}\0`));
  return { files, texts, hash: hash.digest('hex') };
}

/** Where the build writes the compiled copy called `name`. */
export function compiledPath(name: string): string {
  return join(PROJECT_ROOT, 'dist', `${name}.json`);
}

/** The compiled copy `name` when it was built from files with this `hash`; otherwise undefined. */
export function readCompiled<T>(name: string, hash: string): T | undefined {
  try {
    const compiled = JSON.parse(readFileSync(compiledPath(name), 'utf8')) as { hash?: unknown; data?: unknown };
    return compiled.hash === hash && compiled.data !== undefined ? (compiled.data as T) : undefined;
  } catch {
    return undefined; // not built, or unreadable: the YAML is the source of truth anyway
  }
}

/** The text the build writes to compiledPath(name). */
export function compiledText(hash: string, data: unknown): string {
  return `${JSON.stringify({ hash, data })}\n`;
}
