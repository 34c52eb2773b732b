// UI test: the reachability matrix in the real workbench. A cell opens its trace in the Trace view, and the Create
// Port Mapping preview shows the cells the mapping would flip before anything is applied.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { normalizeSave } from '../../src/core/mapping/chainEdits';
import { ExecRunner } from '../../src/host/runner';
import { labDown, labUp } from '../lab/lab';
import {
  launchWorkbench,
  openNetnsExplorer,
  runCommand,
  scrollToRow,
  viewPane,
  webviewFrame,
  type Workbench,
} from './harness';

const runner = new ExecRunner({ timeoutMs: 15_000 });

async function save(): Promise<string> {
  const r = await runner.run(['ip', 'netns', 'exec', 'nxl-host', 'iptables-save']);
  assert.equal(r.failure, null, r.stderr);
  return normalizeSave(r.stdout);
}

async function answer(page: Page, n: number, text: string): Promise<void> {
  await page
    .locator('.quick-input-widget .quick-input-title', { hasText: `(${n}/3)` })
    .waitFor({ state: 'visible', timeout: 20_000 });
  const input = page.locator('.quick-input-widget input.input');
  await input.fill(text);
  await page.waitForTimeout(200);
  await input.press('Enter');
}

describe('reachability matrix in the workbench', function () {
  this.timeout(300_000);
  let workbench: Workbench;
  let folder: string;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    const lab = await labUp();
    folder = mkdtempSync(join(tmpdir(), 'nxr-ws-'));
    mkdirSync(join(folder, '.vscode'));
    writeFileSync(
      join(folder, '.vscode/settings.json'),
      JSON.stringify({ 'netnsExplorer.dockerNetnsDirs': ['/var/run/docker/netns', lab.dockerNetnsDir] }),
    );
    workbench = await launchWorkbench({ folder, width: 1600, height: 1000 });
    await openNetnsExplorer(workbench.page);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && workbench)
      await workbench.page.screenshot({ path: `/tmp/nx-e2e-reach-failed-${Date.now()}.png` });
  });

  after(async () => {
    await workbench?.close();
    await labDown();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('draws the matrix, and a cell opens its trace in the Trace view', async () => {
    const page = workbench.page;
    await runCommand(page, 'Netns Explorer: Show Reachability Matrix');
    const frame = webviewFrame(page);
    await frame.locator('body[data-state="ready"]').waitFor({ timeout: 120_000 });
    assert.match(await frame.locator('#status').innerText(), /\d+ cells \(\d+ sources × \d+ destinations\)/);
    // From outside through the lab host's uplink to its published 8080: Docker's DNAT carries it to nxl-web1.
    const cell = frame.locator('button[aria-label^="outside via eth0 of nxl-host to nxl-host 198.18.0.1:8080/tcp"]');
    await cell.waitFor({ timeout: 30_000 });
    assert.equal(await cell.innerText(), '✓');
    assert.match((await cell.getAttribute('title')) ?? '', /connects/);
    await cell.click();
    const trace = viewPane(page, 'Trace');
    await trace.locator('.monaco-list-row').first().waitFor({ timeout: 60_000 });
    const text = await trace.innerText();
    assert.match(text, /198\.18\.0\.1:8080/, 'the Trace view shows that connection');
    assert.match(text, /delivered|connects|reply/i);
    // Group alike folds the namespaces that reach nothing into one row.
    const rowsBefore = await frame.locator('th.row').count();
    await frame.locator('#group').click();
    await frame.locator('th.row', { hasText: 'alike)' }).first().waitFor({ timeout: 10_000 });
    assert.ok((await frame.locator('th.row').count()) < rowsBefore);
  });

  it("Trace with the Kernel on the cell's trace: the kernel's answer on top, each rule step marked", async () => {
    const page = workbench.page;
    await runCommand(page, 'Netns Explorer: Trace with the Kernel');
    const trace = viewPane(page, 'Trace');
    const top = trace.locator('.monaco-list-row', { hasText: /The kernel (agrees|disagrees)/ }).first();
    await top.waitFor({ timeout: 60_000 });
    assert.match(await top.innerText(), /The kernel agrees: the same \d+ rules? and the same verdict/);
    // The DNAT rule's step, further down the list: marked as seen by the kernel.
    const dnat = await scrollToRow(page, /seen by the kernel.*rewritten to 172\.31\.240\.2:80/, 'Trace', 30_000);
    assert.match(await dnat.innerText(), /nat DOCKER #\d+/);
  });

  it('the Create Port Mapping preview lists the cells the mapping would flip; Cancel changes nothing', async () => {
    const page = workbench.page;
    const before = await save();
    await runCommand(page, 'Netns Explorer: Create Port Mapping');
    await answer(page, 1, '172.31.240.2');
    await answer(page, 2, '18191:80');
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'NETNS-EXPLORER-DNAT' });
    await dialog.waitFor({ timeout: 60_000 });
    const text = await dialog.innerText();
    assert.match(text, /What if: \d+ connections? of the reachability matrix change/);
    assert.match(text, /outside via eth0 of nxl-host → [\d.]+:18191\/tcp: refused → connects/);
    // The dialog grows with the preview: Escape is its Cancel, wherever the button is.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await save(), before, 'nothing was applied');
  });
});
