// The worker fixes that used to break code: a body moved into a helper that read the enclosing function's
// parameters (NameError), a guarded loop that spun on a persistent error, a log line naming a made-up function.
import { describe, expect, it } from '@jest/globals';
import { analyzeSource } from '../../../src/analysis/engine.js';
import { parseSource } from '../../../src/analysis/parse.js';
import { configSchema } from '../../../src/config/schema.js';
import { unboundName } from '../../../src/fixes/prove.js';

const config = configSchema().parse({ severity_threshold: 'info' });
const fixOf = (path: string, content: string, rule = 'unguarded-worker-loop') =>
  analyzeSource({ path, content }, config, { onlyRules: [rule] }).findings[0]?.fix;

const NO_SLEEP = `import logging

logger = logging.getLogger(__name__)


def sync_orders(session, api, batch):
    while True:
        for order in session.query(batch):
            api.push(order)
`;

describe('unguarded-worker-loop fix', () => {
  it('passes the names the body reads from its function into the helper, so nothing becomes unbound', () => {
    const fix = fixOf('app/sync.py', NO_SLEEP);
    expect(fix?.kind).toBe('block');
    expect(fix?.code).toContain('def sync_orders_once(session, api, batch) -> None:');
    expect(fix?.code).toContain('def run_sync_orders(session, api, batch) -> None:');
    expect(fix?.code).toContain('sync_orders_once(session, api, batch)');
    const tree = parseSource('python', fix!.code);
    expect(tree.rootNode.hasError).toBe(false);
    expect(unboundName(tree, 'python', 1, 1000)).toBeUndefined();
  });

  it('backs off while iterations keep failing instead of spinning', () => {
    const fix = fixOf('app/sync.py', NO_SLEEP);
    expect(fix?.code).toMatch(/failures \+= 1[\s\S]*stop\.wait\(min\(60, 2 \*\* failures\)\)[\s\S]*continue/);
    const js = fixOf('app/sync.ts', 'export async function syncOrders(db, api) {\n  while (true) {\n    const rows = await db.query("SELECT * FROM orders");\n    for (const row of rows) await api.push(row);\n  }\n}\n');
    expect(js?.code).toContain('async function syncOrdersOnce(db: unknown, api: unknown)');
    expect(js?.code).toMatch(/failures \+= 1;[\s\S]*await sleep\(Math\.min\(60000, 1000 \* 2 \*\* failures\)/);
  });

  it('offers the in-place try/except only when a sleep after it paces a failing loop, and logs the real function name', () => {
    const withSleep = NO_SLEEP.replace('import logging', 'import logging\nimport time') + '        time.sleep(30)\n';
    const fix = fixOf('app/sync.py', withSleep);
    expect(fix?.kind).toBe('replace');
    expect(fix?.code).toContain('logger.exception("sync_orders: iteration failed, continuing with the next one")');
    expect(fix?.code).not.toContain('process_');
  });
});
