// The parts of GitHub's REST responses the adapter relies on, validated so a surprise is a clear error.
import { z } from 'zod';

export const userSchema = z.object({ login: z.string(), type: z.string() }).nullable();

export const pullFileSchema = z.object({
  filename: z.string(),
  status: z.string(),
  patch: z.string().optional(),
  previous_filename: z.string().optional(),
  additions: z.number().optional(),
  deletions: z.number().optional(),
  changes: z.number().optional(),
});

export const pullRequestSchema = z.object({
  number: z.number(),
  draft: z.boolean().optional(),
  html_url: z.string().optional(),
  user: userSchema.optional(),
  head: z.object({ sha: z.string(), ref: z.string() }),
  base: z.object({ sha: z.string(), ref: z.string() }),
});

export const reviewCommentSchema = z.object({
  id: z.number(),
  body: z.string().nullable().optional(),
  path: z.string().optional(),
  line: z.number().nullable().optional(),
  original_line: z.number().nullable().optional(),
  in_reply_to_id: z.number().optional(),
  user: userSchema.optional(),
});

export const issueCommentSchema = z.object({
  id: z.number(),
  body: z.string().nullable().optional(),
  user: userSchema.optional(),
});

export const idSchema = z.object({ id: z.number() });

export const checkRunListSchema = z.object({ check_runs: z.array(z.object({ id: z.number(), name: z.string() })) });

export const permissionSchema = z.object({ permission: z.string(), role_name: z.string().optional() });

export const issueSchema = z.object({
  number: z.number(),
  title: z.string(),
  body: z.string().nullable().optional(),
  state: z.enum(['open', 'closed']),
  html_url: z.string().optional(),
  pull_request: z.unknown().optional(),
});

export const repositorySchema = z.object({ default_branch: z.string() });

export const branchSchema = z.object({ commit: z.object({ sha: z.string() }) });

export const reviewThreadsSchema = z.object({
  repository: z.object({
    pullRequest: z.object({
      reviewThreads: z.object({
        nodes: z.array(
          z.object({
            id: z.string(),
            isResolved: z.boolean(),
            comments: z.object({ nodes: z.array(z.object({ databaseId: z.number().nullable() })) }),
          }),
        ),
        pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
      }),
    }).nullable(),
  }).nullable(),
});
