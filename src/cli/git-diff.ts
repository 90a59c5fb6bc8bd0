// `--diff BASE`: the lines added in the working tree since BASE, from `git diff` in the current repository.
import { execFile } from 'node:child_process';
import { addedLines, parseUnifiedDiff } from '../diff/index.js';

export class GitDiffError extends Error {
  constructor(
    message: string,
    readonly kind: 'no-git' | 'failed',
  ) {
    super(message);
    this.name = 'GitDiffError';
  }
}

export interface AddedCode {
  /** Path (relative to cwd, `/`-separated) -> new-side line numbers added since BASE. */
  files: Map<string, Set<number>>;
}

function run(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, maxBuffer: 512 * 1024 * 1024, encoding: 'utf8', env: { ...process.env, GIT_PAGER: 'cat', LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') reject(new GitDiffError('git was not found on PATH', 'no-git'));
        else reject(new GitDiffError((stderr || error.message).trim().split('\n')[0] ?? 'git failed', 'failed'));
        return;
      }
      resolve(stdout);
    });
  });
}

/**
 * Working tree against BASE (committed and uncommitted changes; untracked files are not part of `git diff`).
 * `--relative` keeps paths relative to cwd and limits the diff to cwd's subtree; `-U0` because only added lines
 * matter; rename detection so a moved file is not reported as wholly new.
 */
export async function addedSince(base: string, cwd: string): Promise<AddedCode> {
  if (base.startsWith('-')) throw new GitDiffError(`invalid revision: ${base}`, 'failed');
  try {
    await run(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${base}^{commit}`]);
  } catch (error) {
    // `--quiet` silences an unknown revision; anything git still prints (not a repository) is the better message.
    if (error instanceof GitDiffError && (error.kind === 'no-git' || error.message.startsWith('fatal:'))) throw error;
    throw new GitDiffError(`unknown revision: ${base}`, 'failed');
  }
  const text = await run(cwd, ['-c', 'core.quotePath=true', 'diff', '--no-color', '--no-ext-diff', '--no-textconv', '--relative', '-U0', '-M', base, '--']);
  const files = new Map<string, Set<number>>();
  for (const file of parseUnifiedDiff(text)) {
    if (file.binary || file.status === 'removed' || !file.newPath) continue;
    const lines = addedLines(file.hunks);
    if (lines.size > 0) files.set(file.newPath, lines);
  }
  return { files };
}
