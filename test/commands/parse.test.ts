import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseCommand } from '../../src/commands/parse.js';

describe('parseCommand', () => {
  it.each([
    ['/coze-loop optimize', { action: 'optimize' }],
    ['/coze-loop READABILITY', { action: 'readability' }],
    ['/Coze-Loop fix-bugs', { action: 'fix-bugs' }],
    ['/coze-loop help', { action: 'help' }],
    ['/coze-loop', { action: 'help' }],
    ['/coze-loop summary', { action: 'summary' }],
    ['/coze-loop optimize src/worker.py', { action: 'optimize', path: 'src/worker.py' }],
    ['/coze-loop optimize src/worker.py:42', { action: 'optimize', path: 'src/worker.py', line: 42 }],
    ['/coze-loop optimize ./src/worker.py:42', { action: 'optimize', path: 'src/worker.py', line: 42 }],
    ['/coze-loop optimize `jobs.ts:7`', { action: 'optimize', path: 'jobs.ts', line: 7 }],
    ['/coze-loop optimize please', { action: 'optimize' }],
    ['/coze-loop frobnicate', { action: 'help' }],
    ['Nice work!\n\n  /coze-loop fix-bugs\nthanks', { action: 'fix-bugs' }],
    ['/coze-loop help src/a.py', { action: 'help' }],
  ])('%j', (body, expected) => {
    expect(parseCommand(body)).toEqual(expected);
  });

  it.each([
    ['no command here'],
    ['> /coze-loop optimize\nquoted from someone'],
    ['```\n/coze-loop optimize\n```'],
    ['~~~md\n/coze-loop optimize\n~~~'],
    ['    /coze-loop optimize'],
    ['run `/coze-loop optimize` to see more'],
    ['/coze-loopy optimize'],
    ['/coze-loop-bot optimize'],
    ['/coze-loop optimize ../../etc/passwd'],
  ])('ignores %j', (body) => {
    const parsed = parseCommand(body);
    if (body.includes('..')) expect(parsed).toEqual({ action: 'optimize' });
    else expect(parsed).toBeNull();
  });

  it('finds the command after a closed code block, and never inside an unclosed one', () => {
    expect(parseCommand('```\nexample\n```\n/coze-loop readability')).toEqual({ action: 'readability' });
    expect(parseCommand('````\n```\n/coze-loop optimize\n````')).toBeNull();
    expect(parseCommand('```\n/coze-loop optimize')).toBeNull();
  });

  it('never throws on arbitrary comments', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom('', '/coze-loop ', '> ', '```\n'), (text, prefix) => {
        const result = parseCommand(prefix + text);
        expect(result === null || typeof result.action === 'string').toBe(true);
      }),
    );
  });
});
