import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../src/config/load.js';
import { parseBotConfig } from '../../src/review/bot-config.js';
import { conclusionFor } from '../../src/review/status.js';
import { makeFinding } from '../support/findings.js';

describe('parseBotConfig', () => {
  it('keeps checks advisory unless the repository sets fail_on', () => {
    expect(parseBotConfig(null).fail_on).toBe('none');
    expect(parseBotConfig('max_comments: 5\n')).toMatchObject({ fail_on: 'none', max_comments: 5 });
    expect(parseBotConfig('fail_on:\n').fail_on).toBe('none');
    expect(parseBotConfig('fail_on: warning\n').fail_on).toBe('warning');
    expect(parseBotConfig('fail_on: error\nlocale: zh-CN\n')).toMatchObject({ fail_on: 'error', locale: 'zh-CN' });
  });

  it('throws a ConfigError naming the key for a broken file', () => {
    expect(() => parseBotConfig('max_comments: lots\n')).toThrow(ConfigError);
    expect(() => parseBotConfig('max_comments: lots\n')).toThrow(/max_comments/);
    expect(() => parseBotConfig('review: [\n')).toThrow(ConfigError);
  });

  it('maps findings to a conclusion', () => {
    const warning = makeFinding('a.py', 1);
    expect(conclusionFor([], 'warning')).toBe('success');
    expect(conclusionFor([warning], 'none')).toBe('neutral');
    expect(conclusionFor([warning], 'error')).toBe('neutral');
    expect(conclusionFor([warning], 'warning')).toBe('failure');
    expect(conclusionFor([warning], 'info')).toBe('failure');
  });
});
