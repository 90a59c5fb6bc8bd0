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
