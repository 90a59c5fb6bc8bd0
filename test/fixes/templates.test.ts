// Every template must be code that parses: it is shown to reviewers as the fix.
import { describe, it, expect } from '@jest/globals';
import { parseSource } from '../../src/analysis/parse.js';
import type { Language } from '../../src/core/types.js';
import {
  backoffRetryTemplate,
  batchedQueryTemplate,
  camelCase,
  claimQuerySql,
  claimQueryTemplate,
  constantCase,
  failureBackoffTemplate,
  guardedWorkerTemplate,
  snakeCase,
} from '../../src/fixes/templates.js';

function expectParses(language: Language, code: string): void {
  const tree = parseSource(language, code);
  expect({ hasError: tree.rootNode.hasError, code }).toEqual({ hasError: false, code });
}

const LANGS: Language[] = ['python', 'javascript', 'typescript', 'tsx'];

describe('names', () => {
  it('converts between naming styles', () => {
    expect(snakeCase('syncOrders')).toBe('sync_orders');
    expect(snakeCase('consume-emails')).toBe('consume_emails');
    expect(camelCase('process_orders')).toBe('processOrders');
    expect(constantCase('pollApi')).toBe('POLL_API');
    expect(snakeCase('9lives')).toBe('w_9lives');
  });
});

describe('templates parse in every language', () => {
  for (const language of LANGS) {
    const body = language === 'python' ? '    job = queue.get()\n    handle(job)' : '  const job = await queue.get();\n  await handle(job);';
    it(`guarded worker (${language})`, () => {
      expectParses(language, guardedWorkerTemplate(language, { name: 'consume_jobs', body, idleSeconds: 5 }));
      expectParses(language, guardedWorkerTemplate(language, { name: 'consume_jobs' }));
      const asyncBody = language === 'python' ? '    job = await queue.get()' : body;
      expectParses(language, guardedWorkerTemplate(language, { name: 'consume_jobs', body: asyncBody, async: true, idleSeconds: 1 }));
    });
    it(`backoff retry (${language})`, () => {
      const call = language === 'python' ? 'requests.get(url, timeout=10)' : 'fetch(url)';
      expectParses(language, backoffRetryTemplate(language, { call, retryOn: language === 'python' ? 'requests.RequestException' : undefined }));
      expectParses(language, backoffRetryTemplate(language, { call, async: true, maxAttempts: 3 }));
    });
    it(`failure backoff (${language})`, () => {
      expectParses(language, failureBackoffTemplate(language, { body }));
    });
    it(`claim query (${language})`, () => {
      expectParses(language, claimQueryTemplate(language, { table: 'jobs', column: 'status', fromValue: "'pending'", toValue: "'running'" }));
    });
    it(`batched query (${language})`, () => {
      expectParses(language, batchedQueryTemplate(language, { table: 'customers', keyColumn: 'id', itemsVar: 'orders', keyExpr: 'order.customer_id' }));
    });
  }
});

describe('claim query SQL', () => {
  it('claims atomically and skips rows other workers hold', () => {
    const sql = claimQuerySql({ table: 'jobs', column: 'status', fromValue: "'pending'", toValue: "'running'", limit: 5, returning: 'id, payload' });
    expect(sql).toMatch(/^UPDATE jobs\n {3}SET status = 'running'/);
    expect(sql).toContain("WHERE status = 'pending'");
    expect(sql).toContain('LIMIT 5');
    expect(sql).toContain('FOR UPDATE SKIP LOCKED');
    expect(sql).toMatch(/RETURNING id, payload$/);
  });
});

describe('backoff', () => {
  it('caps the delay, adds jitter and limits attempts', () => {
    const py = backoffRetryTemplate('python', { call: 'f()', capSeconds: 60, maxAttempts: 7 });
    expect(py).toContain('MAX_ATTEMPTS = 7');
    expect(py).toContain('BACKOFF_CAP_SECONDS = 60');
    expect(py).toContain('random.uniform(0, min(BACKOFF_CAP_SECONDS');
    const ts = backoffRetryTemplate('typescript', { call: 'f()' });
    expect(ts).toContain('Math.random() * Math.min(BACKOFF_CAP_MS');
    expect(ts).toContain('if (attempt + 1 >= MAX_ATTEMPTS) throw err;');
  });
});
