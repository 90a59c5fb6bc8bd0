// The Go and Java extractors (facts/go.ts, facts/java.ts over facts/brace.ts): loop kinds, durations, exits,
// tries, guards, iteration dependence and the engine's screening of the two languages.
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeSource } from '../../src/analysis/engine.js';
import type { CallFact, FileFacts, LoopFacts } from '../../src/analysis/facts.js';
import { extractGoFacts } from '../../src/analysis/facts/go.js';
import { extractJavaFacts } from '../../src/analysis/facts/java.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { languageForPath, parseSource } from '../../src/analysis/parse.js';
import { configSchema } from '../../src/config/schema.js';

const kb = loadKnowledgeBase();
const goFacts = (source: string): FileFacts => extractGoFacts('worker.go', source, parseSource('go', source), kb);
const javaFacts = (source: string): FileFacts => extractJavaFacts('Worker.java', source, parseSource('java', source), kb);

function loopAt(facts: FileFacts, line: number): LoopFacts {
  const loop = facts.loops.find((l) => l.startLine === line);
  if (!loop) throw new Error(`no loop at line ${line}: ${facts.loops.map((l) => l.startLine).join(', ')}`);
  return loop;
}
function call(loop: LoopFacts, callee: string): CallFact {
  const found = loop.calls.find((c) => c.callee === callee);
  if (!found) throw new Error(`no call ${callee} in loop at ${loop.startLine}: ${loop.calls.map((c) => c.callee).join(', ')}`);
  return found;
}

const GO = `package worker

const pollInterval = 30 * time.Second

func run(ctx context.Context, db *sql.DB, ids []int64) error {
	for {
		rows, err := db.QueryContext(ctx, "SELECT id FROM jobs")
		if err != nil {
			continue
		}
		rows.Close()
		time.Sleep(pollInterval)
	}
	for _, id := range ids {
		row := db.QueryRow("SELECT name FROM users WHERE id = $1", id)
		if _, err := db.Exec("UPDATE users SET seen = true WHERE id = $1", id); err != nil {
			return err
		}
		defer row.Err()
		go notify(id)
	}
	ticker := time.NewTicker(5 * time.Minute)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			db.Query("SELECT 1")
			break
		}
	}
	for i := 0; i < 3; i++ {
		time.Sleep(time.Duration(2) * time.Millisecond)
		if i == 2 {
			panic("x")
		}
	}
	for range time.Tick(250 * time.Millisecond) {
	}
}
`;

describe('Go facts', () => {
  const facts = goFacts(GO);

  it('models for {} as an infinite while loop and folds durations through constants', () => {
    const loop = loopAt(facts, 6);
    expect(loop.kind).toBe('while');
    expect(loop.infinite).toBe(true);
    expect(call(loop, 'time.Sleep').sleepSeconds).toBe(30);
    const query = call(loop, 'db.QueryContext');
    expect(query.kinds).toContain('db-read');
    expect(query.sql).toBe('SELECT id FROM jobs');
    expect(query.assignedTo).toBe('rows');
    // `if err != nil { continue }` handles the error without leaving the loop; rows.Close() later closes it.
    expect(query.guarded).toBe(true);
    expect(query.managed).toBe(true);
    expect(loop.continues).toEqual([{ line: 9, afterSleepOrBlock: false }]);
  });

  it('models range loops with loop variables, iteration dependence and returns', () => {
    const loop = loopAt(facts, 14);
    expect(loop.kind).toBe('for-each');
    expect(loop.loopVariables).toEqual(['id']);
    expect(loop.iterable).toMatchObject({ text: 'ids', kind: 'name' });
    expect(call(loop, 'db.QueryRow').dependsOnIteration).toBe(true);
    const exec = call(loop, 'db.Exec');
    expect(exec.kinds).toContain('db-write');
    // The error leaves the loop: not handled in place.
    expect(exec.guarded).toBe(false);
    expect(loop.exits.map((e) => e.kind)).toContain('return');
    // Deferred and spawned calls are not this iteration's work.
    expect(loop.calls.map((c) => c.callee)).not.toContain('row.Err');
    expect(loop.calls.map((c) => c.callee)).not.toContain('notify');
  });

  it('treats a select on a ticker as a ticker loop with ctx.Done() as a stop flag; break in select stays inside', () => {
    const loop = loopAt(facts, 23);
    expect(loop.infinite).toBe(true);
    const tick = call(loop, 'ticker.C');
    expect(tick.kinds).toEqual(['sleep']);
    expect(tick.sleepSeconds).toBe(300);
    expect(loop.exits.some((e) => e.kind === 'stop-flag' && e.name === '<-ctx.Done()')).toBe(true);
    expect(loop.exits.some((e) => e.kind === 'break')).toBe(false);
    expect(call(loop, 'db.Query').conditional).toBe(true);
  });

  it('folds time.Duration conversions and sees panic as a raise', () => {
    const loop = loopAt(facts, 32);
    expect(loop.kind).toBe('for');
    expect(loop.loopVariables).toEqual(['i']);
    expect(call(loop, 'time.Sleep').sleepSeconds).toBeCloseTo(0.002);
    expect(loop.exits.map((e) => e.kind)).toContain('raise');
  });

  it('treats for range time.Tick(d) as an infinite loop waiting d each round', () => {
    const loop = loopAt(facts, 38);
    expect(loop.infinite).toBe(true);
    expect(call(loop, 'time.Tick').sleepSeconds).toBe(0.25);
  });
});

const JAVA = `package w;

class Worker {
    private static final long IDLE_MS = 2_000L;

    @Scheduled(fixedDelay = 30, timeUnit = TimeUnit.SECONDS)
    void sweep() {
        for (Order o : orderRepository.findByStatus("NEW")) {
            orderRepository.save(o);
        }
    }

    void run() throws Exception {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Job job = queue.poll(5, TimeUnit.SECONDS);
                Thread.sleep(IDLE_MS);
                TimeUnit.MINUTES.sleep(1);
                String s = "";
                s += job.name();
            } catch (Exception e) {
                log.warn("failed", e);
                continue;
            }
        }
        do {
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
            if (records.isEmpty()) break;
        } while (true);
        for (int i = 0; i < ids.size(); i++) {
            PreparedStatement ps = connection.prepareStatement("SELECT 1 FROM t WHERE id = ?");
            ps.setLong(1, ids.get(i));
            ps.executeQuery();
            throw new IllegalStateException();
        }
    }
}
`;

describe('Java facts', () => {
  const facts = javaFacts(JAVA);

  it('models a @Scheduled(fixedDelay) method as an interval loop with its delay; the inner iterable is its call', () => {
    const loop = loopAt(facts, 6);
    expect(loop.kind).toBe('interval');
    expect(loop.infinite).toBe(true);
    expect(loop.functionName).toBe('sweep');
    expect(call(loop, 'Scheduled').sleepSeconds).toBe(30);
    const find = call(loop, 'orderRepository.findByStatus');
    expect(find.kinds).toContain('db-read');
    expect(find.inInnerLoop).toBe(false);
    const inner = loopAt(facts, 8);
    expect(inner.parent).toBe(loop);
    expect(inner.iterable?.kind).toBe('query');
    expect(call(inner, 'orderRepository.save').dependsOnIteration).toBe(true);
  });

  it('reads Thread.sleep, TimeUnit sleeps, poll timeouts, broad catches and the interruption stop flag', () => {
    const loop = loopAt(facts, 14);
    expect(loop.kind).toBe('while');
    expect(loop.exits.some((e) => e.kind === 'stop-flag')).toBe(true);
    expect(call(loop, 'Thread.sleep').sleepSeconds).toBe(2);
    expect(call(loop, 'TimeUnit.MINUTES.sleep').sleepSeconds).toBe(60);
    const poll = call(loop, 'queue.poll');
    expect(poll.kinds).toContain('queue-pop');
    expect(poll.timeoutSeconds).toBe(5);
    expect(poll.guarded).toBe(true);
    expect(loop.tries).toHaveLength(1);
    expect(loop.tries[0]).toMatchObject({ catchesBroadly: true, handlerContinues: true, handlerLogs: true, insideLoop: true });
    expect(loop.assignments.filter((a) => a.target === 's').map((a) => a.op)).toEqual(['=', '+=']);
  });

  it('reads Kafka poll(Duration) timeouts and do/while(true) with a break', () => {
    const loop = loopAt(facts, 26);
    expect(loop.kind).toBe('do');
    expect(loop.infinite).toBe(true);
    expect(call(loop, 'consumer.poll').timeoutSeconds).toBeCloseTo(0.1);
    expect(loop.exits.map((e) => e.kind)).toContain('break');
  });

  it('makes a statement bound with per-item setX() depend on the iteration; throw outside a try is a raise', () => {
    const loop = loopAt(facts, 30);
    const query = call(loop, 'ps.executeQuery');
    expect(query.kinds).toContain('db-read');
    expect(query.dependsOnIteration).toBe(true);
    expect(loop.exits.map((e) => e.kind)).toContain('raise');
  });
});

describe('Go and Java in the engine', () => {
  const config = configSchema().parse({});

  it('maps .go and .java to their languages', () => {
    expect(languageForPath('cmd/worker/main.go')).toBe('go');
    expect(languageForPath('src/main/java/a/Worker.java')).toBe('java');
  });

  it('skips generated Go and Java files', () => {
    const go = analyzeSource({ path: 'api.pb.go', content: '// Code generated by protoc-gen-go. DO NOT EDIT.\npackage api\n' }, config);
    expect(go.skipped[0]?.reason).toBe('generated');
    const header = `/*\n${' * licence text\n'.repeat(120)} */\npackage a;\n`;
    const java = analyzeSource({ path: 'A.java', content: `${header}@Generated("mapstruct")\nclass A {}\n` }, config);
    expect(java.skipped[0]?.reason).toBe('generated');
    const plain = analyzeSource({ path: 'B.java', content: `${header}class B { String generatedName; }\n` }, config);
    expect(plain.skipped).toEqual([]);
    expect(plain.filesAnalyzed).toBe(1);
  });
});

describe('loop-closure-capture in Go reads the go directive of the nearest go.mod', () => {
  const source = 'package a\n\nfunc f(xs []int, run func(int)) {\n\tfor _, x := range xs {\n\t\tgo func() {\n\t\t\trun(x)\n\t\t}()\n\t}\n}\n';
  const config = configSchema().parse({ rules: { 'loop-closure-capture': 'on' }, severity_threshold: 'info' });
  const findings = (path: string) => analyzeSource({ path, content: source }, config, { onlyRules: ['loop-closure-capture'] }).findings;

  it('reports before Go 1.22, not from 1.22 on, and not without a go.mod', () => {
    const root = mkdtempSync(join(tmpdir(), 'coze-loop-gomod-'));
    try {
      for (const [dir, directive] of [['old', 'go 1.21'], ['new', 'go 1.22.3'], ['none', '']] as const) {
        mkdirSync(join(root, dir, 'pkg'), { recursive: true });
        if (directive) writeFileSync(join(root, dir, 'go.mod'), `module example.com/${dir}\n\n${directive}\n`);
      }
      expect(findings(join(root, 'old', 'pkg', 'a.go')).map((f) => f.line)).toEqual([5]);
      expect(findings(join(root, 'new', 'pkg', 'a.go'))).toEqual([]);
      expect(findings(join(root, 'none', 'pkg', 'a.go'))).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('Go: an error checked with `err == nil` is handled, not ignored', () => {
  const facts = goFacts(`package worker

func sendUntilDone(ctx context.Context, c *http.Client, req *http.Request) {
	for {
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(time.Second)
	}
}

func sendOrGiveUp(c *http.Client, req *http.Request) {
	for {
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		} else {
			return
		}
	}
}

func pingUntilUp(db *sql.DB) {
	for {
		if db.Ping() == nil {
			return
		}
		time.Sleep(time.Second)
	}
}

func compound(c *http.Client, req *http.Request, retry bool) {
	for {
		resp, err := c.Do(req)
		if !retry && err == nil && resp != nil {
			return
		}
	}
}

func dropped(c *http.Client, req *http.Request) {
	for {
		resp, _ := c.Do(req)
		resp.Body.Close()
	}
}
`);
  it('a success branch that leaves: the failure retries (handled)', () => {
    expect(call(loopAt(facts, 4), 'c.Do').failure).toBe('handled');
    expect(call(loopAt(facts, 26), 'db.Ping').failure).toBe('handled');
  });
  it('an else branch that leaves: the failure ends the loop', () => {
    expect(call(loopAt(facts, 15), 'c.Do').failure).toBe('ends-loop');
  });
  it('a condition that tests more than the error is not read as its check', () => {
    expect(call(loopAt(facts, 35), 'c.Do').failure).toBe('ignored');
  });
  it('a discarded error stays ignored', () => {
    expect(call(loopAt(facts, 44), 'c.Do').failure).toBe('ignored');
  });
});

describe('infinite-loop-no-exit leaves test code alone (no deploy ever stops a test)', () => {
  const config = configSchema().parse({ severity_threshold: 'info' });
  // The loop works between its sleeps (a loop that only sleeps keeps a process up and is never reported).
  const go = 'package metrics\n\nimport "time"\n\nfunc hang() {\n\tfor {\n\t\ttime.Sleep(5 * time.Second)\n\t\tflush()\n\t}\n}\n\nfunc flush() {}\n';
  const java = 'class Hang {\n  void hang(BlockingQueue<Runnable> jobs) {\n    while (true) {\n      try {\n        jobs.take().run();\n      } catch (Exception e) {\n        System.err.println(e);\n      }\n    }\n  }\n}\n';
  const rules = (path: string, content: string) => analyzeSource({ path, content }, config, { onlyRules: ['infinite-loop-no-exit'] }).findings.map((f) => `${f.ruleId}:${f.line}`);
  it('reports the loop in production code', () => {
    expect(rules('metrics/hang.go', go)).toEqual(['infinite-loop-no-exit:6']);
    expect(rules('src/main/java/a/Hang.java', java)).toEqual(['infinite-loop-no-exit:3']);
  });
  it('not in a _test.go file or under src/test', () => {
    expect(rules('metrics/hang_test.go', go)).toEqual([]);
    expect(rules('src/test/java/a/Hang.java', java)).toEqual([]);
  });
});
