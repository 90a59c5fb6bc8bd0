// Fix sketches in Go's and Java's idioms for the optimize rules (the rules' detection is the shared, fact-based
// one; only the code they suggest differs). Each returns undefined for other languages, so a detector asks here
// first and falls back to its Python/JavaScript sketch: `braceX(loop, ...) ?? sketchX(...)`.
import type { CallFact, LoopFacts, SyntaxNode } from '../../facts.js';

const isBrace = (loop: LoopFacts): boolean => loop.language === 'go' || loop.language === 'java';

function item(loop: LoopFacts): string {
  return loop.loopVariables[loop.loopVariables.length - 1] ?? 'item';
}

function items(loop: LoopFacts): string {
  return loop.iterable?.text ?? 'items';
}

/** N+1 reads: collect the keys, one query for all of them, look each item up in a map. */
export function braceBatchedReadSketch(loop: LoopFacts, call: CallFact): string | undefined {
  if (!isBrace(loop)) return undefined;
  const x = item(loop);
  const xs = items(loop);
  if (loop.language === 'go') {
    return [
      `keys := make([]int64, 0, len(${xs}))`,
      `for _, ${x} := range ${xs} {`,
      `\tkeys = append(keys, ${x}.ID) // the key ${call.callee}(...) looked up`,
      '}',
      `// One query for all keys instead of ${call.callee}(...) per item:`,
      '// database/sql + lib/pq: WHERE id = ANY($1) with pq.Array(keys); sqlx.In; GORM: Where("id IN ?", keys).Find(&rows)',
      'rows, err := db.QueryContext(ctx, "SELECT ... WHERE id = ANY($1)", pq.Array(keys))',
      'if err != nil {',
      '\treturn err',
      '}',
      'defer rows.Close()',
      'byKey := make(map[int64]Row, len(keys))',
      'for rows.Next() {',
      '\t// scan a row and store it in byKey',
      '}',
      `for _, ${x} := range ${xs} {`,
      `\trow := byKey[${x}.ID]`,
      '\t// ...',
      '}',
    ].join('\n');
  }
  const repoLike = /Repository|repository|Repo|repo|Dao|dao/.test(call.receiver ?? '');
  return [
    `List<Long> keys = ${xs}.stream().map(${x} -> ${x}.getId()).toList(); // the key ${call.callee}(...) looked up`,
    repoLike
      ? `Map<Long, Row> byKey = ${call.receiver}.findAllById(keys).stream()`
      : '// JDBC: WHERE id = ANY(?) with connection.createArrayOf("bigint", keys.toArray()), or IN (:ids) with NamedParameterJdbcTemplate',
    repoLike ? '        .collect(Collectors.toMap(Row::getId, Function.identity()));' : 'Map<Long, Row> byKey = loadAll(keys); // one query for all keys',
    `for (var ${x} : ${xs}) {`,
    `    Row row = byKey.get(${x}.getId());`,
    '    // ...',
    '}',
  ].join('\n');
}

/** Writes per row: batch them (saveAll / batchUpdate / addBatch; one multi-row INSERT / CreateInBatches in Go). */
export function braceBatchedWriteSketch(loop: LoopFacts, call: CallFact): string | undefined {
  if (!isBrace(loop)) return undefined;
  const x = item(loop);
  const xs = items(loop);
  if (loop.language === 'go') {
    if (/gorm|db\.|DB\.|Db\./.test(call.callee) && /^(Create|Save|Updates|Update)$/.test(call.method)) {
      return [`// GORM: one INSERT per batch of 500 instead of ${call.callee}(...) per row`, `db.CreateInBatches(${xs}, 500)`].join('\n');
    }
    return [
      `// One round trip for all rows instead of ${call.callee}(...) per row: pgx.Batch (or CopyFrom for bulk loads),`,
      '// or one multi-row INSERT ... VALUES ($1, $2), ($3, $4), ... built from the slice.',
      'batch := &pgx.Batch{}',
      `for _, ${x} := range ${xs} {`,
      `	batch.Queue("INSERT INTO ... VALUES ($1, $2)", ${x}.A, ${x}.B)`,
      '}',
      'if err := conn.SendBatch(ctx, batch).Close(); err != nil {',
      '	return err',
      '}',
    ].join('\n');
  }
  if (/Repository|repository|Repo|repo/.test(call.receiver ?? '') && /^(save|saveAndFlush)$/.test(call.method)) {
    return [
      `List<Entity> changed = new ArrayList<>();`,
      `for (var ${x} : ${xs}) {`,
      `    changed.add(${x}); // what ${call.callee}(...) saved`,
      '}',
      `${call.receiver}.saveAll(changed); // with hibernate.jdbc.batch_size set, one batched INSERT/UPDATE`,
    ].join('\n');
  }
  if (/[Jj]dbc|template/.test(call.receiver ?? '')) {
    return [
      `${call.receiver}.batchUpdate("INSERT INTO ... VALUES (?, ?)",`,
      `        ${xs}.stream().map(${x} -> new Object[] {${x}.getA(), ${x}.getB()}).toList());`,
    ].join('\n');
  }
  return [
    'try (PreparedStatement ps = connection.prepareStatement("INSERT INTO ... VALUES (?, ?)")) {',
    `    for (var ${x} : ${xs}) {`,
    `        ps.setObject(1, ${x}.getA());`,
    `        ps.setObject(2, ${x}.getB());`,
    '        ps.addBatch();',
    '    }',
    '    ps.executeBatch();',
    '}',
  ].join('\n');
}

/** A poller on a fixed sleep: wait with backoff while idle and stop on cancellation / interruption. */
export function bracePollingSketch(loop: LoopFacts, call: CallFact, seconds: number, queue = false): string | undefined {
  if (!isBrace(loop)) return undefined;
  const s = String(seconds);
  if (queue) {
    // A non-blocking pop plus a sleep: block on the queue instead, with a timeout so the loop still checks for stop.
    return loop.language === 'go'
      ? [
          'for ctx.Err() == nil {',
          `	res, err := rdb.BLPop(ctx, ${s}*time.Second, "jobs").Result() // instead of ${call.callee}(...) + sleep`,
          '	if err == redis.Nil {',
          '		continue // nothing within the timeout',
          '	}',
          '	if err != nil {',
          '		// log, back off, continue',
          '		continue',
          '	}',
          '	handle(res[1])',
          '}',
        ].join('\n')
      : [
          'while (!Thread.currentThread().isInterrupted()) {',
          `    Job job = queue.poll(${s}, TimeUnit.SECONDS); // blocks until an item arrives, instead of ${call.callee}() + sleep`,
          '    if (job == null) {',
          '        continue;',
          '    }',
          '    handle(job);',
          '}',
        ].join('\n');
  }
  if (loop.language === 'go') {
    return [
      `const minDelay, maxDelay = ${s} * time.Second, 5 * time.Minute`,
      'delay := minDelay',
      'timer := time.NewTimer(0)',
      'defer timer.Stop()',
      'for {',
      '\tselect {',
      '\tcase <-ctx.Done():',
      '\t\treturn ctx.Err()',
      '\tcase <-timer.C:',
      '\t}',
      `\tn, err := pollOnce(ctx) // ${call.callee}(...) and the work on what it returned`,
      '\tswitch {',
      '\tcase err != nil || n == 0:',
      '\t\tdelay = min(delay*2, maxDelay) // idle or failing: back off',
      '\tdefault:',
      '\t\tdelay = minDelay',
      '\t}',
      '\ttimer.Reset(delay)',
      '}',
    ].join('\n');
  }
  return [
    `long delayMs = ${Math.round(seconds * 1000)}, maxDelayMs = 300_000;`,
    'while (!Thread.currentThread().isInterrupted()) {',
    `    int handled = pollOnce(); // ${call.callee}(...) and the work on what it returned`,
    `    delayMs = handled == 0 ? Math.min(delayMs * 2, maxDelayMs) : ${Math.round(seconds * 1000)};`,
    '    try {',
    '        Thread.sleep(delayMs);',
    '    } catch (InterruptedException e) {',
    '        Thread.currentThread().interrupt();',
    '        return;',
    '    }',
    '}',
    '// Better still: block on the source (LISTEN/NOTIFY, a queue consumer, BlockingQueue.poll(timeout)).',
  ].join('\n');
}

/** A client or connection built per iteration: build it once before the loop (or use the pool). */
export function braceConnectionSketch(loop: LoopFacts, call: CallFact): string | undefined {
  if (!isBrace(loop)) return undefined;
  const name = call.assignedTo ?? 'client';
  if (loop.language === 'go') {
    return [
      `${name}, err := ${call.text} // once, before the loop: it is a pool, safe for concurrent use`,
      'if err != nil {',
      '\treturn err',
      '}',
      `defer ${name}.Close()`,
      `for _, ${item(loop)} := range ${items(loop)} {`,
      `\t// use ${name}`,
      '}',
    ].join('\n');
  }
  return [
    `try (var ${name} = ${call.text}) { // once, before the loop (or take it from a pool / a Spring bean)`,
    `    for (var ${item(loop)} : ${items(loop)}) {`,
    `        // use ${name}`,
    '    }',
    '}',
  ].join('\n');
}

/**
 * The statement of the loop body that holds `call` as its whole value (`client := redis.NewClient(o)`,
 * `ObjectMapper m = new ObjectMapper();`, a bare call): what a hoist moves before the loop. Go and Java only.
 */
export function braceStatementOf(loop: LoopFacts, call: CallFact): SyntaxNode | undefined {
  if (!isBrace(loop)) return undefined;
  let n: SyntaxNode = call.node;
  for (let p = n.parent; p; n = p, p = p.parent) {
    if (p.id === loop.body.id) break;
    if (!['expression_list', 'short_var_declaration', 'assignment_statement', 'var_spec', 'var_declaration', 'variable_declarator', 'local_variable_declaration', 'expression_statement', 'assignment_expression'].includes(p.type)) {
      return undefined;
    }
  }
  if (n.parent?.id !== loop.body.id) return undefined;
  // Only the simple shapes: one binding whose value is the call, or the call alone.
  if (n.type === 'expression_statement' && n.namedChild(0)?.id !== call.node.id) return undefined;
  if (n.type === 'local_variable_declaration' && n.childrenForFieldName('declarator').length !== 1) return undefined;
  return n;
}

/** String accumulation: a `strings.Builder` (Go) or a `StringBuilder` (Java) appended to, turned into a string once. */
export function braceBuilderSketch(loop: LoopFacts, target: string, piece: string): string | undefined {
  if (!isBrace(loop)) return undefined;
  const header = (loop.node.text.split('\n')[0] ?? '').trim();
  if (loop.language === 'go') {
    return [
      'var b strings.Builder',
      `b.WriteString(${target}) // what ${target} held before the loop`,
      header,
      `\tb.WriteString(${piece}) // instead of ${target} += ${piece}`,
      '}',
      `${target} = b.String()`,
    ].join('\n');
  }
  return [
    `StringBuilder sb = new StringBuilder(${target});`,
    header,
    `    sb.append(${piece}); // instead of ${target} += ${piece}`,
    '}',
    `${target} = sb.toString();`,
  ].join('\n');
}

/** A commit per row: one transaction for the batch (or one per chunk of rows), committed once. */
export function braceCommitSketch(loop: LoopFacts, commit: CallFact): string | undefined {
  if (!isBrace(loop)) return undefined;
  const x = item(loop);
  const xs = items(loop);
  if (loop.language === 'go') {
    return [
      'tx, err := db.BeginTx(ctx, nil) // one transaction for the batch',
      'if err != nil {',
      '\treturn err',
      '}',
      'defer tx.Rollback() // a no-op after Commit',
      `for _, ${x} := range ${xs} {`,
      `\t// the loop body, on tx, without ${commit.callee}()`,
      '}',
      'return tx.Commit()',
    ].join('\n');
  }
  return [
    'connection.setAutoCommit(false); // one transaction for the batch (or commit every N rows)',
    `for (var ${x} : ${xs}) {`,
    `    // the loop body, without ${commit.callee}()`,
    '}',
    'connection.commit();',
  ].join('\n');
}
