// Timers and callbacks made in loops.
function start(worker) {
  console.log('start', worker.name);
}

export function staggerVar(workers) {
  for (var i = 0; i < workers.length; i++) { // expect: loop-closure-capture; allow: index-loop
    setTimeout(() => start(workers[i]), i * 100);
  }
}

export function staggerLet(workers) {
  for (let i = 0; i < workers.length; i++) { // expect: none; allow: index-loop
    setTimeout(() => start(workers[i]), i * 100);
  }
}

export function notifyAll(users) {
  users.forEach(async (user) => { // expect: fire-and-forget-task
    await fetch(`https://push.internal/notify/${user.id}`, { method: 'POST' });
  });
}

export async function notifyAllAwaited(users) {
  await Promise.all(users.map((user) => fetch(`https://push.internal/notify/${user.id}`, { method: 'POST' })));
}

export function buildReport(rows) {
  let csv = '';
  for (const row of rows) { // expect: none
    csv += `${row.id},${row.total}\n`;
  }
  return csv;
}

export function mergeDefaults(items) {
  let merged = {};
  for (const item of items) { // expect: string-concat-in-loop
    merged = { ...merged, [item.key]: item.value };
  }
  return merged;
}

export function knownIds(existing, incoming) {
  const seen = existing.map((item) => item.id);
  const fresh = [];
  for (const item of incoming) { // expect: membership-in-loop
    if (!seen.includes(item.id)) fresh.push(item);
  }
  return fresh;
}

export function removeDone(tasks) {
  for (const [id, task] of tasks) { // expect: none
    if (task.done) tasks.delete(id);
  }
}
