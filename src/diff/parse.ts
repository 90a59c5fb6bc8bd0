// Unified diff parsing: `git diff` output (many files) and the per-file `patch` / `diff` fields GitHub and GitLab
// return. Lenient by design: a line it does not understand is skipped rather than failing the whole review.

export interface DiffLine {
  kind: 'add' | 'del' | 'context';
  oldLine?: number;
  newLine?: number;
  text: string;
}

export interface DiffHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

export interface FileDiff {
  oldPath?: string;
  newPath?: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  binary: boolean;
  hunks: DiffHunk[];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * Parses the hunks of one file. Lines before the first `@@` (a `diff --git` header, `---`/`+++`) are ignored, so a
 * whole single-file `git diff` works as well as a bare GitHub `patch`.
 */
export function parsePatch(patch: string): DiffHunk[] {
  return parseHunkLines(splitLines(patch), 0).hunks;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** Reads hunks starting at `start` until a line that begins the next file (`diff --git`) or the end. */
function parseHunkLines(lines: string[], start: number, stopAtFileHeader = false): { hunks: DiffHunk[]; next: number } {
  const hunks: DiffHunk[] = [];
  let hunk: DiffHunk | undefined;
  let oldLine = 0;
  let newLine = 0;
  let oldLeft = 0;
  let newLeft = 0;
  let i = start;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const header = HUNK_HEADER.exec(line);
    if (header) {
      hunk = {
        oldStart: Number(header[1]),
        oldLines: header[2] === undefined ? 1 : Number(header[2]),
        newStart: Number(header[3]),
        newLines: header[4] === undefined ? 1 : Number(header[4]),
        lines: [],
      };
      hunks.push(hunk);
      oldLine = hunk.oldStart;
      newLine = hunk.newStart;
      oldLeft = hunk.oldLines;
      newLeft = hunk.newLines;
      continue;
    }
    // Counting the hunk's remaining lines tells a removed line starting with "--" apart from a file header.
    const inside = hunk !== undefined && (oldLeft > 0 || newLeft > 0);
    if (!inside) {
      if (stopAtFileHeader && line.startsWith('diff --git ')) break;
      continue;
    }
    const marker = line[0];
    if (marker === '+') {
      hunk!.lines.push({ kind: 'add', newLine, text: line.slice(1) });
      newLine++;
      newLeft--;
    } else if (marker === '-') {
      hunk!.lines.push({ kind: 'del', oldLine, text: line.slice(1) });
      oldLine++;
      oldLeft--;
    } else if (marker === ' ' || line === '') {
      // Some tools strip the trailing space of an empty context line.
      hunk!.lines.push({ kind: 'context', oldLine, newLine, text: line.slice(1) });
      oldLine++;
      newLine++;
      oldLeft--;
      newLeft--;
    } else if (marker === '\\') {
      // "\ No newline at end of file": a note about the previous line, not a line of the file.
      continue;
    } else {
      hunk = undefined;
      if (stopAtFileHeader && line.startsWith('diff --git ')) break;
    }
  }
  return { hunks, next: i };
}

/** `a/src/x.py` -> `src/x.py`; handles git's C-style quoting of unusual names. */
function cleanPath(raw: string, prefix: 'a/' | 'b/'): string | undefined {
  let path = raw.trim();
  const tab = path.indexOf('\t');
  if (tab >= 0) path = path.slice(0, tab);
  if (path.startsWith('"') && path.endsWith('"')) path = unquote(path.slice(1, -1));
  if (path === '/dev/null') return undefined;
  if (path.startsWith(prefix)) path = path.slice(2);
  return path;
}

function unquote(text: string): string {
  const bytes: number[] = [];
  const escapes: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      if (/[0-7]/.test(next)) {
        const octal = text.slice(i + 1, i + 4);
        bytes.push(parseInt(octal, 8));
        i += octal.length;
        continue;
      }
      bytes.push(escapes[next] ?? next.charCodeAt(0));
      i++;
      continue;
    }
    bytes.push(...Buffer.from(ch, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Splits `diff --git a/x b/y` when the names carry no quotes; ambiguous names are resolved later by ---/+++. */
function pathsFromGitHeader(header: string): { oldPath?: string; newPath?: string } {
  const rest = header.slice('diff --git '.length);
  const quoted = /^"((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$/.exec(rest);
  if (quoted) return { oldPath: cleanPath(`"${quoted[1]}"`, 'a/'), newPath: cleanPath(`"${quoted[2]}"`, 'b/') };
  // Same name on both sides is the common case: `a/<p> b/<p>`.
  if (rest.startsWith('a/')) {
    const half = (rest.length - 1) / 2;
    if (Number.isInteger(half)) {
      const left = rest.slice(0, half);
      const right = rest.slice(half + 1);
      if (right.startsWith('b/') && left.slice(2) === right.slice(2)) return { oldPath: left.slice(2), newPath: right.slice(2) };
    }
  }
  const split = rest.indexOf(' b/');
  if (split > 0) return { oldPath: cleanPath(rest.slice(0, split), 'a/'), newPath: cleanPath(rest.slice(split + 1), 'b/') };
  return {};
}

/** Parses `git diff` output with any number of files. Plain `---`/`+++` diffs without `diff --git` work too. */
export function parseUnifiedDiff(text: string): FileDiff[] {
  const lines = splitLines(text);
  const files: FileDiff[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const isGit = line.startsWith('diff --git ');
    const isPlain = !isGit && line.startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ ');
    if (!isGit && !isPlain) {
      i++;
      continue;
    }
    const file: FileDiff = { status: 'modified', binary: false, hunks: [] };
    let created = false;
    let deleted = false;
    let renamed = false;
    if (isGit) {
      Object.assign(file, pathsFromGitHeader(line));
      i++;
    }
    // Extended header lines up to the first hunk (or the next file).
    for (; i < lines.length; i++) {
      const header = lines[i]!;
      if (header.startsWith('@@ ') || header.startsWith('diff --git ')) break;
      if (header.startsWith('new file mode')) created = true;
      else if (header.startsWith('deleted file mode')) deleted = true;
      else if (header.startsWith('rename from ')) {
        renamed = true;
        file.oldPath = cleanPath(header.slice('rename from '.length), 'a/');
      } else if (header.startsWith('rename to ')) {
        renamed = true;
        file.newPath = cleanPath(header.slice('rename to '.length), 'b/');
      } else if (header.startsWith('copy from ')) file.oldPath = cleanPath(header.slice('copy from '.length), 'a/');
      else if (header.startsWith('copy to ')) {
        created = true;
        file.newPath = cleanPath(header.slice('copy to '.length), 'b/');
      } else if (header.startsWith('Binary files ') || header === 'GIT binary patch') file.binary = true;
      else if (header.startsWith('--- ')) {
        const oldPath = cleanPath(header.slice(4), 'a/');
        if (oldPath === undefined) created = true;
        else if (!renamed) file.oldPath = oldPath;
      } else if (header.startsWith('+++ ')) {
        const newPath = cleanPath(header.slice(4), 'b/');
        if (newPath === undefined) deleted = true;
        else if (!renamed) file.newPath = newPath;
      } else if (!isGit && !header.startsWith('--- ') && !header.startsWith('+++ ')) break;
    }
    const parsed = parseHunkLines(lines, i, true);
    file.hunks = parsed.hunks;
    i = parsed.next;
    if (created) {
      file.status = 'added';
      delete file.oldPath;
    } else if (deleted) {
      file.status = 'removed';
      delete file.newPath;
    } else if (renamed || (file.oldPath !== undefined && file.newPath !== undefined && file.oldPath !== file.newPath)) {
      file.status = 'renamed';
    }
    files.push(file);
  }
  return files;
}

/** New-side line numbers of added lines. */
export function addedLines(hunks: DiffHunk[]): Set<number> {
  const lines = new Set<number>();
  for (const hunk of hunks) for (const line of hunk.lines) if (line.kind === 'add' && line.newLine !== undefined) lines.add(line.newLine);
  return lines;
}

/**
 * Lines a review comment may anchor on: `added` lines only, `context` = added and unchanged lines shown in the diff,
 * `file` = anywhere (hosts accept file-level anchoring only inside hunks, so callers still check `hunkContaining`).
 */
export function commentableLines(hunks: DiffHunk[], mode: 'added' | 'context' | 'file'): Set<number> | 'all' {
  if (mode === 'file') return 'all';
  if (mode === 'added') return addedLines(hunks);
  const lines = new Set<number>();
  for (const hunk of hunks) {
    for (const line of hunk.lines) if (line.kind !== 'del' && line.newLine !== undefined) lines.add(line.newLine);
  }
  return lines;
}

/** The hunk whose new-side range holds all of startLine..endLine, i.e. where a multi-line suggestion can go. */
export function hunkContaining(hunks: DiffHunk[], startLine: number, endLine: number): DiffHunk | undefined {
  const low = Math.min(startLine, endLine);
  const high = Math.max(startLine, endLine);
  return hunks.find((hunk) => hunk.newLines > 0 && low >= hunk.newStart && high <= hunk.newStart + hunk.newLines - 1);
}

/** Old-side line for an unchanged new-side line (GitLab positions on context lines need both). */
export function oldLineFor(hunks: DiffHunk[], newLine: number): number | undefined {
  for (const hunk of hunks) {
    for (const line of hunk.lines) if (line.kind === 'context' && line.newLine === newLine) return line.oldLine;
  }
  return undefined;
}
