import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { normaliseEntryName, readTarGz, type ArchiveLimits } from '../../src/summary/archive.js';
import { makeTarGz, tarHeader, tarPad } from '../support/tar.js';

const limits: ArchiveLimits = { maxFileBytes: 1_000, maxCompressedBytes: 10_000_000, maxExpandedBytes: 10_000_000, maxEntries: 100 };
const MiB = 1024 * 1024;

/** A tar.gz produced lazily: the reader pulls only as much as it reads, like a download it stops early. */
function lazyTarGz(blocks: () => Generator<Buffer>): Readable {
  return Readable.from(blocks()).pipe(createGzip({ level: 1 }));
}

function* zeros(bytes: number): Generator<Buffer> {
  const chunk = Buffer.alloc(MiB);
  for (let left = bytes; left > 0; left -= MiB) yield left >= MiB ? chunk : chunk.subarray(0, left);
}

/** Heap plus buffers: where an archive held in memory would show up. */
function memoryInUse(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

describe('readTarGz', () => {
  it('reads files, strips the host folder and honours GNU long names', async () => {
    const deep = `src/${'very-long-directory-name/'.repeat(5)}worker.py`;
    const archive = makeTarGz({ 'app/worker.py': 'while True:\n    pass\n', [deep]: 'x = 1\n' });
    const contents = await readTarGz(archive, limits);
    expect(contents.files.map((f) => f.path)).toEqual(['app/worker.py', deep]);
    expect(contents.files[0]!.content.toString()).toBe('while True:\n    pass\n');
    expect(contents.stopped).toBeUndefined();
  });

  it('lists files over the size cap instead of reading them, and stops at the entry cap (folders count)', async () => {
    const archive = makeTarGz({ 'big.py': 'x'.repeat(2_000), 'a.py': '1', 'b.py': '2', 'c.py': '3' });
    const contents = await readTarGz(archive, { ...limits, maxEntries: 4 });
    expect(contents.tooLarge).toEqual(['big.py']);
    expect(contents.files.map((f) => f.path)).toEqual(['a.py', 'b.py']);
    expect(contents.stopped).toEqual({ limit: 'entries', max: 4 });
  });

  it('reads only the entries it is asked for; the rest stream past unread', async () => {
    const archive = makeTarGz({ 'a.py': '1', 'notes.txt': 'x'.repeat(5_000), 'b.js': '2' });
    const contents = await readTarGz(archive, limits, (path) => path.endsWith('.py') || path.endsWith('.js'));
    expect(contents.files.map((f) => f.path)).toEqual(['a.py', 'b.js']);
    expect(contents.tooLarge).toEqual([]);
    expect(contents.passedOver).toBe(1);
  });

  it('reads an archive made by the system tar (pax headers included); links are not followed and nothing is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coze-tar-'));
    const root = join(dir, 'acme-repo-0123abc');
    mkdirSync(join(root, 'jobs'), { recursive: true });
    writeFileSync(join(root, 'jobs', 'sync_ünïcode.py'), 'print(1)\n');
    symlinkSync('/etc/passwd', join(root, 'jobs', 'link.py'));
    execFileSync('tar', ['--format=pax', '-czf', join(dir, 'a.tgz'), '-C', dir, 'acme-repo-0123abc']);
    const contents = await readTarGz(readFileSync(join(dir, 'a.tgz')), limits);
    expect(contents.files.map((f) => f.path)).toEqual(['jobs/sync_ünïcode.py']);
  });

  it('normalises entry names: backslashes, leading slashes, dot segments; refuses `..` and control characters', async () => {
    expect(normaliseEntryName('top\\src\\a.py')).toBe('src/a.py');
    expect(normaliseEntryName('//top/./src//a.py')).toBe('src/a.py');
    expect(normaliseEntryName('top/../../etc/cron.py')).toBeUndefined();
    expect(normaliseEntryName('top/src\\..\\..\\x.py')).toBeUndefined();
    expect(normaliseEntryName('top/a\nb.py')).toBeUndefined();
    expect(normaliseEntryName('top/')).toBeUndefined();
    const archive = makeTarGz({ '../escape.py': 'x', 'src\\win.py': 'y' });
    const contents = await readTarGz(archive, limits);
    expect(contents.files.map((f) => f.path)).toEqual(['src/win.py']);
  });

  it('rejects a corrupt or truncated archive with an error, not a crash', async () => {
    await expect(readTarGz(Buffer.from('not gzip'), limits)).rejects.toThrow(/archive: truncated or corrupt/);
    const whole = makeTarGz({ 'a.py': 'x'.repeat(600) });
    const tar = gunzipSync(whole);
    await expect(readTarGz(gzipSync(tar.subarray(0, 700)), limits)).rejects.toThrow(/truncated/);
    await expect(readTarGz(gzipSync(tar.subarray(0, 1_100)), limits)).rejects.toThrow(/truncated/);
  });

  it('stops at the expanded-bytes cap with a note instead of an error', async () => {
    const archive = makeTarGz({ 'a.py': 'x'.repeat(500), 'b.py': 'y'.repeat(500), 'c.py': 'z'.repeat(500) });
    const contents = await readTarGz(archive, { ...limits, maxExpandedBytes: 2_600 });
    expect(contents.stopped).toEqual({ limit: 'expanded-bytes', max: 2_600 });
    expect(contents.files.map((f) => f.path)).not.toContain('c.py');
  });
});

describe('readTarGz against hostile archives', () => {
  it('a small gzip of one huge file: stops at the expanded cap with bounded memory', async () => {
    // One entry announcing 1,000 MiB of zeros: about 1 MB as gzip, 1,000 MiB unpacked.
    const source = lazyTarGz(function* () {
      yield tarHeader('owner-repo-abc/huge.py', 1000 * MiB, '0');
      yield* zeros(1000 * MiB);
    });
    const before = memoryInUse();
    const started = Date.now();
    const contents = await readTarGz(source, { ...limits, maxFileBytes: MiB, maxExpandedBytes: 48 * MiB });
    expect(contents.stopped).toEqual({ limit: 'expanded-bytes', max: 48 * MiB });
    expect(contents.tooLarge).toEqual(['huge.py']);
    expect(contents.files).toEqual([]);
    expect(memoryInUse() - before).toBeLessThan(32 * MiB);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('200k tiny entries: stops at the entry cap without reading the rest', async () => {
    let produced = 0;
    const source = lazyTarGz(function* () {
      for (let i = 0; i < 200_000; i++) {
        produced += 1;
        yield Buffer.concat([tarHeader(`owner-repo-abc/pkg/m${i}.py`, 1, '0'), tarPad(Buffer.from('1'))]);
      }
      yield Buffer.alloc(1024);
    });
    const before = memoryInUse();
    const contents = await readTarGz(source, { ...limits, maxExpandedBytes: 1024 * MiB, maxEntries: 10_000 }, (path) => path.endsWith('0.py'));
    expect(contents.stopped).toEqual({ limit: 'entries', max: 10_000 });
    // Only the wanted tenth is held; the generator was not driven to the end.
    expect(contents.files).toHaveLength(1_000);
    expect(produced).toBeLessThan(40_000);
    expect(memoryInUse() - before).toBeLessThan(64 * MiB);
  });

  it('an oversize download: stops at the compressed-bytes cap while it streams', async () => {
    let produced = 0;
    // Incompressible content, so the gzip is as large as the tar: 256 MiB offered.
    const source = lazyTarGz(function* () {
      yield tarHeader('owner-repo-abc/blob.py', 256 * MiB, '0');
      for (let i = 0; i < 256; i++) {
        produced += MiB;
        yield randomBytes(MiB);
      }
    });
    const contents = await readTarGz(source, { ...limits, maxCompressedBytes: 2 * MiB });
    expect(contents.stopped).toEqual({ limit: 'compressed-bytes', max: 2 * MiB });
    expect(produced).toBeLessThan(32 * MiB);
  });
});
