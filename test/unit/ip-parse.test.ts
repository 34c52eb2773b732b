// `ip -j -d -batch -` output: splitting the concatenated arrays, interfaces, routes, and bad input.
import { strict as assert } from 'node:assert';
import { buildInterfaces, buildRoutes, parseIpBatch, splitJsonArrays } from '../../src/core/ip/parse';

const link = (ifindex: number, ifname: string, extra: Record<string, unknown> = {}) => ({
  ifindex,
  ifname,
  flags: ['BROADCAST', 'UP'],
  mtu: 1500,
  operstate: 'UP',
  link_type: 'ether',
  address: '02:00:00:00:00:0' + ifindex,
  ...extra,
});

describe('ip -j batch parsing', () => {
  it('splits arrays printed back to back, with brackets inside strings', () => {
    const text = '[{"a":"x]["}][]\n[{"b":[1,2]}]';
    const { arrays, error } = splitJsonArrays(text);
    assert.equal(error, null);
    assert.deepEqual(arrays, [[{ a: 'x][' }], [], [{ b: [1, 2] }]]);
  });

  it('reports truncated JSON with its line', () => {
    const r = parseIpBatch('[{"ifindex":1}]\n[{"ifindex":2,"ifname":"et');
    assert.equal(r.ok, false);
    assert.match((r as { message: string }).message, /truncated/);
    assert.match((r as { message: string }).message, /line 2/);
  });

  it('reports garbage instead of throwing', () => {
    for (const bad of [
      'Object "-6" is unknown',
      '{"not":"an array"}',
      '[1,2',
      ']',
      '[{"a":1}] trailing',
      '[{"a":tru}]',
      '',
    ]) {
      const r = parseIpBatch(bad);
      assert.equal(r.ok, false, bad);
    }
  });

  it('keeps the arrays that arrived when ip stopped early', () => {
    const r = parseIpBatch(JSON.stringify([link(1, 'lo', { link_type: 'loopback' })]));
    assert.ok(r.ok);
    assert.deepEqual(r.ok && r.missing, ['addr show', 'route show table all', 'netns list-id']);
  });

  it('builds interfaces with kinds, addresses in CIDR form and veth peer hints', () => {
    const links = [
      link(1, 'lo', { link_type: 'loopback', operstate: 'UNKNOWN' }),
      link(2, 'eth0', { linkinfo: { info_kind: 'veth' }, link_index: 7, link_netnsid: 0 }),
      link(3, 'br0', { linkinfo: { info_kind: 'bridge' } }),
      link(4, 'vx', { linkinfo: { info_kind: 'vxlan' }, master: 'br0' }),
      link(5, 'wg0', { linkinfo: { info_kind: 'wireguard' }, link_type: 'none' }),
    ];
    const addrs = [
      {
        ifindex: 2,
        addr_info: [
          { family: 'inet6', local: 'fd00::2', prefixlen: 64 },
          { family: 'inet', local: '172.17.0.2', prefixlen: 16 },
        ],
      },
    ];
    const ifs = buildInterfaces({ links, addresses: addrs, routes: [], nsids: [] });
    assert.deepEqual(
      ifs.map((i) => i.kind),
      ['loopback', 'veth', 'bridge', 'vxlan', 'other'],
    );
    const eth0 = ifs[1]!;
    assert.deepEqual(eth0.addresses, ['172.17.0.2/16', 'fd00::2/64']);
    assert.equal(eth0.linkIndex, 7);
    assert.equal(eth0.linkNetnsId, 0);
    assert.equal(ifs[3]!.master, 'br0');
    assert.equal(ifs[4]!.infoKind, 'wireguard');
  });

  it('keeps main-table routes of both families and drops the local table', () => {
    const routes = buildRoutes({
      links: [],
      addresses: [],
      nsids: [],
      routes: [
        {
          type: 'unicast',
          dst: 'default',
          gateway: '172.17.0.1',
          dev: 'eth0',
          protocol: 'boot',
          scope: 'global',
          flags: [],
        },
        { dst: 'default', gateway: 'fd00::1', dev: 'eth0', protocol: 'boot', metric: 1024, flags: [], pref: 'medium' },
        {
          type: 'local',
          dst: '172.17.0.2',
          table: 'local',
          dev: 'eth0',
          protocol: 'kernel',
          scope: 'host',
          prefsrc: '172.17.0.2',
          flags: [],
        },
        {
          type: 'multicast',
          dst: 'ff00::/8',
          table: 'local',
          dev: 'eth0',
          protocol: 'kernel',
          metric: 256,
          flags: [],
          pref: 'medium',
        },
      ],
    });
    assert.deepEqual(
      routes.map((r) => [r.family, r.dst, r.gateway]),
      [
        ['ipv4', 'default', '172.17.0.1'],
        ['ipv6', 'default', 'fd00::1'],
      ],
    );
  });
});
