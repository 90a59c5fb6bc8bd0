// Fingerprints identify a finding across pushes: rule + path + the loop's normalised text, never the line number,
// so that moving a loop down a file does not produce a second comment.
import { createHash } from 'node:crypto';
/** 16 lowercase hex characters. */
export function fingerprint(ruleId, path, normalizedLoopText) {
    return createHash('sha256')
        .update(ruleId)
        .update('\0')
        .update(path)
        .update('\0')
        .update(normalizedLoopText)
        .digest('hex')
        .slice(0, 16);
}
