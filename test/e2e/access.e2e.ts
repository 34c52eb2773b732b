// UI test of a normal user's first run: code-server runs as a user who is not root and whose sudo needs a password,
// with the extension installed from the .vsix that vsce packs from this build. The Namespaces view offers Grant
// Access…; a wrong password says so and leaves no process; the right one brings every lab namespace, the NAT rules
// and the published ports; a port mapping is made and removed through the helper; a killed helper is noticed and
// started again; closing the window's server leaves no helper.
// Objects: namespaces nxu-*, the user nxh-e2e and its sudoers entry, temporary folders; all removed afterwards.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ExecRunner } from '../../src/host/runner';
import { CLI } from '../host/helpers';
import {
  expandView,
  launchWorkbench,
  openNetnsExplorer,
  runCommand,
  scrollToRow,
  serverInfo,
  treeRow,
  type Workbench,
} from './harness';

const USER = 'nxh-e2e';
const PASSWORD = 'e2e Pass-9';
const SUDOERS = '/etc/sudoers.d/nxh-e2e';
const HOST = 'nxu-host';
const BOX = 'nxu-box';
const runner = new ExecRunner({ timeoutMs: 60_000 });

async function must(argv: string[], input?: string): Promise<string> {
  const r = await runner.run(argv, input === undefined ? {} : { input });
  assert.equal(r.failure, null, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function processesWith(marker: string): Promise<string[]> {
  const out = await must(['ps', '-eo', 'pid=,args=']);
  return out
    .split('\n')
    .filter((l) => l.includes(marker) && !l.includes('ps -eo'))
    .map((l) => l.trim());
}

async function eventually(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const save = async () => must(['ip', 'netns', 'exec', HOST, 'iptables-save']);

/** The password box: waits for it (with `prompt` in its message), types `text` and presses Enter. */
async function typePassword(page: Page, prompt: RegExp, text: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  await widget.locator('.quick-input-message, .quick-input-title', { hasText: prompt }).first().waitFor({
    state: 'visible',
    timeout: 30_000,
  });
  const input = widget.locator('input[type="password"]');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(text);
  await input.press('Enter');
  // The box closes while sudo checks the password; the next one is a new box.
  await input.waitFor({ state: 'hidden', timeout: 30_000 });
}

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

describe('a normal user: Grant Access in the workbench', function () {
  this.timeout(400_000);
  let base = '';
  let extension = '';
  let vsix = '';
  let server: ChildProcess | null = null;
  let workbench: Workbench | null = null;

  async function startServer(): Promise<number> {
    const { repoRoot } = serverInfo();
    let pkg = join(repoRoot, '.vscode-test/code-server/package');
    // The user must be able to read code-server; a checkout under a private home cannot be: use a copy then.
    if ((await runner.run(['runuser', '-u', USER, '--', 'test', '-r', join(pkg, 'out/node/entry.js')])).failure) {
      const copy = join(base, 'code-server');
      cpSync(pkg, copy, { recursive: true });
      pkg = copy;
    }
    const home = join(base, 'home');
    const userData = join(home, 'user-data');
    mkdirSync(join(userData, 'User'), { recursive: true });
    mkdirSync(join(home, 'extensions'), { recursive: true });
    writeFileSync(
      join(userData, 'User/settings.json'),
      JSON.stringify({
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'security.workspace.trust.enabled': false,
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
      }),
    );
    writeFileSync(join(home, 'config.yaml'), 'auth: none\ncert: false\n');
    await must(['chown', '-R', `${USER}:`, home]);
    const asUser = [
      'runuser',
      '-u',
      USER,
      '--',
      'env',
      `HOME=${home}`,
      process.execPath,
      join(pkg, 'out/node/entry.js'),
    ];
    const installed = await must([
      ...asUser,
      '--config',
      join(home, 'config.yaml'),
      '--extensions-dir',
      join(home, 'extensions'),
      '--user-data-dir',
      userData,
      '--install-extension',
      vsix,
    ]);
    assert.match(installed, /was successfully installed/);
    const folder = readdirSync(join(home, 'extensions')).find((d) => d.startsWith('netns-explorer.netns-explorer-'));
    assert.ok(folder, 'the .vsix is installed');
    extension = join(home, 'extensions', folder);
    const port = 20000 + Math.floor(Math.random() * 20000);
    server = spawn(
      asUser[0]!,
      [
        ...asUser.slice(1),
        '--config',
        join(home, 'config.yaml'),
        '--auth',
        'none',
        '--bind-addr',
        `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--extensions-dir',
        join(home, 'extensions'),
        '--user-data-dir',
        userData,
        home,
      ],
      { cwd: base, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`code-server did not start:\n${output}`)), 60_000);
      const onData = (d: Buffer) => {
        output += String(d);
        if (output.includes('HTTP server listening on')) {
          clearTimeout(timer);
          resolve();
        }
      };
      server!.stdout!.on('data', onData);
      server!.stderr!.on('data', onData);
      server!.once('exit', (code) => reject(new Error(`code-server exited (${code}):\n${output}`)));
    });
    return port;
  }

  async function stopServer(): Promise<void> {
    if (!server?.pid) return;
    const exited = new Promise((r) => server!.once('exit', r));
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-server!.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
    server = null;
  }

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    if (!existsSync('/usr/bin/sudo')) assert.fail('sudo is not installed (.ci/run installs it)');
    base = mkdtempSync(join(tmpdir(), 'nxh-e2e-'));
    chmodSync(base, 0o755);
    // The extension as users install it: the .vsix, packaged from this build by vsce (installed in startServer).
    const { repoRoot } = serverInfo();
    vsix = join(base, 'netns-explorer.vsix');
    execFileSync(
      process.execPath,
      [
        join(repoRoot, 'node_modules/@vscode/vsce/vsce'),
        'package',
        '--no-dependencies',
        '--allow-missing-repository',
        '--no-rewrite-relative-links',
        '-o',
        vsix,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    chmodSync(vsix, 0o644);
    if ((await runner.run(['id', USER])).failure) await must(['useradd', '--no-create-home', USER]);
    await must(['chpasswd'], `${USER}:${PASSWORD}\n`);
    writeFileSync(SUDOERS, `${USER} ALL=(ALL:ALL) ALL\n`, { mode: 0o440 });
    for (const ns of [HOST, BOX]) await runner.run(['ip', 'netns', 'del', ns]);
    for (const ns of [HOST, BOX]) await must(['ip', 'netns', 'add', ns]);
    await must(
      ['ip', '-n', HOST, '-batch', '-'],
      [
        'link set lo up',
        'link add nxubr0 type bridge',
        `link add nxuv-box type veth peer name eth0 netns ${BOX}`,
        'link set nxuv-box master nxubr0',
        'addr add 10.215.0.1/24 dev nxubr0',
        'link set nxubr0 up',
        'link set nxuv-box up',
      ].join('\n') + '\n',
    );
    await must(['ip', '-n', BOX, 'addr', 'add', '10.215.0.2/24', 'dev', 'eth0']);
    await must(['ip', '-n', BOX, 'link', 'set', 'eth0', 'up']);
    await must(
      ['ip', 'netns', 'exec', HOST, 'iptables-restore', '--noflush'],
      '*nat\n-A PREROUTING -p tcp --dport 16380 -j DNAT --to-destination 10.215.0.2:6379\nCOMMIT\n',
    );
    const port = await startServer();
    workbench = await launchWorkbench({
      server: { port },
      folder: join(base, 'home'),
      width: 1400,
      height: 1000,
    });
    await openNetnsExplorer(workbench.page);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && workbench)
      await workbench.page.screenshot({ path: `/tmp/nx-e2e-access-failed-${Date.now()}.png` });
  });

  after(async () => {
    await workbench?.close();
    await stopServer();
    for (const ns of [HOST, BOX]) await runner.run(['ip', 'netns', 'del', ns]);
    rmSync(SUDOERS, { force: true });
    await runner.run(['pkill', '-KILL', '-u', USER]);
    await runner.run(['userdel', USER]);
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('read-only: Run in Terminal runs the installed CLI under sudo, which asks for the password in the terminal', async () => {
    const page = workbench!.page;
    // A mapping of ours that the read-only window can neither see nor remove: the terminal command removes it.
    await must([process.execPath, CLI, 'map', 'add', '--in', HOST, '--host-port', '18184', '--to', '10.215.0.2:80']);
    assert.match(await save(), /--dport 18184 /);
    await treeRow(page, /Grant Access/, 'Namespaces').waitFor({ state: 'visible', timeout: 60_000 });
    await runCommand(page, 'Netns Explorer: Clean Up Leftover Rules');
    // Grant Access is offered first; Escape declines it, and the terminal is offered instead.
    await page.locator('.quick-input-widget input[type="password"]').waitFor({ state: 'visible', timeout: 30_000 });
    await page.keyboard.press('Escape');
    const pick = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'every port mapping' }).first();
    await pick.waitFor({ state: 'visible', timeout: 30_000 });
    await pick.click();
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'needs root' });
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const detail = (await dialog.textContent()) ?? '';
    assert.ok(detail.includes(`${extension}/dist/cli.js`), `the installed CLI: ${detail}`);
    assert.ok(detail.includes(process.execPath), 'run by the Node of the extension host, not root PATH');
    await dialogButton(page, 'Run in Terminal');
    await page.locator('.terminal-wrapper, .xterm').first().waitFor({ state: 'visible', timeout: 30_000 });
    // sudo asks on the terminal; the shell and sudo take a moment to start.
    await page.waitForTimeout(4000);
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await eventually(
      async () => !/--dport 18184 /.test(await save()),
      'the terminal command to remove the mapping',
      60_000,
    );
    assert.doesNotMatch(await save(), /NETNS-EXPLORER/, 'every rule of ours is gone');
  });

  it('offers Grant Access, refuses a wrong password cleanly, then shows the whole view through the helper', async () => {
    const page = workbench!.page;
    const grant = treeRow(page, /Grant Access/, 'Namespaces');
    await grant.waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await treeRow(page, /16380/, 'NAT').count(), 0, 'no NAT rows while read-only');

    await grant.click();
    await typePassword(page, /sudo password for nxh-e2e/, 'wrong-password');
    await typePassword(page, /not accepted/, PASSWORD.toUpperCase());
    // While the box asks again, the refused sudo runs have ended.
    await eventually(async () => (await processesWith('sudo -k -S')).length === 0, 'the refused sudo runs to end');
    await typePassword(page, /not accepted/, PASSWORD);

    await eventually(
      async () => (await processesWith(join(extension, 'dist/cli.js'))).some((l) => l.includes('helper --stdio')),
      'the helper to run',
    );
    await treeRow(page, /Grant Access/, 'Namespaces').waitFor({ state: 'detached', timeout: 60_000 });
    await scrollToRow(page, BOX, 'Namespaces', 60_000);
    // What needs root: the lab's bridge (inside another namespace) and its NAT rule.
    await expandView(page, 'Bridges');
    await scrollToRow(page, 'nxubr0', 'Bridges', 60_000);
    await expandView(page, 'NAT');
    await scrollToRow(page, /0\.0\.0\.0:16380\/tcp/, 'NAT', 60_000);
  });

  it('creates and removes a port mapping through the helper', async () => {
    const page = workbench!.page;
    const before = await save();
    await runCommand(page, 'Netns Explorer: Create Port Mapping');
    // With one container on this host the target step is skipped; with more, it is answered.
    const title = page.locator('.quick-input-widget .quick-input-title', { hasText: /\((1|2)\/3\)/ });
    await title.waitFor({ state: 'visible', timeout: 20_000 });
    if ((await title.textContent())?.includes('(1/3)')) await answer(page, 1, '10.215.0.2');
    await answer(page, 2, '18183:80');
    await page.locator('.monaco-dialog-box', { hasText: 'NETNS-EXPLORER-DNAT' }).waitFor({ timeout: 30_000 });
    await dialogButton(page, 'Apply');
    await page.locator('.notifications-toasts', { hasText: 'is now reachable' }).waitFor({ timeout: 30_000 });
    assert.match(await save(), /--dport 18183 .*-j DNAT --to-destination 10\.215\.0\.2:80/);

    const row = /0\.0\.0\.0:18183\/tcp/;
    await scrollToRow(page, row, 'NAT', 60_000);
    await treeRow(page, row, 'NAT').click({ button: 'right' });
    const item = page.locator('.context-view .action-menu-item', { hasText: 'Delete Port Mapping' }).first();
    await item.waitFor({ state: 'visible', timeout: 15_000 });
    await item.hover();
    await page.waitForTimeout(300);
    await item.click();
    await dialogButton(page, 'Delete');
    await treeRow(page, row, 'NAT').waitFor({ state: 'detached', timeout: 60_000 });
    const strip = (t: string) =>
      t
        .replace(/^#.*\n/gm, '')
        .replace(/\[\d+:\d+\]/g, '')
        .replace(/^\*(filter|raw)\n(:[A-Z]+ ACCEPT \n)+COMMIT\n/gm, '');
    assert.equal(strip(await save()), strip(before), 'the rules are as before');
  });

  it('notices a helper that was killed, says so, and starts it again with the password', async () => {
    const page = workbench!.page;
    const helper = join(extension, 'dist/cli.js');
    await must(['pkill', '-KILL', '-f', `${helper} helper --stdio`]);
    await page
      .locator('.notifications-toasts', { hasText: 'the privileged helper stopped' })
      .waitFor({ timeout: 30_000 });
    const grant = treeRow(page, /Grant Access/, 'Namespaces');
    await grant.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await grant.textContent()) ?? '', /the helper stopped/);
    await grant.click();
    await typePassword(page, /sudo password for nxh-e2e/, PASSWORD);
    await treeRow(page, /Grant Access/, 'Namespaces').waitFor({ state: 'detached', timeout: 60_000 });
    await eventually(
      async () => (await processesWith(helper)).some((l) => l.includes('helper --stdio')),
      'the helper to run again',
    );
    await scrollToRow(page, /0\.0\.0\.0:16380\/tcp/, 'NAT', 60_000);
  });

  it('leaves no helper once the window and its server are gone', async () => {
    await workbench?.close();
    workbench = null;
    await stopServer();
    await eventually(
      async () => (await processesWith(join(extension, 'dist/cli.js'))).length === 0,
      'the helper to exit with its extension host',
    );
  });
});
