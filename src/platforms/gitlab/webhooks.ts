// GitLab webhook payloads (Merge Request Hook, Note Hook), reduced to the fields coze-loop acts on and validated at
// the boundary. The full payloads carry much more; unknown fields are ignored so newer GitLab versions still parse.
import { z } from 'zod';

const projectSchema = z.object({
  id: z.number().int(),
  web_url: z.string().optional(),
  path_with_namespace: z.string().optional(),
});

const userSchema = z.object({ id: z.number().int().optional(), username: z.string() });

const lastCommitSchema = z.object({ id: z.string() }).nullable().optional();

export const mergeRequestHookSchema = z.object({
  object_kind: z.literal('merge_request'),
  user: userSchema.optional(),
  project: projectSchema,
  object_attributes: z.object({
    iid: z.number().int(),
    action: z.string().optional(),
    state: z.string().optional(),
    draft: z.boolean().optional(),
    work_in_progress: z.boolean().optional(),
    /** Present on `update` when the push added commits: the previous head. */
    oldrev: z.string().nullable().optional(),
    last_commit: lastCommitSchema,
    target_branch: z.string().optional(),
  }),
  changes: z
    .object({
      draft: z.object({ previous: z.boolean().nullable(), current: z.boolean().nullable() }).optional(),
      /** The name older GitLab versions use for draft. */
      work_in_progress: z.object({ previous: z.boolean().nullable(), current: z.boolean().nullable() }).optional(),
    })
    .optional(),
});
export type MergeRequestHook = z.infer<typeof mergeRequestHookSchema>;

const notePositionSchema = z
  .object({
    new_path: z.string().nullable().optional(),
    old_path: z.string().nullable().optional(),
    new_line: z.number().int().nullable().optional(),
    old_line: z.number().int().nullable().optional(),
  })
  .nullable()
  .optional();

export const noteHookSchema = z.object({
  object_kind: z.literal('note'),
  user: userSchema,
  project: projectSchema,
  object_attributes: z.object({
    id: z.number().int(),
    note: z.string(),
    noteable_type: z.string(),
    author_id: z.number().int(),
    system: z.boolean().optional(),
    action: z.string().optional(),
    type: z.string().nullable().optional(),
    discussion_id: z.string().nullable().optional(),
    position: notePositionSchema,
  }),
  merge_request: z
    .object({ iid: z.number().int(), last_commit: lastCommitSchema, state: z.string().optional() })
    .optional(),
});
export type NoteHook = z.infer<typeof noteHookSchema>;

/** Whether a Merge Request Hook asks for a review: opened, reopened, new commits pushed, or marked ready. */
export function reviewTrigger(hook: MergeRequestHook): 'open' | 'reopen' | 'push' | 'ready' | null {
  const { action, oldrev } = hook.object_attributes;
  if (action === 'open') return 'open';
  if (action === 'reopen') return 'reopen';
  if (action === 'update' && oldrev) return 'push';
  const draft = hook.changes?.draft ?? hook.changes?.work_in_progress;
  if (action === 'update' && draft?.previous === true && draft.current === false) return 'ready';
  return null;
}

/** Job payload for a review: everything the processor needs to fetch the rest. */
export const reviewJobSchema = z.object({
  project: z.string(),
  iid: z.number().int(),
  headSha: z.string().optional(),
  projectUrl: z.string().optional(),
  trigger: z.string(),
});
export type ReviewJob = z.infer<typeof reviewJobSchema>;

export const commandJobSchema = z.object({
  project: z.string(),
  iid: z.number().int(),
  noteId: z.number().int(),
  authorId: z.number().int(),
  username: z.string(),
  body: z.string(),
  /** Set for a note in a diff discussion: the reply goes into that discussion. */
  discussionId: z.string().optional(),
  path: z.string().optional(),
  line: z.number().int().optional(),
  projectUrl: z.string().optional(),
});
export type CommandJob = z.infer<typeof commandJobSchema>;
