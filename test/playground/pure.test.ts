// The playground's pure pieces, shared by the server and the page bundle: language guess, unified diff (checked with
// `git apply`), share-link codec, rate limiter, and the rule-docs Markdown rendering.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectLanguage } from '../../src/playground/detect-language.js';
import { decodeShare, encodeShare } from '../../src/playground/share.js';
import { applyReplacement, unifiedDiff } from '../../src/playground/unified-diff.js';
import { AddressRateLimiter } from '../../src/server/playground/rate-limit.js';
import { markdownToHtml } from '../../src/server/playground/rule-docs.js';
import { POLLER, readExample } from './helpers.js';

describe('detectLanguage', () => {
  it('tells the examples apart', () => {
    expect(detectLanguage(POLLER)).toBe('python');
    expect(detectLanguage(readExample('n-plus-one'))).toBe('typescript');
    expect(detectLanguage(readExample('retry'))).toBe('javascript');
  });

  it('reads small snippets and falls back to Python', () => {
    expect(detectLanguage('while True:\n    job = queue.get()\n    handle(job)\n')).toBe('python');
    expect(detectLanguage('for (const id of ids) {\n  await db.query(id);\n}\n')).toBe('javascript');
    expect(detectLanguage('const seen: Set<string> = new Set();\nfunction f(x: string): void {}\n')).toBe('typescript');
    expect(detectLanguage('')).toBe('python');
  });

  it('stays fast on hostile input (long lines, many lines)', () => {
    const started = Date.now();
    detectLanguage(`${'while '.repeat(50_000)}\n`.repeat(20) + ':'.repeat(100_000));
    detectLanguage('a:'.repeat(200_000));
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('unifiedDiff', () => {
  const source = ['import time', '', 'def poll():', '    while True:', '        work()', '        time.sleep(30)', '', 'poll()', ''].join('\n');

  it('writes a patch git apply accepts, which turns the file into the replaced one', () => {
    const change = { startLine: 4, endLine: 6, code: '    delay = 1\n    while True:\n        if work():\n            delay = 1\n        time.sleep(delay)' };
    const patch = unifiedDiff('worker.py', source, change);
    expect(patch).toMatch(/^--- a\/worker\.py\n\+\+\+ b\/worker\.py\n@@ -1,8 \+1,10 @@\n/);
    const dir = mkdtempSync(join(tmpdir(), 'coze-loop-patch-'));
    try {
      writeFileSync(join(dir, 'worker.py'), source);
      writeFileSync(join(dir, 'fix.patch'), patch);
      execFileSync('git', ['apply', '--check', 'fix.patch'], { cwd: dir });
      execFileSync('git', ['apply', 'fix.patch'], { cwd: dir });
      expect(readFileSync(join(dir, 'worker.py'), 'utf8')).toBe(applyReplacement(source, change));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps unchanged lines of the range as context, handles a snippet without a final newline, and is empty for no change', () => {
    const patch = unifiedDiff('a.py', 'a\nb\nc\nd', { startLine: 2, endLine: 3, code: 'b\nC' });
    expect(patch).toBe('--- a/a.py\n+++ b/a.py\n@@ -1,4 +1,4 @@\n a\n b\n-c\n+C\n d\n');
    expect(unifiedDiff('a.py', 'a\nb\n', { startLine: 1, endLine: 1, code: 'a' })).toBe('');
    expect(unifiedDiff('a.py', 'a\nb\n', { startLine: 2, endLine: 2, code: '' })).toBe('--- a/a.py\n+++ b/a.py\n@@ -1,2 +1 @@\n a\n-b\n');
  });
});

describe('share links', () => {
  it('round-trips code, language and target through a URL-safe fragment', async () => {
    const code = `${POLLER}# 中文注释 ✓\n`;
    const fragment = await encodeShare({ code, language: 'python', target: 'fix-bugs' });
    expect(fragment).toMatch(/^c=[A-Za-z0-9_-]+&l=python&t=fix-bugs$/);
    expect(fragment.length).toBeLessThan(code.length);
    expect(await decodeShare(`#${fragment}`)).toEqual({ code, language: 'python', target: 'fix-bugs' });
  });

  it('refuses damaged links and links that would inflate without bound', async () => {
    expect(await decodeShare('#l=python')).toBeNull();
    expect(await decodeShare('#c=!!!')).toBeNull();
    expect(await decodeShare('#c=AAAA')).toBeNull();
    const bomb = await encodeShare({ code: 'a'.repeat(5_000_000) });
    expect(bomb.length).toBeLessThan(20_000);
    expect(await decodeShare(bomb)).toBeNull();
  });
});

describe('AddressRateLimiter', () => {
  it('allows `limit` requests per address per sliding window and says when to retry', () => {
    let now = 0;
    const limiter = new AddressRateLimiter(2, 10_000, () => now);
    expect(limiter.take('a').allowed).toBe(true);
    now = 4000;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 6 });
    expect(limiter.take('b').allowed).toBe(true);
    now = 10_001;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('keeps at most maxAddresses entries', () => {
    const limiter = new AddressRateLimiter(1, 60_000, () => 0, 100);
    for (let i = 0; i < 1000; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`);
    expect((limiter as unknown as { hits: Map<string, number[]> }).hits.size).toBeLessThanOrEqual(100);
  });
});

describe('rule docs page', () => {
  it('renders headings, fenced code and inline code, escaping HTML', () => {
    const html = markdownToHtml('# rule: <b>title</b>\n\nUse `sleep(30)` **rarely**.\n\n```python\nif a < b:\n    pass\n```\n- one\n- two\n');
    expect(html).toBe('<h1>rule: &lt;b&gt;title&lt;/b&gt;</h1>\n<p>Use <code>sleep(30)</code> <strong>rarely</strong>.</p>\n<pre><code>if a &lt; b:\n    pass</code></pre>\n<ul><li>one</li><li>two</li></ul>');
  });
});
