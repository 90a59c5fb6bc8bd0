// The files of one review, packed once into a SharedArrayBuffer so that every analysis thread can read them for
// effect summaries (a changed file's helper in another changed file, or in a file it imports) without the bytes
// being copied with each file's message. Read-only once packed.
import type { Language } from '../core/types.js';

export interface SharedSourcesMessage {
  /** Unique per packing: a worker keeps the function tables it built for this set under this key. */
  key: string;
  buffer: SharedArrayBuffer;
  /** [path, byte offset, byte length] */
  entries: Array<[string, number, number]>;
}

let packings = 0;

export class SharedSources {
  readonly message: SharedSourcesMessage;

  private constructor(message: SharedSourcesMessage) {
    this.message = message;
  }

  static pack(files: ReadonlyMap<string, Buffer | string>): SharedSources {
    let total = 0;
    const buffers: Array<[string, Buffer]> = [];
    for (const [path, content] of files) {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      buffers.push([path, bytes]);
      total += bytes.length;
    }
    const buffer = new SharedArrayBuffer(Math.max(1, total));
    const view = new Uint8Array(buffer);
    const entries: Array<[string, number, number]> = [];
    let offset = 0;
    for (const [path, bytes] of buffers) {
      view.set(bytes, offset);
      entries.push([path, offset, bytes.length]);
      offset += bytes.length;
    }
    packings++;
    return new SharedSources({ key: `${process.pid}:${packings}:${Date.now()}`, buffer, entries });
  }

  get size(): number {
    return this.message.entries.length;
  }
}

/** The files of a packed set as a path -> bytes map (views over the shared memory, no copy). */
export function unpackSources(message: SharedSourcesMessage): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const [path, offset, length] of message.entries) files.set(path, Buffer.from(message.buffer, offset, length));
  return files;
}

/**
 * The module specifiers a file imports, read from its text with line scans (linear time, no parse: this runs on
 * the service's event loop). It over-approximates (an import in a string counts): the result only decides which
 * files are fetched for summaries, within the effects bound. Python: `import a.b`, `from .x import y, z` (each
 * name may be a submodule: `submodules`); JavaScript/TypeScript: relative `import ... from`, `export ... from`,
 * `import('…')`, `require('…')`.
 */
/** `package com.acme.sync;` → `com.acme.sync` (a line scan; undefined without one). */
export function javaPackageOf(text: string): string | undefined {
  for (const raw of text.split('\n', 400)) {
    const line = raw.trim();
    if (line.startsWith('package ')) return /^[\w.]+/.exec(line.slice(8).trim())?.[0];
    if (line.startsWith('import ') || line.startsWith('public ') || line.startsWith('class ')) return undefined;
  }
  return undefined;
}

/** Types of java.lang and the usual value types: never a class of the repository's package. */
const JAVA_PLAIN_TYPES = new Set(['String', 'Object', 'Integer', 'Long', 'Boolean', 'Double', 'Float', 'Short', 'Byte', 'Character', 'Number', 'Thread', 'Runnable', 'StringBuilder', 'Class', 'Void']);
const JAVA_MODIFIERS = new Set(['private', 'protected', 'public', 'static', 'final', 'volatile', 'transient']);

/**
 * Java: `import com.acme.x.Foo;` (not static, not wildcard) as `com.acme.x.Foo`, and the types of fields that no
 * import names (`private final OrderService service;`) as `OrderService`: a class of the same package.
 */
function scanJavaImports(text: string): Array<{ module: string; names: string[] }> {
  const imported = new Set<string>();
  const out: Array<{ module: string; names: string[] }> = [];
  const fieldTypes: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('import ')) {
      const target = line.slice(7).trim();
      if (target.startsWith('static ')) continue;
      const module = /^[\w.]+/.exec(target)?.[0];
      if (!module || module.endsWith('.') || target.slice(module.length).trim() !== ';') continue;
      imported.add(module.slice(module.lastIndexOf('.') + 1));
      out.push({ module, names: [] });
      continue;
    }
    if (!line.endsWith(';') || line.includes('(') || line.includes('=')) continue;
    // `@Autowired private final OrderRepository repo;`: modifiers and annotations, then the type and one name.
    const words = line.slice(0, -1).split(/\s+/).filter((w) => !w.startsWith('@') && !JAVA_MODIFIERS.has(w));
    if (words.length !== 2 || !/^[A-Z]\w*$/.test(words[0]!) || !/^\w+$/.test(words[1]!)) continue;
    fieldTypes.push(words[0]!);
  }
  for (const type of fieldTypes) {
    if (imported.has(type) || JAVA_PLAIN_TYPES.has(type)) continue;
    imported.add(type);
    out.push({ module: type, names: [] });
  }
  return out;
}

export function scanImports(language: Language, text: string): Array<{ module: string; names: string[] }> {
  const out: Array<{ module: string; names: string[] }> = [];
  if (language === 'python') {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      const from = /^from\s+([.\w]+)\s+import\s+(.*)$/.exec(line);
      if (from) {
        let names = from[2]!;
        // A parenthesised list may run over several lines.
        if (names.startsWith('(') && !names.includes(')')) {
          while (i + 1 < lines.length && !names.includes(')')) names += ` ${lines[++i]!.trim()}`;
        }
        const list = names
          .replace(/[()\\]/g, ' ')
          .split(',')
          .map((n) => n.trim().split(/\s+/)[0] ?? '')
          .filter((n) => /^\w+$/.test(n));
        out.push({ module: from[1]!, names: list });
        continue;
      }
      const plain = /^import\s+(.*)$/.exec(line);
      if (plain) {
        for (const part of plain[1]!.split(',')) {
          const module = part.trim().split(/\s+/)[0] ?? '';
          if (/^[\w.]+$/.test(module)) out.push({ module, names: [] });
        }
      }
    }
    return out;
  }
  if (language === 'java') return scanJavaImports(text);
  if (language !== 'javascript' && language !== 'typescript' && language !== 'tsx') return out;
  const seen = new Set<string>();
  const add = (module: string): void => {
    if (!module.startsWith('.') || seen.has(module)) return;
    seen.add(module);
    out.push({ module, names: [] });
  };
  for (const match of text.matchAll(/\bfrom\s*(['"])([^'"\n]{1,300})\1/g)) add(match[2]!);
  for (const match of text.matchAll(/\b(?:require|import)\s*\(\s*(['"])([^'"\n]{1,300})\1\s*\)/g)) add(match[2]!);
  for (const match of text.matchAll(/\bimport\s*(['"])([^'"\n]{1,300})\1/g)) add(match[2]!);
  return out;
}
