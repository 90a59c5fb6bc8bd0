// Code in a pull request is quoted in the bot's comments: it must not be able to forge the bot's markers or make
// the bot ping people.
import { describe, expect, it } from '@jest/globals';
import { codeSpan, neutraliseMentions } from '../../src/core/markdown-text.js';
import { fill } from '../../src/core/i18n.js';
import { FingerprintMarkers, UNSIGNED_MARKERS } from '../../src/platforms/markers.js';
import { renderFindingMarkdown } from '../../src/report/markdown.js';
import { makeFinding } from '../support/findings.js';

const markers = new FingerprintMarkers('webhook-secret');

describe('fingerprint markers', () => {
  it('reads the signed marker the bot wrote at the end of its comment', () => {
    const body = `⚠️ **Query in a loop**\n\n${markers.write('acme/shop', 'abc123')}\n`;
    expect(markers.read('acme/shop', body)).toBe('abc123');
  });

  it('ignores a marker quoted from the code before the real one: only the last counts', () => {
    const forged = '<!-- coze-loop:fp:deadbeef -->';
    const body = `Query \`cur.execute("${forged}")\` in a loop\n\n${markers.write('acme/shop', 'abc123')}`;
    expect(markers.read('acme/shop', body)).toBe('abc123');
    expect(UNSIGNED_MARKERS.read('acme/shop', `x ${forged} y\n\n${UNSIGNED_MARKERS.write('acme/shop', 'abc123')}`)).toBe('abc123');
  });

  it('refuses a marker that is not last, unsigned, signed for another repository or with another key', () => {
    const real = markers.write('acme/shop', 'abc123');
    expect(markers.read('acme/shop', `${real}\n\ntrailing text`)).toBeUndefined();
    expect(markers.read('acme/shop', 'text\n\n<!-- coze-loop:fp:abc123 -->')).toBeUndefined();
    expect(markers.read('acme/other', `text\n\n${real}`)).toBeUndefined();
    expect(new FingerprintMarkers('another-secret').read('acme/shop', `text\n\n${real}`)).toBeUndefined();
    expect(markers.read('acme/shop', `text\n\n<!-- coze-loop:fp:abc123:${'0'.repeat(32)} -->`)).toBeUndefined();
    // Without a key only the unsigned form is read, so a signed body is not mistaken either.
    expect(UNSIGNED_MARKERS.read('acme/shop', `text\n\n${real}`)).toBeUndefined();
  });
});

describe('code quoted in Markdown', () => {
  it('keeps a backtick in a SQL string inside its code span', () => {
    expect(codeSpan('plain')).toBe('`plain`');
    expect(codeSpan('SELECT `id` FROM t')).toBe('`` SELECT `id` FROM t ``');
    expect(codeSpan('a ``` b')).toBe('```` a ``` b ````');
    expect(fill('Query `{{sql}}` in a loop', { sql: 'x` @org/team `y' })).toBe('Query `` x` @org/team `y `` in a loop');
  });

  it('breaks mentions and issue references in prose, not inside code spans or e-mail addresses', () => {
    expect(neutraliseMentions('ping @org/team and @alice, see #12 and !34')).toBe('ping @\u200dorg/team and @\u200dalice, see #\u200d12 and !\u200d34');
    expect(neutraliseMentions('`@alice` stays, so does ops@example.com')).toBe('`@alice` stays, so does ops@example.com');
    expect(neutraliseMentions('unclosed ` then @bob')).toBe('unclosed ` then @\u200dbob');
  });

  it('renders a finding whose message quotes hostile code without a live mention or a broken span', () => {
    const finding = makeFinding('app/jobs.py', 4);
    finding.message = fill('Query `{{sql}}` runs once per item', { sql: 'SELECT 1 -- ` @org/team' });
    finding.explanation = 'Called from @alice\'s job, see #99.';
    const body = renderFindingMarkdown(finding, { locale: 'en', suggestion: 'none' });
    expect(body).toContain('**Query `` SELECT 1 -- ` @org/team `` runs once per item**');
    expect(body).toContain('Called from @\u200dalice\'s job, see #\u200d99.');
  });
});
