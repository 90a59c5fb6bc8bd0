import { describe, expect, it } from '@jest/globals';
import type { FileFacts } from '../../src/analysis/facts.js';
import { extractJavaScriptFacts } from '../../src/analysis/facts/javascript.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { parseSource } from '../../src/analysis/parse.js';

const kb = loadKnowledgeBase();

function analyse(lines: string[], language: 'javascript' | 'typescript' | 'tsx' = 'typescript'): FileFacts {
  const source = lines.join('\n');
  return extractJavaScriptFacts('shape.ts', source, parseSource(language, source), language, kb);
}

describe('extractJavaScriptFacts: body lines', () => {
  it('counts the lines that hold code: not blank ones, nor lines of comments (a comment in a comment, CRLF, a no-break space)', () => {
    const source = [
      'function f(items) {',
      '  for (const item of items) {',
      '    /* a block comment',
      '       over two lines */ const x = item; // code before the comment counts',
      '',
      '    // a line comment /* with a block opener',
      '    \u00a0\t',
      '    g(x); /* trailing */',
      '    /* two */ /* comments */',
      '    h(`${x}\r',
      '    // inside a template: code`);',
      '  }',
      '}',
    ].join('\r\n');
    const [loop] = extractJavaScriptFacts('lines.js', source, parseSource('javascript', source), 'javascript', kb).loops;
    expect(loop).toMatchObject({ bodyStartLine: 2, bodyEndLine: 12, bodyLines: 4 });
  });
});

describe('extractJavaScriptFacts: loop shapes', () => {
  it('reads C-style index loops as range-len over the collection', () => {
    const facts = analyse([
      'function f(items: string[]) {',
      '  for (let i = 0; i < items.length; i++) {',
      '    console.log(items[i]);',
      '  }',
      '  for (let j = 0; j < 10; j += 1) g(j);',
      '}',
    ]);
    const [indexed, counted] = facts.loops;
    expect(indexed).toMatchObject({ kind: 'for', loopVariables: ['i'], condition: 'i < items.length', iterable: { kind: 'range-len', collection: 'items' } });
    expect(indexed!.exits).toEqual([{ kind: 'condition', line: 2 }]);
    expect(indexed!.assignments).toEqual([{ target: 'i', line: 2, op: 'other', valueText: '++' }]);
    expect(counted).toMatchObject({ iterable: { kind: 'range' }, bodyStartLine: 5, bodyEndLine: 5, bodyLines: 1 });
    expect(counted!.calls[0]).toMatchObject({ callee: 'g', dependsOnIteration: true });
  });

  it('marks a for..of over a query result and a do..while with a flag', () => {
    const facts = analyse([
      'async function f(repo: any) {',
      '  for (const user of await repo.find({ where: { active: true } })) {',
      '    await mailer.sendMail({ to: user.email });',
      '  }',
      '  let done = false;',
      '  do {',
      '    done = await step();',
      '  } while (!done);',
      '}',
    ]);
    expect(facts.loops[0]).toMatchObject({ kind: 'for-each', iterable: { kind: 'query' } });
    expect(facts.loops[0]!.calls.map((c) => c.callee)).toEqual(['mailer.sendMail']);
    expect(facts.loops[1]).toMatchObject({ kind: 'do', infinite: false, condition: '!done', headerLine: 6 });
    expect(facts.loops[1]!.exits).toEqual([{ kind: 'stop-flag', line: 8, name: 'done' }]);
  });

  it('treats the condition of a while loop as part of every iteration', () => {
    const facts = analyse([
      'async function drain(queue: any) {',
      '  let job;',
      '  while ((job = await queue.getNextJob()) !== null) {',
      '    await handle(job);',
      '  }',
      '}',
    ]);
    const loop = facts.loops[0]!;
    expect(loop.calls.map((c) => `${c.callee}:${c.kinds.join('+')}`)).toEqual(['queue.getNextJob:queue-pop', 'handle:']);
    expect(loop.calls[0]).toMatchObject({ assignedTo: 'job', conditional: false });
    expect(loop.calls[1]!.dependsOnIteration).toBe(true);
    expect(loop.hasAwait).toBe(true);
  });

  it('resolves setInterval(() => this.tick()) to the method, with clearInterval in stop() and an AbortController', () => {
    const facts = analyse([
      'export class Poller {',
      '  private timer?: NodeJS.Timeout;',
      '  private readonly controller = new AbortController();',
      '  start(): void {',
      '    this.timer = setInterval(() => this.tick(), 15_000);',
      '  }',
      '  private async tick(): Promise<void> {',
      '    const res = await fetch(URL, { signal: this.controller.signal });',
      '    await save(await res.json());',
      '  }',
      '  stop(): void {',
      '    clearInterval(this.timer);',
      '    this.controller.abort();',
      '  }',
      '}',
      "process.once('SIGINT', () => poller.stop());",
    ]);
    const loop = facts.loops[0]!;
    expect(loop).toMatchObject({ kind: 'interval', headerLine: 5, bodyStartLine: 7, functionName: 'tick', inAsyncFunction: true, fileHandlesSignals: true });
    expect(loop.calls.map((c) => c.callee)).toEqual(['fetch', 'save', 'res.json', 'setInterval']);
    expect(loop.calls[3]).toMatchObject({ sleepSeconds: 15, assignedTo: 'this.timer' });
    expect(loop.exits).toEqual([
      { kind: 'stop-flag', line: 12, name: 'clearInterval(this.timer)' },
      { kind: 'signal', line: 5, name: 'clearInterval(this.timer)' },
    ]);
  });

  it('counts nesting, body lines without comments, and depth of nested loops', () => {
    const facts = analyse([
      'function f(rows: any[][]) {',
      '  for (const row of rows) {',
      '    // a comment line',
      '    /* another',
      '       comment */',
      '    for (const cell of row) {',
      '      if (cell) {',
      '        try {',
      '          use(cell);',
      '        } catch {',
      '          skip();',
      '        }',
      '      }',
      '    }',
      '  }',
      '}',
    ]);
    const [outer, inner] = facts.loops;
    expect(outer).toMatchObject({ depth: 0, maxBodyNesting: 3, bodyLines: 9 });
    expect(inner).toMatchObject({ depth: 1, maxBodyNesting: 2, parent: outer });
    expect(outer!.normalizedText).toBe('for (const row of rows) { for (const cell of row) { if (cell) { try { use(cell); } catch { skip(); } } } }');
    expect(inner!.calls.map((c) => [c.callee, c.conditional, c.inTry, c.guarded])).toEqual([
      ['use', true, true, true],
      ['skip', true, false, false],
    ]);
  });

  it('does not count returns of nested functions or awaits in callbacks as the loop\'s own', () => {
    const facts = analyse([
      'async function f(xs: number[]) {',
      '  while (true) {',
      '    const handler = async () => { await g(); return 1; };',
      '    emitter.on("x", handler);',
      '    if (xs.length === 0) break;',
      '  }',
      '}',
    ]);
    const loop = facts.loops[0]!;
    expect(loop.hasAwait).toBe(false);
    expect(loop.exits).toEqual([{ kind: 'break', line: 5 }]);
    expect(loop.calls.map((c) => c.callee)).toEqual(['emitter.on']);
  });

  it('reads the rethrowing catch as not broad and a throw inside try as caught', () => {
    const facts = analyse([
      'async function f() {',
      '  for (;;) {',
      '    try {',
      '      await work();',
      '      throw new Error("x");',
      '    } catch (err) {',
      '      if (!(err instanceof RetryableError)) throw err;',
      '      await sleep(100);',
      '    }',
      '  }',
      '}',
    ]);
    const loop = facts.loops[0]!;
    expect(loop.tries[0]).toMatchObject({ catchesBroadly: false, handlerReraises: true, handlerSleeps: true });
    expect(loop.exits).toEqual([{ kind: 'raise', line: 7 }]);
    expect(loop.calls.find((c) => c.callee === 'work')).toMatchObject({ inTry: true, guarded: false });
  });

  it('keeps suppression comments for the engine', () => {
    const facts = analyse([
      'async function f() {',
      '  // coze-loop: ignore[polling-fixed-interval]',
      '  while (true) {',
      '    await poll(); // coze-loop: ignore',
      '    await sleep(1000);',
      '  }',
      '}',
    ]);
    expect([...facts.suppressions]).toEqual([
      [2, ['polling-fixed-interval']],
      [4, []],
    ]);
  });

  it('handles JSX, TSX generics and type assertions without losing calls', () => {
    const facts = analyse(
      [
        'export function List({ ids }: { ids: string[] }) {',
        '  for (const id of ids as string[]) {',
        '    void load<Item>(id!);',
        '  }',
        '  return <ul>{ids.map((id) => <li key={id}>{id}</li>)}</ul>;',
        '}',
      ],
      'tsx',
    );
    expect(facts.hasErrors).toBe(false);
    expect(facts.loops).toHaveLength(1);
    expect(facts.loops[0]!.calls[0]).toMatchObject({ callee: 'load', resultUsed: false, dependsOnIteration: true });
  });
});
