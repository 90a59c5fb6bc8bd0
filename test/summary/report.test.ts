import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import type { AnalysisResult, Finding } from '../../src/core/types.js';
import { buildWeeklyReport, decodeWeeklyData, encodeWeeklyData, isoWeek, type WeeklyData } from '../../src/summary/report.js';

function finding(over: Partial<Finding> & Pick<Finding, 'fingerprint' | 'path' | 'line'>): Finding {
  return {
    ruleId: 'polling-fixed-interval',
    target: 'optimize',
    severity: 'warning',
    confidence: 'high',
    language: 'python',
    loop: { startLine: over.line, endLine: over.line + 5 },
    message: 'Polls the database every 30 s even when idle',
    explanation: 'x',
    data: {},
    ...over,
  };
}

const monthly = (before: number) => ({
  metric: 'idle_queries_per_day',
  before: 2880,
  after: 0,
  unit: 'queries/day',
  formula: '86,400 / 30 = 2,880',
  assumptions: [],
  monthly: { before, after: 0, currency: 'USD', formula: 'x' },
});

const findings: Finding[] = [
  finding({ fingerprint: 'aaaa000000000001', path: 'workers/poller.py', line: 10, cost: monthly(12.5) }),
  finding({ fingerprint: 'aaaa000000000002', path: 'workers/sync/orders.py', line: 40, ruleId: 'query-in-loop', cost: monthly(40) }),
  finding({ fingerprint: 'aaaa000000000003', path: 'web/app.ts', line: 7, ruleId: 'unguarded-worker-loop', target: 'fix-bugs', severity: 'error', language: 'typescript', message: 'One bad message kills this worker' }),
  finding({ fingerprint: 'aaaa000000000004', path: 'main.py', line: 3, ruleId: 'index-loop', target: 'readability', severity: 'info', message: 'Index loop' }),
];

const result = (list: Finding[]): AnalysisResult => ({ findings: list, skipped: [], notes: [], filesAnalyzed: 12 });
const permalink = (path: string, start: number, end?: number) => `https://github.com/acme/api/blob/0123456789abcdef/${path}#L${start}${end ? `-L${end}` : ''}`;
const base = { repo: 'acme/api', sha: '0123456789abcdef0123', branch: 'main', config: DEFAULT_CONFIG, permalink, skippedCount: 2 };

describe('isoWeek', () => {
  it.each([
    ['2026-11-27T10:00:00Z', '2026-W48'],
    ['2026-01-01T00:00:00Z', '2026-W01'],
    ['2027-01-01T00:00:00Z', '2026-W53'],
    ['2024-12-30T00:00:00Z', '2025-W01'],
  ])('%s is %s', (date, week) => {
    expect(isoWeek(new Date(date))).toBe(week);
  });
});

describe('buildWeeklyReport', () => {
  it('renders totals, the costliest loops first, trend charts and hotspots (en)', () => {
    const report = buildWeeklyReport({ ...base, now: new Date('2026-11-23T08:00:00Z'), result: result(findings), previous: null, locale: 'en' });
    expect(report.title).toBe('coze-loop weekly loop report: 2026-W48');
    const rows = report.body.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    expect(rows[0]).toContain('workers/sync/orders.py:40');
    expect(rows[1]).toContain('workers/poller.py:10');
    expect(report.body).toContain('**52.50 USD per month**');
    expect(report.body).toContain('| `optimize` | 0 | 2 | 0 | 2 |');
    expect(report.body).toContain('| `workers/sync/` | 1 | 40.00 USD |');
    expect(report.body).toContain('This is the first report');
    expect(report.body).toContain('xychart-beta');
    expect(report.body).toMatchSnapshot();
  });

  it('renders in Simplified Chinese', () => {
    const report = buildWeeklyReport({ ...base, now: new Date('2026-11-23T08:00:00Z'), result: result(findings), previous: null, locale: 'zh-CN' });
    expect(report.body).toContain('成本最高的 10 个循环');
    expect(report.body).toMatchSnapshot();
  });

  it('reports new and fixed findings by fingerprint against last week and keeps 8 weeks of history', () => {
    const history = Array.from({ length: 8 }, (_, i) => ({ week: `2026-W${String(39 + i).padStart(2, '0')}`, findings: i, monthly: i * 10 }));
    const previous: WeeklyData = {
      version: 1,
      week: '2026-W47',
      sha: 'old',
      truncated: false,
      findings: [
        ['aaaa000000000001', 'polling-fixed-interval', 'workers/poller.py'],
        ['bbbb000000000009', 'commit-in-loop', 'jobs/import.py'],
      ],
      history,
    };
    const report = buildWeeklyReport({ ...base, now: new Date('2026-11-23T08:00:00Z'), result: result(findings), previous, locale: 'en' });
    expect(report.newCount).toBe(3);
    expect(report.fixedCount).toBe(1);
    expect(report.body).toContain('3 new, 1 fixed since 2026-W47.');
    expect(report.body).toContain('`jobs/import.py` `commit-in-loop`');
    expect(report.data.history).toHaveLength(8);
    expect(report.data.history.at(-1)).toEqual({ week: '2026-W48', findings: 4, monthly: 52.5 });
    expect(report.data.history[0].week).toBe('2026-W40');
  });

  it('carries its data in the body, and a damaged block reads as no data', () => {
    const report = buildWeeklyReport({ ...base, now: new Date('2026-11-23T08:00:00Z'), result: result(findings), previous: null, locale: 'en' });
    expect(decodeWeeklyData(report.body)).toEqual(report.data);
    expect(decodeWeeklyData(encodeWeeklyData(report.data).replace(/[A-Z]/, '!'))).toBeNull();
    expect(decodeWeeklyData('<!-- coze-loop:weekly-data:AAAA -->')).toBeNull();
    expect(decodeWeeklyData('no block')).toBeNull();
  });
});
