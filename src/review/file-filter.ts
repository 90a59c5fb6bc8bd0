// Which changed files are worth fetching and analysing. Pure: decided from the path, the status and the config.
import picomatch from 'picomatch';
import { compileGlobs } from '../config/glob.js';
import type { CozeLoopConfig } from '../config/schema.js';
import type { SkippedFile } from '../core/types.js';
import type { ChangedFile } from '../platforms/platform.js';

// Vendored and generated code is not the author's to fix; commenting on it is the fastest way to get uninstalled.
const GENERATED_GLOBS = [
  '**/node_modules/**',
  '**/vendor/**',
  '**/third_party/**',
  '**/dist/**',
  '**/__generated__/**',
  '**/generated/**',
  '**/*.min.js',
  '**/*.min.mjs',
  '**/*.bundle.js',
  '**/*.generated.*',
  '**/*_pb2.py',
  '**/*_pb2_grpc.py',
  '**/*.pb.go',
  '**/*.pb.gw.go',
  '**/target/generated-sources/**',
  '**/build/generated/**',
  '**/package-lock.json',
  '**/npm-shrinkwrap.json',
  '**/yarn.lock',
  '**/pnpm-lock.yaml',
  '**/poetry.lock',
  '**/Pipfile.lock',
  '**/uv.lock',
];

const isGenerated = picomatch(GENERATED_GLOBS, { dot: true });

export function isVendoredOrGenerated(path: string): boolean {
  return isGenerated(path);
}

export interface PathFilter {
  (path: string): 'excluded' | null;
}

/** The repository's `include:`/`exclude:` globs, run by a linear-time matcher: they come from whoever edits the config. */
export function pathFilter(config: CozeLoopConfig): PathFilter {
  const include = config.include.length > 0 ? compileGlobs(config.include) : null;
  const exclude = config.exclude.length > 0 ? compileGlobs(config.exclude) : null;
  return (path) => {
    if (exclude?.(path)) return 'excluded';
    if (include && !include(path)) return 'excluded';
    return null;
  };
}

/**
 * The reason a changed file is not analysed, or null when it should be. `supported` tells whether the engine
 * has a grammar for the file; unsupported files are skipped without being listed (a README change is not news).
 */
export function skipReason(
  file: ChangedFile,
  filter: PathFilter,
  supported: boolean,
): SkippedFile | 'ignore' | null {
  if (!supported) return 'ignore';
  if (file.status === 'removed') return { path: file.path, reason: 'removed' };
  if (file.binary) return { path: file.path, reason: 'binary' };
  if (isVendoredOrGenerated(file.path)) return { path: file.path, reason: 'generated' };
  if (filter(file.path)) return { path: file.path, reason: 'excluded' };
  return null;
}
