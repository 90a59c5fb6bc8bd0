// Hostile inputs and their same-size benign twins, shared by test/analysis/linear-regex.test.ts (which checks that
// time grows linearly) and bench/hostile-inputs.js (which prints hostile beside benign). Each hostile input is the
// shape that made a former regular expression of the engine backtrack: long runs of spaces, a separator repeated,
// brackets or quotes that never close. `n` is the size in characters (about).

const pad = (unit, n) => unit.repeat(Math.max(1, Math.floor(n / unit.length)));

/**
 * Per-function cases: `target` names an entry of bindTargets(); `hostile(n)` and `benign(n)` are its argument.
 */
export const functionCases = [
  { target: 'addLimit', what: 'spaces at the end of a SQL string', hostile: (n) => `SELECT id FROM jobs${pad(' ', n)}x`, benign: (n) => `SELECT id FROM jobs${pad(' y', n)}` },
  { target: 'addLimit', what: 'spaces and FOR SHARE words', hostile: (n) => `SELECT 1${pad('\tSHARE\tFOR', n)}\tx`, benign: (n) => `SELECT 1${pad(' share_for', n)} x` },
  { target: 'parseUpdate', what: 'spaces after SET with no WHERE', hostile: (n) => `UPDATE jobs SET ${pad(' ', n)}x`, benign: (n) => `UPDATE jobs SET ${pad('a=1,', n)} WHERE id = 1` },
  { target: 'parseUpdate', what: 'spaces around a SET value', hostile: (n) => `UPDATE jobs SET status =${pad(' ', n)}'x'${pad(' ', n)}y WHERE id = 1`, benign: (n) => `UPDATE jobs SET status = '${pad('x', n * 2)}' WHERE id = 1` },
  { target: 'lastConditionAfterWhere', what: 'many WHEREs without the column', hostile: (n) => `SELECT id FROM jobs${pad(' WHERE x', n)}`, benign: (n) => `SELECT id FROM jobs WHERE ${pad('x=1 ', n)}` },
  { target: 'selectList', what: 'spaces after SELECT with no FROM', hostile: (n) => `SELECT${pad('\t', n)}x`, benign: (n) => `SELECT ${pad('a,', n)} FROM t` },
  { target: 'sqlEquality', what: 'a dotted name that never meets =', hostile: (n) => `${pad('s.', n)}s`, benign: (n) => `${pad('s ', n)}s` },
  { target: 'classifySql', what: 'comment openers that never close', hostile: (n) => `/${pad('**//**//', n)}`, benign: (n) => `SELECT ${pad('a ', n)}` },
  { target: 'classifySql', what: 'leading spaces', hostile: (n) => `${pad(' ', n)}-`, benign: (n) => `${pad('x', n)}` },
  { target: 'methodOf', what: 'empty call parentheses', hostile: (n) => `${pad(')(', n)}(()`, benign: (n) => `${pad('a.', n)}b` },
  { target: 'BOUNDED_CHAIN', what: 'a bracket followed by spaces', hostile: (n) => `[${pad('\t', n)}T`, benign: (n) => `[${pad('1', n)}]` },
  { target: 'isOrmMany', what: 'many .query() on one line', hostile: (n) => `${pad('.query()', n)}\n`, benign: (n) => `${pad('.quiet()', n)}\n` },
  { target: 'DJANGO_OR_SQLALCHEMY', what: '.query( that never closes', hostile: (n) => pad('.query(', n), benign: (n) => pad('.quiet(', n) },
  { target: 'FULL_SCAN', what: '.find( and spaces', hostile: (n) => `.find(${pad('\t', n)}.all()x`, benign: (n) => `.find(${pad('a', n)})` },
  { target: 'headThenFirst', what: '.find( that never closes', hostile: (n) => pad('.find(', n), benign: (n) => pad('.fine(', n) },
  { target: 'valuesHead', what: 'VALUES( that never closes', hostile: (n) => pad('VALUES(', n), benign: (n) => pad('VALUEZ(', n) },
  { target: 'isChunkIterable', what: 'range(0, n, with no closing parenthesis', hostile: (n) => `\0${pad('G,RANGE(0,K,\t', n)}`, benign: (n) => `\0${pad('G;RANGE[0;K;\t', n)}` },
  { target: 'RUN_FLAG_SHAPE', what: 'not and spaces', hostile: (n) => `(not${pad(' ', n)}-`, benign: (n) => `(not ${pad('x', n)}` },
  { target: 'WRITE_MODE', what: 'a mode string that never closes', hostile: (n) => `"${pad('+', n)}\0`, benign: (n) => `"${pad('r', n)}"` },
  { target: 'DONE_SQL', what: 'spaces after SET', hostile: (n) => `UPDATE M SET ${pad('\t', n)}a`, benign: (n) => `UPDATE M SET ${pad('a', n)}` },
  { target: 'isWorkCondition', what: 'many len( without == 0', hostile: (n) => pad('len(a) ', n), benign: (n) => pad('lex(a) ', n) },
  { target: 'CATCH_ALL_EXCEPT', what: 'spaces after BaseException(', hostile: (n) => `exceptBaseException(${pad('\t', n)}`, benign: (n) => `except ${pad('E', n)}:` },
  { target: 'blankStrings', what: 'backslashes in an unclosed string', hostile: (n) => `"${pad('\\\\\\\\\0', n)}\\`, benign: (n) => `"${pad('abcd', n)}"` },
  { target: 'blankStrings', what: 'escaped quotes in an unclosed string', hostile: (n) => `"${pad('\\"', n)}\\`, benign: (n) => `"${pad('ab', n)}"` },
  { target: 'hasMultilineString', what: 'triple quote and newlines', hostile: (n) => `'''\n${pad('\n"', n)}'`, benign: (n) => `'''\n${pad('ab', n)}` },
  { target: 'hasMultilineString', what: 'a backtick and newlines', hostile: (n) => `\`${pad('\n', n)}`, benign: (n) => `\`${pad('a', n)}` },
  { target: 'isGenericFunctionName', what: 'underscores', hostile: (n) => `\0${pad('_', n)}_\0`, benign: (n) => `\0${pad('a', n)}a\0` },
  { target: 'snakeCase', what: 'underscores', hostile: (n) => `-${pad('_', n)}x-`, benign: (n) => `-${pad('a', n)}x-` },
  { target: 'dropFromLastLineColon', what: 'colons', hostile: (n) => `${pad(':', n)}\n:`, benign: (n) => `${pad('a', n)}\n:` },
  { target: 'dropTrailingBlank', what: 'newlines', hostile: (n) => `${pad('\n', n)}\0\n`, benign: (n) => `${pad('a', n)}\0\n` },
  { target: 'dropTrailingBrace', what: 'spaces', hostile: (n) => `${pad('\t', n)}\0`, benign: (n) => `${pad('a', n)}\0` },
  { target: 'dropLookupSuffix', what: 'underscores', hostile: (n) => `${pad('___', n)}\0___`, benign: (n) => `${pad('a_b', n)}\0___` },
  { target: 'joinLines', what: 'spaces without a newline', hostile: (n) => `${pad('\t', n)}\0\n`, benign: (n) => `${pad('a', n)}\0\n` },
  { target: 'stripHtmlComments', what: 'comment openers that never close', hostile: (n) => `${pad('-><!--!', n)}->`, benign: (n) => `${pad('-><!---', n)}->` },
  { target: 'codeBlock', what: 'trailing newlines', hostile: (n) => `${pad('\n', n)}\0\n`, benign: (n) => `${pad('a', n)}\0\n` },
  { target: 'parseReply', what: 'a fence and newlines', hostile: (n) => `\`\`\`\n${pad('\n', n)}\t`, benign: (n) => `\`\`\`\n${pad('a', n)}\t` },
];

/**
 * Whole files through the engine: a polling loop whose SQL string or code carries the hostile shape. These are the
 * reproductions of issue 18 (a 6 KB file froze the service for 38 s; a 300 KB file took 129 s).
 */
export const fileCases = [
  {
    what: 'Python: spaces in a polled SELECT (unbounded-query fix)',
    path: 'poller.py',
    hostile: (n) => pyPoller(`SELECT id FROM jobs WHERE state = 'new'${pad(' ', n)}x`),
    benign: (n) => pyPoller(`SELECT id FROM jobs WHERE state = 'new'${pad(' y', n)}`),
  },
  {
    what: 'JavaScript: spaces in a polled SELECT (unbounded-query fix)',
    // TypeScript: a .js file of this shape (one line thousands of characters long) is now skipped as minified before
    // any rule reads it; a .ts file is not, so the case still reaches the unbounded-query pattern.
    path: 'poller.ts',
    hostile: (n) => jsPoller(`SELECT id FROM jobs WHERE state = 'new'${pad(' ', n)}x`),
    benign: (n) => jsPoller(`SELECT id FROM jobs WHERE state = 'new'${pad(' y', n)}`),
  },
  {
    what: 'Python: spaces after SET in a claimed UPDATE (check-then-act-race)',
    path: 'claim.py',
    hostile: (n) => pyClaim(`UPDATE jobs SET ${pad(' ', n)}x`),
    benign: (n) => pyClaim(`UPDATE jobs SET ${pad('a=1,', n)} WHERE id = %s`),
  },
  {
    what: 'Python: a line of backslashes in a string (magic-interval comment check)',
    path: 'sleepy.py',
    hostile: (n) => `import time\n\ndef run():\n    while True:\n        work()\n        time.sleep(17)  # "${pad('\\\\\\\\a', n)}\\\n`,
    benign: (n) => `import time\n\ndef run():\n    while True:\n        work()\n        time.sleep(17)  # "${pad('abcd', n)}"\n`,
  },
];

function pyPoller(sql) {
  return `import time\n\n\ndef poll(cur):\n    while True:\n        cur.execute("${sql}")\n        for row in cur.fetchall():\n            handle(row)\n        time.sleep(5)\n`;
}

function jsPoller(sql) {
  return `async function poll(db) {\n  while (true) {\n    const rows = await db.query("${sql}");\n    for (const row of rows) await handle(row);\n    await sleep(5000);\n  }\n}\n`;
}

function pyClaim(sql) {
  return `def claim(cur):\n    while True:\n        cur.execute("SELECT id FROM jobs WHERE status = 'pending'")\n        row = cur.fetchone()\n        cur.execute("${sql}", (row[0],))\n`;
}

/**
 * The functions the cases name, from whichever build the caller loaded (TypeScript sources in the tests, dist/ in
 * the benchmark). `m` maps module names to the loaded modules.
 */
export function bindTargets(m) {
  const regex = (re) => (text) => re.test(text);
  return {
    addLimit: (text) => m.unbounded.addLimit(text, 100),
    parseUpdate: (text) => m.race.parseUpdate(text),
    lastConditionAfterWhere: (text) => m.race.lastConditionAfterWhere(text, /\bstatus\b\s*(=|IN\b|<>|!=|IS\b)/gi),
    selectList: (text) => m.batching.selectList(text),
    sqlEquality: (text) => m.batching.sqlEquality(text),
    classifySql: (text) => m.kb.classifySql(text),
    methodOf: (text) => m.common.methodOf(text),
    BOUNDED_CHAIN: regex(m.unbounded.BOUNDED_CHAIN),
    isOrmMany: (text) => m.unbounded.isOrmMany(text),
    DJANGO_OR_SQLALCHEMY: regex(m.unbounded.DJANGO_OR_SQLALCHEMY),
    FULL_SCAN: regex(m.unbounded.FULL_SCAN),
    headThenFirst: (text) => m.text.headThenFirst(text, /\.find\(/, ')'),
    valuesHead: (text) => m.text.headThenFirst(text, /\bVALUES\s*\(/i, ')'),
    isChunkIterable: (text) => m.shared.isChunkIterable(text),
    RUN_FLAG_SHAPE: regex(m.shared.RUN_FLAG_SHAPE),
    WRITE_MODE: regex(m.invariant.WRITE_MODE),
    DONE_SQL: regex(m.ack.DONE_SQL),
    isWorkCondition: (text) => m.busy.isWorkCondition(text, ['job']),
    CATCH_ALL_EXCEPT: regex(m.leak.CATCH_ALL_EXCEPT),
    blankStrings: (text) => m.text.blankStrings(text),
    hasMultilineString: (text) => m.lines.hasMultilineString(text),
    isGenericFunctionName: (text) => m.workerName.isGenericFunctionName(text),
    snakeCase: (text) => m.templates.snakeCase(text),
    dropFromLastLineColon: (text) => m.text.dropFromLastLineColon(text),
    dropTrailingBlank: (text) => m.text.dropTrailingBlank(text),
    dropTrailingBrace: (text) => m.text.dropTrailingBrace(text),
    dropLookupSuffix: (text) => m.text.dropLookupSuffix(text),
    joinLines: (text) => m.text.joinLines(text),
    stripHtmlComments: (text) => m.text.stripHtmlComments(text),
    codeBlock: (text) => m.markdown.codeBlock(text, 'py'),
    parseReply: (text) => m.refine.parseReply(text),
  };
}

/** The module paths bindTargets reads, relative to the project root, without extension. */
export const targetModules = {
  unbounded: 'src/analysis/rules/optimize/unbounded-query',
  race: 'src/analysis/rules/quality/check-then-act-race',
  batching: 'src/analysis/rules/optimize/batching',
  kb: 'src/analysis/knowledge-base',
  common: 'src/analysis/facts/common',
  text: 'src/core/linear-text',
  shared: 'src/analysis/rules/lib/loops',
  invariant: 'src/analysis/rules/optimize/invariant-in-loop',
  ack: 'src/analysis/rules/quality/ack-before-success',
  busy: 'src/analysis/rules/quality/busy-wait',
  leak: 'src/analysis/rules/quality/resource-leak-in-loop',
  lines: 'src/fixes/lines',
  workerName: 'src/analysis/rules/quality/worker-name',
  templates: 'src/fixes/templates',
  markdown: 'src/report/markdown',
  refine: 'src/llm/refine',
};

/**
 * Best of `rounds` timings of fn() in milliseconds of CPU time (user + system of this process), not wall time: on a
 * shared machine the wall clock also counts the time the process waits for a core, which says nothing about growth.
 */
export function bestTime(fn, rounds = 3) {
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1e3);
  }
  return best;
}
