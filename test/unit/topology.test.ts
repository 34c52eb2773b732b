// Snapshot → topology graph on the recorded lab and a synthetic host: network boxes, folded cables, ports badges,
// groups, uplinks, filters, search, SVG.
import { strict as assert } from 'node:assert';
import { escapeMarkdown } from '../../src/core/markdown';
import type { Snapshot } from '../../src/core/model';
import { buildTopology } from '../../src/core/topology/build';
import { detailBlocks } from '../../src/core/topology/details';
import { visibleGraph } from '../../src/core/topology/filter';
import {
  bridgePortEdgeId,
  groupEdgeId,
  groupNodeId,
  interfaceNodeId,
  mappingEdgeId,
  namespaceNodeId,
  networkNodeId,
  portsNodeId,
  vethEdgeId,
  WORLD_ID,
} from '../../src/core/topology/ids';
import { mappingKey } from '../../src/core/labels';
import { searchGraph } from '../../src/core/topology/search';
import { pictureToSvg, xmlText } from '../../src/core/topology/svg';
import { DEFAULT_TOPOLOGY_FILTER, type TopologyGraph } from '../../src/core/topology/types';
import { HOSTILE_HTML, HOSTILE_LONG, hostileSnapshot, labSnapshot, syntheticSnapshot } from '../webview/fixtures';

const byName = (s: Snapshot, name: string) => s.namespaces.find((n) => n.name === name)!;
const kinds = (g: TopologyGraph) => {
  const out: Record<string, number> = {};
  for (const e of [...g.nodes, ...g.edges]) out[e.kind] = (out[e.kind] ?? 0) + 1;
  return out;
};

describe('topology graph of the recorded lab', () => {
  let lab: Snapshot;
  let graph: TopologyGraph;
  before(async () => {
    lab = await labSnapshot();
    graph = buildTopology(lab);
  });

  it('draws the bridge as a network box holding the namespaces cabled to it, inside the namespace holding it', () => {
    const counts = kinds(graph);
    assert.equal(counts.namespace, lab.namespaces.length);
    assert.equal(counts.bridge, 1);
    assert.equal(counts.network, 1);
    assert.equal(counts.veth, lab.vethPairs.length);
    assert.equal(counts.bridgePort ?? 0, 0, 'every port of nxlbr0 is a cable to another namespace, drawn as one edge');
    const host = byName(lab, 'nxl-host');
    const web1 = byName(lab, 'nxl-web1');
    const net = graph.nodes.find((n) => n.id === networkNodeId(host.id, 'nxlbr0'))!;
    assert.equal(net.parent, namespaceNodeId(host.id));
    assert.equal(net.label, 'nxlbr0\n172.31.240.0/24 fd00:6e78::/64');
    assert.equal(graph.nodes.find((n) => n.id === interfaceNodeId(host.id, 'nxlbr0'))!.parent, net.id);
    for (const name of ['nxl-web1', 'nxl-web2', 'nxl-pod', '0123456789ab'])
      assert.equal(graph.nodes.find((n) => n.id === namespaceNodeId(byName(lab, name).id))!.parent, net.id, name);
    const eth0 = graph.nodes.find((n) => n.id === interfaceNodeId(web1.id, 'eth0'))!;
    assert.equal(eth0.parent, namespaceNodeId(web1.id));
    assert.equal(eth0.label, 'eth0\n172.31.240.2/24 fd00:6e78::2/64');
    assert.equal(graph.nodes.find((n) => n.id === namespaceNodeId(web1.id))!.label, 'nxl-web1\nbridge · named');
    // The host-side end folds into its cable, which runs from the bridge; the tree's items for it lead there.
    assert.ok(!graph.nodes.some((n) => n.id === interfaceNodeId(host.id, 'nxlv-web1')));
    const cable = graph.edges.find((e) => e.id === vethEdgeId(host.id, 'nxlv-web1'))!;
    assert.equal(cable.source, interfaceNodeId(host.id, 'nxlbr0'));
    assert.equal(cable.target, eth0.id);
    assert.ok(cable.classes.includes('bridged'));
    assert.equal(graph.aliases?.[interfaceNodeId(host.id, 'nxlv-web1')], cable.id);
    assert.equal(graph.aliases?.[bridgePortEdgeId(host.id, 'nxlbr0', 'nxlv-web1')], cable.id);
  });

  it("one ports badge per namespace, inside it: bindings merged across families and ranges, as the NAT view's rows", () => {
    const badges = graph.nodes
      .filter((n) => n.kind === 'ports')
      .map((n) => [lab.namespaces.find((x) => namespaceNodeId(x.id) === n.parent)!.name, n.label] as const);
    assert.deepEqual(
      badges.sort(),
      [
        ['0123456789ab', '8082→80/tcp'],
        ['nxl-pod', '30000-30010/tcp'],
        [null, '8081→80/tcp'],
        ['nxl-web1', '8080→80/tcp'],
        ['nxl-web2', '5353→53/udp · 198.18.0.1:9090→80/tcp'],
      ].sort(),
    );
    // Every rule leads to its badge: the NAT view's selection highlights it.
    for (const m of lab.portMappings) {
      const id = graph.aliases?.[mappingEdgeId(m.namespace, mappingKey(m))];
      assert.equal(id, portsNodeId(m.namespace, m.targetNamespace!), mappingKey(m));
    }
    assert.ok(!graph.edges.some((e) => (e.kind as string) === 'portMapping'), 'no arrow per rule across the picture');
  });

  it("marks MASQUERADE on the cable that holds the lab host's default route", () => {
    const host = byName(lab, 'nxl-host');
    const out = byName(lab, 'nxl-out');
    const edge = graph.edges.find((e) => e.id === vethEdgeId(host.id, 'eth0'))!;
    assert.equal(edge.target, interfaceNodeId(out.id, 'eth0'));
    assert.equal(edge.label, 'MASQUERADE');
    assert.ok(edge.classes.includes('source-nat'));
    assert.ok(!graph.nodes.some((n) => n.id === WORLD_ID), 'no uplink leaves the recorded namespaces');
  });

  it('filters: loopback hidden by default; down interfaces and unlinked namespaces on request', () => {
    const shown = visibleGraph(graph, DEFAULT_TOPOLOGY_FILTER);
    assert.ok(!shown.nodes.some((n) => n.classes.includes('loopback')));
    assert.equal(shown.nodes.filter((n) => n.kind === 'namespace').length, lab.namespaces.length);
    const p2pb = byName(lab, 'nxl-p2pb');
    const noDown = visibleGraph(graph, { ...DEFAULT_TOPOLOGY_FILTER, showDown: false });
    assert.ok(!noDown.nodes.some((n) => n.id === interfaceNodeId(p2pb.id, 'p2p0')));
    assert.ok(
      !noDown.edges.some(
        (e) => e.target === interfaceNodeId(p2pb.id, 'p2p0') || e.source === interfaceNodeId(p2pb.id, 'p2p0'),
      ),
      'its cable goes with it',
    );
    const linkedOnly = visibleGraph(graph, { ...DEFAULT_TOPOLOGY_FILTER, showUnlinked: false });
    const gone = graph.nodes
      .filter((n) => n.kind === 'namespace' && !linkedOnly.nodes.includes(n))
      .map((n) => n.label.split('\n')[0]);
    assert.deepEqual(gone, ['nxl-none']);
  });

  it('search by port, address or name highlights matches and keeps their context', () => {
    const byPort = searchGraph(graph, '5353');
    const web2 = byName(lab, 'nxl-web2');
    assert.ok(byPort.matches.includes(portsNodeId(byName(lab, 'nxl-host').id, web2.id)));
    assert.ok(byPort.context.includes(namespaceNodeId(web2.id)), 'its namespace');
    assert.ok(byPort.context.includes(networkNodeId(byName(lab, 'nxl-host').id, 'nxlbr0')), 'and every box around it');
    assert.deepEqual(
      searchGraph(graph, '172.31.240.3').matches.filter((id) => id.startsWith('if:')),
      [interfaceNodeId(web2.id, 'eth0')],
    );
    assert.ok(searchGraph(graph, 'NXL-POD').matches.includes(namespaceNodeId(byName(lab, 'nxl-pod').id)));
    assert.deepEqual(searchGraph(graph, '  '), { matches: [], context: [] });
  });

  it('ids do not change when the same host is read again', async () => {
    const again = buildTopology(await labSnapshot());
    assert.deepEqual(
      again.nodes.map((n) => n.id),
      graph.nodes.map((n) => n.id),
    );
    assert.deepEqual(
      again.edges.map((e) => e.id),
      graph.edges.map((e) => e.id),
    );
  });

  it('hostile names stay text: shortened on labels, whole in search, and escaped in SVG', () => {
    const g = buildTopology(hostileSnapshot(lab));
    const labels = g.nodes.map((n) => n.label.split('\n')[0]!);
    assert.ok(labels.includes(HOSTILE_HTML));
    const long = labels.find((l) => l.startsWith('very-long-name-'))!;
    assert.equal([...long].length, 40);
    assert.ok(long.endsWith('…'));
    assert.ok(g.nodes.some((n) => n.search.includes(HOSTILE_LONG)));
    assert.ok(
      g.nodes.some((n) => n.kind === 'ports' && n.classes.includes('managed')),
      "the extension's own mapping is styled apart",
    );
    const svg = pictureToSvg({
      nodes: [
        {
          id: 'x',
          x1: 0,
          y1: 0,
          x2: 10,
          y2: 10,
          shape: 'rectangle',
          fill: 'red"/><script>',
          fillOpacity: 1,
          stroke: '#000',
          strokeWidth: 1,
          dashed: false,
          label: `${HOSTILE_HTML}\n\u0000`,
          labelAt: 'below',
          color: '#000',
          fontSize: 12,
          opacity: 1,
        },
      ],
      edges: [],
      background: '#fff',
      fontFamily: 'x" onload="alert(1)',
    });
    assert.ok(!svg.includes('<img') && !svg.includes('<script') && !svg.includes('\u0000'));
    assert.ok(svg.includes(xmlText(HOSTILE_HTML)));
    assert.ok(svg.includes('fill="none"'), 'a colour that is not a colour is dropped');
  });
});

describe('topology graph of a synthetic Docker host', () => {
  it('attaches the outside world to the default-route interface, marked MASQUERADE', () => {
    const s = syntheticSnapshot(3);
    const g = buildTopology(s);
    const uplink = g.edges.find((e) => e.kind === 'uplink')!;
    assert.equal(uplink.source, interfaceNodeId(s.namespaces[0]!.id, 'eth0'));
    assert.equal(uplink.target, WORLD_ID);
    assert.equal(uplink.label, 'default · MASQUERADE');
    assert.deepEqual(uplink.ref, { view: 'namespaces', node: { kind: 'route', ns: s.namespaces[0]!.id, index: 0 } });
    assert.ok(g.nodes.find((n) => n.id === namespaceNodeId(s.namespaces[0]!.id))!.classes.includes('host'));
  });

  it('a network of more than 50 namespaces is one group with a count until expanded', () => {
    const s = syntheticSnapshot(200);
    const hostId = s.namespaces[0]!.id;
    const g = buildTopology(s);
    const counts = kinds(g);
    assert.equal(counts.namespace, 1, 'the host alone');
    assert.equal(counts.group, 1);
    const group = g.nodes.find((n) => n.kind === 'group')!;
    assert.equal(group.id, groupNodeId(hostId, 'docker0'));
    assert.equal(group.parent, networkNodeId(hostId, 'docker0'));
    assert.ok(group.label.startsWith('200 namespaces'));
    assert.ok(group.search.includes('c199000000000'), "a member's name finds the group");
    // A member, its interfaces, its cable and its published port all lead to the group.
    const member = s.namespaces[5]!;
    for (const id of [
      namespaceNodeId(member.id),
      interfaceNodeId(member.id, 'eth0'),
      vethEdgeId(hostId, s.vethPairs[5]!.a.ifname),
      mappingEdgeId(hostId, mappingKey(s.portMappings[5]!)),
    ])
      assert.equal(g.aliases?.[id], group.id, id);
    assert.equal(g.edges.find((e) => e.id === groupEdgeId(hostId, 'docker0'))?.target, group.id);

    const open = buildTopology(s, { expanded: new Set([networkNodeId(hostId, 'docker0')]) });
    const all = kinds(open);
    assert.equal(all.namespace, 201);
    assert.equal(all.ports, 200);
    assert.equal(all.group ?? 0, 0);
    assert.ok(open.nodes.find((n) => n.kind === 'network')!.classes.includes('expanded'));
    assert.equal(kinds(buildTopology(syntheticSnapshot(50))).namespace, 51, '50 members are drawn one by one');
  });

  it('a Docker network is labelled by name, bridge and subnet when the runtime is known', () => {
    const s = syntheticSnapshot(2);
    const hostId = s.namespaces[0]!.id;
    s.runtime = {
      containers: [],
      runtimes: [],
      networks: [
        {
          runtime: 'docker',
          id: 'n1',
          name: 'bridge',
          driver: 'bridge',
          bridge: { namespace: hostId, name: 'docker0' },
          subnets: ['172.17.0.0/16'],
        },
      ],
    };
    assert.equal(buildTopology(s).nodes.find((n) => n.kind === 'network')!.label, 'bridge\ndocker0 · 172.17.0.0/16');
  });
});

describe('tooltip Markdown as plain-text blocks', () => {
  it('reads back exactly the text that escapeMarkdown wrote', () => {
    const md = `### ${escapeMarkdown(HOSTILE_HTML)}\n\n**Mode:** ${escapeMarkdown('bridge')}  \n**Name:** ${escapeMarkdown(' *x* [a](b)')}  \n- 12 ${escapeMarkdown('<b>x</b>')}\n\n\`\`\`iptables\n-A DOCKER -j DNAT\n\`\`\``;
    assert.deepEqual(detailBlocks(md), [
      { kind: 'heading', text: HOSTILE_HTML },
      { kind: 'field', label: 'Mode', value: 'bridge' },
      { kind: 'field', label: 'Name', value: ' *x* [a](b)' },
      { kind: 'item', text: '12 <b>x</b>' },
      { kind: 'code', text: '-A DOCKER -j DNAT' },
    ]);
  });
});
