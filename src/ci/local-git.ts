// `--base SHA`: the changed files and their content come from the checkout the CI job already has, not from the
// API (no per-file requests, and it works where the API's diff is truncated). Posting still goes to the adapter.
import { execFile } from 'node:child_process';
import { parseUnifiedDiff, type DiffHunk } from '../diff/index.js';
import type { ChangeRequestRef, ChangedFile, Platform } from '../platforms/platform.js';
import { DelegatingPlatform } from './delegating-platform.js';

export class GitError extends Error {
  constructor(message: string) {
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
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') reject(new GitError('git was not found on PATH'));
        else reject(new GitError(stderr.toString('utf8').trim().split('\n')[0] || error.message));
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

/** Hunks back to the `@@` text GitHub and GitLab hand out, which is what the pipeline parses. */
export function hunksToPatch(hunks: DiffHunk[]): string {
  const out: string[] = [];
  for (const hunk of hunks) {
    out.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    for (const line of hunk.lines) out.push(`${line.kind === 'add' ? '+' : line.kind === 'del' ? '-' : ' '}${line.text}`);
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

/** The change BASE -> HEAD as the hosts report it: against the merge base when there is one, like a pull request. */
export async function changedFilesFromGit(root: string, base: string, head: string): Promise<ChangedFile[]> {
  // Explicit prefixes: a user's `diff.noprefix` / `diff.mnemonicPrefix` setting must not change the paths we parse.
  const common = ['-c', 'core.quotePath=true', 'diff', '--no-color', '--no-ext-diff', '--no-textconv', '--src-prefix=a/', '--dst-prefix=b/', '--unified=3', '-M'];
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

export interface LocalGitOptions {
  /** Repository root of the checkout. */
  root: string;
  /** Commit the change is compared against. */
  base: string;
  /** Commit whose content is reviewed (the pull request head when the clone has it, else the checkout's HEAD). */
  head: string;
}

/** Changed files and contents from local git; everything else (comments, summary, status) from the real adapter. */
export class LocalGitPlatform extends DelegatingPlatform {
  constructor(
    inner: Platform,
    private readonly options: LocalGitOptions,
  ) {
    super(inner);
  }

  override async listChangedFiles(_cr: ChangeRequestRef): Promise<ChangedFile[]> {
    return changedFilesFromGit(this.options.root, this.options.base, this.options.head);
  }

  /** The host's SHA may name a commit this clone lacks (a merge ref checkout); the reviewed head stands in for it. */
  override async getFileContent(_repo: string, path: string, ref: string): Promise<Buffer | null> {
    const commit = (await resolveCommit(this.options.root, ref)) ?? this.options.head;
    return showFile(this.options.root, commit, path);
  }
}
