// UI test: the topology picture in the real workbench (code-server + Chromium) on the lab: rendering, click to reveal,
// screenshot.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labUp, type LabState } from '../lab/lab';
import { findings, NOTHING_FOUND, watchSecurity, type SecurityWatch } from './security';
import {
  launchWorkbench,
  moveToEditorArea,
  openNetnsExplorer,
  PICTURE_DRAWN,
  runCommand,
  screenshot,
  serverInfo,
  useTheme,
  viewPane,
  webviewFrame,
  waitForWorkbench,
  type Workbench,
} from './harness';

describe('topology picture in the workbench', function () {
  this.timeout(240_000);
  let workbench: Workbench;
  let lab: LabState;
  let folder: string;
  let watch: SecurityWatch;
  let settingsFile: string;
  let settings: Record<string, unknown>;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    lab = await labUp();
    folder = mkdtempSync(join(tmpdir(), 'nxl-ws-'));
    mkdirSync(join(folder, '.vscode'));
    settingsFile = join(folder, '.vscode/settings.json');
    settings = { 'netnsExplorer.dockerNetnsDirs': ['/var/run/docker/netns', lab.dockerNetnsDir] };
    writeFileSync(settingsFile, JSON.stringify(settings));
    workbench = await launchWorkbench({
      folder,
      width: 1600,
      height: 1000,
      beforeLoad: async (page) => {
        watch = await watchSecurity(page);
      },
    });
    await openNetnsExplorer(workbench.page);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && workbench)
      await workbench.page.screenshot({ path: `/tmp/nx-e2e-failed-${Date.now()}.png` });
  });

  after(async () => {
    await workbench?.close();
    if (lab) await labDown();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('Show Topology draws the lab in a webview tab', async () => {
    const page = workbench.page;
    await runCommand(page, 'Netns Explorer: Show Topology');
    const frame = webviewFrame(page);
    await frame.locator('#graph canvas').first().waitFor({ state: 'attached', timeout: 60_000 });
    await frame.locator('#status', { hasText: PICTURE_DRAWN }).waitFor({ timeout: 60_000 });
    const labels = await frame
      .locator('#graph')
      .evaluate(() => (window as unknown as { netnsTopology: { labels(): string[] } }).netnsTopology.labels());
    for (const ns of lab.namespaces) {
      const want = ns.name ?? `${ns.processes[0]!.command} (pid`;
      assert.ok(
        labels.some((l) => l.startsWith(want)),
        `${want} is drawn`,
      );
    }
    assert.ok(labels.some((l) => l.startsWith('nxlbr0')));
    // One badge per container, its bindings merged: `8080→80/tcp`; `5353→53/udp · 198.18.0.1:9090→80/tcp`.
    assert.ok(labels.includes('8080→80/tcp'), labels.join(' | '));
    assert.ok(labels.some((l) => l.startsWith('5353→53/udp · ')));
  });

  it('clicking an interface reveals and selects it in the Namespaces view', async () => {
    const page = workbench.page;
    const web1 = lab.namespaces.find((n) => n.key === 'web1')!;
    const graph = webviewFrame(page).locator('#graph');
    const position = await graph.evaluate((el, id) => {
      const r = el.getBoundingClientRect();
      const c = (
        window as unknown as { netnsTopology: { renderedCenter(id: string): { x: number; y: number } } }
      ).netnsTopology.renderedCenter(id);
      return { x: c.x - r.left, y: c.y - r.top };
    }, `if:${web1.inode}/eth0`);
    await graph.click({ position });
    const selected = viewPane(page, 'Namespaces').locator('.monaco-list-row.selected');
    await selected.filter({ hasText: 'eth0' }).first().waitFor({ timeout: 30_000 });
    assert.match(await selected.first().innerText(), /eth0[\s\S]*172\.31\.240\.2/);
  });

  it("keeps a screenshot of the lab's topology for the README", async () => {
    const page = workbench.page;
    await moveToEditorArea(page);
    await page.mouse.move(5, 500);
    await page.waitForTimeout(800);
    await screenshot(page, 'topology');
    assert.deepEqual(await findings(watch), NOTHING_FOUND, 'no CSP violation, nothing tried to run');
  });

  it('the page can load what is in dist/ and nothing outside it: the extension folder and the workspace are refused', async () => {
    // Stylesheets, because the page's CSP lets them come from the webview's resource origin: what
    // decides is localResourceRoots, enforced by the workbench. All three files exist.
    const { repoRoot } = serverInfo();
    writeFileSync(join(folder, 'probe.css'), 'body { color: red }\n');
    const paths = [join(repoRoot, 'dist/webview.css'), join(repoRoot, 'media/topology.css'), join(folder, 'probe.css')];
    const results = await webviewFrame(workbench.page)
      .locator('head')
      .evaluate(async (_el, wanted) => {
        const own = document.querySelector<HTMLLinkElement>('link[rel="stylesheet"]')!;
        const load = (path: string) =>
          new Promise<string>((resolve) => {
            const url = new URL(own.href);
            url.pathname = path;
            const link = document.createElement('link');
            link.rel = 'stylesheet';
            link.href = url.href;
            const done = (how: string) => {
              link.remove();
              resolve(how);
            };
            link.addEventListener('load', () => done('loaded'));
            link.addEventListener('error', () => done('refused'));
            document.head.append(link);
          });
        return Promise.all(wanted.map(load));
      }, paths);
    assert.deepEqual(Object.fromEntries(paths.map((p, i) => [p, results[i]])), {
      [paths[0]!]: 'loaded',
      [paths[1]!]: 'refused',
      [paths[2]!]: 'refused',
    });
  });

  it("follows the theme: dark, light and high contrast, every colour drawn being one of the theme's", async () => {
    const page = workbench.page;
    const frame = webviewFrame(page);
    type Colours = { drawn: string[]; theme: string[]; body: string };
    const colours = () =>
      frame
        .locator('#graph')
        .evaluate(() => (window as unknown as { netnsTopology: { colours(): Colours } }).netnsTopology.colours());
    const themes = [
      ['light', 'topology-light'],
      ['highContrast', 'topology-high-contrast'],
      ['dark', 'topology-dark'],
    ] as const;
    const palettes = new Set<string>();
    for (const [theme, shot] of themes) {
      await useTheme(page, settingsFile, settings, theme);
      const c = await colours();
      assert.deepEqual(
        c.drawn.filter((x) => !c.theme.includes(x)),
        [],
        `${theme}: every colour drawn comes from the theme (${c.theme.join(' ')})`,
      );
      palettes.add(c.theme.join());
      await page.mouse.move(5, 500);
      await screenshot(page, shot);
    }
    assert.equal(palettes.size, themes.length, 'each theme gives the picture its own colours');
  });

  it('after Developer: Reload Window the picture comes back with the same positions', async () => {
    const page = workbench.page;
    type Api = { netnsTopology: { positions(): Record<string, { x: number; y: number }> } };
    const positions = () =>
      webviewFrame(page)
        .locator('#graph')
        .evaluate(() => (window as unknown as Api).netnsTopology.positions());
    const before = await positions();
    assert.ok(Object.keys(before).length > 10, 'the lab is drawn');
    await page.waitForTimeout(1500); // the page sends its positions once things settle; the extension keeps them
    await runCommand(page, 'Developer: Reload Window');
    await waitForWorkbench(page, 120_000);
    const frame = webviewFrame(page);
    await frame.locator('#status', { hasText: PICTURE_DRAWN }).waitFor({ timeout: 120_000 });
    const after = await positions();
    const moved = Object.keys(before).filter((id) => {
      const a = before[id]!;
      const b = after[id];
      return !b || Math.abs(a.x - b.x) > 1 || Math.abs(a.y - b.y) > 1;
    });
    assert.deepEqual(moved, [], 'every node is where it was');
  });
});
