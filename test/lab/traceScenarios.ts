// Extra namespaces for the trace's real-kernel scenarios (prefix nxt-): a Docker-28-shaped host with two bridges, and
// their probes.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExecRunner, formatArgv, type Runner } from '../../src/host/runner';
import { findRepoRoot } from './lab';

export const TRACE_PREFIX = 'nxt-';
const STATE_DIR = '/run/netns-explorer-trace';
const runner: Runner = new ExecRunner({ timeoutMs: 15_000 });

interface NsSpec {
  name: string;
  /** [ifname, addresses, master] */
  links: [string, string[], string | null][];
  gateways: string[];
  tcp: number[];
  udp: number[];
}

const HOST = 'nxt-host';
const BR0 = 'nxtbr0';
const BR1 = 'nxtbr1';

const container = (
  name: string,
  ifAddrs: string[],
  gateways: string[],
  tcp: number[] = [80],
  udp: number[] = [],
): NsSpec => ({ name, links: [['eth0', ifAddrs, null]], gateways, tcp, udp });

export const TRACE_NAMESPACES: NsSpec[] = [
  {
    name: HOST,
    gateways: [],
    tcp: [],
    udp: [],
    links: [
      [BR0, ['10.77.0.1/24', 'fd00:77::1/64'], null],
      [BR1, ['10.78.0.1/24'], null],
      ['eth0', ['198.19.0.1/24', 'fd00:79::1/64'], null],
      ['nxtv-a', [], BR0],
      ['nxtv-b', [], BR0],
      ['nxtv-d', [], BR0],
      ['nxtv-e', [], BR0],
      ['nxtv-f', [], BR0],
      ['nxtv-c', [], BR1],
      ['nxtv-g', [], BR0],
      ['nxtv-h', [], BR0],
    ],
  },
  {
    name: 'nxt-out',
    links: [['eth0', ['198.19.0.2/24', 'fd00:79::2/64'], null]],
    gateways: ['198.19.0.1', 'fd00:79::1'],
    tcp: [],
    udp: [],
  },
  container('nxt-a', ['10.77.0.2/24', 'fd00:77::2/64'], ['10.77.0.1', 'fd00:77::1'], [80], [53]),
  container('nxt-b', ['10.77.0.3/24'], ['10.77.0.1']),
  container('nxt-c', ['10.78.0.2/24'], ['10.78.0.1']),
  container('nxt-d', ['10.77.0.4/24'], ['10.77.0.1']),
  container('nxt-e', ['10.77.0.5/24'], ['10.77.0.1']),
  container('nxt-f', ['10.77.0.6/24'], ['10.77.0.1'], []),
  container('nxt-g', ['10.77.0.7/24'], ['10.77.0.1']),
  container('nxt-h', ['10.77.0.8/24'], ['10.77.0.1']),
];

/** host-side veth name → container namespace. */
const VETHS: [string, string][] = [
  ['eth0', 'nxt-out'],
  ['nxtv-a', 'nxt-a'],
  ['nxtv-b', 'nxt-b'],
  ['nxtv-c', 'nxt-c'],
  ['nxtv-d', 'nxt-d'],
  ['nxtv-e', 'nxt-e'],
  ['nxtv-f', 'nxt-f'],
  ['nxtv-g', 'nxt-g'],
  ['nxtv-h', 'nxt-h'],
];

const PUBLISHED = ['10.77.0.2', '10.77.0.3', '10.77.0.4', '10.77.0.5', '10.77.0.6', '10.77.0.7', '10.77.0.8'];
const ACCEPTS: [string, string, number][] = [
  ['10.77.0.2', 'tcp', 80],
  ['10.77.0.2', 'udp', 53],
  ['10.77.0.3', 'tcp', 80],
  ['10.77.0.4', 'tcp', 80],
  ['10.77.0.5', 'tcp', 80],
  ['10.77.0.6', 'tcp', 80],
  ['10.77.0.7', 'tcp', 80],
  ['10.77.0.8', 'tcp', 80],
];

/**
 * Docker 28.0.1 shaped rules for two bridges, plus a few rules of our own (DOCKER-USER, a 127.0.0.1 DNAT, a statistic
 * service).
 */
export function traceRulesV4(): string {
  const bridges = [BR0, BR1];
  return [
    '*raw',
    ':PREROUTING ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ...PUBLISHED.map((ip) => `-A PREROUTING -d ${ip}/32 ! -i ${BR0} -j DROP`),
    // Untracked: the nat table never sees port 8091, so its mapping below does nothing, and INPUT rejects the SYN.
    '-A PREROUTING -p tcp -m tcp --dport 8091 -j CT --notrack',
    'COMMIT',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ...[
      'DOCKER',
      'DOCKER-BRIDGE',
      'DOCKER-CT',
      'DOCKER-FORWARD',
      'DOCKER-ISOLATION-STAGE-1',
      'DOCKER-ISOLATION-STAGE-2',
      'DOCKER-USER',
    ].map((c) => `:${c} - [0:0]`),
    '-A FORWARD -j DOCKER-USER',
    '-A FORWARD -j DOCKER-FORWARD',
    '-A INPUT -p tcp -m tcp --dport 8091 -j REJECT --reject-with icmp-port-unreachable',
    '-A OUTPUT -p tcp -m tcp --dport 8447 -m owner --uid-owner 0 -j DROP',
    ...ACCEPTS.map(
      ([ip, proto, port]) =>
        `-A DOCKER -d ${ip}/32 ! -i ${BR0} -o ${BR0} -p ${proto} -m ${proto} --dport ${port} -j ACCEPT`,
    ),
    ...bridges.map((b) => `-A DOCKER ! -i ${b} -o ${b} -j DROP`),
    ...bridges.map((b) => `-A DOCKER-BRIDGE -o ${b} -j DOCKER`),
    ...bridges.map((b) => `-A DOCKER-CT -o ${b} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`),
    '-A DOCKER-FORWARD -j DOCKER-CT',
    '-A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1',
    '-A DOCKER-FORWARD -j DOCKER-BRIDGE',
    ...bridges.map((b) => `-A DOCKER-FORWARD -i ${b} -j ACCEPT`),
    ...bridges.map((b) => `-A DOCKER-ISOLATION-STAGE-1 -i ${b} ! -o ${b} -j DOCKER-ISOLATION-STAGE-2`),
    ...bridges.map((b) => `-A DOCKER-ISOLATION-STAGE-2 -o ${b} -j DROP`),
    '-A DOCKER-USER -m mark --mark 0x1 -j DROP',
    '-A DOCKER-USER -s 198.19.0.2/32 -d 10.77.0.3/32 -p tcp -m tcp --dport 80 -m comment --comment "block the outside from nxt-b" -j DROP',
    // Docker's documented way to close a published port by the port the client used: conntrack's original tuple.
    '-A DOCKER-USER -p tcp -m conntrack --ctorigdstport 8082 -j DROP',
    // OpenWrt's "accept port forwards": whatever a DNAT rule let in, here to a container no DOCKER rule publishes.
    '-A DOCKER-USER -m conntrack --ctstate DNAT --ctorigdstport 8083 -j ACCEPT',
    // The reply of nxt-h's published port is rejected on its way back, before the RELATED,ESTABLISHED accept.
    '-A DOCKER-USER -s 10.77.0.8/32 -p tcp -m tcp --sport 80 -m comment --comment "replies of nxt-h are rejected" -j REJECT --reject-with icmp-port-unreachable',
    '-A DOCKER-USER -j RETURN',
    'COMMIT',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    ':NXT-SVC - [0:0]',
    ':NXT-SEP-D - [0:0]',
    ':NXT-SEP-E - [0:0]',
    // Hairpin: a container to its own service through the host (br_netfilter DNATs the frame inside the bridge).
    `-A PREROUTING -i ${BR0} -p tcp -m tcp --dport 8085 -j DNAT --to-destination 10.77.0.2:80`,
    `-A PREROUTING -i ${BR0} -p tcp -m tcp --dport 8086 -j DNAT --to-destination 10.77.0.3:80`,
    // A DNAT to 127.0.0.1 for packets from the wire: a martian destination unless route_localnet allows it.
    '-A PREROUTING -i eth0 -p tcp -m tcp --dport 8449 -j DNAT --to-destination 127.0.0.1:8080',
    '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
    '-A OUTPUT -d 127.0.0.1/32 -p tcp -m tcp --dport 8445 -j DNAT --to-destination 10.77.0.2:80',
    '-A OUTPUT -d 127.0.0.1/32 -p tcp -m tcp --dport 8446 -j DNAT --to-destination 10.78.0.2:80',
    '-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER',
    `-A POSTROUTING -s 10.77.0.0/24 ! -o ${BR0} -j MASQUERADE`,
    `-A POSTROUTING -s 10.78.0.0/24 ! -o ${BR1} -j MASQUERADE`,
    `-A POSTROUTING -o ${BR1} -m addrtype --src-type LOCAL -j MASQUERADE`,
    '-A POSTROUTING -s 10.77.0.2/32 -d 10.77.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE',
    '-A POSTROUTING -s 10.77.0.3/32 -d 10.77.0.3/32 -p tcp -m tcp --dport 80 -j MASQUERADE',
    `-A DOCKER -i ${BR0} -j RETURN`,
    `-A DOCKER -i ${BR1} -j RETURN`,
    `-A DOCKER ! -i ${BR0} -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.77.0.2:80`,
    `-A DOCKER ! -i ${BR0} -p udp -m udp --dport 5353 -j DNAT --to-destination 10.77.0.2:53`,
    `-A DOCKER -d 127.0.0.1/32 ! -i ${BR0} -p tcp -m tcp --dport 8443 -j DNAT --to-destination 10.77.0.2:80`,
    `-A DOCKER ! -i ${BR0} -p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.77.0.3:80`,
    `-A DOCKER ! -i ${BR0} -p tcp -m tcp --dport 8090 -j DNAT --to-destination 10.77.0.6:80`,
    `-A DOCKER ! -i ${BR0} -p tcp -m tcp --dport 8082 -j DNAT --to-destination 10.77.0.2:80`,
    `-A DOCKER ! -i ${BR0} -p tcp -m tcp --dport 8084 -j DNAT --to-destination 10.77.0.7:80`,
    `-A DOCKER ! -i ${BR0} -p tcp -m tcp --dport 8083 -j DNAT --to-destination 10.78.0.2:80`,
    `-A DOCKER ! -i ${BR0} -p tcp -m tcp --dport 9000 -j NXT-SVC`,
    `-A DOCKER ! -i ${BR0} -p tcp -m tcp --dport 8091 -j DNAT --to-destination 10.77.0.2:80`,
    `-A DOCKER ! -i ${BR0} -p tcp -m tcp --dport 8092 -j DNAT --to-destination 10.77.0.8:80`,
    '-A NXT-SVC -m comment --comment "svc backend d" -m statistic --mode random --probability 0.50000000000 -j NXT-SEP-D',
    '-A NXT-SVC -m comment --comment "svc backend e" -j NXT-SEP-E',
    '-A NXT-SEP-D -p tcp -m tcp -j DNAT --to-destination 10.77.0.4:80',
    '-A NXT-SEP-E -p tcp -m tcp -j DNAT --to-destination 10.77.0.5:80',
    'COMMIT',
    '',
  ].join('\n');
}

export function traceRulesV6(): string {
  return [
    '*raw',
    ':PREROUTING ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    `-A PREROUTING -d fd00:77::2/128 ! -i ${BR0} -j DROP`,
    'COMMIT',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ...['DOCKER', 'DOCKER-BRIDGE', 'DOCKER-CT', 'DOCKER-FORWARD', 'DOCKER-USER'].map((c) => `:${c} - [0:0]`),
    '-A FORWARD -j DOCKER-USER',
    '-A FORWARD -j DOCKER-FORWARD',
    `-A DOCKER -d fd00:77::2/128 ! -i ${BR0} -o ${BR0} -p tcp -m tcp --dport 80 -j ACCEPT`,
    `-A DOCKER ! -i ${BR0} -o ${BR0} -j DROP`,
    `-A DOCKER-BRIDGE -o ${BR0} -j DOCKER`,
    `-A DOCKER-CT -o ${BR0} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    '-A DOCKER-FORWARD -j DOCKER-CT',
    '-A DOCKER-FORWARD -j DOCKER-BRIDGE',
    `-A DOCKER-FORWARD -i ${BR0} -j ACCEPT`,
    '-A DOCKER-USER -j RETURN',
    'COMMIT',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
    '-A OUTPUT ! -d ::1/128 -m addrtype --dst-type LOCAL -j DOCKER',
    `-A POSTROUTING -s fd00:77::/64 ! -o ${BR0} -j MASQUERADE`,
    `-A DOCKER -i ${BR0} -j RETURN`,
    `-A DOCKER ! -i ${BR0} -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00:77::2]:80`,
    'COMMIT',
    '',
  ].join('\n');
}

async function must(argv: string[], input?: string): Promise<string> {
  const r = await runner.run(argv, input === undefined ? {} : { input });
  if (r.failure) throw new Error(`trace lab: ${formatArgv(argv)}: ${r.stderr.trim() || r.failure.message}`);
  return r.stdout;
}

function traceNamespaces(): string[] {
  try {
    return fs.readdirSync('/run/netns').filter((n) => n.startsWith(TRACE_PREFIX));
  } catch {
    return [];
  }
}

/**
 * Starts a lab server (test/lab/server.js) in a namespace; `title` renames the process (comm), as docker-proxy. Its
 * ready file goes in `stateDir`.
 */
export function startServer(
  ns: string,
  name: string,
  tcp: number[],
  udp: number[],
  title?: string,
  stateDir = STATE_DIR,
): { pid: number; ready: string } {
  const ready = path.join(stateDir, `ready-${name}`);
  const server = path.join(findRepoRoot(__dirname), 'test', 'lab', 'server.js');
  const args = [
    '--name',
    name,
    '--ready',
    ready,
    ...(tcp.length ? ['--tcp', tcp.join(',')] : []),
    ...(udp.length ? ['--udp', udp.join(',')] : []),
  ];
  const node = title
    ? [
        process.execPath,
        '-e',
        `process.title=${JSON.stringify(title)};require(${JSON.stringify(server)})`,
        '--',
        ...args,
      ]
    : [process.execPath, server, ...args];
  const child = spawn('ip', ['netns', 'exec', ns, ...node], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
  if (child.pid === undefined) throw new Error(`trace lab: could not start a server in ${ns}`);
  return { pid: child.pid, ready };
}

const pidsFile = `${STATE_DIR}/pids`;

/** Builds the nxt- namespaces, their links, rules and servers (tearing down any earlier ones first). */
export async function traceLabUp(): Promise<void> {
  await traceLabDown();
  fs.mkdirSync(STATE_DIR, { recursive: true });
  for (const ns of TRACE_NAMESPACES) {
    await must(['ip', 'netns', 'add', ns.name]);
    await must(['ip', 'netns', 'exec', ns.name, 'sysctl', '-q', '-w', 'net.ipv6.conf.default.accept_dad=0']);
  }
  await must([
    'ip',
    'netns',
    'exec',
    HOST,
    'sysctl',
    '-q',
    '-w',
    'net.ipv4.ip_forward=1',
    'net.ipv6.conf.all.forwarding=1',
  ]);
  const hostLines = [
    `link add ${BR0} type bridge`,
    `link add ${BR1} type bridge`,
    ...VETHS.map(([a, ns]) => `link add ${a} type veth peer name eth0 netns ${ns}`),
  ];
  await must(['ip', '-n', HOST, '-batch', '-'], `${hostLines.join('\n')}\n`);
  for (const ns of TRACE_NAMESPACES) {
    const lines = ['link set lo up'];
    for (const [ifname, addrs, master] of ns.links) {
      for (const a of addrs) lines.push(`addr add ${a} dev ${ifname}${a.includes(':') ? ' nodad' : ''}`);
      if (master) lines.push(`link set ${ifname} master ${master}`);
      lines.push(`link set ${ifname} up`);
    }
    await must(['ip', '-n', ns.name, '-batch', '-'], `${lines.join('\n')}\n`);
  }
  for (const ns of TRACE_NAMESPACES) {
    if (ns.gateways.length)
      await must(
        ['ip', '-n', ns.name, '-batch', '-'],
        `${ns.gateways.map((g) => `route add default via ${g}`).join('\n')}\n`,
      );
  }
  // The outside client reaches 127.0.0.0/8 through the host's eth0 (its own local routes for it removed), the way a
  // neighbour on the host's network can send to 127.0.0.1 with the host's MAC (CVE-2020-8558).
  await must(
    ['ip', '-n', 'nxt-out', '-batch', '-'],
    'route del local 127.0.0.1 dev lo table local\nroute del local 127.0.0.0/8 dev lo table local\nroute add 127.0.0.0/8 via 198.19.0.1\n',
  );
  // Hairpin mode on nxt-b's port only: nxt-a's hairpin frame is dropped by the bridge, nxt-b's goes back to it.
  await must(['ip', 'netns', 'exec', HOST, 'bridge', 'link', 'set', 'dev', 'nxtv-b', 'hairpin', 'on']);
  // Policy routing: what nxt-g sends into the host is routed by table 107, whose blackhole swallows the outside's
  // network; the main table alone would send it out of eth0.
  await must(
    ['ip', '-n', HOST, '-batch', '-'],
    'rule add from 10.77.0.7 iif nxtbr0 lookup 107 pref 1000\nroute add blackhole 198.19.0.0/24 table 107\n',
  );
  // Docker without the userland proxy sets route_localnet on its bridge; here only on nxtbr1, to show both cases.
  await must(['ip', 'netns', 'exec', HOST, 'sysctl', '-q', '-w', `net.ipv4.conf.${BR1}.route_localnet=1`]);
  await must(['ip', 'netns', 'exec', HOST, 'iptables-restore', '--noflush'], traceRulesV4());
  await must(['ip', 'netns', 'exec', HOST, 'ip6tables-restore', '--noflush'], traceRulesV6());
  const started = TRACE_NAMESPACES.filter((n) => n.tcp.length || n.udp.length).map((n) =>
    startServer(n.name, n.name, n.tcp, n.udp),
  );
  // A stand-in for Docker's userland proxy on the host port 8080 (the process is called docker-proxy).
  started.push(startServer(HOST, 'docker-proxy', [8080], [], 'docker-proxy'));
  started.push(await asymmetricUp());
  fs.writeFileSync(pidsFile, started.map((s) => s.pid).join('\n'));
  const deadline = Date.now() + 10_000;
  while (started.some((s) => !fs.existsSync(s.ready))) {
    if (Date.now() > deadline) throw new Error('trace lab: servers did not start');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * An asymmetric route: the client (nxt-rc) reaches the server (nxt-rs) through the router (nxt-rr) over one link, and
 * the server's default route sends its replies back over a second link, where the router's strict reverse-path filter
 * drops them (the route back to the server's address is the first link).
 */
export const ASYMMETRIC = { client: 'nxt-rc', router: 'nxt-rr', server: 'nxt-rs', serverIp: '10.60.2.2' };

async function asymmetricUp(): Promise<{ pid: number; ready: string }> {
  const { client, router, server } = ASYMMETRIC;
  for (const ns of [client, router, server]) await must(['ip', 'netns', 'add', ns]);
  await must(
    ['ip', '-n', router, '-batch', '-'],
    [
      `link add eth0 type veth peer name eth0 netns ${client}`,
      `link add eth1 type veth peer name eth0 netns ${server}`,
      `link add eth2 type veth peer name eth1 netns ${server}`,
      'addr add 10.60.1.1/24 dev eth0',
      'addr add 10.60.2.1/24 dev eth1',
      'addr add 10.60.3.1/24 dev eth2',
      ...['lo', 'eth0', 'eth1', 'eth2'].map((i) => `link set ${i} up`),
      '',
    ].join('\n'),
  );
  await must([
    'ip',
    'netns',
    'exec',
    router,
    'sysctl',
    '-q',
    '-w',
    'net.ipv4.ip_forward=1',
    'net.ipv4.conf.eth2.rp_filter=1',
  ]);
  await must(
    ['ip', '-n', client, '-batch', '-'],
    'addr add 10.60.1.2/24 dev eth0\nlink set lo up\nlink set eth0 up\nroute add default via 10.60.1.1\n',
  );
  await must(
    ['ip', '-n', server, '-batch', '-'],
    'addr add 10.60.2.2/24 dev eth0\naddr add 10.60.3.2/24 dev eth1\nlink set lo up\nlink set eth0 up\nlink set eth1 up\nroute add default via 10.60.3.1 dev eth1\n',
  );
  return startServer(server, server, [80], []);
}

/** Removes every nxt- namespace and the servers this module started (by their recorded pids). */
export async function traceLabDown(): Promise<void> {
  let pids: number[] = [];
  try {
    pids = fs.readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    /* none recorded */
  }
  for (const name of traceNamespaces()) {
    // Processes still inside our namespaces (the servers' node children of `ip netns exec`).
    const r = await runner.run(['ip', 'netns', 'pids', name]);
    pids.push(...r.stdout.split('\n').filter(Boolean).map(Number));
  }
  for (const pid of new Set(pids)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const name of traceNamespaces()) await runner.run(['ip', 'netns', 'del', name]);
  fs.rmSync(STATE_DIR, { recursive: true, force: true });
}

/** A probe run inside a namespace: one TCP connection or one connected UDP datagram; prints a JSON outcome. */
const PROBE = `
const [host, port, proto, ms] = process.argv.slice(1);
const out = (o) => { process.stdout.write(JSON.stringify(o)); process.exit(0); };
setTimeout(() => out({ outcome: 'timeout' }), Number(ms));
const net = require('node:net'), dgram = require('node:dgram');
const fail = (e) => out(e.code === 'ECONNREFUSED' ? { outcome: 'refused' } : { outcome: 'error', code: e.code || String(e) });
if (proto === 'tcp') {
  let data = '';
  const s = net.connect({ host, port: Number(port) });
  s.setEncoding('utf8');
  s.on('data', (c) => { data += c; if (data.includes('\\n')) out({ outcome: 'answered', line: data.split('\\n')[0] }); });
  s.on('error', fail);
} else {
  const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  s.on('message', (m) => out({ outcome: 'answered', line: m.toString().split('\\n')[0] }));
  s.on('error', fail);
  s.connect(Number(port), host, () => s.send('ping\\n'));
}`;

export interface ProbeOutcome {
  outcome: 'answered' | 'refused' | 'timeout' | 'error';
  line?: string;
  code?: string;
}

/** Real traffic: connects from inside `ns` (an `ip netns` name, or null for a process-only namespace's path). */
export async function probe(
  enter: string[],
  host: string,
  port: number,
  proto: 'tcp' | 'udp',
  timeoutMs = 2000,
): Promise<ProbeOutcome> {
  const r = await runner.run([...enter, process.execPath, '-e', PROBE, host, String(port), proto, String(timeoutMs)], {
    timeoutMs: timeoutMs + 8000,
  });
  try {
    return JSON.parse(r.stdout) as ProbeOutcome;
  } catch {
    return { outcome: 'error', code: r.stderr.trim() || 'no output' };
  }
}
