// The installed coze-loop's version (package.json), for `--version`, reports (SARIF's tool version) and user agents.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './data-files.js';

let cachedVersion: string | undefined;

export function toolVersion(): string {
  if (!cachedVersion) {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: string };
    cachedVersion = pkg.version ?? '0.0.0';
  }
  return cachedVersion;
}
