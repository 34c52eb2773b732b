// UI test: create a port mapping through the quick input in the real workbench, see it in the NAT view, delete it from
// its context menu.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { normalizeSave } from '../../src/core/mapping/chainEdits';
import { ExecRunner } from '../../src/host/runner';
import { labDown, labUp, type LabState } from '../lab/lab';
import {
  expandView,
  hoverRow,
  launchWorkbench,
  openNetnsExplorer,
  scrollToRow,
  treeContextMenu,
  treeRow,
  widenSideBar,
  type Workbench,
} from './harness';

const runner = new ExecRunner({ timeoutMs: 15_000 });
const ROW = '0.0.0.0:18190/tcp → 172.31.240.2:80 (nxl-web1)';

async function save(): Promise<string> {
  const r = await runner.run(['ip', 'netns', 'exec', 'nxl-host', 'iptables-save']);
  assert.equal(r.failure, null, r.stderr);
  return normalizeSave(r.stdout);
}

/** Waits for the quick input to show step `n`, types `text` (replacing what is there) and presses Enter. */
async function answer(page: Page, n: number, text: string | null): Promise<void> {
  await page
    .locator('.quick-input-widget .quick-input-title', { hasText: `(${n}/3)` })
    .waitFor({ state: 'visible', timeout: 20_000 });
  const input = page.locator('.quick-input-widget input.input');
  if (text !== null) await input.fill(text);
  await page.waitForTimeout(200);
  await input.press('Enter');
}

async function dialogButton(page: Page, label: string): Promise<void> {
  const button = page.locator('.monaco-dialog-box .monaco-button', { hasText: new RegExp(`^${label}$`) }).first();
  await button.waitFor({ state: 'visible', timeout: 30_000 });
  await button.click();
}

const contextMenu = (page: Page, row: string, entry: string, opens: ReturnType<Page['locator']>) =>
  treeContextMenu(page, 'NAT', row, entry, opens);

describe('port mappings in the workbench', function () {
  this.timeout(300_000);
  let workbench: Workbench;
  let lab: LabState;
  let folder: string;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    lab = await labUp();
    folder = mkdtempSync(join(tmpdir(), 'nxm-ws-'));
    mkdirSync(join(folder, '.vscode'));
    writeFileSync(
      join(folder, '.vscode/settings.json'),
      JSON.stringify({ 'netnsExplorer.dockerNetnsDirs': ['/var/run/docker/netns', lab.dockerNetnsDir] }),
    );
    workbench = await launchWorkbench({ folder, width: 1400, height: 1000 });
    await openNetnsExplorer(workbench.page);
    await widenSideBar(workbench.page, 700);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && workbench)
      await workbench.page.screenshot({ path: `/tmp/nx-e2e-mapping-failed-${Date.now()}.png` });
  });

  after(async () => {
    await workbench?.close();
    if (lab) await labDown();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('creates a mapping through the quick input, shows it in the NAT view, and deletes it from its context menu', async () => {
    const page = workbench.page;
    const before = await save();
    for (const view of ['Namespaces', 'Bridges', 'Veth Pairs']) {
      const header = page.locator('.part.sidebar .pane-header', { hasText: new RegExp(`^${view}`, 'i') }).first();
      if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
    }
    await expandView(page, 'NAT');
    await scrollToRow(page, '0.0.0.0:8080/tcp → 172.31.240.2:80 (nxl-web1)', 'NAT', 60_000);

    // The "+" on the NAT view, two prompts (the container, then the ports as for docker run -p) and the preview.
    await page.locator('.part.sidebar .pane-header', { hasText: /^NAT/i }).first().hover();
    await page.locator('.part.sidebar .pane-header .action-label[aria-label="Create Port Mapping"]').first().click();
    await answer(page, 1, '172.31.240.2');
    await answer(page, 2, '18190:80');
    await page.locator('.monaco-dialog-box', { hasText: 'NETNS-EXPLORER-DNAT' }).waitFor({ timeout: 30_000 });
    assert.equal(
      await page.locator('.quick-input-widget .quick-input-title', { hasText: '(3/3)' }).count(),
      0,
      'the NAT step was skipped: the target is on a bridge',
    );
    await dialogButton(page, 'Apply');
    await page.locator('.notifications-toasts', { hasText: 'is now reachable' }).waitFor({ timeout: 30_000 });
    assert.notEqual(await save(), before, 'rules were added');

    await scrollToRow(page, ROW, 'NAT', 60_000);
    const tip = await hoverRow(page, ROW, 'NAT');
    assert.match(tip, /Made by Netns Explorer/);
    await page.mouse.move(1100, 600);

    await contextMenu(
      page,
      ROW,
      'Delete Port Mapping',
      page.locator('.monaco-dialog-box', { hasText: 'will be removed' }),
    );
    await dialogButton(page, 'Delete');
    await treeRow(page, ROW, 'NAT').waitFor({ state: 'detached', timeout: 60_000 });
    assert.equal(await save(), before, 'iptables-save is byte-identical to before');
  });

  it("deleting Docker's mapping first warns, naming Docker and the rules; Cancel changes nothing", async () => {
    const page = workbench.page;
    const before = await save();
    const row = '0.0.0.0:8080/tcp → 172.31.240.2:80 (nxl-web1)';
    await page.keyboard.press('Escape');
    await scrollToRow(page, row, 'NAT'); // the list may have moved since: other tools' mappings can come first
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'was made by Docker' });
    await contextMenu(page, row, 'Delete Port Mapping', dialog);
    assert.match(
      await dialog.innerText(),
      /-D DOCKER ! -i nxlbr0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172\.31\.240\.2:80/,
    );
    await dialogButton(page, 'Cancel');
    assert.equal(await save(), before);
  });
});
