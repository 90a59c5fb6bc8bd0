// The CLI's view of the outside world, injectable so tests run `main()` in-process on temp directories.

export interface CliStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIO {
  stdout: CliStream;
  stderr: CliStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** `coze-loop ... | head` closes the pipe early; that is the reader's choice, not an error worth a stack trace. */
function ignoreBrokenPipe(stream: NodeJS.WriteStream): void {
  if (stream.listenerCount('error') > 0) return;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

export function defaultIO(overrides: Partial<CliIO> = {}): CliIO {
  if (!overrides.stdout) ignoreBrokenPipe(process.stdout);
  return {
    stdout: overrides.stdout ?? process.stdout,
    stderr: overrides.stderr ?? process.stderr,
    cwd: overrides.cwd ?? process.cwd(),
    env: overrides.env ?? process.env,
  };
}

export { toolVersion } from '../core/version.js';

/** NO_COLOR (any non-empty value) wins; otherwise colours only on a terminal. */
export function useColor(stream: CliStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}
