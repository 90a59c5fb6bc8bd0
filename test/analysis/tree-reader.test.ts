// The parser boundary (src/analysis/tree-reader.ts): the native reader is used only for grammars it accepts, a
// native call that fails for one file is answered by the binding, an addon missing a function is not used at all,
// and a prebuilt binary (prebuilds/<platform>-<arch>/) is found when nothing was compiled.
import { afterEach, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeSource } from '../../src/analysis/engine.js';
import { loadNativeAddon, nativeAddon, nativeAddonPath, type NativeAddon } from '../../src/analysis/flat-tree.js';
import { grammarFor, hasSyntaxErrors, parseBindingTree, parseWithBudget, parseWithBudgetAsync, releaseTree, warmParsers } from '../../src/analysis/parse.js';
import { bindingReader, editBetween, TreeReaders, useTreeReaders } from '../../src/analysis/tree-reader.js';
import { warmUp } from '../../src/analysis/warm-up.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';

const addon = nativeAddon();
const python = grammarFor('python') as object;
const BAD_PY = readFileSync(join(PROJECT_ROOT, 'rules', 'busy-wait', 'fixtures', 'bad.py'), 'utf8');

/** The real addon, with some of its calls made to fail as a foreign or broken build would. */
function failing(real: NativeAddon, fail: { names?: boolean; parseOf?: string; asyncOf?: string }): NativeAddon {
  return {
    ...real,
    names: (language) => {
      if (fail.names) throw new TypeError('coze-loop flat tree: not a tree-sitter language');
      return real.names(language);
    },
    parse: (language, source, timeoutMs) => {
      if (fail.parseOf !== undefined && source.includes(fail.parseOf)) throw new Error('coze-loop flat tree: out of memory');
      return real.parse(language, source, timeoutMs);
    },
    parseAsync: (language, source, timeoutMs) => {
      if (fail.asyncOf !== undefined && source.includes(fail.asyncOf)) return Promise.reject(new Error('coze-loop flat tree: parse failed'));
      return real.parseAsync(language, source, timeoutMs);
    },
  };
}

function shape(tree: { rootNode: { toString(): string; descendantsOfType(t: string): unknown[] } } | null | undefined): string {
  return tree ? `${tree.rootNode.descendantsOfType('call').length} calls, ${tree.rootNode.descendantsOfType('while_statement').length} whiles` : 'none';
}

afterEach(() => {
  useTreeReaders(undefined);
});

const withAddon = addon ? it : it.skip;

describe('tree readers', () => {
  it('reads through the binding when there is no addon, with the same trees', () => {
    const readers = new TreeReaders(null);
    expect(readers.readerFor(python, 'python')).toBe(bindingReader);
    const tree = readers.withReader(python, 'python', (reader) => reader.parse(python, BAD_PY));
    const binding = parseBindingTree('python', BAD_PY)!;
    expect(tree?.count).toBeGreaterThan(50);
    expect(shape(tree)).toBe(`${binding.rootNode.descendantsOfType('call').length} calls, ${binding.rootNode.descendantsOfType('while_statement').length} whiles`);
  });

  withAddon('uses the native reader for a grammar it accepts', () => {
    const readers = new TreeReaders(addon);
    expect(readers.readerFor(python, 'python').name).toBe('native');
    expect(readers.withReader(python, 'python', (reader) => reader.parse(python, BAD_PY))?.keptId).toBeDefined();
  });

  withAddon('falls back to the binding for a grammar the addon refuses, and says so once', () => {
    const warnings: string[] = [];
    const readers = new TreeReaders(failing(addon!, { names: true }), (message) => warnings.push(message));
    expect(readers.readerFor(python, 'python')).toBe(bindingReader);
    const first = readers.withReader(python, 'python', (reader) => reader.parse(python, BAD_PY));
    readers.withReader(python, 'python', (reader) => reader.parse(python, 'x = 1\n'));
    expect(first?.keptId).toBeUndefined();
    expect(shape(first)).toBe(shape(parseWithBudget('python', BAD_PY)));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/python: refused the grammar: .*not a tree-sitter language/);
  });

  withAddon('retries one failing file through the binding and keeps the native reader for the others', async () => {
    const warnings: string[] = [];
    const readers = new TreeReaders(failing(addon!, { parseOf: 'BOOM', asyncOf: 'BANG' }), (message) => warnings.push(message));
    const failed = readers.withReader(python, 'python', (reader) => reader.parse(python, `${BAD_PY}# BOOM\n`));
    const fine = readers.withReader(python, 'python', (reader) => reader.parse(python, BAD_PY));
    expect(failed?.keptId).toBeUndefined();
    expect(fine?.keptId).toBeDefined();
    expect(shape(failed)).toBe(shape(fine));
    const rejected = await readers.withReaderAsync(python, 'python', (reader) => reader.parseAsync(python, `${BAD_PY}# BANG\n`));
    expect(shape(rejected)).toBe(shape(fine));
    readers.withReader(python, 'python', (reader) => reader.parse(python, 'BOOM = 2\n'));
    // One report per kind of failure, not one per file.
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/failed on one file: coze-loop flat tree: out of memory/);
    expect(warnings.join('\n')).toMatch(/failed on one file: coze-loop flat tree: parse failed/);
  });

  withAddon('analyses a file end to end when the addon refuses its grammar (no skip, same findings)', async () => {
    const input = { path: 'busy.py', content: BAD_PY };
    const expected = analyzeSource(input, DEFAULT_CONFIG);
    expect(expected.findings.length).toBeGreaterThan(0);
    useTreeReaders(new TreeReaders(failing(addon!, { names: true }), () => {}));
    const refused = analyzeSource(input, DEFAULT_CONFIG);
    expect(refused.skipped).toEqual([]);
    expect(refused.findings).toEqual(expected.findings);
    useTreeReaders(new TreeReaders(failing(addon!, { parseOf: 'while', asyncOf: 'while' }), () => {}));
    expect(analyzeSource(input, DEFAULT_CONFIG).findings).toEqual(expected.findings);
    expect((await parseWithBudgetAsync('python', BAD_PY))?.keptId).toBeUndefined();
    expect(hasSyntaxErrors('python', 'while True:\n  f(\n')).toBe(true);
  });

  withAddon('frees released trees (with the next parse job, or in batches of their own) and no longer reuses them', async () => {
    const trees = await Promise.all(Array.from({ length: 40 }, (_, i) => parseWithBudgetAsync('python', `while x:\n    f(${i})\n`)));
    const kept = trees.map((tree) => tree!.keptId!);
    expect(kept.every((id) => id > 0)).toBe(true);
    // Still held: an incremental re-parse answers.
    expect(addon!.hasErrorsAfterEdit(kept[39]!, 'while x:\n    f(39\n', 17, 18, 17, 1, 8, 1, 9, 1, 8)).toBe(true);
    for (const tree of trees) releaseTree(tree!);
    expect(addon!.hasErrorsAfterEdit(kept[39]!, 'while x:\n    f(39\n', 17, 18, 17, 1, 8, 1, 9, 1, 8)).toBeNull();
    // Parsing goes on normally after the batches were handed over.
    expect((await parseWithBudgetAsync('python', 'f(1)\n'))?.rootNode.hasError).toBe(false);
  });

  it('warms every language without throwing', () => {
    expect(warmParsers()).toEqual([]);
    expect(warmUp()).toEqual([]);
    // Through the binding too (an addon that refuses every grammar).
    if (addon) useTreeReaders(new TreeReaders(failing(addon, { names: true }), () => {}));
    expect(warmUp()).toEqual([]);
  });
});

describe('finding the addon', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('does not use an addon that lacks a function this code calls (an older build)', () => {
    dir = mkdtempSync(join(tmpdir(), 'coze-loop-addon-'));
    const partial = join(dir, 'partial.cjs');
    writeFileSync(partial, 'module.exports = { parse() {}, names() {}, hasErrors() {}, parseAsync() {}, release() {}, hasErrorsAfterEdit() {} };\n');
    expect(loadNativeAddon(partial)).toBeNull();
    const complete = join(dir, 'complete.cjs');
    writeFileSync(complete, 'module.exports = { parse() {}, names() {}, hasErrors() {}, parseAsync() {}, release() {}, hasErrorsAfterEdit() {}, parseAfterEdit() {}, useBatchScheduling() {} };\n');
    expect(loadNativeAddon(complete)).not.toBeNull();
    expect(loadNativeAddon(join(dir, 'missing.node'))).toBeNull();
  });

  withAddon('loads a prebuilt binary for this platform when nothing was compiled', () => {
    dir = mkdtempSync(join(tmpdir(), 'coze-loop-prebuilt-'));
    const native = join(dir, 'native');
    expect(nativeAddonPath([native])).toBeUndefined();
    const prebuilds = join(native, 'prebuilds', `${process.platform}-${process.arch}`);
    mkdirSync(prebuilds, { recursive: true });
    const prebuilt = join(prebuilds, 'node.napi.node');
    copyFileSync(nativeAddonPath()!, prebuilt);
    expect(nativeAddonPath([native])).toBe(prebuilt);
    const loaded = loadNativeAddon(prebuilt);
    expect(loaded).not.toBeNull();
    const readers = new TreeReaders(loaded);
    expect(readers.readerFor(python, 'python').name).toBe('native');
    expect(shape(readers.withReader(python, 'python', (reader) => reader.parse(python, BAD_PY)))).toBe(shape(parseWithBudget('python', BAD_PY)));
  });
});

describe('editBetween', () => {
  /** The range by a scan of every character, as editBetween computed it before it compared blocks. */
  function byCharacter(before: string, edited: string): [number, number, number] {
    const limit = Math.min(before.length, edited.length);
    let start = 0;
    while (start < limit && before.charCodeAt(start) === edited.charCodeAt(start)) start++;
    let tail = 0;
    while (tail < limit - start && before.charCodeAt(before.length - 1 - tail) === edited.charCodeAt(edited.length - 1 - tail)) tail++;
    return [start, before.length - tail, edited.length - tail];
  }

  it('finds the same replaced range as a scan by character, at block edges, in repeated text and at either end', () => {
    const base = Array.from({ length: 900 }, (_, i) => `line ${i % 7} = value(${i % 3})\n`).join('');
    const edits: Array<[number, number, string]> = [
      [0, 0, 'x'], [0, 5, ''], [base.length, base.length, '\n# end\n'], [base.length - 3, base.length, ''],
      [2047, 2049, 'é😀'], [2048, 2048, 'line 1 = value(1)\n'], [4096, 4100, ''], [6000, 6000, base.slice(6000, 6100)],
      [100, base.length - 100, ''], [10_000, 10_001, base[10_000]!],
    ];
    for (const [from, to, text] of edits) {
      const edited = base.slice(0, from) + text + base.slice(to);
      const expected = byCharacter(base, edited);
      expect(editBetween(base, edited).slice(0, 3)).toEqual(expected);
    }
    expect(editBetween(base, base).slice(0, 3)).toEqual([base.length, base.length, base.length]);
    expect(editBetween('', 'abc').slice(0, 3)).toEqual([0, 0, 3]);
  });

  it('gives rows and columns of the three offsets', () => {
    const before = 'a = 1\nb = 2\nc = 3\n';
    const edited = 'a = 1\nb = 22\nc = 3\n';
    // Start after "b = 2" (the common prefix includes the old 2), old end there, new end one later.
    expect(editBetween(before, edited)).toEqual([11, 11, 12, 1, 5, 1, 5, 1, 6]);
  });
});
