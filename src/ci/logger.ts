// Log lines for a CI job's console: on stderr (stdout carries the review in a dry run), one line each, secrets
// scrubbed (an API error can echo a URL or header), quiet by default. COZE_LOOP_LOG_LEVEL=debug shows everything.
import type { CliStream } from '../cli/io.js';
import type { Logger } from '../core/observability.js';
import { scrub, scrubString } from '../server/logger.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

function describe(obj: object | string, msg?: string): string {
  if (typeof obj === 'string') return scrubString(obj);
  const fields = scrub(obj) as Record<string, unknown>;
  const err = fields.err as { message?: unknown } | undefined;
  const rest = Object.fromEntries(Object.entries(fields).filter(([key]) => key !== 'err'));
  const parts = [msg ? scrubString(msg) : ''];
  if (err && typeof err.message === 'string') parts.push(`(${err.message})`);
  if (Object.keys(rest).length > 0) parts.push(JSON.stringify(rest));
  return parts.filter(Boolean).join(' ');
}

export function createCiLogger(stream: CliStream, level: string | undefined, bindings: Record<string, unknown> = {}): Logger {
  const min = LEVELS.indexOf((LEVELS as readonly string[]).includes(level ?? '') ? (level as Level) : 'warn');
  const log = (at: Level) => (obj: object | string, msg?: string) => {
    if (LEVELS.indexOf(at) < min) return;
    const extra = typeof obj === 'object' && Object.keys(bindings).length > 0 ? { ...bindings, ...obj } : obj;
    stream.write(`coze-loop [${at}] ${describe(extra, msg)}\n`);
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => createCiLogger(stream, level, { ...bindings, ...more }),
  };
}
