// The CI templates are copied into other people's repositories: they must parse, and every coze-loop invocation in
// them must be accepted by the real CLI argument parser (a renamed flag would otherwise break pipelines silently).
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { FLAG_NAMES, parseArgs } from '../src/cli/args.js';
import { PROJECT_ROOT } from '../src/core/i18n.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

function load(name: string): Record<string, unknown> {
  return parse(readFileSync(join(PROJECT_ROOT, 'templates', 'ci', name), 'utf8')) as Record<string, unknown>;
}

/** Splits a shell command into words, honouring double quotes (all the templates use). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  for (const match of command.matchAll(/"([^"]*)"|(\S+)/g)) words.push(match[1] ?? match[2]!);
  return words;
}

/**
 * The arguments after `npx --yes <package>` in each script line that runs the analysis CLI. `coze-loop review` has
 * its own flags and is checked in test/ci/templates.test.ts.
 */
function cliInvocations(lines: string[], substitute: (word: string) => string): string[][] {
  return lines
    .filter((line) => /\bnpx\b/.test(line) && /coze-loop|COZE_LOOP_PACKAGE/.test(line))
    .map((line) => {
      const words = shellWords(line).map(substitute);
      const start = words.indexOf('npx');
      const args = words.slice(start + 1);
      while (args[0]?.startsWith('--yes')) args.shift();
      args.shift();
      return args;
    })
    .filter((args) => args[0] !== 'review');
}

function usedFlags(args: string[]): string[] {
  return args.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]!);
}

describe('templates/ci/gitlab-ci.yml', () => {
  const doc = load('gitlab-ci.yml');
  const job = doc['coze-loop'] as {
    rules: { if: string }[];
    script: string[];
    variables: Record<string, string>;
    allow_failure: boolean;
    artifacts: { reports: { codequality: string } };
  };

  it('runs only on merge request pipelines, warn-only, and publishes a Code Quality report', () => {
    expect(job.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
    expect(job.allow_failure).toBe(true);
    expect(job.variables.COZE_LOOP_FAIL_ON).toBe('none');
    expect(job.artifacts.reports.codequality).toBe('gl-code-quality-report.json');
  });

  it('calls the CLI with flags and values the CLI accepts, diffing against the MR base', () => {
    const vars: Record<string, string> = { ...job.variables, CI_MERGE_REQUEST_DIFF_BASE_SHA: SHA };
    const invocations = cliInvocations(job.script, (w) => w.replace(/\$(\w+)/g, (_, name: string) => vars[name] ?? `$${name}`));
    expect(invocations).toHaveLength(1);
    const args = invocations[0]!;
    for (const flag of usedFlags(args)) expect(FLAG_NAMES).toContain(flag);
    const options = parseArgs(args);
    expect(options).toMatchObject({ diff: SHA, format: 'codequality', output: 'gl-code-quality-report.json', failOn: 'none' });
    expect(options.output).toBe(job.artifacts.reports.codequality);
  });
});

describe('templates/ci/github-actions.yml', () => {
  const doc = load('github-actions.yml');
  const jobs = doc.jobs as Record<string, { steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] }>;
  const steps = Object.values(jobs).flatMap((j) => j.steps);

  it('runs on pull requests with the permission to upload code scanning results', () => {
    expect(doc.on).toHaveProperty('pull_request');
    expect(doc.permissions).toEqual({ contents: 'read', 'security-events': 'write' });
    expect(steps.find((s) => s.uses?.startsWith('actions/checkout@'))?.with).toEqual({ 'fetch-depth': 0 });
  });

  it('writes SARIF with real CLI flags and uploads that file with codeql-action/upload-sarif', () => {
    const runs = steps.flatMap((s) => (s.run ? [s.run] : []));
    const invocations = cliInvocations(runs, (w) => w.replace(/\$\{\{[^}]*\}\}/g, SHA));
    expect(invocations).toHaveLength(1);
    const args = invocations[0]!;
    for (const flag of usedFlags(args)) expect(FLAG_NAMES).toContain(flag);
    const options = parseArgs(args);
    expect(options).toMatchObject({ diff: SHA, format: 'sarif', failOn: 'none' });
    const upload = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
    expect(upload?.with?.sarif_file).toBe(options.output);
  });
});
