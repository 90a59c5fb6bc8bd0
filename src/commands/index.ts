export { parseCommand, type ParsedCommand } from './parse.js';
export { runCommand, findingsForLoopAt } from './run.js';
export { CommandRateLimiter } from './rate-limit.js';
