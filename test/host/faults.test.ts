// Bad input and broken tools give a clear per-namespace error and a partial snapshot, never a crash.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Snapshot } from '../../src/core/model';
import { ExecRunner } from '../../src/host/runner';
import { CLI, requireRoot, runCli, whichTool } from './helpers';

const NS = `nxe-fault-${process.pid}`;
const runner = new ExecRunner({ timeoutMs: 10_000 });

/** A folder for PATH holding real tools by symlink and fake ones as small scripts. */
function toolDir(real: string[], fakes: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'nxe-path-'));
  for (const tool of real) symlinkSync(whichTool(tool), join(dir, tool));
  for (const [tool, body] of Object.entries(fakes)) {
    writeFileSync(join(dir, tool), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, tool), 0o755);
  }
  return dir;
}

async function snapshotWith(path: string, extra: string[] = []): Promise<Snapshot> {
  const r = await runCli(['snapshot', '--json', ...extra], { PATH: path });
  assert.equal(r.exitCode, 0, r.stderr);
  return JSON.parse(r.stdout) as Snapshot;
}

describe('faults: broken tools and bad output', function () {
  const dirs: string[] = [];
  before(async function () {
    requireRoot(this);
    const add = await runner.run(['ip', 'netns', 'add', NS]);
    assert.equal(add.failure, null, add.stderr);
  });
  after(async () => {
    await runner.run(['ip', 'netns', 'del', NS]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const dir = (real: string[], fakes: Record<string, string> = {}): string => {
    const d = toolDir(real, fakes);
    dirs.push(d);
    return d;
  };
  const own = (s: Snapshot) => s.namespaces.find((n) => n.name === NS)!;

  it('iptables missing from PATH: NAT errors per namespace, links still read', async () => {
    const s = await snapshotWith(dir(['ip', 'nsenter']));
    const ns = own(s);
    assert.ok(ns, 'the namespace is still listed');
    assert.ok(
      ns.interfaces.some((i) => i.name === 'lo'),
      'its links were still read',
    );
    const errs = s.errors.filter((e) => e.namespace === ns.id);
    assert.ok(
      errs.some((e) => e.reason === 'missing' && /iptables-save/.test(e.command)),
      JSON.stringify(errs),
    );
    assert.ok(
      errs.some((e) => e.reason === 'missing' && /ip6tables-save/.test(e.command)),
      JSON.stringify(errs),
    );
    assert.ok(
      s.errors.some((e) => e.namespace === s.namespaces[0]!.id && /not installed/.test(e.message)),
      'host namespace says the tool is not installed',
    );
  });

  it('truncated ip JSON: a parse error on each namespace, NAT still read', async () => {
    const s = await snapshotWith(
      dir(['nsenter', 'iptables-save', 'ip6tables-save', 'iptables-legacy-save', 'ip6tables-legacy-save'], {
        ip: `/bin/cat >/dev/null; printf '[{"ifindex":1,"ifname":"lo"},{"ifindex":2,"ifn'`,
      }),
    );
    const ns = own(s);
    const err = s.errors.find((e) => e.namespace === ns.id && e.reason === 'parse');
    assert.ok(err, JSON.stringify(s.errors));
    assert.match(err.message, /truncated/);
    assert.match(err.command, /^ip -n nxe-fault/);
    assert.ok(
      s.nat.some((n) => n.namespace === ns.id),
      'NAT of the same namespace is still there',
    );
  });

  it('garbage instead of JSON: a parse error, not a crash', async () => {
    const s = await snapshotWith(
      dir(['nsenter', 'iptables-save', 'ip6tables-save'], {
        ip: `/bin/cat >/dev/null; echo 'Segmentation fault (core dumped)'`,
      }),
    );
    assert.ok(
      s.errors.some((e) => e.namespace === own(s).id && e.reason === 'parse' && /unexpected text/.test(e.message)),
    );
  });

  it('a malformed iptables-save line: error names the line, the other rules stay', async () => {
    const dump = [
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':DOCKER - [0:0]',
      '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
      'this line is not iptables',
      '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 6379 -j DNAT --to-destination 172.17.0.2:6379',
      'COMMIT',
      '',
    ].join('\n');
    const s = await snapshotWith(
      dir(['ip', 'nsenter', 'ip6tables-save'], { 'iptables-save': `printf '%s' '${dump}'` }),
    );
    const ns = own(s);
    const err = s.errors.find((e) => e.namespace === ns.id && e.reason === 'parse');
    assert.ok(err, JSON.stringify(s.errors));
    assert.match(err.message, /line 5/);
    const m = s.portMappings.find((p) => p.namespace === ns.id);
    assert.equal(m?.targetIp, '172.17.0.2', 'the DNAT rule after the bad line still became a port mapping');
    assert.equal(m?.hostPort, 6379);
  });

  it('a tool that hangs is cut off by the timeout', async () => {
    const s = await snapshotWith(dir(['ip', 'nsenter', 'ip6tables-save'], { 'iptables-save': 'exec /bin/sleep 30' }), [
      '--timeout',
      '700',
    ]);
    const err = s.errors.find((e) => e.namespace === own(s).id && e.reason === 'timeout');
    assert.ok(err, JSON.stringify(s.errors));
    assert.match(err.message, /timed out after 700 ms/);
    assert.ok(own(s).interfaces.length > 0);
  });

  it('as a non-root user: permission errors, the host namespace still read', async function () {
    const r = await runner.run(
      [
        'setpriv',
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        CLI,
        'snapshot',
        '--json',
        '--privilege',
        'auto',
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /read-only: .*need root/);
    const s = JSON.parse(r.stdout) as Snapshot;
    const host = s.namespaces.find((n) => n.kind === 'host')!;
    assert.ok(
      host.interfaces.some((i) => i.name === 'lo'),
      'host links are readable without root',
    );
    assert.ok(
      s.errors.some((e) => e.namespace === host.id && e.reason === 'permission' && /iptables-save/.test(e.command)),
      JSON.stringify(s.errors.slice(0, 5)),
    );
    const other = s.namespaces.find((n) => n.name === NS);
    assert.ok(other, 'the named namespace is still listed');
    assert.ok(
      s.errors.some((e) => e.namespace === other.id && e.reason === 'permission'),
      'entering it is refused with a permission error',
    );
    assert.ok(s.discovery.unreadable > 0, "other users' processes are counted as unreadable");
  });
});
