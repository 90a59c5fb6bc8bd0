// Filter to the diff: which findings belong to this change, and which of those can sit on a diff line.
// Nothing that belongs to the change is dropped: what cannot be anchored is handed to the summary.
import type { CozeLoopConfig } from '../config/schema.js';
import type { Finding } from '../core/types.js';
import { addedLines, commentableLines, hunkContaining, oldLineFor, type DiffHunk } from './diff-view.js';

export type CommentOn = CozeLoopConfig['review']['comment_on'];

export interface FileDiffView {
  path: string;
  /** null when the host omitted the patch: nothing can be anchored, everything is summarised. */
  hunks: DiffHunk[] | null;
}

export interface DiffPlacement {
  /** Findings whose anchor line is commentable in this mode. */
  anchored: Finding[];
  /** Findings that belong to the change but whose anchor line is not commentable. */
  unanchored: Finding[];
  /** Findings in code the change does not touch (counted, reported by the weekly report / CLI). */
  preExisting: Finding[];
}

function toSet(lines: Set<number> | 'all'): Set<number> {
  return lines === 'all' ? new Set() : lines;
}

function spanTouches(added: Set<number>, start: number, end: number): boolean {
  for (const line of added) if (line >= start && line <= end) return true;
  return false;
}

/**
 * `added`: anchor on added lines; `context`: added lines and the context lines GitHub/GitLab show around them;
 * `file`: every finding in a changed file belongs to the review, anchored where the diff allows (hosts refuse
 * comments outside the hunks), the rest in the summary.
 */
export function placeFindings(findings: Finding[], file: FileDiffView, mode: CommentOn): DiffPlacement {
  const result: DiffPlacement = { anchored: [], unanchored: [], preExisting: [] };
  if (file.hunks === null) {
    result.unanchored.push(...findings);
    return result;
  }
  const added = addedLines(file.hunks);
  const commentable = mode === 'added' ? added : toSet(commentableLines(file.hunks, 'context'));
  for (const finding of findings) {
    if (commentable.has(finding.line)) result.anchored.push(finding);
    else if (mode === 'file' || spanTouches(added, finding.loop.startLine, finding.loop.endLine)) result.unanchored.push(finding);
    else result.preExisting.push(finding);
  }
  return result;
}

export interface CommentRange {
  line: number;
  startLine?: number;
  /** The fix's replaced range is exactly the commented range and lies in one hunk: it can be a suggestion. */
  suggestion: boolean;
}

/**
 * A suggestion replaces exactly the commented lines, so a `replace` fix becomes one only when its range lies
 * inside one hunk and the comment spans that range; the range must also cover the anchor line or sit inside
 * the loop, so the comment still points at the finding.
 */
export function commentRange(finding: Finding, hunks: DiffHunk[] | null): CommentRange {
  const fix = finding.fix;
  if (hunks && fix?.kind === 'replace' && fix.startLine <= fix.endLine) {
    const nearFinding =
      (fix.startLine <= finding.line && finding.line <= fix.endLine) ||
      (fix.startLine >= finding.loop.startLine && fix.endLine <= finding.loop.endLine);
    if (nearFinding && hunkContaining(hunks, fix.startLine, fix.endLine)) {
      return fix.startLine < fix.endLine
        ? { line: fix.endLine, startLine: fix.startLine, suggestion: true }
        : { line: fix.endLine, suggestion: true };
    }
  }
  return { line: finding.line, suggestion: false };
}

/** Old-side line number of an unchanged line (GitLab positions need both sides). */
export function oldLineOf(hunks: DiffHunk[] | null, newLine: number): number | undefined {
  return hunks ? oldLineFor(hunks, newLine) : undefined;
}
