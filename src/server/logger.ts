// pino JSON logs (the logger Probot uses too) with secrets removed before anything is written: fields whose name
// says token/secret/key, and token-shaped strings wherever they appear (error messages, URLs, stack traces).
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Logger } from '../core/observability.js';
import type { LogLevel } from './env.js';

export const REDACTED = '[redacted]';

const SECRET_KEY_SUFFIXES = ['token', 'secret', 'password', 'passwd', 'privatekey', 'private_key', 'apikey', 'api_key', 'authorization', 'cookie', 'x-gitlab-token'];

const SECRET_VALUES: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, REDACTED],
  [/\b(gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,})/g, REDACTED],
  [/\bglpat-[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/\b(gl(?:oas|dt|rt|cbt|ptt|ft|imt|agent|soat)-[A-Za-z0-9_-]{16,})/g, REDACTED],
  [/\bsk-[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/\b(Bearer|token|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]*:[^/\s@]+@/gi, `$1${REDACTED}@`],
];

export function isSecretKey(key: string): boolean {
  const lower = key.toLowerCase();
  return SECRET_KEY_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

export function scrubString(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_VALUES) out = out.replace(pattern, replacement);
  return out;
}

/** A copy of `value` without secrets; depth-limited so a cyclic or huge object cannot stall logging. */
export function scrub(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth > 8) return '[depth limit]';
  seen.add(value);
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => scrub(item, depth + 1, seen));
  const source: Record<string, unknown> =
    value instanceof Error
      ? { type: value.name, message: value.message, stack: value.stack, ...(value as unknown as Record<string, unknown>) }
      : (value as Record<string, unknown>);
  if (value instanceof Error && value.cause !== undefined) source.cause = value.cause;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source)) {
    out[key] = isSecretKey(key) && item !== undefined && item !== null && item !== '' ? REDACTED : scrub(item, depth + 1, seen);
  }
  return out;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Defaults to stdout. Tests pass a stream to read what would be printed. */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
  /** One readable line per entry (time, level, message, fields) instead of JSON: for a terminal. */
  pretty?: boolean;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'v']);

/** `12:00:01.234 INFO  listening url=http://127.0.0.1:3000 role=all` for one pino JSON line (already scrubbed). */
export function prettyLine(json: string, color = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const level = LEVEL_NAMES[Number(entry.level)] ?? String(entry.level ?? '');
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN_FIELDS.has(key))
    .map(([key, value]) => {
      if (key === 'err' && value && typeof value === 'object') return `err=${JSON.stringify((value as { message?: unknown }).message ?? value)}`;
      return `${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`;
    });
  const paint = color ? (Number(entry.level) >= 50 ? '\u001b[31m' : Number(entry.level) >= 40 ? '\u001b[33m' : '\u001b[2m') : '';
  const reset = color ? '\u001b[0m' : '';
  return `${time} ${paint}${level.padEnd(5)}${reset} ${String(entry.msg ?? '')}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}`;
}

/** A pino destination that prints prettyLine()s, synchronously, to `out`. */
export function prettyDestination(out: { write(text: string): unknown } = process.stdout, color = false): DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line) out.write(`${prettyLine(line, color)}\n`);
    },
  };
}

export function createLogger(options: LoggerOptions = {}): Logger & PinoLogger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { name: 'coze-loop', pid: process.pid, ...options.base },
      // Cheap fixed paths first; scrub() below catches the rest.
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-gitlab-token"]', 'headers.authorization', 'headers["x-gitlab-token"]', 'payload.token'],
        censor: REDACTED,
      },
      formatters: {
        log: (object) => scrub(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrubString(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? (options.pretty ? prettyDestination(process.stdout, !process.env.NO_COLOR) : pino.destination({ dest: 1, sync: true })),
  );
}
