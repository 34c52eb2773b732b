// UI test: packet capture in the real workbench, with real traffic through the lab. Capture Traffic… on two
// interfaces in two namespaces (the lab host's uplink and nxl-web1's eth0) lists packets live from both: the same
// connection before and after Docker's DNAT. Pause freezes the list, Stop ends the capture; a bad filter is refused
// with tcpdump's message; closing the panel, and killing the extension host, leave no tcpdump.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ExecRunner } from '../../src/host/runner';
import { liveCaptureTcpdumps, noCaptureTcpdumpWithin, REPO } from '../host/helpers';
import { labDown, labUp } from '../lab/lab';
import {
  expandRow,
  expandView,
  PICTURE_DRAWN,
  filterNamespaces,
  launchWorkbench,
  openNetnsExplorer,
  runCommand,
  screenshot,
  treeContextMenu,
  treeRow,
  webviewFrame,
  type Workbench,
} from './harness';

const runner = new ExecRunner({ timeoutMs: 15_000 });

/** One TCP connection from the lab's outside client to the published port 8080 (DNAT to nxl-web1:80). */
async function connect(): Promise<void> {
  const r = await runner.run([
    'ip',
    'netns',
    'exec',
    'nxl-out',
    process.execPath,
    join(REPO, 'test/lab/client.js'),
    '198.18.0.1',
    '8080',
    'tcp',
  ]);
  assert.equal(r.failure, null, r.stderr);
}

/** Checks the quick pick's row for `iface` of `ns` (a multi-select pick: the filter narrows, the checks stay). */
async function check(page: Page, ns: string, iface: string): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  await input.fill(ns);
  const row = page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ hasText: ns })
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${iface}$`) }) })
    .first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.locator('.quick-input-list-checkbox, .monaco-checkbox, input[type=checkbox]').first().click();
}

/** Answers the quick pick whose title holds `title`: types `value` (the pick narrows to it) and accepts. */
async function answerPick(page: Page, title: string, value: string): Promise<void> {
  await page
    .locator('.quick-input-widget .quick-input-title', { hasText: title })
    .waitFor({ state: 'visible', timeout: 30_000 });
  const input = page.locator('.quick-input-widget input.input');
  await input.fill(value);
  await page.waitForTimeout(300);
  await input.press('Enter');
  await page
    .locator('.quick-input-widget .quick-input-title', { hasText: title })
    .waitFor({ state: 'hidden', timeout: 30_000 });
}

async function answerFilter(page: Page, filter: string): Promise<void> {
  // The filter's input box (its title names the interfaces; its prompt is tcpdump's message after a refusal).
  const box = page.locator('.quick-input-widget', { hasText: 'Capture on ' });
  await box.waitFor({ state: 'visible', timeout: 30_000 });
  const input = page.locator('.quick-input-widget input.input');
  await input.fill(filter);
  await input.press('Enter');
}

describe('packet capture in the workbench', function () {
  this.timeout(300_000);
  let workbench: Workbench;
  let folder: string;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    assert.deepEqual(await liveCaptureTcpdumps(), [], 'a capture tcpdump was running before the tests');
    const lab = await labUp();
    folder = mkdtempSync(join(tmpdir(), 'nxc-ws-'));
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
      await workbench.page.screenshot({ path: `/tmp/nx-e2e-capture-failed-${Date.now()}.png` });
  });

  after(async () => {
    await workbench?.close();
    await labDown();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('captures two interfaces in two namespaces at once: packets before and after DNAT, live; Pause; Stop', async () => {
    const page = workbench.page;
    await runCommand(page, 'Netns Explorer: Capture Traffic…');
    await page
      .locator('.quick-input-widget .quick-input-title', { hasText: 'interfaces to capture together' })
      .waitFor({ state: 'visible', timeout: 30_000 });
    await check(page, 'nxl-host', 'eth0');
    await check(page, 'nxl-web1', 'eth0');
    await page.locator('.quick-input-widget input.input').press('Enter');
    await answerFilter(page, 'tcp port 8080 or tcp port 80');

    const frame = webviewFrame(page);
    await frame.locator('body[data-state="capturing"]').waitFor({ timeout: 60_000 });
    await frame.locator('#sources .source.listening').nth(1).waitFor({ timeout: 30_000 });
    assert.deepEqual((await frame.locator('#sources .source').allInnerTexts()).map((t) => t.split(':')[0]).sort(), [
      'nxl-host/eth0',
      'nxl-web1/eth0',
    ]);
    await connect();
    const before = frame.locator('tbody tr', { hasText: 'nxl-host/eth0' }).filter({ hasText: '198.18.0.1:8080' });
    const after = frame.locator('tbody tr', { hasText: 'nxl-web1/eth0' }).filter({ hasText: '172.31.240.2:80' });
    await before.first().waitFor({ timeout: 30_000 });
    await after.first().waitFor({ timeout: 30_000 });
    assert.match(await before.first().innerText(), /TCP/);
    assert.match(await after.first().innerText(), /\[SYN\]/);

    // The answer's data packet: its payload text below the list.
    await frame.locator('tbody tr', { hasText: 'nxl-web1/eth0' }).filter({ hasText: 'len=16' }).first().click();
    assert.match(await frame.locator('#detail').innerText(), /payload: nxl:nxl-web1:80\./);

    // Pause: the list stays as it is while packets keep coming; Resume shows them.
    await frame.locator('#pause').click();
    const shown = await frame.locator('tbody tr').count();
    await connect();
    await frame.locator('#pause', { hasText: /Resume \(\d+ new\)/ }).waitFor({ timeout: 30_000 });
    assert.equal(await frame.locator('tbody tr').count(), shown);
    await frame.locator('#pause').click();
    assert.ok((await frame.locator('tbody tr').count()) > shown);
    await connect();
    await page.waitForTimeout(1000);
    await screenshot(page, 'capture');

    await frame.locator('#stop').click();
    await frame.locator('body[data-state="ended"]').waitFor({ timeout: 30_000 });
    assert.match(await frame.locator('#status').innerText(), /Ended \(stopped: \d+ packets/);
    assert.deepEqual(await noCaptureTcpdumpWithin(5000), []);
    await runCommand(page, 'View: Close All Editors');
  });

  it('refuses a filter tcpdump cannot compile; closing the panel stops the capture', async () => {
    const page = workbench.page;
    await filterNamespaces(page, 'nxl-web1');
    await expandRow(page, /^nxl-web1/, 'Namespaces');
    const box = page.locator('.quick-input-widget', { hasText: 'Capture on ' });
    await treeContextMenu(page, 'Namespaces', /^eth0/, 'Capture Traffic…', box);
    await answerFilter(page, 'tcp port eighty');
    // Asked again, with tcpdump's own message.
    await page
      .locator('.quick-input-widget', { hasText: /nxl-web1\/eth0: tcpdump: .*eighty/ })
      .waitFor({ state: 'visible', timeout: 30_000 });
    await answerFilter(page, 'tcp');
    const frame = webviewFrame(page);
    await frame.locator('#sources .source.listening').waitFor({ timeout: 60_000 });
    assert.equal((await liveCaptureTcpdumps()).length, 1);
    await runCommand(page, 'View: Close All Editors');
    assert.deepEqual(await noCaptureTcpdumpWithin(5000), []);
  });

  it('Capture This Path: one click captures every interface a traced packet crosses', async () => {
    const page = workbench.page;
    // Trace Connection… from outside through the lab host's uplink to its published 8080, then Capture This Path.
    await runCommand(page, 'Netns Explorer: Trace Connection…');
    await answerPick(page, 'which host', 'nxl-host');
    await answerPick(page, 'where does the connection come from', 'Outside, through eth0');
    await answerPick(page, 'destination', '198.18.0.1:8080');
    // The protocol is asked only when the destination did not bring one.
    const protocol = page.locator('.quick-input-widget .quick-input-title', { hasText: 'protocol' });
    if (
      await protocol.waitFor({ state: 'visible', timeout: 3000 }).then(
        () => true,
        () => false,
      )
    )
      await answerPick(page, 'protocol', 'tcp');
    await page.locator('.pane-header', { hasText: /trace/i }).first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000);
    await runCommand(page, 'Netns Explorer: Capture This Path');
    const input = page.locator('.quick-input-widget input.input');
    // The filter offered: the traced protocol and its ports before and after the DNAT.
    await page
      .locator('.quick-input-widget', { hasText: 'Capture on ' })
      .waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await input.inputValue(), 'tcp and (port 8080 or port 80)');
    await input.press('Enter');
    const frame = webviewFrame(page);
    await frame.locator('body[data-state="capturing"]').waitFor({ timeout: 60_000 });
    const sources = (await frame.locator('#sources .source').allInnerTexts()).map((t) => t.split(':')[0]);
    // In by the uplink, out by the bridge to the container's cable, in by its eth0.
    assert.ok(sources.includes('nxl-host/eth0') && sources.includes('nxl-web1/eth0'), sources.join(', '));
    await frame
      .locator('#sources .source.listening')
      .nth(sources.length - 1)
      .waitFor({ timeout: 30_000 });
    await connect();
    await frame.locator('tbody tr', { hasText: 'nxl-web1/eth0' }).first().waitFor({ timeout: 30_000 });
    await frame.locator('tbody tr', { hasText: 'nxl-host/eth0' }).first().waitFor({ timeout: 30_000 });
    await runCommand(page, 'View: Close All Editors');
    assert.deepEqual(await noCaptureTcpdumpWithin(5000), []);
  });

  it('the Connections view lists a DNATed connection with its mapping; the topology draws it as a live edge', async () => {
    const page = workbench.page;
    await filterNamespaces(page, '');
    await connect();
    await expandView(page, 'Connections');
    const row = treeRow(page, /198\.18\.0\.1:8080 ⇒ 172\.31\.240\.2:80/, 'Connections');
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await row.innerText(), /mapping 0\.0\.0\.0:8080\/tcp → 172\.31\.240\.2:80/);
    assert.match(await treeRow(page, /^nxl-host/, 'Connections').innerText(), /\d+ connections? · \d+ DNAT/);

    await runCommand(page, 'Netns Explorer: Show Topology');
    const frame = webviewFrame(page);
    await frame.locator('#status', { hasText: PICTURE_DRAWN }).waitFor({ timeout: 60_000 });
    await frame.locator('#show-connections').click();
    await connect();
    // An edge of kind "connection" from the outside client's namespace to nxl-web1: tcp/80 with a count.
    const labels = () =>
      frame
        .locator('#graph')
        .evaluate(() => (window as unknown as { netnsTopology: { labels(): string[] } }).netnsTopology.labels());
    let found: string[] = [];
    for (let i = 0; i < 60 && !found.length; i++) {
      found = (await labels()).filter((l) => /^tcp\/80 ×\d+$/.test(l));
      if (!found.length) await page.waitForTimeout(500);
    }
    assert.ok(found.length, 'a live connection edge is drawn');
    await screenshot(page, 'topology-connections');
    // Off again: the edges go.
    await frame.locator('#show-connections').click();
    for (let i = 0; i < 40 && found.length; i++) {
      await page.waitForTimeout(250);
      found = (await labels()).filter((l) => /^tcp\/80 ×\d+$/.test(l));
    }
    assert.deepEqual(found, []);
    await runCommand(page, 'View: Close All Editors');
  });

  it('killing the extension host leaves no tcpdump', async () => {
    const page = workbench.page;
    await runCommand(page, 'Netns Explorer: Capture Traffic…');
    await check(page, 'nxl-web1', 'eth0');
    await page.locator('.quick-input-widget input.input').press('Enter');
    await answerFilter(page, '');
    const frame = webviewFrame(page);
    await frame.locator('#sources .source.listening').waitFor({ timeout: 60_000 });
    const running = await liveCaptureTcpdumps();
    assert.equal(running.length, 1);
    // The extension host is the node process whose child the tcpdump's setpriv was: kill it without warning.
    const ps = await runner.run(['ps', '-eo', 'pid=,ppid=,args=']);
    const procs = ps.stdout
      .split('\n')
      .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
    const tcpdump = procs.find((p) => /\btcpdump -i eth0 .* -w -/.test(p.args))!;
    const host = procs.find((p) => p.pid === tcpdump.ppid)!;
    assert.match(host.args, /extensionHost|bootstrap-fork|node/, host.args);
    process.kill(host.pid, 'SIGKILL');
    assert.deepEqual(await noCaptureTcpdumpWithin(5000), []);
  });
});
