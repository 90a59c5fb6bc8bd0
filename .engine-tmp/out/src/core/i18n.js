// User-facing text lives in templates/i18n/<area>.<locale>.yml (flat `key: text` maps), one file per area so
// that parts of the product can add text without touching each other's files.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
/** Repository root (works from src/ under ts-jest and from dist/src/ after the build). */
export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
function findRoot(start) {
    let dir = start;
    for (let i = 0; i < 6; i++) {
        try {
            readFileSync(join(dir, 'package.json'));
            return dir;
        }
        catch {
            dir = dirname(dir);
        }
    }
    throw new Error('coze-loop: cannot find the package root from ' + start);
}
const catalogs = new Map();
function catalog(locale) {
    let entries = catalogs.get(locale);
    if (entries)
        return entries;
    entries = new Map();
    const dir = join(PROJECT_ROOT, 'templates', 'i18n');
    for (const file of readdirSync(dir).sort()) {
        if (!file.endsWith(`.${locale}.yml`))
            continue;
        const data = parse(readFileSync(join(dir, file), 'utf8'));
        for (const [key, value] of Object.entries(data ?? {})) {
            if (typeof value !== 'string')
                throw new Error(`templates/i18n/${file}: ${key} must be a string`);
            if (entries.has(key))
                throw new Error(`templates/i18n/${file}: ${key} is defined twice for ${locale}`);
            entries.set(key, value);
        }
    }
    catalogs.set(locale, entries);
    return entries;
}
/** Fills `{{name}}` placeholders; an unknown placeholder is left visible rather than silently blanked. */
export function fill(template, params = {}) {
    return template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (whole, name) => name in params ? String(params[name]) : whole);
}
/** Looks a message up by key; falls back to English, then throws (a missing key is a bug, not a blank). */
export function t(locale, key, params) {
    const text = catalog(locale).get(key) ?? catalog('en').get(key);
    if (text === undefined)
        throw new Error(`coze-loop: missing text "${key}"`);
    return fill(text, params);
}
export function hasText(locale, key) {
    return catalog(locale).has(key);
}
