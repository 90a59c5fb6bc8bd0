// Reads a repository archive (tar.gz, as GitHub's tarball and GitLab's archive endpoints return it) in memory, so
// the weekly scan costs one API call instead of one per file.
import { gunzipSync } from 'node:zlib';

export interface ArchiveEntry {
  path: string;
  content: Buffer;
}

export interface ArchiveLimits {
  /** Files larger than this are listed as skipped, not read. */
  maxFileBytes: number;
  /** Upper bound on the unpacked size of the whole archive. */
  maxTotalBytes: number;
  /** Upper bound on the number of file entries. */
  maxEntries: number;
}

export interface ArchiveContents {
  files: ArchiveEntry[];
  tooLarge: string[];
  truncated: boolean;
}

const BLOCK = 512;

function readString(block: Buffer, offset: number, length: number): string {
  const slice = block.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end === -1 ? slice.length : end).toString('utf8');
}

function readOctal(block: Buffer, offset: number, length: number): number {
  const text = readString(block, offset, length).trim();
  if (text === '') return 0;
  const value = Number.parseInt(text, 8);
  if (!Number.isFinite(value) || value < 0) throw new Error('archive: corrupt size field');
  return value;
}

/** PAX extended header records: `<len> key=value\n`. */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number.parseInt(data.subarray(offset, space).toString('ascii'), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    offset += length;
  }
  return out;
}

/** Drops the single top-level folder both hosts put around the tree (`owner-repo-sha/`). */
function stripTopFolder(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? path : path.slice(slash + 1);
}

export function readTarGz(archive: Buffer, limits: ArchiveLimits): ArchiveContents {
  const tar = gunzipSync(archive, { maxOutputLength: limits.maxTotalBytes });
  const files: ArchiveEntry[] = [];
  const tooLarge: string[] = [];
  let truncated = false;
  let offset = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};

  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const size = readOctal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 0x30);
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > tar.length) throw new Error('archive: truncated entry');
    const data = tar.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'L') {
      longName = data.toString('utf8').replace(/\0+$/, '');
      continue;
    }
    if (type === 'x') {
      pax = parsePax(data);
      continue;
    }
    if (type === 'g') continue;

    const prefix = readString(header, 345, 155);
    const name = readString(header, 0, 100);
    const fullName = pax.path ?? longName ?? (prefix ? `${prefix}/${name}` : name);
    longName = undefined;
    pax = {};
    if (type !== '0' && type !== '\0' && type !== '7') continue; // directories, links, devices
    const path = stripTopFolder(fullName);
    if (!path || path.split('/').includes('..')) continue;
    if (files.length >= limits.maxEntries) {
      truncated = true;
      break;
    }
    if (size > limits.maxFileBytes) {
      tooLarge.push(path);
      continue;
    }
    files.push({ path, content: Buffer.from(data) });
  }
  const rest = tar.subarray(offset);
  if (rest.length > 0 && rest.length < BLOCK && !rest.every((byte) => byte === 0)) throw new Error('archive: truncated header');
  return { files, tooLarge, truncated };
}
