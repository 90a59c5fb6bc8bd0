// The one place the review pipeline touches the diff module, so the pipeline reads as stages over hunks.
export { parsePatch, addedLines, commentableLines, hunkContaining, oldLineFor } from '../diff/index.js';
export type { DiffHunk, DiffLine } from '../diff/index.js';
