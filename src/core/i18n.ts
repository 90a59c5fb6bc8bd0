// User-facing text lives in templates/i18n/<area>.<locale>.yml (flat `key: text` maps), one file per area so
// that parts of the product can add text without touching each other's files.
import { join } from 'node:path';
import { PROJECT_ROOT, readCompiled, readDataFiles } from './data-files.js';
import { codeSpan } from './markdown-text.js';
import { yaml } from './lazy-modules.js';
import type { Locale } from './types.js';

export { PROJECT_ROOT } from './data-files.js';

/** Where the text lives; `npm run build` compiles it to dist/templates.json (see data-files.ts). */
export const TEMPLATES_DIR = join(PROJECT_ROOT, 'templates', 'i18n');
export const COMPILED_TEMPLATES = 'templates';

type Catalogs = Record<string, Record<string, string>>;

/** Parses and checks every templates/i18n/<area>.<locale>.yml: texts by locale, then key. */
export function compileTemplates(dir = TEMPLATES_DIR): { hash: string; data: Catalogs } {
  const { files, texts, hash } = readDataFiles(dir);
  return { hash, data: parseTemplates(files, texts) };
}

function parseTemplates(files: string[], texts: string[]): Catalogs {
  const out: Catalogs = {};
  files.forEach((file, i) => {
    const locale = /^[^.]+\.(.+)\.ya?ml$/.exec(file)?.[1];
    if (!locale) return;
    const entries = (out[locale] ??= {});
    const data = yaml().parse(texts[i]!) as Record<string, unknown> | null;
    for (const [key, value] of Object.entries(data ?? {})) {
      if (typeof value !== 'string') throw new Error(`templates/i18n/${file}: ${key} must be a string`);
      if (Object.hasOwn(entries, key)) throw new Error(`templates/i18n/${file}: ${key} is defined twice for ${locale}`);
      entries[key] = value;
    }
  });
  return out;
}

let all: Catalogs | undefined;
const catalogs = new Map<Locale, Map<string, string>>();

function catalog(locale: Locale): Map<string, string> {
  let entries = catalogs.get(locale);
  if (entries) return entries;
  if (!all) {
    const { files, texts, hash } = readDataFiles(TEMPLATES_DIR);
    all = readCompiled<Catalogs>(COMPILED_TEMPLATES, hash) ?? parseTemplates(files, texts);
  }
  entries = new Map(Object.entries(all[locale] ?? {}));
  catalogs.set(locale, entries);
  return entries;
}

/** Fills `{{name}}` placeholders; an unknown placeholder is left visible rather than silently blanked. */
/**
 * `{{name}}` -> the param. A param written as a code span (`` `{{name}}` ``) is quoted with codeSpan: the values are
 * often code, and a backtick in them must not close the span.
 */
export function fill(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/(`?)\{\{\s*([\w.-]+)\s*\}\}(`?)/g, (whole, open: string, name: string, close: string) => {
    if (!(name in params)) return whole;
    const value = String(params[name]);
    if (open && close) return codeSpan(value);
    return `${open}${value}${close}`;
  });
}

/** Looks a message up by key; falls back to English, then throws (a missing key is a bug, not a blank). */
export function t(locale: Locale, key: string, params?: Record<string, string | number>): string {
  const text = catalog(locale).get(key) ?? catalog('en').get(key);
  if (text === undefined) throw new Error(`coze-loop: missing text "${key}"`);
  return fill(text, params);
}

export function hasText(locale: Locale, key: string): boolean {
  return catalog(locale).has(key);
}
