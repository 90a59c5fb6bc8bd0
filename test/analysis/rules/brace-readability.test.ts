// The Go and Java readability fixes say the language's idiom: the text of each patch or sketch, beyond the fixture
// tester's "applies, parses, clears the finding".
import { describe, expect, it } from '@jest/globals';
import { applyFix } from '../../../src/fixes/apply.js';
import { runRule } from '../../support/rule-tester.js';

const GO_INDEX = `package p

type Invoice struct{ Total int64 }

func totals(invoices []Invoice) (sum int64) {
	for i := 0; i < len(invoices); i++ {
		sum += invoices[i].Total
	}
	return sum
}
`;

const JAVA_INDEX = `import java.util.List;

class A {
    static int total(List<Integer> amounts, String[] names, StringBuilder out) {
        int sum = 0;
        for (int i = 0; i < amounts.size(); i++) {
            sum += amounts.get(i);
        }
        for (int i = 0; i < names.length; i++) {
            out.append(names[i]);
        }
        return sum;
    }
}
`;

describe('index-loop in Go and Java', () => {
  it('rewrites a Go index loop to range over the elements', () => {
    const [finding] = runRule('index-loop', 'p.go', GO_INDEX);
    expect(finding?.fix?.kind).toBe('replace');
    const patched = applyFix(GO_INDEX, finding!.fix!);
    expect(patched).toContain('for _, invoice := range invoices {\n\t\tsum += invoice.Total\n\t}');
    expect(patched).not.toContain('[i]');
  });

  it('rewrites Java list and array loops to the enhanced for with the declared element type', () => {
    const findings = runRule('index-loop', 'A.java', JAVA_INDEX);
    expect(findings.map((f) => f.message)).toEqual([
      'Index loop over `amounts` only reads `amounts.get(i)`; use `for (Integer amount : amounts)`',
      'Index loop over `names` only reads `names[i]`; use `for (String name : names)`',
    ]);
    let patched = JAVA_INDEX;
    // Bottom-up, so that the first patch's lines still hold for the second.
    for (const f of [...findings].reverse()) patched = applyFix(patched, f.fix!);
    expect(patched).toContain('for (Integer amount : amounts) {\n            sum += amount;');
    expect(patched).toContain('for (String name : names) {\n            out.append(name);');
  });
});

describe('magic-interval in Go and Java', () => {
  it('names a Go sleep as a typed duration constant', () => {
    const source = 'package p\n\nimport "time"\n\nfunc poll(f func()) {\n\tfor {\n\t\tf()\n\t\ttime.Sleep(30 * time.Second)\n\t}\n}\n';
    const [finding] = runRule('magic-interval', 'p.go', source);
    expect(finding?.message).toBe('Hard-coded sleep `30*time.Second` in a loop; name it `pollInterval` or read it from config');
    expect(finding?.fix?.code).toBe('const pollInterval = 30 * time.Second\n\ntime.Sleep(pollInterval)\n');
  });

  it('names a Spring schedule as a static final the annotation can use', () => {
    const source = 'class A {\n    @Scheduled(fixedRate = 5 * 60 * 1000)\n    void sync() {\n        run();\n    }\n}\n';
    const [finding] = runRule('magic-interval', 'A.java', source);
    expect(finding?.line).toBe(2);
    expect(finding?.fix?.code).toBe('private static final long POLL_INTERVAL_MS = 5 * 60 * 1000;\n\n@Scheduled(fixedRate = POLL_INTERVAL_MS)\n');
  });
});

describe('deep-nesting-in-loop in Go', () => {
  it('turns trailing ifs into guard clauses with continue, flipping simple comparisons', () => {
    const source = `package p

func f(xs []int, g func(int)) {
	for _, x := range xs {
		if x > 0 {
			if x != 3 {
				for y := 0; y < x; y++ {
					if y%2 == 0 {
						if y > 4 {
							g(y)
						}
					}
				}
			}
		}
	}
}
`;
    const [finding] = runRule('deep-nesting-in-loop', 'p.go', source);
    expect(finding?.line).toBe(9);
    expect(finding?.fix?.code).toContain('for _, x := range xs {\n\tif x <= 0 {\n\t\tcontinue\n\t}\n\tif x == 3 {\n\t\tcontinue\n\t}\n\tfor y := 0; y < x; y++ {');
  });
});

describe('long-loop-body in Java', () => {
  it('extracts the iteration into a method taking the loop variable with its declared type, continue becoming return', () => {
    const lines = Array.from({ length: 52 }, (_, i) => `            total.add(order.line${i}());`).join('\n');
    const source = `class A {\n    void f(java.util.List<Order> orders, java.util.List<Object> total) {\n        for (Order order : orders) {\n            if (order == null) continue;\n${lines}\n        }\n    }\n}\n`;
    const [finding] = runRule('long-loop-body', 'A.java', source);
    expect(finding?.fix?.kind).toBe('block');
    expect(finding?.fix?.code).toMatch(/^private void processOrder\(Order order\) \{\n {4}if \(order == null\) return;\n/);
    expect(finding?.fix?.code).toContain('for (Order order : orders) {\n    processOrder(order);\n}');
  });
});

describe('index-loop over Java varargs', () => {
  it('uses the declared element type of a varargs parameter', () => {
    const source = 'class A {\n    static int n(Class<?>... types) {\n        int n = 0;\n        for (int i = 0; i < types.length; i++) {\n            if (types[i].isPrimitive()) n++;\n        }\n        return n;\n    }\n}\n';
    const [finding] = runRule('index-loop', 'A.java', source);
    expect(finding?.message).toBe('Index loop over `types` only reads `types[i]`; use `for (Class<?> type : types)`');
  });
});
