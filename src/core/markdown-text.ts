// Text from code (names, SQL, paths) inside the Markdown the bots post. Code is quoted in a code span whose
// backtick run is longer than any run inside it (CommonMark), so a backtick in a SQL string cannot close the span
// and turn the rest into Markdown; prose that carries code has its mentions (`@user`, `@org/team`, `#123`, `!123`)
// broken with a zero-width joiner, so code in a pull request cannot ping people or link issues through the bot.

const ZWJ = '\u200d';

/** An inline code span that shows `text` verbatim, whatever backticks it holds. */
export function codeSpan(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  if (flat === '') return '` `';
  let longest = 0;
  let run = 0;
  for (const ch of flat) {
    run = ch === '`' ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  const ticks = '`'.repeat(longest + 1);
  // CommonMark strips one space on each side when both are there: padding keeps edge backticks and spaces intact.
  const pad = longest > 0 || flat.startsWith(' ') || flat.endsWith(' ') ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/**
 * Breaks `@name`, `@org/team`, `#123` and `!123` in prose so GitHub and GitLab do not turn them into mentions or
 * links; code spans (any backtick run to the next run of the same length) are left as they are. Linear.
 */
export function neutraliseMentions(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '`') {
      let run = 1;
      while (text[i + run] === '`') run += 1;
      const ticks = '`'.repeat(run);
      const close = text.indexOf(ticks, i + run);
      // An unclosed run is literal backticks; a closed one is a span whose content is not rendered.
      const end = close === -1 ? i + run : close + run;
      out += text.slice(i, end);
      i = end;
      continue;
    }
    out += ch;
    if ((ch === '@' || ch === '#' || ch === '!') && i + 1 < text.length && isWordChar(text.charCodeAt(i + 1))) {
      const previous = i === 0 ? 32 : text.charCodeAt(i - 1);
      // `a@b.c` is an e-mail address GitHub does not ping; only a mention at a word start needs breaking.
      if (!isWordChar(previous)) out += ZWJ;
    }
    i += 1;
  }
  return out;
}
