// `coze-loop <subcommand>`: the catalogue commands live here; `review` and `summary` are provided by their own
// modules (src/ci/cli.ts, src/summary/cli.ts), loaded on demand so that `coze-loop` alone stays fast and those
// modules ship independently: each exports `run(argv: string[], io: CliIO): Promise<number>`.
import { getRule, loadRules, renderRuleDocs } from '../analysis/engine.js';
import type { RuleDefinition } from '../analysis/rule-types.js';
import { t } from '../core/i18n.js';
import { LANGUAGES, LOCALES, TARGETS, type Locale } from '../core/types.js';
import { distance, UsageError } from './args.js';
import { useColor, type CliIO } from './io.js';
import { runInit } from './init.js';
import { renderMarkdownForTerminal } from './markdown-terminal.js';

export interface Subcommand {
  /** i18n key of the one-line description shown in `--help`. */
  describe: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

type SubcommandModule = { run: (argv: string[], io: CliIO) => Promise<number> };

/** A subcommand implemented in another module; a build without it says so instead of crashing. */
function lazy(name: string, specifier: string, describe: string): Subcommand {
  return {
    describe,
    async run(argv, io) {
      let module: SubcommandModule;
      try {
        module = (await import(specifier)) as SubcommandModule;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const message = error instanceof Error ? error.message : '';
        const missing = code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module/.test(message);
        if (!missing || !message.includes(specifier.replace(/^\.\.\//, '').replace(/\.js$/, ''))) throw error;
        io.stderr.write(`${t(localeFrom(argv, io), 'cli.sub.unavailable', { name })}\n`);
        return 2;
      }
      return module.run(argv, io);
    },
  };
}

function localeFrom(argv: string[], io: CliIO): Locale {
  const index = argv.indexOf('--locale');
  const inline = argv.find((a) => a.startsWith('--locale='))?.slice('--locale='.length);
  const value = inline ?? (index >= 0 ? argv[index + 1] : undefined) ?? io.env.COZE_LOOP_LOCALE;
  return (LOCALES as readonly string[]).includes(value ?? '') ? (value as Locale) : 'en';
}

interface CatalogueOptions {
  locale: Locale;
  format: 'text' | 'json' | 'markdown';
  positional: string[];
}

function parseCatalogueArgs(argv: string[], io: CliIO, formats: readonly CatalogueOptions['format'][]): CatalogueOptions {
  const options: CatalogueOptions = { locale: localeFrom(argv, io), format: 'text', positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--locale' || flag === '--format') {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError('cli.usage.missing-value', { flag });
      if (flag === '--locale' && !(LOCALES as readonly string[]).includes(value)) {
        throw new UsageError('cli.usage.bad-value', { flag, value, allowed: LOCALES.join('|') });
      }
      if (flag === '--format') {
        if (!(formats as readonly string[]).includes(value)) throw new UsageError('cli.usage.bad-value', { flag, value, allowed: formats.join('|') });
        options.format = value as CatalogueOptions['format'];
      }
    } else if (arg.startsWith('-')) {
      throw new UsageError('cli.usage.unknown-flag', { flag: arg });
    } else {
      options.positional.push(arg);
    }
  }
  return options;
}

function sortRules(rules: RuleDefinition[]): RuleDefinition[] {
  return [...rules].sort((a, b) => TARGETS.indexOf(a.target) - TARGETS.indexOf(b.target) || a.id.localeCompare(b.id));
}

/** Display width: CJK characters take two columns in a terminal. */
function width(text: string): number {
  let n = 0;
  for (const ch of text) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return n;
}

function pad(text: string, size: number): string {
  return text + ' '.repeat(Math.max(0, size - width(text)));
}

export function renderRulesTable(rules: RuleDefinition[], locale: Locale): string {
  const header = ['id', 'target', 'severity', 'languages', 'title'].map((k) => t(locale, `cli.rules.${k}`));
  const rows = sortRules(rules).map((rule) => [
    rule.id,
    rule.target,
    rule.severity,
    LANGUAGES.filter((l) => rule.languages.includes(l)).join(','),
    rule.title[locale] ?? rule.title.en,
  ]);
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]!))));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', t(locale, 'cli.rules.total', { count: rows.length })].join('\n') + '\n';
}

async function runRules(argv: string[], io: CliIO): Promise<number> {
  const options = parseCatalogueArgs(argv, io, ['text', 'json', 'markdown']);
  if (options.positional.length > 0) throw new UsageError('cli.usage.unexpected', { arg: options.positional[0]! });
  const rules = loadRules();
  if (options.format === 'json') {
    const rows = sortRules(rules).map((r) => ({ id: r.id, target: r.target, severity: r.severity, languages: r.languages, title: r.title[options.locale] ?? r.title.en }));
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else if (options.format === 'markdown') {
    const header = ['id', 'target', 'severity', 'languages', 'title'].map((k) => t(options.locale, `cli.rules.${k}`));
    const out = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
    for (const r of sortRules(rules)) out.push(`| \`${r.id}\` | ${r.target} | ${r.severity} | ${r.languages.join(', ')} | ${r.title[options.locale] ?? r.title.en} |`);
    io.stdout.write(`${out.join('\n')}\n`);
  } else {
    io.stdout.write(renderRulesTable(rules, options.locale));
  }
  return 0;
}

async function runExplain(argv: string[], io: CliIO): Promise<number> {
  const options = parseCatalogueArgs(argv, io, ['markdown']);
  const [id, extra] = options.positional;
  if (!id) throw new UsageError('cli.usage.explain-missing');
  if (extra) throw new UsageError('cli.usage.unexpected', { arg: extra });
  const rule = getRule(id);
  if (!rule) {
    const ids = loadRules().map((r) => r.id);
    const near = ids
      .map((candidate) => ({ candidate, score: candidate.includes(id) || id.includes(candidate) ? 0 : distance(id, candidate) }))
      .filter((entry) => entry.score <= 3)
      .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
      .slice(0, 3)
      .map((entry) => entry.candidate);
    const hint = near.length ? t(options.locale, 'cli.explain.did-you-mean', { ids: near.join(', ') }) : t(options.locale, 'cli.explain.see-rules');
    io.stderr.write(`${t(options.locale, 'cli.explain.unknown', { id })} ${hint}\n`);
    return 2;
  }
  const markdown = `${renderRuleDocs(rule, options.locale).trimEnd()}\n`;
  // A terminal gets it rendered; a pipe, a file or `--format markdown` gets the Markdown itself.
  const explicit = argv.some((a) => a === '--format' || a.startsWith('--format='));
  io.stdout.write(io.stdout.isTTY === true && !explicit ? renderMarkdownForTerminal(markdown, useColor(io.stdout, io.env)) : markdown);
  return 0;
}

/**
 * Subcommands whose module is loaded on demand, by specifier. bin/coze-loop.js runs these through the unbundled
 * dist/src/cli/main.js: from the one-file bundle (scripts/bundle-cli.js) their modules would import second copies
 * of the modules the bundle holds (another UsageError class, another rule registry).
 */
export const LAZY_SUBCOMMANDS = { review: '../ci/cli.js', summary: '../summary/cli.js' } as const;

export const subcommands: Record<string, Subcommand> = {
  rules: { describe: 'cli.sub.rules', run: runRules },
  explain: { describe: 'cli.sub.explain', run: runExplain },
  init: { describe: 'cli.sub.init', run: runInit },
  review: lazy('review', LAZY_SUBCOMMANDS.review, 'cli.sub.review'),
  summary: lazy('summary', LAZY_SUBCOMMANDS.summary, 'cli.sub.summary'),
};
