// UI tests: the Netns Explorer side bar in the real workbench (code-server + Chromium) on the lab.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecRunner } from '../../src/host/runner';
import { labDown, labUp, type LabState } from '../lab/lab';
import {
  allTreeRows,
  moveToEditorArea,
  scrollToRow,
  widenSideBar,
  expandRow,
  expandView,
  hoverRow,
  launchWorkbench,
  openNetnsExplorer,
  screenshot,
  treeRow,
  treeRows,
  type Workbench,
} from './harness';

const HOSTILE = 'nxl-<b>*bold*<i>[x](command:workbench.action.terminal.new)';

describe('side bar explorer in the workbench', function () {
  this.timeout(240_000);
  let workbench: Workbench;
  let lab: LabState;
  let folder: string;
  const runner = new ExecRunner();

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    lab = await labUp();
    const add = await runner.run(['ip', 'netns', 'add', HOSTILE]);
    assert.equal(add.failure, null, add.stderr);
    // A workspace of its own, whose settings point at the lab's Docker-style sandbox folder.
    folder = mkdtempSync(join(tmpdir(), 'nxl-ws-'));
    mkdirSync(join(folder, '.vscode'));
    writeFileSync(
      join(folder, '.vscode/settings.json'),
      JSON.stringify({ 'netnsExplorer.dockerNetnsDirs': ['/var/run/docker/netns', lab.dockerNetnsDir] }),
    );
    workbench = await launchWorkbench({ folder, width: 1400, height: 1000 });
    await openNetnsExplorer(workbench.page);
    await widenSideBar(workbench.page, 760);
  });

  afterEach(async function () {
    // A failed UI test leaves a picture of what the workbench showed, for the CI log reader.
    if (this.currentTest?.state === 'failed' && workbench)
      await workbench.page.screenshot({ path: `/tmp/nx-e2e-failed-${Date.now()}.png` });
  });

  after(async () => {
    await workbench?.close();
    await runner.run(['ip', 'netns', 'del', HOSTILE]);
    if (lab) await labDown();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('shows every lab namespace with its mode in the Namespaces view', async () => {
    const page = workbench.page;
    await scrollToRow(page, 'nxl-web1', 'Namespaces', 60_000); // other namespaces on the host may come first
    const rows = await allTreeRows(page, 'Namespaces');
    const text = rows.map((r) => r.text).join('\n');
    assert.match(rows[0]!.text, /^host host · host/);
    for (const want of [
      /nxl-web1 bridge · named/,
      /nxl-pod container · named/,
      /nxl-none none · named/,
      /nxl-p2pa other · named/,
      /0123456789ab bridge · docker/,
      /node \(pid \d+\) bridge · process/,
    ]) {
      assert.match(text, want);
    }
    await moveToEditorArea(page); // no stray tooltip in the picture
    await page.waitForTimeout(600);
    await screenshot(page, 'explorer-namespaces');
  });

  it('shows a namespace named with Markdown and HTML as literal text, in the label and the tooltip', async () => {
    const page = workbench.page;
    await scrollToRow(page, HOSTILE, 'Namespaces');
    const tip = await hoverRow(page, HOSTILE, 'Namespaces');
    assert.ok(tip.includes(HOSTILE), `tooltip shows the name literally: ${tip}`);
    assert.equal(
      await page.locator('.monaco-hover a[href*="command:"], .workbench-hover a[href*="command:"]').count(),
      0,
      'no command link was rendered',
    );
    assert.equal(await page.locator('.monaco-hover b, .workbench-hover b').count(), 0, 'no HTML was rendered');
  });

  it('shows the lab bridge with its ports, and every veth pair', async () => {
    const page = workbench.page;
    await expandView(page, 'Bridges');
    await treeRow(page, 'nxlbr0', 'Bridges').waitFor({ timeout: 30_000 });
    const bridgeRows = (await treeRows(page, 'Bridges', { minRows: 2 })).map((r) => r.text);
    for (const port of lab.bridges[0]!.ports)
      assert.ok(
        bridgeRows.some((t) => t.startsWith(port)),
        `port ${port} in ${bridgeRows.join(' | ')}`,
      );
    assert.ok(bridgeRows.some((t) => /nxlv-web1 → eth0 · nxl-web1/.test(t)));
    await expandView(page, 'Veth Pairs');
    await treeRow(page, /nxlv-web1 \(nxl-host\) ⇄ eth0 \(nxl-web1\)/, 'Veth Pairs').waitFor({ timeout: 30_000 });
    await treeRow(
      page,
      /p2p0 \(nxl-p2pa\) ⇄ p2p0 \(nxl-p2pb\)|p2p0 \(nxl-p2pb\) ⇄ p2p0 \(nxl-p2pa\)/,
      'Veth Pairs',
    ).waitFor();
  });

  it('shows every port mapping with its target container, and explains a DNAT rule on hover', async () => {
    const page = workbench.page;
    // Give the NAT view the room: collapse the others.
    for (const view of ['Namespaces', 'Bridges', 'Veth Pairs']) {
      const header = page.locator('.part.sidebar .pane-header', { hasText: new RegExp(`^${view}`, 'i') }).first();
      if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
    }
    await expandView(page, 'NAT');
    await treeRow(page, '0.0.0.0:8080/tcp → 172.31.240.2:80 (nxl-web1)', 'NAT').waitFor({ timeout: 30_000 });
    for (const want of [
      '198.18.0.1:9090/tcp → 172.31.240.3:80 (nxl-web2)',
      '0.0.0.0:5353/udp → 172.31.240.3:53 (nxl-web2)',
      '0.0.0.0:30000-30010/tcp → 172.31.240.4:30000-30010 (nxl-pod)',
    ]) {
      await treeRow(page, want, 'NAT').waitFor();
    }
    const mappingTip = await hoverRow(page, '0.0.0.0:8080/tcp → 172.31.240.2:80 (nxl-web1)', 'NAT');
    assert.match(mappingTip, /rewritten to 172\.31\.240\.2:80/);
    // Now the rule itself: rule set of nxl-host → nat → DOCKER → the 8080 rule.
    const mappingsRow = treeRow(page, /^Port mappings/, 'NAT');
    if ((await mappingsRow.getAttribute('aria-expanded')) === 'true') await mappingsRow.click(); // make room for the rules
    await expandRow(page, /^nxl-host.*iptables-save · IPv4/, 'NAT');
    await expandRow(page, /^nat.*\d+ chains/, 'NAT');
    await expandRow(page, /^DOCKER.*\d+ rules/, 'NAT');
    const tip = await hoverRow(page, /--dport 8080 -j DNAT/, 'NAT');
    assert.match(tip, /-A DOCKER .*--dport 8080 -j DNAT --to-destination 172\.31\.240\.2:80/, 'the raw rule');
    assert.match(
      tip,
      /TCP to any local address, port 8080, arriving on any interface except nxlbr0, is rewritten to 172\.31\.240\.2:80 \(container nxl-web1\)/,
    );
    assert.match(tip, /PREROUTING → DOCKER/);
    await screenshot(page, 'explorer-nat-hover');
  });
});
