// `coze-loop review` flags. Tokens are deliberately not flags: a command line shows up in process listings and CI
// logs, environment variables (masked by both CI systems) do not.
import { addTargets, FAIL_ON, oneOf, UsageError, type FailOn } from '../cli/args.js';
import { LOCALES, type Locale, type Target } from '../core/types.js';

export const PLATFORMS = ['github', 'gitlab'] as const;
export type CiPlatformName = (typeof PLATFORMS)[number];

export interface ReviewArgs {
  platform?: CiPlatformName;
  /** PR number / MR iid (`--pr` and `--mr` are the same thing under each host's name). */
  number?: number;
  /** `owner/name` on GitHub, project id or path on GitLab. */
  repo?: string;
  base?: string;
  head?: string;
  apiUrl?: string;
  dryRun: boolean;
  targets?: Target[];
  config?: string;
  failOn?: FailOn;
  locale?: Locale;
  sarif?: string;
  help: boolean;
}

const VALUE_FLAGS = ['platform', 'pr', 'mr', 'repo', 'project', 'base', 'head', 'api-url', 'target', 'config', 'fail-on', 'locale', 'sarif'] as const;
const SWITCHES = ['dry-run', 'help'] as const;
export const REVIEW_FLAGS: readonly string[] = [...VALUE_FLAGS, ...SWITCHES];

/** Git revisions and SHAs only: a value starting with `-` would be read by git as an option. */
function revision(flag: string, value: string): string {
  if (value.startsWith('-') || /\s/.test(value)) throw new UsageError('cli.usage.bad-value', { flag: `--${flag}`, value, allowed: 'a commit SHA or revision' });
  return value;
}

export function parseReviewArgs(argv: string[]): ReviewArgs {
  const args: ReviewArgs = { dryRun: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      args.help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError('cli.usage.unexpected', { arg });
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if ((SWITCHES as readonly string[]).includes(name)) {
      if (inline !== undefined) throw new UsageError('cli.usage.no-value', { flag: `--${name}` });
      if (name === 'dry-run') args.dryRun = true;
      else args.help = true;
      continue;
    }
    if (!(VALUE_FLAGS as readonly string[]).includes(name)) throw new UsageError('cli.usage.unknown-flag', { flag: `--${name}` });
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError('cli.usage.missing-value', { flag: `--${name}` });
      value = next;
      i++;
    }
    if (value === '') throw new UsageError('cli.usage.missing-value', { flag: `--${name}` });
    switch (name) {
      case 'platform':
        args.platform = oneOf('platform', value, PLATFORMS);
        break;
      case 'pr':
      case 'mr': {
        const n = Number(value);
        if (!Number.isInteger(n) || n <= 0) throw new UsageError('cli.usage.bad-number', { flag: `--${name}`, value });
        args.number = n;
        break;
      }
      case 'repo':
      case 'project':
        args.repo = value;
        break;
      case 'base':
        args.base = revision(name, value);
        break;
      case 'head':
        args.head = revision(name, value);
        break;
      case 'api-url':
        if (!/^https?:\/\//.test(value)) throw new UsageError('cli.usage.bad-value', { flag: '--api-url', value, allowed: 'an http(s) URL' });
        args.apiUrl = value;
        break;
      case 'target':
        args.targets = addTargets(args.targets, value);
        break;
      case 'config':
        args.config = value;
        break;
      case 'fail-on':
        args.failOn = oneOf('fail-on', value, FAIL_ON);
        break;
      case 'locale':
        args.locale = oneOf('locale', value, LOCALES);
        break;
      case 'sarif':
        args.sarif = value;
        break;
    }
  }
  return args;
}
