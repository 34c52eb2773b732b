// Snapshots for the topology tests: the lab replayed from its recording, a hostile-named variant, and a synthetic host
// of N containers.
import { join } from 'node:path';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import type { Namespace, NetInterface, PortMapping, Snapshot } from '../../src/core/model';
import { collectSnapshot } from '../../src/host/collect';
import { ReplayRunner } from '../../src/host/recording';

export const FIXTURES = join(__dirname, '../../../test/fixtures');
export const HOSTILE_HTML = '<img src=x onerror=alert(1)>';
export const HOSTILE_MARKDOWN = '**bold** [x](command:workbench.action.terminal.new) `code` <script>alert(2)</script>';
export const HOSTILE_LONG = `${'very-long-name-'.repeat(20)}end`;

/** The lab as recorded from real tools (test/fixtures/recordings/lab), collected again through the replay runner. */
export async function labSnapshot(): Promise<Snapshot> {
  const replay = new ReplayRunner(join(FIXTURES, 'recordings/lab'));
  return collectSnapshot(replay, replay.discovery);
}

/**
 * The lab with three namespaces renamed to HTML, Markdown and a 300-character name, and one mapping made by this
 * extension.
 */
export function hostileSnapshot(lab: Snapshot): Snapshot {
  const names = new Map([
    ['nxl-web1', HOSTILE_HTML],
    ['nxl-web2', HOSTILE_MARKDOWN],
    ['nxl-pod', HOSTILE_LONG],
  ]);
  const copy = structuredClone(lab);
  for (const ns of copy.namespaces) ns.name = names.get(ns.name ?? '') ?? ns.name;
  const m = copy.portMappings[0];
  if (m) m.owner = 'netns-explorer';
  return copy;
}

function iface(
  name: string,
  ifindex: number,
  kind: NetInterface['kind'],
  addresses: string[],
  extra: Partial<NetInterface> = {},
): NetInterface {
  return {
    name,
    ifindex,
    kind,
    infoKind: kind === 'physical' || kind === 'loopback' ? null : kind,
    state: kind === 'loopback' ? 'UNKNOWN' : 'UP',
    flags: ['UP', 'LOWER_UP'],
    mac: kind === 'loopback' ? '00:00:00:00:00:00' : `02:42:ac:11:${(ifindex >> 8) & 255}:${ifindex & 255}`,
    mtu: 1500,
    addresses,
    master: null,
    peer: null,
    linkIndex: null,
    linkNetnsId: null,
    ...extra,
  };
}

const NAT = (n: number) =>
  [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
    '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
    ...Array.from(
      { length: n },
      (_, i) =>
        `-A DOCKER ! -i docker0 -p tcp -m tcp --dport ${10000 + i} -j DNAT --to-destination ${containerIp(i)}:80`,
    ),
    'COMMIT',
    '',
  ].join('\n');

const containerIp = (i: number) => `172.17.${Math.floor((i + 2) / 256)}.${(i + 2) % 256}`;

/**
 * A Docker host with `n` bridge-mode containers on docker0, each publishing one port, and an uplink eth0 with
 * MASQUERADE. With `networks` > 1 the containers are dealt round the bridges docker0, br-net1, br-net2…
 */
export function syntheticSnapshot(n: number, networks = 1): Snapshot {
  const bridgeName = (k: number) => (k === 0 ? 'docker0' : `br-net${k}`);
  const hostId = '4026531840';
  const host: Namespace = {
    id: hostId,
    name: null,
    kind: 'host',
    mode: 'host',
    paths: ['/proc/1/ns/net'],
    pids: [1],
    processes: [{ pid: 1, command: 'systemd', pidNamespace: '1' }],
    interfaces: [
      iface('lo', 1, 'loopback', ['127.0.0.1/8']),
      iface('eth0', 2, 'physical', ['192.0.2.10/24']),
      ...Array.from({ length: networks }, (_, k) => iface(bridgeName(k), 3 + k, 'bridge', [`172.${17 + k}.0.1/16`])),
    ],
    routes: [
      {
        family: 'ipv4',
        dst: 'default',
        gateway: '192.0.2.1',
        dev: 'eth0',
        protocol: 'dhcp',
        scope: null,
        prefsrc: null,
        metric: 100,
        type: 'unicast',
      },
    ],
  };
  const namespaces: Namespace[] = [host];
  const snapshot: Snapshot = {
    takenAt: '2025-01-01T00:00:00.000Z',
    namespaces,
    vethPairs: [],
    bridges: [],
    portMappings: [],
    errors: [],
    discovery: { unreadable: 0 },
    nat: [],
  };
  const tables = parseIptablesSave(NAT(n)).tables;
  snapshot.nat.push({
    namespace: hostId,
    family: 'ipv4',
    source: 'iptables-save',
    ruleCount: tables.reduce((k, t) => k + t.chains.reduce((j, c) => j + c.rules.length, 0), 0),
    tables,
  });
  const ports: string[][] = Array.from({ length: networks }, () => []);
  for (let i = 0; i < n; i++) {
    const id = String(4026532000 + i);
    const hostEnd = `veth${i.toString(16).padStart(7, '0')}`;
    ports[i % networks]!.push(hostEnd);
    host.interfaces.push(
      iface(hostEnd, 10 + networks + i, 'veth', [], {
        master: bridgeName(i % networks),
        peer: { namespace: id, ifname: 'eth0' },
      }),
    );
    namespaces.push({
      id,
      name: `c${String(i).padStart(3, '0')}${'0'.repeat(9)}`,
      kind: 'docker',
      mode: 'bridge',
      paths: [`/var/run/docker/netns/c${i}`],
      pids: [1000 + i],
      processes: [{ pid: 1000 + i, command: 'redis-server', pidNamespace: String(5000 + i) }],
      interfaces: [
        iface('lo', 1, 'loopback', ['127.0.0.1/8']),
        iface('eth0', 2, 'veth', [`${containerIp(i)}/16`], { peer: { namespace: hostId, ifname: hostEnd } }),
      ],
      routes: [
        {
          family: 'ipv4',
          dst: 'default',
          gateway: '172.17.0.1',
          dev: 'eth0',
          protocol: null,
          scope: null,
          prefsrc: null,
          metric: null,
          type: 'unicast',
        },
      ],
    });
    snapshot.vethPairs.push({ a: { namespace: hostId, ifname: hostEnd }, b: { namespace: id, ifname: 'eth0' } });
    const mapping: PortMapping = {
      namespace: hostId,
      family: 'ipv4',
      protocol: 'tcp',
      hostIp: '0.0.0.0',
      hostPort: 10000 + i,
      targetIp: containerIp(i),
      targetPort: 80,
      targetNamespace: id,
      targetInterface: 'eth0',
      targetPids: [1000 + i],
      chain: 'DOCKER',
      chainPath: ['PREROUTING', 'DOCKER'],
      hooks: ['PREROUTING'],
      rule: `-A DOCKER ! -i docker0 -p tcp -m tcp --dport ${10000 + i} -j DNAT --to-destination ${containerIp(i)}:80`,
      ruleRef: { table: 'nat', chain: 'DOCKER', index: i + 1 },
      owner: 'docker',
      comment: null,
    };
    snapshot.portMappings.push(mapping);
  }
  for (let k = 0; k < networks; k++)
    snapshot.bridges.push({
      namespace: hostId,
      name: bridgeName(k),
      addresses: [`172.${17 + k}.0.1/16`],
      ports: ports[k]!.sort(),
    });
  return snapshot;
}
