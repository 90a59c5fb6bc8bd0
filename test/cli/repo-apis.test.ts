// A repository's `apis:` extends more than the call kinds: `roles:`, `resources:` and `builds:` (the sections of
// rules/apis/*.yml) change what the rules report, end to end through the CLI and `.coze-loop.yml`.
import { describe, expect, it } from '@jest/globals';
import { main } from '../../src/cli/main.js';
import { run, tree } from './harness.js';

const FILES = {
  // A pool checkout the catalogue does not know: a leak only once `resources:` says what gives it back.
  'leases.py': ['def sync(pool, rows):', '    for row in rows:', '        conn = pool.lease()', '        conn.cursor().execute("UPDATE t SET x = 1 WHERE id = %s", (row,))', ''].join('\n'),
  // A retry that catches only the code base's own control-flow signal: no retry once `roles:` says so.
  'retry.py': ['import requests', '', '', 'def push(url, item):', '    while True:', '        try:', '            requests.post(url, json=item, timeout=5)', '            return', '        except RetryLater:', '            continue', ''].join('\n'),
  // An in-process queue of the code base's own: its blocking get cannot fail once `builds:` says what it is.
  'consume.py': ['import workq', '', '', 'def run(handle):', '    jobs = workq.Queue()', '    while True:', '        job = jobs.get()', '        handle(job)', ''].join('\n'),
  // An ack method the catalogue does not know: acked before the write only once `roles:` names it.
  'acks.py': ['def consume(inbox, db):', '    while True:', '        msg = inbox.receive()', '        inbox.finish_job(msg)', '        db.execute("INSERT INTO t VALUES (%s)", (msg.body,))', ''].join('\n'),
};

const KINDS = 'apis:\n  queue-pop: [inbox.receive, jobs.get]\n';
const EXTENDED = `${KINDS}  roles:\n    control_flow_errors: [RetryLater]\n    acks: [finish_job]\n  resources:\n    - { open: pool.lease, close: give_back }\n  builds:\n    in_process_queue: [workq.Queue]\n`;

async function findingsWith(config: string): Promise<string[]> {
  const result = await run(main, tree({ ...FILES, '.coze-loop.yml': config }), ['--format', 'json']);
  expect(result.stderr).toBe('');
  const report = JSON.parse(result.stdout) as { findings: Array<{ ruleId: string; path: string }> };
  return report.findings.map((f) => `${f.path}:${f.ruleId}`).sort();
}

describe('apis: roles, resources and builds from the repository config', () => {
  it('each section makes a finding appear or disappear', async () => {
    const before = await findingsWith(KINDS);
    const after = await findingsWith(EXTENDED);
    expect(before).toEqual(expect.arrayContaining(['retry.py:retry-without-backoff', 'consume.py:unguarded-worker-loop']));
    expect(before).not.toContain('leases.py:resource-leak-in-loop');
    expect(before).not.toContain('acks.py:ack-before-success');
    // resources: the lease is never given back; roles.acks: the ack runs before the write.
    expect(after).toEqual(expect.arrayContaining(['leases.py:resource-leak-in-loop', 'acks.py:ack-before-success']));
    // roles.control_flow_errors: not a retry; builds.in_process_queue: the get cannot fail.
    expect(after).not.toContain('retry.py:retry-without-backoff');
    expect(after).not.toContain('consume.py:unguarded-worker-loop');
  });

  it("the resource's close method is the one the config names", async () => {
    const leaks = async (source: string) => {
      const result = await run(main, tree({ 'leases.py': source, '.coze-loop.yml': EXTENDED }), ['--format', 'json']);
      return (JSON.parse(result.stdout) as { findings: Array<{ ruleId: string; data?: object; fix?: object }> }).findings.filter((f) => f.ruleId === 'resource-leak-in-loop');
    };
    // Never given back: reported, and the patch gives it back with the config's method.
    const [leak] = await leaks(FILES['leases.py']);
    expect(leak).toMatchObject({ data: { close: 'give_back' }, fix: { code: expect.stringContaining('conn.give_back()') } });
    const lines = FILES['leases.py'].split('\n');
    const onEveryPath = [...lines.slice(0, 3), '        try:', '    ' + lines[3], '        finally:', '            conn.give_back()', ''].join('\n');
    expect(await leaks(onEveryPath)).toEqual([]);
  });

  it('a bad entry is a clear error naming the key', async () => {
    const cases: Array<[string, string]> = [
      ['apis:\n  roles:\n    ackz: [finish_job]\n', 'apis.roles.ackz: unknown key (did you mean "acks"?)'],
      ['apis:\n  roles:\n    acks: ["*.finish"]\n', 'apis.roles.acks[0]: invalid value (a method name (letters, digits, _ and $), not a pattern)'],
      ['apis:\n  resources:\n    - { open: pool.lease, clsoe: give_back }\n', 'apis.resources[0].clsoe: unknown key'],
      ['apis:\n  resources:\n    - { open: "*a*b*c*d", close: give_back }\n', 'apis.resources[0].open'],
      ['apis:\n  builds:\n    in_process_queu: [workq.Queue]\n', 'apis.builds.in_process_queu: unknown key (did you mean "in_process_queue"?)'],
    ];
    for (const [config, message] of cases) {
      const result = await run(main, tree({ 'w.py': 'x = 1\n', '.coze-loop.yml': config }), []);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });
});
