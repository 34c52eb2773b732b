// The native-nftables lab (prefix nxn-): five small hosts, each a namespace with a bridge, two containers and an
// outside client, whose rules are shaped like one producer's, written from its documentation and loaded with the real
// `nft -f` (so the kernel validates them):
// - d29: Docker 29's nftables firewall backend (`table ip docker-bridges`, verdict maps by interface);
// - kp:  kube-proxy's nftables mode (`table ip kube-proxy`: service maps, numgen load balancing, reject for a service
//        without endpoints);
// - nv:  Netavark's nftables driver (`table inet netavark`);
// - fw:  firewalld's nftables backend (`table inet firewalld`: zones, a forward-port, admin-prohibited rejects);
// - mx:  iptables-nft rules and a native table at the same hooks with other priorities.
// Nothing leaves the lab: every address is between namespaces it made.
import * as fs from 'node:fs';
import { ExecRunner, formatArgv, type Runner } from '../../src/host/runner';
import { startServer } from './traceScenarios';

export const NFT_PREFIX = 'nxn-';
const STATE_DIR = '/run/netns-explorer-nft';
const runner: Runner = new ExecRunner({ timeoutMs: 15_000 });

export type Shape = 'd29' | 'kp' | 'nv' | 'fw' | 'mx';
export const SHAPES: readonly Shape[] = ['d29', 'kp', 'nv', 'fw', 'mx'];
const INDEX: Record<Shape, number> = { d29: 1, kp: 2, nv: 3, fw: 4, mx: 5 };

/** The namespaces and addresses of one shape's host. */
export function hostOf(shape: Shape) {
  const i = INDEX[shape];
  return {
    host: `${NFT_PREFIX}${shape}`,
    out: `${NFT_PREFIX}${shape}-out`,
    c1: `${NFT_PREFIX}${shape}-c1`,
    c2: `${NFT_PREFIX}${shape}-c2`,
    subnet: `10.90.${i}.0/24`,
    gw: `10.90.${i}.1`,
    c1ip: `10.90.${i}.2`,
    c2ip: `10.90.${i}.3`,
    hostIp: `198.19.${20 + i}.1`,
    outIp: `198.19.${20 + i}.2`,
  };
}

/** Docker 29's nftables backend for one bridge (moby's docs and its nftabler's layout). */
function docker29(): string {
  const h = hostOf('d29');
  return `table ip docker-bridges {
	map filter-forward-in-jumps {
		type ifname : verdict
		elements = { "br0" : jump filter-forward-in__br0 }
	}
	map filter-forward-out-jumps {
		type ifname : verdict
		elements = { "br0" : jump filter-forward-out__br0 }
	}
	map nat-postrouting-out-jumps {
		type ifname : verdict
		elements = { "br0" : jump nat-postrouting-out__br0 }
	}
	chain filter-FORWARD {
		type filter hook forward priority filter; policy accept;
		iifname vmap @filter-forward-in-jumps
		oifname vmap @filter-forward-out-jumps
	}
	chain raw-PREROUTING {
		type filter hook prerouting priority raw; policy accept;
		ip daddr ${h.c1ip} iifname != "br0" counter drop comment "DROP DIRECT ACCESS"
		ip daddr ${h.c2ip} iifname != "br0" counter drop comment "DROP DIRECT ACCESS"
	}
	chain nat-PREROUTING {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local counter jump nat-prerouting-and-output
	}
	chain nat-OUTPUT {
		type nat hook output priority -100; policy accept;
		ip daddr != 127.0.0.0/8 fib daddr type local counter jump nat-prerouting-and-output
	}
	chain nat-POSTROUTING {
		type nat hook postrouting priority srcnat; policy accept;
		iifname vmap @nat-postrouting-out-jumps
	}
	chain nat-prerouting-and-output {
		iifname != "br0" tcp dport 8080 counter dnat to ${h.c1ip}:80 comment "DNAT"
	}
	chain filter-forward-in__br0 {
		ct state established,related counter accept
		oifname "br0" counter accept comment "INTERNAL NETWORK INGRESS"
		counter accept comment "OUTGOING"
	}
	chain filter-forward-out__br0 {
		ct state established,related counter accept
		ct status dnat counter jump filter-forward-out__br0__protos
		counter drop comment "UNPUBLISHED PORT DROP"
	}
	chain filter-forward-out__br0__protos {
		ip daddr ${h.c1ip} tcp dport 80 counter accept
	}
	chain nat-postrouting-out__br0 {
		oifname != "br0" ip saddr ${h.subnet} counter masquerade comment "MASQUERADE"
	}
}
`;
}

/** kube-proxy's nftables mode: one service with two endpoints, its NodePort, and a service without endpoints. */
function kubeProxy(): string {
  const h = hostOf('kp');
  const svc = 'service-42NFTM6N-default/web/tcp/http';
  const ep = (ip: string, tag: string) => `endpoint-${tag}-default/web/tcp/http__${ip}/80`;
  return `table ip kube-proxy {
	comment "rules for kube-proxy"
	set cluster-ips {
		type ipv4_addr
		comment "Active ClusterIPs"
		elements = { 10.96.0.10, 10.96.0.11 }
	}
	set nodeport-ips {
		type ipv4_addr
		comment "IPs that accept NodePort traffic"
		elements = { ${h.hostIp} }
	}
	map service-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
		comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"
		elements = { 10.96.0.10 . tcp . 80 : goto ${svc} }
	}
	map service-nodeports {
		type inet_proto . inet_service : verdict
		comment "NodePort traffic"
		elements = { tcp . 30080 : goto external-42NFTM6N-default/web/tcp/http }
	}
	map no-endpoint-services {
		type ipv4_addr . inet_proto . inet_service : verdict
		comment "vmap to drop or reject packets to services with no endpoints"
		elements = { 10.96.0.11 . tcp . 80 comment "default/empty:http" : goto reject-chain }
	}
	chain filter-input {
		type filter hook input priority -110; policy accept;
		ct state new jump service-endpoints-check
	}
	chain filter-forward {
		type filter hook forward priority -110; policy accept;
		ct state new jump service-endpoints-check
		ct state new jump cluster-ips-check
	}
	chain filter-output {
		type filter hook output priority -110; policy accept;
		ct state new jump service-endpoints-check
	}
	chain nat-prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		jump services
	}
	chain nat-output {
		type nat hook output priority -100; policy accept;
		jump services
	}
	chain nat-postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		jump masquerading
	}
	chain services {
		ip daddr . meta l4proto . th dport vmap @service-ips
		ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports
	}
	chain service-endpoints-check {
		ip daddr . meta l4proto . th dport vmap @no-endpoint-services
	}
	chain cluster-ips-check {
		ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
		ip daddr { 10.96.0.0/16 } drop comment "Drop traffic to unallocated ClusterIPs"
	}
	chain reject-chain {
		comment "helper for @no-endpoint-services / @no-endpoint-nodeports"
		reject
	}
	chain mark-for-masquerade {
		meta mark set meta mark | 0x00004000
	}
	chain masquerading {
		meta mark & 0x00004000 == 0x00000000 return
		meta mark set meta mark ^ 0x00004000
		masquerade fully-random
	}
	chain ${svc} {
		ip daddr 10.96.0.10 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
		numgen random mod 2 vmap { 0 : goto ${ep(h.c1ip, 'A')}, 1 : goto ${ep(h.c2ip, 'B')} }
	}
	chain external-42NFTM6N-default/web/tcp/http {
		jump mark-for-masquerade
		goto ${svc}
	}
	chain ${ep(h.c1ip, 'A')} {
		ip saddr ${h.c1ip} jump mark-for-masquerade
		meta l4proto tcp dnat to ${h.c1ip}:80
	}
	chain ${ep(h.c2ip, 'B')} {
		ip saddr ${h.c2ip} jump mark-for-masquerade
		meta l4proto tcp dnat to ${h.c2ip}:80
	}
}
`;
}

/** Netavark's nftables driver: one network, one published port. */
function netavark(): string {
  const h = hostOf('nv');
  const net = 'nv_2f259bab_10_90_3_0_nm24';
  return `table inet netavark {
	chain INPUT {
		type filter hook input priority filter; policy accept;
		ip saddr ${h.subnet} meta l4proto { tcp, udp } th dport 53 accept
	}
	chain FORWARD {
		type filter hook forward priority filter; policy accept;
		ct state invalid drop
		jump NETAVARK-ISOLATION-1
		ip daddr ${h.subnet} ct state related,established accept
		ip saddr ${h.subnet} accept
	}
	chain POSTROUTING {
		type nat hook postrouting priority srcnat; policy accept;
		meta mark & 0x00002000 == 0x00002000 masquerade
		ip saddr ${h.subnet} jump ${net}
	}
	chain PREROUTING {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local jump NETAVARK-HOSTPORT-DNAT
	}
	chain OUTPUT {
		type nat hook output priority -100; policy accept;
		fib daddr type local jump NETAVARK-HOSTPORT-DNAT
	}
	chain NETAVARK-ISOLATION-1 {
	}
	chain NETAVARK-HOSTPORT-SETMARK {
		meta mark set meta mark | 0x00002000
	}
	chain NETAVARK-HOSTPORT-DNAT {
		tcp dport 8081 jump ${net}_dnat
	}
	chain ${net} {
		ip daddr ${h.subnet} accept
		ip daddr != 224.0.0.0/4 masquerade
	}
	chain ${net}_dnat {
		ip saddr ${h.subnet} tcp dport 8081 jump NETAVARK-HOSTPORT-SETMARK
		ip saddr 127.0.0.1 tcp dport 8081 jump NETAVARK-HOSTPORT-SETMARK
		tcp dport 8081 dnat ip to ${h.c1ip}:80
	}
}
`;
}

/** firewalld's nftables backend: the public zone on eth0 with a forward-port, the bridge in the trusted zone. */
function firewalld(): string {
  const h = hostOf('fw');
  const empty = (name: string) => `\tchain ${name} {\n\t}\n`;
  return `table inet firewalld {
	chain filter_INPUT {
		type filter hook input priority filter + 10; policy accept;
		ct state { established, related } accept
		ct status dnat accept
		iifname "lo" accept
		ct state invalid drop
		jump filter_INPUT_ZONES
		reject with icmpx admin-prohibited
	}
	chain filter_FORWARD {
		type filter hook forward priority filter + 10; policy accept;
		ct state { established, related } accept
		ct status dnat accept
		iifname "lo" accept
		ct state invalid drop
		jump filter_FORWARD_ZONES
		reject with icmpx admin-prohibited
	}
	chain filter_INPUT_ZONES {
		iifname "br0" goto filter_IN_trusted
		iifname "eth0" goto filter_IN_public
		goto filter_IN_public
	}
	chain filter_IN_public {
		jump filter_IN_public_pre
		jump filter_IN_public_allow
		jump filter_IN_public_post
		meta l4proto { icmp, ipv6-icmp } accept
	}
${empty('filter_IN_public_pre')}${empty('filter_IN_public_post')}	chain filter_IN_public_allow {
		tcp dport 22 ct state { new, untracked } accept
	}
	chain filter_IN_trusted {
		accept
	}
	chain filter_FORWARD_ZONES {
		iifname "br0" goto filter_FWD_trusted
		iifname "eth0" goto filter_FWD_public
		goto filter_FWD_public
	}
	chain filter_FWD_public {
		jump filter_FWD_public_allow
	}
${empty('filter_FWD_public_allow')}	chain filter_FWD_trusted {
		accept
	}
	chain nat_PREROUTING {
		type nat hook prerouting priority dstnat + 10; policy accept;
		jump nat_PREROUTING_ZONES
	}
	chain nat_PREROUTING_ZONES {
		iifname "br0" goto nat_PRE_trusted
		iifname "eth0" goto nat_PRE_public
		goto nat_PRE_public
	}
	chain nat_PRE_public {
		jump nat_PRE_public_allow
	}
	chain nat_PRE_public_allow {
		meta nfproto ipv4 tcp dport 8082 dnat ip to ${h.c1ip}:80
	}
${empty('nat_PRE_trusted')}	chain nat_POSTROUTING {
		type nat hook postrouting priority srcnat + 10; policy accept;
		jump nat_POSTROUTING_ZONES
	}
	chain nat_POSTROUTING_ZONES {
		oifname "eth0" goto nat_POST_public
	}
	chain nat_POST_public {
		jump nat_POST_public_allow
	}
	chain nat_POST_public_allow {
		oifname != "lo" masquerade
	}
}
`;
}

/** The mixed host's iptables-nft rules (loaded with iptables-restore --noflush into its own namespace). */
export function mixedIptables(): string {
  const h = hostOf('mx');
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    `-A PREROUTING -p tcp -m tcp --dport 8083 -j DNAT --to-destination ${h.c1ip}:80`,
    `-A PREROUTING -p tcp -m tcp --dport 8084 -j DNAT --to-destination ${h.c2ip}:80`,
    `-A PREROUTING -p tcp -m tcp --dport 8085 -j DNAT --to-destination ${h.c1ip}:80`,
    `-A PREROUTING -p tcp -m tcp --dport 8086 -j DNAT --to-destination ${h.c1ip}:80`,
    `-A POSTROUTING -s ${h.subnet} ! -o br0 -j MASQUERADE`,
    'COMMIT',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    `-A FORWARD -d ${h.subnet} -o br0 -p tcp -m tcp --dport 80 -j ACCEPT`,
    '-A FORWARD -i br0 -j ACCEPT',
    'COMMIT',
    '',
  ].join('\n');
}

/** The mixed host's native table: an earlier drop iptables never sees, and an accept then a drop at FORWARD. */
function mixedNative(): string {
  const h = hostOf('mx');
  return `table inet nxn-guard {
	chain untrack {
		type filter hook prerouting priority raw; policy accept;
		tcp dport 8086 notrack comment "untracked: no nat chain sees it"
	}
	chain early {
		type filter hook prerouting priority -200; policy accept;
		tcp dport 8085 counter drop comment "closed before NAT"
	}
	chain allow {
		type filter hook forward priority -5; policy accept;
		ip daddr ${h.c2ip} tcp dport 80 accept comment "an accept ends only this base chain"
	}
	chain guard {
		type filter hook forward priority filter + 10; policy accept;
		ip daddr ${h.c2ip} tcp dport 80 ct state new counter drop comment "c2 is closed"
	}
}
`;
}

/** The native rules of each shape, as `nft -f` reads them. */
export function nftRuleset(shape: Shape): string {
  switch (shape) {
    case 'd29':
      return docker29();
    case 'kp':
      return kubeProxy();
    case 'nv':
      return netavark();
    case 'fw':
      return firewalld();
    case 'mx':
      return mixedNative();
  }
}

async function must(argv: string[], input?: string): Promise<string> {
  const r = await runner.run(argv, input === undefined ? {} : { input });
  if (r.failure) throw new Error(`nft lab: ${formatArgv(argv)}: ${r.stderr.trim() || r.failure.message}`);
  return r.stdout;
}

function labNamespaces(): string[] {
  try {
    return fs.readdirSync('/run/netns').filter((n) => n.startsWith(NFT_PREFIX));
  } catch {
    return [];
  }
}

async function buildShape(shape: Shape): Promise<{ pid: number; ready: string }[]> {
  const h = hostOf(shape);
  for (const ns of [h.host, h.out, h.c1, h.c2]) {
    await must(['ip', 'netns', 'add', ns]);
    await must(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  }
  // No per-destination ICMP rate limit: in a namespace this fresh it swallows the first seconds of a reject's ICMP
  // error (kernel 6.18 here), and a refused connection would time out instead.
  await must([
    'ip',
    'netns',
    'exec',
    h.host,
    'sysctl',
    '-q',
    '-w',
    'net.ipv4.ip_forward=1',
    'net.ipv4.icmp_ratelimit=0',
  ]);
  const hostLines = [
    'link add br0 type bridge',
    `link add eth0 type veth peer name eth0 netns ${h.out}`,
    `link add vc1 type veth peer name eth0 netns ${h.c1}`,
    `link add vc2 type veth peer name eth0 netns ${h.c2}`,
    `addr add ${h.gw}/24 dev br0`,
    `addr add ${h.hostIp}/24 dev eth0`,
    'link set vc1 master br0',
    'link set vc2 master br0',
    'link set br0 up',
    'link set eth0 up',
    'link set vc1 up',
    'link set vc2 up',
  ];
  // kube-proxy's nodes route the service range on; here towards the client, so a packet there is forwarded.
  if (shape === 'kp') hostLines.push(`route add 10.96.0.0/16 via ${h.outIp}`);
  await must(['ip', '-n', h.host, '-batch', '-'], `${hostLines.join('\n')}\n`);
  await must(
    ['ip', '-n', h.out, '-batch', '-'],
    `addr add ${h.outIp}/24 dev eth0\nlink set eth0 up\nroute add default via ${h.hostIp}\n`,
  );
  for (const [ns, ip] of [
    [h.c1, h.c1ip],
    [h.c2, h.c2ip],
  ] as const)
    await must(
      ['ip', '-n', ns, '-batch', '-'],
      `addr add ${ip}/24 dev eth0\nlink set eth0 up\nroute add default via ${h.gw}\n`,
    );
  if (shape === 'mx') await must(['ip', 'netns', 'exec', h.host, 'iptables-restore', '--noflush'], mixedIptables());
  await must(['ip', 'netns', 'exec', h.host, 'nft', '-f', '-'], nftRuleset(shape));
  return [
    startServer(h.c1, h.c1, [80], [], undefined, STATE_DIR),
    startServer(h.c2, h.c2, [80], [], undefined, STATE_DIR),
    startServer(h.out, h.out, [7000], [], undefined, STATE_DIR),
    startServer(h.host, h.host, [9999], [], undefined, STATE_DIR),
  ];
}

const pidsFile = `${STATE_DIR}/pids`;

/** Builds every shape's namespaces, rules and servers (tearing down any earlier ones first). */
export async function nftLabUp(): Promise<void> {
  await nftLabDown();
  fs.mkdirSync(STATE_DIR, { recursive: true });
  const started: { pid: number; ready: string }[] = [];
  try {
    for (const shape of SHAPES) started.push(...(await buildShape(shape)));
  } finally {
    fs.writeFileSync(pidsFile, started.map((s) => s.pid).join('\n'));
  }
  const deadline = Date.now() + 10_000;
  while (started.some((s) => !fs.existsSync(s.ready))) {
    if (Date.now() > deadline) throw new Error('nft lab: servers did not start');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Removes every nxn- namespace and the servers in them. */
export async function nftLabDown(): Promise<void> {
  let pids: number[] = [];
  try {
    pids = fs.readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    /* none recorded */
  }
  for (const name of labNamespaces()) {
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
  for (const name of labNamespaces()) await runner.run(['ip', 'netns', 'del', name]);
  fs.rmSync(STATE_DIR, { recursive: true, force: true });
}
