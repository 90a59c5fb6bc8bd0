import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config/load.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('returns defaults for an empty file and for empty sections', () => {
    expect(parseConfig('', '.coze-loop.yml')).toEqual(DEFAULT_CONFIG);
    expect(parseConfig('# only a comment\n', '.coze-loop.yml')).toEqual(DEFAULT_CONFIG);
    expect(parseConfig('rules:\ncost:\n', '.coze-loop.yml')).toEqual(DEFAULT_CONFIG);
  });

  it('reads every documented key', () => {
    const config = parseConfig(
      [
        'targets: [optimize, fix-bugs]',
        'severity_threshold: warning',
        'include: ["src/**"]',
        'exclude: ["src/legacy/**"]',
        'rules:',
        '  query-in-loop: error',
        '  magic-interval: off',
        '  busy-wait: { enabled: true, severity: info }',
        'apis:',
        '  http: [send_to_bigdata, "external_api.*"]',
        'cost:',
        '  core_hour: 0.05',
        '  currency: EUR',
        'max_comments: 10',
        'locale: zh-CN',
        'max_file_bytes: 2000',
        'fail_on: error',
        'review: { comment_on: context }',
      ].join('\n'),
      '.coze-loop.yml',
    );
    expect(config.targets).toEqual(['optimize', 'fix-bugs']);
    expect(config.rules['query-in-loop']).toBe('error');
    expect(config.rules['magic-interval']).toBe('off');
    expect(config.rules['busy-wait']).toEqual({ enabled: true, severity: 'info' });
    expect(config.apis.http).toEqual(['send_to_bigdata', 'external_api.*']);
    expect(config.cost.core_hour).toBe(0.05);
    expect(config.cost.currency).toBe('EUR');
    expect(config.cost.db_query_ms).toBe(DEFAULT_CONFIG.cost.db_query_ms);
    expect(config.locale).toBe('zh-CN');
    expect(config.review).toEqual({ drafts: false, comment_on: 'context', inline_severity: 'warning', group_repeats: 3, summary: true });
  });

  it('names the file and the key path of a bad rule setting', () => {
    const error = errorOf(() => parseConfig('rules:\n  query-in-loop: loud\n', '.coze-loop.yml'));
    expect(error.message).toBe('.coze-loop.yml: rules.query-in-loop: expected one of off|on|info|warning|error');
    expect(error.key).toBe('rules.query-in-loop');
    expect(error.source).toBe('.coze-loop.yml');
  });

  it('explains the object form of a rule setting at its own key', () => {
    const error = errorOf(() => parseConfig('rules:\n  busy-wait: { severity: high }\n', 'cfg.yml'));
    expect(error.message).toBe('cfg.yml: rules.busy-wait.severity: expected one of info|warning|error');
  });

  it('rejects unknown keys and suggests the closest one', () => {
    const error = errorOf(() => parseConfig('max_coments: 3\n', '.coze-loop.yml'));
    expect(error.key).toBe('max_coments');
    expect(error.message).toBe('.coze-loop.yml: max_coments: unknown key (did you mean "max_comments"?)');
    expect(errorOf(() => parseConfig('cost:\n  corehour: 1\n', 'x.yml')).message).toContain('cost.corehour: unknown key (did you mean "core_hour"?)');
    expect(errorOf(() => parseConfig('apis:\n  htp: [x]\n', 'x.yml')).message).toContain('apis.htp: unknown key (did you mean "http"?)');
    expect(errorOf(() => parseConfig('zzz: 1\n', 'x.yml')).message).toBe('x.yml: zzz: unknown key');
  });

  it('rejects rule ids that are not in the catalogue', () => {
    expect(errorOf(() => parseConfig('rules:\n  query-in-loops: off\n', 'x.yml')).message).toBe(
      'x.yml: rules.query-in-loops: unknown rule id (did you mean "query-in-loop"?)',
    );
    expect(errorOf(() => parseConfig('rules:\n  zzzzzzzz: off\n', 'x.yml')).message).toBe('x.yml: rules.zzzzzzzz: unknown rule id (see `coze-loop rules`)');
  });

  it('names array elements and type errors', () => {
    expect(errorOf(() => parseConfig('targets: [optimize, speed]\n', 'x.yml')).message).toBe(
      'x.yml: targets[1]: expected one of optimize|readability|fix-bugs',
    );
    expect(errorOf(() => parseConfig('max_comments: lots\n', 'x.yml')).message).toBe('x.yml: max_comments: expected number, got string');
    expect(errorOf(() => parseConfig('max_comments: 500\n', 'x.yml')).message).toBe('x.yml: max_comments: expected a number <= 100');
    expect(errorOf(() => parseConfig('targets: []\n', 'x.yml')).message).toBe('x.yml: targets: expected at least 1 item(s)');
    expect(errorOf(() => parseConfig('cost: 5\n', 'x.yml')).message).toBe('x.yml: cost: expected object, got number');
  });

  it('reports YAML syntax errors with a position, and non-mapping documents', () => {
    const syntax = errorOf(() => parseConfig('rules: [unclosed\n', 'x.yml'));
    expect(syntax.message).toMatch(/^x\.yml: YAML syntax error at line \d+, column \d+: /);
    expect(errorOf(() => parseConfig('- a\n- b\n', 'x.yml')).message).toContain('expected a mapping');
    expect(errorOf(() => parseConfig('a: 1\na: 2\n', 'x.yml')).message).toContain('YAML syntax error');
  });

  it('localises messages', () => {
    const error = errorOf(() => parseConfig('rules:\n  query-in-loop: loud\n', '.coze-loop.yml', 'zh-CN'));
    expect(error.message).toBe('.coze-loop.yml: rules.query-in-loop: 应为 off|on|info|warning|error 之一');
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coze-loop-config-'));

  it('uses defaults when the default file is missing, and errors when a named file is missing', () => {
    expect(loadConfigFile(undefined, dir)).toEqual(DEFAULT_CONFIG);
    expect(errorOf(() => loadConfigFile('nope.yml', dir)).message).toBe('nope.yml: file not found');
  });

  it('reads .coze-loop.yml from the working directory', () => {
    const cwd = join(dir, 'repo');
    mkdirSync(cwd);
    writeFileSync(join(cwd, '.coze-loop.yml'), 'fail_on: error\n');
    expect(loadConfigFile(undefined, cwd).fail_on).toBe('error');
    writeFileSync(join(cwd, 'bad.yml'), 'locale: fr\n');
    expect(errorOf(() => loadConfigFile('bad.yml', cwd)).message).toBe('bad.yml: locale: expected one of en|zh-CN');
  });

  it('refuses non-UTF-8 and directories', () => {
    writeFileSync(join(dir, 'latin1.yml'), Buffer.from([0x6c, 0x6f, 0x63, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(errorOf(() => loadConfigFile('latin1.yml', dir)).message).toBe('latin1.yml: not valid UTF-8 text');
    expect(errorOf(() => loadConfigFile('.', dir)).message).toBe('.: not a regular file');
  });
});
