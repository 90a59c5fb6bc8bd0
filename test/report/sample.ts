// Hand-built findings shaped like the engine's output, so reporter tests do not depend on rule heuristics.
import type { RuleDefinition } from '../../src/analysis/rule-types.js';
import type { AnalysisResult, Finding } from '../../src/core/types.js';

export const WORKER_PY = [
  'import time',
  '',
  'def run(db):',
  '    while True:',
  '        rows = db.execute("SELECT * FROM jobs WHERE done = 0").fetchall()',
  '        for row in rows:',
  '            db.execute("UPDATE jobs SET done = 1 WHERE id = %s", (row.id,))',
  '        time.sleep(30)',
  '',
].join('\n');

export const POLLING: Finding = {
  ruleId: 'polling-fixed-interval',
  target: 'optimize',
  severity: 'warning',
  confidence: 'high',
  path: 'src/worker.py',
  language: 'python',
  line: 8,
  loop: { startLine: 4, endLine: 8 },
  message: 'Fixed-interval polling: `db.execute` runs every 30 s even when nothing is waiting',
  explanation: 'The loop queries the database every 30 seconds whether or not there is work.',
  fingerprint: '0123456789abcdef',
  cost: {
    metric: 'idle_queries_per_day',
    before: 2880,
    after: 0,
    unit: 'queries/day',
    formula: '86,400 s/day / 30 s = 2,880',
    assumptions: [
      { key: 'sleep_seconds', value: 30, unit: 's', source: 'code' },
      { key: 'replicas', value: 1, source: 'default' },
    ],
  },
  fix: {
    kind: 'replace',
    safety: 'unsafe',
    description: 'Back off exponentially while the queue is empty',
    startLine: 8,
    endLine: 8,
    code: '        time.sleep(backoff.next())',
    language: 'python',
    extras: [
      { kind: 'prometheus-alert', title: 'Prometheus alert: idle polling', language: 'yaml', code: 'alert: IdlePolling\nexpr: rate(jobs_polled_empty_total[15m]) > 0.9' },
    ],
  },
  data: { call: 'db.execute', seconds: 30 },
};

export const PER_ROW: Finding = {
  ruleId: 'write-per-row',
  target: 'optimize',
  severity: 'error',
  confidence: 'low',
  path: 'src/worker.py',
  language: 'python',
  line: 7,
  loop: { startLine: 6, endLine: 7 },
  message: 'UPDATE per row: one round trip for each of `rows`',
  explanation: 'Each iteration sends its own UPDATE.',
  fingerprint: 'fedcba9876543210',
  fix: {
    kind: 'replace',
    safety: 'safe',
    description: 'One UPDATE for the whole batch',
    startLine: 6,
    endLine: 7,
    code: '        ids = [row.id for row in rows]\n        db.execute("UPDATE jobs SET done = 1 WHERE id = ANY(%s)", (ids,))',
    language: 'python',
  },
  data: { call: 'db.execute' },
};

export const INDEX_LOOP: Finding = {
  ruleId: 'index-loop',
  target: 'readability',
  severity: 'info',
  confidence: 'high',
  path: 'web/app.ts',
  language: 'typescript',
  line: 2,
  loop: { startLine: 2, endLine: 4 },
  message: 'Index loop over `items`',
  explanation: 'A for...of loop says the same with less room for off-by-one errors.',
  fingerprint: '1111222233334444',
  fix: {
    kind: 'block',
    safety: 'safe',
    description: 'Iterate the values',
    startLine: 2,
    endLine: 4,
    code: 'for (const item of items) {\n  // a comment with ``` backticks\n  use(item);\n}',
    language: 'typescript',
  },
  data: { collection: 'items' },
};

export const APP_TS = 'const items = [1, 2];\nfor (let i = 0; i < items.length; i++) {\n  use(items[i]);\n}\n';

export function sampleResult(): AnalysisResult {
  return {
    findings: [PER_ROW, POLLING, INDEX_LOOP],
    skipped: [
      { path: 'assets/logo.py', reason: 'binary' },
      { path: 'gen/huge.js', reason: 'too-large', detail: '5000000 > 1000000 bytes' },
    ],
    notes: [{ path: 'src/broken.py', note: 'parsed with errors; analysed as far as it parsed' }],
    filesAnalyzed: 3,
  };
}

export const SOURCES = new Map([
  ['src/worker.py', WORKER_PY],
  ['web/app.ts', APP_TS],
]);

function rule(id: string, target: RuleDefinition['target'], severity: RuleDefinition['severity']): RuleDefinition {
  const docs = { what: `What ${id} does.`, why: `Why ${id} is bad.`, example: 'x', use_instead: 'y', when_not_to_use: 'z' };
  return {
    id,
    title: { en: `Title of ${id}`, 'zh-CN': `${id} 的标题` },
    target,
    severity,
    languages: ['python', 'javascript', 'typescript', 'tsx'],
    docs: { en: docs, 'zh-CN': docs },
    messages: { default: { en: 'm', 'zh-CN': 'm' } },
    explanations: { default: { en: 'e', 'zh-CN': 'e' } },
  };
}

export const RULES: RuleDefinition[] = [
  rule('polling-fixed-interval', 'optimize', 'warning'),
  rule('write-per-row', 'optimize', 'warning'),
  rule('index-loop', 'readability', 'info'),
  rule('busy-wait', 'fix-bugs', 'error'),
];
