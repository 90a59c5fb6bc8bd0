// `coze-loop init`: writes a commented `.coze-loop.yml` (every key at its default, commented out, so the file
// documents itself and validates as it is) and, with `--ci`, the CI template for the platform the repository is on.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadRules } from '../analysis/engine.js';
import { PROJECT_ROOT } from '../core/i18n.js';
import { UsageError } from './args.js';
import type { CliIO } from './io.js';

const CI_CHOICES = ['auto', 'github', 'gitlab', 'none'] as const;
type CiChoice = (typeof CI_CHOICES)[number];

export const CONFIG_FILE = '.coze-loop.yml';
export const CI_DESTINATIONS = { github: '.github/workflows/coze-loop.yml', gitlab: 'ci/coze-loop.gitlab-ci.yml' } as const;

export function configTemplate(): string {
  const rules = loadRules()
    .map((rule) => rule.id)
    .sort();
  return `# coze-loop configuration: every key is optional and shown at its default, commented out.
# Reference: docs/configuration.md. Editors validate this file with the JSON Schema in schema/coze-loop.schema.json.
# The CLI reads it from the current directory; the GitHub App reads .github/coze-loop.yml from the default branch.

# Rule targets to run: optimize (cost), readability, fix-bugs.
# targets: [optimize, readability, fix-bugs]

# Findings below this severity are not reported: info < warning < error.
# severity_threshold: info

# Exit code / check conclusion: fail on findings at or above this (none never fails).
# fail_on: warning

# Files to analyse (empty: every supported file) and to skip, as globs.
# include: []
# exclude: ["migrations/**", "scripts/one_off_*.py"]

# Per rule: off, on, info, warning, error, or { enabled: true, severity: warning }.
# Rule ids (coze-loop rules; coze-loop explain <id>): ${rules.join(', ')}.
# rules:
#   magic-interval: off
#   query-in-loop: error

# Per-path settings, applied in order (later entries win): rules and targets for matching files.
# overrides:
#   - files: ["tests/**", "**/test_*.py"]
#     rules: { unguarded-worker-loop: off }
#     targets: [fix-bugs]

# Your own I/O helpers, per call kind (http, db-read, db-write, ...), as names or globs.
# apis:
#   http: [send_to_bigdata, "external_api.*"]
#   roles: { acks: [finish_job] }                     # method names a rule needs by role
#   resources: [{ open: pool.lease, close: give_back }] # calls that open something to close

# Assumptions behind the cost estimates.
# cost: { db_query_ms: 5, http_call_ms: 200, replicas: 1, core_hour: 0.04, currency: USD }

# Language of messages: en | zh-CN.
# locale: en
`;
}

function detectPlatform(cwd: string): 'github' | 'gitlab' | undefined {
  if (existsSync(join(cwd, '.gitlab-ci.yml'))) return 'gitlab';
  if (existsSync(join(cwd, '.github'))) return 'github';
  try {
    const config = readFileSync(join(cwd, '.git', 'config'), 'utf8');
    if (/url\s*=\s*\S*gitlab/i.test(config)) return 'gitlab';
    if (/url\s*=\s*\S*github\.com/i.test(config)) return 'github';
  } catch {
    // Not a git checkout, or a worktree: nothing to go on.
  }
  return undefined;
}

interface InitOptions {
  ci: CiChoice;
  force: boolean;
}

function parseInitArgs(argv: string[]): InitOptions {
  const options: InitOptions = { ci: 'none', force: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--force') options.force = true;
    else if (arg === '--ci' || arg.startsWith('--ci=')) {
      const value = arg === '--ci' ? (argv[i + 1] && !argv[i + 1]!.startsWith('-') ? argv[++i]! : 'auto') : arg.slice('--ci='.length);
      if (!(CI_CHOICES as readonly string[]).includes(value)) throw new UsageError('cli.usage.bad-value', { flag: '--ci', value, allowed: CI_CHOICES.join('|') });
      options.ci = value as CiChoice;
    } else throw new UsageError(arg.startsWith('-') ? 'cli.usage.unknown-flag' : 'cli.usage.unexpected', arg.startsWith('-') ? { flag: arg } : { arg });
  }
  return options;
}

function writeNew(path: string, text: string, force: boolean, io: CliIO): boolean {
  if (existsSync(path) && !force) {
    io.stderr.write(`coze-loop init: ${path} exists; not overwritten (--force replaces it)\n`);
    return false;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return true;
}

export async function runInit(argv: string[], io: CliIO): Promise<number> {
  const options = parseInitArgs(argv);
  const configPath = resolve(io.cwd, CONFIG_FILE);
  if (!writeNew(configPath, configTemplate(), options.force, io)) return 2;
  io.stdout.write(`wrote ${CONFIG_FILE}\n`);
  if (options.ci === 'none') return 0;
  const platform = options.ci === 'auto' ? detectPlatform(io.cwd) : options.ci;
  if (!platform) {
    io.stderr.write('coze-loop init: cannot tell GitHub from GitLab here (no .github/, .gitlab-ci.yml or known remote); pass --ci github or --ci gitlab\n');
    return 2;
  }
  const template = readFileSync(join(PROJECT_ROOT, 'templates', 'ci', platform === 'github' ? 'github-actions.yml' : 'gitlab-ci.yml'), 'utf8');
  const destination = CI_DESTINATIONS[platform];
  if (!writeNew(resolve(io.cwd, destination), template, options.force, io)) return 2;
  io.stdout.write(`wrote ${destination}\n`);
  io.stdout.write(
    platform === 'github'
      ? 'Next: replace <owner> in it with the account hosting coze-loop (docs/ci.md).\n'
      : `Next: set COZE_LOOP_IMAGE in it and add to .gitlab-ci.yml:\n  include:\n    - local: ${destination}\n`,
  );
  return 0;
}
