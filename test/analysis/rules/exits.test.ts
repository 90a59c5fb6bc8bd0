// The helper library's one answer to "is the loop left once this statement succeeded" (rules/lib/exits.ts), per
// grammar: what connection-in-loop, retry-without-backoff and its Go/Java half ask of a call.
import { describe, expect, it } from '@jest/globals';
import type { FileFacts, LoopFacts } from '../../../src/analysis/facts.js';
import { extractGoFacts } from '../../../src/analysis/facts/go.js';
import { extractJavaFacts } from '../../../src/analysis/facts/java.js';
import { extractJavaScriptFacts } from '../../../src/analysis/facts/javascript.js';
import { extractPythonFacts } from '../../../src/analysis/facts/python.js';
import { loadKnowledgeBase } from '../../../src/analysis/knowledge-base.js';
import { parseSource } from '../../../src/analysis/parse.js';
import { leavesOnSuccess, successExits } from '../../../src/analysis/rules/lib/exits.js';

const kb = loadKnowledgeBase();

function factsOf(language: 'python' | 'javascript' | 'go' | 'java', source: string): FileFacts {
  const tree = parseSource(language, source);
  if (language === 'python') return extractPythonFacts('a.py', source, tree, kb);
  if (language === 'go') return extractGoFacts('a.go', source, tree, kb);
  if (language === 'java') return extractJavaFacts('A.java', source, tree, kb);
  return extractJavaScriptFacts('a.js', source, tree, 'javascript', kb);
}

/** The outermost loop and its call whose text starts with `callText`; the exits found after it, as `via:always`. */
function exitsAfter(language: 'python' | 'javascript' | 'go' | 'java', source: string, callText: string): { exits: string[]; always: boolean; any: boolean } {
  const facts = factsOf(language, source);
  const loop: LoopFacts = facts.loops.reduce((a, b) => (b.node.startIndex < a.node.startIndex ? b : a));
  const call = loop.calls.find((c) => c.text.startsWith(callText));
  if (!call) throw new Error(`no call ${callText} in ${loop.calls.map((c) => c.text).join(', ')}`);
  return {
    exits: successExits(call.node, loop).map((e) => `${e.via}:${e.always}`),
    always: leavesOnSuccess(call.node, loop),
    any: leavesOnSuccess(call.node, loop, { always: false }),
  };
}

describe('successExits / leavesOnSuccess', () => {
  it('Python: a break after the call in the try, or in the try\'s else, leaves on every success', () => {
    const inTry = 'def f(addr):\n    while True:\n        try:\n            s = connect(addr)\n            s.settimeout(1)\n            break\n        except OSError:\n            continue\n    return s\n';
    expect(exitsAfter('python', inTry, 'connect(')).toEqual({ exits: ['follows:true'], always: true, any: true });
    const inElse = 'def f(dsn):\n    for _ in range(5):\n        try:\n            c = connect(dsn)\n        except Error:\n            time.sleep(1)\n            continue\n        else:\n            c.close()\n            break\n';
    expect(exitsAfter('python', inElse, 'connect(')).toEqual({ exits: ['else:true'], always: true, any: true });
    const returned = 'def f(fn):\n    while True:\n        try:\n            return fn()\n        except ConnectionError:\n            pass\n';
    expect(exitsAfter('python', returned, 'fn(')).toEqual({ exits: ['follows:true'], always: true, any: true });
    // a `with` around it, the break after the `with`
    const afterWith = 'def f(addr):\n    while True:\n        with lock:\n            s = connect(addr)\n        return s\n';
    expect(exitsAfter('python', afterWith, 'connect(')).toMatchObject({ always: true });
  });

  it('Python: a break under a condition, in a handler, or of a nested loop is not a leave on every success', () => {
    const conditional = 'def f(rows):\n    for row in rows:\n        c = connect(DSN)\n        c.execute(row)\n        if row.last:\n            break\n';
    expect(exitsAfter('python', conditional, 'connect(')).toEqual({ exits: ['follows:false'], always: false, any: true });
    const inHandler = 'def f(rows):\n    for row in rows:\n        c = connect(DSN)\n        try:\n            c.execute(row)\n        except Error:\n            break\n';
    expect(exitsAfter('python', inHandler, 'connect(')).toEqual({ exits: [], always: false, any: false });
    const nested = 'def f(rows):\n    for row in rows:\n        c = connect(DSN)\n        for x in row:\n            break\n';
    expect(exitsAfter('python', nested, 'connect(')).toEqual({ exits: [], always: false, any: false });
    // in a nested loop: its `break` ends that loop, a `return` leaves this one too
    const innerBreak = 'def f(rows):\n    for row in rows:\n        for x in row:\n            c = connect(x)\n            break\n';
    expect(exitsAfter('python', innerBreak, 'connect(')).toEqual({ exits: [], always: false, any: false });
    const innerReturn = 'def f(rows):\n    for row in rows:\n        for x in row:\n            c = connect(x)\n            return c\n';
    expect(exitsAfter('python', innerReturn, 'connect(')).toEqual({ exits: ['follows:true'], always: true, any: true });
    // a `raise` after it leaves only when asked (`raises`: the iteration never goes on, mutate-while-iterating)
    const raised = 'def f(items):\n    for it in items:\n        items.remove(it)\n        raise Done()\n';
    expect(exitsAfter('python', raised, 'items.remove')).toMatchObject({ always: false });
    const facts = factsOf('python', raised);
    const loop = facts.loops[0]!;
    expect(leavesOnSuccess(loop.calls.find((c) => c.text.startsWith('items.remove'))!.node, loop, { raises: true })).toBe(true);
    // a `continue` before the break: the break is for another path
    const continued = 'def f(rows):\n    for row in rows:\n        c = connect(DSN)\n        c.execute(row)\n        continue\n        break\n';
    expect(exitsAfter('python', continued, 'connect(')).toMatchObject({ always: false });
  });

  it('JavaScript: `return client` after the connect leaves; a `break` that ends a switch case does not', () => {
    const returns = 'async function f(client) {\n  for (;;) {\n    try {\n      await client.connect();\n      return client;\n    } catch (e) {\n      await pause(100);\n    }\n  }\n}\n';
    expect(exitsAfter('javascript', returns, 'client.connect')).toEqual({ exits: ['follows:true'], always: true, any: true });
    const inSwitch = 'async function f(jobs) {\n  for (const job of jobs) {\n    switch (job.kind) {\n      case "a":\n        send(job);\n        break;\n    }\n  }\n}\n';
    expect(exitsAfter('javascript', inSwitch, 'send(')).toEqual({ exits: [], always: false, any: false });
    const labelled = 'async function f(jobs) {\n  outer: for (const job of jobs) {\n    switch (job.kind) {\n      case "a":\n        send(job);\n        break outer;\n    }\n  }\n}\n';
    expect(exitsAfter('javascript', labelled, 'send(')).toMatchObject({ always: true });
    const callback = 'function f(jobs) {\n  for (const job of jobs) {\n    send(job);\n    jobs.forEach(() => { return; });\n  }\n}\n';
    expect(exitsAfter('javascript', callback, 'send(')).toEqual({ exits: [], always: false, any: false });
  });

  it('Java: a break after the call in the try leaves on every success', () => {
    const source = 'class A {\n  void f() {\n    while (true) {\n      try {\n        conn = DriverManager.getConnection(URL);\n        break;\n      } catch (SQLException e) {\n        Thread.sleep(10);\n      }\n    }\n  }\n}\n';
    expect(exitsAfter('java', source, 'DriverManager.getConnection')).toEqual({ exits: ['follows:true'], always: true, any: true });
  });

  it('Go: the `err == nil` branch that ends in a return leaves on success; `err != nil` returns and select breaks do not', () => {
    const errNil = 'package a\nfunc f() bool {\n\tfor {\n\t\tconn, err := net.Dial("tcp", addr)\n\t\tif err == nil {\n\t\t\tconn.Close()\n\t\t\treturn true\n\t\t}\n\t\ttime.Sleep(time.Second)\n\t}\n}\n';
    expect(exitsAfter('go', errNil, 'net.Dial')).toMatchObject({ always: true, any: true });
    expect(exitsAfter('go', errNil, 'net.Dial').exits).toContain('err-nil:true');
    const initializer = 'package a\nfunc f() bool {\n\tfor {\n\t\tif conn, err := net.Dial("tcp", addr); err == nil {\n\t\t\tconn.Close()\n\t\t\treturn true\n\t\t}\n\t}\n}\n';
    expect(exitsAfter('go', initializer, 'net.Dial')).toEqual({ exits: ['err-nil:true'], always: true, any: true });
    // a further condition: only some successes leave
    const andStatus = 'package a\nfunc f() {\n\tfor {\n\t\tresp, err := http.Get(url)\n\t\tif err == nil && resp.StatusCode == 200 {\n\t\t\treturn\n\t\t}\n\t}\n}\n';
    expect(exitsAfter('go', andStatus, 'http.Get')).toMatchObject({ always: false, any: true });
    const errReturn = 'package a\nfunc f(items []string) error {\n\tfor _, it := range items {\n\t\tresp, err := http.Get(it)\n\t\tif err != nil {\n\t\t\treturn err\n\t\t}\n\t\tresp.Body.Close()\n\t}\n\treturn nil\n}\n';
    expect(exitsAfter('go', errReturn, 'http.Get')).toEqual({ exits: [], always: false, any: false });
    const selectBreak = 'package a\nfunc f(ch chan []byte) {\n\tfor {\n\t\tselect {\n\t\tcase m := <-ch:\n\t\t\tconn, err := net.Dial("tcp", addr)\n\t\t\tif err == nil {\n\t\t\t\tconn.Write(m)\n\t\t\t\tbreak\n\t\t\t}\n\t\t}\n\t}\n}\n';
    expect(exitsAfter('go', selectBreak, 'net.Dial')).toEqual({ exits: [], always: false, any: false });
  });
});
