// How a finding names the chain behind a summarised call, so that a reviewer can check it in ten seconds:
// "`pending_subscribers()` runs `cur.execute` (line 10)", "`self.flip()` runs `requests.post` (api.py:12) through
// `self.send()`".
import { t } from '../../core/i18n.js';
import type { Locale } from '../../core/types.js';
import type { CallFact, CallKind, EffectVia, LoopFacts } from '../facts.js';

function where(path: string, line: number, findingPath: string, locale: Locale): string {
  if (path === findingPath) return t(locale, 'engine.via.line', { line });
  const slash = path.lastIndexOf('/');
  return t(locale, 'engine.via.file_line', { file: slash >= 0 ? path.slice(slash + 1) : path, line });
}

/** `get_followers()` runs `cur.execute` (line 10); intermediate calls are named after "through". */
export function describeVia(callee: string, via: EffectVia, findingPath: string, locale: Locale): string {
  const api = via.steps[via.steps.length - 1]!;
  const data = { call: `${callee}()`, api: api.callee, where: where(api.path, api.line, findingPath, locale) };
  const implementation = via.implementation ? t(locale, 'engine.via.implementation', via.implementation) : '';
  if (via.steps.length === 1) return t(locale, 'engine.via.one', data) + implementation;
  const through = via.steps
    .slice(0, -1)
    .map((s) => `\`${s.callee}()\``)
    .join(' → ');
  return t(locale, 'engine.via.chain', { ...data, through }) + implementation;
}

/**
 * The chain a finding about `call` names: the one to the kind the finding is about when the summary gives the call
 * several (`EffectVia.byKind`), else the first kind's, else the chain to the connection or client it opens.
 */
export function evidenceChain(call: CallFact, kind: CallKind | undefined): EffectVia | undefined {
  const steps = kind !== undefined ? call.via?.byKind?.[kind] : undefined;
  if (steps && call.via) return { ...call.via, steps };
  return call.via ?? call.opens;
}

/**
 * The summarised call a detection is about: on the detection's line (or the one its data names), among the loop's
 * calls. Detections name their call as `data.call` (display text, often with `()`), so the match is by callee text.
 */
export function summarisedCallOf(loop: LoopFacts, line: number, data: Record<string, string | number>): CallFact | undefined {
  const named = typeof data.call === 'string' ? data.call : typeof data.callee === 'string' ? data.callee : undefined;
  const callLine = typeof data.call_line === 'number' ? data.call_line : undefined;
  let onLine: CallFact | undefined;
  for (const c of loop.calls) {
    // A factory's chain (`opens`) is named only by a finding about that call.
    if (!c.via && !(c.opens && named !== undefined && named.replace(/\(\)$/, '').replace(/^await\s+/, '') === c.callee)) continue;
    if (named !== undefined && named.replace(/\(\)$/, '').replace(/^await\s+/, '') === c.callee) return c;
    if (named !== undefined && named.includes(`${c.callee}(`)) return c;
    if ((c.line === line || c.line === callLine) && !onLine) onLine = c;
  }
  return named === undefined ? onLine : undefined;
}
