// Per-path overrides in the bots' review path (the CLI's is in test/cli/init-explain-overrides.test.ts): the same
// file under two paths, analysed with the real engine, judged by each path's settings.
import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config/load.js';
import { engineConfigFor } from '../../src/config/overrides.js';
import { analyseChangeSet } from '../../src/review/collect.js';
import { pythonPoller } from '../support/python-poller.js';

const POLLER = Buffer.from(pythonPoller());

describe('overrides in a review', () => {
  it('turns rules off, re-grades them and narrows targets only for the matching paths', () => {
    const config = parseConfig(
      ['targets: [optimize, fix-bugs]', 'overrides:', '  - files: ["tests/**"]', '    targets: [fix-bugs]', '    rules: { unguarded-worker-loop: off }', '  - files: ["legacy/**"]', '    targets: [readability]', '    rules: { commit-in-loop: error }', ''].join('\n'),
      '.github/coze-loop.yml',
      'en',
    );
    const files = ['src/jobs.py', 'tests/test_jobs.py', 'legacy/jobs.py'].map((path) => ({ path, status: 'added' as const, hunks: null, content: POLLER }));
    const analysis = analyseChangeSet(files, config);
    const byPath = Object.fromEntries(analysis.files.map((f) => [f.file.path, f.findings]));
    const src = byPath['src/jobs.py']!;
    expect(src.some((f) => f.ruleId === 'unguarded-worker-loop')).toBe(true);
    expect(src.some((f) => f.target === 'readability')).toBe(false);
    const tests = byPath['tests/test_jobs.py']!;
    expect(tests.length).toBeGreaterThan(0);
    expect(tests.every((f) => f.target === 'fix-bugs' && f.ruleId !== 'unguarded-worker-loop')).toBe(true);
    // A target the top level leaves out, switched on for one path.
    expect(byPath['legacy/jobs.py']!.length).toBeGreaterThan(0);
    expect(byPath['legacy/jobs.py']!.every((f) => f.target === 'readability')).toBe(true);
    expect(engineConfigFor(config).targets).toEqual(expect.arrayContaining(['optimize', 'fix-bugs', 'readability']));
  });
});
