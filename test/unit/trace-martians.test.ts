// Martian packets and route_localnet: 127.0.0.0/8 and ::1 from the wire are dropped by the kernel's routing (IPv4,
// after PREROUTING) or before any hook (IPv6), unless route_localnet (the device's OR all) allows IPv4.
import { strict as assert } from 'node:assert';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import { parseSs } from '../../src/core/listeners';
import type { Namespace, NetInterface, Route, Snapshot } from '../../src/core/model';
import { traceConnection } from '../../src/core/trace/trace';
import type { NamespaceExtras, TraceRequest } from '../../src/core/trace/types';

const iface = (name: string, addresses: string[], kind: NetInterface['kind'] = 'veth'): NetInterface => ({
  name,
  ifindex: 1,
  kind,
  infoKind: null,
  state: 'UP',
  flags: ['UP', 'LOWER_UP'],
  mac: null,
  mtu: 1500,
  addresses,
  master: null,
  peer: null,
  linkIndex: null,
  linkNetnsId: null,
});
const route = (dst: string, dev: string): Route => ({
  family: dst.includes(':') ? 'ipv6' : 'ipv4',
  dst,
  gateway: null,
  dev,
  protocol: null,
  scope: null,
  prefsrc: null,
  metric: null,
  type: null,
});

/** One host: eth0 to the outside, a listener on every address at 8080, and the given nat rules. */
function host(natRules: string[]): Snapshot {
  const ns: Namespace = {
    id: '1',
    name: 'host',
    kind: 'named',
    mode: 'bridge',
    paths: [],
    pids: [],
    processes: [],
    interfaces: [iface('lo', ['127.0.0.1/8', '::1/128'], 'loopback'), iface('eth0', ['198.18.0.1/24', 'fd00:1::1/64'])],
    routes: [route('198.18.0.0/24', 'eth0'), route('fd00:1::/64', 'eth0')],
  };
  const dump = ['*nat', ':PREROUTING ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ...natRules, 'COMMIT', ''].join('\n');
  const tables = parseIptablesSave(dump).tables;
  return {
    takenAt: '',
    namespaces: [ns],
    vethPairs: [],
    bridges: [],
    errors: [],
    discovery: { unreadable: 0 },
    nat: [{ namespace: '1', family: 'ipv4', source: 'iptables-save', tables, ruleCount: natRules.length }],
    portMappings: [],
  };
}

const extras = (sysctls: Record<string, string>) =>
  new Map<string, NamespaceExtras>([
    [
      '1',
      {
        listeners: parseSs('tcp LISTEN 0 511 *:8080 *:* users:(("server",pid=42,fd=6))').listeners,
        sysctls: { 'ipv4/ip_forward': '1', ...sysctls },
        errors: [],
      },
    ],
  ]);
const OFF = { 'ipv4/conf/eth0/route_localnet': '0', 'ipv4/conf/all/route_localnet': '0' };
const fromOutside = (dst: string, dport: number): TraceRequest => ({
  source: { kind: 'outside', namespace: '1', iface: 'eth0', address: dst.includes(':') ? 'fd00:1::2' : '198.18.0.2' },
  dst,
  dport,
  protocol: 'tcp',
});

describe('trace: martian packets and route_localnet', () => {
  it('drops a packet from the wire for 127.0.0.1 as a martian destination, after PREROUTING', () => {
    const r = traceConnection(host([]), extras(OFF), fromOutside('127.0.0.1', 8080));
    assert.equal(r.verdict.kind, 'dropped');
    assert.match(r.summary, /martian destination 127\.0\.0\.1 on eth0/);
    const steps = r.outcomes[0].steps.map((s) => s.title);
    assert.ok(steps.indexOf('nat PREROUTING') < steps.indexOf('martian destination'), steps.join(' | '));
    assert.equal(r.uncertain, false);
  });

  it('drops a DNAT to 127.0.0.1 in PREROUTING without route_localnet, and delivers it with all=1 (kube-proxy)', () => {
    const snapshot = host(['-A PREROUTING -p tcp -m tcp --dport 9000 -j DNAT --to-destination 127.0.0.1:8080']);
    const off = traceConnection(snapshot, extras(OFF), fromOutside('198.18.0.1', 9000));
    assert.equal(off.verdict.kind, 'dropped');
    assert.match(off.summary, /martian destination 127\.0\.0\.1/);
    const allOn = { ...OFF, 'ipv4/conf/all/route_localnet': '1' };
    const on = traceConnection(snapshot, extras(allOn), fromOutside('198.18.0.1', 9000));
    assert.equal(on.verdict.kind, 'delivered', on.summary);
    const devOn = { ...OFF, 'ipv4/conf/eth0/route_localnet': '1' };
    assert.equal(traceConnection(snapshot, extras(devOn), fromOutside('198.18.0.1', 9000)).verdict.kind, 'delivered');
  });

  it('marks the verdict uncertain when route_localnet could not be read', () => {
    const r = traceConnection(host([]), extras({}), fromOutside('127.0.0.1', 8080));
    assert.equal(r.verdict.kind, 'dropped');
    assert.equal(r.uncertain, true);
  });

  it('drops ::1 from the wire before any hook (IPv6 has no route_localnet)', () => {
    const r = traceConnection(
      host([]),
      extras({ ...OFF, 'ipv4/conf/all/route_localnet': '1' }),
      fromOutside('::1', 8080),
    );
    assert.equal(r.verdict.kind, 'dropped');
    assert.match(r.summary, /loopback destination ::1 on eth0/);
    assert.ok(!r.outcomes[0].steps.some((s) => s.kind === 'hook'), 'no firewall hook is visited');
  });
});

describe('trace: a reply with a loopback source', () => {
  it('a request to 127.0.0.1 DNATed in PREROUTING reaches its target, but its reply leaves from 127.0.0.1', () => {
    // Docker's nat PREROUTING jump matches any LOCAL destination, 127.0.0.1 included.
    const snapshot = host([
      '-A PREROUTING -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 9000 -j DNAT --to-destination 198.18.0.1:8080',
    ]);
    const r = traceConnection(snapshot, extras(OFF), fromOutside('127.0.0.1', 9000));
    // The request is delivered; the connection fails on its reply, which the verdict and the summary keep apart.
    assert.equal(r.verdict.kind, 'delivered', r.summary);
    assert.equal(r.reply?.kind, 'dropped');
    assert.equal(r.connected, false);
    assert.match(r.summary, /the request reached host, but its reply was .*from 127\.0\.0\.1/);
    assert.match(r.answer, /but its reply was/);
  });
});
