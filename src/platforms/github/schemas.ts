// The parts of GitHub's REST responses the adapter relies on. Required fields fail the response with a clear error;
// optional ones read as undefined when absent, null or odd, and list items that do not fit are skipped
// (src/platforms/tolerant.ts): one odd comment or file must not fail a whole review.
import { z } from 'zod';
import { list, optional } from '../tolerant.js';

/** A user (GitHub sends null for a deleted account, "ghost"); one that does not fit reads as unknown (undefined). */
export const userSchema = optional(z.object({ login: z.string(), type: optional(z.string()) }));

export const pullFileSchema = z.object({
  filename: z.string(),
  status: z.string(),
  /** Absent for binary files and for diffs GitHub will not show. */
  patch: optional(z.string()),
  previous_filename: optional(z.string()),
  additions: optional(z.number()),
  deletions: optional(z.number()),
  changes: optional(z.number()),
});

export const pullRequestSchema = z.object({
  number: z.number(),
  draft: optional(z.boolean()),
  html_url: optional(z.string()),
  user: userSchema,
  head: z.object({ sha: z.string(), ref: z.string() }),
  base: z.object({ sha: z.string(), ref: z.string() }),
});

export const reviewCommentSchema = z.object({
  id: z.number(),
  body: optional(z.string()),
  path: optional(z.string()),
  line: optional(z.number()),
  original_line: optional(z.number()),
  in_reply_to_id: optional(z.number()),
  user: userSchema,
});

export const issueCommentSchema = z.object({
  id: z.number(),
  body: optional(z.string()),
  user: userSchema,
});

export const idSchema = z.object({ id: z.number() });

export const checkRunListSchema = z.object({ check_runs: list(z.object({ id: z.number(), name: z.string() })) });

export const permissionSchema = z.object({ permission: z.string(), role_name: optional(z.string()) });

export const issueSchema = z.object({
  number: z.number(),
  title: z.string(),
  body: optional(z.string()),
  state: z.enum(['open', 'closed']),
  html_url: optional(z.string()),
  pull_request: z.unknown().optional(),
});

export const repositorySchema = z.object({ default_branch: z.string() });

export const branchSchema = z.object({ commit: z.object({ sha: z.string() }) });

export const reviewThreadsSchema = z.object({
  repository: z
    .object({
      pullRequest: z
        .object({
          reviewThreads: z.object({
            nodes: list(
              z.object({
                id: z.string(),
                isResolved: z.boolean(),
                comments: z.object({ nodes: list(z.object({ databaseId: optional(z.number()) })) }),
              }),
            ),
            pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: optional(z.string()) }),
          }),
        })
        .nullable(),
    })
    .nullable(),
});

/** Aliased `object(expression: "ref:path") { ... on Blob { ... } }` answers: null for a missing path, {} for a non-blob. */
export const blobBatchSchema = z.object({
  repository: z
    .record(
      z.string(),
      z
        .object({
          text: z.string().nullable().optional(),
          byteSize: z.number().optional(),
          isBinary: z.boolean().nullable().optional(),
          isTruncated: z.boolean().optional(),
        })
        .nullable(),
    )
    .nullable(),
});

/** One entry of `GET /repos/{owner}/{repo}/contents/{dir}` (a directory's listing); symlinks and submodules are skipped. */
export const directoryEntrySchema = z.object({
  type: z.string(),
  path: z.string(),
  size: optional(z.number()),
});
