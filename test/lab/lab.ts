// The lab: builds and tears down Docker-28-shaped container networking from nxl-* namespaces, and records what it
// built.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExecRunner, formatArgv, type Runner } from '../../src/host/runner';

export const LAB_STATE_DIR = '/run/netns-explorer-lab';
export const LAB_STATE_FILE = `${LAB_STATE_DIR}/state.json`;
export const LAB_DOCKER_NETNS_DIR = `${LAB_STATE_DIR}/docker-netns`;
export const LAB_DOCKER_SANDBOX_KEY = '0123456789ab';
/** Every `ip netns` name the lab creates starts with this; `down` deletes every name that does. */
export const LAB_NAME_PREFIX = 'nxl-';
/** Argument every lab process carries, so `down` finds them even without a state file. */
export const LAB_PROCESS_MARKER = '--nxl-lab';

const NETNS_RUN_DIR = '/run/netns';
const READY_DIR = `${LAB_STATE_DIR}/ready`;
const DOCKER_NETNS_PATH = `${LAB_DOCKER_NETNS_DIR}/${LAB_DOCKER_SANDBOX_KEY}`;
const BRIDGE = 'nxlbr0';

export type LabNamespaceKey = 'host' | 'out' | 'web1' | 'web2' | 'pod' | 'proc' | 'docker' | 'none' | 'p2pa' | 'p2pb';
export type LabNamespaceKind = 'named' | 'process' | 'docker';
export type LabMode = 'bridge' | 'container' | 'none' | 'other';

export interface LabInterface {
  name: string;
  kind: 'loopback' | 'veth' | 'bridge';
  /** CIDR, IPv4 first. */
  addresses: string[];
  master: string | null;
}

export interface LabProcess {
  pid: number;
  /** `/proc/PID/comm`. */
  command: string;
  /** Inode of the process's PID namespace, as a decimal string. */
  pidNamespace: string | null;
}

export interface LabNamespace {
  key: LabNamespaceKey;
  /** `ip netns` name, the Docker sandbox key, or null for the process-only namespace. */
  name: string | null;
  kind: LabNamespaceKind;
  /** The mode the extension should classify it as. */
  mode: LabMode;
  /** `/run/netns/X`, `/proc/PID/ns/net` or the Docker sandbox path. */
  path: string;
  /** Inode of the namespace (`fs.statSync(path).ino`), as a decimal string. */
  inode: string;
  /** Every process in it at the end of `up`, sorted (for nxl-pod: the two `unshare` parents and their two children). */
  pids: number[];
  processes: LabProcess[];
  interfaces: LabInterface[];
  /** Gateways of the default routes, IPv4 first. */
  gateways: string[];
  /** The name lab servers here answer with (`nxl:<serverName>:<port>`), null where nothing listens. */
  serverName: string | null;
  /** Ports lab servers listen on here (dual-stack). */
  listening: { protocol: 'tcp' | 'udp'; port: number }[];
}

export interface LabEndpoint {
  ns: LabNamespaceKey;
  ifname: string;
}

export interface LabVethPair {
  a: LabEndpoint;
  b: LabEndpoint;
}

export interface LabBridge {
  ns: LabNamespaceKey;
  name: string;
  addresses: string[];
  /** Sorted. */
  ports: string[];
}

export interface LabPortMapping {
  /** Namespace whose NAT holds the DNAT rule. */
  ns: LabNamespaceKey;
  chain: 'DOCKER';
  protocol: 'tcp' | 'udp';
  family: 'ipv4' | 'ipv6';
  /** `0.0.0.0` / `::` for any local address, else the address in `-d`. */
  hostIp: string;
  /** A number, or a range `"30000-30010"`. */
  hostPort: number | string;
  targetIp: string;
  targetPort: number | string;
  /** The namespace that owns targetIp. */
  target: LabNamespaceKey;
}

export interface LabState {
  version: 1;
  createdAt: string;
  repoRoot: string;
  stateDir: string;
  dockerNetnsDir: string;
  namespaces: LabNamespace[];
  vethPairs: LabVethPair[];
  bridges: LabBridge[];
  portMappings: LabPortMapping[];
}

export interface LabOptions {
  runner?: Runner;
  /** Progress lines (the CLI prints them). */
  log?: (line: string) => void;
  /** How long `up` waits for the lab's servers to listen. */
  readyTimeoutMs?: number;
  /** How long `up` and `down` wait for the machine-wide lab lock (default 20 minutes). */
  lockTimeoutMs?: number;
}

// ---------------------------------------------------------------------------------------------
// The topology, as data: everything below is derived from these tables.

interface ProcessSpec {
  tcp: number[];
  udp: number[];
  /** Start it in a PID namespace of its own (`unshare --pid --fork --kill-child`). */
  ownPidNamespace: boolean;
}

interface NamespaceSpec {
  key: LabNamespaceKey;
  kind: LabNamespaceKind;
  mode: LabMode;
  /** For named ones the `ip netns` name; for docker the sandbox key; null for the process-only one. */
  name: string | null;
  interfaces: LabInterface[];
  gateways: string[];
  serverName: string | null;
  processes: ProcessSpec[];
  /** Per-namespace sysctls beyond the ones every lab namespace gets. */
  sysctls?: string[];
}

/**
 * Every lab namespace: no duplicate address detection on new interfaces. Without it the link-local
 * addresses stay tentative for about a second after `up`, and until then the kernel sends no neighbour
 * solicitation for forwarded IPv6 packets, so the first connection waits for a SYN retransmit.
 */
const COMMON_SYSCTLS = ['net.ipv6.conf.default.accept_dad=0'];

const lo: LabInterface = { name: 'lo', kind: 'loopback', addresses: [], master: null };
const veth = (name: string, addresses: string[], master: string | null = null): LabInterface => ({
  name,
  kind: 'veth',
  addresses,
  master,
});
const server = (tcp: number[], udp: number[] = [], ownPidNamespace = false): ProcessSpec => ({
  tcp,
  udp,
  ownPidNamespace,
});
const sleeper = (ownPidNamespace = false): ProcessSpec => server([], [], ownPidNamespace);

const NAMESPACES: NamespaceSpec[] = [
  {
    key: 'host',
    kind: 'named',
    mode: 'other',
    name: 'nxl-host',
    serverName: null,
    processes: [],
    interfaces: [
      lo,
      { name: BRIDGE, kind: 'bridge', addresses: ['172.31.240.1/24', 'fd00:6e78::1/64'], master: null },
      veth('eth0', ['198.18.0.1/24', 'fd00:6e79::1/64']),
      veth('nxlv-web1', [], BRIDGE),
      veth('nxlv-web2', [], BRIDGE),
      veth('nxlv-pod', [], BRIDGE),
      veth('nxlv-proc', [], BRIDGE),
      veth('nxlv-dock', [], BRIDGE),
    ],
    gateways: ['198.18.0.2', 'fd00:6e79::2'],
    // Docker turns forwarding on; only this namespace routes.
    sysctls: ['net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1'],
  },
  {
    key: 'out',
    kind: 'named',
    mode: 'other',
    name: 'nxl-out',
    serverName: null,
    processes: [],
    interfaces: [lo, veth('eth0', ['198.18.0.2/24', 'fd00:6e79::2/64'])],
    gateways: [],
  },
  {
    key: 'web1',
    kind: 'named',
    mode: 'bridge',
    name: 'nxl-web1',
    serverName: 'nxl-web1',
    processes: [server([80])],
    interfaces: [lo, veth('eth0', ['172.31.240.2/24', 'fd00:6e78::2/64'])],
    gateways: ['172.31.240.1', 'fd00:6e78::1'],
  },
  {
    key: 'web2',
    kind: 'named',
    mode: 'bridge',
    name: 'nxl-web2',
    serverName: 'nxl-web2',
    processes: [server([80], [53])],
    interfaces: [lo, veth('eth0', ['172.31.240.3/24'])],
    gateways: ['172.31.240.1'],
  },
  {
    key: 'pod',
    kind: 'named',
    mode: 'container',
    name: 'nxl-pod',
    serverName: 'nxl-pod',
    processes: [server([30000, 30005], [], true), sleeper(true)],
    interfaces: [lo, veth('eth0', ['172.31.240.4/24'])],
    gateways: ['172.31.240.1'],
  },
  {
    key: 'proc',
    kind: 'process',
    mode: 'bridge',
    name: null,
    serverName: 'nxl-proc',
    processes: [server([80])],
    interfaces: [lo, veth('eth0', ['172.31.240.5/24'])],
    gateways: ['172.31.240.1'],
  },
  {
    key: 'docker',
    kind: 'docker',
    mode: 'bridge',
    name: LAB_DOCKER_SANDBOX_KEY,
    serverName: 'nxl-docker',
    processes: [server([80])],
    interfaces: [lo, veth('eth0', ['172.31.240.6/24'])],
    gateways: ['172.31.240.1'],
  },
  {
    key: 'none',
    kind: 'named',
    mode: 'none',
    name: 'nxl-none',
    serverName: null,
    processes: [sleeper()],
    interfaces: [lo],
    gateways: [],
  },
  {
    key: 'p2pa',
    kind: 'named',
    mode: 'other',
    name: 'nxl-p2pa',
    serverName: null,
    processes: [],
    interfaces: [lo, veth('p2p0', ['10.255.0.1/30'])],
    gateways: [],
  },
  {
    key: 'p2pb',
    kind: 'named',
    mode: 'other',
    name: 'nxl-p2pb',
    serverName: null,
    processes: [],
    interfaces: [lo, veth('p2p0', ['10.255.0.2/30'])],
    gateways: [],
  },
];

/** Each pair is created from side a, with side b placed straight into its namespace. */
const VETH_PAIRS: LabVethPair[] = [
  { a: { ns: 'host', ifname: 'eth0' }, b: { ns: 'out', ifname: 'eth0' } },
  { a: { ns: 'host', ifname: 'nxlv-web1' }, b: { ns: 'web1', ifname: 'eth0' } },
  { a: { ns: 'host', ifname: 'nxlv-web2' }, b: { ns: 'web2', ifname: 'eth0' } },
  { a: { ns: 'host', ifname: 'nxlv-pod' }, b: { ns: 'pod', ifname: 'eth0' } },
  { a: { ns: 'host', ifname: 'nxlv-proc' }, b: { ns: 'proc', ifname: 'eth0' } },
  { a: { ns: 'host', ifname: 'nxlv-dock' }, b: { ns: 'docker', ifname: 'eth0' } },
  { a: { ns: 'p2pa', ifname: 'p2p0' }, b: { ns: 'p2pb', ifname: 'p2p0' } },
];

const PORT_MAPPINGS: LabPortMapping[] = [
  mapping('tcp', 'ipv4', '0.0.0.0', 8080, '172.31.240.2', 80, 'web1'),
  mapping('tcp', 'ipv4', '198.18.0.1', 9090, '172.31.240.3', 80, 'web2'),
  mapping('udp', 'ipv4', '0.0.0.0', 5353, '172.31.240.3', 53, 'web2'),
  mapping('tcp', 'ipv4', '0.0.0.0', '30000-30010', '172.31.240.4', '30000-30010', 'pod'),
  mapping('tcp', 'ipv4', '0.0.0.0', 8081, '172.31.240.5', 80, 'proc'),
  mapping('tcp', 'ipv4', '0.0.0.0', 8082, '172.31.240.6', 80, 'docker'),
  mapping('tcp', 'ipv6', '::', 8080, 'fd00:6e78::2', 80, 'web1'),
];

function mapping(
  protocol: 'tcp' | 'udp',
  family: 'ipv4' | 'ipv6',
  hostIp: string,
  hostPort: number | string,
  targetIp: string,
  targetPort: number | string,
  target: LabNamespaceKey,
): LabPortMapping {
  return { ns: 'host', chain: 'DOCKER', protocol, family, hostIp, hostPort, targetIp, targetPort, target };
}

const SUBNETS = { ipv4: '172.31.240.0/24', ipv6: 'fd00:6e78::/64' } as const;

// ---------------------------------------------------------------------------------------------
// iptables rules in Docker 28.0.1+ shape, with nxlbr0 in place of docker0.

/** The `iptables-restore --noflush` input for one family, derived from PORT_MAPPINGS. */
export function dockerRules(family: 'ipv4' | 'ipv6'): string {
  const host = family === 'ipv4' ? '/32' : '/128';
  const mappings = PORT_MAPPINGS.filter((m) => m.family === family);
  const containerIps = [...new Set(mappings.map((m) => m.targetIp))];
  const portMatch = (protocol: string, port: number | string) =>
    `-p ${protocol} -m ${protocol} --dport ${String(port).replace('-', ':')}`;
  const destination = (m: LabPortMapping) => `${family === 'ipv6' ? `[${m.targetIp}]` : m.targetIp}:${m.targetPort}`;
  const anyAddress = family === 'ipv4' ? '0.0.0.0' : '::';
  return [
    '*raw',
    ':PREROUTING ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ...containerIps.map((ip) => `-A PREROUTING -d ${ip}${host} ! -i ${BRIDGE} -j DROP`),
    'COMMIT',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    ':DOCKER-BRIDGE - [0:0]',
    ':DOCKER-CT - [0:0]',
    ':DOCKER-FORWARD - [0:0]',
    ':DOCKER-ISOLATION-STAGE-1 - [0:0]',
    ':DOCKER-ISOLATION-STAGE-2 - [0:0]',
    ':DOCKER-USER - [0:0]',
    '-A FORWARD -j DOCKER-USER',
    '-A FORWARD -j DOCKER-FORWARD',
    ...mappings.map(
      (m) =>
        `-A DOCKER -d ${m.targetIp}${host} ! -i ${BRIDGE} -o ${BRIDGE} ${portMatch(m.protocol, m.targetPort)} -j ACCEPT`,
    ),
    `-A DOCKER ! -i ${BRIDGE} -o ${BRIDGE} -j DROP`,
    `-A DOCKER-BRIDGE -o ${BRIDGE} -j DOCKER`,
    `-A DOCKER-CT -o ${BRIDGE} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    '-A DOCKER-FORWARD -j DOCKER-CT',
    '-A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1',
    '-A DOCKER-FORWARD -j DOCKER-BRIDGE',
    `-A DOCKER-FORWARD -i ${BRIDGE} -j ACCEPT`,
    `-A DOCKER-ISOLATION-STAGE-1 -i ${BRIDGE} ! -o ${BRIDGE} -j DOCKER-ISOLATION-STAGE-2`,
    `-A DOCKER-ISOLATION-STAGE-2 -o ${BRIDGE} -j DROP`,
    'COMMIT',
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
    `-A OUTPUT ! -d ${family === 'ipv4' ? '127.0.0.0/8' : '::1/128'} -m addrtype --dst-type LOCAL -j DOCKER`,
    `-A POSTROUTING -s ${SUBNETS[family]} ! -o ${BRIDGE} -j MASQUERADE`,
    `-A DOCKER -i ${BRIDGE} -j RETURN`,
    ...mappings.map((m) => {
      const bound = m.hostIp === anyAddress ? '' : `-d ${m.hostIp}${host} `;
      return `-A DOCKER ${bound}! -i ${BRIDGE} ${portMatch(m.protocol, m.hostPort)} -j DNAT --to-destination ${destination(m)}`;
    }),
    'COMMIT',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Small helpers: commands, files, /proc.

function defaultRunner(): Runner {
  return new ExecRunner({ timeoutMs: 15_000 });
}

async function must(runner: Runner, argv: string[], input?: string): Promise<string> {
  const result = await runner.run(argv, input === undefined ? {} : { input });
  if (result.failure) {
    const detail = result.stderr.trim() || result.failure.message;
    throw new Error(`lab: ${formatArgv(argv)} failed: ${detail}`);
  }
  return result.stdout;
}

/** The folder holding package.json, found by walking up from this file (src, dist/ or out/ alike). */
export function findRepoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`lab: no package.json above ${from}`);
  }
}

function labServerPath(): string {
  return path.join(findRepoRoot(), 'test', 'lab', 'server.js');
}

/**
 * Starts a long-running process in the background. The runner awaits completion, so this is the
 * one place that spawns directly: an argv array, detached, output ignored, not waited for.
 */
function startBackground(argv: string[]): number {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('lab: empty argv');
  const child = spawn(file, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined); // reported through the missing ready file instead
  child.unref();
  if (child.pid === undefined) throw new Error(`lab: could not start ${formatArgv(argv)}`);
  return child.pid;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface NsIdentity {
  dev: bigint;
  ino: bigint;
}

function nsIdentity(file: string): NsIdentity | null {
  try {
    const st = fs.statSync(file, { bigint: true });
    return { dev: st.dev, ino: st.ino };
  } catch {
    return null;
  }
}

interface ProcEntry {
  pid: number;
  netIno: string | null;
  pidNs: string | null;
  command: string;
  argv: string[];
  zombie: boolean;
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function nsInodeOf(link: string): string | null {
  try {
    return /\[(\d+)\]/.exec(fs.readlinkSync(link))?.[1] ?? null;
  } catch {
    return null;
  }
}

function readProcess(pid: number): ProcEntry | null {
  const stat = readOr(`/proc/${pid}/stat`, '');
  if (stat === '') return null;
  return {
    pid,
    netIno: nsInodeOf(`/proc/${pid}/ns/net`),
    pidNs: nsInodeOf(`/proc/${pid}/ns/pid`),
    command: readOr(`/proc/${pid}/comm`, '').trim(),
    argv: readOr(`/proc/${pid}/cmdline`, '')
      .split('\0')
      .filter((a) => a !== ''),
    zombie: stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z',
  };
}

/** Every live process; entries that vanish or cannot be read mid-scan are skipped. */
function scanProcesses(): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const proc = readProcess(Number(entry));
    if (proc && !proc.zombie) out.push(proc);
  }
  return out;
}

function isLabProcess(proc: ProcEntry): boolean {
  return proc.argv.includes(LAB_PROCESS_MARKER) && proc.argv.some((a) => a.endsWith('server.js'));
}

function mountPoints(): Set<string> {
  const points = new Set<string>();
  for (const line of readOr('/proc/self/mountinfo', '').split('\n')) {
    const field = line.split(' ')[4];
    if (field) points.add(field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8))));
  }
  return points;
}

function labNetnsNames(): string[] {
  try {
    return fs
      .readdirSync(NETNS_RUN_DIR)
      .filter((n) => n.startsWith(LAB_NAME_PREFIX))
      .sort();
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------
// up

interface Built {
  /** Path per namespace key (the process-only one is known once its process runs). */
  paths: Map<LabNamespaceKey, string>;
}

function specOf(key: LabNamespaceKey): NamespaceSpec {
  const spec = NAMESPACES.find((n) => n.key === key);
  if (!spec) throw new Error(`lab: unknown namespace ${key}`);
  return spec;
}

/** The prefix that runs a command inside a lab namespace: `ip netns exec NAME`, or `nsenter --net=PATH`. */
function enter(spec: NamespaceSpec, built: Built): string[] {
  if (spec.kind === 'named' && spec.name) return ['ip', 'netns', 'exec', spec.name];
  const nsPath = built.paths.get(spec.key);
  if (!nsPath) throw new Error(`lab: no path for ${spec.key}`);
  return ['nsenter', `--net=${nsPath}`];
}

/** `ip` inside a lab namespace (`ip -n NAME` where there is a name: no mount namespace needed). */
function ipIn(spec: NamespaceSpec, built: Built): string[] {
  return spec.kind === 'named' && spec.name ? ['ip', '-n', spec.name] : [...enter(spec, built), 'ip'];
}

async function ipBatch(runner: Runner, spec: NamespaceSpec, built: Built, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  await must(runner, [...ipIn(spec, built), '-batch', '-'], `${lines.join('\n')}\n`);
}

/** Bridges and veth pairs, created from the namespace holding side a. */
function createLines(spec: NamespaceSpec, built: Built): string[] {
  const lines = spec.interfaces.filter((i) => i.kind === 'bridge').map((i) => `link add ${i.name} type bridge`);
  for (const pair of VETH_PAIRS.filter((p) => p.a.ns === spec.key)) {
    // `netns` takes a name, or a path (anything with a slash) such as /proc/PID/ns/net.
    const peer = specOf(pair.b.ns);
    const target = peer.kind === 'named' ? peer.name : built.paths.get(peer.key);
    if (!target) throw new Error(`lab: no path for ${pair.b.ns}`);
    lines.push(`link add ${pair.a.ifname} type veth peer name ${pair.b.ifname} netns ${target}`);
  }
  return lines;
}

/** Addresses (IPv6 without duplicate address detection, so they work at once), masters, links up. */
function configureLines(spec: NamespaceSpec): string[] {
  const lines: string[] = [];
  for (const iface of spec.interfaces) {
    for (const address of iface.addresses) {
      lines.push(`addr add ${address} dev ${iface.name}${address.includes(':') ? ' nodad' : ''}`);
    }
    if (iface.master) lines.push(`link set ${iface.name} master ${iface.master}`);
    lines.push(`link set ${iface.name} up`);
  }
  return lines;
}

function launchArgv(spec: NamespaceSpec, proc: ProcessSpec, readyFile: string, built: Built): string[] {
  const serverArgv = [
    process.execPath,
    labServerPath(),
    LAB_PROCESS_MARKER,
    '--name',
    spec.serverName ?? `nxl-${spec.key}`,
    '--ready',
    readyFile,
  ];
  if (proc.tcp.length) serverArgv.push('--tcp', proc.tcp.join(','));
  if (proc.udp.length) serverArgv.push('--udp', proc.udp.join(','));
  if (!proc.tcp.length && !proc.udp.length) serverArgv.push('--sleep');
  const pidNs = proc.ownPidNamespace ? ['unshare', '--pid', '--fork', '--kill-child', '--'] : [];
  // The process-only namespace is made by its process: unshare execs node, so the spawned PID is the
  // server's and the namespace is reachable as /proc/PID/ns/net.
  const prefix = spec.kind === 'process' ? ['unshare', '--net', '--'] : enter(spec, built);
  return [...prefix, ...pidNs, ...serverArgv];
}

async function waitForReady(files: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failed = files.find((f) => fs.existsSync(`${f}.failed`));
    if (failed) throw new Error(`lab: server failed to start: ${readOr(`${failed}.failed`, '').trim()}`);
    const waiting = files.filter((f) => !fs.existsSync(f));
    if (waiting.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `lab: servers did not start within ${timeoutMs} ms: ${waiting.map((f) => path.basename(f)).join(', ')}`,
      );
    }
    await sleep(25);
  }
}

async function startProcesses(specs: NamespaceSpec[], built: Built, timeoutMs: number): Promise<Map<string, number>> {
  const started = new Map<string, number>();
  for (const spec of specs) {
    spec.processes.forEach((proc, i) => {
      const readyFile = path.join(READY_DIR, `${spec.key}-${i}`);
      started.set(readyFile, startBackground(launchArgv(spec, proc, readyFile, built)));
    });
  }
  await waitForReady([...started.keys()], timeoutMs);
  return started;
}

/** A namespace bind-mounted where Docker keeps sandboxes, made the way `ip netns add` makes /run/netns. */
async function createDockerNamespace(runner: Runner): Promise<void> {
  fs.mkdirSync(LAB_DOCKER_NETNS_DIR, { recursive: true });
  // A bind mount of the folder onto itself, in a peer group of its own and shared: the nsfs mount does
  // not leak into other peer groups, and umount propagates to the copies in mount namespaces made later
  // (`ip netns exec` makes / a slave), so the namespace really goes away on `down`.
  if (!mountPoints().has(LAB_DOCKER_NETNS_DIR)) {
    await must(runner, ['mount', '--bind', LAB_DOCKER_NETNS_DIR, LAB_DOCKER_NETNS_DIR]);
  }
  await must(runner, ['mount', '--make-private', LAB_DOCKER_NETNS_DIR]);
  await must(runner, ['mount', '--make-shared', LAB_DOCKER_NETNS_DIR]);
  fs.writeFileSync(DOCKER_NETNS_PATH, '');
  await must(runner, ['unshare', `--net=${DOCKER_NETNS_PATH}`, 'true']);
}

function describeState(built: Built): LabState {
  const byInode = new Map<string, ProcEntry[]>();
  for (const proc of scanProcesses()) {
    if (proc.netIno === null) continue;
    const list = byInode.get(proc.netIno) ?? [];
    list.push(proc);
    byInode.set(proc.netIno, list);
  }
  const namespaces = NAMESPACES.map((spec): LabNamespace => {
    const nsPath = built.paths.get(spec.key);
    const id = nsPath ? nsIdentity(nsPath) : null;
    if (!nsPath || !id) throw new Error(`lab: namespace ${spec.key} has no path`);
    const inode = id.ino.toString();
    const procs = (byInode.get(inode) ?? []).sort((x, y) => x.pid - y.pid);
    return {
      key: spec.key,
      name: spec.name,
      kind: spec.kind,
      mode: spec.mode,
      path: nsPath,
      inode,
      pids: procs.map((p) => p.pid),
      processes: procs.map((p) => ({ pid: p.pid, command: p.command, pidNamespace: p.pidNs })),
      interfaces: spec.interfaces,
      gateways: spec.gateways,
      serverName: spec.serverName,
      listening: spec.processes.flatMap((p) => [
        ...p.tcp.map((port) => ({ protocol: 'tcp' as const, port })),
        ...p.udp.map((port) => ({ protocol: 'udp' as const, port })),
      ]),
    };
  });
  const bridges = NAMESPACES.flatMap((spec) =>
    spec.interfaces
      .filter((i) => i.kind === 'bridge')
      .map((bridge): LabBridge => ({
        ns: spec.key,
        name: bridge.name,
        addresses: bridge.addresses,
        ports: spec.interfaces
          .filter((i) => i.master === bridge.name)
          .map((i) => i.name)
          .sort(),
      })),
  );
  return {
    version: 1,
    createdAt: new Date().toISOString(),
    repoRoot: findRepoRoot(),
    stateDir: LAB_STATE_DIR,
    dockerNetnsDir: LAB_DOCKER_NETNS_DIR,
    namespaces,
    vethPairs: VETH_PAIRS,
    bridges,
    portMappings: PORT_MAPPINGS,
  };
}

async function build(runner: Runner, log: (line: string) => void, readyTimeoutMs: number): Promise<LabState> {
  fs.mkdirSync(READY_DIR, { recursive: true });
  const built: Built = { paths: new Map() };

  log('creating namespaces');
  for (const spec of NAMESPACES.filter((n) => n.kind === 'named')) {
    const name = spec.name ?? '';
    await must(runner, ['ip', 'netns', 'add', name]);
    built.paths.set(spec.key, `${NETNS_RUN_DIR}/${name}`);
  }
  await createDockerNamespace(runner);
  built.paths.set('docker', DOCKER_NETNS_PATH);

  // The process-only namespace exists only while its process runs, so its server starts first.
  log('starting the process-only namespace');
  const [procPid] = (await startProcesses([specOf('proc')], built, readyTimeoutMs)).values();
  if (procPid === undefined) throw new Error('lab: the process-only namespace did not start');
  built.paths.set('proc', `/proc/${procPid}/ns/net`);

  log('setting sysctls');
  for (const spec of NAMESPACES) {
    await must(runner, [...enter(spec, built), 'sysctl', '-q', '-w', ...COMMON_SYSCTLS, ...(spec.sysctls ?? [])]);
  }

  log('creating links and addresses');
  for (const spec of NAMESPACES) await ipBatch(runner, spec, built, createLines(spec, built));
  for (const spec of NAMESPACES) await ipBatch(runner, spec, built, configureLines(spec));
  // Routes last: every link and address on both ends is up by now.
  for (const spec of NAMESPACES)
    await ipBatch(
      runner,
      spec,
      built,
      spec.gateways.map((gw) => `route add default via ${gw}`),
    );

  log('writing NAT rules in nxl-host');
  const host = enter(specOf('host'), built);
  await must(runner, [...host, 'iptables-restore', '--noflush'], dockerRules('ipv4'));
  await must(runner, [...host, 'ip6tables-restore', '--noflush'], dockerRules('ipv6'));

  log('starting servers');
  await startProcesses(
    NAMESPACES.filter((n) => n.key !== 'proc'),
    built,
    readyTimeoutMs,
  );

  const state = describeState(built);
  fs.writeFileSync(LAB_STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

/**
 * One lab at a time on a machine: suites (and developers' parallel runs) that bring the lab up take
 * this lock until they bring it down, so one never tears down another's lab mid-test. A lock whose
 * owner died is taken over.
 */
export const LAB_LOCK_DIR = '/run/netns-explorer-lab.lock';

function lockOwner(): number | null {
  try {
    return Number(fs.readFileSync(`${LAB_LOCK_DIR}/pid`, 'utf8')) || null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireLabLock(log: (line: string) => void, timeoutMs = 20 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    try {
      fs.mkdirSync(LAB_LOCK_DIR);
      fs.writeFileSync(`${LAB_LOCK_DIR}/pid`, String(process.pid));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = lockOwner();
    if (owner === process.pid) return;
    if (owner !== null && !alive(owner)) {
      fs.rmSync(LAB_LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`lab: another process (pid ${owner ?? '?'}) holds ${LAB_LOCK_DIR}`);
    if (!said) {
      log(`waiting for the lab lock held by pid ${owner ?? '?'}`);
      said = true;
    }
    await sleep(owner === null ? 50 : 500); // no pid yet: the owner is between mkdir and write
  }
}

export function releaseLabLock(): void {
  if (lockOwner() === process.pid) fs.rmSync(LAB_LOCK_DIR, { recursive: true, force: true });
}

/** Builds the lab (tearing down any earlier one first); on failure removes what it made and rethrows. */
export async function labUp(opts: LabOptions = {}): Promise<LabState> {
  const runner = opts.runner ?? defaultRunner();
  const log = opts.log ?? (() => undefined);
  await acquireLabLock(log, opts.lockTimeoutMs);
  await teardown({ ...opts, runner });
  try {
    return await build(runner, log, opts.readyTimeoutMs ?? 10_000);
  } catch (error) {
    log('up failed: removing what was built');
    await labDown({ ...opts, runner }).catch((downError: unknown) => {
      log(`cleanup after the failed up also failed: ${String(downError)}`);
    });
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// down

/** Namespace inodes that belong to the lab: the state file's, every nxl-* name's, the Docker path's. */
function labNamespaceInodes(state: LabState | null): Set<string> {
  const own = nsIdentity('/proc/self/ns/net');
  const inodes = new Set<string>();
  const addIfNsfs = (file: string) => {
    const id = nsIdentity(file);
    // A name file that is not (or no longer) a namespace mount is a plain file on another device: skip it.
    if (id && own && id.dev === own.dev) inodes.add(id.ino.toString());
  };
  for (const ns of state?.namespaces ?? []) inodes.add(ns.inode);
  for (const name of labNetnsNames()) addIfNsfs(`${NETNS_RUN_DIR}/${name}`);
  if (mountPoints().has(DOCKER_NETNS_PATH)) addIfNsfs(DOCKER_NETNS_PATH);
  // Never the namespace this process runs in (the machine's own).
  if (own) inodes.delete(own.ino.toString());
  return inodes;
}

/** Kills processes in lab namespaces and processes carrying the lab marker, and waits until they are gone. */
async function killLabProcesses(inodes: Set<string>, recorded: number[]): Promise<number[]> {
  const spare = new Set([process.pid, process.ppid, 1]);
  const isTarget = (p: ProcEntry) =>
    !spare.has(p.pid) && ((p.netIno !== null && inodes.has(p.netIno)) || isLabProcess(p));
  // Recorded PIDs count only while they are still lab processes: a PID may have been reused since.
  const targets = new Map<number, ProcEntry>();
  for (const proc of scanProcesses()) if (isTarget(proc)) targets.set(proc.pid, proc);
  for (const pid of recorded) {
    const proc = readProcess(pid);
    if (proc && !proc.zombie && isTarget(proc)) targets.set(pid, proc);
  }
  for (let round = 0; round < 3 && targets.size > 0; round++) {
    for (const pid of targets.keys()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const alive = [...targets.keys()].filter((pid) => {
        const p = readProcess(pid);
        return p !== null && !p.zombie;
      });
      if (alive.length === 0) break;
      await sleep(25);
    }
    targets.clear();
    for (const proc of scanProcesses()) if (isTarget(proc)) targets.set(proc.pid, proc);
  }
  return [...targets.keys()];
}

async function unmountAll(runner: Runner, point: string, problems: string[]): Promise<void> {
  for (let i = 0; i < 5 && mountPoints().has(point); i++) {
    const result = await runner.run(['umount', point]);
    if (result.failure) {
      problems.push(`umount ${point}: ${result.stderr.trim() || result.failure.message}`);
      return;
    }
  }
}

/**
 * Removes everything the lab made, whatever state it is in (also after a partial `up`): kills lab
 * processes, deletes every nxl-* namespace, unmounts the Docker-style namespace and removes the state
 * folder. Throws if something could not be removed. Holds the lock while it does (taking it if this
 * process does not hold it yet), so a `down` never removes a lab another process is using.
 */
export async function labDown(opts: LabOptions = {}): Promise<void> {
  await acquireLabLock(opts.log ?? (() => undefined), opts.lockTimeoutMs);
  try {
    await teardown(opts);
  } finally {
    releaseLabLock();
  }
}

async function teardown(opts: LabOptions): Promise<void> {
  const runner = opts.runner ?? defaultRunner();
  const log = opts.log ?? (() => undefined);
  const state = readLabState();
  const problems: string[] = [];
  const recorded = state?.namespaces.flatMap((n) => n.pids) ?? [];

  const survivors = await killLabProcesses(labNamespaceInodes(state), recorded);
  if (survivors.length) problems.push(`processes still running: ${survivors.join(', ')}`);

  for (const name of labNetnsNames()) {
    log(`deleting namespace ${name}`);
    const result = await runner.run(['ip', 'netns', 'del', name]);
    if (result.failure) problems.push(`ip netns del ${name}: ${result.stderr.trim() || result.failure.message}`);
  }

  await unmountAll(runner, DOCKER_NETNS_PATH, problems);
  await unmountAll(runner, LAB_DOCKER_NETNS_DIR, problems);
  if (problems.length === 0) fs.rmSync(LAB_STATE_DIR, { recursive: true, force: true });

  const left = labNetnsNames();
  if (left.length) problems.push(`namespaces left: ${left.join(', ')}`);
  if (problems.length) throw new Error(`lab: down did not finish cleanly:\n  ${problems.join('\n  ')}`);
}

// ---------------------------------------------------------------------------------------------
// status

/** The state written by the last `up`, or null when the lab is down (or the file is unreadable). */
export function readLabState(): LabState | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(LAB_STATE_FILE, 'utf8')) as LabState;
    return parsed.version === 1 ? parsed : null;
  } catch {
    return null;
  }
}

/** What is still present on the machine, for `status` and for tests checking that `down` left nothing. */
export function labLeftovers(): { namespaces: string[]; mounts: string[]; processes: number[]; stateDir: boolean } {
  const mounts = mountPoints();
  return {
    namespaces: labNetnsNames(),
    mounts: [DOCKER_NETNS_PATH, LAB_DOCKER_NETNS_DIR].filter((m) => mounts.has(m)),
    processes: scanProcesses()
      .filter(isLabProcess)
      .map((p) => p.pid),
    stateDir: fs.existsSync(LAB_STATE_DIR),
  };
}
