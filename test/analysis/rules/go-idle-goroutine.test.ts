// infinite-loop-no-exit on Go goroutines: one that holds no item (it frees memory, prints a counter) is a hint, one
// that deletes rows or runs on the caller's goroutine stays a warning. Read from the rule's own bad.go fixture.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../src/core/i18n.js';
import { fixturePath, runRule } from '../../support/rule-tester.js';

describe('infinite-loop-no-exit: idle goroutines', () => {
  const source = readFileSync(fixturePath('infinite-loop-no-exit', 'bad.go'), 'utf8');
  const lineOf = (text: string): number => source.split('\n').findIndex((l) => l.includes(text)) + 1;
  const findings = runRule('infinite-loop-no-exit', 'metrics/bad.go', source);
  const at = (line: number) => findings.find((f) => f.line === line);

  it('reports a goroutine that only waits and works in memory as info, with the go-idle message', () => {
    for (const header of ['for range time.Tick(30 * time.Second) {', 'log.Printf("%d events"']) {
      const line = header.startsWith('for') ? lineOf(header) : lineOf(header) - 2;
      const finding = at(line);
      expect(finding).toBeDefined();
      expect(finding!.severity).toBe('info');
      expect(finding!.message).toContain('holds no item');
    }
  });

  it('keeps a warning for a goroutine that deletes rows and for a loop on the caller goroutine', () => {
    for (const line of [lineOf('db.Exec("DELETE FROM outbox') - 2, lineOf('s.flush()') - 2]) {
      expect(at(line)?.severity).toBe('warning');
    }
  });
});

// The same for Python: a loop that only stats files and calls back (bad.py's `watch`) is a hint; the rate refresher
// that posts what it fetched stays a warning.
describe('infinite-loop-no-exit: idle Python loops', () => {
  const source = readFileSync(fixturePath('infinite-loop-no-exit', 'bad.py'), 'utf8');
  const lines = source.split('\n');
  const findings = runRule('infinite-loop-no-exit', 'app/bad.py', source);
  const headerAfter = (text: string): number => {
    const from = lines.findIndex((l) => l.includes(text));
    return lines.findIndex((l, i) => i > from && l.trim() === 'while True:') + 1;
  };

  it('reports the file watcher as info, with the idle message', () => {
    const finding = findings.find((f) => f.line === headerAfter('def watch('));
    expect(finding?.severity).toBe('info');
    expect(finding?.message).toContain('holds no item');
  });

  it('keeps a warning for the loop that fetches and stores rates', () => {
    const finding = findings.find((f) => f.line === headerAfter('def run_forever('));
    expect(finding?.severity).toBe('warning');
    expect(finding?.message).toContain('a deploy kills it mid-item');
  });
});

// A program's loop (package main) that would hold no item but for a call guessed from its name (`dc.SendText` by
// the `Send*` guess) rests on that guess: a hint, as every finding whose weakest evidence is a name. Its twin that
// posts with net/http stays a warning. Fixture: test/fixtures/precision/program_guessed_sends.go.
describe('infinite-loop-no-exit: a worker known only by a guessed name', () => {
  const source = readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'precision', 'program_guessed_sends.go'), 'utf8');
  const lines = source.split('\n');
  const findings = runRule('infinite-loop-no-exit', 'cmd/agent/main.go', source);
  const headerIn = (fn: string): number => {
    const from = lines.findIndex((l) => l.startsWith(`func ${fn}(`));
    return lines.findIndex((l, i) => i > from && l.trim() === 'for {') + 1;
  };

  it('reports the guessed send as info with low confidence', () => {
    const finding = findings.find((f) => f.line === headerIn('greet'));
    expect(finding?.severity).toBe('info');
    expect(finding?.confidence).toBe('low');
  });

  it('keeps a warning for the loop that posts with net/http', () => {
    const finding = findings.find((f) => f.line === headerIn('report'));
    expect(finding?.severity).toBe('warning');
    expect(finding?.confidence).toBe('high');
  });
});
