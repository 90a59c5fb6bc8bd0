// The rule docs the playground's cards link to, as a small HTML page the service renders itself (the page works
// offline). Covers the Markdown that renderRuleDocs writes: headings, fenced code, lists, paragraphs, inline code
// and bold. Every pattern is linear-time.
import type { Locale } from '../../core/types.js';

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>');
}

export function markdownToHtml(markdown: string): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  let list: string[] = [];
  let fence: string[] | undefined;
  const flush = () => {
    if (paragraph.length > 0) out.push(`<p>${paragraph.map(inline).join(' ')}</p>`);
    if (list.length > 0) out.push(`<ul>${list.map((item) => `<li>${inline(item)}</li>`).join('')}</ul>`);
    paragraph = [];
    list = [];
  };
  for (const line of markdown.split('\n')) {
    if (fence) {
      if (line.trimStart().startsWith('```')) {
        out.push(`<pre><code>${escapeHtml(fence.join('\n'))}</code></pre>`);
        fence = undefined;
      } else fence.push(line);
      continue;
    }
    if (line.trimStart().startsWith('```')) {
      flush();
      fence = [];
      continue;
    }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      const level = heading[1]!.length;
      out.push(`<h${level}>${inline(heading[2]!)}</h${level}>`);
      continue;
    }
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (item) {
      if (paragraph.length > 0) flush();
      list.push(item[1]!);
      continue;
    }
    if (line.trim() === '') flush();
    else if (list.length > 0) list[list.length - 1] += ` ${line.trim()}`;
    else paragraph.push(line.trim());
  }
  if (fence) out.push(`<pre><code>${escapeHtml(fence.join('\n'))}</code></pre>`);
  flush();
  return out.join('\n');
}

const STYLE = `body{font:16px/1.55 system-ui,sans-serif;max-width:48rem;margin:0 auto;padding:1rem;color:#1b1f24;background:#fff}
pre{background:#f3f4f6;padding:.75rem;overflow:auto;border-radius:6px}code{font-family:ui-monospace,monospace;font-size:.92em}
a{color:#0550ae}a:focus-visible{outline:3px solid #0550ae;outline-offset:2px}`;

export function renderMarkdownPage(markdown: string, locale: Locale, title: string): string {
  const back = locale === 'zh-CN' ? '← 返回 coze-loop 在线试用' : '← Back to the coze-loop playground';
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><nav><a href="/">${back}</a></nav><main>
${markdownToHtml(markdown)}
</main></body></html>
`;
}
