// The model inside the review: only with `llm.enabled` (+ `llm.auto` for automatic reviews), only the top findings,
// the comment stays where the rule put it and keeps its fingerprint, and a bad answer changes nothing.
import { describe, expect, it } from '@jest/globals';
import { runCommand } from '../../src/commands/run.js';
import { configSchema, type CozeLoopConfig } from '../../src/config/schema.js';
import { createRefineHookFromClient } from '../../src/llm/hook.js';
import type { CompletionRequest, LlmClient } from '../../src/llm/llm-client.js';
import { FINGERPRINT_PATTERN } from '../../src/platforms/platform.js';
import { runReview } from '../../src/review/pipeline.js';
import { noopMetrics, type Logger } from '../../src/core/observability.js';
import { newFilePatch } from '../support/findings.js';
import { MemoryPlatform } from '../support/memory-platform.js';

const silent: Logger = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
const now = () => new Date('2026-11-27T10:00:00Z');

const SOURCE = ['def show(items):', '    for i in range(len(items)):', '        print(items[i])', ''].join('\n');
const PATCH = { start_line: 2, end_line: 3, original: '    for i in range(len(items)):\n        print(items[i])', replacement: '    for item in items:\n        print(item)' };

class ScriptedClient implements LlmClient {
  readonly model = 'scripted';
  requests: CompletionRequest[] = [];
  constructor(private readonly answer: string) {}
  async complete(request: CompletionRequest) {
    this.requests.push(request);
    return { content: this.answer, tokens: 500, model: this.model };
  }
}

function setup(llm: Partial<CozeLoopConfig['llm']>, answer = JSON.stringify({ explanation: 'The index only reads items: iterate over them.', patch: PATCH })) {
  const client = new ScriptedClient(answer);
  const refine = createRefineHookFromClient(client, silent, now, 5_000);
  // Readability findings are hints (info): posted inline only with review.inline_severity: info.
  const config = configSchema().parse({ targets: ['readability'], fail_on: 'none', review: { inline_severity: 'info' }, llm: { enabled: true, max_findings: 3, ...llm } });
  const host = new MemoryPlatform();
  host.setFile('show.py', SOURCE, newFilePatch(3), 'added');
  return { client, host, config, deps: { logger: silent, metrics: noopMetrics, now, refine } };
}

const fingerprints = (host: MemoryPlatform) => host.reviews.flatMap((r) => r.comments.map((c) => FINGERPRINT_PATTERN.exec(c.body)?.[1]));

describe('LLM refinement in reviews and commands', () => {
  it('refines the posted comment when llm.auto is on, keeping anchor and fingerprint', async () => {
    const plain = setup({ enabled: false });
    await runReview(plain.host, plain.host.cr(), plain.config, plain.deps);
    const refined = setup({ auto: true });
    await runReview(refined.host, refined.host.cr(), refined.config, refined.deps);

    expect(refined.client.requests).toHaveLength(1);
    const comment = refined.host.reviews[0]!.comments[0]!;
    const before = plain.host.reviews[0]!.comments[0]!;
    expect(comment.body).toContain('The index only reads items: iterate over them.');
    expect(comment.body).toContain('```suggestion\n    for item in items:\n        print(item)\n```');
    expect([comment.path, comment.line, comment.startLine]).toEqual([before.path, before.line, before.startLine]);
    expect(fingerprints(refined.host)).toEqual(fingerprints(plain.host));
    // A second run finds the same fingerprint and posts nothing, refined or not.
    const again = await runReview(refined.host, refined.host.cr(), refined.config, refined.deps);
    expect(again.posted).toBe(0);
  });

  it('does not call the model for automatic reviews unless llm.auto is on', async () => {
    const { client, host, config, deps } = setup({ auto: false });
    await runReview(host, host.cr(), config, deps);
    expect(client.requests).toHaveLength(0);
    expect(host.reviews[0]!.comments[0]!.body).not.toContain('iterate over them');
  });

  it('refines a slash-command reply, and keeps the rule text when the answer is unusable', async () => {
    const good = setup({ auto: false });
    await runCommand(good.host, good.host.cr(), { commentId: '9', path: 'show.py', line: 2 }, { action: 'readability' }, good.config, good.deps);
    expect(good.client.requests).toHaveLength(1);
    expect(good.host.replies[0]!.body).toContain('The index only reads items: iterate over them.');

    const bad = setup({ auto: false }, 'not json at all');
    await runCommand(bad.host, bad.host.cr(), { commentId: '9', path: 'show.py', line: 2 }, { action: 'readability' }, bad.config, bad.deps);
    expect(bad.client.requests).toHaveLength(1);
    expect(bad.host.replies[0]!.body).toContain('index-loop');
    expect(bad.host.replies[0]!.body).not.toContain('iterate over them');
  });
});
