import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../src/config/schema.js';
import fc from 'fast-check';
import { classifySql, compileApiFiles, MAX_CALLEE_CHARS, compilePattern, lastSegments, loadApiFiles, loadKnowledgeBase, normalizeCallee } from '../../src/analysis/knowledge-base.js';
import type { ArgFact } from '../../src/analysis/facts.js';

const kb = loadKnowledgeBase();
const kinds = (callee: string, context?: { sql?: string; args?: ArgFact[] }) => kb.classify('python', callee, context).kinds.sort();

describe('patterns', () => {
  it('`*` crosses dots, braces list alternatives, matching is anchored', () => {
    expect(compilePattern('*.objects.filter').test('shop.models.Order.objects.filter')).toBe(true);
    expect(compilePattern('*.objects.filter').test('Order.objects.filter().first')).toBe(false);
    expect(compilePattern('requests.{get,post}').test('requests.post')).toBe(true);
    expect(compilePattern('requests.{get,post}').test('requests.put')).toBe(false);
    expect(compilePattern('{pymongo.,}MongoClient').test('MongoClient')).toBe(true);
  });

  it('knows the last segment of the names a glob can match, or that it cannot say', () => {
    expect(lastSegments('*.{fetchall,fetchone}')).toEqual(['fetchall', 'fetchone']);
    expect(lastSegments('get_object_or_404')).toEqual(['get_object_or_404']);
    expect(lastSegments('{session,db.session}.{delete,merge}')).toEqual(['delete', 'merge']);
    expect(lastSegments('smtplib.SMTP().sendmail')).toEqual(['sendmail']);
    expect(lastSegments('logging.*')).toBeNull();
    expect(lastSegments('*create_engine')).toBeNull();
    expect(lastSegments('{*.,}save_*')).toBeNull();
  });

  it('never indexes a catalogue pattern under a last segment its matches do not have', () => {
    // The knowledge base tests a name only against the patterns indexed under the name's last segment (and those
    // with a wildcard there): sound only if every name a pattern matches ends in one of its lastSegments.
    const globs = compileApiFiles().data.flatMap((f) => [...Object.values(f.kinds).flat(), ...f.sql_calls, ...f.url_calls, ...Object.values(f.guesses).flat()]);
    expect(globs.length).toBeGreaterThan(300);
    const filler = fc.stringMatching(/^[a-z_.]{0,8}$/);
    fc.assert(
      fc.property(fc.constantFrom(...globs), fc.array(filler, { minLength: 8, maxLength: 8 }), fc.nat(), (glob, fills, pick) => {
        // One name the glob matches: a brace alternative each, a filler for each `*`.
        let k = 0;
        const name = glob.replace(/\{([^}]*)\}/g, (_, alts: string) => alts.split(',')[(pick + k++) % alts.split(',').length]!).replace(/\*/g, () => fills[k++ % fills.length]!);
        if (!compilePattern(glob).test(name)) return; // a filler made the name not match (e.g. a `*` in brackets)
        const segments = lastSegments(glob);
        if (segments) expect(segments).toContain(name.slice(name.lastIndexOf('.') + 1));
      }),
      { numRuns: 3000 },
    );
  });

  it('normalises callees: arguments, subscripts, whitespace and await dropped', () => {
    expect(normalizeCallee('Order.objects.filter(status="x").first')).toBe('Order.objects.filter().first');
    expect(normalizeCallee('db["users"] .find')).toBe('db[].find');
    expect(normalizeCallee('await fetch')).toBe('fetch');
    expect(normalizeCallee('awaiter.run')).toBe('awaiter.run');
  });

  it('normalises any text to a fixed point, and leaves text without spaces or brackets as it is', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z_. ()[\]"'\n\t]{0,24}$/), (callee) => {
        const once = normalizeCallee(callee);
        expect(normalizeCallee(once)).toBe(once);
        expect(/\s/.test(once)).toBe(false);
        if (!/[\s()[\]]/.test(callee)) expect(once).toBe(callee);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('SQL', () => {
  it.each([
    ['SELECT id FROM jobs', ['db-read']],
    ['  select * from t where x = 1', ['db-read']],
    ['INSERT INTO t VALUES (1)', ['db-write']],
    ['UPDATE jobs SET status = 1', ['db-write']],
    ['DELETE FROM t', ['db-write']],
    ['UPDATE jobs SET s = 1 RETURNING id', ['db-read', 'db-write']],
    ['SELECT id FROM jobs FOR UPDATE SKIP LOCKED', ['db-read', 'lock']],
    ['COMMIT', ['db-commit']],
    ['WITH c AS (SELECT 1) UPDATE t SET x = 1', ['db-write']],
    ['-- comment\nSELECT 1', ['db-read']],
  ])('%s', (sql, expected) => {
    expect(classifySql(sql).sort()).toEqual(expected);
  });
});

describe('built-in Python knowledge base', () => {
  it.each([
    ['cur.fetchall', ['db-read']],
    ['Order.objects.filter', ['db-read']],
    ['Order.objects.bulk_create', ['db-batch']],
    ['Order.objects.filter().prefetch_related', ['db-batch']],
    ['self.session.query', ['db-read']],
    ['requests.get', ['http']],
    ['httpx.post', ['http']],
    ['urllib.request.urlopen', ['http']],
    ['s3.put_object', ['http']],
    ['sqs.receive_message', ['queue-pop']],
    ['sqs.delete_message', ['queue-ack']],
    ['ch.basic_ack', ['queue-ack']],
    ['ch.basic_get', ['queue-pop']],
    ['self.redis.blpop', ['queue-pop']],
    ['psycopg2.connect', ['connect']],
    ['requests.Session', ['connect']],
    ['boto3.client', ['connect']],
    ['time.sleep', ['sleep']],
    ['asyncio.sleep', ['sleep']],
    ['self._stop_event.wait', ['sleep']],
    ['open', ['file-open']],
    ['re.compile', ['regex-compile']],
    ['json.load', ['config-load']],
    ['yaml.safe_load', ['config-load']],
    ['os.environ.get', ['config-load']],
    ['executor.submit', ['task-spawn']],
    ['asyncio.create_task', ['task-spawn']],
    ['threading.Thread', ['task-spawn']],
    ['asyncio.gather', ['gather']],
    ['logger.info', ['log']],
    ['logging.exception', ['log']],
    ['conn.commit', ['db-commit']],
    ['cur.executemany', ['db-batch']],
    ['conn.close', ['close']],
  ])('%s → %j', (callee, expected) => {
    const result = kb.classify('python', callee);
    expect(result.kinds.sort()).toEqual(expected);
    expect(result.confidence).toBe('high');
  });

  it('does not mistake everyday methods for I/O', () => {
    for (const callee of ['d.get', 'cache.get', 'items.append', 'x.find', 's.strip', 'np.all', 'itertools.chain', 'self.update_progress', 'jobs.get']) {
      expect({ callee, kinds: kinds(callee) }).toEqual({ callee, kinds: [] });
    }
  });

  it('classifies execute/query by their SQL text', () => {
    expect(kinds('cur.execute', { sql: 'SELECT 1 FROM t' })).toEqual(['db-read']);
    expect(kinds('cur.execute', { sql: "UPDATE jobs SET status = 'done' WHERE id = %s" })).toEqual(['db-write']);
    expect(kinds('cur.execute', { sql: 'SELECT id FROM jobs FOR UPDATE SKIP LOCKED' })).toEqual(['db-read', 'lock']);
    expect(kinds('Model.objects.raw', { sql: 'SELECT * FROM x' })).toEqual(['db-read']);
  });

  it('guesses execute without SQL text from the statement name, with low confidence', () => {
    const write = kb.classify('python', 'cur.execute', { args: [{ text: 'INSERT_ORDER' }, { text: 'row' }] });
    expect(write).toEqual({ kinds: ['db-write'], confidence: 'low', by: 'sql-hint' });
    const read = kb.classify('python', 'cur.execute', { args: [{ text: 'query' }] });
    expect(read).toEqual({ kinds: ['db-read'], confidence: 'low', by: 'sql-hint' });
    expect(kinds('job.execute', { args: [] })).toEqual([]);
    expect(kinds('engine.execute', { args: [{ text: '"hello"', string: 'hello' }] })).toEqual([]);
  });

  it('treats session/client get as HTTP only when the arguments look like a request', () => {
    expect(kinds('self.session.get', { args: [{ text: '"https://x.test/a"', string: 'https://x.test/a' }] })).toEqual(['http']);
    expect(kinds('client.post', { args: [{ text: 'url' }, { text: 'payload', name: 'json' }] })).toEqual(['http']);
    expect(kb.classify('python', 'session.get', { args: [{ text: 'User' }, { text: 'user_id' }] })).toEqual({ kinds: ['db-read'], confidence: 'low', by: 'guess' });
  });

  it('max_positional: a keyword-only or one-name API called with more positional arguments is another method', () => {
    // boto3's DynamoDB methods take keywords only; redis-py's get(name) one name.
    expect(kinds('table.get_item', { args: [{ text: '{"id": 1}', name: 'Key' }] })).toEqual(['http']);
    expect(kinds('values.get_item', { args: [{ text: 'index' }, { text: 'node' }] })).toEqual([]);
    expect(kb.classify('python', 'self.get_item', { argCount: 1, positional: 1 }).kinds).toEqual([]);
    expect(kinds('table.put_item', { args: [{ text: '**request' }] })).toEqual(['http']);
    expect(kinds('r.get', { args: [{ text: 'key' }] })).toEqual(['db-read']);
    expect(kinds('r.get', { args: [{ text: '"provides"', string: 'provides' }, { text: '[]' }] })).toEqual([]);
    expect(kinds('r.get', { args: [{ text: '*keys' }] })).toEqual(['db-read']);
  });

  it('max_positional_by_kind: a commit with positional arguments is no database commit, other kinds stay', () => {
    // DB-API, SQLAlchemy and Django commits take no positional argument; GitPython's repo.commit(sha) looks one up.
    expect(kinds('conn.commit', { args: [] })).toEqual(['db-commit']);
    expect(kinds('repo.commit', { args: [{ text: 'sha' }] })).toEqual([]);
    expect(kinds('transaction.commit', { args: [{ text: '"default"', name: 'using' }] })).toEqual(['db-commit']);
    // A Kafka consumer's commit(msg) is still an acknowledgement.
    expect(kinds('consumer.commit', { args: [{ text: 'msg' }] })).toEqual(['queue-ack']);
  });

  it('guesses I/O from names like fetch_* / *_api with low confidence', () => {
    for (const callee of ['fetch_orders', 'self.send_invoice', 'billing_api.charge', 'sync_customers', 'upload_report', 'call_partner']) {
      expect({ callee, ...kb.classify('python', callee) }).toEqual({ callee, kinds: ['http'], confidence: 'low', by: 'guess' });
    }
    expect(kb.classify('python', 'query_users')).toEqual({ kinds: ['db-read'], confidence: 'low', by: 'guess' });
    expect(kb.classify('python', 'save_order')).toEqual({ kinds: ['db-write'], confidence: 'low', by: 'guess' });
  });
});

describe('config `apis:`', () => {
  it('never runs a repository glob on a callee past MAX_CALLEE_CHARS (a long built chain cannot make it backtrack)', () => {
    const kb = loadKnowledgeBase(configSchema().parse({ apis: { http: ['a*a*a*b'] } }));
    expect(kb.classify('python', 'aXaYab').kinds).toEqual(['http']);
    const long = 'a'.repeat(200_000);
    const started = Date.now();
    expect(kb.classify('python', long).kinds).toEqual([]);
    expect(kb.classify('python', `${'a.'.repeat(MAX_CALLEE_CHARS)}b`).kinds).toEqual([]);
    // Without the bound this is cubic in the length: minutes, not milliseconds.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('extends the knowledge base with high confidence, for bare and dotted names', () => {
    const config = configSchema().parse({ apis: { http: ['send_to_bigdata', 'external_api.*'], 'db-read': ['repo.load_*'] } });
    const extended = loadKnowledgeBase(config);
    expect(extended.classify('python', 'send_to_bigdata')).toEqual({ kinds: ['http'], confidence: 'high', by: 'api' });
    expect(extended.classify('python', 'self.send_to_bigdata')).toEqual({ kinds: ['http'], confidence: 'high', by: 'api' });
    expect(extended.classify('python', 'external_api.push')).toEqual({ kinds: ['http'], confidence: 'high', by: 'api' });
    expect(extended.classify('javascript', 'external_api.push')).toEqual({ kinds: ['http'], confidence: 'high', by: 'api' });
    expect(extended.classify('python', 'repo.load_user')).toEqual({ kinds: ['db-read'], confidence: 'high', by: 'api' });
    // Without the config, the name alone only suggests I/O.
    expect(loadKnowledgeBase().classify('python', 'send_to_bigdata')).toEqual({ kinds: ['http'], confidence: 'low', by: 'guess' });
    expect(loadKnowledgeBase().classify('python', 'repo.load_user').kinds).toEqual([]);
  });

  it('returns the same knowledge base for the same config object', () => {
    const config = configSchema().parse({ apis: { http: ['x'] } });
    expect(loadKnowledgeBase(config)).toBe(loadKnowledgeBase(config));
  });
});

describe('API files', () => {
  it('rejects an invalid file naming the file and the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coze-apis-'));
    writeFileSync(join(dir, 'bad.yml'), 'language: python\nkinds:\n  teleport: ["x.*"]\n');
    expect(() => loadApiFiles(dir)).toThrow(/rules\/apis\/bad\.yml: kinds: .*teleport/);
  });

  it('applies a javascript file to javascript, typescript and tsx', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coze-apis-'));
    writeFileSync(join(dir, 'js.yml'), 'language: javascript\nkinds:\n  http: ["axios.get"]\n');
    const bases = loadApiFiles(dir);
    for (const language of ['javascript', 'typescript', 'tsx'] as const) expect(bases.get(language)!.kinds.length).toBe(1);
    expect(bases.get('python')!.kinds.length).toBe(0);
  });
});
