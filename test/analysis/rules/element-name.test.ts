// The loop variable a readability patch names after the collection it walks.
import { describe, expect, it } from '@jest/globals';
import { elementName } from '../../../src/analysis/rules/quality/index-loop.js';

describe('elementName', () => {
  it('singularises ordinary names', () => {
    expect(elementName('orders', 'python')).toBe('order');
    expect(elementName('self.entries', 'python')).toBe('entry');
    expect(elementName('data', 'python')).toBe('data_item');
    expect(elementName('data', 'js')).toBe('dataItem');
    expect(elementName('Users', 'js')).toBe('user');
  });

  it("reads a constant's name as words", () => {
    expect(elementName('RETRY_CODES', 'python')).toBe('retry_code');
    expect(elementName('RETRY_CODES', 'js')).toBe('retryCode');
    expect(elementName('IGNORE_BASE64URL', 'js')).toBe('ignoreBase64urlItem');
    expect(elementName('this.HOSTS', 'js')).toBe('host');
    expect(elementName('_PENDING', 'python')).toBe('pending_item');
  });
});
