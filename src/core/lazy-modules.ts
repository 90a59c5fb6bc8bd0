// Packages the analysis needs only now and then, loaded on first use: `yaml` (when shipped YAML has no current
// compiled copy, or a config file is read) and `zod` (when a config or data file is validated). Together they are
// ~100 modules and ~0.15 s of every CLI start, most of which never parses YAML or validates anything
// (see core/data-files.ts). Both are loaded through their CommonJS builds, synchronously: the callers are sync.
// zod then exists twice in the service (the server's modules import its ES build); schemas from the two copies are
// never mixed: each schema is built and used inside one module.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { z as Zod } from 'zod';

const require = createRequire(import.meta.url);

/** The `yaml` package (its CommonJS build is also what `import 'yaml'` gives Node). */
export function yaml(): typeof Yaml {
  return require('yaml') as typeof Yaml;
}

/** zod's `z`. */
export function zod(): typeof Zod {
  return (require('zod') as { z: typeof Zod }).z;
}

/** A value built with zod on first use and kept: `const schema = lazySchema((z) => z.object(...))`. */
export function lazySchema<T>(build: (z: typeof Zod) => T): () => T {
  let value: T | undefined;
  return () => (value ??= build(zod()));
}
