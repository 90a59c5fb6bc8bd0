// The one output writer of every command (the CLI's report, `coze-loop review`'s SARIF file, `coze-loop summary`):
// render findings in a format with the same context everywhere, and write text to `-o FILE` (parent folders created)
// or to stdout. A file that cannot be written is one line on stderr and `false`; the caller exits with EXIT_ERROR.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadRules, renderRuleDocs } from '../analysis/engine.js';
import { t } from '../core/i18n.js';
import type { AnalysisResult, Locale } from '../core/types.js';
import { toolVersion } from '../core/version.js';
import { REPORTERS } from './index.js';
import type { Format } from './types.js';

/** What a command's output needs from its surroundings (the CLI's `CliIO` is one). */
export interface OutputIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface RenderOptions {
  locale: Locale;
  env: NodeJS.ProcessEnv;
  /** File text by path for the text format's code frames. */
  sources?: ReadonlyMap<string, string>;
  /** ANSI colours (text format on a terminal only). */
  color?: boolean;
}

/** Findings in one of the report formats; SARIF gets the rule catalogue, every format the tool version and docs URL. */
export function renderReport(format: Format, result: AnalysisResult, options: RenderOptions): string {
  return REPORTERS[format]({
    result,
    locale: options.locale,
    rules: format === 'sarif' ? loadRules() : [],
    ruleDocs: renderRuleDocs,
    sources: options.sources,
    color: options.color,
    toolVersion: toolVersion(),
    docsBaseUrl: options.env.COZE_LOOP_DOCS_URL || undefined,
  });
}

/** Writes `text` to `path` (relative to cwd) or, without a path, to stdout. False (and a line on stderr) on failure. */
export function writeOutput(io: OutputIO, text: string, path: string | undefined, locale: Locale): boolean {
  if (path === undefined) {
    io.stdout.write(text);
    return true;
  }
  const target = resolve(io.cwd, path);
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    return true;
  } catch (error) {
    io.stderr.write(`coze-loop: ${t(locale, 'cli.output.failed', { path, code: (error as NodeJS.ErrnoException).code ?? 'EIO' })}\n`);
    return false;
  }
}
