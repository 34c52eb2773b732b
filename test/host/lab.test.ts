// The lab: real traffic through its Docker-shaped DNAT rules, and a down that leaves the machine as it found it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExecRunner, type CommandResult, type Runner, type RunOptions } from '../../src/host/runner';
import { findRepoRoot, LAB_LOCK_DIR, labDown, labLeftovers, labUp, readLabState, type LabState } from '../lab/lab';

const runner = new ExecRunner({ timeoutMs: 15_000 });
const clientPath = path.join(findRepoRoot(__dirname), 'test', 'lab', 'client.js');
const isRoot = process.getuid?.() === 0;

interface Reply {
  ok: boolean;
  line: string;
  error: string;
}

/** One TCP connection or UDP datagram from inside a lab namespace; the client gives up after 3 s. */
async function request(fromNs: string, host: string, port: number, proto: 'tcp' | 'udp' = 'tcp'): Promise<Reply> {
  const r = await runner.run(
    ['ip', 'netns', 'exec', fromNs, process.execPath, clientPath, host, String(port), proto, '3000'],
    { timeoutMs: 10_000 },
  );
  return { ok: r.failure === null, line: r.stdout.trim(), error: r.stderr.trim() };
}

async function expectReply(fromNs: string, host: string, port: number, expected: string, proto: 'tcp' | 'udp' = 'tcp') {
  const reply = await request(fromNs, host, port, proto);
  assert.equal(reply.line, expected, `${proto} ${host}:${port} from ${fromNs}: ${reply.error}`);
}

/** What up+down must not change in the machine's own namespace; counters and timestamps left out. */
async function rootNetworkState(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const strip = (text: string) =>
    text
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n')
      .replace(/\[\d+:\d+\]/g, '');
  const links = await runner.run(['ip', '-j', 'link']);
  assert.equal(links.failure, null);
  out.links = JSON.stringify(JSON.parse(links.stdout));
  for (const tool of ['iptables-save', 'ip6tables-save']) {
    const r = await runner.run([tool]);
    out[tool] = r.failure ? `failed: ${r.failure.message}` : strip(r.stdout);
  }
  for (const sysctl of ['ipv4/ip_forward', 'ipv6/conf/all/forwarding']) {
    out[sysctl] = fs.readFileSync(`/proc/sys/net/${sysctl}`, 'utf8');
  }
  return out;
}

function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Net namespace inodes of every live process. */
function liveNetInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ino = /\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${entry}/ns/net`))?.[1];
      if (ino && processAlive(Number(entry))) inodes.add(ino);
    } catch {
      /* gone or unreadable */
    }
  }
  return inodes;
}

function assertNothingLeft(context: string) {
  const left = labLeftovers();
  assert.deepEqual(left, { namespaces: [], mounts: [], processes: [], stateDir: false }, context);
}

describe('lab (needs root)', function () {
  let state: LabState;
  let rootBefore: Record<string, string>;

  before(async function () {
    if (!isRoot) this.skip();
    rootBefore = await rootNetworkState();
    state = await labUp();
  });

  after(async function () {
    this.timeout(25 * 60_000); // down waits while another process holds the lab lock
    if (isRoot) await labDown();
  });

  it('records every namespace with its live inode, kind, mode and processes', function () {
    assert.deepEqual(readLabState(), state);
    const byKey = new Map(state.namespaces.map((n) => [n.key, n]));
    assert.deepEqual([...byKey.keys()].sort(), [
      'docker',
      'host',
      'none',
      'out',
      'p2pa',
      'p2pb',
      'pod',
      'proc',
      'web1',
      'web2',
    ]);
    for (const ns of state.namespaces) {
      assert.equal(String(fs.statSync(ns.path).ino), ns.inode, ns.key);
      for (const pid of ns.pids) assert.ok(processAlive(pid), `${ns.key}: pid ${pid} alive`);
    }
    assert.equal(new Set(state.namespaces.map((n) => n.inode)).size, state.namespaces.length, 'inodes are distinct');
    assert.equal(byKey.get('proc')?.name, null);
    assert.match(byKey.get('proc')!.path, /^\/proc\/\d+\/ns\/net$/);
    assert.equal(byKey.get('docker')?.path, `${state.dockerNetnsDir}/0123456789ab`);
    assert.equal(byKey.get('docker')?.kind, 'docker');
    // The pod's two servers run in PID namespaces of their own.
    const podNode = byKey.get('pod')!.processes.filter((p) => p.command === 'node');
    assert.equal(podNode.length, 2);
    assert.equal(new Set(podNode.map((p) => p.pidNamespace)).size, 2);
    assert.deepEqual(state.bridges, [
      {
        ns: 'host',
        name: 'nxlbr0',
        addresses: ['172.31.240.1/24', 'fd00:6e78::1/64'],
        ports: ['nxlv-dock', 'nxlv-pod', 'nxlv-proc', 'nxlv-web1', 'nxlv-web2'],
      },
    ]);
  });

  it('builds what the state says: nxl-none holds only lo, the bridge ports have master nxlbr0', async function () {
    const none = await runner.run(['ip', '-n', 'nxl-none', '-j', 'link']);
    assert.deepEqual(
      (JSON.parse(none.stdout) as { ifname: string }[]).map((l) => l.ifname),
      ['lo'],
    );
    const ports = await runner.run(['ip', '-n', 'nxl-host', '-j', 'link', 'show', 'master', 'nxlbr0']);
    assert.deepEqual(
      (JSON.parse(ports.stdout) as { ifname: string }[]).map((l) => l.ifname).sort(),
      state.bridges[0]!.ports,
    );
  });

  it('up on a running lab tears it down and builds it again', async function () {
    const old = state;
    state = await labUp();
    const oldPids = old.namespaces.flatMap((n) => n.pids);
    assert.ok(oldPids.length >= 7);
    for (const pid of oldPids) assert.ok(!processAlive(pid), `old pid ${pid} is gone`);
    const live = liveNetInodes();
    // The kernel reuses freed namespace inode numbers, so any namespace of the new lab may carry the old one (a CI run
    // once saw another new lab namespace take it; the check allowed only the new process-only one).
    const oldProc = old.namespaces.find((n) => n.key === 'proc')!.inode;
    assert.ok(
      !live.has(oldProc) || state.namespaces.some((n) => n.inode === oldProc),
      'the old process-only namespace is gone',
    );
    assert.deepEqual(readLabState(), state);
  });

  it('forwards tcp 8080 on any host address to nxl-web1:80', async function () {
    await expectReply('nxl-out', '198.18.0.1', 8080, 'nxl:nxl-web1:80');
  });

  it('maps the 30000-30010 range port for port onto the pod', async function () {
    await expectReply('nxl-out', '198.18.0.1', 30000, 'nxl:nxl-pod:30000');
    await expectReply('nxl-out', '198.18.0.1', 30005, 'nxl:nxl-pod:30005');
    // Inside the range but nothing listens: the DNAT still happens and the pod refuses.
    const idle = await request('nxl-out', '198.18.0.1', 30003);
    assert.equal(idle.ok, false);
    assert.match(idle.error, /ECONNREFUSED/);
  });

  it('reaches the process-only namespace (8081) and the Docker-kind namespace (8082)', async function () {
    await expectReply('nxl-out', '198.18.0.1', 8081, 'nxl:nxl-proc:80');
    await expectReply('nxl-out', '198.18.0.1', 8082, 'nxl:nxl-docker:80');
  });

  it('forwards udp 5353 to nxl-web2:53', async function () {
    await expectReply('nxl-out', '198.18.0.1', 5353, 'nxl:nxl-web2:53', 'udp');
  });

  it('forwards IPv6 tcp 8080 to [fd00:6e78::2]:80', async function () {
    await expectReply('nxl-out', 'fd00:6e79::1', 8080, 'nxl:nxl-web1:80');
  });

  it('answers 9090 only on 198.18.0.1, the address it is bound to', async function () {
    await expectReply('nxl-out', '198.18.0.1', 9090, 'nxl:nxl-web2:80');
    // From nxl-host itself (nat OUTPUT): the bound mapping does not match another local address,
    // while the unbound 8080 mapping does.
    await expectReply('nxl-host', '198.18.0.1', 9090, 'nxl:nxl-web2:80');
    await expectReply('nxl-host', '172.31.240.1', 8080, 'nxl:nxl-web1:80');
    const other = await request('nxl-host', '172.31.240.1', 9090);
    assert.equal(other.ok, false);
    assert.match(other.error, /ECONNREFUSED/);
  });

  it('down waits for the lab lock: a lab another process holds is never torn down', async function () {
    // Stand-in for another process's lab: ours, with the lock's owner set to a live process that is not us.
    fs.writeFileSync(`${LAB_LOCK_DIR}/pid`, String(process.ppid));
    try {
      await assert.rejects(labDown({ lockTimeoutMs: 300 }), /another process \(pid \d+\) holds/);
      for (const ns of state.namespaces) assert.ok(fs.existsSync(ns.path), `${ns.key} is still there`);
      assert.deepEqual(readLabState(), state);
    } finally {
      fs.writeFileSync(`${LAB_LOCK_DIR}/pid`, String(process.pid));
    }
  });

  it('down removes every namespace, lab process and the Docker-style mount', async function () {
    this.timeout(25 * 60_000); // the second down waits if another process took the lock meanwhile
    const pids = state.namespaces.flatMap((n) => n.pids);
    const inodes = state.namespaces.map((n) => n.inode);
    await labDown();
    assertNothingLeft('after down');
    assert.equal(readLabState(), null);
    for (const pid of pids) assert.ok(!processAlive(pid), `pid ${pid} is gone`);
    const live = liveNetInodes();
    for (const inode of inodes) assert.ok(!live.has(inode), `no process is left in namespace ${inode}`);
    const list = await runner.run(['ip', 'netns', 'list']);
    assert.doesNotMatch(list.stdout, /^nxl-/m);
    await labDown(); // a second down finds nothing to do and does not fail
  });

  it('a failed up removes what it had built', async function () {
    const failing: Runner = {
      run(argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
        if (argv.includes('ip6tables-restore')) {
          return Promise.resolve({
            argv: [...argv],
            stdout: '',
            stderr: 'injected failure\n',
            exitCode: 1,
            failure: { reason: 'failed', message: 'injected failure' },
            durationMs: 0,
          });
        }
        return runner.run(argv, options);
      },
    };
    await assert.rejects(labUp({ runner: failing }), /ip6tables-restore.*injected failure/);
    assertNothingLeft('after the failed up');
  });

  it("leaves the machine's own links, firewall and forwarding sysctls as they were", async function () {
    assert.deepEqual(await rootNetworkState(), rootBefore);
  });
});
