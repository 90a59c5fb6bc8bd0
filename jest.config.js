/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/fixtures/'],
  testTimeout: 30000,
  // One temporary directory per run (TMPDIR for every worker), removed at the end: see test/support/tmp-dir.global.js.
  globalSetup: '<rootDir>/test/support/tmp-setup.global.js',
  globalTeardown: '<rootDir>/test/support/tmp-teardown.global.js',
  // tree-sitter's native addon cannot be initialised twice in one process, and jest re-evaluates modules for every
  // test file: recycling the worker after each file (an idle-memory limit of 0) gives every file a fresh process.
  maxWorkers: 2,
  workerIdleMemoryLimit: 0,
};
