import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { configJsonSchema } from '../../src/config/load.js';
import { PROJECT_ROOT } from '../../src/core/i18n.js';

describe('schema/coze-loop.schema.json', () => {
  const committed = JSON.parse(readFileSync(join(PROJECT_ROOT, 'schema', 'coze-loop.schema.json'), 'utf8')) as Record<string, unknown>;

  it('is up to date with the zod schema (regenerate: npm run build && node scripts/gen-schema.js)', () => {
    expect(committed).toEqual(configJsonSchema());
  });

  it('rejects unknown keys and lists every top-level key with its rule-setting values', () => {
    expect(committed.additionalProperties).toBe(false);
    const properties = committed.properties as Record<string, Record<string, unknown>>;
    expect(Object.keys(properties).sort()).toEqual(
      ['apis', 'cost', 'effects', 'exclude', 'fail_on', 'include', 'limits', 'llm', 'locale', 'max_comments', 'max_file_bytes', 'overrides', 'review', 'rules', 'severity_threshold', 'summary', 'targets', 'test_code', 'example_code'].sort(),
    );
    expect(JSON.stringify(properties.rules)).toContain('"off"');
    expect(committed.required ?? []).toEqual([]);
  });
});
