// One answer to each question: the address owner (mappings and hovers agree) and the namespace a user named (every
// CLI command resolves it the same way, refusing ambiguity).
import { strict as assert } from 'node:assert';
import { AddressOwners } from '../../src/core/addressOwners';
import type { Namespace, NetInterface, PortMapping } from '../../src/core/model';
import { resolveNamespace } from '../../src/core/namespaceRef';
import { containersByNamespace } from '../../src/core/runtime';
import { SnapshotIndex } from '../../src/extension/tree/snapshotIndex';
import { buildSnapshot, isServiceAddress } from '../../src/core/snapshot';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import { planAdd } from '../../src/core/mapping/plan';
import { portTakenMessage } from '../../src/core/mapping/conflicts';

const iface = (name: string, addresses: string[], peer: string | null = null): NetInterface => ({
  name,
  ifindex: 2,
  kind: 'veth',
  infoKind: 'veth',
  state: 'UP',
  flags: [],
  mac: null,
  mtu: 1500,
  addresses,
  master: null,
  peer: peer === null ? null : { namespace: peer, ifname: 'veth0' },
  linkIndex: null,
  linkNetnsId: null,
});
const ns = (
  id: string,
  name: string | null,
  interfaces: NetInterface[],
  kind: Namespace['kind'] = 'named',
): Namespace => ({
  id,
  name,
  kind,
  mode: 'bridge',
  paths: [],
  pids: [],
  processes: name === null ? [{ pid: 42, command: 'redis-server', pidNamespace: null }] : [],
  interfaces,
  routes: [],
});

describe('one address-owner policy', () => {
  // Two labs each hold 172.17.0.2; only the second is wired to the rule's namespace (id 10).
  const namespaces = [
    ns('10', 'host-b', []),
    ns('1', 'lab-a', [iface('eth0', ['172.17.0.2/16'])]),
    ns('2', 'lab-b', [iface('eth0', ['172.17.0.2/16'], '10')]),
    ns('3', 'only', [iface('eth0', ['10.9.0.5/24'])]),
  ];
  const owners = new AddressOwners(namespaces);

  it('prefers the holder wired to the asking namespace, names a sole holder, and refuses to guess', () => {
    assert.equal(owners.ownerOf('172.17.0.2', '10')?.ns.name, 'lab-b');
    assert.equal(owners.ownerOf('10.9.0.5', '10')?.ns.name, 'only');
    assert.equal(owners.ownerOf('172.17.0.2', null), undefined, 'two holders and no asking namespace: no guess');
    assert.equal(owners.ownerOf('192.0.2.1', '10'), undefined);
  });

  it('gives the hover the owner the mapping has', () => {
    const snapshot = buildSnapshot({ namespaces: [], unreadable: 0, hostPidNamespace: null }, [], '');
    const idx = new SnapshotIndex({ ...snapshot, namespaces });
    assert.equal(idx.ownerOf('172.17.0.2', '10')?.ns.id, owners.ownerOf('172.17.0.2', '10')?.ns.id);
  });
});

describe('one namespace resolver', () => {
  const list = [
    ns('1', null, [], 'host'),
    ns('7', 'web', []),
    ns('8', 'dup', []),
    ns('9', 'dup', []),
    ns('11', null, []),
  ];

  it('finds host, ids, names and labels', () => {
    assert.equal((resolveNamespace(list, 'host') as Namespace).id, '1');
    assert.equal((resolveNamespace(list, '9') as Namespace).id, '9');
    assert.equal((resolveNamespace(list, 'web') as Namespace).id, '7');
    assert.equal((resolveNamespace(list, 'redis-server (pid 42)') as Namespace).id, '11');
  });

  it('finds a container by name, also one of several sharing a namespace, and refuses one in two namespaces', () => {
    const named = [
      { ...ns('20', 'a1b2c3d4e5f6', []), containerNames: ['redis', 'sidecar'] },
      { ...ns('21', 'b2c3d4e5f6a1', []), containerNames: ['api'] },
      { ...ns('22', 'c3d4e5f6a1b2', []), containerNames: ['api'] },
    ];
    assert.equal((resolveNamespace(named, 'sidecar') as Namespace).id, '20');
    assert.equal((resolveNamespace(named, 'redis') as Namespace).id, '20');
    assert.match(
      resolveNamespace(named, 'api') as string,
      /several namespaces are called "api": use the id \(21 api, 22 api\)/,
    );
  });

  it('refuses an ambiguous name and says which ids to use, and says when nothing fits', () => {
    assert.match(
      resolveNamespace(list, 'dup') as string,
      /several namespaces are called "dup": use the id \(8 dup, 9 dup\)/,
    );
    assert.match(resolveNamespace(list, 'nope') as string, /no namespace called "nope"/);
  });
});

describe('runtime metadata, linked by kernel identity', () => {
  it('links containers to namespaces by inode, several per namespace, and leaves out unknown namespaces', () => {
    const container = (name: string, namespace: string | null) => ({
      runtime: 'docker' as const,
      id: `${name}-id`,
      name,
      namespace,
      networks: [],
      image: null,
      networkMode: null,
      project: null,
      service: null,
      lab: null,
      pod: null,
      podNamespace: null,
    });
    const byNs = containersByNamespace({
      namespaces: [ns('7', 'a1b2c3d4e5f6', []), ns('8', null, [])],
      runtime: {
        containers: [
          container('redis', '7'),
          container('sidecar', '7'),
          container('gone', '99'),
          container('stopped', null),
        ],
        networks: [],
        runtimes: [],
      },
    });
    assert.deepEqual([...byNs.keys()], ['7']);
    assert.deepEqual(
      byNs.get('7')?.map((c) => c.name),
      ['redis', 'sidecar'],
    );
  });
});

describe('Kubernetes service addresses are not host ports', () => {
  it('marks a DNAT of an address the namespace does not hold as a service, and only that', () => {
    const host = ns('1', 'node', [iface('eth0', ['192.0.2.10/24'])], 'host');
    assert.equal(isServiceAddress('10.96.0.1', host), true, 'a ClusterIP');
    assert.equal(isServiceAddress('192.0.2.10', host), false, 'the node address');
    assert.equal(isServiceAddress('0.0.0.0', host), false);
    assert.equal(isServiceAddress('127.0.0.1', host), false);
    assert.equal(isServiceAddress('10.96.0.1', ns('2', 'unread', [])), false, 'no links read: no judgement');
  });

  it('a mapping on port 443 does not conflict with a ClusterIP on 443, but does with the node address', () => {
    const dump = parseIptablesSave(
      [
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':POSTROUTING ACCEPT [0:0]',
        ':KUBE-SERVICES - [0:0]',
        '-A PREROUTING -j KUBE-SERVICES',
        '-A OUTPUT -j KUBE-SERVICES',
        '-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j DNAT --to-destination 192.0.2.10:6443',
        '-A KUBE-SERVICES -d 192.0.2.10/32 -p tcp -m tcp --dport 8443 -j DNAT --to-destination 10.244.0.5:443',
        'COMMIT',
        '*filter',
        ':FORWARD DROP [0:0]',
        'COMMIT',
        '',
      ].join('\n'),
    );
    const spec = {
      family: 'ipv4' as const,
      protocol: 'tcp' as const,
      hostIp: null,
      hostPort: 443,
      targetIp: '10.0.0.2',
      targetPort: 80,
    };
    assert.equal(planAdd(dump, spec, [], ['192.0.2.10', '127.0.0.1']).ok, true, 'the ClusterIP is a service');
    assert.equal(planAdd(dump, spec, []).ok, false, 'without the addresses, every binding counts (conservative)');
    assert.equal(planAdd(dump, { ...spec, hostPort: 8443 }, [], ['192.0.2.10']).ok, false, 'the node address is local');
  });
});

describe('a taken host port, in words', () => {
  it('brackets IPv6, names the target and suggests the next free port', () => {
    const mapping = (
      hostIp: string,
      hostPort: number | string,
      targetIp: string,
      family: 'ipv4' | 'ipv6',
    ): PortMapping => ({
      namespace: '1',
      family,
      protocol: 'tcp',
      hostIp,
      hostPort,
      targetIp,
      targetPort: 80,
      targetNamespace: '7',
      targetInterface: 'eth0',
      targetPids: [],
      chain: 'DOCKER',
      chainPath: ['PREROUTING', 'DOCKER'],
      hooks: ['PREROUTING'],
      rule: '',
      ruleRef: { table: 'nat', chain: 'DOCKER', index: 0 },
      owner: 'docker',
      comment: null,
    });
    const mappings = [
      mapping('::', 8080, 'fd00:6e78::2', 'ipv6'),
      mapping('0.0.0.0', '8081-8083', '172.17.0.2', 'ipv4'),
    ];
    const said = portTakenMessage(mappings, '1', 'tcp', 8080, () => 'web1');
    assert.equal(
      said,
      '[::]:8080/tcp is already published by Docker: [::]:8080/tcp → [fd00:6e78::2]:80 (web1); 8084 is free',
    );
    assert.equal(
      portTakenMessage(mappings, '1', 'tcp', 9000, () => 'web1'),
      undefined,
    );
    assert.equal(
      portTakenMessage(mappings, '1', 'udp', 8080, () => 'web1'),
      undefined,
    );
  });
});
