import { blockFix, fenceLanguage } from '../../../fixes/lines.js';
import { claimQueryTemplate } from '../../../fixes/templates.js';
import { treeCalls } from './calls.js';
import { argumentsOf, calleeOf, descendants, enclosingFunction, familyOf, lineOf, rootOf, stringValue } from './syntax.js';
const STATE_COLUMN = /^(status|state|stage|phase|processed|is_processed|claimed|claimed_by|locked|locked_by|picked|picked_at|done|sent|is_sent|processing)$/i;
function parseUpdate(sql) {
    const match = /^\s*UPDATE\s+["`]?([\w.]+)["`]?\s+SET\s+([\s\S]*?)\s+WHERE\s+([\s\S]*)$/i.exec(sql);
    if (!match)
        return undefined;
    const columns = [];
    for (const part of match[2].split(',')) {
        const assign = /^\s*["`]?(\w+)["`]?\s*=\s*(.+?)\s*$/.exec(part);
        if (assign && STATE_COLUMN.test(assign[1]))
            columns.push({ name: assign[1], value: assign[2] });
    }
    return { table: match[1], columns, where: match[3] };
}
function findUnlockedSelect(scope, before, table, column, family) {
    const tableRe = new RegExp(`\\bFROM\\s+["\`]?${table.replace(/\./g, '\\.')}["\`]?\\b`, 'i');
    const columnRe = new RegExp(`\\bWHERE\\b[\\s\\S]*\\b${column}\\b\\s*(=|IN\\b|<>|!=|IS\\b)\\s*([^\\s)]+)?`, 'i');
    for (const node of descendants(scope, family)) {
        if (node.startIndex >= before)
            break;
        if (node.type !== 'string' && node.type !== 'template_string')
            continue;
        const sql = stringValue(node) ?? '';
        if (!/^\s*SELECT\b/i.test(sql) || !tableRe.test(sql))
            continue;
        const where = columnRe.exec(sql);
        if (!where)
            continue;
        if (/\bFOR\s+(NO\s+KEY\s+)?UPDATE\b|\bFOR\s+SHARE\b/i.test(sql))
            return undefined;
        return { node, ...(where[2] ? { value: where[2] } : {}) };
    }
    return undefined;
}
function takesLock(scope, loop, ctx, family) {
    for (const call of treeCalls(scope, loop.language, ctx.kb, { skipFunctions: false })) {
        if (call.kinds.includes('lock'))
            return true;
        if (/advisory|acquire|(^|\.)lock$|Lock$|redlock|setnx/i.test(call.callee))
            return true;
    }
    for (const node of descendants(scope, family)) {
        if (node.type === 'with_item' && /lock/i.test(node.text))
            return true;
        if ((node.type === 'string' || node.type === 'template_string') && /pg_advisory|GET_LOCK\(|FOR\s+UPDATE/i.test(node.text))
            return true;
    }
    return false;
}
function sqlDetections(loop, ctx, family) {
    const scope = enclosingFunction(loop.node, family) ?? rootOf(loop.node);
    const out = [];
    for (const call of treeCalls(loop.body, loop.language, ctx.kb, { skipFunctions: true, skipLoops: true })) {
        const arg = argumentsOf(call.node).positional[0];
        const sql = stringValue(arg);
        if (!sql)
            continue;
        const update = parseUpdate(sql);
        if (!update)
            continue;
        for (const column of update.columns) {
            if (new RegExp(`\\b${column.name}\\b`, 'i').test(update.where))
                continue;
            const select = findUnlockedSelect(scope, call.node.startIndex, update.table, column.name, family);
            if (!select)
                continue;
            if (takesLock(scope, loop, ctx, family))
                return [];
            const fromValue = select.value ?? "'pending'";
            out.push({
                loop,
                line: call.line,
                data: { table: update.table, column: column.name, from: fromValue, to: column.value, select_line: lineOf(select.node) },
                confidence: 'high',
                fix: blockFix(claimQueryTemplate(loop.language, { table: update.table, column: column.name, fromValue, toValue: column.value }), { startLine: loop.startLine, endLine: loop.endLine }, { description: 'FOR UPDATE SKIP LOCKED claim', safety: 'unsafe', language: fenceLanguage(loop.language) }),
            });
            break;
        }
    }
    return out;
}
/** Django: `for job in Job.objects.filter(status="pending"): job.status = "running"; job.save()`. */
function ormDetections(loop, family) {
    if (family !== 'python' || loop.node.type !== 'for_statement')
        return [];
    const iterable = loop.node.childForFieldName('right');
    const variable = loop.node.childForFieldName('left');
    if (!iterable || variable?.type !== 'identifier')
        return [];
    const filter = /\.objects\.(filter|exclude)\(([\s\S]*)\)/.exec(iterable.text);
    if (!filter || /select_for_update/.test(iterable.text))
        return [];
    const filtered = /\b(\w+)\s*=\s*([^,)]+)/.exec(filter[2]);
    if (!filtered || !STATE_COLUMN.test(filtered[1].replace(/__\w+$/, '')))
        return [];
    const column = filtered[1].replace(/__\w+$/, '');
    let assignment;
    let saved = false;
    for (const node of descendants(loop.body, family, { skipFunctions: true })) {
        if (node.type === 'assignment' && node.childForFieldName('left')?.text === `${variable.text}.${column}` && !assignment)
            assignment = node;
        if (node.type === 'call' && calleeOf(node) === `${variable.text}.save`)
            saved = true;
    }
    if (!assignment || !saved)
        return [];
    const model = /(\w+)\.objects/.exec(iterable.text)?.[1] ?? 'Model';
    const to = assignment.childForFieldName('right')?.text ?? "'running'";
    const code = [
        'from django.db import transaction',
        '',
        'with transaction.atomic():',
        `    batch = list(${model}.objects.select_for_update(skip_locked=True).filter(${filtered[1]}=${filtered[2].trim()})[:10])`,
        `    ${model}.objects.filter(pk__in=[obj.pk for obj in batch]).update(${column}=${to})`,
        `for ${variable.text} in batch:`,
        '    ...',
        '',
    ].join('\n');
    return [
        {
            loop,
            line: lineOf(assignment),
            variant: 'orm',
            data: { table: model, column, from: filtered[2].trim(), to, select_line: lineOf(iterable) },
            confidence: 'high',
            fix: blockFix(code, { startLine: loop.startLine, endLine: loop.endLine }, { description: 'select_for_update(skip_locked=True)', safety: 'unsafe', language: 'python' }),
        },
    ];
}
export const detectCheckThenActRace = (loop, ctx) => {
    const family = familyOf(loop.language);
    return [...sqlDetections(loop, ctx, family), ...ormDetections(loop, family)];
};
