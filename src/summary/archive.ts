// Reads a repository archive (tar.gz, as GitHub's tarball and GitLab's archive endpoints return it) as a stream, so
// the weekly scan costs one API call instead of one per file, and anyone who can push to the default branch cannot
// make the service hold the archive: the download, the gunzipped bytes, the number of entries and each file are
// capped while they stream, only the files the engine would analyse are read, and nothing is written to disk.
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';

export interface ArchiveEntry {
  path: string;
  content: Buffer;
}

export interface ArchiveLimits {
  /** Files larger than this are listed as skipped, not read. */
  maxFileBytes: number;
  /** Bytes downloaded (the gzip as sent). */
  maxCompressedBytes: number;
  /** Bytes after gunzip: every entry counts, read or not. */
  maxExpandedBytes: number;
  /** Tar entries of any kind (files, folders, links). */
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: Omit<ArchiveLimits, 'maxFileBytes'> = {
  maxCompressedBytes: 256 * 1024 * 1024,
  maxExpandedBytes: 1024 * 1024 * 1024,
  maxEntries: 100_000,
};

/** Which cap stopped the read, and at what value. */
export interface ArchiveStop {
  limit: 'compressed-bytes' | 'expanded-bytes' | 'entries';
  max: number;
}

export interface ArchiveContents {
  files: ArchiveEntry[];
  tooLarge: string[];
  /** Entries passed over: not a file the engine reads, a link, a bad name. */
  passedOver: number;
  /** Set when a cap stopped the read: the files read before it are kept. */
  stopped?: ArchiveStop;
}

/** The archive as it comes: a buffer, a Node stream or a web ReadableStream. */
export type ArchiveSource = Buffer | AsyncIterable<Uint8Array>;

class ArchiveLimitError extends Error {
  constructor(readonly stop: ArchiveStop) {
    super(`archive: ${stop.limit} cap of ${stop.max} reached`);
  }
}

function byteCap(stop: ArchiveStop, onLimit: (stop: ArchiveStop) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      total += chunk.length;
      if (total <= stop.max) return callback(null, chunk);
      onLimit(stop);
      callback(new ArchiveLimitError(stop));
    },
  });
}

/**
 * A safe relative path for an entry name, or undefined: backslashes become slashes, leading slashes, `.` and empty
 * segments go, the host's top-level folder (`owner-repo-sha/`) is dropped, and a `..` segment or a control
 * character refuses the entry.
 */
export function normaliseEntryName(name: string): string | undefined {
  if (/[\u0000-\u001f\u007f]/.test(name)) return undefined;
  const segments = name.replace(/\\/g, '/').split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) return undefined;
  segments.shift();
  return segments.length > 0 ? segments.join('/') : undefined;
}

const FILE_TYPES = new Set(['file', 'contiguous-file']);

/**
 * Streams `source` through gunzip and a tar reader. `wanted` decides from the normalised path whether a file is read;
 * the rest is skipped as it streams. A cap ends the read early with `stopped` set; a corrupt or truncated archive is
 * an error.
 */
export async function readTarGz(source: ArchiveSource, limits: ArchiveLimits, wanted: (path: string) => boolean = () => true): Promise<ArchiveContents> {
  const contents: ArchiveContents = { files: [], tooLarge: [], passedOver: 0 };
  const extract = tarStream.extract();
  const input = Buffer.isBuffer(source) ? Readable.from([source]) : Readable.from(source);
  const onLimit = (stop: ArchiveStop) => {
    contents.stopped ??= stop;
  };
  const piping = pipeline(
    input,
    byteCap({ limit: 'compressed-bytes', max: limits.maxCompressedBytes }, onLimit),
    createGunzip(),
    byteCap({ limit: 'expanded-bytes', max: limits.maxExpandedBytes }, onLimit),
    extract,
  );
  let failure: unknown;
  const piped = piping.catch((error: unknown) => {
    failure ??= error;
  });
  let entries = 0;
  // Entry events rather than async iteration: about twice as fast per entry, which counts at 100k entries.
  const read = new Promise<void>((resolve) => {
    extract.once('finish', resolve);
    extract.once('close', resolve);
    extract.on('entry', (header, stream, next) => {
      const skip = () => {
        stream.once('end', next);
        stream.resume();
      };
      entries += 1;
      if (entries > limits.maxEntries) {
        contents.stopped ??= { limit: 'entries', max: limits.maxEntries };
        input.destroy();
        extract.destroy();
        return;
      }
      const path = FILE_TYPES.has(header.type ?? 'file') ? normaliseEntryName(header.name) : undefined;
      if (!path || !wanted(path)) {
        if (header.type !== 'directory') contents.passedOver += 1;
        return skip();
      }
      if ((header.size ?? 0) > limits.maxFileBytes) {
        contents.tooLarge.push(path);
        return skip();
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.once('end', () => {
        contents.files.push({ path, content: Buffer.concat(chunks) });
        next();
      });
    });
  });
  await Promise.all([read, piped]);
  if (!contents.stopped && failure) {
    const message = failure instanceof Error ? failure.message : String(failure);
    throw new Error(`archive: truncated or corrupt (${message})`);
  }
  return contents;
}
