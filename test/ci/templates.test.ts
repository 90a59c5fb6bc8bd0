// The `review` jobs in the CI templates are copied into other people's pipelines: they must ask for exactly the
// permissions the review needs, pass the token the command reads, and use flags `coze-loop review` accepts.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseReviewArgs, REVIEW_FLAGS } from '../../src/ci/args.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';

function load(name: string): Record<string, any> {
  return parse(readFileSync(join(PROJECT_ROOT, 'templates', 'ci', name), 'utf8')) as Record<string, any>;
}

/** `coze-loop review` arguments in a shell line, with variables substituted. */
function reviewArgs(line: string, vars: Record<string, string>): string[] {
  const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => (m[1] ?? m[2]!).replace(/\$(\w+)/g, (_, name: string) => vars[name] ?? `$${name}`));
  const at = words.indexOf('review');
  expect(at).toBeGreaterThan(0);
  expect(words[0]).toBe('npx');
  return words.slice(at + 1);
}

describe('templates/ci/github-actions.yml review job', () => {
  const doc = load('github-actions.yml');
  const job = doc.jobs.review as { permissions: Record<string, string>; steps: { uses?: string; run?: string; env?: Record<string, string> }[] };

  it('has the least permissions that let it post a review, a comment and a check run', () => {
    expect(doc.on).toHaveProperty('pull_request');
    expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write', checks: 'write' });
  });

  it('runs `coze-loop review` with the workflow token and flags the command accepts', () => {
    const step = job.steps.find((s) => s.run?.includes('coze-loop review'));
    expect(step?.env).toEqual({ GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}' });
    const args = reviewArgs(step!.run!, {});
    for (const flag of args.filter((a) => a.startsWith('--'))) expect(REVIEW_FLAGS).toContain(flag.slice(2).split('=')[0]);
    expect(parseReviewArgs(args)).toMatchObject({ failOn: 'none', dryRun: false });
  });
});

describe('templates/ci/gitlab-ci.yml review job', () => {
  const doc = load('gitlab-ci.yml');
  const job = doc['coze-loop-review'] as { rules: { if: string }[]; script: string[]; variables: Record<string, string>; allow_failure: boolean };

  it('runs on merge request pipelines only, warn-only by default', () => {
    expect(job.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
    expect(job.variables.COZE_LOOP_FAIL_ON).toBe('none');
    expect(job.allow_failure).toBe(true);
  });

  it('calls `coze-loop review` with flags the command accepts and never hands it CI_JOB_TOKEN', () => {
    const lines = job.script.filter((l) => l.includes('review'));
    expect(lines).toHaveLength(1);
    const args = reviewArgs(lines[0]!, job.variables);
    expect(parseReviewArgs(args)).toMatchObject({ failOn: 'none' });
    expect(JSON.stringify(job)).not.toContain('CI_JOB_TOKEN');
    expect(readFileSync(join(PROJECT_ROOT, 'templates', 'ci', 'gitlab-ci.yml'), 'utf8')).toContain('COZE_LOOP_GITLAB_TOKEN');
  });
});
