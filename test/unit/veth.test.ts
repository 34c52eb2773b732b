// veth pairing across namespaces where ifindex values collide, as they do on every container host.
import { strict as assert } from 'node:assert';
import type { NetInterface } from '../../src/core/model';
import { pairVeths, type PairingNamespace } from '../../src/core/veth';

function veth(name: string, ifindex: number, linkIndex: number, linkNetnsId: number | null): NetInterface {
  return {
    name,
    ifindex,
    kind: 'veth',
    infoKind: 'veth',
    state: 'UP',
    flags: [],
    mac: null,
    mtu: 1500,
    addresses: [],
    master: null,
    peer: null,
    linkIndex,
    linkNetnsId,
  };
}
function ns(
  id: string,
  name: string | null,
  interfaces: NetInterface[],
  nsids: [number, string][] = [],
): PairingNamespace {
  return { id, name, interfaces, nsidNames: new Map(nsids) };
}
const peerOf = (n: PairingNamespace, ifname: string) => n.interfaces.find((i) => i.name === ifname)!.peer;

describe('veth pairing', () => {
  it('pairs 50 containers whose eth0 all have ifindex 2', () => {
    const hostIfs: NetInterface[] = [];
    const containers: PairingNamespace[] = [];
    for (let k = 0; k < 50; k++) {
      hostIfs.push(veth(`veth${k}`, 10 + k, 2, k));
      containers.push(ns(`c${k}`, null, [veth('eth0', 2, 10 + k, 0)]));
    }
    const host = ns('h', null, hostIfs);
    const pairs = pairVeths([host, ...containers]);
    assert.equal(pairs.length, 50);
    for (let k = 0; k < 50; k++) assert.deepEqual(peerOf(host, `veth${k}`), { namespace: `c${k}`, ifname: 'eth0' });
  });

  it('uses nsid names to tell apart two identical direct pairs', () => {
    // a1<->b1 and a2<->b2: all four ends are ifindex 2 pointing at ifindex 2.
    const a1 = ns('a1', 'a1', [veth('p', 2, 2, 0)], [[0, 'b1']]);
    const b1 = ns('b1', 'b1', [veth('p', 2, 2, 0)], [[0, 'a1']]);
    const a2 = ns('a2', 'a2', [veth('p', 2, 2, 0)], [[0, 'b2']]);
    const b2 = ns('b2', 'b2', [veth('p', 2, 2, 0)], [[0, 'a2']]);
    const pairs = pairVeths([a1, b1, a2, b2]);
    assert.equal(pairs.length, 2);
    assert.equal(peerOf(a1, 'p')?.namespace, 'b1');
    assert.equal(peerOf(a2, 'p')?.namespace, 'b2');
  });

  it('learns an nsid from a certain pair and applies it to the ambiguous ones', () => {
    // Host H sees container C as nsid 5. eth1 in C (ifindex 3 -> 20) is unique and fixes nsid 5 = C;
    // eth0 (ifindex 2 -> 21) collides with another container D's eth0 pointing at H's ifindex 21? No:
    // D's eth0 points at 22, but a decoy E has eth0 2 -> 21 and is reachable only via nsid 6.
    const h = ns('H', null, [veth('v20', 20, 3, 5), veth('v21', 21, 2, 5), veth('v22', 22, 2, 6)]);
    const c = ns('C', null, [veth('eth1', 3, 20, 0), veth('eth0', 2, 21, 0)]);
    const e = ns('E', null, [veth('eth0', 2, 21, 0), veth('eth1', 5, 99, null)]);
    const d = ns('D', null, [veth('eth0', 2, 22, 0)]);
    pairVeths([h, c, e, d]);
    assert.deepEqual(peerOf(h, 'v21'), { namespace: 'C', ifname: 'eth0' });
    assert.deepEqual(peerOf(h, 'v22'), { namespace: 'D', ifname: 'eth0' });
    assert.equal(peerOf(e, 'eth0'), null, 'the decoy stays unresolved rather than guessed');
  });

  it('pairs both ends inside one namespace when there is no link_netnsid', () => {
    const one = ns('x', 'x', [veth('a', 2, 3, null), veth('b', 3, 2, null)]);
    const other = ns('y', 'y', [veth('a', 2, 3, null), veth('b', 3, 2, null)]);
    const pairs = pairVeths([one, other]);
    assert.equal(pairs.length, 2);
    assert.deepEqual(peerOf(one, 'a'), { namespace: 'x', ifname: 'b' });
    assert.deepEqual(peerOf(other, 'b'), { namespace: 'y', ifname: 'a' });
  });

  it('leaves a veth whose peer is in an unreadable namespace unresolved', () => {
    const lone = ns('l', null, [veth('eth0', 2, 40, 0)]);
    assert.equal(pairVeths([lone]).length, 0);
    assert.equal(peerOf(lone, 'eth0'), null);
  });
});
