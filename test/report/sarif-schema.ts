// The parts of SARIF 2.1.0 that GitHub code scanning requires or reads, as a zod schema for tests.
import { z } from 'zod';

const region = z.object({ startLine: z.number().int().min(1), endLine: z.number().int().min(1).optional(), startColumn: z.number().int().min(1).optional() });
const physicalLocation = z.object({
  artifactLocation: z.object({ uri: z.string().min(1).refine((u) => !u.startsWith('/') && !u.includes('\\')), uriBaseId: z.string().optional() }),
  region,
});

export const sarifSchema = z.object({
  $schema: z.string().url(),
  version: z.literal('2.1.0'),
  runs: z
    .array(
      z.object({
        tool: z.object({
          driver: z.object({
            name: z.string().min(1),
            version: z.string().optional(),
            informationUri: z.string().url().optional(),
            rules: z.array(
              z.object({
                id: z.string().min(1),
                name: z.string().optional(),
                shortDescription: z.object({ text: z.string().min(1) }),
                fullDescription: z.object({ text: z.string().min(1) }),
                help: z.object({ text: z.string().min(1), markdown: z.string().optional() }),
                defaultConfiguration: z.object({ level: z.enum(['none', 'note', 'warning', 'error']) }),
                properties: z.object({ target: z.enum(['optimize', 'readability', 'fix-bugs']), tags: z.array(z.string()) }).passthrough(),
              }),
            ),
          }),
        }),
        results: z.array(
          z.object({
            ruleId: z.string(),
            ruleIndex: z.number().int().min(0),
            level: z.enum(['none', 'note', 'warning', 'error']),
            message: z.object({ text: z.string().min(1) }),
            locations: z.array(z.object({ physicalLocation })).length(1),
            partialFingerprints: z.record(z.string(), z.string().min(1)),
            fixes: z
              .array(
                z.object({
                  description: z.object({ text: z.string().min(1) }),
                  artifactChanges: z.array(
                    z.object({
                      artifactLocation: z.object({ uri: z.string() }),
                      replacements: z.array(z.object({ deletedRegion: region, insertedContent: z.object({ text: z.string() }) })).min(1),
                    }),
                  ),
                }),
              )
              .optional(),
          }),
        ),
      }),
    )
    .length(1),
});
export type SarifLog = z.infer<typeof sarifSchema>;
