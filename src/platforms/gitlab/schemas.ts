// The parts of GitLab's REST responses (API v4) the adapter relies on. Everything else GitLab sends is ignored, so a
// newer GitLab adding fields never breaks us, and a missing field fails loudly at the boundary instead of deep inside.
import { z } from 'zod';

const sha = z.string().regex(/^[0-9a-f]{7,64}$/i, 'a commit SHA');

export const userSchema = z.object({ id: z.number().int(), username: z.string() });
export type GitLabUser = z.infer<typeof userSchema>;

export const diffRefsSchema = z.object({ base_sha: sha, start_sha: sha, head_sha: sha });

export const mergeRequestSchema = z.object({
  id: z.number().int(),
  iid: z.number().int(),
  project_id: z.number().int(),
  state: z.string(),
  sha: sha.nullable().optional(),
  draft: z.boolean().optional(),
  work_in_progress: z.boolean().optional(),
  source_branch: z.string(),
  target_branch: z.string(),
  web_url: z.string().optional(),
  author: z.object({ id: z.number().int(), username: z.string() }).nullable().optional(),
  /** Null while GitLab is still computing the diff of a just-opened merge request. */
  diff_refs: diffRefsSchema.nullable().optional(),
});
export type GitLabMergeRequest = z.infer<typeof mergeRequestSchema>;

export const mergeRequestDiffSchema = z.object({
  old_path: z.string(),
  new_path: z.string(),
  new_file: z.boolean(),
  renamed_file: z.boolean(),
  deleted_file: z.boolean(),
  diff: z.string().nullable().optional(),
  too_large: z.boolean().nullable().optional(),
  collapsed: z.boolean().nullable().optional(),
});
export type GitLabDiff = z.infer<typeof mergeRequestDiffSchema>;

const positionSchema = z
  .object({
    position_type: z.string().optional(),
    new_path: z.string().nullable().optional(),
    old_path: z.string().nullable().optional(),
    new_line: z.number().int().nullable().optional(),
    old_line: z.number().int().nullable().optional(),
  })
  .nullable()
  .optional();

export const noteSchema = z.object({
  id: z.number().int(),
  type: z.string().nullable().optional(),
  body: z.string(),
  system: z.boolean().optional(),
  author: z.object({ id: z.number().int(), username: z.string() }),
  resolvable: z.boolean().optional(),
  resolved: z.boolean().nullable().optional(),
  position: positionSchema,
});
export type GitLabNote = z.infer<typeof noteSchema>;

export const discussionSchema = z.object({
  id: z.string(),
  individual_note: z.boolean().optional(),
  notes: z.array(noteSchema),
});
export type GitLabDiscussion = z.infer<typeof discussionSchema>;

export const memberSchema = z.object({ id: z.number().int(), username: z.string().optional(), access_level: z.number().int() });

export const projectSchema = z.object({
  id: z.number().int(),
  path_with_namespace: z.string().optional(),
  default_branch: z.string().nullable().optional(),
  web_url: z.string(),
});

export const branchSchema = z.object({ name: z.string(), commit: z.object({ id: sha }) });

export const issueSchema = z.object({
  iid: z.number().int(),
  title: z.string(),
  description: z.string().nullable().optional(),
  state: z.string(),
  web_url: z.string().optional(),
});
export type GitLabIssue = z.infer<typeof issueSchema>;
