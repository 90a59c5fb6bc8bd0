// The parts of GitLab's REST responses (API v4) the adapter relies on. Everything else GitLab sends is ignored, so a
// newer GitLab adding fields never breaks us, and a missing required field fails loudly at the boundary instead of
// deep inside. Optional fields read as undefined when absent, null or odd, and list items that do not fit are skipped
// (src/platforms/tolerant.ts): one odd note or diff must not fail a whole review.
import { z } from 'zod';
import { list, optional } from '../tolerant.js';

const sha = z.string().regex(/^[0-9a-f]{7,64}$/i, 'a commit SHA');

export const userSchema = z.object({ id: z.number().int(), username: z.string() });
export type GitLabUser = z.infer<typeof userSchema>;

export const diffRefsSchema = z.object({ base_sha: sha, start_sha: sha, head_sha: sha });

export const mergeRequestSchema = z.object({
  // Not used by the review: an odd or absent value reads as undefined rather than failing it.
  id: optional(z.number().int()),
  iid: z.number().int(),
  project_id: optional(z.number().int()),
  state: z.string(),
  sha: optional(sha),
  draft: optional(z.boolean()),
  work_in_progress: optional(z.boolean()),
  /** Only informational (headRef). */
  source_branch: optional(z.string()),
  target_branch: z.string(),
  web_url: optional(z.string()),
  author: optional(z.object({ id: z.number().int(), username: z.string() })),
  /** Null while GitLab is still computing the diff of a just-opened merge request (read as undefined). */
  diff_refs: optional(diffRefsSchema),
});
export type GitLabMergeRequest = z.infer<typeof mergeRequestSchema>;

export const mergeRequestDiffSchema = z.object({
  old_path: z.string(),
  new_path: z.string(),
  new_file: optional(z.boolean()),
  renamed_file: optional(z.boolean()),
  deleted_file: optional(z.boolean()),
  diff: optional(z.string()),
  too_large: optional(z.boolean()),
  collapsed: optional(z.boolean()),
});
export type GitLabDiff = z.infer<typeof mergeRequestDiffSchema>;

const positionSchema = optional(
  z.object({
    position_type: optional(z.string()),
    new_path: optional(z.string()),
    old_path: optional(z.string()),
    new_line: optional(z.number().int()),
    old_line: optional(z.number().int()),
  }),
);

export const noteSchema = z.object({
  id: z.number().int(),
  type: optional(z.string()),
  body: z.string(),
  system: optional(z.boolean()),
  author: z.object({ id: z.number().int(), username: z.string() }),
  resolvable: optional(z.boolean()),
  resolved: optional(z.boolean()),
  position: positionSchema,
});
export type GitLabNote = z.infer<typeof noteSchema>;

export const discussionSchema = z.object({
  id: z.string(),
  individual_note: optional(z.boolean()),
  notes: list(noteSchema),
});
export type GitLabDiscussion = z.infer<typeof discussionSchema>;

export const memberSchema = z.object({ id: z.number().int(), username: optional(z.string()), access_level: z.number().int() });

export const projectSchema = z.object({
  id: z.number().int(),
  path_with_namespace: optional(z.string()),
  default_branch: optional(z.string()),
  web_url: z.string(),
});

export const branchSchema = z.object({ name: z.string(), commit: z.object({ id: sha }) });

export const issueSchema = z.object({
  iid: z.number().int(),
  title: z.string(),
  description: optional(z.string()),
  state: z.string(),
  web_url: optional(z.string()),
});
export type GitLabIssue = z.infer<typeof issueSchema>;

/**
 * GitLab GraphQL `repository { blobs(paths:, ref:) }` (getFileContents). Strict on purpose: a node that does not fit
 * fails its batch, which is then read over REST, because a node left out would read as "no such file".
 * `size` is a BigInt, which GitLab serialises as a string.
 */
export const blobNodeSchema = z.object({
  path: z.string(),
  rawTextBlob: z.string().nullish(),
  size: z.union([z.number(), z.string().regex(/^\d+$/)]).transform(Number),
});
const blobRepositorySchema = z.object({ blobs: z.object({ nodes: z.array(blobNodeSchema) }).nullish() }).nullish();
export const blobBatchSchema = z.object({
  data: z
    .object({
      project: z.object({ repository: blobRepositorySchema }).nullish(),
      projects: z.object({ nodes: z.array(z.object({ repository: blobRepositorySchema }).nullable()) }).nullish(),
    })
    .nullish(),
  errors: z.array(z.unknown()).nullish(),
});

/** One entry of `GET /projects/:id/repository/tree` (a directory's listing): `blob` a file, `tree` a directory. */
export const treeEntrySchema = z.object({ type: z.string(), path: z.string() });
