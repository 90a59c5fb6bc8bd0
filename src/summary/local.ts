// `coze-loop summary [PATH]`: the weekly report's Markdown for a local checkout, printed instead of posted.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { glob } from 'tinyglobby';
import { analyzeSources } from '../analysis/engine.js';
import type { CozeLoopConfig } from '../config/schema.js';
import type { AnalysisResult, SourceInput } from '../core/types.js';
import { buildWeeklyReport, decodeWeeklyData } from './report.js';
import { selectSources } from './weekly.js';

function gitHead(dir: string): { sha: string; branch: string } {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const branch = execFileSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { sha, branch };
  } catch {
    return { sha: 'working-tree', branch: '-' };
  }
}

export interface LocalSummaryOptions {
  config: CozeLoopConfig;
  now: Date;
  /** An earlier report's Markdown (e.g. last week's issue body saved to a file), to list new and fixed findings. */
  previousReport?: string;
  analyze?: (inputs: SourceInput[], config: CozeLoopConfig) => AnalysisResult | Promise<AnalysisResult>;
}

export async function summarizeCheckout(path: string, options: LocalSummaryOptions): Promise<string> {
  const root = resolve(path);
  if (!statSync(root).isDirectory()) throw new Error(`${path} is not a directory`);
  const paths = await glob(['**/*'], {
    cwd: root,
    dot: false,
    onlyFiles: true,
    ignore: ['**/node_modules/**', '**/.git/**', '**/dist/**', '**/build/**', '**/.venv/**', '**/venv/**'],
  });
  const files = paths
    .sort()
    .filter((file) => statSync(resolve(root, file)).size <= options.config.max_file_bytes)
    .map((file) => ({ path: file.split(sep).join('/'), content: readFileSync(resolve(root, file)) }));
  const { inputs, skipped } = selectSources(files, options.config);
  const analyze = options.analyze ?? ((list, cfg) => analyzeSources(list, cfg, { locale: cfg.locale }));
  const result = await analyze(inputs, options.config);
  const head = gitHead(root);
  const report = buildWeeklyReport({
    repo: relative(process.cwd(), root) || '.',
    sha: head.sha,
    branch: head.branch,
    now: options.now,
    result,
    previous: options.previousReport ? decodeWeeklyData(options.previousReport) : null,
    config: options.config,
    locale: options.config.locale,
    permalink: (file, start, end) => `${file}#L${start}${end && end !== start ? `-L${end}` : ''}`,
    skippedCount: skipped + result.skipped.length,
  });
  return `# ${report.title}\n\n${report.body}\n`;
}
