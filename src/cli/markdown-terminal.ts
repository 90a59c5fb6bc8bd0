// `coze-loop explain` on a terminal: the rule's Markdown rendered for reading there — headings bold (underlined
// when colours are off), code blocks indented without their fences, `**bold**` and `code` spans styled. Piped or
// redirected output stays plain Markdown.
const BOLD = ['\u001b[1m', '\u001b[22m'] as const;
const CODE = ['\u001b[36m', '\u001b[39m'] as const;
const DIM = ['\u001b[2m', '\u001b[22m'] as const;

/** `**x**` and `` `x` `` in one line of prose; both patterns are linear (no nested quantifiers). */
function inline(line: string, color: boolean): string {
  const bolded = line.replace(/\*\*([^*\n]+)\*\*/g, (_, text: string) => (color ? `${BOLD[0]}${text}${BOLD[1]}` : text));
  return bolded.replace(/`([^`\n]+)`/g, (_, text: string) => (color ? `${CODE[0]}${text}${CODE[1]}` : `'${text}'`));
}

export function renderMarkdownForTerminal(markdown: string, color: boolean): string {
  const out: string[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    const fence = /^\s*```/.test(line);
    if (fence) {
      inFence = !inFence;
      if (inFence && out.length > 0 && out[out.length - 1] !== '') out.push('');
      if (!inFence) out.push('');
      continue;
    }
    if (inFence) {
      out.push(color ? `    ${DIM[0]}${line}${DIM[1]}` : `    ${line}`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const text = inline(heading[2]!, false);
      if (color) out.push(`${BOLD[0]}${heading[1]!.length === 1 ? text.toUpperCase() : text}${BOLD[1]}`);
      else out.push(text, (heading[1]!.length === 1 ? '=' : '-').repeat(Math.min(text.length, 80)));
      continue;
    }
    out.push(inline(line, color));
  }
  // Blank lines collapse to one, so removed fences leave no gaps.
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
