// defer-in-loop's patch on bodies that jump: the body moves into `func() { ... }()`, `continue` becomes the
// closure's `return`, `break` and the enclosing function's `return` leave through named results tested after the
// call. The patched file must still be Go that compiles: `go vet` type-checks it (catching a missing return, an
// unused label or a result count that does not match).
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../../src/core/types.js';
import { runRule } from '../../support/rule-tester.js';

const SOURCE = `package importer

import (
	"errors"
	"io"
	"os"
	"time"
)

type response struct {
	Body   io.ReadCloser
	Header map[string]string
}

type client struct{}

func (client) Get(path string) (*response, error) { return nil, errors.New(path) }

func load(f *os.File) error { return nil }

func decode(r *response) []string { return nil }

// A return of the function's two results inside the body.
func importAll(paths []string) (int, error) {
	n := 0
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return n, err
		}
		defer f.Close()
		if err := load(f); err != nil {
			return 0, errors.New("load " + path)
		}
		n++
	}
	return n, nil
}

// break, continue, a break of an inner loop and of a switch, and a labelled break out of a switch.
func search(c client, limit int) []string {
	out := []string{}
	path := "/v2/_catalog"
pages:
	for len(out) < limit {
		resp, err := c.Get(path)
		if err != nil {
			continue
		}
		defer resp.Body.Close()
		for _, r := range decode(resp) {
			if r == "" {
				continue
			}
			if len(out) == limit {
				break
			}
			switch r {
			case "skip":
				break
			case "last":
				break pages
			}
			out = append(out, r)
		}
		link := resp.Header["Link"]
		if link == "" {
			break
		}
		path = link
	}
	return out
}

// A bare return of a function with no results, and a closure whose own return stays as it is.
func touch(paths []string, done chan struct{}) {
	for _, p := range paths {
		f, err := os.Create(p)
		if err != nil {
			return
		}
		defer f.Close()
		go func() {
			if p == "" {
				return
			}
			println(p)
		}()
		select {
		case <-done:
			return
		case <-time.After(time.Millisecond):
			continue
		}
	}
}

// A goto cannot leave a closure: the patch stays a sketch.
func retry(paths []string) {
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			goto next
		}
		defer f.Close()
	next:
	}
}
`;

function fixOf(findings: Finding[], functionLine: string): Finding {
  const start = SOURCE.split('\n').findIndex((l) => l.startsWith(functionLine)) + 1;
  const finding = findings.filter((f) => f.line > start).sort((a, b) => a.line - b.line)[0];
  if (!finding) throw new Error(`no finding after ${functionLine}`);
  return finding;
}

function applyAll(source: string, findings: Finding[]): string {
  const lines = source.split('\n');
  const fixes = findings.map((f) => f.fix!).filter((f) => f.kind === 'replace').sort((a, b) => b.startLine - a.startLine);
  for (const fix of fixes) lines.splice(fix.startLine - 1, fix.endLine - fix.startLine + 1, ...fix.code.split('\n'));
  return lines.join('\n');
}

describe('defer-in-loop: the closure patch carries the body\'s jumps', () => {
  const findings = runRule('defer-in-loop', 'importer/importer.go', SOURCE);

  it('turns a return of the function\'s results into the closure\'s results, returned after the call', () => {
    const fix = fixOf(findings, 'func importAll').fix!;
    expect(fix).toMatchObject({ kind: 'replace', safety: 'safe' });
    expect(fix.code).toContain('\t\tif leave, res0, res1 := func() (leave bool, res0 int, res1 error) {');
    expect(fix.code).toContain('\t\t\t\treturn true, n, err\n');
    expect(fix.code).toContain('\t\t\t\treturn true, 0, errors.New("load " + path)\n');
    expect(fix.code).toContain('\t\t}(); leave {\n\t\t\treturn res0, res1\n\t\t}');
  });

  it('turns continue into return and a break of the loop (labelled or not) into a stop flag; inner breaks stay', () => {
    const fix = fixOf(findings, 'func search').fix!;
    expect(fix).toMatchObject({ kind: 'replace', safety: 'safe' });
    expect(fix.code).toContain('\t\tif stop := func() (stop bool) {');
    // The first `continue` is the page loop's: it ends the closure.
    expect(fix.code).toMatch(/if err != nil \{\n\t+return\n/);
    // The inner loop's continue and break, and the switch's own break, are left alone.
    expect(fix.code).toMatch(/if r == "" \{\n\t+continue\n/);
    expect(fix.code).toMatch(/if len\(out\) == limit \{\n\t+break\n/);
    expect(fix.code).toMatch(/case "skip":\n\t+break\n/);
    expect(fix.code).toMatch(/case "last":\n\t+stop = true\n\t+return\n/);
    // The label stays used by the break after the call.
    expect(fix.code).toContain('\t\t}(); stop {\n\t\t\tbreak pages\n\t\t}');
  });

  it('handles a bare return and a continue inside a select, and leaves a goroutine\'s own return alone', () => {
    const fix = fixOf(findings, 'func touch').fix!;
    expect(fix.code).toContain('if leave := func() (leave bool) {');
    expect(fix.code).toMatch(/case <-done:\n\t+leave = true\n\t+return\n/);
    expect(fix.code).toMatch(/if p == "" \{\n\t+return\n/);
    expect(fix.code).toContain('}(); leave {\n\t\t\treturn\n\t\t}');
  });

  it('keeps a sketch when the body jumps with goto', () => {
    expect(fixOf(findings, 'func retry').fix).toMatchObject({ kind: 'block', safety: 'unsafe' });
  });

  it('patches into Go that type-checks', () => {
    expect(findings.filter((f) => f.fix?.kind === 'replace')).toHaveLength(3);
    const dir = mkdtempSync(join(tmpdir(), 'coze-loop-go-'));
    try {
      writeFileSync(join(dir, 'go.mod'), 'module importer\n\ngo 1.19\n');
      writeFileSync(join(dir, 'importer.go'), applyAll(SOURCE, findings));
      // Throws (failing the test) with the compiler's message when the patched file does not type-check.
      execFileSync('go', ['vet', './...'], { cwd: dir, env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' }, stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
