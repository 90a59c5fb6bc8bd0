// Applying a `replace` fix the way GitHub and GitLab apply a suggestion: the whole line range is swapped.
import type { Fix } from '../core/types.js';

/**
 * Replaces lines fix.startLine..fix.endLine (1-based, inclusive) of `source` with fix.code and returns the new
 * source. `block` fixes are sketches, not patches: they leave the source unchanged. The source's line ending style
 * (LF or CRLF) is kept.
 */
export function applyFix(source: string, fix: Fix): string {
  return applyBottomUp(source, [fix]);
}

/**
 * applyFix for fixes that do not overlap, ordered from the bottom of the file to the top (so each one's line numbers
 * are still those of `source`), with one split and one join of the source.
 */
export function applyBottomUp(source: string, fixes: readonly Fix[]): string {
  if (!fixes.some((fix) => fix.kind === 'replace')) return source;
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  const lines = source.split(/\r?\n/);
  for (const fix of fixes) {
    if (fix.kind !== 'replace') continue;
    if (!Number.isInteger(fix.startLine) || !Number.isInteger(fix.endLine) || fix.startLine < 1 || fix.endLine < fix.startLine || fix.endLine > lines.length) {
      throw new RangeError(`coze-loop: fix range ${fix.startLine}-${fix.endLine} is outside the file (1-${lines.length})`);
    }
    const replacement = fix.code.length === 0 ? [] : fix.code.split(/\r?\n/);
    lines.splice(fix.startLine - 1, fix.endLine - fix.startLine + 1, ...replacement);
  }
  return lines.join(eol);
}
