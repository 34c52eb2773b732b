// Port-mapping commands inside the real extension host on the lab: create with prefilled answers, tree item, tooltip,
// delete.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { normalizeSave } from '../../src/core/mapping/chainEdits';
import type { NetnsExplorerApi } from '../../src/extension/extension';
import type { TreeNode } from '../../src/extension/tree/nodes';
import type { MappingResult } from '../../src/host/portMapping/apply';
import { ExecRunner } from '../../src/host/runner';
import { findRepoRoot, labDown, labUp, type LabState } from '../lab/lab';

const runner = new ExecRunner({ timeoutMs: 15_000 });

async function save(): Promise<string> {
  const r = await runner.run(['ip', 'netns', 'exec', 'nxl-host', 'iptables-save']);
  assert.equal(r.failure, null, r.stderr);
  return normalizeSave(r.stdout);
}

async function request(port: number): Promise<string> {
  const client = join(findRepoRoot(__dirname), 'test/lab/client.js');
  const r = await runner.run([
    'ip',
    'netns',
    'exec',
    'nxl-out',
    process.execPath,
    client,
    '198.18.0.1',
    String(port),
    'tcp',
    '2000',
  ]);
  return r.failure ? 'failed' : r.stdout.trim();
}

describe('port mapping commands on the lab', function () {
  this.timeout(120_000);
  let api: NetnsExplorerApi;
  let lab: LabState;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    lab = await labUp();
    await vscode.workspace
      .getConfiguration('netnsExplorer')
      .update('dockerNetnsDirs', ['/var/run/docker/netns', lab.dockerNetnsDir], vscode.ConfigurationTarget.Global);
    const ext = vscode.extensions.getExtension<NetnsExplorerApi>('netns-explorer.netns-explorer');
    api = (await ext!.activate())!;
    await api.store.refresh();
  });

  after(async () => {
    if (lab) await labDown();
  });

  function mappingNode(label: string): { node: TreeNode; item: vscode.TreeItem } | undefined {
    const provider = api.providers.nat;
    for (const root of provider.getChildren()) {
      if (root.kind !== 'mappings') continue;
      for (const group of provider.getChildren(root)) {
        // A rule of a binding with several (IPv4 and IPv6, a range) sits under its row.
        const nodes = provider
          .getChildren(group)
          .flatMap((n) => (n.kind === 'portRow' ? provider.getChildren(n) : [n]));
        for (const node of nodes) {
          const item = provider.getTreeItem(node);
          if (String(typeof item.label === 'string' ? item.label : item.label?.label) === label) return { node, item };
        }
      }
    }
    return undefined;
  }

  it('creates a mapping from prefilled answers, shows it as managed with a tooltip saying so, and deletes it back to the exact rules', async () => {
    const before = await save();
    const host = lab.namespaces.find((n) => n.key === 'host')!;
    const created = await vscode.commands.executeCommand<MappingResult>('netnsExplorer.createPortMapping', {
      targetIp: '172.31.240.2',
      containerPort: '80',
      protocol: 'tcp',
      hostPort: '18180',
      hostIp: null,
      natNs: host.inode,
      apply: true,
    });
    assert.ok(created?.applied, 'applied');
    assert.equal(await request(18180), 'nxl:nxl-web1:80');
    await api.store.refresh();
    const found = mappingNode('0.0.0.0:18180/tcp → 172.31.240.2:80 (nxl-web1)');
    assert.ok(found, 'the new mapping is in the NAT view');
    assert.equal(found.item.contextValue, 'portMapping.managed');
    const tip = api.providers.nat.resolveTreeItem(found.item, found.node).tooltip as vscode.MarkdownString;
    assert.match(tip.value, /Made by Netns Explorer/);
    const docker = mappingNode('0.0.0.0:8080/tcp → 172.31.240.2:80 (nxl-web1)');
    assert.ok(docker);
    assert.equal(docker.item.contextValue, 'portMapping.docker');
    assert.doesNotMatch(
      (api.providers.nat.resolveTreeItem(docker.item, docker.node).tooltip as vscode.MarkdownString).value,
      /Made by Netns Explorer/,
    );

    const deleted = await vscode.commands.executeCommand<MappingResult>('netnsExplorer.deletePortMapping', {
      ...(found.node as { ns: string; key: string }),
      confirm: true,
    });
    assert.ok(deleted?.applied);
    assert.equal(await request(18180), 'failed');
    assert.equal(await save(), before, 'iptables-save of nxl-host is byte-identical to before');
    await api.store.refresh();
    assert.equal(mappingNode('0.0.0.0:18180/tcp → 172.31.240.2:80 (nxl-web1)'), undefined);
  });

  it('refuses a port Docker publishes, naming Docker, and changes nothing', async () => {
    const before = await save();
    const host = lab.namespaces.find((n) => n.key === 'host')!;
    await assert.rejects(
      Promise.resolve(
        vscode.commands.executeCommand('netnsExplorer.createPortMapping', {
          targetIp: '172.31.240.3',
          containerPort: '80',
          protocol: 'tcp',
          hostPort: '8080',
          hostIp: null,
          natNs: host.inode,
          apply: true,
        }),
      ),
      /already published by Docker/,
    );
    assert.equal(await save(), before);
  });
});
