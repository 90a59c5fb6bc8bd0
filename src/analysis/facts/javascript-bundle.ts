/**
 * Dependency code inside a bundle. esbuild and rollup, when they do not minify, open each module they inline with
 * a comment line that is just its path (indented inside an IIFE bundle): `// src/front-end-module/ui.mjs`, then
 * `// node_modules/engine.io-client/build/esm/socket.js`. A region opened by a `node_modules/` path is a dependency's
 * code copied into the file: the CLI skips `node_modules` folders for that reason, and a pull request that rebuilds
 * the bundle did not write it.
 * Returns the 1-based line ranges of such regions (from the marker to the line before the next module marker), or
 * none when the file does not have the shape of a bundle (at least two module markers, one of them a dependency's).
 */
const MODULE_MARKER = /^\/\/ ((?:[\w@.-]+\/)+[\w@.-]+\.(?:[cm]?[jt]sx?))$/;

export function bundledDependencyRanges(source: string): Array<[number, number]> {
  if (!source.includes('// node_modules/')) return [];
  const lines = source.split('\n');
  const markers: Array<{ line: number; dependency: boolean }> = [];
  for (let i = 0; i < lines.length; i++) {
    const m = MODULE_MARKER.exec(lines[i]!.trim());
    if (m) markers.push({ line: i + 1, dependency: m[1]!.startsWith('node_modules/') });
  }
  if (markers.length < 2) return [];
  const ranges: Array<[number, number]> = [];
  markers.forEach((marker, i) => {
    if (marker.dependency) ranges.push([marker.line, (markers[i + 1]?.line ?? lines.length + 1) - 1]);
  });
  return ranges;
}
