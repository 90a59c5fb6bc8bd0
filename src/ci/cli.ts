// `coze-loop review`: the bot's pull/merge request review run from a CI job with the CI's own token. It lives in ci/
// (which depends on review/, never the reverse) and is loaded on demand by src/cli/subcommands.ts and src/ci/action.ts.
import { sniffLocale, UsageError } from '../cli/args.js';
import type { CliIO } from '../cli/io.js';
import { t } from '../core/i18n.js';
import { parseReviewArgs } from './args.js';
import { EXIT_ERROR, EXIT_OK } from '../core/exit-codes.js';
import { runCiReview, type CiReviewHooks } from './review.js';

export async function run(argv: string[], io: CliIO, hooks: CiReviewHooks = {}): Promise<number> {
  const locale = sniffLocale(argv) ?? 'en';
  let args;
  try {
    args = parseReviewArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`coze-loop review: ${t(locale, error.key, error.params)}\n${t(locale, 'ci.usage.see-help')}\n`);
    return EXIT_ERROR;
  }
  if (args.help) {
    io.stdout.write(`${t(locale, 'ci.help').trimEnd()}\n`);
    return EXIT_OK;
  }
  return runCiReview(args, io, hooks);
}
