import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { codeBlock, fence, renderFindingMarkdown, renderMarkdownReport, type SuggestionSyntax } from '../../src/report/markdown.js';
import { githubSuggestions } from '../../src/platforms/github/markdown.js';
import { gitlabSuggestionRange, gitlabSuggestions } from '../../src/platforms/gitlab/markdown.js';
import { INDEX_LOOP, PER_ROW, POLLING, sampleResult } from './sample.js';

describe('renderFindingMarkdown', () => {
  it('renders a GitHub suggestion for a replace fix, with cost, extras and docs link', () => {
    const body = renderFindingMarkdown(POLLING, { locale: 'en', suggestion: githubSuggestions, docsBaseUrl: 'https://example.test/docs/rules/' });
    expect(body).toContain('```suggestion\n        time.sleep(backoff.next())\n```');
    expect(body).toContain('2,880');
    expect(body).toContain('86,400 s/day / 30 s = 2,880');
    expect(body).toContain('<details>\n<summary>Prometheus alert: idle polling</summary>');
    expect(body).toContain('](https://example.test/docs/rules/polling-fixed-interval.md)');
    expect(body).not.toContain('coze-loop:fp:');
    expect(body).toMatchSnapshot();
  });

  it('uses GitLab\'s relative range, spanning the replaced lines', () => {
    const body = renderFindingMarkdown(PER_ROW, { locale: 'en', suggestion: gitlabSuggestions });
    expect(body).toContain('```suggestion:-0+1\n        ids = [row.id for row in rows]\n');
    expect(gitlabSuggestionRange(PER_ROW.fix!)).toBe('suggestion:-0+1');
    expect(gitlabSuggestionRange(PER_ROW.fix!, 7)).toBe('suggestion:-1+0');
    expect(renderFindingMarkdown(PER_ROW, { locale: 'en', suggestion: gitlabSuggestions, anchorLine: 7 })).toContain('```suggestion:-1+0\n');
  });

  it('falls back to a fenced code block when suggestions are off, the fix is structural, or the anchor is outside the range', () => {
    expect(renderFindingMarkdown(PER_ROW, { locale: 'en', suggestion: 'none' })).toContain('```python\n        ids =');
    expect(renderFindingMarkdown(PER_ROW, { locale: 'en', suggestion: githubSuggestions, anchorLine: 6 })).not.toContain('```suggestion');
    expect(renderFindingMarkdown(PER_ROW, { locale: 'en', suggestion: githubSuggestions, anchorLine: 7 })).toContain('```suggestion');
    const block = renderFindingMarkdown(INDEX_LOOP, { locale: 'en', suggestion: githubSuggestions });
    expect(block).not.toContain('suggestion');
    // The sketch contains ``` itself, so the fence must be longer.
    expect(block).toContain('````typescript\nfor (const item of items) {');
  });

  it('says when a call was classified from its name only', () => {
    expect(renderFindingMarkdown(PER_ROW, { locale: 'en', suggestion: 'none' })).toContain('Lower confidence');
    expect(renderFindingMarkdown(POLLING, { locale: 'en', suggestion: 'none' })).not.toContain('Lower confidence');
  });

  it('renders in Simplified Chinese', () => {
    const body = renderFindingMarkdown(POLLING, { locale: 'zh-CN', suggestion: gitlabSuggestions });
    expect(body).toContain('成本估算');
    expect(body).toContain('coze-loop explain polling-fixed-interval');
    expect(body).toMatchSnapshot();
  });
});

describe('code fences', () => {
  it('outgrows any backtick run in the code', () => {
    expect(fence('plain')).toBe('```');
    expect(fence('a ```` b')).toBe('`````');
    expect(codeBlock('x\n\n', 'py')).toBe('```py\nx\n```');
  });
});

describe('renderMarkdownReport', () => {
  it('matches the bots\' body: summary header, then each finding', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      expect(renderMarkdownReport(sampleResult(), { locale, suggestion: 'none' })).toMatchSnapshot(locale);
    }
  });

  it('says so when there is nothing to report', () => {
    const text = renderMarkdownReport({ findings: [], skipped: [], notes: [], filesAnalyzed: 4 }, { locale: 'en', suggestion: 'none' });
    expect(text).toContain('No loop findings in 4 analysed file(s).');
  });
});

describe('fence safety', () => {
  it('keeps any patch text inside its code block', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.constantFrom<SuggestionSyntax | 'none'>(githubSuggestions, gitlabSuggestions, 'none'), (code, suggestion) => {
        const finding = { ...PER_ROW, fix: { ...PER_ROW.fix!, code } };
        const body = renderFindingMarkdown(finding, { locale: 'en', suggestion });
        const open = /^(`{3,})(suggestion(?::-\d+\+\d+)?|python)$/m.exec(body);
        expect(open).not.toBeNull();
        const marks = open![1]!;
        const start = body.indexOf(open![0]) + open![0].length + 1;
        const close = body.indexOf(`\n${marks}\n`, start - 1);
        // The first closing fence of the same length is the one the renderer wrote after the whole code.
        expect(body.slice(start, close)).toBe(code.replace(/\n+$/, ''));
      }),
    );
  });
});
