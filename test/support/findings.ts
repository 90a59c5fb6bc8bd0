// Builders for findings and patches, so pipeline tests state exactly what the engine "found".
import { createHash } from 'node:crypto';
import type { Finding } from '../../src/core/types.js';

export function makeFinding(path: string, line: number, overrides: Partial<Finding> = {}): Finding {
  const ruleId = overrides.ruleId ?? 'polling-fixed-interval';
  return {
    ruleId,
    target: 'optimize',
    severity: 'warning',
    confidence: 'high',
    path,
    language: 'python',
    line,
    loop: { startLine: line, endLine: line + 3 },
    message: `Loop at line ${line} polls the database every 30 s`,
    explanation: 'The loop queries even when there is nothing to do.',
    fingerprint: createHash('sha256').update(`${ruleId}:${path}:${overrides.loop?.startLine ?? line}`).digest('hex').slice(0, 16),
    data: {},
    ...overrides,
  };
}

/** A patch for a file whose lines `from..to` were added (a new block inside existing code, 2 context lines around). */
export function addedBlockPatch(from: number, to: number, contextBefore = 2, contextAfter = 2): string {
  const count = to - from + 1;
  const oldStart = from - contextBefore;
  const lines: string[] = [`@@ -${oldStart},${contextBefore + contextAfter} +${oldStart},${contextBefore + count + contextAfter} @@`];
  for (let i = 0; i < contextBefore; i++) lines.push(` context ${oldStart + i}`);
  for (let i = from; i <= to; i++) lines.push(`+added ${i}`);
  for (let i = 0; i < contextAfter; i++) lines.push(` context ${to + 1 + i}`);
  return lines.join('\n');
}

/** A patch for a new file of `count` lines. */
export function newFilePatch(count: number): string {
  return [`@@ -0,0 +1,${count} @@`, ...Array.from({ length: count }, (_, i) => `+line ${i + 1}`)].join('\n');
}

export function source(lines: number): string {
  return Array.from({ length: lines }, (_, i) => `line_${i + 1} = ${i + 1}`).join('\n') + '\n';
}
