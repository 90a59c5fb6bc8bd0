import { describe, expect, it } from '@jest/globals';
import { javaPackageOf, scanImports } from '../../src/analysis/shared-sources.js';
import { bestTime } from '../../bench/hostile-cases.js';

describe('scanImports (the event loop finds a change\'s imports without parsing)', () => {
  it('reads Python imports, parenthesised lists over several lines included', () => {
    const text = ['import os, app.db as db', 'from .store import (', '    pending_jobs,', '    claim as take,', ')', 'from . import notify', '  from x.y import z  # indented'].join('\n');
    expect(scanImports('python', text)).toEqual([
      { module: 'os', names: [] },
      { module: 'app.db', names: [] },
      { module: '.store', names: ['pending_jobs', 'claim'] },
      { module: '.', names: ['notify'] },
      { module: 'x.y', names: ['z'] },
    ]);
  });

  it('reads relative JavaScript/TypeScript imports and requires, not packages', () => {
    const text = "import { a } from './a';\nexport * from \"../b\";\nconst c = require('./c.js');\nconst d = await import('./d');\nimport './side';\nimport x from 'express';\n";
    expect(scanImports('typescript', text).map((e) => e.module)).toEqual(['./a', '../b', './c.js', './d', './side']);
  });

  it('reads Java imports (not static, not wildcard) and the types of fields no import names', () => {
    const text = [
      'package com.acme.sync;',
      'import com.acme.billing.BillingClient;',
      'import static org.junit.Assert.assertEquals;',
      'import java.util.*;',
      'import java.util.List;',
      'public class Job {',
      '    @Autowired private final OrderService service;',
      '    private final BillingClient billing;',
      '    private String name;',
      '    private final List<Order> done = new ArrayList<>();',
      '}',
    ].join('\n');
    expect(scanImports('java', text)).toEqual([
      { module: 'com.acme.billing.BillingClient', names: [] },
      { module: 'java.util.List', names: [] },
      { module: 'OrderService', names: [] },
    ]);
    expect(javaPackageOf(text)).toBe('com.acme.sync');
    expect(javaPackageOf('public class X {}')).toBeUndefined();
  });

  it('stays linear on hostile text', () => {
    const scan = (n: number) => () => {
      const text = `${'from '.repeat(n)}\n${'import('.repeat(n)}\n${"require('".repeat(n)}`;
      scanImports('python', text);
      scanImports('javascript', text);
      scanImports('java', text);
    };
    // CPU time, the best of five runs each, so that a garbage collection or a busy neighbour does not decide the ratio.
    const best = (n: number) => bestTime(scan(n), 5);
    const ratio = () => {
      best(1_000);
      return best(160_000) / Math.max(best(10_000), 0.001);
    };
    // Sixteen times the input: a linear scan takes about sixteen times as long, a quadratic one 256 times. The wide
    // gap keeps the verdict clear on a loaded machine, where a 4x step measured ratios up to 16. A quadratic scan is
    // that slow on every attempt; a busy neighbour spoils one: up to three attempts.
    const ratios = [ratio()];
    while (ratios.length < 3 && ratios[ratios.length - 1]! >= 64) ratios.push(ratio());
    expect(Math.min(...ratios)).toBeLessThan(64);
  });
});
