// Recall (pollrecall, 2026-12-06): a poller's interval kept in a settings module. `time.sleep(POLL_INTERVAL)` with
// `from app.settings import POLL_INTERVAL`, or `time.sleep(settings.POLL_INTERVAL)` with `from app import settings`,
// sleeps the number the settings module assigns at module level; a name the module computes has no fixed value.
import { describe, expect, it } from '@jest/globals';
import { analyzeSources } from '../../src/analysis/engine.js';
import { configSchema } from '../../src/config/schema.js';

const SOURCES: Record<string, string> = {
  'app/__init__.py': '',
  'app/settings.py': ['import os', '', 'POLL_INTERVAL = 15', 'JITTERED = float(os.environ.get("JITTER", "3"))', ''].join('\n'),
  'app/repo.py': [
    'def get_pending(conn):',
    '    cur = conn.cursor()',
    '    cur.execute("SELECT id FROM jobs WHERE state = \'new\' LIMIT 10")',
    '    return cur.fetchall()',
    '',
  ].join('\n'),
  'app/by_name.py': [
    'import time',
    '',
    'from app.repo import get_pending',
    'from app.settings import POLL_INTERVAL',
    '',
    '',
    'def run(conn, stop):',
    '    while not stop.is_set():',
    '        for job in get_pending(conn):',
    '            print(job)',
    '        time.sleep(POLL_INTERVAL)',
    '',
  ].join('\n'),
  'app/by_module.py': [
    'import time',
    '',
    'from app import settings',
    'from app.repo import get_pending',
    '',
    '',
    'def run(conn, stop):',
    '    while not stop.is_set():',
    '        for job in get_pending(conn):',
    '            print(job)',
    '        time.sleep(settings.POLL_INTERVAL)',
    '',
  ].join('\n'),
  'app/computed.py': [
    'import time',
    '',
    'from app.repo import get_pending',
    'from app.settings import JITTERED',
    '',
    '',
    'def run(conn, stop):',
    '    while not stop.is_set():',
    '        for job in get_pending(conn):',
    '            print(job)',
    '        time.sleep(JITTERED)',
    '',
  ].join('\n'),
};

describe('effect summaries: a poll interval imported from a settings module', () => {
  const config = configSchema().parse({ severity_threshold: 'info', rules: { 'polling-fixed-interval': 'on' } });
  const inputs = ['app/by_name.py', 'app/by_module.py', 'app/computed.py'].map((path) => ({ path, content: SOURCES[path]! }));
  const result = analyzeSources(inputs, config, { onlyRules: ['polling-fixed-interval'], contextReader: (p) => SOURCES[p] });
  const at = (path: string) => result.findings.filter((f) => f.path === path && f.ruleId === 'polling-fixed-interval');

  it('reads `from app.settings import POLL_INTERVAL` as the number the module assigns', () => {
    expect(at('app/by_name.py').map((f) => [f.line, f.severity])).toEqual([[11, 'info']]);
    expect(at('app/by_name.py')[0]!.message).toContain('`get_pending` is polled every 15 s');
  });

  it('reads `settings.POLL_INTERVAL` through `from app import settings`', () => {
    expect(at('app/by_module.py').map((f) => [f.line, f.severity])).toEqual([[11, 'info']]);
    expect(at('app/by_module.py')[0]!.message).toContain('every 15 s');
  });

  it('gives a constant the module computes no fixed interval', () => {
    expect(at('app/computed.py')).toEqual([]);
  });
});
