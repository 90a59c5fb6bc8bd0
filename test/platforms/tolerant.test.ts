// Tolerant reading of host responses (src/platforms/tolerant.ts): optional fields default, odd list items are
// skipped, each problem is reported once, and a required field that does not fit still fails the response.
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { list, optional, ResponseReader } from '../../src/platforms/tolerant.js';
import { recordingLogger } from './contract/suite.js';

const comment = z.object({ id: z.number(), body: optional(z.string()), line: optional(z.number()) });

describe('tolerant reading', () => {
  it('reads an optional field as undefined when absent, null or odd, and reports only the odd one', () => {
    const { logger, warnings } = recordingLogger();
    const reader = new ResponseReader('github', logger);
    expect(reader.parse('comment', comment, { id: 1, body: 'x', line: 3 })).toEqual({ success: true, data: { id: 1, body: 'x', line: 3 } });
    expect(reader.parse('comment', comment, { id: 2, line: null })).toEqual({ success: true, data: { id: 2, body: undefined, line: undefined } });
    expect(warnings).toEqual([]);
    expect(reader.parse('comment', comment, { id: 3, line: 'four' })).toEqual({ success: true, data: { id: 3, body: undefined, line: undefined } });
    expect(warnings).toEqual(['comment: defaulted a field (Invalid input: expected number, received string)']);
  });

  it('skips list items that do not fit, keeps the rest in order, and reports each problem once', () => {
    const { logger, warnings } = recordingLogger();
    const reader = new ResponseReader('gitlab', logger);
    const page = [{ id: 1 }, { id: 'two' }, { id: 3, body: null }, null, { id: 'five' }];
    expect(reader.items('notes', comment, page).map((c) => c.id)).toEqual([1, 3]);
    expect(reader.items('notes', comment, page).map((c) => c.id)).toEqual([1, 3]);
    expect(warnings).toEqual(['notes: skipped an item (id: Invalid input: expected number, received string)', 'notes: skipped an item (Invalid input: expected object, received null)']);
    // Nested lists too: the thread stays, its odd comment goes.
    const thread = z.object({ id: z.string(), comments: list(comment) });
    expect(reader.parse('threads', thread, { id: 't', comments: [{ id: 1 }, { body: 'no id' }] })).toEqual({ success: true, data: { id: 't', comments: [{ id: 1, body: undefined, line: undefined }] } });
    expect(warnings.at(-1)).toBe('threads: skipped an item (id: Invalid input: expected number, received undefined)');
  });

  it('fails a response whose required field does not fit, with the place and the problem, and logs nothing', () => {
    const { logger, warnings } = recordingLogger();
    const reader = new ResponseReader('github', logger);
    expect(reader.parse('pull', z.object({ head: z.object({ sha: z.string() }) }), { head: { sha: null } })).toEqual({ success: false, problem: 'head.sha: Invalid input: expected string, received null' });
    expect(warnings).toEqual([]);
  });
});
