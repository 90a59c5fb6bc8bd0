import { blockFix, fenceLanguage, wholeLineText } from '../../../fixes/lines.js';
import { guardedWorkerTemplate } from '../../../fixes/templates.js';
import { treeCalls } from './calls.js';
import { hasSupervisor, isCallHandled, wrapBodyInTry } from './guard.js';
import { isInfiniteHeader, loopExits } from './shape.js';
import { endLineOf, familyOf, lineOf, statementsOf } from './syntax.js';
import { displayCallee } from './syntax.js';
import { workerPurpose } from './worker-name.js';
const THROWING_KINDS = new Set(['http', 'db-read', 'db-write', 'db-commit', 'db-batch', 'queue-pop', 'queue-ack', 'connect', 'file-open']);
const STOP_FLAG = /\b(running|is_running|isRunning|keep_running|keepRunning|alive|active|stop\w*|shutdown\w*|is_set|aborted|should_\w+|shouldRun|exit\w*|terminat\w*|cancel\w*)\b/i;
export function isLongRunning(loop) {
    if (loop.kind === 'interval')
        return true;
    if (isInfiniteHeader(loop)) {
        const exits = loopExits(loop);
        return exits.breaks.length + exits.returns.length + exits.exitCalls.length + exits.yields.length === 0;
    }
    if (loop.node.type === 'while_statement') {
        const condition = loop.node.childForFieldName('condition')?.text ?? '';
        return STOP_FLAG.test(condition) && !/attempt|retr|tries/i.test(condition);
    }
    if ((loop.kind === 'for-each' || loop.kind === 'async-for' || loop.kind === 'for-await') && loop.iterable) {
        return /consumer|\.listen\(\)|subscription/i.test(loop.iterable.text);
    }
    return false;
}
export const detectUnguardedWorkerLoop = (loop, ctx) => {
    if (!isLongRunning(loop) || hasSupervisor(loop))
        return null;
    const family = familyOf(loop.language);
    const calls = treeCalls(loop.body, loop.language, ctx.kb, { skipFunctions: true });
    const unguarded = calls.find((call) => call.kinds.some((k) => THROWING_KINDS.has(k)) && !isCallHandled(call.node, loop.body));
    if (!unguarded)
        return null;
    const purpose = workerPurpose(loop, loop.language, ctx.kb);
    let fix = wrapBodyInTry(loop, ctx.file.source, purpose);
    if (!fix) {
        const statements = statementsOf(loop.body);
        const body = statements.length > 0 ? wholeLineText(ctx.file.source, lineOf(statements[0]), endLineOf(statements[statements.length - 1])) : undefined;
        fix = blockFix(guardedWorkerTemplate(loop.language, { name: purpose, ...(body ? { body } : {}), async: loop.inAsyncFunction || loop.hasAwait }), { startLine: loop.startLine, endLine: loop.endLine }, { description: purpose, safety: 'unsafe', language: fenceLanguage(loop.language) });
    }
    return {
        loop,
        line: lineOf(loop.node),
        variant: loop.kind === 'interval' ? 'interval' : family === 'js' && (loop.inAsyncFunction || loop.hasAwait) ? 'async' : 'default',
        data: { call: displayCallee(unguarded.callee), call_line: unguarded.line },
        confidence: unguarded.confidence === 'high' ? 'high' : 'medium',
        fix,
    };
};
