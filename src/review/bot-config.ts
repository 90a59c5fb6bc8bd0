// Repository config for the bots. Same schema as the CLI's `.coze-loop.yml`, with one difference: a review only
// fails its check when the repository asks for it by setting `fail_on`; the CLI's `warning` default would turn
// every advisory finding into a red check on a repository that never opted in.
import { parse } from 'yaml';
import { DEFAULT_CONFIG, type CozeLoopConfig } from '../config/schema.js';
import { ConfigError, MAX_CONFIG_BYTES, parseConfig } from '../config/load.js';
import { t } from '../core/i18n.js';

export const BOT_CONFIG_PATH = '.github/coze-loop.yml';

/** Parses repository config for a bot; `null` text (no file) gives the defaults. Throws ConfigError on bad input. */
export function parseBotConfig(text: string | null, source: string = BOT_CONFIG_PATH): CozeLoopConfig {
  if (text === null || text.trim() === '') return { ...DEFAULT_CONFIG, fail_on: 'none' };
  // The same cap as the CLI's: parsing is synchronous, and the file is the repository's, not ours.
  if (Buffer.byteLength(text, 'utf8') > MAX_CONFIG_BYTES) throw new ConfigError(source, [{ text: t('en', 'cli.config.too-large', { bytes: MAX_CONFIG_BYTES }) }]);
  const config = parseConfig(text, source);
  return setsFailOn(text) ? config : { ...config, fail_on: 'none' };
}

function setsFailOn(text: string): boolean {
  try {
    const raw: unknown = parse(text);
    return typeof raw === 'object' && raw !== null && (raw as Record<string, unknown>).fail_on != null;
  } catch {
    return false;
  }
}
