// The Python poller the CLI tests analyse: a table polled every 30 s, one UPDATE and one commit per row, no guard.
// One copy for every test that needs "a file with findings of every target".
export function pythonPoller(functionName = 'process_jobs'): string {
  return [
    'import time',
    '',
    `def ${functionName}(db):`,
    '    while True:',
    '        rows = db.execute("SELECT * FROM jobs WHERE state = \'new\'").fetchall()',
    '        for row in rows:',
    '            db.execute("UPDATE jobs SET state = \'done\' WHERE id = %s", (row[0],))',
    '            db.commit()',
    '        time.sleep(30)',
    '',
  ].join('\n');
}
