// Property tests of buildSnapshot: over recorded and fuzzed raw data, the model never refers to a namespace or
// interface it does not hold.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import fc from 'fast-check';
import type { DiscoveredNamespace, Discovery, RawNamespaceData, Snapshot } from '../../src/core/model';
import { buildSnapshot } from '../../src/core/snapshot';
import { collectNamespace } from '../../src/host/collect';
import { ReplayRunner } from '../../src/host/recording';
import { FIXTURES, fuzzParams, mutate, mutationsArb, type Mutation } from './fuzz-config';

/**
 * Every reference in the model resolves: veth peers, pairs, bridge ports, mapping targets, error and NAT namespaces.
 */
function checkReferences(s: Snapshot): void {
  const byId = new Map(s.namespaces.map((n) => [n.id, n]));
  const iface = (ns: string, name: string) => byId.get(ns)?.interfaces.find((i) => i.name === name);
  for (const ns of s.namespaces) {
    assert.ok(['bridge', 'host', 'container', 'none', 'other'].includes(ns.mode));
    for (const i of ns.interfaces) {
      if (i.peer === null) continue;
      const peer = iface(i.peer.namespace, i.peer.ifname);
      assert.ok(peer, `peer of ${ns.id}/${i.name} exists: ${JSON.stringify(i.peer)}`);
      assert.equal(peer.peer?.namespace, ns.id, `peer of ${ns.id}/${i.name} points back`);
    }
  }
  for (const p of s.vethPairs) {
    const a = iface(p.a.namespace, p.a.ifname);
    const b = iface(p.b.namespace, p.b.ifname);
    assert.ok(a && b, `pair ends exist: ${JSON.stringify(p)}`);
    assert.deepEqual(a.peer, p.b);
    assert.deepEqual(b.peer, p.a);
  }
  for (const br of s.bridges) {
    assert.equal(iface(br.namespace, br.name)?.kind, 'bridge', `bridge ${br.namespace}/${br.name} exists`);
    const ifaces = byId.get(br.namespace)!.interfaces;
    for (const port of br.ports)
      assert.ok(
        ifaces.some((i) => i.name === port && i.master === br.name),
        `port ${port} of ${br.name} exists`,
      );
  }
  for (const m of s.portMappings) {
    assert.ok(byId.has(m.namespace), `mapping namespace ${m.namespace} exists`);
    if (m.targetNamespace === null) {
      assert.equal(m.targetInterface, null);
      continue;
    }
    assert.ok(byId.has(m.targetNamespace), `mapping target namespace ${m.targetNamespace} exists`);
    if (m.targetInterface !== null)
      assert.ok(
        iface(m.targetNamespace, m.targetInterface),
        `mapping target ${m.targetNamespace}/${m.targetInterface} exists`,
      );
  }
  for (const e of s.errors)
    assert.ok(e.namespace === null || byId.has(e.namespace), `error namespace ${e.namespace} exists`);
  for (const set of s.nat) assert.ok(byId.has(set.namespace), `rule set namespace ${set.namespace} exists`);
  JSON.stringify(s);
}

// The lab recording, collected once: ten namespaces with colliding ifindexes, veths, a bridge and DNAT rules.
let recorded: { discovery: Discovery; raw: RawNamespaceData[] } | undefined;
async function labRaw(): Promise<{ discovery: Discovery; raw: RawNamespaceData[] }> {
  if (!recorded) {
    const replay = new ReplayRunner(join(FIXTURES, 'recordings/lab'));
    const raw = await Promise.all(replay.discovery.namespaces.map((ns) => collectNamespace(replay, ns)));
    recorded = { discovery: replay.discovery, raw };
  }
  return recorded;
}

interface RawChange {
  drop: boolean;
  swapIpWith: number | null;
  ipMutations: Mutation[] | null;
  natMutations: Mutation[] | null;
  staleError: boolean;
}
const changeArb: fc.Arbitrary<RawChange> = fc.record({
  drop: fc.boolean(),
  swapIpWith: fc.option(fc.nat(20)),
  ipMutations: fc.option(mutationsArb(3), { freq: 3 }),
  natMutations: fc.option(mutationsArb(3), { freq: 3 }),
  staleError: fc.boolean(),
});

/** Applies the changes: namespaces vanish (as if deleted mid-collection), swap outputs, get corrupted output. */
function changed(
  base: { discovery: Discovery; raw: RawNamespaceData[] },
  changes: RawChange[],
): { discovery: Discovery; raw: RawNamespaceData[] } {
  const raw: RawNamespaceData[] = [];
  base.raw.forEach((r, i) => {
    const c = changes[i % changes.length]!;
    if (c.drop) return;
    const swapped = c.swapIpWith === null ? r.ip : base.raw[c.swapIpWith % base.raw.length]!.ip;
    raw.push({
      namespace: r.namespace,
      ip: swapped && c.ipMutations ? { ...swapped, text: mutate(swapped.text, c.ipMutations) } : swapped,
      nat: r.nat.map((n) => (c.natMutations ? { ...n, text: mutate(n.text, c.natMutations) } : n)),
      errors: c.staleError
        ? [
            ...r.errors,
            {
              namespace: r.namespace.id,
              command: 'ip',
              reason: 'failed',
              message: 'Cannot open network namespace: No such file or directory',
            },
          ]
        : r.errors,
    });
  });
  return { discovery: { ...base.discovery, namespaces: raw.map((r) => r.namespace) }, raw };
}

// Synthetic hosts: small pools of ifindexes, nsids, bridge names and addresses so that collisions are common.
const ADDRS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '127.0.0.1', 'fd00::2'];
const linkArb = fc.record({
  ifindex: fc.integer({ min: 1, max: 5 }),
  ifname: fc.constantFrom('lo', 'eth0', 'eth1', 'br0', 'veth1', 'veth2', '<b>'),
  kind: fc.constantFrom('veth', 'veth', 'bridge', 'dummy', null),
  link_index: fc.option(fc.integer({ min: 1, max: 5 })),
  link_netnsid: fc.option(fc.integer({ min: 0, max: 2 })),
  master: fc.option(fc.constantFrom('br0', 'br1', 'eth0')),
  addr: fc.option(fc.constantFrom(...ADDRS)),
});
const nsArb = fc.record({
  named: fc.boolean(),
  // The kernel keeps names and ifindexes unique within a namespace; collisions across namespaces are the point.
  links: fc
    .uniqueArray(linkArb, { maxLength: 5, selector: (l) => l.ifname })
    .map((ls) => ls.filter((l, i) => ls.findIndex((o) => o.ifindex === l.ifindex) === i)),
  nsids: fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 4 })), { maxLength: 3 }),
  dnat: fc.array(fc.tuple(fc.constantFrom(...ADDRS), fc.integer({ min: 1, max: 65535 })), { maxLength: 3 }),
  ipMissing: fc.boolean(),
});

type NsSpec = typeof nsArb extends fc.Arbitrary<infer T> ? T : never;

function synthetic(specs: NsSpec[]): { discovery: Discovery; raw: RawNamespaceData[] } {
  const namespaces: DiscoveredNamespace[] = specs.map((s, i) => ({
    id: String(1000 + i),
    dev: 4,
    ino: 1000 + i,
    kind: i === 0 ? 'host' : s.named ? 'named' : 'process',
    name: i === 0 ? null : s.named ? `ns${i}` : null,
    paths: [`/run/netns/ns${i}`],
    processes: [],
  }));
  const raw = specs.map((s, i): RawNamespaceData => {
    const links = s.links.map((l) => ({
      ifindex: l.ifindex,
      ifname: l.ifname,
      link_type: l.ifname === 'lo' ? 'loopback' : 'ether',
      ...(l.kind ? { linkinfo: { info_kind: l.kind } } : {}),
      ...(l.link_index !== null ? { link_index: l.link_index } : {}),
      ...(l.link_netnsid !== null ? { link_netnsid: l.link_netnsid } : {}),
      ...(l.master ? { master: l.master } : {}),
    }));
    const addrs = s.links
      .filter((l) => l.addr)
      .map((l) => ({
        ifindex: l.ifindex,
        addr_info: [{ family: l.addr!.includes(':') ? 'inet6' : 'inet', local: l.addr, prefixlen: 24 }],
      }));
    const nsids = s.nsids.map(([nsid, target]) => ({ nsid, name: `ns${target}` }));
    const rules = s.dnat.map(
      ([ip, port]) =>
        `-A PREROUTING -p tcp -m tcp --dport ${port} -j DNAT --to-destination ${ip.includes(':') ? `[${ip}]` : ip}:${port}`,
    );
    return {
      namespace: namespaces[i]!,
      ip: s.ipMissing
        ? null
        : { command: 'ip -j -d -batch -', text: [links, addrs, [], nsids].map((a) => JSON.stringify(a)).join('\n') },
      nat: [
        {
          family: 'ipv4',
          source: 'iptables-save',
          command: 'iptables-save -c',
          text: `*nat\n:PREROUTING ACCEPT [0:0]\n${rules.join('\n')}\nCOMMIT\n`,
        },
      ],
      errors: [],
    };
  });
  return { discovery: { namespaces, unreadable: 0, hostPidNamespace: null }, raw };
}

describe('fuzz: the model refers only to what exists', () => {
  it('the lab recording as recorded', async () => {
    const { discovery, raw } = await labRaw();
    const s = buildSnapshot(discovery, raw, 'now');
    assert.ok(
      s.vethPairs.length > 0 && s.bridges.length > 0 && s.portMappings.some((m) => m.targetNamespace !== null),
      'the base case has references to check',
    );
    checkReferences(s);
  });

  it('the lab recording with namespaces gone, outputs swapped between namespaces, and corrupted ip and NAT output', async () => {
    const base = await labRaw();
    fc.assert(
      fc.property(fc.array(changeArb, { minLength: 1, maxLength: 10 }), (changes) => {
        const { discovery, raw } = changed(base, changes);
        checkReferences(buildSnapshot(discovery, raw, 'now'));
      }),
      fuzzParams(0x30de1, 600),
    );
  });

  it('synthetic hosts with colliding ifindexes, nsids, bridge names and DNAT targets', () => {
    fc.assert(
      fc.property(fc.array(nsArb, { minLength: 1, maxLength: 5 }), (specs) => {
        const { discovery, raw } = synthetic(specs);
        checkReferences(buildSnapshot(discovery, raw, 'now'));
      }),
      fuzzParams(0x30de2, 3000),
    );
  });
});
