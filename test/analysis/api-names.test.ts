// Every API name lives in rules/apis/*.yml (plus a repository's `apis:`): a detector that hard-codes a list of them
// (which calls sleep, block, return at once) drifts from the catalogue and from what a repository configures. This
// scans the detectors for list literals (arrays, sets, regex alternations) made mostly of names the API files know.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileApiFiles, loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { runRule } from '../support/rule-tester.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DETECTOR_DIRS = ['src/analysis/rules/quality'];

/**
 * Lists that stay in code, by file and their first three known members: the language's own collection methods and
 * built-ins (not library APIs). Method lists a rule needs by role live in `roles:` of the API files.
 */
const ALLOWED_LISTS = new Map<string, string>([
  ['index-loop.ts:append,pop,push', "the language's list/array mutators"],
  ['index-loop.ts:str,len,input', 'built-in names a fresh variable must not shadow'],
  ['brace-readability.ts:select,len,append', 'Go/Java keywords and built-ins a fresh loop variable must not be named'],
  ['brace-retry.ts:poll,pop,shift', "Java/Go collection, iterator and scanner advances (Queue.poll, Deque.pop, Iterator.next, Scanner.Scan): a loop that takes the next item walks items, it does not retry one"],
  ['ack-before-success.ts:loads,parse,decode', 'decoding steps, named in messages as not the real work'],
  ['owner-stop.ts:close,shutdown,disconnect', "the names a class gives its own lifecycle methods (`close()`, `stop()`), read off the class under review, not calls of an API"],
]);

/** `{a,b}x` → ax, bx (braces expanded; `*` kept). */
function expand(glob: string): string[] {
  let out = [''];
  for (const part of glob.split(/(\{[^}]*\})/)) {
    const options = part.startsWith('{') && part.endsWith('}') ? part.slice(1, -1).split(',') : [part];
    out = out.flatMap((prefix) => options.map((o) => prefix + o));
  }
  return out;
}

/**
 * Names the API files give for waits, sleeps, queue pops, task spawns, closes and resource-opening calls: whole
 * callees and, for `*.name`, the method; the `builds:` globs; plus the `closes`, `returns_task`, `owns_tasks`, `acks`,
 * `releases`, `blocks_when_held` and `control_flow_errors` roles.
 */
function knownNames(): Set<string> {
  const names = new Set<string>();
  for (const file of compileApiFiles().data) {
    for (const role of ['closes', 'returns_task', 'owns_tasks', 'acks', 'releases', 'blocks_when_held', 'control_flow_errors'] as const) for (const name of file.roles?.[role] ?? []) names.add(name);
    const globs = [
      ...(file.waits?.blocking ?? []),
      ...(file.waits?.immediate ?? []),
      ...(file.kinds.sleep ?? []),
      ...(file.kinds['queue-pop'] ?? []),
      ...(file.kinds['task-spawn'] ?? []),
      ...(file.kinds.close ?? []),
      ...(file.resources ?? []).map((r) => r.open),
      ...Object.values(file.builds ?? {}).flat(),
    ];
    for (const glob of globs) {
      for (const name of expand(glob)) {
        const bare = name.startsWith('*.') ? name.slice(2) : name;
        if (!bare.includes('*') && bare.length > 0) names.add(bare);
      }
    }
  }
  return names;
}

/** Array/Set literals and regex alternations (capturing or not) of a source, each as its list of members. */
export function listLiterals(source: string): Array<{ line: number; members: string[] }> {
  const out: Array<{ line: number; members: string[] }> = [];
  const lineAt = (index: number) => source.slice(0, index).split('\n').length;
  for (const m of source.matchAll(/\[([^[\]]*)\]/g)) {
    const members = [...m[1]!.matchAll(/'([^'\n]*)'|"([^"\n]*)"/g)].map((x) => x[1] ?? x[2]!);
    if (members.length >= 3) out.push({ line: lineAt(m.index!), members });
  }
  for (const m of source.matchAll(/\((?:\?:)?([\w.\\$]+(?:\|[\w.\\$]+){2,})\)/g)) {
    out.push({ line: lineAt(m.index!), members: m[1].split('|').map((x) => x.replace(/\\\./g, '.')) });
  }
  return out;
}

describe('API names live in rules/apis/*.yml', () => {
  const names = knownNames();

  it('knows the names the catalogue moved out of the detectors', () => {
    for (const name of ['time.sleep', 'asyncio.sleep', 'blpop', 'get_nowait', 'fetchall', 'events.once', 'receiveMessage']) expect(names.has(name)).toBe(true);
    for (const name of ['putconn', 'closeSync', 'create_task', 'apply_async', 'ZipFile', 'getconn', 'openSync']) expect(names.has(name)).toBe(true);
  });

  it('would catch the resource, close and spawn lists that lived in the detectors', () => {
    const old = [
      "const PY_CLOSE = new Set(['close', 'release', 'disconnect', 'shutdown', 'quit', 'putconn', 'terminate']);",
      "const JS_CLOSE = new Set(['close', 'release', 'end', 'destroy', 'quit', 'disconnect', 'closeSync', 'dispose', 'unref']);",
      'const GROUP_FACTORY = /(^|\\.)(TaskGroup|open_nursery|create_task_group|Nursery)$/;',
      'const ACK_METHODS = /^(ack|basic_ack|acknowledge|delete_message|deleteMessage|xack|mark_done|markDone)$/;',
      'const PY_SPAWN = /(^|\\.)(submit|create_task|ensure_future|run_coroutine_threadsafe|apply_async|start_soon)$/;',
      // the lists moved to `builds:` and the `releases`, `blocks_when_held` and `control_flow_errors` roles
      'const IN_PROCESS_QUEUE = /^(?:queue\\.|asyncio\\.)?(?:Queue|LifoQueue|PriorityQueue|SimpleQueue)$/;',
      'const RELEASES = /\\.(Close|Unlock|RUnlock|Rollback|Release|Stop|Cancel|Done|Flush|Sync)$/;',
      'const BLOCKING = /\\.(Unlock|RUnlock|Done)$|^(unlock\\w*)$/;',
      "return types.every((t) => /(^|\\.)(KeyboardInterrupt|CancelledError|InterruptedError|StopIteration)$/.test(t));",
    ].join('\n');
    expect(listLiterals(old).map((l) => l.members.filter((m) => names.has(m)).length >= 3)).toEqual([true, true, true, true, true, true, true, true, true]);
  });

  it('finds a hard-coded list when there is one', () => {
    const lists = listLiterals("const X = new Set(['blpop', 'brpop', 'get_nowait']);\nconst R = /^(time\\.sleep|asyncio\\.sleep|trio\\.sleep)$/;\n");
    expect(lists.map((l) => l.members.filter((m) => names.has(m)).length)).toEqual([3, 3]);
  });

  it('no detector hard-codes a list of waits, sleeps or queue pops', () => {
    const found: string[] = [];
    for (const dir of DETECTOR_DIRS) {
      for (const file of readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.ts'))) {
        const source = readFileSync(join(ROOT, dir, file), 'utf8');
        for (const list of listLiterals(source)) {
          const known = list.members.filter((m) => names.has(m));
          if (known.length >= 3 && !ALLOWED_LISTS.has(`${file}:${known.slice(0, 3).join(',')}`)) found.push(`${dir}/${file}:${list.line}: ${known.join(', ')}`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});

describe('roles: method lists the rules read from the API files', () => {
  const kb = loadKnowledgeBase(DEFAULT_CONFIG);

  it('answers per language and role', () => {
    expect(kb.hasRole?.('python', 'is_set', 'state_probe')).toBe(true);
    expect(kb.hasRole?.('typescript', 'isSet', 'state_probe')).toBe(true);
    expect(kb.hasRole?.('python', 'read', 'state_probe')).toBe(false);
    expect(kb.hasRole?.('python', 'print', 'not_work')).toBe(true);
    expect(kb.hasRole?.('javascript', 'handle', 'not_work')).toBe(false);
    expect(kb.hasRole?.('python', 'call_later', 'keeps_callback')).toBe(true);
    expect(kb.hasRole?.('python', 'setTimeout', 'keeps_callback')).toBe(false);
    expect(kb.hasRole?.('tsx', 'setTimeout', 'keeps_callback')).toBe(true);
    expect(kb.hasRole?.('go', 'poll', 'state_probe')).toBe(false);
    expect(kb.hasRole?.('python', 'putconn', 'closes')).toBe(true);
    expect(kb.hasRole?.('typescript', 'closeSync', 'closes')).toBe(true);
    expect(kb.hasRole?.('javascript', 'putconn', 'closes')).toBe(false);
    expect(kb.hasRole?.('python', 'create_task', 'returns_task')).toBe(true);
    expect(kb.hasRole?.('python', 'start_soon', 'returns_task')).toBe(false);
    expect(kb.hasRole?.('python', 'open_nursery', 'owns_tasks')).toBe(true);
    expect(kb.hasRole?.('python', 'xack', 'acks')).toBe(true);
    expect(kb.hasRole?.('typescript', 'markAsDone', 'acks')).toBe(true);
    expect(kb.hasRole?.('typescript', 'commit', 'acks')).toBe(false);
    expect(kb.hasRole?.('go', 'Rollback', 'releases')).toBe(true);
    expect(kb.hasRole?.('go', 'Unlock', 'blocks_when_held')).toBe(true);
    expect(kb.hasRole?.('go', 'Close', 'blocks_when_held')).toBe(false);
    expect(kb.hasRole?.('python', 'Close', 'releases')).toBe(false);
    expect(kb.hasRole?.('python', 'CancelledError', 'control_flow_errors')).toBe(true);
    expect(kb.hasRole?.('python', 'ConnectionError', 'control_flow_errors')).toBe(false);
  });

  it('builds: what a call builds, by its whole callee', () => {
    for (const callee of ['queue.Queue', 'asyncio.Queue', 'Queue', 'asyncio.PriorityQueue', 'SimpleQueue']) expect(kb.builds?.('python', callee, 'in_process_queue')).toBe(true);
    for (const callee of ['kombu.Queue', 'multiprocessing.Queue', 'self.Queue', 'queue.get']) expect(kb.builds?.('python', callee, 'in_process_queue')).toBe(false);
    expect(kb.builds?.('javascript', 'Queue', 'in_process_queue')).toBe(false);
  });

  it('resources: what a call opens and how it is closed', () => {
    expect(kb.resourceOf?.('python', 'gzip.open')).toEqual({ close: 'close', closedByWith: true });
    expect(kb.resourceOf?.('python', 'conn.cursor')).toEqual({ close: 'close', closedByWith: false });
    expect(kb.resourceOf?.('python', 'psycopg2.connect')).toEqual({ close: 'close', closedByWith: false });
    expect(kb.resourceOf?.('python', 'self.pool.getconn')).toEqual({ close: 'putconn', closedByWith: false });
    expect(kb.resourceOf?.('python', 'requests.get')).toBeUndefined();
    // JS: a client class only as `new`, the promise `open` only when awaited.
    expect(kb.resourceOf?.('typescript', 'pg.Client', { constructed: true })).toEqual({ close: 'end', closedByWith: false });
    expect(kb.resourceOf?.('typescript', 'pg.Client')).toBeUndefined();
    expect(kb.resourceOf?.('javascript', 'mysql.createConnection', { constructed: true })).toBeUndefined();
    expect(kb.resourceOf?.('javascript', 'fs.promises.open', { awaited: true })).toEqual({ close: 'close', closedByWith: false });
    expect(kb.resourceOf?.('javascript', 'fs.promises.open')).toBeUndefined();
    expect(kb.resourceOf?.('tsx', 'this.pgPool.connect')).toEqual({ close: 'release', closedByWith: false });
    expect(kb.resourceOf?.('go', 'os.Open')).toBeUndefined();
  });
});

describe('the rules read those names end to end', () => {
  it('resource-leak-in-loop: a pool checkout is given back with putconn, a JS socket only counts as `new`', () => {
    const py = ['def sync(pool, rows):', '    for row in rows:', '        conn = pool.getconn()', '        conn.cursor().execute("UPDATE t SET x = 1")', ''].join('\n');
    const [leak] = runRule('resource-leak-in-loop', 'worker.py', py);
    expect(leak?.data).toMatchObject({ resource: 'conn', close: 'putconn' });
    // `with pool.getconn() as conn:` would not give it back (a connection's `with` commits): the sketch is try/finally.
    expect(leak?.fix?.code).toBe('conn = pool.getconn()\ntry:\n    ...  # use conn\nfinally:\n    pool.putconn(conn)\n');
    const [direct] = runRule('resource-leak-in-loop', 'worker.py', py.replace('pool.getconn()', 'psycopg2.connect(dsn)'));
    expect(direct?.fix?.code).toContain('finally:\n    conn.close()');
    // Closed on the happy path only: one exception between checkout and putconn and the pool never gets it back.
    const happyPath = runRule('resource-leak-in-loop', 'worker.py', py + '        pool.putconn(conn)\n');
    expect(happyPath[0]?.explanation).toContain('putconn()');
    const lines = py.split('\n');
    const closed = [...lines.slice(0, 3), '        try:', '    ' + lines[3], '        finally:', '            pool.putconn(conn)', ''].join('\n');
    expect(runRule('resource-leak-in-loop', 'worker.py', closed)).toEqual([]);
    const js = (open: string) => ['async function poll(hosts) {', '  for (const h of hosts) {', `    const s = ${open};`, '    s.write(h);', '  }', '}', ''].join('\n');
    expect(runRule('resource-leak-in-loop', 'poll.js', js('new net.Socket()'))[0]?.data).toMatchObject({ resource: 's', close: 'end' });
    expect(runRule('resource-leak-in-loop', 'poll.js', js('net.Socket()'))).toEqual([]);
    expect(runRule('resource-leak-in-loop', 'poll.js', js("fs.openSync(h, 'r')"))[0]?.data).toMatchObject({ close: 'closeSync' });
  });

  it('fire-and-forget-task: returns_task and owns_tasks decide', () => {
    const src = (receiver: string, setup: string) =>
      ['import asyncio', '', 'async def run(jobs):', `    ${setup}`, '    for job in jobs:', `        ${receiver}.create_task(handle(job))`, ''].join('\n');
    expect(runRule('fire-and-forget-task', 'run.py', src('loop', 'loop = asyncio.get_running_loop()'))).toHaveLength(1);
    expect(runRule('fire-and-forget-task', 'run.py', src('pending', 'pending = asyncio.TaskGroup()'))).toEqual([]);
    const soon = ['async def run(n, jobs):', '    for job in jobs:', '        n.start_soon(handle, job)', ''].join('\n');
    expect(runRule('fire-and-forget-task', 'run.py', soon)).toEqual([]);
  });
});
