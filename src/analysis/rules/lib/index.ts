// The detectors' one helper library (optimize, readability and fix-bugs alike). What a loop or a call *is* comes from
// the facts and the file's model (src/analysis/model.ts); these helpers read them and answer the questions rules
// share. One implementation per concept; see docs/engine.md ("The helper library").
//
// - syntax.ts: tree shapes (calls' callees and arguments, literals and constants, branches, try parts, own-body
//   nodes, scopes), each per-file lookup through the FileModel;
// - calls.ts:  call classification (ModelCall, CallFact): waits, sleeps, immediate returns, labels, credibility;
// - loops.ts:  loop measures (poll interval, batch size, concurrency, chunks, not-per-row work);
// - fixes.ts:  fix building (indentation, proved replacements, sketches, hoisting, fresh names);
// - exits.ts:  whether the loop is left once a statement has succeeded (successExits, leavesOnSuccess);
// - moved-body.ts: a loop body moved into a function of its own (its continue/break rewritten).
export * from './syntax.js';
export * from './calls.js';
export * from './loops.js';
export * from './fixes.js';
export * from './exits.js';
export * from './moved-body.js';
