// Effect summaries for Go and Java: same-file functions and methods (Go receivers, Java `this.m()` / bare `m()`).
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema } from '../../src/config/schema.js';
import { analyzeSources } from '../../src/analysis/engine.js';
import { EffectIndex, javaSourceRoot, moduleCandidates, scanJavaClasses } from '../../src/analysis/effects/index.js';
import { buildFileTable, classifyFunction, summaryEvidence } from '../../src/analysis/effects/table.js';
import { goBuildExcludes } from '../../src/analysis/effects/go-build.js';
import { classifyWithType, loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { goReceiverType } from '../../src/analysis/facts/go-types.js';
import { parseSource } from '../../src/analysis/parse.js';
import { analyseFolder, describeEffectFixtures, EFFECT_FIXTURES } from '../support/effect-tester.js';

for (const folder of ['go-same-file', 'java-same-file', 'go-package', 'java-package', 'go-typed', 'java-interface', 'go-module', 'go-gopath', 'go-method-receivers']) {
  describeEffectFixtures(folder);
}

describe('Go/Java summary evidence', () => {
  it('trusts receiver-qualified catalogue matches, with camelCase client receivers', () => {
    expect(summaryEvidence('this.orderRepository.findAll', { kinds: ['db-read'], confidence: 'high', by: 'api' }, 'java')).toBe(true);
    expect(summaryEvidence('s.orderDB.QueryContext', { kinds: ['db-read'], confidence: 'low', by: 'sql-hint' }, 'go')).toBe(true);
  });
  it('asks any-receiver entries and SQL-by-argument matches for a client-like receiver', () => {
    expect(summaryEvidence('used.CopyFrom', { kinds: ['db-batch'], confidence: 'high', by: 'api' }, 'go')).toBe(false);
    expect(summaryEvidence('conn.CopyFrom', { kinds: ['db-batch'], confidence: 'high', by: 'api' }, 'go')).toBe(true);
    expect(summaryEvidence('globalTimerPool.Get', { kinds: ['db-read'], confidence: 'low', by: 'sql-hint' }, 'go')).toBe(false);
    // Python keeps its stricter rule: an ambiguous method on a camelCase receiver is not evidence.
    expect(summaryEvidence('orderRepository.findAll', { kinds: ['db-read'], confidence: 'high', by: 'api' }, 'python')).toBe(false);
  });
});

describe('Go helpers: time.After is a sleep only in a cancellable-sleep select', () => {
  const source = `package w

func waitOrStop(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

func nextResult(results chan int) int {
	select {
	case r := <-results:
		return r
	case <-time.After(time.Second):
		return 0
	}
}
`;
  const tree = parseSource('go', source);
  const table = buildFileTable('w.go', 'go', tree);
  const kb = loadKnowledgeBase();
  const kindsOf = (name: string): string[] => {
    const fn = table.topLevel.get(name)!;
    classifyFunction(fn, 'go', kb);
    return fn.calls.filter((c) => c.callee === 'time.After').flatMap((c) => c.kinds);
  };
  it('a select on the timer and a stop signal sleeps', () => {
    expect(kindsOf('waitOrStop')).toContain('sleep');
  });
  it('a select on a result channel only bounds the wait', () => {
    expect(kindsOf('nextResult')).not.toContain('sleep');
  });
});

function config(effects?: { max_files?: number; max_depth?: number }) {
  return configSchema().parse({
    severity_threshold: 'info',
    rules: { 'polling-fixed-interval': 'on', 'write-per-row': 'on', 'query-in-loop': 'on' },
    ...(effects ? { effects: { enabled: true, max_depth: 3, max_files: 24, ...effects } } : {}),
  });
}

describe('Go: a package is the directory', () => {
  const dir = join(EFFECT_FIXTURES, 'go-package');
  const read = (p: string): string | undefined => {
    try {
      return readFileSync(join(EFFECT_FIXTURES, p), 'utf8');
    } catch {
      return undefined;
    }
  };
  const worker = { path: 'go-package/worker.go', content: readFileSync(join(dir, 'worker.go'), 'utf8') };
  const rules = ['polling-fixed-interval', 'write-per-row', 'query-in-loop'];

  it('finds the other files of the package on disk when only one file is analysed (a --diff run)', () => {
    const kb = loadKnowledgeBase();
    const effects = new EffectIndex(kb, read, undefined, (d) => readdirSync(join(EFFECT_FIXTURES, d)));
    const result = analyzeSources([worker], config(), { onlyRules: rules, kb, effects });
    expect(result.findings.map((f) => `${f.ruleId}:${f.line}`)).toEqual(['polling-fixed-interval:28', 'write-per-row:35', 'polling-fixed-interval:46', 'query-in-loop:54', 'polling-fixed-interval:79', 'query-in-loop:97']);
  });

  it("takes the interval from a helper's literal sleep (`w.store.pause()` sleeps 15 s): the cost rests on the code", () => {
    const result = analyseFolder('go-package', ['polling-fixed-interval']).result;
    const tail = result.findings.find((f) => f.line === 79)!;
    expect(tail.message).toContain('is polled every 15 s');
    expect(tail.cost?.assumptions).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'sleep_seconds', value: 15, source: 'code' })]));
    const java = analyseFolder('java-package', ['polling-fixed-interval']).result;
    expect(java.findings.map((f) => f.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^`service\.pending` is polled every 20 s: .* — `service\.pending\(\)` runs `OrderRepository\.findPendingOrders`/)]));
  });

  it('without a listing or the siblings, resolves nothing across files', () => {
    const result = analyzeSources([worker], config(), { onlyRules: rules, contextReader: read });
    expect(result.findings).toEqual([]);
  });

  it('takes siblings from the context map (the changed files and what the bots fetched)', () => {
    const contextFiles = new Map(['store.go', 'notify.go'].map((n) => [`go-package/${n}`, readFileSync(join(dir, n), 'utf8')]));
    const result = analyzeSources([worker], config(), { onlyRules: rules, contextFiles });
    expect(result.findings.map((f) => `${f.ruleId}:${f.line}`)).toEqual(['polling-fixed-interval:28', 'write-per-row:35', 'polling-fixed-interval:46', 'query-in-loop:54', 'polling-fixed-interval:79', 'query-in-loop:97']);
  });

  it('reads at most max_files other files and says which it left out', () => {
    const kb = loadKnowledgeBase();
    const effects = new EffectIndex(kb, read, undefined, (d) => readdirSync(join(EFFECT_FIXTURES, d)));
    const result = analyzeSources([worker], config({ max_files: 1 }), { onlyRules: rules, kb, effects });
    // store.go is read first (Run's poll); notify.go, needed by heartbeat, is past the bound.
    expect(result.findings.map((f) => `${f.ruleId}:${f.line}`)).toEqual(['polling-fixed-interval:28', 'write-per-row:35', 'query-in-loop:54', 'polling-fixed-interval:79', 'query-in-loop:97']);
    expect(result.notes).toEqual([{ path: 'go-package/worker.go', note: expect.stringContaining('go-package/notify.go') }]);
  });

  it('does not take a file of another package in the same directory, nor test files', () => {
    const purge = 'package outbox\n\nfunc sweep(ids []int64) {\n\tfor _, id := range ids {\n\t\tpurge(id)\n\t}\n}\n';
    const helper = 'package outbox\n\nimport "database/sql"\n\nvar db *sql.DB\n\nfunc purge(id int64) {\n\tdb.Exec("DELETE FROM outbox WHERE id = $1", id)\n}\n';
    const other = analyzeSources([{ path: 'p/sweep.go', content: purge }], config(), { onlyRules: ['write-per-row'], contextFiles: new Map([['p/purge.go', helper.replace('package outbox', 'package main')]]) });
    expect(other.findings).toEqual([]);
    const test = analyzeSources([{ path: 'p/sweep.go', content: purge }], config(), { onlyRules: ['write-per-row'], contextFiles: new Map([['p/purge_test.go', helper]]) });
    expect(test.findings).toEqual([]);
    const same = analyzeSources([{ path: 'p/sweep.go', content: purge }], config(), { onlyRules: ['write-per-row'], contextFiles: new Map([['p/purge.go', helper]]) });
    expect(same.findings.map((f) => f.message)).toEqual([expect.stringContaining('`purge()` runs `db.Exec` (purge.go:8)')]);
  });
});

describe('Go: files a build constraint leaves out of the package', () => {
  const purge = 'package outbox\n\nfunc sweep(ids []int64) {\n\tfor _, id := range ids {\n\t\tpurge(id)\n\t}\n}\n';
  const helper = 'package outbox\n\nimport "database/sql"\n\nvar db *sql.DB\n\nfunc purge(id int64) {\n\tdb.Exec("DELETE FROM outbox WHERE id = $1", id)\n}\n';

  it('reads `//go:build` and `// +build` headers', () => {
    expect(goBuildExcludes('//go:build ignore\n\npackage main\n')).toBe(true);
    expect(goBuildExcludes('// Copyright 2026 The Authors.\n\n// +build ignore\n\npackage main\n')).toBe(true);
    expect(goBuildExcludes('//go:build ignore && linux\n\npackage main\n')).toBe(true);
    expect(goBuildExcludes('//go:build linux && !linux\n\npackage main\n')).toBe(true);
    expect(goBuildExcludes('//go:build (ignore)\n// +build linux\n\npackage main\n')).toBe(true);
    // a platform or feature tag: some build includes the file
    expect(goBuildExcludes('//go:build linux\n\npackage p\n')).toBe(false);
    expect(goBuildExcludes('//go:build !windows && (amd64 || arm64)\n\npackage p\n')).toBe(false);
    expect(goBuildExcludes('//go:build linux || ignore\n\npackage p\n')).toBe(false);
    expect(goBuildExcludes('// +build ignore linux\n\npackage p\n')).toBe(false);
    expect(goBuildExcludes('// +build ignore,linux\n\npackage p\n')).toBe(true);
    // not a constraint: after the package clause, inside a block comment, or malformed
    expect(goBuildExcludes('package p\n\n//go:build ignore\n')).toBe(false);
    expect(goBuildExcludes('/* x */\n//go:build ignore\npackage p\n')).toBe(false);
    expect(goBuildExcludes('//go:build ignore &&\n\npackage p\n')).toBe(false);
    expect(goBuildExcludes(`//go:build ${'('.repeat(50_000)}ignore\n\npackage p\n`)).toBe(false);
    expect(goBuildExcludes('package p\n')).toBe(false);
  });

  it('does not take the declarations of a `//go:build ignore` file of the same package', () => {
    const ignored = analyzeSources([{ path: 'p/sweep.go', content: purge }], config(), { onlyRules: ['write-per-row'], contextFiles: new Map([['p/purge.go', `//go:build ignore\n\n${helper}`]]) });
    expect(ignored.findings).toEqual([]);
  });

  it('does not spend the package scan bound on ignored files that sort first', () => {
    const contextFiles = new Map<string, string>();
    for (let i = 0; i < 400; i++) contextFiles.set(`p/a${String(i).padStart(3, '0')}_gen.go`, '// +build ignore\n\npackage main\n\nfunc main() {}\n');
    contextFiles.set('p/purge.go', helper);
    const result = analyzeSources([{ path: 'p/sweep.go', content: purge }], config(), { onlyRules: ['write-per-row'], contextFiles });
    expect(result.findings.map((f) => f.message)).toEqual([expect.stringContaining('`purge()` runs `db.Exec` (purge.go:8)')]);
  });
});

describe('Java: classes of the package and imports', () => {
  it('finds the source root from the package', () => {
    expect(javaSourceRoot('svc/src/main/java/com/acme/sync/Job.java', 'com.acme.sync')).toBe('svc/src/main/java');
    expect(javaSourceRoot('com/acme/Job.java', 'com.acme')).toBe('.');
    expect(javaSourceRoot('svc/src/main/java/com/acme/Job.java', undefined)).toBe('svc/src/main/java');
    expect(javaSourceRoot('odd/place/Job.java', 'com.acme')).toBeUndefined();
  });
  it('maps an import and a same-package class to files', () => {
    expect(moduleCandidates('s/src/main/java/com/acme/sync/Job.java', 'java', 'com.acme.billing.BillingClient', 'com.acme.sync')).toEqual(['s/src/main/java/com/acme/billing/BillingClient.java']);
    expect(moduleCandidates('s/src/main/java/com/acme/sync/Job.java', 'java', 'OrderService')).toEqual(['s/src/main/java/com/acme/sync/OrderService.java']);
    expect(moduleCandidates('s/Job.java', 'java', 'java.util.List', 'com.acme')).toEqual([]);
  });
});

describe('Go: the declared type of a receiver decides over receiver-name patterns', () => {
  const source = `package w

import (
	"net/http"

	"github.com/golang/groupcache/lru"
	goredis "github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
)

type svc struct {
	cache  *lru.Cache
	rdb    *goredis.Client
	client *grpc.ClientConn
	own    *Store
}

var shared = &http.Client{}

func (s *svc) run(c *http.Client, x Doer, urls []string) {
	local := lru.New(16)
	var hc http.Client
	s.cache.Get("k")
	s.rdb.Get(ctx, "k")
	s.client.Get("k")
	s.own.Get("k")
	local.Get("k")
	c.Do(nil)
	hc.Do(nil)
	shared.Do(nil)
	req, _ := http.NewRequest("GET", urls[0], nil)
	x.Do(req)
	x.Do(job)
}
`;
  const tree = parseSource('go', source);
  const calls = tree.rootNode.descendantsOfType('call_expression').filter((c) => /\.(Get|Do)$/.test(c.childForFieldName('function')?.text ?? ''));
  const kb = loadKnowledgeBase();

  it('finds the type from fields, parameters, locals, package vars and a request built by http.NewRequest', () => {
    expect(calls.map((c) => `${c.childForFieldName('function')!.text}: ${goReceiverType(c) ?? '-'}`)).toEqual([
      's.cache.Get: lru.Cache',
      's.rdb.Get: goredis.Client',
      's.client.Get: grpc.ClientConn',
      's.own.Get: Store',
      'local.Get: lru.',
      'c.Do: http.Client',
      'hc.Do: http.Client',
      'shared.Do: http.Client',
      'x.Do: http.Client',
      'x.Do: Doer',
    ]);
  });

  it('classifies by the type: an in-memory cache is no Redis, a client named c sends HTTP', () => {
    const kinds = (callee: string, type: string) => classifyWithType(kb, 'go', callee, type).kinds;
    expect(kb.classify('go', 's.cache.Get').kinds).toEqual(['db-read']);
    expect(kinds('s.cache.Get', 'lru.Cache')).toEqual([]);
    expect(kinds('local.Get', 'lru.')).toEqual([]);
    expect(kinds('cache.Get', 'redis.Client')).toEqual(['db-read']);
    // A package the catalogue knows through a receiver pattern (`*redis*`): still Redis.
    expect(kinds('s.rdb.Get', 'goredis.Client')).toEqual(['db-read']);
    expect(kinds('s.client.Get', 'grpc.ClientConn')).toEqual([]);
    expect(kb.classify('go', 'c.Do').kinds).toEqual([]);
    expect(kinds('c.Do', 'http.Client')).toEqual(['http']);
    // A type of the code's own package is left to the summaries.
    expect(kinds('s.own.Get', 'Store')).toEqual(kb.classify('go', 's.own.Get').kinds);
  });
});

describe('Go: a constructor names a package only when the file imports it', () => {
  it('`scope.NewDB()` on a variable is not the package `scope`', () => {
    const source = `package gorm

import "github.com/golang/groupcache/lru"

func (scope *Scope) save(elems []int) {
	newDB := scope.NewDB()
	cache := lru.New(8)
	newDB.Save(elems)
	cache.Get("k")
}
`;
    const calls = parseSource('go', source).rootNode.descendantsOfType('call_expression').filter((c) => /\.(Save|Get)$/.test(c.childForFieldName('function')?.text ?? ''));
    expect(calls.map((c) => goReceiverType(c) ?? '-')).toEqual(['-', 'lru.']);
  });
});

describe('Java: the classes of a package and the interfaces they implement, by text', () => {
  it('reads each header up to its brace, type arguments and qualifiers dropped', () => {
    const text = [
      '// this class implements nothing: a comment',
      'public class JdbcLedgerStore extends Base<Long, String> implements LedgerStore, com.acme.Closeable {',
      '  static final class Row implements Comparable<Row> { }',
      '}',
      'enum Mode implements Handler<Map<String, Long>>, Named { A }',
      'record Point(int x, int y) { }',
      'interface Store extends LedgerStore { }',
    ].join('\n');
    expect(scanJavaClasses(text)).toEqual([
      { name: 'JdbcLedgerStore', interfaces: ['LedgerStore', 'Closeable'] },
      { name: 'Row', interfaces: ['Comparable'] },
      { name: 'Mode', interfaces: ['Handler', 'Named'] },
    ]);
  });
});
