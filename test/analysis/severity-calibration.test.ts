// Severity follows measured precision (docs/engine.md): an N+1-family finding whose iteration count the code does not
// state is reported at the rule's `assumed_count_severity` (info), says why, and is a warning again when the code
// states the count or the repository's config sets the rule's severity.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRuleFile } from '../../src/analysis/rule-registry.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';
import { analyzeSource, getRule, renderRuleDocs } from '../../src/analysis/engine.js';
import { configSchema } from '../../src/config/schema.js';
import { t } from '../../src/core/i18n.js';
import type { Finding } from '../../src/core/types.js';

const N_PLUS_ONE = ['query-in-loop', 'write-per-row', 'serial-blocking-io', 'commit-in-loop', 'connection-in-loop'];

function run(path: string, content: string, rules: Record<string, unknown> = {}, threshold: 'info' | 'warning' = 'info'): Finding[] {
  return analyzeSource({ path, content }, configSchema().parse({ severity_threshold: threshold, rules })).findings;
}

function only(findings: Finding[], ruleId: string): Finding {
  const mine = findings.filter((f) => f.ruleId === ruleId);
  expect(mine).toHaveLength(1);
  return mine[0]!;
}

const saysAssumed = (f: Finding) => f.explanation.includes(t('en', 'engine.count_assumed', { id: f.ruleId, severity: 'info' }));

const PY_READS = (iterable: string) => `
def refresh(cur, customer_ids):
    for customer_id in ${iterable}:
        cur.execute("SELECT * FROM orders WHERE customer_id = %s", (customer_id,))
`;

describe('severity of an assumed iteration count', () => {
  it('every N+1-family rule grades an assumed count at info, below its own severity', () => {
    for (const id of N_PLUS_ONE) {
      const rule = getRule(id)!;
      expect([rule.severity, rule.assumed_count_severity]).toEqual(['warning', 'info']);
    }
    // The other rules do not (some grade a variant instead: below).
    for (const id of ['unguarded-worker-loop', 'resource-leak-in-loop', 'fire-and-forget-task', 'defer-in-loop', 'polling-fixed-interval']) {
      expect(getRule(id)!.assumed_count_severity).toBeUndefined();
    }
  });

  it('reports a loop over a collection of unknown size at info, with the reason and the way back to a warning', () => {
    const finding = only(run('app/jobs.py', PY_READS('customer_ids')), 'query-in-loop');
    expect([finding.severity, finding.confidence]).toEqual(['info', 'high']);
    expect(finding.message).toContain('100 (assumed)');
    expect(saysAssumed(finding)).toBe(true);
    expect(finding.explanation).toContain('`rules: { query-in-loop: warning }`');
    // Still reported with its cost and patch: nothing is dropped.
    expect(finding.cost?.before).toBe(100);
    expect(finding.fix).toBeDefined();
  });

  it('keeps the warning when the code states the count', () => {
    for (const iterable of ['customer_ids[:500]', 'range(500)']) {
      const finding = only(run('app/jobs.py', PY_READS(iterable)), 'query-in-loop');
      expect(finding.severity).toBe('warning');
      expect(saysAssumed(finding)).toBe(false);
    }
  });

  it("keeps the severity the repository's config sets for the rule", () => {
    expect(only(run('app/jobs.py', PY_READS('customer_ids'), { 'query-in-loop': 'warning' }), 'query-in-loop').severity).toBe('warning');
    expect(only(run('app/jobs.py', PY_READS('customer_ids'), { 'query-in-loop': { severity: 'error' } }), 'query-in-loop').severity).toBe('error');
    const switchedOn = only(run('app/jobs.py', PY_READS('customer_ids'), { 'query-in-loop': 'on' }), 'query-in-loop');
    expect(switchedOn.severity).toBe('info');
  });

  it('says it only when the count is what lowers the finding: a name-only guess is a hint already and says why', () => {
    const guess = only(run('app/jobs.py', 'import psycopg2\n\ndef refresh(customer_ids):\n    for customer_id in customer_ids:\n        query_customer_orders(customer_id)\n'), 'query-in-loop');
    expect([guess.severity, guess.confidence]).toEqual(['info', 'low']);
    expect(saysAssumed(guess)).toBe(false);
  });

  it('falls under a warning threshold, while a stated count stays', () => {
    expect(run('app/jobs.py', PY_READS('customer_ids'), {}, 'warning').filter((f) => f.ruleId === 'query-in-loop')).toEqual([]);
    expect(run('app/jobs.py', PY_READS('range(500)'), {}, 'warning').filter((f) => f.ruleId === 'query-in-loop')).toHaveLength(1);
  });

  it('applies in every language and rule of the family', () => {
    const js = only(
      run('app/sync.js', `async function sync(db, rows) {\n  for (const row of rows) {\n    await db.query('UPDATE t SET x = $1 WHERE id = $2', [row.x, row.id]);\n  }\n}\n`),
      'write-per-row',
    );
    expect([js.severity, saysAssumed(js)]).toEqual(['info', true]);
    const go = only(
      run(
        'app/fetch.go',
        'package app\n\nimport "net/http"\n\nfunc fetchAll(urls []string) {\n\tfor _, u := range urls {\n\t\tresp, err := http.Get(u)\n\t\tif err != nil {\n\t\t\tcontinue\n\t\t}\n\t\tresp.Body.Close()\n\t}\n}\n',
      ),
      'serial-blocking-io',
    );
    expect([go.severity, saysAssumed(go)]).toEqual(['info', true]);
    const commits = only(
      run('app/load.py', 'def load(conn, rows):\n    cur = conn.cursor()\n    for row in rows:\n        cur.execute("INSERT INTO t VALUES (%s)", (row,))\n        conn.commit()\n'),
      'commit-in-loop',
    );
    expect([commits.severity, saysAssumed(commits)]).toEqual(['info', true]);
  });

  it('leaves per-item calls inside a poller warnings: they repeat on every poll, over the backlog its read returns', () => {
    const poller = `
import time

def sync_forever(cur):
    while True:
        cur.execute("SELECT id, customer_id FROM orders WHERE status = 'paid'")
        for order in cur.fetchall():
            cur.execute("SELECT * FROM customers WHERE id = %s", (order[1],))
        time.sleep(30)
`;
    const finding = only(run('app/sync.py', poller), 'query-in-loop');
    expect(finding.message).toContain('(assumed)');
    expect(finding.severity).toBe('warning');
    expect(saysAssumed(finding)).toBe(false);
    // The same loop run once (no poller around it) is graded as any other.
    const once = only(run('app/sync.py', poller.replace('while True:', 'if True:').replace('time.sleep(30)', 'pass')), 'query-in-loop');
    expect([once.severity, saysAssumed(once)]).toEqual(['info', true]);
  });

  it('leaves a connection per poll a warning: its cost does not depend on the data', () => {
    const poller = `
import time
import psycopg2

def watch(dsn):
    while True:
        conn = psycopg2.connect(dsn)
        try:
            conn.cursor().execute("SELECT 1")
        finally:
            conn.close()
        time.sleep(5)
`;
    const finding = only(run('app/watch.py', poller), 'connection-in-loop');
    expect(finding.severity).toBe('warning');
    expect(saysAssumed(finding)).toBe(false);
  });

  it('says it on the rule page', () => {
    expect(renderRuleDocs(getRule('query-in-loop')!, 'en')).toContain('`warning` (`info` when the item count is assumed and the loop is not inside a poller)');
    expect(renderRuleDocs(getRule('defer-in-loop')!, 'en')).not.toContain('when the item count is assumed');
  });
});

// A variant graded on the held-out labels (`variant_severity` in the rule file): resource-leak-in-loop's close skipped
// only when a call before it throws, defer-in-loop's deferred call that releases nothing the API files know.
describe('severity of a graded variant', () => {
  const graded = (f: Finding) => f.explanation.includes(t('en', 'engine.variant_graded', { id: f.ruleId, severity: 'info', base: 'warning', reason: '' }).split(':')[0]!);
  const PY_SKIPPED_CLOSE = `
def export(paths):
    for path in paths:
        try:
            out = open(path + ".bak", "w")
            out.write(render(path))
            out.close()
        except OSError:
            log.warning("skipped %s", path)
`;
  const PY_NEVER_CLOSED = 'def export(hosts):\n    for host in hosts:\n        out = socket.create_connection((host, 9100))\n        out.sendall(render(host))\n';
  const JAVA_SKIPPED_CLOSE = `
class Export {
    void export(java.util.List<String> paths) {
        for (String path : paths) {
            try {
                java.io.FileOutputStream out = new java.io.FileOutputStream(path + ".bak");
                out.write(render(path));
                out.close();
            } catch (java.io.IOException e) {
                log.warn("skipped " + path, e);
            }
        }
    }
}
`;
  const GO_DEFERS = (call: string) => `package app

/*
#include <stdlib.h>
*/
import "C"

import (
\t"os"
)

func load(names []string) error {
\tfor _, name := range names {
\t\tbuf := C.malloc(C.size_t(len(name)))
\t\tf, err := os.Open(name)
\t\tif err != nil {
\t\t\treturn err
\t\t}
\t\tdefer ${call}
\t\tuse(buf, f)
\t}
\treturn nil
}
`;

  it('reports the graded variant at its severity, with the reason and the way back', () => {
    const py = only(run('app/export.py', PY_SKIPPED_CLOSE), 'resource-leak-in-loop');
    expect(py.severity).toBe('info');
    expect(graded(py)).toBe(true);
    expect(py.explanation).toContain('reviewers kept 2 of 16 such findings');
    expect(py.explanation).toContain('`rules: { resource-leak-in-loop: warning }`');
    const java = only(run('app/Export.java', JAVA_SKIPPED_CLOSE), 'resource-leak-in-loop');
    expect([java.severity, graded(java)]).toEqual(['info', true]);
    const free = only(run('app/load.go', GO_DEFERS('C.free(buf)')), 'defer-in-loop');
    expect([free.severity, graded(free)]).toEqual(['info', true]);
    expect(free.explanation).toContain('`apis: { roles: { releases: [...] } }`');
    // Still reported with its patch: nothing is dropped.
    expect(py.fix).toBeDefined();
  });

  it("grades Java's endless thread loop, not Go's or Python's", () => {
    const java = only(
      run(
        'app/Dispatcher.java',
        'import java.util.concurrent.BlockingQueue;\n\nclass Dispatcher implements Runnable {\n    private final BlockingQueue<Job> queue;\n    private final java.net.http.HttpClient client;\n    public void run() {\n        while (true) {\n            try {\n                Job job = queue.take();\n                client.send(job.request(), null);\n            } catch (Exception e) {\n                log(e);\n            }\n        }\n    }\n}\n',
      ),
      'infinite-loop-no-exit',
    );
    expect([java.variant, java.severity, graded(java)]).toEqual(['java', 'info', true]);
    expect(java.explanation).toContain('reviewers kept 0 of 11 such findings');
    const go = only(
      run('app/pump.go', 'package app\n\nimport (\n\t"net/http"\n\t"time"\n)\n\nfunc Pump(url string) {\n\tfor {\n\t\tresp, err := http.Get(url)\n\t\tif err == nil {\n\t\t\tresp.Body.Close()\n\t\t}\n\t\ttime.Sleep(time.Second)\n\t}\n}\n'),
      'infinite-loop-no-exit',
    );
    expect([go.variant, go.severity, graded(go)]).toEqual(['go', 'warning', false]);
  });

  it("grades a Go goroutine's dropped error", () => {
    const bad = readFileSync(join(PROJECT_ROOT, 'rules', 'fire-and-forget-task', 'fixtures', 'bad.go'), 'utf8');
    const dropped = run('app/send.go', bad).filter((f) => f.ruleId === 'fire-and-forget-task' && f.variant === 'go-error');
    expect(dropped.length).toBeGreaterThan(0);
    for (const f of dropped) expect([f.severity, graded(f)]).toEqual(['info', true]);
    expect(dropped[0]!.explanation).toContain('kept 0 of 5 times');
  });

  it('grades an acknowledgement that is only a name, and keeps one with a queue in sight or declared', () => {
    const loop = (ack: string, header = '') => `${header}
def apply(transaction, engine, items, applied):
    for item in items:
        ${ack}
        engine.update_config(item.path)
`;
    const byName = only(run('app/apply.py', loop('transaction.ack(item)')), 'ack-before-success');
    expect([byName.variant, byName.severity]).toEqual(['name-only', 'info']);
    expect(byName.explanation).toContain('kept 0 of 6 such findings');
    expect(byName.explanation).toContain('`apis: { roles: { broker_acks: [...] } }`');
    // A pop from a queue elsewhere in the file shows what is acknowledged: the rule's own severity.
    const popped = only(run('app/apply.py', loop('transaction.ack(item)', 'import boto3\nsqs = boto3.client("sqs")\n\ndef fetch(url):\n    return sqs.receive_message(QueueUrl=url)\n')), 'ack-before-success');
    expect([popped.variant, popped.severity]).toEqual(['before', 'error']);
    // A broker-only acknowledgement needs nothing else.
    const deleted = only(run('app/apply.py', loop('sqs.delete_message(QueueUrl=url, ReceiptHandle=item)')), 'ack-before-success');
    expect([deleted.variant, deleted.severity]).toEqual(['before', 'error']);
    // Go: an import of a broker's package shows the queue; a mail index's `DeleteMessage` alone does not.
    const goLoop = (imports: string) => `package mail

import (
${imports}
)

func Remove(index Index, names []string) error {
	for _, name := range names {
		if err := index.DeleteMessage(name); err != nil {
			return err
		}
		if err := os.Remove(name); err != nil {
			return err
		}
	}
	return nil
}
`;
    const mail = only(run('app/mail.go', goLoop('\t"os"')), 'ack-before-success');
    expect([mail.variant, mail.severity]).toEqual(['name-only', 'info']);
    const queued = only(run('app/mail.go', goLoop('\t"os"\n\n\t"github.com/aws/aws-sdk-go-v2/service/sqs"')), 'ack-before-success');
    expect([queued.variant, queued.severity]).toEqual(['before', 'error']);
    // What the repository declares: its own `acks` or `broker_acks`.
    for (const role of ['acks', 'broker_acks']) {
      const declared = analyzeSource({ path: 'app/apply.py', content: loop('inbox.finish_job(item)') }, configSchema().parse({ severity_threshold: 'info', apis: { roles: { [role]: ['finish_job'] } } })).findings.filter((f) => f.ruleId === 'ack-before-success');
      expect(declared.map((f) => [f.variant, f.severity])).toEqual([['before', 'error']]);
    }
  });

  it("grades an unguarded loop that has its own way to end, not the worker without a stop flag", () => {
    const source = `import time
import requests


def sync(stop):
    while not stop.is_set():
        resp = requests.get("http://api.internal/jobs")
        handle(resp.json())
        stop.wait(5)


def sync_forever():
    while True:
        resp = requests.get("http://api.internal/jobs")
        handle(resp.json())
        time.sleep(5)
`;
    const found = run('app/sync.py', source).filter((f) => f.ruleId === 'unguarded-worker-loop');
    expect(found.map((f) => [f.line, f.variant, f.severity])).toEqual([
      [6, 'default', 'info'],
      [13, 'default-no-stop', 'error'],
    ]);
    expect(found[0]!.explanation).toContain('kept 3 of 16 such findings');
    expect(only(run('app/sync.py', source, { 'unguarded-worker-loop': 'error' }).filter((f) => f.line === 6), 'unguarded-worker-loop').severity).toBe('error');
  });

  it("leaves the rule's other variants at the rule's severity", () => {
    const never = only(run('app/export.py', PY_NEVER_CLOSED), 'resource-leak-in-loop');
    expect([never.severity, graded(never)]).toEqual(['warning', false]);
    const close = only(run('app/load.go', GO_DEFERS('f.Close()')), 'defer-in-loop');
    expect([close.severity, graded(close)]).toEqual(['warning', false]);
  });

  it("keeps the severity the repository's config sets for the rule, and a release the repository declares", () => {
    expect(only(run('app/export.py', PY_SKIPPED_CLOSE, { 'resource-leak-in-loop': 'warning' }), 'resource-leak-in-loop').severity).toBe('warning');
    expect(only(run('app/export.py', PY_SKIPPED_CLOSE, { 'resource-leak-in-loop': { severity: 'error' } }), 'resource-leak-in-loop').severity).toBe('error');
    expect(only(run('app/export.py', PY_SKIPPED_CLOSE, { 'resource-leak-in-loop': 'on' }), 'resource-leak-in-loop').severity).toBe('info');
    const declared = analyzeSource(
      { path: 'app/load.go', content: GO_DEFERS('C.free(buf)') },
      configSchema().parse({ severity_threshold: 'info', apis: { roles: { releases: ['free'] } } }),
    ).findings.filter((f) => f.ruleId === 'defer-in-loop');
    expect(declared.map((f) => f.severity)).toEqual(['warning']);
  });

  it('falls under a warning threshold', () => {
    expect(run('app/export.py', PY_SKIPPED_CLOSE, {}, 'warning').filter((f) => f.ruleId === 'resource-leak-in-loop')).toEqual([]);
    expect(run('app/export.py', PY_NEVER_CLOSED, {}, 'warning').filter((f) => f.ruleId === 'resource-leak-in-loop')).toHaveLength(1);
  });

  it('says it on the rule page and in the catalogue', () => {
    expect(renderRuleDocs(getRule('resource-leak-in-loop')!, 'en')).toContain('`warning` (`info` for the `not-on-every-path` variant; `info` for the `cursor` variant; `info` for the `rebound` variant; `info` for the `java-not-on-every-path` variant)');
    expect(renderRuleDocs(getRule('defer-in-loop')!, 'zh-CN')).toContain('`default` 变体为 `info`');
  });

  it('rejects a graded variant the rule does not report, or one not below the rule', () => {
    const rule = readFileSync(join(PROJECT_ROOT, 'rules', 'defer-in-loop', 'rule.yml'), 'utf8');
    expect(() => parseRuleFile(rule.replace('variant_severity:\n  default:', 'variant_severity:\n  nope:'), 'rules/defer-in-loop/rule.yml')).toThrow(
      /variant_severity\.nope: "nope" is not a variant of messages/,
    );
    expect(() => parseRuleFile(rule.replace(/(variant_severity:\n  default:\n    severity:) info/, '$1 error'), 'rules/defer-in-loop/rule.yml')).toThrow(
      /variant_severity\.default\.severity: "error" must be lower than the rule's "warning"/,
    );
    expect(parseRuleFile(rule, 'rules/defer-in-loop/rule.yml').variant_severity?.default?.severity).toBe('info');
  });
});

// Example and demo programs (`example_code.paths`, docs/engine.md "Example code"): reported at most at `info`.
describe('severity of example code', () => {
  // A demo's loop that stores what it receives (one that only pings is a hint anywhere: infinite-loop-no-exit's
  // `transient` variant).
  const KEEP_ALIVE = `async function main(client, db) {
  await client.subscribe('quotes');
  while (true) {
    try {
      const quote = await client.nextQuote();
      await db.query('INSERT INTO quotes (symbol, price) VALUES ($1, $2)', [quote.symbol, quote.price]);
    } catch (err) {
      console.error(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 10000));
  }
}
main(makeClient(), makePool());
`;
  const endless = (path: string, config: Record<string, unknown> = {}) =>
    analyzeSource({ path, content: KEEP_ALIVE }, configSchema().parse({ severity_threshold: 'info', ...config })).findings.filter((f) => f.ruleId === 'infinite-loop-no-exit');

  it('caps a finding in an examples folder at info, and says why and how to report it again', () => {
    const app = endless('src/quotes/listen.js');
    expect(app.map((f) => f.severity)).toEqual(['warning']);
    for (const path of ['examples/node/quotes/listen.js', 'sdk/example/listen.js', 'openjpa-examples/jest/listen.js', 'docs/tutorials/listen.js', 'demo/listen.js', 'lib/demo.js', 'example.js']) {
      const example = endless(path);
      expect([path, example.map((f) => f.severity)]).toEqual([path, ['info']]);
      expect(example[0]!.explanation).toContain('`example_code: { paths: [] }`');
    }
  });

  it('reads load scripts under stress/ as test code, where the worker rules are quiet', () => {
    expect(endless('stress/listen.js')).toEqual([]);
    expect(endless('lib/stress/listen.js')).toEqual([]);
    expect(endless('src/stressors/listen.js').map((f) => f.severity)).toEqual(['warning']);
  });

  it('reads mock servers and test doubles under mocks/ as test code (round 20: a mock dev server of a websocket addon)', () => {
    expect(endless('server/mocks/listen.js')).toEqual([]);
    expect(endless('src/__mocks__/listen.js')).toEqual([]);
    expect(endless('src/mockserver/listen.js').map((f) => f.severity)).toEqual(['warning']);
  });

  it('reports examples like the rest when the repository says so, or at the severity it chooses', () => {
    expect(endless('examples/listen.js', { example_code: { paths: [] } }).map((f) => f.severity)).toEqual(['warning']);
    expect(endless('examples/listen.js', { example_code: { severity: 'warning' } }).map((f) => f.severity)).toEqual(['warning']);
    expect(endless('samples/listen.js').map((f) => f.severity)).toEqual(['warning']);
  });

  it('falls under a warning threshold, so the bots do not comment on it inline', () => {
    const findings = analyzeSource({ path: 'examples/listen.js', content: KEEP_ALIVE }, configSchema().parse({ severity_threshold: 'warning' })).findings;
    expect(findings.filter((f) => f.ruleId === 'infinite-loop-no-exit')).toEqual([]);
  });

  it('rejects a severity that is not one', () => {
    expect(() => configSchema().parse({ example_code: { severity: 'loud' } })).toThrow();
  });
});
