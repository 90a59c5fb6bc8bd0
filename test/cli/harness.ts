// Runs `main()` in-process with captured streams on a temporary directory.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Capture {
  text: string;
  isTTY?: boolean;
  write(chunk: string): boolean;
}

export function capture(isTTY = false): Capture {
  return {
    text: '',
    isTTY,
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

/** Creates a temp directory with the given files (string or Buffer contents). */
export function tree(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'coze-loop-cli-'));
  for (const [path, content] of Object.entries(files)) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return root;
}

export type Main = (argv: string[], io?: object) => Promise<number>;

export async function run(main: Main, cwd: string, argv: string[], options: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const stdout = capture(options.tty);
  const stderr = capture(options.tty);
  const code = await main(argv, { stdout, stderr, cwd, env: options.env ?? {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A reader of the files under `cwd` for an EffectIndex, recording each path it is asked for (missing: undefined). */
export function recordingReader(cwd: string): { reads: string[]; read: (path: string) => Buffer | undefined } {
  const reads: string[] = [];
  return {
    reads,
    read: (path: string) => {
      reads.push(path);
      try {
        return readFileSync(join(cwd, path));
      } catch {
        return undefined;
      }
    },
  };
}
