// GitLab anchors a diff note by both sides of the diff: an added line has only `new_line`; an unchanged line (diff
// context, or a line outside every hunk) needs `old_line` too, or GitLab answers 400 "line_code can't be blank".
// This maps a new-side line to its old-side number by walking the hunks of GitLab's `diff` field.

export type LineSide = { kind: 'added' } | { kind: 'unchanged'; oldLine: number };

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  body: string[];
}

function parseHunks(diff: string): Hunk[] {
  const hunks: Hunk[] = [];
  let current: Hunk | undefined;
  for (const line of diff.split('\n')) {
    const header = HUNK_HEADER.exec(line);
    if (header) {
      current = {
        oldStart: Number(header[1]),
        oldLines: header[2] === undefined ? 1 : Number(header[2]),
        newStart: Number(header[3]),
        newLines: header[4] === undefined ? 1 : Number(header[4]),
        body: [],
      };
      hunks.push(current);
    } else if (current) {
      current.body.push(line);
    }
  }
  return hunks;
}

/** Where `newLine` sits in the diff: an added line, or an unchanged one with its line number in the old file. */
export function locateNewLine(diff: string | undefined, newLine: number, newFile: boolean): LineSide {
  if (newFile) return { kind: 'added' };
  let shift = 0;
  for (const hunk of parseHunks(diff ?? '')) {
    if (newLine < hunk.newStart) break;
    if (newLine >= hunk.newStart + hunk.newLines) {
      shift = hunk.newStart + hunk.newLines - (hunk.oldStart + hunk.oldLines);
      continue;
    }
    let oldAt = hunk.oldStart;
    let newAt = hunk.newStart;
    for (const line of hunk.body) {
      const mark = line[0];
      if (mark === '-') {
        oldAt++;
      } else if (mark === '+') {
        if (newAt === newLine) return { kind: 'added' };
        newAt++;
      } else if (mark === ' ') {
        if (newAt === newLine) return { kind: 'unchanged', oldLine: oldAt };
        oldAt++;
        newAt++;
      }
    }
    return { kind: 'unchanged', oldLine: newLine - (newAt - oldAt) };
  }
  return { kind: 'unchanged', oldLine: newLine - shift };
}
