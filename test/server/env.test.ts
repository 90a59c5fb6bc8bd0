import { describe, expect, it } from '@jest/globals';
import { EnvError, parseDurationMs, readRuntimeSettings } from '../../src/server/env.js';

/** Probot types LOG_LEVEL narrowly in NodeJS.ProcessEnv; these tests feed it bad values on purpose. */
const env = (values: Record<string, string>) => values as NodeJS.ProcessEnv;

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    readRuntimeSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as EnvError).problems;
  }
  throw new Error('expected an EnvError');
}

describe('runtime settings', () => {
  it('has working defaults with nothing set', () => {
    const settings = readRuntimeSettings({});
    expect(settings).toMatchObject({
      port: 3000,
      host: undefined,
      role: 'all',
      maxBacklog: 1000,
      shutdownTimeoutMs: 30_000,
      jobAttempts: 3,
      redisUrl: undefined,
      queuePrefix: 'coze-loop',
      logLevel: 'info',
      summaryCron: '0 8 * * *',
      production: false,
    });
    expect(settings.concurrency).toBeGreaterThanOrEqual(1);
  });

  it('reads every setting', () => {
    const settings = readRuntimeSettings(env({
      PORT: '8080',
      HOST: '0.0.0.0',
      COZE_LOOP_ROLE: 'worker',
      COZE_LOOP_CONCURRENCY: '6',
      COZE_LOOP_MAX_BACKLOG: '50',
      COZE_LOOP_SHUTDOWN_TIMEOUT: '1500ms',
      COZE_LOOP_JOB_ATTEMPTS: '5',
      COZE_LOOP_RETRY_BACKOFF: '3s',
      COZE_LOOP_JOB_LOCK_TIMEOUT: '2m',
      REDIS_URL: 'redis://:pw@redis:6379/2',
      COZE_LOOP_QUEUE_PREFIX: 'staging',
      LOG_LEVEL: 'DEBUG',
      COZE_LOOP_SUMMARY_CRON: '0 30 9 * * 5',
      NODE_ENV: 'production',
    }));
    expect(settings).toEqual({
      port: 8080,
      host: '0.0.0.0',
      role: 'worker',
      concurrency: 6,
      maxBacklog: 50,
      shutdownTimeoutMs: 1500,
      jobAttempts: 5,
      retryBackoffMs: 3000,
      jobLockMs: 120_000,
      redisUrl: 'redis://:pw@redis:6379/2',
      queuePrefix: 'staging',
      logLevel: 'debug',
      summaryCron: '0 30 9 * * 5',
      production: true,
    });
  });

  it('names each bad variable in one error, without echoing values', () => {
    const found = problems(env({
      PORT: 'eighty',
      COZE_LOOP_ROLE: 'both',
      COZE_LOOP_CONCURRENCY: '0',
      COZE_LOOP_SHUTDOWN_TIMEOUT: 'soon',
      REDIS_URL: 'http://secret-password@redis',
      LOG_LEVEL: 'loud',
      COZE_LOOP_SUMMARY_CRON: 'every monday',
    }));
    const names = found.map((problem) => problem.split(':')[0]).sort();
    expect(names).toEqual(['COZE_LOOP_CONCURRENCY', 'COZE_LOOP_ROLE', 'COZE_LOOP_SHUTDOWN_TIMEOUT', 'COZE_LOOP_SUMMARY_CRON', 'LOG_LEVEL', 'PORT', 'REDIS_URL']);
    expect(found.join('\n')).not.toContain('secret-password');
  });

  it('refuses split roles without Redis, since nothing would connect web and workers', () => {
    expect(problems({ COZE_LOOP_ROLE: 'web' })[0]).toMatch(/^COZE_LOOP_ROLE: "web" needs REDIS_URL/);
    expect(problems({ COZE_LOOP_ROLE: 'worker' })[0]).toMatch(/needs REDIS_URL/);
    expect(readRuntimeSettings({ COZE_LOOP_ROLE: 'web', REDIS_URL: 'redis://127.0.0.1:6379' }).role).toBe('web');
  });

  it('treats empty values as unset (compose files often pass VAR=)', () => {
    expect(readRuntimeSettings({ PORT: '', REDIS_URL: '', COZE_LOOP_CONCURRENCY: ' ' }).port).toBe(3000);
  });

  it('parses durations: bare numbers are seconds', () => {
    expect(parseDurationMs('30')).toBe(30_000);
    expect(parseDurationMs('2.5s')).toBe(2500);
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('1m')).toBe(60_000);
    expect(parseDurationMs('-1')).toBeUndefined();
    expect(parseDurationMs('1h')).toBeUndefined();
  });

  it('accepts 5- and 6-field cron and rejects 7-field or nonsense', () => {
    expect(readRuntimeSettings({ COZE_LOOP_SUMMARY_CRON: '0 8 * * 1' }).summaryCron).toBe('0 8 * * 1');
    expect(problems({ COZE_LOOP_SUMMARY_CRON: '0 0 8 * * 1 2030' })[0]).toMatch(/^COZE_LOOP_SUMMARY_CRON/);
    expect(problems({ COZE_LOOP_SUMMARY_CRON: '61 8 * * 1' })[0]).toMatch(/^COZE_LOOP_SUMMARY_CRON/);
  });
});
