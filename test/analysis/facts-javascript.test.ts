import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { CallFact, FileFacts, LoopFacts } from '../../src/analysis/facts.js';
import { extractJavaScriptFacts } from '../../src/analysis/facts/javascript.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { parseSource } from '../../src/analysis/parse.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';

type JsLanguage = 'javascript' | 'typescript' | 'tsx';

const kb = loadKnowledgeBase();

function load(name: string, language: JsLanguage): { facts: FileFacts; source: string } {
  const source = readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'js-facts', name), 'utf8');
  return { facts: extractJavaScriptFacts(name, source, parseSource(language, source), language, kb), source };
}

/** 1-based line of the first line containing `needle` (fixtures stay readable; tests survive edits above). */
function lineOf(source: string, needle: string, from = 1): number {
  const lines = source.split('\n');
  for (let i = from - 1; i < lines.length; i++) if (lines[i]!.includes(needle)) return i + 1;
  throw new Error(`no line contains ${needle}`);
}

function loopAt(facts: FileFacts, line: number, kind?: LoopFacts['kind']): LoopFacts {
  const loop = facts.loops.find((l) => l.headerLine === line && (kind === undefined || l.kind === kind));
  if (!loop) throw new Error(`no loop at line ${line}: ${facts.loops.map((l) => `${l.kind}@${l.headerLine}`).join(', ')}`);
  return loop;
}

function callOn(loop: LoopFacts, line: number, callee?: string): CallFact {
  const call = loop.calls.find((c) => c.line === line && (callee === undefined || c.callee === callee));
  if (!call) throw new Error(`no call at line ${line}: ${loop.calls.map((c) => `${c.callee}@${c.line}`).join(', ')}`);
  return call;
}

describe('extractJavaScriptFacts: pg polling worker (TypeScript)', () => {
  const { facts, source } = load('pg-poller.ts', 'typescript');
  const outer = loopAt(facts, lineOf(source, 'for (;;)'));
  const inner = loopAt(facts, lineOf(source, 'for (const job of rows)'));

  it('models for(;;) as an infinite loop with no way out', () => {
    expect(facts.hasErrors).toBe(false);
    expect(facts.loops).toHaveLength(2);
    expect(outer).toMatchObject({ kind: 'for', infinite: true, exits: [], depth: 0, functionName: 'pollJobs', inAsyncFunction: true, hasAwait: true });
    expect(outer.fileHandlesSignals).toBe(false);
    expect(outer.children).toEqual([inner]);
    expect(inner.parent).toBe(outer);
    expect(inner).toMatchObject({ kind: 'for-each', depth: 1, loopVariables: ['job'], iterable: { kind: 'name', collection: 'rows' } });
  });

  it('classifies the SELECT held in a constant, destructured result included', () => {
    const select = callOn(outer, lineOf(source, 'await pool.query(FETCH_JOBS'));
    expect(select).toMatchObject({
      callee: 'pool.query',
      method: 'query',
      receiver: 'pool',
      kinds: ['db-read'],
      confidence: 'high',
      awaited: true,
      resultUsed: true,
      assignedTo: 'rows',
      guarded: true,
      inTry: true,
      inInnerLoop: false,
      conditional: false,
    });
    expect(select.sql).toMatch(/^SELECT id, payload FROM jobs/);
    expect(select.args[1]).toEqual({ text: "['pending']" });
  });

  it('sees the per-row write and HTTP call from both loops with loop-relative flags', () => {
    const updateLine = lineOf(source, "UPDATE jobs SET status");
    const outerUpdate = callOn(outer, updateLine);
    const innerUpdate = callOn(inner, updateLine);
    expect(outerUpdate).toMatchObject({ kinds: ['db-write'], inInnerLoop: true, inTry: true, dependsOnIteration: false });
    expect(innerUpdate).toMatchObject({ kinds: ['db-write'], inInnerLoop: false, inTry: false, guarded: true, dependsOnIteration: true, resultUsed: false });
    const post = callOn(inner, lineOf(source, 'await fetch(`https://api'));
    expect(post).toMatchObject({ callee: 'fetch', kinds: ['http'], awaited: true, assignedTo: 'res' });
    expect(post.args.filter((a) => a.name)).toEqual([
      { name: 'method', text: "'POST'", string: 'POST' },
      { name: 'body', text: 'job.payload' },
    ]);
  });

  it('marks an un-awaited call to a local async function as a lost promise', () => {
    const notify = callOn(inner, lineOf(source, 'notifyDone(job.id);'));
    expect(notify).toMatchObject({ awaited: false, resultUsed: false, guarded: false });
    expect(notify.kinds).toContain('task-spawn');
  });

  it('reads both sleep idioms with their durations, and the guarded continue after the sleep', () => {
    const sleep = callOn(outer, lineOf(source, 'await sleep(POLL_MS)'));
    expect(sleep).toMatchObject({ kinds: ['sleep'], sleepSeconds: 5, conditional: true, awaited: true });
    const promiseSleep = callOn(outer, lineOf(source, 'new Promise((resolve)'));
    expect(promiseSleep).toMatchObject({ kinds: ['sleep'], sleepSeconds: 1, conditional: true, guarded: false, inTry: false });
    expect(outer.continues).toEqual([{ line: lineOf(source, 'continue;'), afterSleepOrBlock: true }]);
  });

  it('describes the try/catch inside the loop and the same try seen from the inner loop', () => {
    expect(outer.tries).toHaveLength(1);
    expect(outer.tries[0]).toMatchObject({
      insideLoop: true,
      catchesBroadly: true,
      handlerLogs: true,
      handlerSleeps: true,
      handlerContinues: false,
      handlerReraises: false,
    });
    expect(inner.tries).toHaveLength(1);
    expect(inner.tries[0]).toMatchObject({ insideLoop: false, catchesBroadly: true });
    expect(outer.maxBodyNesting).toBe(2);
  });

  it('keeps text, a comment-free normalised text and body line counts', () => {
    expect(outer.text.startsWith('for (;;) {')).toBe(true);
    expect(outer.normalizedText).not.toContain('\n');
    expect(outer.normalizedText).toContain("const { rows } = await pool.query(FETCH_JOBS, ['pending']);");
    expect(outer.bodyLines).toBe(15);
    expect(inner.bodyLines).toBe(3);
  });
});

describe('extractJavaScriptFacts: SQS consumer with a stop flag set on SIGTERM', () => {
  const { facts, source } = load('sqs-consumer.ts', 'typescript');
  const loop = loopAt(facts, lineOf(source, 'while (this.running)'));

  it('finds the stop flag, and that a signal handler flips it through stop()', () => {
    expect(loop).toMatchObject({ kind: 'while', infinite: false, condition: 'this.running', fileHandlesSignals: true, functionName: 'start' });
    expect(loop.exits).toEqual([
      { kind: 'stop-flag', line: loop.headerLine, name: 'this.running' },
      { kind: 'signal', line: loop.headerLine, name: 'this.running' },
    ]);
  });

  it('treats client construction as connect and client.send by its command', () => {
    const client = callOn(loop, lineOf(source, 'new SQSClient'));
    expect(client).toMatchObject({ callee: 'new SQSClient', kinds: ['connect'], assignedTo: 'sqs', awaited: false });
    const receive = callOn(loop, lineOf(source, 'new ReceiveMessageCommand'), 'sqs.send');
    expect(receive.kinds).toEqual(expect.arrayContaining(['http', 'queue-pop']));
    expect(receive.timeoutSeconds).toBe(20);
    expect(callOn(loop, receive.line, 'new ReceiveMessageCommand').kinds).toEqual([]);
    const del = callOn(loop, lineOf(source, 'new DeleteMessageCommand'), 'sqs.send');
    expect(del.kinds).toEqual(expect.arrayContaining(['http', 'queue-ack']));
    expect(del).toMatchObject({ inInnerLoop: true, awaited: true, resultUsed: false });
  });

  it('iterates the received messages in an inner for..of', () => {
    const inner = loopAt(facts, lineOf(source, 'for (const message of'));
    expect(inner).toMatchObject({ kind: 'for-each', loopVariables: ['message'], parent: loop });
    expect(callOn(inner, lineOf(source, 'new DeleteMessageCommand'), 'sqs.send').dependsOnIteration).toBe(true);
  });
});

describe('extractJavaScriptFacts: setInterval pollers (JavaScript)', () => {
  const { facts, source } = load('interval-poller.js', 'javascript');
  const named = loopAt(facts, lineOf(source, 'const timer = setInterval'), 'interval');
  const inline = loopAt(facts, lineOf(source, 'setInterval(async () =>'), 'interval');

  it('resolves a callback declared elsewhere in the file as the loop body', () => {
    const fnStart = lineOf(source, 'async function refreshPrices');
    expect(named).toMatchObject({ infinite: true, bodyStartLine: fnStart, functionName: 'refreshPrices', inAsyncFunction: true, hasAwait: true });
    expect(named.startLine).toBe(named.endLine);
    expect(callOn(named, lineOf(source, 'axios.get')).kinds).toEqual(['http']);
    const tick = named.calls[named.calls.length - 1]!;
    expect(tick).toMatchObject({ callee: 'setInterval', kinds: ['sleep'], sleepSeconds: 30, assignedTo: 'timer' });
    const nested = loopAt(facts, lineOf(source, 'for (const [symbol, price]'));
    expect(nested.parent).toBe(named);
    expect(nested.loopVariables).toEqual(['symbol', 'price']);
    expect(callOn(nested, lineOf(source, 'redis.set')).kinds).toEqual(['db-write']);
  });

  it('counts clearInterval in a SIGTERM handler as a way out', () => {
    const clearLine = lineOf(source, 'clearInterval(timer)');
    expect(named.exits).toEqual([
      { kind: 'stop-flag', line: clearLine, name: 'clearInterval(timer)' },
      { kind: 'signal', line: named.headerLine, name: 'clearInterval(timer)' },
    ]);
    expect(named.fileHandlesSignals).toBe(true);
  });

  it('models an inline async callback, with a promise chain awaited through .then', () => {
    expect(inline).toMatchObject({ exits: [], bodyStartLine: inline.headerLine, functionName: undefined });
    expect(callOn(inline, lineOf(source, "fetch('http://localhost:9000/stats')"))).toMatchObject({ awaited: true, assignedTo: 'stats', kinds: ['http'] });
    expect(inline.calls.map((c) => c.callee)).toEqual(['fetch', 'console.log', 'setInterval']);
    expect(inline.calls[2]).toMatchObject({ sleepSeconds: 60, resultUsed: false });
  });
});

describe('extractJavaScriptFacts: self-rescheduling setTimeout', () => {
  const { facts, source } = load('timeout-recursion.js', 'javascript');

  it('treats a function that re-arms setTimeout with itself as an infinite loop', () => {
    const tick = loopAt(facts, lineOf(source, 'async function tick'), 'timeout-recursion');
    expect(tick).toMatchObject({ infinite: true, functionName: 'tick', inAsyncFunction: true });
    const reschedule = callOn(tick, lineOf(source, 'setTimeout(tick, 2000)'));
    expect(reschedule).toMatchObject({ kinds: ['sleep'], sleepSeconds: 2, guarded: false });
    const guardLine = lineOf(source, 'if (stopped) return;');
    expect(tick.exits).toEqual([
      { kind: 'return', line: guardLine },
      { kind: 'stop-flag', line: guardLine, name: 'stopped' },
    ]);
    expect(callOn(tick, lineOf(source, "db.query('SELECT"))).toMatchObject({ kinds: ['db-read'], guarded: true, inTry: true });
  });

  it('follows the re-arm through a .finally callback', () => {
    const cleanup = loopAt(facts, lineOf(source, 'function scheduleCleanup'), 'timeout-recursion');
    expect(cleanup.exits).toEqual([]);
    expect(callOn(cleanup, lineOf(source, 'cleanup().finally'), 'setTimeout').sleepSeconds).toBe(600);
    expect(callOn(cleanup, lineOf(source, 'cleanup().finally'), 'cleanup')).toMatchObject({ awaited: false, resultUsed: false, guarded: false });
  });

  it('does not treat a one-shot setTimeout as a loop', () => {
    const once = lineOf(source, "console.log('once')");
    expect(facts.loops.some((l) => l.startLine <= once && once <= l.endLine)).toBe(false);
    expect(facts.loops.map((l) => l.kind)).toEqual(['timeout-recursion', 'for-each', 'timeout-recursion']);
  });
});

describe('extractJavaScriptFacts: for await over a stream', () => {
  const { facts, source } = load('stream.ts', 'typescript');
  const loop = loopAt(facts, lineOf(source, 'for await'));

  it('records kind, invariant work, string building and a continue that does not wait', () => {
    expect(loop).toMatchObject({ kind: 'for-await', loopVariables: ['line'], iterable: { kind: 'name', collection: 'rl' } });
    const regex = callOn(loop, lineOf(source, 'new RegExp'));
    expect(regex).toMatchObject({ kinds: ['regex-compile'], dependsOnIteration: false, assignedTo: 're' });
    expect(regex.args[0]!.string).toBe('^\\\\s*#');
    expect(callOn(loop, lineOf(source, 'repo.save'), 'repo.save')).toMatchObject({ kinds: ['db-write'], dependsOnIteration: true, confidence: 'high' });
    expect(loop.assignments.map((a) => `${a.target}${a.op}`)).toEqual(['re=', 'csv+=', 'countother']);
    expect(loop.continues).toEqual([{ line: lineOf(source, 'continue;'), afterSleepOrBlock: false }]);
  });
});

describe('extractJavaScriptFacts: callback iteration', () => {
  const { facts, source } = load('callbacks.js', 'javascript');

  it('treats forEach(async ...) as a loop whose awaits do not serialise anything', () => {
    const loop = loopAt(facts, lineOf(source, 'users.forEach(async'));
    expect(loop).toMatchObject({ kind: 'callback-iteration', loopVariables: ['user'], inAsyncFunction: true, hasAwait: true, functionName: 'syncUsers' });
    expect(loop.concurrent).toBeUndefined();
    expect(callOn(loop, lineOf(source, "api.post('/users'"))).toMatchObject({ kinds: ['http'], awaited: true, dependsOnIteration: true });
  });

  it('marks Promise.all(xs.map(async ...)) as concurrent and ignores a synchronous map', () => {
    const loop = loopAt(facts, lineOf(source, 'users.map(async'));
    expect(loop.concurrent).toBe(true);
    expect(callOn(loop, lineOf(source, 'User.findOne'))).toMatchObject({ kinds: ['db-read'], assignedTo: 'profile' });
    const syncMap = lineOf(source, 'users.map((u)');
    expect(facts.loops.some((l) => l.headerLine === syncMap)).toBe(false);
  });

  it('resolves forEach(namedFunction)', () => {
    const loop = loopAt(facts, lineOf(source, 'users.forEach(logUser)'));
    expect(loop.bodyStartLine).toBe(lineOf(source, 'function logUser'));
    expect(loop.calls.map((c) => c.callee)).toEqual(['console.log']);
  });
});

describe('extractJavaScriptFacts: class-based worker and a React interval (TSX)', () => {
  const { facts, source } = load('class-worker.tsx', 'tsx');

  it('reads the stop flag, a blocking pop with its timeout, and continues that wait', () => {
    const run = loopAt(facts, lineOf(source, 'while (!this.stopped)'));
    expect(run.exits).toEqual([{ kind: 'stop-flag', line: run.headerLine, name: 'this.stopped' }]);
    expect(callOn(run, lineOf(source, 'brpop'))).toMatchObject({ callee: 'this.redis.brpop', kinds: ['queue-pop'], timeoutSeconds: 5, assignedTo: 'item' });
    expect(run.continues.map((c) => c.afterSleepOrBlock)).toEqual([true, true]);
    expect(run.tries[0]).toMatchObject({ handlerContinues: true, handlerLogs: true, catchesBroadly: true });
    const push = callOn(run, lineOf(source, "this.redis.lpush('done'"));
    expect(push).toMatchObject({ awaited: false, resultUsed: false });
    expect(push.kinds).toEqual(['db-write', 'task-spawn']);
  });

  it('sees a busy wait on a non-blocking pop and a labelled break out of two loops', () => {
    const drain = loopAt(facts, lineOf(source, 'outer: while (true)'));
    const breakLine = lineOf(source, 'break outer;');
    expect(drain.infinite).toBe(true);
    expect(drain.continues).toEqual([{ line: lineOf(source, 'if (job === null) continue;'), afterSleepOrBlock: false }]);
    expect(drain.exits).toEqual([
      { kind: 'break', line: breakLine },
      { kind: 'stop-flag', line: breakLine, name: 'this.controller.signal.aborted' },
    ]);
    const steps = loopAt(facts, lineOf(source, "for (const step of ['a', 'b'])"));
    expect(steps.exits.map((e) => e.kind)).toEqual(['break', 'stop-flag']);
    expect(steps.iterable?.kind).toBe('literal');
  });

  it('models setInterval inside a component, cleared by the effect cleanup', () => {
    const clock = loopAt(facts, lineOf(source, 'const id = setInterval'));
    expect(clock).toMatchObject({ kind: 'interval', infinite: true, functionName: 'Clock' });
    expect(clock.exits).toEqual([{ kind: 'stop-flag', line: lineOf(source, 'clearInterval(id)'), name: 'clearInterval(id)' }]);
  });
});

describe('extractJavaScriptFacts: code that does not parse', () => {
  it('analyses as far as it parses and never throws', () => {
    const { facts, source } = load('broken.ts', 'typescript');
    expect(facts.hasErrors).toBe(true);
    const loop = loopAt(facts, lineOf(source, 'while (true)'));
    expect(loop).toMatchObject({ infinite: true, functionName: 'worker' });
    expect(callOn(loop, lineOf(source, 'await sleep(1000)')).sleepSeconds).toBe(1);
  });

  it('survives garbage, empty input and pathological nesting', () => {
    const inputs = ['', '}}}{{{(((', 'while (', 'for (const x of', `${'while (x) { '.repeat(300)}f();${'}'.repeat(300)}`, `f(${'('.repeat(2000)}1${')'.repeat(2000)});`];
    for (const source of inputs) {
      const facts = extractJavaScriptFacts('x.js', source, parseSource('javascript', source), 'javascript', kb);
      expect(Array.isArray(facts.loops)).toBe(true);
    }
    const deep = `${'while (x) { '.repeat(300)}f();${'}'.repeat(300)}`;
    const facts = extractJavaScriptFacts('x.js', deep, parseSource('javascript', deep), 'javascript', kb);
    expect(facts.loops.length).toBeLessThan(300);
    expect(facts.notes?.[0]).toMatch(/nested deeper than/);
  });
});
