// The settings table in docs/operations.md is the one place operators look: every variable the runtime parses,
// the compose file sets or the example env file lists must be in it.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');
const documented = new Set([...read('docs/operations.md').matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]));

describe('docs/operations.md settings table', () => {
  it('documents every variable src/server/env.ts reads', () => {
    const parsed = [...read('src/server/env.ts').matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]);
    expect(parsed.length).toBeGreaterThanOrEqual(10);
    expect(parsed.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('documents every variable the deploy files set', () => {
    const compose = parse(read('deploy/docker-compose.yml'), { merge: true }) as { services: Record<string, { environment?: Record<string, string> }> };
    const fromCompose = Object.values(compose.services).flatMap((service) => Object.keys(service.environment ?? {}));
    const fromExample = [...read('deploy/coze-loop.env.example').matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect([...fromCompose, ...fromExample].filter((name) => !documented.has(name))).toEqual([]);
  });

  it('documents the GitHub and GitLab settings their services read', () => {
    for (const file of ['src/platforms/github/service.ts', 'src/platforms/gitlab/service.ts']) {
      const names = new Set([...read(file).matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]));
      expect([...names].filter((name) => !documented.has(name) && name !== 'HOST' && name !== 'PORT')).toEqual([]);
    }
  });
});
