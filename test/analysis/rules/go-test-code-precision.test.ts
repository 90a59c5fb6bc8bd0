// Go test code (`_test.go`, testdata) is reviewed for fix-bugs only, and there defer-in-loop keeps only the deferred
// calls whose delay changes behaviour (an Unlock or a wg.Done held until the test returns): a test that loops over
// its case table deferring `srv.Close()` or `cancel()` holds a handful of resources until it returns (issue 13's
// precision bar; the pile-ups were most of the warnings on Go's own tests and the Debian Go packages' tests).
import { describe, expect, it } from '@jest/globals';
import { analyzeSource, isGoToolProgram } from '../../../src/analysis/engine.js';
import { configSchema } from '../../../src/config/schema.js';

const TABLE_TEST = `package relay

import (
	"net/http/httptest"
	"sync"
	"testing"
)

func TestRelayPrefixes(t *testing.T) {
	for _, prefix := range []string{"/", "/v1/", "/v2/"} {
		srv := httptest.NewServer(newRelay(prefix))
		defer srv.Close()
		check(t, srv.URL+prefix)
	}
}

func TestCounterUnderLock(t *testing.T) {
	var mu sync.Mutex
	n := 0
	for i := 0; i < 3; i++ {
		mu.Lock()
		defer mu.Unlock()
		n++
	}
}
`;

/** The same loops in functions that take no test handle: product code wherever the file is. */
const PRODUCT = TABLE_TEST.replace(/\(t \*testing\.T\)/g, '(t *checker)');

function deferFindings(path: string, content = TABLE_TEST): number[] {
  const config = configSchema().parse({ severity_threshold: 'info' });
  const result = analyzeSource({ path, content }, config, { onlyRules: ['defer-in-loop'] });
  return result.findings.filter((f) => f.ruleId === 'defer-in-loop').map((f) => f.line);
}

describe('defer-in-loop in Go test code', () => {
  it('keeps the held Unlock (the next Lock deadlocks) and drops the case table Close', () => {
    expect(deferFindings('relay/relay_test.go')).toEqual([22]);
  });

  it('reports both in product code', () => {
    expect(deferFindings('relay/relay.go', PRODUCT)).toEqual([12, 22]);
  });

  it('treats a function given a test handle (t *testing.T) as test code whatever its file is called', () => {
    expect(deferFindings('relay/relay.go')).toEqual([22]);
    expect(deferFindings('relay/kit.go', TABLE_TEST.replace(/\(t \*testing\.T\)/g, '(tb testing.TB)'))).toEqual([22]);
  });

  it('treats test-support packages kept outside _test.go (fakes, shared suites, fuzz harnesses) as test code', () => {
    for (const path of ['internal/testutil/relay.go', 'client/testing/fake_relay.go', 'storage/testsuites/suite.go', 'contrib/fuzz/relay_fuzzer.go']) {
      expect([path, deferFindings(path, PRODUCT)]).toEqual([path, [22]]);
    }
    // A package whose name only starts like one is product code.
    expect(deferFindings('internal/testingtools/relay.go', PRODUCT)).toEqual([12, 22]);
  });

  it('reviews a `//go:build ignore` program (go run gen.go) like test code, not a file that only mentions the tag', () => {
    const tool = `// Copyright notice.\n\n//go:build ignore\n\n${PRODUCT}`;
    expect(isGoToolProgram('relay/gen.go', tool)).toBe(true);
    expect(deferFindings('relay/gen.go', tool)).toEqual([26]);
    const legacy = `// +build ignore\n\n${PRODUCT}`;
    expect(isGoToolProgram('relay/gen.go', legacy)).toBe(true);
    const mention = `${PRODUCT}\n// run with //go:build ignore\n`;
    expect(isGoToolProgram('relay/relay.go', mention)).toBe(false);
    expect(isGoToolProgram('relay/relay.go', `//go:build ignore && linux\n\n${TABLE_TEST}`)).toBe(false);
    expect(deferFindings('relay/relay.go', mention)).toEqual([12, 22]);
  });
});
