// Command-line parsing without a framework: the flag set is small and fixed, and every error must come out as a
// localised usage message with exit code 2.
import { FORMATS, type Format } from '../report/types.js';
import { LOCALES, SEVERITIES, TARGETS, type Locale, type Target } from '../core/types.js';

import type { FailOn } from '../core/exit-codes.js';

export type { FailOn };
export const FAIL_ON = ['none', ...SEVERITIES] as const;

export interface CliOptions {
  targets?: Target[];
  files: string[];
  excludes: string[];
  diff?: string;
  format: Format;
  output?: string;
  failOn?: FailOn;
  config?: string;
  locale?: Locale;
  maxFileBytes?: number;
  /** `--select` / `--ignore`: rule ids or target names (comma lists, repeatable). */
  select: string[];
  ignore: string[];
  statistics: boolean;
  baseline?: string;
  writeBaseline: boolean;
  showFixes: boolean;
  /** `--fix` applies safe exact replacements; `--fix-dry-run` prints them as diffs; `--unsafe-fixes` adds the unsafe ones. */
  fix: boolean;
  fixDryRun: boolean;
  unsafeFixes: boolean;
  progress: boolean;
  help: boolean;
  version: boolean;
  paths: string[];
}

/** A usage problem: `key` is an i18n key under `cli.usage.`, `params` fill it. */
export class UsageError extends Error {
  constructor(
    readonly key: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(`${key} ${JSON.stringify(params)}`);
    this.name = 'UsageError';
  }
}

interface FlagSpec {
  name: string;
  alias?: string;
  takesValue: boolean;
}

const FLAGS: FlagSpec[] = [
  { name: 'target', takesValue: true },
  { name: 'file', takesValue: true },
  { name: 'exclude', takesValue: true },
  { name: 'diff', takesValue: true },
  { name: 'format', alias: 'f', takesValue: true },
  { name: 'output', alias: 'o', takesValue: true },
  { name: 'fail-on', takesValue: true },
  { name: 'config', alias: 'c', takesValue: true },
  { name: 'locale', takesValue: true },
  { name: 'max-file-bytes', takesValue: true },
  { name: 'select', takesValue: true },
  { name: 'ignore', takesValue: true },
  { name: 'statistics', takesValue: false },
  { name: 'baseline', takesValue: true },
  { name: 'write-baseline', takesValue: false },
  { name: 'show-fixes', takesValue: false },
  { name: 'fix', takesValue: false },
  { name: 'fix-dry-run', takesValue: false },
  { name: 'unsafe-fixes', takesValue: false },
  { name: 'no-progress', takesValue: false },
  { name: 'help', alias: 'h', takesValue: false },
  { name: 'version', alias: 'v', takesValue: false },
];

export const FLAG_NAMES = FLAGS.map((f) => f.name);

function closestFlag(name: string): string | undefined {
  let best: string | undefined;
  let bestScore = 3;
  for (const flag of FLAG_NAMES) {
    const score = distance(name, flag);
    if (score < bestScore) {
      best = flag;
      bestScore = score;
    }
  }
  return best;
}

/** Levenshtein distance, for "did you mean" hints. */
export function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError('cli.usage.bad-value', { flag: `--${flag}`, value, allowed: allowed.join('|') });
}

/** `--target optimize,fix-bugs --target readability`, with `all` standing for every target. */
export function addTargets(current: Target[] | undefined, value: string): Target[] {
  const out = new Set(current ?? []);
  for (const raw of value.split(',')) {
    const name = raw.trim();
    if (!name) continue;
    if (name === 'all') TARGETS.forEach((target) => out.add(target));
    else out.add(oneOf('target', name, TARGETS));
  }
  if (out.size === 0) throw new UsageError('cli.usage.missing-value', { flag: '--target' });
  return TARGETS.filter((target) => out.has(target));
}

export function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = {
    files: [],
    excludes: [],
    format: 'text',
    select: [],
    ignore: [],
    statistics: false,
    writeBaseline: false,
    showFixes: false,
    fix: false,
    fixDryRun: false,
    unsafeFixes: false,
    progress: true,
    help: false,
    version: false,
    paths: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      options.paths.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      options.paths.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    } else {
      name = arg.slice(1);
      const spec = FLAGS.find((f) => f.alias === name);
      if (!spec) throw new UsageError('cli.usage.unknown-flag', { flag: arg });
      name = spec.name;
    }
    const spec = FLAGS.find((f) => f.name === name);
    if (!spec) {
      const hint = closestFlag(name);
      throw hint
        ? new UsageError('cli.usage.unknown-flag-hint', { flag: `--${name}`, hint: `--${hint}` })
        : new UsageError('cli.usage.unknown-flag', { flag: `--${name}` });
    }
    if (!spec.takesValue) {
      if (inline !== undefined) throw new UsageError('cli.usage.no-value', { flag: `--${name}` });
      if (name === 'no-progress') options.progress = false;
      else if (name === 'help') options.help = true;
      else if (name === 'statistics') options.statistics = true;
      else if (name === 'write-baseline') options.writeBaseline = true;
      else if (name === 'show-fixes') options.showFixes = true;
      else if (name === 'fix') options.fix = true;
      else if (name === 'fix-dry-run') options.fixDryRun = true;
      else if (name === 'unsafe-fixes') options.unsafeFixes = true;
      else options.version = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError('cli.usage.missing-value', { flag: `--${name}` });
      value = next;
      i++;
    }
    if (value === '') throw new UsageError('cli.usage.missing-value', { flag: `--${name}` });
    switch (name) {
      case 'target':
        options.targets = addTargets(options.targets, value);
        break;
      case 'file':
        options.files.push(value);
        break;
      case 'exclude':
        options.excludes.push(value);
        break;
      case 'diff':
        options.diff = value;
        break;
      case 'format':
        options.format = oneOf('format', value, FORMATS);
        break;
      case 'output':
        options.output = value;
        break;
      case 'fail-on':
        options.failOn = oneOf('fail-on', value, FAIL_ON);
        break;
      case 'config':
        options.config = value;
        break;
      case 'locale':
        options.locale = oneOf('locale', value, LOCALES);
        break;
      case 'select':
      case 'ignore':
        for (const item of value.split(',')) if (item.trim()) options[name].push(item.trim());
        break;
      case 'baseline':
        options.baseline = value;
        break;
      case 'max-file-bytes': {
        const bytes = Number(value);
        if (!Number.isInteger(bytes) || bytes <= 0) throw new UsageError('cli.usage.bad-number', { flag: '--max-file-bytes', value });
        options.maxFileBytes = bytes;
        break;
      }
    }
  }
  if (options.writeBaseline && options.baseline === undefined) throw new UsageError('cli.usage.needs', { flag: '--write-baseline', needs: '--baseline FILE' });
  if (options.fix && options.fixDryRun) throw new UsageError('cli.usage.conflict', { flag: '--fix', other: '--fix-dry-run' });
  return options;
}

/** The locale asked for on the command line, read leniently so that even a usage error can be localised. */
export function sniffLocale(argv: string[]): Locale | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = arg === '--locale' ? argv[i + 1] : arg.startsWith('--locale=') ? arg.slice('--locale='.length) : undefined;
    if (value && (LOCALES as readonly string[]).includes(value)) return value as Locale;
  }
  return undefined;
}
