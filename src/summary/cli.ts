// `coze-loop summary [PATH] [--config FILE] [--locale en|zh-CN] [--previous REPORT.md] [--output FILE]`: prints the
// weekly report's Markdown for a local checkout.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../cli/args.js';
import type { CliIO } from '../cli/io.js';
import { ConfigError, loadConfigFile } from '../config/load.js';
import { EXIT_ERROR, EXIT_OK } from '../core/exit-codes.js';
import { LOCALES, type Locale } from '../core/types.js';
import { writeOutput } from '../report/output.js';
import { summarizeCheckout } from './local.js';

interface SummaryArgs {
  path: string;
  config?: string;
  locale?: Locale;
  previous?: string;
  output?: string;
}

function parseSummaryArgs(argv: string[]): SummaryArgs {
  const args: SummaryArgs = { path: '.' };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError('cli.usage.missing-value', { flag });
      return v;
    };
    if (flag === '--config' || flag === '-c') args.config = value();
    else if (flag === '--previous') args.previous = value();
    else if (flag === '--output' || flag === '-o') args.output = value();
    else if (flag === '--locale') {
      const locale = value();
      if (!(LOCALES as readonly string[]).includes(locale)) throw new UsageError('cli.usage.bad-value', { flag, value: locale, allowed: LOCALES.join('|') });
      args.locale = locale as Locale;
    } else if (arg.startsWith('-')) throw new UsageError('cli.usage.unknown-flag', { flag: arg });
    else positional.push(arg);
  }
  if (positional.length > 1) throw new UsageError('cli.usage.bad-value', { flag: 'PATH', value: positional.join(' '), allowed: 'one directory' });
  if (positional[0]) args.path = positional[0];
  return args;
}

export async function run(argv: string[], io: CliIO, now: () => Date = () => new Date()): Promise<number> {
  const args = parseSummaryArgs(argv);
  const root = resolve(io.cwd, args.path);
  let config;
  try {
    config = loadConfigFile(args.config ? resolve(io.cwd, args.config) : undefined, root, args.locale ?? 'en');
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`coze-loop: ${error.message}\n`);
      return EXIT_ERROR;
    }
    throw error;
  }
  if (args.locale) config = { ...config, locale: args.locale };
  let previousReport: string | undefined;
  try {
    previousReport = args.previous ? readFileSync(resolve(io.cwd, args.previous), 'utf8') : undefined;
    const markdown = await summarizeCheckout(root, { config, now: now(), previousReport });
    return writeOutput(io, markdown, args.output || undefined, config.locale) ? EXIT_OK : EXIT_ERROR;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || /not a directory/.test(String(error))) {
      io.stderr.write(`coze-loop: ${error instanceof Error ? error.message : String(error)}\n`);
      return EXIT_ERROR;
    }
    throw error;
  }
}
