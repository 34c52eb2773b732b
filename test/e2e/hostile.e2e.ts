// UI test: the hostile-names lab in the real workbench: every name literal in the Namespaces tree, its tooltip and the
// topology; nothing runs, zero CSP violations.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { MAX_LABEL } from '../../src/core/topology/text';
import {
  HOSTILE_IFACES,
  HOSTILE_MARKER,
  hostileDown,
  hostileUp,
  type HostileKey,
  type HostileState,
} from '../lab/hostile';
import {
  filterNamespaces,
  hoverRow,
  launchWorkbench,
  moveToEditorArea,
  openNetnsExplorer,
  PICTURE_DRAWN,
  runCommand,
  screenshot,
  treeRow,
  treeRows,
  viewPane,
  webviewFrame,
  widenSideBar,
  type TreeRow,
  type Workbench,
} from './harness';
import { findings, NOTHING_FOUND, watchSecurity, type SecurityWatch } from './security';

interface TopologyApi {
  labels(): string[];
  selected(): string[];
  svg(): string;
  renderedCenter(id: string): { x: number; y: number } | null;
  viewport(): { zoom: number };
}

/**
 * How the picture writes a name (src/core/topology/text.ts): as text, on one line (the newline and the
 * right-to-left override become U+FFFD, the only invisible characters in the lab's names), cut to
 * MAX_LABEL characters with '…'. The full name is in the hover details.
 */
function pictureText(name: string): string {
  const chars = [...name.replace(/[\n\u202e]/g, '\ufffd')];
  return chars.length > MAX_LABEL ? `${chars.slice(0, MAX_LABEL - 1).join('')}…` : chars.join('');
}

/** Markup the names would turn into if anything rendered them as HTML or Markdown. */
const MARKUP = 'img, a, b, i, em, strong, code, script, iframe, object, embed';

/**
 * Selects a row of the Namespaces view and waits until the picture has selected the element `id` too:
 * the picture brings a selected element into view (TopologyView.highlight), however many namespaces
 * the host has and wherever the layout put it.
 */
async function selectFromTree(page: Page, row: string, id: string): Promise<void> {
  await treeRow(page, row, 'Namespaces').click();
  const selected = await webviewFrame(page)
    .locator('#graph')
    .evaluate(async (_el, elementId) => {
      const api = (window as unknown as { netnsTopology: TopologyApi }).netnsTopology;
      for (let i = 0; i < 100 && !api.selected().includes(elementId); i++) await new Promise((r) => setTimeout(r, 100));
      return api.selected();
    }, id);
  assert.ok(
    selected.includes(id),
    `selecting ${JSON.stringify(row)} in the tree selects ${id} in the picture: ${selected.join(', ')}`,
  );
}

/** Hovers a picture element (in view) and returns the hover box's text, which the page writes with textContent. */
async function hoverElement(page: Page, id: string): Promise<string> {
  const frame = webviewFrame(page);
  const graph = frame.locator('#graph');
  const details = frame.locator('#details');
  await page.mouse.move(5, 500); // off the picture, so the next hover is a new one
  await details.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
  const position = await graph.evaluate((el, elementId) => {
    const r = el.getBoundingClientRect();
    const c = (window as unknown as { netnsTopology: TopologyApi }).netnsTopology.renderedCenter(elementId);
    return (
      c && { x: c.x - r.left, y: c.y - r.top, inside: c.x > r.left && c.x < r.right && c.y > r.top && c.y < r.bottom }
    );
  }, id);
  assert.ok(position?.inside, `${id} is drawn inside the picture's area: ${JSON.stringify(position)}`);
  await graph.hover({ position });
  await details.waitFor({ state: 'visible', timeout: 15_000 });
  assert.equal(await details.locator(MARKUP).count(), 0, `the hover box of ${id} holds text only`);
  return (await details.textContent()) ?? '';
}

describe('hostile names in the workbench: tree, tooltip and topology', function () {
  this.timeout(300_000);
  let workbench: Workbench;
  let lab: HostileState;
  let keys: HostileKey[];
  let folder: string;
  let watch: SecurityWatch;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    // the lab lock may be held by another suite for a while (hostileUp waits up to 20 minutes)
    this.timeout(25 * 60_000);
    lab = await hostileUp();
    keys = Object.keys(lab.names) as HostileKey[];
    folder = mkdtempSync(join(tmpdir(), 'nxh-ws-'));
    workbench = await launchWorkbench({
      folder,
      width: 1600,
      height: 1000,
      beforeLoad: async (page) => {
        watch = await watchSecurity(page);
      },
    });
    await openNetnsExplorer(workbench.page);
    await widenSideBar(workbench.page, 640);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && workbench)
      await workbench.page.screenshot({ path: `/tmp/nx-e2e-failed-${Date.now()}.png` });
  });

  after(async () => {
    await workbench?.close();
    if (lab) await hostileDown();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('Namespaces: every hostile name is a row whose label text is the name, character for character', async () => {
    const page = workbench.page;
    // Other suites' namespaces may fill the host: search for the marker, as a user would.
    await filterNamespaces(page, HOSTILE_MARKER);
    const filtered = (rows: TreeRow[]) =>
      rows.length === keys.length && rows.every((r) => r.rawName.includes(HOSTILE_MARKER));
    let top = (await treeRows(page, 'Namespaces')).filter((r) => r.level === 1);
    for (let i = 0; i < 60 && !filtered(top); i++) {
      await page.waitForTimeout(500);
      top = (await treeRows(page, 'Namespaces')).filter((r) => r.level === 1);
    }
    assert.equal(
      top.length,
      keys.length,
      `one row per hostile namespace: ${top.map((r) => JSON.stringify(r.rawName)).join(' | ')}`,
    );
    for (const key of keys) {
      const name = lab.names[key];
      // textContent, not the visible text: the 255-byte name is cut by CSS with an ellipsis, and
      // innerText would fold whitespace; the element must still hold the whole name. The one change
      // is VS Code's own: its labels draw a line break as ⏎ (HighlightedLabel.escapeNewLines).
      const shown = name.replace(/\r\n|\r|\n/g, '\u23ce');
      const row = top.find((r) => r.rawName === shown);
      assert.ok(
        row,
        `${key}: a row whose label is exactly ${JSON.stringify(shown)}; got ${top.map((r) => JSON.stringify(r.rawName)).join(' | ')}`,
      );
      // The accessible name screen readers read: the exact label, then the description.
      assert.ok(row.label.startsWith(`${name} `), `${key}: aria-label ${JSON.stringify(row.label)}`);
    }
    // Inside each label (VS Code's own <a class="label-name">) and description: text, no element made from a name.
    const labelParts = viewPane(page, 'Namespaces')
      .locator('.monaco-list-row')
      .locator('.label-name, .label-description');
    assert.equal(await labelParts.count(), 2 * keys.length);
    const markup = await labelParts.locator(MARKUP).evaluateAll((els) => els.map((e) => e.outerHTML));
    assert.deepEqual(markup, [], 'no label or description holds markup');
  });

  it('Namespaces: hovering the HTML- and the Markdown-named rows shows the names as text: no image, no link', async () => {
    const page = workbench.page;
    for (const key of ['html', 'markdown'] as const) {
      const tip = await hoverRow(page, lab.names[key], 'Namespaces');
      assert.ok(tip.includes(lab.names[key]), `${key}: the tooltip shows ${lab.names[key]} literally: ${tip}`);
      const hover = page.locator('.monaco-hover:visible, .workbench-hover:visible').last();
      assert.equal(await hover.locator('img').count(), 0, `${key}: no image in the tooltip`);
      assert.equal(await hover.locator('a').count(), 0, `${key}: no link in the tooltip`);
      assert.equal(
        await page.locator('[href^="command:"], [data-href^="command:"]').count(),
        0,
        `${key}: no command link anywhere`,
      );
    }
    await moveToEditorArea(page);
  });

  it('Topology: every hostile name is a node label, as text; hover boxes show the full names; nothing is markup', async () => {
    const page = workbench.page;
    await runCommand(page, 'Netns Explorer: Show Topology');
    const frame = webviewFrame(page);
    await frame.locator('#status', { hasText: PICTURE_DRAWN }).waitFor({ timeout: 120_000 });
    const graph = frame.locator('#graph');

    // 1. The page's own record of what it drew (cytoscape's element data).
    const labels = await graph.evaluate(() =>
      (window as unknown as { netnsTopology: TopologyApi }).netnsTopology.labels(),
    );
    for (const key of keys) {
      const want = pictureText(lab.names[key]);
      assert.ok(
        labels.some((l) => l.split('\n')[0] === want),
        `${key}: a node labelled ${JSON.stringify(want)}`,
      );
    }

    // 2. Independent of cytoscape's canvas and of the page's DOM: the SVG the page exports, parsed as
    // XML. Each hostile namespace's group (by its inode) has the name as its first line of text, and
    // the document holds no element a name could have become.
    const ids = keys.map((key) => ({ key, id: `ns:${lab.ids[key]}`, want: pictureText(lab.names[key]) }));
    const parsed = await graph.evaluate((_el, groups) => {
      const svg = (window as unknown as { netnsTopology: TopologyApi }).netnsTopology.svg();
      const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
      const firstLine = (id: string) =>
        [...doc.querySelectorAll('g[data-id]')]
          .find((g) => g.getAttribute('data-id') === id)
          ?.querySelector('text tspan')?.textContent ?? null;
      return {
        wellFormed: doc.querySelector('parsererror') === null,
        markup: doc.querySelectorAll('img, a, script, foreignObject, iframe').length,
        lines: Object.fromEntries(groups.map((g) => [g.key, firstLine(g.id)])),
      };
    }, ids);
    assert.equal(parsed.wellFormed, true, 'the exported SVG is well-formed');
    assert.equal(parsed.markup, 0, 'no img, a, script or foreignObject in the SVG');
    for (const { key, want } of ids) assert.equal(parsed.lines[key], want, `${key}: its group's first line in the SVG`);

    // 3. The page's DOM: hover boxes write the whole name as text (the 255-byte one uncut). Zoomed in
    // (a host with hundreds of namespaces fits them small), each element brought into view by
    // selecting it in the tree.
    await frame.locator('#fit').click();
    const zoom = () =>
      graph.evaluate(() => (window as unknown as { netnsTopology: TopologyApi }).netnsTopology.viewport().zoom);
    for (let i = 0; i < 15 && (await zoom()) < 1; i++) await frame.locator('#zoom-in').click(); // labels at their own size
    await selectFromTree(page, lab.names.long, `ns:${lab.ids.long}`);
    const long = await hoverElement(page, `ns:${lab.ids.long}`);
    assert.ok(long.includes(lab.names.long), `the long name in full: ${long.slice(0, 120)}…`);
    await selectFromTree(page, lab.names.html, `ns:${lab.ids.html}`); // also expands it in the tree
    await selectFromTree(page, HOSTILE_IFACES.html, `if:${lab.ids.html}/${HOSTILE_IFACES.html}`);
    const iface = await hoverElement(page, `if:${lab.ids.html}/${HOSTILE_IFACES.html}`);
    for (const text of [HOSTILE_IFACES.html, lab.names.html, HOSTILE_IFACES.markdown, lab.names.markdown]) {
      assert.ok(iface.includes(text), `the interface's hover shows ${JSON.stringify(text)}: ${iface}`);
    }
    await page.mouse.move(5, 500);

    // No element anywhere in the page made from a name: the picture is a canvas and the page itself has no image.
    assert.equal(await frame.locator('img').count(), 0, 'no img in the topology page (shadow roots included)');
    assert.equal(await page.locator('img[src="x"], img[onerror]').count(), 0, 'no img from a name in the workbench');
  });

  it('keeps a screenshot of the hostile names in the tree and the picture', async () => {
    const page = workbench.page;
    const frame = webviewFrame(page);
    // Search the picture for the marker (the rest dims); the picture is still zoomed in on the
    // HTML-named namespace's interface, selected in the tree.
    await frame.locator('#search input').fill(HOSTILE_MARKER);
    await frame.locator('#matches', { hasText: /\d+ match/ }).waitFor({ timeout: 10_000 });
    const matches = Number(/(\d+)/.exec((await frame.locator('#matches').textContent()) ?? '')?.[1]);
    assert.ok(matches >= keys.length, `search finds every hostile namespace: ${matches} matches`);
    // With the interface's hover box open: names as text in the tree, on the picture and in the box.
    await hoverElement(page, `if:${lab.ids.html}/${HOSTILE_IFACES.html}`);
    await page.waitForTimeout(500);
    await screenshot(page, 'hostile');
    await page.mouse.move(5, 500);
  });

  it('nothing ran and no CSP violation happened in any frame; the watch itself sees both when provoked', async () => {
    const page = workbench.page;
    const reports = await watch.frameReports();
    const webviews = reports.filter((r) => r.url.includes('/webview/'));
    assert.ok(
      webviews.length >= 2,
      `the probe runs in the webview's outer and inner frames: ${reports.map((r) => r.url).join(' | ')}`,
    );
    // CSP reports and alert() calls in every frame, CSP and ignored-dialog messages on every console, dialogs.
    assert.deepEqual(await findings(watch), NOTHING_FOUND);

    // A watch that cannot see anything would pass the lines above: provoke one violation and one
    // alert inside the topology page, and one dialog in the workbench, and check each is seen.
    await webviewFrame(page)
      .locator('body')
      .evaluate(() => {
        document.body.setAttribute('style', 'outline: 0'); // an inline style: refused by style-src
        window.alert('nx-probe'); // ignored: the webview frame has no allow-modals
      });
    await page.evaluate(() => window.alert('nx-probe'));
    const after = await watch.frameReports();
    const active = after.find((r) => r.violations.some((v) => v.startsWith('style-src')));
    assert.ok(active, `the provoked violation was reported: ${JSON.stringify(after)}`);
    assert.ok(active.alerts.includes('alert(nx-probe)'));
    assert.ok(
      watch.cspConsole.length >= 1 && watch.ignoredDialogs.length >= 1,
      `console saw them: ${JSON.stringify(watch)}`,
    );
    assert.deepEqual(watch.dialogs, ['alert: nx-probe']);
  });
});
