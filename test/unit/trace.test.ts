// The trace engine on hand-built snapshots: matches, chain walking (-j, -g, RETURN, policies, statistic), NAT, routing
// and hops.
import { strict as assert } from 'node:assert';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import type { Namespace, NetInterface, Route, Snapshot } from '../../src/core/model';
import { deriveMappings } from '../../src/core/portMappings';
import { formatIp, inCidr, parseCidr, parseIp } from '../../src/core/net/address';
import { parseSs } from '../../src/core/listeners';
import { addressType } from '../../src/core/iptables/matches/addrtype';
import { interfaceMatches } from '../../src/core/net/iface';
import { renderTrace } from '../../src/core/trace/render';
import { traceConnection } from '../../src/core/trace/trace';
import type { NamespaceExtras, TraceRequest } from '../../src/core/trace/types';
import { dockerRules } from '../lab/lab';
import { isIptablesSet } from '../../src/core/rules/iptables';

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
  family: dst.includes(':') || gateway?.includes(':') ? 'ipv6' : 'ipv4',
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
  kind: id === '1' ? 'host' : 'named',
  mode: 'bridge',
  paths: [],
  pids: [],
  processes: [],
  interfaces,
  routes,
});

/** The lab's shape: host (1) with uplink eth0 and bridge nxlbr0, web1 (2) behind it, an outside client (3). */
function labSnapshot(): Snapshot {
  const lo = iface('lo', ['127.0.0.1/8', '::1/128'], { kind: 'loopback' });
  const host = ns(
    '1',
    'host',
    [
      lo,
      iface('nxlbr0', ['172.31.240.1/24', 'fd00:6e78::1/64'], { kind: 'bridge' }),
      iface('eth0', ['198.18.0.1/24'], { peer: { namespace: '3', ifname: 'eth0' } }),
      iface('nxlv-web1', [], { master: 'nxlbr0', peer: { namespace: '2', ifname: 'eth0' } }),
    ],
    [route('198.18.0.0/24', 'eth0'), route('172.31.240.0/24', 'nxlbr0'), route('fd00:6e78::/64', 'nxlbr0')],
  );
  const web1 = ns(
    '2',
    'web1',
    [lo, iface('eth0', ['172.31.240.2/24', 'fd00:6e78::2/64'], { peer: { namespace: '1', ifname: 'nxlv-web1' } })],
    [route('172.31.240.0/24', 'eth0'), route('default', 'eth0', '172.31.240.1')],
  );
  const out = ns(
    '3',
    'out',
    [lo, iface('eth0', ['198.18.0.2/24'], { peer: { namespace: '1', ifname: 'eth0' } })],
    [route('198.18.0.0/24', 'eth0')],
  );
  const tables = parseIptablesSave(dockerRules('ipv4')).tables;
  const nat = tables.find((t) => t.name === 'nat');
  return {
    takenAt: '',
    namespaces: [host, web1, out],
    vethPairs: [],
    bridges: [],
    errors: [],
    discovery: { unreadable: 0 },
    nat: [{ namespace: '1', family: 'ipv4', source: 'iptables-save', tables, ruleCount: 0 }],
    portMappings: nat ? deriveMappings(nat, '1', 'ipv4') : [],
  };
}

const listening = (lines: string): NamespaceExtras => ({
  listeners: parseSs(lines).listeners,
  sysctls: { 'ipv4/ip_forward': '1', 'bridge/bridge-nf-call-iptables': '1' },
  errors: [],
});
const extras = new Map<string, NamespaceExtras>([
  ['1', listening('')],
  ['2', listening('tcp LISTEN 0 511 *:80 *:* users:(("nginx",pid=42,fd=6))')],
  ['3', listening('')],
]);
const outside = (dst: string, dport: number, protocol: 'tcp' | 'udp' = 'tcp'): TraceRequest => ({
  source: { kind: 'outside', namespace: '1', iface: 'eth0' },
  dst,
  dport,
  protocol,
});

describe('trace: addresses and matches', () => {
  it('parses and contains IPv4 and IPv6 prefixes', () => {
    const a = parseIp('172.31.240.2');
    const c = parseCidr('172.31.240.0/24');
    assert.ok(a && c && inCidr(a, c));
    const v6 = parseIp('fd00:6e78::2');
    const c6 = parseCidr('fd00:6e78::/64');
    assert.ok(v6 && c6 && inCidr(v6, c6));
    assert.ok(a && c6 && !inCidr(a, c6));
    assert.equal(formatIp(parseIp('fd00:0:0:0:0:0:0:2') ?? { v6: true, value: 0n }), 'fd00::2');
    assert.equal(parseCidr('10.0.0.0/255.0.0.0')?.prefix, 8);
  });

  it('matches interface wildcards and address types from the namespace', () => {
    assert.ok(interfaceMatches('veth+', 'veth12ab'));
    assert.ok(!interfaceMatches('veth+', 'eth0'));
    assert.ok(!interfaceMatches('eth0', null));
    const env = { addresses: ['10.0.0.1/24'], hook: 'PREROUTING' };
    assert.deepEqual(addressType('10.0.0.1', env), ['LOCAL']);
    assert.deepEqual(addressType('127.0.0.5', env), ['LOCAL']);
    assert.deepEqual(addressType('10.0.0.255', env), ['BROADCAST']);
    assert.deepEqual(addressType('10.0.0.2', env), ['UNICAST']);
  });
});

describe('trace: the packet path on Docker 28 rules', () => {
  it('follows a published port from outside: DNAT, FORWARD, the bridge, the listener, and the reply', () => {
    const s = labSnapshot();
    const r = traceConnection(s, extras, outside('198.18.0.1', 8080));
    assert.equal(r.verdict.kind, 'delivered');
    assert.equal(r.summary, 'delivered to web1 172.31.240.2:80 (process nginx)');
    assert.deepEqual(
      r.outcomes[0]?.steps.filter((x) => x.kind === 'hook').map((x) => x.title),
      ['raw PREROUTING', 'nat PREROUTING', 'filter FORWARD', 'nat POSTROUTING'],
    );
    const dnat = r.outcomes[0]?.steps.find((x) => x.kind === 'nat');
    assert.equal(dnat?.rule?.chain, 'DOCKER');
    assert.match(dnat?.text ?? '', /172\.31\.240\.2:80/);
    assert.deepEqual(
      r.outcomes[0]?.path.map((h) => h.namespace),
      ['1', '2'],
    );
    // The reply is ESTABLISHED: DOCKER-FORWARD accepts it, and conntrack restores the published address.
    assert.equal(r.outcomes[0]?.reply?.delivered, true);
    assert.ok(r.outcomes[0]?.reply?.steps.some((x) => /source back to 198\.18\.0\.1:8080/.test(x.text)));
    assert.match(renderTrace(s, r), /^verdict: delivered to web1/m);
  });

  it('drops direct access to a container address in raw PREROUTING', () => {
    const r = traceConnection(labSnapshot(), extras, outside('172.31.240.2', 80));
    assert.equal(r.verdict.kind, 'dropped');
    assert.equal(r.verdict.kind === 'dropped' ? r.verdict.rule?.table : '', 'raw');
  });

  it('refuses 127.0.0.1 from the host and explains the missing userland proxy', () => {
    const r = traceConnection(labSnapshot(), extras, {
      source: { kind: 'local', namespace: '1' },
      dst: '127.0.0.1',
      dport: 8080,
      protocol: 'tcp',
    });
    assert.equal(r.verdict.kind, 'refused');
    const steps = r.outcomes[0]?.steps ?? [];
    assert.ok(
      steps.some((x) => x.title === 'nat OUTPUT'),
      'locally generated packets take OUTPUT',
    );
    assert.ok(!steps.some((x) => x.title === 'nat PREROUTING'));
    assert.ok(steps.some((x) => /docker-proxy/.test(x.text)));
  });

  it('names what it cannot evaluate and marks the step uncertain', () => {
    const s = labSnapshot();
    const user = s.nat
      .filter(isIptablesSet)[0]
      ?.tables.find((t) => t.name === 'filter')
      ?.chains.find((c) => c.name === 'DOCKER-USER');
    const parsed = parseIptablesSave(
      '*filter\n:DOCKER-USER - [0:0]\n-A DOCKER-USER -m set --match-set blocked src -j DROP\nCOMMIT\n',
    );
    const rule = parsed.tables[0]?.chains[0]?.rules[0];
    assert.ok(user && rule);
    user.rules = [rule];
    const r = traceConnection(s, extras, outside('198.18.0.1', 8080));
    assert.equal(r.verdict.kind, 'delivered');
    assert.equal(r.uncertain, true);
    const step = r.outcomes[0]?.steps.find((x) =>
      x.assumptions.some((a) => /match-set blocked src: cannot be evaluated here; assumed not to match/.test(a)),
    );
    assert.ok(step?.uncertain);
  });

  it("branches on statistic matches with each branch's probability, following -g and RETURN", () => {
    const kube = [
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-SVC - [0:0]',
      ':KUBE-SEP-1 - [0:0]',
      ':KUBE-SEP-2 - [0:0]',
      ':KUBE-SEP-3 - [0:0]',
      ':SKIP - [0:0]',
      '-A PREROUTING -j KUBE-SERVICES',
      '-A KUBE-SERVICES -d 198.18.0.1/32 -p tcp -m tcp --dport 80 -g KUBE-SVC',
      '-A KUBE-SERVICES -j DROP',
      '-A KUBE-SVC -j SKIP',
      '-A KUBE-SVC -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-1',
      '-A KUBE-SVC -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-2',
      '-A KUBE-SVC -j KUBE-SEP-3',
      '-A SKIP -j RETURN',
      '-A KUBE-SEP-1 -p tcp -m tcp -j DNAT --to-destination 172.31.240.2:80',
      '-A KUBE-SEP-2 -p tcp -m tcp -j DNAT --to-destination 172.31.240.2:81',
      '-A KUBE-SEP-3 -p tcp -m tcp -j DNAT --to-destination 172.31.240.2:82',
      'COMMIT',
      '',
    ].join('\n');
    const s = labSnapshot();
    const set = s.nat.filter(isIptablesSet)[0];
    assert.ok(set);
    set.tables = [...set.tables.filter((t) => t.name !== 'nat'), ...parseIptablesSave(kube).tables];
    const r = traceConnection(s, extras, outside('198.18.0.1', 80));
    assert.equal(r.outcomes.length, 3, r.summary);
    for (const o of r.outcomes) assert.ok(Math.abs(o.probability - 1 / 3) < 1e-6, r.summary);
    // Only port 80 is accepted by filter DOCKER: the other two backends meet Docker 28's drop of unpublished ports.
    assert.equal(r.outcomes.filter((o) => o.verdict.kind === 'delivered').length, 1);
    assert.equal(
      r.outcomes.filter((o) => o.verdict.kind === 'dropped' && o.verdict.rule?.chain === 'DOCKER').length,
      2,
    );
    // The DROP after the goto is never reached, and the choices are listed per branch.
    assert.ok(r.outcomes.every((o) => o.choices.length >= 1));
  });

  it('drops when forwarding is off, and reports a missing route', () => {
    const off = new Map(extras);
    off.set('1', { ...listening(''), sysctls: { 'ipv4/ip_forward': '0' } });
    const r = traceConnection(labSnapshot(), off, outside('198.18.0.1', 8080));
    assert.equal(r.verdict.kind, 'dropped');
    assert.match(r.summary, /forwarding is off/);
    const none = traceConnection(labSnapshot(), extras, {
      source: { kind: 'local', namespace: '3' },
      dst: '10.9.9.9',
      dport: 80,
      protocol: 'tcp',
    });
    assert.equal(none.verdict.kind, 'unreachable');
  });
});
