// The topology page alone in headless Chromium under its exact CSP: counts, clicks, hover text, hostile names, live
// updates, export, 200 namespaces.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIptablesSave } from '../../src/core/iptables/parse';
import type { Snapshot } from '../../src/core/model';
import { buildTopology } from '../../src/core/topology/build';
import { interfaceNodeId, namespaceNodeId } from '../../src/core/topology/ids';
import type { TopologyGraph } from '../../src/core/topology/types';
import { HOSTILE_HTML, HOSTILE_MARKDOWN, hostileSnapshot, labSnapshot, syntheticSnapshot } from './fixtures';
import { openTopologyPage, startPageServer, topologyApi, type PageServer, type TopologyPage } from './page';

type Counts = Record<string, number>;
type Positions = Record<string, { x: number; y: number }>;
const byName = (s: Snapshot, name: string) => s.namespaces.find((n) => n.name === name)!;

/** What the picture must hold, counted from the snapshot itself (loopback hidden, as by default). */
function expectedCounts(s: Snapshot): Counts {
  const ifs = s.namespaces.flatMap((n) => n.interfaces);
  const resolved = s.portMappings.filter((m) => m.targetNamespace && m.targetInterface);
  const counts: Counts = {
    namespace: s.namespaces.length,
    interface: ifs.filter((i) => i.kind !== 'loopback' && i.kind !== 'bridge').length,
    bridge: s.bridges.length,
    veth: s.vethPairs.length,
    bridgePort: s.bridges.reduce((n, b) => n + b.ports.length, 0),
    hostPort: new Set(s.portMappings.map((m) => `${m.namespace}/${m.hostIp}/${m.hostPort}`)).size,
    portMapping: resolved.length,
  };
  return counts;
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
    assert.ok(g.edges.some((e) => e.classes.includes('managed')));
    const managed = g.edges.find((e) => e.classes.includes('managed'))!;
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
    const mapping = graph.edges.find((e) => e.kind === 'portMapping' && e.label.startsWith('5353/udp'))!;
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
    const web2Eth0 = interfaceNodeId(byName(lab, 'nxl-web2').id, 'eth0');
    const mapping = graph.edges.find((e) => e.kind === 'portMapping' && e.label.startsWith('5353/udp'))!;
    assert.ok((await topologyApi<string[]>(tp.page, 'classes', mapping.id)).includes('match'));
    assert.ok(
      !(await topologyApi<string[]>(tp.page, 'classes', web2Eth0)).includes('dimmed'),
      'the target stays readable',
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
      'nxlv-web1',
      '8080/tcp',
      '5353/udp',
      '30000-30010/tcp',
      'MASQUERADE',
    ]) {
      assert.ok(svg.data.includes(`>${want}`), `${want} in the SVG`);
    }
    await tp.send({ type: 'export', requestId: 2, format: 'png' });
    const png = await tp.waitForPosted('exported', 2);
    assert.equal(Buffer.from(png.data, 'base64').subarray(1, 4).toString(), 'PNG');
  });

  it('the layered layout (ELK on the main thread) lays out the lab', async () => {
    await tp.send({ type: 'graph', graph, message: null });
    await tp.waitForPosted('rendered');
    await tp.page.evaluate(() => {
      const select = document.getElementById('layout') as HTMLElement & { value: string };
      select.value = 'elk';
      select.dispatchEvent(new Event('change'));
    });
    const r = await tp.waitForPosted('rendered', 2);
    assert.equal(r.laidOut, true);
    assert.equal(r.counts.namespace, lab.namespaces.length);
  });

  it('200 namespaces lay out without freezing the page', async () => {
    const big = buildTopology(syntheticSnapshot(200));
    const started = Date.now();
    await tp.send({ type: 'graph', graph: big, message: null });
    const r = await tp.waitForPosted('rendered', 1, 90_000);
    const wall = Date.now() - started;
    assert.equal(r.counts.namespace, 201);
    assert.equal(r.counts.portMapping, 200);
    console.log(
      `      200 namespaces (${Object.values(r.counts).reduce((a, b) => a + b, 0)} elements): fcose layout ${Math.round(r.layoutMs)} ms, message to rendered ${wall} ms`,
    );
    assert.ok(r.layoutMs < 15_000, `layout took ${r.layoutMs} ms`);
    const t = Date.now();
    await tp.page.evaluate('1');
    assert.ok(Date.now() - t < 1000, 'the page answers right after');
  });
});
