// Public entry of the diff module: parsing and line mapping, no platform knowledge.
export {
  addedLines,
  commentableLines,
  hunkContaining,
  oldLineFor,
  parsePatch,
  parseUnifiedDiff,
  type DiffHunk,
  type DiffLine,
  type FileDiff,
} from './parse.js';
