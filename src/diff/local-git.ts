// The one local-git change source: every command that reads a change from the checkout instead of a host's API goes
// through here. The CLI's `--diff BASE` asks for the lines added in the working tree since BASE (`addedSince`);
// `coze-loop review --base` asks for the change BASE...HEAD as the hosts report it, and the files' bytes at a commit
// (`changedFilesFromGit`, `showFile`). Same git invocation, same environment, same error type for both.
import { execFile } from 'node:child_process';
import type { ChangedFile } from '../platforms/platform.js';
import { addedLines, parseUnifiedDiff } from './parse.js';
import type { DiffHunk } from './parse.js';

export class GitError extends Error {
  constructor(
    message: string,
    /** `no-git`: git is not on PATH; `failed`: git ran and refused (not a repository, unknown revision, ...). */
    readonly kind: 'no-git' | 'failed' = 'failed',
  ) {
    super(message);
    this.name = 'GitError';
  }
}

const MAX_OUTPUT = 512 * 1024 * 1024;

/** Runs git; stdout as bytes (file contents may be binary), a GitError with git's first stderr line on failure. */
export function git(cwd: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, maxBuffer: MAX_OUTPUT, encoding: 'buffer', env: { ...process.env, GIT_PAGER: 'cat', LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') reject(new GitError('git was not found on PATH', 'no-git'));
        else reject(new GitError(stderr.toString('utf8').trim().split('\n')[0] || error.message.trim().split('\n')[0] || 'git failed', 'failed'));
        return;
      }
      resolve(stdout);
    });
  });
}

async function gitText(cwd: string, args: string[]): Promise<string> {
  return (await git(cwd, args)).toString('utf8');
}

/** A full commit SHA for a revision, or undefined when this clone does not have it. */
export async function resolveCommit(cwd: string, revision: string): Promise<string | undefined> {
  if (revision.startsWith('-')) return undefined;
  try {
    return (await gitText(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`])).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function repositoryRoot(cwd: string): Promise<string> {
  return (await gitText(cwd, ['rev-parse', '--show-toplevel'])).trim();
}

/** File bytes at a commit, or null when the path does not exist there. */
export async function showFile(root: string, commit: string, path: string): Promise<Buffer | null> {
  try {
    const type = (await gitText(root, ['cat-file', '-t', `${commit}:${path}`])).trim();
    if (type !== 'blob') return null;
  } catch {
    return null;
  }
  return git(root, ['cat-file', 'blob', `${commit}:${path}`]);
}

/** `git diff` options both changes use: quoted paths, no colour, no external or text-converting drivers, renames. */
const DIFF = ['-c', 'core.quotePath=true', 'diff', '--no-color', '--no-ext-diff', '--no-textconv'];

export interface AddedCode {
  /** Path (relative to cwd, `/`-separated) -> new-side line numbers added since BASE. */
  files: Map<string, Set<number>>;
}

/**
 * `--diff BASE`: the working tree against BASE (committed and uncommitted changes; untracked files are not part of
 * `git diff`). `--relative` keeps paths relative to cwd and limits the diff to cwd's subtree; `-U0` because only added
 * lines matter; rename detection so a moved file is not reported as wholly new.
 */
export async function addedSince(base: string, cwd: string): Promise<AddedCode> {
  if (base.startsWith('-')) throw new GitError(`invalid revision: ${base}`);
  try {
    await git(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${base}^{commit}`]);
  } catch (error) {
    // `--quiet` silences an unknown revision; anything git still prints (not a repository) is the better message.
    if (error instanceof GitError && (error.kind === 'no-git' || error.message.startsWith('fatal:'))) throw error;
    throw new GitError(`unknown revision: ${base}`);
  }
  const text = await gitText(cwd, [...DIFF, '--relative', '-U0', '-M', base, '--']);
  const files = new Map<string, Set<number>>();
  for (const file of parseUnifiedDiff(text)) {
    if (file.binary || file.status === 'removed' || !file.newPath) continue;
    const lines = addedLines(file.hunks);
    if (lines.size > 0) files.set(file.newPath, lines);
  }
  return { files };
}

/** Hunks back to the `@@` text GitHub and GitLab hand out, which is what the pipeline parses. */
export function hunksToPatch(hunks: DiffHunk[]): string {
  const out: string[] = [];
  for (const hunk of hunks) {
    out.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    for (const line of hunk.lines) out.push(`${line.kind === 'add' ? '+' : line.kind === 'del' ? '-' : ' '}${line.text}`);
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

/** `review --base`: the change BASE -> HEAD as the hosts report it, against the merge base when there is one. */
export async function changedFilesFromGit(root: string, base: string, head: string): Promise<ChangedFile[]> {
  // Explicit prefixes: a user's `diff.noprefix` / `diff.mnemonicPrefix` setting must not change the paths we parse.
  const common = [...DIFF, '--src-prefix=a/', '--dst-prefix=b/', '--unified=3', '-M'];
  let text: string;
  try {
    text = await gitText(root, [...common, `${base}...${head}`, '--']);
  } catch {
    // A shallow clone may lack the merge base: the direct comparison is the best that clone can do.
    text = await gitText(root, [...common, base, head, '--']);
  }
  const files: ChangedFile[] = [];
  for (const diff of parseUnifiedDiff(text)) {
    const path = diff.newPath ?? diff.oldPath;
    if (!path) continue;
    const file: ChangedFile = { path, status: diff.status };
    if (diff.status === 'renamed' && diff.oldPath) file.oldPath = diff.oldPath;
    if (diff.binary) file.binary = true;
    else file.patch = hunksToPatch(diff.hunks);
    files.push(file);
  }
  return files;
}
