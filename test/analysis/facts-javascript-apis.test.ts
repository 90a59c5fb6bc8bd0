import { describe, expect, it } from '@jest/globals';
import type { CallFact, CallKind } from '../../src/analysis/facts.js';
import { extractJavaScriptFacts } from '../../src/analysis/facts/javascript.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { parseSource } from '../../src/analysis/parse.js';
import { parseConfig } from '../../src/config/load.js';

const kb = loadKnowledgeBase();

/** The calls of `statement` placed in the body of a for..of loop inside an async function. */
function callsIn(statement: string, language: 'javascript' | 'typescript' | 'tsx' = 'typescript', prelude = ''): CallFact[] {
  const source = `${prelude}\nasync function work(items) {\n  for (const item of items) {\n    ${statement}\n  }\n}\n`;
  const facts = extractJavaScriptFacts('x.ts', source, parseSource(language, source), language, kb);
  const loop = facts.loops.find((l) => l.kind === 'for-each');
  if (!loop) throw new Error('no loop');
  return loop.calls;
}

function kindsOf(statement: string, callee: string, prelude = ''): CallKind[] {
  const call = callsIn(statement, 'typescript', prelude).find((c) => c.callee === callee);
  if (!call) throw new Error(`no call ${callee} in ${statement}`);
  return [...call.kinds].sort();
}

describe('rules/apis/javascript.yml through the extractor', () => {
  it.each([
    // pg / mysql2 / knex
    ["await pool.query('SELECT * FROM users WHERE id = $1', [item]);", 'pool.query', ['db-read']],
    ['await client.query(`INSERT INTO events (id) VALUES (${item.id})`);', 'client.query', ['db-write']],
    ["await pool.query({ text: 'UPDATE jobs SET done = true WHERE id = $1', values: [item] });", 'pool.query', ['db-write']],
    ["await conn.execute('SELECT id FROM jobs FOR UPDATE SKIP LOCKED');", 'conn.execute', ['db-read', 'lock']],
    ["await client.query('COMMIT');", 'client.query', ['db-commit']],
    ['const c = await pool.connect();', 'pool.connect', ['connect']],
    ['const p = new Pool();', 'new Pool', ['connect']],
    ['const c = new pg.Client();', 'new pg.Client', ['connect']],
    ['const c = await mysql.createConnection(cfg);', 'mysql.createConnection', ['connect']],
    ["const u = await knex('users').where({ id: item }).first();", 'knex().where().first', ['db-read']],
    ["await knex('users').insert(item);", 'knex().insert', ['db-write']],
    // Prisma
    ['await prisma.user.findMany({ where: { id: item } });', 'prisma.user.findMany', ['db-read']],
    ['await this.prisma.order.findUnique({ where: { id: item } });', 'this.prisma.order.findUnique', ['db-read']],
    ['await prisma.user.update({ where: { id: item }, data: {} });', 'prisma.user.update', ['db-write']],
    ['await prisma.user.upsert({ where: { id: item }, create: {}, update: {} });', 'prisma.user.upsert', ['db-write']],
    ['await prisma.user.createMany({ data: items });', 'prisma.user.createMany', ['db-batch']],
    ['await prisma.$transaction([a, b]);', 'prisma.$transaction', ['db-batch', 'db-commit']],
    // TypeORM / Sequelize / Mongoose / MongoDB
    ['await userRepository.findOne({ where: { id: item } });', 'userRepository.findOne', ['db-read']],
    ['await this.orderRepository.save(item);', 'this.orderRepository.save', ['db-write']],
    ['await repo.remove(item);', 'repo.remove', ['db-write']],
    ['await manager.insert(Order, item);', 'manager.insert', ['db-write']],
    ['await User.findAll({ where: { id: item } });', 'User.findAll', ['db-read']],
    ['await Order.bulkCreate(items);', 'Order.bulkCreate', ['db-batch']],
    ['await User.findById(item);', 'User.findById', ['db-read']],
    ['await User.deleteOne({ _id: item });', 'User.deleteOne', ['db-write']],
    ['await Event.insertMany(items);', 'Event.insertMany', ['db-batch']],
    ["await db.collection('jobs').findOne({ _id: item });", 'db.collection().findOne', ['db-read']],
    ["await db.collection('jobs').updateOne({ _id: item }, { $set: {} });", 'db.collection().updateOne', ['db-write']],
    ['await collection.bulkWrite(ops);', 'collection.bulkWrite', ['db-batch']],
    // Redis
    ['await redis.get(`k:${item}`);', 'redis.get', ['db-read']],
    ['await redis.set(`k:${item}`, 1);', 'redis.set', ['db-write']],
    ["await redis.brpop('jobs', 5);", 'redis.brpop', ['queue-pop']],
    ["await this.redis.lpop('jobs');", 'this.redis.lpop', ['queue-pop']],
    ["await redis.xread('BLOCK', 5000, 'STREAMS', 's', '$');", 'redis.xread', ['queue-pop']],
    // HTTP clients
    ['await fetch(item.url);', 'fetch', ['http']],
    ['await axios.post(url, item);', 'axios.post', ['http']],
    ['await got(item.url);', 'got', ['http']],
    ['await undici.request(item.url);', 'undici.request', ['http']],
    ["await superagent.get('https://example.com');", 'superagent.get', ['http']],
    ["await this.http.get(`https://api/${item}`);", 'this.http.get', ['http']],
    // queues
    ["const m = await channel.get('jobs');", 'channel.get', ['queue-pop']],
    ['channel.ack(item);', 'channel.ack', ['queue-ack']],
    ['await producer.send({ topic: "t", messages: [item] });', 'producer.send', ['queue-publish']],
    ['const c = kafka.consumer({ groupId: "g" });', 'kafka.consumer', ['connect']],
    // files, config, regex, gather, log, close, tasks
    ["const cfg = JSON.parse(fs.readFileSync('config.json', 'utf8'));", 'fs.readFileSync', ['config-load']],
    ["const cfg = await fs.promises.readFile('c.json', 'utf8');", 'fs.promises.readFile', ['config-load']],
    ["const re = new RegExp('^a');", 'new RegExp', ['regex-compile']],
    ['await Promise.all([a(item), b(item)]);', 'Promise.all', ['gather']],
    ['await Promise.allSettled(list);', 'Promise.allSettled', ['gather']],
    ['console.log(item);', 'console.log', ['log']],
    ['logger.info({ item }, "done");', 'logger.info', ['log']],
    ['conn.release();', 'conn.release', ['close']],
    ['await client.end();', 'client.end', ['close']],
    ["const w = new Worker('./w.js');", 'new Worker', ['task-spawn']],
    ['queueMicrotask(() => item);', 'queueMicrotask', ['task-spawn']],
  ] as Array<[string, string, CallKind[]]>)('%s', (statement, callee, kinds) => {
    expect(kindsOf(statement, callee)).toEqual([...kinds].sort());
  });

  it('does not mistake array methods, builders and callbacks for I/O', () => {
    expect(kindsOf('const x = items.find((i) => i.id === item);', 'items.find')).toEqual([]);
    expect(kindsOf('const x = Object.create(item);', 'Object.create')).toEqual([]);
    expect(kindsOf('const s = _.groupBy(items, "k");', '_.groupBy')).toEqual([]);
    expect(kindsOf('document.querySelector(item);', 'document.querySelector')).toEqual([]);
    expect(kindsOf("await pool.query(sql`SELECT 1 FROM t`);", 'sql')).toEqual([]);
    expect(kindsOf('const cmd = new ReceiveMessageCommand({ QueueUrl: q });', 'new ReceiveMessageCommand')).toEqual([]);
    expect(kindsOf('setTimeout(() => flush(item), 0);', 'setTimeout')).toEqual([]);
  });

  it('keeps the database kinds on the last link of a builder chain only', () => {
    const calls = callsIn("const rows = await db.collection('jobs').find({ done: false }).toArray();");
    const kinds = Object.fromEntries(calls.map((c) => [c.callee, c.kinds]));
    expect(kinds['db.collection().find().toArray']).toEqual(['db-read']);
    expect(kinds['db.collection().find']).toEqual([]);
    expect(kinds['db.collection']).toEqual([]);
  });

  it('reads SQL from a tagged template and Prisma raw queries', () => {
    const [query] = callsIn('await pool.query(sql`SELECT * FROM jobs WHERE id = ${item}`);');
    expect(query).toMatchObject({ callee: 'pool.query', sql: 'SELECT * FROM jobs WHERE id = ${item}', kinds: ['db-read'] });
    const [raw] = callsIn('await prisma.$queryRaw`SELECT * FROM t WHERE id = ${item}`;');
    expect(raw).toMatchObject({ callee: 'prisma.$queryRaw', kinds: ['db-read'] });
    expect(raw!.sql).toMatch(/^SELECT \* FROM t/);
  });

  it('reads sleep durations from every idiom, in seconds', () => {
    const sleepOf = (statement: string, prelude = ''): number | undefined =>
      callsIn(statement, 'typescript', prelude).find((c) => c.kinds.includes('sleep'))?.sleepSeconds;
    expect(sleepOf('await sleep(2500);')).toBe(2.5);
    expect(sleepOf('await delay(60 * 1000);')).toBe(60);
    expect(sleepOf('await new Promise((r) => setTimeout(r, 750));')).toBe(0.75);
    expect(sleepOf('await new Promise((resolve) => { setTimeout(() => resolve(), 3000); });')).toBe(3);
    expect(sleepOf('await setTimeout(4000);', "import { setTimeout } from 'node:timers/promises';")).toBe(4);
    // A module binding of timers/promises, as TypeScript's CommonJS output and namespace imports write it.
    expect(sleepOf('await (0, promises_1.setTimeout)(2000);', 'const promises_1 = require("timers/promises");')).toBe(2);
    expect(sleepOf('await waits.setTimeout(500);', 'const waits = __importStar(require("node:timers/promises"));')).toBe(0.5);
    expect(sleepOf('await tp.setTimeout(250);', "import * as tp from 'node:timers/promises';")).toBe(0.25);
    expect(sleepOf('await scheduler.setTimeout(250);', "const scheduler = require('./scheduler');")).toBeUndefined();
    expect(sleepOf('await wait(BACKOFF);', 'const BACKOFF = 1_500;')).toBe(1.5);
    expect(sleepOf('await sleep(5);', 'const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));')).toBe(5);
  });

  it('reads blocking timeouts', () => {
    const timeoutOf = (statement: string): number | undefined => callsIn(statement).find((c) => c.kinds.includes('queue-pop'))?.timeoutSeconds;
    expect(timeoutOf("await redis.blpop('q', 30);")).toBe(30);
    expect(timeoutOf("await redis.xread('BLOCK', 5000, 'STREAMS', 's', '$');")).toBe(5);
    expect(timeoutOf('await sqs.receiveMessage({ QueueUrl: q, WaitTimeSeconds: 20 }).promise();')).toBe(20);
    expect(timeoutOf("await channel.get('q');")).toBeUndefined();
  });

  it('marks promises nobody waits for, and .then without .catch', () => {
    const [bare] = callsIn('fetch(item.url);');
    expect(bare).toMatchObject({ awaited: false, resultUsed: false, guarded: false });
    expect(bare!.kinds).toEqual(['http', 'task-spawn']);
    const [thenOnly] = callsIn('fetch(item.url).then((r) => r.json());');
    expect(thenOnly).toMatchObject({ awaited: false, resultUsed: false, guarded: false });
    const [caught] = callsIn('fetch(item.url).then((r) => r.json()).catch(console.error);');
    expect(caught).toMatchObject({ awaited: false, resultUsed: false, guarded: true });
    const [inTry] = callsIn('try { fetch(item.url); } catch (e) { console.error(e); }');
    expect(inTry).toMatchObject({ inTry: true, guarded: false });
    const [voided] = callsIn('void fetch(item.url);');
    expect(voided).toMatchObject({ resultUsed: false });
  });

  it('knows which resources are closed on every path', () => {
    const managed = (statement: string): boolean => callsIn(statement).find((c) => c.kinds.includes('connect'))!.managed;
    expect(managed('const c = await pool.connect(); try { await c.query(q); } finally { c.release(); }')).toBe(true);
    expect(managed('await using c = await pool.connect();')).toBe(true);
    expect(managed('const c = await pool.connect(); await c.query(q);')).toBe(false);
    expect(managed('const c = await pool.connect(); try { await c.query(q); } catch (e) { log(e); }')).toBe(false);
  });

  it('lets a repository extend the knowledge base with apis:', () => {
    const config = parseConfig('apis:\n  http: ["sendToBigData"]\n', '.coze-loop.yml');
    const custom = loadKnowledgeBase(config);
    const source = 'async function f(xs) { for (const x of xs) { await this.sendToBigData(x); } }';
    const facts = extractJavaScriptFacts('x.js', source, parseSource('javascript', source), 'javascript', custom);
    expect(facts.loops[0]!.calls[0]).toMatchObject({ callee: 'this.sendToBigData', kinds: ['http'], confidence: 'high' });
  });

  it('guesses I/O from names with low confidence', () => {
    const [call] = callsIn('await fetchOrders(item);');
    expect(call).toMatchObject({ kinds: ['http'], confidence: 'low' });
  });
});
