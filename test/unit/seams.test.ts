// One answer to each question: the address owner (mappings and hovers agree) and the namespace a user named (every
// CLI command resolves it the same way, refusing ambiguity).
import { strict as assert } from 'node:assert';
import { AddressOwners } from '../../src/core/addressOwners';
import type { Namespace, NetInterface } from '../../src/core/model';
import { resolveNamespace } from '../../src/core/namespaceRef';
import { containersByNamespace } from '../../src/core/runtime';
import { SnapshotIndex } from '../../src/extension/tree/snapshotIndex';
import { buildSnapshot } from '../../src/core/snapshot';

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

  it('refuses an ambiguous name and says which ids to use, and says when nothing fits', () => {
    assert.match(resolveNamespace(list, 'dup') as string, /several namespaces are called "dup": use the id \(8, 9\)/);
    assert.match(resolveNamespace(list, 'nope') as string, /no namespace called "nope"/);
  });
});

describe('runtime metadata, linked by kernel identity', () => {
  it('links containers to namespaces by inode, several per namespace, and leaves out unknown namespaces', () => {
    const container = (name: string, namespace: string | null) => ({
      runtime: 'docker',
      id: `${name}-id`,
      name,
      namespace,
      networks: [],
      labels: {},
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
        errors: [],
      },
    });
    assert.deepEqual([...byNs.keys()], ['7']);
    assert.deepEqual(
      byNs.get('7')?.map((c) => c.name),
      ['redis', 'sidecar'],
    );
  });
});
