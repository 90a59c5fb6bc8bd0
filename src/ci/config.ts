// The review's configuration comes from the BASE commit, so a pull request cannot switch off or reshape its own
// review; `--config PATH` (a file in the job's workspace, chosen by whoever wrote the pipeline) replaces it.
import { ConfigError, loadConfigFile, parseConfig } from '../config/load.js';
import { DEFAULT_CONFIG, type CozeLoopConfig } from '../config/schema.js';
import { t } from '../core/i18n.js';
import type { Locale } from '../core/types.js';
import type { Platform } from '../platforms/platform.js';
import type { ReviewArgs } from './args.js';

/** Where a repository keeps its config, in the order they are looked for. */
export function configCandidates(platform: Platform['name']): string[] {
  return platform === 'gitlab' ? ['.coze-loop.yml', '.github/coze-loop.yml'] : ['.github/coze-loop.yml', '.coze-loop.yml'];
}

const MAX_CONFIG_BYTES = 256 * 1024;

export interface LoadedConfig {
  config: CozeLoopConfig;
  /** `path@sha`, the flag's path, or `defaults`. */
  source: string;
}

/** Reads the config; a broken one is a ConfigError (the caller exits 2 without posting anything). */
export async function loadReviewConfig(
  args: ReviewArgs,
  cwd: string,
  platform: Platform,
  repo: string,
  baseRef: string,
  locale: Locale,
): Promise<LoadedConfig> {
  if (args.config !== undefined) return { config: loadConfigFile(args.config, cwd, locale), source: args.config };
  for (const path of configCandidates(platform.name)) {
    const bytes = await platform.getFileContent(repo, path, baseRef);
    if (bytes === null) continue;
    const source = `${path}@${baseRef.slice(0, 7)}`;
    if (bytes.length > MAX_CONFIG_BYTES) throw new ConfigError(source, [{ text: t(locale, 'cli.config.too-large', { bytes: MAX_CONFIG_BYTES }) }]);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new ConfigError(source, [{ text: t(locale, 'cli.config.not-utf8') }]);
    }
    return { config: parseConfig(text, source, locale), source };
  }
  return { config: DEFAULT_CONFIG, source: 'defaults' };
}

/** Flags win over the repository's file: the pipeline author chose them for this job. */
export function applyReviewOverrides(config: CozeLoopConfig, args: ReviewArgs): CozeLoopConfig {
  return {
    ...config,
    targets: args.targets ?? config.targets,
    locale: args.locale ?? config.locale,
    fail_on: args.failOn ?? config.fail_on,
  };
}
