// Port-mapping safety with real traffic, in a small lab of its own (nxs-*): a plain bridge behind a FORWARD DROP
// policy, one container with a server, and a neighbour on the host's network.
// - A mapping bound to 127.0.0.1 is not reachable from the neighbour, even one that routes 127.0.0.0/8 to the host
//   and accepts replies from it (CVE-2020-8558); without our raw rule the same packets are answered.
// - The forward ACCEPT lets in what the mapping DNATed, not packets sent to the container's address directly.
// - A mapping on every address answers the host's own addresses, and not 127.0.0.1, as its message says.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeSave } from '../../src/core/mapping/chainEdits';
import { reachability } from '../../src/core/mapping/rules';
import type { MappingSpec } from '../../src/core/mapping/types';
import { discoverNamespaces } from '../../src/host/discovery';
import { addMapping, removeMapping, type MappingTarget } from '../../src/host/portMapping/apply';
import { ExecRunner } from '../../src/host/runner';
import { REPO, requireRoot } from './helpers';

const HOST = 'nxs-host';
const BOX = 'nxs-box';
const OUT = 'nxs-out';
const runner = new ExecRunner({ timeoutMs: 15_000 });
const CLIENT = join(REPO, 'test/lab/client.js');
const SERVER = join(REPO, 'test/lab/server.js');

async function must(argv: string[], input?: string): Promise<string> {
  const r = await runner.run(argv, input === undefined ? {} : { input });
  assert.equal(r.failure, null, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** One connection from `ns`; the server's answer line, or `failed: …`. */
async function request(ns: string, host: string, port: number): Promise<string> {
  const r = await runner.run(['ip', 'netns', 'exec', ns, process.execPath, CLIENT, host, String(port), 'tcp', '2000'], {
    timeoutMs: 10_000,
  });
  return r.failure ? `failed: ${r.stderr.trim()}` : r.stdout.trim();
}

const save = () => must(['ip', 'netns', 'exec', HOST, 'iptables-save']);

describe('port-mapping safety with real traffic', function () {
  this.timeout(120_000);
  let target: MappingTarget;
  let serverDir = '';
  let baseline = '';

  before(async function () {
    requireRoot(this);
    for (const ns of [HOST, BOX, OUT]) await runner.run(['ip', 'netns', 'del', ns]);
    for (const ns of [HOST, BOX, OUT]) await must(['ip', 'netns', 'add', ns]);
    await must(
      ['ip', '-n', HOST, '-batch', '-'],
      [
        'link add nxsbr0 type bridge',
        `link add nxsv-box type veth peer name eth0 netns ${BOX}`,
        `link add eth0 type veth peer name eth0 netns ${OUT}`,
        'link set nxsv-box master nxsbr0',
        'addr add 10.213.0.1/24 dev nxsbr0',
        'addr add 198.51.100.1/24 dev eth0',
        'link set lo up',
        'link set nxsbr0 up',
        'link set nxsv-box up',
        'link set eth0 up',
        '',
      ].join('\n'),
    );
    await must(
      ['ip', '-n', BOX, '-batch', '-'],
      'addr add 10.213.0.2/24 dev eth0\nlink set lo up\nlink set eth0 up\nroute add default via 10.213.0.1\n',
    );
    // The neighbour routes the container network and 127.0.0.0/8 to the host, and accepts replies from 127.0.0.1
    // (route_localnet): an attacker's machine.
    await must(
      ['ip', '-n', OUT, '-batch', '-'],
      [
        'addr add 198.51.100.2/24 dev eth0',
        'link set lo up',
        'link set eth0 up',
        'route add 10.213.0.0/24 via 198.51.100.1',
        // Its lo keeps no 127.0.0.1 either: the kernel takes a packet from an address of its own as a martian.
        'addr del 127.0.0.1/8 dev lo',
        'route add 127.0.0.0/8 via 198.51.100.1',
        '',
      ].join('\n'),
    );
    await must(['ip', 'netns', 'exec', OUT, 'sysctl', '-q', '-w', 'net.ipv4.conf.all.route_localnet=1']);
    await must(['ip', 'netns', 'exec', OUT, 'sysctl', '-q', '-w', 'net.ipv4.conf.eth0.route_localnet=1']);
    await must(['ip', 'netns', 'exec', HOST, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    // A plain bridge host that forwards nothing unless a rule says so.
    await must(
      ['ip', 'netns', 'exec', HOST, 'iptables-restore'],
      '*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -i nxsbr0 -j ACCEPT\nCOMMIT\n',
    );
    serverDir = mkdtempSync(join(tmpdir(), 'nxs-'));
    const ready = join(serverDir, 'ready');
    const child = spawn(
      'ip',
      ['netns', 'exec', BOX, process.execPath, SERVER, '--name', 'nxs-box', '--tcp', '80', '--ready', ready],
      { detached: true, stdio: 'ignore' },
    );
    child.unref();
    for (let i = 0; i < 100 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(ready), 'the server in nxs-box started');
    const discovery = await discoverNamespaces({ dockerDirs: [] });
    const ns = discovery.namespaces.find((n) => n.name === HOST);
    assert.ok(ns);
    target = { runner, namespace: ns };
    baseline = await save();
  });

  after(async () => {
    for (const ns of [BOX, HOST, OUT]) {
      const pids = await runner.run(['ip', 'netns', 'pids', ns]);
      for (const pid of pids.stdout.split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await runner.run(['ip', 'netns', 'del', ns]);
    }
    if (serverDir) rmSync(serverDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    if (target) assert.equal(normalizeSave(await save()), normalizeSave(baseline), 'the host is back to its rules');
  });

  const spec = (hostIp: string | null, hostPort: number): MappingSpec => ({
    family: 'ipv4',
    protocol: 'tcp',
    hostIp,
    hostPort,
    targetIp: '10.213.0.2',
    targetPort: 80,
  });

  it('a mapping bound to 127.0.0.1 is not reachable from a neighbour sending to 127.0.0.1 (CVE-2020-8558)', async () => {
    const loopback = spec('127.0.0.1', 18301);
    await addMapping(target, loopback);
    try {
      assert.match(await request(OUT, '127.0.0.1', 18301), /^failed/, 'the raw rule drops the neighbour');
      // Without our raw hook (taken out by hand for this check), the neighbour's packet is DNATed and answered.
      const hook = (await save())
        .split('\n')
        .find((l) => l.startsWith('-A PREROUTING') && l.includes('NETNS-EXPLORER-RAW'));
      assert.ok(hook, 'the raw hook is in place');
      await must(['ip', 'netns', 'exec', HOST, 'iptables', '-t', 'raw', '-D', 'PREROUTING', '1']);
      try {
        assert.equal(await request(OUT, '127.0.0.1', 18301), 'nxl:nxs-box:80', 'without the fix the neighbour gets in');
      } finally {
        await must(
          ['ip', 'netns', 'exec', HOST, 'iptables-restore', '--noflush'],
          `*raw\n-I ${hook.slice(3)}\nCOMMIT\n`,
        );
      }
      // From the host itself it works once route_localnet is on towards the container, as the mapping says.
      await must(['ip', 'netns', 'exec', HOST, 'sysctl', '-q', '-w', 'net.ipv4.conf.nxsbr0.route_localnet=1']);
      assert.equal(await request(HOST, '127.0.0.1', 18301), 'nxl:nxs-box:80');
    } finally {
      await removeMapping(target, { family: 'ipv4', protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 18301 });
      await must(['ip', 'netns', 'exec', HOST, 'sysctl', '-q', '-w', 'net.ipv4.conf.nxsbr0.route_localnet=0']);
    }
  });

  it('the forward ACCEPT lets in what the mapping DNATed, not packets sent to the container directly', async () => {
    await addMapping(target, spec(null, 18302));
    try {
      assert.equal(await request(OUT, '198.51.100.1', 18302), 'nxl:nxs-box:80', 'through the mapping');
      assert.match(await request(OUT, '10.213.0.2', 80), /^failed/, 'straight to the container: dropped');
      // The accept this replaced (any packet to the target port) lets the direct packet through.
      const chain = 'NETNS-EXPLORER-FWD';
      await must([
        'ip',
        'netns',
        'exec',
        HOST,
        'iptables',
        '-I',
        chain,
        '-d',
        '10.213.0.2/32',
        '-p',
        'tcp',
        '--dport',
        '80',
        '-j',
        'ACCEPT',
      ]);
      try {
        assert.equal(await request(OUT, '10.213.0.2', 80), 'nxl:nxs-box:80', 'the old accept bypassed the policy');
      } finally {
        await must(['ip', 'netns', 'exec', HOST, 'iptables', '-D', chain, '1']);
      }
    } finally {
      await removeMapping(target, { family: 'ipv4', protocol: 'tcp', hostIp: null, hostPort: 18302 });
    }
  });

  it('a mapping on every address answers the host on its own addresses and not on 127.0.0.1, as it says', async () => {
    const every = spec(null, 18303);
    await addMapping(target, every);
    try {
      const said = reachability(every);
      assert.match(said, /every address except 127\.0\.0\.1/);
      assert.equal(await request(HOST, '198.51.100.1', 18303), 'nxl:nxs-box:80');
      assert.equal(await request(HOST, '10.213.0.1', 18303), 'nxl:nxs-box:80');
      assert.match(await request(HOST, '127.0.0.1', 18303), /^failed.*(ECONNREFUSED|refused)/i);
    } finally {
      await removeMapping(target, { family: 'ipv4', protocol: 'tcp', hostIp: null, hostPort: 18303 });
    }
  });
});
