// Builds small tar.gz archives for tests, shaped like GitHub's tarball (one top-level folder).
import { gzipSync } from 'node:zlib';

export function tarHeader(name: string, size: number, type: string): Buffer {
  const block = Buffer.alloc(512, 0);
  block.write(name.slice(0, 100), 0, 'utf8');
  block.write('0000644\0', 100, 'ascii');
  block.write('0000000\0', 108, 'ascii');
  block.write('0000000\0', 116, 'ascii');
  block.write(size.toString(8).padStart(11, '0') + '\0', 124, 'ascii');
  block.write('00000000000\0', 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write(type, 156, 'ascii');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return block;
}

export function tarPad(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rest, 0)]);
}

/** files: path -> content; `top` is the folder the host wraps the tree in. */
export function makeTarGz(files: Record<string, string | Buffer>, top = 'owner-repo-abc123'): Buffer {
  const parts: Buffer[] = [tarHeader(`${top}/`, 0, '5')];
  for (const [path, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    const name = `${top}/${path}`;
    if (Buffer.byteLength(name) > 100) {
      const longName = Buffer.from(name + '\0', 'utf8');
      parts.push(tarHeader('././@LongLink', longName.length, 'L'), tarPad(longName));
    }
    parts.push(tarHeader(name, data.length, '0'), tarPad(data));
  }
  parts.push(Buffer.alloc(1024, 0));
  return gzipSync(Buffer.concat(parts));
}

/** The bytes of what Platform.downloadArchive returned (a buffer or a stream). */
export async function archiveBytes(source: Buffer | AsyncIterable<Uint8Array>): Promise<Buffer> {
  if (Buffer.isBuffer(source)) return source;
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
