// Names for the code a fix extracts: taken from what the loop talks to (the table it selects from, the queue it
// pops, the API it calls) so that the suggested function says what the worker does.
import type { FileModel } from '../../model.js';
import type { Language } from '../../../core/types.js';
import type { LoopFacts } from '../../facts.js';
import type { KnowledgeBase } from '../../knowledge-base.js';
import {
  argumentsOf,
  descendants,
  enclosingFunction,
  familyOf,
  identifiersIn,
  stringValue,
  treeCalls,
} from '../lib/index.js';
import { trimChar } from '../../../core/linear-text.js';

const GENERIC_FUNCTION_NAMES = new Set([
  'main', 'run', 'loop', 'start', 'worker', 'work', 'process', 'handler', 'handle', 'go', 'execute', 'exec', 'target',
  'f', 'fn', 'func', 'do', 'do_work', 'dowork', 'run_forever', 'runforever', 'serve', 'task', 'job', 'daemon', 'thread',
  'cb', 'callback', 'tick', 'step', 'body', 'inner', 'wrapper', 'anonymous', '__call__', 'call', 'init', 'setup',
]);

/** `main`, `run`, `worker`, `_run`, `runLoop`: a name that says nothing about the work. */
export function isGenericFunctionName(name: string | undefined): boolean {
  if (!name) return true;
  const normalized = trimChar(name, '_', true).replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  if (GENERIC_FUNCTION_NAMES.has(normalized) || GENERIC_FUNCTION_NAMES.has(normalized.replace(/_/g, ''))) return true;
  return /^(run|main|start|worker|loop)_(loop|worker|forever|main|thread|it)$/.test(normalized);
}

/** A name for what a worker loop does: `sync_orders`, `consume_emails`, `poll_api`; `worker` when nothing says. */
export function workerPurpose(loop: LoopFacts, model: FileModel): string {
  for (const call of treeCalls(loop.body, model, { skipFunctions: true })) {
    const first = argumentsOf(call.node).positional[0];
    const text = stringValue(first);
    if (text) {
      const table = /\bFROM\s+["`]?([A-Za-z_][\w]*)/i.exec(text) ?? /\bUPDATE\s+["`]?([A-Za-z_][\w]*)/i.exec(text);
      if (table) return `process_${table[1]!.toLowerCase()}`;
      if (call.kinds.includes('queue-pop') && /^[\w:.-]+$/.test(text)) return `consume_${text.replace(/[^\w]+/g, '_')}`;
    }
    if (call.kinds.includes('queue-pop')) return 'consume_queue';
    if (call.kinds.includes('http')) return 'poll_api';
  }
  return 'worker';
}

/**
 * Names the loop body reads that the enclosing function binds (its parameters, `self`, locals assigned before the
 * loop), parameters first in their declared order: a fix that moves the body into a function of its own must pass them in.
 */
export function outerNamesUsed(loop: LoopFacts, model: FileModel): string[] {
  const family = familyOf(loop.language);
  const fn = enclosingFunction(loop.node, family);
  if (!fn) return [];
  const bound = new Set<string>();
  const params = fn.childForFieldName('parameters') ?? fn.childForFieldName('parameter');
  if (params) for (const name of identifiersIn(params, model)) bound.add(name);
  for (const node of descendants(fn, model, { skipFunctions: true })) {
    if (node.startIndex >= loop.node.startIndex) break;
    const left = node.type === 'assignment' || node.type === 'assignment_expression' ? node.childForFieldName('left') : node.type === 'variable_declarator' ? node.childForFieldName('name') : null;
    if (left?.type === 'identifier') bound.add(left.text);
  }
  const used = new Set<string>();
  for (const node of descendants(loop.body, model)) {
    if (node.type !== 'identifier' || !bound.has(node.text)) continue;
    const parent = node.parent;
    if ((parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === node.id) || parent?.type === 'keyword_argument' && parent.childForFieldName('name')?.id === node.id) continue;
    used.add(node.text);
  }
  // The function's own order: its parameters as declared, then its locals as bound.
  return [...bound].filter((name) => used.has(name));
}

/** The enclosing function's own name when it says what the worker does, else a name from what the loop talks to. */
export function workerName(loop: LoopFacts, model: FileModel): string {
  return loop.functionName && !isGenericFunctionName(loop.functionName) ? loop.functionName : workerPurpose(loop, model);
}
