// Idiomatic rewrites shown as `block` fixes. Each template is complete code (it parses on its own), written in the
// shape a reviewer would ask for: a worker that drains on SIGTERM and survives a bad item, a retry with capped
// exponential backoff and jitter, an atomic claim query, one batched query instead of one per item.
import type { Language } from '../core/types.js';
import { indentText, dedentText } from './lines.js';
import { trimChar } from '../core/linear-text.js';

type Family = 'python' | 'js';

function familyOf(language: Language): Family {
  return language === 'python' ? 'python' : 'js';
}

function isTypeScript(language: Language): boolean {
  return language === 'typescript' || language === 'tsx';
}

/** snake_case from any identifier-ish text (`syncOrders` / `sync-orders` → `sync_orders`). */
export function snakeCase(text: string): string {
  const cleaned = text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_');
  const trimmed = trimChar(cleaned, '_', true).toLowerCase();
  return /^[a-z_]/.test(trimmed) ? trimmed : `w_${trimmed}`;
}

/** camelCase from any identifier-ish text (`sync_orders` → `syncOrders`). */
export function camelCase(text: string): string {
  const snake = snakeCase(text);
  return snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** SCREAMING_SNAKE_CASE constant name. */
export function constantCase(text: string): string {
  return snakeCase(text).toUpperCase();
}

export interface GuardedWorkerOptions {
  /** What the worker does, e.g. `sync_orders`; used for function and log names. */
  name: string;
  /** Current loop body to place into the per-iteration step (any indentation). */
  body?: string;
  /** Seconds to wait between iterations; omitted when the body already blocks (e.g. a blocking pop). */
  idleSeconds?: number;
  /** The body is async (asyncio / JS async function). */
  async?: boolean;
  /**
   * Names the body reads from the function it came from (its parameters, locals bound before the loop): the step
   * function takes them as parameters and the runner passes them on, so that moving the body binds no name anew.
   */
  params?: string[];
  /**
   * The body's `break` was rewritten to return a stop value (rules/lib/moved-body.ts): the runner leaves its loop when
   * the step returns true.
   */
  stops?: boolean;
}

/** Longest pause between attempts while every iteration keeps failing (the error persists: a database down). */
export const MAX_FAILURE_BACKOFF_SECONDS = 60;

/**
 * A worker loop with a stop flag set by SIGTERM/SIGINT, one try/except per iteration, logging, and a capped
 * exponential pause while iterations keep failing (a persistent error must not turn the loop into a hot spin).
 */
export function guardedWorkerTemplate(language: Language, options: GuardedWorkerOptions): string {
  return familyOf(language) === 'python' ? pythonGuardedWorker(options) : jsGuardedWorker(language, options);
}

function pythonGuardedWorker(options: GuardedWorkerOptions): string {
  const name = snakeCase(options.name);
  const step = `${name}_once`;
  const params = (options.params ?? []).join(', ');
  const body = options.body ? indentText(dedentText(options.body), '    ') : '    ...';
  const interval = options.idleSeconds !== undefined ? `${constantCase(name)}_INTERVAL_SECONDS = ${options.idleSeconds}\n` : '';
  if (options.async) {
    const wait =
      options.idleSeconds !== undefined
        ? [
            '        try:',
            `            await asyncio.wait_for(stop.wait(), timeout=${constantCase(name)}_INTERVAL_SECONDS)`,
            '        except asyncio.TimeoutError:',
            '            pass',
          ]
        : [];
    return [
      'import asyncio',
      'import logging',
      'import signal',
      '',
      'logger = logging.getLogger(__name__)',
      interval,
      `async def ${step}(${params}) -> ${options.stops ? 'bool' : 'None'}:`,
      body,
      '',
      '',
      `async def run_${name}(${params}) -> None:`,
      '    stop = asyncio.Event()',
      '    loop = asyncio.get_running_loop()',
      '    for sig in (signal.SIGTERM, signal.SIGINT):',
      '        loop.add_signal_handler(sig, stop.set)',
      '    failures = 0',
      '    while not stop.is_set():',
      '        try:',
      ...(options.stops ? [`            if await ${step}(${params}):`, '                break'] : [`            await ${step}(${params})`]),
      '            failures = 0',
      '        except Exception:',
      '            failures += 1',
      `            logger.exception("${name}: iteration failed, continuing with the next one")`,
      '            # Back off while the error persists instead of spinning on it.',
      '            try:',
      `                await asyncio.wait_for(stop.wait(), timeout=min(${MAX_FAILURE_BACKOFF_SECONDS}, 2 ** failures))`,
      '            except asyncio.TimeoutError:',
      '                pass',
      '            continue',
      ...wait,
      `    logger.info("${name}: stopped cleanly")`,
      '',
    ]
      .filter((line, index, all) => !(line === '' && all[index - 1] === ''))
      .join('\n');
  }
  const wait = options.idleSeconds !== undefined ? [`        stop.wait(${constantCase(name)}_INTERVAL_SECONDS)`] : [];
  return [
    'import logging',
    'import signal',
    'import threading',
    '',
    'logger = logging.getLogger(__name__)',
    'stop = threading.Event()',
    interval,
    '',
    'def _request_stop(signum, _frame) -> None:',
    `    logger.info("${name}: signal %s received, finishing the current item", signum)`,
    '    stop.set()',
    '',
    '',
    `def ${step}(${params}) -> ${options.stops ? 'bool' : 'None'}:`,
    body,
    '',
    '',
    `def run_${name}(${params}) -> None:`,
    '    signal.signal(signal.SIGTERM, _request_stop)',
    '    signal.signal(signal.SIGINT, _request_stop)',
    '    failures = 0',
    '    while not stop.is_set():',
    '        try:',
    ...(options.stops ? [`            if ${step}(${params}):`, '                break'] : [`            ${step}(${params})`]),
    '            failures = 0',
    '        except Exception:',
    '            failures += 1',
    `            logger.exception("${name}: iteration failed, continuing with the next one")`,
    '            # Back off while the error persists instead of spinning on it.',
    `            stop.wait(min(${MAX_FAILURE_BACKOFF_SECONDS}, 2 ** failures))`,
    '            continue',
    ...wait,
    `    logger.info("${name}: stopped cleanly")`,
    '',
  ]
    .filter((line, index, all) => !(line === '' && all[index - 1] === '' && all[index - 2] === ''))
    .join('\n');
}

function jsGuardedWorker(language: Language, options: GuardedWorkerOptions): string {
  const name = camelCase(options.name);
  const step = `${name}Once`;
  const ts = isTypeScript(language);
  const body = options.body ? indentText(dedentText(options.body), '  ') : '  // one unit of work';
  const constant = `${constantCase(options.name)}_INTERVAL_MS`;
  const lines = [`import { setTimeout as sleep } from 'node:timers/promises';`, ''];
  if (options.idleSeconds !== undefined) lines.push(`const ${constant} = ${Math.round(options.idleSeconds * 1000)};`, '');
  const params = (options.params ?? []).join(', ');
  const typedParams = (options.params ?? []).map((p) => (ts ? `${p}: unknown` : p)).join(', ');
  lines.push(
    `async function ${step}(${typedParams})${ts ? `: Promise<${options.stops ? 'boolean' : 'void'}>` : ''} {`,
    body,
    '}',
    '',
    `export async function run${name[0]!.toUpperCase()}${name.slice(1)}(${typedParams ? `${typedParams}, ` : ''}signal${ts ? ': AbortSignal' : ''})${ts ? ': Promise<void>' : ''} {`,
    '  let failures = 0;',
    '  while (!signal.aborted) {',
    '    try {',
    options.stops ? `      if (await ${step}(${params})) break;` : `      await ${step}(${params});`,
    '      failures = 0;',
    '    } catch (err) {',
    '      failures += 1;',
    `      console.error('${name}: iteration failed, continuing with the next one', err);`,
    '      // Back off while the error persists instead of spinning on it.',
    `      await sleep(Math.min(${MAX_FAILURE_BACKOFF_SECONDS * 1000}, 1000 * 2 ** failures), undefined, { signal }).catch(() => undefined);`,
    '      continue;',
    '    }',
  );
  if (options.idleSeconds !== undefined) {
    lines.push(`    await sleep(${constant}, undefined, { signal }).catch(() => undefined);`);
  }
  lines.push(
    '  }',
    `  console.info('${name}: stopped cleanly');`,
    '}',
    '',
    'const controller = new AbortController();',
    `for (const sig of ['SIGTERM', 'SIGINT']${ts ? ' as const' : ''}) process.once(sig, () => controller.abort());`,
    `void run${name[0]!.toUpperCase()}${name.slice(1)}(${params ? `${params}, ` : ''}controller.signal);`,
    '',
  );
  return lines.join('\n');
}

export interface BackoffOptions {
  /** The call to retry, as source text (`requests.get(url, timeout=10)` / `fetch(url)`). */
  call: string;
  /** Variable receiving the result. */
  resultName?: string;
  maxAttempts?: number;
  baseSeconds?: number;
  capSeconds?: number;
  /** Exception type(s) to retry (Python), e.g. `requests.RequestException`. */
  retryOn?: string;
  async?: boolean;
}

/** Retry with capped exponential backoff, full jitter and an attempt limit; the last failure is re-raised. */
export function backoffRetryTemplate(language: Language, options: BackoffOptions): string {
  const attempts = options.maxAttempts ?? 5;
  const base = options.baseSeconds ?? 0.5;
  const cap = options.capSeconds ?? 30;
  const result = options.resultName ?? 'result';
  if (familyOf(language) === 'python') {
    const sleep = options.async ? 'await asyncio.sleep' : 'time.sleep';
    const def = options.async ? 'async def' : 'def';
    const call = options.async && !/^await\b/.test(options.call) ? `await ${options.call}` : options.call;
    return [
      options.async ? 'import asyncio' : 'import time',
      'import logging',
      'import random',
      '',
      'logger = logging.getLogger(__name__)',
      '',
      `MAX_ATTEMPTS = ${attempts}`,
      `BACKOFF_BASE_SECONDS = ${base}`,
      `BACKOFF_CAP_SECONDS = ${cap}`,
      '',
      '',
      `${def} call_with_backoff():`,
      '    for attempt in range(MAX_ATTEMPTS):',
      '        try:',
      `            ${result} = ${call}`,
      `            return ${result}`,
      `        except ${options.retryOn ?? 'Exception'}:`,
      '            if attempt == MAX_ATTEMPTS - 1:',
      '                raise',
      '            delay = random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** attempt))',
      '            logger.warning("attempt %d/%d failed, retrying in %.1f s", attempt + 1, MAX_ATTEMPTS, delay, exc_info=True)',
      `            ${sleep}(delay)`,
      '',
    ].join('\n');
  }
  const ts = isTypeScript(language);
  const call = /^await\b/.test(options.call) ? options.call : `await ${options.call}`;
  return [
    `import { setTimeout as sleep } from 'node:timers/promises';`,
    '',
    `const MAX_ATTEMPTS = ${attempts};`,
    `const BACKOFF_BASE_MS = ${Math.round(base * 1000)};`,
    `const BACKOFF_CAP_MS = ${Math.round(cap * 1000)};`,
    '',
    `async function callWithBackoff()${ts ? ': Promise<unknown>' : ''} {`,
    '  for (let attempt = 0; ; attempt++) {',
    '    try {',
    `      return ${call};`,
    '    } catch (err) {',
    '      if (attempt + 1 >= MAX_ATTEMPTS) throw err;',
    '      const delay = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);',
    '      console.warn(`attempt ${attempt + 1}/${MAX_ATTEMPTS} failed, retrying in ${Math.round(delay)} ms`, err);',
    '      await sleep(delay);',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

export interface ClaimQueryOptions {
  table: string;
  /** State column, e.g. `status`. */
  column: string;
  /** Value selected (`'pending'`, as written in the SQL, quotes included). */
  fromValue: string;
  /** Value written when claiming (`'running'`). */
  toValue: string;
  idColumn?: string;
  limit?: number;
  /** Columns to return for the work (`id, payload`). */
  returning?: string;
  /** Placeholder style of the driver: psycopg/MySQL `%s`, node-postgres `$1`. */
  dialect?: 'postgres';
}

/** The SQL of an atomic claim: one statement selects and marks rows, skipping rows other workers hold. */
export function claimQuerySql(options: ClaimQueryOptions): string {
  const id = options.idColumn ?? 'id';
  const limit = options.limit ?? 10;
  return [
    `UPDATE ${options.table}`,
    `   SET ${options.column} = ${options.toValue}`,
    ` WHERE ${id} IN (`,
    `       SELECT ${id} FROM ${options.table}`,
    `        WHERE ${options.column} = ${options.fromValue}`,
    `        ORDER BY ${id}`,
    `        LIMIT ${limit}`,
    '        FOR UPDATE SKIP LOCKED)',
    `RETURNING ${options.returning ?? '*'}`,
  ].join('\n');
}

/** Claim-then-process code: each worker gets disjoint rows; the claim commits before the work starts. */
export function claimQueryTemplate(language: Language, options: ClaimQueryOptions): string {
  const sql = claimQuerySql(options);
  if (familyOf(language) === 'python') {
    return [
      'CLAIM_SQL = """',
      sql,
      '"""',
      '',
      '',
      'def claim_batch(conn):',
      '    with conn.cursor() as cur:',
      '        cur.execute(CLAIM_SQL)',
      '        rows = cur.fetchall()',
      '    conn.commit()',
      '    return rows',
      '',
      '',
      'for row in claim_batch(conn):',
      '    process(row)',
      '',
    ].join('\n');
  }
  const ts = isTypeScript(language);
  return [
    'const CLAIM_SQL = `',
    sql,
    '`;',
    '',
    `async function claimBatch(db${ts ? ': { query(sql: string): Promise<{ rows: unknown[] }> }' : ''}) {`,
    '  const { rows } = await db.query(CLAIM_SQL);',
    '  return rows;',
    '}',
    '',
    'for (const row of await claimBatch(db)) {',
    '  await processRow(row);',
    '}',
    '',
  ].join('\n');
}

export interface BatchedQueryOptions {
  table: string;
  /** Column matched against the collected keys. */
  keyColumn: string;
  /** Collection the loop iterates (`orders`). */
  itemsVar: string;
  /** Expression giving one item's key (`order.customer_id`). */
  keyExpr: string;
  /** Columns to select. */
  columns?: string;
}

/** One query for all keys of a batch, then a dictionary lookup per item. */
export function batchedQueryTemplate(language: Language, options: BatchedQueryOptions): string {
  const columns = options.columns ?? '*';
  if (familyOf(language) === 'python') {
    const item = 'item';
    const keyExpr = options.keyExpr.replace(/^[A-Za-z_]\w*/, item);
    return [
      `keys = list({${keyExpr} for ${item} in ${options.itemsVar}})`,
      `cur.execute("SELECT ${columns} FROM ${options.table} WHERE ${options.keyColumn} = ANY(%s)", (keys,))`,
      `by_key = {row["${options.keyColumn}"]: row for row in cur.fetchall()}`,
      `for ${item} in ${options.itemsVar}:`,
      `    row = by_key.get(${keyExpr})`,
      '',
    ].join('\n');
  }
  const keyExpr = options.keyExpr.replace(/^[A-Za-z_$][\w$]*/, 'item');
  return [
    `const keys = [...new Set(${options.itemsVar}.map((item) => ${keyExpr}))];`,
    `const { rows } = await db.query('SELECT ${columns} FROM ${options.table} WHERE ${options.keyColumn} = ANY($1)', [keys]);`,
    `const byKey = new Map(rows.map((row) => [row.${options.keyColumn}, row]));`,
    `for (const item of ${options.itemsVar}) {`,
    `  const row = byKey.get(${keyExpr});`,
    '}',
    '',
  ].join('\n');
}

export interface FailureBackoffOptions {
  /** The work of one iteration (any indentation). */
  body?: string;
  async?: boolean;
}

/**
 * A worker loop that backs off after consecutive failures (capped, with jitter) and resets after a success: an
 * outage costs a few calls per minute instead of one per round trip.
 */
export function failureBackoffTemplate(language: Language, options: FailureBackoffOptions): string {
  if (familyOf(language) === 'python') {
    const body = options.body ? indentText(dedentText(options.body), '        ') : '        ...';
    const sleep = options.async ? 'await asyncio.sleep' : 'time.sleep';
    return [
      options.async ? 'import asyncio' : 'import time',
      'import logging',
      'import random',
      '',
      'logger = logging.getLogger(__name__)',
      '',
      'BACKOFF_BASE_SECONDS = 0.5',
      'BACKOFF_CAP_SECONDS = 30',
      '',
      'failures = 0',
      'while True:',
      '    try:',
      body,
      '        failures = 0',
      '    except Exception:',
      '        failures += 1',
      '        delay = random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** failures))',
      '        logger.exception("iteration failed (%d in a row), backing off %.1f s", failures, delay)',
      `        ${sleep}(delay)`,
      '',
    ].join('\n');
  }
  const body = options.body ? indentText(dedentText(options.body), '    ') : '    // one unit of work';
  return [
    `import { setTimeout as sleep } from 'node:timers/promises';`,
    '',
    'const BACKOFF_BASE_MS = 500;',
    'const BACKOFF_CAP_MS = 30_000;',
    '',
    'let failures = 0;',
    'for (;;) {',
    '  try {',
    body,
    '    failures = 0;',
    '  } catch (err) {',
    '    failures += 1;',
    '    const delay = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** failures);',
    '    console.error(`iteration failed (${failures} in a row), backing off ${Math.round(delay)} ms`, err);',
    '    await sleep(delay);',
    '  }',
    '}',
    '',
  ].join('\n');
}
