import { describe, expect, it } from '@jest/globals';
import type { CallFact, LoopFacts } from '../../src/analysis/facts.js';
import { extractPythonFacts } from '../../src/analysis/facts/python.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { parseSource } from '../../src/analysis/parse.js';

const kb = loadKnowledgeBase();
function factsOf(source: string) {
  return extractPythonFacts('worker.py', source, parseSource('python', source), kb);
}
function loopAt(source: string, line: number): LoopFacts {
  const loop = factsOf(source).loops.find((l) => l.startLine === line);
  if (!loop) throw new Error(`no loop at line ${line}`);
  return loop;
}
function call(loop: LoopFacts, callee: string, nth = 0): CallFact {
  const found = loop.calls.filter((c) => c.callee === callee)[nth];
  if (!found) throw new Error(`no call ${callee} in loop at ${loop.startLine}: ${loop.calls.map((c) => c.callee).join(', ')}`);
  return found;
}

const POLLER = `import time
import logging
import requests

POLL_SECONDS = 30
log = logging.getLogger(__name__)


def run_worker(conn):
    while True:
        cur = conn.cursor()
        cur.execute("SELECT id, payload FROM jobs WHERE status = 'pending'")
        rows = cur.fetchall()
        if not rows:
            time.sleep(POLL_SECONDS)
            continue
        for row in rows:
            try:
                resp = requests.post("https://api.example.com/jobs", json={"id": row[0]}, timeout=10)
                cur.execute("UPDATE jobs SET status = 'done' WHERE id = %s", (row[0],))
                conn.commit()
            except Exception:
                log.exception("job failed")
                continue
        time.sleep(60 * 5)
`;

describe('extractPythonFacts: a polling worker', () => {
  const facts = factsOf(POLLER);
  const outer = facts.loops[0]!;
  const inner = facts.loops[1]!;

  it('finds both loops with their spans, kinds, nesting and function', () => {
    expect(facts.loops.map((l) => [l.kind, l.startLine, l.endLine, l.depth])).toEqual([
      ['while', 10, 25, 0],
      ['for-each', 17, 24, 1],
    ]);
    expect(outer.infinite).toBe(true);
    expect(outer.condition).toBeUndefined();
    expect(outer.functionName).toBe('run_worker');
    expect(outer.children).toEqual([inner]);
    expect(inner.parent).toBe(outer);
    expect(inner.loopVariables).toEqual(['row']);
    expect(inner.iterable).toEqual({ text: 'rows', kind: 'query', collection: 'rows' });
    expect(outer.headerLine).toBe(10);
    expect([outer.bodyStartLine, outer.bodyEndLine]).toEqual([11, 25]);
    expect(outer.bodyLines).toBe(15);
    expect(outer.maxBodyNesting).toBe(2);
    expect(outer.exits).toEqual([]);
    expect(outer.fileHandlesSignals).toBe(false);
  });

  it('classifies the calls, SQL included, and reads literal and constant durations', () => {
    expect(outer.calls.map((c) => `${c.line}:${c.callee}:${c.kinds.join('+')}`)).toEqual([
      '11:conn.cursor:',
      '12:cur.execute:db-read',
      '13:cur.fetchall:db-read',
      '15:time.sleep:sleep',
      '19:requests.post:http',
      '20:cur.execute:db-write',
      '21:conn.commit:db-commit',
      '23:log.exception:log',
      '25:time.sleep:sleep',
    ]);
    expect(call(outer, 'cur.execute').sql).toBe("SELECT id, payload FROM jobs WHERE status = 'pending'");
    expect(call(outer, 'time.sleep', 0)).toMatchObject({ sleepSeconds: 30, conditional: true, args: [{ text: 'POLL_SECONDS' }] });
    expect(call(outer, 'time.sleep', 0).args[0]!.number).toBeUndefined();
    expect(call(outer, 'time.sleep', 1)).toMatchObject({ sleepSeconds: 300, conditional: false, args: [{ text: '60 * 5', number: 300 }] });
  });

  it('records assignment targets, use of results, try coverage and inner-loop position', () => {
    expect(call(outer, 'cur.fetchall')).toMatchObject({ assignedTo: 'rows', resultUsed: true, inTry: false, guarded: false, inInnerLoop: false });
    expect(call(outer, 'conn.commit')).toMatchObject({ resultUsed: false, inTry: true, guarded: true, inInnerLoop: true });
    expect(call(inner, 'conn.commit')).toMatchObject({ inInnerLoop: false, inTry: true, guarded: true });
    expect(call(inner, 'requests.post')).toMatchObject({
      receiver: 'requests',
      method: 'post',
      dependsOnIteration: true,
      args: [{ string: 'https://api.example.com/jobs' }, { name: 'json' }, { name: 'timeout', number: 10 }],
    });
    expect(call(inner, 'log.exception')).toMatchObject({ inTry: false, conditional: true });
  });

  it('describes try statements and continues', () => {
    expect(inner.tries.map(({ node: _node, ...t }) => t)).toEqual([
      {
        startLine: 18,
        endLine: 24,
        catchesBroadly: true,
        handlerSleeps: false,
        handlerContinues: true,
        handlerReraises: false,
        handlerBreaksOrReturns: false,
        handlerLogs: true,
        insideLoop: true,
      },
    ]);
    expect(outer.continues).toEqual([{ line: 16, afterSleepOrBlock: true }]);
    expect(inner.continues).toEqual([{ line: 24, afterSleepOrBlock: false }]);
  });

  it('keeps the loop text and a normalised text without comments', () => {
    expect(outer.text.startsWith('while True:\n        cur = conn.cursor()')).toBe(true);
    const commented = factsOf('while True:  # forever\n    x()   # step\n').loops[0]!;
    expect(commented.normalizedText).toBe('while True: x()');
  });
});

describe('extractPythonFacts: exits and stop conditions', () => {
  it('reads stop flags in the condition and in `if ...: break`', () => {
    expect(loopAt('while not stop_event.is_set():\n    step()\n', 1).exits).toEqual([{ kind: 'stop-flag', line: 1, name: 'stop_event.is_set()' }]);
    expect(loopAt('while self.running:\n    step()\n', 1).exits).toEqual([{ kind: 'stop-flag', line: 1, name: 'self.running' }]);
    const flagged = loopAt('while True:\n    if self._stopping:\n        break\n    step()\n', 1);
    expect(flagged.exits).toEqual([
      { kind: 'stop-flag', line: 2, name: 'self._stopping' },
      { kind: 'break', line: 3 },
    ]);
    expect(loopAt('while retries < 3:\n    retries += 1\n', 1).exits).toEqual([{ kind: 'condition', line: 1 }]);
  });

  it('counts breaks of this loop only, returns and raises outside try bodies, and sys.exit', () => {
    const source = [
      'def f(xs):',
      '    while 1:',
      '        for x in xs:',
      '            if x:',
      '                break',
      '        try:',
      '            raise ValueError()',
      '        except ValueError:',
      '            raise',
      '        if done():',
      '            return 1',
      '        sys.exit(1)',
    ].join('\n');
    const loop = loopAt(source, 2);
    expect(loop.infinite).toBe(true);
    expect(loop.exits).toEqual([
      { kind: 'raise', line: 9 },
      { kind: 'stop-flag', line: 10, name: 'done()' },
      { kind: 'return', line: 11 },
      { kind: 'raise', line: 12 },
    ]);
    expect(loopAt(source, 3).exits).toEqual([{ kind: 'break', line: 5 }]);
  });

  it('notices signal handlers registered anywhere in the file', () => {
    const loop = loopAt('import signal\nsignal.signal(signal.SIGTERM, handler)\nwhile True:\n    step()\n', 3);
    expect(loop.fileHandlesSignals).toBe(true);
    expect(loop.exits).toEqual([{ kind: 'signal', line: 2 }]);
  });
});

describe('extractPythonFacts: queue consumers', () => {
  it('reads blocking-pop timeouts and non-blocking pops', () => {
    const source = [
      'while True:',
      '    a = r.blpop("jobs", timeout=5)',
      '    b = r.brpop(["jobs"], 7)',
      '    c = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20, MaxNumberOfMessages=10)',
      '    d = work_queue.get(timeout=1)',
      '    e = r.lpop("jobs")',
      '    f = consumer.poll(timeout_ms=500)',
      '    g = r.blpop("jobs")',
      '    h = sqs.receive_message(QueueUrl=url)',
    ].join('\n');
    const loop = loopAt(source, 1);
    expect(loop.calls.map((c) => [c.method, c.kinds.join('+'), c.timeoutSeconds])).toEqual([
      ['blpop', 'queue-pop', 5],
      ['brpop', 'queue-pop', 7],
      ['receive_message', 'queue-pop', 20],
      ['get', 'queue-pop', 1],
      ['lpop', 'queue-pop', 0],
      ['poll', 'queue-pop', 0.5],
      ['blpop', 'queue-pop', undefined],
      ['receive_message', 'queue-pop', 0],
    ]);
  });

  it('tells a busy `continue` from one after a blocking pop', () => {
    const busy = loopAt('while True:\n    item = r.lpop("q")\n    if not item:\n        continue\n    handle(item)\n', 1);
    expect(busy.continues).toEqual([{ line: 4, afterSleepOrBlock: false }]);
    const blocking = loopAt('while True:\n    try:\n        item = q.get(timeout=1)\n    except queue.Empty:\n        continue\n    handle(item)\n', 1);
    expect(blocking.continues).toEqual([{ line: 5, afterSleepOrBlock: true }]);
    const sleepsInBranch = loopAt('while True:\n    if not ready():\n        time.sleep(1)\n        continue\n    elif other():\n        continue\n', 1);
    expect(sleepsInBranch.continues).toEqual([
      { line: 4, afterSleepOrBlock: true },
      { line: 6, afterSleepOrBlock: false },
    ]);
  });
});

describe('extractPythonFacts: async code', () => {
  const source = [
    'async def main(queue, sub):',
    '    async for msg in sub:',
    '        await handle(msg)',
    '    while True:',
    '        job = await queue.get()',
    '        asyncio.create_task(process(job))',
    '        results = await asyncio.gather(*[fetch_user(u) for u in job.users])',
  ].join('\n');
  it('models async for, awaits and fire-and-forget tasks', () => {
    const asyncFor = loopAt(source, 2);
    expect(asyncFor).toMatchObject({ kind: 'async-for', inAsyncFunction: true, hasAwait: true, functionName: 'main' });
    expect(call(asyncFor, 'handle')).toMatchObject({ awaited: true, resultUsed: false });
    const loop = loopAt(source, 4);
    expect(call(loop, 'queue.get')).toMatchObject({ awaited: true, assignedTo: 'job', kinds: ['queue-pop'] });
    expect(call(loop, 'asyncio.create_task')).toMatchObject({ kinds: ['task-spawn'], resultUsed: false, awaited: false });
    expect(call(loop, 'asyncio.gather')).toMatchObject({ kinds: ['gather'], awaited: true, assignedTo: 'results' });
    expect(call(loop, 'fetch_user')).toMatchObject({ inInnerLoop: true, confidence: 'low', kinds: ['http'] });
  });
});

describe('extractPythonFacts: what belongs to the loop', () => {
  it('leaves out nested function and lambda bodies and the for iterable', () => {
    const source = [
      'for order in Order.objects.filter(status="new"):',
      '    def notify():',
      '        requests.post(URL)',
      '    key = lambda o: fetch_price(o)',
      '    customer = Customer.objects.get(id=order.customer_id)',
    ].join('\n');
    const loop = loopAt(source, 1);
    expect(loop.iterable).toEqual({ text: 'Order.objects.filter(status="new")', kind: 'query' });
    expect(loop.calls.map((c) => c.callee)).toEqual(['Customer.objects.get']);
    expect(call(loop, 'Customer.objects.get')).toMatchObject({ kinds: ['db-read'], dependsOnIteration: true, assignedTo: 'customer' });
  });

  it('tracks values that change per iteration through assignments', () => {
    const source = [
      'for row in rows:',
      '    pattern = re.compile("^a+$")',
      '    url = BASE + "/items"',
      '    key = row.id',
      '    value = r.get(key)',
      '    page = requests.get(url)',
      '    conf = json.load(open("c.json"))',
    ].join('\n');
    const loop = loopAt(source, 1);
    expect(loop.calls.map((c) => [c.callee, c.dependsOnIteration])).toEqual([
      ['re.compile', false],
      ['r.get', true],
      ['requests.get', false],
      ['json.load', false],
      ['open', false],
    ]);
  });

  it('records assignments with concatenation', () => {
    const loop = loopAt('for x in xs:\n    s += x\n    t = t + x\n    u = x\n    n -= 1\n', 1);
    expect(loop.assignments.map((a) => [a.target, a.op, a.valueText])).toEqual([
      ['s', '+=', 'x'],
      ['t', '+=', 't + x'],
      ['u', '=', 'x'],
      ['n', 'other', '1'],
    ]);
  });

  it('knows which resources are managed', () => {
    const source = [
      'for path in paths:',
      '    with open(path) as fh:',
      '        fh.read()',
      '    f = open(path)',
      '    try:',
      '        f.read()',
      '    finally:',
      '        f.close()',
      '    g = open(path)',
      '    conn = psycopg2.connect(DSN)',
      '    conn.close()',
    ].join('\n');
    const loop = loopAt(source, 1);
    expect(loop.calls.filter((c) => c.kinds.includes('file-open') || c.kinds.includes('connect')).map((c) => [c.line, c.managed])).toEqual([
      [2, true],
      [4, true],
      [9, false],
      [10, true],
    ]);
    expect(call(loop, 'fh.read').managed).toBe(true);
  });

  it('classifies the iterable', () => {
    expect(loopAt('for i in range(len(items)):\n    use(items[i])\n', 1)).toMatchObject({ kind: 'for', iterable: { kind: 'range-len', collection: 'items' } });
    expect(loopAt('for i in range(10):\n    use(i)\n', 1)).toMatchObject({ kind: 'for', iterable: { kind: 'range' } });
    expect(loopAt('for i, x in enumerate(items):\n    use(x)\n', 1)).toMatchObject({ loopVariables: ['i', 'x'], iterable: { kind: 'name', collection: 'items' } });
    expect(loopAt('for x in [1, 2]:\n    use(x)\n', 1).iterable?.kind).toBe('literal');
    expect(loopAt('while (chunk := f.read(4096)):\n    use(chunk)\n', 1).loopVariables).toEqual(['chunk']);
  });

  it('reads SQL held in a name assigned in the loop or at module level', () => {
    const source = 'INSERT_SQL = "INSERT INTO t (a) VALUES (%s)"\nfor r in rows:\n    q = f"UPDATE t SET a = {r.a} WHERE id = 1"\n    cur.execute(q)\n    cur.execute(INSERT_SQL, (r,))\n';
    const loop = loopAt(source, 2);
    expect(loop.calls.map((c) => [c.sql, c.kinds])).toEqual([
      ['UPDATE t SET a = {r.a} WHERE id = 1', ['db-write']],
      ['INSERT INTO t (a) VALUES (%s)', ['db-write']],
    ]);
  });
});

describe('extractPythonFacts: robustness', () => {
  it('analyses code before a syntax error and flags the file', () => {
    const facts = factsOf('for x in xs:\n    send_email(x)\n\ndef broken(:\n    pass\n');
    expect(facts.hasErrors).toBe(true);
    expect(facts.loops[0]!.calls.map((c) => c.callee)).toEqual(['send_email']);
  });

  it('caps very deep loop nesting with a note instead of overflowing the stack', () => {
    let source = 'def f():\n';
    for (let i = 0; i < 120; i++) source += `${'    '.repeat(i + 1)}for x${i} in y:\n`;
    source += `${'    '.repeat(121)}pass\n`;
    const facts = factsOf(source);
    expect(facts.loops.length).toBe(48);
    expect(facts.notes).toEqual(['72 loop(s) nested deeper than 48 levels were not analysed']);
  });

  it('collects suppressions', () => {
    expect([...factsOf('while True:  # coze-loop: ignore[busy-wait]\n    pass\n').suppressions]).toEqual([[1, ['busy-wait']]]);
  });
});

describe('chained calls', () => {
  // `requests.get(u).json()`: the inner call starts where the outer one does; each keeps its own callee and kinds
  // (the per-call cache is keyed by node, not by start offset, so the first one classified does not stand for both).
  const CHAINED = `import requests


def fetch_all(urls):
    out = []
    for u in urls:
        out.append(requests.get(u, timeout=5).json())
    return out
`;
  it('keep their own callee and kinds when they share a start offset', () => {
    const loop = loopAt(CHAINED, 6);
    expect(call(loop, 'requests.get').kinds).toContain('http');
    expect(call(loop, 'requests.get(u,timeout=5).json').kinds).not.toContain('http');
  });
});
