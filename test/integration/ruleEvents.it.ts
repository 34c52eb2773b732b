// Rules change, the view follows: inside a real extension host on the lab, with the side bar open, the lab host's
// rules are followed by `nft monitor`, and a DNAT rule added by hand (iptables-nft, then nft) reaches the store
// without a refresh and long before the minute's poll.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Snapshot } from '../../src/core/model';
import type { NetnsExplorerApi } from '../../src/extension/extension';
import { ExecRunner } from '../../src/host/runner';
import { labDown, labUp, type LabState } from '../lab/lab';

describe('rule events in the extension host', function () {
  this.timeout(120_000);
  let api: NetnsExplorerApi;
  let lab: LabState;
  const runner = new ExecRunner();
  const hostId = () => lab.namespaces.find((n) => n.key === 'host')!.inode;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    lab = await labUp();
    await vscode.workspace
      .getConfiguration('netnsExplorer')
      .update('dockerNetnsDirs', ['/var/run/docker/netns', lab.dockerNetnsDir], vscode.ConfigurationTarget.Global);
    const ext = vscode.extensions.getExtension<NetnsExplorerApi>('netns-explorer.netns-explorer');
    assert.ok(ext);
    api = await ext.activate();
    await vscode.commands.executeCommand('workbench.view.extension.netnsExplorer');
    await api.store.refresh();
  });

  after(async () => {
    if (lab) await labDown();
  });

  /** Runs `change` and waits for a snapshot in which `seen` holds; returns the time it took. */
  async function timeUntil(change: () => Promise<void>, seen: (s: Snapshot) => boolean): Promise<number> {
    const started = Date.now();
    const arrived = new Promise<number>((resolve) => {
      const sub = api.store.onDidChange((s) => {
        if (!seen(s)) return;
        sub.dispose();
        resolve(Date.now() - started);
      });
    });
    await change();
    return Promise.race([arrived, new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 15_000))]);
  }

  it('follows the host and the lab host (their rules live in nf_tables), not the rule-less containers', async () => {
    for (let i = 0; i < 50 && !api.followedRules().has(hostId()); i++) await new Promise((r) => setTimeout(r, 100));
    const followed = api.followedRules();
    assert.ok(followed.has(hostId()), `the lab host is followed: ${[...followed].join(', ')}`);
    const web1 = lab.namespaces.find((n) => n.key === 'web1')!.inode;
    assert.ok(!followed.has(web1), 'a container without rules is left to the poll');
  });

  it('iptables -A and nft add rule each reach the store within seconds, without a refresh', async () => {
    await new Promise((r) => setTimeout(r, 2000)); // the monitors listen, earlier reads have settled
    const inHost =
      (...argv: string[]) =>
      async () => {
        const r = await runner.run(['ip', 'netns', 'exec', 'nxl-host', ...argv]);
        assert.equal(r.failure, null, r.stderr);
      };
    const byIptables = await timeUntil(
      inHost(
        'iptables',
        '-t',
        'nat',
        '-A',
        'DOCKER',
        '-p',
        'tcp',
        '--dport',
        '18998',
        '-j',
        'DNAT',
        '--to-destination',
        '172.31.240.2:80',
      ),
      (s) => s.portMappings.some((m) => m.hostPort === 18998),
    );
    await inHost('nft', 'add', 'table', 'inet', 'nxl-events')();
    await inHost('nft', 'add', 'chain', 'inet', 'nxl-events', 'c')();
    await new Promise((r) => setTimeout(r, 2000));
    const byNft = await timeUntil(
      inHost(
        'nft',
        'add',
        'rule',
        'inet',
        'nxl-events',
        'c',
        'tcp',
        'dport',
        '18997',
        'accept',
        'comment',
        '"nxl-events-rule"',
      ),
      (s) =>
        JSON.stringify(s.nat.filter((x) => x.namespace === hostId() && x.source === 'nft')).includes('nxl-events-rule'),
    );
    console.log(`      iptables -A → the store has it: ${byIptables} ms; nft add rule → ${byNft} ms`);
    assert.ok(Number.isFinite(byIptables), 'the iptables rule arrived (no refresh was asked for)');
    assert.ok(Number.isFinite(byNft), 'the nft rule arrived');
  });
});
