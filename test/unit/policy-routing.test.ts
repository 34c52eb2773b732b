// Policy routing: `ip rule` (recorded from real iproute2) read into rules, and the routing decision made by them:
// selectors, tables, blackhole/unreachable/prohibit, throw, goto, suppress_prefixlength, and what cannot be evaluated.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePolicyRules, type PolicyRule } from '../../src/core/ip/parse';
import type { Namespace, NetInterface, Route } from '../../src/core/model';
import { routeLookup, type Flow } from '../../src/core/trace/route';

const FIXTURES = join(__dirname, '../../../test/fixtures/ip');
const v4 = parsePolicyRules(readFileSync(join(FIXTURES, 'rules.v4.json'), 'utf8'), 'ipv4');
const v6 = parsePolicyRules(readFileSync(join(FIXTURES, 'rules.v6.json'), 'utf8'), 'ipv6');

const iface = (name: string, addresses: string[]): NetInterface => ({
  name,
  ifindex: 2,
  kind: name === 'lo' ? 'loopback' : 'veth',
  infoKind: null,
  state: 'UP',
  flags: [],
  mac: null,
  mtu: 1500,
  addresses,
  master: null,
  peer: null,
  linkIndex: null,
  linkNetnsId: null,
});
const route = (dst: string, dev: string | null, extra: Partial<Route> = {}): Route => ({
  family: dst.includes(':') ? 'ipv6' : 'ipv4',
  dst,
  gateway: null,
  dev,
  protocol: null,
  scope: null,
  prefsrc: null,
  metric: null,
  type: null,
  ...extra,
});
const ns: Namespace = {
  id: '1',
  name: 'router',
  kind: 'named',
  mode: 'other',
  paths: [],
  pids: [],
  processes: [],
  interfaces: [
    iface('lo', ['127.0.0.1/8']),
    iface('eth0', ['192.0.2.1/24']),
    iface('eth1', ['198.51.100.1/24']),
    iface('wg0', ['10.66.0.1/32']),
  ],
  routes: [
    route('default', 'eth0', { gateway: '192.0.2.254' }),
    route('192.0.2.0/24', 'eth0'),
    route('192.0.2.128/25', null, { type: 'blackhole' }),
    route('198.51.100.0/24', 'eth1'),
    route('default', 'eth1', { gateway: '198.51.100.254', table: '100' }),
    route('10.8.0.0/16', null, { type: 'throw', table: '100' }),
    route('default', 'eth1', { gateway: '198.51.100.254', table: '160' }),
    route('default', 'wg0', { table: '51820' }),
  ],
};
/** wg-quick's mark: packets WireGuard itself sends, which must not go back into the tunnel. */
const WG = 0xca6c;
const lookup = (dst: string, flow: Flow) => routeLookup(ns, dst, { rules: [...v4, ...v6], ...flow });

describe('policy routing: ip rule', () => {
  it('reads every rule of the recorded output: selectors, actions, tables, goto, suppression', () => {
    const byPriority = new Map(v4.map((r) => [r.priority, r] as [number, PolicyRule]));
    assert.deepEqual([...byPriority.keys()], [0, 100, 300, 350, 360, 370, 380, 390, 500, 32766, 32767]);
    assert.equal(byPriority.get(100)?.from, '10.1.0.0/16');
    assert.equal(byPriority.get(300)?.action, 'prohibit');
    assert.equal(byPriority.get(300)?.to, '10.3.0.5');
    assert.deepEqual(byPriority.get(350)?.unknown, ['uidrange']);
    assert.equal(byPriority.get(360)?.ipproto, 'tcp');
    assert.equal(byPriority.get(360)?.dport, '8000-8100');
    assert.equal(byPriority.get(370)?.suppressPrefixLength, 0);
    assert.equal(byPriority.get(380)?.not, true);
    assert.deepEqual(byPriority.get(380)?.fwmark, { value: WG, mask: 0xffffffff });
    assert.deepEqual(byPriority.get(390)?.fwmark, { value: 4, mask: 0xff });
    assert.equal(byPriority.get(390)?.action, 'blackhole');
    assert.equal(byPriority.get(500)?.goto, 32766);
    assert.deepEqual(
      v6.map((r) => `${r.priority} ${r.from ?? 'all'} ${r.action}`),
      ['0 all lookup', '50 fd00:1::/64 unreachable', '32766 all lookup'],
    );
  });

  it('routes by the table the first matching rule selects, not by every table merged', () => {
    const fromClient = lookup('203.0.113.9', { src: '10.1.2.3', iif: 'eth0' });
    assert.equal(fromClient.kind === 'via' && fromClient.dev, 'eth1', 'from 10.1.0.0/16: table 100');
    assert.match(
      fromClient.kind === 'via' ? fromClient.text : '',
      /^table 100: default via 198\.51\.100\.254 dev eth1 \(rule 100: from 10\.1\.0\.0\/16 lookup 100\)$/,
    );
  });

  it("wg-quick's pair: main without its default route, then everything not marked into the tunnel", () => {
    const tunnel = lookup('203.0.113.9', { src: '192.0.2.7', iif: 'eth0', mark: 0 });
    assert.equal(tunnel.kind === 'via' && tunnel.dev, 'wg0', 'not fwmark 0xca6c: table 51820');
    const marked = lookup('203.0.113.9', { src: '192.0.2.7', iif: 'eth0', mark: WG });
    assert.equal(marked.kind === 'via' && marked.dev, 'eth0', "WireGuard's own packets: main's default");
    const lan = lookup('198.51.100.20', { src: '192.0.2.7', iif: 'eth0', mark: 0 });
    assert.equal(lan.kind === 'via' && lan.dev, 'eth1', "main's more specific route is not suppressed");
  });

  it('a throw route in the selected table sends the lookup on to the next rule', () => {
    const r = lookup('10.8.1.1', { src: '10.1.2.3', iif: 'eth0', mark: WG });
    assert.equal(r.kind === 'via' && r.dev, 'eth0');
  });

  it('prohibit and unreachable rules, and blackhole routes, stop the packet', () => {
    const prohibited = lookup('10.3.0.5', { src: '192.0.2.7', iif: 'eth0' });
    assert.equal(prohibited.kind, 'none');
    assert.match(prohibited.kind === 'none' ? prohibited.reason : '', /rule 300: from all to 10\.3\.0\.5 prohibit/);
    const hole = lookup('192.0.2.200', { src: '192.0.2.7', iif: 'eth0' });
    assert.equal(hole.kind, 'none');
    assert.match(hole.kind === 'none' ? hole.reason : '', /blackhole/);
    const v6drop = routeLookup(ns, 'fd00:9::1', { rules: v6, src: 'fd00:1::5', iif: 'eth0' });
    assert.equal(v6drop.kind, 'none');
    assert.match(v6drop.kind === 'none' ? v6drop.reason : '', /rule 50: from fd00:1::\/64 unreachable/);
  });

  it('matches ipproto and port ranges', () => {
    const web = lookup('203.0.113.9', { src: '192.0.2.7', iif: 'eth0', protocol: 'tcp', dport: 8080, mark: WG });
    assert.equal(web.kind === 'via' && web.dev, 'eth1', 'tcp to 8000-8100: table 160');
    const dns = lookup('203.0.113.9', { src: '192.0.2.7', iif: 'eth0', protocol: 'udp', dport: 53, mark: WG });
    assert.equal(dns.kind === 'via' && dns.dev, 'eth0');
  });

  it('says when a rule could not be evaluated (uidrange), and without rules uses local, main and default only', () => {
    const r = lookup('203.0.113.9', { src: '192.0.2.7', iif: 'eth0' });
    assert.match(r.uncertain ?? '', /rule 350: from all lookup 150 \(uidrange not evaluated; assumed not to match\)/);
    const noRules = routeLookup(ns, '203.0.113.9', { src: '10.1.2.3' });
    assert.equal(noRules.kind === 'via' && noRules.dev, 'eth0', "table 100's default is not used without its rule");
    assert.equal(routeLookup(ns, '192.0.2.1').kind, 'local');
  });
});
