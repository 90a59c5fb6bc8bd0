// The playground's "download .patch": a fix replaces lines startLine..endLine of the snippet, and this writes that
// change as a unified diff (`git apply` / `patch -p1` accept it). The replaced range is one hunk: the lines the fix
// keeps at its start and end become context, so the diff shows only what changes. Imports nothing (the page bundles
// it too).

export interface LineReplacement {
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** New text of the whole range, without a trailing newline. */
  code: string;
}

const CONTEXT = 3;

/** The whole file after the replacement. */
export function applyReplacement(source: string, change: LineReplacement): string {
  const finalNewline = source.endsWith('\n');
  const lines = (finalNewline ? source.slice(0, -1) : source).split('\n');
  const replacement = change.code === '' ? [] : change.code.split('\n');
  const after = [...lines.slice(0, change.startLine - 1), ...replacement, ...lines.slice(change.endLine)];
  return after.join('\n') + (finalNewline ? '\n' : '');
}

function range(start: number, count: number): string {
  // A hunk side with no lines names the line before it (`-3,0`), as diff(1) does.
  return count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`;
}

/**
 * A unified diff of `source` against it with the replacement applied; '' when nothing changes. The snippet is
 * taken to end with a newline (as saved files do), so the patch applies to the file the snippet came from.
 */
export function unifiedDiff(path: string, source: string, change: LineReplacement): string {
  const text = source.endsWith('\n') || source === '' ? source : `${source}\n`;
  const before = text === '' ? [] : text.slice(0, -1).split('\n');
  const changed = applyReplacement(text, change);
  const after = changed === '' ? [] : changed.slice(0, -1).split('\n');
  let prefix = 0;
  while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < before.length - prefix &&
    suffix < after.length - prefix &&
    before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
  ) {
    suffix++;
  }
  const removed = before.slice(prefix, before.length - suffix);
  const added = after.slice(prefix, after.length - suffix);
  if (removed.length === 0 && added.length === 0) return '';
  const lead = before.slice(Math.max(0, prefix - CONTEXT), prefix);
  const trail = before.slice(before.length - suffix, Math.min(before.length, before.length - suffix + CONTEXT));
  const oldStart = prefix - lead.length + 1;
  const out = [
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -${range(oldStart, lead.length + removed.length + trail.length)} +${range(oldStart, lead.length + added.length + trail.length)} @@`,
    ...lead.map((line) => ` ${line}`),
    ...removed.map((line) => `-${line}`),
    ...added.map((line) => `+${line}`),
    ...trail.map((line) => ` ${line}`),
  ];
  return `${out.join('\n')}\n`;
}
