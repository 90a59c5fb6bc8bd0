// Start-up warm-up for long-running processes (the service): the first review after a start used to pay for loading
// the grammars, the rules, the knowledge base and the first compilation of the analysis code, about 0.2-0.4 s.
import { DEFAULT_CONFIG, type CozeLoopConfig } from '../config/schema.js';
import type { Language } from '../core/types.js';
import { analyzeSource } from './engine.js';
import { warmParsers } from './parse.js';

/** A small polling loop per language, in a file name of that language. */
const SAMPLES: Array<{ path: string; content: string }> = [
  { path: 'warm-up.py', content: 'import time\n\ndef run(db):\n    while True:\n        db.poll()\n        time.sleep(5)\n' },
  { path: 'warm-up.js', content: 'async function run(db) {\n  while (true) {\n    await db.poll();\n    await sleep(5000);\n  }\n}\n' },
  { path: 'warm-up.ts', content: 'async function run(db: Db): Promise<void> {\n  for (const id of await db.ids()) {\n    await db.get(id);\n  }\n}\n' },
  { path: 'warm-up.tsx', content: 'export function List({ items }: { items: string[] }) {\n  return <ul>{items.map((i) => <li key={i}>{i}</li>)}</ul>;\n}\n' },
];

/**
 * Loads every grammar (running the native reader's capability check) and analyses one small file per language, so
 * that the first real review is not a cold one. Never throws; returns the languages whose parser could not be warmed.
 */
export function warmUp(config: CozeLoopConfig = DEFAULT_CONFIG): Language[] {
  const cold = warmParsers();
  for (const sample of SAMPLES) {
    // analyzeSource never throws: a problem becomes a skipped file, which is all a warm-up needs to know.
    analyzeSource(sample, config);
  }
  return cold;
}
