// Tolerant reading of host API responses. The adapters validate the fields they rely on; everything else a host
// sends is ignored. Within that:
//   - a field the adapter can do without (`optional`) reads as undefined when it is absent, null, or of an
//     unexpected shape: the API documents many fields as "absent or null" and hosts differ in which they send;
//   - a list (`list`) keeps the items that fit and skips the others: one odd comment, file or discussion must not
//     fail a whole review;
//   - what was defaulted or skipped is logged once per place and problem (`ResponseReader`), never with the value
//     itself (responses carry users' code and comments).
// A field that is required (an id, a path, a head SHA) and does not fit still fails the response, with a clear error.
import { z } from 'zod';
import type { Logger } from '../core/observability.js';

/** What was defaulted or skipped during the current parse (parsing is synchronous: one parse at a time). */
let notes: string[] | undefined;

function problemOf(issues: ReadonlyArray<{ path?: PropertyKey[]; message?: string }>): string {
  const issue = issues[0];
  if (!issue) return 'invalid';
  return issue.path && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message ?? 'invalid'}` : (issue.message ?? 'invalid');
}

/** A field the adapter can do without: absent, null or of an unexpected shape (noted) all read as undefined. */
export function optional<T extends z.ZodType>(schema: T): z.ZodType<z.output<T> | undefined> {
  return schema
    .nullish()
    .transform((value) => value ?? undefined)
    .catch((ctx) => {
      notes?.push(`defaulted a field (${problemOf(ctx.error.issues)})`);
      return undefined;
    }) as unknown as z.ZodType<z.output<T> | undefined>;
}

/** A list whose items are read one by one: the ones that do not fit are skipped (noted), the others kept. */
export function list<T extends z.ZodType>(item: T): z.ZodType<Array<z.output<T>>> {
  return z.array(z.unknown()).transform((items) => {
    const kept: Array<z.output<T>> = [];
    items.forEach((entry) => {
      const parsed = item.safeParse(entry);
      if (parsed.success) kept.push(parsed.data);
      else notes?.push(`skipped an item (${problemOf(parsed.error.issues)})`);
    });
    return kept;
  }) as unknown as z.ZodType<Array<z.output<T>>>;
}

/**
 * Parses host responses with the schemas above and reports, once per place and problem, what it defaulted or
 * skipped (a warning on the logger: the review goes on).
 */
export class ResponseReader {
  private readonly reported = new Set<string>();

  constructor(
    private readonly host: 'github' | 'gitlab',
    private readonly logger?: Logger,
  ) {}

  /** Parses one response (`where` names it in reports). Fails only when a required field does not fit. */
  parse<T>(where: string, schema: z.ZodType<T>, data: unknown): { success: true; data: T } | { success: false; problem: string } {
    const outer = notes;
    notes = [];
    try {
      const parsed = schema.safeParse(data);
      if (!parsed.success) return { success: false, problem: problemOf(parsed.error.issues) };
      for (const note of notes) this.report(where, note);
      return { success: true, data: parsed.data };
    } finally {
      notes = outer;
    }
  }

  /** Items of a list response that fit `item`; the others are skipped and reported. */
  items<T>(where: string, item: z.ZodType<T>, data: readonly unknown[]): T[] {
    const parsed = this.parse(where, list(item), data);
    // A list of unknowns always parses; the branch is for the type checker.
    return parsed.success ? parsed.data : [];
  }

  private report(where: string, note: string): void {
    const key = `${where}\n${note}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.logger?.warn({ host: this.host, where, problem: note }, `coze-loop: part of a ${this.host} response did not fit and was left out; the review goes on`);
  }
}
