// Large changes read from one archive. A change of hundreds of files costs a batched read per FILES_PER_QUERY (50)
// files, one after the other; the head commit's archive (GitHub's tarball, GitLab's archive.tar.gz) is one request.
// It is the whole repository, though, so it pays only past a threshold, and it is read as the weekly scan reads it
// (src/summary/archive.ts): streamed, capped in downloaded bytes, expanded bytes and entries, only regular files
// under a safe path, and only the files asked for are kept. Whatever the archive does not give (a cap reached, a
// file over the per-file cap, a symlink, a path `export-ignore` leaves out, or the whole download failing) is read
// the batched way, so the answers stay getFileContent's.
import type { Logger } from '../core/observability.js';
import type { ArchiveReadReport } from './platform.js';
import { readTarGz, type ArchiveLimits, type ArchiveSource } from '../summary/archive.js';

/** Changed files from which getFileContents reads the archive first (COZE_LOOP_ARCHIVE_THRESHOLD). */
export const DEFAULT_ARCHIVE_THRESHOLD = 150;

/** Caps for a review's archive read: tighter than the weekly scan's, since a pull request's author shapes the tree. */
export const CHANGE_ARCHIVE_LIMITS: ArchiveLimits = {
  maxFileBytes: 5 * 1024 * 1024,
  maxCompressedBytes: 128 * 1024 * 1024,
  maxExpandedBytes: 512 * 1024 * 1024,
  maxEntries: 100_000,
};

/** How a getFileContents call read its files; logged once per call. */
export interface ArchiveReadOutcome {
  /** Files taken from the archive. */
  fromArchive: number;
  /** Files left to the batched reads (not in the archive, over a cap, or all of them when the download failed). */
  rest: string[];
  /** Why the archive gave less than asked: a cap's name, or the download's error. */
  shortfall?: string;
  /** The download (or the archive's format) failed: the shortfall is an error, not a cap. */
  failed?: true;
}

/** What the review's summary says about an archive read: counts and the cap hit, never the error's text. */
export function archiveReport(outcome: ArchiveReadOutcome): ArchiveReadReport {
  return {
    fromArchive: outcome.fromArchive,
    batched: outcome.rest.length,
    ...(outcome.failed ? { failed: true } : outcome.shortfall ? { limit: outcome.shortfall } : {}),
  };
}

/**
 * Reads `paths` from the archive `download()` returns. Never throws: a failure leaves every path in `rest`.
 * `found` receives the contents read.
 */
export async function readFromArchive(
  download: () => Promise<ArchiveSource>,
  paths: string[],
  found: Map<string, Buffer | null>,
  limits: ArchiveLimits = CHANGE_ARCHIVE_LIMITS,
): Promise<ArchiveReadOutcome> {
  const wanted = new Set(paths);
  let shortfall: string | undefined;
  let failed = false;
  try {
    const contents = await readTarGz(await download(), limits, (path) => wanted.has(path));
    for (const file of contents.files) found.set(file.path, file.content);
    if (contents.stopped) shortfall = `${contents.stopped.limit} cap of ${contents.stopped.max}`;
    else if (contents.tooLarge.length > 0) shortfall = `${contents.tooLarge.length} file(s) over ${limits.maxFileBytes} bytes`;
  } catch (error) {
    shortfall = error instanceof Error ? error.message.slice(0, 200) : 'download failed';
    failed = true;
  }
  const rest = paths.filter((path) => !found.has(path));
  return { fromArchive: paths.length - rest.length, rest, ...(shortfall ? { shortfall } : {}), ...(failed ? { failed: true as const } : {}) };
}

/** The one log line of an archive read. */
export function logArchiveRead(logger: Logger | undefined, host: string, outcome: ArchiveReadOutcome, ms: number): void {
  const fields = { host, fromArchive: outcome.fromArchive, batched: outcome.rest.length, ms: Math.round(ms), ...(outcome.shortfall ? { shortfall: outcome.shortfall } : {}) };
  if (outcome.shortfall && outcome.fromArchive === 0) logger?.warn(fields, 'changed files: the archive could not be read; reading them in batches');
  else logger?.info(fields, 'changed files read from the head commit archive');
}

/** COZE_LOOP_ARCHIVE_THRESHOLD: a number of files (0: never read the archive); unset or blank: the default. */
export function archiveThresholdFrom(value: string | undefined): number {
  const text = value?.trim();
  if (!text) return DEFAULT_ARCHIVE_THRESHOLD;
  if (!/^\d{1,7}$/.test(text)) throw new Error(`COZE_LOOP_ARCHIVE_THRESHOLD: expected a whole number of changed files (0 turns the archive read off), got "${text.slice(0, 40)}"`);
  return Number(text);
}
