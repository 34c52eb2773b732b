// The topology page alone in headless Chromium under its exact CSP: counts, clicks, hover text, hostile names, live
// updates, export, readable labels at the default fit (lab and 200 namespaces), the layout worker, groups.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import type { Snapshot } from '../../src/core/model';
import { buildTopology } from '../../src/core/topology/build';
import { interfaceNodeId, namespaceNodeId } from '../../src/core/topology/ids';
import type { TopologyGraph } from '../../src/core/topology/types';
import { HOSTILE_HTML, HOSTILE_MARKDOWN, hostileSnapshot, labSnapshot, syntheticSnapshot } from './fixtures';
import {
  openTopologyPage,
  readDist as readDistText,
  startPageServer,
  topologyApi,
  type PageServer,
  type TopologyPage,
} from './page';

/** Screenshots of the page alone, kept beside the workbench's (not in the README: those come from VS Code). */
const SHOTS = join(__dirname, '../../../test/webview/screenshots');

type Counts = Record<string, number>;
type Positions = Record<string, { x: number; y: number }>;
const byName = (s: Snapshot, name: string) => s.namespaces.find((n) => n.name === name)!;

/**
 * What the picture must hold, counted from the snapshot itself (loopback hidden, as by default): every namespace; a
 * network box and a bridge per bridge; the interfaces but the host-side ends of bridge ports, which fold into their
 * cable; a cable per veth pair; one ports badge per namespace that something is published to.
 */
function expectedCounts(s: Snapshot): Counts {
  const ifs = s.namespaces.flatMap((n) => n.interfaces.map((i) => ({ ns: n.id, i })));
  const folded = ifs.filter(
    ({ ns, i }) =>
      i.master &&
      i.kind === 'veth' &&
      i.peer &&
      i.peer.namespace !== ns &&
      s.bridges.some((b) => b.namespace === ns && b.name === i.master),
  );
  const resolved = s.portMappings.filter((m) => !m.service && m.targetNamespace && m.targetInterface);
  const counts: Counts = {
    namespace: s.namespaces.length,
    network: s.bridges.length,
    interface: ifs.filter(({ i }) => i.kind !== 'loopback' && i.kind !== 'bridge').length - folded.length,
    bridge: s.bridges.length,
    veth: s.vethPairs.length,
    bridgePort: s.bridges.reduce((n, b) => n + b.ports.length, 0) - folded.length,
    ports: new Set(resolved.map((m) => `${m.namespace}/${m.targetNamespace}`)).size,
  };
  return counts;
}

interface LabelBox {
  id: string;
  kind: string;
  top: boolean;
  px: number;
  drawn: boolean;
  box: { x1: number; y1: number; x2: number; y2: number };
}

const overlap = (a: LabelBox['box'], b: LabelBox['box']) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

/** At the default fit: every label drawn is at least 11 px; the top-level titles are drawn, and overlap none. */
async function assertReadable(tp: TopologyPage, what: string): Promise<LabelBox[]> {
  const labels = await topologyApi<LabelBox[]>(tp.page, 'labelBoxes');
  const drawn = labels.filter((l) => l.drawn);
  for (const l of drawn) assert.ok(l.px >= 11, `${what}: ${l.id} drawn at ${l.px.toFixed(1)} px`);
  const top = labels.filter((l) => l.top);
  assert.ok(top.length > 0, `${what}: has top-level titles`);
  for (const l of top) assert.ok(l.drawn, `${what}: the title of ${l.id} is drawn at the default fit`);
  // Titles of boxes, of namespaces and of ports badges: none covers another.
  const titled = drawn.filter((l) => ['network', 'namespace', 'world', 'group', 'ports'].includes(l.kind));
  for (let i = 0; i < titled.length; i++)
    for (let j = i + 1; j < titled.length; j++)
      assert.ok(
        !overlap(titled[i]!.box, titled[j]!.box),
        `${what}: the labels of ${titled[i]!.id} and ${titled[j]!.id} overlap: ${JSON.stringify([titled[i]!.box, titled[j]!.box])}`,
      );
  return drawn;
}

describe("topology page alone in Chromium, under the extension's CSP", function () {
  this.timeout(120_000);
  let server: PageServer;
  let lab: Snapshot;
  let graph: TopologyGraph;
  let tp: TopologyPage;

  before(async () => {
    server = await startPageServer();
    lab = await labSnapshot();
    graph = buildTopology(lab);
  });
  after(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    tp = await openTopologyPage(server);
  });
  afterEach(async function () {
    const violations = await tp.violations();
    const errors = tp.console.filter((l) => l.startsWith('error') || l.startsWith('pageerror'));
    await tp.page.close();
    assert.deepEqual(violations, [], 'no securitypolicyviolation event');
    assert.deepEqual(errors, [], 'no error on the console');
  });

  it('draws the lab: every kind counted, with the stylesheet cytoscape would have injected already in place', async () => {
    await tp.send({ type: 'graph', graph, message: null });
    const rendered = await tp.waitForPosted('rendered');
    const want = expectedCounts(lab);
    for (const [kind, n] of Object.entries(want))
      assert.equal(rendered.counts[kind] ?? 0, n, `${kind}: ${JSON.stringify(rendered.counts)}`);
    assert.equal(rendered.laidOut, true);
    assert.deepEqual(await topologyApi<Counts>(tp.page, 'counts'), rendered.counts);
    assert.equal(
      await tp.page.evaluate('document.querySelectorAll("style").length'),
      0,
      'no <style> element was added',
    );
    assert.equal(
      await tp.page.evaluate('getComputedStyle(document.querySelector(".__________cytoscape_container")).position'),
      'relative',
    );
  });

  it('a click on an interface posts `select` with its id; hovering asks for details and shows them as text', async () => {
    await tp.send({ type: 'graph', graph, message: null });
    await tp.waitForPosted('rendered');
    const id = interfaceNodeId(byName(lab, 'nxl-web1').id, 'eth0');
    const at = await topologyApi<{ x: number; y: number }>(tp.page, 'renderedCenter', id);
    await tp.page.mouse.move(at.x, at.y);
    const hover = await tp.waitForPosted('hover');
    assert.equal(hover.id, id);
    await tp.send({
      type: 'details',
      id,
      blocks: [
        { kind: 'heading', text: HOSTILE_HTML },
        { kind: 'field', label: 'Name', value: HOSTILE_MARKDOWN },
        { kind: 'code', text: '<script>alert(3)</script>' },
      ],
    });
    await tp.page.locator('#details').waitFor({ state: 'visible' });
    const text = await tp.page.locator('#details').innerText();
    assert.ok(text.includes(HOSTILE_HTML) && text.includes(HOSTILE_MARKDOWN), text);
    assert.equal(await tp.page.locator('#details img, #details script, #details a, #details b').count(), 0);
    await tp.page.mouse.click(at.x, at.y);
    const select = await tp.waitForPosted('select');
    assert.deepEqual(select, { type: 'select', id });
    assert.deepEqual(await tp.alerts(), []);
  });

  it("a right-click on an interface gives VS Code's context menu that interface (Capture Traffic…)", async () => {
    await tp.send({ type: 'graph', graph, message: null });
    await tp.waitForPosted('rendered');
    const web1 = byName(lab, 'nxl-web1').id;
    const id = interfaceNodeId(web1, 'eth0');
    const at = await topologyApi<{ x: number; y: number }>(tp.page, 'renderedCenter', id);
    await tp.page.mouse.click(at.x, at.y, { button: 'right' });
    const context = await tp.page.evaluate('document.getElementById("graph").dataset.vscodeContext');
    assert.deepEqual(JSON.parse(String(context)), {
      webviewSection: 'capture',
      ns: web1,
      iface: 'eth0',
      preventDefaultContextMenuItems: true,
    });
    // On the background: no element, no capture entry.
    const box = await tp.page.locator('#graph').boundingBox();
    await tp.page.mouse.click(box!.x + 3, box!.y + box!.height - 3, { button: 'right' });
    assert.equal(await tp.page.evaluate('document.getElementById("graph").dataset.vscodeContext ?? null'), null);
  });

  it('hostile namespace names are drawn and exported as text and run nothing', async () => {
    const g = buildTopology(hostileSnapshot(lab));
    await tp.send({ type: 'graph', graph: g, message: null });
    await tp.waitForPosted('rendered');
    const labels = await topologyApi<string[]>(tp.page, 'labels');
    assert.ok(
      labels.some((l) => l.startsWith(`${HOSTILE_HTML}\n`)),
      'the HTML name is a label, character for character',
    );
    assert.ok(labels.some((l) => l.startsWith('very-long-name-') && l.split('\n')[0]!.endsWith('…')));
    await tp.send({ type: 'export', requestId: 7, format: 'svg' });
    const exported = await tp.waitForPosted('exported');
    const parsed = await tp.page.evaluate((svg) => {
      const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
      return {
        error: doc.querySelector('parsererror') !== null,
        img: doc.querySelectorAll('img, script, foreignObject').length,
        text: doc.documentElement.textContent ?? '',
      };
    }, exported.data);
    assert.equal(parsed.error, false, 'the SVG is well-formed');
    assert.equal(parsed.img, 0);
    assert.ok(parsed.text.includes(HOSTILE_HTML) && parsed.text.includes('**bold** [x](command:workbench'));
    assert.equal(await tp.page.evaluate('document.querySelectorAll("img, script:not([nonce])").length'), 0);
    const managed = g.nodes.find((n) => n.kind === 'ports' && n.classes.includes('managed'))!;
    assert.ok(managed, 'a ports badge marked managed');
    assert.ok((await topologyApi<string[]>(tp.page, 'classes', managed.id)).includes('managed'));
    await tp.page.waitForTimeout(300);
    assert.deepEqual(await tp.alerts(), []);
  });

  it('a highlight message (tree selection or a traced path) selects exactly those elements', async () => {
    await tp.send({ type: 'graph', graph, message: null });
    await tp.waitForPosted('rendered');
    const web1 = byName(lab, 'nxl-web1').id;
    const ids = [namespaceNodeId(web1), interfaceNodeId(web1, 'eth0')];
    await tp.send({ type: 'highlight', ids });
    assert.deepEqual((await topologyApi<string[]>(tp.page, 'selected')).sort(), [...ids].sort());
    await tp.send({ type: 'highlight', ids: [namespaceNodeId(byName(lab, 'nxl-web2').id)] });
    assert.deepEqual(
      await topologyApi<string[]>(tp.page, 'selected'),
      [namespaceNodeId(byName(lab, 'nxl-web2').id)],
      'the previous highlight is cleared',
    );
  });

  it("the side bar's search arrives as a message and highlights the same in the picture", async () => {
    await tp.send({ type: 'graph', graph, message: null });
    await tp.waitForPosted('rendered');
    await tp.send({ type: 'search', query: '5353' });
    await tp.page.waitForFunction(() => document.getElementById('matches')!.textContent !== '');
    assert.equal(
      await tp.page.evaluate(() => (document.getElementById('search') as HTMLElement & { value: string }).value),
      '5353',
      'the search box shows it',
    );
    const mapping = graph.nodes.find((n) => n.kind === 'ports' && n.label.includes('5353→53/udp'))!;
    assert.ok((await topologyApi<string[]>(tp.page, 'classes', mapping.id)).includes('match'));
    await tp.send({ type: 'search', query: '' });
    await tp.page.waitForFunction(() => document.getElementById('matches')!.textContent === '');
  });

  it('search highlights matches and dims the rest; filters show loopback and hide down interfaces', async () => {
    await tp.send({ type: 'graph', graph, message: null });
    await tp.waitForPosted('rendered');
    await tp.page.locator('#search').click();
    await tp.page.keyboard.type('5353');
    await tp.page.waitForFunction(() => document.getElementById('matches')!.textContent !== '');
    const web2 = namespaceNodeId(byName(lab, 'nxl-web2').id);
    const mapping = graph.nodes.find((n) => n.kind === 'ports' && n.label.includes('5353→53/udp'))!;
    assert.ok((await topologyApi<string[]>(tp.page, 'classes', mapping.id)).includes('match'));
    assert.ok(
      !(await topologyApi<string[]>(tp.page, 'classes', web2)).includes('dimmed'),
      'the target namespace stays readable',
    );
    assert.ok(
      (await topologyApi<string[]>(tp.page, 'classes', namespaceNodeId(byName(lab, 'nxl-p2pa').id))).includes('dimmed'),
    );

    await tp.page.locator('#show-loopback').click();
    const withLo = await tp.waitForPosted('rendered', 2);
    assert.equal(
      withLo.counts.interface,
      expectedCounts(lab).interface! + lab.namespaces.length,
      'one lo per namespace',
    );
    assert.equal(withLo.laidOut, false, 'a filter change does not lay the picture out again');
    await tp.page.locator('#show-down').click();
    const noDown = await tp.waitForPosted('rendered', 3);
    assert.equal(noDown.counts.veth, lab.vethPairs.length - 1, 'the down p2p0 and its cable are hidden');
  });

  it('live update: unchanged nodes keep their positions and the viewport stays where the user left it', async () => {
    await tp.send({ type: 'graph', graph, message: null });
    await tp.waitForPosted('rendered');
    await tp.page.mouse.move(600, 400);
    await tp.page.mouse.wheel(0, -300);
    await tp.page.waitForTimeout(200);
    const before = await topologyApi<Positions>(tp.page, 'positions');
    const viewport = await topologyApi<unknown>(tp.page, 'viewport');
    const changed = structuredClone(lab);
    const gone = changed.namespaces.findIndex((n) => n.name === 'nxl-none');
    changed.namespaces.splice(gone, 1);
    const extra = syntheticSnapshot(1).namespaces[1]!;
    changed.namespaces.push({ ...extra, interfaces: extra.interfaces.map((i) => ({ ...i, peer: null })) });
    byName(changed, 'nxl-web1').interfaces.find((i) => i.name === 'eth0')!.addresses = ['10.9.9.9/32'];
    await tp.send({ type: 'graph', graph: buildTopology(changed), message: null });
    const r = await tp.waitForPosted('rendered', 2);
    assert.equal(r.laidOut, false);
    const after = await topologyApi<Positions>(tp.page, 'positions');
    for (const [id, p] of Object.entries(before)) {
      const goneId = lab.namespaces[gone]!.id;
      if (id === namespaceNodeId(goneId) || id.startsWith(`if:${goneId}/`)) {
        assert.ok(!(id in after));
        continue;
      }
      assert.deepEqual(after[id], p, `${id} stayed where it was`);
    }
    assert.ok(after[interfaceNodeId(extra.id, 'eth0')], 'the new namespace was placed');
    assert.deepEqual(await topologyApi<unknown>(tp.page, 'viewport'), viewport);
    assert.ok(
      (await topologyApi<string[]>(tp.page, 'labels')).some((l) => l.includes('10.9.9.9/32')),
      'the changed label is drawn',
    );
  });

  it("draws no SNAT on a container's cable for Docker's embedded-DNS rule, and does draw a real one", async () => {
    const s = syntheticSnapshot(2);
    const [dnsBox, snatBox] = [s.namespaces[1]!, s.namespaces[2]!];
    const set = (id: string, text: string) => {
      const tables = parseIptablesSave(text).tables;
      s.nat.push({
        namespace: id,
        family: 'ipv4',
        source: 'iptables-save',
        ruleCount: tables.reduce((k, t) => k + t.chains.reduce((j, c) => j + c.rules.length, 0), 0),
        tables,
      });
    };
    // A container on a user-defined network: Docker's resolver redirect, SNAT of 127.0.0.11's replies only.
    set(dnsBox.id, readFileSync(join(__dirname, '../../../test/fixtures/iptables/docker-embedded-dns.txt'), 'utf8'));
    // A container that does rewrite its own traffic leaving eth0: the control.
    set(snatBox.id, '*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -o eth0 -j SNAT --to-source 172.17.0.3\nCOMMIT\n');
    await tp.send({ type: 'graph', graph: buildTopology(s), message: null });
    await tp.waitForPosted('rendered');
    const labels = await topologyApi<string[]>(tp.page, 'labels');
    assert.equal(
      labels.filter((l) => /\bSNAT\b/.test(l)).length,
      1,
      `one SNAT label (the control's): ${labels.join(' | ')}`,
    );
    assert.ok(
      labels.some((l) => /MASQUERADE/.test(l)),
      "the host's MASQUERADE on its uplink is still drawn",
    );
  });

  it('exports SVG with every label as text, and PNG', async () => {
    await tp.send({ type: 'graph', graph, message: null });
    await tp.waitForPosted('rendered');
    await tp.send({ type: 'export', requestId: 1, format: 'svg' });
    const svg = await tp.waitForPosted('exported');
    assert.equal(svg.requestId, 1);
    for (const want of [
      'nxl-host',
      'nxl-web1',
      'node (pid',
      '0123456789ab',
      'nxlbr0',
      '8080→80/tcp',
      '5353→53/udp',
      '30000-30010/tcp',
      'MASQUERADE',
    ]) {
      assert.ok(svg.data.includes(`>${want}`), `${want} in the SVG`);
    }
    await tp.send({ type: 'export', requestId: 2, format: 'png' });
    const png = await tp.waitForPosted('exported', 2);
    assert.equal(Buffer.from(png.data, 'base64').subarray(1, 4).toString(), 'PNG');
  });

  it('the layered layout runs in a Web Worker started from the script the extension posts', async () => {
    await tp.send({ type: 'graph', graph, message: null });
    const r = await tp.waitForPosted('rendered');
    assert.equal(r.laidOut, true);
    assert.equal(await tp.page.evaluate('window.__workers'), 1, 'one worker started');
    assert.ok(!readDistText('webview.js').includes('elk.bundled'), "the page's bundle does not carry ELK itself");
    // The compact layout stays as an option, on the page thread.
    await tp.page.evaluate(() => {
      const select = document.getElementById('layout') as HTMLElement & { value: string };
      select.value = 'fcose';
      select.dispatchEvent(new Event('change'));
    });
    const again = await tp.waitForPosted('rendered', 2);
    assert.equal(again.laidOut, true);
    assert.equal(again.counts.namespace, lab.namespaces.length);
  });

  it('readable at the default fit: the lab', async () => {
    await tp.send({ type: 'graph', graph, message: null });
    await tp.waitForPosted('rendered');
    const drawn = await assertReadable(tp, 'lab');
    // Containers are drawn by name with their published ports at the default fit; addresses wait for a closer zoom.
    assert.ok(
      drawn.some((l) => l.kind === 'namespace' && !l.top),
      'container names are drawn',
    );
    assert.ok(
      drawn.some((l) => l.kind === 'ports'),
      'ports badges are drawn',
    );
    await tp.page.screenshot({ path: join(SHOTS, 'topology-page-lab.png') });
  });

  it('readable at the default fit: 200 namespaces on five networks', async () => {
    const big = buildTopology(syntheticSnapshot(200, 5));
    await tp.send({ type: 'graph', graph: big, message: null });
    const r = await tp.waitForPosted('rendered', 1, 90_000);
    assert.equal(r.counts.namespace, 201);
    assert.equal(r.counts.network, 5);
    assert.equal(r.counts.ports, 200);
    await assertReadable(tp, '200 namespaces');
    await tp.page.screenshot({ path: join(SHOTS, 'topology-page-200.png') });
  });

  it('a network of more than 50 namespaces is one group with a count; a click on it asks to open it', async () => {
    const big = buildTopology(syntheticSnapshot(200));
    await tp.send({ type: 'graph', graph: big, message: null });
    const r = await tp.waitForPosted('rendered', 1, 90_000);
    assert.equal(r.counts.namespace, 1, 'only the host is drawn');
    assert.equal(r.counts.group, 1);
    await assertReadable(tp, 'collapsed');
    const at = await topologyApi<{ x: number; y: number }>(tp.page, 'renderedCenter', 'group:4026531840/docker0');
    await tp.page.mouse.click(at.x, at.y);
    const toggle = await tp.waitForPosted('toggleGroup');
    assert.equal(toggle.id, 'group:4026531840/docker0');
    // The extension answers with the network opened, to be laid out again.
    const open = buildTopology(syntheticSnapshot(200), { expanded: new Set(['net:4026531840/docker0']) });
    await tp.send({ type: 'graph', graph: open, message: null, relayout: true });
    const opened = await tp.waitForPosted('rendered', 2, 90_000);
    assert.equal(opened.counts.namespace, 201);
    assert.equal(opened.counts.group ?? 0, 0);
    assert.equal(opened.laidOut, true, 'laid out again');
    await assertReadable(tp, 'opened');
  });
});
