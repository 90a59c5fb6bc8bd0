// The bots review Go and Java files like the others: findings on .go/.java files in a pull request become
// line-anchored comments with suggestions in the file's language; generated Go files are not reviewed.
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { runReview } from '../../src/review/pipeline.js';
import { noopMetrics } from '../../src/core/observability.js';
import { newFilePatch } from '../support/findings.js';
import { MemoryPlatform } from '../support/memory-platform.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const deps = { logger: silent, metrics: noopMetrics, now: () => new Date('2026-12-05T08:00:00Z') };
// Hints posted inline too: these tests are about the comments' shape, not which severities are posted.
const config = { ...DEFAULT_CONFIG, fail_on: 'none' as const, severity_threshold: 'info' as const, review: { ...DEFAULT_CONFIG.review, inline_severity: 'info' as const } };

const GO = [
  'package counters',
  '',
  'import "sync"',
  '',
  'func bump(mu *sync.Mutex, counts map[string]int, keys []string) {',
  '\tfor _, k := range keys {',
  '\t\tmu.Lock()',
  '\t\tdefer mu.Unlock()',
  '\t\tcounts[k]++',
  '\t}',
  '}',
].join('\n') + '\n';

const JAVA = [
  'package report;',
  '',
  'import java.util.List;',
  'import java.util.regex.Pattern;',
  '',
  'class Ids {',
  '    int count(List<String> lines) {',
  '        int n = 0;',
  '        for (String line : lines) {',
  '            Pattern pattern = Pattern.compile("id=\\\\d+");',
  '            if (pattern.matcher(line).find()) {',
  '                n++;',
  '            }',
  '        }',
  '        return n;',
  '    }',
  '}',
].join('\n') + '\n';

describe('runReview on Go and Java files', () => {
  it('comments on .go and .java files with suggestions in their language, and skips generated Go', async () => {
    const host = new MemoryPlatform();
    host.setFile('internal/counters/bump.go', GO, newFilePatch(11), 'added');
    host.setFile('src/main/java/report/Ids.java', JAVA, newFilePatch(17), 'added');
    host.setFile('api/v1/api.pb.go', GO, newFilePatch(11), 'added');
    await runReview(host, host.cr(), config, deps);
    const comments = host.reviews[0]!.comments;
    const defer = comments.find((c) => c.path === 'internal/counters/bump.go' && c.body.includes('defer-in-loop'));
    expect(defer).toMatchObject({ startLine: 7, line: 9 });
    // The body wraps in func() { ... }(): a suggestion replacing the body's lines.
    expect(defer!.body).toContain('```suggestion\n\t\tfunc() {\n\t\t\tmu.Lock()');
    const invariant = comments.find((c) => c.path === 'src/main/java/report/Ids.java' && c.body.includes('invariant-in-loop'));
    expect(invariant).toBeDefined();
    expect(invariant!.body).toContain('Pattern pattern = Pattern.compile');
    expect(comments.some((c) => c.path === 'api/v1/api.pb.go')).toBe(false);
  });
});
