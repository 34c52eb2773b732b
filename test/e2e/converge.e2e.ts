// UI test: the live view converges without a manual refresh. With the side bar open and no lab, the lab is brought
// up; the tree must come to show every lab namespace with its right mode and every published port, and the view's
// description says when the picture was taken.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecRunner } from '../../src/host/runner';
import { LAB_DOCKER_NETNS_DIR, labDown, labUp, type LabState } from '../lab/lab';
import {
  allTreeRows,
  expandView,
  launchWorkbench,
  openNetnsExplorer,
  viewPane,
  widenSideBar,
  type Workbench,
} from './harness';

describe('auto refresh converges', function () {
  this.timeout(300_000);
  let workbench: Workbench;
  let lab: LabState | null = null;
  let folder: string;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    await labDown();
    folder = mkdtempSync(join(tmpdir(), 'nxc-ws-'));
    mkdirSync(join(folder, '.vscode'));
    // The lab's Docker-style folder does not exist yet: the view must notice it when it appears.
    writeFileSync(
      join(folder, '.vscode/settings.json'),
      JSON.stringify({ 'netnsExplorer.dockerNetnsDirs': ['/var/run/docker/netns', LAB_DOCKER_NETNS_DIR] }),
    );
    workbench = await launchWorkbench({ folder, width: 1400, height: 1100 });
    await openNetnsExplorer(workbench.page);
    await widenSideBar(workbench.page, 760);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && workbench)
      await workbench.page.screenshot({ path: `/tmp/nx-e2e-converge-failed-${Date.now()}.png` });
  });

  after(async () => {
    await workbench?.close();
    await labDown();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('shows every lab namespace with its mode and every mapping after the lab comes up, with no refresh', async () => {
    const page = workbench.page;
    await viewPane(page, 'Namespaces').locator('.monaco-list-row').first().waitFor({ timeout: 60_000 });
    const before = await allTreeRows(page, 'Namespaces');
    assert.ok(!before.some((r) => r.name.startsWith('nxl-')), 'no lab yet');

    lab = await labUp();
    const named = lab.namespaces.filter((n) => n.name !== null && n.kind !== 'docker');
    const want = named.map((n) => `${n.name} ${n.mode}`);
    const deadline = Date.now() + 45_000;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      const rows = await allTreeRows(page, 'Namespaces');
      seen = rows.map((r) => `${r.name} ${(r.description ?? '').split(' · ')[0]}`);
      if (want.every((w) => seen.includes(w))) break;
      await page.waitForTimeout(500);
    }
    assert.deepEqual(
      want.filter((w) => !seen.includes(w)),
      [],
      `every named lab namespace with its mode; the view shows: ${seen.join(' | ')}`,
    );
    // The Docker-style namespace (its folder appeared after the view started) is there too, by its sandbox key.
    const docker = lab.namespaces.find((n) => n.kind === 'docker');
    if (docker?.name)
      assert.ok(
        seen.some((s) => s.startsWith(docker.name!)),
        `the Docker-style namespace ${docker.name}`,
      );

    // Every published port: the NAT view's count converges to the lab's.
    await expandView(page, 'NAT');
    const count = `${lab.portMappings.length} mappings`;
    let description = '';
    while (Date.now() < deadline + 15_000) {
      const rows = await allTreeRows(page, 'NAT');
      description = rows.find((r) => r.name === 'Port mappings')?.description ?? '';
      if (description === count) break;
      await page.waitForTimeout(500);
    }
    assert.equal(description, count, 'every mapping of the lab');

    const header = viewPane(page, 'Namespaces').locator('.pane-header');
    assert.match((await header.textContent()) ?? '', /updated \d{1,2}:\d{2}:\d{2}/, 'the view says when');
  });

  it('a DNAT rule added by hand shows in the NAT view within seconds: nft monitor, not the minute poll', async () => {
    const page = workbench.page;
    assert.ok(lab, 'the lab is up');
    const count = (n: number) => `${n} mapping${n === 1 ? '' : 's'}`;
    const mappings = async () =>
      (await allTreeRows(page, 'NAT')).find((r) => r.name === 'Port mappings')?.description ?? '';
    assert.equal(await mappings(), count(lab.portMappings.length));
    const add = await new ExecRunner().run([
      'ip',
      'netns',
      'exec',
      'nxl-host',
      'iptables',
      '-t',
      'nat',
      '-A',
      'DOCKER',
      '-p',
      'tcp',
      '--dport',
      '18999',
      '-j',
      'DNAT',
      '--to-destination',
      '172.31.240.2:80',
    ]);
    assert.equal(add.failure, null, add.stderr);
    const started = Date.now();
    let seen = '';
    while (Date.now() - started < 10_000) {
      seen = await mappings();
      if (seen === count(lab.portMappings.length + 1)) break;
      await page.waitForTimeout(100);
    }
    // Includes reading the tree's rows through the page (test/integration/ruleEvents.it.ts times the store itself).
    console.log(`      iptables -A → the NAT view shows the mapping: ${Date.now() - started} ms`);
    assert.equal(seen, count(lab.portMappings.length + 1), 'the new mapping, long before the 60 s poll');
  });
});
