// conntrack -L -o extended, as Debian's conntrack-tools prints it (test/fixtures/conntrack/, recorded on the lab):
// tuples, state, flags, counters, DNAT and SNAT, and the mapping that translated a connection.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { linkConnections, parseConntrack, parseConntrackLine } from '../../src/core/conntrack';
import { mappingKey } from '../../src/core/labels';
import type { PortMapping } from '../../src/core/model';
import { buildTopology } from '../../src/core/topology/build';
import { connectionEdges } from '../../src/core/topology/connections';
import { namespaceNodeId } from '../../src/core/topology/ids';
import { labSnapshot } from '../webview/fixtures';
import { CONNECTIONS_POLL_MS, nextReadDelay } from '../../src/extension/connections';

const FIXTURES = join(__dirname, '../../../test/fixtures/conntrack');

const mapping: PortMapping = {
  namespace: 'host',
  family: 'ipv4',
  protocol: 'tcp',
  hostIp: '0.0.0.0',
  hostPort: 8080,
  targetIp: '172.31.240.2',
  targetPort: 80,
  targetNamespace: 'web1',
  targetInterface: 'eth0',
  targetPids: [],
  chain: 'DOCKER',
  chainPath: ['PREROUTING', 'DOCKER'],
  hooks: ['PREROUTING'],
  rule: '-A DOCKER ! -i nxlbr0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.31.240.2:80',
  ruleRef: { table: 'nat', chain: 'DOCKER', index: 0 },
  owner: 'docker',
  comment: null,
};

describe('conntrack -L -o extended', () => {
  const text = readFileSync(join(FIXTURES, 'lab-nxl-host.txt'), 'utf8');

  it('reads every entry of the recorded table: tuples, state, flags', () => {
    const all = parseConntrack('host', text);
    assert.equal(
      all.length,
      text
        .trim()
        .split('\n')
        .filter((l) => /^ipv[46] /.test(l)).length,
    );
    const held = all.find((c) => c.original.dport === 8080 && c.state === 'CLOSE_WAIT')!;
    assert.equal(held.family, 'ipv4');
    assert.equal(held.protocol, 'tcp');
    assert.equal(held.original.src, '198.18.0.2');
    assert.equal(held.original.dst, '198.18.0.1');
    assert.equal(held.reply.src, '172.31.240.2');
    assert.equal(held.reply.sport, 80);
    assert.ok(held.flags.includes('ASSURED'));
    assert.equal(held.dnat, true);
    assert.equal(held.snat, false);
    // IGMP to a multicast group: a protocol conntrack calls unknown, no ports, no reply yet.
    const igmp = all.find((c) => c.protocol === 'unknown')!;
    assert.deepEqual(igmp.flags, ['UNREPLIED']);
    assert.equal(igmp.original.dport, null);
  });

  it('tells DNAT from SNAT, and reads counters when accounting is on', () => {
    const line =
      'ipv4     2 tcp      6 431999 ESTABLISHED src=198.18.0.2 dst=198.18.0.1 sport=40000 dport=8080 packets=5 bytes=300 src=172.31.240.2 dst=198.18.0.9 sport=80 dport=61000 packets=4 bytes=216 [ASSURED] mark=0 use=1';
    const c = parseConntrackLine('host', line)!;
    assert.deepEqual(c.original, {
      src: '198.18.0.2',
      dst: '198.18.0.1',
      sport: 40000,
      dport: 8080,
      packets: 5,
      bytes: 300,
    });
    assert.deepEqual(c.reply, {
      src: '172.31.240.2',
      dst: '198.18.0.9',
      sport: 80,
      dport: 61000,
      packets: 4,
      bytes: 216,
    });
    assert.equal(c.dnat, true);
    assert.equal(c.snat, true);
    const udp = parseConntrackLine(
      'host',
      'ipv4     2 udp      17 28 src=10.0.0.1 dst=10.0.0.2 sport=5353 dport=53 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5353 mark=0 use=1',
    )!;
    assert.equal(udp.state, null);
    assert.deepEqual(udp.flags, ['UNREPLIED']);
    assert.equal(udp.dnat || udp.snat, false);
    const icmp = parseConntrackLine(
      'host',
      'ipv4     2 icmp     1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=7 src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=7 mark=0 use=1',
    )!;
    assert.equal(icmp.original.sport, null);
    assert.equal(
      parseConntrackLine('host', 'conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.'),
      null,
    );
  });

  it('ties a DNATed connection to the mapping whose rule translated it, and no other', () => {
    const linked = linkConnections(parseConntrack('host', text), [mapping]);
    for (const c of linked.filter((x) => x.original.dport === 8080)) assert.equal(c.mapping, mappingKey(mapping));
    for (const c of linked.filter((x) => !x.dnat)) assert.equal(c.mapping, null);
    assert.equal(
      linkConnections(parseConntrack('other', text), [mapping]).filter((c) => c.mapping).length,
      0,
      'another namespace’s table',
    );
  });
});

describe('the topology overlay of live connections', () => {
  it('draws each flow once, from the client to the server after DNAT, grouped with a count', async () => {
    const lab = await labSnapshot();
    const host = lab.namespaces.find((n) => n.name === 'nxl-host')!;
    const out = lab.namespaces.find((n) => n.name === 'nxl-out')!;
    const web1 = lab.namespaces.find((n) => n.name === 'nxl-web1')!;
    const text = readFileSync(join(FIXTURES, 'lab-nxl-host.txt'), 'utf8');
    const inHost = parseConntrack(host.id, text);
    // The same flows as the server's own table lists them (after the DNAT): counted once, not twice.
    const inWeb1 = inHost
      .filter((c) => c.dnat)
      .map((c) => ({
        ...c,
        namespace: web1.id,
        dnat: false,
        original: { ...c.original, dst: c.reply.src, dport: c.reply.sport },
      }));
    const graph = buildTopology(lab);
    const edges = connectionEdges(graph, lab, [...inHost, ...inWeb1]);
    const web = edges.find((e) => e.source === namespaceNodeId(out.id) && e.target === namespaceNodeId(web1.id));
    assert.ok(web, JSON.stringify(edges.map((e) => [e.source, e.target, e.label])));
    const flows = inHost.filter((c) => c.dnat && c.reply.src === '172.31.240.2').length;
    assert.equal(web.label, `tcp/80 ×${flows}`);
    assert.equal(web.kind, 'connection');
    assert.ok(web.classes.includes('dnat'));
    // Multicast (the recorded IGMP report) is no connection between two places; no edge starts and ends on one element.
    assert.ok(edges.every((e) => !e.details.some((d) => d.includes('224.0.0.22'))));
    assert.ok(edges.every((e) => e.source !== e.target));
    assert.ok(
      edges.every((e) => graph.nodes.some((n) => n.id === e.source) && graph.nodes.some((n) => n.id === e.target)),
    );
  });
});

describe('how often connections are read while watched', () => {
  it('every 3 s, but waiting three times a slow read (a read takes at most a quarter of the time)', () => {
    assert.equal(nextReadDelay(null), CONNECTIONS_POLL_MS);
    assert.equal(nextReadDelay(200), 3000);
    assert.equal(nextReadDelay(2077), 6231);
  });
});
