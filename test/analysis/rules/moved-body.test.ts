// Worker sketches move the loop's body into a step function (`process_jobs_once`, `pollOnce(ctx)`). A `continue` of
// the loop left in a function is a syntax error in every language, and a `break` one: the loop's own jumps become
// returns (a break returns a stop value the runner tests); jumps of inner loops and switches stay.
import { describe, expect, it } from '@jest/globals';
import { analyzeSource } from '../../../src/analysis/engine.js';
import type { FileFacts, LoopFacts } from '../../../src/analysis/facts.js';
import { extractGoFacts } from '../../../src/analysis/facts/go.js';
import { extractJavaFacts } from '../../../src/analysis/facts/java.js';
import { extractJavaScriptFacts } from '../../../src/analysis/facts/javascript.js';
import { extractPythonFacts } from '../../../src/analysis/facts/python.js';
import { loadKnowledgeBase } from '../../../src/analysis/knowledge-base.js';
import { parseSource } from '../../../src/analysis/parse.js';
import { movedBody, workerStepBody } from '../../../src/analysis/rules/lib/moved-body.js';
import { configSchema } from '../../../src/config/schema.js';
import { guardedWorkerTemplate } from '../../../src/fixes/templates.js';

const kb = loadKnowledgeBase();
const outer = (facts: FileFacts): LoopFacts => facts.loops.find((l) => l.depth === 0)!;

const PYTHON = `def run(r):
    while True:
        item = r.lpop("jobs")
        if item is None:
            continue
        if item == b"quit":
            break
        for line in item.split(b"\\n"):
            if line.startswith(b"#"):
                continue
            if not line:
                break
            r.rpush("done", line)
`;

const JS = `async function run(r) {
  outer: while (true) {
    const item = await r.lpop('jobs');
    if (item === null) continue;
    switch (item[0]) {
      case '#':
        break;
      case '!':
        break outer;
      default:
        await r.rpush('done', item);
    }
    const handler = () => { for (;;) { break; } };
    handler();
  }
}
`;

describe('movedBody', () => {
  it('rewrites the loop\'s own continue and break in Python, not the inner loop\'s', () => {
    const source = PYTHON;
    const loop = outer(extractPythonFacts('w.py', source, parseSource('python', source), kb));
    const step = workerStepBody(loop, source);
    expect(step.stops).toBe(true);
    // The body keeps its indentation (the template re-indents it).
    expect(step.text).toContain('        if item is None:\n            return False\n');
    expect(step.text).toContain('        if item == b"quit":\n            return True\n');
    expect(step.text).toContain('            if line.startswith(b"#"):\n                continue\n');
    expect(step.text).toContain('            if not line:\n                break\n');
    expect(step.text!.endsWith('\n        return False')).toBe(true);
  });

  it('rewrites a labelled break of the loop in JavaScript, not a switch\'s break or a nested function\'s', () => {
    const source = JS;
    const loop = outer(extractJavaScriptFacts('w.js', source, parseSource('javascript', source), 'javascript', kb));
    const step = workerStepBody(loop, source);
    expect(step.stops).toBe(true);
    expect(step.text).toContain("if (item === null) return false;");
    expect(step.text).toMatch(/case '#':\n\s+break;/);
    expect(step.text).toMatch(/case '!':\n\s+return true;/);
    expect(step.text).toContain('for (;;) { break; }');
  });

  it('turns continue into the step\'s return in Go and Java', () => {
    const go = 'package w\n\nfunc run(q chan int) {\n\tfor {\n\t\tv := <-q\n\t\tif v == 0 {\n\t\t\tcontinue\n\t\t}\n\t\tfor i := 0; i < v; i++ {\n\t\t\tif i%2 == 0 {\n\t\t\t\tcontinue\n\t\t\t}\n\t\t}\n\t}\n}\n';
    const goLoop = outer(extractGoFacts('w.go', go, parseSource('go', go), kb));
    expect(movedBody(goLoop, go, { continueAs: 'return nil' }).text).toBe('\t\tv := <-q\n\t\tif v == 0 {\n\t\t\treturn nil\n\t\t}\n\t\tfor i := 0; i < v; i++ {\n\t\t\tif i%2 == 0 {\n\t\t\t\tcontinue\n\t\t\t}\n\t\t}');
    const java = 'class W {\n  void run(java.util.concurrent.BlockingQueue<String> q) throws Exception {\n    while (true) {\n      String s = q.take();\n      if (s.isEmpty()) continue;\n      System.out.println(s);\n    }\n  }\n}\n';
    const javaLoop = outer(extractJavaFacts('W.java', java, parseSource('java', java), kb));
    expect(movedBody(javaLoop, java, { continueAs: 'return;' }).text).toContain('if (s.isEmpty()) return;');
  });
});

describe('worker sketches with a moved body', () => {
  it('runs a step that can stop the loop: `if step(): break`', () => {
    expect(guardedWorkerTemplate('python', { name: 'jobs', body: 'return True', stops: true })).toContain('def jobs_once() -> bool:');
    expect(guardedWorkerTemplate('python', { name: 'jobs', body: 'return True', stops: true })).toMatch(/try:\n\s+if jobs_once\(\):\n\s+break\n\s+failures = 0/);
    expect(guardedWorkerTemplate('typescript', { name: 'jobs', body: 'return true;', stops: true })).toContain('if (await jobsOnce()) break;');
    expect(guardedWorkerTemplate('typescript', { name: 'jobs', body: 'return true;', stops: true })).toContain('async function jobsOnce(): Promise<boolean> {');
  });

  it('puts no continue of the loop into the unguarded worker\'s step function', () => {
    const source = `import time
import psycopg2


def run(dsn):
    conn = psycopg2.connect(dsn)
    while True:
        cur = conn.cursor()
        cur.execute("SELECT id, body FROM jobs WHERE state = 'new' LIMIT 1")
        row = cur.fetchone()
        if row is None:
            time.sleep(1)
            continue
        cur.execute("UPDATE jobs SET state = 'done' WHERE id = %s", (row[0],))
        conn.commit()
`;
    const config = configSchema().parse({ severity_threshold: 'info' });
    const fix = analyzeSource({ path: 'app/jobs.py', content: source }, config, { onlyRules: ['unguarded-worker-loop'] }).findings[0]?.fix;
    expect(fix?.kind).toBe('block');
    const step = fix!.code.slice(fix!.code.indexOf('_once('), fix!.code.indexOf('def run_'));
    expect(step).toContain('    if row is None:\n        time.sleep(1)\n        return\n');
    expect(step).not.toMatch(/\bcontinue\b/);
  });
});
