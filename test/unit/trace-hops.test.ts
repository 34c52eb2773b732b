// Hops the trace used to get wrong: a bridge with an uplink port (physical or VXLAN) is a way out, a gateway answered
// by proxy ARP (Calico's 169.254.1.1) is reachable, and reverse-path filtering (strict and loose) drops spoofed
// sources.
import { strict as assert } from 'node:assert';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import { parseSs } from '../../src/core/listeners';
import type { Namespace, NetInterface, Route, Snapshot } from '../../src/core/model';
import { traceConnection } from '../../src/core/trace/trace';
import type { NamespaceExtras, TraceRequest } from '../../src/core/trace/types';

const iface = (name: string, addresses: string[], extra: Partial<NetInterface> = {}): NetInterface => ({
  name,
  ifindex: 1,
  kind: 'veth',
  infoKind: 'veth',
  state: 'UP',
  flags: ['UP', 'LOWER_UP'],
  mac: null,
  mtu: 1500,
  addresses,
  master: null,
  peer: null,
  linkIndex: null,
  linkNetnsId: null,
  ...extra,
});
const route = (dst: string, dev: string, gateway: string | null = null): Route => ({
  family: 'ipv4',
  dst,
  gateway,
  dev,
  protocol: null,
  scope: null,
  prefsrc: null,
  metric: null,
  type: null,
});
const ns = (id: string, name: string, interfaces: NetInterface[], routes: Route[]): Namespace => ({
  id,
  name,
  kind: 'named',
  mode: 'bridge',
  paths: [],
  pids: [],
  processes: [],
  interfaces: [iface('lo', ['127.0.0.1/8'], { kind: 'loopback', infoKind: null }), ...interfaces],
  routes,
});
const snapshot = (namespaces: Namespace[]): Snapshot => ({
  takenAt: '',
  namespaces,
  vethPairs: [],
  bridges: [],
  errors: [],
  discovery: { unreadable: 0 },
  nat: [],
  portMappings: [],
});
const extras = (sysctls: Record<string, Record<string, string>>, listen: Record<string, string> = {}) =>
  new Map<string, NamespaceExtras>(
    Object.entries(sysctls).map(([id, s]) => [
      id,
      { listeners: parseSs(listen[id] ?? '').listeners, sysctls: { 'ipv4/ip_forward': '1', ...s }, errors: [] },
    ]),
  );
const local = (namespace: string, dst: string, dport = 80): TraceRequest => ({
  source: { kind: 'local', namespace },
  dst,
  dport,
  protocol: 'tcp',
});

describe('trace: uplink bridges, proxy ARP, reverse-path filtering', () => {
  it('a container on a bridge with a physical port reaches an address beyond it: the packet leaves the host', () => {
    const host = ns(
      '1',
      'host',
      [
        iface('br0', ['192.0.2.10/24'], { kind: 'bridge', infoKind: 'bridge' }),
        iface('eth0', [], { kind: 'physical', infoKind: null, master: 'br0' }),
        iface('vethc', [], { master: 'br0', peer: { namespace: '2', ifname: 'eth0' } }),
      ],
      [route('192.0.2.0/24', 'br0')],
    );
    const c = ns(
      '2',
      'c',
      [iface('eth0', ['192.0.2.20/24'], { peer: { namespace: '1', ifname: 'vethc' } })],
      [route('192.0.2.0/24', 'eth0')],
    );
    const r = traceConnection(snapshot([host, c]), extras({ '1': {}, '2': {} }), local('2', '192.0.2.99'));
    assert.equal(r.verdict.kind, 'left', r.summary);
    assert.match(r.summary, /left host through eth0/);
    assert.ok(r.outcomes[0]?.steps.some((st) => /floods the frame to its port eth0 \(physical\)/.test(st.text)));
  });

  it("a gateway nobody owns is reachable when the host side answers ARP for it (Calico's 169.254.1.1)", () => {
    const host = ns(
      '1',
      'host',
      [iface('cali1', [], { peer: { namespace: '2', ifname: 'eth0' } }), iface('eth1', ['198.18.0.1/24'])],
      [route('10.244.0.5/32', 'cali1'), route('198.18.0.0/24', 'eth1')],
    );
    const pod = ns(
      '2',
      'pod',
      [iface('eth0', ['10.244.0.5/32'], { peer: { namespace: '1', ifname: 'cali1' } })],
      [route('169.254.1.1/32', 'eth0'), route('default', 'eth0', '169.254.1.1')],
    );
    const listening = { '1': 'tcp LISTEN 0 511 *:80 *:* users:(("web",pid=7,fd=3))' };
    const off = traceConnection(
      snapshot([host, pod]),
      extras({ '1': {}, '2': {} }, listening),
      local('2', '198.18.0.1'),
    );
    assert.equal(off.verdict.kind, 'unreachable', 'without proxy_arp nobody answers for 169.254.1.1');
    const on = traceConnection(
      snapshot([host, pod]),
      extras({ '1': { 'ipv4/conf/cali1/proxy_arp': '1' }, '2': {} }, listening),
      local('2', '198.18.0.1'),
    );
    assert.equal(on.verdict.kind, 'delivered', on.summary);
  });

  it('strict rp_filter drops a source whose route back leaves by another interface; loose needs only a route', () => {
    const host = ns(
      '1',
      'host',
      [iface('eth0', ['198.18.0.1/24']), iface('eth1', ['203.0.113.1/24'])],
      [route('198.18.0.0/24', 'eth0'), route('203.0.113.0/24', 'eth1')],
    );
    const listening = { '1': 'tcp LISTEN 0 511 *:80 *:* users:(("web",pid=7,fd=3))' };
    // A packet on eth0 claiming a source that lives behind eth1.
    const spoofed: TraceRequest = {
      source: { kind: 'outside', namespace: '1', iface: 'eth0', address: '203.0.113.50' },
      dst: '198.18.0.1',
      dport: 80,
      protocol: 'tcp',
    };
    const strict = traceConnection(
      snapshot([host]),
      extras({ '1': { 'ipv4/conf/all/rp_filter': '1' } }, listening),
      spoofed,
    );
    assert.equal(strict.verdict.kind, 'dropped');
    assert.match(strict.summary, /rp_filter on eth0/);
    // Loose filtering only needs a route back: the request gets in (its reply then leaves by eth1, asymmetric).
    const loose = traceConnection(
      snapshot([host]),
      extras({ '1': { 'ipv4/conf/eth0/rp_filter': '2' } }, listening),
      spoofed,
    );
    assert.doesNotMatch(loose.summary, /rp_filter/);
    assert.match(
      loose.summary,
      /the request reached host, but its reply was dropped in host: the reply leaves through eth1/,
    );
    const off = traceConnection(snapshot([host]), extras({ '1': {} }, listening), spoofed);
    assert.doesNotMatch(off.summary, /rp_filter/);
  });
});

describe('trace: small semantics', () => {
  /** A host with a bridge br0 and one container behind it; filter rules of the host are given. */
  function bridged(hostFilter: string[], hostRaw: string[] = []): Snapshot {
    const host = ns(
      '1',
      'host',
      [
        iface('br0', ['10.0.0.1/24'], { kind: 'bridge', infoKind: 'bridge' }),
        iface('vethc', [], { master: 'br0', peer: { namespace: '2', ifname: 'eth0' } }),
        iface('eth1', ['198.18.0.1/24']),
      ],
      [route('10.0.0.0/24', 'br0'), route('198.18.0.0/24', 'eth1')],
    );
    const c = ns(
      '2',
      'c',
      [iface('eth0', ['10.0.0.2/24'], { peer: { namespace: '1', ifname: 'vethc' } })],
      [route('10.0.0.0/24', 'eth0'), route('default', 'eth0', '10.0.0.1')],
    );
    const dump = [
      '*raw',
      ':PREROUTING ACCEPT [0:0]',
      ...hostRaw,
      'COMMIT',
      '*filter',
      ':INPUT ACCEPT [0:0]',
      ':FORWARD ACCEPT [0:0]',
      ...hostFilter,
      'COMMIT',
      '',
    ].join('\n');
    const tables = parseIptablesSave(dump).tables;
    return {
      ...snapshot([host, c]),
      nat: [{ namespace: '1', family: 'ipv4', source: 'iptables-save', tables, ruleCount: 0 }],
    };
  }
  const nf = { 'bridge/bridge-nf-call-iptables': '1' };
  const web = { '1': 'tcp LISTEN 0 511 *:80 *:* users:(("web",pid=7,fd=3))' };

  it('--physdev-in matches a routed frame that came in through that bridge port (br_netfilter on)', () => {
    const snap = bridged(['-A INPUT -m physdev --physdev-in vethc -j DROP']);
    const on = traceConnection(snap, extras({ '1': nf, '2': {} }, web), local('2', '10.0.0.1'));
    assert.equal(on.verdict.kind, 'dropped', on.summary);
    const off = traceConnection(snap, extras({ '1': {}, '2': {} }, web), local('2', '10.0.0.1'));
    assert.equal(off.verdict.kind, 'delivered', 'without br_netfilter iptables sees no bridge port');
    const other = traceConnection(
      bridged(['-A INPUT -m physdev --physdev-in vethX -j DROP']),
      extras({ '1': nf, '2': {} }, web),
      local('2', '10.0.0.1'),
    );
    assert.equal(other.verdict.kind, 'delivered');
    assert.ok(
      other.outcomes[0]?.steps.some((s) => s.text === 'skipped: it came in through bridge port vethc, not vethX'),
    );
  });

  it("a mark set in the container's namespace is gone in the host's (the veth scrubs it)", () => {
    const snap = bridged(['-A INPUT -m mark --mark 0x1 -j DROP']);
    const c = snap.namespaces[1]!;
    const withMark: Snapshot = {
      ...snap,
      nat: [
        ...snap.nat,
        {
          namespace: c.id,
          family: 'ipv4',
          source: 'iptables-save',
          ruleCount: 1,
          tables: parseIptablesSave(
            '*mangle\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -j MARK --set-xmark 0x1/0xffffffff\nCOMMIT\n',
          ).tables,
        },
      ],
    };
    const r = traceConnection(withMark, extras({ '1': {}, '2': {} }, web), local('2', '10.0.0.1'));
    assert.equal(r.verdict.kind, 'delivered', r.summary);
    assert.ok(r.outcomes[0]?.steps.some((s) => /the mark 0x1 set in the last namespace is cleared/.test(s.text)));
  });

  it('the martian-source check comes after raw PREROUTING: a raw DROP for it is what the trace names', () => {
    const snap = bridged([], ['-A PREROUTING -s 127.0.0.0/8 -j DROP']);
    const r = traceConnection(snap, extras({ '1': {}, '2': {} }, web), {
      source: { kind: 'outside', namespace: '1', iface: 'eth1', address: '127.0.0.5' },
      dst: '198.18.0.1',
      dport: 80,
      protocol: 'tcp',
    });
    assert.match(r.summary, /dropped by rule 1 of raw PREROUTING/);
  });
});
