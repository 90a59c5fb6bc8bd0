#!/usr/bin/env node
// Entry point of the GitHub Action defined in action.yml: runs `coze-loop review` with the step's inputs.
import { runAction } from '../dist/src/ci/action.js';
import { defaultIO } from '../dist/src/cli/io.js';

runAction(defaultIO()).then(
  (code) => { process.exitCode = code; },
  (error) => {
    process.stderr.write(`coze-loop: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
