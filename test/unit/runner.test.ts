// The runner: argv-only execution, timeouts, and failures classified the way a user can act on them.
import { strict as assert } from 'node:assert';
import { ExecRunner, classifyFailure, formatArgv, onPath, privilegePrefix, startDetached } from '../../src/host/runner';

describe('runner', () => {
  const runner = new ExecRunner({ timeoutMs: 5000 });

  it('passes each argument as one argv element, never through a shell', async () => {
    const hostile = '$(touch /tmp/nx-pwned); `id` "quoted" \\ ; | &';
    const r = await runner.run(['printf', '%s', hostile]);
    assert.equal(r.failure, null);
    assert.equal(r.stdout, hostile);
  });

  it('writes input to standard input', async () => {
    const r = await runner.run(['cat'], { input: 'link show\naddr show\n' });
    assert.equal(r.stdout, 'link show\naddr show\n');
  });

  it('reports a missing tool as missing', async () => {
    const r = await runner.run(['nx-no-such-tool-here', '--version']);
    assert.equal(r.failure?.reason, 'missing');
    assert.match(r.failure!.message, /nx-no-such-tool-here is not installed/);
  });

  it('cuts off a command that hangs, and says it timed out', async () => {
    const r = await runner.run(['sleep', '30'], { timeoutMs: 200 });
    assert.equal(r.failure?.reason, 'timeout');
    assert.match(r.failure!.message, /timed out after 200 ms/);
  });

  it('classifies a non-zero exit with the first stderr line', async () => {
    const r = await runner.run(['ls', '/nx-definitely-missing']);
    assert.equal(r.failure?.reason, 'failed');
    assert.match(r.failure!.message, /nx-definitely-missing/);
  });

  it('recognises permission errors from iptables and ip', () => {
    const f = classifyFailure('iptables-save', {
      exitCode: 1,
      stderr:
        'iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n',
      timedOut: false,
      timeoutMs: 1,
    });
    assert.equal(f?.reason, 'permission');
    const g = classifyFailure('ip', {
      exitCode: 255,
      stderr: 'setting the network namespace "x" failed: Operation not permitted\n',
      timedOut: false,
      timeoutMs: 1,
    });
    assert.equal(g?.reason, 'permission');
  });

  it('puts the privilege prefix before the command', () => {
    assert.deepEqual(privilegePrefix('sudo'), ['sudo', '-n', '--']);
    assert.deepEqual(privilegePrefix('none'), []);
  });

  it('shows argv quoted for display', () => {
    assert.equal(formatArgv(['ip', '-n', 'a b', '-j']), "ip -n 'a b' -j");
  });
});

describe('runner: programs the user keeps (Open in Wireshark)', () => {
  it('starts one detached and lets it go; says why one cannot start', async () => {
    assert.equal(await startDetached(['true']), null);
    assert.match((await startDetached(['/nonexistent/nx-wireshark'])) ?? '', /ENOENT|not found|no such file/i);
  });

  it('finds a program on the PATH, or says it is not there', () => {
    assert.equal(onPath('sh', '/nonexistent:/bin'), '/bin/sh');
    assert.equal(onPath('nx-no-such-program', '/bin:/usr/bin'), null);
  });
});
