// `coze-loop`: analyse files (or only the code added since a git revision) and report loop findings.
// Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage, config or git error.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { useBatchSchedulingForParsing } from '../analysis/tree-reader.js';
import { ConfigError, loadConfigFile } from '../config/load.js';
import { applyPathOverrides, engineConfigFor } from '../config/overrides.js';
import type { CozeLoopConfig } from '../config/schema.js';
import { t } from '../core/i18n.js';
import type { AddedCode } from '../diff/local-git.js';
import { severityRank, type AnalysisResult, type Finding, type Locale } from '../core/types.js';
import { renderReport, writeOutput } from '../report/output.js';
import { parseArgs, sniffLocale, UsageError, type CliOptions } from './args.js';
import { sortResult } from './analyze-files.js';
import { selectFiles } from './files.js';
import { applySelection, BaselineError, planFixes, readBaseline, renderFixDiffs, renderStatistics, statistics, targetsForSelection, unifiedDiff, validateSelection, withoutBaseline, writeBaseline, writePlans } from './habits.js';
import { defaultIO, toolVersion, useColor, type CliIO } from './io.js';
import { analyzeInParallel, analyzeWithDeadlines, fileTimeoutFromEnv } from './parallel.js';
import { createProgress } from './progress.js';
import { subcommands } from './subcommands.js';

export { subcommands, type Subcommand } from './subcommands.js';
export type { CliIO, CliStream } from './io.js';

import { EXIT_ERROR, EXIT_OK, exitCodeFor } from '../core/exit-codes.js';

function usageMessage(locale: Locale, error: UsageError): string {
  return `coze-loop: ${t(locale, error.key, error.params)}\n${t(locale, 'cli.usage.see-help')}\n`;
}

export function helpText(locale: Locale): string {
  const commands = Object.entries(subcommands)
    .map(([name, sub]) => `  ${name.padEnd(10)}${t(locale, sub.describe)}`)
    .join('\n');
  return `${t(locale, 'cli.help', { version: toolVersion(), commands }).trimEnd()}\n`;
}

/** CLI flags win over the config file: the person at the terminal knows what they want for this run. */
function applyOverrides(config: CozeLoopConfig, options: CliOptions): CozeLoopConfig {
  return {
    ...config,
    targets: options.targets ?? config.targets,
    max_file_bytes: options.maxFileBytes ?? config.max_file_bytes,
    fail_on: options.failOn ?? config.fail_on,
  };
}


/** Keeps what this run asked for, whether or not the engine already filtered by it. */
function filterFindings(result: AnalysisResult, config: CozeLoopConfig, added: AddedCode | undefined): AnalysisResult {
  const threshold = severityRank(config.severity_threshold);
  const findings = result.findings.filter((f) => {
    if (!config.targets.includes(f.target)) return false;
    if (severityRank(f.severity) < threshold) return false;
    if (added && !added.files.get(f.path)?.has(f.line)) return false;
    return true;
  });
  return { ...result, findings };
}

function readSources(cwd: string, findings: Finding[]): Map<string, string> {
  const sources = new Map<string, string>();
  for (const path of new Set(findings.map((f) => f.path))) {
    try {
      sources.set(path, readFileSync(resolve(cwd, path), 'utf8'));
    } catch {
      // A file that vanished since the analysis just gets no code frame.
    }
  }
  return sources;
}

async function analyzeCommand(argv: string[], io: CliIO): Promise<number> {
  const options = parseArgs(argv);
  const flagLocale = options.locale;
  if (options.help) {
    io.stdout.write(helpText(flagLocale ?? 'en'));
    return EXIT_OK;
  }
  if (options.version) {
    io.stdout.write(`${toolVersion()}\n`);
    return EXIT_OK;
  }
  let config: CozeLoopConfig;
  try {
    config = loadConfigFile(options.config, io.cwd, flagLocale ?? 'en');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`coze-loop: ${error.message}\n`);
    return EXIT_ERROR;
  }
  const locale = flagLocale ?? config.locale;
  config = applyOverrides(config, options);
  validateSelection(options);
  config = { ...config, targets: targetsForSelection(config.targets, options) };

  let added: AddedCode | undefined;
  if (options.diff !== undefined) {
    // Loaded only for --diff: node:child_process and what it loads cost ~15 ms of every start.
    const { addedSince, GitError } = await import('../diff/local-git.js');
    try {
      added = await addedSince(options.diff, io.cwd);
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      io.stderr.write(`coze-loop: ${t(locale, 'cli.diff.failed', { base: options.diff, message: error.message })}\n`);
      return EXIT_ERROR;
    }
  }

  const selection = selectFiles({
    cwd: io.cwd,
    paths: options.paths,
    fileGlobs: options.files,
    excludeGlobs: [...options.excludes, ...config.exclude],
    includeGlobs: config.include,
  });
  if (selection.missing.length > 0) {
    throw new UsageError('cli.usage.missing-path', { path: selection.missing.join(', ') });
  }
  if (selection.unmatched.length > 0) {
    throw new UsageError('cli.usage.no-match', { glob: selection.unmatched.join(', ') });
  }
  const files = added ? selection.files.filter((f) => added.files.has(f.path)) : selection.files;

  // Per-path overrides: the engine runs with everything some override may switch on; each finding is judged below.
  const engineConfig = engineConfigFor(config);
  const progress = createProgress(io.stderr, options.progress, locale);
  let result: AnalysisResult;
  try {
    const parallel = { config: engineConfig, locale, maxFileBytes: config.max_file_bytes, onProgress: (done: number, total: number) => progress.update(done, total) };
    const fileTimeoutMs = fileTimeoutFromEnv(io.env);
    result = fileTimeoutMs ? await analyzeWithDeadlines(files, { ...parallel, fileTimeoutMs }) : await analyzeInParallel(files, parallel);
  } finally {
    progress.finish();
  }
  result.skipped.push(...selection.skipped);
  result.findings = applyPathOverrides(result.findings, config, { cwd: io.cwd, fixedTargets: options.targets !== undefined });
  result = sortResult(filterFindings(result, engineConfig, added));
  result.findings = applySelection(result.findings, options);

  if (options.writeBaseline) {
    try {
      writeBaseline(options.baseline!, io.cwd, result.findings);
    } catch (error) {
      io.stderr.write(`coze-loop: ${t(locale, 'cli.output.failed', { path: options.baseline!, code: (error as NodeJS.ErrnoException).code ?? 'EIO' })}\n`);
      return EXIT_ERROR;
    }
    io.stderr.write(`coze-loop: ${t(locale, 'cli.baseline.written', { count: result.findings.length, path: options.baseline! })}\n`);
    return EXIT_OK;
  }
  if (options.baseline !== undefined) {
    try {
      const filtered = withoutBaseline(result.findings, readBaseline(options.baseline, io.cwd));
      result.findings = filtered.findings;
      if (filtered.matched > 0) io.stderr.write(`coze-loop: ${t(locale, 'cli.baseline.hidden', { count: filtered.matched, path: options.baseline })}\n`);
    } catch (error) {
      if (!(error instanceof BaselineError)) throw error;
      io.stderr.write(`coze-loop: ${error.message}\n`);
      return EXIT_ERROR;
    }
  }
  if (options.fix || options.fixDryRun) {
    const plans = planFixes(result.findings, io.cwd, options.unsafeFixes);
    const fixed = new Set(plans.flatMap((plan) => plan.applied));
    if (options.fixDryRun) {
      for (const plan of plans) io.stdout.write(unifiedDiff(plan.path, plan.before, plan.after));
      io.stderr.write(`coze-loop: ${t(locale, 'cli.fix.would', { count: fixed.size, files: plans.length })}\n`);
      return exitCodeFor(result.findings, config.fail_on);
    }
    try {
      writePlans(plans);
    } catch (error) {
      io.stderr.write(`coze-loop: ${t(locale, 'cli.output.failed', { path: plans[0]?.path ?? '', code: (error as NodeJS.ErrnoException).code ?? 'EIO' })}\n`);
      return EXIT_ERROR;
    }
    io.stderr.write(`coze-loop: ${t(locale, 'cli.fix.applied', { count: fixed.size, files: plans.length })}\n`);
    // What is left is reported as usual (its lines may have moved: the next run shows them exactly).
    result.findings = result.findings.filter((f) => !fixed.has(f));
  }
  if (options.statistics) {
    io.stdout.write(renderStatistics(statistics(result.findings)));
    return exitCodeFor(result.findings, config.fail_on);
  }

  const output = renderReport(options.format, result, {
    locale,
    env: io.env,
    sources: options.format === 'text' ? readSources(io.cwd, result.findings) : undefined,
    color: options.format === 'text' && options.output === undefined && useColor(io.stdout, io.env),
  });
  if (!writeOutput(io, output, options.output, locale)) return EXIT_ERROR;
  if (options.showFixes) {
    const diffs = renderFixDiffs(result.findings, io.cwd);
    if (diffs) io.stdout.write(`\n${diffs}`);
  }
  return exitCodeFor(result.findings, config.fail_on);
}

/** Entry point used by bin/coze-loop.js and by tests; never calls process.exit. */
export async function main(argv: string[], overrides: Partial<CliIO> = {}): Promise<number> {
  // A batch run: parse-ahead threads may yield to the analysis thread (never done in the service, see tree-reader.ts).
  useBatchSchedulingForParsing();
  const io = defaultIO(overrides);
  const [first, ...rest] = argv;
  try {
    if (first !== undefined && Object.hasOwn(subcommands, first)) return await subcommands[first]!.run(rest, io);
    return await analyzeCommand(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(usageMessage(sniffLocale(argv) ?? 'en', error));
      return EXIT_ERROR;
    }
    throw error;
  }
}
