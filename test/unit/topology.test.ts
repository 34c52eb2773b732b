// Snapshot → topology graph on the recorded lab and a synthetic host: groups, hubs, cables, uplinks, ports, filters,
// search, SVG.
import { strict as assert } from 'node:assert';
import { escapeMarkdown } from '../../src/core/markdown';
import type { Snapshot } from '../../src/core/model';
import { buildTopology } from '../../src/core/topology/build';
import { detailBlocks } from '../../src/core/topology/details';
import { visibleGraph } from '../../src/core/topology/filter';
import { interfaceNodeId, namespaceNodeId, vethEdgeId, WORLD_ID } from '../../src/core/topology/ids';
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

  it('draws every namespace as a group holding its interfaces, the bridge as a hub with an edge per port', () => {
    const counts = kinds(graph);
    assert.equal(counts.namespace, lab.namespaces.length);
    assert.equal(counts.bridge, 1);
    assert.equal(counts.bridgePort, lab.bridges[0]!.ports.length);
    assert.equal(counts.veth, lab.vethPairs.length);
    const web1 = byName(lab, 'nxl-web1');
    const eth0 = graph.nodes.find((n) => n.id === interfaceNodeId(web1.id, 'eth0'))!;
    assert.equal(eth0.parent, namespaceNodeId(web1.id));
    assert.equal(eth0.label, 'eth0\n172.31.240.2/24 fd00:6e78::2/64');
    const group = graph.nodes.find((n) => n.id === namespaceNodeId(web1.id))!;
    assert.equal(group.label, 'nxl-web1\nbridge · named\n172.31.240.2/24 fd00:6e78::2/64');
  });

  it('labels each published port `port/protocol`, with the container port when it differs', () => {
    const labels = graph.edges
      .filter((e) => e.kind === 'portMapping')
      .map((e) => e.label)
      .sort();
    assert.deepEqual(labels, [
      '30000-30010/tcp',
      '5353/udp → 53',
      '8080/tcp → 80',
      '8080/tcp → 80',
      '8081/tcp → 80',
      '8082/tcp → 80',
      '9090/tcp → 80',
    ]);
    const hostPorts = graph.nodes
      .filter((n) => n.kind === 'hostPort')
      .map((n) => n.label)
      .sort();
    assert.ok(
      hostPorts.includes('198.18.0.1:9090') && hostPorts.includes('[::]:8080') && hostPorts.includes('0.0.0.0:5353'),
      hostPorts.join(' '),
    );
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
    assert.ok(byPort.matches.some((id) => id.startsWith('map:')));
    assert.ok(
      byPort.context.includes(interfaceNodeId(web2.id, 'eth0')) && byPort.context.includes(namespaceNodeId(web2.id)),
    );
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
      g.edges.some((e) => e.classes.includes('managed')),
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

  it('builds 200 namespaces in linear time', () => {
    const s = syntheticSnapshot(200);
    const started = performance.now();
    const g = buildTopology(s);
    const ms = performance.now() - started;
    const counts = kinds(g);
    assert.equal(counts.namespace, 201);
    assert.equal(counts.portMapping, 200);
    assert.equal(counts.bridgePort, 200);
    assert.ok(ms < 1000, `${ms} ms`);
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
