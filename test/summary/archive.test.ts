import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readTarGz } from '../../src/summary/archive.js';
import { makeTarGz } from '../support/tar.js';

const limits = { maxFileBytes: 1_000, maxTotalBytes: 10_000_000, maxEntries: 100 };

describe('readTarGz', () => {
  it('reads files, strips the host folder and honours GNU long names', () => {
    const deep = `src/${'very-long-directory-name/'.repeat(5)}worker.py`;
    const archive = makeTarGz({ 'app/worker.py': 'while True:\n    pass\n', [deep]: 'x = 1\n' });
    const contents = readTarGz(archive, limits);
    expect(contents.files.map((f) => f.path)).toEqual(['app/worker.py', deep]);
    expect(contents.files[0].content.toString()).toBe('while True:\n    pass\n');
    expect(contents.truncated).toBe(false);
  });

  it('lists files over the size cap instead of reading them, and stops at the entry cap', () => {
    const archive = makeTarGz({ 'big.py': 'x'.repeat(2_000), 'a.py': '1', 'b.py': '2', 'c.py': '3' });
    const contents = readTarGz(archive, { ...limits, maxEntries: 2 });
    expect(contents.tooLarge).toEqual(['big.py']);
    expect(contents.files.map((f) => f.path)).toEqual(['a.py', 'b.py']);
    expect(contents.truncated).toBe(true);
  });

  it('reads an archive made by the system tar (pax headers included)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coze-tar-'));
    const root = join(dir, 'acme-repo-0123abc');
    mkdirSync(join(root, 'jobs'), { recursive: true });
    writeFileSync(join(root, 'jobs', 'sync_ünïcode.py'), 'print(1)\n');
    execFileSync('tar', ['--format=pax', '-czf', join(dir, 'a.tgz'), '-C', dir, 'acme-repo-0123abc']);
    const contents = readTarGz(readFileSync(join(dir, 'a.tgz')), limits);
    expect(contents.files.map((f) => f.path)).toEqual(['jobs/sync_ünïcode.py']);
  });

  it('rejects a corrupt or truncated archive with an error, not a crash', () => {
    expect(() => readTarGz(Buffer.from('not gzip'), limits)).toThrow();
    const whole = makeTarGz({ 'a.py': 'x'.repeat(600) });
    const tar = gunzipSync(whole);
    expect(() => readTarGz(gzipSync(tar.subarray(0, 700)), limits)).toThrow(/truncated/);
    expect(() => readTarGz(gzipSync(tar.subarray(0, 1_100)), limits)).toThrow(/truncated/);
  });

  it('refuses an archive that unpacks beyond the total cap', () => {
    const archive = makeTarGz({ 'a.py': 'x'.repeat(500), 'b.py': 'y'.repeat(500) });
    expect(() => readTarGz(archive, { ...limits, maxTotalBytes: 1_500 })).toThrow();
  });
});
