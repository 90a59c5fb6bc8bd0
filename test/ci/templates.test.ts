// The CI templates and the snippets in the docs are copied into other people's pipelines: they must parse, run
// coze-loop from a source the reader controls (the action of this repository, the image built from its Dockerfile;
// never a registry name anyone could register), use flags the commands accept, current versions of GitHub's actions,
// and the history `--diff` needs. The GitLab job's script is run for real in test/e2e/image.e2e.test.ts.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { FAIL_ON, FLAG_NAMES, parseArgs } from '../../src/cli/args.js';
import { parseReviewArgs, REVIEW_FLAGS } from '../../src/ci/args.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');
const load = (name: string) => parse(read(join('templates', 'ci', name))) as Record<string, any>;
const action = parse(read('action.yml')) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> };

/** Words of a shell line, honouring double quotes (all the templates use), with `$VAR`s substituted. */
function words(line: string, vars: Record<string, string>): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => (m[1] ?? m[2]!).replace(/\$(\w+)/g, (_, name: string) => vars[name] ?? `$${name}`));
}

describe('templates/ci/github-actions.yml', () => {
  const doc = load('github-actions.yml');
  const job = doc.jobs.review as { permissions: Record<string, string>; steps: { id?: string; uses?: string; if?: string; with?: Record<string, string> }[] };
  const actionStep = job.steps.find((s) => s.uses?.endsWith('/coze-loop@v1'));

  it('asks for the permissions the review and the SARIF upload need, on pull requests', () => {
    expect(doc.on).toHaveProperty('pull_request');
    expect(doc.permissions).toEqual({ contents: 'read' });
    expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write', checks: 'write', 'security-events': 'write' });
  });

  it('uses the coze-loop action with a clearly marked owner placeholder and inputs the action declares', () => {
    expect(actionStep?.uses).toBe('<owner>/coze-loop@v1');
    expect(read('templates/ci/github-actions.yml')).toMatch(/uses: <owner>\/coze-loop@v1 # REPLACE <owner>/);
    for (const input of Object.keys(actionStep!.with!)) expect(Object.keys(action.inputs)).toContain(input);
    expect(FAIL_ON).toContain(actionStep!.with!['fail-on']);
  });

  it('uploads the SARIF file the action writes, only where the token may', () => {
    const upload = job.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
    expect(upload?.uses).toBe('github/codeql-action/upload-sarif@v4');
    expect(upload?.with?.sarif_file).toBe(actionStep!.with!.sarif);
    expect(upload?.if).toContain(`steps.${actionStep!.id}.outputs.sarif`);
    expect(Object.keys(action.outputs)).toContain('sarif');
    expect(upload?.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
  });
});

describe('templates/ci/gitlab-ci.yml', () => {
  const doc = load('gitlab-ci.yml');
  const analysis = doc['coze-loop'] as { image: string; rules: { if: string }[]; script: string[]; variables: Record<string, string>; allow_failure: boolean; artifacts: { reports: { codequality: string } } };
  const review = doc['coze-loop-review'] as { image: string; rules: { if: string }[]; script: string[]; variables: Record<string, string>; allow_failure: boolean };

  it('runs both jobs in the coze-loop image, named by a placeholder to replace', () => {
    expect(doc.variables.COZE_LOOP_IMAGE).toBe('<registry>/coze-loop:<tag>');
    expect(read('templates/ci/gitlab-ci.yml')).toMatch(/COZE_LOOP_IMAGE: "<registry>\/coze-loop:<tag>" # REPLACE/);
    expect(analysis.image).toBe('$COZE_LOOP_IMAGE');
    expect(review.image).toBe('$COZE_LOOP_IMAGE');
  });

  it('runs on merge request pipelines only, warn-only, and publishes a Code Quality report', () => {
    for (const job of [analysis, review]) {
      expect(job.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
      expect(job.allow_failure).toBe(true);
      expect(job.variables.COZE_LOOP_FAIL_ON).toBe('none');
    }
    expect(analysis.artifacts.reports.codequality).toBe('gl-code-quality-report.json');
  });

  it('fetches the target branch, then calls the CLI with flags it accepts, diffing against the MR base', () => {
    expect(analysis.variables.GIT_DEPTH).toBe('0');
    const fetch = analysis.script.findIndex((l) => /^git fetch .*origin .*CI_MERGE_REQUEST_TARGET_BRANCH_NAME/.test(l));
    const run = analysis.script.findIndex((l) => l.startsWith('coze-loop '));
    expect(fetch).toBeGreaterThanOrEqual(0);
    expect(run).toBeGreaterThan(fetch);
    const args = words(analysis.script[run]!, { ...analysis.variables, CI_MERGE_REQUEST_DIFF_BASE_SHA: SHA }).slice(1);
    for (const flag of args.filter((a) => a.startsWith('--'))) expect(FLAG_NAMES).toContain(flag.slice(2).split('=')[0]);
    const options = parseArgs(args);
    expect(options).toMatchObject({ diff: SHA, format: 'codequality', failOn: 'none' });
    expect(options.output).toBe(analysis.artifacts.reports.codequality);
  });

  it('calls `coze-loop review` with flags it accepts and never hands it CI_JOB_TOKEN', () => {
    expect(review.script).toHaveLength(1);
    const args = words(review.script[0]!, review.variables);
    expect(args.slice(0, 2)).toEqual(['coze-loop', 'review']);
    for (const flag of args.slice(2).filter((a) => a.startsWith('--'))) expect(REVIEW_FLAGS).toContain(flag.slice(2).split('=')[0]);
    expect(parseReviewArgs(args.slice(2))).toMatchObject({ failOn: 'none' });
    expect(JSON.stringify(review)).not.toContain('CI_JOB_TOKEN');
    expect(read('templates/ci/gitlab-ci.yml')).toContain('COZE_LOOP_GITLAB_TOKEN');
  });
});

describe('CI snippets in the README and the docs', () => {
  const files = ['README.md', 'docs/ci.md', 'docs/cli.md', 'templates/ci/github-actions.yml', 'templates/ci/gitlab-ci.yml', 'action.yml'];
  const blocks = files.flatMap((file) => {
    const text = read(file);
    if (!file.endsWith('.md')) return [{ file, text }];
    return [...text.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => ({ file, text: m[1]! }));
  });

  it('never run coze-loop by a registry name that nobody here controls', () => {
    for (const { file, text } of blocks) {
      expect({ file, npx: /npx\s+(?:--yes\s+)?(?:coze-loop|"\$COZE_LOOP_PACKAGE")/.test(text) }).toEqual({ file, npx: false });
    }
  });

  it('use current major versions of GitHub\'s actions and a maintained Node', () => {
    const pinned = { 'actions/checkout': 'v5', 'actions/setup-node': 'v5', 'github/codeql-action/upload-sarif': 'v4', 'actions/cache': 'v5' };
    for (const { file, text } of blocks) {
      for (const m of text.matchAll(/uses:\s*([\w./-]+)@(\S+)/g)) {
        const want = pinned[m[1] as keyof typeof pinned];
        if (want) expect({ file, action: m[1], version: m[2] }).toEqual({ file, action: m[1], version: want });
      }
      for (const m of text.matchAll(/node-version:\s*['"]?(\d+)/g)) expect({ file, node: ['22', '24'].includes(m[1]!) }).toEqual({ file, node: true });
    }
  });

  it('give `--diff` and `--base` the history they need: fetch-depth 0 on GitHub, a fetch of the target branch on GitLab', () => {
    let checked = 0;
    for (const { file, text } of blocks) {
      if (file === 'action.yml' || !/--diff|--base|^\s*base:/m.test(text)) continue;
      checked++;
      if (/\$CI_|\$\{CI_|CI_MERGE_REQUEST/.test(text)) expect({ file, fetches: /git fetch[^\n]*origin/.test(text) }).toEqual({ file, fetches: true });
      else if (/uses:|github\./.test(text)) expect({ file, fetchDepth: /fetch-depth:\s*0/.test(text) }).toEqual({ file, fetchDepth: true });
    }
    expect(checked).toBeGreaterThan(2);
  });
});
